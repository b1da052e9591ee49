//! Air-gapped activation and deactivation by files, and passive licenses, with the vendor's
//! side played by the test (it owns the vendor key): requests are read and verified as a
//! vendor would, certificates signed as a vendor would.

use licensekit::protocol::client_api::{
    ClientRequest, FeatureGrant, FeatureKind, Lease, LeaseState, LicenseType,
};
use licensekit::protocol::offline::{DeactivationCertificate, PassiveLicense};
use licensekit::protocol::{Envelope, Kind, PublicKey, SigningKey, from_slice_strict};
use licensekit::{Client, Config, Status};

const PRODUCT: &str = "6872450105";
const CODE: &str = "206454320110930859";

fn vendor() -> SigningKey {
    SigningKey::from_seed(&[21; 32])
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn config(dir: &std::path::Path) -> Config {
    let mut c = Config::new(PRODUCT).unwrap();
    c.add_public_key(&vendor().public_key().to_hex()).unwrap();
    c.set_store_dir(dir).unwrap();
    c
}

/// What the vendor reads from a request: verified against the key it names.
fn read_request(text: &str) -> ClientRequest {
    let envelope = Envelope::parse(text).unwrap();
    assert_eq!(envelope.kind(), Kind::ActivationRequest);
    let claimed: ClientRequest = serde_json::from_slice(envelope.unverified_payload()).unwrap();
    let key = PublicKey::from_hex(&claimed.installation_key).unwrap();
    from_slice_strict(envelope.verify_with(&key, Kind::ActivationRequest).unwrap()).unwrap()
}

/// The vendor's certificate for a request; `edit` spoils it.
fn certificate(request: &ClientRequest, serial: u64, edit: impl FnOnce(&mut Lease)) -> String {
    let now = unix_now();
    let mut lease = Lease {
        product_id: request.product_id.clone(),
        license_code: request.license_code.clone(),
        computer_id: request.computer_id.clone(),
        components: request.components.clone(),
        installation_key: request.installation_key.clone(),
        state: LeaseState::Active,
        license_type: LicenseType::Perpetual,
        features: vec![FeatureGrant {
            code: "EXPORT".into(),
            kind: FeatureKind::Normal,
            enabled: true,
            limit: None,
        }],
        udfs: [("EDITION".to_owned(), "pro".to_owned())].into(),
        expires: None,
        maintenance_end: None,
        lease_end: now + 30 * 86_400,
        grace_end: now + 30 * 86_400,
        server_time: now,
        serial,
        nonce: request.nonce.clone(),
        vm_platform: request.vm_platform.clone(),
        network: None,
        user: None,
    };
    edit(&mut lease);
    Envelope::sign(&vendor(), Kind::ActivationCertificate, &serde_json::to_vec(&lease).unwrap())
        .unwrap()
        .to_armoured()
}

fn passive(client_id: &str, serial: u64, edit: impl FnOnce(&mut PassiveLicense)) -> String {
    let mut license = PassiveLicense {
        product_id: PRODUCT.into(),
        client_id: client_id.into(),
        features: vec![
            FeatureGrant { code: "EXPORT".into(), kind: FeatureKind::Normal, enabled: true, limit: None },
            FeatureGrant { code: "RENDER".into(), kind: FeatureKind::Normal, enabled: false, limit: None },
        ],
        udfs: [("SEATS".to_owned(), "5".to_owned())].into(),
        company: Some("ACME".into()),
        profile: None,
        issued_at: unix_now(),
        serial,
        expires: None,
    };
    edit(&mut license);
    Envelope::sign(&vendor(), Kind::PassiveLicense, &serde_json::to_vec(&license).unwrap())
        .unwrap()
        .to_armoured()
}

#[test]
fn activate_use_deactivate_and_the_old_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(dir.path())).unwrap();
    let text = client.offline_activation_request(CODE).unwrap();
    assert!(text.starts_with("-----BEGIN LICENSEKIT ACTIVATION REQUEST-----\n"));
    assert_eq!(client.offline_activation_request(CODE).unwrap(), text, "asked again: the same request");
    let request = read_request(&text);
    assert_eq!((request.product_id.as_str(), request.license_code.as_deref()), (PRODUCT, Some(CODE)));
    assert_eq!(request.computer_id, client.computer_id());
    assert!(request.system_details.as_ref().is_some_and(|d| d.contains_key("operatingsystem")));

    let cert = certificate(&request, 1, |_| {});
    assert!(cert.starts_with("-----BEGIN LICENSEKIT ACTIVATION CERTIFICATE-----\n"));
    assert_eq!(client.import_certificate(&cert), Ok(()));
    assert_eq!((client.status(), client.feature_enabled("EXPORT")), (Status::Ok, Status::Ok));
    assert_eq!(client.udf_value("EDITION").as_deref(), Ok("pro"));
    assert_eq!(Client::new(config(dir.path())).unwrap().status(), Status::Ok, "kept across restarts");
    assert!(client.store().load().unwrap().pending_offline.is_none());

    let proof = client.offline_deactivation_certificate().unwrap();
    assert!(proof.starts_with("-----BEGIN LICENSEKIT DEACTIVATION CERTIFICATE-----\n"));
    assert_eq!(client.status(), Status::Deactivated, "removed locally first");
    let installation_key = PublicKey::from_hex(&request.installation_key).unwrap();
    let verified = DeactivationCertificate::verify(&proof, &installation_key).unwrap();
    assert_eq!(
        (verified.license_code.as_str(), verified.nonce.as_str(), verified.certificate_serial),
        (CODE, request.nonce.as_str(), 1)
    );
    // Nobody else can make one: another key's signature does not verify.
    let forged_key = SigningKey::from_seed(&[1; 32]);
    let forged =
        Envelope::sign(&forged_key, Kind::DeactivationCertificate, &serde_json::to_vec(&verified).unwrap())
            .unwrap();
    assert_eq!(
        DeactivationCertificate::verify(&forged.to_armoured(), &installation_key),
        Err(Status::UnknownKey)
    );
    assert!(client.store().load().unwrap().installation_key.is_none(), "the key is destroyed");
    assert_eq!(client.offline_deactivation_certificate().unwrap(), proof, "the proof can be produced again");

    assert_eq!(client.import_certificate(&cert), Err(Status::WrongRequest), "never again on this machine");
    assert_eq!(client.status(), Status::Deactivated);
}

