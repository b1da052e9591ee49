//! The usage-event queue: events the application tracked and the server has not yet
//! acknowledged, kept in the store directory across restarts, bounded in size.
//!
//! `<product>.events` is an append-only log: a header line naming the log's generation, then
//! one JSON [`Event`] per line. Tracking an event is one `write` of one line in append mode
//! under a shared lock (so several processes of the application append to one queue, each
//! line whole), with no fsync: the caller never waits for the disk. A process killed at any
//! instant loses nothing it was told was queued (the line is in the operating system's cache);
//! the background thread fsyncs the log before each delivery, which bounds what a power cut
//! can lose to one delivery interval. A line torn by a crash is skipped when read: each line
//! starts on a fresh line of its own, so it cannot take the next event with it.
//!
//! `<product>.events-state` says how far the log is delivered (a byte offset in a named
//! generation) and how many events were dropped; it is replaced atomically. Delivered lines
//! are removed by compaction, which rewrites the log as a new generation: a crash between the
//! two files leaves a state naming an older generation, read as "nothing delivered yet", and
//! the server's per-event IDs make that resend harmless.
//!
//! Two locks, always taken in this order: `<product>.events-state.lock` for the state
//! (deliveries read and advance it), `<product>.events.lock` for the log (appends share it, a
//! compaction's rename takes it alone). So an append waits only for the rare compaction,
//! never for a delivery's fsynced state write.
//!
//! When the queue holds more than [`MAX_QUEUE_BYTES`] (the server out of reach for long),
//! the oldest events are dropped down to three quarters of it, counted, and a
//! [`DROPPED_EVENT`] is queued so the vendor sees the gap. The queue is the computer's own
//! data, not authenticated: usage that must not be rewritten goes through the signed journal.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::{private_mode, write_atomically};
use crate::Status;
use crate::protocol::events::{DROPPED_EVENT, Event, MAX_BATCH_BYTES, MAX_BATCH_EVENTS};

/// Most bytes of undelivered events kept; past it the oldest are dropped.
pub const MAX_QUEUE_BYTES: u64 = 4 * 1024 * 1024;
/// Delivered bytes at the front of the log worth a rewrite (when also half the log).
const COMPACT_AT: u64 = 256 * 1024;
/// What one read for a batch takes in: a batch's budget and room for the longest line.
const READ_CHUNK: u64 = 2 * MAX_BATCH_BYTES as u64 + 8 * 1024;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueState {
    /// The log generation `offset` is in; another generation means nothing delivered.
    generation: String,
    /// The log's bytes before this are delivered (or dropped).
    offset: u64,
    /// Events dropped since the queue began.
    dropped: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    #[serde(rename = "licensekit-events")]
    version: u32,
    generation: String,
}

/// Events read for one delivery, and where in the log they end.
#[derive(Debug)]
pub struct Batch {
    pub events: Vec<Event>,
    generation: String,
    end: u64,
}

/// What the queue holds, for diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QueueFigures {
    /// Events not yet delivered.
    pub queued: u64,
    /// Events dropped (oldest first) because the queue was full.
    pub dropped: u64,
}

/// One product's event queue in a store directory.
#[derive(Debug)]
pub struct EventQueue {
    log: PathBuf,
    state: PathBuf,
    log_lock: PathBuf,
    state_lock: PathBuf,
    /// The delivered offset last read by this process (`u64::MAX` before the first read), to
    /// tell cheaply at each append whether the queue may be over its bound.
    known_offset: AtomicU64,
}

impl EventQueue {
    pub fn open(dir: &Path, product_id: &str) -> EventQueue {
        EventQueue {
            log: dir.join(format!("{product_id}.events")),
            state: dir.join(format!("{product_id}.events-state")),
            log_lock: dir.join(format!("{product_id}.events.lock")),
            state_lock: dir.join(format!("{product_id}.events-state.lock")),
            known_offset: AtomicU64::new(u64::MAX),
        }
    }

