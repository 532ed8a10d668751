//! Applying an operation's effects: its ledger rows, the materialized stock and any license-plate
//! movement. The device runs it when it records a scan and when it applies another device's
//! operation; the server runs it when it admits a pushed one.

use crate::db::{Db, DbExt, Row};
use crate::{LedgerError, Result, args};
use aisle_domain::ledger::{Delta, StockKey};
use aisle_domain::op::Operation;
use aisle_domain::{LocationId, OpId, PlateId};

/// Optional text as stored in the key columns: empty text means "none".
pub fn none_if_empty(s: String) -> Option<String> {
    Some(s).filter(|s| !s.is_empty())
}

/// Stock key columns as stored: empty text for "none".
pub fn key_columns(key: &StockKey) -> (String, String, String, String, String) {
    (
        key.item.to_string(),
        key.location.to_string(),
        key.lot.clone().unwrap_or_default(),
        key.expiry.map(|d| d.to_string()).unwrap_or_default(),
        key.plate.map(|p| p.to_string()).unwrap_or_default(),
    )
}

/// The stock key stored in five columns from `first` on (item, location, lot, expiry, plate):
/// the inverse of [`key_columns`].
pub fn key_from_row(r: &Row<'_>, first: usize) -> Result<StockKey> {
    let expiry = none_if_empty(r.get(first + 3)?)
        .map(|e| {
            e.parse()
                .map_err(|_| LedgerError::Decode(format!("stored expiry {e:?} is not a date")))
        })
        .transpose()?;
    let plate = none_if_empty(r.get(first + 4)?)
        .map(|p| {
            p.parse()
                .map_err(|_| LedgerError::Decode(format!("stored plate id {p:?} is not a UUID")))
        })
        .transpose()?;
    Ok(StockKey {
        item: r.get(first)?,
        location: r.get(first + 1)?,
        lot: none_if_empty(r.get(first + 2)?),
        expiry,
        plate,
    })
}

/// Applies an operation's effects: ledger rows, materialized stock and plate whereabouts.
/// Returns the keys whose stock is now below zero.
pub fn apply(conn: &dyn Db, op_id: OpId, op: &Operation) -> Result<Vec<(StockKey, i64)>> {
    let negative = apply_deltas(conn, &op_id.to_string(), &op.effects())?;
    place_plates(conn, op)?;
    Ok(negative)
}

/// Where an operation leaves the plates it names: a plate received onto, a plate moved, the
/// plate stock was moved onto. The part of [`apply`] that is not stock.
pub fn place_plates(conn: &dyn Db, op: &Operation) -> Result<()> {
    match op {
        Operation::Receive(r) => {
            if let (Some(plate), Some(code)) = (r.key.plate, &r.plate_code) {
                place_plate(conn, plate, code, r.key.location)?;
            }
        }
        Operation::MovePlate(m) => place_plate(conn, m.plate, &m.plate_code, m.to)?,
        Operation::Putaway(t) | Operation::Move(t) => {
            if let Some(p) = t.to_plate {
                conn.exec(
                    "UPDATE plates SET location_id = ?1 WHERE id = ?2",
                    args![t.to, p],
                )?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Writes ledger rows under `op_id` and updates materialized stock. Returns the keys now below
/// zero.
pub fn apply_deltas(conn: &dyn Db, op_id: &str, deltas: &[Delta]) -> Result<Vec<(StockKey, i64)>> {
    let mut negative = Vec::new();
    for d in deltas {
        let (item, loc, lot, expiry, plate) = key_columns(&d.key);
        conn.exec(
            "INSERT INTO ledger (op_id, item_id, location_id, lot, expiry, plate_id, qty) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            args![op_id, item, loc, lot, expiry, plate, d.qty],
        )?;
        let now: i64 = conn
            .value(
                "INSERT INTO stock (item_id, location_id, lot, expiry, plate_id, qty) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (item_id, location_id, lot, expiry, plate_id) DO UPDATE SET qty = stock.qty + excluded.qty
                 RETURNING qty",
                args![item, loc, lot, expiry, plate, d.qty],
            )?
            .ok_or_else(|| LedgerError::Decode("the stock upsert returned no row".into()))?;
        if now == 0 {
            conn.exec(
                "DELETE FROM stock WHERE item_id = ?1 AND location_id = ?2 AND lot = ?3 AND expiry = ?4 AND plate_id = ?5 AND qty = 0",
                args![item, loc, lot, expiry, plate],
            )?;
        } else if now < 0 {
            negative.push((d.key.clone(), now));
        }
    }
    Ok(negative)
}

/// Leaves `plate` (`code`) at `location`, in that location's warehouse: the rule of
/// [`crate::master::place_plate_row`] in one statement. Nothing when the location is unknown or
/// the code is another plate's (that plate keeps it; the server raises a `plate_conflict`); else
/// the plate is created or moved. One statement, not three: on PostgreSQL each was a round trip
/// per plate received (docs/PERFORMANCE.md, session 19).
fn place_plate(conn: &dyn Db, plate: PlateId, code: &str, location: LocationId) -> Result<()> {
    conn.exec(
        "INSERT INTO plates (id, code, warehouse_id, location_id)
         SELECT ?1, ?2, l.warehouse_id, l.id FROM locations l
         WHERE l.id = ?3 AND NOT EXISTS (SELECT 1 FROM plates p WHERE p.code = ?2 AND p.id <> ?1)
         ON CONFLICT (id) DO UPDATE SET warehouse_id = excluded.warehouse_id, location_id = excluded.location_id",
        args![plate, code, location],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::DbExt;
    use chrono::NaiveDate;

    /// A key goes into its columns and comes back the same, with and without lot, expiry and
    /// plate.
    #[test]
    fn stock_keys_round_trip_through_their_columns() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let full = StockKey {
            item: aisle_domain::ItemId::new(),
            location: LocationId::new(),
            lot: Some("L1".into()),
            expiry: NaiveDate::from_ymd_opt(2027, 1, 31),
            plate: Some(PlateId::for_code("340299910000000025")),
        };
        let bare = StockKey {
            lot: None,
            expiry: None,
            plate: None,
            ..full.clone()
        };
        for key in [full, bare] {
            let (a, b, c, d, e) = key_columns(&key);
            let back = conn
                .first("SELECT ?1, ?2, ?3, ?4, ?5", args![a, b, c, d, e], |r| {
                    key_from_row(r, 0)
                })
                .unwrap()
                .unwrap();
            assert_eq!(back, key);
        }
        let bad = conn.first(
            "SELECT ?1, ?1, '', 'soon', ''",
            args![LocationId::new()],
            |r| key_from_row(r, 0),
        );
        assert!(bad.unwrap_err().to_string().contains("soon"));
    }
}
