//! The domain the storage layer keeps (DESIGN §2), independent of any database, and the
//! rules that decide how a license-settings update applies — shared by every backend so
//! SQLite and a later PostgreSQL agree on them.

use crate::datetime;

/// How a license ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenseType {
    Perpetual,
    /// Days counted from first activation.
    SubscriptionPeriod,
    ExpirationDate,
}

impl LicenseType {
    /// Input words, in the order of [`LicenseType::ALL`].
    pub const WORDS: [&'static str; 3] = ["perpetual", "subscriptionperiod", "expirationdate"];
    pub const ALL: [LicenseType; 3] =
        [LicenseType::Perpetual, LicenseType::SubscriptionPeriod, LicenseType::ExpirationDate];

    /// The name stored and shown (`Perpetual`, …).
    pub fn name(self) -> &'static str {
        match self {
            LicenseType::Perpetual => "Perpetual",
            LicenseType::SubscriptionPeriod => "SubscriptionPeriod",
            LicenseType::ExpirationDate => "ExpirationDate",
        }
    }

    pub fn from_name(name: &str) -> Option<LicenseType> {
        LicenseType::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// What a feature grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureType {
    Normal,
    Floating,
    ElementPool,
    ConsumptionToken,
    SecureStore,
}

impl FeatureType {
    /// Input words (the seed writes `consumptiontokens`), in the order of [`FeatureType::ALL`].
    pub const WORDS: [&'static str; 5] =
        ["normal", "floating", "elementpool", "consumptiontokens", "securestore"];
    pub const ALL: [FeatureType; 5] = [
        FeatureType::Normal,
        FeatureType::Floating,
        FeatureType::ElementPool,
        FeatureType::ConsumptionToken,
        FeatureType::SecureStore,
    ];

    /// The name stored and shown, as in the seed's outputs (`ConsumptionToken`).
    pub fn name(self) -> &'static str {
        match self {
            FeatureType::Normal => "Normal",
            FeatureType::Floating => "Floating",
            FeatureType::ElementPool => "ElementPool",
            FeatureType::ConsumptionToken => "ConsumptionToken",
            FeatureType::SecureStore => "SecureStore",
        }
    }

    pub fn from_name(name: &str) -> Option<FeatureType> {
        FeatureType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The two labels of `featureDetails` (limit, current use), or none for on/off features.
    pub fn detail_labels(self) -> Option<(&'static str, &'static str)> {
        match self {
            FeatureType::Floating => Some(("MaximumActive", "TotalActive")),
            FeatureType::ElementPool => Some(("ElementLimit", "ElementCount")),
            FeatureType::ConsumptionToken => Some(("TokenLimit", "TokenCount")),
            FeatureType::Normal | FeatureType::SecureStore => None,
        }
    }
}

/// How concurrent use is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConcurrencyMode {
    None,
    /// Concurrent processes anywhere.
    Cloud,
    /// A LAN daemon with network seats and a heartbeat.
    Network,
}

impl ConcurrencyMode {
    /// Input words (`off` means none), in the order of [`ConcurrencyMode::ALL`].
    pub const WORDS: [&'static str; 3] = ["off", "cloud", "network"];
    pub const ALL: [ConcurrencyMode; 3] =
        [ConcurrencyMode::None, ConcurrencyMode::Cloud, ConcurrencyMode::Network];

    pub fn name(self) -> &'static str {
        match self {
            ConcurrencyMode::None => "None",
            ConcurrencyMode::Cloud => "Cloud",
            ConcurrencyMode::Network => "Network",
        }
    }

    pub fn from_name(name: &str) -> Option<ConcurrencyMode> {
        ConcurrencyMode::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// What a refresh does when it shows that two installations hold diverging chains of leases
/// of one activation or trial (a copied or restored license store): the product's
/// `clonepolicy`. Either way the fork is counted on the activation or trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClonePolicy {
    /// Refuse the diverging refresh with `LK_CLONE_DETECTED` (the default).
    Refuse,
    /// Serve it: the vendor only wants to know.
    Flag,
}

impl ClonePolicy {
    /// Input words, in the order of [`ClonePolicy::ALL`].
    pub const WORDS: [&'static str; 2] = ["refuse", "flag"];
    pub const ALL: [ClonePolicy; 2] = [ClonePolicy::Refuse, ClonePolicy::Flag];

    /// The name stored and shown.
    pub fn name(self) -> &'static str {
        match self {
            ClonePolicy::Refuse => "Refuse",
            ClonePolicy::Flag => "Flag",
        }
    }

