//! The HTTP server: routing `/api/<Controller>` to its endpoint, reading the request,
//! running the handler on the blocking pool, and shutting down gracefully.
//!
//! What a hostile or sloppy client can hold is bounded (see [`crate::connections`] and
//! [`Limits`]): connections by a cap with shedding and timeouts, request bodies by
//! [`read_body`] (size and time), handler work by a number of slots. A Web API caller's key
//! is checked before any byte of its body is read.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::api::{self, Action, Endpoint, Route};
use crate::audit::{self, Actor};
use crate::auth::{self, Credentials, KeyCache};
use crate::client_api::ClientProtocol;
use crate::connections::{self, ConnectionLimits, Guarded, RESERVED_DESCRIPTORS, Watched};
use crate::error::ApiError;
use crate::json::{self, Json};
use crate::metrics::Metrics;
use crate::params::Params;
use crate::store::Store;
use crate::store::model::KeyKind;
use crate::tls::{Certificates, TlsListener};

/// Largest Web API request body accepted. The biggest legitimate requests (a product with its
/// features, a thousand imported codes) are a few hundred KB.
pub const MAX_BODY: usize = 1024 * 1024;

/// What a client may hold of the server. The defaults are `serve`'s; see the README.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// From a request's first byte to the end of its head.
    pub header_timeout: Duration,
    /// For a whole request body, once a handler starts reading it.
    pub body_timeout: Duration,
    /// Between requests on a keep-alive connection (and before the first).
    pub idle_timeout: Duration,
    /// Open connections; lowered at start to fit the descriptor limit.
    pub max_connections: usize,
    /// Requests whose handler runs at once (on the blocking pool); more wait for a slot
    /// without holding a thread. Bodies are read before a slot is taken, so a slow upload
    /// never holds one.
    pub max_requests: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            max_requests: 64,
        }
    }
}

/// What every request handler shares.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub customer_id: String,
    pub endpoints: Vec<Endpoint>,
    /// The client protocol's signing key and clock.
    pub client: ClientProtocol,
    pub limits: Limits,
    /// What `/metrics` reports.
    pub metrics: Metrics,
    /// The live API keys recently checked.
    pub keys: KeyCache,
    /// Served over TLS: the dashboard's session cookie is then `Secure`.
    pub tls: bool,
    /// The handler slots of [`Limits::max_requests`].
    work: Arc<Semaphore>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("customer_id", &self.customer_id).finish_non_exhaustive()
    }
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        customer_id: String,
        client: ClientProtocol,
        limits: Limits,
    ) -> AppState {
        AppState {
            store,
            customer_id,
            endpoints: api::endpoints(),
            client,
            limits,
            metrics: Metrics::default(),
            keys: KeyCache::default(),
            tls: false,
            work: Arc::new(Semaphore::new(limits.max_requests.max(1))),
        }
    }

    /// Waits for one of the handler slots.
    pub(crate) async fn slot(&self) -> OwnedSemaphorePermit {
        self.work.clone().acquire_owned().await.expect("the slots are never closed")
    }
}

/// A request body read in full, with the handler slot its request runs in (held until the
/// body is dropped, so it goes into the blocking task along with the bytes).
#[derive(Debug)]
pub struct RequestBody {
    bytes: Bytes,
    _slot: OwnedSemaphorePermit,
}

impl RequestBody {
    /// No body, in a handler slot: for a request whose fields all come from elsewhere (a
    /// dashboard page's query).
    pub async fn empty(state: &AppState) -> RequestBody {
        RequestBody { bytes: Bytes::new(), _slot: state.slot().await }
    }

    /// Other bytes in the same slot: a dashboard form, read as a body, becomes the JSON body
    /// its endpoint takes.
    pub fn replaced(self, bytes: Bytes) -> RequestBody {
        RequestBody { bytes, _slot: self._slot }
    }
}

impl std::ops::Deref for RequestBody {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

/// Why a request body was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyRefusal {
    /// Declared or grown over the limit (bytes): 413.
    TooLarge(usize),
    /// Not received within the body timeout: 408.
    TimedOut(Duration),
    /// Cut short or malformed (chunked encoding): 400.
    Broken,
}

