//! The vendor Web API of seed 003: which controllers and verbs exist, which key kinds may
//! call each (the seed's "Accessible API Keys" lines), and the handlers.
//!
//! Handlers are plain blocking functions from the request's [`Params`] to a JSON answer;
//! the server runs them on tokio's blocking pool after authentication.

mod activity;
mod audit;
mod companies;
mod consumers;
mod events;
mod feature_groups;
mod features;
mod groups;
mod license_codes;
mod network;
mod notes;
mod offline;
mod passive;
mod products;
mod profiles;
mod render;
mod settings;
mod trials;
mod udfs;

use axum::http::Method;

pub use activity::{MAX_COMPUTER_ID, answer_schema as activity_answer_schema};
pub use groups::{group_answer_schema, user_answer_schema};
pub use passive::CREATED as PASSIVE_CREATED;

use crate::client_api::ClientProtocol;
use crate::clock::Clock;
use crate::error::{ApiError, ApiResult};
use crate::fields::{Field, Fields};
use crate::params::Params;
use crate::store::Store;
use crate::store::model::{KeyKind, Page};

/// A handler: the store and the request's fields in, the JSON answer out.
pub type Handler = fn(&dyn Store, &Params) -> ApiResult;

/// A handler that issues or takes back signed licenses: it also needs the vendor key and
/// the clock leases are signed with.
pub type LicensingHandler = fn(&dyn Store, &ClientProtocol, &Params) -> ApiResult;

/// A handler that reads the server's clock (login back-off and locks), which tests move
/// with `serve --clock-offset-secs`.
pub type ClockedHandler = fn(&dyn Store, &Clock, &Params) -> ApiResult;

/// Which key kinds may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// READ-ONLY and READ-WRITE (every GET except DataStreamer's).
    Read,
    /// READ-WRITE only.
    Write,
    /// READ-ONLY, READ-WRITE and Offline (GET OfflineActivation).
    OfflineRead,
    /// READ-WRITE and Offline (DELETE OfflineActivation).
    OfflineWrite,
    /// DS only (DataStreamer).
    DataStreamer,
}

impl Access {
    pub fn allows(self, kind: KeyKind) -> bool {
        use KeyKind::*;
        match self {
            Access::Read => matches!(kind, ReadOnly | ReadWrite),
            Access::Write => kind == ReadWrite,
            Access::OfflineRead => matches!(kind, ReadOnly | ReadWrite | Offline),
            Access::OfflineWrite => matches!(kind, ReadWrite | Offline),
            Access::DataStreamer => kind == Ds,
        }
    }
}

/// What an endpoint does.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    Run(Handler),
    Licensing(LicensingHandler),
    Clocked(ClockedHandler),
}

/// One controller and verb.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub controller: &'static str,
    pub method: Method,
    pub access: Access,
    pub action: Action,
    /// The fields its handler reads; a request naming any other is refused.
    pub fields: Fields,
}

/// The reads of one object by its key, short enough for [`crate::store::Store::reads_in_place`]:
/// lists, counts and everything that writes stay on the blocking pool.
const POINT_READS: &[&str] = &[
    "LicenseCode",
    "Product",
    "Profile",
    "ConsumerData",
    "Trial",
    "LicenseNote",
    "Company",
    "CompanyID",
    "SystemDetails",
];

impl Endpoint {
    /// Whether this is one of the [`POINT_READS`].
    pub fn is_point_read(&self) -> bool {
        self.method == Method::GET
            && matches!(self.action, Action::Run(_))
            && POINT_READS.contains(&self.controller)
    }
}