    pub fn from_name(name: &str) -> Option<ClonePolicy> {
        ClonePolicy::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// The settings a profile holds and a license code carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub enabled_for_use: bool,
    pub license_type: LicenseType,
    pub clients_allowed: i64,
    /// Hours.
    pub client_lease_period: i64,
    /// Hours, 0 = unlimited.
    pub vm_lease_period: i64,
    /// Hours (the API takes days and shows hours, as the seed does).
    pub client_offline_lease_period: i64,
    pub acquired_by_webservice: bool,
    pub network_seats: i64,
    /// Minutes.
    pub heartbeat: i64,
    pub concurrent_processes: i64,
    pub concurrency_mode: ConcurrencyMode,
    /// Days.
    pub subscription_period: i64,
    pub subscription_end: Option<i64>,
    pub maintenance_end: Option<i64>,
}

/// A change to [`Settings`]: `None` leaves a field unchanged; for dates `Some(None)` clears.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsPatch {
    pub enabled_for_use: Option<bool>,
    pub license_type: Option<LicenseType>,
    pub clients_allowed: Option<i64>,
    pub client_lease_period: Option<i64>,
    pub vm_lease_period: Option<i64>,
    pub client_offline_lease_period: Option<i64>,
    pub acquired_by_webservice: Option<bool>,
    pub network_seats: Option<i64>,
    pub heartbeat: Option<i64>,
    pub concurrent_processes: Option<i64>,
    pub concurrency_mode: Option<ConcurrencyMode>,
    pub subscription_period: Option<i64>,
    pub subscription_end: Option<Option<i64>>,
    pub maintenance_end: Option<Option<i64>>,
}

/// Checks the seed's subscription rules for a license type and its period or end date, given
/// the type before (`None` when creating) and the fields the request supplied, and returns
/// the resulting (type, period, end). Shared by products, profiles and license codes.
pub fn subscription_rules(
    before: Option<(LicenseType, i64, Option<i64>)>,
    license_type: Option<LicenseType>,
    period: Option<i64>,
    end: Option<Option<i64>>,
) -> Result<(LicenseType, i64, Option<i64>), String> {
    let updating = before.is_some();
    let (old_type, old_period, old_end) = before.unwrap_or((LicenseType::Perpetual, 0, None));
    if updating && license_type.is_none() {
        if period.is_some() {
            return Err("subscriptionperiod: supply licensetype to update the subscription period".into());
        }
        if end.is_some() {
            return Err("subscriptionenddate: supply licensetype to update the subscription end date".into());
        }
    }
    let new_type = license_type.unwrap_or(old_type);
    let new_period = match (new_type, period) {
        (LicenseType::SubscriptionPeriod, Some(p)) if updating && old_type == new_type => {
            if !(1..=1000).contains(&p) {
                return Err(
                    "subscriptionperiod: must be between 1 and 1000 to extend a subscription period".into()
                );
            }
            p
        }
        (LicenseType::SubscriptionPeriod, Some(p)) => {
            if !(1..=5000).contains(&p) {
                return Err(
                    "subscriptionperiod: must be between 1 and 5000 for licensetype subscriptionperiod"
                        .into(),
                );
            }
            p
        }
        (LicenseType::SubscriptionPeriod, None) if old_type != new_type || !updating => {
            return Err("subscriptionperiod: required (1 to 5000) for licensetype subscriptionperiod".into());
        }
        (_, Some(p)) => p,
        (_, None) => old_period,
    };
    let new_end = match end {
        Some(None) if new_type == LicenseType::ExpirationDate => {
            return Err("subscriptionenddate: 'reset' is not accepted for licensetype expirationdate".into());
        }
        Some(e) => e,
        None => old_end,
    };
    if new_type == LicenseType::ExpirationDate && new_end.is_none() {
        return Err("subscriptionenddate: required for licensetype expirationdate".into());
    }
    Ok((new_type, new_period, new_end))
}

impl Settings {
    /// Applies a patch under the seed's rules; `creating` drops the "supply licensetype to
    /// change the period" rule, which only makes sense for an update.
    pub fn apply(&self, patch: &SettingsPatch, creating: bool) -> Result<Settings, String> {
        let before =
            (!creating).then_some((self.license_type, self.subscription_period, self.subscription_end));
        let (license_type, subscription_period, subscription_end) = subscription_rules(
            before,
            patch.license_type,
            patch.subscription_period,
            patch.subscription_end,
        )?;
        let concurrency_mode = patch.concurrency_mode.unwrap_or(self.concurrency_mode);
        let heartbeat = match patch.heartbeat {
            Some(h) => h,
            // The seed: heartbeat defaults to 5 for network concurrency mode.
            None if concurrency_mode == ConcurrencyMode::Network && self.heartbeat == 0 => 5,
            None => self.heartbeat,
        };
        Ok(Settings {
            enabled_for_use: patch.enabled_for_use.unwrap_or(self.enabled_for_use),
            license_type,
            clients_allowed: patch.clients_allowed.unwrap_or(self.clients_allowed),
            client_lease_period: patch.client_lease_period.unwrap_or(self.client_lease_period),
            vm_lease_period: patch.vm_lease_period.unwrap_or(self.vm_lease_period),
            client_offline_lease_period: patch
                .client_offline_lease_period
                .unwrap_or(self.client_offline_lease_period),
            acquired_by_webservice: patch.acquired_by_webservice.unwrap_or(self.acquired_by_webservice),
            network_seats: patch.network_seats.unwrap_or(self.network_seats),
            heartbeat,
            concurrent_processes: patch.concurrent_processes.unwrap_or(self.concurrent_processes),
            concurrency_mode,
            subscription_period,
            subscription_end,
            maintenance_end: patch.maintenance_end.unwrap_or(self.maintenance_end),
        })
    }

