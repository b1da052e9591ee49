//! The one interface every operating system's module implements (`linux.rs`, `windows.rs`,
//! `macos.rs`, and `other.rs` for the rest): what the computer ID, the VM verdict and the
//! system details read from the OS. The rest of `machine` (hashing, matching, the
//! installation ID, the verdict's rules) is the same everywhere, so porting to another OS
//! means adding one file that implements [`Sources`] and naming it in `mod.rs`.
//!
//! Each module reads its own OS only: nothing reads `/etc` on Windows. A simulated machine
//! ([`SysRoot::at`]) is a directory laid out as that OS's files where the OS keeps its
//! sources in files (Linux); where it keeps them behind system calls (Windows, macOS), a
//! simulated machine has no OS sources and anchors on its installation ID.

use super::{SysRoot, VmPlatform};

/// A normalised identity component. The value is raw and stays inside the `machine` module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Component {
    pub name: String,
    pub value: String,
}

/// The OS's name and version, as the system details report them.
#[cfg(feature = "client")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OsVersion {
    /// e.g. `Windows`.
    pub name: String,
    /// e.g. `10.0.22631`.
    pub version: String,
    /// e.g. `Windows 11 Pro 23H2 (build 22631)`.
    pub long: String,
}

/// The machine's size and name, as the system details report them.
#[cfg(feature = "client")]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Hardware {
    /// The OS's bitness (a 32-bit process on a 64-bit OS says 64).
    pub bitness: u32,
    /// Physical cores, where the OS tells them apart from logical processors.
    pub physical_cores: Option<u32>,
    /// Installed memory in MiB.
    pub memory_mib: u64,
    /// The computer's host name.
    pub computer_name: String,
    /// `Vendor:Brand` from the OS, for processors CPUID cannot describe (not x86-64).
    pub processor: Option<String>,
}

pub(crate) trait Sources {
    /// The OS's own machine ID (`/etc/machine-id`, `MachineGuid`, `IOPlatformUUID`),
    /// normalised to 32 lower-case hex digits, or `None` if missing or a placeholder.
    fn anchor(root: &SysRoot) -> Option<String>;

    /// The matching components (firmware UUID and serials, physical MACs, the system
    /// volume), in any order; unreadable ones are left out and count neither way.
    fn matching(root: &SysRoot) -> Vec<Component>;

    /// Container evidence, pushed to `evidence`; the runtime if any.
    fn container(root: &SysRoot, evidence: &mut Vec<String>) -> Option<VmPlatform>;

    /// Hypervisor evidence other than CPUID (which `virt.rs` asks on every x86-64 OS),
    /// pushed to `evidence`; the hypervisor if any.
    fn hypervisor(root: &SysRoot, evidence: &mut Vec<String>) -> Option<VmPlatform>;

    /// The OS language as a BCP 47 tag (`en-GB`), empty when the OS does not say.
    #[cfg(feature = "client")]
    fn os_language() -> String;

    /// The OS's name and version; `None` where it cannot be read.
    #[cfg(feature = "client")]
    fn os_version() -> Option<OsVersion>;

    /// The machine's size and name: a few system calls, no enumeration of processes.
    #[cfg(feature = "client")]
    fn hardware() -> Hardware;
}
