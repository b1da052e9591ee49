//! The offline usage journal: tokens and pool units used by the real client while the
//! server is out of reach, counted exactly once when the next refresh or deactivation
//! certificate carries them; a journal with a gap, out of order or forged refused whole; a
//! use whose online attempt did reach the server not counted twice.

mod common;

use common::Server;
use common::licensing::{client, client_trusting, code, product};
use common::raw::{self, Installation};
use licensekit::Status;
use licensekit::protocol::client_api::{Operation, PATH_REFRESH, PATH_TOKENS_CONSUME};
use licensekit::protocol::journal::{GENESIS, JournalEntry, Usage, link};
use licensekit::protocol::{Envelope, Kind, SigningKey};
use serde_json::json;

fn metered_product(server: &Server) -> String {
    product(
        server,
        json!({"features": [
            {"featurecode": "RENDER", "featurename": "Render", "notes": "n", "featuretype": "consumptiontokens"},
            {"featurecode": "MESH", "featurename": "Mesh", "notes": "n", "featuretype": "elementpool"}]}),
    )
}

fn metered_code(server: &Server, product: &str) -> String {
    code(
        server,
        product,
        json!({"clientsallowed": 10, "features": [
            {"featurecode": "RENDER", "featureavailability": "on", "limit": 10},
            {"featurecode": "MESH", "featureavailability": "on", "limit": 5}]}),
    )
}

#[test]
fn offline_use_is_counted_once_at_the_next_refresh() {
    let server = Server::start();
    let product = metered_product(&server);
    let code = metered_code(&server, &product);
    let store = tempfile::tempdir().unwrap();
    let online = client(&server, &product, store.path());
    online.activate(&code).unwrap();
    assert_eq!(online.consume_tokens("RENDER", 2), Ok(8));

    // The same computer with the server out of reach.
    let offline = client_trusting("http://127.0.0.1:9", &product, store.path(), &[&server.public_key]);
    assert_eq!(offline.consume_tokens("RENDER", 3), Ok(7), "within the license's 10 between contacts");
    assert_eq!(offline.consume_tokens("RENDER", 8), Err(Status::TokensExhausted));
    assert_eq!(offline.pool_checkout("MESH", 2), Ok(3));
    assert_eq!(offline.pool_checkin("MESH", 1), Ok(4));
    assert_eq!(offline.pool_checkin("MESH", 2), Err(Status::InvalidArgument), "only what was drawn offline");
    assert_eq!(offline.store().load().unwrap().journal.len(), 3);
    drop(offline);

    // Back online: the refresh carries the journal; each use is counted once.
    online.refresh().unwrap();
    assert!(online.store().load().unwrap().journal.is_empty(), "acknowledged, forgotten");
    assert_eq!(online.consume_tokens("RENDER", 1), Ok(4), "10 - 2 online - 3 offline - 1");
    assert_eq!(online.pool_checkout("MESH", 4), Ok(0), "one unit is still held from offline");
    online.refresh().unwrap();
    assert_eq!(online.consume_tokens("RENDER", 1), Ok(3), "nothing counted twice");

    // Used offline, then the seat given back by certificate: the certificate carries it.
    let offline = client_trusting("http://127.0.0.1:9", &product, store.path(), &[&server.public_key]);
    assert_eq!(offline.consume_tokens("RENDER", 2), Ok(8));
    let certificate = offline.offline_deactivation_certificate().unwrap();
    assert!(offline.store().load().unwrap().journal.is_empty());
    let (status, answer) = server.call(
        "DELETE",
        "OfflineActivation",
        "read_write",
        &json!({"productid": product, "deactivationcertificate": certificate}),
    );
    assert_eq!(status, 200, "{answer}");
    let other = tempfile::tempdir().unwrap();
    let elsewhere = client(&server, &product, other.path());
    elsewhere.activate(&code).unwrap();
    assert_eq!(elsewhere.consume_tokens("RENDER", 1), Ok(0), "3 left - 2 by certificate - 1");
}

/// A journal entry signed by `key`.
fn entry(
    key: &SigningKey,
    chain: &str,
    seq: u64,
    prev: &str,
    code: &str,
    request_id: Option<String>,
) -> String {
    let entry = JournalEntry {
        chain: chain.to_owned(),
        seq,
        prev: prev.to_owned(),
        time: common::licensing::now_secs(),
        license_code: code.to_owned(),
        feature: "RENDER".into(),
        usage: Usage::Tokens,
        amount: 1,
        request_id,
    };
    Envelope::sign(key, Kind::JournalEntry, &serde_json::to_vec(&entry).unwrap()).unwrap().to_compact()
}

