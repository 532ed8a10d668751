//! The supervisors' API, which the supervisor web pages use: sign-in with badge and PIN (a
//! bearer session token, stored only as its hash), the exception queue and its resolution,
//! devices, replenishment and purchase orders.

use super::auth::{bearer, bearer_token};
use super::{ApiJson, ApiPath, ApiQuery, AppState};
use crate::error::ApiError;
use crate::inventory::{
    CountTask, Expiring, FaceTopUp, ItemDetail, LineAllocation, LocationDetail, LotStock,
    OrderStatus, ReplenishmentLine, Shipment, StockHit, Valuation,
};
use crate::sql::{hash_secret, random_code};
use crate::storage::{AuditEntry, DeviceRecord, Resolution, SessionRecord};
use crate::tasks::TaskLine;
use aisle_domain::TaskId;
use aisle_domain::said;
use aisle_proto::{Exception, Task};
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How long a sign-in lasts: one shift.
const SESSION_HOURS: i64 = 12;

/// The signed-in supervisor of a request.
#[derive(Debug)]
pub struct Supervisor {
    pub session: SessionRecord,
    token_hash: String,
}

impl FromRequestParts<AppState> for Supervisor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer(parts) else {
            return Err(ApiError::Unauthorized(said!(
                "signin.sign_as_supervisor_first",
                "sign in as a supervisor first"
            )));
        };
        let hash = hash_secret(token);
        let lookup = hash.clone();
        match state.blocking(move |s| s.session(&lookup)).await? {
            Some(session) => Ok(Self {
                session,
                token_hash: hash,
            }),
            None => Err(ApiError::Unauthorized(said!(
                "signin.session_ended_sign_again",
                "the session has ended; sign in again"
            ))),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub badge: String,
    pub pin: String,
}

#[derive(Debug, Serialize)]
pub struct SessionOut {
    pub token: String,
    #[serde(flatten)]
    pub session: SessionRecord,
}

pub async fn sign_in(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<SignIn>,
) -> Result<Json<SessionOut>, ApiError> {
    let badge = req.badge.trim().to_string();
    if let Err(wait) = state.limits.sign_in_allowed(&badge) {
        return Err(ApiError::TooManyRequests {
            message: said!(
                "signin.locked",
                "too many wrong PINs for badge {badge}; it is locked for {minutes} more minute(s)",
                badge = badge,
                minutes = wait.as_secs().div_ceil(60)
            ),
            retry_after: wait,
        });
    }
    let token = random_code(32).map_err(ApiError::from)?;
    let hash = hash_secret(&token);
    let expires = Utc::now() + chrono::Duration::hours(SESSION_HOURS);
    let opened = state
        .blocking(move |s| s.open_session(&req.badge, &req.pin, &hash, expires))
        .await;
    let session = match opened {
        Ok(s) => s,
        Err(ApiError::Forbidden(m)) => {
            state.limits.sign_in_failed(&badge);
            let who = badge.clone();
            state
                .blocking(move |s| s.audit(&who, "sign in", "refused: wrong badge or PIN"))
                .await?;
            return Err(ApiError::Unauthorized(m));
        }
        Err(other) => return Err(other),
    };
    state.limits.sign_in_succeeded(&session.badge);
    let who = session.badge.clone();
    state
        .blocking(move |s| s.audit(&who, "sign in", "200 OK"))
        .await?;
    tracing::info!(badge = %session.badge, "supervisor signed in");
    Ok(Json(SessionOut { token, session }))
}

