//! The device store's error type. Every variant is something a person can act on; the message
//! says what was wrong, where, and why.

use aisle_domain::import::ImportError;
use aisle_domain::op::OpError;
use aisle_domain::scan::{PatternError, ScanError};
use aisle_domain::{Said, said};

/// The English words of a variant a person acts on come from [`DeviceError::said`] (one text for
/// the CLI, logs and the catalogs' English); storage and import errors keep their own words,
/// which `said` passes on as a detail.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("{}", self.said())]
    Scan { raw: String, source: ScanError },
    #[error("{0}")]
    Operation(#[from] OpError),
    #[error("{}", self.said())]
    UnknownBarcode { raw: String, seq: u64 },
    #[error("{}", self.said())]
    WrongKind {
        expected: &'static str,
        found: String,
        raw: String,
    },
    #[error("{}", self.said())]
    NotFound { what: &'static str, key: String },
    #[error("{}", self.said())]
    Ambiguous { what: String, options: String },
    #[error("{0}")]
    Invalid(Said),
    /// The signed-in operator's role does not allow this.
    #[error("{0}")]
    Forbidden(Said),
    #[error("{}", self.said())]
    NotInitialised,
    #[error("{}", self.said())]
    AlreadyInitialised { name: String, id: String },
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("configuration: {0}")]
    Pattern(#[from] PatternError),
    #[error("the database file is not usable: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// The disk (or the database's size limit) is full: the transaction was rolled back whole.
    #[error("{}", self.said())]
    StorageFull,
    /// SQLite found the file damaged.
    #[error("{}", self.said())]
    Damaged(String),
    #[error("stored data could not be decoded: {0}")]
    Decode(String),
    /// The rules could not read the state they check (a storage failure, never a verdict).
    #[error("checking the operation against this device's data: {0}")]
    View(#[from] aisle_domain::reconcile::ViewError),
    /// The server could not be reached or did not answer; the work stays on the device.
    #[error("{}", self.said())]
    Network(String),
    /// The server refused; `kind` is the server's error kind.
    #[error("{}", self.said())]
    Sync { kind: String, message: Box<Said> },
    /// The server expects another sequence number next (handled inside sync).
    #[error("{}", self.said())]
    SequenceGap { expected: u64 },
}

impl From<rusqlite::Error> for DeviceError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => Self::StorageFull,
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                Self::Damaged(e.to_string())
            }
            _ => Self::Sqlite(e),
        }
    }
}

/// The shared ledger's errors keep their kinds: an invalid item is `invalid`, a bad import row
/// `bad_import`, a full disk `storage_full`.
impl From<aisle_ledger::LedgerError> for DeviceError {
    fn from(e: aisle_ledger::LedgerError) -> Self {
        use aisle_ledger::LedgerError as L;
        match e {
            L::Invalid(m) => Self::Invalid(Said::untranslated(m)),
            L::NotFound { what, key } => Self::NotFound { what, key },
            L::Import(i) => Self::Import(i),
            L::Sqlite(s) => s.into(),
            L::Decode(m) => Self::Decode(m),
            // The server's database errors; a device never opens one.
            other => Self::Decode(other.to_string()),
        }
    }
}

impl From<serde_json::Error> for DeviceError {
    fn from(e: serde_json::Error) -> Self {
        Self::Decode(e.to_string())
    }
}

impl DeviceError {
    /// A stable, machine-readable name for the kind of error, for front ends to branch on.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Scan { .. } => "bad_scan",
            Self::Operation(_) => "invalid_operation",
            Self::UnknownBarcode { .. } => "unknown_barcode",
            Self::WrongKind { .. } => "wrong_kind",
            Self::NotFound { .. } => "not_found",
            Self::Ambiguous { .. } => "ambiguous",
            Self::Invalid(_) => "invalid",
            Self::Forbidden(_) => "forbidden",
            Self::NotInitialised => "not_initialised",
            Self::AlreadyInitialised { .. } => "already_initialised",
            Self::Import(_) => "bad_import",
            Self::Pattern(_) => "bad_configuration",
            Self::Migration(_) | Self::Sqlite(_) | Self::Decode(_) | Self::View(_) => "storage",
            Self::StorageFull => "storage_full",
            Self::Damaged(_) => "damaged",
            Self::Network(_) => "offline",
            Self::Sync { .. } | Self::SequenceGap { .. } => "sync_refused",
        }
    }
}

impl DeviceError {
    /// The message for the person at the screen, with its catalog key and values (see
    /// [`aisle_domain::said`]); its text is this error's English message.
    pub fn said(&self) -> Said {
        match self {
            Self::Scan { raw, source } => {
                let reason = source.said();
                said!(
                    "device.bad_scan",
                    "scan {raw:?} is not valid: {reason}",
                    raw = raw.clone(),
                    reason = reason.text.clone()
                )
                .nest("reason", reason)
            }
            Self::Operation(e) => e.said(),
            Self::UnknownBarcode { raw, seq } => said!(
                "device.unknown_barcode",
                "barcode {raw:?} is not known on this device; it was recorded as unknown scan #{seq} for a supervisor",
                raw = raw.clone(),
                seq = seq.to_string()
            ),
            Self::WrongKind {
                expected,
                found,
                raw,
            } => said!(
                "device.wrong_kind",
                "expected {expected}, but {raw:?} is {found}",
                expected = *expected,
                raw = raw.clone(),
                found = found.clone()
            ),
            Self::NotFound { what, key } => said!(
                "device.not_found",
                "no {what} matches {key:?}",
                what = *what,
                key = key.clone()
            ),
            Self::Ambiguous { what, options } => said!(
                "device.ambiguous",
                "{what} is ambiguous: {options}; scan or enter which one",
                what = what.clone(),
                options = options.clone()
            ),
            Self::Invalid(s) | Self::Forbidden(s) => s.clone(),
            Self::NotInitialised => said!(
                "device.not_initialised",
                "this store has no device identity yet; run `aisle init` first"
            ),
            Self::AlreadyInitialised { name, id } => said!(
                "device.already_initialised",
                "this store already belongs to device {name:?} ({id})",
                name = name.clone(),
                id = id.clone()
            ),
            Self::StorageFull => said!(
                "device.storage_full",
                "the device's storage is full, so this was not recorded and nothing changed; free space on the device (or sync and ask IT), then try again"
            ),
            Self::Damaged(detail) => said!(
                "device.damaged",
                "the device database is damaged ({detail}); nothing more is written to it. Run `aisle check`, then `aisle recover --into NEW.db` to save its work",
                detail = detail.clone()
            ),
            Self::Network(detail) => said!(
                "device.offline",
                "the server cannot be reached: {detail}; everything stays on this device and syncs later",
                detail = detail.clone()
            ),
            Self::Sync { kind, message } => said!(
                "device.sync_refused",
                "the server refused ({kind}): {message}",
                kind = kind.clone(),
                message = message
            ),
            Self::SequenceGap { expected } => said!(
                "device.sequence_gap",
                "the server expects operation #{expected} next",
                expected = expected.to_string()
            ),
            // The storage engine's and importer's own words, passed on as a detail.
            Self::Migration(_) | Self::Sqlite(_) | Self::Decode(_) | Self::View(_) => said!(
                "device.storage",
                "this tablet's storage failed: {detail}",
                detail = self.to_string()
            ),
            Self::Import(_) | Self::Pattern(_) => Said::untranslated(self.to_string()),
        }
    }
}

pub type Result<T, E = DeviceError> = std::result::Result<T, E>;
