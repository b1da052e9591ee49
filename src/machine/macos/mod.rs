//! macOS: the I/O Registry (IOKit), `sysctl` and the root volume's attributes, all read
//! through calls any user may make, in or out of the App Sandbox; no subprocess (`ioreg`,
//! `system_profiler`) and no process enumeration.
//!
//! - **anchor**: `IOPlatformUUID` of `IOPlatformExpertDevice`, the hardware UUID that System
//!   Information shows, the same for root and every user;
//! - **matching**: `IOPlatformSerialNumber`, the MACs of the Mac's built-in network
//!   interfaces (see [`rules::is_physical_interface`]), read from their controllers'
//!   `IOMACAddress` (a randomised, locally administered address is refused like on Linux),
//!   the root volume's UUID;
//! - **VM evidence**: `kern.hv_vmm_present` (set in every guest since macOS 11) and
//!   `hw.model` (`VMware7,1`, `VirtualMac2,1`, ...). macOS has no containers.
//!
//! A simulated machine ([`SysRoot::at`]) has none of these sources: it anchors on its
//! installation ID (see `sources.rs`).

mod rules;

use std::ffi::CStr;

use objc2_core_foundation::{CFBoolean, CFData, CFDictionary, CFRetained, CFString, CFType};
use objc2_io_kit::{
    IOIteratorNext, IOObjectRelease, IORegistryEntryCreateCFProperty, IORegistryEntryGetParentEntry,
    IOServiceGetMatchingService, IOServiceGetMatchingServices, IOServiceMatching, io_object_t,
    kIOServicePlane,
};

use super::normalise::{normalise_mac, normalise_serial, normalise_uuid};
use super::sources::{Component, Sources};
#[cfg(feature = "client")]
use super::sources::{Hardware, OsVersion};
use super::{SysRoot, VmPlatform};

pub(crate) struct MacOs;

impl Sources for MacOs {
    fn anchor(root: &SysRoot) -> Option<String> {
        let expert = root.is_host().then(platform_expert)??;
        normalise_uuid(&string_property(&expert, "IOPlatformUUID")?)
    }

