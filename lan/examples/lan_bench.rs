//! The LAN daemon's figures: seat check-out and heartbeat round trips as a workstation sees
//! them (p50, p99), seats served per second with 64 workstations, and the daemon's memory
//! with 1,000 seats held. Everything real: licensekit-server embedded on loopback, the
//! `licensekit-lan` binary beside this example, licensekit clients.
//!
//! `scripts/bench-lan` (builds the release binaries, then runs this).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use licensekit::{Client, Config};
use licensekit_server::embedded::EmbeddedServer;
use serde_json::{Value, json};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() -> Result<(), String> {
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let server = EmbeddedServer::start(&temp.path().join("server"))?;
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let auth = format!("bearer {}:{}", server.customer_id(), server.api_key("read_write"));
    let call = |controller: &str, body: Value| -> Result<String, String> {
        let mut answer = agent
            .post(format!("{}/api/{controller}", server.url()))
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(body.to_string().as_bytes())
            .map_err(|e| e.to_string())?;
        let text: Value =
            serde_json::from_str(&answer.body_mut().read_to_string().map_err(|e| e.to_string())?)
                .map_err(|e| e.to_string())?;
        let text = text.as_str().ok_or(format!("{controller}: {text}"))?;
        Ok(text
            .rsplit(|c: char| c.is_whitespace() || c == ':')
            .find(|w| !w.is_empty())
            .unwrap_or("")
            .to_owned())
    };
    let product = call("Product", json!({"productname": "Bench CAD", "clientsallowed": 1}))?;
    let code =
        call("NetworkMasterLicense", json!({"productid": product, "networkseats": 1100, "heartbeat": 5}))?;

    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let lan_binary: PathBuf =
        exe.parent().and_then(Path::parent).ok_or("no target dir")?.join("licensekit-lan");
    let data = temp.path().join("daemon");
    let lan = || {
        let mut command = Command::new(&lan_binary);
        command.args(["--product-id", &product, "--public-key", server.public_key(), "--data-dir"]);
        command.arg(&data).args(["--vendor-server", server.url()]);
        command
    };
    let activated =
        lan().args(["activate", &code]).output().map_err(|e| format!("{}: {e}", lan_binary.display()))?;
    if !activated.status.success() {
        return Err(String::from_utf8_lossy(&activated.stderr).into_owned());
    }
    let mut child = lan()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let daemon = Killed(child);
    let address = line.split(" on ").nth(1).and_then(|r| r.split(' ').next()).ok_or(line.clone())?.to_owned();
    let workstation = |i: usize| -> Result<Client, String> {
        let mut config = Config::new(&product).map_err(|s| s.to_string())?;
        config.add_public_key(server.public_key()).map_err(|s| s.to_string())?;
        config.set_store_dir(temp.path().join(format!("ws{i}"))).map_err(|s| s.to_string())?;
        config.set_lan_server(&address).map_err(|s| s.to_string())?;
        Client::new(config).map_err(|s| s.to_string())
    };
    let rss = || -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", daemon.0.id())).unwrap_or_default();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("VmRSS: 0 kB");
        line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0)
    };
    let idle_rss = rss();

    // Round trips as the workstation sees them: the request signed, the daemon's answer
    // verified through its chain and stored.
    let one = workstation(0)?;
    one.activate_lan().map_err(|s| s.to_string())?;
    let timed = |n: usize, f: &dyn Fn() -> Result<(), licensekit::Status>| -> Result<Vec<f64>, String> {
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let start = Instant::now();
            f().map_err(|s| s.to_string())?;
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        Ok(times)
    };
    let pct = |t: &[f64], p: f64| t[((t.len() - 1) as f64 * p).round() as usize];
    let checkouts = timed(500, &|| one.activate_lan())?;
    let heartbeats = timed(500, &|| one.refresh())?;
    println!(
        "check-out round trip:  p50 {:.2} ms  p99 {:.2} ms",
        pct(&checkouts, 0.5),
        pct(&checkouts, 0.99)
    );
    println!(
        "heartbeat round trip:  p50 {:.2} ms  p99 {:.2} ms",
        pct(&heartbeats, 0.5),
        pct(&heartbeats, 0.99)
    );
    one.deactivate().map_err(|s| s.to_string())?;

    // 1,000 seats held (5-minute heartbeats: the daemon is idle while they are held).
    let held: Vec<Client> = (100..1100)
        .map(|i| {
            let c = workstation(i)?;
            c.activate_lan().map_err(|s| s.to_string())?;
            Ok(c)
        })
        .collect::<Result<_, String>>()?;
    let status = lan().args(["status", "--daemon", &address]).output().map_err(|e| e.to_string())?;
    let summary = String::from_utf8_lossy(&status.stdout);
    println!(
        "daemon memory: {idle_rss} KiB idle, {} KiB with {} seats held, their connections open ({})",
        rss(),
        held.len(),
        summary.lines().nth(1).unwrap_or_default()
    );
    // The workstations' HTTP clients close idle connections after 15 s.
    std::thread::sleep(Duration::from_secs(20));
    println!("daemon memory: {} KiB with the 1000 seats held, the connections closed", rss());
    // 64 workstations at once: check-out, heartbeat, check-in, again, for five seconds.
    let clients: Vec<Client> = (1..=64).map(workstation).collect::<Result<_, _>>()?;
    let start = Arc::new(Barrier::new(64));
    let served = std::thread::scope(|scope| {
        let threads: Vec<_> = clients
            .iter()
            .map(|c| {
                let start = Arc::clone(&start);
                scope.spawn(move || {
                    start.wait();
                    let began = Instant::now();
                    let mut seats = 0u64;
                    while began.elapsed() < Duration::from_secs(5) {
                        if c.activate_lan().is_ok() && c.refresh().is_ok() && c.deactivate().is_ok() {
                            seats += 1;
                        }
                    }
                    seats
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap_or(0)).sum::<u64>()
    });
    println!(
        "64 workstations: {:.0} seats served/s (each a check-out, a heartbeat and a check-in: {:.0} requests/s)",
        served as f64 / 5.0,
        served as f64 * 3.0 / 5.0
    );
    drop(clients);

    Ok(())
}
