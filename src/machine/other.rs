//! Operating systems without a module of their own (the BSDs, illumos, ...): no OS sources
//! are read, so the computer ID anchors on the installation ID, and only CPUID speaks for a
//! hypervisor. A port adds its own file beside `linux.rs` (see `sources.rs`).

use super::sources::{Component, Sources};
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
}
