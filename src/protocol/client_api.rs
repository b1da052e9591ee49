//! The client protocol: what a licensekit client and licensekit-server say to each other.
//!
//! Every call is an HTTP `POST` of a [`RequestBody`] to a path under [`API_PREFIX`]. The body
//! holds a `client-request` envelope signed by the installation key: at activation (and trial
//! start) the key is new and the envelope proves possession of it; afterwards the server
//! verifies against the key it recorded, so knowing a license code is not enough to
//! deactivate someone else's seat. Answers that grant anything are a [`LeaseResponse`]
//! holding a vendor-signed lease; refusals are an [`ErrorResponse`] with a 4xx status.
//!
//! Retries are safe: a request carries a `request_id`, and the server answers a repeated
//! one exactly as the first time (same lease, same serial).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Status;
use crate::machine::ComponentDigest;

/// How far in a computer's future a signed artifact may claim to be issued (clock skew) before
/// the client refuses it; so also how far behind the server's clock a request's
/// `client_time` may be before the server refuses it, since its answer would be refused.
pub const FUTURE_TOLERANCE_SECS: i64 = 300;

/// How far ahead of the server's clock a request's `client_time` may be. The client accepts
/// leases from its past, but a request must be fresh: outside
/// `[now - FUTURE_TOLERANCE_SECS, now + CLIENT_AHEAD_SECS]` it is refused with
/// [`Status::ClockSkew`] before anything is recorded, and request IDs are remembered for far
/// longer than this window, so a captured request can never be replayed.
pub const CLIENT_AHEAD_SECS: i64 = 3600;

/// How long an offline activation request stays valid by default (the vendor may set
/// another completion window): the time for a file to travel to the vendor and back.
pub const OFFLINE_REQUEST_DAYS: i64 = 14;

/// Every reason a server may give for refusing a client call. The server answers only with
/// these, and the client maps exactly these to themselves; anything else a server says is
/// [`Status::ServerRefused`], so a hostile server cannot make the client claim a local bug.
pub const SERVER_REASONS: &[Status] = &[
    Status::InvalidArgument,
    Status::InvalidProductId,
    Status::NotActivated,
    Status::Expired,
    Status::Disabled,
    Status::Deactivated,
    Status::WrongMachine,
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
    Status::FeatureUnknown,
    Status::NoSeat,
    Status::CloneDetected,
    Status::SeatTaken,
    Status::NetworkLicenseOnly,
    Status::NotNetworkLicense,
    Status::NetworkSeatsExhausted,
    Status::InvalidCredentials,
    Status::UserLocked,
    Status::UserNotLicensed,
    Status::JournalRefused,
    Status::MalformedEnvelope,
    Status::EnvelopeTooLarge,
    Status::UnsupportedVersion,
    Status::UnknownKey,
    Status::BadSignature,
    Status::WrongKind,
    Status::MalformedPayload,
    Status::MismatchedLease,
    Status::WrongProduct,
    Status::ClockSkew,
    // The server gave up waiting for the request's body.
    Status::Timeout,
];

