//! Shared capacity on the wire: floating seats (heartbeats, expiry, check-in, long-term
//! check-out), element pools, consumption tokens and cloud sessions, their refusals, their
//! retries, and the `featureDetails` the Web API shows; then through the real client.
//!
//! Servers run with `--hour-seconds 24`: a minute is 400 ms, so the default heartbeat of
//! 5 minutes is 2 s and a seat's lease (two heartbeats) 4 s.

mod common;

use std::time::{Duration, Instant};

use common::Server;
use common::licensing::{client, code, now_secs, product, update_code};
use common::raw::{Installation, activated, body, feature_details, post, refused, remaining, seat};
use licensekit::Status;
use licensekit::protocol::client_api::{
    Operation, PATH_DEACTIVATE, PATH_FLOATING_CHECKIN, PATH_FLOATING_CHECKOUT, PATH_FLOATING_HEARTBEAT,
    PATH_POOL_CHECKIN, PATH_POOL_CHECKOUT, PATH_SESSION_CLOSE, PATH_SESSION_HEARTBEAT, PATH_SESSION_OPEN,
    PATH_TOKENS_CONSUME,
};
use serde_json::json;

const HOUR_SECONDS: &str = "24";
/// A seat's lease at that scale: two heartbeats of 5 minutes of 400 ms.
const LEASE: Duration = Duration::from_secs(4);

/// A product with a floating feature `FLOAT`, a pool `EPOOL`, tokens `TOKENS`, a normal
/// feature `PLAIN`, and an OFF floating feature `DARK`.
fn capacity_product(server: &Server) -> String {
    product(
        server,
        json!({"clientsallowed": 100, "features": [
            {"featurecode": "FLOAT", "featurename": "Float", "notes": "n", "featuretype": "floating"},
            {"featurecode": "EPOOL", "featurename": "Pool", "notes": "n", "featuretype": "elementpool"},
            {"featurecode": "TOKENS", "featurename": "Tokens", "notes": "n", "featuretype": "consumptiontokens"},
            {"featurecode": "PLAIN", "featurename": "Plain", "notes": "n"},
            {"featurecode": "DARK", "featurename": "Dark", "notes": "n", "featuretype": "floating"}]}),
    )
}

fn capacity_code(server: &Server, product: &str, seats: u64, elements: u64, tokens: u64) -> String {
    code(
        server,
        product,
        json!({"features": [
            {"featurecode": "FLOAT", "featureavailability": "on", "limit": seats},
            {"featurecode": "EPOOL", "featureavailability": "on", "limit": elements},
            {"featurecode": "TOKENS", "featureavailability": "on", "limit": tokens},
            {"featurecode": "DARK", "featureavailability": "off", "limit": 5}]}),
    )
}

fn checkout(me: &Installation, feature: &str) -> Vec<u8> {
    me.capacity(Operation::FloatingCheckout, Some(feature), None, None)
}

fn by_seat(me: &Installation, operation: Operation, seat_id: &str) -> Vec<u8> {
    me.capacity(operation, None, None, Some(seat_id))
}

fn empty(server: &Server, path: &str, body: &[u8]) {
    let (status, answer) = post(server, path, body);
    assert_eq!((status, &answer), (200, &json!({})), "{path}");
}

