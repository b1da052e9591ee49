//! The PostgreSQL backend, for vendors who run several server processes behind a load
//! balancer on one database. The queries are the shared ones of `store/queries/` (the same
//! rules and refusals as SQLite), run through `db` on a deadpool-postgres pool.
//!
//! **Exact limits across processes.** SQLite has one writer, so every write transaction
//! runs alone. Here each write runs as a SERIALIZABLE transaction: PostgreSQL guarantees
//! the outcome of concurrent serializable transactions equals some order of running them one
//! at a time, and aborts one of two that would break that (a serialization failure). Two
//! activations that both counted one free seat cannot both commit; the one aborted is run
//! again from the start (on a fresh snapshot, so it now sees the seat taken and refuses).
//! That covers every limit the queries check (seats, pools, tokens, sessions, trials, a
//! request ID answered once) without a lock per rule, and keeps the queries the ones SQLite
//! runs. Reads run outside a transaction, statement by statement, as on SQLite.
//!
//! **The lease serial** is a sequence (`db::next_serial`): one counter for every process,
//! only ever going up. **The vendor signing key** is kept in the database (`meta`), written
//! by `init` in the same transaction as the customer ID: a second process pointed at the
//! same database signs with the same key with nothing to copy between machines, and a
//! database backup holds the key that signed its leases. `keys rotate` keeps the keys it
//! retires in `retired_signing_keys`, so they stay listed and in every dump as a data
//! directory's retired file does. Whoever can read the database can read the keys, as
//! whoever can read the SQLite data directory can: restrict the role.

mod db;
mod import;
mod migrations;
#[path = "../queries/mod.rs"]
#[allow(
    clippy::duplicate_mod,
    reason = "the shared queries are compiled once per backend, each with its own `db`"
)]
mod queries;

use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio::runtime::Runtime;
use tokio_postgres::{IsolationLevel, NoTls};

use super::leasing::Refusal;
use super::model::KeyKind;
use super::{StoreError, StoreResult};

pub use import::Moved;

/// The store the shared queries implement [`crate::store::Store`] for.
type Backend = PostgresStore;

impl From<db::Error> for StoreError {
    fn from(error: db::Error) -> StoreError {
        match error {
            // Bad input, not a failure: a request naming such a text finds or stores nothing.
            db::Error::Nul => StoreError::Invalid("a text field holds a NUL character (U+0000)".into()),
            error => StoreError::Internal(format!("postgres: {error}")),
        }
    }
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(error: tokio_postgres::Error) -> StoreError {
        db::Error::Postgres(error).into()
    }
}

/// Connections per process: the server runs at most 64 requests at once by default
/// (`--max-requests`), and two processes at 32 stay well inside PostgreSQL's default of 100
/// connections. A request beyond waits for a connection.
const POOL_SIZE: usize = 32;

/// The `max_pred_locks_per_transaction` below which [`PostgresStore::open`] warns: measured
/// with 64 clients activating at once against one and two processes (`scripts/bench-server`).
const MIN_PREDICATE_LOCKS: u32 = 256;

/// How often a transaction aborted by a concurrent one is run again before the call fails.
/// Each run starts from a newer snapshot, and retries queue on one advisory lock
/// ([`RETRY_LOCK`]), so under heavy contention (64 clients drawing from one pool) a retry
/// fails again only when a first attempt commits on the same rows meanwhile.
const ATTEMPTS: u32 = 100;

/// The advisory lock a transaction takes when it runs again after a conflict: the retries
/// of every process then run one at a time instead of colliding with each other again.
const RETRY_LOCK: i64 = 0x6c6b_7265_7472;

/// The meta key of the vendor signing key (hex seed).
const SIGNING_KEY: &str = "signing_key";

/// The PostgreSQL store. See the module documentation.
pub struct PostgresStore {
    pool: Pool,
    /// Drives the pool's connections; calls block on it from the server's blocking threads
    /// (or the command line's main thread), so the store works with or without a runtime of
    /// the caller's.
    runtime: Option<Runtime>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").field("pool", &self.pool.status()).finish_non_exhaustive()
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // Dropped from inside the server's runtime, a runtime may not block to shut down.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// A pooled connection holding a session advisory lock. Dropped before [`Locked::unlocked`]
/// (a call that panicked, or an unlock that failed), it is closed rather than given back to
/// the pool: closing ends the lock, and the next call lent that connection would otherwise
/// hold it.
struct Locked(Option<deadpool_postgres::Client>);

impl Locked {
    /// The lock is released: the connection goes back to the pool.
    fn unlocked(mut self) {
        drop(self.0.take());
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            drop(deadpool_postgres::Object::take(client));
        }
    }
}

impl PostgresStore {
    /// See [`crate::store::Store::reads_in_place`]: a query here blocks on the store's own
    /// runtime, which may not be entered from the server's.
    const READS_IN_PLACE: bool = false;

