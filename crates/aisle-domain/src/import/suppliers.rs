//! Suppliers and their terms per item: `suppliers` (`code,name,lead_time_days`) and
//! `supplier-items` (`supplier,sku,price,currency,min_order_qty,pack_multiple,lead_time_days`),
//! docs/csv-formats.md. Replenishment rounds what it suggests to a supplier's terms and takes
//! its lead time; purchase orders are raised per supplier.

use super::*;

/// The longest lead time accepted, in days: anything longer is a typing mistake.
pub const MAX_LEAD_TIME_DAYS: i64 = 365;

/// One supplier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierRow {
    pub line_no: u64,
    pub code: String,
    pub name: String,
    pub lead_time_days: u32,
}

/// What one supplier asks for one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierItemRow {
    pub line_no: u64,
    pub supplier: String,
    pub sku: String,
    /// Price of one base unit in millionths, with its currency; both or neither.
    pub price: Option<(i64, String)>,
    pub min_order_qty: i64,
    pub pack_multiple: i64,
    /// Overrides the supplier's lead time for this item.
    pub lead_time_days: Option<u32>,
}

fn lead_time(r: &mut Row<'_>, col: &str) -> Option<u32> {
    let days = r.int(col)?;
    if days > MAX_LEAD_TIME_DAYS {
        r.err(
            col,
            format!("{days} days is longer than a year ({MAX_LEAD_TIME_DAYS})"),
        );
        return None;
    }
    u32::try_from(days).ok()
}

/// Reads `code,name,lead_time_days` (each code once).
pub fn parse_suppliers(input: impl Read) -> Result<Vec<SupplierRow>, ImportError> {
    let mut t = Table::read("suppliers", input, &["code", "name", "lead_time_days"], &[])?;
    let mut seen = HashMap::new();
    let rows = for_rows(&mut t, |r| {
        let code = r.required("code");
        let name = r.required("name");
        if r.get("lead_time_days").is_empty() {
            r.err(
                "lead_time_days",
                "is empty; give the days from order to arrival".into(),
            );
        }
        let lead_time_days = lead_time(r, "lead_time_days").unwrap_or(0);
        if let Some(first) = seen.insert(code.clone(), r.line) {
            r.err(
                "code",
                format!("supplier {code:?} already appears on line {first}"),
            );
        }
        Some(SupplierRow {
            line_no: r.line,
            code,
            name,
            lead_time_days,
        })
    });
    t.finish(rows)
}

/// Reads `supplier,sku,price,currency,min_order_qty,pack_multiple,lead_time_days`: only
/// `supplier` and `sku` are required; minimum order and pack multiple default to 1.
pub fn parse_supplier_items(input: impl Read) -> Result<Vec<SupplierItemRow>, ImportError> {
    let mut t = Table::read(
        "supplier-items",
        input,
        &["supplier", "sku"],
        &[
            "price",
            "currency",
            "min_order_qty",
            "pack_multiple",
            "lead_time_days",
        ],
    )?;
    let mut seen = HashMap::new();
    let rows = for_rows(&mut t, |r| {
        let supplier = r.required("supplier");
        let sku = r.required("sku");
        let price_text = r.get("price").to_string();
        let currency = r.get("currency").to_string();
        r.check_currency("currency", &currency);
        let price = match (price_text.is_empty(), currency.is_empty()) {
            (true, true) => None,
            (false, false) => match parse_money(&price_text) {
                Ok(m) => Some((m, currency)),
                Err(e) => {
                    r.err("price", e);
                    None
                }
            },
            (false, true) => {
                r.err("currency", "is empty; a price needs its currency".into());
                None
            }
            (true, false) => {
                r.err("price", "is empty, but a currency is given".into());
                None
            }
        };
        let min_order_qty = r.at_least("min_order_qty", 1, 1);
        let pack_multiple = r.at_least("pack_multiple", 1, 1);
        let lead_time_days = lead_time(r, "lead_time_days");
        if let Some(first) = seen.insert((supplier.clone(), sku.clone()), r.line) {
            r.err(
                "sku",
                format!("{sku:?} from {supplier} already appears on line {first}"),
            );
        }
        Some(SupplierItemRow {
            line_no: r.line,
            supplier,
            sku,
            price,
            min_order_qty,
            pack_multiple,
            lead_time_days,
        })
    });
    t.finish(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(e: ImportError) -> Vec<String> {
        e.errors.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn suppliers_need_a_code_a_name_and_a_sane_lead_time() {
        let rows = parse_suppliers(
            "code,name,lead_time_days\nACME,Acme Tools,5\nBOLT,Bolt & Co,0\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(
            rows.iter()
                .map(|r| (r.code.as_str(), r.lead_time_days))
                .collect::<Vec<_>>(),
            [("ACME", 5), ("BOLT", 0)]
        );
        let e = parse_suppliers(
            "code,name,lead_time_days\nACME,,5\nB,B,-1\nC,C,400\nD,D,\nACME,Again,3\n".as_bytes(),
        )
        .unwrap_err();
        let r = reasons(e);
        assert_eq!(r.len(), 5, "{r:?}");
        assert!(r[0].contains("name") && r[0].contains("is empty"), "{r:?}");
        assert!(r[1].contains("not a whole number"), "{r:?}");
        assert!(r[2].contains("longer than a year"), "{r:?}");
        assert!(r[3].contains("days from order to arrival"), "{r:?}");
        assert!(r[4].contains("already appears on line 2"), "{r:?}");
    }

    #[test]
    fn supplier_items_default_to_single_units_and_check_price_and_terms() {
        let rows = parse_supplier_items(
            "supplier,sku,price,currency,min_order_qty,pack_multiple,lead_time_days\nACME,A,1.25,EUR,50,12,\nACME,B,,,,,9\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(rows[0].price, Some((1_250_000, "EUR".into())));
        assert_eq!((rows[0].min_order_qty, rows[0].pack_multiple), (50, 12));
        assert_eq!(rows[0].lead_time_days, None);
        assert_eq!(rows[1].price, None);
        assert_eq!((rows[1].min_order_qty, rows[1].pack_multiple), (1, 1));
        assert_eq!(rows[1].lead_time_days, Some(9));
        let e = parse_supplier_items(
            "supplier,sku,price,currency,min_order_qty,pack_multiple\nACME,A,1.5,,1,1\nACME,B,,EUR,1,1\nACME,C,x,EUR,0,1\nACME,D,1,eur,1,0\nACME,A,1,EUR,1,1\n"
                .as_bytes(),
        )
        .unwrap_err();
        let r = reasons(e);
        assert_eq!(r.len(), 7, "{r:?}");
        assert!(r[0].contains("a price needs its currency"), "{r:?}");
        assert!(r[1].contains("a currency is given"), "{r:?}");
        assert!(r[2].contains("not an amount"), "{r:?}");
        assert!(r[3].contains("must be at least 1"), "{r:?}");
        assert!(r[4].contains("not a currency code"), "{r:?}");
        assert!(r[5].contains("must be at least 1"), "{r:?}");
        assert!(r[6].contains("already appears on line 2"), "{r:?}");
    }
}
