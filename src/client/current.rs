//! The current license (or why there is none), read by every local check without a lock.
//!
//! It is swapped whole when a lease arrives (rarely: at activation and refresh), and read
//! on every `lk_feature_enabled` (often, from many threads). A read through `ArcSwap` costs
//! a few atomic operations; a thread instead keeps the last license it read, tagged with the
//! client and a generation counter, and only goes back to the `ArcSwap` when the generation
//! moved on: one plain load on the hot path.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arc_swap::ArcSwap;

use crate::Status;
use crate::license::License;

type Value = Result<License, Status>;

/// Tells clients apart in the per-thread cache (addresses are reused; these never are).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// (client, generation, license) of the last read on this thread.
    static LAST: RefCell<Option<(u64, u64, Arc<Value>)>> = const { RefCell::new(None) };
}

pub(crate) struct Current {
    id: u64,
    generation: AtomicU64,
    value: ArcSwap<Value>,
}

impl Current {
    pub(crate) fn new(value: Value) -> Current {
        Current {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            generation: AtomicU64::new(0),
            value: ArcSwap::from_pointee(value),
        }
    }

    /// The current value, for everything but the hot path.
    pub(crate) fn load(&self) -> arc_swap::Guard<Arc<Value>> {
        self.value.load()
    }

    /// Makes `value` current for every thread.
    pub(crate) fn store(&self, value: Value) {
        self.value.store(Arc::new(value));
        // After the swap: a reader that sees the new generation reads the new value.
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// Runs `f` on the current value, from this thread's copy when it is still current.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&Value) -> R) -> R {
        let generation = self.generation.load(Ordering::Acquire);
        LAST.with(|last| {
            // Re-entered from inside `f` (a status callback checking a feature): read directly.
            let Ok(mut last) = last.try_borrow_mut() else { return f(&self.value.load()) };
            if !matches!(&*last, Some((id, seen, _)) if *id == self.id && *seen == generation) {
                *last = Some((self.id, generation, self.value.load_full()));
            }
            match &*last {
                Some((_, _, value)) => f(value),
                None => f(&self.value.load()),
            }
        })
    }
}
