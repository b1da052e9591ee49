//! Several server processes on one PostgreSQL database (issue 12): 64 clients race through
//! two processes for activations, floating seats, pool elements and tokens, and the totals
//! are exact as with one process; lease serials never repeat and only go up across the
//! processes; both processes sign with the one vendor key kept in the database.
//!
//! Needs `LK_TEST_POSTGRES` (see `common/postgres.rs`): without it the tests fail.

mod common;

use std::collections::BTreeSet;

use common::Server;
use common::licensing::{code, product};
use common::raw::{Installation, body, feature_details, lease, post, verify_seat};
use licensekit::Status;
use licensekit::protocol::client_api::{
    Operation, PATH_ACTIVATE, PATH_FLOATING_CHECKOUT, PATH_POOL_CHECKOUT, PATH_REFRESH, PATH_TOKENS_CONSUME,
};
use serde_json::{Value, json};

const CLIENTS: usize = 64;
const ACTIVATIONS: usize = 20;
const SEATS: usize = 10;
/// Each activated installation asks for 50 elements: 14 of the 20 get them.
const ELEMENTS: u64 = 700;
const ELEMENTS_EACH: u64 = 50;
/// Each of 64 requests spends 25 tokens: 32 succeed.
const TOKENS: u64 = 800;
const TOKENS_EACH: u64 = 25;

/// Posts every body at once from its own thread, the even ones to `a`, the odd ones to `b`.
fn race(a: &Server, b: &Server, path: &str, bodies: &[Vec<u8>]) -> Vec<(u16, Value)> {
    std::thread::scope(|s| {
        let threads: Vec<_> = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| s.spawn(move || post(if i % 2 == 0 { a } else { b }, path, body)))
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    })
}

/// Splits answers into granted ones and checks every other one is the refusal `status`.
fn granted(answers: Vec<(u16, Value)>, status: Status) -> Vec<Value> {
    let mut won = Vec::new();
    for (http, answer) in answers {
        if http == 200 {
            won.push(answer);
        } else {
            assert_eq!((http, &answer["status"]), (409, &json!(status as u32)), "{answer}");
        }
    }
    won
}

fn serial_of(server: &Server, lease_text: &str) -> u64 {
    use licensekit::protocol::client_api::Lease;
    use licensekit::protocol::{Envelope, PublicKey, from_slice_strict};
    let envelope = Envelope::parse(lease_text).unwrap();
    let key = PublicKey::from_hex(&server.public_key).unwrap();
    let lease: Lease = from_slice_strict(envelope.verify_with(&key, envelope.kind()).unwrap()).unwrap();
    lease.serial
}

