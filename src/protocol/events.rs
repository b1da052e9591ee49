//! Usage events: what an application reports of its own use (`lk_track_event`), queued on the
//! computer and posted to licensekit-server in batches by the background thread, signed by
//! the installation key (the server takes events only from installations it licensed).
//!
//! Delivery is exactly once: every event carries a random ID the server keeps, so a batch
//! sent again (its answer lost, or the process killed before it noted the delivery) adds
//! nothing. The bounds here are checked on both sides, so a queue the client accepted is a
//! queue the server takes.

use serde::{Deserialize, Serialize};

/// Posts a batch of events.
pub const PATH_EVENTS: &str = "/client/v1/events";

/// Longest event name, in characters.
pub const MAX_NAME: usize = 64;
/// Largest payload of one event, as compact JSON.
pub const MAX_PAYLOAD: usize = 4 * 1024;
/// Most events in one batch.
pub const MAX_BATCH_EVENTS: usize = 256;
/// Largest batch, as the compact JSON of its events: with the rest of the request well inside
/// an envelope's 48 KiB payload.
pub const MAX_BATCH_BYTES: usize = 32 * 1024;

/// The name of the event the queue adds when it had to drop its oldest events (the queue was
/// full while the server was out of reach), with `{"count": n}`: the vendor learns of the gap.
pub const DROPPED_EVENT: &str = "licensekit.events-dropped";

/// One usage event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// 32 lower-case hex characters from the OS random source: the server counts an event
    /// once per ID.
    pub id: String,
    /// The application's name for what happened (`"export-pdf"`).
    pub name: String,
    /// When it happened by the computer's clock (Unix seconds).
    pub time: i64,
    /// The application's data (any JSON value), at most [`MAX_PAYLOAD`] bytes compact.
    pub payload: serde_json::Value,
}

/// Checks an event name: 1 to [`MAX_NAME`] characters, none of them a control character.
pub fn check_name(name: &str) -> Result<(), String> {
    if !super::is_short_text(name, MAX_NAME) {
        return Err(format!("event name: expected 1 to {MAX_NAME} characters, no control characters"));
    }
    Ok(())
}

/// Checks an event's fields against the protocol's bounds; the message names the field.
pub fn check(event: &Event) -> Result<(), String> {
    if !super::is_lower_hex(&event.id, 32) {
        return Err("event id: expected 32 lower-case hex characters".into());
    }
    check_name(&event.name)?;
    // Four-digit years, so the time prints in the Web API's dates.
    if !(0..=253_402_300_799).contains(&event.time) {
        return Err("event time: expected Unix seconds between 1970 and 9999".into());
    }
    if payload_len(&event.payload) > MAX_PAYLOAD {
        return Err(format!("event payload: at most {MAX_PAYLOAD} bytes of JSON"));
    }
    Ok(())
}

/// The length of a payload's compact JSON.
pub fn payload_len(payload: &serde_json::Value) -> usize {
    serde_json::to_vec(payload).map_or(usize::MAX, |v| v.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: &str, payload: serde_json::Value) -> Event {
        Event {
            id: "0123456789abcdef0123456789abcdef".into(),
            name: name.into(),
            time: 1_700_000_000,
            payload,
        }
    }

    #[test]
    fn bounds_are_checked_field_by_field() {
        assert_eq!(check(&event("export-pdf", serde_json::json!({"pages": 3}))), Ok(()));
        assert!(check(&event("", serde_json::Value::Null)).unwrap_err().starts_with("event name"));
        assert!(check(&event("a\nb", serde_json::Value::Null)).unwrap_err().starts_with("event name"));
        assert!(check(&event(&"é".repeat(MAX_NAME), serde_json::Value::Null)).is_ok());
        assert!(check(&event(&"e".repeat(MAX_NAME + 1), serde_json::Value::Null)).is_err());
        let big = serde_json::Value::String("x".repeat(MAX_PAYLOAD));
        assert!(check(&event("big", big)).unwrap_err().starts_with("event payload"));
        let mut bad = event("t", serde_json::Value::Null);
        bad.id = "0123456789ABCDEF0123456789abcdef".into();
        assert!(check(&bad).unwrap_err().starts_with("event id"));
        bad = event("t", serde_json::Value::Null);
        bad.time = -1;
        assert!(check(&bad).unwrap_err().starts_with("event time"));
    }
}
