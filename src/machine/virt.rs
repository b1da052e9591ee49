//! VM and container detection, with the evidence that led to the verdict.
//!
//! The platform is reported as the seed's `vmPlatform` value. Policy (shorter VM leases,
//! VMs refused) is decided by the signed lease, not here: this module only observes.

use std::fmt;

use super::SysRoot;

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

/// Gathers the evidence: container markers, DMI vendor strings, `/sys/hypervisor`, CPUID.
pub fn detect_virtualization(root: &SysRoot) -> Virtualization {
    let mut evidence = Vec::new();
    let container = detect_container(root, &mut evidence);
    let hypervisor = detect_hypervisor(root, &mut evidence);
    Virtualization {
        platform: container.or(hypervisor).unwrap_or(VmPlatform::Physical),
        hypervisor,
        evidence,
    }
}

fn detect_container(root: &SysRoot, evidence: &mut Vec<String>) -> Option<VmPlatform> {
    let mut found = None;
    for (file, platform) in [("/.dockerenv", VmPlatform::Docker), ("/run/.containerenv", VmPlatform::Podman)]
    {
        if root.path(file).exists() {
            evidence.push(format!("{file} exists"));
            found = found.or(Some(platform));
        }
    }
    if root.is_host()
        && let Ok(kind) = std::env::var("container")
    {
        evidence.push(format!("environment variable container={kind}"));
        found = found.or(Some(match kind.as_str() {
            "docker" => VmPlatform::Docker,
            "podman" => VmPlatform::Podman,
            "lxc" | "lxc-libvirt" => VmPlatform::Lxc,
            _ => VmPlatform::OtherContainer,
        }));
    }
    // The cgroup of process 1 is the last resort: the files above already decide, and
    // reading `/proc` costs more than the rest of the detection together.
    if found.is_none()
        && let Some(cgroup) = root.read("/proc/1/cgroup")
    {
        for (marker, platform) in [
            ("kubepods", VmPlatform::Kubernetes),
            ("docker", VmPlatform::Docker),
            ("libpod", VmPlatform::Podman),
            ("lxc", VmPlatform::Lxc),
        ] {
            if cgroup.contains(marker) {
                evidence.push(format!("/proc/1/cgroup mentions {marker}"));
                found = found.or(Some(platform));
            }
        }
    }
    found
}

fn detect_hypervisor(root: &SysRoot, evidence: &mut Vec<String>) -> Option<VmPlatform> {
    let mut found = None;
    // One read of the DMI modalias carries the vendor and product strings (without their
    // spaces: `svnQEMU:pnStandardPC...`); the separate files only where it is missing.
    if let Some(modalias) = root.read("/sys/class/dmi/id/modalias") {
        for field in modalias.split(':') {
            let value = ["svn", "pn", "rvn", "bvn", "pvr"].iter().find_map(|p| field.strip_prefix(p));
            if let Some(platform) = value.and_then(platform_from_vendor) {
                evidence.push(format!("/sys/class/dmi/id/modalias has {field:?}"));
                found = found.or(Some(platform));
            }
        }
    } else if root.path("/sys/class/dmi/id").is_dir() {
        for file in ["sys_vendor", "product_name", "board_vendor", "bios_vendor", "product_version"] {
            let path = format!("/sys/class/dmi/id/{file}");
            if let Some(value) = root.read(&path)
                && let Some(platform) = platform_from_vendor(&value)
            {
                evidence.push(format!("{path} is {value:?}"));
                found = found.or(Some(platform));
            }
        }
    }
    if let Some(kind) = root.read("/sys/hypervisor/type") {
        evidence.push(format!("/sys/hypervisor/type is {kind:?}"));
        found = found.or(Some(if kind == "xen" { VmPlatform::Xen } else { VmPlatform::OtherVm }));
    }
    if root.is_host()
        && let Some((signature, platform)) = cpuid_hypervisor()
    {
        evidence.push(format!("CPUID hypervisor bit set, vendor {signature:?}"));
        found = found.or(Some(platform));
    }
    found
}

