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
pub use installation::installation_id;
pub use matching::{MatchReport, match_components};
pub use sysroot::SysRoot;
pub use virt::{Virtualization, VmPlatform, detect_virtualization};
