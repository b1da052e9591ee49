//! What the operations side of the server stores and reads: the figures behind `/readyz` and
//! `/metrics`, and the audit trail of vendor changes. Kept apart from [`super::model`] (the
//! seed's domain) because any backend fills them the same way.

/// Figures read from the database for `/readyz` and `/metrics`; reading them at all proves the
/// database reachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreFigures {
    /// Activations currently holding a seat (status `Activated`).
    pub activations: i64,
    /// Floating-feature seats checked out and not yet expired at the time asked about.
    pub floating_seats: i64,
    /// Connections the backend's pool holds, and how many of them are free now.
    pub pool_size: u32,
    pub pool_idle: u32,
}

/// One vendor change to record: who (the API key by its kind and first characters, never
/// the key), from where, what (controller, verb, the product and masked code it concerned,
/// the names of the fields sent; never their values, which may be passwords or codes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub time: i64,
    pub key_kind: String,
    pub key_prefix: String,
    pub address: String,
    pub method: String,
    pub controller: String,
    pub product_id: String,
    /// The license code concerned, masked (see `crate::redact`); empty when none.
    pub license_code: String,
    /// The field names of the request, sorted, comma-separated.
    pub fields: String,
}

/// A recorded change, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub entry: NewAuditEntry,
}
