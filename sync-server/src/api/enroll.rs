//! `POST /v1/enroll`: a one-time code becomes a device token.

use super::auth::check_protocol;
use super::{ApiJson, AppState};
use crate::error::ApiError;
use crate::sql::{hash_secret, random_code};
use aisle_domain::said;
use aisle_proto::{EnrollRequest, EnrollResponse};
use axum::Json;
use axum::extract::State;
use axum::http::request::Parts;

pub async fn enroll(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<Json<EnrollResponse>, ApiError> {
    check_protocol(&parts)?;
    if req.code.trim().is_empty() || req.name.trim().is_empty() {
        return Err(ApiError::BadRequest(said!(
            "enrol.enrolment_needs_code_device",
            "an enrolment needs the code and the device's name"
        )));
    }
    if [&req.code, &req.name, &req.app_version]
        .iter()
        .any(|t| t.chars().any(char::is_control))
    {
        return Err(ApiError::BadRequest(said!(
            "enrol.no_control_characters",
            "the code, the device's name and the app version hold no control characters"
        )));
    }
    let token = random_code(32).map_err(ApiError::from)?;
    let hash = hash_secret(&token);
    let epoch = state.storage.epoch();
    let device = state
        .blocking(move |s| s.enroll(&req, &hash))
        .await
        .map_err(|e| match e {
            ApiError::NotFound(m) => ApiError::Unauthorized(m),
            other => other,
        })?;
    tracing::info!(device = %device.id, name = %device.name, warehouse = %device.warehouse_code, "device enrolled");
    Ok(Json(EnrollResponse {
        device_id: device.id,
        token,
        warehouse_id: device.warehouse_id,
        warehouse_code: device.warehouse_code,
        epoch,
    }))
}
