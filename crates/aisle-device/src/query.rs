//! Read side: stock by item, location, lot and plate; the change log; and the ledger audit that
//! proves materialized stock equals the sum of the ledger.

use crate::master::kind_of;
use crate::{DeviceError, Result, Store, parse_id};
use aisle_domain::ledger::StockKey;
use aisle_domain::master::LocationKind;
use aisle_domain::op::{ChangeLogEntry, Operation, Unreadable};
use aisle_domain::{DeviceId, ItemId, LocationId, PlateId};
pub use aisle_ledger::audit::{BooksMismatch, ledger_against_stock};
use aisle_ledger::db::DbExt;
use aisle_ledger::effects::key_from_row;
use chrono::NaiveDate;
use rusqlite::params_from_iter;
use serde::Serialize;
use serde_json::value::RawValue;

/// One line of on-hand stock, with the names a person needs to read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockLine {
    pub item_id: ItemId,
    pub sku: String,
    pub description: String,
    pub warehouse: String,
    pub location_id: LocationId,
    pub location: String,
    pub location_kind: LocationKind,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
    pub plate_id: Option<PlateId>,
    pub plate: Option<String>,
    pub qty: i64,
}

impl StockLine {
    pub fn key(&self) -> StockKey {
        StockKey {
            item: self.item_id,
            location: self.location_id,
            lot: self.lot.clone(),
            expiry: self.expiry,
            plate: self.plate_id,
        }
    }
}

/// Which change-log entries to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogFilter {
    /// Only entries the server has not acknowledged yet.
    pub unsynced: bool,
    /// Entries after this sequence number.
    pub after: u64,
    pub limit: Option<u64>,
}

use crate::record::none_if_empty as opt_text;

