//! The fields each Web API endpoint reads, declared once beside its handler.
//!
//! A misspelt field that is silently ignored creates a wrong license (`clientsalowed` made a
//! 1-seat product), so a request naming a field its endpoint does not read is refused with a
//! 400 before the handler runs: nothing is written. The declarations are also the only names
//! a handler may read: [`crate::params::Params`] checks every read against them in debug
//! builds (every test), so a field the parser reads but the table lacks fails the tests
//! instead of being refused in production.

use serde_json::Value;

use crate::error::ApiError;

/// One request field: its name as the parser reads it (lower case; clients may send any
/// case), and for a list of objects the fields of its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    /// The fields of each item when the field is a list of objects; empty otherwise.
    pub items: &'static [Field],
}

impl Field {
    /// A scalar field, or a JSON object read whole (`companydata`).
    pub const fn new(name: &'static str) -> Field {
        Field { name, items: &[] }
    }

    /// A list of objects with these fields.
    pub const fn list(name: &'static str, items: &'static [Field]) -> Field {
        Field { name, items }
    }
}

/// The fields of one endpoint: groups that several endpoints share (the license settings of
/// `Profile` and `LicenseCode`, paging) are listed as their own slices.
pub type Fields = &'static [&'static [Field]];

/// The declared field called `name` (lower case), if any.
pub fn find(known: &[Field], name: &str) -> Option<Field> {
    known.iter().copied().find(|f| f.name == name)
}

/// Refuses names that `known` does not declare, in this object and in the items of its
/// declared lists: 400 naming each one as sent (with its place in a list), with the known
/// name it is probably a typo of.
pub fn refuse_unknown<'a>(
    names: impl IntoIterator<Item = (&'a str, Option<&'a Value>)>,
    known: &[Field],
) -> Result<(), ApiError> {
    let mut unknown = Vec::new();
    collect_unknown(&mut names.into_iter(), known, "", &mut unknown);
    if unknown.is_empty() {
        return Ok(());
    }
    let plural = if unknown.len() == 1 { "" } else { "s" };
    Err(ApiError::bad_request(format!("unknown field{plural}: {}", unknown.join(", "))))
}

fn collect_unknown<'a>(
    names: &mut dyn Iterator<Item = (&'a str, Option<&'a Value>)>,
    known: &[Field],
    place: &str,
    unknown: &mut Vec<String>,
) {
    for (name, value) in names {
        let lower = name.to_ascii_lowercase();
        let Some(field) = find(known, &lower) else {
            let hint = suggestion(&lower, known).map(|s| format!(" (did you mean {s}?)")).unwrap_or_default();
            unknown.push(format!("{place}{name}{hint}"));
            continue;
        };
        if field.items.is_empty() {
            continue;
        }
        let Some(Value::Array(items)) = value else { continue };
        for (i, item) in items.iter().enumerate() {
            if let Value::Object(map) = item {
                let mut inner = map.iter().map(|(k, v)| (k.as_str(), Some(v)));
                collect_unknown(&mut inner, field.items, &format!("{place}{}[{i}].", field.name), unknown);
            }
        }
    }
}

/// The known name closest to `name` when it is close enough to be a typo of it: at most one
/// edit per four characters (at least one), the nearest first.
fn suggestion(name: &str, known: &[Field]) -> Option<&'static str> {
    let allowed = (name.chars().count() / 4).max(1);
    known
        .iter()
        .map(|f| (edit_distance(name, f.name), f.name))
        .filter(|&(d, _)| d <= allowed)
        .min_by_key(|&(d, _)| d)
        .map(|(_, n)| n)
}

/// Edit distance counting an insertion, a deletion, a substitution or a swap of two
/// neighbouring characters as one edit (optimal string alignment): `serach1` is one edit
/// from `search1`, as a typist sees it.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // d[i][j]: distance between the first i characters of a and the first j of b.
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j - 1] + cost).min(d[i - 1][j] + 1).min(d[i][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ITEMS: &[Field] = &[Field::new("featurecode"), Field::new("limit")];
    const KNOWN: &[Field] =
        &[Field::new("productid"), Field::new("clientsallowed"), Field::list("features", ITEMS)];

    fn refused(body: Value) -> Option<String> {
        let map = body.as_object().unwrap();
        refuse_unknown(map.iter().map(|(k, v)| (k.as_str(), Some(v))), KNOWN).err().map(|e| e.message)
    }

    #[test]
    fn distances() {
        assert_eq!(edit_distance("clientsalowed", "clientsallowed"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
        assert_eq!(edit_distance("serach1", "search1"), 1);
    }

    #[test]
    fn unknown_names_are_named_with_a_close_known_one() {
        assert_eq!(refused(json!({"ProductId": 1, "clientsAllowed": 2, "features": [{"LIMIT": 1}]})), None);
        assert_eq!(
            refused(json!({"clientsalowed": 2})).as_deref(),
            Some("unknown field: clientsalowed (did you mean clientsallowed?)")
        );
        assert_eq!(
            refused(json!({"colour": 1, "features": [{"featurecode": "A"}, {"limt": 2}]})).as_deref(),
            Some("unknown fields: colour, features[1].limt (did you mean limit?)")
        );
    }
}
