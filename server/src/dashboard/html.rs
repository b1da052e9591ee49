//! HTML written on the server: escaping, the page around every view, tables that are also
//! CSV, and form pieces. Plain Rust rather than a template engine: the pages are few and
//! small, every value goes through [`esc`] (or [`attr`]), and nothing is loaded at run time.

use std::fmt::{self, Display, Write};

/// Text escaped for HTML element content and quoted attribute values.
pub struct Esc<'a>(pub &'a str);

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&#39;")?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// Shorthand for [`Esc`].
pub fn esc(text: &str) -> Esc<'_> {
    Esc(text)
}

/// A query-string component, percent-encoded (for links built from stored values).
pub fn url(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A stored time (`2026-12-04T03:41:22.105`) as the pages show it: to the second, a space
/// for the `T`; the Web API's `1900-01-01T00:00:00` for "never" as nothing.
pub fn when(text: &str) -> String {
    if text.starts_with("1900-01-01") {
        return String::new();
    }
    text.get(..19).unwrap_or(text).replacen('T', " ", 1)
}

/// The style sheet, embedded: no CDN, no external font, works offline.
pub const STYLE: &str = include_str!("style.css");

/// The sections of the navigation bar: (path, label).
const SECTIONS: &[(&str, &str)] = &[
    ("/dashboard/codes", "License codes"),
    ("/dashboard/products", "Products"),
    ("/dashboard/companies", "Companies"),
    ("/dashboard/trials", "Trials"),
    ("/dashboard/consumers", "Consumer data"),
    ("/dashboard/events", "Events"),
    ("/dashboard/offline", "Air-gapped"),
];

/// Who is signed in, for the page header.
pub struct Viewer<'a> {
    /// `READ-WRITE` or `READ-ONLY`.
    pub kind: &'a str,
    pub csrf: &'a str,
    /// The last change's answer, shown once.
    pub flash: &'a str,
}

/// A whole page: the header (navigation, who is signed in, sign-out), the flash message, then
/// `body`.
pub fn page(title: &str, viewer: Option<&Viewer<'_>>, current: &str, body: &str) -> String {
    let mut h = String::with_capacity(body.len() + 2048);
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · licensekit</title><link rel=\"stylesheet\" href=\"/dashboard/style.css\"></head><body>\
         <a class=\"skip\" href=\"#main\">Skip to content</a><header><span class=\"brand\">licensekit</span>",
        esc(title)
    );
    if let Some(viewer) = viewer {
        h.push_str("<nav aria-label=\"Sections\"><ul>");
        for (path, label) in SECTIONS {
            let here = if current == *path { " aria-current=\"page\"" } else { "" };
            let _ = write!(h, "<li><a href=\"{path}\"{here}>{label}</a></li>");
        }
        let _ = write!(
            h,
            "</ul></nav><form class=\"who\" method=\"post\" action=\"/dashboard/sign-out\">\
             <span class=\"kind\">{}</span>{}<button type=\"submit\">Sign out</button></form>",
            esc(viewer.kind),
            csrf_field(viewer.csrf)
        );
    }
    let _ = write!(h, "</header><main id=\"main\"><h1>{}</h1>", esc(title));
    if let Some(viewer) = viewer.filter(|v| !v.flash.is_empty()) {
        let _ = write!(h, "<p class=\"flash\" role=\"status\">{}</p>", esc(viewer.flash));
    }
    h.push_str(body);
    h.push_str("</main></body></html>\n");
    h
}

/// The hidden field of the session's form token, in every form.
pub fn csrf_field(token: &str) -> String {
    format!("<input type=\"hidden\" name=\"_csrf\" value=\"{}\">", esc(token))
}

/// A hidden field.
pub fn hidden(name: &str, value: &str) -> String {
    format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", esc(name), esc(value))
}

/// A labelled text input; `id` doubles as the field name.
pub fn input(name: &str, label: &str, value: &str, extra: &str) -> String {
    format!(
        "<p><label for=\"f-{n}\">{}</label> <input id=\"f-{n}\" name=\"{n}\" value=\"{}\" {extra}></p>",
        esc(label),
        esc(value),
        n = esc(name)
    )
}

