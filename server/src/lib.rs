//! licensekit-server (DESIGN §7): the vendor Web API of seed 003 and the client protocol, on
//! SQLite. The binary is [`cli`]; [`embedded`] runs the same server inside another program
//! (the quickstart, an application's own tests). See README.md.

#![forbid(unsafe_code)]

mod api;
mod audit;
mod auth;
mod backup;
pub mod cli;
mod client_api;
mod clock;
mod connections;
mod dashboard;
mod datadir;
mod datetime;
pub mod embedded;
mod error;
mod events_export;
mod fields;
mod health;
mod json;
mod keys;
mod licensing_cli;
mod location;
mod metrics;
mod offline;
mod openapi;
mod params;
mod passive;
mod passwords;
mod random;
mod redact;
mod server;
mod store;
pub mod telemetry;
mod tls;

/// What the fuzz targets (`fuzz/`) drive without a database: the parsers of everything that
/// crosses a trust boundary before the store is called. Not an API: nothing here is stable.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::auth::credentials;
    pub use crate::client_api::ClientProtocol;
    pub use crate::client_api::request::{Verified, decode, decode_offline};
    pub use crate::clock::Clock;
    pub use crate::datetime::{format as format_datetime, parse as parse_datetime};
    pub use crate::error::ApiError;
    pub use crate::fields::{Field, Fields};
    pub use crate::json::refuse_repeated_keys;
    pub use crate::offline::{certificate_request, deactivation_request};
    pub use crate::params::{DateInput, MAX_TEXT, Params};
    pub use crate::store::leasing::{Capacity, Channel, ClientCall, OfflineDeactivation, Refusal};

    use licensekit::protocol::SigningKey;
    use licensekit::protocol::client_api::{LeaseState, LicenseType};

    use crate::datetime::DAY_MILLIS;

    /// The field table of every Web API endpoint, as the server parses their requests with.
    pub fn endpoint_fields() -> Vec<Fields> {
        crate::api::endpoints().into_iter().map(|e| e.fields).collect()
    }
    use crate::store::leasing::Grant;
    use crate::store::model::{FeatureState, FeatureType, UdfSetting};

    /// The armoured activation certificate for a verified offline request, signed by `key`,
    /// as an activation of a code with one feature of every type and a UDF would grant it
    /// (the store's part, `activations::grant`, with fixed settings).
    pub fn certificate(key: &SigningKey, verified: &Verified) -> Result<String, String> {
        let call = &verified.call;
        let features = FeatureType::ALL
            .into_iter()
            .enumerate()
            .map(|(i, feature_type)| FeatureState {
                code: format!("F{i}"),
                on: i % 2 == 0,
                feature_type,
                limit: 5,
                in_use: 0,
                by_computer: Vec::new(),
            })
            .collect();
        let grant = Grant {
            license_code: call.license_code.clone(),
            state: LeaseState::Active,
            license_type: LicenseType::ExpirationDate,
            features,
            udfs: vec![UdfSetting { name: "edition".into(), value: "pro".into() }],
            expires: Some(call.now + 365 * DAY_MILLIS),
            maintenance_end: None,
            lease_end: call.now + 14 * DAY_MILLIS,
            grace_end: call.now + 14 * DAY_MILLIS,
            serial: 1,
            installation_key: call.installation_key.clone(),
            vm_platform: call.vm_platform.clone(),
            network: None,
            user: None,
        };
        crate::offline::sign_certificate(key, verified, &grant)
    }
}