/// Every controller and verb of the seed.
pub fn endpoints() -> Vec<Endpoint> {
    use Access::*;
    use Action::*;
    let e =
        |controller, method, access, action, fields| Endpoint { controller, method, access, action, fields };
    let (get, post, put, delete) = (Method::GET, Method::POST, Method::PUT, Method::DELETE);
    vec![
        e("LicenseCode", get.clone(), Read, Run(license_codes::get), license_codes::GET_FIELDS),
        e("LicenseCode", post.clone(), Write, Run(license_codes::post), license_codes::POST_FIELDS),
        e("LicenseCode", put.clone(), Write, Run(license_codes::put), license_codes::PUT_FIELDS),
        e("LicenseCodes", get.clone(), Read, Run(license_codes::list), license_codes::LIST_FIELDS),
        e("NextLicenseCode", get.clone(), Read, Run(license_codes::next), license_codes::NEXT_FIELDS),
        e("Products", get.clone(), Read, Run(products::list), NONE),
        e("Product", get.clone(), Read, Run(products::get), products::GET_FIELDS),
        e("Product", post.clone(), Write, Run(products::post), products::POST_FIELDS),
        e("Product", put.clone(), Write, Run(products::put), products::PUT_FIELDS),
        e(
            "ProductFeatureGroups",
            post.clone(),
            Write,
            Run(feature_groups::post),
            feature_groups::POST_FIELDS,
        ),
        e("ProductFeatureGroups", put.clone(), Write, Run(feature_groups::put), feature_groups::PUT_FIELDS),
        e(
            "ProductFeatureGroups",
            delete.clone(),
            Write,
            Run(feature_groups::delete),
            feature_groups::DELETE_FIELDS,
        ),
        e("ProductFeatures", post.clone(), Write, Run(features::post), features::POST_FIELDS),
        e("ProductFeatures", put.clone(), Write, Run(features::put), features::PUT_FIELDS),
        e("ProductFeatures", delete.clone(), Write, Run(features::delete), features::DELETE_FIELDS),
        e("ProductUDF", post.clone(), Write, Run(udfs::post), udfs::POST_FIELDS),
        e("ProductUDF", put.clone(), Write, Run(udfs::put), udfs::PUT_FIELDS),
        e("ProductUDF", delete.clone(), Write, Run(udfs::delete), udfs::DELETE_FIELDS),
        e(
            "ActivatedLicenseCodes",
            get.clone(),
            Read,
            Run(activity::activated_codes),
            activity::ACTIVATED_CODES_FIELDS,
        ),
        e("LicenseCodeActivity", get.clone(), Read, Run(activity::get), activity::GET_FIELDS),
        e("LicenseCodeActivity", put.clone(), Write, Run(activity::put), activity::PUT_FIELDS),
        e("LicenseCodeActivity", delete.clone(), Write, Run(activity::delete), activity::DELETE_FIELDS),
        e("SystemDetails", get.clone(), Read, Run(activity::system_details), activity::SYSTEM_DETAILS_FIELDS),
        e("Profile", get.clone(), Read, Run(profiles::get), profiles::GET_FIELDS),
        e("Profile", post.clone(), Write, Run(profiles::post), profiles::POST_FIELDS),
        e("Profile", put.clone(), Write, Run(profiles::put), profiles::PUT_FIELDS),
        e("Profiles", get.clone(), Read, Run(profiles::list), profiles::LIST_FIELDS),
        e("ConsumerData", get.clone(), Read, Run(consumers::get), consumers::GET_FIELDS),
        e("ConsumerData", post.clone(), Write, Run(consumers::post), consumers::POST_FIELDS),
        e("Trial", get.clone(), Read, Run(trials::get), trials::TRIAL_FIELDS),
        e("Trial", delete.clone(), Write, Run(trials::delete), trials::TRIAL_FIELDS),
        e("Trials", get.clone(), Read, Run(trials::list), trials::LIST_FIELDS),
        e("LicenseNote", get.clone(), Read, Run(notes::get), notes::GET_FIELDS),
        e("LicenseNote", post.clone(), Write, Run(notes::post), notes::POST_FIELDS),
        e("LicenseNote", put.clone(), Write, Run(notes::put), notes::PUT_FIELDS),
        e("LicenseNote", delete.clone(), Write, Run(notes::delete), notes::DELETE_FIELDS),
        e("Company", get.clone(), Read, Run(companies::get), companies::GET_FIELDS),
        e("Company", post.clone(), Write, Run(companies::post), companies::POST_FIELDS),
        e("Company", put.clone(), Write, Run(companies::put), companies::PUT_FIELDS),
        e("Company", delete.clone(), Write, Run(companies::delete), companies::DELETE_FIELDS),
        e("CompanyID", get.clone(), Read, Run(companies::id), companies::ID_FIELDS),
        e("CompaniesProducts", get.clone(), Read, Run(companies::list), NONE),
        // Not in the seed: the audit trail of the changes above (crate::audit).
        e("AuditLog", get.clone(), Read, Run(audit::get), &[PAGING_FIELDS]),
        e("PassiveLicense", post.clone(), Write, Licensing(passive::post), passive::POST_FIELDS),
        e("NetworkMasterLicense", post.clone(), Write, Run(network::post), network::POST_FIELDS),
        e("OfflineActivation", get.clone(), OfflineRead, Licensing(offline::get), offline::GET_FIELDS),
        e(
            "OfflineActivation",
            delete.clone(),
            OfflineWrite,
            Licensing(offline::delete),
            offline::DELETE_FIELDS,
        ),
        e("Group", get.clone(), Read, Clocked(groups::get), groups::KEY_FIELDS),
        e("Group", post.clone(), Write, Run(groups::post), groups::POST_FIELDS),
        e("Group", put.clone(), Write, Run(groups::put), groups::PUT_FIELDS),
        e("Group", delete.clone(), Write, Run(groups::delete), groups::KEY_FIELDS),
        e("GroupUser", get.clone(), Read, Clocked(groups::get_user), groups::USER_KEY_FIELDS),
        e("GroupUser", post.clone(), Write, Run(groups::post_user), groups::POST_USER_FIELDS),
        e("GroupUser", put.clone(), Write, Run(groups::put_user), groups::PUT_USER_FIELDS),
        e("GroupUser", delete.clone(), Write, Run(groups::delete_user), groups::DELETE_USER_FIELDS),
        e("GroupUserPassword", put.clone(), Write, Run(groups::put_password), groups::CREDENTIAL_FIELDS),
        e("GroupLicenseCode", get.clone(), Read, Run(groups::get_license), groups::GET_LICENSE_FIELDS),
        e("GroupLicenseCode", post.clone(), Write, Run(groups::post_license), groups::POST_LICENSE_FIELDS),
        e(
            "GroupLicenseCode",
            delete.clone(),
            Write,
            Run(groups::delete_license),
            groups::DELETE_LICENSE_FIELDS,
        ),
        e(
            "GroupUserLicense",
            post.clone(),
            Write,
            Run(groups::post_user_license),
            groups::POST_USER_LICENSE_FIELDS,
        ),
        e("AuthenticateUser", get.clone(), Read, Clocked(groups::authenticate), groups::CREDENTIAL_FIELDS),
        e("DataStreamer", post, DataStreamer, Run(events::post), events::POST_FIELDS),
        // Not in the seed: the events back, DataStreamer's and the clients' (`events export`).
        e("Events", get, Read, Run(events::get), events::GET_FIELDS),
    ]
}

