//! The queries behind every [`Store`] method, written once for both backends.
//!
//! Each backend compiles this module as its own child (`#[path]`), with its own `db` module
//! in scope: SQLite's is rusqlite itself, PostgreSQL's a thin layer with the same calls over
//! tokio-postgres (`store/postgres/db.rs`). So a rule, a refusal or a transaction boundary
//! is written in one place and both backends keep the same semantics; the SQL is the common
//! dialect of the two (`IS NOT DISTINCT FROM`, `ON CONFLICT (...) DO ...`, `RETURNING`), and
//! what differs (the schema, the lease serial, how a transaction is opened and retried)
//! lives in each backend's own files.
//!
//! The backend (`super::Backend`) provides `read` (a connection outside any transaction),
//! `write` (one transaction, committed when the closure succeeds) and `write_or_refuse`
//! (committed on a grant or a recorded refusal only).

mod activity;
pub(super) mod admin;
mod client;
mod codes;
mod companies;
mod consumers;
mod dashboard;
mod events;
mod groups;
mod licensing;
mod operations;
mod passive;
mod products;
mod profiles;

use licensekit::protocol::client_api::LeaseResponse;

use super::Backend;
use super::db::{self, Connection};
use crate::passwords;
use crate::store::dashboard::{CodeRow, CodeSearch, EventCount, Holding, NewSession, Session};
use crate::store::leasing::{ClientCall, NewPassive, OfflineDeactivation, PassiveSigner, Refusal, Signer};
use crate::store::model::*;
use crate::store::operations::{AuditEntry, NewAuditEntry, StoreFigures};
use crate::store::{Store, StoreError, StoreResult};

/// A WHERE clause built from optional filters, with numbered parameters.
#[derive(Debug, Default)]
struct Where {
    conditions: Vec<String>,
    values: Vec<db::Value>,
}

impl Where {
    /// Adds a condition with one `?` parameter.
    fn bind(&mut self, sql: &str, value: impl Into<db::Value>) {
        self.values.push(value.into());
        self.conditions.push(sql.replace('?', &format!("?{}", self.values.len())));
    }

    /// Adds a condition without parameters.
    fn raw(&mut self, sql: impl Into<String>) {
        self.conditions.push(sql.into());
    }

    /// The conditions joined with AND, and their values; `1 = 1` when there is none.
    fn finish(self) -> (String, Vec<db::Value>) {
        let sql = if self.conditions.is_empty() { "1 = 1".to_owned() } else { self.conditions.join(" AND ") };
        (sql, self.values)
    }
}

/// `NotFound` for a missing product, naming the field.
fn product_must_exist(conn: &Connection, product_id: &str) -> StoreResult<()> {
    let found = conn.prepare_cached("SELECT 1 FROM products WHERE id = ?1")?.exists([product_id])?;
    if found {
        Ok(())
    } else {
        Err(StoreError::NotFound(format!("productid: product {product_id} not found")))
    }
}

impl Store for Backend {
    fn reads_in_place(&self) -> bool {
        Backend::READS_IN_PLACE
    }
    fn customer_id(&self) -> StoreResult<String> {
        self.read(admin::customer_id)
    }
    fn set_customer_id(&self, customer_id: &str) -> StoreResult<()> {
        self.write(|t| admin::set_customer_id(t, customer_id))
    }
    fn key_kind(&self, key_hash: &[u8; 32]) -> StoreResult<Option<KeyKind>> {
        self.read(|c| admin::key_kind(c, key_hash))
    }
    fn add_key(&self, kind: KeyKind, key_hash: &[u8; 32], prefix: &str) -> StoreResult<i64> {
        self.write(|t| admin::add_key(t, kind, key_hash, prefix))
    }
    fn list_keys(&self) -> StoreResult<Vec<ApiKeyInfo>> {
        self.read(admin::list_keys)
    }
    fn revoke_key(&self, id: i64) -> StoreResult<()> {
        self.write(|t| admin::revoke_key(t, id))
    }

