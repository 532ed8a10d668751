//! A push's ledger rows and stock changes, gathered while its entries are admitted and written
//! once at the end: ledger rows many to a statement, each stock key once however many of the
//! push's operations touched it, with the sequence number of the last (`stock_changes`, for
//! pulls). Admission and reconciliation read stock through [`PendingBooks::delta`] on top of the
//! table, so every entry still sees the ones before it.
//!
//! Why: PostgreSQL keeps every version of a row a transaction updates until it ends, so a push of
//! 2,000 scans of one item updated the same stock row 2,000 times, each update walking the ones
//! before it (quadratic: 14 s for 10,000 operations on one key, and 50 such pushes at once never
//! finished). SQLite does not mind, and gains the fewer statements too.

use crate::error::StorageResult;
use aisle_domain::OpId;
use aisle_domain::ledger::{Delta, StockKey};
use aisle_ledger::args;
use aisle_ledger::db::{Db, DbExt, Value};
use aisle_ledger::effects::key_columns;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Ledger rows per INSERT statement.
const LEDGER_ROWS_PER_STATEMENT: usize = 100;

#[derive(Debug)]
struct Touch {
    delta: i64,
    /// The last operation that touched the key, and the first.
    seq: u64,
    first_op: OpId,
}

/// What a push has applied and not yet written. Must be [`flush`](Self::flush)ed before the
/// transaction reads stock by other means or commits.
#[derive(Debug, Default)]
pub(crate) struct PendingBooks {
    stock: RefCell<BTreeMap<StockKey, Touch>>,
    ledger: RefCell<Vec<(OpId, Delta)>>,
}

impl PendingBooks {
    /// An applied operation's stock deltas.
    pub fn add(&self, op_id: OpId, seq: u64, deltas: Vec<Delta>) {
        let mut stock = self.stock.borrow_mut();
        for d in &deltas {
            let t = stock.entry(d.key.clone()).or_insert(Touch {
                delta: 0,
                seq,
                first_op: op_id,
            });
            t.delta += d.qty;
            t.seq = seq;
        }
        self.ledger
            .borrow_mut()
            .extend(deltas.into_iter().map(|d| (op_id, d)));
    }

    /// Stock this push has added to (or taken from) `key` so far.
    pub fn delta(&self, key: &StockKey) -> i64 {
        self.stock.borrow().get(key).map_or(0, |t| t.delta)
    }

    /// Writes everything gathered: ledger rows, stock, and `stock_changes`.
    pub fn flush(&self, tx: &dyn Db) -> StorageResult<()> {
        let rows = std::mem::take(&mut *self.ledger.borrow_mut());
        for chunk in rows.chunks(LEDGER_ROWS_PER_STATEMENT) {
            let mut sql = String::from(
                "INSERT INTO ledger (op_id, item_id, location_id, lot, expiry, plate_id, qty) VALUES ",
            );
            let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 7);
            for (i, (op, d)) in chunk.iter().enumerate() {
                let n = i * 7;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "(?{}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5,
                    n + 6,
                    n + 7
                ));
                let (item, loc, lot, expiry, plate) = key_columns(&d.key);
                values.extend_from_slice(args![
                    op.to_string(),
                    item,
                    loc,
                    lot,
                    expiry,
                    plate,
                    d.qty
                ]);
            }
            tx.exec(&sql, &values)?;
        }
        let stock = std::mem::take(&mut *self.stock.borrow_mut());
        for (key, t) in stock {
            let (item, loc, lot, expiry, plate) = key_columns(&key);
            if t.delta != 0 {
                let now: Option<i64> = tx.value(
                    "INSERT INTO stock (item_id, location_id, lot, expiry, plate_id, qty) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (item_id, location_id, lot, expiry, plate_id) DO UPDATE SET qty = stock.qty + excluded.qty
                     RETURNING qty",
                    args![item, loc, lot, expiry, plate, t.delta],
                )?;
                if now == Some(0) {
                    tx.exec(
                        "DELETE FROM stock WHERE item_id = ?1 AND location_id = ?2 AND lot = ?3 AND expiry = ?4 AND plate_id = ?5 AND qty = 0",
                        args![item, loc, lot, expiry, plate],
                    )?;
                }
            }
            tx.exec(
                "INSERT INTO stock_changes (warehouse_id, item_id, location_id, lot, expiry, plate_id, seq, first_op)
                 SELECT warehouse_id, ?1, ?2, ?3, ?4, ?5, ?6, ?7 FROM locations WHERE id = ?2
                 ON CONFLICT (item_id, location_id, lot, expiry, plate_id) DO UPDATE SET seq = excluded.seq",
                args![item, loc, lot, expiry, plate, t.seq as i64, t.first_op],
            )?;
        }
        Ok(())
    }
}
