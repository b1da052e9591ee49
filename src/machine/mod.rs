//! The computer: a stable, product-salted computer ID with per-component digests,
//! tolerant matching, VM and container detection, and system details.
//!
//! Raw component values (machine-id, serials, MACs) never leave this module: only salted
//! digests do, salted per product so two vendors cannot correlate one machine.

mod components;
#[cfg(feature = "client")]
mod details;
mod fingerprint;
mod installation;
mod matching;
mod sysroot;
mod virt;

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
    use super::{SysRoot, components};

    pub fn normalise_machine_id(raw: &str) -> Option<String> {
        components::normalise_machine_id(raw)
    }

    pub fn normalise_uuid(raw: &str) -> Option<String> {
        components::normalise_uuid(raw)
    }

    pub fn normalise_serial(raw: &str) -> Option<String> {
        components::normalise_serial(raw)
    }

    pub fn normalise_mac(raw: &str) -> Option<String> {
        components::normalise_mac(raw)
    }

    /// The UUID of the filesystem mounted at `/` under `root` (mountinfo, uevent, by-uuid).
    pub fn root_filesystem_uuid(root: &SysRoot) -> Option<String> {
        components::root_filesystem_uuid(root)
    }

    /// The normalised anchor (machine ID) and matching components as (name, raw value).
    pub fn components(root: &SysRoot) -> (Option<String>, Vec<(String, String)>) {
        let matching = components::read_matching(root).into_iter().map(|c| (c.name, c.value)).collect();
        (components::read_anchor(root), matching)
    }
}
