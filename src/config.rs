//! Client configuration: the product, the vendor keys it trusts, where its store lives, and
//! how to reach the license server.

use std::path::PathBuf;
use std::time::Duration;

use crate::Status;
use crate::machine::validate_product_id;
use crate::protocol::client_api::AppInfo;
use crate::protocol::{PublicKey, TrustedKeys};

/// The default bound on every network call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything a [`crate::Client`] needs to start.
#[derive(Clone, Debug)]
pub struct Config {
    product_id: String,
    trusted: TrustedKeys,
    store_dir: Option<PathBuf>,
    server_url: Option<String>,
    timeout: Duration,
    proxy: Option<String>,
    ca_file: Option<PathBuf>,
    app: AppInfo,
    client_id: Option<String>,
    machine_root: Option<PathBuf>,
    clock: Option<Clock>,
    lan_server: Option<String>,
    network_daemon: bool,
}

/// A wall clock in Unix seconds, for [`Config::set_clock`].
#[derive(Clone)]
pub struct Clock(std::sync::Arc<dyn Fn() -> i64 + Send + Sync>);

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock(..)")
    }
}

impl Config {
    /// A configuration for one product (the seed's 10-digit product ID, or any
    /// `[0-9A-Za-z_-]{1,64}`).
    pub fn new(product_id: &str) -> Result<Config, Status> {
        validate_product_id(product_id)?;
        Ok(Config {
            product_id: product_id.to_owned(),
            trusted: TrustedKeys::new(),
            store_dir: None,
            server_url: None,
            timeout: DEFAULT_TIMEOUT,
            proxy: None,
            ca_file: None,
            app: AppInfo::default(),
            client_id: None,
            machine_root: None,
            clock: None,
            lan_server: None,
            network_daemon: false,
        })
    }

    /// Trusts a vendor public key given as 64 hex characters. Several keys may be trusted
    /// at once (key rotation).
    pub fn add_public_key(&mut self, hex: &str) -> Result<(), Status> {
        self.trusted.add(PublicKey::from_hex(hex)?)
    }

    /// Keeps the store in `dir` instead of the per-user default (e.g. a per-machine
    /// directory shared by all users, or an application's own data folder).
    pub fn set_store_dir(&mut self, dir: impl Into<PathBuf>) -> Result<(), Status> {
        let dir = dir.into();
        if dir.as_os_str().is_empty() {
            return Err(Status::InvalidArgument);
        }
        self.store_dir = Some(dir);
        Ok(())
    }

    /// The license server's base URL (`http://` or `https://`; the client protocol lives under
    /// its `/client/v1/` path). Without one, the client is purely offline/passive.
    pub fn set_server_url(&mut self, url: &str) -> Result<(), Status> {
        let url = url.trim().trim_end_matches('/');
        let invalid = |why: &str| {
            Err(crate::detail::note(Status::InvalidArgument, format!("server URL {url:?}: {why}")))
        };
        if let Err(why) = crate::online::http::Endpoint::parse(url, None) {
            return invalid(&why);
        }
        if url.contains(char::is_whitespace) {
            return invalid("it contains white space");
        }
        if url.len() > 2048 {
            return invalid("it is longer than 2048 characters");
        }
        self.server_url = Some(url.to_owned());
        Ok(())
    }

    /// Bounds every network call (connect, send, receive) by `timeout` (1 ms to 10 minutes).
    pub fn set_timeout(&mut self, timeout: Duration) -> Result<(), Status> {
        if timeout.is_zero() || timeout > Duration::from_secs(600) {
            return Err(Status::InvalidArgument);
        }
        self.timeout = timeout;
        Ok(())
    }

    /// An HTTP proxy URL (`http://[user:password@]host:port`, the scheme may be left out):
    /// every request goes through it in a CONNECT tunnel, with Basic credentials when the URL
    /// has them. TLS to the proxy (`https://`) and SOCKS are refused (`InvalidArgument`).
    /// Without one, the usual `ALL_PROXY`/`HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` environment
    /// variables apply.
    pub fn set_proxy(&mut self, url: &str) -> Result<(), Status> {
        let url = url.trim();
        let invalid =
            |why: String| Err(crate::detail::note(Status::InvalidArgument, format!("proxy URL: {why}")));
        match crate::online::http::Endpoint::parse(url, Some("http")) {
            Err(why) => return invalid(why),
            Ok(proxy) if proxy.tls => return invalid("TLS to the proxy (https://) is not supported".into()),
            Ok(_) => {}
        }
        self.proxy = Some(url.to_owned());
        Ok(())
    }

    /// Trusts the CA certificates in a PEM file for the server's TLS certificate, besides the
    /// operating system's trust store (a vendor's private CA on a server the customer's
    /// machines do not otherwise trust).
    pub fn set_ca_file(&mut self, path: impl Into<PathBuf>) -> Result<(), Status> {
        let path = path.into();
        if path.as_os_str().is_empty() {
            return Err(Status::InvalidArgument);
        }
        self.ca_file = Some(path);
        Ok(())
    }

    /// The application's version, build and edition, reported with the system details.
    pub fn set_app_version(&mut self, version: &str, build: &str, edition: &str) -> Result<(), Status> {
        if [version, build, edition].iter().any(|v| v.len() > 64) {
            return Err(Status::InvalidArgument);
        }
        self.app = AppInfo { version: version.into(), build: build.into(), edition: edition.into() };
        Ok(())
    }

