//! Web API authentication as the seed defines it: `Authorization: bearer <customerID>:<APIKey>`.
//!
//! Keys are looked up by their SHA-256, so the database never holds a usable key; the
//! endpoint's [`Access`] then decides whether the key's kind may call it.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

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

/// How long a live key found in the store is trusted without asking the store again. Keys
/// are created and revoked by the command line, another process, which no cache here can hear
/// of: a revoked key stays accepted for at most this long by a running server.
const KEY_CACHE_TTL: Duration = Duration::from_secs(1);

/// Live keys recently found in the store (by hash): most requests are then checked without a
/// database read and without a hop to the blocking pool. Only live keys are kept, so however
/// many wrong keys are tried the cache holds the vendor's keys and nothing else.
#[derive(Debug, Default)]
pub struct KeyCache {
    live: Mutex<HashMap<[u8; 32], (KeyKind, Instant)>>,
}

/// More live keys than any vendor has: past it the cache starts over rather than grow.
const KEY_CACHE_MAX: usize = 1024;

impl KeyCache {
    fn get(&self, hash: &[u8; 32]) -> Option<KeyKind> {
        let live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        live.get(hash).filter(|(_, found)| found.elapsed() < KEY_CACHE_TTL).map(|(kind, _)| *kind)
    }

    fn insert(&self, hash: [u8; 32], kind: KeyKind) {
        let mut live = self.live.lock().unwrap_or_else(PoisonError::into_inner);
        if live.len() >= KEY_CACHE_MAX {
            live.clear();
        }
        live.insert(hash, (kind, Instant::now()));
    }
}

/// A request's credentials, checked as far as they can be without the store.
#[derive(Debug)]
pub enum Credentials {
    /// A live key of this kind (from the cache).
    Known(KeyKind),
    /// The right customer; the key, by hash, is for [`look_up`] to find.
    Unknown([u8; 32]),
}

/// Checks the request's credentials (its `Authorization` header) against the customer ID and
/// the cache: 401 when missing, malformed or for another customer. Takes the header alone
/// because it runs before the body is read.
pub fn check(
    cache: &KeyCache,
    customer_id: &str,
    authorization: Option<&HeaderValue>,
) -> Result<Credentials, ApiError> {
    let (customer, key) = credentials(authorization)?;
    if customer != customer_id {
        return Err(unauthorized("wrong customer ID or API key"));
    }
    Ok(known(cache, hash_key(key)))
}

/// The credentials of the key whose hash is `hash`, as far as the cache knows them (a
/// dashboard session holds the hash of the key it was signed in with).
pub fn known(cache: &KeyCache, hash: [u8; 32]) -> Credentials {
    cache.get(&hash).map_or(Credentials::Unknown(hash), Credentials::Known)
}

/// The kind of the live key `hash`, from the store (then cached): 401 when there is none.
pub fn look_up(store: &dyn Store, cache: &KeyCache, hash: [u8; 32]) -> Result<KeyKind, ApiError> {
    let kind = store.key_kind(&hash)?.ok_or_else(|| unauthorized("wrong customer ID or API key"))?;
    cache.insert(hash, kind);
    Ok(kind)
}

/// The endpoint's access rule: 403 when the key's kind may not call it.
pub fn allow(kind: KeyKind, access: Access) -> Result<KeyKind, ApiError> {
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
