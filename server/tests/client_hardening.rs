//! The attacks the hardened client protocol stops, each against the real server on loopback
//! with a real SQLite file and requests signed by hand: a seat for an application that cannot
//! use it (it does not trust the server's key), stale and replayed requests, a license code
//! and a computer ID taking another installation's seat, and copied license stores. Beside
//! each, what must keep working: retries after lost answers, reinstalls on the same
//! hardware, handovers from the previous installation.

mod common;

use common::Server;
use common::licensing::{client, code, product};
use common::offline::{activity, certificate_as};
use common::raw::{Installation, body, components, hex32, key_id, lease, post, refused};
use licensekit::Status;
use licensekit::protocol::client_api::{
    CLIENT_AHEAD_SECS, ClientRequest, FUTURE_TOLERANCE_SECS, KeyHandover, LeaseState, Operation,
    PATH_ACTIVATE, PATH_DEACTIVATE, PATH_REFRESH, PATH_TRIAL,
};
use licensekit::protocol::{Envelope, Kind, SigningKey};
use serde_json::{Value, json};

const DAY: i64 = 86_400;

/// The message of a client-protocol refusal, after checking its HTTP and licensekit status.
fn refusal(server: &Server, path: &str, body: &[u8], http: u16, status: Status) -> String {
    let (code, answer) = post(server, path, body);
    assert_eq!((code, answer["status"].as_u64()), (http, Some(status as u64)), "{path}: {answer}");
    answer["message"].as_str().unwrap().to_owned()
}

/// The activations of the code that hold a seat.
/// The seats taken: one per computer with an activated installation (several installations
/// on one computer share its seat).
fn seats(server: &Server, product: &str, code: &str) -> Vec<Value> {
    let mut seen = std::collections::BTreeSet::new();
    activity(server, product, code)
        .into_iter()
        .filter(|a| a["status"] == "ACTIVATED" && seen.insert(a["computerID"].to_string()))
        .collect()
}

/// An offline activation request: the activation `request` in an `activation-request`
/// envelope signed by the installation.
fn offline_request(me: &Installation, request: &ClientRequest) -> String {
    let payload = serde_json::to_vec(request).unwrap();
    Envelope::sign(&me.key, Kind::ActivationRequest, &payload).unwrap().to_armoured()
}

/// A `key-handover` envelope signed by `signer`, naming `previous` as the key handing over
/// the seat to `request` (its installation key, computer, product and nonce).
fn handover(signer: &SigningKey, previous: &Installation, request: &ClientRequest) -> String {
    let payload = KeyHandover {
        product_id: request.product_id.clone(),
        computer_id: request.computer_id.clone(),
        previous_installation_key: previous.key.public_key().to_hex(),
        new_installation_key: request.installation_key.clone(),
        nonce: request.nonce.clone(),
    };
    Envelope::sign(signer, Kind::KeyHandover, &serde_json::to_vec(&payload).unwrap()).unwrap().to_compact()
}

/// A refresh by `me` presenting the lease with `held` (how a copy of its store would).
fn refresh(me: &Installation, held: u64) -> Vec<u8> {
    let mut request = me.request(Operation::Refresh);
    request.held_serial = Some(held);
    body(&me.key, &request)
}

/// The server over the same data directory again, its clock `offset_secs` ahead.
fn restart(mut server: Server, offset_secs: i64) -> Server {
    assert!(server.terminate().success());
    let offset = offset_secs.to_string();
    let (child, base) = common::spawn_serve_at(&[], &server.location(), &["--clock-offset-secs", &offset]);
    Server::adopt(server, child, base)
}

