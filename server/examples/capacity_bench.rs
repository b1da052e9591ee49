//! Shared-capacity figures of the server, on loopback with an embedded server: the floating
//! check-out + check-in round trip (p50, p99), token consumptions per second with 16
//! concurrent clients, and the time a dead seat takes to be freed, relative to its lease;
//! and, for comparison, the refresh round trip that every installation makes (the one call
//! with the fork check). Requests are signed by hand as a client would sign them
//! (licensekit's protocol types).
//!
//! The server runs with a 12-second "hour" (`--hour-seconds 12`): a heartbeat of 5 minutes
//! is 1 s and a seat's lease (two heartbeats) 2 s.
//!
//! `cargo run --release -p licensekit-server --example capacity_bench`

use std::time::{Duration, Instant};

use licensekit::machine::ComponentDigest;
use licensekit::protocol::client_api::{
    AppInfo, ClientRequest, Lease, Operation, PATH_ACTIVATE, PATH_FLOATING_CHECKIN, PATH_FLOATING_CHECKOUT,
    PATH_FLOATING_HEARTBEAT, PATH_REFRESH, PATH_TOKENS_CONSUME, SeatLease,
};
use licensekit::protocol::{Envelope, Kind, PublicKey, SigningKey, from_slice_strict};
use licensekit_server::embedded::EmbeddedServer;
use serde_json::{Value, json};

const ROUND_TRIPS: usize = 500;
const TOKEN_CLIENTS: usize = 16;
const TOKENS_EACH: usize = 250;
const DEAD_SEATS: usize = 3;
const HOUR_SECS: u32 = 12;
/// A seat's lease at that scale: two heartbeats of 5 minutes of 200 ms.
const LEASE: Duration = Duration::from_secs(2);

struct Bench {
    server: EmbeddedServer,
    agent: ureq::Agent,
}

impl Bench {
    fn post(&self, path: &str, body: &[u8]) -> Result<(u16, Value), String> {
        let mut response = self
            .agent
            .post(format!("{}{path}", self.server.url()))
            .header("Content-Type", "application/json")
            .send(body)
            .map_err(|e| format!("{path}: {e}"))?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().map_err(|e| format!("{path}: {e}"))?;
        Ok((status, serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?))
    }

    fn ok(&self, path: &str, body: &[u8]) -> Result<Value, String> {
        match self.post(path, body)? {
            (200, value) => Ok(value),
            (status, value) => Err(format!("{path}: {status} {value}")),
        }
    }

    fn vendor(&self, method: &str, controller: &str, body: &Value) -> Result<Value, String> {
        let url = format!("{}/api/{controller}", self.server.url());
        let request = match method {
            "POST" => self.agent.post(&url),
            "PUT" => self.agent.put(&url),
            other => return Err(format!("method {other}")),
        };
        let key = self.server.api_key("read_write");
        let mut response = request
            .header("Authorization", &format!("bearer {}:{key}", self.server.customer_id()))
            .send(body.to_string().as_bytes())
            .map_err(|e| format!("{controller}: {e}"))?;
        let text = response.body_mut().read_to_string().map_err(|e| format!("{controller}: {e}"))?;
        serde_json::from_str(&text).map_err(|e| format!("{controller}: {e}"))
    }

    fn seat(&self, text: &Value) -> Result<SeatLease, String> {
        let envelope = Envelope::parse(text.as_str().ok_or("no seat")?).map_err(|s| format!("{s:?}"))?;
        let key = PublicKey::from_hex(self.server.public_key()).map_err(|s| format!("{s:?}"))?;
        let payload = envelope.verify_with(&key, Kind::FloatingSeat).map_err(|s| format!("{s:?}"))?;
        from_slice_strict(payload).map_err(|s| format!("{s:?}"))
    }

    fn lease(&self, text: &Value) -> Result<Lease, String> {
        let envelope = Envelope::parse(text.as_str().ok_or("no lease")?).map_err(|s| format!("{s:?}"))?;
        let key = PublicKey::from_hex(self.server.public_key()).map_err(|s| format!("{s:?}"))?;
        let payload = envelope.verify_with(&key, Kind::Lease).map_err(|s| format!("{s:?}"))?;
        from_slice_strict(payload).map_err(|s| format!("{s:?}"))
    }
}

