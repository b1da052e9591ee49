//! HTTP to the license server: one blocking agent per client, every call bounded by the
//! configured timeout, proxy from the configuration or the environment, optional private CA.
//! Bodies are bounded both ways; every failure maps to a distinct status.

use std::io::ErrorKind;

use serde::de::DeserializeOwned;

use crate::protocol::client_api::{ErrorResponse, LeaseResponse, Operation, RequestBody, SERVER_REASONS};
use crate::protocol::from_slice_strict;
use crate::{Config, Status};

/// The largest answer read from the server: a lease is a few kilobytes.
const MAX_RESPONSE: u64 = 256 * 1024;

/// A connection to one license server.
#[derive(Debug)]
pub(crate) struct Transport {
    agent: ureq::Agent,
    base: String,
}

impl Transport {
    /// Builds the agent from the configuration; `None` when no server URL is configured.
    pub fn new(config: &Config) -> Result<Option<Transport>, Status> {
        let Some(base) = config.server_url() else { return Ok(None) };
        let proxy = match config.proxy() {
            Some(url) => Some(ureq::Proxy::new(url).map_err(|_| Status::InvalidArgument)?),
            None => ureq::Proxy::try_from_env(),
        };
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(path) = config.ca_file() {
            let pem = std::fs::read(path).map_err(|_| Status::InvalidArgument)?;
            let certs: Vec<_> = ureq::tls::parse_pem(&pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(Status::InvalidArgument);
            }
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
        }
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout()))
            .http_status_as_error(false)
            // A redirect is not followed: a POST must not silently become another request.
            .max_redirects(0)
            .proxy(proxy)
            .tls_config(tls.build())
            .user_agent(format!("licensekit/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Ok(Some(Transport { agent, base: base.to_owned() }))
    }

    /// Posts a signed request and returns the server's answer.
    pub fn post(&self, operation: Operation, body: &RequestBody) -> Result<LeaseResponse, Status> {
        let url = format!("{}{}", self.base, operation.path());
        let mut response = self.agent.post(&url).send_json(body).map_err(map_error)?;
        let status = response.status().as_u16();
        let bytes = response.body_mut().with_config().limit(MAX_RESPONSE).read_to_vec().map_err(map_error)?;
        match status {
            200..=299 => parse(&bytes),
            400..=499 => {
                let refusal: ErrorResponse = parse(&bytes)?;
                Err(Status::from_u32(refusal.status)
                    .filter(|s| SERVER_REASONS.contains(s))
                    .unwrap_or(Status::ServerRefused))
            }
            500..=599 => Err(Status::ServerError),
            _ => Err(Status::BadResponse),
        }
    }
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Status> {
    from_slice_strict(bytes).map_err(|_| Status::BadResponse)
}

fn map_error(error: ureq::Error) -> Status {
    match error {
        ureq::Error::Timeout(_) => Status::Timeout,
        ureq::Error::Io(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
            Status::Timeout
        }
        ureq::Error::BodyExceedsLimit(_) | ureq::Error::Json(_) => Status::BadResponse,
        _ => Status::Network,
    }
}
