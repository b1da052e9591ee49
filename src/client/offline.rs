//! Air-gapped activation and deactivation by files, and passive licenses.
//!
//! The request, certificate and deactivation proof are envelopes in the armoured text form
//! (see [`crate::protocol::offline`]). Every step is atomic in the store: a request is kept
//! (with its key) until its certificate arrives; a deactivation removes the license and keeps
//! the signed proof in one write, so a crash can neither keep the license nor lose the proof.

use super::{Client, KeyChange, Rebase, random_hex};
use crate::Status;
use crate::license::{Answering, License};
use crate::machine::SystemDetails;
use crate::protocol::client_api::Operation;
use crate::protocol::offline::DeactivationCertificate;
use crate::protocol::{Envelope, Kind, SigningKey};
use crate::store::PendingOffline;

impl Client {
    /// An offline activation request for `license_code`, as armoured text to carry to a
    /// connected machine. Asking again for the same code gives the same request until its
    /// certificate is imported; asking for another code replaces it.
    pub fn offline_activation_request(&self, license_code: &str) -> Result<String, Status> {
        let code = super::validate_license_code(license_code)?;
        let inner = &self.inner;
        if let Some(pending) = inner.store.load()?.pending_offline.filter(|p| p.license_code == code) {
            return Ok(pending.request);
        }
        let key = SigningKey::generate()?;
        let nonce = random_hex()?;
        let params = super::Params { license_code: Some(code.clone()), ..super::Params::default() };
        let request = inner.request(Operation::Activate, &params, &key, &nonce)?;
        let payload = serde_json::to_vec(&request).map_err(|_| Status::Internal)?;
        let text = Envelope::sign(&key, Kind::ActivationRequest, &payload)?.to_armoured();
        let pending = PendingOffline {
            installation_key: key.seed_hex().to_string(),
            nonce,
            license_code: code,
            request: text.clone(),
        };
        inner.store.update(|state| {
            state.pending_offline = Some(pending);
            Ok(())
        })?;
        Ok(text)
    }

    /// Imports an activation certificate (answering this computer's pending request) or a
    /// passive license (bound to this client ID); a LAN daemon imports its network master
    /// license. Anything else, or anything that does not verify, is refused with its own
    /// status and nothing is written.
    pub fn import_certificate(&self, text: &str) -> Result<(), Status> {
        let inner = &self.inner;
        let kinds: &[Kind] = if inner.config.network_daemon() {
            License::DAEMON_KINDS
        } else {
            &[Kind::ActivationCertificate, Kind::PassiveLicense]
        };
        let result = match Envelope::parse(text.trim())?.kind() {
            Kind::ActivationCertificate | Kind::NetworkMasterLicense => {
                // The certificate must answer this computer's pending request (a damaged store
                // has none: make a new request).
                let pending = inner.store.load()?.pending_offline.ok_or(Status::WrongRequest)?;
                let key = SigningKey::from_seed_hex(&pending.installation_key).map_err(|_| {
                    crate::detail::note(Status::StoreCorrupt, "the pending request's key is damaged")
                })?;
                let public = key.public_key().to_hex();
                let answering = Answering {
                    installation_key: &public,
                    nonce: &pending.nonce,
                    license_code: Some(&pending.license_code),
                };
                let license =
                    usable(License::verify(text, &inner.expectation(kinds, Some(answering)))?, inner.now())?;
                inner.install(
                    license,
                    KeyChange::Set(pending.installation_key.clone()),
                    Rebase::ToServer,
                    true,
                    |state| {
                        // The same request, still pending: nothing raced this import.
                        if state.pending_offline.as_ref().map(|p| &p.nonce) != Some(&pending.nonce) {
                            return Err(Status::WrongRequest);
                        }
                        state.pending_offline = None;
                        state.last_deactivation = None;
                        state.deactivating = false;
                        Ok(())
                    },
                )
            }
            Kind::PassiveLicense => {
                let license = usable(License::verify(text, &inner.expectation(kinds, None))?, inner.now())?;
                inner.install(license, KeyChange::Keep, Rebase::No, true, |_| Ok(()))
            }
            _ => Err(Status::WrongKind),
        };
        inner.notify_if_changed();
        result
    }

    /// Gives the seat back without a network: removes the license from this computer first,
    /// then returns a deactivation certificate signed by the installation key (which is
    /// destroyed), as armoured text for the vendor. If the license is already gone, the last
    /// certificate is returned again; `NoLicense` when there is none.
    pub fn offline_deactivation_certificate(&self) -> Result<String, Status> {
        let inner = &self.inner;
        let result = inner.store.update(|state| {
            let (Some(text), Some(seed)) = (&state.license, &state.installation_key) else {
                return state.last_deactivation.clone().ok_or(Status::NoLicense);
            };
            let license =
                License::verify(text, &inner.expectation(super::license_kinds(&inner.config), None))?;
            let lease = license.lease();
            let code = match (license.kind(), &lease.license_code) {
                (Kind::Lease | Kind::ActivationCertificate | Kind::NetworkMasterLicense, Some(code)) => {
                    code.clone()
                }
                _ => return Err(Status::NoLicense),
            };
            let key = SigningKey::from_seed_hex(seed).map_err(|_| Status::StoreCorrupt)?;
            let certificate = DeactivationCertificate {
                product_id: lease.product_id.clone(),
                license_code: code,
                computer_id: lease.computer_id.clone(),
                installation_key: key.public_key().to_hex(),
                certificate_serial: lease.serial,
                nonce: lease.nonce.clone(),
                deactivated_at: inner.now(),
                // The usage recorded offline goes to the vendor with the seat.
                journal: std::mem::take(&mut state.journal),
            };
            let payload = serde_json::to_vec(&certificate).map_err(|_| Status::Internal)?;
            let text = Envelope::sign(&key, Kind::DeactivationCertificate, &payload)?.to_armoured();
            state.license = None;
            state.installation_key = None;
            state.last_deactivation = Some(text.clone());
            Ok(text)
        });
        if result.is_ok() {
            inner.license.store(Err(Status::Deactivated));
            inner.notify_if_changed();
        }
        result
    }
}

impl super::Inner {
    /// This computer's system details with the application's version, as the server records
    /// them.
    pub(super) fn system_details(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut details = match serde_json::to_value(SystemDetails::gather()) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        let app = self.config.app();
        details.insert("version".into(), app.version.clone().into());
        details.insert("build".into(), app.build.clone().into());
        details.insert("edition".into(), app.edition.clone().into());
        details
    }
}

/// Only a license usable now is worth installing: another machine's, an expired one or one
/// already past its offline period is refused for that reason.
fn usable(license: License, now: i64) -> Result<License, Status> {
    match license.status(now) {
        Status::Ok => Ok(license),
        status => Err(status),
    }
}
