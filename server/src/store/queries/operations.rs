//! The operations figures and the audit trail, on either backend (see
//! [`crate::store::operations`]).

use super::db::{Connection, params};

use crate::store::StoreResult;
use crate::store::model::Page;
use crate::store::operations::{AuditEntry, NewAuditEntry, StoreFigures};

/// Seats in use, in one statement: activations, and floating seats (a seat row with a
/// feature; one without is a cloud session). The pool figures are the caller's.
pub fn seats(conn: &Connection, now: i64) -> StoreResult<(i64, i64)> {
    let seats = conn
        .prepare_cached(
            "SELECT (SELECT COUNT(*) FROM activations WHERE status = 'Activated'),
                (SELECT COUNT(*) FROM seats WHERE feature_id IS NOT NULL AND expires > ?1)",
        )?
        .query_row([now], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(seats)
}

/// [`StoreFigures`] from the seats and the pool's state.
pub fn figures((activations, floating_seats): (i64, i64), pool_size: u32, pool_idle: u32) -> StoreFigures {
    StoreFigures { activations, floating_seats, pool_size, pool_idle }
}

pub fn record(conn: &Connection, e: &NewAuditEntry) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO audit_log (time, key_kind, key_prefix, address, method, controller, product_id,
                                license_code, fields)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
        )?
        .query_row(
            params![
                e.time,
                e.key_kind,
                e.key_prefix,
                e.address,
                e.method,
                e.controller,
                e.product_id,
                e.license_code,
                e.fields
            ],
            |r| r.get(0),
        )?)
}

pub fn page(conn: &Connection, page: Page) -> StoreResult<(i64, Vec<AuditEntry>)> {
    let total = conn.prepare_cached("SELECT COUNT(*) FROM audit_log")?.query_row([], |r| r.get(0))?;
    let mut statement = conn.prepare_cached(
        "SELECT id, time, key_kind, key_prefix, address, method, controller, product_id, license_code, fields
           FROM audit_log ORDER BY id DESC LIMIT ?1 OFFSET ?2",
    )?;
    let rows = statement.query_map([page.size, page.offset()], |r| {
        Ok(AuditEntry {
            id: r.get(0)?,
            entry: NewAuditEntry {
                time: r.get(1)?,
                key_kind: r.get(2)?,
                key_prefix: r.get(3)?,
                address: r.get(4)?,
                method: r.get(5)?,
                controller: r.get(6)?,
                product_id: r.get(7)?,
                license_code: r.get(8)?,
                fields: r.get(9)?,
            },
        })
    })?;
    Ok((total, rows.collect::<Result<_, _>>()?))
}