    /// Appends one event; returns whether the queue may be over its bound (then
    /// [`EventQueue::trim`] is due). Far over it (nobody trimmed), trims here.
    pub fn append(&self, event: &Event) -> Result<bool, Status> {
        let mut line = Vec::with_capacity(256);
        line.push(b'\n');
        serde_json::to_writer(&mut line, event).map_err(|_| Status::Internal)?;
        line.push(b'\n');
        let size = {
            let _log = self.lock(&self.log_lock, false)?;
            let mut options = OpenOptions::new();
            options.create(true).append(true);
            private_mode(&mut options);
            let mut log = options.open(&self.log).map_err(|e| self.io("cannot open", &self.log, &e))?;
            let mut size = log.metadata().map_err(|e| self.io("cannot read", &self.log, &e))?.len();
            if size == 0 {
                // Two processes creating the log at once both write a header: the second is
                // a line that is not an event, skipped like a torn one.
                let header = header_line(&new_generation()?)?;
                log.write_all(&header).map_err(|e| self.io("cannot write", &self.log, &e))?;
                size += header.len() as u64;
            }
            log.write_all(&line).map_err(|e| self.io("cannot write", &self.log, &e))?;
            size + line.len() as u64
        };
        let mut offset = self.known_offset.load(Ordering::Relaxed);
        if offset == u64::MAX {
            let _state = self.lock(&self.state_lock, false)?;
            offset = self.read_state()?.offset;
            self.known_offset.store(offset, Ordering::Relaxed);
        }
        let live = size.saturating_sub(offset);
        if live > 2 * MAX_QUEUE_BYTES {
            self.trim()?;
            return Ok(false);
        }
        Ok(live > MAX_QUEUE_BYTES)
    }

    /// Drops the oldest events while the queue is over [`MAX_QUEUE_BYTES`] (down to three
    /// quarters of it), counting them and queuing a [`DROPPED_EVENT`]; returns how many.
    pub fn trim(&self) -> Result<u64, Status> {
        let _state = self.lock(&self.state_lock, true)?;
        let _log = self.lock(&self.log_lock, true)?;
        let (bytes, generation) = self.read_log()?;
        let mut state = self.read_state()?;
        let mut offset =
            if state.generation == generation { state.offset.min(bytes.len() as u64) } else { 0 };
        let size = bytes.len() as u64;
        if size - offset <= MAX_QUEUE_BYTES {
            self.known_offset.store(offset, Ordering::Relaxed);
            return Ok(0);
        }
        let mut dropped = 0;
        for (event, end) in lines(&bytes[offset as usize..], offset) {
            if size - offset <= MAX_QUEUE_BYTES * 3 / 4 {
                break;
            }
            dropped += u64::from(event.is_some());
            offset = end;
        }
        state.dropped += dropped;
        let marker = Event {
            id: crate::client::random_hex()?,
            name: DROPPED_EVENT.into(),
            time: crate::clock::unix_now(),
            payload: serde_json::json!({ "count": dropped, "total": state.dropped }),
        };
        let mut rest = bytes[offset as usize..].to_vec();
        rest.push(b'\n');
        serde_json::to_writer(&mut rest, &marker).map_err(|_| Status::Internal)?;
        rest.push(b'\n');
        self.compact(&rest, state.dropped)?;
        Ok(dropped)
    }

