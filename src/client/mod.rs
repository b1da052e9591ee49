//! The client handle: one per product, thread-safe.
//!
//! Creating a client loads the store, checks the clock against the store's high-water mark
//! and verifies the stored lease's signature once; later local checks ([`Client::status`],
//! [`Client::feature_enabled`], [`Client::udf_value`]) are comparisons on parsed data. The
//! online operations talk to the license server through signed requests (see
//! [`crate::protocol::client_api`]); a background thread refreshes the lease before it ends.

mod capacity;
mod current;
mod diagnostics;
mod events;
mod journal;
mod network;
mod offline;

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

use crate::license::{Answering, Expectation, License};
use crate::machine::{Fingerprint, Virtualization, detect_virtualization};
use crate::online::{Refresher, Signal, Transport};
use crate::protocol::SigningKey;
use crate::protocol::client_api::{
    ClientRequest, FeatureKind, KeyHandover, LeaseResponse, MAX_PASSWORD, MAX_USERNAME, Operation,
    RequestBody, UserCredentials,
};
use crate::protocol::{Envelope, Kind, os_random};
use crate::store::Store;
use crate::{Config, Status};

/// How far the clock may go back below the store's high-water mark before it counts as
/// tampering: an hour covers time-zone and DST mistakes and NTP corrections.
pub const CLOCK_TOLERANCE_SECS: i64 = 3600;

/// How often asking for the status of a lapsed license may wake the refresher early.
const NUDGE_SECS: i64 = 10;

/// Called with the new status when it changes. Runs on the thread that noticed the change
/// (the background refresher, or the caller of an online operation) with no lock held, so it
/// may call back into the client.
pub type StatusCallback = Box<dyn Fn(Status) + Send + Sync>;

/// A product's licensing client.
#[derive(Debug)]
pub struct Client {
    inner: Arc<Inner>,
    refresher: Refresher,
}

/// The shared state behind a client; the background refresher holds a weak reference.
pub(crate) struct Inner {
    /// Why the store could not be used when the client opened (damaged, rolled back), if so.
    store_problem: Option<Status>,
    config: Config,
    store: Store,
    fingerprint: Fingerprint,
    /// What passive licenses must be bound to: the configured client ID, else the computer ID.
    client_id: String,
    virtualization: Virtualization,
    transport: Option<Transport>,
    /// The site's LAN daemon, for network seats (never for a daemon itself).
    lan: Option<Transport>,
    /// A daemon's seats in use, reported to the vendor with each refresh of its master
    /// license.
    seats_in_use: Mutex<Vec<crate::protocol::network::SeatInUse>>,
    /// The current license (or why there is none), swapped whole when a lease arrives, so
    /// readers never take a lock.
    license: current::Current,
    /// The latest wall-clock time seen (Unix seconds); only moves forward.
    high_water: AtomicI64,
    /// One online operation at a time per client: activate, refresh, deactivate, trial.
    operation: Mutex<Option<Pending>>,
    callback: Mutex<Option<Arc<StatusCallback>>>,
    /// The status last reported to the callback.
    reported: Mutex<Status>,
    /// Wakes the background refresher when a new lease changes its plan.
    refresh_signal: Arc<Signal>,
    /// Floating seats, long-term check-outs and the cloud session held, read lock-free by
    /// feature checks.
    seats: ArcSwap<Vec<crate::protocol::client_api::SeatLease>>,
    /// Floating features whose seat lapsed or was taken back (`SeatLost`, as opposed to
    /// `NoSeat` for one never taken), until the next check-out.
    lost_seats: ArcSwap<Vec<String>>,
    /// The last failure of each online operation, for the diagnostics.
    last_errors: Mutex<Vec<(Operation, String)>>,
    /// An online deactivation is waiting for the server (see [`Inner::deactivate`]).
    deactivating: AtomicBool,
    /// The usage-event queue and its delivery plan.
    delivery: events::Delivery,
    /// When the status last woke the refresher early (Unix seconds), so a loop of status
    /// queries does not turn into a loop of requests.
    nudged: AtomicI64,
}

/// What a request is about, beyond its operation; two attempts with equal parameters are the
/// same request (a retry).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Params {
    pub license_code: Option<String>,
    pub feature: Option<String>,
    pub amount: Option<u64>,
    pub seat_id: Option<String>,
    pub checkout_days: Option<u32>,
    /// A named user's sign-in (activation by username and password).
    pub user: Option<UserCredentials>,
}

