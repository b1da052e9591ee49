//! The client protocol's domain: what one call asks, what the server grants, why it refuses,
//! and the rules that turn license settings and the clock into lease dates. Shared by every
//! backend, so SQLite and a later PostgreSQL grant the same leases.

use licensekit::Status;
use licensekit::machine::{ComponentDigest, match_components};
use licensekit::protocol::client_api::{
    self, CLIENT_AHEAD_SECS, FUTURE_TOLERANCE_SECS, LeaseState, Operation, SERVER_REASONS,
};
use licensekit::protocol::journal::Verified;

use super::model::{ClientEvent, ConcurrencyMode, FeatureState, LanSeat, LicenseType, Settings, UdfSetting};
use crate::datetime::{self, DAY_MILLIS};

/// Hours in a day, for periods given in days (trial, subscription).
pub const DAY_HOURS: i64 = 24;

/// A lease period of 0 hours on a code or product: the client would have to refresh at
/// once and forever, so a day is granted instead.
pub const DEFAULT_LEASE_HOURS: i64 = 24;

/// How long a retried request is answered from the stored answer (client retries happen
/// within minutes; the records are pruned after this). Far longer than a request stays fresh
/// (`CLIENT_AHEAD_SECS + FUTURE_TOLERANCE_SECS`), so a request whose answer was pruned is
/// refused as stale: a captured request can never be played again.
pub const ANSWER_RETENTION_MILLIS: i64 = 7 * DAY_MILLIS;

/// The longest completion window a vendor may give offline activation requests
/// (`offlinerequestdays` of a product; the default is `OFFLINE_REQUEST_DAYS`).
pub const MAX_OFFLINE_REQUEST_DAYS: i64 = 365;

/// How long the answer to an offline activation request is kept: longer than any completion
/// window a vendor can set (plus a clock ahead), so a request is answered once, with the same
/// certificate, however long the vendor lets it travel, and never judged again.
pub const OFFLINE_ANSWER_RETENTION_MILLIS: i64 =
    MAX_OFFLINE_REQUEST_DAYS * DAY_MILLIS + CLIENT_AHEAD_SECS * 1000;

/// How a call reached the server, and so how its lease is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// The client protocol: a lease the client refreshes.
    Online,
    /// An activation request carried by hand (`GET OfflineActivation`, `offline activate`):
    /// an activation certificate that runs for the code's offline lease period and is never
    /// refreshed. An installation key whose activation was deactivated is not activated again.
    Offline,
}

/// One verified client call, as the store needs it. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCall {
    pub operation: Operation,
    pub channel: Channel,
    /// The idempotency key, and a hash of the whole signed request it came with.
    pub request_id: String,
    pub request_hash: [u8; 32],
    pub product_id: String,
    pub license_code: Option<String>,
    pub computer_id: String,
    /// The key that signed the request (verified before the store is called).
    pub installation_key: String,
    /// The request's component digests, recorded with the activation or trial: a later
    /// activation from another installation key takes the seat over only from matching
    /// hardware (or with a handover).
    pub components: Vec<ComponentDigest>,
    /// The previous installation key that handed its seat over to this request's key (a
    /// `key-handover` envelope whose signature, product, computer, new key and nonce were
    /// verified before the store is called); the store checks it is the recorded key.
    pub handover_from: Option<String>,
    /// On a refresh: the serial of the lease the installation holds (see [`Chain`]).
    pub held_serial: Option<i64>,
    /// The client's clock (Unix milliseconds), judged by [`online_freshness`] or
    /// [`offline_freshness`].
    pub client_time: i64,
    pub vm_platform: String,
    /// The request's nonce, recorded with the activation so a deactivation certificate can
    /// name the lease it gives back.
    pub nonce: String,
    /// System details to record (compact JSON object text), if the call carries them.
    pub system_details: Option<String>,
    /// The server's clock.
    pub now: i64,
    /// Milliseconds in one "hour" of a period (3,600,000 unless shortened for tests).
    pub hour: i64,
    /// What a capacity call concerns (see [`Capacity`]); empty for the other operations.
    pub capacity: Capacity,
    /// The installation is a LAN daemon asking for (activation, refresh) its code's network
    /// master license.
    pub network_daemon: bool,
    /// On a LAN daemon's refresh: the network seats it serves now (bounds checked at
    /// decoding); empty on every other call.
    pub seats_in_use: Vec<LanSeat>,
    /// On an events delivery: the batch (bounds checked at decoding); empty otherwise.
    pub events: Vec<ClientEvent>,
    /// On an activation by a named user: who signed in (authenticated before the store is
    /// called), whose limit of computers applies; `license_code` is their group's code.
    pub user: Option<NamedUser>,
    /// The offline usage journal's entries the call carries, verified at decoding (signed by
    /// the installation, in order among themselves); joined to what was counted before by
    /// the store.
    pub journal: Vec<Verified>,
}

