//! The storage backends compared (issue 12): `GET LicenseCode` and activations per second
//! with 64 concurrent connections, on SQLite or PostgreSQL with one or more server
//! processes; then `GET LicenseCodes` paging and an activation as the number of codes
//! grows (`--scale`), which must stay flat (indexes). Run by `scripts/bench-server`.
//!
//! ```text
//! cargo run --release -p licensekit-server --example backend_bench -- \
//!     [--database postgres://... (empty)] [--processes N] [--seconds S] [--scale 1000,10000]
//! ```
//!
//! Without `--database` it initialises an SQLite data directory in a temporary directory.
//! Servers listen on 127.0.0.1 only and are stopped at the end; the 64 connections are
//! spread over the processes, as a load balancer would spread them. They log at `warn`: the
//! request lines at `info` (hundreds of thousands a run) would flood the bench's stderr, and
//! their cost is measured on its own (`loadgen --log-level`).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use licensekit::machine::ComponentDigest;
use licensekit::protocol::client_api::{AppInfo, ClientRequest, Operation, PATH_ACTIVATE};
use licensekit::protocol::{Envelope, Kind, PublicKey, SigningKey};
use serde_json::{Value, json};
use support::load::{self, Request};

#[path = "support/mod.rs"]
mod support;

const CONNECTIONS: usize = 64;
const BATCH: usize = 10_000;

struct Servers {
    children: Vec<Child>,
    bases: Vec<String>,
    auth: String,
    key_id: String,
    agent: ureq::Agent,
}

impl Servers {
    fn base(&self, n: usize) -> &str {
        &self.bases[n % self.bases.len()]
    }

    /// A vendor call (read-write key) to process `n`; returns the body, checking for 200.
    fn vendor(&self, n: usize, method: &str, controller: &str, body: &Value) -> String {
        let url = format!("{}/api/{controller}", self.base(n));
        let request = match method {
            "GET" => self.agent.get(&url).force_send_body(),
            _ => self.agent.post(&url),
        };
        let mut response =
            request.header("Authorization", &self.auth).send(body.to_string().as_bytes()).expect("request");
        let text = response.body_mut().read_to_string().expect("body");
        assert_eq!(response.status().as_u16(), 200, "{method} {controller}: {text}");
        text
    }

    /// An activation by a new installation on a new computer.
    fn activation(&self, product: &str, code: &str) -> Request {
        let key = SigningKey::generate().expect("key");
        let random = || hex::encode(&SigningKey::generate().expect("key").public_key().to_bytes()[..16]);
        let request = ClientRequest {
            operation: Operation::Activate,
            product_id: product.to_owned(),
            license_code: Some(code.to_owned()),
            computer_id: format!("BENCH{}", &random()[..15]),
            components: vec![ComponentDigest { name: "machine-id".into(), digest: random() }],
            installation_key: key.public_key().to_hex(),
            request_id: random(),
            nonce: random(),
            client_time: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
            vm_platform: "Physical".into(),
            system_details: None,
            app: AppInfo::default(),
            feature: None,
            amount: None,
            seat_id: None,
            checkout_days: None,
            trusted_keys: vec![self.key_id.clone()],
            held_serial: None,
            handover: None,
            network_daemon: false,
            seats_in_use: Vec::new(),
            events: Vec::new(),
            user: None,
            journal: Vec::new(),
        };
        let envelope =
            Envelope::sign(&key, Kind::ClientRequest, &serde_json::to_vec(&request).expect("json"))
                .expect("sign");
        Request {
            method: "POST",
            path: PATH_ACTIVATE.to_owned(),
            auth: None,
            body: json!({"request": envelope.to_compact()}).to_string(),
        }
    }

    /// An activation through process `n`, waited for.
    fn activate(&self, n: usize, product: &str, code: &str) {
        let request = self.activation(product, code);
        let mut response = self
            .agent
            .post(format!("{}{}", self.base(n), request.path))
            .header("Content-Type", "application/json")
            .send(request.body.as_bytes())
            .expect("activate");
        let text = response.body_mut().read_to_string().expect("body");
        assert_eq!(response.status().as_u16(), 200, "activate: {text}");
    }
}

impl Drop for Servers {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            let _ = child.wait();
        }
    }
}

