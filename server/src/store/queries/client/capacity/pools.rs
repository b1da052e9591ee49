//! Element pools: each installation's elements are one row of `feature_checkouts` (so a
//! deactivated installation's elements go back to the pool), and the pool's total is summed
//! in the call's transaction, so it never passes `ElementLimit` under any interleaving.

use super::super::super::db::{Connection, OptionalExtension, params};
use licensekit::Status;

use super::super::activations::Code;
use super::super::{Granted, Outcome};
use super::{Feature, amount, feature, named};
use crate::store::StoreResult;
use crate::store::leasing::{ClientCall, Refusal};
use crate::store::model::FeatureType;

/// A pool row never expires: elements are held until returned or the activation ends.
const HELD: i64 = i64::MAX;

/// The pool of the call's feature, and how many of its elements are checked out.
fn pool(conn: &Connection, call: &ClientCall, code: &Code) -> StoreResult<Result<(Feature, i64), Refusal>> {
    let feature = match feature(conn, code, named(call)?, FeatureType::ElementPool)? {
        Ok(feature) => feature,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let total: i64 = conn
        .prepare_cached(
            "SELECT CAST(coalesce(sum(amount), 0) AS BIGINT) FROM feature_checkouts WHERE code = ?1 AND feature_id = ?2",
        )?
        .query_row(params![code.code, feature.id], |r| r.get(0))?;
    Ok(Ok((feature, total)))
}

/// Draws `amount` elements: only if they all fit under the limit (else `PoolExhausted`,
/// nothing drawn). Answers the elements left.
pub(in super::super) fn checkout(conn: &Connection, call: &ClientCall, code: &Code) -> StoreResult<Outcome> {
    let n = amount(call)?;
    let (feature, total) = match pool(conn, call, code)? {
        Ok(pool) => pool,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let left = (feature.limit - total).max(0);
    if n > left {
        return Ok(Err(Refusal::new(
            Status::PoolExhausted,
            format!("amount: {n} elements of {} asked, {left} of {} left", feature.name, feature.limit),
        )));
    }
    conn.prepare_cached(
        "INSERT INTO feature_checkouts (code, feature_id, computer_id, installation_key, amount, created, expires)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (code, feature_id, installation_key) DO UPDATE SET amount = feature_checkouts.amount + excluded.amount",
    )?
    .execute(params![code.code, feature.id, call.computer_id, call.installation_key, n, call.now, HELD])?;
    Ok(Ok(Granted::Remaining(left - n)))
}

/// Returns `amount` elements, at most what this installation holds (else
/// `InvalidArgument`, nothing returned). Answers the elements left.
pub(in super::super) fn checkin(conn: &Connection, call: &ClientCall, code: &Code) -> StoreResult<Outcome> {
    let n = amount(call)?;
    let (feature, total) = match pool(conn, call, code)? {
        Ok(pool) => pool,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let held: i64 = conn
        .prepare_cached(
            "SELECT amount FROM feature_checkouts WHERE code = ?1 AND feature_id = ?2 AND installation_key = ?3",
        )?
        .query_row(params![code.code, feature.id, call.installation_key], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    if n > held {
        return Ok(Err(Refusal::new(
            Status::InvalidArgument,
            format!("amount: {n} elements of {} returned, but this installation holds {held}", feature.name),
        )));
    }
    conn.prepare_cached(
        "UPDATE feature_checkouts SET amount = amount - ?4 WHERE code = ?1 AND feature_id = ?2 AND installation_key = ?3",
    )?
    .execute(params![code.code, feature.id, call.installation_key, n])?;
    conn.prepare_cached("DELETE FROM feature_checkouts WHERE code = ?1 AND feature_id = ?2 AND amount = 0")?
        .execute(params![code.code, feature.id])?;
    Ok(Ok(Granted::Remaining((feature.limit - (total - n)).max(0))))
}