/// A named user who signed in to activate, and how many computers they may activate the
/// code on (the group assignment's `computersperuser`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedUser {
    pub username: String,
    pub computers: i64,
}

/// The fields of a shared-capacity call (floating seats, pools, tokens, sessions).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capacity {
    /// The feature code (required for check-outs, pools and tokens).
    pub feature: Option<String>,
    /// Elements or tokens, at least 1.
    pub amount: Option<i64>,
    /// The seat or session a heartbeat, check-in or close names.
    pub seat_id: Option<String>,
    /// A long-term check-out for this many days.
    pub checkout_days: Option<i64>,
}

/// Why a call is refused: a licensekit status and a human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: Status,
    pub message: String,
    /// The refusal is itself news for the vendor (a fork counted): what the call wrote is
    /// committed with it. Every other refusal rolls the call back.
    pub recorded: bool,
}

impl Refusal {
    /// A refusal with one of the `SERVER_REASONS`: the client believes only those (anything
    /// else reads as "the server refused", so a hostile server cannot make the client claim a
    /// local bug), and a reason outside them would lose its meaning on the way. A debug
    /// build asserts it; `every_status_the_server_names_is_a_server_reason` checks the source.
    pub fn new(status: Status, message: impl Into<String>) -> Refusal {
        debug_assert!(SERVER_REASONS.contains(&status), "{status:?} is not one of SERVER_REASONS");
        Refusal { status, message: message.into(), recorded: false }
    }

    /// A refusal whose call's writes are kept: it records what the vendor must see.
    pub fn recorded(self) -> Refusal {
        Refusal { recorded: true, ..self }
    }
}

/// A duration for people, to the second under an hour: `3 days`, `2 h 5 min`, `1 h`,
/// `4 min 10 s`, `5 min`, `7 s`.
fn span(millis: i64) -> String {
    let secs = millis.unsigned_abs() / 1000;
    let (big, small, units) = match secs {
        s if s >= 2 * 86_400 => return format!("{} days", s / 86_400),
        s if s >= 3600 => (s / 3600, s % 3600 / 60, ("h", "min")),
        s if s >= 60 => (s / 60, s % 60, ("min", "s")),
        s => return format!("{s} s"),
    };
    if small == 0 { format!("{big} {}", units.0) } else { format!("{big} {} {small} {}", units.0, units.1) }
}

/// Refuses an online request that was not made just now by its client's clock: more than
/// `FUTURE_TOLERANCE_SECS` behind the server (the lease it gets would be issued in its
/// future, which the client refuses: the seat would be taken for nothing) or more than
/// `CLIENT_AHEAD_SECS` ahead. With request IDs remembered far longer than this window, a
/// captured request cannot be played again later.
pub fn online_freshness(client_time: i64, now: i64) -> Result<(), Refusal> {
    let skew = client_time.saturating_sub(now);
    let (direction, most) = if skew < -FUTURE_TOLERANCE_SECS * 1000 {
        ("behind", FUTURE_TOLERANCE_SECS)
    } else if skew > CLIENT_AHEAD_SECS * 1000 {
        ("ahead of", CLIENT_AHEAD_SECS)
    } else {
        return Ok(());
    };
    Err(Refusal::new(
        Status::ClockSkew,
        format!(
            "client_time: this computer's clock is {} {direction} the license server's ({} UTC; at most \
             {} is accepted): set the computer's date, time and time zone right (automatic time), then \
             try again",
            span(skew),
            datetime::format(now),
            span(most * 1000)
        ),
    ))
}

