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

    /// The key as the queries below give it back: the code, or the profile's ID in decimal.
    fn key_text(self) -> String {
        match self {
            Owner::Profile(id) => id.to_string(),
            Owner::Code(code) => code.to_owned(),
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

/// The owners' keys as an `IN (...)` list of parameters from `?first` on, padded to the next
/// power of two by repeating the last key (which changes no answer): the statement's text,
/// and so each connection's statement cache, takes one of a few shapes whatever the number
/// of owners.
fn key_list(owners: &[Owner<'_>], first: usize) -> (String, Vec<Value>) {
    let mut values: Vec<Value> = owners.iter().map(|o| o.key()).collect();
    if let Some(last) = values.last().cloned() {
        values.resize(values.len().next_power_of_two(), last);
    }
    let list: Vec<String> = (first..first + values.len()).map(|n| format!("?{n}")).collect();
    (list.join(", "), values)
}

/// Hands each row to the owners it belongs to (by the owner's key as text, which `key`
/// reads from the row), keeping the rows' order: one list per owner, in the owners' order.
fn by_owner<T: Clone>(owners: &[Owner<'_>], rows: Vec<T>, key: impl Fn(&T) -> &str) -> Vec<Vec<T>> {
    let mut places: std::collections::HashMap<String, Vec<usize>> = std::collections::HashMap::new();
    for (i, owner) in owners.iter().enumerate() {
        places.entry(owner.key_text()).or_default().push(i);
    }
    let mut lists: Vec<Vec<T>> = vec![Vec::new(); owners.len()];
    for row in rows {
        for &i in places.get(key(&row)).map(Vec::as_slice).unwrap_or_default() {
            lists[i].push(row.clone());
        }
    }
    lists
}

/// What a profile or code carries beside its settings: every feature of its product as it
/// sees it (with current use), every UDF of its product with its value, its server functions.
#[derive(Debug, Default)]
pub struct Extras {
    pub features: Vec<FeatureState>,
    pub udfs: Vec<UdfSetting>,
    pub server_functions: Vec<ServerFunction>,
}

/// One row of [`extras`]'s query: what it is (`FEATURE`..`FUNCTION`), whose (the owner's key
/// as text), then the columns of its kind.
type ExtraRow = (i64, String, i64, String, String, i64, i64, i64);

const FEATURE: i64 = 0;
const CHECKOUT: i64 = 1;
const UDF: i64 = 2;
const FUNCTION: i64 = 3;

/// The [`Extras`] of several owners, all codes or all profiles, in their order, read by one
/// statement for them all: a code's read is two statements, its own row and this, and a
/// page of codes is two as well. A feature's use is its floating seats whose lease has not
/// ended, the elements held, or the tokens consumed; a profile's is the sum over its codes.
pub fn extras(conn: &Connection, owners: &[Owner<'_>]) -> StoreResult<Vec<Extras>> {
    let Some(first) = owners.first() else { return Ok(Vec::new()) };
    let (owner_table, key_column, features, udfs, functions) = first.tables();
    let col = first.owner_column();
    let (list, mut values) = key_list(owners, 1);
    let now = values.len() + 1;
    values.push(Value::Integer(now_millis()));
    // The owner's key as text, of the owner row `o`; what its tokens consumed are; and the
    // checkouts (alias `c`) that are its own.
    let (key, tokens, held) = match first {
        Owner::Code(_) => ("o.code", "coalesce(x.tokens_used, 0)", "{table} c WHERE c.code IN ({list})"),
        Owner::Profile(_) => (
            "CAST(o.id AS TEXT)",
            "(SELECT CAST(coalesce(sum(cf.tokens_used), 0) AS BIGINT) FROM code_features cf
              JOIN license_codes lc ON lc.code = cf.code WHERE lc.profile_id = o.id AND cf.feature_id = f.id)",
            "{table} c JOIN license_codes lc ON lc.code = c.code WHERE lc.profile_id IN ({list})",
        ),
    };
    let held_key = match first {
        Owner::Code(_) => "c.code",
        Owner::Profile(_) => "CAST(lc.profile_id AS TEXT)",
    };
    let held = |table: &str| held.replace("{table}", table).replace("{list}", &list);
    let sql = format!(
        "SELECT {FEATURE}, {key}, f.id, f.code, f.feature_type, coalesce(x.availability, f.availability),
                coalesce(x.feature_limit, 0), {tokens}
         FROM {owner_table} o JOIN features f ON f.product_id = o.product_id
         LEFT JOIN {features} x ON x.feature_id = f.id AND x.{col} = o.{key_column}
         WHERE o.{key_column} IN ({list})
         UNION ALL
         SELECT {CHECKOUT}, {held_key}, c.feature_id, c.computer_id, c.username, c.amount, 0, 0
         FROM {} AND c.expires > ?{now}
         UNION ALL
         SELECT {CHECKOUT}, {held_key}, c.feature_id, c.computer_id, '', 1, 0, 0
         FROM {} AND c.feature_id IS NOT NULL AND c.expires > ?{now}
         UNION ALL
         SELECT {UDF}, {key}, u.id, u.name, coalesce(x.value, u.default_value), 0, 0, 0
         FROM {owner_table} o JOIN udfs u ON u.product_id = o.product_id
         LEFT JOIN {udfs} x ON x.udf_id = u.id AND x.{col} = o.{key_column}
         WHERE o.{key_column} IN ({list})
         UNION ALL
         SELECT {FUNCTION}, CAST({col} AS TEXT), rowid, name, parameter, enabled, 0, 0
         FROM {functions} WHERE {col} IN ({list})",
        held("feature_checkouts"),
        held("seats"),
    );
    let mut rows: Vec<ExtraRow> = conn
        .prepare_cached(&sql)?
        .query_map(db::params_from_iter(values), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
        })?
        .collect::<Result<_, _>>()?;
    // In kind, then feature, UDF or function, then computer order; sorted here rather than by
    // the statement, whose sorter costs more on SQLite than this does.
    rows.sort_unstable_by(|a, b| (a.0, a.2, &a.3).cmp(&(b.0, b.2, &b.3)));
    by_owner(owners, rows, |r| &r.1).into_iter().map(|rows| assemble(&rows)).collect()
}

/// One owner's [`Extras`] from its rows, which come in the order of their kinds.
fn assemble(rows: &[ExtraRow]) -> StoreResult<Extras> {
    let mut extras = Extras::default();
    for (kind, _, id, name, text, on, limit, tokens) in rows {
        match *kind {
            FEATURE => {
                let feature_type = FeatureType::from_name(text)
                    .ok_or_else(|| StoreError::Internal(format!("feature type {text}")))?;
                let by_computer: Vec<(String, String, i64)> = rows
                    .iter()
                    .filter(|r| r.0 == CHECKOUT && r.2 == *id)
                    .map(|(_, _, _, computer, user, amount, ..)| (computer.clone(), user.clone(), *amount))
                    .collect();
                let in_use = match feature_type {
                    FeatureType::ConsumptionToken => *tokens,
                    _ => by_computer.iter().map(|c| c.2).sum(),
                };
                extras.features.push(FeatureState {
                    code: name.clone(),
                    on: *on != 0,
                    feature_type,
                    limit: *limit,
                    in_use,
                    by_computer,
                });
            }
            UDF => extras.udfs.push(UdfSetting { name: name.clone(), value: text.clone() }),
            FUNCTION => extras.server_functions.push(ServerFunction {
                name: name.clone(),
                enabled: *on != 0,
                parameter: text.clone(),
            }),
            _ => {}
        }
    }
    Ok(extras)
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
