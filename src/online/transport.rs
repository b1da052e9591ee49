//! Requests to the license server (and the LAN daemon): one per call, bounded by the configured
//! timeout, through the proxy from the configuration or the machine, on the system's trusted
//! roots and an optional private CA (`trust.rs`), over the library's own HTTP/1.1 (`http.rs`).
//! Bodies are bounded both ways; every failure maps to a distinct status.

use serde::de::DeserializeOwned;

use super::http::{self, Endpoint, Failure};
use crate::protocol::client_api::{ErrorResponse, LeaseResponse, Operation, RequestBody, SERVER_REASONS};
use crate::protocol::from_slice_strict;
use crate::protocol::network::LAN_REASONS;
use crate::{Config, Status};

/// The largest answer read from the server: a lease is a few kilobytes.
const MAX_RESPONSE: u64 = 256 * 1024;

/// A connection to one license server.
#[derive(Debug)]
pub(crate) struct Transport {
    http: http::Client,
    server: Endpoint,
    /// The server URL as configured, for messages.
    base: String,
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
        let invalid =
            |what: &str, why: String| crate::detail::note(Status::InvalidArgument, format!("{what}: {why}"));
        let server = Endpoint::parse(base, None).map_err(|why| invalid("server URL", why))?;
        let proxy = match config.proxy() {
            _ if lan => None,
            // Checked when it was configured (`Config::set_proxy`).
            Some(url) => Some(Endpoint::parse(url, Some("http")).map_err(|why| invalid("proxy URL", why))?),
            None => super::system_proxy::env_proxy(&server.host)
                .or_else(|| super::system_proxy::system_proxy(base)),
        };
        let tls = super::trust::client_config(config.ca_file())?;
        let http = http::Client {
            tls,
            proxy,
            timeout: config.timeout(),
            user_agent: format!("licensekit/{}", env!("CARGO_PKG_VERSION")),
        };
        Ok(Transport { http, server, base: base.to_owned(), lan })
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
        let body = serde_json::to_vec(body).map_err(|_| Status::Internal)?;
        let answer = self
            .http
            .post_json(&self.server, &format!("{}{path}", self.server.path), &body, MAX_RESPONSE)
            .map_err(|e| self.map_error(e))?;
        let (status, bytes) = (answer.status, answer.body);
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

    fn map_error(&self, failure: Failure) -> Status {
        let at = self.server.authority();
        let (status, detail) = match failure {
            Failure::Timeout => {
                (Status::Timeout, format!("no answer from {at} within {} ms", self.http.timeout.as_millis()))
            }
            Failure::Refused => (Status::Network, format!("connection refused by {at}")),
            Failure::HostNotFound => (Status::Network, format!("host not found: {}", self.server.host)),
            Failure::Connect(e) => (Status::Network, format!("could not connect to {at}: {e}")),
            Failure::Tls(e) => (Status::Network, format!("TLS with {at} failed: {e}")),
            Failure::Proxy(why) => (Status::Network, format!("the proxy failed: {why}")),
            Failure::Closed(when) => (Status::Network, format!("{at} closed the connection {when}")),
            Failure::TooLarge(n) => {
                (Status::BadResponse, format!("the answer from {at} is {n} bytes, more than {MAX_RESPONSE}"))
            }
            Failure::Malformed(why) => {
                (Status::BadResponse, format!("the answer from {at} is not HTTP: {why}"))
            }
            Failure::Io(e) => (Status::Network, format!("{at}: {e}")),
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
