//! Logs: `tracing` to stderr, plain or JSON, one line per request.
//!
//! Each request gets an ID, returned in `X-Request-Id` and written on its log line (and on
//! anything logged while it runs), so a vendor's support can find a customer's failed call
//! from the header alone. A sane incoming `X-Request-Id` (a load balancer's) is kept, so one
//! ID follows a request through the proxy and the server. The line holds the method, the
//! path, the query with secret values masked ([`crate::redact`]), the status and the time
//! taken; never a header, a body or a license code in full.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use licensekit::protocol::client_api::{API_PREFIX, Operation};
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::metrics::RouteLabel;
use crate::random;
use crate::redact;
use crate::server::AppState;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    Plain,
    /// One JSON object per line, for a log shipper.
    Json,
}

/// Installs the process's log writer: `level` (a `tracing` filter such as `info` or
/// `licensekit_server=debug,warn`) wins over `RUST_LOG`; `info` without either. Fails on a
/// filter that does not parse, rather than logging nothing.
pub fn init(level: Option<&str>, format: LogFormat) -> Result<(), String> {
    let filter = match level {
        Some(level) => EnvFilter::try_new(level).map_err(|e| format!("--log-level {level}: {e}"))?,
        None => match std::env::var("RUST_LOG") {
            Ok(value) if !value.trim().is_empty() => {
                EnvFilter::try_new(&value).map_err(|e| format!("RUST_LOG={value}: {e}"))?
            }
            _ => EnvFilter::new("info"),
        },
    };
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(false);
    let installed = match format {
        LogFormat::Plain => builder.try_init(),
        LogFormat::Json => {
            builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init()
        }
    };
    installed.map_err(|e| format!("cannot install the log writer: {e}"))
}

/// The incoming ID when it is 1–64 characters of letters, digits and `-_.:` (so it cannot
/// forge log lines or carry a secret of any length), else a new random one.
fn request_id(request: &Request) -> HeaderValue {
    let sane = |v: &&HeaderValue| {
        let bytes = v.as_bytes();
        (1..=64).contains(&bytes.len())
            && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    };
    match request.headers().get(&REQUEST_ID).filter(sane) {
        Some(value) => value.clone(),
        None => HeaderValue::from_str(&random::hex_id()).expect("hex is a valid header value"),
    }
}

/// The route template of a path, for metrics: a known controller or client operation by its
/// canonical name, anything else by the router's pattern.
pub fn route_label(state: &AppState, path: &str) -> RouteLabel {
    let other = |name| RouteLabel { prefix: "", name };
    if let Some(name) = path.strip_prefix("/api/") {
        return match state.endpoints.iter().find(|e| e.controller.eq_ignore_ascii_case(name)) {
            Some(endpoint) => RouteLabel { prefix: "/api/", name: endpoint.controller },
            None => other("/api/{controller}"),
        };
    }
    if path.starts_with(API_PREFIX) {
        return match Operation::ALL.into_iter().find(|op| op.path() == path) {
            Some(op) => other(op.path()),
            None => other("/client/v1/{*operation}"),
        };
    }
    match path {
        "/healthz" => other("/healthz"),
        "/readyz" => other("/readyz"),
        "/metrics" => other("/metrics"),
        p if p == "/dashboard" || p.starts_with("/dashboard/") => other("/dashboard"),
        _ => other("unmatched"),
    }
}

/// The method as a label (bounded: an extension method is `OTHER`).
fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
    ];
    const NAMES: [&str; 9] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT"];
    KNOWN.iter().position(|m| m == method).map_or("OTHER", |i| NAMES[i])
}

/// The outermost layer: gives the request its ID, times it, counts it, logs its line.
pub async fn observe(State(state): State<Arc<AppState>>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(&request);
    request.headers_mut().insert(&REQUEST_ID, id.clone());
    let method = method_label(request.method());
    let route = route_label(&state, request.uri().path());
    let path = redact::path(request.uri().path());
    let query = request.uri().query().map(redact::query);
    let span = tracing::info_span!("request", request_id = id.to_str().unwrap_or_default());
    let mut response = next.run(request).instrument(span.clone()).await;
    let took = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.record(route, method, status, took);
    if status == 200 && route.name == Operation::Activate.path() {
        state.metrics.activation();
    }
    response.headers_mut().insert(&REQUEST_ID, id);
    span.in_scope(|| {
        tracing::info!(
            target: "licensekit_server::request",
            method = %method,
            path = %path,
            query = query.as_deref().unwrap_or(""),
            status,
            duration_ms = took.as_secs_f64() * 1000.0,
        )
    });
    response
}
