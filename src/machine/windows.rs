//! Windows: system calls and the registry, no subprocess and no WMI (too slow, and `wmic`
//! is gone from Windows 11).
//!
//! - **anchor**: `MachineGuid` under `HKLM\SOFTWARE\Microsoft\Cryptography`, written at
//!   setup and readable by standard users, read through the 64-bit view so 32- and 64-bit
//!   processes agree;
//! - **matching**: the SMBIOS system UUID and serials (`GetSystemFirmwareTable('RSMB')`,
//!   no admin needed; parsed by `smbios.rs`), MACs of physical adapters
//!   (`GetAdaptersAddresses`, filtered by `adapters.rs`), the system volume's serial;
//! - **VM evidence**: the SMBIOS vendor strings and the guest services' registry keys
//!   (CPUID, with its Hyper-V root partition rule, is `virt.rs`'s).
//!
//! A simulated machine (`SysRoot::at`) has no Windows sources: only the host is read.

use std::sync::OnceLock;

use windows_sys::Win32::Foundation::{ERROR_BUFFER_OVERFLOW, ERROR_SUCCESS};
use windows_sys::Win32::NetworkManagement::IpHelper::{
    GAA_FLAG_SKIP_ANYCAST, GAA_FLAG_SKIP_DNS_SERVER, GAA_FLAG_SKIP_MULTICAST, GAA_FLAG_SKIP_UNICAST,
    GetAdaptersAddresses, IP_ADAPTER_ADDRESSES_LH,
};
use windows_sys::Win32::NetworkManagement::Ndis::TUNNEL_TYPE_NONE;
use windows_sys::Win32::Networking::WinSock::AF_UNSPEC;
use windows_sys::Win32::Storage::FileSystem::GetVolumeInformationW;
use windows_sys::Win32::System::SystemInformation::{
    GetSystemFirmwareTable, GetSystemWindowsDirectoryW, RSMB,
};

use super::adapters::{Adapter, is_physical};
use super::normalise::{normalise_mac, normalise_serial, normalise_uuid};
use super::smbios::{Smbios, parse_raw_smbios_data};
use super::sources::{Component, Sources};
use super::virt::platform_from_vendor;
use super::{SysRoot, VmPlatform};
use crate::registry::{HKEY_LOCAL_MACHINE, Key, wide};

/// The largest SMBIOS table read (real ones are a few kilobytes).
const MAX_SMBIOS: u32 = 1024 * 1024;
/// The largest adapter list read (a few kilobytes per adapter).
const MAX_ADAPTERS: u32 = 1024 * 1024;

/// The guest services' registry keys: each exists only inside its hypervisor's guests.
const GUEST_KEYS: &[(&str, VmPlatform)] = &[
    (r"SOFTWARE\VMware, Inc.\VMware Tools", VmPlatform::VMware),
    (r"SOFTWARE\Oracle\VirtualBox Guest Additions", VmPlatform::VirtualBox),
    (r"SOFTWARE\Microsoft\Virtual Machine\Guest\Parameters", VmPlatform::HyperV),
    (r"SYSTEM\CurrentControlSet\Services\xenevtchn", VmPlatform::Xen),
    (r"SYSTEM\CurrentControlSet\Services\prl_tg", VmPlatform::Parallels),
    (r"SYSTEM\CurrentControlSet\Services\QEMU-GA", VmPlatform::QEMU),
];

pub(crate) struct Windows;

impl Sources for Windows {
    fn anchor(root: &SysRoot) -> Option<String> {
        if !root.is_host() {
            return None;
        }
        let key = Key::open(HKEY_LOCAL_MACHINE, r"SOFTWARE\Microsoft\Cryptography")?;
        normalise_uuid(&key.string("MachineGuid")?)
    }

