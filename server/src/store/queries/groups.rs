//! Groups of users, their users and the license codes assigned to groups: account-based
//! licensing. Passwords arrive here hashed and are checked by the caller, outside any
//! transaction (see [`crate::passwords`]): these queries only read a hash and record the
//! outcome of a login.

use super::db::{self, Connection, OptionalExtension, params};

use super::{codes, companies};
use crate::datetime::now_millis;
use crate::store::model::*;
use crate::store::{StoreError, StoreResult};

const GROUP_COLUMNS: &str = "id, group_type, coalesce(master_group_id, 0), name, description, coalesce(company_id, 0), created, modified";

const USER_COLUMNS: &str = "id, group_id, username, first_name, last_name, email, telephone, additional_data,
    failed_logins, locked_until, created, modified";

fn read_group(r: &db::Row<'_>) -> db::Result<UserGroup> {
    let kind: String = r.get(1)?;
    Ok(UserGroup {
        id: r.get(0)?,
        group_type: GroupType::from_name(&kind).ok_or_else(|| db::bad_value(1, kind.clone()))?,
        master_group_id: r.get(2)?,
        name: r.get(3)?,
        description: r.get(4)?,
        company_id: r.get(5)?,
        created: r.get(6)?,
        modified: r.get(7)?,
        licenses: Vec::new(),
        users: Vec::new(),
        subgroups: Vec::new(),
    })
}

fn read_user(r: &db::Row<'_>) -> db::Result<GroupUser> {
    Ok(GroupUser {
        id: r.get(0)?,
        group_id: r.get(1)?,
        username: r.get(2)?,
        details: UserDetails {
            first_name: r.get(3)?,
            last_name: r.get(4)?,
            email: r.get(5)?,
            telephone: r.get(6)?,
            additional_data: r.get(7)?,
        },
        failed_logins: r.get(8)?,
        locked_until: r.get(9)?,
        created: r.get(10)?,
        modified: r.get(11)?,
    })
}

fn read_license(r: &db::Row<'_>) -> db::Result<GroupLicense> {
    Ok(GroupLicense {
        group_id: r.get(0)?,
        product_id: r.get(1)?,
        code: r.get(2)?,
        created: r.get(3)?,
        computers_per_user: r.get(4)?,
    })
}

const LICENSE_SELECT: &str = "SELECT g.group_id, lc.product_id, g.code, g.created, g.computers_per_user
    FROM group_license_codes g JOIN license_codes lc ON lc.code = g.code";

/// The group's own row, without what hangs off it.
fn group_row(conn: &Connection, group: &Lookup) -> StoreResult<UserGroup> {
    let found = match group {
        Lookup::Id(id) => conn
            .prepare_cached(&format!("SELECT {GROUP_COLUMNS} FROM user_groups WHERE id = ?1"))?
            .query_row([id], read_group),
        Lookup::Name(name) => conn
            .prepare_cached(&format!("SELECT {GROUP_COLUMNS} FROM user_groups WHERE name = ?1"))?
            .query_row([name], read_group),
    };
    found.optional()?.ok_or_else(|| match group {
        Lookup::Id(id) => StoreError::NotFound(format!("groupid: group {id} not found")),
        Lookup::Name(name) => StoreError::NotFound(format!("groupname: group {name} not found")),
    })
}

