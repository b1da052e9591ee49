//! `backup` and `restore`: the whole of a data directory in one file, taken while it serves.
//!
//! A backup without the signing key is useless (no license the restored server signs would
//! verify in the applications already shipped), so the file holds both the database and the
//! key, and is created readable by its owner alone (mode 0600). Its format, version 1:
//!
//! ```text
//! licensekit-backup 1\n                 magic line
//! {"backend":"sqlite","created":"2026-12-02T06:30:00","signing_key":"<64 hex>",
//!  "retired_signing_keys":["<64 hex>",…],"database_bytes":N,"database_sha256":"<64 hex>"}\n
//!                                        one line of JSON
//! N bytes                                the database as the backend exported it
//! ```
//!
//! The database part comes from a [`DatabaseExport`]: for SQLite a file copied by SQLite's
//! online backup API, consistent at one instant although the server keeps writing (in WAL
//! mode the copy's read transaction does not block the writer). Another backend plugs in its
//! own export and import under its own `backend` name. Settings live in the database (the
//! customer ID, API key hashes, products and their settings); the command-line flags of
//! `serve` are not part of a data directory and so not of a backup.
//!
//! `restore` only fills a fresh data directory, and checks the digest before it writes: a
//! truncated or altered file is refused and nothing is left behind.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use licensekit::protocol::SigningKey;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::datadir;
use crate::datetime;
use crate::keys;

/// The first line of every backup file.
const MAGIC: &str = "licensekit-backup 1";

/// What a backup's JSON line says.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    /// Which [`DatabaseExport`] wrote the database part.
    backend: String,
    created: String,
    /// The vendor Ed25519 seed, hex.
    signing_key: String,
    /// Keys retired by `keys rotate`, oldest first.
    #[serde(default)]
    retired_signing_keys: Vec<String>,
    database_bytes: u64,
    database_sha256: String,
}

/// A backend's way of copying its whole database to a file while it serves, and back.
pub trait DatabaseExport {
    /// The name written in the backup's header, checked on restore.
    fn backend(&self) -> &'static str;
    /// Writes a consistent copy of the whole database to `to` (a new, private file).
    fn export(&self, to: &Path) -> Result<(), String>;
}

/// SQLite's online backup of the data directory's database.
#[derive(Debug)]
pub struct SqliteExport {
    pub database: PathBuf,
}

/// Pause when SQLite reports the source busy (a writer holding its lock briefly).
const BUSY_PAUSE: Duration = Duration::from_millis(20);

