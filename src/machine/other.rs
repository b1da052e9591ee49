//! Operating systems without a module of their own (the BSDs, illumos, ...): no OS sources
//! are read, so the computer ID anchors on the installation ID, and only CPUID speaks for a
//! hypervisor. A port adds its own file beside `linux.rs` (see `sources.rs`).

use super::sources::{Component, Sources};
#[cfg(feature = "client")]
use super::sources::{Hardware, OsVersion};
use super::{SysRoot, VmPlatform};

pub(crate) struct Other;

impl Sources for Other {
    fn anchor(_: &SysRoot) -> Option<String> {
        None
    }

    fn matching(_: &SysRoot) -> Vec<Component> {
        Vec::new()
    }

    fn container(_: &SysRoot, _: &mut Vec<String>) -> Option<VmPlatform> {
        None
    }

    fn hypervisor(_: &SysRoot, _: &mut Vec<String>) -> Option<VmPlatform> {
        None
    }

    #[cfg(feature = "client")]
    fn os_language() -> String {
        super::details::posix_language(|k| std::env::var(k).ok())
    }

    #[cfg(feature = "client")]
    fn os_version() -> Option<OsVersion> {
        None
    }

    /// Only what the standard library knows: the pointer width stands in for the OS's.
    #[cfg(feature = "client")]
    fn hardware() -> Hardware {
        Hardware { bitness: usize::BITS, ..Hardware::default() }
    }
}
