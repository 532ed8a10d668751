//! Suppliers: what each asks for each item (lead time, minimum order, pack multiple, price), each
//! item's preferred supplier and policy in a warehouse, and purchase orders raised per supplier.
//! Imports write what `aisle_domain::import` parsed, all rows or none; exports give the same
//! columns back (docs/csv-formats.md); replenishment reads [`SupplierTerms`].

use super::*;
use aisle_domain::import::{
    ImportError, RowError, StockingRow, SupplierItemRow, SupplierRow, money_text,
};
use aisle_domain::replenish::Terms;
use aisle_domain::said;
use std::collections::BTreeMap;

/// The lead time of a policy imported for a pair that had none, when no supplier says otherwise
/// (the item master's policies use the same).
pub const DEFAULT_LEAD_TIME_DAYS: u32 = 7;

/// What an item's preferred supplier asks, as replenishment shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupplierTerms {
    pub code: String,
    pub name: String,
    /// The item's own lead time at this supplier, else the supplier's.
    pub lead_time_days: u32,
    #[serde(flatten)]
    pub terms: Terms,
    /// Price of one base unit, e.g. `1.25 EUR`.
    pub price: Option<String>,
}

/// A purchase order as the supervisor pages list it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PurchaseOrderSummary {
    pub purchase_order: String,
    /// The supplier's code; none for orders raised without one.
    pub supplier: Option<String>,
    pub created_at: Option<String>,
    pub expected_date: Option<String>,
    pub lines: i64,
    pub ordered: i64,
    pub received: i64,
}

/// One purchase order raised by [`raise_purchase_orders`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaisedOrder {
    pub purchase_order: String,
    pub supplier: Option<String>,
    pub lines: usize,
    pub expected_date: Option<NaiveDate>,
}

/// A price in millionths with its currency: `1.25 EUR`.
fn price_text(micros: i64, currency: &str) -> String {
    format!("{} {currency}", money_text(micros))
}

fn supplier_id(conn: &dyn Db, code: &str) -> StorageResult<Option<String>> {
    Ok(conn.first(
        "SELECT id FROM suppliers WHERE code = ?1",
        args![code],
        |r| r.get(0),
    )?)
}

fn refused(what: &'static str, errors: Vec<RowError>) -> StorageResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ImportError { what, errors }.into())
    }
}

fn row_error(line: u64, column: &str, reason: String) -> RowError {
    RowError {
        line,
        column: Some(column.into()),
        reason,
    }
}

/// Creates or updates suppliers by code.
pub(crate) fn import_suppliers(tx: &dyn Db, rows: &[SupplierRow]) -> StorageResult<usize> {
    for r in rows {
        tx.exec(
            "INSERT INTO suppliers (id, code, name, lead_time_days) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, lead_time_days = excluded.lead_time_days",
            args![
                uuid::Uuid::now_v7().to_string(),
                r.code,
                r.name,
                i64::from(r.lead_time_days)
            ],
        )?;
    }
    Ok(rows.len())
}

/// Creates or updates each supplier's terms for an item; the supplier and the item must exist.
pub(crate) fn import_supplier_items(tx: &dyn Db, rows: &[SupplierItemRow]) -> StorageResult<usize> {
    let mut errors = Vec::new();
    for r in rows {
        let supplier = supplier_id(tx, &r.supplier)?;
        let item: Option<String> =
            tx.first("SELECT id FROM items WHERE sku = ?1", args![r.sku], |x| {
                x.get(0)
            })?;
        if supplier.is_none() {
            errors.push(row_error(
                r.line_no,
                "supplier",
                format!(
                    "supplier {:?} does not exist (import suppliers first)",
                    r.supplier
                ),
            ));
        }
        if item.is_none() {
            errors.push(row_error(
                r.line_no,
                "sku",
                format!("item {:?} does not exist", r.sku),
            ));
        }
        let (Some(supplier), Some(item)) = (supplier, item) else {
            continue;
        };
        let (price, currency) = match &r.price {
            Some((micros, currency)) => (Some(*micros), Some(currency.clone())),
            None => (None, None),
        };
        tx.exec(
            "INSERT INTO supplier_items (supplier_id, item_id, price_micros, currency, min_order_qty, pack_multiple, lead_time_days)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (supplier_id, item_id) DO UPDATE SET price_micros = excluded.price_micros,
               currency = excluded.currency, min_order_qty = excluded.min_order_qty,
               pack_multiple = excluded.pack_multiple, lead_time_days = excluded.lead_time_days",
            args![
                supplier,
                item,
                price,
                currency,
                r.min_order_qty,
                r.pack_multiple,
                r.lead_time_days.map(i64::from)
            ],
        )?;
    }
    refused("supplier-items", errors)?;
    Ok(rows.len())
}

