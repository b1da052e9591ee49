//! Built-in TLS: a real licensekit client trusting a private CA (`Config::set_ca_file`)
//! activates over HTTPS; SIGHUP reloads the certificate for new connections while one opened
//! before keeps working; a bad new file keeps the old certificate and the log says why.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::licensing::{code, product};
use common::{Server, signal, spawn_serve_logged};
use licensekit::{Client, Config, Status};
use serde_json::json;

/// A private CA, and certificates it issues for 127.0.0.1.
struct Ca {
    pem: String,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

impl Ca {
    fn new() -> Ca {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let pem = params.self_signed(&key).unwrap().pem();
        Ca { pem, issuer: rcgen::Issuer::new(params, key) }
    }

    /// A leaf certificate (PEM) and its key (PEM), and the certificate's DER.
    fn leaf(&self) -> (String, String, Vec<u8>) {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .unwrap()
            .signed_by(&key, &self.issuer)
            .unwrap();
        (cert.pem(), key.serialize_pem(), cert.der().to_vec())
    }
}

/// Serves `cert`/`key` from `dir` (written there first) over the data of a plain server
/// where a product and a code were made first; returns the TLS server, product and code.
fn tls_server(dir: &Path, cert: &str, key: &str) -> (Server, String, String) {
    std::fs::write(dir.join("cert.pem"), cert).unwrap();
    std::fs::write(dir.join("key.pem"), key).unwrap();
    let mut plain = Server::start();
    let product = product(&plain, json!({"clientsallowed": 2}));
    let code = code(&plain, &product, json!({}));
    plain.terminate();
    let log = std::fs::File::create(dir.join("server.log")).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let (child, base) = spawn_serve_logged(
        &[],
        &plain.location(),
        &["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()],
        Some(Stdio::from(log)),
    );
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
    (Server::adopt(plain, child, base), product, code)
}

fn licensekit_client(server: &Server, product: &str, store: &Path, ca_file: Option<&Path>) -> Client {
    let mut config = Config::new(product).unwrap();
    config.add_public_key(&server.public_key).unwrap();
    config.set_store_dir(store).unwrap();
    config.set_machine_root(store.join("computer")).unwrap();
    config.set_server_url(&server.base).unwrap();
    config.set_timeout(Duration::from_secs(20)).unwrap();
    if let Some(ca) = ca_file {
        config.set_ca_file(ca).unwrap();
    }
    Client::new(config).unwrap()
}

#[test]
fn a_client_trusting_the_private_ca_activates_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new();
    let (cert, key, _) = ca.leaf();
    let (server, product, code) = tls_server(dir.path(), &cert, &key);
    std::fs::write(dir.path().join("ca.pem"), &ca.pem).unwrap();

    let untrusting = tempfile::tempdir().unwrap();
    let app = licensekit_client(&server, &product, untrusting.path(), None);
    assert_ne!(app.activate(&code), Ok(()), "the private CA is not in the built-in roots");
    assert_eq!(app.status(), Status::NotActivated);

    let store = tempfile::tempdir().unwrap();
    let app = licensekit_client(&server, &product, store.path(), Some(&dir.path().join("ca.pem")));
    app.activate(&code).unwrap();
    assert_eq!(app.status(), Status::Ok);
    app.refresh().unwrap();
    app.deactivate().unwrap();

    // Plain HTTP on the TLS port gets no answer in clear.
    let mut plain = TcpStream::connect(server.base.trim_start_matches("https://")).unwrap();
    plain.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    plain.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(!String::from_utf8_lossy(&answer).contains("\"ok\""), "answered in clear");
}

/// A keep-alive TLS connection trusting `ca`.
struct Probe {
    stream: rustls::StreamOwned<rustls::ClientConnection, TcpStream>,
}

impl Probe {
    fn connect(server: &Server, ca: &str) -> Probe {
        let mut roots = rustls::RootCertStore::empty();
        let ca = rustls::pki_types::CertificateDer::from_pem_slice(ca.as_bytes()).unwrap();
        roots.add(ca).unwrap();
        let config =
            rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        let connection = rustls::ClientConnection::new(Arc::new(config), name).unwrap();
        let tcp = TcpStream::connect(server.base.trim_start_matches("https://")).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        Probe { stream: rustls::StreamOwned::new(connection, tcp) }
    }

    /// GET /healthz on this connection: the status line and the body.
    fn healthz(&mut self) -> (String, String) {
        self.stream.write_all(b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n").unwrap();
        self.response()
    }

    /// The next response on this connection: the status line and the body.
    fn response(&mut self) -> (String, String) {
        let mut head = Vec::new();
        let mut byte = [0u8];
        while !head.ends_with(b"\r\n\r\n") {
            self.stream.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        let head = String::from_utf8(head).unwrap();
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap())
            })
            .unwrap();
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).unwrap();
        (head.lines().next().unwrap().to_owned(), String::from_utf8(body).unwrap())
    }

    /// The DER of the certificate the server presented.
    fn certificate(&self) -> Vec<u8> {
        self.stream.conn.peer_certificates().unwrap()[0].to_vec()
    }
}

