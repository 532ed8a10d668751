//! Customer returns for the supervisor pages: the list of a warehouse's returns, and releasing
//! quarantined stock (a returned item inspected and found sound) back to a location.

use super::supervisor::Supervisor;
use super::{ApiJson, ApiQuery, AppState};
use crate::error::ApiError;
use crate::inventory::{Release, ReturnLine};
use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
pub struct ReturnsQuery {
    pub warehouse: String,
    /// At most this many (200 unless given; at most 1,000).
    pub limit: Option<u32>,
}

/// `GET /v1/supervisor/returns?warehouse=WH1`: newest first.
pub async fn list(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<ReturnsQuery>,
) -> Result<Json<Vec<ReturnLine>>, ApiError> {
    let limit = q.limit.unwrap_or(200).min(1_000);
    Ok(Json(
        state
            .blocking(move |s| s.returns(&q.warehouse, limit))
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseIn {
    pub warehouse: String,
    /// The quarantine location's code.
    pub from: String,
    pub sku: String,
    pub lot: Option<String>,
    /// All of it when absent.
    pub qty: Option<i64>,
    /// Where it goes: storage, a pick face, a dock or staging.
    pub to: String,
}

#[derive(Debug, Serialize)]
pub struct ReleaseOut {
    /// Stock lines moved (as server operations, which devices pull).
    pub moved: usize,
}

/// `POST /v1/supervisor/quarantine/release`.
pub async fn release(
    State(state): State<AppState>,
    who: Supervisor,
    ApiJson(req): ApiJson<ReleaseIn>,
) -> Result<Json<ReleaseOut>, ApiError> {
    let release = Release {
        warehouse: req.warehouse,
        from: req.from,
        sku: req.sku,
        lot: req.lot.filter(|l| !l.trim().is_empty()),
        qty: req.qty,
        to: req.to,
    };
    let by = who.session.badge.clone();
    let today = chrono::Utc::now().date_naive();
    let moved = state
        .blocking(move |s| s.release_quarantine(&release, today, &by))
        .await?;
    Ok(Json(ReleaseOut { moved }))
}
