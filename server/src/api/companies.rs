//! `Company`, `CompanyID` and `CompaniesProducts`.

use super::settings::MAX_NAME;
use super::{PRODUCT_ID, product_id};
use crate::datetime;
use crate::error::{ApiError, ApiResult};
use crate::fields::{Field, Fields};
use crate::json::Json;
use crate::obj;
use crate::params::Params;
use crate::store::Store;
use crate::store::model::*;

/// A string field of a JSON object, matched without regard to case.
pub fn json_field(object: &serde_json::Map<String, serde_json::Value>, name: &str) -> String {
    match object.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// The product a company shows: `"0"` for a global one.
fn shown_product(company: &Company) -> String {
    company.product_id.clone().unwrap_or_else(|| "0".into())
}

/// GET Company.
pub fn get(store: &dyn Store, p: &Params) -> ApiResult {
    let id = p.required_int("companyid", 1, i64::MAX)?;
    let product = p.text_len("productid", 1, 64)?;
    let company = store.company(id, product.as_deref())?;
    let data: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&company.data).unwrap_or_default();
    Ok(obj! {
        "company" => &company.name,
        "companyData" => &company.data,
        "firstName" => json_field(&data, "firstname"),
        "email" => json_field(&data, "email"),
        "search1" => &company.search[0],
        "search2" => &company.search[1],
        "search3" => &company.search[2],
        "created" => datetime::format(company.created),
        "productID" => shown_product(&company),
    })
}

fn change(p: &Params) -> Result<CompanyChange, ApiError> {
    let global = p.int("global", 0, 1)? == Some(1);
    Ok(CompanyChange {
        name: p.text_len("company", 1, MAX_NAME)?,
        global,
        data: p.json_object("companydata")?.map(|o| serde_json::Value::Object(o).to_string()),
        search: [
            p.text_len("search1", 0, MAX_NAME)?,
            p.text_len("search2", 0, MAX_NAME)?,
            p.text_len("search3", 0, MAX_NAME)?,
        ],
        reseller: p.text_len("reseller", 0, MAX_NAME)?,
    })
}

/// POST Company.
pub fn post(store: &dyn Store, p: &Params) -> ApiResult {
    p.required_len("company", 1, MAX_NAME)?;
    let product = product_id(p)?;
    let id = store.create_company(&product, &change(p)?)?;
    Ok(Json::from(format!("Company Created Successfully : {id}")))
}

/// PUT Company: omitted fields stay as they are.
pub fn put(store: &dyn Store, p: &Params) -> ApiResult {
    let id = p.required_int("companyid", 1, i64::MAX)?;
    let product = product_id(p)?;
    store.update_company(id, &product, &change(p)?)?;
    Ok(Json::from("Company Updated Successfully"))
}

/// DELETE Company.
pub fn delete(store: &dyn Store, p: &Params) -> ApiResult {
    let id = p.required_int("companyid", 1, i64::MAX)?;
    store.delete_company(id)?;
    Ok(Json::from("Company Deleted Successfully"))
}

fn render_id(company: &Company) -> Json {
    obj! {
        "companyID" => company.id.to_string(),
        "company" => &company.name,
        "productID" => shown_product(company),
        "productName" => &company.product_name,
    }
}

/// GET CompanyID: the company of that name.
pub fn id(store: &dyn Store, p: &Params) -> ApiResult {
    let name = p.required_len("company", 1, MAX_NAME)?;
    let product = p.text_len("productid", 1, 64)?;
    Ok(render_id(&store.company_by_name(&name, product.as_deref())?))
}

/// GET CompaniesProducts: every company with its product.
pub fn list(store: &dyn Store, _: &Params) -> ApiResult {
    Ok(Json::arr(store.companies()?.iter().map(render_id)))
}

/// What [`change`] reads.
const CHANGE_FIELDS: &[Field] = &[
    Field::new("global"),
    Field::new("company"),
    Field::new("companydata"),
    Field::new("search1"),
    Field::new("search2"),
    Field::new("search3"),
    Field::new("reseller"),
];
/// GET Company's fields.
pub const GET_FIELDS: Fields = &[&[Field::new("companyid"), Field::new("productid")]];
/// POST Company's fields.
pub const POST_FIELDS: Fields = &[&[PRODUCT_ID], CHANGE_FIELDS];
/// PUT Company's fields.
pub const PUT_FIELDS: Fields = &[&[PRODUCT_ID, Field::new("companyid")], CHANGE_FIELDS];
/// DELETE Company's fields.
pub const DELETE_FIELDS: Fields = &[&[Field::new("companyid")]];
/// GET CompanyID's fields.
pub const ID_FIELDS: Fields = &[&[Field::new("company"), Field::new("productid")]];
