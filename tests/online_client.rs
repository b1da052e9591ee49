//! The client's online behaviour against a scripted server on loopback: what it sends, and how
//! it treats every kind of answer — good leases, forged or replayed ones, leases from the
//! future, refusals, server failures, garbage, silence — plus the proxy, retries, the
//! background refresh, the offline grace period and the status callback.
//!
//! The scripted server is a few lines of HTTP/1.1 over `std::net`, signing with a vendor key
//! the test owns; the real licensekit-server is exercised by the server's own tests.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use licensekit::protocol::client_api::{Lease, LicenseType, Operation};
use licensekit::protocol::{Envelope, Kind, PublicKey, SigningKey};
use licensekit::{Client, Config, Status};

#[test]
fn activation_sends_a_signed_request_and_stores_the_lease() {
    let server = honest();
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), &server.url(), Duration::from_secs(5));
    assert_eq!(c.activate(CODE), Ok(()));
    assert_eq!((c.status(), c.feature_enabled("EXPORT")), (Status::Ok, Status::Ok));
    assert_eq!(c.udf_value("EDITION").as_deref(), Ok("pro"));
    let seen = server.seen();
    let r = &seen[0].request;
    assert_eq!(seen[0].request_line, "POST /client/v1/activate HTTP/1.1");
    assert_eq!(
        (r.operation, r.license_code.as_deref(), r.product_id.as_str()),
        (Operation::Activate, Some(CODE), PRODUCT)
    );
    assert_eq!(r.computer_id, c.computer_id());
    assert_eq!(r.components, c.fingerprint().components);
    assert_eq!((r.app.version.as_str(), r.app.build.as_str(), r.app.edition.as_str()), ("2.1", "417", "ENT"));
    let details = r.system_details.as_ref().expect("activation uploads system details");
    assert!(details.contains_key("operatingsystem") && details.contains_key("cores"));
    assert_eq!(r.nonce.len(), 32);
    // Later requests are signed by the same installation key the lease names.
    assert_eq!(c.refresh(), Ok(()));
    let refresh = &server.seen()[1];
    assert_eq!(refresh.request.installation_key, r.installation_key);
    assert_ne!(refresh.request.nonce, r.nonce);
    assert_eq!(
        Envelope::parse(&refresh.envelope).unwrap().key_id(),
        PublicKey::from_hex(&r.installation_key).unwrap().id()
    );
    // A restarted process is licensed from the store alone.
    drop(c);
    let offline = client(dir.path(), "http://127.0.0.1:9", Duration::from_secs(1));
    assert_eq!(offline.status(), Status::Ok);
}

#[test]
fn forged_replayed_and_mismatched_leases_are_refused_and_change_nothing() {
    let other = SigningKey::from_seed(&[12; 32]);
    type Spoil = Box<dyn Fn(&Seen) -> String + Send + Sync>;
    let cases: Vec<(Spoil, Status)> = vec![
        (Box::new(|s| lease_answer(s, 9, |l| l.nonce = "00".repeat(16))), Status::MismatchedLease),
        (
            Box::new(|s| lease_answer(s, 9, |l| l.computer_id = "BLXRrZJ5T9imK7qPrJSL".into())),
            Status::MismatchedLease,
        ),
        (
            Box::new(|s| lease_answer(s, 9, |l| l.installation_key = vendor().public_key().to_hex())),
            Status::MismatchedLease,
        ),
        (Box::new(|s| lease_answer(s, 9, |l| l.product_id = "1".into())), Status::WrongProduct),
        (Box::new(|s| lease_answer(s, 9, |l| l.server_time = unix_now() + 3600)), Status::FutureLease),
        (Box::new(|s| lease_answer(s, 1, |_| {})), Status::StaleLease),
        (Box::new(|s| lease_answer(s, 0, |_| {})), Status::StaleLease),
        (
            Box::new(move |s| {
                let mut l: Option<Lease> = None;
                let _ = lease_answer(s, 9, |x| l = Some(x.clone()));
                sign_answer(Kind::Lease, &l.unwrap(), &other)
            }),
            Status::UnknownKey,
        ),
        (
            Box::new(|s| {
                let mut l: Option<Lease> = None;
                let _ = lease_answer(s, 9, |x| l = Some(x.clone()));
                sign_answer(Kind::PassiveLicense, &l.unwrap(), &vendor())
            }),
            Status::WrongKind,
        ),
    ];
    for (spoil, expected) in cases {
        // First a good activation (serial 1), then a refresh answered with the spoiled lease.
        let calls = Mutex::new(0);
        let server = Scripted::start(move |seen| {
            let mut n = calls.lock().unwrap();
            *n += 1;
            Some((200, if *n == 1 { lease_answer(seen, 1, |_| {}) } else { spoil(seen) }))
        });
        let dir = tempfile::tempdir().unwrap();
        let c = client(dir.path(), &server.url(), Duration::from_secs(5));
        c.activate(CODE).unwrap();
        let before = std::fs::read(c.store().path()).unwrap();
        assert_eq!(c.refresh(), Err(expected));
        assert_eq!(c.status(), Status::Ok, "the good lease is kept");
        assert_eq!(c.license().unwrap().lease().serial, 1);
        assert_eq!(std::fs::read(c.store().path()).unwrap(), before, "nothing written on refusal");
    }
}

