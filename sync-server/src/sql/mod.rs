//! The server's storage on SQL, one implementation for both databases ([`conns`] says where the
//! connections come from): the embedded SQLite file (WAL, the same durability settings as
//! devices, one writer) or PostgreSQL (a pool, writers serialized by an advisory lock). Every push
//! is one write transaction, so it is either wholly durable or not at all. Read-only pages are
//! answered on read connections, so they never queue behind a push.
//!
//! One module per part of the storage: [`engine`] (enrolment, push and what applying an
//! operation writes), [`pull`] (pull pages and snapshots), [`admin`] (imports, exports, the demo,
//! operators, sessions, audit), [`supervision`] (exceptions and work) and [`read`] (the pages).

mod admin;
pub(crate) mod books;
mod conns;
mod copy;
pub use books::{LEDGER_COLUMNS, LOG_COLUMNS};
pub use copy::CopyReport;
mod engine;
mod plates;
mod pull;
mod read;
mod strays;
mod supervision;

use crate::error::{StorageError, StorageResult};
use crate::inventory::{
    self, CountTask, Expiring, FaceTopUp, ItemDetail, LineAllocation, LocationDetail, LotStock,
    OrderStatus, ReplenishmentLine, Shipment, StockHit, Valuation,
};
use crate::schema;
use crate::storage::{
    Administration, AuditEntry, Contact, DeviceRecord, Enrolment, ExceptionContext, ExportKind,
    ImportKind, NewOperator, PullPage, PushOutcome, RawServerOp, ReadModels, Resolution,
    SessionRecord, Stats, Supervision, SyncEngine,
};
use crate::tasks;
use crate::tasks::TaskLine;
use crate::views::TxView;
use aisle_domain::admission::{self, Admission, Verdict, WorkView};
use aisle_domain::import::{
    ImportError, RowError, WorkRow, parse_costs, parse_item_warehouses, parse_orders,
    parse_receipts, parse_supplier_items, parse_suppliers,
};
use aisle_domain::ledger::StockKey;
use aisle_domain::op::{Adjust, ChangeLogEntry, Operation, PAYLOAD_VERSION, Transfer};
use aisle_domain::reconcile::{self, ExceptionKind, Rules};
use aisle_domain::replenish::Policy;
use aisle_domain::said;
use aisle_domain::said::Said;
use aisle_domain::{DeviceId, ItemId, OpId, OrderLineId, ReceiptLineId, TaskId, WarehouseId};
use aisle_ledger::args;
use aisle_ledger::db::{Db, DbExt, Row, ToValue, Value};
use aisle_ledger::effects::{key_from_row, none_if_empty};
use aisle_ledger::master::{
    import_items_into, import_locations_into, import_warehouses_into, load_item, load_items,
    load_location, load_locations, load_plates, load_warehouses, upsert_item, upsert_location,
};
use aisle_proto::{
    EnrollRequest, Exception, ExceptionStatus, MasterData, OperatorRecord, OrderLine, PullQuery,
    ReceiptLine, Snapshot, StockRow, StockSummary, Task,
};
use books::PendingBooks;
use chrono::{DateTime, NaiveDate, Utc};
use conns::{Backend, Reader, Tx};
use rusqlite::Connection;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::path::Path;
use std::sync::Mutex;
use uuid::Uuid;

/// Clock offsets up to this many seconds are taken as network delay and left alone.
pub const CLOCK_TOLERANCE_S: i64 = 5;

/// Offsets above this many seconds are reported (log, device list).
pub const CLOCK_REPORT_S: i64 = 120;

/// The server's storage on SQL: an embedded SQLite file, or PostgreSQL (`conns`).
#[derive(Debug)]
pub struct SqlStorage {
    backend: Backend,
    epoch: Uuid,
    server_device: DeviceId,
    rules: Rules,
}

pub(crate) fn parse<T: std::str::FromStr>(s: &str) -> StorageResult<T> {
    s.parse()
        .map_err(|_| StorageError::Internal(format!("stored id {s:?} is not valid")))
}

