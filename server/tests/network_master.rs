//! The vendor side of network (LAN daemon) licensing: `POST NetworkMasterLicense` makes a
//! network code; its site's daemon activates and refreshes it (online, or by files) and gets
//! a vendor-signed network master license; its reports of the seats it serves show in
//! `LicenseCodeActivity` until it gives its seat back; workstations and daemons asking the
//! wrong kind of code are refused.

mod common;

use common::Server;
use common::licensing::{code, product};
use common::offline::{activity, certificate_as};
use common::raw::{Installation, body, lease, post, refused};
use licensekit::Status;
use licensekit::protocol::client_api::{
    ClientRequest, Lease, LeaseState, Operation, PATH_ACTIVATE, PATH_DEACTIVATE, PATH_REFRESH, PATH_TRIAL,
};
use licensekit::protocol::network::{NetworkTerms, SeatInUse};
use licensekit::protocol::{Envelope, Kind, PublicKey, from_slice_strict};
use serde_json::{Value, json};

const CREATED: &str = "Network Master License Created Successfully.\n";

/// A product whose codes allow `clients` activations, 2-hour leases and 30 offline days.
fn cad_product(server: &Server, clients: i64) -> String {
    product(
        server,
        json!({"clientsallowed": clients, "clientleaseperiod": 2, "clientofflineleaseperiod": 30,
               "features": [{"featurecode": "RENDER", "featurename": "Render", "notes": "n"}]}),
    )
}

