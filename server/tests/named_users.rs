//! Named-user licensing with the real client: `Client::activate_user` signs a group user in
//! and activates the code their group holds; the lease names the user; the assignment's
//! `computersperuser` holds under racing computers; wrong credentials, a locked user and a
//! user without a license are refused with their own statuses; the password is stored
//! nowhere.

mod common;

use std::sync::{Arc, Barrier};

use common::Server;
use common::licensing::{client, code, product};
use licensekit::Status;
use serde_json::json;

const PASSWORD: &str = "correct horse battery";

/// A group holding `code` and one user of it who may use it on `computers` computers.
fn user(server: &Server, product: &str, code: &str, name: &str, computers: i64) {
    server.ok(
        "POST",
        "GroupUserLicense",
        &json!({"groupname": format!("{name}-group"), "productid": product, "licensecode": code,
                "username": name, "password": PASSWORD, "computersperuser": computers}),
    );
}

fn detail() -> String {
    licensekit::last_error_detail().unwrap_or_default()
}

#[test]
fn a_named_user_activates_within_their_computers_and_the_lease_names_them() {
    let server = Server::start();
    let product = product(
        &server,
        json!({"features": [{"featurecode": "EXPORT", "featurename": "Export", "notes": "n"}]}),
    );
    let code = code(&server, &product, json!({"clientsallowed": 10}));
    user(&server, &product, &code, "alice", 2);
    let stores: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let apps: Vec<_> = stores.iter().map(|s| client(&server, &product, s.path())).collect();

    assert_eq!(apps[0].activate_user("alice", "wrong password"), Err(Status::InvalidCredentials));
    assert_eq!(apps[0].activate_user("nobody", PASSWORD), Err(Status::InvalidCredentials));
    assert_eq!(apps[0].activate_user("", PASSWORD), Err(Status::InvalidArgument));
    assert_eq!(apps[0].status(), Status::NotActivated);

    apps[0].activate_user("Alice", PASSWORD).unwrap_or_else(|s| panic!("{s:?}: {}", detail()));
    assert_eq!(apps[0].feature_enabled("EXPORT"), Status::Ok);
    let lease = apps[0].license().unwrap().lease().clone();
    assert_eq!(lease.user.as_deref(), Some("alice"), "the lease names the user as the vendor spelt it");
    assert_eq!(lease.license_code.as_deref(), Some(code.as_str()), "the group's code");
    assert_eq!(apps[0].license_info()["user"], json!("alice"));
    apps[0].refresh().unwrap();
    assert_eq!(apps[0].license().unwrap().lease().user.as_deref(), Some("alice"), "a refresh keeps the user");

    apps[1].activate_user("alice", PASSWORD).unwrap();
    assert_eq!(apps[2].activate_user("alice", PASSWORD), Err(Status::ActivationLimit));
    assert!(detail().contains("computersperuser 2"), "{}", detail());
    // The same computer again takes no new place.
    apps[1].activate_user("alice", PASSWORD).unwrap();

    let activity =
        server.ok("GET", "LicenseCodeActivity", &json!({"productid": product, "licensecode": code}));
    let users: Vec<&str> =
        activity.as_array().unwrap().iter().map(|a| a["username"].as_str().unwrap()).collect();
    assert_eq!(users, ["alice", "alice"]);

    // Deactivating one computer frees its place for another.
    apps[0].deactivate().unwrap();
    apps[2].activate_user("alice", PASSWORD).unwrap();
    // A license code activation on a user's computer is nobody's.
    apps[1].activate(&code).unwrap();
    assert_eq!(apps[1].license().unwrap().lease().user, None);

    // The password is stored nowhere: not in the client's store, not in the server's data.
    for store in &stores {
        for file in std::fs::read_dir(store.path()).unwrap().flatten().filter(|f| f.path().is_file()) {
            let bytes = std::fs::read(file.path()).unwrap();
            assert!(!contains(&bytes, PASSWORD.as_bytes()), "{} holds the password", file.path().display());
        }
    }
    if server.location()[0] == "--data-dir" {
        for file in std::fs::read_dir(server.data_dir()).unwrap().flatten().filter(|f| f.path().is_file()) {
            let bytes = std::fs::read(file.path()).unwrap();
            assert!(!contains(&bytes, PASSWORD.as_bytes()), "{} holds the password", file.path().display());
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn racing_computers_get_exactly_the_users_computers() {
    let server = Server::start();
    let product = product(&server, json!({}));
    let code = code(&server, &product, json!({"clientsallowed": 50}));
    user(&server, &product, &code, "bob", 2);
    // Four: a sign-in is counted as a failure until its password is verified (so parallel
    // guesses cannot all slip through), and five at once would put the user in the back-off.
    const COMPUTERS: usize = 4;
    let barrier = Arc::new(Barrier::new(COMPUTERS));
    let server = Arc::new(server);
    let threads: Vec<_> = (0..COMPUTERS)
        .map(|_| {
            let (server, product, barrier) = (Arc::clone(&server), product.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let store = tempfile::tempdir().unwrap();
                let app = client(&server, &product, store.path());
                barrier.wait();
                app.activate_user("bob", PASSWORD)
            })
        })
        .collect();
    let results: Vec<Result<(), Status>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let granted = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(granted, 2, "{results:?}");
    assert!(results.iter().all(|r| matches!(r, Ok(()) | Err(Status::ActivationLimit))), "{results:?}");
}

#[test]
fn a_user_without_a_license_and_a_locked_user_are_refused() {
    let server = Server::start();
    let product = product(&server, json!({}));
    let other = self::product(&server, json!({}));
    let code = code(&server, &other, json!({}));
    // Carol's group holds a code of another product only.
    user(&server, &other, &code, "carol", 1);
    let store = tempfile::tempdir().unwrap();
    let app = client(&server, &product, store.path());
    assert_eq!(app.activate_user("carol", PASSWORD), Err(Status::UserNotLicensed));
    assert!(detail().contains("GroupLicenseCode"), "{}", detail());

    // Five wrong passwords, then the user must wait: even the right one is refused.
    for _ in 0..5 {
        assert_eq!(app.activate_user("carol", "guess"), Err(Status::InvalidCredentials));
    }
    assert_eq!(app.activate_user("carol", PASSWORD), Err(Status::UserLocked));
    assert!(detail().contains("try again"), "{}", detail());
    let (_, user) = server.call("GET", "GroupUser", "read_only", &json!({"username": "carol"}));
    assert_eq!(user["failedLogins"], json!(5), "the vendor sees the failures: {user}");
    // A new password set by the vendor clears it.
    server.ok("PUT", "GroupUserPassword", &json!({"username": "carol", "password": "another good one"}));
    assert_eq!(app.activate_user("carol", "another good one"), Err(Status::UserNotLicensed));
}
