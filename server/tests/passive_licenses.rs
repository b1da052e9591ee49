//! Passive licenses through the Web API with the real client: bound to a client ID, with the
//! product's or a profile's features and UDFs and the vendor's choices, used with no server.

mod common;

use common::licensing::product;
use common::offline::{air_gapped, air_gapped_with, payload_of};
use common::{Server, created_id};
use licensekit::Status;
use licensekit::protocol::Kind;
use licensekit::protocol::offline::PassiveLicense;
use serde_json::{Value, json};

const CREATED: &str = "Passive License Created Successfully.\n";

fn passive(server: &Server, body: Value) -> (u16, Value) {
    server.call("POST", "PassiveLicense", "read_write", &body)
}

/// The license text of a successful answer.
fn license_of(answer: &Value) -> String {
    let text = answer.as_str().unwrap_or_else(|| panic!("{answer}"));
    text.strip_prefix(CREATED).unwrap_or_else(|| panic!("{text}")).to_owned()
}

fn cad(server: &Server) -> String {
    product(
        server,
        json!({"features": [{"featurecode": "EXPORT", "featurename": "Export", "notes": "n"},
                            {"featurecode": "RENDER", "featurename": "Render", "notes": "n"},
                            {"featurecode": "SEATS", "featurename": "Seats", "notes": "n", "featuretype": "floating"}],
               "udfvalues": [{"fieldname": "EDITION", "defaultvalue": "pro"},
                             {"fieldname": "COLOUR", "defaultvalue": "blue"}]}),
    )
}

#[test]
fn a_passive_license_works_on_its_machine_only_without_a_server() {
    let server = Server::start();
    let product = cad(&server);
    server.ok(
        "POST",
        "Profile",
        &json!({"productid": product, "profilename": "Yearly", "enabledforuse": true,
                "licensetype": "subscriptionperiod", "subscriptionperiod": 365,
                "features": [{"featurecode": "RENDER", "featureavailability": "off"},
                             {"featurecode": "EXPORT", "featureavailability": "off"},
                             {"featurecode": "SEATS", "limit": 4}],
                "udfvalues": [{"fieldname": "COLOUR", "defaultvalue": "green"}]}),
    );
    let company =
        created_id(&server.ok("POST", "Company", &json!({"productid": product, "company": "Acme"})));
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = air_gapped(&server, &product, dir_a.path());
    let b = air_gapped(&server, &product, dir_b.path());

    let (status, answer) = passive(
        &server,
        json!({"productid": product, "clientid": a.computer_id(), "profilename": "Yearly", "companyid": company,
               "features": [{"featurecode": "EXPORT"}],
               "udfValues": [{"fieldname": "EDITION", "defaultvalue": "site"}]}),
    );
    assert_eq!(status, 200, "{answer}");
    let license = license_of(&answer);
    assert!(license.starts_with("-----BEGIN LICENSEKIT PASSIVE LICENSE-----"), "{license}");
    let signed: PassiveLicense = serde_json::from_slice(&payload_of(&license)).unwrap();
    assert_eq!(signed.client_id, a.computer_id());
    assert_eq!((signed.company.as_deref(), signed.profile.as_deref()), (Some("Acme"), Some("Yearly")));
    let year = signed.expires.unwrap() - signed.issued_at;
    assert_eq!(year, 365 * 86_400);
    let seats = signed.features.iter().find(|f| f.code == "SEATS").unwrap();
    assert_eq!(seats.limit, Some(4));

    // The machine it is for: features, UDFs and status, no server configured.
    a.import_certificate(&license).unwrap();
    assert_eq!(a.status(), Status::Ok);
    assert_eq!(a.license().unwrap().kind(), Kind::PassiveLicense);
    assert_eq!(a.feature_enabled("EXPORT"), Status::Ok, "switched on by the request");
    assert_eq!(a.feature_enabled("RENDER"), Status::FeatureNotEnabled, "off in the profile");
    assert_eq!(a.udf_value("EDITION").unwrap(), "site");
    assert_eq!(a.udf_value("COLOUR").unwrap(), "green");
    // Another machine refuses it, and stays unlicensed.
    assert_eq!(b.import_certificate(&license), Err(Status::WrongMachine));
    assert_eq!(b.status(), Status::NotActivated);
    // A passive license is not an activation certificate: it takes no seat, records no activity.
    assert_eq!(server.ok("GET", "ActivatedLicenseCodes", &json!({"computerid": a.computer_id()})), json!([]));

    // An application's own client ID; without a profile the product's settings apply.
    let dir_c = tempfile::tempdir().unwrap();
    let c = air_gapped_with(&server, &product, dir_c.path(), |config| {
        config.set_client_id("customer-0042@acme").unwrap()
    });
    let (status, answer) = passive(&server, json!({"productid": product, "clientid": "customer-0042@acme"}));
    assert_eq!(status, 200, "{answer}");
    let license = license_of(&answer);
    let later: PassiveLicense = serde_json::from_slice(&payload_of(&license)).unwrap();
    assert!(later.serial > signed.serial, "serials only go up");
    assert_eq!((later.expires, later.company, later.profile), (None, None, None));
    c.import_certificate(&license).unwrap();
    assert_eq!(c.feature_enabled("RENDER"), Status::Ok);
    assert_eq!(c.udf_value("COLOUR").unwrap(), "blue");
}

#[test]
fn bad_passive_requests_are_refused_naming_the_field() {
    let server = Server::start();
    let product = cad(&server);
    let base = json!({"productid": product, "clientid": "ABCDEFGHIJ0123456789"});
    let with = |field: &str, value: Value| {
        let mut body = base.clone();
        body[field] = value;
        body
    };
    for (body, status, field) in [
        (with("clientid", json!("short")), 400, "clientid"),
        (with("clientid", json!("x".repeat(256))), 400, "clientid"),
        (with("clientid", json!("has a space")), 400, "clientid"),
        (with("clientid", json!(null)), 400, "clientid"),
        (with("productid", json!("999")), 404, "productid"),
        (with("profilename", json!("Nope")), 404, "profilename"),
        (with("companyid", json!(77)), 404, "companyid"),
        (with("companyid", json!("x")), 400, "companyid"),
        (with("features", json!([{"featurecode": "NOPE"}])), 404, "features"),
        (with("features", json!([{"featurecode": "EXPORT"}, {"featurecode": "export"}])), 400, "features"),
        (with("features", json!([{}])), 400, "features[0]"),
        (with("udfvalues", json!([{"fieldname": "NOPE", "defaultvalue": "x"}])), 404, "udfvalues"),
    ] {
        let (got, answer) = passive(&server, body.clone());
        assert_eq!(got, status, "{body}: {answer}");
        assert!(answer["error"].as_str().unwrap().starts_with(field), "{body}: {answer}");
    }
    // Only READ-WRITE keys may create them.
    assert_eq!(server.call("POST", "PassiveLicense", "offline", &base).0, 403);
    assert_eq!(server.call("POST", "PassiveLicense", "read_only", &base).0, 403);
    let (status, answer) =
        passive(&server, json!({"productid": product, "clientid": "ABCDEFGHIJ", "profilename": "default"}));
    assert_eq!(status, 200, "'default' is no profile: {answer}");
}
