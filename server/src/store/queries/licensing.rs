//! What profiles and license codes share: the settings columns, and per-feature, per-UDF
//! and server-function settings. A profile is the template; a code carries its own copy.

use super::db;
use super::db::Value;
use super::db::{Connection, OptionalExtension, Row, params};

use crate::datetime::now_millis;
use crate::store::model::*;
use crate::store::{StoreError, StoreResult};

/// The settings columns, in the order [`read_settings`] and [`write_settings`] use.
pub const SETTINGS_COLUMNS: &str = "enabled_for_use, license_type, clients_allowed, client_lease_period, \
    vm_lease_period, client_offline_lease_period, acquired_by_webservice, network_seats, heartbeat, \
    concurrent_processes, concurrency_mode, subscription_period, subscription_end, maintenance_end";

/// Reads the [`SETTINGS_COLUMNS`] starting at column `at`.
pub fn read_settings(row: &Row<'_>, at: usize) -> db::Result<Settings> {
    let bad = db::bad_value;
    let license_type: String = row.get(at + 1)?;
    let mode: String = row.get(at + 10)?;
    Ok(Settings {
        enabled_for_use: row.get(at)?,
        license_type: LicenseType::from_name(&license_type)
            .ok_or_else(|| bad(at + 1, license_type.clone()))?,
        clients_allowed: row.get(at + 2)?,
        client_lease_period: row.get(at + 3)?,
        vm_lease_period: row.get(at + 4)?,
        client_offline_lease_period: row.get(at + 5)?,
        acquired_by_webservice: row.get(at + 6)?,
        network_seats: row.get(at + 7)?,
        heartbeat: row.get(at + 8)?,
        concurrent_processes: row.get(at + 9)?,
        concurrency_mode: ConcurrencyMode::from_name(&mode).ok_or_else(|| bad(at + 10, mode.clone()))?,
        subscription_period: row.get(at + 11)?,
        subscription_end: row.get(at + 12)?,
        maintenance_end: row.get(at + 13)?,
    })
}

/// The values of [`SETTINGS_COLUMNS`].
pub fn settings_values(s: &Settings) -> Vec<Value> {
    vec![
        Value::Integer(s.enabled_for_use.into()),
        Value::Text(s.license_type.name().into()),
        Value::Integer(s.clients_allowed),
        Value::Integer(s.client_lease_period),
        Value::Integer(s.vm_lease_period),
        Value::Integer(s.client_offline_lease_period),
        Value::Integer(s.acquired_by_webservice.into()),
        Value::Integer(s.network_seats),
        Value::Integer(s.heartbeat),
        Value::Integer(s.concurrent_processes),
        Value::Text(s.concurrency_mode.name().into()),
        Value::Integer(s.subscription_period),
        s.subscription_end.map_or(Value::Null, Value::Integer),
        s.maintenance_end.map_or(Value::Null, Value::Integer),
    ]
}

/// Whose settings: a profile (by ID) or a license code.
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    Profile(i64),
    Code(&'a str),
}

impl Owner<'_> {
    fn key(self) -> Value {
        match self {
            Owner::Profile(id) => Value::Integer(id),
            Owner::Code(code) => Value::Text(code.to_owned()),
        }
    }

    /// (settings table, key column, features table, UDF table, server-function table).
    fn tables(self) -> (&'static str, &'static str, &'static str, &'static str, &'static str) {
        match self {
            Owner::Profile(_) => {
                ("profiles", "id", "profile_features", "profile_udfs", "profile_server_functions")
            }
            Owner::Code(_) => {
                ("license_codes", "code", "code_features", "code_udfs", "code_server_functions")
            }
        }
    }

    fn owner_column(self) -> &'static str {
        match self {
            Owner::Profile(_) => "profile_id",
            Owner::Code(_) => "code",
        }
    }
}

/// Writes the settings of a profile or code and stamps it modified.
pub fn write_settings(conn: &Connection, owner: Owner<'_>, settings: &Settings) -> StoreResult<()> {
    let (table, key, ..) = owner.tables();
    let assignments: Vec<String> =
        SETTINGS_COLUMNS.split(", ").enumerate().map(|(i, c)| format!("{c} = ?{}", i + 1)).collect();
    let sql = format!("UPDATE {table} SET {}, modified = ?15 WHERE {key} = ?16", assignments.join(", "));
    let mut values = settings_values(settings);
    values.push(Value::Integer(now_millis()));
    values.push(owner.key());
    conn.prepare_cached(&sql)?.execute(db::params_from_iter(values))?;
    Ok(())
}