fn created_id(answer: &Value) -> String {
    answer.as_str().unwrap_or_default().rsplit(" : ").next().unwrap_or_default().to_owned()
}

fn hex32() -> Result<String, String> {
    let key = SigningKey::generate().map_err(|s| format!("{s:?}"))?;
    Ok(hex::encode(key.public_key().to_bytes())[..32].to_owned())
}

/// One installation of the code, signing its own requests, trusting the server's key.
struct Installation {
    key: SigningKey,
    product: String,
    code: String,
    computer: String,
    trusted_key: String,
}

impl Installation {
    fn body(
        &self,
        operation: Operation,
        feature: Option<&str>,
        seat_id: Option<&str>,
    ) -> Result<Vec<u8>, String> {
        self.signed(operation, feature, seat_id, None)
    }

    /// [`Installation::body`] presenting the serial of the lease held (a refresh).
    fn signed(
        &self,
        operation: Operation,
        feature: Option<&str>,
        seat_id: Option<&str>,
        held_serial: Option<u64>,
    ) -> Result<Vec<u8>, String> {
        let request = ClientRequest {
            operation,
            product_id: self.product.clone(),
            license_code: Some(self.code.clone()),
            computer_id: self.computer.clone(),
            components: vec![ComponentDigest { name: "machine-id".into(), digest: "ab".repeat(16) }],
            installation_key: self.key.public_key().to_hex(),
            request_id: hex32()?,
            nonce: hex32()?,
            client_time: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
            vm_platform: "Physical".into(),
            system_details: None,
            app: AppInfo::default(),
            feature: feature.map(str::to_owned),
            amount: (operation == Operation::ConsumeTokens).then_some(1),
            seat_id: seat_id.map(str::to_owned),
            checkout_days: None,
            trusted_keys: vec![self.trusted_key.clone()],
            held_serial,
            handover: None,
            network_daemon: false,
            seats_in_use: Vec::new(),
            events: Vec::new(),
            user: None,
            journal: Vec::new(),
        };
        let payload = serde_json::to_vec(&request).map_err(|e| e.to_string())?;
        let envelope =
            Envelope::sign(&self.key, Kind::ClientRequest, &payload).map_err(|s| format!("{s:?}"))?;
        Ok(json!({"request": envelope.to_compact()}).to_string().into_bytes())
    }
}

/// p50 and p99 in microseconds.
fn summary(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e6;
    println!("{name:<52} p50 {:>7.0} µs   p99 {:>7.0} µs   (n = {})", at(0.5), at(0.99), times.len());
}