impl BodyRefusal {
    pub fn http_status(self) -> StatusCode {
        match self {
            BodyRefusal::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            BodyRefusal::TimedOut(_) => StatusCode::REQUEST_TIMEOUT,
            BodyRefusal::Broken => StatusCode::BAD_REQUEST,
        }
    }

    /// The licensekit status the client protocol answers with.
    pub fn status(self) -> licensekit::Status {
        match self {
            BodyRefusal::TooLarge(_) => licensekit::Status::EnvelopeTooLarge,
            BodyRefusal::TimedOut(_) => licensekit::Status::Timeout,
            BodyRefusal::Broken => licensekit::Status::MalformedPayload,
        }
    }
}

impl std::fmt::Display for BodyRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyRefusal::TooLarge(limit) => write!(f, "request body larger than {limit} bytes"),
            BodyRefusal::TimedOut(after) => {
                write!(f, "request body not received within {} s", after.as_secs_f64())
            }
            BodyRefusal::Broken => f.write_str("request body cut short or malformed"),
        }
    }
}

impl From<BodyRefusal> for ApiError {
    fn from(refusal: BodyRefusal) -> ApiError {
        ApiError::new(refusal.http_status(), refusal.to_string())
    }
}

/// Reads a request body: every request body of the server goes through here. A declared
/// `Content-Length` over `limit` is refused before a byte is read; the body is gathered as it
/// arrives (never allocated from what the client declares) and refused as soon as it outgrows
/// `limit`, or when it has not all arrived within the body timeout. Then it waits for a
/// handler slot, which the returned body holds.
pub async fn read_body(
    state: &AppState,
    headers: &HeaderMap,
    mut body: Body,
    limit: usize,
) -> Result<RequestBody, BodyRefusal> {
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(BodyRefusal::TooLarge(limit));
    }
    let gather = async {
        let mut bytes = Vec::new();
        while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            let Ok(data) = frame.map_err(|_| BodyRefusal::Broken)?.into_data() else { continue };
            if bytes.len() + data.len() > limit {
                return Err(BodyRefusal::TooLarge(limit));
            }
            bytes.extend_from_slice(&data);
        }
        Ok(Bytes::from(bytes))
    };
    let timeout = state.limits.body_timeout;
    let bytes = tokio::time::timeout(timeout, gather).await.map_err(|_| BodyRefusal::TimedOut(timeout))??;
    Ok(RequestBody { bytes, _slot: state.slot().await })
}

/// A JSON response.
pub fn json_response(status: StatusCode, body: &Json) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"null".to_vec());
    let mut response = (status, bytes).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    response
}

/// GET /api/openapi.json.
async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], crate::openapi::pretty()).into_response()
}

/// The router: every controller under `/api/`, the client protocol under `/client/v1/`, the
/// probes and metrics of [`crate::health`], the vendor's pages under `/dashboard`
/// ([`crate::dashboard`]), JSON 404 elsewhere; every request watched for its
/// connection (see [`watch`]), then observed: logged, counted, given its ID
/// ([`crate::telemetry::observe`]).
pub fn router(state: Arc<AppState>) -> Router {
    use crate::health;
    Router::new()
        // The reference needs no key: it says what exists, not what is stored.
        .route("/api/openapi.json", axum::routing::get(openapi))
        .route("/api/{controller}", any(dispatch))
        .route("/client/v1/{*operation}", any(crate::client_api::handle))
        .route("/healthz", get(health::healthz).fallback(health::only_get))
        .route("/readyz", get(health::readyz).fallback(health::only_get))
        .route("/metrics", get(health::metrics).fallback(health::only_get))
        .merge(crate::dashboard::routes())
        .fallback(|| async {
            ApiError::not_found(
                "no such endpoint: the Web API lives at /api/<Controller>, the client protocol at /client/v1/<operation>",
            )
        })
        .layer(middleware::from_fn(watch))
        .layer(middleware::from_fn_with_state(state.clone(), crate::telemetry::observe))
        .with_state(state)
}