#[test]
fn an_application_that_does_not_trust_the_server_key_gets_no_seat() {
    let server = Server::start();
    let product =
        product(&server, json!({"clientsallowed": 1, "intrial": true, "clientofflineleaseperiod": 30}));
    let code = code(&server, &product, json!({}));
    let me = Installation::new(&server, &product, Some(&code), "UNTRUSTINGCOMPUTER01");
    let ours = key_id(&server);
    let [a, b] = [0, 1].map(|_| SigningKey::generate().unwrap().public_key().id().to_hex());

    let mut request = me.request(Operation::Activate);
    request.trusted_keys = vec![a.clone(), b.clone()];
    let message = refusal(&server, PATH_ACTIVATE, &body(&me.key, &request), 403, Status::UnknownKey);
    assert!(
        message.contains(&format!("the server signs with key {ours}; this application trusts {a}, {b}")),
        "{message}"
    );
    assert!(message.contains("licensekit-server public-key"), "{message}");
    // Every operation, before anything else is looked at.
    for operation in Operation::ALL {
        let mut request = me.request(operation);
        request.trusted_keys.clear();
        let message = refusal(&server, operation.path(), &body(&me.key, &request), 403, Status::UnknownKey);
        assert!(message.contains(&format!("key {ours}; this application trusts no key")), "{message}");
    }
    let mut garbled = me.request(Operation::Activate);
    garbled.trusted_keys = vec![ours.to_uppercase()];
    refused(&server, PATH_ACTIVATE, &body(&me.key, &garbled), 400, Status::MalformedPayload);
    // An offline activation request from such an application gets no certificate either.
    let mut offline = me.request(Operation::Activate);
    offline.trusted_keys = vec![a];
    let (status, answer) = certificate_as(&server, "offline", &product, &offline_request(&me, &offline));
    assert_eq!(status, 403, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains(&ours), "{answer}");

    // Nothing was recorded: no activation, no trial.
    assert_eq!(activity(&server, &product, &code), Vec::<Value>::new());
    let trial = server.ok("GET", "Trial", &json!({"productid": product, "computerid": me.computer}));
    assert_eq!(trial, "Trial Does Not Exist");
    // An application trusting the server's key among others is served.
    let mut request = me.request(Operation::Activate);
    request.trusted_keys = vec![b, ours];
    lease(&server, PATH_ACTIVATE, &body(&me.key, &request));
    assert_eq!(seats(&server, &product, &code).len(), 1);
}

#[test]
fn a_request_made_by_a_clock_far_off_is_refused_before_anything_is_recorded() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 1}));
    let code = code(&server, &product, json!({}));
    let me = Installation::new(&server, &product, Some(&code), "SKEWEDCOMPUTER000001");
    for (offset, how) in [(-2 * 3600, "2 h behind"), (2 * 3600 + 330, "2 h 5 min ahead of")] {
        let mut request = me.request(Operation::Activate);
        request.client_time += offset;
        let message = refusal(&server, PATH_ACTIVATE, &body(&me.key, &request), 400, Status::ClockSkew);
        assert!(
            message.contains(&format!("this computer's clock is {how} the license server's")),
            "{message}"
        );
        assert!(message.contains("set the computer's date, time and time zone right"), "{message}");
    }
    assert_eq!(activity(&server, &product, &code), Vec::<Value>::new());
    // Within the window: a little behind (the client accepts the lease), most of an hour ahead.
    let mut behind = me.request(Operation::Activate);
    behind.client_time -= FUTURE_TOLERANCE_SECS - 30;
    lease(&server, PATH_ACTIVATE, &body(&me.key, &behind));
    let mut ahead = me.request(Operation::Refresh);
    ahead.client_time += CLIENT_AHEAD_SECS - 30;
    lease(&server, PATH_REFRESH, &body(&me.key, &ahead));
}

#[test]
fn the_client_two_hours_behind_the_server_takes_no_seat_and_starts_no_trial() {
    let server = Server::start_with(&["--clock-offset-secs", "7200"]);
    let product = product(&server, json!({"clientsallowed": 1, "intrial": true}));
    let code = code(&server, &product, json!({}));
    let store = tempfile::tempdir().unwrap();
    let app = client(&server, &product, store.path());
    assert_eq!(app.activate(&code), Err(Status::ClockSkew));
    assert_eq!(app.start_trial(), Err(Status::ClockSkew));
    assert_eq!(app.status(), Status::NotActivated);
    assert_eq!(activity(&server, &product, &code), Vec::<Value>::new());
    let trial = server.ok("GET", "Trial", &json!({"productid": product, "computerid": app.computer_id()}));
    assert_eq!(trial, "Trial Does Not Exist");
}

