//! The SQLite backend: one file in WAL mode, one writer connection and a small pool of
//! reader connections, so reads never wait behind a write. The queries are the shared ones
//! of `store/queries/`, run on rusqlite itself (`db`).

mod db;
mod migrations;
#[path = "../queries/mod.rs"]
#[allow(
    clippy::duplicate_mod,
    reason = "the shared queries are compiled once per backend, each with its own `db`"
)]
mod queries;

/// The store the shared queries implement [`crate::store::Store`] for.
type Backend = SqliteStore;

/// The schema version this server writes (a database to migrate must be at it).
pub const LATEST_SCHEMA: i64 = migrations::LATEST;

use std::path::Path;
use std::sync::{Condvar, Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use super::leasing::Refusal;
use super::{StoreError, StoreResult};

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        StoreError::Internal(format!("sqlite: {error}"))
    }
}

/// Reader connections: enough for both cores plus requests parked on I/O.
const READERS: usize = 4;

/// The SQLite store. See the module documentation.
#[derive(Debug)]
pub struct SqliteStore {
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    reader_free: Condvar,
}

fn open_connection(path: &Path, create: bool) -> StoreResult<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
    // WAL: readers never block the writer; NORMAL sync is crash-safe in WAL mode (a power
    // cut may lose the last commits, never corrupt or half-apply one). Foreign keys enforce
    // the cascades the schema declares; the busy timeout covers the CLI writing meanwhile.
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl SqliteStore {
    /// See [`crate::store::Store::reads_in_place`].
    const READS_IN_PLACE: bool = true;

    /// Opens (with `create`, creates) the database and applies pending migrations. A
    /// database SQLite could only open read-only (its mode, its owner, a read-only mount) is
    /// refused here: SQLite would open it quietly and fail every write later.
    pub fn open(path: &Path, create: bool) -> StoreResult<SqliteStore> {
        let mut writer = open_connection(path, create)?;
        if writer.is_readonly(rusqlite::MAIN_DB)? {
            return Err(StoreError::Internal(format!(
                "{} can only be opened read-only: the server must be able to write it",
                path.display()
            )));
        }
        migrations::migrate(&mut writer)?;
        let readers = (0..READERS).map(|_| open_connection(path, false)).collect::<StoreResult<Vec<_>>>()?;
        Ok(SqliteStore {
            writer: Mutex::new(writer),
            readers: Mutex::new(readers),
            reader_free: Condvar::new(),
        })
    }

    /// Runs `f` on a reader connection. The connection goes back to the pool however `f`
    /// ends, a panic included: a lost connection would leave every later read waiting.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        let conn = {
            let mut pool = lock(&self.readers);
            loop {
                if let Some(conn) = pool.pop() {
                    break conn;
                }
                pool = self.reader_free.wait(pool).unwrap_or_else(|p| p.into_inner());
            }
        };
        let lent = Lent { store: self, conn: Some(conn) };
        // One read transaction for all the statements of the call: they see one snapshot,
        // and the WAL's shared lock (two fcntl calls and a look at the WAL index) is taken
        // once, not once per statement, which was most of a small read's cost.
        let conn = lent.connection();
        conn.prepare_cached("BEGIN")?.execute([])?;
        let value = f(conn)?;
        conn.prepare_cached("COMMIT")?.execute([])?;
        Ok(value)
    }

    /// Runs `f` in one immediate transaction on the writer; commits only if `f` succeeds.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// The connections this store holds (the readers and the writer), and how many of
    /// them are free now (for `/metrics`).
    fn connections(&self) -> (u32, u32) {
        let idle_readers = lock(&self.readers).len();
        let writer_idle = self.writer.try_lock().is_ok();
        ((READERS + 1) as u32, (idle_readers + usize::from(writer_idle)) as u32)
    }

    /// [`SqliteStore::write`] for a call that may be refused: a refusal rolls back whatever
    /// the call wrote before deciding, exactly as an error does; only a grant (or a refusal
    /// that is itself a record, [`Refusal::recorded`]) commits.
    /// `_holding` (what the call holds, see the PostgreSQL backend) needs nothing here: the
    /// single writer runs every transaction alone.
    fn write_or_refuse<T>(
        &self,
        _holding: &str,
        f: impl FnOnce(&Transaction<'_>) -> StoreResult<Result<T, Refusal>>,
    ) -> StoreResult<Result<T, Refusal>> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let outcome = f(&tx)?;
        if outcome.as_ref().map_or_else(|refusal| refusal.recorded, |_| true) {
            tx.commit()?;
        }
        // Dropped unfinished, a transaction rolls back.
        Ok(outcome)
    }
}

