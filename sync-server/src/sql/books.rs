//! A push's log rows, ledger rows and stock changes, gathered while its entries are admitted and
//! written once at the end: log and ledger rows many to a statement (PostgreSQL: one `COPY`), each stock key once however
//! many of the push's operations touched it, with the sequence number of the last and the
//! quantity it leaves (`stock_changes`, which pulls read alone). Admission and reconciliation read stock through
//! [`PendingBooks::delta`] on top of the table, so every entry still sees the ones before it, and
//! what they read more than once through [`ReadMemo`].
//!
//! Server sequence numbers are handed out here, one after the largest logged: every write
//! transaction holds the write lock (SQLite's single writer, PostgreSQL's advisory lock), so no
//! other transaction can log in between and numbers still follow commit order (the pull cursor's
//! guarantee, docs/sync-protocol.md). Nothing reads the log rows of a push before its flush.
//!
//! Why: PostgreSQL keeps every version of a row a transaction updates until it ends, so a push of
//! 2,000 scans of one item updated the same stock row 2,000 times, each update walking the ones
//! before it (quadratic: 14 s for 10,000 operations on one key, and 50 such pushes at once never
//! finished). SQLite does not mind, and gains the fewer statements too.

use super::plates::PendingPlates;
use crate::error::{StorageError, StorageResult};
use crate::views::ReadMemo;
use aisle_domain::ledger::{Delta, StockKey};
use aisle_domain::said;
use aisle_domain::{LocationId, OpId};
use aisle_ledger::args;
use aisle_ledger::db::{Db, DbExt, Value, values_list};
use aisle_ledger::effects::{key_columns, key_from_row};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Stock keys written per statement by a push's flush (at most 9 values a key: well within
/// either database's limit on a statement's parameters).
const KEYS_PER_STATEMENT: usize = 500;

/// Operation ids looked up per query.
pub(super) const LOOKUPS_PER_QUERY: usize = 500;

/// The columns of a log row, in the order [`PendingBooks::log`] takes their values.
pub const LOG_COLUMNS: [&str; 10] = [
    "server_seq",
    "op_id",
    "device_id",
    "device_seq",
    "warehouse_id",
    "op_type",
    "received_at",
    "entry",
    "at",
    "status",
];

/// The columns of a ledger row, as a push's flush writes them.
pub const LEDGER_COLUMNS: [&str; 7] = [
    "op_id",
    "item_id",
    "location_id",
    "lot",
    "expiry",
    "plate_id",
    "qty",
];

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
    /// Log rows: the values of [`LOG_COLUMNS`].
    log: RefCell<Vec<Vec<Value>>>,
    /// The server sequence number the next logged operation gets, once known.
    next_seq: Cell<Option<u64>>,
    /// When the push was received (its log rows' `received_at`), taken at its first entry.
    received_at: std::cell::OnceCell<String>,
    /// What the push's entries read more than once.
    pub memo: ReadMemo,
    /// The plates the push placed, and those it read.
    pub plates: PendingPlates,
}

impl PendingBooks {
    /// Logs an operation: `values` are those of [`LOG_COLUMNS`] after the first, which this
    /// returns (the operation's server sequence number).
    pub fn log(&self, tx: &dyn Db, values: Vec<Value>) -> StorageResult<u64> {
        let seq = match self.next_seq.get() {
            Some(seq) => seq,
            None => super::max_seq(tx)? + 1,
        };
        self.next_seq.set(Some(seq + 1));
        let mut row = Vec::with_capacity(LOG_COLUMNS.len());
        row.push(Value::Int(seq as i64));
        row.extend(values);
        self.log.borrow_mut().push(row);
        Ok(seq)
    }

    /// When the operations logged in this transaction were received, on the server's clock: one
    /// time for all of them, as they are one push.
    pub fn received_at(&self) -> String {
        self.received_at
            .get_or_init(|| chrono::Utc::now().to_rfc3339())
            .clone()
    }

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

    /// What the push changed at a location and has not written yet, per item.
    pub fn deltas_at(
        &self,
        location: aisle_domain::LocationId,
    ) -> Vec<(aisle_domain::ItemId, i64)> {
        self.stock
            .borrow()
            .iter()
            .filter(|(k, t)| k.location == location && t.delta != 0)
            .map(|(k, t)| (k.item, t.delta))
            .collect()
    }

