//! Recording an operation: the change-log entry, its ledger rows, the materialized stock and any
//! license-plate movement, in one immediate transaction. This is the scan path.

use crate::{DeviceError, Result, Store};
use aisle_domain::capacity::{Limits, Load};
use aisle_domain::ledger::StockKey;
use aisle_domain::op::{ChangeLogEntry, Operation, PAYLOAD_VERSION};
use aisle_domain::{LocationId, OpId, WarehouseId};
use aisle_domain::{Said, said};
use chrono::Utc;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

/// Who is recording and what they scanned.
#[derive(Debug, Clone, Default)]
pub struct OpContext {
    /// Badge code of the signed-in operator.
    pub operator: String,
    /// Raw scans behind the operation, exactly as received.
    pub scans: Vec<String>,
}

impl OpContext {
    pub fn new(operator: impl Into<String>) -> Self {
        Self {
            operator: operator.into(),
            scans: Vec::new(),
        }
    }

    pub fn with_scans(mut self, scans: impl IntoIterator<Item = String>) -> Self {
        self.scans.extend(scans);
        self
    }
}

/// A committed operation and what the operator should be told about it.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub entry: ChangeLogEntry,
    /// For example stock going negative: recorded all the same, because the scan happened.
    pub warnings: Vec<Said>,
}

pub use aisle_ledger::effects::{apply, apply_deltas, key_columns, none_if_empty};

impl Store {
    /// Commits `op` to the change log and the stock ledger. Returns only after the transaction is
    /// durable; on any error nothing at all is written.
    pub fn record(&mut self, op: Operation, ctx: &OpContext) -> Result<Recorded> {
        op.check()?;
        if ctx.operator.trim().is_empty() {
            return Err(DeviceError::Invalid(said!(
                "record.no_operator",
                "no operator is signed in; give an operator badge"
            )));
        }
        let device = self.device()?;
        let warehouse_id = device.warehouse_id.ok_or_else(|| {
            DeviceError::Invalid(said!("record.device_has_no_warehouse", "this device has no warehouse; run `aisle init --warehouse CODE` or `aisle device warehouse CODE`"))
        })?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // After the last entry, and after what the server acknowledged: a tablet restored from
        // an old backup learns at its next push that the server has more of its numbers than its
        // log does, and numbers its later scans after those (docs/sync-protocol.md, "Push").
        let seq: i64 = tx
            .prepare_cached(
                "SELECT MAX((SELECT COALESCE(MAX(seq), 0) FROM change_log), (SELECT pushed_seq FROM sync_state)) + 1",
            )?
            .query_row([], |r| r.get(0))?;
        let (seen, pushed, waiting): (i64, i64, bool) = tx
            .prepare_cached(
                "SELECT pull_cursor, pushed_seq, token IS NOT NULL AND NOT bootstrapped FROM sync_state",
            )?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        // Enrolled, but its first sync has not brought the warehouse yet: every scan would be an
        // unknown barcode for a supervisor to sort out. Nothing is recorded until it has synced.
        if waiting {
            return Err(DeviceError::Invalid(said!(
                "record.not_downloaded_yet",
                "this device is enrolled but has not downloaded its warehouse yet: sync first (nothing was recorded)"
            )));
        }
        let entry = ChangeLogEntry {
            op_id: OpId::new(),
            device_id: device.device_id,
            seq: seq as u64,
            schema_version: PAYLOAD_VERSION,
            warehouse_id,
            operator: ctx.operator.trim().to_string(),
            device_time: Utc::now(),
            scans: ctx.scans.clone(),
            seen_cursor: seen as u64,
            op,
        };
        // The server's rules, as far as this device can tell: refused here rather than held there.
        crate::authority::check(&tx, &entry, pushed as u64)?;
        append_log(&tx, &entry)?;
        let negative = apply(&tx, entry.op_id, &entry.op)?;
        let mut warnings = negative
            .iter()
            .map(|(k, q)| negative_warning(&tx, k, *q))
            .collect::<Result<Vec<_>>>()?;
        let over = capacity_warnings(&tx, &entry.op)?;
        if !over.is_empty() && refuses_over_capacity(&tx, entry.warehouse_id)? {
            // Dropping the transaction takes everything back: nothing is recorded.
            return Err(DeviceError::Invalid(said!(
                "record.refuses_overfill",
                "{over}; this warehouse refuses a scan that overfills a location: put it elsewhere",
                over = aisle_domain::capacity::joined(&over)
            )));
        }
        warnings.extend(over);
        tx.commit()?;
        Ok(Recorded { entry, warnings })
    }
}

