//! The client's import of what arrives by hand: an armoured (or compact) activation
//! certificate or passive license, parsed and verified by `License::verify` against this
//! computer (a fixed fingerprint), and a deactivation certificate verified against the
//! installation key. The first byte chooses the kind and whether the rest is the text as
//! received or a payload signed here by the vendor (or installation) key, so the fuzzer
//! gets past the signature into the payload and the binding rules; whether it must answer
//! this installation's pending request; and whether any license kind is acceptable (as when
//! the store is loaded).
//!
//! What is accepted is what was signed, of an acceptable kind, for this product, this
//! computer (or client ID) and this request; it verifies again from its stored compact form;
//! every feature it grants is found by the lookup, every UDF by name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licensekit::Status;
use licensekit::license::{Answering, Expectation, License};
use licensekit::machine::match_components;
use licensekit::protocol::client_api::{Lease, LicenseType};
use licensekit::protocol::offline::{DeactivationCertificate, PassiveLicense, validate_client_id};
use licensekit::protocol::{Envelope, Kind, MAX_PAYLOAD, from_slice_strict};
use licensekit_fuzz::{
    COMPUTER_ID, FINGERPRINT, INSTALLATION, INSTALLATION_HEX, LICENSE_CODE, NONCE, NOW, PRODUCT, TRUSTED,
    VENDOR, signed,
};

const KINDS: [Kind; 4] = [Kind::ActivationCertificate, Kind::PassiveLicense, Kind::Lease, Kind::TrialLease];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let kind = KINDS[usize::from(selector & 3)];
    let armoured = selector & 4 != 0;
    if selector & 0x40 != 0 {
        deactivation(rest, armoured);
        return;
    }
    // A passive license answers no request (the client imports it with none).
    let answering = selector & 8 == 0 && kind != Kind::PassiveLicense;
    let text = if selector & 0x10 != 0 {
        let Ok(text) = std::str::from_utf8(rest) else { return };
        text.to_owned()
    } else {
        if rest.len() > MAX_PAYLOAD {
            return;
        }
        signed(&VENDOR, kind, rest, armoured).unwrap()
    };
    let request =
        Answering { installation_key: &INSTALLATION_HEX, nonce: NONCE, license_code: Some(LICENSE_CODE) };
    let expect = Expectation {
        // What a file may be, or (loading the store) any license.
        kinds: if selector & 0x20 == 0 {
            &[Kind::ActivationCertificate, Kind::PassiveLicense]
        } else {
            License::KINDS
        },
        trusted: &TRUSTED,
        product_id: PRODUCT,
        fingerprint: &FINGERPRINT,
        client_id: COMPUTER_ID,
        request: answering.then_some(request),
        now: Some(NOW),
    };
    let Ok(license) = License::verify(&text, &expect) else { return };
    let envelope = Envelope::parse(&text).unwrap();
    let payload = envelope.verify(&TRUSTED, envelope.kind()).unwrap();
    assert!(expect.kinds.contains(&license.kind()) && license.kind() == envelope.kind());
    if selector & 0x10 == 0 {
        assert_eq!(license.kind(), kind);
        assert_eq!(payload, rest);
    }
    let lease = license.lease();
    assert_eq!(lease.product_id, PRODUCT);
    if license.kind() == Kind::PassiveLicense {
        let passive: PassiveLicense = from_slice_strict(payload).unwrap();
        assert_eq!(
            &from_slice_strict::<PassiveLicense>(&serde_json::to_vec(&passive).unwrap()).unwrap(),
            &passive
        );
        assert_eq!(lease.computer_id, passive.client_id);
        assert_eq!(lease.features, passive.features);
        assert_eq!(lease.udfs, passive.udfs);
        assert_eq!(
            (lease.expires, lease.serial, lease.server_time),
            (passive.expires, passive.serial, passive.issued_at)
        );
        let expected_type =
            if passive.expires.is_some() { LicenseType::ExpirationDate } else { LicenseType::Perpetual };
        assert_eq!(lease.license_type, expected_type);
        assert_eq!(lease.grace_end, i64::MAX);
        // Bound to another client ID, it is accepted and says so in its status.
        if passive.client_id != COMPUTER_ID {
            assert_eq!(license.status(NOW), Status::WrongMachine);
        }
    } else {
        let signed_lease: Lease = from_slice_strict(payload).unwrap();
        assert_eq!(lease, &signed_lease);
        assert_eq!(&from_slice_strict::<Lease>(&serde_json::to_vec(lease).unwrap()).unwrap(), lease);
        assert_eq!(license.kind() == Kind::TrialLease, lease.license_type == LicenseType::Trial);
        let matches = lease.computer_id == COMPUTER_ID
            && match_components(&lease.components, &FINGERPRINT.components).matched;
        if answering {
            assert!(matches, "a certificate for another computer answered this request");
            assert_eq!(lease.installation_key, *INSTALLATION_HEX);
            assert_eq!(lease.nonce, NONCE);
            assert_eq!(lease.license_code.as_deref(), Some(LICENSE_CODE));
        } else if !matches {
            assert_eq!(license.status(NOW), Status::WrongMachine);
        }
    }
    assert!(lease.server_time <= NOW + 300, "issued in this computer's future");
    // Loading it back from the store: the compact form, without the request and the clock.
    let compact = license.compact();
    assert_eq!(Envelope::parse(compact).as_ref(), Ok(&envelope));
    let stored = License::verify(compact, &Expectation { request: None, now: None, ..expect }).unwrap();
    assert_eq!(stored.lease(), lease);
    assert_eq!(stored.status(NOW), license.status(NOW));
    for grant in &lease.features {
        let found = license.feature(&grant.code).unwrap();
        assert_eq!(found.code, grant.code);
    }
    let absent = "\u{0}no such feature";
    assert_eq!(license.feature(absent).is_some(), lease.features.iter().any(|f| f.code == absent));
    for (name, value) in &lease.udfs {
        assert_eq!(license.udf(name), Some(value.as_str()));
    }
    let _ = validate_client_id(&lease.computer_id);
});

/// A deactivation certificate signed here by the installation key (`armoured`), verified
/// against it: what verifies is exactly what was signed; under another key nothing does.
fn deactivation(payload: &[u8], armoured: bool) {
    if payload.len() > MAX_PAYLOAD {
        return;
    }
    let text = signed(&INSTALLATION, Kind::DeactivationCertificate, payload, armoured).unwrap();
    let verified = DeactivationCertificate::verify(&text, &INSTALLATION.public_key());
    assert_eq!(verified, from_slice_strict::<DeactivationCertificate>(payload));
    assert_eq!(DeactivationCertificate::verify(&text, &VENDOR.public_key()), Err(Status::UnknownKey));
    if let Ok(certificate) = verified {
        let again = serde_json::to_vec(&certificate).unwrap();
        assert_eq!(from_slice_strict::<DeactivationCertificate>(&again).as_ref(), Ok(&certificate));
    }
}