#[test]
fn a_request_replayed_after_its_answer_is_forgotten_is_refused_and_takes_no_seat() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 1}));
    let code = code(&server, &product, json!({}));
    let victim = Installation::new(&server, &product, Some(&code), "REPLAYEDCOMPUTER0001");
    let captured = body(&victim.key, &victim.request(Operation::Activate));
    let (_, answer) = lease(&server, PATH_ACTIVATE, &captured);
    lease(&server, PATH_DEACTIVATE, &body(&victim.key, &victim.request(Operation::Deactivate)));

    // A day later the request is no longer fresh, but a retry of it (its answer was lost) is
    // still answered, from the stored answer: nothing is done again.
    let server = restart(server, DAY);
    assert_eq!(post(&server, PATH_ACTIVATE, &captured), (200, json!({ "lease": answer })));
    assert_eq!(seats(&server, &product, &code), Vec::<Value>::new());
    // Past the 7 days answers are kept, it is judged again: too old, it takes no seat.
    let server = restart(server, 8 * DAY);
    let message = refusal(&server, PATH_ACTIVATE, &captured, 400, Status::ClockSkew);
    assert!(message.contains("8 days behind"), "{message}");
    assert_eq!(seats(&server, &product, &code), Vec::<Value>::new());
    assert_eq!(activity(&server, &product, &code)[0]["status"], "DEACTIVATED");
    // The seat is still free for a fresh request (made by a clock as far on as the server's).
    let other = Installation::new(&server, &product, Some(&code), "FRESHCOMPUTER0000001");
    let mut fresh = other.request(Operation::Activate);
    fresh.client_time += 8 * DAY;
    lease(&server, PATH_ACTIVATE, &body(&other.key, &fresh));
}

#[test]
fn an_offline_request_is_good_for_its_products_completion_window() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 2, "clientofflineleaseperiod": 30}));
    assert_eq!(server.ok("GET", "Product", &json!({"productid": product}))[0]["offlineRequestDays"], 14);
    let code = code(&server, &product, json!({}));
    let me = Installation::new(&server, &product, Some(&code), "AIRGAPPEDCOMPUTER001");
    let mut old = me.request(Operation::Activate);
    old.client_time -= 15 * DAY;
    let old = offline_request(&me, &old);
    let (status, answer) = certificate_as(&server, "offline", &product, &old);
    assert_eq!(status, 400, "{answer}");
    let message = answer["error"].as_str().unwrap();
    assert!(message.contains("made 15 days ago"), "{message}");
    assert!(message.contains("accepts requests for 14 days (offlinerequestdays)"), "{message}");
    assert!(message.contains("make a new request on the computer"), "{message}");
    assert_eq!(activity(&server, &product, &code), Vec::<Value>::new());
    // The vendor gives this product's requests longer to travel.
    server.ok("PUT", "Product", &json!({"productid": product, "offlinerequestdays": 30}));
    assert_eq!(server.ok("GET", "Product", &json!({"productid": product}))[0]["offlineRequestDays"], 30);
    assert_eq!(certificate_as(&server, "offline", &product, &old).0, 200);
    assert_eq!(seats(&server, &product, &code).len(), 1);
    // A request dated more than an hour after the server's clock is refused.
    let other = Installation::new(&server, &product, Some(&code), "AIRGAPPEDCOMPUTER002");
    let mut ahead = other.request(Operation::Activate);
    ahead.client_time += 2 * 3600 + 30;
    let (status, answer) = certificate_as(&server, "offline", &product, &offline_request(&other, &ahead));
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("dated 2 h after the license server's clock"),
        "{answer}"
    );
    for bad in
        [json!({"offlinerequestdays": 0}), json!({"offlinerequestdays": 366}), json!({"clonepolicy": "x"})]
    {
        let mut fields = bad.clone();
        fields["productid"] = json!(product);
        let (status, answer) = server.call("PUT", "Product", "read_write", &fields);
        assert_eq!(status, 400, "{bad}: {answer}");
    }
    // Both are set when the product is created too.
    let other =
        common::licensing::product(&server, json!({"offlinerequestdays": "3", "clonepolicy": "Flag"}));
    let shown = &server.ok("GET", "Product", &json!({"productid": other}))[0];
    assert_eq!((&shown["offlineRequestDays"], &shown["clonePolicy"]), (&json!(3), &json!("Flag")));
}

