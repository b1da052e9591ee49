//! Reading the license settings that `Profile` and `LicenseCode` share from a request, with
//! the seed's limits.

use crate::error::ApiError;
use crate::fields::Field;
use crate::params::{DateInput, Params};
use crate::store::model::*;

/// Client lease period limit, hours.
pub const MAX_CLIENT_LEASE_HOURS: i64 = 8760;
/// Client offline lease period limit, days (stored in hours).
pub const MAX_OFFLINE_LEASE_DAYS: i64 = 500;
/// VM lease period limit, hours.
pub const MAX_VM_LEASE_HOURS: i64 = 500;
/// Clients (activations) allowed on a code or profile.
pub const MAX_CLIENTS: i64 = 50_000;
/// The seed's range for network seats and LTCO days.
pub const MAX_I32: i64 = i32::MAX as i64;
/// Longest name of anything (product, profile, feature, group, UDF, company).
pub const MAX_NAME: usize = 255;

/// A date field where `'reset'` clears the date: `Some(None)`.
pub fn date_field(p: &Params, name: &str) -> Result<Option<Option<i64>>, ApiError> {
    Ok(p.date(name)?.map(|d| match d {
        DateInput::Reset => None,
        DateInput::At(t) => Some(t),
    }))
}

/// The scalar settings of a profile or code request.
pub fn settings_patch(p: &Params) -> Result<SettingsPatch, ApiError> {
    Ok(SettingsPatch {
        enabled_for_use: p.bool("enabledforuse")?,
        license_type: p.choice("licensetype", &LicenseType::WORDS)?.map(|i| LicenseType::ALL[i]),
        clients_allowed: p.int("clientsallowed", 0, MAX_CLIENTS)?,
        client_lease_period: p.int("clientleaseperiod", 0, MAX_CLIENT_LEASE_HOURS)?,
        vm_lease_period: p.int("vmleaseperiod", 0, MAX_VM_LEASE_HOURS)?,
        client_offline_lease_period: p
            .int("clientofflineleaseperiod", 0, MAX_OFFLINE_LEASE_DAYS)?
            .map(|days| days * 24),
        acquired_by_webservice: p.bool("acquiredbywebservice")?,
        network_seats: p.int("networkseats", 0, MAX_I32)?,
        heartbeat: p.int("heartbeat", 5, 1440)?,
        concurrent_processes: p.int("concurrentprocesses", 0, MAX_I32)?,
        concurrency_mode: p
            .choice("concurrencymode", &ConcurrencyMode::WORDS)?
            .map(|i| ConcurrencyMode::ALL[i]),
        subscription_period: p.int("subscriptionperiod", 0, 5000)?,
        subscription_end: date_field(p, "subscriptionenddate")?,
        maintenance_end: date_field(p, "maintenanceenddate")?,
    })
}

/// `features`, `udfvalues` and `serverfunctions` of a profile or code request.
pub fn extras(p: &Params) -> Result<LicenseExtras, ApiError> {
    let mut extras = LicenseExtras::default();
    for f in p.list("features")? {
        extras.features.push(FeatureSetting {
            code: f.required_len("featurecode", 1, MAX_NAME).map_err(|e| in_list("features", e))?,
            availability: f
                .choice("featureavailability", &["off", "on"])
                .map_err(|e| in_list("features", e))?
                .map(|i| i == 1),
            limit: f.int("limit", 0, MAX_I32).map_err(|e| in_list("features", e))?,
        });
    }
    for u in p.list("udfvalues")? {
        extras.udfs.push(UdfSetting {
            name: u.required_len("fieldname", 1, MAX_NAME).map_err(|e| in_list("udfvalues", e))?,
            value: u.text("defaultvalue").map_err(|e| in_list("udfvalues", e))?.unwrap_or_default(),
        });
    }
    for s in p.list("serverfunctions")? {
        let name = s.required_len("functionname", 1, 64).map_err(|e| in_list("serverfunctions", e))?;
        let enabled = s
            .choice("enabled", &["off", "on"])
            .map_err(|e| in_list("serverfunctions", e))?
            .ok_or_else(|| ApiError::bad_request("serverfunctions: enabled: required"))?
            == 1;
        // LTCO is the one editable function: its parameter is the longest check-out in days.
        let parameter = if name.eq_ignore_ascii_case("LTCO") {
            s.int("parametervalue", 0, MAX_I32)
                .map_err(|e| in_list("serverfunctions", e))?
                .map(|d| d.to_string())
        } else {
            s.text_len("parametervalue", 0, 255).map_err(|e| in_list("serverfunctions", e))?
        };
        extras.server_functions.push(ServerFunction {
            name,
            enabled,
            parameter: parameter.unwrap_or_default(),
        });
    }
    Ok(extras)
}

/// Prefixes an error from an item of a list with the list's name.
pub fn in_list(list: &str, error: ApiError) -> ApiError {
    ApiError::new(error.status, format!("{list}: {}", error.message))
}

/// The scalar settings [`settings_patch`] reads.
pub const SETTINGS_FIELDS: &[Field] = &[
    Field::new("enabledforuse"),
    Field::new("licensetype"),
    Field::new("clientsallowed"),
    Field::new("clientleaseperiod"),
    Field::new("vmleaseperiod"),
    Field::new("clientofflineleaseperiod"),
    Field::new("acquiredbywebservice"),
    Field::new("networkseats"),
    Field::new("heartbeat"),
    Field::new("concurrentprocesses"),
    Field::new("concurrencymode"),
    Field::new("subscriptionperiod"),
    Field::new("subscriptionenddate"),
    Field::new("maintenanceenddate"),
];

/// The lists [`extras`] reads.
pub const EXTRAS_FIELDS: &[Field] = &[
    Field::list(
        "features",
        &[Field::new("featurecode"), Field::new("featureavailability"), Field::new("limit")],
    ),
    Field::list("udfvalues", &[Field::new("fieldname"), Field::new("defaultvalue")]),
    Field::list(
        "serverfunctions",
        &[Field::new("functionname"), Field::new("enabled"), Field::new("parametervalue")],
    ),
];
