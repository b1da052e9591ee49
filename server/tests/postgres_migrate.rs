//! `licensekit-server migrate --from sqlite:FILE --to postgres://...` (issue 12): a vendor's
//! SQLite installation with products, profiles, companies, codes, notes, activations, a
//! floating seat, a trial and a passive license moves to PostgreSQL with nothing lost: the
//! Web API answers the same there, a real client refreshes the lease it got from SQLite
//! (signed by the same key, with a higher serial) and the limits still hold.
//!
//! Needs `LK_TEST_POSTGRES` (see `common/postgres.rs`): without it the test fails.

mod common;

use std::process::Command;

use common::licensing::{client, code, product};
use common::postgres::Database;
use common::raw::{Installation, body, lease};
use common::{BIN, Server};
use licensekit::Status;
use licensekit::protocol::client_api::{Operation, PATH_FLOATING_CHECKOUT, PATH_TRIAL};
use serde_json::{Value, json};

/// What the Web API shows of the whole installation.
fn snapshot(server: &Server, product: &str, company: &str, codes: &[String]) -> Vec<Value> {
    let mut seen = vec![
        server.ok("GET", "Products", &json!({})),
        server.ok("GET", "Profiles", &json!({"productid": product, "pagenumber": 1})),
        server.ok("GET", "Company", &json!({"companyid": company})),
        server.ok("GET", "LicenseCodes", &json!({"productid": product, "pagenumber": 1})),
        server.ok("GET", "Trials", &json!({"productid": product, "pagenumber": 1})),
        server.ok("GET", "Group", &json!({"groupname": "Masters"})),
        server.ok("GET", "Group", &json!({"groupname": "Team"})),
    ];
    for code in codes {
        seen.push(server.ok(
            "GET",
            "LicenseCode",
            &json!({"productid": product, "licensecode": code, "getnotes": 1}),
        ));
        seen.push(server.ok(
            "GET",
            "LicenseCodeActivity",
            &json!({"productid": product, "licensecode": code, "getsysinfo": 1}),
        ));
    }
    seen
}

#[test]
fn an_sqlite_installation_moves_to_postgres_with_nothing_lost() {
    let mut old = Server::start_on_sqlite(&[]);
    let product = product(
        &old,
        json!({"clientsallowed": 2, "trialperiod": 30, "intrial": true,
               "features": [{"featurecode": "FLOAT", "featurename": "Float", "notes": "n", "featuretype": "floating"},
                            {"featurecode": "EXPORT", "featurename": "Export", "notes": "n"}],
               "udfvalues": [{"fieldname": "edition", "defaultvalue": "std"}]}),
    );
    old.ok("POST", "Profile", &json!({"productid": product, "profilename": "Team", "clientsallowed": 3}));
    let company =
        common::created_id(&old.ok("POST", "Company", &json!({"productid": product, "company": "Acme Ltd"})));
    let first = code(
        &old,
        &product,
        json!({"features": [{"featurecode": "FLOAT", "limit": 1}], "companyid": company}),
    );
    let second =
        code(&old, &product, json!({"notes": [{"type": "General", "description": "bought at the fair"}]}));
    old.ok("POST", "LicenseCode", &json!({"productid": product, "numcodes": 20, "profilename": "Team"}));
    // A standard group created before the master group it is then put under (migrate copies
    // rows in no particular order), with a user and a code.
    let team = common::created_id(&old.ok(
        "POST",
        "GroupUserLicense",
        &json!({"groupname": "Team", "username": "ann", "password": "ann-password", "productid": product,
                "licensecode": second}),
    ));
    let team = team.split(',').next().unwrap();
    let masters =
        common::created_id(&old.ok("POST", "Group", &json!({"groupname": "Masters", "type": "master"})));
    old.ok("PUT", "Group", &json!({"groupid": team, "mastergroupid": masters}));

    // A real client activates; raw installations take the second seat, the floating seat
    // and a trial.
    let store = tempfile::tempdir().unwrap();
    let app = client(&old, &product, store.path());
    app.activate(&first).unwrap();
    let serial_before = app.license().unwrap().lease().serial;
    let other = Installation::new(&old, &product, Some(&first), "MIGRATEDCOMPUTER02");
    lease(
        &old,
        licensekit::protocol::client_api::PATH_ACTIVATE,
        &body(&other.key, &other.request(Operation::Activate)),
    );
    let (status, seat) = common::raw::post(
        &old,
        PATH_FLOATING_CHECKOUT,
        &other.capacity(Operation::FloatingCheckout, Some("FLOAT"), None, None),
    );
    assert_eq!(status, 200, "{seat}");
    let trial = Installation::new(&old, &product, None, "MIGRATEDTRIAL00001");
    lease(&old, PATH_TRIAL, &body(&trial.key, &trial.request(Operation::StartTrial)));
    let out = Command::new(BIN)
        .args([
            "passive",
            "create",
            "--product",
            &product,
            "--client-id",
            "PASSIVECLIENT00001",
            "--feature",
            "EXPORT",
        ])
        .args(old.location())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let codes = vec![first.clone(), second.clone()];
    let before = snapshot(&old, &product, &company, &codes);
    assert!(old.terminate().success());

    let target = Database::create();
    let migrate = |to: &str| {
        Command::new(BIN)
            .args([
                "migrate",
                "--from",
                &format!("sqlite:{}", old.data_dir().join("licensekit.db").display()),
                "--to",
                to,
            ])
            .output()
            .unwrap()
    };
    let out = migrate(&target.url);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(printed.contains("license_codes\t22"), "{printed}");
    assert!(printed.contains("passive_licenses\t1"), "{printed}");
    assert!(printed.contains("seats\t1"), "{printed}");
    assert!(printed.contains("user_groups\t2") && printed.contains("group_users\t1"), "{printed}");
    // Into a database that is no longer empty, it is refused.
    let again = migrate(&target.url);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already initialised"));

    // Served from PostgreSQL: the same answers, the same key, the same credentials.
    let location = vec!["--database".to_owned(), target.url.clone()];
    let (child, base) = common::spawn_serve_at(&[], &location, &[]);
    let new = Server::adopt(old, child, base);
    assert_eq!(
        snapshot(&new, &product, &company, &codes),
        before,
        "the Web API answers the same after the move"
    );
    let login = json!({"username": "ann", "password": "ann-password"});
    assert_eq!(new.ok("GET", "AuthenticateUser", &login)["groupID"].to_string(), team);
    let served = Command::new(BIN).arg("public-key").args(&location).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&served.stdout).trim(), new.public_key);

    // The client refreshes the lease it got from SQLite, signed by the same key, with a
    // serial beyond every one SQLite issued.
    let app = client(&new, &product, store.path());
    app.refresh().unwrap();
    assert_eq!(app.status(), Status::Ok);
    assert!(app.license().unwrap().lease().serial > serial_before + 2);
    // The limits moved too: both activations are taken, the one floating seat is held.
    let third = Installation::new(&new, &product, Some(&first), "MIGRATEDCOMPUTER03");
    common::raw::refused(
        &new,
        licensekit::protocol::client_api::PATH_ACTIVATE,
        &body(&third.key, &third.request(Operation::Activate)),
        409,
        Status::ActivationLimit,
    );
}
