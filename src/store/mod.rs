//! The local state file: one per product, versioned, checksummed and authenticated,
//! replaced atomically and locked across processes, with a second copy of its high-water
//! marks kept apart from it.
//!
//! `<dir>/<product>.lkstore` has the layout of [`format`]. A write goes to a temporary file
//! which is fsynced, renamed over the old file, and the directory fsynced: a kill at any
//! instant leaves the old or the new state, never a mix. Writers and readers hold an
//! advisory lock on `<product>.lock` (a separate file, since the data file's inode changes at
//! every rename); a store on read-only media is read without one.
//!
//! A damaged file is reported (`StoreCorrupt`, `StoreTruncated`, `StoreVersion`) and never
//! silently replaced: only an activation, trial start or certificate import replaces it
//! ([`Store::update_replacing_damaged`]), and the damaged file is kept beside the new one as
//! `<product>.lkstore.damaged-<unix time>` for support. An edited, copied or restored older
//! store is `StoreRolledBack` (see [`marks`]).

#[cfg(feature = "client")]
pub mod events;
mod format;
mod marks;
mod replace;

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use format::{MAX_BODY, decode_body};
pub use marks::{Marks, MarksFile};

use crate::Status;
use crate::machine::{SysRoot, validate_product_id};
use format::{Authenticated, STORE};

/// What the store remembers between runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreState {
    /// Incremented by every committed update; lets tests and diagnostics count writes.
    pub revision: u64,
    /// The latest wall-clock time (Unix seconds) this product has seen: a clock set back
    /// far below it is detected as tampering.
    pub clock_high_water: i64,
    /// The current license (lease, trial lease, certificate or passive license), as the
    /// compact envelope exactly as received, so it is re-verified from its signed bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// The installation's Ed25519 key seed (hex) while a license is activated: it signs this
    /// installation's requests. The file is private (0600); the key is destroyed at
    /// deactivation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installation_key: Option<String>,
    /// The highest lease serial ever accepted: an older lease offered again is a replay.
    #[serde(default)]
    pub serial_high_water: u64,
    /// The highest serial of a LAN daemon's master license seen with a network seat (seats
    /// carry their own daemon's serials, so they do not move `serial_high_water`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub master_serial_high_water: u64,
    /// An offline activation request waiting for its certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_offline: Option<PendingOffline>,
    /// The last offline deactivation certificate, kept so it can be produced again if the
    /// first copy is lost (the license it gave back is gone already).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_deactivation: Option<String>,
    /// Long-term check-outs of floating seats (compact `floating-seat` envelopes), usable
    /// offline until they end.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub long_term_seats: Vec<String>,
    /// An online deactivation was begun: the license is unusable from that moment, and the
    /// request to free the seat is sent (again) until the server confirms it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deactivating: bool,
    /// Tokens and pool units used offline, not yet acknowledged by the server: compact
    /// `journal-entry` envelopes, oldest first (see [`crate::protocol::journal`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub journal: Vec<String>,
    /// Where the journal stands (kept when its entries are acknowledged: the next entry
    /// follows the last one written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal_head: Option<crate::protocol::journal::ChainHead>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// An offline activation request and the key that signed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingOffline {
    /// The installation key seed (hex) the certificate will name.
    pub installation_key: String,
    /// The request's nonce, which the certificate must echo.
    pub nonce: String,
    pub license_code: String,
    /// The armoured request, produced again on demand until the certificate arrives.
    pub request: String,
}

/// One product's store in one directory.
#[derive(Clone, Debug)]
pub struct Store {
    dir: PathBuf,
    data: PathBuf,
    lock: PathBuf,
    marks: MarksFile,
}

impl Store {
    /// The store of `product_id` in `dir` (created with mode 0700 if missing and possible: a
    /// store on read-only media is opened all the same, for reading).
    pub fn open(dir: &Path, product_id: &str) -> Result<Store, Status> {
        Store::open_on(&SysRoot::host(), dir, product_id)
    }

    /// The store in `dir` of a simulated machine `root` (its marks in `root`'s machine-wide
    /// directory).
    pub fn open_on(root: &SysRoot, dir: &Path, product_id: &str) -> Result<Store, Status> {
        validate_product_id(product_id)?;
        // Created now, so the marks are named after the directory's final, canonical path.
        let _ = create_private_dir(dir);
        Ok(Store {
            dir: dir.to_path_buf(),
            data: dir.join(format!("{product_id}.lkstore")),
            lock: dir.join(format!("{product_id}.lock")),
            marks: MarksFile::locate(root, dir, product_id),
        })
    }

