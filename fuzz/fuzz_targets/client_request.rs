//! The server's decoding of a client request (`client_api::request::decode` for every
//! operation, `decode_offline` for activation requests carried by hand), as far as it goes
//! without a database. The first byte chooses the operation and how the rest is offered:
//!
//! - as the HTTP body, or as the offline request text, exactly as received;
//! - as the signed payload: signed here by the installation key the seeds name, so the
//!   fuzzer gets past the signature into the fields' checks.
//!
//! Whatever is accepted is what was signed, for the operation of the path, signed by the
//! key it names, with its bounds held; the call handed to the store says the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licensekit::protocol::client_api::{ClientRequest, Operation, RequestBody};
use licensekit::protocol::{Envelope, Kind, MAX_PAYLOAD, PublicKey, from_slice_strict};
use licensekit_fuzz::{INSTALLATION, is_lower_hex, signed};
use licensekit_server::fuzzing::{Channel, Clock, Verified, decode, decode_offline};
use sha2::{Digest, Sha256};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let operation = Operation::ALL[usize::from(selector >> 2) % Operation::ALL.len()];
    let clock = Clock::default();
    match selector & 3 {
        0 => {
            let result = decode(operation, rest, &clock);
            if let Ok(verified) = result {
                let body: RequestBody = from_slice_strict(rest).unwrap();
                check(&verified, operation, Channel::Online, &body.request, None);
            }
        }
        1 => {
            if rest.len() > MAX_PAYLOAD {
                return;
            }
            let request = signed(&INSTALLATION, Kind::ClientRequest, rest, false).unwrap();
            let body = serde_json::to_vec(&RequestBody { request: request.clone() }).unwrap();
            if let Ok(verified) = decode(operation, &body, &clock) {
                check(&verified, operation, Channel::Online, &request, Some(rest));
            }
        }
        2 => {
            let Ok(text) = std::str::from_utf8(rest) else { return };
            if let Ok(verified) = decode_offline(text, "request", &clock) {
                check(&verified, Operation::Activate, Channel::Offline, text, None);
            }
        }
        _ => {
            if rest.len() > MAX_PAYLOAD {
                return;
            }
            let text = signed(&INSTALLATION, Kind::ActivationRequest, rest, selector & 4 != 0).unwrap();
            match decode_offline(&text, "request", &clock) {
                Ok(verified) => check(&verified, Operation::Activate, Channel::Offline, &text, Some(rest)),
                // Signed by a key it does not name, or not a request: refused, never mistaken.
                Err(refusal) => assert!(!refusal.message.is_empty()),
            }
        }
    }
});

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
    assert!(chars(&request.computer_id) >= 1 && clean(&request.computer_id));
    assert!(chars(&request.vm_platform) <= 64 && clean(&request.vm_platform));
    assert!(is_lower_hex(&request.request_id, 32) && is_lower_hex(&request.nonce, 32));
    match (&request.license_code, operation) {
        (Some(code), Operation::StartTrial) => panic!("a trial with license code {code:?}"),
        (Some(code), _) => assert!((1..=64).contains(&chars(code)) && clean(code)),
        (None, op) => assert!(!matches!(op, Operation::Activate), "an activation without a code"),
    }
    assert!(request.components.len() <= 64);
    for c in &request.components {
        assert!((1..=128).contains(&chars(&c.name)) && (1..=128).contains(&chars(&c.digest)));
        assert!(clean(&c.name) && clean(&c.digest));
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
        Activate | Refresh | Deactivate | StartTrial | SystemDetails => {
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