/// A refresh carrying `journal`.
fn refresh_with(me: &Installation, journal: Vec<String>) -> Vec<u8> {
    let mut request = me.request(Operation::Refresh);
    request.journal = journal;
    raw::body(&me.key, &request)
}

/// A refresh carrying `journal`, granted (the installation holds its lease from then on).
fn counted(server: &Server, me: &Installation, journal: Vec<String>) {
    raw::lease(server, PATH_REFRESH, &refresh_with(me, journal));
}

fn tokens_left(server: &Server, me: &Installation) -> u64 {
    raw::remaining(
        server,
        PATH_TOKENS_CONSUME,
        &me.capacity(Operation::ConsumeTokens, Some("RENDER"), Some(1), None),
    ) + 1
}

#[test]
fn a_journal_with_a_gap_out_of_order_or_forged_is_refused_whole() {
    let server = Server::start();
    let product = metered_product(&server);
    let code = metered_code(&server, &product);
    let me = raw::activated(&server, &product, &code, "COMPUTER-JOURNAL-001");
    let chain = raw::hex32();
    let e1 = entry(&me.key, &chain, 1, GENESIS, &code, None);
    let e2 = entry(&me.key, &chain, 2, &link(&e1), &code, None);
    let e3 = entry(&me.key, &chain, 3, &link(&e2), &code, None);
    let refused = |journal: Vec<String>, says: &str| {
        let (status, answer) = raw::post(&server, PATH_REFRESH, &refresh_with(&me, journal));
        assert_eq!(
            (status, answer["status"].as_u64()),
            (409, Some(Status::JournalRefused as u64)),
            "{answer}"
        );
        assert!(answer["message"].as_str().unwrap().contains(says), "{answer}");
    };
    refused(vec![e1.clone(), e3.clone()], "missing or out of order");
    refused(vec![e2.clone(), e1.clone()], "out of order");
    let stranger = SigningKey::from_seed(&[9; 32]);
    refused(vec![e1.clone(), entry(&stranger, &chain, 2, &link(&e1), &code, None)], "forged");
    // Nothing of the refused journals was counted.
    assert_eq!(tokens_left(&server, &me), 10);

    counted(&server, &me, vec![e1.clone(), e2.clone()]);
    assert_eq!(tokens_left(&server, &me), 9 - 2);
    // Sent again with the next entry (the answer was lost): only the new one counts.
    counted(&server, &me, vec![e1.clone(), e2.clone(), e3.clone()]);
    assert_eq!(tokens_left(&server, &me), 8 - 2 - 1);
    // Joined to what was counted: entry 5 after 3 leaves a gap.
    let e4 = entry(&me.key, &chain, 4, &link(&e3), &code, None);
    let e5 = entry(&me.key, &chain, 5, &link(&e4), &code, None);
    refused(vec![e5], "entries are missing");
    // Entry 4 naming another entry 3 than the one counted: rewritten.
    refused(vec![entry(&me.key, &chain, 4, &link(&e1), &code, None)], "reordered or rewritten");
}

#[test]
fn a_use_whose_online_attempt_reached_the_server_is_counted_once() {
    let server = Server::start();
    let product = metered_product(&server);
    let code = metered_code(&server, &product);
    let me = raw::activated(&server, &product, &code, "COMPUTER-JOURNAL-002");
    // The online attempt was counted, but its answer never reached the computer, which
    // recorded the use offline naming that attempt.
    let mut attempt = me.request(Operation::ConsumeTokens);
    attempt.feature = Some("RENDER".into());
    attempt.amount = Some(1);
    let request_id = attempt.request_id.clone();
    assert_eq!(raw::remaining(&server, PATH_TOKENS_CONSUME, &raw::body(&me.key, &attempt)), 9);
    let chain = raw::hex32();
    let counted = entry(&me.key, &chain, 1, GENESIS, &code, Some(request_id));
    let not_counted = entry(&me.key, &chain, 2, &link(&counted), &code, Some(raw::hex32()));
    self::counted(&server, &me, vec![counted, not_counted]);
    assert_eq!(tokens_left(&server, &me), 9 - 1, "the first entry was the online attempt's use");
}
