//! Offline usage (see [`crate::protocol::journal`]): consumption tokens and element-pool units
//! used while the server is out of reach are recorded in the store as signed, hash-chained
//! journal entries, within the license's limits, and carried to the server by the next
//! refresh, deactivation or deactivation certificate.

use super::Inner;
use crate::Status;
use crate::protocol::client_api::FeatureKind;
use crate::protocol::journal::{ChainHead, GENESIS, JournalEntry, MAX_ENTRIES, Usage, link};
use crate::protocol::{Envelope, Kind, from_slice_strict};

/// Whether a failed online use may be recorded offline instead: the server could not be
/// reached or did not answer (a refusal is the server's word and stands).
pub(super) fn offline_fallback(status: Status) -> bool {
    matches!(status, Status::NoServer | Status::Network | Status::Timeout | Status::ServerError)
}

/// The entry of a stored journal text (the store is authenticated and the entry was signed
/// here: read without verifying again).
fn entry(compact: &str) -> Option<JournalEntry> {
    from_slice_strict(Envelope::parse(compact).ok()?.unverified_payload()).ok()
}

impl Inner {
    /// Records a use of `n` tokens or units of `feature` in the journal, within what the
    /// license grants between two contacts with the server; returns what is left offline.
    /// `request_id`: the online attempt this falls back from, if it may have reached the
    /// server. `None` when the journal is full (the caller's own failure stands).
    pub(super) fn use_offline(
        &self,
        usage: Usage,
        feature: &str,
        n: u32,
        request_id: Option<String>,
    ) -> Result<Option<u64>, Status> {
        let kind =
            if usage == Usage::Tokens { FeatureKind::ConsumptionToken } else { FeatureKind::ElementPool };
        self.require_feature(feature, kind)?;
        let license = self.license.load();
        let license = (**license).as_ref().map_err(|s| *s)?;
        let lease = license.lease();
        let code = lease.license_code.clone().ok_or(Status::NoLicense)?;
        let limit = lease.features.iter().find(|f| f.code == feature).and_then(|f| f.limit).unwrap_or(0);
        let key = self.installation_key()?.ok_or(Status::NoLicense)?;
        let now = self.now();
        self.store.update(|state| {
            if state.journal.len() >= MAX_ENTRIES {
                return Ok(None);
            }
            // What this journal already used of the feature: tokens spent, units held.
            let (mut spent, mut held) = (0u64, 0u64);
            for e in state.journal.iter().filter_map(|t| entry(t)) {
                if e.feature != feature || e.license_code != code {
                    continue;
                }
                match e.usage {
                    Usage::Tokens => spent += e.amount,
                    Usage::PoolCheckout => held += e.amount,
                    Usage::PoolCheckin => held = held.saturating_sub(e.amount),
                }
            }
            let n = u64::from(n);
            let left = match usage {
                Usage::Tokens if spent + n > limit => return Err(Status::TokensExhausted),
                Usage::Tokens => limit - spent - n,
                Usage::PoolCheckout if held + n > limit => return Err(Status::PoolExhausted),
                Usage::PoolCheckout => limit - held - n,
                Usage::PoolCheckin if n > held => {
                    return Err(crate::detail::note(
                        Status::InvalidArgument,
                        format!("offline, {held} units of {feature} drawn offline can be returned, not {n}"),
                    ));
                }
                Usage::PoolCheckin => limit - (held - n),
            };
            let head = match &state.journal_head {
                Some(head) => head.clone(),
                None => ChainHead { chain: super::random_hex()?, seq: 0, link: GENESIS.to_owned() },
            };
            let entry = JournalEntry {
                chain: head.chain.clone(),
                seq: head.seq + 1,
                prev: head.link,
                time: now,
                license_code: code.clone(),
                feature: feature.to_owned(),
                usage,
                amount: n,
                request_id: request_id.clone(),
            };
            let payload = serde_json::to_vec(&entry).map_err(|_| Status::Internal)?;
            let compact = Envelope::sign(&key, Kind::JournalEntry, &payload)?.to_compact();
            state.journal_head = Some(ChainHead { chain: head.chain, seq: entry.seq, link: link(&compact) });
            state.journal.push(compact);
            Ok(Some(left))
        })
    }

    /// The journal's entries to send with a refresh, deactivation or re-activation, and the
    /// last one's place, so a successful answer forgets exactly these.
    pub(super) fn journal_to_send(&self) -> Result<(Vec<String>, u64), Status> {
        let journal = self.store.load()?.journal;
        let last = journal.last().and_then(|t| entry(t)).map_or(0, |e| e.seq);
        Ok((journal, last))
    }

    /// Forgets the entries up to place `sent`, which the server acknowledged.
    pub(super) fn journal_delivered(&self, sent: u64) -> Result<(), Status> {
        if sent == 0 {
            return Ok(());
        }
        self.store.update(|state| {
            state.journal.retain(|t| entry(t).is_none_or(|e| e.seq > sent));
            Ok(())
        })
    }
}
