//! Products, their feature groups, features and Application Agility UDFs.

use super::db;
use super::db::{Connection, OptionalExtension, params};

use super::product_must_exist;
use crate::datetime::now_millis;
use crate::random;
use crate::store::model::*;
use crate::store::{StoreError, StoreResult};

const PRODUCT_COLUMNS: &str = "id, name, in_trial, trial_period, client_lease_period, vm_lease_period, \
    client_offline_lease_period, license_type, clients_allowed, subscription_period, subscription_end, \
    offline_request_days, clone_policy";

fn read_product(row: &db::Row<'_>) -> db::Result<Product> {
    let license_type: String = row.get(7)?;
    let clone_policy: String = row.get(12)?;
    Ok(Product {
        id: row.get(0)?,
        name: row.get(1)?,
        in_trial: row.get(2)?,
        trial_period: row.get(3)?,
        client_lease_period: row.get(4)?,
        vm_lease_period: row.get(5)?,
        client_offline_lease_period: row.get(6)?,
        license_type: LicenseType::from_name(&license_type).unwrap_or(LicenseType::Perpetual),
        clients_allowed: row.get(8)?,
        subscription_period: row.get(9)?,
        subscription_end: row.get(10)?,
        offline_request_days: row.get(11)?,
        clone_policy: ClonePolicy::from_name(&clone_policy).unwrap_or(ClonePolicy::Refuse),
        features: Vec::new(),
        udfs: Vec::new(),
    })
}

fn fill(conn: &Connection, product: &mut Product) -> StoreResult<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT f.code, f.name, f.availability, f.feature_type, f.notes, coalesce(g.name, 'Default'), f.available_in_trials
         FROM features f LEFT JOIN feature_groups g ON g.id = f.group_id WHERE f.product_id = ?1 ORDER BY f.id",
    )?;
    let rows = stmt.query_map([&product.id], |r| {
        let kind: String = r.get(3)?;
        Ok(ProductFeature {
            code: r.get(0)?,
            name: r.get(1)?,
            on: r.get(2)?,
            feature_type: FeatureType::from_name(&kind).unwrap_or(FeatureType::Normal),
            notes: r.get(4)?,
            group: r.get(5)?,
            available_in_trials: r.get(6)?,
        })
    })?;
    product.features = rows.collect::<Result<_, _>>()?;
    let mut stmt =
        conn.prepare_cached("SELECT name, default_value FROM udfs WHERE product_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([&product.id], |r| Ok(UdfSetting { name: r.get(0)?, value: r.get(1)? }))?;
    product.udfs = rows.collect::<Result<_, _>>()?;
    Ok(())
}

pub fn load(conn: &Connection, product_id: &str) -> StoreResult<Product> {
    let product = conn
        .prepare_cached(&format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE id = ?1"))?
        .query_row([product_id], read_product)
        .optional()?;
    let mut product =
        product.ok_or_else(|| StoreError::NotFound(format!("productid: product {product_id} not found")))?;
    fill(conn, &mut product)?;
    Ok(product)
}

pub fn all(conn: &Connection) -> StoreResult<Vec<Product>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {PRODUCT_COLUMNS} FROM products ORDER BY created, id"))?;
    let mut products: Vec<Product> = stmt.query_map([], read_product)?.collect::<Result<_, _>>()?;
    for product in &mut products {
        fill(conn, product)?;
    }
    Ok(products)
}

fn name_taken(conn: &Connection, name: &str, except: Option<&str>) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM products WHERE name = ?1 AND id IS DISTINCT FROM ?2")?
        .exists(params![name, except])?)
}

pub fn create(conn: &Connection, product: &NewProduct) -> StoreResult<String> {
    if name_taken(conn, &product.name, None)? {
        return Err(StoreError::Conflict(format!(
            "productname: a product named {} already exists",
            product.name
        )));
    }
    // Ten digits like the seed's product IDs; random so IDs reveal nothing about volume.
    let id = loop {
        let candidate = random::digits(10);
        if !conn.prepare_cached("SELECT 1 FROM products WHERE id = ?1")?.exists([&candidate])? {
            break candidate;
        }
    };
    let now = now_millis();
    conn.execute(
        &format!("INSERT INTO products ({PRODUCT_COLUMNS}, created, modified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)"),
        params![
            id,
            product.name,
            product.in_trial,
            product.trial_period,
            product.client_lease_period,
            product.vm_lease_period,
            product.client_offline_lease_period,
            product.license_type.name(),
            product.clients_allowed,
            product.subscription_period,
            product.subscription_end,
            product.offline_request_days,
            product.clone_policy.name(),
            now
        ],
    )?;
    create_groups(conn, &id, &product.groups)?;
    create_features(conn, &id, &product.features)?;
    create_udfs(conn, &id, &product.udfs)?;
    Ok(id)
}

