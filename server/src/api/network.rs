//! `NetworkMasterLicense`: a license code for a site's LAN daemon, which activates it (as
//! `network_daemon`) to receive the vendor-signed network master license it serves network
//! seats by.

use super::settings::{self, MAX_NAME};
use super::{PRODUCT_ID, product_id};
use crate::error::{ApiError, ApiResult};
use crate::fields::{Field, Fields};
use crate::json::Json;
use crate::params::Params;
use crate::store::Store;
use crate::store::model::{ConcurrencyMode, NewNetworkMaster, SettingsPatch};

/// The answer before the license code, in the style of `POST PassiveLicense`'s.
pub const CREATED: &str = "Network Master License Created Successfully.";

/// The settings of a master license's code: those of `PUT LicenseCode`, read by the same
/// parser, except that the concurrency mode is network (another explicit mode is refused)
/// and an explicit `networkseats` serves at least one seat.
fn master_settings(p: &Params) -> Result<SettingsPatch, ApiError> {
    let patch = settings::settings_patch(p)?;
    if let Some(mode) = patch.concurrency_mode.filter(|m| *m != ConcurrencyMode::Network) {
        return Err(ApiError::bad_request(format!(
            "concurrencymode: a network master license is in concurrency mode network, not {}: omit \
             concurrencymode or send network",
            mode.name().to_ascii_lowercase()
        )));
    }
    if patch.network_seats == Some(0) {
        return Err(ApiError::bad_request(
            "networkseats: a network master license serves at least 1 seat (omit it for the profile's, or 1)",
        ));
    }
    Ok(patch)
}

/// POST NetworkMasterLicense: "Network Master License Created Successfully." and, on the
/// next line, the new license code.
pub fn post(store: &dyn Store, p: &Params) -> ApiResult {
    let request = NewNetworkMaster {
        product_id: product_id(p)?,
        company_id: p.int("companyid", 0, i64::MAX)?.unwrap_or(0),
        profile_name: p.text_len("profilename", 1, MAX_NAME)?,
        reference: p.text_len("reference", 0, MAX_NAME)?.unwrap_or_default(),
        settings: master_settings(p)?,
        extras: settings::extras(p)?,
    };
    let code = store.create_network_master(&request)?;
    Ok(Json::from(format!("{CREATED}\n{code}")))
}

/// POST NetworkMasterLicense's fields: the seed's, `POST LicenseCode`'s profile and
/// reference, and the license settings `PUT LicenseCode` takes.
pub const POST_FIELDS: Fields = &[
    &[PRODUCT_ID, Field::new("companyid"), Field::new("profilename"), Field::new("reference")],
    settings::SETTINGS_FIELDS,
    settings::EXTRAS_FIELDS,
];