#[test]
fn floating_seats_are_counted_renewed_lost_and_given_back() {
    let server = Server::start_with(&["--hour-seconds", HOUR_SECONDS]);
    let product = capacity_product(&server);
    let code = capacity_code(&server, &product, 2, 0, 0);
    let a = activated(&server, &product, &code, "FLOATCOMPUTER0000001");
    let b = activated(&server, &product, &code, "FLOATCOMPUTER0000002");
    let c = activated(&server, &product, &code, "FLOATCOMPUTER0000003");
    assert_eq!(feature_details(&server, &product, &code, "FLOAT"), ["MaximumActive : 2", "TotalActive : 0"]);

    let mut request = a.request(Operation::FloatingCheckout);
    request.feature = Some("FLOAT".into());
    let first = body(&a.key, &request);
    let (seat_a, text) = seat(&server, PATH_FLOATING_CHECKOUT, &first);
    assert_eq!(
        (seat_a.feature.as_deref(), seat_a.long_term, seat_a.heartbeat_secs),
        (Some("FLOAT"), false, 2)
    );
    assert_eq!(seat_a.expires - seat_a.server_time, 4);
    assert!((seat_a.server_time - now_secs()).abs() <= 2);
    assert_eq!((&seat_a.nonce, &seat_a.license_code, &seat_a.product_id), (&request.nonce, &code, &product));
    assert_eq!((&seat_a.computer_id, &seat_a.installation_key), (&a.computer, &request.installation_key));
    assert_eq!(seat_a.seat_id.len(), 32);
    // A retry: the same bytes, no second seat.
    assert_eq!(seat(&server, PATH_FLOATING_CHECKOUT, &first).1, text);
    // The same installation again: its seat renewed, not a second one.
    let (again, _) = seat(&server, PATH_FLOATING_CHECKOUT, &checkout(&a, "FLOAT"));
    assert_eq!(again.seat_id, seat_a.seat_id);
    assert!(again.serial > seat_a.serial);
    let (seat_b, _) = seat(&server, PATH_FLOATING_CHECKOUT, &checkout(&b, "FLOAT"));
    assert_ne!(seat_b.seat_id, seat_a.seat_id);
    refused(&server, PATH_FLOATING_CHECKOUT, &checkout(&c, "FLOAT"), 409, Status::SeatsExhausted);
    assert_eq!(feature_details(&server, &product, &code, "FLOAT"), ["MaximumActive : 2", "TotalActive : 2"]);

    // Heartbeats renew; a seat is only its holder's to renew or give back.
    let (renewed, _) =
        seat(&server, PATH_FLOATING_HEARTBEAT, &by_seat(&a, Operation::FloatingHeartbeat, &seat_a.seat_id));
    assert_eq!(
        (renewed.seat_id.as_str(), renewed.feature.as_deref()),
        (seat_a.seat_id.as_str(), Some("FLOAT"))
    );
    let stolen = by_seat(&c, Operation::FloatingHeartbeat, &seat_a.seat_id);
    refused(&server, PATH_FLOATING_HEARTBEAT, &stolen, 409, Status::SeatLost);
    empty(&server, PATH_FLOATING_CHECKIN, &by_seat(&c, Operation::FloatingCheckin, &seat_a.seat_id));
    assert_eq!(feature_details(&server, &product, &code, "FLOAT")[1], "TotalActive : 2");
    // Check-in frees the seat, and again is still fine; the seat is lost to its heartbeat.
    empty(&server, PATH_FLOATING_CHECKIN, &by_seat(&a, Operation::FloatingCheckin, &seat_a.seat_id));
    empty(&server, PATH_FLOATING_CHECKIN, &by_seat(&a, Operation::FloatingCheckin, &seat_a.seat_id));
    assert_eq!(feature_details(&server, &product, &code, "FLOAT")[1], "TotalActive : 1");
    let lost = by_seat(&a, Operation::FloatingHeartbeat, &seat_a.seat_id);
    refused(&server, PATH_FLOATING_HEARTBEAT, &lost, 409, Status::SeatLost);
    let (seat_c, _) = seat(&server, PATH_FLOATING_CHECKOUT, &checkout(&c, "FLOAT"));

    // B dies after a heartbeat: its seat is free for A once the lease ends, not before.
    let (last, _) =
        seat(&server, PATH_FLOATING_HEARTBEAT, &by_seat(&b, Operation::FloatingHeartbeat, &seat_b.seat_id));
    let beat = Instant::now();
    let freed = loop {
        seat(&server, PATH_FLOATING_HEARTBEAT, &by_seat(&c, Operation::FloatingHeartbeat, &seat_c.seat_id));
        let (status, answer) = post(&server, PATH_FLOATING_CHECKOUT, &checkout(&a, "FLOAT"));
        if status == 200 {
            break beat.elapsed();
        }
        assert_eq!(answer["status"], Status::SeatsExhausted as u32, "{answer}");
        assert!(beat.elapsed() < LEASE * 3, "the dead seat was never freed");
        std::thread::sleep(Duration::from_millis(25));
    };
    let ratio = freed.as_secs_f64() / LEASE.as_secs_f64();
    println!(
        "dead seat freed {freed:?} after its last heartbeat: {ratio:.2} of its lease (lease ends at {})",
        last.expires
    );
    // Seat leases are signed in whole seconds: the lease ends within a second of 4 s.
    assert!(
        freed > LEASE - Duration::from_millis(1100) && freed < LEASE + Duration::from_millis(1100),
        "{freed:?}"
    );
    refused(
        &server,
        PATH_FLOATING_HEARTBEAT,
        &by_seat(&b, Operation::FloatingHeartbeat, &seat_b.seat_id),
        409,
        Status::SeatLost,
    );
    assert_eq!(feature_details(&server, &product, &code, "FLOAT")[1], "TotalActive : 2");

    // Deactivating C gives its seat back.
    let (status, _) = post(&server, PATH_DEACTIVATE, &body(&c.key, &c.request(Operation::Deactivate)));
    assert_eq!(status, 200);
    assert_eq!(feature_details(&server, &product, &code, "FLOAT")[1], "TotalActive : 1");
    refused(
        &server,
        PATH_FLOATING_HEARTBEAT,
        &by_seat(&c, Operation::FloatingHeartbeat, &seat_c.seat_id),
        404,
        Status::NoLicense,
    );
}