    /// The settings of a new profile before its request applies (the seed's defaults).
    pub fn profile_defaults() -> Settings {
        Settings {
            enabled_for_use: false,
            license_type: LicenseType::Perpetual,
            clients_allowed: 0,
            client_lease_period: 0,
            vm_lease_period: 0,
            client_offline_lease_period: 0,
            acquired_by_webservice: false,
            network_seats: 0,
            heartbeat: 0,
            concurrent_processes: 0,
            concurrency_mode: ConcurrencyMode::None,
            subscription_period: 0,
            subscription_end: None,
            maintenance_end: None,
        }
    }
}

/// A per-profile or per-code feature setting from a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureSetting {
    pub code: String,
    pub availability: Option<bool>,
    pub limit: Option<i64>,
}

/// A UDF value from a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdfSetting {
    pub name: String,
    pub value: String,
}

/// A server function (`LTCO`, `FeatureAvailability`, …) and its parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFunction {
    pub name: String,
    pub enabled: bool,
    pub parameter: String,
}

/// Everything a profile or code update carries beyond the scalar settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LicenseExtras {
    pub features: Vec<FeatureSetting>,
    pub udfs: Vec<UdfSetting>,
    pub server_functions: Vec<ServerFunction>,
}

/// A feature as a license code (or profile) sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureState {
    pub code: String,
    pub on: bool,
    pub feature_type: FeatureType,
    pub limit: i64,
    /// Seats or elements checked out now, or tokens consumed.
    pub in_use: i64,
    /// (computer ID, username, amount) of live check-outs, for `details` / `userdetails`.
    pub by_computer: Vec<(String, String, i64)>,
}

/// A product feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductFeature {
    pub code: String,
    pub name: String,
    pub on: bool,
    pub feature_type: FeatureType,
    pub notes: String,
    pub group: String,
    pub available_in_trials: bool,
}

/// A product as `GET Product(s)` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub in_trial: bool,
    pub trial_period: i64,
    pub client_lease_period: i64,
    pub vm_lease_period: i64,
    pub client_offline_lease_period: i64,
    pub license_type: LicenseType,
    pub clients_allowed: i64,
    pub subscription_period: i64,
    pub subscription_end: Option<i64>,
    /// Days an offline activation request stays valid (`offlinerequestdays`).
    pub offline_request_days: i64,
    pub clone_policy: ClonePolicy,
    pub features: Vec<ProductFeature>,
    pub udfs: Vec<UdfSetting>,
}

/// A new feature group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroup {
    pub name: String,
    pub notes: String,
}

