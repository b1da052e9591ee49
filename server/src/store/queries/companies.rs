//! Companies: global (visible to every product) or tied to one product.

use super::db;
use super::db::{Connection, OptionalExtension, params};

use super::{licensing, product_must_exist};
use crate::datetime::now_millis;
use crate::store::model::*;
use crate::store::{StoreError, StoreResult};

const SELECT: &str = "SELECT c.id, c.name, c.product_id, coalesce(p.name, ''), c.data, c.search1, c.search2, c.search3, c.created
    FROM companies c LEFT JOIN products p ON p.id = c.product_id";

fn read(r: &db::Row<'_>) -> db::Result<Company> {
    Ok(Company {
        id: r.get(0)?,
        name: r.get(1)?,
        product_id: r.get(2)?,
        product_name: r.get(3)?,
        data: r.get(4)?,
        search: [r.get(5)?, r.get(6)?, r.get(7)?],
        created: r.get(8)?,
    })
}

/// A company by ID; with a product, only if it belongs to that product or is global.
pub fn by_id(conn: &Connection, id: i64, product_id: Option<&str>) -> StoreResult<Company> {
    if let Some(product_id) = product_id {
        product_must_exist(conn, product_id)?;
    }
    conn.prepare_cached(&format!(
        "{SELECT} WHERE c.id = ?1 AND (?2 IS NULL OR c.product_id IS NULL OR c.product_id = ?2)"
    ))?
    .query_row(params![id, product_id], read)
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("companyid: company {id} not found")))
}

/// A company by name: with a product, its own company of that name before a global one;
/// without, the global one, else the only one of that name.
pub fn by_name(conn: &Connection, name: &str, product_id: Option<&str>) -> StoreResult<Company> {
    if let Some(product_id) = product_id {
        product_must_exist(conn, product_id)?;
    }
    let found: Vec<Company> = conn
        .prepare_cached(&format!(
            "{SELECT} WHERE c.name = ?1 AND (?2 IS NULL OR c.product_id IS NULL OR c.product_id = ?2)
             ORDER BY (c.product_id IS NULL) = (?2 IS NULL) DESC, c.id"
        ))?
        .query_map(params![name, product_id], read)?
        .collect::<Result<_, _>>()?;
    match found.as_slice() {
        [] => Err(StoreError::NotFound(format!("company: company {name} not found"))),
        [first, second, ..]
            if product_id.is_none() && first.product_id.is_some() && second.product_id.is_some() =>
        {
            Err(StoreError::Conflict(format!(
                "company: several products have a company named {name}; supply productid"
            )))
        }
        [first, ..] => Ok(first.clone()),
    }
}

pub fn all(conn: &Connection) -> StoreResult<Vec<Company>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} ORDER BY c.id"))?
        .query_map([], read)?
        .collect::<Result<_, _>>()?)
}

fn name_taken(conn: &Connection, name: &str, scope: Option<&str>, except: i64) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM companies WHERE name = ?1 AND product_id IS NOT DISTINCT FROM ?2 AND id != ?3",
        )?
        .exists(params![name, scope, except])?)
}

pub fn create(conn: &Connection, product_id: &str, change: &CompanyChange) -> StoreResult<i64> {
    product_must_exist(conn, product_id)?;
    let name = change.name.clone().unwrap_or_default();
    let scope = (!change.global).then_some(product_id);
    if name_taken(conn, &name, scope, 0)? {
        return Err(StoreError::Conflict(format!("company: company {name} already exists")));
    }
    let reseller = licensing::reseller_id(conn, change.reseller.as_deref().unwrap_or(""))?;
    let now = now_millis();
    let [s1, s2, s3] = change.search.clone().map(Option::unwrap_or_default);
    Ok(conn.query_row(
        "INSERT INTO companies (name, product_id, data, search1, search2, search3, reseller_id, created, modified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id",
        params![name, scope, change.data.clone().unwrap_or_else(|| "{}".into()), s1, s2, s3, reseller, now],
        |r| r.get(0),
    )?)
}

pub fn update(conn: &Connection, id: i64, product_id: &str, change: &CompanyChange) -> StoreResult<()> {
    let current = by_id(conn, id, Some(product_id))?;
    let scope = if change.global { None } else { current.product_id.clone() };
    let name = change.name.clone().unwrap_or(current.name);
    if name_taken(conn, &name, scope.as_deref(), id)? {
        return Err(StoreError::Conflict(format!("company: company {name} already exists")));
    }
    let [s1, s2, s3] = current.search;
    let [n1, n2, n3] = change.search.clone();
    conn.execute(
        "UPDATE companies SET name = ?2, product_id = ?3, data = ?4, search1 = ?5, search2 = ?6, search3 = ?7, modified = ?8
         WHERE id = ?1",
        params![
            id,
            name,
            scope,
            change.data.clone().unwrap_or(current.data),
            n1.unwrap_or(s1),
            n2.unwrap_or(s2),
            n3.unwrap_or(s3),
            now_millis()
        ],
    )?;
    if let Some(reseller) = &change.reseller {
        let reseller = licensing::reseller_id(conn, reseller)?;
        conn.execute("UPDATE companies SET reseller_id = ?2 WHERE id = ?1", params![id, reseller])?;
    }
    Ok(())
}

pub fn delete(conn: &Connection, id: i64) -> StoreResult<()> {
    // License codes of the company lose it (ON DELETE SET NULL) and keep working.
    if conn.execute("DELETE FROM companies WHERE id = ?1", [id])? == 0 {
        return Err(StoreError::NotFound(format!("companyid: company {id} not found")));
    }
    Ok(())
}