#[test]
fn capacity_refusals_name_their_reason() {
    let server = Server::start();
    let product = capacity_product(&server);
    let code = capacity_code(&server, &product, 1, 10, 10);
    let me = activated(&server, &product, &code, "REFUSALCOMPUTER00001");
    let not_enabled = |body: &[u8], path: &str| refused(&server, path, body, 403, Status::FeatureNotEnabled);
    not_enabled(&checkout(&me, "NOPE"), PATH_FLOATING_CHECKOUT);
    not_enabled(&checkout(&me, "DARK"), PATH_FLOATING_CHECKOUT);
    not_enabled(&checkout(&me, "PLAIN"), PATH_FLOATING_CHECKOUT);
    not_enabled(&checkout(&me, "EPOOL"), PATH_FLOATING_CHECKOUT);
    not_enabled(&me.capacity(Operation::PoolCheckout, Some("FLOAT"), Some(1), None), PATH_POOL_CHECKOUT);
    not_enabled(&me.capacity(Operation::ConsumeTokens, Some("EPOOL"), Some(1), None), PATH_TOKENS_CONSUME);

    // Malformed: a missing feature, amount or seat; an amount of 0; days on a pool.
    let bad = |body: &[u8], path: &str| refused(&server, path, body, 400, Status::MalformedPayload);
    bad(&me.capacity(Operation::FloatingCheckout, None, None, None), PATH_FLOATING_CHECKOUT);
    bad(&me.capacity(Operation::PoolCheckout, Some("EPOOL"), None, None), PATH_POOL_CHECKOUT);
    bad(&me.capacity(Operation::PoolCheckout, Some("EPOOL"), Some(0), None), PATH_POOL_CHECKOUT);
    bad(&me.capacity(Operation::ConsumeTokens, Some("TOKENS"), Some(u64::MAX), None), PATH_TOKENS_CONSUME);
    bad(&me.capacity(Operation::FloatingHeartbeat, Some("FLOAT"), None, None), PATH_FLOATING_HEARTBEAT);
    bad(&me.capacity(Operation::SessionClose, None, None, Some("xyz")), PATH_SESSION_CLOSE);
    let mut days = me.request(Operation::PoolCheckout);
    (days.feature, days.amount, days.checkout_days) = (Some("EPOOL".into()), Some(1), Some(2));
    bad(&body(&me.key, &days), PATH_POOL_CHECKOUT);
    // A request posted to another operation's path.
    bad(&checkout(&me, "FLOAT"), PATH_POOL_CHECKOUT);
    let mut no_code = me.request(Operation::SessionOpen);
    no_code.license_code = None;
    bad(&body(&me.key, &no_code), PATH_SESSION_OPEN);

    // Who asks: no activation, someone else's key, a deactivated installation.
    let stranger = Installation::new(&server, &product, Some(&code), "STRANGERCOMPUTER0001");
    refused(&server, PATH_FLOATING_CHECKOUT, &checkout(&stranger, "FLOAT"), 404, Status::NoLicense);
    let impostor = Installation::new(&server, &product, Some(&code), &me.computer);
    refused(&server, PATH_FLOATING_CHECKOUT, &checkout(&impostor, "FLOAT"), 403, Status::BadSignature);
    let other = Installation::new(&server, &product, Some(&code), "OTHERCOMPUTER0000009");
    let mut forged = me.request(Operation::FloatingCheckout);
    forged.feature = Some("FLOAT".into());
    refused(&server, PATH_FLOATING_CHECKOUT, &body(&other.key, &forged), 403, Status::BadSignature);
    // A code that is disabled, then a session on a code that is not Cloud.
    update_code(&server, &product, &code, json!({"enabledforuse": "false"}));
    refused(
        &server,
        PATH_TOKENS_CONSUME,
        &me.capacity(Operation::ConsumeTokens, Some("TOKENS"), Some(1), None),
        403,
        Status::Disabled,
    );
    update_code(&server, &product, &code, json!({"enabledforuse": "true"}));
    let (status, answer) =
        post(&server, PATH_SESSION_OPEN, &me.capacity(Operation::SessionOpen, None, None, None));
    assert_eq!((status, &answer["name"]), (400, &json!("LK_INVALID_ARGUMENT")), "{answer}");
    assert_eq!(answer["message"], "concurrencyMode: the code is not Cloud");
    // Long-term check-out without LTCO.
    let mut long = me.request(Operation::FloatingCheckout);
    (long.feature, long.checkout_days) = (Some("FLOAT".into()), Some(1));
    refused(&server, PATH_FLOATING_CHECKOUT, &body(&me.key, &long), 403, Status::LongTermCheckoutRefused);
    let (status, _) = post(&server, PATH_DEACTIVATE, &body(&me.key, &me.request(Operation::Deactivate)));
    assert_eq!(status, 200);
    refused(&server, PATH_FLOATING_CHECKOUT, &checkout(&me, "FLOAT"), 404, Status::NoLicense);
    // Nothing was taken by any of it.
    assert_eq!(feature_details(&server, &product, &code, "FLOAT"), ["MaximumActive : 1", "TotalActive : 0"]);
    assert_eq!(feature_details(&server, &product, &code, "TOKENS"), ["TokenLimit : 10", "TokenCount : 0"]);
}

