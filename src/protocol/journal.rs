//! The offline usage journal: consumption tokens spent and element-pool units drawn or
//! returned while the server was out of reach (or the license is an air-gapped certificate),
//! recorded so they cannot be rewritten afterwards.
//!
//! Each use is one [`JournalEntry`] in a `journal-entry` envelope signed by the installation
//! key. Entries form a hash chain: an entry names its journal (`chain`, drawn with the first
//! entry), its place (`seq`, from 1) and the SHA-256 of the previous entry's compact envelope
//! (`prev`; [`GENESIS`] for the first). The next refresh, deactivation or offline
//! deactivation certificate carries the entries not yet acknowledged; the server checks each
//! signature and the chain from where it last stopped, counts each entry exactly once (one it
//! already counted, sent again after a lost answer, is passed over) and refuses the whole
//! journal when an entry is missing (a gap), out of order, or not signed by the installation
//! (`LK_JOURNAL_REFUSED`).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Envelope, Kind, PublicKey, from_slice_strict};

/// The `prev` of a journal's first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Most entries one request or certificate carries (they fit well inside an envelope's 48 KiB),
/// and so most kept on a computer between two contacts with the server: offline use past
/// them waits for the server.
pub const MAX_ENTRIES: usize = 64;

/// What was used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Usage {
    /// Consumption tokens spent.
    Tokens,
    /// Element-pool units drawn.
    PoolCheckout,
    /// Element-pool units returned.
    PoolCheckin,
}

/// The payload of a `journal-entry` envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalEntry {
    /// The journal's ID, 32 hex characters.
    pub chain: String,
    /// The entry's place in its journal, from 1.
    pub seq: u64,
    /// The [`link`] of the entry before it ([`GENESIS`] for the first).
    pub prev: String,
    /// When it was used, by the computer's clock (Unix seconds).
    pub time: i64,
    pub license_code: String,
    pub feature: String,
    pub usage: Usage,
    /// Tokens or units, at least 1.
    pub amount: u64,
    /// The online request this use fell back from when its answer never came (it may have
    /// reached the server): the server counts the use once, whichever way it arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// Where a journal stands: its ID, its last entry's place and link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub chain: String,
    pub seq: u64,
    pub link: String,
}

/// The link of an entry: the SHA-256 of its compact envelope, in hex.
pub fn link(compact: &str) -> String {
    hex::encode(Sha256::digest(compact.as_bytes()))
}

/// An entry as read from its envelope, with its link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub entry: JournalEntry,
    pub link: String,
}

/// Verifies each entry's signature by `key` and its fields, and that the entries follow one
/// another in one journal (consecutive places, each naming the one before). Where they join
/// what the server counted before is the server's to check. The error says which entry and
/// why.
pub fn verify(entries: &[String], key: &PublicKey) -> Result<Vec<Verified>, String> {
    if entries.len() > MAX_ENTRIES {
        return Err(format!("journal: at most {MAX_ENTRIES} entries in one request"));
    }
    let mut verified: Vec<Verified> = Vec::with_capacity(entries.len());
    for (i, text) in entries.iter().enumerate() {
        let envelope =
            Envelope::parse(text).map_err(|_| format!("journal[{i}]: not a licensekit envelope"))?;
        let payload = envelope
            .verify_with(key, Kind::JournalEntry)
            .map_err(|_| format!("journal[{i}]: not a journal entry signed by this installation (forged)"))?;
        let entry: JournalEntry = from_slice_strict(payload)
            .map_err(|_| format!("journal[{i}]: the payload is not a journal entry"))?;
        check(&entry).map_err(|m| format!("journal[{i}]: {m}"))?;
        if let Some(before) = verified.last() {
            if entry.chain != before.entry.chain {
                return Err(format!("journal[{i}]: from another journal"));
            }
            if entry.seq != before.entry.seq + 1 {
                return Err(format!(
                    "journal[{i}]: entry {} follows entry {}: entries are missing or out of order",
                    entry.seq, before.entry.seq
                ));
            }
            if entry.prev != before.link {
                return Err(format!(
                    "journal[{i}]: does not name the entry before it: reordered or rewritten"
                ));
            }
        }
        verified.push(Verified { entry, link: link(&envelope.to_compact()) });
    }
    Ok(verified)
}

fn check(entry: &JournalEntry) -> Result<(), String> {
    use super::{is_lower_hex as hex, is_short_text};
    if !hex(&entry.chain, 32) {
        return Err("chain: expected 32 lower-case hex characters".into());
    }
    if !hex(&entry.prev, 64) {
        return Err("prev: expected 64 lower-case hex characters".into());
    }
    if entry.seq == 0 || entry.amount == 0 || entry.amount > u64::from(u32::MAX) {
        return Err("seq and amount: at least 1 (amount at most 4294967295)".into());
    }
    if entry.seq == 1 && entry.prev != GENESIS {
        return Err("prev: the first entry of a journal follows no entry".into());
    }
    if entry.request_id.as_ref().is_some_and(|id| !hex(id, 32)) {
        return Err("request_id: expected 32 lower-case hex characters".into());
    }
    if !is_short_text(&entry.license_code, 64) || !is_short_text(&entry.feature, 64) {
        return Err("license_code and feature: 1 to 64 characters".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::SigningKey;

    fn journal(key: &SigningKey, n: u64) -> Vec<String> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let entry = JournalEntry {
                    chain: "c".repeat(32),
                    seq,
                    prev: prev.clone(),
                    time: 1_700_000_000,
                    license_code: "CODE".into(),
                    feature: "RENDER".into(),
                    usage: Usage::Tokens,
                    amount: 2,
                    request_id: None,
                };
                let text = Envelope::sign(key, Kind::JournalEntry, &serde_json::to_vec(&entry).unwrap())
                    .unwrap()
                    .to_compact();
                prev = link(&text);
                text
            })
            .collect()
    }

    #[test]
    fn a_chain_verifies_and_every_break_in_it_is_named() {
        let key = SigningKey::from_seed(&[5; 32]);
        let entries = journal(&key, 4);
        let verified = verify(&entries, &key.public_key()).unwrap();
        assert_eq!(verified.iter().map(|v| v.entry.seq).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert_eq!(verified[1].entry.prev, verified[0].link);

        let gap = [entries[0].clone(), entries[2].clone()];
        assert!(verify(&gap, &key.public_key()).unwrap_err().contains("missing or out of order"));
        let swapped = [entries[1].clone(), entries[0].clone()];
        assert!(verify(&swapped, &key.public_key()).is_err());
        let other = SigningKey::from_seed(&[6; 32]);
        let mut forged = entries.clone();
        forged[2] = journal(&other, 3).pop().unwrap();
        assert!(verify(&forged, &key.public_key()).unwrap_err().contains("forged"));
        // The same places, but one rewritten: its successor no longer names it.
        let mut rewritten = journal(&key, 4);
        rewritten[1] = {
            let mut entry: JournalEntry =
                from_slice_strict(Envelope::parse(&entries[1]).unwrap().unverified_payload()).unwrap();
            entry.amount = 1;
            Envelope::sign(&key, Kind::JournalEntry, &serde_json::to_vec(&entry).unwrap())
                .unwrap()
                .to_compact()
        };
        assert!(verify(&rewritten, &key.public_key()).unwrap_err().contains("reordered or rewritten"));
        assert!(verify(&journal(&key, MAX_ENTRIES as u64 + 1), &key.public_key()).is_err());
    }
}
