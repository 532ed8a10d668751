//! Replenishment on the server's SQLite store: each item's stock position per warehouse (on hand,
//! allocated to open orders, on order from suppliers), its reorder policy, its daily demand from
//! picks, a forecast chosen by backtest, and what to order. A purchase order becomes expected
//! receipt lines, which devices download like any imported receipt.

use crate::error::{StorageError, StorageResult};
use aisle_domain::allocation;
use aisle_domain::cycle_count::{self, AbcClass};
use aisle_domain::forecast::{self, Choice};
use aisle_domain::replenish::{self, Levels, Policy, PolicyKind, Position, Suggestion};
use aisle_ledger::effects::none_if_empty;
use chrono::{Days, NaiveDate};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use std::collections::HashMap;

/// Days of demand history the forecast looks at, and the backtest's holdout.
pub const HISTORY_DAYS: u32 = 182;
pub const HOLDOUT_DAYS: usize = 28;

/// One item's replenishment in one warehouse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplenishmentLine {
    pub sku: String,
    pub description: String,
    pub position: Position,
    pub policy: Policy,
    /// `policy` when set for the warehouse, else `item` (the item master's reorder fields).
    pub policy_source: &'static str,
    pub suggestion: Option<Suggestion>,
    pub forecast: ForecastSummary,
}

/// What the forecast says about the policy, in numbers and words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastSummary {
    pub method: forecast::Method,
    pub mase: Option<f64>,
    pub naive_mase: Option<f64>,
    pub reason: String,
    pub levels: Levels,
}

pub(crate) fn warehouse_id(conn: &Connection, code: &str) -> StorageResult<String> {
    conn.query_row("SELECT id FROM warehouses WHERE code = ?1", [code], |r| {
        r.get(0)
    })
    .optional()?
    .ok_or_else(|| StorageError::NotFound(format!("no warehouse {code:?}")))
}

pub(crate) fn item_id(conn: &Connection, sku: &str) -> StorageResult<String> {
    conn.query_row("SELECT id FROM items WHERE sku = ?1", [sku], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StorageError::NotFound(format!("no item with SKU {sku:?}")))
}

