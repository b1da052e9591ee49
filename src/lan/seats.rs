//! The seat table of a LAN daemon: who holds which network seat until when.
//!
//! Pure bookkeeping, no I/O: the daemon applies an operation to a copy, persists the copy,
//! and only then makes it current, so a failed write changes nothing. A seat belongs to one
//! installation key (a workstation that restarts its application keeps its key and gets its
//! seat back); a seat not renewed before it expires is free again, which is how a crashed
//! workstation's seat returns to the pool.

use serde::{Deserialize, Serialize};

use crate::Status;
use crate::protocol::network::{NetworkTerms, SeatInUse};

/// Why an operation was refused, for the workstation.
pub(crate) type Refusal = (Status, String);

/// The persisted table. `serial` only goes up, across restarts too.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SeatTable {
    pub serial: u64,
    pub seats: Vec<Seat>,
    /// Seats of the network license's floating features, each held by a workstation that
    /// holds a network seat.
    #[serde(default)]
    pub features: Vec<FeatureSeat>,
    /// Elements drawn from the network license's element pools, per workstation.
    #[serde(default)]
    pub pools: Vec<PoolUse>,
}

/// A floating feature's seat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FeatureSeat {
    pub feature: String,
    pub seat_id: String,
    pub installation_key: String,
    pub expires: i64,
}

/// Elements of a pool drawn by one workstation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PoolUse {
    pub feature: String,
    pub installation_key: String,
    pub units: u64,
}

/// One seat held.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Seat {
    pub seat_id: String,
    pub computer_id: String,
    pub installation_key: String,
    pub hostname: String,
    pub user: String,
    /// Unix seconds: taken, and held until.
    pub since: i64,
    pub expires: i64,
    pub borrowed: bool,
}

/// Who asks for a seat.
#[derive(Clone, Debug)]
pub(crate) struct Holder {
    pub computer_id: String,
    pub installation_key: String,
    pub hostname: String,
    pub user: String,
}

/// The limits an operation runs under: the master license's terms, and the end of its
/// offline period, beyond which no seat is promised.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits<'a> {
    pub terms: &'a NetworkTerms,
    pub master_grace_end: i64,
    pub now: i64,
}

impl Limits<'_> {
    /// Until when a seat renewed now is held: two heartbeat intervals, and a second for the
    /// whole-second clocks of the daemon and the workstation.
    fn renewed_until(&self) -> i64 {
        let interval = self.terms.heartbeat_secs.max(1);
        self.now.saturating_add(interval.saturating_mul(2)).saturating_add(1).min(self.master_grace_end)
    }
}

impl SeatTable {
    /// Frees the seats whose holders stopped renewing them, and with a network seat the
    /// floating seats and pool elements its workstation held.
    fn free_lapsed(&mut self, now: i64) {
        self.seats.retain(|s| s.expires > now);
        let seats = &self.seats;
        let holds = |key: &str| seats.iter().any(|s| s.installation_key == key);
        self.features.retain(|f| f.expires > now && holds(&f.installation_key));
        self.pools.retain(|p| p.units > 0 && holds(&p.installation_key));
    }

    /// The network seat `installation_key` holds: floating seats and pool elements are for
    /// the workstations holding one.
    fn require_network_seat(&self, installation_key: &str) -> Result<&Seat, Refusal> {
        self.seats.iter().find(|s| s.installation_key == installation_key).ok_or_else(|| {
            (Status::NoLicense, "this workstation holds no network seat: take one first".to_owned())
        })
    }

    fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    /// Takes a seat for `holder` (or renews the one its key holds), borrowed for `days` when
    /// asked. Exact: at most `terms.seats` seats are held at any time.
    pub fn check_out(
        &mut self,
        holder: Holder,
        days: Option<u32>,
        limits: Limits<'_>,
        new_id: impl FnOnce() -> Result<String, Status>,
    ) -> Result<(Seat, u64), Refusal> {
        self.free_lapsed(limits.now);
        let expires = match days {
            None => limits.renewed_until(),
            Some(days) if days >= 1 && days <= limits.terms.borrow_days => {
                limits.now.saturating_add(i64::from(days).saturating_mul(86_400)).min(limits.master_grace_end)
            }
            Some(days) => {
                return Err((
                    Status::LongTermCheckoutRefused,
                    match limits.terms.borrow_days {
                        0 => "the site's network license does not allow borrowing seats".to_owned(),
                        most => {
                            format!("checkout_days: {days}; the site's network license allows 1 to {most}")
                        }
                    },
                ));
            }
        };
        if let Some(seat) = self.seats.iter_mut().find(|s| s.installation_key == holder.installation_key) {
            // A borrowed seat stays borrowed until it is given back.
            if !seat.borrowed {
                seat.expires = expires;
                seat.borrowed = days.is_some();
            }
            let seat = seat.clone();
            return Ok((seat, self.next_serial()));
        }
        let total = limits.terms.seats;
        if self.seats.len() >= total as usize {
            return Err((
                Status::NetworkSeatsExhausted,
                format!("all {total} network seats of the site's license are in use"),
            ));
        }
        let seat_id = new_id().map_err(|s| (s, "no random seat ID".to_owned()))?;
        let seat = Seat {
            seat_id,
            computer_id: holder.computer_id,
            installation_key: holder.installation_key,
            hostname: holder.hostname,
            user: holder.user,
            since: limits.now,
            expires,
            borrowed: days.is_some(),
        };
        self.seats.push(seat.clone());
        Ok((seat, self.next_serial()))
    }

    /// Renews the seat `seat_id` for the key that holds it; `SeatLost` when it lapsed, was
    /// freed, or is another key's.
    pub fn heartbeat(
        &mut self,
        seat_id: &str,
        installation_key: &str,
        limits: Limits<'_>,
    ) -> Result<(Seat, u64), Refusal> {
        self.free_lapsed(limits.now);
        let Some(seat) =
            self.seats.iter_mut().find(|s| s.seat_id == seat_id && s.installation_key == installation_key)
        else {
            return Err((
                Status::SeatLost,
                "this workstation's network seat lapsed or was freed: take a seat again".to_owned(),
            ));
        };
        if !seat.borrowed {
            seat.expires = limits.renewed_until();
        }
        let seat = seat.clone();
        Ok((seat, self.next_serial()))
    }

    /// Gives the seat back; `NoSeat` when the key holds no such seat (already freed).
    pub fn check_in(&mut self, seat_id: &str, installation_key: &str, now: i64) -> Result<(), Refusal> {
        self.free_lapsed(now);
        let found =
            self.seats.iter().position(|s| s.seat_id == seat_id && s.installation_key == installation_key);
        let Some(index) = found else {
            return Err((Status::NoSeat, "this workstation holds no such network seat".to_owned()));
        };
        self.next_serial();
        self.seats.remove(index);
        Ok(())
    }

    /// Takes (or renews) a seat of floating feature `feature`, of which `limit` may be held
    /// at once, for a workstation holding a network seat.
    pub fn floating_checkout(
        &mut self,
        installation_key: &str,
        feature: &str,
        limit: u64,
        limits: Limits<'_>,
        new_id: impl FnOnce() -> Result<String, Status>,
    ) -> Result<(FeatureSeat, u64), Refusal> {
        self.free_lapsed(limits.now);
        let expires = limits.renewed_until().min(self.require_network_seat(installation_key)?.expires);
        let mine = |f: &&mut FeatureSeat| f.feature == feature && f.installation_key == installation_key;
        if let Some(seat) = self.features.iter_mut().find(mine) {
            seat.expires = expires;
            let seat = seat.clone();
            return Ok((seat, self.next_serial()));
        }
        if self.features.iter().filter(|f| f.feature == feature).count() as u64 >= limit {
            return Err((Status::SeatsExhausted, format!("all {limit} seats of {feature} are in use")));
        }
        let seat_id = new_id().map_err(|s| (s, "no random seat ID".to_owned()))?;
        let seat = FeatureSeat {
            feature: feature.to_owned(),
            seat_id,
            installation_key: installation_key.to_owned(),
            expires,
        };
        self.features.push(seat.clone());
        Ok((seat, self.next_serial()))
    }

