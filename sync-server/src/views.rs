//! The domain rules' view of the server's state inside the push transaction: what
//! reconciliation ([`aisle_domain::reconcile::StateView`]) and admission
//! ([`aisle_domain::admission::WorkView`]) read before an operation is applied. Every read that
//! fails is an error, never a value: a database error must not invent or hide an exception.

use aisle_domain::admission::{self, Holder, Role, TaskTarget, WorkLine, WorkRef, WorkView};
use aisle_domain::capacity::{Limits, Load};
use aisle_domain::ledger::StockKey;
use aisle_domain::reconcile::{
    CartonView, LimitsAt, LineProgress, StateView, ViewError, ViewResult,
};
use aisle_domain::shelf_life;
use aisle_domain::{
    DeviceId, ItemId, LocationId, OpId, OrderLineId, PlateId, ReceiptLineId, TaskId, WarehouseId,
};
use aisle_ledger::args;
use aisle_ledger::db::{Db, DbExt, Row, Value};
use aisle_ledger::effects::key_columns;
use aisle_ledger::view::SharedMaster;
use chrono::{DateTime, SecondsFormat, Utc};
use std::cell::RefCell;
use std::collections::HashMap;

/// The state as of the current point of a push transaction.
pub(crate) struct TxView<'a> {
    pub conn: &'a dyn Db,
    /// The device whose operation is assessed (its own counts are never "unseen" by it).
    pub device: DeviceId,
    /// Stock the push has applied and not yet written (`sql::books`).
    pub pending: Option<&'a crate::sql::books::PendingBooks>,
}

/// Counts of an item at a location after a cursor, by devices other than the one given.
type CountsAfter = (DeviceId, ItemId, LocationId, u64);

/// Reads a push repeats for many of its entries and that nothing the push does changes before
/// its books are flushed: items and locations, operators' role histories, stock as it stood
/// when the push began (its own changes are in [`PendingBooks`](crate::sql::books::PendingBooks)
/// until the flush), and other devices' counts (a push is one device's entries, so the counts it
/// logs itself are never among them). Read once per push instead of once per entry: on
/// PostgreSQL each read is a round trip. Cleared when the books are flushed.
#[derive(Debug, Default)]
pub(crate) struct ReadMemo {
    skus: RefCell<HashMap<ItemId, Option<String>>>,
    locations: RefCell<HashMap<LocationId, Option<(WarehouseId, String)>>>,
    /// A badge's roles as `(valid_from, role)`.
    roles: RefCell<HashMap<String, Vec<(String, String)>>>,
    stock: RefCell<HashMap<StockKey, i64>>,
    unseen: RefCell<HashMap<CountsAfter, Vec<OpId>>>,
    /// Locations' limits and whether their warehouse refuses overfilling.
    limits: RefCell<HashMap<LocationId, Option<LimitsAt>>>,
}

impl ReadMemo {
    /// Forgets everything (the books were flushed, so stock read before is stale).
    pub fn clear(&self) {
        self.skus.borrow_mut().clear();
        self.locations.borrow_mut().clear();
        self.roles.borrow_mut().clear();
        self.stock.borrow_mut().clear();
        self.unseen.borrow_mut().clear();
        self.limits.borrow_mut().clear();
    }
}

/// `map[key]`, read with `read` the first time.
fn remembered<K, V>(
    map: Option<&RefCell<HashMap<K, V>>>,
    key: K,
    read: impl FnOnce() -> ViewResult<V>,
) -> ViewResult<V>
where
    K: std::hash::Hash + Eq,
    V: Clone,
{
    let Some(map) = map else {
        return read();
    };
    if let Some(v) = map.borrow().get(&key) {
        return Ok(v.clone());
    }
    let v = read()?;
    map.borrow_mut().insert(key, v.clone());
    Ok(v)
}

