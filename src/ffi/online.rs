//! Online operations, license state, features and UDFs of an `lk_client`.

use std::ffi::{c_char, c_void};

use super::client::lk_client;
use super::{Context, Failure, client_string_out, guard, guard_check, out_arg, str_arg, string_out};
use crate::Status;

/// Borrows the client behind a C pointer.
///
/// # Safety
/// `client` is NULL or a live pointer from `lk_client_new`.
pub(super) unsafe fn client_ref<'a>(client: *const lk_client) -> Result<&'a crate::Client, Failure> {
    // SAFETY: the caller guarantees the pointer is NULL or live for the call.
    unsafe { client.as_ref() }.map(|c| &c.0).ok_or(Failure { status: Status::NullPointer, detail: "client" })
}

/// Activates `license_code` on this computer (network call, bounded by the timeout). On
/// success the lease is stored and `lk_license_status` is `LK_OK`. Refusals have their own
/// status: `LK_INVALID_LICENSE_CODE`, `LK_DISABLED`, `LK_EXPIRED`, `LK_ACTIVATION_LIMIT`,
/// `LK_VM_NOT_ALLOWED`; an unreachable server gives `LK_NETWORK` or `LK_TIMEOUT`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_activate(client: *const lk_client, license_code: *const c_char) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client or NULL.
        let client = unsafe { client_ref(client) }?;
        // SAFETY: the caller passes a NUL-terminated string or NULL.
        let code = unsafe { str_arg(license_code, "license_code") }?;
        client.activate(code).context("activate")
    })
}

/// Signs in as the named user `username` with `password` and activates the license the
/// user's group holds for this product on this computer (account-based licensing: no
/// license code to type). The lease names the user (`"user"` in `lk_license_info_json`) and
/// is refreshed like any other. The password is sent to the server in this one request and
/// stored nowhere. Refusals: `LK_INVALID_CREDENTIALS` (one answer for an unknown user and a
/// wrong password), `LK_USER_LOCKED` (repeated failures: the last error says until when),
/// `LK_USER_NOT_LICENSED`, `LK_ACTIVATION_LIMIT` (the user's computers are all in use).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_activate_user(
    client: *const lk_client,
    username: *const c_char,
    password: *const c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client or NULL, and NUL-terminated strings or NULL.
        let (client, username, password) =
            unsafe { (client_ref(client)?, str_arg(username, "username")?, str_arg(password, "password")?) };
        client.activate_user(username, password).context("activate_user")
    })
}

/// Renews the lease now. A background thread also does this before the lease ends; call it
/// when the application wants vendor-side changes right away.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_refresh(client: *const lk_client) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client or NULL.
        unsafe { client_ref(client) }?.refresh().context("refresh")
    })
}

/// Gives this computer's seat back. The local license is made unusable first (from then on
/// every local question answers `LK_DEACTIVATED`; if the store cannot be written, nothing is
/// sent, nothing changes and `LK_STORE_IO` is returned), then the server is asked to free the
/// seat and the installation key is destroyed once it confirms. When the server cannot be
/// reached (`LK_NETWORK`, `LK_TIMEOUT`), the background thread retries until it can.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_deactivate(client: *const lk_client) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client or NULL.
        unsafe { client_ref(client) }?.deactivate().context("deactivate")
    })
}

/// Takes a network seat from the site's LAN daemon (`lk_config_set_lan_server` or the
/// `LICENSEKIT_LAN_SERVER` environment variable; network call, bounded by the timeout). On
/// success `lk_license_status` is `LK_OK` and the background thread keeps the seat with
/// heartbeats; `lk_deactivate` gives it back. `LK_NO_LAN_SERVER` when none is configured,
/// `LK_LAN_UNREACHABLE` when it cannot be reached, `LK_NETWORK_SEATS_EXHAUSTED` when every
/// seat is in use, `LK_DAEMON_NOT_CERTIFIED` when the daemon is not certified for this
/// product by a trusted vendor key.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_activate_lan(client: *const lk_client) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client or NULL.
        unsafe { client_ref(client) }?.activate_lan().context("activate_lan")
    })
}

