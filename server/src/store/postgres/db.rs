//! What the shared queries (`store/queries/`) call, over tokio-postgres: the handful of
//! rusqlite calls they use (`prepare_cached`, `query_row`, `query_map`, `execute`, `exists`,
//! `optional`, `params!`, `Row::get`) with the same shapes, so the queries are written once.
//!
//! Statements are written in the dialect both engines share; `?N` placeholders become `$N`
//! here. Every parameter is declared with the type of the Rust value bound to it (a `None`
//! with the type of the `Some` it stands for), so a parameter used only as `$2 IS NULL`
//! still has a type; integers are BIGINT and flags 0/1 BIGINT, as in the SQLite schema.
//! Each call blocks its (blocking-pool) thread on the store's runtime until the answer is in.

use std::cell::Cell;
use std::error::Error as _;

use deadpool_postgres::{Client, Transaction};
use tokio::runtime::Handle;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{self as pg, IsNull, Type};

/// A stored or bound value, as in rusqlite.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Integer(n)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Integer(b.into())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}

/// Why a call failed.
#[derive(Debug)]
pub enum Error {
    /// `query_row` found no row (`optional` turns it into `None`).
    QueryReturnedNoRows,
    /// A column did not hold what the query reads from it.
    BadValue(usize, String),
    /// A text parameter holds a NUL character, which PostgreSQL's text cannot (SQLite's can).
    Nul,
    Postgres(tokio_postgres::Error),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::QueryReturnedNoRows => write!(f, "query returned no rows"),
            Error::BadValue(column, what) => write!(f, "column {column}: unexpected value {what}"),
            Error::Nul => write!(f, "a text holds a NUL character"),
            // The server's message (constraint, detail) is in the source, not the summary.
            Error::Postgres(e) => match e.source() {
                Some(source) => write!(f, "{e}: {source}"),
                None => write!(f, "{e}"),
            },
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The error for a stored value that does not parse (an unknown enum name, say).
pub fn bad_value(column: usize, what: String) -> Error {
    Error::BadValue(column, what)
}

/// `optional()` on a `query_row` result, as rusqlite's extension trait.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// SQL true when the text `haystack` contains the lower-case text `needle` without regard to
/// case. Under the bytewise collation: PostgreSQL searches no substring under `nocase`, which
/// is nondeterministic.
pub fn contains(haystack: &str, needle: &str) -> String {
    format!("strpos(lower({haystack} COLLATE \"C\"), {needle}) > 0")
}

/// A value bound to a parameter, with the type its parameter is declared with.
pub trait ToSql {
    fn bind(&self) -> (Value, Type);
}

/// The type a parameter of this Rust type is declared with, even when bound to `None`.
pub trait Declared {
    fn declared() -> Type;
}

macro_rules! bind_as {
    ($rust:ty, $sql:expr, |$v:ident| $value:expr) => {
        impl ToSql for $rust {
            fn bind(&self) -> (Value, Type) {
                let $v = self;
                ($value, $sql)
            }
        }
        impl Declared for $rust {
            fn declared() -> Type {
                $sql
            }
        }
    };
}

bind_as!(i64, Type::INT8, |n| Value::Integer(*n));
bind_as!(bool, Type::INT8, |b| Value::Integer((*b).into()));
bind_as!(str, Type::TEXT, |s| Value::Text(s.to_owned()));
bind_as!(String, Type::TEXT, |s| Value::Text(s.clone()));
bind_as!([u8], Type::BYTEA, |b| Value::Blob(b.to_vec()));

impl ToSql for Value {
    fn bind(&self) -> (Value, Type) {
        let declared = match self {
            // An untyped NULL takes the type of the column it meets (an INSERT's VALUES).
            Value::Null => Type::UNKNOWN,
            Value::Integer(_) => Type::INT8,
            Value::Text(_) => Type::TEXT,
            Value::Blob(_) => Type::BYTEA,
        };
        (self.clone(), declared)
    }
}

impl<T: ToSql + Declared> ToSql for Option<T> {
    fn bind(&self) -> (Value, Type) {
        match self {
            Some(value) => value.bind(),
            None => (Value::Null, T::declared()),
        }
    }
}

impl<T: ToSql + ?Sized> ToSql for &T {
    fn bind(&self) -> (Value, Type) {
        (**self).bind()
    }
}

impl<T: Declared + ?Sized> Declared for &T {
    fn declared() -> Type {
        T::declared()
    }
}

/// What a statement's parameters may be given as: `[a, b]`, `params![...]`, an iterator.
pub trait Params {
    fn bind_all(self) -> Vec<(Value, Type)>;
}

impl Params for [&dyn ToSql; 0] {
    fn bind_all(self) -> Vec<(Value, Type)> {
        Vec::new()
    }
}

impl Params for &[&dyn ToSql] {
    fn bind_all(self) -> Vec<(Value, Type)> {
        self.iter().map(|p| p.bind()).collect()
    }
}

macro_rules! array_params {
    ($($n:literal)+) => {$(
        impl<T: ToSql> Params for [T; $n] {
            fn bind_all(self) -> Vec<(Value, Type)> {
                self.iter().map(ToSql::bind).collect()
            }
        }
    )+};
}

array_params!(1 2 3 4 5 6 7 8);

/// Parameters from an iterator of values (rusqlite's `params_from_iter`).
#[derive(Debug)]
pub struct ParamsFromIter<I>(I);

pub fn params_from_iter<I: IntoIterator>(values: I) -> ParamsFromIter<I> {
    ParamsFromIter(values)
}

impl<I: IntoIterator> Params for ParamsFromIter<I>
where
    I::Item: ToSql,
{
    fn bind_all(self) -> Vec<(Value, Type)> {
        self.0.into_iter().map(|p| p.bind()).collect()
    }
}

/// `params![a, b, ...]`: parameters of mixed types, as rusqlite's macro.
macro_rules! params {
    ($($param:expr),* $(,)?) => {
        &[$(&$param as &dyn $crate::store::postgres::db::ToSql),*] as &[&dyn $crate::store::postgres::db::ToSql]
    };
}
pub(crate) use params;

impl pg::ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Integer(n) => match *ty {
                Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
                Type::BOOL => (*n != 0).to_sql(ty, out),
                _ => n.to_sql(ty, out),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    /// Whatever type the server settled on: `to_sql` converts to it or fails.
    fn accepts(_: &Type) -> bool {
        true
    }

