//! What the server keeps about the installation holding an activation or a trial beyond its
//! key: the component digests it last reported (a new installation key takes the seat over
//! only from matching hardware, see `take_over`) and its chain of leases (a refresh from a
//! copied store shows as a fork, see `Chain`), and what a fork does under the product's
//! `clonepolicy`.

use super::super::db::{Connection, params};
use licensekit::Status;
use licensekit::machine::ComponentDigest;

use crate::store::leasing::{Chain, ClientCall, Presented, Refusal};
use crate::store::model::ClonePolicy;
use crate::store::{StoreError, StoreResult};

/// Which kind of row holds the installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Holding {
    Activation,
    Trial,
}

impl Holding {
    fn table(self) -> &'static str {
        match self {
            Holding::Activation => "activations",
            Holding::Trial => "trials",
        }
    }

    /// What the support desk does about a fork of this kind.
    fn remedy(self) -> &'static str {
        match self {
            Holding::Activation => {
                "activate again on the computer that should keep the license, or have the vendor delete this \
                 computer's activity (DELETE LicenseCodeActivity with computerid) and activate again"
            }
            Holding::Trial => {
                "start the trial again on the computer that should keep it, or have the vendor reset it \
                 (DELETE Trial)"
            }
        }
    }
}

/// The hardware and chain recorded for an installation.
#[derive(Debug)]
pub(super) struct Recorded {
    /// Empty when none is recorded (an activation from before they were).
    pub components: Vec<ComponentDigest>,
    pub chain: Chain,
}

/// What row `id` of `holding` records (at an activation or trial start, which may be a
/// takeover).
pub(super) fn recorded(conn: &Connection, holding: Holding, id: i64) -> StoreResult<Recorded> {
    let text: Option<String> = conn
        .prepare_cached(&format!("SELECT components FROM {} WHERE id = ?1", holding.table()))?
        .query_row([id], |r| r.get(0))?;
    let components = match text {
        Some(text) => {
            serde_json::from_str(&text).map_err(|e| StoreError::Internal(format!("components: {e}")))?
        }
        None => Vec::new(),
    };
    Ok(Recorded { components, chain: chain(conn, holding, id)? })
}

/// The chain of leases of row `id` of `holding` (all a refresh needs).
pub(super) fn chain(conn: &Connection, holding: Holding, id: i64) -> StoreResult<Chain> {
    let (acked, issued): (Option<i64>, String) = conn
        .prepare_cached(&format!(
            "SELECT acked_serial, issued_serials FROM {} WHERE id = ?1",
            holding.table()
        ))?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Chain::parse(acked, &issued).map_err(StoreError::Internal)
}

/// The call's component digests as recorded.
pub(super) fn components_json(call: &ClientCall) -> StoreResult<String> {
    serde_json::to_string(&call.components).map_err(|e| StoreError::Internal(format!("components: {e}")))
}

/// Judges the serial a refresh presents against the chain of row `id`: the installation's
/// own chain passes; a fork is counted on the row (and shown to the vendor) and passes only
/// when the product's clone policy is `Flag`, else it is refused with `CloneDetected` — the
/// one refusal that writes (the count), since the vendor must see what was refused.
pub(super) fn follow(
    conn: &Connection,
    holding: Holding,
    id: i64,
    chain: &Chain,
    call: &ClientCall,
) -> StoreResult<Result<(), Refusal>> {
    let held = call
        .held_serial
        .ok_or_else(|| StoreError::Internal("held_serial: not checked at decoding".into()))?;
    if chain.judge(held) != Presented::Fork {
        return Ok(Ok(()));
    }
    conn.prepare_cached(&format!(
        "UPDATE {} SET forks = forks + 1, last_fork = ?2 WHERE id = ?1",
        holding.table()
    ))?
    .execute(params![id, call.now])?;
    let policy: String = conn
        .prepare_cached("SELECT clone_policy FROM products WHERE id = ?1")?
        .query_row([&call.product_id], |r| r.get(0))?;
    if ClonePolicy::from_name(&policy) == Some(ClonePolicy::Flag) {
        return Ok(Ok(()));
    }
    let latest = chain.issued.last().or(chain.acked.as_ref()).map_or_else(String::new, |s| format!(" {s}"));
    Ok(Err(Refusal::new(
        Status::CloneDetected,
        format!(
            "held_serial: this installation holds lease {held}, but another installation with the same key \
             and computer ID went on to lease{latest}: a copy of this license store is in use (a cloned \
             computer, or a store restored from a backup), and product {} refuses copies (clonepolicy \
             Refuse): {}",
            call.product_id,
            holding.remedy()
        ),
    )
    .recorded()))
}
