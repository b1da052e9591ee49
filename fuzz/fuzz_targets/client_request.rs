//! The server's decoding of a client request (`client_api::request::decode` for every
//! operation, `decode_offline` for activation requests carried by hand), as far as it goes
//! without a database, by the server of the targets (`PROTOCOL`: the vendor key, a clock at
//! `NOW`). The first byte chooses the operation and how the rest is offered:
//!
//! - as the HTTP body, or as the offline request text, exactly as received;
//! - as the signed payload: signed here by the installation key the seeds name, so the
//!   fuzzer gets past the signature into the fields' checks (the seeds trust the vendor key,
//!   carry a fresh `client_time` and, on a refresh, the held serial).
//!
//! Whatever is accepted is what was signed, for the operation of the path, signed by the
//! key it names, trusting the server's key, with its bounds held and its handover (if any)
//! signed by the key it hands over from for this very request; the call handed to the store
//! says the same. Of a signed payload, the trust rule is checked from both sides: an accepted
//! request that stops trusting the server's key is refused as UNKNOWN_KEY, and one refused as
//! UNKNOWN_KEY that trusts it is refused for something else, if at all.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licensekit::Status;
use licensekit::protocol::client_api::{ClientRequest, KeyHandover, Operation, RequestBody};
use licensekit::protocol::{Envelope, Kind, PublicKey, from_slice_strict};
use licensekit_fuzz::{INSTALLATION, PROTOCOL, VENDOR_KEY_ID, is_lower_hex, signed};
use licensekit_server::fuzzing::{Channel, Refusal, Verified, decode, decode_offline};
use sha2::{Digest, Sha256};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let operation = Operation::ALL[usize::from(selector >> 2) % Operation::ALL.len()];
    match selector & 3 {
        0 => {
            if let Ok(verified) = decode(operation, rest, &PROTOCOL) {
                let body: RequestBody = from_slice_strict(rest).unwrap();
                check(&verified, operation, Channel::Online, &body.request, None);
            }
        }
        1 => {
            let online = |payload: &[u8]| online(operation, payload);
            let Some(verdict) = online(rest) else { return };
            if let Ok((verified, text)) = &verdict {
                check(verified, operation, Channel::Online, text, Some(rest));
            }
            trust(rest, &verdict, online);
        }
        2 => {
            let Ok(text) = std::str::from_utf8(rest) else { return };
            if let Ok(verified) = decode_offline(text, "request", &PROTOCOL) {
                check(&verified, Operation::Activate, Channel::Offline, text, None);
            }
        }
        _ => {
            let offline = |payload: &[u8]| offline(payload, selector & 4 != 0);
            let Some(verdict) = offline(rest) else { return };
            match &verdict {
                Ok((verified, text)) => {
                    check(verified, Operation::Activate, Channel::Offline, text, Some(rest))
                }
                // Signed by a key it does not name, or not a request: refused, never mistaken.
                Err(refusal) => assert!(!refusal.message.is_empty()),
            }
            trust(rest, &verdict, offline);
        }
    }
});

/// What decoding a payload signed here gives: the request accepted with the text it came in,
/// or the refusal; `None` when the payload is larger than an envelope may hold.
type Verdict = Result<(Verified, String), Refusal>;

fn online(operation: Operation, payload: &[u8]) -> Option<Verdict> {
    let request = signed(&INSTALLATION, Kind::ClientRequest, payload, false)?;
    let body = serde_json::to_vec(&RequestBody { request: request.clone() }).unwrap();
    Some(decode(operation, &body, &PROTOCOL).map(|verified| (verified, request)))
}

fn offline(payload: &[u8], armoured: bool) -> Option<Verdict> {
    let text = signed(&INSTALLATION, Kind::ActivationRequest, payload, armoured)?;
    Some(decode_offline(&text, "request", &PROTOCOL).map(|verified| (verified, text)))
}

/// The trust rule from both sides, on the same request signed again with other
/// `trusted_keys` (`again` decodes a payload as `payload` was): nothing but the server's key
/// among them decides UNKNOWN_KEY.
fn trust(payload: &[u8], verdict: &Verdict, again: impl Fn(&[u8]) -> Option<Verdict>) {
    let (mut request, trusting) = match verdict {
        Ok((verified, _)) => (verified.request.clone(), false),
        Err(refusal) if refusal.status == Status::UnknownKey => {
            (from_slice_strict::<ClientRequest>(payload).unwrap(), true)
        }
        Err(_) => return,
    };
    if trusting {
        request.trusted_keys = vec![VENDOR_KEY_ID.clone()];
    } else {
        request.trusted_keys.retain(|id| *id != *VENDOR_KEY_ID);
    }
    let Some(verdict) = again(&serde_json::to_vec(&request).unwrap()) else { return };
    match verdict {
        Ok(_) => assert!(trusting, "accepted without trusting the server's key"),
        Err(refusal) if trusting => assert_ne!(refusal.status, Status::UnknownKey, "{}", refusal.message),
        Err(refusal) => assert_eq!(refusal.status, Status::UnknownKey, "{}", refusal.message),
    }
}

