//! The wall clock, in Unix seconds, read as cheaply as the platform allows.
//!
//! Every local license check reads the clock (leases end, clocks get set back), and a full
//! `clock_gettime(CLOCK_REALTIME)` costs about 45 ns on the project's machines — most of a
//! feature check's budget. Licensing needs seconds, not nanoseconds, so on Linux the coarse
//! clock (updated every tick, a plain read from the vDSO) is used instead.

/// Wall-clock Unix seconds; a clock before 1970 reads as 0 (and will look tampered).
#[cfg(target_os = "linux")]
#[allow(clippy::useless_conversion, reason = "time_t is 32 bits on some Linux targets")]
pub fn unix_now() -> i64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_REALTIME_COARSE exists on every
    // Linux since 2.6.32 and the call only writes `ts`.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_REALTIME_COARSE, &mut ts) };
    if rc == 0 { i64::from(ts.tv_sec).max(0) } else { precise_unix_now() }
}

/// Wall-clock Unix seconds; a clock before 1970 reads as 0 (and will look tampered).
#[cfg(not(target_os = "linux"))]
pub fn unix_now() -> i64 {
    precise_unix_now()
}

fn precise_unix_now() -> i64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    #[test]
    fn agrees_with_the_precise_clock() {
        let coarse = super::unix_now();
        let precise = super::precise_unix_now();
        assert!((precise - coarse).abs() <= 1, "{coarse} vs {precise}");
    }
}
