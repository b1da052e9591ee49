//! Activations of license codes: activate online or offline (seat rules, expiry, trial
//! conversion, no takeover of another installation's seat without proof), refresh
//! (revocations reach the client as a signed state; copied stores show as forks), and
//! deactivate online or by a deactivation certificate (the seat is freed).
//!
//! A code in concurrency mode Network is activated and refreshed by its site's LAN daemon
//! only (`network_daemon`), which gets the network master license and reports the seats it
//! serves at each refresh; only such a code grants one.

use super::super::db::{Connection, OptionalExtension, params};
use licensekit::Status;
use licensekit::protocol::client_api::LeaseState;

use super::super::licensing::{self, Owner, SETTINGS_COLUMNS};
use super::capacity::release_installation;
use super::chain::{self, Holding};
use super::{Granted, Outcome, next_serial, product_exists, record_system_details, unknown_installation};
use crate::datetime;
use crate::store::StoreResult;
use crate::store::leasing::{
    Chain, Channel, ClientCall, Grant, NamedUser, OfflineDeactivation, Periods, Refusal, certificate_window,
    code_expiry, network_terms, take_over, wire_license_type,
};
use crate::store::model::{ConcurrencyMode, Settings};

/// A license code as a call sees it.
pub(super) struct Code {
    pub(super) code: String,
    pub(super) product_id: String,
    pub(super) settings: Settings,
    /// When the code was first activated (a subscription counts from there).
    first_activation: Option<i64>,
}

impl Code {
    fn expires(&self, call: &ClientCall) -> Option<i64> {
        code_expiry(&self.settings, self.first_activation.unwrap_or(call.now), call.hour)
    }

    /// Refuses a disabled or expired code, saying what the vendor can change.
    fn usable(&self, call: &ClientCall) -> Result<(), Refusal> {
        if !self.settings.enabled_for_use {
            return Err(Refusal::new(
                Status::Disabled,
                format!(
                    "license_code: the license code is disabled: the vendor enables license code {} again \
                     (enabledforuse)",
                    self.code
                ),
            ));
        }
        if let Some(end) = self.expires(call).filter(|end| *end <= call.now) {
            return Err(Refusal::new(
                Status::Expired,
                format!(
                    "license_code: the license has expired: license code {} ({}) ended {} UTC; the vendor \
                     renews or extends it",
                    self.code,
                    self.settings.license_type.name(),
                    datetime::format(end)
                ),
            ));
        }
        Ok(())
    }