impl Store {
    fn stock_where(&self, clause: &str, args: &[String]) -> Result<Vec<StockLine>> {
        let sql = format!(
            "SELECT s.item_id, i.sku, i.description, w.code, s.location_id, l.code, l.kind, s.lot, s.expiry, s.plate_id,
                    p.code, s.qty
             FROM stock s
             JOIN items i ON i.id = s.item_id
             JOIN locations l ON l.id = s.location_id
             JOIN warehouses w ON w.id = l.warehouse_id
             LEFT JOIN plates p ON p.id = s.plate_id
             WHERE {clause}
             ORDER BY w.code, COALESCE(l.walk_seq, 0), l.code, i.sku, s.expiry, s.lot, s.plate_id"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, String>(9)?,
                r.get::<_, Option<String>>(10)?,
                r.get::<_, i64>(11)?,
            ))
        })?;
        rows.map(|row| {
            let (
                item,
                sku,
                description,
                warehouse,
                loc,
                location,
                kind,
                lot,
                expiry,
                plate_id,
                plate,
                qty,
            ) = row?;
            Ok(StockLine {
                item_id: parse_id(&item)?,
                sku,
                description,
                warehouse,
                location_id: parse_id(&loc)?,
                location,
                location_kind: kind_of(&kind)?,
                lot: opt_text(lot),
                expiry: opt_text(expiry)
                    .map(|e| {
                        e.parse().map_err(|_| {
                            DeviceError::Decode(format!("stored expiry {e:?} is not a date"))
                        })
                    })
                    .transpose()?,
                plate_id: opt_text(plate_id).as_deref().map(parse_id).transpose()?,
                plate,
                qty,
            })
        })
        .collect()
    }

    /// Stock of an item in every location of every warehouse.
    pub fn stock_of_item(&self, item: ItemId) -> Result<Vec<StockLine>> {
        self.stock_where("s.item_id = ?1", &[item.to_string()])
    }

    /// Everything at a location.
    pub fn stock_at(&self, location: LocationId) -> Result<Vec<StockLine>> {
        self.stock_where("s.location_id = ?1", &[location.to_string()])
    }

    /// Stock of a lot, optionally of one item only.
    pub fn stock_of_lot(&self, lot: &str, item: Option<ItemId>) -> Result<Vec<StockLine>> {
        match item {
            Some(i) => self.stock_where(
                "s.lot = ?1 AND s.item_id = ?2",
                &[lot.to_string(), i.to_string()],
            ),
            None => self.stock_where("s.lot = ?1", &[lot.to_string()]),
        }
    }

    /// What a license plate holds.
    pub fn stock_on_plate(&self, plate: PlateId) -> Result<Vec<StockLine>> {
        self.stock_where("s.plate_id = ?1", &[plate.to_string()])
    }

    /// Stock of one item at one location, every lot, expiry and plate.
    pub fn stock_of_item_at(&self, item: ItemId, location: LocationId) -> Result<Vec<StockLine>> {
        self.stock_where(
            "s.item_id = ?1 AND s.location_id = ?2",
            &[item.to_string(), location.to_string()],
        )
    }

    /// On-hand quantity under exactly one key (zero if none).
    pub fn on_hand(&self, key: &StockKey) -> Result<i64> {
        let (i, l, lot, exp, plate) = crate::record::key_columns(key);
        Ok(self
            .conn
            .prepare_cached(
                "SELECT COALESCE(SUM(qty), 0) FROM stock WHERE item_id = ?1 AND location_id = ?2 AND lot = ?3 AND expiry = ?4 AND plate_id = ?5",
            )?
            .query_row([i, l, lot, exp, plate], |r| r.get(0))?)
    }

    /// Change-log entries in sequence order.
    pub fn change_log(&self, filter: LogFilter) -> Result<Vec<ChangeLogEntry>> {
        let pushed = if filter.unsynced {
            self.pushed_seq()?
        } else {
            0
        };
        change_log_on(&self.conn, pushed.max(filter.after), filter.limit)
    }

    /// The highest sequence number the server has acknowledged.
    pub fn pushed_seq(&self) -> Result<u64> {
        let v: i64 = self
            .conn
            .query_row("SELECT pushed_seq FROM sync_state", [], |r| r.get(0))?;
        Ok(v as u64)
    }

    /// Number of entries waiting to be pushed.
    pub fn pending_count(&self) -> Result<u64> {
        let v: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM change_log WHERE seq > (SELECT pushed_seq FROM sync_state)",
            [],
            |r| r.get(0),
        )?;
        Ok(v as u64)
    }

    /// Keys where materialized stock differs from the ledger's sum. Empty on a healthy store.
    pub fn audit_stock(&self) -> Result<Vec<String>> {
        Ok(ledger_against_stock(&self.conn)?
            .into_iter()
            .map(|m| m.to_string())
            .collect())
    }
}

/// One change-log row as the table holds it.
struct LogRow {
    seq: u64,
    op_id: String,
    device_id: String,
    schema_version: u32,
    warehouse_id: String,
    operator: String,
    device_time: String,
    scans: String,
    payload: String,
    seen_cursor: u64,
}

