//! The client handle: loading the store and verifying what it holds.

use licensekit::protocol::client_api::{FeatureGrant, FeatureKind, Lease, LeaseState, LicenseType};
use licensekit::protocol::{Envelope, Kind, SigningKey};
use licensekit::store::Store;
use licensekit::{CLOCK_TOLERANCE_SECS, Client, Config, Status};

const PRODUCT: &str = "6872450105";

fn vendor() -> SigningKey {
    SigningKey::from_seed(&[7; 32])
}

fn config(dir: &std::path::Path) -> Config {
    let mut c = Config::new(PRODUCT).unwrap();
    c.add_public_key(&vendor().public_key().to_hex()).unwrap();
    c.set_store_dir(dir).unwrap();
    c
}

fn store_license(dir: &std::path::Path, text: String) {
    Store::open(dir, PRODUCT)
        .unwrap()
        .update(|s| {
            s.license = Some(text);
            Ok(())
        })
        .unwrap();
}

#[test]
fn needs_a_trusted_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Config::new(PRODUCT).unwrap();
    c.set_store_dir(dir.path()).unwrap();
    assert_eq!(Client::new(c).unwrap_err(), Status::NoPublicKey);
    assert_eq!(Config::new("").unwrap_err(), Status::InvalidProductId);
    let mut c = Config::new(PRODUCT).unwrap();
    assert_eq!(c.add_public_key("zz"), Err(Status::InvalidPublicKey));
    assert_eq!(c.add_public_key(&"00".repeat(32)), Err(Status::InvalidPublicKey), "weak key");
}

#[test]
fn empty_store_is_not_activated() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(dir.path())).unwrap();
    assert_eq!(client.status(), Status::NotActivated);
    assert_eq!(client.feature_enabled("F1"), Status::NotActivated);
    assert_eq!(client.refresh(), Err(Status::NoServer));
    assert_eq!(client.computer_id().len(), 20);
    assert_eq!(client.check_clock(), Ok(()));
    assert!(client.store().path().exists(), "the clock high-water mark was recorded");
}

/// A lease as the server would sign it for the client's own computer.
fn lease_for(client: &Client, edit: impl FnOnce(&mut Lease)) -> Lease {
    let now = unix_now();
    let mut lease = Lease {
        product_id: PRODUCT.into(),
        license_code: Some("206454320110930859".into()),
        computer_id: client.computer_id().into(),
        components: client.fingerprint().components.clone(),
        installation_key: SigningKey::from_seed(&[3; 32]).public_key().to_hex(),
        state: LeaseState::Active,
        license_type: LicenseType::Perpetual,
        features: vec![
            FeatureGrant { code: "F1".into(), kind: FeatureKind::Normal, enabled: true, limit: None },
            FeatureGrant { code: "F2".into(), kind: FeatureKind::Normal, enabled: false, limit: None },
        ],
        udfs: [("tier".to_owned(), "gold".to_owned())].into(),
        expires: None,
        maintenance_end: None,
        lease_end: now + 3600,
        grace_end: now + 86_400,
        server_time: now,
        serial: 1,
        nonce: "00".repeat(16),
        vm_platform: "Physical".into(),
        network: None,
        user: None,
    };
    edit(&mut lease);
    lease
}

fn signed(kind: Kind, lease: &Lease) -> String {
    Envelope::sign(&vendor(), kind, &serde_json::to_vec(lease).unwrap()).unwrap().to_compact()
}