    fn products(&self) -> StoreResult<Vec<Product>> {
        self.read(products::all)
    }
    fn product(&self, product_id: &str) -> StoreResult<Product> {
        self.read(|c| products::load(c, product_id))
    }
    fn create_product(&self, product: &NewProduct) -> StoreResult<String> {
        self.write(|t| products::create(t, product))
    }
    fn update_product(&self, product_id: &str, patch: &ProductPatch) -> StoreResult<()> {
        self.write(|t| products::update(t, product_id, patch))
    }
    fn create_groups(&self, product_id: &str, groups: &[NewGroup]) -> StoreResult<()> {
        self.write(|t| {
            product_must_exist(t, product_id)?;
            products::create_groups(t, product_id, groups)
        })
    }
    fn update_groups(&self, product_id: &str, groups: &[GroupPatch]) -> StoreResult<()> {
        self.write(|t| products::update_groups(t, product_id, groups))
    }
    fn delete_group(&self, product_id: &str, name: &str) -> StoreResult<()> {
        self.write(|t| products::delete_group(t, product_id, name))
    }
    fn create_features(&self, product_id: &str, features: &[NewFeature]) -> StoreResult<()> {
        self.write(|t| {
            product_must_exist(t, product_id)?;
            products::create_features(t, product_id, features)
        })
    }
    fn update_features(&self, product_id: &str, features: &[FeaturePatch]) -> StoreResult<()> {
        self.write(|t| products::update_features(t, product_id, features))
    }
    fn delete_feature(&self, product_id: &str, code: &str) -> StoreResult<()> {
        self.write(|t| products::delete_feature(t, product_id, code))
    }
    fn create_udfs(&self, product_id: &str, udfs: &[UdfSetting]) -> StoreResult<()> {
        self.write(|t| {
            product_must_exist(t, product_id)?;
            products::create_udfs(t, product_id, udfs)
        })
    }
    fn update_udfs(&self, product_id: &str, udfs: &[UdfPatch]) -> StoreResult<()> {
        self.write(|t| products::update_udfs(t, product_id, udfs))
    }
    fn delete_udf(&self, product_id: &str, name: &str) -> StoreResult<()> {
        self.write(|t| products::delete_udf(t, product_id, name))
    }

    fn profile(&self, product_id: &str, name: &str) -> StoreResult<Profile> {
        self.read(|c| profiles::load(c, product_id, name))
    }
    fn count_profiles(&self, product_id: Option<&str>) -> StoreResult<i64> {
        self.read(|c| profiles::count(c, product_id))
    }
    fn profiles(&self, product_id: Option<&str>, page: Page) -> StoreResult<Vec<Profile>> {
        self.read(|c| profiles::page(c, product_id, page))
    }
    fn create_profile(&self, product_id: &str, name: &str, change: &ProfileChange) -> StoreResult<()> {
        self.write(|t| profiles::create(t, product_id, name, change))
    }
    fn update_profile(
        &self,
        product_id: &str,
        name: &str,
        change: &ProfileChange,
        inherit: bool,
    ) -> StoreResult<()> {
        self.write(|t| profiles::update(t, product_id, name, change, inherit))
    }

    fn license_code(
        &self,
        code: &str,
        product_id: Option<&str>,
        with_notes: bool,
    ) -> StoreResult<Vec<LicenseCode>> {
        self.read(|c| codes::find(c, code, product_id, with_notes))
    }
    fn count_codes(&self, filter: &CodeFilter) -> StoreResult<i64> {
        self.read(|c| codes::count(c, filter))
    }
    fn license_codes(&self, filter: &CodeFilter, page: Page) -> StoreResult<Vec<LicenseCode>> {
        self.read(|c| codes::page(c, filter, page))
    }
    fn create_codes(&self, request: &NewCodes) -> StoreResult<Vec<String>> {
        self.write(|t| codes::create(t, request))
    }
    fn update_code(&self, product_id: &str, code: &str, change: &CodeChange) -> StoreResult<()> {
        self.write(|t| codes::update(t, product_id, code, change))
    }
    fn create_network_master(&self, request: &NewNetworkMaster) -> StoreResult<String> {
        self.write(|t| codes::create_network_master(t, request))
    }
    fn next_codes(&self, product_id: &str, profile: Option<&str>, amount: i64) -> StoreResult<Vec<String>> {
        self.write(|t| codes::next(t, product_id, profile, amount))
    }

    fn notes(&self, product_id: &str, code: &str) -> StoreResult<Vec<Note>> {
        self.read(|c| {
            codes::must_exist(c, product_id, code)?;
            codes::notes(c, code)
        })
    }
    fn add_note(&self, product_id: &str, code: &str, note_type: &str, description: &str) -> StoreResult<i64> {
        self.write(|t| {
            codes::must_exist(t, product_id, code)?;
            codes::add_note(t, code, note_type, description)
        })
    }
    fn update_note(
        &self,
        product_id: &str,
        code: &str,
        id: i64,
        note_type: Option<&str>,
        description: Option<&str>,
    ) -> StoreResult<()> {
        self.write(|t| codes::update_note(t, product_id, code, id, note_type, description))
    }
    fn delete_notes(&self, product_id: &str, code: &str, id: Option<i64>) -> StoreResult<i64> {
        self.write(|t| codes::delete_notes(t, product_id, code, id))
    }

