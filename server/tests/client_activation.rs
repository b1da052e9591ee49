//! The client protocol driven by the real licensekit client: activation, features, UDFs,
//! dates, refresh, seats, deactivation, and vendor changes that reach the client.

mod common;

use common::Server;
use common::licensing::{client, code, now_secs, product, update_code};
use licensekit::Status;
use licensekit::protocol::Kind;
use licensekit::protocol::client_api::{FeatureKind, LeaseState, LicenseType};
use serde_json::json;

#[test]
fn activation_grants_features_udfs_dates_and_is_recorded() {
    let server = Server::start();
    let product = product(
        &server,
        json!({"clientsallowed": 2, "clientleaseperiod": 2, "clientofflineleaseperiod": 3,
               "features": [
                   {"featurecode": "EXPORT", "featurename": "Export", "notes": "n"},
                   {"featurecode": "RENDER", "featurename": "Render", "notes": "n"},
                   {"featurecode": "SEATS", "featurename": "Seats", "notes": "n", "featuretype": "floating"}],
               "udfvalues": [{"fieldname": "EDITION", "defaultvalue": "pro"},
                             {"fieldname": "COLOUR", "defaultvalue": "blue"}]}),
    );
    let code = code(
        &server,
        &product,
        json!({"maintenanceenddate": "2031-05-01",
               "features": [{"featurecode": "RENDER", "featureavailability": "off"},
                            {"featurecode": "SEATS", "limit": 5}],
               "udfvalues": [{"fieldname": "COLOUR", "defaultvalue": "red"}]}),
    );
    let store = tempfile::tempdir().unwrap();
    let app = client(&server, &product, store.path());
    assert_eq!(app.status(), Status::NotActivated);
    let before = now_secs();
    app.activate(&code).unwrap();
    assert_eq!(app.status(), Status::Ok);
    assert_eq!(app.feature_enabled("EXPORT"), Status::Ok);
    assert_eq!(app.feature_enabled("RENDER"), Status::FeatureNotEnabled);
    // A floating feature is usable while this process holds one of its seats.
    assert_eq!(app.feature_enabled("SEATS"), Status::NoSeat);
    app.floating_checkout("SEATS").unwrap();
    assert_eq!(app.feature_enabled("SEATS"), Status::Ok);
    assert_eq!(app.feature_enabled("NOPE"), Status::FeatureUnknown);
    assert_eq!(app.udf_value("EDITION").unwrap(), "pro");
    assert_eq!(app.udf_value("COLOUR").unwrap(), "red");

    let license = app.license().unwrap();
    assert_eq!(license.kind(), Kind::Lease);
    let lease = license.lease();
    assert_eq!(lease.product_id, product);
    assert_eq!(lease.license_code.as_deref(), Some(code.as_str()));
    assert_eq!(lease.computer_id, app.computer_id());
    assert_eq!(lease.components, app.fingerprint().components);
    assert_eq!(lease.state, LeaseState::Active);
    assert_eq!(lease.license_type, LicenseType::Perpetual);
    assert_eq!(lease.expires, None);
    assert_eq!(lease.maintenance_end, Some(1_935_360_000)); // 2031-05-01T00:00:00Z
    assert!(lease.server_time >= before - 1 && lease.server_time <= now_secs() + 1);
    assert_eq!(lease.lease_end - lease.server_time, 2 * 3600);
    assert_eq!(lease.grace_end - lease.server_time, 3 * 24 * 3600);
    let seats = lease.features.iter().find(|f| f.code == "SEATS").unwrap();
    assert_eq!((seats.kind, seats.enabled, seats.limit), (FeatureKind::Floating, true, Some(5)));
    let export = lease.features.iter().find(|f| f.code == "EXPORT").unwrap();
    assert_eq!((export.kind, export.limit), (FeatureKind::Normal, None));
    let first_serial = lease.serial;

    // The vendor switches RENDER on and changes a UDF: the next refresh brings both.
    update_code(
        &server,
        &product,
        &code,
        json!({"features": [{"featurecode": "RENDER", "featureavailability": "on"}],
               "udfvalues": [{"fieldname": "EDITION", "defaultvalue": "enterprise"}]}),
    );
    assert_eq!(app.feature_enabled("RENDER"), Status::FeatureNotEnabled);
    app.refresh().unwrap();
    assert_eq!(app.feature_enabled("RENDER"), Status::Ok);
    assert_eq!(app.udf_value("EDITION").unwrap(), "enterprise");
    assert!(app.license().unwrap().lease().serial > first_serial);

    // The records: activity with system details, activated codes, system details, the code.
    let activity = server.ok(
        "GET",
        "LicenseCodeActivity",
        &json!({"productid": product, "licensecode": code, "getsysinfo": 1}),
    );
    let activity = activity.as_array().unwrap();
    assert_eq!(activity.len(), 1);
    let a = &activity[0];
    assert_eq!(a["computerID"], app.computer_id());
    assert_eq!(a["status"], "ACTIVATED");
    assert_eq!(a["deactivated"], "1900-01-01T00:00:00");
    assert_ne!(a["clientleaseenddate"], "1900-01-01T00:00:00");
    assert_eq!(a["vmPlatform"], app.virtualization().platform.as_str());
    let info = &a["systemInfo"];
    assert_eq!(info["computerID"], app.computer_id());
    assert_eq!(
        (&info["version"], &info["build"], &info["edition"]),
        (&json!("2.1"), &json!("57"), &json!("ENT"))
    );
    assert_eq!(info["licensestatus"], "Activated");
    assert!(!info["operatingsystem"].as_str().unwrap().is_empty());
    let details =
        server.ok("GET", "SystemDetails", &json!({"productid": product, "computerid": app.computer_id()}));
    assert_eq!(&details, info);
    let activated = server.ok("GET", "ActivatedLicenseCodes", &json!({"computerid": app.computer_id()}));
    assert_eq!(activated, json!([{"productID": product, "licenseCode": code}]));
    let listed = server.ok("GET", "LicenseCode", &json!({"productid": product, "licensecode": code}));
    assert_eq!(listed[0]["numActivations"], json!(1), "{listed}");

    // A restarted process is licensed from its store, without the server.
    drop(app);
    let again = client(&server, &product, store.path());
    assert_eq!(again.status(), Status::Ok);
    assert_eq!(again.udf_value("EDITION").unwrap(), "enterprise");
}

