//! License-code profiles: named templates whose settings codes take when allocated in them,
//! and take again on request (`inheritprofile`).

use super::db;
use super::db::{Connection, OptionalExtension, params};

use super::licensing::{self, Owner, SETTINGS_COLUMNS};
use super::product_must_exist;
use crate::datetime::now_millis;
use crate::store::model::*;
use crate::store::{StoreError, StoreResult};

fn select() -> String {
    format!(
        "SELECT product_id, id, name, coalesce(reseller_id, 0), created, modified, {SETTINGS_COLUMNS} FROM profiles"
    )
}

fn read(row: &db::Row<'_>) -> db::Result<Profile> {
    Ok(Profile {
        product_id: row.get(0)?,
        id: row.get(1)?,
        name: row.get(2)?,
        reseller_id: row.get(3)?,
        created: row.get(4)?,
        modified: row.get(5)?,
        settings: licensing::read_settings(row, 6)?,
        features: Vec::new(),
        udfs: Vec::new(),
        server_functions: Vec::new(),
    })
}

/// Fills the profiles' features, UDFs and server functions, one statement for all of them.
fn fill(conn: &Connection, profiles: &mut [Profile]) -> StoreResult<()> {
    let owners: Vec<Owner<'_>> = profiles.iter().map(|p| Owner::Profile(p.id)).collect();
    let extras = licensing::extras(conn, &owners)?;
    for (profile, extras) in profiles.iter_mut().zip(extras) {
        profile.features = extras.features;
        profile.udfs = extras.udfs;
        profile.server_functions = extras.server_functions;
    }
    Ok(())
}

/// The ID of a product's profile, or `NotFound` naming the field.
pub fn id(conn: &Connection, product_id: &str, name: &str) -> StoreResult<i64> {
    conn.prepare_cached("SELECT id FROM profiles WHERE product_id = ?1 AND name = ?2")?
        .query_row([product_id, name], |r| r.get(0))
        .optional()?
        .ok_or_else(|| {
            StoreError::NotFound(format!("profilename: profile {name} not found in product {product_id}"))
        })
}

pub fn load(conn: &Connection, product_id: &str, name: &str) -> StoreResult<Profile> {
    product_must_exist(conn, product_id)?;
    let id = id(conn, product_id, name)?;
    let mut profile = conn.prepare_cached(&format!("{} WHERE id = ?1", select()))?.query_row([id], read)?;
    fill(conn, std::slice::from_mut(&mut profile))?;
    Ok(profile)
}

pub fn count(conn: &Connection, product_id: Option<&str>) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM profiles WHERE ?1 IS NULL OR product_id = ?1")?
        .query_row([product_id], |r| r.get(0))?)
}

pub fn page(conn: &Connection, product_id: Option<&str>, page: Page) -> StoreResult<Vec<Profile>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{} WHERE ?1 IS NULL OR product_id = ?1 ORDER BY id LIMIT ?2 OFFSET ?3",
        select()
    ))?;
    let mut profiles: Vec<Profile> =
        stmt.query_map(params![product_id, page.size, page.offset()], read)?.collect::<Result<_, _>>()?;
    fill(conn, &mut profiles)?;
    Ok(profiles)
}

fn name_taken(conn: &Connection, product_id: &str, name: &str) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM profiles WHERE product_id = ?1 AND name = ?2")?
        .exists([product_id, name])?)
}

pub fn create(conn: &Connection, product_id: &str, name: &str, change: &ProfileChange) -> StoreResult<()> {
    product_must_exist(conn, product_id)?;
    if name.eq_ignore_ascii_case("default") || name_taken(conn, product_id, name)? {
        return Err(StoreError::Conflict(format!("profilename: profile {name} already exists")));
    }
    let settings = Settings::profile_defaults().apply(&change.settings, true).map_err(StoreError::Invalid)?;
    let reseller = licensing::reseller_id(conn, change.reseller.as_deref().unwrap_or(""))?;
    let now = now_millis();
    let placeholders: Vec<String> = (6..20).map(|i| format!("?{i}")).collect();
    let mut values: Vec<db::Value> = vec![
        product_id.to_owned().into(),
        name.to_owned().into(),
        reseller.map_or(db::Value::Null, Into::into),
        now.into(),
        now.into(),
    ];
    values.extend(licensing::settings_values(&settings));
    let id = conn.query_row(
        &format!(
            "INSERT INTO profiles (product_id, name, reseller_id, created, modified, {SETTINGS_COLUMNS})
             VALUES (?1, ?2, ?3, ?4, ?5, {}) RETURNING id",
            placeholders.join(", ")
        ),
        db::params_from_iter(values),
        |r| r.get(0),
    )?;
    licensing::apply_extras(conn, Owner::Profile(id), product_id, &change.extras)
}

pub fn update(
    conn: &Connection,
    product_id: &str,
    name: &str,
    change: &ProfileChange,
    inherit: bool,
) -> StoreResult<()> {
    let profile = load(conn, product_id, name)?;
    if let Some(new_name) = &change.new_name {
        if new_name.eq_ignore_ascii_case("default")
            || (name_taken(conn, product_id, new_name)? && !new_name.eq_ignore_ascii_case(name))
        {
            return Err(StoreError::Conflict(format!("newprofilename: profile {new_name} already exists")));
        }
        conn.execute("UPDATE profiles SET name = ?2 WHERE id = ?1", params![profile.id, new_name])?;
    }
    if let Some(reseller) = &change.reseller {
        let reseller = licensing::reseller_id(conn, reseller)?;
        conn.execute("UPDATE profiles SET reseller_id = ?2 WHERE id = ?1", params![profile.id, reseller])?;
    }
    let settings = profile.settings.apply(&change.settings, false).map_err(StoreError::Invalid)?;
    licensing::write_settings(conn, Owner::Profile(profile.id), &settings)?;
    licensing::apply_extras(conn, Owner::Profile(profile.id), product_id, &change.extras)?;
    if inherit {
        // The codes in the profile take the changes this request made, each under the same
        // rules as a direct update of the code; one refusal refuses the whole request.
        let codes: Vec<(String, Settings)> = conn
            .prepare_cached(&format!(
                "SELECT code, {SETTINGS_COLUMNS} FROM license_codes WHERE profile_id = ?1"
            ))?
            .query_map([profile.id], |r| Ok((r.get(0)?, licensing::read_settings(r, 1)?)))?
            .collect::<Result<_, _>>()?;
        for (code, current) in codes {
            let updated = current
                .apply(&change.settings, false)
                .map_err(|e| StoreError::Invalid(format!("inheritprofile: license code {code}: {e}")))?;
            licensing::write_settings(conn, Owner::Code(&code), &updated)?;
            licensing::apply_extras(conn, Owner::Code(&code), product_id, &change.extras)?;
        }
    }
    Ok(())
}
