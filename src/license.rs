//! A verified license and the local rules that decide whether it is usable now.
//!
//! The signature is checked once, when the lease enters the process (from the store or the
//! server); afterwards [`License::status`] and [`License::feature`] are plain comparisons on
//! already-parsed data: no cryptography, no allocation, no system call but the clock.

use crate::Status;
use crate::machine::{Fingerprint, match_components};
use crate::protocol::client_api::{FeatureGrant, Lease, LeaseState, LicenseType};
use crate::protocol::offline::PassiveLicense;
use crate::protocol::{Envelope, Kind, TrustedKeys, from_slice_strict};

pub use crate::protocol::client_api::FUTURE_TOLERANCE_SECS;

/// A lease whose signature, product and machine were checked.
#[derive(Clone, Debug)]
pub struct License {
    kind: Kind,
    lease: Lease,
    /// The envelope exactly as received, for the store.
    compact: String,
    /// Whether the lease was issued for this computer (tolerant component match).
    machine_matches: bool,
    /// The features with a hash of their code, sorted by hash: a lookup is a binary search
    /// over integers and one string comparison (string comparisons at every step cost more
    /// than the rest of a feature check).
    features: Vec<(u64, FeatureGrant)>,
}

impl License {
    /// Every kind of envelope that can be a product's license.
    pub const KINDS: &[Kind] =
        &[Kind::Lease, Kind::TrialLease, Kind::ActivationCertificate, Kind::PassiveLicense];

    /// Verifies a stored or received license of one of the `allowed` kinds (see
    /// [`License::KINDS`]) for `product_id` on the computer `fingerprint`, whose passive
    /// licenses are bound to `client_id`.
    pub fn verify(
        text: &str,
        allowed: &[Kind],
        trusted: &TrustedKeys,
        product_id: &str,
        fingerprint: &Fingerprint,
        client_id: &str,
    ) -> Result<License, Status> {
        let envelope = Envelope::parse(text)?;
        let kind = envelope.kind();
        if !allowed.contains(&kind) || !License::KINDS.contains(&kind) {
            return Err(Status::WrongKind);
        }
        let payload = envelope.verify(trusted, kind)?;
        let (lease, machine_matches) = if kind == Kind::PassiveLicense {
            let passive: PassiveLicense = from_slice_strict(payload)?;
            let matches = passive.client_id == client_id;
            (lease_of_passive(passive), matches)
        } else {
            let lease: Lease = from_slice_strict(payload)?;
            if (kind == Kind::TrialLease) != (lease.license_type == LicenseType::Trial) {
                return Err(Status::MismatchedLease);
            }
            let matches = lease.computer_id == fingerprint.computer_id
                && match_components(&lease.components, &fingerprint.components).matched;
            (lease, matches)
        };
        if lease.product_id != product_id {
            return Err(Status::WrongProduct);
        }
        let mut features: Vec<(u64, FeatureGrant)> =
            lease.features.iter().map(|f| (code_hash(&f.code), f.clone())).collect();
        features.sort_by_key(|(hash, _)| *hash);
        Ok(License { kind, lease, compact: envelope.to_compact(), machine_matches, features })
    }

    /// The signed contents.
    pub fn lease(&self) -> &Lease {
        &self.lease
    }

    /// The envelope kind (`Lease` or `TrialLease`).
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The compact envelope as received.
    pub fn compact(&self) -> &str {
        &self.compact
    }

    /// Whether the license is usable at `now`, and if not, why. Order matters: the most
    /// fundamental reason wins (another computer's lease is "wrong machine" even if expired).
    pub fn status(&self, now: i64) -> Status {
        let lease = &self.lease;
        if !self.machine_matches {
            return Status::WrongMachine;
        }
        match lease.state {
            LeaseState::Disabled => return Status::Disabled,
            LeaseState::Deactivated => return Status::Deactivated,
            LeaseState::Active => {}
        }
        if lease.expires.is_some_and(|end| now >= end) {
            return if lease.license_type == LicenseType::Trial {
                Status::TrialExpired
            } else {
                Status::Expired
            };
        }
        if now >= lease.grace_end {
            return Status::LeaseExpired;
        }
        Status::Ok
    }

    /// The grant of feature `code`, if the license carries it.
    pub fn feature(&self, code: &str) -> Option<&FeatureGrant> {
        let hash = code_hash(code);
        let first = self.features.partition_point(|(h, _)| *h < hash);
        let mut candidates = self.features[first..].iter().take_while(|(h, _)| *h == hash);
        candidates.find(|(_, f)| f.code == code).map(|(_, f)| f)
    }

    /// A UDF value by name.
    pub fn udf(&self, name: &str) -> Option<&str> {
        self.lease.udfs.get(name).map(String::as_str)
    }
}

/// FNV-1a over the feature code: short codes hash in a few nanoseconds, no key needed (the
/// codes come from a signed lease, so nobody can pick colliding ones to slow lookups).
fn code_hash(code: &str) -> u64 {
    code.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// A passive license seen through the same rules as a lease: never refreshed, so its lease
/// and grace never end; bound to its client ID instead of a computer's components.
fn lease_of_passive(passive: PassiveLicense) -> Lease {
    Lease {
        product_id: passive.product_id,
        license_code: None,
        computer_id: passive.client_id,
        components: Vec::new(),
        installation_key: String::new(),
        state: LeaseState::Active,
        license_type: if passive.expires.is_some() {
            LicenseType::ExpirationDate
        } else {
            LicenseType::Perpetual
        },
        features: passive.features,
        udfs: passive.udfs,
        expires: passive.expires,
        maintenance_end: None,
        lease_end: i64::MAX,
        grace_end: i64::MAX,
        server_time: passive.issued_at,
        serial: passive.serial,
        nonce: String::new(),
        vm_platform: String::new(),
    }
}
