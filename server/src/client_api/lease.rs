//! Turning a grant into the signed lease the client verifies.

use licensekit::protocol::client_api::{ClientRequest, FeatureGrant, FeatureKind, Lease, LicenseType};
use licensekit::protocol::{Envelope, Kind, SigningKey};

use crate::store::leasing::Grant;
use crate::store::model::FeatureType;

fn seconds(millis: i64) -> i64 {
    millis.div_euclid(1000)
}

fn kind(feature_type: FeatureType) -> FeatureKind {
    match feature_type {
        FeatureType::Normal => FeatureKind::Normal,
        FeatureType::Floating => FeatureKind::Floating,
        FeatureType::ElementPool => FeatureKind::ElementPool,
        FeatureType::ConsumptionToken => FeatureKind::ConsumptionToken,
        FeatureType::SecureStore => FeatureKind::SecureStore,
    }
}

/// The lease for `request`, signed at `now` (Unix milliseconds): the request's product,
/// computer, components and nonce, the grant's everything else.
pub fn lease(request: &ClientRequest, grant: &Grant, now: i64) -> Lease {
    let features = grant
        .features
        .iter()
        .map(|f| FeatureGrant {
            code: f.code.clone(),
            kind: kind(f.feature_type),
            enabled: f.on,
            limit: f.feature_type.detail_labels().map(|_| u64::try_from(f.limit).unwrap_or(0)),
        })
        .collect();
    Lease {
        product_id: request.product_id.clone(),
        license_code: grant.license_code.clone(),
        computer_id: request.computer_id.clone(),
        components: request.components.clone(),
        installation_key: grant.installation_key.clone(),
        state: grant.state,
        license_type: grant.license_type,
        features,
        udfs: grant.udfs.iter().map(|u| (u.name.clone(), u.value.clone())).collect(),
        expires: grant.expires.map(seconds),
        maintenance_end: grant.maintenance_end.map(seconds),
        lease_end: seconds(grant.lease_end),
        grace_end: seconds(grant.grace_end),
        server_time: seconds(now),
        serial: u64::try_from(grant.serial).unwrap_or(0),
        nonce: request.nonce.clone(),
        vm_platform: grant.vm_platform.clone(),
    }
}

/// Signs the lease with the vendor key: a `trial-lease` for a trial, else a `lease`.
pub fn sign(key: &SigningKey, lease: &Lease) -> Result<String, String> {
    let kind = if lease.license_type == LicenseType::Trial { Kind::TrialLease } else { Kind::Lease };
    let payload = serde_json::to_vec(lease).map_err(|e| format!("lease: {e}"))?;
    let envelope = Envelope::sign(key, kind, &payload).map_err(|s| format!("lease: {s:?}"))?;
    Ok(envelope.to_compact())
}
