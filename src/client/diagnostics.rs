//! One-call diagnostics: a redacted support bundle an application can attach to a ticket.
//!
//! Everything a support desk asks for, in one JSON object: the library and platform, the VM
//! evidence, what the computer ID is anchored on and which components changed, the store and
//! its state (damaged files kept), the clock and high-water marks, how the server is reached,
//! the last failure of each online operation, and the license summary. Never a secret: no
//! installation key, no license text, the license code shortened to its last characters, a
//! proxy URL without its credentials.

use serde_json::{Value, json};

use super::{CLOCK_TOLERANCE_SECS, Client, lock};
use crate::log::redact_code;
use crate::machine::match_components;
use crate::protocol::client_api::Operation;

impl Client {
    /// The support bundle (see the module documentation).
    pub fn diagnostics(&self) -> Value {
        let inner = &self.inner;
        let config = &inner.config;
        let license = inner.license.load();
        let stored = (**license).as_ref().ok();
        let mismatch = stored
            .filter(|l| !l.lease().components.is_empty())
            .map(|l| match_components(&l.lease().components, &inner.fingerprint.components));
        let state = inner.store.load();
        let store_state = match &state {
            Ok(state) => json!({
                "state": "ok",
                "revision": state.revision,
                "serial_high_water": state.serial_high_water,
                "clock_high_water": state.clock_high_water,
                "has_license": state.license.is_some(),
                "has_installation_key": state.installation_key.is_some(),
                "pending_offline_request": state.pending_offline.is_some(),
                "deactivating": state.deactivating,
                "long_term_seats": state.long_term_seats.len(),
            }),
            Err(status) => json!({ "state": status.name().to_string_lossy() }),
        };
        let status = self.status();
        let summary = stored.map(|l| {
            let lease = l.lease();
            json!({
                "kind": l.kind().as_str(),
                "license_code": lease.license_code.as_deref().map(redact_code),
                "license_type": lease.license_type,
                "state": lease.state,
                "expires": lease.expires,
                "lease_end": lease.lease_end,
                "grace_end": lease.grace_end,
                "server_time": lease.server_time,
                "serial": lease.serial,
                "features": lease.features.len(),
                "vm_platform": lease.vm_platform,
            })
        });
        let errors: serde_json::Map<String, Value> =
            inner.last_errors().into_iter().map(|(op, line)| (operation_key(op), line.into())).collect();
        json!({
            "library": { "version": env!("CARGO_PKG_VERSION") },
            "platform": { "os": std::env::consts::OS, "arch": std::env::consts::ARCH },
            "virtualization": {
                "platform": inner.virtualization.platform.as_str(),
                "hypervisor": inner.virtualization.hypervisor.map(|h| h.as_str()),
                "evidence": inner.virtualization.evidence,
            },
            "computer": {
                "product_id": config.product_id(),
                "computer_id": inner.fingerprint.computer_id,
                "anchor": inner.fingerprint.anchor,
                "components": inner.fingerprint.components,
                "license_match": mismatch,
            },
            "store": {
                "path": inner.store.path().display().to_string(),
                "problem_at_open": inner.store_problem.map(|s| s.name().to_string_lossy().into_owned()),
                "now": store_state,
                "damaged_files": inner.store.damaged_files().iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            },
            "clock": {
                "now": inner.now(),
                "high_water": inner.high_water.load(std::sync::atomic::Ordering::Relaxed),
                "tolerance_secs": CLOCK_TOLERANCE_SECS,
            },
            "server": {
                "url": config.server_url(),
                "proxy": config.proxy().map(redact_proxy),
                "ca_file": config.ca_file().map(|p| p.display().to_string()),
                "timeout_ms": config.timeout().as_millis() as u64,
                "last_errors": errors,
                "deactivation_pending": inner.deactivation_pending(),
            },
            "license": {
                "status": status.name().to_string_lossy(),
                "message": status.message().to_string_lossy(),
                "summary": summary,
                "callback_registered": lock(&inner.callback).is_some(),
            },
        })
    }
}

/// A proxy URL without the credentials in it.
/// The name of an operation in `last_errors`: its path under `/client/v1/`, `/` as `_`
/// (`activate`, `floating_checkout`, `pool_checkout`), so no two operations share one.
fn operation_key(operation: Operation) -> String {
    operation.path().trim_start_matches("/client/v1/").replace('/', "_")
}

fn redact_proxy(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => url.to_owned(),
        },
        None => url.rsplit_once('@').map_or_else(|| url.to_owned(), |(_, host)| format!("***@{host}")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn proxy_credentials_are_removed() {
        assert_eq!(super::redact_proxy("http://user:secret@proxy:3128"), "http://***@proxy:3128");
        assert_eq!(super::redact_proxy("http://proxy:3128"), "http://proxy:3128");
    }

    #[test]
    fn every_operation_has_its_own_key() {
        use crate::protocol::client_api::Operation;
        let keys: std::collections::BTreeSet<String> =
            Operation::ALL.iter().map(|op| super::operation_key(*op)).collect();
        assert_eq!(keys.len(), Operation::ALL.len(), "{keys:?}");
        assert!(
            keys.contains("activate") && keys.contains("floating_checkout") && keys.contains("pool_checkout")
        );
    }
}
