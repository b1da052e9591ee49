//! The client handle: one per product, thread-safe.
//!
//! Creating a client loads the store, checks the clock against the store's high-water mark
//! and verifies the stored license's signature once, so later local checks need no
//! cryptography. The online, offline and feature capabilities build on this handle.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::machine::{Fingerprint, SysRoot, Virtualization, detect_virtualization, installation_id};
use crate::protocol::{Envelope, Kind};
use crate::store::Store;
use crate::{Config, Status};

/// How far the clock may go back below the store's high-water mark before it counts as
/// tampering: an hour covers time-zone and DST mistakes and NTP corrections.
pub const CLOCK_TOLERANCE_SECS: i64 = 3600;

/// The kinds of envelope that may be a product's current license.
const LICENSE_KINDS: [Kind; 4] =
    [Kind::Lease, Kind::TrialLease, Kind::ActivationCertificate, Kind::PassiveLicense];

/// A product's licensing client.
#[derive(Debug)]
pub struct Client {
    config: Config,
    store: Store,
    fingerprint: Fingerprint,
    virtualization: Virtualization,
    stored: Stored,
}

/// What the store held at load, after verification.
#[derive(Debug)]
enum Stored {
    Nothing,
    Verified(Kind),
    Refused(Status),
}

impl Client {
    /// Opens the product's store, computes this computer's fingerprint and verifies what the
    /// store holds. A damaged store fails here (`StoreCorrupt`, `StoreTruncated`): it is
    /// never replaced behind the user's back.
    pub fn new(config: Config) -> Result<Client, Status> {
        if config.trusted_keys().is_empty() {
            return Err(Status::NoPublicKey);
        }
        let dir = config.store_dir()?;
        let store = Store::open(&dir, config.product_id())?;
        let now = unix_now();
        let mut state = store.load()?;
        // Keep the high-water mark current, but without a write at every start: a minute of
        // slack is nothing against the hour of tolerance.
        if now > state.clock_high_water + 60 {
            state = store.update(|s| {
                s.clock_high_water = s.clock_high_water.max(now);
                Ok(s.clone())
            })?;
        }
        let root = SysRoot::host();
        let virtualization = detect_virtualization(&root);
        let fingerprint =
            Fingerprint::compute(config.product_id(), &root, &virtualization, || installation_id(&dir))?;
        let stored = match &state.license {
            None => Stored::Nothing,
            Some(text) => verify_license(&config, text),
        };
        Ok(Client { config, store, fingerprint, virtualization, stored })
    }

    /// The product ID.
    pub fn product_id(&self) -> &str {
        self.config.product_id()
    }

    /// This computer's ID for the product.
    pub fn computer_id(&self) -> &str {
        &self.fingerprint.computer_id
    }

    /// This computer's fingerprint (ID and component digests).
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// The VM or container platform and its evidence.
    pub fn virtualization(&self) -> &Virtualization {
        &self.virtualization
    }

    /// The store this client uses.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The kind of the verified license in the store; `Err` says why there is none usable:
    /// `NotActivated`, or the reason the stored one was refused (`BadSignature`,
    /// `UnknownKey`, ...). Validity in time comes with the lease rules.
    pub fn stored_license(&self) -> Result<Kind, Status> {
        match self.stored {
            Stored::Nothing => Err(Status::NotActivated),
            Stored::Verified(kind) => Ok(kind),
            Stored::Refused(status) => Err(status),
        }
    }

    /// `ClockTampered` when the clock is now more than [`CLOCK_TOLERANCE_SECS`] behind the
    /// latest time the store has seen.
    pub fn check_clock(&self) -> Result<(), Status> {
        let high_water = self.store.load()?.clock_high_water;
        if unix_now() < high_water - CLOCK_TOLERANCE_SECS { Err(Status::ClockTampered) } else { Ok(()) }
    }
}

fn verify_license(config: &Config, text: &str) -> Stored {
    let verified = Envelope::parse(text).and_then(|envelope| {
        let kind = envelope.kind();
        if !LICENSE_KINDS.contains(&kind) {
            return Err(Status::WrongKind);
        }
        envelope.verify(config.trusted_keys(), kind).map(|_| kind)
    });
    match verified {
        Ok(kind) => Stored::Verified(kind),
        Err(status) => Stored::Refused(status),
    }
}

/// Wall-clock Unix seconds; a clock before 1970 reads as 0 (and will look tampered).
pub(crate) fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
