//! Inventory on the server's SQLite store, as read models over the ledger and the work tables: one
//! module per page or plan. Each function takes a connection (a read connection for pages, the
//! writer's transaction for what changes work) and returns what the API serializes.

mod counting;
mod dashboard;
mod expiry;
mod faces;
mod outbound;
mod packing;
mod pages;
mod replenishment;
mod returns;
mod suppliers;
mod transfers;
mod valuation;

pub use counting::*;
pub use dashboard::*;
pub use expiry::*;
pub use faces::*;
pub use outbound::*;
pub use packing::*;
pub use pages::*;
pub use replenishment::*;
pub use returns::*;
pub use suppliers::*;
pub use transfers::*;
pub use valuation::*;

use crate::error::{StorageError, StorageResult};
use crate::sql::shelf_life_days;
use aisle_domain::cycle_count::{self, AbcClass};
use aisle_domain::forecast::{self, Choice};
use aisle_domain::replenish::{self, Levels, Policy, PolicyKind, Position, Suggestion};
use aisle_domain::said;
use aisle_domain::said::Said;
use aisle_domain::{allocation, shelf_life};
use aisle_ledger::args;
use aisle_ledger::db::{Db, DbExt};
use aisle_ledger::effects::none_if_empty;
use chrono::{Days, NaiveDate, Utc};
use serde::Serialize;
use std::collections::HashMap;

pub(crate) fn warehouse_id(conn: &dyn Db, code: &str) -> StorageResult<String> {
    conn.first(
        "SELECT id FROM warehouses WHERE code = ?1",
        args![code],
        |r| r.get(0),
    )?
    .ok_or_else(|| {
        StorageError::NotFound(said!(
            "inventory.no_warehouse",
            "no warehouse {code:?}",
            code = code
        ))
    })
}

/// An order's or a transfer's status (`picked`, `in_transit`, ...) in words, inside a refusal.
pub(crate) fn status_words(status: &str) -> Said {
    match status {
        "open" => said!("status.open", "open"),
        "picked" => said!("status.picked", "picked"),
        "part_shipped" => said!("status.part_shipped", "part_shipped"),
        "packed" => said!("status.packed", "packed"),
        "shipped" => said!("status.shipped", "shipped"),
        "in_transit" => said!("status.in_transit", "in_transit"),
        "closed" => said!("status.closed", "closed"),
        // A status this server does not know (a newer server's, on a shared database).
        other => Said::untranslated(other),
    }
}

pub(crate) fn item_id(conn: &dyn Db, sku: &str) -> StorageResult<String> {
    conn.first("SELECT id FROM items WHERE sku = ?1", args![sku], |r| {
        r.get(0)
    })?
    .ok_or_else(|| {
        StorageError::NotFound(said!(
            "inventory.no_item",
            "no item with SKU {sku:?}",
            sku = sku
        ))
    })
}

/// Each stock line of the warehouse in locations of the given kinds (an SQL list of kind names),
/// of one item or of all, with when it first arrived (its earliest incoming ledger entry), for
/// allocation.
pub(super) fn stock_lines(
    conn: &dyn Db,
    wh: &str,
    kinds: &str,
    item: Option<&str>,
) -> StorageResult<Vec<allocation::Supply<AllocatedStock>>> {
    type Stock = (
        String,
        String,
        String,
        String,
        i64,
        Option<String>,
        String,
        String,
    );
    let stock: Vec<Stock> = conn.rows(&format!(
        "SELECT i.sku, l.code, s.lot, s.expiry, s.qty,
            (SELECT MIN(o.at) FROM ledger g JOIN ops o ON o.op_id = g.op_id
              WHERE g.item_id = s.item_id AND g.location_id = s.location_id AND g.lot = s.lot
                AND g.expiry = s.expiry AND g.plate_id = s.plate_id AND g.qty > 0),
            l.id, i.id
         FROM stock s JOIN locations l ON l.id = s.location_id JOIN items i ON i.id = s.item_id
         WHERE l.warehouse_id = ?1 AND s.qty > 0 AND l.kind IN {kinds} AND (CAST(?2 AS TEXT) IS NULL OR s.item_id = ?2)
           AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.kind = 'count' AND t.status = 'open'
                           AND t.blocks_picking = 1 AND t.item_id = s.item_id AND t.location_id = s.location_id)
         ORDER BY l.code"
    ), args![wh, item], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })?;
    let opt = |s: &str| none_if_empty(s.to_string());
    let mut supply = Vec::with_capacity(stock.len());
    for (sku, location, lot, expiry, qty, arrived, location_id, item_id) in &stock {
        let arrived = match arrived {
            Some(t) => chrono::DateTime::parse_from_rfc3339(t)
                .map(|t| t.to_utc())
                .map_err(|e| StorageError::Internal(format!("stored time {t:?}: {e}")))?,
            None => chrono::DateTime::<chrono::Utc>::MIN_UTC,
        };
        supply.push(allocation::Supply {
            key: AllocatedStock {
                location: location.clone(),
                lot: opt(lot),
                expiry: opt(expiry),
                qty: 0,
                location_id: location_id.clone(),
                item_id: item_id.clone(),
            },
            item: sku.clone(),
            expiry: expiry.parse().ok(),
            arrived,
            qty: *qty,
        });
    }
    Ok(supply)
}
