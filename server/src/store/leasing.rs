//! The client protocol's domain: what one call asks, what the server grants, why it refuses,
//! and the rules that turn license settings and the clock into lease dates. Shared by every
//! backend, so SQLite and a later PostgreSQL grant the same leases.

use licensekit::Status;
use licensekit::protocol::client_api::{self, LeaseState, Operation};

use super::model::{FeatureState, LicenseType, Settings, UdfSetting};

/// Hours in a day, for periods given in days (trial, subscription).
pub const DAY_HOURS: i64 = 24;

/// A lease period of 0 hours on a code or product: the client would have to refresh at
/// once and forever, so a day is granted instead.
pub const DEFAULT_LEASE_HOURS: i64 = 24;

/// How long a retried request is answered from the stored answer (client retries happen
/// within minutes; the records are pruned after this).
pub const ANSWER_RETENTION_MILLIS: i64 = 7 * 86_400_000;

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
}

impl Refusal {
    pub fn new(status: Status, message: impl Into<String>) -> Refusal {
        Refusal { status, message: message.into() }
    }
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

/// The expiry of a long-term check-out of `days` at `now`, allowed when the code's server
/// function `LTCO` is on (`ltco`: enabled, parameter text) and `days` is 1 to its parameter.
pub fn long_term_expiry(ltco: Option<(bool, &str)>, days: i64, now: i64, hour: i64) -> Result<i64, Refusal> {
    let refused = |why: String| Err(Refusal::new(Status::LongTermCheckoutRefused, why));
    let Some((true, parameter)) = ltco else {
        return refused("checkout_days: server function LTCO is not on for this license code".into());
    };
    let most: i64 = parameter.trim().parse().unwrap_or(0);
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