#[test]
fn a_license_code_and_a_computer_id_are_not_enough_to_take_a_seat_over() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 1}));
    let code = code(&server, &product, json!({}));
    let victim = Installation::new(&server, &product, Some(&code), "VICTIMCOMPUTER000001");
    lease(&server, PATH_ACTIVATE, &body(&victim.key, &victim.request(Operation::Activate)));

    // The attacker's own installation key for the victim's computer ID, from other hardware
    // or none reported: refused, and the victim keeps the seat.
    let attacker = Installation::new(&server, &product, Some(&code), &victim.computer);
    let mut request = attacker.request(Operation::Activate);
    request.components = components("ATTACKERCOMPUTER0001");
    let message = refusal(&server, PATH_ACTIVATE, &body(&attacker.key, &request), 409, Status::SeatTaken);
    for part in [
        "computer_id: the seat of license code",
        "on computer VICTIMCOMPUTER000001 is held by another installation",
        "0 of the 3 recorded components match, 2 needed",
        "DELETE LicenseCodeActivity",
    ] {
        assert!(message.contains(part), "{part}: {message}");
    }
    let mut request = attacker.request(Operation::Activate);
    request.components.clear();
    refused(&server, PATH_ACTIVATE, &body(&attacker.key, &request), 409, Status::SeatTaken);
    // A handover naming the victim's key but signed by the attacker's is forged.
    let mut forged = attacker.request(Operation::Activate);
    forged.components.clear();
    forged.handover = Some(handover(&attacker.key, &victim, &forged));
    refused(&server, PATH_ACTIVATE, &body(&attacker.key, &forged), 403, Status::BadSignature);
    // One from the attacker's own key is genuine, but not from the key holding the seat.
    let mut own = attacker.request(Operation::Activate);
    own.components.clear();
    own.handover = Some(handover(&attacker.key, &attacker, &own));
    refused(&server, PATH_ACTIVATE, &body(&attacker.key, &own), 409, Status::SeatTaken);

    // The victim's installation refreshes as before, under its own key; the attacker cannot
    // free its seat.
    let (refreshed, _) =
        lease(&server, PATH_REFRESH, &body(&victim.key, &victim.request(Operation::Refresh)));
    assert_eq!(refreshed.state, LeaseState::Active);
    assert_eq!(refreshed.installation_key, victim.key.public_key().to_hex());
    refused(
        &server,
        PATH_DEACTIVATE,
        &body(&attacker.key, &attacker.request(Operation::Deactivate)),
        403,
        Status::BadSignature,
    );
    assert_eq!(seats(&server, &product, &code).len(), 1);
}

