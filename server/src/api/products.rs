//! `Products` and `Product`: products with their features and UDFs.

use licensekit::protocol::client_api::OFFLINE_REQUEST_DAYS;

use super::feature_groups::{GROUP_ITEMS, new_group};
use super::features::{FEATURE_ITEMS, new_feature};
use super::settings::{
    MAX_CLIENT_LEASE_HOURS, MAX_NAME, MAX_OFFLINE_LEASE_DAYS, MAX_VM_LEASE_HOURS, date_field,
};
use super::udfs::{UDF_ITEMS, new_udf};
use super::{PRODUCT_ID, no_duplicates, product_id, render};
use crate::error::{ApiError, ApiResult};
use crate::fields::{Field, Fields};
use crate::json::Json;
use crate::obj;
use crate::params::Params;
use crate::store::Store;
use crate::store::leasing::MAX_OFFLINE_REQUEST_DAYS;
use crate::store::model::*;

/// Products allow 1 to 50000 clients (the seed's limit).
const CLIENTS: (i64, i64) = (1, 50_000);
/// Trial period used when a product in trial gives none (the seed's default).
const DEFAULT_TRIAL_DAYS: i64 = 30;
/// Longest trial period accepted, days.
const MAX_TRIAL_DAYS: i64 = 5000;

fn render(product: &Product) -> Json {
    obj! {
        "productName" => &product.name,
        "productId" => &product.id,
        "clientLeasePeriod" => product.client_lease_period,
        "vmLeasePeriod" => product.vm_lease_period,
        "clientOfflineLeasePeriod" => product.client_offline_lease_period,
        "trialPeriod" => product.trial_period,
        "licenseType" => product.license_type.name(),
        "clientsAllowed" => product.clients_allowed,
        "offlineRequestDays" => product.offline_request_days,
        "clonePolicy" => product.clone_policy.name(),
        "features" => Json::arr(product.features.iter().map(|f| obj! {
            "featureCode" => &f.code,
            "featureAvailability" => render::on_off(f.on),
            "featureType" => f.feature_type.name(),
            "featureName" => &f.name,
            "featureNotes" => &f.notes,
            "featureGroup" => &f.group,
        })),
        "udfValues" => render::udfs(&product.udfs),
    }
}

/// `offlinerequestdays`: how many days an offline activation request stays valid (the seed is
/// silent; the time for a request file to reach the vendor and the certificate to come back).
fn offline_request_days(p: &Params) -> Result<Option<i64>, ApiError> {
    p.int("offlinerequestdays", 1, MAX_OFFLINE_REQUEST_DAYS)
}

/// `clonepolicy`: what a refresh from a copied license store gets (see [`ClonePolicy`]).
fn clone_policy(p: &Params) -> Result<Option<ClonePolicy>, ApiError> {
    Ok(p.choice("clonepolicy", &ClonePolicy::WORDS)?.map(|i| ClonePolicy::ALL[i]))
}

/// GET Products: every product.
pub fn list(store: &dyn Store, _: &Params) -> ApiResult {
    Ok(Json::arr(store.products()?.iter().map(render)))
}

/// GET Product: one product, as a one-element list like the seed's example.
pub fn get(store: &dyn Store, p: &Params) -> ApiResult {
    let product = store.product(&product_id(p)?)?;
    Ok(Json::arr([render(&product)]))
}

