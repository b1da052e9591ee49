//! Usage events through an `lk_client`: `lk_track_event` queues (microseconds, no network),
//! the background thread delivers; `lk_flush_events` sends now.

use std::ffi::c_char;

use super::client::lk_client;
use super::online::client_ref;
use super::{Context, guard, out_arg, str_arg};
use crate::Status;

/// Queues the usage event `name` (1 to 64 characters) with `json_payload` (any JSON value, at
/// most 4 KiB; NULL or "" for none) and returns at once: the call appends to a queue file in
/// the store directory and never waits for the network or a disk flush. A background thread
/// delivers queued events to the license server in batches, exactly once, when it is
/// reachable and this computer holds a license (activation or trial), keeping them across
/// restarts until then. `LK_INVALID_ARGUMENT` for a bad name or payload (the last error says
/// which), `LK_NO_SERVER` without a server URL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_track_event(
    client: *const lk_client,
    name: *const c_char,
    json_payload: *const c_char,
) -> Status {
    guard(|| {
        // SAFETY: the caller passes a live client (or NULL) and NUL-terminated strings (or NULL).
        let (client, name) = unsafe { (client_ref(client)?, str_arg(name, "name")?) };
        let payload = if json_payload.is_null() {
            ""
        } else {
            // SAFETY: non-NULL, and the caller guarantees a NUL-terminated string.
            unsafe { str_arg(json_payload, "json_payload") }?
        };
        client.track_event(name, payload).context("event")
    })
}

/// Sends every queued event now, on the calling thread (bounded by the timeout per batch);
/// `*sent` receives how many went (written only on success). On failure the events stay
/// queued for the background thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_flush_events(client: *const lk_client, sent: *mut u64) -> Status {
    guard(|| {
        out_arg(sent, "sent")?;
        // SAFETY: the caller passes a live client or NULL.
        let count = unsafe { client_ref(client) }?.flush_events().context("events")?;
        // SAFETY: checked for NULL above; the caller guarantees it is writable.
        unsafe { sent.write(count) };
        Ok(())
    })
}

/// The events queued and not yet delivered (`*queued`) and those dropped, oldest first,
/// because the queue was full while the server was out of reach (`*dropped`; the server is
/// told of the gap). Both written only on success.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lk_event_queue(
    client: *const lk_client,
    queued: *mut u64,
    dropped: *mut u64,
) -> Status {
    guard(|| {
        out_arg(queued, "queued")?;
        out_arg(dropped, "dropped")?;
        // SAFETY: the caller passes a live client or NULL.
        let figures = unsafe { client_ref(client) }?.event_figures().context("events")?;
        // SAFETY: checked for NULL above; the caller guarantees they are writable.
        unsafe {
            queued.write(figures.queued);
            dropped.write(figures.dropped);
        }
        Ok(())
    })
}