/// A request that failed in transit; retried as it is (same ID and nonce) so the server can
/// recognise the retry.
struct Pending {
    operation: Operation,
    params: Params,
    /// The key that signed it (for an activation or trial start, the new installation key).
    key: SigningKey,
    body: RequestBody,
    nonce: String,
    /// Its ID, named by a use recorded offline when its answer never came.
    request_id: String,
    /// The place of the last offline usage journal entry it carries (0: none), forgotten
    /// once the server answers it.
    journal_sent: u64,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("product_id", &self.config.product_id())
            .field("computer_id", &self.fingerprint.computer_id)
            .field("store", &self.store.path())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Opens the product's store, computes this computer's fingerprint and verifies what the
    /// store holds. A damaged store does not fail here: the client opens, licenses nothing
    /// and says why (`StoreCorrupt`, `StoreTruncated`, `StoreVersion`, `StoreRolledBack`)
    /// until an activation, trial start or certificate import replaces it (the damaged file
    /// is kept beside it for support). A store on read-only media is used read-only.
    pub fn new(config: Config) -> Result<Client, Status> {
        if config.trusted_keys().is_empty() {
            return Err(Status::NoPublicKey);
        }
        let transport = Transport::new(&config)?;
        let lan = if config.network_daemon() { None } else { Transport::lan(&config)? };
        let dir = config.store_dir()?;
        let root = config.machine();
        let store = Store::open_on(&root, &dir, config.product_id())?;
        let now = config.now();
        let (state, store_problem) = match store.load() {
            Ok(state) => (state, None),
            Err(status) => (crate::store::StoreState::default(), Some(status)),
        };
        // Keep the high-water mark current, but without a write at every start: a minute of
        // slack is nothing against the hour of tolerance. A read-only store keeps its mark.
        let high_water = if store_problem.is_none() && now > state.clock_high_water + 60 {
            store
                .update(|s| {
                    s.clock_high_water = s.clock_high_water.max(now);
                    Ok(s.clock_high_water)
                })
                .unwrap_or(state.clock_high_water)
        } else {
            state.clock_high_water
        };
        let virtualization = detect_virtualization(&root);
        let fingerprint = Fingerprint::compute(config.product_id(), &root, &virtualization)?;
        let client_id = config.client_id().unwrap_or(&fingerprint.computer_id).to_owned();
        let expect = Expectation {
            kinds: license_kinds(&config),
            trusted: config.trusted_keys(),
            product_id: config.product_id(),
            fingerprint: &fingerprint,
            client_id: &client_id,
            request: None,
            now: None,
        };
        let license = match (store_problem, &state.license) {
            (Some(problem), _) => Err(problem),
            (None, _) if state.deactivating => Err(Status::Deactivated),
            (None, None) if state.last_deactivation.is_some() => Err(Status::Deactivated),
            (None, None) => Err(Status::NotActivated),
            (None, Some(text)) => License::verify(text, &expect),
        };
        let seats = capacity::load_long_term(&state.long_term_seats, &expect, now);
        let delivery = events::Delivery::open(&dir, config.product_id(), now);
        let inner = Arc::new(Inner {
            store_problem,
            config,
            store,
            fingerprint,
            client_id,
            virtualization,
            transport,
            lan,
            seats_in_use: Mutex::new(Vec::new()),
            license: current::Current::new(license),
            high_water: AtomicI64::new(high_water),
            operation: Mutex::new(None),
            callback: Mutex::new(None),
            reported: Mutex::new(Status::Ok),
            refresh_signal: Arc::default(),
            seats: ArcSwap::from_pointee(seats),
            lost_seats: ArcSwap::from_pointee(Vec::new()),
            last_errors: Mutex::new(Vec::new()),
            nudged: AtomicI64::new(0),
            delivery,
            deactivating: AtomicBool::new(state.deactivating),
        });
        *lock(&inner.reported) = inner.status();
        let refresher = Refresher::start(&inner);
        Ok(Client { inner, refresher })
    }

    /// The product ID.
    pub fn product_id(&self) -> &str {
        self.inner.config.product_id()
    }

    /// This computer's ID for the product.
    pub fn computer_id(&self) -> &str {
        &self.inner.fingerprint.computer_id
    }

