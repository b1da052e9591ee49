//! Where component sources are read from: `/` on a real machine, a prepared directory in
//! tests (so every rule can be exercised with simulated hardware).

use std::path::{Path, PathBuf};

/// The filesystem root that `/etc`, `/sys`, `/proc` and `/dev` are read under.
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

    /// Reads a small text file, bounded, trimmed; `None` if unreadable, empty or not UTF-8.
    pub(crate) fn read(&self, absolute: &str) -> Option<String> {
        read_bounded(&self.path(absolute))
    }
}

/// Reads at most 64 KiB: sysfs values are tiny and a hostile file must not exhaust memory.
pub(crate) fn read_bounded(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path).ok()?.take(64 * 1024).read_to_string(&mut text).ok()?;
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}
