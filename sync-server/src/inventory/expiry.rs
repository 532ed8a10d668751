//! Stock that expires soon (or already has).

use super::*;
use aisle_domain::LocationId;
use aisle_domain::ledger::StockKey;
use aisle_domain::said;
use aisle_ledger::effects::key_from_row;

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
    /// The stock is in a quarantine location already (never allocated or picked there).
    pub quarantined: bool,
}

/// Stock lines of the warehouse whose expiry is within `days` of `today` (expired included).
pub(crate) fn expiring(
    conn: &dyn Db,
    warehouse: &str,
    today: NaiveDate,
    days: u32,
) -> StorageResult<Vec<Expiring>> {
    let wh = warehouse_id(conn, warehouse)?;
    let until = today + Days::new(u64::from(days));
    let rows = conn.rows(
        "SELECT i.sku, i.description, l.code, s.lot, s.expiry, s.qty, l.kind = 'quarantine' FROM stock s
         JOIN locations l ON l.id = s.location_id JOIN items i ON i.id = s.item_id
         WHERE l.warehouse_id = ?1 AND s.qty > 0 AND s.expiry <> '' AND s.expiry <= ?2
         ORDER BY s.expiry, i.sku, l.code",
        args![wh, until.to_string()],
        |r| {
            Ok((
                r.get::<String>(0)?,
                r.get::<String>(1)?,
                r.get::<String>(2)?,
                r.get::<String>(3)?,
                r.get::<String>(4)?,
                r.get::<i64>(5)?,
                r.get::<bool>(6)?,
            ))
        },
    )?;
    rows.into_iter()
        .map(
            |(sku, description, location, lot, expiry, qty, quarantined)| {
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
                    quarantined,
                })
            },
        )
        .collect()
}

/// Expired stock of a warehouse outside quarantine (expiry before `today`), with its key.
pub(crate) fn expired_outside_quarantine(
    conn: &dyn Db,
    warehouse: &str,
    today: NaiveDate,
) -> StorageResult<Vec<(StockKey, i64)>> {
    let wh = warehouse_id(conn, warehouse)?;
    Ok(conn.rows(
        "SELECT s.item_id, s.location_id, s.lot, s.expiry, s.plate_id, s.qty FROM stock s
         JOIN locations l ON l.id = s.location_id
         WHERE l.warehouse_id = ?1 AND s.qty > 0 AND s.expiry <> '' AND s.expiry < ?2
           AND l.kind <> 'quarantine'
         ORDER BY s.expiry, l.code",
        args![wh, today.to_string()],
        |r| Ok((key_from_row(r, 0)?, r.get::<i64>(5)?)),
    )?)
}

/// The warehouse's quarantine location (the first by code): its id and code.
pub(crate) fn quarantine_location(
    conn: &dyn Db,
    warehouse: &str,
) -> StorageResult<(LocationId, String)> {
    let wh = warehouse_id(conn, warehouse)?;
    conn.first(
        "SELECT id, code FROM locations WHERE warehouse_id = ?1 AND kind = 'quarantine' ORDER BY code",
        args![wh],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?
    .ok_or_else(|| {
        StorageError::Invalid(said!("expiry.warehouse_quarantine_location_import", "warehouse {warehouse} has no quarantine location; import one with type `quarantine`", warehouse = warehouse))
    })
}
