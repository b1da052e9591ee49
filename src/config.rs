//! Client configuration: the product, the vendor keys it trusts, where its store lives.
//! Later capabilities (server URL, proxy, timeouts) add their settings here.

use std::path::PathBuf;

use crate::Status;
use crate::machine::validate_product_id;
use crate::protocol::{PublicKey, TrustedKeys};

/// Everything a [`crate::Client`] needs to start.
#[derive(Clone, Debug)]
pub struct Config {
    product_id: String,
    trusted: TrustedKeys,
    store_dir: Option<PathBuf>,
}

impl Config {
    /// A configuration for one product (the seed's 10-digit product ID, or any
    /// `[0-9A-Za-z_-]{1,64}`).
    pub fn new(product_id: &str) -> Result<Config, Status> {
        validate_product_id(product_id)?;
        Ok(Config { product_id: product_id.to_owned(), trusted: TrustedKeys::new(), store_dir: None })
    }

    /// Trusts a vendor public key given as 64 hex characters. Several keys may be trusted
    /// at once (key rotation).
    pub fn add_public_key(&mut self, hex: &str) -> Result<(), Status> {
        self.trusted.add(PublicKey::from_hex(hex)?)
    }

    /// Keeps the store in `dir` instead of the per-user default (e.g. a per-machine
    /// directory shared by all users, or an application's own data folder).
    pub fn set_store_dir(&mut self, dir: impl Into<PathBuf>) -> Result<(), Status> {
        let dir = dir.into();
        if dir.as_os_str().is_empty() {
            return Err(Status::InvalidArgument);
        }
        self.store_dir = Some(dir);
        Ok(())
    }

    /// The product ID.
    pub fn product_id(&self) -> &str {
        &self.product_id
    }

    /// The trusted vendor keys.
    pub fn trusted_keys(&self) -> &TrustedKeys {
        &self.trusted
    }

    /// The store directory: the configured one, else the per-user default.
    pub fn store_dir(&self) -> Result<PathBuf, Status> {
        self.store_dir.clone().or_else(crate::store::default_dir).ok_or(Status::StoreIo)
    }
}
