//! The client protocol spoken by hand: what a client library never sends (forged and
//! replayed requests, someone else's key, garbage) and what is easier to see on the wire
//! (identical answers to retries, serials, the VM lease period). The attacks the hardening
//! of the protocol stops are in `client_hardening.rs`.

mod common;

use common::Server;
use common::licensing::{client, code, product};
use common::raw::{Installation, body, hex32, lease, post, refused};
use licensekit::Status;
use licensekit::protocol::client_api::{
    AppInfo, ClientRequest, LeaseState, Operation, PATH_ACTIVATE, PATH_DEACTIVATE, PATH_REFRESH,
    PATH_SYSTEM_DETAILS, PATH_TRIAL,
};
use licensekit::protocol::{Envelope, Kind, SigningKey};
use serde_json::{Value, json};

fn activity(server: &Server, product: &str, code: &str) -> Vec<Value> {
    let list = server.ok("GET", "LicenseCodeActivity", &json!({"productid": product, "licensecode": code}));
    list.as_array().unwrap().clone()
}

#[test]
fn retries_get_the_identical_answer_and_serials_only_go_up() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 1, "clientleaseperiod": 4}));
    let code = code(&server, &product, json!({}));
    let me = Installation::new(&server, &product, Some(&code), "RAWCOMPUTER000000001");
    let request = me.request(Operation::Activate);
    let activate = body(&me.key, &request);
    let (first, text) = lease(&server, PATH_ACTIVATE, &activate);
    assert_eq!(first.nonce, request.nonce);
    assert_eq!(first.installation_key, request.installation_key);
    assert_eq!(first.components, request.components);
    assert_eq!(first.computer_id, request.computer_id);
    assert_eq!(first.state, LeaseState::Active);
    // A retry after a lost answer: the same bytes, no second seat, no new serial.
    let (_, again) = lease(&server, PATH_ACTIVATE, &activate);
    assert_eq!(again, text);
    assert_eq!(activity(&server, &product, &code).len(), 1);
    // The same request ID with other content is refused.
    let reused = ClientRequest { nonce: hex32(), ..request.clone() };
    refused(&server, PATH_ACTIVATE, &body(&me.key, &reused), 400, Status::MalformedPayload);

    let refresh = body(&me.key, &me.request(Operation::Refresh));
    let (second, text) = lease(&server, PATH_REFRESH, &refresh);
    assert!(second.serial > first.serial);
    assert_eq!(lease(&server, PATH_REFRESH, &refresh).1, text);
    let (third, _) = lease(&server, PATH_REFRESH, &body(&me.key, &me.request(Operation::Refresh)));
    assert!(third.serial > second.serial);
    // A retried deactivation answers the same deactivated lease; the seat is freed once.
    let deactivate = body(&me.key, &me.request(Operation::Deactivate));
    let (gone, text) = lease(&server, PATH_DEACTIVATE, &deactivate);
    assert_eq!(gone.state, LeaseState::Deactivated);
    assert!(gone.serial > third.serial);
    assert_eq!(lease(&server, PATH_DEACTIVATE, &deactivate).1, text);
    let (after, _) = lease(&server, PATH_REFRESH, &body(&me.key, &me.request(Operation::Refresh)));
    assert_eq!(after.state, LeaseState::Deactivated);

    // The serial survives a restart of the server.
    let mut server = server;
    assert!(server.terminate().success());
    let (child, base) = common::spawn_serve_at(&[], &server.location(), &[]);
    let restarted = Server::adopt(server, child, base);
    let other = Installation::new(&restarted, &product, Some(&code), "RAWCOMPUTER000000002");
    let (fresh, _) = lease(&restarted, PATH_ACTIVATE, &body(&other.key, &other.request(Operation::Activate)));
    assert!(fresh.serial > after.serial);
}

