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
use aisle_domain::ledger::{StockKey, net};
use aisle_ledger::effects::key_columns;
use aisle_proto::{PullResponse, StockChange};
use rusqlite::{Connection, params};
use std::collections::{BTreeMap, HashSet};

/// Applies a page's stock rows above `cursor` (the device's pull cursor before this page);
/// returns how many it applied.
///
/// Set-based: the rows' targets go into a temporary table, then one statement each writes the
/// ledger rows (target minus what the device has, where they differ), sets stock, and removes
/// emptied keys. Row by row it cost three statements a row, 20 µs each on a page of 10,000 new
/// plates (docs/PERFORMANCE.md, session 9).
pub(super) fn apply_stock_rows(tx: &Connection, page: &PullResponse, cursor: u64) -> Result<u64> {
    let fresh: Vec<&StockChange> = page.stock.iter().filter(|r| r.seq > cursor).collect();
    if fresh.is_empty() {
        return Ok(0);
    }
    let own_later = own_effects_after(tx, page.durable_seq)?;
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS pulled_rows (
             item_id TEXT NOT NULL, location_id TEXT NOT NULL, lot TEXT NOT NULL,
             expiry TEXT NOT NULL, plate_id TEXT NOT NULL, qty INTEGER NOT NULL,
             seq INTEGER NOT NULL, first_op TEXT);
         DELETE FROM temp.pulled_rows;",
    )?;
    {
        let mut put = tx.prepare_cached(
            "INSERT INTO temp.pulled_rows (item_id, location_id, lot, expiry, plate_id, qty, seq, first_op)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for row in &fresh {
            let (item, loc, lot, expiry, plate) = key_columns(&row.key);
            let target = row.qty + own_later.get(&row.key).copied().unwrap_or(0);
            put.execute(params![
                item,
                loc,
                lot,
                expiry,
                plate,
                target,
                row.seq as i64,
                row.first_op.map(|op| op.to_string())
            ])?;
        }
    }
    // A key the page names twice (it never does) would be set by its later row. Stock is written
    // in its key's order, so that its pages fill one after another (plate ids are hashes, and a
    // page of new plates otherwise touches a random page of `stock` per row).
    tx.execute_batch(&format!(
        "INSERT INTO ledger (op_id, item_id, location_id, lot, expiry, plate_id, qty)
         SELECT {ledger_ref}, p.item_id, p.location_id, p.lot, p.expiry, p.plate_id, p.qty - COALESCE(s.qty, 0)
         FROM temp.pulled_rows p LEFT JOIN stock s ON {same_key}
         WHERE p.qty <> COALESCE(s.qty, 0)
         ORDER BY p.rowid;
         INSERT INTO stock (item_id, location_id, lot, expiry, plate_id, qty)
         SELECT item_id, location_id, lot, expiry, plate_id, qty FROM temp.pulled_rows p WHERE qty <> 0
         ORDER BY item_id, location_id, lot, expiry, plate_id, p.rowid
         ON CONFLICT (item_id, location_id, lot, expiry, plate_id) DO UPDATE SET qty = excluded.qty;
         DELETE FROM stock WHERE (item_id, location_id, lot, expiry, plate_id) IN
           (SELECT item_id, location_id, lot, expiry, plate_id FROM temp.pulled_rows WHERE qty = 0);
         DELETE FROM temp.pulled_rows;",
        ledger_ref = LEDGER_REF,
        same_key = "s.item_id = p.item_id AND s.location_id = p.location_id AND s.lot = p.lot \
                    AND s.expiry = p.expiry AND s.plate_id = p.plate_id",
    ))?;
    Ok(fresh.len() as u64)
}

/// What the ledger row of a pulled change is filed under (`p`: the row, `s`: the device's stock
/// before it): stock that arrives under the server's first operation on the key, so that
/// first-in-first-out still knows its age; anything else under the change's sequence number.
const LEDGER_REF: &str = "CASE WHEN p.qty - COALESCE(s.qty, 0) > 0 AND p.first_op IS NOT NULL \
     THEN p.first_op ELSE 'pull:' || p.seq END";

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