/// A group with its license codes, users and subgroups.
pub fn group(conn: &Connection, group: &Lookup) -> StoreResult<UserGroup> {
    let mut found = group_row(conn, group)?;
    found.licenses = conn
        .prepare_cached(&format!("{LICENSE_SELECT} WHERE g.group_id = ?1 ORDER BY g.created, g.code"))?
        .query_map([found.id], read_license)?
        .collect::<Result<_, _>>()?;
    found.users = conn
        .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM group_users WHERE group_id = ?1 ORDER BY id"))?
        .query_map([found.id], read_user)?
        .collect::<Result<_, _>>()?;
    found.subgroups = conn
        .prepare_cached("SELECT id, name FROM user_groups WHERE master_group_id = ?1 ORDER BY id")?
        .query_map([found.id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(found)
}

fn group_name_taken(conn: &Connection, name: &str, except: i64) -> StoreResult<()> {
    let taken = conn
        .prepare_cached("SELECT 1 FROM user_groups WHERE name = ?1 AND id != ?2")?
        .exists(params![name, except])?;
    if taken {
        return Err(StoreError::Conflict(format!("groupname: group {name} already exists")));
    }
    Ok(())
}

/// `NotFound` for a company ID (other than 0) that names no company.
fn company_must_exist(conn: &Connection, company_id: i64) -> StoreResult<Option<i64>> {
    if company_id == 0 {
        return Ok(None);
    }
    companies::by_id(conn, company_id, None)?;
    Ok(Some(company_id))
}

/// The master group of a group of type `group_type` with ID `id` (0 for a new group): 0 =
/// none; otherwise an existing master group other than itself, for a standard group only.
fn master_must_fit(
    conn: &Connection,
    master: i64,
    id: i64,
    group_type: GroupType,
) -> StoreResult<Option<i64>> {
    if master == 0 {
        return Ok(None);
    }
    if master == id {
        return Err(StoreError::Invalid(format!("mastergroupid: group {id} cannot be its own master group")));
    }
    if group_type == GroupType::Master {
        return Err(StoreError::Invalid(
            "mastergroupid: a master group cannot belong to another master group; only standard groups can"
                .into(),
        ));
    }
    let kind: Option<String> = conn
        .prepare_cached("SELECT group_type FROM user_groups WHERE id = ?1")?
        .query_row([master], |r| r.get(0))
        .optional()?;
    match kind.as_deref() {
        Some("Master") => Ok(Some(master)),
        Some(_) => Err(StoreError::Invalid(format!("mastergroupid: group {master} is not a master group"))),
        None => Err(StoreError::Invalid(format!("mastergroupid: group {master} does not exist"))),
    }
}

fn insert_group(conn: &Connection, group: &NewUserGroup) -> StoreResult<i64> {
    group_name_taken(conn, &group.name, 0)?;
    let master = master_must_fit(conn, group.master_group_id, 0, group.group_type)?;
    let company = company_must_exist(conn, group.company_id)?;
    let now = now_millis();
    Ok(conn.query_row(
        "INSERT INTO user_groups (name, group_type, master_group_id, description, company_id, created, modified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING id",
        params![group.name, group.group_type.name(), master, group.description, company, now],
        |r| r.get(0),
    )?)
}

pub fn create_group(conn: &Connection, group: &NewUserGroup) -> StoreResult<i64> {
    insert_group(conn, group)
}

pub fn update_group(conn: &Connection, id: i64, patch: &UserGroupPatch) -> StoreResult<()> {
    let current = group_row(conn, &Lookup::Id(id))?;
    let name = patch.name.clone().unwrap_or(current.name);
    group_name_taken(conn, &name, id)?;
    let group_type = patch.group_type.unwrap_or(current.group_type);
    let master =
        master_must_fit(conn, patch.master_group_id.unwrap_or(current.master_group_id), id, group_type)?;
    if group_type == GroupType::Standard {
        let has_subgroups =
            conn.prepare_cached("SELECT 1 FROM user_groups WHERE master_group_id = ?1")?.exists([id])?;
        if has_subgroups {
            return Err(StoreError::Invalid(format!(
                "type: group {id} is the master group of other groups; move them first (their mastergroupid)"
            )));
        }
    }
    let company = company_must_exist(conn, patch.company_id.unwrap_or(current.company_id))?;
    conn.execute(
        "UPDATE user_groups SET name = ?2, group_type = ?3, master_group_id = ?4, description = ?5, company_id = ?6,
         modified = ?7 WHERE id = ?1",
        params![
            id,
            name,
            group_type.name(),
            master,
            patch.description.clone().unwrap_or(current.description),
            company,
            now_millis()
        ],
    )?;
    Ok(())
}

/// Deletes a group with its users and its license assignments; its subgroups lose their
/// master group (0). The codes themselves stay.
pub fn delete_group(conn: &Connection, group: &Lookup) -> StoreResult<()> {
    let id = group_row(conn, group)?.id;
    conn.execute("DELETE FROM group_users WHERE group_id = ?1", [id])?;
    conn.execute("DELETE FROM group_license_codes WHERE group_id = ?1", [id])?;
    conn.execute("UPDATE user_groups SET master_group_id = NULL WHERE master_group_id = ?1", [id])?;
    conn.execute("DELETE FROM user_groups WHERE id = ?1", [id])?;
    Ok(())
}

pub fn user(conn: &Connection, user: &Lookup) -> StoreResult<GroupUser> {
    let found = match user {
        Lookup::Id(id) => conn
            .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM group_users WHERE id = ?1"))?
            .query_row([id], read_user),
        Lookup::Name(name) => conn
            .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM group_users WHERE username = ?1"))?
            .query_row([name], read_user),
    };
    found.optional()?.ok_or_else(|| match user {
        Lookup::Id(id) => StoreError::NotFound(format!("groupuserid: group user {id} not found")),
        Lookup::Name(name) => StoreError::NotFound(format!("username: group user {name} not found")),
    })
}

fn username_taken(conn: &Connection, username: &str, except: i64) -> StoreResult<()> {
    let taken = conn
        .prepare_cached("SELECT 1 FROM group_users WHERE username = ?1 AND id != ?2")?
        .exists(params![username, except])?;
    if taken {
        return Err(StoreError::Conflict(format!("username: group user {username} already exists")));
    }
    Ok(())
}

pub fn create_user(conn: &Connection, user: &NewGroupUser) -> StoreResult<i64> {
    group_row(conn, &Lookup::Id(user.group_id))?;
    username_taken(conn, &user.username, 0)?;
    let d = &user.details;
    let now = now_millis();
    Ok(conn.query_row(
        "INSERT INTO group_users (group_id, username, password_hash, first_name, last_name, email, telephone,
            additional_data, created, modified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) RETURNING id",
        params![
            user.group_id,
            user.username,
            user.password_hash,
            d.first_name,
            d.last_name,
            d.email,
            d.telephone,
            d.additional_data,
            now
        ],
        |r| r.get(0),
    )?)
}

pub fn update_user(conn: &Connection, id: i64, patch: &GroupUserPatch) -> StoreResult<()> {
    let current = user(conn, &Lookup::Id(id))?;
    group_row(conn, &Lookup::Id(patch.group_id))?;
    let username = patch.username.clone().unwrap_or(current.username);
    username_taken(conn, &username, id)?;
    let d = current.details;
    conn.execute(
        "UPDATE group_users SET group_id = ?2, username = ?3, first_name = ?4, last_name = ?5, email = ?6,
            telephone = ?7, additional_data = ?8, modified = ?9 WHERE id = ?1",
        params![
            id,
            patch.group_id,
            username,
            patch.first_name.clone().unwrap_or(d.first_name),
            patch.last_name.clone().unwrap_or(d.last_name),
            patch.email.clone().unwrap_or(d.email),
            patch.telephone.clone().unwrap_or(d.telephone),
            patch.additional_data.clone().unwrap_or(d.additional_data),
            now_millis()
        ],
    )?;
    Ok(())
}

pub fn delete_user(conn: &Connection, id: i64) -> StoreResult<()> {
    if conn.execute("DELETE FROM group_users WHERE id = ?1", [id])? == 0 {
        return Err(StoreError::NotFound(format!("groupuserid: group user {id} not found")));
    }
    Ok(())
}

/// Sets a new password hash and clears the record of failed logins, and so any lock.
pub fn set_password(conn: &Connection, username: &str, password_hash: &str) -> StoreResult<()> {
    let changed = conn.execute(
        "UPDATE group_users SET password_hash = ?2, failed_logins = 0, last_failed_login = NULL, locked_until = NULL,
            modified = ?3 WHERE username = ?1",
        params![username, password_hash, now_millis()],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("username: group user {username} not found")));
    }
    Ok(())
}