#[test]
fn limits_stay_exact_when_racing_clients_hit_two_processes() {
    let a = Server::start_on_postgres(&[]);
    let b = a.another_process(&[]);
    let product = product(
        &a,
        json!({"clientsallowed": ACTIVATIONS, "features": [
            {"featurecode": "FLOAT", "featurename": "Float", "notes": "n", "featuretype": "floating"},
            {"featurecode": "EPOOL", "featurename": "Pool", "notes": "n", "featuretype": "elementpool"},
            {"featurecode": "TOKENS", "featurename": "Tokens", "notes": "n", "featuretype": "consumptiontokens"}]}),
    );
    let code = code(
        &b,
        &product,
        json!({"features": [
            {"featurecode": "FLOAT", "limit": SEATS},
            {"featurecode": "EPOOL", "limit": ELEMENTS},
            {"featurecode": "TOKENS", "limit": TOKENS}]}),
    );

    // 64 computers race for 20 activations. Every answer verifies with the key `init`
    // printed (`serial_of`), whichever process signed it.
    let installations: Vec<Installation> = (0..CLIENTS)
        .map(|i| Installation::new(&a, &product, Some(&code), &format!("TWOPROCS{i:012}")))
        .collect();
    let bodies: Vec<Vec<u8>> =
        installations.iter().map(|me| body(&me.key, &me.request(Operation::Activate))).collect();
    let answers = race(&a, &b, PATH_ACTIVATE, &bodies);
    let won: Vec<usize> =
        answers.iter().enumerate().filter(|(_, (http, _))| *http == 200).map(|(i, _)| i).collect();
    let leases = granted(answers, Status::ActivationLimit);
    assert_eq!(leases.len(), ACTIVATIONS, "exactly the activations allowed");
    let serials: BTreeSet<u64> = leases.iter().map(|l| serial_of(&a, l["lease"].as_str().unwrap())).collect();
    assert_eq!(serials.len(), ACTIVATIONS, "no serial is handed out twice: {serials:?}");
    let activity = a.ok("GET", "LicenseCodeActivity", &json!({"productid": product, "licensecode": code}));
    let active = activity.as_array().unwrap().iter().filter(|r| r["status"] == "ACTIVATED").count();
    assert_eq!(active, ACTIVATIONS, "{activity}");

    // Serials only go up, across the processes: refreshes alternating between them.
    let me = &installations[won[0]];
    lease(&a, PATH_ACTIVATE, &body(&me.key, &me.request(Operation::Activate)));
    let mut last = 0;
    for round in 0..20 {
        let server = if round % 2 == 0 { &a } else { &b };
        let (fresh, _) = lease(server, PATH_REFRESH, &body(&me.key, &me.request(Operation::Refresh)));
        assert!(fresh.serial > last, "serial {} after {last}", fresh.serial);
        last = fresh.serial;
    }

    // The 20 activated installations race for 10 seats.
    let holders: Vec<&Installation> = won.iter().map(|&i| &installations[i]).collect();
    let bodies: Vec<Vec<u8>> = holders
        .iter()
        .map(|me| me.capacity(Operation::FloatingCheckout, Some("FLOAT"), None, None))
        .collect();
    let seats = granted(race(&a, &b, PATH_FLOATING_CHECKOUT, &bodies), Status::SeatsExhausted);
    let ids: BTreeSet<String> =
        seats.iter().map(|s| verify_seat(&a, s["seat"].as_str().unwrap()).seat_id).collect();
    assert_eq!((seats.len(), ids.len()), (SEATS, SEATS), "exactly the seats there are, each a distinct one");
    assert_eq!(feature_details(&b, &product, &code, "FLOAT")[1], format!("TotalActive : {SEATS}"));

    // Pool elements: 20 installations ask for 50 each of 700.
    let bodies: Vec<Vec<u8>> = holders
        .iter()
        .map(|me| me.capacity(Operation::PoolCheckout, Some("EPOOL"), Some(ELEMENTS_EACH), None))
        .collect();
    let drawn = granted(race(&a, &b, PATH_POOL_CHECKOUT, &bodies), Status::PoolExhausted);
    assert_eq!(drawn.len() as u64, ELEMENTS / ELEMENTS_EACH, "exactly the elements of the pool");

    // Tokens: 64 requests of 25 of 800.
    let bodies: Vec<Vec<u8>> = (0..CLIENTS)
        .map(|i| {
            holders[i % ACTIVATIONS].capacity(
                Operation::ConsumeTokens,
                Some("TOKENS"),
                Some(TOKENS_EACH),
                None,
            )
        })
        .collect();
    let spent = granted(race(&a, &b, PATH_TOKENS_CONSUME, &bodies), Status::TokensExhausted);
    assert_eq!(spent.len() as u64, TOKENS / TOKENS_EACH, "exactly the tokens there are");
    let left: BTreeSet<u64> = spent.iter().map(|s| s["remaining"].as_u64().unwrap()).collect();
    assert_eq!(left.len(), spent.len(), "every grant saw a different balance: {left:?}");
    assert_eq!(left.first(), Some(&0));
}

#[test]
fn a_second_process_signs_with_the_key_init_stored() {
    let a = Server::start_on_postgres(&[]);
    let out = std::process::Command::new(common::BIN).arg("public-key").args(a.location()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), a.public_key);
    // `init` again on the same database is refused and changes nothing.
    let out = std::process::Command::new(common::BIN).arg("init").args(a.location()).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already initialised"));
    let b = a.another_process(&[]);
    let product = product(&b, json!({"clientsallowed": 1}));
    let code = code(&a, &product, json!({}));
    let me = Installation::new(&b, &product, Some(&code), "SIGNEDBYTHESECOND1");
    // `lease` verifies with the key the first process's `init` printed.
    lease(&b, PATH_ACTIVATE, &body(&me.key, &me.request(Operation::Activate)));
}
