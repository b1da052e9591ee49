//! The air-gapped vendor's command line with real files: `offline activate --request`,
//! `offline deactivate --certificate` and `passive create`, against the data directory of a
//! server that is serving meanwhile (the Web API sees what the commands did).

mod common;

use std::path::Path;
use std::process::Command;

use common::licensing::{client, code, product};
use common::offline::{activity, air_gapped, air_gapped_with, deactivate};
use common::{BIN, Server};
use licensekit::Status;
use serde_json::{Value, json};

/// Runs the binary: (success, stdout, stderr).
fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout.trim()).unwrap_or_else(|_| panic!("not one JSON object: {stdout:?}"))
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn activation_and_deactivation_by_files() {
    let server = Server::start();
    // `--data-dir DIR` or `--database URL`, whichever backend the server runs on.
    let location = server.location();
    let (at, data) = (location[0].as_str(), location[1].as_str());
    let product = product(
        &server,
        json!({"clientsallowed": 1, "clientofflineleaseperiod": 10,
               "features": [{"featurecode": "EXPORT", "featurename": "Export", "notes": "n"}]}),
    );
    let code = code(&server, &product, json!({}));
    let files = tempfile::tempdir().unwrap();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = air_gapped(&server, &product, dir_a.path());

    // The machine writes a request file; the vendor answers it with a certificate file.
    let request = write(files.path(), "request.txt", &a.offline_activation_request(&code).unwrap());
    let (ok, stdout, stderr) = run(&["offline", "activate", at, data, "--request", &request]);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("-----BEGIN LICENSEKIT ACTIVATION CERTIFICATE-----"), "{stdout}");
    let (ok, stdout, stderr) = run(&["offline", "activate", at, data, "--request", &request, "--json"]);
    assert!(ok, "{stderr}");
    let answer = json_of(&stdout);
    assert_eq!((&answer["product_id"], &answer["license_code"]), (&json!(product), &json!(code)));
    assert_eq!(answer["computer_id"], a.computer_id());
    let certificate = write(files.path(), "certificate.txt", answer["certificate"].as_str().unwrap());
    a.import_certificate(&std::fs::read_to_string(&certificate).unwrap()).unwrap();
    assert_eq!(a.feature_enabled("EXPORT"), Status::Ok);
    assert_eq!(activity(&server, &product, &code)[0]["status"], "ACTIVATED", "the server sees it");

    // Refusals: the seat is taken; garbage; a missing file. Exit status 1, JSON with --json.
    let b = air_gapped(&server, &product, dir_b.path());
    let other = write(files.path(), "other.txt", &b.offline_activation_request(&code).unwrap());
    let (ok, stdout, stderr) = run(&["offline", "activate", at, data, "--request", &other, "--json"]);
    assert!(!ok && stderr.contains("all 1 activations"), "{stderr}");
    assert_eq!(json_of(&stdout)["http_status"], 409);
    let garbage = write(files.path(), "garbage.txt", "not a request");
    let (ok, _, stderr) = run(&["offline", "activate", at, data, "--request", &garbage]);
    assert!(!ok && stderr.contains("request: not a licensekit envelope"), "{stderr}");
    let (ok, _, stderr) = run(&["offline", "activate", at, data, "--request", "/nonexistent"]);
    assert!(!ok && stderr.contains("cannot read"), "{stderr}");

    // The machine gives the seat back with a file; applied once.
    let proof = write(files.path(), "deactivation.txt", &a.offline_deactivation_certificate().unwrap());
    let (ok, stdout, stderr) = run(&["offline", "deactivate", at, data, "--certificate", &proof, "--json"]);
    assert!(ok, "{stderr}");
    assert_eq!(json_of(&stdout)["result"], "OK");
    assert_eq!(json_of(&stdout)["computer_id"], a.computer_id());
    let (ok, _, stderr) = run(&["offline", "deactivate", at, data, "--certificate", &proof]);
    assert!(!ok && stderr.contains("accepted once"), "{stderr}");
    assert_eq!(deactivate(&server, &product, &std::fs::read_to_string(&proof).unwrap()).0, 409);
    let (ok, stdout, stderr) = run(&["offline", "activate", at, data, "--request", &other]);
    assert!(ok, "the seat is free: {stderr}");
    b.import_certificate(&stdout).unwrap();
    assert_eq!(b.status(), Status::Ok);
}

#[test]
fn an_online_activation_is_given_back_by_a_deactivation_certificate() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 1, "clientofflineleaseperiod": 1}));
    let code = code(&server, &product, json!({}));
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let online = client(&server, &product, dir_a.path());
    online.activate(&code).unwrap();
    online.refresh().unwrap();
    let proof = online.offline_deactivation_certificate().unwrap();
    assert_eq!(deactivate(&server, &product, &proof), (200, json!("OK")));
    client(&server, &product, dir_b.path()).activate(&code).unwrap();
}

#[test]
fn passive_licenses_by_command() {
    let server = Server::start();
    // `--data-dir DIR` or `--database URL`, whichever backend the server runs on.
    let location = server.location();
    let (at, data) = (location[0].as_str(), location[1].as_str());
    let product = product(
        &server,
        json!({"features": [{"featurecode": "EXPORT", "featurename": "Export", "notes": "n"}],
               "udfvalues": [{"fieldname": "EDITION", "defaultvalue": "pro"}]}),
    );
    server.ok("POST", "Profile", &json!({"productid": product, "profilename": "Off", "enabledforuse": true,
                                          "features": [{"featurecode": "EXPORT", "featureavailability": "off"}]}));
    let store = tempfile::tempdir().unwrap();
    let app =
        air_gapped_with(&server, &product, store.path(), |c| c.set_client_id("plant-7-line-3").unwrap());
    let (ok, stdout, stderr) = run(&[
        "passive",
        "create",
        at,
        data,
        "--product",
        &product,
        "--client-id",
        "plant-7-line-3",
        "--profile",
        "Off",
        "--feature",
        "EXPORT",
        "--udf",
        "EDITION=site",
        "--json",
    ]);
    assert!(ok, "{stderr}");
    let answer = json_of(&stdout);
    assert_eq!(answer["client_id"], "plant-7-line-3");
    app.import_certificate(answer["license"].as_str().unwrap()).unwrap();
    assert_eq!(app.feature_enabled("EXPORT"), Status::Ok);
    assert_eq!(app.udf_value("EDITION").unwrap(), "site");

    let (ok, stdout, _) =
        run(&["passive", "create", at, data, "--product", &product, "--client-id", "plant-7-line-3"]);
    assert!(ok && stdout.starts_with("-----BEGIN LICENSEKIT PASSIVE LICENSE-----"), "{stdout}");
    let (ok, _, stderr) =
        run(&["passive", "create", at, data, "--product", &product, "--client-id", "short"]);
    assert!(!ok && stderr.contains("clientid"), "{stderr}");
    let (ok, _, stderr) = run(&[
        "passive",
        "create",
        at,
        data,
        "--product",
        &product,
        "--client-id",
        "plant-7-line-3",
        "--udf",
        "=x",
    ]);
    assert!(!ok && stderr.contains("NAME=VALUE"), "{stderr}");
}