    /// This computer's fingerprint (ID and component digests).
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.inner.fingerprint
    }

    /// The VM or container platform and its evidence.
    pub fn virtualization(&self) -> &Virtualization {
        &self.inner.virtualization
    }

    /// The store this client uses.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// `Ok` when the product is licensed now (an active lease, a running trial), else the
    /// reason it is not. Local: no network, no cryptography, no allocation.
    pub fn status(&self) -> Status {
        self.inner.status()
    }

    /// Records, for the last error, what a support desk needs about `status` beyond its
    /// message: the components that differ for a license of another computer, the clock's
    /// distance below its high-water mark, the store's path for a store problem.
    pub fn explain(&self, status: Status) {
        let inner = &self.inner;
        let detail = match status {
            Status::WrongMachine => match &**inner.license.load() {
                Ok(license) => {
                    let report = crate::machine::match_components(
                        &license.lease().components,
                        &inner.fingerprint.components,
                    );
                    let differ = [report.changed, report.missing].concat().join(", ");
                    format!(
                        "issued for computer {}, this is {}; components that differ: {differ}",
                        license.lease().computer_id,
                        inner.fingerprint.computer_id
                    )
                }
                Err(_) => return,
            },
            Status::ClockTampered => format!(
                "the clock is {} s below the latest time seen ({})",
                inner.high_water.load(Ordering::Relaxed) - inner.now(),
                inner.high_water.load(Ordering::Relaxed)
            ),
            Status::StoreIo
            | Status::StoreCorrupt
            | Status::StoreTruncated
            | Status::StoreVersion
            | Status::StoreRolledBack => {
                format!("{}", inner.store.path().display())
            }
            _ => return,
        };
        crate::detail::note(status, detail);
    }

    /// `Ok` when the product is licensed now and `code` is granted and switched on; for a
    /// floating feature, when this process also holds a seat of it (`NoSeat` when it never
    /// took one, `SeatLost` when its seat lapsed or was taken back). `FeatureUnknown` when
    /// the license does not have the feature, `FeatureNotEnabled` when it is switched off.
    pub fn feature_enabled(&self, code: &str) -> Status {
        self.feature_enabled_bytes(code.as_bytes())
    }

    /// [`Client::feature_enabled`] on the code's bytes (see [`License::feature_bytes`]).
    pub(crate) fn feature_enabled_bytes(&self, code: &[u8]) -> Status {
        self.inner.with_license(|license, status| {
            if !status.is_ok() {
                return status;
            }
            match license.feature_bytes(code) {
                None => Status::FeatureUnknown,
                Some(f) if !f.enabled => Status::FeatureNotEnabled,
                Some(f) if f.kind == FeatureKind::Floating && self.inner.held(Some(&f.code)).is_none() => {
                    self.inner.seat_missing(&f.code)
                }
                Some(_) => Status::Ok,
            }
        })
    }

    /// A UDF (Application Agility) value of the current license (`InvalidArgument` when it
    /// has no UDF of that name).
    pub fn udf_value(&self, name: &str) -> Result<String, Status> {
        self.inner.with_license_result(|license| {
            license.udf(name).map(str::to_owned).ok_or(Status::InvalidArgument)
        })
    }

    /// The verified license, whatever its status; `Err` when there is none (`NotActivated`)
    /// or the stored one was refused at load (`BadSignature`, `UnknownKey`, ...).
    pub fn license(&self) -> Result<License, Status> {
        (**self.inner.license.load()).clone()
    }

    /// The license as JSON for display and diagnostics: status (name and message), kind,
    /// license type, code, computer ID, state, dates (Unix seconds), features, UDFs, serial.
    pub fn license_info(&self) -> serde_json::Value {
        let status = self.status();
        let mut info = serde_json::json!({
            "status": status.name().to_string_lossy(),
            "message": status.message().to_string_lossy(),
            "product_id": self.product_id(),
            "computer_id": self.computer_id(),
        });
        if let (Ok(license), Some(map)) = (&**self.inner.license.load(), info.as_object_mut()) {
            map.insert("kind".into(), license.kind().as_str().into());
            if let Ok(serde_json::Value::Object(lease)) = serde_json::to_value(license.lease()) {
                for (key, value) in lease {
                    if !matches!(
                        key.as_str(),
                        "components" | "installation_key" | "nonce" | "product_id" | "computer_id"
                    ) {
                        map.insert(key, value);
                    }
                }
            }
        }
        // What happened to a damaged store, and where the damaged file was kept.
        let damaged = self.inner.store.damaged_files();
        if let (Some(map), true) =
            (info.as_object_mut(), self.inner.store_problem.is_some() || !damaged.is_empty())
        {
            map.insert(
                "store".into(),
                serde_json::json!({
                    "problem_at_open": self.inner.store_problem.map(|s| s.name().to_string_lossy().into_owned()),
                    "damaged_files": damaged.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
                }),
            );
        }
        info
    }

    /// The license's dates (Unix seconds): (license expiry, maintenance end, lease end, grace
    /// end). Like [`Client::udf_value`], not for a license deactivated here or issued for
    /// another computer.
    pub fn dates(&self) -> Result<(Option<i64>, Option<i64>, i64, i64), Status> {
        self.inner.with_license_result(|license| {
            let lease = license.lease();
            Ok((lease.expires, lease.maintenance_end, lease.lease_end, lease.grace_end))
        })
    }

    /// Seconds of offline use left before the lease expires (0 when it has).
    pub fn grace_remaining(&self) -> Result<i64, Status> {
        self.inner.with_license_result(|license| Ok((license.lease().grace_end - self.inner.now()).max(0)))
    }

    /// `ClockTampered` when the clock is now more than [`CLOCK_TOLERANCE_SECS`] behind the
    /// latest time this product has seen.
    pub fn check_clock(&self) -> Result<(), Status> {
        self.inner.check_clock(self.inner.now())
    }

    /// Registers the status-change callback (replacing any previous one); `None` removes it.
    pub fn set_status_callback(&self, callback: Option<StatusCallback>) {
        *lock(&self.inner.callback) = callback.map(Arc::new);
    }

    /// Activates `license_code` on this computer: a fresh installation key, a signed request,
    /// a signed lease back, stored before this returns.
    pub fn activate(&self, license_code: &str) -> Result<(), Status> {
        let code = validate_license_code(license_code)?;
        self.inner.online(Operation::Activate, Params { license_code: Some(code), ..Params::default() })
    }

    /// Signs in as the named user `username` and activates the license their group holds for
    /// this product on this computer (the vendor's account-based licensing): the server
    /// checks the password, the user's limit of computers, and signs a lease naming the user.
    /// The password goes to the server in this one request and is stored nowhere.
    /// `LK_INVALID_CREDENTIALS`, `LK_USER_LOCKED` (repeated failures), `LK_USER_NOT_LICENSED`,
    /// `LK_ACTIVATION_LIMIT` (the user's computers are all in use).
    pub fn activate_user(&self, username: &str, password: &str) -> Result<(), Status> {
        let username = username.trim();
        if !crate::protocol::is_short_text(username, MAX_USERNAME) {
            return Err(crate::detail::note(
                Status::InvalidArgument,
                format!("username: expected 1 to {MAX_USERNAME} characters"),
            ));
        }
        if password.is_empty() || password.chars().count() > MAX_PASSWORD {
            return Err(crate::detail::note(
                Status::InvalidArgument,
                format!("password: expected 1 to {MAX_PASSWORD} characters"),
            ));
        }
        let user = UserCredentials { username: username.to_owned(), password: password.to_owned() };
        self.inner.online(Operation::Activate, Params { user: Some(user), ..Params::default() })
    }

    /// Starts (or resumes) the product's trial on this computer.
    pub fn start_trial(&self) -> Result<(), Status> {
        self.inner.online(Operation::StartTrial, Params::default())
    }

    /// Renews the lease now (the background thread does this on its own before it ends).
    pub fn refresh(&self) -> Result<(), Status> {
        self.inner.refresh()
    }

    /// Gives this computer's seat back. The local license is made unusable first
    /// (`Deactivated` from then on; if the store cannot be written, nothing is sent and
    /// nothing changes), then the server is asked to free the seat, and the installation key
    /// is destroyed when it confirms. An unreachable server leaves the seat taken on the
    /// server until the background thread's retry (or the next call) gets through.
    pub fn deactivate(&self) -> Result<(), Status> {
        self.inner.deactivate()
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // No callback may run once the client is gone: stop and join the refresher first.
        self.refresher.stop();
    }
}

