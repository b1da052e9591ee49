//! Bad input: every refusal is a 4xx whose message names the field, nothing is written, and
//! nothing makes the server answer 5xx or die.

mod common;

use common::{Server, created_id};
use serde_json::{Value, json};

/// Sends a request that must be refused with `status` and a message starting with `field`.
fn refused(server: &Server, method: &str, controller: &str, body: Value, status: u16, field: &str) {
    let (got, answer) = server.call(method, controller, "read_write", &body);
    assert_eq!(got, status, "{method} {controller} {body}: {answer}");
    let message = answer["error"].as_str().unwrap_or_else(|| panic!("no error message: {answer}"));
    assert!(
        message.to_ascii_lowercase().starts_with(field),
        "{method} {controller} {body}: {message:?} should name {field}"
    );
}

fn product(server: &Server) -> String {
    created_id(&server.ok(
        "POST",
        "Product",
        &json!({"productname": "P", "featuregroups": [{"featuregroupname": "G"}],
                "features": [{"featurecode": "F1", "featurename": "f", "notes": "n"},
                             {"featurecode": "POOL", "featurename": "p", "notes": "n", "featuretype": "elementpool"}],
                "udfvalues": [{"fieldname": "U1"}]}),
    ))
}

#[test]
fn product_limits_and_types() {
    let server = Server::start();
    let p = product(&server);
    let base = || json!({"productname": "New"});
    let with = |field: &str, value: Value| {
        let mut body = base();
        body[field] = value;
        body
    };
    refused(&server, "POST", "Product", json!({}), 400, "productname");
    refused(&server, "POST", "Product", with("clientsallowed", json!(0)), 400, "clientsallowed");
    refused(&server, "POST", "Product", with("clientsallowed", json!("50001")), 400, "clientsallowed");
    refused(&server, "POST", "Product", with("clientsallowed", json!([1])), 400, "clientsallowed");
    refused(&server, "POST", "Product", with("clientleaseperiod", json!(8761)), 400, "clientleaseperiod");
    refused(&server, "POST", "Product", with("vmleaseperiod", json!(501)), 400, "vmleaseperiod");
    refused(
        &server,
        "POST",
        "Product",
        with("clientofflineleaseperiod", json!(501)),
        400,
        "clientofflineleaseperiod",
    );
    refused(&server, "POST", "Product", with("licensetype", json!("forever")), 400, "licensetype");
    refused(&server, "POST", "Product", with("intrial", json!("maybe")), 400, "intrial");
    refused(
        &server,
        "POST",
        "Product",
        with("licensetype", json!("subscriptionperiod")),
        400,
        "subscriptionperiod",
    );
    refused(
        &server,
        "POST",
        "Product",
        with("licensetype", json!("expirationdate")),
        400,
        "subscriptionenddate",
    );
    refused(
        &server,
        "POST",
        "Product",
        with("subscriptionenddate", json!("2021-02-30")),
        400,
        "subscriptionenddate",
    );
    refused(&server, "POST", "Product", with("productname", json!("x".repeat(256))), 400, "productname");
    refused(&server, "POST", "Product", with("productname", json!("p")), 409, "productname");
    let feature = |extra: Value| {
        let mut f = json!({"featurecode": "A", "featurename": "a", "notes": "n"});
        f.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        with("features", json!([{"featurecode": "OK", "featurename": "ok", "notes": "n"}, f]))
    };
    refused(
        &server,
        "POST",
        "Product",
        feature(json!({"featuretype": "gold"})),
        400,
        "features: featuretype",
    );
    refused(&server, "POST", "Product", feature(json!({"notes": null})), 400, "features: notes");
    refused(
        &server,
        "POST",
        "Product",
        feature(json!({"featuretype": "floating", "availableintrials": true})),
        400,
        "availableintrials",
    );
    refused(&server, "POST", "Product", feature(json!({"featurecode": "ok"})), 400, "features: featurecode");
    // The unknown group is found in the transaction, after the product row was inserted:
    // nothing of it may remain.
    refused(
        &server,
        "POST",
        "Product",
        feature(json!({"featuregroupname": "nope"})),
        404,
        "featuregroupname",
    );
    assert_eq!(
        server.ok("GET", "Products", &json!({})).as_array().unwrap().len(),
        1,
        "no product was written"
    );

    refused(&server, "PUT", "Product", json!({"productid": "123"}), 404, "productid");
    refused(
        &server,
        "PUT",
        "Product",
        json!({"productid": p, "subscriptionperiod": 10}),
        400,
        "subscriptionperiod",
    );
    refused(
        &server,
        "PUT",
        "Product",
        json!({"productid": p, "licensetype": "subscriptionperiod", "subscriptionperiod": 5001}),
        400,
        "subscriptionperiod",
    );
    refused(&server, "PUT", "Product", json!({"productid": p, "clientsallowed": -1}), 400, "clientsallowed");
    refused(&server, "GET", "Product", json!({}), 400, "productid");
    refused(&server, "POST", "ProductFeatures", json!({"productid": p}), 400, "features");
    refused(
        &server,
        "POST",
        "ProductFeatures",
        json!({"productid": p, "features": [{"featurecode": "F1", "featurename": "x", "notes": "n"}]}),
        409,
        "featurecode",
    );
    refused(
        &server,
        "PUT",
        "ProductFeatures",
        json!({"productid": p, "features": [{"featurecode": "NOPE"}]}),
        404,
        "featurecode",
    );
    refused(
        &server,
        "PUT",
        "ProductFeatures",
        json!({"productid": p, "features": [{"featurecode": "POOL", "availableintrials": "true"}]}),
        400,
        "availableintrials",
    );
    refused(
        &server,
        "DELETE",
        "ProductFeatureGroups",
        json!({"productid": p, "featuregroupname": "nope"}),
        404,
        "featuregroupname",
    );
    refused(
        &server,
        "POST",
        "ProductFeatureGroups",
        json!({"productid": p, "featuregroups": [{"featuregroupname": "g"}]}),
        409,
        "featuregroupname",
    );
    refused(
        &server,
        "POST",
        "ProductUDF",
        json!({"productid": p, "udfvalues": [{"fieldname": "A"}, {"fieldname": "a"}]}),
        400,
        "udfvalues",
    );
    refused(&server, "DELETE", "ProductUDF", json!({"productid": p, "fieldname": "nope"}), 404, "fieldname");
}

