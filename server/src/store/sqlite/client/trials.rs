//! Product trials: one per (product, computer ID); asking again resumes it with a new
//! installation key and lease, never a new period.

use licensekit::Status;
use licensekit::protocol::client_api::{LeaseState, LicenseType};
use rusqlite::{Connection, OptionalExtension, params};

use super::{Granted, Outcome, next_serial, record_system_details, unknown_installation};
use crate::store::StoreError;
use crate::store::StoreResult;
use crate::store::leasing::{ClientCall, DAY_HOURS, Grant, Periods, Refusal};
use crate::store::model::{FeatureState, Product};
use crate::store::sqlite::products;

/// The product, or the refusal for an unknown one.
fn load_product(conn: &Connection, call: &ClientCall) -> StoreResult<Result<Product, Refusal>> {
    match products::load(conn, &call.product_id) {
        Ok(product) => Ok(Ok(product)),
        Err(StoreError::NotFound(_)) => Ok(Err(Refusal::new(
            Status::InvalidProductId,
            format!("product_id: product {} not found", call.product_id),
        ))),
        Err(e) => Err(e),
    }
}

/// Signs a new lease for the trial: the product's lease periods, its features (switched off
/// unless available in trials, so the application can tell "not in a trial" from "no such
/// feature"), the product's UDF defaults.
fn lease(conn: &Connection, call: &ClientCall, product: &Product, expires: i64) -> StoreResult<Grant> {
    let periods = Periods {
        lease: product.client_lease_period,
        vm_lease: product.vm_lease_period,
        offline: product.client_offline_lease_period,
    };
    let (lease_end, grace_end) = periods.window(&call.vm_platform, call.now, call.hour);
    conn.prepare_cached(
        "UPDATE trials SET installation_key = ?3, lease_end = ?4, modified = ?5
         WHERE product_id = ?1 AND computer_id = ?2",
    )?
    .execute(params![call.product_id, call.computer_id, call.installation_key, lease_end, call.now])?;
    let features = product
        .features
        .iter()
        .map(|f| FeatureState {
            code: f.code.clone(),
            on: f.on && f.available_in_trials,
            feature_type: f.feature_type,
            limit: 0,
            in_use: 0,
            by_computer: Vec::new(),
        })
        .collect();
    Ok(Grant {
        license_code: None,
        state: LeaseState::Active,
        license_type: LicenseType::Trial,
        features,
        udfs: product.udfs.clone(),
        expires: Some(expires),
        maintenance_end: None,
        lease_end,
        grace_end,
        serial: next_serial(conn)?,
        installation_key: call.installation_key.clone(),
        vm_platform: call.vm_platform.clone(),
    })
}

pub fn start(conn: &Connection, call: &ClientCall) -> StoreResult<Outcome> {
    let product = match load_product(conn, call)? {
        Ok(product) => product,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if !product.in_trial || product.trial_period <= 0 {
        return Ok(Err(Refusal::new(Status::TrialUnavailable, "product_id: the product has no trial")));
    }
    let existing: Option<i64> = conn
        .prepare_cached("SELECT expires FROM trials WHERE product_id = ?1 AND computer_id = ?2")?
        .query_row([&call.product_id, &call.computer_id], |r| r.get(0))
        .optional()?;
    let expires = match existing {
        Some(expires) => expires,
        None => {
            let expires = call
                .now
                .saturating_add(product.trial_period.saturating_mul(DAY_HOURS).saturating_mul(call.hour));
            conn.prepare_cached(
                "INSERT INTO trials (product_id, computer_id, trial_period, created, modified, expires)
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
            )?
            .execute(params![
                call.product_id,
                call.computer_id,
                product.trial_period,
                call.now,
                expires
            ])?;
            expires
        }
    };
    record_system_details(conn, call)?;
    Ok(Ok(Granted::Lease(lease(conn, call, &product, expires)?)))
}

pub fn refresh(conn: &Connection, call: &ClientCall) -> StoreResult<Outcome> {
    let product = match load_product(conn, call)? {
        Ok(product) => product,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let expires: Option<i64> = conn
        .prepare_cached(
            "SELECT expires FROM trials WHERE product_id = ?1 AND computer_id = ?2 AND installation_key = ?3",
        )?
        .query_row([&call.product_id, &call.computer_id, &call.installation_key], |r| r.get(0))
        .optional()?;
    match expires {
        Some(expires) => Ok(Ok(Granted::Lease(lease(conn, call, &product, expires)?))),
        None => Ok(Err(unknown_installation(conn, call)?)),
    }
}