/// `fields` (made by [`input`], [`select`] and [`textarea`]) with their ids prefixed by
/// `scope`, so that one page can hold several forms with the same field names (an edit form
/// for each feature) and each label still names its own input. Safe on escaped HTML: a value
/// cannot hold `id="` or `for="`, its quotes being escaped.
pub fn scoped(scope: &str, fields: &str) -> String {
    let scope = url(scope);
    fields.replace("id=\"f-", &format!("id=\"f-{scope}-")).replace("for=\"f-", &format!("for=\"f-{scope}-"))
}

/// A labelled choice of `options` (value, label), `selected` chosen.
pub fn select(name: &str, label: &str, options: &[(&str, &str)], selected: &str) -> String {
    let mut h = format!(
        "<p><label for=\"f-{n}\">{}</label> <select id=\"f-{n}\" name=\"{n}\">",
        esc(label),
        n = esc(name)
    );
    for (value, text) in options {
        let chosen = if *value == selected { " selected" } else { "" };
        let _ = write!(h, "<option value=\"{}\"{chosen}>{}</option>", esc(value), esc(text));
    }
    h.push_str("</select></p>");
    h
}

/// A labelled text area.
pub fn textarea(name: &str, label: &str, rows: u32) -> String {
    format!(
        "<p><label for=\"f-{n}\">{}</label><br><textarea id=\"f-{n}\" name=\"{n}\" rows=\"{rows}\" cols=\"80\" spellcheck=\"false\"></textarea></p>",
        esc(label),
        n = esc(name)
    )
}

/// A form that runs one Web API endpoint (see `super::run`): `controller` and `method` name
/// it, `next` is where to go once it succeeded, `fields` the form's inputs (already HTML).
pub fn action_form(
    csrf: &str,
    controller: &str,
    method: &str,
    next: &str,
    fields: &str,
    button: &str,
    class: &str,
) -> String {
    format!(
        "<form method=\"post\" action=\"/dashboard/run/{}\" class=\"{class}\">{}{}{}{fields}\
         <button type=\"submit\">{}</button></form>",
        esc(controller),
        csrf_field(csrf),
        hidden("_method", method),
        hidden("_next", next),
        esc(button)
    )
}

/// A table cell: text, or text that links somewhere.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Link(String, String),
    /// HTML written by the view (buttons); empty in CSV.
    Html(String),
}

impl Cell {
    fn text(&self) -> &str {
        match self {
            Cell::Text(t) | Cell::Link(t, _) => t,
            Cell::Html(_) => "",
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::Text(text.to_owned())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Text(n.to_string())
    }
}

/// A list as both an HTML table and CSV: the same rows either way.
#[derive(Debug, Default)]
pub struct Table {
    /// Column labels, and the `sort` name of those the server sorts by.
    pub columns: Vec<(&'static str, Option<&'static str>)>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(columns: &[(&'static str, Option<&'static str>)]) -> Table {
        Table { columns: columns.to_vec(), rows: Vec::new() }
    }

