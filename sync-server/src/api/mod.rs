//! The HTTP API: one module per area, one error type, and `router(state)` that tests call with
//! `oneshot` and `serve` runs on a socket.

pub mod auth;
pub mod dashboard;
pub mod devices;
pub mod enroll;
pub mod health;
pub mod leases;
pub mod limits;
pub mod operators;
pub mod returns;
pub mod shipping;
pub mod supervisor;
pub mod suppliers;
pub mod sync;
pub mod transfers;
pub mod web;
pub mod work;

use crate::error::ApiError;
use crate::storage::Storage;
use aisle_domain::said;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// Largest request body accepted (after decompression limits are applied per body).
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Longest a request may take by default, from its first byte to its answer.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Metrics {
    pub pushes: AtomicU64,
    pub ops_applied: AtomicU64,
    pub ops_duplicate: AtomicU64,
    pub pulls: AtomicU64,
    pub ops_pulled: AtomicU64,
    pub auth_failures: AtomicU64,
    pub rejected: AtomicU64,
    pub rate_limited: AtomicU64,
}

impl Metrics {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// What every handler shares.
#[derive(Clone, Debug)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub metrics: Arc<Metrics>,
    pub limits: Arc<limits::Limits>,
    /// Longest a request may take, from its first byte to its answer ([`REQUEST_TIMEOUT`]).
    pub request_timeout: std::time::Duration,
    /// Pushes read and applied at once ([`PUSHES_AT_ONCE`]).
    pub pushes: Arc<tokio::sync::Semaphore>,
    /// Cartons' SSCC numbering and the label printers.
    pub outbound: Arc<shipping::Outbound>,
    /// The warehouse CA's certificate (PEM) that enrolment QR codes carry, when the server's
    /// certificate is signed by the warehouse's own CA.
    pub enrolment_ca: Option<Arc<str>>,
}

/// A short name a supervisor gives (a badge, an operator's or a tablet's name): 1 to 64
/// characters, none of them a control character.
pub(crate) fn short_name(
    what: aisle_domain::said::Said,
    value: &str,
) -> Result<(), crate::error::ApiError> {
    if value.is_empty() || value.chars().count() > 64 || value.chars().any(char::is_control) {
        return Err(crate::error::ApiError::Unprocessable(said!(
            "pages.short_name",
            "the {what} must be 1 to 64 characters, none of them a control character; nothing was saved",
            what = what
        )));
    }
    Ok(())
}

/// Pushes this process reads and applies at once; the others wait their turn with their bodies
/// still unread. Pushes are written one at a time anyway (one writer), so more at once only held
/// more entries in memory: 50 devices pushing 2,000 each at once took the server to 162 MiB
/// (docs/PERFORMANCE.md, session 9). Two: one applying, the next read and ready.
pub const PUSHES_AT_ONCE: usize = 2;

impl AppState {
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        Self::with_limits(storage, limits::Limits::default())
    }

    pub fn with_limits(storage: Arc<dyn Storage>, limits: limits::Limits) -> Self {
        Self {
            storage,
            metrics: Arc::new(Metrics::default()),
            limits: Arc::new(limits),
            request_timeout: REQUEST_TIMEOUT,
            pushes: Arc::new(tokio::sync::Semaphore::new(PUSHES_AT_ONCE)),
            outbound: Arc::new(shipping::Outbound::default()),
            enrolment_ca: None,
        }
    }

    /// Runs a storage call on the blocking pool.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Storage) -> Result<T, crate::error::StorageError> + Send + 'static,
    {
        let storage = self.storage.clone();
        tokio::task::spawn_blocking(move || f(storage.as_ref()))
            .await
            .map_err(|e| ApiError::Internal(format!("storage task failed: {e}")))?
            .map_err(ApiError::from)
    }
}

/// JSON bodies whose rejections are reported in the API's error shape.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(JsonRejection::BytesRejection(e)) => {
                Err(ApiError::PayloadTooLarge(request_refused(e.body_text())))
            }
            Err(e) => Err(ApiError::BadRequest(request_refused(e.body_text()))),
        }
    }
}

/// A NUL (`%00`) in a query or a path is refused on both backends alike: PostgreSQL cannot hold
/// it, and no code, badge or number has one.
fn refuse_nul(text: &str) -> Result<(), ApiError> {
    if text.contains("%00") {
        return Err(ApiError::BadRequest(said!(
            "sync.nul_in_request",
            "the request holds a NUL character (%00), which no code, badge or number has"
        )));
    }
    Ok(())
}

/// Query strings whose rejections are reported in the API's error shape.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        refuse_nul(parts.uri.query().unwrap_or_default())?;
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| Self(v))
            .map_err(|e| ApiError::BadRequest(request_refused(e.body_text())))
    }
}

/// A request the web framework could not read (its JSON, query or path), in the reader's words
/// around the framework's own English reason.
pub(crate) fn request_refused(reason: String) -> aisle_domain::said::Said {
    said!(
        "sync.request_refused",
        "the request cannot be read: {reason}",
        reason = reason
    )
}

/// Path segments whose rejections are reported in the API's error shape.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        refuse_nul(parts.uri.path())?;
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Self(v))
            .map_err(|e| ApiError::BadRequest(request_refused(e.body_text())))
    }
}