#[test]
fn refusals_failures_and_garbage_map_to_their_own_statuses() {
    let cases: Vec<(u16, String, Status)> = vec![
        (404, refusal(Status::InvalidLicenseCode), Status::InvalidLicenseCode),
        (403, refusal(Status::Disabled), Status::Disabled),
        (409, refusal(Status::ActivationLimit), Status::ActivationLimit),
        (403, refusal(Status::Expired), Status::Expired),
        // A server cannot make the client report a local condition it has no business in.
        (403, refusal(Status::Internal), Status::ServerRefused),
        (403, refusal(Status::ClockTampered), Status::ServerRefused),
        (400, "not json".into(), Status::BadResponse),
        (500, "{}".into(), Status::ServerError),
        (503, "".into(), Status::ServerError),
        (200, "{}".into(), Status::BadResponse),
        (200, "[1,2]".into(), Status::BadResponse),
        (200, r#"{"lease":"lk1.lease.bad"}"#.into(), Status::MalformedEnvelope),
        (200, format!(r#"{{"lease":"{}"}}"#, "x".repeat(300_000)), Status::BadResponse),
        (302, "".into(), Status::BadResponse),
    ];
    for (code, body, expected) in cases {
        let server = Scripted::start(move |_| Some((code, body.clone())));
        let dir = tempfile::tempdir().unwrap();
        let c = client(dir.path(), &server.url(), Duration::from_secs(5));
        assert_eq!(c.activate(CODE), Err(expected), "HTTP {code}");
        assert_eq!(c.status(), Status::NotActivated);
        assert!(c.store().load().unwrap().installation_key.is_none(), "no key kept for a failed activation");
    }
}

#[test]
fn every_call_is_bounded_by_the_timeout() {
    let server = Scripted::start(|_| {
        std::thread::sleep(Duration::from_secs(3));
        None
    });
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), &server.url(), Duration::from_millis(1000));
    let started = Instant::now();
    assert_eq!(c.activate(CODE), Err(Status::Timeout));
    // Honoured within 20 %: the whole call, not each read, is bounded.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(950) && took <= Duration::from_millis(1200), "took {took:?}");
    // Nothing listening at all.
    let closed = client(dir.path(), "http://127.0.0.1:9", Duration::from_millis(400));
    assert_eq!(closed.start_trial(), Err(Status::Network));
}

#[test]
fn the_configured_proxy_carries_every_request() {
    // The scripted server plays the proxy: a request for an unresolvable host reaches it
    // through a CONNECT tunnel, and its answer comes back to the client.
    let proxy = honest();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(PRODUCT).unwrap();
    config.add_public_key(&vendor().public_key().to_hex()).unwrap();
    config.set_store_dir(dir.path()).unwrap();
    config.set_server_url("http://licensing.invalid:8700/").unwrap();
    config.set_proxy(&proxy.url()).unwrap();
    let c = Client::new(config).unwrap();
    assert_eq!(c.activate(CODE), Ok(()));
    let seen = &proxy.seen()[0];
    assert_eq!(seen.tunnel.as_deref(), Some("CONNECT licensing.invalid:8700 HTTP/1.1"));
    assert_eq!(seen.request_line, "POST /client/v1/activate HTTP/1.1");
}

#[test]
fn a_request_lost_in_transit_is_retried_with_the_same_id() {
    let calls = Mutex::new(0);
    let server = Scripted::start(move |seen| {
        let mut n = calls.lock().unwrap();
        *n += 1;
        match *n {
            1 => Some((200, lease_answer(seen, 1, |_| {}))),
            2 => None, // the answer to the first refresh is lost
            n => Some((200, lease_answer(seen, n - 1, |_| {}))),
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), &server.url(), Duration::from_secs(5));
    c.activate(CODE).unwrap();
    assert!(matches!(c.refresh(), Err(Status::Network | Status::BadResponse)));
    assert_eq!(c.refresh(), Ok(()));
    let seen = server.seen();
    assert_eq!(seen[1].request.request_id, seen[2].request.request_id, "a retry is recognisable");
    assert_eq!(seen[1].envelope, seen[2].envelope);
    assert_eq!(c.refresh(), Ok(()));
    assert_ne!(server.seen()[3].request.request_id, seen[2].request.request_id, "a new request is new");
}

#[test]
fn deactivation_frees_the_license_and_destroys_the_key() {
    let server = honest();
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), &server.url(), Duration::from_secs(5));
    assert_eq!(c.deactivate(), Err(Status::NoLicense));
    c.activate(CODE).unwrap();
    // Unreachable server: the license is unusable from the moment deactivation begins; the
    // key is kept to free the seat when the server can be reached.
    let cut_off = client(dir.path(), "http://127.0.0.1:9", Duration::from_secs(1));
    assert_eq!(cut_off.deactivate(), Err(Status::Network));
    assert_eq!(cut_off.status(), Status::Deactivated);
    assert_eq!(cut_off.udf_value("EDITION"), Err(Status::Deactivated));
    let state = cut_off.store().load().unwrap();
    assert!(state.installation_key.is_some() && state.deactivating);
    drop(cut_off);
    assert_eq!(
        client(dir.path(), "http://127.0.0.1:9", Duration::from_secs(1)).status(),
        Status::Deactivated,
        "across restarts"
    );
    assert_eq!(c.deactivate(), Ok(()));
    assert_eq!(c.status(), Status::Deactivated);
    assert_eq!(c.feature_enabled("EXPORT"), Status::Deactivated);
    assert!(c.store().load().unwrap().installation_key.is_none());
    assert_eq!(c.refresh(), Err(Status::NoLicense));
    assert_eq!(server.seen().last().unwrap().request.operation, Operation::Deactivate);
}

