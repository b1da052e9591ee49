//! Writes the seeds of the targets that start behind an outer check (a store's header,
//! checksum and HMAC; a signature; the server's request checks), and checks that each gets
//! past it, so the fuzzer starts from valid examples:
//!
//! ```sh
//! cd fuzz && cargo +nightly run --example seeds
//! ```
//!
//! Every seed is `<target>/<name>`; the first byte of most is the target's selector (see the
//! target's documentation). The older targets' seeds (envelope, payloads, store_file/v1,
//! strict_json) are written by hand and left alone.

use std::path::Path;
use std::sync::LazyLock;

use licensekit::lan::verify_request;
use licensekit::license::{Answering, Expectation, License};
use licensekit::protocol::client_api::{
    AppInfo, CLIENT_AHEAD_SECS, ClientRequest, ErrorResponse, FUTURE_TOLERANCE_SECS, FeatureGrant,
    FeatureKind, KeyHandover, Lease, LeaseResponse, LeaseState, LicenseType, Operation, RequestBody,
    SeatLease,
};
use licensekit::protocol::network::CAPACITY;
use licensekit::protocol::offline::{DeactivationCertificate, PassiveLicense};
use licensekit::protocol::{Kind, SigningKey};
use licensekit::store::{Marks, PendingOffline, StoreState, decode, encode};
use licensekit_fuzz::{
    COMPUTER_ID, FINGERPRINT, INSTALLATION, INSTALLATION_HEX, LICENSE_CODE, NONCE, NOW, PRODUCT, PROTOCOL,
    REQUEST_ID, STORE_KEY, TRUSTED, VENDOR, VENDOR_KEY_ID, signed,
};
use licensekit_server::fuzzing::{certificate_request, deactivation_request, decode as decode_request};

