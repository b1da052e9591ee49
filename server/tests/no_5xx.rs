//! No input makes the server answer 5xx: every implemented controller and verb gets a valid
//! base request with one field at a time replaced by an awkward value (wrong types, huge
//! numbers, long strings, nested objects, impossible dates), and then every field at once.

mod common;

use common::{Server, created_id};
use serde_json::{Value, json};

const ENDPOINTS: &[(&str, &str)] = &[
    ("GET", "LicenseCode"),
    ("POST", "LicenseCode"),
    ("PUT", "LicenseCode"),
    ("GET", "LicenseCodes"),
    ("GET", "NextLicenseCode"),
    ("GET", "Products"),
    ("GET", "Product"),
    ("POST", "Product"),
    ("PUT", "Product"),
    ("POST", "ProductFeatureGroups"),
    ("PUT", "ProductFeatureGroups"),
    ("DELETE", "ProductFeatureGroups"),
    ("POST", "ProductFeatures"),
    ("PUT", "ProductFeatures"),
    ("DELETE", "ProductFeatures"),
    ("POST", "ProductUDF"),
    ("PUT", "ProductUDF"),
    ("DELETE", "ProductUDF"),
    ("GET", "ActivatedLicenseCodes"),
    ("GET", "LicenseCodeActivity"),
    ("PUT", "LicenseCodeActivity"),
    ("DELETE", "LicenseCodeActivity"),
    ("GET", "SystemDetails"),
    ("GET", "Profile"),
    ("POST", "Profile"),
    ("PUT", "Profile"),
    ("GET", "Profiles"),
    ("GET", "ConsumerData"),
    ("POST", "ConsumerData"),
    ("GET", "Trial"),
    ("DELETE", "Trial"),
    ("GET", "Trials"),
    ("GET", "LicenseNote"),
    ("POST", "LicenseNote"),
    ("PUT", "LicenseNote"),
    ("DELETE", "LicenseNote"),
    ("GET", "Company"),
    ("POST", "Company"),
    ("PUT", "Company"),
    ("DELETE", "Company"),
    ("GET", "CompanyID"),
    ("GET", "CompaniesProducts"),
    ("POST", "PassiveLicense"),
    ("GET", "OfflineActivation"),
    ("DELETE", "OfflineActivation"),
];

fn awkward() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(-1),
        json!(99999999999999999999u128 as f64),
        json!("99999999999999999999"),
        json!(1.5),
        json!("x".repeat(5000)),
        json!([]),
        json!([{"featurecode": [], "fieldname": {}, "type": 7}]),
        json!({"a": {"b": [1, 2, {"c": null}]}}),
        json!("reset"),
        json!("2021-02-30T25:61:61"),
        json!("'; DROP TABLE license_codes; --"),
        json!("\u{0}\u{ffff}"),
    ]
}

#[test]
fn awkward_fields_never_get_a_5xx() {
    let server = Server::start();
    let product = created_id(&server.ok(
        "POST",
        "Product",
        &json!({"productname": "P", "featuregroups": [{"featuregroupname": "G"}],
                "features": [{"featurecode": "F1", "featurename": "f", "notes": "n", "featuregroupname": "G"}],
                "udfvalues": [{"fieldname": "U1"}]}),
    ));
    server.ok("POST", "Profile", &json!({"productid": product, "profilename": "Pro"}));
    let company = created_id(&server.ok("POST", "Company", &json!({"productid": product, "company": "Co"})));
    let code = created_id(&server.ok("POST", "LicenseCode", &json!({"productid": product, "numcodes": 1})));
    let note = created_id(&server.ok(
        "POST",
        "LicenseNote",
        &json!({"productid": product, "licensecode": code, "type": "general", "description": "d"}),
    ));
    let base = json!({
        "productid": product, "licensecode": code, "profilename": "Pro", "computerid": "C1", "companyid": company,
        "noteid": note, "company": "Co", "featurecode": "F1", "fieldname": "U1", "featuregroupname": "G",
        "productname": "Q", "numcodes": 1, "type": "general", "description": "d", "clientinfo": {"a": 1},
        "features": [{"featurecode": "F1", "featurename": "f", "notes": "n"}],
        "udfvalues": [{"fieldname": "U1", "defaultvalue": "v"}],
        "featuregroups": [{"featuregroupname": "G"}],
        "notes": [{"type": "general", "description": "d"}],
        "serverfunctions": [{"functionname": "LTCO", "enabled": "on", "parametervalue": 1}],
        "pagenumber": 1, "pagesize": 10, "licensetype": "perpetual", "subscriptionperiod": 1,
        "subscriptionenddate": "2030-01-01", "maintenanceenddate": "2030-01-01", "heartbeat": 5,
        "amount": 1, "getsfs": 1, "details": 1, "startdate": "2020-01-01", "expiresbefore": "2040-01-01",
        "clientid": "ABCDEFGHIJ0123456789", "activationcertificate": "x", "deactivationcertificate": "x"
    });
    let fields: Vec<String> = base.as_object().unwrap().keys().cloned().collect();
    let values = awkward();
    let mut requests = 0;
    for (method, controller) in ENDPOINTS {
        let mut check = |body: &Value| {
            let (status, answer) = server.call(method, controller, "read_write", body);
            assert!(status < 500, "{method} {controller} {body}: {status} {answer}");
            requests += 1;
        };
        for field in &fields {
            for value in &values {
                let mut body = base.clone();
                body[field.as_str()] = value.clone();
                check(&body);
            }
        }
        for value in &values {
            let all: serde_json::Map<String, Value> =
                fields.iter().map(|f| (f.clone(), value.clone())).collect();
            check(&Value::Object(all));
        }
    }
    assert!(requests > 10_000, "{requests}");
    // And it still serves.
    assert!(server.ok("GET", "Products", &json!({})).is_array());
}
