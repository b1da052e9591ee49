//! Dashboard sessions: a random ID in a cookie, the rest in the database.
//!
//! Kept in the store (table `dashboard_sessions`) rather than in a signed cookie, so that
//! several server processes sharing one PostgreSQL database behind a load balancer all know
//! every session, a sign-out ends a session everywhere at once, and the cookie holds nothing
//! but a random 128-bit ID (stored as its SHA-256: a copy of the database signs no one in).
//! The key signed in with is held by its hash, and looked up again (through the key cache)
//! on every request, so a revoked key ends its sessions within the cache's second. The key
//! itself is never in the cookie, a URL, a page or a log line.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use sha2::{Digest, Sha256};

use super::{blocking, see_other};
use crate::auth;
use crate::datetime::now_millis;
use crate::error::ApiError;
use crate::random;
use crate::server::{self, AppState};
use crate::store::dashboard::{NewSession, Session};
use crate::store::model::KeyKind;

/// The cookie's name.
const COOKIE_NAME: &str = "lk_dashboard";

/// How long a session lasts without a request: a working day.
pub const IDLE_MILLIS: i64 = 8 * 3600 * 1000;

/// A signed-in request: the session and the key's kind as checked just now.
#[derive(Debug, Clone)]
pub struct Signed {
    pub id_hash: [u8; 32],
    pub kind: KeyKind,
    pub session: Session,
    pub peer: SocketAddr,
}

fn hash(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

/// The session ID the request's cookie carries.
fn cookie_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_owned())
        .filter(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `Set-Cookie` value of a session ID (an empty one expires the cookie).
fn cookie(state: &AppState, id: &str) -> HeaderValue {
    let secure = if state.tls { "; Secure" } else { "" };
    let expire = if id.is_empty() { "; Max-Age=0" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}={id}; HttpOnly; SameSite=Strict; Path=/dashboard{secure}{expire}"
    ))
    .expect("hex and fixed text make a valid header value")
}

/// The kinds of key that sign in: READ-WRITE and READ-ONLY.
pub fn may_sign_in(kind: KeyKind) -> Result<(), ApiError> {
    match kind {
        KeyKind::ReadWrite | KeyKind::ReadOnly => Ok(()),
        KeyKind::Offline | KeyKind::Ds => Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            format!(
                "this is an {} key, for the Web API only: sign in with a READ-WRITE or READ-ONLY key",
                super::kind_label(kind)
            ),
        )),
    }
}

/// Opens a session for the live key `key` (pasted on the sign-in page, alone or as
/// `customerID:key`) and answers with its cookie and a way into the dashboard.
pub async fn sign_in(state: &Arc<AppState>, key: &str) -> Result<Response, ApiError> {
    let key = key.trim();
    let key = match key.split_once(':') {
        Some((customer, key)) if customer == state.customer_id => key,
        Some(_) => {
            return Err(ApiError::new(axum::http::StatusCode::UNAUTHORIZED, "wrong customer ID or API key"));
        }
        None => key,
    };
    if key.is_empty() {
        return Err(ApiError::bad_request("paste an API key to sign in"));
    }
    let key_hash = auth::hash_key(key);
    let kind = server::key_kind(state, auth::known(&state.keys, key_hash)).await?;
    may_sign_in(kind)?;
    let id = random::hex_id();
    let session = NewSession {
        id_hash: hash(&id),
        key_hash,
        kind,
        key_prefix: crate::audit::prefix(key),
        csrf: random::hex_id(),
        now: now_millis(),
    };
    let stale = session.now - IDLE_MILLIS;
    blocking(state, move |store| store.open_session(&session, stale)).await?;
    let mut response = see_other("/dashboard/codes");
    response.headers_mut().insert(SET_COOKIE, cookie(state, &id));
    Ok(response)
}

/// Ends the request's session, wherever it is served, and expires its cookie.
pub async fn sign_out(state: &Arc<AppState>, signed: &Signed) -> Result<Response, ApiError> {
    let id_hash = signed.id_hash;
    blocking(state, move |store| store.close_session(&id_hash)).await?;
    let mut response = see_other("/dashboard/sign-in");
    response.headers_mut().insert(SET_COOKIE, cookie(state, ""));
    Ok(response)
}

/// The request's live session, or the way to the sign-in page: no cookie, an unknown or
/// idle session, or a key revoked since (which ends the session).
pub async fn check(state: &Arc<AppState>, headers: &HeaderMap, peer: SocketAddr) -> Result<Signed, Response> {
    let to_sign_in = |why: &str| {
        let mut response = see_other(&format!("/dashboard/sign-in?why={why}"));
        response.headers_mut().insert(SET_COOKIE, cookie(state, ""));
        response
    };
    let Some(id) = cookie_id(headers) else { return Err(see_other("/dashboard/sign-in")) };
    let id_hash = hash(&id);
    let now = now_millis();
    let found = blocking(state, move |store| store.session(&id_hash, now, now - IDLE_MILLIS)).await;
    let session = match found {
        Ok(Some(session)) => session,
        Ok(None) => return Err(to_sign_in("expired")),
        Err(error) => return Err(super::error_page(None, &error)),
    };
    match server::key_kind(state, auth::known(&state.keys, session.key_hash)).await {
        Ok(kind) if may_sign_in(kind).is_ok() => Ok(Signed { id_hash, kind, session, peer }),
        Ok(_) => Err(to_sign_in("revoked")),
        Err(error) if error.status == axum::http::StatusCode::UNAUTHORIZED => {
            let _ = blocking(state, move |store| store.close_session(&id_hash)).await;
            Err(to_sign_in("revoked"))
        }
        Err(error) => Err(super::error_page(None, &error)),
    }
}

/// Whether a form's token is the session's (compared in constant time).
pub fn csrf_matches(signed: &Signed, token: &str) -> bool {
    let expected = signed.session.csrf.as_bytes();
    let given = token.as_bytes();
    expected.len() == given.len() && expected.iter().zip(given).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_well_formed_cookie_is_read() {
        let mut headers = HeaderMap::new();
        let id = "0123456789abcdef0123456789abcdef";
        headers.insert(COOKIE, HeaderValue::from_str(&format!("a=b; {COOKIE_NAME}={id}")).unwrap());
        assert_eq!(cookie_id(&headers).as_deref(), Some(id));
        headers.insert(COOKIE, HeaderValue::from_static("lk_dashboard=../../etc"));
        assert_eq!(cookie_id(&headers), None);
    }
}
