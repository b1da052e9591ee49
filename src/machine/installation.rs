//! The installation ID: a random anchor for machines without a usable machine ID
//! (containers, minimal images). Kept in the store directory, created once, atomically, so
//! concurrent first runs agree on one value.

use std::io::Write;
use std::path::Path;

use crate::Status;
use crate::protocol::os_random;

const FILE: &str = "installation-id";

/// Returns the installation ID kept in `dir`, creating it on first use.
///
/// A present but malformed file is reported as corrupt and left alone: replacing it would
/// silently change the computer ID and cost the customer a seat.
pub fn installation_id(dir: &Path) -> Result<String, Status> {
    let path = dir.join(FILE);
    if let Some(id) = read(&path)? {
        return Ok(id);
    }
    crate::store::create_private_dir(dir)?;
    let mut bytes = [0u8; 16];
    os_random(&mut bytes)?;
    let id = hex::encode(bytes);
    let temp = dir.join(format!(".{FILE}.{}.{}", std::process::id(), hex::encode(&bytes[..4])));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    crate::store::private_mode(&mut options);
    let written = options
        .open(&temp)
        .and_then(|mut f| f.write_all(id.as_bytes()).and_then(|_| f.sync_all()))
        // hard_link never replaces an existing file: the first process to link wins.
        .and_then(|_| match std::fs::hard_link(&temp, &path) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            other => other,
        });
    let _ = std::fs::remove_file(&temp);
    written.map_err(|_| Status::StoreIo)?;
    read(&path)?.ok_or(Status::StoreIo)
}

fn read(path: &Path) -> Result<Option<String>, Status> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let valid = bytes.len() == 32 && bytes.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            if !valid {
                return Err(Status::StoreCorrupt);
            }
            Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(_) => Err(Status::StoreIo),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_and_concurrent_creators_agree() {
        let dir = tempfile::tempdir().unwrap();
        let ids: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8).map(|_| s.spawn(|| installation_id(dir.path()).unwrap())).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(ids.iter().all(|id| id == &ids[0]));
        assert_eq!(installation_id(dir.path()).unwrap(), ids[0]);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temp files left");
    }

    #[test]
    fn a_damaged_id_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), "garbage").unwrap();
        assert_eq!(installation_id(dir.path()), Err(Status::StoreCorrupt));
        assert_eq!(std::fs::read(dir.path().join(FILE)).unwrap(), b"garbage");
    }
}
