//! Authentication: every controller and verb of seed 003 with every key kind, and without
//! valid credentials. The expected access is written out here from the seed's "Accessible
//! API Keys" lines, independently of the server's own table.

mod common;

use common::Server;
use serde_json::json;

const RO: &str = "read_only";
const RW: &str = "read_write";
const OFF: &str = "offline";
const DS: &str = "ds";
const KINDS: [&str; 4] = [RO, RW, OFF, DS];

/// (controller, verb, key kinds allowed) for every row of the seed.
fn seed_table() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    let read = || vec![RO, RW];
    let write = || vec![RW];
    vec![
        ("LicenseCode", "GET", read()),
        ("LicenseCode", "POST", write()),
        ("LicenseCode", "PUT", write()),
        ("LicenseCodes", "GET", read()),
        ("Products", "GET", read()),
        ("Product", "GET", read()),
        ("Product", "POST", write()),
        ("Product", "PUT", write()),
        ("ProductFeatureGroups", "POST", write()),
        ("ProductFeatureGroups", "PUT", write()),
        ("ProductFeatureGroups", "DELETE", write()),
        ("ProductFeatures", "POST", write()),
        ("ProductFeatures", "PUT", write()),
        ("ProductFeatures", "DELETE", write()),
        ("ProductUDF", "POST", write()),
        ("ProductUDF", "PUT", write()),
        ("ProductUDF", "DELETE", write()),
        ("NextLicenseCode", "GET", read()),
        ("ActivatedLicenseCodes", "GET", read()),
        ("LicenseCodeActivity", "GET", read()),
        ("LicenseCodeActivity", "PUT", write()),
        ("LicenseCodeActivity", "DELETE", write()),
        ("PassiveLicense", "POST", write()),
        ("NetworkMasterLicense", "POST", write()),
        ("Profile", "GET", read()),
        ("Profile", "POST", write()),
        ("Profile", "PUT", write()),
        ("Profiles", "GET", read()),
        ("ConsumerData", "GET", read()),
        ("ConsumerData", "POST", write()),
        ("Trial", "GET", read()),
        ("Trial", "DELETE", write()),
        ("Trials", "GET", read()),
        ("OfflineActivation", "GET", vec![RO, RW, OFF]),
        ("OfflineActivation", "DELETE", vec![RW, OFF]),
        ("SystemDetails", "GET", read()),
        ("Company", "GET", read()),
        ("Company", "POST", write()),
        ("Company", "PUT", write()),
        ("Company", "DELETE", write()),
        ("CompanyID", "GET", read()),
        ("CompaniesProducts", "GET", read()),
        ("Group", "GET", read()),
        ("Group", "POST", write()),
        ("Group", "PUT", write()),
        ("Group", "DELETE", write()),
        ("GroupUser", "GET", read()),
        ("GroupUser", "POST", write()),
        ("GroupUser", "PUT", write()),
        ("GroupUser", "DELETE", write()),
        ("GroupUserPassword", "PUT", write()),
        ("GroupLicenseCode", "GET", read()),
        ("GroupLicenseCode", "POST", write()),
        ("GroupLicenseCode", "DELETE", write()),
        ("GroupUserLicense", "POST", write()),
        ("LicenseNote", "GET", read()),
        ("LicenseNote", "POST", write()),
        ("LicenseNote", "PUT", write()),
        ("LicenseNote", "DELETE", write()),
        ("AuthenticateUser", "GET", read()),
        ("DataStreamer", "POST", vec![DS]),
    ]
}

#[test]
fn every_controller_verb_and_key_kind() {
    let server = Server::start();
    // An empty body: allowed calls fail validation (400) or succeed without writing.
    let body = json!({});
    for (controller, verb, allowed) in seed_table() {
        for kind in KINDS {
            let (status, answer) = server.call(verb, controller, kind, &body);
            if allowed.contains(&kind) {
                assert!(
                    ![401, 403, 404, 405].contains(&status),
                    "{verb} {controller} with {kind} must be allowed, got {status} {answer}"
                );
            } else {
                assert_eq!(status, 403, "{verb} {controller} with {kind} must be forbidden: {answer}");
                assert!(answer["error"].as_str().unwrap().contains(kind), "{answer}");
            }
        }
        // Without valid credentials: always 401, whatever the verb.
        let path = format!("/api/{controller}");
        let secret = server.keys[RW].as_str().unwrap();
        let wrong_customer = format!("bearer 1{}:{secret}", server.customer);
        let wrong_key = format!("bearer {}:{}x", server.customer, secret);
        let no_scheme = format!("{}:{secret}", server.customer);
        for auth in [
            None,
            Some(wrong_customer.as_str()),
            Some(wrong_key.as_str()),
            Some(no_scheme.as_str()),
            Some("bearer"),
        ] {
            let (status, answer) = server.raw(verb, &path, auth, b"{}");
            assert_eq!(status, 401, "{verb} {controller} with {auth:?}: {answer}");
            assert!(answer["error"].is_string(), "{answer}");
        }
    }
}

#[test]
fn scheme_is_case_insensitive_and_routes_are_json() {
    let server = Server::start();
    let auth = format!("Bearer {}:{}", server.customer, server.keys[RO].as_str().unwrap());
    let (status, answer) = server.raw("GET", "/api/products", Some(&auth), b"");
    assert_eq!((status, answer), (200, json!([])), "controller names and the scheme ignore case");
    let (status, answer) = server.raw("GET", "/api/NoSuchController", Some(&auth), b"");
    assert_eq!(status, 404);
    assert!(answer["error"].as_str().unwrap().contains("NoSuchController"));
    let (status, answer) = server.raw("PATCH", "/api/Product", Some(&auth), b"{}");
    assert_eq!(status, 405);
    assert!(answer["error"].as_str().unwrap().contains("GET, POST, PUT"), "{answer}");
    let (status, _) = server.raw("GET", "/elsewhere", Some(&auth), b"");
    assert_eq!(status, 404);
}
