//! Activations, system details and trials: read and managed here through the Web API,
//! written by the client protocol.

use super::db;
use super::db::Value;
use super::db::{Connection, OptionalExtension, params};

use super::{Where, client, codes, product_must_exist};
use crate::datetime::now_millis;
use crate::store::model::*;
use crate::store::{StoreError, StoreResult};

pub fn activated_codes(conn: &Connection, computer_id: &str) -> StoreResult<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT lc.product_id, a.code FROM activations a JOIN license_codes lc ON lc.code = a.code
         WHERE a.computer_id = ?1 AND a.status = 'Activated' ORDER BY a.id",
    )?;
    let rows = stmt.query_map([computer_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn activity(
    conn: &Connection,
    product_id: &str,
    code: &str,
    only_active: bool,
    with_system: bool,
) -> StoreResult<Vec<Activation>> {
    codes::must_exist(conn, product_id, code)?;
    let mut stmt = conn.prepare_cached(
        "SELECT a.code, a.computer_id, a.status, lc.vm_lease_period, a.lease_end, a.vm_platform, a.username,
                a.activated, a.deactivated, sd.details, a.forks, a.last_fork, a.lan_daemon, a.id, r.reported
         FROM activations a JOIN license_codes lc ON lc.code = a.code
         LEFT JOIN system_details sd ON sd.product_id = lc.product_id AND sd.computer_id = a.computer_id
         LEFT JOIN lan_reports r ON r.activation_id = a.id
         WHERE a.code = ?1 AND (?2 = 0 OR a.status = 'Activated') ORDER BY a.id",
    )?;
    // (activation, its row ID and when its LAN daemon last reported, if it did)
    let rows = stmt.query_map(params![code, only_active], |r| {
        let details: Option<String> = r.get(9)?;
        let activation = Activation {
            code: r.get(0)?,
            computer_id: r.get(1)?,
            status: r.get(2)?,
            vm_lease_period: r.get(3)?,
            lease_end: r.get(4)?,
            vm_platform: r.get(5)?,
            username: r.get(6)?,
            activated: r.get(7)?,
            deactivated: r.get(8)?,
            system_info: if with_system { details } else { None },
            forks: r.get(10)?,
            last_fork: r.get(11)?,
            lan_daemon: r.get(12)?,
            lan_report: None,
        };
        Ok((activation, r.get::<_, i64>(13)?, r.get::<_, Option<i64>>(14)?))
    })?;
    let rows: Vec<(Activation, i64, Option<i64>)> = rows.collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(mut activation, id, reported)| {
            if let Some(reported) = reported {
                activation.lan_report = Some(LanReport { reported, seats: lan_seats(conn, id)? });
            }
            Ok(activation)
        })
        .collect()
}

/// The seats in a LAN daemon's last report, by when they were taken.
fn lan_seats(conn: &Connection, activation_id: i64) -> StoreResult<Vec<LanSeat>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seat_id, computer_id, hostname, username, since, expires, borrowed FROM lan_seats
         WHERE activation_id = ?1 ORDER BY since, seat_id",
    )?;
    let rows = stmt.query_map([activation_id], |r| {
        Ok(LanSeat {
            seat_id: r.get(0)?,
            computer_id: r.get(1)?,
            hostname: r.get(2)?,
            user: r.get(3)?,
            since: r.get(4)?,
            expires: r.get(5)?,
            borrowed: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn return_all(conn: &Connection, product_id: &str, code: &str) -> StoreResult<i64> {
    codes::must_exist(conn, product_id, code)?;
    let changed = conn.execute(
        "UPDATE activations SET status = 'Returned', deactivated = ?2 WHERE code = ?1 AND status = 'Activated'",
        params![code, now_millis()],
    )?;
    // Seats, sessions and elements the returned activations held are freed with them.
    client::release_capacity(conn, code, None, None)?;
    Ok(changed as i64)
}

pub fn delete(
    conn: &Connection,
    product_id: &str,
    code: &str,
    computer_id: Option<&str>,
) -> StoreResult<i64> {
    codes::must_exist(conn, product_id, code)?;
    // Seats, sessions and elements the deleted activity held are freed with it.
    client::release_capacity(conn, code, computer_id, None)?;
    // Their computers learn it, signed, at their next refresh.
    conn.execute(
        "INSERT INTO deleted_activations (installation_key, code, computer_id, deleted)
         SELECT installation_key, code, computer_id, ?3 FROM activations
         WHERE code = ?1 AND (?2 IS NULL OR computer_id = ?2) AND installation_key IS NOT NULL
         ON CONFLICT DO NOTHING",
        params![code, computer_id, now_millis()],
    )?;
    let deleted = conn.execute(
        "DELETE FROM activations WHERE code = ?1 AND (?2 IS NULL OR computer_id = ?2)",
        params![code, computer_id],
    )?;
    Ok(deleted as i64)
}

pub fn system_details(conn: &Connection, product_id: &str, computer_id: &str) -> StoreResult<Option<String>> {
    product_must_exist(conn, product_id)?;
    Ok(conn
        .prepare_cached("SELECT details FROM system_details WHERE product_id = ?1 AND computer_id = ?2")?
        .query_row([product_id, computer_id], |r| r.get(0))
        .optional()?)
}

const TRIAL_COLUMNS: &str = "product_id, computer_id, trial_period, created, modified, lease_end, expires, \
    converted_code, forks, last_fork";

fn read_trial(r: &db::Row<'_>) -> db::Result<Trial> {
    Ok(Trial {
        product_id: r.get(0)?,
        computer_id: r.get(1)?,
        trial_period: r.get(2)?,
        created: r.get(3)?,
        modified: r.get(4)?,
        lease_end: r.get(5)?,
        expires: r.get(6)?,
        converted_code: r.get(7)?,
        forks: r.get(8)?,
        last_fork: r.get(9)?,
    })
}

pub fn trial(conn: &Connection, product_id: &str, computer_id: &str) -> StoreResult<Option<Trial>> {
    product_must_exist(conn, product_id)?;
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {TRIAL_COLUMNS} FROM trials WHERE product_id = ?1 AND computer_id = ?2"
        ))?
        .query_row([product_id, computer_id], read_trial)
        .optional()?)
}

pub fn delete_trial(conn: &Connection, product_id: &str, computer_id: &str) -> StoreResult<()> {
    let trial = trial(conn, product_id, computer_id)?.ok_or_else(|| {
        StoreError::NotFound(format!(
            "computerid: no trial for computer {computer_id} in product {product_id}"
        ))
    })?;
    if let Some(code) = trial.converted_code {
        return Err(StoreError::Conflict(format!(
            "computerid: the trial of computer {computer_id} has been activated with license code {code}"
        )));
    }
    conn.execute("DELETE FROM trials WHERE product_id = ?1 AND computer_id = ?2", [product_id, computer_id])?;
    Ok(())
}

fn trial_filter(filter: &TrialFilter) -> (String, Vec<Value>) {
    let mut w = Where::default();
    if let Some(product) = &filter.product_id {
        w.bind("product_id = ?", product.clone());
    }
    if let Some(computer) = &filter.computer_id {
        w.bind("computer_id = ?", computer.clone());
    }
    if let Some(t) = filter.expires_before {
        w.bind("expires < ?", t);
    }
    if let Some(t) = filter.expires_after {
        w.bind("expires > ?", t);
    }
    match filter.in_trial {
        Some(true) => w.bind("expires > ?", filter.now),
        Some(false) => w.bind("expires <= ?", filter.now),
        None => {}
    }
    match filter.converted {
        Some(true) => w.raw("converted_code IS NOT NULL"),
        Some(false) => w.raw("converted_code IS NULL"),
        None => {}
    }
    if let Some(t) = filter.created_before {
        w.bind("created < ?", t);
    }
    if let Some(t) = filter.created_after {
        w.bind("created > ?", t);
    }
    w.finish()
}

pub fn count_trials(conn: &Connection, filter: &TrialFilter) -> StoreResult<i64> {
    let (condition, values) = trial_filter(filter);
    Ok(conn
        .prepare_cached(&format!("SELECT count(*) FROM trials WHERE {condition}"))?
        .query_row(db::params_from_iter(values), |r| r.get(0))?)
}

pub fn trials(conn: &Connection, filter: &TrialFilter, page: Page) -> StoreResult<Vec<Trial>> {
    let (condition, mut values) = trial_filter(filter);
    let n = values.len();
    values.push(Value::Integer(page.size));
    values.push(Value::Integer(page.offset()));
    let sql = format!(
        "SELECT {TRIAL_COLUMNS} FROM trials WHERE {condition} ORDER BY id LIMIT ?{} OFFSET ?{}",
        n + 1,
        n + 2
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_map(db::params_from_iter(values), read_trial)?
        .collect::<Result<_, _>>()?)
}