/// The assignment of a code of a product to a group.
pub fn license(conn: &Connection, product_id: &str, code: &str) -> StoreResult<GroupLicense> {
    codes::must_exist(conn, product_id, code)?;
    conn.prepare_cached(&format!("{LICENSE_SELECT} WHERE g.code = ?1"))?
        .query_row([code], read_license)
        .optional()?
        .ok_or_else(|| {
            StoreError::NotFound(format!("licensecode: license code {code} is not assigned to a group"))
        })
}

fn insert_assignment(
    conn: &Connection,
    group_id: i64,
    product_id: &str,
    code: &str,
    computers_per_user: i64,
) -> StoreResult<()> {
    codes::must_exist(conn, product_id, code)?;
    let holder: Option<i64> = conn
        .prepare_cached("SELECT group_id FROM group_license_codes WHERE code = ?1")?
        .query_row([code], |r| r.get(0))
        .optional()?;
    if let Some(holder) = holder {
        return Err(StoreError::Conflict(format!(
            "licensecode: license code {code} is already assigned to group {holder}"
        )));
    }
    conn.execute(
        "INSERT INTO group_license_codes (code, group_id, computers_per_user, created) VALUES (?1, ?2, ?3, ?4)",
        params![code, group_id, computers_per_user, now_millis()],
    )?;
    Ok(())
}

/// Assigns a code to a group, and to a company and a profile as `PUT LicenseCode` would.
pub fn assign(conn: &Connection, a: &GroupCodeAssignment) -> StoreResult<()> {
    group_row(conn, &Lookup::Id(a.group_id))?;
    insert_assignment(conn, a.group_id, &a.product_id, &a.code, a.computers_per_user)?;
    let profile = match a.profile_id {
        None => None,
        Some(0) => Some(None),
        Some(id) => {
            let name: String = conn
                .prepare_cached("SELECT name FROM profiles WHERE id = ?1 AND product_id = ?2")?
                .query_row(params![id, a.product_id], |r| r.get(0))
                .optional()?
                .ok_or_else(|| {
                    StoreError::NotFound(format!(
                        "profileid: profile {id} not found in product {}",
                        a.product_id
                    ))
                })?;
            Some(Some(name))
        }
    };
    if a.company_id.is_some() || profile.is_some() {
        let change = CodeChange { company_id: a.company_id, profile, ..CodeChange::default() };
        codes::update(conn, &a.product_id, &a.code, &change)?;
    }
    Ok(())
}

