//! A field an endpoint does not read is refused with a 400 naming it (and the known field it
//! is probably a typo of), in the body, in list items and in the query string, for every
//! endpoint family; nothing is written. The seed's spellings in any case stay accepted.

mod common;

use common::Server;
use common::licensing::{code, product};
use serde_json::{Value, json};

/// Sends a request that must be refused as naming unknown fields, with exactly `message`.
fn refused(server: &Server, method: &str, controller: &str, body: Value, message: &str) {
    let (status, answer) = server.call(method, controller, "read_write", &body);
    assert_eq!(status, 400, "{method} {controller} {body}: {answer}");
    assert_eq!(answer["error"].as_str(), Some(message), "{method} {controller} {body}");
}

#[test]
fn products_features_groups_and_udfs() {
    let server = Server::start();
    // The bug that started it: a misspelt seat count made a 1-seat product.
    refused(
        &server,
        "POST",
        "Product",
        json!({"productname": "P", "clientsalowed": 5}),
        "unknown field: clientsalowed (did you mean clientsallowed?)",
    );
    refused(
        &server,
        "POST",
        "Product",
        json!({"productname": "P", "features": [{"featurecode": "A", "featurename": "a", "notes": "n",
                                                 "featuretyp": "floating"}]}),
        "unknown field: features[0].featuretyp (did you mean featuretype?)",
    );
    assert_eq!(server.ok("GET", "Products", &json!({})), json!([]), "nothing was created");

    // Any case of a known name is accepted, as the seed's clients send them.
    let p = product(&server, json!({"ClientsAllowed": 3, "clientLeasePeriod": 2}));
    assert_eq!(server.ok("GET", "Product", &json!({"productId": p}))[0]["clientsAllowed"], json!(3));
    // PUT Product does not read intrial (POST does): refused, not ignored.
    refused(
        &server,
        "PUT",
        "Product",
        json!({"productid": p, "intrial": true, "clientsallowed": 9}),
        "unknown field: intrial",
    );
    refused(
        &server,
        "GET",
        "Product",
        json!({"productid": p, "colour": "red", "prodcutid": 1}),
        "unknown fields: colour, prodcutid (did you mean productid?)",
    );
    assert_eq!(server.ok("GET", "Product", &json!({"productid": p}))[0]["clientsAllowed"], json!(3));

    refused(
        &server,
        "POST",
        "ProductFeatures",
        json!({"productid": p, "features": [{"featurecode": "A", "featurename": "a", "notes": "n", "limit": 1}]}),
        "unknown field: features[0].limit",
    );
    refused(
        &server,
        "POST",
        "ProductFeatureGroups",
        json!({"productid": p, "featuregroups": [{"featuregroupname": "G", "note": "x"}]}),
        "unknown field: featuregroups[0].note (did you mean notes?)",
    );
    refused(
        &server,
        "POST",
        "ProductUDF",
        json!({"productid": p, "udfvalues": [{"fieldname": "U", "defaultvalu": "x"}]}),
        "unknown field: udfvalues[0].defaultvalu (did you mean defaultvalue?)",
    );
    refused(
        &server,
        "DELETE",
        "ProductFeatures",
        json!({"productid": p, "featurecod": "A"}),
        "unknown field: featurecod (did you mean featurecode?)",
    );
    let product = &server.ok("GET", "Product", &json!({"productid": p}))[0];
    assert_eq!((product["features"].clone(), product["udfValues"].clone()), (json!([]), json!([])));
}

