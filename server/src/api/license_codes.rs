//! `LicenseCode`, `LicenseCodes` and `NextLicenseCode`.

use super::render::{self, Casing};
use super::settings::{self, MAX_NAME, in_list};
use super::{PAGING_FIELDS, paging, product_id};
use crate::error::{ApiError, ApiResult};
use crate::fields::{Field, Fields};
use crate::json::Json;
use crate::params::{MAX_TEXT, Params};
use crate::store::Store;
use crate::store::model::*;

/// Most codes one request may allocate, import or take.
const MAX_CODES: i64 = 10_000;
/// Longest license code (imported codes may be the vendor's own format).
const MAX_CODE_LEN: usize = 64;

/// The license code field.
pub(super) fn license_code(p: &Params) -> Result<String, ApiError> {
    p.required_len("licensecode", 1, MAX_CODE_LEN)
}

/// GET LicenseCode's shape.
fn render_one(
    code: &LicenseCode,
    only_on: bool,
    details: bool,
    users: bool,
    notes: bool,
    functions: bool,
) -> Json {
    let s = &code.settings;
    let c = Casing::Capitalised;
    let mut fields = vec![
        ("licenseCode", Json::from(&code.code)),
        ("productID", Json::from(&code.product_id)),
        ("company", Json::from(&code.company)),
        ("companyID", Json::Int(code.company_id)),
        ("enabledforuse", c.boolean(s.enabled_for_use)),
        ("licensetype", c.word(s.license_type.name())),
        ("clientsallowed", Json::Int(s.clients_allowed)),
        ("clientLeaseperiod", Json::Int(s.client_lease_period)),
        ("vmLeaseperiod", Json::Int(s.vm_lease_period)),
        ("clientOfflineLeaseperiod", Json::Int(s.client_offline_lease_period)),
        ("acquiredbywebservice", c.boolean(s.acquired_by_webservice)),
        ("networkseats", Json::Int(s.network_seats)),
        ("heartbeat", Json::Int(s.heartbeat)),
        ("profilename", Json::from(code.profile_name.as_deref().unwrap_or("Default"))),
        ("concurrentProcesses", Json::Int(s.concurrent_processes)),
        ("numActivations", Json::Int(code.num_activations)),
        ("concurrencyMode", c.word(s.concurrency_mode.name())),
        ("subscriptionperiod", Json::Int(s.subscription_period)),
        ("subscriptionEnddate", render::date(s.subscription_end)),
        ("subscriptionlastActivated", render::date(code.subscription_last_activated)),
        ("maintenanceEnddate", render::date(s.maintenance_end)),
        ("features", render::features(&code.features, c, only_on, details, users)),
        ("udfValues", render::udfs(&code.udfs)),
    ];
    if notes {
        fields.push(("notes", render::notes(&code.notes)));
    }
    if functions {
        fields.push(("serverFunctions", render::server_functions(&code.server_functions)));
    }
    Json::Obj(fields)
}

/// GET LicenseCodes' shape.
fn render_listed(code: &LicenseCode, functions: bool) -> Json {
    let s = &code.settings;
    let c = Casing::LowerBooleans;
    let mut fields = vec![
        ("licenseCode", Json::from(&code.code)),
        ("productID", Json::from(&code.product_id)),
        ("company", Json::from(&code.company)),
        ("enabledforuse", c.boolean(s.enabled_for_use)),
        ("licensetype", c.word(s.license_type.name())),
        ("profilename", Json::from(code.profile_name.as_deref().unwrap_or(""))),
        ("acquiredbywebservice", c.boolean(s.acquired_by_webservice)),
        ("activationsAllowed", Json::Int(s.clients_allowed)),
        ("clientLeaseperiod", Json::Int(s.client_lease_period)),
        ("vmLeaseperiod", Json::Int(s.vm_lease_period)),
        ("clientOfflineLeaseperiod", Json::Int(s.client_offline_lease_period)),
        ("networkseats", Json::Int(s.network_seats)),
        ("heartbeat", Json::Int(s.heartbeat)),
        ("concurrentProcesses", Json::Int(s.concurrent_processes)),
        ("numActivations", Json::Int(code.num_activations)),
        ("numDeActivations", Json::Int(code.num_deactivations)),
        ("concurrencyMode", c.word(s.concurrency_mode.name())),
        ("subscriptionperiod", Json::Int(s.subscription_period)),
        ("subscriptionEnddate", render::date(s.subscription_end)),
        ("subscriptionlastActivated", render::date(code.subscription_last_activated)),
        ("maintenanceEnddate", render::date(s.maintenance_end)),
        ("created", render::when(code.created)),
        ("modified", render::when(code.modified)),
        ("features", render::features(&code.features, c, false, false, false)),
        ("udfValues", render::udfs(&code.udfs)),
    ];
    if functions {
        fields.push(("serverFunctions", render::server_functions(&code.server_functions)));
    }
    Json::Obj(fields)
}