    /// The table; headers of sortable columns link to `base` sorted by them (the order
    /// flipped when already so), `base` ending in `?` or `&`.
    pub fn html(&self, caption: &str, base: &str, sort: Option<(&str, bool)>) -> String {
        let mut h = format!("<div class=\"scroll\"><table><caption>{}</caption><thead><tr>", esc(caption));
        for (label, key) in &self.columns {
            match key {
                Some(key) => {
                    let (mark, next) = match sort {
                        Some((current, descending)) if current == *key => {
                            (if descending { " ▼" } else { " ▲" }, if descending { "asc" } else { "desc" })
                        }
                        _ => ("", "asc"),
                    };
                    let aria = match sort {
                        Some((current, d)) if current == *key => {
                            if d {
                                " aria-sort=\"descending\""
                            } else {
                                " aria-sort=\"ascending\""
                            }
                        }
                        _ => "",
                    };
                    let _ = write!(
                        h,
                        "<th scope=\"col\"{aria}><a href=\"{}sort={key}&amp;order={next}\">{}{mark}</a></th>",
                        esc(base),
                        esc(label)
                    );
                }
                None => {
                    let _ = write!(h, "<th scope=\"col\">{}</th>", esc(label));
                }
            }
        }
        h.push_str("</tr></thead><tbody>");
        if self.rows.is_empty() {
            let _ = write!(h, "<tr><td colspan=\"{}\">None.</td></tr>", self.columns.len().max(1));
        }
        for row in &self.rows {
            h.push_str("<tr>");
            for cell in row {
                match cell {
                    Cell::Text(t) => {
                        let _ = write!(h, "<td>{}</td>", esc(t));
                    }
                    Cell::Link(t, href) => {
                        let _ = write!(h, "<td><a href=\"{}\">{}</a></td>", esc(href), esc(t));
                    }
                    Cell::Html(html) => {
                        let _ = write!(h, "<td>{html}</td>");
                    }
                }
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table></div>");
        h
    }

    /// The same rows as CSV (the labelled columns).
    pub fn csv(&self) -> Result<Vec<u8>, csv::Error> {
        // A column without a label holds buttons, not data.
        let keep: Vec<usize> = (0..self.columns.len()).filter(|&i| !self.columns[i].0.is_empty()).collect();
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(keep.iter().map(|&i| self.columns[i].0))?;
        for row in &self.rows {
            writer.write_record(keep.iter().map(|&i| row.get(i).map_or("", Cell::text)))?;
        }
        writer.into_inner().map_err(|e| e.into_error().into())
    }

    /// Sorts the rows by the column whose sort name is `key` (numbers as numbers), for lists
    /// the server holds whole.
    pub fn sort(&mut self, key: &str, descending: bool) {
        let Some(i) = self.columns.iter().position(|(_, k)| *k == Some(key)) else { return };
        self.rows.sort_by(|a, b| {
            let (a, b) = (a.get(i).map_or("", Cell::text), b.get(i).map_or("", Cell::text));
            let order = match (a.parse::<i64>(), b.parse::<i64>()) {
                (Ok(x), Ok(y)) => x.cmp(&y),
                _ => a.to_lowercase().cmp(&b.to_lowercase()),
            };
            if descending { order.reverse() } else { order }
        });
    }

    /// Keeps page `number` (1-based) of `size` rows; returns how many there were.
    pub fn page(&mut self, number: i64, size: i64) -> i64 {
        let total = self.rows.len() as i64;
        let start = ((number.max(1) - 1) * size).min(total) as usize;
        let end = (start + size as usize).min(self.rows.len());
        self.rows = self.rows.drain(start..end).collect();
        total
    }
}

/// Links to the pages around `number` of a list of `total` rows, `size` a page; `base` ends
/// in `?` or `&` and keeps the list's search and sort.
pub fn pager(base: &str, number: i64, size: i64, total: i64) -> String {
    let pages = ((total + size - 1) / size).max(1);
    let mut h = format!(
        "<nav class=\"pager\" aria-label=\"Pages\"><span>{total} in all · page {number} of {pages}</span>"
    );
    if number > 1 {
        let _ = write!(h, " <a href=\"{}page={}\" rel=\"prev\">← Previous</a>", esc(base), number - 1);
    }
    if number < pages {
        let _ = write!(h, " <a href=\"{}page={}\" rel=\"next\">Next →</a>", esc(base), number + 1);
    }
    let _ = write!(h, " <a href=\"{}format=csv\">Export CSV</a></nav>", esc(base));
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>").to_string(),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(url("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(when("2026-12-04T03:41:22.105"), "2026-12-04 03:41:22");
        assert_eq!(when("1900-01-01T00:00:00"), "");
        let field = scoped("udf 1", &input("n", "N", "id=\"f-x", ""));
        assert_eq!(
            field,
            "<p><label for=\"f-udf%201-n\">N</label> <input id=\"f-udf%201-n\" name=\"n\" value=\"id=&quot;f-x\" ></p>"
        );
    }

    #[test]
    fn tables_sort_page_and_export() {
        let mut t = Table::new(&[("Name", Some("name")), ("Count", Some("count")), ("", None)]);
        for (name, n) in [("b", 10), ("a", 9), ("c", 100)] {
            t.rows.push(vec![name.into(), Cell::from(n), Cell::Html("<button>x</button>".into())]);
        }
        t.sort("count", true);
        assert_eq!(t.rows[0][0].text(), "c");
        assert_eq!(t.page(2, 2), 3);
        assert_eq!(t.rows.len(), 1);
        assert_eq!(String::from_utf8(t.csv().unwrap()).unwrap(), "Name,Count\na,9\n");
    }
}
