//! Network seats: a workstation's license held through the site's LAN daemon, and what the
//! daemon itself needs of its client (its master license, its key, its seat report).
//!
//! A seat is taken by [`Client::activate_lan`] (or borrowed for days by
//! [`Client::borrow_lan`]), renewed by the background thread's heartbeats, and given back by
//! [`Client::deactivate`]. The license it gives is its master license's, verified through
//! the chain vendor key → master license → daemon key → seat (see [`License::verify`]).

use super::{Client, Inner, Params, lock};
use crate::Status;
use crate::license::License;
use crate::protocol::client_api::Operation;
use crate::protocol::network::{CAPACITY, NetworkSeat, SeatInUse};
use crate::protocol::{SigningKey, TrustedKeys};

impl Client {
    /// Takes a network seat from the site's LAN daemon ([`crate::Config::set_lan_server`] or
    /// the `LICENSEKIT_LAN_SERVER` environment variable): `NoLanServer` without one,
    /// `LanUnreachable` when it cannot be reached, `NetworkSeatsExhausted` when every seat is
    /// in use, `DaemonNotCertified` when the daemon's master license does not make it a
    /// daemon of this product signed by a trusted vendor key. The background thread keeps
    /// the seat with heartbeats; a workstation that stops sending them loses it after two
    /// intervals. Taking a seat again (after a restart) gets back the one this computer holds.
    pub fn activate_lan(&self) -> Result<(), Status> {
        self.inner.check_out_network_seat(None)
    }

    /// Borrows a network seat for `days` (1 up to the license's limit), for a laptop leaving
    /// the site's network: held without heartbeats until it ends or is given back.
    /// `LongTermCheckoutRefused` when the license does not allow that many days.
    pub fn borrow_lan(&self, days: u32) -> Result<(), Status> {
        if days == 0 {
            return Err(crate::detail::note(Status::InvalidArgument, "borrow for at least one day"));
        }
        self.inner.check_out_network_seat(Some(days))
    }
}

impl Inner {
    fn check_out_network_seat(&self, days: Option<u32>) -> Result<(), Status> {
        if self.config.network_daemon() {
            return Err(crate::detail::note(Status::InvalidArgument, "a LAN daemon does not take seats"));
        }
        self.online(Operation::NetworkCheckout, Params { checkout_days: days, ..Params::default() })
    }

    /// Whether `operation` goes to the LAN daemon: its own operations, and the floating seats
    /// and element pools of a license held through one of its seats.
    pub(super) fn through_lan(&self, operation: Operation) -> bool {
        Operation::LAN.contains(&operation)
            || (CAPACITY.contains(&operation) && self.held_network_seat().is_some())
    }

    /// The daemon key that signs the floating seats of a license held through a network
    /// seat (the key its master license names); `None` for any other license.
    pub(super) fn daemon_trust(&self) -> Option<TrustedKeys> {
        let license = self.license.load();
        let key = *(**license).as_ref().ok()?.daemon_key()?;
        let mut keys = TrustedKeys::new();
        keys.add(key).ok()?;
        Some(keys)
    }

    /// The network seat the current license is held through, if it is one.
    pub(super) fn held_network_seat(&self) -> Option<NetworkSeat> {
        (**self.license.load()).as_ref().ok()?.network_seat().cloned()
    }

    fn seat_params(seat: &NetworkSeat) -> Params {
        Params {
            license_code: Some(seat.license_code.clone()),
            seat_id: Some(seat.seat_id.clone()),
            ..Params::default()
        }
    }

    /// Renews the seat; one the daemon no longer has for us (lapsed, freed by its
    /// administrator) is forgotten: `SeatLost` until a seat is taken again.
    pub(super) fn heartbeat_network_seat(&self, seat: &NetworkSeat) -> Result<(), Status> {
        let result = self.online(Operation::NetworkHeartbeat, Self::seat_params(seat));
        if let Err(Status::SeatLost | Status::NoSeat) = result {
            self.drop_network_seat(Status::SeatLost)?;
            return Err(Status::SeatLost);
        }
        result
    }

    /// Gives the seat back. The license is forgotten here whatever the daemon answers: if the
    /// daemon cannot be reached (the error is returned), it frees the seat when its lease
    /// lapses. The installation key is kept for the next seat.
    pub(super) fn check_in_network_seat(&self, seat: &NetworkSeat) -> Result<(), Status> {
        let sent = self.call(Operation::NetworkCheckin, Self::seat_params(seat), |_, _, _, _| Ok(()));
        self.record(Operation::NetworkCheckin, &sent);
        self.drop_network_seat(Status::Deactivated)?;
        match sent {
            Err(Status::SeatLost | Status::NoSeat) => Ok(()),
            other => other,
        }
    }

    fn drop_network_seat(&self, why: Status) -> Result<(), Status> {
        self.store.update(|state| {
            state.license = None;
            Ok(())
        })?;
        self.license.store(Err(why));
        self.notify_if_changed();
        Ok(())
    }

    /// A daemon's master license, whatever its status (`Err` when there is none).
    pub(crate) fn master_license(&self) -> Result<License, Status> {
        (**self.license.load()).clone()
    }

    /// A daemon's own key, which signs the seats it serves.
    pub(crate) fn daemon_key(&self) -> Result<SigningKey, Status> {
        self.installation_key()?.ok_or(Status::NotActivated)
    }

    /// Records the seats a daemon serves, for its next refresh to report to the vendor.
    pub(crate) fn report_seats(&self, seats: Vec<SeatInUse>) {
        *lock(&self.seats_in_use) = seats;
    }
}

impl Client {
    /// The shared state, for the LAN daemon built on this client.
    pub(crate) fn shared(&self) -> &Inner {
        &self.inner
    }
}

/// The bytes of a refresh's payload given to the seats it reports, well under the envelope's
/// payload limit with the rest of the request.
const REPORT_BUDGET: usize = 32 * 1024;

/// The seats a daemon's refresh reports: the longest held first, as many as fit in
/// [`REPORT_BUDGET`] (some 150 seats of long host and user names, 250 of short ones).
pub(super) fn report(seats: &[SeatInUse]) -> Vec<SeatInUse> {
    let mut by_age: Vec<&SeatInUse> = seats.iter().collect();
    by_age.sort_by_key(|s| s.since);
    let mut used = 0;
    by_age
        .into_iter()
        .take_while(|seat| {
            used += serde_json::to_vec(seat).map_or(usize::MAX / 2, |b| b.len() + 1);
            used <= REPORT_BUDGET
        })
        .cloned()
        .collect()
}