pub async fn sign_out(
    State(state): State<AppState>,
    who: Supervisor,
) -> Result<StatusCode, ApiError> {
    let hash = who.token_hash;
    state.blocking(move |s| s.close_session(&hash)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(who: Supervisor) -> Json<SessionRecord> {
    Json(who.session)
}

#[derive(Debug, Deserialize)]
pub struct ExceptionQuery {
    #[serde(default)]
    pub all: bool,
}

/// An exception as supervisors see it: with the location's code and the operator's badge of
/// the work that raised it (devices get the bare [`Exception`]).
#[derive(Debug, Serialize)]
pub struct ExceptionView {
    #[serde(flatten)]
    pub exception: Exception,
    pub location: Option<String>,
    pub operator: Option<String>,
}

pub async fn exceptions(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<ExceptionQuery>,
) -> Result<Json<Vec<ExceptionView>>, ApiError> {
    let (list, context) = state
        .blocking(move |s| Ok((s.exceptions(!q.all)?, s.exception_context(!q.all)?)))
        .await?;
    let mut context: std::collections::HashMap<_, _> =
        context.into_iter().map(|c| (c.id, c)).collect();
    Ok(Json(
        list.into_iter()
            .map(|exception| {
                let c = context.remove(&exception.id);
                ExceptionView {
                    location: c.as_ref().and_then(|c| c.location.clone()),
                    operator: c.and_then(|c| c.operator),
                    exception,
                }
            })
            .collect(),
    ))
}

/// `{"accept": {"note": …}}`, `{"adjust": {"qty": -2, "reason": …}}`, for a count variance
/// `{"reject": {"note": …}}`, and for a held operation `{"release": {"note": …}}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ResolveIn {
    Accept { note: String },
    Adjust { qty: i64, reason: String },
    Reject { note: String },
    Release { note: String },
}

pub async fn resolve(
    State(state): State<AppState>,
    who: Supervisor,
    ApiPath(id): ApiPath<uuid::Uuid>,
    ApiJson(req): ApiJson<ResolveIn>,
) -> Result<Json<Exception>, ApiError> {
    let resolution = match req {
        ResolveIn::Accept { note } => Resolution::Accept { note },
        ResolveIn::Adjust { qty, reason } => Resolution::Adjust { qty, reason },
        ResolveIn::Reject { note } => Resolution::Reject { note },
        ResolveIn::Release { note } => Resolution::Release { note },
    };
    let by = who.session.badge.clone();
    let x = state
        .blocking(move |s| s.resolve_exception(id, &by, &resolution))
        .await?;
    tracing::info!(exception = %id, by = %who.session.badge, "exception resolved");
    Ok(Json(x))
}

/// A device with what it had not yet pushed when it last called.
#[derive(Debug, Serialize)]
pub struct DeviceOut {
    #[serde(flatten)]
    pub device: DeviceRecord,
    pub waiting: Option<u64>,
}

impl From<DeviceRecord> for DeviceOut {
    fn from(device: DeviceRecord) -> Self {
        Self {
            waiting: device.waiting(),
            device,
        }
    }
}

/// A warehouse as the supervisor pages list it (the id matches exceptions' `warehouse_id`).
#[derive(Debug, Serialize)]
pub struct WarehouseOut {
    pub id: aisle_domain::WarehouseId,
    pub code: String,
    pub name: String,
}

/// Every warehouse, by code: the pages' warehouse selector.
pub async fn warehouses(
    State(state): State<AppState>,
    _who: Supervisor,
) -> Result<Json<Vec<WarehouseOut>>, ApiError> {
    let all = state.blocking(|s| s.warehouses()).await?;
    Ok(Json(
        all.into_iter()
            .map(|w| WarehouseOut {
                id: w.id,
                code: w.code,
                name: w.name,
            })
            .collect(),
    ))
}

pub async fn devices(
    State(state): State<AppState>,
    _who: Supervisor,
) -> Result<Json<Vec<DeviceOut>>, ApiError> {
    let devices = state.blocking(|s| s.devices()).await?;
    Ok(Json(devices.into_iter().map(DeviceOut::from).collect()))
}

#[derive(Debug, Deserialize)]
pub struct TaskQuery {
    pub warehouse: String,
    /// Every state, not only open tasks.
    #[serde(default)]
    pub all: bool,
}

pub async fn tasks(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<TaskQuery>,
) -> Result<Json<Vec<TaskLine>>, ApiError> {
    Ok(Json(
        state
            .blocking(move |s| s.tasks(&q.warehouse, !q.all))
            .await?,
    ))
}

/// A supervisor action on one warehouse (top-ups, quarantine of expired stock).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopUpsIn {
    pub warehouse: String,
}

