//! Transfers between warehouses for the supervisor pages and an ERP: create one, list a
//! warehouse's, close one at its destination (short: an exception).

use super::supervisor::{Supervisor, WarehouseQuery};
use super::{ApiJson, ApiPath, ApiQuery, AppState};
use crate::error::ApiError;
use crate::inventory::{TransferClosed, TransferSummary};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferLine {
    pub sku: String,
    pub qty: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferIn {
    pub from: String,
    pub to: String,
    pub lines: Vec<TransferLine>,
}

#[derive(Debug, Serialize)]
pub struct TransferOut {
    pub transfer: String,
    pub lines: usize,
}

/// `POST /v1/supervisor/transfers`.
pub async fn create(
    State(state): State<AppState>,
    who: Supervisor,
    ApiJson(req): ApiJson<TransferIn>,
) -> Result<(StatusCode, Json<TransferOut>), ApiError> {
    let lines: Vec<(String, i64)> = req.lines.into_iter().map(|l| (l.sku, l.qty)).collect();
    let n = lines.len();
    let by = who.session.badge.clone();
    let transfer = state
        .blocking(move |s| s.create_transfer(&req.from, &req.to, &lines, &by))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TransferOut { transfer, lines: n }),
    ))
}

/// `GET /v1/supervisor/transfers?warehouse=WH1`: into or out of the warehouse, newest first.
pub async fn list(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<WarehouseQuery>,
) -> Result<Json<Vec<TransferSummary>>, ApiError> {
    Ok(Json(
        state.blocking(move |s| s.transfers(&q.warehouse)).await?,
    ))
}

/// `POST /v1/supervisor/transfers/{transfer}/close`.
pub async fn close(
    State(state): State<AppState>,
    who: Supervisor,
    ApiPath(transfer): ApiPath<String>,
) -> Result<Json<TransferClosed>, ApiError> {
    let by = who.session.badge.clone();
    Ok(Json(
        state
            .blocking(move |s| s.close_transfer(&transfer, &by))
            .await?,
    ))
}
