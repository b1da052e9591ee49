//! The vendor's dashboard: server-rendered pages at `/dashboard` for support and sales staff,
//! signed in with a READ-WRITE or READ-ONLY key (see [`session`]).
//!
//! Every change goes through the Web API's own endpoints: a form names its controller and
//! verb, its fields become that endpoint's [`crate::params::Params`] (as a JSON body), and
//! [`crate::server::execute`] runs the handler and writes the audit entry, the actor being
//! the signed-in key. So there is one set of rules, and a handler's refusal is shown on the
//! page with its message. A READ-ONLY key sees every page and changes nothing: no change
//! control is shown to it, and a change it posts anyway is refused with a 403 page (which is
//! also the dashboard's answer to GET OfflineActivation, a change the Web API lets READ-ONLY
//! keys make). Reads use the Web API's handlers too, or, for what the Web API cannot ask
//! (search by company or computer ID, sorting, counts over time), the narrow queries of
//! [`crate::store::dashboard`].

mod airgap;
mod codes;
mod customers;
mod events;
mod html;
mod license_form;
mod products;
mod session;

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value};

use crate::api::{self, Access, Endpoint, Route};
use crate::audit::{self, Actor};
use crate::connections::Watched;
use crate::error::ApiError;
use crate::json::Json;
use crate::server::{self, AppState, MAX_BODY, RequestBody};
use crate::store::model::KeyKind;
use crate::store::{Store, StoreResult};
use html::{Viewer, esc};
pub use session::Signed;

/// The dashboard's routes, mounted at `/dashboard`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/dashboard", get(|| async { see_other("/dashboard/codes") }))
        .route("/dashboard/style.css", get(style))
        .route("/dashboard/sign-in", get(sign_in_page).post(sign_in))
        .route("/dashboard/sign-out", post(sign_out))
        .route("/dashboard/run/{controller}", post(run))
        .route("/dashboard/codes", get(codes::list))
        .route("/dashboard/code", get(codes::one))
        .route("/dashboard/products", get(products::list))
        .route("/dashboard/product", get(products::one))
        .route("/dashboard/companies", get(customers::companies))
        .route("/dashboard/trials", get(customers::trials))
        .route("/dashboard/consumers", get(customers::consumers))
        .route("/dashboard/events", get(events::page))
        .route("/dashboard/offline", get(airgap::page))
        .route("/dashboard/offline/certificate", post(airgap::certificate))
        .route("/dashboard/offline/passive", post(airgap::passive))
}

/// `READ-WRITE`, `READ-ONLY`, …: a kind as the pages name it.
pub fn kind_label(kind: KeyKind) -> &'static str {
    match kind {
        KeyKind::ReadWrite => "READ-WRITE",
        KeyKind::ReadOnly => "READ-ONLY",
        KeyKind::Offline => "Offline",
        KeyKind::Ds => "DS",
    }
}

impl FromRequestParts<Arc<AppState>> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Signed, Response> {
        let peer =
            parts.extensions.get::<ConnectInfo<Watched>>().map(|ConnectInfo(c)| c.peer()).ok_or_else(
                || error_page(None, &ApiError::internal("the connection's address is unknown")),
            )?;
        session::check(state, &parts.headers, peer).await
    }
}

impl Signed {
    /// What the page header shows.
    pub fn viewer(&self) -> Viewer<'_> {
        Viewer { kind: kind_label(self.kind), csrf: &self.session.csrf, flash: &self.session.flash }
    }

    /// Whether change controls are shown: only a READ-WRITE key makes changes.
    pub fn can_change(&self) -> bool {
        self.kind == KeyKind::ReadWrite
    }

    fn actor(&self) -> Actor {
        Actor::signed_in(self.kind, self.session.key_prefix.clone(), self.peer)
    }

    /// A page of the dashboard, or its error page.
    pub fn answer(&self, title: &str, current: &str, body: Result<String, ApiError>) -> Response {
        match body {
            Ok(body) => {
                html_response(StatusCode::OK, html::page(title, Some(&self.viewer()), current, &body))
            }
            Err(error) => error_page(Some(self), &error),
        }
    }
}

