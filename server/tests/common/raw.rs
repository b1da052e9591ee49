//! The client protocol spoken by hand: installations that sign their own requests, posted
//! to the real server, answers verified with the vendor key.

use std::collections::BTreeMap;
use std::sync::Mutex;

use licensekit::Status;
use licensekit::machine::ComponentDigest;
use licensekit::protocol::Kind;
use licensekit::protocol::client_api::{AppInfo, ClientRequest, Lease, Operation, PATH_ACTIVATE, SeatLease};
use licensekit::protocol::{Envelope, PublicKey, SigningKey, from_slice_strict};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Server;
use super::licensing::now_secs;

/// One installation: a key, a computer and the code it uses, and the key ID of the server
/// it trusts.
pub struct Installation {
    pub key: SigningKey,
    pub product: String,
    pub code: Option<String>,
    pub computer: String,
    pub trusted_key: String,
}

/// The serial of the lease each installation key last received (as a client's store keeps
/// it), which its refreshes present; recorded by [`lease`].
static HELD: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());

/// The serial of the lease the installation with `key` last received.
pub fn held(key: &str) -> Option<u64> {
    HELD.lock().unwrap().get(key).copied()
}

/// The key ID (16 hex characters) of the server's signing key, as applications trust it.
pub fn key_id(server: &Server) -> String {
    PublicKey::from_hex(&server.public_key).unwrap().id().to_hex()
}

/// The component digests of `computer` as its client reports them: the same on every call
/// from that computer, different on every other one.
pub fn components(computer: &str) -> Vec<ComponentDigest> {
    let digest = |name: &str| hex::encode(Sha256::digest(format!("{name} of {computer}")))[..32].to_owned();
    ["machine-id", "dmi-product-uuid", "rootfs-uuid"]
        .into_iter()
        .map(|name| ComponentDigest { name: name.into(), digest: digest(name) })
        .collect()
}

pub fn hex32() -> String {
    hex::encode(SigningKey::generate().unwrap().public_key().to_bytes())[..32].to_owned()
}

impl Installation {
    /// An installation of `product` (and `code`) on `computer`, trusting `server`'s key.
    pub fn new(server: &Server, product: &str, code: Option<&str>, computer: &str) -> Installation {
        Installation {
            key: SigningKey::generate().unwrap(),
            product: product.to_owned(),
            code: code.map(str::to_owned),
            computer: computer.to_owned(),
            trusted_key: key_id(server),
        }
    }

    /// A fresh request for `operation`, as the library fills it: this computer's components,
    /// now, the trusted key, and on a refresh the serial of the lease last received.
    pub fn request(&self, operation: Operation) -> ClientRequest {
        ClientRequest {
            operation,
            product_id: self.product.clone(),
            license_code: self.code.clone(),
            computer_id: self.computer.clone(),
            components: components(&self.computer),
            installation_key: self.key.public_key().to_hex(),
            request_id: hex32(),
            nonce: hex32(),
            client_time: now_secs(),
            vm_platform: "Physical".into(),
            system_details: None,
            app: AppInfo::default(),
            feature: None,
            amount: None,
            seat_id: None,
            checkout_days: None,
            trusted_keys: vec![self.trusted_key.clone()],
            // An installation that never received a lease (someone else's key) presents 0.
            held_serial: (operation == Operation::Refresh)
                .then(|| held(&self.key.public_key().to_hex()).unwrap_or(0)),
            handover: None,
            network_daemon: false,
            seats_in_use: Vec::new(),
            events: Vec::new(),
            user: None,
            journal: Vec::new(),
        }
    }
}

/// The HTTP body of a request signed by `key`.
pub fn body(key: &SigningKey, request: &ClientRequest) -> Vec<u8> {
    let payload = serde_json::to_vec(request).unwrap();
    let envelope = Envelope::sign(key, Kind::ClientRequest, &payload).unwrap();
    json!({"request": envelope.to_compact()}).to_string().into_bytes()
}

pub fn post(server: &Server, path: &str, body: &[u8]) -> (u16, Value) {
    server.raw("POST", path, None, body)
}