    /// Connects to `url` (`postgres://user:password@host/db`, or key=value pairs) and applies
    /// pending migrations. An unreachable database is an error here, not at the first call.
    pub fn open(url: &str) -> StoreResult<PostgresStore> {
        let config: tokio_postgres::Config =
            url.parse().map_err(|e| StoreError::Internal(format!("--database: {e}")))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("licensekit-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Internal(format!("cannot start the database runtime: {e}")))?;
        // Fast: a connection is lent out again without a query of its own (a round trip per
        // request); one that may still hold a call's advisory lock is never given back
        // ([`Locked`]).
        let manager =
            Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .create_timeout(Some(Duration::from_secs(10)))
            .wait_timeout(Some(Duration::from_secs(30)))
            .build()
            .map_err(|e| StoreError::Internal(format!("cannot create the database pool: {e}")))?;
        let store = PostgresStore { pool, runtime: Some(runtime) };
        while !store.write(migrations::step)? {}
        store.check_predicate_locks()?;
        Ok(store)
    }

    /// Warns when the database keeps less room for predicate locks than the server's
    /// serializable transactions need: with PostgreSQL's default (64 per connection), a few
    /// dozen concurrent activations fill the table and fail with "out of shared memory".
    fn check_predicate_locks(&self) -> StoreResult<()> {
        let per_transaction: String =
            self.read(|c| Ok(c.query_row("SHOW max_pred_locks_per_transaction", [], |r| r.get(0))?))?;
        if per_transaction.parse::<u32>().is_ok_and(|n| n < MIN_PREDICATE_LOCKS) {
            tracing::warn!(
                max_pred_locks_per_transaction = per_transaction,
                "set max_pred_locks_per_transaction to at least {MIN_PREDICATE_LOCKS} in postgresql.conf \
                 (then restart PostgreSQL): concurrent activations run out of predicate locks below that"
            );
        }
        Ok(())
    }

    fn runtime(&self) -> &tokio::runtime::Handle {
        self.runtime.as_ref().expect("the runtime lives until the store is dropped").handle()
    }

    fn client(&self) -> StoreResult<deadpool_postgres::Client> {
        self.runtime()
            .block_on(self.pool.get())
            .map_err(|e| StoreError::Internal(format!("cannot connect to the database: {}", with_causes(&e))))
    }

    /// The connections the pool may hold, and how many of them are free now (idle or not
    /// yet opened), for `/metrics`.
    fn connections(&self) -> (u32, u32) {
        let status = self.pool.status();
        let lent = status.size.saturating_sub(status.available);
        (status.max_size as u32, status.max_size.saturating_sub(lent) as u32)
    }

    /// Runs `f` on a pooled connection outside any transaction.
    fn read<T>(&self, f: impl FnOnce(&db::Connection<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let client = self.client()?;
        f(&db::Connection::plain(&client, self.runtime()))
    }

    /// Runs `f` in one serializable transaction, committed when `f` succeeds.
    fn write<T>(&self, f: impl Fn(&db::Connection<'_>) -> StoreResult<T>) -> StoreResult<T> {
        self.serializable(None, |conn| f(conn).map(|value| (value, true)))
    }

    /// [`PostgresStore::write`] for a call that may be refused: only a grant (or a refusal
    /// that is itself a record, [`Refusal::recorded`]) commits. Calls on one `holding` (a
    /// license code, a trial) run one at a time in every process: a session advisory lock on
    /// it is taken before the transaction starts, so its snapshot holds every call before it
    /// (a retried request ID finds the answer stored by the original). Without the lock the
    /// serializable transaction alone would keep the limits exact, but 64 clients on one code
    /// would mostly abort each other; with it they queue.
    fn write_or_refuse<T>(
        &self,
        holding: &str,
        f: impl Fn(&db::Connection<'_>) -> StoreResult<Result<T, Refusal>>,
    ) -> StoreResult<Result<T, Refusal>> {
        self.serializable(Some(holding), |conn| {
            let outcome = f(conn)?;
            let commit = outcome.as_ref().map_or_else(|refusal| refusal.recorded, |_| true);
            Ok((outcome, commit))
        })
    }

    /// Runs `f` in a serializable transaction (committed when it says so, else rolled back)
    /// and runs it again, from the start, whenever a concurrent transaction aborted it. See
    /// the module documentation.
    fn serializable<T>(
        &self,
        holding: Option<&str>,
        f: impl Fn(&db::Connection<'_>) -> StoreResult<(T, bool)>,
    ) -> StoreResult<T> {
        let runtime = self.runtime();
        let mut client = self.client()?;
        let Some(holding) = holding else { return self.attempts(&mut client, &f) };
        runtime.block_on(client.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", &[&holding]))?;
        let mut locked = Locked(Some(client));
        let client = locked.0.as_mut().expect("held until unlocked");
        let outcome = self.attempts(client, &f);
        runtime
            .block_on(client.execute("SELECT pg_advisory_unlock(hashtextextended($1, 0))", &[&holding]))?;
        locked.unlocked();
        outcome
    }

    /// The attempts of [`PostgresStore::serializable`].
    fn attempts<T>(
        &self,
        client: &mut deadpool_postgres::Client,
        f: &impl Fn(&db::Connection<'_>) -> StoreResult<(T, bool)>,
    ) -> StoreResult<T> {
        let runtime = self.runtime();
        for attempt in 0..ATTEMPTS {
            let transaction = runtime
                .block_on(client.build_transaction().isolation_level(IsolationLevel::Serializable).start())?;
            let conn = db::Connection::transaction(&transaction, runtime);
            let outcome = if attempt == 0 {
                f(&conn)
            } else {
                conn.query_row("SELECT pg_advisory_xact_lock(?1)", [RETRY_LOCK], |_| Ok(()))
                    .map_err(StoreError::from)
                    .and_then(|()| f(&conn))
            };
            let conflicted = conn.conflicted();
            match outcome {
                Ok((value, true)) => match runtime.block_on(transaction.commit()) {
                    Ok(()) => return Ok(value),
                    Err(e) if db::is_conflict(&e) => {}
                    Err(e) => return Err(e.into()),
                },
                // Dropped unfinished, a transaction rolls back.
                Ok((value, false)) => return Ok(value),
                Err(_) if conflicted => {}
                Err(e) => return Err(e),
            }
            // Back off a little, more each time, so the transactions that collided do not
            // collide again in step.
            std::thread::sleep(Duration::from_micros(200 * u64::from(attempt.min(20) + 1)));
        }
        Err(StoreError::Internal(format!(
            "the transaction was aborted by concurrent ones {ATTEMPTS} times in a row; try again"
        )))
    }

    /// Records what `init` makes, in one transaction: the customer ID, the vendor signing key
    /// (hex seed) and the API keys (hashes). `Conflict` when the database is initialised.
    pub fn initialise(
        &self,
        customer_id: &str,
        signing_key_hex: &str,
        api_keys: &[(KeyKind, [u8; 32], String)],
    ) -> StoreResult<()> {
        self.write(|conn| {
            queries::admin::set_customer_id(conn, customer_id)?;
            conn.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", [SIGNING_KEY, signing_key_hex])?;
            for (kind, hash, prefix) in api_keys {
                queries::admin::add_key(conn, *kind, hash, prefix)?;
            }
            Ok(())
        })
    }

    /// `keys rotate`: in one transaction, the current vendor signing key (hex seed) joins the
    /// retired keys and `new_seed_hex` becomes current; returns the retired one. Nothing is
    /// changed when the database is not initialised.
    ///
    /// Every server process reads the key once, when it starts (as on SQLite): a process
    /// that was running goes on signing with the retired key until it is restarted, so
    /// restart each process serving the database. Two rotations at once are serialised (a
    /// serializable transaction, run again on conflict): the second retires the key the
    /// first made current, and no key is lost.
    pub fn rotate_signing_key(&self, new_seed_hex: &str) -> StoreResult<zeroize::Zeroizing<String>> {
        use db::OptionalExtension;
        self.write(|conn| {
            let old: Option<String> = conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [SIGNING_KEY], |r| r.get(0))
                .optional()?;
            let old = zeroize::Zeroizing::new(old.ok_or_else(|| {
                StoreError::NotFound(
                    "the database is not initialised: run `licensekit-server init --database URL`".into(),
                )
            })?);
            conn.execute("INSERT INTO retired_signing_keys (seed) VALUES (?1)", [old.as_str()])?;
            conn.execute("UPDATE meta SET value = ?2 WHERE key = ?1", [SIGNING_KEY, new_seed_hex])?;
            Ok(old)
        })
    }

    /// The vendor signing keys `keys rotate` retired (hex seeds), oldest first.
    pub fn retired_signing_keys_hex(&self) -> StoreResult<Vec<zeroize::Zeroizing<String>>> {
        self.read(retired_seeds)
    }

    /// The vendor signing key (hex seed) `init` stored; `None` before `init`.
    pub fn signing_key_hex(&self) -> StoreResult<Option<zeroize::Zeroizing<String>>> {
        use db::OptionalExtension;
        self.read(|conn| {
            let seed: Option<String> = conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [SIGNING_KEY], |r| r.get(0))
                .optional()?;
            Ok(seed.map(zeroize::Zeroizing::new))
        })
    }
}

/// The retired signing keys (hex seeds), oldest first, read on `conn` (`migrate` checks its
/// copy of them with this in its own transaction).
fn retired_seeds(conn: &db::Connection<'_>) -> StoreResult<Vec<zeroize::Zeroizing<String>>> {
    let seeds = conn
        .prepare_cached("SELECT seed FROM retired_signing_keys ORDER BY id")?
        .query_map([], |r| r.get::<_, String>(0))?
        .map(|seed| seed.map(zeroize::Zeroizing::new))
        .collect::<Result<_, _>>()?;
    Ok(seeds)
}

/// An error with the causes its message leaves out: the pool says only "db error", the
/// reason (PostgreSQL's "database … is not currently accepting connections", a refused
/// password) is its source's source, and that is what `/readyz` and the logs must show.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text
}