fn start(server: &PathBuf, location: &[String], processes: usize) -> Servers {
    let out = Command::new(server).arg("init").args(location).arg("--json").output().expect("init");
    assert!(out.status.success(), "init: {}", String::from_utf8_lossy(&out.stderr));
    let init: Value = serde_json::from_slice(&out.stdout).expect("init JSON");
    let mut children = Vec::new();
    let mut bases = Vec::new();
    for _ in 0..processes {
        let mut child = Command::new(server)
            .args(["serve", "--listen", "127.0.0.1:0", "--log-level", "warn"])
            .args(location)
            .stdout(Stdio::piped())
            .spawn()
            .expect("serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("address line");
        let addr = line.split("http://").nth(1).and_then(|r| r.split_whitespace().next()).expect("address");
        bases.push(format!("http://{addr}"));
        children.push(child);
    }
    let public = init["public_key"].as_str().expect("public key");
    Servers {
        children,
        bases,
        auth: format!(
            "bearer {}:{}",
            init["customer_id"].as_str().expect("customer"),
            init["api_keys"]["read_write"].as_str().expect("key")
        ),
        key_id: PublicKey::from_hex(public).expect("public key").id().to_hex(),
        agent: ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into(),
    }
}

/// Runs `request(n)` on 64 connections spread over the processes for `limit`; prints
/// requests/s, p50 and p99.
fn concurrent(label: &str, servers: &Servers, limit: Duration, request: impl Fn(usize) -> Request + Sync) {
    let addrs: Vec<String> =
        servers.bases.iter().map(|b| b.trim_start_matches("http://").to_owned()).collect();
    let run = load::run(&addrs, CONNECTIONS, usize::MAX, limit, request);
    println!(
        "{label:<28} {CONNECTIONS} conns  {:>7} reqs  {:>8.0} /s  p50 {:>6.2} ms  p99 {:>6.2} ms",
        run.latencies.len(),
        run.per_second(),
        run.percentile_ms(0.5),
        run.percentile_ms(0.99)
    );
}

/// p50 of `runs` sequential calls, in ms.
fn sequential(runs: usize, mut call: impl FnMut(usize)) -> f64 {
    let mut times: Vec<Duration> = (0..runs)
        .map(|n| {
            let t = Instant::now();
            call(n);
            t.elapsed()
        })
        .collect();
    times.sort();
    load::percentile_ms(&times, 0.5)
}

fn created(answer: &str) -> Vec<String> {
    answer.trim_matches('"').rsplit(" : ").next().expect("created").split(',').map(str::to_owned).collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let exe = std::env::current_exe().expect("current_exe");
    let server =
        exe.parent().and_then(|p| p.parent()).map(|p| p.join("licensekit-server")).expect("server path");
    let (mut database, mut processes, mut seconds, mut scale) = (None, 1, 10, Vec::new());
    while let Some(arg) = args.next() {
        let value = args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--database" => database = Some(value),
            "--processes" => processes = value.parse().expect("--processes N"),
            "--seconds" => seconds = value.parse().expect("--seconds S"),
            "--scale" => scale = value.split(',').map(|n| n.parse().expect("--scale N,N")).collect(),
            other => panic!("unknown option {other}"),
        }
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let location = match &database {
        Some(url) => vec!["--database".to_owned(), url.clone()],
        None => vec!["--data-dir".to_owned(), dir.path().join("data").display().to_string()],
    };
    let backend = if database.is_some() { format!("postgres x{processes}") } else { "sqlite".to_owned() };
    let servers = start(&server, &location, processes);
    let product = created(&servers.vendor(
        0,
        "POST",
        "Product",
        &json!({"productname": "Bench", "clientsallowed": 50_000,
                "features": [{"featurecode": "F1", "featurename": "f1", "notes": "n"}],
                "udfvalues": [{"fieldname": "U1", "defaultvalue": "v"}]}),
    ))
    .remove(0);
    let codes =
        created(&servers.vendor(0, "POST", "LicenseCode", &json!({"productid": product, "numcodes": 1000})));
    let limit = Duration::from_secs(seconds);
    println!("backend {backend}: {} process(es), {seconds} s per run", servers.bases.len());
    concurrent(&format!("{backend}: GET LicenseCode"), &servers, limit, |n| Request {
        method: "GET",
        path: "/api/LicenseCode".into(),
        auth: Some(servers.auth.clone()),
        body: json!({"productid": product, "licensecode": codes[n % codes.len()]}).to_string(),
    });
    // Spread over the codes: a code's own activations are not what is measured.
    concurrent(&format!("{backend}: activations"), &servers, limit, |n| {
        servers.activation(&product, &codes[n % codes.len()])
    });

    if scale.is_empty() {
        return;
    }
    println!(
        "{:>9} codes  {:>14}  {:>14}  {:>14}  {:>14}",
        "", "page 1 ms", "last page ms", "sought last ms", "activation ms"
    );
    let mut total = codes.len();
    let mut fresh = codes.clone();
    for target in scale {
        while total < target {
            let numcodes = (target - total).min(BATCH);
            fresh = created(&servers.vendor(
                total,
                "POST",
                "LicenseCode",
                &json!({"productid": product, "numcodes": numcodes}),
            ));
            total += numcodes;
        }
        let first = sequential(50, |n| {
            servers.vendor(
                n,
                "GET",
                "LicenseCodes",
                &json!({"productid": product, "pagenumber": 1, "pagesize": 100}),
            );
        });
        let last_page = total.div_ceil(100);
        let last = sequential(20, |n| {
            servers.vendor(
                n,
                "GET",
                "LicenseCodes",
                &json!({"productid": product, "pagenumber": last_page, "pagesize": 100}),
            );
        });
        // The same last page found by seeking the listing index (`afterlicensecode`: the code
        // just before it, among the newest batch).
        let before_last = &fresh[fresh.len().saturating_sub(101)];
        let sought = sequential(20, |n| {
            servers.vendor(
                n,
                "GET",
                "LicenseCodes",
                &json!({"productid": product, "afterlicensecode": before_last, "pagenumber": 1, "pagesize": 100}),
            );
        });
        // Codes no one has activated yet, as a new customer's would be.
        let activation = sequential(50, |n| servers.activate(n, &product, &fresh[n % fresh.len()]));
        println!(
            "{backend}: {total:>9} codes  {first:>14.2}  {last:>14.2}  {sought:>14.2}  {activation:>14.2}"
        );
    }
}
