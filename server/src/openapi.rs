//! The OpenAPI 3 document of the Web API and the client protocol, generated from the tables
//! the server routes and parses by: [`api::endpoints`] (controllers, verbs, access, and the
//! fields each handler reads) and [`Operation::ALL`]. Served at `/api/openapi.json` and
//! committed as `server/openapi.json` (a test fails when the two differ; `licensekit-server
//! openapi > server/openapi.json` writes it again).
//!
//! Field types are not in the tables (the seed accepts numbers and booleans as strings
//! too), so a field's schema is open; what the document pins down is which fields exist:
//! request bodies allow no other property, as the server refuses any other name.

use std::collections::BTreeMap;

use licensekit::protocol::client_api::Operation;
use serde_json::{Value, json};

use crate::api::{self, Access, Endpoint};
use crate::fields::Field;

/// The document, as the server serves it.
pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    let mut controllers: BTreeMap<&str, Vec<Endpoint>> = BTreeMap::new();
    for endpoint in api::endpoints() {
        controllers.entry(endpoint.controller).or_default().push(endpoint);
    }
    for (controller, endpoints) in controllers {
        let mut item = serde_json::Map::new();
        for endpoint in endpoints {
            item.insert(endpoint.method.as_str().to_ascii_lowercase(), web_operation(&endpoint));
        }
        paths.insert(format!("/api/{controller}"), Value::Object(item));
    }
    for operation in Operation::ALL {
        paths.insert(operation.path().to_owned(), json!({ "post": client_operation(operation) }));
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "licensekit-server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The vendor Web API (seed 003) under /api/ and the licensekit client protocol \
                under /client/v1/. Web API fields may be sent in the query string or a JSON body (on \
                every verb), in any case; a field the endpoint does not read is refused with 400.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Authorization: bearer <customerID>:<APIKey>",
                },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": { "error": { "type": "string" } },
                },
                "ClientError": {
                    "type": "object",
                    "required": ["status", "name", "message"],
                    "properties": {
                        "status": { "type": "integer" },
                        "name": { "type": "string" },
                        "message": { "type": "string" },
                    },
                },
            },
        },
    })
}

/// Which key kinds may call, as the seed's "Accessible API Keys" lines say.
fn access_words(access: Access) -> &'static str {
    match access {
        Access::Read => "READ-ONLY, READ-WRITE",
        Access::Write => "READ-WRITE",
        Access::OfflineRead => "READ-ONLY, READ-WRITE, Offline",
        Access::OfflineWrite => "READ-WRITE, Offline",
        Access::DataStreamer => "DS",
    }
}

/// A body (or list item) that allows exactly these fields.
fn object_schema(fields: &[Field]) -> Value {
    let properties: serde_json::Map<String, Value> = fields
        .iter()
        .map(|f| {
            let schema = if f.items.is_empty() {
                json!({})
            } else {
                json!({ "type": "array", "items": object_schema(f.items) })
            };
            (f.name.to_owned(), schema)
        })
        .collect();
    json!({ "type": "object", "properties": properties, "additionalProperties": false })
}

/// The schema of an endpoint's answer where the document spells it out (fields beyond the
/// seed's examples), else open.
fn answer_schema(endpoint: &Endpoint) -> Value {
    match (endpoint.controller, endpoint.method.as_str()) {
        ("LicenseCodeActivity", "GET") => api::activity_answer_schema(),
        ("Group", "GET") => api::group_answer_schema(),
        ("GroupUser", "GET") => api::user_answer_schema(),
        _ => json!({}),
    }
}

