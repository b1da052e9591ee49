//! The client's reading of the server's answers: their HTTP framing (head, Content-Length,
//! chunks, the close), a `LeaseResponse` (2xx) or `ErrorResponse` (4xx) body through the
//! strict parser, and the seat lease of a floating check-out,
//! heartbeat or session through `Expectation::seat`. The first byte chooses; a seat lease is
//! the text as received or a payload signed here by the vendor key (so the fuzzer gets past
//! the signature into the binding rules).
//!
//! An answer framed reads the same however the network cuts it, with no more body than the
//! limit. What parses re-encodes and parses to the same answer; a refusal's status maps to itself
//! only when it is a reason a server may give; a seat lease accepted is what was signed,
//! for this product, computer, installation, request and license code, not from the future,
//! and verifies again from the compact form the client keeps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licensekit::Status;
use licensekit::license::{Answering, Expectation, License};
use licensekit::protocol::client_api::{ErrorResponse, LeaseResponse, SERVER_REASONS, SeatLease};
use licensekit::protocol::{Envelope, Kind, MAX_PAYLOAD, from_slice_strict};
use licensekit_fuzz::{
    COMPUTER_ID, FINGERPRINT, INSTALLATION_HEX, LICENSE_CODE, NONCE, NOW, PRODUCT, TRUSTED, VENDOR, signed,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    match selector % 5 {
        0 => {
            if let Some(response) = round_trip::<LeaseResponse>(rest) {
                if let Some(seat) = &response.seat {
                    check_seat(seat, None);
                }
                if let Some(lease) = &response.lease {
                    let _ = License::verify(lease, &expectation(&[Kind::Lease, Kind::TrialLease], true));
                }
            }
        }
        1 => {
            if let Some(refusal) = round_trip::<ErrorResponse>(rest) {
                // What the client reports: the server's reason if it is one a server may give.
                let known = Status::from_u32(refusal.status).filter(|s| SERVER_REASONS.contains(s));
                if let Some(status) = known {
                    assert_eq!(status as u32, refusal.status);
                    assert_ne!(status, Status::Ok);
                }
            }
        }
        2 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                check_seat(text, None);
            }
        }
        3 => {
            let limit = u64::from(selector / 5) * 64;
            let whole = licensekit::read_answer_from(rest, usize::MAX, limit);
            for cut in [1, 7] {
                let pieces = licensekit::read_answer_from(rest, cut, limit);
                assert_eq!(pieces.is_ok(), whole.is_ok(), "{pieces:?} / {whole:?}");
                if let Ok(answer) = &whole {
                    assert_eq!(pieces.as_ref().ok(), Some(answer));
                }
            }
            if let Ok((status, body)) = whole {
                assert!((200..=999).contains(&status), "{status}");
                assert!(body.len() as u64 <= limit);
            }
        }
        _ => {
            if rest.len() <= MAX_PAYLOAD {
                let text = signed(&VENDOR, Kind::FloatingSeat, rest, selector & 4 != 0).unwrap();
                check_seat(&text, Some(rest));
            }
        }
    }
});

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) -> Option<T> {
    let value = from_slice_strict::<T>(data).ok()?;
    let again: T = from_slice_strict(&serde_json::to_vec(&value).unwrap()).unwrap();
    assert_eq!(again, value);
    Some(value)
}

fn expectation(kinds: &'static [Kind], answering: bool) -> Expectation<'static> {
    Expectation {
        kinds,
        trusted: &TRUSTED,
        product_id: PRODUCT,
        fingerprint: &FINGERPRINT,
        client_id: COMPUTER_ID,
        request: answering.then_some(Answering {
            installation_key: &INSTALLATION_HEX,
            nonce: NONCE,
            license_code: Some(LICENSE_CODE),
        }),
        now: Some(NOW),
    }
}

/// `payload`: what was signed here, when the text was made here.
fn check_seat(text: &str, payload: Option<&[u8]>) {
    let expect = expectation(&[Kind::FloatingSeat], true);
    let Ok((compact, seat)) = expect.seat(text) else { return };
    let envelope = Envelope::parse(text).unwrap();
    assert_eq!(envelope.kind(), Kind::FloatingSeat);
    assert_eq!(compact, envelope.to_compact());
    let signed: SeatLease =
        from_slice_strict(envelope.verify(&TRUSTED, Kind::FloatingSeat).unwrap()).unwrap();
    assert_eq!(signed, seat);
    if let Some(payload) = payload {
        assert_eq!(envelope.unverified_payload(), payload);
    }
    assert_eq!(seat.product_id, PRODUCT);
    assert_eq!(seat.computer_id, COMPUTER_ID);
    assert_eq!(seat.installation_key, *INSTALLATION_HEX);
    assert_eq!(seat.nonce, NONCE);
    assert_eq!(seat.license_code, LICENSE_CODE);
    assert!(seat.server_time <= NOW + 300, "issued in this computer's future");
    let again: SeatLease = from_slice_strict(&serde_json::to_vec(&seat).unwrap()).unwrap();
    assert_eq!(again, seat);
    // The client keeps the compact form and verifies it again (without the request).
    let kept = Expectation { request: None, now: None, ..expect };
    assert_eq!(kept.seat(&compact), Ok((compact.clone(), seat)));
}
