//! The computer as the client reads it: the `installation-id` file's parser, the component
//! normalisers, and the readers themselves, over a simulated machine whose files are the
//! fuzz input (`SysRoot::at` a scratch directory): machine-id, DMI UUID, serials and vendor,
//! NICs, `/proc/self/mountinfo`, the root device's `uevent`, `/dev/disk/by-uuid`, container
//! markers and the installation ID. The input is fields separated by 0xFF bytes (never part
//! of a UTF-8 text) in the order of [`FIELDS`].
//!
//! Every normaliser's output is in its normal form and normalising it again changes nothing;
//! the installation ID parser accepts exactly 32 lower-case hex digits and whitespace around
//! them; the fingerprint is computed (or a damaged installation ID reported), is the same
//! when computed again, anchors on the machine ID exactly when one is usable outside a
//! container, and has 20-character IDs and one 32-hex digest per component, sorted by name.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use licensekit::Status;
use licensekit::machine::fuzzing::{
    components, normalise_mac, normalise_machine_id, normalise_serial, normalise_uuid, root_filesystem_uuid,
};
use licensekit::machine::{AnchorSource, Fingerprint, SysRoot, detect_virtualization, parse_installation_id};
use licensekit_fuzz::{PRODUCT, is_lower_hex};

/// The input's fields, in order.
const FIELDS: [&str; 13] = [
    "flags",
    "installation-id",
    "machine-id",
    "product_uuid",
    "product_serial",
    "board_serial",
    "chassis_serial",
    "sys_vendor",
    "net",
    "mountinfo",
    "uevent",
    "by-uuid",
    "cgroup",
];

/// One scratch directory per fuzzing process, emptied for every input. libFuzzer exits
/// without running destructors, so the directories of processes gone are removed here.
static SCRATCH: LazyLock<PathBuf> = LazyLock::new(|| {
    const PREFIX: &str = "licensekit-fuzz-machine-";
    let base =
        Path::new("/dev/shm").is_dir().then(|| PathBuf::from("/dev/shm")).unwrap_or_else(std::env::temp_dir);
    for entry in std::fs::read_dir(&base).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix(PREFIX)
            && !Path::new("/proc").join(pid).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    base.join(format!("{PREFIX}{}", std::process::id()))
});

fuzz_target!(|data: &[u8]| {
    let fields: Vec<&[u8]> = data.splitn(FIELDS.len(), |&b| b == 0xff).collect();
    let field =
        |name: &str| fields.get(FIELDS.iter().position(|f| *f == name).unwrap()).copied().unwrap_or_default();
    let text = |name: &str| String::from_utf8_lossy(field(name)).into_owned();
    let flags = field("flags").first().copied().unwrap_or(0);

    installation_id_parser(field("installation-id"));
    for name in ["machine-id", "product_uuid", "product_serial", "net", "mountinfo"] {
        normalisers(&text(name));
    }

    let dir = &*SCRATCH;
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let root = SysRoot::at(dir);
    let write = |absolute: &str, bytes: &[u8]| {
        let path = root.path(absolute);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    if flags & 1 != 0 {
        write("/var/lib/licensekit/installation-id", field("installation-id"));
    }
    write("/etc/machine-id", field("machine-id"));
    for file in ["product_uuid", "product_serial", "board_serial", "chassis_serial", "sys_vendor"] {
        write(&format!("/sys/class/dmi/id/{file}"), field(file));
    }
    // NICs: lines of "<interface> <address>"; a `device` link unless the line starts with '-'.
    std::fs::create_dir_all(root.path("/sys/class/net")).unwrap();
    for line in text("net").lines().take(12) {
        let (virtual_nic, line) = match line.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        let (interface, address) = line.split_once(' ').unwrap_or((line, ""));
        if !safe_name(interface) {
            continue;
        }
        write(&format!("/sys/class/net/{interface}/address"), address.as_bytes());
        if !virtual_nic {
            std::fs::create_dir_all(root.path(&format!("/sys/class/net/{interface}/device"))).unwrap();
        }
    }
    let mountinfo = field("mountinfo");
    write("/proc/self/mountinfo", mountinfo);
    // The uevent of every device the mount table names.
    for line in String::from_utf8_lossy(mountinfo).lines().take(8) {
        if let Some(device) = line.split(' ').nth(2).filter(|d| safe_name(d)) {
            write(&format!("/sys/dev/block/{device}/uevent"), field("uevent"));
        }
    }
    // by-uuid: lines of "<uuid> <device name>", each a link to ../../<device name>.
    std::fs::create_dir_all(root.path("/dev/disk/by-uuid")).unwrap();
    for line in text("by-uuid").lines().take(8) {
        if let Some((uuid, device)) = line.split_once(' ')
            && safe_name(uuid)
            && safe_name(device)
        {
            let _ = std::os::unix::fs::symlink(
                format!("../../{device}"),
                root.path(&format!("/dev/disk/by-uuid/{uuid}")),
            );
        }
    }
    write("/proc/1/cgroup", field("cgroup"));
    if flags & 2 != 0 {
        write("/.dockerenv", b"");
    }

    readers(&root, flags & 1 != 0);
});

/// A file name the target may create: no separators, no `.` or `..`, short.
fn safe_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name != "."
        && name != ".."
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'))
}

