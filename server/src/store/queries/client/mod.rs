//! The client protocol's writes: activations, trials, system details and shared capacity,
//! each call in the one transaction the caller opened, answered once and replayed for a
//! retried request ID; a request that is not fresh is refused before anything is recorded.

mod activations;
mod capacity;
mod chain;
mod trials;

pub use activations::deactivate_offline;
pub(super) use capacity::release as release_capacity;

use super::super::db::{Connection, OptionalExtension, params};
use capacity::{pools, seats, tokens};

use licensekit::Status;
use licensekit::protocol::client_api::{LeaseResponse, Operation};

use crate::store::leasing::{
    ANSWER_RETENTION_MILLIS, Channel, ClientCall, Grant, OFFLINE_ANSWER_RETENTION_MILLIS, Refusal, SeatGrant,
    Signable, Signer, offline_freshness, online_freshness,
};
use crate::store::model::{EventRecord, EventSource};
use crate::store::{StoreError, StoreResult};

/// What a granted call comes to before signing.
enum Granted {
    /// A lease.
    Lease(Grant),
    /// A floating seat or session.
    Seat(SeatGrant),
    /// Elements left in a pool, or tokens left.
    Remaining(i64),
    /// Nothing to sign (system details, check-in, close).
    Nothing,
}

/// What a call comes to before signing: a grant or a refusal.
type Outcome = Result<Granted, Refusal>;

/// Runs one call: the stored answer of a repeated request ID (so a retry after a lost answer
/// is answered even once the request is no longer fresh), or the freshness check, the
/// operation's rules, the signed lease or seat, and the answer recorded under the request ID.
pub fn call(
    conn: &Connection,
    call: &ClientCall,
    sign: Signer<'_>,
) -> StoreResult<Result<LeaseResponse, Refusal>> {
    let stored: Option<(Vec<u8>, LeaseResponse)> = conn
        .prepare_cached(
            "SELECT request_hash, lease, seat, remaining FROM client_answers
             WHERE request_id = ?1 AND keep_until >= ?2",
        )?
        .query_row(params![call.request_id, call.now], |r| {
            let remaining: Option<i64> = r.get(3)?;
            let answer = LeaseResponse {
                lease: r.get(1)?,
                seat: r.get(2)?,
                remaining: remaining.map(|n| u64::try_from(n).unwrap_or(0)),
                master: None,
            };
            Ok((r.get(0)?, answer))
        })
        .optional()?;
    if let Some((hash, answer)) = stored {
        if hash != call.request_hash {
            return Ok(Err(Refusal::new(
                Status::MalformedPayload,
                "request_id: already used by a different request",
            )));
        }
        return Ok(Ok(answer));
    }
    if let Err(refusal) = fresh(conn, call)? {
        return Ok(Err(refusal));
    }
    // The offline usage comes first: a journal refused refuses the call, and a call refused
    // rolls the journal's counting back with it (the client sends it again).
    let sender = capacity::journal::Sender {
        product_id: &call.product_id,
        computer_id: &call.computer_id,
        installation_key: &call.installation_key,
        now: call.now,
    };
    if let Err(refusal) = capacity::journal::apply(conn, &sender, &call.journal)? {
        return Ok(Err(refusal));
    }
    let outcome = match call.operation {
        Operation::Activate => activations::activate(conn, call)?,
        Operation::Refresh if call.license_code.is_some() => activations::refresh(conn, call)?,
        Operation::Refresh => trials::refresh(conn, call)?,
        Operation::Deactivate => activations::deactivate(conn, call)?,
        Operation::StartTrial => trials::start(conn, call)?,
        Operation::SystemDetails => system_details(conn, call)?,
        Operation::Events => events(conn, call)?,
        Operation::FloatingCheckout => capacity::call(conn, call, seats::checkout)?,
        Operation::FloatingHeartbeat | Operation::SessionHeartbeat => {
            capacity::call(conn, call, seats::heartbeat)?
        }
        Operation::FloatingCheckin | Operation::SessionClose => capacity::call(conn, call, seats::give_back)?,
        Operation::SessionOpen => capacity::call(conn, call, seats::open_session)?,
        Operation::PoolCheckout => capacity::call(conn, call, pools::checkout)?,
        Operation::PoolCheckin => capacity::call(conn, call, pools::checkin)?,
        Operation::ConsumeTokens => capacity::call(conn, call, tokens::consume)?,
        // Refused when the request is read (`client_api::request`): a LAN daemon serves them.
        Operation::NetworkCheckout | Operation::NetworkHeartbeat | Operation::NetworkCheckin => {
            return Err(StoreError::Internal("a LAN operation reached the store".into()));
        }
    };
    let granted = match outcome {
        Ok(granted) => granted,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let signed = |what| sign(what).map(Some).map_err(StoreError::Internal);
    let answer = match &granted {
        Granted::Lease(grant) => {
            LeaseResponse { lease: signed(Signable::Lease(grant))?, ..LeaseResponse::default() }
        }
        Granted::Seat(seat) => {
            LeaseResponse { seat: signed(Signable::Seat(seat))?, ..LeaseResponse::default() }
        }
        Granted::Remaining(n) => {
            LeaseResponse { remaining: Some(u64::try_from(*n).unwrap_or(0)), ..LeaseResponse::default() }
        }
        Granted::Nothing => LeaseResponse::default(),
    };
    // What the lookup above no longer finds is pruned (the same bound), so the ID is free.
    conn.prepare_cached("DELETE FROM client_answers WHERE keep_until < ?1")?.execute([call.now])?;
    let retention = match call.channel {
        Channel::Online => ANSWER_RETENTION_MILLIS,
        Channel::Offline => OFFLINE_ANSWER_RETENTION_MILLIS,
    };
    conn.prepare_cached(
        "INSERT INTO client_answers (request_id, request_hash, lease, seat, remaining, created, keep_until)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        call.request_id,
        &call.request_hash[..],
        answer.lease,
        answer.seat,
        answer.remaining.map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
        call.now,
        call.now.saturating_add(retention)
    ])?;
    Ok(Ok(answer))
}

