//! The one status enum shared by the Rust core and the C ABI.
//!
//! Numbers are grouped by subsystem and are part of the public contract: a value, once
//! released, keeps its meaning forever and a retired one is never reused. `Ok` is the only
//! success; everything else says precisely why an operation did not succeed, so that an
//! application can tell "the vendor disabled this code" from "you are offline for too long".
//!
//! This enum is the one definition of every status: `build.rs` reads it and generates
//! [`Status::ALL`], the names (`LK_` and the variant in capitals, as cbindgen writes them
//! into the header) and the messages (the first line of each variant's doc comment, without
//! its full stop). Further doc lines only document the C header.

use std::ffi::CStr;
use std::fmt;

/// The outcome of every licensekit operation (`lk_status` in C).
///
/// Each value has a stable number, a name (`lk_status_name`) and a human message
/// (`lk_status_message`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Success.
    ///
    /// The operation completed, or the license / feature is usable.
    Ok = 0,
    // 1-99: arguments and the library itself.
    /// A required pointer argument was NULL.
    NullPointer = 1,
    /// A string argument is not valid UTF-8.
    InvalidUtf8 = 2,
    /// The output buffer is too small; see the size needed.
    ///
    /// `*needed` holds the size required, counting the terminating NUL.
    BufferTooSmall = 3,
    /// An argument has an invalid value.
    InvalidArgument = 4,
    /// Internal error in licensekit (caught; nothing was granted).
    ///
    /// A bug inside licensekit was caught at the C boundary (a panic).
    Internal = 5,
    /// No trusted vendor public key is configured.
    NoPublicKey = 6,
    /// The public key is not 64 hex characters of a valid Ed25519 key.
    InvalidPublicKey = 7,
    /// The product ID is empty, too long or has characters outside [0-9A-Za-z_-].
    InvalidProductId = 8,
    // 100-199: license state.
    /// No license is activated for this product on this computer.
    NotActivated = 100,
    /// The license has expired (subscription end or expiration date).
    Expired = 101,
    /// The license could not be refreshed within its offline grace period.
    LeaseExpired = 102,
    /// The license was disabled or suspended by the vendor.
    Disabled = 103,
    /// The license was deactivated on this computer.
    Deactivated = 104,
    /// The license was issued for another computer.
    WrongMachine = 105,
    /// The system clock was set back beyond the allowed tolerance.
    ClockTampered = 106,
    /// The license does not allow running in a virtual machine.
    VmNotAllowed = 107,
    /// The trial period has ended.
    TrialExpired = 108,
    /// The feature is switched off in this license.
    ///
    /// The license has the feature, with its availability OFF. A feature the license does not
    /// have at all is `LK_FEATURE_UNKNOWN`.
    FeatureNotEnabled = 109,
    /// Every activation this license code allows is in use.
    ActivationLimit = 110,
    /// The license code does not exist for this product.
    InvalidLicenseCode = 111,
    /// No trial is available for this product on this computer.
    ///
    /// This computer already used its trial, or the product has no trial.
    TrialUnavailable = 112,
    /// The operation needs an activated license and there is none.
    NoLicense = 113,
    /// Every floating seat of the feature is in use.
    ///
    /// A feature with no seats at all is refused with `LK_FEATURE_NOT_ENABLED`.
    SeatsExhausted = 114,
    /// The element pool has fewer elements left than asked for.
    PoolExhausted = 115,
    /// Fewer consumption tokens are left than asked for.
    TokensExhausted = 116,
    /// The allowed number of concurrent processes already run.
    ConcurrencyLimit = 117,
    /// The seat or session lapsed or was taken back.
    ///
    /// Its heartbeats lapsed, or the vendor returned it. A seat never taken is `LK_NO_SEAT`.
    SeatLost = 118,
    /// A long-term check-out is not allowed for this code or duration.
    LongTermCheckoutRefused = 119,
    /// The license does not have this feature.
    FeatureUnknown = 120,
    /// No seat of this floating feature is held by this process.
    ///
    /// Check one out first (`lk_floating_checkout`).
    NoSeat = 121,
    /// This installation's license was copied: another copy of its store is in use.
    ///
    /// The server saw two installations presenting diverging chains of leases (a copied or
    /// restored store folder) and refused by the vendor's policy. Activate again.
    CloneDetected = 122,
    /// Another installation holds this computer's seat and this one cannot prove it may take it over.
    ///
    /// The request carried neither the previous installation key's handover nor component
    /// digests matching the recorded ones.
    SeatTaken = 123,
    /// The license code is a network license: its seats are served by a LAN daemon.
    ///
    /// Workstations take a seat from the site's daemon (`lk_activate_lan`); only the daemon
    /// activates the code itself.
    NetworkLicenseOnly = 124,
    /// The license code is not a network license (concurrency mode `Network`).
    ///
    /// A LAN daemon can serve seats only of a code the vendor made a network license.
    NotNetworkLicense = 125,
    /// The username or password is wrong.
    ///
    /// One answer for both, so usernames cannot be guessed from it. Repeated failures slow
    /// the user's sign-ins down, then lock them for a while (`LK_USER_LOCKED`).
    InvalidCredentials = 126,
    /// The user is locked after repeated failed sign-ins, or must wait before the next try.
    ///
    /// The last error says until when. The vendor can unlock by setting a new password.
    UserLocked = 127,
    /// The user signed in, but their group holds no license for this product.
    ///
    /// The vendor assigns a license code to the user's group (`POST GroupLicenseCode`).
    UserNotLicensed = 128,
    /// The server refused the offline usage journal: an entry is missing, out of order or forged.
    ///
    /// The journal of tokens and pool units used offline is hash-chained and signed; one
    /// that was edited is refused whole, and the license is not renewed until support looks
    /// at the computer.
    JournalRefused = 129,
    // 200-299: signed artifacts (envelopes, certificates).
    /// The signed data is malformed.
    MalformedEnvelope = 200,
    /// The signed data exceeds the size limit.
    EnvelopeTooLarge = 201,
    /// The signed data uses an unsupported format version.
    UnsupportedVersion = 202,
    /// The signed data was signed by a key that is not trusted.
    UnknownKey = 203,
    /// The signature does not match the signed data.
    BadSignature = 204,
    /// The signed data is of another kind than expected.
    ///
    /// E.g. a passive license offered as a lease.
    WrongKind = 205,
    /// The signed payload does not have the expected contents.
    MalformedPayload = 206,
    /// A lease older than the one held was offered (a replay).
    StaleLease = 207,
    /// The lease claims to be issued in this computer's future.
    FutureLease = 208,
    /// The signed data was issued for another computer, installation or request.
    MismatchedLease = 209,
    /// The signed data is for another product.
    WrongProduct = 210,
    /// The certificate does not answer this computer's pending request.
    ///
    /// Or there is no pending request, e.g. after an offline deactivation.
    WrongRequest = 211,
    // 300-399: the local store.
    /// The license store could not be read or written.
    StoreIo = 300,
    /// The license store file is corrupt.
    ///
    /// The file is kept beside a fresh store (`<product>.lkstore.damaged-<unix time>`) at the
    /// next activation, trial start or certificate import.
    StoreCorrupt = 301,
    /// The license store file is truncated.
    StoreTruncated = 302,
    /// The license store file has an unsupported version.
    StoreVersion = 303,
    /// The license store is older than this computer's record of it (restored or edited).
    ///
    /// Its serial or clock high-water mark is below the copy kept apart from it, or it fails
    /// its authentication. It licenses nothing; activate again.
    StoreRolledBack = 304,
    // 500-599: the computer.
    /// No computer identity could be determined.
    ///
    /// No usable identity could be read from this computer, and no installation ID could be kept.
    MachineIdUnavailable = 500,
    // 600-699: the license server.
    /// No license server URL is configured.
    NoServer = 600,
    /// The license server could not be reached.
    ///
    /// `lk_last_error_message` says why: connection refused, host not found, TLS, proxy.
    Network = 601,
    /// The license server did not answer in time.
    Timeout = 602,
    /// The license server failed.
    ServerError = 603,
    /// The license server's answer could not be understood.
    BadResponse = 604,
    /// The license server refused the request.
    ///
    /// For a reason this library does not know.
    ServerRefused = 605,
    /// This computer's clock is too far from the license server's.
    ///
    /// `lk_last_error_message` says by how much. Correct the clock and try again.
    ClockSkew = 606,
    // 700-799: the LAN license daemon.
    /// No LAN license daemon is configured.
    ///
    /// Set one with `lk_config_set_lan_server` or the `LICENSEKIT_LAN_SERVER` environment variable.
    NoLanServer = 700,
    /// The LAN license daemon could not be reached.
    ///
    /// `lk_last_error_message` says why: connection refused, host not found, timeout.
    LanUnreachable = 701,
    /// Every network seat of the site's license is in use.
    NetworkSeatsExhausted = 702,
    /// The LAN daemon is not certified for this product by a trusted vendor key.
    ///
    /// Its master license is missing, signed by a key this application does not trust, for
    /// another product, expired, or does not name the key that signed the seat.
    DaemonNotCertified = 703,
}

