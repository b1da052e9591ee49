//! A CAD site end to end, every part real: licensekit-server embedded on loopback (SQLite),
//! the `licensekit-lan` binary as its own process, and workstations as licensekit clients
//! talking HTTP to it. Periods run fast: the server's "hour" is 24 seconds, so the 5-minute
//! heartbeat is 2 seconds (and a seat not renewed is free 5 seconds after its last renewal).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use licensekit::{Client, Config, Status};
use licensekit_server::embedded::EmbeddedServer;
use serde_json::{Value, json};

/// The vendor: the embedded server and its Web API with the read-write key.
struct Vendor {
    server: EmbeddedServer,
    agent: ureq::Agent,
}

impl Vendor {
    fn start(dir: &Path, hour_secs: u32) -> Vendor {
        let server = EmbeddedServer::start_scaled(&dir.join("server"), hour_secs).unwrap();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .into();
        Vendor { server, agent }
    }

    fn call(&self, method: &str, controller: &str, body: Value) -> Value {
        let url = format!("{}/api/{controller}", self.server.url());
        let request = match method {
            "GET" => self.agent.get(&url).force_send_body(),
            "POST" => self.agent.post(&url),
            other => panic!("method {other}"),
        };
        let auth = format!("bearer {}:{}", self.server.customer_id(), self.server.api_key("read_write"));
        let mut response = request
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(body.to_string().as_bytes())
            .unwrap();
        let status = response.status();
        let text = response.body_mut().read_to_string().unwrap();
        assert!(status.is_success(), "{method} {controller}: {status} {text}");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {controller}: {e}: {text}"))
    }

    /// A product with a feature and a UDF, leases of `lease_hours` and an offline period of
    /// `offline_days`.
    fn product(&self, name: &str, lease_hours: u32, offline_days: u32) -> String {
        let answer = self.call(
            "POST",
            "Product",
            json!({
                "productname": name, "clientsallowed": 3,
                "clientleaseperiod": lease_hours, "clientofflineleaseperiod": offline_days,
                "features": [
                    {"featurecode": "SOLVE", "featurename": "Solver", "notes": "Site seats"},
                    {"featurecode": "RENDER", "featurename": "Render", "notes": "Floating", "featuretype": "floating"},
                    {"featurecode": "MESH", "featurename": "Mesh", "notes": "Pool", "featuretype": "elementpool"}
                ],
                "udfvalues": [{"fieldname": "EDITION", "defaultvalue": "site"}]
            }),
        );
        last_word(&answer)
    }

    /// A network master license of `seats` seats for `product`.
    fn network_master(&self, product: &str, seats: u32) -> String {
        let answer = self.call(
            "POST",
            "NetworkMasterLicense",
            json!({
                "productid": product, "networkseats": seats, "heartbeat": 5,
                "features": [
                    {"featurecode": "RENDER", "featureavailability": "on", "limit": 1},
                    {"featurecode": "MESH", "featureavailability": "on", "limit": 100}
                ]
            }),
        );
        last_word(&answer)
    }

    fn public_key(&self) -> &str {
        self.server.public_key()
    }
}

/// The code or ID at the end of a "... Created Successfully" answer.
fn last_word(answer: &Value) -> String {
    let text = answer.as_str().unwrap_or_else(|| panic!("not a text answer: {answer}"));
    text.rsplit(|c: char| c.is_whitespace() || c == ':').find(|w| !w.is_empty()).unwrap().to_owned()
}

/// A site's daemon: its data directory and the product it serves.
#[derive(Clone)]
struct Site {
    product: String,
    public_key: String,
    data: PathBuf,
    vendor_url: Option<String>,
}

impl Site {
    fn lan(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_licensekit-lan"));
        command.args(["--product-id", &self.product, "--public-key", &self.public_key, "--data-dir"]);
        command.arg(&self.data);
        if let Some(url) = &self.vendor_url {
            command.args(["--vendor-server", url]);
        }
        command
    }

    /// Runs a command of the daemon to its end; its standard output.
    fn run(&self, args: &[&str]) -> Result<String, String> {
        let out = self.lan().args(args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if out.status.success() { Ok(text) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) }
    }