/// A reader connection out of the pool; dropping it (also while unwinding) gives it back.
struct Lent<'a> {
    store: &'a SqliteStore,
    conn: Option<Connection>,
}

impl Lent<'_> {
    fn connection(&self) -> &Connection {
        self.conn.as_ref().expect("a lent connection is there until it is dropped")
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        // A read that panicked inside an explicit transaction must not leave it open for
        // the next reader (its statements are reset as their handles drop).
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        lock(&self.store.readers).push(conn);
        self.store.reader_free.notify_one();
    }
}

/// Locks a mutex; a panic while holding it cannot leave a connection half-used (rusqlite
/// rolls back an unfinished transaction on drop), so a poisoned lock is still usable.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::{Arc, mpsc};
    use std::time::Duration;

    use licensekit::Status;

    use super::*;
    use crate::store::Store;

    fn store() -> (tempfile::TempDir, Arc<SqliteStore>) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("test.db"), true).unwrap();
        (dir, Arc::new(store))
    }

    /// Runs `f` on another thread and waits at most 10 s: a read that waits for a lost
    /// connection would never end.
    fn within_bound<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(f());
        });
        finished
            .recv_timeout(Duration::from_secs(10))
            .expect("the read waited for a connection that never came back")
    }

    #[test]
    fn reads_that_panic_give_their_connection_back() {
        let (_dir, store) = store();
        store.set_customer_id("445733").unwrap();
        for round in 0..2 * READERS {
            let panicked = catch_unwind(AssertUnwindSafe(|| {
                // Inside the read's transaction, which must not stay open.
                store.read(|_| -> StoreResult<()> { panic!("a read that panics (round {round})") })
            }));
            assert!(panicked.is_err());
        }
        let reader = store.clone();
        assert_eq!(within_bound(move || reader.customer_id()).unwrap(), "445733");
        // Every connection is back, none inside a transaction: READERS nested reads at once.
        fn nested(store: &SqliteStore, depth: usize) -> StoreResult<usize> {
            // A connection back inside a transaction would fail the read's own BEGIN.
            store.read(|_| if depth == 1 { Ok(1) } else { Ok(1 + nested(store, depth - 1)?) })
        }
        let reader = store.clone();
        assert_eq!(within_bound(move || nested(&reader, READERS)).unwrap(), READERS);
    }

    #[test]
    fn a_refusal_rolls_back_what_the_call_wrote_before_it() {
        let (_dir, store) = store();
        let serial = |store: &SqliteStore| {
            store.read(|c| {
                Ok(c.query_row("SELECT value FROM lease_serial WHERE id = 1", [], |r| r.get::<_, i64>(0))?)
            })
        };
        let marks = |store: &SqliteStore| {
            store.read(|c| {
                Ok(c.query_row("SELECT count(*) FROM meta WHERE key = 'refused'", [], |r| {
                    r.get::<_, i64>(0)
                })?)
            })
        };
        let before = serial(&store).unwrap();
        // Two writes, then the refusal: neither may remain.
        let refused = store
            .write_or_refuse("code 1", |t| -> StoreResult<Result<(), Refusal>> {
                t.execute("UPDATE lease_serial SET value = value + 1 WHERE id = 1", [])?;
                t.execute("INSERT INTO meta (key, value) VALUES ('refused', 'x')", [])?;
                Ok(Err(Refusal::new(Status::ActivationLimit, "license_code: all activations are in use")))
            })
            .unwrap();
        assert_eq!(refused.unwrap_err().status, Status::ActivationLimit);
        assert_eq!(serial(&store).unwrap(), before, "the refused call's writes were rolled back");
        assert_eq!(marks(&store).unwrap(), 0, "the refused call's writes were rolled back");
        let granted = store
            .write_or_refuse("code 1", |t| -> StoreResult<Result<(), Refusal>> {
                t.execute("UPDATE lease_serial SET value = value + 1 WHERE id = 1", [])?;
                Ok(Ok(()))
            })
            .unwrap();
        assert!(granted.is_ok());
        assert_eq!(serial(&store).unwrap(), before + 1, "a grant commits");
    }
}