    pg::to_sql_checked!();
}

/// Accepts any column, to tell NULL from a value.
struct Anything;

impl<'a> pg::FromSql<'a> for Anything {
    fn from_sql(
        _: &Type,
        _: &'a [u8],
    ) -> std::result::Result<Anything, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Anything)
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A column value read into a Rust type, as rusqlite's `FromSql`: integers of any width
/// (and booleans, as 0/1) into `i64`, any integer into `bool`.
pub trait FromSql: Sized {
    fn read(row: &tokio_postgres::Row, idx: usize) -> Result<Self>;
}

fn read_as<'a, T: pg::FromSql<'a>>(row: &'a tokio_postgres::Row, idx: usize) -> Result<T> {
    row.try_get(idx).map_err(Error::Postgres)
}

impl FromSql for i64 {
    fn read(row: &tokio_postgres::Row, idx: usize) -> Result<i64> {
        let ty = row.columns().get(idx).map(|c| c.type_().clone());
        match ty {
            Some(Type::INT4) => read_as::<i32>(row, idx).map(i64::from),
            Some(Type::INT2) => read_as::<i16>(row, idx).map(i64::from),
            Some(Type::BOOL) => read_as::<bool>(row, idx).map(i64::from),
            _ => read_as::<i64>(row, idx),
        }
    }
}

impl FromSql for bool {
    fn read(row: &tokio_postgres::Row, idx: usize) -> Result<bool> {
        i64::read(row, idx).map(|n| n != 0)
    }
}

impl FromSql for String {
    fn read(row: &tokio_postgres::Row, idx: usize) -> Result<String> {
        read_as(row, idx)
    }
}

/// Any column the schema uses, as it is stored (the migration's comparison).
impl FromSql for Value {
    fn read(row: &tokio_postgres::Row, idx: usize) -> Result<Value> {
        if read_as::<Option<Anything>>(row, idx)?.is_none() {
            return Ok(Value::Null);
        }
        let ty = row.columns().get(idx).map(|c| c.type_().clone());
        match ty {
            Some(Type::BYTEA) => read_as(row, idx).map(Value::Blob),
            Some(Type::TEXT) => read_as(row, idx).map(Value::Text),
            _ => i64::read(row, idx).map(Value::Integer),
        }
    }
}

impl FromSql for Vec<u8> {
    fn read(row: &tokio_postgres::Row, idx: usize) -> Result<Vec<u8>> {
        read_as(row, idx)
    }
}

impl<T: FromSql> FromSql for Option<T> {
    fn read(row: &tokio_postgres::Row, idx: usize) -> Result<Option<T>> {
        match read_as::<Option<Anything>>(row, idx)? {
            None => Ok(None),
            Some(_) => T::read(row, idx).map(Some),
        }
    }
}

/// A column position (rusqlite also takes names; the queries use positions only).
pub trait RowIndex {
    fn index(self) -> usize;
}

impl RowIndex for usize {
    fn index(self) -> usize {
        self
    }
}

/// One result row.
#[derive(Debug)]
pub struct Row<'a> {
    row: &'a tokio_postgres::Row,
}