/// Maps a DMI vendor or product string to a platform. Compared in lower case without
/// spaces, so a file's `Amazon EC2` and the modalias's `AmazonEC2` are one.
fn platform_from_vendor(value: &str) -> Option<VmPlatform> {
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

/// The hypervisor CPUID reports, asked once per process: under nested virtualization each
/// `cpuid` traps to the outer hypervisor (about 8 µs apiece on the project's machines, more
/// than the rest of the computer ID together), and its answer cannot change under a running
/// process.
fn cpuid_hypervisor() -> Option<(String, VmPlatform)> {
    static ANSWER: std::sync::OnceLock<Option<(String, VmPlatform)>> = std::sync::OnceLock::new();
    ANSWER.get_or_init(ask_cpuid).clone()
}

#[cfg(all(target_arch = "x86_64", not(miri)))]
fn ask_cpuid() -> Option<(String, VmPlatform)> {
    use std::arch::x86_64::__cpuid;
    const HYPERVISOR_BIT: u32 = 1 << 31;
    if __cpuid(1).ecx & HYPERVISOR_BIT == 0 {
        return None;
    }
    let leaf = __cpuid(0x4000_0000);
    let bytes: Vec<u8> = [leaf.ebx, leaf.ecx, leaf.edx].iter().flat_map(|r| r.to_le_bytes()).collect();
    let signature = String::from_utf8_lossy(&bytes).trim_end_matches('\0').to_owned();
    let platform = match signature.as_str() {
        "KVMKVMKVM" => VmPlatform::KVM,
        "VMwareVMware" => VmPlatform::VMware,
        "Microsoft Hv" => VmPlatform::HyperV,
        "XenVMMXenVMM" => VmPlatform::Xen,
        "VBoxVBoxVBox" => VmPlatform::VirtualBox,
        "TCGTCGTCGTCG" => VmPlatform::QEMU,
        "prl hyperv  " | " lrpepyh  vr" => VmPlatform::Parallels,
        "bhyve bhyve " => VmPlatform::Bhyve,
        _ => VmPlatform::OtherVm,
    };
    Some((signature, platform))
}

#[cfg(any(not(target_arch = "x86_64"), miri))]
fn ask_cpuid() -> Option<(String, VmPlatform)> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root_with(files: &[(&str, &str)]) -> (tempfile::TempDir, SysRoot) {
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let p = dir.path().join(path.trim_start_matches('/'));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, content).unwrap();
        }
        let root = SysRoot::at(dir.path());
        (dir, root)
    }

    #[test]
    fn recognises_platforms_from_evidence() {
        let cases: &[(&[(&str, &str)], VmPlatform)] = &[
            (&[], VmPlatform::Physical),
            (&[("/sys/class/dmi/id/sys_vendor", "Dell Inc.\n")], VmPlatform::Physical),
            (&[("/sys/class/dmi/id/sys_vendor", "VMware, Inc.\n")], VmPlatform::VMware),
            (&[("/sys/class/dmi/id/sys_vendor", "innotek GmbH\n")], VmPlatform::VirtualBox),
            (&[("/sys/class/dmi/id/sys_vendor", "QEMU\n")], VmPlatform::QEMU),
            (
                &[
                    ("/sys/class/dmi/id/sys_vendor", "Microsoft Corporation\n"),
                    ("/sys/class/dmi/id/product_name", "Virtual Machine\n"),
                ],
                VmPlatform::HyperV,
            ),
            (&[("/sys/class/dmi/id/sys_vendor", "Microsoft Corporation\n")], VmPlatform::Physical),
            (&[("/sys/hypervisor/type", "xen\n")], VmPlatform::Xen),
            (&[("/.dockerenv", "")], VmPlatform::Docker),
            (&[("/run/.containerenv", "")], VmPlatform::Podman),
            (&[("/proc/1/cgroup", "0::/kubepods/besteffort/pod1\n")], VmPlatform::Kubernetes),
            // The modalias carries the same strings without spaces, in one read.
            (
                &[(
                    "/sys/class/dmi/id/modalias",
                    "dmi:bvnSeaBIOS:bvr1.16.3:svnQEMU:pnStandardPC(Q35+ICH9,2009):pvrpc-q35-8.2:\n",
                )],
                VmPlatform::QEMU,
            ),
            (
                &[(
                    "/sys/class/dmi/id/modalias",
                    "dmi:bvnAmericanMegatrendsInc.:svnMicrosoftCorporation:pnVirtualMachine:pvr7.0:\n",
                )],
                VmPlatform::HyperV,
            ),
            (
                &[("/sys/class/dmi/id/modalias", "dmi:bvnDellInc.:svnDellInc.:pnLatitude7490:\n")],
                VmPlatform::Physical,
            ),
            (&[("/sys/class/dmi/id/modalias", "dmi:svnAmazonEC2:pnm5.large:\n")], VmPlatform::KVM),
        ];
        for (files, expected) in cases {
            let (_dir, root) = root_with(files);
            let v = detect_virtualization(&root);
            assert_eq!(v.platform, *expected, "{files:?}");
            assert_eq!(v.evidence.is_empty(), *expected == VmPlatform::Physical, "{v:?}");
        }
    }

    #[test]
    fn container_on_a_hypervisor_reports_both() {
        let (_dir, root) = root_with(&[("/.dockerenv", ""), ("/sys/class/dmi/id/sys_vendor", "QEMU")]);
        let v = detect_virtualization(&root);
        assert_eq!(v.platform, VmPlatform::Docker);
        assert_eq!(v.hypervisor, Some(VmPlatform::QEMU));
        assert!(v.platform.is_container() && v.is_virtual());
    }
}
