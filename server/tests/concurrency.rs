//! Concurrent writers: many clients allocating codes at once, while the command line adds a
//! key to the same database, never see a 5xx, and every code is written exactly once.

mod common;

use std::collections::HashSet;
use std::process::Command;

use common::{BIN, Server, created_id};
use serde_json::json;

#[test]
fn parallel_allocations_are_all_written_once() {
    let server = Server::start();
    let product = created_id(&server.ok("POST", "Product", &json!({"productname": "P"})));
    let codes: Vec<String> = std::thread::scope(|scope| {
        let cli = scope.spawn(|| {
            for _ in 0..5 {
                let out = Command::new(BIN)
                    .args(["keys", "create", "--kind", "ds"])
                    .args(server.location())
                    .output()
                    .unwrap();
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            }
        });
        let workers: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    for _ in 0..20 {
                        let (status, answer) = server.call(
                            "POST",
                            "LicenseCode",
                            "read_write",
                            &json!({"productid": product, "numcodes": 10}),
                        );
                        assert_eq!(status, 200, "{answer}");
                        mine.extend(created_id(&answer).split(',').map(str::to_owned));
                    }
                    mine
                })
            })
            .collect();
        cli.join().unwrap();
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    assert_eq!(codes.len(), 1600);
    assert_eq!(codes.iter().collect::<HashSet<_>>().len(), 1600, "every code is unique");
    assert_eq!(server.ok("GET", "LicenseCodes", &json!({"productid": product})), 1600);
}
