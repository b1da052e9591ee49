//! One computer, one ID: every client of a product on this computer reports the same ID as
//! `lk_computer_id`, whatever its store directory, and root and a normal user agree (the
//! installation ID, where it anchors the ID, is kept machine-wide and readable by all).

use std::ffi::{CStr, CString};

use licensekit::machine::{Fingerprint, SysRoot, detect_virtualization};
use licensekit::{Client, Config};

const PRODUCT: &str = "6872450105";
const KEY: &str = "8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c";

unsafe extern "C" {
    // The C ABI's own entry point, linked from the library.
    #[link_name = "lk_computer_id"]
    fn c_computer_id(
        product_id: *const std::ffi::c_char,
        buf: *mut std::ffi::c_char,
        buf_len: usize,
        needed: *mut usize,
    ) -> licensekit::Status;
}

fn lk_computer_id() -> String {
    let product = CString::new(PRODUCT).unwrap();
    let mut buf = [0 as std::ffi::c_char; 32];
    let mut needed = 0usize;
    // SAFETY: valid NUL-terminated input, a buffer of its stated length, a valid `needed`.
    let status = unsafe { c_computer_id(product.as_ptr(), buf.as_mut_ptr(), buf.len(), &mut needed) };
    assert_eq!(status, licensekit::Status::Ok);
    // SAFETY: on success the buffer holds a NUL-terminated string.
    unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap().to_owned()
}

fn client_id(store: &std::path::Path) -> String {
    let mut config = Config::new(PRODUCT).unwrap();
    config.add_public_key(KEY).unwrap();
    config.set_store_dir(store).unwrap();
    Client::new(config).unwrap().computer_id().to_owned()
}

#[test]
fn one_id_for_every_store_directory() {
    let expected = lk_computer_id();
    let root = SysRoot::host();
    let fingerprint = Fingerprint::compute(PRODUCT, &root, &detect_virtualization(&root)).unwrap();
    assert_eq!(fingerprint.computer_id, expected);
    for _ in 0..3 {
        let store = tempfile::tempdir().unwrap();
        assert_eq!(client_id(store.path()), expected, "a client with its own store directory");
        assert!(
            !store.path().join("installation-id").exists(),
            "the installation ID is never kept in a client's store directory"
        );
    }
    assert!(expected.bytes().all(|b| b.is_ascii_alphanumeric()) && expected.len() == 20, "{expected}");
}

/// Runs as a normal user (through `setpriv`) when the test runs as root, and compares.
#[cfg(target_os = "linux")]
#[test]
fn root_and_a_normal_user_get_the_same_id() {
    if let Ok(home) = std::env::var("LK_IDENTITY_CHILD") {
        let store = std::path::Path::new(&home).join("store");
        print!("ID={} CLIENT={}", lk_computer_id(), client_id(&store));
        return;
    }
    let uid = std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m)).unwrap_or(1);
    use std::process::Command;
    if uid != 0 || Command::new("setpriv").arg("--version").output().is_err() {
        eprintln!("skipped: needs root and setpriv to run a normal user's process");
        return;
    }
    let as_root = lk_computer_id();
    let home = tempfile::tempdir().unwrap();
    std::fs::set_permissions(home.path(), std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let out = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(std::env::current_exe().unwrap())
        .args(["--exact", "root_and_a_normal_user_get_the_same_id", "--nocapture", "--test-threads=1"])
        .env("LK_IDENTITY_CHILD", home.path())
        .env("HOME", home.path())
        .env_remove("XDG_DATA_HOME")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        text.contains(&format!("ID={as_root} CLIENT={as_root}")),
        "root {as_root}, the normal user: {text}"
    );
}
