//! The SMBIOS parser (`machine/smbios.rs`, what Windows's `GetSystemFirmwareTable('RSMB')`
//! answer goes through) on arbitrary bytes, read as `RawSMBIOSData` and as bare tables of
//! the two UUID byte orders.
//!
//! Never panics; every string it returns is non-empty, trimmed and bounded; a UUID is 36
//! characters of lower-case hex with its four dashes, and the pre-2.6 and 2.6+ readings of
//! one table are the same 16 bytes with the first three fields swapped; the header form is
//! the bare table under the header's declared version and length.
#![no_main]

use libfuzzer_sys::fuzz_target;
use licensekit::machine::fuzzing::{Smbios, parse_raw_smbios_data, parse_smbios_table};

fuzz_target!(|data: &[u8]| {
    let raw = parse_raw_smbios_data(data);
    check(&raw);
    if data.len() >= 8 {
        let declared = u32::from_le_bytes([data[4], data[5], data[6], data[7]]) as usize;
        let table = &data[8..];
        assert_eq!(raw, parse_smbios_table(&table[..declared.min(table.len())], (data[1], data[2])));
    } else {
        assert_eq!(raw, Smbios::default());
    }
    let old = parse_smbios_table(data, (2, 5));
    let new = parse_smbios_table(data, (3, 0));
    check(&old);
    check(&new);
    assert_eq!(old.system_serial, new.system_serial, "only the UUID depends on the version");
    assert_eq!(old.system_uuid.is_some(), new.system_uuid.is_some());
    if let (Some(old), Some(new)) = (&old.system_uuid, &new.system_uuid) {
        let bytes = |u: &str| u.replace('-', "");
        let (old, new) = (bytes(old), bytes(new));
        let swap = |h: &str| h.as_bytes().chunks(2).rev().flatten().copied().collect::<Vec<u8>>();
        assert_eq!(swap(&old[..8]), new[..8].as_bytes());
        assert_eq!(swap(&old[8..12]), new[8..12].as_bytes());
        assert_eq!(swap(&old[12..16]), new[12..16].as_bytes());
        assert_eq!(old[16..], new[16..]);
    }
});

fn check(s: &Smbios) {
    for field in [
        &s.system_manufacturer,
        &s.system_product,
        &s.system_version,
        &s.system_serial,
        &s.board_manufacturer,
        &s.board_serial,
        &s.chassis_serial,
        &s.bios_vendor,
    ]
    .into_iter()
    .flatten()
    {
        // 256 bytes at most, each invalid byte at most 3 (U+FFFD).
        assert!(!field.is_empty() && field.trim() == field && field.len() <= 3 * 256, "{field:?}");
    }
    if let Some(uuid) = &s.system_uuid {
        assert_eq!(uuid.len(), 36, "{uuid}");
        for (i, c) in uuid.char_indices() {
            if matches!(i, 8 | 13 | 18 | 23) {
                assert_eq!(c, '-', "{uuid}");
            } else {
                assert!(c.is_ascii_hexdigit() && !c.is_ascii_uppercase(), "{uuid}");
            }
        }
    }
}
