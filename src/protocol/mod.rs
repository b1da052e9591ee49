//! Wire types and the signed envelope, shared by the client library and licensekit-server.
//!
//! Everything that crosses a trust boundary is an [`Envelope`]: the server signs with the
//! vendor key, the client with its per-installation key, and the other side verifies before
//! it reads a single payload byte. See `envelope.rs` for the exact format.

mod armour;
pub mod client_api;
mod envelope;
pub mod events;
pub mod journal;
mod keys;
pub mod network;
pub mod offline;
mod strict_json;

pub use envelope::{Envelope, FORMAT_TAG, Kind, MAX_ENVELOPE_TEXT, MAX_PAYLOAD, signed_message};
pub use keys::{KeyId, PublicKey, SigningKey, TrustedKeys};
pub use strict_json::from_slice_strict;

/// True for 1 to `max` characters, none of them a control character: the bound of the
/// protocol's names (event names, features, codes in journal entries, usernames).
pub fn is_short_text(text: &str, max: usize) -> bool {
    let length = text.chars().count();
    length > 0 && length <= max && !text.chars().any(char::is_control)
}

/// True for exactly `len` lower-case hex characters (IDs, links).
pub fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Fills `buf` from the operating system's random source.
///
/// Keys, nonces and installation IDs all come from here. The OS source failing is not
/// something a licensing library can recover from safely, so it is reported, not papered over.
pub fn os_random(buf: &mut [u8]) -> Result<(), crate::Status> {
    getrandom::fill(buf).map_err(|_| crate::Status::Internal)
}