#[test]
fn a_handover_from_the_recorded_key_moves_the_seat_to_a_new_installation() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 1}));
    let code = code(&server, &product, json!({}));
    let old = Installation::new(&server, &product, Some(&code), "MIGRATINGCOMPUTER001");
    lease(&server, PATH_ACTIVATE, &body(&old.key, &old.request(Operation::Activate)));
    // The new installation's hardware no longer matches (a new mainboard): only the
    // handover can move the seat, and only one made for this very request.
    let new = Installation::new(&server, &product, Some(&code), &old.computer);
    let mut request = new.request(Operation::Activate);
    request.components = components("NEWMAINBOARD00000001");
    let mut other_request = request.clone();
    other_request.nonce = hex32();
    request.handover = Some(handover(&old.key, &old, &other_request));
    let message = refusal(&server, PATH_ACTIVATE, &body(&new.key, &request), 400, Status::MismatchedLease);
    assert!(message.starts_with("handover: nonce:"), "{message}");
    let mut elsewhere = request.clone();
    elsewhere.computer_id = "ELSEWHERECOMPUTER001".into();
    request.request_id = hex32();
    request.handover = Some(handover(&old.key, &old, &elsewhere));
    let message = refusal(&server, PATH_ACTIVATE, &body(&new.key, &request), 400, Status::MismatchedLease);
    assert!(message.starts_with("handover: computer_id:"), "{message}");
    assert_eq!(seats(&server, &product, &code).len(), 1);

    request.request_id = hex32();
    request.handover = Some(handover(&old.key, &old, &request));
    let (moved, _) = lease(&server, PATH_ACTIVATE, &body(&new.key, &request));
    assert_eq!(moved.installation_key, new.key.public_key().to_hex());
    refused(
        &server,
        PATH_REFRESH,
        &body(&old.key, &old.request(Operation::Refresh)),
        403,
        Status::BadSignature,
    );
    let (refreshed, _) = lease(&server, PATH_REFRESH, &body(&new.key, &new.request(Operation::Refresh)));
    assert_eq!(refreshed.state, LeaseState::Active);
    assert_eq!(seats(&server, &product, &code).len(), 1);
}

#[test]
fn a_reinstall_on_the_same_hardware_shares_its_seat() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 1}));
    let code = code(&server, &product, json!({}));
    let first = Installation::new(&server, &product, Some(&code), "REINSTALLCOMPUTER001");
    lease(&server, PATH_ACTIVATE, &body(&first.key, &first.request(Operation::Activate)));
    // The store was lost: a new key from the same hardware, no handover.
    let second = Installation::new(&server, &product, Some(&code), &first.computer);
    let (back, _) = lease(&server, PATH_ACTIVATE, &body(&second.key, &second.request(Operation::Activate)));
    assert_eq!(back.installation_key, second.key.public_key().to_hex());
    // Proven the same computer, it joins the computer's one seat (another user's store, a
    // second store directory): the earlier installation keeps working beside it.
    lease(&server, PATH_REFRESH, &body(&first.key, &first.request(Operation::Refresh)));
    lease(&server, PATH_REFRESH, &body(&second.key, &second.request(Operation::Refresh)));
    // Hardware drifts: with one component of three changed it is still the same computer.
    let third = Installation::new(&server, &product, Some(&code), &first.computer);
    let mut request = third.request(Operation::Activate);
    request.components[2].digest = "00".repeat(16);
    lease(&server, PATH_ACTIVATE, &body(&third.key, &request));
    assert_eq!(seats(&server, &product, &code).len(), 1);
}

#[test]
fn a_trial_is_taken_over_by_the_same_rule() {
    let server = Server::start();
    let product = product(&server, json!({"intrial": true, "trialperiod": 10}));
    let victim = Installation::new(&server, &product, None, "TRIALVICTIMCOMPUTER1");
    let (started, _) = lease(&server, PATH_TRIAL, &body(&victim.key, &victim.request(Operation::StartTrial)));
    let attacker = Installation::new(&server, &product, None, &victim.computer);
    let mut request = attacker.request(Operation::StartTrial);
    request.components = components("ATTACKERCOMPUTER0002");
    let message = refusal(&server, PATH_TRIAL, &body(&attacker.key, &request), 409, Status::SeatTaken);
    assert!(message.contains("the trial of product"), "{message}");
    assert!(message.contains("DELETE Trial"), "{message}");
    let (refreshed, _) =
        lease(&server, PATH_REFRESH, &body(&victim.key, &victim.request(Operation::Refresh)));
    assert_eq!(refreshed.installation_key, victim.key.public_key().to_hex());
    // A reinstall on the same hardware resumes it; a handover moves it to other hardware.
    let reinstalled = Installation::new(&server, &product, None, &victim.computer);
    let (resumed, _) =
        lease(&server, PATH_TRIAL, &body(&reinstalled.key, &reinstalled.request(Operation::StartTrial)));
    assert_eq!(resumed.expires, started.expires);
    let moved = Installation::new(&server, &product, None, &victim.computer);
    let mut request = moved.request(Operation::StartTrial);
    request.components = components("NEWMAINBOARD00000002");
    request.handover = Some(handover(&reinstalled.key, &reinstalled, &request));
    let (handed, _) = lease(&server, PATH_TRIAL, &body(&moved.key, &request));
    assert_eq!(
        (handed.expires, handed.installation_key.clone()),
        (started.expires, request.installation_key)
    );
}

