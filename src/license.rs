//! A verified license and the local rules that decide whether it is usable now.
//!
//! The signature is checked once, when the lease enters the process (from the store or the
//! server); afterwards [`License::status`] and [`License::feature`] are plain comparisons on
//! already-parsed data: no cryptography, no allocation, no system call but the clock.

use crate::Status;
use crate::machine::{Fingerprint, match_components};
use crate::protocol::client_api::{FeatureGrant, Lease, LeaseState, LicenseType, SeatLease};
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

/// What a signed artifact must be to be accepted here: the one set of rules for leases,
/// trial leases, activation certificates, passive licenses and floating seats. Accepting
/// from the server or a file fills every field; loading from the store leaves `request` and
/// `now` out (those were checked when it was accepted).
#[derive(Clone, Copy, Debug)]
pub struct Expectation<'a> {
    /// The kinds acceptable here.
    pub kinds: &'a [Kind],
    pub trusted: &'a TrustedKeys,
    pub product_id: &'a str,
    /// This computer: leases name its ID and carry matching component digests.
    pub fingerprint: &'a Fingerprint,
    /// What passive licenses must be bound to (the configured client ID, else the computer ID).
    pub client_id: &'a str,
    /// The request the artifact answers.
    pub request: Option<Answering<'a>>,
    /// This computer's clock, to refuse what claims to be issued in its future.
    pub now: Option<i64>,
}

/// The request an artifact answers: signed by `installation_key`, with `nonce`.
#[derive(Clone, Copy, Debug)]
pub struct Answering<'a> {
    pub installation_key: &'a str,
    pub nonce: &'a str,
    /// The license code asked for, when the request named one.
    pub license_code: Option<&'a str>,
}

impl Expectation<'_> {
    /// The rules every signed answer shares: product, computer, request and time. `kind` says
    /// how a mismatch with the request is reported (a certificate that answers another
    /// request is `WrongRequest`, anything else `MismatchedLease`).
    fn check_binding(&self, kind: Kind, binding: Binding<'_>) -> Result<(), Status> {
        if binding.product_id != self.product_id {
            return Err(crate::detail::note(
                Status::WrongProduct,
                format!("issued for product {}, this is product {}", binding.product_id, self.product_id),
            ));
        }
        if let Some(request) = self.request {
            if !binding.machine_matches {
                // A file for another computer says so; a server answer for another computer
                // does not answer this request.
                let status = if kind == Kind::FloatingSeat || kind == Kind::Lease || kind == Kind::TrialLease
                {
                    Status::MismatchedLease
                } else {
                    Status::WrongMachine
                };
                return Err(crate::detail::note(status, "it was issued for another computer"));
            }
            let mismatch = if kind == Kind::ActivationCertificate {
                Status::WrongRequest
            } else {
                Status::MismatchedLease
            };
            if binding.installation_key != request.installation_key
                || binding.nonce != request.nonce
                || request.license_code.is_some_and(|code| binding.license_code != Some(code))
            {
                return Err(crate::detail::note(mismatch, "it does not answer this installation's request"));
            }
        }
        if let Some(now) = self.now
            && binding.server_time > now + FUTURE_TOLERANCE_SECS
        {
            return Err(crate::detail::note(
                Status::FutureLease,
                format!(
                    "issued {} s in this computer's future (the clock is behind the server's)",
                    binding.server_time - now
                ),
            ));
        }
        Ok(())
    }

    /// Verifies a floating seat or session lease answering the request.
    pub fn seat(&self, text: &str) -> Result<(String, SeatLease), Status> {
        let envelope = Envelope::parse(text)?;
        let seat: SeatLease =
            from_slice_strict(verify_envelope(&envelope, self.trusted, Kind::FloatingSeat)?)?;
        self.check_binding(
            Kind::FloatingSeat,
            Binding {
                product_id: &seat.product_id,
                license_code: Some(&seat.license_code),
                installation_key: &seat.installation_key,
                nonce: &seat.nonce,
                machine_matches: seat.computer_id == self.fingerprint.computer_id,
                server_time: seat.server_time,
            },
        )?;
        Ok((envelope.to_compact(), seat))
    }
}

