//! `Trial` and `Trials`: product trials per computer.

use super::activity::MAX_COMPUTER_ID;
use super::{PAGING_FIELDS, PRODUCT_ID, paging, product_id};
use crate::datetime::{self, DAY_MILLIS, now_millis};
use crate::error::ApiResult;
use crate::fields::{Field, Fields};
use crate::json::Json;
use crate::obj;
use crate::params::Params;
use crate::store::Store;
use crate::store::model::*;

/// GET Trial: the trial's status as the seed words it.
pub fn get(store: &dyn Store, p: &Params) -> ApiResult {
    let product = product_id(p)?;
    let computer = p.required_len("computerid", 1, MAX_COMPUTER_ID)?;
    let status = match store.trial(&product, &computer)? {
        None => "Trial Does Not Exist",
        Some(trial) if trial.converted_code.is_some() => "Trial Activated",
        Some(trial) => trial.status(now_millis()),
    };
    Ok(Json::from(status))
}

/// DELETE Trial: resets a trial that has not been converted.
pub fn delete(store: &dyn Store, p: &Params) -> ApiResult {
    let product = product_id(p)?;
    let computer = p.required_len("computerid", 1, MAX_COMPUTER_ID)?;
    store.delete_trial(&product, &computer)?;
    Ok(Json::from("Trial Deleted Successfully"))
}

/// GET Trials: the count, or a page, with the seed's filters.
pub fn list(store: &dyn Store, p: &Params) -> ApiResult {
    let now = now_millis();
    let mut filter = TrialFilter {
        product_id: p.text_len("productid", 1, 64)?,
        computer_id: p.text_len("computerid", 1, MAX_COMPUTER_ID)?,
        expires_before: p.plain_date("expiresbefore")?,
        expires_after: p.plain_date("expiresafter")?,
        in_trial: p.choice("trialstatus", &["inTrial", "expired"])?.map(|i| i == 0),
        converted: p.bool("converted")?,
        created_before: p.plain_date("createdbefore")?,
        created_after: p.plain_date("createdafter")?,
        now,
    };
    if let Some(days) = p.int("expireswithindays", 0, 100_000)? {
        let limit = now + days * DAY_MILLIS;
        filter.expires_before = Some(filter.expires_before.map_or(limit, |b| b.min(limit)));
        filter.expires_after = Some(filter.expires_after.map_or(now, |a| a.max(now)));
    }
    if let Some(days) = p.int("createdwithindays", 0, 100_000)? {
        let since = now - days * DAY_MILLIS;
        filter.created_after = Some(filter.created_after.map_or(since, |a| a.max(since)));
    }
    match paging(p)? {
        None => Ok(Json::Int(store.count_trials(&filter)?)),
        Some(page) => Ok(Json::arr(store.trials(&filter, page)?.iter().map(|t| {
            obj! {
                "productId" => &t.product_id,
                "computerId" => &t.computer_id,
                "trialPeriod" => t.trial_period.to_string(),
                "created" => datetime::format(t.created),
                "modified" => datetime::format(t.modified),
                "leaseEndDate" => t.lease_end.map(datetime::format),
                "expires" => datetime::format(t.expires),
                "trialStatus" => t.status(now),
                "converted" => if t.converted_code.is_some() { "true" } else { "false" },
                "licenseCode" => t.converted_code.clone().unwrap_or_default(),
                // Beyond the seed: refreshes that showed a copy of the trial's store in use.
                "cloneDetections" => t.forks,
                "lastCloneDetected" => t.last_fork.map(datetime::format),
            }
        }))),
    }
}

/// GET Trial's and DELETE Trial's fields.
pub const TRIAL_FIELDS: Fields = &[&[PRODUCT_ID, Field::new("computerid")]];
/// GET Trials' fields.
pub const LIST_FIELDS: Fields = &[
    &[
        Field::new("productid"),
        Field::new("computerid"),
        Field::new("expiresbefore"),
        Field::new("expiresafter"),
        Field::new("trialstatus"),
        Field::new("converted"),
        Field::new("createdbefore"),
        Field::new("createdafter"),
        Field::new("expireswithindays"),
        Field::new("createdwithindays"),
    ],
    PAGING_FIELDS,
];
