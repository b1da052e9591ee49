//! Product trials: one per (product, computer ID); asking again resumes it, never with a new
//! period, and with a new installation key only from the same hardware or with a handover;
//! refreshes from a copied store show as forks, as an activation's do.

use super::super::db::{Connection, OptionalExtension, params};
use licensekit::Status;
use licensekit::protocol::client_api::{LeaseState, LicenseType};

use super::super::products;
use super::chain::{self, Holding};
use super::{Granted, Outcome, next_serial, record_system_details, unknown_installation};
use crate::store::StoreError;
use crate::store::StoreResult;
use crate::store::leasing::{Chain, ClientCall, DAY_HOURS, Grant, Periods, Refusal, take_over};
use crate::store::model::{FeatureState, Product};

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

/// Signs a new lease for trial row `id`: the product's lease periods, its features (switched
/// off unless available in trials, so the application can tell "not in a trial" from "no such
/// feature"), the product's UDF defaults. `chain` is the trial's chain of leases so far,
/// `None` when a new installation key starts one; the call's components are recorded.
fn lease(
    conn: &Connection,
    call: &ClientCall,
    product: &Product,
    (id, expires): (i64, i64),
    chain: Option<Chain>,
) -> StoreResult<Grant> {
    let periods = Periods {
        lease: product.client_lease_period,
        vm_lease: product.vm_lease_period,
        offline: product.client_offline_lease_period,
    };
    let (lease_end, grace_end) = periods.window(&call.vm_platform, call.now, call.hour);
    let serial = next_serial(conn)?;
    let chain = match chain {
        Some(mut chain) => {
            chain.answered(call.held_serial, serial);
            chain
        }
        None => Chain::new(serial),
    };
    conn.prepare_cached(
        "UPDATE trials SET installation_key = ?2, lease_end = ?3, modified = ?4, components = ?5,
                           acked_serial = ?6, issued_serials = ?7
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        call.installation_key,
        lease_end,
        call.now,
        chain::components_json(call)?,
        chain.acked,
        chain.issued_text()
    ])?;
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
        serial,
        installation_key: call.installation_key.clone(),
        vm_platform: call.vm_platform.clone(),
        network: None,
        user: None,
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
    let existing: Option<(i64, i64, Option<String>)> = conn
        .prepare_cached(
            "SELECT id, expires, installation_key FROM trials WHERE product_id = ?1 AND computer_id = ?2",
        )?
        .query_row([&call.product_id, &call.computer_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let (trial, chain) = match existing {
        Some((id, expires, recorded_key)) => {
            let recorded = chain::recorded(conn, Holding::Trial, id)?;
            if let Some(recorded_key) = &recorded_key {
                let what = format!("the trial of product {}", call.product_id);
                let remedy = "start the trial from the installation that holds it, or have the vendor \
                              reset it (DELETE Trial), then start it again";
                if let Err(refusal) = take_over(call, recorded_key, &recorded.components, &what, remedy) {
                    return Ok(Err(refusal));
                }
            }
            let same = recorded_key.as_deref() == Some(call.installation_key.as_str());
            ((id, expires), same.then_some(recorded.chain))
        }
        None => {
            let expires = call
                .now
                .saturating_add(product.trial_period.saturating_mul(DAY_HOURS).saturating_mul(call.hour));
            let id = conn
                .prepare_cached(
                    "INSERT INTO trials (product_id, computer_id, trial_period, created, modified, expires)
                     VALUES (?1, ?2, ?3, ?4, ?4, ?5) RETURNING id",
                )?
                .query_row(
                    params![call.product_id, call.computer_id, product.trial_period, call.now, expires],
                    |r| r.get(0),
                )?;
            ((id, expires), None)
        }
    };
    record_system_details(conn, call)?;
    Ok(Ok(Granted::Lease(lease(conn, call, &product, trial, chain)?)))
}

pub fn refresh(conn: &Connection, call: &ClientCall) -> StoreResult<Outcome> {
    let product = match load_product(conn, call)? {
        Ok(product) => product,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let trial: Option<(i64, i64)> = conn
        .prepare_cached(
            "SELECT id, expires FROM trials
             WHERE product_id = ?1 AND computer_id = ?2 AND installation_key = ?3",
        )?
        .query_row([&call.product_id, &call.computer_id, &call.installation_key], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some(trial) = trial else { return Ok(Err(unknown_installation(conn, call)?)) };
    let chain = chain::chain(conn, Holding::Trial, trial.0)?;
    if let Err(refusal) = chain::follow(conn, Holding::Trial, trial.0, &chain, call)? {
        return Ok(Err(refusal));
    }
    Ok(Ok(Granted::Lease(lease(conn, call, &product, trial, Some(chain))?)))
}