#[test]
fn only_the_recorded_installation_key_can_refresh_deactivate_or_upload() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 2}));
    let code = code(&server, &product, json!({}));
    let me = Installation::new(&server, &product, Some(&code), "VICTIMCOMPUTER000001");
    let other = Installation::new(&server, &product, Some(&code), "OTHERCOMPUTER0000001");
    lease(&server, PATH_ACTIVATE, &body(&me.key, &me.request(Operation::Activate)));
    lease(&server, PATH_ACTIVATE, &body(&other.key, &other.request(Operation::Activate)));

    // Knowing the code and the computer ID is not enough: a key of one's own is refused.
    let attacker = Installation::new(&server, &product, Some(&code), "VICTIMCOMPUTER000001");
    for operation in [Operation::Deactivate, Operation::Refresh, Operation::SystemDetails] {
        let mut request = attacker.request(operation);
        request.system_details = Some(serde_json::Map::new());
        refused(&server, operation.path(), &body(&attacker.key, &request), 403, Status::BadSignature);
    }
    let mut without_code = attacker.request(Operation::Deactivate);
    without_code.license_code = None;
    refused(&server, PATH_DEACTIVATE, &body(&attacker.key, &without_code), 403, Status::BadSignature);
    // Another installation's real key, for the victim's computer.
    let mut borrowed = other.request(Operation::Deactivate);
    borrowed.computer_id = me.computer.clone();
    refused(&server, PATH_DEACTIVATE, &body(&other.key, &borrowed), 403, Status::BadSignature);
    // A request naming the victim's key but signed by another one.
    refused(
        &server,
        PATH_DEACTIVATE,
        &body(&attacker.key, &me.request(Operation::Deactivate)),
        403,
        Status::BadSignature,
    );
    assert!(activity(&server, &product, &code).iter().all(|a| a["status"] == "ACTIVATED"));

    // The owner uploads its system details and deactivates, without naming the code.
    let mut upload = me.request(Operation::SystemDetails);
    upload.app = AppInfo { version: "3.0".into(), build: "9".into(), edition: "PRO".into() };
    upload.system_details =
        Some(json!({"operatingsystem": "Plan 9", "cores": 4}).as_object().unwrap().clone());
    let (status, answer) = post(&server, PATH_SYSTEM_DETAILS, &body(&me.key, &upload));
    assert_eq!((status, &answer), (200, &json!({})));
    let details =
        server.ok("GET", "SystemDetails", &json!({"productid": product, "computerid": me.computer}));
    assert_eq!((&details["operatingsystem"], &details["cores"]), (&json!("Plan 9"), &json!("4")));
    assert_eq!(
        (&details["version"], &details["build"], &details["edition"]),
        (&json!("3.0"), &json!("9"), &json!("PRO"))
    );
    let mut deactivate = me.request(Operation::Deactivate);
    deactivate.license_code = None;
    let (gone, _) = lease(&server, PATH_DEACTIVATE, &body(&me.key, &deactivate));
    assert_eq!((gone.state, gone.license_code.as_deref()), (LeaseState::Deactivated, Some(code.as_str())));
}