#[test]
fn a_long_term_check_out_lasts_its_days_without_heartbeats_until_checked_in() {
    let server = Server::start_with(&["--hour-seconds", HOUR_SECONDS]);
    let product = capacity_product(&server);
    let code = capacity_code(&server, &product, 1, 0, 0);
    update_code(
        &server,
        &product,
        &code,
        json!({"serverfunctions": [{"functionname": "LTCO", "enabled": "on", "parametervalue": "3"}]}),
    );
    let me = activated(&server, &product, &code, "TRAVELCOMPUTER000001");
    let other = activated(&server, &product, &code, "DESKCOMPUTER00000001");
    let long_term = |me: &Installation, days: u32| {
        let mut request = me.request(Operation::FloatingCheckout);
        (request.feature, request.checkout_days) = (Some("FLOAT".into()), Some(days));
        body(&me.key, &request)
    };
    refused(&server, PATH_FLOATING_CHECKOUT, &long_term(&me, 4), 403, Status::LongTermCheckoutRefused);
    refused(&server, PATH_FLOATING_CHECKOUT, &long_term(&me, 0), 403, Status::LongTermCheckoutRefused);
    let (trip, _) = seat(&server, PATH_FLOATING_CHECKOUT, &long_term(&me, 3));
    assert_eq!((trip.long_term, trip.heartbeat_secs), (true, 0));
    // Three days of 24 hours of 24 seconds.
    assert_eq!(trip.expires - trip.server_time, 3 * 24 * 24);
    // It outlives a short seat's lease with no heartbeat.
    std::thread::sleep(LEASE + Duration::from_millis(500));
    refused(&server, PATH_FLOATING_CHECKOUT, &checkout(&other, "FLOAT"), 409, Status::SeatsExhausted);
    // A heartbeat keeps its end.
    let (beat, _) =
        seat(&server, PATH_FLOATING_HEARTBEAT, &by_seat(&me, Operation::FloatingHeartbeat, &trip.seat_id));
    assert_eq!((beat.expires, beat.long_term), (trip.expires, true));
    // Returning early frees it.
    empty(&server, PATH_FLOATING_CHECKIN, &by_seat(&me, Operation::FloatingCheckin, &trip.seat_id));
    assert_eq!(feature_details(&server, &product, &code, "FLOAT")[1], "TotalActive : 0");
    seat(&server, PATH_FLOATING_CHECKOUT, &checkout(&other, "FLOAT"));
    // LTCO switched off: refused again.
    update_code(
        &server,
        &product,
        &code,
        json!({"serverfunctions": [{"functionname": "LTCO", "enabled": "off", "parametervalue": "3"}]}),
    );
    refused(&server, PATH_FLOATING_CHECKOUT, &long_term(&me, 1), 403, Status::LongTermCheckoutRefused);
}