/// POST Product: a product with its feature groups, features and UDFs, in one transaction.
pub fn post(store: &dyn Store, p: &Params) -> ApiResult {
    let name = p.required_len("productname", 1, MAX_NAME)?;
    let in_trial = p.bool("intrial")?.unwrap_or(false);
    let trial_period =
        p.int("trialperiod", 0, MAX_TRIAL_DAYS)?.unwrap_or(if in_trial { DEFAULT_TRIAL_DAYS } else { 0 });
    let (license_type, subscription_period, subscription_end) = subscription_rules(
        None,
        p.choice("licensetype", &LicenseType::WORDS)?.map(|i| LicenseType::ALL[i]),
        p.int("subscriptionperiod", 0, 5000)?,
        date_field(p, "subscriptionenddate")?,
    )
    .map_err(ApiError::bad_request)?;
    let groups = p.list("featuregroups")?.iter().map(new_group).collect::<Result<Vec<_>, _>>()?;
    no_duplicates("featuregroups: featuregroupname", groups.iter().map(|g| g.name.as_str()))?;
    let features = p.list("features")?.iter().map(new_feature).collect::<Result<Vec<_>, _>>()?;
    no_duplicates("features: featurecode", features.iter().map(|f| f.code.as_str()))?;
    let udfs = p.list("udfvalues")?.iter().map(new_udf).collect::<Result<Vec<_>, _>>()?;
    no_duplicates("udfvalues: fieldname", udfs.iter().map(|u| u.name.as_str()))?;
    let product = NewProduct {
        name,
        in_trial,
        trial_period,
        client_lease_period: p.int("clientleaseperiod", 0, MAX_CLIENT_LEASE_HOURS)?.unwrap_or(0),
        vm_lease_period: p.int("vmleaseperiod", 0, MAX_VM_LEASE_HOURS)?.unwrap_or(0),
        client_offline_lease_period: p
            .int("clientofflineleaseperiod", 0, MAX_OFFLINE_LEASE_DAYS)?
            .unwrap_or(0)
            * 24,
        license_type,
        clients_allowed: p.int("clientsallowed", CLIENTS.0, CLIENTS.1)?.unwrap_or(1),
        subscription_period,
        subscription_end,
        offline_request_days: offline_request_days(p)?.unwrap_or(OFFLINE_REQUEST_DAYS),
        clone_policy: clone_policy(p)?.unwrap_or(ClonePolicy::Refuse),
        groups,
        features,
        udfs,
    };
    let id = store.create_product(&product)?;
    Ok(Json::from(format!("Product Created Successfully : {id}")))
}

/// PUT Product: omitted fields stay as they are.
pub fn put(store: &dyn Store, p: &Params) -> ApiResult {
    let id = product_id(p)?;
    let patch = ProductPatch {
        name: p.text_len("productname", 1, MAX_NAME)?,
        trial_period: p.int("trialperiod", 0, MAX_TRIAL_DAYS)?,
        client_lease_period: p.int("clientleaseperiod", 0, MAX_CLIENT_LEASE_HOURS)?,
        vm_lease_period: p.int("vmleaseperiod", 0, MAX_VM_LEASE_HOURS)?,
        client_offline_lease_period: p
            .int("clientofflineleaseperiod", 0, MAX_OFFLINE_LEASE_DAYS)?
            .map(|d| d * 24),
        license_type: p.choice("licensetype", &LicenseType::WORDS)?.map(|i| LicenseType::ALL[i]),
        clients_allowed: p.int("clientsallowed", CLIENTS.0, CLIENTS.1)?,
        subscription_period: p.int("subscriptionperiod", 0, 5000)?,
        subscription_end: date_field(p, "subscriptionenddate")?,
        offline_request_days: offline_request_days(p)?,
        clone_policy: clone_policy(p)?,
    };
    store.update_product(&id, &patch)?;
    Ok(Json::from("Product Updated Successfully"))
}

/// GET Product's fields.
pub const GET_FIELDS: Fields = &[&[PRODUCT_ID]];
/// POST Product's fields.
pub const POST_FIELDS: Fields = &[
    &[
        Field::new("productname"),
        Field::new("intrial"),
        Field::new("trialperiod"),
        Field::new("licensetype"),
        Field::new("subscriptionperiod"),
        Field::new("subscriptionenddate"),
        Field::new("clientleaseperiod"),
        Field::new("vmleaseperiod"),
        Field::new("clientofflineleaseperiod"),
        Field::new("clientsallowed"),
        Field::new("offlinerequestdays"),
        Field::new("clonepolicy"),
    ],
    &[
        Field::list("featuregroups", GROUP_ITEMS),
        Field::list("features", FEATURE_ITEMS),
        Field::list("udfvalues", UDF_ITEMS),
    ],
];
/// PUT Product's fields.
pub const PUT_FIELDS: Fields = &[&[
    PRODUCT_ID,
    Field::new("productname"),
    Field::new("trialperiod"),
    Field::new("clientleaseperiod"),
    Field::new("vmleaseperiod"),
    Field::new("clientofflineleaseperiod"),
    Field::new("licensetype"),
    Field::new("clientsallowed"),
    Field::new("subscriptionperiod"),
    Field::new("subscriptionenddate"),
    Field::new("offlinerequestdays"),
    Field::new("clonepolicy"),
]];