/// A change to a feature group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupPatch {
    pub name: String,
    pub new_name: Option<String>,
    pub notes: Option<String>,
}

/// A new product feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFeature {
    pub code: String,
    pub name: String,
    pub notes: String,
    pub feature_type: FeatureType,
    /// `None` = the Default group.
    pub group: Option<String>,
    pub available_in_trials: bool,
}

/// A change to a product feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeaturePatch {
    pub code: String,
    pub new_code: Option<String>,
    pub name: Option<String>,
    pub notes: Option<String>,
    /// `Some(None)` = back to the Default group.
    pub group: Option<Option<String>>,
    pub available_in_trials: Option<bool>,
}

/// A change to a UDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdfPatch {
    pub name: String,
    pub new_name: Option<String>,
    pub value: Option<String>,
}

/// A new product with its groups, features and UDFs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    pub name: String,
    pub in_trial: bool,
    pub trial_period: i64,
    pub client_lease_period: i64,
    pub vm_lease_period: i64,
    pub client_offline_lease_period: i64,
    pub license_type: LicenseType,
    pub clients_allowed: i64,
    pub subscription_period: i64,
    pub subscription_end: Option<i64>,
    pub offline_request_days: i64,
    pub clone_policy: ClonePolicy,
    pub groups: Vec<NewGroup>,
    pub features: Vec<NewFeature>,
    pub udfs: Vec<UdfSetting>,
}

/// A change to a product's scalar fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductPatch {
    pub name: Option<String>,
    pub trial_period: Option<i64>,
    pub client_lease_period: Option<i64>,
    pub vm_lease_period: Option<i64>,
    pub client_offline_lease_period: Option<i64>,
    pub license_type: Option<LicenseType>,
    pub clients_allowed: Option<i64>,
    pub subscription_period: Option<i64>,
    pub subscription_end: Option<Option<i64>>,
    pub offline_request_days: Option<i64>,
    pub clone_policy: Option<ClonePolicy>,
}

/// A profile as `GET Profile(s)` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub product_id: String,
    pub id: i64,
    pub name: String,
    pub reseller_id: i64,
    pub settings: Settings,
    pub created: i64,
    pub modified: i64,
    pub features: Vec<FeatureState>,
    pub udfs: Vec<UdfSetting>,
    pub server_functions: Vec<ServerFunction>,
}

/// A profile to create or update.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChange {
    pub new_name: Option<String>,
    /// `Some("")` clears the reseller.
    pub reseller: Option<String>,
    pub settings: SettingsPatch,
    pub extras: LicenseExtras,
}

/// A license note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub id: i64,
    /// `General` or `System`.
    pub note_type: String,
    pub created: i64,
    pub created_by: String,
    pub description: String,
}

/// A license code as `GET LicenseCode(s)` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseCode {
    pub code: String,
    pub product_id: String,
    pub company: String,
    pub company_id: i64,
    pub profile_name: Option<String>,
    pub settings: Settings,
    pub num_activations: i64,
    pub num_deactivations: i64,
    pub subscription_last_activated: Option<i64>,
    pub created: i64,
    pub modified: i64,
    pub features: Vec<FeatureState>,
    pub udfs: Vec<UdfSetting>,
    pub notes: Vec<Note>,
    pub server_functions: Vec<ServerFunction>,
}

/// A tri-state filter: `None` selects all.
pub type Filter = Option<bool>;

/// The filters of `GET LicenseCodes`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeFilter {
    pub product_id: Option<String>,
    pub company: Option<String>,
    pub company_id: Option<i64>,
    pub profile_name: Option<String>,
    pub acquired_by_webservice: Filter,
    pub used: Filter,
    pub activated: Filter,
    /// Only the codes listed after this one (beyond the seed: a page found by seeking the
    /// listing index, which costs the same at any depth, where `pagenumber` walks its OFFSET).
    pub after_code: Option<String>,
}

/// A page of results: 1-based number and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: i64,
    pub size: i64,
}

impl Page {
    pub fn offset(self) -> i64 {
        (self.number - 1).saturating_mul(self.size)
    }
}

/// How license codes are made by `POST LicenseCode`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeSource {
    /// Generate this many numeric codes.
    Generate(i64),
    /// Import these codes.
    Import(Vec<String>),
}