    /// Starts `serve` on `port` (0: any) and waits for it to listen.
    fn serve(&self, port: u16) -> Daemon {
        let mut child = self
            .lan()
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let address = line.split(" on ").nth(1).and_then(|r| r.split(' ').next()).unwrap_or_else(|| {
            panic!("the daemon did not start: {line:?}");
        });
        Daemon { child, address: address.to_owned() }
    }
}

/// A running `licensekit-lan serve`; killed (as by a crash) when dropped.
struct Daemon {
    child: Child,
    address: String,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn workstation(product: &str, public_key: &str, dir: &Path, lan: &str) -> Client {
    let mut config = Config::new(product).unwrap();
    config.add_public_key(public_key).unwrap();
    config.set_store_dir(dir).unwrap();
    config.set_lan_server(lan).unwrap();
    config.set_timeout(Duration::from_secs(10)).unwrap();
    Client::new(config).unwrap()
}

fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

fn detail() -> String {
    licensekit::last_error_detail().unwrap_or_default()
}

/// A site with an online daemon, activated, for a product of 24-second "hours".
fn online_site(temp: &Path, seats: u32) -> (Vendor, Site, String) {
    let vendor = Vendor::start(temp, 24);
    let product = vendor.product("Site CAD", 1, 1);
    let code = vendor.network_master(&product, seats);
    let site = Site {
        product: product.clone(),
        public_key: vendor.public_key().to_owned(),
        data: temp.join("daemon"),
        vendor_url: Some(vendor.server.url().to_owned()),
    };
    let shown = site.run(&["activate", &code]).unwrap();
    assert!(shown.contains("status LK_OK") && shown.contains(&format!("0 of {seats} in use")), "{shown}");
    (vendor, site, code)
}

#[test]
fn sixty_four_workstations_race_for_ten_seats_and_crashed_ones_free_theirs() {
    let temp = tempfile::tempdir().unwrap();
    let (vendor, site, code) = online_site(temp.path(), 10);
    let daemon = site.serve(0);

    let start = Arc::new(Barrier::new(64));
    let racers: Vec<_> = (0..64)
        .map(|i| {
            let (start, product, key, lan) =
                (Arc::clone(&start), site.product.clone(), site.public_key.clone(), daemon.address.clone());
            let dir = temp.path().join(format!("ws{i}"));
            std::thread::spawn(move || {
                let c = workstation(&product, &key, &dir, &lan);
                start.wait();
                let result = c.activate_lan().map_err(|s| (s, detail()));
                (c, result)
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    let (mut holders, mut waiting): (Vec<_>, Vec<_>) = racers.into_iter().partition(|(_, r)| r.is_ok());
    assert_eq!(holders.len(), 10, "exactly the licensed seats are taken");
    for (_, refused) in &waiting {
        assert_eq!(refused.as_ref().unwrap_err().0, Status::NetworkSeatsExhausted, "{refused:?}");
    }
    for (c, _) in &holders {
        assert_eq!(c.feature_enabled("SOLVE"), Status::Ok);
        assert_eq!(c.udf_value("EDITION").as_deref(), Ok("site"));
    }
    let status = site.run(&["status", "--daemon", &daemon.address]).unwrap();
    assert!(status.contains("10 of 10 in use"), "{status}");

    // Two give their seats back, four crash while holding theirs (no check-in, no more
    // heartbeats): two seats are free at once, the crashed ones once their leases end.
    for (c, _) in holders.drain(..2) {
        c.deactivate().unwrap();
        assert_eq!(c.status(), Status::Deactivated);
    }
    drop(holders.drain(..4).collect::<Vec<_>>());
    let mut retry = |n: usize| -> (usize, usize) {
        let mut taken = 0;
        for (c, _) in waiting.iter_mut().take(n) {
            match c.activate_lan() {
                Ok(()) => taken += 1,
                Err(status) => assert_eq!(status, Status::NetworkSeatsExhausted, "{}", detail()),
            }
        }
        (taken, n - taken)
    };
    assert_eq!(retry(3), (2, 1));
    // Two heartbeat intervals later the crashed seats are free; the live holders kept
    // theirs through their background heartbeats.
    std::thread::sleep(Duration::from_millis(6000));
    for (c, _) in &holders {
        assert_eq!(c.status(), Status::Ok, "a live holder kept its seat");
    }
    let (taken, refused) = retry(9);
    assert_eq!((taken, refused), (2 + 4, 3), "the two holders above renew, four crashed seats are taken");
    let status = site.run(&["status", "--daemon", &daemon.address]).unwrap();
    assert!(status.contains("10 of 10 in use"), "{status}");

    // The vendor sees the site's daemon and the seats it reported at its last refresh.
    let reported = wait_until(Duration::from_secs(30), || {
        let activity = vendor.call(
            "GET",
            "LicenseCodeActivity",
            json!({"productid": site.product, "licensecode": code}),
        );
        activity.to_string().matches("\"seatID\"").count() == 10
    });
    assert!(
        reported,
        "{}",
        vendor.call("GET", "LicenseCodeActivity", json!({"productid": site.product, "licensecode": code}))
    );
}

#[test]
fn a_restarted_daemon_neither_loses_nor_doubles_a_seat() {
    let temp = tempfile::tempdir().unwrap();
    let (_vendor, site, _code) = online_site(temp.path(), 4);
    let daemon = site.serve(0);
    let port: u16 = daemon.address.rsplit(':').next().unwrap().parse().unwrap();
    let clients: Vec<Client> = (0..3)
        .map(|i| {
            let c = workstation(
                &site.product,
                &site.public_key,
                &temp.path().join(format!("ws{i}")),
                &daemon.address,
            );
            c.activate_lan().unwrap_or_else(|s| panic!("{s:?}: {}", detail()));
            c
        })
        .collect();
    drop(daemon);
    let daemon = site.serve(port);
    let status = site.run(&["status", "--daemon", &daemon.address]).unwrap();
    assert!(status.contains("3 of 4 in use"), "{status}");
    // Heartbeats reach the restarted daemon: the seats are still theirs.
    std::thread::sleep(Duration::from_millis(3000));
    for c in &clients {
        assert_eq!(c.status(), Status::Ok, "{}", detail());
        c.refresh().unwrap_or_else(|s| panic!("{s:?}: {}", detail()));
    }
    let fourth = workstation(&site.product, &site.public_key, &temp.path().join("ws3"), &daemon.address);
    fourth.activate_lan().unwrap();
    let fifth = workstation(&site.product, &site.public_key, &temp.path().join("ws4"), &daemon.address);
    assert_eq!(fifth.activate_lan(), Err(Status::NetworkSeatsExhausted));
    // A workstation restarting its application gets its own seat back.
    drop(fourth);
    let fourth = workstation(&site.product, &site.public_key, &temp.path().join("ws3"), &daemon.address);
    fourth.activate_lan().unwrap();
    let status = site.run(&["status", "--daemon", &daemon.address]).unwrap();
    assert!(status.contains("4 of 4 in use"), "{status}");
}

#[test]
fn an_air_gapped_daemon_serves_for_its_offline_period_then_refuses() {
    let temp = tempfile::tempdir().unwrap();
    // One-second "hours": the one-day offline period lasts 24 seconds, the heartbeat 1 second.
    let vendor = Vendor::start(temp.path(), 1);
    let product = vendor.product("Site CAD", 1, 1);
    let code = vendor.network_master(&product, 2);
    let site = Site {
        product: product.clone(),
        public_key: vendor.public_key().to_owned(),
        data: temp.path().join("daemon"),
        vendor_url: None,
    };
    assert!(site.run(&["activate", &code]).unwrap_err().contains("LK_NO_SERVER"));
    let request = temp.path().join("request.txt");
    site.run(&["request", &code, "--out", request.to_str().unwrap()]).unwrap();
    let request_text = std::fs::read_to_string(&request).unwrap();
    let certificate = vendor.call(
        "GET",
        "OfflineActivation",
        json!({"productid": product, "activationcertificate": request_text}),
    );
    let certificate_file = temp.path().join("certificate.txt");
    std::fs::write(&certificate_file, certificate.as_str().unwrap()).unwrap();
    let imported = site.run(&["import", certificate_file.to_str().unwrap()]).unwrap();
    assert!(imported.contains("status LK_OK") && imported.contains("0 of 2 in use"), "{imported}");
    let issued = Instant::now();

    let daemon = site.serve(0);
    let c = workstation(&product, &site.public_key, &temp.path().join("ws"), &daemon.address);
    c.activate_lan().unwrap_or_else(|s| panic!("{s:?}: {}", detail()));
    assert_eq!(c.feature_enabled("SOLVE"), Status::Ok);
    // The seat is held through the offline period by heartbeats, and no further.
    assert!(c.license().unwrap().lease().grace_end <= c.license().unwrap().lease().server_time + 24);
    let lapsed = wait_until(Duration::from_secs(40), || c.status() != Status::Ok);
    assert!(lapsed && issued.elapsed() >= Duration::from_secs(20), "{:?}", issued.elapsed());
    assert_eq!(c.status(), Status::LeaseExpired);
    let other = workstation(&product, &site.public_key, &temp.path().join("ws2"), &daemon.address);
    assert_eq!(other.activate_lan(), Err(Status::DaemonNotCertified));
    assert!(detail().contains("not usable"), "{}", detail());
    let status = site.run(&["status"]).unwrap();
    assert!(status.contains("status LK_LEASE_EXPIRED"), "{status}");
}

#[test]
fn network_codes_go_to_daemons_and_daemons_serve_only_their_product() {
    let temp = tempfile::tempdir().unwrap();
    let (vendor, site, code) = online_site(temp.path(), 2);
    // A workstation cannot activate the site's code itself.
    let mut config = Config::new(&site.product).unwrap();
    config.add_public_key(&site.public_key).unwrap();
    config.set_store_dir(temp.path().join("direct")).unwrap();
    config.set_server_url(vendor.server.url()).unwrap();
    let direct = Client::new(config).unwrap();
    assert_eq!(direct.activate(&code), Err(Status::NetworkLicenseOnly), "{}", detail());
    // A daemon cannot take an ordinary code.
    let ordinary =
        last_word(&vendor.call("POST", "LicenseCode", json!({"productid": site.product, "numcodes": 1})));
    let second = Site { data: temp.path().join("daemon2"), ..site.clone() };
    let refused = second.run(&["activate", &ordinary]).unwrap_err();
    assert!(refused.contains("LK_NOT_NETWORK_LICENSE"), "{refused}");
    // The network license's floating seats and pool elements, for the workstations holding
    // its seats, and freed with the seat.
    let daemon = site.serve(0);
    let w1 = workstation(&site.product, &site.public_key, &temp.path().join("w1"), &daemon.address);
    let w2 = workstation(&site.product, &site.public_key, &temp.path().join("w2"), &daemon.address);
    assert_eq!(w1.floating_checkout("RENDER"), Err(Status::NotActivated));
    w1.activate_lan().unwrap();
    w2.activate_lan().unwrap();
    assert_eq!(w1.feature_enabled("RENDER"), Status::NoSeat);
    w1.floating_checkout("RENDER").unwrap_or_else(|s| panic!("{s:?}: {}", detail()));
    assert_eq!(w1.feature_enabled("RENDER"), Status::Ok);
    assert_eq!(w2.floating_checkout("RENDER"), Err(Status::SeatsExhausted));
    assert_eq!(w1.pool_checkout("MESH", 60), Ok(40));
    assert_eq!(w2.pool_checkout("MESH", 50), Err(Status::PoolExhausted));
    // Renewed by the background heartbeats past its first end (two 2-second intervals).
    std::thread::sleep(Duration::from_millis(6000));
    assert_eq!(w1.feature_enabled("RENDER"), Status::Ok);
    w1.deactivate().unwrap();
    w2.floating_checkout("RENDER").unwrap_or_else(|s| panic!("{s:?}: {}", detail()));
    assert_eq!(w2.pool_checkout("MESH", 100), Ok(0));
    assert_eq!(w2.pool_checkin("MESH", 30), Ok(30));
    w2.floating_checkin("RENDER").unwrap();
    assert_eq!(w2.feature_enabled("RENDER"), Status::NoSeat);

    // A workstation of another product is refused by the daemon.
    let other_product = vendor.product("Other CAD", 1, 1);
    let stranger =
        workstation(&other_product, &site.public_key, &temp.path().join("stranger"), &daemon.address);
    assert_eq!(stranger.activate_lan(), Err(Status::WrongProduct), "{}", detail());

    // The site's administrator stops the daemon and gives the master license back.
    drop(daemon);
    site.run(&["deactivate"]).unwrap();
    let status = site.run(&["status"]).unwrap();
    assert!(status.contains("status LK_DEACTIVATED"), "{status}");
}
