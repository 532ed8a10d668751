//! The server's rules, checked on the device before a scan is recorded: the same
//! [`aisle_domain::admission`] the server applies to every push, over what this device knows
//! (its operators, master data, downloaded lines and tasks, and its own work not yet pushed). An
//! operation the server would hold or detach from its work is refused at the scan instead, so
//! the operator hears about it while still at the shelf.
//!
//! Also what a device does when the server held one of its operations anyway (its view was
//! stale): it takes the operation's effects back out of its stock ([`take_back_held`]).

use crate::{DeviceError, Result};
use aisle_domain::admission::{self, Holder, Role, TaskTarget, WorkLine, WorkRef, WorkView};
use aisle_domain::ledger::Delta;
use aisle_domain::op::{ChangeLogEntry, Operation};
use aisle_domain::reconcile::{ExceptionKind, ViewResult};
use aisle_domain::said;
use aisle_domain::shelf_life;
use aisle_domain::{
    DeviceId, ItemId, LocationId, OrderLineId, PlateId, ReceiptLineId, TaskId, WarehouseId,
};
use aisle_ledger::effects::apply_deltas;
use aisle_ledger::view::{SharedMaster, fail};
use aisle_proto::{Exception, OrderLine, ReceiptLine, Task, TaskWork};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::de::DeserializeOwned;

/// The device's state inside the recording transaction.
struct LocalView<'a> {
    conn: &'a Connection,
    /// Everything after this sequence number is this device's work the server has not seen.
    pushed_seq: u64,
}

impl LocalView<'_> {
    fn one<T>(
        &self,
        sql: &str,
        args: impl rusqlite::Params,
        row: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> ViewResult<Option<T>> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut s| s.query_row(args, row).optional())
            .map_err(fail)
    }

    fn body<T: DeserializeOwned>(&self, sql: &str, id: String) -> ViewResult<Option<T>> {
        self.one(sql, [id], |r| r.get::<_, String>(0))?
            .map(|b| serde_json::from_str(&b).map_err(fail))
            .transpose()
    }

    /// Work on a task recorded here and not yet pushed: units moved, or counts.
    fn unpushed_task_work(&self, task: TaskId) -> ViewResult<i64> {
        let entries =
            crate::query::change_log_on(self.conn, self.pushed_seq, None).map_err(fail)?;
        Ok(entries
            .iter()
            .map(|e| match &e.op {
                Operation::Move(t) | Operation::Putaway(t) if t.task == Some(task) => t.qty,
                Operation::Count(c) if c.task == Some(task) => 1,
                _ => 0,
            })
            .sum())
    }
}

