//! Air-gapped activation through the Web API with the real client: a request becomes a
//! certificate under the online rules, the certificate activates the machine, and a
//! deactivation certificate frees the seat once; forged ones free nothing.

mod common;

use common::Server;
use common::licensing::{client, code, now_secs, product, update_code};
use common::offline::{
    activity, air_gapped, certificate, certificate_as, deactivate, payload_of, signed_deactivation,
};
use licensekit::Status;
use licensekit::protocol::client_api::{ClientRequest, Lease, LicenseType};
use licensekit::protocol::offline::DeactivationCertificate;
use licensekit::protocol::{Envelope, Kind, SigningKey};
use serde_json::json;

const DAY: i64 = 86_400;

fn cad_product(server: &Server, clients: i64) -> String {
    product(
        server,
        json!({"clientsallowed": clients, "clientleaseperiod": 2, "clientofflineleaseperiod": 30,
               "features": [{"featurecode": "EXPORT", "featurename": "Export", "notes": "n"},
                            {"featurecode": "RENDER", "featurename": "Render", "notes": "n"}],
               "udfvalues": [{"fieldname": "EDITION", "defaultvalue": "pro"}]}),
    )
}

#[test]
fn round_trip_activates_deactivates_once_and_frees_the_seat() {
    let server = Server::start();
    let product = cad_product(&server, 1);
    let code = code(
        &server,
        &product,
        json!({"features": [{"featurecode": "RENDER", "featureavailability": "off"}],
               "udfvalues": [{"fieldname": "EDITION", "defaultvalue": "site"}]}),
    );
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = air_gapped(&server, &product, dir_a.path());
    let b = air_gapped(&server, &product, dir_b.path());
    assert_ne!(a.computer_id(), b.computer_id());

    let request = a.offline_activation_request(&code).unwrap();
    assert!(request.starts_with("-----BEGIN LICENSEKIT ACTIVATION REQUEST-----"), "{request}");
    // Every key kind the seed lists may ask; the DS key may not.
    assert_eq!(certificate_as(&server, "ds", &product, &request).0, 403);
    let before = now_secs();
    let cert = certificate(&server, &product, &request);
    assert!(cert.starts_with("-----BEGIN LICENSEKIT ACTIVATION CERTIFICATE-----"), "{cert}");
    // The same request again (a lost file) gets the same certificate, and takes no second seat.
    assert_eq!(certificate_as(&server, "read_only", &product, &request), (200, json!(cert)));
    assert_eq!(certificate_as(&server, "read_write", &product, &request), (200, json!(cert)));

    a.import_certificate(&cert).unwrap();
    assert_eq!(a.status(), Status::Ok);
    assert_eq!(a.feature_enabled("EXPORT"), Status::Ok);
    assert_eq!(a.feature_enabled("RENDER"), Status::FeatureNotEnabled);
    assert_eq!(a.udf_value("EDITION").unwrap(), "site");
    let license = a.license().unwrap();
    assert_eq!(license.kind(), Kind::ActivationCertificate);
    let lease = license.lease();
    assert_eq!(lease.license_code.as_deref(), Some(code.as_str()));
    assert_eq!(lease.computer_id, a.computer_id());
    assert_eq!(lease.license_type, LicenseType::Perpetual);
    assert!(lease.server_time >= before - 1 && lease.server_time <= now_secs() + 1);
    assert_eq!(lease.lease_end - lease.server_time, 30 * DAY);
    assert_eq!(lease.grace_end, lease.lease_end);

    // Recorded like an online activation, with the machine's system details.
    let rows = server.ok(
        "GET",
        "LicenseCodeActivity",
        &json!({"productid": product, "licensecode": code, "getsysinfo": 1}),
    );
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((&rows[0]["computerID"], &rows[0]["status"]), (&json!(a.computer_id()), &json!("ACTIVATED")));
    assert_eq!(rows[0]["systemInfo"]["edition"], "AIR");

    // The only seat is taken: another machine is refused as online activation refuses it.
    let other = b.offline_activation_request(&code).unwrap();
    let (status, answer) = certificate_as(&server, "offline", &product, &other);
    assert_eq!(status, 409, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("all 1 activations"), "{answer}");

    let deactivation = a.offline_deactivation_certificate().unwrap();
    assert!(deactivation.starts_with("-----BEGIN LICENSEKIT DEACTIVATION CERTIFICATE-----"));
    assert_eq!(a.status(), Status::Deactivated);

    // Someone who knows only the code cannot give the seat back: neither with a key of their
    // own, nor naming the machine's recorded key without holding it.
    let given: DeactivationCertificate = serde_json::from_slice(&payload_of(&deactivation)).unwrap();
    let forger = SigningKey::generate().unwrap();
    let own_key = DeactivationCertificate { installation_key: forger.public_key().to_hex(), ..given.clone() };
    let (status, answer) = deactivate(&server, &product, &signed_deactivation(&forger, &own_key));
    assert_eq!(status, 403, "{answer}");
    let (status, answer) = deactivate(&server, &product, &signed_deactivation(&forger, &given));
    assert_eq!(status, 403, "{answer}");
    assert_eq!(certificate_as(&server, "offline", &product, &other).0, 409, "the seat is still held");

    // The real one frees the seat, once.
    assert_eq!(deactivate(&server, &product, &deactivation), (200, json!("OK")));
    let (status, answer) = deactivate(&server, &product, &deactivation);
    assert_eq!(status, 409, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("accepted once"), "{answer}");
    assert_eq!(activity(&server, &product, &code)[0]["status"], "DEACTIVATED");

    // The seat is free: the other machine activates.
    let other_cert = certificate(&server, &product, &other);
    b.import_certificate(&other_cert).unwrap();
    assert_eq!(b.status(), Status::Ok);

    // The old certificate cannot be installed again on the first machine.
    assert_eq!(a.import_certificate(&cert), Err(Status::WrongRequest));
    assert_eq!(a.status(), Status::Deactivated);
    // Nor can its old request take a seat again, even once the code has room.
    update_code(&server, &product, &code, json!({"clientsallowed": 5}));
    let (status, answer) = certificate_as(&server, "offline", &product, &request);
    assert!(status == 409 || answer == json!(cert), "{status} {answer}");
    assert_eq!(
        server.ok("GET", "LicenseCode", &json!({"productid": product, "licensecode": code}))[0]["numActivations"],
        1
    );
}

