//! A workstation against a scripted LAN daemon over real HTTP on loopback: what it accepts
//! (a seat through the chain vendor key → master license → daemon key → seat), what it
//! refuses (every broken link), and how it keeps and gives back its seat. The real daemon
//! with the real server is `lan/tests/site.rs`.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{PRODUCT, Scripted, Seen, refusal, unix_now, vendor, wait_until};
use licensekit::protocol::client_api::{
    FeatureGrant, FeatureKind, Lease, LeaseState, LicenseType, Operation,
};
use licensekit::protocol::network::{NetworkSeat, NetworkTerms};
use licensekit::protocol::{Envelope, Kind, SigningKey};
use licensekit::{Client, Config, Status};

fn daemon_key() -> SigningKey {
    SigningKey::from_seed(&[23; 32])
}

/// A network master license for the daemon's machine, signed by `signer`.
fn master(product: &str, serial: u64, kind: Kind, signer: &SigningKey) -> String {
    let now = unix_now();
    let lease = Lease {
        product_id: product.to_owned(),
        license_code: Some("NETWORK-SITE-CODE".into()),
        computer_id: "daemon-host".into(),
        components: Vec::new(),
        installation_key: daemon_key().public_key().to_hex(),
        state: LeaseState::Active,
        license_type: LicenseType::Perpetual,
        features: vec![FeatureGrant {
            code: "SOLVE".into(),
            kind: FeatureKind::Normal,
            enabled: true,
            limit: None,
        }],
        udfs: [("EDITION".to_owned(), "site".to_owned())].into(),
        expires: None,
        maintenance_end: None,
        lease_end: now + 3600,
        grace_end: now + 86_400,
        server_time: now,
        serial,
        nonce: "0".repeat(32),
        vm_platform: String::new(),
        network: Some(NetworkTerms { seats: 5, heartbeat_secs: 1, borrow_days: 2 }),
        user: None,
    };
    Envelope::sign(signer, kind, &serde_json::to_vec(&lease).unwrap()).unwrap().to_compact()
}

/// The daemon's answer to `seen`: a seat signed by `signer` under `master`, borrowed for the
/// days asked (no heartbeats), else held for two seconds.
fn seat_answer(seen: &Seen, master: &str, master_serial: u64, signer: &SigningKey) -> String {
    let r = &seen.request;
    let now = unix_now();
    let borrowed = r.checkout_days.map(|days| now + i64::from(days) * 86_400);
    let seat = NetworkSeat {
        product_id: r.product_id.clone(),
        license_code: "NETWORK-SITE-CODE".into(),
        master_serial,
        computer_id: r.computer_id.clone(),
        installation_key: r.installation_key.clone(),
        seat_id: r.seat_id.clone().unwrap_or_else(|| "5eat".repeat(8)),
        expires: borrowed.unwrap_or(now + 2),
        heartbeat_secs: if borrowed.is_some() { 0 } else { 1 },
        borrowed: borrowed.is_some(),
        server_time: now,
        serial: 1,
        nonce: r.nonce.clone(),
    };
    let seat = Envelope::sign(signer, Kind::NetworkSeat, &serde_json::to_vec(&seat).unwrap()).unwrap();
    serde_json::json!({ "lease": seat.to_compact(), "master": master }).to_string()
}

/// A seat as an honest daemon answers it, under its master license of `serial`.
fn certified_seat(seen: &Seen, serial: u64) -> String {
    seat_answer(seen, &master(PRODUCT, serial, Kind::NetworkMasterLicense, &vendor()), serial, &daemon_key())
}

fn honest_daemon(master_serial: Arc<Mutex<u64>>) -> Scripted {
    Scripted::start(move |seen| {
        let serial = *master_serial.lock().unwrap();
        match seen.request.operation {
            Operation::NetworkCheckin => Some((200, "{}".into())),
            _ => Some((200, certified_seat(seen, serial))),
        }
    })
}

fn workstation(dir: &std::path::Path, lan: &str) -> Client {
    let mut config = Config::new(PRODUCT).unwrap();
    config.add_public_key(&vendor().public_key().to_hex()).unwrap();
    config.set_store_dir(dir).unwrap();
    config.set_lan_server(lan).unwrap();
    config.set_timeout(Duration::from_secs(5)).unwrap();
    Client::new(config).unwrap()
}