/// The versioned prefix of the client protocol.
pub const API_PREFIX: &str = "/client/v1";
/// Activates a license code on this computer.
pub const PATH_ACTIVATE: &str = "/client/v1/activate";
/// Renews the lease of an activation or trial.
pub const PATH_REFRESH: &str = "/client/v1/refresh";
/// Frees this computer's seat.
pub const PATH_DEACTIVATE: &str = "/client/v1/deactivate";
/// Starts (or resumes) the product's trial on this computer.
pub const PATH_TRIAL: &str = "/client/v1/trial";
/// Uploads this computer's system details.
pub const PATH_SYSTEM_DETAILS: &str = "/client/v1/system-details";
/// Takes a floating seat of a feature (or a long-term check-out of one).
pub const PATH_FLOATING_CHECKOUT: &str = "/client/v1/floating/checkout";
/// Keeps a floating seat: renews its seat lease.
pub const PATH_FLOATING_HEARTBEAT: &str = "/client/v1/floating/heartbeat";
/// Gives a floating seat back (also ends a long-term check-out early).
pub const PATH_FLOATING_CHECKIN: &str = "/client/v1/floating/checkin";
/// Draws elements from a feature's element pool.
pub const PATH_POOL_CHECKOUT: &str = "/client/v1/pool/checkout";
/// Returns elements to a feature's element pool.
pub const PATH_POOL_CHECKIN: &str = "/client/v1/pool/checkin";
/// Spends consumption tokens of a feature, exactly once per request ID.
pub const PATH_TOKENS_CONSUME: &str = "/client/v1/tokens/consume";
/// Opens a cloud-concurrency session (one running process of the code).
pub const PATH_SESSION_OPEN: &str = "/client/v1/session/open";
/// Keeps a session: renews its lease.
pub const PATH_SESSION_HEARTBEAT: &str = "/client/v1/session/heartbeat";
/// Closes a session, freeing its place.
pub const PATH_SESSION_CLOSE: &str = "/client/v1/session/close";

/// What a request asks for; signed, so a request cannot be replayed as another operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    Activate,
    Refresh,
    Deactivate,
    StartTrial,
    SystemDetails,
    FloatingCheckout,
    FloatingHeartbeat,
    FloatingCheckin,
    PoolCheckout,
    PoolCheckin,
    ConsumeTokens,
    SessionOpen,
    SessionHeartbeat,
    SessionClose,
    /// Delivers a batch of usage events (see [`super::events`]).
    Events,
    /// Takes a network seat from a LAN daemon.
    NetworkCheckout,
    /// Keeps a network seat: renews it.
    NetworkHeartbeat,
    /// Gives a network seat back to the daemon.
    NetworkCheckin,
}

impl Operation {
    /// The operations a LAN daemon serves (see [`super::network`]); licensekit-server
    /// serves the others.
    pub const LAN: [Operation; 3] =
        [Operation::NetworkCheckout, Operation::NetworkHeartbeat, Operation::NetworkCheckin];

    /// Every operation licensekit-server serves, each posted to its own path.
    pub const ALL: [Operation; 15] = [
        Operation::Activate,
        Operation::Refresh,
        Operation::Deactivate,
        Operation::StartTrial,
        Operation::SystemDetails,
        Operation::FloatingCheckout,
        Operation::FloatingHeartbeat,
        Operation::FloatingCheckin,
        Operation::PoolCheckout,
        Operation::PoolCheckin,
        Operation::ConsumeTokens,
        Operation::SessionOpen,
        Operation::SessionHeartbeat,
        Operation::SessionClose,
        Operation::Events,
    ];

    /// The path this operation is posted to.
    pub fn path(self) -> &'static str {
        match self {
            Operation::Activate => PATH_ACTIVATE,
            Operation::Refresh => PATH_REFRESH,
            Operation::Deactivate => PATH_DEACTIVATE,
            Operation::StartTrial => PATH_TRIAL,
            Operation::SystemDetails => PATH_SYSTEM_DETAILS,
            Operation::FloatingCheckout => PATH_FLOATING_CHECKOUT,
            Operation::FloatingHeartbeat => PATH_FLOATING_HEARTBEAT,
            Operation::FloatingCheckin => PATH_FLOATING_CHECKIN,
            Operation::PoolCheckout => PATH_POOL_CHECKOUT,
            Operation::PoolCheckin => PATH_POOL_CHECKIN,
            Operation::ConsumeTokens => PATH_TOKENS_CONSUME,
            Operation::SessionOpen => PATH_SESSION_OPEN,
            Operation::SessionHeartbeat => PATH_SESSION_HEARTBEAT,
            Operation::SessionClose => PATH_SESSION_CLOSE,
            Operation::Events => super::events::PATH_EVENTS,
            Operation::NetworkCheckout => super::network::PATH_CHECKOUT,
            Operation::NetworkHeartbeat => super::network::PATH_HEARTBEAT,
            Operation::NetworkCheckin => super::network::PATH_CHECKIN,
        }
    }
}