/// A 303 to `to` (after a form, the browser then GETs it).
pub fn see_other(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn html_response(status: StatusCode, page: String) -> Response {
    let mut response = (status, page).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // Nothing but the server's own style sheet: no script, no frame, no form elsewhere.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

/// A file to download (a certificate, a license, a CSV export).
pub fn download(content_type: &'static str, name: &str, bytes: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    let safe: String =
        name.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The page for a refusal or a failure: its status and the handler's message (a 500's
/// message is logged and replaced, as the Web API does).
pub fn error_page(signed: Option<&Signed>, error: &ApiError) -> Response {
    refused(signed, error, "/dashboard/codes")
}

/// [`error_page`] with a way back to `back` (the page whose form was refused).
fn refused(signed: Option<&Signed>, error: &ApiError, back: &str) -> Response {
    let message = if error.status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(error = %error.message, "internal error");
        "internal server error".to_owned()
    } else {
        error.message.clone()
    };
    let title = match error.status {
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::NOT_FOUND => "Not found",
        s if s.is_client_error() => "Refused",
        _ => "Failed",
    };
    let body = format!(
        "<p class=\"error\" role=\"alert\"><strong>{}</strong>: {}</p><p><a href=\"{}\">Back</a></p>",
        error.status.as_u16(),
        esc(&message),
        esc(back)
    );
    let viewer = signed.map(Signed::viewer);
    html_response(error.status, html::page(title, viewer.as_ref(), "", &body))
}

/// Runs `f` on the store on the blocking pool, in a handler slot.
pub async fn blocking<T: Send + 'static>(
    state: &Arc<AppState>,
    f: impl FnOnce(&dyn Store) -> StoreResult<T> + Send + 'static,
) -> Result<T, ApiError> {
    let slot = state.slot().await;
    let state = state.clone();
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        f(state.store.as_ref()).map_err(ApiError::from)
    })
    .await
    .unwrap_or_else(|join| Err(ApiError::internal(format!("store call failed: {join}"))))
}

fn endpoint(state: &AppState, controller: &str, method: &Method) -> Result<Endpoint, ApiError> {
    match api::route(&state.endpoints, controller, method) {
        Route::Found(endpoint) => Ok(endpoint),
        _ => Err(ApiError::not_found(format!("no such controller and verb: {method} {controller}"))),
    }
}

/// A GET of the Web API, as the signed-in key: its JSON answer.
pub async fn read(
    state: &Arc<AppState>,
    signed: &Signed,
    controller: &str,
    query: &[(&str, &str)],
) -> Result<Value, ApiError> {
    let endpoint = endpoint(state, controller, &Method::GET)?;
    if audit::is_change(&endpoint) {
        return Err(ApiError::internal(format!("GET {controller} is a change, not a read")));
    }
    crate::auth::allow(signed.kind, endpoint.access)?;
    let query = query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let json =
        server::execute(state.clone(), endpoint, signed.actor(), query, RequestBody::empty(state).await)
            .await?;
    serde_json::to_value(&json).map_err(|e| ApiError::internal(format!("answer not JSON: {e}")))
}

/// A change through the Web API's endpoint `method controller`, as the signed-in key, with
/// `fields` as its JSON body (in `body`'s handler slot): the endpoint's own access rule,
/// and no change at all from a READ-ONLY key.
pub async fn change(
    state: &Arc<AppState>,
    signed: &Signed,
    controller: &str,
    method: &Method,
    fields: Map<String, Value>,
    body: RequestBody,
) -> Result<Json, ApiError> {
    let endpoint = endpoint(state, controller, method)?;
    if !audit::is_change(&endpoint) {
        return Err(ApiError::bad_request(format!("{method} {controller} changes nothing")));
    }
    if !signed.can_change() || !endpoint.access.allows(signed.kind) {
        return Err(read_only(signed.kind, endpoint.access));
    }
    let bytes = serde_json::to_vec(&Value::Object(fields)).map_err(|e| ApiError::internal(e.to_string()))?;
    server::execute(state.clone(), endpoint, signed.actor(), Vec::new(), body.replaced(Bytes::from(bytes)))
        .await
}

