//! Outbound orders, expected receipts and which items each warehouse stocks over the API, for an
//! ERP that pushes its documents instead of exporting CSV files. A document goes through exactly the CSV import (the same
//! checks, all lines or none, lines matched by document and line number so sending it again
//! updates it); problems are reported by the body's own line indexes.

use super::supervisor::Supervisor;
use super::{ApiJson, AppState};
use crate::error::{ApiError, StorageError};
use crate::storage::ImportKind;
use aisle_domain::said;
use aisle_domain::said::Said;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentLine {
    pub line: u32,
    pub warehouse: String,
    pub sku: String,
    pub qty: i64,
}

/// `POST /v1/supervisor/orders`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderIn {
    pub order: String,
    #[serde(default)]
    pub customer: Option<String>,
    /// Days of shelf life the customer needs left on dated stock, for every line.
    #[serde(default)]
    pub min_shelf_life_days: Option<u32>,
    pub lines: Vec<DocumentLine>,
}

/// `POST /v1/supervisor/receipts`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptIn {
    pub receipt: String,
    #[serde(default)]
    pub expected_date: Option<chrono::NaiveDate>,
    pub lines: Vec<DocumentLine>,
}

#[derive(Debug, Serialize)]
pub struct Imported {
    pub document: String,
    pub lines: usize,
}

/// The document as the CSV the importer reads: one header line, then one row per body line,
/// each with the document's own columns (`extras`: name and value, empty when absent).
fn as_csv(
    doc_col: &str,
    doc: &str,
    extras: &[(&str, Option<String>)],
    lines: &[DocumentLine],
) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::Internal(format!("writing the document as CSV: {e}"));
    let mut header = vec![doc_col, "line", "warehouse", "sku", "qty"];
    header.extend(extras.iter().map(|(name, _)| *name));
    w.write_record(&header).map_err(fail)?;
    for l in lines {
        let mut row = vec![
            doc.to_string(),
            l.line.to_string(),
            l.warehouse.clone(),
            l.sku.clone(),
            l.qty.to_string(),
        ];
        row.extend(extras.iter().map(|(_, v)| v.clone().unwrap_or_default()));
        w.write_record(&row).map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::Internal(format!("writing the document as CSV: {e}")))
}

async fn import(state: &AppState, kind: ImportKind, csv: Vec<u8>) -> Result<usize, ApiError> {
    let storage = state.storage.clone();
    let outcome = tokio::task::spawn_blocking(move || storage.import(kind, &mut csv.as_slice()))
        .await
        .map_err(|e| ApiError::Internal(format!("import task failed: {e}")))?;
    outcome.map_err(|e| match e {
        // CSV line 2 is the body's `lines[0]`.
        // In English like every import row (see `ApiError::from`), with the body's own paths.
        StorageError::Import(i) => ApiError::Unprocessable(Said::untranslated(
            i.errors
                .iter()
                .map(|r| {
                    let at = if r.line >= 2 {
                        format!("lines[{}]", r.line - 2)
                    } else {
                        "the document".into()
                    };
                    match &r.column {
                        Some(c) => format!("{at}.{c}: {}", r.reason),
                        None => format!("{at}: {}", r.reason),
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
        )),
        other => other.into(),
    })
}

fn refuse_empty(lines: &[DocumentLine]) -> Result<(), ApiError> {
    if lines.is_empty() {
        return Err(ApiError::Unprocessable(said!(
            "work.no_lines",
            "a document needs at least one line"
        )));
    }
    Ok(())
}

pub async fn order(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiJson(req): ApiJson<OrderIn>,
) -> Result<(StatusCode, Json<Imported>), ApiError> {
    refuse_empty(&req.lines)?;
    let csv = as_csv(
        "order",
        &req.order,
        &[
            ("customer", req.customer.clone()),
            (
                "min_shelf_life_days",
                req.min_shelf_life_days.map(|d| d.to_string()),
            ),
        ],
        &req.lines,
    )?;
    let lines = import(&state, ImportKind::Orders, csv).await?;
    Ok((
        StatusCode::CREATED,
        Json(Imported {
            document: req.order,
            lines,
        }),
    ))
}

pub async fn receipt(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiJson(req): ApiJson<ReceiptIn>,
) -> Result<(StatusCode, Json<Imported>), ApiError> {
    refuse_empty(&req.lines)?;
    let date = req.expected_date.map(|d| d.to_string());
    let csv = as_csv(
        "receipt",
        &req.receipt,
        &[("expected_date", date)],
        &req.lines,
    )?;
    let lines = import(&state, ImportKind::Receipts, csv).await?;
    Ok((
        StatusCode::CREATED,
        Json(Imported {
            document: req.receipt,
            lines,
        }),
    ))
}

/// One item-warehouse pair: whether the warehouse stocks the item, its preferred supplier, and
/// the warehouse's own policy (`reorder_point` with `order_qty`, or `min` with `max`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockingLine {
    pub warehouse: String,
    pub sku: String,
    pub stocked: bool,
    pub preferred_supplier: Option<String>,
    pub reorder_point: Option<i64>,
    pub order_qty: Option<i64>,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

/// `POST /v1/supervisor/item-warehouses`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StockingIn {
    pub lines: Vec<StockingLine>,
}

/// Text of an optional cell.
pub(super) fn cell<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// Imports JSON lines as the CSV import of `kind` would (the same checks, all lines or none):
/// `header` names the columns, `rows` their cells.
pub(super) async fn import_lines(
    state: &AppState,
    kind: ImportKind,
    document: &str,
    header: &[&str],
    rows: Vec<Vec<String>>,
) -> Result<Json<Imported>, ApiError> {
    if rows.is_empty() {
        return Err(ApiError::Unprocessable(said!(
            "work.no_lines_to_import",
            "no lines to import"
        )));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::Internal(format!("writing the lines as CSV: {e}"));
    w.write_record(header).map_err(fail)?;
    for r in &rows {
        w.write_record(r).map_err(fail)?;
    }
    let csv = w
        .into_inner()
        .map_err(|e| ApiError::Internal(format!("writing the lines as CSV: {e}")))?;
    let lines = import(state, kind, csv).await?;
    Ok(Json(Imported {
        document: document.into(),
        lines,
    }))
}

/// Which items each warehouse stocks (replenishment suggests only those): the same checks as
/// `aisle-server import item-warehouses`, all lines or none.
pub async fn item_warehouses(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiJson(req): ApiJson<StockingIn>,
) -> Result<Json<Imported>, ApiError> {
    let rows = req
        .lines
        .iter()
        .map(|l| {
            vec![
                l.warehouse.clone(),
                l.sku.clone(),
                if l.stocked { "yes" } else { "no" }.into(),
                cell(&l.preferred_supplier),
                cell(&l.reorder_point),
                cell(&l.order_qty),
                cell(&l.min),
                cell(&l.max),
            ]
        })
        .collect();
    import_lines(
        &state,
        ImportKind::ItemWarehouses,
        "item-warehouses",
        &[
            "warehouse",
            "sku",
            "stocked",
            "preferred_supplier",
            "reorder_point",
            "order_qty",
            "min",
            "max",
        ],
        rows,
    )
    .await
}
