//! The books audit: every materialized stock line must be the sum of its ledger rows. The same
//! check for a device's store and the server's database, which share the ledger tables.

use crate::Result;
use crate::db::{Db, DbExt};
use serde::Serialize;

/// A stock line whose materialized quantity differs from the sum of its ledger rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BooksMismatch {
    pub item_id: String,
    pub location_id: String,
    pub lot: String,
    pub ledger: i64,
    pub stock: i64,
}

impl std::fmt::Display for BooksMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "item {} at {} lot {:?}: ",
            self.item_id, self.location_id, self.lot
        )?;
        if self.ledger == 0 && self.stock == 0 {
            write!(f, "a line of nothing is kept (an emptied line is removed)")
        } else {
            write!(f, "ledger says {}, stock says {}", self.ledger, self.stock)
        }
    }
}

/// Every stock line whose quantity is not the sum of its ledger rows, and every line of nothing
/// (an emptied key's line is removed in the transaction that empties it).
pub fn ledger_against_stock(conn: &dyn Db) -> Result<Vec<BooksMismatch>> {
    conn.rows(
        "WITH l AS (SELECT item_id, location_id, lot, expiry, plate_id, CAST(SUM(qty) AS BIGINT) AS qty FROM ledger
                    GROUP BY item_id, location_id, lot, expiry, plate_id HAVING SUM(qty) <> 0)
         SELECT COALESCE(l.item_id, s.item_id), COALESCE(l.location_id, s.location_id),
                COALESCE(l.lot, s.lot), COALESCE(l.qty, 0), COALESCE(s.qty, 0)
         FROM l FULL OUTER JOIN stock s
           ON s.item_id = l.item_id AND s.location_id = l.location_id AND s.lot = l.lot
          AND s.expiry = l.expiry AND s.plate_id = l.plate_id
         WHERE COALESCE(l.qty, 0) <> COALESCE(s.qty, 0) OR s.qty = 0",
        &[],
        |r| {
            Ok(BooksMismatch {
                item_id: r.get(0)?,
                location_id: r.get(1)?,
                lot: r.get(2)?,
                ledger: r.get(3)?,
                stock: r.get(4)?,
            })
        },
    )
}
