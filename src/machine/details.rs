//! System details as the seed's `SystemDetails` reports them: OS, bitness, processor, cores,
//! memory, computer name, OS language and VM platform.
//!
//! Gathered with targeted reads (each OS's in its module of `machine`: a few system calls and
//! small files; CPUID for the processor on x86-64) so it costs microseconds: never a process
//! listing.

use serde::Serialize;

use super::sources::{OsVersion, Sources};
use super::{Host, SysRoot, detect_virtualization};

/// What the seed calls system details. Screen resolution and application language belong to
/// the application and are not guessed here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SystemDetails {
    /// OS name, version and bitness in one line, e.g. `Debian GNU/Linux 12 (bookworm), 64-bit`.
    #[serde(rename = "operatingsystem")]
    pub operating_system: String,
    /// OS name, e.g. `Debian GNU/Linux`.
    #[serde(rename = "osname")]
    pub os_name: String,
    /// OS version, e.g. `12`.
    #[serde(rename = "osversion")]
    pub os_version: String,
    /// 64 or 32.
    #[serde(rename = "bitage")]
    pub bitness: u32,
    /// `Vendor:Brand`, e.g. `GenuineIntel:Intel(R) Core(TM) i7-4500U CPU @ 1.80GHz`.
    pub processor: String,
    /// Physical cores where known, else logical processors.
    pub cores: u32,
    /// Installed memory in MiB.
    #[serde(rename = "memory")]
    pub memory_mib: u64,
    /// The computer's host name.
    #[serde(rename = "computername")]
    pub computer_name: String,
    /// The OS language as a BCP 47 tag, e.g. `en-GB`; empty when the OS does not say.
    #[serde(rename = "oslanguage")]
    pub os_language: String,
    /// The seed's `vmPlatform`.
    #[serde(rename = "vmplatform")]
    pub vm_platform: String,
}

impl SystemDetails {
    /// Gathers the details of this machine.
    pub fn gather() -> SystemDetails {
        let hardware = Host::hardware();
        let OsVersion { name: os_name, version: os_version, long } =
            Host::os_version().unwrap_or_else(|| {
                let name = std::env::consts::OS.to_owned();
                OsVersion { long: name.clone(), name, version: String::new() }
            });
        let cores = hardware
            .physical_cores
            .or_else(|| std::thread::available_parallelism().ok().and_then(|n| u32::try_from(n.get()).ok()))
            .unwrap_or(0);
        let bitness = hardware.bitness;
        SystemDetails {
            operating_system: format!("{}, {bitness}-bit", long.trim()),
            os_name,
            os_version,
            bitness,
            processor: processor().or(hardware.processor).unwrap_or_default(),
            cores,
            memory_mib: hardware.memory_mib,
            computer_name: hardware.computer_name,
            os_language: Host::os_language(),
            vm_platform: detect_virtualization(&SysRoot::host()).platform.as_str().to_owned(),
        }
    }

    /// The details as compact JSON with the seed's field names.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// `Vendor:Brand` from CPUID on x86-64: no file to read, no per-CPU enumeration.
#[cfg(target_arch = "x86_64")]
fn processor() -> Option<String> {
    use std::arch::x86_64::__cpuid;
    let regs_to_string = |regs: &[u32]| {
        let bytes: Vec<u8> = regs.iter().flat_map(|r| r.to_le_bytes()).collect();
        String::from_utf8_lossy(&bytes).trim_matches(|c: char| c == '\0' || c == ' ').to_owned()
    };
    let leaf0 = __cpuid(0);
    let vendor = regs_to_string(&[leaf0.ebx, leaf0.edx, leaf0.ecx]);
    let brand = if __cpuid(0x8000_0000).eax >= 0x8000_0004 {
        let regs: Vec<u32> = (0x8000_0002..=0x8000_0004u32)
            .flat_map(|leaf| {
                let r = __cpuid(leaf);
                [r.eax, r.ebx, r.ecx, r.edx]
            })
            .collect();
        regs_to_string(&regs)
    } else {
        String::new()
    };
    Some(format!("{vendor}:{brand}"))
}

/// Other processors are described by the OS ([`super::sources::Hardware::processor`]).
#[cfg(not(target_arch = "x86_64"))]
fn processor() -> Option<String> {
    None
}

/// The POSIX locale (`LC_ALL`, then `LC_MESSAGES`, then `LANG`) as a BCP 47 tag:
/// `en_GB.UTF-8` → `en-GB`. `C` and `POSIX` say nothing about the user's language. Windows
/// asks `GetUserDefaultLocaleName` instead (the rule is still unit-tested there); macOS asks
/// CoreFoundation for the user's preferred languages (apps started from the Finder have no
/// `LANG`).
#[cfg(not(target_os = "macos"))]
#[cfg_attr(windows, allow(dead_code))]
pub(super) fn posix_language(var: impl Fn(&str) -> Option<String>) -> String {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].into_iter().find_map(|k| var(k).filter(|v| !v.is_empty()));
    let Some(locale) = locale else { return String::new() };
    let base = locale.split(['.', '@']).next().unwrap_or_default();
    if base == "C" || base == "POSIX" || base.is_empty() {
        return String::new();
    }
    let mut parts = base.split('_');
    let language = parts.next().unwrap_or_default().to_ascii_lowercase();
    let valid = |s: &str| (2..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric());
    match parts.next() {
        _ if !valid(&language) => String::new(),
        Some(region) if valid(region) => format!("{language}-{}", region.to_ascii_uppercase()),
        _ => language,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(not(target_os = "macos"))]
    #[test]
    fn languages() {
        let lang = |pairs: &'static [(&'static str, &'static str)]| {
            posix_language(|k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string()))
        };
        assert_eq!(lang(&[("LANG", "en_GB.UTF-8")]), "en-GB");
        assert_eq!(lang(&[("LANG", "de_DE@euro")]), "de-DE");
        assert_eq!(lang(&[("LANG", "fr")]), "fr");
        assert_eq!(lang(&[("LANG", "en_US.UTF-8"), ("LC_ALL", "pt_BR.UTF-8")]), "pt-BR");
        assert_eq!(lang(&[("LANG", "C.UTF-8")]), "");
        assert_eq!(lang(&[("LC_ALL", ""), ("LANG", "POSIX")]), "");
        assert_eq!(lang(&[]), "");
        assert_eq!(lang(&[("LANG", "x_\u{0}")]), "");
    }

    #[test]
    fn gathers_plausible_values() {
        let d = SystemDetails::gather();
        assert!(d.bitness == 64 || d.bitness == 32);
        assert!(d.cores >= 1 && d.memory_mib > 0, "{d:?}");
        assert!(!d.os_name.is_empty() && d.operating_system.ends_with("-bit"));
        assert!(d.processor.contains(':'));
        let json: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
        for key in [
            "operatingsystem",
            "bitage",
            "processor",
            "cores",
            "memory",
            "oslanguage",
            "computername",
            "vmplatform",
        ] {
            assert!(json.get(key).is_some(), "{key} missing from {json}");
        }
    }
}
