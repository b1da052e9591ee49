//! `ProductFeatures`: the features of a product.

use super::settings::{MAX_NAME, in_list};
use super::{PRODUCT_ID, no_duplicates, product_id, required_list};
use crate::error::{ApiError, ApiResult};
use crate::fields::{Field, Fields};
use crate::json::Json;
use crate::params::{MAX_TEXT, Params};
use crate::store::Store;
use crate::store::model::*;

/// Longest feature code.
const MAX_CODE: usize = 64;

/// One feature of a POST Product / POST ProductFeatures request.
pub fn new_feature(f: &Params) -> Result<NewFeature, ApiError> {
    let err = |e| in_list("features", e);
    Ok(NewFeature {
        code: f.required_len("featurecode", 1, MAX_CODE).map_err(err)?,
        name: f.required_len("featurename", 1, MAX_NAME).map_err(err)?,
        notes: f.required_len("notes", 1, MAX_TEXT).map_err(err)?,
        feature_type: f
            .choice("featuretype", &FeatureType::WORDS)
            .map_err(err)?
            .map_or(FeatureType::Normal, |i| FeatureType::ALL[i]),
        group: f.text_len("featuregroupname", 1, MAX_NAME).map_err(err)?,
        available_in_trials: f.bool("availableintrials").map_err(err)?.unwrap_or(false),
    })
}

/// POST ProductFeatures.
pub fn post(store: &dyn Store, p: &Params) -> ApiResult {
    let id = product_id(p)?;
    let features = required_list(p.list("features")?, "features")?
        .iter()
        .map(new_feature)
        .collect::<Result<Vec<_>, _>>()?;
    no_duplicates("features: featurecode", features.iter().map(|f| f.code.as_str()))?;
    store.create_features(&id, &features)?;
    Ok(Json::from("Product Features Created Successfully"))
}

/// PUT ProductFeatures. The seed's own example sends the list as `featureGroups`, so that
/// name is accepted for it too.
pub fn put(store: &dyn Store, p: &Params) -> ApiResult {
    let id = product_id(p)?;
    let list = if p.has("features") { p.list("features")? } else { p.list("featuregroups")? };
    let mut patches = Vec::new();
    for f in required_list(list, "features")? {
        let err = |e| in_list("features", e);
        let group = f.text_len("featuregroupname", 1, MAX_NAME).map_err(err)?;
        patches.push(FeaturePatch {
            code: f.required_len("featurecode", 1, MAX_CODE).map_err(err)?,
            new_code: f.text_len("newfeaturecode", 1, MAX_CODE).map_err(err)?,
            name: f.text_len("featurename", 1, MAX_NAME).map_err(err)?,
            notes: f.text_len("notes", 0, MAX_TEXT).map_err(err)?,
            group: group.map(|g| (!g.eq_ignore_ascii_case("default")).then_some(g)),
            available_in_trials: f.bool("availableintrials").map_err(err)?,
        });
    }
    no_duplicates("features: featurecode", patches.iter().map(|f| f.code.as_str()))?;
    store.update_features(&id, &patches)?;
    Ok(Json::from("Product Features Updated Successfully"))
}

/// DELETE ProductFeatures: the feature leaves every profile and code with it.
pub fn delete(store: &dyn Store, p: &Params) -> ApiResult {
    let id = product_id(p)?;
    let code = p.required_len("featurecode", 1, MAX_CODE)?;
    store.delete_feature(&id, &code)?;
    Ok(Json::from("Product Feature Deleted Successfully"))
}

/// The fields of one feature in a POST Product / POST ProductFeatures request.
pub const FEATURE_ITEMS: &[Field] = &[
    Field::new("featurecode"),
    Field::new("featurename"),
    Field::new("notes"),
    Field::new("featuretype"),
    Field::new("featuregroupname"),
    Field::new("availableintrials"),
];
/// The fields of one feature in a PUT ProductFeatures request.
const PATCH_ITEMS: &[Field] = &[
    Field::new("featuregroupname"),
    Field::new("featurecode"),
    Field::new("newfeaturecode"),
    Field::new("featurename"),
    Field::new("notes"),
    Field::new("availableintrials"),
];
/// POST ProductFeatures' fields.
pub const POST_FIELDS: Fields = &[&[PRODUCT_ID, Field::list("features", FEATURE_ITEMS)]];
/// PUT ProductFeatures' fields (the list may also be called `featuregroups`).
pub const PUT_FIELDS: Fields =
    &[&[PRODUCT_ID, Field::list("features", PATCH_ITEMS), Field::list("featuregroups", PATCH_ITEMS)]];
/// DELETE ProductFeatures' fields.
pub const DELETE_FIELDS: Fields = &[&[PRODUCT_ID, Field::new("featurecode")]];
