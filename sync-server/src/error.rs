//! Storage errors and the API's single error type. 5xx details are logged, never sent.

use aisle_domain::said;
use aisle_domain::said::Said;
use aisle_proto::ErrorBody;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// What a storage backend can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("{0}")]
    NotFound(Said),
    #[error("{0}")]
    Invalid(Said),
    #[error("{0}")]
    Forbidden(Said),
    #[error("sequence gap: this device's next operation must be #{expected}")]
    Gap { expected: u64 },
    #[error("{0}")]
    Conflict(Said),
    #[error(transparent)]
    Import(#[from] aisle_domain::import::ImportError),
    /// Text the database cannot hold (a NUL in a query, a name, a note): the request is bad.
    #[error("{0}")]
    BadText(Said),
    /// The database cannot be reached (PostgreSQL restarting, the network to it down): nothing
    /// was changed, and the same request later will do.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("storage failure: {0}")]
    Internal(String),
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<aisle_domain::reconcile::ViewError> for StorageError {
    fn from(e: aisle_domain::reconcile::ViewError) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<serde_json::Error> for StorageError {
    fn from(e: serde_json::Error) -> Self {
        Self::Internal(format!("stored JSON: {e}"))
    }
}

impl From<aisle_ledger::LedgerError> for StorageError {
    fn from(e: aisle_ledger::LedgerError) -> Self {
        use aisle_ledger::LedgerError as L;
        match e {
            L::Import(i) => Self::Import(i),
            // The ledger's own refusals are checks of stored data, written for warehouse IT.
            L::Invalid(m) => Self::Invalid(Said::untranslated(m)),
            L::NotFound { what, key } => Self::NotFound(said!(
                "stock.no_match",
                "no {what} matches {key:?}",
                what = what,
                key = key
            )),
            down if down.is_unavailable() => Self::Unavailable(down.to_string()),
            text if text.is_unstorable_text() => Self::BadText(said!(
                "sync.nul_text",
                "the request's text holds a NUL character (U+0000), which cannot be stored"
            )),
            other => Self::Internal(other.to_string()),
        }
    }
}

pub type StorageResult<T> = Result<T, StorageError>;

/// The one error type of every handler.
#[derive(Debug)]
pub enum ApiError {
    Unauthorized(Said),
    Forbidden(Said),
    BadRequest(Said),
    PayloadTooLarge(Said),
    NotFound(Said),
    Gap {
        expected: u64,
    },
    Conflict(Said),
    Unprocessable(Said),
    UpgradeRequired(Said),
    /// Too many requests; try again after the given time.
    TooManyRequests {
        message: Said,
        retry_after: std::time::Duration,
    },
    /// The database is down for a moment: 503 with `Retry-After`, detail in the log.
    Unavailable(String),
    Internal(String),
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound(m) => Self::NotFound(m),
            StorageError::Invalid(m) => Self::Unprocessable(m),
            StorageError::Forbidden(m) => Self::Forbidden(m),
            StorageError::Gap { expected } => Self::Gap { expected },
            StorageError::Conflict(m) => Self::Conflict(m),
            // Import rows are refused in English: imports are warehouse IT's, from the CLI or
            // an integration, and no page or tablet screen shows them.
            StorageError::Import(i) => Self::Unprocessable(Said::untranslated(i.to_string())),
            StorageError::BadText(m) => Self::BadRequest(m),
            StorageError::Unavailable(m) => Self::Unavailable(m),
            StorageError::Internal(m) => Self::Internal(m),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::TooManyRequests {
            message,
            retry_after,
        } = self
        {
            let secs = retry_after.as_secs().max(1);
            let body = ErrorBody {
                kind: "rate_limited".into(),
                said: Some(message.clone()),
                message: message.text,
                expected_seq: None,
            };
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(axum::http::header::RETRY_AFTER, secs.to_string())],
                Json(body),
            )
                .into_response();
        }
        if let Self::Unavailable(m) = self {
            tracing::warn!(error = %m, "the database is unavailable");
            let said = said!(
                "sync.database_unavailable",
                "the database is unavailable for a moment; nothing was changed, try again"
            );
            let body = ErrorBody {
                kind: "unavailable".into(),
                message: said.text.clone(),
                said: Some(said),
                expected_seq: None,
            };
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(axum::http::header::RETRY_AFTER, "2")],
                Json(body),
            )
                .into_response();
        }
        let (status, kind, message, expected_seq) = match self {
            Self::Unauthorized(m) => (StatusCode::UNAUTHORIZED, "unauthorized", m, None),
            Self::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", m, None),
            Self::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m, None),
            Self::PayloadTooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large", m, None),
            Self::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m, None),
            Self::Gap { expected } => (
                StatusCode::CONFLICT,
                "sequence_gap",
                said!(
                    "sync.sequence_gap",
                    "operations must arrive in order; the next expected from this device is #{expected}",
                    expected = expected.to_string()
                ),
                Some(expected),
            ),
            Self::Conflict(m) => (StatusCode::CONFLICT, "conflict", m, None),
            Self::Unprocessable(m) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid", m, None),
            Self::UpgradeRequired(m) => (StatusCode::BAD_REQUEST, "version_mismatch", m, None),
            Self::TooManyRequests { message, .. } => {
                (StatusCode::TOO_MANY_REQUESTS, "rate_limited", message, None)
            }
            Self::Unavailable(m) | Self::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    said!("sync.internal", "internal server error; see the server log"),
                    None,
                )
            }
        };
        (
            status,
            Json(ErrorBody {
                kind: kind.into(),
                // A message with a catalog key goes with it, for a reader in another language.
                said: (!message.key.is_empty()).then(|| message.clone()),
                message: message.text,
                expected_seq,
            }),
        )
            .into_response()
    }
}