#[test]
fn license_codes_profiles_and_notes() {
    let server = Server::start();
    let p = product(&server, json!({"features": [{"featurecode": "F", "featurename": "f", "notes": "n"}]}));
    refused(
        &server,
        "POST",
        "LicenseCode",
        json!({"productid": p, "numcode": 3}),
        "unknown field: numcode (did you mean numcodes?)",
    );
    assert_eq!(server.ok("GET", "LicenseCodes", &json!({"productid": p})), json!(0), "no code was allocated");
    let c = code(&server, &p, json!({}));
    refused(
        &server,
        "PUT",
        "LicenseCode",
        json!({"productid": p, "licensecode": c, "clientsallowed": 7,
               "features": [{"featurecode": "F", "featureavailabilty": "off"}]}),
        "unknown field: features[0].featureavailabilty (did you mean featureavailability?)",
    );
    let got = server.ok("GET", "LicenseCode", &json!({"productid": p, "licensecode": c}));
    assert_eq!(got[0]["clientsallowed"], json!(1), "the refused PUT changed nothing: {got}");
    refused(
        &server,
        "GET",
        "LicenseCodes",
        json!({"productid": p, "pagenumbr": 1}),
        "unknown field: pagenumbr (did you mean pagenumber?)",
    );
    refused(
        &server,
        "GET",
        "NextLicenseCode",
        json!({"productid": p, "amout": 2}),
        "unknown field: amout (did you mean amount?)",
    );

    refused(
        &server,
        "POST",
        "Profile",
        json!({"productid": p, "profilename": "Pro", "heartbeet": 10}),
        "unknown field: heartbeet (did you mean heartbeat?)",
    );
    assert_eq!(server.ok("GET", "Profiles", &json!({"productid": p})), json!(0));
    refused(
        &server,
        "POST",
        "LicenseNote",
        json!({"productid": p, "licensecode": c, "type": "general",
        "descripton": "x"}),
        "unknown field: descripton (did you mean description?)",
    );
    assert_eq!(server.ok("GET", "LicenseNote", &json!({"productid": p, "licensecode": c})), json!([]));
}

#[test]
fn activity_trials_consumers_companies_and_licensing() {
    let server = Server::start();
    let p = product(&server, json!({}));
    let c = code(&server, &p, json!({}));
    refused(
        &server,
        "GET",
        "LicenseCodeActivity",
        json!({"productid": p, "licensecode": c, "activate": 1}),
        "unknown field: activate (did you mean activated?)",
    );
    refused(
        &server,
        "GET",
        "Trials",
        json!({"productid": p, "converted": true, "trialstatu": "expired"}),
        "unknown field: trialstatu (did you mean trialstatus?)",
    );
    refused(
        &server,
        "POST",
        "ConsumerData",
        json!({"productid": p, "computerid": "PC1",
        "clientinfo": {"firstname": "A"}, "licencecode": c}),
        "unknown field: licencecode (did you mean licensecode?)",
    );
    assert_eq!(server.ok("GET", "ConsumerData", &json!({"productid": p})), json!(0));
    refused(
        &server,
        "POST",
        "Company",
        json!({"productid": p, "company": "Acme", "serach1": "x"}),
        "unknown field: serach1 (did you mean search1?)",
    );
    assert_eq!(server.ok("GET", "CompaniesProducts", &json!({})), json!([]));
    refused(
        &server,
        "POST",
        "PassiveLicense",
        json!({"productid": p, "clientid": "CLIENT-0001", "udfvalues":
        [{"fieldname": "U", "value": "x"}]}),
        "unknown field: udfvalues[0].value",
    );
    refused(
        &server,
        "GET",
        "OfflineActivation",
        json!({"productid": p, "activationcertificat": "x"}),
        "unknown field: activationcertificat (did you mean activationcertificate?)",
    );
    // JSON metadata is free-form: its inner names are not fields.
    server.ok(
        "POST",
        "ConsumerData",
        &json!({"productid": p, "computerid": "PC1",
        "clientinfo": {"firstname": "A", "anything": {"goes": 1}}}),
    );
}

#[test]
fn query_string_fields_are_checked_too() {
    let server = Server::start();
    let p = product(&server, json!({}));
    let auth = server.bearer("read_write");
    let (status, answer) =
        server.raw("GET", &format!("/api/Product?productId={p}&verbose=1"), Some(&auth), b"");
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"], json!("unknown field: verbose"));
    let (status, answer) = server.raw("GET", &format!("/api/Product?ProductID={p}"), Some(&auth), b"");
    assert_eq!(status, 200, "{answer}");
}