#[test]
fn element_pools_never_pass_their_limit_and_return_what_an_installation_held() {
    let server = Server::start();
    let product = capacity_product(&server);
    let code = capacity_code(&server, &product, 0, 10, 0);
    let a = activated(&server, &product, &code, "POOLCOMPUTER00000001");
    let b = activated(&server, &product, &code, "POOLCOMPUTER00000002");
    let pool = |me: &Installation, operation, n| me.capacity(operation, Some("EPOOL"), Some(n), None);
    assert_eq!(remaining(&server, PATH_POOL_CHECKOUT, &pool(&a, Operation::PoolCheckout, 4)), 6);
    refused(&server, PATH_POOL_CHECKOUT, &pool(&b, Operation::PoolCheckout, 7), 409, Status::PoolExhausted);
    assert_eq!(feature_details(&server, &product, &code, "EPOOL"), ["ElementLimit : 10", "ElementCount : 4"]);
    let last = pool(&b, Operation::PoolCheckout, 6);
    assert_eq!(remaining(&server, PATH_POOL_CHECKOUT, &last), 0);
    // A retry answers the same and draws nothing more.
    assert_eq!(remaining(&server, PATH_POOL_CHECKOUT, &last), 0);
    refused(&server, PATH_POOL_CHECKOUT, &pool(&a, Operation::PoolCheckout, 1), 409, Status::PoolExhausted);
    // Returning more than one holds is refused, whatever the pool holds.
    refused(&server, PATH_POOL_CHECKIN, &pool(&a, Operation::PoolCheckin, 5), 400, Status::InvalidArgument);
    assert_eq!(remaining(&server, PATH_POOL_CHECKIN, &pool(&a, Operation::PoolCheckin, 3)), 3);
    assert_eq!(remaining(&server, PATH_POOL_CHECKIN, &pool(&a, Operation::PoolCheckin, 1)), 4);
    refused(&server, PATH_POOL_CHECKIN, &pool(&a, Operation::PoolCheckin, 1), 400, Status::InvalidArgument);
    assert_eq!(remaining(&server, PATH_POOL_CHECKOUT, &pool(&a, Operation::PoolCheckout, 2)), 2);
    // Details per computer, and B's elements returned when it is deactivated.
    let detailed =
        server.ok("GET", "LicenseCode", &json!({"productid": product, "licensecode": code, "details": 1}));
    let text = detailed.to_string();
    assert!(text.contains("POOLCOMPUTER00000002 : 6") && text.contains("POOLCOMPUTER00000001 : 2"), "{text}");
    let (status, _) = post(&server, PATH_DEACTIVATE, &body(&b.key, &b.request(Operation::Deactivate)));
    assert_eq!(status, 200);
    assert_eq!(feature_details(&server, &product, &code, "EPOOL"), ["ElementLimit : 10", "ElementCount : 2"]);
    // And all of them when the vendor returns the activity.
    server.ok("PUT", "LicenseCodeActivity", &json!({"productid": product, "licensecode": code}));
    assert_eq!(feature_details(&server, &product, &code, "EPOOL"), ["ElementLimit : 10", "ElementCount : 0"]);
}

