//! Shared capacity: floating seats and cloud sessions ([`seats`]), element pools ([`pools`])
//! and consumption tokens ([`tokens`]).
//!
//! Every call is made by an installation holding a current activation of the code (checked
//! as a refresh is, by [`holder`]). Counts are taken inside the call's transaction, against
//! the seats and sessions whose lease has not ended at the call's time, so the totals are
//! exact under any interleaving and a dead seat is free the moment its lease ends: no sweeper
//! is needed for correctness (expired rows are deleted when the seats are next counted).

pub(super) mod journal;
pub(super) mod pools;
pub(super) mod seats;
pub(super) mod tokens;

use super::super::super::db::{Connection, OptionalExtension, params};
use licensekit::Status;

use super::Outcome;
use super::activations::{Code, holder};
use crate::store::leasing::{ClientCall, Refusal};
use crate::store::model::FeatureType;
use crate::store::{StoreError, StoreResult};

/// A capacity rule: what a call does once its installation is known to hold the code.
pub(super) type Rule = fn(&Connection, &ClientCall, &Code) -> StoreResult<Outcome>;

/// Runs a capacity rule for an installation that holds a current activation of the code.
pub(super) fn call(conn: &Connection, call: &ClientCall, rule: Rule) -> StoreResult<Outcome> {
    match holder(conn, call)? {
        Ok(code) => rule(conn, call, &code),
        Err(refusal) => Ok(Err(refusal)),
    }
}

/// A capacity feature of a code: its limit and the tokens consumed so far.
struct Feature {
    id: i64,
    name: String,
    limit: i64,
    tokens_used: i64,
}

/// Which feature a call concerns: named by the request, or the one a seat belongs to.
#[derive(Clone, Copy)]
enum Which<'a> {
    Named(&'a str),
    Id(i64),
}

/// The feature, which must be of `kind` and ON for the code; else `FeatureNotEnabled`.
fn feature(
    conn: &Connection,
    code: &Code,
    which: Which<'_>,
    kind: FeatureType,
) -> StoreResult<Result<Feature, Refusal>> {
    let (name, id) = match which {
        Which::Named(name) => (Some(name), None),
        Which::Id(id) => (None, Some(id)),
    };
    let found: Option<(i64, String, String, bool, i64, i64)> = conn
        .prepare_cached(
            "SELECT f.id, f.code, f.feature_type, coalesce(x.availability, f.availability),
                    coalesce(x.feature_limit, 0), coalesce(x.tokens_used, 0)
             FROM features f LEFT JOIN code_features x ON x.feature_id = f.id AND x.code = ?1
             WHERE f.product_id = ?2 AND (?3 IS NULL OR f.code = ?3) AND (?4 IS NULL OR f.id = ?4)",
        )?
        .query_row(params![code.code, code.product_id, name, id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })
        .optional()?;
    let refuse = |why: String| Ok(Err(Refusal::new(Status::FeatureNotEnabled, why)));
    let Some((id, name, stored_kind, on, limit, tokens_used)) = found else {
        return refuse(format!(
            "feature: no feature {} in product {}",
            name.unwrap_or_default(),
            code.product_id
        ));
    };
    let stored_kind = FeatureType::from_name(&stored_kind)
        .ok_or_else(|| StoreError::Internal(format!("feature type {stored_kind}")))?;
    if stored_kind != kind {
        return refuse(format!("feature: {name} is a {} feature, not {}", stored_kind.name(), kind.name()));
    }
    if !on {
        return refuse(format!("feature: {name} is OFF for this license code"));
    }
    Ok(Ok(Feature { id, name, limit, tokens_used }))
}

/// Frees what installations of `code` hold (floating seats, sessions, elements) and
/// forgets the network seats a LAN daemon among them reported (they are the daemon's no
/// more): on one computer or all, except what the installation key `keep` holds.
pub(in super::super) fn release(
    conn: &Connection,
    code: &str,
    computer_id: Option<&str>,
    keep: Option<&str>,
) -> StoreResult<()> {
    for sql in [
        "DELETE FROM seats WHERE code = ?1 AND (?2 IS NULL OR computer_id = ?2)
                                 AND (?3 IS NULL OR installation_key IS DISTINCT FROM ?3)",
        "DELETE FROM feature_checkouts WHERE code = ?1 AND (?2 IS NULL OR computer_id = ?2)
                                             AND (?3 IS NULL OR installation_key IS DISTINCT FROM ?3)",
        "DELETE FROM lan_reports WHERE activation_id IN (
             SELECT id FROM activations WHERE code = ?1 AND (?2 IS NULL OR computer_id = ?2)
                                              AND (?3 IS NULL OR installation_key IS DISTINCT FROM ?3))",
    ] {
        conn.prepare_cached(sql)?.execute(params![code, computer_id, keep])?;
    }
    Ok(())
}

/// Frees what one installation holds of `code`: floating seats, sessions and drawn elements,
/// and (a LAN daemon's) the report of the network seats it served.
pub(in super::super) fn release_installation(
    conn: &Connection,
    code: &str,
    installation_key: &str,
) -> StoreResult<()> {
    for sql in [
        "DELETE FROM seats WHERE code = ?1 AND installation_key = ?2",
        "DELETE FROM feature_checkouts WHERE code = ?1 AND installation_key = ?2",
        "DELETE FROM lan_reports WHERE activation_id IN (
             SELECT id FROM activations WHERE code = ?1 AND installation_key = ?2)",
    ] {
        conn.prepare_cached(sql)?.execute(params![code, installation_key])?;
    }
    Ok(())
}

/// The call's amount (the request's bounds are checked at decoding: at least 1).
fn amount(call: &ClientCall) -> StoreResult<i64> {
    call.capacity.amount.ok_or_else(|| StoreError::Internal("amount: not checked at decoding".into()))
}

/// The call's feature code (required at decoding for the operations that use it).
fn named(call: &ClientCall) -> StoreResult<Which<'_>> {
    call.capacity
        .feature
        .as_deref()
        .map(Which::Named)
        .ok_or_else(|| StoreError::Internal("feature: not checked at decoding".into()))
}
