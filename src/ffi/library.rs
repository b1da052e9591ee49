//! Library-level functions: version, status names and messages, the last error.

use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::{LAST_ERROR, string_out};
use crate::Status;

/// The library's version, e.g. `"0.1.0"`: a static NUL-terminated string, never NULL, never
/// to be freed. Compare with `LK_VERSION` to detect a header/library mismatch.
#[unsafe(no_mangle)]
pub extern "C" fn lk_version() -> *const c_char {
    const VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => c"unknown",
        };
    VERSION.as_ptr()
}

/// The name of a status constant, e.g. `"LK_NOT_ACTIVATED"`: a static string, never NULL,
/// never to be freed. Unknown numbers give `"LK_UNKNOWN_STATUS"`.
#[unsafe(no_mangle)]
pub extern "C" fn lk_status_name(status: u32) -> *const c_char {
    Status::from_u32(status).map_or(c"LK_UNKNOWN_STATUS", Status::name).as_ptr()
}

/// A short human-readable message for a status: a static English string, never NULL, never
/// to be freed. Unknown numbers give `"unknown status"`.
#[unsafe(no_mangle)]
pub extern "C" fn lk_status_message(status: u32) -> *const c_char {
    Status::from_u32(status).map_or(c"unknown status", Status::message).as_ptr()
}

/// Copies the detail of the last failed call made on this thread (the status message plus
/// what it concerns, e.g. `"a required pointer argument was NULL: product_id"`) into `buf`.
/// An empty string when no call has failed on this thread. Calling it does not change it.
///
/// `buf` may be NULL when `buf_len` is 0 to ask for the size: `*needed` (if `needed` is not
/// NULL) receives the size including the NUL, and `LK_BUFFER_TOO_SMALL` is returned.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_last_error_message(
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
) -> Status {
    let copy = || {
        // SAFETY: the caller guarantees `buf` (for `buf_len` bytes) and `needed` are valid or NULL.
        unsafe { string_out(buf, buf_len, needed, || Ok(LAST_ERROR.with(|e| e.borrow().clone()))) }
    };
    match catch_unwind(AssertUnwindSafe(copy)) {
        Ok(Ok(())) => Status::Ok,
        Ok(Err(failure)) => failure.status,
        Err(_) => Status::Internal,
    }
}
