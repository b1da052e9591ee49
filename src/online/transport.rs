//! HTTP to the license server: one blocking agent per client, every call bounded by the
//! configured timeout, proxy from the configuration or the environment, the system's trusted
//! roots and an optional private CA (`trust.rs`).
//! Bodies are bounded both ways; every failure maps to a distinct status.

use std::io::ErrorKind;

use serde::de::DeserializeOwned;

use crate::protocol::client_api::{ErrorResponse, LeaseResponse, Operation, RequestBody, SERVER_REASONS};
use crate::protocol::from_slice_strict;
use crate::protocol::network::LAN_REASONS;
use crate::{Config, Status};

/// The largest answer read from the server: a lease is a few kilobytes.
const MAX_RESPONSE: u64 = 256 * 1024;

/// A connection to one license server.
#[derive(Debug)]
pub(crate) struct Transport {
    agent: ureq::Agent,
    base: String,
    timeout: std::time::Duration,
    /// A LAN daemon rather than the vendor's server: an unreachable one is `LanUnreachable`,
    /// and its refusals may say the daemon is not certified.
    lan: bool,
}

impl Transport {
    /// The license server's transport; `None` when no server URL is configured.
    pub fn new(config: &Config) -> Result<Option<Transport>, Status> {
        config.server_url().map(|base| Transport::connect(config, base, false)).transpose()
    }

    /// The LAN daemon's transport; `None` when no LAN server is configured (nor in the
    /// environment). Never through a proxy: the daemon is on the site's own network.
    pub fn lan(config: &Config) -> Result<Option<Transport>, Status> {
        config.lan_server().map(|base| Transport::connect(config, &base, true)).transpose()
    }

    fn connect(config: &Config, base: &str, lan: bool) -> Result<Transport, Status> {
        let proxy = match config.proxy() {
            _ if lan => None,
            Some(url) => Some(
                ureq::Proxy::new(url)
                    .map_err(|e| crate::detail::note(Status::InvalidArgument, format!("proxy URL: {e}")))?,
            ),
            None => ureq::Proxy::try_from_env().or_else(|| super::system_proxy::system_proxy(base)),
        };
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(super::trust::roots(config.ca_file())?)
            .unversioned_rustls_crypto_provider(super::trust::crypto_provider())
            .build();
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout()))
            .http_status_as_error(false)
            // A redirect is not followed: a POST must not silently become another request.
            .max_redirects(0)
            .proxy(proxy)
            .tls_config(tls)
            .user_agent(format!("licensekit/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Ok(Transport { agent, base: base.to_owned(), timeout: config.timeout(), lan })
    }

    /// Posts a signed request and returns the server's answer. Every failure records its
    /// cause (see [`crate::last_error_detail`]): the host and port refused, the name not
    /// found, the TLS error, the timeout, the HTTP status and the server's message.
    pub fn post(&self, operation: Operation, body: &RequestBody) -> Result<LeaseResponse, Status> {
        let path = if self.lan {
            crate::protocol::network::lan_path(operation)
        } else {
            operation.path().to_owned()
        };
        let url = format!("{}{path}", self.base);
        let mut response = self.agent.post(&url).send_json(body).map_err(|e| self.map_error(e))?;
        let status = response.status().as_u16();
        let declared =
            response.headers().get("content-length").and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > MAX_RESPONSE) {
            // Refused before reading: a huge declared body must not hold the call until the
            // timeout.
            return Err(crate::detail::note(
                Status::BadResponse,
                format!(
                    "{url}: the answer declares {} bytes, more than {MAX_RESPONSE}",
                    declared.unwrap_or(0)
                ),
            ));
        }
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE)
            .read_to_vec()
            .map_err(|e| self.map_error(e))?;
        match status {
            200..=299 => parse(&bytes).map_err(|s| {
                crate::detail::note(s, format!("{url}: HTTP {status}: not a licensekit answer"))
            }),
            400..=499 => {
                let refusal: ErrorResponse = parse(&bytes).map_err(|s| {
                    crate::detail::note(s, format!("{url}: HTTP {status}: {}", excerpt(&bytes)))
                })?;
                let known = Status::from_u32(refusal.status)
                    .filter(|s| SERVER_REASONS.contains(s) || (self.lan && LAN_REASONS.contains(s)));
                let status_now = known.unwrap_or(Status::ServerRefused);
                let name = if known.is_some() { String::new() } else { format!(" ({})", refusal.name) };
                Err(crate::detail::note(status_now, format!("the server said{name}: {}", refusal.message)))
            }
            500..=599 => Err(crate::detail::note(
                Status::ServerError,
                format!("{url}: HTTP {status}: {}", excerpt(&bytes)),
            )),
            _ => Err(crate::detail::note(Status::BadResponse, format!("{url}: unexpected HTTP {status}"))),
        }
    }

    /// The host and port the base URL names, for messages.
    fn authority(&self) -> &str {
        let rest = self.base.split_once("://").map_or(self.base.as_str(), |(_, r)| r);
        rest.split('/').next().unwrap_or(rest)
    }

    fn map_error(&self, error: ureq::Error) -> Status {
        let at = self.authority();
        let timeout = self.timeout.as_millis();
        let (status, detail) = match &error {
            ureq::Error::Timeout(_) => (Status::Timeout, format!("no answer from {at} within {timeout} ms")),
            ureq::Error::Io(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                (Status::Timeout, format!("no answer from {at} within {timeout} ms"))
            }
            ureq::Error::Io(e) if e.kind() == ErrorKind::ConnectionRefused => {
                (Status::Network, format!("connection refused by {at}"))
            }
            ureq::Error::HostNotFound => {
                (Status::Network, format!("host not found: {}", at.rsplit_once(':').map_or(at, |(h, _)| h)))
            }
            ureq::Error::ConnectionFailed => (Status::Network, format!("could not connect to {at}")),
            ureq::Error::Rustls(e) => (Status::Network, format!("TLS with {at} failed: {e}")),
            ureq::Error::Tls(e) => (Status::Network, format!("TLS with {at} failed: {e}")),
            ureq::Error::ConnectProxyFailed(e) => (Status::Network, format!("the proxy failed: {e}")),
            ureq::Error::InvalidProxyUrl => (Status::Network, "the proxy URL is invalid".to_owned()),
            ureq::Error::BodyExceedsLimit(n) => {
                (Status::BadResponse, format!("the answer from {at} exceeds {n} bytes"))
            }
            ureq::Error::Json(e) => (Status::BadResponse, format!("the answer from {at} is not JSON: {e}")),
            other => (Status::Network, format!("{at}: {other}")),
        };
        let status = match status {
            Status::Network | Status::Timeout if self.lan => Status::LanUnreachable,
            status => status,
        };
        crate::detail::note(status, detail)
    }
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Status> {
    from_slice_strict(bytes).map_err(|_| Status::BadResponse)
}

/// The start of a body, as text, for a message.
fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]);
    text.chars().filter(|c| !c.is_control()).collect()
}