/// A `POST LicenseCode` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCodes {
    pub product_id: String,
    pub company_id: i64,
    pub profile_name: Option<String>,
    pub reference: String,
    pub source: CodeSource,
}

/// How notes change in a `PUT LicenseCode`, in the seed's order: delete all, delete some, add.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoteChanges {
    pub delete_all: bool,
    pub delete: Vec<i64>,
    /// (type, description).
    pub add: Vec<(String, String)>,
}

/// A `PUT LicenseCode` request beyond the product and code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeChange {
    /// `Some(0)` removes the company.
    pub company_id: Option<i64>,
    /// `Some(None)` = the default (no) profile.
    pub profile: Option<Option<String>>,
    pub inherit_profile: bool,
    pub reference: Option<String>,
    pub settings: SettingsPatch,
    pub extras: LicenseExtras,
    pub notes: NoteChanges,
}

/// One activation as `GET LicenseCodeActivity` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activation {
    pub code: String,
    pub computer_id: String,
    pub status: String,
    pub vm_lease_period: i64,
    pub lease_end: Option<i64>,
    pub vm_platform: String,
    pub username: String,
    pub activated: i64,
    pub deactivated: Option<i64>,
    /// The system details object (compact JSON text), when asked for and known.
    pub system_info: Option<String>,
    /// Refreshes that showed a copy of this activation's store in use (see `ClonePolicy`),
    /// and when the last one came.
    pub forks: i64,
    pub last_fork: Option<i64>,
    /// The activation is a LAN daemon's: it holds the code's network master license.
    pub lan_daemon: bool,
    /// The network seats the daemon last reported serving, when it has reported since its
    /// activation.
    pub lan_report: Option<LanReport>,
}

/// One network seat a LAN daemon serves, as its refresh reported it. Times are Unix
/// milliseconds by the daemon's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanSeat {
    pub seat_id: String,
    pub computer_id: String,
    pub hostname: String,
    pub user: String,
    pub since: i64,
    pub expires: i64,
    pub borrowed: bool,
}

/// What a LAN daemon last reported: when (the server's clock), and the seats in use then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanReport {
    pub reported: i64,
    pub seats: Vec<LanSeat>,
}

/// A new network master license (`POST NetworkMasterLicense`): one generated code, assigned
/// and set up as `POST LicenseCode` and `PUT LicenseCode` would, in concurrency mode Network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNetworkMaster {
    pub product_id: String,
    /// 0 = no company.
    pub company_id: i64,
    pub profile_name: Option<String>,
    pub reference: String,
    /// The request's settings; the store forces the concurrency mode to Network.
    pub settings: SettingsPatch,
    pub extras: LicenseExtras,
}

/// A trial's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trial {
    pub product_id: String,
    pub computer_id: String,
    pub trial_period: i64,
    pub created: i64,
    pub modified: i64,
    pub lease_end: Option<i64>,
    pub expires: i64,
    pub converted_code: Option<String>,
    /// Refreshes that showed a copy of this trial's store in use, and the last one's time.
    pub forks: i64,
    pub last_fork: Option<i64>,
}

impl Trial {
    /// `In Trial` or `Trial Expired` at `now`.
    pub fn status(&self, now: i64) -> &'static str {
        if now < self.expires { "In Trial" } else { "Trial Expired" }
    }
}

/// The filters of `GET Trials`, as absolute bounds in Unix milliseconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrialFilter {
    pub product_id: Option<String>,
    pub computer_id: Option<String>,
    pub expires_before: Option<i64>,
    pub expires_after: Option<i64>,
    /// `Some(true)` = in trial now, `Some(false)` = expired.
    pub in_trial: Filter,
    pub converted: Filter,
    pub created_before: Option<i64>,
    pub created_after: Option<i64>,
    pub now: i64,
}

/// A company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub id: i64,
    pub name: String,
    /// `None` = global.
    pub product_id: Option<String>,
    pub product_name: String,
    /// Compact JSON object text.
    pub data: String,
    pub search: [String; 3],
    pub created: i64,
}

/// A company to create or update.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompanyChange {
    pub name: Option<String>,
    pub global: bool,
    pub data: Option<String>,
    pub search: [Option<String>; 3],
    pub reseller: Option<String>,
}

/// A consumer record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerRecord {
    pub product_id: String,
    pub computer_id: String,
    pub license_code: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub email: String,
    /// Compact JSON object text.
    pub client_info: String,
    pub created: i64,
}

