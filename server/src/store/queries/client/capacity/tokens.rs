//! Consumption tokens: `code_features.tokens_used` goes up by each consumption, in the
//! call's transaction, never past `TokenLimit`. Exactly once per request ID: the answer
//! (tokens left) is stored with the request ID in the same transaction, and a retry gets it
//! back without consuming again.

use super::super::super::db::{Connection, params};
use licensekit::Status;

use super::super::activations::Code;
use super::super::{Granted, Outcome};
use super::{amount, feature, named};
use crate::store::StoreResult;
use crate::store::leasing::{ClientCall, Refusal};
use crate::store::model::FeatureType;

/// Spends `amount` tokens if that many are left (else `TokensExhausted`, nothing spent);
/// answers the tokens left.
pub(in super::super) fn consume(conn: &Connection, call: &ClientCall, code: &Code) -> StoreResult<Outcome> {
    let n = amount(call)?;
    let feature = match feature(conn, code, named(call)?, FeatureType::ConsumptionToken)? {
        Ok(feature) => feature,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let left = (feature.limit - feature.tokens_used).max(0);
    if n > left {
        return Ok(Err(Refusal::new(
            Status::TokensExhausted,
            format!("amount: {n} tokens of {} asked, {left} of {} left", feature.name, feature.limit),
        )));
    }
    // A limit above 0 is a code_features row, so there is one to update.
    conn.prepare_cached(
        "UPDATE code_features SET tokens_used = tokens_used + ?3 WHERE code = ?1 AND feature_id = ?2",
    )?
    .execute(params![code.code, feature.id, n])?;
    Ok(Ok(Granted::Remaining(left - n)))
}
