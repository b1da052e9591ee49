//! Renaming over a file that another process holds open. POSIX replaces the name whatever
//! is open. NTFS refuses while any handle was opened without `FILE_SHARE_DELETE` (an
//! antivirus or a backup tool scanning the new store, an indexer, another program reading
//! it): the rename fails with a sharing violation or access denied, and succeeds a moment
//! later when the handle is closed. So those errors are retried with backoff for a bounded
//! time; the old file is untouched until a rename succeeds, so a rename that still fails
//! leaves the old state whole and reports the error.

use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a rename is retried: long enough for a scanner's look at a small file, short
/// enough that a file held for good fails the call promptly.
const BUDGET: Duration = Duration::from_millis(1500);
/// The first pause; each next one doubles, up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(5);
const MAX_PAUSE: Duration = Duration::from_millis(200);

/// `std::fs::rename(from, to)`, retried while Windows reports the target (or the source)
/// busy.
pub(crate) fn rename(from: &Path, to: &Path) -> io::Result<()> {
    retry(BUDGET, || std::fs::rename(from, to), is_busy)
}

/// Whether `error` is Windows's "someone has it open" (`ERROR_ACCESS_DENIED`,
/// `ERROR_SHARING_VIOLATION`, `ERROR_LOCK_VIOLATION`). Never on POSIX, where `EACCES` is
/// a real permission problem that waiting does not change.
fn is_busy(error: &io::Error) -> bool {
    cfg!(windows) && matches!(error.raw_os_error(), Some(5 | 32 | 33))
}

/// Runs `op` until it succeeds, fails with an error `transient` does not accept, or
/// `budget` would be exceeded by the next pause; returns its last result.
fn retry(
    budget: Duration,
    mut op: impl FnMut() -> io::Result<()>,
    transient: impl Fn(&io::Error) -> bool,
) -> io::Result<()> {
    let deadline = Instant::now() + budget;
    let mut pause = FIRST_PAUSE;
    loop {
        match op() {
            Err(e) if transient(&e) && Instant::now() + pause <= deadline => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(MAX_PAUSE);
            }
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn busy() -> io::Error {
        io::Error::from(io::ErrorKind::ResourceBusy)
    }

    #[test]
    fn transient_errors_are_retried_until_success() {
        let mut calls = 0;
        let result = retry(
            BUDGET,
            || {
                calls += 1;
                if calls < 4 { Err(busy()) } else { Ok(()) }
            },
            |_| true,
        );
        assert!(result.is_ok());
        assert_eq!(calls, 4);
    }

    #[test]
    fn other_errors_are_returned_at_once() {
        let mut calls = 0;
        let result = retry(
            BUDGET,
            || {
                calls += 1;
                Err(io::Error::from(io::ErrorKind::NotFound))
            },
            |e| e.kind() == io::ErrorKind::ResourceBusy,
        );
        assert_eq!(result.unwrap_err().kind(), io::ErrorKind::NotFound);
        assert_eq!(calls, 1);
    }

    #[test]
    fn the_budget_bounds_the_wait() {
        let started = Instant::now();
        let mut calls = 0;
        let result = retry(
            Duration::from_millis(300),
            || {
                calls += 1;
                Err(busy())
            },
            |_| true,
        );
        assert_eq!(result.unwrap_err().kind(), io::ErrorKind::ResourceBusy);
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(150) && took < Duration::from_millis(1000), "{took:?}");
        // 5 + 10 + 20 + 40 + 80 ms, then 160 would pass the budget: 6 calls.
        assert_eq!(calls, 6);
    }

    #[test]
    fn only_windows_sharing_errors_are_busy() {
        for code in [5, 32, 33] {
            assert_eq!(is_busy(&io::Error::from_raw_os_error(code)), cfg!(windows), "{code}");
        }
        assert!(!is_busy(&io::Error::from_raw_os_error(2)));
        assert!(!is_busy(&io::Error::from(io::ErrorKind::PermissionDenied)));
    }
}
