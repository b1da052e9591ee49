//! License codes: the list (search by code, company or computer ID; sorted and paged by the
//! database), creating codes, and one code with its settings, features, notes, activations
//! and the capacity held now.

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::Value;

use super::html::{self, Cell, Table, esc, url};
use super::license_form::{self, SettingsKeys};
use super::{PAGE_SIZE, Signed, blocking, query_value, read, rows, sort_params, text};
use crate::datetime;
use crate::error::ApiError;
use crate::store::dashboard::{CodeSearch, CodeSort};
use crate::store::model::Page;

type PageQuery = Query<Vec<(String, String)>>;

/// The link to one code's page.
pub fn code_link(product_id: &str, code: &str) -> String {
    format!("/dashboard/code?productid={}&licensecode={}", url(product_id), url(code))
}

/// Where GET LicenseCode keeps the settings the code's settings form edits.
const CODE_KEYS: SettingsKeys = SettingsKeys {
    license_type: "licensetype",
    clients_allowed: "clientsallowed",
    client_lease: "clientLeaseperiod",
    subscription_end: "subscriptionEnddate",
    maintenance_end: "maintenanceEnddate",
};

/// GET /dashboard/codes.
pub async fn list(
    State(state): State<Arc<super::AppState>>,
    signed: Signed,
    Query(query): PageQuery,
) -> Response {
    let (number, sort, descending) = super::list_query(&query);
    let sort = CodeSort::from_name(sort).unwrap_or(CodeSort::Created);
    let descending = if query_value(&query, "sort").is_empty() { true } else { descending };
    let find = query_value(&query, "code").to_owned();
    let product = query_value(&query, "productid").to_owned();
    let csv = query_value(&query, "format") == "csv";
    let page = if csv { Page { number: 1, size: i64::MAX / 2 } } else { Page { number, size: PAGE_SIZE } };
    let search = CodeSearch {
        text: (!find.is_empty()).then(|| find.clone()),
        product_id: (!product.is_empty()).then(|| product.clone()),
        sort,
        descending,
        page,
    };
    let found = blocking(&state, move |store| store.search_codes(&search)).await;
    let (total, found) = match found {
        Ok(found) => found,
        Err(error) => return super::error_page(Some(&signed), &error),
    };
    let mut table = Table::new(&[
        ("License code", Some("code")),
        ("Product", Some("product")),
        ("Company", Some("company")),
        ("Enabled", Some("enabled")),
        ("License type", None),
        ("Activations allowed", None),
        ("Active", Some("activations")),
        ("Created (UTC)", Some("created")),
        ("Modified (UTC)", Some("modified")),
    ]);
    for row in found {
        table.rows.push(vec![
            Cell::Link(row.code.clone(), code_link(&row.product_id, &row.code)),
            row.product_name.into(),
            row.company.into(),
            if row.enabled { "yes" } else { "no" }.into(),
            row.license_type.into(),
            row.clients_allowed.into(),
            row.activations.into(),
            html::when(&datetime::format(row.created)).into(),
            html::when(&datetime::format(row.modified)).into(),
        ]);
    }
    if csv {
        return super::csv_response(&signed, "License codes", &table);
    }
    let products = match read(&state, &signed, "Products", &[]).await {
        Ok(products) => products,
        Err(error) => return super::error_page(Some(&signed), &error),
    };
    let base = format!("/dashboard/codes?code={}&productid={}&", url(&find), url(&product));
    let mut body = String::new();
    let mut options = vec![("", "Every product")];
    let names: Vec<(String, String)> =
        rows(&products).iter().map(|p| (text(p, "productId"), text(p, "productName"))).collect();
    options.extend(names.iter().map(|(id, name)| (id.as_str(), name.as_str())));
    let _ = write!(
        body,
        "<form method=\"get\" action=\"/dashboard/codes\" class=\"box search\" role=\"search\">{}{}\
         <p><button type=\"submit\">Search</button></p></form>",
        html::input("code", "Code, company or computer ID", &find, "size=\"30\""),
        html::select("productid", "Product", &options, &product),
    );
    body.push_str(&table.html("License codes", &base, Some((sort.name(), descending))));
    body.push_str(&html::pager(
        &format!("{base}{}", sort_params(sort.name(), descending)),
        number,
        PAGE_SIZE,
        total,
    ));
    if signed.can_change() && !names.is_empty() {
        let products: Vec<(&str, &str)> =
            names.iter().map(|(id, name)| (id.as_str(), name.as_str())).collect();
        let fields = format!(
            "{}{}{}{}{}",
            html::select("productid", "Product", &products, &product),
            html::input("numcodes", "How many new codes", "1", "type=\"number\" min=\"1\" max=\"10000\""),
            html::input("profilename", "Profile (empty: Default)", "", ""),
            html::input("companyid", "Company ID (optional)", "", "type=\"number\" min=\"0\""),
            html::textarea("licensecodes", "Or import these codes (comma-separated; replaces the count)", 2),
        );
        body.push_str("<h2>Create license codes</h2>");
        body.push_str(&html::action_form(
            &signed.session.csrf,
            "LicenseCode",
            "POST",
            "/dashboard/codes?sort=created&order=desc",
            &fields,
            "Create codes",
            "box",
        ));
    }
    signed.answer("License codes", "/dashboard/codes", Ok(body))
}

