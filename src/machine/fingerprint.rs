//! The computer ID and the per-component digests, both salted with the product ID.
//!
//! ```text
//! computer ID = base62(u128 of SHA-256("licensekit-computer-id-v2\0" ‖ product ‖ "\0" ‖ anchor kind ‖ "\0" ‖ anchor)[..16] mod 62^20)
//! digest      = hex(SHA-256("licensekit-component-v1\0" ‖ product ‖ "\0" ‖ name ‖ "\0" ‖ value))[..16 bytes]
//! ```
//!
//! Version 2 of the ID: 20 letters and digits (`0-9 A-Z a-z`, most significant first), about
//! 119 bits, so an ID needs no escaping in a URL, a query string, a file name or a shell
//! (version 1 was base64, whose `+` turned into a space in a query string). No collision
//! within any vendor's customer base.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::sources::{Component, Sources};
use super::{Host, SysRoot, Virtualization};
use crate::Status;

/// Where the ID's anchor came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnchorSource {
    /// The OS's machine ID (`/etc/machine-id`, Windows' `MachineGuid`, macOS's
    /// `IOPlatformUUID`).
    MachineId,
    /// A random installation ID kept machine-wide (see `installation.rs`): the machine ID is
    /// missing or empty, or this is a container, whose machine ID is a copy of its image's.
    InstallationId,
}

/// One identity component as it may leave the process: its name and salted digest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentDigest {
    /// e.g. `machine-id`, `dmi-product-uuid`, `mac:enp3s0`, `rootfs-uuid`.
    pub name: String,
    /// 32 lower-case hex characters.
    pub digest: String,
}

/// The computer as a product sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The 20-character computer ID.
    pub computer_id: String,
    /// Where the anchor came from.
    pub anchor: AnchorSource,
    /// Salted digests of every readable identity component (anchor included), sorted by name.
    pub components: Vec<ComponentDigest>,
}

/// Product IDs are 1–64 characters of `[0-9A-Za-z_-]` (the seed's are 10 digits).
pub fn validate_product_id(product_id: &str) -> Result<(), Status> {
    let valid = (1..=64).contains(&product_id.len())
        && product_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid { Ok(()) } else { Err(Status::InvalidProductId) }
}

impl Fingerprint {
    /// Computes the fingerprint of the machine under `root` for `product_id`. Where the
    /// anchor must be the installation ID (no usable machine ID, or a container), it is read
    /// from (or created in) the machine-wide place.
    pub fn compute(
        product_id: &str,
        root: &SysRoot,
        virtualization: &Virtualization,
    ) -> Result<Fingerprint, Status> {
        validate_product_id(product_id)?;
        // A container's machine ID is its image's: not even read there.
        let machine_id = if virtualization.platform.is_container() { None } else { Host::anchor(root) };
        let (anchor, anchor_name, value) = match machine_id {
            Some(id) => (AnchorSource::MachineId, "machine-id", id),
            // Without a place to keep the installation ID there is no stable identity at all.
            None => (
                AnchorSource::InstallationId,
                "installation-id",
                super::installation_id(root)
                    .map_err(|e| if e == Status::StoreIo { Status::MachineIdUnavailable } else { e })?,
            ),
        };
        let mut all = Host::matching(root);
        all.push(Component { name: anchor_name.into(), value: value.clone() });
        all.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Fingerprint {
            computer_id: computer_id(product_id, anchor_name, &value),
            anchor,
            components: all.iter().map(|c| digest(product_id, c)).collect(),
        })
    }
}

/// The ID alphabet: digits, then upper-case, then lower-case letters.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn computer_id(product_id: &str, anchor_name: &str, value: &str) -> String {
    let hash = salted(b"licensekit-computer-id-v2\0", product_id, anchor_name, value);
    let mut n = u128::from_be_bytes(hash[..16].try_into().unwrap_or([0; 16]));
    let mut id = [b'0'; 20];
    for slot in id.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    id.iter().map(|&b| char::from(b)).collect()
}

fn digest(product_id: &str, component: &Component) -> ComponentDigest {
    let hash = salted(b"licensekit-component-v1\0", product_id, &component.name, &component.value);
    ComponentDigest { name: component.name.clone(), digest: hex::encode(&hash[..16]) }
}

fn salted(domain: &[u8], product_id: &str, name: &str, value: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(domain);
    h.update(product_id.as_bytes());
    h.update([0]);
    h.update(name.as_bytes());
    h.update([0]);
    h.update(value.as_bytes());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frozen (cross-checked with Python's hashlib and integer arithmetic): these IDs are what
    /// shipped applications compute. A different output is a new ID version, never a silent
    /// change. Version 2 (letters and digits) replaced version 1 (base64).
    #[test]
    fn id_vectors() {
        assert_eq!(
            computer_id("6872450105", "machine-id", "3d1219c7c4c5404aaa1f6d2a48adfda4"),
            "UbMzMDeDfRkU7BAHXWZu"
        );
        assert_eq!(
            computer_id("6872450106", "machine-id", "3d1219c7c4c5404aaa1f6d2a48adfda4"),
            "MG368vY4W0vFjsrR14YL"
        );
        assert_eq!(
            computer_id("6872450105", "installation-id", "0123456789abcdef0123456789abcdef"),
            "4gjGqxajvQEXbJvjS5Ib"
        );
        assert_eq!(
            digest("6872450105", &Component { name: "mac:eth0".into(), value: "001a2b3c4d5e".into() }).digest,
            "3b9e0dd9642d21fdc052b02d5e81952a"
        );
    }

    #[test]
    fn ids_have_the_seed_shape() {
        for i in 0..1000 {
            let id = computer_id("p", "machine-id", &format!("{i:032x}"));
            assert_eq!(id.len(), 20);
            assert!(id.bytes().all(|b| b.is_ascii_alphanumeric()), "{id}");
        }
    }

    #[test]
    fn product_ids() {
        assert!(validate_product_id("6872450105").is_ok());
        assert!(validate_product_id("my-app_2").is_ok());
        for bad in ["", "a b", "x/y", "é", &"1".repeat(65)] {
            assert_eq!(validate_product_id(bad), Err(Status::InvalidProductId), "{bad:?}");
        }
    }
}
