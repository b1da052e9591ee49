//! Trials and the time-bound license types, on a server whose "hour" lasts one second
//! (`--hour-seconds 1`, so a day is 24 seconds). Trial refreshes are tested on the wire in
//! `client_raw.rs`.

mod common;

use std::time::Duration;

use common::Server;
use common::licensing::{client, code, now_secs, product, update_code};
use licensekit::Status;
use licensekit::protocol::Kind;
use licensekit::protocol::client_api::LicenseType;
use serde_json::{Value, json};

const DAY: i64 = 24;

fn trials(server: &Server, product: &str) -> Vec<Value> {
    let list = server.ok("GET", "Trials", &json!({"productid": product, "pagenumber": 1}));
    list.as_array().unwrap().clone()
}

fn trial_status(server: &Server, product: &str, computer: &str) -> Value {
    server.ok("GET", "Trial", &json!({"productid": product, "computerid": computer}))
}

/// Waits (without a readiness guess: the time itself is what is tested) until `at`.
fn wait_until(at: i64) {
    while now_secs() <= at {
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn trials_resume_reset_convert_and_expire() {
    let server = Server::start_with(&["--hour-seconds", "1"]);
    let product = product(
        &server,
        json!({"intrial": true, "trialperiod": 1, "clientleaseperiod": 2, "clientsallowed": 3,
               "features": [{"featurecode": "VIEW", "featurename": "v", "notes": "n", "availableintrials": true},
                            {"featurecode": "SAVE", "featurename": "s", "notes": "n"}],
               "udfvalues": [{"fieldname": "TIER", "defaultvalue": "trial"}]}),
    );
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = client(&server, &product, da.path());
    let started = now_secs();
    a.start_trial().unwrap();
    assert_eq!(a.status(), Status::Ok);
    assert_eq!(a.feature_enabled("VIEW"), Status::Ok);
    assert_eq!(a.feature_enabled("SAVE"), Status::FeatureNotEnabled, "not available in trials");
    assert_eq!(a.udf_value("TIER").unwrap(), "trial");
    let license = a.license().unwrap();
    assert_eq!(license.kind(), Kind::TrialLease);
    let lease = license.lease().clone();
    assert_eq!((lease.license_type, lease.license_code.as_deref()), (LicenseType::Trial, None));
    let expires = lease.expires.unwrap();
    assert!((started - 1..=now_secs() + 1).contains(&(expires - DAY)), "a day of 24 one-second hours");
    assert_eq!(lease.lease_end - lease.server_time, 2);
    assert_eq!(trial_status(&server, &product, a.computer_id()), "In Trial");

    // Asking again resumes the same trial: same end, a new lease.
    a.start_trial().unwrap();
    let again = a.license().unwrap().lease().clone();
    assert_eq!(again.expires, Some(expires));
    assert!(again.serial > lease.serial);
    let listed = trials(&server, &product);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["computerId"], a.computer_id());
    assert_eq!((&listed[0]["trialStatus"], &listed[0]["converted"]), (&json!("In Trial"), &json!("false")));
    assert_eq!(listed[0]["trialPeriod"], "1");

    // DELETE Trial resets it: the next start is a new trial.
    let answer = server.ok("DELETE", "Trial", &json!({"productid": product, "computerid": a.computer_id()}));
    assert_eq!(answer, "Trial Deleted Successfully");
    assert_eq!(trial_status(&server, &product, a.computer_id()), "Trial Does Not Exist");
    std::thread::sleep(Duration::from_millis(1100));
    a.start_trial().unwrap();
    assert!(a.license().unwrap().lease().expires.unwrap() > expires);

    // Activating a code on the computer converts its trial.
    let code = code(&server, &product, json!({}));
    a.activate(&code).unwrap();
    assert_eq!(a.license().unwrap().kind(), Kind::Lease);
    assert_eq!(a.feature_enabled("SAVE"), Status::Ok);
    let listed = trials(&server, &product);
    assert_eq!((&listed[0]["converted"], &listed[0]["licenseCode"]), (&json!("true"), &json!(code)));
    assert_eq!(trial_status(&server, &product, a.computer_id()), "Trial Activated");
    let (status, _) = server.call(
        "DELETE",
        "Trial",
        "read_write",
        &json!({"productid": product, "computerid": a.computer_id()}),
    );
    assert_eq!(status, 409, "a converted trial is not reset");

    // Another computer's trial runs out: asking again answers an expired trial lease.
    let b = client(&server, &product, db.path());
    b.start_trial().unwrap();
    let end = b.license().unwrap().lease().expires.unwrap();
    wait_until(end);
    assert_eq!(b.status(), Status::TrialExpired);
    b.start_trial().unwrap();
    assert_eq!(b.status(), Status::TrialExpired);
    assert_eq!(b.license().unwrap().lease().expires, Some(end));
    assert_eq!(trial_status(&server, &product, b.computer_id()), "Trial Expired");
    // Its system details were recorded with the trial.
    let details =
        server.ok("GET", "SystemDetails", &json!({"productid": product, "computerid": b.computer_id()}));
    assert_eq!(details["licensestatus"], "In Trial");
}

#[test]
fn a_product_without_trial_refuses_one() {
    let server = Server::start();
    let product = product(&server, json!({}));
    let store = tempfile::tempdir().unwrap();
    let app = client(&server, &product, store.path());
    assert_eq!(app.start_trial(), Err(Status::TrialUnavailable));
    assert_eq!(app.status(), Status::NotActivated);
    assert_eq!(trials(&server, &product).len(), 0);
}

#[test]
fn subscription_counts_from_the_first_activation_and_dates_expire() {
    let server = Server::start_with(&["--hour-seconds", "1"]);
    let product =
        product(&server, json!({"clientsallowed": 3, "clientleaseperiod": 1, "clientofflineleaseperiod": 2}));
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let [a, b, c, d] = [0, 1, 2, 3].map(|i| client(&server, &product, dirs[i].path()));

    // SubscriptionPeriod: one day (24 s here) from the code's first activation.
    let sub = code(&server, &product, json!({"licensetype": "subscriptionperiod", "subscriptionperiod": 1}));
    let first = now_secs();
    a.activate(&sub).unwrap();
    let lease = a.license().unwrap().lease().clone();
    assert_eq!(lease.license_type, LicenseType::SubscriptionPeriod);
    let end = lease.expires.unwrap();
    assert!((first - 1..=now_secs() + 1).contains(&(end - DAY)));
    assert_eq!(lease.lease_end - lease.server_time, 1);
    assert_eq!(lease.grace_end - lease.server_time, 2 * DAY);
    std::thread::sleep(Duration::from_millis(1100));
    b.activate(&sub).unwrap();
    assert_eq!(b.license().unwrap().lease().expires, Some(end), "counted from the first activation");

    // ExpirationDate: the date itself; a past date refuses activation and expires at refresh.
    let dated = code(
        &server,
        &product,
        json!({"licensetype": "expirationdate", "subscriptionenddate": "2099-01-01"}),
    );
    c.activate(&dated).unwrap();
    assert_eq!(c.license().unwrap().lease().expires, Some(4_070_908_800));
    update_code(
        &server,
        &product,
        &dated,
        json!({"licensetype": "expirationdate", "subscriptionenddate": "2020-01-01"}),
    );
    c.refresh().unwrap();
    assert_eq!(c.status(), Status::Expired);
    assert_eq!(d.activate(&dated), Err(Status::Expired));

    // The subscription runs out: refresh answers an expired lease, activation is refused.
    wait_until(end);
    assert_eq!(a.status(), Status::Expired);
    a.refresh().unwrap();
    assert_eq!(a.status(), Status::Expired);
    assert_eq!(a.license().unwrap().lease().expires, Some(end));
    assert_eq!(d.activate(&sub), Err(Status::Expired));
}
