//! Any bytes offered as the JSON body of a store file with a valid header, checksum and
//! HMAC under the store's key (so the fuzzer starts past all three), and as the body of a
//! marks file: the body alone decides, exactly as `decode_body` does; only `StoreCorrupt` is
//! ever reported for it; what decodes re-encodes and decodes to the same value, and the
//! encoding of a decoded value is a fixed point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licensekit::Status;
use licensekit::store::{MAX_BODY, Marks, StoreState, decode, decode_body, encode};
use licensekit_fuzz::{STORE_KEY, store_file};

fuzz_target!(|body: &[u8]| {
    if body.len() as u64 > MAX_BODY {
        return;
    }
    let direct = decode_body::<StoreState>(body);
    let decoded = decode(&store_file(2, body, Some(&STORE_KEY)), Some(&STORE_KEY));
    assert_eq!(decoded, direct);
    // A legacy (version 1) file with the same body says the same.
    assert_eq!(decode(&store_file(1, body, None), None), direct);
    match decoded {
        Ok(state) => {
            let encoded = encode(&state, &STORE_KEY).unwrap();
            let again = decode(&encoded, Some(&STORE_KEY)).unwrap();
            assert_eq!(again, state);
            assert_eq!(encode(&again, &STORE_KEY).unwrap(), encoded);
        }
        Err(status) => assert_eq!(status, Status::StoreCorrupt),
    }
    match decode_body::<Marks>(body) {
        Ok(marks) => {
            let text = serde_json::to_vec(&marks).unwrap();
            assert_eq!(decode_body::<Marks>(&text).as_ref(), Ok(&marks));
            let hex = marks.key.len() == 64 && marks.key.bytes().all(|b| b.is_ascii_hexdigit());
            assert_eq!(marks.key_bytes().is_some(), hex, "{:?}", marks.key);
            if let Some(key) = marks.key_bytes() {
                assert!(marks.key.eq_ignore_ascii_case(&to_hex(&key)));
            }
        }
        Err(status) => assert_eq!(status, Status::StoreCorrupt),
    }
});

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
