//! What the dashboard stores and reads beyond the Web API: its sessions, and the few queries
//! the Web API has no form of (codes searched by code, company or computer ID and sorted;
//! events counted over time; who holds a code's capacity now). Every change the dashboard
//! makes goes through the Web API's handlers; nothing here changes vendor data.

use crate::store::model::{KeyKind, Page};

/// A signed-in dashboard session, as stored: the key it was signed in with is known by its
/// hash (so a revoked key ends the session at its next request) and its first characters
/// (for the audit trail), never in clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub key_hash: [u8; 32],
    pub kind: KeyKind,
    pub key_prefix: String,
    /// The token every form of the session carries (CSRF).
    pub csrf: String,
    /// What the last change answered, shown once by the next page.
    pub flash: String,
}

/// A session to open; `id_hash` is the SHA-256 of the ID in the cookie.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id_hash: [u8; 32],
    pub key_hash: [u8; 32],
    pub kind: KeyKind,
    pub key_prefix: String,
    pub csrf: String,
    pub now: i64,
}

/// The columns the code list sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeSort {
    Code,
    Product,
    Company,
    Enabled,
    Activations,
    Created,
    Modified,
}

impl CodeSort {
    pub const ALL: [CodeSort; 7] = [
        CodeSort::Code,
        CodeSort::Product,
        CodeSort::Company,
        CodeSort::Enabled,
        CodeSort::Activations,
        CodeSort::Created,
        CodeSort::Modified,
    ];

    /// The name in a page's `sort` parameter.
    pub fn name(self) -> &'static str {
        match self {
            CodeSort::Code => "code",
            CodeSort::Product => "product",
            CodeSort::Company => "company",
            CodeSort::Enabled => "enabled",
            CodeSort::Activations => "activations",
            CodeSort::Created => "created",
            CodeSort::Modified => "modified",
        }
    }

    pub fn from_name(name: &str) -> Option<CodeSort> {
        CodeSort::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A search of the license codes: `text` matches a code (any part), a company name (any
/// part, without regard to case) or a computer ID that has activated the code (exactly).
#[derive(Debug, Clone)]
pub struct CodeSearch {
    pub text: Option<String>,
    pub product_id: Option<String>,
    pub sort: CodeSort,
    pub descending: bool,
    pub page: Page,
}

/// One row of the code list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRow {
    pub code: String,
    pub product_id: String,
    pub product_name: String,
    pub company: String,
    pub enabled: bool,
    pub license_type: String,
    pub clients_allowed: i64,
    /// Activations holding a seat now.
    pub activations: i64,
    pub created: i64,
    pub modified: i64,
}

/// Events of one name counted in one time bucket (Unix milliseconds at its start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventCount {
    pub bucket: i64,
    pub name: String,
    pub count: i64,
}

/// Something of a code's capacity held now: a floating seat, a pooled element or tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    /// `seat` (the code's or a floating feature's seat) or `checkout` (elements or tokens
    /// of a feature).
    pub what: String,
    /// The feature concerned; empty for a seat of the code itself.
    pub feature: String,
    pub computer_id: String,
    pub username: String,
    pub amount: i64,
    pub since: i64,
    pub expires: i64,
}