/// Refuses an offline activation request older than the product's completion window
/// (`offlinerequestdays`, in days of `hour` milliseconds' hours), or dated more than
/// `CLIENT_AHEAD_SECS` after the server's clock: a request file is good for the time it
/// takes to travel to the vendor and back, not for ever.
pub fn offline_freshness(client_time: i64, now: i64, days: i64, hour: i64) -> Result<(), Refusal> {
    let age = now.saturating_sub(client_time);
    let window = days.saturating_mul(DAY_HOURS).saturating_mul(hour);
    let message = if age > window {
        format!(
            "client_time: this activation request was made {} ago and the product accepts requests for \
             {days} days (offlinerequestdays): make a new request on the computer and send that",
            span(age)
        )
    } else if age < -CLIENT_AHEAD_SECS * 1000 {
        format!(
            "client_time: this activation request is dated {} after the license server's clock ({} UTC; at \
             most {} is accepted): set the computer's clock right, then make a new request",
            span(age),
            datetime::format(now),
            span(CLIENT_AHEAD_SECS * 1000)
        )
    } else {
        return Ok(());
    };
    Err(Refusal::new(Status::ClockSkew, message))
}

/// Most serials kept per installation as issued since its acknowledged lease. A client
/// presents the newest lease it received, so only answers lost in a row pile up here; this
/// bounds the row whatever a client does.
pub const MAX_ISSUED_SERIALS: usize = 16;

/// The chain of leases of one activation or trial, as far as the server needs it to tell a
/// copied store: `acked`, the serial of the last lease the installation proved to hold (by
/// presenting it at a refresh), and the serials issued since in answer to it. A refresh
/// presenting `acked` (its answers were lost) or one of those serials is the installation's
/// own chain; anything else is a second installation holding a copy of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chain {
    pub acked: Option<i64>,
    /// Oldest first, at most [`MAX_ISSUED_SERIALS`].
    pub issued: Vec<i64>,
}

/// What the serial a refresh presents says about the installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented {
    /// The acknowledged lease again: the answers since were lost, or never asked for.
    Acked,
    /// A lease issued in answer to it: the installation moved on.
    Issued,
    /// Neither: another installation holds a diverging copy of the chain (a copied store).
    Fork,
}

impl Chain {
    /// The chain of a new activation or trial, or of a new installation key taking one over.
    pub fn new(serial: i64) -> Chain {
        Chain { acked: None, issued: vec![serial] }
    }

    /// The chain stored as its acknowledged serial and the issued ones, space-separated.
    pub fn parse(acked: Option<i64>, issued: &str) -> Result<Chain, String> {
        let issued = issued
            .split_ascii_whitespace()
            .map(|n| n.parse().map_err(|_| format!("issued serials: {issued:?}")))
            .collect::<Result<_, _>>()?;
        Ok(Chain { acked, issued })
    }

    /// The issued serials as stored.
    pub fn issued_text(&self) -> String {
        self.issued.iter().map(i64::to_string).collect::<Vec<_>>().join(" ")
    }

    /// Judges the serial a refresh presents. A chain with nothing recorded (an activation
    /// from before forks were detected) takes the first serial presented.
    pub fn judge(&self, held: i64) -> Presented {
        if self.acked == Some(held) {
            Presented::Acked
        } else if self.issued.contains(&held) || (self.acked.is_none() && self.issued.is_empty()) {
            Presented::Issued
        } else {
            Presented::Fork
        }
    }