impl DatabaseExport for SqliteExport {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn export(&self, to: &Path) -> Result<(), String> {
        let source = Connection::open_with_flags(&self.database, OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| format!("cannot open {}: {e}", self.database.display()))?;
        let mut target = Connection::open(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
        let backup =
            Backup::new(&source, &mut target).map_err(|e| format!("cannot start the backup: {e}"))?;
        // All pages in one step: one read transaction, so one consistent instant. Stepping a
        // few pages at a time would restart whenever the serving process writes.
        loop {
            match backup.step(-1).map_err(|e| format!("backup failed: {e}"))? {
                StepResult::Done => return Ok(()),
                StepResult::More | StepResult::Busy | StepResult::Locked => std::thread::sleep(BUSY_PAUSE),
                _ => std::thread::sleep(BUSY_PAUSE),
            }
        }
    }
}

/// `backup --data-dir DIR --to FILE`: refuses an existing FILE; a failure leaves none.
pub fn backup(dir: &Path, to: &Path) -> Result<(), String> {
    if !datadir::is_initialised(dir) {
        return Err(format!("{} is not initialised", dir.display()));
    }
    let key = datadir::signing_key(dir)?;
    let retired = keys::retired(dir)?;
    if to.exists() {
        return Err(format!("{} exists; refusing to overwrite it", to.display()));
    }
    // From here on the file is ours (created new), so a failure removes it.
    let file = datadir::create_private(to)?;
    let export = SqliteExport { database: datadir::database(dir) };
    let partial = with_suffix(to, ".partial-db");
    let result = write_backup(&export, (&key, &retired), file, &partial);
    let _ = fs::remove_file(&partial);
    if result.is_err() {
        let _ = fs::remove_file(to);
    }
    result.map_err(|e| format!("{}: {e}", to.display()))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn write_backup(
    export: &dyn DatabaseExport,
    (key, retired): (&SigningKey, &[SigningKey]),
    mut file: fs::File,
    partial: &Path,
) -> Result<(), String> {
    // The export writes its copy beside the backup, private from the start.
    drop(datadir::create_private(partial)?);
    export.export(partial)?;
    let database = fs::read(partial).map_err(|e| format!("cannot read {}: {e}", partial.display()))?;
    let header = Header {
        backend: export.backend().to_owned(),
        created: datetime::format(datetime::now_millis()),
        signing_key: key.seed_hex().to_string(),
        retired_signing_keys: retired.iter().map(|k| k.seed_hex().to_string()).collect(),
        database_bytes: database.len() as u64,
        database_sha256: hex::encode(Sha256::digest(&database)),
    };
    let line = Zeroizing::new(serde_json::to_string(&header).map_err(|e| e.to_string())?);
    let written = writeln!(file, "{MAGIC}")
        .and_then(|()| writeln!(file, "{}", line.as_str()))
        .and_then(|()| file.write_all(&database))
        .and_then(|()| file.sync_all());
    written.map_err(|e| format!("cannot write: {e}"))
}

/// `restore --from FILE --data-dir DIR` into a directory that holds no data yet.
pub fn restore(from: &Path, dir: &Path) -> Result<(), String> {
    if datadir::is_initialised(dir) {
        return Err(format!("{} already holds a data directory; restore into a new one", dir.display()));
    }
    let (header, database) = read_backup(from)?;
    if header.backend != "sqlite" {
        return Err(format!(
            "{} is a {} backup; this server restores sqlite backups",
            from.display(),
            header.backend
        ));
    }
    let key = SigningKey::from_seed_hex(&header.signing_key)
        .map_err(|_| format!("{}: the signing key is not valid", from.display()))?;
    let retired = header
        .retired_signing_keys
        .iter()
        .map(|hex| SigningKey::from_seed_hex(hex))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| format!("{}: a retired signing key is not valid", from.display()))?;
    datadir::create_with(dir, |dir| {
        datadir::write_private(&dir.join(datadir::SIGNING_KEY), key.seed_hex().as_bytes())?;
        keys::write_retired(dir, &retired)?;
        datadir::write_private(&datadir::database(dir), &database)?;
        // Opening runs the migrations a newer server needs and proves the file is a database.
        datadir::open_store(dir).map(drop)
    })
}

/// Reads and checks a backup file: the magic line, the header, the database's length and
/// digest.
fn read_backup(from: &Path) -> Result<(Header, Vec<u8>), String> {
    let bad = |what: &str| format!("{} is not a licensekit backup: {what}", from.display());
    let file = fs::File::open(from).map_err(|e| format!("cannot open {}: {e}", from.display()))?;
    let mut reader = BufReader::new(file);
    let mut magic = String::new();
    reader.read_line(&mut magic).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    if magic.trim_end() != MAGIC {
        return Err(bad(&format!("the first line is not {MAGIC:?}")));
    }
    let mut line = Zeroizing::new(String::new());
    reader.read_line(&mut line).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    let header: Header = serde_json::from_str(&line).map_err(|e| bad(&format!("header: {e}")))?;
    let mut database = Vec::new();
    reader.read_to_end(&mut database).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    if database.len() as u64 != header.database_bytes {
        return Err(bad(&format!(
            "the database part has {} bytes, the header says {} (truncated?)",
            database.len(),
            header.database_bytes
        )));
    }
    if hex::encode(Sha256::digest(&database)) != header.database_sha256 {
        return Err(bad("the database part does not match its SHA-256"));
    }
    Ok((header, database))
}