    fn matching(root: &SysRoot) -> Vec<Component> {
        if !root.is_host() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let serial = platform_expert().and_then(|e| string_property(&e, "IOPlatformSerialNumber"));
        if let Some(serial) = serial.as_deref().and_then(normalise_serial) {
            out.push(Component { name: "platform-serial".into(), value: serial });
        }
        for (interface, mac) in built_in_macs() {
            out.push(Component { name: format!("mac:{interface}"), value: mac });
        }
        if let Some(uuid) = root_volume_uuid() {
            out.push(Component { name: "root-volume-uuid".into(), value: uuid });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    fn container(_: &SysRoot, _: &mut Vec<String>) -> Option<VmPlatform> {
        None
    }

    fn hypervisor(root: &SysRoot, evidence: &mut Vec<String>) -> Option<VmPlatform> {
        if !root.is_host() {
            return None;
        }
        let mut found = None;
        if let Some(model) = sysctl_string(c"hw.model")
            && let Some(platform) = rules::platform_from_model(&model)
        {
            evidence.push(format!("sysctl hw.model is {model:?}"));
            found = Some(platform);
        }
        if sysctl_int(c"kern.hv_vmm_present") == Some(1) {
            evidence.push("sysctl kern.hv_vmm_present is 1".to_owned());
            found = found.or(Some(VmPlatform::OtherVm));
        }
        found
    }

    #[cfg(feature = "client")]
    fn os_language() -> String {
        use objc2_core_foundation::{CFArray, CFLocale};
        let Some(languages) = CFLocale::preferred_languages() else { return String::new() };
        // SAFETY: every element of a CFArray is a CF object, so viewing them as CFType is
        // sound; the element is checked to be a CFString before it is read as one.
        let languages: &CFArray<CFType> = unsafe { languages.cast_unchecked() };
        let first = languages.get(0).and_then(|l| l.downcast::<CFString>().ok());
        first.map(|l| rules::language_tag(&l.to_string())).unwrap_or_default()
    }

    /// The product version and build from `sysctl` (not `Darwin` and the kernel's version).
    #[cfg(feature = "client")]
    fn os_version() -> Option<OsVersion> {
        let version = sysctl_string(c"kern.osproductversion")?;
        let long = rules::long_version(&version, sysctl_string(c"kern.osversion").as_deref());
        Some(OsVersion { name: "macOS".to_owned(), version, long })
    }

    /// `sysctl` for the memory, the physical cores and the processor's name (on Apple
    /// silicon, where CPUID does not exist), `gethostname` for the name. Every macOS that
    /// runs the library is 64-bit.
    #[cfg(feature = "client")]
    fn hardware() -> Hardware {
        let mut memory: u64 = 0;
        let mut len = std::mem::size_of::<u64>();
        // SAFETY: the name is NUL-terminated; `memory` is writable for `len` bytes; no new
        // value is set.
        let rc = unsafe {
            libc::sysctlbyname(
                c"hw.memsize".as_ptr(),
                (&raw mut memory).cast(),
                &mut len,
                std::ptr::null_mut(),
                0,
            )
        };
        let memory_mib =
            if rc == 0 && len == std::mem::size_of::<u64>() { memory / (1024 * 1024) } else { 0 };
        let mut name = [0u8; 256];
        // SAFETY: `name` is writable for its length, as the call is told.
        let named = unsafe { libc::gethostname(name.as_mut_ptr().cast(), name.len()) } == 0;
        let computer_name = if named {
            String::from_utf8_lossy(name.split(|&b| b == 0).next().unwrap_or_default()).into_owned()
        } else {
            String::new()
        };
        Hardware {
            bitness: 64,
            physical_cores: sysctl_int(c"hw.physicalcpu")
                .and_then(|n| u32::try_from(n).ok())
                .filter(|&n| n > 0),
            memory_mib,
            computer_name,
            processor: sysctl_string(c"machdep.cpu.brand_string").map(|brand| format!("Apple:{brand}")),
        }
    }
}

/// `kIOMainPortDefault`: IOKitLib.h calls it "a synonym for NULL" for the functions that take
/// a main port. Its symbol only exists from macOS 12 on, and the older `kIOMasterPortDefault`
/// is deprecated, so the value is given here.
const DEFAULT_PORT: u32 = 0;

/// An I/O Registry object, released when dropped.
struct IoObject(io_object_t);

impl IoObject {
    fn new(object: io_object_t) -> Option<IoObject> {
        (object != 0).then_some(IoObject(object))
    }
}

impl Drop for IoObject {
    fn drop(&mut self) {
        IOObjectRelease(self.0);
    }
}

/// The matching dictionary for IOKit class `class`.
fn class_matching(class: &CStr) -> Option<CFRetained<CFDictionary>> {
    // SAFETY: `class` is NUL-terminated and outlives the call.
    let matching = unsafe { IOServiceMatching(class.as_ptr()) }?;
    Some(CFRetained::from(&*matching))
}

/// The `IOPlatformExpertDevice`: the registry entry of the Mac's platform itself.
fn platform_expert() -> Option<IoObject> {
    let matching = class_matching(c"IOPlatformExpertDevice")?;
    // SAFETY: the port is the default one; the call consumes the dictionary's reference,
    // which the binding hands over.
    IoObject::new(unsafe { IOServiceGetMatchingService(DEFAULT_PORT, Some(matching)) })
}

/// The entry's parent in the service plane (an interface's controller).
fn parent(entry: &IoObject) -> Option<IoObject> {
    let mut parent: io_object_t = 0;
    // SAFETY: `entry` is a live registry object; the plane is a NUL-terminated name that the
    // call only reads (`const io_name_t` in IOKitLib.h); `parent` is a valid out pointer.
    let rc = unsafe {
        IORegistryEntryGetParentEntry(entry.0, kIOServicePlane.as_ptr().cast_mut().cast(), &mut parent)
    };
    if rc != 0 {
        return None;
    }
    IoObject::new(parent)
}

fn property(entry: &IoObject, key: &'static str) -> Option<CFRetained<CFType>> {
    let key = CFString::from_static_str(key);
    // SAFETY: `entry` is a live registry object and `key` a CFString; no allocator means
    // the default one (`kCFAllocatorDefault` is NULL) and no options are defined.
    unsafe { IORegistryEntryCreateCFProperty(entry.0, Some(&key), None, 0) }
}

fn string_property(entry: &IoObject, key: &'static str) -> Option<String> {
    Some(property(entry, key)?.downcast::<CFString>().ok()?.to_string())
}

fn true_property(entry: &IoObject, key: &'static str) -> bool {
    property(entry, key).and_then(|v| v.downcast::<CFBoolean>().ok()).is_some_and(|b| b.value())
}

/// The built-in network interfaces (BSD name, normalised MAC), sorted, at most 8.
fn built_in_macs() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(matching) = class_matching(c"IOEthernetInterface") else { return out };
    let mut iterator: io_object_t = 0;
    // SAFETY: the port is the default one; the call consumes the dictionary's reference and
    // writes the iterator, released below, through a valid pointer.
    if unsafe { IOServiceGetMatchingServices(DEFAULT_PORT, Some(matching), &mut iterator) } != 0 {
        return out;
    }
    let Some(iterator) = IoObject::new(iterator) else { return out };
    // Wi-Fi drivers publish their peer-to-peer interfaces as Ethernet interfaces too: a Mac
    // has a dozen at most, the bound only guards against a registry that never ends.
    for interface in std::iter::from_fn(|| IoObject::new(IOIteratorNext(iterator.0))).take(64) {
        let Some(name) = string_property(&interface, "BSD Name") else { continue };
        let built_in =
            true_property(&interface, "IOBuiltin") || true_property(&interface, "IOPrimaryInterface");
        if !rules::is_physical_interface(&name, built_in) {
            continue;
        }
        let address = parent(&interface)
            .and_then(|controller| property(&controller, "IOMACAddress"))
            .and_then(|v| v.downcast::<CFData>().ok());
        if let Some(mac) = address.and_then(|a| normalise_mac(&hex::encode(a.to_vec()))) {
            out.push((name, mac));
        }
    }
    out.sort();
    out.truncate(8);
    out
}

/// The UUID of the volume mounted at `/` (`getattrlist`'s `ATTR_VOL_UUID`: what `diskutil
/// info /` calls the Volume UUID).
fn root_volume_uuid() -> Option<String> {
    /// The reply: its length, then the one attribute asked for.
    #[repr(C)]
    struct Reply {
        length: u32,
        uuid: [u8; 16],
    }
    let mut request = libc::attrlist {
        bitmapcount: libc::ATTR_BIT_MAP_COUNT,
        reserved: 0,
        commonattr: 0,
        volattr: libc::ATTR_VOL_INFO | libc::ATTR_VOL_UUID,
        dirattr: 0,
        fileattr: 0,
        forkattr: 0,
    };
    let mut reply = Reply { length: 0, uuid: [0; 16] };
    // SAFETY: the path is NUL-terminated, `request` a valid attribute list, and `reply` a
    // writable buffer of the size passed.
    let rc = unsafe {
        libc::getattrlist(
            c"/".as_ptr(),
            (&raw mut request).cast(),
            (&raw mut reply).cast(),
            std::mem::size_of::<Reply>(),
            0,
        )
    };
    if rc != 0 || (reply.length as usize) < std::mem::size_of::<Reply>() {
        return None;
    }
    normalise_uuid(&hex::encode(reply.uuid))
}

/// A string `sysctl` value, e.g. `hw.model`.
fn sysctl_string(name: &CStr) -> Option<String> {
    let mut buf = [0u8; 256];
    let mut len = buf.len();
    // SAFETY: `name` is NUL-terminated; `buf` is writable for `len` bytes and the call
    // writes back how many it used; no new value is set.
    let rc = unsafe {
        libc::sysctlbyname(name.as_ptr(), buf.as_mut_ptr().cast(), &mut len, std::ptr::null_mut(), 0)
    };
    if rc != 0 {
        return None;
    }
    let value = buf[..len.min(buf.len())].split(|b| *b == 0).next()?;
    let value = std::str::from_utf8(value).ok()?.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// An integer `sysctl` value, e.g. `kern.hv_vmm_present`.
fn sysctl_int(name: &CStr) -> Option<i32> {
    let mut value: i32 = 0;
    let mut len = std::mem::size_of::<i32>();
    // SAFETY: `name` is NUL-terminated; `value` is writable for `len` bytes; no new value
    // is set.
    let rc = unsafe {
        libc::sysctlbyname(name.as_ptr(), (&raw mut value).cast(), &mut len, std::ptr::null_mut(), 0)
    };
    (rc == 0 && len == std::mem::size_of::<i32>()).then_some(value)
}