/// Writes one item-warehouse row: whether the warehouse stocks the item, its preferred supplier
/// and, when given, its policy (keeping a policy's lead time and safety stock set before).
pub(crate) fn import_item_warehouse(
    tx: &dyn Db,
    wh: &str,
    item: &str,
    r: &StockingRow,
    errors: &mut Vec<RowError>,
) -> StorageResult<()> {
    let supplier = match &r.preferred_supplier {
        Some(code) => match supplier_id(tx, code)? {
            Some(id) => Some(id),
            None => {
                errors.push(row_error(
                    r.line_no,
                    "preferred_supplier",
                    format!("supplier {code:?} does not exist (import suppliers first)"),
                ));
                return Ok(());
            }
        },
        None => None,
    };
    tx.exec(
        "INSERT INTO item_warehouses (warehouse_id, item_id, stocked, preferred_supplier_id) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (warehouse_id, item_id) DO UPDATE SET stocked = excluded.stocked,
           preferred_supplier_id = excluded.preferred_supplier_id",
        args![wh, item, r.stocked, supplier],
    )?;
    if let Some(kind) = r.policy {
        let before: Option<String> = tx.first(
            "SELECT policy FROM reorder_policies WHERE warehouse_id = ?1 AND item_id = ?2",
            args![wh, item],
            |x| x.get(0),
        )?;
        let before: Option<Policy> = before.map(|p| serde_json::from_str(&p)).transpose()?;
        let policy = Policy {
            kind,
            safety_stock: before.map_or(0, |p| p.safety_stock),
            lead_time_days: before.map_or(DEFAULT_LEAD_TIME_DAYS, |p| p.lead_time_days),
        };
        tx.exec(
            "INSERT INTO reorder_policies (warehouse_id, item_id, policy) VALUES (?1, ?2, ?3)
             ON CONFLICT (warehouse_id, item_id) DO UPDATE SET policy = excluded.policy",
            args![wh, item, serde_json::to_string(&policy)?],
        )?;
    }
    Ok(())
}

/// `code,name,lead_time_days`, by code.
pub(crate) fn export_suppliers(conn: &dyn Db) -> StorageResult<Vec<Vec<String>>> {
    let mut out = vec![
        ["code", "name", "lead_time_days"]
            .map(String::from)
            .to_vec(),
    ];
    out.extend(conn.rows(
        "SELECT code, name, lead_time_days FROM suppliers ORDER BY code",
        &[],
        |r| {
            Ok(vec![
                r.get::<String>(0)?,
                r.get::<String>(1)?,
                r.get::<i64>(2)?.to_string(),
            ])
        },
    )?);
    Ok(out)
}

