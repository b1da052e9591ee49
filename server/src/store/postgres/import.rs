//! `licensekit-server migrate --from sqlite:FILE --to postgres://...`: moves an SQLite
//! installation, signing keys included (the current one and those `keys rotate` retired),
//! into a new PostgreSQL database.
//!
//! Everything happens in one PostgreSQL transaction: every table is copied row by row with
//! its IDs (SQLite's `rowid` included where the PostgreSQL schema keeps insertion order in
//! a `rowid` column), the identity sequences and the lease serial are moved past what was
//! copied, and then every table is read back and compared with the source, row by row; any
//! difference rolls everything back. The source is only read, and must be at the schema
//! version this server writes (serve it once with this version to upgrade it first).

use std::path::Path;

use licensekit::protocol::SigningKey;
use rusqlite::{Connection as Sqlite, OpenFlags};

use super::db::{self, Connection, Value};
use super::{PostgresStore, SIGNING_KEY, retired_seeds};
use crate::store::{StoreError, StoreResult};

/// Every table, parents before children (foreign keys hold at each insert).
const TABLES: &[&str] = &[
    "meta",
    "api_keys",
    "resellers",
    "products",
    "feature_groups",
    "features",
    "udfs",
    "profiles",
    "profile_features",
    "profile_udfs",
    "profile_server_functions",
    "companies",
    "license_codes",
    "code_features",
    "code_udfs",
    "code_server_functions",
    "license_notes",
    "activations",
    "lan_reports",
    "lan_seats",
    "feature_checkouts",
    "system_details",
    "trials",
    "consumer_data",
    "events",
    "usage_journals",
    "client_answers",
    "deleted_activations",
    "passive_licenses",
    "seats",
    "audit_log",
    "user_groups",
    "group_users",
    "group_license_codes",
    "dashboard_sessions",
];

/// How many rows of each table were copied (and checked).
#[derive(Debug)]
pub struct Moved {
    pub tables: Vec<(&'static str, usize)>,
    pub lease_serial: i64,
}

fn internal(what: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(what.to_string())
}

/// Opens the source read-only and checks its schema version.
fn open_source(path: &Path) -> StoreResult<Sqlite> {
    let source = Sqlite::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| internal(format!("--from {}: {e}", path.display())))?;
    let version: i64 = source.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version != crate::store::sqlite::LATEST_SCHEMA {
        return Err(internal(format!(
            "--from {}: schema version {version}, this server writes {}: serve it once with this \
             version first",
            path.display(),
            crate::store::sqlite::LATEST_SCHEMA
        )));
    }
    Ok(source)
}