    fn activated_codes(&self, computer_id: &str) -> StoreResult<Vec<(String, String)>> {
        self.read(|c| activity::activated_codes(c, computer_id))
    }
    fn activity(
        &self,
        product_id: &str,
        code: &str,
        only_active: bool,
        with_system: bool,
    ) -> StoreResult<Vec<Activation>> {
        self.read(|c| activity::activity(c, product_id, code, only_active, with_system))
    }
    fn return_activity(&self, product_id: &str, code: &str) -> StoreResult<i64> {
        self.write(|t| activity::return_all(t, product_id, code))
    }
    fn delete_activity(&self, product_id: &str, code: &str, computer_id: Option<&str>) -> StoreResult<i64> {
        self.write(|t| activity::delete(t, product_id, code, computer_id))
    }
    fn system_details(&self, product_id: &str, computer_id: &str) -> StoreResult<Option<String>> {
        self.read(|c| activity::system_details(c, product_id, computer_id))
    }
    fn trial(&self, product_id: &str, computer_id: &str) -> StoreResult<Option<Trial>> {
        self.read(|c| activity::trial(c, product_id, computer_id))
    }
    fn delete_trial(&self, product_id: &str, computer_id: &str) -> StoreResult<()> {
        self.write(|t| activity::delete_trial(t, product_id, computer_id))
    }
    fn count_trials(&self, filter: &TrialFilter) -> StoreResult<i64> {
        self.read(|c| activity::count_trials(c, filter))
    }
    fn trials(&self, filter: &TrialFilter, page: Page) -> StoreResult<Vec<Trial>> {
        self.read(|c| activity::trials(c, filter, page))
    }

    fn client_call(
        &self,
        call: &ClientCall,
        sign: Signer<'_>,
    ) -> StoreResult<Result<LeaseResponse, Refusal>> {
        self.write_or_refuse(&client::holding(call), |t| client::call(t, call, sign))
    }
    fn offline_deactivate(&self, deactivation: &OfflineDeactivation) -> StoreResult<Result<(), Refusal>> {
        self.write_or_refuse(&format!("code {}", deactivation.license_code), |t| {
            client::deactivate_offline(t, deactivation)
        })
    }
    fn create_passive(&self, request: &NewPassive, sign: PassiveSigner<'_>) -> StoreResult<String> {
        self.write(|t| passive::create(t, request, sign))
    }

    fn company(&self, id: i64, product_id: Option<&str>) -> StoreResult<Company> {
        self.read(|c| companies::by_id(c, id, product_id))
    }
    fn company_by_name(&self, name: &str, product_id: Option<&str>) -> StoreResult<Company> {
        self.read(|c| companies::by_name(c, name, product_id))
    }
    fn companies(&self) -> StoreResult<Vec<Company>> {
        self.read(companies::all)
    }
    fn create_company(&self, product_id: &str, change: &CompanyChange) -> StoreResult<i64> {
        self.write(|t| companies::create(t, product_id, change))
    }
    fn update_company(&self, id: i64, product_id: &str, change: &CompanyChange) -> StoreResult<()> {
        self.write(|t| companies::update(t, id, product_id, change))
    }
    fn delete_company(&self, id: i64) -> StoreResult<()> {
        self.write(|t| companies::delete(t, id))
    }
    fn add_consumer(&self, record: &ConsumerRecord) -> StoreResult<()> {
        self.write(|t| consumers::add(t, record))
    }
    fn count_consumers(&self, filter: &ConsumerFilter) -> StoreResult<i64> {
        self.read(|c| consumers::count(c, filter))
    }
    fn consumers(&self, filter: &ConsumerFilter, page: Page) -> StoreResult<Vec<ConsumerRecord>> {
        self.read(|c| consumers::page(c, filter, page))
    }
    fn add_event(&self, record: &EventRecord) -> StoreResult<()> {
        self.write(|t| events::add(t, record).map(drop))
    }
    fn count_events(&self, filter: &EventFilter) -> StoreResult<i64> {
        self.read(|c| events::count(c, filter))
    }
    fn events(&self, filter: &EventFilter, page: Page) -> StoreResult<Vec<EventRecord>> {
        self.read(|c| events::page(c, filter, page))
    }

