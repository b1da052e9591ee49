//! The SQLite backend: one file in WAL mode, one writer connection and a small pool of
//! reader connections, so reads never wait behind a write.

mod activity;
mod admin;
mod client;
mod codes;
mod companies;
mod consumers;
mod licensing;
mod migrations;
mod operations;
mod passive;
mod products;
mod profiles;

use std::path::Path;
use std::sync::{Condvar, Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use licensekit::protocol::client_api::LeaseResponse;

use super::leasing::{ClientCall, NewPassive, OfflineDeactivation, PassiveSigner, Refusal, Signer};
use super::model::*;
use super::operations::{AuditEntry, NewAuditEntry, StoreFigures};
use super::{Store, StoreError, StoreResult};

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
        f(lent.connection())
    }

    /// Runs `f` in one immediate transaction on the writer; commits only if `f` succeeds.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// [`SqliteStore::write`] for a call that may be refused: a refusal rolls back whatever
    /// the call wrote before deciding, exactly as an error does; only a grant (or a refusal
    /// that is itself a record, [`Refusal::recorded`]) commits.
    fn write_or_refuse<T>(
        &self,
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

/// A WHERE clause built from optional filters, with numbered parameters.
#[derive(Debug, Default)]
struct Where {
    conditions: Vec<String>,
    values: Vec<rusqlite::types::Value>,
}

impl Where {
    /// Adds a condition with one `?` parameter.
    fn bind(&mut self, sql: &str, value: impl Into<rusqlite::types::Value>) {
        self.values.push(value.into());
        self.conditions.push(sql.replace('?', &format!("?{}", self.values.len())));
    }

    /// Adds a condition without parameters.
    fn raw(&mut self, sql: impl Into<String>) {
        self.conditions.push(sql.into());
    }

    /// The conditions joined with AND, and their values; `1 = 1` when there is none.
    fn finish(self) -> (String, Vec<rusqlite::types::Value>) {
        let sql = if self.conditions.is_empty() { "1 = 1".to_owned() } else { self.conditions.join(" AND ") };
        (sql, self.values)
    }
}

/// `NotFound` for a missing product, naming the field.
fn product_must_exist(conn: &Connection, product_id: &str) -> StoreResult<()> {
    let found = conn.prepare_cached("SELECT 1 FROM products WHERE id = ?1")?.exists([product_id])?;
    if found {
        Ok(())
    } else {
        Err(StoreError::NotFound(format!("productid: product {product_id} not found")))
    }
}

impl Store for SqliteStore {
    fn customer_id(&self) -> StoreResult<String> {
        self.read(admin::customer_id)
    }
    fn set_customer_id(&self, customer_id: &str) -> StoreResult<()> {
        self.write(|t| admin::set_customer_id(t, customer_id))
    }
    fn key_kind(&self, key_hash: &[u8; 32]) -> StoreResult<Option<KeyKind>> {
        self.read(|c| admin::key_kind(c, key_hash))
    }
    fn add_key(&self, kind: KeyKind, key_hash: &[u8; 32], prefix: &str) -> StoreResult<i64> {
        self.write(|t| admin::add_key(t, kind, key_hash, prefix))
    }
    fn list_keys(&self) -> StoreResult<Vec<ApiKeyInfo>> {
        self.read(admin::list_keys)
    }
    fn revoke_key(&self, id: i64) -> StoreResult<()> {
        self.write(|t| admin::revoke_key(t, id))
    }

    fn products(&self) -> StoreResult<Vec<Product>> {
        self.read(products::all)
    }
    fn product(&self, product_id: &str) -> StoreResult<Product> {
        self.read(|c| products::load(c, product_id))
    }
    fn create_product(&self, product: &NewProduct) -> StoreResult<String> {
        self.write(|t| products::create(t, product))
    }
    fn update_product(&self, product_id: &str, patch: &ProductPatch) -> StoreResult<()> {
        self.write(|t| products::update(t, product_id, patch))
    }
    fn create_groups(&self, product_id: &str, groups: &[NewGroup]) -> StoreResult<()> {
        self.write(|t| {
            product_must_exist(t, product_id)?;
            products::create_groups(t, product_id, groups)
        })
    }
    fn update_groups(&self, product_id: &str, groups: &[GroupPatch]) -> StoreResult<()> {
        self.write(|t| products::update_groups(t, product_id, groups))
    }
    fn delete_group(&self, product_id: &str, name: &str) -> StoreResult<()> {
        self.write(|t| products::delete_group(t, product_id, name))
    }
    fn create_features(&self, product_id: &str, features: &[NewFeature]) -> StoreResult<()> {
        self.write(|t| {
            product_must_exist(t, product_id)?;
            products::create_features(t, product_id, features)
        })
    }
    fn update_features(&self, product_id: &str, features: &[FeaturePatch]) -> StoreResult<()> {
        self.write(|t| products::update_features(t, product_id, features))
    }
    fn delete_feature(&self, product_id: &str, code: &str) -> StoreResult<()> {
        self.write(|t| products::delete_feature(t, product_id, code))
    }
    fn create_udfs(&self, product_id: &str, udfs: &[UdfSetting]) -> StoreResult<()> {
        self.write(|t| {
            product_must_exist(t, product_id)?;
            products::create_udfs(t, product_id, udfs)
        })
    }
    fn update_udfs(&self, product_id: &str, udfs: &[UdfPatch]) -> StoreResult<()> {
        self.write(|t| products::update_udfs(t, product_id, udfs))
    }
    fn delete_udf(&self, product_id: &str, name: &str) -> StoreResult<()> {
        self.write(|t| products::delete_udf(t, product_id, name))
    }

    fn profile(&self, product_id: &str, name: &str) -> StoreResult<Profile> {
        self.read(|c| profiles::load(c, product_id, name))
    }
    fn count_profiles(&self, product_id: Option<&str>) -> StoreResult<i64> {
        self.read(|c| profiles::count(c, product_id))
    }
    fn profiles(&self, product_id: Option<&str>, page: Page) -> StoreResult<Vec<Profile>> {
        self.read(|c| profiles::page(c, product_id, page))
    }
    fn create_profile(&self, product_id: &str, name: &str, change: &ProfileChange) -> StoreResult<()> {
        self.write(|t| profiles::create(t, product_id, name, change))
    }
    fn update_profile(
        &self,
        product_id: &str,
        name: &str,
        change: &ProfileChange,
        inherit: bool,
    ) -> StoreResult<()> {
        self.write(|t| profiles::update(t, product_id, name, change, inherit))
    }

    fn license_code(
        &self,
        code: &str,
        product_id: Option<&str>,
        with_notes: bool,
    ) -> StoreResult<Vec<LicenseCode>> {
        self.read(|c| codes::find(c, code, product_id, with_notes))
    }
    fn count_codes(&self, filter: &CodeFilter) -> StoreResult<i64> {
        self.read(|c| codes::count(c, filter))
    }
    fn license_codes(&self, filter: &CodeFilter, page: Page) -> StoreResult<Vec<LicenseCode>> {
        self.read(|c| codes::page(c, filter, page))
    }
    fn create_codes(&self, request: &NewCodes) -> StoreResult<Vec<String>> {
        self.write(|t| codes::create(t, request))
    }
    fn update_code(&self, product_id: &str, code: &str, change: &CodeChange) -> StoreResult<()> {
        self.write(|t| codes::update(t, product_id, code, change))
    }
    fn next_codes(&self, product_id: &str, profile: Option<&str>, amount: i64) -> StoreResult<Vec<String>> {
        self.write(|t| codes::next(t, product_id, profile, amount))
    }

    fn notes(&self, product_id: &str, code: &str) -> StoreResult<Vec<Note>> {
        self.read(|c| {
            codes::must_exist(c, product_id, code)?;
            codes::notes(c, code)
        })
    }
    fn add_note(&self, product_id: &str, code: &str, note_type: &str, description: &str) -> StoreResult<i64> {
        self.write(|t| {
            codes::must_exist(t, product_id, code)?;
            codes::add_note(t, code, note_type, description)
        })
    }
    fn update_note(
        &self,
        product_id: &str,
        code: &str,
        id: i64,
        note_type: Option<&str>,
        description: Option<&str>,
    ) -> StoreResult<()> {
        self.write(|t| codes::update_note(t, product_id, code, id, note_type, description))
    }
    fn delete_notes(&self, product_id: &str, code: &str, id: Option<i64>) -> StoreResult<i64> {
        self.write(|t| codes::delete_notes(t, product_id, code, id))
    }

    fn activated_codes(&self, computer_id: &str) -> StoreResult<Vec<(String, String)>> {
        self.read(|c| activity::activated_codes(c, computer_id))
    }
    fn activity(
        &self,
        product_id: &str,
        code: &str,
        only_active: bool,
        with_system: bool,
    ) -> StoreResult<Vec<Activation>> {
        self.read(|c| activity::activity(c, product_id, code, only_active, with_system))
    }
    fn return_activity(&self, product_id: &str, code: &str) -> StoreResult<i64> {
        self.write(|t| activity::return_all(t, product_id, code))
    }
    fn delete_activity(&self, product_id: &str, code: &str, computer_id: Option<&str>) -> StoreResult<i64> {
        self.write(|t| activity::delete(t, product_id, code, computer_id))
    }
    fn system_details(&self, product_id: &str, computer_id: &str) -> StoreResult<Option<String>> {
        self.read(|c| activity::system_details(c, product_id, computer_id))
    }
    fn trial(&self, product_id: &str, computer_id: &str) -> StoreResult<Option<Trial>> {
        self.read(|c| activity::trial(c, product_id, computer_id))
    }
    fn delete_trial(&self, product_id: &str, computer_id: &str) -> StoreResult<()> {
        self.write(|t| activity::delete_trial(t, product_id, computer_id))
    }
    fn count_trials(&self, filter: &TrialFilter) -> StoreResult<i64> {
        self.read(|c| activity::count_trials(c, filter))
    }
    fn trials(&self, filter: &TrialFilter, page: Page) -> StoreResult<Vec<Trial>> {
        self.read(|c| activity::trials(c, filter, page))
    }

    fn client_call(
        &self,
        call: &ClientCall,
        sign: Signer<'_>,
    ) -> StoreResult<Result<LeaseResponse, Refusal>> {
        self.write_or_refuse(|t| client::call(t, call, sign))
    }
    fn offline_deactivate(&self, deactivation: &OfflineDeactivation) -> StoreResult<Result<(), Refusal>> {
        self.write_or_refuse(|t| client::deactivate_offline(t, deactivation))
    }
    fn create_passive(&self, request: &NewPassive, sign: PassiveSigner<'_>) -> StoreResult<String> {
        self.write(|t| passive::create(t, request, sign))
    }

    fn company(&self, id: i64, product_id: Option<&str>) -> StoreResult<Company> {
        self.read(|c| companies::by_id(c, id, product_id))
    }
    fn company_by_name(&self, name: &str, product_id: Option<&str>) -> StoreResult<Company> {
        self.read(|c| companies::by_name(c, name, product_id))
    }
    fn companies(&self) -> StoreResult<Vec<Company>> {
        self.read(companies::all)
    }
    fn create_company(&self, product_id: &str, change: &CompanyChange) -> StoreResult<i64> {
        self.write(|t| companies::create(t, product_id, change))
    }
    fn update_company(&self, id: i64, product_id: &str, change: &CompanyChange) -> StoreResult<()> {
        self.write(|t| companies::update(t, id, product_id, change))
    }
    fn delete_company(&self, id: i64) -> StoreResult<()> {
        self.write(|t| companies::delete(t, id))
    }
    fn add_consumer(&self, record: &ConsumerRecord) -> StoreResult<()> {
        self.write(|t| consumers::add(t, record))
    }
    fn count_consumers(&self, filter: &ConsumerFilter) -> StoreResult<i64> {
        self.read(|c| consumers::count(c, filter))
    }
    fn consumers(&self, filter: &ConsumerFilter, page: Page) -> StoreResult<Vec<ConsumerRecord>> {
        self.read(|c| consumers::page(c, filter, page))
    }

    fn figures(&self, now: i64) -> StoreResult<StoreFigures> {
        let seats = self.read(|c| operations::seats(c, now))?;
        // The read above has given its connection back: what is lent now is others'.
        let idle_readers = lock(&self.readers).len();
        let writer_idle = self.writer.try_lock().is_ok();
        let size = READERS + 1;
        Ok(operations::figures(seats, size as u32, (idle_readers + usize::from(writer_idle)) as u32))
    }
    fn record_audit(&self, entry: &NewAuditEntry) -> StoreResult<i64> {
        self.write(|t| operations::record(t, entry))
    }
    fn audit(&self, page: Page) -> StoreResult<(i64, Vec<AuditEntry>)> {
        self.read(|c| operations::page(c, page))
    }
}

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};
    use std::sync::{Arc, mpsc};
    use std::time::Duration;

    use licensekit::Status;

    use super::*;

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
                store.read(|conn| -> StoreResult<()> {
                    // Half of them inside an explicit transaction, which must not stay open.
                    if round % 2 == 0 {
                        conn.execute_batch("BEGIN")?;
                    }
                    panic!("a read that panics (round {round})");
                })
            }));
            assert!(panicked.is_err());
        }
        let reader = store.clone();
        assert_eq!(within_bound(move || reader.customer_id()).unwrap(), "445733");
        // Every connection is back, none inside a transaction: READERS nested reads at once.
        fn nested(store: &SqliteStore, depth: usize) -> StoreResult<usize> {
            store.read(|conn| {
                assert!(conn.is_autocommit(), "a connection came back inside a transaction");
                if depth == 1 { Ok(1) } else { Ok(1 + nested(store, depth - 1)?) }
            })
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
            .write_or_refuse(|t| -> StoreResult<Result<(), Refusal>> {
                t.execute("UPDATE lease_serial SET value = value + 1 WHERE id = 1", [])?;
                t.execute("INSERT INTO meta (key, value) VALUES ('refused', 'x')", [])?;
                Ok(Err(Refusal::new(Status::ActivationLimit, "license_code: all activations are in use")))
            })
            .unwrap();
        assert_eq!(refused.unwrap_err().status, Status::ActivationLimit);
        assert_eq!(serial(&store).unwrap(), before, "the refused call's writes were rolled back");
        assert_eq!(marks(&store).unwrap(), 0, "the refused call's writes were rolled back");
        let granted = store
            .write_or_refuse(|t| -> StoreResult<Result<(), Refusal>> {
                t.execute("UPDATE lease_serial SET value = value + 1 WHERE id = 1", [])?;
                Ok(Ok(()))
            })
            .unwrap();
        assert!(granted.is_ok());
        assert_eq!(serial(&store).unwrap(), before + 1, "a grant commits");
    }
}