/// POST NetworkMasterLicense with the read-write key, expecting the new code.
fn master(server: &Server, fields: Value) -> String {
    let answer = server.ok("POST", "NetworkMasterLicense", &fields);
    let text = answer.as_str().unwrap();
    let code = text.strip_prefix(CREATED).unwrap_or_else(|| panic!("{answer}"));
    assert!((18..=19).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    code.to_owned()
}

/// GET LicenseCode with the server functions, the one code.
fn license_code(server: &Server, product: &str, code: &str) -> Value {
    let found =
        server.ok("GET", "LicenseCode", &json!({"productid": product, "licensecode": code, "getsfs": 1}));
    found[0].clone()
}

/// A LAN daemon of `code` on `computer` (not activated yet).
fn daemon(server: &Server, product: &str, code: &str, computer: &str) -> Installation {
    Installation::new(server, product, Some(code), computer)
}

/// The daemon's signed request for `operation` (`network_daemon`), reporting `seats`.
fn daemon_request(me: &Installation, operation: Operation, seats: Vec<SeatInUse>) -> Vec<u8> {
    let request = ClientRequest { network_daemon: true, seats_in_use: seats, ..me.request(operation) };
    body(&me.key, &request)
}

/// Posts a daemon's request and expects a network master license signed by the vendor key.
fn master_license(server: &Server, path: &str, body: &[u8]) -> Lease {
    let (lease, text) = lease(server, path, body);
    assert_eq!(Envelope::parse(&text).unwrap().kind(), Kind::NetworkMasterLicense, "{text}");
    lease
}

fn seat(id: &str, computer: &str, since: i64, borrowed: bool) -> SeatInUse {
    SeatInUse {
        seat_id: id.into(),
        computer_id: computer.into(),
        hostname: format!("cad-{id}"),
        user: "ana".into(),
        since,
        expires: since + 1200,
        borrowed,
    }
}

/// The LAN fields of the activation on `computer` in the code's activity.
fn lan_fields(server: &Server, product: &str, code: &str, computer: &str) -> Value {
    let rows = activity(server, product, code);
    let row = rows.iter().find(|r| r["computerID"] == computer).unwrap_or_else(|| panic!("{rows:?}"));
    json!({"status": row["status"], "lanDaemon": row["lanDaemon"], "seatsReported": row["seatsReported"],
           "seatsInUse": row["seatsInUse"]})
}

#[test]
fn post_network_master_license_makes_a_network_code() {
    let server = Server::start();
    let product = cad_product(&server, 3);
    let count = || server.ok("GET", "LicenseCodes", &json!({"productid": product}));

    // Defaults: the product's settings, network, 1 seat, the seed's 5-minute heartbeat.
    let plain = master(&server, json!({"productid": product}));
    let found = license_code(&server, &product, &plain);
    let settings = ["concurrencyMode", "networkseats", "heartbeat", "clientsallowed", "company"];
    let shown: Vec<&Value> = settings.iter().map(|name| &found[name]).collect();
    assert_eq!(shown, [&json!("Network"), &json!(1), &json!(5), &json!(3), &json!("")], "{found}");

    // The seed's fields and the license settings, read as PUT LicenseCode reads them.
    let company = server.ok("POST", "Company", &json!({"productid": product, "company": "Site Ltd"}));
    let company = common::created_id(&company);
    let code = master(
        &server,
        json!({"productId": product, "companyid": company, "networkseats": "25", "heartbeat": 10,
               "concurrencymode": "NETWORK", "clientsallowed": 2, "reference": "PO-7",
               "serverfunctions": [{"functionname": "LTCO", "enabled": "on", "parametervalue": "7"}]}),
    );
    let found = license_code(&server, &product, &code);
    let shown: Vec<&Value> = settings.iter().map(|name| &found[name]).collect();
    assert_eq!(shown, [&json!("Network"), &json!(25), &json!(10), &json!(2), &json!("Site Ltd")], "{found}");
    assert_eq!(found["serverFunctions"][0]["parameterValue"], "7", "{found}");

    // Without networkseats, a profile's seats apply.
    server.ok("POST", "Profile", &json!({"productid": product, "profilename": "Site", "networkseats": 8}));
    let from_profile = master(&server, json!({"productid": product, "profilename": "Site"}));
    assert_eq!(license_code(&server, &product, &from_profile)["networkseats"], 8);
    assert_eq!(count(), 3);

    // Refusals name the field and create nothing.
    for (fields, status, field) in [
        (json!({"productid": product, "concurrencymode": "cloud"}), 400, "concurrencymode"),
        (json!({"productid": product, "networkseats": 0}), 400, "networkseats"),
        (json!({"productid": product, "heartbeat": 4}), 400, "heartbeat"),
        (json!({"productid": product, "seats": 5}), 400, "seats"),
        (json!({}), 400, "productid"),
        (json!({"productid": "9999999999"}), 404, "productid"),
        (json!({"productid": product, "companyid": 999}), 404, "company"),
    ] {
        let (code, answer) = server.call("POST", "NetworkMasterLicense", "read_write", &fields);
        assert_eq!(code, status, "{fields}: {answer}");
        assert!(answer["error"].as_str().unwrap().contains(field), "{fields}: {answer}");
    }
    let (status, _) =
        server.call("POST", "NetworkMasterLicense", "read_only", &json!({"productid": product}));
    assert_eq!(status, 403);
    assert_eq!(count(), 3);

    // Recorded in the audit trail like every vendor change: the three created, nothing refused.
    let (_, trail) = server.call("GET", "AuditLog", "read_only", &json!({"pagenumber": 1, "pagesize": 100}));
    let masters: Vec<&Value> =
        trail.as_array().unwrap().iter().filter(|e| e["controller"] == "NetworkMasterLicense").collect();
    assert_eq!(masters.len(), 3, "{trail}");
    assert_eq!(
        (&masters[0]["method"], &masters[0]["fields"]),
        (&json!("POST"), &json!("productid,profilename"))
    );
}

#[test]
fn a_daemon_holds_the_master_license_and_reports_its_seats() {
    let server = Server::start();
    let vendor = PublicKey::from_hex(&server.public_key).unwrap();
    let product = cad_product(&server, 1);
    let code = master(
        &server,
        json!({"productid": product, "networkseats": 25, "heartbeat": 10,
               "serverfunctions": [{"functionname": "LTCO", "enabled": "on", "parametervalue": "7"}]}),
    );

    // Activation: a lease of the code for the daemon's computer and key, with its terms.
    let lan = daemon(&server, &product, &code, "LANDAEMON00000000001");
    let (_, text) = lease(&server, PATH_ACTIVATE, &daemon_request(&lan, Operation::Activate, Vec::new()));
    let envelope = Envelope::parse(&text).unwrap();
    let first: Lease =
        from_slice_strict(envelope.verify_with(&vendor, Kind::NetworkMasterLicense).unwrap()).unwrap();
    assert_eq!(envelope.verify_with(&vendor, Kind::Lease), Err(Status::WrongKind));
    assert_eq!(first.network, Some(NetworkTerms { seats: 25, heartbeat_secs: 600, borrow_days: 7 }));
    assert_eq!(first.installation_key, lan.key.public_key().to_hex());
    assert_eq!((first.license_code.as_deref(), first.state), (Some(code.as_str()), LeaseState::Active));
    assert_eq!(first.lease_end - first.server_time, 2 * 3600);
    assert_eq!(first.features[0].code, "RENDER");
    // It takes the code's one activation.
    let other = daemon(&server, &product, &code, "LANDAEMON00000000002");
    let second_daemon = daemon_request(&other, Operation::Activate, Vec::new());
    refused(&server, PATH_ACTIVATE, &second_daemon, 409, Status::ActivationLimit);
    let before_report = json!({"status": "ACTIVATED", "lanDaemon": "true",
                               "seatsReported": "1900-01-01T00:00:00", "seatsInUse": []});
    assert_eq!(lan_fields(&server, &product, &code, &lan.computer), before_report);

    // Each refresh: the master license again, and the report replaces the last one.
    let since = 1_767_225_600; // 2026-01-01T00:00:00 UTC
    let seats = vec![
        seat("b", "WORKSTATION000000002", since + 60, true),
        seat("a", "WORKSTATION000000001", since, false),
    ];
    let refreshed = master_license(&server, PATH_REFRESH, &daemon_request(&lan, Operation::Refresh, seats));
    assert!(refreshed.serial > first.serial);
    assert_eq!(refreshed.network, first.network);
    let shown = lan_fields(&server, &product, &code, &lan.computer);
    assert!(shown["seatsReported"].as_str().unwrap().starts_with("20"), "{shown}");
    assert_ne!(shown["seatsReported"], "1900-01-01T00:00:00");
    assert_eq!(
        shown["seatsInUse"],
        json!([{"seatID": "a", "computerID": "WORKSTATION000000001", "hostname": "cad-a", "username": "ana",
                "since": "2026-01-01T00:00:00", "expires": "2026-01-01T00:20:00", "borrowed": "false"},
               {"seatID": "b", "computerID": "WORKSTATION000000002", "hostname": "cad-b", "username": "ana",
                "since": "2026-01-01T00:01:00", "expires": "2026-01-01T00:21:00", "borrowed": "true"}])
    );
    let one = vec![seat("c", "WORKSTATION000000003", since, false)];
    master_license(&server, PATH_REFRESH, &daemon_request(&lan, Operation::Refresh, one));
    let shown = lan_fields(&server, &product, &code, &lan.computer);
    let ids: Vec<&Value> = shown["seatsInUse"].as_array().unwrap().iter().map(|s| &s["seatID"]).collect();
    assert_eq!(ids, [&json!("c")]);

    // Deactivation frees the seat and forgets the report.
    let gone =
        master_license(&server, PATH_DEACTIVATE, &daemon_request(&lan, Operation::Deactivate, Vec::new()));
    assert_eq!(gone.state, LeaseState::Deactivated);
    let deactivated = json!({"status": "DEACTIVATED", "lanDaemon": "true",
                             "seatsReported": "1900-01-01T00:00:00", "seatsInUse": []});
    assert_eq!(lan_fields(&server, &product, &code, &lan.computer), deactivated);

    // So does the vendor returning the activity; the daemon learns it, and reports no more.
    master_license(&server, PATH_ACTIVATE, &second_daemon);
    let report = || vec![seat("d", "WORKSTATION000000004", since, false)];
    master_license(&server, PATH_REFRESH, &daemon_request(&other, Operation::Refresh, report()));
    server.ok("PUT", "LicenseCodeActivity", &json!({"productid": product, "licensecode": code}));
    let returned =
        master_license(&server, PATH_REFRESH, &daemon_request(&other, Operation::Refresh, report()));
    assert_eq!(returned.state, LeaseState::Deactivated);
    let shown = lan_fields(&server, &product, &code, &other.computer);
    assert_eq!((&shown["status"], &shown["seatsInUse"]), (&json!("RETURNED"), &json!([])), "{shown}");
}

#[test]
fn the_wrong_kind_of_installation_is_refused() {
    let server = Server::start();
    let product = cad_product(&server, 5);
    let network = master(&server, json!({"productid": product}));
    let plain = code(&server, &product, json!({}));

    // A workstation activating (or refreshing) a network code: the daemon serves it.
    let workstation = Installation::new(&server, &product, Some(&network), "WORKSTATION000000001");
    let (status, answer) =
        post(&server, PATH_ACTIVATE, &body(&workstation.key, &workstation.request(Operation::Activate)));
    assert_eq!((status, &answer["status"]), (403, &json!(Status::NetworkLicenseOnly as u32)), "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("its seats are served by the site's LAN daemon"));
    let lan = daemon(&server, &product, &network, "LANDAEMON00000000001");
    master_license(&server, PATH_ACTIVATE, &daemon_request(&lan, Operation::Activate, Vec::new()));
    let unflagged = body(&lan.key, &lan.request(Operation::Refresh));
    refused(&server, PATH_REFRESH, &unflagged, 403, Status::NetworkLicenseOnly);

    // A daemon on a code that is not a network license.
    let stray = daemon(&server, &product, &plain, "LANDAEMON00000000002");
    refused(
        &server,
        PATH_ACTIVATE,
        &daemon_request(&stray, Operation::Activate, Vec::new()),
        403,
        Status::NotNetworkLicense,
    );
    lease(&server, PATH_ACTIVATE, &body(&stray.key, &stray.request(Operation::Activate)));
    refused(
        &server,
        PATH_REFRESH,
        &daemon_request(&stray, Operation::Refresh, Vec::new()),
        403,
        Status::NotNetworkLicense,
    );

    // A trial has no master license; only a daemon's refresh reports seats.
    let trial = Installation::new(&server, &product, None, "TRIALCOMPUTER0000001");
    refused(
        &server,
        PATH_TRIAL,
        &daemon_request(&trial, Operation::StartTrial, Vec::new()),
        400,
        Status::MalformedPayload,
    );
    let seats = || vec![seat("a", "WORKSTATION000000001", 1_767_225_600, false)];
    refused(
        &server,
        PATH_ACTIVATE,
        &daemon_request(&lan, Operation::Activate, seats()),
        400,
        Status::MalformedPayload,
    );
    let unflagged = ClientRequest { seats_in_use: seats(), ..lan.request(Operation::Refresh) };
    refused(&server, PATH_REFRESH, &body(&lan.key, &unflagged), 400, Status::MalformedPayload);

    // Each reported seat is bounded like the request's own fields; nothing is recorded.
    let long_host = SeatInUse { hostname: "h".repeat(256), ..seats()[0].clone() };
    let control = SeatInUse { user: "a\nb".into(), ..seats()[0].clone() };
    let backwards = SeatInUse { expires: 0, ..seats()[0].clone() };
    let no_computer = SeatInUse { computer_id: String::new(), ..seats()[0].clone() };
    for (bad, field) in
        [(long_host, "hostname"), (control, "user"), (backwards, "expires"), (no_computer, "computer_id")]
    {
        let request = daemon_request(&lan, Operation::Refresh, vec![seats()[0].clone(), bad]);
        let (status, answer) = post(&server, PATH_REFRESH, &request);
        assert_eq!(status, 400, "{answer}");
        let message = answer["message"].as_str().unwrap();
        assert!(message.starts_with("seats_in_use[1]: ") && message.contains(field), "{message}");
    }
    let twice = daemon_request(&lan, Operation::Refresh, vec![seats()[0].clone(), seats()[0].clone()]);
    refused(&server, PATH_REFRESH, &twice, 400, Status::MalformedPayload);
    assert_eq!(
        lan_fields(&server, &product, &network, &lan.computer)["seatsReported"],
        "1900-01-01T00:00:00"
    );
}

#[test]
fn an_air_gapped_daemon_is_activated_by_files() {
    let server = Server::start();
    let vendor = PublicKey::from_hex(&server.public_key).unwrap();
    let product = cad_product(&server, 2);
    let network = master(&server, json!({"productid": product, "networkseats": 4, "heartbeat": 15}));
    let plain = code(&server, &product, json!({}));
    let request_file = |me: &Installation, daemon: bool| {
        let request = ClientRequest { network_daemon: daemon, ..me.request(Operation::Activate) };
        let payload = serde_json::to_vec(&request).unwrap();
        Envelope::sign(&me.key, Kind::ActivationRequest, &payload).unwrap().to_armoured()
    };

    let lan = daemon(&server, &product, &network, "LANDAEMON00000000001");
    let request = request_file(&lan, true);
    let (status, answer) = certificate_as(&server, "offline", &product, &request);
    assert_eq!(status, 200, "{answer}");
    let text = answer.as_str().unwrap();
    assert!(text.starts_with("-----BEGIN LICENSEKIT NETWORK MASTER LICENSE-----"), "{text}");
    let envelope = Envelope::parse(text).unwrap();
    let license: Lease =
        from_slice_strict(envelope.verify_with(&vendor, Kind::NetworkMasterLicense).unwrap()).unwrap();
    assert_eq!(license.network, Some(NetworkTerms { seats: 4, heartbeat_secs: 900, borrow_days: 0 }));
    assert_eq!(license.installation_key, lan.key.public_key().to_hex());
    assert_eq!(
        (license.lease_end - license.server_time, license.grace_end),
        (30 * 86_400, license.lease_end)
    );
    // The same file again: the same master license.
    assert_eq!(certificate_as(&server, "offline", &product, &request), (200, answer.clone()));
    assert_eq!(lan_fields(&server, &product, &network, &lan.computer)["lanDaemon"], "true");

    // The online refusals, as the Web API answers them.
    let workstation = Installation::new(&server, &product, Some(&network), "WORKSTATION000000001");
    let (status, answer) = certificate_as(&server, "offline", &product, &request_file(&workstation, false));
    assert_eq!(status, 403, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("LAN daemon"), "{answer}");
    let stray = daemon(&server, &product, &plain, "LANDAEMON00000000002");
    let (status, answer) = certificate_as(&server, "offline", &product, &request_file(&stray, true));
    assert_eq!(status, 403, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("not a network license"), "{answer}");
}
