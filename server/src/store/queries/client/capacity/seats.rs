//! Floating seats of a feature and cloud-concurrency sessions of a code: rows of `seats`
//! (a session has no feature) that live until `expires`, renewed by heartbeats. A seat whose
//! lease ended is free for everyone else at once: it is not counted, and its holder's next
//! heartbeat is told it lost it.

use super::super::super::db::{Connection, OptionalExtension, params};
use licensekit::Status;
use licensekit::protocol::client_api::Operation;

use super::super::activations::{Code, ltco};
use super::super::{Granted, Outcome, next_serial};
use super::{Which, feature, named};
use crate::random;
use crate::store::StoreResult;
use crate::store::leasing::{ClientCall, Refusal, SeatGrant, long_term_expiry, seat_window};
use crate::store::model::{ConcurrencyMode, FeatureType};

/// A seat as renewed: (heartbeat interval, expiry, long term).
type Terms = (i64, i64, bool);

/// The signed answer for a seat with these terms.
fn granted(
    conn: &Connection,
    call: &ClientCall,
    code: &Code,
    seat_id: String,
    feature: Option<String>,
    terms: Terms,
) -> StoreResult<Outcome> {
    let (heartbeat, expires, long_term) = terms;
    Ok(Ok(Granted::Seat(SeatGrant {
        license_code: code.code.clone(),
        seat_id,
        feature,
        expires,
        heartbeat,
        long_term,
        serial: next_serial(conn)?,
        installation_key: call.installation_key.clone(),
    })))
}

