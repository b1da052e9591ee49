//! Air-gapped licensing figures: 100 machines (one store directory each) make activation
//! requests, an embedded server issues their certificates (`GET OfflineActivation` on
//! loopback), the machines import them and give the seats back (`DELETE OfflineActivation`).
//! Prints the median and 90th percentile of each step and the size of each text artifact.
//!
//! `cargo run --release -p licensekit-server --example offline_bench`

use std::time::{Duration, Instant};

use licensekit::{Client, Config};
use licensekit_server::embedded::EmbeddedServer;
use serde_json::{Value, json};

const MACHINES: usize = 100;

struct Vendor {
    base: String,
    customer: String,
    read_write: String,
    offline: String,
    agent: ureq::Agent,
}

impl Vendor {
    fn call(&self, method: &str, controller: &str, key: &str, body: &Value) -> Result<Value, String> {
        let url = format!("{}/api/{controller}", self.base);
        let request = match method {
            "GET" => self.agent.get(&url).force_send_body(),
            "DELETE" => self.agent.delete(&url).force_send_body(),
            "POST" => self.agent.post(&url),
            other => return Err(format!("method {other}")),
        };
        let mut response = request
            .header("Authorization", &format!("bearer {}:{key}", self.customer))
            .header("Content-Type", "application/json")
            .send(body.to_string().as_bytes())
            .map_err(|e| format!("{method} {controller}: {e}"))?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().map_err(|e| format!("{controller}: {e}"))?;
        if status != 200 {
            return Err(format!("{method} {controller}: {status} {text}"));
        }
        serde_json::from_str(&text).map_err(|e| format!("{controller}: {e}"))
    }

    fn text(&self, method: &str, controller: &str, key: &str, body: &Value) -> Result<String, String> {
        let value = self.call(method, controller, key, body)?;
        value.as_str().map(str::to_owned).ok_or_else(|| format!("{controller}: {value}"))
    }
}

fn created_id(answer: String) -> String {
    answer.rsplit(" : ").next().unwrap_or_default().to_owned()
}

/// Median and 90th percentile, in microseconds.
fn summary(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e6;
    println!("{name:<48} median {:>8.0} µs   p90 {:>8.0} µs   (n = {})", at(0.5), at(0.9), times.len());
}

fn timed<T>(times: &mut Vec<Duration>, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let value = f();
    times.push(start.elapsed());
    value
}

fn main() {
    if let Err(message) = run() {
        eprintln!("offline_bench failed: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let server = EmbeddedServer::start(&dir.path().join("data"))?;
    let vendor = Vendor {
        base: server.url().to_owned(),
        customer: server.customer_id().to_owned(),
        read_write: server.api_key("read_write").to_owned(),
        offline: server.api_key("offline").to_owned(),
        agent: ureq::Agent::config_builder().http_status_as_error(false).build().into(),
    };
    let rw = vendor.read_write.clone();
    let product = created_id(vendor.text(
        "POST",
        "Product",
        &rw,
        &json!({"productname": "Bench CAD", "clientsallowed": MACHINES, "clientofflineleaseperiod": 30,
                "features": [{"featurecode": "EXPORT", "featurename": "Export", "notes": "DXF"},
                             {"featurecode": "RENDER", "featurename": "Render", "notes": "GPU"}],
                "udfvalues": [{"fieldname": "EDITION", "defaultvalue": "pro"}]}),
    )?);
    let code =
        created_id(vendor.text("POST", "LicenseCode", &rw, &json!({"productid": product, "numcodes": 1}))?);

    let stores: Vec<tempfile::TempDir> =
        (0..MACHINES).map(|_| tempfile::tempdir().map_err(|e| e.to_string())).collect::<Result<_, _>>()?;
    let machines: Vec<Client> = stores
        .iter()
        .map(|store| {
            let mut config = Config::new(&product).map_err(|s| format!("{s:?}"))?;
            config.add_public_key(server.public_key()).map_err(|s| format!("{s:?}"))?;
            config.set_store_dir(store.path()).map_err(|s| format!("{s:?}"))?;
            config.set_machine_root(store.path().join("computer")).map_err(|s| format!("{s:?}"))?;
            Client::new(config).map_err(|s| format!("{s:?}"))
        })
        .collect::<Result<_, String>>()?;

    let (mut requesting, mut issuing, mut importing, mut giving_back, mut taking_back) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut sizes = (0, 0, 0);
    for machine in &machines {
        let request = timed(&mut requesting, || machine.offline_activation_request(&code))
            .map_err(|s| format!("request: {s:?}"))?;
        let body = json!({"productid": product, "activationcertificate": request});
        let certificate =
            timed(&mut issuing, || vendor.text("GET", "OfflineActivation", &vendor.offline, &body))?;
        timed(&mut importing, || machine.import_certificate(&certificate))
            .map_err(|s| format!("import: {s:?}"))?;
        let proof = timed(&mut giving_back, || machine.offline_deactivation_certificate())
            .map_err(|s| format!("deactivation: {s:?}"))?;
        let body = json!({"productid": product, "deactivationcertificate": proof});
        timed(&mut taking_back, || vendor.text("DELETE", "OfflineActivation", &vendor.offline, &body))?;
        sizes = (request.len(), certificate.len(), proof.len());
    }
    let passive = vendor.text(
        "POST",
        "PassiveLicense",
        &rw,
        &json!({"productid": product, "clientid": machines[0].computer_id(),
                "features": [{"featurecode": "EXPORT"}], "udfvalues": [{"fieldname": "EDITION", "defaultvalue": "site"}]}),
    )?;
    let passive = passive.split_once('\n').map(|(_, license)| license.len()).unwrap_or_default();

    println!("{MACHINES} machines, 2 features, 1 UDF; server embedded on loopback (SQLite, WAL)");
    summary("create a request (client)", requesting);
    summary("issue a certificate (GET OfflineActivation)", issuing);
    summary("import the certificate (client)", importing);
    summary("make a deactivation certificate (client)", giving_back);
    summary("apply it (DELETE OfflineActivation)", taking_back);
    println!(
        "sizes (armoured text, bytes): request {}, certificate {}, deactivation certificate {}, passive license {passive}",
        sizes.0, sizes.1, sizes.2
    );
    Ok(())
}