    /// The path of the data file.
    pub fn path(&self) -> &Path {
        &self.data
    }

    /// The directory the store lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Damaged store files kept beside this one for support, oldest first.
    pub fn damaged_files(&self) -> Vec<PathBuf> {
        let prefix =
            format!("{}.damaged-", self.data.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
        let mut found: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .flatten()
                    .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                    .map(|e| e.path())
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        found
    }

    /// Loads the state under a shared lock. A missing file is the empty state (with the high-water
    /// marks of its second copy).
    pub fn load(&self) -> Result<StoreState, Status> {
        let lock = self.lock_file(false)?;
        if let Some(lock) = &lock {
            lock.lock_shared()
                .map_err(|e| crate::detail::io(Status::StoreIo, "cannot lock", &self.lock, &e))?;
        }
        self.read_unlocked().map(|(state, _)| state)
    }

    /// Loads, applies `change` and writes back atomically, all under the exclusive lock, so
    /// concurrent processes never lose each other's updates. When `change` fails, nothing
    /// is written; a damaged store is reported, not written over.
    pub fn update<R>(&self, change: impl FnOnce(&mut StoreState) -> Result<R, Status>) -> Result<R, Status> {
        self.update_with(false, change)
    }

    /// Like [`Store::update`], but a damaged or rolled-back store is first moved aside
    /// (`<product>.lkstore.damaged-<unix time>`, never deleted) and `change` applied to a fresh
    /// state that starts from the second copy's high-water marks, so damaging the store on
    /// purpose reopens no replay. For the operations that give the application a new
    /// license: activation, trial start, certificate import.
    pub fn update_replacing_damaged<R>(
        &self,
        change: impl FnOnce(&mut StoreState) -> Result<R, Status>,
    ) -> Result<R, Status> {
        self.update_with(true, change)
    }

    fn update_with<R>(
        &self,
        replace_damaged: bool,
        change: impl FnOnce(&mut StoreState) -> Result<R, Status>,
    ) -> Result<R, Status> {
        create_private_dir(&self.dir)?;
        let lock = self.lock_file(true)?.ok_or(Status::StoreIo)?;
        lock.lock().map_err(|e| crate::detail::io(Status::StoreIo, "cannot lock", &self.lock, &e))?;
        let (mut state, marks) = match self.read_unlocked() {
            Err(status) if replace_damaged && is_damage(status) => {
                let marks = self.marks.load().ok().flatten();
                self.keep_aside()?;
                (floor(marks.as_ref()), marks)
            }
            other => other?,
        };
        let before = state.installation_key.clone();
        let result = change(&mut state)?;
        state.revision = state.revision.max(marks.as_ref().map_or(0, |m| m.revision)) + 1;
        self.write_unlocked(&state, marks, before.as_deref())?;
        Ok(result)
    }

    /// Moves the damaged data file aside for support.
    fn keep_aside(&self) -> Result<(), Status> {
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let aside = self.data.with_file_name(format!(
            "{}.damaged-{now}",
            self.data.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
        ));
        replace::rename(&self.data, &aside).map_err(|e| {
            crate::detail::io(Status::StoreIo, "cannot keep the damaged store aside at", &aside, &e)
        })?;
        crate::log::emit(crate::log::Level::Warn, &format!("damaged store kept as {}", aside.display()));
        Ok(())
    }

    /// Opens the lock file: for writing (created if missing), or for reading, where a
    /// read-only medium gives a read-only handle or, if it has no lock file, none at all.
    fn lock_file(&self, write: bool) -> Result<Option<File>, Status> {
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        private_mode(&mut options);
        match options.open(&self.lock) {
            Ok(file) => Ok(Some(file)),
            Err(e) if write => Err(crate::detail::io(Status::StoreIo, "cannot open", &self.lock, &e)),
            Err(_) => match File::open(&self.lock) {
                Ok(file) => Ok(Some(file)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(crate::detail::io(Status::StoreIo, "cannot open", &self.lock, &e)),
            },
        }
    }

    /// The state and its marks, checked against each other.
    fn read_unlocked(&self) -> Result<(StoreState, Option<Marks>), Status> {
        let marks = self.marks.load()?;
        let file = match File::open(&self.data) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((floor(marks.as_ref()), marks)),
            Err(e) => return Err(crate::detail::io(Status::StoreIo, "cannot read", &self.data, &e)),
        };
        let mut bytes = Vec::new();
        let limit = MAX_BODY + 256;
        file.take(limit)
            .read_to_end(&mut bytes)
            .map_err(|e| crate::detail::io(Status::StoreIo, "cannot read", &self.data, &e))?;
        let key = marks.as_ref().and_then(Marks::key_bytes);
        let (state, authenticated): (StoreState, _) = format::decode(STORE, &bytes, key.as_ref())?;
        if let Some(marks) = &marks {
            let rolled_back = |why: &str| Err(crate::detail::note(Status::StoreRolledBack, why.to_owned()));
            if authenticated == Authenticated::Legacy {
                return rolled_back("an older-format store replaced a newer one");
            }
            if state.revision < marks.revision || state.serial_high_water < marks.serial_high_water {
                return rolled_back(&format!(
                    "the store is at revision {} (serial {}) but revision {} (serial {}) was written",
                    state.revision, state.serial_high_water, marks.revision, marks.serial_high_water
                ));
            }
            if state.installation_key.as_deref().is_some_and(|k| marks.destroyed_keys.contains(&key_tag(k))) {
                return rolled_back("the store holds an installation key destroyed by a deactivation");
            }
        }
        Ok((state, marks))
    }

    /// Writes the store, then its marks (creating them, with the store's key, before the
    /// first authenticated write). `before` is the installation key the state held when the
    /// update began: a key that leaves the state is remembered as destroyed.
    fn write_unlocked(
        &self,
        state: &StoreState,
        marks: Option<Marks>,
        before: Option<&str>,
    ) -> Result<(), Status> {
        let mut marks = match marks {
            Some(marks) => marks,
            None => {
                let mut key = zeroize::Zeroizing::new([0u8; 32]);
                crate::protocol::os_random(key.as_mut())?;
                let mut fresh = Marks::default();
                fresh.key = hex::encode(key.as_ref());
                self.marks.save(&fresh)?;
                fresh
            }
        };
        let key = marks.key_bytes().ok_or(Status::StoreRolledBack)?;
        let bytes = format::encode(STORE, state, Some(&key))?;
        write_atomically(&self.data, &bytes)?;
        marks.revision = state.revision;
        marks.serial_high_water = state.serial_high_water;
        marks.clock_high_water = state.clock_high_water;
        if let Some(old) = before.filter(|old| state.installation_key.as_deref() != Some(*old)) {
            marks.destroy(key_tag(old));
        }
        // The store is already written: marks behind it are accepted, and caught up next time.
        let _ = self.marks.save(&marks);
        Ok(())
    }
}

/// Damage that an activation may replace (after keeping the file aside).
fn is_damage(status: Status) -> bool {
    matches!(
        status,
        Status::StoreCorrupt | Status::StoreTruncated | Status::StoreVersion | Status::StoreRolledBack
    )
}

/// The empty state, at the high-water marks of the second copy.
fn floor(marks: Option<&Marks>) -> StoreState {
    let mut state = StoreState::default();
    if let Some(marks) = marks {
        state.revision = marks.revision;
        state.serial_high_water = marks.serial_high_water;
        state.clock_high_water = marks.clock_high_water;
    }
    state
}

/// How a destroyed installation key is remembered: a hash of its seed, not the key.
fn key_tag(seed_hex: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"licensekit-destroyed-key\0");
    h.update(seed_hex.as_bytes());
    hex::encode(&h.finalize()[..16])
}