fn append_log(conn: &Connection, e: &ChangeLogEntry) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO change_log (seq, op_id, device_id, schema_version, op_type, warehouse_id, operator, device_time, scans, payload, seen_cursor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        e.seq as i64,
        e.op_id.to_string(),
        e.device_id.to_string(),
        e.schema_version,
        e.op.kind().as_str(),
        e.warehouse_id.to_string(),
        e.operator,
        e.device_time.to_rfc3339(),
        serde_json::to_string(&e.scans)?,
        serde_json::to_string(&e.op)?,
        e.seen_cursor as i64,
    ])?;
    Ok(())
}

/// Whether the warehouse refuses a scan that overfills a location (its `refuse_over_capacity`).
fn refuses_over_capacity(conn: &Connection, warehouse: WarehouseId) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT refuse_over_capacity FROM warehouses WHERE id = ?1")?
        .query_row([warehouse.to_string()], |r| r.get::<_, i64>(0))
        .optional()?
        .is_some_and(|v| v != 0))
}

/// What a location holds: units, and their weight and volume from the items' weights and
/// dimensions (an item without them counts for nothing there), added up by
/// [`Load::add`](aisle_domain::capacity::Load::add).
pub(crate) fn location_load(conn: &Connection, loc: LocationId) -> Result<Load> {
    let mut stmt = conn.prepare_cached(
        "SELECT SUM(s.qty), i.weight_g, i.length_mm, i.width_mm, i.height_mm
         FROM stock s JOIN items i ON i.id = s.item_id WHERE s.location_id = ?1 GROUP BY s.item_id",
    )?;
    let mut rows = stmt.query([loc.to_string()])?;
    let mut load = Load::default();
    while let Some(r) = rows.next()? {
        let dims = match (r.get(2)?, r.get(3)?, r.get(4)?) {
            (Some(l), Some(w), Some(h)) => Some([l, w, h]),
            _ => None,
        };
        load.add(r.get(0)?, r.get(1)?, aisle_domain::capacity::unit_cm3(dims));
    }
    Ok(load)
}

/// Locations this operation put stock into that now hold more than their capacity, weight or
/// volume allows. What a location holds is summed only when it has a limit: a receiving dock
/// without one may hold thousands of plates, and a scan there must not read them all.
fn capacity_warnings(conn: &Connection, op: &Operation) -> Result<Vec<Said>> {
    let mut filled: Vec<LocationId> = op
        .effects()
        .iter()
        .filter(|d| d.qty > 0)
        .map(|d| d.key.location)
        .collect();
    filled.sort_unstable();
    filled.dedup();
    let mut out = Vec::new();
    for loc in filled {
        let found: Option<(String, Limits)> = conn
            .prepare_cached(
                "SELECT code, capacity, max_weight_g, max_volume_cm3 FROM locations WHERE id = ?1",
            )?
            .query_row([loc.to_string()], |r| {
                Ok((
                    r.get(0)?,
                    Limits {
                        units: r.get(1)?,
                        grams: r.get(2)?,
                        cm3: r.get(3)?,
                    },
                ))
            })
            .optional()?;
        if let Some((code, limits)) = found
            && !limits.is_none()
        {
            let load = location_load(conn, loc)?;
            out.extend(aisle_domain::capacity::over_limits(&code, limits, load));
        }
    }
    Ok(out)
}

fn negative_warning(conn: &Connection, key: &StockKey, qty: i64) -> Result<Said> {
    let names: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT i.sku, l.code FROM items i, locations l WHERE i.id = ?1 AND l.id = ?2",
        )?
        .query_row(
            params![key.item.to_string(), key.location.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (sku, loc) = names.unwrap_or_else(|| (key.item.to_string(), key.location.to_string()));
    Ok(match key.lot.as_deref() {
        Some(lot) => said!(
            "record.negative_lot",
            "stock of {sku} lot {lot} at {loc} is now {qty}: more was taken than this device knew of; recorded anyway, a supervisor will see it after sync",
            sku = sku,
            lot = lot,
            loc = loc,
            qty = qty
        ),
        None => said!(
            "record.negative",
            "stock of {sku} at {loc} is now {qty}: more was taken than this device knew of; recorded anyway, a supervisor will see it after sync",
            sku = sku,
            loc = loc,
            qty = qty
        ),
    })
}
