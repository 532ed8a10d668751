//! The books audit (`aisle-server audit`): per warehouse, on-hand stock equals the sum of the
//! ledger, and the ledger equals the effects of the applied operations (each logged operation's
//! ledger rows are exactly its effects; a held operation has none; no ledger row belongs to no
//! operation), and what state pulls send (`stock_changes`) equals stock, each key under its
//! location's warehouse. A mismatch is a bug or tampering, never a warehouse event: exceptions are
//! where warehouse events go.

use crate::error::StorageResult;
use aisle_domain::ledger::{StockKey, net};
use aisle_domain::op::ChangeLogEntry;
use aisle_ledger::audit::ledger_against_stock;
use aisle_ledger::db::{Db, DbExt};
use aisle_ledger::effects::key_from_row;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// What the audit found in one warehouse.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WarehouseBooks {
    pub warehouse: String,
    /// Logged operations applied to stock.
    pub applied: u64,
    /// Logged operations held for a supervisor (no ledger rows).
    pub held: u64,
    pub ledger_rows: u64,
    /// Everything that disagrees, in words.
    pub problems: Vec<String>,
}

/// The whole audit; `ok` when no warehouse has a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BooksAudit {
    pub ok: bool,
    pub warehouses: Vec<WarehouseBooks>,
}

fn describe(key: &StockKey) -> String {
    let mut s = format!("item {} at {}", key.item, key.location);
    if let Some(lot) = &key.lot {
        s.push_str(&format!(" lot {lot}"));
    }
    if let Some(p) = key.plate {
        s.push_str(&format!(" plate {p}"));
    }
    s
}