#[test]
fn refused_certificates_have_their_own_status_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(dir.path())).unwrap();
    let request = read_request(&client.offline_activation_request(CODE).unwrap());
    let now = unix_now();
    let stranger = SigningKey::from_seed(&[22; 32]);
    let good = certificate(&request, 5, |_| {});
    let mut flipped = good.clone().into_bytes();
    flipped[120] ^= 0x01;
    let cases: Vec<(String, Status)> = vec![
        (certificate(&request, 5, |l| l.computer_id = "BLXRrZJ5T9imK7qPrJSL".into()), Status::WrongMachine),
        (certificate(&request, 5, |l| l.product_id = "6872450106".into()), Status::WrongProduct),
        (certificate(&request, 5, |l| l.nonce = "ab".repeat(16)), Status::WrongRequest),
        (
            certificate(&request, 5, |l| l.installation_key = stranger.public_key().to_hex()),
            Status::WrongRequest,
        ),
        (certificate(&request, 5, |l| l.license_code = Some("1".into())), Status::WrongRequest),
        (certificate(&request, 5, |l| l.expires = Some(now - 60)), Status::Expired),
        (certificate(&request, 5, |l| l.grace_end = now - 60), Status::LeaseExpired),
        (certificate(&request, 5, |l| l.server_time = now + 3600), Status::FutureLease),
        (
            Envelope::sign(&stranger, Kind::ActivationCertificate, good_payload(&good).as_slice())
                .unwrap()
                .to_armoured(),
            Status::UnknownKey,
        ),
        (String::from_utf8(flipped).unwrap(), Status::BadSignature),
        // A passive license's contents signed as a certificate, and the reverse.
        (
            Envelope::sign(
                &vendor(),
                Kind::ActivationCertificate,
                good_payload(&passive(client.computer_id(), 5, |_| {})).as_slice(),
            )
            .unwrap()
            .to_armoured(),
            Status::MalformedPayload,
        ),
        (
            Envelope::sign(&vendor(), Kind::PassiveLicense, good_payload(&good).as_slice())
                .unwrap()
                .to_armoured(),
            Status::MalformedPayload,
        ),
        // The armour says one kind, the envelope another.
        (good.replace("ACTIVATION CERTIFICATE", "PASSIVE LICENSE"), Status::MalformedEnvelope),
        // A server lease is not a file to import.
        (
            Envelope::sign(&vendor(), Kind::Lease, good_payload(&good).as_slice()).unwrap().to_armoured(),
            Status::WrongKind,
        ),
        ("garbage".into(), Status::MalformedEnvelope),
        ("x".repeat(200_000), Status::EnvelopeTooLarge),
    ];
    let before = std::fs::read(client.store().path()).unwrap();
    for (text, expected) in cases {
        assert_eq!(client.import_certificate(&text), Err(expected));
        assert_eq!(std::fs::read(client.store().path()).unwrap(), before, "nothing written for {expected:?}");
        assert_eq!(client.status(), Status::NotActivated);
    }
    assert_eq!(client.import_certificate(&good), Ok(()), "the good one still works");
    assert_eq!(client.import_certificate(&certificate(&request, 4, |_| {})), Err(Status::WrongRequest));
}

