//! `PassiveLicense`: a vendor-signed license bound to a client ID, for machines that never
//! contact a server.

use super::{PRODUCT_ID, no_duplicates, product_id};
use crate::client_api::ClientProtocol;
use crate::error::{ApiError, ApiResult};
use crate::fields::{Field, Fields};
use crate::json::Json;
use crate::params::Params;
use crate::passive;
use crate::store::Store;
use crate::store::leasing::NewPassive;
use crate::store::model::UdfSetting;

/// The seed's answer before the license text.
pub const CREATED: &str = "Passive License Created Successfully.";

/// POST PassiveLicense: "Passive License Created Successfully." and, on the next line, the
/// passive license (armoured text).
pub fn post(store: &dyn Store, protocol: &ClientProtocol, p: &Params) -> ApiResult {
    let product = product_id(p)?;
    let client_id = p.required("clientid")?;
    passive::check_client_id(&client_id)?;
    let profile = passive::profile(p.text_len("profilename", 1, 255)?);
    let features = p
        .list("features")?
        .iter()
        .enumerate()
        .map(|(i, f)| {
            f.required_len("featurecode", 1, 255)
                .map_err(|e| ApiError::bad_request(format!("features[{i}]: {}", e.message)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    no_duplicates("features: featurecode", features.iter().map(String::as_str))?;
    let udfs = p
        .list("udfvalues")?
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let name = u.required_len("fieldname", 1, 255);
            let value = u.text("defaultvalue").map(Option::unwrap_or_default);
            match (name, value) {
                (Ok(name), Ok(value)) => Ok(UdfSetting { name, value }),
                (Err(e), _) | (_, Err(e)) => {
                    Err(ApiError::bad_request(format!("udfvalues[{i}]: {}", e.message)))
                }
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    no_duplicates("udfvalues: fieldname", udfs.iter().map(|u| u.name.as_str()))?;
    let request = NewPassive {
        product_id: product,
        client_id,
        company_id: p.int("companyid", 0, i64::from(i32::MAX))?.unwrap_or(0),
        profile,
        features,
        udfs,
        now: protocol.clock.now(),
        hour: protocol.clock.hour(),
    };
    let license = passive::create(store, protocol, &request)?;
    Ok(Json::from(format!("{CREATED}\n{license}")))
}

/// POST PassiveLicense's fields.
pub const POST_FIELDS: Fields = &[&[
    PRODUCT_ID,
    Field::new("clientid"),
    Field::new("profilename"),
    Field::new("companyid"),
    Field::list("features", &[Field::new("featurecode")]),
    Field::list("udfvalues", &[Field::new("fieldname"), Field::new("defaultvalue")]),
]];
