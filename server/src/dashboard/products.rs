//! Products with their features, feature groups, UDFs and profiles; creating, editing (each
//! form pre-filled with what is stored) and deleting them through the Product,
//! ProductFeatures, ProductFeatureGroups, ProductUDF and Profile endpoints.

use std::fmt::Write;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::Response;

use super::html::{self, Cell, Table, url};
use super::license_form::{self, LICENSE_TYPES, SettingsKeys};
use super::{AppState, Signed, query_value, read, rows, text};
use crate::error::ApiError;

type PageQuery = Query<Vec<(String, String)>>;

fn product_link(id: &str) -> String {
    format!("/dashboard/product?productid={}", url(id))
}

/// Where GET Profiles keeps the settings a profile's edit form pre-fills.
const PROFILE_KEYS: SettingsKeys = SettingsKeys {
    license_type: "licenseType",
    clients_allowed: "clientsAllowed",
    client_lease: "clientLeasePeriod",
    subscription_end: "subscriptionEndDate",
    maintenance_end: "maintenanceEndDate",
};

/// An edit form folded away under `summary`, so a product with many features, UDFs and
/// profiles still reads as its tables (a `details` element opens without script); its ids
/// scoped by `summary`, which names one item of the page.
fn edit_box(summary: &str, form: &str) -> String {
    format!(
        "<details class=\"edit\"><summary>{}</summary>{}</details>",
        html::esc(summary),
        html::scoped(summary, form)
    )
}

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
    let mut edits = String::new();
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
        if change {
            // PUT ProductFeatures changes no feature's type: that is fixed at its creation.
            let fields = format!(
                "{pid}{}<div class=\"search\">{}{}{}</div>",
                html::hidden("features.0.featurecode", &code),
                html::input("features.0.featurename", "Name", &text(f, "featureName"), "required"),
                html::input("features.0.featuregroupname", "Group (Default: none)", &group, ""),
                html::input("features.0.notes", "Notes", &text(f, "featureNotes"), ""),
            );
            edits.push_str(&edit_box(
                &format!("Edit feature {code}"),
                &html::action_form(csrf, "ProductFeatures", "PUT", &here, &fields, "Save feature", "box"),
            ));
        }
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
    h.push_str(&edits);
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
    let mut edits = String::new();
    for g in &groups {
        if change {
            let fields = format!(
                "{pid}{}<div class=\"search\">{}{}</div><p class=\"muted\">Blank notes stay as they are.</p>",
                html::hidden("featuregroups.0.featuregroupname", g),
                html::input("featuregroups.0.newfeaturegroupname", "Name", g, "required"),
                html::input("featuregroups.0.notes", "Notes", "", ""),
            );
            edits.push_str(&edit_box(
                &format!("Edit feature group {g}"),
                &html::action_form(
                    csrf,
                    "ProductFeatureGroups",
                    "PUT",
                    &here,
                    &fields,
                    "Save feature group",
                    "box",
                ),
            ));
        }
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
    h.push_str(&edits);
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
    let mut edits = String::new();
    for u in p.get("udfValues").map(rows).unwrap_or_default() {
        let name = text(u, "fieldName");
        let value = text(u, "defaultValue");
        if change {
            let fields = format!(
                "{pid}{}<div class=\"search\">{}{}</div>",
                html::hidden("udfvalues.0.fieldname", &name),
                html::input("udfvalues.0.newfieldname", "Field name", &name, "required"),
                html::input("udfvalues.0.defaultvalue", "Default value", &value, ""),
            );
            edits.push_str(&edit_box(
                &format!("Edit UDF {name}"),
                &html::action_form(csrf, "ProductUDF", "PUT", &here, &fields, "Save UDF", "box"),
            ));
        }
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
        table.rows.push(vec![name.into(), value.into(), Cell::Html(delete)]);
    }
    h.push_str(&table.html("UDFs of this product", "", None));
    h.push_str(&edits);
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
    let mut edits = String::new();
    for pr in rows(&profiles) {
        let name = text(pr, "profileName");
        if change {
            let features = pr.get("features").map(rows).unwrap_or_default();
            let fields = format!(
                "{pid}{}{}{}{}",
                html::hidden("profilename", &name),
                license_form::settings_fields(pr, &PROFILE_KEYS),
                license_form::availability_fields(features),
                html::select(
                    "inheritprofile",
                    "The profile's codes",
                    &[("false", "keep their settings"), ("true", "take these changes too")],
                    "false"
                ),
            );
            edits.push_str(&edit_box(
                &format!("Edit profile {name}"),
                &html::action_form(csrf, "Profile", "PUT", &here, &fields, "Save profile", "box"),
            ));
        }
        table.rows.push(vec![
            name.into(),
            text(pr, "licenseType").into(),
            text(pr, "clientsAllowed").into(),
            text(pr, "enabledForUse").into(),
            text(pr, "clientLeasePeriod").into(),
        ]);
    }
    h.push_str(&table.html("Profiles of this product", "", None));
    h.push_str(&edits);
    if change {
        let fields = format!(
            "{pid}<div class=\"search\">{}{}{}</div>",
            html::input("profilename", "Profile name", "", "required"),
            html::input("clientsallowed", "Activations allowed", "", "type=\"number\" min=\"0\""),
            html::select(
                "licensetype",
                "License type",
                &[[("", "as the product")].as_slice(), LICENSE_TYPES].concat(),
                ""
            ),
        );
        h.push_str(&html::action_form(csrf, "Profile", "POST", &here, &fields, "Create profile", "box"));
    }
    Ok(h)
}
