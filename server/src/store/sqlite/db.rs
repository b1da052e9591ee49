//! What the shared queries (`store/queries/`) call: rusqlite itself, plus the two things
//! the backends do differently.

pub use rusqlite::types::Value;
pub use rusqlite::{Connection, Error, OptionalExtension, Result, Row, params, params_from_iter};

/// The next lease serial: one row counted up inside the writer's transaction (SQLite has a
/// single writer, so the serials a process hands out are already in order).
pub fn next_serial(conn: &Connection) -> Result<i64> {
    conn.prepare_cached("UPDATE lease_serial SET value = value + 1 WHERE id = 1 RETURNING value")?
        .query_row([], |r| r.get(0))
}

/// The error for a stored value that does not parse (an unknown enum name, say).
pub fn bad_value(column: usize, what: String) -> Error {
    Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, what.into())
}

/// SQL true when the text `haystack` contains the lower-case text `needle` without regard to
/// case (ASCII case: SQLite's `lower` folds no other).
pub fn contains(haystack: &str, needle: &str) -> String {
    format!("instr(lower({haystack}), {needle}) > 0")
}
