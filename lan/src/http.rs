//! The daemon's HTTP side: the LAN paths of `licensekit::protocol::network`, each request
//! handed to the daemon core on the blocking pool (it signs and writes the seat table).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use licensekit::Status;
use licensekit::lan::{Daemon, Refusal};
use licensekit::protocol::client_api::{ErrorResponse, Operation};
use licensekit::protocol::network::{CAPACITY, PATH_STATUS, lan_path};

/// Largest request body: an envelope is at most 96 KiB of text.
const MAX_BODY: usize = 128 * 1024;
/// A request not answered within this is cut off (a seat operation takes milliseconds).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The daemon's routes: the LAN operations, and the shared-capacity ones it serves from its
/// network license.
pub fn router(daemon: Arc<Daemon>) -> Router {
    let seat = |operation: Operation| {
        post(move |State(daemon): State<Arc<Daemon>>, body: Bytes| serve(daemon, operation, body))
    };
    let router = Operation::LAN
        .into_iter()
        .chain(CAPACITY)
        .fold(Router::new(), |router, operation| router.route(&lan_path(operation), seat(operation)));
    router
        .route(PATH_STATUS, get(status))
        .fallback(|| async {
            refusal(StatusCode::NOT_FOUND, Status::InvalidArgument, "no such LAN path".into())
        })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(daemon)
}

async fn serve(daemon: Arc<Daemon>, operation: Operation, body: Bytes) -> Response {
    let task = tokio::task::spawn_blocking(move || daemon.serve(operation, &body));
    match tokio::time::timeout(REQUEST_TIMEOUT, task).await {
        Ok(Ok(Ok(answer))) => json(StatusCode::OK, &answer),
        Ok(Ok(Err(Refusal { status, message }))) => refusal(http_status(status), status, message),
        Ok(Err(_)) => {
            refusal(StatusCode::INTERNAL_SERVER_ERROR, Status::Internal, "the request failed".into())
        }
        Err(_) => refusal(StatusCode::SERVICE_UNAVAILABLE, Status::Timeout, "the daemon is too busy".into()),
    }
}

async fn status(State(daemon): State<Arc<Daemon>>) -> Response {
    match tokio::task::spawn_blocking(move || daemon.status()).await {
        Ok(status) => json(StatusCode::OK, &status),
        Err(_) => refusal(StatusCode::INTERNAL_SERVER_ERROR, Status::Internal, "the status failed".into()),
    }
}

/// The HTTP status of a refusal, as licensekit-server gives it.
fn http_status(status: Status) -> StatusCode {
    match status {
        Status::NetworkSeatsExhausted | Status::SeatLost | Status::SeatsExhausted | Status::PoolExhausted => {
            StatusCode::CONFLICT
        }
        Status::NoLicense => StatusCode::NOT_FOUND,
        Status::DaemonNotCertified
        | Status::LongTermCheckoutRefused
        | Status::BadSignature
        | Status::FeatureNotEnabled => StatusCode::FORBIDDEN,
        Status::NoSeat => StatusCode::NOT_FOUND,
        Status::EnvelopeTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Status::StoreIo | Status::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn json<T: serde::Serialize>(code: StatusCode, body: &T) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = (code, bytes).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    response
}

fn refusal(code: StatusCode, status: Status, message: String) -> Response {
    let body =
        ErrorResponse { status: status as u32, name: status.name().to_string_lossy().into_owned(), message };
    json(code, &body)
}