/// `supplier,sku,price,currency,min_order_qty,pack_multiple,lead_time_days`.
pub(crate) fn export_supplier_items(conn: &dyn Db) -> StorageResult<Vec<Vec<String>>> {
    let mut out = vec![
        [
            "supplier",
            "sku",
            "price",
            "currency",
            "min_order_qty",
            "pack_multiple",
            "lead_time_days",
        ]
        .map(String::from)
        .to_vec(),
    ];
    out.extend(conn.rows(
        "SELECT s.code, i.sku, si.price_micros, si.currency, si.min_order_qty, si.pack_multiple, si.lead_time_days
         FROM supplier_items si JOIN suppliers s ON s.id = si.supplier_id JOIN items i ON i.id = si.item_id
         ORDER BY s.code, i.sku",
        &[],
        |r| {
            let price: Option<i64> = r.get(2)?;
            let currency: Option<String> = r.get(3)?;
            Ok(vec![
                r.get::<String>(0)?,
                r.get::<String>(1)?,
                price.map(money_text).unwrap_or_default(),
                currency.unwrap_or_default(),
                r.get::<i64>(4)?.to_string(),
                r.get::<i64>(5)?.to_string(),
                r.get::<Option<i64>>(6)?
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            ])
        },
    )?);
    Ok(out)
}

