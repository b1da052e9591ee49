//! Any bytes offered as the signed payload of a request, lease or certificate, passive
//! license or deactivation certificate: strict parsing never panics, and whatever parses
//! serialises and parses back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licensekit::protocol::client_api::{ClientRequest, Lease};
use licensekit::protocol::from_slice_strict;
use licensekit::protocol::offline::{DeactivationCertificate, PassiveLicense};
use serde::Serialize;
use serde::de::DeserializeOwned;

fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(value) = from_slice_strict::<T>(data) {
        let again: T = from_slice_strict(&serde_json::to_vec(&value).unwrap()).unwrap();
        assert_eq!(again, value);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((selector, payload)) = data.split_first() else { return };
    match selector % 4 {
        0 => round_trip::<ClientRequest>(payload),
        1 => round_trip::<Lease>(payload),
        2 => round_trip::<PassiveLicense>(payload),
        _ => round_trip::<DeactivationCertificate>(payload),
    }
});