#[test]
fn background_refresh_renews_the_lease_before_it_ends() {
    // Leases of four seconds: the refresher must renew at 50-75 % of that, unasked.
    let serial = Mutex::new(0u64);
    let server = Scripted::start(move |seen| {
        let mut s = serial.lock().unwrap();
        *s += 1;
        Some((200, lease_answer(seen, *s, |l| l.lease_end = l.server_time + 4)))
    });
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), &server.url(), Duration::from_secs(5));
    c.activate(CODE).unwrap();
    assert!(
        wait_until(Duration::from_secs(8), || c.license().unwrap().lease().serial >= 3),
        "no background refresh"
    );
    let seen = server.seen();
    assert!(seen[1..].iter().all(|s| s.request.operation == Operation::Refresh));
    assert_eq!(c.status(), Status::Ok);
}

#[test]
fn grace_period_then_lease_expired_then_recovery_without_user_action() {
    let script: Arc<Script> = {
        let serial = Arc::new(Mutex::new(0u64));
        Arc::new(move |seen: &Seen| {
            let mut s = serial.lock().unwrap();
            *s += 1;
            // Refresh due after ~1 s; without one, usable for 3 s.
            Some((
                200,
                lease_answer(seen, *s, |l| {
                    l.lease_end = l.server_time + 2;
                    l.grace_end = l.server_time + 3;
                }),
            ))
        })
    };
    let server = Scripted::start_on(0, Arc::clone(&script));
    let port = server.port;
    let dir = tempfile::tempdir().unwrap();
    let c = Arc::new(client(dir.path(), &server.url(), Duration::from_millis(500)));
    let statuses = Arc::new(Mutex::new(Vec::new()));
    {
        // The callback calls back into the client: no deadlock, and it sees the new status.
        let (weak, statuses) = (Arc::downgrade(&c), Arc::clone(&statuses));
        c.set_status_callback(Some(Box::new(move |status| {
            let inside = weak.upgrade().map(|c| c.status());
            statuses.lock().unwrap().push((status, inside));
        })));
    }
    c.activate(CODE).unwrap();
    drop(server); // the server goes away
    assert_eq!(c.status(), Status::Ok, "still licensed inside the grace period");
    assert!(c.grace_remaining().unwrap() > 0);
    assert!(
        wait_until(Duration::from_secs(6), || c.status() == Status::LeaseExpired),
        "grace never ended: {:?}",
        c.status()
    );
    assert!(wait_until(Duration::from_secs(2), || statuses
        .lock()
        .unwrap()
        .contains(&(Status::LeaseExpired, Some(Status::LeaseExpired)))));
    assert_eq!(c.feature_enabled("EXPORT"), Status::LeaseExpired);
    // The server comes back on the same address: the backoff retries find it.
    let _back = Scripted::start_on(port, script);
    assert!(
        wait_until(Duration::from_secs(40), || c.status() == Status::Ok),
        "did not recover: {:?}",
        c.status()
    );
    assert!(wait_until(Duration::from_secs(2), || statuses.lock().unwrap().last()
        == Some(&(Status::Ok, Some(Status::Ok)))));
}

