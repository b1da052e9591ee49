//! Any bytes offered as a whole store file, read with the store's key: decoding never
//! panics; what decodes re-encodes, byte for byte, to the format's layout of its body and
//! decodes again to the same state; an authenticated (version 2) file needs its key, and
//! every cut of a valid file is reported as truncated.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licensekit::Status;
use licensekit::store::{decode, encode};
use licensekit_fuzz::{OTHER_STORE_KEY, STORE_KEY, store_file};

fuzz_target!(|data: &[u8]| {
    let without_key = decode(data, None);
    let Ok(state) = decode(data, Some(&STORE_KEY)) else {
        // Only a legacy file reads without a key, and then it reads with one too.
        assert!(without_key.is_err(), "decodes without the key but not with it");
        return;
    };
    let encoded = encode(&state, &STORE_KEY).unwrap();
    assert_eq!(encoded, store_file(2, &serde_json::to_vec(&state).unwrap(), Some(&STORE_KEY)));
    assert_eq!(decode(&encoded, Some(&STORE_KEY)).as_ref(), Ok(&state));
    assert_eq!(decode(&encoded, None), Err(Status::StoreRolledBack));
    let version = u32::from_le_bytes(data[8..12].try_into().unwrap());
    match version {
        2 => {
            assert_eq!(without_key, Err(Status::StoreRolledBack));
            assert_eq!(decode(data, Some(&OTHER_STORE_KEY)), Err(Status::StoreRolledBack));
        }
        1 => {
            assert_eq!(without_key.as_ref(), Ok(&state));
            assert_eq!(decode(data, Some(&OTHER_STORE_KEY)).as_ref(), Ok(&state));
        }
        other => panic!("version {other} decoded"),
    }
    let n = data.len();
    for cut in [0, 1, 7, 8, 12, 19, 20, n / 2, n - 33, n - 32, n - 1] {
        assert_eq!(
            decode(&data[..cut.min(n - 1)], Some(&STORE_KEY)),
            Err(Status::StoreTruncated),
            "cut at {cut}"
        );
    }
});