pub(crate) fn time(s: &str) -> StorageResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.to_utc())
        .map_err(|e| StorageError::Internal(format!("stored time {s:?}: {e}")))
}

/// A stored minimum shelf life (a column CHECKed to be zero or more).
pub(crate) fn shelf_life_days(stored: Option<i64>) -> StorageResult<Option<u32>> {
    stored
        .map(|d| {
            u32::try_from(d)
                .map_err(|_| StorageError::Internal(format!("stored minimum shelf life {d} days")))
        })
        .transpose()
}

impl SqlStorage {
    /// Opens the server database: a `postgres://` (or `postgresql://`) URL, or else the path of
    /// an SQLite file (created if needed). Either is brought to the latest schema.
    pub fn open_db(db: &str) -> StorageResult<Self> {
        if db.starts_with("postgres://") || db.starts_with("postgresql://") {
            Self::open_postgres(db)
        } else {
            Self::open(db)
        }
    }

    /// Opens (creating if needed) the SQLite server database at `path`.
    pub fn open(path: impl AsRef<Path>) -> StorageResult<Self> {
        let path = path.as_ref().to_path_buf();
        let mut conn = Connection::open(&path)?;
        aisle_ledger::configure(&conn)?;
        schema::MIGRATIONS
            .to_latest(&mut conn)
            .map_err(|e| StorageError::Internal(format!("migrating the database: {e}")))?;
        // The writer copies its log back into the file only when a checkpointer fell far
        // behind; the checkpointer does it beside the writer (see `conns::Checkpointer`).
        conn.pragma_update(
            None,
            "wal_autocheckpoint",
            conns::WAL_PAGES_BEFORE_WRITER_CHECKPOINTS,
        )?;
        let checkpoints = conns::Checkpointer::start(&path)?;
        Self::start(Backend::Sqlite {
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
            path,
            checkpoints,
        })
    }

    /// Connects to the PostgreSQL database at `url` and brings it to the latest schema. Several
    /// servers may share one database: the first to start migrates it, under the write lock.
    pub fn open_postgres(url: &str) -> StorageResult<Self> {
        let conn = aisle_ledger::db::PgConn::connect(url)
            .map_err(|e| StorageError::Internal(format!("connecting to PostgreSQL: {e}")))?;
        conns::migrate_postgres(&conn)?;
        Self::start(Backend::Postgres(conns::PgPool::new(url.to_string(), conn)))
    }

    /// The database's identity, made on first start.
    fn start(backend: Backend) -> StorageResult<Self> {
        let tx = backend.write()?;
        let existing: Option<(Uuid, DeviceId)> = tx.first(
            "SELECT epoch, server_device_id FROM server_state",
            &[],
            |r| {
                let epoch: String = r.get(0)?;
                let epoch = epoch.parse().map_err(|_| {
                    aisle_ledger::LedgerError::Decode(format!("stored epoch {epoch:?}"))
                })?;
                Ok((epoch, r.get(1)?))
            },
        )?;
        let (epoch, server_device) = match existing {
            Some(found) => found,
            None => {
                let (e, d) = (Uuid::now_v7(), DeviceId::new());
                tx.exec(
                    "INSERT INTO server_state (singleton, epoch, server_device_id) VALUES (1, ?1, ?2)",
                    args![e.to_string(), d],
                )?;
                (e, d)
            }
        };
        tx.commit()?;
        Ok(Self {
            backend,
            epoch,
            server_device,
            rules: Rules::default(),
        })
    }

