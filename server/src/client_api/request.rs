//! Decoding a client request: the body, the envelope, proof that the installation key in
//! the request signed it, that the application trusts the key this server signs with, the
//! key handover it may carry, and the fields' bounds. Everything wrong is a [`Refusal`],
//! before the store records anything.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use licensekit::Status;
use licensekit::protocol::client_api::{
    ClientRequest, KeyHandover, MAX_PASSWORD, MAX_USERNAME, Operation, RequestBody,
};
use licensekit::protocol::events::{self, MAX_BATCH_BYTES, MAX_BATCH_EVENTS};
use licensekit::protocol::journal;
use licensekit::protocol::network::SeatInUse;
use licensekit::protocol::{Envelope, KeyId, Kind, PublicKey, from_slice_strict};
use sha2::{Digest, Sha256};

use super::ClientProtocol;
use crate::api::MAX_COMPUTER_ID;
use crate::store::leasing::{Capacity, Channel, ClientCall, Refusal};
use crate::store::model::{ClientEvent, LanSeat};

/// Most component digests a request may carry.
const MAX_COMPONENTS: usize = 64;
/// Largest system-details object accepted, as compact JSON.
const MAX_SYSTEM_DETAILS: usize = 16 * 1024;
/// Most trusted key IDs a request may name (an application trusts a few keys at once while
/// the vendor rotates them).
const MAX_TRUSTED_KEYS: usize = 32;
/// Most seats a LAN daemon's refresh may report. A request's envelope holds at most 48 KiB
/// of payload, which already stops a report at a few hundred seats; this bounds the rows
/// one report writes whatever that limit becomes.
const MAX_SEATS_IN_USE: usize = 10_000;
/// The latest time a reported seat may name (9999-12-31T23:59:59 UTC, Unix seconds): dates
/// stay in the Web API's four-digit years, and milliseconds never overflow.
const MAX_SEAT_TIME: i64 = 253_402_300_799;

/// A verified request: what the store needs, and what the lease echoes.
#[derive(Debug)]
pub struct Verified {
    pub call: ClientCall,
    pub request: ClientRequest,
}

fn malformed(message: impl Into<String>) -> Refusal {
    Refusal::new(Status::MalformedPayload, message)
}

/// The payload of an envelope before verification: only to learn which key to verify with.
/// `field` names the request field the envelope came in, for the message.
pub fn unverified_payload(envelope: &Envelope, field: &str) -> Result<Vec<u8>, Refusal> {
    let compact = envelope.to_compact();
    let payload = compact.split('.').nth(3).unwrap_or_default();
    URL_SAFE_NO_PAD.decode(payload).map_err(|_| {
        Refusal::new(Status::MalformedEnvelope, format!("{field}: the payload is not base64url"))
    })
}

