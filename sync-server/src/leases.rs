//! Work assigned to one device at a time: leases on order lines (granted a whole order at a time)
//! and tasks. A device claims work when it syncs and renews what it holds; a lease runs out
//! [`LEASE_MINUTES`] after its last renewal, so the work of a tablet that went flat goes back to
//! the pool; a supervisor can release or reassign it. Leases are kept as history: admission
//! judges an operation by the leases that covered its time ([`holders`]).

use crate::error::{StorageError, StorageResult};
use crate::storage::DeviceRecord;
use aisle_domain::DeviceId;
use aisle_domain::admission::{Holder, WorkRef};
use aisle_domain::said;
use aisle_ledger::args;
use aisle_ledger::db::{Db, DbExt, Value};
use aisle_proto::{ClaimRequest, Lease};
use chrono::{DateTime, SecondsFormat, Utc};

/// How long a lease lasts after its last renewal: long enough for a shift's stretch offline,
/// short enough that a lost tablet's work is not stuck for the day.
pub const LEASE_MINUTES: i64 = 120;

/// Time as leases store it: fixed width, so that text order is time order.
fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Work that is still open: an order line not picked in full of an order not shipped, or an
/// open task. SQL over a lease row `l`.
const STILL_OPEN: &str = "((l.work_kind = 'order_line' AND EXISTS (
        SELECT 1 FROM order_lines o LEFT JOIN shipments s ON s.order_no = o.order_no
        WHERE o.id = l.work_id AND o.picked_qty < o.qty AND COALESCE(s.status, '') <> 'shipped'))
     OR (l.work_kind = 'task' AND EXISTS (SELECT 1 FROM tasks t WHERE t.id = l.work_id AND t.status = 'open')))";

fn work_ref(kind: &str, id: &str) -> StorageResult<WorkRef> {
    let bad = || StorageError::Internal(format!("stored lease on {kind} {id:?}"));
    match kind {
        "order_line" => Ok(WorkRef::OrderLine(id.parse().map_err(|_| bad())?)),
        "task" => Ok(WorkRef::Task(id.parse().map_err(|_| bad())?)),
        _ => Err(bad()),
    }
}

/// Current leases matching an SQL condition on `l` (a lease row) and `d` (its device).
fn current_where(
    conn: &dyn Db,
    clause: &str,
    args: &[Value],
    now: DateTime<Utc>,
) -> StorageResult<Vec<Lease>> {
    let sql = format!(
        "SELECT l.work_kind, l.work_id, l.device_id, d.name, l.expires_at,
                COALESCE((SELECT o.order_no || '/' || o.line FROM order_lines o WHERE o.id = l.work_id),
                         (SELECT t.reason FROM tasks t WHERE t.id = l.work_id), l.work_id)
         FROM leases l JOIN devices d ON d.id = l.device_id
         WHERE l.ended_at IS NULL AND l.expires_at > ?1 AND {STILL_OPEN} AND ({clause})
         ORDER BY l.id"
    );
    let mut all = vec![Value::Text(stamp(now))];
    all.extend_from_slice(args);
    let rows = conn.rows(&sql, &all, |r| {
        Ok((
            r.get::<String>(0)?,
            r.get::<String>(1)?,
            r.get::<String>(2)?,
            r.get::<String>(3)?,
            r.get::<String>(4)?,
            r.get::<String>(5)?,
        ))
    })?;
    rows.into_iter()
        .map(|row| {
            let (kind, id, device, name, expires, reference) = row;
            Ok(Lease {
                work: work_ref(&kind, &id)?,
                reference,
                device_id: crate::sql::parse(&device)?,
                device_name: name,
                expires_at: crate::sql::time(&expires)?,
            })
        })
        .collect()
}

/// Every current lease of a warehouse.
pub(crate) fn current(
    conn: &dyn Db,
    warehouse: aisle_domain::WarehouseId,
    now: DateTime<Utc>,
) -> StorageResult<Vec<Lease>> {
    current_where(conn, "l.warehouse_id = ?2", args![warehouse], now)
}

fn grant(
    tx: &dyn Db,
    device: &DeviceRecord,
    work: WorkRef,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    tx.exec(
        "INSERT INTO leases (work_kind, work_id, warehouse_id, device_id, granted_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![
            work.kind(),
            work.id_text(),
            device.warehouse_id.to_string(),
            device.id.to_string(),
            stamp(now),
            stamp(now + chrono::Duration::minutes(LEASE_MINUTES)),
        ],
    )?;
    Ok(())
}