include!(concat!(env!("OUT_DIR"), "/status_table.rs"));

impl Status {
    /// Converts a number that came from outside (C, a file, the network). Total: unknown
    /// numbers give `None`, never undefined behaviour.
    pub fn from_u32(value: u32) -> Option<Status> {
        Status::ALL.iter().copied().find(|s| *s as u32 == value)
    }

    /// The constant's name as it appears in the C header, e.g. `LK_OK`.
    pub fn name(self) -> &'static CStr {
        self.describe().0
    }

    /// A short, stable, human-readable explanation.
    pub fn message(self) -> &'static CStr {
        self.describe().1
    }

    /// True for `Ok`.
    pub fn is_ok(self) -> bool {
        self == Status::Ok
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message().to_string_lossy())
    }
}

impl std::error::Error for Status {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_names_are_unique() {
        let mut names = std::collections::HashSet::new();
        for &s in Status::ALL {
            assert_eq!(Status::from_u32(s as u32), Some(s));
            assert!(names.insert(s.name()), "duplicate name {:?}", s.name());
            assert!(s.name().to_bytes().starts_with(b"LK_"));
            assert!(!s.message().to_bytes().is_empty());
        }
        assert_eq!(Status::from_u32(99_999), None);
    }

    #[test]
    fn frozen_numbers() {
        // These values are in shipped headers; changing one is a breaking change.
        assert_eq!(Status::Ok as u32, 0);
        assert_eq!(Status::Internal as u32, 5);
        assert_eq!(Status::NotActivated as u32, 100);
        assert_eq!(Status::BadSignature as u32, 204);
        assert_eq!(Status::StoreCorrupt as u32, 301);
    }
}
