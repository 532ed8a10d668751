//! The supervisor's dashboard: one answer with what the charts draw for a warehouse: sync
//! activity and the devices behind, exceptions per day, picks per hour per operator, and stock
//! value in every warehouse.

use super::supervisor::{DeviceOut, Supervisor, WarehouseQuery};
use super::{ApiQuery, AppState};
use crate::error::ApiError;
use crate::inventory::{Activity, CurrencyTotal};
use axum::Json;
use axum::extract::State;
use chrono::Utc;
use serde::Serialize;

/// Stock value in one warehouse, by currency; `uncosted` items have no unit cost.
#[derive(Debug, Serialize)]
pub struct WarehouseValue {
    pub warehouse: String,
    pub name: String,
    pub totals: Vec<CurrencyTotal>,
    pub uncosted: usize,
}

#[derive(Debug, Serialize)]
pub struct Dashboard {
    #[serde(flatten)]
    pub activity: Activity,
    /// The warehouse's devices (not revoked), the furthest behind first.
    pub devices: Vec<DeviceOut>,
    pub stock_value: Vec<WarehouseValue>,
}

pub async fn dashboard(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<WarehouseQuery>,
) -> Result<Json<Dashboard>, ApiError> {
    let now = Utc::now();
    let dashboard = state
        .blocking(move |s| {
            let activity = s.activity(&q.warehouse, now)?;
            let mut devices: Vec<DeviceOut> = s
                .devices()?
                .into_iter()
                .filter(|d| d.warehouse_code == q.warehouse && !d.revoked)
                .map(DeviceOut::from)
                .collect();
            devices.sort_by_key(|d| std::cmp::Reverse(d.waiting.unwrap_or(0)));
            let mut stock_value = Vec::new();
            for w in s.warehouses()? {
                let v = s.valuation(&w.code)?;
                stock_value.push(WarehouseValue {
                    warehouse: w.code,
                    name: w.name,
                    totals: v.totals,
                    uncosted: v.uncosted,
                });
            }
            Ok(Dashboard {
                activity,
                devices,
                stock_value,
            })
        })
        .await?;
    Ok(Json(dashboard))
}
