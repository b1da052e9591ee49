//! Passive licenses: the product's (or a profile's) features and UDF values with the
//! vendor's choices over them, a server-wide serial, and a record of every license issued.

use super::db::{Connection, params};

use super::client::next_serial;
use super::{companies, products, profiles};
use crate::store::leasing::{NewPassive, PassiveGrant, PassiveSigner, code_expiry};
use crate::store::model::FeatureState;
use crate::store::{StoreError, StoreResult};

pub fn create(conn: &Connection, request: &NewPassive, sign: PassiveSigner<'_>) -> StoreResult<String> {
    let product = products::load(conn, &request.product_id)?;
    let (mut features, mut udfs, profile) = match &request.profile {
        Some(name) => {
            let profile = profiles::load(conn, &product.id, name)?;
            (profile.features.clone(), profile.udfs.clone(), Some(profile))
        }
        None => {
            let features = product
                .features
                .iter()
                .map(|f| FeatureState {
                    code: f.code.clone(),
                    on: f.on,
                    feature_type: f.feature_type,
                    limit: 0,
                    in_use: 0,
                    by_computer: Vec::new(),
                })
                .collect();
            (features, product.udfs.clone(), None)
        }
    };
    for code in &request.features {
        let feature = features.iter_mut().find(|f| f.code.eq_ignore_ascii_case(code)).ok_or_else(|| {
            StoreError::NotFound(format!(
                "features: featurecode: feature {code} not found in product {}",
                product.id
            ))
        })?;
        feature.on = true;
    }
    for setting in &request.udfs {
        let udf = udfs.iter_mut().find(|u| u.name.eq_ignore_ascii_case(&setting.name)).ok_or_else(|| {
            StoreError::NotFound(format!(
                "udfvalues: fieldname: UDF {} not found in product {}",
                setting.name, product.id
            ))
        })?;
        udf.value = setting.value.clone();
    }
    let company = match request.company_id {
        0 => None,
        id => Some(companies::by_id(conn, id, Some(&product.id))?),
    };
    let grant = PassiveGrant {
        product_id: product.id.clone(),
        client_id: request.client_id.clone(),
        features,
        udfs,
        company: company.as_ref().map(|c| c.name.clone()),
        profile: profile.as_ref().map(|p| p.name.clone()),
        issued_at: request.now,
        serial: next_serial(conn)?,
        expires: profile.as_ref().and_then(|p| code_expiry(&p.settings, request.now, request.hour)),
    };
    let license = sign(&grant).map_err(StoreError::Internal)?;
    conn.prepare_cached(
        "INSERT INTO passive_licenses (serial, product_id, client_id, company_id, profile, issued, expires, license)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        grant.serial,
        grant.product_id,
        grant.client_id,
        company.map(|c| c.id),
        grant.profile,
        grant.issued_at,
        grant.expires,
        license
    ])?;
    Ok(license)
}