#[test]
fn two_installations_from_one_copied_store_are_told_apart() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 1}));
    assert_eq!(server.ok("GET", "Product", &json!({"productid": product}))[0]["clonePolicy"], "Refuse");
    let code = code(&server, &product, json!({}));
    let original = Installation::new(&server, &product, Some(&code), "CLONEDCOMPUTER000001");
    let (activated, _) =
        lease(&server, PATH_ACTIVATE, &body(&original.key, &original.request(Operation::Activate)));
    let clones = |n: i64| {
        let activity = &activity(&server, &product, &code)[0];
        assert_eq!(activity["cloneDetections"], n, "{activity}");
        activity["lastCloneDetected"].as_str().unwrap().to_owned()
    };
    assert_eq!(clones(0), "1900-01-01T00:00:00");

    // The copy (same key, computer ID and lease, on a cloned computer) is indistinguishable
    // while both hold the lease they share; once the original has gone on from there, the
    // copy's next refresh diverges.
    let (a1, _) = lease(&server, PATH_REFRESH, &refresh(&original, activated.serial));
    let (b1, _) = lease(&server, PATH_REFRESH, &refresh(&original, activated.serial));
    let (a2, _) = lease(&server, PATH_REFRESH, &refresh(&original, a1.serial));
    let message = refusal(&server, PATH_REFRESH, &refresh(&original, b1.serial), 409, Status::CloneDetected);
    for part in [
        &format!("held_serial: this installation holds lease {}", b1.serial),
        "a copy of this license store is in use",
        "(clonepolicy Refuse)",
        "DELETE LicenseCodeActivity",
    ] {
        assert!(message.contains(part), "{part}: {message}");
    }
    assert_ne!(clones(1), "1900-01-01T00:00:00");
    // The original goes on.
    let (a3, _) = lease(&server, PATH_REFRESH, &refresh(&original, a2.serial));
    assert_eq!(a3.state, LeaseState::Active);

    // The vendor's other policy: forks are only counted.
    server.ok("PUT", "Product", &json!({"productid": product, "clonepolicy": "flag"}));
    assert_eq!(server.ok("GET", "Product", &json!({"productid": product}))[0]["clonePolicy"], "Flag");
    let (b2, _) = lease(&server, PATH_REFRESH, &refresh(&original, b1.serial));
    clones(2);
    // Now the copy has gone on, and the original's next refresh diverges in its turn.
    lease(&server, PATH_REFRESH, &refresh(&original, a3.serial));
    clones(3);
    lease(&server, PATH_REFRESH, &refresh(&original, b2.serial));
    clones(4);
}