    /// The oldest undelivered events, up to a batch's bounds; `None` when there are none.
    /// A batch may hold no events when what it covers is only damaged lines, which its
    /// delivery then passes over. Makes the log durable first.
    pub fn batch(&self) -> Result<Option<Batch>, Status> {
        // No log, no events: nothing is created for an application that never tracked one.
        if !self.log.exists() {
            return Ok(None);
        }
        // The state's lock keeps compaction (and so the log's rename) away meanwhile.
        let _state = self.lock(&self.state_lock, false)?;
        // Opened for writing too: Windows flushes only a handle that may write.
        let mut log = match OpenOptions::new().read(true).write(true).open(&self.log) {
            Ok(log) => log,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io("cannot open", &self.log, &e)),
        };
        log.sync_data().map_err(|e| self.io("cannot sync", &self.log, &e))?;
        let generation = read_generation(&mut log).map_err(|e| self.io("cannot read", &self.log, &e))?;
        let state = self.read_state()?;
        let start = if state.generation == generation { state.offset } else { 0 };
        self.known_offset.store(start, Ordering::Relaxed);
        let mut chunk = Vec::new();
        log.seek(SeekFrom::Start(start))
            .and_then(|_| (&mut log).take(READ_CHUNK).read_to_end(&mut chunk))
            .map_err(|e| self.io("cannot read", &self.log, &e))?;
        let (mut events, mut end, mut budget) = (Vec::new(), start, 0);
        for (event, line_end) in lines(&chunk, start) {
            if let Some(event) = event {
                let size = serde_json::to_vec(&event).map_or(usize::MAX, |v| v.len());
                if events.len() == MAX_BATCH_EVENTS || budget + size > MAX_BATCH_BYTES {
                    break;
                }
                budget += size;
                events.push(event);
            }
            end = line_end;
        }
        if end == start && chunk.len() as u64 == READ_CHUNK {
            // One line longer than any event (a damaged file): passed over a chunk at a time.
            end += READ_CHUNK;
        }
        Ok((end > start).then_some(Batch { events, generation, end }))
    }

    /// Records that the server took `batch`: its lines are delivered. Compacts the log when
    /// enough of it is.
    pub fn delivered(&self, batch: &Batch) -> Result<(), Status> {
        let _state = self.lock(&self.state_lock, true)?;
        let mut state = self.read_state()?;
        let (size, generation) = self.log_size_and_generation()?;
        if generation != batch.generation {
            // Compacted meanwhile by another process: what it kept is resent, and the server
            // counts each event once.
            return Ok(());
        }
        let offset = if state.generation == generation { state.offset.max(batch.end) } else { batch.end };
        if offset >= COMPACT_AT && offset * 2 >= size {
            let _log = self.lock(&self.log_lock, true)?;
            let (bytes, _) = self.read_log()?;
            return self.compact(&bytes[offset.min(bytes.len() as u64) as usize..], state.dropped);
        }
        state.generation = generation;
        state.offset = offset;
        self.write_state(&state)?;
        self.known_offset.store(offset, Ordering::Relaxed);
        Ok(())
    }

    /// Events queued and dropped.
    pub fn figures(&self) -> Result<QueueFigures, Status> {
        if !self.log.exists() {
            return Ok(QueueFigures::default());
        }
        let _state = self.lock(&self.state_lock, false)?;
        let (bytes, generation) = self.read_log()?;
        let state = self.read_state()?;
        let offset = if state.generation == generation { state.offset.min(bytes.len() as u64) } else { 0 };
        let queued = lines(&bytes[offset as usize..], offset).filter(|(e, _)| e.is_some()).count();
        Ok(QueueFigures { queued: queued as u64, dropped: state.dropped })
    }

    /// Rewrites the log as a new generation holding `rest` (whole lines), then the state
    /// saying nothing of it is delivered. Under both locks, alone.
    fn compact(&self, rest: &[u8], dropped: u64) -> Result<(), Status> {
        let generation = new_generation()?;
        let mut log = header_line(&generation)?;
        log.extend_from_slice(rest);
        write_atomically(&self.log, &log)?;
        self.write_state(&QueueState { generation, offset: 0, dropped })?;
        self.known_offset.store(0, Ordering::Relaxed);
        Ok(())
    }

    /// The whole log and its generation (empty and "" when there is none). Bounded: the
    /// queue is trimmed long before the limit.
    fn read_log(&self) -> Result<(Vec<u8>, String), Status> {
        let mut bytes = Vec::new();
        match File::open(&self.log) {
            Ok(log) => log
                .take(4 * MAX_QUEUE_BYTES)
                .read_to_end(&mut bytes)
                .map_err(|e| self.io("cannot read", &self.log, &e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((bytes, String::new())),
            Err(e) => return Err(self.io("cannot open", &self.log, &e)),
        };
        let generation = first_line_generation(&bytes);
        Ok((bytes, generation))
    }

    /// The state; a missing or unreadable one is "nothing delivered, nothing dropped".
    fn read_state(&self) -> Result<QueueState, Status> {
        match std::fs::read(&self.state) {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(QueueState::default()),
            Err(e) => Err(self.io("cannot read", &self.state, &e)),
        }
    }

    fn write_state(&self, state: &QueueState) -> Result<(), Status> {
        write_atomically(&self.state, &serde_json::to_vec(state).map_err(|_| Status::Internal)?)
    }

    /// The log's size and generation, from its first line.
    fn log_size_and_generation(&self) -> Result<(u64, String), Status> {
        match File::open(&self.log) {
            Ok(mut log) => {
                let size = log.metadata().map_err(|e| self.io("cannot read", &self.log, &e))?.len();
                let generation =
                    read_generation(&mut log).map_err(|e| self.io("cannot read", &self.log, &e))?;
                Ok((size, generation))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((0, String::new())),
            Err(e) => Err(self.io("cannot open", &self.log, &e)),
        }
    }

    /// Takes the lock `path`, exclusive or shared; held until the file is dropped.
    fn lock(&self, path: &Path, exclusive: bool) -> Result<File, Status> {
        let mut options = OpenOptions::new();
        options.create(true).truncate(false).write(true);
        private_mode(&mut options);
        let file = options.open(path).map_err(|e| self.io("cannot open", path, &e))?;
        let locked = if exclusive { file.lock() } else { file.lock_shared() };
        locked.map_err(|e| self.io("cannot lock", path, &e))?;
        Ok(file)
    }

    fn io(&self, what: &str, path: &Path, e: &std::io::Error) -> Status {
        crate::detail::io(Status::StoreIo, what, path, e)
    }
}

/// Each whole line of `bytes` (which starts at `start` in the log) as the event it holds, if
/// it is one, and the log offset after it. A last line without its newline is being written
/// or was torn: not yet a line.
fn lines(bytes: &[u8], start: u64) -> impl Iterator<Item = (Option<Event>, u64)> + '_ {
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let length = bytes[at..].iter().position(|&b| b == b'\n')?;
        let line = &bytes[at..at + length];
        at += length + 1;
        let event = (!line.is_empty())
            .then(|| serde_json::from_slice::<Event>(line).ok())
            .flatten()
            .filter(|e| crate::protocol::events::check(e).is_ok());
        Some((event, start + at as u64))
    })
}

