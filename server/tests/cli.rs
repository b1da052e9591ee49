//! The command line: `init` (its JSON, the key file's mode, refusing a second run),
//! `public-key`, `keys create|list|revoke` against a running server, and graceful shutdown.

mod common;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{BIN, Server, init, signal};
use serde_json::json;

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

#[test]
fn init_prints_one_object_and_refuses_a_second_run() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = init(&data);
    let object = out.as_object().unwrap();
    let mut keys: Vec<&String> = object.keys().collect();
    keys.sort();
    assert_eq!(keys, ["api_keys", "customer_id", "public_key"]);
    assert!(out["customer_id"].as_str().unwrap().bytes().all(|b| b.is_ascii_digit()));
    let public = out["public_key"].as_str().unwrap();
    assert!(public.len() == 64 && public.bytes().all(|b| b.is_ascii_hexdigit()), "{public}");
    let mut kinds: Vec<&String> = out["api_keys"].as_object().unwrap().keys().collect();
    kinds.sort();
    assert_eq!(kinds, ["ds", "offline", "read_only", "read_write"]);
    let secrets: Vec<&str> =
        out["api_keys"].as_object().unwrap().values().map(|v| v.as_str().unwrap()).collect();
    assert!(secrets.iter().all(|k| k.len() >= 32), "{secrets:?}");

    let key_file = data.join("signing-key.hex");
    assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    let db = data.join("licensekit.db");
    let before = (std::fs::read(&key_file).unwrap(), std::fs::read(&db).unwrap());
    let (ok, stdout, stderr) = run(&["init", "--data-dir", data.to_str().unwrap(), "--json"]);
    assert!(!ok, "a second init must fail");
    assert!(stdout.is_empty() && stderr.contains("already initialised"), "{stdout} {stderr}");
    assert_eq!(before, (std::fs::read(&key_file).unwrap(), std::fs::read(&db).unwrap()), "nothing changed");

    let (ok, stdout, _) = run(&["public-key", "--data-dir", data.to_str().unwrap()]);
    assert!(ok);
    assert_eq!(stdout.trim(), public);

    // A key file others can read is refused.
    std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (ok, _, stderr) = run(&["public-key", "--data-dir", data.to_str().unwrap()]);
    assert!(!ok && stderr.contains("chmod 600"), "{stderr}");
    let (ok, _, stderr) = run(&["serve", "--data-dir", dir.path().join("missing").to_str().unwrap()]);
    assert!(!ok, "{stderr}");
}

#[test]
fn keys_are_created_listed_and_revoked_while_serving() {
    let server = Server::start();
    let data = server.data_dir();
    let data = data.to_str().unwrap();
    let (ok, stdout, stderr) = run(&["keys", "create", "--data-dir", data, "--kind", "read-only"]);
    assert!(ok, "{stderr}");
    let fields: Vec<&str> = stdout.trim().split('\t').collect();
    assert_eq!(fields[1], "read_only");
    let (id, key) = (fields[0], fields[2]);
    let auth = format!("bearer {}:{key}", server.customer);
    assert_eq!(server.raw("GET", "/api/Products", Some(&auth), b"").0, 200);

    let (ok, stdout, _) = run(&["keys", "list", "--data-dir", data]);
    assert!(ok);
    let api_keys = stdout.split("\n\n").next().unwrap();
    assert_eq!(api_keys.lines().count(), 6, "a header and five keys: {stdout}");
    assert!(!stdout.contains(key), "list never shows a key");

    let (ok, _, stderr) = run(&["keys", "revoke", "--data-dir", data, id]);
    assert!(ok, "{stderr}");
    // The server trusts a key it checked for a second (auth::KEY_CACHE_TTL) without asking
    // the database again, and cannot hear of a revocation by another process before.
    let revoked = Instant::now();
    while server.raw("GET", "/api/Products", Some(&auth), b"").0 != 401 {
        assert!(revoked.elapsed() < Duration::from_secs(3), "a revoked key is still accepted");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (ok, _, _) = run(&["keys", "revoke", "--data-dir", data, id]);
    assert!(!ok, "revoking twice fails");
    let (ok, _, _) = run(&["keys", "create", "--data-dir", data, "--kind", "admin"]);
    assert!(!ok);
}

fn read_response(stream: &mut std::net::TcpStream) -> String {
    let mut text = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).unwrap();
        text.extend_from_slice(&buf[..n]);
        let s = String::from_utf8_lossy(&text);
        if let Some(head_end) = s.find("\r\n\r\n") {
            let length: usize = s[..head_end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())
                })
                .unwrap();
            if text.len() >= head_end + 4 + length {
                return s.into_owned();
            }
        }
        assert!(n > 0, "connection closed early: {s}");
    }
}

