//! The store across real processes: writers killed with SIGKILL at random moments, and
//! several processes updating one store at once.
//!
//! The test binary re-runs itself as the child process (`LK_STORE_CHILD` selects the role),
//! so the children run exactly the library code under test.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use licensekit::Status;
use licensekit::store::Store;

const PRODUCT: &str = "6872450105";

/// When run as a child: performs the role named by `LK_STORE_CHILD` and exits.
fn child_role() -> Option<()> {
    let role = std::env::var("LK_STORE_CHILD").ok()?;
    let dir = std::env::var("LK_STORE_DIR").expect("LK_STORE_DIR");
    let store = Store::open(Path::new(&dir), PRODUCT).expect("open");
    match role.as_str() {
        // Rewrites a large license field forever: each write takes long enough that a kill
        // often lands mid-write.
        "writer" => loop {
            store
                .update(|s| {
                    s.license = Some(payload(s.revision));
                    Ok(())
                })
                .expect("update");
        },
        "counter" => {
            let n: u64 = std::env::var("LK_STORE_UPDATES").unwrap().parse().unwrap();
            for _ in 0..n {
                store.update(|_| Ok(())).expect("update");
            }
        }
        other => panic!("unknown role {other}"),
    }
    std::process::exit(0);
}

/// 200 KB that say which revision wrote them: a torn write could not pass for a whole one.
fn payload(revision: u64) -> String {
    format!("{revision:020}").repeat(10_000)
}

fn spawn(role: &str, dir: &Path, test: &str) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env("LK_STORE_CHILD", role)
        .env("LK_STORE_DIR", dir)
        .env("LK_STORE_UPDATES", "200")
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

/// A small, dependency-free pseudo-random sequence for kill timings (xorshift).
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[test]
fn sigkill_at_random_moments_leaves_old_or_new_state() {
    if child_role().is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), PRODUCT).unwrap();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ std::process::id() as u64;
    let mut last_revision = 0;
    let mut advanced = 0;
    for trial in 0..200 {
        let mut child = spawn("writer", dir.path(), "sigkill_at_random_moments_leaves_old_or_new_state");
        // Past process start-up (a few ms), then a random instant inside the write loop.
        std::thread::sleep(Duration::from_micros(3_000 + next(&mut seed) % 25_000));
        child.kill().unwrap();
        child.wait().unwrap();
        let state =
            store.load().unwrap_or_else(|e| panic!("trial {trial}: store unloadable after SIGKILL: {e:?}"));
        assert!(state.revision >= last_revision, "trial {trial}: went back");
        if state.revision > 0 {
            let expected = payload(state.revision - 1);
            assert_eq!(state.license.as_deref(), Some(expected.as_str()), "trial {trial}: mixed state");
        }
        advanced += usize::from(state.revision > last_revision);
        last_revision = state.revision;
    }
    // The kills must have landed while writes were happening, or the test proves nothing.
    assert!(advanced > 20, "only {advanced} trials saw a write complete");
}

#[test]
fn concurrent_processes_lose_no_update() {
    if child_role().is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let children: Vec<_> =
        (0..8).map(|_| spawn("counter", dir.path(), "concurrent_processes_lose_no_update")).collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let store = Store::open(dir.path(), PRODUCT).unwrap();
    assert_eq!(store.load().unwrap().revision, 8 * 200, "after {:?}", started.elapsed());
}

#[test]
fn corrupted_and_truncated_files_are_reported_not_replaced() {
    if child_role().is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), PRODUCT).unwrap();
    store
        .update(|s| {
            s.license = Some("lk1.lease.example".into());
            Ok(())
        })
        .unwrap();
    let good = std::fs::read(store.path()).unwrap();
    std::fs::write(store.path(), &good[..good.len() / 2]).unwrap();
    assert_eq!(store.load(), Err(Status::StoreTruncated));
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x10;
    std::fs::write(store.path(), &flipped).unwrap();
    assert_eq!(store.load(), Err(Status::StoreCorrupt));
    assert_eq!(store.update(|_| Ok(())), Err(Status::StoreCorrupt));
    assert_eq!(std::fs::read(store.path()).unwrap(), flipped, "the damaged file is kept as it is");
}