pub fn update(conn: &Connection, product_id: &str, patch: &ProductPatch) -> StoreResult<()> {
    let current = load(conn, product_id)?;
    if let Some(name) = &patch.name
        && name_taken(conn, name, Some(product_id))?
    {
        return Err(StoreError::Conflict(format!("productname: a product named {name} already exists")));
    }
    let (license_type, subscription_period, subscription_end) = subscription_rules(
        Some((current.license_type, current.subscription_period, current.subscription_end)),
        patch.license_type,
        patch.subscription_period,
        patch.subscription_end,
    )
    .map_err(StoreError::Invalid)?;
    conn.execute(
        "UPDATE products SET name = ?2, trial_period = ?3, client_lease_period = ?4, vm_lease_period = ?5,
             client_offline_lease_period = ?6, license_type = ?7, clients_allowed = ?8, subscription_period = ?9,
             subscription_end = ?10, offline_request_days = ?11, clone_policy = ?12, modified = ?13 WHERE id = ?1",
        params![
            product_id,
            patch.name.as_ref().unwrap_or(&current.name),
            patch.trial_period.unwrap_or(current.trial_period),
            patch.client_lease_period.unwrap_or(current.client_lease_period),
            patch.vm_lease_period.unwrap_or(current.vm_lease_period),
            patch.client_offline_lease_period.unwrap_or(current.client_offline_lease_period),
            license_type.name(),
            patch.clients_allowed.unwrap_or(current.clients_allowed),
            subscription_period,
            subscription_end,
            patch.offline_request_days.unwrap_or(current.offline_request_days),
            patch.clone_policy.unwrap_or(current.clone_policy).name(),
            now_millis()
        ],
    )?;
    Ok(())
}

fn group_id(conn: &Connection, product_id: &str, name: &str) -> StoreResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM feature_groups WHERE product_id = ?1 AND name = ?2")?
        .query_row([product_id, name], |r| r.get(0))
        .optional()?)
}

/// Resolves a group name; `default` (any case) is the implicit Default group.
fn resolve_group(conn: &Connection, product_id: &str, name: Option<&str>) -> StoreResult<Option<i64>> {
    match name {
        None => Ok(None),
        Some(n) if n.eq_ignore_ascii_case("default") => Ok(None),
        Some(n) => group_id(conn, product_id, n)?.map(Some).ok_or_else(|| {
            StoreError::NotFound(format!(
                "featuregroupname: feature group {n} not found in product {product_id}"
            ))
        }),
    }
}

pub fn create_groups(conn: &Connection, product_id: &str, groups: &[NewGroup]) -> StoreResult<()> {
    for group in groups {
        if group.name.eq_ignore_ascii_case("default") || group_id(conn, product_id, &group.name)?.is_some() {
            return Err(StoreError::Conflict(format!(
                "featuregroupname: feature group {} already exists",
                group.name
            )));
        }
        conn.prepare_cached("INSERT INTO feature_groups (product_id, name, notes) VALUES (?1, ?2, ?3)")?
            .execute(params![product_id, group.name, group.notes])?;
    }
    Ok(())
}

pub fn update_groups(conn: &Connection, product_id: &str, groups: &[GroupPatch]) -> StoreResult<()> {
    product_must_exist(conn, product_id)?;
    for group in groups {
        let id = group_id(conn, product_id, &group.name)?.ok_or_else(|| {
            StoreError::NotFound(format!(
                "featuregroupname: feature group {} not found in product {product_id}",
                group.name
            ))
        })?;
        if let Some(new_name) = &group.new_name {
            let other = group_id(conn, product_id, new_name)?;
            if new_name.eq_ignore_ascii_case("default") || other.is_some_and(|o| o != id) {
                return Err(StoreError::Conflict(format!(
                    "newfeaturegroupname: feature group {new_name} already exists"
                )));
            }
            conn.execute("UPDATE feature_groups SET name = ?2 WHERE id = ?1", params![id, new_name])?;
        }
        if let Some(notes) = &group.notes {
            conn.execute("UPDATE feature_groups SET notes = ?2 WHERE id = ?1", params![id, notes])?;
        }
    }
    Ok(())
}

pub fn delete_group(conn: &Connection, product_id: &str, name: &str) -> StoreResult<()> {
    product_must_exist(conn, product_id)?;
    let deleted =
        conn.execute("DELETE FROM feature_groups WHERE product_id = ?1 AND name = ?2", [product_id, name])?;
    if deleted == 0 {
        return Err(StoreError::NotFound(format!(
            "featuregroupname: feature group {name} not found in product {product_id}"
        )));
    }
    Ok(())
}

fn trials_rule(code: &str, feature_type: FeatureType, available_in_trials: bool) -> StoreResult<()> {
    if available_in_trials && feature_type != FeatureType::Normal {
        return Err(StoreError::Invalid(format!(
            "availableintrials: only Normal features can be available in trials ({code} is {})",
            feature_type.name()
        )));
    }
    Ok(())
}