/// A row's operation and scans, each read by its reader. Where the log's text no longer reads (a
/// damaged file): an unreadable operation carrying that text, to stand in with no scans, so that
/// the log still reads, scanning goes on and a push still goes (the server holds that entry for a
/// supervisor). Refusing it would stop every later push of the tablet for good.
fn op_and_scans<'t, O, S>(
    seq: u64,
    payload: &'t str,
    scans: &'t str,
    read_op: impl Fn(&'t str) -> serde_json::Result<O>,
    read_scans: impl Fn(&'t str) -> serde_json::Result<S>,
) -> std::result::Result<(O, S), Unreadable> {
    match (read_op(payload), read_scans(scans)) {
        (Ok(op), Ok(scans)) => Ok((op, scans)),
        (op, read) => {
            let why = [
                ("its operation does", op.err()),
                ("its scans do", read.err()),
            ]
            .into_iter()
            .filter_map(|(what, e)| e.map(|e| format!("{what} not read ({e})")))
            .collect::<Vec<_>>()
            .join(", ");
            Err(Unreadable {
                raw: payload.to_string(),
                reason: format!(
                    "this device's log holds entry {seq} damaged: {why}; scans as stored: {scans}"
                ),
            })
        }
    }
}

/// The change-log rows after `after` (at most `limit`), in order, each made into a `T` by `each`.
fn log_rows<T>(
    conn: &rusqlite::Connection,
    after: u64,
    limit: Option<u64>,
    mut each: impl FnMut(LogRow) -> Result<T>,
) -> Result<Vec<T>> {
    let limit = limit.map_or(-1, |l| l as i64);
    let mut stmt = conn.prepare_cached(
        "SELECT seq, op_id, device_id, schema_version, warehouse_id, operator, device_time, scans, payload, seen_cursor
         FROM change_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map([after as i64, limit], |r| {
        Ok(LogRow {
            seq: r.get::<_, i64>(0)? as u64,
            op_id: r.get(1)?,
            device_id: r.get(2)?,
            schema_version: r.get(3)?,
            warehouse_id: r.get(4)?,
            operator: r.get(5)?,
            device_time: r.get(6)?,
            scans: r.get(7)?,
            payload: r.get(8)?,
            seen_cursor: r.get::<_, i64>(9)? as u64,
        })
    })?;
    rows.map(|row| each(row?)).collect()
}

/// Change-log entries after `after`, on any connection (sync reads them inside its transaction).
pub(crate) fn change_log_on(
    conn: &rusqlite::Connection,
    after: u64,
    limit: Option<u64>,
) -> Result<Vec<ChangeLogEntry>> {
    log_rows(conn, after, limit, |row| {
        let seq = row.seq;
        let (op, scans) = op_and_scans(
            seq,
            &row.payload,
            &row.scans,
            serde_json::from_str,
            serde_json::from_str,
        )
        .unwrap_or_else(|unreadable| (Operation::Unreadable(unreadable), Vec::new()));
        Ok(ChangeLogEntry {
            op_id: parse_id(&row.op_id)?,
            device_id: parse_id(&row.device_id)?,
            seq,
            schema_version: row.schema_version,
            warehouse_id: parse_id(&row.warehouse_id)?,
            operator: row.operator,
            device_time: chrono::DateTime::parse_from_rfc3339(&row.device_time)
                .map_err(|e| DeviceError::Decode(format!("entry {seq} time: {e}")))?
                .to_utc(),
            scans,
            seen_cursor: row.seen_cursor,
            op,
        })
    })
}

/// A change-log entry as stored, for a push: the same JSON as a [`ChangeLogEntry`], with its
/// operation and scans passed on as the text the log holds instead of decoded and encoded again
/// (docs/PERFORMANCE.md, session 15), every field borrowed from the row being read. The server
/// reads each entry whole and holds one it cannot read for a supervisor.
#[derive(Serialize)]
struct StoredEntry<'a> {
    op_id: &'a str,
    device_id: &'a str,
    seq: u64,
    schema_version: u32,
    warehouse_id: &'a str,
    operator: &'a str,
    device_time: &'a str,
    scans: &'a RawValue,
    seen_cursor: u64,
    op: &'a RawValue,
}

/// `text` if it is JSON, as it is.
fn checked_json(text: &str) -> serde_json::Result<&RawValue> {
    serde_json::from_str(text)
}

/// The body of a push (`aisle_proto::PushRequest`'s JSON) of this device's change-log entries
/// after `after` up to `end`, at most `limit` of them, and how many it holds. Written as the rows
/// are read: no entry is copied out of the row, then encoded again (docs/PERFORMANCE.md,
/// session 19). A row whose operation or scans no longer read as JSON (a damaged file) goes as
/// an unreadable operation with no scans, so that the body is JSON whatever the log holds.
pub(crate) fn push_body(
    conn: &rusqlite::Connection,
    device: DeviceId,
    epoch: uuid::Uuid,
    (after, end): (u64, u64),
    limit: u64,
) -> Result<(Vec<u8>, usize)> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, op_id, device_id, schema_version, warehouse_id, operator, device_time, scans, payload, seen_cursor
         FROM change_log WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3",
    )?;
    let mut rows = stmt.query([after as i64, end as i64, limit as i64])?;
    let mut body = Vec::new();
    body.extend_from_slice(b"{\"device_id\":");
    serde_json::to_writer(&mut body, &device)?;
    body.extend_from_slice(b",\"epoch\":");
    serde_json::to_writer(&mut body, &epoch)?;
    body.extend_from_slice(b",\"entries\":[");
    let mut n = 0;
    while let Some(r) = rows.next()? {
        let text = |i: usize| -> Result<&str> {
            Ok(r.get_ref(i)?.as_str().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
            })?)
        };
        let seq = r.get::<_, i64>(0)? as u64;
        // Kept here when the stored texts do not read: what stands in for them.
        let standing_in: (Box<RawValue>, Box<RawValue>);
        let (op, scans) = match op_and_scans(seq, text(8)?, text(7)?, checked_json, checked_json) {
            Ok(both) => both,
            Err(unreadable) => {
                let decode =
                    |e: serde_json::Error| DeviceError::Decode(format!("entry {seq}: {e}"));
                standing_in = (
                    serde_json::value::to_raw_value(&Operation::Unreadable(unreadable))
                        .map_err(decode)?,
                    RawValue::from_string("[]".to_string()).map_err(decode)?,
                );
                (&*standing_in.0, &*standing_in.1)
            }
        };
        if n > 0 {
            body.push(b',');
        }
        serde_json::to_writer(
            &mut body,
            &StoredEntry {
                op_id: text(1)?,
                device_id: text(2)?,
                seq,
                schema_version: r.get(3)?,
                warehouse_id: text(4)?,
                operator: text(5)?,
                device_time: text(6)?,
                scans,
                seen_cursor: r.get::<_, i64>(9)? as u64,
                op,
            },
        )?;
        n += 1;
    }
    body.extend_from_slice(b"]}");
    Ok((body, n))
}

