//! The supervisor web pages: static files built into the binary (no separate install),
//! served with a strict content security policy. All data comes from the JSON API.

use axum::http::header;
use axum::response::IntoResponse;

const INDEX: &str = include_str!("../../web/index.html");
const APP_JS: &str = include_str!("../../web/app.js");
const CORE_JS: &str = include_str!("../../web/core.js");
const ORDERS_JS: &str = include_str!("../../web/orders.js");
const APP_CSS: &str = include_str!("../../web/app.css");

/// Only this server's own scripts, styles and API; no inline code, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn page(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

pub async fn index() -> impl IntoResponse {
    page("text/html; charset=utf-8", INDEX)
}

pub async fn app_js() -> impl IntoResponse {
    page("text/javascript; charset=utf-8", APP_JS)
}

pub async fn core_js() -> impl IntoResponse {
    page("text/javascript; charset=utf-8", CORE_JS)
}

pub async fn orders_js() -> impl IntoResponse {
    page("text/javascript; charset=utf-8", ORDERS_JS)
}

pub async fn app_css() -> impl IntoResponse {
    page("text/css; charset=utf-8", APP_CSS)
}
