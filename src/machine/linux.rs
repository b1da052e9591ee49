//! Linux: everything is read from files (under [`SysRoot`], so tests lay out simulated
//! machines), with no subprocess and no process enumeration.
//!
//! - **anchor**: `/etc/machine-id` (falling back to `/var/lib/dbus/machine-id`), readable by
//!   every user, so root and a normal user get the same ID;
//! - **matching**: DMI product UUID and serials (root-only on Linux: unreadable ones count
//!   neither way), MACs of physical NICs, the root filesystem UUID;
//! - **VM evidence**: container markers, the DMI vendor strings, `/sys/hypervisor`.

use super::normalise::{normalise_mac, normalise_machine_id, normalise_serial, normalise_uuid};
use super::sources::{Component, Sources};
#[cfg(feature = "client")]
use super::sources::{Hardware, OsVersion};
use super::virt::platform_from_vendor;
use super::{SysRoot, VmPlatform};

pub(crate) struct Linux;

impl Sources for Linux {
    fn anchor(root: &SysRoot) -> Option<String> {
        ["/etc/machine-id", "/var/lib/dbus/machine-id"]
            .into_iter()
            .find_map(|p| root.read(p).and_then(|v| normalise_machine_id(&v)))
    }

    fn matching(root: &SysRoot) -> Vec<Component> {
        let mut out = Vec::new();
        let mut push = |name: String, value: Option<String>| {
            if let Some(value) = value {
                out.push(Component { name, value });
            }
        };
        // Machines without firmware tables (containers without /sys/class/dmi, some ARM boards)
        // cost one look, not four.
        if root.path("/sys/class/dmi/id").is_dir() {
            push(
                "dmi-product-uuid".into(),
                root.read("/sys/class/dmi/id/product_uuid").and_then(|v| normalise_uuid(&v)),
            );
            for (name, file) in [
                ("dmi-product-serial", "product_serial"),
                ("dmi-board-serial", "board_serial"),
                ("dmi-chassis-serial", "chassis_serial"),
            ] {
                push(
                    name.into(),
                    root.read(&format!("/sys/class/dmi/id/{file}")).and_then(|v| normalise_serial(&v)),
                );
            }
        }
        for (interface, mac) in physical_macs(root) {
            push(format!("mac:{interface}"), Some(mac));
        }
        push("rootfs-uuid".into(), root_filesystem_uuid(root));
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    fn container(root: &SysRoot, evidence: &mut Vec<String>) -> Option<VmPlatform> {
        let mut found = None;
        for (file, platform) in
            [("/.dockerenv", VmPlatform::Docker), ("/run/.containerenv", VmPlatform::Podman)]
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

    fn hypervisor(root: &SysRoot, evidence: &mut Vec<String>) -> Option<VmPlatform> {
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
        found
    }

    #[cfg(feature = "client")]
    fn os_language() -> String {
        super::details::posix_language(|k| std::env::var(k).ok())
    }

    /// `/etc/os-release` (or `/usr/lib/os-release`, where the distribution keeps it), which
    /// every current distribution has.
    #[cfg(feature = "client")]
    fn os_version() -> Option<OsVersion> {
        let host = SysRoot::host();
        let text = ["/etc/os-release", "/usr/lib/os-release"].into_iter().find_map(|p| host.read(p))?;
        os_release(&text)
    }

    /// `uname` for the host name and the machine, `sysinfo(2)` for the memory, the CPUs'
    /// topology in sysfs for the physical cores.
    #[cfg(feature = "client")]
    fn hardware() -> Hardware {
        // SAFETY: utsname is plain data (arrays of c_char); all zeros is a valid value.
        let mut names: libc::utsname = unsafe { std::mem::zeroed() };
        // SAFETY: `names` is a valid, writable utsname; uname fills its NUL-terminated fields.
        let named = unsafe { libc::uname(&mut names) } == 0;
        let field = |chars: &[libc::c_char]| {
            let bytes: Vec<u8> = chars.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        };
        let machine = if named { field(&names.machine) } else { String::new() };
        // SAFETY: as above, for libc::sysinfo.
        let mut info: libc::sysinfo = unsafe { std::mem::zeroed() };
        // SAFETY: `info` is a valid, writable struct sysinfo.
        // c_ulong is 32 bits on 32-bit Linux, hence the conversion.
        #[allow(clippy::useless_conversion)]
        let memory = if unsafe { libc::sysinfo(&mut info) } == 0 {
            u64::from(info.totalram).saturating_mul(u64::from(info.mem_unit.max(1)))
        } else {
            0
        };
        let host = SysRoot::host();
        Hardware {
            bitness: if machine.contains("64") || machine == "s390x" { 64 } else { 32 },
            physical_cores: physical_cores(&host),
            memory_mib: memory / (1024 * 1024),
            computer_name: if named { field(&names.nodename) } else { String::new() },
            processor: host.read("/proc/cpuinfo").and_then(|c| cpuinfo_processor(&c)),
        }
    }
}

/// `NAME`, `VERSION_ID` and `PRETTY_NAME` of an os-release file (shell-style assignments,
/// values optionally quoted).
#[cfg(feature = "client")]
fn os_release(text: &str) -> Option<OsVersion> {
    let value = |key: &str| {
        text.lines().find_map(|line| {
            let raw = line.trim().strip_prefix(key)?.strip_prefix('=')?.trim();
            let unquoted = match raw.as_bytes() {
                [q @ (b'"' | b'\''), .., last] if q == last && raw.len() >= 2 => &raw[1..raw.len() - 1],
                _ => raw,
            };
            let value = unquoted.replace("\\\"", "\"").replace("\\$", "$").replace("\\\\", "\\");
            (!value.is_empty()).then_some(value)
        })
    };
    let name = value("NAME").unwrap_or_else(|| "Linux".to_owned());
    let version = value("VERSION_ID").unwrap_or_default();
    let long = value("PRETTY_NAME").unwrap_or_else(|| format!("{name} {version}").trim().to_owned());
    Some(OsVersion { name, version, long })
}

/// The number of distinct cores among the CPUs sysfs lists: logical CPUs that share a core
/// (hyper-threads) list the same siblings.
#[cfg(feature = "client")]
fn physical_cores(root: &SysRoot) -> Option<u32> {
    let cpus = std::fs::read_dir(root.path("/sys/devices/system/cpu")).ok()?;
    let mut cores = std::collections::BTreeSet::new();
    for entry in cpus.flatten() {
        let name = entry.file_name();
        let Some(n) = name.to_str().and_then(|n| n.strip_prefix("cpu")) else { continue };
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let topology = format!("/sys/devices/system/cpu/cpu{n}/topology");
        let siblings = root
            .read(&format!("{topology}/core_cpus_list"))
            .or_else(|| root.read(&format!("{topology}/thread_siblings_list")));
        // A CPU without topology (offline, or an old kernel) counts as a core of its own.
        cores.insert(siblings.unwrap_or_else(|| format!("cpu{n}")));
    }
    u32::try_from(cores.len()).ok().filter(|&n| n > 0)
}

/// `Vendor:Model` from `/proc/cpuinfo`, for processors without CPUID: the first processor's
/// vendor (`vendor_id`, or the ARM implementer's code) and model name.
#[cfg(feature = "client")]
fn cpuinfo_processor(text: &str) -> Option<String> {
    let value = |keys: &[&str]| {
        text.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            let value = value.trim();
            (keys.contains(&key.trim()) && !value.is_empty()).then(|| value.to_owned())
        })
    };
    let model = value(&["model name", "Model", "Hardware", "cpu model", "cpu"])?;
    let vendor = value(&["vendor_id", "CPU implementer", "vendor"]).unwrap_or_default();
    Some(format!("{vendor}:{model}"))
}

