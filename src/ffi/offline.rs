//! Air-gapped activation and passive licenses through an `lk_client`.

use std::ffi::c_char;

use super::client::lk_client;
use super::online::client_ref;
use super::{Context, client_string_out, guard, str_arg, string_out};
use crate::Status;

/// Writes an offline activation request for `license_code` into `buf`: armoured text
/// (`-----BEGIN LICENSEKIT ACTIVATION REQUEST-----` ...) to carry to a connected machine,
/// where the vendor turns it into an activation certificate. The request and its new
/// installation key are kept in the store; asking again for the same code (for instance
/// after a size query) gives the same text until the certificate is imported. Buffer
/// convention as `lk_computer_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_offline_activation_request(
    client: *const lk_client,
    license_code: *const c_char,
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client or NULL.
        let client = unsafe { client_ref(client) }?;
        // SAFETY: the caller passes a NUL-terminated string or NULL.
        let code = unsafe { str_arg(license_code, "license_code") }?;
        // SAFETY: the caller guarantees `buf` (for `buf_len` bytes) and `needed` are valid or NULL.
        unsafe {
            string_out(buf, buf_len, needed, || {
                client.offline_activation_request(code).context("license_code")
            })
        }
    })
}

/// Imports an activation certificate (it must answer this computer's pending request) or a
/// passive license (bound to this client ID), armoured or compact. On success the license is
/// stored and `lk_license_status` reflects it. Refusals, each with its own status, write
/// nothing: `LK_WRONG_MACHINE`, `LK_WRONG_PRODUCT`, `LK_WRONG_REQUEST` (another request, or
/// none pending — e.g. a certificate already given back), `LK_EXPIRED`, `LK_LEASE_EXPIRED`,
/// `LK_STALE_LEASE`, `LK_FUTURE_LEASE`, `LK_UNKNOWN_KEY`, `LK_BAD_SIGNATURE`, `LK_WRONG_KIND`,
/// `LK_MALFORMED_ENVELOPE`, `LK_MALFORMED_PAYLOAD`, `LK_ENVELOPE_TOO_LARGE`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_import_certificate(client: *const lk_client, text: *const c_char) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client or NULL.
        let client = unsafe { client_ref(client) }?;
        // SAFETY: the caller passes a NUL-terminated string or NULL.
        let text = unsafe { str_arg(text, "text") }?;
        client.import_certificate(text).context("certificate")
    })
}

/// Gives the seat back without a network: removes the license from this computer, then
/// writes a deactivation certificate signed by the installation key (which is destroyed)
/// into `buf`, armoured text for the vendor. The certificate is kept: calling again (after a
/// size query, or if the first copy was lost) writes the same text. `LK_NO_LICENSE` when
/// there is no activation to give back. Buffer convention as `lk_computer_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_offline_deactivation_certificate(
    client: *const lk_client,
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
) -> Status {
    // SAFETY: the caller passes a live client or NULL, and valid `buf`/`needed` or NULL.
    unsafe {
        client_string_out(client, buf, buf_len, needed, |client| {
            client.offline_deactivation_certificate().context("deactivation")
        })
    }
}
