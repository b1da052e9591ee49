//! The decisions of the macOS sources that are plain string logic: which network interfaces
//! count as the Mac's own, which `hw.model` names a virtual machine, how the user's preferred
//! language becomes a BCP 47 tag. Kept apart from the IOKit calls so they are tested on every
//! OS (`mod.rs` of `machine` compiles this file into the tests elsewhere too): the macOS
//! sources themselves only compile, never run, on the project's Linux machines.

use crate::machine::VmPlatform;
use crate::machine::virt::platform_from_vendor;

/// True for an interface that identifies this Mac: one IOKit marks as built in (`IOBuiltin`,
/// or `IOPrimaryInterface`, the property Apple's receipt-validation guidance falls back on),
/// with a BSD name `en<N>`. USB and Thunderbolt adapters (they come and go with the desk the
/// laptop sits on), bridges (`bridge0`), tunnels (`utun`, `gif`, `stf`, `ipsec`), Apple's
/// peer-to-peer and internal interfaces (`awdl`, `llw`, `anpi`, `ap`) and virtual machines'
/// interfaces (`vmenet`, `feth`) are not: they are either not built in or not named `en`.
pub(crate) fn is_physical_interface(bsd_name: &str, builtin: bool) -> bool {
    let digits = bsd_name.strip_prefix("en").unwrap_or_default();
    builtin && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The hypervisor a Mac's `hw.model` names: `VirtualMac2,1` for macOS guests of Apple's
/// Virtualization framework (UTM, Tart, ...), `VMware7,1`, `Parallels...`, `VirtualBox...`
/// through the DMI vendor table; real Macs (`MacBookPro18,3`, `Mac14,2`, `iMac20,1`) none.
pub(crate) fn platform_from_model(model: &str) -> Option<VmPlatform> {
    if model.starts_with("VirtualMac") {
        return Some(VmPlatform::AppleVirtualization);
    }
    platform_from_vendor(model)
}

/// The first of the user's preferred languages (`AppleLanguages`: `en-GB`, `zh-Hans-CN`,
/// or the older `en_GB`) as a BCP 47 tag with the usual casing: language lower case, script
/// title case, region upper case. Empty when the value is not a language tag.
#[cfg(feature = "client")]
pub(crate) fn language_tag(apple: &str) -> String {
    let mut subtags = apple.trim().split(['-', '_']);
    let language = subtags.next().unwrap_or_default();
    if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_alphabetic()) {
        return String::new();
    }
    let mut tag = language.to_ascii_lowercase();
    for subtag in subtags {
        if !(1..=8).contains(&subtag.len()) || !subtag.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return String::new();
        }
        tag.push('-');
        match subtag.len() {
            // A script: `Hans`, `Latn`.
            4 if subtag.bytes().all(|b| b.is_ascii_alphabetic()) => {
                tag.push_str(&subtag[..1].to_ascii_uppercase());
                tag.push_str(&subtag[1..].to_ascii_lowercase());
            }
            // A region: `GB`, or a UN M.49 code such as `419` (Latin America).
            2 | 3 => tag.push_str(&subtag.to_ascii_uppercase()),
            _ => tag.push_str(&subtag.to_ascii_lowercase()),
        }
    }
    tag
}

/// The long OS name: `macOS 15.1 (build 24B83)`. The build says more than a marketing name
/// that would need a table kept up to date.
#[cfg(feature = "client")]
pub(crate) fn long_version(version: &str, build: Option<&str>) -> String {
    match build {
        Some(build) if !build.is_empty() => format!("macOS {version} (build {build})"),
        _ => format!("macOS {version}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_built_in_en_interfaces_count() {
        for name in ["en0", "en1", "en12"] {
            assert!(is_physical_interface(name, true), "{name}");
            assert!(!is_physical_interface(name, false), "{name} not built in (a USB adapter)");
        }
        for name in [
            "bridge0", "utun0", "utun3", "awdl0", "llw0", "anpi0", "ap1", "lo0", "gif0", "stf0", "vmenet0",
            "feth0", "ipsec0", "en", "enx", "en0a", "eno1",
        ] {
            assert!(!is_physical_interface(name, true), "{name}");
        }
    }

    #[test]
    fn virtual_mac_models() {
        assert_eq!(platform_from_model("VirtualMac2,1"), Some(VmPlatform::AppleVirtualization));
        assert_eq!(platform_from_model("VMware7,1"), Some(VmPlatform::VMware));
        assert_eq!(platform_from_model("VMware20,1"), Some(VmPlatform::VMware));
        assert_eq!(platform_from_model("Parallels-ARM"), Some(VmPlatform::Parallels));
        assert_eq!(platform_from_model("Parallels16,1"), Some(VmPlatform::Parallels));
        assert_eq!(platform_from_model("VirtualBox1,1"), Some(VmPlatform::VirtualBox));
        for real in
            ["MacBookPro18,3", "MacBookAir10,1", "Mac14,2", "Mac15,13", "iMac20,1", "Macmini9,1", "MacPro7,1"]
        {
            assert_eq!(platform_from_model(real), None, "{real}");
        }
    }

    #[cfg(feature = "client")]
    #[test]
    fn language_tags() {
        for (apple, tag) in [
            ("en-GB", "en-GB"),
            ("en_GB", "en-GB"),
            ("de", "de"),
            ("zh-Hans-CN", "zh-Hans-CN"),
            ("ZH-hans-cn", "zh-Hans-CN"),
            ("es-419", "es-419"),
            ("sr-Latn", "sr-Latn"),
            (" fr-CA\n", "fr-CA"),
            ("", ""),
            ("e", ""),
            ("english", ""),
            ("en--GB", ""),
            ("en-GB!", ""),
            ("1n-GB", ""),
        ] {
            assert_eq!(language_tag(apple), tag, "{apple:?}");
        }
    }

    #[cfg(feature = "client")]
    #[test]
    fn long_versions() {
        assert_eq!(long_version("15.1", Some("24B83")), "macOS 15.1 (build 24B83)");
        assert_eq!(long_version("26.0", None), "macOS 26.0");
        assert_eq!(long_version("26.0", Some("")), "macOS 26.0");
    }
}
