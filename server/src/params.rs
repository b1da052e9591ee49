//! Request fields, read the way clients written against the seed send them.
//!
//! The seed sends a JSON body with every verb, GET and DELETE included, spells field names
//! in several casings (`productid`, `productId`, `featuregroupName`) and quotes numbers and
//! booleans (`"numcodes":"2"`, `"enabledforuse":"true"`). A [`Params`] merges the query
//! string and the JSON body, matches names without regard to case, and converts values on
//! request; every failure is a 400 naming the field.

use std::collections::HashMap;

use serde_json::Value;

use crate::datetime;
use crate::error::ApiError;
use crate::fields::{self, Field, Fields};

/// A date input: a datetime, or the seed's `'reset'` that clears a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateInput {
    Reset,
    At(i64),
}

/// The fields of one request (or of one object inside a list field).
#[derive(Debug)]
pub struct Params {
    /// Lower-cased name -> value.
    fields: HashMap<String, Value>,
    /// The fields the endpoint declares (see [`crate::fields`]): no other name is in
    /// `fields`, and in debug builds reading another name panics.
    known: Vec<Field>,
}

/// Longest string accepted in any text field; longer values are refused, not truncated.
pub const MAX_TEXT: usize = 4096;

impl Params {
    /// Reads the query pairs and the body (empty, or a JSON object) of an endpoint that
    /// declares `known`. Body fields win over query fields of the same name. A name `known`
    /// does not declare, in either, is refused (see [`fields::refuse_unknown`]).
    pub fn from_parts(query: Vec<(String, String)>, body: &[u8], known: Fields) -> Result<Params, ApiError> {
        let known: Vec<Field> = known.iter().flat_map(|group| group.iter().copied()).collect();
        let map = if body.iter().any(|b| !b.is_ascii_whitespace()) {
            let value: Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("malformed JSON body: {e}")))?;
            let Value::Object(map) = value else {
                return Err(ApiError::bad_request("malformed JSON body: expected a JSON object"));
            };
            map
        } else {
            serde_json::Map::new()
        };
        let names = query.iter().map(|(name, _)| (name.as_str(), None));
        fields::refuse_unknown(names.chain(map.iter().map(|(k, v)| (k.as_str(), Some(v)))), &known)?;
        let mut params = Params { fields: HashMap::new(), known: known.clone() };
        for (name, value) in query {
            params.insert(&name, Value::String(value))?;
        }
        let mut from_body = Params { fields: HashMap::new(), known };
        for (name, value) in map {
            from_body.insert(&name, value)?;
        }
        params.fields.extend(from_body.fields);
        Ok(params)
    }

    fn from_object(
        map: serde_json::Map<String, Value>,
        list: &str,
        known: Vec<Field>,
    ) -> Result<Params, ApiError> {
        let mut params = Params { fields: HashMap::new(), known };
        for (name, value) in map {
            params
                .insert(&name, value)
                .map_err(|e| ApiError::bad_request(format!("{list}: {}", e.message)))?;
        }
        Ok(params)
    }

    /// The value sent for `name`, which the endpoint must declare.
    fn get(&self, name: &str) -> Option<&Value> {
        debug_assert!(
            fields::find(&self.known, name).is_some(),
            "the handler reads {name:?}, which its endpoint's field table does not declare"
        );
        self.fields.get(name)
    }

    fn insert(&mut self, name: &str, value: Value) -> Result<(), ApiError> {
        let key = name.to_ascii_lowercase();
        if self.fields.contains_key(&key) {
            return Err(ApiError::bad_request(format!(
                "{key}: given more than once (names are matched without regard to case)"
            )));
        }
        self.fields.insert(key, value);
        Ok(())
    }

    /// True when the field is present with a value (not null, not an empty string).
    pub fn has(&self, name: &str) -> bool {
        self.value(name).is_some()
    }

    /// The raw value; null and `""` count as omitted.
    fn value(&self, name: &str) -> Option<&Value> {
        match self.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(v) => Some(v),
        }
    }

    /// A text field; numbers are accepted and written in decimal (product IDs are often sent
    /// as numbers). Surrounding white space is trimmed.
    pub fn text(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.len() > MAX_TEXT => {
                Err(ApiError::bad_request(format!("{name}: longer than {MAX_TEXT} characters")))
            }
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
            Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Ok(Some(n.to_string())),
            Some(_) => Err(ApiError::bad_request(format!("{name}: must be a string"))),
        }
    }

    /// A mandatory, non-empty text field.
    pub fn required(&self, name: &str) -> Result<String, ApiError> {
        match self.text(name)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(ApiError::bad_request(format!("{name}: required"))),
        }
    }

    /// A mandatory text field that may be longer than [`MAX_TEXT`] (a signed envelope); the
    /// caller bounds it. Surrounding white space is trimmed.
    pub fn required_long(&self, name: &str) -> Result<String, ApiError> {
        match self.value(name) {
            None => Err(ApiError::bad_request(format!("{name}: required"))),
            Some(Value::String(s)) => Ok(s.trim().to_owned()),
            Some(_) => Err(ApiError::bad_request(format!("{name}: must be a string"))),
        }
    }

    /// An optional text field with a length range (in characters).
    pub fn text_len(&self, name: &str, min: usize, max: usize) -> Result<Option<String>, ApiError> {
        let Some(text) = self.text(name)? else { return Ok(None) };
        let len = text.chars().count();
        if len < min || len > max {
            return Err(ApiError::bad_request(format!("{name}: must be {min} to {max} characters long")));
        }
        Ok(Some(text))
    }

    /// A mandatory secret (a password): a JSON string taken exactly as sent, not trimmed
    /// (the client protocol passes passwords through unchanged, so both must agree), with a
    /// length range in characters. Messages name the field, never the value.
    pub fn secret(&self, name: &str, min: usize, max: usize) -> Result<String, ApiError> {
        match self.get(name) {
            None | Some(Value::Null) => Err(ApiError::bad_request(format!("{name}: required"))),
            Some(Value::String(s)) if (min..=max).contains(&s.chars().count()) => Ok(s.clone()),
            Some(Value::String(_)) => {
                Err(ApiError::bad_request(format!("{name}: must be {min} to {max} characters long")))
            }
            Some(_) => Err(ApiError::bad_request(format!("{name}: must be a string"))),
        }
    }

    /// A mandatory text field with a length range.
    pub fn required_len(&self, name: &str, min: usize, max: usize) -> Result<String, ApiError> {
        self.required(name)?;
        self.text_len(name, min, max).map(Option::unwrap_or_default)
    }

    /// An integer within `min..=max`, given as a JSON number or a decimal string.
    pub fn int(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        let Some(value) = self.value(name) else { return Ok(None) };
        let parsed = match value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        match parsed {
            Some(i) if (min..=max).contains(&i) => Ok(Some(i)),
            Some(_) => Err(ApiError::bad_request(format!("{name}: must be between {min} and {max}"))),
            None => Err(ApiError::bad_request(format!("{name}: must be an integer"))),
        }
    }

    /// A mandatory integer.
    pub fn required_int(&self, name: &str, min: i64, max: i64) -> Result<i64, ApiError> {
        self.int(name, min, max)?.ok_or_else(|| ApiError::bad_request(format!("{name}: required")))
    }

    /// A `true`/`false` field (JSON boolean or string, any case).
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        let Some(value) = self.value(name) else { return Ok(None) };
        match value {
            Value::Bool(b) => Ok(Some(*b)),
            Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
            Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
            _ => Err(ApiError::bad_request(format!("{name}: must be either true or false"))),
        }
    }

    /// A 1/0 flag such as `getsfs` ("Must be either 1 or 0"), default 0.
    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.value(name) {
            None => Ok(false),
            Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(true),
            Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(false),
            Some(Value::String(s)) if s.trim() == "1" => Ok(true),
            Some(Value::String(s)) if s.trim() == "0" => Ok(false),
            Some(_) => Err(ApiError::bad_request(format!("{name}: must be either 1 or 0"))),
        }
    }

    /// One of a fixed set of words (compared without regard to case); returns the index.
    pub fn choice(&self, name: &str, words: &[&str]) -> Result<Option<usize>, ApiError> {
        let Some(value) = self.value(name) else { return Ok(None) };
        let found = value.as_str().and_then(|s| words.iter().position(|w| w.eq_ignore_ascii_case(s.trim())));
        match found {
            Some(i) => Ok(Some(i)),
            None => Err(ApiError::bad_request(format!("{name}: must be either {}", words.join(", ")))),
        }
    }

    /// A datetime; `'reset'` is returned as [`DateInput::Reset`] and the caller decides
    /// whether the field accepts it.
    pub fn date(&self, name: &str) -> Result<Option<DateInput>, ApiError> {
        let Some(value) = self.value(name) else { return Ok(None) };
        let Some(text) = value.as_str() else {
            return Err(ApiError::bad_request(format!("{name}: must be a datetime string")));
        };
        if text.trim().eq_ignore_ascii_case("reset") {
            return Ok(Some(DateInput::Reset));
        }
        datetime::parse(text).map(|t| Some(DateInput::At(t))).ok_or_else(|| {
            ApiError::bad_request(format!(
                "{name}: must be a datetime like 2021-04-30 or 2021-04-30T12:00:00"
            ))
        })
    }

    /// The end of a date range (`enddate`): a date alone includes that whole day.
    pub fn end_date(&self, name: &str) -> Result<Option<i64>, ApiError> {
        let end = self.plain_date(name)?;
        Ok(end.map(|t| datetime::inclusive_end(&self.text(name).ok().flatten().unwrap_or_default(), t)))
    }

    /// A datetime that may not be `'reset'`.
    pub fn plain_date(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.date(name)? {
            None => Ok(None),
            Some(DateInput::At(t)) => Ok(Some(t)),
            Some(DateInput::Reset) => {
                Err(ApiError::bad_request(format!("{name}: 'reset' is not accepted here")))
            }
        }
    }

    /// A list of objects (`features`, `udfvalues`, …); omitted = empty.
    pub fn list(&self, name: &str) -> Result<Vec<Params>, ApiError> {
        match self.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::Object(map) => Params::from_object(
                        map.clone(),
                        &format!("{name}[{i}]"),
                        fields::find(&self.known, name).map(|f| f.items.to_vec()).unwrap_or_default(),
                    ),
                    _ => Err(ApiError::bad_request(format!("{name}[{i}]: must be an object"))),
                })
                .collect(),
            Some(_) => Err(ApiError::bad_request(format!("{name}: must be a list of objects"))),
        }
    }

    /// Any JSON value (DataStreamer's `payload`): a string holding JSON is that JSON, any
    /// other string is itself. At most `max` bytes as compact JSON.
    pub fn json(&self, name: &str, max: usize) -> Result<Option<Value>, ApiError> {
        let Some(value) = self.value(name) else { return Ok(None) };
        let value = match value {
            Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| value.clone()),
            other => other.clone(),
        };
        if serde_json::to_string(&value).map_or(true, |s| s.len() > max) {
            return Err(ApiError::bad_request(format!("{name}: larger than {max} bytes")));
        }
        Ok(Some(value))
    }

    /// JSON metadata (`companydata`, `clientinfo`): an object, or a string holding one.
    /// Callers store its compact text, the form the seed's outputs echo.
    pub fn json_object(&self, name: &str) -> Result<Option<serde_json::Map<String, Value>>, ApiError> {
        let Some(value) = self.value(name) else { return Ok(None) };
        let object = match value {
            Value::Object(map) => Some(map.clone()),
            Value::String(s) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(map)) => Some(map),
                _ => None,
            },
            _ => None,
        };
        let object = object.ok_or_else(|| ApiError::bad_request(format!("{name}: must be a JSON object")))?;
        if serde_json::to_string(&object).map_or(true, |s| s.len() > 16 * MAX_TEXT) {
            return Err(ApiError::bad_request(format!("{name}: larger than {} bytes", 16 * MAX_TEXT)));
        }
        Ok(Some(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names these tests send (a list's items declare none).
    const NAMES: &[Field] = &[
        Field::new("productid"),
        Field::new("numcodes"),
        Field::new("enabledforuse"),
        Field::new("getsfs"),
        Field::new("a"),
        Field::new("b"),
        Field::new("n"),
        Field::new("f"),
        Field::new("d"),
        Field::list("l", &[]),
        Field::new("c"),
        Field::new("missing"),
    ];

    fn parts(query: Vec<(String, String)>, text: &[u8]) -> Result<Params, ApiError> {
        Params::from_parts(query, text, &[NAMES])
    }

    fn body(text: &str) -> Params {
        parts(Vec::new(), text.as_bytes()).unwrap()
    }

    #[test]
    fn names_ignore_case_and_values_may_be_strings() {
        let p = body(r#"{"productId": 6872450105, "NumCodes": "2", "enabledforuse": "True", "getsfs": 1}"#);
        assert_eq!(p.required("productid").unwrap(), "6872450105");
        assert_eq!(p.int("numcodes", 1, 10).unwrap(), Some(2));
        assert_eq!(p.bool("enabledforuse").unwrap(), Some(true));
        assert!(p.flag("getsfs").unwrap());
    }

    #[test]
    fn query_and_body_merge_with_the_body_winning() {
        let p = parts(vec![("a".into(), "1".into()), ("b".into(), "2".into())], br#"{"B": "3"}"#).unwrap();
        assert_eq!(p.text("a").unwrap().as_deref(), Some("1"));
        assert_eq!(p.text("b").unwrap().as_deref(), Some("3"));
    }

    #[test]
    fn bad_values_name_the_field() {
        let p = body(r#"{"n": "x", "b": "yes", "f": 2, "d": "2021-02-30", "l": [1], "c": "maybe"}"#);
        assert!(p.int("n", 0, 5).unwrap_err().message.starts_with("n:"));
        assert!(p.bool("b").unwrap_err().message.starts_with("b:"));
        assert!(p.flag("f").unwrap_err().message.starts_with("f:"));
        assert!(p.date("d").unwrap_err().message.starts_with("d:"));
        assert!(p.list("l").unwrap_err().message.starts_with("l[0]:"));
        assert!(p.choice("c", &["on", "off"]).unwrap_err().message.starts_with("c:"));
        assert!(p.required("missing").unwrap_err().message.starts_with("missing:"));
        assert!(parts(Vec::new(), b"{\"a\":1,\"A\":2}").is_err());
        assert!(parts(Vec::new(), b"[1]").is_err());
        assert!(parts(Vec::new(), b"{").is_err());
    }

    #[test]
    fn unknown_names_are_refused_in_the_query_and_the_body() {
        let refused = |query: &[(&str, &str)], text: &str| {
            let query = query.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
            parts(query, text.as_bytes()).unwrap_err().message
        };
        assert_eq!(refused(&[("numcode", "1")], ""), "unknown field: numcode (did you mean numcodes?)");
        assert_eq!(refused(&[], r#"{"ProductID": 1, "productname": "x"}"#), "unknown field: productname");
    }
}
