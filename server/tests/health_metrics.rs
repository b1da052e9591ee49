//! `/healthz`, `/readyz` and `/metrics` on a real server: the exposition parses as the
//! Prometheus text format (every sample of a declared family, no duplicate series,
//! cumulative histogram buckets ending at the count), and its counters and gauges move with
//! real traffic: Web API calls, a real client's activation and floating check-out.

mod common;

use std::collections::{BTreeMap, HashMap};

use common::Server;
use common::licensing::{client, code, product};
use serde_json::json;

/// One sample: the metric name, its labels (sorted), its value.
type Sample = (String, BTreeMap<String, String>, f64);

fn is_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// `{a="x",b="y\"z"}`: the labels, and what follows the closing brace.
fn labels(text: &str) -> (BTreeMap<String, String>, &str) {
    let mut labels = BTreeMap::new();
    let mut rest = text.strip_prefix('{').unwrap();
    loop {
        if let Some(after) = rest.strip_prefix('}') {
            return (labels, after);
        }
        let (name, after) = rest.split_once("=\"").unwrap_or_else(|| panic!("label without a value: {text}"));
        assert!(is_name(name), "label name {name:?}");
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next().unwrap_or_else(|| panic!("unterminated label value: {text}")) {
                (_, '\\') => match chars.next().unwrap().1 {
                    'n' => value.push('\n'),
                    c @ ('\\' | '"') => value.push(c),
                    c => panic!("bad escape \\{c} in {text}"),
                },
                (i, '"') => break i,
                (_, c) => value.push(c),
            }
        };
        assert!(labels.insert(name.to_owned(), value).is_none(), "label {name} twice: {text}");
        rest = &after[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

/// Parses the text format strictly; returns the samples and the declared type of each family.
fn parse(text: &str) -> (Vec<Sample>, HashMap<String, String>) {
    let mut types = HashMap::new();
    let mut samples: Vec<Sample> = Vec::new();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut words = comment.splitn(3, ' ');
            match (words.next(), words.next(), words.next()) {
                (Some("TYPE"), Some(name), Some(kind)) => {
                    assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
                    assert!(types.insert(name.to_owned(), kind.to_owned()).is_none(), "TYPE twice: {line}");
                }
                (Some("HELP"), Some(name), Some(_)) => assert!(is_name(name), "{line}"),
                _ => panic!("unexpected comment: {line}"),
            }
            continue;
        }
        assert!(!line.is_empty(), "an empty line");
        let split = line.find(['{', ' ']).unwrap_or_else(|| panic!("no value: {line}"));
        let name = &line[..split];
        assert!(is_name(name), "metric name {name:?}");
        let (labels, rest) = if line[split..].starts_with('{') {
            labels(&line[split..])
        } else {
            (BTreeMap::new(), &line[split..])
        };
        let value = rest.strip_prefix(' ').unwrap_or_else(|| panic!("no space before the value: {line}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("value {v:?} in {line}")),
        };
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| {
                name.strip_suffix(suffix).filter(|f| types.get(*f).is_some_and(|t| t == "histogram"))
            })
            .unwrap_or(name);
        assert!(types.contains_key(family), "{name}: no TYPE before its first sample");
        assert!(!samples.iter().any(|(n, l, _)| n == name && *l == labels), "series given twice: {line}");
        samples.push((name.to_owned(), labels, value));
    }
    for (family, _) in types.iter().filter(|(_, kind)| *kind == "histogram") {
        let mut routes: Vec<&String> = samples
            .iter()
            .filter(|(n, _, _)| *n == format!("{family}_count"))
            .map(|(_, l, _)| &l["route"])
            .collect();
        routes.dedup();
        for route in routes {
            let buckets: Vec<&Sample> = samples
                .iter()
                .filter(|(n, l, _)| *n == format!("{family}_bucket") && l["route"] == *route)
                .collect();
            assert!(buckets.windows(2).all(|w| w[0].2 <= w[1].2), "{family} {route}: buckets not cumulative");
            let last = buckets.last().unwrap();
            assert_eq!(last.1["le"], "+Inf", "{family} {route}: the last bucket");
            let count = samples
                .iter()
                .find(|(n, l, _)| *n == format!("{family}_count") && l["route"] == *route)
                .unwrap();
            assert_eq!(last.2, count.2, "{family} {route}: +Inf bucket against the count");
        }
    }
    (samples, types)
}

