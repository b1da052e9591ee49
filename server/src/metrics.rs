//! `/metrics` in the Prometheus text format (version 0.0.4).
//!
//! Hand-written rather than through the `prometheus-client` or `metrics` crates: the server
//! exports a handful of series (requests by route template, method and status; one latency
//! histogram per route; activations; seats in use; the database pool), the format is a few
//! lines of text, and a dependency would bring a registry, macros and its own locking for
//! what one mutex-guarded map does here. Labels are bounded: routes are templates (a
//! controller or client operation the server knows, else the router's pattern), so a client
//! sending random paths cannot grow the map.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::store::operations::StoreFigures;

/// Upper bounds (seconds) of the latency histogram's buckets: from a cached read (well under
/// a millisecond) to a request that ran into a timeout.
const BUCKETS: [f64; 14] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// A route as a label: a template, never the path a client sent. Written as `prefix` then
/// `name` (`/api/` and `LicenseCode`), so that no label needs building per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RouteLabel {
    pub prefix: &'static str,
    pub name: &'static str,
}

impl std::fmt::Display for RouteLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.prefix, self.name)
    }
}

#[derive(Debug, Default)]
struct Histogram {
    /// Non-cumulative counts per bucket of [`BUCKETS`], then the overflow.
    counts: [u64; BUCKETS.len() + 1],
    sum: f64,
}

#[derive(Debug, Default)]
struct Requests {
    answered: BTreeMap<(RouteLabel, &'static str, u16), u64>,
    latency: BTreeMap<RouteLabel, Histogram>,
}

/// The server's counters, shared by every request.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<Requests>,
    activations: AtomicU64,
}

impl Metrics {
    /// Counts one answered request.
    pub fn record(&self, route: RouteLabel, method: &'static str, status: u16, took: Duration) {
        let seconds = took.as_secs_f64();
        let bucket = BUCKETS.iter().position(|&bound| seconds <= bound).unwrap_or(BUCKETS.len());
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        *requests.answered.entry((route, method, status)).or_default() += 1;
        let histogram = requests.latency.entry(route).or_default();
        histogram.counts[bucket] += 1;
        histogram.sum += seconds;
    }

    /// Counts one activation granted online.
    pub fn activation(&self) {
        self.activations.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition: the counters, then the database's figures (`None`: the database
    /// could not be read, reported as `licensekit_database_up 0`).
    pub fn render(&self, figures: Option<StoreFigures>) -> String {
        let mut out = String::with_capacity(4096);
        let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        header(
            &mut out,
            "licensekit_http_requests_total",
            "counter",
            "HTTP requests answered, by route template, method and status.",
        );
        for ((route, method, status), count) in &requests.answered {
            let _ = writeln!(
                out,
                "licensekit_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {count}"
            );
        }
        let name = "licensekit_http_request_duration_seconds";
        header(
            &mut out,
            name,
            "histogram",
            "Time from a request's head to its response's head, by route template.",
        );
        for (route, histogram) in &requests.latency {
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(histogram.counts) {
                cumulative += count;
                let _ = writeln!(out, "{name}_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}");
            }
            cumulative += histogram.counts[BUCKETS.len()];
            let _ = writeln!(out, "{name}_bucket{{route=\"{route}\",le=\"+Inf\"}} {cumulative}");
            let _ = writeln!(out, "{name}_sum{{route=\"{route}\"}} {}", histogram.sum);
            let _ = writeln!(out, "{name}_count{{route=\"{route}\"}} {cumulative}");
        }
        drop(requests);
        header(
            &mut out,
            "licensekit_activations_total",
            "counter",
            "Online activations granted since the server started.",
        );
        let _ = writeln!(out, "licensekit_activations_total {}", self.activations.load(Ordering::Relaxed));
        header(
            &mut out,
            "licensekit_database_up",
            "gauge",
            "1 when the database answered the figures below.",
        );
        let _ = writeln!(out, "licensekit_database_up {}", u8::from(figures.is_some()));
        if let Some(f) = figures {
            header(
                &mut out,
                "licensekit_seats_in_use",
                "gauge",
                "Seats held now: activations, and floating-feature seats checked out.",
            );
            let _ = writeln!(out, "licensekit_seats_in_use{{kind=\"activation\"}} {}", f.activations);
            let _ = writeln!(out, "licensekit_seats_in_use{{kind=\"floating\"}} {}", f.floating_seats);
            header(
                &mut out,
                "licensekit_database_connections",
                "gauge",
                "Database connections of the pool, by state.",
            );
            let _ = writeln!(out, "licensekit_database_connections{{state=\"idle\"}} {}", f.pool_idle);
            let _ = writeln!(
                out,
                "licensekit_database_connections{{state=\"in_use\"}} {}",
                f.pool_size.saturating_sub(f.pool_idle)
            );
        }
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_end_with_the_count() {
        let metrics = Metrics::default();
        let route = RouteLabel { prefix: "/api/", name: "LicenseCode" };
        metrics.record(route, "GET", 200, Duration::from_micros(300));
        metrics.record(route, "GET", 200, Duration::from_millis(3));
        metrics.record(route, "GET", 404, Duration::from_secs(60));
        let text = metrics.render(None);
        let line = |prefix: &str| {
            text.lines()
                .find(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("{prefix} in {text}"))
                .to_owned()
        };
        assert!(
            line("licensekit_http_requests_total{route=\"/api/LicenseCode\",method=\"GET\",status=\"200\"}")
                .ends_with(" 2")
        );
        assert!(
            line("licensekit_http_request_duration_seconds_bucket{route=\"/api/LicenseCode\",le=\"0.0005\"}")
                .ends_with(" 1")
        );
        assert!(
            line("licensekit_http_request_duration_seconds_bucket{route=\"/api/LicenseCode\",le=\"0.005\"}")
                .ends_with(" 2")
        );
        assert!(
            line("licensekit_http_request_duration_seconds_bucket{route=\"/api/LicenseCode\",le=\"10\"}")
                .ends_with(" 2")
        );
        assert!(
            line("licensekit_http_request_duration_seconds_bucket{route=\"/api/LicenseCode\",le=\"+Inf\"}")
                .ends_with(" 3")
        );
        assert!(
            line("licensekit_http_request_duration_seconds_count{route=\"/api/LicenseCode\"}")
                .ends_with(" 3")
        );
        assert_eq!(line("licensekit_database_up"), "licensekit_database_up 0");
        assert!(!text.contains("licensekit_seats_in_use{"), "no figures without the database");
    }
}
