//! The computer: a stable, product-salted computer ID with per-component digests,
//! tolerant matching, VM and container detection, and system details.
//!
//! Raw component values (machine-id, serials, MACs) never leave this module: only salted
//! digests do, salted per product so two vendors cannot correlate one machine.

#[cfg(feature = "client")]
mod details;
// The pure rules of the Windows sources, compiled on every OS so they are tested everywhere.
#[cfg_attr(not(windows), allow(dead_code))]
mod adapters;
mod fingerprint;
mod installation;
mod matching;
mod normalise;
mod smbios;
mod sources;
mod sysroot;
mod virt;

// The sources of this OS (see `sources.rs`): one module per OS, chosen here and nowhere else.
#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
use linux::Linux as Host;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows::Windows as Host;
#[cfg(target_os = "macos")]
mod macos;
#[cfg(target_os = "macos")]
use macos::MacOs as Host;
#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
mod other;
#[cfg(not(any(target_os = "linux", windows, target_os = "macos")))]
use other::Other as Host;
// The macOS rules are plain string logic, tested on every OS: the macOS sources only compile
// on the Linux machines that build the project.
#[cfg(all(test, not(target_os = "macos")))]
#[path = "macos/rules.rs"]
mod macos_rules;

#[cfg(feature = "client")]
pub use details::SystemDetails;
pub use fingerprint::{AnchorSource, ComponentDigest, Fingerprint, validate_product_id};
pub(crate) use installation::ensure_machine_dir;
pub use installation::{installation_id, parse as parse_installation_id};
pub use matching::{MatchReport, match_components};
pub use sysroot::SysRoot;
pub use virt::{Virtualization, VmPlatform, detect_virtualization};

/// What the fuzz targets (`fuzz/`) drive: the component readers' normalisation and the
/// root filesystem's lookup. Raw values leave the module only here, for fuzzing. Not an API.
#[doc(hidden)]
pub mod fuzzing {
    pub use super::smbios::Smbios;
    use super::sources::Sources;
    use super::{Host, SysRoot, normalise};

    /// Windows's `RawSMBIOSData` (header and structure table), parsed.
    pub fn parse_raw_smbios_data(buffer: &[u8]) -> Smbios {
        super::smbios::parse_raw_smbios_data(buffer)
    }

    /// A bare structure table of SMBIOS version `(major, minor)`, parsed.
    pub fn parse_smbios_table(table: &[u8], version: (u8, u8)) -> Smbios {
        super::smbios::parse_table(table, version)
    }

    pub fn normalise_machine_id(raw: &str) -> Option<String> {
        normalise::normalise_machine_id(raw)
    }

    pub fn normalise_uuid(raw: &str) -> Option<String> {
        normalise::normalise_uuid(raw)
    }

    pub fn normalise_serial(raw: &str) -> Option<String> {
        normalise::normalise_serial(raw)
    }

    pub fn normalise_mac(raw: &str) -> Option<String> {
        normalise::normalise_mac(raw)
    }

    /// The UUID of the filesystem mounted at `/` under `root` (mountinfo, uevent, by-uuid).
    #[cfg(target_os = "linux")]
    pub fn root_filesystem_uuid(root: &SysRoot) -> Option<String> {
        super::linux::root_filesystem_uuid(root)
    }

    /// The normalised anchor (machine ID) and matching components as (name, raw value).
    pub fn components(root: &SysRoot) -> (Option<String>, Vec<(String, String)>) {
        let matching = Host::matching(root).into_iter().map(|c| (c.name, c.value)).collect();
        (Host::anchor(root), matching)
    }
}