    /// Refuses an activation or refresh that does not match the code's kind: a network
    /// license (concurrency mode Network) is held by its site's LAN daemon alone, and a daemon
    /// holds nothing else.
    fn held_as(&self, call: &ClientCall) -> Result<(), Refusal> {
        let network = self.settings.concurrency_mode == ConcurrencyMode::Network;
        match (network, call.network_daemon) {
            (true, false) => Err(Refusal::new(
                Status::NetworkLicenseOnly,
                format!(
                    "license_code: license code {} is a network license: its seats are served by the \
                     site's LAN daemon; take a seat from the daemon instead of activating the code",
                    self.code
                ),
            )),
            (false, true) => Err(Refusal::new(
                Status::NotNetworkLicense,
                format!(
                    "network_daemon: license code {} is not a network license (concurrencyMode {}): a LAN \
                     daemon serves only a code the vendor made a network license (POST \
                     NetworkMasterLicense, or concurrencymode network)",
                    self.code,
                    self.settings.concurrency_mode.name()
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// The code's server function `LTCO`: (enabled, parameter).
pub(super) fn ltco(conn: &Connection, code: &Code) -> StoreResult<Option<(bool, String)>> {
    Ok(conn
        .prepare_cached(
            "SELECT enabled, parameter FROM code_server_functions WHERE code = ?1 AND name = 'LTCO'",
        )?
        .query_row([&code.code], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// The code the call names, in the call's product; a refusal when either is unknown.
fn load_code(conn: &Connection, call: &ClientCall) -> StoreResult<Result<Code, Refusal>> {
    find_code(conn, &call.product_id, call.license_code.as_deref().unwrap_or_default())
}

/// The code in the product; a refusal when either is unknown.
pub(super) fn find_code(
    conn: &Connection,
    product_id: &str,
    code: &str,
) -> StoreResult<Result<Code, Refusal>> {
    if let Err(refusal) = product_exists(conn, product_id)? {
        return Ok(Err(refusal));
    }
    let found = conn
        .prepare_cached(&format!(
            "SELECT product_id, subscription_last_activated, {SETTINGS_COLUMNS} FROM license_codes
             WHERE code = ?1 AND product_id = ?2"
        ))?
        .query_row([code, product_id], |r| {
            Ok(Code {
                code: code.to_owned(),
                product_id: r.get(0)?,
                first_activation: r.get(1)?,
                settings: licensing::read_settings(r, 2)?,
            })
        })
        .optional()?;
    Ok(found.ok_or_else(|| {
        Refusal::new(
            Status::InvalidLicenseCode,
            format!("license_code: license code {code} not found in product {product_id}"),
        )
    }))
}

/// The lease contents for an activation of `code` in `state`; for a LAN daemon's call on a
/// network license, with the terms of its network master license.
fn grant(
    conn: &Connection,
    call: &ClientCall,
    code: &Code,
    state: LeaseState,
    (lease_end, grace_end): (i64, i64),
    serial: i64,
) -> StoreResult<Grant> {
    let owner = Owner::Code(&code.code);
    let network = if call.network_daemon {
        let ltco = ltco(conn, code)?;
        network_terms(&code.settings, ltco.as_ref().map(|(on, p)| (*on, p.as_str())), call.hour)
    } else {
        None
    };
    // The named user the installation's activation was made for, if any.
    let user: Option<String> = conn
        .prepare_cached(
            "SELECT username FROM activations WHERE code = ?1 AND installation_key = ?2 ORDER BY id DESC LIMIT 1",
        )?
        .query_row([&code.code, &call.installation_key], |r| r.get(0))
        .optional()?
        .filter(|name: &String| !name.is_empty());
    let extras = licensing::extras(conn, &[owner])?.pop().unwrap_or_default();
    Ok(Grant {
        license_code: Some(code.code.clone()),
        state,
        license_type: wire_license_type(code.settings.license_type),
        features: extras.features,
        udfs: extras.udfs,
        expires: code.expires(call),
        maintenance_end: code.settings.maintenance_end,
        lease_end,
        grace_end,
        serial,
        installation_key: call.installation_key.clone(),
        vm_platform: call.vm_platform.clone(),
        network,
        user,
    })
}

pub fn activate(conn: &Connection, call: &ClientCall) -> StoreResult<Outcome> {
    let code = match load_code(conn, call)? {
        Ok(code) => code,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if let Err(refusal) = code.held_as(call).and_then(|()| code.usable(call)) {
        return Ok(Err(refusal));
    }
    if call.channel == Channel::Offline && key_given_back(conn, &call.installation_key)? {
        return Ok(Err(Refusal::new(
            Status::Deactivated,
            "installation_key: this request's activation was deactivated since: make a new activation \
             request on the computer and send that",
        )));
    }
    // Every installation holding this computer's seat of the code, newest first.
    let holders: Vec<(i64, Option<String>)> = conn
        .prepare_cached(
            "SELECT id, installation_key FROM activations
             WHERE code = ?1 AND computer_id = ?2 AND status = 'Activated' ORDER BY id DESC",
        )?
        .query_map([&code.code, &call.computer_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let place = match placement(conn, call, &code, &holders)? {
        Ok(place) => place,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if let Some(user) = &call.user
        && let Err(refusal) = user_has_room(conn, call, &code.code, user)?
    {
        return Ok(Err(refusal));
    }
    if place == Place::New {
        let seats: i64 = conn
            .prepare_cached(
                "SELECT count(DISTINCT computer_id) FROM activations WHERE code = ?1 AND status = 'Activated'",
            )?
            .query_row([&code.code], |r| r.get(0))?;
        if seats >= code.settings.clients_allowed {
            return Ok(Err(Refusal::new(
                Status::ActivationLimit,
                format!(
                    "license_code: all {} activations of license code {} are in use: deactivate one of \
                     the computers, or have the vendor return or delete one's activity (LicenseCodeActivity) \
                     or allow more (clientsallowed)",
                    code.settings.clients_allowed, code.code
                ),
            )));
        }
    }
    let window = match call.channel {
        Channel::Online => Periods::of(&code.settings).window(&call.vm_platform, call.now, call.hour),
        Channel::Offline => {
            match certificate_window(code.settings.client_offline_lease_period, call.now, call.hour) {
                Ok(window) => window,
                Err(refusal) => return Ok(Err(refusal)),
            }
        }
    };
    let serial = next_serial(conn)?;
    let components = chain::components_json(call)?;
    let update = |id: i64, chain: Chain| -> StoreResult<usize> {
        Ok(conn
            .prepare_cached(
                "UPDATE activations SET installation_key = ?2, lease_end = ?3, vm_platform = ?4, serial = ?5,
                                        first_serial = ?5, nonce = ?6, components = ?7, acked_serial = ?8,
                                        issued_serials = ?9, last_contact = ?10
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                call.installation_key,
                window.0,
                call.vm_platform,
                serial,
                call.nonce,
                components,
                chain.acked,
                chain.issued_text(),
                call.now
            ])?)
    };
    match place {
        // The same installation again: its chain of leases goes on.
        Place::Same(id) => {
            let mut chain = chain::recorded(conn, Holding::Activation, id)?.chain;
            chain.answered(None, serial);
            update(id, chain)?
        }
        // A handover: the new installation key replaces the one that signed it, and what the
        // old installation held (it can no longer sign for it) is freed.
        Place::Replace(id, old_key) => {
            if let Some(old_key) = old_key {
                release_installation(conn, &code.code, &old_key)?;
            }
            update(id, Chain::new(serial))?
        }
        // A first activation on this computer, or another installation beside the ones there
        // (another user's store, another store directory): the same computer, the same seat.
        Place::New | Place::Beside => conn
            .prepare_cached(
                "INSERT INTO activations (code, computer_id, status, activated, lease_end, vm_platform,
                                          installation_key, serial, first_serial, nonce, components,
                                          issued_serials, last_contact)
                 VALUES (?1, ?2, 'Activated', ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, ?10, ?3)",
            )?
            .execute(params![
                code.code,
                call.computer_id,
                call.now,
                window.0,
                call.vm_platform,
                call.installation_key,
                serial,
                call.nonce,
                components,
                Chain::new(serial).issued_text()
            ])?,
    };
    // Whose activation it is now: the named user who signed in, or nobody (a license code).
    conn.prepare_cached(
        "UPDATE activations SET username = ?3 WHERE code = ?1 AND installation_key = ?2 AND status = 'Activated'",
    )?
    .execute(params![code.code, call.installation_key, call.user.as_ref().map_or("", |u| u.username.as_str())])?;
    if call.network_daemon {
        conn.prepare_cached(
            "UPDATE activations SET lan_daemon = 1
             WHERE code = ?1 AND installation_key = ?2 AND status = 'Activated'",
        )?
        .execute(params![code.code, call.installation_key])?;
    }
    let mut code = code;
    if code.first_activation.is_none() {
        code.first_activation = Some(call.now);
        conn.prepare_cached("UPDATE license_codes SET subscription_last_activated = ?2 WHERE code = ?1")?
            .execute(params![code.code, call.now])?;
    }
    // A trial on this computer is converted by the activation.
    conn.prepare_cached(
        "UPDATE trials SET converted_code = ?3, modified = ?4
         WHERE product_id = ?1 AND computer_id = ?2 AND converted_code IS NULL",
    )?
    .execute(params![call.product_id, call.computer_id, code.code, call.now])?;
    record_system_details(conn, call)?;
    Ok(Ok(Granted::Lease(grant(conn, call, &code, LeaseState::Active, window, serial)?)))
}

/// Refuses a named user's activation on one computer more than the user may have: their
/// current activations of the code on other computers are counted (this computer's, a
/// re-activation, takes no new place).
fn user_has_room(
    conn: &Connection,
    call: &ClientCall,
    code: &str,
    user: &NamedUser,
) -> StoreResult<Result<(), Refusal>> {
    let elsewhere: i64 = conn
        .prepare_cached(
            "SELECT count(DISTINCT computer_id) FROM activations
             WHERE code = ?1 AND username = ?2 AND status = 'Activated' AND computer_id != ?3",
        )?
        .query_row(params![code, user.username, call.computer_id], |r| r.get(0))?;
    if elsewhere < user.computers {
        return Ok(Ok(()));
    }
    Ok(Err(Refusal::new(
        Status::ActivationLimit,
        format!(
            "user: {} uses this license on {elsewhere} other computers, as many as the license allows one \
             user (computersperuser {}): deactivate it on one of them first",
            user.username, user.computers
        ),
    )))
}

/// Where an activation goes among the installations already holding the computer's seat.
#[derive(Debug, PartialEq, Eq)]
enum Place {
    /// The computer holds no seat of the code yet: one is taken (if the code has one left).
    New,
    /// This installation key holds it already (a retry, a re-activation).
    Same(i64),
    /// The installation named by the request's key handover (or one holding the seat by no
    /// key at all) gives its row to the new key.
    Replace(i64, Option<String>),
    /// Another installation on the proven same hardware: a second installation sharing the
    /// computer's one seat.
    Beside,
}

/// Decides [`Place`]: a computer ID already holding a seat under other installation keys is
/// joined only with proof (the handover of one of them, or component digests matching the
/// latest one's), so a license code and someone's computer ID are not enough to use or free
/// their seat.
fn placement(
    conn: &Connection,
    call: &ClientCall,
    code: &Code,
    holders: &[(i64, Option<String>)],
) -> StoreResult<Result<Place, Refusal>> {
    if let Some((id, _)) =
        holders.iter().find(|(_, key)| key.as_deref() == Some(call.installation_key.as_str()))
    {
        return Ok(Ok(Place::Same(*id)));
    }
    let handed = holders
        .iter()
        .find(|(_, key)| key.is_none() || (key.is_some() && key.as_deref() == call.handover_from.as_deref()));
    if let Some((id, key)) = handed {
        return Ok(Ok(Place::Replace(*id, key.clone())));
    }
    let Some((latest, Some(recorded_key))) = holders.first() else { return Ok(Ok(Place::New)) };
    let recorded = chain::recorded(conn, Holding::Activation, *latest)?;
    let what = format!("the seat of license code {}", code.code);
    let remedy = "deactivate that installation first, or have the vendor delete this computer's \
                  activity (DELETE LicenseCodeActivity with computerid), then activate again";
    Ok(take_over(call, recorded_key, &recorded.components, &what, remedy).map(|()| Place::Beside))
}

/// Whether an installation key's activation was given back (deactivated, returned or
/// deleted): such a key is never activated again.
fn key_given_back(conn: &Connection, installation_key: &str) -> StoreResult<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM activations WHERE installation_key = ?1 AND status <> 'Activated'
             UNION ALL SELECT 1 FROM deleted_activations WHERE installation_key = ?1",
        )?
        .exists([installation_key])?)
}

/// The activation signed by the call's key: (row ID, status), or the deleted activity's
/// record of that key (`None` inside).
fn signed_activation(conn: &Connection, call: &ClientCall) -> StoreResult<Option<Option<(i64, String)>>> {
    let row: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT id, status FROM activations WHERE code = ?1 AND computer_id = ?2 AND installation_key = ?3
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![call.license_code, call.computer_id, call.installation_key], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    if row.is_some() {
        return Ok(Some(row));
    }
    let deleted = conn
        .prepare_cached(
            "SELECT 1 FROM deleted_activations WHERE code = ?1 AND computer_id = ?2 AND installation_key = ?3",
        )?
        .exists(params![call.license_code, call.computer_id, call.installation_key])?;
    Ok(deleted.then_some(None))
}

/// The code of a capacity call, whose key must hold a current activation of it on the
/// computer: refused as a refresh is (unknown product or code, someone else's key, no
/// activation), and as an activation is when the code is disabled or expired.
pub(super) fn holder(conn: &Connection, call: &ClientCall) -> StoreResult<Result<Code, Refusal>> {
    let code = match load_code(conn, call)? {
        Ok(code) => code,
        Err(refusal) => return Ok(Err(refusal)),
    };
    match signed_activation(conn, call)? {
        None => return Ok(Err(unknown_installation(conn, call)?)),
        Some(Some((_, status))) if status == "Activated" => {}
        Some(_) => {
            return Ok(Err(Refusal::new(
                Status::NoLicense,
                "installation_key: this installation's activation was deactivated: activate again to use it",
            )));
        }
    }
    Ok(code.usable(call).map(|()| code))
}

pub fn refresh(conn: &Connection, call: &ClientCall) -> StoreResult<Outcome> {
    let code = match load_code(conn, call)? {
        Ok(code) => code,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if let Err(refusal) = code.held_as(call) {
        return Ok(Err(refusal));
    }
    let Some(activation) = signed_activation(conn, call)? else {
        return Ok(Err(unknown_installation(conn, call)?));
    };
    let window = Periods::of(&code.settings).window(&call.vm_platform, call.now, call.hour);
    let (state, serial) = match activation {
        Some((id, status)) if status == "Activated" => {
            let mut chain = chain::chain(conn, Holding::Activation, id)?;
            if let Err(refusal) = chain::follow(conn, Holding::Activation, id, &chain, call)? {
                return Ok(Err(refusal));
            }
            let serial = next_serial(conn)?;
            chain.answered(call.held_serial, serial);
            // The current components are recorded, so hardware drift does not accumulate.
            conn.prepare_cached(
                "UPDATE activations SET lease_end = ?2, vm_platform = ?3, serial = ?4, nonce = ?5,
                                        components = ?6, acked_serial = ?7, issued_serials = ?8,
                                        last_contact = ?9
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                window.0,
                call.vm_platform,
                serial,
                call.nonce,
                chain::components_json(call)?,
                chain.acked,
                chain.issued_text(),
                call.now
            ])?;
            if call.network_daemon {
                record_lan_report(conn, id, call)?;
            }
            (if code.settings.enabled_for_use { LeaseState::Active } else { LeaseState::Disabled }, serial)
        }
        // Deactivated, returned (PUT LicenseCodeActivity) or deleted (DELETE).
        _ => (LeaseState::Deactivated, next_serial(conn)?),
    };
    Ok(Ok(Granted::Lease(grant(conn, call, &code, state, window, serial)?)))
}

/// Records a LAN daemon's report of the seats it serves on its activation `id`, replacing
/// the previous report (in the call's transaction, so a reader sees one report or the other).
fn record_lan_report(conn: &Connection, id: i64, call: &ClientCall) -> StoreResult<()> {
    // The seats of the previous report go with it (ON DELETE CASCADE).
    conn.prepare_cached("DELETE FROM lan_reports WHERE activation_id = ?1")?.execute([id])?;
    conn.prepare_cached("INSERT INTO lan_reports (activation_id, reported) VALUES (?1, ?2)")?
        .execute(params![id, call.now])?;
    conn.prepare_cached("UPDATE activations SET lan_daemon = 1 WHERE id = ?1")?.execute([id])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO lan_seats (activation_id, seat_id, computer_id, hostname, username, since, expires, borrowed)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for seat in &call.seats_in_use {
        insert.execute(params![
            id,
            seat.seat_id,
            seat.computer_id,
            seat.hostname,
            seat.user,
            seat.since,
            seat.expires,
            seat.borrowed
        ])?;
    }
    Ok(())
}

pub fn deactivate(conn: &Connection, call: &ClientCall) -> StoreResult<Outcome> {
    if let Err(refusal) = product_exists(conn, &call.product_id)? {
        return Ok(Err(refusal));
    }
    // The client need not name the code: its key identifies the activation.
    let found: Option<String> = conn
        .prepare_cached(
            "SELECT a.code FROM activations a JOIN license_codes lc ON lc.code = a.code
             WHERE lc.product_id = ?1 AND a.computer_id = ?2 AND a.installation_key = ?3
                   AND (?4 IS NULL OR a.code = ?4)
             UNION ALL
             SELECT d.code FROM deleted_activations d JOIN license_codes lc ON lc.code = d.code
             WHERE lc.product_id = ?1 AND d.computer_id = ?2 AND d.installation_key = ?3
                   AND (?4 IS NULL OR d.code = ?4)
             LIMIT 1",
        )?
        .query_row(
            params![call.product_id, call.computer_id, call.installation_key, call.license_code],
            |r| r.get(0),
        )
        .optional()?;
    let Some(code_name) = found else {
        let trial = conn
            .prepare_cached(
                "SELECT 1 FROM trials WHERE product_id = ?1 AND computer_id = ?2 AND installation_key = ?3",
            )?
            .exists(params![call.product_id, call.computer_id, call.installation_key])?;
        if trial {
            return Ok(Err(Refusal::new(
                Status::NoLicense,
                "a trial has no seat to free: it is not deactivated",
            )));
        }
        return Ok(Err(unknown_installation(conn, call)?));
    };
    let call = &ClientCall { license_code: Some(code_name.clone()), ..call.clone() };
    let code = match load_code(conn, call)? {
        Ok(code) => code,
        Err(refusal) => return Ok(Err(refusal)),
    };
    free_seat(conn, &code_name, &call.installation_key, call.now)?;
    let serial = next_serial(conn)?;
    let window = Periods::of(&code.settings).window(&call.vm_platform, call.now, call.hour);
    Ok(Ok(Granted::Lease(grant(conn, call, &code, LeaseState::Deactivated, window, serial)?)))
}

/// Deactivates the activation of `code` held by `installation_key`, with the floating seats,
/// sessions and elements that installation held; the computer's seat is free once no other
/// installation on it holds the code.
fn free_seat(conn: &Connection, code: &str, installation_key: &str, now: i64) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE activations SET status = 'Deactivated', deactivated = ?3
         WHERE code = ?1 AND installation_key = ?2 AND status = 'Activated'",
    )?
    .execute(params![code, installation_key, now])?;
    // Only this installation's: others on the computer keep their seats.
    release_installation(conn, code, installation_key)
}

/// Applies a deactivation certificate (its signature by `installation_key` already checked):
/// that key must be the one recorded for the code's activation on that computer, the
/// certificate must name a lease issued to that activation, and the activation must still
/// hold its seat, so a certificate frees one seat once.
pub fn deactivate_offline(conn: &Connection, d: &OfflineDeactivation) -> StoreResult<Result<(), Refusal>> {
    if let Err(refusal) = find_code(conn, &d.product_id, &d.license_code)? {
        return Ok(Err(refusal));
    }
    let sender = super::capacity::journal::Sender {
        product_id: &d.product_id,
        computer_id: &d.computer_id,
        installation_key: &d.installation_key,
        now: d.now,
    };
    if let Err(refusal) = super::capacity::journal::apply(conn, &sender, &d.journal)? {
        return Ok(Err(refusal));
    }
    let row: Option<(String, i64, Option<i64>, Option<String>)> = conn
        .prepare_cached(
            "SELECT status, serial, first_serial, nonce FROM activations
             WHERE code = ?1 AND computer_id = ?2 AND installation_key = ?3 ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![d.license_code, d.computer_id, d.installation_key], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((status, latest, first, nonce)) = row else {
        let deleted = conn
            .prepare_cached(
                "SELECT 1 FROM deleted_activations WHERE code = ?1 AND computer_id = ?2 AND installation_key = ?3",
            )?
            .exists(params![d.license_code, d.computer_id, d.installation_key])?;
        if deleted {
            return Ok(Err(Refusal::new(
                Status::Deactivated,
                "deactivationcertificate: the activation's activity was deleted on the server: its seat is free",
            )));
        }
        let activated = conn
            .prepare_cached("SELECT 1 FROM activations WHERE code = ?1 AND computer_id = ?2")?
            .exists(params![d.license_code, d.computer_id])?;
        return Ok(Err(if activated {
            Refusal::new(
                Status::BadSignature,
                "installation_key: the certificate is not signed by the key recorded for this computer's activation",
            )
        } else {
            Refusal::new(
                Status::NoLicense,
                "computer_id: no activation of this license code on this computer",
            )
        }));
    };
    if status != "Activated" {
        return Ok(Err(Refusal::new(
            Status::Deactivated,
            "deactivationcertificate: already applied: the activation is deactivated (a certificate is accepted once)",
        )));
    }
    let issued = (first.unwrap_or(0)..=latest).contains(&d.certificate_serial);
    let same_lease = d.certificate_serial != latest || nonce.is_none_or(|n| n == d.nonce);
    if !issued || !same_lease {
        return Ok(Err(Refusal::new(
            Status::MismatchedLease,
            "certificate_serial: the certificate names no lease issued to this activation",
        )));
    }
    free_seat(conn, &d.license_code, &d.installation_key, d.now)?;
    Ok(Ok(()))
}
