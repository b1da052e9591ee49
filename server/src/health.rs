//! `/healthz`, `/readyz` and `/metrics`: for load balancers, orchestrators and Prometheus.
//! No API key (probes have none); they reveal no customer data, only counts. The database is
//! read in a handler slot like any request, so probes cannot flood the blocking pool.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::datetime::now_millis;
use crate::json::Json;
use crate::obj;
use crate::server::{AppState, json_response};
use crate::store::operations::StoreFigures;

/// How long `/readyz` and `/metrics` wait on the database before calling it unreachable.
const DATABASE_WAIT: Duration = Duration::from_secs(5);

/// Any other verb on a probe: 405 in JSON, like the rest of the server.
pub async fn only_get() -> Response {
    let mut response =
        crate::error::ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "this endpoint accepts GET")
            .into_response();
    response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET"));
    response
}

/// `GET /healthz`: the process is up and answering.
pub async fn healthz() -> Response {
    json_response(StatusCode::OK, &obj! { "status" => "ok" })
}

/// The database's figures, or why they could not be read in time (the wait for a handler
/// slot included: a server whose slots stay taken that long is not ready either).
async fn figures(state: &Arc<AppState>) -> Result<StoreFigures, String> {
    let read = async {
        let slot = state.slot().await;
        let state = state.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            state.store.figures(now_millis())
        })
        .await
    };
    match tokio::time::timeout(DATABASE_WAIT, read).await {
        Ok(Ok(Ok(figures))) => Ok(figures),
        Ok(Ok(Err(error))) => Err(format!("{error:?}")),
        Ok(Err(join)) => Err(format!("the database read failed: {join}")),
        Err(_) => Err(format!("the database did not answer within {} s", DATABASE_WAIT.as_secs())),
    }
}

/// `GET /readyz`: 200 when the database answers, 503 (with the reason) when not.
pub async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    match figures(&state).await {
        Ok(_) => json_response(StatusCode::OK, &obj! { "status" => "ready" }),
        Err(why) => {
            tracing::warn!(%why, "not ready: the database is unreachable");
            let body: Json = obj! { "status" => "unavailable", "error" => why };
            json_response(StatusCode::SERVICE_UNAVAILABLE, &body)
        }
    }
}

/// `GET /metrics`: the Prometheus text exposition ([`crate::metrics`]).
pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let figures =
        figures(&state).await.inspect_err(|why| tracing::warn!(%why, "metrics without the database")).ok();
    let mut response = (StatusCode::OK, state.metrics.render(figures)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    response
}
