//! Which items each warehouse stocks: `warehouse,sku,stocked` (docs/csv-formats.md). Replenishment
//! suggests only what a warehouse stocks.

use super::*;

/// One item-warehouse row, by codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockingRow {
    pub line_no: u64,
    pub warehouse: String,
    pub sku: String,
    pub stocked: bool,
}

/// Reads `warehouse,sku,stocked` (`stocked`: yes or no; each pair once).
pub fn parse_item_warehouses(input: impl Read) -> Result<Vec<StockingRow>, ImportError> {
    let mut t = Table::read(
        "item-warehouses",
        input,
        &["warehouse", "sku", "stocked"],
        &[],
    )?;
    let mut seen = HashMap::new();
    let rows = for_rows(&mut t, |r| {
        let warehouse = r.required("warehouse");
        let sku = r.required("sku");
        if r.get("stocked").is_empty() {
            r.err("stocked", "is empty; give yes or no".into());
        }
        let stocked = r.bool("stocked");
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
}