fn main() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = seeds.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    };
    let with = |selector: u8, rest: &[u8]| [&[selector][..], rest].concat();

    // Store: a whole version 2 file, and bodies.
    let state = store_state();
    let file = encode(&state, &STORE_KEY).unwrap();
    assert_eq!(decode(&file, Some(&STORE_KEY)).as_ref(), Ok(&state));
    write("store_file", "v2", &file);
    write("store_body", "state", &serde_json::to_vec(&state).unwrap());
    write("store_body", "empty", &serde_json::to_vec(&StoreState::default()).unwrap());
    let marks = Marks {
        key: "33".repeat(32),
        revision: 3,
        serial_high_water: 9,
        clock_high_water: NOW,
        destroyed_keys: vec![INSTALLATION_HEX.clone()],
    };
    write("store_body", "marks", &serde_json::to_vec(&marks).unwrap());

    // Client requests: bodies as posted, payloads signed by the target, offline texts; each
    // trusts the server's key, is fresh by the server's clock, and gets past every check the
    // server makes before its store (a handover included).
    for (i, operation) in Operation::ALL.into_iter().enumerate() {
        let name = format!("{operation:?}").to_lowercase();
        let selector = u8::try_from(i).unwrap() << 2;
        let handing_over = matches!(operation, Operation::Activate | Operation::StartTrial);
        for (request, name) in [
            (Some(ClientRequest { handover: None, ..client_request(operation) }), name.clone()),
            (handing_over.then(|| client_request(operation)), format!("{name}-handover")),
        ] {
            let Some(request) = request else { continue };
            let payload = json(&request);
            let text = signed(&INSTALLATION, Kind::ClientRequest, &payload, false).unwrap();
            let body = json(&RequestBody { request: text });
            let verified = decode_request(operation, &body, &PROTOCOL)
                .unwrap_or_else(|r| panic!("{operation:?}: {r:?}"));
            assert_eq!(verified.call.handover_from.is_some(), request.handover.is_some());
            assert!(fresh(verified.call.client_time, verified.call.now), "{name}: stale");
            write("client_request", &format!("{name}-body"), &with(selector, &body));
            write("client_request", &format!("{name}-payload"), &with(selector | 1, &payload));
        }
    }
    // Workstations' requests to a LAN daemon, each accepted by its check.
    let served: Vec<Operation> = Operation::LAN.into_iter().chain(CAPACITY).collect();
    for (i, operation) in served.into_iter().enumerate() {
        let name = format!("{operation:?}").to_lowercase();
        let selector = u8::try_from(i).unwrap() << 1;
        let request = lan_request(operation);
        let payload = json(&request);
        let body = json(&RequestBody {
            request: signed(&INSTALLATION, Kind::ClientRequest, &payload, false).unwrap(),
        });
        verify_request(&body, operation, PRODUCT, NOW).unwrap_or_else(|r| panic!("{operation:?}: {r:?}"));
        write("lan_request", &format!("{name}-body"), &with(selector, &body));
        write("lan_request", &format!("{name}-payload"), &with(selector | 1, &payload));
    }

    let activation = json(&ClientRequest { handover: None, ..client_request(Operation::Activate) });
    let offline_text = signed(&INSTALLATION, Kind::ActivationRequest, &activation, true).unwrap();
    let verified = certificate_request(&offline_text, "request", Some(PRODUCT), &PROTOCOL).unwrap();
    assert!(fresh(verified.call.client_time, verified.call.now), "offline: stale");
    write("client_request", "offline-text", &with(2, offline_text.as_bytes()));
    write("client_request", "offline-payload", &with(3 | 4, &activation));
    let handing_over = json(&client_request(Operation::Activate));
    let handover_text = signed(&INSTALLATION, Kind::ActivationRequest, &handing_over, false).unwrap();
    let verified = certificate_request(&handover_text, "request", Some(PRODUCT), &PROTOCOL).unwrap();
    assert_eq!(verified.call.handover_from.as_deref(), Some(PREVIOUS.public_key().to_hex().as_str()));
    write("client_request", "offline-handover-payload", &with(3, &handing_over));

    // The vendor's side of air-gapped licensing.
    write("offline_vendor", "request-text", &with(4, offline_text.as_bytes()));
    write("offline_vendor", "request-payload", &with(1 | 4 | 8, &activation));
    write("offline_vendor", "request-handover-payload", &with(1, &handing_over));
    let deactivation = json(&DeactivationCertificate {
        product_id: PRODUCT.into(),
        license_code: LICENSE_CODE.into(),
        computer_id: COMPUTER_ID.into(),
        installation_key: INSTALLATION_HEX.clone(),
        certificate_serial: 3,
        nonce: NONCE.into(),
        deactivated_at: NOW,
        journal: Vec::new(),
    });
    let deactivation_text =
        signed(&INSTALLATION, Kind::DeactivationCertificate, &deactivation, true).unwrap();
    deactivation_request(&deactivation_text, "certificate", Some(PRODUCT), &PROTOCOL.clock).unwrap();
    write("offline_vendor", "deactivation-text", &with(2 | 4, deactivation_text.as_bytes()));
    write("offline_vendor", "deactivation-payload", &with(3 | 8, &deactivation));

    // The client's import of certificates and passive licenses.
    let answering =
        Answering { installation_key: &INSTALLATION_HEX, nonce: NONCE, license_code: Some(LICENSE_CODE) };
    let expect = Expectation {
        kinds: License::KINDS,
        trusted: &TRUSTED,
        product_id: PRODUCT,
        fingerprint: &FINGERPRINT,
        client_id: COMPUTER_ID,
        request: Some(answering),
        now: Some(NOW),
    };
    let certificate = json(&lease(LicenseType::ExpirationDate));
    let certificate_text = signed(&VENDOR, Kind::ActivationCertificate, &certificate, true).unwrap();
    License::verify(&certificate_text, &expect).unwrap();
    write("certificate_import", "certificate-payload", &with(0, &certificate));
    write("certificate_import", "certificate-text", &with(0x10, certificate_text.as_bytes()));
    let passive = json(&passive_license());
    let passive_text = signed(&VENDOR, Kind::PassiveLicense, &passive, true).unwrap();
    License::verify(&passive_text, &Expectation { request: None, ..expect }).unwrap();
    write("certificate_import", "passive-payload", &with(1 | 4, &passive));
    write("certificate_import", "passive-text", &with(0x10 | 8, passive_text.as_bytes()));
    let lease_payload = json(&lease(LicenseType::SubscriptionPeriod));
    License::verify(&signed(&VENDOR, Kind::Lease, &lease_payload, false).unwrap(), &expect).unwrap();
    write("certificate_import", "lease-payload", &with(0x20 | 2, &lease_payload));
    let trial = json(&Lease { license_code: None, ..lease(LicenseType::Trial) });
    let trial_expect = Expectation { request: Some(Answering { license_code: None, ..answering }), ..expect };
    License::verify(&signed(&VENDOR, Kind::TrialLease, &trial, false).unwrap(), &trial_expect).unwrap();
    write("certificate_import", "trial-payload", &with(0x20 | 3 | 8, &trial));
    write("certificate_import", "deactivation-payload", &with(0x40 | 4, &deactivation));

    // The server's answers, and seat leases.
    let seat = json(&seat_lease());
    let seat_text = signed(&VENDOR, Kind::FloatingSeat, &seat, false).unwrap();
    Expectation { kinds: &[Kind::FloatingSeat], ..expect }.seat(&seat_text).unwrap();
    let response = LeaseResponse {
        lease: Some(signed(&VENDOR, Kind::Lease, &lease_payload, false).unwrap()),
        seat: Some(seat_text.clone()),
        remaining: Some(4),
        master: None,
    };
    write("http_answers", "lease-response", &with(0, &json(&response)));
    let refusal =
        ErrorResponse { status: 104, name: "LK_ACTIVATION_LIMIT".into(), message: "no seat left".into() };
    write("http_answers", "error-response", &with(1, &json(&refusal)));
    write("http_answers", "seat-text", &with(2, seat_text.as_bytes()));
    write("http_answers", "seat-payload", &with(4, &seat));
    // HTTP framing: selector 3 + 5k reads with a body limit of 64k bytes (here 2,560).
    let framed = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{}",
        json(&response).len(),
        String::from_utf8(json(&response)).unwrap()
    );
    write("http_answers", "framed-length", &with(203, framed.as_bytes()));
    let chunked = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n4;x=1\r\n{\"a\"\r\n2\r\n:1\r\n1\r\n}\r\n0\r\nX-Trailer: y\r\n\r\n";
    write("http_answers", "framed-chunked", &with(203, chunked));
    write(
        "http_answers",
        "framed-close",
        &with(203, b"HTTP/1.0 500 Oops\r\nServer: x\r\n\r\ninternal error"),
    );

    // The Web API's inputs.
    write("web_api", "datetime", &with(0, b"2018-08-02T06:59:02.043"));
    write("web_api", "date", &with(0, b"2021-04-30 12:00Z"));
    write("web_api", "authorization", &with(1, b"bearer 12345678:0123456789abcdef"));
    let body = br#"{"productId": 6872450105, "NumCodes": "2", "enabledforuse": "True", "getsfs": 1,
        "expirationdate": "2030-01-01T00:00:00", "maintenanceend": "reset", "status": "on",
        "features": [{"featurecode": "F1", "value": 3, "date": "2024-02-29"}],
        "companydata": "{\"a\": {\"b\": [1, 2]}}", "note": "  text  "}"#;
    write("web_api", "params", &with(2, &[&b"productid=6872450105&amount=3&a=1\0"[..], body].concat()));
    write("web_api", "repeated", &with(3, br#"{"a": {"x": 1, "y": [{"k": 1}, {"K": 2, "k": 3}]}}"#));

    // A simulated machine: fields separated by 0xff (see the target).
    let machine: [&[u8]; 13] = [
        &[0],
        b"0123456789abcdef0123456789abcdef\n",
        b"3D1219C7C4C5404AAA1F6D2A48ADFDA4\n",
        b"4C4C4544-0042-3510-8052-B4C04F384A32",
        b"  cn1234  56 ",
        b"To be filled by O.E.M.",
        b"CHS-42",
        b"QEMU",
        b"eth0 00:1A:2B:3C:4D:5E\n-docker0 02:42:ac:11:00:02\nwlan0 00:1b:2c:3d:4e:5f",
        b"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n23 22 0:5 / /proc rw - proc proc rw",
        b"MAJOR=8\nMINOR=1\nDEVNAME=sda1\nDEVTYPE=partition",
        b"1b4e28ba-2fa1-11d2-883f-0016d3cca427 sda1\nabcd-1234 sdb1",
        b"0::/init.scope",
    ];
    write("machine", "physical", &machine.join(&0xff));
    let mut container = machine;
    container[0] = &[3];
    container[12] = b"12:pids:/docker/0123456789abcdef";
    write("machine", "container", &container.join(&0xff));
    println!("seeds written to {}", seeds.display());
}

/// The installation key a handover hands the seat over from.
static PREVIOUS: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::from_seed(&[0x23; 32]));