/// Decodes and verifies a request posted to `operation`'s path.
pub fn decode(operation: Operation, body: &[u8], protocol: &ClientProtocol) -> Result<Verified, Refusal> {
    let body: RequestBody = from_slice_strict(body)
        .map_err(|_| malformed(r#"body: expected {"request": "<client-request envelope>"}"#))?;
    verify(&body.request, "request", Kind::ClientRequest, operation, Channel::Online, protocol)
}

/// Decodes and verifies an offline activation request (armoured or compact text, carried in
/// the request field `field`): an `activation-request` envelope holding an activation,
/// signed by the key it names.
pub fn decode_offline(text: &str, field: &str, protocol: &ClientProtocol) -> Result<Verified, Refusal> {
    verify(text.trim(), field, Kind::ActivationRequest, Operation::Activate, Channel::Offline, protocol)
}

/// The request in the envelope `text` of `kind`, proven to be signed by the installation
/// key it names, with its fields' bounds checked.
fn verify(
    text: &str,
    field: &str,
    kind: Kind,
    operation: Operation,
    channel: Channel,
    protocol: &ClientProtocol,
) -> Result<Verified, Refusal> {
    let envelope = Envelope::parse(text)
        .map_err(|status| Refusal::new(status, format!("{field}: not a licensekit envelope")))?;
    if envelope.kind() != kind {
        return Err(Refusal::new(
            Status::WrongKind,
            format!("{field}: expected a {} envelope", kind.as_str()),
        ));
    }
    // The key that signed the request is the installation key the request names: at
    // activation that proves possession of a new key; later the store checks it is the
    // recorded one.
    let claimed: ClientRequest = from_slice_strict(&unverified_payload(&envelope, field)?)
        .map_err(|_| malformed(format!("{field}: the payload is not a client request")))?;
    let key = PublicKey::from_hex(&claimed.installation_key)
        .map_err(|_| malformed("installation_key: expected an Ed25519 public key in 64 hex characters"))?;
    let payload = envelope.verify_with(&key, kind).map_err(|_| {
        Refusal::new(Status::BadSignature, format!("{field}: not signed by the installation key it names"))
    })?;
    let request: ClientRequest = from_slice_strict(payload)
        .map_err(|_| malformed(format!("{field}: the payload is not a client request")))?;
    if request.operation != operation {
        return Err(malformed(match channel {
            Channel::Online => {
                format!("operation: a {:?} request posted to {}", request.operation, operation.path())
            }
            Channel::Offline => {
                format!("operation: an offline request must activate, not {:?}", request.operation)
            }
        }));
    }
    trusts(&request, &protocol.key.public_key())?;
    let system_details = check(&request, operation)?;
    let capacity = capacity(&request, operation)?;
    let seats_in_use = network(&request, operation)?;
    let events = events(&request, operation)?;
    user(&request, operation, channel)?;
    // Only a refresh is judged by the lease it holds; elsewhere the field means nothing.
    let held_serial = match (request.held_serial, operation) {
        (Some(serial), Operation::Refresh) => {
            Some(i64::try_from(serial).map_err(|_| malformed(format!("held_serial: at most {}", i64::MAX)))?)
        }
        (None, Operation::Refresh) => {
            return Err(malformed(
                "held_serial: required on a refresh: the serial of the lease this installation holds",
            ));
        }
        _ => None,
    };
    // Only an activation or trial start takes a seat over; elsewhere the field means nothing.
    let handover_from = match operation {
        Operation::Activate | Operation::StartTrial => handover(&request, &key.to_hex())?,
        _ => None,
    };
    let journal = journal(&request, operation, channel, &key, handover_from.as_deref())?;
    let clock = protocol.clock;
    let call = ClientCall {
        operation,
        channel,
        request_id: request.request_id.clone(),
        request_hash: Sha256::digest(envelope.to_compact().as_bytes()).into(),
        product_id: request.product_id.clone(),
        license_code: request.license_code.clone(),
        computer_id: request.computer_id.clone(),
        installation_key: key.to_hex(),
        components: request.components.clone(),
        handover_from,
        held_serial,
        client_time: request.client_time.saturating_mul(1000),
        vm_platform: request.vm_platform.clone(),
        nonce: request.nonce.clone(),
        system_details,
        now: clock.now(),
        hour: clock.hour(),
        capacity,
        network_daemon: request.network_daemon,
        seats_in_use,
        events,
        user: None,
        journal,
    };
    Ok(Verified { call, request })
}

/// The offline usage journal a refresh or deactivation carries, or a re-activation with the
/// handover from the key that signed its entries: each entry signed by that installation
/// key, in order among themselves (the store joins them to what it counted before).
fn journal(
    r: &ClientRequest,
    operation: Operation,
    channel: Channel,
    key: &PublicKey,
    handover_from: Option<&str>,
) -> Result<Vec<journal::Verified>, Refusal> {
    if r.journal.is_empty() {
        return Ok(Vec::new());
    }
    let signer = match (operation, channel, handover_from) {
        (Operation::Refresh | Operation::Deactivate, Channel::Online, _) => *key,
        (Operation::Activate, Channel::Online, Some(previous)) => PublicKey::from_hex(previous)
            .map_err(|_| malformed("handover: previous_installation_key: not a key"))?,
        _ => {
            return Err(malformed(
                "journal: only a refresh, a deactivation or a re-activation with its handover carries one",
            ));
        }
    };
    journal::verify(&r.journal, &signer).map_err(|m| Refusal::new(Status::JournalRefused, m))
}

/// A named user's sign-in: only on an online activation (an offline request is a file that
/// travels: it must not hold a password), with a username and password within bounds.
fn user(r: &ClientRequest, operation: Operation, channel: Channel) -> Result<(), Refusal> {
    let Some(user) = &r.user else { return Ok(()) };
    if operation != Operation::Activate || channel != Channel::Online {
        return Err(malformed("user: only an online activation signs a user in"));
    }
    text("user: username", &user.username, 1, MAX_USERNAME)?;
    if user.password.is_empty() || user.password.chars().count() > MAX_PASSWORD {
        return Err(malformed(format!("user: password: expected 1 to {MAX_PASSWORD} characters")));
    }
    Ok(())
}

/// The events of an events delivery, checked as the client checked them: 1 to
/// `MAX_BATCH_EVENTS` of them, within the batch's bytes; no other operation carries any.
fn events(r: &ClientRequest, operation: Operation) -> Result<Vec<ClientEvent>, Refusal> {
    if operation != Operation::Events {
        if !r.events.is_empty() {
            return Err(malformed("events: only an events delivery carries events"));
        }
        return Ok(Vec::new());
    }
    if r.events.is_empty() || r.events.len() > MAX_BATCH_EVENTS {
        return Err(malformed(format!("events: expected 1 to {MAX_BATCH_EVENTS} events")));
    }
    let mut bytes = 0;
    r.events
        .iter()
        .map(|event| {
            events::check(event).map_err(malformed)?;
            let payload = if event.payload.is_null() { String::new() } else { event.payload.to_string() };
            bytes += payload.len() + event.name.len() + event.id.len();
            if bytes > MAX_BATCH_BYTES {
                return Err(malformed(format!("events: at most {MAX_BATCH_BYTES} bytes in one batch")));
            }
            Ok(ClientEvent {
                event_id: event.id.clone(),
                name: event.name.clone(),
                time: event.time.saturating_mul(1000),
                payload,
            })
        })
        .collect()
}

/// Refuses a request from an application that does not trust the key this server signs
/// with: it would refuse the lease, after its seat was taken.
fn trusts(r: &ClientRequest, server: &PublicKey) -> Result<(), Refusal> {
    if r.trusted_keys.len() > MAX_TRUSTED_KEYS
        || r.trusted_keys.iter().any(|id| KeyId::from_hex(id).is_none())
    {
        return Err(malformed(format!(
            "trusted_keys: expected at most {MAX_TRUSTED_KEYS} key IDs of 16 lower-case hex characters"
        )));
    }
    let ours = server.id().to_hex();
    if r.trusted_keys.contains(&ours) {
        return Ok(());
    }
    let trusted = if r.trusted_keys.is_empty() { "no key".to_owned() } else { r.trusted_keys.join(", ") };
    Err(Refusal::new(
        Status::UnknownKey,
        format!(
            "trusted_keys: the server signs with key {ours}; this application trusts {trusted}: configure \
             the application with this server's public key (licensekit-server public-key prints it), or \
             point it at the server whose key it trusts"
        ),
    ))
}

/// The previous installation key a request's `handover` hands the seat over from: a
/// `key-handover` envelope signed by the key it names as previous, handing over to this
/// request's `installation_key`, for this product, computer and nonce (so it is good for
/// this one request). The store checks that key is the one it recorded. A handover that is
/// present but not valid refuses the request: it is a client's bug or a forgery.
fn handover(r: &ClientRequest, installation_key: &str) -> Result<Option<String>, Refusal> {
    let Some(text) = &r.handover else { return Ok(None) };
    let envelope = Envelope::parse(text)
        .map_err(|status| Refusal::new(status, "handover: not a licensekit envelope"))?;
    if envelope.kind() != Kind::KeyHandover {
        return Err(Refusal::new(Status::WrongKind, "handover: expected a key-handover envelope"));
    }
    let not_handover = || malformed("handover: the payload is not a key handover");
    let claimed: KeyHandover =
        from_slice_strict(envelope.unverified_payload()).map_err(|_| not_handover())?;
    let previous = PublicKey::from_hex(&claimed.previous_installation_key).map_err(|_| {
        malformed("handover: previous_installation_key: expected an Ed25519 public key in 64 hex characters")
    })?;
    let payload = envelope.verify_with(&previous, Kind::KeyHandover).map_err(|_| {
        Refusal::new(Status::BadSignature, "handover: not signed by the previous installation key it names")
    })?;
    let handover: KeyHandover = from_slice_strict(payload).map_err(|_| not_handover())?;
    let new_key = PublicKey::from_hex(&handover.new_installation_key).ok().map(|k| k.to_hex());
    let mismatch = if handover.product_id != r.product_id {
        "product_id"
    } else if handover.computer_id != r.computer_id {
        "computer_id"
    } else if new_key.as_deref() != Some(installation_key) {
        "new_installation_key"
    } else if handover.nonce != r.nonce {
        "nonce"
    } else {
        return Ok(Some(previous.to_hex()));
    };
    Err(Refusal::new(
        Status::MismatchedLease,
        format!("handover: {mismatch}: the handover was made for another request; make it for this one"),
    ))
}

fn text(field: &str, value: &str, min: usize, max: usize) -> Result<(), Refusal> {
    let length = value.chars().count();
    if length < min || length > max || value.chars().any(char::is_control) {
        return Err(malformed(format!("{field}: expected {min} to {max} characters, no control characters")));
    }
    Ok(())
}

fn hex32(field: &str, value: &str) -> Result<(), Refusal> {
    if !licensekit::protocol::is_lower_hex(value, 32) {
        return Err(malformed(format!("{field}: expected 32 lower-case hex characters")));
    }
    Ok(())
}

/// The shared-capacity fields an operation needs, checked: a license code, the feature
/// (check-outs, pools, tokens; optional for heartbeats and check-ins, where the seat says
/// which), an amount of at least 1 (pools, tokens), a seat ID (heartbeats, check-ins, closes),
/// and `checkout_days` only on a floating check-out. Empty for the other operations.
fn capacity(r: &ClientRequest, operation: Operation) -> Result<Capacity, Refusal> {
    use Operation::*;
    let (feature, amount, seat) = match operation {
        FloatingCheckout => (true, false, false),
        PoolCheckout | PoolCheckin | ConsumeTokens => (true, true, false),
        FloatingHeartbeat | FloatingCheckin | SessionHeartbeat | SessionClose => (false, false, true),
        SessionOpen => (false, false, false),
        Activate | Refresh | Deactivate | StartTrial | SystemDetails | Events => {
            return Ok(Capacity::default());
        }
        NetworkCheckout | NetworkHeartbeat | NetworkCheckin => {
            return Err(malformed("operation: network seats are served by the site's LAN daemon"));
        }
    };
    if r.license_code.is_none() {
        return Err(malformed("license_code: required for shared capacity"));
    }
    if feature && r.feature.is_none() {
        return Err(malformed("feature: required"));
    }
    if let Some(code) = &r.feature {
        text("feature", code, 1, 64)?;
    }
    let amount = match r.amount {
        Some(n) if amount => Some(
            i64::try_from(n)
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| malformed(format!("amount: expected 1 to {}", i64::MAX)))?,
        ),
        None if amount => return Err(malformed("amount: required")),
        _ => None,
    };
    let seat_id = match &r.seat_id {
        Some(id) if seat => {
            hex32("seat_id", id)?;
            Some(id.clone())
        }
        None if seat => return Err(malformed("seat_id: required")),
        _ => None,
    };
    let checkout_days = match r.checkout_days {
        Some(_) if operation != FloatingCheckout => {
            return Err(malformed("checkout_days: only a floating check-out is long-term"));
        }
        days => days.map(i64::from),
    };
    Ok(Capacity { feature: r.feature.clone(), amount, seat_id, checkout_days })
}

/// The LAN daemon fields, checked: `network_daemon` names a license code's daemon (never a
/// trial's), and only a daemon's refresh reports `seats_in_use`, each seat's fields bounded
/// like the request's own and no seat named twice. Returns the report to record (times in
/// milliseconds).
fn network(r: &ClientRequest, operation: Operation) -> Result<Vec<LanSeat>, Refusal> {
    let trial = match operation {
        Operation::StartTrial => true,
        Operation::Refresh => r.license_code.is_none(),
        _ => false,
    };
    if r.network_daemon && trial {
        return Err(malformed(
            "network_daemon: a trial has no network master license: a LAN daemon activates a license code",
        ));
    }
    if r.seats_in_use.is_empty() {
        return Ok(Vec::new());
    }
    if !r.network_daemon || operation != Operation::Refresh {
        return Err(malformed(
            "seats_in_use: only a LAN daemon's refresh (network_daemon) reports seats in use",
        ));
    }
    if r.seats_in_use.len() > MAX_SEATS_IN_USE {
        return Err(malformed(format!("seats_in_use: at most {MAX_SEATS_IN_USE} seats")));
    }
    let mut seen = std::collections::HashSet::with_capacity(r.seats_in_use.len());
    r.seats_in_use
        .iter()
        .enumerate()
        .map(|(i, seat)| {
            let at = |e: Refusal| malformed(format!("seats_in_use[{i}]: {}", e.message));
            let lan_seat = reported_seat(seat).map_err(at)?;
            if !seen.insert(seat.seat_id.as_str()) {
                return Err(malformed(format!("seats_in_use[{i}]: seat_id: {} given twice", seat.seat_id)));
            }
            Ok(lan_seat)
        })
        .collect()
}

/// One reported seat, its fields checked: a seat ID and a computer ID as requests name them,
/// host name and user up to 255 characters, and `since` ≤ `expires` within
/// [0, `MAX_SEAT_TIME`].
fn reported_seat(seat: &SeatInUse) -> Result<LanSeat, Refusal> {
    text("seat_id", &seat.seat_id, 1, 64)?;
    text("computer_id", &seat.computer_id, 1, MAX_COMPUTER_ID)?;
    if !seat.computer_id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(malformed("computer_id: expected printable ASCII characters"));
    }
    text("hostname", &seat.hostname, 0, 255)?;
    text("user", &seat.user, 0, 255)?;
    if !(0..=MAX_SEAT_TIME).contains(&seat.since) || !(seat.since..=MAX_SEAT_TIME).contains(&seat.expires) {
        return Err(malformed(format!(
            "since, expires: expected Unix seconds, 0 <= since <= expires <= {MAX_SEAT_TIME}"
        )));
    }
    Ok(LanSeat {
        seat_id: seat.seat_id.clone(),
        computer_id: seat.computer_id.clone(),
        hostname: seat.hostname.clone(),
        user: seat.user.clone(),
        since: seat.since * 1000,
        expires: seat.expires * 1000,
        borrowed: seat.borrowed,
    })
}