/// The filters of `GET ConsumerData`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsumerFilter {
    pub product_id: String,
    pub computer_id: Option<String>,
    pub just_last: bool,
    /// `Some(true)` = activations (with a code), `Some(false)` = trials.
    pub activations: Filter,
    pub start: Option<i64>,
    pub end: Option<i64>,
}

/// Where a usage event came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSource {
    /// `POST DataStreamer`, with the DS key.
    DataStreamer,
    /// A licensed installation's queue, through the client protocol.
    Client,
}

impl EventSource {
    pub fn as_str(self) -> &'static str {
        match self {
            EventSource::DataStreamer => "datastreamer",
            EventSource::Client => "client",
        }
    }

    pub fn parse(text: &str) -> Option<EventSource> {
        [EventSource::DataStreamer, EventSource::Client].into_iter().find(|s| s.as_str() == text)
    }
}

/// A usage event as stored. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// The client's ID of the event (32 hex characters), or one the server drew.
    pub event_id: String,
    /// '' when a DataStreamer event names no product.
    pub product_id: String,
    pub name: String,
    /// The payload as compact JSON text ('' for none).
    pub payload: String,
    pub source: EventSource,
    /// The computer and code of a client's event ('' for DataStreamer's).
    pub computer_id: String,
    pub license_code: String,
    /// When it happened (by the client's clock for a client's event).
    pub occurred: i64,
    pub received: i64,
}

/// One event of a client's batch, checked at decoding. `time` in Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientEvent {
    pub event_id: String,
    pub name: String,
    pub time: i64,
    pub payload: String,
}

/// The filters of `GET Events` and `events export`; times in Unix milliseconds, inclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    pub product_id: Option<String>,
    pub name: Option<String>,
    pub start: Option<i64>,
    pub end: Option<i64>,
}

/// A group or group user named by its ID or by its name (the seed's "either groupid or
/// groupname" inputs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Id(i64),
    Name(String),
}

/// A group's type: a master group holds standard groups (its subgroups); a standard group
/// may belong to one master group. Two levels only, so the tree never has a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupType {
    Master,
    Standard,
}

impl GroupType {
    /// Input words (any case), in the order of [`GroupType::ALL`].
    pub const WORDS: [&'static str; 2] = ["master", "standard"];
    pub const ALL: [GroupType; 2] = [GroupType::Master, GroupType::Standard];

    /// The name stored and shown.
    pub fn name(self) -> &'static str {
        match self {
            GroupType::Master => "Master",
            GroupType::Standard => "Standard",
        }
    }

    pub fn from_name(name: &str) -> Option<GroupType> {
        GroupType::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// A group of users (account-based licensing), with what `GET Group` shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserGroup {
    pub id: i64,
    pub group_type: GroupType,
    /// 0 = none.
    pub master_group_id: i64,
    pub name: String,
    pub description: String,
    /// 0 = none.
    pub company_id: i64,
    pub created: i64,
    pub modified: i64,
    pub licenses: Vec<GroupLicense>,
    pub users: Vec<GroupUser>,
    /// (ID, name) of the standard groups whose master this is.
    pub subgroups: Vec<(i64, String)>,
}

/// A group to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUserGroup {
    pub name: String,
    pub group_type: GroupType,
    pub description: String,
    /// 0 = none.
    pub master_group_id: i64,
    /// 0 = none.
    pub company_id: i64,
}

/// A `PUT Group`: `None` leaves a field as it is; 0 removes the master group or company.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserGroupPatch {
    pub name: Option<String>,
    pub group_type: Option<GroupType>,
    pub description: Option<String>,
    pub master_group_id: Option<i64>,
    pub company_id: Option<i64>,
}

/// A license code assigned to a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupLicense {
    pub group_id: i64,
    pub product_id: String,
    pub code: String,
    /// How many computers each of the group's users may activate the code on (beyond the
    /// seed: `computersperuser`, 1 unless given).
    pub computers_per_user: i64,
    /// When it was assigned.
    pub created: i64,
}

/// `POST GroupLicenseCode`: the code is assigned to the group and, when given, to a company
/// and a profile (0 = none) as `PUT LicenseCode` would, in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCodeAssignment {
    pub group_id: i64,
    pub product_id: String,
    pub code: String,
    pub computers_per_user: i64,
    pub company_id: Option<i64>,
    pub profile_id: Option<i64>,
}

