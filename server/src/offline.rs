//! Air-gapped activation by files: an activation request becomes an activation certificate
//! (a LAN daemon's: a network master license) under the online activation rules, and a
//! deactivation certificate frees the seat. Shared
//! by `GET`/`DELETE OfflineActivation` and `licensekit-server offline activate|deactivate`.

use licensekit::Status;
use licensekit::protocol::client_api::{Lease, LeaseResponse};
use licensekit::protocol::offline::DeactivationCertificate;
use licensekit::protocol::{Envelope, Kind, MAX_ENVELOPE_TEXT, PublicKey, SigningKey, from_slice_strict};

use crate::api::MAX_COMPUTER_ID;
use crate::client_api::request::{Verified, decode_offline, unverified_payload};
use crate::client_api::{ClientProtocol, http_status, lease};
use crate::clock::Clock;
use crate::error::ApiError;
use crate::store::Store;
use crate::store::leasing::{Grant, OfflineDeactivation, Refusal, Signable};

/// An issued activation certificate: the armoured text and what it says.
#[derive(Debug)]
pub struct Certificate {
    pub text: String,
    pub lease: Lease,
}

/// A refusal as the Web API answers it: the client protocol's HTTP status and message.
fn refused(refusal: Refusal) -> ApiError {
    ApiError::new(http_status(refusal.status), refusal.message)
}

/// Refuses text longer than any envelope before it is parsed.
fn bounded(text: &str, field: &str) -> Result<(), ApiError> {
    if text.len() > MAX_ENVELOPE_TEXT {
        return Err(refused(Refusal::new(
            Status::EnvelopeTooLarge,
            format!("{field}: longer than {MAX_ENVELOPE_TEXT} characters"),
        )));
    }
    Ok(())
}

/// The product a request or certificate names must be the one the caller named (if any).
fn same_product(named: &str, expected: Option<&str>) -> Result<(), ApiError> {
    match expected {
        Some(product) if product != named => Err(ApiError::bad_request(format!(
            "productid: the certificate is for product {named}, not {product}"
        ))),
        _ => Ok(()),
    }
}

/// Turns an activation request (armoured or compact, from the request field `field`) into
/// an activation certificate for product `product` (any product when `None`): the online
/// activation's rules and records, a lease that runs for the code's offline lease period.
/// The same request again (within the retry window) gets the same certificate.
pub fn issue_certificate(
    store: &dyn Store,
    protocol: &ClientProtocol,
    text: &str,
    field: &str,
    product: Option<&str>,
) -> Result<Certificate, ApiError> {
    let verified = certificate_request(text, field, product, protocol)?;
    let sign = |what: Signable<'_>| match what {
        Signable::Lease(grant) => sign_certificate(&protocol.key, &verified, grant),
        Signable::Seat(_) => Err("an offline activation grants no seat".into()),
    };
    let text = match store.client_call(&verified.call, &sign)? {
        Ok(LeaseResponse { lease: Some(text), .. }) => text,
        Ok(_) => return Err(ApiError::internal("offline activation granted no certificate")),
        Err(refusal) => return Err(refused(refusal)),
    };
    // Read back what was signed (a repeated request gets the stored certificate): an
    // activation certificate, or a LAN daemon's network master license.
    let envelope = Envelope::parse(&text).map_err(|s| ApiError::internal(format!("certificate: {s:?}")))?;
    let kind = match envelope.kind() {
        kind @ (Kind::ActivationCertificate | Kind::NetworkMasterLicense) => kind,
        other => return Err(ApiError::internal(format!("certificate: a {} was stored", other.as_str()))),
    };
    let payload = envelope
        .verify_with(&protocol.key.public_key(), kind)
        .map_err(|s| ApiError::internal(format!("certificate: {s:?}")))?;
    let lease = from_slice_strict(payload).map_err(|s| ApiError::internal(format!("certificate: {s:?}")))?;
    Ok(Certificate { text, lease })
}