fn header_line(generation: &str) -> Result<Vec<u8>, Status> {
    let mut line = serde_json::to_vec(&Header { version: 1, generation: generation.into() })
        .map_err(|_| Status::Internal)?;
    line.push(b'\n');
    Ok(line)
}

/// The generation named by the log's first line ("" if it names none).
fn first_line_generation(bytes: &[u8]) -> String {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    serde_json::from_slice::<Header>(first).map(|h| h.generation).unwrap_or_default()
}

fn read_generation(log: &mut File) -> std::io::Result<String> {
    let mut head = Vec::new();
    log.take(256).read_to_end(&mut head)?;
    Ok(first_line_generation(&head))
}

fn new_generation() -> Result<String, Status> {
    crate::client::random_hex().map(|hex| hex[..16].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: usize, payload_len: usize) -> Event {
        Event {
            id: format!("{n:032x}"),
            name: "export-pdf".into(),
            time: 1_700_000_000,
            payload: serde_json::Value::String("p".repeat(payload_len)),
        }
    }

    fn queue() -> (tempfile::TempDir, EventQueue) {
        let dir = tempfile::tempdir().unwrap();
        let queue = EventQueue::open(dir.path(), "p1");
        (dir, queue)
    }

    #[test]
    fn delivers_in_order_in_bounded_batches_and_survives_reopening() {
        let (dir, queue) = queue();
        for n in 0..600 {
            assert!(!queue.append(&event(n, 10)).unwrap());
        }
        let first = queue.batch().unwrap().unwrap();
        assert_eq!(first.events.len(), MAX_BATCH_EVENTS);
        assert_eq!(first.events[0], event(0, 10));
        // Not delivered: the same batch again, also from a new handle (a restart).
        let again = EventQueue::open(dir.path(), "p1").batch().unwrap().unwrap();
        assert_eq!(again.events, first.events);
        queue.delivered(&first).unwrap();
        let second = EventQueue::open(dir.path(), "p1").batch().unwrap().unwrap();
        assert_eq!(second.events[0], event(MAX_BATCH_EVENTS, 10));
        assert_eq!(queue.figures().unwrap(), QueueFigures { queued: 600 - 256, dropped: 0 });
        let mut seen = MAX_BATCH_EVENTS;
        while let Some(batch) = queue.batch().unwrap() {
            seen += batch.events.len();
            queue.delivered(&batch).unwrap();
        }
        assert_eq!(seen, 600);
        assert_eq!(queue.figures().unwrap().queued, 0);
    }

    #[test]
    fn a_batch_stays_within_its_byte_budget() {
        let (_dir, queue) = queue();
        for n in 0..20 {
            queue.append(&event(n, 3000)).unwrap();
        }
        let batch = queue.batch().unwrap().unwrap();
        let bytes: usize = batch.events.iter().map(|e| serde_json::to_vec(e).unwrap().len()).sum();
        assert!(bytes <= MAX_BATCH_BYTES && batch.events.len() == MAX_BATCH_BYTES / 3100, "{bytes}");
    }

    #[test]
    fn a_torn_line_loses_only_itself() {
        let (dir, queue) = queue();
        queue.append(&event(1, 5)).unwrap();
        // A process killed in the middle of its write.
        let mut log = OpenOptions::new().append(true).open(dir.path().join("p1.events")).unwrap();
        log.write_all(b"\n{\"id\":\"0000").unwrap();
        queue.append(&event(2, 5)).unwrap();
        let batch = queue.batch().unwrap().unwrap();
        assert_eq!(batch.events, vec![event(1, 5), event(2, 5)]);
        // A line still being written (no newline yet) is not read.
        log.write_all(b"\n{\"id\":\"0000").unwrap();
        assert_eq!(queue.batch().unwrap().unwrap().events.len(), 2);
    }

    #[test]
    fn damaged_lines_longer_than_any_event_are_passed_over() {
        let (dir, queue) = queue();
        queue.append(&event(1, 5)).unwrap();
        let mut log = OpenOptions::new().append(true).open(dir.path().join("p1.events")).unwrap();
        log.write_all(&vec![b'x'; 3 * READ_CHUNK as usize]).unwrap();
        queue.append(&event(2, 5)).unwrap();
        let mut seen = Vec::new();
        while let Some(batch) = queue.batch().unwrap() {
            seen.extend(batch.events.iter().cloned());
            queue.delivered(&batch).unwrap();
        }
        assert_eq!(seen, vec![event(1, 5), event(2, 5)]);
    }

    #[test]
    fn compaction_keeps_what_is_undelivered_and_a_crash_in_it_resends() {
        let (dir, queue) = queue();
        let per = serde_json::to_vec(&event(0, 200)).unwrap().len() as u64 + 2;
        for n in 0..2000 {
            queue.append(&event(n, 200)).unwrap();
        }
        let mut delivered = 0;
        while delivered < 1500 {
            let batch = queue.batch().unwrap().unwrap();
            assert_eq!(batch.events[0], event(delivered, 200));
            delivered += batch.events.len();
            queue.delivered(&batch).unwrap();
        }
        let log = std::fs::metadata(dir.path().join("p1.events")).unwrap().len();
        assert!(log < 2000 * per * 6 / 10, "delivered lines were compacted away: {log}");
        assert_eq!(queue.figures().unwrap().queued, 2000 - delivered as u64);
        // The state lost (a crash before it was written): everything in the log is resent.
        std::fs::remove_file(dir.path().join("p1.events-state")).unwrap();
        let batch = queue.batch().unwrap().unwrap();
        assert!(batch.events[0].id <= event(delivered, 200).id);
    }

    #[test]
    fn a_full_queue_drops_its_oldest_and_says_so() {
        let (_dir, queue) = queue();
        let per = serde_json::to_vec(&event(0, 3500)).unwrap().len() as u64 + 2;
        let n = (MAX_QUEUE_BYTES / per) as usize + 10;
        let mut due = false;
        for i in 0..n {
            due |= queue.append(&event(i, 3500)).unwrap();
        }
        assert!(due, "over the bound, a trim is due");
        let dropped = queue.trim().unwrap();
        let figures = queue.figures().unwrap();
        assert!(dropped as usize > n / 4 - 2 && figures.dropped == dropped, "{dropped} {figures:?}");
        assert_eq!(figures.queued as usize, n - dropped as usize + 1);
        let first = queue.batch().unwrap().unwrap().events[0].clone();
        assert_eq!(first, event(dropped as usize, 3500), "the oldest went first");
        assert_eq!(queue.trim().unwrap(), 0, "within the bound now");
    }
}
