//! `lk_config`: building a client's configuration.
//!
//! A configuration is used from one thread at a time; it is copied by `lk_client_new`, so it
//! may be freed (or reused for another client) right after.

use std::ffi::c_char;

use super::{Context, guard, out_arg, str_arg};
use crate::{Config, Status};

/// An opaque client configuration. Create with `lk_config_new`, free with `lk_config_free`.
#[allow(non_camel_case_types, reason = "C type names follow the C API's lk_ style")]
#[derive(Debug)]
pub struct lk_config(pub(crate) Config);

/// Borrows the configuration behind a C pointer.
///
/// # Safety
/// `cfg` is NULL or a pointer returned by `lk_config_new` and not yet freed.
unsafe fn config_mut<'a>(cfg: *mut lk_config) -> Result<&'a mut Config, super::Failure> {
    // SAFETY: the caller guarantees the pointer is NULL or live and not aliased during the call.
    unsafe { cfg.as_mut() }
        .map(|c| &mut c.0)
        .ok_or(super::Failure { status: Status::NullPointer, detail: "cfg" })
}

/// Creates a configuration for `product_id` (NUL-terminated UTF-8, `[0-9A-Za-z_-]{1,64}`).
/// On success `*out` receives a new configuration to free with `lk_config_free`; on failure
/// `*out` is left untouched.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_config_new(product_id: *const c_char, out: *mut *mut lk_config) -> Status {
    guard(|| {
        out_arg(out, "out")?;
        // SAFETY: the caller passes a NUL-terminated string or NULL.
        let product_id = unsafe { str_arg(product_id, "product_id") }?;
        let config = Config::new(product_id).context("product_id")?;
        // SAFETY: `out` was checked for NULL and the caller guarantees it is writable.
        unsafe { out.write(Box::into_raw(Box::new(lk_config(config)))) };
        Ok(())
    })
}

/// Trusts a vendor public key given as 64 hex characters, surrounding whitespace ignored (the server's `public-key`
/// output). May be called several times (key rotation; at most 16 keys).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_config_add_public_key(
    cfg: *mut lk_config,
    public_key_hex: *const c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live configuration or NULL.
        let config = unsafe { config_mut(cfg) }?;
        // SAFETY: the caller passes a NUL-terminated string or NULL.
        let hex = unsafe { str_arg(public_key_hex, "public_key_hex") }?;
        config.add_public_key(hex).context("public_key_hex")
    })
}

/// Keeps the store in `path` (a directory, created with mode 0700 if missing) instead of the
/// per-user default (`$XDG_DATA_HOME/licensekit`, `~/.local/share/licensekit`, ...).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_config_set_store_dir(cfg: *mut lk_config, path: *const c_char) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live configuration or NULL.
        let config = unsafe { config_mut(cfg) }?;
        // SAFETY: the caller passes a NUL-terminated string or NULL.
        let path = unsafe { str_arg(path, "path") }?;
        config.set_store_dir(path).context("path")
    })
}

/// Frees a configuration. `lk_config_free(NULL)` does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_config_free(cfg: *mut lk_config) {
    if !cfg.is_null() {
        // SAFETY: a non-NULL pointer came from `Box::into_raw` in `lk_config_new` and the
        // caller frees it once. Dropping a Config cannot panic.
        drop(unsafe { Box::from_raw(cfg) });
    }
}

/// Sets the license server's base URL (`http://` or `https://`). Without one the client
/// works offline only (`LK_NO_SERVER` from the online functions).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_config_set_server_url(cfg: *mut lk_config, url: *const c_char) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live configuration or NULL.
        let config = unsafe { config_mut(cfg) }?;
        // SAFETY: the caller passes a NUL-terminated string or NULL.
        let url = unsafe { str_arg(url, "url") }?;
        config.set_server_url(url).context("url")
    })
}

/// Names the site's LAN license daemon (`"host:port"`, or an `http://` URL) that
/// `lk_activate_lan` takes network seats from. Without one, the `LICENSEKIT_LAN_SERVER`
/// environment variable is used (administrators set it on every workstation).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_config_set_lan_server(cfg: *mut lk_config, address: *const c_char) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live configuration or NULL.
        let config = unsafe { config_mut(cfg) }?;
        // SAFETY: the caller passes a NUL-terminated string or NULL.
        let address = unsafe { str_arg(address, "address") }?;
        config.set_lan_server(address).context("address")
    })
}

/// Bounds every network call by `timeout_ms` milliseconds (1 to 600000; default 10000).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_config_set_timeout_ms(cfg: *mut lk_config, timeout_ms: u32) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live configuration or NULL.
        let config = unsafe { config_mut(cfg) }?;
        config.set_timeout(std::time::Duration::from_millis(timeout_ms.into())).context("timeout_ms")
    })
}

/// Sends requests through this HTTP proxy (`http://[user:pass@]host:port`), tunnelled with
/// CONNECT; `LK_INVALID_ARGUMENT` for another scheme (`https://`, `socks5://`). Without it,
/// `ALL_PROXY` / `HTTPS_PROXY` / `HTTP_PROXY` / `NO_PROXY` apply.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_config_set_proxy(cfg: *mut lk_config, url: *const c_char) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live configuration or NULL.
        let config = unsafe { config_mut(cfg) }?;
        // SAFETY: the caller passes a NUL-terminated string or NULL.
        let url = unsafe { str_arg(url, "url") }?;
        config.set_proxy(url).context("url")
    })
}

/// Trusts the CA certificates of a PEM file for the server's TLS certificate, besides the
/// operating system's trust store (which is always used). The file is read by `lk_client_new` (`LK_INVALID_ARGUMENT` there when
/// it is unreadable or holds no certificate).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_config_set_ca_file(cfg: *mut lk_config, path: *const c_char) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live configuration or NULL.
        let config = unsafe { config_mut(cfg) }?;
        // SAFETY: the caller passes a NUL-terminated string or NULL.
        let path = unsafe { str_arg(path, "path") }?;
        config.set_ca_file(path).context("path")
    })
}

/// The application's version, build and edition (each at most 64 bytes; may be empty),
/// reported to the server with the system details.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_config_set_app_version(
    cfg: *mut lk_config,
    version: *const c_char,
    build: *const c_char,
    edition: *const c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live configuration or NULL.
        let config = unsafe { config_mut(cfg) }?;
        // SAFETY: the caller passes NUL-terminated strings or NULL.
        let (version, build, edition) =
            unsafe { (str_arg(version, "version")?, str_arg(build, "build")?, str_arg(edition, "edition")?) };
        config.set_app_version(version, build, edition).context("version")
    })
}

/// Binds passive licenses to `client_id` (10 to 255 printable ASCII characters) instead of
/// this computer's ID for the product: for applications with their own notion of a machine,
/// a dongle or a user.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_config_set_client_id(cfg: *mut lk_config, client_id: *const c_char) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live configuration or NULL.
        let config = unsafe { config_mut(cfg) }?;
        // SAFETY: the caller passes a NUL-terminated string or NULL.
        let client_id = unsafe { str_arg(client_id, "client_id") }?;
        config.set_client_id(client_id).context("client_id")
    })
}