/// The result of looking a request up.
#[derive(Debug)]
pub enum Route {
    Found(Endpoint),
    /// The controller exists but not with this verb; the verbs it has.
    WrongMethod(Vec<Method>),
    UnknownController,
}

/// Finds the endpoint; controller names match without regard to case, as the seed's
/// ASP.NET routing did.
pub fn route(table: &[Endpoint], controller: &str, method: &Method) -> Route {
    let verbs: Vec<&Endpoint> =
        table.iter().filter(|e| e.controller.eq_ignore_ascii_case(controller)).collect();
    if verbs.is_empty() {
        return Route::UnknownController;
    }
    match verbs.iter().find(|e| e.method == method) {
        Some(e) => Route::Found((*e).clone()),
        None => Route::WrongMethod(verbs.iter().map(|e| e.method.clone()).collect()),
    }
}

/// The fields of an endpoint that reads none (and of those not built yet).
const NONE: Fields = &[];

/// The product ID field, mandatory everywhere it appears with a `*` in the seed.
const PRODUCT_ID: Field = Field::new("productid");

/// The fields [`paging`] reads.
const PAGING_FIELDS: &[Field] = &[Field::new("pagenumber"), Field::new("pagesize")];

/// Largest page the seed allows (also the default size).
pub const MAX_PAGE_SIZE: i64 = 10_000;

/// `pagenumber` / `pagesize`: `None` when the caller asks for the count only.
fn paging(p: &Params) -> Result<Option<Page>, ApiError> {
    let number = p.int("pagenumber", 0, i64::from(i32::MAX))?.unwrap_or(0);
    let size = p.int("pagesize", 1, MAX_PAGE_SIZE)?.unwrap_or(MAX_PAGE_SIZE);
    Ok((number > 0).then_some(Page { number, size }))
}

/// A list field that must hold at least one item.
fn required_list<T>(items: Vec<T>, list: &str) -> Result<Vec<T>, ApiError> {
    if items.is_empty() {
        return Err(ApiError::bad_request(format!("{list}: required (a list of at least one item)")));
    }
    Ok(items)
}

/// Refuses a request that names one thing twice in a list (names ignore case, as stored
/// names do); `what` is the list and field, e.g. `features: featurecode`.
fn no_duplicates<'a>(what: &str, names: impl Iterator<Item = &'a str>) -> Result<(), ApiError> {
    let mut seen: Vec<&str> = Vec::new();
    for name in names {
        if seen.iter().any(|s| s.eq_ignore_ascii_case(name)) {
            return Err(ApiError::bad_request(format!("{what}: {name} given twice")));
        }
        seen.push(name);
    }
    Ok(())
}

/// Reads [`PRODUCT_ID`].
fn product_id(p: &Params) -> Result<String, ApiError> {
    p.required_len(PRODUCT_ID.name, 1, 64)
}
