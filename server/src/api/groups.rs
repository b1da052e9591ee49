//! `Group`, `GroupUser`, `GroupUserPassword`, `GroupLicenseCode`, `GroupUserLicense` and
//! `AuthenticateUser`: groups of users and account-based licensing.
//!
//! Passwords are hashed here (Argon2id, [`crate::passwords`]) before the store is called, so
//! no transaction waits on a hash, and never appear in an answer, an error or the audit
//! trail (which keeps field names only).

use axum::http::StatusCode;

use super::license_codes::license_code;
use super::settings::MAX_NAME;
use super::{PRODUCT_ID, product_id};
use crate::clock::Clock;
use crate::datetime;
use crate::error::{ApiError, ApiResult};
use crate::fields::{Field, Fields};
use crate::json::Json;
use crate::obj;
use crate::params::Params;
use crate::passwords;
use crate::store::Store;
use crate::store::model::*;

/// Largest `additionaldata` object, in bytes of its compact JSON text.
const MAX_ADDITIONAL_DATA: usize = 4096;
/// Longest group description, in characters.
const MAX_DESCRIPTION: usize = 1024;

/// The seed's "Either X or Y must be supplied, not both".
fn either(p: &Params, id_field: &str, name_field: &str) -> Result<Lookup, ApiError> {
    let id = p.int(id_field, 1, i64::MAX)?;
    let name = if p.has(name_field) { Some(p.required_len(name_field, 1, MAX_NAME)?) } else { None };
    match (id, name) {
        (Some(id), None) => Ok(Lookup::Id(id)),
        (None, Some(name)) => Ok(Lookup::Name(name)),
        (Some(_), Some(_)) => Err(ApiError::bad_request(format!(
            "{id_field}, {name_field}: supply either {id_field} or {name_field}, not both"
        ))),
        (None, None) => Err(ApiError::bad_request(format!(
            "{id_field}, {name_field}: one of them is required (either {id_field} or {name_field})"
        ))),
    }
}

fn group_type(p: &Params) -> Result<Option<GroupType>, ApiError> {
    Ok(p.choice("type", &GroupType::WORDS)?.map(|i| GroupType::ALL[i]))
}

/// `additionaldata`: a JSON object, or a string holding one, kept as compact text.
fn additional_data(p: &Params) -> Result<Option<String>, ApiError> {
    let Some(object) = p.json_object("additionaldata")? else { return Ok(None) };
    let text = serde_json::Value::Object(object).to_string();
    if text.len() > MAX_ADDITIONAL_DATA {
        return Err(ApiError::bad_request(format!(
            "additionaldata: larger than {MAX_ADDITIONAL_DATA} bytes"
        )));
    }
    Ok(Some(text))
}

fn password(p: &Params) -> Result<String, ApiError> {
    p.secret("password", passwords::MIN_LEN, passwords::MAX_LEN)
}

fn username(p: &Params) -> Result<String, ApiError> {
    p.required_len("username", 1, MAX_NAME)
}

/// An optional text field of a user's details.
fn detail(p: &Params, name: &str) -> Result<Option<String>, ApiError> {
    p.text_len(name, 0, MAX_NAME)
}

fn details(p: &Params) -> Result<UserDetails, ApiError> {
    Ok(UserDetails {
        first_name: detail(p, "firstname")?.unwrap_or_default(),
        last_name: detail(p, "lastname")?.unwrap_or_default(),
        email: detail(p, "email")?.unwrap_or_default(),
        telephone: detail(p, "telephone")?.unwrap_or_default(),
        additional_data: additional_data(p)?.unwrap_or_else(|| "{}".into()),
    })
}

/// A user as `GET GroupUser` and `GET Group` show it, with two fields beyond the seed:
/// `failedLogins` and `lockedUntil` (null unless locked at `now`).
fn render_user(user: &GroupUser, now: i64) -> Json {
    let d = &user.details;
    obj! {
        "groupUserID" => user.id,
        "groupID" => user.group_id,
        "userName" => &user.username,
        "firstName" => &d.first_name,
        "lastName" => &d.last_name,
        "email" => &d.email,
        "telephone" => &d.telephone,
        "additionalData" => &d.additional_data,
        "created" => datetime::format(user.created),
        "modified" => datetime::format(user.modified),
        "failedLogins" => user.failed_logins,
        "lockedUntil" => date_or_null(user.locked_until.filter(|&until| until > now)),
    }
}

fn render_license(license: &GroupLicense) -> Json {
    obj! {
        "groupID" => license.group_id,
        "productID" => &license.product_id,
        "licenseCode" => &license.code,
        "created" => datetime::format(license.created),
        "computersPerUser" => license.computers_per_user,
    }
}

