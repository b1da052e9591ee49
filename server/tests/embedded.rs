//! The server embedded in another program: served from a thread, credentials at hand,
//! stopped by dropping the handle.

use std::time::Duration;

use licensekit::{Client, Config, Status};
use licensekit_server::embedded::EmbeddedServer;

#[test]
fn an_embedded_server_licenses_a_client_and_stops_when_dropped() {
    let temp = tempfile::tempdir().unwrap();
    let server = EmbeddedServer::start(&temp.path().join("server")).unwrap();
    assert!(EmbeddedServer::start(&temp.path().join("server")).is_err(), "already initialised");
    assert_eq!(server.api_key("nope"), "");
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let auth = format!("bearer {}:{}", server.customer_id(), server.api_key("read_write"));
    let post = |controller: &str, body: serde_json::Value| -> String {
        let mut response = agent
            .post(&format!("{}/api/{controller}", server.url()))
            .header("Authorization", &auth)
            .send_json(body)
            .unwrap();
        let text: serde_json::Value = response.body_mut().read_json().unwrap();
        text.as_str().unwrap().rsplit(" : ").next().unwrap().to_owned()
    };
    let product = post("Product", serde_json::json!({"productname": "Embedded"}));
    let code = post("LicenseCode", serde_json::json!({"productid": product, "numcodes": 1}));
    let mut config = Config::new(&product).unwrap();
    config.add_public_key(server.public_key()).unwrap();
    config.set_store_dir(temp.path().join("store")).unwrap();
    config.set_server_url(server.url()).unwrap();
    config.set_timeout(Duration::from_secs(10)).unwrap();
    let client = Client::new(config).unwrap();
    client.activate(&code).unwrap();
    assert_eq!(client.status(), Status::Ok);

    let addr = server.url().trim_start_matches("http://").to_owned();
    drop(server);
    assert!(std::net::TcpStream::connect(&addr).is_err(), "still listening after drop");
    assert_eq!(client.refresh(), Err(Status::Network));
    assert_eq!(client.status(), Status::Ok, "inside the grace period");
}
