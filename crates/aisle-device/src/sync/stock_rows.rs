//! The state pull on the device: stock rows as the server has them, made into local stock.
//!
//! A pulled row is the server's quantity of one key after the last operation that changed it
//! (`seq`). The server's books hold this device's operations up to the page's `durable_seq` and
//! none that it held; local stock is that row plus this device's own operations after it. So a
//! row sets the key to `qty + own later effects` in one delta, whatever the device had before:
//! nothing is applied twice, however often a page is fetched again.
//!
//! A row at or below the device's pull cursor is never newer than what the device holds: a key's
//! `seq` only grows, so the page that took the cursor past `seq` already carried this key at
//! `seq` (or later). That is the whole guard against a page read earlier and applied later (two
//! syncs at once): it puts no older quantity back, and costs no table.

use crate::Result;
use crate::record::apply_deltas;
use aisle_domain::ledger::{Delta, StockKey, net};
use aisle_ledger::effects::key_columns;
use aisle_proto::{PullResponse, StockChange};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeMap, HashSet};

/// Applies a page's stock rows above `cursor` (the device's pull cursor before this page);
/// returns how many it applied.
pub(super) fn apply_stock_rows(tx: &Connection, page: &PullResponse, cursor: u64) -> Result<u64> {
    let fresh: Vec<&StockChange> = page.stock.iter().filter(|r| r.seq > cursor).collect();
    if fresh.is_empty() {
        return Ok(0);
    }
    let own_later = own_effects_after(tx, page.durable_seq)?;
    let mut applied = 0;
    for row in fresh {
        let (item, loc, lot, expiry, plate) = key_columns(&row.key);
        let target = row.qty + own_later.get(&row.key).copied().unwrap_or(0);
        let have: i64 = tx
            .prepare_cached(
                "SELECT qty FROM stock WHERE item_id = ?1 AND location_id = ?2 AND lot = ?3 AND expiry = ?4 AND plate_id = ?5",
            )?
            .query_row(params![item, loc, lot, expiry, plate], |r| r.get(0))
            .optional()?
            .unwrap_or(0);
        if target != have {
            let delta = Delta {
                key: row.key.clone(),
                qty: target - have,
            };
            apply_deltas(tx, &ledger_ref(row, delta.qty), &[delta])?;
        }
        applied += 1;
    }
    Ok(applied)
}

/// What the ledger row of a pulled change is filed under: stock that arrives under the server's
/// first operation on the key, so that first-in-first-out still knows its age; anything else
/// under the change's sequence number.
fn ledger_ref(row: &StockChange, qty: i64) -> String {
    match row.first_op {
        Some(op) if qty > 0 => op.to_string(),
        _ => format!("pull:{}", row.seq),
    }
}

/// The net effect of this device's own operations after `durable` (not yet in the server's
/// books), leaving out those the server held: a held operation changes no stock there, and
/// was taken back here.
fn own_effects_after(tx: &Connection, durable: u64) -> Result<BTreeMap<StockKey, i64>> {
    let later = crate::query::change_log_on(tx, durable, None)?;
    if later.is_empty() {
        return Ok(BTreeMap::new());
    }
    let held: HashSet<String> = tx
        .prepare_cached("SELECT op_id FROM held_ops")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(net(later
        .iter()
        .filter(|e| !held.contains(&e.op_id.to_string()))
        .flat_map(|e| e.op.effects())))
}