/// Checks the fields' bounds; returns the system details to record (with the app's version,
/// build and edition, and the VM platform, under the seed's names).
fn check(r: &ClientRequest, operation: Operation) -> Result<Option<String>, Refusal> {
    text("product_id", &r.product_id, 1, 64)?;
    text("computer_id", &r.computer_id, 1, MAX_COMPUTER_ID)?;
    if !r.computer_id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(malformed("computer_id: expected printable ASCII characters"));
    }
    text("vm_platform", &r.vm_platform, 0, 64)?;
    hex32("request_id", &r.request_id)?;
    hex32("nonce", &r.nonce)?;
    match (&r.license_code, operation) {
        (Some(_), Operation::Activate) if r.user.is_some() => {
            return Err(malformed(
                "license_code: a named user's activation names no code: the user's group holds it",
            ));
        }
        (Some(code), _) => text("license_code", code, 1, 64)?,
        (None, Operation::Activate) if r.user.is_some() => {}
        (None, Operation::Activate) => return Err(malformed("license_code: required to activate")),
        (None, _) => {}
    }
    if operation == Operation::StartTrial && r.license_code.is_some() {
        return Err(malformed("license_code: a trial has none"));
    }
    if r.components.len() > MAX_COMPONENTS {
        return Err(malformed(format!("components: at most {MAX_COMPONENTS}")));
    }
    // Bounded in bytes, not only in characters: the lease echoes them, and must stay well
    // under the envelope's payload limit however the fields are filled.
    for c in &r.components {
        if c.name.is_empty() || c.name.len() > 64 || !c.name.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(malformed("components: name: expected 1 to 64 printable ASCII characters"));
        }
        hex32("components: digest", &c.digest)?;
    }
    text("app: version", &r.app.version, 0, 64)?;
    text("app: build", &r.app.build, 0, 64)?;
    text("app: edition", &r.app.edition, 0, 64)?;
    let Some(details) = &r.system_details else { return Ok(None) };
    let mut details = details.clone();
    for (name, value) in [("version", &r.app.version), ("build", &r.app.build), ("edition", &r.app.edition)] {
        if !value.is_empty() || !details.contains_key(name) {
            details.insert(name.into(), value.clone().into());
        }
    }
    details.entry("vmplatform").or_insert_with(|| r.vm_platform.clone().into());
    let status = if operation == Operation::StartTrial { "In Trial" } else { "Activated" };
    details.entry("licensestatus").or_insert_with(|| status.into());
    let text = serde_json::Value::Object(details).to_string();
    if text.len() > MAX_SYSTEM_DETAILS {
        return Err(malformed(format!("system_details: larger than {MAX_SYSTEM_DETAILS} bytes")));
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;
    use licensekit::protocol::client_api::AppInfo;

    fn daemon_refresh(seats: Vec<SeatInUse>) -> ClientRequest {
        ClientRequest {
            operation: Operation::Refresh,
            product_id: "1".into(),
            license_code: Some("2".into()),
            computer_id: "C".into(),
            components: Vec::new(),
            installation_key: String::new(),
            request_id: String::new(),
            nonce: String::new(),
            client_time: 0,
            vm_platform: String::new(),
            system_details: None,
            app: AppInfo::default(),
            feature: None,
            amount: None,
            seat_id: None,
            checkout_days: None,
            trusted_keys: Vec::new(),
            held_serial: Some(1),
            handover: None,
            network_daemon: true,
            seats_in_use: seats,
            events: Vec::new(),
            user: None,
            journal: Vec::new(),
        }
    }

    fn event(n: usize, payload: usize) -> events::Event {
        events::Event {
            id: format!("{n:032x}"),
            name: "export".into(),
            time: 1_700_000_000,
            payload: serde_json::Value::String("p".repeat(payload)),
        }
    }

    #[test]
    fn an_events_batch_is_bounded_and_only_an_events_delivery_carries_one() {
        let mut r = daemon_refresh(Vec::new());
        r.events = vec![event(1, 10)];
        assert!(events(&r, Operation::Refresh).unwrap_err().message.starts_with("events: only"));
        let batch = events(&r, Operation::Events).unwrap();
        assert_eq!(batch[0].time, 1_700_000_000_000, "milliseconds, as the store keeps times");
        assert_eq!(batch[0].payload, format!("\"{}\"", "p".repeat(10)));
        r.events.clear();
        assert!(events(&r, Operation::Events).is_err(), "an empty batch");
        r.events = (0..=MAX_BATCH_EVENTS).map(|n| event(n, 1)).collect();
        assert!(events(&r, Operation::Events).is_err(), "too many events");
        r.events = (0..10).map(|n| event(n, 4000)).collect();
        assert!(events(&r, Operation::Events).unwrap_err().message.contains("bytes in one batch"));
        r.events = vec![event(1, 10)];
        r.events[0].name = String::new();
        assert!(events(&r, Operation::Events).unwrap_err().message.starts_with("event name"));
    }

    fn seat(n: usize) -> SeatInUse {
        SeatInUse {
            seat_id: format!("s{n}"),
            computer_id: format!("C{n}"),
            hostname: "cad-7".into(),
            user: "ana".into(),
            since: 10,
            expires: 20,
            borrowed: false,
        }
    }

    /// The count bound cannot be reached through a signed request (the envelope's payload
    /// limit stops it first), so it is checked here.
    #[test]
    fn a_report_is_bounded() {
        let most: Vec<_> = (0..MAX_SEATS_IN_USE).map(seat).collect();
        let report = network(&daemon_refresh(most.clone()), Operation::Refresh).unwrap();
        assert_eq!((report.len(), report[0].since, report[0].expires), (MAX_SEATS_IN_USE, 10_000, 20_000));
        let mut too_many = most;
        too_many.push(seat(MAX_SEATS_IN_USE));
        let refused = network(&daemon_refresh(too_many), Operation::Refresh).unwrap_err();
        assert_eq!(refused.status, Status::MalformedPayload);
        assert!(refused.message.contains("at most 10000"), "{}", refused.message);
        let twice = network(&daemon_refresh(vec![seat(1), seat(1)]), Operation::Refresh).unwrap_err();
        assert_eq!(twice.message, "seats_in_use[1]: seat_id: s1 given twice");
        let backwards = SeatInUse { since: 30, ..seat(1) };
        let refused = network(&daemon_refresh(vec![backwards]), Operation::Refresh).unwrap_err();
        assert!(refused.message.starts_with("seats_in_use[0]: since, expires"), "{}", refused.message);
    }
}
