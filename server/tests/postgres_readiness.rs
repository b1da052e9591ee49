//! `/readyz` tells a load balancer when a process has lost its database: a real server on a
//! PostgreSQL database of its own, then the database refuses connections (its connections
//! are ended and new ones are not allowed, as when it is being restored or moved). `/readyz`
//! answers 503 with the reason while `/healthz` stays 200 (the process is alive: restarting
//! it would not help) and `/metrics` reports `licensekit_database_up 0`; once the database
//! takes connections again, the same process is ready again with nothing restarted. Only the
//! test's own database is touched: the shared cluster and every other database stay as
//! they were.
//!
//! Needs `LK_TEST_POSTGRES` (see `common/postgres.rs`): without it the test fails.

mod common;

use std::time::{Duration, Instant};

use common::Server;
use common::postgres::{admin_url, psql};
use serde_json::{Value, json};

/// Polls `GET path` until its status is `want` (the pool notices a lost connection on its
/// next use, not at once); returns the answer.
fn until(server: &Server, path: &str, want: u16) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = server.raw("GET", path, None, b"");
        if status == want {
            return body;
        }
        assert!(Instant::now() < deadline, "{path} stayed {status} ({body}), expected {want}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The value of `licensekit_database_up` in `/metrics`.
fn database_up(server: &Server) -> String {
    let url = format!("{}/metrics", server.base);
    let text = ureq::get(&url).call().unwrap().body_mut().read_to_string().unwrap();
    let line =
        text.lines().find(|l| l.starts_with("licensekit_database_up ")).unwrap_or_else(|| panic!("{text}"));
    line.rsplit(' ').next().unwrap().to_owned()
}

#[test]
fn readyz_is_503_while_the_database_refuses_connections_and_200_again_after() {
    let server = Server::start_on_postgres(&[]);
    assert_eq!(server.raw("GET", "/readyz", None, b""), (200, json!({"status": "ready"})));
    assert_eq!(database_up(&server), "1");
    let name = server.database().sql("SELECT current_database()");
    assert!(name.starts_with("lk_test_"), "only a test database is ever closed: {name}");

    // Closed: no new connection is allowed, and the server's own are ended.
    let admin = admin_url();
    psql(&admin, &format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false"));
    psql(
        &admin,
        &format!("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '{name}'"),
    );

    // The first probes may still meet a pooled connection whose end the pool has not yet
    // noticed (their reason is the termination); the next ones connect and are refused.
    let deadline = Instant::now() + Duration::from_secs(30);
    let reason = loop {
        let refused = until(&server, "/readyz", 503);
        assert_eq!(refused["status"], "unavailable", "{refused}");
        let reason = refused["error"].as_str().unwrap_or_else(|| panic!("no reason: {refused}")).to_owned();
        if reason.contains("cannot connect to the database") {
            break reason;
        }
        assert!(Instant::now() < deadline, "never refused a connection: {reason}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(reason.contains(&name), "the reason is PostgreSQL's, naming the database: {reason}");
    assert_eq!(server.raw("GET", "/healthz", None, b""), (200, json!({"status": "ok"})));
    assert_eq!(database_up(&server), "0");

    // Open again: the same process is ready again on fresh connections.
    psql(&admin, &format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true"));
    assert_eq!(until(&server, "/readyz", 200), json!({"status": "ready"}));
    assert_eq!(database_up(&server), "1");
    let (status, products) = server.call("GET", "Products", "read_only", &json!({}));
    assert_eq!(status, 200, "the Web API answers again: {products}");
}
