//! `ActivatedLicenseCodes`, `LicenseCodeActivity` and `SystemDetails`: what the client
//! protocol records about activations and machines.

use super::render::Casing;
use super::{PRODUCT_ID, product_id};
use crate::datetime;
use crate::error::{ApiError, ApiResult};
use crate::fields::{Field, Fields};
use crate::json::Json;
use crate::obj;
use crate::params::Params;
use crate::store::Store;
use crate::store::model::{Activation, LanSeat};

/// Longest computer ID accepted (the library's are 20 characters).
pub const MAX_COMPUTER_ID: usize = 255;

/// The system-details fields in the seed's order (after `computerID`), all strings.
const SYSTEM_FIELDS: [&str; 16] = [
    "operatingsystem",
    "bitage",
    "screenresx",
    "screenresy",
    "processor",
    "cores",
    "memory",
    "oslanguage",
    "applanguage",
    "type",
    "licensestatus",
    "version",
    "build",
    "edition",
    "computername",
    "vmplatform",
];

/// Renders stored system details (a JSON object) in the seed's shape; fields the client
/// did not send are empty strings, numbers are written as strings like the seed's.
fn system_info(computer_id: &str, details: &str) -> Json {
    let stored: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(details).unwrap_or_default();
    let mut fields = vec![("computerID", Json::from(computer_id))];
    for name in SYSTEM_FIELDS {
        let value = stored.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v);
        let text = match value {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        fields.push((name, Json::Str(text)));
    }
    Json::Obj(fields)
}

fn computer_id(p: &Params) -> Result<String, ApiError> {
    p.required_len("computerid", 1, MAX_COMPUTER_ID)
}

/// GET ActivatedLicenseCodes: the codes a computer has activated now.
pub fn activated_codes(store: &dyn Store, p: &Params) -> ApiResult {
    let computer = computer_id(p)?;
    Ok(Json::arr(
        store
            .activated_codes(&computer)?
            .into_iter()
            .map(|(product, code)| obj! { "productID" => product, "licenseCode" => code }),
    ))
}

/// GET LicenseCodeActivity: the code's activations (an empty list when there is none).
pub fn get(store: &dyn Store, p: &Params) -> ApiResult {
    let product = product_id(p)?;
    let code = p.required_len("licensecode", 1, 64)?;
    let only_active = p.flag("activated")?;
    let with_system = p.flag("getsysinfo")?;
    let activity = store.activity(&product, &code, only_active, with_system)?;
    Ok(Json::arr(activity.iter().map(|a| {
        let mut fields =
            vec![("licenseCode", Json::from(&a.code)), ("computerID", Json::from(&a.computer_id))];
        if with_system {
            let info = a.system_info.as_deref().map_or(Json::Null, |d| system_info(&a.computer_id, d));
            fields.push(("systemInfo", info));
        }
        fields.extend([
            ("status", Json::from(a.status.to_ascii_uppercase())),
            ("vmLeaseperiod", Json::Int(a.vm_lease_period)),
            ("clientleaseenddate", Json::from(datetime::format_or_1900(a.lease_end))),
            ("vmPlatform", Json::from(&a.vm_platform)),
            ("username", Json::from(&a.username)),
            ("activated", Json::from(datetime::format(a.activated))),
            ("deactivated", Json::from(datetime::format_or_1900(a.deactivated))),
            // Beyond the seed: refreshes that showed a copy of the activation's store in use.
            ("cloneDetections", Json::Int(a.forks)),
            ("lastCloneDetected", Json::from(datetime::format_or_1900(a.last_fork))),
        ]);
        fields.extend(lan_daemon(a));
        Json::Obj(fields)
    })))
}

/// Beyond the seed, for a LAN daemon's activation only (others keep the seed's shape): that
/// it is one, when it last reported the network seats it serves (`1900-01-01T00:00:00`
/// before its first report) and those seats, as it reported them.
fn lan_daemon(a: &Activation) -> Vec<(&'static str, Json)> {
    if !a.lan_daemon {
        return Vec::new();
    }
    let c = Casing::LowerBooleans;
    let seat = |s: &LanSeat| {
        Json::Obj(vec![
            ("seatID", Json::from(&s.seat_id)),
            ("computerID", Json::from(&s.computer_id)),
            ("hostname", Json::from(&s.hostname)),
            ("username", Json::from(&s.user)),
            ("since", Json::from(datetime::format(s.since))),
            ("expires", Json::from(datetime::format(s.expires))),
            ("borrowed", c.boolean(s.borrowed)),
        ])
    };
    let report = a.lan_report.as_ref();
    vec![
        ("lanDaemon", c.boolean(true)),
        ("seatsReported", Json::from(datetime::format_or_1900(report.map(|r| r.reported)))),
        ("seatsInUse", Json::arr(report.into_iter().flat_map(|r| r.seats.iter().map(seat)))),
    ]
}

