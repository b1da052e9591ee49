//! Shared capacity: floating seats (and long-term check-outs), element pools, consumption
//! tokens and cloud-concurrency sessions.
//!
//! Counting happens on the server, in one transaction per request; the client holds what the
//! server granted. A floating seat or a session is a vendor-signed [`SeatLease`] renewed by
//! heartbeats from the background thread; a seat whose heartbeats stop is the server's to
//! give away after its lease, so a crashed process never keeps a seat. Long-term check-outs
//! are kept in the store and work offline until they end. Token consumption is exactly-once
//! under retries: a request lost in transit is sent again with the same request ID.

use std::sync::Arc;

use super::{Client, Inner, Params};
use crate::Status;
use crate::license::{Answering, Expectation};
use crate::protocol::client_api::{FeatureKind, LeaseResponse, Operation, SeatLease};
use crate::protocol::journal::Usage;
use crate::protocol::{Envelope, Kind, SigningKey, from_slice_strict};

impl Client {
    /// Takes a floating seat of `feature` from the code's seats (`LK_SEATS_EXHAUSTED` when
    /// every one is in use). The background thread keeps it with heartbeats until
    /// [`Client::floating_checkin`] or the client is dropped. Checking out a feature already
    /// held renews its seat.
    pub fn floating_checkout(&self, feature: &str) -> Result<(), Status> {
        self.inner.checkout(Operation::FloatingCheckout, Some(feature), None)
    }

    /// Checks a floating seat of `feature` out for `days` days (server function `LTCO`): kept
    /// in the store, usable offline until it ends or is checked in.
    pub fn floating_checkout_long_term(&self, feature: &str, days: u32) -> Result<(), Status> {
        if days == 0 {
            return Err(Status::InvalidArgument);
        }
        self.inner.checkout(Operation::FloatingCheckout, Some(feature), Some(days))
    }

    /// Gives the seat of `feature` back (`LK_SEAT_LOST` locally when none is held).
    pub fn floating_checkin(&self, feature: &str) -> Result<(), Status> {
        self.inner.give_back(Operation::FloatingCheckin, Some(feature))
    }

    /// The seat held for `feature`, if any (and not past its lease).
    pub fn floating_seat(&self, feature: &str) -> Option<SeatLease> {
        self.inner.held(Some(feature))
    }

    /// Draws `n` elements from the element pool of `feature`; returns the elements left.
    pub fn pool_checkout(&self, feature: &str, n: u32) -> Result<u64, Status> {
        self.inner.count(Operation::PoolCheckout, feature, n)
    }

    /// Returns `n` elements to the element pool of `feature`; returns the elements left.
    pub fn pool_checkin(&self, feature: &str, n: u32) -> Result<u64, Status> {
        self.inner.count(Operation::PoolCheckin, feature, n)
    }

    /// Spends `n` consumption tokens of `feature`, exactly once even when the answer is lost
    /// and the call repeated; returns the tokens left (`LK_TOKENS_EXHAUSTED`, nothing spent,
    /// when fewer are left).
    pub fn consume_tokens(&self, feature: &str, n: u32) -> Result<u64, Status> {
        self.inner.count(Operation::ConsumeTokens, feature, n)
    }

    /// Opens this process's cloud-concurrency session (`LK_CONCURRENCY_LIMIT` when the code's
    /// allowed number of processes already run); kept by heartbeats until closed.
    pub fn session_open(&self) -> Result<(), Status> {
        self.inner.checkout(Operation::SessionOpen, None, None)
    }

    /// Closes the session, freeing its place for another process.
    pub fn session_close(&self) -> Result<(), Status> {
        self.inner.give_back(Operation::SessionClose, None)
    }

    /// Whether this process holds an open session.
    pub fn session(&self) -> Option<SeatLease> {
        self.inner.held(None)
    }
}

impl Inner {
    fn license_code_required(&self) -> Result<String, Status> {
        self.license_code().ok_or(Status::NoLicense)
    }