/// Tells the connection that a request is being served, when its handler waits on the
/// request body, and when the response has been written: the connection's timeouts and
/// whether it may be shed follow from that.
async fn watch(ConnectInfo(connection): ConnectInfo<Watched>, request: Request, next: Next) -> Response {
    connection.request_started();
    let mut response = next.run(request.map(|body| connection.request_body(body))).await;
    // Answered before its body was read: the rest of the body is still on the wire, so the
    // connection closes after this answer, and says so, or a client would send its next
    // request on it and find it gone.
    if connection.body_left_unread() {
        response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response.map(|body| connection.response_body(body))
}

async fn dispatch(
    State(state): State<Arc<AppState>>,
    ConnectInfo(connection): ConnectInfo<Watched>,
    Path(controller): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let endpoint = match api::route(&state.endpoints, &controller, &method) {
        Route::Found(endpoint) => endpoint,
        Route::UnknownController => {
            return ApiError::not_found(format!("no such controller: {controller}")).into_response();
        }
        Route::WrongMethod(allowed) => {
            let names: Vec<&str> = allowed.iter().map(Method::as_str).collect();
            let mut response = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{controller} accepts {}", names.join(", ")),
            )
            .into_response();
            if let Ok(value) = HeaderValue::from_str(&names.join(", ")) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            return response;
        }
    };
    // The credentials first: a caller without a valid key gets its 401 (or 403) before a byte
    // of its body is read, so it can neither hold the server's memory nor its time.
    let kind = match auth::check(&state.keys, &state.customer_id, headers.get(header::AUTHORIZATION)) {
        Ok(credentials) => key_kind(&state, credentials).await,
        Err(error) => Err(error),
    };
    let actor = match kind.and_then(|kind| auth::allow(kind, endpoint.access)) {
        Ok(kind) => Actor::new(kind, headers.get(header::AUTHORIZATION), connection.peer()),
        Err(error) => return error.into_response(),
    };
    let body = match read_body(&state, &headers, body, MAX_BODY).await {
        Ok(body) => body,
        Err(refusal) => return ApiError::from(refusal).into_response(),
    };
    let query = match Query::<Vec<(String, String)>>::try_from_uri(&uri) {
        Ok(Query(pairs)) => pairs,
        Err(e) => return ApiError::bad_request(format!("malformed query string: {e}")).into_response(),
    };
    match execute(state, endpoint, actor, query, body).await {
        Ok(json) => json_response(StatusCode::OK, &json),
        Err(error) => error.into_response(),
    }
}

/// The kind of the live key behind `credentials`: from the cache, or looked up in the store
/// on the blocking pool (401 when there is no such live key).
pub async fn key_kind(state: &Arc<AppState>, credentials: Credentials) -> Result<KeyKind, ApiError> {
    match credentials {
        Credentials::Known(kind) => Ok(kind),
        Credentials::Unknown(hash) => {
            let slot = state.slot().await;
            let state = state.clone();
            tokio::task::spawn_blocking(move || {
                let _slot = slot;
                auth::look_up(state.store.as_ref(), &state.keys, hash)
            })
            .await
            .unwrap_or_else(|join| Err(ApiError::internal(format!("authentication failed: {join}"))))
        }
    }
}

