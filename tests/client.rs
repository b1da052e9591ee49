//! The client handle: loading the store and verifying what it holds.

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
    assert_eq!(client.stored_license(), Err(Status::NotActivated));
    assert_eq!(client.computer_id().len(), 20);
    assert_eq!(client.check_clock(), Ok(()));
    assert!(client.store().path().exists(), "the clock high-water mark was recorded");
}

#[test]
fn stored_licenses_are_verified_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let payload = br#"{"product":"6872450105"}"#;
    for kind in [Kind::Lease, Kind::TrialLease, Kind::ActivationCertificate, Kind::PassiveLicense] {
        store_license(dir.path(), Envelope::sign(&vendor(), kind, payload).unwrap().to_compact());
        assert_eq!(Client::new(config(dir.path())).unwrap().stored_license(), Ok(kind));
    }
    let stranger = SigningKey::from_seed(&[9; 32]);
    let cases = [
        (Envelope::sign(&stranger, Kind::Lease, payload).unwrap().to_compact(), Status::UnknownKey),
        (
            Envelope::sign(&vendor(), Kind::ActivationRequest, payload).unwrap().to_compact(),
            Status::WrongKind,
        ),
        ("lk1.lease.garbage".to_owned(), Status::MalformedEnvelope),
    ];
    for (text, status) in cases {
        store_license(dir.path(), text);
        assert_eq!(Client::new(config(dir.path())).unwrap().stored_license(), Err(status));
    }
    // A lease edited in the store (payload bytes changed, signature kept).
    let good = Envelope::sign(&vendor(), Kind::Lease, payload).unwrap().to_compact();
    let parts: Vec<&str> = good.split('.').collect();
    let forged = Envelope::sign(&vendor(), Kind::Lease, br#"{"product":"6872450106"}"#).unwrap().to_compact();
    let forged_payload = forged.split('.').nth(3).unwrap();
    store_license(
        dir.path(),
        format!("{}.{}.{}.{}.{}", parts[0], parts[1], parts[2], forged_payload, parts[4]),
    );
    assert_eq!(Client::new(config(dir.path())).unwrap().stored_license(), Err(Status::BadSignature));
}

#[test]
fn a_damaged_store_fails_the_client_and_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    drop(Client::new(config(dir.path())).unwrap());
    let path = dir.path().join(format!("{PRODUCT}.lkstore"));
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[25] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(Client::new(config(dir.path())).unwrap_err(), Status::StoreCorrupt);
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn a_clock_set_back_past_the_tolerance_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(config(dir.path())).unwrap();
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
    set_high_water(now + CLOCK_TOLERANCE_SECS - 60);
    assert_eq!(client.check_clock(), Ok(()), "within the tolerance");
    set_high_water(now + CLOCK_TOLERANCE_SECS + 60);
    assert_eq!(client.check_clock(), Err(Status::ClockTampered));
    // A new client keeps the higher mark (it never moves back).
    let again = Client::new(config(dir.path())).unwrap();
    assert_eq!(again.check_clock(), Err(Status::ClockTampered));
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}
