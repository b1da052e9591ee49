//! A workstation's request to the daemon, checked as licensekit-server checks its own: an
//! envelope signed by the installation key it names, for this product and operation, made
//! just now by the workstation's clock, every field bounded.

use super::Refusal;
use crate::Status;
use crate::protocol::client_api::{
    CLIENT_AHEAD_SECS, ClientRequest, FUTURE_TOLERANCE_SECS, Operation, RequestBody,
};
use crate::protocol::{Envelope, Kind, PublicKey, from_slice_strict};

/// The largest request body: an envelope is at most 96 KiB of text.
pub const MAX_BODY: usize = 128 * 1024;

fn refuse(status: Status, message: impl Into<String>) -> Refusal {
    Refusal { status, message: message.into() }
}

fn malformed(message: impl Into<String>) -> Refusal {
    refuse(Status::MalformedPayload, message)
}

/// The verified request in `body`, posted for `operation`.
pub(super) fn verify(
    body: &[u8],
    operation: Operation,
    product_id: &str,
    now: i64,
) -> Result<ClientRequest, Refusal> {
    if body.len() > MAX_BODY {
        return Err(refuse(Status::EnvelopeTooLarge, format!("the request is larger than {MAX_BODY} bytes")));
    }
    let body: RequestBody = from_slice_strict(body)
        .map_err(|_| malformed("expected {\"request\": <compact client-request envelope>}"))?;
    let envelope =
        Envelope::parse(&body.request).map_err(|s| refuse(s, "request: not a licensekit envelope"))?;
    if envelope.kind() != Kind::ClientRequest {
        return Err(refuse(Status::WrongKind, "request: expected a client-request envelope"));
    }
    let claimed: ClientRequest = from_slice_strict(envelope.unverified_payload())
        .map_err(|_| malformed("request: not a client request"))?;
    let key = PublicKey::from_hex(&claimed.installation_key)
        .map_err(|_| malformed("installation_key: expected an Ed25519 public key in 64 hex characters"))?;
    envelope
        .verify_with(&key, Kind::ClientRequest)
        .map_err(|_| refuse(Status::BadSignature, "request: not signed by the installation key it names"))?;
    let request = claimed;
    if request.operation != operation {
        return Err(malformed(format!(
            "operation: posted to {}, but the request is for another",
            operation.path()
        )));
    }
    if request.product_id != product_id {
        return Err(refuse(
            Status::WrongProduct,
            format!("this LAN daemon serves product {product_id}, not {}", request.product_id),
        ));
    }
    let skew = request.client_time.saturating_sub(now);
    if !(-FUTURE_TOLERANCE_SECS..=CLIENT_AHEAD_SECS).contains(&skew) {
        return Err(refuse(
            Status::ClockSkew,
            format!("client_time: this computer's clock is {skew} s off the LAN daemon's; set both right"),
        ));
    }
    text("computer_id", &request.computer_id, 1, 256)?;
    hex32("nonce", &request.nonce)?;
    hex32("request_id", &request.request_id)?;
    use Operation::*;
    let (seat, feature, amount) = match operation {
        NetworkCheckout => (Need::No, false, false),
        NetworkHeartbeat | NetworkCheckin => (Need::Yes, false, false),
        FloatingCheckout => (Need::Maybe, true, false),
        FloatingHeartbeat | FloatingCheckin => (Need::Yes, true, false),
        PoolCheckout | PoolCheckin => (Need::No, true, true),
        _ => return Err(malformed(format!("{}: not served by a LAN daemon", operation.path()))),
    };
    match (&request.seat_id, seat) {
        (Some(id), Need::Yes | Need::Maybe) => hex32("seat_id", id)?,
        (None, Need::Yes) => return Err(malformed("seat_id: required")),
        (Some(_), Need::No) => return Err(malformed("seat_id: this operation names no seat")),
        (None, _) => {}
    }
    match &request.feature {
        Some(code) if feature => text("feature", code, 1, 64)?,
        None if feature => return Err(malformed("feature: required")),
        Some(_) => return Err(malformed("feature: this operation names no feature")),
        None => {}
    }
    match request.amount {
        Some(n) if amount && (1..=u64::from(u32::MAX)).contains(&n) => {}
        None if !amount => {}
        _ if amount => return Err(malformed(format!("amount: expected 1 to {}", u32::MAX))),
        _ => return Err(malformed("amount: only pool operations have one")),
    }
    if request.checkout_days.is_some() && !matches!(operation, NetworkCheckout | FloatingCheckout) {
        return Err(malformed("checkout_days: only a check-out borrows"));
    }
    if request.network_daemon {
        return Err(malformed("network_daemon: a daemon does not take seats from another"));
    }
    Ok(request)
}

/// Whether an operation names a seat.
#[derive(Clone, Copy)]
enum Need {
    Yes,
    Maybe,
    No,
}

/// A system detail the workstation sent (host name, user), bounded for the seat table.
pub(super) fn detail(request: &ClientRequest, name: &str) -> String {
    let value = request.system_details.as_ref().and_then(|d| d.get(name)).and_then(|v| v.as_str());
    value.unwrap_or_default().chars().filter(|c| !c.is_control()).take(128).collect()
}

fn text(field: &str, value: &str, min: usize, max: usize) -> Result<(), Refusal> {
    let length = value.chars().count();
    if length < min || length > max || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(malformed(format!("{field}: expected {min} to {max} printable ASCII characters")));
    }
    Ok(())
}

fn hex32(field: &str, value: &str) -> Result<(), Refusal> {
    if !crate::protocol::is_lower_hex(value, 32) {
        return Err(malformed(format!("{field}: expected 32 lower-case hex characters")));
    }
    Ok(())
}
