//! Masking what must never reach a log line or the audit trail: license codes (only their
//! last four characters are kept, enough to tell codes apart in an incident), and the values
//! of query parameters whose names say they hold a secret.

/// `…1234` for a license code: the last four characters, or nothing of a value that short.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 8 {
        return "…".to_owned();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("…{tail}")
}

/// True for parameter names whose values are secrets or license codes: `licenseCode`,
/// `code`, `password`, `apiKey`, `token`, `secret`, and any name containing one of them.
pub fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["code", "pass", "key", "token", "secret", "auth", "certificate", "request"]
        .iter()
        .any(|word| name.contains(word))
}

/// A query string fit for a log line: the names kept, the values of secret-like names
/// masked, the rest kept (percent-encoded as received). Bounded, so a hostile query cannot
/// make one log line huge.
pub fn query(query: &str) -> String {
    const MAX: usize = 512;
    let mut out = String::new();
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match pair.split_once('=') {
            Some((name, value)) if is_secret_name(&percent_decoded(name)) => {
                out.push_str(name);
                out.push('=');
                // A code's tail tells codes apart; nothing of a password or key is kept.
                let code = percent_decoded(name).to_ascii_lowercase().contains("code");
                out.push_str(&if code { mask(value) } else { "…".to_owned() });
            }
            _ => out.push_str(pair),
        }
        if out.len() > MAX {
            let cut = (0..=MAX).rev().find(|&i| out.is_char_boundary(i)).unwrap_or(0);
            out.truncate(cut);
            out.push('…');
            break;
        }
    }
    out
}

/// A request path fit for a log line: bounded, and any run of 12 or more digits (a license
/// code sent in the path by mistake) masked.
pub fn path(path: &str) -> String {
    const MAX: usize = 256;
    let mut out = String::new();
    let mut digits = String::new();
    let flush = |out: &mut String, digits: &mut String| {
        if digits.len() >= 12 {
            out.push_str(&mask(digits));
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in path.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        flush(&mut out, &mut digits);
        out.push(c);
        if out.len() > MAX {
            out.push('…');
            return out;
        }
    }
    flush(&mut out, &mut digits);
    out
}

/// A parameter name as the server reads it (so `license%43ode` is masked too).
fn percent_decoded(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex =
            bytes.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_keep_only_their_tail() {
        assert_eq!(mask("123456789012345678"), "…5678");
        assert_eq!(mask("short"), "…");
        assert_eq!(mask(""), "…");
    }

    #[test]
    fn codes_in_paths_are_masked() {
        assert_eq!(path("/api/LicenseCode"), "/api/LicenseCode");
        assert_eq!(path("/api/123456789012345678/x"), "/api/…5678/x");
        assert_eq!(path("/client/v1/activate"), "/client/v1/activate");
    }

    #[test]
    fn secret_values_are_masked_in_queries() {
        assert_eq!(
            query("productId=1234567890&licenseCode=123456789012345678&pageNumber=2"),
            "productId=1234567890&licenseCode=…5678&pageNumber=2"
        );
        assert_eq!(query("license%43ode=123456789012345678"), "license%43ode=…5678");
        assert_eq!(query("password=hunter2hunter2&apiKey=abcdefghijkl"), "password=…&apiKey=…");
        assert!(query(&"a=b&".repeat(1000)).chars().count() <= 514);
    }
}
