//! Air-gapped licensing helpers: clients without a server URL, and the vendor's side of the
//! file exchange through the Web API.

use std::path::Path;

use licensekit::protocol::offline::DeactivationCertificate;
use licensekit::protocol::{Envelope, Kind, SigningKey};
use licensekit::{Client, Config};
use serde_json::{Value, json};

use super::Server;

/// A client of `product` that never talks to a server (no server URL), with its own store
/// (and so, in a container, its own computer ID).
pub fn air_gapped(server: &Server, product: &str, store: &Path) -> Client {
    air_gapped_with(server, product, store, |_| {})
}

/// [`air_gapped`] with extra configuration (a client ID).
pub fn air_gapped_with(
    server: &Server,
    product: &str,
    store: &Path,
    configure: impl FnOnce(&mut Config),
) -> Client {
    let mut config = Config::new(product).unwrap();
    config.add_public_key(&server.public_key).unwrap();
    config.set_store_dir(store).unwrap();
    // A computer of its own, simulated under its store: two stores are two computers.
    config.set_machine_root(store.join("computer")).unwrap();
    config.set_app_version("3.0", "7", "AIR").unwrap();
    configure(&mut config);
    Client::new(config).unwrap()
}

/// GET OfflineActivation with a key kind: (status, answer).
pub fn certificate_as(server: &Server, kind: &str, product: &str, request: &str) -> (u16, Value) {
    server.call(
        "GET",
        "OfflineActivation",
        kind,
        &json!({"productid": product, "activationcertificate": request}),
    )
}

/// GET OfflineActivation with the Offline key, expecting a certificate.
pub fn certificate(server: &Server, product: &str, request: &str) -> String {
    let (status, answer) = certificate_as(server, "offline", product, request);
    assert_eq!(status, 200, "{answer}");
    answer.as_str().unwrap().to_owned()
}

/// DELETE OfflineActivation with the Offline key: (status, answer).
pub fn deactivate(server: &Server, product: &str, certificate: &str) -> (u16, Value) {
    server.call(
        "DELETE",
        "OfflineActivation",
        "offline",
        &json!({"productid": product, "deactivationcertificate": certificate}),
    )
}

/// A deactivation certificate for `fields` signed by `key` (whoever that is).
pub fn signed_deactivation(key: &SigningKey, fields: &DeactivationCertificate) -> String {
    let payload = serde_json::to_vec(fields).unwrap();
    Envelope::sign(key, Kind::DeactivationCertificate, &payload).unwrap().to_armoured()
}

/// The payload of an envelope, unverified (the test knows where it came from).
pub fn payload_of(text: &str) -> Vec<u8> {
    use base64::Engine;
    let compact = Envelope::parse(text).unwrap().to_compact();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(compact.split('.').nth(3).unwrap()).unwrap()
}

/// The activity of a code as `GET LicenseCodeActivity` lists it.
pub fn activity(server: &Server, product: &str, code: &str) -> Vec<Value> {
    server
        .ok("GET", "LicenseCodeActivity", &json!({"productid": product, "licensecode": code}))
        .as_array()
        .unwrap()
        .clone()
}