#[test]
fn a_status_change_made_by_the_callback_is_delivered_before_the_call_returns() {
    let server = honest();
    let dir = tempfile::tempdir().unwrap();
    let c = Arc::new(client(dir.path(), &server.url(), Duration::from_secs(5)));
    let statuses = Arc::new(Mutex::new(Vec::new()));
    {
        // A callback that gives the seat back as soon as it hears of it: the change it makes
        // from inside is delivered after it returns, and before `activate` does.
        let (weak, statuses) = (Arc::downgrade(&c), Arc::clone(&statuses));
        c.set_status_callback(Some(Box::new(move |status| {
            statuses.lock().unwrap().push(status);
            if status == Status::Ok {
                let c = weak.upgrade().expect("the client outlives its calls");
                assert_eq!(c.deactivate(), Ok(()));
            }
        })));
    }
    c.activate(CODE).unwrap();
    assert_eq!(*statuses.lock().unwrap(), [Status::Ok, Status::Deactivated]);
    assert_eq!(c.status(), Status::Deactivated);
}

#[test]
fn trials_are_trial_leases() {
    let server = honest();
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), &server.url(), Duration::from_secs(5));
    assert_eq!(c.start_trial(), Ok(()));
    assert_eq!(c.status(), Status::Ok);
    let license = c.license().unwrap();
    assert_eq!((license.kind(), license.lease().license_type), (Kind::TrialLease, LicenseType::Trial));
    assert!(server.seen()[0].request.license_code.is_none());
    assert_eq!(c.refresh(), Ok(()), "a trial lease is refreshed like any lease");
    assert_eq!(c.license().unwrap().kind(), Kind::TrialLease);
    // A trial start whose answer was lost is retried as it was, with the same key.
    let calls = Mutex::new(0);
    let flaky = Scripted::start(move |seen| {
        let mut n = calls.lock().unwrap();
        *n += 1;
        (*n > 1).then(|| (200, lease_answer(seen, 1, |_| {})))
    });
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), &flaky.url(), Duration::from_secs(5));
    assert!(matches!(c.start_trial(), Err(Status::Network | Status::BadResponse)));
    assert_eq!(c.start_trial(), Ok(()));
    let seen = flaky.seen();
    assert_eq!(seen[0].envelope, seen[1].envelope);
    // A server that answers a trial with a plain lease is refused.
    let wrong = Scripted::start(|seen| {
        let mut l: Option<Lease> = None;
        let _ = lease_answer(seen, 5, |x| l = Some(x.clone()));
        let mut lease = l.unwrap();
        lease.license_type = LicenseType::Perpetual;
        Some((200, sign_answer(Kind::Lease, &lease, &vendor())))
    });
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), &wrong.url(), Duration::from_secs(5));
    assert_eq!(c.start_trial(), Err(Status::WrongKind));
}

/// A private CA, and a TLS server configuration for 127.0.0.1 with a certificate it issued.
fn private_ca() -> (String, Arc<rustls::ServerConfig>) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .unwrap();
    (ca.pem(), Arc::new(config))
}