    /// Writes everything gathered: plates, log rows, ledger rows, stock, and `stock_changes`.
    pub fn flush(&self, tx: &dyn Db) -> StorageResult<()> {
        self.memo.clear();
        self.plates.flush(tx)?;
        self.next_seq.set(None);
        let log = std::mem::take(&mut *self.log.borrow_mut());
        if !log.is_empty() {
            tx.insert_rows("ops", &LOG_COLUMNS, log).map_err(|err| {
                // A push's first attempt, which does not look its operation ids up, meets this
                // for an id logged before and is written again with them looked up (`strays`);
                // otherwise only a server operation can.
                if err.is_unique_violation() {
                    StorageError::Conflict(said!(
                        "sync.already_logged",
                        "an operation id already logged; nothing from this transaction was applied: {reason}",
                        reason = err.to_string()
                    ))
                } else {
                    err.into()
                }
            })?;
        }
        let ledger: Vec<Vec<Value>> = std::mem::take(&mut *self.ledger.borrow_mut())
            .into_iter()
            .map(|(op, d)| {
                let (item, loc, lot, expiry, plate) = key_columns(&d.key);
                [op.to_string(), item, loc, lot, expiry, plate]
                    .into_iter()
                    .map(Value::Text)
                    .chain([Value::Int(d.qty)])
                    .collect()
            })
            .collect();
        tx.insert_rows("ledger", &LEDGER_COLUMNS, ledger)?;
        let stock = std::mem::take(&mut *self.stock.borrow_mut());
        let now = stock_now(tx, &stock)?;
        let warehouses = warehouses_of(tx, stock.keys().map(|k| k.location))?;
        let keys: Vec<(&StockKey, &Touch)> = stock.iter().collect();
        for chunk in keys.chunks(KEYS_PER_STATEMENT) {
            let mut values = Vec::with_capacity(chunk.len() * 9);
            for (key, t) in chunk {
                let warehouse = warehouses.get(&key.location).ok_or_else(|| {
                    StorageError::Internal(format!(
                        "a push changed stock at location {}, which this server does not have",
                        key.location
                    ))
                })?;
                let (item, loc, lot, expiry, plate) = key_columns(key);
                values.push(Value::Text(warehouse.clone()));
                values.extend([item, loc, lot, expiry, plate].into_iter().map(Value::Text));
                values.extend([
                    Value::Int(t.seq as i64),
                    Value::Text(t.first_op.to_string()),
                    Value::Int(now.get(*key).copied().unwrap_or(0)),
                ]);
            }
            tx.exec(
                &format!(
                    "INSERT INTO stock_changes (warehouse_id, item_id, location_id, lot, expiry, plate_id, seq, first_op, qty)
                     VALUES {}
                     ON CONFLICT (item_id, location_id, lot, expiry, plate_id) DO UPDATE SET seq = excluded.seq, qty = excluded.qty",
                    values_list(chunk.len(), 9)
                ),
                &values,
            )?;
        }
        Ok(())
    }
}

/// The warehouse of each of `locations`, a few to a query: `stock_changes` rows carry it. (A
/// subquery per row in the statement was about a third of writing them; docs/PERFORMANCE.md,
/// session 20.)
fn warehouses_of(
    tx: &dyn Db,
    locations: impl Iterator<Item = LocationId>,
) -> StorageResult<HashMap<LocationId, String>> {
    let locations: BTreeSet<LocationId> = locations.collect();
    let locations: Vec<Value> = locations
        .into_iter()
        .map(|l| Value::Text(l.to_string()))
        .collect();
    let mut out = HashMap::with_capacity(locations.len());
    for chunk in locations.chunks(LOOKUPS_PER_QUERY) {
        let rows = tx.rows(
            &format!(
                "SELECT id, warehouse_id FROM locations WHERE id IN {}",
                values_list(1, chunk.len())
            ),
            chunk,
            |r| Ok((r.get::<LocationId>(0)?, r.get::<String>(1)?)),
        )?;
        out.extend(rows);
    }
    Ok(out)
}

