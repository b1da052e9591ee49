//! JSON parsing for signed payloads and the store: serde_json plus a refusal of duplicate keys
//! at every depth.
//!
//! serde's derived structs already refuse a repeated field, but maps (features, UDFs) silently
//! keep the last value. Two parsers reading the same signed bytes must never disagree on what
//! they say, so a payload with a repeated key is refused outright.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::Status;

/// Parses `bytes` as `T` after checking that no object anywhere repeats a key.
pub fn from_slice_strict<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Status> {
    no_repeated_keys(bytes)?;
    serde_json::from_slice(bytes).map_err(|_| Status::MalformedPayload)
}

/// The check, apart from the generic part: one copy in the library rather than one inlined
/// into each payload type's parser.
#[inline(never)]
fn no_repeated_keys(bytes: &[u8]) -> Result<(), Status> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    de::Deserialize::deserialize(&mut de)
        .and_then(|NoDuplicates| de.end())
        .map_err(|_| Status::MalformedPayload)
}

/// A value whose only content is the fact that it has no repeated keys.
struct NoDuplicates;

impl<'de> de::Deserialize<'de> for NoDuplicates {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NoDuplicatesVisitor)
    }
}

struct NoDuplicatesVisitor;

impl<'de> Visitor<'de> for NoDuplicatesVisitor {
    type Value = NoDuplicates;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value without repeated object keys")
    }

    fn visit_bool<E>(self, _: bool) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_i64<E>(self, _: i64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_u64<E>(self, _: u64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_f64<E>(self, _: f64) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_str<E>(self, _: &str) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }
    fn visit_unit<E>(self) -> Result<NoDuplicates, E> {
        Ok(NoDuplicates)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NoDuplicates, A::Error> {
        while seq.next_element::<NoDuplicates>()?.is_some() {}
        Ok(NoDuplicates)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NoDuplicates, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key) {
                return Err(de::Error::custom("repeated key"));
            }
            map.next_value::<NoDuplicates>()?;
        }
        Ok(NoDuplicates)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn refuses_repeated_keys_at_any_depth() {
        type M = BTreeMap<String, serde_json::Value>;
        assert!(from_slice_strict::<M>(br#"{"a":1,"b":{"c":[1,{"d":2}]}}"#).is_ok());
        assert_eq!(from_slice_strict::<M>(br#"{"a":1,"a":2}"#), Err(Status::MalformedPayload));
        assert_eq!(from_slice_strict::<M>(br#"{"a":{"b":[{"c":1,"c":1}]}}"#), Err(Status::MalformedPayload));
        assert_eq!(from_slice_strict::<M>(br#"{"a":1} x"#), Err(Status::MalformedPayload));
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(from_slice_strict::<serde_json::Value>(deep.as_bytes()), Err(Status::MalformedPayload));
    }
}
