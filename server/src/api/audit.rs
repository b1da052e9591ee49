//! `GET AuditLog`: the audit trail of vendor changes ([`crate::audit`]), newest first. Like
//! the seed's other lists: without `pagenumber` the count, with it one page (`pagesize`, at
//! most 10,000, the default).

use super::paging;
use crate::datetime;
use crate::error::ApiResult;
use crate::json::Json;
use crate::obj;
use crate::params::Params;
use crate::store::Store;
use crate::store::model::Page;

pub fn get(store: &dyn Store, p: &Params) -> ApiResult {
    match paging(p)? {
        None => Ok(Json::Int(store.audit(Page { number: 1, size: 1 })?.0)),
        Some(page) => Ok(Json::arr(store.audit(page)?.1.into_iter().map(|a| {
            let e = a.entry;
            obj! {
                "id" => a.id,
                "time" => datetime::format(e.time),
                "keyKind" => e.key_kind,
                "keyPrefix" => e.key_prefix,
                "address" => e.address,
                "method" => e.method,
                "controller" => e.controller,
                "productID" => e.product_id,
                "licenseCode" => e.license_code,
                "fields" => e.fields,
            }
        }))),
    }
}
