//! The client handle: one per product, thread-safe.
//!
//! Creating a client loads the store, checks the clock against the store's high-water mark
//! and verifies the stored lease's signature once; later local checks ([`Client::status`],
//! [`Client::feature_enabled`], [`Client::udf_value`]) are comparisons on parsed data. The
//! online operations talk to the license server through signed requests (see
//! [`crate::protocol::client_api`]); a background thread refreshes the lease before it ends.

mod capacity;
mod offline;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;

pub(crate) use crate::clock::unix_now;
use crate::license::{FUTURE_TOLERANCE_SECS, License};
use crate::machine::{Fingerprint, SysRoot, Virtualization, detect_virtualization, installation_id};
use crate::online::{Refresher, Signal, Transport};
use crate::protocol::SigningKey;
use crate::protocol::client_api::{ClientRequest, FeatureKind, LeaseResponse, Operation, RequestBody};
use crate::protocol::{Envelope, Kind, os_random};
use crate::store::Store;
use crate::{Config, Status};

/// How far the clock may go back below the store's high-water mark before it counts as
/// tampering: an hour covers time-zone and DST mistakes and NTP corrections.
pub const CLOCK_TOLERANCE_SECS: i64 = 3600;

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
    config: Config,
    store: Store,
    fingerprint: Fingerprint,
    /// What passive licenses must be bound to: the configured client ID, else the computer ID.
    client_id: String,
    virtualization: Virtualization,
    transport: Option<Transport>,
    /// The current license (or why there is none), swapped whole when a lease arrives, so
    /// readers never take a lock.
    license: ArcSwap<Result<License, Status>>,
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
    /// store holds. A damaged store fails here (`StoreCorrupt`, `StoreTruncated`): it is
    /// never replaced behind the user's back.
    pub fn new(config: Config) -> Result<Client, Status> {
        if config.trusted_keys().is_empty() {
            return Err(Status::NoPublicKey);
        }
        let transport = Transport::new(&config)?;
        let dir = config.store_dir()?;
        let store = Store::open(&dir, config.product_id())?;
        let now = unix_now();
        let mut state = store.load()?;
        // Keep the high-water mark current, but without a write at every start: a minute of
        // slack is nothing against the hour of tolerance.
        if now > state.clock_high_water + 60 {
            state = store.update(|s| {
                s.clock_high_water = s.clock_high_water.max(now);
                Ok(s.clone())
            })?;
        }
        let root = SysRoot::host();
        let virtualization = detect_virtualization(&root);
        let fingerprint =
            Fingerprint::compute(config.product_id(), &root, &virtualization, || installation_id(&dir))?;
        let client_id = config.client_id().unwrap_or(&fingerprint.computer_id).to_owned();
        let license = match &state.license {
            None => Err(Status::NotActivated),
            Some(text) => License::verify(
                text,
                License::KINDS,
                config.trusted_keys(),
                config.product_id(),
                &fingerprint,
                &client_id,
            ),
        };
        let seats = capacity::load_long_term(
            &state.long_term_seats,
            config.trusted_keys(),
            config.product_id(),
            &fingerprint.computer_id,
        );
        let inner = Arc::new(Inner {
            config,
            store,
            fingerprint,
            client_id,
            virtualization,
            transport,
            license: ArcSwap::from_pointee(license),
            high_water: AtomicI64::new(state.clock_high_water),
            operation: Mutex::new(None),
            callback: Mutex::new(None),
            reported: Mutex::new(Status::Ok),
            refresh_signal: Arc::default(),
            seats: ArcSwap::from_pointee(seats),
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

    /// `Ok` when the product is licensed now and `code` is granted and switched on; for a
    /// floating feature, when this process also holds a seat of it (`SeatLost` when not).
    pub fn feature_enabled(&self, code: &str) -> Status {
        self.inner.with_license(|license, status| {
            if !status.is_ok() {
                return status;
            }
            match license.feature(code) {
                Some(f) if !f.enabled => Status::FeatureNotEnabled,
                Some(f) if f.kind == FeatureKind::Floating && self.inner.held(Some(code)).is_none() => {
                    Status::SeatLost
                }
                Some(_) => Status::Ok,
                None => Status::FeatureNotEnabled,
            }
        })
    }

    /// A UDF (Application Agility) value of the current license.
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
        info
    }

    /// Seconds of offline use left before the lease expires (0 when it has).
    pub fn grace_remaining(&self) -> Result<i64, Status> {
        self.inner.with_license_result(|license| Ok((license.lease().grace_end - unix_now()).max(0)))
    }

    /// `ClockTampered` when the clock is now more than [`CLOCK_TOLERANCE_SECS`] behind the
    /// latest time this product has seen.
    pub fn check_clock(&self) -> Result<(), Status> {
        self.inner.check_clock(unix_now())
    }

    /// Registers the status-change callback (replacing any previous one); `None` removes it.
    pub fn set_status_callback(&self, callback: Option<StatusCallback>) {
        *lock(&self.inner.callback) = callback.map(Arc::new);
    }

    /// Activates `license_code` on this computer: a fresh installation key, a signed request,
    /// a signed lease back, stored before this returns.
    pub fn activate(&self, license_code: &str) -> Result<(), Status> {
        self.inner.online(Operation::Activate, Some(validate_license_code(license_code)?))
    }

    /// Starts (or resumes) the product's trial on this computer.
    pub fn start_trial(&self) -> Result<(), Status> {
        self.inner.online(Operation::StartTrial, None)
    }

    /// Renews the lease now (the background thread does this on its own before it ends).
    pub fn refresh(&self) -> Result<(), Status> {
        self.inner.refresh()
    }

    /// Frees this computer's seat on the server, then forgets the license and destroys the
    /// installation key. Unreachable server: nothing changes locally (the seat is still taken).
    pub fn deactivate(&self) -> Result<(), Status> {
        self.inner.online(Operation::Deactivate, self.inner.license_code())
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // No callback may run once the client is gone: stop and join the refresher first.
        self.refresher.stop();
    }
}

impl Inner {
    pub(crate) fn status(&self) -> Status {
        self.with_license(|_, status| status)
    }

    /// Runs `f` on the license and its status now; a missing or refused license gives its
    /// status directly.
    fn with_license(&self, f: impl FnOnce(&License, Status) -> Status) -> Status {
        let now = unix_now();
        match &**self.license.load() {
            Err(status) => *status,
            Ok(license) => match self.check_clock(now) {
                Err(status) => status,
                Ok(()) => f(license, license.status(now)),
            },
        }
    }

    fn with_license_result<T>(&self, f: impl FnOnce(&License) -> Result<T, Status>) -> Result<T, Status> {
        match &**self.license.load() {
            Err(status) => Err(*status),
            Ok(license) => f(license),
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

    /// True when the client has a server to refresh leases from.
    pub(crate) fn refresh_enabled(&self) -> bool {
        self.transport.is_some()
    }

    /// The current lease's issue time, lease end and grace end, if it is one to refresh.
    pub(crate) fn refresh_plan(&self) -> Option<(i64, i64, i64)> {
        let license = self.license.load();
        let license = (**license).as_ref().ok()?;
        let lease = license.lease();
        // Certificates and passive licenses are offline by design: nothing to refresh.
        let refreshable = matches!(license.kind(), Kind::Lease | Kind::TrialLease)
            && lease.state == crate::protocol::client_api::LeaseState::Active;
        (self.transport.is_some() && refreshable).then_some((
            lease.server_time,
            lease.lease_end,
            lease.grace_end,
        ))
    }

    pub(crate) fn refresh(&self) -> Result<(), Status> {
        self.online(Operation::Refresh, self.license_code())
    }

    /// The license code of the current license (`None` for trials and when there is none).
    pub(crate) fn license_code(&self) -> Option<String> {
        (**self.license.load()).as_ref().ok().and_then(|l| l.lease().license_code.clone())
    }

    /// Reports the current status to the callback if it changed since the last report.
    pub(crate) fn notify_if_changed(&self) {
        let status = self.status();
        let changed = {
            let mut reported = lock(&self.reported);
            std::mem::replace(&mut *reported, status) != status
        };
        let callback = lock(&self.callback).clone();
        if let (true, Some(callback)) = (changed, callback) {
            callback(status);
        }
    }

    /// Performs a licensing operation end to end (request, lease, store) and reports a status
    /// change.
    fn online(&self, operation: Operation, license_code: Option<String>) -> Result<(), Status> {
        let params = Params { license_code, ..Params::default() };
        let result =
            self.call(operation, params, |response, key, nonce| self.accept(operation, key, nonce, response));
        self.notify_if_changed();
        result
    }

    /// Sends one signed request under the operation lock and hands the answer to `handle`
    /// (with the signing key and the nonce to check it against). A request lost in transit
    /// is kept and sent again as it was when the same operation is asked for next.
    pub(crate) fn call<T>(
        &self,
        operation: Operation,
        params: Params,
        handle: impl FnOnce(LeaseResponse, &SigningKey, &str) -> Result<T, Status>,
    ) -> Result<T, Status> {
        let transport = self.transport.as_ref().ok_or(Status::NoServer)?;
        let mut pending = lock(&self.operation);
        let retry = pending.take().filter(|p| p.operation == operation && p.params == params);
        let attempt = match retry {
            Some(p) => p,
            None => self.build_request(operation, params, self.request_key(operation)?)?,
        };
        let response = match transport.post(operation, &attempt.body) {
            Ok(response) => response,
            Err(status) => {
                if matches!(status, Status::Network | Status::Timeout | Status::ServerError) {
                    *pending = Some(attempt);
                }
                return Err(status);
            }
        };
        handle(response, &attempt.key, &attempt.nonce)
    }

    /// The key that signs a request: a fresh one for activation and trials (it becomes the
    /// installation key), the stored one for everything else.
    fn request_key(&self, operation: Operation) -> Result<SigningKey, Status> {
        if matches!(operation, Operation::Activate | Operation::StartTrial) {
            return SigningKey::generate();
        }
        let seed = self.store.load()?.installation_key.ok_or(Status::NoLicense)?;
        SigningKey::from_seed_hex(&seed).map_err(|_| Status::StoreCorrupt)
    }

    fn build_request(
        &self,
        operation: Operation,
        params: Params,
        key: SigningKey,
    ) -> Result<Pending, Status> {
        let nonce = random_hex()?;
        let request = self.request(operation, &params, &key, &nonce)?;
        let payload = serde_json::to_vec(&request).map_err(|_| Status::Internal)?;
        let body = RequestBody { request: Envelope::sign(&key, Kind::ClientRequest, &payload)?.to_compact() };
        Ok(Pending { operation, params, key, body, nonce })
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
        Ok(ClientRequest {
            operation,
            product_id: self.config.product_id().to_owned(),
            license_code: params.license_code.clone(),
            computer_id: self.fingerprint.computer_id.clone(),
            components: self.fingerprint.components.clone(),
            installation_key: key.public_key().to_hex(),
            request_id: random_hex()?,
            nonce: nonce.to_owned(),
            client_time: unix_now(),
            vm_platform: self.virtualization.platform.as_str().to_owned(),
            system_details: starts.then(|| self.system_details()),
            app: self.config.app().clone(),
            feature: params.feature.clone(),
            amount: params.amount,
            seat_id: params.seat_id.clone(),
            checkout_days: params.checkout_days,
            trusted_keys: self.config.trusted_keys().ids().map(|id| id.to_hex()).collect(),
            held_serial: None,
            handover: None,
        })
    }

    /// Checks the server's lease against the request and the lease already held, then
    /// stores it and makes it current.
    fn accept(
        &self,
        operation: Operation,
        key: &SigningKey,
        nonce: &str,
        response: LeaseResponse,
    ) -> Result<(), Status> {
        let text = response.lease.ok_or(Status::BadResponse)?;
        let license = self.verify(&text, &[Kind::Lease, Kind::TrialLease])?;
        let lease = license.lease();
        let expected_kind = match operation {
            Operation::StartTrial => Kind::TrialLease,
            Operation::Activate | Operation::Deactivate => Kind::Lease,
            // A refresh renews what is held: a lease or a trial lease.
            _ => match &**self.license.load() {
                Ok(current) => current.kind(),
                Err(_) => Kind::Lease,
            },
        };
        if license.status(lease.server_time) == Status::WrongMachine
            || lease.installation_key != key.public_key().to_hex()
            || lease.nonce != nonce
            || license.kind() != expected_kind
        {
            return Err(Status::MismatchedLease);
        }
        let key = if operation == Operation::Deactivate {
            KeyChange::Destroy
        } else {
            KeyChange::Set(key.seed_hex().to_string())
        };
        self.install(license, key, |_| Ok(()))
    }

    /// Verifies a license text of one of the `allowed` kinds for this product and computer.
    fn verify(&self, text: &str, allowed: &[Kind]) -> Result<License, Status> {
        let config = &self.config;
        License::verify(
            text,
            allowed,
            config.trusted_keys(),
            config.product_id(),
            &self.fingerprint,
            &self.client_id,
        )
    }

    /// Makes a verified license current: refuses one issued in this computer's future or not
    /// newer than every license seen, then stores it (with `also` applied to the same state,
    /// in the same atomic write) and swaps it in. A refusal writes nothing.
    fn install(
        &self,
        license: License,
        key: KeyChange,
        also: impl FnOnce(&mut crate::store::StoreState) -> Result<(), Status>,
    ) -> Result<(), Status> {
        let lease = license.lease();
        if lease.server_time > unix_now() + FUTURE_TOLERANCE_SECS {
            return Err(Status::FutureLease);
        }
        self.store.update(|state| {
            if lease.serial <= state.serial_high_water {
                return Err(Status::StaleLease);
            }
            also(state)?;
            state.serial_high_water = lease.serial;
            state.license = Some(license.compact().to_owned());
            match &key {
                KeyChange::Keep => {}
                KeyChange::Set(seed) => state.installation_key = Some(seed.clone()),
                KeyChange::Destroy => state.installation_key = None,
            }
            state.clock_high_water = state.clock_high_water.max(unix_now());
            Ok(())
        })?;
        self.license.store(Arc::new(Ok(license)));
        self.refresh_signal.lease_changed();
        Ok(())
    }
}

/// What installing a license does to the stored installation key.
enum KeyChange {
    Keep,
    Set(String),
    Destroy,
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

fn random_hex() -> Result<String, Status> {
    let mut bytes = [0u8; 16];
    os_random(&mut bytes)?;
    Ok(hex::encode(bytes))
}

/// Locks a mutex, recovering from poisoning: every critical section here leaves the data
/// consistent, and a panic elsewhere must not turn licensing off.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