use rustls::pki_types::pem::PemObject;

#[test]
fn sighup_serves_a_new_certificate_to_new_connections_and_keeps_old_ones() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new();
    let (first_cert, first_key, first_der) = ca.leaf();
    let (second_cert, second_key, second_der) = ca.leaf();
    let (server, _, _) = tls_server(dir.path(), &first_cert, &first_key);

    let mut old = Probe::connect(&server, &ca.pem);
    assert_eq!(old.healthz(), ("HTTP/1.1 200 OK".to_owned(), r#"{"status":"ok"}"#.to_owned()));
    assert_eq!(old.certificate(), first_der);

    std::fs::write(dir.path().join("cert.pem"), &second_cert).unwrap();
    std::fs::write(dir.path().join("key.pem"), &second_key).unwrap();
    signal(server.pid(), "HUP");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut new = Probe::connect(&server, &ca.pem);
        assert_eq!(new.healthz().0, "HTTP/1.1 200 OK");
        if new.certificate() == second_der {
            break;
        }
        assert!(Instant::now() < deadline, "SIGHUP did not reload the certificate");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The connection opened before the reload still works, on its own session.
    assert_eq!(old.healthz().0, "HTTP/1.1 200 OK");
    assert_eq!(old.certificate(), first_der);

    // A broken renewal (a key that is not the certificate's, then not PEM at all) keeps the
    // certificate being served, and the log says why.
    std::fs::write(dir.path().join("key.pem"), &first_key).unwrap();
    signal(server.pid(), "HUP");
    let log = dir.path().join("server.log");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&log).unwrap().contains("the old one stays") {
        assert!(Instant::now() < deadline, "no log line for the refused reload");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::write(dir.path().join("cert.pem"), "not a certificate").unwrap();
    signal(server.pid(), "HUP");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read_to_string(&log).unwrap().matches("the old one stays").count() < 2 {
        assert!(Instant::now() < deadline, "no log line for the second refused reload");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut after = Probe::connect(&server, &ca.pem);
    assert_eq!(after.healthz().0, "HTTP/1.1 200 OK");
    assert_eq!(after.certificate(), second_der, "the last good certificate is still served");
    assert_eq!(old.healthz().0, "HTTP/1.1 200 OK");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("cert.pem"), "the log names the file: {text}");
    assert!(!text.contains(first_key.lines().nth(1).unwrap()), "no key material in the log");
}

#[test]
fn a_certificate_that_does_not_load_stops_serve_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    common::init(&data);
    let ca = Ca::new();
    let (cert, _, _) = ca.leaf();
    let (_, other_key, _) = ca.leaf();
    std::fs::write(dir.path().join("cert.pem"), cert).unwrap();
    std::fs::write(dir.path().join("key.pem"), other_key).unwrap();
    let run = |extra: &[&str]| {
        std::process::Command::new(common::BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data)
            .args(extra)
            .output()
            .unwrap()
    };
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let out = run(&["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cert.pem"), "{out:?}");
    let out = run(&["--tls-cert", cert.to_str().unwrap()]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--tls-key"), "{out:?}");
}

#[test]
fn sigterm_lets_a_tls_request_in_flight_finish() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new();
    let (cert, key, _) = ca.leaf();
    let (mut server, product, _) = tls_server(dir.path(), &cert, &key);
    let mut probe = Probe::connect(&server, &ca.pem);
    let body = format!("{{\"productid\": \"{product}\", \"numcodes\": 5}}");
    let head = format!(
        "POST /api/LicenseCode HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: {}\r\ncontent-length: {}\r\n\r\n",
        server.bearer("read_write"),
        body.len()
    );
    // The head and half the body, then SIGTERM, then the rest: the answer still comes.
    probe.stream.write_all(head.as_bytes()).unwrap();
    probe.stream.write_all(&body.as_bytes()[..10]).unwrap();
    probe.stream.flush().unwrap();
    // Not a readiness wait: it orders the signal after the server has read the request head.
    std::thread::sleep(Duration::from_secs(1));
    signal(server.pid(), "TERM");
    std::thread::sleep(Duration::from_millis(100));
    probe.stream.write_all(&body.as_bytes()[10..]).unwrap();
    let (status, answer) = probe.response();
    assert_eq!(status, "HTTP/1.1 200 OK", "{answer}");
    assert!(answer.contains("License Codes Created Successfully"), "{answer}");
    drop(probe);
    assert!(server.terminate().success());
}
