//! Reading identity components and normalising them.
//!
//! Normalisation is frozen by test vectors: a change here changes every customer's computer
//! ID, so it must come with a new ID version, never silently.
//!
//! - **anchor**: `/etc/machine-id` (falling back to `/var/lib/dbus/machine-id`), readable by
//!   every user, so root and a normal user get the same ID;
//! - **matching**: DMI product UUID and serials (root-only on Linux: unreadable ones count
//!   neither way), MACs of physical NICs, the root filesystem UUID.
//!
//! No subprocess is started and no process is enumerated.

use super::SysRoot;

/// A normalised identity component. The value is raw and stays inside the `machine` module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Component {
    pub name: String,
    pub value: String,
}

/// Reads the anchor (machine-id), normalised, or `None` if missing, empty or a placeholder.
pub(crate) fn read_anchor(root: &SysRoot) -> Option<String> {
    ["/etc/machine-id", "/var/lib/dbus/machine-id"]
        .into_iter()
        .find_map(|p| root.read(p).and_then(|v| normalise_machine_id(&v)))
}

/// Reads the matching components, sorted by name.
pub(crate) fn read_matching(root: &SysRoot) -> Vec<Component> {
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

/// 32 lower-case hex digits, not all zero (systemd writes "uninitialized" or zeros early on).
pub(crate) fn normalise_machine_id(raw: &str) -> Option<String> {
    let v = raw.trim().to_ascii_lowercase();
    (v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) && v.bytes().any(|b| b != b'0')).then_some(v)
}

/// Lower-case hex without dashes; placeholders (all zeros, all `f`) refused.
pub(crate) fn normalise_uuid(raw: &str) -> Option<String> {
    let v: String = raw.trim().chars().filter(|c| *c != '-').collect::<String>().to_ascii_lowercase();
    let valid = v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit());
    let placeholder = v.bytes().all(|b| b == b'0') || v.bytes().all(|b| b == b'f');
    (valid && !placeholder).then_some(v)
}

/// Upper case, inner whitespace collapsed; vendor placeholders refused.
pub(crate) fn normalise_serial(raw: &str) -> Option<String> {
    const PLACEHOLDERS: &[&str] = &[
        "DEFAULT STRING",
        "TO BE FILLED BY O.E.M.",
        "NOT SPECIFIED",
        "NOT APPLICABLE",
        "NONE",
        "N/A",
        "SYSTEM SERIAL NUMBER",
        "CHASSIS SERIAL NUMBER",
        "BASE BOARD SERIAL NUMBER",
        "0123456789",
        "INVALID",
    ];
    let v = raw.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_uppercase();
    let filler = v.bytes().all(|b| matches!(b, b'0' | b' ' | b'.' | b'-' | b'X' | b'F'));
    (!v.is_empty() && !filler && !PLACEHOLDERS.contains(&v.as_str()) && v.len() <= 128).then_some(v)
}

/// 12 lower-case hex digits; zero, broadcast, multicast and locally administered (random,
/// virtual) addresses refused.
pub(crate) fn normalise_mac(raw: &str) -> Option<String> {
    let v: String =
        raw.trim().chars().filter(|c| !matches!(c, ':' | '-' | '.')).collect::<String>().to_ascii_lowercase();
    if v.len() != 12 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let first = u8::from_str_radix(&v[..2], 16).ok()?;
    let special = v == "000000000000" || v == "ffffffffffff" || first & 0b11 != 0;
    (!special).then_some(v)
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

    /// Frozen normalisation rules. Changing any expected value is a new computer-ID version.
    #[test]
    fn normalisation_vectors() {
        assert_eq!(
            normalise_machine_id(" 3D1219C7C4C5404AAA1F6D2A48ADFDA4\n").as_deref(),
            Some("3d1219c7c4c5404aaa1f6d2a48adfda4")
        );
        assert_eq!(normalise_machine_id("uninitialized"), None);
        assert_eq!(normalise_machine_id("00000000000000000000000000000000"), None);
        assert_eq!(normalise_machine_id(""), None);
        assert_eq!(
            normalise_uuid("4C4C4544-0042-3510-8052-B4C04F384A32").as_deref(),
            Some("4c4c454400423510 8052b4c04f384a32".replace(' ', "").as_str())
        );
        assert_eq!(normalise_uuid("00000000-0000-0000-0000-000000000000"), None);
        assert_eq!(normalise_uuid("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"), None);
        assert_eq!(normalise_serial("  cn1234  56 ").as_deref(), Some("CN1234 56"));
        assert_eq!(normalise_serial("To be filled by O.E.M."), None);
        assert_eq!(normalise_serial("Default string"), None);
        assert_eq!(normalise_serial("0000000"), None);
        assert_eq!(normalise_mac("00:1A:2B:3C:4D:5E").as_deref(), Some("001a2b3c4d5e"));
        assert_eq!(normalise_mac("02:42:ac:11:00:02"), None, "locally administered (docker)");
        assert_eq!(normalise_mac("01:00:5e:00:00:01"), None, "multicast");
        assert_eq!(normalise_mac("00:00:00:00:00:00"), None);
        assert_eq!(normalise_mac("001a2b3c4d"), None);
    }
}
