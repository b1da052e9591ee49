//! The data directory:
//!
//! ```text
//! DIR/                    mode 0700
//!   licensekit.db         SQLite database (WAL mode: also licensekit.db-wal, -shm)
//!   signing-key.hex       the vendor Ed25519 seed, hex, mode 0600
//!   retired-signing-keys.hex  keys retired by `keys rotate`, one a line, mode 0600 (see crate::keys)
//! ```
//!
//! `init` creates both or neither: a directory that holds either is refused, and a failure
//! half way removes what it created. Whatever the umask, a directory `init` creates is 0700
//! and every file 0600: the database is created empty with that mode before SQLite opens it,
//! and SQLite gives its WAL and shared-memory files the database's mode.
//!
//! `serve` refuses a directory whose files other users can read (the key signs licenses, the
//! database holds every customer's codes) or where it could not write ([`check_for_serving`]):
//! SQLite would otherwise open a read-only database quietly and fail every write later.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use licensekit::protocol::SigningKey;

use crate::auth::hash_key;
use crate::random;
use crate::store::Store;
use crate::store::model::KeyKind;
use crate::store::sqlite::SqliteStore;

pub const DATABASE: &str = "licensekit.db";
pub const SIGNING_KEY: &str = "signing-key.hex";
/// What SQLite keeps beside the database in WAL mode.
const DATABASE_SIDE_FILES: [&str; 2] = ["licensekit.db-wal", "licensekit.db-shm"];

/// What `init` made: printed once, since only hashes of the keys are kept.
#[derive(Debug)]
pub struct Initialised {
    pub customer_id: String,
    pub public_key: String,
    /// One key of each kind, in [`KeyKind::ALL`] order.
    pub api_keys: Vec<(KeyKind, String)>,
}

/// The database file of a data directory.
pub fn database(dir: &Path) -> PathBuf {
    dir.join(DATABASE)
}

/// True when the directory already holds a database or a signing key.
pub fn is_initialised(dir: &Path) -> bool {
    database(dir).exists() || dir.join(SIGNING_KEY).exists()
}

/// Creates a new API key of this kind; returns (ID, key).
pub fn create_key(store: &dyn Store, kind: KeyKind) -> Result<(i64, String), String> {
    let key = random::api_key();
    let id = store.add_key(kind, &hash_key(&key), &key[..6]).map_err(|e| format!("{e:?}"))?;
    Ok((id, key))
}

/// Initialises `dir`. See the module documentation.
pub fn init(dir: &Path) -> Result<Initialised, String> {
    create_with(dir, init_files)
}

/// Makes `dir` (mode 0700) unless it exists, and runs `fill` to create its files: when `fill`
/// fails, what it created is removed again, so `dir` is left as fresh as it was (`init` and
/// `restore` share this).
pub fn create_with<T>(dir: &Path, fill: impl FnOnce(&Path) -> Result<T, String>) -> Result<T, String> {
    if is_initialised(dir) {
        return Err(format!("{} is already initialised; refusing to touch it", dir.display()));
    }
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .and_then(|()| fs::set_permissions(dir, fs::Permissions::from_mode(0o700)))
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let result = fill(dir);
    if result.is_err() {
        for name in [SIGNING_KEY, crate::keys::RETIRED, DATABASE].into_iter().chain(DATABASE_SIDE_FILES) {
            let _ = fs::remove_file(dir.join(name));
        }
    }
    result
}

/// Creates a new file readable and writable by the owner alone (the mode is set again after
/// creation, as the umask may have taken bits off).
pub fn create_private(path: &Path) -> Result<fs::File, String> {
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(|e| format!("cannot set the mode of {}: {e}", path.display()))?;
    Ok(file)
}

/// Writes a new private file ([`create_private`]) and syncs it to disk.
pub fn write_private(path: &Path, contents: &[u8]) -> Result<(), String> {
    let mut file = create_private(path)?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn init_files(dir: &Path) -> Result<Initialised, String> {
    let key = SigningKey::generate().map_err(|e| format!("cannot generate the signing key: {e:?}"))?;
    write_private(&dir.join(SIGNING_KEY), key.seed_hex().as_bytes())?;
    // An empty file is a valid empty database; SQLite keeps its mode and copies it to the
    // WAL and shared-memory files.
    create_private(&database(dir))?;
    let store =
        SqliteStore::open(&database(dir), true).map_err(|e| format!("cannot create the database: {e:?}"))?;
    let customer_id = random::digits(6);
    store.set_customer_id(&customer_id).map_err(|e| format!("{e:?}"))?;
    let mut api_keys = Vec::new();
    for kind in KeyKind::ALL {
        api_keys.push((kind, create_key(&store, kind)?.1));
    }
    Ok(Initialised { customer_id, public_key: key.public_key().to_hex(), api_keys })
}

/// Opens the store of an initialised directory.
pub fn open_store(dir: &Path) -> Result<SqliteStore, String> {
    let path = database(dir);
    if !path.exists() {
        return Err(format!(
            "{} is not initialised: run `licensekit-server init --data-dir {}`",
            dir.display(),
            dir.display()
        ));
    }
    SqliteStore::open(&path, false).map_err(|e| format!("cannot open {}: {e:?}", path.display()))
}

/// Refuses to serve `dir` when other users may read its database or key (or their side
/// files), or when the server could not write the database or create files beside it. The
/// mode bits are checked as well as access(2), so a read-only mode is refused even for root
/// (whom access(2) lets write anything).
pub fn check_for_serving(dir: &Path) -> Result<(), String> {
    let db = database(dir);
    if !db.exists() {
        // open_store says how to initialise it.
        return Ok(());
    }
    for path in [db.clone(), dir.join(SIGNING_KEY)].into_iter().chain(
        DATABASE_SIDE_FILES
            .iter()
            .chain([&crate::keys::RETIRED])
            .map(|name| dir.join(name))
            .filter(|p| p.exists()),
    ) {
        private(&path)?;
    }
    for (path, what) in
        [(dir, "the server creates the database's WAL files in it"), (&db, "it is the database")]
    {
        let meta = fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let writable = meta.permissions().mode() & 0o200 != 0
            && rustix::fs::access(path, rustix::fs::Access::WRITE_OK).is_ok();
        if !writable {
            return Err(format!(
                "{} is read-only and {what}: make it writable by the server's user (chmod u+w) or \
                 use another --data-dir",
                path.display()
            ));
        }
    }
    Ok(())
}

/// Refuses a file that users other than its owner may read or write.
pub fn private(path: &Path) -> Result<(), String> {
    let meta = fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(format!("{} is readable by other users; run `chmod 600` on it", path.display()));
    }
    Ok(())
}

/// Reads the signing key, refusing a key file that others can read.
pub fn signing_key(dir: &Path) -> Result<SigningKey, String> {
    let path = dir.join(SIGNING_KEY);
    private(&path)?;
    let text = zeroize::Zeroizing::new(
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
    );
    SigningKey::from_seed_hex(&text).map_err(|_| format!("{} does not hold a signing key", path.display()))
}
