//! `ProductUDF`: Application Agility user-defined fields and their default values.

use super::settings::{MAX_NAME, in_list};
use super::{PRODUCT_ID, no_duplicates, product_id, required_list};
use crate::error::{ApiError, ApiResult};
use crate::fields::{Field, Fields};
use crate::json::Json;
use crate::params::{MAX_TEXT, Params};
use crate::store::Store;
use crate::store::model::*;

/// POST ProductUDF.
pub fn post(store: &dyn Store, p: &Params) -> ApiResult {
    let id = product_id(p)?;
    let udfs = required_list(p.list("udfvalues")?, "udfvalues")?
        .iter()
        .map(new_udf)
        .collect::<Result<Vec<_>, _>>()?;
    no_duplicates("udfvalues: fieldname", udfs.iter().map(|u| u.name.as_str()))?;
    store.create_udfs(&id, &udfs)?;
    Ok(Json::from("Product UDF Created Successfully"))
}

/// One UDF of a POST Product / POST ProductUDF request.
pub fn new_udf(u: &Params) -> Result<UdfSetting, ApiError> {
    let err = |e| in_list("udfvalues", e);
    Ok(UdfSetting {
        name: u.required_len("fieldname", 1, MAX_NAME).map_err(err)?,
        value: u.text_len("defaultvalue", 0, MAX_TEXT).map_err(err)?.unwrap_or_default(),
    })
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
    no_duplicates("udfvalues: fieldname", patches.iter().map(|u| u.name.as_str()))?;
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

/// The fields of one UDF in a POST Product / POST ProductUDF request.
pub const UDF_ITEMS: &[Field] = &[Field::new("fieldname"), Field::new("defaultvalue")];
/// POST ProductUDF's fields.
pub const POST_FIELDS: Fields = &[&[PRODUCT_ID, Field::list("udfvalues", UDF_ITEMS)]];
/// PUT ProductUDF's fields.
pub const PUT_FIELDS: Fields = &[&[
    PRODUCT_ID,
    Field::list(
        "udfvalues",
        &[Field::new("fieldname"), Field::new("newfieldname"), Field::new("defaultvalue")],
    ),
]];
/// DELETE ProductUDF's fields.
pub const DELETE_FIELDS: Fields = &[&[PRODUCT_ID, Field::new("fieldname")]];
