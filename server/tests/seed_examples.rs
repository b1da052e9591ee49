//! Every controller and verb of seed 003 that this server implements: the seed's own example
//! request is sent (with the IDs this server generated substituted for the seed's), and the
//! answer is checked against the seed's example output — exact messages, and for objects
//! the field names, casing and types.

mod common;

use common::{Server, assert_shape, created_id};
use serde_json::{Value, json};

// The seed's example outputs (arrays trimmed to their first element: shapes are compared
// element by element against it).
const PRODUCTS: &str = r#"[{"productName":"Product A 0105","productId":"6872450105","clientLeasePeriod":24,"vmLeasePeriod":0,
 "clientOfflineLeasePeriod":24,"trialPeriod":4,"licenseType":"perpetual","clientsAllowed":10,
 "features":[{"featureCode":"FEAT1","featureAvailability":"OFF","featureType":"ElementPool","featureName":"Example Feature 1",
 "featureNotes":"Example Feature 1","featureGroup":"Default"}],
 "udfValues":[{"fieldName":"TEST1","defaultValue":"Prod1Default"}]}]"#;
const LICENSE_CODE: &str = r#"[{"licenseCode":"206454320110930859","productID":"6453300110","company":"","companyID":0,
 "enabledforuse":"True","licensetype":"Perpetual","clientsallowed":9,"clientLeaseperiod":12,"vmLeaseperiod":0,
 "clientOfflineLeaseperiod":8760,"acquiredbywebservice":"True","networkseats":0,"heartbeat":0,"profilename":"Test-PC",
 "concurrentProcesses":15,"numActivations":1,"concurrencyMode":"None","subscriptionperiod":0,"subscriptionEnddate":null,
 "subscriptionlastActivated":"2018-08-02T06:59:02.043","maintenanceEnddate":"2021-04-30T00:00:00",
 "features":[{"featureCode":"EPOOL","featureAvailability":"ON","featureType":"ElementPool","featureDetails":["ElementLimit : 10000","ElementCount : 0"]}],
 "udfValues":[{"fieldName":"TEST1","defaultValue":"6"}],
 "notes":[{"noteID":102509,"type":"System","created":"2020-12-18T17:11:15.7","createdBy":"","description":"note"}],
 "serverFunctions":[{"functionName":"LTCO","enabled":"ON","parameterValue":"20"}]}]"#;
const LICENSE_CODES: &str = r#"[{"licenseCode":"206454320110930859","productID":"6453300110","company":"","enabledforuse":"true",
 "licensetype":"Perpetual","profilename":"Test-PC","acquiredbywebservice":"true","activationsAllowed":9,"clientLeaseperiod":12,
 "vmLeaseperiod":0,"clientOfflineLeaseperiod":8760,"networkseats":0,"heartbeat":0,"concurrentProcesses":15,"numActivations":1,
 "numDeActivations":41,"concurrencyMode":"None","subscriptionperiod":0,"subscriptionEnddate":null,
 "subscriptionlastActivated":"2020-08-02T06:59:02.043","maintenanceEnddate":"2021-04-30T00:00:00","created":"2013-06-12T00:00:00",
 "modified":"2021-01-11T15:36:55.723",
 "features":[{"featureCode":"EPOOL","featureAvailability":"ON","featureType":"ElementPool","featureDetails":["ElementLimit : 10000","ElementCount : 0"]}],
 "udfValues":[{"fieldName":"TEST1","defaultValue":"6"}],
 "serverFunctions":[{"functionName":"LTCO","enabled":"ON","parameterValue":"20"}]}]"#;
const PROFILE: &str = r#"[{"profileName":"TestProfile","profileID":12,"enabledforuse":"True","licensetype":"Perpetual",
 "clientsallowed":2,"clientLeaseperiod":12,"vmLeaseperiod":0,"clientOfflineLeaseperiod":8760,"acquiredbywebservice":"True",
 "networkseats":0,"heartbeat":0,"concurrentProcesses":15,"resellerID":0,"concurrencyMode":"None","subscriptionperiod":0,
 "subscriptionEnddate":null,"maintenanceEnddate":"2022-04-30T00:00:00","created":"2021-01-20T11:08:08.373",
 "modified":"2021-01-20T11:08:08.373",
 "features":[{"featureCode":"EPOOL","featureAvailability":"ON","featureType":"ElementPool","featureDetails":["ElementLimit : 1000","ElementCount : 10"]}],
 "udfValues":[{"fieldName":"TEST1","defaultValue":"6"}],
 "serverFunctions":[{"functionName":"LTCO","enabled":"ON","parameterValue":"20"}]}]"#;
const PROFILES: &str = r#"[{"productId":"6453300110","profileName":"TestProfile","profileId":12,"enabledForUse":"true",
 "licenseType":"perpetual","clientsAllowed":2,"clientLeasePeriod":12,"vmLeasePeriod":0,"clientOfflineLeasePeriod":8760,
 "acquiredByWebservice":"true","networkSeats":0,"heartBeat":0,"concurrentProcesses":15,"resellerId":0,"concurrencyMode":"none",
 "subscriptionPeriod":0,"subscriptionEndDate":null,"maintenanceEndDate":"2022-04-30T00:00:00","created":"2021-01-20T11:08:08.373",
 "modified":"2021-01-20T11:08:08.373",
 "features":[{"featureCode":"EPOOL","featureAvailability":"ON","featureType":"ElementPool","featureDetails":["elementLimit : 1000","elementCount : 10"]}],
 "udfValues":[{"fieldName":"TEST1","defaultValue":"6"}],
 "serverFunctions":[{"functionName":"LTCO","enabled":"ON","parameterValue":"20"}]}]"#;