#[test]
fn tokens_are_consumed_once_per_request_and_never_below_zero() {
    let server = Server::start();
    let product = capacity_product(&server);
    let code = capacity_code(&server, &product, 0, 0, 5);
    let me = activated(&server, &product, &code, "TOKENCOMPUTER0000001");
    let spend = |n| me.capacity(Operation::ConsumeTokens, Some("TOKENS"), Some(n), None);
    let three = spend(3);
    assert_eq!(remaining(&server, PATH_TOKENS_CONSUME, &three), 2);
    for _ in 0..3 {
        assert_eq!(remaining(&server, PATH_TOKENS_CONSUME, &three), 2);
    }
    assert_eq!(feature_details(&server, &product, &code, "TOKENS"), ["TokenLimit : 5", "TokenCount : 3"]);
    refused(&server, PATH_TOKENS_CONSUME, &spend(3), 409, Status::TokensExhausted);
    assert_eq!(feature_details(&server, &product, &code, "TOKENS")[1], "TokenCount : 3");
    assert_eq!(remaining(&server, PATH_TOKENS_CONSUME, &spend(2)), 0);
    refused(&server, PATH_TOKENS_CONSUME, &spend(1), 409, Status::TokensExhausted);
    // The vendor raises the limit: the count stays, the tokens left grow.
    update_code(&server, &product, &code, json!({"features": [{"featurecode": "TOKENS", "limit": 7}]}));
    assert_eq!(remaining(&server, PATH_TOKENS_CONSUME, &spend(1)), 1);
    assert_eq!(feature_details(&server, &product, &code, "TOKENS"), ["TokenLimit : 7", "TokenCount : 6"]);
    let list = server.ok("GET", "LicenseCodes", &json!({"productid": product, "pagenumber": 1}));
    assert!(list.to_string().to_lowercase().contains("\"tokencount : 6\""), "{list}");
}

