//! In-process benchmarks: the computer ID from scratch, system details, envelope verification
//! beside a bare ed25519-dalek verification of the same bytes, and the local checks on a
//! stored lease (client cold start, `lk_feature_enabled` through the C entry point).
//!
//! Run through `scripts/bench`, which prints the medians next to the committed baseline.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signer, SigningKey as DalekKey};
use licensekit::machine::{Fingerprint, SysRoot, SystemDetails, detect_virtualization};
use licensekit::protocol::{Envelope, Kind, SigningKey, TrustedKeys, signed_message};
use licensekit::store::Store;
use licensekit::{Client, Config};
use std::ffi::c_void;

fn computer_id(c: &mut Criterion) {
    c.bench_function("computer_id_from_scratch", |b| {
        b.iter(|| {
            // Everything a first call does: read the sources, detect the platform, hash.
            let root = SysRoot::host();
            let virtualization = detect_virtualization(&root);
            black_box(Fingerprint::compute("6872450105", &root, &virtualization))
        })
    });
    c.bench_function("system_details", |b| b.iter(|| black_box(SystemDetails::gather())));
}

fn envelopes(c: &mut Criterion) {
    let seed = [42u8; 32];
    let key = SigningKey::from_seed(&seed);
    let payload = br#"{"product":"6872450105","licensecode":"206454320110930859","computerid":"BLXRrZJ5T9imK7qPrJSL","leaseend":1790000000,"serial":12,"features":{"F1":true,"F2":false}}"#;
    let text = Envelope::sign(&key, Kind::Lease, payload).unwrap().to_compact();
    let mut trusted = TrustedKeys::new();
    trusted.add(key.public_key()).unwrap();

    let dalek = DalekKey::from_bytes(&seed);
    let verifying = dalek.verifying_key();
    let message = signed_message(Kind::Lease, payload);
    let signature = dalek.sign(&message);

    let mut group = c.benchmark_group("verify");
    group.bench_function("envelope_parse_and_verify", |b| {
        b.iter(|| {
            let envelope = Envelope::parse(black_box(&text)).unwrap();
            black_box(envelope.verify(&trusted, Kind::Lease).unwrap().len())
        })
    });
    group.bench_function("bare_ed25519_dalek_verify_strict", |b| {
        b.iter(|| black_box(verifying.verify_strict(black_box(&message), black_box(&signature)).is_ok()))
    });
    group.finish();
}

/// A client whose store holds a lease for this computer, signed by a key the bench owns.
fn licensed_client(dir: &std::path::Path) -> (Config, Client) {
    use licensekit::protocol::client_api::{FeatureGrant, FeatureKind, Lease, LeaseState, LicenseType};
    let vendor = SigningKey::from_seed(&[5; 32]);
    let mut config = Config::new("6872450105").unwrap();
    config.add_public_key(&vendor.public_key().to_hex()).unwrap();
    config.set_store_dir(dir).unwrap();
    let fingerprint = Client::new(config.clone()).unwrap().fingerprint().clone();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let features = (0..20)
        .map(|i| FeatureGrant {
            code: format!("FEATURE{i:02}"),
            kind: FeatureKind::Normal,
            enabled: true,
            limit: None,
        })
        .collect();
    let lease = Lease {
        product_id: "6872450105".into(),
        license_code: Some("206454320110930859".into()),
        computer_id: fingerprint.computer_id.clone(),
        components: fingerprint.components.clone(),
        installation_key: vendor.public_key().to_hex(),
        state: LeaseState::Active,
        license_type: LicenseType::Perpetual,
        features,
        udfs: Default::default(),
        expires: None,
        maintenance_end: None,
        lease_end: now + 86_400,
        grace_end: now + 30 * 86_400,
        server_time: now,
        serial: 1,
        nonce: "00".repeat(16),
        vm_platform: "Physical".into(),
        network: None,
        user: None,
    };
    let text =
        Envelope::sign(&vendor, Kind::Lease, &serde_json::to_vec(&lease).unwrap()).unwrap().to_compact();
    Store::open(dir, "6872450105")
        .unwrap()
        .update(|s| {
            s.license = Some(text);
            Ok(())
        })
        .unwrap();
    let client = Client::new(config.clone()).unwrap();
    assert_eq!(client.status(), licensekit::Status::Ok);
    (config, client)
}

fn local_checks(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (config, client) = licensed_client(dir.path());
    c.bench_function("client_new_with_stored_lease", |b| {
        b.iter(|| black_box(Client::new(config.clone()).unwrap()))
    });
    drop(client);
    // The C entry points, declared as a C program sees them (handles are opaque).
    unsafe extern "C" {
        fn lk_config_new(product_id: *const std::ffi::c_char, out: *mut *mut c_void) -> licensekit::Status;
        fn lk_config_add_public_key(cfg: *mut c_void, hex: *const std::ffi::c_char) -> licensekit::Status;
        fn lk_config_set_store_dir(cfg: *mut c_void, path: *const std::ffi::c_char) -> licensekit::Status;
        fn lk_client_new(cfg: *const c_void, out: *mut *mut c_void) -> licensekit::Status;
        fn lk_feature_enabled(client: *const c_void, code: *const std::ffi::c_char) -> licensekit::Status;
    }
    let key = std::ffi::CString::new(SigningKey::from_seed(&[5; 32]).public_key().to_hex()).unwrap();
    let path = std::ffi::CString::new(dir.path().to_str().unwrap()).unwrap();
    let mut cfg = std::ptr::null_mut();
    let mut handle = std::ptr::null_mut();
    // SAFETY: valid NUL-terminated strings and out-pointers; the handles live to the end.
    unsafe {
        lk_config_new(c"6872450105".as_ptr(), &mut cfg);
        lk_config_add_public_key(cfg, key.as_ptr());
        lk_config_set_store_dir(cfg, path.as_ptr());
        assert_eq!(lk_client_new(cfg, &mut handle), licensekit::Status::Ok);
    }
    let handle = Handle(handle);
    let code = c"FEATURE13";
    let mut group = c.benchmark_group("lk_feature_enabled");
    for threads in [1usize, 8] {
        group.bench_function(format!("{threads}_threads"), |b| {
            b.iter_custom(|iterations| {
                // Every thread makes `iterations` calls; the figure is the time per call as
                // one thread sees it, so contention shows up as growth with threads.
                let start = std::time::Instant::now();
                std::thread::scope(|s| {
                    for _ in 0..threads {
                        s.spawn(|| {
                            for _ in 0..iterations {
                                // SAFETY: a live client and a NUL-terminated string.
                                let status =
                                    unsafe { lk_feature_enabled(handle.get(), black_box(code.as_ptr())) };
                                assert_eq!(status, licensekit::Status::Ok);
                            }
                        });
                    }
                });
                start.elapsed()
            })
        });
    }
    group.finish();
}

/// The client pointer, shared by the checking threads (an `lk_client` is thread-safe).
struct Handle(*mut c_void);
// SAFETY: lk_client is documented thread-safe; the pointer stays valid for the whole bench.
unsafe impl Sync for Handle {}

impl Handle {
    fn get(&self) -> *mut c_void {
        self.0
    }
}

criterion_group!(benches, computer_id, envelopes, local_checks);
criterion_main!(benches);