/// The value of the series `name` with exactly these labels (0 when absent).
fn value(samples: &[Sample], name: &str, wanted: &[(&str, &str)]) -> f64 {
    let wanted: BTreeMap<String, String> =
        wanted.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    samples.iter().find(|(n, l, _)| n == name && *l == wanted).map_or(0.0, |s| s.2)
}

fn scrape(server: &Server) -> Vec<Sample> {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut response = agent.get(format!("{}/metrics", server.base)).call().unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let kind = response.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    let (samples, types) = parse(&response.body_mut().read_to_string().unwrap());
    assert_eq!(types["licensekit_http_requests_total"], "counter");
    assert_eq!(types["licensekit_http_request_duration_seconds"], "histogram");
    assert_eq!(types["licensekit_seats_in_use"], "gauge");
    samples
}

#[test]
fn probes_answer_without_a_key() {
    let server = Server::start();
    assert_eq!(server.raw("GET", "/healthz", None, b""), (200, json!({"status": "ok"})));
    assert_eq!(server.raw("GET", "/readyz", None, b""), (200, json!({"status": "ready"})));
    assert_eq!(server.raw("POST", "/healthz", None, b"").0, 405, "JSON for other verbs too");
}

#[test]
fn metrics_parse_and_move_with_traffic() {
    let server = Server::start();
    let product = product(
        &server,
        json!({"clientsallowed": 3,
               "features": [{"featurecode": "SEATS", "featurename": "Seats", "notes": "n", "featuretype": "floating"}]}),
    );
    let code = code(&server, &product, json!({"features": [{"featurecode": "SEATS", "limit": 5}]}));
    let before = scrape(&server);
    let get_code = [("route", "/api/LicenseCode"), ("method", "GET"), ("status", "200")];
    let query = format!("/api/LicenseCode?productid={product}&licensecode={code}");
    for _ in 0..3 {
        assert_eq!(server.raw("GET", &query, Some(&server.bearer("read_only")), b"").0, 200);
    }
    assert_eq!(server.raw("GET", "/api/NoSuchController", Some(&server.bearer("read_only")), b"").0, 404);
    let store = tempfile::tempdir().unwrap();
    let app = client(&server, &product, store.path());
    app.activate(&code).unwrap();
    app.floating_checkout("SEATS").unwrap();
    let after = scrape(&server);

    let moved =
        |name: &str, labels: &[(&str, &str)]| value(&after, name, labels) - value(&before, name, labels);
    assert_eq!(moved("licensekit_http_requests_total", &get_code), 3.0);
    let route = [("route", "/api/LicenseCode")];
    assert_eq!(moved("licensekit_http_request_duration_seconds_count", &route), 3.0);
    assert!(moved("licensekit_http_request_duration_seconds_sum", &route) > 0.0);
    let unknown = [("route", "/api/{controller}"), ("method", "GET"), ("status", "404")];
    assert_eq!(
        moved("licensekit_http_requests_total", &unknown),
        1.0,
        "an unknown controller by its template"
    );
    let activate = [("route", "/client/v1/activate"), ("method", "POST"), ("status", "200")];
    assert_eq!(moved("licensekit_http_requests_total", &activate), 1.0);
    assert_eq!(moved("licensekit_activations_total", &[]), 1.0);
    assert_eq!(moved("licensekit_seats_in_use", &[("kind", "activation")]), 1.0);
    assert_eq!(moved("licensekit_seats_in_use", &[("kind", "floating")]), 1.0);
    assert_eq!(value(&after, "licensekit_database_up", &[]), 1.0);
    let idle = value(&after, "licensekit_database_connections", &[("state", "idle")]);
    let in_use = value(&after, "licensekit_database_connections", &[("state", "in_use")]);
    assert!(idle >= 1.0 && idle + in_use >= 2.0, "idle {idle}, in use {in_use}");
    // The scrape itself was counted, by its route.
    assert!(
        value(
            &after,
            "licensekit_http_requests_total",
            &[("route", "/metrics"), ("method", "GET"), ("status", "200")]
        ) >= 1.0
    );

    app.deactivate().unwrap();
    let last = scrape(&server);
    assert_eq!(
        value(&last, "licensekit_seats_in_use", &[("kind", "activation")]),
        value(&before, "licensekit_seats_in_use", &[("kind", "activation")])
    );
}
