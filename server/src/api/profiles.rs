//! `Profile` and `Profiles`: templates of license-code settings.

use super::render::{self, Casing};
use super::settings::{self, MAX_NAME};
use super::{PAGING_FIELDS, PRODUCT_ID, paging, product_id};
use crate::error::ApiResult;
use crate::fields::{Field, Fields};
use crate::json::Json;
use crate::params::Params;
use crate::store::Store;
use crate::store::model::*;

/// GET Profile's shape (`profileID`, `"True"`, `"Perpetual"`).
fn render_one(profile: &Profile, with_functions: bool) -> Json {
    let s = &profile.settings;
    let c = Casing::Capitalised;
    let mut fields = vec![
        ("profileName", Json::from(&profile.name)),
        ("profileID", Json::Int(profile.id)),
        ("enabledforuse", c.boolean(s.enabled_for_use)),
        ("licensetype", c.word(s.license_type.name())),
        ("clientsallowed", Json::Int(s.clients_allowed)),
        ("clientLeaseperiod", Json::Int(s.client_lease_period)),
        ("vmLeaseperiod", Json::Int(s.vm_lease_period)),
        ("clientOfflineLeaseperiod", Json::Int(s.client_offline_lease_period)),
        ("acquiredbywebservice", c.boolean(s.acquired_by_webservice)),
        ("networkseats", Json::Int(s.network_seats)),
        ("heartbeat", Json::Int(s.heartbeat)),
        ("concurrentProcesses", Json::Int(s.concurrent_processes)),
        ("resellerID", Json::Int(profile.reseller_id)),
        ("concurrencyMode", c.word(s.concurrency_mode.name())),
        ("subscriptionperiod", Json::Int(s.subscription_period)),
        ("subscriptionEnddate", render::date(s.subscription_end)),
        ("maintenanceEnddate", render::date(s.maintenance_end)),
        ("created", render::when(profile.created)),
        ("modified", render::when(profile.modified)),
        ("features", render::features(&profile.features, c, false, false, false)),
        ("udfValues", render::udfs(&profile.udfs)),
    ];
    if with_functions {
        fields.push(("serverFunctions", render::server_functions(&profile.server_functions)));
    }
    Json::Obj(fields)
}

/// GET Profiles' shape (`productId`, `profileId`, `"true"`, `"perpetual"`, `heartBeat`).
fn render_listed(profile: &Profile, with_functions: bool) -> Json {
    let s = &profile.settings;
    let c = Casing::Lower;
    let mut fields = vec![
        ("productId", Json::from(&profile.product_id)),
        ("profileName", Json::from(&profile.name)),
        ("profileId", Json::Int(profile.id)),
        ("enabledForUse", c.boolean(s.enabled_for_use)),
        ("licenseType", c.word(s.license_type.name())),
        ("clientsAllowed", Json::Int(s.clients_allowed)),
        ("clientLeasePeriod", Json::Int(s.client_lease_period)),
        ("vmLeasePeriod", Json::Int(s.vm_lease_period)),
        ("clientOfflineLeasePeriod", Json::Int(s.client_offline_lease_period)),
        ("acquiredByWebservice", c.boolean(s.acquired_by_webservice)),
        ("networkSeats", Json::Int(s.network_seats)),
        ("heartBeat", Json::Int(s.heartbeat)),
        ("concurrentProcesses", Json::Int(s.concurrent_processes)),
        ("resellerId", Json::Int(profile.reseller_id)),
        ("concurrencyMode", c.word(s.concurrency_mode.name())),
        ("subscriptionPeriod", Json::Int(s.subscription_period)),
        ("subscriptionEndDate", render::date(s.subscription_end)),
        ("maintenanceEndDate", render::date(s.maintenance_end)),
        ("created", render::when(profile.created)),
        ("modified", render::when(profile.modified)),
        ("features", render::features(&profile.features, c, false, false, false)),
        ("udfValues", render::udfs(&profile.udfs)),
    ];
    if with_functions {
        fields.push(("serverFunctions", render::server_functions(&profile.server_functions)));
    }
    Json::Obj(fields)
}

