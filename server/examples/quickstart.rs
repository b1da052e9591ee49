//! The quickstart: a license server embedded on loopback with a temporary SQLite file, a
//! product and a license code made through the vendor Web API, then the client library
//! walking through activation, feature checks, UDFs, dates, a vendor-side change picked up by
//! a refresh, an outage inside the grace period, and deactivation; then an air-gapped machine
//! activating and giving its seat back by files, and a passive license.
//!
//! `cargo run -p licensekit-server --example quickstart`

use std::time::Duration;

use licensekit::{Client, Config, Status};
use licensekit_server::embedded::EmbeddedServer;
use serde_json::{Value, json};

fn main() {
    if let Err(message) = run() {
        eprintln!("quickstart failed: {message}");
        std::process::exit(1);
    }
}

/// The vendor's side: the Web API with the read-write key.
struct Vendor {
    base: String,
    auth: String,
    agent: ureq::Agent,
}

impl Vendor {
    fn call(&self, method: &str, controller: &str, body: Value) -> Result<Value, String> {
        let url = format!("{}/api/{controller}", self.base);
        let request = match method {
            "GET" => self.agent.get(&url).force_send_body(),
            "DELETE" => self.agent.delete(&url).force_send_body(),
            "PUT" => self.agent.put(&url),
            "POST" => self.agent.post(&url),
            other => return Err(format!("method {other}")),
        };
        let mut response = request
            .header("Authorization", &self.auth)
            .header("Content-Type", "application/json")
            .send(body.to_string().as_bytes())
            .map_err(|e| format!("{method} {controller}: {e}"))?;
        let status = response.status();
        let text = response.body_mut().read_to_string().map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("{method} {controller}: {status} {text}"));
        }
        serde_json::from_str(&text).map_err(|e| format!("{method} {controller}: {e}: {text}"))
    }
}

/// The ID at the end of a "… Created Successfully : <id>" answer.
fn created_id(answer: &Value) -> String {
    answer.as_str().and_then(|s| s.rsplit(" : ").next()).unwrap_or_default().to_owned()
}

fn check(step: &str, result: Result<(), Status>) -> Result<(), String> {
    result.map_err(|status| format!("{step}: {} ({status})", status.name().to_string_lossy()))
}

fn show(client: &Client) {
    let status = client.status();
    println!("    status:            {} ({status})", status.name().to_string_lossy());
    for feature in ["EXPORT", "RENDER"] {
        println!("    feature {feature:<10} {}", client.feature_enabled(feature).name().to_string_lossy());
    }
}

