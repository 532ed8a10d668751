//! The state pull on the device: stock rows as the server has them, made into local stock.
//!
//! A pulled row is the server's quantity of one key after the last operation that changed it
//! (`seq`). The server's books hold this device's operations up to the page's `durable_seq` and
//! none that it held; local stock is that row plus this device's own operations after it. So a
//! row sets the key to `qty + own later effects` in one delta, whatever the device had before:
//! nothing is applied twice, however often a page is fetched again.

use crate::Result;
use crate::record::apply_deltas;
use aisle_domain::ledger::{Delta, StockKey, net};
use aisle_ledger::effects::key_columns;
use aisle_proto::{PullResponse, StockChange};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{BTreeMap, HashSet};

/// Applies a page's stock rows; returns how many changed local stock or were new.
pub(super) fn apply_stock_rows(tx: &Connection, page: &PullResponse) -> Result<u64> {
    if page.stock.is_empty() {
        return Ok(0);
    }
    let own_later = own_effects_after(tx, page.durable_seq)?;
    let mut applied = 0;
    for row in &page.stock {
        let (item, loc, lot, expiry, plate) = key_columns(&row.key);
        let seen: Option<i64> = tx
            .prepare_cached(
                "SELECT seq FROM stock_seen WHERE item_id = ?1 AND location_id = ?2 AND lot = ?3 AND expiry = ?4 AND plate_id = ?5",
            )?
            .query_row(params![item, loc, lot, expiry, plate], |r| r.get(0))
            .optional()?;
        // A page read before one already applied (two syncs at once) shows an older quantity.
        if seen.is_some_and(|s| s >= row.seq as i64) {
            continue;
        }
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
        tx.prepare_cached(
            "INSERT INTO stock_seen (item_id, location_id, lot, expiry, plate_id, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (item_id, location_id, lot, expiry, plate_id) DO UPDATE SET seq = excluded.seq",
        )?
        .execute(params![item, loc, lot, expiry, plate, row.seq as i64])?;
        applied += 1;
    }
    Ok(applied)
}

/// Marks the keys of a snapshot as seen at its cursor, so that no page read before it can put
/// back an older quantity.
pub(super) fn seen_at_snapshot(tx: &Connection, keys: &[StockKey], cursor: u64) -> Result<()> {
    for key in keys {
        let (item, loc, lot, expiry, plate) = key_columns(key);
        tx.prepare_cached(
            "INSERT INTO stock_seen (item_id, location_id, lot, expiry, plate_id, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (item_id, location_id, lot, expiry, plate_id) DO UPDATE SET seq = MAX(seq, excluded.seq)",
        )?
        .execute(params![item, loc, lot, expiry, plate, cursor as i64])?;
    }
    Ok(())
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
