//! Form pieces the code page and the profile editor share: a license's settings and its
//! features' availability are edited the same way (and posted under the same field names)
//! whether they belong to one code (PUT LicenseCode) or to a profile (PUT Profile).

use serde_json::Value;

use super::html;
use super::text;

/// Where a read's answer keeps the settings [`settings_fields`] edits: GET LicenseCode and
/// GET Profiles spell them differently.
pub struct SettingsKeys {
    pub license_type: &'static str,
    pub clients_allowed: &'static str,
    pub client_lease: &'static str,
    pub subscription_end: &'static str,
    pub maintenance_end: &'static str,
}

/// The license types, as the Web API's `licensetype` takes them, with their labels.
pub const LICENSE_TYPES: &[(&str, &str)] = &[
    ("perpetual", "Perpetual"),
    ("subscriptionperiod", "Subscription period"),
    ("expirationdate", "Expiration date"),
];

/// A stored date as the form's `YYYY-MM-DD`; the Web API's "never" as nothing.
fn date(current: &Value, key: &str) -> String {
    let value = html::when(&text(current, key));
    value.get(..10).unwrap_or(&value).to_owned()
}

/// The settings' inputs, pre-filled from `current`. A blank input is left out of the body
/// (see `super::Form`), so it leaves its setting as it is; a date may be `reset`. The license
/// type is always sent (its current value unless changed) because the Web API changes a
/// subscription's end only with it; the subscription days are not pre-filled because, sent
/// with an unchanged subscription-period type, they extend the subscription.
pub fn settings_fields(current: &Value, keys: &SettingsKeys) -> String {
    let license_type = text(current, keys.license_type).to_ascii_lowercase();
    format!(
        "{}{}{}{}{}{}<p class=\"muted\">Blank fields stay as they are; a date may be <code>reset</code>.</p>",
        html::select("licensetype", "License type", LICENSE_TYPES, &license_type),
        html::input(
            "subscriptionperiod",
            "Subscription days (to extend, or for a new subscription period)",
            "",
            "type=\"number\" min=\"1\" max=\"5000\""
        ),
        html::input(
            "clientsallowed",
            "Activations allowed",
            &text(current, keys.clients_allowed),
            "type=\"number\" min=\"0\" max=\"50000\""
        ),
        html::input(
            "clientleaseperiod",
            "Client lease (hours)",
            &text(current, keys.client_lease),
            "type=\"number\" min=\"0\""
        ),
        html::input(
            "subscriptionenddate",
            "Subscription end date (YYYY-MM-DD)",
            &date(current, keys.subscription_end),
            ""
        ),
        html::input(
            "maintenanceenddate",
            "Maintenance end date (YYYY-MM-DD)",
            &date(current, keys.maintenance_end),
            ""
        ),
    )
}

/// An on/off choice for each of `features` (as the Web API lists them: `featureCode`,
/// `featureAvailability`), as the `features` list PUT LicenseCode and PUT Profile take.
pub fn availability_fields(features: &[Value]) -> String {
    let mut h = String::new();
    for (i, f) in features.iter().enumerate() {
        let code = text(f, "featureCode");
        let on = text(f, "featureAvailability").eq_ignore_ascii_case("on");
        h.push_str(&html::hidden(&format!("features.{i}.featurecode"), &code));
        h.push_str(&html::select(
            &format!("features.{i}.featureavailability"),
            &code,
            &[("on", "on"), ("off", "off")],
            if on { "on" } else { "off" },
        ));
    }
    h
}