/// What a call holds, for the backend to run the calls on one license code (or one
/// computer's trial) one at a time.
pub fn holding(call: &ClientCall) -> String {
    match &call.license_code {
        Some(code) => format!("code {code}"),
        None => format!("trial {} {}", call.product_id, call.computer_id),
    }
}

/// Refuses a call whose request was not made just now (online), or not within its product's
/// completion window (an offline activation request). A request for an unknown product is
/// left to the operation, which names the product.
fn fresh(conn: &Connection, call: &ClientCall) -> StoreResult<Result<(), Refusal>> {
    Ok(match call.channel {
        Channel::Online => online_freshness(call.client_time, call.now),
        Channel::Offline => {
            let days: Option<i64> = conn
                .prepare_cached("SELECT offline_request_days FROM products WHERE id = ?1")?
                .query_row([&call.product_id], |r| r.get(0))
                .optional()?;
            days.map_or(Ok(()), |days| offline_freshness(call.client_time, call.now, days, call.hour))
        }
    })
}

/// The next lease serial: server-wide, persisted, only ever goes up (each backend keeps it
/// its own way, see `db::next_serial`).
pub(super) fn next_serial(conn: &Connection) -> StoreResult<i64> {
    Ok(super::db::next_serial(conn)?)
}

/// Refuses a call naming a product that does not exist.
fn product_exists(conn: &Connection, product_id: &str) -> StoreResult<Result<(), Refusal>> {
    let found = conn.prepare_cached("SELECT 1 FROM products WHERE id = ?1")?.exists([product_id])?;
    Ok(if found {
        Ok(())
    } else {
        Err(Refusal::new(Status::InvalidProductId, format!("product_id: product {product_id} not found")))
    })
}

