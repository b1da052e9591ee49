//! The background refresh: renews the lease at a random point between half and three
//! quarters of its life (so a fleet of clients does not hit the server at once), backs off
//! exponentially while the server is unreachable, and wakes when the grace period ends so
//! the status callback hears of it without any call from the application. It also sends
//! the floating seats' heartbeats and the queued usage events.

use std::sync::{Arc, Condvar, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::client::{Inner, lock};
use crate::protocol::client_api::SeatLease;
use crate::protocol::os_random;

/// How often an idle refresher looks for a lease to look after (after an activation by
/// another process, say).
const IDLE_POLL_SECS: i64 = 60;
/// The first retry delay after a failure; doubled per failure up to [`MAX_BACKOFF_SECS`].
const FIRST_BACKOFF_SECS: i64 = 5;
const MAX_BACKOFF_SECS: i64 = 1800;
/// The longest wait between attempts while the license is unusable for want of the server.
const URGENT_RETRY_SECS: i64 = 90;

/// Wakes the refresher: to stop, or because the lease changed and its plan with it.
#[derive(Debug, Default)]
pub(crate) struct Signal {
    state: Mutex<Wake>,
    condvar: Condvar,
}

#[derive(Debug, Default)]
struct Wake {
    stop: bool,
    /// The plan changed: a new lease, or events queued for delivery.
    replan: bool,
    /// Try the server now, whatever the backoff says (the application asked about a lapsed
    /// license).
    retry_now: bool,
}

impl Signal {
    /// Tells the refresher that a new lease arrived (activation, trial, any refresh).
    pub fn lease_changed(&self) {
        self.replan();
    }

    /// Tells the refresher that events wait for delivery.
    pub fn events_queued(&self) {
        self.replan();
    }

    fn replan(&self) {
        lock(&self.state).replan = true;
        self.condvar.notify_all();
    }

    /// Asks for an attempt now.
    pub fn retry_now(&self) {
        lock(&self.state).retry_now = true;
        self.condvar.notify_all();
    }

    fn stop(&self) {
        lock(&self.state).stop = true;
        self.condvar.notify_all();
    }

    /// Sleeps up to `secs` (at least one second) or until woken: whether to stop, and
    /// whether an attempt is wanted now.
    fn wait(&self, secs: i64) -> (bool, bool) {
        let timeout = Duration::from_secs(secs.clamp(1, IDLE_POLL_SECS * 60) as u64);
        let guard = lock(&self.state);
        let (mut wake, _) = self
            .condvar
            .wait_timeout_while(guard, timeout, |w| !w.stop && !w.replan && !w.retry_now)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        wake.replan = false;
        (wake.stop, std::mem::take(&mut wake.retry_now))
    }
}

/// The refresher thread.
#[derive(Debug)]
pub(crate) struct Refresher {
    signal: Arc<Signal>,
    thread: Option<JoinHandle<()>>,
}

impl Refresher {
    /// Starts the thread for a client that has a server to talk to.
    pub fn start(inner: &Arc<Inner>) -> Refresher {
        let signal = Arc::clone(inner.refresh_signal());
        let thread = inner.refresh_enabled().then(|| {
            let weak = Arc::downgrade(inner);
            let signal = Arc::clone(&signal);
            std::thread::Builder::new()
                .name("licensekit-refresh".into())
                .spawn(move || run(&weak, &signal))
                .ok()
        });
        Refresher { signal, thread: thread.flatten() }
    }

    /// Stops the thread and waits for it (an in-flight refresh is bounded by the timeout).
    pub fn stop(&mut self) {
        self.signal.stop();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(weak: &Weak<Inner>, signal: &Signal) {
    let mut failures: u32 = 0;
    loop {
        let Some(inner) = weak.upgrade() else { return };
        let now = inner.now();
        let plan = inner.refresh_plan();
        let deactivating = inner.deactivation_pending();
        // Floating seats and sessions are due for a heartbeat one interval after their last
        // renewal (long-term check-outs need none).
        let heartbeat_due = |seat: &SeatLease| seat.server_time + seat.heartbeat_secs;
        let seats: Vec<SeatLease> = inner.seats().iter().filter(|s| !s.long_term).cloned().collect();
        let next_heartbeat = seats.iter().map(heartbeat_due).min();
        // A license past its grace (or a deactivation the server has not confirmed) is
        // retried within a couple of minutes, not after a 30-minute backoff.
        let urgent = deactivating || plan.is_some_and(|(_, _, grace_end)| now >= grace_end);
        let due = match plan {
            _ if failures > 0 && urgent => now + backoff(failures).min(URGENT_RETRY_SECS),
            _ if deactivating => now + 1,
            None => now + IDLE_POLL_SECS,
            // Never back off past the lease's own interval: a network seat's is its heartbeat,
            // and its daemon frees it two intervals after the last one that got through.
            Some((issued, lease_end, _)) if failures > 0 => {
                now + backoff(failures).min((lease_end - issued).max(1))
            }
            Some((issued, lease_end, _)) => issued + (lease_end - issued) * (50 + jitter(25)) / 100,
        };
        // Also wake at the end of the grace period, when the status changes by itself.
        let wake =
            plan.map_or(due, |(_, _, grace_end)| if grace_end > now { due.min(grace_end) } else { due });
        let wake = next_heartbeat.map_or(wake, |h| wake.min(h));
        let events_due = inner.events_due();
        let wake = events_due.map_or(wake, |e| wake.min(e));
        drop(inner);
        // At least a second between rounds, whatever the plan says: a server answering with
        // leases already due must not turn this thread into a loop of requests.
        let (stop, now_wanted) = signal.wait(wake - now);
        if stop {
            return;
        }
        let Some(inner) = weak.upgrade() else { return };
        for seat in seats.iter().filter(|s| inner.now() >= heartbeat_due(s)) {
            // A lost seat is forgotten by the heartbeat itself; other failures are retried at
            // the next wake, while the seat's lease still has a heartbeat's worth of slack.
            let _ = inner.heartbeat(seat);
        }
        let attempt = now_wanted || inner.now() >= due;
        if attempt && inner.deactivation_pending() {
            failures = match inner.deactivate() {
                Ok(()) => 0,
                Err(_) => failures.saturating_add(1),
            };
        } else if attempt && inner.refresh_plan().is_some() {
            failures = match inner.refresh() {
                Ok(()) => 0,
                Err(_) => failures.saturating_add(1),
            };
        }
        if inner.events_due().is_some_and(|due| inner.now() >= due) {
            inner.deliver_events_round();
        }
        inner.notify_if_changed();
    }
}

/// 5 s, 10 s, 20 s, ... up to 30 minutes, with ±20 % jitter.
fn backoff(failures: u32) -> i64 {
    let base =
        FIRST_BACKOFF_SECS.saturating_mul(1 << failures.min(20).saturating_sub(1)).min(MAX_BACKOFF_SECS);
    base * (80 + jitter(40)) / 100
}

/// A random number in `0..=max` from the OS source (0 if the source fails: no jitter then).
fn jitter(max: i64) -> i64 {
    let mut byte = [0u8; 2];
    if os_random(&mut byte).is_err() {
        return 0;
    }
    i64::from(u16::from_le_bytes(byte)) % (max + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        for _ in 0..100 {
            let first = backoff(1);
            assert!((4..=6).contains(&first), "{first}");
            assert!((8..=12).contains(&backoff(2)));
            assert!(backoff(30) <= MAX_BACKOFF_SECS * 120 / 100);
            assert!(backoff(30) >= MAX_BACKOFF_SECS * 80 / 100);
        }
    }
}