/// Serialises a state into the file format, authenticated with `key`.
pub fn encode(state: &StoreState, key: &[u8; 32]) -> Result<Vec<u8>, Status> {
    format::encode(STORE, state, Some(key))
}

/// Parses the file format, strictly: every damage is reported, with truncation told apart;
/// a failed or missing key is `StoreRolledBack`.
pub fn decode(bytes: &[u8], key: Option<&[u8; 32]>) -> Result<StoreState, Status> {
    format::decode(STORE, bytes, key).map(|(state, _)| state)
}

/// Writes `bytes` to `path` through a fsynced temporary file renamed over it (retried while
/// Windows reports the file busy: see [`replace`]), then fsyncs the directory. On failure the
/// old file is as it was and the temporary file is removed.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Status> {
    let temp = path.with_extension("tmp");
    let mut options = OpenOptions::new();
    options.create(true).truncate(true).write(true);
    private_mode(&mut options);
    let written = options
        .open(&temp)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        .and_then(|_| replace::rename(&temp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
        .and_then(|_| path.parent().map_or(Ok(()), sync_dir))
        .map_err(|e| crate::detail::io(Status::StoreIo, "cannot write", path, &e))
}

/// The per-user default store directory: `$XDG_DATA_HOME/licensekit`, else
/// `~/.local/share/licensekit` (Linux), `~/Library/Application Support/licensekit` (macOS),
/// `%LOCALAPPDATA%\licensekit` (Windows).
pub fn default_dir() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if cfg!(windows) {
        return var("LOCALAPPDATA").map(|d| d.join("licensekit"));
    }
    if cfg!(target_os = "macos") {
        return var("HOME").map(|h| h.join("Library/Application Support/licensekit"));
    }
    var("XDG_DATA_HOME")
        .filter(|d| d.is_absolute())
        .or_else(|| var("HOME").map(|h| h.join(".local/share")))
        .map(|d| d.join("licensekit"))
}