/// Records the system details a call carries, replacing the computer's previous ones.
fn record_system_details(conn: &Connection, call: &ClientCall) -> StoreResult<()> {
    if let Some(details) = &call.system_details {
        conn.prepare_cached(
            "INSERT INTO system_details (product_id, computer_id, details, updated) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (product_id, computer_id) DO UPDATE SET details = excluded.details, updated = excluded.updated",
        )?
        .execute(params![call.product_id, call.computer_id, details, call.now])?;
    }
    Ok(())
}

/// Refuses a call from an installation the server does not know: its key must be the one
/// recorded for an activation of the product on that computer, or for its trial.
fn known_installation(conn: &Connection, call: &ClientCall) -> StoreResult<Result<(), Refusal>> {
    if let Err(refusal) = product_exists(conn, &call.product_id)? {
        return Ok(Err(refusal));
    }
    let known = conn
        .prepare_cached(
            "SELECT 1 FROM activations a JOIN license_codes lc ON lc.code = a.code
             WHERE lc.product_id = ?1 AND a.computer_id = ?2 AND a.installation_key = ?3 AND a.status = 'Activated'
             UNION ALL
             SELECT 1 FROM trials WHERE product_id = ?1 AND computer_id = ?2 AND installation_key = ?3",
        )?
        .exists(params![call.product_id, call.computer_id, call.installation_key])?;
    Ok(if known { Ok(()) } else { Err(unknown_installation(conn, call)?) })
}

/// An upload of system details by an installation the server knows.
fn system_details(conn: &Connection, call: &ClientCall) -> StoreResult<Outcome> {
    if let Err(refusal) = known_installation(conn, call)? {
        return Ok(Err(refusal));
    }
    if call.system_details.is_none() {
        return Ok(Err(Refusal::new(Status::MalformedPayload, "system_details: required")));
    }
    record_system_details(conn, call)?;
    Ok(Ok(Granted::Nothing))
}

/// A batch of usage events from an installation the server knows, each recorded once: the
/// events of a batch sent again are already there and add nothing.
fn events(conn: &Connection, call: &ClientCall) -> StoreResult<Outcome> {
    if let Err(refusal) = known_installation(conn, call)? {
        return Ok(Err(refusal));
    }
    for event in &call.events {
        let record = EventRecord {
            event_id: event.event_id.clone(),
            product_id: call.product_id.clone(),
            name: event.name.clone(),
            payload: event.payload.clone(),
            source: EventSource::Client,
            computer_id: call.computer_id.clone(),
            license_code: call.license_code.clone().unwrap_or_default(),
            occurred: event.time,
            received: call.now,
        };
        super::events::add(conn, &record)?;
    }
    Ok(Ok(Granted::Nothing))
}

/// The refusal for a request whose key is not recorded: `BadSignature` when the computer
/// has an activation or trial of the product (someone else's key, or a forged request),
/// `NoLicense` when it has none.
fn unknown_installation(conn: &Connection, call: &ClientCall) -> StoreResult<Refusal> {
    let has_any = conn
        .prepare_cached(
            "SELECT 1 FROM activations a JOIN license_codes lc ON lc.code = a.code
             WHERE lc.product_id = ?1 AND a.computer_id = ?2 AND (?3 IS NULL OR a.code = ?3)
             UNION ALL
             SELECT 1 FROM trials WHERE product_id = ?1 AND computer_id = ?2 AND ?3 IS NULL",
        )?
        .exists(params![call.product_id, call.computer_id, call.license_code])?;
    Ok(if has_any {
        Refusal::new(
            Status::BadSignature,
            "installation_key: the request is not signed by the key recorded for this computer: another \
             installation holds its license (it was activated again, e.g. after a reinstall); activate \
             again to use it here",
        )
    } else {
        Refusal::new(
            Status::NoLicense,
            format!(
                "computer_id: no activation or trial of product {} on computer {}: activate (or start the \
                 trial) first",
                call.product_id, call.computer_id
            ),
        )
    })
}
