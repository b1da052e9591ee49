//! The detail behind a failure: the values a support desk can act on (a path and the OS
//! error, a host and port, key IDs, the components that changed), recorded where the cause
//! is known and read by the C layer for `lk_last_error_message`.
//!
//! Like `errno`, it is per thread: an operation records on the thread it runs on, and the C
//! layer clears it when a call begins, so a detail never outlives the call that recorded it.

use std::cell::RefCell;
use std::path::Path;

use crate::Status;

thread_local! {
    static DETAIL: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Records `detail` for the failure `status` and returns the status, so it reads as
/// `Err(detail::note(Status::X, "..."))`.
pub(crate) fn note(status: Status, detail: impl Into<String>) -> Status {
    let detail = detail.into();
    crate::log::emit(crate::log::Level::Warn, &format!("{}: {detail}", status.name().to_string_lossy()));
    DETAIL.with(|d| *d.borrow_mut() = Some(detail));
    status
}

/// Records an I/O failure on `path`: what was being done, the path, and the OS error.
pub(crate) fn io(status: Status, what: &str, path: &Path, error: &std::io::Error) -> Status {
    note(status, format!("{what} {}: {error}", path.display()))
}

/// Forgets any detail recorded on this thread.
#[cfg(feature = "client")]
pub(crate) fn clear() {
    DETAIL.with(|d| d.borrow_mut().take());
}

/// The detail of the last failure recorded on this thread, if any (without taking it).
pub fn last_error_detail() -> Option<String> {
    DETAIL.with(|d| d.borrow().clone())
}
