//! A bounded parser of SMBIOS structure tables: the firmware's own description of the
//! machine (system UUID and serials, vendor strings). Windows hands the table over through
//! `GetSystemFirmwareTable('RSMB')` without admin rights; Linux exposes the same bytes as
//! `/sys/firmware/dmi/tables/DMI`. Pure and compiled on every OS, so it is unit-tested and
//! fuzzed here (`fuzz/fuzz_targets/smbios.rs`) whatever the OS that reads the table.
//!
//! Bounds: at most [`MAX_STRUCTURES`] structures are looked at, every offset is checked
//! against the buffer, a string is at most [`MAX_STRING`] bytes; anything malformed ends the
//! walk with what was read so far, never a panic.

/// Structures looked at before giving up: real tables have a few dozen to a few hundred.
const MAX_STRUCTURES: usize = 4096;
/// The longest string kept (serials and vendor names are short; the rest is noise).
const MAX_STRING: usize = 256;

/// The fields of a table that the computer ID and the VM verdict use. Strings are raw (not
/// yet normalised); missing ones are `None`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Smbios {
    /// The system UUID (type 1) as text, in the byte order the SMBIOS version calls for, as
    /// Linux's `product_uuid` shows it.
    pub system_uuid: Option<String>,
    pub system_manufacturer: Option<String>,
    pub system_product: Option<String>,
    pub system_version: Option<String>,
    pub system_serial: Option<String>,
    pub board_manufacturer: Option<String>,
    pub board_serial: Option<String>,
    pub chassis_serial: Option<String>,
    pub bios_vendor: Option<String>,
}

/// Parses Windows's `RawSMBIOSData`: an 8-byte header (calling method, major and minor
/// version, DMI revision, table length as little-endian u32) and the structure table.
pub fn parse_raw_smbios_data(buffer: &[u8]) -> Smbios {
    let Some(header) = buffer.get(..8) else { return Smbios::default() };
    let length = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
    let table = &buffer[8..];
    parse_table(&table[..length.min(table.len())], (header[1], header[2]))
}

/// Parses a structure table of SMBIOS version `(major, minor)`.
pub fn parse_table(table: &[u8], version: (u8, u8)) -> Smbios {
    let mut out = Smbios::default();
    let mut at = 0;
    for _ in 0..MAX_STRUCTURES {
        let (Some(&kind), Some(&length)) = (table.get(at), table.get(at + 1)) else { break };
        let length = usize::from(length);
        // A formatted area shorter than its own header is malformed: nothing after it can
        // be trusted to be where it says.
        if length < 4 {
            break;
        }
        let Some(formatted) = table.get(at..at + length) else { break };
        let Some(strings_len) = strings_end(&table[at + length..]) else { break };
        let strings = &table[at + length..at + length + strings_len];
        let string = |offset: usize| formatted.get(offset).and_then(|&index| nth_string(strings, index));
        match kind {
            0 => out.bios_vendor = out.bios_vendor.take().or_else(|| string(4)),
            1 if out.system_manufacturer.is_none() && out.system_uuid.is_none() => {
                out.system_manufacturer = string(4);
                out.system_product = string(5);
                out.system_version = string(6);
                out.system_serial = string(7);
                out.system_uuid = formatted.get(8..24).map(|b| uuid_text(b, version));
            }
            2 if out.board_serial.is_none() && out.board_manufacturer.is_none() => {
                out.board_manufacturer = string(4);
                out.board_serial = string(7);
            }
            3 if out.chassis_serial.is_none() => out.chassis_serial = string(7),
            127 => break,
            _ => {}
        }
        at += length + strings_len;
    }
    out
}

/// The length of a structure's string set including its double-NUL end (a set without
/// strings is just the two NULs), or `None` if the table ends first.
fn strings_end(rest: &[u8]) -> Option<usize> {
    rest.windows(2).position(|w| w == [0, 0]).map(|p| p + 2)
}