impl Row<'_> {
    pub fn get<I: RowIndex, T: FromSql>(&self, idx: I) -> Result<T> {
        T::read(self.row, idx.index())
    }
}

/// What a connection is lent as: outside a transaction (reads) or inside one (writes).
enum Session<'a> {
    Plain(&'a Client),
    Transaction(&'a Transaction<'a>),
}

/// A connection as the queries see it. See the module documentation.
pub struct Connection<'a> {
    session: Session<'a>,
    runtime: &'a Handle,
    /// Set when a statement failed because of a concurrent transaction (a serialization
    /// failure or a deadlock): the caller retries the whole transaction then.
    conflicted: Cell<bool>,
}

impl std::fmt::Debug for Connection<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").field("conflicted", &self.conflicted.get()).finish_non_exhaustive()
    }
}

/// True for the errors after which the same transaction, run again, may succeed.
pub fn is_conflict(error: &tokio_postgres::Error) -> bool {
    matches!(error.code(), Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED)
}

/// Rewrites `?N` placeholders as `$N`, leaving quoted text alone.
fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    for c in sql.chars() {
        match c {
            '\'' => quoted = !quoted,
            '?' if !quoted => {
                out.push('$');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

impl<'a> Connection<'a> {
    pub fn plain(client: &'a Client, runtime: &'a Handle) -> Connection<'a> {
        Connection { session: Session::Plain(client), runtime, conflicted: Cell::new(false) }
    }

    pub fn transaction(transaction: &'a Transaction<'a>, runtime: &'a Handle) -> Connection<'a> {
        Connection { session: Session::Transaction(transaction), runtime, conflicted: Cell::new(false) }
    }

    /// Whether a statement failed because of a concurrent transaction.
    pub fn conflicted(&self) -> bool {
        self.conflicted.get()
    }

    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_, 'a>> {
        Ok(Statement { conn: self, sql: placeholders(sql) })
    }

    pub fn prepare(&self, sql: &str) -> Result<Statement<'_, 'a>> {
        self.prepare_cached(sql)
    }

    pub fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// Runs statements with no parameters (the migrations).
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        let run = async {
            match &self.session {
                Session::Plain(c) => c.batch_execute(sql).await,
                Session::Transaction(t) => t.batch_execute(sql).await,
            }
        };
        self.runtime.block_on(run).map_err(|e| self.failed(e))
    }

    fn failed(&self, error: tokio_postgres::Error) -> Error {
        if is_conflict(&error) {
            self.conflicted.set(true);
        }
        Error::Postgres(error)
    }

    /// Prepares (once per connection: the pool's statement cache) and runs `sql`.
    fn run(
        &self,
        sql: &str,
        params: Vec<(Value, Type)>,
        rows: bool,
    ) -> Result<(Vec<tokio_postgres::Row>, u64)> {
        let (values, types): (Vec<Value>, Vec<Type>) = params.into_iter().unzip();
        if values.iter().any(|v| matches!(v, Value::Text(s) if s.contains('\0'))) {
            return Err(Error::Nul);
        }
        let refs: Vec<&(dyn pg::ToSql + Sync)> =
            values.iter().map(|v| v as &(dyn pg::ToSql + Sync)).collect();
        let run = async {
            let statement = match &self.session {
                Session::Plain(c) => c.prepare_typed_cached(sql, &types).await?,
                Session::Transaction(t) => t.prepare_typed_cached(sql, &types).await?,
            };
            match (&self.session, rows) {
                (Session::Plain(c), true) => c.query(&statement, &refs).await.map(|r| (r, 0)),
                (Session::Transaction(t), true) => t.query(&statement, &refs).await.map(|r| (r, 0)),
                (Session::Plain(c), false) => c.execute(&statement, &refs).await.map(|n| (Vec::new(), n)),
                (Session::Transaction(t), false) => {
                    t.execute(&statement, &refs).await.map(|n| (Vec::new(), n))
                }
            }
        };
        self.runtime.block_on(run).map_err(|e| self.failed(e))
    }
}

/// A statement to run; prepared on first use with its parameters' types.
pub struct Statement<'c, 'a> {
    conn: &'c Connection<'a>,
    sql: String,
}

impl Statement<'_, '_> {
    pub fn execute(&mut self, params: impl Params) -> Result<usize> {
        let (_, changed) = self.conn.run(&self.sql, params.bind_all(), false)?;
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }

    pub fn query_row<T>(&mut self, params: impl Params, f: impl FnOnce(&Row<'_>) -> Result<T>) -> Result<T> {
        let (rows, _) = self.conn.run(&self.sql, params.bind_all(), true)?;
        let row = rows.first().ok_or(Error::QueryReturnedNoRows)?;
        f(&Row { row })
    }

    /// Every row, mapped (read whole: the queries collect them all anyway).
    pub fn query_map<T>(
        &mut self,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let (rows, _) = self.conn.run(&self.sql, params.bind_all(), true)?;
        Ok(rows.iter().map(|row| f(&Row { row })).collect::<Vec<_>>().into_iter())
    }

    pub fn exists(&mut self, params: impl Params) -> Result<bool> {
        let (rows, _) = self.conn.run(&self.sql, params.bind_all(), true)?;
        Ok(!rows.is_empty())
    }
}

/// The next lease serial: a database sequence, so every process on the database draws from
/// one counter that only goes up (a rolled-back or retried transaction leaves a gap, never
/// a repeat).
pub fn next_serial(conn: &Connection<'_>) -> Result<i64> {
    conn.query_row("SELECT nextval('lease_serial')", [], |r| r.get(0))
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn placeholders_are_numbered_for_postgres_outside_quotes() {
        assert_eq!(
            placeholders("SELECT 1 FROM t WHERE a = ?1 AND b IS NOT DISTINCT FROM ?2 AND c = '?3' LIMIT ?3"),
            "SELECT 1 FROM t WHERE a = $1 AND b IS NOT DISTINCT FROM $2 AND c = '?3' LIMIT $3"
        );
    }
}
