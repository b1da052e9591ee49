//! A scripted license server for the client's tests: a few lines of HTTP/1.1 over
//! `std::net` (optionally TLS), signing with a vendor key the tests own, recording every
//! request it saw, and answering what each test's script says.

#![allow(dead_code, reason = "each test binary uses a different part of the harness")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use licensekit::protocol::client_api::{
    ClientRequest, ErrorResponse, FeatureGrant, FeatureKind, Lease, LeaseState, LicenseType, Operation,
    RequestBody,
};
use licensekit::protocol::{Envelope, Kind, PublicKey, SigningKey, from_slice_strict};
use licensekit::{Client, Config, Status};

pub const PRODUCT: &str = "6872450105";
pub const CODE: &str = "206454320110930859";

pub fn vendor() -> SigningKey {
    SigningKey::from_seed(&[11; 32])
}

pub fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A request as the scripted server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub request_line: String,
    /// The CONNECT line when the request came through a proxy tunnel.
    pub tunnel: Option<String>,
    pub request: ClientRequest,
    pub envelope: String,
}

/// What the scripted server answers: HTTP status and body, after an optional delay; `None`
/// closes the connection without answering.
pub type Script = dyn Fn(&Seen) -> Option<(u16, String)> + Send + Sync;

pub struct Scripted {
    pub port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Scripted {
    pub fn start(script: impl Fn(&Seen) -> Option<(u16, String)> + Send + Sync + 'static) -> Scripted {
        Scripted::start_on(0, Arc::new(script))
    }

    pub fn start_on(port: u16, script: Arc<Script>) -> Scripted {
        Scripted::start_with(port, script, None)
    }

    /// Serves HTTPS with `tls` instead of plain HTTP.
    pub fn start_tls(
        tls: Arc<rustls::ServerConfig>,
        script: impl Fn(&Seen) -> Option<(u16, String)> + Send + Sync + 'static,
    ) -> Scripted {
        Scripted::start_with(0, Arc::new(script), Some(tls))
    }

    fn start_with(port: u16, script: Arc<Script>, tls: Option<Arc<rustls::ServerConfig>>) -> Scripted {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (seen, stop) = (Arc::clone(&seen), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            prepare(&stream);
                            match &tls {
                                None => serve(stream, &*script, &seen),
                                Some(tls) => {
                                    let connection = rustls::ServerConnection::new(Arc::clone(tls)).unwrap();
                                    serve(rustls::StreamOwned::new(connection, stream), &*script, &seen)
                                }
                            }
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        Scripted { port, seen, stop, thread: Some(thread) }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

pub fn prepare(stream: &TcpStream) {
    stream.set_nonblocking(false).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
}

pub fn serve<S: Read + Write>(stream: S, script: &Script, seen: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(stream);
    let Some((mut request_line, mut length)) = read_head(&mut reader) else { return };
    let mut tunnel = None;
    if request_line.starts_with("CONNECT ") {
        // Playing an HTTP proxy: accept the tunnel, then read the request inside it.
        reader.get_mut().write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").unwrap();
        reader.get_mut().flush().unwrap();
        tunnel = Some(request_line);
        let Some(head) = read_head(&mut reader) else { return };
        (request_line, length) = head;
    }
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return; // e.g. a TLS handshake the client gave up on
    }
    let body: RequestBody = serde_json::from_slice(&body).unwrap();
    let envelope = Envelope::parse(&body.request).unwrap();
    let payload = envelope
        .verify_with(&claimed_key(&envelope), Kind::ClientRequest)
        .expect("every request is signed by the installation key it names");
    let request: ClientRequest = from_slice_strict(payload).unwrap();
    let seen_now = Seen { request_line, tunnel, request, envelope: body.request };
    seen.lock().unwrap().push(seen_now.clone());
    let mut stream = reader.into_inner();
    if let Some((code, body)) = script(&seen_now) {
        let head = format!(
            "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body.as_bytes()));
        let _ = stream.flush();
    }
}

/// Reads a request line and headers; returns the line and the Content-Length.
pub fn read_head<S: Read>(reader: &mut BufReader<S>) -> Option<(String, usize)> {
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
    }
    Some((request_line.trim().to_owned(), length))
}

/// The key a (not yet verified) request names: reading it first is how a server learns
/// which key to check a self-signed activation against.
pub fn claimed_key(envelope: &Envelope) -> PublicKey {
    let request: ClientRequest = serde_json::from_slice(envelope.unverified_payload()).unwrap();
    PublicKey::from_hex(&request.installation_key).unwrap()
}

/// A lease answering `seen`, as a correct server would sign it; `edit` spoils it.
pub fn lease_answer(seen: &Seen, serial: u64, edit: impl FnOnce(&mut Lease)) -> String {
    let r = &seen.request;
    let now = unix_now();
    // Trials have no license code, whatever the operation.
    let trial = r.license_code.is_none();
    let mut lease = Lease {
        product_id: r.product_id.clone(),
        license_code: r.license_code.clone(),
        computer_id: r.computer_id.clone(),
        components: r.components.clone(),
        installation_key: r.installation_key.clone(),
        state: if r.operation == Operation::Deactivate {
            LeaseState::Deactivated
        } else {
            LeaseState::Active
        },
        license_type: if trial { LicenseType::Trial } else { LicenseType::Perpetual },
        features: vec![FeatureGrant {
            code: "EXPORT".into(),
            kind: FeatureKind::Normal,
            enabled: true,
            limit: None,
        }],
        udfs: [("EDITION".to_owned(), "pro".to_owned())].into(),
        expires: trial.then_some(now + 86_400),
        maintenance_end: None,
        lease_end: now + 3600,
        grace_end: now + 86_400,
        server_time: now,
        serial,
        nonce: r.nonce.clone(),
        vm_platform: r.vm_platform.clone(),
        network: None,
        user: None,
    };
    edit(&mut lease);
    sign_answer(if trial { Kind::TrialLease } else { Kind::Lease }, &lease, &vendor())
}

pub fn sign_answer(kind: Kind, lease: &Lease, key: &SigningKey) -> String {
    let envelope = Envelope::sign(key, kind, &serde_json::to_vec(lease).unwrap()).unwrap();
    serde_json::json!({ "lease": envelope.to_compact() }).to_string()
}

pub fn refusal(status: Status) -> String {
    serde_json::to_string(&ErrorResponse {
        status: status as u32,
        name: status.name().to_string_lossy().into_owned(),
        message: status.message().to_string_lossy().into_owned(),
    })
    .unwrap()
}

pub fn client(dir: &std::path::Path, url: &str, timeout: Duration) -> Client {
    let mut config = Config::new(PRODUCT).unwrap();
    config.add_public_key(&vendor().public_key().to_hex()).unwrap();
    config.set_store_dir(dir).unwrap();
    config.set_server_url(url).unwrap();
    config.set_timeout(timeout).unwrap();
    config.set_app_version("2.1", "417", "ENT").unwrap();
    Client::new(config).unwrap()
}

/// A server that grants everything correctly, with serials counting up from 1.
pub fn honest() -> Scripted {
    let serial = Mutex::new(0u64);
    Scripted::start(move |seen| {
        let mut s = serial.lock().unwrap();
        *s += 1;
        Some((200, lease_answer(seen, *s, |_| {})))
    })
}

pub fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}
