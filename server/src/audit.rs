//! The audit trail: every vendor change made through the Web API, recorded after it
//! succeeded, with the key that made it (its kind and first characters, never the key), the
//! address it came from (the TCP peer: a reverse proxy's own address when there is one), the
//! controller and verb, the product and (masked) license code concerned, and the names of the
//! fields sent. Values are never recorded: a body may hold a password or a code list.

use std::net::SocketAddr;

use axum::http::{HeaderValue, Method};
use serde_json::Value;

use crate::api::{Action, Endpoint};
use crate::auth;
use crate::datetime::now_millis;
use crate::redact;
use crate::store::model::KeyKind;
use crate::store::operations::NewAuditEntry;

/// How many characters of a key identify it (what `keys list` shows and `init` stores).
const KEY_PREFIX: usize = 6;

/// True for the endpoints that change something: every verb but GET, and the licensing
/// GETs (an offline activation takes a seat).
pub fn is_change(endpoint: &Endpoint) -> bool {
    endpoint.method != Method::GET || matches!(endpoint.action, Action::Licensing(_))
}

/// Who made a change: known once the request's credentials were accepted.
#[derive(Debug, Clone)]
pub struct Actor {
    kind: KeyKind,
    prefix: String,
    address: SocketAddr,
}

impl Actor {
    pub fn new(kind: KeyKind, authorization: Option<&HeaderValue>, address: SocketAddr) -> Actor {
        let prefix = auth::credentials(authorization).map(|(_, key)| prefix(key)).unwrap_or_default();
        Actor { kind, prefix, address }
    }

    /// A dashboard user: the key signed in with, known by its kind and [`prefix`] (the
    /// session keeps no more of it), from `address`.
    pub fn signed_in(kind: KeyKind, prefix: String, address: SocketAddr) -> Actor {
        Actor { kind, prefix, address }
    }
}

/// The first characters of a key, which identify it in the audit trail.
pub fn prefix(key: &str) -> String {
    key.chars().take(KEY_PREFIX).collect()
}

/// The entry for a change made on the command line against the data directory: no key,
/// so the kind is `cli` and the key prefix the operating-system user who ran it (from
/// `$USER`, when set), and the address `local`.
pub fn local(method: &str, controller: &str, product_id: &str, fields: &str) -> NewAuditEntry {
    NewAuditEntry {
        time: now_millis(),
        key_kind: "cli".to_owned(),
        key_prefix: std::env::var("USER").unwrap_or_default().chars().take(32).collect(),
        address: "local".to_owned(),
        method: method.to_owned(),
        controller: controller.to_owned(),
        product_id: product_id.to_owned(),
        license_code: String::new(),
        fields: fields.to_owned(),
    }
}

/// The entry for a change `actor` made through `endpoint` with these query pairs and body.
pub fn entry(actor: &Actor, endpoint: &Endpoint, query: &[(String, String)], body: &[u8]) -> NewAuditEntry {
    let body = serde_json::from_slice::<Value>(body).ok();
    let fields_of_body = body.as_ref().and_then(Value::as_object);
    let mut fields: Vec<&str> = query.iter().map(|(name, _)| name.as_str()).collect();
    fields.extend(fields_of_body.into_iter().flat_map(|o| o.keys().map(String::as_str)));
    fields.sort_unstable_by_key(|name| name.to_ascii_lowercase());
    fields.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    // The body wins over the query, as it does for the handlers.
    let field = |name: &str| -> String {
        let from_body = fields_of_body
            .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
            .map(|(_, v)| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
        from_body
            .or_else(|| query.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()))
            .unwrap_or_default()
    };
    let code = field("licensecode");
    NewAuditEntry {
        time: now_millis(),
        key_kind: actor.kind.name().to_owned(),
        key_prefix: actor.prefix.clone(),
        address: actor.address.ip().to_string(),
        method: endpoint.method.as_str().to_owned(),
        controller: endpoint.controller.to_owned(),
        product_id: field("productid").chars().take(64).collect(),
        license_code: if code.is_empty() { code } else { redact::mask(&code) },
        fields: fields.join(",").chars().take(1024).collect(),
    }
}
