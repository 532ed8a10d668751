//! The ledger's error type: what a shared write or read of the ledger tables can fail with. The
//! device and the server map each variant onto their own kinds, causes kept.

use aisle_domain::import::ImportError;

#[derive(Debug, thiserror::Error)]
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
}

impl From<serde_json::Error> for LedgerError {
    fn from(e: serde_json::Error) -> Self {
        Self::Decode(e.to_string())
    }
}

pub type Result<T, E = LedgerError> = std::result::Result<T, E>;
