//! VM and container detection, with the evidence that led to the verdict.
//!
//! The platform is reported as the seed's `vmPlatform` value. Policy (shorter VM leases,
//! VMs refused) is decided by the signed lease, not here: this module only observes.

use std::fmt;

use super::sources::Sources;
use super::{Host, SysRoot};

/// Where this process runs, as the seed's `vmPlatform` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VmPlatform {
    /// Bare metal, as far as any evidence shows.
    Physical,
    VMware,
    KVM,
    QEMU,
    HyperV,
    VirtualBox,
    Xen,
    Parallels,
    Bhyve,
    /// Apple's Virtualization framework (macOS guests on Apple silicon: UTM, Tart, ...).
    AppleVirtualization,
    /// A hypervisor is present but not one we recognise.
    OtherVm,
    Docker,
    Podman,
    Lxc,
    Kubernetes,
    /// A container runtime is present but not one we recognise.
    OtherContainer,
}

impl VmPlatform {
    /// The seed's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            VmPlatform::Physical => "Physical",
            VmPlatform::VMware => "VMware",
            VmPlatform::KVM => "KVM",
            VmPlatform::QEMU => "QEMU",
            VmPlatform::HyperV => "Hyper-V",
            VmPlatform::VirtualBox => "VirtualBox",
            VmPlatform::Xen => "Xen",
            VmPlatform::Parallels => "Parallels",
            VmPlatform::Bhyve => "bhyve",
            VmPlatform::AppleVirtualization => "Apple Virtualization",
            VmPlatform::OtherVm => "Unknown VM",
            VmPlatform::Docker => "Docker",
            VmPlatform::Podman => "Podman",
            VmPlatform::Lxc => "LXC",
            VmPlatform::Kubernetes => "Kubernetes",
            VmPlatform::OtherContainer => "Container",
        }
    }

    /// True for containers (they share the host kernel and often a cloned machine-id).
    pub fn is_container(self) -> bool {
        matches!(
            self,
            VmPlatform::Docker
                | VmPlatform::Podman
                | VmPlatform::Lxc
                | VmPlatform::Kubernetes
                | VmPlatform::OtherContainer
        )
    }
}

impl fmt::Display for VmPlatform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verdict and what supports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Virtualization {
    /// The container runtime if in a container, else the hypervisor, else `Physical`.
    pub platform: VmPlatform,
    /// The hypervisor under the container, if any was seen.
    pub hypervisor: Option<VmPlatform>,
    /// Human-readable facts, e.g. `"/.dockerenv exists"`, `"CPUID hypervisor vendor KVMKVMKVM"`.
    pub evidence: Vec<String>,
}

impl Virtualization {
    /// True when running in a VM or a container.
    pub fn is_virtual(&self) -> bool {
        self.platform != VmPlatform::Physical
    }
}

/// Gathers the evidence: the OS's container markers and firmware vendor strings (see
/// `sources.rs`), and CPUID.
pub fn detect_virtualization(root: &SysRoot) -> Virtualization {
    let mut evidence = Vec::new();
    let container = Host::container(root, &mut evidence);
    let mut hypervisor = Host::hypervisor(root, &mut evidence);
    if root.is_host() {
        match cpuid_hypervisor() {
            Some(Cpuid::Guest { signature, platform }) => {
                evidence.push(format!("CPUID hypervisor bit set, vendor {signature:?}"));
                hypervisor = hypervisor.or(Some(*platform));
            }
            // Windows with Hyper-V, WSL 2 or virtualization-based security enabled runs on
            // the hypervisor as its root partition: the hypervisor bit is set on the
            // physical machine itself.
            Some(Cpuid::RootPartition) => {
                evidence.push("CPUID: the Hyper-V root partition (the physical host)".to_owned());
            }
            None => {}
        }
    }
    Virtualization {
        platform: container.or(hypervisor).unwrap_or(VmPlatform::Physical),
        hypervisor,
        evidence,
    }
}