/// A group user as `GET GroupUser` shows it; never its password or hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupUser {
    pub id: i64,
    pub group_id: i64,
    pub username: String,
    pub details: UserDetails,
    /// Consecutive failed logins since the last success or password change.
    pub failed_logins: i64,
    /// While set and in the future, every login is refused (Unix milliseconds).
    pub locked_until: Option<i64>,
    pub created: i64,
    pub modified: i64,
}

/// What a group user's record says about the person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserDetails {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub telephone: String,
    /// Compact JSON object text.
    pub additional_data: String,
}

/// A group user to create. The password arrives hashed (`crate::passwords`): hashing is
/// CPU-heavy and never runs inside a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroupUser {
    pub group_id: i64,
    pub username: String,
    pub password_hash: String,
    pub details: UserDetails,
}

/// A `PUT GroupUser`: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupUserPatch {
    pub group_id: i64,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub telephone: Option<String>,
    pub additional_data: Option<String>,
}

/// `POST GroupUserLicense`: a standard group, its user and a license code assigned to it,
/// created in one transaction (any refusal writes nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroupUserLicense {
    pub group_name: String,
    pub product_id: String,
    pub code: String,
    pub computers_per_user: i64,
    /// `group_id` is ignored: the group is the new one.
    pub user: NewGroupUser,
}

/// A group user whose username and password were accepted
/// ([`crate::store::Store::authenticate_user`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedUser {
    pub group_user_id: i64,
    pub group_id: i64,
    pub username: String,
    /// (product ID, license code) of every code the user may use: those assigned to the
    /// user's group, then, for a standard group under a master group, those assigned to the
    /// master group (a master group holds the licenses its subgroups share; a master group's
    /// users do not get its subgroups' codes). Oldest assignment first in each.
    pub licenses: Vec<GroupLicense>,
}

/// Why a login was refused ([`crate::store::Store::authenticate_user`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefusal {
    /// The username is unknown or the password wrong: one answer for both, so usernames
    /// cannot be told apart from the answer (nor by its timing: an unknown username costs
    /// one verification too).
    WrongCredentials,
    /// [`LOGIN_BACKOFF_AFTER`] or more consecutive failures and the back-off window after
    /// the last one is still running: refused without checking the password.
    SlowDown { retry_after_secs: i64 },
    /// [`LOGIN_LOCK_AFTER`] or more consecutive failures: locked until then (Unix
    /// milliseconds), refused even with the right password, until a new password is set.
    Locked { until: i64 },
}

/// Consecutive failed logins after which each further attempt waits out a back-off window.
pub const LOGIN_BACKOFF_AFTER: i64 = 5;
/// Consecutive failed logins after which the user is locked for [`LOGIN_LOCK_MILLIS`].
pub const LOGIN_LOCK_AFTER: i64 = 10;
/// How long a lock lasts: 15 minutes.
pub const LOGIN_LOCK_MILLIS: i64 = 15 * 60 * 1000;
/// The longest back-off window: 60 seconds.
const LOGIN_BACKOFF_MAX_SECS: i64 = 60;

/// The back-off window after `failures` consecutive failures, in seconds: none below
/// [`LOGIN_BACKOFF_AFTER`], then 1 s doubling with each further failure, at most 60 s.
pub fn login_backoff_secs(failures: i64) -> i64 {
    if failures < LOGIN_BACKOFF_AFTER {
        return 0;
    }
    let doublings = (failures - LOGIN_BACKOFF_AFTER).min(6) as u32;
    (1i64 << doublings).min(LOGIN_BACKOFF_MAX_SECS)
}

/// Whether a login may be tried now by a user with this record of failures (`last_failure`
/// and `locked_until` in Unix milliseconds), or why not.
pub fn login_allowed(
    failures: i64,
    last_failure: Option<i64>,
    locked_until: Option<i64>,
    now: i64,
) -> Result<(), LoginRefusal> {
    if let Some(until) = locked_until.filter(|&until| until > now) {
        return Err(LoginRefusal::Locked { until });
    }
    let window_end = last_failure.unwrap_or(i64::MIN).saturating_add(login_backoff_secs(failures) * 1000);
    if failures >= LOGIN_BACKOFF_AFTER && window_end > now {
        // Rounded up: retrying after that many seconds is never refused again for this.
        return Err(LoginRefusal::SlowDown { retry_after_secs: (window_end - now + 999) / 1000 });
    }
    Ok(())
}