fn web_operation(endpoint: &Endpoint) -> Value {
    let fields: Vec<Field> = endpoint.fields.iter().flat_map(|group| group.iter().copied()).collect();
    let summary = format!("{} {}", endpoint.method, endpoint.controller);
    let error = json!({ "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } });
    let mut operation = json!({
        "operationId": format!("{}{}", endpoint.method.as_str().to_ascii_lowercase(), endpoint.controller),
        "summary": summary,
        "description": format!("Accessible API keys: {}.", access_words(endpoint.access)),
        "security": [{ "bearer": [] }],
        "responses": {
            "200": { "description": "The answer, shaped as the seed's example outputs",
                     "content": { "application/json": { "schema": answer_schema(endpoint) } } },
            "default": { "description": "Refused: the message names the field", "content": error },
        },
    });
    // Scalar fields in the query string (lists only fit a JSON body).
    let parameters: Vec<Value> = fields
        .iter()
        .filter(|f| f.items.is_empty())
        .map(|f| json!({ "name": f.name, "in": "query", "required": false, "schema": { "type": "string" } }))
        .collect();
    if !parameters.is_empty() {
        operation["parameters"] = Value::Array(parameters);
    }
    if matches!(endpoint.method.as_str(), "POST" | "PUT") {
        operation["requestBody"] = json!({ "required": false, "content": { "application/json": { "schema": object_schema(&fields) } } });
    }
    operation
}

fn client_operation(operation: Operation) -> Value {
    let name =
        serde_json::to_value(operation).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let mut description =
        "No bearer key: the body is an envelope signed by the installation key it names.".to_owned();
    if matches!(operation, Operation::Activate | Operation::Refresh) {
        description.push_str(
            " A code in concurrency mode Network is activated and refreshed only by its LAN daemon \
             (network_daemon; its refresh reports seats_in_use), whose lease is a network-master-license \
             envelope; others are refused with LK_NETWORK_LICENSE_ONLY (124), and a daemon on any other \
             code with LK_NOT_NETWORK_LICENSE (125), both 403.",
        );
    }
    json!({
        "operationId": format!("client-{name}"),
        "summary": format!("Client protocol: {name}"),
        "description": description,
        "requestBody": {
            "required": true,
            "content": { "application/json": { "schema": {} } },
        },
        "responses": {
            "200": { "description": "A signed answer", "content": { "application/json": { "schema": {} } } },
            "default": {
                "description": "Refused with a licensekit status",
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ClientError" } } },
            },
        },
    })
}

/// The document as committed and served: pretty, with a final newline (built once).
pub fn pretty() -> &'static str {
    static TEXT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
        text.push('\n');
        text
    });
    &TEXT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_document_is_what_the_code_generates() {
        let committed = include_str!("../openapi.json");
        assert!(
            committed == pretty(),
            "server/openapi.json differs from the code: run `licensekit-server openapi > server/openapi.json`"
        );
    }

    #[test]
    fn every_endpoint_and_operation_is_documented_with_its_fields() {
        let doc = document();
        let paths = doc["paths"].as_object().unwrap();
        // Every controller, and nothing else.
        let controllers: std::collections::HashSet<&str> =
            api::endpoints().into_iter().map(|e| e.controller).collect();
        assert_eq!(paths.len(), controllers.len() + Operation::ALL.len());
        let post_product =
            &doc["paths"]["/api/Product"]["post"]["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(post_product["additionalProperties"], json!(false));
        assert!(post_product["properties"]["clientsallowed"].is_object());
        let item = &post_product["properties"]["features"]["items"];
        assert!(
            item["properties"]["featuretype"].is_object() && item["additionalProperties"] == json!(false)
        );
        assert!(doc["paths"]["/client/v1/activate"]["post"].is_object());
        let master = &doc["paths"]["/api/NetworkMasterLicense"]["post"]["requestBody"]["content"]["application/json"]
            ["schema"]["properties"];
        assert!(master["networkseats"].is_object() && master["heartbeat"].is_object());
        let activity = &doc["paths"]["/api/LicenseCodeActivity"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["items"]["properties"];
        assert!(activity["lanDaemon"].is_object());
        assert!(activity["seatsInUse"]["items"]["properties"]["borrowed"].is_object());
        let group =
            &doc["paths"]["/api/Group"]["post"]["requestBody"]["content"]["application/json"]["schema"];
        assert!(
            group["properties"]["mastergroupid"].is_object() && group["additionalProperties"] == json!(false)
        );
        assert!(doc["paths"]["/api/AuthenticateUser"]["get"].is_object());
        let users = &doc["paths"]["/api/Group"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            ["properties"]["groupUsers"]["items"]["properties"];
        assert!(users["failedLogins"].is_object() && users["lockedUntil"]["nullable"] == json!(true));
        assert!(doc["paths"]["/api/DataStreamer"]["post"].is_object());
    }
}