impl WorkView for LocalView<'_> {
    fn lease_holders(&self, work: WorkRef, at: DateTime<Utc>) -> ViewResult<Vec<Holder>> {
        // As last pulled; a lease this device's clock says has run out holds nothing.
        let found: Option<(String, String)> = self.one(
            "SELECT device_id, device_name FROM leases WHERE work = ?1 AND expires_at > ?2",
            params![
                format!("{}:{}", work.kind(), work.id_text()),
                at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        found
            .map(|(device, name)| {
                Ok(Holder {
                    device: device.parse().map_err(fail)?,
                    name,
                })
            })
            .into_iter()
            .collect()
    }

    fn operator_role(&self, badge: &str, _at: DateTime<Utc>) -> ViewResult<Option<Role>> {
        let any: bool = self
            .one("SELECT EXISTS (SELECT 1 FROM operators)", [], |r| r.get(0))?
            .unwrap_or(false);
        if !any {
            // A stand-alone store without an operator list has nobody to check against; an
            // enrolled device always has the list (it signs operators in offline with it).
            return Ok(Some(Role::Supervisor));
        }
        let role: Option<String> = self.one(
            "SELECT role FROM operators WHERE badge = ?1",
            [badge],
            |r| r.get(0),
        )?;
        Ok(role.as_deref().and_then(Role::parse))
    }

    fn item_sku(&self, item: ItemId) -> ViewResult<Option<String>> {
        SharedMaster(self.conn).item_sku(item)
    }

    fn location(&self, id: LocationId) -> ViewResult<Option<(WarehouseId, String)>> {
        SharedMaster(self.conn).location(id)
    }

    fn plate_with_code(&self, code: &str) -> ViewResult<Option<PlateId>> {
        SharedMaster(self.conn).plate_with_code(code)
    }

    fn order_line(&self, id: OrderLineId) -> ViewResult<Option<WorkLine>> {
        let line: Option<OrderLine> =
            self.body("SELECT line FROM order_lines WHERE id = ?1", id.to_string())?;
        let Some(l) = line else { return Ok(None) };
        let item_days: Option<i64> = self
            .one(
                "SELECT min_shelf_life_days FROM items WHERE id = ?1",
                [l.item_id.to_string()],
                |r| r.get(0),
            )?
            .flatten();
        let item_days = item_days.and_then(|d| u32::try_from(d).ok());
        Ok(Some(WorkLine {
            reference: format!("{}/{}", l.order, l.line),
            warehouse: l.warehouse_id,
            item: l.item_id,
            closed: l.shipped.then(|| admission::order_shipped(&l.order)),
            min_shelf_life_days: shelf_life::required_days(item_days, l.min_shelf_life_days),
        }))
    }

    fn receipt_line(&self, id: ReceiptLineId) -> ViewResult<Option<WorkLine>> {
        let line: Option<ReceiptLine> = self.body(
            "SELECT line FROM receipt_lines WHERE id = ?1",
            id.to_string(),
        )?;
        Ok(line.map(|l| WorkLine {
            reference: format!("{}/{}", l.receipt, l.line),
            warehouse: l.warehouse_id,
            item: l.item_id,
            closed: None,
            min_shelf_life_days: 0,
        }))
    }

    fn task(&self, id: TaskId) -> ViewResult<Option<TaskTarget>> {
        let task: Option<Task> =
            self.body("SELECT body FROM tasks WHERE id = ?1", id.to_string())?;
        let Some(task) = task else {
            return Ok(None);
        };
        let local = self.unpushed_task_work(id)?;
        let (item, from, to, finished) = match task.work {
            TaskWork::Move {
                item_id,
                from,
                to,
                qty,
                ..
            } => (item_id, Some(from), to, task.done_qty + local >= qty),
            TaskWork::Count {
                item_id,
                location_id,
                ..
            } => (item_id, None, location_id, task.done_qty + local >= 1),
        };
        let closed = if task.status != aisle_proto::TaskStatus::Open {
            Some(admission::task_status(task.status.as_str()))
        } else if finished {
            Some(said!(
                "authority.done_here",
                "done on this device (not yet synced)"
            ))
        } else {
            None
        };
        Ok(Some(TaskTarget {
            warehouse: task.warehouse_id,
            item,
            from,
            to,
            closed,
        }))
    }
}

/// Refuses an operation the server would not apply as it is, with the server's reason.
pub(crate) fn check(conn: &Connection, entry: &ChangeLogEntry, pushed_seq: u64) -> Result<()> {
    let view = LocalView { conn, pushed_seq };
    let verdict = admission::admit(entry, entry.warehouse_id, entry.device_time, &view)?;
    if verdict.is_clean() {
        return Ok(());
    }
    let reason = verdict
        .reason()
        .cloned()
        .unwrap_or_else(|| said!("authority.breaks_a_rule", "it breaks a rule"));
    Err(
        if verdict
            .exceptions
            .iter()
            .any(|x| x.kind == ExceptionKind::Unauthorized)
        {
            DeviceError::Forbidden(reason)
        } else {
            DeviceError::Invalid(reason)
        },
    )
}

/// Takes back this device's own operations that the server held (logged, not applied): their
/// effects leave local stock under the ledger id `held:OP`, once. `snapshot_pushed` is the push
/// cursor when the exceptions come with a snapshot, whose stock already leaves out every pushed
/// operation the server did not apply: those are only marked.
pub(crate) fn take_back_held(
    tx: &Connection,
    own: DeviceId,
    exceptions: &[Exception],
    snapshot_pushed: Option<u64>,
) -> Result<()> {
    for x in exceptions {
        if !x.kind.holds_operation() || x.device_id != Some(own) {
            continue;
        }
        let Some(op) = x.op_ids.first() else { continue };
        let entry: Option<(i64, String)> = tx
            .prepare_cached("SELECT seq, payload FROM change_log WHERE op_id = ?1")?
            .query_row([op.to_string()], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((seq, payload)) = entry else {
            continue;
        };
        let already: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM held_ops WHERE op_id = ?1)")?
            .query_row([op.to_string()], |r| r.get(0))?;
        if already {
            continue;
        }
        let left_out = snapshot_pushed.is_some_and(|pushed| seq as u64 <= pushed);
        if !left_out {
            // Its effects as recorded; for an entry whose text was damaged (sent as unreadable),
            // the ledger rows it wrote when it was recorded.
            let effects = match serde_json::from_str::<Operation>(&payload) {
                Ok(op_body) => op_body.effects(),
                Err(_) => aisle_ledger::db::DbExt::rows(
                    tx,
                    "SELECT item_id, location_id, lot, expiry, plate_id, qty FROM ledger WHERE op_id = ?1",
                    aisle_ledger::args![op.to_string()],
                    |r| {
                        Ok(Delta {
                            key: aisle_ledger::effects::key_from_row(r, 0)?,
                            qty: r.get(5)?,
                        })
                    },
                )?,
            };
            let back: Vec<Delta> = effects
                .into_iter()
                .map(|d| Delta {
                    key: d.key,
                    qty: -d.qty,
                })
                .collect();
            apply_deltas(tx, &format!("held:{op}"), &back)?;
        }
        tx.prepare_cached(
            "INSERT INTO held_ops (op_id, exception_id, reversed) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![op.to_string(), x.id.to_string(), !left_out])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