#[test]
fn sigterm_lets_the_request_in_flight_finish() {
    let mut server = Server::start();
    let product = common::created_id(&server.ok("POST", "Product", &json!({"productname": "P"})));
    let addr = server.base.trim_start_matches("http://").to_owned();
    let auth = server.bearer("read_write");
    let body = format!("{{\"productid\": \"{product}\", \"numcodes\": 50}}");
    let head = format!(
        "POST /api/LicenseCode HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // The request's head and half its body, then SIGTERM, then the rest: the server must
    // finish this request (and write its 50 codes) before it exits.
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body.as_bytes()[..10]).unwrap();
    stream.flush().unwrap();
    // Not a readiness wait: it orders the signal after the server has read the request head.
    std::thread::sleep(Duration::from_secs(1));
    signal(server.pid(), "TERM");
    std::thread::sleep(Duration::from_millis(100));
    stream.write_all(&body.as_bytes()[10..]).unwrap();
    let response = read_response(&mut stream);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("License Codes Created Successfully"), "{response}");
    drop(stream);
    let data = server.data_dir();
    let status = server.terminate();
    assert!(status.success(), "{status:?}");

    // Restarted on the same directory, the codes are there.
    let (mut child, base) = common::spawn_serve(&data);
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut answer =
        agent.get(format!("{base}/api/LicenseCodes")).header("Authorization", &auth).call().unwrap();
    assert_eq!(answer.body_mut().read_to_string().unwrap(), "50");
    signal(child.id(), "INT");
    assert!(child.wait().unwrap().success(), "SIGINT also stops the server cleanly");
}

#[test]
fn serve_shows_its_testing_aids_and_checks_them() {
    let (ok, help, _) = run(&["serve", "--help"]);
    assert!(ok);
    for flag in ["--hour-seconds", "--clock-offset-secs"] {
        let line = help.lines().skip_while(|l| !l.contains(flag)).nth(1).unwrap_or_default();
        assert!(line.contains("Testing aid"), "{flag}: {help}");
    }
    let dir = tempfile::tempdir().unwrap();
    for bad in [["--hour-seconds", "0"], ["--hour-seconds", "x"], ["--clock-offset-secs", "soon"]] {
        let mut args = vec!["serve", "--data-dir", dir.path().to_str().unwrap()];
        args.extend(bad);
        let (ok, _, err) = run(&args);
        assert!(!ok && err.contains(bad[0]), "{bad:?}: {err}");
    }
}

#[test]
fn info_prints_the_customer_id_the_public_key_and_where_the_data_lives() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let init = init(&data);
    let (ok, stdout, stderr) = run(&["info", "--json", "--data-dir", data.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let info: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let data = data.canonicalize().unwrap();
    assert_eq!(info["customer_id"], init["customer_id"]);
    assert_eq!(info["public_keys"], json!([init["public_key"]]));
    assert_eq!(info["data_dir"], data.to_str().unwrap());
    assert_eq!(info["database"], data.join("licensekit.db").to_str().unwrap());
    assert_eq!(info["signing_key"], data.join("signing-key.hex").to_str().unwrap());
    let (ok, text, _) = run(&["info", "--data-dir", data.to_str().unwrap()]);
    assert!(ok);
    assert!(
        text.contains(init["customer_id"].as_str().unwrap())
            && text.contains(init["public_key"].as_str().unwrap())
    );
    let (ok, _, stderr) = run(&["info", "--data-dir", dir.path().join("missing").to_str().unwrap()]);
    assert!(!ok && !stderr.is_empty());
}
