//! The controllers that read what the client protocol records: activations, feature
//! check-outs, system details and trials.
//!
//! The client protocol writes those rows (tested with the real client in `client_*.rs`);
//! feature check-outs come with a later issue. To check every field against the seed's
//! example outputs with chosen values, this test writes rows straight into the server's
//! SQLite file (WAL mode allows it while the server runs), in the schema the server created,
//! and then reads and manages them through the Web API.

mod common;

use common::{Server, assert_shape, created_id};
use rusqlite::params;
use serde_json::{Value, json};

const ACTIVITY: &str = r#"[{"licenseCode":"206454320110930859","computerID":"kQe0MRH12bYgemkYW2bc",
 "systemInfo":{"computerID":"kQe0MRH12bYgemkYW2bc","operatingsystem":"Microsoft Windows 10 Home Edition 16299, 64-bit",
 "bitage":"64","screenresx":"1920","screenresy":"1080","processor":"GenuineIntel:Intel(R) Core(TM) i7-4500U CPU @ 1.80GHz",
 "cores":"4","memory":"8090","oslanguage":"en-GB","applanguage":"en-GB","type":"","licensestatus":"Activated","version":"2",
 "build":"2","edition":"ENT","computername":"Work_Laptop","vmplatform":"Physical"},
 "status":"ACTIVATED","vmLeaseperiod":0,"clientleaseenddate":"2018-01-22T11:28:55.56","vmPlatform":"","username":"",
 "activated":"2018-01-01T00:00:00","deactivated":"1900-01-01T00:00:00"}]"#;
const TRIALS: &str = r#"[{"productId":"3117400101","computerId":"MauY67890Gh34567890","trialPeriod":"30",
 "created":"2019-06-06T09:33:58.173","modified":"2019-06-06T09:33:58.173","leaseEndDate":"2019-06-21T09:33:58.173",
 "expires":"2019-07-06T09:33:58.173","trialStatus":"Trial Expired","converted":"true","licenseCode":"3274861020157066211"}]"#;
const ACTIVATED: &str = r#"[{"productID":"6872450105","licenseCode":"206454320110930859"}]"#;

const DAY: i64 = 86_400_000;