/// The target table's columns, and which of them are identity columns.
fn columns(conn: &Connection<'_>, table: &str) -> StoreResult<Vec<(String, bool)>> {
    let rows = conn
        .prepare_cached(
            "SELECT column_name, is_identity = 'YES' FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = ?1 ORDER BY ordinal_position",
        )?
        .query_map([table], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn sqlite_value(value: rusqlite::types::Value, table: &str, column: &str) -> StoreResult<Value> {
    use rusqlite::types::Value as V;
    Ok(match value {
        V::Null => Value::Null,
        V::Integer(n) => Value::Integer(n),
        V::Text(s) => Value::Text(s),
        V::Blob(b) => Value::Blob(b),
        V::Real(x) => return Err(internal(format!("{table}.{column}: unexpected real number {x}"))),
    })
}

/// Every row of a source table, sorted (the comparison does not depend on row order).
fn source_rows(source: &Sqlite, table: &str, columns: &[(String, bool)]) -> StoreResult<Vec<Vec<Value>>> {
    let list: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
    let mut stmt = source.prepare(&format!("SELECT {} FROM {table}", list.join(", ")))?;
    let mut rows = Vec::new();
    let mut cursor = stmt.query([])?;
    while let Some(row) = cursor.next()? {
        let mut values = Vec::with_capacity(list.len());
        for (i, column) in list.iter().enumerate() {
            values.push(sqlite_value(row.get(i)?, table, column)?);
        }
        rows.push(values);
    }
    sort(&mut rows);
    Ok(rows)
}

/// Every row of a target table, read back as the source's were.
fn target_rows(
    conn: &Connection<'_>,
    table: &str,
    columns: &[(String, bool)],
) -> StoreResult<Vec<Vec<Value>>> {
    let list: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
    let mut rows: Vec<Vec<Value>> = conn
        .prepare_cached(&format!("SELECT {} FROM {table}", list.join(", ")))?
        .query_map([], |r| (0..list.len()).map(|i| r.get::<_, Value>(i)).collect())?
        .collect::<Result<_, _>>()?;
    sort(&mut rows);
    Ok(rows)
}

fn sort(rows: &mut [Vec<Value>]) {
    rows.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
}

impl PostgresStore {
    /// Copies the SQLite database at `path` (with the signing key beside it, `key`, and the
    /// keys retired beside it, `retired`, oldest first) into this database, which must not
    /// be initialised. See the module documentation.
    pub fn import_sqlite(&self, path: &Path, key: &SigningKey, retired: &[SigningKey]) -> StoreResult<Moved> {
        let source = open_source(path)?;
        let lease_serial: i64 =
            source.query_row("SELECT value FROM lease_serial WHERE id = 1", [], |r| r.get(0))?;
        self.write(|conn| {
            let taken: i64 = conn.query_row("SELECT count(*) FROM meta", [], |r| r.get(0))?;
            if taken > 0 {
                return Err(StoreError::Conflict(
                    "--to: the database is already initialised; migrate into a new, empty database".into(),
                ));
            }
            // A table this list leaves out would be lost: refuse to run without it. The
            // retired keys are not in the SQLite database but in a file beside it (below).
            let mut present: Vec<String> = conn
                .prepare_cached(
                    "SELECT table_name FROM information_schema.tables
                     WHERE table_schema = current_schema()
                       AND table_name NOT IN ('schema_version', 'retired_signing_keys')",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            present.sort();
            let mut known: Vec<String> = TABLES.iter().map(|t| (*t).to_owned()).collect();
            known.sort();
            if present != known {
                return Err(internal(format!("migrate knows the tables {known:?}, the database has {present:?}")));
            }
            let mut tables = Vec::new();
            for &table in TABLES {
                let columns = columns(conn, table)?;
                let rows = source_rows(&source, table, &columns)?;
                let list: Vec<&str> = columns.iter().map(|(c, _)| c.as_str()).collect();
                let marks: Vec<String> = (1..=list.len()).map(|i| format!("?{i}")).collect();
                let insert = format!("INSERT INTO {table} ({}) VALUES ({})", list.join(", "), marks.join(", "));
                for row in &rows {
                    conn.execute(&insert, db::params_from_iter(row.iter()))?;
                }
                for (column, _) in columns.iter().filter(|(_, identity)| *identity) {
                    conn.query_row(
                        &format!(
                            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                             coalesce(max({column}), 0) + 1, false) FROM {table}"
                        ),
                        [],
                        |_| Ok(()),
                    )?;
                }
                let copied = target_rows(conn, table, &columns)?;
                if copied != rows {
                    let first = rows.iter().zip(&copied).position(|(a, b)| a != b).unwrap_or(rows.len().min(copied.len()));
                    return Err(internal(format!(
                        "{table}: the copy differs from the source ({} rows, {} copied; first difference at sorted row {first})",
                        rows.len(),
                        copied.len()
                    )));
                }
                tables.push((table, rows.len()));
            }
            let seed = zeroize::Zeroizing::new(key.seed_hex());
            conn.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", [SIGNING_KEY, seed.as_str()])?;
            let seeds: Vec<_> = retired.iter().map(SigningKey::seed_hex).collect();
            for seed in &seeds {
                conn.execute("INSERT INTO retired_signing_keys (seed) VALUES (?1)", [seed.as_str()])?;
            }
            if retired_seeds(conn)? != seeds {
                return Err(internal("retired_signing_keys: the copy differs from the retired keys' file"));
            }
            tables.push(("retired_signing_keys", seeds.len()));
            if lease_serial > 0 {
                conn.query_row("SELECT setval('lease_serial', ?1)", [lease_serial], |_| Ok(()))?;
            }
            Ok(Moved { tables, lease_serial })
        })
    }
}
