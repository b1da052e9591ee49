//! The store's atomic replace while another handle holds the data file open, as an
//! antivirus or a backup tool does. POSIX replaces the name at once; on Windows (run under
//! Wine by `tests/windows/rust.sh`) a handle opened without `FILE_SHARE_DELETE` makes NTFS
//! refuse the rename until it is closed, so the write waits a bounded time for it. Also the
//! default store directory on Windows.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

use licensekit::store::Store;

const PRODUCT: &str = "6872450105";

/// The data file opened for reading as a scanner would: on Windows with `FILE_SHARE_READ`
/// alone (others may read, nobody may rename or delete).
fn hold(path: &Path) -> File {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(windows)]
    std::os::windows::fs::OpenOptionsExt::share_mode(&mut options, 1);
    options.open(path).expect("open the data file")
}

fn store_at_revision_1(dir: &Path) -> Store {
    let store = Store::open(dir, PRODUCT).unwrap();
    store
        .update(|s| {
            s.license = Some("first".into());
            Ok(())
        })
        .unwrap();
    store
}

#[cfg(windows)]
#[test]
fn the_default_directory_is_local_app_data() {
    let local = std::env::var_os("LOCALAPPDATA").expect("Windows sets LOCALAPPDATA");
    assert_eq!(licensekit::store::default_dir(), Some(Path::new(&local).join("licensekit")));
}

/// POSIX: the rename replaces the name under the open handle at once, which keeps reading
/// the old file.
#[cfg(unix)]
#[test]
fn a_write_replaces_a_held_file_at_once() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let store = store_at_revision_1(dir.path());
    let mut held = hold(store.path());
    let before = std::fs::read(store.path()).unwrap();
    let started = Instant::now();
    store
        .update(|s| {
            s.license = Some("second".into());
            Ok(())
        })
        .unwrap();
    assert!(started.elapsed() < Duration::from_millis(250), "no wait: {:?}", started.elapsed());
    let mut old = Vec::new();
    held.read_to_end(&mut old).unwrap();
    assert_eq!(old, before, "the held handle still reads the old file");
    assert_eq!(store.load().unwrap().license.as_deref(), Some("second"));
}

#[cfg(windows)]
#[test]
fn a_write_waits_for_a_handle_held_for_a_moment() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at_revision_1(dir.path());
    let held = hold(store.path());
    // A plain rename fails: the handle really blocks it.
    let other = dir.path().join("other");
    std::fs::write(&other, b"x").unwrap();
    let refused = std::fs::rename(&other, store.path()).expect_err("the held file is replaced");
    assert!(matches!(refused.raw_os_error(), Some(5 | 32)), "{refused:?}");
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        drop(held);
    });
    let started = Instant::now();
    store
        .update(|s| {
            s.license = Some("second".into());
            Ok(())
        })
        .expect("the write succeeds once the handle is closed");
    let took = started.elapsed();
    release.join().unwrap();
    assert!(took >= Duration::from_millis(250), "the write did not wait for the handle ({took:?})");
    let state = store.load().unwrap();
    assert_eq!((state.revision, state.license.as_deref()), (2, Some("second")));
}

#[cfg(windows)]
#[test]
fn a_handle_held_for_good_fails_the_write_and_keeps_the_old_state() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_at_revision_1(dir.path());
    let held = hold(store.path());
    let started = Instant::now();
    let result = store.update(|s| {
        s.license = Some("second".into());
        Ok(())
    });
    let took = started.elapsed();
    assert_eq!(result, Err(licensekit::Status::StoreIo));
    assert!(took >= Duration::from_millis(1000) && took < Duration::from_secs(5), "bounded wait: {took:?}");
    let detail = licensekit::last_error_detail().unwrap_or_default();
    assert!(detail.contains("cannot write"), "{detail}");
    // Readable while held (FILE_SHARE_READ), and still the old state.
    let state = store.load().unwrap();
    assert_eq!((state.revision, state.license.as_deref()), (1, Some("first")));
    drop(held);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    store.update(|_| Ok(())).expect("writes work again once the handle is gone");
    assert_eq!(store.load().unwrap().revision, 2);
}
