//! The HTTP server: routing `/api/<Controller>` to its endpoint, reading the request,
//! running the handler on the blocking pool, and shutting down gracefully.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;

use crate::api::{self, Action, Endpoint, Route};
use crate::auth;
use crate::error::ApiError;
use crate::json::Json;
use crate::params::Params;
use crate::store::Store;

/// Largest request body accepted. The biggest legitimate requests (a product with its
/// features, a thousand imported codes) are a few hundred KB.
pub const MAX_BODY: usize = 1024 * 1024;

/// What every request handler shares.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub customer_id: String,
    pub endpoints: Vec<Endpoint>,
    /// The client protocol's signing key and clock.
    pub client: crate::client_api::ClientProtocol,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("customer_id", &self.customer_id).finish_non_exhaustive()
    }
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

/// The router: every controller under `/api/`, the client protocol under `/client/v1/`,
/// JSON 404 elsewhere.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/{controller}", any(dispatch))
        .route("/client/v1/{*operation}", any(crate::client_api::handle))
        .fallback(|| async {
            ApiError::not_found(
                "no such endpoint: the Web API lives at /api/<Controller>, the client protocol at /client/v1/<operation>",
            )
        })
        .with_state(state)
}

async fn dispatch(
    State(state): State<Arc<AppState>>,
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
    // A declared length over the cap is refused before anything is read; a body that
    // grows past it while being read is refused too.
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return too_large();
    }
    let body = match to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        // The body outgrew the cap (or the client left mid-body, and no answer reaches it).
        Err(_) => return too_large(),
    };
    let query = match Query::<Vec<(String, String)>>::try_from_uri(&uri) {
        Ok(Query(pairs)) => pairs,
        Err(e) => return ApiError::bad_request(format!("malformed query string: {e}")).into_response(),
    };
    let task = tokio::task::spawn_blocking(move || -> Result<Json, ApiError> {
        let store = state.store.as_ref();
        auth::authorize(store, &state.customer_id, &headers, endpoint.access)?;
        let params = move || Params::from_parts(query, &body);
        match endpoint.action {
            Action::Run(handler) => handler(store, &params()?),
            Action::Licensing(handler) => handler(store, &state.client, &params()?),
            Action::Later(why) => Err(ApiError::new(
                StatusCode::NOT_IMPLEMENTED,
                format!("{} {}: {why}", endpoint.method, endpoint.controller),
            )),
        }
    });
    match task.await {
        Ok(Ok(json)) => json_response(StatusCode::OK, &json),
        Ok(Err(error)) => error.into_response(),
        Err(join) => ApiError::internal(format!("handler failed: {join}")).into_response(),
    }
}

fn too_large() -> Response {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("request body larger than {MAX_BODY} bytes"))
        .into_response()
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}

/// Serves until SIGINT or SIGTERM; requests in flight finish before this returns.
/// `on_listening` receives the bound address (useful with port 0).
pub async fn serve(
    state: Arc<AppState>,
    listen: SocketAddr,
    on_listening: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    serve_until(state, listen, on_listening, shutdown_signal()).await
}

/// Serves until `shutdown` resolves; requests in flight finish before this returns.
pub async fn serve_until(
    state: Arc<AppState>,
    listen: SocketAddr,
    on_listening: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    on_listening(listener.local_addr()?);
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}
