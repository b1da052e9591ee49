//! The armoured text form: what a person mails to the vendor and back.
//!
//! ```text
//! -----BEGIN LICENSEKIT ACTIVATION CERTIFICATE-----
//! lk1.activation-certificate.0123456789abcdef.eyJwcm9kdWN0Ijoi…
//! …
//! -----END LICENSEKIT ACTIVATION CERTIFICATE-----
//! ```
//!
//! Mail clients and editors re-wrap, indent and convert line endings; all of that is tolerated
//! (spaces, tabs, CR and blank lines around and between lines). Anything else is refused.

use crate::Status;

pub(super) const BEGIN: &str = "-----BEGIN LICENSEKIT ";
const END: &str = "-----END LICENSEKIT ";
const DASHES: &str = "-----";
const LINE: usize = 64;

pub(super) fn wrap(label: &str, compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() + compact.len() / LINE + 2 * label.len() + 64);
    out.push_str(&format!("{BEGIN}{label}{DASHES}\n"));
    for chunk in compact.as_bytes().chunks(LINE) {
        // The compact form is ASCII, so every chunk boundary is a char boundary.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("{END}{label}{DASHES}\n"));
    out
}

/// Returns the label and the compact form inside an armoured text.
pub(super) fn unwrap(text: &str) -> Result<(&str, String), Status> {
    let mut lines = text.split('\n').map(|l| l.trim_matches([' ', '\t', '\r'])).filter(|l| !l.is_empty());
    let label = lines
        .next()
        .and_then(|l| l.strip_prefix(BEGIN))
        .and_then(|l| l.strip_suffix(DASHES))
        .filter(|l| is_label(l))
        .ok_or(Status::MalformedEnvelope)?;
    let mut compact = String::with_capacity(text.len());
    for line in lines.by_ref() {
        if let Some(end) = line.strip_prefix(END) {
            if end.strip_suffix(DASHES) != Some(label) || lines.next().is_some() {
                return Err(Status::MalformedEnvelope);
            }
            return Ok((label, compact));
        }
        if !line.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')) {
            return Err(Status::MalformedEnvelope);
        }
        compact.push_str(line);
    }
    Err(Status::MalformedEnvelope)
}

fn is_label(label: &str) -> bool {
    !label.is_empty() && label.bytes().all(|b| b.is_ascii_uppercase() || b == b' ')
}
