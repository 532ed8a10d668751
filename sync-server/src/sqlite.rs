//! The embedded SQLite backend: one database file, WAL, the same durability settings as devices.
//! Writes are serialized through one connection (SQLite has one writer anyway); every push is one
//! immediate transaction, so a push is either wholly durable or not at all.

use crate::error::{StorageError, StorageResult};
use crate::inventory::{
    self, CountTask, Expiring, FaceTopUp, ItemDetail, LineAllocation, LocationDetail, LotStock,
    OrderStatus, ReplenishmentLine, Shipment, StockHit, Valuation,
};
use crate::schema;
use crate::storage::{
    AuditEntry, Contact, DeviceRecord, Enrolment, ExportKind, ImportKind, NewOperator, PullPage,
    PushOutcome, RawServerOp, Resolution, SessionRecord, Stats, Storage,
};
use crate::tasks;
use crate::tasks::TaskLine;
use crate::views::TxView;
use aisle_domain::admission::{self, Admission, Verdict};
use aisle_domain::import::{
    ImportError, RowError, WorkRow, parse_costs, parse_orders, parse_receipts,
};
use aisle_domain::ledger::StockKey;
use aisle_domain::op::{Adjust, ChangeLogEntry, Operation, PAYLOAD_VERSION};
use aisle_domain::reconcile::{self, ExceptionKind, Rules};
use aisle_domain::replenish::Policy;
use aisle_domain::{DeviceId, ItemId, OpId, OrderLineId, ReceiptLineId, TaskId, WarehouseId};
use aisle_ledger::effects::{apply, key_from_row};
use aisle_ledger::master::{
    import_items_into, import_locations_into, import_warehouses_into, load_item, load_items,
    load_location, load_locations, load_plates, load_warehouses, upsert_item, upsert_location,
};
use aisle_proto::{
    EnrollRequest, Exception, ExceptionStatus, MasterData, OperatorRecord, OrderLine, PullQuery,
    ReceiptLine, Snapshot, StockRow, StockSummary, Task,
};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use uuid::Uuid;

/// Clock offsets up to this many seconds are taken as network delay and left alone.
pub const CLOCK_TOLERANCE_S: i64 = 5;
/// Offsets above this many seconds are reported (log, device list).
pub const CLOCK_REPORT_S: i64 = 120;

/// The SQLite backend.
#[derive(Debug)]
pub struct SqliteStorage {
    conn: Mutex<Connection>,
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

fn is_foreign_key(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation && f.extended_code == 787)
}

impl SqliteStorage {
    /// Opens (creating if needed) the server database at `path`.
    pub fn open(path: impl AsRef<Path>) -> StorageResult<Self> {
        let mut conn = Connection::open(path)?;
        aisle_ledger::configure(&conn)?;
        schema::MIGRATIONS
            .to_latest(&mut conn)
            .map_err(|e| StorageError::Internal(format!("migrating the database: {e}")))?;
        let existing: Option<(String, String)> = conn
            .query_row(
                "SELECT epoch, server_device_id FROM server_state",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (epoch, server_device) = match existing {
            Some((e, d)) => (parse(&e)?, parse(&d)?),
            None => {
                let (e, d) = (Uuid::now_v7(), DeviceId::new());
                conn.execute(
                    "INSERT INTO server_state (singleton, epoch, server_device_id) VALUES (1, ?1, ?2)",
                    params![e.to_string(), d.to_string()],
                )?;
                (e, d)
            }
        };
        Ok(Self {
            conn: Mutex::new(conn),
            epoch,
            server_device,
            rules: Rules::default(),
        })
    }

    fn lock(&self) -> StorageResult<MutexGuard<'_, Connection>> {
        self.conn.lock().map_err(|_| {
            StorageError::Internal("a previous request panicked while holding the database".into())
        })
    }

    /// A server-originated operation on behalf of `operator` (a supervisor's compensation).
    fn server_op_by(
        &self,
        tx: &Connection,
        warehouse: WarehouseId,
        op: Operation,
        operator: &str,
    ) -> StorageResult<u64> {
        self.server_op_at(tx, warehouse, op, operator, Utc::now())
    }