#[test]
fn refusals_name_their_reason_and_bad_input_is_never_a_5xx() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 1}));
    let code = code(&server, &product, json!({}));
    let me = Installation::new(&server, &product, Some(&code), "RAWCOMPUTER000000009");

    let unknown_product = Installation::new(&server, "0000000000", Some(&code), "RAWCOMPUTER000000009");
    refused(
        &server,
        PATH_ACTIVATE,
        &body(&unknown_product.key, &unknown_product.request(Operation::Activate)),
        404,
        Status::InvalidProductId,
    );
    let unknown_code = Installation::new(&server, &product, Some("123"), "RAWCOMPUTER000000009");
    refused(
        &server,
        PATH_ACTIVATE,
        &body(&unknown_code.key, &unknown_code.request(Operation::Activate)),
        404,
        Status::InvalidLicenseCode,
    );
    refused(&server, PATH_REFRESH, &body(&me.key, &me.request(Operation::Refresh)), 404, Status::NoLicense);
    refused(
        &server,
        PATH_DEACTIVATE,
        &body(&me.key, &me.request(Operation::Deactivate)),
        404,
        Status::NoLicense,
    );
    let trial = Installation::new(&server, &product, None, "RAWCOMPUTER000000009");
    refused(
        &server,
        PATH_TRIAL,
        &body(&trial.key, &trial.request(Operation::StartTrial)),
        403,
        Status::TrialUnavailable,
    );
    lease(&server, PATH_ACTIVATE, &body(&me.key, &me.request(Operation::Activate)));
    let second = Installation::new(&server, &product, Some(&code), "RAWCOMPUTER000000010");
    refused(
        &server,
        PATH_ACTIVATE,
        &body(&second.key, &second.request(Operation::Activate)),
        409,
        Status::ActivationLimit,
    );

    // The operation is signed: posted to another operation's path, it is refused.
    refused(
        &server,
        PATH_REFRESH,
        &body(&second.key, &second.request(Operation::Activate)),
        400,
        Status::MalformedPayload,
    );
    // Fields out of bounds.
    let mut bad = second.request(Operation::Activate);
    bad.request_id = "not hex".into();
    refused(&server, PATH_ACTIVATE, &body(&second.key, &bad), 400, Status::MalformedPayload);
    let mut bad = second.request(Operation::Activate);
    bad.license_code = None;
    refused(&server, PATH_ACTIVATE, &body(&second.key, &bad), 400, Status::MalformedPayload);
    // Not a client request: another kind of envelope, another signer, no key at all.
    let request = serde_json::to_vec(&second.request(Operation::Activate)).unwrap();
    let lease_kind = Envelope::sign(&second.key, Kind::Lease, &request).unwrap().to_compact();
    refused(
        &server,
        PATH_ACTIVATE,
        json!({"request": lease_kind}).to_string().as_bytes(),
        400,
        Status::WrongKind,
    );
    let stranger = SigningKey::generate().unwrap();
    refused(
        &server,
        PATH_ACTIVATE,
        &body(&stranger, &second.request(Operation::Activate)),
        403,
        Status::BadSignature,
    );
    let mut keyless = second.request(Operation::Activate);
    keyless.installation_key = "zz".into();
    refused(&server, PATH_ACTIVATE, &body(&second.key, &keyless), 400, Status::MalformedPayload);

    // Garbage bodies: 4xx with a licensekit status, never a 5xx.
    let envelope = String::from_utf8(body(&second.key, &second.request(Operation::Activate))).unwrap();
    let garbage: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"null".to_vec(),
        b"{}".to_vec(),
        b"[]".to_vec(),
        b"\xff\xfe".to_vec(),
        br#"{"request": 5}"#.to_vec(),
        br#"{"request": ""}"#.to_vec(),
        br#"{"request": "lk1.client-request.0011223344556677.e30.AA"}"#.to_vec(),
        br#"{"request": "lk9.client-request.x.y.z"}"#.to_vec(),
        br#"{"request": "a", "request": "b"}"#.to_vec(),
        envelope.replace("lk1.", "lk1.x").into_bytes(),
        envelope.as_bytes()[..envelope.len() / 2].to_vec(),
        format!(r#"{{"request": "{}"}}"#, "A".repeat(100_000)).into_bytes(),
    ];
    for bytes in &garbage {
        for path in Operation::ALL.map(Operation::path) {
            let (status, answer) = post(&server, path, bytes);
            assert!(
                (400..500).contains(&status),
                "{path} {:?}: {status} {answer}",
                String::from_utf8_lossy(bytes)
            );
            assert!(answer["status"].as_u64().is_some() && answer["name"].is_string(), "{answer}");
        }
    }
    // An oversized body is refused from its Content-Length, before it is read (an HTTP
    // library would see the connection close under its upload, so this speaks HTTP itself).
    let addr = server.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let head = format!("POST {PATH_ACTIVATE} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 200000\r\n\r\n");
    std::io::Write::write_all(&mut stream, head.as_bytes()).unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains(r#""name":"LK_ENVELOPE_TOO_LARGE""#), "{response}");
    let (status, answer) = server.raw("GET", PATH_ACTIVATE, None, b"");
    assert_eq!((status, answer["name"].as_str()), (405, Some("LK_INVALID_ARGUMENT")));
    let (status, _) = post(&server, "/client/v1/launch-missiles", b"{}");
    assert_eq!(status, 404);
    let (status, _) = post(&server, "/client/v2/activate", b"{}");
    assert_eq!(status, 404);
    for path in ["/client/v1/floating/launch", "/client/v1/floating", "/client/v1/floating/checkout/x"] {
        let (status, answer) = post(&server, path, b"{}");
        assert_eq!((status, answer["name"].as_str()), (404, Some("LK_INVALID_ARGUMENT")), "{path}");
    }
}

#[test]
fn the_vm_lease_period_applies_off_physical_machines() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 2, "clientleaseperiod": 5, "vmleaseperiod": 1}));
    let code = code(&server, &product, json!({}));
    let physical = Installation::new(&server, &product, Some(&code), "PHYSICALCOMPUTER0001");
    let (lease_p, _) =
        lease(&server, PATH_ACTIVATE, &body(&physical.key, &physical.request(Operation::Activate)));
    assert_eq!(lease_p.lease_end - lease_p.server_time, 5 * 3600);
    assert_eq!(lease_p.vm_platform, "Physical");
    let vm = Installation::new(&server, &product, Some(&code), "VIRTUALCOMPUTER00001");
    let mut request = vm.request(Operation::Activate);
    request.vm_platform = "KVM".into();
    let (lease_v, _) = lease(&server, PATH_ACTIVATE, &body(&vm.key, &request));
    assert_eq!(lease_v.lease_end - lease_v.server_time, 3600);
    assert_eq!(lease_v.vm_platform, "KVM");
    let listed = activity(&server, &product, &code);
    assert_eq!((&listed[1]["vmPlatform"], &listed[1]["vmLeaseperiod"]), (&json!("KVM"), &json!(1)));
}

