//! `ConsumerData`: who is behind an activation or a trial.

use super::activity::MAX_COMPUTER_ID;
use super::companies::json_field;
use super::{PAGING_FIELDS, PRODUCT_ID, paging, product_id};
use crate::datetime::{self, now_millis};
use crate::error::{ApiError, ApiResult};
use crate::fields::{Field, Fields};
use crate::json::Json;
use crate::obj;
use crate::params::Params;
use crate::store::Store;
use crate::store::model::*;

/// GET ConsumerData: the count, or a page.
pub fn get(store: &dyn Store, p: &Params) -> ApiResult {
    let filter = ConsumerFilter {
        product_id: product_id(p)?,
        computer_id: p.text_len("computerid", 1, MAX_COMPUTER_ID)?,
        just_last: p.bool("justlast")?.unwrap_or(true),
        activations: match p.choice("type", &["all", "trials", "activations"])? {
            Some(1) => Some(false),
            Some(2) => Some(true),
            _ => None,
        },
        start: p.plain_date("startdate")?,
        end: p.end_date("enddate")?,
    };
    match paging(p)? {
        None => Ok(Json::Int(store.count_consumers(&filter)?)),
        Some(page) => Ok(Json::arr(store.consumers(&filter, page)?.iter().map(|c| {
            obj! {
                "productID" => &c.product_id,
                "computerID" => &c.computer_id,
                "licenseCode" => &c.license_code,
                "firstName" => &c.first_name,
                "lastName" => &c.last_name,
                "company" => &c.company,
                "email" => &c.email,
                "clientInfo" => &c.client_info,
                "created" => datetime::format(c.created),
            }
        }))),
    }
}

/// POST ConsumerData: a record searchable by first and last name, company and e-mail.
pub fn post(store: &dyn Store, p: &Params) -> ApiResult {
    let product_id = product_id(p)?;
    let computer_id = p.required_len("computerid", 1, MAX_COMPUTER_ID)?;
    let info = p.json_object("clientinfo")?.ok_or_else(|| ApiError::bad_request("clientinfo: required"))?;
    let record = ConsumerRecord {
        product_id,
        computer_id,
        license_code: p.text_len("licensecode", 0, 64)?.unwrap_or_default(),
        first_name: json_field(&info, "firstname"),
        last_name: json_field(&info, "lastname"),
        company: json_field(&info, "company"),
        email: json_field(&info, "email"),
        client_info: serde_json::Value::Object(info).to_string(),
        created: now_millis(),
    };
    store.add_consumer(&record)?;
    Ok(Json::from("Consumer Data Created Successfully"))
}

/// GET ConsumerData's fields.
pub const GET_FIELDS: Fields = &[
    &[
        PRODUCT_ID,
        Field::new("enddate"),
        Field::new("computerid"),
        Field::new("justlast"),
        Field::new("type"),
        Field::new("startdate"),
    ],
    PAGING_FIELDS,
];
/// POST ConsumerData's fields.
pub const POST_FIELDS: Fields =
    &[&[PRODUCT_ID, Field::new("computerid"), Field::new("clientinfo"), Field::new("licensecode")]];
