//! Air-gapped and passive licensing: what travels as files between a machine that never sees
//! the internet and the vendor.
//!
//! - An **activation request** is an `activation-request` envelope signed by a fresh
//!   installation key, whose payload is a [`ClientRequest`](super::client_api::ClientRequest)
//!   with operation `activate` (the same facts an online activation sends).
//! - The vendor answers an **activation certificate**: an `activation-certificate` envelope
//!   signed by the vendor key whose payload is a [`Lease`](super::client_api::Lease) echoing
//!   the request's nonce and installation key; its lease runs for the code's offline period.
//! - Giving the seat back, the machine signs a [`DeactivationCertificate`] with the
//!   installation key, then destroys the key: only that machine could have made it.
//! - A **passive license** ([`PassiveLicense`]) is vendor-signed and bound to a client ID; the
//!   machine never talks to a server.
//!
//! All of them travel in the armoured text form, readable at a glance and safe to mail.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::client_api::FeatureGrant;
use super::{Envelope, Kind, PublicKey, from_slice_strict};
use crate::Status;

/// The payload of a `deactivation-certificate` envelope, signed by the installation key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeactivationCertificate {
    pub product_id: String,
    pub license_code: String,
    pub computer_id: String,
    /// The installation key (hex) that signed this and the activation request.
    pub installation_key: String,
    /// The serial of the activation certificate being given back.
    pub certificate_serial: u64,
    /// The activation request's nonce, tying this to exactly one activation.
    pub nonce: String,
    /// When the license was removed from the machine (Unix seconds).
    pub deactivated_at: i64,
    /// The offline usage journal's entries not yet acknowledged (see [`super::journal`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub journal: Vec<String>,
}

impl DeactivationCertificate {
    /// Verifies a deactivation certificate (compact or armoured) against the installation
    /// key recorded at activation, the only key that can have signed it.
    pub fn verify(text: &str, installation_key: &PublicKey) -> Result<DeactivationCertificate, Status> {
        let envelope = Envelope::parse(text)?;
        from_slice_strict(envelope.verify_with(installation_key, Kind::DeactivationCertificate)?)
    }
}

/// The payload of a `passive-license` envelope, signed by the vendor key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassiveLicense {
    pub product_id: String,
    /// The client ID the license is bound to (10-255 characters): by default the computer ID
    /// for the product, or an ID the application chose.
    pub client_id: String,
    pub features: Vec<FeatureGrant>,
    #[serde(default)]
    pub udfs: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// When the vendor issued it (Unix seconds).
    pub issued_at: i64,
    /// The vendor's serial: a newer passive license replaces an older one, never the reverse.
    pub serial: u64,
    /// The end of the license, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<i64>,
}

/// Client IDs of passive licenses are 10 to 255 printable ASCII characters (the seed's rule).
pub fn validate_client_id(client_id: &str) -> bool {
    (10..=255).contains(&client_id.len()) && client_id.bytes().all(|b| b.is_ascii_graphic())
}
