//! Tasks the server sends to the devices of a warehouse: pick-face top-ups (raised by itself when a
//! push leaves a face below its minimum, or when a supervisor asks) and counts (from the
//! cycle-count plan, or a recount of a variance a supervisor doubts). A device carries a task out
//! with an ordinary move or count that names it; [`track`] records the progress when that
//! operation arrives, so a task is done exactly when the work is in the log, and never twice.

use crate::error::{StorageError, StorageResult};
use crate::inventory::{self, Faces, warehouse_id};
use crate::sql::{parse, time};
use aisle_domain::op::{ChangeLogEntry, Operation};
use aisle_domain::reconcile::ExceptionKind;
use aisle_domain::said;
use aisle_domain::said::Said;
use aisle_domain::{ItemId, LocationId, TaskId, WarehouseId};
use aisle_ledger::args;
use aisle_ledger::db::{Db, DbExt, Value};
use aisle_proto::{Exception, Task, TaskStatus, TaskWork};
use chrono::{NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

/// Most items a "send due counts" request turns into count tasks at once, so that a warehouse
/// that has never counted does not flood its tablets.
pub const MAX_COUNT_ITEMS: usize = 200;

fn changed(tx: &dyn Db, id: &TaskId) -> StorageResult<()> {
    tx.exec(
        "INSERT INTO changes (kind, id) VALUES ('task', ?1)",
        args![id.to_string()],
    )?;
    Ok(())
}

/// Tasks matching an SQL condition on the `tasks` table, oldest first.
pub(crate) fn tasks_where(conn: &dyn Db, clause: &str, args: &[Value]) -> StorageResult<Vec<Task>> {
    let sql = format!(
        "SELECT id, warehouse_id, kind, item_id, from_location_id, location_id, lot, qty, blind,
                reason, status, done_qty, created_at, blocks_picking, expiry, reason_said
         FROM tasks WHERE {clause} ORDER BY id"
    );
    type Row = (
        String,
        String,
        String,
        String,
        Option<String>,
        String,
        Option<String>,
        i64,
        bool,
        String,
        String,
        i64,
        String,
        bool,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = conn.rows(&sql, args, |r| {
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
            r.get(11)?,
            r.get(12)?,
            r.get(13)?,
            r.get(14)?,
            r.get(15)?,
        ))
    })?;
    rows.into_iter()
        .map(
            |(
                id,
                wh,
                kind,
                item,
                from,
                loc,
                lot,
                qty,
                blind,
                reason,
                status,
                done,
                created,
                blocks,
                expiry,
                reason_said,
            )| {
                let item_id: ItemId = parse(&item)?;
                let work = match (kind.as_str(), from) {
                    ("move", Some(from)) => TaskWork::Move {
                        item_id,
                        from: parse(&from)?,
                        to: parse(&loc)?,
                        lot,
                        expiry: expiry.as_deref().map(parse).transpose()?,
                        qty,
                    },
                    ("count", None) => TaskWork::Count {
                        item_id,
                        location_id: parse(&loc)?,
                        blind,
                    },
                    _ => {
                        return Err(StorageError::Internal(format!(
                            "stored task {id} has kind {kind:?} with the wrong locations"
                        )));
                    }
                };
                let status = match status.as_str() {
                    "open" => TaskStatus::Open,
                    "done" => TaskStatus::Done,
                    "cancelled" => TaskStatus::Cancelled,
                    other => {
                        return Err(StorageError::Internal(format!(
                            "stored task {id} has status {other:?}"
                        )));
                    }
                };
                Ok(Task {
                    id: parse(&id)?,
                    warehouse_id: parse(&wh)?,
                    work,
                    reason,
                    reason_said: reason_said
                        .as_deref()
                        .map(serde_json::from_str)
                        .transpose()?,
                    status,
                    done_qty: done,
                    created_at: time(&created)?,
                    blocks_picking: blocks,
                })
            },
        )
        .collect()
}

fn one(conn: &dyn Db, id: &TaskId) -> StorageResult<Task> {
    tasks_where(conn, "id = ?1", args![id])?
        .into_iter()
        .next()
        .ok_or_else(|| StorageError::NotFound(said!("tasks.no_task", "no task {id}", id = id)))
}

