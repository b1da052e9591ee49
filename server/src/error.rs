//! The API's error type: an HTTP status and a message that names the offending field.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::json::Json;
use crate::obj;
use crate::store::StoreError;

/// An error answered to the client as `{"error": "<message>"}` with its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into() }
    }

    /// 400: the request itself is wrong (a missing, mistyped or out-of-range field).
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404: something the request names does not exist.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// 500: a storage failure; the message is logged, the client gets a generic one.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound(m) => ApiError::new(StatusCode::NOT_FOUND, m),
            StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, m),
            StoreError::Invalid(m) => ApiError::bad_request(m),
            StoreError::Internal(m) => ApiError::internal(m),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = if self.status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self.message, "internal error");
            "internal server error".to_owned()
        } else {
            self.message
        };
        crate::server::json_response(self.status, &obj! { "error" => message })
    }
}

/// Shorthand for handler results.
pub type ApiResult = Result<Json, ApiError>;