/// A request dated `client_time` is fresh for a server at `now` (both in milliseconds):
/// online, within `[now - FUTURE_TOLERANCE_SECS, now + CLIENT_AHEAD_SECS]`; offline that is
/// well within the product's completion window.
fn fresh(client_time: i64, now: i64) -> bool {
    (-FUTURE_TOLERANCE_SECS * 1000..=CLIENT_AHEAD_SECS * 1000).contains(&(client_time - now))
}

fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap()
}

fn store_state() -> StoreState {
    let lease =
        signed(&VENDOR, Kind::Lease, &serde_json::to_vec(&lease(LicenseType::Perpetual)).unwrap(), false);
    StoreState {
        revision: 3,
        clock_high_water: NOW,
        license: lease,
        installation_key: Some("22".repeat(32)),
        serial_high_water: 9,
        master_serial_high_water: 0,
        pending_offline: Some(PendingOffline {
            installation_key: "44".repeat(32),
            nonce: NONCE.into(),
            license_code: LICENSE_CODE.into(),
            request: "-----BEGIN LICENSEKIT ACTIVATION REQUEST-----\n...".into(),
        }),
        last_deactivation: None,
        long_term_seats: vec!["lk1.floating-seat.x".into()],
        deactivating: false,
        journal: Vec::new(),
        journal_head: None,
    }
}