/// Sends every pick face below its minimum to the devices as a move task.
pub async fn release_top_ups(
    State(state): State<AppState>,
    who: Supervisor,
    ApiJson(req): ApiJson<TopUpsIn>,
) -> Result<(StatusCode, Json<Vec<Task>>), ApiError> {
    let by = who.session.badge;
    let tasks = state
        .blocking(move |s| s.release_top_ups(&req.warehouse, &by))
        .await?;
    Ok((StatusCode::CREATED, Json(tasks)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountsIn {
    pub warehouse: String,
    /// Items to count; empty means the most overdue items of the plan.
    #[serde(default)]
    pub skus: Vec<String>,
}

/// Sends count tasks (blind) to the devices.
pub async fn release_counts(
    State(state): State<AppState>,
    who: Supervisor,
    ApiJson(req): ApiJson<CountsIn>,
) -> Result<(StatusCode, Json<Vec<Task>>), ApiError> {
    let by = who.session.badge;
    let today = Utc::now().date_naive();
    let tasks = state
        .blocking(move |s| s.release_counts(&req.warehouse, &req.skus, today, &by))
        .await?;
    Ok((StatusCode::CREATED, Json(tasks)))
}

/// A blind recount of the stock behind a count exception.
pub async fn recount(
    State(state): State<AppState>,
    who: Supervisor,
    ApiPath(id): ApiPath<uuid::Uuid>,
) -> Result<(StatusCode, Json<Task>), ApiError> {
    let by = who.session.badge;
    let task = state.blocking(move |s| s.recount(id, &by)).await?;
    Ok((StatusCode::CREATED, Json(task)))
}

pub async fn cancel_task(
    State(state): State<AppState>,
    who: Supervisor,
    ApiPath(id): ApiPath<TaskId>,
) -> Result<Json<Task>, ApiError> {
    let by = who.session.badge;
    Ok(Json(state.blocking(move |s| s.cancel_task(id, &by)).await?))
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    pub limit: Option<u32>,
}

/// The latest supervisor actions (200 unless `limit` says otherwise, at most 1,000).
pub async fn audit(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    let limit = q.limit.unwrap_or(200).clamp(1, 1_000);
    Ok(Json(state.blocking(move |s| s.audit_log(limit)).await?))
}

/// Records every change a supervisor asks for (not the reads) with its outcome, after the
/// answer is known. Sign-in records itself, since the badge is in its body.
pub async fn record_actions(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let watched = path.starts_with("/v1/supervisor/")
        && method != axum::http::Method::GET
        && !(path == "/v1/supervisor/session" && method == axum::http::Method::POST);
    if !watched {
        return next.run(req).await;
    }
    // Who asked: the session's badge (a request without a live session is refused anyway).
    let badge = match bearer_token(req.headers()).map(hash_secret) {
        Some(h) => state
            .blocking(move |s| s.session(&h))
            .await
            .ok()
            .flatten()
            .map(|s| s.badge),
        None => None,
    };
    let resp = next.run(req).await;
    if let Some(badge) = badge {
        let action = format!("{method} {path}");
        let outcome = resp.status().to_string();
        if let Err(e) = state
            .blocking(move |s| s.audit(&badge, &action, &outcome))
            .await
        {
            tracing::error!(error = ?e, "the audit log could not be written");
        }
    }
    resp
}

pub async fn location(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<WarehouseQuery>,
) -> Result<Json<LocationDetail>, ApiError> {
    Ok(Json(
        state
            .blocking(move |s| s.location_detail(&q.warehouse, &code))
            .await?,
    ))
}

pub async fn lot(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiPath(lot): ApiPath<String>,
) -> Result<Json<Vec<LotStock>>, ApiError> {
    Ok(Json(state.blocking(move |s| s.lot_stock(&lot)).await?))
}

pub async fn valuation(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<WarehouseQuery>,
) -> Result<Json<Valuation>, ApiError> {
    Ok(Json(
        state.blocking(move |s| s.valuation(&q.warehouse)).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ReplenishQuery {
    pub warehouse: String,
    pub service_level: Option<f64>,
}

pub async fn replenishment(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<ReplenishQuery>,
) -> Result<Json<Vec<ReplenishmentLine>>, ApiError> {
    let today = Utc::now().date_naive();
    let level = q.service_level.unwrap_or(0.95);
    Ok(Json(
        state
            .blocking(move |s| s.replenishment(&q.warehouse, today, level))
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoLine {
    pub sku: String,
    pub qty: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurchaseOrderIn {
    pub warehouse: String,
    /// The supplier's code: every line must then meet its terms.
    pub supplier: Option<String>,
    pub lines: Vec<PoLine>,
    pub expected_date: Option<NaiveDate>,
}

pub async fn purchase_order(
    State(state): State<AppState>,
    who: Supervisor,
    ApiJson(req): ApiJson<PurchaseOrderIn>,
) -> Result<(StatusCode, Json<crate::inventory::RaisedOrder>), ApiError> {
    let lines: Vec<(String, i64)> = req.lines.into_iter().map(|l| (l.sku, l.qty)).collect();
    let wh = req.warehouse;
    let supplier = req.supplier;
    let po = state
        .blocking(move |s| {
            s.create_purchase_order(&wh, supplier.as_deref(), &lines, req.expected_date)
        })
        .await?;
    tracing::info!(purchase_order = %po.purchase_order, supplier = ?po.supplier, by = %who.session.badge, "purchase order raised");
    Ok((StatusCode::CREATED, Json(po)))
}

#[derive(Debug, Deserialize)]
pub struct StockQuery {
    pub q: String,
}

pub async fn stock(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<StockQuery>,
) -> Result<Json<Vec<StockHit>>, ApiError> {
    Ok(Json(
        state.blocking(move |s| s.stock_search(&q.q, 50)).await?,
    ))
}

pub async fn item(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiPath(sku): ApiPath<String>,
    ApiQuery(q): ApiQuery<ReplenishQuery>,
) -> Result<Json<ItemDetail>, ApiError> {
    let today = Utc::now().date_naive();
    let level = q.service_level.unwrap_or(0.95);
    Ok(Json(
        state
            .blocking(move |s| s.item_detail(&q.warehouse, &sku, today, level))
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct WarehouseQuery {
    pub warehouse: String,
}

pub async fn counts(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<WarehouseQuery>,
) -> Result<Json<Vec<CountTask>>, ApiError> {
    let today = Utc::now().date_naive();
    Ok(Json(
        state
            .blocking(move |s| s.count_plan(&q.warehouse, today))
            .await?,
    ))
}

pub async fn allocation(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<WarehouseQuery>,
) -> Result<Json<Vec<LineAllocation>>, ApiError> {
    Ok(Json(
        state.blocking(move |s| s.allocation(&q.warehouse)).await?,
    ))
}

pub async fn orders(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<WarehouseQuery>,
) -> Result<Json<Vec<OrderStatus>>, ApiError> {
    Ok(Json(state.blocking(move |s| s.orders(&q.warehouse)).await?))
}

pub async fn ship(
    State(state): State<AppState>,
    who: Supervisor,
    ApiPath(order): ApiPath<String>,
    ApiJson(step): ApiJson<Shipment>,
) -> Result<Json<OrderStatus>, ApiError> {
    let by = who.session.badge.clone();
    let status = state
        .blocking(move |s| s.confirm_shipment(&order, &step, &by))
        .await?;
    tracing::info!(order = %status.order, status = %status.status, by = %who.session.badge, "shipping confirmed");
    Ok(Json(status))
}

/// `{"choice": "ship_partial"}` or `{"choice": "backorder"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShortIn {
    pub choice: crate::shortfall::ShortChoice,
}

/// `POST /v1/supervisor/orders/{order}/short`: an order picked short ships what was picked, and
/// the rest is cut or becomes a backorder.
pub async fn settle_short(
    State(state): State<AppState>,
    who: Supervisor,
    ApiPath(order): ApiPath<String>,
    ApiJson(req): ApiJson<ShortIn>,
) -> Result<Json<crate::shortfall::ShortOutcome>, ApiError> {
    let by = who.session.badge.clone();
    Ok(Json(
        state
            .blocking(move |s| s.settle_short(&order, req.choice, &by))
            .await?,
    ))
}

pub async fn face_top_ups(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<WarehouseQuery>,
) -> Result<Json<Vec<FaceTopUp>>, ApiError> {
    Ok(Json(
        state
            .blocking(move |s| s.face_top_ups(&q.warehouse))
            .await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ExpiringQuery {
    pub warehouse: String,
    pub days: Option<u32>,
}

pub async fn expiring(
    State(state): State<AppState>,
    _who: Supervisor,
    ApiQuery(q): ApiQuery<ExpiringQuery>,
) -> Result<Json<Vec<Expiring>>, ApiError> {
    let today = Utc::now().date_naive();
    let days = q.days.unwrap_or(30).min(3650);
    Ok(Json(
        state
            .blocking(move |s| s.expiring(&q.warehouse, today, days))
            .await?,
    ))
}

/// Moves every expired stock line of the warehouse into its quarantine location: one action.
pub async fn quarantine_expired(
    State(state): State<AppState>,
    who: Supervisor,
    ApiJson(req): ApiJson<TopUpsIn>,
) -> Result<Json<Vec<Expiring>>, ApiError> {
    let by = who.session.badge;
    let today = Utc::now().date_naive();
    Ok(Json(
        state
            .blocking(move |s| s.quarantine_expired(&req.warehouse, today, &by))
            .await?,
    ))
}