#[test]
fn lost_answers_never_look_like_a_clone() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 1}));
    let code = code(&server, &product, json!({}));
    let me = Installation::new(&server, &product, Some(&code), "LOSSYCOMPUTER0000001");
    let (activated, _) = lease(&server, PATH_ACTIVATE, &body(&me.key, &me.request(Operation::Activate)));
    // Three answers lost in a row: the client still holds the activation's lease.
    let lost: Vec<u64> =
        (0..3).map(|_| lease(&server, PATH_REFRESH, &refresh(&me, activated.serial)).0.serial).collect();
    let (fourth, _) = lease(&server, PATH_REFRESH, &refresh(&me, activated.serial));
    let (fifth, _) = lease(&server, PATH_REFRESH, &refresh(&me, fourth.serial));
    // Two more lost; the first of them arrives after all, late.
    let late = lease(&server, PATH_REFRESH, &refresh(&me, fifth.serial)).0.serial;
    lease(&server, PATH_REFRESH, &refresh(&me, fifth.serial));
    let (sixth, _) = lease(&server, PATH_REFRESH, &refresh(&me, late));
    // A retry of one request ID is answered with the same bytes.
    let retry = refresh(&me, sixth.serial);
    let (seventh, text) = lease(&server, PATH_REFRESH, &retry);
    assert_eq!(lease(&server, PATH_REFRESH, &retry).1, text);
    // More answers lost in a row than the server keeps serials for: the lease held is still
    // good, and so is the one that finally arrives.
    let mut newest = seventh.serial;
    for _ in 0..20 {
        newest = lease(&server, PATH_REFRESH, &refresh(&me, seventh.serial)).0.serial;
    }
    let (served, _) = lease(&server, PATH_REFRESH, &refresh(&me, newest));
    assert_eq!(served.state, LeaseState::Active);
    assert!(lost.iter().all(|s| *s < served.serial));
    assert_eq!(activity(&server, &product, &code)[0]["cloneDetections"], 0);
}

#[test]
fn a_copied_trial_store_is_told_apart_too() {
    let server = Server::start();
    let product = product(&server, json!({"intrial": true, "trialperiod": 10}));
    let original = Installation::new(&server, &product, None, "CLONEDTRIALCOMPUTER1");
    let (started, _) =
        lease(&server, PATH_TRIAL, &body(&original.key, &original.request(Operation::StartTrial)));
    let (a1, _) = lease(&server, PATH_REFRESH, &refresh(&original, started.serial));
    let (b1, _) = lease(&server, PATH_REFRESH, &refresh(&original, started.serial));
    let (a2, _) = lease(&server, PATH_REFRESH, &refresh(&original, a1.serial));
    let message = refusal(&server, PATH_REFRESH, &refresh(&original, b1.serial), 409, Status::CloneDetected);
    assert!(message.contains("DELETE Trial"), "{message}");
    let trials = server.ok("GET", "Trials", &json!({"productid": product, "pagenumber": 1}));
    assert_eq!(trials[0]["cloneDetections"], 1, "{trials}");
    assert!(trials[0]["lastCloneDetected"].is_string(), "{trials}");
    // Lost answers are not forks here either.
    for _ in 0..3 {
        lease(&server, PATH_REFRESH, &refresh(&original, a2.serial));
    }
    lease(&server, PATH_REFRESH, &refresh(&original, a2.serial));
    let trials = server.ok("GET", "Trials", &json!({"productid": product, "pagenumber": 1}));
    assert_eq!(trials[0]["cloneDetections"], 1, "{trials}");
}

/// Fields the lease echoes are bounded in bytes: a request stuffed with long non-ASCII
/// component names or computer ID is refused as malformed, not answered with a 500 when its
/// lease would outgrow the envelope.
#[test]
fn fields_the_lease_echoes_cannot_outgrow_it() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 1}));
    let code = code(&server, &product, json!({}));
    let me = Installation::new(&server, &product, Some(&code), "STUFFEDCOMPUTER00001");
    let mut request = me.request(Operation::Activate);
    request.components = (0..46)
        .map(|i| licensekit::machine::ComponentDigest {
            name: format!("{i}{}", "\u{1D11E}".repeat(120)),
            digest: hex32(),
        })
        .collect();
    refused(&server, PATH_ACTIVATE, &body(&me.key, &request), 400, Status::MalformedPayload);
    let mut request = me.request(Operation::Activate);
    request.computer_id = "\u{1D11E}".repeat(60);
    refused(&server, PATH_ACTIVATE, &body(&me.key, &request), 400, Status::MalformedPayload);
    let mut request = me.request(Operation::Activate);
    request.components[0].digest = "not hex".into();
    refused(&server, PATH_ACTIVATE, &body(&me.key, &request), 400, Status::MalformedPayload);
    assert!(seats(&server, &product, &code).is_empty(), "nothing recorded");
}
