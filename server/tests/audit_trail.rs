//! The audit trail: every vendor change through the Web API is recorded with the key's kind
//! and prefix (never the key), the caller's address, the controller and verb, the product,
//! the code masked and the field names; readable with GET AuditLog (the seed's READ keys) and
//! `licensekit-server audit`. Reads and refused changes are not changes.

mod common;

use std::process::Command;

use common::licensing::{code, product};
use common::{BIN, Server};
use serde_json::{Value, json};

fn trail(server: &Server) -> Vec<Value> {
    let (status, page) =
        server.call("GET", "AuditLog", "read_only", &json!({"pagenumber": 1, "pagesize": 100}));
    assert_eq!(status, 200, "{page}");
    page.as_array().unwrap().clone()
}

#[test]
fn changes_are_recorded_with_who_from_where_and_what() {
    let server = Server::start();
    let product = product(&server, json!({"clientsallowed": 2}));
    let code = code(&server, &product, json!({"clientsallowed": 5, "clientleaseperiod": 7}));
    // Reads and refused changes are not recorded.
    server.call("GET", "Products", "read_only", &json!({}));
    let (status, _) = server.call(
        "PUT",
        "LicenseCode",
        "read_write",
        &json!({"productid": product, "licensecode": "0", "clientsallowed": 1}),
    );
    assert_eq!(status, 404);
    let (status, _) = server.call("POST", "Product", "read_only", &json!({"productname": "Nope"}));
    assert_eq!(status, 403);

    let entries = trail(&server);
    let summary: Vec<(&str, &str)> =
        entries.iter().map(|e| (e["method"].as_str().unwrap(), e["controller"].as_str().unwrap())).collect();
    assert_eq!(
        summary,
        [("PUT", "LicenseCode"), ("POST", "LicenseCode"), ("POST", "Product")],
        "newest first"
    );
    let write_key = server.keys["read_write"].as_str().unwrap();
    let put = &entries[0];
    assert_eq!(put["keyKind"], "read_write");
    assert_eq!(put["keyPrefix"], &write_key[..6]);
    assert_eq!(put["address"], "127.0.0.1");
    assert_eq!(put["productID"], product.as_str());
    assert_eq!(put["licenseCode"], format!("…{}", &code[code.len() - 4..]));
    assert_eq!(put["fields"], "clientleaseperiod,clientsallowed,licensecode,productid");
    assert!(put["time"].as_str().unwrap().starts_with("20"), "{put}");
    assert!(entries[0]["id"].as_i64() > entries[1]["id"].as_i64());
    let text = Value::Array(entries.clone()).to_string();
    assert!(!text.contains(write_key) && !text.contains(&code), "{text}");

    // Count, paging, and who may read it (the seed's READ keys).
    assert_eq!(server.call("GET", "AuditLog", "read_write", &json!({})), (200, json!(3)));
    let (status, page) =
        server.call("GET", "AuditLog", "read_only", &json!({"pagenumber": 2, "pagesize": 2}));
    assert_eq!((status, page.as_array().unwrap().len()), (200, 1));
    assert_eq!(page[0]["controller"], "Product");
    assert_eq!(server.call("GET", "AuditLog", "ds", &json!({})).0, 403);
    assert_eq!(server.call("GET", "AuditLog", "offline", &json!({})).0, 403);
    assert_eq!(server.call("POST", "AuditLog", "read_write", &json!({})).0, 405);

    // The command line reads the same trail (the database is shared with the server).
    let out = Command::new(BIN)
        .args(["audit", "--json", "--page-size", "2"])
        .args(server.location())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], entries[0]["id"]);
    assert_eq!(lines[0]["key_prefix"], &write_key[..6]);
    assert_eq!(lines[1]["controller"], "LicenseCode");
    let out = Command::new(BIN).arg("audit").args(server.location()).output().unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.starts_with("3 changes recorded"), "{table}");
    assert_eq!(table.lines().count(), 2 + 3, "{table}");

    // Key changes on the command line are recorded too, as the command line's.
    let out = Command::new(BIN)
        .args(["keys", "create", "--kind", "read_only"])
        .args(server.location())
        .env("USER", "ops-admin")
        .output()
        .unwrap();
    assert!(out.status.success());
    let (id, new_key) = {
        let line = String::from_utf8(out.stdout).unwrap();
        let fields: Vec<&str> = line.trim().split('\t').collect();
        (fields[0].to_owned(), fields[2].to_owned())
    };
    let newest = &trail(&server)[0];
    assert_eq!(newest["keyKind"], "cli");
    assert_eq!(newest["keyPrefix"], "ops-admin");
    assert_eq!(newest["address"], "local");
    assert_eq!((newest["method"].as_str(), newest["controller"].as_str()), (Some("POST"), Some("keys")));
    assert_eq!(newest["fields"], format!("id={id},kind=read_only"));
    assert!(!newest.to_string().contains(&new_key));
}
