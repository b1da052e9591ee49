//! `ProductUDF`: Application Agility user-defined fields and their default values.

use super::feature_groups::required_list;
use super::product_id;
use super::settings::{MAX_NAME, in_list};
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::params::{MAX_TEXT, Params};
use crate::store::Store;
use crate::store::model::*;

fn no_duplicates<'a>(names: impl Iterator<Item = &'a str>) -> Result<(), ApiError> {
    let mut seen: Vec<&str> = Vec::new();
    for name in names {
        if seen.iter().any(|s| s.eq_ignore_ascii_case(name)) {
            return Err(ApiError::bad_request(format!("udfvalues: fieldname: {name} given twice")));
        }
        seen.push(name);
    }
    Ok(())
}

/// POST ProductUDF.
pub fn post(store: &dyn Store, p: &Params) -> ApiResult {
    let id = product_id(p)?;
    let mut udfs = Vec::new();
    for u in required_list(p.list("udfvalues")?, "udfvalues")? {
        udfs.push(UdfSetting {
            name: u.required_len("fieldname", 1, MAX_NAME).map_err(|e| in_list("udfvalues", e))?,
            value: u
                .text_len("defaultvalue", 0, MAX_TEXT)
                .map_err(|e| in_list("udfvalues", e))?
                .unwrap_or_default(),
        });
    }
    no_duplicates(udfs.iter().map(|u| u.name.as_str()))?;
    store.create_udfs(&id, &udfs)?;
    Ok(Json::from("Product UDF Created Successfully"))
}

/// PUT ProductUDF. The answer is the seed's, word for word ("Product Features Updated
/// Successfully"), so clients comparing it keep working.
pub fn put(store: &dyn Store, p: &Params) -> ApiResult {
    let id = product_id(p)?;
    let mut patches = Vec::new();
    for u in required_list(p.list("udfvalues")?, "udfvalues")? {
        patches.push(UdfPatch {
            name: u.required_len("fieldname", 1, MAX_NAME).map_err(|e| in_list("udfvalues", e))?,
            new_name: u.text_len("newfieldname", 1, MAX_NAME).map_err(|e| in_list("udfvalues", e))?,
            value: u.text_len("defaultvalue", 0, MAX_TEXT).map_err(|e| in_list("udfvalues", e))?,
        });
    }
    no_duplicates(patches.iter().map(|u| u.name.as_str()))?;
    store.update_udfs(&id, &patches)?;
    Ok(Json::from("Product Features Updated Successfully"))
}

/// DELETE ProductUDF.
pub fn delete(store: &dyn Store, p: &Params) -> ApiResult {
    let id = product_id(p)?;
    let name = p.required_len("fieldname", 1, MAX_NAME)?;
    store.delete_udf(&id, &name)?;
    Ok(Json::from("Product UDF Deleted Successfully"))
}