#[test]
fn cloud_sessions_count_processes_across_computers() {
    let server = Server::start_with(&["--hour-seconds", HOUR_SECONDS]);
    let product = capacity_product(&server);
    let code = capacity_code(&server, &product, 1, 0, 0);
    update_code(&server, &product, &code, json!({"concurrencymode": "cloud", "concurrentprocesses": 2}));
    let a = activated(&server, &product, &code, "SESSIONCOMPUTER00001");
    let b = activated(&server, &product, &code, "SESSIONCOMPUTER00002");
    let open = |me: &Installation| me.capacity(Operation::SessionOpen, None, None, None);
    let (one, _) = seat(&server, PATH_SESSION_OPEN, &open(&a));
    let (two, _) = seat(&server, PATH_SESSION_OPEN, &open(&a));
    assert_ne!(one.seat_id, two.seat_id);
    assert_eq!((one.feature.as_deref(), one.heartbeat_secs, one.expires - one.server_time), (None, 2, 4));
    refused(&server, PATH_SESSION_OPEN, &open(&b), 409, Status::ConcurrencyLimit);
    // A session is not a floating seat, and the other way round.
    refused(
        &server,
        PATH_FLOATING_HEARTBEAT,
        &by_seat(&a, Operation::FloatingHeartbeat, &one.seat_id),
        409,
        Status::SeatLost,
    );
    let (float, _) = seat(&server, PATH_FLOATING_CHECKOUT, &checkout(&b, "FLOAT"));
    refused(
        &server,
        PATH_SESSION_HEARTBEAT,
        &by_seat(&b, Operation::SessionHeartbeat, &float.seat_id),
        409,
        Status::SeatLost,
    );
    let (beat, _) =
        seat(&server, PATH_SESSION_HEARTBEAT, &by_seat(&a, Operation::SessionHeartbeat, &one.seat_id));
    assert_eq!(beat.seat_id, one.seat_id);
    empty(&server, PATH_SESSION_CLOSE, &by_seat(&a, Operation::SessionClose, &one.seat_id));
    empty(&server, PATH_SESSION_CLOSE, &by_seat(&a, Operation::SessionClose, &one.seat_id));
    let (three, _) = seat(&server, PATH_SESSION_OPEN, &open(&b));
    refused(&server, PATH_SESSION_OPEN, &open(&b), 409, Status::ConcurrencyLimit);
    // A's second session stops heartbeating: its place is free after its lease.
    let start = Instant::now();
    loop {
        seat(&server, PATH_SESSION_HEARTBEAT, &by_seat(&b, Operation::SessionHeartbeat, &three.seat_id));
        let (status, answer) = post(&server, PATH_SESSION_OPEN, &open(&b));
        if status == 200 {
            break;
        }
        assert_eq!(answer["status"], Status::ConcurrencyLimit as u32, "{answer}");
        assert!(start.elapsed() < LEASE * 3, "the dead session was never freed");
        std::thread::sleep(Duration::from_millis(50));
    }
    refused(
        &server,
        PATH_SESSION_HEARTBEAT,
        &by_seat(&a, Operation::SessionHeartbeat, &two.seat_id),
        409,
        Status::SeatLost,
    );
    seat(&server, PATH_SESSION_HEARTBEAT, &by_seat(&b, Operation::SessionHeartbeat, &three.seat_id));
    // 0 concurrent processes: unlimited, as the seed says.
    update_code(&server, &product, &code, json!({"concurrentprocesses": 0}));
    for _ in 0..3 {
        seat(&server, PATH_SESSION_OPEN, &open(&a));
    }
}

#[test]
fn the_real_client_takes_seats_draws_pools_spends_tokens_and_opens_sessions() {
    let server = Server::start();
    let product = capacity_product(&server);
    let code = capacity_code(&server, &product, 1, 10, 5);
    update_code(&server, &product, &code, json!({"concurrencymode": "cloud", "concurrentprocesses": 1}));
    let stores = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let apps: Vec<_> = stores.iter().map(|s| client(&server, &product, s.path())).collect();
    for app in &apps {
        app.activate(&code).unwrap();
    }
    let details = |feature| feature_details(&server, &product, &code, feature);
    apps[0].floating_checkout("FLOAT").unwrap();
    assert_eq!(apps[0].feature_enabled("FLOAT"), Status::Ok);
    assert_eq!(apps[1].floating_checkout("FLOAT"), Err(Status::SeatsExhausted));
    assert_eq!(details("FLOAT"), ["MaximumActive : 1", "TotalActive : 1"]);
    apps[0].floating_checkin("FLOAT").unwrap();
    apps[1].floating_checkout("FLOAT").unwrap();
    assert_eq!(apps[0].pool_checkout("EPOOL", 7).unwrap(), 3);
    assert_eq!(apps[1].pool_checkout("EPOOL", 4), Err(Status::PoolExhausted));
    assert_eq!(apps[0].pool_checkin("EPOOL", 2).unwrap(), 5);
    assert_eq!(details("EPOOL"), ["ElementLimit : 10", "ElementCount : 5"]);
    assert_eq!(apps[1].consume_tokens("TOKENS", 4).unwrap(), 1);
    assert_eq!(apps[0].consume_tokens("TOKENS", 2), Err(Status::TokensExhausted));
    assert_eq!(details("TOKENS"), ["TokenLimit : 5", "TokenCount : 4"]);
    apps[0].session_open().unwrap();
    assert_eq!(apps[1].session_open(), Err(Status::ConcurrencyLimit));
    apps[0].session_close().unwrap();
    apps[1].session_open().unwrap();
}

