//! `lk_client`: the licensing client handle.

use super::config::lk_config;
use std::ffi::c_char;

use super::{Context, client_string_out, guard, out_arg};
use crate::{Client, Status};

/// An opaque licensing client for one product. Thread-safe: one handle may be used from
/// several threads at once. Create with `lk_client_new`, free with `lk_client_free`.
#[allow(non_camel_case_types, reason = "C type names follow the C API's lk_ style")]
#[derive(Debug)]
pub struct lk_client(pub(crate) Client);

/// Creates a client from a configuration (which is copied: free it whenever you like).
///
/// Loads the product's store, computes this computer's fingerprint and verifies the stored
/// license's signature. Fails with `LK_NO_PUBLIC_KEY` when no vendor key is trusted. A damaged
/// store does not fail it: the client opens, `lk_license_status` and `lk_feature_enabled`
/// answer `LK_STORE_CORRUPT` / `LK_STORE_TRUNCATED` / `LK_STORE_VERSION` /
/// `LK_STORE_ROLLED_BACK`, and the next activation, trial start or certificate import writes
/// a fresh store, keeping the damaged file beside it for support. On success `*out` receives a
/// client to free with `lk_client_free`; on failure `*out` is left untouched.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_client_new(cfg: *const lk_config, out: *mut *mut lk_client) -> Status {
    guard(|| {
        out_arg(out, "out")?;
        // SAFETY: the caller passes a live configuration or NULL.
        let config = unsafe { cfg.as_ref() }.ok_or(Status::NullPointer).context("cfg")?;
        let client = Client::new(config.0.clone()).context("client")?;
        // SAFETY: `out` was checked for NULL and the caller guarantees it is writable.
        unsafe { out.write(Box::into_raw(Box::new(lk_client(client)))) };
        Ok(())
    })
}

/// Frees a client. `lk_client_free(NULL)` does nothing. No other call may be running on the
/// client when it is freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_client_free(client: *mut lk_client) {
    if !client.is_null() {
        // SAFETY: a non-NULL pointer came from `Box::into_raw` in `lk_client_new` and the
        // caller frees it once, with no call in flight.
        drop(unsafe { Box::from_raw(client) });
    }
}

/// Writes this computer's ID for the client's product into `buf` — the ID the client sends
/// to the server, the same as `lk_computer_id` gives for the product, whatever the store
/// directory.
///
/// `buf` may be NULL when `buf_len` is 0 to ask for the size; `needed` may be NULL and
/// receives the size including the NUL, also on `LK_BUFFER_TOO_SMALL`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_client_computer_id(
    client: *const lk_client,
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
) -> Status {
    // SAFETY: the caller passes a live client or NULL, and valid `buf`/`needed` or NULL.
    unsafe { client_string_out(client, buf, buf_len, needed, |client| Ok(client.computer_id().to_owned())) }
}