    /// Takes (or renews) a seat or session and keeps it.
    fn checkout(&self, operation: Operation, feature: Option<&str>, days: Option<u32>) -> Result<(), Status> {
        if let Some(feature) = feature {
            self.require_feature(feature, FeatureKind::Floating)?;
        }
        let params = Params {
            license_code: Some(self.license_code_required()?),
            feature: feature.map(str::to_owned),
            checkout_days: days,
            seat_id: self.held(feature).map(|s| s.seat_id),
            ..Params::default()
        };
        let seat = self.call(operation, params, |response, key, nonce, _| {
            self.verify_seat(&response, key, nonce, feature)
        })?;
        self.keep(seat)
    }

    /// Sends the heartbeat of one held seat or session; a lost seat is forgotten.
    pub(crate) fn heartbeat(&self, seat: &SeatLease) -> Result<(), Status> {
        let operation =
            if seat.feature.is_some() { Operation::FloatingHeartbeat } else { Operation::SessionHeartbeat };
        let params = Params {
            license_code: Some(seat.license_code.clone()),
            feature: seat.feature.clone(),
            seat_id: Some(seat.seat_id.clone()),
            ..Params::default()
        };
        let feature = seat.feature.as_deref();
        match self.call(operation, params, |response, key, nonce, _| {
            self.verify_seat(&response, key, nonce, feature)
        }) {
            Ok(renewed) => self.keep(renewed),
            Err(Status::SeatLost) => {
                self.forget(feature)?;
                if let Some(code) = feature {
                    self.lost_seats.rcu(|lost| {
                        let mut next = (**lost).clone();
                        if !next.iter().any(|l| l == code) {
                            next.push(code.to_owned());
                        }
                        next
                    });
                }
                Err(Status::SeatLost)
            }
            Err(other) => Err(other),
        }
    }

    /// Gives a seat or session back and forgets it (`NoSeat` when none is held).
    fn give_back(&self, operation: Operation, feature: Option<&str>) -> Result<(), Status> {
        let seat = self.held(feature).ok_or(Status::NoSeat)?;
        let params = Params {
            license_code: Some(seat.license_code.clone()),
            feature: seat.feature.clone(),
            seat_id: Some(seat.seat_id),
            ..Params::default()
        };
        self.call(operation, params, |_, _, _, _| Ok(()))?;
        self.forget(feature)
    }

    /// A pool or token operation: returns what is left.
    fn count(&self, operation: Operation, feature: &str, n: u32) -> Result<u64, Status> {
        if n == 0 {
            return Err(Status::InvalidArgument);
        }
        let kind = if operation == Operation::ConsumeTokens {
            FeatureKind::ConsumptionToken
        } else {
            FeatureKind::ElementPool
        };
        self.require_feature(feature, kind)?;
        let params = Params {
            license_code: Some(self.license_code_required()?),
            feature: Some(feature.to_owned()),
            amount: Some(n.into()),
            ..Params::default()
        };
        let online = self.call(operation, params.clone(), |response, _, _, _| {
            response.remaining.ok_or(Status::BadResponse)
        });
        match online {
            // Out of reach: recorded in the offline usage journal, within the license's limits.
            Err(status) if super::journal::offline_fallback(status) => {
                let usage = match operation {
                    Operation::ConsumeTokens => Usage::Tokens,
                    Operation::PoolCheckout => Usage::PoolCheckout,
                    _ => Usage::PoolCheckin,
                };
                let request_id = self.abandon(operation, &params);
                self.use_offline(usage, feature, n, request_id)?.ok_or(status)
            }
            other => other,
        }
    }

    /// The license must be usable and grant `feature` as `kind`.
    pub(super) fn require_feature(&self, feature: &str, kind: FeatureKind) -> Result<(), Status> {
        let license = self.license.load();
        let license = (**license).as_ref().map_err(|s| *s)?;
        let status = license.status(self.now());
        if !status.is_ok() {
            return Err(status);
        }
        match license.lease().features.iter().find(|f| f.code == feature) {
            Some(f) if f.enabled && f.kind == kind => Ok(()),
            _ => Err(Status::FeatureNotEnabled),
        }
    }