#[test]
fn profiles_codes_and_the_rest() {
    let server = Server::start();
    let p = product(&server);
    let profile = |extra: Value| {
        let mut body = json!({"productid": p, "profilename": "Pro"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    refused(&server, "POST", "Profile", profile(json!({"heartbeat": 4})), 400, "heartbeat");
    refused(&server, "POST", "Profile", profile(json!({"heartbeat": "1441"})), 400, "heartbeat");
    refused(&server, "POST", "Profile", profile(json!({"networkseats": -1})), 400, "networkseats");
    refused(&server, "POST", "Profile", profile(json!({"concurrencymode": "lan"})), 400, "concurrencymode");
    refused(&server, "POST", "Profile", profile(json!({"enabledforuse": "yes"})), 400, "enabledforuse");
    refused(
        &server,
        "POST",
        "Profile",
        profile(json!({"features": [{"featurecode": "NOPE", "featureavailability": "on"}]})),
        404,
        "featurecode",
    );
    refused(
        &server,
        "POST",
        "Profile",
        profile(
            json!({"serverfunctions": [{"functionname": "LTCO", "enabled": "on", "parametervalue": "-1"}]}),
        ),
        400,
        "serverfunctions",
    );
    assert_eq!(server.ok("GET", "Profiles", &json!({})), 0, "no profile was written");
    server.ok("POST", "Profile", &profile(json!({})));
    refused(&server, "POST", "Profile", profile(json!({})), 409, "profilename");
    refused(&server, "GET", "Profiles", json!({"pagenumber": 1, "pagesize": 10001}), 400, "pagesize");

    let codes = created_id(&server.ok("POST", "LicenseCode", &json!({"productid": p, "numcodes": 2})));
    let code = codes.split(',').next().unwrap().to_owned();
    refused(
        &server,
        "POST",
        "LicenseCode",
        json!({"productid": "0000000000", "numcodes": 1}),
        404,
        "productid",
    );
    refused(&server, "POST", "LicenseCode", json!({"productid": p}), 400, "numcodes");
    refused(&server, "POST", "LicenseCode", json!({"productid": p, "numcodes": 0}), 400, "numcodes");
    refused(&server, "POST", "LicenseCode", json!({"productid": p, "numcodes": 10001}), 400, "numcodes");
    refused(
        &server,
        "POST",
        "LicenseCode",
        json!({"productid": p, "licensecodes": "A1,A1"}),
        400,
        "licensecodes",
    );
    refused(
        &server,
        "POST",
        "LicenseCode",
        json!({"productid": p, "licensecodes": "A1,bad code"}),
        400,
        "licensecodes",
    );
    refused(
        &server,
        "POST",
        "LicenseCode",
        json!({"productid": p, "licensecodes": format!("NEW1,{code}")}),
        409,
        "licensecodes",
    );
    refused(
        &server,
        "POST",
        "LicenseCode",
        json!({"productid": p, "numcodes": 1, "profilename": "nope"}),
        404,
        "profilename",
    );
    refused(
        &server,
        "POST",
        "LicenseCode",
        json!({"productid": p, "numcodes": 1, "companyid": 99}),
        404,
        "companyid",
    );
    assert_eq!(server.ok("GET", "LicenseCodes", &json!({})), 2, "no code was written");
    let (status, _) = server.call("GET", "LicenseCode", "read_only", &json!({"licensecode": "NEW1"}));
    assert_eq!(status, 404, "the import was all or nothing");

    refused(&server, "GET", "LicenseCode", json!({}), 400, "licensecode");
    refused(&server, "GET", "LicenseCode", json!({"licensecode": "123"}), 404, "licensecode");
    refused(&server, "GET", "LicenseCode", json!({"licensecode": code, "details": 2}), 400, "details");
    refused(
        &server,
        "GET",
        "LicenseCode",
        json!({"licensecode": code, "showfeatures": "some"}),
        400,
        "showfeatures",
    );
    let put = |extra: Value| {
        let mut body = json!({"productid": p, "licensecode": code});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    };
    refused(
        &server,
        "PUT",
        "LicenseCode",
        put(json!({"licensetype": "expirationdate"})),
        400,
        "subscriptionenddate",
    );
    refused(
        &server,
        "PUT",
        "LicenseCode",
        put(json!({"licensetype": "expirationdate", "subscriptionenddate": "reset"})),
        400,
        "subscriptionenddate",
    );
    refused(
        &server,
        "PUT",
        "LicenseCode",
        put(json!({"maintenanceenddate": "soon"})),
        400,
        "maintenanceenddate",
    );
    refused(
        &server,
        "PUT",
        "LicenseCode",
        put(json!({"notes": [{"type": "memo", "description": "x"}]})),
        400,
        "notes",
    );
    refused(&server, "PUT", "LicenseCode", put(json!({"inheritprofile": true})), 400, "inheritprofile");
    // A missing note is found after the other changes were applied in the transaction:
    // none of them may remain.
    refused(
        &server,
        "PUT",
        "LicenseCode",
        put(json!({"clientsallowed": 7, "notes": [{"type": "delete", "description": "42"}]})),
        404,
        "notes",
    );
    let c = &server.ok("GET", "LicenseCode", &json!({"licensecode": code}))[0];
    assert_eq!(c["clientsallowed"], 1, "the refused update wrote nothing");

    refused(&server, "GET", "LicenseCodes", json!({"company": "A", "companyid": 1}), 400, "company");
    refused(&server, "GET", "LicenseCodes", json!({"used": "sometimes"}), 400, "used");
    refused(&server, "GET", "NextLicenseCode", json!({"productid": p, "amount": 0}), 400, "amount");
    refused(&server, "GET", "Trials", json!({"trialStatus": "running"}), 400, "trialstatus");
    refused(&server, "GET", "Trials", json!({"expiresBefore": "yesterday"}), 400, "expiresbefore");
    refused(&server, "GET", "Trial", json!({"productid": p}), 400, "computerid");
    refused(
        &server,
        "GET",
        "LicenseCodeActivity",
        json!({"productid": p, "licensecode": "1"}),
        404,
        "licensecode",
    );
    refused(
        &server,
        "POST",
        "ConsumerData",
        json!({"productid": p, "computerid": "C", "clientinfo": "not json"}),
        400,
        "clientinfo",
    );
    refused(&server, "POST", "ConsumerData", json!({"productid": p, "clientinfo": {}}), 400, "computerid");
    refused(
        &server,
        "POST",
        "ConsumerData",
        json!({"productid": p, "computerid": "C", "clientinfo": {}, "licensecode": "1"}),
        404,
        "licensecode",
    );
    refused(&server, "GET", "Company", json!({"companyid": "abc"}), 400, "companyid");
    refused(&server, "GET", "Company", json!({"companyid": 5}), 404, "companyid");
    refused(&server, "POST", "Company", json!({"productid": p}), 400, "company");
    refused(
        &server,
        "POST",
        "Company",
        json!({"company": "C", "productid": p, "companydata": [1]}),
        400,
        "companydata",
    );
    refused(&server, "PUT", "LicenseNote", json!({"productid": p, "licensecode": code}), 400, "noteid");
    refused(
        &server,
        "POST",
        "LicenseNote",
        json!({"productid": p, "licensecode": code, "type": "private", "description": "x"}),
        400,
        "type",
    );
}

#[test]
fn malformed_and_oversized_bodies() {
    let server = Server::start();
    let auth = server.bearer("read_write");
    for body in [&b"{"[..], b"[1, 2]", b"\"text\"", b"{\"productname\": }", b"\xff\xfe"] {
        let (status, answer) = server.raw("POST", "/api/Product", Some(&auth), body);
        assert_eq!(status, 400, "{body:?}: {answer}");
        assert!(answer["error"].as_str().unwrap().starts_with("malformed JSON body"), "{answer}");
    }
    let (status, answer) =
        server.raw("POST", "/api/Product", Some(&auth), br#"{"productname": "a", "ProductName": "b"}"#);
    assert_eq!(status, 400);
    assert!(answer["error"].as_str().unwrap().starts_with("productname"), "{answer}");
    // An oversized body is refused from its Content-Length, before it is read (a client
    // library would see the connection close under its upload, so this one speaks HTTP).
    let addr = server.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let head = format!(
        "POST /api/Product HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\nContent-Length: {}\r\n\r\n",
        2 * 1024 * 1024
    );
    std::io::Write::write_all(&mut stream, head.as_bytes()).unwrap();
    let mut response = String::new();
    let mut reader = std::io::BufReader::new(stream);
    std::io::BufRead::read_line(&mut reader, &mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    // Query parameters work as well as bodies, and fields keep their meaning there.
    let (status, answer) = server.raw("GET", "/api/LicenseCodes?pagenumber=x", Some(&auth), b"");
    assert_eq!(status, 400);
    assert!(answer["error"].as_str().unwrap().starts_with("pagenumber"), "{answer}");
    let (status, answer) = server.raw("GET", "/api/LicenseCodes?pageNumber=0", Some(&auth), b"");
    assert_eq!((status, answer), (200, json!(0)));
    // After all of it the server still answers.
    assert_eq!(server.ok("GET", "Products", &json!({})), json!([]));
}
