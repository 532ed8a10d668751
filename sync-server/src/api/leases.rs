//! Who holds which work: the supervisor's view of leases, and taking work back or giving it to
//! another device (docs/sync-protocol.md, "Leases").

use super::supervisor::{Supervisor, WarehouseQuery};
use super::{ApiJson, ApiQuery, AppState};
use crate::error::ApiError;
use aisle_domain::DeviceId;
use aisle_proto::{Lease, WorkRef};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

/// `GET /v1/supervisor/leases?warehouse=WH1`.
pub async fn list(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<WarehouseQuery>,
) -> Result<Json<Vec<Lease>>, ApiError> {
    Ok(Json(state.blocking(move |s| s.leases(&q.warehouse)).await?))
}

/// `{"work": {"order_line": ID}}` or `{"work": {"task": ID}}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseIn {
    pub work: WorkRef,
}

/// `POST /v1/supervisor/leases/release`: the work goes back to the pool.
pub async fn release(
    State(state): State<AppState>,
    who: Supervisor,
    ApiJson(req): ApiJson<ReleaseIn>,
) -> Result<StatusCode, ApiError> {
    let by = who.session.badge.clone();
    state
        .blocking(move |s| s.release_lease(req.work, &by))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignIn {
    pub work: WorkRef,
    pub device_id: DeviceId,
}

/// `POST /v1/supervisor/leases/assign`: the work goes to that device (from whoever held it).
pub async fn assign(
    State(state): State<AppState>,
    who: Supervisor,
    ApiJson(req): ApiJson<AssignIn>,
) -> Result<Json<Lease>, ApiError> {
    let by = who.session.badge.clone();
    Ok(Json(
        state
            .blocking(move |s| s.assign_lease(req.work, req.device_id, &by))
            .await?,
    ))
}
