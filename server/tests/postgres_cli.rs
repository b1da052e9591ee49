//! The operator commands against a PostgreSQL database (`--database`): `info` and `keys list`
//! answer from the database (the signing key is stored there) and never print its password;
//! `backup` and `restore`, which work on a data directory's files, refuse clearly, name what
//! to do instead and change nothing (`keys rotate` works in the database: see
//! `postgres_key_rotation`).
//!
//! Needs `LK_TEST_POSTGRES` (see `common/postgres.rs`): without it the tests fail.

mod common;

use std::process::Command;

use common::{BIN, Server};
use serde_json::Value;

/// Runs the CLI; (succeeded, stdout, stderr).
fn run(args: &[&str], location: &[String]) -> (bool, String, String) {
    let out = Command::new(BIN).args(args).args(location).output().unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn info_and_keys_list_read_the_database() {
    let server = Server::start_on_postgres(&[]);
    let location = server.location();
    let url = &location[1];
    let password =
        url.split("://").nth(1).and_then(|r| r.split('@').next()).and_then(|u| u.split(':').nth(1));
    let password = password.expect("the test URL carries a password");

    let (ok, stdout, stderr) = run(&["info", "--json"], &location);
    assert!(ok, "{stderr}");
    let info: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(info["customer_id"], server.customer.as_str());
    assert_eq!(info["public_keys"], serde_json::json!([server.public_key]));
    assert_eq!(info["signing_key"], "in the database");
    assert!(info["database"].as_str().unwrap().contains(":***@"), "{info}");
    assert!(info.get("data_dir").is_none(), "{info}");

    let (ok, text, stderr) = run(&["info"], &location);
    assert!(ok, "{stderr}");
    assert!(text.contains(&format!("public key:     {}", server.public_key)), "{text}");
    assert!(text.contains("pg_dump"), "{text}");
    for output in [&stdout, &text] {
        assert!(!output.contains(&format!(":{password}@")), "the password is printed: {output}");
    }

    let (ok, list, stderr) = run(&["keys", "list"], &location);
    assert!(ok, "{stderr}");
    let signing = list.split("\n\n").nth(1).expect("a signing-key section");
    let lines: Vec<&str> = signing.lines().skip(1).collect();
    assert_eq!(lines.len(), 1, "{list}");
    assert!(lines[0].ends_with(&format!("\t{}\tcurrent", server.public_key)), "{list}");
}

#[test]
fn file_commands_refuse_a_database_and_change_nothing() {
    let server = Server::start_on_postgres(&[]);
    let location = server.location();
    let key_before = server.signing_key_hex();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.lkb");
    let file = file.to_str().unwrap();

    let (ok, _, stderr) = run(&["backup", "--to", file], &location);
    assert!(!ok);
    assert!(stderr.contains("pg_dump"), "{stderr}");
    assert!(!dir.path().join("backup.lkb").exists(), "a refused backup leaves no file");

    let (ok, _, stderr) = run(&["restore", "--from", file], &location);
    assert!(!ok);
    assert!(stderr.contains("pg_restore"), "{stderr}");
    assert_eq!(server.signing_key_hex(), key_before, "refused commands keep the key");
    // The server still signs with it: its public key is what init printed.
    let (ok, public, _) = run(&["public-key"], &location);
    assert!(ok);
    assert_eq!(public.trim(), server.public_key);
}