/// The `major:minor` of the device holding `/`: from `stat("/")` on this machine (one
/// system call; `/proc/self/mountinfo` is regenerated on every read and grows with the
/// mounts), from the simulated machine's mountinfo otherwise.
fn root_device(root: &SysRoot) -> Option<String> {
    #[cfg(unix)]
    if root.is_host() {
        let dev = std::os::unix::fs::MetadataExt::dev(&std::fs::metadata("/").ok()?);
        // glibc's major()/minor() encoding.
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
        let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
        return Some(format!("{major}:{minor}"));
    }
    let mountinfo = root.read("/proc/self/mountinfo")?;
    // Fields: id parent major:minor root mount-point ...
    mountinfo.lines().find_map(|line| {
        let mut fields = line.split(' ');
        let device = fields.nth(2)?;
        (fields.nth(1)? == "/").then(|| device.to_owned())
    })
}

/// NICs backed by a device (not `/sys/devices/virtual`), with their normalised MACs.
fn physical_macs(root: &SysRoot) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(root.path("/sys/class/net")) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = entries
        .flatten()
        .filter_map(|entry| {
            let interface = entry.file_name().into_string().ok()?;
            let base = format!("/sys/class/net/{interface}");
            // Bridges, bonds, veths, tunnels and loopback have no `device` link.
            std::fs::symlink_metadata(root.path(&format!("{base}/device"))).ok()?;
            let mac = normalise_mac(&root.read(&format!("{base}/address"))?)?;
            Some((interface, mac))
        })
        .collect();
    out.sort();
    out.truncate(8);
    out
}