/// The whole API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(web::index))
        .route("/web/{file}", get(web::asset))
        .route("/web/locales/{file}", get(web::locale))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .route("/v1/openapi.json", get(health::openapi))
        .route("/v1/enroll", post(enroll::enroll))
        .route("/v1/push", post(sync::push))
        .route("/v1/pull", get(sync::pull))
        .route("/v1/snapshot", get(sync::snapshot))
        .route("/v1/claims", post(sync::claim))
        .route("/v1/sscc-blocks", post(shipping::sscc_block))
        .route("/v1/supervisor/leases", get(leases::list))
        .route("/v1/supervisor/leases/release", post(leases::release))
        .route("/v1/supervisor/leases/assign", post(leases::assign))
        .route(
            "/v1/supervisor/waves",
            get(leases::waves).post(leases::create_wave),
        )
        .route(
            "/v1/supervisor/waves/{wave}/release",
            post(leases::release_wave),
        )
        .route(
            "/v1/supervisor/session",
            post(supervisor::sign_in)
                .get(supervisor::me)
                .delete(supervisor::sign_out),
        )
        .route("/v1/supervisor/exceptions", get(supervisor::exceptions))
        .route(
            "/v1/supervisor/exceptions/{id}/resolve",
            post(supervisor::resolve),
        )
        .route(
            "/v1/supervisor/exceptions/{id}/recount",
            post(supervisor::recount),
        )
        .route("/v1/supervisor/tasks", get(supervisor::tasks))
        .route(
            "/v1/supervisor/tasks/top-ups",
            post(supervisor::release_top_ups),
        )
        .route(
            "/v1/supervisor/tasks/counts",
            post(supervisor::release_counts),
        )
        .route(
            "/v1/supervisor/tasks/{id}/cancel",
            post(supervisor::cancel_task),
        )
        .route("/v1/supervisor/valuation", get(supervisor::valuation))
        .route("/v1/supervisor/audit", get(supervisor::audit))
        .route("/v1/supervisor/locations/{code}", get(supervisor::location))
        .route("/v1/supervisor/lots/{lot}", get(supervisor::lot))
        .route("/v1/supervisor/devices", get(supervisor::devices))
        .route("/v1/supervisor/devices/enrol", post(devices::enrol))
        .route("/v1/supervisor/devices/{id}/revoke", post(devices::revoke))
        .route("/v1/supervisor/dashboard", get(dashboard::dashboard))
        .route("/v1/supervisor/warehouses", get(supervisor::warehouses))
        .route(
            "/v1/supervisor/operators",
            get(operators::list).post(operators::save),
        )
        .route(
            "/v1/supervisor/operators/{badge}/disable",
            post(operators::disable),
        )
        .route(
            "/v1/supervisor/operators/{badge}/enable",
            post(operators::enable),
        )
        .route(
            "/v1/supervisor/operators/{badge}/language",
            post(operators::language),
        )
        .route("/v1/supervisor/stock", get(supervisor::stock))
        .route("/v1/supervisor/expiring", get(supervisor::expiring))
        .route(
            "/v1/supervisor/expired/quarantine",
            post(supervisor::quarantine_expired),
        )
        .route("/v1/supervisor/counts", get(supervisor::counts))
        .route("/v1/supervisor/allocation", get(supervisor::allocation))
        .route(
            "/v1/supervisor/orders",
            get(supervisor::orders).post(work::order),
        )
        .route("/v1/supervisor/receipts", post(work::receipt))
        .route(
            "/v1/supervisor/item-warehouses",
            post(work::item_warehouses),
        )
        .route("/v1/supervisor/pick-faces", get(supervisor::face_top_ups))
        .route(
            "/v1/supervisor/orders/{order}/shipment",
            post(supervisor::ship),
        )
        .route(
            "/v1/supervisor/orders/{order}/short",
            post(supervisor::settle_short),
        )
        .route("/v1/supervisor/items/{sku}", get(supervisor::item))
        .route(
            "/v1/supervisor/replenishment",
            get(supervisor::replenishment),
        )
        .route(
            "/v1/supervisor/purchase-orders",
            get(suppliers::list).post(supervisor::purchase_order),
        )
        .route(
            "/v1/supervisor/replenishment/orders",
            post(suppliers::reorder),
        )
        .route(
            "/v1/supervisor/transfers",
            get(transfers::list).post(transfers::create),
        )
        .route(
            "/v1/supervisor/transfers/{transfer}/close",
            post(transfers::close),
        )
        .route("/v1/supervisor/returns", get(returns::list))
        .route("/v1/supervisor/quarantine/release", post(returns::release))
        .route("/v1/supervisor/suppliers", post(suppliers::suppliers))
        .route(
            "/v1/supervisor/supplier-items",
            post(suppliers::supplier_items),
        )
        .route("/v1/supervisor/cartons", get(shipping::cartons))
        .route("/v1/supervisor/cartons/{sscc}/label", get(shipping::label))
        .route("/v1/supervisor/cartons/{sscc}/print", post(shipping::print))
        .route("/v1/supervisor/shipments", get(shipping::shipments))
        .route(
            "/v1/supervisor/shipments/{shipment}/packing-slip",
            get(shipping::packing_slip),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            supervisor::record_actions,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // A client that sends its request too slowly (or a handler stuck behind the database)
        // gets a 408 instead of holding a connection and a worker forever.
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            state.request_timeout,
        ))
        .layer(RequestDecompressionLayer::new())
        // Fastest gzip: pages are large and compress well even at level 1; a better ratio is not
        // worth the server's CPU while many devices sync at once.
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