    /// A server-originated operation that happened at `when` (demo history).
    fn server_op_at(
        &self,
        tx: &Connection,
        warehouse: WarehouseId,
        op: Operation,
        operator: &str,
        when: DateTime<Utc>,
    ) -> StorageResult<u64> {
        let seq: i64 = tx.query_row(
            "SELECT COALESCE(MAX(device_seq), 0) + 1 FROM ops WHERE device_id = ?1",
            [self.server_device.to_string()],
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
        self.apply_entry(tx, &entry, when, None)
    }

    /// Logs one entry (that happened `at`, on the server's clock), raises its exceptions against
    /// the state before it, and applies it. A device's entry (`device_warehouse` given) is
    /// admitted first ([`aisle_domain::admission`]): one the server may not apply as sent is
    /// logged as held, with the exception that says why, and changes no stock; one whose work
    /// reference does not fit is applied without it. Server operations are trusted.
    fn apply_entry(
        &self,
        tx: &Connection,
        e: &ChangeLogEntry,
        at: DateTime<Utc>,
        device_warehouse: Option<WarehouseId>,
    ) -> StorageResult<u64> {
        let view = TxView {
            conn: tx,
            device: e.device_id,
        };
        let admission = match device_warehouse {
            Some(wh) => admission::admit(e, wh, at, &view)?,
            None => Admission {
                verdict: Verdict::Apply { work: true },
                exceptions: vec![],
            },
        };
        let held = admission.verdict == Verdict::Hold;
        tx.prepare_cached(
            "INSERT INTO ops (op_id, device_id, device_seq, warehouse_id, op_type, received_at, entry, at, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            e.op_id.to_string(),
            e.device_id.to_string(),
            e.seq as i64,
            e.warehouse_id.to_string(),
            e.op.kind().as_str(),
            Utc::now().to_rfc3339(),
            serde_json::to_string(e)?,
            at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            if held { "held" } else { "applied" },
        ])
        .map_err(|err| match err {
            rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation => StorageError::Conflict(format!(
                "operation {} is already logged under another device or sequence number",
                e.op_id
            )),
            other => other.into(),
        })?;
        let server_seq = tx.last_insert_rowid() as u64;
        let mut drafts = admission.exceptions;
        for d in &mut drafts {
            d.message.push_str(match d.kind {
                ExceptionKind::WorkMismatch => {
                    "; the stock moved as scanned, the line or task it names is unchanged"
                }
                k if k.holds_operation() => {
                    "; held: logged but not applied anywhere until a supervisor releases it"
                }
                _ => "",
            });
        }
        if let Verdict::Apply { work } = admission.verdict {
            // Work that may not count against the line or task it names is applied without it.
            let applied: Cow<'_, ChangeLogEntry> = if work {
                Cow::Borrowed(e)
            } else {
                Cow::Owned(ChangeLogEntry {
                    op: e.op.without_work(),
                    ..e.clone()
                })
            };
            drafts.extend(reconcile::assess(&applied, &view, &self.rules)?);
            apply(tx, e.op_id, &applied.op).map_err(|err| match err {
                aisle_ledger::LedgerError::Sqlite(s) if is_foreign_key(&s) => StorageError::Internal(format!(
                    "operation #{} ({}) of device {} refers to master data this server does not have: {s}",
                    e.seq,
                    e.op.kind(),
                    e.device_id
                )),
                other => other.into(),
            })?;
            self.track_work(tx, &applied)?;
            if let Operation::Count(c) = &e.op {
                tx.prepare_cached("INSERT INTO counts (item_id, location_id, server_seq, op_id, device_id) VALUES (?1, ?2, ?3, ?4, ?5)")?
                    .execute(params![c.key.item.to_string(), c.key.location.to_string(), server_seq as i64, e.op_id.to_string(), e.device_id.to_string()])?;
            }
        }
        for d in drafts {
            let mut op_ids = vec![e.op_id];
            op_ids.extend(d.related);
            let id = Uuid::now_v7();
            tx.prepare_cached(
                "INSERT INTO exceptions (id, kind, warehouse_id, device_id, op_ids, location_id, stock_key, message, status, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'open', ?9)",
            )?
            .execute(params![
                id.to_string(),
                d.kind.as_str(),
                device_warehouse.unwrap_or(e.warehouse_id).to_string(),
                e.device_id.to_string(),
                serde_json::to_string(&op_ids)?,
                d.location.map(|l| l.to_string()),
                d.key.as_ref().map(serde_json::to_string).transpose()?,
                d.message,
                Utc::now().to_rfc3339()
            ])?;
            changed(tx, "exception", &id.to_string())?;
        }
        Ok(server_seq)
    }

    /// Receipt and order line progress, and serial numbers in stock.
    fn track_work(&self, tx: &Connection, e: &ChangeLogEntry) -> StorageResult<()> {
        tasks::track(tx, e)?;
        let op_id = e.op_id.to_string();
        match &e.op {
            Operation::Receive(r) => {
                if let Some(line) = r.receipt_line {
                    let n = tx
                        .prepare_cached("UPDATE receipt_lines SET received_qty = received_qty + ?1 WHERE id = ?2")?
                        .execute(params![r.qty, line.to_string()])?;
                    if n > 0 {
                        tx.prepare_cached(
                            "INSERT OR IGNORE INTO line_ops (line_id, op_id) VALUES (?1, ?2)",
                        )?
                        .execute(params![line.to_string(), op_id])?;
                        changed(tx, "receipt_line", &line.to_string())?;
                    }
                }
                for s in &r.serials {
                    tx.prepare_cached("INSERT OR REPLACE INTO serials (item_id, serial, op_id, in_stock) VALUES (?1, ?2, ?3, 1)")?
                        .execute(params![r.key.item.to_string(), s, op_id])?;
                }
            }
            Operation::Pick(p) => {
                if let Some(line) = p.order_line {
                    let n = tx
                        .prepare_cached(
                            "UPDATE order_lines SET picked_qty = picked_qty + ?1 WHERE id = ?2",
                        )?
                        .execute(params![p.qty, line.to_string()])?;
                    if n > 0 {
                        tx.prepare_cached(
                            "INSERT OR IGNORE INTO line_ops (line_id, op_id) VALUES (?1, ?2)",
                        )?
                        .execute(params![line.to_string(), op_id])?;
                        changed(tx, "order_line", &line.to_string())?;
                    }
                }
                for s in &p.serials {
                    tx.prepare_cached(
                        "UPDATE serials SET in_stock = 0 WHERE item_id = ?1 AND serial = ?2",
                    )?
                    .execute(params![p.key.item.to_string(), s])?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn device_where(
        conn: &Connection,
        clause: &str,
        key: &str,
    ) -> StorageResult<Option<DeviceRecord>> {
        let sql = format!(
            "SELECT d.id, d.name, d.warehouse_id, w.code, d.enrolled_at, d.revoked_at, d.last_seen_at, d.durable_seq, d.app_version, d.log_end, d.clock_offset_s
             FROM devices d JOIN warehouses w ON w.id = d.warehouse_id WHERE {clause}"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query_map([key], device_row)?;
        rows.next().transpose()?.map(decode_device).transpose()
    }
}

type DeviceRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    String,
    Option<i64>,
    Option<i64>,
);

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

fn decode_device(row: DeviceRow) -> StorageResult<DeviceRecord> {
    let (id, name, wh, wh_code, enrolled, revoked, seen, durable, app_version, log_end, clock) =
        row;
    Ok(DeviceRecord {
        id: parse(&id)?,
        name,
        warehouse_id: parse(&wh)?,
        warehouse_code: wh_code,
        enrolled_at: time(&enrolled)?,
        revoked: revoked.is_some(),
        last_seen_at: seen.as_deref().map(time).transpose()?,
        durable_seq: durable as u64,
        app_version,
        log_end: log_end.map(|n| n as u64),
        clock_offset_s: clock,
    })
}

/// Operators with their PIN hashes: one by badge, or all.
fn load_operators(conn: &Connection, badge: Option<&str>) -> StorageResult<Vec<OperatorRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT badge, name, role, pin_hash FROM operators WHERE ?1 IS NULL OR badge = ?1 ORDER BY badge",
    )?;
    let rows = stmt.query_map([badge], |r| {
        Ok(OperatorRecord {
            badge: r.get(0)?,
            name: r.get(1)?,
            role: r.get(2)?,
            pin_hash: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn changed(tx: &Connection, kind: &str, id: &str) -> StorageResult<()> {
    tx.prepare_cached("INSERT INTO changes (kind, id) VALUES (?1, ?2)")?
        .execute(params![kind, id])?;
    Ok(())
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

/// Runs `sql` with text arguments and decodes every row with `decode`: the plumbing shared by the
/// loaders below, which differ only in their columns.
fn load_rows<T>(
    conn: &Connection,
    sql: &str,
    args: &[String],
    decode: impl Fn(&rusqlite::Row<'_>) -> StorageResult<T>,
) -> StorageResult<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(decode(r)?);
    }
    Ok(out)
}

fn exceptions_where(
    conn: &Connection,
    clause: &str,
    args: &[String],
) -> StorageResult<Vec<Exception>> {
    let sql = format!(
        "SELECT id, kind, warehouse_id, device_id, op_ids, location_id, stock_key, message, status, created_at, resolution
         FROM exceptions WHERE {clause} ORDER BY created_at, id"
    );
    load_rows(conn, &sql, args, |r| {
        let kind: String = r.get(1)?;
        let status: String = r.get(8)?;
        Ok(Exception {
            id: parse(&r.get::<_, String>(0)?)?,
            kind: ExceptionKind::parse(&kind)
                .ok_or_else(|| StorageError::Internal(format!("exception kind {kind:?}")))?,
            warehouse_id: parse(&r.get::<_, String>(2)?)?,
            device_id: r
                .get::<_, Option<String>>(3)?
                .as_deref()
                .map(parse)
                .transpose()?,
            op_ids: serde_json::from_str(&r.get::<_, String>(4)?)?,
            location_id: r
                .get::<_, Option<String>>(5)?
                .as_deref()
                .map(parse)
                .transpose()?,
            key: r
                .get::<_, Option<String>>(6)?
                .as_deref()
                .map(serde_json::from_str)
                .transpose()?,
            message: r.get(7)?,
            status: if status == "open" {
                ExceptionStatus::Open
            } else {
                ExceptionStatus::Resolved
            },
            created_at: time(&r.get::<_, String>(9)?)?,
            resolution: r.get(10)?,
        })
    })
}

fn receipt_lines(
    conn: &Connection,
    clause: &str,
    args: &[String],
) -> StorageResult<Vec<ReceiptLine>> {
    let sql = format!(
        "SELECT id, receipt, line, warehouse_id, item_id, expected_qty, received_qty, expected_date FROM receipt_lines WHERE {clause} ORDER BY receipt, line"
    );
    load_rows(conn, &sql, args, |r| {
        Ok(ReceiptLine {
            id: parse(&r.get::<_, String>(0)?)?,
            receipt: r.get(1)?,
            line: r.get(2)?,
            warehouse_id: parse(&r.get::<_, String>(3)?)?,
            item_id: parse(&r.get::<_, String>(4)?)?,
            expected_qty: r.get(5)?,
            received_qty: r.get(6)?,
            expected_date: r
                .get::<_, Option<String>>(7)?
                .as_deref()
                .map(parse)
                .transpose()?,
        })
    })
}

fn order_lines(conn: &Connection, clause: &str, args: &[String]) -> StorageResult<Vec<OrderLine>> {
    let sql = format!(
        "SELECT o.id, o.order_no, o.line, o.warehouse_id, o.item_id, o.qty, o.picked_qty, o.customer, s.status = 'shipped'
         FROM order_lines o LEFT JOIN shipments s ON s.order_no = o.order_no WHERE {clause} ORDER BY o.order_no, o.line"
    );
    load_rows(conn, &sql, args, |r| {
        Ok(OrderLine {
            id: parse(&r.get::<_, String>(0)?)?,
            order: r.get(1)?,
            line: r.get(2)?,
            warehouse_id: parse(&r.get::<_, String>(3)?)?,
            item_id: parse(&r.get::<_, String>(4)?)?,
            qty: r.get(5)?,
            picked_qty: r.get(6)?,
            customer: r.get(7)?,
            shipped: r.get::<_, Option<bool>>(8)?.unwrap_or(false),
        })
    })
}

fn other_warehouses(conn: &Connection, own: WarehouseId) -> StorageResult<Vec<StockSummary>> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.warehouse_id, s.item_id, SUM(s.qty) FROM stock s JOIN locations l ON l.id = s.location_id
         WHERE l.warehouse_id <> ?1 GROUP BY l.warehouse_id, s.item_id HAVING SUM(s.qty) <> 0",
    )?;
    let rows = stmt.query_map([own.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    rows.map(|row| {
        let (wh, item, qty) = row?;
        Ok(StockSummary {
            warehouse_id: parse(&wh)?,
            item_id: parse(&item)?,
            qty,
        })
    })
    .collect()
}

/// A logged operation by its id.
fn logged_entry(conn: &Connection, op: OpId) -> StorageResult<ChangeLogEntry> {
    let entry: Option<String> = conn
        .prepare_cached("SELECT entry FROM ops WHERE op_id = ?1")?
        .query_row([op.to_string()], |r| r.get(0))
        .optional()?;
    let entry =
        entry.ok_or_else(|| StorageError::Internal(format!("logged operation {op} is missing")))?;
    Ok(serde_json::from_str(&entry)?)
}

fn max_rev(conn: &Connection) -> StorageResult<u64> {
    Ok(
        conn.query_row("SELECT COALESCE(MAX(rev), 0) FROM changes", [], |r| {
            r.get::<_, i64>(0)
        })? as u64,
    )
}

fn max_seq(conn: &Connection) -> StorageResult<u64> {
    Ok(
        conn.query_row("SELECT COALESCE(MAX(server_seq), 0) FROM ops", [], |r| {
            r.get::<_, i64>(0)
        })? as u64,
    )
}

/// Resolves work rows' warehouse and SKU codes, collecting every problem.
fn resolve_work(
    conn: &Connection,
    what: &'static str,
    rows: &[WorkRow],
) -> StorageResult<Vec<(WarehouseId, ItemId)>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for r in rows {
        let wh: Option<String> = conn
            .prepare_cached("SELECT id FROM warehouses WHERE code = ?1")?
            .query_row([&r.warehouse], |x| x.get(0))
            .optional()?;
        let item: Option<String> = conn
            .prepare_cached("SELECT id FROM items WHERE sku = ?1")?
            .query_row([&r.sku], |x| x.get(0))
            .optional()?;
        match (wh, item) {
            (Some(w), Some(i)) => out.push((parse(&w)?, parse(&i)?)),
            (w, i) => {
                if w.is_none() {
                    errors.push(RowError {
                        line: r.line_no,
                        column: Some("warehouse".into()),
                        reason: format!("warehouse {:?} does not exist", r.warehouse),
                    });
                }
                if i.is_none() {
                    errors.push(RowError {
                        line: r.line_no,
                        column: Some("sku".into()),
                        reason: format!("item {:?} does not exist", r.sku),
                    });
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ImportError { what, errors }.into())
    }
}

fn csv_row(out: &mut dyn std::io::Write, fields: &[String]) -> StorageResult<()> {
    let line: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect();
    writeln!(out, "{}", line.join(","))
        .map_err(|e| StorageError::Internal(format!("writing the export: {e}")))
}

impl Storage for SqliteStorage {
    fn epoch(&self) -> Uuid {
        self.epoch
    }

    fn create_enrolment(
        &self,
        warehouse_code: &str,
        name: &str,
        valid_for: chrono::Duration,
    ) -> StorageResult<Enrolment> {
        let conn = self.lock()?;
        let wh: Option<String> = conn
            .query_row(
                "SELECT id FROM warehouses WHERE code = ?1",
                [warehouse_code],
                |r| r.get(0),
            )
            .optional()?;
        let wh = wh.ok_or_else(|| {
            StorageError::NotFound(format!("warehouse {warehouse_code:?} does not exist"))
        })?;
        if name.trim().is_empty() {
            return Err(StorageError::Invalid("the device name is empty".into()));
        }
        let code = random_code(10)?;
        let now = Utc::now();
        let expires_at = now + valid_for;
        conn.execute(
            "INSERT INTO enrolments (code_hash, warehouse_id, name, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![hash_secret(&code), wh, name.trim(), now.to_rfc3339(), expires_at.to_rfc3339()],
        )?;
        Ok(Enrolment {
            code,
            warehouse_code: warehouse_code.to_string(),
            name: name.trim().to_string(),
            expires_at,
        })
    }

    fn enroll(&self, req: &EnrollRequest, token_hash: &str) -> StorageResult<DeviceRecord> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let code = req.code.trim().to_ascii_uppercase();
        let found: Option<(String, String, String)> = tx
            .query_row(
                "SELECT warehouse_id, expires_at, COALESCE(used_by, '') FROM enrolments WHERE code_hash = ?1",
                [hash_secret(&code)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((wh, expires, used_by)) = found else {
            return Err(StorageError::NotFound("enrolment code is not known".into()));
        };
        if time(&expires)? < Utc::now() {
            return Err(StorageError::NotFound(
                "enrolment code has expired; ask for a new one".into(),
            ));
        }
        if !used_by.is_empty() {
            // The same device asking again with its code, before it ever used the token it was
            // given: the answer was lost on the way (weak network), so it gets a new token and
            // the lost one stops working. Any other reuse of a code is refused.
            let device = req.device_id.to_string();
            let retry = used_by == device
                && tx.execute(
                    "UPDATE devices SET token_hash = ?1 WHERE id = ?2 AND last_seen_at IS NULL AND revoked_at IS NULL",
                    params![token_hash, device],
                )? == 1;
            if !retry {
                return Err(StorageError::NotFound(
                    "enrolment code was already used".into(),
                ));
            }
            let rec = Self::device_where(&tx, "d.id = ?1", &device)?
                .ok_or_else(|| StorageError::Internal("device vanished during enrolment".into()))?;
            tx.commit()?;
            return Ok(rec);
        }
        let exists: Option<String> = tx
            .query_row(
                "SELECT id FROM devices WHERE id = ?1",
                [req.device_id.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        if exists.is_some() {
            return Err(StorageError::Conflict(format!(
                "device {} is already enrolled",
                req.device_id
            )));
        }
        tx.execute(
            "INSERT INTO devices (id, name, warehouse_id, token_hash, enrolled_at, app_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![req.device_id.to_string(), req.name, wh, token_hash, Utc::now().to_rfc3339(), req.app_version],
        )?;
        tx.execute(
            "UPDATE enrolments SET used_by = ?1 WHERE code_hash = ?2",
            params![req.device_id.to_string(), hash_secret(&code)],
        )?;
        let rec = Self::device_where(&tx, "d.id = ?1", &req.device_id.to_string())?
            .ok_or_else(|| StorageError::Internal("device vanished during enrolment".into()))?;
        tx.commit()?;
        Ok(rec)
    }

    fn device_by_token(&self, token_hash: &str) -> StorageResult<Option<DeviceRecord>> {
        let conn = self.lock()?;
        Self::device_where(&conn, "d.token_hash = ?1", token_hash)
    }

    fn devices(&self) -> StorageResult<Vec<DeviceRecord>> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare(
            "SELECT d.id, d.name, d.warehouse_id, w.code, d.enrolled_at, d.revoked_at, d.last_seen_at, d.durable_seq, d.app_version, d.log_end, d.clock_offset_s
             FROM devices d JOIN warehouses w ON w.id = d.warehouse_id ORDER BY d.name",
        )?;
        let rows = stmt.query_map([], device_row)?;
        rows.map(|r| decode_device(r?)).collect()
    }

    fn revoke_device(&self, id: DeviceId) -> StorageResult<()> {
        let conn = self.lock()?;
        let n = conn.execute(
            "UPDATE devices SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL",
            params![Utc::now().to_rfc3339(), id.to_string()],
        )?;
        if n == 0 {
            return Err(StorageError::NotFound(format!("no active device {id}")));
        }
        Ok(())
    }

    fn add_operator(&self, op: &NewOperator) -> StorageResult<()> {
        if op.badge.trim().is_empty() || op.name.trim().is_empty() {
            return Err(StorageError::Invalid(
                "an operator needs a badge code and a name".into(),
            ));
        }
        let hash = aisle_ledger::pin::hash_pin(&op.pin)?;
        let conn = self.lock()?;
        conn.execute(
            "INSERT INTO operators (badge, name, pin_hash, role, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(badge) DO UPDATE SET name = excluded.name, pin_hash = excluded.pin_hash, role = excluded.role",
            params![op.badge.trim(), op.name.trim(), hash, if op.supervisor { "supervisor" } else { "operator" }, Utc::now().to_rfc3339()],
        )?;
        Ok(())
    }

    fn push(
        &self,
        device: &DeviceRecord,
        entries: &[ChangeLogEntry],
    ) -> StorageResult<PushOutcome> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (durable, offset): (i64, Option<i64>) = tx.query_row(
            "SELECT durable_seq, clock_offset_s FROM devices WHERE id = ?1",
            [device.id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        // A clock off by more than a few seconds is corrected; a device that never said its
        // time (an older app) is taken at its word.
        let correction =
            chrono::Duration::seconds(offset.filter(|o| o.abs() > CLOCK_TOLERANCE_S).unwrap_or(0));
        let mut expected = durable as u64 + 1;
        let (mut applied, mut duplicates) = (0u32, 0u32);
        for e in entries {
            if e.seq == 0 {
                return Err(StorageError::Invalid(
                    "an entry has sequence number 0; a device's change log starts at #1".into(),
                ));
            }
            if e.device_id != device.id {
                return Err(StorageError::Forbidden(format!(
                    "entry #{} belongs to device {}, not to the device whose token was used",
                    e.seq, e.device_id
                )));
            }
            if e.seq < expected {
                let prev: Option<String> = tx
                    .prepare_cached(
                        "SELECT entry FROM ops WHERE device_id = ?1 AND device_seq = ?2",
                    )?
                    .query_row(params![device.id.to_string(), e.seq as i64], |r| r.get(0))
                    .optional()?;
                let prev: ChangeLogEntry = serde_json::from_str(&prev.ok_or_else(|| {
                    StorageError::Internal(format!("entry #{} of {} is missing", e.seq, device.id))
                })?)?;
                // The same entry again; or one this server held as unreadable, sent again to a
                // server that now reads it (after an upgrade): a duplicate either way.
                let same_op = prev.op == e.op
                    || aisle_domain::op::reread(&prev.op).is_some_and(|op| op == e.op);
                if prev.op_id == e.op_id && same_op {
                    duplicates += 1;
                    continue;
                }
                tracing::warn!(device = %device.id, seq = e.seq, logged = %prev.op_id, sent = %e.op_id, "a device sent different content for a sequence number already logged");
                return Err(StorageError::Conflict(format!(
                    "entry #{} differs from the one already logged under that number (op {} vs {}); nothing from this request was applied",
                    e.seq, prev.op_id, e.op_id
                )));
            }
            if e.seq > expected {
                return Err(StorageError::Gap { expected });
            }
            if e.schema_version > PAYLOAD_VERSION && !matches!(e.op, Operation::Unreadable(_)) {
                return Err(StorageError::Invalid(format!(
                    "entry #{} has payload version {}, newer than this server understands ({PAYLOAD_VERSION}); upgrade the server",
                    e.seq, e.schema_version
                )));
            }
            // From here on, nothing in the entry's content can refuse the push: what the server
            // may not apply as sent is held with an exception, and the device moves on.
            self.apply_entry(
                &tx,
                e,
                e.device_time - correction,
                Some(device.warehouse_id),
            )?;
            applied += 1;
            expected += 1;
        }
        if applied > 0 {
            // Picks and moves may have left pick faces low: top them up from reserve.
            let fresh = &entries[entries.len() - applied as usize..];
            let faces = tasks::faces_taken_from(fresh);
            if !faces.is_empty() {
                tasks::release_top_ups(
                    &tx,
                    &device.warehouse_code,
                    inventory::Faces::Only(&faces),
                    "server",
                )?;
            }
        }
        tx.execute(
            "UPDATE devices SET durable_seq = ?1, last_seen_at = ?2 WHERE id = ?3",
            params![
                (expected - 1) as i64,
                Utc::now().to_rfc3339(),
                device.id.to_string()
            ],
        )?;
        tx.commit()?;
        Ok(PushOutcome {
            durable_seq: expected - 1,
            applied,
            duplicates,
        })
    }

    fn pull(&self, device: &DeviceRecord, query: &PullQuery) -> StorageResult<PullPage> {
        let mut conn = self.lock()?;
        // One read transaction: the page, the cursor and the revision are one consistent state.
        let tx = conn.transaction()?;
        let limit = query
            .limit
            .unwrap_or(aisle_proto::DEFAULT_PULL_LIMIT)
            .clamp(1, aisle_proto::MAX_PULL_LIMIT);
        let wh = device.warehouse_id.to_string();
        let mut ops = Vec::new();
        {
            let mut stmt = tx.prepare_cached(
                "SELECT server_seq, entry FROM ops WHERE warehouse_id = ?1 AND server_seq > ?2 AND device_id <> ?3
                 AND status = 'applied' ORDER BY server_seq LIMIT ?4",
            )?;
            let rows = stmt.query_map(
                params![
                    wh,
                    query.cursor as i64,
                    device.id.to_string(),
                    i64::from(limit) + 1
                ],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )?;
            for row in rows {
                let (seq, entry) = row?;
                ops.push(RawServerOp {
                    server_seq: seq as u64,
                    entry: RawValue::from_string(entry)?,
                });
            }
        }
        let more = ops.len() > limit as usize;
        ops.truncate(limit as usize);
        let cursor = if more {
            ops.last().map_or(query.cursor, |o| o.server_seq)
        } else {
            max_seq(&tx)?.max(query.cursor)
        };
        let rev = max_rev(&tx)?;
        let mut master = MasterData::default();
        if rev > query.rev {
            let mut stmt = tx.prepare_cached(
                "SELECT DISTINCT kind, id FROM changes WHERE rev > ?1 AND rev <= ?2 AND kind IN ('warehouse', 'location', 'item', 'operator')",
            )?;
            let rows = stmt.query_map(params![query.rev as i64, rev as i64], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            let mut wh_changed = false;
            let mut loc_ids = Vec::new();
            let mut item_ids = Vec::new();
            let mut operator_badges = Vec::new();
            for row in rows {
                let (kind, id) = row?;
                match kind.as_str() {
                    "warehouse" => wh_changed = true,
                    "location" => loc_ids.push(id),
                    "item" => item_ids.push(id),
                    "operator" => operator_badges.push(id),
                    // Work and exceptions are selected below with a subquery on `changes`.
                    _ => {}
                }
            }
            if wh_changed {
                master.warehouses = load_warehouses(&tx)?;
            }
            for id in loc_ids {
                if let Some(l) = load_location(&tx, parse(&id)?)?
                    && l.warehouse_id == device.warehouse_id
                {
                    master.locations.push(l);
                }
            }
            master.locations.sort_by_key(|l| l.id);
            for id in item_ids {
                if let Some(i) = load_item(&tx, parse(&id)?)? {
                    master.items.push(i);
                }
            }
            for badge in operator_badges {
                master.operators.extend(load_operators(&tx, Some(&badge))?);
            }
        }
        // Work and exceptions changed since the device's revision, selected through `changes`
        // (a subquery, so a large import never hits SQLite's limit on bound parameters).
        let since = |kind: &str| {
            (
                format!(
                    "warehouse_id = ?1 AND id IN (SELECT id FROM changes WHERE kind = '{kind}' AND rev > ?2 AND rev <= ?3)"
                ),
                vec![wh.clone(), query.rev.to_string(), rev.to_string()],
            )
        };
        let (rc, ra) = since("receipt_line");
        let (oc, oa) = since("order_line");
        let (ec, ea) = since("exception");
        let (tc, ta) = since("task");
        let (pc, pa) = since("plate");
        let response = PullPage {
            epoch: self.epoch,
            ops,
            cursor,
            more,
            master,
            receipt_lines: if rev > query.rev {
                receipt_lines(&tx, &rc, &ra)?
            } else {
                vec![]
            },
            order_lines: if rev > query.rev {
                order_lines(&tx, &oc, &oa)?
            } else {
                vec![]
            },
            exceptions: if rev > query.rev {
                exceptions_where(&tx, &ec, &ea)?
            } else {
                vec![]
            },
            other_warehouses: other_warehouses(&tx, device.warehouse_id)?,
            rev,
            tasks: if rev > query.rev {
                tasks::tasks_where(&tx, &tc, &ta)?
            } else {
                vec![]
            },
            plates: if rev > query.rev {
                let args: Vec<&dyn rusqlite::ToSql> =
                    pa.iter().map(|a| a as &dyn rusqlite::ToSql).collect();
                load_plates(&tx, &pc, &args)?
            } else {
                vec![]
            },
            leases: crate::leases::current(&tx, device.warehouse_id, Utc::now())?,
        };
        tx.commit()?;
        Ok(response)
    }

    fn snapshot(&self, device: &DeviceRecord) -> StorageResult<Snapshot> {
        let mut conn = self.lock()?;
        let tx = conn.transaction()?;
        let wh = device.warehouse_id.to_string();
        let mut stock = Vec::new();
        {
            let mut stmt = tx.prepare_cached(
                "SELECT s.item_id, s.location_id, s.lot, s.expiry, s.plate_id, s.qty FROM stock s
                 JOIN locations l ON l.id = s.location_id WHERE l.warehouse_id = ?1",
            )?;
            let rows = stmt.query_map([&wh], |r| {
                Ok(StockRow {
                    key: key_from_row(r, 0)?,
                    qty: r.get(5)?,
                })
            })?;
            for row in rows {
                stock.push(row?);
            }
        }
        let snapshot = Snapshot {
            epoch: self.epoch,
            cursor: max_seq(&tx)?,
            rev: max_rev(&tx)?,
            master: MasterData {
                warehouses: load_warehouses(&tx)?,
                locations: load_locations(&tx, device.warehouse_id)?,
                items: load_items(&tx)?,
                operators: load_operators(&tx, None)?,
            },
            stock,
            receipt_lines: receipt_lines(&tx, "warehouse_id = ?1", std::slice::from_ref(&wh))?,
            order_lines: order_lines(&tx, "warehouse_id = ?1", std::slice::from_ref(&wh))?,
            exceptions: exceptions_where(
                &tx,
                "warehouse_id = ?1 AND status = 'open'",
                std::slice::from_ref(&wh),
            )?,
            other_warehouses: other_warehouses(&tx, device.warehouse_id)?,
            tasks: tasks::tasks_where(
                &tx,
                "warehouse_id = ?1 AND status = 'open'",
                std::slice::from_ref(&wh),
            )?,
            plates: load_plates(&tx, "warehouse_id = ?1", &[&wh])?,
            leases: crate::leases::current(&tx, device.warehouse_id, Utc::now())?,
        };
        tx.commit()?;
        Ok(snapshot)
    }

    fn import(&self, kind: ImportKind, csv: &mut dyn std::io::Read) -> StorageResult<usize> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let n = match kind {
            ImportKind::Warehouses => {
                let s = import_warehouses_into(&tx, csv)?;
                s.created + s.updated
            }
            ImportKind::Locations => {
                let s = import_locations_into(&tx, csv)?;
                s.created + s.updated
            }
            ImportKind::Items => {
                let s = import_items_into(&tx, csv)?;
                s.created + s.updated
            }
            ImportKind::Costs => {
                let rows = parse_costs(csv)?;
                let mut errors = Vec::new();
                for r in &rows {
                    let item: Option<String> = tx
                        .prepare_cached("SELECT id FROM items WHERE sku = ?1")?
                        .query_row([&r.sku], |x| x.get(0))
                        .optional()?;
                    match item {
                        Some(item) => {
                            tx.prepare_cached(
                                "INSERT INTO item_costs (item_id, unit_cost_micros, currency, updated_at) VALUES (?1, ?2, ?3, ?4)
                                 ON CONFLICT(item_id) DO UPDATE SET unit_cost_micros = excluded.unit_cost_micros,
                                   currency = excluded.currency, updated_at = excluded.updated_at",
                            )?
                            .execute(params![item, r.unit_cost_micros, r.currency, Utc::now().to_rfc3339()])?;
                        }
                        None => errors.push(RowError {
                            line: r.line_no,
                            column: Some("sku".into()),
                            reason: format!("item {:?} does not exist", r.sku),
                        }),
                    }
                }
                if !errors.is_empty() {
                    return Err(ImportError {
                        what: "costs",
                        errors,
                    }
                    .into());
                }
                rows.len()
            }
            ImportKind::Receipts => {
                let rows = parse_receipts(csv)?;
                let ids = resolve_work(&tx, "receipts", &rows)?;
                for (r, (wh, item)) in rows.iter().zip(ids) {
                    let id = ReceiptLineId::new().to_string();
                    tx.execute(
                        "INSERT INTO receipt_lines (id, receipt, line, warehouse_id, item_id, expected_qty, expected_date)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                         ON CONFLICT(receipt, line) DO UPDATE SET item_id = excluded.item_id, expected_qty = excluded.expected_qty,
                           expected_date = excluded.expected_date, warehouse_id = excluded.warehouse_id",
                        params![id, r.document, r.line, wh.to_string(), item.to_string(), r.qty, r.extra],
                    )?;
                    let id: String = tx.query_row(
                        "SELECT id FROM receipt_lines WHERE receipt = ?1 AND line = ?2",
                        params![r.document, r.line],
                        |x| x.get(0),
                    )?;
                    changed(&tx, "receipt_line", &id)?;
                }
                rows.len()
            }
            ImportKind::Orders => {
                let rows = parse_orders(csv)?;
                let ids = resolve_work(&tx, "orders", &rows)?;
                let mut errors = Vec::new();
                for r in &rows {
                    let status: Option<String> = tx
                        .prepare_cached("SELECT status FROM shipments WHERE order_no = ?1")?
                        .query_row([&r.document], |x| x.get(0))
                        .optional()?;
                    if status.as_deref() == Some("shipped") {
                        errors.push(RowError {
                            line: r.line_no,
                            column: Some("order".into()),
                            reason: format!(
                                "order {:?} is shipped; a shipped order is final (raise a new order)",
                                r.document
                            ),
                        });
                    }
                }
                if !errors.is_empty() {
                    return Err(ImportError {
                        what: "orders",
                        errors,
                    }
                    .into());
                }
                for (r, (wh, item)) in rows.iter().zip(ids) {
                    let id = OrderLineId::new().to_string();
                    tx.execute(
                        "INSERT INTO order_lines (id, order_no, line, warehouse_id, item_id, qty, ordered_qty, customer)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)
                         ON CONFLICT(order_no, line) DO UPDATE SET item_id = excluded.item_id, qty = excluded.qty,
                           ordered_qty = excluded.qty, customer = excluded.customer, warehouse_id = excluded.warehouse_id",
                        params![id, r.document, r.line, wh.to_string(), item.to_string(), r.qty, r.extra],
                    )?;
                    let id: String = tx.query_row(
                        "SELECT id FROM order_lines WHERE order_no = ?1 AND line = ?2",
                        params![r.document, r.line],
                        |x| x.get(0),
                    )?;
                    changed(&tx, "order_line", &id)?;
                }
                rows.len()
            }
        };
        tx.commit()?;
        Ok(n)
    }

    fn export(&self, kind: ExportKind, out: &mut dyn std::io::Write) -> StorageResult<usize> {
        let conn = self.lock()?;
        let mut n = 0;
        match kind {
            ExportKind::Stock => {
                csv_row(
                    out,
                    &[
                        "warehouse",
                        "location",
                        "sku",
                        "lot",
                        "expiry",
                        "plate",
                        "qty",
                    ]
                    .map(String::from),
                )?;
                let mut stmt = conn.prepare(
                    "SELECT w.code, l.code, i.sku, s.lot, s.expiry, COALESCE(p.code, ''), s.qty FROM stock s
                     JOIN items i ON i.id = s.item_id JOIN locations l ON l.id = s.location_id
                     JOIN warehouses w ON w.id = l.warehouse_id LEFT JOIN plates p ON p.id = s.plate_id
                     ORDER BY w.code, l.code, i.sku, s.lot, s.expiry",
                )?;
                let mut rows = stmt.query([])?;
                while let Some(r) = rows.next()? {
                    let f: Vec<String> = (0..6)
                        .map(|i| r.get::<_, String>(i))
                        .collect::<Result<_, _>>()?;
                    let qty: i64 = r.get(6)?;
                    csv_row(out, &[f, vec![qty.to_string()]].concat())?;
                    n += 1;
                }
            }
            ExportKind::Operations => {
                csv_row(
                    out,
                    &[
                        "server_seq",
                        "op_id",
                        "device_id",
                        "device_seq",
                        "warehouse",
                        "op_type",
                        "operator",
                        "device_time",
                        "received_at",
                        "payload",
                    ]
                    .map(String::from),
                )?;
                let mut stmt = conn.prepare(
                    "SELECT o.server_seq, o.entry, w.code, o.received_at FROM ops o JOIN warehouses w ON w.id = o.warehouse_id ORDER BY o.server_seq",
                )?;
                let mut rows = stmt.query([])?;
                while let Some(r) = rows.next()? {
                    let e: ChangeLogEntry = serde_json::from_str(&r.get::<_, String>(1)?)?;
                    csv_row(
                        out,
                        &[
                            r.get::<_, i64>(0)?.to_string(),
                            e.op_id.to_string(),
                            e.device_id.to_string(),
                            e.seq.to_string(),
                            r.get(2)?,
                            e.op.kind().to_string(),
                            e.operator.clone(),
                            e.device_time.to_rfc3339(),
                            r.get(3)?,
                            serde_json::to_string(&e.op)?,
                        ],
                    )?;
                    n += 1;
                }
            }
            ExportKind::Exceptions => {
                csv_row(
                    out,
                    &[
                        "id",
                        "kind",
                        "status",
                        "warehouse",
                        "device_id",
                        "message",
                        "op_ids",
                        "created_at",
                        "resolution",
                    ]
                    .map(String::from),
                )?;
                let list = exceptions_where(&conn, "1 = 1", &[])?;
                let codes: std::collections::HashMap<WarehouseId, String> = load_warehouses(&conn)?
                    .into_iter()
                    .map(|w| (w.id, w.code))
                    .collect();
                for x in list {
                    csv_row(
                        out,
                        &[
                            x.id.to_string(),
                            x.kind.as_str().into(),
                            if x.status == ExceptionStatus::Open {
                                "open".into()
                            } else {
                                "resolved".into()
                            },
                            codes.get(&x.warehouse_id).cloned().unwrap_or_default(),
                            x.device_id.map(|d| d.to_string()).unwrap_or_default(),
                            x.message,
                            x.op_ids
                                .iter()
                                .map(|o| o.to_string())
                                .collect::<Vec<_>>()
                                .join(" "),
                            x.created_at.to_rfc3339(),
                            x.resolution.unwrap_or_default(),
                        ],
                    )?;
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    fn load_demo(&self, seed: u64, items: usize) -> StorageResult<()> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: i64 = tx.query_row("SELECT COUNT(*) FROM warehouses", [], |r| r.get(0))?;
        if existing > 0 {
            return Err(StorageError::Invalid(
                "the server already has master data; demo data goes into a new database".into(),
            ));
        }
        let demo = aisle_domain::demo::generate(seed, items, Utc::now().date_naive());
        for w in &demo.warehouses {
            tx.execute(
                "INSERT INTO warehouses (id, code, name) VALUES (?1, ?2, ?3)",
                params![w.id.to_string(), w.code, w.name],
            )?;
        }
        for l in &demo.locations {
            upsert_location(&tx, l)?;
        }
        for (n, i) in demo.items.iter().enumerate() {
            upsert_item(&tx, i)?;
            // Unit costs from 0.35 to about 50 EUR, so the valuation has figures to show.
            let micros = 350_000 + ((n as i64 * 7_919 + seed as i64 * 104_729) % 4_965) * 10_000;
            tx.execute(
                "INSERT INTO item_costs (item_id, unit_cost_micros, currency, updated_at) VALUES (?1, ?2, 'EUR', ?3)",
                params![i.id.to_string(), micros, Utc::now().to_rfc3339()],
            )?;
        }
        // Sixteen weeks of picks behind the first 20 items, so forecasts have a history; their
        // opening stock includes what was picked, so today's stock is as generated.
        let today = Utc::now().date_naive();
        let past = demo.past_picks(today, 20);
        let start = Utc::now() - chrono::Duration::days(113);
        for (i, o) in demo.opening.iter().enumerate() {
            let wh = demo
                .locations
                .iter()
                .find(|l| l.id == o.location)
                .map(|l| l.warehouse_id)
                .ok_or_else(|| {
                    StorageError::Internal("demo stock in an unknown location".into())
                })?;
            let picked: i64 = past.iter().filter(|p| p.opening == i).map(|p| p.qty).sum();
            let opening = aisle_domain::demo::OpeningStock {
                qty: o.qty + picked,
                ..o.clone()
            };
            self.server_op_at(&tx, wh, opening.to_operation(), "SYSTEM", start)?;
        }
        for p in &past {
            let o = &demo.opening[p.opening];
            let wh = demo
                .locations
                .iter()
                .find(|l| l.id == o.location)
                .map(|l| l.warehouse_id)
                .ok_or_else(|| StorageError::Internal("demo pick in an unknown location".into()))?;
            let when = p
                .day
                .and_hms_opt(10, 0, 0)
                .map(|t| t.and_utc())
                .ok_or_else(|| StorageError::Internal("demo pick time".into()))?;
            let pick = Operation::Pick(aisle_domain::op::Pick {
                key: StockKey {
                    item: o.item,
                    location: o.location,
                    lot: o.lot.clone(),
                    expiry: o.expiry,
                    plate: None,
                },
                qty: p.qty,
                requested: None,
                short_reason: None,
                order_line: None,
                serials: vec![],
            });
            self.server_op_at(&tx, wh, pick, "DEMO", when)?;
        }
        tx.commit()?;
        drop(conn);
        self.import(ImportKind::Receipts, &mut demo.receipts_csv().as_bytes())?;
        self.import(ImportKind::Orders, &mut demo.orders_csv().as_bytes())?;
        for (badge, name, pin, supervisor) in aisle_domain::demo::DEMO_OPERATORS {
            self.add_operator(&NewOperator {
                badge: (*badge).into(),
                name: (*name).into(),
                pin: (*pin).into(),
                supervisor: *supervisor,
            })?;
        }
        Ok(())
    }

    fn stats(&self) -> StorageResult<Stats> {
        let conn = self.lock()?;
        let count = |sql: &str| {
            conn.query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
        };
        Ok(Stats {
            devices: count("SELECT COUNT(*) FROM devices WHERE revoked_at IS NULL")?,
            operations: count("SELECT COALESCE(MAX(server_seq), 0) FROM ops")?,
            open_exceptions: count("SELECT COUNT(*) FROM exceptions WHERE status = 'open'")?,
        })
    }

    fn open_session(
        &self,
        badge: &str,
        pin: &str,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> StorageResult<SessionRecord> {
        let conn = self.lock()?;
        let found: Option<(String, String, String, String)> = conn
            .query_row(
                "SELECT badge, name, role, pin_hash FROM operators WHERE badge = ?1",
                [badge.trim()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        // The same answer for an unknown badge and a wrong PIN: no probing for badges.
        let refused = || StorageError::Forbidden("wrong badge or PIN".into());
        let Some((badge, name, role, hash)) = found else {
            return Err(refused());
        };
        if !aisle_ledger::pin::verify_pin(pin, &hash)? {
            return Err(refused());
        }
        if role != "supervisor" {
            return Err(StorageError::Forbidden(format!(
                "{badge} is not a supervisor; these pages are for supervisors"
            )));
        }
        conn.execute(
            "DELETE FROM sessions WHERE expires_at < ?1",
            [Utc::now().to_rfc3339()],
        )?;
        conn.execute(
            "INSERT INTO sessions (token_hash, badge, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![token_hash, badge, Utc::now().to_rfc3339(), expires_at.to_rfc3339()],
        )?;
        Ok(SessionRecord {
            badge,
            name,
            expires_at,
        })
    }

    fn session(&self, token_hash: &str) -> StorageResult<Option<SessionRecord>> {
        let conn = self.lock()?;
        let row: Option<(String, String, String)> = conn
            .query_row(
                "SELECT s.badge, o.name, s.expires_at FROM sessions s
                 JOIN operators o ON o.badge = s.badge
                 WHERE s.token_hash = ?1 AND o.role = 'supervisor'",
                [token_hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((badge, name, expires)) = row else {
            return Ok(None);
        };
        let expires_at = time(&expires)?;
        Ok((expires_at > Utc::now()).then_some(SessionRecord {
            badge,
            name,
            expires_at,
        }))
    }

    fn close_session(&self, token_hash: &str) -> StorageResult<()> {
        self.lock()?
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    fn set_policy(&self, warehouse: &str, sku: &str, policy: &Policy) -> StorageResult<()> {
        let conn = self.lock()?;
        inventory::set_policy(&conn, warehouse, sku, policy)
    }

    fn demand_history(
        &self,
        warehouse: &str,
        sku: &str,
        days: u32,
        today: NaiveDate,
    ) -> StorageResult<Vec<(NaiveDate, i64)>> {
        let conn = self.lock()?;
        let wh = inventory::warehouse_id(&conn, warehouse)?;
        let item = inventory::item_id(&conn, sku)?;
        inventory::demand_history(&conn, &wh, &item, days, today)
    }

    fn replenishment(
        &self,
        warehouse: &str,
        today: NaiveDate,
        service_level: f64,
    ) -> StorageResult<Vec<ReplenishmentLine>> {
        let conn = self.lock()?;
        inventory::replenishment(&conn, warehouse, today, service_level)
    }

    fn expiring(
        &self,
        warehouse: &str,
        today: NaiveDate,
        days: u32,
    ) -> StorageResult<Vec<Expiring>> {
        let conn = self.lock()?;
        inventory::expiring(&conn, warehouse, today, days)
    }

    fn face_top_ups(&self, warehouse: &str) -> StorageResult<Vec<FaceTopUp>> {
        let conn = self.lock()?;
        inventory::face_top_ups(&conn, warehouse, inventory::Faces::All)
    }

    fn orders(&self, warehouse: &str) -> StorageResult<Vec<OrderStatus>> {
        let conn = self.lock()?;
        inventory::orders(&conn, warehouse)
    }

    fn confirm_shipment(
        &self,
        order: &str,
        step: &Shipment,
        by: &str,
    ) -> StorageResult<OrderStatus> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let status = inventory::confirm_shipment(&tx, order, step, by)?;
        tx.commit()?;
        Ok(status)
    }

    fn allocation(&self, warehouse: &str) -> StorageResult<Vec<LineAllocation>> {
        let conn = self.lock()?;
        inventory::allocation(&conn, warehouse)
    }

    fn count_plan(&self, warehouse: &str, today: NaiveDate) -> StorageResult<Vec<CountTask>> {
        let conn = self.lock()?;
        inventory::count_plan(&conn, warehouse, today)
    }

    fn stock_search(&self, q: &str, limit: u32) -> StorageResult<Vec<StockHit>> {
        let conn = self.lock()?;
        inventory::stock_search(&conn, q, limit)
    }

    fn item_detail(
        &self,
        warehouse: &str,
        sku: &str,
        today: NaiveDate,
        service_level: f64,
    ) -> StorageResult<ItemDetail> {
        let conn = self.lock()?;
        inventory::item_detail(&conn, warehouse, sku, today, service_level)
    }

    fn create_purchase_order(
        &self,
        warehouse: &str,
        lines: &[(String, i64)],
        expected: Option<NaiveDate>,
    ) -> StorageResult<String> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let po = inventory::create_purchase_order(&tx, warehouse, lines, expected, changed)?;
        tx.commit()?;
        Ok(po)
    }

    fn exceptions(&self, open_only: bool) -> StorageResult<Vec<Exception>> {
        let conn = self.lock()?;
        exceptions_where(
            &conn,
            if open_only {
                "status = 'open'"
            } else {
                "1 = 1"
            },
            &[],
        )
    }

    fn waves(&self, warehouse: &str) -> StorageResult<Vec<crate::waves::Wave>> {
        let conn = self.lock()?;
        crate::waves::list(&conn, warehouse)
    }

    fn create_wave(
        &self,
        warehouse: &str,
        orders: &[String],
        by: &str,
    ) -> StorageResult<crate::waves::Wave> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let wave = crate::waves::create(&tx, warehouse, orders, by)?;
        tx.commit()?;
        Ok(wave)
    }

    fn release_wave(&self, wave: &str, by: &str) -> StorageResult<crate::waves::Wave> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let wave = crate::waves::release(&tx, wave, by)?;
        tx.commit()?;
        Ok(wave)
    }

    fn settle_short(
        &self,
        order: &str,
        choice: crate::shortfall::ShortChoice,
        by: &str,
    ) -> StorageResult<crate::shortfall::ShortOutcome> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = crate::shortfall::settle(&tx, order, choice, by)?;
        tx.commit()?;
        Ok(out)
    }

    fn claim(
        &self,
        device: &DeviceRecord,
        req: &aisle_proto::ClaimRequest,
    ) -> StorageResult<Vec<aisle_proto::Lease>> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = crate::leases::claim(&tx, device, req, Utc::now())?;
        tx.commit()?;
        Ok(out)
    }

    fn leases(&self, warehouse: &str) -> StorageResult<Vec<aisle_proto::Lease>> {
        let conn = self.lock()?;
        let wh: WarehouseId = parse(&inventory::warehouse_id(&conn, warehouse)?)?;
        crate::leases::current(&conn, wh, Utc::now())
    }

    fn release_lease(&self, work: aisle_proto::WorkRef, by: &str) -> StorageResult<()> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        crate::leases::release(&tx, work, by, Utc::now())?;
        tx.commit()?;
        Ok(())
    }

    fn assign_lease(
        &self,
        work: aisle_proto::WorkRef,
        device: DeviceId,
        by: &str,
    ) -> StorageResult<aisle_proto::Lease> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let dev = Self::device_where(&tx, "d.id = ?1", &device.to_string())?
            .ok_or_else(|| StorageError::NotFound(format!("no device {device}")))?;
        let lease = crate::leases::assign(&tx, work, &dev, by, Utc::now())?;
        tx.commit()?;
        Ok(lease)
    }

    fn audit_books(&self) -> StorageResult<crate::books::BooksAudit> {
        let mut conn = self.lock()?;
        // One read transaction: the ledger, the log and stock as one consistent state.
        let tx = conn.transaction()?;
        let audit = crate::books::audit(&tx)?;
        tx.commit()?;
        Ok(audit)
    }

    fn resolve_exception(
        &self,
        id: Uuid,
        by: &str,
        resolution: &Resolution,
    ) -> StorageResult<Exception> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let role: Option<String> = tx
            .query_row("SELECT role FROM operators WHERE badge = ?1", [by], |r| {
                r.get(0)
            })
            .optional()?;
        if role.as_deref() != Some("supervisor") {
            return Err(StorageError::Forbidden(format!(
                "{by:?} is not a supervisor; only supervisors resolve exceptions"
            )));
        }
        let found = exceptions_where(&tx, "id = ?1", &[id.to_string()])?;
        let x = found
            .into_iter()
            .next()
            .ok_or_else(|| StorageError::NotFound(format!("no exception {id}")))?;
        if x.status == ExceptionStatus::Resolved {
            return Err(StorageError::Conflict(format!(
                "exception {id} is already resolved: {}",
                x.resolution.unwrap_or_default()
            )));
        }
        let text = match resolution {
            Resolution::Accept { note } => format!("accepted by {by}: {note}"),
            Resolution::Reject { note } => {
                let count = match x.op_ids.first() {
                    Some(op) if x.kind == ExceptionKind::CountVariance => {
                        match logged_entry(&tx, *op)?.op {
                            Operation::Count(c) => c,
                            _ => {
                                return Err(StorageError::Internal(format!(
                                    "the operation behind count exception {id} is not a count"
                                )));
                            }
                        }
                    }
                    _ => {
                        return Err(StorageError::Invalid(
                            "only a count variance can be rejected; accept or adjust this exception".into(),
                        ));
                    }
                };
                let qty = count.expected - count.counted;
                let op = Operation::Adjust(Adjust {
                    key: count.key,
                    qty,
                    reason: "count rejected".into(),
                    note: Some(format!("resolves exception {id}: {}", note.trim())),
                });
                let seq = self.server_op_by(&tx, x.warehouse_id, op, by)?;
                format!(
                    "count rejected by {by}: the books go back to {} ({qty:+}, server operation #{seq}); {}",
                    count.expected,
                    note.trim()
                )
            }
            Resolution::Release { note } => {
                let entry = match x.op_ids.first() {
                    Some(op) if x.kind.holds_operation() => logged_entry(&tx, *op)?,
                    _ => {
                        return Err(StorageError::Invalid(
                            "only a held operation (unauthorized or invalid_operation) can be released; accept or adjust this exception".into(),
                        ));
                    }
                };
                // Released as if the supervisor had done it: still only what any replica can apply.
                // An operation held as unreadable is read again: this server may read it now.
                let as_supervisor = ChangeLogEntry {
                    operator: by.to_string(),
                    warehouse_id: x.warehouse_id,
                    op: aisle_domain::op::reread(&entry.op)
                        .filter(|_| entry.schema_version <= PAYLOAD_VERSION)
                        .unwrap_or_else(|| entry.op.clone()),
                    ..entry.clone()
                };
                let view = TxView {
                    conn: &tx,
                    device: entry.device_id,
                };
                let check = admission::admit(&as_supervisor, x.warehouse_id, Utc::now(), &view)?;
                if check.verdict == Verdict::Hold {
                    return Err(StorageError::Invalid(format!(
                        "this operation cannot be applied: {}; accept the exception to leave it out",
                        check.reason().unwrap_or("it breaks a rule")
                    )));
                }
                let seq = self.server_op_by(&tx, x.warehouse_id, as_supervisor.op, by)?;
                format!(
                    "released by {by}: the held {} is applied as server operation #{seq}; {}",
                    x.op_ids.first().map(|o| o.to_string()).unwrap_or_default(),
                    note.trim()
                )
            }
            Resolution::Adjust { qty, reason } => {
                let key = x.key.clone().ok_or_else(|| {
                    StorageError::Invalid(
                        "this exception is not about a stock line; accept it instead".into(),
                    )
                })?;
                if *qty == 0 || reason.trim().is_empty() {
                    return Err(StorageError::Invalid(
                        "an adjustment needs a non-zero quantity and a reason".into(),
                    ));
                }
                let op = Operation::Adjust(Adjust {
                    key,
                    qty: *qty,
                    reason: reason.trim().to_string(),
                    note: Some(format!("resolves exception {id}")),
                });
                let seq = self.server_op_by(&tx, x.warehouse_id, op, by)?;
                format!("adjusted by {qty:+} ({reason}) by {by}, server operation #{seq}")
            }
        };
        tx.execute(
            "UPDATE exceptions SET status = 'resolved', resolution = ?1 WHERE id = ?2",
            params![text, id.to_string()],
        )?;
        changed(&tx, "exception", &id.to_string())?;
        let resolved = exceptions_where(&tx, "id = ?1", &[id.to_string()])?
            .into_iter()
            .next()
            .ok_or_else(|| StorageError::Internal("exception vanished".into()))?;
        tx.commit()?;
        tracing::info!(exception = %id, by, resolution = %text, "exception resolved");
        Ok(resolved)
    }

    fn release_top_ups(&self, warehouse: &str, by: &str) -> StorageResult<Vec<Task>> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = tasks::release_top_ups(&tx, warehouse, inventory::Faces::All, by)?;
        tx.commit()?;
        tracing::info!(warehouse, by, tasks = out.len(), "top-up tasks released");
        Ok(out)
    }

    fn release_counts(
        &self,
        warehouse: &str,
        skus: &[String],
        today: NaiveDate,
        by: &str,
    ) -> StorageResult<Vec<Task>> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = tasks::release_counts(&tx, warehouse, skus, today, by)?;
        tx.commit()?;
        tracing::info!(warehouse, by, tasks = out.len(), "count tasks released");
        Ok(out)
    }

    fn recount(&self, exception: Uuid, by: &str) -> StorageResult<Task> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let x = exceptions_where(&tx, "id = ?1", &[exception.to_string()])?
            .into_iter()
            .next()
            .ok_or_else(|| StorageError::NotFound(format!("no exception {exception}")))?;
        if x.status == ExceptionStatus::Resolved {
            return Err(StorageError::Conflict(format!(
                "exception {exception} is already resolved"
            )));
        }
        let task = tasks::recount(&tx, &x, by)?;
        tx.commit()?;
        tracing::info!(%exception, by, task = %task.id, "recount requested");
        Ok(task)
    }

    fn cancel_task(&self, id: TaskId, by: &str) -> StorageResult<Task> {
        let mut conn = self.lock()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let task = tasks::cancel(&tx, id)?;
        tx.commit()?;
        tracing::info!(task = %id, by, "task cancelled");
        Ok(task)
    }

    fn tasks(&self, warehouse: &str, open_only: bool) -> StorageResult<Vec<TaskLine>> {
        let conn = self.lock()?;
        tasks::task_lines(&conn, warehouse, open_only)
    }

    fn note_contact(&self, device: DeviceId, contact: &Contact) -> StorageResult<()> {
        let conn = self.lock()?;
        conn.prepare_cached(
            "UPDATE devices SET app_version = COALESCE(?1, app_version), log_end = COALESCE(?2, log_end),
               clock_offset_s = COALESCE(?3, clock_offset_s), last_seen_at = ?4 WHERE id = ?5",
        )?
        .execute(params![
            contact.app_version,
            contact.log_end.map(|n| n as i64),
            contact.clock_offset_s,
            Utc::now().to_rfc3339(),
            device.to_string()
        ])?;
        if let Some(o) = contact.clock_offset_s.filter(|o| o.abs() > CLOCK_REPORT_S) {
            tracing::warn!(device = %device, offset_s = o, "a device's clock is off; its times are corrected by the offset");
        }
        Ok(())
    }

    fn audit(&self, badge: &str, action: &str, outcome: &str) -> StorageResult<()> {
        let conn = self.lock()?;
        conn.prepare_cached(
            "INSERT INTO audit (at, badge, action, outcome) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![Utc::now().to_rfc3339(), badge, action, outcome])?;
        Ok(())
    }

    fn audit_log(&self, limit: u32) -> StorageResult<Vec<AuditEntry>> {
        let conn = self.lock()?;
        let mut stmt = conn.prepare_cached(
            "SELECT at, badge, action, outcome FROM audit ORDER BY id DESC LIMIT ?1",
        )?;
        let rows: Vec<(String, String, String, String)> = stmt
            .query_map([limit], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        rows.into_iter()
            .map(|(at, badge, action, outcome)| {
                Ok(AuditEntry {
                    at: time(&at)?,
                    badge,
                    action,
                    outcome,
                })
            })
            .collect()
    }

    fn location_detail(&self, warehouse: &str, code: &str) -> StorageResult<LocationDetail> {
        let conn = self.lock()?;
        inventory::location_detail(&conn, warehouse, code)
    }

    fn lot_stock(&self, lot: &str) -> StorageResult<Vec<LotStock>> {
        let conn = self.lock()?;
        inventory::lot_stock(&conn, lot)
    }

    fn valuation(&self, warehouse: &str) -> StorageResult<Valuation> {
        let conn = self.lock()?;
        inventory::valuation(&conn, warehouse)
    }
}
