//! `ProductFeatureGroups`: named groups that organise a product's features.

use super::settings::{MAX_NAME, in_list};
use super::{PRODUCT_ID, no_duplicates, product_id, required_list};
use crate::error::{ApiError, ApiResult};
use crate::fields::{Field, Fields};
use crate::json::Json;
use crate::params::{MAX_TEXT, Params};
use crate::store::Store;
use crate::store::model::*;

/// POST ProductFeatureGroups.
pub fn post(store: &dyn Store, p: &Params) -> ApiResult {
    let id = product_id(p)?;
    let groups = required_list(p.list("featuregroups")?, "featuregroups")?
        .iter()
        .map(new_group)
        .collect::<Result<Vec<_>, _>>()?;
    no_duplicates("featuregroups: featuregroupname", groups.iter().map(|g| g.name.as_str()))?;
    store.create_groups(&id, &groups)?;
    Ok(Json::from("Product FeatureGroups Created Successfully"))
}

/// One group of a POST Product / POST ProductFeatureGroups request.
pub fn new_group(g: &Params) -> Result<NewGroup, ApiError> {
    let err = |e| in_list("featuregroups", e);
    Ok(NewGroup {
        name: g.required_len("featuregroupname", 1, MAX_NAME).map_err(err)?,
        notes: g.text_len("notes", 0, MAX_TEXT).map_err(err)?.unwrap_or_default(),
    })
}

/// PUT ProductFeatureGroups: rename groups or change their notes.
pub fn put(store: &dyn Store, p: &Params) -> ApiResult {
    let id = product_id(p)?;
    let mut groups = Vec::new();
    for g in required_list(p.list("featuregroups")?, "featuregroups")? {
        groups.push(GroupPatch {
            name: g.required_len("featuregroupname", 1, MAX_NAME).map_err(|e| in_list("featuregroups", e))?,
            new_name: g
                .text_len("newfeaturegroupname", 1, MAX_NAME)
                .map_err(|e| in_list("featuregroups", e))?,
            notes: g.text_len("notes", 0, MAX_TEXT).map_err(|e| in_list("featuregroups", e))?,
        });
    }
    store.update_groups(&id, &groups)?;
    Ok(Json::from("Product FeatureGroups Updated Successfully"))
}

/// DELETE ProductFeatureGroups: its features move to the Default group.
pub fn delete(store: &dyn Store, p: &Params) -> ApiResult {
    let id = product_id(p)?;
    let name = p.required_len("featuregroupname", 1, MAX_NAME)?;
    store.delete_group(&id, &name)?;
    Ok(Json::from("Product FeatureGroup Deleted Successfully"))
}

/// The fields of one group in a POST Product / POST ProductFeatureGroups request.
pub const GROUP_ITEMS: &[Field] = &[Field::new("featuregroupname"), Field::new("notes")];
/// POST ProductFeatureGroups' fields.
pub const POST_FIELDS: Fields = &[&[PRODUCT_ID, Field::list("featuregroups", GROUP_ITEMS)]];
/// PUT ProductFeatureGroups' fields.
pub const PUT_FIELDS: Fields = &[&[
    PRODUCT_ID,
    Field::list(
        "featuregroups",
        &[Field::new("featuregroupname"), Field::new("newfeaturegroupname"), Field::new("notes")],
    ),
]];
/// DELETE ProductFeatureGroups' fields.
pub const DELETE_FIELDS: Fields = &[&[PRODUCT_ID, Field::new("featuregroupname")]];
