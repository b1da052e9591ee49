//! The computer ID on this machine and on simulated machines laid out in temporary
//! directories (so every component rule runs without the hardware).

use std::path::Path;
use std::process::Command;

use licensekit::Status;
use licensekit::machine::{AnchorSource, Fingerprint, SysRoot, detect_virtualization};

const PRODUCT: &str = "6872450105";

fn fingerprint(root: &SysRoot, product: &str) -> Fingerprint {
    let virtualization = detect_virtualization(root);
    Fingerprint::compute(product, root, &virtualization).unwrap()
}

fn write(root: &Path, path: &str, content: &str) {
    let p = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, content).unwrap();
}

/// A physical machine with a machine-id, DMI data, two NICs and nothing virtual, laid out as
/// Linux keeps them in files (on Windows and macOS a simulated machine has no OS sources).
#[cfg(target_os = "linux")]
fn simulated_machine(dir: &Path) {
    write(dir, "/etc/machine-id", "3d1219c7c4c5404aaa1f6d2a48adfda4\n");
    write(dir, "/sys/class/dmi/id/sys_vendor", "Dell Inc.\n");
    write(dir, "/sys/class/dmi/id/product_uuid", "4C4C4544-0042-3510-8052-B4C04F384A32\n");
    write(dir, "/sys/class/dmi/id/product_serial", "CN12345\n");
    write(dir, "/sys/class/dmi/id/board_serial", "/BS1234/\n");
    for (nic, mac) in [("enp3s0", "00:1a:2b:3c:4d:5e"), ("wlp2s0", "00:1a:2b:3c:4d:5f")] {
        write(dir, &format!("/sys/class/net/{nic}/address"), &format!("{mac}\n"));
        std::fs::create_dir_all(dir.join(format!("sys/class/net/{nic}/device"))).unwrap();
    }
    // A virtual interface (no device link) never counts.
    write(dir, "/sys/class/net/docker0/address", "00:11:22:33:44:55\n");
}

#[test]
fn stable_across_1000_calls_on_this_machine() {
    let first = fingerprint(&SysRoot::host(), PRODUCT);
    assert_eq!(first.computer_id.len(), 20);
    for _ in 0..1000 {
        assert_eq!(fingerprint(&SysRoot::host(), PRODUCT), first);
    }
}

