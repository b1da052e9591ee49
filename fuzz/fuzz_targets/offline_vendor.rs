//! The vendor side of air-gapped licensing, as far as it goes without a database
//! (`offline::certificate_request`, `offline::deactivation_request`), and the client's
//! acceptance of what the vendor signs. The first byte chooses:
//!
//! - an activation request's text as received, or its payload signed here by the
//!   installation key the seeds name (armoured or compact), with or without the product
//!   the vendor names, decoded by the server of the targets (`PROTOCOL`: the vendor key, a
//!   clock at `NOW`; the seeds trust the key and are dated `NOW`): what is accepted trusts
//!   the key and becomes the certificate a grant would sign, and the computer that made the
//!   request accepts that certificate (and its features) as an answer to its request;
//! - a deactivation certificate's text as received, or its payload signed here: what is
//!   accepted is what was signed, within its bounds, and the seat to free says the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licensekit::Status;
use licensekit::license::{Answering, Expectation, License};
use licensekit::machine::{AnchorSource, Fingerprint};
use licensekit::protocol::client_api::{Lease, LeaseState};
use licensekit::protocol::offline::DeactivationCertificate;
use licensekit::protocol::{Envelope, Kind, MAX_PAYLOAD, PublicKey, from_slice_strict};
use licensekit_fuzz::{INSTALLATION, PRODUCT, PROTOCOL, TRUSTED, VENDOR_KEY_ID, is_lower_hex, signed};
use licensekit_server::fuzzing::{
    ApiError, Verified, certificate, certificate_request, deactivation_request,
};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let product = (selector & 4 != 0).then_some(PRODUCT);
    let armoured = selector & 8 != 0;
    match selector & 3 {
        0 | 1 => {
            let text = if selector & 3 == 0 {
                let Ok(text) = std::str::from_utf8(rest) else { return };
                text.to_owned()
            } else {
                if rest.len() > MAX_PAYLOAD {
                    return;
                }
                signed(&INSTALLATION, Kind::ActivationRequest, rest, armoured).unwrap()
            };
            match certificate_request(&text, "request", product, &PROTOCOL) {
                Ok(verified) => accepted_request(&verified, product),
                Err(error) => refused(&error),
            }
        }
        _ => {
            let text = if selector & 3 == 2 {
                let Ok(text) = std::str::from_utf8(rest) else { return };
                text.to_owned()
            } else {
                if rest.len() > MAX_PAYLOAD {
                    return;
                }
                signed(&INSTALLATION, Kind::DeactivationCertificate, rest, armoured).unwrap()
            };
            match deactivation_request(&text, "certificate", product, &PROTOCOL.clock) {
                Ok((certificate, deactivation)) => {
                    let key = PublicKey::from_hex(&certificate.installation_key).unwrap();
                    assert_eq!(DeactivationCertificate::verify(&text, &key).as_ref(), Ok(&certificate));
                    if selector & 3 == 3 {
                        assert_eq!(
                            from_slice_strict::<DeactivationCertificate>(rest).as_ref(),
                            Ok(&certificate)
                        );
                    }
                    if let Some(product) = product {
                        assert_eq!(certificate.product_id, product);
                    }
                    let bounded = |s: &str, max: usize| {
                        !s.is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
                    };
                    assert!(bounded(&certificate.product_id, 64) && bounded(&certificate.license_code, 64));
                    assert!(bounded(&certificate.computer_id, 255) && bounded(&certificate.nonce, 64));
                    assert_eq!(deactivation.product_id, certificate.product_id);
                    assert_eq!(deactivation.license_code, certificate.license_code);
                    assert_eq!(deactivation.computer_id, certificate.computer_id);
                    assert_eq!(deactivation.nonce, certificate.nonce);
                    assert_eq!(deactivation.installation_key, key.to_hex());
                    let serial = i64::try_from(certificate.certificate_serial).unwrap_or(i64::MAX);
                    assert_eq!(deactivation.certificate_serial, serial);
                }
                Err(error) => refused(&error),
            }
        }
    }
});

/// A refusal is the client's fault (4xx) with a message.
fn refused(error: &ApiError) {
    assert!((400..500).contains(&error.status.as_u16()), "{} {}", error.status, error.message);
    assert!(!error.message.is_empty());
}

fn accepted_request(verified: &Verified, product: Option<&str>) {
    let Verified { call, request } = verified;
    if let Some(product) = product {
        assert_eq!(request.product_id, product);
    }
    assert!(
        request.trusted_keys.contains(&VENDOR_KEY_ID),
        "accepted trusting only {:?}",
        request.trusted_keys
    );
    // Every request the vendor accepts gets its certificate: a signing failure would be a
    // 500 from the store's transaction. (The server bounds in bytes what the lease echoes:
    // component names, digests and the computer ID are printable ASCII.)
    let text = certificate(&PROTOCOL.key, verified).unwrap_or_else(|e| panic!("no certificate: {e}"));
    let envelope = Envelope::parse(&text).unwrap();
    assert_eq!(envelope.kind(), Kind::ActivationCertificate);
    assert_eq!(Envelope::parse(&envelope.to_armoured()).as_ref(), Ok(&envelope));
    let lease: Lease =
        from_slice_strict(envelope.verify(&TRUSTED, Kind::ActivationCertificate).unwrap()).unwrap();
    assert_eq!(lease.product_id, request.product_id);
    assert_eq!(lease.computer_id, request.computer_id);
    assert_eq!(lease.components, request.components);
    assert_eq!(lease.nonce, request.nonce);
    assert_eq!(lease.license_code, request.license_code);
    assert_eq!(lease.installation_key, call.installation_key);
    assert_eq!(lease.state, LeaseState::Active);
    assert!(is_lower_hex(&lease.installation_key, 64));

    // The computer that made the request, importing the certificate.
    let fingerprint = Fingerprint {
        computer_id: request.computer_id.clone(),
        anchor: AnchorSource::MachineId,
        components: request.components.clone(),
    };
    let now = call.now.div_euclid(1000);
    let expect = Expectation {
        kinds: &[Kind::ActivationCertificate, Kind::PassiveLicense],
        trusted: &TRUSTED,
        product_id: &request.product_id,
        fingerprint: &fingerprint,
        client_id: &request.computer_id,
        request: Some(Answering {
            installation_key: &call.installation_key,
            nonce: &request.nonce,
            license_code: request.license_code.as_deref(),
        }),
        now: Some(now),
    };
    // A component named twice with two digests differs from itself.
    let components = &request.components;
    let first = |name: &str| components.iter().find(|c| c.name == name).map(|c| c.digest.as_str());
    let matchable = !components.is_empty() && components.iter().all(|c| first(&c.name) == Some(&c.digest));
    match License::verify(&text, &expect) {
        Ok(license) => {
            assert!(matchable);
            assert_eq!(license.kind(), Kind::ActivationCertificate);
            assert_eq!(license.lease(), &lease);
            assert_eq!(license.status(now), Status::Ok);
            for grant in &lease.features {
                assert_eq!(license.feature(&grant.code), Some(grant));
            }
            assert_eq!(license.udf("edition"), Some("pro"));
            assert_eq!(Envelope::parse(license.compact()).as_ref(), Ok(&envelope));
        }
        // A request without components, or naming one twice with two digests, matches no
        // computer: the client refuses what no client of this library asks for.
        Err(status) => {
            assert!(!matchable, "the requesting computer refuses its certificate: {status:?}");
            assert_eq!(status, Status::WrongMachine);
        }
    }
}