/// Runs an endpoint for an `actor` whose key's kind its access rule allowed: the fields of
/// `query` and `body` become its [`Params`], its handler runs (on the blocking pool, or in
/// place for a point read the store can serve so), and a change it made joins the audit
/// trail. The Web API and the dashboard both come through here, so a change made either way
/// meets the same validation and leaves the same entry.
pub async fn execute(
    state: Arc<AppState>,
    endpoint: Endpoint,
    actor: Actor,
    query: Vec<(String, String)>,
    body: RequestBody,
) -> Result<Json, ApiError> {
    let in_place = endpoint.is_point_read() && state.store.reads_in_place();
    let handle = move || -> Result<Json, ApiError> {
        let store = state.store.as_ref();
        let change = audit::is_change(&endpoint).then(|| audit::entry(&actor, &endpoint, &query, &body));
        // Borrows the body, whose handler slot is so held until the handler has finished.
        let params = || {
            json::refuse_repeated_keys(&body)?;
            Params::from_parts(query, &body, endpoint.fields)
        };
        let answer = match endpoint.action {
            Action::Run(handler) => handler(store, &params()?),
            Action::Licensing(handler) => handler(store, &state.client, &params()?),
            Action::Clocked(handler) => handler(store, &state.client.clock, &params()?),
        }?;
        if let Some(entry) = change {
            // After the change committed, in a transaction of its own: a failure here cannot
            // undo the change, so it is logged as an error rather than answered as one.
            if let Err(error) = store.record_audit(&entry) {
                tracing::error!(?error, controller = endpoint.controller, "the audit trail missed a change");
            }
        }
        Ok(answer)
    };
    if in_place {
        // A panic answers 500, as it does from the blocking pool (a JoinError there).
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(handle))
            .unwrap_or_else(|_| Err(ApiError::internal("handler failed: it panicked")))
    } else {
        tokio::task::spawn_blocking(handle)
            .await
            .unwrap_or_else(|join| Err(ApiError::internal(format!("handler failed: {join}"))))
    }
}

/// Registers the SIGINT and SIGTERM handlers now, before the server says it listens (so a
/// signal sent as soon as it does ends it gracefully, never by the default action), and
/// resolves on either.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).ok();
    let mut terminate = signal(SignalKind::terminate()).ok();
    async move {
        tokio::select! {
            _ = wait_for(interrupt.as_mut()) => {},
            _ = wait_for(terminate.as_mut()) => {},
        }
    }
}

/// The next signal on `stream`; never, when it could not be registered.
async fn wait_for(stream: Option<&mut tokio::signal::unix::Signal>) {
    match stream {
        Some(stream) => {
            stream.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}

/// Serves until SIGINT or SIGTERM, over TLS when `tls` is given (reloaded on SIGHUP, see
/// [`crate::tls`]); requests in flight finish before this returns. `on_listening` receives
/// the bound address (useful with port 0).
pub async fn serve(
    state: Arc<AppState>,
    listen: SocketAddr,
    tls: Option<Arc<Certificates>>,
    on_listening: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let shutdown = shutdown_signal();
    tokio::spawn(crate::tls::reload_on_hangup(tls.clone()));
    serve_on(state, listen, tls, on_listening, shutdown).await
}

/// The connection cap that fits the process's descriptor limit (as it is now: `serve`
/// raised it first), with a note on stderr when that is below the one asked for.
fn connection_cap(asked: usize) -> usize {
    let fits = connections::descriptor_limit(false).saturating_sub(RESERVED_DESCRIPTORS).max(8);
    let fits = usize::try_from(fits).unwrap_or(usize::MAX);
    if fits < asked {
        tracing::warn!(
            "at most {fits} connections (--max-connections {asked} does not fit the descriptor limit \
             less {RESERVED_DESCRIPTORS} kept for the database and the runtime)"
        );
    }
    asked.min(fits)
}

/// Serves (plain HTTP) until `shutdown` resolves; requests in flight finish before this
/// returns.
pub async fn serve_until(
    state: Arc<AppState>,
    listen: SocketAddr,
    on_listening: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_on(state, listen, None, on_listening, shutdown).await
}

async fn serve_on(
    state: Arc<AppState>,
    listen: SocketAddr,
    tls: Option<Arc<Certificates>>,
    on_listening: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = ConnectionLimits {
        header_timeout: state.limits.header_timeout,
        idle_timeout: state.limits.idle_timeout,
        max_connections: connection_cap(state.limits.max_connections),
    };
    let listener = Guarded::new(tokio::net::TcpListener::bind(listen).await?, limits);
    on_listening(axum::serve::Listener::local_addr(&listener)?);
    let service = router(state).into_make_service_with_connect_info::<Watched>();
    match tls {
        None => axum::serve(listener, service).with_graceful_shutdown(shutdown).await,
        Some(certificates) => {
            let listener = TlsListener::new(listener, certificates);
            axum::serve(listener, service).with_graceful_shutdown(shutdown).await
        }
    }
}