impl Inner {
    /// Now, by the configured clock.
    pub(crate) fn now(&self) -> i64 {
        self.config.now()
    }

    pub(crate) fn status(&self) -> Status {
        self.with_license(|_, status| status)
    }

    /// Runs `f` on the license and its status now; a missing or refused license gives its
    /// status directly.
    fn with_license(&self, f: impl FnOnce(&License, Status) -> Status) -> Status {
        let now = self.now();
        self.license.with(|current| match current {
            Err(status) => *status,
            Ok(license) => match self.check_clock(now) {
                Err(status) => status,
                Ok(()) => {
                    let status = license.status(now);
                    if status == Status::LeaseExpired {
                        self.nudge(now);
                    }
                    f(license, status)
                }
            },
        })
    }

    /// Asks the refresher to try the server now (a lapsed license recovers as soon as the
    /// application asks), at most once every [`NUDGE_SECS`].
    fn nudge(&self, now: i64) {
        let last = self.nudged.load(Ordering::Relaxed);
        if self.refresh_enabled()
            && now >= last + NUDGE_SECS
            && self.nudged.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            self.refresh_signal.retry_now();
        }
    }

    /// Runs `f` on the license for the questions that do not need it usable (UDFs, dates,
    /// grace), but not on one deactivated here or issued for another computer: its values
    /// are not this installation's to read.
    fn with_license_result<T>(&self, f: impl FnOnce(&License) -> Result<T, Status>) -> Result<T, Status> {
        match &**self.license.load() {
            Err(status) => Err(*status),
            Ok(license) => match license.status(self.now()) {
                status @ (Status::Deactivated | Status::WrongMachine) => Err(status),
                _ => f(license),
            },
        }
    }

    fn check_clock(&self, now: i64) -> Result<(), Status> {
        // A read of a value that changes once a second: no write, so no cache-line traffic
        // between threads checking at once.
        let mut high_water = self.high_water.load(Ordering::Relaxed);
        if now > high_water {
            high_water = self.high_water.fetch_max(now, Ordering::Relaxed).max(now);
        }
        if now < high_water - CLOCK_TOLERANCE_SECS { Err(Status::ClockTampered) } else { Ok(()) }
    }

    pub(crate) fn refresh_signal(&self) -> &Arc<Signal> {
        &self.refresh_signal
    }

    /// True when the client has a server to refresh leases from, or a LAN daemon to renew a
    /// network seat with.
    pub(crate) fn refresh_enabled(&self) -> bool {
        self.transport.is_some() || self.lan.is_some()
    }

    /// The current lease's issue time, lease end and grace end, if it is one to refresh.
    pub(crate) fn refresh_plan(&self) -> Option<(i64, i64, i64)> {
        let license = self.license.load();
        let license = (**license).as_ref().ok()?;
        let lease = license.lease();
        // Certificates and passive licenses are offline by design: nothing to refresh. A
        // network seat is renewed by heartbeats to its daemon, unless it is borrowed.
        let server = match license.kind() {
            Kind::Lease | Kind::TrialLease | Kind::NetworkMasterLicense => self.transport.is_some(),
            Kind::NetworkSeat => self.lan.is_some() && license.network_seat().is_some_and(|s| !s.borrowed),
            _ => false,
        };
        let refreshable = server && lease.state == crate::protocol::client_api::LeaseState::Active;
        refreshable.then_some((lease.server_time, lease.lease_end, lease.grace_end))
    }

    pub(crate) fn refresh(&self) -> Result<(), Status> {
        if let Some(seat) = self.held_network_seat() {
            return self.heartbeat_network_seat(&seat);
        }
        self.online(Operation::Refresh, Params { license_code: self.license_code(), ..Params::default() })
    }

    /// The license code of the current license (`None` for trials and when there is none).
    pub(crate) fn license_code(&self) -> Option<String> {
        (**self.license.load()).as_ref().ok().and_then(|l| l.lease().license_code.clone())
    }

    /// Reports the current status to the callback if it changed since the last report.
    ///
    /// One delivery at a time, in order: the thread that finds a change delivers it before it
    /// returns (so `activate` returns after its callback ran, even when the background thread
    /// noticed the change first), and two threads never report two changes out of order.
    /// A callback that changes the status itself (a deactivation from inside it) re-enters
    /// here; that change is delivered by the loop once the callback returns.
    pub(crate) fn notify_if_changed(&self) {
        let me = self as *const Inner as usize;
        if DELIVERING.with(Cell::get) == me {
            return;
        }
        let mut reported = lock(&self.reported);
        loop {
            let status = self.status();
            if std::mem::replace(&mut *reported, status) == status {
                return;
            }
            let Some(callback) = lock(&self.callback).clone() else { return };
            let _delivering = Delivering::enter(me);
            callback(status);
        }
    }

    /// Performs a licensing operation end to end (request, lease, store) and reports a status
    /// change. An activation whose answer this client refuses (an untrusted key, a clock far
    /// off, a store it cannot write) gives its new seat straight back, signed by the key it
    /// just generated, so no seat is burnt on a license nobody can use.
    fn online(&self, operation: Operation, params: Params) -> Result<(), Status> {
        let give_back = params.clone();
        let params_user = params.user.clone();
        let result = self.call(operation, params, |response, key, nonce, transport| {
            let user = params_user.as_ref().map(|u| u.username.as_str());
            let accepted = self.accept(operation, key, nonce, user, response);
            if accepted.is_err() && operation == Operation::Activate {
                let back = self.build_request(Operation::Deactivate, give_back, key.clone());
                if let Ok(back) = back {
                    let returned = transport.post(Operation::Deactivate, &back.body).is_ok();
                    crate::log::emit(
                        crate::log::Level::Warn,
                        &format!("refused the server's answer to an activation; seat given back: {returned}"),
                    );
                }
            }
            accepted
        });
        self.record(operation, &result);
        self.notify_if_changed();
        result
    }

    /// Keeps the last failure of an operation for the diagnostics.
    fn record<T>(&self, operation: Operation, result: &Result<T, Status>) {
        let Err(status) = result else { return };
        let detail = crate::detail::last_error_detail().unwrap_or_default();
        let line = format!("{} at {}: {detail}", status.name().to_string_lossy(), self.now());
        let mut errors = lock(&self.last_errors);
        errors.retain(|(op, _)| *op != operation);
        errors.push((operation, line));
    }

    /// The last failure of each online operation (for the diagnostics).
    pub(crate) fn last_errors(&self) -> Vec<(Operation, String)> {
        lock(&self.last_errors).clone()
    }

    /// Sends one signed request under the operation lock and hands the answer to `handle`
    /// (with the signing key and the nonce to check it against). A request lost in transit
    /// is kept and sent again as it was when the same operation is asked for next; one the
    /// server refuses as too old (`ClockSkew` on a retry: it never reached the server's
    /// records) is rebuilt once with the current time.
    pub(crate) fn call<T>(
        &self,
        operation: Operation,
        params: Params,
        handle: impl FnOnce(LeaseResponse, &SigningKey, &str, &Transport) -> Result<T, Status>,
    ) -> Result<T, Status> {
        let transport = if self.through_lan(operation) {
            self.lan.as_ref().ok_or(Status::NoLanServer)?
        } else {
            self.transport.as_ref().ok_or(Status::NoServer)?
        };
        let mut pending = lock(&self.operation);
        let retry = pending.take().filter(|p| p.operation == operation && p.params == params);
        let retried = retry.is_some();
        let mut attempt = match retry {
            Some(p) => p,
            None => self.build_request(operation, params.clone(), self.request_key(operation)?)?,
        };
        let mut sent = transport.post(operation, &attempt.body);
        if retried && sent == Err(Status::ClockSkew) {
            attempt = self.build_request(operation, params, attempt.key.clone())?;
            sent = transport.post(operation, &attempt.body);
        }
        let response = match sent {
            Ok(response) => response,
            Err(status) => {
                if matches!(
                    status,
                    Status::Network | Status::Timeout | Status::ServerError | Status::LanUnreachable
                ) {
                    *pending = Some(attempt);
                }
                return Err(status);
            }
        };
        let handled = handle(response, &attempt.key, &attempt.nonce, transport)?;
        self.journal_delivered(attempt.journal_sent)?;
        Ok(handled)
    }

    /// The ID of the request of `operation` with `params` that failed in transit, taken so
    /// it is never sent again: its use is recorded offline instead (naming this ID, so the
    /// server counts it once if the request did reach it).
    pub(crate) fn abandon(&self, operation: Operation, params: &Params) -> Option<String> {
        let mut pending = lock(&self.operation);
        let matches = pending.as_ref().is_some_and(|p| p.operation == operation && &p.params == params);
        matches.then(|| pending.take().map(|p| p.request_id)).flatten()
    }

    /// The key that signs a request: a fresh one for activation and trials (it becomes the
    /// installation key), the stored one for everything else.
    fn request_key(&self, operation: Operation) -> Result<SigningKey, Status> {
        match operation {
            Operation::Activate | Operation::StartTrial => SigningKey::generate(),
            // A workstation keeps its key across seats, so the daemon knows it again after a
            // restart of the application and gives back the seat it holds.
            Operation::NetworkCheckout => self.installation_key()?.map_or_else(SigningKey::generate, Ok),
            _ => self.installation_key()?.ok_or(Status::NoLicense),
        }
    }

    /// The installation key in the store, if any.
    fn installation_key(&self) -> Result<Option<SigningKey>, Status> {
        match self.store.load()?.installation_key {
            None => Ok(None),
            Some(seed) => SigningKey::from_seed_hex(&seed).map(Some).map_err(|_| {
                crate::detail::note(Status::StoreCorrupt, "the installation key in the store is damaged")
            }),
        }
    }

    fn build_request(
        &self,
        operation: Operation,
        params: Params,
        key: SigningKey,
    ) -> Result<Pending, Status> {
        let nonce = random_hex()?;
        let mut request = self.request(operation, &params, &key, &nonce)?;
        match operation {
            // The serial held: two installations refreshing diverging chains are a copied store.
            // A daemon also reports the seats it serves.
            Operation::Refresh => {
                request.held_serial = (**self.license.load()).as_ref().ok().map(|l| l.lease().serial);
                if self.config.network_daemon() {
                    request.seats_in_use = network::report(&lock(&self.seats_in_use));
                }
            }
            // A re-activation hands the previous installation's seat over, with its key.
            Operation::Activate => {
                if let Ok(Some(previous)) = self.installation_key() {
                    request.handover = Some(self.handover(&previous, &key, &nonce)?);
                }
            }
            _ => {}
        }
        // The offline usage journal travels with the calls that renew or end the license; a
        // re-activation carries it with the handover from the key that signed it.
        let carries_journal = match operation {
            Operation::Refresh | Operation::Deactivate => !self.config.network_daemon(),
            Operation::Activate => request.handover.is_some(),
            _ => false,
        };
        let mut journal_sent = 0;
        if carries_journal {
            (request.journal, journal_sent) = self.journal_to_send()?;
        }
        let body = sign_request(&key, &request)?;
        Ok(Pending { operation, params, key, body, nonce, request_id: request.request_id, journal_sent })
    }

    /// A `key-handover` envelope: the previous installation key gives its seat to `new` for
    /// the request with `nonce`.
    fn handover(&self, previous: &SigningKey, new: &SigningKey, nonce: &str) -> Result<String, Status> {
        let handover = KeyHandover {
            product_id: self.config.product_id().to_owned(),
            computer_id: self.fingerprint.computer_id.clone(),
            previous_installation_key: previous.public_key().to_hex(),
            new_installation_key: new.public_key().to_hex(),
            nonce: nonce.to_owned(),
        };
        let payload = serde_json::to_vec(&handover).map_err(|_| Status::Internal)?;
        Ok(Envelope::sign(previous, Kind::KeyHandover, &payload)?.to_compact())
    }

    /// The request for `operation` signed by `key`, online or (an activation request's
    /// payload) offline: this computer, the trusted key IDs, the clock, and the parameters.
    pub(super) fn request(
        &self,
        operation: Operation,
        params: &Params,
        key: &SigningKey,
        nonce: &str,
    ) -> Result<ClientRequest, Status> {
        let starts = matches!(operation, Operation::Activate | Operation::StartTrial);
        // A LAN daemon shows who holds each seat: the workstation's name and user.
        let details = match operation {
            _ if starts => Some(self.system_details()),
            Operation::NetworkCheckout => {
                let mut details = self.system_details();
                let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_default();
                details.insert("username".into(), user.into());
                Some(details)
            }
            _ => None,
        };
        Ok(ClientRequest {
            operation,
            product_id: self.config.product_id().to_owned(),
            license_code: params.license_code.clone(),
            computer_id: self.fingerprint.computer_id.clone(),
            components: self.fingerprint.components.clone(),
            installation_key: key.public_key().to_hex(),
            request_id: random_hex()?,
            nonce: nonce.to_owned(),
            client_time: self.now(),
            vm_platform: self.virtualization.platform.as_str().to_owned(),
            system_details: details,
            app: self.config.app().clone(),
            feature: params.feature.clone(),
            amount: params.amount,
            seat_id: params.seat_id.clone(),
            checkout_days: params.checkout_days,
            trusted_keys: self.config.trusted_keys().ids().map(|id| id.to_hex()).collect(),
            held_serial: None,
            handover: None,
            network_daemon: self.config.network_daemon(),
            seats_in_use: Vec::new(),
            journal: Vec::new(),
            user: params.user.clone(),
            events: Vec::new(),
        })
    }

    /// The rules a signed artifact must meet here; `request` when it answers one.
    pub(crate) fn expectation<'a>(
        &'a self,
        kinds: &'a [Kind],
        request: Option<Answering<'a>>,
    ) -> Expectation<'a> {
        Expectation {
            kinds,
            trusted: self.config.trusted_keys(),
            product_id: self.config.product_id(),
            fingerprint: &self.fingerprint,
            client_id: &self.client_id,
            request,
            now: Some(self.now()),
        }
    }

    /// Checks the server's lease against the request and the lease already held, then
    /// stores it and makes it current.
    /// `user`: the named user an activation signed in as, whom the lease must name.
    fn accept(
        &self,
        operation: Operation,
        key: &SigningKey,
        nonce: &str,
        user: Option<&str>,
        response: LeaseResponse,
    ) -> Result<(), Status> {
        let lease = response.lease.ok_or(Status::BadResponse)?;
        let text = match response.master {
            Some(master) if Operation::LAN.contains(&operation) => format!("{master} {lease}"),
            _ => lease,
        };
        let expected_kind = match operation {
            Operation::StartTrial => Kind::TrialLease,
            Operation::Activate | Operation::Deactivate if self.config.network_daemon() => {
                Kind::NetworkMasterLicense
            }
            Operation::Activate | Operation::Deactivate => Kind::Lease,
            Operation::NetworkCheckout | Operation::NetworkHeartbeat => Kind::NetworkSeat,
            // A refresh renews what is held: a lease or a trial lease.
            _ => match &**self.license.load() {
                Ok(current) => current.kind(),
                Err(_) => Kind::Lease,
            },
        };
        let public = key.public_key().to_hex();
        let answering = Answering { installation_key: &public, nonce, license_code: None };
        let license = License::verify(&text, &self.expectation(&[expected_kind], Some(answering)))?;
        if user.is_some_and(|user| {
            license.lease().user.as_deref().is_none_or(|named| !named.eq_ignore_ascii_case(user))
        }) {
            return Err(crate::detail::note(
                Status::MismatchedLease,
                "the lease does not name the user who signed in",
            ));
        }
        let (key, replace) = match operation {
            Operation::Deactivate => (KeyChange::Destroy, false),
            Operation::Activate | Operation::StartTrial | Operation::NetworkCheckout => {
                (KeyChange::Set(key.seed_hex().to_string()), true)
            }
            _ => (KeyChange::Set(key.seed_hex().to_string()), false),
        };
        self.install(license, key, Rebase::ToServer, replace, |state| {
            state.deactivating = false;
            Ok(())
        })
    }

    /// Makes a verified license current: refuses one not newer than every license seen, then
    /// stores it (with `also` applied to the same state, in the same atomic write) and swaps
    /// it in. A refusal writes nothing. `replace_damaged`: a damaged store is kept aside and
    /// replaced (activation, trial start, certificate import). `rebase`: the signed server
    /// time of a fresh answer re-bases the clock high-water mark, so a clock once set forward
    /// by mistake heals at the next online check (one set back stays caught: the server
    /// refuses its requests as too old).
    pub(super) fn install(
        &self,
        license: License,
        key: KeyChange,
        rebase: Rebase,
        replace_damaged: bool,
        also: impl FnOnce(&mut crate::store::StoreState) -> Result<(), Status>,
    ) -> Result<(), Status> {
        let lease = license.lease();
        let now = self.now();
        let change = |state: &mut crate::store::StoreState| {
            // A network seat's serial is its master license's, which its heartbeats repeat;
            // only an older master license is a replay. Seats themselves answer a nonce.
            if license.kind() == Kind::NetworkSeat {
                if lease.serial < state.master_serial_high_water {
                    return Err(crate::detail::note(
                        Status::StaleLease,
                        format!(
                            "the daemon's master license has serial {}, below {}, the highest seen",
                            lease.serial, state.master_serial_high_water
                        ),
                    ));
                }
            } else if lease.serial <= state.serial_high_water {
                return Err(crate::detail::note(
                    Status::StaleLease,
                    format!(
                        "serial {} is not above {}, the highest seen",
                        lease.serial, state.serial_high_water
                    ),
                ));
            }
            also(state)?;
            if license.kind() == Kind::NetworkSeat {
                state.master_serial_high_water = lease.serial;
            } else {
                state.serial_high_water = lease.serial;
            }
            state.license = Some(license.compact().to_owned());
            match &key {
                KeyChange::Keep => {}
                KeyChange::Set(seed) => state.installation_key = Some(seed.clone()),
                KeyChange::Destroy => state.installation_key = None,
            }
            state.clock_high_water = match rebase {
                Rebase::ToServer => lease.server_time.max(now),
                Rebase::No => state.clock_high_water.max(now),
            };
            Ok(state.clock_high_water)
        };
        let high_water = if replace_damaged {
            self.store.update_replacing_damaged(change)
        } else {
            self.store.update(change)
        }?;
        self.high_water.store(high_water, Ordering::Relaxed);
        self.deactivating.store(false, Ordering::Relaxed);
        self.license.store(Ok(license));
        self.refresh_signal.lease_changed();
        Ok(())
    }

    /// Whether an online deactivation is waiting for the server's confirmation.
    pub(crate) fn deactivation_pending(&self) -> bool {
        self.deactivating.load(Ordering::Relaxed)
    }

    /// Gives the seat back: first makes the local license unusable (if that cannot be
    /// written, nothing is sent and nothing changes), then asks the server. Until the server
    /// confirms, the license stays unusable and the request is retried by the background
    /// thread; the key is kept for that and for a re-activation's handover.
    pub(crate) fn deactivate(&self) -> Result<(), Status> {
        if !self.deactivation_pending() {
            if let Ok(license) = &**self.license.load()
                && license.kind() == Kind::TrialLease
            {
                return Err(crate::detail::note(Status::NoLicense, "a trial has no seat to give back"));
            }
            if let Some(seat) = self.held_network_seat() {
                return self.check_in_network_seat(&seat);
            }
            self.store.update(|state| {
                if state.license.is_none() || state.installation_key.is_none() {
                    return Err(Status::NoLicense);
                }
                state.deactivating = true;
                Ok(())
            })?;
            self.deactivating.store(true, Ordering::Relaxed);
            self.license.store(Err(Status::Deactivated));
            self.notify_if_changed();
        }
        let result = self.online(
            Operation::Deactivate,
            Params { license_code: self.stored_license_code(), ..Params::default() },
        );
        match result {
            // The server no longer has this seat: it was freed already (an earlier attempt
            // whose answer was lost, or the vendor); finish locally.
            Err(Status::Deactivated | Status::NoLicense | Status::NotActivated) => self.forget_license(),
            other => other,
        }
    }

    /// The license code of the license in the store (the in-memory one is withdrawn while a
    /// deactivation is pending).
    fn stored_license_code(&self) -> Option<String> {
        let text = self.store.load().ok()?.license?;
        let license = License::verify(
            &text,
            &Expectation { now: None, ..self.expectation(license_kinds(&self.config), None) },
        )
        .ok()?;
        license.lease().license_code.clone()
    }

    /// Forgets the license and destroys the installation key (the seat is free already).
    fn forget_license(&self) -> Result<(), Status> {
        self.store.update(|state| {
            state.license = None;
            state.installation_key = None;
            state.deactivating = false;
            Ok(())
        })?;
        self.deactivating.store(false, Ordering::Relaxed);
        self.license.store(Err(Status::Deactivated));
        self.notify_if_changed();
        Ok(())
    }
}

