//! Ed25519 keys: the signing side (vendor or installation), public keys and their key IDs,
//! and the set of keys an application trusts.

use std::fmt;

use ed25519_dalek::Signer;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::Status;

/// A short, stable name for a public key: the first 8 bytes of SHA-256 over its 32 bytes.
///
/// Envelopes carry it so a client holding several trusted keys (key rotation) knows which one
/// to verify with, and can say "signed by a key I do not know" rather than "bad signature".
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub(crate) [u8; 8]);

impl KeyId {
    /// Lower-case hex, 16 characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses exactly 16 lower-case hex characters. Upper case is refused so that every
    /// key ID has exactly one spelling (a case flip must not yield the same envelope).
    pub fn from_hex(text: &str) -> Option<KeyId> {
        if !super::is_lower_hex(text, 16) {
            return None;
        }
        let mut id = [0u8; 8];
        hex::decode_to_slice(text, &mut id).ok()?;
        Some(KeyId(id))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.to_hex())
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// An Ed25519 public key with its key ID.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    key: ed25519_dalek::VerifyingKey,
    id: KeyId,
}

impl PublicKey {
    /// Parses 64 hex characters (either case; a key typed by a person is not a signed value).
    pub fn from_hex(text: &str) -> Result<PublicKey, Status> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut bytes).map_err(|_| Status::InvalidPublicKey)?;
        PublicKey::from_bytes(&bytes)
    }

    /// Builds a key from its 32 bytes; weak (small-order) points are refused.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<PublicKey, Status> {
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes).map_err(|_| Status::InvalidPublicKey)?;
        if key.is_weak() {
            return Err(Status::InvalidPublicKey);
        }
        Ok(PublicKey::from_dalek(key))
    }

    fn from_dalek(key: ed25519_dalek::VerifyingKey) -> PublicKey {
        let digest = Sha256::digest(key.as_bytes());
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        PublicKey { key, id: KeyId(id) }
    }

    /// The key's ID.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The 32 raw bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// Lower-case hex, 64 characters: the form applications embed.
    pub fn to_hex(&self) -> String {
        hex::encode(self.key.as_bytes())
    }

    /// Strict verification (rejects malleable signatures and non-canonical points).
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let signature = ed25519_dalek::Signature::from_bytes(signature);
        self.key.verify_strict(message, &signature).is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({}, id {})", self.to_hex(), self.id)
    }
}

/// A private Ed25519 key: the vendor's (server side) or an installation's (client side).
///
/// The secret bytes are zeroized when the key (and every clone of it) is dropped, and
/// `Debug` never prints them.
#[derive(Clone)]
pub struct SigningKey {
    key: ed25519_dalek::SigningKey,
    public: PublicKey,
}

impl SigningKey {
    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<SigningKey, Status> {
        let mut seed = Zeroizing::new([0u8; 32]);
        super::os_random(seed.as_mut())?;
        Ok(SigningKey::from_seed(&seed))
    }

    /// Rebuilds a key from its 32-byte seed.
    pub fn from_seed(seed: &[u8; 32]) -> SigningKey {
        let key = ed25519_dalek::SigningKey::from_bytes(seed);
        let public = PublicKey::from_dalek(key.verifying_key());
        SigningKey { key, public }
    }

    /// Parses a seed written by [`SigningKey::seed_hex`].
    pub fn from_seed_hex(text: &str) -> Result<SigningKey, Status> {
        let mut seed = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), seed.as_mut()).map_err(|_| Status::InvalidArgument)?;
        Ok(SigningKey::from_seed(&seed))
    }

    /// The seed as hex, for a key file (mode 0600) or the client store. Zeroized on drop.
    pub fn seed_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.key.as_bytes()))
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    pub(crate) fn sign_raw(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey(public {:?})", self.public)
    }
}

/// The vendor keys an application trusts. Several at once, so a vendor can rotate keys:
/// ship the new key in an update, start signing with it, retire the old one later.
#[derive(Clone, Debug, Default)]
pub struct TrustedKeys {
    keys: Vec<PublicKey>,
}

impl TrustedKeys {
    /// The most keys one application may trust; a bound keeps look-ups trivially cheap.
    pub const MAX: usize = 16;

    /// An empty set.
    pub fn new() -> TrustedKeys {
        TrustedKeys::default()
    }

    /// Adds a key; adding the same key twice is harmless.
    pub fn add(&mut self, key: PublicKey) -> Result<(), Status> {
        if self.keys.contains(&key) {
            return Ok(());
        }
        if self.keys.len() >= Self::MAX {
            return Err(Status::InvalidArgument);
        }
        self.keys.push(key);
        Ok(())
    }

    /// True when no key has been added.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The IDs of the trusted keys, in the order they were added.
    pub fn ids(&self) -> impl Iterator<Item = KeyId> + '_ {
        self.keys.iter().map(|k| k.id)
    }

    /// The key with this ID, if trusted.
    pub fn get(&self, id: KeyId) -> Option<&PublicKey> {
        self.keys.iter().find(|k| k.id == id)
    }
}