/// Adds an open task and numbers the change, so devices pull it.
fn insert(
    tx: &dyn Db,
    warehouse: WarehouseId,
    work: &TaskWork,
    reason: &Said,
    by: &str,
    exception: Option<Uuid>,
) -> StorageResult<Task> {
    let id = TaskId::new();
    let (kind, item, from, to, lot, expiry, qty, blind) = match work {
        TaskWork::Move {
            item_id,
            from,
            to,
            lot,
            expiry,
            qty,
        } => (
            "move",
            item_id,
            Some(from),
            to,
            lot.clone(),
            expiry.map(|d| d.to_string()),
            *qty,
            false,
        ),
        TaskWork::Count {
            item_id,
            location_id,
            blind,
        } => ("count", item_id, None, location_id, None, None, 1, *blind),
    };
    tx.exec("INSERT INTO tasks (id, warehouse_id, kind, item_id, from_location_id, location_id, lot, qty, blind, reason, status, created_at, created_by, exception_id, expiry, reason_said)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'open', ?11, ?12, ?13, ?14, ?15)", args![
        id.to_string(),
        warehouse.to_string(),
        kind,
        item.to_string(),
        from.map(|f| f.to_string()),
        to.to_string(),
        lot,
        qty,
        blind,
        reason.text,
        Utc::now().to_rfc3339(),
        by,
        exception.map(|x| x.to_string()),
        expiry,
        serde_json::to_string(reason)?,
    ])?;
    changed(tx, &id)?;
    one(tx, &id)
}