/// Creates `dir` (and its parents) with mode 0700: a store holds keys and licenses.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), Status> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| crate::detail::io(Status::StoreIo, "cannot create the store directory", dir, &e))
}

/// Mode 0600 for files the store creates.
pub(crate) fn private_mode(options: &mut OpenOptions) {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    #[cfg(not(unix))]
    let _ = options;
}

/// Makes a rename durable: on POSIX the new directory entry is only safe once the directory
/// itself is fsynced. Windows has no such call (and needs none for `MoveFileEx`).
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    return File::open(dir)?.sync_all();
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];

    fn sample() -> StoreState {
        StoreState {
            revision: 3,
            clock_high_water: 1_790_000_000,
            license: Some("lk1.lease.x".into()),
            installation_key: None,
            serial_high_water: 9,
            master_serial_high_water: 0,
            pending_offline: None,
            last_deactivation: None,
            long_term_seats: Vec::new(),
            deactivating: false,
            journal: Vec::new(),
            journal_head: None,
        }
    }

    #[test]
    fn round_trip_and_update() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::open_on(&SysRoot::at(dir.path().join("machine")), &dir.path().join("s"), "6872450105")
                .unwrap();
        assert_eq!(store.load().unwrap(), StoreState::default());
        store
            .update(|s| {
                s.license = Some("x".into());
                Ok(())
            })
            .unwrap();
        let loaded = store.load().unwrap();
        assert_eq!((loaded.revision, loaded.license.as_deref()), (1, Some("x")));
        assert_eq!(store.update(|_| Err::<(), _>(Status::InvalidArgument)), Err(Status::InvalidArgument));
        assert_eq!(store.load().unwrap().revision, 1, "a failed change writes nothing");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(store.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn every_truncation_is_reported_as_truncated() {
        let bytes = encode(&sample(), &KEY).unwrap();
        assert_eq!(decode(&bytes, Some(&KEY)).unwrap(), sample());
        for len in 0..bytes.len() {
            assert_eq!(decode(&bytes[..len], Some(&KEY)), Err(Status::StoreTruncated), "length {len}");
        }
    }

    #[test]
    fn every_bit_flip_is_reported() {
        let bytes = encode(&sample(), &KEY).unwrap();
        for i in 0..bytes.len() * 8 {
            let mut damaged = bytes.clone();
            damaged[i / 8] ^= 1 << (i % 8);
            let r = decode(&damaged, Some(&KEY));
            // A flip inside the HMAC cannot be told from a forgery.
            let in_tag = i / 8 >= bytes.len() - 32;
            assert!(
                matches!(r, Err(Status::StoreCorrupt | Status::StoreTruncated | Status::StoreVersion))
                    || in_tag && r == Err(Status::StoreRolledBack),
                "bit {i}: {r:?}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer, Some(&KEY)), Err(Status::StoreCorrupt));
        assert_eq!(decode(b"not a store file at all", Some(&KEY)), Err(Status::StoreCorrupt));
    }

    #[test]
    fn a_damaged_file_is_kept_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::open_on(&SysRoot::at(dir.path().join("machine")), &dir.path().join("s"), "p1").unwrap();
        store.update(|_| Ok(())).unwrap();
        let mut bytes = std::fs::read(store.path()).unwrap();
        bytes[25] ^= 1;
        std::fs::write(store.path(), &bytes).unwrap();
        assert_eq!(store.load(), Err(Status::StoreCorrupt));
        assert_eq!(store.update(|_| Ok(())), Err(Status::StoreCorrupt));
        assert_eq!(std::fs::read(store.path()).unwrap(), bytes, "never replaced");
    }

    #[test]
    fn other_versions_are_refused() {
        let mut bytes = encode(&sample(), &KEY).unwrap();
        bytes[8] = 3;
        assert_eq!(decode(&bytes, Some(&KEY)), Err(Status::StoreVersion));
    }

    /// A store and its machine (whose machine-wide directory holds the marks) in `dir`.
    fn store_in(dir: &Path) -> Store {
        Store::open_on(&SysRoot::at(dir.join("machine")), &dir.join("store"), "p1").unwrap()
    }

    fn set_serial(store: &Store, serial: u64) {
        store
            .update(|s| {
                s.serial_high_water = serial;
                s.license = Some(format!("lease {serial}"));
                Ok(())
            })
            .unwrap();
    }

    #[test]
    fn an_older_copy_of_the_store_is_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        set_serial(&store, 5);
        let saved = std::fs::read(store.path()).unwrap();
        set_serial(&store, 6);
        std::fs::write(store.path(), &saved).unwrap();
        assert_eq!(store.load(), Err(Status::StoreRolledBack));
        assert_eq!(store.update(|_| Ok(())), Err(Status::StoreRolledBack), "not written over");
    }

    #[test]
    fn an_edited_store_with_a_recomputed_checksum_is_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        set_serial(&store, 5);
        let mut state = store.load().unwrap();
        state.serial_high_water = 0;
        state.clock_high_water = 0;
        // The attacker knows the layout but not the key, which is not in the store.
        let forged = encode(&state, &[0; 32]).unwrap();
        std::fs::write(store.path(), forged).unwrap();
        assert_eq!(store.load(), Err(Status::StoreRolledBack));
    }

    #[test]
    fn a_store_copied_to_another_path_is_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        set_serial(&store, 5);
        let copy =
            Store::open_on(&SysRoot::at(dir.path().join("machine")), &dir.path().join("copy"), "p1").unwrap();
        std::fs::copy(store.path(), copy.path()).unwrap();
        assert_eq!(copy.load(), Err(Status::StoreRolledBack));
        assert_eq!(store.load().unwrap().serial_high_water, 5, "the original is fine");
    }

    #[test]
    fn a_deleted_store_keeps_its_high_water_marks() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        set_serial(&store, 5);
        std::fs::remove_file(store.path()).unwrap();
        let state = store.load().unwrap();
        assert_eq!((state.license, state.serial_high_water), (None, 5));
    }

    #[test]
    fn a_damaged_store_is_kept_aside_and_replaced_from_its_marks() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        set_serial(&store, 5);
        std::fs::write(store.path(), b"not a store file, damaged").unwrap();
        assert_eq!(store.load(), Err(Status::StoreCorrupt));
        assert_eq!(
            store.update(|_| Ok(())),
            Err(Status::StoreCorrupt),
            "an ordinary update does not replace it"
        );
        let serial = store.update_replacing_damaged(|s| Ok(s.serial_high_water)).unwrap();
        assert_eq!(serial, 5, "the fresh state starts from the marks: no replay reopened");
        let kept = store.damaged_files();
        assert_eq!(kept.len(), 1);
        assert_eq!(std::fs::read(&kept[0]).unwrap(), b"not a store file, damaged");
        assert!(store.load().is_ok());
    }

    #[test]
    fn a_destroyed_installation_key_cannot_come_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        store
            .update(|s| {
                s.installation_key = Some("ab".repeat(32));
                Ok(())
            })
            .unwrap();
        let with_key = std::fs::read(store.path()).unwrap();
        store
            .update(|s| {
                s.installation_key = None;
                Ok(())
            })
            .unwrap();
        std::fs::write(store.path(), with_key).unwrap();
        assert_eq!(store.load(), Err(Status::StoreRolledBack));
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_store_is_read() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(dir.path());
        set_serial(&store, 5);
        std::fs::remove_file(store.dir().join("p1.lock")).unwrap();
        std::fs::set_permissions(store.dir(), std::fs::Permissions::from_mode(0o500)).unwrap();
        let root_can_write = std::fs::write(store.dir().join("probe"), b"").is_ok();
        assert_eq!(store.load().unwrap().serial_high_water, 5);
        if !root_can_write {
            assert_eq!(store.update(|_| Ok(())), Err(Status::StoreIo));
        }
        std::fs::set_permissions(store.dir(), std::fs::Permissions::from_mode(0o700)).unwrap();
    }
}