#[test]
fn a_private_ca_is_trusted_only_when_configured() {
    let (ca_pem, tls) = private_ca();
    let serial = Mutex::new(0u64);
    let server = Scripted::start_tls(tls, move |seen| {
        let mut s = serial.lock().unwrap();
        *s += 1;
        Some((200, lease_answer(seen, *s, |_| {})))
    });
    let url = format!("https://127.0.0.1:{}", server.port);
    let dir = tempfile::tempdir().unwrap();
    // The system's trust store does not know the private CA: the TLS handshake fails.
    let untrusting = client(dir.path(), &url, Duration::from_secs(5));
    assert_eq!(untrusting.activate(CODE), Err(Status::Network));
    drop(untrusting);
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &ca_pem).unwrap();
    let mut config = Config::new(PRODUCT).unwrap();
    config.add_public_key(&vendor().public_key().to_hex()).unwrap();
    config.set_store_dir(dir.path()).unwrap();
    config.set_server_url(&url).unwrap();
    config.set_ca_file(&ca_file).unwrap();
    let trusting = Client::new(config.clone()).unwrap();
    assert_eq!(trusting.activate(CODE), Ok(()));
    assert_eq!(trusting.status(), Status::Ok);
    // A CA file without a certificate is refused when the client is made.
    std::fs::write(&ca_file, "no certificate here\n").unwrap();
    assert_eq!(Client::new(config).unwrap_err(), Status::InvalidArgument);
}

#[test]
fn the_system_trust_store_is_used_and_a_ca_file_adds_to_it() {
    // Run in a child process: SSL_CERT_FILE, which stands for the system store here as it
    // does for OpenSSL, is read once per process.
    if let Ok(urls) = std::env::var("LK_TRUST_CHILD_URLS") {
        let (system_url, file_url) = urls.split_once(' ').unwrap();
        let dir = tempfile::tempdir().unwrap();
        let c = client(dir.path(), system_url, Duration::from_secs(5));
        let through_system = c.activate(CODE);
        drop(c);
        let mut config = Config::new(PRODUCT).unwrap();
        config.add_public_key(&vendor().public_key().to_hex()).unwrap();
        config.set_store_dir(dir.path().join("other")).unwrap();
        config.set_server_url(file_url).unwrap();
        config.set_ca_file(std::env::var("LK_TRUST_CHILD_CA_FILE").unwrap()).unwrap();
        let through_file = Client::new(config.clone()).unwrap().activate(CODE);
        // The CA file is added to the system roots, not put in their place.
        config.set_server_url(system_url).unwrap();
        config.set_store_dir(dir.path().join("third")).unwrap();
        let system_with_file = Client::new(config).unwrap().activate(CODE);
        print!("RESULTS={through_system:?} {through_file:?} {system_with_file:?}");
        return;
    }
    let serve = |tls| {
        let serial = Mutex::new(0u64);
        Scripted::start_tls(tls, move |seen| {
            let mut s = serial.lock().unwrap();
            *s += 1;
            Some((200, lease_answer(seen, *s, |_| {})))
        })
    };
    let (system_ca, system_tls) = private_ca();
    let (file_ca, file_tls) = private_ca();
    let (system_server, file_server) = (serve(system_tls), serve(file_tls));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("system.pem"), system_ca).unwrap();
    std::fs::write(dir.path().join("file.pem"), file_ca).unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "the_system_trust_store_is_used_and_a_ca_file_adds_to_it", "--nocapture"])
        .env(
            "LK_TRUST_CHILD_URLS",
            format!("https://127.0.0.1:{} https://127.0.0.1:{}", system_server.port, file_server.port),
        )
        .env("LK_TRUST_CHILD_CA_FILE", dir.path().join("file.pem"))
        .env("SSL_CERT_FILE", dir.path().join("system.pem"))
        .env_remove("SSL_CERT_DIR")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("RESULTS=Ok(()) Ok(()) Ok(())"), "child said: {stdout}");
}

