//! The store's second copy of what must never go backwards, kept apart from the store.
//!
//! A store can be edited, deleted, damaged on purpose or restored from an older copy; each
//! would reopen a replay (an older lease's grace, a deactivated seat's license) if the store
//! were its only record. The marks file holds the store's authentication key, its latest
//! revision, its serial and clock high-water marks and the installation keys destroyed by
//! deactivations, in the machine-wide directory beside the installation ID (per user, per
//! product and per store path: see [`Marks::locate`]). A store older than its marks, or one
//! that fails its key, is `StoreRolledBack`; a fresh store after a damaged one starts from
//! the marks.
//!
//! The store is written first and the marks after it, so a crash between the two leaves the
//! store ahead of its marks (accepted), never behind them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use super::format::{self, MARKS};
use crate::Status;
use crate::machine::SysRoot;

/// The most destroyed installation keys remembered (the oldest are forgotten first).
const MAX_DESTROYED: usize = 32;

/// The contents of a marks file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marks {
    /// The store's HMAC key (hex), created with the marks.
    pub key: String,
    /// The latest store revision written.
    pub revision: u64,
    pub serial_high_water: u64,
    pub clock_high_water: i64,
    /// Public keys (hex) of installations whose license was deactivated here.
    #[serde(default)]
    pub destroyed_keys: Vec<String>,
}

impl Drop for Marks {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl Marks {
    /// The store's key as bytes.
    pub fn key_bytes(&self) -> Option<[u8; 32]> {
        let mut key = [0u8; 32];
        hex::decode_to_slice(&self.key, &mut key).ok()?;
        Some(key)
    }

    /// Remembers a destroyed installation key.
    pub fn destroy(&mut self, public_key: String) {
        if !self.destroyed_keys.contains(&public_key) {
            self.destroyed_keys.push(public_key);
        }
        let excess = self.destroyed_keys.len().saturating_sub(MAX_DESTROYED);
        self.destroyed_keys.drain(..excess);
    }
}

/// Where one store's marks are: the candidates in order (the machine-wide directory, then
/// the per-user fallback for when it cannot be written).
#[derive(Clone, Debug)]
pub struct MarksFile {
    candidates: Vec<PathBuf>,
}

impl MarksFile {
    /// The marks of the store of `product_id` in `store_dir`. The name holds the store
    /// directory's owner and a hash of its path, so every store has its own marks and a store
    /// folder copied to another path (or computer) has none.
    pub fn locate(root: &SysRoot, store_dir: &Path, product_id: &str) -> MarksFile {
        let path = std::fs::canonicalize(store_dir).unwrap_or_else(|_| store_dir.to_path_buf());
        let hash = Sha256::digest(path.as_os_str().as_encoded_bytes());
        #[cfg(unix)]
        let owner =
            std::fs::metadata(&path).map(|m| std::os::unix::fs::MetadataExt::uid(&m)).unwrap_or(u32::MAX);
        #[cfg(not(unix))]
        let owner = 0;
        let name = format!("{product_id}.{owner}.{}.marks", hex::encode(&hash[..8]));
        let mut candidates = vec![root.machine_dir().join(&name)];
        if let Some(user) = root.user_dir() {
            candidates.push(user.join("marks").join(&name));
        }
        MarksFile { candidates }
    }

    /// The marks, if any candidate has them: `StoreRolledBack` if they are damaged (they are
    /// never damaged by a crash: they are replaced atomically).
    pub fn load(&self) -> Result<Option<Marks>, Status> {
        for path in &self.candidates {
            match std::fs::read(path) {
                Ok(bytes) => {
                    return format::decode::<Marks>(MARKS, &bytes, None).map(|(m, _)| Some(m)).map_err(
                        |_| {
                            crate::detail::note(
                                Status::StoreRolledBack,
                                format!("{} is damaged", path.display()),
                            )
                        },
                    );
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(crate::detail::io(Status::StoreIo, "cannot read", path, &e)),
            }
        }
        Ok(None)
    }

    /// Writes the marks to the first candidate that can hold them (atomically).
    pub fn save(&self, marks: &Marks) -> Result<(), Status> {
        let bytes = format::encode(MARKS, marks, None)?;
        let mut last = Status::StoreIo;
        for path in &self.candidates {
            let Some(dir) = path.parent() else { continue };
            let made = if self.candidates.first() == Some(path) {
                crate::machine::ensure_machine_dir(dir)
            } else {
                super::create_private_dir(dir)
            };
            match made.and_then(|_| super::write_atomically(path, &bytes)) {
                Ok(()) => {
                    // A stale copy in a later candidate must not shadow nothing: drop it.
                    for other in self.candidates.iter().filter(|p| *p != path) {
                        let _ = std::fs::remove_file(other);
                    }
                    return Ok(());
                }
                Err(status) => last = status,
            }
        }
        Err(last)
    }
}