fn read_only(kind: KeyKind, access: Access) -> ApiError {
    let why =
        if access.allows(kind) { "sees everything and changes nothing" } else { "may not make this change" };
    ApiError::new(StatusCode::FORBIDDEN, format!("this {} key {why}", kind_label(kind)))
}

/// A posted form: the fields that steer the dashboard (`_csrf`, `_method`, `_next`) and the
/// endpoint's own fields as a JSON object. `list.N.field` names build lists of objects
/// (`features.0.featurecode`), `object.field` names one object (`clientinfo.email`, for the
/// fields whose value is itself JSON); an empty value is left out, as an omitted field (so a blank
/// input leaves a setting as it is), and so is a list item left wholly blank.
#[derive(Debug, Default)]
pub struct Form {
    pub csrf: String,
    pub method: String,
    pub next: String,
    pub fields: Map<String, Value>,
}

impl Form {
    fn parse(bytes: &[u8]) -> Result<Form, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes)
            .map_err(|e| ApiError::bad_request(format!("malformed form: {e}")))?;
        let mut form = Form::default();
        let mut lists: Vec<(String, Vec<Map<String, Value>>)> = Vec::new();
        for (name, value) in pairs {
            match name.as_str() {
                "_csrf" => form.csrf = value,
                "_method" => form.method = value,
                "_next" => form.next = value,
                _ if value.trim().is_empty() => {}
                _ => match name.split('.').collect::<Vec<_>>()[..] {
                    [list, index, field] => {
                        let index: usize =
                            index.parse().ok().filter(|&i| i < 10_000).ok_or_else(|| {
                                ApiError::bad_request(format!("{name}: malformed list field"))
                            })?;
                        let items = match lists.iter_mut().find(|(l, _)| l == list) {
                            Some((_, items)) => items,
                            None => {
                                lists.push((list.to_owned(), Vec::new()));
                                &mut lists.last_mut().expect("just pushed").1
                            }
                        };
                        if items.len() <= index {
                            items.resize(index + 1, Map::new());
                        }
                        items[index].insert(field.to_owned(), Value::String(value));
                    }
                    [object, field] => {
                        let entry =
                            form.fields.entry(object.to_owned()).or_insert_with(|| Value::Object(Map::new()));
                        let Value::Object(members) = entry else {
                            return Err(ApiError::bad_request(format!("{object}: given as a value too")));
                        };
                        if members.insert(field.to_owned(), Value::String(value)).is_some() {
                            return Err(ApiError::bad_request(format!("{name}: given more than once")));
                        }
                    }
                    [_] => {
                        if form.fields.insert(name.clone(), Value::String(value)).is_some() {
                            return Err(ApiError::bad_request(format!("{name}: given more than once")));
                        }
                    }
                    _ => return Err(ApiError::bad_request(format!("{name}: malformed field name"))),
                },
            }
        }
        for (list, items) in lists {
            let items: Vec<Value> = items.into_iter().filter(|i| !i.is_empty()).map(Value::Object).collect();
            form.fields.insert(list, Value::Array(items));
        }
        Ok(form)
    }

    /// Where to go after the change: a dashboard page, never elsewhere.
    fn next(&self) -> &str {
        let next = self.next.as_str();
        let safe = next.starts_with("/dashboard/")
            && !next.contains("//")
            && !next.contains('\\')
            && next.bytes().all(|b| b.is_ascii_graphic());
        if safe { next } else { "/dashboard/codes" }
    }
}

/// Reads a posted form of a signed-in session and checks its token (403 without the
/// session's): the form and the handler slot its body holds.
pub async fn posted(
    state: &Arc<AppState>,
    signed: &Signed,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Form, RequestBody), ApiError> {
    let body = server::read_body(state, headers, body, MAX_BODY).await?;
    let form = Form::parse(&body)?;
    if !session::csrf_matches(signed, &form.csrf) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "the form's token is missing or not this session's: reload the page and try again",
        ));
    }
    Ok((form, body))
}

