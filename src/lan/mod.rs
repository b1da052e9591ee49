//! The LAN license daemon's core: a site's network seats, served from a network master
//! license (see [`crate::protocol::network`]).
//!
//! The daemon is a [`Client`] of the product flagged as a daemon: it activates a network
//! license code online or by files, keeps its master license fresh with the background
//! thread, and reports the seats it serves with each refresh. Its installation key, which
//! never leaves this crate, signs the seats. The seat table is written to the store
//! directory (atomically, before any answer) so a restart neither frees a held seat nor
//! counts one twice. The HTTP side lives in the `licensekit-lan` binary.

mod request;
mod seats;

use std::path::PathBuf;
use std::sync::Mutex;

use crate::client::{lock, random_hex};
use crate::license::License;
use crate::protocol::client_api::{ClientRequest, FeatureKind, LeaseResponse, Operation, SeatLease};
use crate::protocol::network::{DaemonStatus, NetworkSeat, NetworkTerms};
use crate::protocol::{Envelope, Kind, SigningKey};
use crate::{Client, Config, Status};
use seats::{Holder, Limits, SeatTable};

/// Checks a workstation's request as the daemon does before anything else (the body posted
/// for `operation`, for `product_id`, at `now`): the verified request, or why it is refused.
/// Public for the fuzz target of this parser (`fuzz/fuzz_targets/lan_request.rs`).
pub fn verify_request(
    body: &[u8],
    operation: Operation,
    product_id: &str,
    now: i64,
) -> Result<ClientRequest, Refusal> {
    request::verify(body, operation, product_id, now)
}

/// A site's LAN daemon for one product.
#[derive(Debug)]
pub struct Daemon {
    client: Client,
    table: Mutex<SeatTable>,
    path: PathBuf,
}

/// A refusal for the workstation: a licensekit status and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: Status,
    pub message: String,
}

impl From<seats::Refusal> for Refusal {
    fn from((status, message): seats::Refusal) -> Refusal {
        Refusal { status, message }
    }
}

/// What a seat operation works with: the master license held now and its terms.
struct Master {
    license: License,
    terms: NetworkTerms,
    key: SigningKey,
}