/// Posts and expects a lease, which it verifies with the vendor key and returns with its
/// text; its serial becomes the one its installation holds.
pub fn lease(server: &Server, path: &str, body: &[u8]) -> (Lease, String) {
    let (status, answer) = post(server, path, body);
    assert_eq!(status, 200, "{path}: {answer}");
    let text = answer["lease"].as_str().unwrap().to_owned();
    let envelope = Envelope::parse(&text).unwrap();
    let key = PublicKey::from_hex(&server.public_key).unwrap();
    let kind = envelope.kind();
    let lease: Lease = from_slice_strict(envelope.verify_with(&key, kind).unwrap()).unwrap();
    HELD.lock().unwrap().insert(lease.installation_key.clone(), lease.serial);
    (lease, text)
}

/// Asserts a refusal: the HTTP status and the licensekit status in the body.
pub fn refused(server: &Server, path: &str, body: &[u8], http: u16, status: Status) {
    let (code, answer) = post(server, path, body);
    assert_eq!(code, http, "{path}: {answer}");
    assert_eq!(answer["status"], status as u32, "{path}: {answer}");
    assert_eq!(answer["name"], status.name().to_str().unwrap(), "{path}: {answer}");
    assert!(!answer["message"].as_str().unwrap().is_empty());
}

/// An installation of `code` on `computer`, activated.
pub fn activated(server: &Server, product: &str, code: &str, computer: &str) -> Installation {
    let me = Installation::new(server, product, Some(code), computer);
    lease(server, PATH_ACTIVATE, &body(&me.key, &me.request(Operation::Activate)));
    me
}

impl Installation {
    /// A capacity request: `operation` on `feature`, with an amount or a seat ID.
    pub fn capacity(
        &self,
        operation: Operation,
        feature: Option<&str>,
        amount: Option<u64>,
        seat_id: Option<&str>,
    ) -> Vec<u8> {
        let mut request = self.request(operation);
        request.feature = feature.map(str::to_owned);
        request.amount = amount;
        request.seat_id = seat_id.map(str::to_owned);
        body(&self.key, &request)
    }
}

/// Posts and expects a seat lease, verified with the vendor key and returned with its text.
pub fn seat(server: &Server, path: &str, body: &[u8]) -> (SeatLease, String) {
    let (status, answer) = post(server, path, body);
    assert_eq!(status, 200, "{path}: {answer}");
    assert!(answer.get("lease").is_none() && answer.get("remaining").is_none(), "{answer}");
    let text = answer["seat"].as_str().unwrap().to_owned();
    (verify_seat(server, &text), text)
}

/// The seat lease in a `floating-seat` envelope signed by the server's vendor key.
pub fn verify_seat(server: &Server, text: &str) -> SeatLease {
    let envelope = Envelope::parse(text).unwrap();
    let key = PublicKey::from_hex(&server.public_key).unwrap();
    from_slice_strict(envelope.verify_with(&key, Kind::FloatingSeat).unwrap()).unwrap()
}

/// Posts and expects the elements or tokens left.
pub fn remaining(server: &Server, path: &str, body: &[u8]) -> u64 {
    let (status, answer) = post(server, path, body);
    assert_eq!(status, 200, "{path}: {answer}");
    assert_eq!(answer.as_object().unwrap().len(), 1, "{answer}");
    answer["remaining"].as_u64().unwrap()
}

/// The `featureDetails` of a feature as `GET LicenseCode` shows them.
pub fn feature_details(server: &Server, product: &str, code: &str, feature: &str) -> Vec<String> {
    let answer = server.ok("GET", "LicenseCode", &json!({"productid": product, "licensecode": code}));
    let features = answer.pointer("/0/features").or_else(|| answer.get("features")).unwrap();
    let found = features.as_array().unwrap().iter().find(|f| f["featureCode"] == feature).unwrap();
    found["featureDetails"].as_array().unwrap().iter().map(|d| d.as_str().unwrap().to_owned()).collect()
}