/// POST /dashboard/run/{controller}: the change a form names (`_method`, POST by default),
/// then back to `_next` with the endpoint's answer shown once.
async fn run(
    State(state): State<Arc<AppState>>,
    signed: Signed,
    Path(controller): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let mut back = String::from("/dashboard/codes");
    let done = async {
        let (mut form, body) = posted(&state, &signed, &headers, body).await?;
        back = form.next().to_owned();
        let method = match form.method.as_str() {
            "" | "POST" => Method::POST,
            "PUT" => Method::PUT,
            "DELETE" => Method::DELETE,
            other => return Err(ApiError::bad_request(format!("_method: {other} is not a change"))),
        };
        let fields = std::mem::take(&mut form.fields);
        let answer = change(&state, &signed, &controller, &method, fields, body).await?;
        let text = match answer {
            Json::Str(text) => text,
            other => serde_json::to_string(&other).unwrap_or_default(),
        };
        let flash: String = text.chars().take(4000).collect();
        let id_hash = signed.id_hash;
        blocking(&state, move |store| store.set_session_flash(&id_hash, &flash)).await?;
        Ok(see_other(form.next()))
    };
    let done = done.await;
    done.unwrap_or_else(|error| refused(Some(&signed), &error, &back))
}

async fn style() -> Response {
    let mut response = html::STYLE.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=3600"));
    response
}

async fn sign_in_page(axum::extract::Query(query): axum::extract::Query<Vec<(String, String)>>) -> Response {
    let why = query.iter().find(|(k, _)| k == "why").map(|(_, v)| v.as_str());
    let note = match why {
        Some("expired") => "<p class=\"error\" role=\"alert\">Your session has ended: sign in again.</p>",
        Some("revoked") => {
            "<p class=\"error\" role=\"alert\">The key of your session is no longer valid: sign in with a live key.</p>"
        }
        _ => "",
    };
    html_response(StatusCode::OK, html::page("Sign in", None, "", &sign_in_form(note)))
}

fn sign_in_form(note: &str) -> String {
    format!(
        "{note}<form method=\"post\" action=\"/dashboard/sign-in\" class=\"box\">\
         <p><label for=\"f-apikey\">API key</label><br>\
         <input id=\"f-apikey\" name=\"apikey\" type=\"password\" size=\"48\" autocomplete=\"off\" required autofocus></p>\
         <p class=\"muted\">A READ-WRITE key, or a READ-ONLY key to look without changing anything \
         (the key alone, or <code>customerID:key</code>). It is kept by its hash only.</p>\
         <button type=\"submit\">Sign in</button></form>"
    )
}

async fn sign_in(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Body) -> Response {
    let done = async {
        let body = server::read_body(&state, &headers, body, 16 * 1024).await?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
            .map_err(|e| ApiError::bad_request(format!("malformed form: {e}")))?;
        drop(body);
        let key = pairs.iter().find(|(k, _)| k == "apikey").map(|(_, v)| v.as_str()).unwrap_or_default();
        session::sign_in(&state, key).await
    };
    match done.await {
        Ok(response) => response,
        Err(error) => {
            let note = format!("<p class=\"error\" role=\"alert\">{}</p>", esc(&error.message));
            html_response(error.status, html::page("Sign in", None, "", &sign_in_form(&note)))
        }
    }
}

async fn sign_out(
    State(state): State<Arc<AppState>>,
    signed: Signed,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let done = async {
        let (_, body) = posted(&state, &signed, &headers, body).await?;
        drop(body);
        session::sign_out(&state, &signed).await
    };
    done.await.unwrap_or_else(|error| error_page(Some(&signed), &error))
}

/// A page's query: the value of `name`, empty when absent.
pub fn query_value<'a>(query: &'a [(String, String)], name: &str) -> &'a str {
    query.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.trim())
}

/// The page number, sort key and order of a list page.
pub fn list_query(query: &[(String, String)]) -> (i64, &str, bool) {
    let page = query_value(query, "page").parse::<i64>().ok().filter(|&n| n >= 1).unwrap_or(1);
    (page, query_value(query, "sort"), query_value(query, "order") == "desc")
}