    /// Checks a seat lease against the request it answers (the rules of
    /// [`crate::license::Expectation`]) and that it is for `feature`.
    fn verify_seat(
        &self,
        response: &LeaseResponse,
        key: &SigningKey,
        nonce: &str,
        feature: Option<&str>,
    ) -> Result<(String, SeatLease), Status> {
        let text = response.seat.as_deref().ok_or(Status::BadResponse)?;
        let public = key.public_key().to_hex();
        let answering = Answering { installation_key: &public, nonce, license_code: None };
        // A license held through a LAN daemon's seat takes its floating seats from the daemon,
        // signed by the daemon's key.
        let daemon = self.daemon_trust();
        let mut expect = self.expectation(&[Kind::FloatingSeat], Some(answering));
        if let Some(keys) = &daemon {
            expect.trusted = keys;
        }
        let (compact, seat) = expect.seat(text)?;
        if seat.feature.as_deref() != feature {
            return Err(Status::MismatchedLease);
        }
        Ok((compact, seat))
    }

    /// The seat or session held for `feature` (`None`: the session), unless past its lease.
    pub(crate) fn held(&self, feature: Option<&str>) -> Option<SeatLease> {
        let now = self.now();
        self.seats.load().iter().find(|s| s.feature.as_deref() == feature && s.expires > now).cloned()
    }

    /// Why this process cannot use floating feature `code` now: `SeatLost` when its seat
    /// lapsed (its lease ran out unrenewed) or the server took it back, `NoSeat` when none was
    /// taken (or it was given back).
    pub(crate) fn seat_missing(&self, code: &str) -> Status {
        let lapsed = self.seats.load().iter().any(|s| s.feature.as_deref() == Some(code));
        if lapsed || self.lost_seats.load().iter().any(|lost| lost == code) {
            Status::SeatLost
        } else {
            Status::NoSeat
        }
    }

    /// Every seat and session held, for the heartbeat schedule.
    pub(crate) fn seats(&self) -> Arc<Vec<SeatLease>> {
        self.seats.load_full()
    }

    /// Makes a granted seat current (replacing the one for the same feature); a long-term
    /// check-out is also written to the store, to work offline after a restart.
    fn keep(&self, (compact, seat): (String, SeatLease)) -> Result<(), Status> {
        let feature = seat.feature.clone();
        if let Some(code) = &feature {
            self.lost_seats.rcu(|lost| lost.iter().filter(|l| *l != code).cloned().collect::<Vec<_>>());
        }
        if seat.long_term {
            self.store.update(|state| {
                state.long_term_seats.retain(|text| seat_feature(text).as_deref() != feature.as_deref());
                state.long_term_seats.push(compact);
                Ok(())
            })?;
        }
        self.seats.rcu(|seats| {
            let mut next: Vec<SeatLease> = seats.iter().filter(|s| s.feature != feature).cloned().collect();
            next.push(seat.clone());
            next
        });
        self.refresh_signal.lease_changed();
        Ok(())
    }

    fn forget(&self, feature: Option<&str>) -> Result<(), Status> {
        self.seats.rcu(|seats| {
            seats.iter().filter(|s| s.feature.as_deref() != feature).cloned().collect::<Vec<_>>()
        });
        if feature.is_some() {
            self.store.update(|state| {
                state.long_term_seats.retain(|text| seat_feature(text).as_deref() != feature);
                Ok(())
            })?;
        }
        Ok(())
    }
}

/// The feature of a stored long-term seat (already verified when it was stored).
fn seat_feature(compact: &str) -> Option<String> {
    let envelope = Envelope::parse(compact).ok()?;
    from_slice_strict::<SeatLease>(envelope.unverified_payload()).ok()?.feature
}

/// Loads the long-term check-outs kept in the store that still verify and have not ended.
pub(super) fn load_long_term(texts: &[String], expect: &Expectation<'_>, now: i64) -> Vec<SeatLease> {
    let expect = Expectation { kinds: &[Kind::FloatingSeat], ..*expect };
    texts
        .iter()
        .filter_map(|text| {
            let (_, seat) = expect.seat(text).ok()?;
            (seat.long_term && seat.expires > now).then_some(seat)
        })
        .collect()
}
