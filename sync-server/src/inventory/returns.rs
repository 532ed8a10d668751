//! Customer returns as supervisors see them (what came back, where it went, whether it matched
//! what the order shipped), and which quarantined stock a release may move out, by what rule.

use super::*;
use aisle_domain::LocationId;
use aisle_domain::ledger::StockKey;
use aisle_domain::said;
use aisle_ledger::effects::key_from_row;

/// One return as applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnLine {
    pub order: String,
    pub sku: String,
    pub description: String,
    pub qty: i64,
    /// `restock`, `quarantine` or `scrap`.
    pub disposition: String,
    pub location: String,
    pub lot: Option<String>,
    pub reason: Option<String>,
    pub operator: String,
    pub at: String,
    /// It raised a `return_mismatch` (more than shipped, or an order that did not ship): it is
    /// the first operation the exception names (those after it are the earlier returns).
    pub mismatch: bool,
}

/// A warehouse's returns, newest first (at most `limit`).
pub(crate) fn returns(
    conn: &dyn Db,
    warehouse: &str,
    limit: u32,
) -> StorageResult<Vec<ReturnLine>> {
    let wh = warehouse_id(conn, warehouse)?;
    Ok(conn.rows(
        "SELECT r.order_no, i.sku, i.description, r.qty, r.disposition, l.code, r.lot, r.reason, r.operator, r.at,
                EXISTS (SELECT 1 FROM exceptions x WHERE x.kind = 'return_mismatch'
                          AND x.op_ids LIKE '[\"' || r.op_id || '\"%')
         FROM returns r JOIN items i ON i.id = r.item_id JOIN locations l ON l.id = r.location_id
         WHERE r.warehouse_id = ?1
         ORDER BY r.at DESC, r.op_id LIMIT ?2",
        args![wh, i64::from(limit)],
        |r| {
            Ok(ReturnLine {
                order: r.get(0)?,
                sku: r.get(1)?,
                description: r.get(2)?,
                qty: r.get(3)?,
                disposition: r.get(4)?,
                location: r.get(5)?,
                lot: none_if_empty(r.get(6)?),
                reason: r.get(7)?,
                operator: r.get(8)?,
                at: r.get(9)?,
                mismatch: r.get(10)?,
            })
        },
    )?)
}

/// What a supervisor releases from quarantine: `qty` (all when `None`) of `sku` (of `lot` when
/// given) held at quarantine location `from`, to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub warehouse: String,
    pub from: String,
    pub sku: String,
    pub lot: Option<String>,
    pub qty: Option<i64>,
    pub to: String,
}

fn location(conn: &dyn Db, wh: &str, code: &str) -> StorageResult<(LocationId, String)> {
    conn.first(
        "SELECT id, kind FROM locations WHERE warehouse_id = ?1 AND code = ?2",
        args![wh, code],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?
    .ok_or_else(|| {
        StorageError::NotFound(said!(
            "returns.no_location",
            "no location {code:?} in this warehouse",
            code = code
        ))
    })
}

/// The stock lines a release moves, with how much of each, and the destination; or why it may
/// not: the source must be a quarantine location, the destination one that holds stock and is
/// not quarantine, expired stock stays where it is, and the quantity must be there.
pub(crate) fn release_plan(
    conn: &dyn Db,
    r: &Release,
    today: NaiveDate,
) -> StorageResult<(Vec<(StockKey, i64)>, LocationId)> {
    let wh = warehouse_id(conn, &r.warehouse)?;
    let (from, from_kind) = location(conn, &wh, &r.from)?;
    if from_kind != "quarantine" {
        return Err(StorageError::Invalid(
            format!(
                "{} is a {from_kind} location: only stock in quarantine is released",
                r.from
            )
            .into(),
        ));
    }
    let (to, to_kind) = location(conn, &wh, &r.to)?;
    if !matches!(
        to_kind.as_str(),
        "storage" | "pick_face" | "receiving" | "staging"
    ) {
        return Err(StorageError::Invalid(format!(
            "{} is a {to_kind} location: released stock goes to storage, a pick face, a dock or staging",
            r.to
        ).into()));
    }
    if r.qty.is_some_and(|q| q < 1) {
        return Err(StorageError::Invalid(said!(
            "returns.quantity_release_must_least",
            "the quantity to release must be at least 1"
        )));
    }
    let item = item_id(conn, &r.sku)?;
    let lines: Vec<(StockKey, i64)> = conn.rows(
        "SELECT item_id, location_id, lot, expiry, plate_id, qty FROM stock
         WHERE item_id = ?1 AND location_id = ?2 AND qty > 0 AND (?3 = '' OR lot = ?3)
         ORDER BY expiry, lot, plate_id",
        args![item, from, r.lot.clone().unwrap_or_default()],
        |row| Ok((key_from_row(row, 0)?, row.get::<i64>(5)?)),
    )?;
    if let Some((key, _)) = lines
        .iter()
        .find(|(k, _)| k.expiry.is_some_and(|e| e < today))
    {
        return Err(StorageError::Invalid(format!(
            "{} lot {} expired on {}: expired stock stays in quarantine (scrap it with an adjustment)",
            r.sku,
            key.lot.as_deref().unwrap_or("-"),
            key.expiry.map(|e| e.to_string()).unwrap_or_default()
        ).into()));
    }
    let held: i64 = lines.iter().map(|(_, q)| q).sum();
    let want = r.qty.unwrap_or(held);
    if held == 0 || want > held {
        return Err(StorageError::Invalid(
            format!(
                "{} holds {held} of {}{}; {want} cannot be released",
                r.from,
                r.sku,
                r.lot
                    .as_deref()
                    .map(|l| format!(" lot {l}"))
                    .unwrap_or_default()
            )
            .into(),
        ));
    }
    let mut left = want;
    let mut out = Vec::new();
    for (key, qty) in lines {
        if left == 0 {
            break;
        }
        let take = qty.min(left);
        left -= take;
        out.push((key, take));
    }
    Ok((out, to))
}