/// A picker did not find the stock: a blind recount of the bin, which keeps allocation (and so
/// every pick list) away from the item there until somebody counts it. One open recount per bin.
fn recount_missing(
    tx: &dyn Db,
    warehouse: WarehouseId,
    p: &aisle_domain::op::Pick,
    operator: &str,
) -> StorageResult<()> {
    let open: Option<String> = tx.first(
        "SELECT id FROM tasks WHERE kind = 'count' AND status = 'open' AND blocks_picking = 1
             AND item_id = ?1 AND location_id = ?2",
        args![p.key.item.to_string(), p.key.location.to_string()],
        |r| r.get(0),
    )?;
    if open.is_some() {
        return Ok(());
    }
    let names: Option<(String, String)> = tx.first(
        "SELECT i.sku, l.code FROM items i, locations l WHERE i.id = ?1 AND l.id = ?2",
        args![p.key.item.to_string(), p.key.location.to_string()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (sku, code) = names.unwrap_or_else(|| (p.key.item.to_string(), p.key.location.to_string()));
    let reason = said!(
        "tasks.recount_short_pick",
        "recount {sku} at {location}: {operator} picked {picked} of {requested} ({why}); nothing is picked there until it is counted",
        sku = sku,
        location = code,
        operator = operator,
        picked = p.qty,
        requested = p.requested.unwrap_or(p.qty),
        why = p.short_reason.as_deref().unwrap_or("").trim()
    );
    let work = TaskWork::Count {
        item_id: p.key.item,
        location_id: p.key.location,
        blind: true,
    };
    let task = insert(tx, warehouse, &work, &reason, "server", None)?;
    tx.exec(
        "UPDATE tasks SET blocks_picking = 1 WHERE id = ?1",
        args![task.id.to_string()],
    )?;
    Ok(())
}

/// Turns the pick faces that are below their minimum into move tasks from reserve (faces with
/// an open top-up are left alone). `by` is a supervisor's badge, or `server` when a push
/// triggered it.
pub(crate) fn release_top_ups(
    tx: &dyn Db,
    warehouse: &str,
    which: Faces<'_>,
    by: &str,
) -> StorageResult<Vec<Task>> {
    let wh: WarehouseId = parse(&warehouse_id(tx, warehouse)?)?;
    let mut out = Vec::new();
    for t in inventory::face_top_ups(tx, warehouse, which)? {
        let work = TaskWork::Move {
            item_id: parse(&t.ids.item)?,
            from: parse(&t.ids.from)?,
            to: parse(&t.ids.to)?,
            lot: t.lot.clone(),
            expiry: t.expiry.as_deref().map(parse).transpose()?,
            qty: t.qty,
        };
        let reason = said!(
            "tasks.top_up",
            "top up pick face {face}: it holds {holds} of {capacity} {sku}; bring {qty} from {from}",
            face = t.to,
            holds = t.face_qty,
            capacity = t.capacity,
            sku = t.sku,
            qty = t.qty,
            from = t.from
        );
        out.push(insert(tx, wh, &work, &reason, by, None)?);
    }
    Ok(out)
}

/// The pick faces a device's operations took stock from: candidates for a top-up.
pub(crate) fn faces_taken_from(entries: &[ChangeLogEntry]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = entries
        .iter()
        .flat_map(|e| e.op.effects())
        .filter(|d| d.qty < 0)
        .map(|d| (d.key.location.to_string(), d.key.item.to_string()))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Count tasks (blind) for items of the cycle-count plan, at every location that holds them:
/// the named SKUs, or else the most overdue items due by `today` (at most [`MAX_COUNT_ITEMS`]).
/// Locations with an open count task for the item already are skipped.
pub(crate) fn release_counts(
    tx: &dyn Db,
    warehouse: &str,
    skus: &[String],
    today: NaiveDate,
    by: &str,
) -> StorageResult<Vec<Task>> {
    let wh: WarehouseId = parse(&warehouse_id(tx, warehouse)?)?;
    let plan = inventory::count_plan(tx, warehouse, today)?;
    for sku in skus {
        if !plan.iter().any(|p| &p.sku == sku) {
            return Err(StorageError::NotFound(said!(
                "tasks.item_stock_count",
                "item {sku:?} has no stock in {warehouse} to count",
                sku = sku,
                warehouse = warehouse
            )));
        }
    }
    let chosen: Vec<_> = if skus.is_empty() {
        plan.into_iter()
            .filter(|p| p.due_on <= today)
            .take(MAX_COUNT_ITEMS)
            .collect()
    } else {
        plan.into_iter().filter(|p| skus.contains(&p.sku)).collect()
    };
    let mut out = Vec::new();
    for p in chosen {
        let item: ItemId = parse(&inventory::item_id(tx, &p.sku)?)?;
        for code in &p.locations {
            let loc: String = tx.one(
                "SELECT id FROM locations WHERE warehouse_id = ?1 AND code = ?2",
                args![wh.to_string(), code],
                |r| r.get(0),
            )?;
            let location_id: LocationId = parse(&loc)?;
            if open_count(tx, item, location_id)? {
                continue;
            }
            let reason = match p.last_counted {
                Some(last) => said!(
                    "tasks.cycle_count",
                    "cycle count of {sku} (class {class}, last counted {last}, due {due})",
                    sku = p.sku,
                    class = format!("{:?}", p.class),
                    last = last,
                    due = p.due_on
                ),
                None => said!(
                    "tasks.cycle_count_first",
                    "cycle count of {sku} (class {class}, never counted, due {due})",
                    sku = p.sku,
                    class = format!("{:?}", p.class),
                    due = p.due_on
                ),
            };
            let work = TaskWork::Count {
                item_id: item,
                location_id,
                blind: true,
            };
            out.push(insert(tx, wh, &work, &reason, by, None)?);
        }
    }
    Ok(out)
}

fn open_count(tx: &dyn Db, item: ItemId, location: LocationId) -> StorageResult<bool> {
    Ok(tx
        .first("SELECT 1 FROM tasks WHERE kind = 'count' AND status = 'open' AND item_id = ?1 AND location_id = ?2", args![item.to_string(), location.to_string()], |_| Ok(()))?
        .is_some())
}

/// A blind recount of the stock line behind a count variance, asked for by a supervisor who
/// doubts the first count. The exception stays open until the supervisor decides.
pub(crate) fn recount(tx: &dyn Db, x: &Exception, by: &str) -> StorageResult<Task> {
    let counted = matches!(
        x.kind,
        ExceptionKind::CountVariance | ExceptionKind::CountDuringMovement
    );
    let key = x.key.as_ref().filter(|_| counted).ok_or_else(|| {
        StorageError::Invalid(said!(
            "tasks.recount_not_a_count",
            "exception {id} is not a count variance; only counts can be recounted",
            id = x.id
        ))
    })?;
    if open_count(tx, key.item, key.location)? {
        return Err(StorageError::Conflict(said!(
            "tasks.count_item_location_already",
            "a count of this item at this location is already waiting on the devices"
        )));
    }
    let work = TaskWork::Count {
        item_id: key.item,
        location_id: key.location,
        blind: true,
    };
    let reason = said!(
        "tasks.recount_asked",
        "recount asked by {by}: {why}",
        by = by,
        why = x
            .said
            .clone()
            .unwrap_or_else(|| Said::untranslated(x.message.clone()))
    );
    insert(tx, x.warehouse_id, &work, &reason, by, Some(x.id))
}

/// Cancels an open task (the devices drop it on their next pull).
pub(crate) fn cancel(tx: &dyn Db, id: TaskId) -> StorageResult<Task> {
    let task = one(tx, &id)?;
    if task.status != TaskStatus::Open {
        return Err(StorageError::Conflict(said!(
            "tasks.already",
            "task {id} is already {status}",
            id = id,
            status = aisle_domain::admission::task_status(task.status.as_str())
        )));
    }
    tx.exec(
        "UPDATE tasks SET status = 'cancelled' WHERE id = ?1",
        args![id.to_string()],
    )?;
    changed(tx, &id)?;
    one(tx, &id)
}

/// Records the progress an arriving operation makes on the task it names: units moved, or the
/// count done. Work on a task that is unknown or no longer open is still applied to stock (it
/// happened); only the task's figures ignore it.
pub(crate) fn track(tx: &dyn Db, e: &ChangeLogEntry) -> StorageResult<()> {
    let (id, kind, qty) = match &e.op {
        Operation::Move(t) | Operation::Putaway(t) => match t.task {
            Some(id) => (id, "move", t.qty),
            None => return Ok(()),
        },
        // A count without a task still settles a blocking recount of its bin (below).
        Operation::Count(c) => (c.task.unwrap_or_default(), "count", 1),
        Operation::Pick(p) if p.reports_missing_stock() => {
            return recount_missing(tx, e.warehouse_id, p, &e.operator);
        }
        _ => return Ok(()),
    };
    if let Operation::Count(c) = &e.op {
        // Any count of the bin settles a recount that kept pickers away from it.
        let lifted: Vec<String> = tx.rows(
            "SELECT id FROM tasks WHERE kind = 'count' AND status = 'open' AND blocks_picking = 1
             AND item_id = ?1 AND location_id = ?2 AND id <> ?3",
            args![c.key.item, c.key.location, id],
            |r| r.get(0),
        )?;
        for other in lifted {
            tx.exec(
                "UPDATE tasks SET status = 'done', done_qty = 1 WHERE id = ?1",
                args![other],
            )?;
            changed(tx, &parse(&other)?)?;
        }
    }
    let n = tx.exec(
        "UPDATE tasks SET done_qty = done_qty + ?1,
                status = CASE WHEN done_qty + ?1 >= qty THEN 'done' ELSE status END
             WHERE id = ?2 AND kind = ?3 AND status = 'open'",
        args![qty, id.to_string(), kind],
    )?;
    if n > 0 {
        tx.exec(
            "INSERT INTO line_ops (line_id, op_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            args![id.to_string(), e.op_id.to_string()],
        )?;
        changed(tx, &id)?;
    }
    Ok(())
}

/// A task as the supervisor pages list it: codes instead of ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskLine {
    #[serde(flatten)]
    pub task: Task,
    pub sku: String,
    /// Moves: the code of where from.
    pub from_code: Option<String>,
    /// Moves: the code of where to. Counts: of where to count.
    pub to_code: String,
}

/// The tasks of a warehouse (open ones only, or the latest 200 of any state), newest first.
pub(crate) fn task_lines(
    conn: &dyn Db,
    warehouse: &str,
    open_only: bool,
) -> StorageResult<Vec<TaskLine>> {
    let wh = warehouse_id(conn, warehouse)?;
    let clause = if open_only {
        "warehouse_id = ?1 AND status = 'open'"
    } else {
        "warehouse_id = ?1 AND id IN (SELECT id FROM tasks WHERE warehouse_id = ?1 ORDER BY id DESC LIMIT 200)"
    };
    let mut out = Vec::new();
    for task in tasks_where(conn, clause, args![wh])? {
        let code = |id: &LocationId| -> StorageResult<String> {
            Ok(conn.one(
                "SELECT code FROM locations WHERE id = ?1",
                args![id.to_string()],
                |r| r.get(0),
            )?)
        };
        let (item, from, to) = match &task.work {
            TaskWork::Move {
                item_id, from, to, ..
            } => (*item_id, Some(code(from)?), code(to)?),
            TaskWork::Count {
                item_id,
                location_id,
                ..
            } => (*item_id, None, code(location_id)?),
        };
        let sku: String = conn.one(
            "SELECT sku FROM items WHERE id = ?1",
            args![item.to_string()],
            |r| r.get(0),
        )?;
        out.push(TaskLine {
            task,
            sku,
            from_code: from,
            to_code: to,
        });
    }
    out.reverse();
    Ok(out)
}