/// The role in force `at` (stored time text) from a badge's history: the latest that started
/// by then; before the first one (a clock that was off before the server corrected it), the
/// first.
fn role_at<'h>(history: &'h [(String, String)], at: &str) -> Option<&'h str> {
    history
        .iter()
        .filter(|(from, _)| from.as_str() <= at)
        .max_by(|a, b| a.0.cmp(&b.0))
        .or_else(|| history.iter().min_by(|a, b| a.0.cmp(&b.0)))
        .map(|(_, role)| role.as_str())
}

fn fail(e: aisle_ledger::LedgerError) -> ViewError {
    ViewError(e.to_string())
}

fn id<T: std::str::FromStr>(s: &str) -> ViewResult<T> {
    s.parse()
        .map_err(|_| ViewError(format!("stored id {s:?} is not valid")))
}

/// Time as role history stores it (SQLite's `strftime('%Y-%m-%dT%H:%M:%fZ')`): fixed width, so
/// that text order is time order.
fn stored_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl TxView<'_> {
    fn memo(&self) -> Option<&ReadMemo> {
        self.pending.map(|p| &p.memo)
    }

    fn one<T>(
        &self,
        sql: &str,
        args: &[Value],
        row: impl FnMut(&Row<'_>) -> aisle_ledger::Result<T>,
    ) -> ViewResult<Option<T>> {
        self.conn.first(sql, args, row).map_err(fail)
    }

    fn progress(&self, sql: &str, line: &str) -> ViewResult<Option<LineProgress>> {
        let Some((target, done)) = self.one(sql, args![line], |r| Ok((r.get(0)?, r.get(1)?)))?
        else {
            return Ok(None);
        };
        let ops = self
            .conn
            .rows(
                "SELECT op_id FROM line_ops WHERE line_id = ?1",
                args![line],
                |r| r.get::<OpId>(0),
            )
            .map_err(fail)?;
        Ok(Some(LineProgress { target, done, ops }))
    }

    fn work_line(&self, sql: &str, line: &str) -> ViewResult<Option<WorkLine>> {
        let days = |d: Option<i64>| d.and_then(|d| u32::try_from(d).ok());
        self.one(sql, args![line], |r| {
            Ok((
                format!("{}/{}", r.get::<String>(0)?, r.get::<u32>(1)?),
                r.get::<String>(2)?,
                r.get::<String>(3)?,
                r.get::<Option<String>>(4)?,
                shelf_life::required_days(days(r.get(5)?), days(r.get(6)?)),
            ))
        })?
        .map(|(reference, wh, item, shipped, min_shelf_life_days)| {
            Ok(WorkLine {
                reference,
                warehouse: id(&wh)?,
                item: id(&item)?,
                closed: shipped.as_deref().map(admission::order_shipped),
                min_shelf_life_days,
            })
        })
        .transpose()
    }
}

