//! The dashboard's sessions and its reads (see `store::dashboard`).

use super::Where;
use super::db;
use super::db::{Connection, OptionalExtension, Value, params};

use crate::store::StoreResult;
use crate::store::dashboard::*;
use crate::store::model::KeyKind;

/// Opens a session, first dropping those idle since `stale` (so the table holds live
/// sessions and those of the last idle period only).
pub fn open(conn: &Connection, session: &NewSession, stale: i64) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM dashboard_sessions WHERE last_seen < ?1")?.execute([stale])?;
    conn.prepare_cached(
        "INSERT INTO dashboard_sessions (id_hash, key_hash, key_kind, key_prefix, csrf, flash, created, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, '', ?6, ?6)",
    )?
    .execute(params![
        &session.id_hash[..],
        &session.key_hash[..],
        session.kind.name(),
        session.key_prefix,
        session.csrf,
        session.now
    ])?;
    Ok(())
}

/// The session `id_hash` unless idle since `stale`, marked seen at `now`; its flash message
/// is handed over once.
pub fn touch(conn: &Connection, id_hash: &[u8; 32], now: i64, stale: i64) -> StoreResult<Option<Session>> {
    let found = conn
        .prepare_cached(
            "SELECT key_hash, key_kind, key_prefix, csrf, flash FROM dashboard_sessions
             WHERE id_hash = ?1 AND last_seen >= ?2",
        )?
        .query_row(params![&id_hash[..], stale], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((key_hash, kind, key_prefix, csrf, flash)) = found else { return Ok(None) };
    let (Ok(key_hash), Some(kind)) = (<[u8; 32]>::try_from(key_hash), KeyKind::from_name(&kind)) else {
        return Ok(None);
    };
    conn.prepare_cached("UPDATE dashboard_sessions SET last_seen = ?2, flash = '' WHERE id_hash = ?1")?
        .execute(params![&id_hash[..], now])?;
    Ok(Some(Session { key_hash, kind, key_prefix, csrf, flash }))
}

pub fn set_flash(conn: &Connection, id_hash: &[u8; 32], flash: &str) -> StoreResult<()> {
    conn.prepare_cached("UPDATE dashboard_sessions SET flash = ?2 WHERE id_hash = ?1")?
        .execute(params![&id_hash[..], flash])?;
    Ok(())
}

pub fn close(conn: &Connection, id_hash: &[u8; 32]) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM dashboard_sessions WHERE id_hash = ?1")?.execute([&id_hash[..]])?;
    Ok(())
}

fn searched(search: &CodeSearch) -> (String, Vec<Value>) {
    let mut w = Where::default();
    if let Some(product) = &search.product_id {
        w.bind("lc.product_id = ?", product.clone());
    }
    if let Some(text) = &search.text {
        // Codes and names in part and in any case; a computer ID exactly.
        let lower = text.to_lowercase();
        w.values.extend([Value::from(lower.clone()), Value::from(lower), Value::from(text.clone())]);
        let n = w.values.len();
        w.raw(format!(
            "({} OR {} OR lc.code IN (SELECT code FROM activations WHERE computer_id = ?{n}))",
            db::contains("lc.code", &format!("?{}", n - 2)),
            db::contains("c.name", &format!("?{}", n - 1)),
        ));
    }
    w.finish()
}

const FROM: &str = "FROM license_codes lc JOIN products p ON p.id = lc.product_id
     LEFT JOIN companies c ON c.id = lc.company_id";

pub fn count_codes(conn: &Connection, search: &CodeSearch) -> StoreResult<i64> {
    let (conditions, values) = searched(search);
    // Every code has its product; the companies are needed only to search their names.
    let from = if search.text.is_some() {
        "FROM license_codes lc LEFT JOIN companies c ON c.id = lc.company_id"
    } else {
        "FROM license_codes lc"
    };
    Ok(conn
        .prepare_cached(&format!("SELECT count(*) {from} WHERE {conditions}"))?
        .query_row(db::params_from_iter(values), |r| r.get(0))?)
}

