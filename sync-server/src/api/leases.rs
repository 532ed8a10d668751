//! Work assignment for supervisors: who holds which work (leases), taking it back or giving it to
//! another device (docs/sync-protocol.md, "Leases"), and waves of orders released together.

use super::supervisor::{Supervisor, WarehouseQuery};
use super::{ApiJson, ApiPath, ApiQuery, AppState};
use crate::error::ApiError;
use crate::waves::Wave;
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

/// `GET /v1/supervisor/waves?warehouse=WH1`.
pub async fn waves(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<WarehouseQuery>,
) -> Result<Json<Vec<Wave>>, ApiError> {
    Ok(Json(state.blocking(move |s| s.waves(&q.warehouse)).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaveIn {
    pub warehouse: String,
    pub orders: Vec<String>,
}

/// `POST /v1/supervisor/waves`: a wave of orders, held until it is released.
pub async fn create_wave(
    State(state): State<AppState>,
    who: Supervisor,
    ApiJson(req): ApiJson<WaveIn>,
) -> Result<(StatusCode, Json<Wave>), ApiError> {
    let by = who.session.badge.clone();
    let wave = state
        .blocking(move |s| s.create_wave(&req.warehouse, &req.orders, &by))
        .await?;
    Ok((StatusCode::CREATED, Json(wave)))
}

/// `POST /v1/supervisor/waves/{wave}/release`: its orders go to the devices.
pub async fn release_wave(
    State(state): State<AppState>,
    who: Supervisor,
    ApiPath(wave): ApiPath<String>,
) -> Result<Json<Wave>, ApiError> {
    let by = who.session.badge.clone();
    Ok(Json(
        state.blocking(move |s| s.release_wave(&wave, &by)).await?,
    ))
}