impl StateView for TxView<'_> {
    fn on_hand(&self, key: &StockKey) -> ViewResult<i64> {
        let (i, l, lot, exp, plate) = key_columns(key);
        let stored = remembered(self.memo().map(|m| &m.stock), key.clone(), || {
            Ok(self
                .one(
                    "SELECT qty FROM stock WHERE item_id = ?1 AND location_id = ?2 AND lot = ?3 AND expiry = ?4 AND plate_id = ?5",
                    args![i, l, lot, exp, plate],
                    |r| r.get(0),
                )?
                .unwrap_or(0))
        })?;
        Ok(stored + self.pending.map_or(0, |p| p.delta(key)))
    }

    fn receipt_line(&self, id: ReceiptLineId) -> ViewResult<Option<LineProgress>> {
        self.progress(
            "SELECT expected_qty, received_qty FROM receipt_lines WHERE id = ?1",
            &id.to_string(),
        )
    }

    fn order_line(&self, id: OrderLineId) -> ViewResult<Option<LineProgress>> {
        self.progress(
            "SELECT qty, picked_qty FROM order_lines WHERE id = ?1",
            &id.to_string(),
        )
    }

    fn serial_in_stock(&self, item: ItemId, serial: &str) -> ViewResult<Option<OpId>> {
        self.one(
            "SELECT op_id FROM serials WHERE item_id = ?1 AND serial = ?2 AND in_stock = 1",
            args![item.to_string(), serial],
            |r| r.get::<String>(0),
        )?
        .map(|s| id(&s))
        .transpose()
    }

    fn returned(&self, order: &str, item: ItemId) -> ViewResult<Option<LineProgress>> {
        // A carton's SSCC names the order it was packed for.
        let order = self
            .one(
                "SELECT order_no FROM cartons WHERE sscc = ?1",
                args![order],
                |r| r.get::<String>(0),
            )?
            .unwrap_or_else(|| order.to_string());
        let status: Option<String> = self.one(
            "SELECT status FROM shipments WHERE order_no = ?1",
            args![order],
            |r| r.get(0),
        )?;
        let target: i64 = if status.as_deref() == Some("shipped") {
            // Confirmed shipped as a whole by a supervisor: what was picked left.
            self.one(
                "SELECT COALESCE(CAST(SUM(picked_qty) AS BIGINT), 0) FROM order_lines WHERE order_no = ?1 AND item_id = ?2",
                args![order, item.to_string()],
                |r| r.get(0),
            )?
            .unwrap_or(0)
        } else {
            // Shipped in cartons: what the shipped cartons held.
            let shipped: Option<i64> = self
                .one(
                    "SELECT CAST(SUM(CASE WHEN l.item_id = ?2 THEN l.qty ELSE 0 END) AS BIGINT)
                 FROM carton_lines l JOIN cartons c ON c.sscc = l.sscc
                 WHERE l.order_no = ?1 AND c.shipment_op IS NOT NULL",
                    args![order, item.to_string()],
                    |r| r.get(0),
                )?
                .flatten();
            match shipped {
                Some(q) => q,
                None => return Ok(None),
            }
        };
        let back: Vec<(OpId, i64)> = self
            .conn
            .rows(
                "SELECT op_id, qty FROM returns WHERE order_no = ?1 AND item_id = ?2 ORDER BY at, op_id",
                args![order, item.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(fail)?;
        Ok(Some(LineProgress {
            target,
            done: back.iter().map(|(_, q)| q).sum(),
            ops: back.into_iter().map(|(op, _)| op).collect(),
        }))
    }

    fn packed(&self, order: &str, item: ItemId) -> ViewResult<Option<LineProgress>> {
        let target: Option<i64> = self
            .one(
                "SELECT CAST(SUM(qty) AS BIGINT) FROM order_lines WHERE order_no = ?1 AND item_id = ?2",
                args![order, item.to_string()],
                |r| r.get(0),
            )?
            .flatten();
        let Some(target) = target else {
            return Ok(None);
        };
        let packed: Vec<(OpId, i64)> = self
            .conn
            .rows(
                "SELECT op_id, CAST(SUM(qty) AS BIGINT) FROM carton_lines WHERE order_no = ?1 AND item_id = ?2
                 GROUP BY op_id ORDER BY MIN(at), op_id",
                args![order, item.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(fail)?;
        Ok(Some(LineProgress {
            target,
            done: packed.iter().map(|(_, q)| q).sum(),
            ops: packed.into_iter().map(|(op, _)| op).collect(),
        }))
    }

    fn carton(&self, sscc: &str) -> ViewResult<Option<CartonView>> {
        let row: Option<(String, Option<String>, Option<String>)> = self.one(
            "SELECT order_no, shipment_op, shipped_device_time FROM cartons WHERE sscc = ?1",
            args![sscc],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let Some((order, op, at)) = row else {
            return Ok(None);
        };
        let shipped = match (op, at) {
            (Some(op), Some(at)) => Some((
                id(&op)?,
                DateTime::parse_from_rfc3339(&at)
                    .map_err(|e| ViewError(format!("carton {sscc}'s shipment time {at:?}: {e}")))?
                    .with_timezone(&Utc),
            )),
            _ => None,
        };
        Ok(Some(CartonView { order, shipped }))
    }

    fn location_limits(&self, location: LocationId) -> ViewResult<Option<LimitsAt>> {
        remembered(self.memo().map(|m| &m.limits), location, || {
            self.one(
                "SELECT l.code, l.capacity, l.max_weight_g, l.max_volume_cm3, w.refuse_over_capacity
                 FROM locations l JOIN warehouses w ON w.id = l.warehouse_id WHERE l.id = ?1",
                args![location.to_string()],
                |r| {
                    Ok((
                        r.get(0)?,
                        Limits {
                            units: r.get(1)?,
                            grams: r.get(2)?,
                            cm3: r.get(3)?,
                        },
                        r.get::<i64>(4)? != 0,
                    ))
                },
            )
        })
    }

    fn location_load(&self, location: LocationId) -> ViewResult<Load> {
        // Per item, so that the arithmetic is `Load::add`'s (saturating) and never the database's.
        let stored: Vec<(ItemId, i64)> = self
            .conn
            .rows(
                "SELECT item_id, CAST(SUM(qty) AS BIGINT) FROM stock WHERE location_id = ?1 GROUP BY item_id",
                args![location.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(fail)?;
        let pending = self
            .pending
            .map(|p| p.deltas_at(location))
            .unwrap_or_default();
        let mut load = Load::default();
        for (item, qty) in stored.into_iter().chain(pending) {
            let (g, v) = self.unit_of(item)?;
            load.add(qty, g, v);
        }
        Ok(load)
    }

    fn unit_of(&self, item: ItemId) -> ViewResult<(Option<i64>, Option<i64>)> {
        // Weight, then length, width and height.
        type Measures = (Option<i64>, Option<i64>, Option<i64>, Option<i64>);
        let row: Option<Measures> = self.one(
            "SELECT weight_g, length_mm, width_mm, height_mm FROM items WHERE id = ?1",
            args![item.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        Ok(match row {
            Some((g, Some(l), Some(w), Some(h))) => {
                (g, aisle_domain::capacity::unit_cm3(Some([l, w, h])))
            }
            Some((g, _, _, _)) => (g, None),
            None => (None, None),
        })
    }

    fn item_sku(&self, item: ItemId) -> ViewResult<String> {
        Ok(self
            .one(
                "SELECT sku FROM items WHERE id = ?1",
                args![item.to_string()],
                |r| r.get::<String>(0),
            )?
            .unwrap_or_else(|| item.to_string()))
    }

    fn unseen_counts(
        &self,
        item: ItemId,
        location: LocationId,
        seen_cursor: u64,
    ) -> ViewResult<Vec<OpId>> {
        let key = (self.device, item, location, seen_cursor);
        remembered(self.memo().map(|m| &m.unseen), key, || {
            self.conn
                .rows(
                    "SELECT op_id FROM counts WHERE item_id = ?1 AND location_id = ?2 AND server_seq > ?3 AND device_id <> ?4",
                    args![item, location, seen_cursor as i64, self.device],
                    |r| r.get::<OpId>(0),
                )
                .map_err(fail)
        })
    }

    fn describe(&self, key: &StockKey) -> ViewResult<aisle_domain::said::Said> {
        let names: Option<(String, String)> = self.one(
            "SELECT i.sku, l.code FROM items i, locations l WHERE i.id = ?1 AND l.id = ?2",
            args![key.item.to_string(), key.location.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let (sku, loc) = names.unwrap_or_else(|| (key.item.to_string(), key.location.to_string()));
        Ok(aisle_domain::reconcile::stock_words(
            &sku,
            &loc,
            key.lot.as_deref(),
        ))
    }
}

impl WorkView for TxView<'_> {
    fn lease_holders(&self, work: WorkRef, at: DateTime<Utc>) -> ViewResult<Vec<Holder>> {
        crate::leases::holders(self.conn, work, at).map_err(fail)
    }

    fn operator_role(&self, badge: &str, at: DateTime<Utc>) -> ViewResult<Option<Role>> {
        // The role in force at the operation's time; a badge whose history starts later (a clock
        // that was off before the server corrected it) is judged by its first role.
        let history = remembered(self.memo().map(|m| &m.roles), badge.to_string(), || {
            self.conn
                .rows(
                    // A disabled badge's history ends in `disabled` from the moment it was.
                    "SELECT valid_from, role FROM operator_roles WHERE badge = ?1
                     UNION ALL
                     SELECT disabled_at, 'disabled' FROM operators
                     WHERE badge = ?1 AND disabled_at IS NOT NULL",
                    args![badge],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(fail)
        })?;
        role_at(&history, &stored_time(at))
            .map(|r| Role::parse(r).ok_or_else(|| ViewError(format!("stored role {r:?}"))))
            .transpose()
    }

    fn item_sku(&self, item: ItemId) -> ViewResult<Option<String>> {
        remembered(self.memo().map(|m| &m.skus), item, || {
            SharedMaster(self.conn).item_sku(item)
        })
    }

    fn location(&self, loc: LocationId) -> ViewResult<Option<(WarehouseId, String)>> {
        remembered(self.memo().map(|m| &m.locations), loc, || {
            SharedMaster(self.conn).location(loc)
        })
    }

    fn plate_with_code(&self, code: &str) -> ViewResult<Option<PlateId>> {
        match self.pending {
            // The plates of the push's earlier entries are not written yet.
            Some(p) => p
                .plates
                .with_code(self.conn, code)
                .map_err(|e| ViewError(e.to_string())),
            None => SharedMaster(self.conn).plate_with_code(code),
        }
    }

    fn order_line(&self, line: OrderLineId) -> ViewResult<Option<WorkLine>> {
        self.work_line(
            "SELECT o.order_no, o.line, o.warehouse_id, o.item_id,
                    CASE WHEN s.status = 'shipped' THEN o.order_no END,
                    i.min_shelf_life_days, o.min_shelf_life_days
             FROM order_lines o JOIN items i ON i.id = o.item_id
               LEFT JOIN shipments s ON s.order_no = o.order_no WHERE o.id = ?1",
            &line.to_string(),
        )
    }

    fn receipt_line(&self, line: ReceiptLineId) -> ViewResult<Option<WorkLine>> {
        self.work_line(
            "SELECT receipt, line, warehouse_id, item_id, NULL, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)
             FROM receipt_lines WHERE id = ?1",
            &line.to_string(),
        )
    }

    fn task(&self, task: TaskId) -> ViewResult<Option<TaskTarget>> {
        type Target = (String, String, Option<String>, String, String);
        let found: Option<Target> = self.one(
            "SELECT warehouse_id, item_id, from_location_id, location_id, status FROM tasks WHERE id = ?1",
            args![task],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )?;
        found
            .map(|(wh, item, from, to, status)| {
                Ok(TaskTarget {
                    warehouse: id(&wh)?,
                    item: id(&item)?,
                    from: from.as_deref().map(id).transpose()?,
                    to: id(&to)?,
                    closed: (status != "open").then(|| admission::task_status(&status)),
                })
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::role_at;

    fn history() -> Vec<(String, String)> {
        [
            ("2026-03-01T00:00:00.000Z", "supervisor"),
            ("2026-01-01T00:00:00.000Z", "picker"),
            ("2026-02-01T00:00:00.000Z", "receiver"),
        ]
        .into_iter()
        .map(|(from, role)| (from.to_string(), role.to_string()))
        .collect()
    }

    #[test]
    fn the_role_in_force_is_the_latest_begun_by_then() {
        let h = history();
        assert_eq!(role_at(&h, "2026-01-15T00:00:00.000Z"), Some("picker"));
        assert_eq!(role_at(&h, "2026-02-01T00:00:00.000Z"), Some("receiver"));
        assert_eq!(role_at(&h, "2026-02-28T23:59:59.999Z"), Some("receiver"));
        assert_eq!(role_at(&h, "2027-01-01T00:00:00.000Z"), Some("supervisor"));
    }

    #[test]
    fn before_the_first_role_the_first_one_counts() {
        assert_eq!(
            role_at(&history(), "2025-12-31T00:00:00.000Z"),
            Some("picker")
        );
        assert_eq!(role_at(&[], "2026-01-01T00:00:00.000Z"), None);
    }
}
