//! A Web API body that names a field twice is refused with a 400 naming the field, whether
//! the two are spelled alike or cased differently, at the top or inside a list, and nothing
//! is written: the server never picks one of two values for the caller.

mod common;

use common::Server;
use serde_json::json;

#[test]
fn a_field_given_twice_is_refused_however_it_is_cased() {
    let server = Server::start();
    let auth = server.bearer("read_write");
    let refused = |body: &str, field: &str| {
        let (status, answer) = server.raw("POST", "/api/Product", Some(&auth), body.as_bytes());
        assert_eq!(status, 400, "{body}: {answer}");
        let message = answer["error"].as_str().unwrap();
        assert!(message.starts_with(&format!("{field}: given more than once")), "{body}: {message}");
    };
    refused(r#"{"productname": "A", "productname": "B"}"#, "productname");
    refused(r#"{"productName": "A", "PRODUCTNAME": "B"}"#, "productname");
    refused(
        r#"{"productname": "A", "features": [{"featurecode": "F", "featurename": "f", "notes": "n",
            "FeatureCode": "G"}]}"#,
        "features[0].featurecode",
    );
    // Also in the query string against itself, and on a GET.
    let (status, answer) = server.raw("GET", "/api/LicenseCodes?pagenumber=1&PageNumber=2", Some(&auth), b"");
    assert_eq!(status, 400, "{answer}");
    assert!(answer["error"].as_str().unwrap().starts_with("pagenumber: given more than once"), "{answer}");
    assert_eq!(server.ok("GET", "Products", &json!({})), json!([]), "nothing was written");
    // The same fields once each are fine.
    server.ok("POST", "Product", &json!({"productName": "A"}));
}
