//! Support: the diagnostics bundle and the log callback.

use std::ffi::{CString, c_char, c_void};

use super::client::lk_client;
use super::{Failure, client_string_out, guard};
use crate::Status;
use crate::log::Level;

/// Writes a redacted support bundle as a JSON object into `buf`: the library version, the
/// platform and VM evidence, what the computer ID is anchored on with the component digests
/// and which of them differ from the license's, the store's path and state (damaged files
/// kept aside), the clock and high-water marks, the server URL, proxy (without credentials),
/// CA file and timeout, the last failure of each online operation, and the license summary.
/// It never holds a secret: no installation key, no license text, the license code shortened
/// to its last four characters. Buffer convention as `lk_computer_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_diagnostics_json(
    client: *const lk_client,
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
) -> Status {
    // SAFETY: the caller passes a live client or NULL, and valid `buf`/`needed` or NULL.
    unsafe { client_string_out(client, buf, buf_len, needed, |client| Ok(client.diagnostics().to_string())) }
}

/// A log callback: receives the line's `lk_log_level`, the line (NUL-terminated UTF-8, valid
/// only during the call) and the `user_data` given to `lk_set_log_callback`.
#[allow(non_camel_case_types, reason = "C type names follow the C API's lk_ style")]
pub type lk_log_callback =
    Option<unsafe extern "C" fn(level: u32, line: *const c_char, user_data: *mut c_void)>;

/// The user's pointer, carried to whichever thread logs.
struct UserData(*mut c_void);
// SAFETY: the pointer is only handed back to the user's callback; the caller of
// `lk_set_log_callback` guarantees it may be used from any thread.
unsafe impl Send for UserData {}
// SAFETY: as above; licensekit never dereferences it.
unsafe impl Sync for UserData {}

/// Routes licensekit's log lines at `level` (an `lk_log_level`: `LK_LOG_ERROR` 1 to
/// `LK_LOG_DEBUG` 4) and more important into the application's own log; NULL stops it. One
/// callback for the whole process (log lines come from every client and from the background
/// threads): it may run on any thread, at any time until replaced, must not block for long,
/// and may call licensekit functions other than `lk_set_log_callback`. Lines hold no secret
/// (no installation key, no full license code). `LK_INVALID_ARGUMENT` for an unknown level.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_set_log_callback(
    callback: lk_log_callback,
    level: u32,
    user_data: *mut c_void,
) -> Status {
    guard(|| {
        let level =
            Level::from_u32(level).ok_or(Failure { status: Status::InvalidArgument, detail: "level" })?;
        let data = UserData(user_data);
        crate::log::set_sink(callback.map(|f| {
            let sink: crate::log::Sink = std::sync::Arc::new(move |level: Level, line: &str| {
                let data = &data;
                let line = CString::new(line.replace('\0', " ")).unwrap_or_default();
                // SAFETY: the caller registered a valid function and vouched for user_data;
                // `line` lives until the call returns.
                unsafe { f(level as u32, line.as_ptr(), data.0) }
            });
            (level, sink)
        }));
        Ok(())
    })
}
