//! Where component sources are read from: `/` on a real machine, a prepared directory in
//! tests (so every rule can be exercised with simulated hardware; see `sources.rs` for what a
//! simulated machine holds on each OS).

#[cfg(target_os = "linux")]
use std::path::Path;
use std::path::PathBuf;

/// The filesystem root that Linux's `/etc`, `/sys`, `/proc` and `/dev` are read under, and
/// the machine-wide directory with it.
#[derive(Clone, Debug)]
pub struct SysRoot {
    root: PathBuf,
    host: bool,
}

impl SysRoot {
    /// This machine.
    pub fn host() -> SysRoot {
        SysRoot { root: PathBuf::from("/"), host: true }
    }

    /// A simulated machine laid out under `root` (tests, diagnostics of a mounted image).
    /// CPU instructions are not consulted for a simulated machine.
    pub fn at(root: impl Into<PathBuf>) -> SysRoot {
        SysRoot { root: root.into(), host: false }
    }

    /// True for the running machine (CPUID and the process environment apply).
    pub fn is_host(&self) -> bool {
        self.host
    }

    /// The path of an absolute system path under this root.
    pub fn path(&self, absolute: &str) -> PathBuf {
        self.root.join(absolute.trim_start_matches('/'))
    }

    /// The machine-wide directory that outlives any one application's store: the
    /// installation ID and the store's second copy of its high-water marks live here.
    pub fn machine_dir(&self) -> PathBuf {
        if self.host {
            return machine_dir();
        }
        self.path("/var/lib/licensekit")
    }

    /// The per-user data directory (the default store directory), the fallback when the
    /// machine-wide directory can be neither read nor written.
    pub fn user_dir(&self) -> Option<PathBuf> {
        if self.host {
            return crate::store::default_dir();
        }
        Some(self.path("/home/user/.local/share/licensekit"))
    }

    /// Reads a small text file, bounded, trimmed; `None` if unreadable, empty or not UTF-8.
    #[cfg(target_os = "linux")]
    pub(crate) fn read(&self, absolute: &str) -> Option<String> {
        // A sysfs attribute is produced whole by its first read.
        read_bounded(&self.path(absolute), absolute.starts_with("/sys/"))
    }
}

/// `/var/lib/licensekit` on Linux and other Unix systems, `%ProgramData%\licensekit` on
/// Windows, `/Users/Shared/licensekit` on macOS (the one folder every user may write).
fn machine_dir() -> PathBuf {
    if cfg!(windows) {
        let data = std::env::var_os("ProgramData").filter(|v| !v.is_empty());
        return data.map_or_else(|| PathBuf::from(r"C:\ProgramData"), PathBuf::from).join("licensekit");
    }
    if cfg!(target_os = "macos") {
        return PathBuf::from("/Users/Shared/licensekit");
    }
    PathBuf::from("/var/lib/licensekit")
}

/// Reads at most 64 KiB: sysfs values are tiny and a hostile file must not exhaust memory.
///
/// Into a buffer of a page from the start: `/proc` and `/sys` files report a size of 0, and a
/// reader that grows from a small guess reads them several times, each read making the kernel
/// generate the text again.
#[cfg(target_os = "linux")]
fn read_bounded(path: &Path, one_read: bool) -> Option<String> {
    use std::io::Read;
    const LIMIT: usize = 64 * 1024;
    let mut file = std::fs::File::open(path).ok()?;
    let mut bytes = vec![0u8; 4096];
    let mut len = 0;
    loop {
        if len == bytes.len() {
            if len >= LIMIT {
                break;
            }
            bytes.resize((len * 2).min(LIMIT), 0);
        }
        match file.read(&mut bytes[len..]) {
            Ok(0) => break,
            Ok(n) if one_read => {
                len += n;
                break;
            }
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    bytes.truncate(len);
    let text = String::from_utf8(bytes).ok()?;
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}
