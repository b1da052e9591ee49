//! Any bytes offered as a store file: decoding never panics, and what decodes re-encodes to
//! the same bytes' meaning.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licensekit::store::{decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(state) = decode(data) {
        assert_eq!(decode(&encode(&state).unwrap()), Ok(state));
    }
});
