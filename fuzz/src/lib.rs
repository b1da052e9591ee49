//! What the fuzz targets and the seed generator (`examples/seeds.rs`) share: the fixed keys,
//! product and computer the targets sign and verify with, and the wrappers that put fuzz
//! bytes behind the outer checks (a valid store header, checksum and HMAC; a valid
//! signature), so the fuzzer spends its time in what lies behind them.

use std::sync::LazyLock;
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use licensekit::machine::{AnchorSource, ComponentDigest, Fingerprint};
use licensekit::protocol::{Envelope, Kind, SigningKey, TrustedKeys};
use licensekit_server::fuzzing::{ClientProtocol, Clock};
use sha2::{Digest, Sha256};

pub const PRODUCT: &str = "6872450105";
pub const COMPUTER_ID: &str = "BLXRrZJ5T9imK7qPrJSL";
pub const LICENSE_CODE: &str = "206454320110930859";
pub const NONCE: &str = "efefefefefefefefefefefefefefefef";
pub const REQUEST_ID: &str = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd";
/// The client's clock in the targets (Unix seconds); signed times in the seeds are near it.
pub const NOW: i64 = 1_790_000_000;

/// The store's HMAC key in the store targets.
pub const STORE_KEY: [u8; 32] = [0x33; 32];
/// Another store's key: a file authenticated under [`STORE_KEY`] must fail it.
pub const OTHER_STORE_KEY: [u8; 32] = [0x34; 32];

/// The vendor key: signs leases, certificates, passive licenses and seats in the targets.
pub static VENDOR: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::from_seed(&[0x11; 32]));
/// The installation key: signs requests and deactivation certificates in the targets.
pub static INSTALLATION: LazyLock<SigningKey> = LazyLock::new(|| SigningKey::from_seed(&[0x22; 32]));
/// The installation key's public half, as requests name it.
pub static INSTALLATION_HEX: LazyLock<String> = LazyLock::new(|| INSTALLATION.public_key().to_hex());
/// The vendor key, trusted.
pub static TRUSTED: LazyLock<TrustedKeys> = LazyLock::new(|| {
    let mut trusted = TrustedKeys::new();
    trusted.add(VENDOR.public_key()).expect("a valid key");
    trusted
});

/// The vendor key's ID, as a request's `trusted_keys` names it.
pub static VENDOR_KEY_ID: LazyLock<String> = LazyLock::new(|| VENDOR.public_key().id().to_hex());

/// The server's side of the client protocol in the targets: it signs with [`VENDOR`] (so a
/// request must name [`VENDOR_KEY_ID`] among its `trusted_keys`), with real hours, on a clock
/// that reads [`NOW`] when the process starts (and runs on from there), so the `client_time`
/// of the seeds (`NOW`) stays fresh for the server however late they are run.
pub static PROTOCOL: LazyLock<ClientProtocol> = LazyLock::new(|| {
    let system = SystemTime::now().duration_since(UNIX_EPOCH).expect("a clock after 1970").as_secs();
    let offset = NOW - i64::try_from(system).expect("a clock before 2262");
    ClientProtocol { key: VENDOR.clone(), clock: Clock::new(3600, offset) }
});

/// The computer the client targets run on.
pub static FINGERPRINT: LazyLock<Fingerprint> = LazyLock::new(|| Fingerprint {
    computer_id: COMPUTER_ID.into(),
    anchor: AnchorSource::MachineId,
    components: COMPONENTS
        .iter()
        .map(|(n, d)| ComponentDigest { name: (*n).into(), digest: (*d).into() })
        .collect(),
});

/// [`FINGERPRINT`]'s component digests, sorted by name.
pub const COMPONENTS: [(&str, &str); 3] = [
    ("dmi-product-uuid", "0123456789abcdef0123456789abcdef"),
    ("mac:eth0", "3b9e0dd9642d21fdc052b02d5e81952a"),
    ("machine-id", "00112233445566778899aabbccddeeff"),
];

/// A store or marks file around `body`: magic, `version`, length, body, SHA-256 and, with
/// `key`, the HMAC (written here from the format's description, not by the library).
pub fn store_file(version: u32, body: &[u8], key: Option<&[u8; 32]>) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(20 + body.len() + 64);
    bytes.extend_from_slice(b"LKSTORE\0");
    bytes.extend_from_slice(&version.to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
    bytes.extend_from_slice(body);
    let checksum = Sha256::digest(&bytes);
    let tag = key.map(|key| {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
        mac.update(&bytes);
        mac.finalize().into_bytes()
    });
    bytes.extend_from_slice(&checksum);
    if let Some(tag) = tag {
        bytes.extend_from_slice(&tag);
    }
    bytes
}

/// `payload` signed by `key` as an envelope of `kind`, compact or armoured; `None` when the
/// payload is larger than an envelope may be.
pub fn signed(key: &SigningKey, kind: Kind, payload: &[u8], armoured: bool) -> Option<String> {
    let envelope = Envelope::sign(key, kind, payload).ok()?;
    Some(if armoured { envelope.to_armoured() } else { envelope.to_compact() })
}

/// True for `len` lower-case hex digits.
pub fn is_lower_hex(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether a JSON text has, in some object, two keys equal without regard to ASCII case:
/// the oracle for the server's `refuse_repeated_keys` (written apart from it: keys are
/// collected per object, then compared). `None` when the text is not one JSON value.
pub fn has_repeated_keys(text: &[u8]) -> Option<bool> {
    use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

    struct Repeated(bool);

    impl<'de> Deserialize<'de> for Repeated {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(RepeatedVisitor)
        }
    }

    struct RepeatedVisitor;

    impl<'de> Visitor<'de> for RepeatedVisitor {
        type Value = Repeated;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<Repeated, E> {
            Ok(Repeated(false))
        }
        fn visit_i64<E>(self, _: i64) -> Result<Repeated, E> {
            Ok(Repeated(false))
        }
        fn visit_u64<E>(self, _: u64) -> Result<Repeated, E> {
            Ok(Repeated(false))
        }
        fn visit_f64<E>(self, _: f64) -> Result<Repeated, E> {
            Ok(Repeated(false))
        }
        fn visit_str<E>(self, _: &str) -> Result<Repeated, E> {
            Ok(Repeated(false))
        }
        fn visit_unit<E>(self) -> Result<Repeated, E> {
            Ok(Repeated(false))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Repeated, A::Error> {
            let mut any = false;
            while let Some(Repeated(inner)) = seq.next_element()? {
                any |= inner;
            }
            Ok(Repeated(any))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Repeated, A::Error> {
            let mut keys = Vec::new();
            let mut any = false;
            while let Some(key) = map.next_key::<String>()? {
                keys.push(key.to_ascii_lowercase());
                any |= map.next_value::<Repeated>()?.0;
            }
            keys.sort();
            Ok(Repeated(any || keys.windows(2).any(|w| w[0] == w[1])))
        }
    }

    serde_json::from_slice::<Repeated>(text).ok().map(|r| r.0)
}
