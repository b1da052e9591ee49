//! Output pieces shared by several controllers, cased like the seed's example outputs.
//!
//! The seed is not consistent: `GET LicenseCode` and `GET Profile` write `"True"` and
//! `"MaximumActive : 100"`, while `GET Profiles` writes `"true"`, `"perpetual"`, `"none"` and
//! `"maximumActive : 100"`. Clients were written against those examples, so each controller
//! keeps its own; [`Casing`] carries the choice.

use crate::datetime;
use crate::json::Json;
use crate::obj;
use crate::store::model::*;

/// How a controller's example output writes booleans and enumerations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Casing {
    /// `"True"`, `"Perpetual"`, `"None"`, `"MaximumActive"`.
    Capitalised,
    /// `"true"`, `"Perpetual"`, `"None"`, `"MaximumActive"` (GET LicenseCodes).
    LowerBooleans,
    /// `"true"`, `"perpetual"`, `"none"`, `"maximumActive"` (GET Profiles).
    Lower,
}

impl Casing {
    pub fn boolean(self, value: bool) -> Json {
        let text = match (self, value) {
            (Casing::Capitalised, true) => "True",
            (Casing::Capitalised, false) => "False",
            (_, true) => "true",
            (_, false) => "false",
        };
        Json::from(text)
    }

    pub fn word(self, word: &str) -> Json {
        if self == Casing::Lower { Json::from(word.to_ascii_lowercase()) } else { Json::from(word) }
    }

    fn label(self, label: &str) -> String {
        if self == Casing::Lower {
            let mut chars = label.chars();
            chars.next().map(|c| c.to_ascii_lowercase().to_string() + chars.as_str()).unwrap_or_default()
        } else {
            label.to_owned()
        }
    }
}

/// An optional date, `null` when unset.
pub fn date(t: Option<i64>) -> Json {
    Json::from(date_or_null(t))
}

/// A date that is always set.
pub fn when(t: i64) -> Json {
    Json::from(datetime::format(t))
}

/// `ON` / `OFF`.
pub fn on_off(on: bool) -> Json {
    Json::from(if on { "ON" } else { "OFF" })
}

/// The `features` list of a code or profile. With `only_on`, features that are OFF are left
/// out (`showfeatures=on`); `details` adds a line per computer holding seats or elements,
/// `users` adds the username to it (account-based licensing).
pub fn features(states: &[FeatureState], casing: Casing, only_on: bool, details: bool, users: bool) -> Json {
    Json::arr(states.iter().filter(|f| f.on || !only_on).map(|f| {
        let mut lines = Vec::new();
        if let Some((limit, current)) = f.feature_type.detail_labels() {
            lines.push(Json::from(format!("{} : {}", casing.label(limit), f.limit)));
            lines.push(Json::from(format!("{} : {}", casing.label(current), f.in_use)));
            if details || users {
                for (computer, user, amount) in &f.by_computer {
                    let who = if users && !user.is_empty() {
                        format!("{computer} ({user})")
                    } else {
                        computer.clone()
                    };
                    lines.push(Json::from(format!("{who} : {amount}")));
                }
            }
        }
        obj! {
            "featureCode" => &f.code,
            "featureAvailability" => on_off(f.on),
            "featureType" => f.feature_type.name(),
            "featureDetails" => Json::Arr(lines),
        }
    }))
}

/// The `udfValues` list.
pub fn udfs(udfs: &[UdfSetting]) -> Json {
    Json::arr(udfs.iter().map(|u| obj! { "fieldName" => &u.name, "defaultValue" => &u.value }))
}

/// The `serverFunctions` list (`parameterValue` is a string in the seed's examples).
pub fn server_functions(functions: &[ServerFunction]) -> Json {
    Json::arr(functions.iter().map(|f| {
        obj! { "functionName" => &f.name, "enabled" => on_off(f.enabled), "parameterValue" => &f.parameter }
    }))
}

/// The `notes` list.
pub fn notes(notes: &[Note]) -> Json {
    Json::arr(notes.iter().map(|n| {
        obj! {
            "noteID" => n.id,
            "type" => &n.note_type,
            "created" => when(n.created),
            "createdBy" => &n.created_by,
            "description" => &n.description,
        }
    }))
}
