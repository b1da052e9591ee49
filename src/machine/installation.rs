//! The installation ID: a random anchor for computers without a usable machine ID
//! (containers, minimal images, cloned VMs whose machine ID is a copy of their image's).
//!
//! It is kept in one machine-wide place ([`SysRoot::machine_dir`]: `/var/lib/licensekit` on
//! Linux), so every client of every product on the computer, whatever its store directory,
//! and the standalone `lk_computer_id`, anchor on the same value. The file is created once,
//! atomically (concurrent first runs agree on one value), readable by every user, so root and
//! a normal user get the same ID. Only when the machine-wide place can be neither read nor
//! created does the per-user data directory hold it instead ([`SysRoot::user_dir`]); never a
//! client's configured store directory, which copying or deleting would otherwise turn into
//! a second computer.

use std::io::Write;
use std::path::Path;

use super::SysRoot;
use crate::Status;
use crate::protocol::os_random;

const FILE: &str = "installation-id";

/// Returns this computer's installation ID, creating it on first use.
///
/// A present but malformed file is reported as corrupt and left alone: replacing it would
/// silently change the computer ID and cost the customer a seat.
pub fn installation_id(root: &SysRoot) -> Result<String, Status> {
    let machine = root.machine_dir();
    match read(&machine.join(FILE)) {
        Ok(Some(id)) => return Ok(id),
        Ok(None) => match create(&machine, true) {
            Ok(id) => return Ok(id),
            Err(Status::StoreIo) => {}
            Err(other) => return Err(other),
        },
        Err(Status::StoreIo) => {}
        Err(other) => return Err(other),
    }
    let user = root.user_dir().ok_or(Status::MachineIdUnavailable)?;
    match read(&user.join(FILE))? {
        Some(id) => Ok(id),
        None => create(&user, false),
    }
}

/// Creates the ID in `dir` unless another process got there first, and returns the one that
/// won. `shared`: the machine-wide place, readable by every user.
fn create(dir: &Path, shared: bool) -> Result<String, Status> {
    if shared {
        ensure_machine_dir(dir)?;
    } else {
        crate::store::create_private_dir(dir)?;
    }
    let mut bytes = [0u8; 16];
    os_random(&mut bytes)?;
    let id = hex::encode(bytes);
    let temp = dir.join(format!(".{FILE}.{}.{}", std::process::id(), hex::encode(&bytes[..4])));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, if shared { 0o644 } else { 0o600 });
    let written = options
        .open(&temp)
        .and_then(|mut f| {
            // The umask must not make the shared file unreadable for other users.
            #[cfg(unix)]
            if shared {
                use std::os::unix::fs::PermissionsExt;
                f.set_permissions(std::fs::Permissions::from_mode(0o644))?;
            }
            f.write_all(id.as_bytes()).and_then(|_| f.sync_all())
        })
        // hard_link never replaces an existing file: the first process to link wins.
        .and_then(|_| match std::fs::hard_link(&temp, dir.join(FILE)) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            other => other,
        });
    let _ = std::fs::remove_file(&temp);
    written
        .map_err(|e| crate::detail::io(Status::StoreIo, "cannot create the installation ID in", dir, &e))?;
    read(&dir.join(FILE))?.ok_or(Status::StoreIo)
}

/// The machine-wide directory: world-writable with the sticky bit (like `/tmp`), so every
/// user's processes can keep their files there and none can remove another's.
pub(crate) fn ensure_machine_dir(dir: &Path) -> Result<(), Status> {
    let fail = |e: std::io::Error| crate::detail::io(Status::StoreIo, "cannot create", dir, &e);
    if !dir.is_dir() {
        std::fs::create_dir_all(dir).map_err(fail)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o1777)).map_err(fail)?;
        }
    }
    Ok(())
}

/// The ID in `path`: `None` when absent, `StoreIo` when unreadable, `StoreCorrupt` when it is
/// not 32 lower-case hex digits (surrounding whitespace, as an editor leaves it, is fine).
fn read(path: &Path) -> Result<Option<String>, Status> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(256).read_to_end(&mut bytes));
    match read {
        Ok(_) => parse(&bytes).map(Some).ok_or_else(|| {
            crate::detail::note(Status::StoreCorrupt, format!("{} is not an installation ID", path.display()))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(crate::detail::io(Status::StoreIo, "cannot read", path, &e)),
    }
}

/// 32 lower-case hex digits, with any surrounding whitespace ignored.
pub fn parse(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?.trim();
    let valid = crate::protocol::is_lower_hex(text, 32);
    valid.then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(dir: &Path) -> SysRoot {
        SysRoot::at(dir)
    }

    #[test]
    fn created_once_and_concurrent_creators_agree() {
        let dir = tempfile::tempdir().unwrap();
        let root = machine(dir.path());
        let ids: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8).map(|_| s.spawn(|| installation_id(&root).unwrap())).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(ids.iter().all(|id| id == &ids[0]));
        assert_eq!(installation_id(&root).unwrap(), ids[0]);
        let place = root.machine_dir();
        assert_eq!(std::fs::read_dir(&place).unwrap().count(), 1, "no temp files left");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
            assert_eq!(mode(&place.join(FILE)), 0o644, "readable by every user");
            assert_eq!(mode(&place), 0o1777);
        }
    }

    #[test]
    fn a_damaged_id_is_reported_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let root = machine(dir.path());
        std::fs::create_dir_all(root.machine_dir()).unwrap();
        std::fs::write(root.machine_dir().join(FILE), "garbage").unwrap();
        assert_eq!(installation_id(&root), Err(Status::StoreCorrupt));
        assert_eq!(std::fs::read(root.machine_dir().join(FILE)).unwrap(), b"garbage");
    }

    #[test]
    fn surrounding_whitespace_is_tolerated() {
        let dir = tempfile::tempdir().unwrap();
        let root = machine(dir.path());
        std::fs::create_dir_all(root.machine_dir()).unwrap();
        let id = "0123456789abcdef0123456789abcdef";
        std::fs::write(root.machine_dir().join(FILE), format!(" {id}\r\n")).unwrap();
        assert_eq!(installation_id(&root).unwrap(), id);
    }

    #[cfg(unix)]
    #[test]
    fn an_unwritable_machine_place_falls_back_to_the_user_directory() {
        if unsafe_is_root() {
            return; // root may write anywhere: the fallback cannot be provoked by modes.
        }
        let dir = tempfile::tempdir().unwrap();
        let root = machine(dir.path());
        let var = dir.path().join("var");
        std::fs::create_dir_all(&var).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&var, std::fs::Permissions::from_mode(0o555)).unwrap();
        let id = installation_id(&root).unwrap();
        assert_eq!(std::fs::read_to_string(root.user_dir().unwrap().join(FILE)).unwrap(), id);
        std::fs::set_permissions(&var, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[cfg(unix)]
    fn unsafe_is_root() -> bool {
        std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0).unwrap_or(false)
    }
}
