//! The data directory:
//!
//! ```text
//! DIR/                    mode 0700
//!   licensekit.db         SQLite database (WAL mode: also licensekit.db-wal, -shm)
//!   signing-key.hex       the vendor Ed25519 seed, hex, mode 0600
//! ```
//!
//! `init` creates both or neither: a directory that holds either is refused, and a failure
//! half way removes what it created.

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

/// What `init` made: printed once, since only hashes of the keys are kept.
#[derive(Debug)]
pub struct Initialised {
    pub customer_id: String,
    pub public_key: String,
    /// One key of each kind, in [`KeyKind::ALL`] order.
    pub api_keys: Vec<(KeyKind, String)>,
}

fn database(dir: &Path) -> PathBuf {
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
    if is_initialised(dir) {
        return Err(format!("{} is already initialised; refusing to touch it", dir.display()));
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let result = init_files(dir);
    if result.is_err() {
        for name in [SIGNING_KEY, DATABASE, "licensekit.db-wal", "licensekit.db-shm"] {
            let _ = fs::remove_file(dir.join(name));
        }
    }
    result
}

fn init_files(dir: &Path) -> Result<Initialised, String> {
    let key = SigningKey::generate().map_err(|e| format!("cannot generate the signing key: {e:?}"))?;
    let path = dir.join(SIGNING_KEY);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(key.seed_hex().as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
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

/// Reads the signing key, refusing a key file that others can read.
pub fn signing_key(dir: &Path) -> Result<SigningKey, String> {
    let path = dir.join(SIGNING_KEY);
    let meta = fs::metadata(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(format!("{} is readable by other users; run `chmod 600` on it", path.display()));
    }
    let text = zeroize::Zeroizing::new(
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
    );
    SigningKey::from_seed_hex(&text).map_err(|_| format!("{} does not hold a signing key", path.display()))
}