/// Maps a DMI vendor or product string to a platform. Compared in lower case without
/// spaces, so a file's `Amazon EC2` and the modalias's `AmazonEC2` are one.
pub(super) fn platform_from_vendor(value: &str) -> Option<VmPlatform> {
    let v: String = value.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_lowercase()).collect();
    let table: &[(&str, VmPlatform)] = &[
        ("vmware", VmPlatform::VMware),
        ("virtualbox", VmPlatform::VirtualBox),
        ("innotek", VmPlatform::VirtualBox),
        ("qemu", VmPlatform::QEMU),
        ("kvm", VmPlatform::KVM),
        ("amazonec2", VmPlatform::KVM),
        ("googlecomputeengine", VmPlatform::KVM),
        ("openstack", VmPlatform::KVM),
        ("xen", VmPlatform::Xen),
        ("parallels", VmPlatform::Parallels),
        ("bhyve", VmPlatform::Bhyve),
    ];
    if let Some((_, p)) = table.iter().find(|(needle, _)| v.contains(needle)) {
        return Some(*p);
    }
    // Microsoft's own hardware (Surface) says "Microsoft Corporation" too; only its
    // "Virtual Machine" product is Hyper-V.
    (v == "virtualmachine").then_some(VmPlatform::HyperV)
}

/// What CPUID says of a hypervisor.
// Only x86-64 has CPUID (and miri cannot run it): elsewhere it never says anything.
#[cfg_attr(any(not(target_arch = "x86_64"), miri), allow(dead_code))]
#[derive(Clone, Debug, PartialEq, Eq)]
enum Cpuid {
    /// This OS is a guest of the hypervisor named by the signature.
    Guest { signature: String, platform: VmPlatform },
    /// This OS is Hyper-V's root partition: the physical host, not a VM.
    RootPartition,
}

/// The hypervisor CPUID reports, asked once per process: under nested virtualization each
/// `cpuid` traps to the outer hypervisor (about 8 µs apiece on the project's machines, more
/// than the rest of the computer ID together), and its answer cannot change under a running
/// process.
fn cpuid_hypervisor() -> Option<&'static Cpuid> {
    static ANSWER: std::sync::OnceLock<Option<Cpuid>> = std::sync::OnceLock::new();
    ANSWER.get_or_init(ask_cpuid).as_ref()
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
fn ask_cpuid() -> Option<Cpuid> {
    use std::arch::x86_64::__cpuid;
    const HYPERVISOR_BIT: u32 = 1 << 31;
    /// Hyper-V's partition privilege `CreatePartitions` (leaf 0x40000003, EBX bit 0): only
    /// the root partition holds it (Hyper-V's Top-Level Functional Specification).
    const CREATE_PARTITIONS: u32 = 1;
    if __cpuid(1).ecx & HYPERVISOR_BIT == 0 {
        return None;
    }
    let leaf = __cpuid(0x4000_0000);
    let bytes: Vec<u8> = [leaf.ebx, leaf.ecx, leaf.edx].iter().flat_map(|r| r.to_le_bytes()).collect();
    let signature = String::from_utf8_lossy(&bytes).trim_end_matches('\0').to_owned();
    let platform = match signature.as_str() {
        "KVMKVMKVM" => VmPlatform::KVM,
        "VMwareVMware" => VmPlatform::VMware,
        "Microsoft Hv" => {
            if leaf.eax >= 0x4000_0003 && __cpuid(0x4000_0003).ebx & CREATE_PARTITIONS != 0 {
                return Some(Cpuid::RootPartition);
            }
            VmPlatform::HyperV
        }
        "XenVMMXenVMM" => VmPlatform::Xen,
        "VBoxVBoxVBox" => VmPlatform::VirtualBox,
        "TCGTCGTCGTCG" => VmPlatform::QEMU,
        "prl hyperv  " | " lrpepyh  vr" => VmPlatform::Parallels,
        "bhyve bhyve " => VmPlatform::Bhyve,
        _ => VmPlatform::OtherVm,
    };
    Some(Cpuid::Guest { signature, platform })
}

#[cfg(any(not(target_arch = "x86_64"), miri))]
fn ask_cpuid() -> Option<Cpuid> {
    None
}
