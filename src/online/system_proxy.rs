//! The proxy the machine names when the configuration (`lk_config_set_proxy`) names none:
//! first the environment's, as curl and most Unix tools read it; then, on Windows, the user's
//! system proxy, what Internet Options (and
//! Settings > Network > Proxy) write under
//! `HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings`:
//!
//! - `ProxyEnable` (DWORD): the manual proxy is on;
//! - `ProxyServer`: `host:port` for every protocol, or per protocol
//!   `http=host:port;https=host:port;...`;
//! - `ProxyOverride`: hosts reached directly, `;`-separated, `*` wildcards, and `<local>`
//!   for names without a dot.
//!
//! Automatic configuration (PAC scripts, WPAD) is not evaluated. The parser is pure and
//! compiled on every OS, so it is unit-tested everywhere; only the registry read is Windows'.

use super::http::Endpoint;

/// The proxy URL (`http://host:port`) for requests to `target` (the server's base URL),
/// from the three values above; `None` when the proxy is off, names no proxy for the
/// target's scheme, or the target host is in the bypass list.
pub(crate) fn proxy_for(enabled: bool, server: &str, bypass: &str, target: &str) -> Option<String> {
    if !enabled {
        return None;
    }
    let (scheme, _) = target.split_once("://")?;
    let entries: Vec<&str> = server.split([';', ' ']).map(str::trim).filter(|e| !e.is_empty()).collect();
    let chosen = if entries.iter().any(|e| e.contains('=')) {
        entries.iter().find_map(|e| {
            let (protocol, value) = e.split_once('=')?;
            protocol.trim().eq_ignore_ascii_case(scheme).then_some(value.trim())
        })?
    } else {
        *entries.first()?
    };
    if chosen.is_empty() || bypassed(&Endpoint::parse(target, None).ok()?.host, bypass) {
        return None;
    }
    Some(if chosen.contains("://") { chosen.to_owned() } else { format!("http://{chosen}") })
}

/// Whether `host` matches an entry of the `ProxyOverride` list.
fn bypassed(host: &str, list: &str) -> bool {
    list.split([';', ',', ' ']).map(str::trim).filter(|e| !e.is_empty()).any(|entry| {
        if entry.eq_ignore_ascii_case("<local>") {
            return !host.contains('.') && !host.contains(':');
        }
        let pattern = entry.split_once("://").map_or(entry, |(_, p)| p).to_ascii_lowercase();
        glob(pattern.as_bytes(), host.as_bytes())
    })
}

/// `*` matches any run of characters (none included); everything else itself. Iterative
/// with one backtrack point, so no pattern costs more than `pattern × text` steps.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// The environment's proxy for `host`: the first of `ALL_PROXY`, `HTTPS_PROXY` and
/// `HTTP_PROXY` (upper case first, then lower) that is a usable proxy URL, unless `NO_PROXY`
/// (or `no_proxy`) lists the host. The order is ureq's, which the library used before it had a
/// client of its own, so that no deployment's setting changes meaning.
pub(crate) fn env_proxy(host: &str) -> Option<Endpoint> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if var("NO_PROXY").or_else(|| var("no_proxy")).is_some_and(|list| no_proxy(&list, host)) {
        return None;
    }
    ["ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"]
        .iter()
        .filter_map(|name| var(name))
        .find_map(|url| usable(&url))
}

/// `NO_PROXY`'s rule, as curl's: comma-separated names, each matching the host itself and the
/// names under it (a leading `.` or `*.` changes nothing), `*` matching every host.
fn no_proxy(list: &str, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    list.split(',').map(str::trim).filter(|e| !e.is_empty()).any(|entry| {
        let name = entry.trim_start_matches('*').trim_start_matches('.').to_ascii_lowercase();
        entry == "*" || host == name || host.strip_suffix(name.as_str()).is_some_and(|sub| sub.ends_with('.'))
    })
}

/// A proxy URL the transport can use: plain HTTP (it tunnels with CONNECT). A setting it
/// cannot use (a SOCKS proxy, say) leaves the connection direct rather than failing every
/// request over a machine setting the application did not choose.
fn usable(url: &str) -> Option<Endpoint> {
    Endpoint::parse(url.trim(), Some("http")).ok().filter(|e| !e.tls)
}

/// The system proxy for `target`, read from this user's registry; `None` off Windows.
#[cfg(windows)]
pub(crate) fn system_proxy(target: &str) -> Option<Endpoint> {
    use crate::registry::{HKEY_CURRENT_USER, Key};
    let key = Key::open(HKEY_CURRENT_USER, r"Software\Microsoft\Windows\CurrentVersion\Internet Settings")?;
    let url = proxy_for(
        key.dword("ProxyEnable")? != 0,
        &key.string("ProxyServer")?,
        &key.string("ProxyOverride").unwrap_or_default(),
        target,
    )?;
    usable(&url)
}

