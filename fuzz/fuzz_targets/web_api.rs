//! The Web API's inputs before any handler runs: the `Authorization` header, the datetimes
//! of its fields, the JSON body's repeated-key check and the request's parameters (query and
//! body merged). The first byte chooses which; the rest is the input.
//!
//! - datetimes: what parses is in the supported years and formats back to text that parses
//!   to the same instant, and formatting is a fixed point;
//! - the header: what is accepted is a customer ID and a key that a header written from them
//!   gives back; every refusal is a 401;
//! - repeated keys: refused exactly when some object of a valid JSON text repeats a key
//!   without regard to case (an oracle written apart from the server's walk);
//! - parameters: every refusal is a 400 naming a field; every accessor on every field keeps
//!   its promise (trimmed text within bounds, integers in range, dates that format back).
#![no_main]

use libfuzzer_sys::fuzz_target;
use licensekit_fuzz::has_repeated_keys;
use licensekit_server::fuzzing::{
    ApiError, DateInput, Field, MAX_TEXT, Params, credentials, endpoint_fields, format_datetime,
    parse_datetime, refuse_repeated_keys,
};

/// 1900-01-01T00:00:00 and 9999-12-31T23:59:59.999, in Unix milliseconds.
const FIRST: i64 = -2_208_988_800_000;
const LAST: i64 = 253_402_300_799_999;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    match selector % 4 {
        0 => datetime(rest),
        1 => authorization(rest),
        _ => params(rest),
    }
});

fn datetime(rest: &[u8]) {
    if let Ok(text) = std::str::from_utf8(rest)
        && let Some(t) = parse_datetime(text)
    {
        assert!((FIRST..=LAST).contains(&t), "{text:?} parsed to {t}");
        round_trip(t);
    }
    // Any instant in range formats to text that parses back to it.
    if let Some(bytes) = rest.get(..8) {
        let t = FIRST + i64::from_le_bytes(bytes.try_into().unwrap()).rem_euclid(LAST - FIRST + 1);
        round_trip(t);
    }
}

fn round_trip(t: i64) {
    let text = format_datetime(t);
    assert_eq!(parse_datetime(&text), Some(t), "{t} formatted as {text:?}");
    assert_eq!(parse_datetime(&format!("{text}Z")), Some(t));
    assert_eq!(parse_datetime(&text.replace('T', " ")), Some(t));
}

fn unauthorized(error: &ApiError) {
    assert_eq!(error.status.as_u16(), 401, "{}", error.message);
    assert!(!error.message.is_empty());
}

fn authorization(rest: &[u8]) {
    assert_eq!(credentials(None).map_err(|e| unauthorized(&e)).err(), Some(()));
    // hyper hands over only what is a valid header value.
    let Ok(header) = http::HeaderValue::from_bytes(rest) else { return };
    match credentials(Some(&header)) {
        Ok((customer, key)) => {
            assert!(!customer.contains(':'));
            let scheme = rest.trim_ascii_start().get(..7);
            assert!(scheme.is_some_and(|s| s.eq_ignore_ascii_case(b"bearer ")), "{rest:?}");
            let again = http::HeaderValue::from_str(&format!("Bearer {customer}:{key}")).unwrap();
            assert_eq!(credentials(Some(&again)).unwrap(), (customer, key));
        }
        Err(error) => unauthorized(&error),
    }
}

fn bad_request(error: &ApiError) {
    assert_eq!(error.status.as_u16(), 400, "{}", error.message);
    assert!(error.message.contains(':'), "no field named: {}", error.message);
}

