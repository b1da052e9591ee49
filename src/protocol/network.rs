//! Network licensing: what a LAN daemon and the workstations of its site say to each other.
//!
//! A site's daemon activates a license code in concurrency mode `Network` like any
//! installation, flagged [`ClientRequest::network_daemon`](super::client_api::ClientRequest),
//! and receives a `network-master-license`: a [`Lease`](super::client_api::Lease) for the
//! daemon's computer carrying [`NetworkTerms`], signed by the vendor. Its
//! `installation_key` is the daemon's own key, which signs the `network-seat`s
//! ([`NetworkSeat`]) the daemon hands to workstations. A workstation trusts a seat through
//! the chain vendor key → master license → daemon key → seat, so a daemon the vendor never
//! certified, or one certified for another product, serves nothing a client accepts.
//!
//! Workstations post the same signed [`RequestBody`](super::client_api::RequestBody) as to
//! licensekit-server, to the paths below on the daemon; the daemon answers a
//! [`LeaseResponse`](super::client_api::LeaseResponse) with the seat in `lease` and its
//! master license in `master`, or an [`ErrorResponse`](super::client_api::ErrorResponse).

use serde::{Deserialize, Serialize};

use super::client_api::{API_PREFIX, Operation};
use crate::Status;

/// The versioned prefix of the LAN protocol.
pub const LAN_PREFIX: &str = "/lan/v1";
/// Takes a network seat (or borrows one for days).
pub const PATH_CHECKOUT: &str = "/lan/v1/checkout";
/// Renews a network seat.
pub const PATH_HEARTBEAT: &str = "/lan/v1/heartbeat";
/// Gives a network seat back.
pub const PATH_CHECKIN: &str = "/lan/v1/checkin";
/// `GET`: the seats in use, as [`DaemonStatus`] (for `licensekit-lan status`).
pub const PATH_STATUS: &str = "/lan/v1/status";

/// The shared-capacity operations a daemon also serves to the workstations holding its seats,
/// from its network license's floating features and element pools, at the client protocol's
/// paths under [`LAN_PREFIX`] (`/lan/v1/floating/checkout`, ...). Its floating seats are
/// `floating-seat` envelopes signed by the daemon's key.
pub const CAPACITY: [Operation; 5] = [
    Operation::FloatingCheckout,
    Operation::FloatingHeartbeat,
    Operation::FloatingCheckin,
    Operation::PoolCheckout,
    Operation::PoolCheckin,
];

/// Where a daemon serves `operation`.
pub fn lan_path(operation: Operation) -> String {
    let path = operation.path();
    match path.strip_prefix(API_PREFIX) {
        Some(rest) => format!("{LAN_PREFIX}{rest}"),
        None => path.to_owned(),
    }
}

/// The environment variable that names the LAN daemon (`host:port`) for every licensekit
/// application on a workstation, as administrators set it.
pub const LAN_SERVER_ENV: &str = "LICENSEKIT_LAN_SERVER";

/// What a daemon's refusal may say beyond [`SERVER_REASONS`](super::client_api::SERVER_REASONS):
/// its own license does not certify it (lapsed, another product).
pub const LAN_REASONS: &[Status] = &[Status::DaemonNotCertified];

/// What a network master license lets its daemon serve.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkTerms {
    /// Seats in use at once (the code's `networkseats`).
    pub seats: u32,
    /// How often a workstation renews its seat (seconds, at least 1); a seat not renewed for
    /// two intervals is free again.
    pub heartbeat_secs: i64,
    /// The longest a seat may be borrowed (days) for a computer leaving the network; 0 when
    /// borrowing is not allowed (the code's server function `LTCO`).
    pub borrow_days: u32,
}

/// The payload of a `network-seat` envelope, signed by the daemon's key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkSeat {
    pub product_id: String,
    /// The master license's code.
    pub license_code: String,
    /// The serial of the master license the daemon held when it signed.
    pub master_serial: u64,
    /// The workstation and the installation key that holds the seat.
    pub computer_id: String,
    pub installation_key: String,
    /// The daemon's name for the seat; heartbeats and check-ins name it.
    pub seat_id: String,
    /// The seat is the holder's until this time (Unix seconds, the daemon's clock) unless
    /// renewed.
    pub expires: i64,
    /// How often to renew (seconds); 0 for a borrowed seat, which is held until `expires`
    /// without the network.
    pub heartbeat_secs: i64,
    #[serde(default)]
    pub borrowed: bool,
    /// The daemon's clock when it signed.
    pub server_time: i64,
    /// Only goes up per daemon: an older seat offered again is refused.
    pub serial: u64,
    /// The request's nonce, echoed.
    pub nonce: String,
}

/// One seat a daemon serves, as `status` shows it and its refresh reports it to the vendor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatInUse {
    pub seat_id: String,
    pub computer_id: String,
    /// The workstation's host name and user, as its request's system details gave them.
    #[serde(default)]
    pub hostname: String,
    #[serde(default)]
    pub user: String,
    /// Unix seconds: when the seat was taken, and until when it is held.
    pub since: i64,
    pub expires: i64,
    #[serde(default)]
    pub borrowed: bool,
}

/// `GET /lan/v1/status`: the daemon's license and the seats in use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaemonStatus {
    pub product_id: String,
    pub license_code: String,
    /// The master license's status name (`LK_OK`, `LK_LEASE_EXPIRED`, ...).
    pub status: String,
    pub seats: u32,
    pub heartbeat_secs: i64,
    /// Unix seconds: until when the master license serves without reaching the vendor.
    pub grace_end: i64,
    pub in_use: Vec<SeatInUse>,
}
