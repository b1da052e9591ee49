//! The client protocol (`/client/v1/…`, see `licensekit::protocol::client_api`): what a
//! licensekit client posts to activate, refresh, deactivate, start a trial, upload system
//! details and use shared capacity (floating seats, element pools, consumption tokens, cloud
//! sessions), and the signed leases and seat leases it gets back.
//!
//! No bearer key: every request is an envelope signed by the installation key it names, and
//! for everything but activation and trial start that key must be the one recorded for the
//! computer's activation or trial. Refusals are `{"status", "name", "message"}` with a
//! licensekit status and a 4xx; a storage failure is the only 5xx.

pub(crate) mod lease;
pub(crate) mod request;

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use licensekit::Status;
use licensekit::protocol::SigningKey;
use licensekit::protocol::client_api::{API_PREFIX, ErrorResponse, Operation, UserCredentials};

use crate::clock::Clock;
use crate::server::AppState;
use crate::store::leasing::{ClientCall, NamedUser, Refusal, Signable};
use crate::store::model::LoginRefusal;
use crate::store::{Store, StoreError};

/// Largest request body: an envelope is at most 96 KiB of text.
pub const MAX_BODY: usize = 128 * 1024;

/// What the client protocol needs beyond the store.
pub struct ClientProtocol {
    /// The vendor key leases are signed with.
    pub key: SigningKey,
    pub clock: Clock,
}

impl std::fmt::Debug for ClientProtocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientProtocol")
            .field("public_key", &self.key.public_key().to_hex())
            .field("clock", &self.clock)
            .finish()
    }
}

/// The operation posted to `/client/v1/{name}` (`name` may hold a slash: `floating/checkout`).
fn operation(name: &str) -> Option<Operation> {
    Operation::ALL
        .into_iter()
        .find(|op| op.path().strip_prefix(API_PREFIX).and_then(|p| p.strip_prefix('/')) == Some(name))
}

/// The HTTP status of a refusal.
pub(crate) fn http_status(status: Status) -> StatusCode {
    match status {
        Status::InvalidLicenseCode | Status::InvalidProductId | Status::NoLicense => StatusCode::NOT_FOUND,
        Status::UserLocked => StatusCode::TOO_MANY_REQUESTS,
        Status::ActivationLimit
        | Status::Deactivated
        | Status::SeatsExhausted
        | Status::PoolExhausted
        | Status::TokensExhausted
        | Status::ConcurrencyLimit
        | Status::SeatLost
        | Status::SeatTaken
        | Status::JournalRefused
        | Status::CloneDetected => StatusCode::CONFLICT,
        Status::Disabled
        | Status::NetworkLicenseOnly
        | Status::NotNetworkLicense
        | Status::InvalidCredentials
        | Status::UserNotLicensed
        | Status::FeatureNotEnabled
        | Status::LongTermCheckoutRefused
        | Status::Expired
        | Status::TrialUnavailable
        | Status::BadSignature
        | Status::UnknownKey => StatusCode::FORBIDDEN,
        Status::EnvelopeTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn json<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = (status, bytes).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    response
}

fn refuse(refusal: Refusal, http: StatusCode) -> Response {
    let body = ErrorResponse {
        status: refusal.status as u32,
        name: refusal.status.name().to_string_lossy().into_owned(),
        message: refusal.message,
    };
    json(http, &body)
}

fn refused(refusal: Refusal) -> Response {
    let http = http_status(refusal.status);
    refuse(refusal, http)
}

/// Signs a named user's activation in: the password is checked against its Argon2id hash
/// (outside any transaction: it takes tens of milliseconds), the failed-login back-off and
/// lock apply as for `GET AuthenticateUser`, and the activation is pointed at the license the
/// user's group holds for the product (the first assigned, when there are several), under
/// the assignment's limit of computers per user.
fn sign_in(
    store: &dyn Store,
    call: &mut ClientCall,
    user: &UserCredentials,
) -> Result<Result<(), Refusal>, StoreError> {
    let found = match store.authenticate_user(&user.username, &user.password, call.now)? {
        Ok(found) => found,
        Err(LoginRefusal::WrongCredentials) => {
            return Ok(Err(Refusal::new(Status::InvalidCredentials, "user: invalid username or password")));
        }
        Err(LoginRefusal::SlowDown { retry_after_secs }) => {
            return Ok(Err(Refusal::new(
                Status::UserLocked,
                format!("user: too many failed sign-ins: try again in {retry_after_secs} s"),
            )));
        }
        Err(LoginRefusal::Locked { until }) => {
            return Ok(Err(Refusal::new(
                Status::UserLocked,
                format!(
                    "user: locked after repeated failed sign-ins until {} UTC (the vendor unlocks it by \
                     setting a new password)",
                    crate::datetime::format(until)
                ),
            )));
        }
    };
    let Some(license) = found.licenses.into_iter().find(|l| l.product_id == call.product_id) else {
        return Ok(Err(Refusal::new(
            Status::UserNotLicensed,
            format!(
                "user: the group of user {} holds no license for product {}: the vendor assigns one \
                 (GroupLicenseCode)",
                found.username, call.product_id
            ),
        )));
    };
    call.license_code = Some(license.code);
    call.user = Some(NamedUser { username: found.username, computers: license.computers_per_user });
    Ok(Ok(()))
}

/// `POST /client/v1/{operation}`.
pub async fn handle(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(operation) = operation(&name) else {
        return refuse(
            Refusal::new(Status::InvalidArgument, format!("no such client operation: {name}")),
            StatusCode::NOT_FOUND,
        );
    };
    if method != Method::POST {
        let mut response = refuse(
            Refusal::new(Status::InvalidArgument, format!("{} accepts POST", operation.path())),
            StatusCode::METHOD_NOT_ALLOWED,
        );
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let body = match crate::server::read_body(&state, &headers, body, MAX_BODY).await {
        Ok(body) => body,
        Err(refusal) => {
            return refuse(Refusal::new(refusal.status(), refusal.to_string()), refusal.http_status());
        }
    };
    let task = tokio::task::spawn_blocking(move || {
        let protocol = &state.client;
        let mut verified = match request::decode(operation, &body, protocol) {
            Ok(verified) => verified,
            Err(refusal) => return refused(refusal),
        };
        if let Some(user) = verified.request.user.take() {
            match sign_in(state.store.as_ref(), &mut verified.call, &user) {
                Ok(Ok(())) => {}
                Ok(Err(refusal)) => return refused(refusal),
                Err(error) => return crate::error::ApiError::from(error).into_response(),
            }
        }
        let (request, now) = (&verified.request, verified.call.now);
        let sign = |what: Signable<'_>| match what {
            Signable::Lease(grant) => lease::sign(&protocol.key, &lease::lease(request, grant, now)),
            Signable::Seat(seat) => lease::sign_seat(&protocol.key, &lease::seat(request, seat, now)),
        };
        match state.store.client_call(&verified.call, &sign) {
            Ok(Ok(answer)) => json(StatusCode::OK, &answer),
            Ok(Err(refusal)) => refused(refusal),
            Err(error) => crate::error::ApiError::from(error).into_response(),
        }
    });
    match task.await {
        Ok(response) => response,
        Err(join) => crate::error::ApiError::internal(format!("client call failed: {join}")).into_response(),
    }
}