    fn matching(root: &SysRoot) -> Vec<Component> {
        if !root.is_host() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut push = |name: &str, value: Option<String>| {
            if let Some(value) = value {
                out.push(Component { name: name.to_owned(), value });
            }
        };
        let s = smbios();
        // The names of Linux's DMI components: the same firmware fields.
        push("dmi-product-uuid", s.system_uuid.as_deref().and_then(normalise_uuid));
        push("dmi-product-serial", s.system_serial.as_deref().and_then(normalise_serial));
        push("dmi-board-serial", s.board_serial.as_deref().and_then(normalise_serial));
        push("dmi-chassis-serial", s.chassis_serial.as_deref().and_then(normalise_serial));
        for (name, mac) in physical_macs() {
            push(&format!("mac:{name}"), Some(mac));
        }
        push("system-volume-serial", system_volume_serial());
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    fn container(_: &SysRoot, _: &mut Vec<String>) -> Option<VmPlatform> {
        // Windows containers (process isolation) share the host's kernel and registry view
        // of the machine; no reliable marker is read yet.
        None
    }

    fn hypervisor(root: &SysRoot, evidence: &mut Vec<String>) -> Option<VmPlatform> {
        if !root.is_host() {
            return None;
        }
        let mut found = None;
        let s = smbios();
        for (field, value) in [
            ("system manufacturer", &s.system_manufacturer),
            ("system product", &s.system_product),
            ("system version", &s.system_version),
            ("board manufacturer", &s.board_manufacturer),
            ("BIOS vendor", &s.bios_vendor),
        ] {
            if let Some(value) = value
                && let Some(platform) = platform_from_vendor(value)
            {
                evidence.push(format!("SMBIOS {field} is {value:?}"));
                found = found.or(Some(platform));
            }
        }
        for (path, platform) in GUEST_KEYS {
            if Key::exists(HKEY_LOCAL_MACHINE, path) {
                evidence.push(format!(r"registry key HKLM\{path} exists"));
                found = found.or(Some(*platform));
            }
        }
        found
    }

    #[cfg(feature = "client")]
    fn os_language() -> String {
        use windows_sys::Win32::Globalization::GetUserDefaultLocaleName;
        /// `LOCALE_NAME_MAX_LENGTH` (winnls.h).
        const MAX: usize = 85;
        let mut buffer = [0u16; MAX];
        // SAFETY: `buffer` holds MAX characters, as the call is told.
        let n = unsafe { GetUserDefaultLocaleName(buffer.as_mut_ptr(), MAX as i32) };
        // The count includes the terminating NUL; 0 is a failure.
        let len = usize::try_from(n).unwrap_or(0).saturating_sub(1).min(MAX);
        String::from_utf16_lossy(&buffer[..len])
    }

    /// The machine's size and name from kernel32: the native processor architecture (so a 32-bit
    /// process on 64-bit Windows says 64), the installed memory, the processor cores, the DNS
    /// host name; the processor's name from the registry, where Windows keeps what it read of it.
    #[cfg(feature = "client")]
    fn hardware() -> super::sources::Hardware {
        use windows_sys::Win32::System::SystemInformation::{
            ComputerNamePhysicalDnsHostname, GetComputerNameExW, GetLogicalProcessorInformation,
            GetNativeSystemInfo, GlobalMemoryStatusEx, MEMORYSTATUSEX, PROCESSOR_ARCHITECTURE_AMD64,
            PROCESSOR_ARCHITECTURE_ARM64, RelationProcessorCore, SYSTEM_INFO,
            SYSTEM_LOGICAL_PROCESSOR_INFORMATION,
        };
        let mut system = SYSTEM_INFO::default();
        // SAFETY: `system` is a valid, writable SYSTEM_INFO; the call cannot fail.
        unsafe { GetNativeSystemInfo(&mut system) };
        // SAFETY: every variant of the union is plain data, written whole by the call above.
        let architecture = unsafe { system.Anonymous.Anonymous.wProcessorArchitecture };
        let bitness = if [PROCESSOR_ARCHITECTURE_AMD64, PROCESSOR_ARCHITECTURE_ARM64].contains(&architecture)
        {
            64
        } else {
            32
        };

        let mut memory =
            MEMORYSTATUSEX { dwLength: std::mem::size_of::<MEMORYSTATUSEX>() as u32, ..Default::default() };
        // SAFETY: `memory` is a valid MEMORYSTATUSEX with its length set, as the call requires.
        let memory_mib = if unsafe { GlobalMemoryStatusEx(&mut memory) } != 0 {
            memory.ullTotalPhys / (1024 * 1024)
        } else {
            0
        };

        // One entry per core (and per cache, package, NUMA node): asked for the size first.
        let mut bytes = 0u32;
        // SAFETY: a null buffer with a zero length asks for the length needed.
        unsafe { GetLogicalProcessorInformation(std::ptr::null_mut(), &mut bytes) };
        let entry = std::mem::size_of::<SYSTEM_LOGICAL_PROCESSOR_INFORMATION>();
        let mut entries = vec![
            SYSTEM_LOGICAL_PROCESSOR_INFORMATION::default();
            (bytes as usize).div_ceil(entry).min(65_536)
        ];
        let mut bytes = (entries.len() * entry) as u32;
        // SAFETY: `entries` is writable for `bytes` bytes, as the call is told.
        let physical_cores =
            if unsafe { GetLogicalProcessorInformation(entries.as_mut_ptr(), &mut bytes) } != 0 {
                let filled = &entries[..(bytes as usize / entry).min(entries.len())];
                u32::try_from(filled.iter().filter(|e| e.Relationship == RelationProcessorCore).count())
                    .ok()
                    .filter(|&n| n > 0)
            } else {
                None
            };

        let mut name = [0u16; 256];
        let mut len = name.len() as u32;
        // SAFETY: `name` holds `len` characters, as the call is told; it writes back how many it
        // used, without the terminating NUL.
        let named =
            unsafe { GetComputerNameExW(ComputerNamePhysicalDnsHostname, name.as_mut_ptr(), &mut len) } != 0;
        let computer_name = if named {
            String::from_utf16_lossy(&name[..(len as usize).min(name.len())])
        } else {
            String::new()
        };

        let cpu = Key::open(HKEY_LOCAL_MACHINE, r"HARDWARE\DESCRIPTION\System\CentralProcessor\0");
        let processor = cpu.and_then(|k| {
            let brand = k.string("ProcessorNameString")?;
            Some(format!("{}:{}", k.string("VendorIdentifier").unwrap_or_default().trim(), brand.trim()))
        });
        super::sources::Hardware { bitness, physical_cores, memory_mib, computer_name, processor }
    }

    #[cfg(feature = "client")]
    fn os_version() -> Option<super::sources::OsVersion> {
        use windows_sys::Wdk::System::SystemServices::RtlGetVersion;
        use windows_sys::Win32::System::SystemInformation::OSVERSIONINFOW;
        // SAFETY: OSVERSIONINFOW is plain data; all zeros is a valid value.
        let mut info: OSVERSIONINFOW = unsafe { std::mem::zeroed() };
        info.dwOSVersionInfoSize = std::mem::size_of::<OSVERSIONINFOW>() as u32;
        // SAFETY: `info` is a valid OSVERSIONINFOW with its size set. RtlGetVersion, unlike
        // GetVersionEx, is not subject to the application manifest's compatibility shims:
        // it reports the real version.
        if unsafe { RtlGetVersion(&mut info) } != 0 {
            return None;
        }
        let (major, minor, build) = (info.dwMajorVersion, info.dwMinorVersion, info.dwBuildNumber);
        let release = Key::open(HKEY_LOCAL_MACHINE, r"SOFTWARE\Microsoft\Windows NT\CurrentVersion")
            .and_then(|k| k.string("DisplayVersion"))
            .filter(|v| !v.is_empty() && v.len() <= 16);
        Some(super::sources::OsVersion {
            name: "Windows".to_owned(),
            version: format!("{major}.{minor}.{build}"),
            long: long_name(major, minor, build, release.as_deref()),
        })
    }
}

/// `Windows 11 23H2 (build 22631)`: Windows 11 is still version 10.0, told apart by its
/// build number (22000 and later).
#[cfg(feature = "client")]
fn long_name(major: u32, minor: u32, build: u32, release: Option<&str>) -> String {
    let name = match (major, minor) {
        (10, 0) if build >= 22000 => "11",
        (10, 0) => "10",
        (6, 3) => "8.1",
        (6, 2) => "8",
        (6, 1) => "7",
        _ => "",
    };
    let name = if name.is_empty() { format!("Windows {major}.{minor}") } else { format!("Windows {name}") };
    match release {
        Some(release) => format!("{name} {release} (build {build})"),
        None => format!("{name} (build {build})"),
    }
}

/// The SMBIOS table, read once per process: the firmware's answer cannot change under a
/// running process, and the matching and the VM verdict both ask.
fn smbios() -> &'static Smbios {
    static TABLE: OnceLock<Smbios> = OnceLock::new();
    TABLE.get_or_init(|| {
        // SAFETY: a size query: no buffer.
        let size = unsafe { GetSystemFirmwareTable(RSMB, 0, std::ptr::null_mut(), 0) };
        if size == 0 || size > MAX_SMBIOS {
            return Smbios::default();
        }
        let mut buffer = vec![0u8; size as usize];
        // SAFETY: `buffer` holds `size` bytes, as the call is told.
        let read = unsafe { GetSystemFirmwareTable(RSMB, 0, buffer.as_mut_ptr(), size) };
        buffer.truncate(read.min(size) as usize);
        parse_raw_smbios_data(&buffer)
    })
}

