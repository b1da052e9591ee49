//! `offline activate`, `offline deactivate` and `passive create`: the air-gapped vendor's
//! side by files, against the data directory, with the Web API's rules and records.

use std::path::Path;

use licensekit::protocol::offline::PassiveLicense;
use licensekit::protocol::{Envelope, Kind, MAX_ENVELOPE_TEXT, from_slice_strict};
use serde_json::json;

use crate::datetime;
use crate::error::ApiError;
use crate::server::AppState;
use crate::store::leasing::NewPassive;
use crate::{offline, passive};

/// Reads a request or certificate file, refusing one larger than any envelope.
fn read(path: &Path) -> Result<String, String> {
    let size = std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?.len();
    if size > MAX_ENVELOPE_TEXT as u64 {
        return Err(format!("{}: larger than {MAX_ENVELOPE_TEXT} bytes", path.display()));
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// A refusal: with `--json` also one object on stdout, for scripts.
fn failed(error: ApiError, json: bool) -> String {
    if json {
        println!("{}", json!({"error": error.message, "http_status": error.status.as_u16()}));
    }
    error.message
}

pub fn activate(state: &AppState, request: &Path, json: bool) -> Result<(), String> {
    let text = read(request)?;
    let certificate = offline::issue_certificate(state.store.as_ref(), &state.client, &text, "request", None)
        .map_err(|e| failed(e, json))?;
    if json {
        let lease = &certificate.lease;
        let value = json!({
            "certificate": certificate.text,
            "product_id": lease.product_id,
            "license_code": lease.license_code,
            "computer_id": lease.computer_id,
            "serial": lease.serial,
            "lease_end": datetime::format(lease.lease_end.saturating_mul(1000)),
        });
        println!("{value}");
    } else {
        print!("{}", certificate.text);
    }
    Ok(())
}

pub fn deactivate(state: &AppState, certificate: &Path, json: bool) -> Result<(), String> {
    let text = read(certificate)?;
    let done = offline::apply_deactivation(state.store.as_ref(), &state.client, &text, "certificate", None)
        .map_err(|e| failed(e, json))?;
    if json {
        let value = json!({
            "result": "OK",
            "product_id": done.product_id,
            "license_code": done.license_code,
            "computer_id": done.computer_id,
        });
        println!("{value}");
    } else {
        println!(
            "OK: license code {} of product {} deactivated on computer {}; its seat is free",
            done.license_code, done.product_id, done.computer_id
        );
    }
    Ok(())
}

pub fn passive(state: &AppState, request: &NewPassive, json: bool) -> Result<(), String> {
    let text = passive::create(state.store.as_ref(), &state.client, request).map_err(|e| failed(e, json))?;
    if json {
        let license: PassiveLicense = Envelope::parse(&text)
            .and_then(|e| {
                from_slice_strict(e.verify_with(&state.client.key.public_key(), Kind::PassiveLicense)?)
            })
            .map_err(|s| format!("the license just signed does not verify: {s:?}"))?;
        let value = json!({
            "license": text,
            "product_id": license.product_id,
            "client_id": license.client_id,
            "serial": license.serial,
            "expires": license.expires.map(|t| datetime::format(t.saturating_mul(1000))),
        });
        println!("{value}");
    } else {
        print!("{text}");
    }
    Ok(())
}