    /// A write transaction: everything a caller writes through it is one transaction, durable
    /// at [`Tx::commit`]; dropped uncommitted, it is rolled back.
    fn write(&self) -> StorageResult<Tx<'_>> {
        self.backend.write()
    }

    /// A read connection (see `conns`).
    fn read(&self) -> StorageResult<Reader<'_>> {
        self.backend.read()
    }

    /// Runs `f` in one read transaction on a read connection: everything it reads is one
    /// committed state of the database, while pushes go on.
    fn reading<T>(&self, f: impl FnOnce(&dyn Db) -> StorageResult<T>) -> StorageResult<T> {
        self.backend.reading(f)
    }

    /// A server-originated operation on behalf of `operator` (a supervisor's compensation).
    fn server_op_by(
        &self,
        tx: &dyn Db,
        warehouse: WarehouseId,
        op: Operation,
        operator: &str,
    ) -> StorageResult<u64> {
        self.server_op_at(tx, warehouse, op, operator, Utc::now())
    }

    /// A server-originated operation that happened at `when` (demo history).
    fn server_op_at(
        &self,
        tx: &dyn Db,
        warehouse: WarehouseId,
        op: Operation,
        operator: &str,
        when: DateTime<Utc>,
    ) -> StorageResult<u64> {
        let seq: i64 = tx.one(
            "SELECT COALESCE(MAX(device_seq), 0) + 1 FROM ops WHERE device_id = ?1",
            args![self.server_device],
            |r| r.get(0),
        )?;
        let entry = ChangeLogEntry {
            op_id: OpId::new(),
            device_id: self.server_device,
            seq: seq as u64,
            schema_version: PAYLOAD_VERSION,
            warehouse_id: warehouse,
            operator: operator.to_string(),
            device_time: when,
            scans: vec![],
            seen_cursor: max_seq(tx)?,
            op,
        };
        let books = PendingBooks::default();
        let seq = self.apply_entry(tx, &books, (&entry).into(), when, None)?;
        books.flush(tx)?;
        Ok(seq)
    }
}

/// Operators with their PIN hashes as devices get them: one by badge, or all. A disabled badge's
/// role is `disabled`, which tablets refuse to sign in.
fn load_operators(conn: &dyn Db, badge: Option<&str>) -> StorageResult<Vec<OperatorRecord>> {
    Ok(conn.rows(
        "SELECT badge, name, CASE WHEN disabled_at IS NULL THEN role ELSE 'disabled' END, pin_hash,
                language
         FROM operators WHERE CAST(?1 AS TEXT) IS NULL OR badge = ?1 ORDER BY badge",
        args![badge],
        |r| {
            Ok(OperatorRecord {
                badge: r.get(0)?,
                name: r.get(1)?,
                role: r.get(2)?,
                pin_hash: r.get(3)?,
                language: r.get(4)?,
            })
        },
    )?)
}

fn changed(tx: &dyn Db, kind: &str, id: &str) -> StorageResult<()> {
    tx.exec(
        "INSERT INTO changes (kind, id) VALUES (?1, ?2)",
        args![kind, id],
    )?;
    Ok(())
}

/// An exception as written by [`raise`].
struct ExceptionDraftRow {
    pub kind: ExceptionKind,
    pub warehouse: WarehouseId,
    pub device: DeviceId,
    /// The operation it is about first.
    pub op_ids: Vec<OpId>,
    pub location: Option<aisle_domain::LocationId>,
    pub key: Option<StockKey>,
    pub message: Said,
}

/// Stores an open exception and announces it to devices; returns its id.
fn raise(tx: &dyn Db, x: &ExceptionDraftRow) -> StorageResult<Uuid> {
    let id = Uuid::now_v7();
    tx.exec(
        "INSERT INTO exceptions (id, kind, warehouse_id, device_id, op_ids, location_id, stock_key, message, said, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'open', ?10)",
        args![
            id.to_string(),
            x.kind.as_str(),
            x.warehouse.to_string(),
            x.device.to_string(),
            serde_json::to_string(&x.op_ids)?,
            x.location.map(|l| l.to_string()),
            x.key.as_ref().map(serde_json::to_string).transpose()?,
            x.message.text.replace('\0', "\u{FFFD}"),
            // JSON writes a NUL as the escape `\u0000`, which both backends store as text.
            serde_json::to_string(&x.message)?,
            Utc::now().to_rfc3339()
        ],
    )?;
    changed(tx, "exception", &id.to_string())?;
    Ok(id)
}

