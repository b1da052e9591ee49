//! `keys rotate --database`: in one transaction the database's signing key is retired (kept,
//! listed) and a new one becomes current. Two processes serve the database; each signs
//! with the key it read at start, so both are restarted, and then, as on SQLite
//! (`key_rotation`), an application updated to trust both keys keeps its activation (its
//! old lease verifies, its refresh brings one signed by the new key) while one that trusts
//! only the old key is refused with LK_UNKNOWN_KEY. `migrate` carries retired keys along.
//!
//! Needs `LK_TEST_POSTGRES` (see `common/postgres.rs`): without it the tests fail.

mod common;

use std::process::Command;

use common::licensing::{client_trusting as client, code, product};
use common::postgres::Database;
use common::{BIN, Server, spawn_serve_at};
use licensekit::protocol::{Envelope, PublicKey};
use licensekit::{Client, Status};
use serde_json::json;

/// Runs a command of the CLI at `location` and returns its stdout; it must succeed.
fn cli(args: &[&str], location: &[String]) -> String {
    let out = Command::new(BIN).args(args).args(location).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The signing-key lines of `keys list` (after the API keys and a blank line).
fn signing_keys(location: &[String]) -> Vec<String> {
    let listed = cli(&["keys", "list"], location);
    let section = listed.split("\n\n").nth(1).unwrap_or_else(|| panic!("no signing-key section: {listed}"));
    section.lines().skip(1).map(str::to_owned).collect()
}

/// The key ID of the vendor key that signed the client's lease.
fn signer(client: &Client) -> licensekit::protocol::KeyId {
    Envelope::parse(client.license().unwrap().compact()).unwrap().key_id()
}

#[test]
fn rotation_in_the_database_keeps_clients_that_trust_both_and_refuses_old_only_ones() {
    let mut first = Server::start_on_postgres(&[]);
    let mut second = first.another_process(&[]);
    let location = first.location();
    let old = first.public_key.clone();
    let p = product(&first, json!({"clientsallowed": 4}));
    let c = code(&first, &p, json!({}));
    let (both_store, old_store) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    client(&first.base, &p, both_store.path(), &[&old]).activate(&c).unwrap();
    client(&second.base, &p, old_store.path(), &[&old]).activate(&c).unwrap();

    // Rotated while both processes serve.
    let rotated = cli(&["keys", "rotate"], &location);
    let new =
        rotated.lines().next().unwrap().split("public key ").nth(1).unwrap().trim_end_matches(')').to_owned();
    assert_ne!(new, old);
    assert!(rotated.contains("every server process"), "{rotated}");
    let listed = signing_keys(&location);
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed[0].contains(&new) && listed[0].ends_with("current"), "{listed:?}");
    assert!(listed[1].contains(&old) && listed[1].ends_with("retired"), "{listed:?}");
    assert_eq!(cli(&["public-key"], &location).trim(), new, "public-key prints the current key");
    assert_eq!(first.database().sql("SELECT count(*) FROM retired_signing_keys"), "1");

    // A process started before the rotation read the old key and goes on signing with it:
    // that is why every process is restarted.
    let before_restart = client(&second.base, &p, both_store.path(), &[&old, &new]);
    before_restart.refresh().unwrap();
    assert_eq!(signer(&before_restart), PublicKey::from_hex(&old).unwrap().id());

    assert!(second.terminate().success());
    assert!(first.terminate().success());
    let (child, base) = spawn_serve_at(&[], &location, &[]);
    let first = Server::adopt(first, child, base);
    let second = first.another_process(&[]);
    let new_id = PublicKey::from_hex(&new).unwrap().id();

    // The application updated to trust both: its old lease still verifies, and the refresh
    // brings a lease signed by the new key, from either process.
    for server in [&first, &second] {
        let both = client(&server.base, &p, both_store.path(), &[&old, &new]);
        assert_eq!(both.status(), Status::Ok);
        both.refresh().unwrap();
        assert_eq!(both.status(), Status::Ok);
        assert_eq!(signer(&both), new_id, "the new lease is signed by the new key");
    }
    // A new installation trusting both activates.
    let fresh = tempfile::tempdir().unwrap();
    let activated = client(&second.base, &p, fresh.path(), &[&old, &new]);
    activated.activate(&c).unwrap();
    assert_eq!(signer(&activated), new_id);

    // The application that trusts only the old key is refused cleanly by both processes.
    for server in [&first, &second] {
        let old_only = client(&server.base, &p, old_store.path(), &[&old]);
        assert_eq!(old_only.refresh().unwrap_err(), Status::UnknownKey);
    }
    let another = tempfile::tempdir().unwrap();
    let refused = client(&first.base, &p, another.path(), &[&old]).activate(&c).unwrap_err();
    assert_eq!(refused, Status::UnknownKey);

    // A second rotation retires the second key too: the newest retired is listed first.
    let third = cli(&["keys", "rotate"], &location);
    let listed = signing_keys(&location);
    assert_eq!(listed.len(), 3, "{third}\n{listed:?}");
    assert!(listed[1].contains(&new) && listed[2].contains(&old), "{listed:?}");
}

#[test]
fn migrate_carries_the_retired_keys() {
    let dir = tempfile::tempdir().unwrap();
    let data = common::dir_location(&dir.path().join("data"));
    common::init_at(&data);
    cli(&["keys", "rotate"], &data);
    cli(&["keys", "rotate"], &data);
    let before = signing_keys(&data);
    assert_eq!(before.len(), 3, "{before:?}");

    let target = Database::create();
    let out = Command::new(BIN)
        .args(["migrate", "--from", &format!("sqlite:{}", dir.path().join("data/licensekit.db").display())])
        .args(["--to", &target.url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("retired_signing_keys\t2"), "{printed}");
    let database = vec!["--database".to_owned(), target.url.clone()];
    assert_eq!(signing_keys(&database), before, "the same current key and retired keys, in order");
}