fn address(daemon: &Scripted) -> String {
    format!("127.0.0.1:{}", daemon.port)
}

#[test]
fn a_certified_daemons_seat_licenses_the_workstation_until_it_is_given_back() {
    let daemon = honest_daemon(Arc::new(Mutex::new(7)));
    let dir = tempfile::tempdir().unwrap();
    let c = workstation(dir.path(), &address(&daemon));
    assert_eq!(c.status(), Status::NotActivated);
    c.activate_lan().unwrap_or_else(|s| panic!("{s:?}: {:?}", licensekit::last_error_detail()));
    assert_eq!(c.status(), Status::Ok);
    assert_eq!(c.feature_enabled("SOLVE"), Status::Ok);
    assert_eq!(c.udf_value("EDITION").as_deref(), Ok("site"));
    let license = c.license().unwrap();
    assert_eq!(license.kind(), Kind::NetworkSeat);
    assert_eq!(license.lease().computer_id, c.computer_id());
    assert!(license.lease().grace_end <= unix_now() + 2);
    let checkout = &daemon.seen()[0];
    assert_eq!(checkout.request.operation, Operation::NetworkCheckout);
    assert!(checkout.request_line.starts_with("POST /lan/v1/checkout "), "{}", checkout.request_line);
    let details = checkout.request.system_details.as_ref().expect("the daemon shows who holds seats");
    assert!(details.contains_key("computername") && details.contains_key("username"));

    // The background thread renews the seat before it lapses, naming it.
    let heartbeat = || daemon.seen().into_iter().find(|s| s.request.operation == Operation::NetworkHeartbeat);
    assert!(wait_until(Duration::from_secs(5), || heartbeat().is_some()));
    assert_eq!(heartbeat().unwrap().request.seat_id.as_deref(), Some("5eat".repeat(8).as_str()));
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(c.status(), Status::Ok, "heartbeats keep the seat past its first end");

    // A restart loads the seat from the store and checks its chain again.
    drop(c);
    let c = workstation(dir.path(), &address(&daemon));
    assert_eq!(c.feature_enabled("SOLVE"), Status::Ok);

    c.deactivate().unwrap();
    assert_eq!(c.status(), Status::Deactivated);
    let checkin =
        daemon.seen().into_iter().find(|s| s.request.operation == Operation::NetworkCheckin).unwrap();
    assert!(checkin.request_line.starts_with("POST /lan/v1/checkin "));
    // The next seat is asked for with the same installation key: the daemon knows it again.
    c.activate_lan().unwrap();
    let keys: Vec<String> = daemon
        .seen()
        .into_iter()
        .filter(|s| s.request.operation == Operation::NetworkCheckout)
        .map(|s| s.request.installation_key)
        .collect();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1]);
}

#[test]
fn a_borrowed_seat_is_held_for_its_days_without_heartbeats() {
    let daemon = honest_daemon(Arc::new(Mutex::new(4)));
    let dir = tempfile::tempdir().unwrap();
    let c = workstation(dir.path(), &address(&daemon));
    assert_eq!(c.borrow_lan(0), Err(Status::InvalidArgument));
    c.borrow_lan(2).unwrap_or_else(|s| panic!("{s:?}: {:?}", licensekit::last_error_detail()));
    assert_eq!(daemon.seen()[0].request.checkout_days, Some(2));
    let seat = c.license().unwrap().network_seat().cloned().unwrap();
    assert!(seat.borrowed && seat.expires > unix_now() + 86_400);
    // Past a heartbeat's seat life, with none sent: the laptop is off the network.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(c.status(), Status::Ok);
    assert_eq!(daemon.seen().len(), 1, "a borrowed seat sends no heartbeats");
    c.deactivate().unwrap();
    assert_eq!(daemon.seen()[1].request.operation, Operation::NetworkCheckin);
}

