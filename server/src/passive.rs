//! Passive licenses: vendor-signed, bound to a client ID, never refreshed. Shared by
//! `POST PassiveLicense` and `licensekit-server passive create`.

use licensekit::protocol::offline::validate_client_id;

use crate::client_api::{ClientProtocol, lease};
use crate::error::ApiError;
use crate::store::Store;
use crate::store::leasing::NewPassive;

/// Checks a client ID the way the client library binds to it (10-255 printable ASCII
/// characters, no spaces).
pub fn check_client_id(client_id: &str) -> Result<(), ApiError> {
    if validate_client_id(client_id) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "clientid: must be 10 to 255 printable ASCII characters (no spaces or control characters)",
        ))
    }
}

/// The profile a request names: omitted or `default` means none (the product's settings),
/// as in the seed.
pub fn profile(name: Option<String>) -> Option<String> {
    name.filter(|name| !name.eq_ignore_ascii_case("default"))
}

/// Creates, records and returns a passive license (armoured text) signed by the vendor key.
pub fn create(
    store: &dyn Store,
    protocol: &ClientProtocol,
    request: &NewPassive,
) -> Result<String, ApiError> {
    check_client_id(&request.client_id)?;
    let sign = |grant: &_| lease::sign_passive(&protocol.key, grant);
    Ok(store.create_passive(request, &sign)?)
}