/// String number `index` (1-based; 0 means "none") of a string set, lossily as UTF-8,
/// trimmed, empty ones as `None`.
fn nth_string(strings: &[u8], index: u8) -> Option<String> {
    let index = usize::from(index).checked_sub(1)?;
    let raw = strings.split(|&b| b == 0).nth(index)?;
    let text = String::from_utf8_lossy(&raw[..raw.len().min(MAX_STRING)]).trim().to_owned();
    (!text.is_empty()).then_some(text)
}

/// The UUID as text. From SMBIOS 2.6 on, the first three fields are little-endian (RFC 4122
/// wire order with `time_low`, `time_mid`, `time_hi` swapped); before, all bytes in order.
fn uuid_text(b: &[u8], (major, minor): (u8, u8)) -> String {
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&b[..16]);
    if (major, minor) >= (2, 6) {
        bytes[..4].reverse();
        bytes[4..6].reverse();
        bytes[6..8].reverse();
    }
    let hex = hex::encode(bytes);
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One structure: type, formatted fields after the 4-byte header, strings.
    fn structure(kind: u8, fields: &[u8], strings: &[&str]) -> Vec<u8> {
        let mut out = vec![kind, u8::try_from(4 + fields.len()).unwrap(), 0x34, 0x12];
        out.extend_from_slice(fields);
        for s in strings {
            out.extend_from_slice(s.as_bytes());
            out.push(0);
        }
        if strings.is_empty() {
            out.push(0);
        }
        out.push(0);
        out
    }

    const UUID: [u8; 16] =
        [0x44, 0x45, 0x4c, 0x4c, 0x42, 0x00, 0x10, 0x35, 0x80, 0x52, 0xb4, 0xc0, 0x4f, 0x38, 0x4a, 0x32];

    fn system(uuid: [u8; 16]) -> Vec<u8> {
        // Manufacturer 1, product 2, no version, serial 3, then the UUID, wake-up type.
        let mut fields = vec![1, 2, 0, 3];
        fields.extend_from_slice(&uuid);
        fields.push(6);
        structure(1, &fields, &["Dell Inc.", "Latitude 7490", " CN1234 "])
    }

    fn table() -> Vec<u8> {
        let mut t = structure(0, &[1, 2, 0, 0], &["Dell Inc.", "1.2.3"]);
        t.extend(system(UUID));
        t.extend(structure(2, &[1, 2, 0, 3], &["Dell Inc.", "0H1234", "/CN7654321/"]));
        t.extend(structure(3, &[1, 3, 0, 0, 2], &["Dell Inc.", "CHASSIS9"]));
        t.extend(structure(127, &[], &[]));
        t
    }

    #[test]
    fn reads_the_fields_of_a_table() {
        let s = parse_table(&table(), (3, 4));
        assert_eq!(s.bios_vendor.as_deref(), Some("Dell Inc."));
        assert_eq!(s.system_manufacturer.as_deref(), Some("Dell Inc."));
        assert_eq!(s.system_product.as_deref(), Some("Latitude 7490"));
        assert_eq!(s.system_version, None, "string 0 means none");
        assert_eq!(s.system_serial.as_deref(), Some("CN1234"));
        assert_eq!(s.board_manufacturer.as_deref(), Some("Dell Inc."));
        assert_eq!(s.board_serial.as_deref(), Some("/CN7654321/"));
        assert_eq!(s.chassis_serial, None, "string 0 means none");
        // The Dell UUID of normalise.rs's vectors, as Linux's product_uuid shows it.
        assert_eq!(s.system_uuid.as_deref(), Some("4c4c4544-0042-3510-8052-b4c04f384a32"));
    }

    #[test]
    fn the_uuid_byte_order_follows_the_version() {
        let s = parse_table(&system(UUID), (2, 5));
        assert_eq!(s.system_uuid.as_deref(), Some("44454c4c-4200-1035-8052-b4c04f384a32"));
        let s = parse_table(&system(UUID), (2, 6));
        assert_eq!(s.system_uuid.as_deref(), Some("4c4c4544-0042-3510-8052-b4c04f384a32"));
    }

    #[test]
    fn raw_smbios_data_has_a_header_and_a_declared_length() {
        let t = table();
        let mut raw = vec![0, 3, 4, 0];
        raw.extend_from_slice(&u32::try_from(t.len()).unwrap().to_le_bytes());
        raw.extend_from_slice(&t);
        raw.extend_from_slice(&[0xff; 16]);
        assert_eq!(parse_raw_smbios_data(&raw), parse_table(&t, (3, 4)));
        // A declared length past the buffer is cut to the buffer.
        raw[4] = 0xff;
        raw[5] = 0xff;
        assert_eq!(parse_raw_smbios_data(&raw).system_serial.as_deref(), Some("CN1234"));
        assert_eq!(parse_raw_smbios_data(&raw[..7]), Smbios::default());
    }

    #[test]
    fn malformed_tables_end_the_walk_without_panicking() {
        let t = table();
        let whole = parse_table(&t, (3, 4));
        // Every truncation gives each field as the whole table has it, or not at all.
        for cut in 0..t.len() {
            let s = parse_table(&t[..cut], (3, 4));
            for (part, all) in
                [(&s.system_serial, &whole.system_serial), (&s.board_serial, &whole.board_serial)]
            {
                assert!(part.is_none() || part == all, "cut at {cut}: {s:?}");
            }
            assert!(s.system_uuid.is_none() || s.system_uuid == whole.system_uuid, "cut at {cut}");
        }
        // A length below the header's own size stops the walk at once.
        let mut bad = structure(1, &[], &[]);
        bad[1] = 2;
        bad.extend(system(UUID));
        assert_eq!(parse_table(&bad, (3, 4)), Smbios::default());
        // A short type 1 (SMBIOS 2.0: no UUID) gives its strings and no UUID.
        let short = structure(1, &[1, 2, 0, 3], &["QEMU", "Standard PC", "SN1"]);
        let s = parse_table(&short, (2, 0));
        assert_eq!((s.system_manufacturer.as_deref(), s.system_uuid), (Some("QEMU"), None));
        assert_eq!(s.system_serial.as_deref(), Some("SN1"));
        // Strings past the string set, and huge strings, are bounded.
        let long = "x".repeat(1000);
        let s = parse_table(&structure(1, &[9, 1, 0, 0], &[&long]), (3, 0));
        assert_eq!((s.system_manufacturer, s.system_product.map(|p| p.len())), (None, Some(MAX_STRING)));
    }

    #[test]
    fn structures_after_the_end_marker_are_not_read() {
        let mut t = structure(127, &[], &[]);
        t.extend(system(UUID));
        assert_eq!(parse_table(&t, (3, 0)), Smbios::default());
    }

    /// This machine's own table, where Linux lets the user read it (root, usually): the
    /// parser agrees with the kernel's own reading of the same bytes.
    #[cfg(target_os = "linux")]
    #[test]
    fn agrees_with_the_kernel_on_this_machine() {
        let (Ok(table), Ok(entry)) = (
            std::fs::read("/sys/firmware/dmi/tables/DMI"),
            std::fs::read("/sys/firmware/dmi/tables/smbios_entry_point"),
        ) else {
            return;
        };
        // The entry point: "_SM_" (2.x: version at 6, 7) or "_SM3_" (3.x: version at 7, 8).
        let version = if entry.starts_with(b"_SM3_") { (entry[7], entry[8]) } else { (entry[6], entry[7]) };
        let s = parse_table(&table, version);
        let kernel = |f: &str| std::fs::read_to_string(format!("/sys/class/dmi/id/{f}")).ok();
        let kernel = |f: &str| kernel(f).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        assert_eq!(s.system_manufacturer, kernel("sys_vendor"));
        assert_eq!(s.system_product, kernel("product_name"));
        assert_eq!(s.bios_vendor, kernel("bios_vendor"));
        if let Some(uuid) = kernel("product_uuid") {
            assert_eq!(s.system_uuid.as_deref(), Some(uuid.as_str()));
        }
    }
}
