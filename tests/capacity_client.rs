//! The client's side of shared capacity against a scripted server: floating seats kept by
//! heartbeats and given back, seats lost, long-term check-outs kept offline, element pools,
//! tokens spent exactly once under retries, cloud sessions, and forged seat leases refused.

mod common;

use std::sync::Mutex;
use std::time::Duration;

use common::*;
use licensekit::protocol::client_api::{FeatureGrant, FeatureKind, Operation, SeatLease};
use licensekit::protocol::journal::{JournalEntry, Usage};
use licensekit::protocol::{Envelope, Kind, SigningKey, from_slice_strict};
use licensekit::{Client, Status};

/// A lease granting a floating SOLVER, a MESH element pool and RENDER tokens.
fn capacity_lease(seen: &Seen, serial: u64) -> String {
    lease_answer(seen, serial, |l| {
        l.features = vec![
            FeatureGrant {
                code: "SOLVER".into(),
                kind: FeatureKind::Floating,
                enabled: true,
                limit: Some(10),
            },
            FeatureGrant {
                code: "MESH".into(),
                kind: FeatureKind::ElementPool,
                enabled: true,
                limit: Some(1000),
            },
            FeatureGrant {
                code: "RENDER".into(),
                kind: FeatureKind::ConsumptionToken,
                enabled: true,
                limit: Some(50),
            },
            FeatureGrant { code: "EXPORT".into(), kind: FeatureKind::Normal, enabled: true, limit: None },
        ]
    })
}

/// A seat lease answering `seen`; `edit` spoils it.
fn seat_answer(seen: &Seen, serial: u64, key: &SigningKey, edit: impl FnOnce(&mut SeatLease)) -> String {
    let r = &seen.request;
    let now = unix_now();
    let long_term = r.checkout_days.is_some();
    let mut seat = SeatLease {
        product_id: r.product_id.clone(),
        license_code: r.license_code.clone().unwrap_or_default(),
        computer_id: r.computer_id.clone(),
        installation_key: r.installation_key.clone(),
        seat_id: r.seat_id.clone().unwrap_or_else(|| format!("seat-{serial}")),
        feature: r.feature.clone(),
        expires: now + r.checkout_days.map_or(4, |d| i64::from(d) * 86_400),
        heartbeat_secs: if long_term { 0 } else { 1 },
        long_term,
        server_time: now,
        serial,
        nonce: r.nonce.clone(),
    };
    edit(&mut seat);
    let envelope = Envelope::sign(key, Kind::FloatingSeat, &serde_json::to_vec(&seat).unwrap()).unwrap();
    serde_json::json!({ "seat": envelope.to_compact() }).to_string()
}

