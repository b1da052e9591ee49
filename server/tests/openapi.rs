//! `/api/openapi.json` is served without a key and is the committed document.

mod common;

use common::Server;

#[test]
fn the_reference_is_served_without_a_key() {
    let server = Server::start();
    let (status, served) = server.raw("GET", "/api/openapi.json", None, b"");
    assert_eq!(status, 200);
    let committed: serde_json::Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
    assert_eq!(served, committed);
    assert_eq!(served["openapi"], "3.0.3");
    // Other controllers still need their key.
    assert_eq!(server.raw("GET", "/api/Products", None, b"").0, 401);
}