#[test]
fn stored_leases_are_verified_at_load_and_checked_locally() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(dir.path())).unwrap();
    let good = lease_for(&client, |_| {});
    store_license(dir.path(), signed(Kind::Lease, &good));
    let client = Client::new(config(dir.path())).unwrap();
    assert_eq!(client.status(), Status::Ok);
    assert_eq!(client.feature_enabled("F1"), Status::Ok);
    assert_eq!(client.feature_enabled("F2"), Status::FeatureNotEnabled);
    assert_eq!(client.feature_enabled("nope"), Status::FeatureUnknown, "not in the license at all");
    assert_eq!(client.udf_value("tier").as_deref(), Ok("gold"));
    assert!((86_000..=86_400).contains(&client.grace_remaining().unwrap()));

    let now = unix_now();
    let cases: Vec<(String, Status)> = vec![
        (signed(Kind::Lease, &lease_for(&client, |l| l.grace_end = now - 1)), Status::LeaseExpired),
        (signed(Kind::Lease, &lease_for(&client, |l| l.expires = Some(now - 1))), Status::Expired),
        (signed(Kind::Lease, &lease_for(&client, |l| l.state = LeaseState::Disabled)), Status::Disabled),
        (
            signed(Kind::Lease, &lease_for(&client, |l| l.state = LeaseState::Deactivated)),
            Status::Deactivated,
        ),
        (
            signed(Kind::Lease, &lease_for(&client, |l| l.computer_id = "BLXRrZJ5T9imK7qPrJSL".into())),
            Status::WrongMachine,
        ),
        (
            signed(
                Kind::TrialLease,
                &lease_for(&client, |l| {
                    l.license_type = LicenseType::Trial;
                    l.expires = Some(now - 1)
                }),
            ),
            Status::TrialExpired,
        ),
    ];
    for (text, status) in cases {
        store_license(dir.path(), text);
        let client = Client::new(config(dir.path())).unwrap();
        assert_eq!(client.status(), status);
        assert_eq!(client.feature_enabled("F1"), status, "no feature without a license");
        if status == Status::WrongMachine {
            client.explain(status);
            let detail = licensekit::last_error_detail().unwrap();
            assert!(detail.contains("issued for computer BLXRrZJ5T9imK7qPrJSL"), "{detail}");
        }
    }

    let stranger = SigningKey::from_seed(&[9; 32]);
    let payload = serde_json::to_vec(&good).unwrap();
    let refused = [
        (Envelope::sign(&stranger, Kind::Lease, &payload).unwrap().to_compact(), Status::UnknownKey),
        (signed(Kind::ActivationRequest, &good), Status::WrongKind),
        (signed(Kind::PassiveLicense, &good), Status::MalformedPayload),
        (signed(Kind::TrialLease, &good), Status::MismatchedLease),
        (
            signed(Kind::Lease, &lease_for(&client, |l| l.product_id = "6872450106".into())),
            Status::WrongProduct,
        ),
        (Envelope::sign(&vendor(), Kind::Lease, b"{}").unwrap().to_compact(), Status::MalformedPayload),
        ("lk1.lease.garbage".to_owned(), Status::MalformedEnvelope),
    ];
    for (text, status) in refused {
        store_license(dir.path(), text);
        let client = Client::new(config(dir.path())).unwrap();
        assert_eq!(client.license().unwrap_err(), status);
        assert_eq!(client.status(), status);
        assert_eq!(client.feature_enabled("F1"), status);
    }
    // A lease edited in the store (payload bytes changed, signature kept).
    let original = signed(Kind::Lease, &good);
    let edited = signed(Kind::Lease, &lease_for(&client, |l| l.grace_end += 86_400 * 365));
    let parts: Vec<&str> = original.split('.').collect();
    let forged_payload = edited.split('.').nth(3).unwrap();
    store_license(
        dir.path(),
        format!("{}.{}.{}.{}.{}", parts[0], parts[1], parts[2], forged_payload, parts[4]),
    );
    assert_eq!(Client::new(config(dir.path())).unwrap().status(), Status::BadSignature);
}

#[test]
fn a_damaged_store_opens_licenses_nothing_and_is_kept() {
    type Damage = (&'static str, fn(&mut Vec<u8>), Status);
    let damage: [Damage; 3] = [
        ("a flipped bit", |b| b[25] ^= 1, Status::StoreCorrupt),
        ("cut short", |b| b.truncate(b.len() - 40), Status::StoreTruncated),
        ("a newer version", |b| b[8] = 99, Status::StoreVersion),
    ];
    for (what, spoil, expected) in damage {
        let dir = tempfile::tempdir().unwrap();
        let client = Client::new(config(dir.path())).unwrap();
        store_license(dir.path(), signed(Kind::Lease, &lease_for(&client, |_| {})));
        drop(client);
        let path = dir.path().join(format!("{PRODUCT}.lkstore"));
        let mut bytes = std::fs::read(&path).unwrap();
        spoil(&mut bytes);
        std::fs::write(&path, &bytes).unwrap();
        let client = Client::new(config(dir.path())).expect("a damaged store never bricks the application");
        assert_eq!(client.status(), expected, "{what}");
        assert_eq!(client.feature_enabled("F1"), expected, "{what}: nothing is enabled");
        assert_eq!(client.udf_value("tier"), Err(expected), "{what}");
        let info = client.license_info();
        assert_eq!(info["status"], expected.name().to_str().unwrap(), "{what}");
        assert_eq!(info["store"]["problem_at_open"], expected.name().to_str().unwrap(), "{what}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{what}: left as it is until a new license");
    }
}

#[test]
fn a_clock_set_back_past_the_tolerance_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(dir.path())).unwrap();
    store_license(dir.path(), signed(Kind::Lease, &lease_for(&client, |_| {})));
    let now = unix_now();
    let set_high_water = |t: i64| {
        client
            .store()
            .update(|s| {
                s.clock_high_water = t;
                Ok(())
            })
            .unwrap()
    };
    // The store remembers a time up to the tolerance ahead of the clock: fine.
    set_high_water(now + CLOCK_TOLERANCE_SECS - 60);
    let again = Client::new(config(dir.path())).unwrap();
    assert_eq!((again.check_clock(), again.status()), (Ok(()), Status::Ok));
    // Beyond it: the clock was set back.
    set_high_water(now + CLOCK_TOLERANCE_SECS + 60);
    let again = Client::new(config(dir.path())).unwrap();
    assert_eq!(again.check_clock(), Err(Status::ClockTampered));
    assert_eq!(again.status(), Status::ClockTampered);
    assert_eq!(again.feature_enabled("F1"), Status::ClockTampered);
    // A new client never moves the mark back.
    assert_eq!(Client::new(config(dir.path())).unwrap().status(), Status::ClockTampered);
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}
