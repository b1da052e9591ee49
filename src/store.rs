//! The local state file: one per product, versioned, checksummed, replaced atomically and
//! locked across processes.
//!
//! Layout of `<dir>/<product>.lkstore`:
//!
//! ```text
//! "LKSTORE\0" | format version: u32 LE | body length: u64 LE | body (JSON) | SHA-256 of all before
//! ```
//!
//! A write goes to a temporary file which is fsynced, renamed over the old file, and the
//! directory fsynced: a kill at any instant leaves the old or the new state, never a mix.
//! Writers and readers hold an advisory lock on `<product>.lock` (a separate file, since the
//! data file's inode changes at every rename). A damaged file is reported as such and never
//! silently replaced by an empty one: that would hand a customer's seat to nobody.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Status;
use crate::machine::validate_product_id;

const MAGIC: &[u8; 8] = b"LKSTORE\0";
const FORMAT_VERSION: u32 = 1;
const HEADER: usize = 8 + 4 + 8;
const CHECKSUM: usize = 32;
/// The largest body accepted: a store holds a few envelopes and keys, never megabytes.
pub const MAX_BODY: u64 = 4 * 1024 * 1024;

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
}

impl Store {
    /// The store of `product_id` in `dir` (created with mode 0700 if missing).
    pub fn open(dir: &Path, product_id: &str) -> Result<Store, Status> {
        validate_product_id(product_id)?;
        create_private_dir(dir)?;
        Ok(Store {
            dir: dir.to_path_buf(),
            data: dir.join(format!("{product_id}.lkstore")),
            lock: dir.join(format!("{product_id}.lock")),
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

    /// Loads the state under a shared lock. A missing file is the empty state.
    pub fn load(&self) -> Result<StoreState, Status> {
        let lock = self.lock_file()?;
        lock.lock_shared().map_err(|_| Status::StoreIo)?;
        self.read_unlocked()
    }

    /// Loads, applies `change` and writes back atomically, all under the exclusive lock, so
    /// concurrent processes never lose each other's updates. When `change` fails, nothing
    /// is written.
    pub fn update<R>(&self, change: impl FnOnce(&mut StoreState) -> Result<R, Status>) -> Result<R, Status> {
        let lock = self.lock_file()?;
        lock.lock().map_err(|_| Status::StoreIo)?;
        let mut state = self.read_unlocked()?;
        let result = change(&mut state)?;
        state.revision += 1;
        self.write_unlocked(&state)?;
        Ok(result)
    }

    fn lock_file(&self) -> Result<File, Status> {
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        private_mode(&mut options);
        options.open(&self.lock).map_err(|_| Status::StoreIo)
    }

    fn read_unlocked(&self) -> Result<StoreState, Status> {
        let file = match File::open(&self.data) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(StoreState::default()),
            Err(_) => return Err(Status::StoreIo),
        };
        let mut bytes = Vec::new();
        let limit = (HEADER + CHECKSUM) as u64 + MAX_BODY + 1;
        file.take(limit).read_to_end(&mut bytes).map_err(|_| Status::StoreIo)?;
        decode(&bytes)
    }

    fn write_unlocked(&self, state: &StoreState) -> Result<(), Status> {
        let bytes = encode(state)?;
        let temp = self.data.with_extension("lkstore.tmp");
        let mut options = OpenOptions::new();
        options.create(true).truncate(true).write(true);
        private_mode(&mut options);
        let written = options
            .open(&temp)
            .and_then(|mut f| f.write_all(&bytes).and_then(|_| f.sync_all()))
            .and_then(|_| std::fs::rename(&temp, &self.data))
            .and_then(|_| sync_dir(&self.dir));
        written.map_err(|_| Status::StoreIo)
    }
}

/// Serialises a state into the file format.
pub fn encode(state: &StoreState) -> Result<Vec<u8>, Status> {
    let body = serde_json::to_vec(state).map_err(|_| Status::Internal)?;
    if body.len() as u64 > MAX_BODY {
        return Err(Status::InvalidArgument);
    }
    let mut bytes = Vec::with_capacity(HEADER + body.len() + CHECKSUM);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&body);
    let checksum = Sha256::digest(&bytes);
    bytes.extend_from_slice(&checksum);
    Ok(bytes)
}

/// Parses the file format, strictly: every damage is reported, with truncation told apart.
pub fn decode(bytes: &[u8]) -> Result<StoreState, Status> {
    if bytes.len() < HEADER {
        let is_prefix = bytes.len() <= MAGIC.len() && MAGIC.starts_with(bytes) || bytes.starts_with(MAGIC);
        return Err(if is_prefix { Status::StoreTruncated } else { Status::StoreCorrupt });
    }
    if &bytes[..8] != MAGIC {
        return Err(Status::StoreCorrupt);
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().map_err(|_| Status::StoreCorrupt)?);
    if version != FORMAT_VERSION {
        return Err(Status::StoreVersion);
    }
    let length = u64::from_le_bytes(bytes[12..20].try_into().map_err(|_| Status::StoreCorrupt)?);
    if length > MAX_BODY {
        return Err(Status::StoreCorrupt);
    }
    let end = HEADER + length as usize;
    match bytes.len().cmp(&(end + CHECKSUM)) {
        std::cmp::Ordering::Less => return Err(Status::StoreTruncated),
        std::cmp::Ordering::Greater => return Err(Status::StoreCorrupt),
        std::cmp::Ordering::Equal => {}
    }
    if Sha256::digest(&bytes[..end]).as_slice() != &bytes[end..] {
        return Err(Status::StoreCorrupt);
    }
    crate::protocol::from_slice_strict(&bytes[HEADER..end]).map_err(|_| Status::StoreCorrupt)
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
    builder.create(dir).map_err(|_| Status::StoreIo)
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

    fn sample() -> StoreState {
        StoreState {
            revision: 3,
            clock_high_water: 1_790_000_000,
            license: Some("lk1.lease.x".into()),
            installation_key: None,
            serial_high_water: 9,
            pending_offline: None,
            last_deactivation: None,
            long_term_seats: Vec::new(),
        }
    }

    #[test]
    fn round_trip_and_update() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "6872450105").unwrap();
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
        let bytes = encode(&sample()).unwrap();
        assert_eq!(decode(&bytes).unwrap(), sample());
        for len in 0..bytes.len() {
            assert_eq!(decode(&bytes[..len]), Err(Status::StoreTruncated), "length {len}");
        }
    }

    #[test]
    fn every_bit_flip_is_reported() {
        let bytes = encode(&sample()).unwrap();
        for i in 0..bytes.len() * 8 {
            let mut damaged = bytes.clone();
            damaged[i / 8] ^= 1 << (i % 8);
            let r = decode(&damaged);
            assert!(
                matches!(r, Err(Status::StoreCorrupt | Status::StoreTruncated | Status::StoreVersion)),
                "bit {i}: {r:?}"
            );
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer), Err(Status::StoreCorrupt));
        assert_eq!(decode(b"not a store file at all"), Err(Status::StoreCorrupt));
    }

    #[test]
    fn a_damaged_file_is_kept_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "p1").unwrap();
        store.update(|_| Ok(())).unwrap();
        let mut bytes = std::fs::read(store.path()).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(store.path(), &bytes).unwrap();
        assert_eq!(store.load(), Err(Status::StoreCorrupt));
        assert_eq!(store.update(|_| Ok(())), Err(Status::StoreCorrupt));
        assert_eq!(std::fs::read(store.path()).unwrap(), bytes, "never replaced");
    }

    #[test]
    fn other_versions_are_refused() {
        let mut bytes = encode(&sample()).unwrap();
        bytes[8] = 2;
        assert_eq!(decode(&bytes), Err(Status::StoreVersion));
    }
}