const NOTES: &str = r#"[{"noteID":11,"type":"General","created":"2019-01-05T21:41:28.72","createdBy":"","description":"Rest API general note"}]"#;
const COMPANY: &str = r#"{"company":"MyCompany LLC","companyData":"{\"firstname\":\"Eva\"}","firstName":"Eva","email":"eva@mycompany.com",
 "search1":"My reference 1","search2":"My reference 2","search3":"My reference 3","created":"2020-01-15T16:47:22.55","productID":"6872450105"}"#;
const COMPANY_ID: &str =
    r#"{"companyID":"4","company":"My Company","productID":"6872450105","productName":"Product Test 01"}"#;
const CONSUMERS: &str = r#"[{"productID":"6872450105","computerID":"oLh+T3o+A39g5Sz/8Ug8","licenseCode":"276439600252847932",
 "firstName":"Susanna","lastName":"Baines","company":"HeelToe Productions","email":"susanna.baines@heeltoemedia.com",
 "clientInfo":"{\"firstname\":\"Susanna\"}","created":"2018-11-16T06:12:44.883"}]"#;

fn seed(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// The seed's products output with the two settings this server adds beyond the seed (the
/// completion window of offline activation requests and the clone policy).
fn seed_products() -> Value {
    let mut products = seed(PRODUCTS);
    let added = json!({"offlineRequestDays": 14, "clonePolicy": "Refuse"});
    products[0].as_object_mut().unwrap().extend(added.as_object().unwrap().clone());
    products
}

fn is_license_code(code: &str) -> bool {
    (18..=19).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit())
}

/// A product like the one behind the seed's LicenseCode and Profile examples.
fn licensing_product(server: &Server) -> String {
    let answer = server.ok(
        "POST",
        "Product",
        &json!({
            "productname": "Product 0110", "clientsallowed": 9, "clientleaseperiod": 12, "clientofflineleaseperiod": 365,
            "features": [
                {"featurecode": "EPOOL", "featurename": "Pool", "notes": "pool", "featuretype": "elementpool"},
                {"featurecode": "FLOAT", "featurename": "Float", "notes": "float", "featuretype": "floating"},
                {"featurecode": "FEAT1", "featurename": "One", "notes": "one"},
                {"featurecode": "FEAT5", "featurename": "Five", "notes": "five"}
            ],
            "udfvalues": [{"fieldname": "TEST1", "defaultvalue": "6"}, {"fieldname": "TEST2", "defaultvalue": "test"}]
        }),
    );
    created_id(&answer)
}

