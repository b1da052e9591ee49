//! Any text offered as an envelope: parsing and verification never panic, and whatever parses
//! re-serialises to a form that parses to the same envelope.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licensekit::protocol::{Envelope, Kind, SigningKey, TrustedKeys};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(envelope) = Envelope::parse(text) else { return };
    assert_eq!(Envelope::parse(&envelope.to_compact()).as_ref(), Ok(&envelope));
    assert_eq!(Envelope::parse(&envelope.to_armoured()).as_ref(), Ok(&envelope));
    let mut trusted = TrustedKeys::new();
    trusted.add(SigningKey::from_seed(&[1; 32]).public_key()).unwrap();
    // Only a signature made with the seed-1 key could verify; a fuzzer cannot forge one.
    assert!(envelope.verify(&trusted, Kind::Lease).is_err());
});
