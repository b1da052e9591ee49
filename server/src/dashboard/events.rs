//! Events (DataStreamer's and the clients' queues): counts over time as a chart drawn on the
//! server (SVG, no script), and the events themselves.

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::Response;

use super::html::{self, Table, esc, url};
use super::{AppState, Signed, blocking, list_page, product_select, products, query_value, read, rows, text};
use crate::datetime;
use crate::store::dashboard::EventCount;

type PageQuery = Query<Vec<(String, String)>>;

const DAY: i64 = 86_400_000;

/// GET /dashboard/events?productid=…&days=….
pub async fn page(State(state): State<Arc<AppState>>, signed: Signed, Query(query): PageQuery) -> Response {
    let product = query_value(&query, "productid").to_owned();
    let days =
        query_value(&query, "days").parse::<i64>().ok().filter(|d| (1..=366).contains(d)).unwrap_or(30);
    let today = datetime::now_millis() / DAY * DAY;
    let start = today - (days - 1) * DAY;
    let start_text = datetime::format(start);
    let counted = {
        let product = (!product.is_empty()).then(|| product.clone());
        blocking(&state, move |store| store.event_counts(product.as_deref(), start, DAY)).await
    };
    let mut ask = vec![("startdate", start_text.as_str()), ("pagenumber", "1"), ("pagesize", "10000")];
    if !product.is_empty() {
        ask.push(("productid", product.as_str()));
    }
    let (counts, list, products) =
        match (counted, read(&state, &signed, "Events", &ask).await, products(&state, &signed).await) {
            (Ok(c), Ok(l), Ok(p)) => (c, l, p),
            (Err(error), _, _) | (_, Err(error), _) | (_, _, Err(error)) => {
                return super::error_page(Some(&signed), &error);
            }
        };
    let mut table = Table::new(&[
        ("Occurred (UTC)", Some("occurred")),
        ("Event", Some("event")),
        ("Product", Some("product")),
        ("Source", Some("source")),
        ("Computer ID", Some("computer")),
        ("Payload", None),
    ]);
    for e in rows(&list) {
        table.rows.push(vec![
            html::when(&text(e, "occurred")).into(),
            text(e, "event").into(),
            text(e, "productID").into(),
            text(e, "source").into(),
            text(e, "computerID").into(),
            text(e, "payload").into(),
        ]);
    }
    let mut query = query;
    if query_value(&query, "sort").is_empty() {
        query.push(("sort".into(), "occurred".into()));
        query.push(("order".into(), "desc".into()));
    }
    let before = format!(
        "<form method=\"get\" action=\"/dashboard/events\" class=\"box search\">{}{}<p><button type=\"submit\">Show</button></p></form>{}{}",
        product_select(&products, Some(("", "Every product")), &product),
        html::input("days", "Days", &days.to_string(), "type=\"number\" min=\"1\" max=\"366\""),
        chart(&counts, start, days),
        totals(&counts),
    );
    let base = format!("/dashboard/events?productid={}&days={days}&", url(&product));
    list_page(&signed, "Events", "/dashboard/events", &query, &base, table, (&before, ""))
}

/// Events per day as bars, one a day from `start`.
pub fn chart(counts: &[EventCount], start: i64, days: i64) -> String {
    let mut per_day = vec![0i64; days as usize];
    for c in counts {
        if let Some(slot) = usize::try_from((c.bucket - start) / DAY).ok().and_then(|i| per_day.get_mut(i)) {
            *slot += c.count;
        }
    }
    let max = per_day.iter().copied().max().unwrap_or(0).max(1);
    let total: i64 = per_day.iter().sum();
    let (width, height, left, bottom) = (800.0_f64, 200.0_f64, 44.0_f64, 22.0_f64);
    let plot = width - left - 8.0;
    let step = plot / days as f64;
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" \
         aria-label=\"Events per day over the last {days} days: {total} in all, at most {max} a day\" \
         xmlns=\"http://www.w3.org/2000/svg\" font-family=\"system-ui, sans-serif\" font-size=\"11\">"
    );
    let top = 10.0;
    let scale = (height - bottom - top) / max as f64;
    let _ = write!(
        svg,
        "<line x1=\"{left}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#8c959f\"/>\
         <text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\">{max}</text><text x=\"{lx}\" y=\"{y}\" text-anchor=\"end\">0</text>\
         <line x1=\"{left}\" y1=\"{top}\" x2=\"{x2}\" y2=\"{top}\" stroke=\"#d0d7de\" stroke-dasharray=\"3 3\"/>",
        y = height - bottom,
        x2 = width - 8.0,
        lx = left - 6.0,
        ty = top + 4.0,
    );
    for (i, n) in per_day.iter().enumerate() {
        let h = *n as f64 * scale;
        let x = left + i as f64 * step + step * 0.1;
        let day = datetime::format(start + i as i64 * DAY);
        let day = day.get(..10).unwrap_or(&day);
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#0a58ca\"><title>{day}: {n}</title></rect>",
            height - bottom - h,
            (step * 0.8).max(1.0),
        );
    }
    let first = datetime::format(start);
    let last = datetime::format(start + (days - 1) * DAY);
    let _ = write!(
        svg,
        "<text x=\"{left}\" y=\"{y}\">{}</text><text x=\"{x}\" y=\"{y}\" text-anchor=\"end\">{}</text></svg>",
        esc(first.get(..10).unwrap_or(&first)),
        esc(last.get(..10).unwrap_or(&last)),
        y = height - 6.0,
        x = width - 8.0,
    );
    svg
}

/// The counts by event name over the period, as a small table.
fn totals(counts: &[EventCount]) -> String {
    let mut names: Vec<(String, i64)> = Vec::new();
    for c in counts {
        match names.iter_mut().find(|(n, _)| *n == c.name) {
            Some((_, total)) => *total += c.count,
            None => names.push((c.name.clone(), c.count)),
        }
    }
    names.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut table = Table::new(&[("Event", None), ("Count", None)]);
    for (name, total) in names {
        table.rows.push(vec![name.into(), total.into()]);
    }
    table.html("Counts by event over the period", "", None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chart_has_a_bar_a_day_and_escapes_nothing_it_did_not_write() {
        let counts = [
            EventCount { bucket: 0, name: "a".into(), count: 3 },
            EventCount { bucket: DAY, name: "b".into(), count: 5 },
            EventCount { bucket: 99 * DAY, name: "late".into(), count: 1 },
        ];
        let svg = chart(&counts, 0, 7);
        assert_eq!(svg.matches("<rect").count(), 7);
        assert!(svg.contains("8 in all, at most 5 a day"));
        assert!(svg.contains("1970-01-02: 5"));
    }
}
