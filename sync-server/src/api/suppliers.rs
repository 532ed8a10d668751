//! Suppliers over the API, for an ERP and the supervisor pages: suppliers and their terms per
//! item (the CSV imports' checks, all lines or none), purchase orders raised one per preferred
//! supplier from reorder suggestions, and the list of a warehouse's purchase orders.

use super::supervisor::{Supervisor, WarehouseQuery};
use super::work::{Imported, cell, import_lines};
use super::{ApiJson, ApiQuery, AppState};
use crate::error::ApiError;
use crate::inventory::{PurchaseOrderSummary, RaisedOrder};
use crate::storage::ImportKind;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplierLine {
    pub code: String,
    pub name: String,
    pub lead_time_days: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuppliersIn {
    pub lines: Vec<SupplierLine>,
}

/// `POST /v1/supervisor/suppliers`: creates or updates suppliers by code.
pub async fn suppliers(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiJson(req): ApiJson<SuppliersIn>,
) -> Result<Json<Imported>, ApiError> {
    let rows = req
        .lines
        .iter()
        .map(|l| vec![l.code.clone(), l.name.clone(), l.lead_time_days.to_string()])
        .collect();
    import_lines(
        &state,
        ImportKind::Suppliers,
        "suppliers",
        &["code", "name", "lead_time_days"],
        rows,
    )
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplierItemLine {
    pub supplier: String,
    pub sku: String,
    /// Price of one base unit as decimal text (`"1.25"`), exact.
    pub price: Option<String>,
    pub currency: Option<String>,
    pub min_order_qty: Option<i64>,
    pub pack_multiple: Option<i64>,
    pub lead_time_days: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplierItemsIn {
    pub lines: Vec<SupplierItemLine>,
}

/// `POST /v1/supervisor/supplier-items`: each supplier's terms per item.
pub async fn supplier_items(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiJson(req): ApiJson<SupplierItemsIn>,
) -> Result<Json<Imported>, ApiError> {
    let rows = req
        .lines
        .iter()
        .map(|l| {
            vec![
                l.supplier.clone(),
                l.sku.clone(),
                cell(&l.price),
                cell(&l.currency),
                cell(&l.min_order_qty),
                cell(&l.pack_multiple),
                cell(&l.lead_time_days),
            ]
        })
        .collect();
    import_lines(
        &state,
        ImportKind::SupplierItems,
        "supplier-items",
        &[
            "supplier",
            "sku",
            "price",
            "currency",
            "min_order_qty",
            "pack_multiple",
            "lead_time_days",
        ],
        rows,
    )
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderLineIn {
    pub sku: String,
    pub qty: i64,
}

/// `POST /v1/supervisor/replenishment/orders`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReorderIn {
    pub warehouse: String,
    pub lines: Vec<OrderLineIn>,
}

#[derive(Debug, Serialize)]
pub struct ReorderOut {
    pub purchase_orders: Vec<RaisedOrder>,
}

/// Raises one purchase order per preferred supplier for the lines (the reorder suggestions a
/// supervisor ticked), each checked against its supplier's terms; all or none.
pub async fn reorder(
    State(state): State<AppState>,
    who: Supervisor,
    ApiJson(req): ApiJson<ReorderIn>,
) -> Result<(StatusCode, Json<ReorderOut>), ApiError> {
    let lines: Vec<(String, i64)> = req.lines.into_iter().map(|l| (l.sku, l.qty)).collect();
    let wh = req.warehouse;
    let raised = state
        .blocking(move |s| s.raise_purchase_orders(&wh, &lines))
        .await?;
    for r in &raised {
        tracing::info!(purchase_order = %r.purchase_order, supplier = ?r.supplier, by = %who.session.badge, "purchase order raised");
    }
    Ok((
        StatusCode::CREATED,
        Json(ReorderOut {
            purchase_orders: raised,
        }),
    ))
}

/// `GET /v1/supervisor/purchase-orders?warehouse=WH1`.
pub async fn list(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<WarehouseQuery>,
) -> Result<Json<Vec<PurchaseOrderSummary>>, ApiError> {
    Ok(Json(
        state
            .blocking(move |s| s.purchase_orders(&q.warehouse))
            .await?,
    ))
}
