//! Companies, trials and consumer data: the Web API's lists, sorted and paged here, with
//! creating and deleting companies, deleting trials and recording consumer data.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::Response;

use super::html::{self, Cell, Table, url};
use super::{AppState, Signed, list_page, product_select, products, query_value, read, rows, text};

type PageQuery = Query<Vec<(String, String)>>;

/// GET /dashboard/companies.
pub async fn companies(
    State(state): State<Arc<AppState>>,
    signed: Signed,
    Query(query): PageQuery,
) -> Response {
    let (list, products) =
        match (read(&state, &signed, "CompaniesProducts", &[]).await, products(&state, &signed).await) {
            (Ok(list), Ok(products)) => (list, products),
            (Err(error), _) | (_, Err(error)) => return super::error_page(Some(&signed), &error),
        };
    let csrf = &signed.session.csrf;
    let mut table = Table::new(&[
        ("Company ID", Some("id")),
        ("Company", Some("name")),
        ("Product", Some("product")),
        ("Codes", None),
        ("", None),
    ]);
    for c in rows(&list) {
        let id = text(c, "companyID");
        let name = text(c, "company");
        let delete = if signed.can_change() {
            html::action_form(
                csrf,
                "Company",
                "DELETE",
                "/dashboard/companies",
                &html::hidden("companyid", &id),
                "Delete",
                "inline",
            )
        } else {
            String::new()
        };
        table.rows.push(vec![
            id.into(),
            name.clone().into(),
            text(c, "productName").into(),
            Cell::Link("codes".into(), format!("/dashboard/codes?code={}", url(&name))),
            Cell::Html(delete),
        ]);
    }
    let after = if signed.can_change() {
        let fields = format!(
            "<div class=\"search\">{}{}{}{}</div>",
            html::input("company", "Company name", "", "required"),
            product_select(&products, None, ""),
            html::select("global", "Scope", &[("0", "this product"), ("1", "every product")], "0"),
            html::input("search1", "Search field", "", ""),
        );
        format!(
            "<h2>Create a company</h2>{}",
            html::action_form(
                csrf,
                "Company",
                "POST",
                "/dashboard/companies",
                &fields,
                "Create company",
                "box"
            )
        )
    } else {
        String::new()
    };
    list_page(
        &signed,
        "Companies",
        "/dashboard/companies",
        &query,
        "/dashboard/companies?",
        table,
        ("", &after),
    )
}

/// GET /dashboard/trials.
pub async fn trials(State(state): State<Arc<AppState>>, signed: Signed, Query(query): PageQuery) -> Response {
    let product = query_value(&query, "productid").to_owned();
    let mut ask = vec![("pagenumber", "1"), ("pagesize", "10000")];
    if !product.is_empty() {
        ask.push(("productid", product.as_str()));
    }
    let (list, products) =
        match (read(&state, &signed, "Trials", &ask).await, products(&state, &signed).await) {
            (Ok(list), Ok(products)) => (list, products),
            (Err(error), _) | (_, Err(error)) => return super::error_page(Some(&signed), &error),
        };
    let csrf = &signed.session.csrf;
    let mut table = Table::new(&[
        ("Computer ID", Some("computer")),
        ("Product", Some("product")),
        ("Status", Some("status")),
        ("Days", None),
        ("Started (UTC)", Some("created")),
        ("Expires (UTC)", Some("expires")),
        ("Converted to", None),
        ("", None),
    ]);
    for t in rows(&list) {
        let computer = text(t, "computerId");
        let pid = text(t, "productId");
        let delete = if signed.can_change() {
            let fields =
                format!("{}{}", html::hidden("productid", &pid), html::hidden("computerid", &computer));
            html::action_form(csrf, "Trial", "DELETE", "/dashboard/trials", &fields, "Delete", "inline")
        } else {
            String::new()
        };
        let name = products.iter().find(|(id, _)| *id == pid).map_or(pid.clone(), |(_, n)| n.clone());
        table.rows.push(vec![
            computer.into(),
            name.into(),
            text(t, "trialStatus").into(),
            text(t, "trialPeriod").into(),
            html::when(&text(t, "created")).into(),
            html::when(&text(t, "expires")).into(),
            text(t, "licenseCode").into(),
            Cell::Html(delete),
        ]);
    }
    let before = filter_form("/dashboard/trials", &products, &product);
    let base = format!("/dashboard/trials?productid={}&", url(&product));
    list_page(&signed, "Trials", "/dashboard/trials", &query, &base, table, (&before, ""))
}

