//! Web API authentication as the seed defines it: `Authorization: bearer <customerID>:<APIKey>`.
//!
//! Keys are looked up by their SHA-256, so the database never holds a usable key; the
//! endpoint's [`Access`] then decides whether the key's kind may call it.

use axum::http::{HeaderValue, StatusCode};
use sha2::{Digest, Sha256};

use crate::api::Access;
use crate::error::ApiError;
use crate::store::Store;
use crate::store::model::KeyKind;

/// SHA-256 of an API key, the form in which keys are stored.
pub fn hash_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, message)
}

/// Checks the request's credentials (its `Authorization` header) against the store and the
/// endpoint's access rule: 401 when missing or wrong, 403 when the key's kind may not call
/// the endpoint. Takes the header alone because it runs before the body is read.
pub fn authorize(
    store: &dyn Store,
    customer_id: &str,
    authorization: Option<&HeaderValue>,
    access: Access,
) -> Result<KeyKind, ApiError> {
    let (customer, key) = credentials(authorization)?;
    if customer != customer_id {
        return Err(unauthorized("wrong customer ID or API key"));
    }
    let kind = store.key_kind(&hash_key(key))?.ok_or_else(|| unauthorized("wrong customer ID or API key"))?;
    if !access.allows(kind) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("this API key ({}) may not call this controller and verb", kind.name()),
        ));
    }
    Ok(kind)
}

/// The customer ID and API key of an `Authorization: bearer <customerID>:<APIKey>` header
/// (the scheme in any case; white space around the value and after the scheme ignored): 401 when missing or malformed.
pub fn credentials(authorization: Option<&HeaderValue>) -> Result<(&str, &str), ApiError> {
    let Some(value) = authorization else {
        return Err(unauthorized("missing Authorization header: expected 'bearer <customerID>:<APIKey>'"));
    };
    let value = value.to_str().map_err(|_| unauthorized("malformed Authorization header"))?.trim();
    let credentials = match value.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => {
            return Err(unauthorized(
                "malformed Authorization header: expected 'bearer <customerID>:<APIKey>'",
            ));
        }
    };
    credentials.split_once(':').ok_or_else(|| {
        unauthorized("malformed Authorization header: expected 'bearer <customerID>:<APIKey>'")
    })
}