/// What issuing a certificate checks before the store: the text's size, the activation
/// request it holds (signed by the installation key it names, its fields' bounds) and its
/// product.
pub fn certificate_request(
    text: &str,
    field: &str,
    product: Option<&str>,
    protocol: &ClientProtocol,
) -> Result<Verified, ApiError> {
    bounded(text, field)?;
    let verified = decode_offline(text, field, protocol).map_err(refused)?;
    same_product(&verified.request.product_id, product)?;
    Ok(verified)
}

/// What the store's grant for an offline activation becomes: the armoured activation
/// certificate for `verified`, signed with the vendor key.
pub fn sign_certificate(key: &SigningKey, verified: &Verified, grant: &Grant) -> Result<String, String> {
    lease::sign_certificate(key, &lease::lease(&verified.request, grant, verified.call.now))
}

fn field_text(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.is_empty() || value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(ApiError::bad_request(format!(
            "deactivationcertificate: {field}: expected 1 to {max} characters, no control characters"
        )));
    }
    Ok(())
}

/// Applies a deactivation certificate (armoured or compact, from the request field `field`)
/// for product `product` (any when `None`): it must be signed by the installation key it
/// names, that key must be the one recorded for the activation, and the activation must
/// hold its seat; the seat is freed. Returns what the certificate says.
pub fn apply_deactivation(
    store: &dyn Store,
    protocol: &ClientProtocol,
    text: &str,
    field: &str,
    product: Option<&str>,
) -> Result<DeactivationCertificate, ApiError> {
    let (certificate, deactivation) = deactivation_request(text, field, product, &protocol.clock)?;
    store.offline_deactivate(&deactivation)?.map_err(refused)?;
    Ok(certificate)
}

/// What applying a deactivation certificate checks before the store: the text's size, the
/// certificate (signed by the installation key it names, its fields' bounds) and its
/// product; returns it with what the store is asked to free.
pub fn deactivation_request(
    text: &str,
    field: &str,
    product: Option<&str>,
    clock: &Clock,
) -> Result<(DeactivationCertificate, OfflineDeactivation), ApiError> {
    bounded(text, field)?;
    let text = text.trim();
    let envelope = Envelope::parse(text)
        .map_err(|status| refused(Refusal::new(status, format!("{field}: not a licensekit envelope"))))?;
    if envelope.kind() != Kind::DeactivationCertificate {
        return Err(refused(Refusal::new(
            Status::WrongKind,
            format!(
                "{field}: expected a deactivation-certificate envelope, not {}",
                envelope.kind().as_str()
            ),
        )));
    }
    let claimed: DeactivationCertificate =
        from_slice_strict(&unverified_payload(&envelope, field).map_err(refused)?).map_err(|_| {
            ApiError::bad_request(format!("{field}: the payload is not a deactivation certificate"))
        })?;
    let key = PublicKey::from_hex(&claimed.installation_key).map_err(|_| {
        ApiError::bad_request(format!(
            "{field}: installation_key: expected an Ed25519 public key in 64 hex characters"
        ))
    })?;
    let certificate = DeactivationCertificate::verify(text, &key).map_err(|_| {
        refused(Refusal::new(
            Status::BadSignature,
            format!("{field}: not signed by the installation key it names"),
        ))
    })?;
    field_text("product_id", &certificate.product_id, 64)?;
    field_text("license_code", &certificate.license_code, 64)?;
    field_text("computer_id", &certificate.computer_id, MAX_COMPUTER_ID)?;
    field_text("nonce", &certificate.nonce, 64)?;
    same_product(&certificate.product_id, product)?;
    let deactivation = OfflineDeactivation {
        product_id: certificate.product_id.clone(),
        license_code: certificate.license_code.clone(),
        computer_id: certificate.computer_id.clone(),
        installation_key: key.to_hex(),
        certificate_serial: i64::try_from(certificate.certificate_serial).unwrap_or(i64::MAX),
        nonce: certificate.nonce.clone(),
        now: clock.now(),
        journal: licensekit::protocol::journal::verify(&certificate.journal, &key)
            .map_err(|m| refused(Refusal::new(Status::JournalRefused, format!("{field}: {m}"))))?,
    };
    Ok((certificate, deactivation))
}
