//! The computer: its ID and system details.

use std::ffi::c_char;

use super::{Context, guard, str_arg, string_out};
use crate::Status;
use crate::machine::{Fingerprint, SysRoot, SystemDetails, detect_virtualization};

/// Writes this computer's 20-character ID for `product_id` into `buf`.
///
/// 20 letters and digits, salted with the product ID: two products see two unrelated IDs.
/// Where the OS has no usable machine ID (containers, minimal images), a random installation
/// ID kept machine-wide (`/var/lib/licensekit/installation-id`, readable by every user)
/// anchors it, so every client on the computer reports the same ID.
///
/// - `product_id`: NUL-terminated UTF-8, `[0-9A-Za-z_-]{1,64}` (else `LK_INVALID_PRODUCT_ID`).
/// - `buf`/`buf_len`: the caller's buffer; 21 bytes always suffice. `buf` may be NULL when
///   `buf_len` is 0 to ask for the size.
/// - `needed`: may be NULL; receives the size needed including the NUL, also on
///   `LK_BUFFER_TOO_SMALL`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_computer_id(
    product_id: *const c_char,
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
) -> Status {
    guard(|| {
        // SAFETY: the caller passes a NUL-terminated string or NULL.
        let product_id = unsafe { str_arg(product_id, "product_id") }?;
        // SAFETY: the caller guarantees `buf` (for `buf_len` bytes) and `needed` are valid or NULL.
        unsafe {
            string_out(buf, buf_len, needed, || {
                let root = SysRoot::host();
                let virtualization = detect_virtualization(&root);
                let fingerprint =
                    Fingerprint::compute(product_id, &root, &virtualization).context("product_id")?;
                Ok(fingerprint.computer_id)
            })
        }
    })
}

/// Writes this computer's system details as a JSON object into `buf`, with the seed's field
/// names: `operatingsystem`, `osname`, `osversion`, `bitage`, `processor`, `cores`, `memory`
/// (MiB), `computername`, `oslanguage`, `vmplatform`.
///
/// `buf` may be NULL when `buf_len` is 0 to ask for the size; `needed` may be NULL and
/// receives the size including the NUL, also on `LK_BUFFER_TOO_SMALL`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_system_details_json(
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
) -> Status {
    guard(|| {
        // SAFETY: the caller guarantees `buf` (for `buf_len` bytes) and `needed` are valid or NULL.
        unsafe { string_out(buf, buf_len, needed, || Ok(SystemDetails::gather().to_json())) }
    })
}
