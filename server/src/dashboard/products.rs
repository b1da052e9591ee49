//! Products with their features, feature groups, UDFs and profiles; creating and editing them
//! through the Product, ProductFeatures, ProductFeatureGroups, ProductUDF and Profile
//! endpoints.

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::Response;

use super::html::{self, Cell, Table, url};
use super::{AppState, Signed, query_value, read, rows, text};
use crate::error::ApiError;

type PageQuery = Query<Vec<(String, String)>>;

fn product_link(id: &str) -> String {
    format!("/dashboard/product?productid={}", url(id))
}

const LICENSE_TYPES: &[(&str, &str)] = &[
    ("perpetual", "Perpetual"),
    ("subscriptionperiod", "Subscription period"),
    ("expirationdate", "Expiration date"),
];

/// GET /dashboard/products.
pub async fn list(State(state): State<Arc<AppState>>, signed: Signed, Query(query): PageQuery) -> Response {
    let products = match read(&state, &signed, "Products", &[]).await {
        Ok(products) => products,
        Err(error) => return super::error_page(Some(&signed), &error),
    };
    let mut table = Table::new(&[
        ("Product", Some("name")),
        ("Product ID", Some("id")),
        ("License type", Some("type")),
        ("Activations allowed", Some("clients")),
        ("Client lease (hours)", None),
        ("Trial days", None),
        ("Features", Some("features")),
    ]);
    for p in rows(&products) {
        let id = text(p, "productId");
        table.rows.push(vec![
            Cell::Link(text(p, "productName"), product_link(&id)),
            id.into(),
            text(p, "licenseType").into(),
            text(p, "clientsAllowed").into(),
            text(p, "clientLeasePeriod").into(),
            text(p, "trialPeriod").into(),
            (p.get("features").map(rows).unwrap_or_default().len() as i64).into(),
        ]);
    }
    let mut after = String::new();
    if signed.can_change() {
        let fields = format!(
            "<div class=\"cols\"><div>{}{}{}{}</div><div>{}{}{}{}</div></div>",
            html::input("productname", "Name", "", "required size=\"30\""),
            html::select("licensetype", "License type", LICENSE_TYPES, "perpetual"),
            html::input(
                "subscriptionperiod",
                "Subscription days (subscription period)",
                "",
                "type=\"number\" min=\"0\""
            ),
            html::input("subscriptionenddate", "End date (expiration date, YYYY-MM-DD)", "", ""),
            html::input(
                "clientsallowed",
                "Activations allowed per code",
                "1",
                "type=\"number\" min=\"1\" max=\"50000\""
            ),
            html::input(
                "clientleaseperiod",
                "Client lease (hours, 0: none)",
                "",
                "type=\"number\" min=\"0\""
            ),
            html::input("clientofflineleaseperiod", "Offline lease (days)", "", "type=\"number\" min=\"0\""),
            html::select("intrial", "Trials", &[("false", "No trials"), ("true", "Trials allowed")], "false"),
        );
        after = format!(
            "<h2>Create a product</h2>{}",
            html::action_form(
                &signed.session.csrf,
                "Product",
                "POST",
                "/dashboard/products",
                &format!(
                    "{fields}<p class=\"muted\">Features, feature groups, UDFs and profiles are added on the product's page.</p>"
                ),
                "Create product",
                "box",
            )
        );
    }
    super::list_page(
        &signed,
        "Products",
        "/dashboard/products",
        &query,
        "/dashboard/products?",
        table,
        ("", &after),
    )
}

/// GET /dashboard/product?productid=….
pub async fn one(State(state): State<Arc<AppState>>, signed: Signed, Query(query): PageQuery) -> Response {
    let id = query_value(&query, "productid").to_owned();
    let body = one_body(&state, &signed, &id).await;
    signed.answer("Product", "/dashboard/products", body)
}

