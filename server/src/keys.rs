//! Vendor signing keys: the current one (`signing-key.hex`, which signs every lease) and the
//! retired ones (`retired-signing-keys.hex`, one hex seed a line, mode 0600), kept after a
//! rotation so they stay listed, backed up and restorable.
//!
//! `keys rotate` makes a new key current. Applications that trust both the old and the new
//! public key (an update adds the new one to `Config`) keep working: the lease they hold,
//! signed by the old key, still verifies, and their next refresh brings one signed by the
//! new key. An application that trusts only the old key is refused cleanly at its next
//! request (`LK_UNKNOWN_KEY`, naming the key the server signs with). The server reads its key
//! at start: restart it after a rotation. A PostgreSQL database keeps the same two kinds of
//! key in its own tables and rotates them in one transaction
//! (`store::postgres::PostgresStore::rotate_signing_key`).
//!
//! Order on disk, so that a crash at any point loses no key: the current key is appended to
//! the retired file (synced) before the new key replaces it by a rename.

use std::fs;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use licensekit::protocol::{PublicKey, SigningKey};
use zeroize::Zeroizing;

use crate::datadir;

/// Retired keys, oldest first.
pub const RETIRED: &str = "retired-signing-keys.hex";

fn retired_path(dir: &Path) -> PathBuf {
    dir.join(RETIRED)
}

/// The retired keys of `dir`, oldest first (none when the file is missing).
pub fn retired(dir: &Path) -> Result<Vec<SigningKey>, String> {
    let path = retired_path(dir);
    if !path.exists() {
        return Ok(Vec::new());
    }
    datadir::private(&path)?;
    let text = Zeroizing::new(
        fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
    );
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            SigningKey::from_seed_hex(line)
                .map_err(|_| format!("{} line {}: not a signing key", path.display(), i + 1))
        })
        .collect()
}

/// Writes `keys` as the retired keys of a new data directory (`restore`); nothing when empty.
pub fn write_retired(dir: &Path, keys: &[SigningKey]) -> Result<(), String> {
    if keys.is_empty() {
        return Ok(());
    }
    let mut text = Zeroizing::new(String::new());
    for key in keys {
        text.push_str(&key.seed_hex());
        text.push('\n');
    }
    datadir::write_private(&retired_path(dir), text.as_bytes())
}

/// `keys rotate`: a new current key; the old one joins the retired. Returns (old, new).
pub fn rotate(dir: &Path) -> Result<(PublicKey, PublicKey), String> {
    let old = datadir::signing_key(dir)?;
    // Read first: refuses a retired file that others can read or that is damaged.
    retired(dir)?;
    let new = SigningKey::generate().map_err(|e| format!("cannot generate a signing key: {e:?}"))?;
    let path = retired_path(dir);
    let mut file = fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    datadir::private(&path)?;
    let line = Zeroizing::new(format!("{}\n", old.seed_hex().as_str()));
    file.write_all(line.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let current = dir.join(datadir::SIGNING_KEY);
    let next = dir.join(format!("{}.new", datadir::SIGNING_KEY));
    let _ = fs::remove_file(&next);
    datadir::write_private(&next, new.seed_hex().as_bytes())?;
    fs::rename(&next, &current).map_err(|e| format!("cannot replace {}: {e}", current.display()))?;
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| format!("cannot sync {}: {e}", dir.display()))?;
    Ok((old.public_key(), new.public_key()))
}

/// `keys list`'s signing-key lines: ID, public key, current or retired.
pub fn describe(dir: &Path) -> Result<Vec<String>, String> {
    let current = datadir::signing_key(dir)?.public_key();
    let mut lines = vec![format!("{}\t{}\tcurrent", current.id().to_hex(), current.to_hex())];
    for key in retired(dir)?.iter().rev() {
        let public = key.public_key();
        lines.push(format!("{}\t{}\tretired", public.id().to_hex(), public.to_hex()));
    }
    Ok(lines)
}
