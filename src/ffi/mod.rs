//! The C ABI: argument checking, conversion and panic guards over the safe core, nothing else.
//!
//! Conventions (see the README for the full list):
//! - every function returns an `lk_status`; out-parameters are written only on success;
//! - every pointer is checked for NULL before use, every string for UTF-8;
//! - strings out go into the caller's buffer; a too-small buffer gives `LK_BUFFER_TOO_SMALL`
//!   and `*needed` (which counts the terminating NUL) tells the size to retry with;
//! - a panic is caught here and becomes `LK_INTERNAL`, so nothing unwinds into C and no
//!   question ("is this feature enabled?") is ever answered yes by accident;
//! - the detail of the last failure on this thread is kept for `lk_last_error_message`.

mod capacity;
mod client;
mod config;
mod diagnostics;
mod events;
mod library;
mod machine;
mod offline;
mod online;

use std::cell::RefCell;
use std::ffi::{CStr, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::Status;

pub use client::lk_client;
pub use config::lk_config;
pub use diagnostics::lk_log_callback;
pub use online::{ExpiryKind, lk_status_callback};

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records the detail of a failure for `lk_last_error_message` on this thread: the status's
/// message, the argument or step concerned, and the cause the core recorded (a path and OS
/// error, a host and port, key IDs...).
fn set_last_error(status: Status, detail: &str, cause: Option<String>) {
    LAST_ERROR.with(|e| {
        let mut e = e.borrow_mut();
        e.clear();
        e.push_str(&status.message().to_string_lossy());
        for part in [Some(detail), cause.as_deref()].into_iter().flatten().filter(|p| !p.is_empty()) {
            e.push_str(": ");
            e.push_str(part);
        }
    });
}

/// An error on the way out of an exported function: the status and, for the thread-local
/// message, which argument or step it concerns.
pub(crate) struct Failure {
    status: Status,
    detail: &'static str,
}

impl From<Status> for Failure {
    fn from(status: Status) -> Failure {
        Failure { status, detail: "" }
    }
}

trait Context<T> {
    /// Names the argument or step an error concerns.
    fn context(self, detail: &'static str) -> Result<T, Failure>;
}

impl<T> Context<T> for Result<T, Status> {
    fn context(self, detail: &'static str) -> Result<T, Failure> {
        self.map_err(|status| Failure { status, detail })
    }
}

/// Runs an exported function's body: catches panics, records the failure detail, returns the
/// status. Installs no panic hook (that belongs to the application).
fn guard(body: impl FnOnce() -> Result<(), Failure>) -> Status {
    crate::detail::clear();
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => Status::Ok,
        Ok(Err(Failure { status, detail })) => {
            set_last_error(status, detail, crate::detail::last_error_detail());
            status
        }
        Err(_) => {
            set_last_error(Status::Internal, "a panic was caught at the C boundary", None);
            Status::Internal
        }
    }
}

/// [`guard`] for the local question on the hot path, `lk_feature_enabled`: nothing recorded
/// by the core concerns it, so the thread's detail is neither cleared nor read.
fn guard_check(body: impl FnOnce() -> Result<(), Failure>) -> Status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => Status::Ok,
        Ok(Err(Failure { status, detail })) => {
            set_last_error(status, detail, None);
            status
        }
        Err(_) => {
            set_last_error(Status::Internal, "a panic was caught at the C boundary", None);
            Status::Internal
        }
    }
}

/// Borrows a C string argument as UTF-8.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string valid for the duration of the call.
unsafe fn str_arg<'a>(ptr: *const c_char, name: &'static str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure { status: Status::NullPointer, detail: name });
    }
    // SAFETY: non-NULL, and the caller guarantees NUL termination and validity.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str().map_err(|_| Failure { status: Status::InvalidUtf8, detail: name })
}

/// Checks an out-pointer for NULL before any work is done.
fn out_arg<T>(ptr: *mut T, name: &'static str) -> Result<(), Failure> {
    if ptr.is_null() { Err(Failure { status: Status::NullPointer, detail: name }) } else { Ok(()) }
}

/// The string-out convention: checks the buffer arguments, only then computes the string
/// (so a NULL buffer costs no work and no side effect), and copies it and a NUL into `buf`
/// when it fits. On success and on `BufferTooSmall` the size needed (text plus NUL) goes to
/// `needed` when it is not NULL; on any other failure nothing is written anywhere.
///
/// # Safety
/// `buf` is NULL or valid for `buf_len` bytes of writes; `needed` is NULL or valid for a write.
unsafe fn string_out(
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
    compute: impl FnOnce() -> Result<String, Failure>,
) -> Result<(), Failure> {
    if buf.is_null() && buf_len > 0 {
        return Err(Failure { status: Status::NullPointer, detail: "buf" });
    }
    let text = compute()?;
    if text.as_bytes().contains(&0) {
        return Err(Failure { status: Status::Internal, detail: "string with an interior NUL" });
    }
    let size = text.len() + 1;
    if !needed.is_null() {
        // SAFETY: non-NULL, and the caller guarantees it is valid for a write.
        unsafe { needed.write(size) };
    }
    if buf_len < size {
        return Err(Failure { status: Status::BufferTooSmall, detail: "buf_len" });
    }
    // SAFETY: `buf` is valid for `buf_len >= size` bytes and cannot overlap a Rust string.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), text.len());
        buf.add(text.len()).write(0);
    }
    Ok(())
}

/// The whole body of an exported function that writes a string about a client: the panic
/// guard, the client borrowed (NULL is `LK_NULL_POINTER`), then [`string_out`].
///
/// # Safety
/// `client` is NULL or a live pointer from `lk_client_new`; `buf` and `needed` as for
/// [`string_out`].
unsafe fn client_string_out(
    client: *const lk_client,
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
    compute: impl FnOnce(&crate::Client) -> Result<String, Failure>,
) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client or NULL.
        let client = unsafe { online::client_ref(client) }?;
        // SAFETY: the caller guarantees `buf` (for `buf_len` bytes) and `needed` are valid or NULL.
        unsafe { string_out(buf, buf_len, needed, || compute(client)) }
    })
}

#[cfg(test)]
mod tests;