#[test]
fn seats_count_distinct_computers_and_deactivation_frees_one() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 2, "clientleaseperiod": 1}));
    let code = code(&server, &product, json!({}));
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let [a, b, c] = [0, 1, 2].map(|i| client(&server, &product, dirs[i].path()));
    a.activate(&code).unwrap();
    b.activate(&code).unwrap();
    assert_eq!(c.activate(&code), Err(Status::ActivationLimit));
    assert_eq!(c.status(), Status::NotActivated);
    // Activating the same computer again takes no second seat (and a new installation key).
    let old_key = a.license().unwrap().lease().installation_key.clone();
    a.activate(&code).unwrap();
    assert_ne!(a.license().unwrap().lease().installation_key, old_key);
    assert_eq!(c.activate(&code), Err(Status::ActivationLimit));
    // A deactivated seat is free again.
    a.deactivate().unwrap();
    assert_eq!(a.status(), Status::Deactivated);
    assert_eq!(a.license().unwrap().lease().state, LeaseState::Deactivated);
    c.activate(&code).unwrap();
    assert_eq!(c.status(), Status::Ok);
    let activity =
        server.ok("GET", "LicenseCodeActivity", &json!({"productid": product, "licensecode": code}));
    let statuses: Vec<(&str, &str)> = activity
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["computerID"].as_str().unwrap(), a["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [(a.computer_id(), "DEACTIVATED"), (b.computer_id(), "ACTIVATED"), (c.computer_id(), "ACTIVATED")]
    );
    let deactivated = &activity[0]["deactivated"];
    assert_ne!(deactivated, "1900-01-01T00:00:00");
    let only_active = server.ok(
        "GET",
        "LicenseCodeActivity",
        &json!({"productid": product, "licensecode": code, "activated": 1}),
    );
    assert_eq!(only_active.as_array().unwrap().len(), 2);
    // Deactivated computers no longer list the code.
    let listed = server.ok("GET", "ActivatedLicenseCodes", &json!({"computerid": a.computer_id()}));
    assert_eq!(listed, json!([]));
}

#[test]
fn disabling_refuses_activation_and_revokes_at_the_next_refresh() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 5}));
    let code = code(&server, &product, json!({}));
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = client(&server, &product, da.path());
    a.activate(&code).unwrap();
    update_code(&server, &product, &code, json!({"enabledforuse": false}));
    assert_eq!(a.status(), Status::Ok, "the vendor's change waits for the next refresh");
    a.refresh().unwrap();
    assert_eq!(a.status(), Status::Disabled);
    assert_eq!(a.license().unwrap().lease().state, LeaseState::Disabled);
    let b = client(&server, &product, db.path());
    assert_eq!(b.activate(&code), Err(Status::Disabled));
    // Enabled again: the disabled client recovers at its next refresh.
    update_code(&server, &product, &code, json!({"enabledforuse": true}));
    a.refresh().unwrap();
    assert_eq!(a.status(), Status::Ok);
    b.activate(&code).unwrap();
}