/// A workstation's request to a LAN daemon for `operation`, as the library makes it.
fn lan_request(operation: Operation) -> ClientRequest {
    use Operation::*;
    let seat = matches!(operation, NetworkHeartbeat | NetworkCheckin | FloatingHeartbeat | FloatingCheckin);
    let capacity = CAPACITY.contains(&operation);
    ClientRequest {
        license_code: None,
        system_details: None,
        feature: capacity.then(|| "F1".into()),
        amount: matches!(operation, PoolCheckout | PoolCheckin).then_some(2),
        seat_id: seat.then(|| "ab".repeat(16)),
        checkout_days: (operation == NetworkCheckout).then_some(3),
        held_serial: None,
        handover: None,
        ..client_request(operation)
    }
}

fn client_request(operation: Operation) -> ClientRequest {
    use Operation::*;
    let seat = matches!(operation, FloatingHeartbeat | FloatingCheckin | SessionHeartbeat | SessionClose);
    let feature = matches!(operation, FloatingCheckout | PoolCheckout | PoolCheckin | ConsumeTokens);
    let amount = matches!(operation, PoolCheckout | PoolCheckin | ConsumeTokens);
    ClientRequest {
        operation,
        product_id: PRODUCT.into(),
        license_code: (operation != StartTrial).then(|| LICENSE_CODE.into()),
        computer_id: COMPUTER_ID.into(),
        components: FINGERPRINT.components.clone(),
        installation_key: INSTALLATION_HEX.clone(),
        request_id: REQUEST_ID.into(),
        nonce: NONCE.into(),
        client_time: NOW,
        vm_platform: "Physical".into(),
        system_details: (operation == SystemDetails || operation == Activate).then(|| {
            serde_json::json!({"cores": 4, "operatingsystem": "Linux"}).as_object().unwrap().clone()
        }),
        app: AppInfo { version: "1.2".into(), build: "7".into(), edition: "Pro".into() },
        feature: feature.then(|| "F1".into()),
        amount: amount.then_some(2),
        seat_id: seat.then(|| "ab".repeat(16)),
        checkout_days: (operation == FloatingCheckout).then_some(3),
        trusted_keys: vec![VENDOR_KEY_ID.clone()],
        held_serial: (operation == Refresh).then_some(2),
        // Taking the seat over from the computer's earlier installation.
        handover: matches!(operation, Activate | StartTrial).then(|| {
            let handover = KeyHandover {
                product_id: PRODUCT.into(),
                computer_id: COMPUTER_ID.into(),
                previous_installation_key: PREVIOUS.public_key().to_hex(),
                new_installation_key: INSTALLATION_HEX.clone(),
                nonce: NONCE.into(),
            };
            signed(&PREVIOUS, Kind::KeyHandover, &json(&handover), false).unwrap()
        }),
        network_daemon: false,
        seats_in_use: Vec::new(),
        events: (operation == Events)
            .then(|| {
                vec![licensekit::protocol::events::Event {
                    id: "ef".repeat(16),
                    name: "export-pdf".into(),
                    time: NOW,
                    payload: serde_json::json!({"pages": 3}),
                }]
            })
            .unwrap_or_default(),
        user: None,
        journal: Vec::new(),
    }
}

