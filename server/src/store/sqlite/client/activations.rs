//! Activations of license codes: activate (seat rules, expiry, trial conversion), refresh
//! (revocations reach the client as a signed state) and deactivate (the seat is freed).

use licensekit::Status;
use licensekit::protocol::client_api::LeaseState;
use rusqlite::{Connection, OptionalExtension, params};

use super::{Outcome, next_serial, product_exists, record_system_details, unknown_installation};
use crate::store::StoreResult;
use crate::store::leasing::{ClientCall, Grant, Periods, Refusal, code_expiry, wire_license_type};
use crate::store::model::Settings;
use crate::store::sqlite::licensing::{self, Owner, SETTINGS_COLUMNS};

/// A license code as a call sees it.
struct Code {
    code: String,
    product_id: String,
    settings: Settings,
    /// When the code was first activated (a subscription counts from there).
    first_activation: Option<i64>,
}

impl Code {
    fn expires(&self, call: &ClientCall) -> Option<i64> {
        code_expiry(&self.settings, self.first_activation.unwrap_or(call.now), call.hour)
    }
}

/// The code the call names, in the call's product; a refusal when either is unknown.
fn load_code(conn: &Connection, call: &ClientCall) -> StoreResult<Result<Code, Refusal>> {
    if let Err(refusal) = product_exists(conn, &call.product_id)? {
        return Ok(Err(refusal));
    }
    let code = call.license_code.as_deref().unwrap_or_default();
    let found = conn
        .prepare_cached(&format!(
            "SELECT product_id, subscription_last_activated, {SETTINGS_COLUMNS} FROM license_codes
             WHERE code = ?1 AND product_id = ?2"
        ))?
        .query_row([code, &call.product_id], |r| {
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
            format!("license_code: license code {code} not found in product {}", call.product_id),
        )
    }))
}

/// The lease contents for an activation of `code` in `state`.
fn grant(
    conn: &Connection,
    call: &ClientCall,
    code: &Code,
    state: LeaseState,
    (lease_end, grace_end): (i64, i64),
    serial: i64,
) -> StoreResult<Grant> {
    let owner = Owner::Code(&code.code);
    Ok(Grant {
        license_code: Some(code.code.clone()),
        state,
        license_type: wire_license_type(code.settings.license_type),
        features: licensing::feature_states(conn, owner, &code.product_id)?,
        udfs: licensing::udf_values(conn, owner, &code.product_id)?,
        expires: code.expires(call),
        maintenance_end: code.settings.maintenance_end,
        lease_end,
        grace_end,
        serial,
        installation_key: call.installation_key.clone(),
        vm_platform: call.vm_platform.clone(),
    })
}

pub fn activate(conn: &Connection, call: &ClientCall) -> StoreResult<Outcome> {
    let code = match load_code(conn, call)? {
        Ok(code) => code,
        Err(refusal) => return Ok(Err(refusal)),
    };
    if !code.settings.enabled_for_use {
        return Ok(Err(Refusal::new(Status::Disabled, "license_code: the license code is disabled")));
    }
    if code.expires(call).is_some_and(|end| end <= call.now) {
        return Ok(Err(Refusal::new(Status::Expired, "license_code: the license has expired")));
    }
    let current: Option<i64> = conn
        .prepare_cached(
            "SELECT id FROM activations WHERE code = ?1 AND computer_id = ?2 AND status = 'Activated'
             ORDER BY id DESC LIMIT 1",
        )?
        .query_row([&code.code, &call.computer_id], |r| r.get(0))
        .optional()?;
    if current.is_none() {
        let seats: i64 = conn
            .prepare_cached(
                "SELECT count(DISTINCT computer_id) FROM activations WHERE code = ?1 AND status = 'Activated'",
            )?
            .query_row([&code.code], |r| r.get(0))?;
        if seats >= code.settings.clients_allowed {
            return Ok(Err(Refusal::new(
                Status::ActivationLimit,
                format!(
                    "license_code: all {} activations of the license code are in use",
                    code.settings.clients_allowed
                ),
            )));
        }
    }
    let serial = next_serial(conn)?;
    let window = Periods::of(&code.settings).window(&call.vm_platform, call.now, call.hour);
    match current {
        // The same computer again: the new installation key replaces the old one.
        Some(id) => conn
            .prepare_cached(
                "UPDATE activations SET installation_key = ?2, lease_end = ?3, vm_platform = ?4, serial = ?5
                 WHERE id = ?1",
            )?
            .execute(params![id, call.installation_key, window.0, call.vm_platform, serial])?,
        None => conn
            .prepare_cached(
                "INSERT INTO activations (code, computer_id, status, activated, lease_end, vm_platform,
                                          installation_key, serial)
                 VALUES (?1, ?2, 'Activated', ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                code.code,
                call.computer_id,
                call.now,
                window.0,
                call.vm_platform,
                call.installation_key,
                serial
            ])?,
    };
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
    Ok(Ok(Some(grant(conn, call, &code, LeaseState::Active, window, serial)?)))
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

pub fn refresh(conn: &Connection, call: &ClientCall) -> StoreResult<Outcome> {
    let code = match load_code(conn, call)? {
        Ok(code) => code,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let Some(activation) = signed_activation(conn, call)? else {
        return Ok(Err(unknown_installation(conn, call)?));
    };
    let serial = next_serial(conn)?;
    let window = Periods::of(&code.settings).window(&call.vm_platform, call.now, call.hour);
    let state = match activation {
        Some((id, status)) if status == "Activated" => {
            conn.prepare_cached(
                "UPDATE activations SET lease_end = ?2, vm_platform = ?3, serial = ?4 WHERE id = ?1",
            )?
            .execute(params![id, window.0, call.vm_platform, serial])?;
            if code.settings.enabled_for_use { LeaseState::Active } else { LeaseState::Disabled }
        }
        // Deactivated, returned (PUT LicenseCodeActivity) or deleted (DELETE).
        _ => LeaseState::Deactivated,
    };
    Ok(Ok(Some(grant(conn, call, &code, state, window, serial)?)))
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
    conn.prepare_cached(
        "UPDATE activations SET status = 'Deactivated', deactivated = ?3
         WHERE code = ?1 AND installation_key = ?2 AND status = 'Activated'",
    )?
    .execute(params![code_name, call.installation_key, call.now])?;
    // Seats and elements the computer held are freed with its activation.
    conn.prepare_cached("DELETE FROM feature_checkouts WHERE code = ?1 AND computer_id = ?2")?
        .execute(params![code_name, call.computer_id])?;
    let serial = next_serial(conn)?;
    let window = Periods::of(&code.settings).window(&call.vm_platform, call.now, call.hour);
    Ok(Ok(Some(grant(conn, call, &code, LeaseState::Deactivated, window, serial)?)))
}
