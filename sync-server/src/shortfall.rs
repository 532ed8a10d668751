//! Short-picked orders: the supervisor's choice. An order whose lines were picked short cannot be
//! packed as it is; the supervisor either ships what was picked (the rest is cut from the order)
//! or moves the rest to a backorder, a new order (`SO-1001-BO1`) that stays open for allocation
//! and picking. Either way the order's lines now ask for what was picked, so it can be packed,
//! and devices learn it with their next pull.

use crate::error::{StorageError, StorageResult};
use crate::inventory::{OrderStatus, orders};
use aisle_domain::OrderLineId;
use aisle_domain::said;
use aisle_ledger::args;
use aisle_ledger::db::{Db, DbExt};
use serde::{Deserialize, Serialize};

/// What to do with the part of an order that was not picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShortChoice {
    /// Ship what was picked; the rest is cut from the order.
    ShipPartial,
    /// Ship what was picked; the rest becomes a new order, open for picking.
    Backorder,
}

/// The order after the decision, and the backorder made, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShortOutcome {
    pub order: OrderStatus,
    pub backorder: Option<String>,
}

/// Settles the short lines of `order` as supervisor `by`.
pub(crate) fn settle(
    tx: &dyn Db,
    order: &str,
    choice: ShortChoice,
    by: &str,
) -> StorageResult<ShortOutcome> {
    let found: Option<(String, Option<String>)> = tx.first(
        "SELECT w.code, s.status FROM order_lines o JOIN warehouses w ON w.id = o.warehouse_id
             LEFT JOIN shipments s ON s.order_no = o.order_no WHERE o.order_no = ?1 LIMIT 1",
        args![order],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let Some((wh_code, status)) = found else {
        return Err(StorageError::NotFound(said!(
            "shortfall.no_order",
            "no order {order:?}",
            order = order
        )));
    };
    if let Some(status) = status {
        return Err(StorageError::Conflict(said!(
            "shortfall.order_only_order_still",
            "order {order} is {status}; only an order still being picked can be settled",
            order = order,
            status = crate::inventory::status_words(&status)
        )));
    }
    type Short = (String, u32, String, String, i64, i64, Option<String>);
    let short: Vec<Short> = tx.rows(
        "SELECT id, line, warehouse_id, item_id, qty, picked_qty, customer FROM order_lines
         WHERE order_no = ?1 AND picked_qty < qty ORDER BY line",
        args![order],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        },
    )?;
    // Only once picking has fallen short (a pick recorded on a line it did not fill); an order
    // nobody has picked yet is not a short pick to settle.
    let mut attempted = false;
    for (id, ..) in &short {
        attempted |= tx.one(
            "SELECT EXISTS (SELECT 1 FROM line_ops WHERE line_id = ?1)",
            args![id],
            |r| r.get::<bool>(0),
        )?;
    }
    if !attempted {
        return Err(StorageError::Conflict(said!(
            "shortfall.order_line_picked_short",
            "order {order} has no line picked short; pick it, or pack it if it is complete",
            order = order
        )));
    }
    let backorder = match choice {
        ShortChoice::ShipPartial => None,
        ShortChoice::Backorder => {
            let earlier: i64 = tx.one("SELECT COUNT(DISTINCT order_no) FROM order_lines WHERE order_no LIKE ?1 ESCAPE '\\'", args![format!("{}-BO%", order.replace('%', "\\%").replace('_', "\\_"))], |r| r.get(0))?;
            Some(format!("{order}-BO{}", earlier + 1))
        }
    };
    for (id, line, wh, item, qty, picked, customer) in &short {
        // The line now asks for what was picked; it was ordered as `ordered_qty`.
        tx.exec(
            "UPDATE order_lines SET qty = CASE WHEN picked_qty > 0 THEN picked_qty ELSE 0 END WHERE id = ?1",
            args![id],
        )?;
        tx.exec(
            "INSERT INTO changes (kind, id) VALUES ('order_line', ?1)",
            args![id],
        )?;
        if let Some(bo) = &backorder {
            let new_id = OrderLineId::new().to_string();
            tx.exec("INSERT INTO order_lines (id, order_no, line, warehouse_id, item_id, qty, ordered_qty, customer)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)", args![new_id, bo, line, wh, item, qty - picked.max(&0), customer])?;
            tx.exec(
                "INSERT INTO changes (kind, id) VALUES ('order_line', ?1)",
                args![new_id],
            )?;
        }
    }
    tracing::info!(order, by, ?choice, backorder = ?backorder, "short order settled");
    let order = orders(tx, &wh_code)?
        .into_iter()
        .find(|o| o.order == order)
        .ok_or_else(|| StorageError::Internal("the order vanished".into()))?;
    Ok(ShortOutcome { order, backorder })
}