/// GET Group.
pub fn get(store: &dyn Store, clock: &Clock, p: &Params) -> ApiResult {
    let group = store.user_group(&either(p, "groupid", "groupname")?)?;
    let now = clock.now();
    let subgroups = group.subgroups.iter().map(|(id, name)| obj! { "groupID" => *id, "groupName" => name });
    Ok(obj! {
        "groupID" => group.id,
        "type" => group.group_type.name(),
        "masterGroupID" => group.master_group_id,
        "groupName" => &group.name,
        "description" => &group.description,
        "created" => datetime::format(group.created),
        "modified" => datetime::format(group.modified),
        "companyID" => group.company_id,
        "groupLicenses" => Json::arr(group.licenses.iter().map(render_license)),
        "groupUsers" => Json::arr(group.users.iter().map(|u| render_user(u, now))),
        "subGroups" => Json::arr(subgroups),
    })
}

/// POST Group.
pub fn post(store: &dyn Store, p: &Params) -> ApiResult {
    let group = NewUserGroup {
        name: p.required_len("groupname", 1, MAX_NAME)?,
        group_type: group_type(p)?
            .ok_or_else(|| ApiError::bad_request("type: required (master or standard)"))?,
        description: p.text_len("description", 0, MAX_DESCRIPTION)?.unwrap_or_default(),
        master_group_id: p.int("mastergroupid", 0, i64::MAX)?.unwrap_or(0),
        company_id: p.int("companyid", 0, i64::MAX)?.unwrap_or(0),
    };
    let id = store.create_user_group(&group)?;
    Ok(Json::from(format!("Group Created Successfully : {id}")))
}

/// PUT Group: omitted fields stay as they are.
pub fn put(store: &dyn Store, p: &Params) -> ApiResult {
    let id = p.required_int("groupid", 1, i64::MAX)?;
    let patch = UserGroupPatch {
        name: p.has("groupname").then(|| p.required_len("groupname", 1, MAX_NAME)).transpose()?,
        group_type: group_type(p)?,
        description: p.text_len("description", 0, MAX_DESCRIPTION)?,
        master_group_id: p.int("mastergroupid", 0, i64::MAX)?,
        company_id: p.int("companyid", 0, i64::MAX)?,
    };
    store.update_user_group(id, &patch)?;
    Ok(Json::from("Group Updated Successfully"))
}

/// DELETE Group: its users and license assignments go with it, its subgroups lose their
/// master group.
pub fn delete(store: &dyn Store, p: &Params) -> ApiResult {
    store.delete_user_group(&either(p, "groupid", "groupname")?)?;
    Ok(Json::from("Group Deleted Successfully"))
}

/// GET GroupUser.
pub fn get_user(store: &dyn Store, clock: &Clock, p: &Params) -> ApiResult {
    let user = store.group_user(&either(p, "groupuserid", "username")?)?;
    Ok(render_user(&user, clock.now()))
}

/// POST GroupUser.
pub fn post_user(store: &dyn Store, p: &Params) -> ApiResult {
    let group_id = p.required_int("groupid", 1, i64::MAX)?;
    let username = username(p)?;
    let password = password(p)?;
    let details = details(p)?;
    let user = NewGroupUser { group_id, username, password_hash: passwords::hash(&password), details };
    let id = store.create_group_user(&user)?;
    Ok(Json::from(format!("Group User Created Successfully : {id}")))
}

/// PUT GroupUser: omitted fields stay as they are.
pub fn put_user(store: &dyn Store, p: &Params) -> ApiResult {
    let id = p.required_int("groupuserid", 1, i64::MAX)?;
    let patch = GroupUserPatch {
        group_id: p.required_int("groupid", 1, i64::MAX)?,
        username: p.has("username").then(|| username(p)).transpose()?,
        first_name: detail(p, "firstname")?,
        last_name: detail(p, "lastname")?,
        email: detail(p, "email")?,
        telephone: detail(p, "telephone")?,
        additional_data: additional_data(p)?,
    };
    store.update_group_user(id, &patch)?;
    Ok(Json::from("Group User Updated Successfully"))
}

/// DELETE GroupUser.
pub fn delete_user(store: &dyn Store, p: &Params) -> ApiResult {
    store.delete_group_user(p.required_int("groupuserid", 1, i64::MAX)?)?;
    Ok(Json::from("Group User Deleted Successfully"))
}

/// PUT GroupUserPassword: a new password, which also lifts a lock.
pub fn put_password(store: &dyn Store, p: &Params) -> ApiResult {
    let username = username(p)?;
    let password = password(p)?;
    store.set_group_user_password(&username, &passwords::hash(&password))?;
    Ok(Json::from("Group User Password Updated Successfully"))
}