#[test]
fn every_broken_link_of_the_chain_is_refused_and_nothing_is_stored() {
    let stranger = SigningKey::from_seed(&[99; 32]);
    type Forge = fn(&Seen, &SigningKey) -> String;
    let cases: [(&str, Forge); 5] = [
        ("a master license signed by an untrusted key", |seen, stranger| {
            seat_answer(seen, &master(PRODUCT, 3, Kind::NetworkMasterLicense, stranger), 3, &daemon_key())
        }),
        ("a seat signed by a key the master does not name (a forged daemon)", |seen, stranger| {
            seat_answer(seen, &master(PRODUCT, 3, Kind::NetworkMasterLicense, &vendor()), 3, stranger)
        }),
        ("a master license for another product", |seen, _| {
            seat_answer(
                seen,
                &master("9999999999", 3, Kind::NetworkMasterLicense, &vendor()),
                3,
                &daemon_key(),
            )
        }),
        ("an ordinary lease as the master", |seen, _| {
            seat_answer(seen, &master(PRODUCT, 3, Kind::Lease, &vendor()), 3, &daemon_key())
        }),
        ("a seat under another master license", |seen, _| {
            seat_answer(seen, &master(PRODUCT, 3, Kind::NetworkMasterLicense, &vendor()), 4, &daemon_key())
        }),
    ];
    for (what, forge) in cases {
        let stranger = stranger.clone();
        let daemon = Scripted::start(move |seen| Some((200, forge(seen, &stranger))));
        let dir = tempfile::tempdir().unwrap();
        let c = workstation(dir.path(), &address(&daemon));
        assert_eq!(c.activate_lan(), Err(Status::DaemonNotCertified), "{what}");
        assert_eq!(c.status(), Status::NotActivated, "{what}");
        assert!(c.store().load().unwrap().license.is_none(), "{what}");
    }
}

#[test]
fn an_older_master_license_replayed_by_the_daemon_is_refused() {
    let serial = Arc::new(Mutex::new(9));
    let daemon = honest_daemon(Arc::clone(&serial));
    let dir = tempfile::tempdir().unwrap();
    let c = workstation(dir.path(), &address(&daemon));
    c.activate_lan().unwrap();
    *serial.lock().unwrap() = 8;
    assert_eq!(c.refresh(), Err(Status::StaleLease));
    assert_eq!(c.license().unwrap().lease().serial, 9, "the newer master license is kept");
    *serial.lock().unwrap() = 10;
    c.refresh().unwrap();
    assert_eq!(c.license().unwrap().lease().serial, 10);
}

#[test]
fn a_full_or_unreachable_daemon_and_a_lost_seat_say_so() {
    let full = Scripted::start(|_| Some((409, refusal(Status::NetworkSeatsExhausted))));
    let dir = tempfile::tempdir().unwrap();
    let c = workstation(dir.path(), &address(&full));
    assert_eq!(c.activate_lan(), Err(Status::NetworkSeatsExhausted));
    drop(full);

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let c = workstation(dir.path(), &format!("127.0.0.1:{port}"));
    assert_eq!(c.activate_lan(), Err(Status::LanUnreachable));
    assert!(licensekit::last_error_detail().unwrap().contains(&port.to_string()));

    // A daemon that no longer has the seat (lapsed, freed by its administrator).
    let lost = Arc::new(Mutex::new(false));
    let serial = Arc::new(Mutex::new(3u64));
    let answers = {
        let lost = Arc::clone(&lost);
        Scripted::start(move |seen| {
            if *lost.lock().unwrap() {
                return Some((409, refusal(Status::SeatLost)));
            }
            let serial = *serial.lock().unwrap();
            Some((200, certified_seat(seen, serial)))
        })
    };
    let c = workstation(dir.path(), &address(&answers));
    c.activate_lan().unwrap();
    *lost.lock().unwrap() = true;
    assert_eq!(c.refresh(), Err(Status::SeatLost));
    assert_eq!(c.status(), Status::SeatLost);
    assert!(c.store().load().unwrap().license.is_none());
}

/// (The `LICENSEKIT_LAN_SERVER` variable is what every workstation of `tests/lan/netns.sh`
/// finds its daemon by: set here, it would race with the other tests' threads.)
#[test]
fn the_lan_server_is_validated() {
    let mut config = Config::new(PRODUCT).unwrap();
    for bad in
        ["", "lanhost", "lanhost:0", "lanhost:70000", "ftp://lanhost:1", "lanhost:27000/path", "lan host:1"]
    {
        assert_eq!(config.set_lan_server(bad), Err(Status::InvalidArgument), "{bad:?}");
    }
    config.set_lan_server("lanhost:27000").unwrap();
    assert_eq!(config.lan_server().as_deref(), Some("http://lanhost:27000"));
    config.set_lan_server("https://[::1]:27000/").unwrap();
    assert_eq!(config.lan_server().as_deref(), Some("https://[::1]:27000"));
}