    /// Renews a floating seat; `SeatLost` when it lapsed or went with its network seat.
    pub fn floating_heartbeat(
        &mut self,
        installation_key: &str,
        seat_id: &str,
        limits: Limits<'_>,
    ) -> Result<(FeatureSeat, u64), Refusal> {
        self.free_lapsed(limits.now);
        let lost = || (Status::SeatLost, "this floating seat lapsed or was freed: take it again".to_owned());
        let until = self.require_network_seat(installation_key).map_err(|_| lost())?.expires;
        let mine = |f: &&mut FeatureSeat| f.seat_id == seat_id && f.installation_key == installation_key;
        let seat = self.features.iter_mut().find(mine).ok_or_else(lost)?;
        seat.expires = limits.renewed_until().min(until);
        let seat = seat.clone();
        Ok((seat, self.next_serial()))
    }

    /// Gives a floating seat back; `NoSeat` when the workstation holds no such seat.
    pub fn floating_checkin(
        &mut self,
        installation_key: &str,
        seat_id: &str,
        now: i64,
    ) -> Result<(), Refusal> {
        self.free_lapsed(now);
        let before = self.features.len();
        self.features.retain(|f| !(f.seat_id == seat_id && f.installation_key == installation_key));
        if self.features.len() == before {
            return Err((Status::NoSeat, "this workstation holds no such floating seat".to_owned()));
        }
        self.next_serial();
        Ok(())
    }

    /// Draws (`amount` > 0) or returns (< 0) elements of pool `feature` of `limit` elements;
    /// the elements left.
    pub fn pool(
        &mut self,
        installation_key: &str,
        feature: &str,
        limit: u64,
        amount: i128,
        now: i64,
    ) -> Result<u64, Refusal> {
        self.free_lapsed(now);
        self.require_network_seat(installation_key)?;
        let used: u64 = self.pools.iter().filter(|p| p.feature == feature).map(|p| p.units).sum();
        let mine =
            self.pools.iter().position(|p| p.feature == feature && p.installation_key == installation_key);
        let held = mine.map_or(0, |i| self.pools[i].units);
        let after = i128::from(held) + amount;
        if after < 0 {
            return Err((
                Status::InvalidArgument,
                format!("amount: returns more than the {held} elements drawn"),
            ));
        }
        let total = i128::from(used) + amount;
        if total > i128::from(limit) {
            return Err((
                Status::PoolExhausted,
                format!("{feature}: {} of {limit} elements are left", limit.saturating_sub(used)),
            ));
        }
        let after = after as u64;
        match mine {
            Some(i) => self.pools[i].units = after,
            None => self.pools.push(PoolUse {
                feature: feature.to_owned(),
                installation_key: installation_key.to_owned(),
                units: after,
            }),
        }
        self.next_serial();
        Ok(limit - total as u64)
    }