/// The fields by which any signed answer is bound to a product, a computer and a request.
struct Binding<'a> {
    product_id: &'a str,
    license_code: Option<&'a str>,
    installation_key: &'a str,
    nonce: &'a str,
    machine_matches: bool,
    server_time: i64,
}

/// Verifies an envelope's signature, naming the key IDs when the signer is not trusted.
fn verify_envelope<'e>(
    envelope: &'e Envelope,
    trusted: &TrustedKeys,
    kind: Kind,
) -> Result<&'e [u8], Status> {
    envelope.verify(trusted, kind).map_err(|status| {
        if status == Status::UnknownKey {
            let ids: Vec<String> = trusted.ids().map(|id| id.to_hex()).collect();
            crate::detail::note(
                status,
                format!("signed by key {}; this application trusts {}", envelope.key_id(), ids.join(", ")),
            )
        } else {
            status
        }
    })
}

impl License {
    /// Every kind of envelope that can be a product's license.
    pub const KINDS: &[Kind] =
        &[Kind::Lease, Kind::TrialLease, Kind::ActivationCertificate, Kind::PassiveLicense];

    /// Verifies a license text against `expect`: one of its kinds, signed by a trusted key,
    /// for its product, and (when `expect` says so) answering its request and not issued in
    /// this computer's future. The machine match is recorded, not required, for a license
    /// loaded from the store, so that "wrong machine" can be its status.
    pub fn verify(text: &str, expect: &Expectation<'_>) -> Result<License, Status> {
        let envelope = Envelope::parse(text)?;
        let kind = envelope.kind();
        if !expect.kinds.contains(&kind) || !License::KINDS.contains(&kind) {
            return Err(Status::WrongKind);
        }
        let payload = verify_envelope(&envelope, expect.trusted, kind)?;
        let (lease, machine_matches) = if kind == Kind::PassiveLicense {
            let passive: PassiveLicense = from_slice_strict(payload)?;
            let matches = passive.client_id == expect.client_id;
            (lease_of_passive(passive), matches)
        } else {
            let lease: Lease = from_slice_strict(payload)?;
            if (kind == Kind::TrialLease) != (lease.license_type == LicenseType::Trial) {
                return Err(Status::MismatchedLease);
            }
            let report = match_components(&lease.components, &expect.fingerprint.components);
            let matches = lease.computer_id == expect.fingerprint.computer_id && report.matched;
            if !matches {
                let changed = [report.changed, report.missing].concat().join(", ");
                crate::detail::note(Status::WrongMachine, format!("components that differ: {changed}"));
            }
            (lease, matches)
        };
        let binding = Binding {
            product_id: &lease.product_id,
            license_code: lease.license_code.as_deref(),
            installation_key: &lease.installation_key,
            nonce: &lease.nonce,
            machine_matches,
            server_time: lease.server_time,
        };
        expect.check_binding(kind, binding)?;
        let mut features: Vec<(u64, FeatureGrant)> =
            lease.features.iter().map(|f| (code_hash(f.code.as_bytes()), f.clone())).collect();
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
        self.feature_bytes(code.as_bytes())
    }

    /// [`License::feature`] on raw bytes: a code that matches is valid UTF-8 (it equals a
    /// code's bytes), so the C layer checks the encoding only when nothing matched.
    pub fn feature_bytes(&self, code: &[u8]) -> Option<&FeatureGrant> {
        let hash = code_hash(code);
        let first = self.features.partition_point(|(h, _)| *h < hash);
        let mut candidates = self.features[first..].iter().take_while(|(h, _)| *h == hash);
        candidates.find(|(_, f)| f.code.as_bytes() == code).map(|(_, f)| f)
    }

    /// A UDF value by name.
    pub fn udf(&self, name: &str) -> Option<&str> {
        self.lease.udfs.get(name).map(String::as_str)
    }
}

/// FNV-1a over the feature code: short codes hash in a few nanoseconds, no key needed (the
/// codes come from a signed lease, so nobody can pick colliding ones to slow lookups).
fn code_hash(code: &[u8]) -> u64 {
    code.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
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
        network: None,
    }
}
