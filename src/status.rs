//! The one status enum shared by the Rust core and the C ABI.
//!
//! Numbers are grouped by subsystem and are part of the public contract: a value, once
//! released, keeps its meaning forever and a retired one is never reused. `Ok` is the only
//! success; everything else says precisely why an operation did not succeed, so that an
//! application can tell "the vendor disabled this code" from "you are offline for too long".

use std::ffi::CStr;
use std::fmt;

/// The outcome of every licensekit operation (`lk_status` in C).
///
/// Each value has a stable number, a name (`lk_status_name`) and a human message
/// (`lk_status_message`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Success: the operation completed, or the license / feature is usable.
    Ok = 0,
    // 1-99: arguments and the library itself.
    /// A required pointer argument was NULL.
    NullPointer = 1,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 2,
    /// The caller's buffer is too small; `*needed` holds the size required.
    BufferTooSmall = 3,
    /// An argument had a value outside what the function accepts.
    InvalidArgument = 4,
    /// A bug inside licensekit was caught at the C boundary (a panic); nothing was granted.
    Internal = 5,
    /// The configuration has no trusted vendor public key.
    NoPublicKey = 6,
    /// A public key is not 64 hex characters of a valid Ed25519 key.
    InvalidPublicKey = 7,
    /// The product ID is empty, too long, or contains characters outside `[0-9A-Za-z_-]`.
    InvalidProductId = 8,
    // 100-199: license state.
    /// No license has been activated on this computer for this product.
    NotActivated = 100,
    /// The subscription or expiration date has passed.
    Expired = 101,
    /// The lease could not be refreshed within the offline grace period.
    LeaseExpired = 102,
    /// The vendor disabled or suspended the license.
    Disabled = 103,
    /// The license was deactivated on this computer.
    Deactivated = 104,
    /// The license belongs to another computer.
    WrongMachine = 105,
    /// The system clock was set back beyond the tolerance.
    ClockTampered = 106,
    /// The license does not allow running in a virtual machine.
    VmNotAllowed = 107,
    /// The trial period has ended.
    TrialExpired = 108,
    /// The feature is not part of the license, or is switched off.
    FeatureNotEnabled = 109,
    /// Every activation the license code allows is in use on other computers.
    ActivationLimit = 110,
    /// The license code does not exist for this product.
    InvalidLicenseCode = 111,
    /// This computer already used its trial, or the product has no trial.
    TrialUnavailable = 112,
    /// The operation needs an activated license and there is none.
    NoLicense = 113,
    /// Every floating seat of the feature is in use.
    SeatsExhausted = 114,
    /// The element pool has fewer elements left than asked for.
    PoolExhausted = 115,
    /// Fewer consumption tokens are left than asked for.
    TokensExhausted = 116,
    /// The license code's allowed number of concurrent processes already run.
    ConcurrencyLimit = 117,
    /// The seat or session is no longer held (its heartbeats lapsed, or it was returned).
    SeatLost = 118,
    /// Long-term check-out is not allowed for this code, or not for that many days.
    LongTermCheckoutRefused = 119,
    // 200-299: signed artifacts (envelopes, certificates).
    /// The text is not a well-formed licensekit envelope.
    MalformedEnvelope = 200,
    /// The envelope exceeds the size limit.
    EnvelopeTooLarge = 201,
    /// The envelope's format version is not supported by this library.
    UnsupportedVersion = 202,
    /// The envelope was signed by a key this application does not trust.
    UnknownKey = 203,
    /// The signature does not match the contents.
    BadSignature = 204,
    /// The envelope is of another kind than expected (e.g. a passive license offered as a lease).
    WrongKind = 205,
    /// The signed payload does not have the expected contents.
    MalformedPayload = 206,
    /// A lease older than the one already held was offered (a replay).
    StaleLease = 207,
    /// The lease claims to be issued in this computer's future beyond the tolerance.
    FutureLease = 208,
    /// The signed data was issued for another computer, installation or request.
    MismatchedLease = 209,
    /// The signed data is for another product.
    WrongProduct = 210,
    /// The certificate answers another request than this computer's pending one (or there is
    /// no pending request, e.g. after an offline deactivation).
    WrongRequest = 211,
    // 300-399: the local store.
    /// The store could not be read or written.
    StoreIo = 300,
    /// The store file fails its integrity check.
    StoreCorrupt = 301,
    /// The store file is shorter than its header says.
    StoreTruncated = 302,
    /// The store file was written by a newer, incompatible licensekit.
    StoreVersion = 303,
    // 500-599: the computer.
    /// No usable identity could be read from this computer, and no installation ID could be kept.
    MachineIdUnavailable = 500,

    // 600-699: the license server.
    /// No license server URL is configured.
    NoServer = 600,
    /// The license server could not be reached (DNS, connection, proxy, TLS).
    Network = 601,
    /// The license server did not answer within the configured timeout.
    Timeout = 602,
    /// The license server failed (5xx).
    ServerError = 603,
    /// The license server's answer could not be understood.
    BadResponse = 604,
    /// The license server refused the request for a reason this library does not know.
    ServerRefused = 605,
}

