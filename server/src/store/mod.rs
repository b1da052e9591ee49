//! The storage layer: one trait the handlers call, with SQLite as the embedded backend and
//! PostgreSQL for several server processes on one database.
//!
//! Handlers see only [`Store`] and the domain types of [`model`], never SQL. Both backends
//! run the same queries (`queries/`, compiled into each with its own connection type). The
//! methods are blocking: the server calls them from tokio's blocking pool. Every method that
//! writes several rows does so in one transaction, and every check that depends on stored
//! data (does this feature exist, is this name taken) runs inside that transaction, so a
//! refused request writes nothing.

pub mod dashboard;
pub mod leasing;
pub mod model;
pub mod operations;
pub mod postgres;
pub mod sqlite;

use licensekit::protocol::client_api::LeaseResponse;

use dashboard::{CodeRow, CodeSearch, EventCount, Holding, NewSession, Session};
use leasing::{ClientCall, NewPassive, OfflineDeactivation, PassiveSigner, Refusal, Signer};
use model::*;
use operations::{AuditEntry, NewAuditEntry, StoreFigures};

/// Why a storage call failed. Messages name the request field concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// Something the request names does not exist (404).
    NotFound(String),
    /// The request collides with stored data: a duplicate name or code (409).
    Conflict(String),
    /// The request is inconsistent with stored data (400).
    Invalid(String),
    /// The database failed (500).
    Internal(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the server stores. See the module documentation.
pub trait Store: Send + Sync {
    /// Whether a short read may run on the server's async threads instead of the blocking
    /// pool: true where it is microseconds on a local file (SQLite), where the hop to the pool
    /// cost more than the read; false where it waits on a network (PostgreSQL).
    fn reads_in_place(&self) -> bool;

    // --- setup and API keys ---
    /// The customer ID of this installation (the first half of every bearer token).
    fn customer_id(&self) -> StoreResult<String>;
    /// Records the customer ID at `init`; `Conflict` if one is already set.
    fn set_customer_id(&self, customer_id: &str) -> StoreResult<()>;
    /// The kind of the live (unrevoked) key whose SHA-256 is `key_hash`.
    fn key_kind(&self, key_hash: &[u8; 32]) -> StoreResult<Option<KeyKind>>;
    /// Stores a key by its hash; returns its ID.
    fn add_key(&self, kind: KeyKind, key_hash: &[u8; 32], prefix: &str) -> StoreResult<i64>;
    fn list_keys(&self) -> StoreResult<Vec<ApiKeyInfo>>;
    /// Revokes a key; `NotFound` if there is no such live key.
    fn revoke_key(&self, id: i64) -> StoreResult<()>;

    // --- products ---
    fn products(&self) -> StoreResult<Vec<Product>>;
    fn product(&self, product_id: &str) -> StoreResult<Product>;
    /// Creates a product; returns its new ID.
    fn create_product(&self, product: &NewProduct) -> StoreResult<String>;
    fn update_product(&self, product_id: &str, patch: &ProductPatch) -> StoreResult<()>;
    fn create_groups(&self, product_id: &str, groups: &[NewGroup]) -> StoreResult<()>;
    fn update_groups(&self, product_id: &str, groups: &[GroupPatch]) -> StoreResult<()>;
    /// Deletes a group; its features move to the Default group.
    fn delete_group(&self, product_id: &str, name: &str) -> StoreResult<()>;
    fn create_features(&self, product_id: &str, features: &[NewFeature]) -> StoreResult<()>;
    fn update_features(&self, product_id: &str, features: &[FeaturePatch]) -> StoreResult<()>;
    fn delete_feature(&self, product_id: &str, code: &str) -> StoreResult<()>;
    fn create_udfs(&self, product_id: &str, udfs: &[UdfSetting]) -> StoreResult<()>;
    fn update_udfs(&self, product_id: &str, udfs: &[UdfPatch]) -> StoreResult<()>;
    fn delete_udf(&self, product_id: &str, name: &str) -> StoreResult<()>;

    // --- profiles ---
    fn profile(&self, product_id: &str, name: &str) -> StoreResult<Profile>;
    fn count_profiles(&self, product_id: Option<&str>) -> StoreResult<i64>;
    fn profiles(&self, product_id: Option<&str>, page: Page) -> StoreResult<Vec<Profile>>;
    fn create_profile(&self, product_id: &str, name: &str, change: &ProfileChange) -> StoreResult<()>;
    /// Updates a profile; with `inherit`, the codes in it take the changed settings too.
    fn update_profile(
        &self,
        product_id: &str,
        name: &str,
        change: &ProfileChange,
        inherit: bool,
    ) -> StoreResult<()>;

    // --- license codes ---
    /// The code, in its product or (with no product) wherever it is.
    fn license_code(
        &self,
        code: &str,
        product_id: Option<&str>,
        with_notes: bool,
    ) -> StoreResult<Vec<LicenseCode>>;
    fn count_codes(&self, filter: &CodeFilter) -> StoreResult<i64>;
    fn license_codes(&self, filter: &CodeFilter, page: Page) -> StoreResult<Vec<LicenseCode>>;
    /// Allocates or imports codes; returns the generated codes (empty for an import).
    fn create_codes(&self, request: &NewCodes) -> StoreResult<Vec<String>>;
    fn update_code(&self, product_id: &str, code: &str, change: &CodeChange) -> StoreResult<()>;
    /// Creates a network master license's code (see [`NewNetworkMaster`]) in one transaction;
    /// returns it.
    fn create_network_master(&self, request: &NewNetworkMaster) -> StoreResult<String>;
    /// Takes up to `amount` unused codes not yet handed out, and marks them handed out.
    fn next_codes(&self, product_id: &str, profile: Option<&str>, amount: i64) -> StoreResult<Vec<String>>;

    // --- notes ---
    fn notes(&self, product_id: &str, code: &str) -> StoreResult<Vec<Note>>;
    /// Adds a note; returns its ID.
    fn add_note(&self, product_id: &str, code: &str, note_type: &str, description: &str) -> StoreResult<i64>;
    fn update_note(
        &self,
        product_id: &str,
        code: &str,
        id: i64,
        note_type: Option<&str>,
        description: Option<&str>,
    ) -> StoreResult<()>;
    /// Deletes one note, or all of the code's notes when `id` is `None`; returns how many.
    fn delete_notes(&self, product_id: &str, code: &str, id: Option<i64>) -> StoreResult<i64>;

    // --- activity, system details, trials (filled by the client protocol) ---
    /// (product ID, code) of the current activations of a computer.
    fn activated_codes(&self, computer_id: &str) -> StoreResult<Vec<(String, String)>>;
    fn activity(
        &self,
        product_id: &str,
        code: &str,
        only_active: bool,
        with_system: bool,
    ) -> StoreResult<Vec<Activation>>;
    /// Marks every current activation of the code returned; returns how many.
    fn return_activity(&self, product_id: &str, code: &str) -> StoreResult<i64>;
    /// Deletes the code's activity (of one computer, or all); returns how many records. The
    /// installation keys of deleted activations are remembered, so those computers learn at
    /// their next refresh, in a signed lease, that they are deactivated.
    fn delete_activity(&self, product_id: &str, code: &str, computer_id: Option<&str>) -> StoreResult<i64>;
    /// The system details object (compact JSON text) last uploaded by a computer.
    fn system_details(&self, product_id: &str, computer_id: &str) -> StoreResult<Option<String>>;
    fn trial(&self, product_id: &str, computer_id: &str) -> StoreResult<Option<Trial>>;
    fn delete_trial(&self, product_id: &str, computer_id: &str) -> StoreResult<()>;
    fn count_trials(&self, filter: &TrialFilter) -> StoreResult<i64>;
    fn trials(&self, filter: &TrialFilter, page: Page) -> StoreResult<Vec<Trial>>;

    // --- the client protocol ---
    /// Runs one verified client call in one transaction: a repeated request ID gets the
    /// stored answer; otherwise the operation's rules apply, `sign` turns the grant into a
    /// lease or seat lease, and the answer (with the elements or tokens remaining) is stored
    /// under the request ID. `Ok(Err(_))` is a refusal (nothing written); an answer with
    /// nothing in it is a call that grants nothing (system details, check-in).
    fn client_call(&self, call: &ClientCall, sign: Signer<'_>)
    -> StoreResult<Result<LeaseResponse, Refusal>>;
    /// Applies a deactivation certificate whose signature by its installation key was
    /// checked, in one transaction: the seat is freed, or the refusal says why not.
    fn offline_deactivate(&self, deactivation: &OfflineDeactivation) -> StoreResult<Result<(), Refusal>>;
    /// Creates a passive license in one transaction: `sign` turns the grant (with a new
    /// serial) into the license text, which is recorded and returned.
    fn create_passive(&self, request: &NewPassive, sign: PassiveSigner<'_>) -> StoreResult<String>;

    // --- companies and consumers ---
    fn company(&self, id: i64, product_id: Option<&str>) -> StoreResult<Company>;
    fn company_by_name(&self, name: &str, product_id: Option<&str>) -> StoreResult<Company>;
    fn companies(&self) -> StoreResult<Vec<Company>>;
    /// Creates a company; returns its ID.
    fn create_company(&self, product_id: &str, change: &CompanyChange) -> StoreResult<i64>;
    fn update_company(&self, id: i64, product_id: &str, change: &CompanyChange) -> StoreResult<()>;
    /// Deletes a company; its license codes keep working without one.
    fn delete_company(&self, id: i64) -> StoreResult<()>;
    fn add_consumer(&self, record: &ConsumerRecord) -> StoreResult<()>;
    fn count_consumers(&self, filter: &ConsumerFilter) -> StoreResult<i64>;
    fn consumers(&self, filter: &ConsumerFilter, page: Page) -> StoreResult<Vec<ConsumerRecord>>;

    // --- usage events ---
    /// Records a DataStreamer event (clients' events arrive through [`Store::client_call`]).
    fn add_event(&self, record: &EventRecord) -> StoreResult<()>;
    fn count_events(&self, filter: &EventFilter) -> StoreResult<i64>;
    /// One page of events, oldest first.
    fn events(&self, filter: &EventFilter, page: Page) -> StoreResult<Vec<EventRecord>>;
    // --- groups, group users and account-based licensing ---
    /// A group with its license codes, users and subgroups.
    fn user_group(&self, group: &Lookup) -> StoreResult<UserGroup>;
    /// Creates a group; returns its ID. Names are unique (any case): `Conflict`.
    fn create_user_group(&self, group: &NewUserGroup) -> StoreResult<i64>;
    fn update_user_group(&self, id: i64, patch: &UserGroupPatch) -> StoreResult<()>;
    /// Deletes a group, its users and its license assignments in one transaction; its
    /// subgroups lose their master group.
    fn delete_user_group(&self, group: &Lookup) -> StoreResult<()>;
    fn group_user(&self, user: &Lookup) -> StoreResult<GroupUser>;
    /// Creates a group user; returns its ID. Usernames are unique (any case): `Conflict`.
    fn create_group_user(&self, user: &NewGroupUser) -> StoreResult<i64>;
    fn update_group_user(&self, id: i64, patch: &GroupUserPatch) -> StoreResult<()>;
    fn delete_group_user(&self, id: i64) -> StoreResult<()>;
    /// Replaces a user's password hash and clears its failed logins and any lock.
    fn set_group_user_password(&self, username: &str, password_hash: &str) -> StoreResult<()>;
    /// The group a code of a product is assigned to.
    fn group_license(&self, product_id: &str, code: &str) -> StoreResult<GroupLicense>;
    /// Assigns a code to a group (`Conflict` when it is assigned to one already) and, in
    /// the same transaction, to the company and profile the request names.
    fn assign_group_license(&self, assignment: &GroupCodeAssignment) -> StoreResult<()>;
    fn unassign_group_license(&self, group_id: i64, product_id: &str, code: &str) -> StoreResult<()>;
    /// Creates a standard group, its user and the code's assignment in one transaction;
    /// returns the group's and the user's IDs.
    fn create_group_user_license(&self, request: &NewGroupUserLicense) -> StoreResult<(i64, i64)>;
    /// Checks a group user's username and password at `now` (Unix milliseconds, the
    /// server's clock): the Web API's `AuthenticateUser` and account-based activation both
    /// log in through it. `username` matches without regard to case; usernames are stored as
    /// the Web API reads text fields, with surrounding white space trimmed, and `password`
    /// is taken exactly as given.
    ///
    /// - Unknown username or wrong password: `WrongCredentials`, alike, and at the same cost
    ///   (an unknown username is verified against a dummy hash).
    /// - After [`LOGIN_BACKOFF_AFTER`] consecutive failures, an attempt within the back-off
    ///   window ([`login_backoff_secs`]: 1 s doubling to 60 s, from the last failure) is
    ///   `SlowDown`, refused without checking the password; after [`LOGIN_LOCK_AFTER`] the
    ///   user is `Locked` for [`LOGIN_LOCK_MILLIS`], even with the right password. A failure
    ///   after a lock has run out locks again; a success, or a new password
    ///   ([`Store::set_group_user_password`]), clears the record.
    /// - The state is in the database, so it holds across processes and restarts.
    ///
    /// The password is checked (Argon2id, tens of milliseconds) outside any transaction:
    /// one short transaction counts the attempt as a failure before the check (so parallel
    /// guesses cannot all slip through one back-off window), a second one, on success,
    /// clears the record and reads the user's licenses (see [`AuthenticatedUser`]).
    fn authenticate_user(
        &self,
        username: &str,
        password: &str,
        now: i64,
    ) -> StoreResult<Result<AuthenticatedUser, LoginRefusal>>;

    // --- operations ---
    /// The figures of [`StoreFigures`] (`now`: for what has expired), read with one query
    /// through the pool, so that an answer proves the database reachable (`/readyz`).
    fn figures(&self, now: i64) -> StoreResult<StoreFigures>;
    /// Appends a vendor change to the audit trail; returns its ID.
    fn record_audit(&self, entry: &NewAuditEntry) -> StoreResult<i64>;
    /// The number of audit entries, and one page of them, newest first.
    fn audit(&self, page: Page) -> StoreResult<(i64, Vec<AuditEntry>)>;

    /// Opens a dashboard session, dropping those last seen before `stale`.
    fn open_session(&self, session: &NewSession, stale: i64) -> StoreResult<()>;
    /// The dashboard session `id_hash` unless last seen before `stale`, now seen at `now`;
    /// its flash message is handed over once.
    fn session(&self, id_hash: &[u8; 32], now: i64, stale: i64) -> StoreResult<Option<Session>>;
    fn set_session_flash(&self, id_hash: &[u8; 32], flash: &str) -> StoreResult<()>;
    fn close_session(&self, id_hash: &[u8; 32]) -> StoreResult<()>;
    /// The dashboard's code list: how many codes match, and the page asked for.
    fn search_codes(&self, search: &CodeSearch) -> StoreResult<(i64, Vec<CodeRow>)>;
    /// Events since `start` counted by name per `bucket` milliseconds.
    fn event_counts(&self, product_id: Option<&str>, start: i64, bucket: i64)
    -> StoreResult<Vec<EventCount>>;
    /// When each computer that activated `code` was last heard from, by computer ID.
    fn contacts(&self, code: &str) -> StoreResult<Vec<(String, i64)>>;
    /// What of a code's capacity is held at `now`, and by whom.
    fn holdings(&self, code: &str, now: i64) -> StoreResult<Vec<Holding>>;
}