#[test]
fn stable_across_20_fresh_processes() {
    if std::env::var_os("LK_ID_CHILD").is_some() {
        print!("ID={}", fingerprint(&SysRoot::host(), PRODUCT).computer_id);
        return;
    }
    let expected = fingerprint(&SysRoot::host(), PRODUCT).computer_id;
    for _ in 0..20 {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "stable_across_20_fresh_processes", "--nocapture", "--test-threads=1"])
            .env("LK_ID_CHILD", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let id = stdout.split("ID=").nth(1).map(|s| &s[..20]);
        assert_eq!(id, Some(expected.as_str()), "child said: {stdout}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn another_product_gets_an_unrelated_id_and_digests() {
    let dir = tempfile::tempdir().unwrap();
    simulated_machine(dir.path());
    let root = SysRoot::at(dir.path());
    let a = fingerprint(&root, "6872450105");
    let b = fingerprint(&root, "6872450106");
    assert_ne!(a.computer_id, b.computer_id);
    for (x, y) in a.components.iter().zip(&b.components) {
        assert_eq!(x.name, y.name);
        assert_ne!(x.digest, y.digest, "{} is correlatable across products", x.name);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn simulated_machine_components_and_tolerance() {
    let dir = tempfile::tempdir().unwrap();
    simulated_machine(dir.path());
    let root = SysRoot::at(dir.path());
    let before = fingerprint(&root, PRODUCT);
    assert_eq!(before.anchor, AnchorSource::MachineId);
    let names: Vec<&str> = before.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "dmi-board-serial",
            "dmi-product-serial",
            "dmi-product-uuid",
            "mac:enp3s0",
            "mac:wlp2s0",
            "machine-id"
        ]
    );
    // The raw values never appear in what leaves the process.
    let serialised = serde_json::to_string(&before).unwrap();
    for raw in ["3d1219c7", "CN12345", "001a2b3c4d5e", "4c4c4544"] {
        assert!(!serialised.contains(raw), "{raw} leaked");
    }

    // A minority changes (new NIC, board swapped): still the same machine, and we say what.
    write(dir.path(), "/sys/class/net/enp3s0/address", "00:1a:2b:00:00:01\n");
    write(dir.path(), "/sys/class/dmi/id/board_serial", "/BS9999/\n");
    let after = fingerprint(&root, PRODUCT);
    use licensekit::machine::match_components;
    let report = match_components(&before.components, &after.components);
    assert!(report.matched, "{report:?}");
    assert_eq!(report.changed, ["dmi-board-serial", "mac:enp3s0"]);
    assert_eq!(after.computer_id, before.computer_id, "the anchor did not change");

    // A majority changes (another machine with a cloned machine-id): not the same machine.
    write(dir.path(), "/sys/class/dmi/id/product_uuid", "11111111-2222-3333-4444-555555555555\n");
    write(dir.path(), "/sys/class/dmi/id/product_serial", "XY987\n");
    write(dir.path(), "/sys/class/net/wlp2s0/address", "00:1a:2b:00:00:02\n");
    let other = fingerprint(&root, PRODUCT);
    let report = match_components(&before.components, &other.components);
    assert!(!report.matched, "{report:?}");
    assert_eq!(report.changed.len(), 5);

    // Root-only components becoming unreadable (a normal user) count neither way.
    for file in ["product_uuid", "product_serial", "board_serial"] {
        std::fs::remove_file(dir.path().join(format!("sys/class/dmi/id/{file}"))).unwrap();
    }
    let as_user = fingerprint(&root, PRODUCT);
    let report = match_components(&other.components, &as_user.components);
    assert!(report.matched && report.changed.is_empty(), "{report:?}");
    assert_eq!(report.missing, ["dmi-board-serial", "dmi-product-serial", "dmi-product-uuid"]);
}

#[test]
fn empty_or_missing_machine_id_falls_back_to_the_installation_id() {
    for content in
        [None, Some(""), Some("\n"), Some("uninitialized\n"), Some("00000000000000000000000000000000")]
    {
        let dir = tempfile::tempdir().unwrap();
        if let Some(content) = content {
            write(dir.path(), "/etc/machine-id", content);
        }
        let root = SysRoot::at(dir.path());
        let a1 = fingerprint(&root, PRODUCT);
        let a2 = fingerprint(&root, PRODUCT);
        assert_eq!(a1.anchor, AnchorSource::InstallationId, "{content:?}");
        assert_eq!(a1, a2, "the installation ID is kept: {content:?}");
        let kept = std::fs::read_to_string(root.machine_dir().join("installation-id")).unwrap();
        assert_eq!(kept.len(), 32, "kept machine-wide: {content:?}");
        let elsewhere = tempfile::tempdir().unwrap();
        let other = SysRoot::at(elsewhere.path());
        assert_ne!(a1.computer_id, fingerprint(&other, PRODUCT).computer_id, "another computer: {content:?}");
        assert_eq!(a1.components.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["installation-id"]);
    }
}

#[cfg(target_os = "linux")]
#[test]
fn containers_use_the_installation_id_even_with_a_machine_id() {
    // A container's machine-id is its image's: every container from one image would share it.
    let dir = tempfile::tempdir().unwrap();
    simulated_machine(dir.path());
    write(dir.path(), "/.dockerenv", "");
    let fp = fingerprint(&SysRoot::at(dir.path()), PRODUCT);
    assert_eq!(fp.anchor, AnchorSource::InstallationId);
}

/// Windows anchors on `MachineGuid` (a fresh Wine prefix has one), not on an installation ID
/// that copying the data folder would copy, and reads the system volume's serial.
#[cfg(windows)]
#[test]
fn windows_anchors_on_the_machine_guid() {
    let fp = fingerprint(&SysRoot::host(), PRODUCT);
    assert_eq!(fp.anchor, AnchorSource::MachineId, "{fp:?}");
    let names: Vec<&str> = fp.components.iter().map(|c| c.name.as_str()).collect();
    assert!(names.contains(&"machine-id") && names.contains(&"system-volume-serial"), "{names:?}");
    assert!(!names.contains(&"installation-id"), "{names:?}");
}

#[test]
fn invalid_product_ids_are_refused() {
    let root = SysRoot::host();
    let v = detect_virtualization(&root);
    for bad in ["", "has space", "../etc", "ü"] {
        let r = Fingerprint::compute(bad, &root, &v);
        assert_eq!(r, Err(Status::InvalidProductId));
    }
}