/// The UUID of the filesystem mounted at `/`: udev's record of its block device (one read),
/// else the device's entry in `/dev/disk/by-uuid` (the same name, `ID_FS_UUID_ENC`). Overlay
/// roots (containers) have none.
pub(crate) fn root_filesystem_uuid(root: &SysRoot) -> Option<String> {
    let device = root_device(root)?;
    if let Some(record) = root.read(&format!("/run/udev/data/b{device}"))
        && let Some(uuid) = record.lines().find_map(|l| l.strip_prefix("E:ID_FS_UUID_ENC="))
    {
        return Some(uuid.trim().to_ascii_lowercase());
    }
    let uevent = root.read(&format!("/sys/dev/block/{device}/uevent"))?;
    let devname = uevent.lines().find_map(|l| l.strip_prefix("DEVNAME="))?;
    let entries = std::fs::read_dir(root.path("/dev/disk/by-uuid")).ok()?;
    entries.flatten().take(256).find_map(|entry| {
        let target = std::fs::read_link(entry.path()).ok()?;
        (target.file_name()?.to_str()? == devname)
            .then(|| entry.file_name().to_str().map(|u| u.trim().to_ascii_lowercase()))?
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::detect_virtualization;

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

    #[cfg(feature = "client")]
    #[test]
    fn os_release_files_give_the_name_version_and_long_name() {
        let debian = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n";
        let v = os_release(debian).unwrap();
        assert_eq!((v.name.as_str(), v.version.as_str()), ("Debian GNU/Linux", "12"));
        assert_eq!(v.long, "Debian GNU/Linux 12 (bookworm)");
        let v = os_release("NAME='Odd \\\"One\\\"'\nVERSION_ID=3.1\n").unwrap();
        assert_eq!((v.name.as_str(), v.long.as_str()), ("Odd \"One\"", "Odd \"One\" 3.1"));
        let v = os_release("# nothing\n").unwrap();
        assert_eq!((v.name.as_str(), v.version.as_str(), v.long.as_str()), ("Linux", "", "Linux"));
    }

    #[cfg(feature = "client")]
    #[test]
    fn physical_cores_count_shared_siblings_once() {
        let topology = |n: u32, siblings: &str| {
            (format!("/sys/devices/system/cpu/cpu{n}/topology/core_cpus_list"), siblings.to_owned())
        };
        let files = [topology(0, "0,2"), topology(1, "1,3"), topology(2, "0,2"), topology(3, "1,3")];
        let files: Vec<(&str, &str)> = files.iter().map(|(p, v)| (p.as_str(), v.as_str())).collect();
        let (_dir, root) = root_with(&files);
        std::fs::create_dir_all(root.path("/sys/devices/system/cpu/cpufreq")).unwrap();
        assert_eq!(physical_cores(&root), Some(2));
        let (_dir, empty) = root_with(&[]);
        assert_eq!(physical_cores(&empty), None);
        assert!(physical_cores(&SysRoot::host()).is_some_and(|n| n >= 1));
    }

    #[cfg(feature = "client")]
    #[test]
    fn cpuinfo_names_the_processor() {
        let arm = "processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\nmodel name\t: Neoverse-N1\n";
        assert_eq!(cpuinfo_processor(arm).as_deref(), Some("0x41:Neoverse-N1"));
        let x86 = "vendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R)\n";
        assert_eq!(cpuinfo_processor(x86).as_deref(), Some("GenuineIntel:Intel(R) Xeon(R)"));
        assert_eq!(cpuinfo_processor("processor : 0\n"), None);
    }
}
