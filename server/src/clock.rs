//! The server's clock for the client protocol, with the two testing aids of `serve`: a
//! shortened "hour" for every lease, offline, trial and subscription period, and an offset.

use crate::datetime::now_millis;

/// Milliseconds in a real hour.
pub const HOUR_MILLIS: i64 = 3_600_000;

/// The clock leases are signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    offset_millis: i64,
    hour_millis: i64,
}

impl Clock {
    /// A clock `offset_secs` ahead of (negative: behind) the system clock, on which one hour
    /// of a period lasts `hour_secs` seconds.
    pub fn new(hour_secs: u32, offset_secs: i64) -> Clock {
        Clock {
            offset_millis: offset_secs.saturating_mul(1000),
            hour_millis: i64::from(hour_secs.max(1)) * 1000,
        }
    }

    /// Now, in Unix milliseconds.
    pub fn now(&self) -> i64 {
        now_millis().saturating_add(self.offset_millis)
    }

    /// Milliseconds in one hour of a period.
    pub fn hour(&self) -> i64 {
        self.hour_millis
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock { offset_millis: 0, hour_millis: HOUR_MILLIS }
    }
}
