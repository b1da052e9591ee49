//! The vendor Web API of seed 003: which controllers and verbs exist, which key kinds may
//! call each (the seed's "Accessible API Keys" lines), and the handlers.
//!
//! Handlers are plain blocking functions from the request's [`Params`] to a JSON answer;
//! the server runs them on tokio's blocking pool after authentication.

mod activity;
mod audit;
mod companies;
mod consumers;
mod feature_groups;
mod features;
mod license_codes;
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

pub use activity::MAX_COMPUTER_ID;

use crate::client_api::ClientProtocol;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::store::Store;
use crate::store::model::{KeyKind, Page};

/// A handler: the store and the request's fields in, the JSON answer out.
pub type Handler = fn(&dyn Store, &Params) -> ApiResult;

/// A handler that issues or takes back signed licenses: it also needs the vendor key and
/// the clock leases are signed with.
pub type LicensingHandler = fn(&dyn Store, &ClientProtocol, &Params) -> ApiResult;

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
    /// Part of the seed, built by a later issue: answered with 501 and this explanation.
    Later(&'static str),
}

/// One controller and verb.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub controller: &'static str,
    pub method: Method,
    pub access: Access,
    pub action: Action,
}

const ACCOUNTS: &str = "groups, group users and account-based licensing are not implemented yet";
const NETWORK: &str = "network master licenses (LAN daemon) are not implemented yet";
const STREAMER: &str = "DataStreamer events are not implemented yet";

/// Every controller and verb of the seed.
pub fn endpoints() -> Vec<Endpoint> {
    use Access::*;
    use Action::*;
    let e = |controller, method, access, action| Endpoint { controller, method, access, action };
    let (get, post, put, delete) = (Method::GET, Method::POST, Method::PUT, Method::DELETE);
    vec![
        e("LicenseCode", get.clone(), Read, Run(license_codes::get)),
        e("LicenseCode", post.clone(), Write, Run(license_codes::post)),
        e("LicenseCode", put.clone(), Write, Run(license_codes::put)),
        e("LicenseCodes", get.clone(), Read, Run(license_codes::list)),
        e("NextLicenseCode", get.clone(), Read, Run(license_codes::next)),
        e("Products", get.clone(), Read, Run(products::list)),
        e("Product", get.clone(), Read, Run(products::get)),
        e("Product", post.clone(), Write, Run(products::post)),
        e("Product", put.clone(), Write, Run(products::put)),
        e("ProductFeatureGroups", post.clone(), Write, Run(feature_groups::post)),
        e("ProductFeatureGroups", put.clone(), Write, Run(feature_groups::put)),
        e("ProductFeatureGroups", delete.clone(), Write, Run(feature_groups::delete)),
        e("ProductFeatures", post.clone(), Write, Run(features::post)),
        e("ProductFeatures", put.clone(), Write, Run(features::put)),
        e("ProductFeatures", delete.clone(), Write, Run(features::delete)),
        e("ProductUDF", post.clone(), Write, Run(udfs::post)),
        e("ProductUDF", put.clone(), Write, Run(udfs::put)),
        e("ProductUDF", delete.clone(), Write, Run(udfs::delete)),
        e("ActivatedLicenseCodes", get.clone(), Read, Run(activity::activated_codes)),
        e("LicenseCodeActivity", get.clone(), Read, Run(activity::get)),
        e("LicenseCodeActivity", put.clone(), Write, Run(activity::put)),
        e("LicenseCodeActivity", delete.clone(), Write, Run(activity::delete)),
        e("SystemDetails", get.clone(), Read, Run(activity::system_details)),
        e("Profile", get.clone(), Read, Run(profiles::get)),
        e("Profile", post.clone(), Write, Run(profiles::post)),
        e("Profile", put.clone(), Write, Run(profiles::put)),
        e("Profiles", get.clone(), Read, Run(profiles::list)),
        e("ConsumerData", get.clone(), Read, Run(consumers::get)),
        e("ConsumerData", post.clone(), Write, Run(consumers::post)),
        e("Trial", get.clone(), Read, Run(trials::get)),
        e("Trial", delete.clone(), Write, Run(trials::delete)),
        e("Trials", get.clone(), Read, Run(trials::list)),
        e("LicenseNote", get.clone(), Read, Run(notes::get)),
        e("LicenseNote", post.clone(), Write, Run(notes::post)),
        e("LicenseNote", put.clone(), Write, Run(notes::put)),
        e("LicenseNote", delete.clone(), Write, Run(notes::delete)),
        e("Company", get.clone(), Read, Run(companies::get)),
        e("Company", post.clone(), Write, Run(companies::post)),
        e("Company", put.clone(), Write, Run(companies::put)),
        e("Company", delete.clone(), Write, Run(companies::delete)),
        e("CompanyID", get.clone(), Read, Run(companies::id)),
        e("CompaniesProducts", get.clone(), Read, Run(companies::list)),
        // Not in the seed: the audit trail of the changes above (crate::audit).
        e("AuditLog", get.clone(), Read, Run(audit::get)),
        e("PassiveLicense", post.clone(), Write, Licensing(passive::post)),
        e("NetworkMasterLicense", post.clone(), Write, Later(NETWORK)),
        e("OfflineActivation", get.clone(), OfflineRead, Licensing(offline::get)),
        e("OfflineActivation", delete.clone(), OfflineWrite, Licensing(offline::delete)),
        e("Group", get.clone(), Read, Later(ACCOUNTS)),
        e("Group", post.clone(), Write, Later(ACCOUNTS)),
        e("Group", put.clone(), Write, Later(ACCOUNTS)),
        e("Group", delete.clone(), Write, Later(ACCOUNTS)),
        e("GroupUser", get.clone(), Read, Later(ACCOUNTS)),
        e("GroupUser", post.clone(), Write, Later(ACCOUNTS)),
        e("GroupUser", put.clone(), Write, Later(ACCOUNTS)),
        e("GroupUser", delete.clone(), Write, Later(ACCOUNTS)),
        e("GroupUserPassword", put.clone(), Write, Later(ACCOUNTS)),
        e("GroupLicenseCode", get.clone(), Read, Later(ACCOUNTS)),
        e("GroupLicenseCode", post.clone(), Write, Later(ACCOUNTS)),
        e("GroupLicenseCode", delete.clone(), Write, Later(ACCOUNTS)),
        e("GroupUserLicense", post.clone(), Write, Later(ACCOUNTS)),
        e("AuthenticateUser", get, Read, Later(ACCOUNTS)),
        e("DataStreamer", post, DataStreamer, Later(STREAMER)),
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

/// The product ID field, mandatory everywhere it appears with a `*` in the seed.
fn product_id(p: &Params) -> Result<String, ApiError> {
    p.required_len("productid", 1, 64)
}
