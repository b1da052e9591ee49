//! Usage events: DataStreamer's and those clients deliver from their queues, read back by
//! the vendor by product, name and time.

use super::db;
use super::db::Value;
use super::db::{Connection, params};

use super::{Where, product_must_exist};
use crate::store::StoreResult;
use crate::store::model::*;

/// Records one event. A client's event already recorded (its batch sent again) is left as
/// it was; returns whether this one was new.
pub fn add(conn: &Connection, record: &EventRecord) -> StoreResult<bool> {
    if !record.product_id.is_empty() {
        product_must_exist(conn, &record.product_id)?;
    }
    let added = conn
        .prepare_cached(
            "INSERT INTO events (event_id, product_id, name, payload, source, computer_id, license_code, occurred, received)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (product_id, computer_id, event_id) DO NOTHING",
        )?
        .execute(params![
            record.event_id,
            record.product_id,
            record.name,
            record.payload,
            record.source.as_str(),
            record.computer_id,
            record.license_code,
            record.occurred,
            record.received
        ])?;
    Ok(added > 0)
}

fn filtered(filter: &EventFilter) -> (String, Vec<Value>) {
    let mut w = Where::default();
    if let Some(product) = &filter.product_id {
        w.bind("product_id = ?", product.clone());
    }
    if let Some(name) = &filter.name {
        w.bind("name = ?", name.clone());
    }
    if let Some(t) = filter.start {
        w.bind("occurred >= ?", t);
    }
    if let Some(t) = filter.end {
        w.bind("occurred <= ?", t);
    }
    w.finish()
}

pub fn count(conn: &Connection, filter: &EventFilter) -> StoreResult<i64> {
    let (conditions, values) = filtered(filter);
    Ok(conn
        .prepare_cached(&format!("SELECT count(*) FROM events WHERE {conditions}"))?
        .query_row(db::params_from_iter(values), |r| r.get(0))?)
}

/// One page, oldest first.
pub fn page(conn: &Connection, filter: &EventFilter, page: Page) -> StoreResult<Vec<EventRecord>> {
    let (conditions, mut values) = filtered(filter);
    let n = values.len();
    values.push(Value::Integer(page.size));
    values.push(Value::Integer(page.offset()));
    let sql = format!(
        "SELECT event_id, product_id, name, payload, source, computer_id, license_code, occurred, received
         FROM events WHERE {conditions} ORDER BY occurred, id LIMIT ?{} OFFSET ?{}",
        n + 1,
        n + 2
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(db::params_from_iter(values), |r| {
        let source: String = r.get(4)?;
        Ok(EventRecord {
            event_id: r.get(0)?,
            product_id: r.get(1)?,
            name: r.get(2)?,
            payload: r.get(3)?,
            source: EventSource::parse(&source).unwrap_or(EventSource::Client),
            computer_id: r.get(5)?,
            license_code: r.get(6)?,
            occurred: r.get(7)?,
            received: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