/// Whether accepting a license re-bases the clock high-water mark on its signed server time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Rebase {
    /// A fresh answer from the server (online, or a certificate answering our request).
    ToServer,
    /// Anything else (a passive license may be old): the mark only goes up.
    No,
}

/// What installing a license does to the stored installation key.
pub(super) enum KeyChange {
    Keep,
    Set(String),
    Destroy,
}

/// What this client's license may be: a daemon holds only its master license.
pub(crate) fn license_kinds(config: &Config) -> &'static [Kind] {
    if config.network_daemon() { License::DAEMON_KINDS } else { License::KINDS }
}

/// License codes are 1-64 printable ASCII characters (the seed's are 18-19 digits; imported
/// codes may be anything printable); surrounding whitespace from copy-paste is ignored.
fn validate_license_code(code: &str) -> Result<String, Status> {
    let code = code.trim();
    if code.is_empty() || code.len() > 64 || !code.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Status::InvalidArgument);
    }
    Ok(code.to_owned())
}

/// The body of a client call: `request` in a `client-request` envelope signed by `key`.
fn sign_request(key: &SigningKey, request: &ClientRequest) -> Result<RequestBody, Status> {
    let payload = serde_json::to_vec(request).map_err(|_| Status::Internal)?;
    Ok(RequestBody { request: Envelope::sign(key, Kind::ClientRequest, &payload)?.to_compact() })
}

/// 16 random bytes in hex: nonces, request IDs, seat IDs.
pub(crate) fn random_hex() -> Result<String, Status> {
    let mut bytes = [0u8; 16];
    os_random(&mut bytes)?;
    Ok(hex::encode(bytes))
}

thread_local! {
    // The client whose status callback this thread is running (0 for none).
    static DELIVERING: Cell<usize> = const { Cell::new(0) };
}

/// Marks this thread as delivering for one client, until dropped (a panicking callback too).
struct Delivering(usize);

impl Delivering {
    fn enter(client: usize) -> Delivering {
        Delivering(DELIVERING.with(|d| d.replace(client)))
    }
}

impl Drop for Delivering {
    fn drop(&mut self) {
        DELIVERING.with(|d| d.set(self.0));
    }
}

/// Locks a mutex, recovering from poisoning: every critical section here leaves the data
/// consistent, and a panic elsewhere must not turn licensing off.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
