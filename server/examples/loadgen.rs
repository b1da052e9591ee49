//! Load generator for licensekit-server on loopback: requests per second and p50 / p99
//! latency of `GET LicenseCode` and `POST LicenseCode` at 8 and 64 concurrent connections
//! (or those `--connections` lists), and the server's peak RSS (VmHWM from /proc).
//!
//! ```text
//! cargo build --release -p licensekit-server
//! cargo run --release -p licensekit-server --example loadgen [-- --server PATH] [-- --requests N] [-- --seconds S] [-- --log-level L] [-- --connections 8,64]
//! ```
//!
//! It starts its own server on a fresh data directory in a temporary directory, on
//! 127.0.0.1 only, and stops it at the end. Each run is bounded by a request count and a
//! time limit, whichever comes first.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use support::load::{self, Request};

#[path = "support/mod.rs"]
mod support;

struct Options {
    server: PathBuf,
    requests: usize,
    seconds: u64,
    /// The server's `--log-level` (its log, one line per request at info, is discarded):
    /// `warn` against `info` measures what the request log costs.
    log_level: String,
    /// The concurrent connections of each run, in order: the request log's cost is measured
    /// where the server is busy but not saturated (16 on two cores), the ceiling at 64.
    connections: Vec<usize>,
}

fn options() -> Options {
    let mut args = std::env::args().skip(1);
    // By default the server binary built next to this example (target/<profile>/).
    let exe = std::env::current_exe().expect("current_exe");
    let mut opts = Options {
        server: exe
            .parent()
            .and_then(|p| p.parent())
            .map(|p| p.join("licensekit-server"))
            .unwrap_or_default(),
        requests: 20_000,
        seconds: 10,
        log_level: "info".to_owned(),
        connections: vec![8, 64],
    };
    while let Some(arg) = args.next() {
        let value = args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--server" => opts.server = value.into(),
            "--requests" => opts.requests = value.parse().expect("--requests N"),
            "--seconds" => opts.seconds = value.parse().expect("--seconds S"),
            "--log-level" => opts.log_level = value,
            "--connections" => {
                opts.connections = value.split(',').map(|n| n.parse().expect("--connections N,N")).collect()
            }
            other => panic!("unknown option {other}"),
        }
    }
    opts
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Sends one request and checks the status; returns the body.
fn send(agent: &ureq::Agent, method: &str, url: &str, auth: &str, body: &Value) -> String {
    let body = body.to_string();
    let response = match method {
        "GET" => agent.get(url).force_send_body().header("Authorization", auth).send(body.as_bytes()),
        _ => agent.post(url).header("Authorization", auth).send(body.as_bytes()),
    };
    let mut response = response.expect("request failed");
    assert_eq!(response.status().as_u16(), 200, "{method} {url}");
    response.body_mut().read_to_string().expect("body")
}

/// CPU time the server has used so far (user + system, all threads), from /proc. The
/// kernel reports it in USER_HZ ticks, 100 per second on Linux.
fn server_cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<u64> = rest.split_whitespace().skip(11).take(2).filter_map(|f| f.parse().ok()).collect();
    Duration::from_millis(fields.iter().sum::<u64>() * 10)
}

/// Runs `connections` connections until `total` requests or `limit` elapse; prints the
/// figures, with the share of one core the server used (the client runs on the same machine).
fn run(
    label: &str,
    (pid, addr): (u32, &str),
    connections: usize,
    total: usize,
    limit: Duration,
    request: impl Fn(usize) -> Request + Sync,
) {
    let cpu_before = server_cpu(pid);
    let run = load::run(&[addr.to_owned()], connections, total, limit, request);
    let cpu = server_cpu(pid).saturating_sub(cpu_before);
    println!(
        "{label:<18} {connections:>3} conns  {:>7} reqs  {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  server CPU {:>4.0}%",
        run.latencies.len(),
        run.per_second(),
        run.percentile_ms(0.50),
        run.percentile_ms(0.99),
        cpu.as_secs_f64() / run.elapsed.as_secs_f64() * 100.0,
    );
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let opts = options();
    assert!(
        opts.server.exists(),
        "no server binary at {} (build it first, or pass --server)",
        opts.server.display()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let out =
        Command::new(&opts.server).args(["init", "--json", "--data-dir"]).arg(&data).output().expect("init");
    assert!(out.status.success(), "init failed");
    let init: Value = serde_json::from_slice(&out.stdout).expect("init JSON");
    let auth = format!(
        "bearer {}:{}",
        init["customer_id"].as_str().unwrap(),
        init["api_keys"]["read_write"].as_str().unwrap()
    );

    let mut child = Command::new(&opts.server)
        .args(["serve", "--listen", "127.0.0.1:0", "--log-level", &opts.log_level, "--data-dir"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("address line");
    let addr =
        line.split("http://").nth(1).and_then(|r| r.split_whitespace().next()).expect("address").to_owned();
    let url = format!("http://{addr}/api/LicenseCode");

    let setup = agent();
    let created = send(
        &setup,
        "POST",
        &format!("http://{addr}/api/Product"),
        &auth,
        &json!({
        "productname": "Load", "features": [
            {"featurecode": "F1", "featurename": "f1", "notes": "n"},
            {"featurecode": "POOL", "featurename": "pool", "notes": "n", "featuretype": "elementpool"}],
        "udfvalues": [{"fieldname": "U1", "defaultvalue": "v"}]}),
    );
    let product = created.trim_matches('"').rsplit(" : ").next().unwrap().to_owned();
    let allocated = send(&setup, "POST", &url, &auth, &json!({"productid": product, "numcodes": 1000}));
    let codes: Vec<String> =
        allocated.trim_matches('"').rsplit(" : ").next().unwrap().split(',').map(str::to_owned).collect();

    let limit = Duration::from_secs(opts.seconds);
    println!(
        "licensekit-server load on {addr}: at most {} requests or {}s per run",
        opts.requests, opts.seconds
    );
    let server = (child.id(), addr.as_str());
    for &connections in &opts.connections {
        run("GET LicenseCode", server, connections, opts.requests, limit, |n| Request {
            method: "GET",
            path: "/api/LicenseCode".into(),
            auth: Some(auth.clone()),
            body: json!({"productid": product, "licensecode": codes[n % codes.len()]}).to_string(),
        });
        run("POST LicenseCode", server, connections, opts.requests / 4, limit, |_| Request {
            method: "POST",
            path: "/api/LicenseCode".into(),
            auth: Some(auth.clone()),
            body: json!({"productid": product, "numcodes": 1}).to_string(),
        });
    }
    println!("server peak RSS: {:.1} MiB", peak_rss_kib(child.id()) as f64 / 1024.0);
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
}