/// The application's own version information, recorded with the system details.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppInfo {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub build: String,
    #[serde(default)]
    pub edition: String,
}

/// The payload of a `client-request` envelope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClientRequest {
    pub operation: Operation,
    pub product_id: String,
    /// The license code (activation; refresh and deactivation of a code-based license).
    /// `None` for trials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_code: Option<String>,
    /// The 20-character computer ID for the product.
    pub computer_id: String,
    /// Salted component digests, so the server can re-sign the current ones at each check.
    pub components: Vec<ComponentDigest>,
    /// The installation's Ed25519 public key, 64 hex characters; it signed this request.
    pub installation_key: String,
    /// 32 hex characters, the same on every retry of one request: the idempotency key.
    pub request_id: String,
    /// 32 hex characters from the OS random source, echoed in the lease.
    pub nonce: String,
    /// The client's clock (Unix seconds), for the server's records and skew diagnostics.
    pub client_time: i64,
    /// The seed's `vmPlatform` value as the client detected it.
    pub vm_platform: String,
    /// System details with the seed's field names (`operatingsystem`, `cores`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_details: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub app: AppInfo,
    /// The feature a capacity operation concerns (floating, pool, tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<String>,
    /// Elements to draw or return, tokens to spend (at least 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<u64>,
    /// The seat or session a heartbeat, check-in or close concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seat_id: Option<String>,
    /// A long-term check-out of a floating seat for this many days (server function `LTCO`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkout_days: Option<u32>,
    /// The key IDs (16 hex characters each) of the vendor keys the client trusts. A server
    /// whose signing key is not among them refuses with [`Status::UnknownKey`] before it
    /// records anything: its lease would be refused, and the seat lost.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_keys: Vec<String>,
    /// On a refresh: the serial of the lease the client holds. Two installations presenting
    /// diverging chains of leases (a copied store) are a fork the server detects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_serial: Option<u64>,
    /// On an activation that replaces this computer's earlier installation: a compact
    /// `key-handover` envelope ([`KeyHandover`]) signed by that installation's key, proving
    /// the right to take its seat over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handover: Option<String>,
    /// The installation is a LAN daemon: it asks for (activation, refresh) a network master
    /// license, which only a code in concurrency mode `Network` grants, and only to a daemon.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub network_daemon: bool,
    /// On a LAN daemon's refresh: the network seats it serves now, for the vendor's records.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seats_in_use: Vec<super::network::SeatInUse>,
    /// On an activation by a named user instead of a license code: who signs in (see
    /// [`UserCredentials`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserCredentials>,
    /// On a refresh, deactivation or re-activation: the offline usage journal's entries not
    /// yet acknowledged, oldest first (compact `journal-entry` envelopes, see
    /// [`super::journal`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub journal: Vec<String>,
    /// On an events delivery: the batch, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<super::events::Event>,
}

/// A named user's sign-in (`lk_activate_user`): the server checks the password against its
/// hash and activates the license the user's group holds. The password travels only inside
/// this request, over the connection to the server: it is never stored, by either side, and
/// never printed (`Debug` hides it).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserCredentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for UserCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserCredentials").field("username", &self.username).finish_non_exhaustive()
    }
}

/// Longest username, in characters.
pub const MAX_USERNAME: usize = 128;
/// Longest password, in characters.
pub const MAX_PASSWORD: usize = 256;

/// The payload of a `key-handover` envelope, signed by the previous installation key: it
/// hands that installation's seat to `new_installation_key` for the request with `nonce`.
/// Without it (or matching component digests), a computer ID holding a seat under another
/// key is not taken over: knowing a license code and a computer ID is not enough.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyHandover {
    pub product_id: String,
    pub computer_id: String,
    /// The installation key handing over (it signed this).
    pub previous_installation_key: String,
    pub new_installation_key: String,
    /// The activation request's nonce: a handover is good for that one request.
    pub nonce: String,
}