/// The signed payload bytes of an armoured envelope.
fn good_payload(text: &str) -> Vec<u8> {
    Envelope::parse(text).unwrap().unverified_payload().to_vec()
}

#[test]
fn passive_licenses_bind_to_the_client_id() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(dir.path())).unwrap();
    // Another machine's passive license is refused; this machine's works without a server.
    assert_eq!(
        client.import_certificate(&passive("BLXRrZJ5T9imK7qPrJSL", 1, |_| {})),
        Err(Status::WrongMachine)
    );
    assert_eq!(client.import_certificate(&passive(client.computer_id(), 1, |_| {})), Ok(()));
    assert_eq!(client.status(), Status::Ok);
    assert_eq!(
        (client.feature_enabled("EXPORT"), client.feature_enabled("RENDER")),
        (Status::Ok, Status::FeatureNotEnabled)
    );
    assert_eq!(client.udf_value("SEATS").as_deref(), Ok("5"));
    assert_eq!(client.refresh(), Err(Status::NoServer));
    assert_eq!(Client::new(config(dir.path())).unwrap().status(), Status::Ok);
    // An older passive license never replaces a newer one; a newer one does.
    assert_eq!(client.import_certificate(&passive(client.computer_id(), 1, |_| {})), Err(Status::StaleLease));
    assert_eq!(
        client.import_certificate(&passive(client.computer_id(), 2, |p| p.expires = Some(unix_now() - 1))),
        Err(Status::Expired)
    );

    // An application-chosen client ID (10-255 characters).
    let other = tempfile::tempdir().unwrap();
    let mut c = config(other.path());
    assert_eq!(c.set_client_id("too-short"), Err(Status::InvalidArgument));
    assert_eq!(c.set_client_id(&"x".repeat(256)), Err(Status::InvalidArgument));
    c.set_client_id("dongle-4711-ACME").unwrap();
    let client = Client::new(c).unwrap();
    assert_eq!(
        client.import_certificate(&passive(client.computer_id(), 1, |_| {})),
        Err(Status::WrongMachine)
    );
    assert_eq!(client.import_certificate(&passive("dongle-4711-ACME", 1, |_| {})), Ok(()));
    assert_eq!(client.status(), Status::Ok);
    // A passive license cannot be "deactivated" by certificate: there is no seat to give back.
    assert_eq!(client.offline_deactivation_certificate(), Err(Status::NoLicense));
}

#[test]
fn a_new_request_for_another_code_replaces_the_pending_one() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(dir.path())).unwrap();
    let first = read_request(&client.offline_activation_request(CODE).unwrap());
    let second = read_request(&client.offline_activation_request("999999999999999999").unwrap());
    assert_ne!(first.installation_key, second.installation_key);
    assert_eq!(client.import_certificate(&certificate(&first, 1, |_| {})), Err(Status::WrongRequest));
    assert_eq!(client.import_certificate(&certificate(&second, 1, |_| {})), Ok(()));
    assert_eq!(client.offline_activation_request(" "), Err(Status::InvalidArgument));
}