#[test]
fn products_and_their_parts() {
    let server = Server::start();
    // POST Product, the seed's example.
    let answer = server.ok(
        "POST",
        "Product",
        &json!({
            "productname": "APITest 0110", "clientleaseperiod": "2", "vmleaseperiod": "1", "clientOfflineLeaseperiod": "1",
            "clientsallowed": "2", "intrial": "true", "trialperiod": "10", "licensetype": "subscriptionperiod",
            "subscriptionperiod": 100,
            "featuregroups": [
                {"featuregroupname": "groupAPI1", "notes": "groupAPI1"},
                {"featuregroupName": "groupAPI2", "notes": "groupAPI2"},
                {"featuregroupName": "groupAPI3"}
            ],
            "features": [
                {"featurecode": "FEAT1API01", "featurename": "featureAPI1", "notes": "featureAPI1", "featuretype": "normal",
                 "featuregroupname": "groupAPI1", "availableintrials": "true"},
                {"featurecode": "FEAT2API02", "featurename": "featureAPI2", "featuretype": "ConsumptionTokens",
                 "notes": "featureAPI2", "featuregroupname": "groupAPI2"},
                {"featurecode": "FEAT3API03", "featurename": "featureAPI3", "featuretype": "floating", "notes": "featureAPI3"},
                {"featurecode": "FEAT3API04", "featurename": "featureAPI4", "notes": "featureAPI4"}
            ],
            "udfvalues": [{"fieldname": "TEST1", "defaultvalue": "udf1"}, {"fieldname": "TEST2", "defaultvalue": "udf2"}]
        }),
    );
    assert!(answer.as_str().unwrap().starts_with("Product Created Successfully : "), "{answer}");
    let product = created_id(&answer);
    assert!(product.len() == 10 && product.bytes().all(|b| b.is_ascii_digit()), "{product}");

    // GET Products and GET Product.
    let all = server.ok("GET", "Products", &json!({}));
    assert_shape(&all, &seed_products(), "Products");
    let one = server.ok("GET", "Product", &json!({"productid": product}));
    assert_shape(&one, &seed_products(), "Product");
    let p = &one[0];
    assert_eq!(p["productName"], "APITest 0110");
    assert_eq!(p["clientLeasePeriod"], 2);
    assert_eq!(p["vmLeasePeriod"], 1);
    assert_eq!(p["clientOfflineLeasePeriod"], 24, "offline lease is given in days and shown in hours");
    assert_eq!(p["trialPeriod"], 10);
    assert_eq!(p["licenseType"], "SubscriptionPeriod");
    assert_eq!(p["clientsAllowed"], 2);
    let features: Vec<(&str, &str, &str)> = p["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["featureCode"].as_str().unwrap(),
                f["featureType"].as_str().unwrap(),
                f["featureGroup"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        features,
        [
            ("FEAT1API01", "Normal", "groupAPI1"),
            ("FEAT2API02", "ConsumptionToken", "groupAPI2"),
            ("FEAT3API03", "Floating", "Default"),
            ("FEAT3API04", "Normal", "Default")
        ]
    );
    assert_eq!(
        p["udfValues"],
        json!([{"fieldName": "TEST1", "defaultValue": "udf1"}, {"fieldName": "TEST2", "defaultValue": "udf2"}])
    );

    // PUT Product, the seed's example; omitted fields stay.
    let answer = server.ok(
        "PUT",
        "Product",
        &json!({"productId": product, "clientLeasePeriod": "48", "trialPeriod": "10", "licenseType": "perpetual"}),
    );
    assert_eq!(answer, "Product Updated Successfully");
    let p = &server.ok("GET", "Product", &json!({"productid": product}))[0];
    assert_eq!((p["clientLeasePeriod"].clone(), p["licenseType"].clone()), (json!(48), json!("Perpetual")));
    assert_eq!((p["vmLeasePeriod"].clone(), p["clientsAllowed"].clone()), (json!(1), json!(2)));

    // ProductFeatureGroups: POST, PUT, DELETE.
    let answer = server.ok(
        "POST",
        "ProductFeatureGroups",
        &json!({"productId": product, "featureGroups": [{"featureGroupName": "testgroup1", "notes": "test"}, {"featureGroupName": "testgroup2"}, {"featureGroupName": "test"}]}),
    );
    assert_eq!(answer, "Product FeatureGroups Created Successfully");
    let answer = server.ok(
        "PUT",
        "ProductFeatureGroups",
        &json!({"productId": product, "featureGroups": [{"featureGroupName": "testgroup1", "newFeatureGroupName": "group1"}, {"featureGroupName": "testgroup2", "notes": "test notes"}]}),
    );
    assert_eq!(answer, "Product FeatureGroups Updated Successfully");
    let answer = server.ok(
        "DELETE",
        "ProductFeatureGroups",
        &json!({"productId": product, "featureGroupName": "test"}),
    );
    assert_eq!(answer, "Product FeatureGroup Deleted Successfully");
    let (status, _) = server.call(
        "DELETE",
        "ProductFeatureGroups",
        "read_write",
        &json!({"productId": product, "featureGroupName": "test"}),
    );
    assert_eq!(status, 404, "the group is gone");

    // ProductFeatures on a second product: POST, PUT (the seed sends the list as
    // "featureGroups"), DELETE.
    let second = created_id(&server.ok(
        "POST",
        "Product",
        &json!({"productname": "Second", "featuregroups": [{"featuregroupname": "groupAPI1"}],
                "features": [{"featurecode": "FEAT1API02", "featurename": "f2", "notes": "n"}]}),
    ));
    let answer = server.ok(
        "POST",
        "ProductFeatures",
        &json!({"productId": second, "features": [
            {"featureCode": "FEAT1API01", "featureName": "featureAPI1", "notes": "featureAPI1", "featureGroupName": "groupAPI1", "availableInTrials": "true"},
            {"featureCode": "FEAT2API03", "featureName": "featureAPI2", "notes": "featureAPI2", "featureType": "consumptionTokens"}
        ]}),
    );
    assert_eq!(answer, "Product Features Created Successfully");
    let answer = server.ok(
        "PUT",
        "ProductFeatures",
        &json!({"productId": second, "featureGroups": [
            {"featureCode": "FEAT1API01", "newFeatureCode": "FEAT101", "featureName": "featureAPI1", "notes": "featureAPI1 updated",
             "featureGroupName": "default", "availableInTrials": "true"},
            {"featureCode": "FEAT1API02", "newFeatureCode": "FEAT102"}
        ]}),
    );
    assert_eq!(answer, "Product Features Updated Successfully");
    let p = &server.ok("GET", "Product", &json!({"productid": second}))[0];
    let codes: Vec<&str> =
        p["features"].as_array().unwrap().iter().map(|f| f["featureCode"].as_str().unwrap()).collect();
    assert_eq!(codes, ["FEAT102", "FEAT101", "FEAT2API03"]);
    assert_eq!(p["features"][1]["featureNotes"], "featureAPI1 updated");
    assert_eq!(p["features"][1]["featureGroup"], "Default");
    let answer =
        server.ok("DELETE", "ProductFeatures", &json!({"productId": second, "featureCode": "FEAT101"}));
    assert_eq!(answer, "Product Feature Deleted Successfully");

    // ProductUDF: POST, PUT (the seed's answer is "Product Features Updated Successfully"),
    // DELETE (the seed deletes "test3", renamed "Test3": names ignore case).
    let answer = server.ok(
        "POST",
        "ProductUDF",
        &json!({"productId": second, "udfValues": [{"fieldName": "TEST1", "defaultValue": "udf1"}, {"fieldName": "TEST2"}]}),
    );
    assert_eq!(answer, "Product UDF Created Successfully");
    let answer = server.ok(
        "PUT",
        "ProductUDF",
        &json!({"productId": second, "udfValues": [{"fieldName": "TEST1", "defaultValue": "udf1updated"}, {"fieldName": "TEST2", "newFieldName": "Test3"}]}),
    );
    assert_eq!(answer, "Product Features Updated Successfully");
    let p = &server.ok("GET", "Product", &json!({"productid": second}))[0];
    assert_eq!(
        p["udfValues"],
        json!([{"fieldName": "TEST1", "defaultValue": "udf1updated"}, {"fieldName": "Test3", "defaultValue": ""}])
    );
    let answer = server.ok("DELETE", "ProductUDF", &json!({"productId": second, "fieldName": "test3"}));
    assert_eq!(answer, "Product UDF Deleted Successfully");
}

#[test]
fn profiles_codes_notes_and_companies() {
    let server = Server::start();
    let product = licensing_product(&server);

    // POST Profile, the seed's example.
    let answer = server.ok(
        "POST",
        "Profile",
        &json!({
            "productid": product, "profilename": "Test Profile", "enabledforuse": "true", "licensetype": "Perpetual",
            "clientsallowed": "2", "clientleaseperiod": "0", "vmleaseperiod": "0", "clientofflineleaseperiod": "1",
            "acquiredbywebservice": "true", "concurrentprocesses": "0", "concurrencymode": "network", "networkseats": "1",
            "heartbeat": "5", "reseller": "reseller12", "subscriptionperiod": "0", "maintenanceenddate": "2020-10-10T00:12:00",
            "features": [{"featurecode": "FEAT1", "featureavailability": "on", "limit": "10"},
                         {"featurecode": "EPOOL", "featureavailability": "on", "limit": "15"}],
            "udfvalues": [{"fieldname": "TEST1", "defaultvalue": "udf1"}, {"fieldname": "TEST2", "defaultvalue": "udf2"}],
            "serverfunctions": [{"functionname": "LTCO", "enabled": "on", "parametervalue": "20"},
                                {"functionname": "Otherfunc", "enabled": "off"}]
        }),
    );
    assert_eq!(answer, "Profile Created Successfully");

    // GET Profile, the seed's example (with this profile's name).
    let profile = server.ok(
        "GET",
        "Profile",
        &json!({"productid": product, "profilename": "Test Profile", "getsfs": "1"}),
    );
    assert_shape(&profile, &seed(PROFILE), "Profile");
    let p = &profile[0];
    assert_eq!(p["enabledforuse"], "True");
    assert_eq!(p["concurrencyMode"], "Network");
    assert_eq!(p["heartbeat"], 5);
    assert_eq!(p["clientOfflineLeaseperiod"], 24);
    assert_eq!(p["maintenanceEnddate"], "2020-10-10T00:12:00");
    assert_ne!(p["resellerID"], 0);
    assert_eq!(
        p["features"][0],
        json!({"featureCode": "EPOOL", "featureAvailability": "ON", "featureType": "ElementPool", "featureDetails": ["ElementLimit : 15", "ElementCount : 0"]})
    );
    assert_eq!(
        p["serverFunctions"],
        json!([{"functionName": "LTCO", "enabled": "ON", "parameterValue": "20"}, {"functionName": "Otherfunc", "enabled": "OFF", "parameterValue": ""}])
    );

    // Codes allocated in the profile take its settings.
    let created = server.ok(
        "POST",
        "LicenseCode",
        &json!({"productid": product, "profilename": "Test Profile", "numcodes": "1"}),
    );
    let in_profile = created_id(&created);
    let code = &server.ok("GET", "LicenseCode", &json!({"licensecode": in_profile, "getsfs": 1}))[0];
    assert_eq!(
        (code["clientsallowed"].clone(), code["concurrencyMode"].clone()),
        (json!(2), json!("Network"))
    );
    assert_eq!(code["profilename"], "Test Profile");
    assert_eq!(code["features"][0]["featureDetails"], json!(["ElementLimit : 15", "ElementCount : 0"]));
    assert_eq!(code["udfValues"][0], json!({"fieldName": "TEST1", "defaultValue": "udf1"}));
    assert_eq!(code["serverFunctions"][0]["parameterValue"], "20");

    // PUT Profile, the seed's example: renamed, and with inheritprofile the code follows.
    let answer = server.ok(
        "PUT",
        "Profile",
        &json!({
            "productid": product, "profilename": "Test Profile", "newprofilename": "New Profile", "enabledforuse": "true",
            "licensetype": "Perpetual", "inheritprofile": "true", "concurrentprocesses": "10", "concurrencymode": "cloud",
            "subscriptionperiod": "0",
            "features": [{"featurecode": "FEAT1", "featureavailability": "on", "limit": "10"}, {"featurecode": "EPOOL", "featureavailability": "off"}],
            "udfvalues": [{"fieldname": "TEST2", "defaultvalue": "udf2"}],
            "serverfunctions": [{"functionname": "LTCO", "enabled": "on", "parametervalue": "10"}]
        }),
    );
    assert_eq!(answer, "Profile Updated Successfully");
    let code = &server.ok("GET", "LicenseCode", &json!({"licensecode": in_profile, "getsfs": 1}))[0];
    assert_eq!(code["profilename"], "New Profile");
    assert_eq!(
        (code["concurrentProcesses"].clone(), code["concurrencyMode"].clone()),
        (json!(10), json!("Cloud"))
    );
    assert_eq!(code["features"][0]["featureAvailability"], "OFF");
    assert_eq!(code["features"][0]["featureDetails"][0], "ElementLimit : 15", "an omitted limit stays");
    assert_eq!(code["serverFunctions"][0]["parameterValue"], "10");

    // GET Profiles, the seed's example, and the count.
    let page = server.ok("GET", "Profiles", &json!({"pageNumber": "1", "pageSize": "1", "getSfs": "1"}));
    assert_shape(&page, &seed(PROFILES), "Profiles");
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(page[0]["profileName"], "New Profile");
    assert_eq!(page[0]["concurrencyMode"], "cloud");
    assert_eq!(server.ok("GET", "Profiles", &json!({})), 1);

    // POST Company, the seed's example.
    let answer = server.ok(
        "POST",
        "Company",
        &json!({"company": "SuperStyle LLC", "productid": product,
                "companydata": {"firstname": "Kevin", "lastname": "Andrew", "company": "SuperStyle LLC", "email": "kevin@supersytle.com", "country": "United Kingdom"},
                "search1": "refernce 1"}),
    );
    assert!(answer.as_str().unwrap().starts_with("Company Created Successfully : "), "{answer}");
    let company: i64 = created_id(&answer).parse().unwrap();

    // POST LicenseCode, both seed examples.
    server.ok("POST", "Profile", &json!({"productid": product, "profilename": "testingProfile", "enabledforuse": true, "clientsallowed": 3}));
    let answer = server.ok(
        "POST",
        "LicenseCode",
        &json!({"productid": product, "profilename": "testingProfile", "companyid": company.to_string(), "numcodes": "2", "reference": "LCforProductA"}),
    );
    let text = answer.as_str().unwrap();
    assert!(text.starts_with("License Codes Created Successfully : "), "{text}");
    let codes: Vec<String> = created_id(&answer).split(',').map(str::to_owned).collect();
    assert_eq!(codes.len(), 2);
    assert!(codes.iter().all(|c| is_license_code(c)), "{codes:?}");
    let answer = server.ok(
        "POST",
        "LicenseCode",
        &json!({"productid": product, "profilename": "testingProfile", "companyid": company.to_string(),
                "licensecodes": "123410225741720791,567810225741720792", "reference": "LCforProductB"}),
    );
    assert_eq!(answer, "OK");

    // GET LicenseCode, the seed's example (with a code of this server).
    let code = server.ok(
        "GET",
        "LicenseCode",
        &json!({"productid": product, "licensecode": codes[0], "getsfs": "1", "details": "1", "getnotes": 1, "showfeatures": "all"}),
    );
    assert_shape(&code, &seed(LICENSE_CODE), "LicenseCode");
    let c = &code[0];
    assert_eq!((c["company"].clone(), c["companyID"].clone()), (json!("SuperStyle LLC"), json!(company)));
    assert_eq!((c["profilename"].clone(), c["clientsallowed"].clone()), (json!("testingProfile"), json!(3)));
    assert_eq!(
        (c["enabledforuse"].clone(), c["acquiredbywebservice"].clone()),
        (json!("True"), json!("False"))
    );
    let imported = &server.ok("GET", "LicenseCode", &json!({"licensecode": "567810225741720792"}))[0];
    assert_eq!(imported["productID"], product.as_str());

    // PUT LicenseCode, the seed's example.
    let answer = server.ok(
        "PUT",
        "LicenseCode",
        &json!({
            "productid": product, "licensecode": codes[0], "companyid": company.to_string(), "enabledforuse": "true",
            "licensetype": "subscriptionperiod", "clientsallowed": "2", "clientleaseperiod": "0", "vmleaseperiod": "0",
            "clientofflineleaseperiod": "1", "acquiredbywebservice": "true", "profilename": "testingProfile",
            "inheritprofile": "false", "concurrentprocesses": "0", "concurrencymode": "network", "networkseats": "1",
            "heartbeat": "5", "subscriptionperiod": "10", "maintenanceenddate": "reset",
            "features": [{"featurecode": "FEAT1", "featureavailability": "on", "limit": "10"}, {"featurecode": "EPOOL", "featureavailability": "on", "limit": "15"}],
            "udfvalues": [{"fieldname": "TEST1", "defaultvalue": "udf1"}, {"fieldname": "TEST2", "defaultvalue": "udf2"}],
            "notes": [{"type": "general", "description": "general note"}],
            "serverfunctions": [{"functionname": "LTCO", "enabled": "on", "parametervalue": "20"}, {"functionname": "Otherfunc", "enabled": "off"}]
        }),
    );
    assert_eq!(answer, "License Code Details Updated Successfully");
    let c = &server.ok("GET", "LicenseCode", &json!({"productid": product, "licensecode": codes[0], "getnotes": 1, "getsfs": 1, "showfeatures": "on"}))[0];
    assert_eq!(
        (c["licensetype"].clone(), c["subscriptionperiod"].clone()),
        (json!("SubscriptionPeriod"), json!(10))
    );
    assert_eq!((c["clientsallowed"].clone(), c["concurrencyMode"].clone()), (json!(2), json!("Network")));
    assert_eq!(
        (c["acquiredbywebservice"].clone(), c["maintenanceEnddate"].clone()),
        (json!("True"), Value::Null)
    );
    assert_eq!(c["notes"][0]["type"], "General");
    assert_eq!(c["notes"][0]["description"], "general note");
    assert_eq!(
        c["udfValues"],
        json!([{"fieldName": "TEST1", "defaultValue": "udf1"}, {"fieldName": "TEST2", "defaultValue": "udf2"}])
    );
    assert_eq!(
        c["serverFunctions"][0],
        json!({"functionName": "LTCO", "enabled": "ON", "parameterValue": "20"})
    );

    // GET LicenseCodes: the seed's example (no code is activated here: an empty page), the
    // same page of all codes checked against the seed's shape, and the count.
    let page = server.ok(
        "GET",
        "LicenseCodes",
        &json!({"pagenumber": "1", "pagesize": "2", "activated": "true", "getsfs": "1"}),
    );
    assert_eq!(page, json!([]));
    let page = server.ok(
        "GET",
        "LicenseCodes",
        &json!({"pagenumber": "1", "pagesize": "2", "activated": "false", "getsfs": "1"}),
    );
    assert_shape(&page, &seed(LICENSE_CODES), "LicenseCodes");
    assert_eq!(page.as_array().unwrap().len(), 2);
    assert_eq!(server.ok("GET", "LicenseCodes", &json!({"productid": product})), 5);
    assert_eq!(server.ok("GET", "LicenseCodes", &json!({"companyId": company})), 4);
    assert_eq!(
        server.ok("GET", "LicenseCodes", &json!({"profilename": "testingProfile", "used": "false"})),
        4
    );

    // GET NextLicenseCode, the seed's example: codes of the default profile, each handed out once.
    let fresh = created_id(&server.ok("POST", "LicenseCode", &json!({"productid": product, "numcodes": 3})));
    let fresh: Vec<&str> = fresh.split(',').collect();
    let next = server.ok("GET", "NextLicenseCode", &json!({"productid": product, "amount": "2"}));
    assert_eq!(next, json!(fresh[..2]));
    assert_eq!(
        server.ok("GET", "NextLicenseCode", &json!({"productid": product, "amount": "2"})),
        json!([fresh[2]])
    );
    assert_eq!(server.ok("GET", "NextLicenseCode", &json!({"productid": product})), json!([]));

    // LicenseNote: POST, GET, PUT, DELETE, the seed's examples.
    let answer = server.ok("POST", "LicenseNote", &json!({"productid": product, "licensecode": codes[1], "description": "General note", "type": "general"}));
    let note = created_id(&answer);
    let notes = server.ok("GET", "LicenseNote", &json!({"productid": product, "licensecode": codes[1]}));
    assert_shape(&notes, &seed(NOTES), "LicenseNote");
    assert_eq!(notes[0]["description"], "General note");
    let answer = server.ok(
        "PUT",
        "LicenseNote",
        &json!({"productid": product, "licensecode": codes[1], "noteid": note, "description": "General note updated", "type": "general"}),
    );
    assert_eq!(answer, "License Note Updated Successfully");
    assert_eq!(
        server.ok("GET", "LicenseNote", &json!({"productid": product, "licensecode": codes[1]}))[0]["description"],
        "General note updated"
    );
    let answer = server.ok(
        "DELETE",
        "LicenseNote",
        &json!({"productid": product, "licensecode": codes[1], "noteid": note}),
    );
    assert_eq!(answer, "License Notes Deleted Successfully : 1");

    // Company: GET, PUT, CompanyID, CompaniesProducts, DELETE (the seed's examples).
    let got = server.ok("GET", "Company", &json!({"companyid": company.to_string()}));
    assert_shape(&got, &seed(COMPANY), "Company");
    assert_eq!(
        (got["firstName"].clone(), got["email"].clone()),
        (json!("Kevin"), json!("kevin@supersytle.com"))
    );
    assert_eq!(got["productID"], product.as_str());
    let answer = server.ok(
        "PUT",
        "Company",
        &json!({"companyid": company.to_string(), "productid": product, "company": "SuperStyle Retail LLC",
                "companydata": {"firstname": "Kevin", "lastname": "Andrew", "company": "SuperStyle Retail LLC", "email": "kevin@supersytle.com", "country": "UK", "telephone": "+44 8898889988"},
                "search2": "refernce 2", "search3": "refernce 3"}),
    );
    assert_eq!(answer, "Company Updated Successfully");
    let got = server.ok("GET", "Company", &json!({"companyid": company}));
    assert_eq!((got["search1"].clone(), got["search3"].clone()), (json!("refernce 1"), json!("refernce 3")));
    let id = server.ok("GET", "CompanyID", &json!({"company": "SuperStyle Retail LLC"}));
    assert_shape(&id, &seed(COMPANY_ID), "CompanyID");
    assert_eq!(id["companyID"], company.to_string());
    assert_eq!(id["productName"], "Product 0110");
    let answer =
        server.ok("POST", "Company", &json!({"company": "BigCorp", "productid": product, "global": 1}));
    let global = created_id(&answer);
    let all = server.ok("GET", "CompaniesProducts", &json!({}));
    assert_shape(&all, &json!([seed(COMPANY_ID)]), "CompaniesProducts");
    assert_eq!(
        all[1],
        json!({"companyID": global, "company": "BigCorp", "productID": "0", "productName": ""})
    );
    assert_eq!(server.ok("DELETE", "Company", &json!({"companyid": global})), "Company Deleted Successfully");
    assert_eq!(
        server.ok("DELETE", "Company", &json!({"companyid": company})),
        "Company Deleted Successfully"
    );
    let c = &server.ok("GET", "LicenseCode", &json!({"licensecode": codes[1]}))[0];
    assert_eq!(
        (c["company"].clone(), c["companyID"].clone()),
        (json!(""), json!(0)),
        "the code lost its company"
    );

    // ConsumerData: POST (the seed's example, with a code of this product), then GET with the
    // seed's filters (an empty page: the record is from today), and without dates.
    let answer = server.ok(
        "POST",
        "ConsumerData",
        &json!({"productid": product, "computerID": "BLXRrZJJEei4K7qPrJSL", "licenseCode": codes[0],
                "clientInfo": {"firstname": "Kevin", "lastname": "Andrew", "company": "SuperStyle LLC", "email": "kevin@supersytle.com", "country": "United Kingdom"}}),
    );
    assert_eq!(answer, "Consumer Data Created Successfully");
    server.ok("POST", "ConsumerData", &json!({"productid": product, "computerid": "BLXRrZJJEei4K7qPrJSL", "clientinfo": "{\"firstname\":\"Kev\"}"}));
    let seed_query = json!({"productid": product, "justlast": "true", "type": "activations", "pagenumber": "1", "pagesize": "2",
                            "startdate": "2018-11-01", "enddate": "2019-03-30"});
    assert_eq!(server.ok("GET", "ConsumerData", &seed_query), json!([]));
    let page = server.ok(
        "GET",
        "ConsumerData",
        &json!({"productid": product, "type": "activations", "pagenumber": 1}),
    );
    assert_shape(&page, &seed(CONSUMERS), "ConsumerData");
    assert_eq!(page[0]["firstName"], "Kevin");
    assert_eq!(page[0]["licenseCode"], codes[0].as_str());
    assert_eq!(
        server.ok("GET", "ConsumerData", &json!({"productid": product})),
        1,
        "justlast: one record per computer"
    );
    assert_eq!(server.ok("GET", "ConsumerData", &json!({"productid": product, "justlast": false})), 2);
    assert_eq!(
        server.ok("GET", "ConsumerData", &json!({"productid": product, "justlast": false, "type": "trials"})),
        1
    );
}

#[test]
fn activity_trials_and_system_details_answer_empty() {
    let server = Server::start();
    let product = licensing_product(&server);
    let code = created_id(&server.ok("POST", "LicenseCode", &json!({"productid": product, "numcodes": 1})));

    // The seed's examples, on a server where no client has activated or started a trial yet.
    assert_eq!(
        server.ok("GET", "ActivatedLicenseCodes", &json!({"computerid": "BLXRrZJ5T9imK7qPrJSL"})),
        json!([])
    );
    let q = json!({"productid": product, "licensecode": code, "activated": "1", "getsysinfo": "1"});
    assert_eq!(server.ok("GET", "LicenseCodeActivity", &q), json!([]));
    let q = json!({"productid": product, "licensecode": code});
    assert_eq!(
        server.ok("PUT", "LicenseCodeActivity", &q),
        "License Code Activity Returned Successfully : 0"
    );
    let q = json!({"productid": product, "licensecode": code, "computerid": "BLXRrZJ5T9imK7qPrJSL"});
    assert_eq!(
        server.ok("DELETE", "LicenseCodeActivity", &q),
        "License Code Activity Deleted Successfully : 0"
    );
    let q = json!({"productid": product, "computerid": "kQe0MRH12bYgemkYW2bc"});
    let (status, body) = server.call("GET", "SystemDetails", "read_only", &q);
    assert_eq!(status, 404);
    assert!(body["error"].as_str().unwrap().starts_with("computerid:"), "{body}");
    let q = json!({"productid": product, "computerid": "BLXRrZJ5T9imK7qPrJSL"});
    assert_eq!(server.ok("GET", "Trial", &q), "Trial Does Not Exist");
    let (status, body) = server.call("DELETE", "Trial", "read_write", &q);
    assert_eq!(status, 404, "{body}");
    let q = json!({"pageNumber": "1", "pageSize": "2", "converted": "true", "expiresAfter": "2019-04-15", "expiresBefore": "2020-05-25"});
    assert_eq!(server.ok("GET", "Trials", &q), json!([]));
    assert_eq!(server.ok("GET", "Trials", &json!({})), 0);
}

#[test]
fn profile_inheritance_and_feature_filters() {
    let server = Server::start();
    let product = licensing_product(&server);
    server.ok(
        "POST",
        "Profile",
        &json!({"productid": product, "profilename": "A", "enabledforuse": true, "clientsallowed": 5,
                "features": [{"featurecode": "FEAT5", "featureavailability": "off"}]}),
    );
    let code = created_id(&server.ok("POST", "LicenseCode", &json!({"productid": product, "numcodes": 1})));
    let get = |extra: Value| {
        let mut q = json!({"licensecode": code});
        q.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        server.ok("GET", "LicenseCode", &q)[0].clone()
    };
    let c = get(json!({}));
    assert_eq!(
        (c["profilename"].clone(), c["clientsallowed"].clone()),
        (json!("Default"), json!(9)),
        "the product's settings"
    );

    // PUT LicenseCode with inheritprofile: the profile's settings, then the request's own.
    let answer = server.ok(
        "PUT",
        "LicenseCode",
        &json!({"productid": product, "licensecode": code, "profilename": "A", "inheritprofile": "true", "clientleaseperiod": 3}),
    );
    assert_eq!(answer, "License Code Details Updated Successfully");
    let c = get(json!({"showfeatures": "on"}));
    assert_eq!((c["profilename"].clone(), c["clientsallowed"].clone()), (json!("A"), json!(5)));
    assert_eq!(c["clientLeaseperiod"], 3);
    let shown: Vec<&str> =
        c["features"].as_array().unwrap().iter().map(|f| f["featureCode"].as_str().unwrap()).collect();
    assert_eq!(shown, ["EPOOL", "FLOAT", "FEAT1"], "showfeatures=on leaves out FEAT5, OFF in the profile");

    // PUT Profile without inheritprofile leaves the codes alone; with it, they follow.
    server.ok("PUT", "Profile", &json!({"productid": product, "profilename": "A", "clientsallowed": 7}));
    assert_eq!(get(json!({}))["clientsallowed"], 5);
    server.ok(
        "PUT",
        "Profile",
        &json!({"productid": product, "profilename": "A", "clientsallowed": 8, "inheritprofile": true}),
    );
    assert_eq!(get(json!({}))["clientsallowed"], 8);
    assert_eq!(get(json!({}))["clientLeaseperiod"], 3, "fields the profile update did not touch stay");

    // 'reset' clears dates; an expiration-date license needs its date.
    server.ok(
        "PUT",
        "LicenseCode",
        &json!({"productid": product, "licensecode": code, "licensetype": "expirationdate", "subscriptionenddate": "2031-01-31", "maintenanceenddate": "2030-06-30T12:00:00"}),
    );
    let c = get(json!({}));
    assert_eq!(
        (c["subscriptionEnddate"].clone(), c["maintenanceEnddate"].clone()),
        (json!("2031-01-31T00:00:00"), json!("2030-06-30T12:00:00"))
    );
    server.ok(
        "PUT",
        "LicenseCode",
        &json!({"productid": product, "licensecode": code, "licensetype": "perpetual", "subscriptionenddate": "reset", "maintenanceenddate": "reset"}),
    );
    let c = get(json!({}));
    assert_eq!(
        (c["licensetype"].clone(), c["subscriptionEnddate"].clone(), c["maintenanceEnddate"].clone()),
        (json!("Perpetual"), Value::Null, Value::Null)
    );
}

#[test]
fn license_code_notes_follow_the_seed_order() {
    let server = Server::start();
    let product = licensing_product(&server);
    let code = created_id(&server.ok("POST", "LicenseCode", &json!({"productid": product, "numcodes": 1})));
    let note = |d: &str| {
        created_id(&server.ok(
            "POST",
            "LicenseNote",
            &json!({"productid": product, "licensecode": code, "type": "system", "description": d}),
        ))
    };
    let (first, _second) = (note("one"), note("two"));
    let descriptions = || -> Vec<String> {
        let notes = server.ok("GET", "LicenseNote", &json!({"productid": product, "licensecode": code}));
        notes.as_array().unwrap().iter().map(|n| n["description"].as_str().unwrap().to_owned()).collect()
    };
    let put = |notes: Value| {
        server.ok("PUT", "LicenseCode", &json!({"productid": product, "licensecode": code, "notes": notes}));
    };
    put(json!([{"type": "general", "description": "three"}, {"type": "delete", "description": first}]));
    assert_eq!(descriptions(), ["two", "three"]);
    put(
        json!([{"type": "system", "description": "four"}, {"type": "delete", "description": first}, {"type": "deleteall"}]),
    );
    assert_eq!(descriptions(), ["four"], "delete-all first, then the additions");
    assert_eq!(
        server.ok("DELETE", "LicenseNote", &json!({"productid": product, "licensecode": code})),
        "License Notes Deleted Successfully : 1"
    );
}
