//! Log lines for the application's own log: what licensekit did and why it failed, with
//! levels, never a secret (no installation key, no full license code, no lease text).
//!
//! Nothing is logged unless the application registers a sink ([`set_sink`], or
//! `lk_set_log_callback` in C): a library must not write to a process's stderr.

use std::sync::{Arc, RwLock};

/// How much a line matters; a sink receives the lines at or above the level it asked for
/// (`lk_log_level` in C).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Something failed that the application should know about.
    Error = 1,
    /// A refusal or a failure licensekit handles (a retry, a damaged file kept aside).
    Warn = 2,
    /// What licensekit did (an activation, a refresh).
    Info = 3,
    /// Detail for troubleshooting.
    Debug = 4,
}

impl Level {
    /// From a number that came from C; unknown numbers give `None`.
    pub fn from_u32(value: u32) -> Option<Level> {
        [Level::Error, Level::Warn, Level::Info, Level::Debug].into_iter().find(|l| *l as u32 == value)
    }
}

/// Receives one log line.
pub type Sink = Arc<dyn Fn(Level, &str) + Send + Sync>;

static SINK: RwLock<Option<(Level, Sink)>> = RwLock::new(None);

/// Routes log lines at `level` or more important to `sink`; `None` stops logging.
pub fn set_sink(sink: Option<(Level, Sink)>) {
    *SINK.write().unwrap_or_else(std::sync::PoisonError::into_inner) = sink;
}

/// Sends a line to the sink, if one wants it. The sink runs without any licensekit lock held.
pub(crate) fn emit(level: Level, line: &str) {
    let sink = match &*SINK.read().unwrap_or_else(std::sync::PoisonError::into_inner) {
        Some((wanted, sink)) if level <= *wanted => Arc::clone(sink),
        _ => return,
    };
    sink(level, line);
}

/// Shortens a license code for logs and diagnostics: its last four characters only.
pub fn redact_code(code: &str) -> String {
    let tail: String = code.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("…{tail}")
}