/// A text field of a JSON answer (numbers written in decimal).
pub fn text(value: &Value, name: &str) -> String {
    match value.get(name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// Rows of a list answer (an array), or none.
pub fn rows(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

/// A list page: `table` sorted and paged here (the lists the Web API answers whole), as HTML
/// between `before` and `after` (forms), or as CSV with `format=csv`.
pub fn list_page(
    signed: &Signed,
    title: &str,
    current: &str,
    query: &[(String, String)],
    base: &str,
    mut table: html::Table,
    (before, after): (&str, &str),
) -> Response {
    let (number, sort, descending) = list_query(query);
    if !sort.is_empty() {
        table.sort(sort, descending);
    }
    if query_value(query, "format") == "csv" {
        return csv_response(signed, title, &table);
    }
    let total = table.page(number, PAGE_SIZE);
    let sorted = format!("{base}{}", sort_params(sort, descending));
    let body = format!(
        "{before}{}{}{after}",
        table.html(title, base, (!sort.is_empty()).then_some((sort, descending))),
        html::pager(&sorted, number, PAGE_SIZE, total)
    );
    signed.answer(title, current, Ok(body))
}

/// `sort=…&order=…&` to keep a list's order across its pages, or nothing.
pub fn sort_params(sort: &str, descending: bool) -> String {
    if sort.is_empty() {
        String::new()
    } else {
        format!("sort={}&order={}&", html::url(sort), if descending { "desc" } else { "asc" })
    }
}

/// A table as a CSV download named after the list.
pub fn csv_response(signed: &Signed, title: &str, table: &html::Table) -> Response {
    match table.csv() {
        Ok(bytes) => {
            let name = format!("{}.csv", title.to_lowercase().replace(' ', "-"));
            download("text/csv; charset=utf-8", &name, bytes)
        }
        Err(e) => error_page(Some(signed), &ApiError::internal(format!("CSV export failed: {e}"))),
    }
}

/// Every product as (ID, name), for the pages' product choices.
pub async fn products(state: &Arc<AppState>, signed: &Signed) -> Result<Vec<(String, String)>, ApiError> {
    let products = read(state, signed, "Products", &[]).await?;
    Ok(rows(&products).iter().map(|p| (text(p, "productId"), text(p, "productName"))).collect())
}

/// A product choice over `products`, with `first` (value, label) before them when given.
pub fn product_select(products: &[(String, String)], first: Option<(&str, &str)>, selected: &str) -> String {
    let mut options: Vec<(&str, &str)> = first.into_iter().collect();
    options.extend(products.iter().map(|(id, name)| (id.as_str(), name.as_str())));
    html::select("productid", "Product", &options, selected)
}

/// Rows a list page shows.
pub const PAGE_SIZE: i64 = 50;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_become_the_fields_of_a_body() {
        let form = Form::parse(
            b"_csrf=t&_method=PUT&_next=%2Fdashboard%2Fcode&productid=1&licensecode=&features.1.featurecode=B\
              &features.1.featureavailability=on&features.0.featurecode=A&udfvalues.0.fieldname=\
              &clientinfo.email=a%40b.example&clientinfo.company=",
        )
        .unwrap();
        assert_eq!((form.csrf.as_str(), form.method.as_str(), form.next()), ("t", "PUT", "/dashboard/code"));
        assert_eq!(
            Value::Object(form.fields),
            serde_json::json!({
                "productid": "1",
                "features": [{"featurecode": "A"}, {"featurecode": "B", "featureavailability": "on"}],
                "clientinfo": {"email": "a@b.example"},
            })
        );
        assert!(Form::parse(b"o.a=1&o.a=2").is_err());
        assert!(Form::parse(b"o=1&o.a=2").is_err());
        assert!(Form::parse(b"a=1&a=2").is_err());
        assert!(Form::parse(b"a.x.b=1").is_err());
    }

    #[test]
    fn only_dashboard_pages_are_gone_to_next() {
        for bad in
            ["https://elsewhere.example/", "//elsewhere.example/", "/dashboard/\\x", "/api/Products", ""]
        {
            let form = Form { next: bad.to_owned(), ..Form::default() };
            assert_eq!(form.next(), "/dashboard/codes", "{bad}");
        }
    }
}