fn feature_exists(conn: &Connection, product_id: &str, code: &str) -> StoreResult<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM features WHERE product_id = ?1 AND code = ?2")?
        .query_row([product_id, code], |r| r.get(0))
        .optional()?)
}

pub fn create_features(conn: &Connection, product_id: &str, features: &[NewFeature]) -> StoreResult<()> {
    for feature in features {
        if feature_exists(conn, product_id, &feature.code)?.is_some() {
            return Err(StoreError::Conflict(format!(
                "featurecode: feature {} already exists",
                feature.code
            )));
        }
        trials_rule(&feature.code, feature.feature_type, feature.available_in_trials)?;
        let group = resolve_group(conn, product_id, feature.group.as_deref())?;
        conn.prepare_cached(
            "INSERT INTO features (product_id, code, name, notes, feature_type, group_id, available_in_trials)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            product_id,
            feature.code,
            feature.name,
            feature.notes,
            feature.feature_type.name(),
            group,
            feature.available_in_trials
        ])?;
    }
    Ok(())
}

pub fn update_features(conn: &Connection, product_id: &str, features: &[FeaturePatch]) -> StoreResult<()> {
    product_must_exist(conn, product_id)?;
    for patch in features {
        let (id, feature_type) = super::licensing::feature_id(conn, product_id, &patch.code)?;
        if let Some(new_code) = &patch.new_code {
            if feature_exists(conn, product_id, new_code)?.is_some_and(|other| other != id) {
                return Err(StoreError::Conflict(format!(
                    "newfeaturecode: feature {new_code} already exists"
                )));
            }
            conn.execute("UPDATE features SET code = ?2 WHERE id = ?1", params![id, new_code])?;
        }
        if let Some(name) = &patch.name {
            conn.execute("UPDATE features SET name = ?2 WHERE id = ?1", params![id, name])?;
        }
        if let Some(notes) = &patch.notes {
            conn.execute("UPDATE features SET notes = ?2 WHERE id = ?1", params![id, notes])?;
        }
        if let Some(group) = &patch.group {
            let group = resolve_group(conn, product_id, group.as_deref())?;
            conn.execute("UPDATE features SET group_id = ?2 WHERE id = ?1", params![id, group])?;
        }
        if let Some(trials) = patch.available_in_trials {
            trials_rule(&patch.code, feature_type, trials)?;
            conn.execute("UPDATE features SET available_in_trials = ?2 WHERE id = ?1", params![id, trials])?;
        }
    }
    Ok(())
}

pub fn delete_feature(conn: &Connection, product_id: &str, code: &str) -> StoreResult<()> {
    product_must_exist(conn, product_id)?;
    let (id, _) = super::licensing::feature_id(conn, product_id, code)?;
    conn.execute("DELETE FROM features WHERE id = ?1", [id])?;
    Ok(())
}

pub fn create_udfs(conn: &Connection, product_id: &str, udfs: &[UdfSetting]) -> StoreResult<()> {
    for udf in udfs {
        let taken = conn
            .prepare_cached("SELECT 1 FROM udfs WHERE product_id = ?1 AND name = ?2")?
            .exists([product_id, &udf.name])?;
        if taken {
            return Err(StoreError::Conflict(format!("fieldname: UDF {} already exists", udf.name)));
        }
        conn.prepare_cached("INSERT INTO udfs (product_id, name, default_value) VALUES (?1, ?2, ?3)")?
            .execute(params![product_id, udf.name, udf.value])?;
    }
    Ok(())
}

pub fn update_udfs(conn: &Connection, product_id: &str, udfs: &[UdfPatch]) -> StoreResult<()> {
    product_must_exist(conn, product_id)?;
    for patch in udfs {
        let id = super::licensing::udf_id(conn, product_id, &patch.name)?;
        if let Some(new_name) = &patch.new_name {
            let other: Option<i64> = conn
                .prepare_cached("SELECT id FROM udfs WHERE product_id = ?1 AND name = ?2")?
                .query_row([product_id, new_name], |r| r.get(0))
                .optional()?;
            if other.is_some_and(|o| o != id) {
                return Err(StoreError::Conflict(format!("newfieldname: UDF {new_name} already exists")));
            }
            conn.execute("UPDATE udfs SET name = ?2 WHERE id = ?1", params![id, new_name])?;
        }
        if let Some(value) = &patch.value {
            conn.execute("UPDATE udfs SET default_value = ?2 WHERE id = ?1", params![id, value])?;
        }
    }
    Ok(())
}

pub fn delete_udf(conn: &Connection, product_id: &str, name: &str) -> StoreResult<()> {
    product_must_exist(conn, product_id)?;
    let id = super::licensing::udf_id(conn, product_id, name)?;
    conn.execute("DELETE FROM udfs WHERE id = ?1", [id])?;
    Ok(())
}