/// `warehouse,sku,stocked,preferred_supplier,reorder_point,order_qty,min,max`: every
/// item-warehouse row and every warehouse policy (a pair with a policy and no row is stocked).
/// Importing the export gives the same rows back.
pub(crate) fn export_item_warehouses(conn: &dyn Db) -> StorageResult<Vec<Vec<String>>> {
    let mut out = vec![
        [
            "warehouse",
            "sku",
            "stocked",
            "preferred_supplier",
            "reorder_point",
            "order_qty",
            "min",
            "max",
        ]
        .map(String::from)
        .to_vec(),
    ];
    /// Warehouse, SKU, stocked, preferred supplier, policy.
    type Pair = (String, String, Option<bool>, Option<String>, Option<String>);
    let rows: Vec<Pair> = conn.rows(
        "SELECT w.code, i.sku, iw.stocked, s.code, p.policy
         FROM warehouses w CROSS JOIN items i
           LEFT JOIN item_warehouses iw ON iw.warehouse_id = w.id AND iw.item_id = i.id
           LEFT JOIN suppliers s ON s.id = iw.preferred_supplier_id
           LEFT JOIN reorder_policies p ON p.warehouse_id = w.id AND p.item_id = i.id
         WHERE iw.item_id IS NOT NULL OR p.item_id IS NOT NULL
         ORDER BY w.code, i.sku",
        &[],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    for (wh, sku, stocked, supplier, policy) in rows {
        let policy: Option<Policy> = policy.map(|p| serde_json::from_str(&p)).transpose()?;
        let text = |n: i64| n.to_string();
        let (rop, qty, min, max) = match policy.map(|p| p.kind) {
            Some(PolicyKind::ReorderPoint {
                reorder_point,
                order_qty,
            }) => (
                text(reorder_point),
                text(order_qty),
                String::new(),
                String::new(),
            ),
            Some(PolicyKind::MinMax { min, max }) => {
                (String::new(), String::new(), text(min), text(max))
            }
            None => Default::default(),
        };
        let stocked = if stocked.unwrap_or(true) { "yes" } else { "no" };
        out.push(vec![
            wh,
            sku,
            stocked.into(),
            supplier.unwrap_or_default(),
            rop,
            qty,
            min,
            max,
        ]);
    }
    Ok(out)
}

/// The preferred supplier's terms for an item in a warehouse, if it has one.
pub(crate) fn preferred_terms(
    conn: &dyn Db,
    wh: &str,
    item: &str,
) -> StorageResult<Option<SupplierTerms>> {
    Ok(conn.first(
        "SELECT s.code, s.name, COALESCE(si.lead_time_days, s.lead_time_days),
                COALESCE(si.min_order_qty, 1), COALESCE(si.pack_multiple, 1), si.price_micros, si.currency
         FROM item_warehouses iw JOIN suppliers s ON s.id = iw.preferred_supplier_id
           LEFT JOIN supplier_items si ON si.supplier_id = s.id AND si.item_id = iw.item_id
         WHERE iw.warehouse_id = ?1 AND iw.item_id = ?2",
        args![wh, item],
        supplier_terms,
    )?)
}

/// One function maps a terms row: code, name, lead time, minimum order, pack multiple, price,
/// currency.
fn supplier_terms(
    r: &aisle_ledger::db::Row<'_>,
) -> Result<SupplierTerms, aisle_ledger::LedgerError> {
    let price: Option<i64> = r.get(5)?;
    let currency: Option<String> = r.get(6)?;
    Ok(SupplierTerms {
        code: r.get(0)?,
        name: r.get(1)?,
        lead_time_days: u32::try_from(r.get::<i64>(2)?).unwrap_or(0),
        terms: Terms {
            min_order_qty: r.get(3)?,
            pack_multiple: r.get(4)?,
        },
        price: price.zip(currency).map(|(m, c)| price_text(m, &c)),
    })
}

/// What a named supplier asks for an item: its terms row, or why it cannot sell it.
fn terms_of(
    conn: &dyn Db,
    supplier: &str,
    item: &str,
    sku: &str,
    code: &str,
) -> StorageResult<SupplierTerms> {
    conn.first(
        "SELECT s.code, s.name, COALESCE(si.lead_time_days, s.lead_time_days),
                si.min_order_qty, si.pack_multiple, si.price_micros, si.currency
         FROM supplier_items si JOIN suppliers s ON s.id = si.supplier_id
         WHERE si.supplier_id = ?1 AND si.item_id = ?2",
        args![supplier, item],
        supplier_terms,
    )?
    .ok_or_else(|| {
        StorageError::Invalid(said!(
            "suppliers.supplier_terms_item_import",
            "{sku}: supplier {code} has no terms for this item (import supplier-items first)",
            sku = sku,
            code = code
        ))
    })
}

/// Creates purchase order `PO-<n>` with one expected receipt line per `(sku, qty)`, from
/// `supplier` (its code) when given: then every line must be an item the supplier sells, in a
/// quantity its terms accept, and the expected date defaults to today plus the longest lead time.
pub(crate) fn create_purchase_order(
    tx: &dyn Db,
    warehouse: &str,
    supplier: Option<&str>,
    lines: &[(String, i64)],
    expected: Option<NaiveDate>,
    changed: impl Fn(&dyn Db, &str, &str) -> StorageResult<()>,
) -> StorageResult<(String, Option<NaiveDate>)> {
    if lines.is_empty() {
        return Err(StorageError::Invalid(said!(
            "suppliers.purchase_order_needs_least",
            "a purchase order needs at least one line"
        )));
    }
    let wh = warehouse_id(tx, warehouse)?;
    let supplier = match supplier {
        Some(code) => Some((
            supplier_id(tx, code)?.ok_or_else(|| {
                StorageError::NotFound(said!(
                    "suppliers.no_supplier",
                    "no supplier {code:?}",
                    code = code
                ))
            })?,
            code,
        )),
        None => None,
    };
    let mut items = Vec::with_capacity(lines.len());
    let mut lead = 0;
    for (sku, qty) in lines {
        if *qty < 1 {
            return Err(StorageError::Invalid(said!(
                "suppliers.quantity_must_least",
                "{sku}: quantity {qty} must be at least 1",
                sku = sku,
                qty = qty
            )));
        }
        let item = item_id(tx, sku)?;
        if let Some((id, code)) = &supplier {
            let t = terms_of(tx, id, &item, sku, code)?;
            if let Some(why) = t.terms.refuse(*qty) {
                return Err(StorageError::Invalid(said!(
                    "suppliers.refused_terms",
                    "{sku} from {code}: {why}",
                    sku = sku,
                    code = code,
                    why = why
                )));
            }
            lead = lead.max(t.lead_time_days);
        }
        items.push(item);
    }
    let expected = expected.or_else(|| {
        supplier
            .as_ref()
            .map(|_| Utc::now().date_naive() + Days::new(u64::from(lead)))
    });
    let n: i64 = tx.one(
        "UPDATE po_counter SET last = last + 1 RETURNING last",
        &[],
        |r| r.get(0),
    )?;
    let po = format!("PO-{n:06}");
    tx.exec(
        "INSERT INTO purchase_orders (po, warehouse_id, supplier_id, created_at, expected_date) VALUES (?1, ?2, ?3, ?4, ?5)",
        args![
            po,
            wh,
            supplier.as_ref().map(|(id, _)| id.clone()),
            Utc::now().to_rfc3339(),
            expected.map(|d| d.to_string())
        ],
    )?;
    for (i, ((_, qty), item)) in lines.iter().zip(items).enumerate() {
        let id = aisle_domain::ReceiptLineId::new().to_string();
        tx.exec("INSERT INTO receipt_lines (id, receipt, line, warehouse_id, item_id, expected_qty, expected_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", args![id, po, i as i64 + 1, wh, item, qty, expected.map(|d| d.to_string())])?;
        changed(tx, "receipt_line", &id)?;
    }
    Ok((po, expected))
}

/// Raises one purchase order per preferred supplier for `(sku, qty)` lines of a warehouse (items
/// without one go together on an order without a supplier), all or none.
pub(crate) fn raise_purchase_orders(
    tx: &dyn Db,
    warehouse: &str,
    lines: &[(String, i64)],
    changed: impl Fn(&dyn Db, &str, &str) -> StorageResult<()> + Copy,
) -> StorageResult<Vec<RaisedOrder>> {
    if lines.is_empty() {
        return Err(StorageError::Invalid(said!(
            "suppliers.purchase_order_needs_least",
            "a purchase order needs at least one line"
        )));
    }
    let wh = warehouse_id(tx, warehouse)?;
    let mut by_supplier: BTreeMap<Option<String>, Vec<(String, i64)>> = BTreeMap::new();
    for (sku, qty) in lines {
        let item = item_id(tx, sku)?;
        let supplier = preferred_terms(tx, &wh, &item)?.map(|t| t.code);
        by_supplier
            .entry(supplier)
            .or_default()
            .push((sku.clone(), *qty));
    }
    let mut out = Vec::new();
    for (supplier, lines) in by_supplier {
        let (po, expected) =
            create_purchase_order(tx, warehouse, supplier.as_deref(), &lines, None, changed)?;
        out.push(RaisedOrder {
            purchase_order: po,
            supplier,
            lines: lines.len(),
            expected_date: expected,
        });
    }
    Ok(out)
}

/// A warehouse's purchase orders, newest first, with what has arrived.
pub(crate) fn purchase_orders(
    conn: &dyn Db,
    warehouse: &str,
) -> StorageResult<Vec<PurchaseOrderSummary>> {
    let wh = warehouse_id(conn, warehouse)?;
    Ok(conn.rows(
        "SELECT r.receipt, s.code, p.created_at, COALESCE(p.expected_date, MAX(r.expected_date)),
                COUNT(*), CAST(SUM(r.expected_qty) AS BIGINT), CAST(SUM(r.received_qty) AS BIGINT)
         FROM receipt_lines r LEFT JOIN purchase_orders p ON p.po = r.receipt
           LEFT JOIN suppliers s ON s.id = p.supplier_id
         WHERE r.warehouse_id = ?1 AND r.receipt LIKE 'PO-%'
         GROUP BY r.receipt, s.code, p.created_at, p.expected_date
         ORDER BY r.receipt DESC",
        args![wh],
        |r| {
            Ok(PurchaseOrderSummary {
                purchase_order: r.get(0)?,
                supplier: r.get(1)?,
                created_at: r.get(2)?,
                expected_date: r.get(3)?,
                lines: r.get(4)?,
                ordered: r.get(5)?,
                received: r.get(6)?,
            })
        },
    )?)
}
