//! Installation metadata and API keys (stored as SHA-256 hashes, never in clear).

use super::db;
use super::db::{Connection, OptionalExtension};

use crate::datetime::now_millis;
use crate::store::model::{ApiKeyInfo, KeyKind};
use crate::store::{StoreError, StoreResult};

pub fn customer_id(conn: &Connection) -> StoreResult<String> {
    conn.prepare_cached("SELECT value FROM meta WHERE key = 'customer_id'")?
        .query_row([], |r| r.get(0))
        .optional()?
        .ok_or_else(|| {
            StoreError::Internal("the data directory has no customer ID: run `licensekit-server init`".into())
        })
}

pub fn set_customer_id(conn: &Connection, customer_id: &str) -> StoreResult<()> {
    let inserted = conn.execute(
        "INSERT INTO meta (key, value) VALUES ('customer_id', ?1) ON CONFLICT DO NOTHING",
        [customer_id],
    )?;
    if inserted == 0 {
        return Err(StoreError::Conflict("this data directory is already initialised".into()));
    }
    Ok(())
}

pub fn key_kind(conn: &Connection, key_hash: &[u8; 32]) -> StoreResult<Option<KeyKind>> {
    let kind: Option<String> = conn
        .prepare_cached("SELECT kind FROM api_keys WHERE key_hash = ?1 AND revoked IS NULL")?
        .query_row([&key_hash[..]], |r| r.get(0))
        .optional()?;
    Ok(kind.as_deref().and_then(KeyKind::from_name))
}

pub fn add_key(conn: &Connection, kind: KeyKind, key_hash: &[u8; 32], prefix: &str) -> StoreResult<i64> {
    Ok(conn.query_row(
        "INSERT INTO api_keys (kind, key_hash, prefix, created) VALUES (?1, ?2, ?3, ?4) RETURNING id",
        db::params![kind.name(), &key_hash[..], prefix, now_millis()],
        |r| r.get(0),
    )?)
}

pub fn list_keys(conn: &Connection) -> StoreResult<Vec<ApiKeyInfo>> {
    let mut stmt = conn.prepare("SELECT id, kind, prefix, created, revoked FROM api_keys ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })?;
    let mut keys = Vec::new();
    for row in rows {
        let (id, kind, prefix, created, revoked) = row?;
        let kind = KeyKind::from_name(&kind)
            .ok_or_else(|| StoreError::Internal(format!("unknown key kind {kind}")))?;
        keys.push(ApiKeyInfo { id, kind, prefix, created, revoked });
    }
    Ok(keys)
}

pub fn revoke_key(conn: &Connection, id: i64) -> StoreResult<()> {
    let changed = conn
        .execute("UPDATE api_keys SET revoked = ?2 WHERE id = ?1 AND revoked IS NULL", [id, now_millis()])?;
    if changed == 0 {
        return Err(StoreError::NotFound(format!("no live API key with ID {id}")));
    }
    Ok(())
}
