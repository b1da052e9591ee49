//! The normalisation of identity components, shared by every platform's sources.
//!
//! Normalisation is frozen by test vectors: a change here changes every customer's computer
//! ID, so it must come with a new ID version, never silently.

/// 32 lower-case hex digits, not all zero (systemd writes "uninitialized" or zeros early on).
pub(crate) fn normalise_machine_id(raw: &str) -> Option<String> {
    let v = raw.trim().to_ascii_lowercase();
    (v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) && v.bytes().any(|b| b != b'0')).then_some(v)
}

/// Lower-case hex without dashes; placeholders (all zeros, all `f`) refused.
pub(crate) fn normalise_uuid(raw: &str) -> Option<String> {
    let v: String = raw.trim().chars().filter(|c| *c != '-').collect::<String>().to_ascii_lowercase();
    let valid = v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit());
    let placeholder = v.bytes().all(|b| b == b'0') || v.bytes().all(|b| b == b'f');
    (valid && !placeholder).then_some(v)
}

/// Upper case, inner whitespace collapsed; vendor placeholders refused.
pub(crate) fn normalise_serial(raw: &str) -> Option<String> {
    const PLACEHOLDERS: &[&str] = &[
        "DEFAULT STRING",
        "TO BE FILLED BY O.E.M.",
        "NOT SPECIFIED",
        "NOT APPLICABLE",
        "NONE",
        "N/A",
        "SYSTEM SERIAL NUMBER",
        "CHASSIS SERIAL NUMBER",
        "BASE BOARD SERIAL NUMBER",
        "0123456789",
        "INVALID",
    ];
    let v = raw.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_uppercase();
    let filler = v.bytes().all(|b| matches!(b, b'0' | b' ' | b'.' | b'-' | b'X' | b'F'));
    (!v.is_empty() && !filler && !PLACEHOLDERS.contains(&v.as_str()) && v.len() <= 128).then_some(v)
}

/// 12 lower-case hex digits; zero, broadcast, multicast and locally administered (random,
/// virtual) addresses refused.
pub(crate) fn normalise_mac(raw: &str) -> Option<String> {
    let v: String =
        raw.trim().chars().filter(|c| !matches!(c, ':' | '-' | '.')).collect::<String>().to_ascii_lowercase();
    if v.len() != 12 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let first = u8::from_str_radix(&v[..2], 16).ok()?;
    let special = v == "000000000000" || v == "ffffffffffff" || first & 0b11 != 0;
    (!special).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frozen normalisation rules. Changing any expected value is a new computer-ID version.
    #[test]
    fn normalisation_vectors() {
        assert_eq!(
            normalise_machine_id(" 3D1219C7C4C5404AAA1F6D2A48ADFDA4\n").as_deref(),
            Some("3d1219c7c4c5404aaa1f6d2a48adfda4")
        );
        assert_eq!(normalise_machine_id("uninitialized"), None);
        assert_eq!(normalise_machine_id("00000000000000000000000000000000"), None);
        assert_eq!(normalise_machine_id(""), None);
        assert_eq!(
            normalise_uuid("4C4C4544-0042-3510-8052-B4C04F384A32").as_deref(),
            Some("4c4c454400423510 8052b4c04f384a32".replace(' ', "").as_str())
        );
        assert_eq!(normalise_uuid("00000000-0000-0000-0000-000000000000"), None);
        assert_eq!(normalise_uuid("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"), None);
        assert_eq!(normalise_serial("  cn1234  56 ").as_deref(), Some("CN1234 56"));
        assert_eq!(normalise_serial("To be filled by O.E.M."), None);
        assert_eq!(normalise_serial("Default string"), None);
        assert_eq!(normalise_serial("0000000"), None);
        assert_eq!(normalise_mac("00:1A:2B:3C:4D:5E").as_deref(), Some("001a2b3c4d5e"));
        assert_eq!(normalise_mac("02:42:ac:11:00:02"), None, "locally administered (docker)");
        assert_eq!(normalise_mac("01:00:5e:00:00:01"), None, "multicast");
        assert_eq!(normalise_mac("00:00:00:00:00:00"), None);
        assert_eq!(normalise_mac("001a2b3c4d"), None);
    }
}