    /// Records `serial`, issued in answer to a request presenting `held` (a refresh; after a
    /// fork the vendor lets pass, the presenting installation's chain goes on), or presenting
    /// nothing (an activation or trial start by the same installation key).
    pub fn answered(&mut self, held: Option<i64>, serial: i64) {
        if let Some(held) = held
            && self.acked != Some(held)
        {
            self.acked = Some(held);
            self.issued.clear();
        }
        self.issued.push(serial);
        if self.issued.len() > MAX_ISSUED_SERIALS {
            self.issued.remove(0);
        }
    }
}

/// Whether a call signed by another installation key than `recorded_key`, the one holding
/// the computer's seat (`what`: "the seat of license code …", "the trial of product …"),
/// may take it over: with that key's handover, or from hardware matching the recorded
/// component digests as the client's tolerant matching decides. Knowing a license code and
/// a computer ID is not enough. `remedy` tells the support desk what to do otherwise.
pub fn take_over(
    call: &ClientCall,
    recorded_key: &str,
    recorded: &[ComponentDigest],
    what: &str,
    remedy: &str,
) -> Result<(), Refusal> {
    if recorded_key == call.installation_key || call.handover_from.as_deref() == Some(recorded_key) {
        return Ok(());
    }
    let report = match_components(recorded, &call.components);
    if report.matched {
        return Ok(());
    }
    let hardware = if recorded.is_empty() {
        "no hardware is recorded for it".to_owned()
    } else {
        let n = recorded.len();
        format!(
            "{} of the {n} recorded components match, {} needed",
            report.equal,
            n.min(n.div_ceil(2).max(2))
        )
    };
    Err(Refusal::new(
        Status::SeatTaken,
        format!(
            "computer_id: {what} on computer {} is held by another installation, and this request carries \
             neither its key handover nor matching hardware ({hardware}): {remedy}",
            call.computer_id
        ),
    ))
}

/// Everything a lease says, before it is signed. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// `None` for a trial.
    pub license_code: Option<String>,
    pub state: LeaseState,
    pub license_type: client_api::LicenseType,
    pub features: Vec<FeatureState>,
    pub udfs: Vec<UdfSetting>,
    pub expires: Option<i64>,
    pub maintenance_end: Option<i64>,
    pub lease_end: i64,
    pub grace_end: i64,
    pub serial: i64,
    pub installation_key: String,
    pub vm_platform: String,
    /// For a LAN daemon: what its network master license lets it serve. A grant with terms
    /// is signed as a `network-master-license` instead of a lease or certificate.
    pub network: Option<NetworkGrant>,
    /// The named user of an activation by username and password (`lk_activate_user`).
    pub user: Option<String>,
}

/// What a network master license lets its LAN daemon serve, before it is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkGrant {
    /// The code's `networkseats`.
    pub seats: i64,
    /// How often a workstation renews its seat (milliseconds), as a floating seat's
    /// heartbeat is computed from the code's `heartbeat` minutes.
    pub heartbeat: i64,
    /// The longest borrow (days): the code's LTCO days when the server function is on, else 0.
    pub borrow_days: i64,
}

/// The network terms of a LAN daemon's grant for a code with `settings` and server function
/// `LTCO` (`ltco`: enabled, parameter text); `None` when the code is not a network license.
pub fn network_terms(settings: &Settings, ltco: Option<(bool, &str)>, hour: i64) -> Option<NetworkGrant> {
    (settings.concurrency_mode == ConcurrencyMode::Network).then(|| NetworkGrant {
        seats: settings.network_seats,
        heartbeat: seat_window(settings.heartbeat, 0, hour).0,
        borrow_days: ltco_days(ltco).unwrap_or(0),
    })
}

/// A floating seat or cloud session, before it is signed. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatGrant {
    pub license_code: String,
    pub seat_id: String,
    /// `None` for a cloud-concurrency session.
    pub feature: Option<String>,
    pub expires: i64,
    /// How often the holder should send a heartbeat (milliseconds); 0 for a long-term
    /// check-out.
    pub heartbeat: i64,
    pub long_term: bool,
    pub serial: i64,
    pub installation_key: String,
}

