//! Air-gapped support: a customer's pasted activation request becomes a certificate to
//! download (GET OfflineActivation), a pasted deactivation certificate frees its seat (DELETE
//! OfflineActivation), and a passive license is made for a client ID (POST PassiveLicense).

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::Response;

use super::html;
use super::{AppState, Signed, change, download, error_page, posted, product_select, products};
use crate::api::PASSIVE_CREATED;
use crate::error::ApiError;
use crate::json::Json;

/// GET /dashboard/offline.
pub async fn page(State(state): State<Arc<AppState>>, signed: Signed) -> Response {
    let products = match products(&state, &signed).await {
        Ok(products) => products,
        Err(error) => return error_page(Some(&signed), &error),
    };
    let csrf = &signed.session.csrf;
    let choose = product_select(&products, None, "");
    let mut h = String::from(
        "<p>For machines that never reach this server: the customer sends a file, the certificate or \
         license goes back on the same way.</p>",
    );
    if !signed.can_change() {
        h.push_str("<p class=\"muted\">A READ-ONLY key issues nothing: sign in with a READ-WRITE key to issue certificates.</p>");
        return signed.answer("Air-gapped support", "/dashboard/offline", Ok(h));
    }
    let form = |action: &str, fields: &str, button: &str| {
        format!(
            "<form method=\"post\" action=\"{action}\" class=\"box\">{}{fields}<button type=\"submit\">{}</button></form>",
            html::csrf_field(csrf),
            html::esc(button)
        )
    };
    h.push_str("<h2>Issue an activation certificate</h2>");
    h.push_str(&form(
        "/dashboard/offline/certificate",
        &format!(
            "{choose}{}",
            html::textarea(
                "activationcertificate",
                "The customer's activation request (paste the whole file)",
                8
            )
        ),
        "Issue and download the certificate",
    ));
    h.push_str("<h2>Free a seat with a deactivation certificate</h2>");
    h.push_str(&html::action_form(
        csrf,
        "OfflineActivation",
        "DELETE",
        "/dashboard/offline",
        &format!(
            "{choose}{}",
            html::textarea("deactivationcertificate", "The customer's deactivation certificate", 8)
        ),
        "Free the seat",
        "box",
    ));
    h.push_str("<h2>Create a passive license</h2>");
    h.push_str(&form(
        "/dashboard/offline/passive",
        &format!(
            "{choose}{}{}{}",
            html::input("clientid", "Client ID", "", "required size=\"40\""),
            html::input("profilename", "Profile (optional)", "", ""),
            html::input("features.0.featurecode", "Feature to turn on (optional)", "", ""),
        ),
        "Create and download the passive license",
    ));
    signed.answer("Air-gapped support", "/dashboard/offline", Ok(h))
}

/// The text answer of a change, downloaded as `name`.
async fn issue(
    state: &Arc<AppState>,
    signed: &Signed,
    headers: &HeaderMap,
    body: Body,
    (controller, method): (&str, Method),
) -> Result<String, ApiError> {
    let (mut form, body) = posted(state, signed, headers, body).await?;
    let fields = std::mem::take(&mut form.fields);
    match change(state, signed, controller, &method, fields, body).await? {
        Json::Str(text) => Ok(text),
        other => Err(ApiError::internal(format!("{controller} answered {other:?}, not text"))),
    }
}

/// POST /dashboard/offline/certificate: the activation certificate for a pasted request.
pub async fn certificate(
    State(state): State<Arc<AppState>>,
    signed: Signed,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match issue(&state, &signed, &headers, body, ("OfflineActivation", Method::GET)).await {
        Ok(text) => download("text/plain; charset=utf-8", "activation-certificate.txt", text.into_bytes()),
        Err(error) => error_page(Some(&signed), &error),
    }
}

/// POST /dashboard/offline/passive: a passive license for a client ID.
pub async fn passive(
    State(state): State<Arc<AppState>>,
    signed: Signed,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match issue(&state, &signed, &headers, body, ("PassiveLicense", Method::POST)).await {
        Ok(text) => {
            // The answer's first line says it was made; the license is the rest.
            let license = text.strip_prefix(PASSIVE_CREATED).map_or(text.as_str(), str::trim_start);
            download("text/plain; charset=utf-8", "passive-license.txt", license.as_bytes().to_vec())
        }
        Err(error) => error_page(Some(&signed), &error),
    }
}