    fn user_group(&self, group: &Lookup) -> StoreResult<UserGroup> {
        self.read(|c| groups::group(c, group))
    }
    fn create_user_group(&self, group: &NewUserGroup) -> StoreResult<i64> {
        self.write(|t| groups::create_group(t, group))
    }
    fn update_user_group(&self, id: i64, patch: &UserGroupPatch) -> StoreResult<()> {
        self.write(|t| groups::update_group(t, id, patch))
    }
    fn delete_user_group(&self, group: &Lookup) -> StoreResult<()> {
        self.write(|t| groups::delete_group(t, group))
    }
    fn group_user(&self, user: &Lookup) -> StoreResult<GroupUser> {
        self.read(|c| groups::user(c, user))
    }
    fn create_group_user(&self, user: &NewGroupUser) -> StoreResult<i64> {
        self.write(|t| groups::create_user(t, user))
    }
    fn update_group_user(&self, id: i64, patch: &GroupUserPatch) -> StoreResult<()> {
        self.write(|t| groups::update_user(t, id, patch))
    }
    fn delete_group_user(&self, id: i64) -> StoreResult<()> {
        self.write(|t| groups::delete_user(t, id))
    }
    fn set_group_user_password(&self, username: &str, password_hash: &str) -> StoreResult<()> {
        self.write(|t| groups::set_password(t, username, password_hash))
    }
    fn group_license(&self, product_id: &str, code: &str) -> StoreResult<GroupLicense> {
        self.read(|c| groups::license(c, product_id, code))
    }
    fn assign_group_license(&self, assignment: &GroupCodeAssignment) -> StoreResult<()> {
        self.write(|t| groups::assign(t, assignment))
    }
    fn unassign_group_license(&self, group_id: i64, product_id: &str, code: &str) -> StoreResult<()> {
        self.write(|t| groups::unassign(t, group_id, product_id, code))
    }
    fn create_group_user_license(&self, request: &NewGroupUserLicense) -> StoreResult<(i64, i64)> {
        self.write(|t| groups::create_user_license(t, request))
    }
    fn authenticate_user(
        &self,
        username: &str,
        password: &str,
        now: i64,
    ) -> StoreResult<Result<AuthenticatedUser, LoginRefusal>> {
        // The password is checked between the two transactions, never inside one.
        let Some(claim) = self.write(|t| groups::claim_login(t, username, now))? else {
            passwords::verify_dummy(password);
            return Ok(Err(LoginRefusal::WrongCredentials));
        };
        let (id, hash) = match claim {
            Ok(claim) => claim,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if !passwords::verify(password, &hash) {
            return Ok(Err(LoginRefusal::WrongCredentials));
        }
        Ok(self.write(|t| groups::login_succeeded(t, id, &hash))?.ok_or(LoginRefusal::WrongCredentials))
    }

    fn figures(&self, now: i64) -> StoreResult<StoreFigures> {
        let seats = self.read(|c| operations::seats(c, now))?;
        // The read above has given its connection back: what is lent now is others'.
        let (size, idle) = self.connections();
        Ok(operations::figures(seats, size, idle))
    }
    fn record_audit(&self, entry: &NewAuditEntry) -> StoreResult<i64> {
        self.write(|t| operations::record(t, entry))
    }
    fn audit(&self, page: Page) -> StoreResult<(i64, Vec<AuditEntry>)> {
        self.read(|c| operations::page(c, page))
    }

    fn open_session(&self, session: &NewSession, stale: i64) -> StoreResult<()> {
        self.write(|t| dashboard::open(t, session, stale))
    }
    fn session(&self, id_hash: &[u8; 32], now: i64, stale: i64) -> StoreResult<Option<Session>> {
        self.write(|t| dashboard::touch(t, id_hash, now, stale))
    }
    fn set_session_flash(&self, id_hash: &[u8; 32], flash: &str) -> StoreResult<()> {
        self.write(|t| dashboard::set_flash(t, id_hash, flash))
    }
    fn close_session(&self, id_hash: &[u8; 32]) -> StoreResult<()> {
        self.write(|t| dashboard::close(t, id_hash))
    }
    fn search_codes(&self, search: &CodeSearch) -> StoreResult<(i64, Vec<CodeRow>)> {
        self.read(|c| Ok((dashboard::count_codes(c, search)?, dashboard::codes(c, search)?)))
    }
    fn event_counts(
        &self,
        product_id: Option<&str>,
        start: i64,
        bucket: i64,
    ) -> StoreResult<Vec<EventCount>> {
        self.read(|c| dashboard::event_counts(c, product_id, start, bucket))
    }
    fn contacts(&self, code: &str) -> StoreResult<Vec<(String, i64)>> {
        self.read(|c| dashboard::contacts(c, code))
    }
    fn holdings(&self, code: &str, now: i64) -> StoreResult<Vec<Holding>> {
        self.read(|c| dashboard::holdings(c, code, now))
    }
}
