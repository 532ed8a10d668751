//! Transfers between warehouses. A transfer `TR-<n>` is an order at the source warehouse
//! (its lines are picked, packed and shipped there like any order, by that warehouse's devices)
//! and, once shipped, an expected receipt at the destination for what was picked, which that
//! warehouse's devices receive against. Between the two its goods are **in transit**: counted in
//! the totals across warehouses, in no warehouse's stock. Receiving more than was shipped is an
//! `over_receipt` like any receipt; closing a transfer with less received is a `transfer_short`.

use super::*;
use aisle_domain::said;

/// A transfer's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferSummary {
    pub transfer: String,
    pub from: String,
    pub to: String,
    /// `open` (being picked at the source), `in_transit` (shipped), `closed`.
    pub status: String,
    pub ordered: i64,
    pub shipped: i64,
    pub received: i64,
    pub created_at: String,
    pub shipped_at: Option<String>,
}

/// A transfer closed: what arrived short, and the exception that says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferClosed {
    pub transfer: String,
    pub short: Vec<Shortage>,
    pub exception: Option<uuid::Uuid>,
}

/// What closing a transfer found missing, per item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shortage {
    pub sku: String,
    pub shipped: i64,
    pub received: i64,
}

/// Is `order` a transfer's order? Its status and destination warehouse id.
fn transfer_of(conn: &dyn Db, order: &str) -> StorageResult<Option<(String, String)>> {
    Ok(conn.first(
        "SELECT status, to_wh FROM transfers WHERE transfer_no = ?1",
        args![order],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// Creates transfer `TR-<n>` of `(sku, qty)` lines from one warehouse to another: order lines at
/// the source, which its devices download and pick.
pub(crate) fn create_transfer(
    tx: &dyn Db,
    from: &str,
    to: &str,
    lines: &[(String, i64)],
    by: &str,
    changed: impl Fn(&dyn Db, &str, &str) -> StorageResult<()>,
) -> StorageResult<String> {
    if from == to {
        return Err(StorageError::Invalid(said!(
            "transfers.transfer_goes_from_one",
            "a transfer goes from one warehouse to another, not from {from} to itself",
            from = from
        )));
    }
    if lines.is_empty() {
        return Err(StorageError::Invalid(said!(
            "transfers.transfer_needs_least_one",
            "a transfer needs at least one line"
        )));
    }
    let src = warehouse_id(tx, from)?;
    let dst = warehouse_id(tx, to)?;
    let mut items = Vec::with_capacity(lines.len());
    for (sku, qty) in lines {
        if !(1..=aisle_domain::op::MAX_QTY).contains(qty) {
            return Err(StorageError::Invalid(said!(
                "transfers.quantity_must_least_quantity",
                "{sku}: quantity {qty} must be at least 1 (and a quantity, not a barcode)",
                sku = sku,
                qty = qty
            )));
        }
        items.push(item_id(tx, sku)?);
    }
    let n: i64 = tx.one(
        "UPDATE transfer_counter SET last = last + 1 RETURNING last",
        &[],
        |r| r.get(0),
    )?;
    let number = format!("TR-{n:06}");
    tx.exec(
        "INSERT INTO transfers (transfer_no, from_wh, to_wh, status, created_at, created_by) VALUES (?1, ?2, ?3, 'open', ?4, ?5)",
        args![number, src, dst, Utc::now().to_rfc3339(), by],
    )?;
    for (i, ((_, qty), item)) in lines.iter().zip(items).enumerate() {
        let id = aisle_domain::OrderLineId::new().to_string();
        tx.exec(
            "INSERT INTO order_lines (id, order_no, line, warehouse_id, item_id, qty, customer) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            args![id, number, i as i64 + 1, src, item, qty, format!("transfer to {to}")],
        )?;
        changed(tx, "order_line", &id)?;
    }
    Ok(number)
}

/// After an order shipped: when it is a transfer, what was picked becomes expected receipt lines
/// at the destination (which its devices download) and the transfer is in transit.
pub(crate) fn shipped(
    tx: &dyn Db,
    order: &str,
    changed: impl Fn(&dyn Db, &str, &str) -> StorageResult<()>,
) -> StorageResult<()> {
    let Some((status, dst)) = transfer_of(tx, order)? else {
        return Ok(());
    };
    if status != "open" {
        return Ok(());
    }
    let picked: Vec<(i64, String, i64)> = tx.rows(
        "SELECT line, item_id, picked_qty FROM order_lines WHERE order_no = ?1 AND picked_qty > 0 ORDER BY line",
        args![order],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let today = Utc::now().date_naive().to_string();
    for (line, item, qty) in picked {
        let id = aisle_domain::ReceiptLineId::new().to_string();
        tx.exec(
            "INSERT INTO receipt_lines (id, receipt, line, warehouse_id, item_id, expected_qty, expected_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            args![id, order, line, dst, item, qty, today],
        )?;
        changed(tx, "receipt_line", &id)?;
    }
    tx.exec(
        "UPDATE transfers SET status = 'in_transit', shipped_at = ?2 WHERE transfer_no = ?1",
        args![order, Utc::now().to_rfc3339()],
    )?;
    Ok(())
}

/// A carton of a transfer left on a shipment from the source (`op` is `None`), or goods were
/// packed into a carton that had already left (`op` is that pack, which synced after the
/// shipment): what it holds of the transfer is expected at the destination, added to what earlier
/// cartons brought, and the transfer is in transit. Cartons of other orders are left alone.
pub(crate) fn shipped_in_carton(tx: &dyn Db, sscc: &str, op: Option<&str>) -> StorageResult<()> {
    let held: Vec<(String, i64, String, i64)> = tx.rows(
        "SELECT l.order_no, o.line, l.item_id, CAST(SUM(l.qty) AS BIGINT)
         FROM carton_lines l JOIN order_lines o ON o.id = l.order_line_id
         WHERE l.sscc = ?1 AND (CAST(?2 AS TEXT) IS NULL OR l.op_id = ?2)
         GROUP BY l.order_no, o.line, l.item_id ORDER BY o.line",
        args![sscc, op],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let today = Utc::now().date_naive().to_string();
    for (order, line, item, qty) in held {
        let Some((status, dst)) = transfer_of(tx, &order)? else {
            continue;
        };
        if status == "closed" {
            continue;
        }
        let existing: Option<String> = tx.first(
            "SELECT id FROM receipt_lines WHERE receipt = ?1 AND line = ?2",
            args![order, line],
            |r| r.get(0),
        )?;
        let id = match existing {
            Some(id) => {
                tx.exec(
                    "UPDATE receipt_lines SET expected_qty = expected_qty + ?2 WHERE id = ?1",
                    args![id, qty],
                )?;
                id
            }
            None => {
                let id = aisle_domain::ReceiptLineId::new().to_string();
                tx.exec(
                    "INSERT INTO receipt_lines (id, receipt, line, warehouse_id, item_id, expected_qty, expected_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    args![id, order, line, dst, item, qty, today],
                )?;
                id
            }
        };
        tx.exec(
            "INSERT INTO changes (kind, id) VALUES ('receipt_line', ?1)",
            args![id],
        )?;
        tx.exec(
            "UPDATE transfers SET status = 'in_transit', shipped_at = ?2 WHERE transfer_no = ?1 AND status = 'open'",
            args![order, Utc::now().to_rfc3339()],
        )?;
    }
    Ok(())
}

/// Closes a transfer at its destination once receiving is done: what arrived short, per item
/// (the caller raises the exception). Only a transfer in transit can be closed.
pub(crate) fn close_transfer(
    tx: &dyn Db,
    number: &str,
) -> StorageResult<(String, Vec<Shortage>, Vec<aisle_domain::OpId>)> {
    let Some((status, dst)) = transfer_of(tx, number)? else {
        return Err(StorageError::NotFound(said!(
            "transfers.no_transfer",
            "no transfer {number:?}",
            number = number
        )));
    };
    if status != "in_transit" {
        return Err(StorageError::Conflict(said!(
            "transfers.transfer_only_transfer_transit",
            "transfer {number} is {status}: only a transfer in transit (shipped) can be closed",
            number = number,
            status = super::status_words(&status)
        )));
    }
    let short: Vec<Shortage> = tx.rows(
        "SELECT i.sku, r.expected_qty, r.received_qty FROM receipt_lines r JOIN items i ON i.id = r.item_id
         WHERE r.receipt = ?1 AND r.received_qty < r.expected_qty ORDER BY r.line",
        args![number],
        |r| {
            Ok(Shortage {
                sku: r.get(0)?,
                shipped: r.get(1)?,
                received: r.get(2)?,
            })
        },
    )?;
    let received: Vec<aisle_domain::OpId> = tx.rows(
        "SELECT o.op_id FROM line_ops o JOIN receipt_lines r ON r.id = o.line_id WHERE r.receipt = ?1",
        args![number],
        |r| r.get(0),
    )?;
    tx.exec(
        "UPDATE transfers SET status = 'closed', closed_at = ?2 WHERE transfer_no = ?1",
        args![number, Utc::now().to_rfc3339()],
    )?;
    Ok((dst, short, received))
}

/// Goods in transit per item, by destination warehouse: shipped on transfers not yet closed and
/// not yet received. `(warehouse code, sku, qty)`.
pub(crate) fn in_transit(
    conn: &dyn Db,
    item: Option<&str>,
) -> StorageResult<Vec<(String, String, i64)>> {
    Ok(conn.rows(
        "SELECT w.code, i.sku, CAST(SUM(r.expected_qty - r.received_qty) AS BIGINT)
         FROM transfers t JOIN receipt_lines r ON r.receipt = t.transfer_no
           JOIN warehouses w ON w.id = t.to_wh JOIN items i ON i.id = r.item_id
         WHERE t.status = 'in_transit' AND r.received_qty < r.expected_qty AND (?1 = '' OR r.item_id = ?1)
         GROUP BY w.code, i.sku ORDER BY w.code, i.sku",
        args![item.unwrap_or("")],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}

/// The transfers into or out of a warehouse, newest first.
pub(crate) fn transfers(conn: &dyn Db, warehouse: &str) -> StorageResult<Vec<TransferSummary>> {
    let wh = warehouse_id(conn, warehouse)?;
    Ok(conn.rows(
        "SELECT t.transfer_no, f.code, d.code, t.status,
                (SELECT CAST(COALESCE(SUM(o.qty), 0) AS BIGINT) FROM order_lines o WHERE o.order_no = t.transfer_no),
                (SELECT CAST(COALESCE(SUM(r.expected_qty), 0) AS BIGINT) FROM receipt_lines r WHERE r.receipt = t.transfer_no),
                (SELECT CAST(COALESCE(SUM(r.received_qty), 0) AS BIGINT) FROM receipt_lines r WHERE r.receipt = t.transfer_no),
                t.created_at, t.shipped_at
         FROM transfers t JOIN warehouses f ON f.id = t.from_wh JOIN warehouses d ON d.id = t.to_wh
         WHERE t.from_wh = ?1 OR t.to_wh = ?1
         ORDER BY t.transfer_no DESC",
        args![wh],
        |r| {
            let status: String = r.get(3)?;
            Ok(TransferSummary {
                transfer: r.get(0)?,
                from: r.get(1)?,
                to: r.get(2)?,
                shipped: if status == "open" { 0 } else { r.get(5)? },
                status,
                ordered: r.get(4)?,
                received: r.get(6)?,
                created_at: r.get(7)?,
                shipped_at: r.get(8)?,
            })
        },
    )?)
}