impl Daemon {
    /// Opens the daemon's client (its store, its master license if any) and its seat table.
    pub fn open(mut config: Config) -> Result<Daemon, Status> {
        config.set_network_daemon();
        let path = config.store_dir()?.join(format!("{}.lan-seats.json", config.product_id()));
        let client = Client::new(config)?;
        let table = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| crate::detail::note(Status::StoreCorrupt, format!("{}: {e}", path.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => SeatTable::default(),
            Err(e) => return Err(crate::detail::io(Status::StoreIo, "cannot read", &path, &e)),
        };
        let daemon = Daemon { client, table: Mutex::new(table), path };
        daemon.report(&lock(&daemon.table));
        Ok(daemon)
    }

    /// The daemon's own client: activation (online or by files), refresh, deactivation.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Serves one workstation request (the body posted to one of the LAN paths): a network
    /// seat, or a floating seat or pool elements of the network license for a workstation
    /// holding one; seats are signed by the daemon's key and come with the master license
    /// that certifies it. The table is written before the answer; a refusal changes nothing.
    pub fn serve(&self, operation: Operation, body: &[u8]) -> Result<LeaseResponse, Refusal> {
        let now = self.client.shared().now();
        let request = verify_request(body, operation, self.client.product_id(), now)?;
        let master = self.master(operation)?;
        let limits = Limits { terms: &master.terms, master_grace_end: master.license.lease().grace_end, now };
        let mut table = lock(&self.table);
        let mut next = table.clone();
        let seat_id = request.seat_id.as_deref().unwrap_or_default();
        let key = &request.installation_key;
        let feature = request.feature.as_deref().unwrap_or_default();
        let certified = |lease: Option<String>, seat: Option<String>| LeaseResponse {
            lease,
            seat,
            master: Some(master.license.compact().to_owned()),
            ..LeaseResponse::default()
        };
        let answer = match operation {
            Operation::NetworkCheckout | Operation::NetworkHeartbeat => {
                let (seat, serial) = if operation == Operation::NetworkCheckout {
                    let holder = Holder {
                        computer_id: request.computer_id.clone(),
                        installation_key: key.clone(),
                        hostname: request::detail(&request, "computername"),
                        user: request::detail(&request, "username"),
                    };
                    next.check_out(holder, request.checkout_days, limits, random_hex)?
                } else {
                    next.heartbeat(seat_id, key, limits)?
                };
                certified(Some(sign_network_seat(&master, &request, &seat, serial, now)?), None)
            }
            Operation::FloatingCheckout | Operation::FloatingHeartbeat => {
                if request.checkout_days.is_some() {
                    return Err(Refusal {
                        status: Status::LongTermCheckoutRefused,
                        message: "borrow the network seat instead (lk_borrow_lan)".into(),
                    });
                }
                let limit = master.limit(feature, FeatureKind::Floating)?;
                let (seat, serial) = if operation == Operation::FloatingCheckout {
                    next.floating_checkout(key, feature, limit, limits, random_hex)?
                } else {
                    next.floating_heartbeat(key, seat_id, limits)?
                };
                certified(None, Some(sign_floating_seat(&master, &request, &seat, serial, now)?))
            }
            Operation::PoolCheckout | Operation::PoolCheckin => {
                let limit = master.limit(feature, FeatureKind::ElementPool)?;
                let amount = i128::from(request.amount.unwrap_or_default());
                let amount = if operation == Operation::PoolCheckout { amount } else { -amount };
                let remaining = next.pool(key, feature, limit, amount, now)?;
                LeaseResponse { remaining: Some(remaining), ..LeaseResponse::default() }
            }
            Operation::NetworkCheckin => {
                next.check_in(seat_id, key, now)?;
                LeaseResponse::default()
            }
            Operation::FloatingCheckin => {
                next.floating_checkin(key, seat_id, now)?;
                LeaseResponse::default()
            }
            _ => {
                return Err(Refusal {
                    status: Status::InvalidArgument,
                    message: "not a LAN operation".into(),
                });
            }
        };
        self.persist(&next)?;
        *table = next;
        self.report(&table);
        Ok(answer)
    }

    /// The daemon's license and the seats in use now (`licensekit-lan status`).
    pub fn status(&self) -> DaemonStatus {
        let now = self.client.shared().now();
        let license = self.client.license().ok();
        let lease = license.as_ref().map(License::lease);
        let terms = lease.and_then(|l| l.network.clone());
        DaemonStatus {
            product_id: self.client.product_id().to_owned(),
            license_code: lease.and_then(|l| l.license_code.clone()).unwrap_or_default(),
            status: self.client.status().name().to_string_lossy().into_owned(),
            seats: terms.as_ref().map_or(0, |t| t.seats),
            heartbeat_secs: terms.as_ref().map_or(0, |t| t.heartbeat_secs),
            grace_end: lease.map_or(0, |l| l.grace_end),
            in_use: lock(&self.table).in_use(now),
        }
    }

    /// The master license, usable now, its terms and the key that signs seats. A check-in is
    /// served whatever the license's state: giving a seat back is always allowed.
    fn master(&self, operation: Operation) -> Result<Master, Refusal> {
        let uncertified = |message: String| Refusal { status: Status::DaemonNotCertified, message };
        let license = self.client.shared().master_license().map_err(|status| {
            uncertified(format!(
                "the LAN daemon holds no network master license ({})",
                status.name().to_string_lossy()
            ))
        })?;
        let status = self.client.status();
        if !status.is_ok() && operation != Operation::NetworkCheckin {
            return Err(uncertified(format!(
                "the LAN daemon's network master license is not usable: {}",
                status.message().to_string_lossy()
            )));
        }
        let terms = license.lease().network.clone().ok_or_else(|| uncertified("no network terms".into()))?;
        let key = self.client.shared().daemon_key().map_err(|status| {
            uncertified(format!("the daemon's key: {}", status.name().to_string_lossy()))
        })?;
        Ok(Master { license, terms, key })
    }

    fn persist(&self, table: &SeatTable) -> Result<(), Refusal> {
        let bytes = serde_json::to_vec(table).map_err(|_| internal("the seat table"))?;
        crate::store::write_atomically(&self.path, &bytes).map_err(|status| Refusal {
            status,
            message: crate::detail::last_error_detail()
                .unwrap_or_else(|| "cannot write the seat table".into()),
        })
    }

    /// Tells the client which seats to report at its next refresh.
    fn report(&self, table: &SeatTable) {
        self.client.shared().report_seats(table.in_use(self.client.shared().now()));
    }
}

impl Master {
    /// The limit of `feature` in the network license, which must grant it switched on as
    /// `kind`.
    fn limit(&self, feature: &str, kind: FeatureKind) -> Result<u64, Refusal> {
        let lease = self.license.lease();
        match lease.features.iter().find(|f| f.code == feature) {
            Some(f) if f.enabled && f.kind == kind => Ok(f.limit.unwrap_or(0)),
            _ => Err(Refusal {
                status: Status::FeatureNotEnabled,
                message: format!(
                    "the site's network license does not grant {feature} as this kind of feature"
                ),
            }),
        }
    }
}

fn sign_network_seat(
    master: &Master,
    request: &ClientRequest,
    seat: &seats::Seat,
    serial: u64,
    now: i64,
) -> Result<String, Refusal> {
    let lease = master.license.lease();
    let signed = NetworkSeat {
        product_id: request.product_id.clone(),
        license_code: lease.license_code.clone().unwrap_or_default(),
        master_serial: lease.serial,
        computer_id: seat.computer_id.clone(),
        installation_key: seat.installation_key.clone(),
        seat_id: seat.seat_id.clone(),
        expires: seat.expires,
        heartbeat_secs: if seat.borrowed { 0 } else { master.terms.heartbeat_secs.max(1) },
        borrowed: seat.borrowed,
        server_time: now,
        serial,
        nonce: request.nonce.clone(),
    };
    sign(&master.key, Kind::NetworkSeat, &signed)
}

fn sign_floating_seat(
    master: &Master,
    request: &ClientRequest,
    seat: &seats::FeatureSeat,
    serial: u64,
    now: i64,
) -> Result<String, Refusal> {
    let signed = SeatLease {
        product_id: request.product_id.clone(),
        license_code: master.license.lease().license_code.clone().unwrap_or_default(),
        computer_id: request.computer_id.clone(),
        installation_key: seat.installation_key.clone(),
        seat_id: seat.seat_id.clone(),
        feature: Some(seat.feature.clone()),
        expires: seat.expires,
        heartbeat_secs: master.terms.heartbeat_secs.max(1),
        long_term: false,
        server_time: now,
        serial,
        nonce: request.nonce.clone(),
    };
    sign(&master.key, Kind::FloatingSeat, &signed)
}

fn internal(what: &str) -> Refusal {
    Refusal { status: Status::Internal, message: format!("{what} could not be encoded") }
}

fn sign(key: &SigningKey, kind: Kind, seat: &impl serde::Serialize) -> Result<String, Refusal> {
    let payload = serde_json::to_vec(seat).map_err(|_| internal("the seat"))?;
    let envelope = Envelope::sign(key, kind, &payload)
        .map_err(|status| Refusal { status, message: "the seat could not be signed".into() })?;
    Ok(envelope.to_compact())
}
