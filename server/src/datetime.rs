//! Datetimes as the seed writes them: `2018-08-02T06:59:02.043`, UTC, no zone suffix, with
//! the milliseconds trimmed of trailing zeros (and omitted when zero), the way the .NET
//! service behind the seed serialised them. Stored as Unix milliseconds.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time in Unix milliseconds.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Milliseconds in one day.
pub const DAY_MILLIS: i64 = 86_400_000;

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (if month <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, month, day)
}

/// Formats Unix milliseconds in the seed's format.
pub fn format(millis: i64) -> String {
    let days = millis.div_euclid(DAY_MILLIS);
    let in_day = millis.rem_euclid(DAY_MILLIS);
    let (y, mo, d) = civil_from_days(days);
    let (h, mi, s, ms) = (in_day / 3_600_000, in_day / 60_000 % 60, in_day / 1000 % 60, in_day % 1000);
    let mut text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
    if ms != 0 {
        let frac = format!("{ms:03}");
        text.push('.');
        text.push_str(frac.trim_end_matches('0'));
    }
    text
}

/// The seed's stand-in for "never" in activity records (`"deactivated": "1900-01-01T00:00:00"`).
pub fn format_or_1900(millis: Option<i64>) -> String {
    millis.map(format).unwrap_or_else(|| "1900-01-01T00:00:00".to_owned())
}

fn number(text: &str, digits: usize) -> Option<i64> {
    if text.len() != digits || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The end of a range given as `text` (parsed as `at`): a date alone includes that whole day.
pub fn inclusive_end(text: &str, at: i64) -> i64 {
    if text.trim().len() == 10 { at + DAY_MILLIS - 1 } else { at }
}

/// Parses `YYYY-MM-DD`, optionally followed by `T` (or a space) and `HH:MM[:SS[.fff]]` and an
/// optional `Z`; read as UTC. Years 1900–9999 only, so every stored date formats back.
pub fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    let text = text.strip_suffix('Z').unwrap_or(text);
    let (date, time) = match text.find(['T', ' ']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let year = number(parts.next()?, 4)?;
    let month = number(parts.next()?, 2)?;
    let day = number(parts.next()?, 2)?;
    if parts.next().is_some() || !(1900..=9999).contains(&year) || !(1..=12).contains(&month) {
        return None;
    }
    let month_days = [31, if is_leap(year) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if day < 1 || day > month_days[(month - 1) as usize] {
        return None;
    }
    let mut millis = days_from_civil(year, month, day) * DAY_MILLIS;
    if let Some(time) = time {
        let (hms, frac) = match time.split_once('.') {
            Some((hms, frac)) => (hms, Some(frac)),
            None => (time, None),
        };
        let mut fields = hms.split(':');
        let hour = number(fields.next()?, 2)?;
        let minute = number(fields.next()?, 2)?;
        let second = match fields.next() {
            Some(s) => number(s, 2)?,
            None => 0,
        };
        if fields.next().is_some() || hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let ms = match frac {
            Some(f) if !f.is_empty() && f.len() <= 7 && f.bytes().all(|b| b.is_ascii_digit()) => {
                let padded = format!("{f:0<3}");
                padded[..3].parse::<i64>().ok()?
            }
            Some(_) => return None,
            None => 0,
        };
        millis += hour * 3_600_000 + minute * 60_000 + second * 1000 + ms;
    }
    Some(millis)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_seed() {
        let t = parse("2018-08-02T06:59:02.043").unwrap();
        assert_eq!(format(t), "2018-08-02T06:59:02.043");
        assert_eq!(format(parse("2020-12-18T17:11:15.7").unwrap()), "2020-12-18T17:11:15.7");
        assert_eq!(format(parse("2021-04-30").unwrap()), "2021-04-30T00:00:00");
        assert_eq!(format(parse("2020-10-10 00:12").unwrap()), "2020-10-10T00:12:00");
        assert_eq!(format(0), "1970-01-01T00:00:00");
        assert_eq!(format(parse("2024-02-29T23:59:59.999Z").unwrap()), "2024-02-29T23:59:59.999");
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for bad in [
            "",
            "2021",
            "2021-13-01",
            "2023-02-29",
            "2021-04-31",
            "1899-12-31",
            "2021-1-01",
            "2021-01-01T24:00",
            "2021-01-01T10:00:00.",
            "2021-01-01Tx",
            "reset",
            "2021-01-01T10:00:00:00",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