/// What the store asks to have signed.
#[derive(Debug, Clone, Copy)]
pub enum Signable<'a> {
    /// A lease (or, offline, an activation certificate).
    Lease(&'a Grant),
    /// A `floating-seat` envelope.
    Seat(&'a SeatGrant),
}

/// Signs a grant into a compact envelope (the store calls it inside its transaction, so the
/// stored answer to a request ID is exactly what was sent).
pub type Signer<'a> = &'a dyn Fn(Signable<'_>) -> Result<String, String>;

/// Heartbeat interval of a code whose `heartbeat` setting is 0 (only network concurrency
/// sets one by default): the seed's default, 5 minutes.
pub const DEFAULT_HEARTBEAT_MINUTES: i64 = 5;

/// Minutes in an hour, for the heartbeat setting (minutes).
const HOUR_MINUTES: i64 = 60;

/// (heartbeat interval, seat expiry) of a floating seat or session renewed at `now`: the
/// code's heartbeat (minutes; 0 = [`DEFAULT_HEARTBEAT_MINUTES`]), and a lease of twice that,
/// so one missed heartbeat is tolerated and a holder that stopped is replaced after at most
/// two intervals.
pub fn seat_window(heartbeat_minutes: i64, now: i64, hour: i64) -> (i64, i64) {
    let minutes = if heartbeat_minutes > 0 { heartbeat_minutes } else { DEFAULT_HEARTBEAT_MINUTES };
    let interval = minutes.saturating_mul(hour) / HOUR_MINUTES;
    (interval, now.saturating_add(interval.saturating_mul(2)))
}

/// The longest long-term check-out (days) the code's server function `LTCO` allows
/// (`ltco`: enabled, parameter text); `None` when the function is off or absent. A parameter
/// that is not a number allows none.
fn ltco_days(ltco: Option<(bool, &str)>) -> Option<i64> {
    match ltco {
        Some((true, parameter)) => Some(parameter.trim().parse().unwrap_or(0)),
        _ => None,
    }
}

/// The expiry of a long-term check-out of `days` at `now`, allowed when the code's server
/// function `LTCO` is on (`ltco`: enabled, parameter text) and `days` is 1 to its parameter.
pub fn long_term_expiry(ltco: Option<(bool, &str)>, days: i64, now: i64, hour: i64) -> Result<i64, Refusal> {
    let refused = |why: String| Err(Refusal::new(Status::LongTermCheckoutRefused, why));
    let Some(most) = ltco_days(ltco) else {
        return refused("checkout_days: server function LTCO is not on for this license code".into());
    };
    if days < 1 || days > most {
        return refused(format!(
            "checkout_days: a long-term check-out lasts 1 to {most} days for this license code"
        ));
    }
    Ok(now.saturating_add(days.saturating_mul(DAY_HOURS).saturating_mul(hour)))
}

/// The lease periods that apply to one activation or trial, in hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periods {
    pub lease: i64,
    /// 0 = the client lease period applies on virtual machines too.
    pub vm_lease: i64,
    pub offline: i64,
}

impl Periods {
    pub fn of(settings: &Settings) -> Periods {
        Periods {
            lease: settings.client_lease_period,
            vm_lease: settings.vm_lease_period,
            offline: settings.client_offline_lease_period,
        }
    }

    /// (lease end, grace end) for a lease signed at `now`: the VM lease period on anything
    /// but a physical machine when it is set, else the client lease period; the grace is
    /// the offline lease period and never ends before the lease.
    pub fn window(self, vm_platform: &str, now: i64, hour: i64) -> (i64, i64) {
        let on_vm = !vm_platform.eq_ignore_ascii_case("Physical");
        let hours = if on_vm && self.vm_lease > 0 {
            self.vm_lease
        } else if self.lease > 0 {
            self.lease
        } else {
            DEFAULT_LEASE_HOURS
        };
        let lease_end = now.saturating_add(hours.saturating_mul(hour));
        let grace_end = now.saturating_add(self.offline.saturating_mul(hour)).max(lease_end);
        (lease_end, grace_end)
    }
}

/// (lease end, grace end) of an activation certificate signed at `now`: both at the end of
/// the code's offline lease period, since an air-gapped machine never refreshes. A period of
/// 0 issues no certificate (it would be expired on arrival).
pub fn certificate_window(offline_hours: i64, now: i64, hour: i64) -> Result<(i64, i64), Refusal> {
    if offline_hours <= 0 {
        return Err(Refusal::new(
            Status::InvalidArgument,
            "license_code: the code's client offline lease period is 0 days; set clientofflineleaseperiod \
             to issue offline activation certificates",
        ));
    }
    let end = now.saturating_add(offline_hours.saturating_mul(hour));
    Ok((end, end))
}

/// A deactivation certificate, verified against the installation key it names (the store
/// checks that key is the one recorded for the activation). Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineDeactivation {
    pub product_id: String,
    pub license_code: String,
    pub computer_id: String,
    pub installation_key: String,
    /// The serial and nonce of the lease or certificate being given back.
    pub certificate_serial: i64,
    pub nonce: String,
    pub now: i64,
    /// The offline usage journal the certificate carries, verified like a call's.
    pub journal: Vec<Verified>,
}