/// The kinds of Web API key the seed defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    ReadOnly,
    ReadWrite,
    Offline,
    Ds,
}

impl KeyKind {
    pub const ALL: [KeyKind; 4] = [KeyKind::ReadOnly, KeyKind::ReadWrite, KeyKind::Offline, KeyKind::Ds];

    /// The stored and printed name (`read_only`, …), as in `init --json`.
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::ReadOnly => "read_only",
            KeyKind::ReadWrite => "read_write",
            KeyKind::Offline => "offline",
            KeyKind::Ds => "ds",
        }
    }

    pub fn from_name(name: &str) -> Option<KeyKind> {
        let name = name.replace('-', "_");
        KeyKind::ALL.into_iter().find(|k| k.name().eq_ignore_ascii_case(&name))
    }
}

/// An API key as `keys list` shows it (never the key itself: only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKeyInfo {
    pub id: i64,
    pub kind: KeyKind,
    /// The first characters, so a person can tell keys apart.
    pub prefix: String,
    pub created: i64,
    pub revoked: Option<i64>,
}

/// Formats an optional date for output (`null` when unset).
pub fn date_or_null(t: Option<i64>) -> Option<String> {
    t.map(datetime::format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_back_off_then_lock() {
        assert_eq!(
            (0..=12).map(login_backoff_secs).collect::<Vec<_>>(),
            [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]
        );
        assert_eq!(login_backoff_secs(i64::MAX), 60);
        let now = 1_000_000;
        assert_eq!(login_allowed(4, Some(now), None, now), Ok(()));
        assert_eq!(
            login_allowed(5, Some(now - 1), None, now),
            Err(LoginRefusal::SlowDown { retry_after_secs: 1 })
        );
        assert_eq!(login_allowed(5, Some(now - 1000), None, now), Ok(()));
        assert_eq!(
            login_allowed(7, Some(now - 1500), None, now),
            Err(LoginRefusal::SlowDown { retry_after_secs: 3 })
        );
        assert_eq!(
            login_allowed(10, Some(now), Some(now + 1), now),
            Err(LoginRefusal::Locked { until: now + 1 })
        );
        // A lock that has run out leaves the back-off.
        assert_eq!(login_allowed(10, Some(now - LOGIN_LOCK_MILLIS), Some(now), now), Ok(()));
        assert_eq!(login_allowed(0, None, None, now), Ok(()));
    }

    #[test]
    fn subscription_rules_follow_the_seed() {
        use LicenseType::*;
        // Creating: a subscription needs 1..=5000 days, an expiration date needs a date.
        assert!(subscription_rules(None, Some(SubscriptionPeriod), None, None).is_err());
        assert_eq!(
            subscription_rules(None, Some(SubscriptionPeriod), Some(100), None),
            Ok((SubscriptionPeriod, 100, None))
        );
        assert!(subscription_rules(None, Some(ExpirationDate), None, None).is_err());
        // Updating: period or end date without licensetype is refused.
        let before = Some((Perpetual, 0, None));
        assert!(subscription_rules(before, None, Some(10), None).is_err());
        assert!(subscription_rules(before, None, None, Some(Some(5))).is_err());
        // Changing to a subscription: 1..=5000; extending one: 1..=1000.
        assert!(subscription_rules(before, Some(SubscriptionPeriod), Some(5001), None).is_err());
        assert!(subscription_rules(before, Some(SubscriptionPeriod), Some(5000), None).is_ok());
        let sub = Some((SubscriptionPeriod, 30, None));
        assert!(subscription_rules(sub, Some(SubscriptionPeriod), Some(1001), None).is_err());
        assert_eq!(
            subscription_rules(sub, Some(SubscriptionPeriod), Some(60), None),
            Ok((SubscriptionPeriod, 60, None))
        );
        // 'reset' is refused for an expiration-date license.
        let exp = Some((ExpirationDate, 0, Some(1)));
        assert!(subscription_rules(exp, Some(ExpirationDate), None, Some(None)).is_err());
        assert_eq!(subscription_rules(exp, Some(Perpetual), None, Some(None)), Ok((Perpetual, 0, None)));
    }
}