#[test]
fn online_rules_hold_offline() {
    let server = Server::start_with(&["--hour-seconds", "1"]);
    let product = product(
        &server,
        json!({"clientsallowed": 2, "clientofflineleaseperiod": 3, "intrial": true, "trialperiod": 10,
               "features": [{"featurecode": "EXPORT", "featurename": "Export", "notes": "n"}]}),
    );
    let code = code(&server, &product, json!({}));
    let dirs: Vec<tempfile::TempDir> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();

    // A trial on the first machine, online; its offline activation converts it.
    let online = client(&server, &product, dirs[0].path());
    online.start_trial().unwrap();
    let offline_one = air_gapped(&server, &product, dirs[0].path());
    let cert = certificate(&server, &product, &offline_one.offline_activation_request(&code).unwrap());
    offline_one.import_certificate(&cert).unwrap();
    let trial =
        server.ok("GET", "Trial", &json!({"productid": product, "computerid": offline_one.computer_id()}));
    assert_eq!(trial, "Trial Activated");
    // With one "hour" of a second, the certificate runs 3 * 24 seconds.
    let lease: Lease = serde_json::from_slice(&payload_of(&cert)).unwrap();
    assert_eq!(lease.lease_end - lease.server_time, 72);

    // Online and offline activations share the seats: one online, then the limit.
    client(&server, &product, dirs[1].path()).activate(&code).unwrap();
    let third = air_gapped(&server, &product, dirs[2].path());
    let (status, answer) =
        certificate_as(&server, "offline", &product, &third.offline_activation_request(&code).unwrap());
    assert_eq!(status, 409, "{answer}");
    assert_eq!(client(&server, &product, dirs[3].path()).activate(&code), Err(Status::ActivationLimit));

    // Disabled, expired, unknown, and a code whose offline lease period is 0.
    let refused = |settings: serde_json::Value, status: u16, words: &str| {
        let code = common::licensing::code(&server, &product, settings);
        let request = third.offline_activation_request(&code).unwrap();
        let (got, answer) = certificate_as(&server, "offline", &product, &request);
        assert_eq!(got, status, "{answer}");
        assert!(answer["error"].as_str().unwrap().contains(words), "{answer}");
        assert!(activity(&server, &product, &code).is_empty(), "nothing recorded");
    };
    refused(json!({"enabledforuse": false}), 403, "license_code: the license code is disabled");
    refused(json!({"licensetype": "expirationdate", "subscriptionenddate": "2020-01-01"}), 403, "expired");
    refused(json!({"clientofflineleaseperiod": 0}), 400, "clientofflineleaseperiod");
    let request = third.offline_activation_request("123456789012345678").unwrap();
    let (status, answer) = certificate_as(&server, "offline", &product, &request);
    assert_eq!(status, 404, "{answer}");
    // The request is for this product: another product ID in the call is refused.
    let other_product = cad_product(&server, 1);
    let (status, answer) = certificate_as(&server, "offline", &other_product, &request);
    assert_eq!(status, 400, "{answer}");
    assert!(answer["error"].as_str().unwrap().starts_with("productid:"), "{answer}");
}

/// Re-signs the request's payload (changed by `change`) with `key`, as an envelope of `kind`.
fn resign(request: &str, key: &SigningKey, kind: Kind, change: impl FnOnce(&mut ClientRequest)) -> String {
    let mut payload: ClientRequest = serde_json::from_slice(&payload_of(request)).unwrap();
    change(&mut payload);
    Envelope::sign(key, kind, &serde_json::to_vec(&payload).unwrap()).unwrap().to_armoured()
}