/// What the vendor asks a passive license to hold (`POST PassiveLicense`, `passive create`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPassive {
    pub product_id: String,
    pub client_id: String,
    /// 0 = no company.
    pub company_id: i64,
    /// `None` = the product's settings.
    pub profile: Option<String>,
    /// Features switched on over the profile's (or product's) availability.
    pub features: Vec<String>,
    /// UDF values over the profile's (or product's) values.
    pub udfs: Vec<UdfSetting>,
    pub now: i64,
    /// Milliseconds in one "hour" of a period.
    pub hour: i64,
}

/// Everything a passive license says, before it is signed. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassiveGrant {
    pub product_id: String,
    pub client_id: String,
    pub features: Vec<FeatureState>,
    pub udfs: Vec<UdfSetting>,
    pub company: Option<String>,
    pub profile: Option<String>,
    pub issued_at: i64,
    pub serial: i64,
    pub expires: Option<i64>,
}

/// Signs a passive grant into an armoured `passive-license` envelope.
pub type PassiveSigner<'a> = &'a dyn Fn(&PassiveGrant) -> Result<String, String>;

/// When a license code's license ends: never (perpetual), `subscription_period` days after
/// its first activation `first_activation`, or on its expiration date.
pub fn code_expiry(settings: &Settings, first_activation: i64, hour: i64) -> Option<i64> {
    match settings.license_type {
        LicenseType::Perpetual => None,
        LicenseType::SubscriptionPeriod => Some(
            first_activation
                .saturating_add(settings.subscription_period.saturating_mul(DAY_HOURS).saturating_mul(hour)),
        ),
        LicenseType::ExpirationDate => settings.subscription_end,
    }
}

