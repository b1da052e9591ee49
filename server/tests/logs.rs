//! Logs of a real run (`serve --log-format json`): one JSON line per request with its ID
//! (also returned in `X-Request-Id`, a sane incoming one kept), method, path, status and
//! time; and no secret anywhere in them, after a run that used every kind of secret: API
//! keys in bearer tokens (good and wrong ones), the license code of a real client's
//! activation, codes and passwords in query strings, and the vendor signing key on disk.

mod common;

use common::Server;
use common::licensing::{client, code, product};
use serde_json::{Value, json};

/// The log lines so far, each parsed as JSON (any other line fails the test).
fn lines(server: &Server) -> Vec<Value> {
    server
        .log()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

/// Sends GET `path` with an `X-Request-Id` (or none); returns the status and the ID answered.
fn get_with_id(server: &Server, path: &str, id: Option<&str>) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut request =
        agent.get(format!("{}{path}", server.base)).header("Authorization", server.bearer("read_only"));
    if let Some(id) = id {
        request = request.header("X-Request-Id", id);
    }
    let response = request.call().unwrap();
    let answered = response.headers().get("x-request-id").expect("every answer has an ID").to_str().unwrap();
    (response.status().as_u16(), answered.to_owned())
}

#[test]
fn every_request_is_one_line_with_its_id_and_no_secret_is_ever_logged() {
    let server = Server::start_logged(&["--log-format", "json", "--log-level", "debug"]);
    let product = product(&server, json!({"clientsallowed": 3}));
    let code = code(&server, &product, json!({}));
    let store = tempfile::tempdir().unwrap();
    client(&server, &product, store.path()).activate(&code).unwrap();
    let password = "Tr0ub4dor-3-horse-battery";
    let (status, _) = server.raw(
        "GET",
        &format!("/api/LicenseCode?productid={product}&licensecode={code}&password={password}"),
        Some(&server.bearer("read_write")),
        b"",
    );
    assert!(status < 500, "{status}");
    let wrong_key = "bearer 1:WrongKeyWrongKeyWrongKeyWrongKey";
    assert_eq!(server.raw("GET", "/api/Products", Some(wrong_key), b"").0, 401);
    // A code sent in the path by mistake.
    assert_eq!(server.raw("GET", &format!("/api/{code}"), None, b"").0, 404);

    let (status, kept) = get_with_id(&server, "/api/Products", Some("lb-7f3a.42"));
    assert_eq!((status, kept.as_str()), (200, "lb-7f3a.42"), "a sane incoming ID is kept");
    let forged = "x\r\nlevel=ERROR forged";
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let bad_id = "a".repeat(65);
    let (_, fresh) = get_with_id(&server, "/api/Products", Some(&bad_id));
    assert!(
        fresh.len() == 32 && fresh.bytes().all(|b| b.is_ascii_hexdigit()),
        "a new ID for a too long one: {fresh}"
    );
    assert!(
        agent.get(format!("{}/healthz", server.base)).header("X-Request-Id", forged).call().is_err(),
        "a header with a line break is refused by the HTTP client itself"
    );

    // Group users' passwords, in a body and in a query string, right and wrong.
    let group =
        common::created_id(&server.ok("POST", "Group", &json!({"groupname": "Logged", "type": "standard"})));
    let user_password = "Correct-Horse-Battery-9";
    server.ok(
        "POST",
        "GroupUser",
        &json!({"groupid": group, "username": "logged", "password": user_password}),
    );
    let login = format!("/api/AuthenticateUser?username=logged&password={user_password}");
    assert_eq!(server.raw("GET", &login, Some(&server.bearer("read_only")), b"").0, 200);
    let wrong_password = "Wrong-Horse-Battery-7";
    let login = json!({"username": "logged", "password": wrong_password});
    assert_eq!(server.call("GET", "AuthenticateUser", "read_only", &login).0, 403);

    // The last requests' lines are written once their answers are: wait for them.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !server.log().contains(&fresh) {
        assert!(std::time::Instant::now() < deadline, "no line for request {fresh}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let log = server.log();
    let requests: Vec<Value> =
        lines(&server).into_iter().filter(|l| l["target"] == "licensekit_server::request").collect();
    let kept_line =
        requests.iter().find(|l| l["span"]["request_id"] == "lb-7f3a.42").expect("the kept ID's line");
    assert_eq!(kept_line["method"], "GET");
    assert_eq!(kept_line["path"], "/api/Products");
    assert_eq!(kept_line["status"], 200);
    assert!(kept_line["duration_ms"].as_f64().unwrap() >= 0.0);
    let activation =
        requests.iter().find(|l| l["path"] == "/client/v1/activate").expect("the activation's line");
    assert_eq!(activation["status"], 200);
    let masked =
        requests.iter().find(|l| l["query"].as_str().is_some_and(|q| q.contains("password="))).unwrap();
    assert_eq!(
        masked["query"],
        format!("productid={product}&licensecode=…{}&password=…", &code[code.len() - 4..]),
    );
    assert!(requests.iter().any(|l| l["status"] == 401), "the refused key's request is logged");
    assert!(requests.iter().any(|l| l["path"].as_str().is_some_and(|p| p.starts_with("/api/…"))), "{log}");

    let signing_key = server.signing_key_hex();
    let mut secrets: Vec<String> =
        server.keys.as_object().unwrap().values().map(|k| k.as_str().unwrap().to_owned()).collect();
    secrets.extend([
        code.clone(),
        password.to_owned(),
        "WrongKeyWrongKeyWrongKeyWrongKey".to_owned(),
        signing_key,
        user_password.to_owned(),
        wrong_password.to_owned(),
        "$argon2".to_owned(),
    ]);
    for secret in &secrets {
        assert!(!log.contains(secret.as_str()), "{secret} appears in the log:\n{log}");
    }
    // Product, code, activation, GET LicenseCode, 401, 404, the two with IDs.
    assert!(requests.len() >= 8, "{} request lines", requests.len());
}

#[test]
fn plain_logs_honour_the_level() {
    let server = Server::start_logged(&["--log-level", "warn"]);
    assert_eq!(server.raw("GET", "/healthz", None, b"").0, 200);
    assert_eq!(server.raw("GET", "/api/Products", None, b"").0, 401);
    let mut info = Server::start_logged(&[]);
    assert_eq!(info.raw("GET", "/healthz", None, b"").0, 200);
    info.terminate();
    assert!(!server.log().contains("/healthz"), "no request line at warn:\n{}", server.log());
    let log = info.log();
    let line = log.lines().find(|l| l.contains("path=/healthz")).unwrap_or_else(|| panic!("{log}"));
    assert!(line.contains(" INFO ") && line.contains("status=200") && line.contains("request_id="), "{line}");
    assert!(log.contains("stopped"), "{log}");
}

#[test]
fn a_filter_that_does_not_parse_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    common::init(&data);
    let out = std::process::Command::new(common::BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--log-level", "=[bad", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--log-level"), "{out:?}");
}
