//! Usage events (see [`crate::protocol::events`]): [`Client::track_event`] appends to the
//! queue in the store directory and returns; the background thread sends what is queued in
//! batches, a few seconds after the first event (so events travel together), and keeps
//! trying with a growing delay while the server is out of reach or the computer is not
//! licensed (events are accepted only from licensed installations).

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, Ordering};

use super::{Client, Inner, Params, lock};
use crate::Status;
use crate::protocol::client_api::Operation;
use crate::protocol::events::{self, Event, MAX_PAYLOAD};
use crate::store::events::{Batch, EventQueue, QueueFigures};

/// How long after the first queued event a batch leaves, so events travel together.
const BATCH_DELAY_SECS: i64 = 5;
/// The longest wait between delivery attempts while they fail.
const MAX_RETRY_SECS: i64 = 30 * 60;

/// The queue and the background thread's plan for it.
#[derive(Debug)]
pub(crate) struct Delivery {
    queue: EventQueue,
    /// The queue may hold undelivered events (set by every append, cleared by a delivery
    /// that found the queue empty).
    waiting: AtomicBool,
    /// The queue went over its bound: the background thread trims it.
    trim_due: AtomicBool,
    /// When the next attempt is due (Unix seconds).
    next_at: AtomicI64,
    failures: AtomicU32,
}

impl Delivery {
    /// The queue of the store in `dir`; what an earlier run left in it goes a batch delay
    /// after the start.
    pub(crate) fn open(dir: &std::path::Path, product_id: &str, now: i64) -> Delivery {
        Delivery {
            queue: EventQueue::open(dir, product_id),
            waiting: AtomicBool::new(true),
            trim_due: AtomicBool::new(false),
            next_at: AtomicI64::new(now + BATCH_DELAY_SECS),
            failures: AtomicU32::new(0),
        }
    }
}

impl Client {
    /// Queues a usage event `name` with `payload_json` (any JSON value, at most 4 KiB; empty
    /// for none) and returns at once: the background thread delivers it, exactly once, when
    /// the server is reachable and this computer licensed, keeping it across restarts until
    /// then. The call costs one append to a file, never a wait for the network or the disk.
    pub fn track_event(&self, name: &str, payload_json: &str) -> Result<(), Status> {
        let inner = &self.inner;
        if inner.transport.is_none() {
            return Err(crate::detail::note(
                Status::NoServer,
                "events are delivered to the license server: set its URL",
            ));
        }
        events::check_name(name).map_err(|m| crate::detail::note(Status::InvalidArgument, m))?;
        let payload = if payload_json.trim().is_empty() {
            serde_json::Value::Null
        } else if payload_json.len() > MAX_PAYLOAD * 2 {
            return Err(crate::detail::note(
                Status::InvalidArgument,
                format!("event payload: at most {MAX_PAYLOAD} bytes of JSON"),
            ));
        } else {
            serde_json::from_str(payload_json).map_err(|e| {
                crate::detail::note(Status::InvalidArgument, format!("event payload: not JSON: {e}"))
            })?
        };
        let event = Event { id: super::random_hex()?, name: name.to_owned(), time: inner.now(), payload };
        events::check(&event).map_err(|m| crate::detail::note(Status::InvalidArgument, m))?;
        let delivery = &inner.delivery;
        if delivery.queue.append(&event)? {
            delivery.trim_due.store(true, Ordering::Relaxed);
            inner.refresh_signal.events_queued();
        }
        if !delivery.waiting.swap(true, Ordering::AcqRel) {
            delivery.next_at.store(inner.now() + BATCH_DELAY_SECS, Ordering::Relaxed);
            inner.refresh_signal.events_queued();
        }
        Ok(())
    }

    /// Sends every queued event now, on this thread; returns how many went. Fails with why
    /// the server could not be told (the events stay queued).
    pub fn flush_events(&self) -> Result<u64, Status> {
        self.inner.deliver_events()
    }

    /// Events queued and not yet delivered, and events dropped because the queue was full.
    pub fn event_figures(&self) -> Result<QueueFigures, Status> {
        self.inner.delivery.queue.figures()
    }
}

impl Inner {
    /// When the background thread should next deliver events, if any may be waiting.
    pub(crate) fn events_due(&self) -> Option<i64> {
        let delivery = &self.delivery;
        let trim = delivery.trim_due.load(Ordering::Relaxed);
        (self.transport.is_some() && (trim || delivery.waiting.load(Ordering::Acquire)))
            .then(|| if trim { self.now() } else { delivery.next_at.load(Ordering::Relaxed) })
    }

    /// The background thread's round: trims a full queue, then delivers; a failure puts the
    /// next attempt off (5 s, doubling, up to 30 minutes).
    pub(crate) fn deliver_events_round(&self) {
        let delivery = &self.delivery;
        if delivery.trim_due.swap(false, Ordering::Relaxed) {
            let _ = delivery.queue.trim();
        }
        match self.deliver_events() {
            Ok(_) => delivery.failures.store(0, Ordering::Relaxed),
            Err(_) => {
                let failures = delivery.failures.fetch_add(1, Ordering::Relaxed).saturating_add(1);
                let wait = (BATCH_DELAY_SECS << failures.min(20)).min(MAX_RETRY_SECS);
                delivery.next_at.store(self.now() + wait, Ordering::Relaxed);
            }
        }
    }

    /// Sends batches until the queue is empty; returns how many events went.
    pub(crate) fn deliver_events(&self) -> Result<u64, Status> {
        let delivery = &self.delivery;
        let mut sent = 0;
        loop {
            // Cleared before looking, so an event appended meanwhile sets it again.
            delivery.waiting.store(false, Ordering::Release);
            let Some(batch) =
                delivery.queue.batch().inspect_err(|_| delivery.waiting.store(true, Ordering::Release))?
            else {
                return Ok(sent);
            };
            delivery.waiting.store(true, Ordering::Release);
            match if batch.events.is_empty() { Ok(()) } else { self.send_events(&batch) } {
                Ok(()) => {}
                // The server will not take these (it checks what the client checked, so only a
                // server with other bounds refuses): they are set aside rather than block the
                // queue for ever.
                Err(Status::MalformedPayload) => crate::log::emit(
                    crate::log::Level::Warn,
                    &format!("the license server refused {} events; they are dropped", batch.events.len()),
                ),
                Err(status) => return Err(status),
            }
            delivery.queue.delivered(&batch)?;
            sent += batch.events.len() as u64;
        }
    }

    /// Posts one batch, signed by the installation key.
    fn send_events(&self, batch: &Batch) -> Result<(), Status> {
        let transport = self.transport.as_ref().ok_or(Status::NoServer)?;
        let key = self.installation_key()?.ok_or(Status::NoLicense)?;
        let params = Params { license_code: self.license_code(), ..Params::default() };
        // One online operation at a time; a pending retry of another operation stays pending.
        let _one = lock(&self.operation);
        let nonce = super::random_hex()?;
        let mut request = self.request(Operation::Events, &params, &key, &nonce)?;
        request.events = batch.events.clone();
        let body = super::sign_request(&key, &request)?;
        let result = transport.post(Operation::Events, &body).map(drop);
        self.record(Operation::Events, &result);
        result
    }
}
