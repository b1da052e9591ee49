//! JSON in and out of the Web API.
//!
//! Out: a value whose objects keep the order their fields were written in. The seed's example
//! outputs list fields in a fixed order and clients written against it are shown that order;
//! `serde_json::Value` sorts object keys unless a crate-wide feature is switched on, which
//! would also change the library's behaviour, so outputs are built here.
//!
//! In: [`refuse_repeated_keys`], because `serde_json::Value` keeps the last of two equal keys
//! without a word, and field names are matched without regard to case: `{"numcodes": 1,
//! "NumCodes": 1000}` must not mean whichever the parser saw last.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::error::ApiError;

/// One JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    /// A JSON boolean; most of the seed's outputs write booleans as strings (`"True"`).
    Bool(bool),
    Int(i64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(&'static str, Json)>),
}

impl Json {
    /// An array from anything that converts.
    pub fn arr<T: Into<Json>>(items: impl IntoIterator<Item = T>) -> Json {
        Json::Arr(items.into_iter().map(Into::into).collect())
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => serializer.serialize_unit(),
            Json::Bool(b) => serializer.serialize_bool(*b),
            Json::Int(i) => serializer.serialize_i64(*i),
            Json::Str(s) => serializer.serialize_str(s),
            Json::Arr(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Obj(fields) => {
                let mut map = serializer.serialize_map(Some(fields.len()))?;
                for (key, value) in fields {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Json {
        Json::Str(s.to_owned())
    }
}

impl From<String> for Json {
    fn from(s: String) -> Json {
        Json::Str(s)
    }
}

impl From<&String> for Json {
    fn from(s: &String) -> Json {
        Json::Str(s.clone())
    }
}

impl From<i64> for Json {
    fn from(i: i64) -> Json {
        Json::Int(i)
    }
}

impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(value: Option<T>) -> Json {
        value.map_or(Json::Null, Into::into)
    }
}

/// Builds an ordered object: `obj! { "a" => 1, "b" => "x" }`.
#[macro_export]
macro_rules! obj {
    ($($key:expr => $value:expr),* $(,)?) => {
        $crate::json::Json::Obj(vec![$(($key, $crate::json::Json::from($value))),*])
    };
}

/// Refuses a request body in which one object names a key twice, compared without regard to
/// ASCII case, at any depth (list items and JSON metadata included): 400 naming the key and
/// where it is (`features[1].featurecode`). A body that is not JSON passes: the parser that
/// reads it says what is wrong.
pub fn refuse_repeated_keys(body: &[u8]) -> Result<(), ApiError> {
    let repeated = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(body);
    let _ = Walk { path: String::new(), repeated: &repeated }.deserialize(&mut de);
    match repeated.into_inner() {
        Some(path) => Err(ApiError::bad_request(format!(
            "{path}: given more than once (names are matched without regard to case)"
        ))),
        None => Ok(()),
    }
}

/// One value of the body being walked, at `path`; records the first repeated key.
struct Walk<'a> {
    path: String,
    repeated: &'a RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while seq
            .next_element_seed(Walk { path: format!("{}[{index}]", self.path), repeated: self.repeated })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let name = key.to_ascii_lowercase();
            let path = if self.path.is_empty() { name.clone() } else { format!("{}.{name}", self.path) };
            if !seen.insert(name) {
                *self.repeated.borrow_mut() = Some(path);
                return Err(de::Error::custom("repeated key"));
            }
            map.next_value_seed(Walk { path, repeated: self.repeated })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_are_refused_in_any_case_at_any_depth() {
        let refused = |body: &str| refuse_repeated_keys(body.as_bytes()).unwrap_err().message;
        assert!(refused(r#"{"numcodes": 1, "numcodes": 2}"#).starts_with("numcodes: given more than once"));
        assert!(refused(r#"{"NumCodes": 1, "numCODES": 2}"#).starts_with("numcodes: given more than once"));
        assert!(
            refused(r#"{"features": [{"featurecode": "A"}, {"featureCode": "B", "FEATURECODE": "C"}]}"#)
                .starts_with("features[1].featurecode: given more than once")
        );
        assert!(refused(r#"{"companydata": {"a": {"x": 1, "X": 2}}}"#).starts_with("companydata.a.x:"));
        assert!(refuse_repeated_keys(br#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}"#).is_ok());
        // Not JSON, or not finished: left to the parser, which says what is wrong.
        assert!(refuse_repeated_keys(b"{\"a\": ").is_ok());
        assert!(refuse_repeated_keys(b"").is_ok());
    }

    #[test]
    fn keeps_field_order() {
        let value = obj! { "z" => 1, "a" => "x", "m" => Json::Null, "l" => Json::arr(["p"]) };
        assert_eq!(serde_json::to_string(&value).unwrap(), r#"{"z":1,"a":"x","m":null,"l":["p"]}"#);
    }
}