/// The system proxy for `target`: other systems have none beyond the environment's.
#[cfg(not(windows))]
pub(crate) fn system_proxy(_target: &str) -> Option<Endpoint> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const HTTPS: &str = "https://licenses.example.com:8443/v1";

    #[test]
    fn one_proxy_for_every_protocol() {
        assert_eq!(proxy_for(true, "proxy.corp:3128", "", HTTPS).as_deref(), Some("http://proxy.corp:3128"));
        assert_eq!(
            proxy_for(true, " proxy.corp:3128 ", "", "http://h/").as_deref(),
            Some("http://proxy.corp:3128")
        );
        assert_eq!(
            proxy_for(true, "http://proxy.corp:8080", "", HTTPS).as_deref(),
            Some("http://proxy.corp:8080"),
            "a scheme already given is kept"
        );
    }

    #[test]
    fn per_protocol_proxies_are_chosen_by_the_target_scheme() {
        let server = "http=web.corp:80;https=secure.corp:443;ftp=ftp.corp:21";
        assert_eq!(proxy_for(true, server, "", HTTPS).as_deref(), Some("http://secure.corp:443"));
        assert_eq!(proxy_for(true, server, "", "http://h:1/").as_deref(), Some("http://web.corp:80"));
        assert_eq!(
            proxy_for(true, "HTTPS=Secure.corp:443", "", HTTPS).as_deref(),
            Some("http://Secure.corp:443")
        );
        // Only an HTTP proxy named: HTTPS goes direct, as WinINet does.
        assert_eq!(proxy_for(true, "http=web.corp:80", "", HTTPS), None);
        assert_eq!(proxy_for(true, "https=", "", HTTPS), None);
    }

    #[test]
    fn off_empty_or_unparseable_means_none() {
        assert_eq!(proxy_for(false, "proxy.corp:3128", "", HTTPS), None);
        assert_eq!(proxy_for(true, "", "", HTTPS), None);
        assert_eq!(proxy_for(true, ";;", "", HTTPS), None);
        assert_eq!(proxy_for(true, "proxy.corp:3128", "", "not a url"), None);
    }

    #[test]
    fn the_bypass_list() {
        let server = "proxy.corp:3128";
        let via = |bypass: &str, target: &str| proxy_for(true, server, bypass, target).is_some();
        assert!(!via("<local>", "http://licenses:8080/"), "<local>: a name without a dot");
        assert!(via("<local>", HTTPS));
        assert!(!via("*.example.com", HTTPS));
        assert!(!via("*.EXAMPLE.com;<local>", HTTPS), "case-insensitive");
        assert!(!via("foo.corp; licenses.example.com", HTTPS));
        assert!(!via("10.*", "http://10.1.2.3:80/"));
        assert!(via("10.*", "http://110.1.2.3:80/"));
        assert!(!via("https://*.example.com", HTTPS), "a scheme in the pattern is ignored");
        assert!(!via("127.0.0.1", "http://user:pw@127.0.0.1:9/x"));
        assert!(!via("::1", "http://[::1]:8080/"));
        assert!(via("<local>", "http://[::1]:8080/"), "an address is not a local name");
        assert!(via("*.example.org", HTTPS));
    }

    #[test]
    fn glob_wildcards() {
        assert!(glob(b"*", b""));
        assert!(glob(b"a*c", b"abbbc"));
        assert!(glob(b"*b*", b"abc"));
        assert!(!glob(b"a*c", b"abcd"));
        assert!(glob(b"**.corp", b"x.y.corp"));
        // Linear-ish on the classic pathological input.
        let text = vec![b'a'; 4000];
        assert!(!glob(b"*a*a*a*a*a*b", &text));
    }

    #[test]
    fn no_proxy_matches_the_host_and_the_names_under_it() {
        let list = "localhost, .corp.example,*.lab.example ,10.0.0.1";
        for host in
            ["localhost", "corp.example", "a.corp.example", "A.Lab.Example", "x.lab.example", "10.0.0.1"]
        {
            assert!(no_proxy(list, host), "{host}");
        }
        for host in ["notcorp.example", "example", "10.0.0.12", "localhost.evil"] {
            assert!(!no_proxy(list, host), "{host}");
        }
        assert!(no_proxy("*", "anything.example"));
        assert!(!no_proxy("", "anything.example"));
    }

    #[test]
    fn only_plain_http_proxies_are_used() {
        assert_eq!(usable("proxy.corp:3128").map(|e| e.authority()).as_deref(), Some("proxy.corp:3128"));
        assert_eq!(
            usable(" http://u:p@proxy.corp:8080 ").and_then(|e| e.credentials).as_deref(),
            Some("u:p")
        );
        assert!(usable("socks5://proxy.corp:1080").is_none());
        assert!(usable("https://proxy.corp:443").is_none());
    }
}