/// Units picked per day for the last `days` days up to `today`, oldest first, zeros included.
/// Days come from the device clock of each pick (when it happened, not when it synced).
pub(crate) fn demand_history(
    conn: &Connection,
    warehouse: &str,
    item: &str,
    days: u32,
    today: NaiveDate,
) -> StorageResult<Vec<(NaiveDate, i64)>> {
    let first = today - Days::new(u64::from(days.saturating_sub(1)));
    let mut stmt = conn.prepare_cached(
        "SELECT substr(at, 1, 10) AS day,
                SUM(json_extract(entry, '$.op.qty'))
         FROM ops
         WHERE op_type = 'pick' AND warehouse_id = ?1
           AND json_extract(entry, '$.op.key.item') = ?2
           AND day >= ?3 AND day <= ?4
         GROUP BY day",
    )?;
    let by_day: HashMap<String, i64> = stmt
        .query_map(
            params![warehouse, item, first.to_string(), today.to_string()],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    Ok(first
        .iter_days()
        .take(days as usize)
        .map(|d| (d, by_day.get(&d.to_string()).copied().unwrap_or(0)))
        .collect())
}

pub(crate) fn set_policy(
    conn: &Connection,
    warehouse: &str,
    sku: &str,
    policy: &Policy,
) -> StorageResult<()> {
    policy.check().map_err(StorageError::Invalid)?;
    let wh = warehouse_id(conn, warehouse)?;
    let item = item_id(conn, sku)?;
    conn.execute(
        "INSERT INTO reorder_policies (warehouse_id, item_id, policy) VALUES (?1, ?2, ?3)
         ON CONFLICT(warehouse_id, item_id) DO UPDATE SET policy = excluded.policy",
        params![wh, item, serde_json::to_string(policy)?],
    )?;
    Ok(())
}

fn position(conn: &Connection, wh: &str, item: &str) -> StorageResult<Position> {
    let one = |sql: &str| -> StorageResult<i64> {
        Ok(conn.query_row(sql, params![wh, item], |r| r.get(0))?)
    };
    Ok(Position {
        on_hand: one(
            "SELECT COALESCE(SUM(s.qty), 0) FROM stock s JOIN locations l ON l.id = s.location_id
             WHERE l.warehouse_id = ?1 AND s.item_id = ?2",
        )?,
        allocated: one(
            "SELECT COALESCE(SUM(MAX(qty - picked_qty, 0)), 0) FROM order_lines
             WHERE warehouse_id = ?1 AND item_id = ?2",
        )?,
        on_order: one(
            "SELECT COALESCE(SUM(MAX(expected_qty - received_qty, 0)), 0) FROM receipt_lines
             WHERE warehouse_id = ?1 AND item_id = ?2",
        )?,
    })
}

/// Every item of the warehouse that has a policy (its own or from the item master), with what
/// to order now. Items that need ordering come first.
pub(crate) fn replenishment(
    conn: &Connection,
    warehouse: &str,
    today: NaiveDate,
    service_level: f64,
) -> StorageResult<Vec<ReplenishmentLine>> {
    if !(service_level > 0.0 && service_level < 1.0) {
        return Err(StorageError::Invalid(format!(
            "service level {service_level} must be between 0 and 1 (for example 0.95)"
        )));
    }
    let wh = warehouse_id(conn, warehouse)?;
    let mut stmt = conn.prepare(
        "SELECT i.id, i.sku, i.description, i.reorder_point, i.min_qty, i.max_qty, p.policy
         FROM items i LEFT JOIN reorder_policies p ON p.item_id = i.id AND p.warehouse_id = ?1
         ORDER BY i.sku",
    )?;
    type Row = (
        String,
        String,
        String,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<String>,
    );
    let rows: Vec<Row> = stmt
        .query_map([&wh], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for (id, sku, description, rop, min, max, stored) in rows {
        let (policy, source) = match stored {
            Some(json) => (serde_json::from_str::<Policy>(&json)?, "policy"),
            None => match (rop.or(min), max) {
                (Some(min), Some(max)) if max > min => (
                    Policy {
                        kind: PolicyKind::MinMax { min, max },
                        safety_stock: 0,
                        lead_time_days: 7,
                    },
                    "item",
                ),
                _ => continue,
            },
        };
        let pos = position(conn, &wh, &id)?;
        let history: Vec<f64> = demand_history(conn, &wh, &id, HISTORY_DAYS, today)?
            .into_iter()
            .map(|(_, q)| q as f64)
            .collect();
        let choice: Choice =
            forecast::choose(&history, HOLDOUT_DAYS, policy.lead_time_days as usize);
        let levels = replenish::levels(&choice, policy.lead_time_days, service_level)
            .map_err(StorageError::Invalid)?;
        let mase = choice.chosen_mase();
        out.push(ReplenishmentLine {
            sku,
            description,
            suggestion: replenish::suggest(&policy, &pos),
            position: pos,
            policy,
            policy_source: source,
            forecast: ForecastSummary {
                method: choice.fit.method,
                mase,
                naive_mase: choice.naive_mase,
                reason: choice.reason,
                levels,
            },
        });
    }
    out.sort_by_key(|l| l.suggestion.is_none());
    Ok(out)
}

/// Creates purchase order `PO-<n>` with one expected receipt line per `(sku, qty)`.
pub(crate) fn create_purchase_order(
    tx: &Connection,
    warehouse: &str,
    lines: &[(String, i64)],
    expected: Option<NaiveDate>,
    changed: impl Fn(&Connection, &str, &str) -> StorageResult<()>,
) -> StorageResult<String> {
    if lines.is_empty() {
        return Err(StorageError::Invalid(
            "a purchase order needs at least one line".into(),
        ));
    }
    let wh = warehouse_id(tx, warehouse)?;
    let mut items = Vec::with_capacity(lines.len());
    for (sku, qty) in lines {
        if *qty < 1 {
            return Err(StorageError::Invalid(format!(
                "{sku}: quantity {qty} must be at least 1"
            )));
        }
        items.push(item_id(tx, sku)?);
    }
    let n: i64 = tx.query_row(
        "UPDATE po_counter SET last = last + 1 RETURNING last",
        [],
        |r| r.get(0),
    )?;
    let po = format!("PO-{n:06}");
    for (i, ((_, qty), item)) in lines.iter().zip(items).enumerate() {
        let id = aisle_domain::ReceiptLineId::new().to_string();
        tx.execute(
            "INSERT INTO receipt_lines (id, receipt, line, warehouse_id, item_id, expected_qty, expected_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![id, po, i as i64 + 1, wh, item, qty, expected.map(|d| d.to_string())],
        )?;
        changed(tx, "receipt_line", &id)?;
    }
    Ok(po)
}

/// An item found by a stock search, with its stock per warehouse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StockHit {
    pub sku: String,
    pub description: String,
    /// `(warehouse code, on hand)`, every warehouse that holds some.
    pub warehouses: Vec<(String, i64)>,
}

/// Items whose SKU, description or barcode contains `q` (case-insensitive), by SKU.
pub(crate) fn stock_search(conn: &Connection, q: &str, limit: u32) -> StorageResult<Vec<StockHit>> {
    let q = q.trim();
    if q.is_empty() {
        return Err(StorageError::Invalid(
            "type part of a SKU, description or barcode".into(),
        ));
    }
    let pattern = format!(
        "%{}%",
        q.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let mut stmt = conn.prepare(
        "SELECT id, sku, description FROM items
         WHERE sku LIKE ?1 ESCAPE '\\' OR description LIKE ?1 ESCAPE '\\' OR codes LIKE ?1 ESCAPE '\\'
         ORDER BY sku LIMIT ?2",
    )?;
    let items: Vec<(String, String, String)> = stmt
        .query_map(params![pattern, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut per_wh = conn.prepare_cached(
        "SELECT w.code, SUM(s.qty) FROM stock s JOIN locations l ON l.id = s.location_id
         JOIN warehouses w ON w.id = l.warehouse_id
         WHERE s.item_id = ?1 GROUP BY w.code HAVING SUM(s.qty) <> 0 ORDER BY w.code",
    )?;
    let mut out = Vec::with_capacity(items.len());
    for (id, sku, description) in items {
        let warehouses = per_wh
            .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        out.push(StockHit {
            sku,
            description,
            warehouses,
        });
    }
    Ok(out)
}

/// A stock line of an item at a location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocationStock {
    pub location: String,
    pub lot: Option<String>,
    pub expiry: Option<String>,
    pub plate: Option<String>,
    pub qty: i64,
}

/// One forecast day with its prediction interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastDay {
    pub day: NaiveDate,
    pub qty: f64,
    pub low: f64,
    pub high: f64,
}

/// Everything the item page shows for one warehouse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemDetail {
    pub sku: String,
    pub description: String,
    pub warehouse: String,
    pub stock: Vec<LocationStock>,
    pub history: Vec<(NaiveDate, i64)>,
    pub method: forecast::Method,
    pub reason: String,
    pub mase: Option<f64>,
    pub naive_mase: Option<f64>,
    pub service_level: f64,
    pub forecast: Vec<ForecastDay>,
    /// On hand, allocated to open orders and on order here (available = on hand − allocated).
    pub position: Position,
    /// The latest movements of the item here, newest first.
    pub movements: Vec<Movement>,
}

/// One ledger entry of an item: what changed where, and who did it with which scans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Movement {
    pub server_seq: u64,
    pub at: String,
    pub op_type: String,
    pub sku: String,
    pub location: String,
    pub lot: Option<String>,
    pub qty: i64,
    pub operator: String,
    pub device: String,
    pub scans: Vec<String>,
}

