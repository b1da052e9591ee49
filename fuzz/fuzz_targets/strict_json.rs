//! Any bytes offered as a signed payload: the strict JSON parser never panics and accepts
//! nothing that serde_json itself would refuse.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licensekit::protocol::from_slice_strict;

fuzz_target!(|data: &[u8]| {
    if from_slice_strict::<serde_json::Value>(data).is_ok() {
        assert!(serde_json::from_slice::<serde_json::Value>(data).is_ok());
    }
});