/// Ends the current lease(s) on `work`, saying why.
fn end(tx: &dyn Db, work: WorkRef, why: &str, now: DateTime<Utc>) -> StorageResult<usize> {
    Ok(tx.exec(
        "UPDATE leases SET ended_at = ?1, ended_by = ?2
             WHERE work_kind = ?3 AND work_id = ?4 AND ended_at IS NULL AND expires_at > ?1",
        args![stamp(now), why, work.kind(), work.id_text()],
    )?)
}

/// Renews what `device` holds and gives it more free work, up to `req.orders` whole orders (of
/// released waves first, then orders in no wave; `crate::waves`) and `req.tasks` tasks held at
/// once. Returns its leases.
pub(crate) fn claim(
    tx: &dyn Db,
    device: &DeviceRecord,
    req: &ClaimRequest,
    now: DateTime<Utc>,
) -> StorageResult<Vec<Lease>> {
    let dev = device.id.to_string();
    let wh = device.warehouse_id.to_string();
    // Renew its leases (even run-out ones, unless someone else took the work meanwhile).
    let mine: Vec<(i64, String, String)> = tx.rows(
        "SELECT id, work_kind, work_id FROM leases WHERE device_id = ?1 AND ended_at IS NULL",
        args![dev],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    for (id, kind, work) in mine {
        let taken: Option<i64> = tx.first(
            "SELECT id FROM leases WHERE work_kind = ?1 AND work_id = ?2 AND device_id <> ?3
                 AND ended_at IS NULL AND expires_at > ?4 LIMIT 1",
            args![kind, work, dev, stamp(now)],
            |r| r.get(0),
        )?;
        if taken.is_some() {
            tx.exec(
                "UPDATE leases SET ended_at = ?1, ended_by = 'lost' WHERE id = ?2",
                args![stamp(now), id],
            )?;
        } else {
            tx.exec(
                "UPDATE leases SET expires_at = ?1 WHERE id = ?2",
                args![stamp(now + chrono::Duration::minutes(LEASE_MINUTES)), id],
            )?;
        }
    }
    let held = current_where(tx, "l.device_id = ?2", args![dev], now)?;
    // More orders, oldest order number first, whole orders whose open lines nobody holds.
    let held_orders: std::collections::BTreeSet<String> = {
        let mut orders = std::collections::BTreeSet::new();
        for l in &held {
            if let WorkRef::OrderLine(id) = l.work {
                let order: Option<String> = tx.first(
                    "SELECT order_no FROM order_lines WHERE id = ?1",
                    args![id.to_string()],
                    |r| r.get(0),
                )?;
                orders.extend(order);
            }
        }
        orders
    };
    let want = (req.orders as usize).saturating_sub(held_orders.len());
    if want > 0 {
        let free: Vec<String> = tx.rows(
            &format!(
                "SELECT o.order_no FROM order_lines o LEFT JOIN shipments s ON s.order_no = o.order_no
                 WHERE o.warehouse_id = ?1 AND o.picked_qty < o.qty AND COALESCE(s.status, '') <> 'shipped'
                 GROUP BY o.order_no
                 HAVING NOT EXISTS (
                     SELECT 1 FROM leases l JOIN order_lines o2 ON o2.id = l.work_id
                     WHERE l.work_kind = 'order_line' AND o2.order_no = o.order_no
                       AND l.ended_at IS NULL AND l.expires_at > ?2)
                   AND {released}
                 ORDER BY {rank}, o.order_no LIMIT ?3",
                released = crate::waves::RELEASED,
                rank = crate::waves::WAVE_RANK,
            ),
            args![wh, stamp(now), want as i64],
            |r| r.get(0),
        )?;
        for order in free {
            let lines: Vec<String> = tx.rows(
                "SELECT id FROM order_lines WHERE order_no = ?1 AND picked_qty < qty ORDER BY line",
                args![order],
                |r| r.get(0),
            )?;
            for line in lines {
                grant(
                    tx,
                    device,
                    WorkRef::OrderLine(crate::sql::parse(&line)?),
                    now,
                )?;
            }
        }
    }
    let held_tasks = held
        .iter()
        .filter(|l| matches!(l.work, WorkRef::Task(_)))
        .count();
    let want = (req.tasks as usize).saturating_sub(held_tasks);
    if want > 0 {
        let free: Vec<String> = tx.rows(
            "SELECT t.id FROM tasks t WHERE t.warehouse_id = ?1 AND t.status = 'open'
             AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.work_kind = 'task' AND l.work_id = t.id
                             AND l.ended_at IS NULL AND l.expires_at > ?2)
             ORDER BY t.created_at, t.id LIMIT ?3",
            args![wh, stamp(now), want as i64],
            |r| r.get(0),
        )?;
        for task in free {
            grant(tx, device, WorkRef::Task(crate::sql::parse(&task)?), now)?;
        }
    }
    current_where(tx, "l.device_id = ?2", args![dev], now)
}