/// Movements shown on the item and location pages.
pub const MOVEMENTS: u32 = 50;

/// Whose movements: an item's, or a location's.
#[derive(Debug, Clone, Copy)]
enum Of<'a> {
    Item(&'a str),
    Location(&'a str),
}

fn movements(conn: &Connection, wh: &str, of: Of<'_>) -> StorageResult<Vec<Movement>> {
    let (column, id) = match of {
        Of::Item(id) => ("g.item_id", id),
        Of::Location(id) => ("g.location_id", id),
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT o.server_seq, o.at, o.op_type, l.code, g.lot, g.qty,
                json_extract(o.entry, '$.operator'), COALESCE(d.name, 'server'), json_extract(o.entry, '$.scans'), i.sku
         FROM ledger g JOIN ops o ON o.op_id = g.op_id JOIN locations l ON l.id = g.location_id
         JOIN items i ON i.id = g.item_id
         LEFT JOIN devices d ON d.id = o.device_id
         WHERE {column} = ?1 AND l.warehouse_id = ?2
         ORDER BY o.server_seq DESC, g.id DESC LIMIT ?3"
    ))?;
    let rows = stmt
        .query_map(params![id, wh, MOVEMENTS], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, String>(9)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(
            |(seq, at, op_type, location, lot, qty, operator, device, scans, sku)| {
                Ok(Movement {
                    server_seq: seq as u64,
                    at,
                    op_type,
                    sku,
                    location,
                    lot: none_if_empty(lot),
                    qty,
                    operator,
                    device,
                    scans: serde_json::from_str(&scans)?,
                })
            },
        )
        .collect()
}

/// Days of forecast on the item page.
pub const FORECAST_DAYS: usize = 28;

pub(crate) fn item_detail(
    conn: &Connection,
    warehouse: &str,
    sku: &str,
    today: NaiveDate,
    service_level: f64,
) -> StorageResult<ItemDetail> {
    let z = forecast::normal_quantile(service_level).ok_or_else(|| {
        StorageError::Invalid(format!(
            "service level {service_level} must be between 0 and 1"
        ))
    })?;
    let wh = warehouse_id(conn, warehouse)?;
    let item = item_id(conn, sku)?;
    let description: String = conn.query_row(
        "SELECT description FROM items WHERE id = ?1",
        [&item],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(
        "SELECT l.code, s.lot, s.expiry, COALESCE(p.code, ''), s.qty FROM stock s
         JOIN locations l ON l.id = s.location_id
         LEFT JOIN plates p ON p.id = s.plate_id
         WHERE s.item_id = ?1 AND l.warehouse_id = ?2 AND s.qty <> 0
         ORDER BY l.code, s.expiry, s.lot",
    )?;
    let opt = none_if_empty;
    let stock = stmt
        .query_map(params![item, wh], |r| {
            Ok(LocationStock {
                location: r.get(0)?,
                lot: opt(r.get(1)?),
                expiry: opt(r.get(2)?),
                plate: opt(r.get(3)?),
                qty: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let history = demand_history(conn, &wh, &item, HISTORY_DAYS, today)?;
    let series: Vec<f64> = history.iter().map(|(_, q)| *q as f64).collect();
    let choice = forecast::choose(&series, HOLDOUT_DAYS, FORECAST_DAYS);
    let mase = choice.chosen_mase();
    let forecast = choice
        .fit
        .forecast
        .iter()
        .enumerate()
        .map(|(h, &qty)| {
            // The error of an h-day-ahead forecast grows like √h under the usual assumptions.
            let spread = z * choice.fit.rmse * ((h + 1) as f64).sqrt();
            ForecastDay {
                day: today + Days::new(h as u64 + 1),
                qty,
                low: (qty - spread).max(0.0),
                high: qty + spread,
            }
        })
        .collect();
    Ok(ItemDetail {
        sku: sku.to_string(),
        description,
        warehouse: warehouse.to_string(),
        stock,
        history,
        method: choice.fit.method,
        reason: choice.reason,
        mase,
        naive_mase: choice.naive_mase,
        service_level,
        forecast,
        position: position(conn, &wh, &item)?,
        movements: movements(conn, &wh, Of::Item(&item))?,
    })
}

/// A stock line at a location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldStock {
    pub sku: String,
    pub description: String,
    pub lot: Option<String>,
    pub expiry: Option<String>,
    pub plate: Option<String>,
    pub qty: i64,
}

/// Everything the location page shows: what is there, and what happened there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocationDetail {
    pub warehouse: String,
    pub code: String,
    pub barcode: String,
    pub kind: String,
    pub capacity: Option<i64>,
    pub stock: Vec<HeldStock>,
    /// The latest movements at the location, newest first.
    pub movements: Vec<Movement>,
}

pub(crate) fn location_detail(
    conn: &Connection,
    warehouse: &str,
    code: &str,
) -> StorageResult<LocationDetail> {
    let wh = warehouse_id(conn, warehouse)?;
    let found: Option<(String, String, String, Option<i64>)> = conn
        .query_row(
            "SELECT id, barcode, kind, capacity FROM locations WHERE warehouse_id = ?1 AND code = ?2",
            params![wh, code],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let (id, barcode, kind, capacity) = found.ok_or_else(|| {
        StorageError::NotFound(format!("no location {code:?} in warehouse {warehouse}"))
    })?;
    let mut stmt = conn.prepare(
        "SELECT i.sku, i.description, s.lot, s.expiry, COALESCE(p.code, ''), s.qty FROM stock s
         JOIN items i ON i.id = s.item_id LEFT JOIN plates p ON p.id = s.plate_id
         WHERE s.location_id = ?1 AND s.qty <> 0 ORDER BY i.sku, s.expiry, s.lot",
    )?;
    let stock = stmt
        .query_map([&id], |r| {
            Ok(HeldStock {
                sku: r.get(0)?,
                description: r.get(1)?,
                lot: none_if_empty(r.get(2)?),
                expiry: none_if_empty(r.get(3)?),
                plate: none_if_empty(r.get(4)?),
                qty: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(LocationDetail {
        warehouse: warehouse.to_string(),
        code: code.to_string(),
        barcode,
        kind,
        capacity,
        stock,
        movements: movements(conn, &wh, Of::Location(&id))?,
    })
}

/// Stock of one lot, wherever it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LotStock {
    pub warehouse: String,
    pub location: String,
    pub sku: String,
    pub description: String,
    pub expiry: Option<String>,
    pub plate: Option<String>,
    pub qty: i64,
}

/// Every stock line of a lot (exact lot number) in every warehouse, by warehouse and location.
pub(crate) fn lot_stock(conn: &Connection, lot: &str) -> StorageResult<Vec<LotStock>> {
    let lot = lot.trim();
    if lot.is_empty() {
        return Err(StorageError::Invalid("name a lot number".into()));
    }
    let mut stmt = conn.prepare(
        "SELECT w.code, l.code, i.sku, i.description, s.expiry, COALESCE(p.code, ''), s.qty FROM stock s
         JOIN locations l ON l.id = s.location_id JOIN warehouses w ON w.id = l.warehouse_id
         JOIN items i ON i.id = s.item_id LEFT JOIN plates p ON p.id = s.plate_id
         WHERE s.lot = ?1 AND s.qty <> 0 ORDER BY w.code, l.code, i.sku",
    )?;
    Ok(stmt
        .query_map([lot], |r| {
            Ok(LotStock {
                warehouse: r.get(0)?,
                location: r.get(1)?,
                sku: r.get(2)?,
                description: r.get(3)?,
                expiry: none_if_empty(r.get(4)?),
                plate: none_if_empty(r.get(5)?),
                qty: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Days of picks that decide an item's ABC class.
pub const ABC_DAYS: u64 = 90;

/// An item's place in the cycle-count plan of a warehouse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountTask {
    pub sku: String,
    pub description: String,
    pub class: AbcClass,
    /// Units picked in the last 90 days.
    pub movement: i64,
    pub last_counted: Option<NaiveDate>,
    pub due_on: NaiveDate,
    /// Where it is, to count location by location.
    pub locations: Vec<String>,
}

/// Every item stocked in the warehouse with its ABC class and when it is next due for counting,
/// most overdue first.
pub(crate) fn count_plan(
    conn: &Connection,
    warehouse: &str,
    today: NaiveDate,
) -> StorageResult<Vec<CountTask>> {
    let wh = warehouse_id(conn, warehouse)?;
    let since = (today - Days::new(ABC_DAYS)).to_string();
    let mut stmt = conn.prepare(
        "SELECT i.id, i.sku, i.description,
            (SELECT COALESCE(SUM(json_extract(o.entry, '$.op.qty')), 0) FROM ops o
              WHERE o.op_type = 'pick' AND o.warehouse_id = ?1
                AND json_extract(o.entry, '$.op.key.item') = i.id
                AND substr(o.at, 1, 10) >= ?2),
            (SELECT MAX(substr(o.at, 1, 10)) FROM ops o
              WHERE o.op_type = 'count' AND o.warehouse_id = ?1
                AND json_extract(o.entry, '$.op.key.item') = i.id),
            (SELECT group_concat(code, ' ') FROM (SELECT DISTINCT l.code FROM stock s
               JOIN locations l ON l.id = s.location_id
              WHERE s.item_id = i.id AND l.warehouse_id = ?1 AND s.qty <> 0 ORDER BY l.code))
         FROM items i
         WHERE EXISTS (SELECT 1 FROM stock s JOIN locations l ON l.id = s.location_id
                        WHERE s.item_id = i.id AND l.warehouse_id = ?1 AND s.qty <> 0)
         ORDER BY i.sku",
    )?;
    type Row = (String, String, String, i64, Option<String>, Option<String>);
    let rows: Vec<Row> = stmt
        .query_map(params![wh, since], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let movement: Vec<(usize, f64)> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (i, r.3 as f64))
        .collect();
    let classes = cycle_count::classify(&movement);
    let mut out = Vec::with_capacity(rows.len());
    for ((_, sku, description, moved, last, locations), (_, class)) in rows.into_iter().zip(classes)
    {
        let last_counted = last
            .map(|d| {
                d.parse::<NaiveDate>().map_err(|_| {
                    StorageError::Internal(format!("stored count date {d:?} is not a date"))
                })
            })
            .transpose()?;
        out.push(CountTask {
            sku,
            description,
            class,
            movement: moved,
            due_on: cycle_count::due_on(class, last_counted, today),
            last_counted,
            locations: locations
                .unwrap_or_default()
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
        });
    }
    out.sort_by(|a, b| (a.due_on, a.class, &a.sku).cmp(&(b.due_on, b.class, &b.sku)));
    Ok(out)
}

/// Where one open order line will be picked from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineAllocation {
    pub order: String,
    pub line: u32,
    pub customer: Option<String>,
    pub sku: String,
    pub open: i64,
    pub picks: Vec<AllocatedStock>,
    pub short: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllocatedStock {
    pub location: String,
    pub lot: Option<String>,
    pub expiry: Option<String>,
    pub qty: i64,
    #[serde(skip)]
    pub(crate) location_id: String,
    #[serde(skip)]
    pub(crate) item_id: String,
}

/// Allocates every open order line of the warehouse (by order, then line) to the stock in its
/// pick faces and storage bins: FEFO for dated stock, FIFO otherwise (see
/// `aisle_domain::allocation`). Devices build their pick walks from the same open lines.
pub(crate) fn allocation(conn: &Connection, warehouse: &str) -> StorageResult<Vec<LineAllocation>> {
    let wh = warehouse_id(conn, warehouse)?;
    let mut stmt = conn.prepare(
        "SELECT o.order_no, o.line, o.customer, i.sku, o.qty - o.picked_qty FROM order_lines o
         JOIN items i ON i.id = o.item_id
         WHERE o.warehouse_id = ?1 AND o.qty > o.picked_qty
           AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_no = o.order_no AND s.status = 'shipped')
         ORDER BY o.order_no, o.line",
    )?;
    type Line = (String, u32, Option<String>, String, i64);
    let lines: Vec<Line> = stmt
        .query_map([&wh], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let supply = stock_lines(conn, &wh, "('pick_face', 'storage')", None)?;
    let demands: Vec<allocation::Demand<usize>> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| allocation::Demand {
            line: i,
            item: l.3.clone(),
            qty: l.4,
        })
        .collect();
    Ok(allocation::allocate(&demands, &supply)
        .into_iter()
        .zip(lines)
        .map(|(a, (order, line, customer, sku, open))| LineAllocation {
            order,
            line,
            customer,
            sku,
            open,
            picks: a
                .picks
                .into_iter()
                .map(|(k, qty)| AllocatedStock { qty, ..k })
                .collect(),
            short: a.short,
        })
        .collect())
}

/// An outbound order's progress: lines picked, and whether it is packed or shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderStatus {
    pub order: String,
    pub customer: Option<String>,
    pub lines: u32,
    pub ordered: i64,
    pub picked: i64,
    /// Units a supervisor cut from the order after a short pick (shipped partial, or moved to a
    /// backorder).
    pub cut: i64,
    /// `open`, `picked` (every line in full), `packed` or `shipped`.
    pub status: String,
    pub carrier: Option<String>,
    pub tracking: Option<String>,
}

pub(crate) fn orders(conn: &Connection, warehouse: &str) -> StorageResult<Vec<OrderStatus>> {
    let wh = warehouse_id(conn, warehouse)?;
    let mut stmt = conn.prepare(
        "SELECT o.order_no, MAX(o.customer), COUNT(*), SUM(o.qty), SUM(MIN(o.picked_qty, o.qty)),
                s.status, s.carrier, s.tracking, SUM(COALESCE(o.ordered_qty, o.qty))
         FROM order_lines o LEFT JOIN shipments s ON s.order_no = o.order_no
         WHERE o.warehouse_id = ?1 GROUP BY o.order_no ORDER BY o.order_no",
    )?;
    let rows = stmt
        .query_map([&wh], |r| {
            let to_pick: i64 = r.get(3)?;
            let picked: i64 = r.get(4)?;
            let shipped: Option<String> = r.get(5)?;
            let ordered: i64 = r.get(8)?;
            Ok(OrderStatus {
                order: r.get(0)?,
                customer: r.get(1)?,
                lines: r.get(2)?,
                ordered,
                picked,
                cut: ordered - to_pick,
                status: shipped.unwrap_or_else(|| {
                    if picked >= to_pick { "picked" } else { "open" }.to_string()
                }),
                carrier: r.get(6)?,
                tracking: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Confirms an order packed, or shipped with its carrier and tracking number. Only a fully
/// picked order can be packed, only a packed one shipped, and a shipped one is final.
pub(crate) fn confirm_shipment(
    conn: &Connection,
    order: &str,
    step: &Shipment,
    by: &str,
) -> StorageResult<OrderStatus> {
    let wh: Option<String> = conn
        .query_row(
            "SELECT w.code FROM order_lines o JOIN warehouses w ON w.id = o.warehouse_id WHERE o.order_no = ?1 LIMIT 1",
            [order],
            |r| r.get(0),
        )
        .optional()?;
    let Some(wh) = wh else {
        return Err(StorageError::NotFound(format!("no order {order:?}")));
    };
    let current = orders(conn, &wh)?
        .into_iter()
        .find(|o| o.order == order)
        .ok_or_else(|| StorageError::NotFound(format!("no order {order:?}")))?;
    let now = chrono::Utc::now().to_rfc3339();
    match (step, current.status.as_str()) {
        (Shipment::Packed, "picked") => {
            conn.execute(
                "INSERT INTO shipments (order_no, status, by_badge, updated_at) VALUES (?1, 'packed', ?2, ?3)",
                params![order, by, now],
            )?;
        }
        (Shipment::Shipped { carrier, tracking }, "packed") => {
            if carrier.trim().is_empty() || tracking.trim().is_empty() {
                return Err(StorageError::Invalid(
                    "a shipment needs the carrier and the tracking number".into(),
                ));
            }
            conn.execute(
                "UPDATE shipments SET status = 'shipped', carrier = ?2, tracking = ?3, by_badge = ?4, updated_at = ?5
                 WHERE order_no = ?1",
                params![order, carrier.trim(), tracking.trim(), by, now],
            )?;
            // Devices learn that the order is final: its lines leave their pick lists.
            conn.execute(
                "INSERT INTO changes (kind, id) SELECT 'order_line', id FROM order_lines WHERE order_no = ?1",
                [order],
            )?;
        }
        (step, status) => {
            let want = match step {
                Shipment::Packed => "packed once every line is picked in full",
                Shipment::Shipped { .. } => "shipped once it is packed",
            };
            return Err(StorageError::Conflict(format!(
                "order {order} is {status} ({} of {} picked); it can be {want}",
                current.picked, current.ordered
            )));
        }
    }
    orders(conn, &wh)?
        .into_iter()
        .find(|o| o.order == order)
        .ok_or_else(|| StorageError::Internal("the order vanished".into()))
}

/// A step of shipping confirmation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Shipment {
    Packed,
    Shipped { carrier: String, tracking: String },
}

/// Each stock line of the warehouse in locations of the given kinds (an SQL list of kind names),
/// of one item or of all, with when it first arrived (its earliest incoming ledger entry), for
/// allocation.
fn stock_lines(
    conn: &Connection,
    wh: &str,
    kinds: &str,
    item: Option<&str>,
) -> StorageResult<Vec<allocation::Supply<AllocatedStock>>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT i.sku, l.code, s.lot, s.expiry, s.qty,
            (SELECT MIN(o.at) FROM ledger g JOIN ops o ON o.op_id = g.op_id
              WHERE g.item_id = s.item_id AND g.location_id = s.location_id AND g.lot = s.lot
                AND g.expiry = s.expiry AND g.plate_id = s.plate_id AND g.qty > 0),
            l.id, i.id
         FROM stock s JOIN locations l ON l.id = s.location_id JOIN items i ON i.id = s.item_id
         WHERE l.warehouse_id = ?1 AND s.qty > 0 AND l.kind IN {kinds} AND (?2 IS NULL OR s.item_id = ?2)
           AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.kind = 'count' AND t.status = 'open'
                           AND t.blocks_picking = 1 AND t.item_id = s.item_id AND t.location_id = s.location_id)
         ORDER BY l.code"
    ))?;
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
    let stock: Vec<Stock> = stmt
        .query_map(params![wh, item], |r| {
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
        })?
        .collect::<rusqlite::Result<_>>()?;
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

/// A pick face's minimum is a quarter of its capacity; a top-up fills it to capacity.
pub const FACE_MIN_SHARE: i64 = 4;

/// A move from reserve to a pick face.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaceTopUp {
    pub sku: String,
    pub to: String,
    pub face_qty: i64,
    pub capacity: i64,
    pub from: String,
    pub lot: Option<String>,
    pub expiry: Option<String>,
    pub qty: i64,
    /// Ids behind the codes, for turning the suggestion into a task.
    #[serde(skip)]
    pub(crate) ids: TopUpIds,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TopUpIds {
    pub item: String,
    pub from: String,
    pub to: String,
}

/// A pick face holding (or having held) an item: where, what, how much, how much fits.
#[derive(Debug, Clone)]
struct FaceKey {
    id: String,
    code: String,
    item_id: String,
    sku: String,
    qty: i64,
    capacity: i64,
}

/// Which pick faces to look at.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Faces<'a> {
    /// Every face of the warehouse that has held an item (an empty face is the most urgent).
    All,
    /// Only these `(location id, item id)` pairs, e.g. the faces a push has just taken from.
    Only(&'a [(String, String)]),
}

/// Move tasks for pick faces (with a capacity) holding an item below a quarter of their
/// capacity, empty ones included: up to capacity, from storage bins, FEFO/FIFO. Faces that
/// already have an open move task for the item are left out: that task is on its way.
pub(crate) fn face_top_ups(
    conn: &Connection,
    warehouse: &str,
    which: Faces<'_>,
) -> StorageResult<Vec<FaceTopUp>> {
    let wh = warehouse_id(conn, warehouse)?;
    const FACE: &str = "SELECT l.id, l.code, i.id, i.sku,
            COALESCE((SELECT SUM(s.qty) FROM stock s WHERE s.location_id = l.id AND s.item_id = i.id), 0),
            l.capacity
         FROM locations l JOIN items i ON i.id = ?3
         WHERE l.id = ?2 AND l.warehouse_id = ?1 AND l.kind = 'pick_face' AND l.capacity IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.location_id = l.id AND t.item_id = i.id
                            AND t.kind = 'move' AND t.status = 'open')";
    let pairs: Vec<(String, String)> = match which {
        Faces::Only(p) => p.to_vec(),
        // The ledger remembers which items a face has held, even once it is empty.
        Faces::All => conn
            .prepare(
                "SELECT DISTINCT g.location_id, g.item_id FROM ledger g
                 JOIN locations l ON l.id = g.location_id
                 WHERE l.warehouse_id = ?1 AND l.kind = 'pick_face' AND l.capacity IS NOT NULL",
            )?
            .query_map([&wh], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?,
    };
    let mut faces: Vec<allocation::Face<FaceKey>> = Vec::new();
    let mut stmt = conn.prepare_cached(FACE)?;
    for (loc, item) in &pairs {
        let row = stmt
            .query_row(params![wh, loc, item], |r| {
                Ok(FaceKey {
                    id: r.get(0)?,
                    code: r.get(1)?,
                    item_id: r.get(2)?,
                    sku: r.get(3)?,
                    qty: r.get(4)?,
                    capacity: r.get(5)?,
                })
            })
            .optional()?;
        if let Some(key) = row {
            faces.push(allocation::Face {
                item: key.sku.clone(),
                qty: key.qty,
                min: key.capacity / FACE_MIN_SHARE,
                max: key.capacity,
                key,
            });
        }
    }
    faces.sort_by(|a, b| (&a.key.code, &a.key.sku).cmp(&(&b.key.code, &b.key.sku)));
    faces.dedup_by(|a, b| a.key.id == b.key.id && a.key.item_id == b.key.item_id);
    let low: Vec<&allocation::Face<FaceKey>> = faces.iter().filter(|f| f.qty < f.min).collect();
    let reserve = match which {
        Faces::All if !low.is_empty() => stock_lines(conn, &wh, "('storage')", None)?,
        Faces::All => Vec::new(),
        Faces::Only(_) => {
            let mut items: Vec<&str> = low.iter().map(|f| f.key.item_id.as_str()).collect();
            items.sort_unstable();
            items.dedup();
            let mut reserve = Vec::new();
            for item in items {
                reserve.extend(stock_lines(conn, &wh, "('storage')", Some(item))?);
            }
            reserve
        }
    };
    Ok(allocation::top_ups(&faces, &reserve)
        .into_iter()
        .map(|t| FaceTopUp {
            ids: TopUpIds {
                item: t.face.item_id,
                from: t.from.location_id,
                to: t.face.id,
            },
            sku: t.face.sku,
            to: t.face.code,
            face_qty: t.face.qty,
            capacity: t.face.capacity,
            from: t.from.location,
            lot: t.from.lot,
            expiry: t.from.expiry,
            qty: t.qty,
        })
        .collect())
}

/// Stock that expires soon (or already has), earliest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expiring {
    pub sku: String,
    pub description: String,
    pub location: String,
    pub lot: Option<String>,
    pub expiry: NaiveDate,
    pub days_left: i64,
    pub qty: i64,
}

/// Stock lines of the warehouse whose expiry is within `days` of `today` (expired included).
pub(crate) fn expiring(
    conn: &Connection,
    warehouse: &str,
    today: NaiveDate,
    days: u32,
) -> StorageResult<Vec<Expiring>> {
    let wh = warehouse_id(conn, warehouse)?;
    let until = today + Days::new(u64::from(days));
    let mut stmt = conn.prepare(
        "SELECT i.sku, i.description, l.code, s.lot, s.expiry, s.qty FROM stock s
         JOIN locations l ON l.id = s.location_id JOIN items i ON i.id = s.item_id
         WHERE l.warehouse_id = ?1 AND s.qty > 0 AND s.expiry <> '' AND s.expiry <= ?2
         ORDER BY s.expiry, i.sku, l.code",
    )?;
    let rows = stmt
        .query_map(params![wh, until.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(|(sku, description, location, lot, expiry, qty)| {
            let expiry: NaiveDate = expiry.parse().map_err(|_| {
                StorageError::Internal(format!("stored expiry {expiry:?} is not a date"))
            })?;
            Ok(Expiring {
                sku,
                description,
                location,
                lot: none_if_empty(lot),
                days_left: (expiry - today).num_days(),
                expiry,
                qty,
            })
        })
        .collect()
}

/// An amount of money in millionths, shown with two decimals (rounded half up) as people expect
/// on a stock report.
pub fn money(micros: i128) -> String {
    let cents = (micros.abs() + 5_000) / 10_000;
    let sign = if micros < 0 && cents > 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

/// One item's stock in a warehouse and what it is worth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValuedItem {
    pub sku: String,
    pub description: String,
    pub on_hand: i64,
    /// `None` when the item has no cost yet (import one with `aisle-server import costs`).
    pub unit_cost: Option<String>,
    pub currency: Option<String>,
    pub value: Option<String>,
}

/// Total value per currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CurrencyTotal {
    pub currency: String,
    pub value: String,
}

/// Stock of a warehouse valued at unit cost: items by value, highest first, then the uncosted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Valuation {
    pub warehouse: String,
    pub items: Vec<ValuedItem>,
    pub totals: Vec<CurrencyTotal>,
    /// Stocked items without a unit cost: their value is unknown, not zero.
    pub uncosted: usize,
}

pub(crate) fn valuation(conn: &Connection, warehouse: &str) -> StorageResult<Valuation> {
    let wh = warehouse_id(conn, warehouse)?;
    let mut stmt = conn.prepare(
        "SELECT i.sku, i.description, SUM(s.qty), c.unit_cost_micros, c.currency
         FROM stock s JOIN locations l ON l.id = s.location_id JOIN items i ON i.id = s.item_id
         LEFT JOIN item_costs c ON c.item_id = i.id
         WHERE l.warehouse_id = ?1
         GROUP BY i.id HAVING SUM(s.qty) <> 0",
    )?;
    type Row = (String, String, i64, Option<i64>, Option<String>);
    let rows: Vec<Row> = stmt
        .query_map([&wh], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut totals: std::collections::BTreeMap<String, i128> = Default::default();
    let mut items: Vec<(Option<i128>, ValuedItem)> = rows
        .into_iter()
        .map(|(sku, description, on_hand, cost, currency)| {
            let value = cost.map(|c| i128::from(c) * i128::from(on_hand));
            if let (Some(v), Some(cur)) = (value, &currency) {
                *totals.entry(cur.clone()).or_insert(0) += v;
            }
            (
                value,
                ValuedItem {
                    sku,
                    description,
                    on_hand,
                    unit_cost: cost.map(|c| money(i128::from(c))),
                    currency,
                    value: value.map(money),
                },
            )
        })
        .collect();
    items.sort_by(|(va, a), (vb, b)| {
        (va.is_none(), std::cmp::Reverse(*va), &a.sku).cmp(&(
            vb.is_none(),
            std::cmp::Reverse(*vb),
            &b.sku,
        ))
    });
    let uncosted = items.iter().filter(|(v, _)| v.is_none()).count();
    Ok(Valuation {
        warehouse: warehouse.to_string(),
        items: items.into_iter().map(|(_, i)| i).collect(),
        totals: totals
            .into_iter()
            .map(|(currency, v)| CurrencyTotal {
                currency,
                value: money(v),
            })
            .collect(),
        uncosted,
    })
}
