//! The LAN daemon's check of a workstation's request (`licensekit::lan::verify_request`) for
//! every operation it serves. The first byte chooses the operation and how the rest is
//! offered: as the HTTP body exactly as received, or as the signed payload, signed here by
//! the installation key the seeds name so the fuzzer gets past the signature into the
//! fields' checks.
//!
//! Whatever is accepted is signed by the key it names, for the operation of the path and the
//! daemon's product, made within the daemon's clock window, with the fields the operation
//! needs (a 32-hex seat ID, a feature of 1 to 64 printable characters, an amount of 1 to
//! 2^32 - 1) and none it must not have.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licensekit::protocol::client_api::{
    CLIENT_AHEAD_SECS, ClientRequest, FUTURE_TOLERANCE_SECS, Operation, RequestBody,
};
use licensekit::protocol::network::CAPACITY;
use licensekit::protocol::{Envelope, Kind, PublicKey, from_slice_strict};
use licensekit_fuzz::{INSTALLATION, NOW, PRODUCT, is_lower_hex, signed};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let served: Vec<Operation> = Operation::LAN.into_iter().chain(CAPACITY).collect();
    let operation = served[usize::from(selector >> 1) % served.len()];
    let body = if selector & 1 == 0 {
        rest.to_vec()
    } else {
        let Some(envelope) = signed(&INSTALLATION, Kind::ClientRequest, rest, false) else { return };
        serde_json::to_vec(&RequestBody { request: envelope }).unwrap()
    };
    let Ok(request) = licensekit::lan::verify_request(&body, operation, PRODUCT, NOW) else { return };
    // Accepted: what was signed, by the key it names.
    let posted: RequestBody = from_slice_strict(&body).unwrap();
    let envelope = Envelope::parse(&posted.request).unwrap();
    let key = PublicKey::from_hex(&request.installation_key).unwrap();
    let payload = envelope.verify_with(&key, Kind::ClientRequest).unwrap();
    assert_eq!(from_slice_strict::<ClientRequest>(payload).unwrap(), request);
    assert_eq!(request.operation, operation);
    assert_eq!(request.product_id, PRODUCT);
    assert!((-FUTURE_TOLERANCE_SECS..=CLIENT_AHEAD_SECS).contains(&(request.client_time - NOW)));
    assert!(is_lower_hex(&request.nonce, 32) && is_lower_hex(&request.request_id, 32));
    assert!(!request.network_daemon);
    let capacity = CAPACITY.contains(&operation);
    assert_eq!(request.feature.is_some(), capacity);
    if let Some(feature) = &request.feature {
        assert!((1..=64).contains(&feature.len()) && feature.bytes().all(|b| b.is_ascii_graphic()));
    }
    let pool = matches!(operation, Operation::PoolCheckout | Operation::PoolCheckin);
    assert_eq!(request.amount.is_some(), pool);
    assert!(request.amount.is_none_or(|n| (1..=u64::from(u32::MAX)).contains(&n)));
    let names_seat = matches!(
        operation,
        Operation::NetworkHeartbeat
            | Operation::NetworkCheckin
            | Operation::FloatingHeartbeat
            | Operation::FloatingCheckin
    );
    if names_seat {
        assert!(request.seat_id.as_deref().is_some_and(|id| is_lower_hex(id, 32)));
    } else if operation != Operation::FloatingCheckout {
        assert!(request.seat_id.is_none());
    }
    if request.checkout_days.is_some() {
        assert!(matches!(operation, Operation::NetworkCheckout | Operation::FloatingCheckout));
    }
});