/// The wire name of a stored license type.
pub fn wire_license_type(license_type: LicenseType) -> client_api::LicenseType {
    match license_type {
        LicenseType::Perpetual => client_api::LicenseType::Perpetual,
        LicenseType::SubscriptionPeriod => client_api::LicenseType::SubscriptionPeriod,
        LicenseType::ExpirationDate => client_api::LicenseType::ExpirationDate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    #[test]
    fn lease_window_rules() {
        let p = Periods { lease: 2, vm_lease: 1, offline: 3 * 24 };
        assert_eq!(p.window("Physical", 0, HOUR), (2 * HOUR, 72 * HOUR));
        assert_eq!(p.window("KVM", 0, HOUR), (HOUR, 72 * HOUR));
        let no_vm = Periods { vm_lease: 0, ..p };
        assert_eq!(no_vm.window("VMware", 0, HOUR), (2 * HOUR, 72 * HOUR));
        // The grace never ends before the lease; a lease period of 0 grants a day.
        let short = Periods { lease: 0, vm_lease: 0, offline: 0 };
        assert_eq!(short.window("Physical", 10, HOUR), (10 + 24 * HOUR, 10 + 24 * HOUR));
        // A shortened hour for tests.
        assert_eq!(p.window("Physical", 0, 1000), (2000, 72_000));
    }

    #[test]
    fn a_certificate_runs_for_the_offline_period_and_never_for_none() {
        assert_eq!(certificate_window(72, 5, HOUR), Ok((5 + 72 * HOUR, 5 + 72 * HOUR)));
        assert_eq!(certificate_window(2, 0, 1000), Ok((2000, 2000)));
        let refused = certificate_window(0, 5, HOUR).unwrap_err();
        assert_eq!(refused.status, Status::InvalidArgument);
        assert!(refused.message.contains("clientofflineleaseperiod"), "{}", refused.message);
    }

    #[test]
    fn seats_last_two_heartbeats_and_long_term_check_outs_their_days() {
        assert_eq!(seat_window(10, 0, HOUR), (10 * 60_000, 20 * 60_000));
        assert_eq!(seat_window(0, 7, HOUR), (5 * 60_000, 7 + 10 * 60_000));
        // A 12-second hour: a minute is 200 ms.
        assert_eq!(seat_window(5, 0, 12_000), (1000, 2000));
        assert_eq!(long_term_expiry(Some((true, "7")), 7, 0, HOUR), Ok(7 * 24 * HOUR));
        assert_eq!(long_term_expiry(Some((true, "7")), 1, 5, 1000), Ok(5 + 24_000));
        for refused in [
            long_term_expiry(Some((true, "7")), 8, 0, HOUR),
            long_term_expiry(Some((true, "7")), 0, 0, HOUR),
            long_term_expiry(Some((false, "7")), 1, 0, HOUR),
            long_term_expiry(None, 1, 0, HOUR),
            long_term_expiry(Some((true, "")), 1, 0, HOUR),
        ] {
            assert_eq!(refused.unwrap_err().status, Status::LongTermCheckoutRefused);
        }
    }

    #[test]
    fn network_terms_follow_the_code() {
        let mut s = Settings::profile_defaults();
        assert_eq!(network_terms(&s, Some((true, "7")), HOUR), None, "not a network license");
        s.concurrency_mode = ConcurrencyMode::Network;
        s.network_seats = 25;
        s.heartbeat = 10;
        let terms = NetworkGrant { seats: 25, heartbeat: 10 * 60_000, borrow_days: 7 };
        assert_eq!(network_terms(&s, Some((true, "7")), HOUR), Some(terms));
        // Borrowing only with LTCO on; a 12-second hour shortens the heartbeat as for seats.
        let no_borrow = NetworkGrant { heartbeat: 2000, borrow_days: 0, ..terms };
        assert_eq!(network_terms(&s, Some((false, "7")), 12_000), Some(no_borrow));
        assert_eq!(network_terms(&s, None, 12_000), Some(no_borrow));
    }

    #[test]
    fn a_request_is_fresh_within_its_window() {
        let now = 1_000_000_000_000;
        for ok in [0, -FUTURE_TOLERANCE_SECS * 1000, CLIENT_AHEAD_SECS * 1000] {
            assert_eq!(online_freshness(now + ok, now), Ok(()));
        }
        let behind = online_freshness(now - 2 * 3_600_000 - 300_000, now).unwrap_err();
        assert_eq!(behind.status, Status::ClockSkew);
        assert!(behind.message.contains("2 h 5 min behind"), "{}", behind.message);
        let ahead = online_freshness(now + CLIENT_AHEAD_SECS * 1000 + 1000, now).unwrap_err();
        assert!(
            ahead.message.contains("1 h ahead of") && ahead.message.contains("at most 1 h"),
            "{}",
            ahead.message
        );
        // Offline: the product's days back, an hour ahead; days of a shortened hour for tests.
        assert_eq!(offline_freshness(now - 14 * DAY_MILLIS, now, 14, HOUR), Ok(()));
        let stale = offline_freshness(now - 15 * DAY_MILLIS, now, 14, HOUR).unwrap_err();
        assert!(stale.message.contains("made 15 days ago"), "{}", stale.message);
        assert!(offline_freshness(now - 25_000, now, 1, 1000).is_err());
        assert!(offline_freshness(now + 3_601_000, now, 14, HOUR).is_err());
        assert_eq!(span(59_999), "59 s");
        assert_eq!(span(-300_000), "5 min");
        assert_eq!(span(61_000), "1 min 1 s");
        assert_eq!(span(86_400_000), "24 h");
        assert_eq!(span(3 * DAY_MILLIS + 1), "3 days");
    }

    #[test]
    fn a_chain_tells_its_own_leases_from_a_copy() {
        let mut chain = Chain::new(10);
        assert_eq!(chain.judge(10), Presented::Issued);
        assert_eq!(chain.judge(9), Presented::Fork);
        chain.answered(Some(10), 11);
        assert_eq!((chain.acked, chain.issued.clone()), (Some(10), vec![11]));
        // Answers lost: the acknowledged lease again, any number of times.
        for serial in 12..40 {
            assert_eq!(chain.judge(10), Presented::Acked);
            chain.answered(Some(10), serial);
        }
        assert_eq!(chain.issued.len(), MAX_ISSUED_SERIALS);
        assert_eq!(chain.judge(39), Presented::Issued);
        assert_eq!(chain.judge(11), Presented::Fork, "the oldest are forgotten");
        chain.answered(Some(39), 40);
        assert_eq!(chain.judge(10), Presented::Fork);
        // An activation by the same installation presents nothing and keeps the chain.
        chain.answered(None, 41);
        assert_eq!((chain.acked, chain.issued.clone()), (Some(39), vec![40, 41]));
        assert_eq!(Chain::parse(chain.acked, &chain.issued_text()), Ok(chain));
        assert!(Chain::parse(None, "1 x").is_err());
        // Nothing recorded (an activation from before forks were detected): adopted.
        assert_eq!(Chain::default().judge(5), Presented::Issued);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "StoreIo is not one of SERVER_REASONS")]
    fn a_refusal_outside_the_server_reasons_is_a_bug() {
        let _ = Refusal::new(Status::StoreIo, "the client would read this as LK_SERVER_REFUSED");
    }

    /// Every status named anywhere in the server's code is one the client believes, so no
    /// refusal path (exercised by a test or not) can answer with another.
    #[test]
    fn every_status_the_server_names_is_a_server_reason() {
        fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let mut files = Vec::new();
        sources(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        let mut named = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            // Unit tests (like the one above) may name any status.
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (at, _) in text.match_indices("Status::") {
                let name: String = text[at + 8..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
                let Some(status) = Status::ALL.iter().find(|s| format!("{s:?}") == name) else { continue };
                assert!(
                    SERVER_REASONS.contains(status),
                    "{}: Status::{name} is not a server reason",
                    file.display()
                );
                named += 1;
            }
        }
        assert!(named > 50, "the scan found only {named} statuses");
    }

    #[test]
    fn expiry_by_license_type() {
        let mut s = Settings::profile_defaults();
        assert_eq!(code_expiry(&s, 5, HOUR), None);
        s.license_type = LicenseType::SubscriptionPeriod;
        s.subscription_period = 30;
        assert_eq!(code_expiry(&s, 5, HOUR), Some(5 + 30 * 24 * HOUR));
        s.license_type = LicenseType::ExpirationDate;
        s.subscription_end = Some(77);
        assert_eq!(code_expiry(&s, 5, HOUR), Some(77));
    }
}