/// What every accepted request must be. `payload`: the bytes signed here, when known.
fn check(verified: &Verified, operation: Operation, channel: Channel, text: &str, payload: Option<&[u8]>) {
    let Verified { call, request } = verified;
    let envelope = Envelope::parse(text.trim()).unwrap();
    let expected_kind =
        if channel == Channel::Online { Kind::ClientRequest } else { Kind::ActivationRequest };
    assert_eq!(envelope.kind(), expected_kind);
    let key = PublicKey::from_hex(&request.installation_key).unwrap();
    let signed_payload = envelope.verify_with(&key, expected_kind).unwrap();
    let from_signed: ClientRequest = from_slice_strict(signed_payload).unwrap();
    assert_eq!(&from_signed, request, "what is accepted is what was signed");
    if let Some(payload) = payload {
        assert_eq!(signed_payload, payload);
        assert_eq!(key.to_hex(), INSTALLATION.public_key().to_hex());
    }
    // The request round-trips through its own encoding.
    let again: ClientRequest = from_slice_strict(&serde_json::to_vec(request).unwrap()).unwrap();
    assert_eq!(&again, request);

    assert_eq!(request.operation, operation);
    assert_eq!((call.operation, call.channel), (operation, channel));
    assert_eq!(call.request_id, request.request_id);
    assert_eq!(call.product_id, request.product_id);
    assert_eq!(call.license_code, request.license_code);
    assert_eq!(call.computer_id, request.computer_id);
    assert_eq!(call.vm_platform, request.vm_platform);
    assert_eq!(call.nonce, request.nonce);
    assert_eq!(call.installation_key, key.to_hex());
    assert!(is_lower_hex(&call.installation_key, 64));
    assert_eq!(call.request_hash, <[u8; 32]>::from(Sha256::digest(envelope.to_compact().as_bytes())));

    let chars = |s: &str| s.chars().count();
    let clean = |s: &str| !s.chars().any(char::is_control);
    assert!((1..=64).contains(&chars(&request.product_id)) && clean(&request.product_id));
    // Printable ASCII, so bounded in bytes: the lease echoes it.
    let id = &request.computer_id;
    assert!((1..=255).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic()), "{id:?}");
    assert!(chars(&request.vm_platform) <= 64 && clean(&request.vm_platform));
    assert!(is_lower_hex(&request.request_id, 32) && is_lower_hex(&request.nonce, 32));
    match (&request.license_code, operation) {
        (Some(code), Operation::StartTrial) => panic!("a trial with license code {code:?}"),
        (Some(code), _) => assert!((1..=64).contains(&chars(code)) && clean(code)),
        (None, op) => assert!(
            !matches!(op, Operation::Activate) || request.user.is_some(),
            "an activation without a code or a user"
        ),
    }
    // A named user signs in only with an online activation, without a code, within bounds;
    // the store learns who it is only once the password is checked.
    if let Some(user) = &request.user {
        assert_eq!((operation, channel), (Operation::Activate, Channel::Online));
        assert!(request.license_code.is_none());
        assert!((1..=128).contains(&chars(&user.username)) && clean(&user.username));
        assert!((1..=256).contains(&chars(&user.password)));
    }
    assert_eq!(call.user, None);
    // Events only in an events delivery, 1 to 256 of them, each within the protocol's bounds.
    assert_eq!(request.events.is_empty(), operation != Operation::Events);
    assert_eq!(call.events.len(), request.events.len());
    assert!(request.events.len() <= 256);
    for (sent, kept) in request.events.iter().zip(&call.events) {
        assert!(licensekit::protocol::events::check(sent).is_ok());
        assert_eq!((&kept.event_id, &kept.name, kept.time), (&sent.id, &sent.name, sent.time * 1000));
    }
    // A journal only with a refresh, a deactivation or a re-activation with its handover,
    // each entry signed by the installation (or the key handing over), in order.
    assert_eq!(call.journal.len(), request.journal.len());
    if !request.journal.is_empty() {
        assert_eq!(channel, Channel::Online);
        match operation {
            Operation::Refresh | Operation::Deactivate => {}
            Operation::Activate => assert!(call.handover_from.is_some()),
            other => panic!("a journal with {other:?}"),
        }
        for pair in call.journal.windows(2) {
            assert_eq!(pair[1].entry.seq, pair[0].entry.seq + 1);
            assert_eq!(pair[1].entry.prev, pair[0].link);
        }
    }
    assert!(request.components.len() <= 64);
    assert_eq!(call.components, request.components);
    for c in &request.components {
        let name = &c.name;
        assert!((1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_graphic()), "{name:?}");
        assert!(is_lower_hex(&c.digest, 32), "{:?}", c.digest);
    }

    // It trusts the key the server signs with, among a few well-formed key IDs.
    let trusted = &request.trusted_keys;
    assert!(trusted.len() <= 32 && trusted.iter().all(|id| is_lower_hex(id, 16)), "{trusted:?}");
    assert!(trusted.contains(&VENDOR_KEY_ID), "accepted trusting only {trusted:?}");

    // The times: the client's in milliseconds, the server's from its clock, just now.
    assert_eq!(call.client_time, request.client_time.saturating_mul(1000));
    assert_eq!(call.hour, PROTOCOL.clock.hour());
    let now = PROTOCOL.clock.now();
    assert!((now - 60_000..=now).contains(&call.now), "decoded at {}, now {now}", call.now);

    // A refresh names the lease it holds; nothing else is judged by one.
    match (operation, request.held_serial) {
        (Operation::Refresh, Some(held)) => assert_eq!(call.held_serial, Some(i64::try_from(held).unwrap())),
        (Operation::Refresh, None) => panic!("a refresh without held_serial"),
        _ => assert_eq!(call.held_serial, None),
    }

    // Only an activation or trial start takes a seat over, with a handover signed by the key it
    // names as previous, made for this product, computer, installation key and nonce.
    match (&request.handover, operation) {
        (Some(text), Operation::Activate | Operation::StartTrial) => {
            let envelope = Envelope::parse(text).unwrap();
            assert_eq!(envelope.kind(), Kind::KeyHandover);
            let claimed: KeyHandover = from_slice_strict(envelope.unverified_payload()).unwrap();
            let previous = PublicKey::from_hex(&claimed.previous_installation_key).unwrap();
            let signed_handover = envelope.verify_with(&previous, Kind::KeyHandover).unwrap();
            let handover: KeyHandover = from_slice_strict(signed_handover).unwrap();
            assert_eq!(handover, claimed);
            assert_eq!(call.handover_from.as_deref(), Some(previous.to_hex().as_str()));
            assert_eq!(
                (&handover.product_id, &handover.computer_id, &handover.nonce),
                (&request.product_id, &request.computer_id, &request.nonce)
            );
            assert_eq!(PublicKey::from_hex(&handover.new_installation_key), Ok(key));
        }
        _ => assert_eq!(call.handover_from, None),
    }

    match (&request.system_details, &call.system_details) {
        (None, None) => {}
        (Some(_), Some(text)) => {
            assert!(text.len() <= 16 * 1024);
            let details: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text).unwrap();
            for field in ["version", "build", "edition", "vmplatform", "licensestatus"] {
                assert!(details.contains_key(field), "system details without {field}");
            }
        }
        (sent, recorded) => panic!("system details sent {sent:?}, recorded {recorded:?}"),
    }

    use Operation::*;
    let capacity = &call.capacity;
    match operation {
        Activate | Refresh | Deactivate | StartTrial | SystemDetails | Events => {
            assert_eq!(*capacity, Default::default());
        }
        _ => {
            assert!(request.license_code.is_some());
            assert_eq!(capacity.feature, request.feature);
            if matches!(operation, FloatingCheckout | PoolCheckout | PoolCheckin | ConsumeTokens) {
                assert!(capacity.feature.is_some());
            }
            if let Some(feature) = &capacity.feature {
                assert!((1..=64).contains(&chars(feature)) && clean(feature));
            }
            let amount = matches!(operation, PoolCheckout | PoolCheckin | ConsumeTokens);
            assert_eq!(capacity.amount.is_some(), amount);
            if let Some(n) = capacity.amount {
                assert!(n >= 1 && Some(n as u64) == request.amount);
            }
            let seat =
                matches!(operation, FloatingHeartbeat | FloatingCheckin | SessionHeartbeat | SessionClose);
            assert_eq!(capacity.seat_id.is_some(), seat);
            if let Some(id) = &capacity.seat_id {
                assert!(is_lower_hex(id, 32) && Some(id) == request.seat_id.as_ref());
            }
            if capacity.checkout_days.is_some() {
                assert_eq!(operation, FloatingCheckout);
            }
            assert_eq!(capacity.checkout_days, request.checkout_days.map(i64::from));
        }
    }
}