/// Takes a new seat (of `feature_id`, or a session for `None`) if fewer than `limit` are
/// live; expired ones are deleted first, since they are free.
fn take(
    conn: &Connection,
    call: &ClientCall,
    code: &Code,
    feature_id: Option<i64>,
    limit: i64,
    terms: Terms,
) -> StoreResult<Option<String>> {
    conn.prepare_cached(
        "DELETE FROM seats WHERE code = ?1 AND feature_id IS NOT DISTINCT FROM ?2 AND expires <= ?3",
    )?
    .execute(params![code.code, feature_id, call.now])?;
    let live: i64 = conn
        .prepare_cached("SELECT count(*) FROM seats WHERE code = ?1 AND feature_id IS NOT DISTINCT FROM ?2")?
        .query_row(params![code.code, feature_id], |r| r.get(0))?;
    if live >= limit {
        return Ok(None);
    }
    let seat_id = random::hex_id();
    conn.prepare_cached(
        "INSERT INTO seats (seat_id, code, feature_id, computer_id, installation_key, long_term, created, expires)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![seat_id, code.code, feature_id, call.computer_id, call.installation_key, terms.2, call.now, terms.1])?;
    Ok(Some(seat_id))
}

/// A floating check-out: the installation's live seat of the feature renewed, or a free
/// seat, or `SeatsExhausted`. With `checkout_days`, a long-term check-out (server function
/// `LTCO`): no heartbeats, the seat is held until the days are over or it is checked in.
pub(in super::super) fn checkout(conn: &Connection, call: &ClientCall, code: &Code) -> StoreResult<Outcome> {
    let feature = match feature(conn, code, named(call)?, FeatureType::Floating)? {
        Ok(feature) => feature,
        Err(refusal) => return Ok(Err(refusal)),
    };
    // A feature with no seats at all is not "every seat in use": there is none to wait for.
    if feature.limit <= 0 {
        return Ok(Err(Refusal::new(
            Status::FeatureNotEnabled,
            format!("feature: {} has no floating seats on this license code", feature.name),
        )));
    }
    let terms = match call.capacity.checkout_days {
        None => {
            let (heartbeat, expires) = seat_window(code.settings.heartbeat, call.now, call.hour);
            (heartbeat, expires, false)
        }
        Some(days) => match long_term_expiry(
            ltco(conn, code)?.as_ref().map(|(on, p)| (*on, p.as_str())),
            days,
            call.now,
            call.hour,
        ) {
            Ok(expires) => (0, expires, true),
            Err(refusal) => return Ok(Err(refusal)),
        },
    };
    let own: Option<String> = conn
        .prepare_cached(
            "SELECT seat_id FROM seats WHERE code = ?1 AND feature_id = ?2 AND installation_key = ?3 AND expires > ?4",
        )?
        .query_row(params![code.code, feature.id, call.installation_key, call.now], |r| r.get(0))
        .optional()?;
    let seat_id = match own {
        Some(seat_id) => {
            renew(conn, &seat_id, terms)?;
            seat_id
        }
        None => match take(conn, call, code, Some(feature.id), feature.limit, terms)? {
            Some(seat_id) => seat_id,
            None => {
                return Ok(Err(Refusal::new(
                    Status::SeatsExhausted,
                    format!("feature: all {} seats of {} are in use", feature.limit, feature.name),
                )));
            }
        },
    };
    granted(conn, call, code, seat_id, Some(feature.name), terms)
}

fn renew(conn: &Connection, seat_id: &str, (_, expires, long_term): Terms) -> StoreResult<()> {
    conn.prepare_cached("UPDATE seats SET expires = ?2, long_term = ?3 WHERE seat_id = ?1")?
        .execute(params![seat_id, expires, long_term])?;
    Ok(())
}

/// Opens a cloud-concurrency session: a new one for every call (processes on one machine
/// count separately) while fewer than `concurrentProcesses` are live (0 = unlimited, as the
/// seed says), else `ConcurrencyLimit`.
pub(in super::super) fn open_session(
    conn: &Connection,
    call: &ClientCall,
    code: &Code,
) -> StoreResult<Outcome> {
    if let Err(refusal) = cloud(code) {
        return Ok(Err(refusal));
    }
    let (heartbeat, expires) = seat_window(code.settings.heartbeat, call.now, call.hour);
    let terms = (heartbeat, expires, false);
    let limit = match code.settings.concurrent_processes {
        0 => i64::MAX,
        n => n,
    };
    match take(conn, call, code, None, limit, terms)? {
        Some(seat_id) => granted(conn, call, code, seat_id, None, terms),
        None => Ok(Err(Refusal::new(
            Status::ConcurrencyLimit,
            format!(
                "concurrentProcesses: all {} sessions of the license code are open",
                code.settings.concurrent_processes
            ),
        ))),
    }
}

fn cloud(code: &Code) -> Result<(), Refusal> {
    if code.settings.concurrency_mode == ConcurrencyMode::Cloud {
        Ok(())
    } else {
        Err(Refusal::new(Status::InvalidArgument, "concurrencyMode: the code is not Cloud"))
    }
}

/// A seat or session as an installation holds it.
struct Held {
    /// `None` for a session.
    feature_id: Option<i64>,
    feature_code: Option<String>,
    long_term: bool,
    expires: i64,
}

/// The seat or session a heartbeat, check-in or close names, if this installation holds it. A floating call names a seat of a feature
/// (the request's feature, when it names one); a session call names a session.
fn held(conn: &Connection, call: &ClientCall, code: &Code) -> StoreResult<Option<Held>> {
    let session = matches!(call.operation, Operation::SessionHeartbeat | Operation::SessionClose);
    let seat_id = call.capacity.seat_id.as_deref().unwrap_or_default();
    Ok(conn
        .prepare_cached(
            "SELECT s.feature_id, f.code, s.long_term, s.expires FROM seats s LEFT JOIN features f ON f.id = s.feature_id
             WHERE s.seat_id = ?1 AND s.code = ?2 AND s.installation_key = ?3
                   AND (CASE WHEN s.feature_id IS NULL THEN 1 ELSE 0 END) = ?4 AND (?5 IS NULL OR f.code = ?5)",
        )?
        .query_row(params![seat_id, code.code, call.installation_key, session, call.capacity.feature], |r| {
            Ok(Held { feature_id: r.get(0)?, feature_code: r.get(1)?, long_term: r.get(2)?, expires: r.get(3)? })
        })
        .optional()?)
}

/// Refuses a call about a seat (or session) when its feature is no longer a floating
/// feature ON for the code (or the code no longer Cloud).
fn still_allowed(
    conn: &Connection,
    code: &Code,
    feature_id: Option<i64>,
) -> StoreResult<Result<(), Refusal>> {
    Ok(match feature_id {
        Some(id) => feature(conn, code, Which::Id(id), FeatureType::Floating)?.map(|_| ()),
        None => cloud(code),
    })
}

/// A heartbeat: the seat or session renewed, or `SeatLost` when its lease ended (someone
/// else may have it now) or it was checked in. A long-term check-out keeps its end.
pub(in super::super) fn heartbeat(conn: &Connection, call: &ClientCall, code: &Code) -> StoreResult<Outcome> {
    let lost = |why: &str| Ok(Err(Refusal::new(Status::SeatLost, format!("seat_id: {why}"))));
    let Some(Held { feature_id, feature_code, long_term, expires }) = held(conn, call, code)? else {
        return lost("this installation holds no such seat (checked in, freed, or never taken)");
    };
    if expires <= call.now {
        return lost("the seat's lease ended before this heartbeat; it is free for others");
    }
    if let Err(refusal) = still_allowed(conn, code, feature_id)? {
        return Ok(Err(refusal));
    }
    let terms = if long_term {
        (0, expires, true)
    } else {
        let (heartbeat, expires) = seat_window(code.settings.heartbeat, call.now, call.hour);
        (heartbeat, expires, false)
    };
    let seat_id = call.capacity.seat_id.clone().unwrap_or_default();
    renew(conn, &seat_id, terms)?;
    granted(conn, call, code, seat_id, feature_code, terms)
}

/// A check-in or close: the seat or session is freed. Giving back one that is already free
/// (checked in before, expired, freed by a deactivation) answers the same.
pub(in super::super) fn give_back(conn: &Connection, call: &ClientCall, code: &Code) -> StoreResult<Outcome> {
    if let Some(seat) = held(conn, call, code)? {
        if let Err(refusal) = still_allowed(conn, code, seat.feature_id)? {
            return Ok(Err(refusal));
        }
        conn.prepare_cached("DELETE FROM seats WHERE seat_id = ?1")?.execute([&call.capacity.seat_id])?;
    }
    Ok(Ok(Granted::Nothing))
}
