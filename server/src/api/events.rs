//! Usage events: `POST DataStreamer` (the DS key) records one, as the seed gives it; `GET
//! Events` (not in the seed) reads them back with the clients' events, by product, name and
//! time, like the seed's other lists: without `pagenumber` the count, with it one page.

use licensekit::protocol::events::{MAX_NAME, MAX_PAYLOAD};

use super::{PAGING_FIELDS, paging};
use crate::datetime;
use crate::error::{ApiError, ApiResult};
use crate::fields::{Field, Fields};
use crate::json::Json;
use crate::obj;
use crate::params::Params;
use crate::store::Store;
use crate::store::model::*;

/// POST DataStreamer: one event, for a product or none.
pub fn post(store: &dyn Store, p: &Params) -> ApiResult {
    let name = p.required_len("event", 1, MAX_NAME)?;
    if name.chars().any(char::is_control) {
        return Err(ApiError::bad_request("event: no control characters"));
    }
    let payload = p.json("payload", MAX_PAYLOAD)?.map(|v| v.to_string()).unwrap_or_default();
    let now = datetime::now_millis();
    let record = EventRecord {
        event_id: crate::random::hex_id(),
        product_id: p.text_len("productid", 1, 64)?.unwrap_or_default(),
        name,
        payload,
        source: EventSource::DataStreamer,
        computer_id: String::new(),
        license_code: String::new(),
        occurred: now,
        received: now,
    };
    store.add_event(&record)?;
    Ok(Json::from("DataStreamer Event Created Successfully"))
}

/// GET Events: the count, or a page, oldest first.
pub fn get(store: &dyn Store, p: &Params) -> ApiResult {
    let filter = filter(p)?;
    match paging(p)? {
        None => Ok(Json::Int(store.count_events(&filter)?)),
        Some(page) => Ok(Json::arr(store.events(&filter, page)?.iter().map(|e| {
            obj! {
                "eventID" => &e.event_id,
                "event" => &e.name,
                "productID" => &e.product_id,
                "payload" => &e.payload,
                "source" => e.source.as_str(),
                "computerID" => &e.computer_id,
                "licenseCode" => &e.license_code,
                "occurred" => datetime::format(e.occurred),
                "received" => datetime::format(e.received),
            }
        }))),
    }
}

fn filter(p: &Params) -> Result<EventFilter, ApiError> {
    Ok(EventFilter {
        product_id: p.text_len("productid", 1, 64)?,
        name: p.text_len("event", 1, MAX_NAME)?,
        start: p.plain_date("startdate")?,
        end: p.end_date("enddate")?,
    })
}

pub const POST_FIELDS: Fields = &[&[Field::new("event"), Field::new("productid"), Field::new("payload")]];

pub const GET_FIELDS: Fields = &[
    &[Field::new("productid"), Field::new("event"), Field::new("startdate"), Field::new("enddate")],
    PAGING_FIELDS,
];