/// The physical adapters' normalised MACs, named by the adapter's GUID (`AdapterName`),
/// which survives the user renaming the connection; at most 8, sorted.
fn physical_macs() -> Vec<(String, String)> {
    let flags =
        GAA_FLAG_SKIP_UNICAST | GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER;
    let mut size: u32 = 16 * 1024;
    // u64 elements: the list's structures need 8-byte alignment.
    let mut buffer: Vec<u64>;
    loop {
        buffer = vec![0u64; (size as usize).div_ceil(8)];
        // SAFETY: `buffer` holds at least `size` bytes, 8-byte aligned, as the call is told.
        let status = unsafe {
            GetAdaptersAddresses(
                u32::from(AF_UNSPEC),
                flags,
                std::ptr::null(),
                buffer.as_mut_ptr().cast(),
                &mut size,
            )
        };
        match status {
            ERROR_SUCCESS => break,
            ERROR_BUFFER_OVERFLOW if size <= MAX_ADAPTERS => continue,
            _ => return Vec::new(),
        }
    }
    let mut out = Vec::new();
    let mut next = buffer.as_ptr().cast::<IP_ADAPTER_ADDRESSES_LH>();
    // Bounded walk: a list longer than this is not real.
    for _ in 0..256 {
        if next.is_null() {
            break;
        }
        // SAFETY: `next` is the list's head or a `Next` link GetAdaptersAddresses wrote into
        // `buffer`, which is alive; its strings are NUL-terminated within the buffer.
        let adapter = unsafe { &*next };
        next = adapter.Next;
        let candidate = Adapter {
            if_type: adapter.IfType,
            tunnel: adapter.TunnelType != TUNNEL_TYPE_NONE,
            // SAFETY: as above.
            description: unsafe { wide_c_string(adapter.Description) },
            // SAFETY: as above.
            friendly_name: unsafe { wide_c_string(adapter.FriendlyName) },
        };
        let len = (adapter.PhysicalAddressLength as usize).min(adapter.PhysicalAddress.len());
        if !is_physical(&candidate) || len != 6 {
            continue;
        }
        // SAFETY: as above.
        let name = unsafe { c_string(adapter.AdapterName) };
        let name: String =
            name.chars().filter(|c| !matches!(c, '{' | '}')).collect::<String>().to_ascii_lowercase();
        if let Some(mac) = normalise_mac(&hex::encode(&adapter.PhysicalAddress[..len]))
            && !name.is_empty()
        {
            out.push((name, mac));
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.1 == b.1);
    out.truncate(8);
    out
}

/// The serial of the volume Windows is installed on, as 8 hex digits (what `vol C:` shows
/// without the dash); set at format time.
fn system_volume_serial() -> Option<String> {
    let mut dir = [0u16; 260];
    // SAFETY: `dir` holds 260 characters, as the call is told.
    let n = unsafe { GetSystemWindowsDirectoryW(dir.as_mut_ptr(), dir.len() as u32) } as usize;
    if n < 3 || n >= dir.len() {
        return None;
    }
    // `C:\Windows` → `C:\`.
    let drive = String::from_utf16_lossy(&dir[..3]);
    let drive = wide(&drive);
    let mut serial = 0u32;
    // SAFETY: `drive` is NUL-terminated; the other outputs are null (not wanted) or `serial`.
    let ok = unsafe {
        GetVolumeInformationW(
            drive.as_ptr(),
            std::ptr::null_mut(),
            0,
            &mut serial,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    };
    (ok != 0 && serial != 0).then(|| format!("{serial:08x}"))
}

/// A NUL-terminated UTF-16 string, at most 1024 characters.
///
/// # Safety
/// `p` is null or points to a NUL-terminated UTF-16 string.
unsafe fn wide_c_string(p: *const u16) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: the string is NUL-terminated (the caller's promise); reading stops at the NUL.
    let len = (0..1024).take_while(|&i| unsafe { *p.add(i) } != 0).count();
    // SAFETY: `len` characters were just read.
    String::from_utf16_lossy(unsafe { std::slice::from_raw_parts(p, len) })
}

/// A NUL-terminated byte string, at most 1024 bytes.
///
/// # Safety
/// `p` is null or points to a NUL-terminated byte string.
unsafe fn c_string(p: *const u8) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: the string is NUL-terminated (the caller's promise); reading stops at the NUL.
    let len = (0..1024).take_while(|&i| unsafe { *p.add(i) } != 0).count();
    // SAFETY: `len` bytes were just read.
    String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(p, len) }).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_anchor_is_the_machine_guid() {
        let guid = Key::open(HKEY_LOCAL_MACHINE, r"SOFTWARE\Microsoft\Cryptography")
            .and_then(|k| k.string("MachineGuid"))
            .expect("every Windows has a MachineGuid");
        assert_eq!(guid.len(), 36, "{guid}");
        assert_eq!(Windows::anchor(&SysRoot::host()), normalise_uuid(&guid));
        assert!(Windows::anchor(&SysRoot::host()).is_some());
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Windows::anchor(&SysRoot::at(dir.path())), None, "a simulated machine has no registry");
        assert!(Windows::matching(&SysRoot::at(dir.path())).is_empty());
    }

    #[test]
    fn matching_components_are_normalised_and_named() {
        let components = Windows::matching(&SysRoot::host());
        assert!(components.windows(2).all(|w| w[0].name < w[1].name), "{components:?}");
        for c in &components {
            let normal = match c.name.as_str() {
                "dmi-product-uuid" => normalise_uuid(&c.value),
                "dmi-product-serial" | "dmi-board-serial" | "dmi-chassis-serial" => {
                    normalise_serial(&c.value)
                }
                "system-volume-serial" => (c.value.len() == 8).then(|| c.value.clone()),
                mac if mac.starts_with("mac:") => normalise_mac(&c.value),
                other => panic!("unknown component {other}"),
            };
            assert_eq!(normal.as_ref(), Some(&c.value), "{}", c.name);
        }
        assert!(components.iter().any(|c| c.name == "system-volume-serial"), "{components:?}");
        assert_eq!(Windows::matching(&SysRoot::host()), components, "stable");
    }

    #[cfg(feature = "client")]
    #[test]
    fn the_real_version_and_the_language() {
        let version = Windows::os_version().expect("RtlGetVersion answers");
        assert_eq!(version.name, "Windows");
        let parts: Vec<u32> = version.version.split('.').map(|p| p.parse().unwrap()).collect();
        assert_eq!(parts.len(), 3, "{version:?}");
        assert!(
            version.long.starts_with("Windows ") && version.long.contains(&format!("(build {})", parts[2]))
        );
        let language = Windows::os_language();
        assert!(language.len() >= 2 && language.is_ascii(), "{language:?}");
        assert_eq!(long_name(10, 0, 22631, Some("23H2")), "Windows 11 23H2 (build 22631)");
        assert_eq!(long_name(10, 0, 19045, None), "Windows 10 (build 19045)");
        assert_eq!(long_name(6, 1, 7601, None), "Windows 7 (build 7601)");
        assert_eq!(long_name(5, 1, 2600, None), "Windows 5.1 (build 2600)");
    }
}