/// A seed example output (a list of one object) with the fields this server adds beyond the
/// seed, so the shape check still holds every other field to the seed's.
fn beyond_the_seed(example: &str, added: Value) -> Value {
    let mut expected: Value = serde_json::from_str(example).unwrap();
    expected[0].as_object_mut().unwrap().extend(added.as_object().unwrap().clone());
    expected
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

#[test]
fn activity_system_details_and_trials() {
    let server = Server::start();
    let product = created_id(&server.ok(
        "POST",
        "Product",
        &json!({"productname": "P", "intrial": true, "features": [
            {"featurecode": "FLOAT", "featurename": "f", "notes": "n", "featuretype": "floating"},
            {"featurecode": "TOKEN", "featurename": "t", "notes": "n", "featuretype": "consumptiontokens"}]}),
    ));
    let codes = created_id(&server.ok("POST", "LicenseCode", &json!({"productid": product, "numcodes": 3})));
    let codes: Vec<&str> = codes.split(',').collect();
    let (used, fresh) = (codes[0], codes[2]);
    let computer = "kQe0MRH12bYgemkYW2bc";

    let db = rusqlite::Connection::open(server.data_dir().join("licensekit.db")).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    let t = now();
    db.execute(
        "INSERT INTO activations (code, computer_id, status, activated, lease_end, vm_platform) VALUES (?1, ?2, 'Activated', ?3, ?4, '')",
        params![used, computer, t - DAY, t + DAY],
    )
    .unwrap();
    db.execute(
        "INSERT INTO activations (code, computer_id, status, activated, deactivated) VALUES (?1, 'OTHERCOMPUTER0000000', 'Deactivated', ?2, ?3)",
        params![used, t - 2 * DAY, t - DAY],
    )
    .unwrap();
    let details = json!({"operatingsystem": "Linux 6.1", "bitage": 64, "cores": "2", "memory": "8090",
                         "licensestatus": "Activated", "computername": "build-1", "vmplatform": "KVM"});
    db.execute(
        "INSERT INTO system_details (product_id, computer_id, details, updated) VALUES (?1, ?2, ?3, ?4)",
        params![product, computer, details.to_string(), t],
    )
    .unwrap();
    let feature = |code: &str| -> i64 {
        db.query_row(
            "SELECT id FROM features WHERE product_id = ?1 AND code = ?2",
            params![product, code],
            |r| r.get(0),
        )
        .unwrap()
    };
    db.execute(
        "INSERT INTO feature_checkouts (code, feature_id, computer_id, username, amount, created, expires) VALUES (?1, ?2, ?3, 'ann', 2, ?4, ?5)",
        params![used, feature("FLOAT"), computer, t, t + DAY],
    )
    .unwrap();
    db.execute(
        "INSERT INTO code_features (code, feature_id, feature_limit, tokens_used) VALUES (?1, ?2, 100, 20)",
        params![used, feature("TOKEN")],
    )
    .unwrap();
    for (i, (created, expires, converted)) in
        [(t - 40 * DAY, t - 10 * DAY, Some(used)), (t - DAY, t + 29 * DAY, None)].into_iter().enumerate()
    {
        db.execute(
            "INSERT INTO trials (product_id, computer_id, trial_period, created, modified, lease_end, expires, converted_code)
             VALUES (?1, ?2, 30, ?3, ?3, ?4, ?5, ?6)",
            params![product, format!("TRIALCOMPUTER{i:07}"), created, created + DAY, expires, converted],
        )
        .unwrap();
    }

    // ActivatedLicenseCodes and LicenseCodeActivity, the seed's examples.
    let activated = server.ok("GET", "ActivatedLicenseCodes", &json!({"computerid": computer}));
    assert_shape(&activated, &serde_json::from_str(ACTIVATED).unwrap(), "ActivatedLicenseCodes");
    assert_eq!(activated, json!([{"productID": product, "licenseCode": used}]));
    let activity = server.ok(
        "GET",
        "LicenseCodeActivity",
        &json!({"productid": product, "licensecode": used, "activated": "1", "getsysinfo": "1"}),
    );
    let copies = json!({"cloneDetections": 0, "lastCloneDetected": "1900-01-01T00:00:00"});
    assert_shape(&activity, &beyond_the_seed(ACTIVITY, copies), "LicenseCodeActivity");
    assert_eq!(
        (&activity[0]["cloneDetections"], &activity[0]["lastCloneDetected"]),
        (&json!(0), &json!("1900-01-01T00:00:00"))
    );
    assert_eq!(activity.as_array().unwrap().len(), 1, "activated=1: current activations only");
    assert_eq!(activity[0]["status"], "ACTIVATED");
    assert_eq!(activity[0]["deactivated"], "1900-01-01T00:00:00");
    assert_eq!(activity[0]["systemInfo"]["bitage"], "64");
    assert_eq!(activity[0]["systemInfo"]["screenresx"], "");
    let all = server.ok("GET", "LicenseCodeActivity", &json!({"productid": product, "licensecode": used}));
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert!(all[0].get("systemInfo").is_none(), "getsysinfo=0 leaves it out");

    // SystemDetails, the seed's example.
    let system = server.ok("GET", "SystemDetails", &json!({"productid": product, "computerid": computer}));
    let expected: Value = serde_json::from_str(ACTIVITY).unwrap();
    assert_shape(&system, &expected[0]["systemInfo"], "SystemDetails");
    assert_eq!(
        (system["computername"].clone(), system["vmplatform"].clone()),
        (json!("build-1"), json!("KVM"))
    );

    // The counts and filters of LicenseCode(s) and NextLicenseCode see the activity.
    let code =
        &server.ok("GET", "LicenseCode", &json!({"licensecode": used, "details": 1, "userdetails": 1}))[0];
    assert_eq!(code["numActivations"], 1);
    assert_eq!(
        code["features"][0]["featureDetails"],
        json!(["MaximumActive : 0", "TotalActive : 2", "kQe0MRH12bYgemkYW2bc (ann) : 2"])
    );
    assert_eq!(code["features"][1]["featureDetails"], json!(["TokenLimit : 100", "TokenCount : 20"]));
    let listed = server.ok("GET", "LicenseCodes", &json!({"pagenumber": 1, "activated": "true"}));
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(
        (listed[0]["numActivations"].clone(), listed[0]["numDeActivations"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(server.ok("GET", "LicenseCodes", &json!({"used": "false"})), 2);
    let next = server.ok("GET", "NextLicenseCode", &json!({"productid": product, "amount": 3}));
    assert_eq!(next, json!([codes[1], fresh]), "a used code is never handed out");

    // PUT LicenseCodeActivity returns every current activation; DELETE removes a computer's.
    let q = json!({"productid": product, "licensecode": used});
    assert_eq!(
        server.ok("PUT", "LicenseCodeActivity", &q),
        "License Code Activity Returned Successfully : 1"
    );
    let all = server.ok("GET", "LicenseCodeActivity", &q);
    assert_eq!(all[0]["status"], "RETURNED");
    assert_ne!(all[0]["deactivated"], "1900-01-01T00:00:00");
    assert_eq!(server.ok("GET", "ActivatedLicenseCodes", &json!({"computerid": computer})), json!([]));
    let q = json!({"productid": product, "licensecode": used, "computerid": computer});
    assert_eq!(
        server.ok("DELETE", "LicenseCodeActivity", &q),
        "License Code Activity Deleted Successfully : 1"
    );
    let code = &server.ok("GET", "LicenseCode", &json!({"licensecode": used}))[0];
    assert_eq!(code["features"][0]["featureDetails"][1], "TotalActive : 0", "its seats were freed with it");

    // Trial, Trials: the seed's examples, statuses and filters.
    let trial = |i: usize| json!({"productid": product, "computerid": format!("TRIALCOMPUTER{i:07}")});
    assert_eq!(server.ok("GET", "Trial", &trial(0)), "Trial Activated");
    assert_eq!(server.ok("GET", "Trial", &trial(1)), "In Trial");
    let page = server.ok("GET", "Trials", &json!({"pageNumber": "1", "pageSize": "2", "converted": "true"}));
    let copies = json!({"cloneDetections": 0, "lastCloneDetected": null});
    assert_shape(&page, &beyond_the_seed(TRIALS, copies), "Trials");
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(
        (page[0]["trialStatus"].clone(), page[0]["licenseCode"].clone()),
        (json!("Trial Expired"), json!(used))
    );
    assert_eq!(server.ok("GET", "Trials", &json!({"trialStatus": "inTrial"})), 1);
    assert_eq!(server.ok("GET", "Trials", &json!({"expiresWithinDays": 30})), 1);
    assert_eq!(server.ok("GET", "Trials", &json!({"createdWithinDays": 2})), 1);
    let (status, answer) = server.call("DELETE", "Trial", "read_write", &trial(0));
    assert_eq!(status, 409, "a converted trial is not reset: {answer}");
    assert_eq!(server.ok("DELETE", "Trial", &trial(1)), "Trial Deleted Successfully");
    assert_eq!(server.ok("GET", "Trial", &trial(1)), "Trial Does Not Exist");
}
