//! A verified license and the local rules that decide whether it is usable now.
//!
//! The signature is checked once, when the lease enters the process (from the store or the
//! server); afterwards [`License::status`] and [`License::feature`] are plain comparisons on
//! already-parsed data: no cryptography, no allocation, no system call but the clock.

use crate::Status;
use crate::machine::{Fingerprint, match_components};
use crate::protocol::client_api::{FeatureGrant, Lease, LeaseState, LicenseType, SeatLease};
use crate::protocol::network::NetworkSeat;
use crate::protocol::offline::PassiveLicense;
use crate::protocol::{Envelope, Kind, PublicKey, TrustedKeys, from_slice_strict};

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
    /// For a network seat: the seat as its daemon signed it (the lease is its master
    /// license's, bounded by the seat), and the daemon's key its master license names.
    seat: Option<(NetworkSeat, PublicKey)>,
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
                let status = if matches!(
                    kind,
                    Kind::FloatingSeat | Kind::Lease | Kind::TrialLease | Kind::NetworkSeat
                ) {
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
    /// Every kind of envelope that can be an application's license. A network seat is two
    /// envelopes, its daemon's master license and the seat, separated by a space.
    pub const KINDS: &[Kind] = &[
        Kind::Lease,
        Kind::TrialLease,
        Kind::ActivationCertificate,
        Kind::PassiveLicense,
        Kind::NetworkSeat,
    ];

    /// What a LAN daemon's own license is (and all it accepts).
    pub const DAEMON_KINDS: &[Kind] = &[Kind::NetworkMasterLicense];

    /// Verifies a license text against `expect`: one of its kinds, signed by a trusted key,
    /// for its product, and (when `expect` says so) answering its request and not issued in
    /// this computer's future. The machine match is recorded, not required, for a license
    /// loaded from the store, so that "wrong machine" can be its status.
    pub fn verify(text: &str, expect: &Expectation<'_>) -> Result<License, Status> {
        // Compact envelopes hold no space; armoured text (which may) begins with dashes.
        if let Some((master, seat)) = text.split_once(' ').filter(|_| !text.trim_start().starts_with('-')) {
            return License::verify_network_seat(master, seat, expect);
        }
        let envelope = Envelope::parse(text)?;
        let kind = envelope.kind();
        let known = License::KINDS.contains(&kind) || License::DAEMON_KINDS.contains(&kind);
        if !expect.kinds.contains(&kind) || !known || kind == Kind::NetworkSeat {
            return Err(Status::WrongKind);
        }
        let payload = verify_envelope(&envelope, expect.trusted, kind)?;
        let (lease, machine_matches) = if kind == Kind::PassiveLicense {
            let passive: PassiveLicense = from_slice_strict(payload)?;
            let matches = passive.client_id == expect.client_id;
            (lease_of_passive(passive), matches)
        } else {
            let lease: Lease = from_slice_strict(payload)?;
            if (kind == Kind::TrialLease) != (lease.license_type == LicenseType::Trial)
                || (kind == Kind::NetworkMasterLicense && lease.network.is_none())
            {
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
        Ok(License::new(kind, lease, envelope.to_compact(), machine_matches, None))
    }

    fn new(
        kind: Kind,
        lease: Lease,
        compact: String,
        machine_matches: bool,
        seat: Option<(NetworkSeat, PublicKey)>,
    ) -> License {
        let mut features: Vec<(u64, FeatureGrant)> =
            lease.features.iter().map(|f| (code_hash(f.code.as_bytes()), f.clone())).collect();
        features.sort_by_key(|(hash, _)| *hash);
        License { kind, lease, compact, machine_matches, features, seat }
    }

    /// Verifies a network seat through its chain: the master license signed by a trusted
    /// vendor key, for this product, naming the daemon's key; the seat signed by that key,
    /// for the master's code and serial and (as any answer) this computer and request. The
    /// license is the master's (features, UDFs, dates) held only while the seat is: its lease
    /// and grace end when the seat does, or the master's grace if that comes first.
    fn verify_network_seat(master: &str, seat: &str, expect: &Expectation<'_>) -> Result<License, Status> {
        if !expect.kinds.contains(&Kind::NetworkSeat) {
            return Err(Status::WrongKind);
        }
        let uncertified = |why: String| crate::detail::note(Status::DaemonNotCertified, why);
        let master_envelope = Envelope::parse(master)?;
        if master_envelope.kind() != Kind::NetworkMasterLicense {
            return Err(uncertified(format!("its master license is a {}", master_envelope.kind().as_str())));
        }
        let payload =
            master_envelope.verify(expect.trusted, Kind::NetworkMasterLicense).map_err(|status| {
                let ids: Vec<String> = expect.trusted.ids().map(|id| id.to_hex()).collect();
                uncertified(format!(
                    "its master license does not verify ({}): signed by key {}; this application trusts {}",
                    status.name().to_string_lossy(),
                    master_envelope.key_id(),
                    ids.join(", ")
                ))
            })?;
        let master: Lease = from_slice_strict(payload)?;
        let Some(terms) = &master.network else {
            return Err(uncertified("its master license carries no network terms".into()));
        };
        if master.product_id != expect.product_id {
            return Err(uncertified(format!(
                "its master license is for product {}, this is product {}",
                master.product_id, expect.product_id
            )));
        }
        let daemon_key = PublicKey::from_hex(&master.installation_key)
            .map_err(|_| uncertified("its master license names no valid daemon key".into()))?;
        let seat_envelope = Envelope::parse(seat)?;
        let seat_payload = seat_envelope.verify_with(&daemon_key, Kind::NetworkSeat).map_err(|status| {
            uncertified(format!(
                "the seat is not signed by the daemon key its master license names ({})",
                status.name().to_string_lossy()
            ))
        })?;
        let network_seat: NetworkSeat = from_slice_strict(seat_payload)?;
        if network_seat.product_id != master.product_id
            || Some(&network_seat.license_code) != master.license_code.as_ref()
            || network_seat.master_serial != master.serial
        {
            return Err(uncertified("the seat names another master license".into()));
        }
        let machine_matches = network_seat.computer_id == expect.fingerprint.computer_id;
        expect.check_binding(
            Kind::NetworkSeat,
            Binding {
                product_id: &network_seat.product_id,
                license_code: Some(&network_seat.license_code),
                installation_key: &network_seat.installation_key,
                nonce: &network_seat.nonce,
                machine_matches,
                server_time: network_seat.server_time,
            },
        )?;
        let held_until = network_seat.expires.min(master.grace_end);
        let lease = Lease {
            computer_id: network_seat.computer_id.clone(),
            components: Vec::new(),
            installation_key: network_seat.installation_key.clone(),
            lease_end: held_until.min(network_seat.server_time.saturating_add(terms.heartbeat_secs.max(1))),
            grace_end: held_until,
            server_time: network_seat.server_time,
            nonce: network_seat.nonce.clone(),
            ..master
        };
        let compact = format!("{} {}", master_envelope.to_compact(), seat_envelope.to_compact());
        Ok(License::new(Kind::NetworkSeat, lease, compact, machine_matches, Some((network_seat, daemon_key))))
    }

    /// The network seat this license is held through, for a license from a LAN daemon.
    pub fn network_seat(&self) -> Option<&NetworkSeat> {
        self.seat.as_ref().map(|(seat, _)| seat)
    }

    /// The key of the LAN daemon this license's network seat came from: it signs the
    /// floating seats the daemon serves.
    pub fn daemon_key(&self) -> Option<&PublicKey> {
        self.seat.as_ref().map(|(_, key)| key)
    }

    /// The signed contents.
    pub fn lease(&self) -> &Lease {
        &self.lease
    }

    /// The envelope kind (`Lease`, `TrialLease`, ..., `NetworkSeat` for a seat from a LAN
    /// daemon).
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The compact envelope as received (for a network seat: the master license and the
    /// seat, separated by a space).
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
        user: None,
    }
}
