//! Which items each warehouse stocks, and how it replenishes them:
//! `warehouse,sku,stocked[,preferred_supplier,reorder_point,order_qty,min,max]`
//! (docs/csv-formats.md). Replenishment suggests only what a warehouse stocks.

use super::*;
use crate::replenish::PolicyKind;

/// One item-warehouse row, by codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockingRow {
    pub line_no: u64,
    pub warehouse: String,
    pub sku: String,
    pub stocked: bool,
    /// The supplier replenishment orders from (its code).
    pub preferred_supplier: Option<String>,
    /// The warehouse's own policy for the item: a reorder point with an order quantity, or a
    /// min/max; without one, the item master's or the forecast's.
    pub policy: Option<PolicyKind>,
}

/// Reads `warehouse,sku,stocked` (`stocked`: yes or no; each pair once), with optionally a
/// preferred supplier and a policy (`reorder_point` with `order_qty`, or `min` with `max`).
pub fn parse_item_warehouses(input: impl Read) -> Result<Vec<StockingRow>, ImportError> {
    let mut t = Table::read(
        "item-warehouses",
        input,
        &["warehouse", "sku", "stocked"],
        &[
            "preferred_supplier",
            "reorder_point",
            "order_qty",
            "min",
            "max",
        ],
    )?;
    let mut seen = HashMap::new();
    let rows = for_rows(&mut t, |r| {
        let warehouse = r.required("warehouse");
        let sku = r.required("sku");
        if r.get("stocked").is_empty() {
            r.err("stocked", "is empty; give yes or no".into());
        }
        let stocked = r.bool("stocked");
        let preferred_supplier = r.opt("preferred_supplier");
        let policy = match (
            r.int("reorder_point"),
            r.int("order_qty"),
            r.int("min"),
            r.int("max"),
        ) {
            (None, None, None, None) => None,
            (Some(reorder_point), Some(order_qty), None, None) if order_qty >= 1 => {
                Some(PolicyKind::ReorderPoint {
                    reorder_point,
                    order_qty,
                })
            }
            (None, None, Some(min), Some(max)) if max > min => {
                Some(PolicyKind::MinMax { min, max })
            }
            (None, None, Some(min), Some(max)) => {
                r.err("max", format!("max {max} must be above min {min}"));
                None
            }
            (Some(_), Some(q), None, None) => {
                r.err(
                    "order_qty",
                    format!("order quantity {q} must be at least 1"),
                );
                None
            }
            _ => {
                r.err(
                    "reorder_point",
                    "give reorder_point with order_qty, or min with max, or none of them".into(),
                );
                None
            }
        };
        if !stocked && (policy.is_some() || preferred_supplier.is_some()) {
            r.err(
                "stocked",
                "is no, but a policy or a preferred supplier is given".into(),
            );
        }
        if let Some(first) = seen.insert((warehouse.clone(), sku.clone()), r.line) {
            r.err(
                "sku",
                format!("{sku:?} in {warehouse} already appears on line {first}"),
            );
        }
        Some(StockingRow {
            line_no: r.line,
            warehouse,
            sku,
            stocked,
            preferred_supplier,
            policy,
        })
    });
    t.finish(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_say_yes_or_no_once_per_warehouse_and_item() {
        let rows = parse_item_warehouses("warehouse,sku,stocked\nWH1,A,yes\nWH2,A,no\n".as_bytes())
            .unwrap();
        assert_eq!(
            rows.iter()
                .map(|r| (r.warehouse.as_str(), r.stocked))
                .collect::<Vec<_>>(),
            [("WH1", true), ("WH2", false)]
        );
        let e = parse_item_warehouses(
            "warehouse,sku,stocked\nWH1,A,maybe\nWH1,B,\nWH1,A,yes\n".as_bytes(),
        )
        .unwrap_err();
        let reasons: Vec<String> = e.errors.iter().map(|x| x.to_string()).collect();
        assert_eq!(e.errors.len(), 3, "{reasons:?}");
        assert!(reasons[0].contains("not yes or no"), "{reasons:?}");
        assert!(reasons[1].contains("give yes or no"), "{reasons:?}");
        assert!(
            reasons[2].contains("already appears on line 2"),
            "{reasons:?}"
        );
    }

    #[test]
    fn a_row_may_name_a_preferred_supplier_and_one_policy() {
        let rows = parse_item_warehouses(
            "warehouse,sku,stocked,preferred_supplier,reorder_point,order_qty,min,max\n\
             WH1,A,yes,ACME,20,60,,\nWH1,B,yes,,,,5,50\nWH1,C,yes,ACME,,,,\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(rows[0].preferred_supplier.as_deref(), Some("ACME"));
        assert_eq!(
            rows[0].policy,
            Some(PolicyKind::ReorderPoint {
                reorder_point: 20,
                order_qty: 60
            })
        );
        assert_eq!(rows[1].policy, Some(PolicyKind::MinMax { min: 5, max: 50 }));
        assert_eq!(rows[2].policy, None);
        let e = parse_item_warehouses(
            "warehouse,sku,stocked,preferred_supplier,reorder_point,order_qty,min,max\n\
             WH1,A,yes,,20,,,\nWH1,B,yes,,,,50,5\nWH1,C,no,ACME,,,,\nWH1,D,yes,,1,0,,\nWH1,E,yes,,1,2,3,4\n"
                .as_bytes(),
        )
        .unwrap_err();
        let reasons: Vec<String> = e.errors.iter().map(|x| x.to_string()).collect();
        assert_eq!(e.errors.len(), 5, "{reasons:?}");
        assert!(reasons[0].contains("or none of them"), "{reasons:?}");
        assert!(reasons[1].contains("must be above min"), "{reasons:?}");
        assert!(reasons[2].contains("is no, but"), "{reasons:?}");
        assert!(reasons[3].contains("at least 1"), "{reasons:?}");
        assert!(reasons[4].contains("or none of them"), "{reasons:?}");
    }
}