/// `rest`: a byte choosing the endpoint, the query string (`name=value&…`), a NUL, the body.
fn params(rest: &[u8]) {
    let Some((&choice, rest)) = rest.split_first() else { return };
    let (query, body) = match rest.iter().position(|&b| b == 0) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (&[][..], rest),
    };
    let repeated = refuse_repeated_keys(body);
    if let Err(error) = &repeated {
        bad_request(error);
        assert!(error.message.contains("given more than once"));
    }
    if let Some(oracle) = has_repeated_keys(body) {
        assert_eq!(repeated.is_err(), oracle, "{:?}", String::from_utf8_lossy(body));
    }
    let query: Vec<(String, String)> = String::from_utf8_lossy(query)
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => (name.to_owned(), value.to_owned()),
            None => (pair.to_owned(), String::new()),
        })
        .collect();
    let mut names: Vec<String> = query.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(body) {
        names.extend(map.keys().map(|k| k.to_ascii_lowercase()));
    }
    // The request is parsed with one endpoint's field table, chosen by the input, and read
    // through every field the table declares (a name it does not declare is refused first).
    let tables = endpoint_fields();
    let known = tables[usize::from(choice) % tables.len()];
    let declared: Vec<&Field> = known.iter().flat_map(|group| group.iter()).collect();
    match Params::from_parts(query, body, known) {
        Ok(params) => {
            for name in &names {
                assert!(declared.iter().any(|f| f.name == name), "{name:?} was accepted undeclared");
            }
            for field in &declared {
                accessors(&params, field, 0);
            }
        }
        Err(error) => bad_request(&error),
    }
}

/// Calls every accessor of `field` and checks what each promises.
fn accessors(params: &Params, field: &Field, depth: usize) {
    let name = field.name;
    let text = params.text(name);
    match &text {
        Ok(Some(s)) => {
            assert!(s.len() <= MAX_TEXT);
            assert_eq!(s.trim(), s);
        }
        Ok(None) => assert!(!params.has(name)),
        Err(e) => bad_request(e),
    }
    match params.required(name) {
        Ok(s) => assert!(!s.is_empty() && text.as_ref().is_ok_and(|t| t.as_ref() == Some(&s))),
        Err(e) => bad_request(&e),
    }
    match params.required_long(name) {
        Ok(s) => assert_eq!(s.trim(), s),
        Err(e) => bad_request(&e),
    }
    match params.text_len(name, 2, 10) {
        Ok(Some(s)) => assert!((2..=10).contains(&s.chars().count())),
        Ok(None) => {}
        Err(e) => bad_request(&e),
    }
    for (min, max) in [(0, 10), (i64::MIN, i64::MAX), (-5, -1)] {
        match params.int(name, min, max) {
            Ok(Some(i)) => assert!((min..=max).contains(&i)),
            Ok(None) => assert!(!params.has(name)),
            Err(e) => bad_request(&e),
        }
    }
    match params.bool(name) {
        Ok(None) => assert!(!params.has(name)),
        Ok(Some(_)) => {}
        Err(e) => bad_request(&e),
    }
    match params.flag(name) {
        Ok(_) => {}
        Err(e) => bad_request(&e),
    }
    match params.choice(name, &["on", "off", "Reset"]) {
        Ok(Some(i)) => assert!(i < 3),
        Ok(None) => assert!(!params.has(name)),
        Err(e) => bad_request(&e),
    }
    match params.date(name) {
        Ok(Some(DateInput::At(t))) => {
            assert!((FIRST..=LAST).contains(&t));
            round_trip(t);
            assert_eq!(params.plain_date(name).unwrap(), Some(t));
        }
        Ok(Some(DateInput::Reset)) => bad_request(&params.plain_date(name).unwrap_err()),
        Ok(None) => assert!(!params.has(name)),
        Err(e) => bad_request(&e),
    }
    match params.json_object(name) {
        Ok(Some(object)) => assert!(serde_json::to_string(&object).unwrap().len() <= 16 * MAX_TEXT),
        Ok(None) => assert!(!params.has(name)),
        Err(e) => bad_request(&e),
    }
    match params.list(name) {
        Ok(items) if depth < 2 => {
            for item in &items {
                for inner in field.items {
                    accessors(item, inner, depth + 1);
                }
            }
        }
        Ok(_) => {}
        Err(e) => bad_request(&e),
    }
}