#[test]
fn the_proxy_from_the_environment_is_used_when_none_is_configured() {
    // Run in a child process: the environment is process-wide.
    if let Ok(dir) = std::env::var("LK_PROXY_CHILD_STORE") {
        let c = client(std::path::Path::new(&dir), "http://licensing.invalid:8700", Duration::from_secs(5));
        print!(
            "STATUS={}",
            c.activate(CODE).err().map_or("LK_OK".into(), |s| s.name().to_string_lossy().into_owned())
        );
        return;
    }
    let proxy = honest();
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "the_proxy_from_the_environment_is_used_when_none_is_configured", "--nocapture"])
        .env("LK_PROXY_CHILD_STORE", dir.path())
        .env("HTTPS_PROXY", proxy.url())
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("STATUS=LK_OK"), "child said: {stdout}");
    assert_eq!(proxy.seen()[0].tunnel.as_deref(), Some("CONNECT licensing.invalid:8700 HTTP/1.1"));
}

#[test]
fn a_truncated_answer_is_refused() {
    // A server that promises a body and closes half-way: read the request, answer part of a
    // lease, hang up.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
        let mut request = [0u8; 65536];
        let _ = stream.read(&mut request);
        let body = r#"{"lease":"lk1.lease.0123456789abcdef.eyJwcm9kdWN0IjoiNjg3MjQ1MDEwNSJ9"#;
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len() * 2
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body.as_bytes()).unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), &url, Duration::from_secs(5));
    let result = c.activate(CODE);
    server.join().unwrap();
    assert!(matches!(result, Err(Status::Network | Status::BadResponse)), "{result:?}");
    assert_eq!(c.status(), Status::NotActivated);
}

/// A client whose clock is `offset` seconds off (the injectable clock: no waiting, no
/// changing the machine's clock).
fn client_with_clock(dir: &std::path::Path, url: &str, offset: i64) -> Client {
    let mut config = Config::new(PRODUCT).unwrap();
    config.add_public_key(&vendor().public_key().to_hex()).unwrap();
    config.set_store_dir(dir).unwrap();
    config.set_server_url(url).unwrap();
    config.set_clock(move || unix_now() + offset);
    Client::new(config).unwrap()
}

#[test]
fn a_clock_once_set_forward_heals_at_the_next_online_check() {
    const YEAR: i64 = 365 * 86_400;
    let server = honest();
    let dir = tempfile::tempdir().unwrap();
    client(dir.path(), &server.url(), Duration::from_secs(5)).activate(CODE).unwrap();
    // One run with the clock a year ahead: it records the time it saw.
    drop(client_with_clock(dir.path(), &server.url(), YEAR));
    // The clock fixed: a year below the mark looks set back.
    let fixed = client(dir.path(), &server.url(), Duration::from_secs(5));
    assert_eq!(fixed.status(), Status::ClockTampered);
    // The server's signed time re-bases the mark: a successful refresh heals it, for good.
    assert_eq!(fixed.refresh(), Ok(()));
    assert_eq!(fixed.status(), Status::Ok);
    let high_water = fixed.store().load().unwrap().clock_high_water;
    assert!((high_water - unix_now()).abs() <= 5, "re-based to the server's time: {high_water}");
    assert_eq!(client(dir.path(), &server.url(), Duration::from_secs(5)).status(), Status::Ok);
    // Setting the clock back is still caught (and a real server refuses its requests as too
    // old: see the server's tests).
    let back = client_with_clock(dir.path(), &server.url(), -2 * 3600);
    assert_eq!(back.status(), Status::ClockTampered);
    assert_eq!(back.feature_enabled("EXPORT"), Status::ClockTampered);
}

#[test]
fn dates_are_judged_by_the_clock_without_waiting_for_it() {
    let server = honest();
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), &server.url(), Duration::from_secs(5));
    c.activate(CODE).unwrap();
    let grace_end = c.license().unwrap().lease().grace_end;
    let at = |offset: i64| client_with_clock(dir.path(), "http://127.0.0.1:9", offset);
    let inside = at(grace_end - unix_now() - 10);
    assert_eq!(inside.status(), Status::Ok);
    assert_eq!(inside.grace_remaining(), Ok(10));
    let past = at(grace_end - unix_now() + 1);
    assert_eq!(past.status(), Status::LeaseExpired);
    assert_eq!(past.grace_remaining(), Ok(0));
    assert_eq!(past.feature_enabled("EXPORT"), Status::LeaseExpired);
}