/// The HTTP body of every client call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestBody {
    /// The compact `client-request` envelope.
    pub request: String,
}

/// A successful answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaseResponse {
    /// A compact `lease` or `trial-lease` envelope signed by the vendor key. Absent only for
    /// operations that grant nothing (system details upload).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease: Option<String>,
    /// A compact `floating-seat` envelope (a [`SeatLease`]) for floating check-outs and
    /// heartbeats and for session opens and heartbeats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seat: Option<String>,
    /// Elements left in the pool, or tokens left, after a pool or token operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
    /// In a LAN daemon's answer: its compact `network-master-license`, which names the key
    /// that signed the `network-seat` in `lease`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master: Option<String>,
}

/// A refusal: a licensekit status number, its name, and a human message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    pub status: u32,
    pub name: String,
    pub message: String,
}

/// The server's verdict on a license at the time it signed the lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LeaseState {
    /// Usable until the lease's dates say otherwise.
    Active,
    /// The vendor disabled the code (`enabledforuse` false): usable no more.
    Disabled,
    /// The seat was deactivated on the server (`DELETE LicenseCodeActivity`).
    Deactivated,
}

/// The seed's license types, plus trials.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LicenseType {
    Perpetual,
    SubscriptionPeriod,
    ExpirationDate,
    Trial,
}

/// The seed's feature types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FeatureKind {
    Normal,
    Floating,
    ElementPool,
    ConsumptionToken,
    SecureStore,
}

/// One feature as the license grants it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureGrant {
    /// The feature code, e.g. `F1`.
    pub code: String,
    pub kind: FeatureKind,
    /// Availability ON/OFF for this license.
    pub enabled: bool,
    /// Seats, elements or tokens for the capacity kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

/// The payload of a `lease` or `trial-lease` envelope. Times are Unix seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    pub product_id: String,
    /// `None` for a trial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_code: Option<String>,
    pub computer_id: String,
    /// The components the server accepted at this check (it re-signs the current ones, so
    /// hardware drift does not accumulate).
    pub components: Vec<ComponentDigest>,
    /// The installation key that must sign this installation's later requests.
    pub installation_key: String,
    pub state: LeaseState,
    pub license_type: LicenseType,
    pub features: Vec<FeatureGrant>,
    /// Application Agility UDF values by name.
    #[serde(default)]
    pub udfs: BTreeMap<String, String>,
    /// End of the subscription, expiration date, or trial end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance_end: Option<i64>,
    /// The client should refresh before this (now + client lease period, or the VM lease
    /// period on a VM).
    pub lease_end: i64,
    /// Without a refresh the license stays valid until this (now + offline lease period).
    pub grace_end: i64,
    /// The server's clock when it signed.
    pub server_time: i64,
    /// Only goes up per activation: an older lease offered again is refused.
    pub serial: u64,
    /// The request's nonce, echoed.
    pub nonce: String,
    /// The platform the server recorded.
    pub vm_platform: String,
    /// In a network master license: what its daemon may serve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<super::network::NetworkTerms>,
    /// The named user this license was activated for (`lk_activate_user`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

/// The payload of a `floating-seat` envelope: a floating seat of a feature, or a
/// cloud-concurrency session (no feature), held by one installation until `expires`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatLease {
    pub product_id: String,
    pub license_code: String,
    pub computer_id: String,
    pub installation_key: String,
    /// The server's name for this seat or session; heartbeats and check-ins name it.
    pub seat_id: String,
    /// The floating feature; `None` for a cloud-concurrency session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature: Option<String>,
    /// The seat is the holder's until this time (Unix seconds) unless renewed; after it the
    /// server gives it to someone else.
    pub expires: i64,
    /// How often to send a heartbeat (seconds); 0 for a long-term check-out.
    pub heartbeat_secs: i64,
    /// True for a long-term check-out (usable offline until `expires`).
    #[serde(default)]
    pub long_term: bool,
    pub server_time: i64,
    pub serial: u64,
    /// The request's nonce, echoed.
    pub nonce: String,
}
