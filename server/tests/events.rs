//! Usage events: `POST DataStreamer` and `GET Events` through the Web API, `events export`,
//! and the real client's queue delivered through the client protocol: in the background,
//! and after the process that queued them was killed, exactly once.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::licensing::{client, client_trusting, code, product};
use common::{BIN, Server};
use licensekit::Status;
use serde_json::{Value, json};

/// Set for the child process of `killed_with_events_queued_then_delivered_once`: what it
/// needs to open the same store.
const CHILD: &str = "LK_TEST_EVENTS_CHILD";

fn count(server: &Server, filter: Value) -> i64 {
    let (status, answer) = server.call("GET", "Events", "read_only", &filter);
    assert_eq!(status, 200, "{answer}");
    answer.as_i64().unwrap()
}

#[test]
fn datastreamer_events_are_recorded_read_back_and_exported() {
    let server = Server::start();
    let product = product(&server, json!({}));
    // The seed's example.
    let example = json!({
        "event": "TestDSEvent",
        "productId": product,
        "payload": {"data": "abcdefgh12345", "profile": "testingProfile5", "companyId": 17,
                    "features": {"featureCode": "FEAT2", "featureAvailability": "on", "limit": "1"},
                    "udfValues": [{"fieldName": "TEST1", "defaultValue": "udf1"}]}
    });
    let (status, answer) = server.call("POST", "DataStreamer", "ds", &example);
    assert_eq!((status, answer), (200, json!("DataStreamer Event Created Successfully")));
    // The payload as a string holding JSON, and no product.
    let (status, _) =
        server.call("POST", "DataStreamer", "ds", &json!({"event": "Startup", "payload": "{\"a\": 1}"}));
    assert_eq!(status, 200);
    for (body, expected) in [
        (json!({"payload": {}}), 400),
        (json!({"event": "e".repeat(65)}), 400),
        (json!({"event": "a\u{7}b"}), 400),
        (json!({"event": "x", "productId": "999"}), 404),
        (json!({"event": "x", "payload": "p".repeat(5000)}), 400),
        (json!({"event": "x", "paylod": {}}), 400),
    ] {
        let (status, answer) = server.call("POST", "DataStreamer", "ds", &body);
        assert_eq!(status, expected, "{body}: {answer}");
    }
    let (status, _) = server.call("POST", "DataStreamer", "read_write", &example);
    assert_eq!(status, 403, "only the DS key streams events");
    let (status, _) = server.call("GET", "Events", "ds", &json!({}));
    assert_eq!(status, 403, "the DS key only streams");

    assert_eq!(count(&server, json!({})), 2, "nothing refused was recorded");
    assert_eq!(count(&server, json!({"productid": product})), 1);
    assert_eq!(count(&server, json!({"event": "Startup"})), 1);
    assert_eq!(count(&server, json!({"startdate": "2999-01-01"})), 0);
    let (_, page) =
        server.call("GET", "Events", "read_only", &json!({"pagenumber": 1, "productid": product}));
    let event = &page[0];
    assert_eq!(
        (event["event"].as_str(), event["source"].as_str()),
        (Some("TestDSEvent"), Some("datastreamer"))
    );
    let payload: Value = serde_json::from_str(event["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload, example["payload"]);

    let out = Command::new(BIN)
        .args(["events", "export", "--format", "csv"])
        .args(server.location())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut rows = csv::Reader::from_reader(&out.stdout[..]);
    let header: Vec<String> = rows.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header[..4], ["event_id", "event", "product_id", "payload"]);
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let exported: Value = serde_json::from_str(&rows[0][3]).unwrap();
    assert_eq!(exported, example["payload"], "commas and quotes survive the CSV");
    let out = Command::new(BIN)
        .args(["events", "export", "--event", "Startup", "--from", "2000-01-01", "--to", "2999-12-31"])
        .args(server.location())
        .output()
        .unwrap();
    let lines: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["payload"], json!({"a": 1}));
}

#[test]
fn killed_with_events_queued_then_delivered_once() {
    if let Ok(spec) = std::env::var(CHILD) {
        return queue_and_hang(&spec);
    }
    let server = Server::start();
    let product = product(&server, json!({}));
    let code = code(&server, &product, json!({}));
    let store = tempfile::tempdir().unwrap();
    let app = client(&server, &product, store.path());
    assert_eq!(app.track_event("", "{}"), Err(Status::InvalidArgument));
    assert_eq!(app.track_event("ok", "{not json"), Err(Status::InvalidArgument));
    assert_eq!(app.track_event("ok", &format!("\"{}\"", "p".repeat(5000))), Err(Status::InvalidArgument));
    // Not licensed yet: the server takes events only from installations it licensed.
    app.track_event("before-activation", "").unwrap();
    assert_eq!(app.flush_events(), Err(Status::NoLicense));
    app.activate(&code).unwrap();
    assert_eq!(app.flush_events(), Ok(1));

    // Another process of the application, with the server out of reach, queues 40 events
    // and is killed.
    let spec = json!({"product": product, "key": server.public_key, "store": store.path()}).to_string();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "killed_with_events_queued_then_delivered_once", "--nocapture", "--test-threads=1"])
        .env(CHILD, spec)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert!(lines.any(|l| l.unwrap().ends_with("queued 40")), "the child queued its events");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(app.event_figures().unwrap().queued, 40);
    assert_eq!(app.flush_events(), Ok(40));
    assert_eq!(app.flush_events(), Ok(0));
    assert_eq!(count(&server, json!({"productid": product})), 41);
    let (_, page) =
        server.call("GET", "Events", "read_only", &json!({"pagenumber": 1, "event": "child", "pagesize": 1}));
    assert_eq!(page[0]["computerID"].as_str(), Some(app.computer_id()));
    assert_eq!(page[0]["licenseCode"].as_str(), Some(code.as_str()));
    assert_eq!(page[0]["source"].as_str(), Some("client"));
    assert_eq!(serde_json::from_str::<Value>(page[0]["payload"].as_str().unwrap()).unwrap(), json!({"n": 0}));

    // The note of what was delivered lost (a crash right after the server answered): the
    // queue is sent again, and the server counts each event once.
    std::fs::remove_file(store.path().join(format!("{product}.events-state"))).unwrap();
    assert_eq!(app.flush_events(), Ok(41));
    assert_eq!(count(&server, json!({"productid": product})), 41);

    // The background thread delivers by itself, a few seconds after the first event.
    for n in 0..3 {
        app.track_event("background", &json!({"n": n}).to_string()).unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(&server, json!({"event": "background"})) < 3 {
        assert!(Instant::now() < deadline, "the background thread delivered the events");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(count(&server, json!({"productid": product})), 44);
    assert_eq!(app.event_figures().unwrap().queued, 0);
}

/// The child: opens the store with an unreachable server, queues 40 events, says so, and
/// waits to be killed.
fn queue_and_hang(spec: &str) {
    let spec: Value = serde_json::from_str(spec).unwrap();
    let app = client_trusting(
        "http://127.0.0.1:9",
        spec["product"].as_str().unwrap(),
        std::path::Path::new(spec["store"].as_str().unwrap()),
        &[spec["key"].as_str().unwrap()],
    );
    for n in 0..40 {
        app.track_event("child", &json!({"n": n}).to_string()).unwrap();
    }
    println!("queued 40");
    std::thread::sleep(Duration::from_secs(120));
}
