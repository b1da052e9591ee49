//! `backup` of a server that is serving and being written to, `restore` into a new data
//! directory, and the restored server serving a real client: its activation refreshes and
//! its lease verifies under the same vendor key. Bad backups are refused, leaving nothing.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::licensing::{client, code, product};
use common::{BIN, Server, spawn_serve};
use licensekit::Status;
use serde_json::json;

/// `backup --data-dir DIR --to FILE`.
fn backup(dir: &Path, to: &Path) -> std::process::Output {
    Command::new(BIN).arg("backup").arg("--data-dir").arg(dir).arg("--to").arg(to).output().unwrap()
}

/// `restore --from FILE --data-dir DIR`.
fn restore(from: &Path, dir: &Path) -> std::process::Output {
    Command::new(BIN).arg("restore").arg("--from").arg(from).arg("--data-dir").arg(dir).output().unwrap()
}

fn codes(server: &Server, product: &str) -> i64 {
    server.ok("GET", "LicenseCodes", &json!({"productid": product})).as_i64().unwrap()
}

#[test]
fn a_backup_taken_under_load_restores_and_serves_the_same_client() {
    let server = Arc::new(Server::start());
    let p = product(
        &server,
        json!({"clientsallowed": 2, "clientleaseperiod": 2,
        "features": [{"featurecode": "EXPORT", "featurename": "Export", "notes": "n"}]}),
    );
    let c = code(&server, &p, json!({}));
    let group = common::created_id(&server.ok(
        "POST",
        "GroupUserLicense",
        &json!({"groupname": "Team", "username": "ann", "password": "ann-password", "productid": p, "licensecode": c}),
    ))
    .split(',')
    .next()
    .unwrap()
    .to_owned();
    let store = tempfile::tempdir().unwrap();
    let app = client(&server, &p, store.path());
    app.activate(&c).unwrap();
    let serial = app.license().unwrap().lease().serial;

    // Writers keep allocating codes while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let (server, stop, written, p) = (server.clone(), stop.clone(), written.clone(), p.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    server.ok("POST", "LicenseCode", &json!({"productid": p, "numcodes": 5}));
                    written.fetch_add(5, Ordering::Relaxed);
                }
            })
        })
        .collect();
    while written.load(Ordering::Relaxed) < 50 {
        std::thread::yield_now();
    }
    let before = codes(&server, &p);
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("vendor.lkbackup");
    let out = backup(&server.data_dir(), &file);
    assert!(out.status.success(), "backup failed: {}", String::from_utf8_lossy(&out.stderr));
    let after = codes(&server, &p);
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.join().unwrap();
    }
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    let leftovers: Vec<_> = std::fs::read_dir(work.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("vendor.lkbackup")], "no partial file is left");
    // A second backup to the same file is refused, leaving the first intact.
    let size = std::fs::metadata(&file).unwrap().len();
    assert!(!backup(&server.data_dir(), &file).status.success());
    assert_eq!(std::fs::metadata(&file).unwrap().len(), size);

    // The original goes away; the backup fills a new data directory.
    let mut server = Arc::into_inner(server).unwrap();
    server.terminate();
    let restored = tempfile::tempdir().unwrap();
    let data = restored.path().join("data");
    let out = restore(&file, &data);
    assert!(out.status.success(), "restore failed: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::metadata(&data).unwrap().permissions().mode() & 0o777, 0o700);
    let (child, base) = spawn_serve(&data);
    let server = Server::adopt(server, child, base);

    // The same API keys, the same products, every code created before the backup began and
    // none beyond those that existed when it ended: one consistent instant.
    let restored_codes = codes(&server, &p);
    assert!(before <= restored_codes && restored_codes <= after, "{before} <= {restored_codes} <= {after}");
    assert_eq!(restored_codes % 5, 1, "whole requests only: the first code plus batches of five");

    // The client that activated against the original refreshes against the restored server,
    // and the new lease verifies under the public key it already trusts.
    let app = client(&server, &p, store.path());
    assert_eq!(app.status(), Status::Ok);
    app.refresh().unwrap();
    assert_eq!(app.status(), Status::Ok);
    assert_eq!(app.feature_enabled("EXPORT"), Status::Ok);
    let license = app.license().unwrap();
    let lease = license.lease();
    assert!(lease.serial > serial, "a new lease was signed: {} > {serial}", lease.serial);
    assert_eq!(lease.license_code.as_deref(), Some(c.as_str()));
    let activity = server.ok("GET", "LicenseCodeActivity", &json!({"productid": p, "licensecode": c}));
    assert_eq!(activity.as_array().unwrap().len(), 1, "the activation came across: {activity}");
    // Groups and their users came across, passwords (hashes) included.
    let team = server.ok("GET", "Group", &json!({"groupid": group}));
    assert_eq!(
        (&team["groupUsers"][0]["userName"], &team["groupLicenses"][0]["licenseCode"]),
        (&json!("ann"), &json!(c))
    );
    let login = json!({"username": "ann", "password": "ann-password"});
    assert_eq!(server.ok("GET", "AuthenticateUser", &login)["authenticated"], true);
}

#[test]
fn bad_backups_and_used_directories_are_refused_leaving_nothing() {
    let server = Server::start();
    product(&server, json!({}));
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("b");
    assert!(backup(&server.data_dir(), &file).status.success());

    // Into a directory that already holds data: refused, the directory untouched.
    let out = restore(&file, &server.data_dir());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already holds a data directory"));

    let bytes = std::fs::read(&file).unwrap();
    let cases: [(&str, Vec<u8>, &str); 3] = [
        ("truncated", bytes[..bytes.len() - 100].to_vec(), "truncated"),
        (
            "altered",
            {
                let mut b = bytes.clone();
                let last = b.len() - 1;
                b[last] ^= 1;
                b
            },
            "does not match its SHA-256",
        ),
        ("not a backup", b"hello\n".to_vec(), "is not a licensekit backup"),
    ];
    for (what, contents, message) in cases {
        let bad = work.path().join(what.replace(' ', "-"));
        std::fs::write(&bad, contents).unwrap();
        let target = work.path().join(format!("restored-{}", what.replace(' ', "-")));
        let out = restore(&bad, &target);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{what}");
        assert!(stderr.contains(message), "{what}: {stderr}");
        let left = std::fs::read_dir(&target).map(|d| d.count()).unwrap_or(0);
        assert_eq!(left, 0, "{what}: nothing is written");
    }
}