/// `computersperuser` (beyond the seed): on how many computers each of the group's users may
/// activate the code (`lk_activate_user`); 1 unless given.
fn computers_per_user(p: &Params) -> Result<i64, ApiError> {
    Ok(p.int("computersperuser", 1, MAX_COMPUTERS_PER_USER)?.unwrap_or(1))
}

/// The most computers a license may allow one user.
const MAX_COMPUTERS_PER_USER: i64 = 10_000;

/// GET GroupLicenseCode.
pub fn get_license(store: &dyn Store, p: &Params) -> ApiResult {
    let product = product_id(p)?;
    Ok(render_license(&store.group_license(&product, &license_code(p)?)?))
}

/// POST GroupLicenseCode: omitted `companyid` and `profileid` leave the code's company and
/// profile as they are; 0 removes them.
pub fn post_license(store: &dyn Store, p: &Params) -> ApiResult {
    let assignment = GroupCodeAssignment {
        group_id: p.required_int("groupid", 1, i64::MAX)?,
        product_id: product_id(p)?,
        code: license_code(p)?,
        computers_per_user: computers_per_user(p)?,
        company_id: p.int("companyid", 0, i64::MAX)?,
        profile_id: p.int("profileid", 0, i64::MAX)?,
    };
    store.assign_group_license(&assignment)?;
    Ok(Json::from("Group License Code Assigned Successfully"))
}

/// DELETE GroupLicenseCode: the code leaves the group (its activity stays).
pub fn delete_license(store: &dyn Store, p: &Params) -> ApiResult {
    let group_id = p.required_int("groupid", 1, i64::MAX)?;
    store.unassign_group_license(group_id, &product_id(p)?, &license_code(p)?)?;
    Ok(Json::from("Group License Code Unassigned Successfully"))
}

/// POST GroupUserLicense: a standard group, its user and a code assigned, all or nothing.
pub fn post_user_license(store: &dyn Store, p: &Params) -> ApiResult {
    let group_name = p.required_len("groupname", 1, MAX_NAME)?;
    let product_id = product_id(p)?;
    let code = license_code(p)?;
    let username = username(p)?;
    let password = password(p)?;
    let details = details(p)?;
    let user = NewGroupUser { group_id: 0, username, password_hash: passwords::hash(&password), details };
    let (group, user) = store.create_group_user_license(&NewGroupUserLicense {
        group_name,
        product_id,
        code,
        computers_per_user: computers_per_user(p)?,
        user,
    })?;
    Ok(Json::from(format!("Group User License Created Successfully : {group},{user}")))
}

/// GET AuthenticateUser: one answer for an unknown username and a wrong password (403);
/// 429 while backing off after repeated failures, 423 while locked.
pub fn authenticate(store: &dyn Store, clock: &Clock, p: &Params) -> ApiResult {
    let username = username(p)?;
    let password = p.secret("password", 1, passwords::MAX_LEN)?;
    match store.authenticate_user(&username, &password, clock.now())? {
        Ok(user) => Ok(obj! {
            "groupUserID" => user.group_user_id,
            "groupID" => user.group_id,
            "userName" => &user.username,
            "authenticated" => Json::Bool(true),
        }),
        Err(refusal) => Err(login_refused(refusal)),
    }
}

/// The Web API's answer to a refused login.
fn login_refused(refusal: LoginRefusal) -> ApiError {
    match refusal {
        LoginRefusal::WrongCredentials => {
            ApiError::new(StatusCode::FORBIDDEN, "invalid username or password")
        }
        LoginRefusal::SlowDown { retry_after_secs } => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "too many failed logins for this user: try again in {retry_after_secs} s (the password was not checked)"
            ),
        ),
        LoginRefusal::Locked { until } => ApiError::new(
            StatusCode::LOCKED,
            format!(
                "this user is locked after {LOGIN_LOCK_AFTER} failed logins until {} UTC; setting a new password \
                 (PUT GroupUserPassword) unlocks it",
                datetime::format(until)
            ),
        ),
    }
}

/// The schema of GET GroupUser's answer (and of GET Group's users), for the OpenAPI
/// document: the seed's fields and the two beyond it.
pub fn user_answer_schema() -> serde_json::Value {
    use serde_json::json;
    let text = || json!({ "type": "string" });
    let date = || json!({ "type": "string", "description": "UTC, the seed's format" });
    let int = || json!({ "type": "integer" });
    json!({
        "type": "object",
        "required": ["groupUserID", "groupID", "userName", "firstName", "lastName", "email", "telephone",
                     "additionalData", "created", "modified", "failedLogins", "lockedUntil"],
        "properties": {
            "groupUserID": int(), "groupID": int(), "userName": text(), "firstName": text(), "lastName": text(),
            "email": text(), "telephone": text(),
            "additionalData": { "type": "string", "description": "A JSON object, as text" },
            "created": date(), "modified": date(),
            "failedLogins": { "type": "integer", "description": "Beyond the seed: consecutive failed logins" },
            "lockedUntil": { "type": "string", "nullable": true,
                             "description": "Beyond the seed: the end of the lock after failed logins, null when not locked" },
        },
    })
}

