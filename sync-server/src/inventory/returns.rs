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
        return Err(StorageError::Invalid(said!(
            "returns.not_quarantine",
            "{location} is a {kind} location: only stock in quarantine is released",
            location = r.from,
            kind = location_kind_word(&from_kind)
        )));
    }
    let (to, to_kind) = location(conn, &wh, &r.to)?;
    if !matches!(
        to_kind.as_str(),
        "storage" | "pick_face" | "receiving" | "staging"
    ) {
        return Err(StorageError::Invalid(said!(
            "returns.not_for_released_stock",
            "{location} is a {kind} location: released stock goes to storage, a pick face, a dock or staging",
            location = r.to,
            kind = location_kind_word(&to_kind)
        )));
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
        return Err(StorageError::Invalid(said!(
            "returns.expired_stays",
            "{sku} lot {lot} expired on {expiry}: expired stock stays in quarantine (scrap it with an adjustment)",
            sku = r.sku,
            lot = key.lot.as_deref().unwrap_or("-"),
            expiry = key.expiry.map(|e| e.to_string()).unwrap_or_default()
        )));
    }
    let held: i64 = lines.iter().map(|(_, q)| q).sum();
    let want = r.qty.unwrap_or(held);
    if held == 0 || want > held {
        return Err(StorageError::Invalid(match r.lot.as_deref() {
            Some(lot) => said!(
                "returns.lot_short",
                "{location} holds {held} of {sku} lot {lot}; {want} cannot be released",
                location = r.from,
                held = held,
                sku = r.sku,
                lot = lot,
                want = want
            ),
            None => said!(
                "returns.short",
                "{location} holds {held} of {sku}; {want} cannot be released",
                location = r.from,
                held = held,
                sku = r.sku,
                want = want
            ),
        }));
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

/// A location kind as stored, said in the reader's words (a kind this server does not know
/// as it is stored).
fn location_kind_word(kind: &str) -> Said {
    kind.parse::<aisle_domain::master::LocationKind>()
        .map(|k| aisle_domain::said::Says::said(&k))
        .unwrap_or_else(|_| Said::untranslated(kind))
}
