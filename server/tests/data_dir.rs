//! The data directory's permissions: whatever the umask, the directory is 0700 and every
//! file the server makes in it (database, WAL, shared memory, signing key) 0600; `serve`
//! refuses, saying why, files others can read and a database or directory it cannot write.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, Server, spawn_serve_under};
use serde_json::json;

/// Runs the server's command line with umask 000, so only the server's own modes count.
const UMASK_000: [&str; 3] = ["sh", "-c", "umask 000; exec \"$0\" \"$@\""];

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs `serve` on `data` and expects it to refuse at once: returns its stderr. A server
/// that starts instead is killed after 10 s and the test fails.
fn refused(data: &Path) -> String {
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve started on {}", data.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn everything_the_server_creates_is_private_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = Command::new(UMASK_000[0])
        .args(&UMASK_000[1..])
        .arg(BIN)
        .args(["init", "--json", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let init: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("signing-key.hex")), 0o600);
    assert_eq!(mode(&data.join("licensekit.db")), 0o600);

    // Served (still with umask 000) and written to: the WAL and shared memory appear, 0600.
    let (mut child, base) = spawn_serve_under(&UMASK_000, &data, &[]);
    let auth = format!(
        "bearer {}:{}",
        init["customer_id"].as_str().unwrap(),
        init["api_keys"]["read_write"].as_str().unwrap()
    );
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let answer = agent
        .post(format!("{base}/api/Product"))
        .header("Authorization", &auth)
        .send(json!({"productname": "P"}).to_string())
        .unwrap();
    assert_eq!(answer.status(), 200);
    let mut created: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    created.sort();
    assert_eq!(created, ["licensekit.db", "licensekit.db-shm", "licensekit.db-wal", "signing-key.hex"]);
    for name in &created {
        assert_eq!(mode(&data.join(name)), 0o600, "{name}");
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn serve_refuses_files_others_can_read_and_what_it_cannot_write() {
    // Initialised and served once; stopped, its directory stays until the end of the test.
    let mut server = Server::start();
    let data = server.data_dir();
    assert!(server.terminate().success());
    let db = data.join("licensekit.db");
    let key = data.join("signing-key.hex");

    chmod(&db, 0o644);
    let stderr = refused(&data);
    assert!(stderr.contains("licensekit.db is readable by other users; run `chmod 600`"), "{stderr}");
    chmod(&db, 0o600);

    chmod(&key, 0o640);
    let stderr = refused(&data);
    assert!(stderr.contains("signing-key.hex is readable by other users; run `chmod 600`"), "{stderr}");
    chmod(&key, 0o600);

    // Read-only by its mode: refused even for root, whom the kernel would let write it.
    chmod(&db, 0o400);
    let stderr = refused(&data);
    assert!(stderr.contains("licensekit.db is read-only"), "{stderr}");
    chmod(&db, 0o600);

    chmod(&data, 0o500);
    let stderr = refused(&data);
    assert!(
        stderr.contains("is read-only and the server creates the database's WAL files in it"),
        "{stderr}"
    );
    chmod(&data, 0o700);

    // Put right, it serves.
    let (mut child, base) = spawn_serve_under(&[], &data, &[]);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    assert_eq!(agent.get(format!("{base}/api/Products")).call().unwrap().status(), 401);
    let _ = child.kill();
    let _ = child.wait();
}