#[test]
fn an_activation_whose_answer_is_refused_gives_its_seat_back() {
    // A server signing with a key this application does not trust.
    let stranger = SigningKey::from_seed(&[99; 32]);
    let server = Scripted::start(move |seen| {
        let mut lease: Option<Lease> = None;
        let _ = lease_answer(seen, 1, |l| lease = Some(l.clone()));
        Some((200, sign_answer(Kind::Lease, &lease.unwrap(), &stranger)))
    });
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), &server.url(), Duration::from_secs(5));
    assert_eq!(c.activate(CODE), Err(Status::UnknownKey));
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "the activation, then the give-back");
    let (activation, back) = (&seen[0].request, &seen[1].request);
    assert_eq!(back.operation, Operation::Deactivate);
    assert_eq!(back.installation_key, activation.installation_key, "signed by the key just generated");
    assert_eq!(back.license_code.as_deref(), Some(CODE));
    assert_eq!(
        activation.trusted_keys,
        [vendor().public_key().id().to_hex()],
        "the keys it trusts go with it"
    );
    assert_eq!(c.status(), Status::NotActivated);
}

#[test]
fn refreshes_present_their_serial_and_reactivations_hand_the_seat_over() {
    let server = honest();
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), &server.url(), Duration::from_secs(5));
    c.activate(CODE).unwrap();
    let held = c.license().unwrap().lease().serial;
    c.refresh().unwrap();
    c.activate(CODE).unwrap();
    let seen = server.seen();
    let (first, refresh, again) = (&seen[0].request, &seen[1].request, &seen[2].request);
    assert_eq!(refresh.held_serial, Some(held));
    assert!(first.handover.is_none(), "nothing to hand over the first time");
    let handover = Envelope::parse(again.handover.as_deref().unwrap()).unwrap();
    assert_eq!(handover.kind(), Kind::KeyHandover);
    let previous = PublicKey::from_hex(&first.installation_key).unwrap();
    let signed: licensekit::protocol::client_api::KeyHandover =
        serde_json::from_slice(handover.verify_with(&previous, Kind::KeyHandover).unwrap()).unwrap();
    assert_eq!(signed.new_installation_key, again.installation_key);
    assert_eq!(signed.nonce, again.nonce);
}

#[cfg(unix)]
#[test]
fn a_deactivation_that_cannot_be_written_sends_nothing_and_changes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let server = honest();
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path(), &server.url(), Duration::from_secs(5));
    c.activate(CODE).unwrap();
    let before = server.seen().len();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o500)).unwrap();
    let writable = std::fs::write(dir.path().join("probe"), b"").is_ok();
    if !writable {
        assert_eq!(c.deactivate(), Err(Status::StoreIo));
        assert_eq!(server.seen().len(), before, "nothing sent");
        assert_eq!(c.status(), Status::Ok, "nothing changed");
    }
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    // As root the directory stays writable: make the store file itself a directory's victim.
    if writable {
        let lock = dir.path().join(format!("{PRODUCT}.lock"));
        std::fs::remove_file(&lock).unwrap();
        std::fs::create_dir(&lock).unwrap();
        assert_eq!(c.deactivate(), Err(Status::StoreIo));
        assert_eq!(server.seen().len(), before, "nothing sent");
        assert_eq!(c.status(), Status::Ok, "nothing changed");
        std::fs::remove_dir(&lock).unwrap();
    }
}

#[test]
fn network_failures_say_what_happened() {
    let dir = tempfile::tempdir().unwrap();
    let refused = client(dir.path(), "http://127.0.0.1:9", Duration::from_secs(2));
    assert_eq!(refused.activate(CODE), Err(Status::Network));
    let detail = licensekit::last_error_detail().unwrap();
    assert!(detail.contains("connection refused by 127.0.0.1:9"), "{detail}");
    let unknown = client(dir.path(), "http://no-such-host.invalid", Duration::from_secs(2));
    assert_eq!(unknown.activate(CODE), Err(Status::Network));
    let detail = licensekit::last_error_detail().unwrap();
    assert!(detail.contains("no-such-host.invalid"), "{detail}");
    let refusing = Scripted::start(|_| Some((409, refusal(Status::ActivationLimit))));
    let c = client(dir.path(), &refusing.url(), Duration::from_secs(2));
    assert_eq!(c.activate(CODE), Err(Status::ActivationLimit));
    assert!(licensekit::last_error_detail().unwrap().contains("the server said"));
    let diagnostics = c.diagnostics();
    assert!(
        diagnostics["server"]["last_errors"]["activate"].as_str().unwrap().starts_with("LK_ACTIVATION_LIMIT")
    );
}