/// Takes work back from whoever holds it, as supervisor `by`.
pub(crate) fn release(
    tx: &dyn Db,
    work: WorkRef,
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    if end(tx, work, &format!("released by {by}"), now)? == 0 {
        return Err(StorageError::NotFound(said!(
            "leases.nobody_holds",
            "nobody holds {what} {id}",
            what = work_words(work),
            id = work.id_text()
        )));
    }
    Ok(())
}

/// Which kind of work, in words, inside a refusal.
fn work_words(work: WorkRef) -> aisle_domain::said::Said {
    match work {
        WorkRef::OrderLine(_) => said!("leases.order_line", "order line"),
        WorkRef::Task(_) => said!("leases.task", "task"),
    }
}

/// Gives work to `device` (taking it from whoever held it), as supervisor `by`.
pub(crate) fn assign(
    tx: &dyn Db,
    work: WorkRef,
    device: &DeviceRecord,
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<Lease> {
    let wh: Option<String> = match work {
        WorkRef::OrderLine(id) => tx.first(
            "SELECT warehouse_id FROM order_lines WHERE id = ?1",
            args![id.to_string()],
            |r| r.get(0),
        )?,
        WorkRef::Task(id) => tx.first(
            "SELECT warehouse_id FROM tasks WHERE id = ?1",
            args![id.to_string()],
            |r| r.get(0),
        )?,
    };
    match wh {
        None => {
            return Err(StorageError::NotFound(said!(
                "leases.no_work",
                "no {what} {id}",
                what = work_words(work),
                id = work.id_text()
            )));
        }
        Some(wh) if wh != device.warehouse_id.to_string() => {
            return Err(StorageError::Invalid(said!(
                "leases.other_warehouse",
                "device {device} works in another warehouse than this work",
                device = device.name
            )));
        }
        Some(_) => {}
    }
    if device.revoked {
        return Err(StorageError::Invalid(said!(
            "leases.device_revoked",
            "device {device} is revoked",
            device = device.name
        )));
    }
    end(tx, work, &format!("reassigned by {by}"), now)?;
    grant(tx, device, work, now)?;
    current_where(
        tx,
        "l.work_kind = ?2 AND l.work_id = ?3",
        args![work.kind(), work.id_text()],
        now,
    )?
    .into_iter()
    .next()
    .ok_or_else(|| {
        StorageError::Invalid(said!(
            "leases.no_longer_open",
            "{what} {id} is no longer open; there is nothing to assign",
            what = work_words(work),
            id = work.id_text()
        ))
    })
}

/// The devices whose lease on `work` covered `at`.
pub(crate) fn holders(
    conn: &dyn Db,
    work: WorkRef,
    at: DateTime<Utc>,
) -> aisle_ledger::Result<Vec<Holder>> {
    let rows = conn.rows(
        "SELECT l.device_id, COALESCE(d.name, l.device_id) FROM leases l LEFT JOIN devices d ON d.id = l.device_id
         WHERE l.work_kind = ?1 AND l.work_id = ?2 AND l.granted_at <= ?3
           AND ?3 < COALESCE(l.ended_at, l.expires_at)",
        args![work.kind(), work.id_text(), stamp(at)],
        |r| Ok((r.get::<DeviceId>(0)?, r.get::<String>(1)?)),
    )?;
    let mut out = Vec::new();
    for (device, name) in rows {
        if !out.iter().any(|h: &Holder| h.device == device) {
            out.push(Holder { device, name });
        }
    }
    Ok(out)
}