#[test]
fn bad_requests_and_certificates_are_refused_naming_the_field_and_write_nothing() {
    let server = Server::start();
    let product = cad_product(&server, 3);
    let code = code(&server, &product, json!({}));
    let dir = tempfile::tempdir().unwrap();
    let app = air_gapped(&server, &product, dir.path());
    let request = app.offline_activation_request(&code).unwrap();
    let stranger = SigningKey::generate().unwrap();

    let compact = Envelope::parse(&request).unwrap().to_compact();
    let mut flipped = compact.clone().into_bytes();
    // A bit of the signature; bits flipped in the payload are refused as malformed (400).
    let at = compact.rfind('.').unwrap() + 5;
    flipped[at] = if flipped[at] == b'A' { b'B' } else { b'A' };
    let cases: Vec<(&str, String, u16)> = vec![
        ("garbage", "hello".into(), 400),
        ("hex as in the seed", "d0801330b069c8412918609af803a1d8".repeat(20), 400),
        ("oversized", "A".repeat(100 * 1024), 413),
        ("a bit flipped", String::from_utf8(flipped).unwrap(), 403),
        (
            "signed by another key than it names",
            resign(&request, &stranger, Kind::ActivationRequest, |_| {}),
            403,
        ),
        (
            "an online client request",
            resign(&request, &stranger, Kind::ClientRequest, |r| {
                r.installation_key = stranger.public_key().to_hex();
            }),
            400,
        ),
        (
            "not an activation",
            resign(&request, &stranger, Kind::ActivationRequest, |r| {
                r.installation_key = stranger.public_key().to_hex();
                r.operation = licensekit::protocol::client_api::Operation::Refresh;
            }),
            400,
        ),
        (
            "a bad nonce",
            resign(&request, &stranger, Kind::ActivationRequest, |r| {
                r.installation_key = stranger.public_key().to_hex();
                r.nonce = "zz".into();
            }),
            400,
        ),
    ];
    for (what, text, status) in cases {
        let (got, answer) = certificate_as(&server, "offline", &product, &text);
        assert_eq!(got, status, "{what}: {answer}");
        assert!(
            answer["error"].as_str().unwrap().starts_with("activationcertificate:")
                || answer["error"].as_str().unwrap().contains(':'),
            "{what}: {answer}"
        );
    }
    let (status, answer) = server.call("GET", "OfflineActivation", "offline", &json!({"productid": product}));
    assert_eq!((status, answer), (400, json!({"error": "activationcertificate: required"})));
    assert!(activity(&server, &product, &code).is_empty(), "nothing written");

    // The compact form of the real request works as well as the armoured one.
    let cert = certificate(&server, &product, &compact);
    app.import_certificate(&cert).unwrap();

    // Deactivation: garbage, another kind of envelope, another computer's seat.
    for (what, text, status) in [
        ("garbage", "x".to_owned(), 400),
        ("an activation request", request.clone(), 400),
        ("an activation certificate", cert.clone(), 400),
    ] {
        let (got, answer) = deactivate(&server, &product, &text);
        assert_eq!(got, status, "{what}: {answer}");
        assert!(
            answer["error"].as_str().unwrap().starts_with("deactivationcertificate:"),
            "{what}: {answer}"
        );
    }
    let lease: Lease = serde_json::from_slice(&payload_of(&cert)).unwrap();
    let mine = DeactivationCertificate {
        product_id: product.clone(),
        license_code: code.clone(),
        computer_id: "SOMEONE-ELSES-MACHIN".into(),
        installation_key: stranger.public_key().to_hex(),
        certificate_serial: lease.serial,
        nonce: lease.nonce.clone(),
        deactivated_at: now_secs(),
        journal: Vec::new(),
    };
    let (status, answer) = deactivate(&server, &product, &signed_deactivation(&stranger, &mine));
    assert_eq!(status, 404, "no activation there: {answer}");
    assert_eq!(activity(&server, &product, &code)[0]["status"], "ACTIVATED");
    assert_eq!(app.status(), Status::Ok);
}

#[test]
fn deleted_activity_has_no_seat_to_give_back() {
    let server = Server::start();
    let product = cad_product(&server, 1);
    let code = code(&server, &product, json!({}));
    let dir = tempfile::tempdir().unwrap();
    let app = air_gapped(&server, &product, dir.path());
    let cert = certificate(&server, &product, &app.offline_activation_request(&code).unwrap());
    app.import_certificate(&cert).unwrap();
    let body = json!({"productid": product, "licensecode": code, "computerid": app.computer_id()});
    server.ok("DELETE", "LicenseCodeActivity", &body);
    let (status, answer) = deactivate(&server, &product, &app.offline_deactivation_certificate().unwrap());
    assert_eq!(status, 409, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("deleted"), "{answer}");
}