/// Borrows a network seat for `days` days (1 up to the site license's limit) for a computer
/// leaving the site's network: held without heartbeats until it ends or `lk_deactivate`
/// gives it back. `LK_LONG_TERM_CHECKOUT_REFUSED` beyond the license's limit.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_borrow_lan(client: *const lk_client, days: u32) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client or NULL.
        unsafe { client_ref(client) }?.borrow_lan(days).context("borrow_lan")
    })
}

/// Starts the product's trial on this computer (or resumes the one already started).
/// `LK_TRIAL_UNAVAILABLE` when the product has no trial; a used-up trial gives a trial lease
/// whose status is `LK_TRIAL_EXPIRED`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_start_trial(client: *const lk_client) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client or NULL.
        unsafe { client_ref(client) }?.start_trial().context("start trial")
    })
}

/// `LK_OK` when the product is licensed now (an active lease, a running trial); otherwise
/// why not: `LK_NOT_ACTIVATED`, `LK_EXPIRED`, `LK_TRIAL_EXPIRED`, `LK_LEASE_EXPIRED`,
/// `LK_DISABLED`, `LK_DEACTIVATED`, `LK_WRONG_MACHINE`, `LK_CLOCK_TAMPERED`, or the reason
/// the stored license was refused (`LK_BAD_SIGNATURE`, ...). Local: no network.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_license_status(client: *const lk_client) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client or NULL.
        let client = unsafe { client_ref(client) }?;
        match client.status() {
            Status::Ok => Ok(()),
            status => {
                // For the last error: which components differ, why the store is unusable...
                client.explain(status);
                Err(status.into())
            }
        }
    })
}

/// `LK_OK` when the product is licensed now and the feature `feature_code` is granted and on
/// (for a floating feature: and this client holds one of its seats, else `LK_NO_SEAT`, or
/// `LK_SEAT_LOST` when its seat lapsed); `LK_FEATURE_UNKNOWN` when the license does not have
/// the feature, `LK_FEATURE_NOT_ENABLED` when it is switched off; the license status when the
/// product is not licensed. A caught panic gives `LK_INTERNAL`: never a grant by accident. Local.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_feature_enabled(client: *const lk_client, feature_code: *const c_char) -> Status {
    guard_check(|| {
        // SAFETY: the caller passes a live client or NULL.
        let client = unsafe { client_ref(client) }?;
        if feature_code.is_null() {
            return Err(Failure { status: Status::NullPointer, detail: "feature_code" });
        }
        // SAFETY: non-NULL, and the caller guarantees a NUL-terminated string valid for the call.
        let code = unsafe { std::ffi::CStr::from_ptr(feature_code) }.to_bytes();
        // The encoding is checked only on a "no": a code that matched a granted feature is
        // valid UTF-8, and the "yes" is the path that runs in loops.
        match client.feature_enabled_bytes(code) {
            Status::Ok => Ok(()),
            _ if std::str::from_utf8(code).is_err() => {
                Err(Failure { status: Status::InvalidUtf8, detail: "feature_code" })
            }
            status => Err(status.into()),
        }
    })
}

/// Writes the value of the UDF (Application Agility field) `name` into `buf`;
/// `LK_INVALID_ARGUMENT` when the license has no such field. Buffer convention as
/// `lk_computer_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_udf_value(
    client: *const lk_client,
    name: *const c_char,
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client or NULL.
        let client = unsafe { client_ref(client) }?;
        // SAFETY: the caller passes a NUL-terminated string or NULL.
        let name = unsafe { str_arg(name, "name") }?;
        // SAFETY: the caller guarantees `buf` (for `buf_len` bytes) and `needed` are valid or NULL.
        unsafe { string_out(buf, buf_len, needed, || client.udf_value(name).context("name")) }
    })
}

