//! `licensekit-server events export`: every usage event matching a filter, oldest first, as
//! JSON lines or CSV, read page by page so an export of millions of events runs in bounded
//! memory.

use std::io::Write;

use crate::datetime;
use crate::store::Store;
use crate::store::model::{EventFilter, EventRecord, Page};

/// How events are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line (the payload as JSON, not as a string).
    Jsonl,
    /// A header row, then one row per event (the payload as compact JSON text).
    Csv,
}

/// Rows read from the store at a time.
const PAGE: i64 = 10_000;

const COLUMNS: [&str; 9] = [
    "event_id",
    "event",
    "product_id",
    "payload",
    "source",
    "computer_id",
    "license_code",
    "occurred",
    "received",
];

/// Writes the events; returns how many.
pub fn export(
    store: &dyn Store,
    filter: &EventFilter,
    format: Format,
    mut out: impl Write,
) -> Result<u64, String> {
    let error = |e: &dyn std::fmt::Display| e.to_string();
    match format {
        Format::Jsonl => {
            let written = pages(store, filter, |event| {
                serde_json::to_writer(&mut out, &json(event)).map_err(|e| error(&e))?;
                out.write_all(b"\n").map_err(|e| error(&e))
            })?;
            out.flush().map_err(|e| error(&e))?;
            Ok(written)
        }
        Format::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record(COLUMNS).map_err(|e| error(&e))?;
            let written = pages(store, filter, |event| csv.write_record(row(event)).map_err(|e| error(&e)))?;
            csv.flush().map_err(|e| error(&e))?;
            Ok(written)
        }
    }
}

/// Hands every matching event to `each`, a page at a time; returns how many there were.
fn pages(
    store: &dyn Store,
    filter: &EventFilter,
    mut each: impl FnMut(&EventRecord) -> Result<(), String>,
) -> Result<u64, String> {
    let mut count = 0;
    for number in 1.. {
        let events = store.events(filter, Page { number, size: PAGE }).map_err(|e| format!("{e:?}"))?;
        events.iter().try_for_each(&mut each)?;
        count += events.len() as u64;
        if (events.len() as i64) < PAGE {
            break;
        }
    }
    Ok(count)
}

fn row(e: &EventRecord) -> [String; 9] {
    [
        e.event_id.clone(),
        e.name.clone(),
        e.product_id.clone(),
        e.payload.clone(),
        e.source.as_str().to_owned(),
        e.computer_id.clone(),
        e.license_code.clone(),
        datetime::format(e.occurred),
        datetime::format(e.received),
    ]
}

fn json(e: &EventRecord) -> serde_json::Value {
    let payload = serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null);
    serde_json::json!({
        "event_id": e.event_id, "event": e.name, "product_id": e.product_id, "payload": payload,
        "source": e.source.as_str(), "computer_id": e.computer_id, "license_code": e.license_code,
        "occurred": datetime::format(e.occurred), "received": datetime::format(e.received),
    })
}