fn main() {
    if let Err(message) = run() {
        eprintln!("capacity_bench failed: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let server = EmbeddedServer::start_scaled(&dir.path().join("data"), HOUR_SECS)?;
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let bench = Bench { server, agent };
    let product = created_id(&bench.vendor(
        "POST",
        "Product",
        &json!({"productname": "Bench", "clientsallowed": 100, "features": [
            {"featurecode": "FLOAT", "featurename": "Float", "notes": "n", "featuretype": "floating"},
            {"featurecode": "ONE", "featurename": "One seat", "notes": "n", "featuretype": "floating"},
            {"featurecode": "TOKENS", "featurename": "Tokens", "notes": "n", "featuretype": "consumptiontokens"}]}),
    )?);
    let code =
        created_id(&bench.vendor("POST", "LicenseCode", &json!({"productid": product, "numcodes": 1}))?);
    bench.vendor(
        "PUT",
        "LicenseCode",
        &json!({"productid": product, "licensecode": code, "features": [
            {"featurecode": "FLOAT", "limit": 100}, {"featurecode": "ONE", "limit": 1},
            {"featurecode": "TOKENS", "limit": 1_000_000_000}]}),
    )?;
    let trusted_key =
        PublicKey::from_hex(bench.server.public_key()).map_err(|s| format!("{s:?}"))?.id().to_hex();
    let mut installations = Vec::new();
    for i in 0..TOKEN_CLIENTS.max(2) {
        let me = Installation {
            key: SigningKey::generate().map_err(|s| format!("{s:?}"))?,
            product: product.clone(),
            code: code.clone(),
            computer: format!("BENCHCOMPUTER{i:07}"),
            trusted_key: trusted_key.clone(),
        };
        let answer = bench.ok(PATH_ACTIVATE, &me.body(Operation::Activate, None, None)?)?;
        installations.push((me, bench.lease(&answer["lease"])?.serial));
    }
    let (installations, serials): (Vec<Installation>, Vec<u64>) = installations.into_iter().unzip();

    // Refresh round trips, each presenting the serial of the lease the previous one answered.
    let me = &installations[0];
    let mut held = serials[0];
    let mut times = Vec::with_capacity(ROUND_TRIPS);
    for _ in 0..ROUND_TRIPS {
        let refresh = me.signed(Operation::Refresh, None, None, Some(held))?;
        let start = Instant::now();
        let answer = bench.ok(PATH_REFRESH, &refresh)?;
        times.push(start.elapsed());
        held = bench.lease(&answer["lease"])?.serial;
    }
    summary("refresh round trip", times);

    // Check-out + check-in round trips (the request signing is outside the timing).
    let me = &installations[0];
    let mut times = Vec::with_capacity(ROUND_TRIPS);
    for _ in 0..ROUND_TRIPS {
        let checkout = me.body(Operation::FloatingCheckout, Some("FLOAT"), None)?;
        let start = Instant::now();
        let answer = bench.ok(PATH_FLOATING_CHECKOUT, &checkout)?;
        let elapsed = start.elapsed();
        let seat = bench.seat(&answer["seat"])?;
        let checkin = me.body(Operation::FloatingCheckin, None, Some(&seat.seat_id))?;
        let start = Instant::now();
        bench.ok(PATH_FLOATING_CHECKIN, &checkin)?;
        times.push(elapsed + start.elapsed());
    }
    summary("floating check-out + check-in round trip", times);

    // Token consumptions, 16 clients at once (bodies signed beforehand).
    let signed: Vec<Vec<Vec<u8>>> = installations[..TOKEN_CLIENTS]
        .iter()
        .map(|me| (0..TOKENS_EACH).map(|_| me.body(Operation::ConsumeTokens, Some("TOKENS"), None)).collect())
        .collect::<Result<_, _>>()?;
    let start = Instant::now();
    std::thread::scope(|s| {
        let threads: Vec<_> = signed
            .iter()
            .map(|bodies| {
                s.spawn(|| bodies.iter().try_for_each(|b| bench.ok(PATH_TOKENS_CONSUME, b).map(drop)))
            })
            .collect();
        threads.into_iter().try_for_each(|t| t.join().map_err(|_| "a client panicked".to_owned())?)
    })?;
    let elapsed = start.elapsed();
    let total = TOKEN_CLIENTS * TOKENS_EACH;
    println!(
        "token consumptions, {TOKEN_CLIENTS} concurrent clients               {:>7.0} /s   ({total} in {elapsed:.2?})",
        total as f64 / elapsed.as_secs_f64()
    );

    // A dead seat: its holder heartbeats once and stops; another client polls every 10 ms.
    let (holder, waiter) = (&installations[0], &installations[1]);
    for _ in 0..DEAD_SEATS {
        let answer = bench
            .ok(PATH_FLOATING_CHECKOUT, &holder.body(Operation::FloatingCheckout, Some("ONE"), None)?)?;
        let seat = bench.seat(&answer["seat"])?;
        bench.ok(
            PATH_FLOATING_HEARTBEAT,
            &holder.body(Operation::FloatingHeartbeat, None, Some(&seat.seat_id))?,
        )?;
        let last_heartbeat = Instant::now();
        let freed = loop {
            let body = waiter.body(Operation::FloatingCheckout, Some("ONE"), None)?;
            if let (200, answer) = bench.post(PATH_FLOATING_CHECKOUT, &body)? {
                let taken = last_heartbeat.elapsed();
                let seat = bench.seat(&answer["seat"])?;
                bench.ok(
                    PATH_FLOATING_CHECKIN,
                    &waiter.body(Operation::FloatingCheckin, None, Some(&seat.seat_id))?,
                )?;
                break taken;
            }
            if last_heartbeat.elapsed() > LEASE * 3 {
                return Err("the dead seat was never freed".into());
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        println!(
            "dead seat freed after its last heartbeat              {freed:>8.2?}   ({:.3} of its {LEASE:?} lease)",
            freed.as_secs_f64() / LEASE.as_secs_f64()
        );
    }
    Ok(())
}