    /// The seats held at `now`, as `status` shows them and the vendor is told.
    pub fn in_use(&self, now: i64) -> Vec<SeatInUse> {
        self.seats
            .iter()
            .filter(|s| s.expires > now)
            .map(|s| SeatInUse {
                seat_id: s.seat_id.clone(),
                computer_id: s.computer_id.clone(),
                hostname: s.hostname.clone(),
                user: s.user.clone(),
                since: s.since,
                expires: s.expires,
                borrowed: s.borrowed,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TERMS: NetworkTerms = NetworkTerms { seats: 2, heartbeat_secs: 60, borrow_days: 3 };

    fn limits(now: i64) -> Limits<'static> {
        Limits { terms: &TERMS, master_grace_end: 1_000_000, now }
    }

    fn holder(key: &str) -> Holder {
        Holder {
            computer_id: format!("pc-{key}"),
            installation_key: key.to_owned(),
            hostname: String::new(),
            user: String::new(),
        }
    }

    fn id(n: &str) -> impl FnOnce() -> Result<String, Status> + '_ {
        move || Ok(n.to_owned())
    }

    #[test]
    fn seats_are_exact_renewed_by_their_key_and_freed_when_they_lapse() {
        let mut table = SeatTable::default();
        let (a, s1) = table.check_out(holder("a"), None, limits(100), id("1")).unwrap();
        assert_eq!(a.expires, 221);
        table.check_out(holder("b"), None, limits(100), id("2")).unwrap();
        let full = table.check_out(holder("c"), None, limits(100), id("3")).unwrap_err();
        assert_eq!(full.0, Status::NetworkSeatsExhausted);
        // The same key again: its own seat, not a second one.
        let (again, s2) = table.check_out(holder("a"), None, limits(150), id("4")).unwrap();
        assert_eq!((again.seat_id.as_str(), again.expires), ("1", 271));
        assert!(s2 > s1);
        assert_eq!(table.heartbeat("1", "b", limits(160)).unwrap_err().0, Status::SeatLost);
        // b stops renewing: its seat is free at 221, a's is renewed.
        table.heartbeat("1", "a", limits(200)).unwrap();
        let (c, _) = table.check_out(holder("c"), None, limits(221), id("5")).unwrap();
        assert_eq!(c.seat_id, "5");
        assert_eq!(table.heartbeat("2", "b", limits(222)).unwrap_err().0, Status::SeatLost);
        assert_eq!(table.in_use(222).len(), 2);
        table.check_in("5", "c", 223).unwrap();
        assert_eq!(table.check_in("5", "c", 223).unwrap_err().0, Status::NoSeat);
    }

    #[test]
    fn floating_seats_and_pools_go_with_the_network_seat() {
        let mut table = SeatTable::default();
        assert_eq!(
            table.floating_checkout("a", "SOLVE", 1, limits(0), id("f")).unwrap_err().0,
            Status::NoLicense
        );
        table.check_out(holder("a"), None, limits(0), id("1")).unwrap();
        table.check_out(holder("b"), None, limits(0), id("2")).unwrap();
        let (seat, _) = table.floating_checkout("a", "SOLVE", 1, limits(0), id("f1")).unwrap();
        assert_eq!(seat.expires, 121);
        let full = table.floating_checkout("b", "SOLVE", 1, limits(0), id("f2")).unwrap_err();
        assert_eq!(full.0, Status::SeatsExhausted);
        assert_eq!(table.pool("a", "MESH", 100, 60, 0), Ok(40));
        assert_eq!(table.pool("b", "MESH", 100, 50, 0).unwrap_err().0, Status::PoolExhausted);
        assert_eq!(table.pool("b", "MESH", 100, -1, 0).unwrap_err().0, Status::InvalidArgument);
        assert_eq!(table.pool("a", "MESH", 100, -10, 0), Ok(50));
        // a gives its network seat back: its floating seat and elements go with it.
        table.check_in("1", "a", 1).unwrap();
        assert_eq!(table.floating_heartbeat("a", "f1", limits(1)).unwrap_err().0, Status::SeatLost);
        table.floating_checkout("b", "SOLVE", 1, limits(1), id("f2")).unwrap();
        assert_eq!(table.pool("b", "MESH", 100, 100, 1), Ok(0));
        assert_eq!(table.floating_checkin("b", "f2", 2), Ok(()));
        assert_eq!(table.floating_checkin("b", "f2", 2).unwrap_err().0, Status::NoSeat);
    }

    #[test]
    fn borrowing_is_bounded_by_the_license_and_the_master_grace() {
        let mut table = SeatTable::default();
        let refused = table.check_out(holder("a"), Some(4), limits(0), id("1")).unwrap_err();
        assert_eq!(refused.0, Status::LongTermCheckoutRefused);
        let (seat, _) = table.check_out(holder("a"), Some(3), limits(0), id("1")).unwrap();
        assert!(seat.borrowed);
        assert_eq!(seat.expires, 3 * 86_400);
        // Capped at the master license's grace end.
        let short = Limits { master_grace_end: 500, ..limits(0) };
        let (seat, _) = table.check_out(holder("b"), Some(3), short, id("2")).unwrap();
        assert_eq!(seat.expires, 500);
        // A heartbeat leaves a borrowed seat's end alone.
        assert_eq!(table.heartbeat("1", "a", limits(10)).unwrap().0.expires, 259_200);
    }
}