fn run() -> Result<(), String> {
    let temp = std::env::temp_dir().join(format!("licensekit-quickstart-{}", std::process::id()));
    let _cleanup = Cleanup(temp.clone());

    println!("1. A license server, embedded on loopback with a fresh SQLite file");
    let server = EmbeddedServer::start(&temp.join("server"))?;
    println!("    listening on {}", server.url());
    println!("    vendor public key {}", server.public_key());
    let vendor = Vendor {
        base: server.url().to_owned(),
        auth: format!("bearer {}:{}", server.customer_id(), server.api_key("read_write")),
        agent: ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(10)))
            .build()
            .into(),
    };

    println!("\n2. The vendor creates a product and a license code through the Web API");
    let product = created_id(&vendor.call(
        "POST",
        "Product",
        json!({
            "productname": "Quickstart CAD", "clientsallowed": 2,
            "clientleaseperiod": 24, "clientofflineleaseperiod": 7,
            "features": [
                {"featurecode": "EXPORT", "featurename": "DXF export", "notes": "Export drawings as DXF"},
                {"featurecode": "RENDER", "featurename": "Photoreal rendering", "notes": "Ray-traced images"},
                {"featurecode": "SOLVER", "featurename": "FEA solver", "notes": "Shared seats",
                 "featuretype": "floating"},
                {"featurecode": "MESH", "featurename": "Mesh elements", "notes": "Drawn from a pool",
                 "featuretype": "elementpool"},
                {"featurecode": "CLOUDRENDER", "featurename": "Cloud renders", "notes": "Paid per render",
                 "featuretype": "consumptiontokens"}
            ],
            "udfvalues": [{"fieldname": "EDITION", "defaultvalue": "professional"}]
        }),
    )?);
    let code =
        created_id(&vendor.call("POST", "LicenseCode", json!({"productid": product, "numcodes": 1}))?);
    println!("    product {product}, license code {code}");

    println!("\n3. The application activates the code");
    let store = temp.join("client");
    let config = |url: &str| -> Result<Config, String> {
        let mut c = Config::new(&product).map_err(|s| s.to_string())?;
        c.add_public_key(server.public_key()).map_err(|s| s.to_string())?;
        c.set_store_dir(&store).map_err(|s| s.to_string())?;
        c.set_server_url(url).map_err(|s| s.to_string())?;
        c.set_timeout(Duration::from_secs(5)).map_err(|s| s.to_string())?;
        c.set_app_version("1.0", "100", "PRO").map_err(|s| s.to_string())?;
        Ok(c)
    };
    let client = Client::new(config(server.url())?).map_err(|s| s.to_string())?;
    println!("    computer ID {}", client.computer_id());
    check("activate", client.activate(&code))?;
    show(&client);
    println!("    UDF EDITION:       {}", client.udf_value("EDITION").unwrap_or_default());
    let lease = client.license().map_err(|s| s.to_string())?.lease().clone();
    println!("    license type:      {:?}", lease.license_type);
    let from_now = |t: i64| {
        let secs = t - lease.server_time;
        if secs >= 2 * 86_400 {
            format!("in {} days", secs / 86_400)
        } else {
            format!("in {} hours", secs / 3600)
        }
    };
    println!("    refresh due:       {} (the background thread renews it)", from_now(lease.lease_end));
    println!("    usable offline:    {} without a refresh", from_now(lease.grace_end));

    println!("\n4. The vendor disables the code; the next refresh brings the change");
    vendor.call(
        "PUT",
        "LicenseCode",
        json!({"productid": product, "licensecode": code, "enabledforuse": false}),
    )?;
    check("refresh", client.refresh())?;
    show(&client);
    vendor.call(
        "PUT",
        "LicenseCode",
        json!({"productid": product, "licensecode": code, "enabledforuse": true}),
    )?;
    check("refresh", client.refresh())?;
    println!("    re-enabled, refreshed:");
    show(&client);

    println!("\n5. An outage: the same store, the server unreachable");
    {
        let offline = Client::new(config("http://127.0.0.1:9")?).map_err(|s| s.to_string())?;
        let attempt = offline.refresh().err().map(|s| s.name().to_string_lossy().into_owned());
        println!("    refresh:           {}", attempt.unwrap_or_else(|| "LK_OK".into()));
        show(&offline);
        println!("    grace remaining:   {} days", offline.grace_remaining().unwrap_or(0) / 86_400);
    }

    println!("\n6. Deactivation frees the seat");
    check("deactivate", client.deactivate())?;
    show(&client);
    let activity =
        vendor.call("GET", "LicenseCodeActivity", json!({"productid": product, "licensecode": code}))?;
    let records = activity.as_array().map_or(0, Vec::len);
    println!("    the server recorded {records} activation record(s) for the code:");
    for record in activity.as_array().into_iter().flatten() {
        println!("      {} {} {}", record["computerID"], record["status"], record["activated"]);
    }

    println!("\n7. An air-gapped machine activates by files (no server URL configured)");
    let files = temp.join("files");
    std::fs::create_dir_all(&files).map_err(|e| e.to_string())?;
    let air_gapped = {
        let mut c = Config::new(&product).map_err(|s| s.to_string())?;
        c.add_public_key(server.public_key()).map_err(|s| s.to_string())?;
        c.set_store_dir(temp.join("air-gapped")).map_err(|s| s.to_string())?;
        // Another computer, simulated: an image laid out under a folder of its own.
        c.set_machine_root(temp.join("air-gapped-computer")).map_err(|s| s.to_string())?;
        Client::new(c).map_err(|s| s.to_string())?
    };
    let request = air_gapped.offline_activation_request(&code).map_err(|s| s.to_string())?;
    std::fs::write(files.join("request.txt"), &request).map_err(|e| e.to_string())?;
    println!("    request.txt:       {} bytes, carried to the vendor", request.len());
    let certificate = vendor.call(
        "GET",
        "OfflineActivation",
        json!({"productid": product, "activationcertificate": request}),
    )?;
    let certificate = certificate.as_str().unwrap_or_default().to_owned();
    std::fs::write(files.join("certificate.txt"), &certificate).map_err(|e| e.to_string())?;
    println!("    certificate.txt:   {} bytes, carried back", certificate.len());
    check("import", air_gapped.import_certificate(&certificate))?;
    show(&air_gapped);
    let lease = air_gapped.license().map_err(|s| s.to_string())?.lease().clone();
    println!(
        "    valid for:         {} days, never refreshed",
        (lease.lease_end - lease.server_time) / 86_400
    );

    println!("\n8. It gives the seat back by a file; the old certificate cannot come back");
    let proof = air_gapped.offline_deactivation_certificate().map_err(|s| s.to_string())?;
    println!("    deactivation.txt:  {} bytes, signed by the machine's key (now destroyed)", proof.len());
    let done = vendor.call(
        "DELETE",
        "OfflineActivation",
        json!({"productid": product, "deactivationcertificate": proof}),
    )?;
    println!("    the server:        {done}");
    let again =
        air_gapped.import_certificate(&certificate).err().map(|s| s.name().to_string_lossy().into_owned());
    println!("    re-import:         {}", again.unwrap_or_else(|| "LK_OK".into()));

    println!("\n9. A passive license for this machine: no server, ever");
    let answer = vendor.call(
        "POST",
        "PassiveLicense",
        json!({"productid": product, "clientid": air_gapped.computer_id(),
               "features": [{"featurecode": "EXPORT"}]}),
    )?;
    let license =
        answer.as_str().and_then(|a| a.split_once('\n')).map(|(_, l)| l.to_owned()).unwrap_or_default();
    println!("    passive license:   {} bytes, bound to {}", license.len(), air_gapped.computer_id());
    check("import", air_gapped.import_certificate(&license))?;
    show(&air_gapped);

    println!("\n10. Shared capacity: a floating seat, an element pool, consumption tokens");
    let team =
        created_id(&vendor.call("POST", "LicenseCode", json!({"productid": product, "numcodes": 1}))?);
    vendor.call(
        "PUT",
        "LicenseCode",
        json!({"productid": product, "licensecode": team, "features": [
            {"featurecode": "SOLVER", "featureavailability": "on", "limit": 10},
            {"featurecode": "MESH", "featureavailability": "on", "limit": 10000},
            {"featurecode": "CLOUDRENDER", "featureavailability": "on", "limit": 50}]}),
    )?;
    let workstation = {
        let mut c = config(server.url())?;
        c.set_store_dir(temp.join("workstation")).map_err(|s| s.to_string())?;
        c.set_machine_root(temp.join("workstation-computer")).map_err(|s| s.to_string())?;
        Client::new(c).map_err(|s| s.to_string())?
    };
    check("activate", workstation.activate(&team))?;
    // The Web API shows the use: featureDetails of the code's SOLVER feature.
    let seats_in_use = || -> Result<String, String> {
        let details =
            vendor.call("GET", "LicenseCode", json!({"productid": product, "licensecode": team}))?;
        let features = details[0]["features"].as_array().cloned().unwrap_or_default();
        let solver = features.iter().find(|f| f["featureCode"] == "SOLVER").cloned().unwrap_or_default();
        let lines: Vec<&str> =
            solver["featureDetails"].as_array().into_iter().flatten().filter_map(|d| d.as_str()).collect();
        Ok(lines.join(", "))
    };
    let solver = |c: &Client| c.feature_enabled("SOLVER").name().to_string_lossy().into_owned();
    println!("    SOLVER before:     {} (no seat held)", solver(&workstation));
    check("floating check-out", workstation.floating_checkout("SOLVER"))?;
    println!("    SOLVER checked out: {}; the server: {}", solver(&workstation), seats_in_use()?);
    check("floating check-in", workstation.floating_checkin("SOLVER"))?;
    println!("    SOLVER checked in: {}; the server: {}", solver(&workstation), seats_in_use()?);
    let left = workstation.pool_checkout("MESH", 2500).map_err(|s| s.to_string())?;
    println!("    drew 2500 MESH elements: {left} left in the pool");
    let left = workstation.pool_checkin("MESH", 2500).map_err(|s| s.to_string())?;
    println!("    returned them:     {left} left in the pool");
    let left = workstation.consume_tokens("CLOUDRENDER", 3).map_err(|s| s.to_string())?;
    println!("    spent 3 CLOUDRENDER tokens: {left} left");
    check("deactivate", workstation.deactivate())?;
    println!("\nDone.");
    Ok(())
}

/// Removes the quickstart's temporary directory when it ends.
struct Cleanup(std::path::PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
