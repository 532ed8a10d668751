//! Liveness, Prometheus metrics and the OpenAPI document.

use super::AppState;
use crate::error::ApiError;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use std::sync::atomic::Ordering;

pub async fn healthz(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    // Touch the database: a server that cannot read its storage is not healthy.
    state.blocking(|s| s.stats()).await?;
    Ok(axum::Json(
        serde_json::json!({ "status": "ok", "epoch": state.storage.epoch() }),
    ))
}

pub async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    let stats = state.blocking(|s| s.stats()).await?;
    let m = &state.metrics;
    let counters = [
        (
            "aisle_push_requests_total",
            "Push requests accepted.",
            m.pushes.load(Ordering::Relaxed),
        ),
        (
            "aisle_ops_applied_total",
            "Operations applied from pushes.",
            m.ops_applied.load(Ordering::Relaxed),
        ),
        (
            "aisle_ops_duplicate_total",
            "Operations acknowledged again (retried pushes).",
            m.ops_duplicate.load(Ordering::Relaxed),
        ),
        (
            "aisle_pull_requests_total",
            "Pull pages served.",
            m.pulls.load(Ordering::Relaxed),
        ),
        (
            "aisle_ops_pulled_total",
            "Operations sent in pull pages.",
            m.ops_pulled.load(Ordering::Relaxed),
        ),
        (
            "aisle_auth_failures_total",
            "Requests refused for a missing, unknown or revoked token.",
            m.auth_failures.load(Ordering::Relaxed),
        ),
        (
            "aisle_requests_rejected_total",
            "Sync requests refused (gaps, conflicts, epoch, invalid).",
            m.rejected.load(Ordering::Relaxed),
        ),
        (
            "aisle_requests_rate_limited_total",
            "Device requests refused because the device sent too many.",
            m.rate_limited.load(Ordering::Relaxed),
        ),
    ];
    let gauges = [
        (
            "aisle_devices",
            "Enrolled, not revoked devices.",
            stats.devices,
        ),
        (
            "aisle_operations",
            "Operations in the global log.",
            stats.operations,
        ),
        (
            "aisle_open_exceptions",
            "Exceptions waiting for a supervisor.",
            stats.open_exceptions,
        ),
    ];
    let mut out = String::new();
    for (name, help, v) in counters {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}\n"
        ));
    }
    for (name, help, v) in gauges {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}\n"
        ));
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out))
}

pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], crate::OPENAPI)
}
