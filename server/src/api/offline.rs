//! `OfflineActivation`: activation requests carried from air-gapped machines become
//! activation certificates; deactivation certificates give their seats back.

use super::{PRODUCT_ID, product_id};
use crate::client_api::ClientProtocol;
use crate::error::ApiResult;
use crate::fields::{Field, Fields};
use crate::json::Json;
use crate::offline;
use crate::params::Params;
use crate::store::Store;

/// GET OfflineActivation: the activation certificate (armoured text) for the request in
/// `activationcertificate`.
pub fn get(store: &dyn Store, protocol: &ClientProtocol, p: &Params) -> ApiResult {
    let product = product_id(p)?;
    let request = p.required_long("activationcertificate")?;
    let certificate =
        offline::issue_certificate(store, protocol, &request, "activationcertificate", Some(&product))?;
    Ok(Json::from(certificate.text))
}

/// DELETE OfflineActivation: frees the seat the deactivation certificate in
/// `deactivationcertificate` gives back; "OK".
pub fn delete(store: &dyn Store, protocol: &ClientProtocol, p: &Params) -> ApiResult {
    let product = product_id(p)?;
    let certificate = p.required_long("deactivationcertificate")?;
    offline::apply_deactivation(store, protocol, &certificate, "deactivationcertificate", Some(&product))?;
    Ok(Json::from("OK"))
}

/// GET OfflineActivation's fields.
pub const GET_FIELDS: Fields = &[&[PRODUCT_ID, Field::new("activationcertificate")]];
/// DELETE OfflineActivation's fields.
pub const DELETE_FIELDS: Fields = &[&[PRODUCT_ID, Field::new("deactivationcertificate")]];