pub fn unassign(conn: &Connection, group_id: i64, product_id: &str, code: &str) -> StoreResult<()> {
    group_row(conn, &Lookup::Id(group_id))?;
    codes::must_exist(conn, product_id, code)?;
    let removed = conn.execute(
        "DELETE FROM group_license_codes WHERE code = ?1 AND group_id = ?2",
        params![code, group_id],
    )?;
    if removed == 0 {
        return Err(StoreError::NotFound(format!(
            "licensecode: license code {code} is not assigned to group {group_id}"
        )));
    }
    Ok(())
}

/// A standard group, its user and the code's assignment; returns the group's and the
/// user's IDs.
pub fn create_user_license(conn: &Connection, request: &NewGroupUserLicense) -> StoreResult<(i64, i64)> {
    let group = NewUserGroup {
        name: request.group_name.clone(),
        group_type: GroupType::Standard,
        description: String::new(),
        master_group_id: 0,
        company_id: 0,
    };
    let group_id = insert_group(conn, &group)?;
    let user_id = create_user(conn, &NewGroupUser { group_id, ..request.user.clone() })?;
    insert_assignment(conn, group_id, &request.product_id, &request.code, request.computers_per_user)?;
    Ok((group_id, user_id))
}

/// What a login needs of a user: (ID, password hash).
pub type LoginClaim = (i64, String);

/// The first half of a login, in its own short transaction: refuses it when the user is
/// locked or backing off, else counts it as a failure before the password is checked (so
/// concurrent guesses queue behind the back-off instead of all passing it) and returns
/// what to verify. `None`: no such user.
pub fn claim_login(
    conn: &Connection,
    username: &str,
    now: i64,
) -> StoreResult<Option<Result<LoginClaim, LoginRefusal>>> {
    struct Record {
        id: i64,
        hash: String,
        failures: i64,
        last_failure: Option<i64>,
        locked_until: Option<i64>,
    }
    let found = conn
        .prepare_cached(
            "SELECT id, password_hash, failed_logins, last_failed_login, locked_until FROM group_users WHERE username = ?1",
        )?
        .query_row([username], |r| {
            Ok(Record {
                id: r.get(0)?,
                hash: r.get(1)?,
                failures: r.get(2)?,
                last_failure: r.get(3)?,
                locked_until: r.get(4)?,
            })
        })
        .optional()?;
    let Some(Record { id, hash, failures, last_failure, locked_until }) = found else { return Ok(None) };
    if let Err(refusal) = login_allowed(failures, last_failure, locked_until, now) {
        return Ok(Some(Err(refusal)));
    }
    let failures = failures + 1;
    let locked_until = if failures >= LOGIN_LOCK_AFTER { Some(now + LOGIN_LOCK_MILLIS) } else { None };
    conn.execute(
        "UPDATE group_users SET failed_logins = ?2, last_failed_login = ?3, locked_until = ?4 WHERE id = ?1",
        params![id, failures, now, locked_until],
    )?;
    Ok(Some(Ok((id, hash))))
}

/// The second half of a login whose password was right: the failure counted by
/// [`claim_login`] and every one before it are forgotten, and the user's codes returned.
/// `None` when the user was deleted or given a new password (`hash` is the one verified)
/// meanwhile: the password checked is no longer the user's.
pub fn login_succeeded(conn: &Connection, id: i64, hash: &str) -> StoreResult<Option<AuthenticatedUser>> {
    let reset = conn.execute(
        "UPDATE group_users SET failed_logins = 0, last_failed_login = NULL, locked_until = NULL
         WHERE id = ?1 AND password_hash = ?2",
        params![id, hash],
    )?;
    if reset == 0 {
        return Ok(None);
    }
    let user = user(conn, &Lookup::Id(id))?;
    let master = group_row(conn, &Lookup::Id(user.group_id))?.master_group_id;
    let mut licenses = Vec::new();
    for group_id in [user.group_id, master].into_iter().filter(|&g| g != 0) {
        let codes = conn
            .prepare_cached(&format!("{LICENSE_SELECT} WHERE g.group_id = ?1 ORDER BY g.created, g.code"))?
            .query_map([group_id], read_license)?
            .collect::<Result<Vec<_>, _>>()?;
        licenses.extend(codes);
    }
    Ok(Some(AuthenticatedUser {
        group_user_id: user.id,
        group_id: user.group_id,
        username: user.username,
        licenses,
    }))
}