/// GET LicenseCode: the code (in one product, or wherever it is) as a list.
pub fn get(store: &dyn Store, p: &Params) -> ApiResult {
    let code = license_code(p)?;
    let product = p.text_len("productid", 1, 64)?;
    let details = p.flag("details")?;
    let notes = p.flag("getnotes")?;
    let users = p.flag("userdetails")?;
    let functions = p.flag("getsfs")?;
    let only_on = p.choice("showfeatures", &["all", "on"])? == Some(1);
    let found = store.license_code(&code, product.as_deref(), notes)?;
    Ok(Json::arr(found.iter().map(|c| render_one(c, only_on, details, users, notes, functions))))
}

/// Splits and checks `licensecodes` for an import.
fn imported_codes(text: &str) -> Result<Vec<String>, ApiError> {
    let mut codes: Vec<String> = Vec::new();
    for code in text.split(',').map(str::trim) {
        if code.is_empty()
            || code.len() > MAX_CODE_LEN
            || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ApiError::bad_request(format!(
                "licensecodes: {code:?} is not a license code (1 to {MAX_CODE_LEN} letters, digits, '-' or '_')"
            )));
        }
        if codes.iter().any(|c| c == code) {
            return Err(ApiError::bad_request(format!("licensecodes: {code} given twice")));
        }
        codes.push(code.to_owned());
    }
    if codes.len() as i64 > MAX_CODES {
        return Err(ApiError::bad_request(format!("licensecodes: at most {MAX_CODES} codes per request")));
    }
    Ok(codes)
}

/// POST LicenseCode: allocates `numcodes` new codes or imports `licensecodes`.
pub fn post(store: &dyn Store, p: &Params) -> ApiResult {
    let product_id = product_id(p)?;
    let company_id = p.int("companyid", 0, i64::MAX)?.unwrap_or(0);
    let profile_name = p.text_len("profilename", 1, MAX_NAME)?;
    let reference = p.text_len("reference", 0, MAX_NAME)?.unwrap_or_default();
    let source = match p.text("licensecodes")? {
        Some(text) if !text.is_empty() => CodeSource::Import(imported_codes(&text)?),
        _ => match p.int("numcodes", 1, MAX_CODES)? {
            Some(n) => CodeSource::Generate(n),
            None => return Err(ApiError::bad_request("numcodes: required when licensecodes is omitted")),
        },
    };
    let imported = matches!(source, CodeSource::Import(_));
    let created =
        store.create_codes(&NewCodes { product_id, company_id, profile_name, reference, source })?;
    if imported {
        Ok(Json::from("OK"))
    } else {
        Ok(Json::from(format!("License Codes Created Successfully : {}", created.join(","))))
    }
}

fn note_changes(p: &Params) -> Result<NoteChanges, ApiError> {
    let mut changes = NoteChanges::default();
    for n in p.list("notes")? {
        let err = |e| in_list("notes", e);
        let kind = n
            .choice("type", &["general", "system", "delete", "deleteall"])
            .map_err(err)?
            .ok_or_else(|| ApiError::bad_request("notes: type: required"))?;
        match kind {
            0 | 1 => {
                let description = n.required_len("description", 1, MAX_TEXT).map_err(err)?;
                changes.add.push((if kind == 0 { "General" } else { "System" }.to_owned(), description));
            }
            2 => changes.delete.push(n.int("description", 1, i64::MAX).map_err(err)?.ok_or_else(|| {
                ApiError::bad_request("notes: description: the note ID to delete is required")
            })?),
            _ => changes.delete_all = true,
        }
    }
    Ok(changes)
}

