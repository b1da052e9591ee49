//! The byte layout of a store file and of its marks file.
//!
//! ```text
//! magic (8) | format version: u32 LE | body length: u64 LE | body (JSON) | SHA-256 of all before | [HMAC-SHA256]
//! ```
//!
//! The SHA-256 tells accidental damage (`StoreCorrupt`, `StoreTruncated`) from everything
//! else. A store file (version 2) also carries an HMAC-SHA256 over the same bytes, keyed by a
//! key kept apart from the store (in its marks): a store whose checksum was recomputed after
//! an edit, or one copied from another path or computer, fails it (`StoreRolledBack`).
//! Version 1 store files (SHA-256 only) are read once, on the upgrade, while no marks exist.

use hmac::{Hmac, Mac};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::Status;

const HEADER: usize = 8 + 4 + 8;
const CHECKSUM: usize = 32;
/// The largest body accepted: a store holds a few envelopes and keys, never megabytes.
pub const MAX_BODY: u64 = 4 * 1024 * 1024;

/// Which file is read: its magic, current version and whether it is authenticated.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    pub magic: &'static [u8; 8],
    pub version: u32,
    /// The previous version, still read (without authentication) while upgrading.
    pub legacy: Option<u32>,
}

/// The store file.
pub(crate) const STORE: Layout = Layout { magic: b"LKSTORE\0", version: 2, legacy: Some(1) };
/// The marks file (the store's second copy of its high-water marks and its key).
pub(crate) const MARKS: Layout = Layout { magic: b"LKMARKS\0", version: 1, legacy: None };

/// How a decoded file was authenticated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Authenticated {
    /// The HMAC verified with the key given.
    Yes,
    /// A legacy (version 1) file: checksummed only.
    Legacy,
}

/// Serialises `value` into the layout; with `key`, the HMAC is appended.
pub(crate) fn encode<T: Serialize>(
    layout: Layout,
    value: &T,
    key: Option<&[u8; 32]>,
) -> Result<Vec<u8>, Status> {
    let body = serde_json::to_vec(value).map_err(|_| Status::Internal)?;
    if body.len() as u64 > MAX_BODY {
        return Err(Status::InvalidArgument);
    }
    let mut bytes = Vec::with_capacity(HEADER + body.len() + 2 * CHECKSUM);
    bytes.extend_from_slice(layout.magic);
    bytes.extend_from_slice(&layout.version.to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&body);
    let checksum = Sha256::digest(&bytes);
    let tag = key.map(|k| hmac(k, &bytes));
    bytes.extend_from_slice(&checksum);
    if let Some(tag) = tag {
        bytes.extend_from_slice(&tag);
    }
    Ok(bytes)
}

/// Parses a file of `layout`, strictly: damage is `StoreCorrupt` (or `StoreTruncated` when
/// the bytes are a prefix of a file), an unknown version `StoreVersion`, and for an
/// authenticated layout a missing key or a failed HMAC `StoreRolledBack`.
pub(crate) fn decode<T: DeserializeOwned>(
    layout: Layout,
    bytes: &[u8],
    key: Option<&[u8; 32]>,
) -> Result<(T, Authenticated), Status> {
    let (version, body, rest) = split(layout, bytes)?;
    let authenticated = if layout.legacy == Some(version) {
        if !rest.is_empty() {
            return Err(Status::StoreCorrupt);
        }
        Authenticated::Legacy
    } else if layout.legacy.is_some() {
        // An authenticated layout: exactly one HMAC follows the checksum.
        match rest.len().cmp(&CHECKSUM) {
            std::cmp::Ordering::Less => return Err(Status::StoreTruncated),
            std::cmp::Ordering::Greater => return Err(Status::StoreCorrupt),
            std::cmp::Ordering::Equal => {}
        }
        let signed = &bytes[..bytes.len() - 2 * CHECKSUM];
        let key = key.ok_or_else(|| {
            crate::detail::note(
                Status::StoreRolledBack,
                "the store's key is missing: it was copied or restored",
            )
        })?;
        if !verify_hmac(key, signed, rest) {
            return Err(crate::detail::note(
                Status::StoreRolledBack,
                "the store fails its authentication: it was edited",
            ));
        }
        Authenticated::Yes
    } else {
        if !rest.is_empty() {
            return Err(Status::StoreCorrupt);
        }
        Authenticated::Legacy
    };
    let value = decode_body(body)?;
    Ok((value, authenticated))
}

/// Parses a body (the JSON between header and checksum) strictly: unknown or duplicate
/// fields are damage. Exposed for fuzzing what lies behind a valid header and checksum.
pub fn decode_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, Status> {
    crate::protocol::from_slice_strict(body).map_err(|_| Status::StoreCorrupt)
}

/// Checks magic, version, length and checksum; returns the version, the body and what
/// follows the checksum.
fn split(layout: Layout, bytes: &[u8]) -> Result<(u32, &[u8], &[u8]), Status> {
    let magic = layout.magic;
    if bytes.len() < HEADER {
        let is_prefix = bytes.len() <= magic.len() && magic.starts_with(bytes) || bytes.starts_with(magic);
        return Err(if is_prefix { Status::StoreTruncated } else { Status::StoreCorrupt });
    }
    if &bytes[..8] != magic {
        return Err(Status::StoreCorrupt);
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().map_err(|_| Status::StoreCorrupt)?);
    if version != layout.version && layout.legacy != Some(version) {
        return Err(Status::StoreVersion);
    }
    let length = u64::from_le_bytes(bytes[12..20].try_into().map_err(|_| Status::StoreCorrupt)?);
    if length > MAX_BODY {
        return Err(Status::StoreCorrupt);
    }
    let end = HEADER + length as usize;
    if bytes.len() < end + CHECKSUM {
        return Err(Status::StoreTruncated);
    }
    let authenticated = layout.legacy.is_some() && layout.legacy != Some(version);
    if bytes.len() > end + CHECKSUM * if authenticated { 2 } else { 1 } {
        return Err(Status::StoreCorrupt);
    }
    if Sha256::digest(&bytes[..end]).as_slice() != &bytes[end..end + CHECKSUM] {
        // A prefix of a longer (authenticated) file can look like this only when cut inside
        // the HMAC, which the length check above reports; this is damage.
        return Err(Status::StoreCorrupt);
    }
    Ok((version, &bytes[HEADER..end], &bytes[end + CHECKSUM..]))
}

fn hmac(key: &[u8; 32], bytes: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("any key length"));
    mac.update(bytes);
    mac.finalize().into_bytes().into()
}

fn verify_hmac(key: &[u8; 32], bytes: &[u8], tag: &[u8]) -> bool {
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else { return false };
    mac.update(bytes);
    // Constant time: the comparison does not tell an attacker how much of a forgery is right.
    mac.verify_slice(tag).is_ok()
}
