//! Shared capacity through an `lk_client`: floating seats, element pools, consumption
//! tokens, cloud-concurrency sessions. Every function here is a network call bounded by the
//! configured timeout.

use std::ffi::c_char;

use super::client::lk_client;
use super::online::client_ref;
use super::{Context, Failure, guard, out_arg, str_arg};
use crate::{Client, Status};

/// Borrows the client and the feature code every capacity call starts from.
///
/// # Safety
/// `client` is NULL or live; `feature_code` is NULL or a NUL-terminated string.
unsafe fn client_and_feature<'a>(
    client: *const lk_client,
    feature_code: *const c_char,
) -> Result<(&'a Client, &'a str), Failure> {
    // SAFETY: as the caller guarantees.
    unsafe { Ok((client_ref(client)?, str_arg(feature_code, "feature_code")?)) }
}

/// Takes a floating seat of `feature_code` (`LK_SEATS_EXHAUSTED` when every seat is in use).
/// A background thread keeps it with heartbeats until `lk_floating_checkin`; while it is held,
/// `lk_feature_enabled` answers `LK_OK` for the feature (`LK_SEAT_LOST` otherwise). A seat
/// whose heartbeats stop (crash, sleep, network loss) is freed by the server after its lease.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_floating_checkout(
    client: *const lk_client,
    feature_code: *const c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client (or NULL) and a NUL-terminated string (or NULL).
        let (client, feature) = unsafe { client_and_feature(client, feature_code) }?;
        client.floating_checkout(feature).context("feature_code")
    })
}

/// Checks a floating seat of `feature_code` out for `days` days (long-term check-out, when the
/// code's server function `LTCO` allows that many days; `LK_LONG_TERM_CHECKOUT_REFUSED`
/// otherwise). The seat is kept in the store and works offline until it ends or is checked in.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_floating_checkout_long_term(
    client: *const lk_client,
    feature_code: *const c_char,
    days: u32,
) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client (or NULL) and a NUL-terminated string (or NULL).
        let (client, feature) = unsafe { client_and_feature(client, feature_code) }?;
        client.floating_checkout_long_term(feature, days).context("feature_code")
    })
}

/// Gives the seat of `feature_code` back (ends a long-term check-out early too).
/// `LK_NO_SEAT` when this client holds none.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_floating_checkin(
    client: *const lk_client,
    feature_code: *const c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client (or NULL) and a NUL-terminated string (or NULL).
        let (client, feature) = unsafe { client_and_feature(client, feature_code) }?;
        client.floating_checkin(feature).context("feature_code")
    })
}

/// Draws `n` (at least 1) elements from the element pool of `feature_code`; never over the
/// pool's limit (`LK_POOL_EXHAUSTED`, nothing drawn).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_pool_checkout(
    client: *const lk_client,
    feature_code: *const c_char,
    n: u32,
) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client (or NULL) and a NUL-terminated string (or NULL).
        let (client, feature) = unsafe { client_and_feature(client, feature_code) }?;
        client.pool_checkout(feature, n).map(drop).context("feature_code")
    })
}

/// Returns `n` (at least 1) elements to the element pool of `feature_code`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_pool_checkin(
    client: *const lk_client,
    feature_code: *const c_char,
    n: u32,
) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client (or NULL) and a NUL-terminated string (or NULL).
        let (client, feature) = unsafe { client_and_feature(client, feature_code) }?;
        client.pool_checkin(feature, n).map(drop).context("feature_code")
    })
}

/// Spends `n` (at least 1) consumption tokens of `feature_code`, exactly once even if the call
/// is repeated after a lost answer (the retry carries the same request ID); never below zero
/// (`LK_TOKENS_EXHAUSTED`, nothing spent). On success `*remaining` receives the tokens left;
/// it is written only on success.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_consume_tokens(
    client: *const lk_client,
    feature_code: *const c_char,
    n: u32,
    remaining: *mut u64,
) -> Status {
    guard(|| {
        out_arg(remaining, "remaining")?;
        // SAFETY: the caller passes a live client (or NULL) and a NUL-terminated string (or NULL).
        let (client, feature) = unsafe { client_and_feature(client, feature_code) }?;
        let left = client.consume_tokens(feature, n).context("feature_code")?;
        // SAFETY: checked for NULL above; the caller guarantees it is writable.
        unsafe { remaining.write(left) };
        Ok(())
    })
}

/// Opens this process's cloud-concurrency session (`LK_CONCURRENCY_LIMIT` when the code's
/// allowed number of processes already run anywhere); kept by heartbeats until
/// `lk_session_close`, freed by the server if they stop.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_session_open(client: *const lk_client) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client or NULL.
        unsafe { client_ref(client) }?.session_open().context("session")
    })
}

/// Closes the session, freeing its place. `LK_NO_SEAT` when none is open.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_session_close(client: *const lk_client) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client or NULL.
        unsafe { client_ref(client) }?.session_close().context("session")
    })
}
