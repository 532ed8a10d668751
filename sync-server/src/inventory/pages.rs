//! The supervisor's look-up pages: stock search, an item's and a location's page with their latest
//! movements, and where a lot is.

use super::*;
use aisle_domain::said;

/// An item found by a stock search, with its stock per warehouse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StockHit {
    pub sku: String,
    pub description: String,
    /// `(warehouse code, on hand)`, every warehouse that holds some.
    pub warehouses: Vec<(String, i64)>,
    /// `(destination warehouse code, qty)`: shipped on transfers, not yet received.
    pub in_transit: Vec<(String, i64)>,
}

/// Items whose SKU, description or barcode contains `q` (case-insensitive), by SKU.
pub(crate) fn stock_search(conn: &dyn Db, q: &str, limit: u32) -> StorageResult<Vec<StockHit>> {
    let q = q.trim();
    if q.is_empty() {
        return Err(StorageError::Invalid(said!(
            "pages.type_part_sku_description",
            "type part of a SKU, description or barcode"
        )));
    }
    // Lower case on both sides: SQLite's LIKE ignores case, PostgreSQL's does not.
    let pattern = format!(
        "%{}%",
        q.to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let items: Vec<(String, String, String)> = conn.rows("SELECT id, sku, description FROM items
         WHERE LOWER(sku) LIKE ?1 ESCAPE '\\' OR LOWER(description) LIKE ?1 ESCAPE '\\' OR LOWER(codes) LIKE ?1 ESCAPE '\\'
         ORDER BY sku LIMIT ?2", args![pattern, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    let mut out = Vec::with_capacity(items.len());
    for (id, sku, description) in items {
        let warehouses = conn.rows(
            "SELECT w.code, CAST(SUM(s.qty) AS BIGINT) FROM stock s JOIN locations l ON l.id = s.location_id
         JOIN warehouses w ON w.id = l.warehouse_id
         WHERE s.item_id = ?1 GROUP BY w.code HAVING SUM(s.qty) <> 0 ORDER BY w.code",
            args![id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let in_transit = super::in_transit(conn, Some(&id))?
            .into_iter()
            .map(|(wh, _, qty)| (wh, qty))
            .collect();
        out.push(StockHit {
            sku,
            description,
            warehouses,
            in_transit,
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
    /// Why this method, in English.
    pub reason: String,
    /// The same words as a catalog key with its values.
    pub reason_said: Said,
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
pub(super) enum Of<'a> {
    Item(&'a str),
    Location(&'a str),
}

pub(super) fn movements(conn: &dyn Db, wh: &str, of: Of<'_>) -> StorageResult<Vec<Movement>> {
    let (column, id) = match of {
        Of::Item(id) => ("g.item_id", id),
        Of::Location(id) => ("g.location_id", id),
    };
    let d = conn.dialect();
    let rows = conn.rows(
        &format!(
            "SELECT o.server_seq, o.at, o.op_type, l.code, g.lot, g.qty,
                {operator}, COALESCE(d.name, 'server'), {scans}, i.sku
         FROM ledger g JOIN ops o ON o.op_id = g.op_id JOIN locations l ON l.id = g.location_id
         JOIN items i ON i.id = g.item_id
         LEFT JOIN devices d ON d.id = o.device_id
         WHERE {column} = ?1 AND l.warehouse_id = ?2
         ORDER BY o.server_seq DESC, g.id DESC LIMIT ?3",
            operator = d.json_text("o.entry", &["operator"]),
            scans = d.json_text("o.entry", &["scans"]),
        ),
        args![id, wh, MOVEMENTS],
        |r| {
            Ok((
                r.get::<i64>(0)?,
                r.get::<String>(1)?,
                r.get::<String>(2)?,
                r.get::<String>(3)?,
                r.get::<String>(4)?,
                r.get::<i64>(5)?,
                r.get::<String>(6)?,
                r.get::<String>(7)?,
                r.get::<String>(8)?,
                r.get::<String>(9)?,
            ))
        },
    )?;
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
    conn: &dyn Db,
    warehouse: &str,
    sku: &str,
    today: NaiveDate,
    service_level: f64,
) -> StorageResult<ItemDetail> {
    let z = forecast::normal_quantile(service_level).ok_or_else(|| {
        StorageError::Invalid(said!(
            "pages.service_level_must_between",
            "service level {service_level} must be between 0 and 1",
            service_level = service_level
        ))
    })?;
    let wh = warehouse_id(conn, warehouse)?;
    let item = item_id(conn, sku)?;
    let description: String = conn.one(
        "SELECT description FROM items WHERE id = ?1",
        args![item],
        |r| r.get(0),
    )?;
    let opt = none_if_empty;
    let stock = conn.rows(
        "SELECT l.code, s.lot, s.expiry, COALESCE(p.code, ''), s.qty FROM stock s
         JOIN locations l ON l.id = s.location_id
         LEFT JOIN plates p ON p.id = s.plate_id
         WHERE s.item_id = ?1 AND l.warehouse_id = ?2 AND s.qty <> 0
         ORDER BY l.code, s.expiry, s.lot",
        args![item, wh],
        |r| {
            Ok(LocationStock {
                location: r.get(0)?,
                lot: opt(r.get(1)?),
                expiry: opt(r.get(2)?),
                plate: opt(r.get(3)?),
                qty: r.get(4)?,
            })
        },
    )?;
    let history = demand_history(conn, &wh, &item, HISTORY_DAYS, today)?;
    let series = demand_series(conn, &wh, &item, &history, today)?;
    let choice = forecast::choose_observed(&series, HOLDOUT_DAYS, FORECAST_DAYS);
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
        reason_said: choice.reason_said,
        mase,
        naive_mase: choice.naive_mase,
        service_level,
        forecast,
        position: position(conn, &wh, &item, today)?,
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
    conn: &dyn Db,
    warehouse: &str,
    code: &str,
) -> StorageResult<LocationDetail> {
    let wh = warehouse_id(conn, warehouse)?;
    let found: Option<(String, String, String, Option<i64>)> = conn.first(
        "SELECT id, barcode, kind, capacity FROM locations WHERE warehouse_id = ?1 AND code = ?2",
        args![wh, code],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let (id, barcode, kind, capacity) = found.ok_or_else(|| {
        StorageError::NotFound(said!(
            "pages.no_location",
            "no location {code:?} in warehouse {warehouse}",
            code = code,
            warehouse = warehouse
        ))
    })?;
    let stock = conn.rows(
        "SELECT i.sku, i.description, s.lot, s.expiry, COALESCE(p.code, ''), s.qty FROM stock s
         JOIN items i ON i.id = s.item_id LEFT JOIN plates p ON p.id = s.plate_id
         WHERE s.location_id = ?1 AND s.qty <> 0 ORDER BY i.sku, s.expiry, s.lot",
        args![id],
        |r| {
            Ok(HeldStock {
                sku: r.get(0)?,
                description: r.get(1)?,
                lot: none_if_empty(r.get(2)?),
                expiry: none_if_empty(r.get(3)?),
                plate: none_if_empty(r.get(4)?),
                qty: r.get(5)?,
            })
        },
    )?;
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
pub(crate) fn lot_stock(conn: &dyn Db, lot: &str) -> StorageResult<Vec<LotStock>> {
    let lot = lot.trim();
    if lot.is_empty() {
        return Err(StorageError::Invalid(said!(
            "pages.name_lot_number",
            "name a lot number"
        )));
    }
    Ok(conn.rows("SELECT w.code, l.code, i.sku, i.description, s.expiry, COALESCE(p.code, ''), s.qty FROM stock s
         JOIN locations l ON l.id = s.location_id JOIN warehouses w ON w.id = l.warehouse_id
         JOIN items i ON i.id = s.item_id LEFT JOIN plates p ON p.id = s.plate_id
         WHERE s.lot = ?1 AND s.qty <> 0 ORDER BY w.code, l.code, i.sku", args![lot], |r| {
            Ok(LotStock {
                warehouse: r.get(0)?,
                location: r.get(1)?,
                sku: r.get(2)?,
                description: r.get(3)?,
                expiry: none_if_empty(r.get(4)?),
                plate: none_if_empty(r.get(5)?),
                qty: r.get(6)?,
            })
        })?)
}