/// Adds each changed key's delta to `stock`, removes the keys it empties, and returns what every
/// key of `stock` holds now (a key not in the map holds nothing). Keys are written many to a
/// statement, which returns their quantities: one key at a time, a push of 10,000 receipts onto
/// new plates made 20,000 round trips to PostgreSQL (docs/PERFORMANCE.md, session 19).
fn stock_now(
    tx: &dyn Db,
    stock: &BTreeMap<StockKey, Touch>,
) -> StorageResult<HashMap<StockKey, i64>> {
    let mut now = HashMap::with_capacity(stock.len());
    let changed: Vec<(&StockKey, i64)> = stock
        .iter()
        .filter(|(_, t)| t.delta != 0)
        .map(|(k, t)| (k, t.delta))
        .collect();
    for chunk in changed.chunks(KEYS_PER_STATEMENT) {
        let mut values = Vec::with_capacity(chunk.len() * 6);
        for (key, delta) in chunk {
            let (item, loc, lot, expiry, plate) = key_columns(key);
            values.extend([item, loc, lot, expiry, plate].into_iter().map(Value::Text));
            values.push(Value::Int(*delta));
        }
        let rows = tx.rows(
            &format!(
                "INSERT INTO stock (item_id, location_id, lot, expiry, plate_id, qty) VALUES {}
                 ON CONFLICT (item_id, location_id, lot, expiry, plate_id) DO UPDATE SET qty = stock.qty + excluded.qty
                 RETURNING item_id, location_id, lot, expiry, plate_id, qty",
                values_list(chunk.len(), 6)
            ),
            &values,
            |r| Ok((key_from_row(r, 0)?, r.get::<i64>(5)?)),
        )?;
        for (key, qty) in rows {
            if !stock.contains_key(&key) {
                return Err(StorageError::Internal(format!(
                    "stock returned a key it was not given: {key:?}"
                )));
            }
            if qty == 0 {
                let (item, loc, lot, expiry, plate) = key_columns(&key);
                tx.exec(
                    "DELETE FROM stock WHERE item_id = ?1 AND location_id = ?2 AND lot = ?3 AND expiry = ?4 AND plate_id = ?5 AND qty = 0",
                    args![item, loc, lot, expiry, plate],
                )?;
            } else {
                now.insert(key, qty);
            }
        }
    }
    // Keys a push touched without changing (a move within one place): read as they stand.
    for (key, _) in stock.iter().filter(|(_, t)| t.delta == 0) {
        let (item, loc, lot, expiry, plate) = key_columns(key);
        let qty: Option<i64> = tx.value(
            "SELECT qty FROM stock WHERE item_id = ?1 AND location_id = ?2 AND lot = ?3 AND expiry = ?4 AND plate_id = ?5",
            args![item, loc, lot, expiry, plate],
        )?;
        if let Some(qty) = qty {
            now.insert(key.clone(), qty);
        }
    }
    Ok(now)
}

#[cfg(test)]
mod tests {
    use super::super::tests::on_both;
    use super::*;
    use crate::storage::Administration;
    use aisle_domain::ItemId;

    /// A flush that changes stock in two warehouses (a server operation may) gives each
    /// `stock_changes` row its own location's warehouse: pulls are per warehouse, so a row under
    /// the other one would never reach the devices that hold that stock.
    #[test]
    fn each_changed_key_is_pulled_in_its_own_warehouse() {
        on_both(|storage| {
            storage.load_demo(1, 5).unwrap();
            let tx = storage.write().unwrap();
            let places: Vec<(LocationId, String)> = tx
                .rows(
                    "SELECT l.id, w.code FROM locations l JOIN warehouses w ON w.id = l.warehouse_id
                     WHERE l.id IN (SELECT MIN(id) FROM locations GROUP BY warehouse_id)",
                    &[],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert!(places.len() >= 2, "the demo has two warehouses: {places:?}");
            let item: ItemId = tx
                .one("SELECT MIN(id) FROM items", &[], |r| r.get(0))
                .unwrap();
            let books = PendingBooks::default();
            let deltas = places
                .iter()
                .map(|(loc, _)| Delta {
                    key: StockKey::loose(item, *loc),
                    qty: 3,
                })
                .collect();
            books.add(OpId::new(), 1_000_000, deltas);
            books.flush(&tx).unwrap();
            let wrong: Vec<(String, String)> = tx
                .rows(
                    "SELECT c.location_id, c.warehouse_id FROM stock_changes c
                     JOIN locations l ON l.id = c.location_id
                     WHERE c.seq = 1000000 AND c.warehouse_id <> l.warehouse_id",
                    &[],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert!(wrong.is_empty(), "rows under another warehouse: {wrong:?}");
            let written: i64 = tx
                .one(
                    "SELECT COUNT(*) FROM stock_changes WHERE seq = 1000000",
                    &[],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(written as usize, places.len());

            // The books audit says so when a row is filed under another warehouse.
            let elsewhere = |tx: &dyn Db| -> Vec<String> {
                crate::books::audit(tx)
                    .unwrap()
                    .warehouses
                    .into_iter()
                    .flat_map(|w| w.problems)
                    .filter(|p| p.contains("pulls send it to the devices of warehouse"))
                    .collect()
            };
            assert!(elsewhere(&tx).is_empty(), "{:?}", elsewhere(&tx));
            tx.exec(
                "UPDATE stock_changes SET warehouse_id = (SELECT warehouse_id FROM locations WHERE id = ?1)
                 WHERE seq = 1000000 AND location_id = ?2",
                &[
                    Value::Text(places[0].0.to_string()),
                    Value::Text(places[1].0.to_string()),
                ],
            )
            .unwrap();
            let found = elsewhere(&tx);
            assert_eq!(found.len(), 1, "{found:?}");
            assert!(found[0].contains(&places[0].1), "{found:?}");
        });
    }
}
