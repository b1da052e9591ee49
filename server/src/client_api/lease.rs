//! Turning grants into what the client verifies: leases (online), activation certificates
//! (offline), network master licenses (a LAN daemon's, either way) and passive licenses,
//! signed by the vendor key.

use licensekit::protocol::client_api::{
    ClientRequest, FeatureGrant, FeatureKind, Lease, LicenseType, SeatLease,
};
use licensekit::protocol::network::NetworkTerms;
use licensekit::protocol::offline::PassiveLicense;
use licensekit::protocol::{Envelope, Kind, SigningKey};

use crate::store::leasing::{Grant, NetworkGrant, PassiveGrant, SeatGrant};
use crate::store::model::{FeatureState, FeatureType};

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

/// Features as a license grants them: code, kind, ON/OFF, and a limit for capacity kinds.
fn feature_grants(features: &[FeatureState]) -> Vec<FeatureGrant> {
    features
        .iter()
        .map(|f| FeatureGrant {
            code: f.code.clone(),
            kind: kind(f.feature_type),
            enabled: f.on,
            limit: f.feature_type.detail_labels().map(|_| u64::try_from(f.limit).unwrap_or(0)),
        })
        .collect()
}

/// A count or number of days on the wire (the store keeps them within range; clamped all
/// the same, never wrapped).
fn wire_u32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// The terms of a network master license: the heartbeat in whole seconds, at least 1.
fn network_terms(terms: &NetworkGrant) -> NetworkTerms {
    NetworkTerms {
        seats: wire_u32(terms.seats),
        heartbeat_secs: seconds(terms.heartbeat).max(1),
        borrow_days: wire_u32(terms.borrow_days),
    }
}

/// The lease for `request`, signed at `now` (Unix milliseconds): the request's product,
/// computer, components and nonce, the grant's everything else.
pub fn lease(request: &ClientRequest, grant: &Grant, now: i64) -> Lease {
    let features = feature_grants(&grant.features);
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
        network: grant.network.as_ref().map(network_terms),
        user: grant.user.clone(),
    }
}

/// Signs the lease with the vendor key: a `network-master-license` for a LAN daemon, a
/// `trial-lease` for a trial, else a `lease`.
pub fn sign(key: &SigningKey, lease: &Lease) -> Result<String, String> {
    let kind = if lease.network.is_some() {
        Kind::NetworkMasterLicense
    } else if lease.license_type == LicenseType::Trial {
        Kind::TrialLease
    } else {
        Kind::Lease
    };
    let payload = serde_json::to_vec(lease).map_err(|e| format!("lease: {e}"))?;
    let envelope = Envelope::sign(key, kind, &payload).map_err(|s| format!("lease: {s:?}"))?;
    Ok(envelope.to_compact())
}

/// The seat lease of a floating seat or session for `request`, signed at `now` (Unix
/// milliseconds). The heartbeat interval is in whole seconds, at least 1 unless the seat is
/// a long-term check-out (0: no heartbeats).
pub fn seat(request: &ClientRequest, seat: &SeatGrant, now: i64) -> SeatLease {
    SeatLease {
        product_id: request.product_id.clone(),
        license_code: seat.license_code.clone(),
        computer_id: request.computer_id.clone(),
        installation_key: seat.installation_key.clone(),
        seat_id: seat.seat_id.clone(),
        feature: seat.feature.clone(),
        expires: seconds(seat.expires),
        heartbeat_secs: if seat.long_term { 0 } else { seconds(seat.heartbeat).max(1) },
        long_term: seat.long_term,
        server_time: seconds(now),
        serial: u64::try_from(seat.serial).unwrap_or(0),
        nonce: request.nonce.clone(),
    }
}

/// Signs a seat lease with the vendor key: a compact `floating-seat` envelope.
pub fn sign_seat(key: &SigningKey, seat: &SeatLease) -> Result<String, String> {
    let payload = serde_json::to_vec(seat).map_err(|e| format!("seat: {e}"))?;
    let envelope = Envelope::sign(key, Kind::FloatingSeat, &payload).map_err(|s| format!("seat: {s:?}"))?;
    Ok(envelope.to_compact())
}

/// The kind of envelope an offline activation's lease is signed as: a LAN daemon's network
/// master license, else an activation certificate.
fn certificate_kind(lease: &Lease) -> Kind {
    if lease.network.is_some() { Kind::NetworkMasterLicense } else { Kind::ActivationCertificate }
}

/// Signs the lease of an offline activation with the vendor key, armoured (the form carried
/// back to the air-gapped machine), as [`certificate_kind`] says.
pub fn sign_certificate(key: &SigningKey, lease: &Lease) -> Result<String, String> {
    let payload = serde_json::to_vec(lease).map_err(|e| format!("certificate: {e}"))?;
    let envelope =
        Envelope::sign(key, certificate_kind(lease), &payload).map_err(|s| format!("certificate: {s:?}"))?;
    Ok(envelope.to_armoured())
}

/// The passive license of a grant.
fn passive_license(grant: &PassiveGrant) -> PassiveLicense {
    PassiveLicense {
        product_id: grant.product_id.clone(),
        client_id: grant.client_id.clone(),
        features: feature_grants(&grant.features),
        udfs: grant.udfs.iter().map(|u| (u.name.clone(), u.value.clone())).collect(),
        company: grant.company.clone(),
        profile: grant.profile.clone(),
        issued_at: seconds(grant.issued_at),
        serial: u64::try_from(grant.serial).unwrap_or(0),
        expires: grant.expires.map(seconds),
    }
}

/// Signs a passive license with the vendor key: an armoured `passive-license`.
pub fn sign_passive(key: &SigningKey, grant: &PassiveGrant) -> Result<String, String> {
    let payload = serde_json::to_vec(&passive_license(grant)).map_err(|e| format!("passive license: {e}"))?;
    let envelope =
        Envelope::sign(key, Kind::PassiveLicense, &payload).map_err(|s| format!("passive license: {s:?}"))?;
    Ok(envelope.to_armoured())
}