#[test]
fn consumer_records_follow_the_activations_and_trials_of_a_computer() {
    let server = Server::start();
    let product = product(&server, json!({"intrial": true, "clientsallowed": 2}));
    let code = code(&server, &product, json!({}));
    let store = tempfile::tempdir().unwrap();
    let app = client(&server, &product, store.path());
    app.start_trial().unwrap();
    app.activate(&code).unwrap();
    let computer = app.computer_id();
    for (license_code, name) in [("", "Trial"), (code.as_str(), "Buyer")] {
        server.ok(
            "POST",
            "ConsumerData",
            &json!({"productid": product, "computerid": computer, "licensecode": license_code,
                    "clientinfo": {"firstname": name, "lastname": "User", "email": "u@example.com"}}),
        );
    }
    let get = |kind: &str| {
        server.ok(
            "GET",
            "ConsumerData",
            &json!({"productid": product, "computerid": computer, "type": kind, "pagenumber": 1, "justlast": false}),
        )
    };
    assert_eq!(get("activations")[0]["firstName"], "Buyer");
    assert_eq!(get("activations")[0]["licenseCode"], json!(code));
    assert_eq!(get("trials")[0]["firstName"], "Trial");
    assert_eq!(get("all").as_array().unwrap().len(), 2);
}

#[test]
fn a_trial_refreshes_with_its_own_key_until_it_is_reset() {
    let server = Server::start();
    let product = product(
        &server,
        json!({"intrial": true, "trialperiod": 10, "clientleaseperiod": 3,
               "features": [{"featurecode": "VIEW", "featurename": "v", "notes": "n", "availableintrials": true},
                            {"featurecode": "SAVE", "featurename": "s", "notes": "n"}]}),
    );
    let me = Installation::new(&server, &product, None, "TRIALCOMPUTER0000001");
    let (started, _) = lease(&server, PATH_TRIAL, &body(&me.key, &me.request(Operation::StartTrial)));
    assert_eq!(started.license_type, licensekit::protocol::client_api::LicenseType::Trial);
    assert_eq!(started.license_code, None);
    let features: Vec<(&str, bool)> = started.features.iter().map(|f| (f.code.as_str(), f.enabled)).collect();
    assert_eq!(features, [("VIEW", true), ("SAVE", false)], "every feature, off unless available in trials");
    assert_eq!(started.expires.unwrap() - started.server_time, 10 * 24 * 3600);
    let (status, answer) = post(&server, PATH_REFRESH, &body(&me.key, &me.request(Operation::Refresh)));
    assert_eq!(status, 200, "{answer}");
    let envelope = Envelope::parse(answer["lease"].as_str().unwrap()).unwrap();
    assert_eq!(envelope.kind(), Kind::TrialLease);
    let (refreshed, _) = lease(&server, PATH_REFRESH, &body(&me.key, &me.request(Operation::Refresh)));
    assert_eq!(refreshed.expires, started.expires);
    assert!(refreshed.serial > started.serial);
    // Another key for the same computer's trial is refused; a trial is not deactivated.
    let other = Installation::new(&server, &product, None, "TRIALCOMPUTER0000001");
    refused(
        &server,
        PATH_REFRESH,
        &body(&other.key, &other.request(Operation::Refresh)),
        403,
        Status::BadSignature,
    );
    refused(
        &server,
        PATH_DEACTIVATE,
        &body(&me.key, &me.request(Operation::Deactivate)),
        404,
        Status::NoLicense,
    );
    // Starting again with a new key resumes the trial, and the new key is the one recorded.
    let (resumed, _) = lease(&server, PATH_TRIAL, &body(&other.key, &other.request(Operation::StartTrial)));
    assert_eq!(resumed.expires, started.expires);
    refused(
        &server,
        PATH_REFRESH,
        &body(&me.key, &me.request(Operation::Refresh)),
        403,
        Status::BadSignature,
    );
    // Reset by the vendor: nothing left to refresh.
    server.ok("DELETE", "Trial", &json!({"productid": product, "computerid": me.computer}));
    refused(
        &server,
        PATH_REFRESH,
        &body(&other.key, &other.request(Operation::Refresh)),
        404,
        Status::NoLicense,
    );
}

#[test]
fn concurrent_activations_never_exceed_the_seats() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 3}));
    let code = code(&server, &product, json!({}));
    let granted: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..10)
            .map(|i| {
                let (server, product, code) = (&server, &product, &code);
                scope.spawn(move || {
                    let me = Installation::new(server, product, Some(code), &format!("RACINGCOMPUTER{i:06}"));
                    let (status, _) =
                        post(server, PATH_ACTIVATE, &body(&me.key, &me.request(Operation::Activate)));
                    assert!(status == 200 || status == 409, "{status}");
                    usize::from(status == 200)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    assert_eq!(granted, 3);
    assert_eq!(activity(&server, &product, &code).len(), 3);
}