fn lease(license_type: LicenseType) -> Lease {
    Lease {
        product_id: PRODUCT.into(),
        license_code: Some(LICENSE_CODE.into()),
        computer_id: COMPUTER_ID.into(),
        components: FINGERPRINT.components.clone(),
        installation_key: INSTALLATION_HEX.clone(),
        state: LeaseState::Active,
        license_type,
        features: vec![
            FeatureGrant { code: "F1".into(), kind: FeatureKind::Normal, enabled: true, limit: None },
            FeatureGrant { code: "F2".into(), kind: FeatureKind::Floating, enabled: true, limit: Some(3) },
        ],
        udfs: [("edition".to_owned(), "pro".to_owned())].into(),
        expires: Some(NOW + 86_400),
        maintenance_end: None,
        lease_end: NOW + 3600,
        grace_end: NOW + 7 * 86_400,
        server_time: NOW - 10,
        serial: 5,
        nonce: NONCE.into(),
        vm_platform: "Physical".into(),
        network: None,
        user: None,
    }
}

fn passive_license() -> PassiveLicense {
    PassiveLicense {
        product_id: PRODUCT.into(),
        client_id: COMPUTER_ID.into(),
        features: vec![FeatureGrant {
            code: "F1".into(),
            kind: FeatureKind::ElementPool,
            enabled: true,
            limit: Some(10),
        }],
        udfs: [("seats".to_owned(), "4".to_owned())].into(),
        company: Some("ACME".into()),
        profile: None,
        issued_at: NOW - 100,
        serial: 2,
        expires: Some(NOW + 86_400),
    }
}

fn seat_lease() -> SeatLease {
    SeatLease {
        product_id: PRODUCT.into(),
        license_code: LICENSE_CODE.into(),
        computer_id: COMPUTER_ID.into(),
        installation_key: INSTALLATION_HEX.clone(),
        seat_id: "ab".repeat(16),
        feature: Some("F2".into()),
        expires: NOW + 600,
        heartbeat_secs: 300,
        long_term: false,
        server_time: NOW - 1,
        serial: 7,
        nonce: NONCE.into(),
    }
}
