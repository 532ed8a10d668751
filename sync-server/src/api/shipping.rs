//! Packing and shipping: SSCC blocks for devices' cartons, and for supervisors the cartons, the
//! shipments, each shipment's packing slip (PDF), each carton's label (SVG, PDF or ZPL) and
//! printing a label on one of the configured network printers.

use super::auth::AuthDevice;
use super::supervisor::Supervisor;
use super::{ApiJson, ApiPath, ApiQuery, AppState};
use crate::config::FileConfig;
use crate::error::ApiError;
use crate::inventory::ShipmentSummary;
use aisle_domain::said;
use aisle_domain::sscc::{self, SsccBlock};
use aisle_proto::Carton;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// How cartons are numbered and where labels may be printed (the configuration file's
/// `gs1_company_prefix`, `sscc_extension` and `[printers]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbound {
    pub sscc_extension: u8,
    pub gs1_prefix: String,
    /// Printer name to `host[:port]`.
    pub printers: BTreeMap<String, String>,
}

/// GS1's example company prefix: fine for the demo, never for real labels.
pub const DEMO_PREFIX: &str = "0614141";

impl Default for Outbound {
    fn default() -> Self {
        Self {
            sscc_extension: 9,
            gs1_prefix: DEMO_PREFIX.to_string(),
            printers: BTreeMap::new(),
        }
    }
}

impl Outbound {
    /// The settings from the configuration file, checked: a prefix that cannot number an SSCC is
    /// refused at start-up, not at the first carton.
    pub fn from_config(file: &FileConfig) -> Result<Self, String> {
        let mut out = Self::default();
        if let Some(p) = &file.gs1_company_prefix {
            out.gs1_prefix = p.trim().to_string();
        }
        if let Some(e) = file.sscc_extension {
            out.sscc_extension = e;
        }
        sscc::mint(out.sscc_extension, &out.gs1_prefix, 0)
            .map_err(|e| format!("configuration: {e}"))?;
        for (name, addr) in &file.printers {
            if addr.trim().is_empty() {
                return Err(format!("configuration: printer {name:?} has no address"));
            }
        }
        out.printers = file.printers.clone();
        Ok(out)
    }
}

/// `POST /v1/sscc-blocks`: serial references for this device's next cartons.
pub async fn sscc_block(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
) -> Result<Json<SsccBlock>, ApiError> {
    let out = state.outbound.clone();
    Ok(Json(
        state
            .blocking(move |s| s.reserve_sscc_block(&device, out.sscc_extension, &out.gs1_prefix))
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct CartonsQuery {
    pub warehouse: String,
    pub order: Option<String>,
}

/// `GET /v1/supervisor/cartons?warehouse=WH1[&order=SO-1]`.
pub async fn cartons(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<CartonsQuery>,
) -> Result<Json<Vec<Carton>>, ApiError> {
    Ok(Json(
        state
            .blocking(move |s| s.cartons(&q.warehouse, q.order.as_deref()))
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ShipmentsQuery {
    pub warehouse: String,
    /// At most this many (100 unless given; at most 1,000).
    pub limit: Option<u32>,
}

/// `GET /v1/supervisor/shipments?warehouse=WH1`: shipments of cartons, newest first.
pub async fn shipments(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<ShipmentsQuery>,
) -> Result<Json<Vec<ShipmentSummary>>, ApiError> {
    let limit = q.limit.unwrap_or(100).min(1_000);
    Ok(Json(
        state
            .blocking(move |s| s.shipments(&q.warehouse, limit))
            .await?,
    ))
}

fn document(content_type: &'static str, name: String, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /v1/supervisor/shipments/{id}/packing-slip`: the shipment's packing slip as PDF.
pub async fn packing_slip(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let key = id.clone();
    let slip = state
        .blocking(move |s| s.packing_slip(&key))
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(said!("shipping.no_shipment", "no shipment {id:?}", id = id))
        })?;
    let short: String = id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    Ok(document(
        "application/pdf",
        format!("packing-slip-{short}.pdf"),
        slip.pdf(),
    ))
}

#[derive(Debug, Deserialize)]
pub struct LabelQuery {
    /// `svg` (the default), `pdf` or `zpl`.
    pub format: Option<String>,
}

async fn label_of(
    state: &AppState,
    sscc: String,
) -> Result<aisle_labels::carton::CartonLabel, ApiError> {
    let key = sscc.clone();
    state
        .blocking(move |s| s.carton_label(&key))
        .await?
        .ok_or_else(|| {
            ApiError::NotFound(said!(
                "shipping.no_carton",
                "no carton {sscc:?}",
                sscc = sscc
            ))
        })
}

fn label_error(e: aisle_labels::LabelError) -> ApiError {
    ApiError::Unprocessable(said!(
        "shipping.label_cannot_drawn",
        "the label cannot be drawn: {e}",
        e = e
    ))
}

/// `GET /v1/supervisor/cartons/{sscc}/label?format=svg|pdf|zpl`.
pub async fn label(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiPath(sscc): ApiPath<String>,
    ApiQuery(q): ApiQuery<LabelQuery>,
) -> Result<Response, ApiError> {
    let format = q
        .format
        .unwrap_or_else(|| "svg".into())
        .to_ascii_lowercase();
    if !matches!(format.as_str(), "svg" | "pdf" | "zpl") {
        return Err(ApiError::BadRequest(said!(
            "shipping.format_svg_pdf_or",
            "format {format:?}: svg, pdf or zpl",
            format = format
        )));
    }
    let l = label_of(&state, sscc.clone()).await?;
    let name = format!("carton-{}.{format}", l.sscc);
    Ok(match format.as_str() {
        "pdf" => document("application/pdf", name, l.pdf().map_err(label_error)?),
        "zpl" => document(
            "application/zpl",
            name,
            l.zpl().map_err(label_error)?.into_bytes(),
        ),
        _ => document(
            "image/svg+xml",
            name,
            l.svg().map_err(label_error)?.into_bytes(),
        ),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrintIn {
    /// A printer named in the server's configuration.
    pub printer: String,
}

/// `POST /v1/supervisor/cartons/{sscc}/print`: the carton's ZPL label to a configured printer.
pub async fn print(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiPath(sscc): ApiPath<String>,
    ApiJson(req): ApiJson<PrintIn>,
) -> Result<StatusCode, ApiError> {
    let Some(addr) = state.outbound.printers.get(req.printer.trim()).cloned() else {
        let known: Vec<&str> = state.outbound.printers.keys().map(String::as_str).collect();
        return Err(ApiError::Unprocessable(if known.is_empty() {
            said!(
                "shipping.no_printers",
                "no printer {printer:?} is configured (known: none: add [printers] to the server's configuration)",
                printer = req.printer
            )
        } else {
            said!(
                "shipping.no_printer",
                "no printer {printer:?} is configured (known: {known})",
                printer = req.printer,
                known = known.join(", ")
            )
        }));
    };
    let zpl = label_of(&state, sscc).await?.zpl().map_err(label_error)?;
    tokio::task::spawn_blocking(move || {
        aisle_labels::printer::send(&addr, zpl.as_bytes(), Duration::from_secs(5))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("printing task failed: {e}")))?
    // The printer is off or out of reach: the supervisor's to fix, not the server's failure.
    .map_err(|e| ApiError::Unprocessable(e.said()))?;
    Ok(StatusCode::NO_CONTENT)
}
