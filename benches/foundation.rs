//! Foundation benchmarks: the computer ID from scratch, system details, envelope verification
//! beside a bare ed25519-dalek verification of the same bytes.
//!
//! Run through `scripts/bench`, which prints the medians next to the committed baseline.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::{Signer, SigningKey as DalekKey};
use licensekit::machine::{Fingerprint, SysRoot, SystemDetails, detect_virtualization, installation_id};
use licensekit::protocol::{Envelope, Kind, SigningKey, TrustedKeys, signed_message};

fn computer_id(c: &mut Criterion) {
    let store = tempfile::tempdir().unwrap();
    c.bench_function("computer_id_from_scratch", |b| {
        b.iter(|| {
            // Everything a first call does: read the sources, detect the platform, hash.
            let root = SysRoot::host();
            let virtualization = detect_virtualization(&root);
            black_box(Fingerprint::compute("6872450105", &root, &virtualization, || {
                installation_id(store.path())
            }))
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

criterion_group!(benches, computer_id, envelopes);
criterion_main!(benches);
