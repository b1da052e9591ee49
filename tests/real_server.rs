//! Online activation, refresh and deactivation against a real licensekit-server, over real
//! HTTP on loopback. The server runs wherever the harness started it (on the Linux side
//! when these tests run as Windows programs under Wine: `tests/windows/rust.sh`), which
//! passes its URL, public key, product and license code in `LK_TEST_SERVER_URL`,
//! `LK_TEST_PUBLIC_KEY`, `LK_TEST_PRODUCT` and `LK_TEST_LICENSE_CODE`
//! (`scripts/lib/test-server.sh`). Without them (a plain `cargo test`) the test is ignored.

use std::time::Duration;

use licensekit::{Client, Config, Status};

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run through tests/windows/rust.sh"))
}

fn client(dir: &std::path::Path) -> Client {
    let mut config = Config::new(&var("LK_TEST_PRODUCT")).unwrap();
    config.add_public_key(&var("LK_TEST_PUBLIC_KEY")).unwrap();
    config.set_store_dir(dir).unwrap();
    config.set_server_url(&var("LK_TEST_SERVER_URL")).unwrap();
    config.set_timeout(Duration::from_secs(10)).unwrap();
    Client::new(config).unwrap()
}

#[test]
#[ignore = "needs a running licensekit-server: tests/windows/rust.sh starts one"]
fn activation_refresh_and_deactivation_against_the_real_server() {
    let code = var("LK_TEST_LICENSE_CODE");
    let dir = tempfile::tempdir().unwrap();
    let c = client(dir.path());
    assert_eq!(c.status(), Status::NotActivated);
    assert_eq!(
        c.activate("NOT-A-REAL-CODE"),
        Err(Status::InvalidLicenseCode),
        "{:?}",
        licensekit::last_error_detail()
    );
    c.activate(&code).unwrap_or_else(|s| panic!("{s:?}: {:?}", licensekit::last_error_detail()));
    assert_eq!(c.status(), Status::Ok);
    assert_eq!(c.feature_enabled("EXPORT"), Status::Ok);
    assert_eq!(c.udf_value("EDITION").as_deref(), Ok("pro"));
    let first = c.store().load().unwrap().serial_high_water;
    assert!(first > 0);

    c.refresh().unwrap_or_else(|s| panic!("{s:?}: {:?}", licensekit::last_error_detail()));
    let second = c.store().load().unwrap().serial_high_water;
    assert!(second > first, "the refresh stored a newer lease ({first} then {second})");
    // A fresh client (a restart) starts from the stored lease, without the network.
    drop(c);
    let c = client(dir.path());
    assert_eq!(c.feature_enabled("EXPORT"), Status::Ok);

    c.deactivate().unwrap_or_else(|s| panic!("{s:?}: {:?}", licensekit::last_error_detail()));
    assert_eq!(c.status(), Status::Deactivated);
    assert_eq!(c.feature_enabled("EXPORT"), Status::Deactivated);
    assert!(c.store().load().unwrap().installation_key.is_none());
    // The seat went back to the server: the code activates again, here or elsewhere.
    let again = tempfile::tempdir().unwrap();
    let other = client(again.path());
    other.activate(&code).unwrap();
    other.deactivate().unwrap();
}
