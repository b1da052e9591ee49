//! The lists fill every item's features, UDFs and server functions with one statement for the
//! whole page (`store/queries/licensing.rs`, `extras`): each item must still get its own,
//! exactly as its point read gives them, whatever the page's size (the statement's key list is
//! padded) and across products with different features.

mod common;

use common::{Server, created_id};
use serde_json::{Value, json};

fn product(server: &Server, name: &str, features: &[&str], udfs: &[&str]) -> String {
    let features: Vec<Value> =
        features.iter().map(|f| json!({"featurecode": f, "featurename": f, "notes": "n"})).collect();
    let udfs: Vec<Value> = udfs.iter().map(|u| json!({"fieldname": u, "defaultvalue": "default"})).collect();
    created_id(&server.ok(
        "POST",
        "Product",
        &json!({"productname": name, "features": features, "udfvalues": udfs}),
    ))
}

#[test]
fn a_page_gives_each_code_and_profile_its_own_features_udfs_and_server_functions() {
    let server = Server::start();
    let first = product(&server, "first", &["A", "B"], &["U1", "U2"]);
    let second = product(&server, "second", &["C"], &[]);
    // Five codes of the first product (a key list of five is padded to eight) and one of the
    // second, each set apart from the others.
    let codes: Vec<String> =
        created_id(&server.ok("POST", "LicenseCode", &json!({"productid": first, "numcodes": 5})))
            .split(',')
            .map(str::to_owned)
            .collect();
    for (i, code) in codes.iter().enumerate() {
        let mut change = json!({"productid": first, "licensecode": code,
            "features": [{"featurecode": "A", "featureavailability": if i % 2 == 0 { "on" } else { "off" }}],
            "udfvalues": [{"fieldname": "U2", "defaultvalue": format!("value {i}")}]});
        if i == 3 {
            change["serverfunctions"] =
                json!([{"functionname": "LTCO", "enabled": "on", "parametervalue": 7}]);
        }
        server.ok("PUT", "LicenseCode", &change);
    }
    let other = created_id(&server.ok("POST", "LicenseCode", &json!({"productid": second, "numcodes": 1})));

    let one = |product: &str, code: &str| {
        let found =
            server.ok("GET", "LicenseCode", &json!({"productid": product, "licensecode": code, "getsfs": 1}));
        found.as_array().expect("a list")[0].clone()
    };
    let page = server.ok("GET", "LicenseCodes", &json!({"pagenumber": 1, "pagesize": 100, "getsfs": 1}));
    let page = page.as_array().expect("a list");
    assert_eq!(page.len(), 6);
    for item in page {
        let code = item["licenseCode"].as_str().expect("a code");
        let product = if code == other { &second } else { &first };
        let alone = one(product, code);
        for field in ["features", "udfValues", "serverFunctions"] {
            assert_eq!(item[field], alone[field], "{field} of {code}");
        }
    }
    // The settings really differ from code to code, so the comparison above means something.
    let alone = one(&first, &codes[1]);
    assert_eq!(alone["udfValues"][1]["defaultValue"], "value 1", "{alone}");
    assert_eq!(one(&first, &codes[3])["serverFunctions"][0]["parameterValue"], "7");
    assert_eq!(one(&second, &other)["features"].as_array().map(Vec::len), Some(1));

    // Profiles are filled the same way.
    for (name, availability) in [("on", "on"), ("off", "off")] {
        server.ok(
            "POST",
            "Profile",
            &json!({"productid": first, "profilename": name,
                "features": [{"featurecode": "B", "featureavailability": availability}]}),
        );
    }
    let profiles = server.ok("GET", "Profiles", &json!({"productid": first, "pagenumber": 1}));
    let profiles = profiles.as_array().expect("a list");
    assert_eq!(profiles.len(), 2);
    for item in profiles {
        let name = item["profileName"].as_str().expect("a name");
        let alone = server.ok("GET", "Profile", &json!({"productid": first, "profilename": name}));
        let alone = alone.as_array().map_or(alone.clone(), |list| list[0].clone());
        let b = &item["features"][1];
        assert_eq!(
            (&b["featureCode"], &b["featureAvailability"]),
            (&json!("B"), &json!(name.to_uppercase()))
        );
        assert_eq!(item["features"], alone["features"], "{name}");
    }
}

#[test]
fn afterlicensecode_pages_on_from_a_code_in_the_listing_order() {
    let server = Server::start();
    let product = product(&server, "seek", &["A"], &[]);
    let created =
        created_id(&server.ok("POST", "LicenseCode", &json!({"productid": product, "numcodes": 7})));
    let listed = |fields: Value| -> Vec<String> {
        let page = server.ok("GET", "LicenseCodes", &fields);
        page.as_array()
            .expect("a list")
            .iter()
            .map(|c| c["licenseCode"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = listed(json!({"productid": product, "pagenumber": 1}));
    assert_eq!(all.len(), 7);
    let mut given: Vec<&str> = created.split(',').collect();
    given.sort_unstable();
    let mut sorted = all.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, given);

    // Pages of 2 after the third code: the fourth and fifth, then the sixth and seventh.
    let after = json!({"productid": product, "afterlicensecode": all[2], "pagesize": 2});
    let mut first = after.clone();
    first["pagenumber"] = json!(1);
    assert_eq!(listed(first), all[3..5]);
    let mut second = after.clone();
    second["pagenumber"] = json!(2);
    assert_eq!(listed(second), all[5..7]);
    // Without a page number, the count of what is left.
    assert_eq!(server.ok("GET", "LicenseCodes", &after), json!(4));
    // After the last code, nothing.
    assert!(listed(json!({"productid": product, "afterlicensecode": all[6], "pagenumber": 1})).is_empty());
    // A code that does not exist is a 404 naming the field, not an empty page.
    let (status, answer) = server.call(
        "GET",
        "LicenseCodes",
        "read_only",
        &json!({"productid": product, "afterlicensecode": "999", "pagenumber": 1}),
    );
    assert_eq!(status, 404, "{answer}");
    assert!(answer["error"].as_str().unwrap().contains("afterlicensecode"), "{answer}");
}
