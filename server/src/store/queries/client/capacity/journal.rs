//! The offline usage journal (`licensekit::protocol::journal`) counted into the codes'
//! consumption tokens and element pools, in the transaction of the call that carried it.
//!
//! The signatures and the order within what was sent were checked at decoding; here the
//! entries are joined to where the server last stopped in that journal (kept per product,
//! computer and journal in `usage_journals`): an entry counted before is passed over, one
//! that leaves a gap or does not name the last one counted refuses the whole journal (and
//! the call: nothing is written). An entry that fell back from an online attempt whose answer
//! was lost names that attempt's request ID: if the server did answer it, the use was
//! counted then, and the entry is not counted again.

use super::super::super::super::db::{Connection, OptionalExtension, params};
use licensekit::Status;
use licensekit::protocol::journal::{GENESIS, Usage, Verified};
use sha2::{Digest, Sha256};

use super::super::activations::find_code;
use super::{Which, feature};
use crate::store::StoreResult;
use crate::store::leasing::{ANSWER_RETENTION_MILLIS, Refusal};
use crate::store::model::FeatureType;

/// Who sent a journal, and when.
pub struct Sender<'a> {
    pub product_id: &'a str,
    pub computer_id: &'a str,
    pub installation_key: &'a str,
    pub now: i64,
}

fn refused(why: String) -> Refusal {
    Refusal::new(Status::JournalRefused, format!("journal: {why}"))
}

/// Counts the entries not counted before; refuses the journal when it does not continue
/// where the server stopped.
pub fn apply(conn: &Connection, from: &Sender<'_>, entries: &[Verified]) -> StoreResult<Result<(), Refusal>> {
    let Some(first) = entries.first() else { return Ok(Ok(())) };
    let chain = &first.entry.chain;
    let head: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT seq, link FROM usage_journals WHERE product_id = ?1 AND computer_id = ?2 AND chain = ?3",
        )?
        .query_row(params![from.product_id, from.computer_id, chain], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (mut seq, mut link) = head.unwrap_or((0, GENESIS.to_owned()));
    for verified in entries {
        let entry = &verified.entry;
        let place = i64::try_from(entry.seq).unwrap_or(i64::MAX);
        if place <= seq {
            continue;
        }
        if place != seq + 1 {
            return Ok(Err(refused(format!(
                "entry {place} follows entry {seq}, the last one counted: entries are missing"
            ))));
        }
        if entry.prev != link {
            return Ok(Err(refused(format!(
                "entry {place} does not name entry {seq}, the last one counted: reordered or rewritten"
            ))));
        }
        if let Err(refusal) = count(conn, from, verified)? {
            return Ok(Err(refusal));
        }
        (seq, link) = (place, verified.link.clone());
    }
    conn.prepare_cached(
        "INSERT INTO usage_journals (product_id, computer_id, chain, seq, link, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (product_id, computer_id, chain) DO UPDATE SET seq = excluded.seq, link = excluded.link,
                                                                    updated = excluded.updated",
    )?
    .execute(params![from.product_id, from.computer_id, chain, seq, link, from.now])?;
    Ok(Ok(()))
}

/// Counts one entry into its code's tokens or pool (the use happened: no limit is applied).
fn count(conn: &Connection, from: &Sender<'_>, verified: &Verified) -> StoreResult<Result<(), Refusal>> {
    let entry = &verified.entry;
    if let Some(request_id) = &entry.request_id {
        let answered = conn
            .prepare_cached("SELECT 1 FROM client_answers WHERE request_id = ?1")?
            .exists([request_id])?;
        if answered {
            return Ok(Ok(()));
        }
        // Taken, so the attempt arriving late (a slow server) is refused, not counted twice.
        let hash: [u8; 32] = Sha256::digest(verified.link.as_bytes()).into();
        conn.prepare_cached(
            "INSERT INTO client_answers (request_id, request_hash, lease, seat, remaining, created, keep_until)
             VALUES (?1, ?2, NULL, NULL, NULL, ?3, ?4) ON CONFLICT (request_id) DO NOTHING",
        )?
        .execute(params![request_id, &hash[..], from.now, from.now.saturating_add(ANSWER_RETENTION_MILLIS)])?;
    }
    let code = match find_code(conn, from.product_id, &entry.license_code)? {
        Ok(code) => code,
        Err(refusal) => return Ok(Err(refused(format!("entry {}: {}", entry.seq, refusal.message)))),
    };
    let kind =
        if entry.usage == Usage::Tokens { FeatureType::ConsumptionToken } else { FeatureType::ElementPool };
    let feature = match feature(conn, &code, Which::Named(&entry.feature), kind)? {
        Ok(feature) => feature,
        Err(refusal) => return Ok(Err(refused(format!("entry {}: {}", entry.seq, refusal.message)))),
    };
    let amount = i64::try_from(entry.amount).unwrap_or(i64::MAX);
    match entry.usage {
        Usage::Tokens => {
            conn.prepare_cached(
                "UPDATE code_features SET tokens_used = tokens_used + ?3 WHERE code = ?1 AND feature_id = ?2",
            )?
            .execute(params![code.code, feature.id, amount])?;
        }
        Usage::PoolCheckout => {
            conn.prepare_cached(
                "INSERT INTO feature_checkouts (code, feature_id, computer_id, installation_key, amount, created, expires)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (code, feature_id, installation_key) DO UPDATE SET amount = feature_checkouts.amount + excluded.amount",
            )?
            .execute(params![code.code, feature.id, from.computer_id, from.installation_key, amount, from.now, i64::MAX])?;
        }
        Usage::PoolCheckin => {
            conn.prepare_cached(
                "UPDATE feature_checkouts SET amount = CASE WHEN amount > ?4 THEN amount - ?4 ELSE 0 END
                 WHERE code = ?1 AND feature_id = ?2 AND installation_key = ?3",
            )?
            .execute(params![code.code, feature.id, from.installation_key, amount])?;
        }
    }
    Ok(Ok(()))
}