/// Every stock line by key.
pub(crate) fn all_stock(
    conn: &rusqlite::Connection,
) -> Result<std::collections::BTreeMap<StockKey, i64>> {
    let rows = conn.rows(
        "SELECT item_id, location_id, lot, expiry, plate_id, qty FROM stock",
        &[],
        |r| Ok((key_from_row(r, 0)?, r.get::<i64>(5)?)),
    )?;
    Ok(rows.into_iter().collect())
}

/// When each stock key first received stock on this device's books, for FIFO: the creation
/// time in the earliest operation id (UUIDv7) that added to it. Keys known only from a
/// snapshot have no such operation here and are left out (the caller treats them as oldest).
pub(crate) fn first_arrivals(
    conn: &rusqlite::Connection,
) -> Result<std::collections::HashMap<StockKey, chrono::DateTime<chrono::Utc>>> {
    // One pass over the ledger; snapshot rows carry "snapshot:N" ids, not UUIDs.
    let rows = conn.rows(
        "SELECT item_id, location_id, lot, expiry, plate_id, MIN(op_id) FROM ledger
         WHERE qty > 0 AND op_id NOT LIKE 'snapshot:%'
         GROUP BY item_id, location_id, lot, expiry, plate_id",
        &[],
        |r| Ok((key_from_row(r, 0)?, r.get::<String>(5)?)),
    )?;
    let mut out = std::collections::HashMap::new();
    for (key, op) in rows {
        let when = uuid::Uuid::parse_str(&op)
            .ok()
            .and_then(|u| u.get_timestamp())
            .and_then(|t| {
                let (secs, nanos) = t.to_unix();
                chrono::DateTime::from_timestamp(i64::try_from(secs).ok()?, nanos)
            });
        if let Some(when) = when {
            out.insert(key, when);
        }
    }
    Ok(out)
}