/// The ID and type of a product's feature, or `NotFound` naming the field.
pub fn feature_id(conn: &Connection, product_id: &str, code: &str) -> StoreResult<(i64, FeatureType)> {
    let found: Option<(i64, String)> = conn
        .prepare_cached("SELECT id, feature_type FROM features WHERE product_id = ?1 AND code = ?2")?
        .query_row([product_id, code], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (id, kind) = found.ok_or_else(|| {
        StoreError::NotFound(format!("featurecode: feature {code} not found in product {product_id}"))
    })?;
    let kind =
        FeatureType::from_name(&kind).ok_or_else(|| StoreError::Internal(format!("feature type {kind}")))?;
    Ok((id, kind))
}

/// The ID of a product's UDF, or `NotFound` naming the field.
pub fn udf_id(conn: &Connection, product_id: &str, name: &str) -> StoreResult<i64> {
    conn.prepare_cached("SELECT id FROM udfs WHERE product_id = ?1 AND name = ?2")?
        .query_row([product_id, name], |r| r.get(0))
        .optional()?
        .ok_or_else(|| {
            StoreError::NotFound(format!("fieldname: UDF {name} not found in product {product_id}"))
        })
}

/// Applies per-feature, per-UDF and server-function settings; names must exist.
pub fn apply_extras(
    conn: &Connection,
    owner: Owner<'_>,
    product_id: &str,
    extras: &LicenseExtras,
) -> StoreResult<()> {
    let (_, _, features, udfs, functions) = owner.tables();
    let col = owner.owner_column();
    for feature in &extras.features {
        let (id, _) = feature_id(conn, product_id, &feature.code)?;
        conn.prepare_cached(&format!(
            "INSERT INTO {features} ({col}, feature_id, availability, feature_limit) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT ({col}, feature_id) DO UPDATE
                 SET availability = coalesce(excluded.availability, {features}.availability),
                     feature_limit = coalesce(excluded.feature_limit, {features}.feature_limit)"
        ))?
        .execute(params![owner.key(), id, feature.availability, feature.limit])?;
    }
    for udf in &extras.udfs {
        let id = udf_id(conn, product_id, &udf.name)?;
        conn.prepare_cached(&format!(
            "INSERT INTO {udfs} ({col}, udf_id, value) VALUES (?1, ?2, ?3)
             ON CONFLICT ({col}, udf_id) DO UPDATE SET value = excluded.value"
        ))?
        .execute(params![owner.key(), id, udf.value])?;
    }
    for function in &extras.server_functions {
        conn.prepare_cached(&format!(
            "INSERT INTO {functions} ({col}, name, enabled, parameter) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT ({col}, name) DO UPDATE SET enabled = excluded.enabled, parameter = excluded.parameter"
        ))?
        .execute(params![owner.key(), function.name, function.enabled, function.parameter])?;
    }
    Ok(())
}

/// Gives a code everything its profile sets: settings, features, UDFs, server functions.
pub fn copy_profile_to_code(conn: &Connection, profile_id: i64, code: &str) -> StoreResult<()> {
    let settings = conn
        .prepare_cached(&format!("SELECT {SETTINGS_COLUMNS} FROM profiles WHERE id = ?1"))?
        .query_row([profile_id], |r| read_settings(r, 0))?;
    write_settings(conn, Owner::Code(code), &settings)?;
    conn.prepare_cached(
        "INSERT INTO code_features (code, feature_id, availability, feature_limit)
         SELECT ?1, feature_id, availability, feature_limit FROM profile_features WHERE profile_id = ?2 AND true
         ON CONFLICT (code, feature_id) DO UPDATE
             SET availability = coalesce(excluded.availability, code_features.availability),
                 feature_limit = coalesce(excluded.feature_limit, code_features.feature_limit)",
    )?
    .execute(params![code, profile_id])?;
    conn.prepare_cached(
        "INSERT INTO code_udfs (code, udf_id, value) SELECT ?1, udf_id, value FROM profile_udfs WHERE profile_id = ?2 AND true
         ON CONFLICT (code, udf_id) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![code, profile_id])?;
    conn.prepare_cached(
        "INSERT INTO code_server_functions (code, name, enabled, parameter)
         SELECT ?1, name, enabled, parameter FROM profile_server_functions WHERE profile_id = ?2 AND true
         ON CONFLICT (code, name) DO UPDATE SET enabled = excluded.enabled, parameter = excluded.parameter",
    )?
    .execute(params![code, profile_id])?;
    Ok(())
}

/// Every product feature as the owner sees it, with current use: floating seats whose lease
/// has not ended, elements held, tokens consumed. A profile's use is the sum over the codes
/// in it.
pub fn feature_states(
    conn: &Connection,
    owner: Owner<'_>,
    product_id: &str,
) -> StoreResult<Vec<FeatureState>> {
    let (features_sql, checkouts_sql) = match owner {
        Owner::Code(_) => (
            "SELECT f.id, f.code, f.feature_type, coalesce(x.availability, f.availability),
                    coalesce(x.feature_limit, 0), coalesce(x.tokens_used, 0)
             FROM features f LEFT JOIN code_features x ON x.feature_id = f.id AND x.code = ?1
             WHERE f.product_id = ?2 ORDER BY f.id",
            "SELECT feature_id, computer_id, username, amount FROM feature_checkouts
             WHERE code = ?1 AND expires > ?2
             UNION ALL
             SELECT feature_id, computer_id, '', 1 FROM seats
             WHERE code = ?1 AND feature_id IS NOT NULL AND expires > ?2",
        ),
        Owner::Profile(_) => (
            "SELECT f.id, f.code, f.feature_type, coalesce(x.availability, f.availability),
                    coalesce(x.feature_limit, 0),
                    (SELECT CAST(coalesce(sum(cf.tokens_used), 0) AS BIGINT) FROM code_features cf
                     JOIN license_codes lc ON lc.code = cf.code WHERE lc.profile_id = ?1 AND cf.feature_id = f.id)
             FROM features f LEFT JOIN profile_features x ON x.feature_id = f.id AND x.profile_id = ?1
             WHERE f.product_id = ?2 ORDER BY f.id",
            "SELECT fc.feature_id, fc.computer_id, fc.username, fc.amount FROM feature_checkouts fc
             JOIN license_codes lc ON lc.code = fc.code WHERE lc.profile_id = ?1 AND fc.expires > ?2
             UNION ALL
             SELECT s.feature_id, s.computer_id, '', 1 FROM seats s
             JOIN license_codes lc ON lc.code = s.code
             WHERE lc.profile_id = ?1 AND s.feature_id IS NOT NULL AND s.expires > ?2",
        ),
    };
    let mut checkouts: Vec<(i64, String, String, i64)> = Vec::new();
    let mut stmt = conn.prepare_cached(checkouts_sql)?;
    for row in stmt
        .query_map(params![owner.key(), now_millis()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
    {
        checkouts.push(row?);
    }
    let mut stmt = conn.prepare_cached(features_sql)?;
    let rows = stmt.query_map(params![owner.key(), product_id], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })?;
    let mut states = Vec::new();
    for row in rows {
        let (id, code, kind, on, limit, tokens): (i64, String, String, bool, i64, i64) = row?;
        let feature_type = FeatureType::from_name(&kind)
            .ok_or_else(|| StoreError::Internal(format!("feature type {kind}")))?;
        let by_computer: Vec<(String, String, i64)> = checkouts
            .iter()
            .filter(|c| c.0 == id)
            .map(|(_, computer, user, amount)| (computer.clone(), user.clone(), *amount))
            .collect();
        let in_use = match feature_type {
            FeatureType::ConsumptionToken => tokens,
            _ => by_computer.iter().map(|c| c.2).sum(),
        };
        states.push(FeatureState { code, on, feature_type, limit, in_use, by_computer });
    }
    Ok(states)
}

/// Every product UDF with the owner's value (or the product default).
pub fn udf_values(conn: &Connection, owner: Owner<'_>, product_id: &str) -> StoreResult<Vec<UdfSetting>> {
    let (_, _, _, udfs, _) = owner.tables();
    let col = owner.owner_column();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT u.name, coalesce(x.value, u.default_value) FROM udfs u
         LEFT JOIN {udfs} x ON x.udf_id = u.id AND x.{col} = ?1 WHERE u.product_id = ?2 ORDER BY u.id"
    ))?;
    let rows = stmt.query_map(params![owner.key(), product_id], |r| {
        Ok(UdfSetting { name: r.get(0)?, value: r.get(1)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The owner's server functions.
pub fn server_functions(conn: &Connection, owner: Owner<'_>) -> StoreResult<Vec<ServerFunction>> {
    let (_, _, _, _, functions) = owner.tables();
    let col = owner.owner_column();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT name, enabled, parameter FROM {functions} WHERE {col} = ?1 ORDER BY rowid"
    ))?;
    let rows = stmt.query_map([owner.key()], |r| {
        Ok(ServerFunction { name: r.get(0)?, enabled: r.get(1)?, parameter: r.get(2)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The reseller of that name, created on first use; `""` means none.
pub fn reseller_id(conn: &Connection, name: &str) -> StoreResult<Option<i64>> {
    if name.is_empty() {
        return Ok(None);
    }
    conn.prepare_cached("INSERT INTO resellers (name) VALUES (?1) ON CONFLICT DO NOTHING")?
        .execute([name])?;
    let id =
        conn.prepare_cached("SELECT id FROM resellers WHERE name = ?1")?.query_row([name], |r| r.get(0))?;
    Ok(Some(id))
}