/// Random text from an unambiguous alphabet, for enrolment codes and tokens.
pub fn random_code(len: usize) -> StorageResult<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes)
        .map_err(|e| StorageError::Internal(format!("no randomness: {e}")))?;
    Ok(bytes
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect())
}

/// SHA-256 of a secret, hex. Tokens are 160 random bits, so a fast hash is enough for them.
pub fn hash_secret(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs `sql` and hands each row to `f`, which may fail with a storage error of its own (a row
/// that does not decode, an export that cannot be written): the first one stops the query and is
/// returned as it was.
fn for_each_row(
    conn: &dyn Db,
    sql: &str,
    args: &[Value],
    mut f: impl FnMut(&Row<'_>) -> StorageResult<()>,
) -> StorageResult<()> {
    let mut failed = None;
    let run = conn.each(sql, args, &mut |r| {
        f(r).map_err(|e| {
            failed = Some(e);
            aisle_ledger::LedgerError::Invalid("stopped".into())
        })
    });
    match (failed, run) {
        (Some(e), _) => Err(e),
        (None, run) => Ok(run?),
    }
}

/// Runs `sql` and decodes every row with `decode`: the plumbing shared by the loaders below,
/// which differ only in their columns.
fn load_rows<T>(
    conn: &dyn Db,
    sql: &str,
    args: &[Value],
    decode: impl Fn(&Row<'_>) -> StorageResult<T>,
) -> StorageResult<Vec<T>> {
    let mut out = Vec::new();
    for_each_row(conn, sql, args, |r| {
        out.push(decode(r)?);
        Ok(())
    })?;
    Ok(out)
}

fn exceptions_where(conn: &dyn Db, clause: &str, args: &[Value]) -> StorageResult<Vec<Exception>> {
    let sql = format!(
        "SELECT id, kind, warehouse_id, device_id, op_ids, location_id, stock_key, message, status, created_at, resolution, said
         FROM exceptions WHERE {clause} ORDER BY created_at, id"
    );
    load_rows(conn, &sql, args, |r| {
        let kind: String = r.get(1)?;
        let status: String = r.get(8)?;
        Ok(Exception {
            id: parse(&r.get::<String>(0)?)?,
            kind: ExceptionKind::parse(&kind)
                .ok_or_else(|| StorageError::Internal(format!("exception kind {kind:?}")))?,
            warehouse_id: r.get(2)?,
            device_id: r.get(3)?,
            op_ids: serde_json::from_str(&r.get::<String>(4)?)?,
            location_id: r.get(5)?,
            key: r
                .get::<Option<String>>(6)?
                .as_deref()
                .map(serde_json::from_str)
                .transpose()?,
            message: r.get(7)?,
            said: r
                .get::<Option<String>>(11)?
                .as_deref()
                .map(serde_json::from_str)
                .transpose()?,
            status: if status == "open" {
                ExceptionStatus::Open
            } else {
                ExceptionStatus::Resolved
            },
            created_at: time(&r.get::<String>(9)?)?,
            resolution: r.get(10)?,
        })
    })
}

/// A logged operation by its id.
fn logged_entry(conn: &dyn Db, op: OpId) -> StorageResult<ChangeLogEntry> {
    let entry: Option<String> = conn.first(
        "SELECT entry FROM ops WHERE op_id = ?1",
        args![op.to_string()],
        |r| r.get(0),
    )?;
    let entry =
        entry.ok_or_else(|| StorageError::Internal(format!("logged operation {op} is missing")))?;
    Ok(serde_json::from_str(&entry)?)
}

fn max_rev(conn: &dyn Db) -> StorageResult<u64> {
    Ok(
        conn.one("SELECT COALESCE(MAX(rev), 0) FROM changes", &[], |r| {
            r.get::<i64>(0)
        })? as u64,
    )
}

fn max_seq(conn: &dyn Db) -> StorageResult<u64> {
    Ok(
        conn.one("SELECT COALESCE(MAX(server_seq), 0) FROM ops", &[], |r| {
            r.get::<i64>(0)
        })? as u64,
    )
}

#[cfg(test)]
mod tests;
