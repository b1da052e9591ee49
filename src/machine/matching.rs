//! Tolerant matching of a stored fingerprint against the current one.
//!
//! Hardware drifts: a NIC is replaced, a disk is re-imaged. A machine still matches when at
//! least max(2, ⌈n/2⌉) of the n identity components readable on both sides match (all of
//! them when fewer than two are readable). Components unreadable on either side count
//! neither way, so running once as root and once as a normal user changes nothing.

use serde::Serialize;

use super::ComponentDigest;

/// The outcome of a comparison, naming what changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MatchReport {
    /// True when enough components match.
    pub matched: bool,
    /// How many comparable components are equal.
    pub equal: usize,
    /// How many had to be.
    pub required: usize,
    /// Components readable on both sides whose digests differ.
    pub changed: Vec<String>,
    /// Components in the stored fingerprint that cannot be read now.
    pub missing: Vec<String>,
    /// Components readable now that the stored fingerprint does not have.
    pub added: Vec<String>,
}

/// Compares `stored` (from a lease) with `current` (just computed).
pub fn match_components(stored: &[ComponentDigest], current: &[ComponentDigest]) -> MatchReport {
    let find =
        |list: &[ComponentDigest], name: &str| list.iter().find(|c| c.name == name).map(|c| c.digest.clone());
    let mut equal = 0;
    let mut changed = Vec::new();
    let mut missing = Vec::new();
    for s in stored {
        match find(current, &s.name) {
            Some(d) if d == s.digest => equal += 1,
            Some(_) => changed.push(s.name.clone()),
            None => missing.push(s.name.clone()),
        }
    }
    let added = current.iter().filter(|c| find(stored, &c.name).is_none()).map(|c| c.name.clone()).collect();
    let comparable = equal + changed.len();
    let required = comparable.min(2.max(comparable.div_ceil(2)));
    MatchReport { matched: comparable > 0 && equal >= required, equal, required, changed, missing, added }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(pairs: &[(&str, &str)]) -> Vec<ComponentDigest> {
        pairs.iter().map(|(n, d)| ComponentDigest { name: n.to_string(), digest: d.to_string() }).collect()
    }

    #[test]
    fn a_minority_changed_still_matches_and_is_named() {
        let stored = fp(&[("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5")]);
        let now = fp(&[("a", "1"), ("b", "X"), ("c", "3"), ("d", "Y"), ("e", "5")]);
        let r = match_components(&stored, &now);
        assert!(r.matched);
        assert_eq!((r.equal, r.required), (3, 3));
        assert_eq!(r.changed, ["b", "d"]);
    }

    #[test]
    fn a_majority_changed_does_not_match() {
        let stored = fp(&[("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5")]);
        let now = fp(&[("a", "1"), ("b", "X"), ("c", "Z"), ("d", "Y"), ("e", "5")]);
        let r = match_components(&stored, &now);
        assert!(!r.matched);
        assert_eq!(r.changed, ["b", "c", "d"]);
    }

    #[test]
    fn unreadable_components_count_neither_way() {
        let stored = fp(&[("machine-id", "1"), ("dmi-product-uuid", "2"), ("dmi-board-serial", "3")]);
        let as_user = fp(&[("machine-id", "1"), ("mac:eth0", "9")]);
        let r = match_components(&stored, &as_user);
        assert!(r.matched, "{r:?}");
        assert_eq!(r.missing, ["dmi-product-uuid", "dmi-board-serial"]);
        assert_eq!(r.added, ["mac:eth0"]);
        assert!(!match_components(&stored, &fp(&[("machine-id", "X")])).matched);
        assert!(!match_components(&stored, &[]).matched);
    }

    #[test]
    fn two_components_need_both() {
        let stored = fp(&[("a", "1"), ("b", "2")]);
        assert!(match_components(&stored, &fp(&[("a", "1"), ("b", "2")])).matched);
        assert!(!match_components(&stored, &fp(&[("a", "1"), ("b", "X")])).matched);
    }
}