    /// The client ID passive licenses are bound to (10-255 printable ASCII characters), for
    /// applications with their own notion of a machine or user; by default it is the
    /// computer ID for the product.
    pub fn set_client_id(&mut self, client_id: &str) -> Result<(), Status> {
        if !crate::protocol::offline::validate_client_id(client_id) {
            return Err(Status::InvalidArgument);
        }
        self.client_id = Some(client_id.to_owned());
        Ok(())
    }

    /// Reads this computer's identity from a system image laid out under `root` (its `etc`,
    /// `sys`, `proc` and `var/lib/licensekit`) instead of the running system: for inspecting a
    /// mounted disk image, and for tests that play several computers on one machine. Rust
    /// only, deliberately absent from the C API: an application that ships it decides what a
    /// computer is.
    pub fn set_machine_root(&mut self, root: impl Into<PathBuf>) -> Result<(), Status> {
        let root = root.into();
        if root.as_os_str().is_empty() {
            return Err(Status::InvalidArgument);
        }
        self.machine_root = Some(root);
        Ok(())
    }

    /// Replaces the wall clock the client judges leases, grace periods, the clock high-water
    /// mark and its requests' time by: for tests that move time instead of waiting for it.
    /// Rust only, deliberately absent from the C API.
    pub fn set_clock(&mut self, now: impl Fn() -> i64 + Send + Sync + 'static) {
        self.clock = Some(Clock(std::sync::Arc::new(now)));
    }

    /// Now, in Unix seconds, by the configured clock (the system's, unless replaced).
    pub fn now(&self) -> i64 {
        match &self.clock {
            None => crate::clock::unix_now(),
            Some(Clock(now)) => now(),
        }
    }

    /// The machine the client identifies: the running one, or the image set with
    /// [`Config::set_machine_root`].
    pub fn machine(&self) -> crate::machine::SysRoot {
        self.machine_root.as_ref().map_or_else(crate::machine::SysRoot::host, crate::machine::SysRoot::at)
    }

    /// The application's own client ID, if set.
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// The site's LAN license daemon (`host:port`, or an `http://` URL) that network seats
    /// are taken from ([`crate::Client::activate_lan`]). Without one, the
    /// [`LAN_SERVER_ENV`](crate::protocol::network::LAN_SERVER_ENV) environment variable
    /// that administrators set on every workstation is used.
    pub fn set_lan_server(&mut self, address: &str) -> Result<(), Status> {
        self.lan_server = Some(lan_url(address)?);
        Ok(())
    }

    /// The LAN daemon's base URL: the configured one, else the environment's (an invalid
    /// value there is ignored, with a log line, rather than failing every client).
    pub fn lan_server(&self) -> Option<String> {
        if let Some(url) = &self.lan_server {
            return Some(url.clone());
        }
        let value = std::env::var(crate::protocol::network::LAN_SERVER_ENV).ok()?;
        if value.trim().is_empty() {
            return None;
        }
        lan_url(&value)
            .inspect_err(|_| {
                let name = crate::protocol::network::LAN_SERVER_ENV;
                crate::log::emit(
                    crate::log::Level::Warn,
                    &format!("{name}={value:?} is not host:port; ignored"),
                );
            })
            .ok()
    }

    /// Makes the client a LAN daemon's (see [`crate::lan`]): it asks for network master
    /// licenses and accepts nothing else.
    pub(crate) fn set_network_daemon(&mut self) {
        self.network_daemon = true;
    }

    pub(crate) fn network_daemon(&self) -> bool {
        self.network_daemon
    }

    /// The server URL, if any.
    pub fn server_url(&self) -> Option<&str> {
        self.server_url.as_deref()
    }

    /// The network timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The configured proxy, if any.
    pub fn proxy(&self) -> Option<&str> {
        self.proxy.as_deref()
    }

    /// The custom CA file, if any.
    pub fn ca_file(&self) -> Option<&std::path::Path> {
        self.ca_file.as_deref()
    }

    /// The application's version information.
    pub fn app(&self) -> &AppInfo {
        &self.app
    }

    /// The product ID.
    pub fn product_id(&self) -> &str {
        &self.product_id
    }

    /// The trusted vendor keys.
    pub fn trusted_keys(&self) -> &TrustedKeys {
        &self.trusted
    }

    /// The store directory: the configured one, else the per-user default.
    pub fn store_dir(&self) -> Result<PathBuf, Status> {
        self.store_dir.clone().or_else(crate::store::default_dir).ok_or(Status::StoreIo)
    }
}

/// `host:port` (or an `http://`/`https://` URL) as the LAN daemon's base URL.
fn lan_url(address: &str) -> Result<String, Status> {
    let address = address.trim().trim_end_matches('/');
    let invalid = |why: &str| {
        Err(crate::detail::note(Status::InvalidArgument, format!("LAN server {address:?}: {why}")))
    };
    let (scheme, rest) = match address.split_once("://") {
        Some((scheme @ ("http" | "https"), rest)) => (scheme, rest),
        Some(_) => return invalid("only http:// and https:// are understood"),
        None => ("http", address),
    };
    if rest.is_empty() || rest.len() > 300 || rest.contains(['/', '?', '#']) {
        return invalid("expected host:port");
    }
    if !rest.bytes().all(|b| b.is_ascii_graphic()) {
        return invalid("it contains white space or non-ASCII characters");
    }
    let port = rest.rsplit_once(':').map(|(_, port)| port);
    if port.and_then(|p| p.parse::<u16>().ok()).filter(|p| *p != 0).is_none() || rest.ends_with(']') {
        return invalid("expected host:port, with a port from 1 to 65535");
    }
    Ok(format!("{scheme}://{rest}"))
}