/// PUT LicenseCode: omitted fields stay as they are.
pub fn put(store: &dyn Store, p: &Params) -> ApiResult {
    let product_id = product_id(p)?;
    let code = license_code(p)?;
    let change = CodeChange {
        company_id: p.int("companyid", 0, i64::MAX)?,
        profile: p
            .text_len("profilename", 1, MAX_NAME)?
            .map(|name| (!name.eq_ignore_ascii_case("default")).then_some(name)),
        inherit_profile: p.bool("inheritprofile")?.unwrap_or(false),
        reference: p.text_len("reference", 0, MAX_NAME)?,
        settings: settings::settings_patch(p)?,
        extras: settings::extras(p)?,
        notes: note_changes(p)?,
    };
    store.update_code(&product_id, &code, &change)?;
    Ok(Json::from("License Code Details Updated Successfully"))
}

/// GET LicenseCodes: the count, or a page.
pub fn list(store: &dyn Store, p: &Params) -> ApiResult {
    let filter = CodeFilter {
        product_id: p.text_len("productid", 1, 64)?,
        company: p.text_len("company", 1, MAX_NAME)?,
        company_id: p.int("companyid", 0, i64::MAX)?,
        profile_name: p.text_len("profilename", 1, MAX_NAME)?,
        acquired_by_webservice: p.bool("acquiredbywebservice")?,
        used: p.bool("used")?,
        activated: p.bool("activated")?,
        after_code: p.text_len("afterlicensecode", 1, MAX_CODE_LEN)?,
    };
    if filter.company.is_some() && filter.company_id.is_some() {
        return Err(ApiError::bad_request("company: supply either company or companyId, not both"));
    }
    let functions = p.flag("getsfs")?;
    match paging(p)? {
        None => Ok(Json::Int(store.count_codes(&filter)?)),
        Some(page) => {
            Ok(Json::arr(store.license_codes(&filter, page)?.iter().map(|c| render_listed(c, functions))))
        }
    }
}

/// GET NextLicenseCode: unused codes not handed out before, now marked handed out.
pub fn next(store: &dyn Store, p: &Params) -> ApiResult {
    let product_id = product_id(p)?;
    let amount = p.int("amount", 1, MAX_CODES)?.unwrap_or(1);
    let profile = p.text_len("profilename", 1, MAX_NAME)?;
    Ok(Json::arr(store.next_codes(&product_id, profile.as_deref(), amount)?))
}

/// GET LicenseCode's fields.
pub const GET_FIELDS: Fields = &[&[
    Field::new("licensecode"),
    Field::new("productid"),
    Field::new("details"),
    Field::new("getnotes"),
    Field::new("userdetails"),
    Field::new("getsfs"),
    Field::new("showfeatures"),
]];
/// POST LicenseCode's fields.
pub const POST_FIELDS: Fields = &[&[
    Field::new("productid"),
    Field::new("companyid"),
    Field::new("profilename"),
    Field::new("reference"),
    Field::new("licensecodes"),
    Field::new("numcodes"),
]];
/// PUT LicenseCode's fields.
pub const PUT_FIELDS: Fields = &[
    &[
        Field::new("productid"),
        Field::new("licensecode"),
        Field::new("companyid"),
        Field::new("profilename"),
        Field::new("inheritprofile"),
        Field::new("reference"),
        Field::list("notes", &[Field::new("type"), Field::new("description")]),
    ],
    settings::SETTINGS_FIELDS,
    settings::EXTRAS_FIELDS,
];
/// GET LicenseCodes' fields.
pub const LIST_FIELDS: Fields = &[
    &[
        Field::new("productid"),
        Field::new("company"),
        Field::new("companyid"),
        Field::new("profilename"),
        Field::new("acquiredbywebservice"),
        Field::new("used"),
        Field::new("activated"),
        Field::new("getsfs"),
        Field::new("afterlicensecode"),
    ],
    PAGING_FIELDS,
];
/// GET NextLicenseCode's fields.
pub const NEXT_FIELDS: Fields =
    &[&[Field::new("productid"), Field::new("amount"), Field::new("profilename")]];
