//! Waves: a supervisor groups orders to be picked together (a truck's orders, a cut-off time) and
//! releases them when the floor should start. Orders in a wave that is not yet released are not
//! handed out to devices; orders in a released wave go first, in wave order, then orders in no
//! wave (the free flow every site starts with). Devices take several orders at once (leases) and
//! walk them in one pass: batch picking.

use crate::error::{StorageError, StorageResult};
use crate::inventory::warehouse_id;
use aisle_domain::said;
use aisle_ledger::args;
use aisle_ledger::db::{Db, DbExt, Value};
use serde::Serialize;

/// A wave and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Wave {
    /// `W-1`, `W-2`, … per server.
    pub wave: String,
    pub warehouse: String,
    pub orders: Vec<String>,
    pub released: bool,
    pub created_by: String,
    pub released_by: Option<String>,
}

/// SQL over an order number `o.order_no`: the order may be handed out now.
pub(crate) const RELEASED: &str =
    "NOT EXISTS (SELECT 1 FROM wave_orders wo JOIN waves w ON w.id = wo.wave_id
        WHERE wo.order_no = o.order_no AND w.released_at IS NULL)";

/// SQL over `o.order_no`: its wave's number for ordering (released waves first, by age; orders
/// in no wave after them).
pub(crate) const WAVE_RANK: &str = "COALESCE((SELECT MIN(wo.wave_id) FROM wave_orders wo WHERE wo.order_no = o.order_no), 9223372036854775807)";

fn load(conn: &dyn Db, clause: &str, args: &[Value]) -> StorageResult<Vec<Wave>> {
    let sql = format!(
        "SELECT w.id, wh.code, w.released_at IS NOT NULL, w.created_by, w.released_by
         FROM waves w JOIN warehouses wh ON wh.id = w.warehouse_id WHERE {clause} ORDER BY w.id"
    );
    let waves = conn.rows(&sql, args, |r| {
        Ok((
            r.get::<i64>(0)?,
            Wave {
                wave: format!("W-{}", r.get::<i64>(0)?),
                warehouse: r.get(1)?,
                orders: Vec::new(),
                released: r.get(2)?,
                created_by: r.get(3)?,
                released_by: r.get(4)?,
            },
        ))
    })?;
    waves
        .into_iter()
        .map(|(id, mut wave)| {
            wave.orders = conn.rows(
                "SELECT order_no FROM wave_orders WHERE wave_id = ?1 ORDER BY order_no",
                args![id],
                |r| r.get(0),
            )?;
            Ok(wave)
        })
        .collect()
}

fn number(wave: &str) -> StorageResult<i64> {
    wave.trim()
        .strip_prefix("W-")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| {
            StorageError::NotFound(said!(
                "waves.no_wave_named",
                "no wave {wave:?} (waves are named W-1, W-2, ...)",
                wave = wave
            ))
        })
}

/// The waves of a warehouse, oldest first.
pub(crate) fn list(conn: &dyn Db, warehouse: &str) -> StorageResult<Vec<Wave>> {
    let wh = warehouse_id(conn, warehouse)?;
    load(conn, "w.warehouse_id = ?1", args![wh])
}

/// A new wave of open orders of one warehouse, held until it is released. An order belongs to
/// one wave at a time; every order must exist in that warehouse and be neither shipped nor in
/// another wave.
pub(crate) fn create(
    tx: &dyn Db,
    warehouse: &str,
    orders: &[String],
    by: &str,
) -> StorageResult<Wave> {
    let wh = warehouse_id(tx, warehouse)?;
    if orders.is_empty() {
        return Err(StorageError::Invalid(said!(
            "waves.wave_needs_least_one",
            "a wave needs at least one order"
        )));
    }
    let mut problems = Vec::new();
    for order in orders {
        let found: Option<(String, Option<String>)> = tx.first(
            "SELECT o.warehouse_id, s.status FROM order_lines o LEFT JOIN shipments s ON s.order_no = o.order_no
             WHERE o.order_no = ?1 LIMIT 1",
            args![order],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let in_wave: Option<i64> = tx.value(
            "SELECT wave_id FROM wave_orders WHERE order_no = ?1",
            args![order],
        )?;
        match (found, in_wave) {
            (None, _) => problems.push(said!(
                "waves.no_order",
                "order {order} does not exist",
                order = order
            )),
            (Some((w, _)), _) if w != wh => problems.push(said!(
                "waves.order_of_other_warehouse",
                "order {order} is not of warehouse {warehouse}",
                order = order,
                warehouse = warehouse
            )),
            (Some((_, Some(status))), _) => problems.push(said!(
                "waves.order_status",
                "order {order} is {status}",
                order = order,
                status = crate::inventory::status_words(&status)
            )),
            (_, Some(w)) => problems.push(said!(
                "waves.order_in_wave",
                "order {order} is in wave W-{wave} already",
                order = order,
                wave = w.to_string()
            )),
            _ => {}
        }
    }
    if let Some(problems) = aisle_domain::said::Said::all(problems) {
        return Err(StorageError::Invalid(problems));
    }
    let id: i64 = tx
        .value(
            "INSERT INTO waves (warehouse_id, created_by, created_at) VALUES (?1, ?2, ?3) RETURNING id",
            args![wh, by, chrono::Utc::now().to_rfc3339()],
        )?
        .ok_or_else(|| StorageError::Internal("the new wave has no number".into()))?;
    for order in orders {
        tx.exec(
            "INSERT INTO wave_orders (wave_id, order_no) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            args![id, order],
        )?;
    }
    load(tx, "w.id = ?1", args![id])?
        .pop()
        .ok_or_else(|| StorageError::Internal("the wave vanished".into()))
}

/// Releases a wave: its orders go to the devices at their next claims.
pub(crate) fn release(tx: &dyn Db, wave: &str, by: &str) -> StorageResult<Wave> {
    let id = number(wave)?;
    let n = tx.exec(
        "UPDATE waves SET released_at = ?1, released_by = ?2 WHERE id = ?3 AND released_at IS NULL",
        args![chrono::Utc::now().to_rfc3339(), by, id],
    )?;
    let found = load(tx, "w.id = ?1", args![id])?.pop();
    match (n, found) {
        (_, None) => Err(StorageError::NotFound(said!(
            "waves.no_wave",
            "no wave {wave}",
            wave = wave
        ))),
        (0, Some(_)) => Err(StorageError::Conflict(said!(
            "waves.wave_released_already",
            "wave {wave} is released already",
            wave = wave
        ))),
        (_, Some(w)) => Ok(w),
    }
}