/// GET /dashboard/code?productid=…&licensecode=….
pub async fn one(
    State(state): State<Arc<super::AppState>>,
    signed: Signed,
    Query(query): PageQuery,
) -> Response {
    let product = query_value(&query, "productid").to_owned();
    let code = query_value(&query, "licensecode").to_owned();
    let body = one_body(&state, &signed, &product, &code).await;
    signed.answer("License code", "/dashboard/codes", body)
}

fn on_off(value: &str) -> String {
    let on = value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("on");
    format!("<span class=\"{}\">{}</span>", if on { "on" } else { "off" }, if on { "yes" } else { "no" })
}

async fn one_body(
    state: &Arc<super::AppState>,
    signed: &Signed,
    product: &str,
    code: &str,
) -> Result<String, ApiError> {
    let pair = [("productid", product), ("licensecode", code)];
    let found = read(
        state,
        signed,
        "LicenseCode",
        &[
            ("productid", product),
            ("licensecode", code),
            ("details", "1"),
            ("getnotes", "1"),
            ("userdetails", "1"),
        ],
    )
    .await?;
    let lc = rows(&found).first().cloned().ok_or_else(|| ApiError::not_found("licensecode: no such code"))?;
    let activity =
        read(state, signed, "LicenseCodeActivity", &[pair[0], pair[1], ("getsysinfo", "1")]).await?;
    let held_code = code.to_owned();
    let now = datetime::now_millis();
    let (holdings, contacts) =
        blocking(state, move |store| Ok((store.holdings(&held_code, now)?, store.contacts(&held_code)?)))
            .await?;
    let here = code_link(product, code);
    let csrf = &signed.session.csrf;
    let pid = html::hidden("productid", product);
    let lcf = html::hidden("licensecode", code);
    let mut h = String::new();

    // The settings.
    let enabled = text(&lc, "enabledforuse");
    let _ = write!(
        h,
        "<div class=\"cols\"><section><h2>Settings</h2><dl class=\"facts\"><dt>Code</dt><dd><code>{}</code></dd>",
        esc(code)
    );
    let facts = [
        ("Product", "productID"),
        ("Company", "company"),
        ("Company ID", "companyID"),
        ("License type", "licensetype"),
        ("Activations allowed", "clientsallowed"),
        ("Activations", "numActivations"),
        ("Profile", "profilename"),
        ("Client lease (hours)", "clientLeaseperiod"),
        ("Offline lease (hours)", "clientOfflineLeaseperiod"),
        ("Network seats", "networkseats"),
        ("Concurrency", "concurrencyMode"),
        ("Subscription days", "subscriptionperiod"),
        ("Subscription ends", "subscriptionEnddate"),
        ("Maintenance ends", "maintenanceEnddate"),
    ];
    let _ = write!(h, "<dt>Enabled</dt><dd>{}</dd>", on_off(&enabled));
    for (label, key) in facts {
        let _ = write!(h, "<dt>{}</dt><dd>{}</dd>", esc(label), esc(&text(&lc, key)));
    }
    h.push_str("</dl></section>");
    if signed.can_change() {
        let enable = enabled.eq_ignore_ascii_case("true");
        h.push_str("<section><h2>Change</h2>");
        h.push_str(&html::action_form(
            csrf,
            "LicenseCode",
            "PUT",
            &here,
            &format!("{pid}{lcf}{}", html::hidden("enabledforuse", if enable { "false" } else { "true" })),
            if enable { "Disable the code" } else { "Enable the code" },
            "box",
        ));
        let fields = format!(
            "{pid}{lcf}{}{}",
            license_form::settings_fields(&lc, &CODE_KEYS),
            html::input("companyid", "Company ID", &text(&lc, "companyID"), "type=\"number\" min=\"0\""),
        );
        h.push_str(&html::action_form(csrf, "LicenseCode", "PUT", &here, &fields, "Save settings", "box"));
        h.push_str("</section>");
    }
    h.push_str("</div>");

    // Features, with the capacity they hold and who holds it.
    h.push_str("<h2>Features</h2>");
    let features = lc.get("features").map(rows).unwrap_or_default();
    let mut table =
        Table::new(&[("Feature", None), ("Type", None), ("Available", None), ("In use and by whom", None)]);
    for f in features {
        let details: Vec<String> = f
            .get("featureDetails")
            .map(rows)
            .unwrap_or_default()
            .iter()
            .filter_map(|d| d.as_str().map(str::to_owned))
            .collect();
        table.rows.push(vec![
            text(f, "featureCode").into(),
            text(f, "featureType").into(),
            Cell::Html(on_off(&text(f, "featureAvailability"))),
            details.join("; ").into(),
        ]);
    }
    h.push_str(&table.html("Features of this code", "", None));
    if signed.can_change() && !features.is_empty() {
        h.push_str(&html::action_form(
            csrf,
            "LicenseCode",
            "PUT",
            &here,
            &format!("{pid}{lcf}{}", license_form::availability_fields(features)),
            "Save feature availability",
            "box",
        ));
    }

    // Activations.
    h.push_str("<h2>Activations</h2>");
    let mut table = Table::new(&[
        ("Computer ID", None),
        ("Status", None),
        ("Computer", None),
        ("Operating system", None),
        ("VM platform", None),
        ("User", None),
        ("Activated (UTC)", None),
        ("Last contact (UTC)", None),
        ("Lease ends (UTC)", None),
        ("Deactivated (UTC)", None),
        ("", None),
    ]);
    for a in rows(&activity) {
        let info = a.get("systemInfo").cloned().unwrap_or(Value::Null);
        let computer = text(a, "computerID");
        let contact = contacts.iter().find(|(c, _)| *c == computer).map(|(_, t)| datetime::format(*t));
        let status = text(a, "status");
        let actions = if signed.can_change() && status == "ACTIVATED" {
            html::action_form(
                csrf,
                "LicenseCodeActivity",
                "DELETE",
                &here,
                &format!("{pid}{lcf}{}", html::hidden("computerid", &computer)),
                "Delete",
                "inline",
            )
        } else {
            String::new()
        };
        table.rows.push(vec![
            computer.into(),
            status.into(),
            text(&info, "computername").into(),
            format!("{} {}", text(&info, "operatingsystem"), text(&info, "version")).trim().to_owned().into(),
            text(a, "vmPlatform").into(),
            text(a, "username").into(),
            html::when(&text(a, "activated")).into(),
            contact.as_deref().map_or(String::new(), html::when).into(),
            html::when(&text(a, "clientleaseenddate")).into(),
            html::when(&text(a, "deactivated")).into(),
            Cell::Html(actions),
        ]);
    }
    h.push_str(&table.html("Activations of this code", "", None));
    if signed.can_change() && !rows(&activity).is_empty() {
        h.push_str(&html::action_form(
            csrf,
            "LicenseCodeActivity",
            "PUT",
            &here,
            &format!("{pid}{lcf}"),
            "Return every activation (each client learns it at its next refresh)",
            "box",
        ));
    }

    // Capacity held now.
    h.push_str("<h2>Capacity in use</h2>");
    let mut table = Table::new(&[
        ("Held", None),
        ("Feature", None),
        ("Computer ID", None),
        ("User", None),
        ("Amount", None),
        ("Since (UTC)", None),
        ("Until (UTC)", None),
    ]);
    for held in holdings {
        table.rows.push(vec![
            held.what.into(),
            held.feature.into(),
            held.computer_id.into(),
            held.username.into(),
            held.amount.into(),
            html::when(&datetime::format(held.since)).into(),
            html::when(&datetime::format(held.expires)).into(),
        ]);
    }
    h.push_str(&table.html("Floating seats, element pools and tokens held", "", None));

    // Notes.
    h.push_str("<h2>Notes</h2>");
    let notes = lc.get("notes").map(rows).unwrap_or_default();
    let mut table = Table::new(&[("Type", None), ("Note", None), ("Created (UTC)", None), ("", None)]);
    for n in notes {
        let id = text(n, "noteID");
        let delete = if signed.can_change() {
            html::action_form(
                csrf,
                "LicenseNote",
                "DELETE",
                &here,
                &format!("{pid}{lcf}{}", html::hidden("noteid", &id)),
                "Delete",
                "inline",
            )
        } else {
            String::new()
        };
        table.rows.push(vec![
            text(n, "type").into(),
            text(n, "description").into(),
            text(n, "created").into(),
            Cell::Html(delete),
        ]);
    }
    h.push_str(&table.html("Notes on this code", "", None));
    if signed.can_change() {
        let fields = format!(
            "{pid}{lcf}{}{}",
            html::hidden("type", "General"),
            html::input("description", "New note", "", "size=\"60\" required")
        );
        h.push_str(&html::action_form(csrf, "LicenseNote", "POST", &here, &fields, "Add note", "box"));
    }
    Ok(h)
}