/// PUT LicenseCodeActivity: every current activation of the code becomes 'returned'; each
/// client learns it at its next refresh.
pub fn put(store: &dyn Store, p: &Params) -> ApiResult {
    let product = product_id(p)?;
    let code = p.required_len("licensecode", 1, 64)?;
    let returned = store.return_activity(&product, &code)?;
    Ok(Json::from(format!("License Code Activity Returned Successfully : {returned}")))
}

/// DELETE LicenseCodeActivity: of one computer, or all of the code's.
pub fn delete(store: &dyn Store, p: &Params) -> ApiResult {
    let product = product_id(p)?;
    let code = p.required_len("licensecode", 1, 64)?;
    let computer = p.text_len("computerid", 1, MAX_COMPUTER_ID)?;
    let deleted = store.delete_activity(&product, &code, computer.as_deref())?;
    Ok(Json::from(format!("License Code Activity Deleted Successfully : {deleted}")))
}

/// GET SystemDetails: what a computer last reported about itself.
pub fn system_details(store: &dyn Store, p: &Params) -> ApiResult {
    let product = product_id(p)?;
    let computer = computer_id(p)?;
    match store.system_details(&product, &computer)? {
        Some(details) => Ok(system_info(&computer, &details)),
        None => Err(ApiError::not_found(format!(
            "computerid: no system details for computer {computer} in product {product}"
        ))),
    }
}

/// The OpenAPI schema of GET LicenseCodeActivity's answer: the rows [`get`] writes.
pub fn answer_schema() -> serde_json::Value {
    use serde_json::json;
    let text = || json!({ "type": "string" });
    let date = || json!({ "type": "string", "description": "UTC, the seed's format; 1900-01-01T00:00:00 when none" });
    let flag = || json!({ "type": "string", "enum": ["true", "false"] });
    let seat = json!({
        "type": "object",
        "required": ["seatID", "computerID", "hostname", "username", "since", "expires", "borrowed"],
        "properties": {
            "seatID": text(), "computerID": text(), "hostname": text(), "username": text(),
            "since": date(), "expires": date(), "borrowed": flag(),
        },
    });
    let seed = [
        "licenseCode",
        "computerID",
        "status",
        "vmLeaseperiod",
        "clientleaseenddate",
        "vmPlatform",
        "username",
        "activated",
        "deactivated",
        "cloneDetections",
        "lastCloneDetected",
    ];
    json!({
        "type": "array",
        "items": {
            "type": "object",
            "required": seed,
            "properties": {
                "licenseCode": text(), "computerID": text(),
                "systemInfo": { "type": "object", "nullable": true, "description": "With getsysinfo=1" },
                "status": { "type": "string", "enum": ["ACTIVATED", "DEACTIVATED", "RETURNED"] },
                "vmLeaseperiod": { "type": "integer" }, "clientleaseenddate": date(), "vmPlatform": text(),
                "username": text(), "activated": date(), "deactivated": date(),
                "cloneDetections": { "type": "integer" }, "lastCloneDetected": date(),
                "lanDaemon": { "type": "string", "enum": ["true"],
                    "description": "Only on a LAN daemon's activation, which holds the code's network master license" },
                "seatsReported": { "type": "string",
                    "description": "A LAN daemon's: when it last reported its seats in use (UTC); 1900-01-01T00:00:00 before its first report" },
                "seatsInUse": { "type": "array", "items": seat,
                    "description": "A LAN daemon's: the network seats it served at its last report, by the daemon's clock" },
            },
        },
    })
}

/// GET ActivatedLicenseCodes' fields.
pub const ACTIVATED_CODES_FIELDS: Fields = &[&[Field::new("computerid")]];
/// GET LicenseCodeActivity's fields.
pub const GET_FIELDS: Fields =
    &[&[PRODUCT_ID, Field::new("licensecode"), Field::new("activated"), Field::new("getsysinfo")]];
/// PUT LicenseCodeActivity's fields.
pub const PUT_FIELDS: Fields = &[&[PRODUCT_ID, Field::new("licensecode")]];
/// DELETE LicenseCodeActivity's fields.
pub const DELETE_FIELDS: Fields = &[&[PRODUCT_ID, Field::new("licensecode"), Field::new("computerid")]];
/// GET SystemDetails' fields.
pub const SYSTEM_DETAILS_FIELDS: Fields = &[&[PRODUCT_ID, Field::new("computerid")]];