/// The schema of GET Group's answer, for the OpenAPI document.
pub fn group_answer_schema() -> serde_json::Value {
    use serde_json::json;
    let int = || json!({ "type": "integer" });
    let text = || json!({ "type": "string" });
    let license = json!({
        "type": "object",
        "required": ["groupID", "productID", "licenseCode", "created", "computersPerUser"],
        "properties": { "groupID": int(), "productID": text(), "licenseCode": text(), "created": text(),
                        "computersPerUser": { "type": "integer",
                                              "description": "Beyond the seed: computers each user may activate on" } },
    });
    json!({
        "type": "object",
        "required": ["groupID", "type", "masterGroupID", "groupName", "description", "created", "modified",
                     "companyID", "groupLicenses", "groupUsers", "subGroups"],
        "properties": {
            "groupID": int(), "type": { "type": "string", "enum": ["Master", "Standard"] }, "masterGroupID": int(),
            "groupName": text(), "description": text(), "created": text(), "modified": text(), "companyID": int(),
            "groupLicenses": { "type": "array", "items": license },
            "groupUsers": { "type": "array", "items": user_answer_schema() },
            "subGroups": { "type": "array", "items": { "type": "object", "required": ["groupID", "groupName"],
                "properties": { "groupID": int(), "groupName": text() } } },
        },
    })
}

/// The details POST and PUT GroupUser (and POST GroupUserLicense) read.
const DETAIL_FIELDS: &[Field] = &[
    Field::new("firstname"),
    Field::new("lastname"),
    Field::new("email"),
    Field::new("telephone"),
    Field::new("additionaldata"),
];
/// GET and DELETE Group's fields.
pub const KEY_FIELDS: Fields = &[&[Field::new("groupid"), Field::new("groupname")]];
/// What POST and PUT Group read beside the key.
const GROUP_FIELDS: &[Field] = &[
    Field::new("groupname"),
    Field::new("type"),
    Field::new("description"),
    Field::new("mastergroupid"),
    Field::new("companyid"),
];
/// POST Group's fields.
pub const POST_FIELDS: Fields = &[GROUP_FIELDS];
/// PUT Group's fields.
pub const PUT_FIELDS: Fields = &[&[Field::new("groupid")], GROUP_FIELDS];
/// GET GroupUser's fields.
pub const USER_KEY_FIELDS: Fields = &[&[Field::new("groupuserid"), Field::new("username")]];
/// POST GroupUser's fields.
pub const POST_USER_FIELDS: Fields =
    &[&[Field::new("groupid"), Field::new("username"), Field::new("password")], DETAIL_FIELDS];
/// PUT GroupUser's fields.
pub const PUT_USER_FIELDS: Fields =
    &[&[Field::new("groupuserid"), Field::new("groupid"), Field::new("username")], DETAIL_FIELDS];
/// DELETE GroupUser's fields.
pub const DELETE_USER_FIELDS: Fields = &[&[Field::new("groupuserid")]];
/// PUT GroupUserPassword's and GET AuthenticateUser's fields.
pub const CREDENTIAL_FIELDS: Fields = &[&[Field::new("username"), Field::new("password")]];
/// GET GroupLicenseCode's fields.
pub const GET_LICENSE_FIELDS: Fields = &[&[PRODUCT_ID, Field::new("licensecode")]];
/// POST GroupLicenseCode's fields.
pub const POST_LICENSE_FIELDS: Fields = &[&[
    Field::new("groupid"),
    PRODUCT_ID,
    Field::new("licensecode"),
    Field::new("companyid"),
    Field::new("profileid"),
    Field::new("computersperuser"),
]];
/// DELETE GroupLicenseCode's fields.
pub const DELETE_LICENSE_FIELDS: Fields = &[&[Field::new("groupid"), PRODUCT_ID, Field::new("licensecode")]];
/// POST GroupUserLicense's fields.
pub const POST_USER_LICENSE_FIELDS: Fields = &[
    &[
        Field::new("groupname"),
        PRODUCT_ID,
        Field::new("licensecode"),
        Field::new("username"),
        Field::new("password"),
        Field::new("computersperuser"),
    ],
    DETAIL_FIELDS,
];
