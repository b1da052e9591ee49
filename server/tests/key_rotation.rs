//! `keys rotate`: a new vendor signing key becomes current and the old one stays listed and
//! backed up. An application updated to trust both keeps its activation across the change
//! (its old lease verifies, its refresh brings one signed by the new key); one that trusts
//! only the old key is refused with LK_UNKNOWN_KEY, naming the key the server signs with.
//! This is the data directory's rotation (its files, its backup); `postgres_key_rotation`
//! is the database's.

mod common;

use std::process::Command;

use common::licensing::{client_trusting as client, code, product};
use common::{BIN, Server, spawn_serve};
use licensekit::Status;
use licensekit::protocol::{Envelope, PublicKey};
use serde_json::json;

fn keys(args: &[&str], dir: &std::path::Path) -> String {
    let out = Command::new(BIN).arg("keys").args(args).arg("--data-dir").arg(dir).output().unwrap();
    assert!(out.status.success(), "keys {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn rotation_keeps_clients_that_trust_both_and_refuses_old_only_ones() {
    let mut server = Server::start();
    let old = server.public_key.clone();
    let p = product(&server, json!({"clientsallowed": 3}));
    let c = code(&server, &p, json!({}));
    let (both_store, old_store) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    client(&server.base, &p, both_store.path(), &[&old]).activate(&c).unwrap();
    client(&server.base, &p, old_store.path(), &[&old]).activate(&c).unwrap();

    server.terminate();
    let data = server.data_dir();
    let rotated = keys(&["rotate"], &data);
    let new =
        rotated.lines().next().unwrap().split("public key ").nth(1).unwrap().trim_end_matches(')').to_owned();
    assert_ne!(new, old);
    let listed = keys(&["list"], &data);
    let signing: Vec<&str> = listed.split("\n\n").nth(1).unwrap().lines().skip(1).collect();
    assert_eq!(signing.len(), 2, "{listed}");
    assert!(signing[0].contains(&new) && signing[0].ends_with("current"), "{listed}");
    assert!(signing[1].contains(&old) && signing[1].ends_with("retired"), "{listed}");
    let public = Command::new(BIN).arg("public-key").arg("--data-dir").arg(&data).output().unwrap();
    assert_eq!(String::from_utf8(public.stdout).unwrap().trim(), new, "public-key prints the current key");

    let (child, base) = spawn_serve(&data);
    let mut server = Server::adopt(server, child, base);
    server.public_key = new.clone();
    // The rotation is in the audit trail, by key ID.
    let (status, trail) =
        server.call("GET", "AuditLog", "read_only", &json!({"pagenumber": 1, "pagesize": 1}));
    assert_eq!(status, 200, "{trail}");
    let id = |hex: &str| PublicKey::from_hex(hex).unwrap().id().to_hex();
    assert_eq!(
        (trail[0]["keyKind"].as_str(), trail[0]["controller"].as_str()),
        (Some("cli"), Some("signing-key"))
    );
    assert_eq!(trail[0]["fields"], format!("current={},retired={}", id(&new), id(&old)));

    // The application updated to trust both: its old lease still verifies, and the refresh
    // brings a lease signed by the new key.
    let both = client(&server.base, &p, both_store.path(), &[&old, &new]);
    assert_eq!(both.status(), Status::Ok);
    both.refresh().unwrap();
    assert_eq!(both.status(), Status::Ok);
    let license = both.license().unwrap();
    let signer = Envelope::parse(license.compact()).unwrap().key_id();
    assert_eq!(signer, PublicKey::from_hex(&new).unwrap().id(), "the new lease is signed by the new key");
    // A new installation trusting both activates.
    let fresh = tempfile::tempdir().unwrap();
    client(&server.base, &p, fresh.path(), &[&old, &new]).activate(&c).unwrap();

    // The application that trusts only the old key is refused cleanly.
    let old_only = client(&server.base, &p, old_store.path(), &[&old]);
    let refused = old_only.refresh().unwrap_err();
    assert_eq!(refused, Status::UnknownKey);
    let another = tempfile::tempdir().unwrap();
    let refused = client(&server.base, &p, another.path(), &[&old]).activate(&c).unwrap_err();
    assert_eq!(refused, Status::UnknownKey);

    // A backup carries both keys; the restored directory lists them alike.
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("b");
    let ok = |c: &mut Command| assert!(c.output().unwrap().status.success());
    ok(Command::new(BIN).arg("backup").arg("--data-dir").arg(server.data_dir()).arg("--to").arg(&file));
    let restored = work.path().join("restored");
    ok(Command::new(BIN).arg("restore").arg("--from").arg(&file).arg("--data-dir").arg(&restored));
    assert_eq!(
        keys(&["list"], &restored).split("\n\n").nth(1),
        keys(&["list"], &server.data_dir()).split("\n\n").nth(1)
    );
}