fn installation_id_parser(bytes: &[u8]) {
    let parsed = parse_installation_id(bytes);
    let expected = std::str::from_utf8(bytes).ok().map(str::trim).filter(|t| is_lower_hex(t, 32));
    assert_eq!(parsed.as_deref(), expected);
    if let Some(id) = &parsed {
        assert_eq!(parse_installation_id(id.as_bytes()).as_ref(), Some(id));
        assert_eq!(parse_installation_id(format!(" {id}\r\n").as_bytes()).as_ref(), Some(id));
    }
}

/// Each normaliser on `raw` and on every line of it: normal forms, and idempotent.
fn normalisers(raw: &str) {
    for raw in std::iter::once(raw).chain(raw.lines().take(4)) {
        if let Some(id) = normalise_machine_id(raw) {
            assert!(is_lower_hex(&id, 32) && id.bytes().any(|b| b != b'0'), "{id:?}");
            assert_eq!(normalise_machine_id(&id).as_ref(), Some(&id));
        }
        if let Some(uuid) = normalise_uuid(raw) {
            assert!(is_lower_hex(&uuid, 32), "{uuid:?}");
            assert_eq!(normalise_uuid(&uuid).as_ref(), Some(&uuid));
        }
        if let Some(serial) = normalise_serial(raw) {
            assert!(!serial.is_empty() && serial.len() <= 128, "{serial:?}");
            assert_eq!(serial, serial.to_ascii_uppercase());
            assert!(!serial.contains("  ") && serial.trim() == serial);
            assert_eq!(normalise_serial(&serial).as_ref(), Some(&serial));
        }
        if let Some(mac) = normalise_mac(raw) {
            assert!(is_lower_hex(&mac, 12), "{mac:?}");
            let first = u8::from_str_radix(&mac[..2], 16).unwrap();
            assert_eq!(first & 0b11, 0, "multicast or locally administered: {mac}");
            assert_eq!(normalise_mac(&mac).as_ref(), Some(&mac));
        }
    }
}

fn readers(root: &SysRoot, installation_id_written: bool) {
    let (anchor, matching) = components(root);
    if let Some(id) = &anchor {
        assert_eq!(normalise_machine_id(id).as_ref(), Some(id));
    }
    assert!(matching.windows(2).all(|w| w[0].0 <= w[1].0), "sorted by name");
    let mut macs = 0;
    for (name, value) in &matching {
        let normal = match name.as_str() {
            "dmi-product-uuid" => normalise_uuid(value),
            "dmi-product-serial" | "dmi-board-serial" | "dmi-chassis-serial" => normalise_serial(value),
            "rootfs-uuid" => {
                assert_eq!(root_filesystem_uuid(root).as_ref(), Some(value));
                Some(value.clone())
            }
            mac if mac.starts_with("mac:") => {
                macs += 1;
                normalise_mac(value)
            }
            other => panic!("unknown component {other}"),
        };
        assert_eq!(normal.as_ref(), Some(value), "{name} is not normalised");
    }
    assert!(macs <= 8);

    let virtualization = detect_virtualization(root);
    let fingerprint = match Fingerprint::compute(PRODUCT, root, &virtualization) {
        Ok(fingerprint) => fingerprint,
        Err(status) => {
            // Only a damaged installation ID, which is reported and left alone.
            assert_eq!(status, Status::StoreCorrupt);
            assert!(installation_id_written);
            return;
        }
    };
    let machine_id = anchor.is_some() && !virtualization.platform.is_container();
    let expected_anchor = if machine_id { AnchorSource::MachineId } else { AnchorSource::InstallationId };
    assert_eq!(fingerprint.anchor, expected_anchor);
    assert_eq!(fingerprint.computer_id.len(), 20);
    assert!(fingerprint.computer_id.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(fingerprint.components.len(), matching.len() + 1);
    assert!(fingerprint.components.windows(2).all(|w| w[0].name <= w[1].name));
    assert!(fingerprint.components.iter().all(|c| is_lower_hex(&c.digest, 32)));
    let anchor_name = if machine_id { "machine-id" } else { "installation-id" };
    assert!(fingerprint.components.iter().any(|c| c.name == anchor_name));
    // Stable: the same machine gives the same fingerprint (the installation ID is kept).
    assert_eq!(Fingerprint::compute(PRODUCT, root, &virtualization).as_ref(), Ok(&fingerprint));
}
