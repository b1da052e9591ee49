//! `LicenseNote`: notes attached to a license code.

use super::{PRODUCT_ID, product_id, render};
use crate::error::{ApiError, ApiResult};
use crate::fields::{Field, Fields};
use crate::json::Json;
use crate::params::{MAX_TEXT, Params};
use crate::store::Store;

const TYPES: [&str; 2] = ["General", "System"];

fn note_type(p: &Params) -> Result<Option<&'static str>, ApiError> {
    Ok(p.choice("type", &["general", "system"])?.map(|i| TYPES[i]))
}

fn code(p: &Params) -> Result<String, ApiError> {
    p.required_len("licensecode", 1, 64)
}

/// GET LicenseNote: the code's notes.
pub fn get(store: &dyn Store, p: &Params) -> ApiResult {
    Ok(render::notes(&store.notes(&product_id(p)?, &code(p)?)?))
}

/// POST LicenseNote.
pub fn post(store: &dyn Store, p: &Params) -> ApiResult {
    let (product, code) = (product_id(p)?, code(p)?);
    let kind = note_type(p)?.ok_or_else(|| ApiError::bad_request("type: required"))?;
    let description = p.required_len("description", 1, MAX_TEXT)?;
    let id = store.add_note(&product, &code, kind, &description)?;
    Ok(Json::from(format!("License Note Created Successfully : {id}")))
}

/// PUT LicenseNote.
pub fn put(store: &dyn Store, p: &Params) -> ApiResult {
    let (product, code) = (product_id(p)?, code(p)?);
    let id = p.required_int("noteid", 1, i64::MAX)?;
    let description = p.text_len("description", 1, MAX_TEXT)?;
    store.update_note(&product, &code, id, note_type(p)?, description.as_deref())?;
    Ok(Json::from("License Note Updated Successfully"))
}

/// DELETE LicenseNote: one note, or (`noteid` 0 or omitted) all of the code's notes.
pub fn delete(store: &dyn Store, p: &Params) -> ApiResult {
    let (product, code) = (product_id(p)?, code(p)?);
    let id = p.int("noteid", 0, i64::MAX)?.filter(|&id| id != 0);
    let deleted = store.delete_notes(&product, &code, id)?;
    Ok(Json::from(format!("License Notes Deleted Successfully : {deleted}")))
}

/// GET LicenseNote's fields.
pub const GET_FIELDS: Fields = &[&[PRODUCT_ID, Field::new("licensecode")]];
/// POST LicenseNote's fields.
pub const POST_FIELDS: Fields =
    &[&[PRODUCT_ID, Field::new("licensecode"), Field::new("type"), Field::new("description")]];
/// PUT LicenseNote's fields.
pub const PUT_FIELDS: Fields = &[&[
    PRODUCT_ID,
    Field::new("licensecode"),
    Field::new("noteid"),
    Field::new("description"),
    Field::new("type"),
]];
/// DELETE LicenseNote's fields.
pub const DELETE_FIELDS: Fields = &[&[PRODUCT_ID, Field::new("licensecode"), Field::new("noteid")]];