fn differences(want: &BTreeMap<StockKey, i64>, got: &BTreeMap<StockKey, i64>) -> String {
    let mut keys: Vec<&StockKey> = want.keys().chain(got.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| want.get(*k) != got.get(*k))
        .map(|k| {
            format!(
                "{}: effects {:+}, ledger {:+}",
                describe(k),
                want.get(k).copied().unwrap_or(0),
                got.get(k).copied().unwrap_or(0)
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Keys whose quantity in `stock_changes` (what a state pull sends) differs from stock, and stock
/// keys it lacks (no pull would ever send them): the key, the quantity pulls send (none without a
/// row) and the stock.
fn pulled_against_stock(conn: &dyn Db) -> StorageResult<Vec<(StockKey, Option<i64>, i64)>> {
    let same_key = "s.item_id = c.item_id AND s.location_id = c.location_id AND s.lot = c.lot \
                    AND s.expiry = c.expiry AND s.plate_id = c.plate_id";
    Ok(conn.rows(
        &format!(
            "SELECT c.item_id, c.location_id, c.lot, c.expiry, c.plate_id, CAST(c.qty AS BIGINT), CAST(COALESCE(s.qty, 0) AS BIGINT)
             FROM stock_changes c LEFT JOIN stock s ON {same_key} WHERE c.qty <> COALESCE(s.qty, 0)
             UNION ALL
             SELECT s.item_id, s.location_id, s.lot, s.expiry, s.plate_id, NULL, CAST(s.qty AS BIGINT) FROM stock s
             WHERE NOT EXISTS (SELECT 1 FROM stock_changes c WHERE {same_key})"
        ),
        &[],
        |r| Ok((key_from_row(r, 0)?, r.get(5)?, r.get(6)?)),
    )?)
}

/// Keys whose `stock_changes` row is filed under another warehouse than its location's (or under a
/// location this server does not have): pulls are per warehouse, so the devices that hold that
/// stock would never be sent it. The key and the warehouse it is filed under.
fn pulled_elsewhere(conn: &dyn Db) -> StorageResult<Vec<(StockKey, String)>> {
    Ok(conn.rows(
        "SELECT c.item_id, c.location_id, c.lot, c.expiry, c.plate_id, c.warehouse_id
         FROM stock_changes c LEFT JOIN locations l ON l.id = c.location_id
         WHERE l.warehouse_id IS NULL OR l.warehouse_id <> c.warehouse_id",
        &[],
        |r| Ok((key_from_row(r, 0)?, r.get(5)?)),
    )?)
}

/// Audits every warehouse. Reads the whole ledger once (grouped by operation in memory) and
/// streams the operation log.
pub(crate) fn audit(conn: &dyn Db) -> StorageResult<BooksAudit> {
    let mut books: BTreeMap<String, WarehouseBooks> = BTreeMap::new();
    let mut codes: HashMap<String, String> = HashMap::new();
    {
        let rows = conn.rows("SELECT id, code FROM warehouses", &[], |r| {
            Ok((r.get::<String>(0)?, r.get::<String>(1)?))
        })?;
        for (id, code) in rows {
            books.insert(
                code.clone(),
                WarehouseBooks {
                    warehouse: code.clone(),
                    ..WarehouseBooks::default()
                },
            );
            codes.insert(id, code);
        }
    }
    let mut location_wh: HashMap<String, String> = HashMap::new();
    {
        let rows = conn.rows("SELECT id, warehouse_id FROM locations", &[], |r| {
            Ok((r.get::<String>(0)?, r.get::<String>(1)?))
        })?;
        for (loc, wh) in rows {
            location_wh.insert(loc, codes.get(&wh).cloned().unwrap_or(wh));
        }
    }
    let wh_of = |loc: &str| location_wh.get(loc).cloned().unwrap_or_else(|| "?".into());
    let problem = |books: &mut BTreeMap<String, WarehouseBooks>, wh: String, p: String| {
        books
            .entry(wh.clone())
            .or_insert_with(|| WarehouseBooks {
                warehouse: wh,
                ..WarehouseBooks::default()
            })
            .problems
            .push(p);
    };

    // The ledger, grouped by operation.
    let mut ledger: HashMap<String, Vec<(StockKey, i64)>> = HashMap::new();
    {
        conn.each(
            "SELECT op_id, item_id, location_id, lot, expiry, plate_id, qty FROM ledger",
            &[],
            &mut |r| {
                let key = key_from_row(r, 1)?;
                if let Some(b) = books.get_mut(&wh_of(&key.location.to_string())) {
                    b.ledger_rows += 1;
                }
                ledger.entry(r.get(0)?).or_default().push((key, r.get(6)?));
                Ok(())
            },
        )?;
    }

    // Every logged operation against its ledger rows.
    {
        conn.each(
            "SELECT o.op_id, w.code, o.status, o.entry FROM ops o LEFT JOIN warehouses w ON w.id = o.warehouse_id ORDER BY o.server_seq",
            &[],
            &mut |r| {
            let op_id: String = r.get(0)?;
            let wh: String = r.get::<Option<String>>(1)?.unwrap_or_else(|| "?".into());
            let held = r.get::<String>(2)? == "held";
            let entry: ChangeLogEntry = serde_json::from_str(&r.get::<String>(3)?)?;
            let rows = ledger.remove(&op_id).unwrap_or_default();
            let got = net(rows
                .into_iter()
                .map(|(key, qty)| aisle_domain::Delta { key, qty }));
            let want = if held {
                BTreeMap::new()
            } else {
                net(entry.op.effects())
            };
            if let Some(b) = books.get_mut(&wh) {
                if held {
                    b.held += 1;
                } else {
                    b.applied += 1;
                }
            }
            if got != want {
                let what = if held { "held " } else { "" };
                problem(
                    &mut books,
                    wh,
                    format!(
                        "{what}operation {op_id} (#{} of device {}, {}): {}",
                        entry.seq,
                        entry.device_id,
                        entry.op.kind(),
                        differences(&want, &got)
                    ),
                );
            }
            Ok(())
        })?;
    }
    // Ledger rows of no logged operation.
    let mut orphans: Vec<(String, Vec<(StockKey, i64)>)> = ledger.into_iter().collect();
    orphans.sort_by(|a, b| a.0.cmp(&b.0));
    for (op_id, rows) in orphans {
        let got = net(rows
            .into_iter()
            .map(|(key, qty)| aisle_domain::Delta { key, qty }));
        let Some(first) = got.keys().next() else {
            continue;
        };
        let wh = wh_of(&first.location.to_string());
        problem(
            &mut books,
            wh,
            format!(
                "ledger rows under {op_id} belong to no logged operation: {}",
                differences(&BTreeMap::new(), &got)
            ),
        );
    }
    // Materialized stock against the ledger.
    for m in ledger_against_stock(conn)? {
        let wh = wh_of(&m.location_id);
        problem(&mut books, wh, format!("stock line {m}"));
    }
    // What state pulls send (`stock_changes`) against stock.
    for (key, pulled, on_hand) in pulled_against_stock(conn)? {
        let wh = wh_of(&key.location.to_string());
        let pulled = pulled.map_or("no row".to_string(), |q| q.to_string());
        problem(
            &mut books,
            wh,
            format!(
                "{}: pulls send {pulled}, stock holds {on_hand}",
                describe(&key)
            ),
        );
    }
    for (key, filed) in pulled_elsewhere(conn)? {
        let wh = wh_of(&key.location.to_string());
        let filed = codes.get(&filed).cloned().unwrap_or(filed);
        problem(
            &mut books,
            wh,
            format!(
                "{}: pulls send it to the devices of warehouse {filed}, not of its location's",
                describe(&key)
            ),
        );
    }
    let warehouses: Vec<WarehouseBooks> = books.into_values().collect();
    Ok(BooksAudit {
        ok: warehouses.iter().all(|w| w.problems.is_empty()),
        warehouses,
    })
}