/// A server that grants everything: leases, seats, and counts down pools and tokens.
fn capacity_server() -> Scripted {
    let state = Mutex::new((0u64, 1000u64, 50u64));
    Scripted::start(move |seen| {
        let mut guard = state.lock().unwrap();
        let (serial, pool, tokens) = &mut *guard;
        *serial += 1;
        let amount = seen.request.amount.unwrap_or(0);
        Some(match seen.request.operation {
            Operation::Activate | Operation::Refresh => (200, capacity_lease(seen, *serial)),
            Operation::FloatingCheckout
            | Operation::FloatingHeartbeat
            | Operation::SessionOpen
            | Operation::SessionHeartbeat => (200, seat_answer(seen, *serial, &vendor(), |_| {})),
            Operation::FloatingCheckin | Operation::SessionClose => (200, "{}".into()),
            Operation::PoolCheckout if amount <= *pool => {
                *pool -= amount;
                (200, format!(r#"{{"remaining":{pool}}}"#))
            }
            Operation::PoolCheckin => {
                *pool += amount;
                (200, format!(r#"{{"remaining":{pool}}}"#))
            }
            Operation::ConsumeTokens if amount <= *tokens => {
                *tokens -= amount;
                (200, format!(r#"{{"remaining":{tokens}}}"#))
            }
            Operation::PoolCheckout => (409, refusal(Status::PoolExhausted)),
            Operation::ConsumeTokens => (409, refusal(Status::TokensExhausted)),
            other => panic!("unexpected {other:?}"),
        })
    })
}

fn activated(server: &Scripted, dir: &std::path::Path) -> Client {
    let c = client(dir, &server.url(), Duration::from_secs(5));
    c.activate(CODE).unwrap();
    c
}

fn operations(server: &Scripted) -> Vec<Operation> {
    server.seen().iter().map(|s| s.request.operation).collect()
}

#[test]
fn a_floating_seat_is_taken_kept_by_heartbeats_and_given_back() {
    let server = capacity_server();
    let dir = tempfile::tempdir().unwrap();
    let c = activated(&server, dir.path());
    assert_eq!(c.feature_enabled("SOLVER"), Status::NoSeat, "no seat yet");
    assert_eq!(c.feature_enabled("EXPORT"), Status::Ok);
    assert_eq!(c.floating_checkout("EXPORT"), Err(Status::FeatureNotEnabled), "not a floating feature");
    assert_eq!(c.floating_checkout("NOPE"), Err(Status::FeatureNotEnabled));
    assert_eq!(c.floating_checkout("SOLVER"), Ok(()));
    assert_eq!(c.feature_enabled("SOLVER"), Status::Ok);
    let seat = c.floating_seat("SOLVER").unwrap();
    // Heartbeats every second, naming the seat, from the background thread.
    assert!(wait_until(Duration::from_secs(6), || {
        server.seen().iter().filter(|s| s.request.operation == Operation::FloatingHeartbeat).count() >= 2
    }));
    let heartbeat =
        server.seen().into_iter().find(|s| s.request.operation == Operation::FloatingHeartbeat).unwrap();
    assert_eq!(heartbeat.request.seat_id.as_deref(), Some(seat.seat_id.as_str()));
    assert_eq!(c.floating_checkin("SOLVER"), Ok(()));
    assert_eq!(c.feature_enabled("SOLVER"), Status::NoSeat, "given back");
    assert_eq!(c.floating_checkin("SOLVER"), Err(Status::NoSeat), "nothing left to give back");
    assert!(operations(&server).contains(&Operation::FloatingCheckin));
}

#[test]
fn refusals_and_lost_seats() {
    let calls = Mutex::new(0u64);
    let server = Scripted::start(move |seen| {
        let mut n = calls.lock().unwrap();
        *n += 1;
        Some(match seen.request.operation {
            Operation::Activate => (200, capacity_lease(seen, *n)),
            Operation::FloatingCheckout if seen.request.checkout_days.is_some() => {
                (403, refusal(Status::LongTermCheckoutRefused))
            }
            Operation::FloatingCheckout if *n == 2 => (409, refusal(Status::SeatsExhausted)),
            Operation::FloatingCheckout => (200, seat_answer(seen, *n, &vendor(), |_| {})),
            Operation::FloatingHeartbeat => (409, refusal(Status::SeatLost)),
            Operation::SessionOpen => (409, refusal(Status::ConcurrencyLimit)),
            other => panic!("unexpected {other:?}"),
        })
    });
    let dir = tempfile::tempdir().unwrap();
    let c = activated(&server, dir.path());
    assert_eq!(c.floating_checkout("SOLVER"), Err(Status::SeatsExhausted));
    assert_eq!(c.floating_checkout_long_term("SOLVER", 3), Err(Status::LongTermCheckoutRefused));
    assert_eq!(c.floating_checkout_long_term("SOLVER", 0), Err(Status::InvalidArgument));
    assert_eq!(c.session_open(), Err(Status::ConcurrencyLimit));
    assert_eq!(c.floating_checkout("SOLVER"), Ok(()));
    // The server says the seat lapsed: the client forgets it.
    assert!(wait_until(Duration::from_secs(6), || c.feature_enabled("SOLVER") == Status::SeatLost));
    assert!(c.floating_seat("SOLVER").is_none());
}

#[test]
fn forged_or_mismatched_seat_leases_are_refused() {
    let stranger = SigningKey::from_seed(&[99; 32]);
    type Spoil = Box<dyn Fn(&Seen) -> String + Send + Sync>;
    let cases: Vec<(Spoil, Status)> = vec![
        (Box::new(move |s| seat_answer(s, 9, &stranger, |_| {})), Status::UnknownKey),
        (
            Box::new(|s| seat_answer(s, 9, &vendor(), |x| x.feature = Some("MESH".into()))),
            Status::MismatchedLease,
        ),
        (Box::new(|s| seat_answer(s, 9, &vendor(), |x| x.nonce = "00".repeat(16))), Status::MismatchedLease),
        (
            Box::new(|s| seat_answer(s, 9, &vendor(), |x| x.computer_id = "BLXRrZJ5T9imK7qPrJSL".into())),
            Status::MismatchedLease,
        ),
        (Box::new(|s| seat_answer(s, 9, &vendor(), |x| x.product_id = "1".into())), Status::WrongProduct),
        (Box::new(|s| seat_answer(s, 9, &vendor(), |x| x.server_time += 3600)), Status::FutureLease),
        (Box::new(|s| lease_answer(s, 9, |_| {})), Status::BadResponse),
    ];
    for (spoil, expected) in cases {
        let server = Scripted::start(move |seen| {
            Some(match seen.request.operation {
                Operation::Activate => (200, capacity_lease(seen, 1)),
                _ => (200, spoil(seen)),
            })
        });
        let dir = tempfile::tempdir().unwrap();
        let c = activated(&server, dir.path());
        assert_eq!(c.floating_checkout("SOLVER"), Err(expected));
        assert_eq!(c.feature_enabled("SOLVER"), Status::NoSeat, "a refused seat was never held");
    }
}

#[test]
fn a_long_term_checkout_works_offline_until_returned() {
    let server = capacity_server();
    let dir = tempfile::tempdir().unwrap();
    let c = activated(&server, dir.path());
    assert_eq!(c.floating_checkout_long_term("SOLVER", 7), Ok(()));
    let seat = c.floating_seat("SOLVER").unwrap();
    assert!(seat.long_term && seat.expires > unix_now() + 6 * 86_400);
    assert_eq!(server.seen().last().unwrap().request.checkout_days, Some(7));
    // A restarted process with no network still holds it.
    let offline = client(dir.path(), "http://127.0.0.1:9", Duration::from_secs(1));
    assert_eq!(offline.feature_enabled("SOLVER"), Status::Ok);
    drop(offline);
    // No heartbeats for a long-term check-out.
    std::thread::sleep(Duration::from_millis(1500));
    assert!(!operations(&server).contains(&Operation::FloatingHeartbeat));
    assert_eq!(c.floating_checkin("SOLVER"), Ok(()));
    let offline = client(dir.path(), "http://127.0.0.1:9", Duration::from_secs(1));
    assert_eq!(offline.feature_enabled("SOLVER"), Status::NoSeat, "returned early: gone from the store");
}

#[test]
fn pools_and_tokens_count_on_the_server() {
    let server = capacity_server();
    let dir = tempfile::tempdir().unwrap();
    let c = activated(&server, dir.path());
    assert_eq!(c.pool_checkout("MESH", 400), Ok(600));
    assert_eq!(c.pool_checkout("MESH", 700), Err(Status::PoolExhausted));
    assert_eq!(c.pool_checkin("MESH", 100), Ok(700));
    assert_eq!(c.pool_checkout("MESH", 0), Err(Status::InvalidArgument));
    assert_eq!(c.pool_checkout("RENDER", 1), Err(Status::FeatureNotEnabled), "tokens are not a pool");
    assert_eq!(c.consume_tokens("RENDER", 20), Ok(30));
    assert_eq!(c.consume_tokens("RENDER", 31), Err(Status::TokensExhausted));
    assert_eq!(c.consume_tokens("MESH", 1), Err(Status::FeatureNotEnabled));
    let seen = server.seen();
    let spend = seen.iter().find(|s| s.request.operation == Operation::ConsumeTokens).unwrap();
    assert_eq!((spend.request.feature.as_deref(), spend.request.amount), (Some("RENDER"), Some(20)));
}

#[test]
fn a_lost_token_answer_is_recorded_offline_naming_its_request() {
    // The server does the work, then the answer is lost: the spend goes to the offline usage
    // journal naming the request, so the server (which answered it) counts it once, and the
    // request is never sent again.
    let tokens = Mutex::new(50u64);
    let server = Scripted::start(move |seen| {
        let r = &seen.request;
        if r.operation == Operation::Activate {
            return Some((200, capacity_lease(seen, 1)));
        }
        let mut left = tokens.lock().unwrap();
        *left -= r.amount.unwrap();
        (*left < 45).then(|| (200, format!(r#"{{"remaining":{left}}}"#))) // the first answer is lost
    });
    let dir = tempfile::tempdir().unwrap();
    let c = activated(&server, dir.path());
    assert_eq!(c.consume_tokens("RENDER", 5), Ok(45), "recorded offline: 50 granted, 5 spent");
    assert_eq!(c.consume_tokens("RENDER", 5), Ok(40), "a new spend, online");
    let ids: Vec<String> = server.seen()[1..].iter().map(|s| s.request.request_id.clone()).collect();
    assert_eq!(ids.len(), 2, "the lost request is not sent again");
    let journal = c.store().load().unwrap().journal;
    let entry: JournalEntry =
        from_slice_strict(Envelope::parse(&journal[0]).unwrap().unverified_payload()).unwrap();
    assert_eq!(
        (entry.usage, entry.amount, entry.request_id.as_deref()),
        (Usage::Tokens, 5, Some(ids[0].as_str()))
    );
}

#[test]
fn a_cloud_session_is_opened_kept_and_closed() {
    let server = capacity_server();
    let dir = tempfile::tempdir().unwrap();
    let c = activated(&server, dir.path());
    assert!(c.session().is_none());
    assert_eq!(c.session_close(), Err(Status::NoSeat));
    assert_eq!(c.session_open(), Ok(()));
    let session = c.session().unwrap();
    assert!(session.feature.is_none());
    assert!(wait_until(Duration::from_secs(6), || operations(&server).contains(&Operation::SessionHeartbeat)));
    assert_eq!(c.session_close(), Ok(()));
    assert!(c.session().is_none());
    let close = server.seen().into_iter().find(|s| s.request.operation == Operation::SessionClose).unwrap();
    assert_eq!(close.request.seat_id, Some(session.seat_id));
}
