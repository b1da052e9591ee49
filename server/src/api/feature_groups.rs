//! `ProductFeatureGroups`: named groups that organise a product's features.

use super::product_id;
use super::settings::{MAX_NAME, in_list};
use crate::error::{ApiError, ApiResult};
use crate::json::Json;
use crate::params::{MAX_TEXT, Params};
use crate::store::Store;
use crate::store::model::*;

/// A list field that must hold at least one item.
pub(super) fn required_list<T>(items: Vec<T>, list: &str) -> Result<Vec<T>, ApiError> {
    if items.is_empty() {
        return Err(ApiError::bad_request(format!("{list}: required (a list of at least one item)")));
    }
    Ok(items)
}

/// POST ProductFeatureGroups.
pub fn post(store: &dyn Store, p: &Params) -> ApiResult {
    let id = product_id(p)?;
    let mut groups: Vec<NewGroup> = Vec::new();
    for g in required_list(p.list("featuregroups")?, "featuregroups")? {
        let group = NewGroup {
            name: g.required_len("featuregroupname", 1, MAX_NAME).map_err(|e| in_list("featuregroups", e))?,
            notes: g
                .text_len("notes", 0, MAX_TEXT)
                .map_err(|e| in_list("featuregroups", e))?
                .unwrap_or_default(),
        };
        if groups.iter().any(|o| o.name.eq_ignore_ascii_case(&group.name)) {
            return Err(ApiError::bad_request(format!(
                "featuregroups: featuregroupname: {} given twice",
                group.name
            )));
        }
        groups.push(group);
    }
    store.create_groups(&id, &groups)?;
    Ok(Json::from("Product FeatureGroups Created Successfully"))
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