impl Status {
    /// Every status, in numeric order.
    pub const ALL: &'static [Status] = &[
        Status::Ok,
        Status::NullPointer,
        Status::InvalidUtf8,
        Status::BufferTooSmall,
        Status::InvalidArgument,
        Status::Internal,
        Status::NoPublicKey,
        Status::InvalidPublicKey,
        Status::InvalidProductId,
        Status::NotActivated,
        Status::Expired,
        Status::LeaseExpired,
        Status::Disabled,
        Status::Deactivated,
        Status::WrongMachine,
        Status::ClockTampered,
        Status::VmNotAllowed,
        Status::TrialExpired,
        Status::FeatureNotEnabled,
        Status::ActivationLimit,
        Status::InvalidLicenseCode,
        Status::TrialUnavailable,
        Status::NoLicense,
        Status::SeatsExhausted,
        Status::PoolExhausted,
        Status::TokensExhausted,
        Status::ConcurrencyLimit,
        Status::SeatLost,
        Status::LongTermCheckoutRefused,
        Status::MalformedEnvelope,
        Status::EnvelopeTooLarge,
        Status::UnsupportedVersion,
        Status::UnknownKey,
        Status::BadSignature,
        Status::WrongKind,
        Status::MalformedPayload,
        Status::StaleLease,
        Status::FutureLease,
        Status::MismatchedLease,
        Status::WrongProduct,
        Status::WrongRequest,
        Status::StoreIo,
        Status::StoreCorrupt,
        Status::StoreTruncated,
        Status::StoreVersion,
        Status::MachineIdUnavailable,
        Status::NoServer,
        Status::Network,
        Status::Timeout,
        Status::ServerError,
        Status::BadResponse,
        Status::ServerRefused,
    ];

    /// Converts a number that came from outside (C, a file, the network). Total: unknown
    /// numbers give `None`, never undefined behaviour.
    pub fn from_u32(value: u32) -> Option<Status> {
        Status::ALL.iter().copied().find(|s| *s as u32 == value)
    }

    /// The constant's name as it appears in the C header (e.g. `LK_OK`) and its message.
    fn describe(self) -> (&'static CStr, &'static CStr) {
        match self {
            Status::Ok => (c"LK_OK", c"success"),
            Status::NullPointer => (c"LK_NULL_POINTER", c"a required pointer argument was NULL"),
            Status::InvalidUtf8 => (c"LK_INVALID_UTF8", c"a string argument is not valid UTF-8"),
            Status::BufferTooSmall => {
                (c"LK_BUFFER_TOO_SMALL", c"the output buffer is too small; see the size needed")
            }
            Status::InvalidArgument => (c"LK_INVALID_ARGUMENT", c"an argument has an invalid value"),
            Status::Internal => {
                (c"LK_INTERNAL", c"internal error in licensekit (caught; nothing was granted)")
            }
            Status::NoPublicKey => (c"LK_NO_PUBLIC_KEY", c"no trusted vendor public key is configured"),
            Status::InvalidPublicKey => {
                (c"LK_INVALID_PUBLIC_KEY", c"the public key is not a valid hex-encoded Ed25519 key")
            }
            Status::InvalidProductId => {
                (c"LK_INVALID_PRODUCT_ID", c"the product ID is empty, too long or has invalid characters")
            }
            Status::NotActivated => {
                (c"LK_NOT_ACTIVATED", c"no license is activated for this product on this computer")
            }
            Status::Expired => (c"LK_EXPIRED", c"the license has expired"),
            Status::LeaseExpired => {
                (c"LK_LEASE_EXPIRED", c"the license could not be refreshed within its offline grace period")
            }
            Status::Disabled => (c"LK_DISABLED", c"the license was disabled or suspended by the vendor"),
            Status::Deactivated => (c"LK_DEACTIVATED", c"the license was deactivated on this computer"),
            Status::WrongMachine => (c"LK_WRONG_MACHINE", c"the license was issued for another computer"),
            Status::ClockTampered => {
                (c"LK_CLOCK_TAMPERED", c"the system clock was set back beyond the allowed tolerance")
            }
            Status::VmNotAllowed => {
                (c"LK_VM_NOT_ALLOWED", c"the license does not allow running in a virtual machine")
            }
            Status::TrialExpired => (c"LK_TRIAL_EXPIRED", c"the trial period has ended"),
            Status::FeatureNotEnabled => {
                (c"LK_FEATURE_NOT_ENABLED", c"the feature is not enabled by the license")
            }
            Status::ActivationLimit => {
                (c"LK_ACTIVATION_LIMIT", c"every activation this license code allows is in use")
            }
            Status::InvalidLicenseCode => {
                (c"LK_INVALID_LICENSE_CODE", c"the license code does not exist for this product")
            }
            Status::TrialUnavailable => {
                (c"LK_TRIAL_UNAVAILABLE", c"no trial is available for this product on this computer")
            }
            Status::NoLicense => {
                (c"LK_NO_LICENSE", c"the operation needs an activated license and there is none")
            }
            Status::SeatsExhausted => {
                (c"LK_SEATS_EXHAUSTED", c"every floating seat of the feature is in use")
            }
            Status::PoolExhausted => {
                (c"LK_POOL_EXHAUSTED", c"the element pool has fewer elements left than asked for")
            }
            Status::TokensExhausted => {
                (c"LK_TOKENS_EXHAUSTED", c"fewer consumption tokens are left than asked for")
            }
            Status::ConcurrencyLimit => {
                (c"LK_CONCURRENCY_LIMIT", c"the allowed number of concurrent processes already run")
            }
            Status::SeatLost => (c"LK_SEAT_LOST", c"the seat or session is no longer held"),
            Status::LongTermCheckoutRefused => (
                c"LK_LONG_TERM_CHECKOUT_REFUSED",
                c"a long-term check-out is not allowed for this code or duration",
            ),
            Status::MalformedEnvelope => (c"LK_MALFORMED_ENVELOPE", c"the signed data is malformed"),
            Status::EnvelopeTooLarge => (c"LK_ENVELOPE_TOO_LARGE", c"the signed data exceeds the size limit"),
            Status::UnsupportedVersion => {
                (c"LK_UNSUPPORTED_VERSION", c"the signed data uses an unsupported format version")
            }
            Status::UnknownKey => {
                (c"LK_UNKNOWN_KEY", c"the signed data was signed by a key that is not trusted")
            }
            Status::BadSignature => (c"LK_BAD_SIGNATURE", c"the signature does not match the signed data"),
            Status::WrongKind => (c"LK_WRONG_KIND", c"the signed data is of another kind than expected"),
            Status::MalformedPayload => {
                (c"LK_MALFORMED_PAYLOAD", c"the signed payload does not have the expected contents")
            }
            Status::StaleLease => (c"LK_STALE_LEASE", c"a lease older than the one held was offered"),
            Status::FutureLease => (c"LK_FUTURE_LEASE", c"the lease claims to be issued in the future"),
            Status::MismatchedLease => (
                c"LK_MISMATCHED_LEASE",
                c"the signed data was issued for another computer, installation or request",
            ),
            Status::WrongProduct => (c"LK_WRONG_PRODUCT", c"the signed data is for another product"),
            Status::WrongRequest => {
                (c"LK_WRONG_REQUEST", c"the certificate does not answer this computer's pending request")
            }
            Status::StoreIo => (c"LK_STORE_IO", c"the license store could not be read or written"),
            Status::StoreCorrupt => (c"LK_STORE_CORRUPT", c"the license store file is corrupt"),
            Status::StoreTruncated => (c"LK_STORE_TRUNCATED", c"the license store file is truncated"),
            Status::StoreVersion => {
                (c"LK_STORE_VERSION", c"the license store file has an unsupported version")
            }
            Status::MachineIdUnavailable => {
                (c"LK_MACHINE_ID_UNAVAILABLE", c"no computer identity could be determined")
            }
            Status::NoServer => (c"LK_NO_SERVER", c"no license server URL is configured"),
            Status::Network => (c"LK_NETWORK", c"the license server could not be reached"),
            Status::Timeout => (c"LK_TIMEOUT", c"the license server did not answer in time"),
            Status::ServerError => (c"LK_SERVER_ERROR", c"the license server failed"),
            Status::BadResponse => {
                (c"LK_BAD_RESPONSE", c"the license server's answer could not be understood")
            }
            Status::ServerRefused => (c"LK_SERVER_REFUSED", c"the license server refused the request"),
        }
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
