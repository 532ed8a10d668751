//! The ledger's error type: what a shared write or read of the ledger tables can fail with. The
//! device and the server map each variant onto their own kinds, causes kept.

use aisle_domain::import::ImportError;

/// Non-exhaustive: the `postgres` feature adds a variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// Input that cannot be stored as given (an item whose barcode is another's, an empty code).
    #[error("{0}")]
    Invalid(String),
    #[error("no {what} matches {key:?}")]
    NotFound { what: &'static str, key: String },
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored data could not be decoded: {0}")]
    Decode(String),
    #[cfg(feature = "postgres")]
    #[error("database error: {}", pg_message(.0))]
    Postgres(#[from] postgres::Error),
}

/// What PostgreSQL said (its message, and where), not only "db error".
#[cfg(feature = "postgres")]
fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!(
            "{} ({}){}",
            db.message(),
            db.code().code(),
            db.detail().map(|d| format!(": {d}")).unwrap_or_default()
        ),
        None => e.to_string(),
    }
}

impl LedgerError {
    /// A unique or primary-key constraint refused the write.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Self::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
                f.code == rusqlite::ErrorCode::ConstraintViolation
                    && matches!(f.extended_code, 1555 | 2067)
            }
            #[cfg(feature = "postgres")]
            Self::Postgres(e) => e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }

    /// The database refused text it cannot hold (PostgreSQL's text has no U+0000): bad input,
    /// not a broken store.
    pub fn is_unstorable_text(&self) -> bool {
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgres(e) => matches!(
                e.code(),
                Some(c) if *c == postgres::error::SqlState::CHARACTER_NOT_IN_REPERTOIRE
                    || *c == postgres::error::SqlState::UNTRANSLATABLE_CHARACTER
            ),
            _ => false,
        }
    }

    /// The database could not be reached or the connection broke (PostgreSQL restarting or
    /// failing over): the statement did nothing and may be tried again on a new connection.
    pub fn is_unavailable(&self) -> bool {
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgres(e) => {
                e.is_closed()
                    || e.code().is_some_and(|c| {
                        *c == postgres::error::SqlState::ADMIN_SHUTDOWN
                            || *c == postgres::error::SqlState::CRASH_SHUTDOWN
                            || *c == postgres::error::SqlState::CANNOT_CONNECT_NOW
                            || *c == postgres::error::SqlState::TOO_MANY_CONNECTIONS
                            || c.code().starts_with("08")
                    })
                    || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
            }
            _ => false,
        }
    }

    /// A foreign-key constraint refused the write.
    pub fn is_foreign_key_violation(&self) -> bool {
        match self {
            Self::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
                f.code == rusqlite::ErrorCode::ConstraintViolation && f.extended_code == 787
            }
            #[cfg(feature = "postgres")]
            Self::Postgres(e) => {
                e.code() == Some(&postgres::error::SqlState::FOREIGN_KEY_VIOLATION)
            }
            _ => false,
        }
    }
}

impl From<serde_json::Error> for LedgerError {
    fn from(e: serde_json::Error) -> Self {
        Self::Decode(e.to_string())
    }
}

pub type Result<T, E = LedgerError> = std::result::Result<T, E>;