#[test]
fn returned_and_deleted_activity_reach_the_client_as_deactivated() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 2}));
    let (code1, code2) = (code(&server, &product, json!({})), code(&server, &product, json!({})));
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let [a, b, c] = [0, 1, 2].map(|i| client(&server, &product, dirs[i].path()));
    a.activate(&code1).unwrap();
    b.activate(&code1).unwrap();
    c.activate(&code2).unwrap();

    // PUT LicenseCodeActivity returns every activation of the code.
    let answer =
        server.ok("PUT", "LicenseCodeActivity", &json!({"productid": product, "licensecode": code1}));
    assert_eq!(answer, "License Code Activity Returned Successfully : 2");
    for app in [&a, &b] {
        assert_eq!(app.status(), Status::Ok);
        app.refresh().unwrap();
        assert_eq!(app.status(), Status::Deactivated);
    }
    // Both seats are free again.
    a.activate(&code1).unwrap();
    b.activate(&code1).unwrap();
    assert_eq!(a.status(), Status::Ok);

    // DELETE LicenseCodeActivity of one computer: that one learns it at its next refresh.
    let answer = server.ok(
        "DELETE",
        "LicenseCodeActivity",
        &json!({"productid": product, "licensecode": code1, "computerid": a.computer_id()}),
    );
    assert!(answer.as_str().unwrap().starts_with("License Code Activity Deleted Successfully : "));
    a.refresh().unwrap();
    assert_eq!(a.status(), Status::Deactivated);
    b.refresh().unwrap();
    assert_eq!(b.status(), Status::Ok);
    // DELETE of all the code's activity; the other code is untouched.
    server.ok("DELETE", "LicenseCodeActivity", &json!({"productid": product, "licensecode": code1}));
    b.refresh().unwrap();
    assert_eq!(b.status(), Status::Deactivated);
    c.refresh().unwrap();
    assert_eq!(c.status(), Status::Ok);
    // Deactivated, the client no longer holds an installation key to refresh with.
    a.activate(&code1).unwrap();
    a.deactivate().unwrap();
    assert_eq!(a.refresh(), Err(Status::NoLicense));
}

/// This very computer (no simulated machine): the ID the server records is `lk_computer_id`'s,
/// whatever the store directory; and a damaged store is replaced by the next activation, the
/// damaged file kept beside it.
#[test]
fn the_server_records_this_computers_id_and_an_activation_heals_a_damaged_store() {
    use licensekit::machine::{Fingerprint, SysRoot, detect_virtualization};
    use licensekit::{Client, Config};
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 1}));
    let code = code(&server, &product, json!({}));
    let store = tempfile::tempdir().unwrap();
    let app = |dir: &std::path::Path| {
        let mut config = Config::new(&product).unwrap();
        config.add_public_key(&server.public_key).unwrap();
        config.set_store_dir(dir).unwrap();
        config.set_server_url(&server.base).unwrap();
        Client::new(config).unwrap()
    };
    let first = app(store.path());
    first.activate(&code).unwrap();
    let root = SysRoot::host();
    let this = Fingerprint::compute(&product, &root, &detect_virtualization(&root)).unwrap().computer_id;
    let rows = server.ok("GET", "LicenseCodeActivity", &json!({"productid": product, "licensecode": code}));
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["computerID"], this.as_str(), "the ID the server records is lk_computer_id's");
    assert_eq!(first.computer_id(), this);

    // Damage the store: the client opens, licenses nothing, and an activation heals it.
    let path = first.store().path().to_path_buf();
    drop(first);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[30] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();
    let damaged = app(store.path());
    assert_eq!(damaged.status(), Status::StoreCorrupt);
    assert_eq!(damaged.feature_enabled("EXPORT"), Status::StoreCorrupt);
    // The same computer activates again: its seat, not a second one (the code has one).
    damaged.activate(&code).unwrap();
    assert_eq!(damaged.status(), Status::Ok);
    let kept = damaged.store().damaged_files();
    assert_eq!(kept.len(), 1, "the damaged file is kept for support");
    assert_eq!(std::fs::read(&kept[0]).unwrap(), bytes);
    let info = damaged.license_info();
    assert_eq!(info["store"]["damaged_files"][0], kept[0].display().to_string().as_str());
    // Another store directory on this computer is the same computer: still one seat.
    let other = tempfile::tempdir().unwrap();
    let second = app(other.path());
    assert_eq!(second.computer_id(), this);
    second.activate(&code).unwrap();
    // Three installations on this computer (the damaged store's key is lost): one computer.
    let rows = server.ok("GET", "LicenseCodeActivity", &json!({"productid": product, "licensecode": code}));
    let computers: std::collections::BTreeSet<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "ACTIVATED")
        .map(|r| r["computerID"].as_str().unwrap())
        .collect();
    assert_eq!(computers.into_iter().collect::<Vec<_>>(), [this.as_str()]);
    // Both installations stay licensed: they share the seat instead of taking it in turns.
    assert_eq!(damaged.refresh(), Ok(()));
    assert_eq!(second.refresh(), Ok(()));
    assert_eq!((damaged.status(), second.status()), (Status::Ok, Status::Ok));
}