pub fn codes(conn: &Connection, search: &CodeSearch) -> StoreResult<Vec<CodeRow>> {
    let (conditions, mut values) = searched(search);
    let n = values.len();
    values.push(Value::from(search.page.size));
    values.push(Value::from(search.page.offset()));
    let column = match search.sort {
        CodeSort::Code => "lc.code",
        CodeSort::Product => "p.name",
        CodeSort::Company => "coalesce(c.name, '')",
        CodeSort::Enabled => "lc.enabled_for_use",
        CodeSort::Activations => "activations",
        CodeSort::Created => "lc.created",
        CodeSort::Modified => "lc.modified",
    };
    let direction = if search.descending { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT lc.code, lc.product_id, p.name, coalesce(c.name, ''), lc.enabled_for_use, lc.license_type,
                lc.clients_allowed,
                (SELECT count(*) FROM activations a WHERE a.code = lc.code AND a.status = 'Activated') AS activations,
                lc.created, lc.modified
         {FROM} WHERE {conditions} ORDER BY {column} {direction}, lc.code {direction} LIMIT ?{} OFFSET ?{}",
        n + 1,
        n + 2
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(db::params_from_iter(values), |r| {
        Ok(CodeRow {
            code: r.get(0)?,
            product_id: r.get(1)?,
            product_name: r.get(2)?,
            company: r.get(3)?,
            enabled: r.get(4)?,
            license_type: r.get(5)?,
            clients_allowed: r.get(6)?,
            activations: r.get(7)?,
            created: r.get(8)?,
            modified: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Events since `start` counted by name per `bucket` milliseconds, oldest first.
pub fn event_counts(
    conn: &Connection,
    product_id: Option<&str>,
    start: i64,
    bucket: i64,
) -> StoreResult<Vec<EventCount>> {
    let mut w = Where::default();
    w.bind("occurred >= ?", start);
    if let Some(product) = product_id {
        w.bind("product_id = ?", product.to_owned());
    }
    let (conditions, mut values) = w.finish();
    values.push(Value::from(bucket));
    let b = values.len();
    let sql = format!(
        "SELECT (occurred / ?{b}) * ?{b} AS bucket, name, count(*) FROM events WHERE {conditions}
         GROUP BY bucket, name ORDER BY bucket, name"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(db::params_from_iter(values), |r| {
        Ok(EventCount { bucket: r.get(0)?, name: r.get(1)?, count: r.get(2)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The seats and check-outs of `code` unexpired at `now`, oldest first.
pub fn holdings(conn: &Connection, code: &str, now: i64) -> StoreResult<Vec<Holding>> {
    let mut stmt = conn.prepare_cached(
        "SELECT 'seat', coalesce(f.code, ''), s.computer_id, '', 1, s.created, s.expires
         FROM seats s LEFT JOIN features f ON f.id = s.feature_id
         WHERE s.code = ?1 AND s.expires > ?2
         UNION ALL
         SELECT 'checkout', f.code, fc.computer_id, fc.username, fc.amount, fc.created, fc.expires
         FROM feature_checkouts fc JOIN features f ON f.id = fc.feature_id
         WHERE fc.code = ?1 AND fc.expires > ?2
         ORDER BY 6, 3",
    )?;
    let rows = stmt.query_map(params![code, now], |r| {
        Ok(Holding {
            what: r.get(0)?,
            feature: r.get(1)?,
            computer_id: r.get(2)?,
            username: r.get(3)?,
            amount: r.get(4)?,
            since: r.get(5)?,
            expires: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// When each computer that activated `code` was last heard from (its activation, when it
/// has not refreshed since, or was activated offline).
pub fn contacts(conn: &Connection, code: &str) -> StoreResult<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT computer_id, max(coalesce(last_contact, activated)) FROM activations WHERE code = ?1
         GROUP BY computer_id",
    )?;
    let rows = stmt.query_map([code], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