#[test]
fn a_profile_shows_the_use_of_all_its_codes_and_gives_them_its_ltco() {
    let server = Server::start();
    let product = capacity_product(&server);
    server.ok(
        "POST",
        "Profile",
        &json!({"productid": product, "profilename": "Team", "clientsallowed": 5, "enabledforuse": "true",
                "features": [{"featurecode": "FLOAT", "featureavailability": "on", "limit": 3},
                             {"featurecode": "EPOOL", "featureavailability": "on", "limit": 10},
                             {"featurecode": "TOKENS", "featureavailability": "on", "limit": 10}],
                "serverfunctions": [{"functionname": "LTCO", "enabled": "on", "parametervalue": "2"}]}),
    );
    let mut holders = Vec::new();
    for i in 0..2 {
        let created = server.ok(
            "POST",
            "LicenseCode",
            &json!({"productid": product, "profilename": "Team", "numcodes": 1}),
        );
        let code = common::created_id(&created);
        let me = activated(&server, &product, &code, &format!("TEAMCOMPUTER{i:08}"));
        let mut long = me.request(Operation::FloatingCheckout);
        (long.feature, long.checkout_days) = (Some("FLOAT".into()), Some(2));
        let (trip, _) = seat(&server, PATH_FLOATING_CHECKOUT, &body(&me.key, &long));
        assert!(trip.long_term);
        remaining(
            &server,
            PATH_POOL_CHECKOUT,
            &me.capacity(Operation::PoolCheckout, Some("EPOOL"), Some(3 + i), None),
        );
        remaining(
            &server,
            PATH_TOKENS_CONSUME,
            &me.capacity(Operation::ConsumeTokens, Some("TOKENS"), Some(4), None),
        );
        holders.push(me);
    }
    let profile = server.ok("GET", "Profile", &json!({"productid": product, "profilename": "Team"}));
    let details = |feature: &str| {
        let features = profile[0]["features"].as_array().unwrap();
        features.iter().find(|f| f["featureCode"] == feature).unwrap()["featureDetails"].clone()
    };
    assert_eq!(details("FLOAT"), json!(["MaximumActive : 3", "TotalActive : 2"]));
    assert_eq!(details("EPOOL"), json!(["ElementLimit : 10", "ElementCount : 7"]));
    assert_eq!(details("TOKENS"), json!(["TokenLimit : 10", "TokenCount : 8"]));
}

#[test]
fn a_floating_feature_without_seats_is_not_enabled_rather_than_exhausted() {
    let server = Server::start();
    let product = capacity_product(&server);
    let code = capacity_code(&server, &product, 0, 0, 0);
    let a = activated(&server, &product, &code, "NOSEATCOMPUTER000001");
    let (status, answer) = post(&server, PATH_FLOATING_CHECKOUT, &checkout(&a, "FLOAT"));
    assert_eq!(status, 403, "{answer}");
    assert_eq!(answer["status"], Status::FeatureNotEnabled as u32, "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("no floating seats"), "{answer}");
}