/// GET Profile: one profile, as a one-element list like the seed's example.
pub fn get(store: &dyn Store, p: &Params) -> ApiResult {
    let id = product_id(p)?;
    let name = p.required_len("profilename", 1, MAX_NAME)?;
    let with_functions = p.flag("getsfs")?;
    let profile = store.profile(&id, &name)?;
    Ok(Json::arr([render_one(&profile, with_functions)]))
}

/// GET Profiles: the count, or a page.
pub fn list(store: &dyn Store, p: &Params) -> ApiResult {
    let product = p.text_len("productid", 1, 64)?;
    let with_functions = p.flag("getsfs")?;
    match paging(p)? {
        None => Ok(Json::Int(store.count_profiles(product.as_deref())?)),
        Some(page) => Ok(Json::arr(
            store
                .profiles(product.as_deref(), page)?
                .iter()
                .map(|profile| render_listed(profile, with_functions)),
        )),
    }
}

fn change(p: &Params) -> Result<ProfileChange, crate::error::ApiError> {
    Ok(ProfileChange {
        new_name: p.text_len("newprofilename", 1, MAX_NAME)?,
        reseller: p.text_len("reseller", 0, MAX_NAME)?,
        settings: settings::settings_patch(p)?,
        extras: settings::extras(p)?,
    })
}

/// POST Profile.
pub fn post(store: &dyn Store, p: &Params) -> ApiResult {
    let id = product_id(p)?;
    let name = p.required_len("profilename", 1, MAX_NAME)?;
    let mut change = change(p)?;
    change.new_name = None;
    store.create_profile(&id, &name, &change)?;
    Ok(Json::from("Profile Created Successfully"))
}

/// PUT Profile; with `inheritprofile`, the codes in the profile take the changes too.
pub fn put(store: &dyn Store, p: &Params) -> ApiResult {
    let id = product_id(p)?;
    let name = p.required_len("profilename", 1, MAX_NAME)?;
    let inherit = p.bool("inheritprofile")?.unwrap_or(false);
    store.update_profile(&id, &name, &change(p)?, inherit)?;
    Ok(Json::from("Profile Updated Successfully"))
}

/// What [`change`] reads besides the settings.
const CHANGE_FIELDS: &[Field] = &[Field::new("newprofilename"), Field::new("reseller")];
/// GET Profile's fields.
pub const GET_FIELDS: Fields = &[&[PRODUCT_ID, Field::new("profilename"), Field::new("getsfs")]];
/// GET Profiles' fields.
pub const LIST_FIELDS: Fields = &[&[Field::new("productid"), Field::new("getsfs")], PAGING_FIELDS];
/// POST Profile's fields.
pub const POST_FIELDS: Fields = &[
    &[PRODUCT_ID, Field::new("profilename")],
    CHANGE_FIELDS,
    settings::SETTINGS_FIELDS,
    settings::EXTRAS_FIELDS,
];
/// PUT Profile's fields.
pub const PUT_FIELDS: Fields = &[
    &[PRODUCT_ID, Field::new("profilename"), Field::new("inheritprofile")],
    CHANGE_FIELDS,
    settings::SETTINGS_FIELDS,
    settings::EXTRAS_FIELDS,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_list_casing_follows_the_seed() {
        let profile = Profile {
            product_id: "1".into(),
            id: 12,
            name: "TestProfile".into(),
            reseller_id: 0,
            settings: Settings::profile_defaults(),
            created: 0,
            modified: 0,
            features: vec![FeatureState {
                code: "FLOAT".into(),
                on: true,
                feature_type: FeatureType::Floating,
                limit: 100,
                in_use: 10,
                by_computer: Vec::new(),
            }],
            udfs: Vec::new(),
            server_functions: Vec::new(),
        };
        let listed = serde_json::to_string(&render_listed(&profile, false)).unwrap();
        assert!(listed.contains(r#""licenseType":"perpetual""#), "{listed}");
        assert!(listed.contains(r#""maximumActive : 100""#), "{listed}");
        let one = serde_json::to_string(&render_one(&profile, false)).unwrap();
        assert!(one.contains(r#""enabledforuse":"False""#), "{one}");
        assert!(one.contains(r#""MaximumActive : 100""#), "{one}");
    }
}
