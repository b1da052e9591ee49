//! Consumer records: who is behind an activation or a trial, searchable by name, company
//! and e-mail.

use super::db;
use super::db::Value;
use super::db::{Connection, params};

use super::{Where, codes, product_must_exist};
use crate::store::StoreResult;
use crate::store::model::*;

pub fn add(conn: &Connection, record: &ConsumerRecord) -> StoreResult<()> {
    if record.license_code.is_empty() {
        product_must_exist(conn, &record.product_id)?;
    } else {
        codes::must_exist(conn, &record.product_id, &record.license_code)?;
    }
    conn.execute(
        "INSERT INTO consumer_data (product_id, computer_id, license_code, first_name, last_name, company, email, client_info, created)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            record.product_id,
            record.computer_id,
            record.license_code,
            record.first_name,
            record.last_name,
            record.company,
            record.email,
            record.client_info,
            record.created
        ],
    )?;
    Ok(())
}

/// The filtered records as a subquery; with `just_last`, only each computer's newest.
fn filtered(filter: &ConsumerFilter) -> (String, Vec<Value>) {
    let mut w = Where::default();
    w.bind("product_id = ?", filter.product_id.clone());
    if let Some(computer) = &filter.computer_id {
        w.bind("computer_id = ?", computer.clone());
    }
    if let Some(t) = filter.start {
        w.bind("created >= ?", t);
    }
    if let Some(t) = filter.end {
        w.bind("created <= ?", t);
    }
    match filter.activations {
        Some(true) => w.raw("license_code != ''"),
        Some(false) => w.raw("license_code = ''"),
        None => {}
    }
    let (conditions, values) = w.finish();
    let sql = format!(
        "SELECT *, row_number() OVER (PARTITION BY computer_id ORDER BY created DESC, id DESC) AS newest
         FROM consumer_data WHERE {conditions}"
    );
    let keep = if filter.just_last { "newest = 1" } else { "1 = 1" };
    (format!("SELECT * FROM ({sql}) AS numbered WHERE {keep}"), values)
}

pub fn count(conn: &Connection, filter: &ConsumerFilter) -> StoreResult<i64> {
    product_must_exist(conn, &filter.product_id)?;
    let (sql, values) = filtered(filter);
    Ok(conn
        .prepare_cached(&format!("SELECT count(*) FROM ({sql}) AS filtered"))?
        .query_row(db::params_from_iter(values), |r| r.get(0))?)
}

pub fn page(conn: &Connection, filter: &ConsumerFilter, page: Page) -> StoreResult<Vec<ConsumerRecord>> {
    product_must_exist(conn, &filter.product_id)?;
    let (sql, mut values) = filtered(filter);
    let n = values.len();
    values.push(Value::Integer(page.size));
    values.push(Value::Integer(page.offset()));
    let sql = format!(
        "SELECT product_id, computer_id, license_code, first_name, last_name, company, email, client_info, created
         FROM ({sql}) AS filtered ORDER BY created, id LIMIT ?{} OFFSET ?{}",
        n + 1,
        n + 2
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(db::params_from_iter(values), |r| {
        Ok(ConsumerRecord {
            product_id: r.get(0)?,
            computer_id: r.get(1)?,
            license_code: r.get(2)?,
            first_name: r.get(3)?,
            last_name: r.get(4)?,
            company: r.get(5)?,
            email: r.get(6)?,
            client_info: r.get(7)?,
            created: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