/// Writes the license as a JSON object into `buf`: `status`, `message`, `product_id`,
/// `computer_id`, and when a license is held `kind`, `license_code`, `license_type`, `state`,
/// `features`, `udfs`, `expires`, `maintenance_end`, `lease_end`, `grace_end`, `server_time`,
/// `serial`, `vm_platform` (times in Unix seconds). Buffer convention as `lk_computer_id`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_license_info_json(
    client: *const lk_client,
    buf: *mut c_char,
    buf_len: usize,
    needed: *mut usize,
) -> Status {
    // SAFETY: the caller passes a live client or NULL, and valid `buf`/`needed` or NULL.
    unsafe { client_string_out(client, buf, buf_len, needed, |client| Ok(client.license_info().to_string())) }
}

/// Which date `lk_expiry` reports.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpiryKind {
    /// The end of the subscription, the expiration date or the trial's end.
    License = 0,
    /// The end of maintenance.
    Maintenance = 1,
    /// When the lease should be refreshed by.
    Lease = 2,
    /// When the license stops working without a refresh.
    Grace = 3,
}

/// Writes a date of the current license (Unix seconds) to `*unix_seconds`: `kind` is an
/// `lk_expiry_kind` value. 0 means the license has no such date (a perpetual license has no
/// license expiry). `LK_INVALID_ARGUMENT` for an unknown kind; `*unix_seconds` is written only
/// on success.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_expiry(client: *const lk_client, kind: u32, unix_seconds: *mut i64) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client or NULL.
        let client = unsafe { client_ref(client) }?;
        out_arg(unix_seconds, "unix_seconds")?;
        let (expires, maintenance_end, lease_end, grace_end) = client.dates().context("license")?;
        let value = match kind {
            k if k == ExpiryKind::License as u32 => expires,
            k if k == ExpiryKind::Maintenance as u32 => maintenance_end,
            k if k == ExpiryKind::Lease as u32 => Some(lease_end),
            k if k == ExpiryKind::Grace as u32 => Some(grace_end),
            _ => return Err(Failure { status: Status::InvalidArgument, detail: "kind" }),
        };
        // SAFETY: checked for NULL above; the caller guarantees it is writable.
        unsafe { unix_seconds.write(value.unwrap_or(0)) };
        Ok(())
    })
}

/// Writes the seconds of offline use left before the lease expires (0 when it has) to
/// `*seconds`; written only on success.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_grace_remaining(client: *const lk_client, seconds: *mut i64) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client or NULL.
        let client = unsafe { client_ref(client) }?;
        out_arg(seconds, "seconds")?;
        let remaining = client.grace_remaining().context("license")?;
        // SAFETY: checked for NULL above; the caller guarantees it is writable.
        unsafe { seconds.write(remaining) };
        Ok(())
    })
}

/// A status-change callback: receives the new `lk_status` and the `user_data` given to
/// `lk_set_status_callback`.
#[allow(non_camel_case_types, reason = "C type names follow the C API's lk_ style")]
pub type lk_status_callback = Option<unsafe extern "C" fn(status: Status, user_data: *mut c_void)>;

/// The user's pointer, carried to the refresher thread.
struct UserData(*mut c_void);
// SAFETY: the pointer is only handed back to the user's callback; the caller of
// `lk_set_status_callback` guarantees it may be used from any thread.
unsafe impl Send for UserData {}
// SAFETY: as above; licensekit never dereferences it.
unsafe impl Sync for UserData {}

/// Registers `callback` (NULL removes it), called with `user_data` whenever the license
/// status changes: found by the background refresh, by the lease running out offline, or by
/// an online call. It runs on the thread that noticed the change, with no licensekit lock
/// held, so it may call any licensekit function except `lk_client_free` on this client.
/// `user_data` must be usable from any thread. After `lk_client_free` returns, the callback
/// is never called again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_set_status_callback(
    client: *const lk_client,
    callback: lk_status_callback,
    user_data: *mut c_void,
) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client or NULL.
        let client = unsafe { client_ref(client) }?;
        let data = UserData(user_data);
        client.set_status_callback(callback.map(|f| -> crate::StatusCallback {
            Box::new(move |status| {
                let data = &data;
                // SAFETY: the caller registered a valid function and vouched for user_data.
                unsafe { f(status, data.0) }
            })
        }));
        Ok(())
    })
}
