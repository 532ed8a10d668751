//! Stock that expires soon (or already has).

use super::*;

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
    conn: &dyn Db,
    warehouse: &str,
    today: NaiveDate,
    days: u32,
) -> StorageResult<Vec<Expiring>> {
    let wh = warehouse_id(conn, warehouse)?;
    let until = today + Days::new(u64::from(days));
    let rows = conn.rows(
        "SELECT i.sku, i.description, l.code, s.lot, s.expiry, s.qty FROM stock s
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
            ))
        },
    )?;
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