async fn one_body(state: &Arc<AppState>, signed: &Signed, id: &str) -> Result<String, ApiError> {
    let found = read(state, signed, "Product", &[("productid", id)]).await?;
    let p = rows(&found).first().cloned().ok_or_else(|| ApiError::not_found("productid: no such product"))?;
    let profiles =
        read(state, signed, "Profiles", &[("productid", id), ("pagenumber", "1"), ("pagesize", "10000")])
            .await?;
    let here = product_link(id);
    let csrf = &signed.session.csrf;
    let pid = html::hidden("productid", id);
    let change = signed.can_change();
    let mut h = String::new();
    let _ = write!(
        h,
        "<div class=\"cols\"><section><h2>{}</h2><dl class=\"facts\">",
        html::esc(&text(&p, "productName"))
    );
    for (label, key) in [
        ("Product ID", "productId"),
        ("License type", "licenseType"),
        ("Activations allowed", "clientsAllowed"),
        ("Client lease (hours)", "clientLeasePeriod"),
        ("VM lease (hours)", "vmLeasePeriod"),
        ("Offline lease (hours)", "clientOfflineLeasePeriod"),
        ("Trial days", "trialPeriod"),
        ("Offline request valid (days)", "offlineRequestDays"),
        ("Clone policy", "clonePolicy"),
    ] {
        let _ = write!(h, "<dt>{}</dt><dd>{}</dd>", html::esc(label), html::esc(&text(&p, key)));
    }
    let _ = write!(
        h,
        "</dl><p><a href=\"/dashboard/codes?productid={}\">This product's license codes</a></p></section>",
        url(id)
    );
    if change {
        let fields = format!(
            "{pid}{}{}{}{}<p class=\"muted\">Blank fields stay as they are.</p>",
            html::input("productname", "Name", "", "size=\"30\""),
            html::input(
                "clientsallowed",
                "Activations allowed per code",
                "",
                "type=\"number\" min=\"1\" max=\"50000\""
            ),
            html::input("clientleaseperiod", "Client lease (hours)", "", "type=\"number\" min=\"0\""),
            html::input("trialperiod", "Trial days", "", "type=\"number\" min=\"0\""),
        );
        let _ = write!(
            h,
            "<section><h2>Edit</h2>{}</section>",
            html::action_form(csrf, "Product", "PUT", &here, &fields, "Save product", "box")
        );
    }
    h.push_str("</div>");

    // Features, and the groups they are in.
    h.push_str("<h2>Features</h2>");
    let features = p.get("features").map(rows).unwrap_or_default();
    let mut table = Table::new(&[
        ("Code", None),
        ("Name", None),
        ("Type", None),
        ("Group", None),
        ("Default", None),
        ("Notes", None),
        ("", None),
    ]);
    let mut groups: Vec<String> = Vec::new();
    for f in features {
        let code = text(f, "featureCode");
        let group = text(f, "featureGroup");
        if !group.is_empty() && !groups.contains(&group) {
            groups.push(group.clone());
        }
        let delete = if change {
            html::action_form(
                csrf,
                "ProductFeatures",
                "DELETE",
                &here,
                &format!("{pid}{}", html::hidden("featurecode", &code)),
                "Delete",
                "inline",
            )
        } else {
            String::new()
        };
        table.rows.push(vec![
            code.into(),
            text(f, "featureName").into(),
            text(f, "featureType").into(),
            group.into(),
            text(f, "featureAvailability").into(),
            text(f, "featureNotes").into(),
            Cell::Html(delete),
        ]);
    }
    h.push_str(&table.html("Features of this product", "", None));
    if change {
        let fields = format!(
            "{pid}<div class=\"search\">{}{}{}{}{}</div>",
            html::input("features.0.featurecode", "Code", "", "required"),
            html::input("features.0.featurename", "Name", "", "required"),
            html::select(
                "features.0.featuretype",
                "Type",
                &[
                    ("normal", "normal"),
                    ("floating", "floating"),
                    ("elementpool", "element pool"),
                    ("consumptiontokens", "tokens"),
                    ("securestore", "secure store")
                ],
                "normal"
            ),
            html::input("features.0.featuregroupname", "Group (optional)", "", ""),
            html::input("features.0.notes", "Notes", "-", "required"),
        );
        h.push_str(&html::action_form(csrf, "ProductFeatures", "POST", &here, &fields, "Add feature", "box"));
    }
    h.push_str("<h2>Feature groups</h2>");
    let mut table = Table::new(&[("Group", None), ("", None)]);
    for g in &groups {
        let delete = if change {
            html::action_form(
                csrf,
                "ProductFeatureGroups",
                "DELETE",
                &here,
                &format!("{pid}{}", html::hidden("featuregroupname", g)),
                "Delete",
                "inline",
            )
        } else {
            String::new()
        };
        table.rows.push(vec![g.as_str().into(), Cell::Html(delete)]);
    }
    h.push_str(&table.html("Feature groups with features", "", None));
    if change {
        let fields = format!(
            "{pid}<div class=\"search\">{}{}</div>",
            html::input("featuregroups.0.featuregroupname", "Group name", "", "required"),
            html::input("featuregroups.0.notes", "Notes", "-", "required"),
        );
        h.push_str(&html::action_form(
            csrf,
            "ProductFeatureGroups",
            "POST",
            &here,
            &fields,
            "Add feature group",
            "box",
        ));
    }

    // UDFs.
    h.push_str("<h2>User-defined fields</h2>");
    let mut table = Table::new(&[("Field", None), ("Default value", None), ("", None)]);
    for u in p.get("udfValues").map(rows).unwrap_or_default() {
        let name = text(u, "fieldName");
        let delete = if change {
            html::action_form(
                csrf,
                "ProductUDF",
                "DELETE",
                &here,
                &format!("{pid}{}", html::hidden("fieldname", &name)),
                "Delete",
                "inline",
            )
        } else {
            String::new()
        };
        table.rows.push(vec![name.into(), text(u, "defaultValue").into(), Cell::Html(delete)]);
    }
    h.push_str(&table.html("UDFs of this product", "", None));
    if change {
        let fields = format!(
            "{pid}<div class=\"search\">{}{}</div>",
            html::input("udfvalues.0.fieldname", "Field name", "", "required"),
            html::input("udfvalues.0.defaultvalue", "Default value", "", ""),
        );
        h.push_str(&html::action_form(csrf, "ProductUDF", "POST", &here, &fields, "Add UDF", "box"));
    }

    // Profiles.
    h.push_str("<h2>Profiles</h2>");
    let mut table = Table::new(&[
        ("Profile", None),
        ("License type", None),
        ("Activations allowed", None),
        ("Enabled", None),
        ("Client lease (hours)", None),
    ]);
    for pr in rows(&profiles) {
        table.rows.push(vec![
            text(pr, "profileName").into(),
            text(pr, "licenseType").into(),
            text(pr, "clientsAllowed").into(),
            text(pr, "enabledForUse").into(),
            text(pr, "clientLeasePeriod").into(),
        ]);
    }
    h.push_str(&table.html("Profiles of this product", "", None));
    if change {
        let fields = format!(
            "{pid}<div class=\"search\">{}{}{}</div>",
            html::input("profilename", "Profile name", "", "required"),
            html::input("clientsallowed", "Activations allowed", "", "type=\"number\" min=\"0\""),
            html::select(
                "licensetype",
                "License type",
                &[
                    ("", "as the product"),
                    ("perpetual", "Perpetual"),
                    ("subscriptionperiod", "Subscription period"),
                    ("expirationdate", "Expiration date")
                ],
                ""
            ),
        );
        h.push_str(&html::action_form(csrf, "Profile", "POST", &here, &fields, "Create profile", "box"));
    }
    Ok(h)
}
