//! Push, pull and snapshot: the sync protocol itself (docs/sync-protocol.md).

use super::auth::AuthDevice;
use super::{ApiJson, AppState, Metrics};
use crate::error::ApiError;
use crate::storage::PullPage;
use aisle_proto::{
    ClaimRequest, ClaimResponse, MAX_PUSH_ENTRIES, PullQuery, PushResponse, Snapshot,
};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::Deserialize;

/// A push as it arrives ([`aisle_proto::PushRequest`] with its entries not yet read): each entry
/// is read on its own, so that one this server cannot read is held in its place in the device's
/// log instead of refusing the whole push and stopping the device's sync for good.
#[derive(Debug, Deserialize)]
pub struct PushIn {
    pub device_id: aisle_domain::DeviceId,
    pub epoch: uuid::Uuid,
    pub entries: Vec<Box<serde_json::value::RawValue>>,
}

pub async fn push(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    ApiJson(req): ApiJson<PushIn>,
) -> Result<Json<PushResponse>, ApiError> {
    if req.device_id != device.id {
        Metrics::add(&state.metrics.rejected, 1);
        return Err(ApiError::Forbidden(format!(
            "this token belongs to device {}, not to {}",
            device.id, req.device_id
        )));
    }
    if req.epoch != state.storage.epoch() {
        Metrics::add(&state.metrics.rejected, 1);
        return Err(ApiError::Conflict(format!(
            "this device was enrolled with server database {}, but this server's database is {}: the server was replaced or restored from a backup. Nothing was applied; warehouse IT must reconcile before this device syncs again",
            req.epoch,
            state.storage.epoch()
        )));
    }
    if req.entries.len() > MAX_PUSH_ENTRIES {
        return Err(ApiError::PayloadTooLarge(format!(
            "{} entries in one push; at most {MAX_PUSH_ENTRIES}",
            req.entries.len()
        )));
    }
    let entries = req
        .entries
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            aisle_domain::op::read_entry_text(v.get())
                .map_err(|e| ApiError::Unprocessable(format!("entry {} of the push: {e}", i + 1)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let dev = device.clone();
    let outcome = state.blocking(move |s| s.push(&dev, &entries)).await;
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            Metrics::add(&state.metrics.rejected, 1);
            tracing::warn!(device = %device.id, error = ?e, "push refused");
            return Err(e);
        }
    };
    Metrics::add(&state.metrics.pushes, 1);
    Metrics::add(&state.metrics.ops_applied, u64::from(outcome.applied));
    Metrics::add(&state.metrics.ops_duplicate, u64::from(outcome.duplicates));
    tracing::info!(device = %device.id, applied = outcome.applied, duplicates = outcome.duplicates, durable = outcome.durable_seq, "push");
    Ok(Json(PushResponse {
        durable_seq: outcome.durable_seq,
        applied: outcome.applied,
        duplicates: outcome.duplicates,
    }))
}

pub async fn pull(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Json<PullPage>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let page = state.blocking(move |s| s.pull(&device, &q)).await?;
    Metrics::add(&state.metrics.pulls, 1);
    Metrics::add(&state.metrics.ops_pulled, page.ops.len() as u64);
    Ok(Json(page))
}

pub async fn snapshot(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
) -> Result<Json<Snapshot>, ApiError> {
    Ok(Json(state.blocking(move |s| s.snapshot(&device)).await?))
}

/// `POST /v1/claims`: renew this device's leases and take more work.
pub async fn claim(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    ApiJson(req): ApiJson<ClaimRequest>,
) -> Result<Json<ClaimResponse>, ApiError> {
    const MOST: u32 = 100;
    if req.orders > MOST || req.tasks > MOST {
        return Err(ApiError::Unprocessable(format!(
            "a device holds at most {MOST} orders and {MOST} tasks at once"
        )));
    }
    let leases = state.blocking(move |s| s.claim(&device, &req)).await?;
    Ok(Json(ClaimResponse { leases }))
}