/// A choice of product that reloads the list.
fn filter_form(action: &str, products: &[(String, String)], product: &str) -> String {
    format!(
        "<form method=\"get\" action=\"{action}\" class=\"box search\">{}<p><button type=\"submit\">Show</button></p></form>",
        product_select(products, Some(("", "Every product")), product)
    )
}

/// GET /dashboard/consumers: the consumer data of one product (every record, not only each
/// computer's last).
pub async fn consumers(
    State(state): State<Arc<AppState>>,
    signed: Signed,
    Query(query): PageQuery,
) -> Response {
    let products = match products(&state, &signed).await {
        Ok(products) => products,
        Err(error) => return super::error_page(Some(&signed), &error),
    };
    let chosen = query_value(&query, "productid");
    let product = if chosen.is_empty() { products.first().map_or("", |(id, _)| id.as_str()) } else { chosen }
        .to_owned();
    let mut table = Table::new(&[
        ("Computer ID", Some("computer")),
        ("License code", Some("code")),
        ("First name", Some("first")),
        ("Last name", Some("last")),
        ("Company", Some("company")),
        ("Email", Some("email")),
        ("Client info", None),
        ("Recorded (UTC)", Some("created")),
    ]);
    if !product.is_empty() {
        let ask = [
            ("productid", product.as_str()),
            ("justlast", "false"),
            ("pagenumber", "1"),
            ("pagesize", "10000"),
        ];
        let list = match read(&state, &signed, "ConsumerData", &ask).await {
            Ok(list) => list,
            Err(error) => return super::error_page(Some(&signed), &error),
        };
        for c in rows(&list) {
            table.rows.push(vec![
                text(c, "computerID").into(),
                text(c, "licenseCode").into(),
                text(c, "firstName").into(),
                text(c, "lastName").into(),
                text(c, "company").into(),
                text(c, "email").into(),
                text(c, "clientInfo").into(),
                html::when(&text(c, "created")).into(),
            ]);
        }
    }
    let before = format!(
        "<form method=\"get\" action=\"/dashboard/consumers\" class=\"box search\">{}<p><button type=\"submit\">Show</button></p></form>",
        product_select(&products, None, &product)
    );
    let base = format!("/dashboard/consumers?productid={}&", url(&product));
    let after = if signed.can_change() && !products.is_empty() {
        let fields = format!(
            "<div class=\"cols\"><div>{}{}{}</div><div>{}{}{}{}</div></div>",
            product_select(&products, None, &product),
            html::input("computerid", "Computer ID", "", "required"),
            html::input("licensecode", "License code (optional)", "", ""),
            html::input("clientinfo.firstname", "First name", "", ""),
            html::input("clientinfo.lastname", "Last name", "", ""),
            html::input("clientinfo.company", "Company", "", ""),
            html::input("clientinfo.email", "Email", "", "type=\"email\""),
        );
        format!(
            "<h2>Record consumer data</h2>{}",
            html::action_form(
                &signed.session.csrf,
                "ConsumerData",
                "POST",
                &base,
                &fields,
                "Record consumer data",
                "box"
            )
        )
    } else {
        String::new()
    };
    list_page(&signed, "Consumer data", "/dashboard/consumers", &query, &base, table, (&before, &after))
}
