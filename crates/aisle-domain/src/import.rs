//! CSV formats for master data (warehouses, locations, items), shared by the device's stand-alone
//! import and the server's. Column formats are documented in `docs/csv-formats.md`.
//!
//! Parsing is all-or-nothing: every row is checked, every problem is reported with its line and
//! column, and the caller writes nothing unless the whole file is good.

use crate::ids::ItemId;
use crate::master::{Item, LocationKind, PackKind, PackLevel, Tracking};
use crate::scan::gtin::Gtin;
use std::collections::HashMap;
use std::io::Read;

mod stocking;
mod suppliers;
pub use stocking::{StockingRow, parse_item_warehouses};
pub use suppliers::{SupplierItemRow, SupplierRow, parse_supplier_items, parse_suppliers};

/// One problem in one cell (or row, or the header).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}{}: {reason}", column.as_ref().map(|c| format!(", column {c}")).unwrap_or_default())]
pub struct RowError {
    pub line: u64,
    pub column: Option<String>,
    pub reason: String,
}

/// Every problem found in a file (at most [`MAX_ERRORS`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem{} in the {what} file; nothing was imported:\n{}", errors.len(), if errors.len() == 1 { "" } else { "s" }, errors.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"))]
pub struct ImportError {
    pub what: &'static str,
    pub errors: Vec<RowError>,
}

/// Reporting stops after this many problems: the file is clearly wrong by then.
pub const MAX_ERRORS: usize = 50;

/// A warehouse row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarehouseRow {
    pub code: String,
    pub name: String,
    /// `None` when the column is absent or empty: left as it is.
    pub refuse_over_capacity: Option<bool>,
}

/// A location row; the parent is named by code within the same warehouse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationRow {
    pub line: u64,
    pub warehouse: String,
    pub code: String,
    pub barcode: String,
    pub kind: LocationKind,
    pub parent: Option<String>,
    pub walk_seq: Option<i64>,
    pub capacity: Option<i64>,
    pub max_weight_g: Option<i64>,
    pub max_volume_cm3: Option<i64>,
}

struct Table {
    what: &'static str,
    columns: HashMap<String, usize>,
    rows: Vec<(u64, csv::StringRecord)>,
    errors: Vec<RowError>,
}

impl Table {
    fn read(
        what: &'static str,
        input: impl Read,
        required: &[&str],
        optional: &[&str],
    ) -> Result<Self, ImportError> {
        let fail = |line, reason: String| ImportError {
            what,
            errors: vec![RowError {
                line,
                column: None,
                reason,
            }],
        };
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(false)
            .from_reader(input);
        let headers = rdr
            .headers()
            .map_err(|e| fail(1, format!("cannot read the header: {e}")))?
            .clone();
        let mut columns = HashMap::new();
        let mut errors = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            let name = h.trim_start_matches('\u{feff}').to_ascii_lowercase();
            if !required.contains(&name.as_str()) && !optional.contains(&name.as_str()) {
                errors.push(RowError {
                    line: 1,
                    column: Some(name.clone()),
                    reason: format!(
                        "unknown column (expected: {})",
                        [required, optional].concat().join(", ")
                    ),
                });
            }
            if columns.insert(name.clone(), i).is_some() {
                errors.push(RowError {
                    line: 1,
                    column: Some(name),
                    reason: "column appears twice".into(),
                });
            }
        }
        for r in required {
            if !columns.contains_key(*r) {
                errors.push(RowError {
                    line: 1,
                    column: Some((*r).into()),
                    reason: "required column is missing".into(),
                });
            }
        }
        if !errors.is_empty() {
            return Err(ImportError { what, errors });
        }
        let mut rows = Vec::new();
        for rec in rdr.records() {
            match rec {
                Ok(r) => rows.push((r.position().map_or(0, |p| p.line()), r)),
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    errors.push(RowError {
                        line,
                        column: None,
                        reason: e.to_string(),
                    });
                }
            }
            if errors.len() >= MAX_ERRORS {
                break;
            }
        }
        Ok(Self {
            what,
            columns,
            rows,
            errors,
        })
    }

    fn finish<T>(self, out: T) -> Result<T, ImportError> {
        if self.errors.is_empty() {
            Ok(out)
        } else {
            Err(ImportError {
                what: self.what,
                errors: self.errors,
            })
        }
    }
}

/// Reads one row's cells by column name, collecting errors instead of stopping at the first.
struct Row<'a> {
    line: u64,
    rec: &'a csv::StringRecord,
    columns: &'a HashMap<String, usize>,
    errors: &'a mut Vec<RowError>,
}

impl Row<'_> {
    fn get(&self, col: &str) -> &str {
        self.columns
            .get(col)
            .and_then(|&i| self.rec.get(i))
            .unwrap_or("")
    }

    fn err(&mut self, col: &str, reason: String) {
        self.errors.push(RowError {
            line: self.line,
            column: Some(col.to_string()),
            reason,
        });
    }

    fn required(&mut self, col: &str) -> String {
        let v = self.get(col).to_string();
        if v.is_empty() {
            self.err(col, "is empty".into());
        }
        v
    }

    fn opt(&self, col: &str) -> Option<String> {
        Some(self.get(col).to_string()).filter(|v| !v.is_empty())
    }

    /// `LxWxH` in millimetres (`600x400x300`): three whole numbers of at least 1.
    fn dims(&mut self, col: &str) -> Option<[i64; 3]> {
        let v = self.get(col).trim().to_ascii_lowercase();
        if v.is_empty() {
            return None;
        }
        let parts: Vec<Option<i64>> = v
            .split('x')
            .map(|p| p.trim().parse::<i64>().ok().filter(|n| *n >= 1))
            .collect();
        match parts.as_slice() {
            [Some(l), Some(w), Some(h)] => Some([*l, *w, *h]),
            _ => {
                self.err(
                    col,
                    format!(
                        "{v:?} is not a size: give length x width x height in mm, e.g. 600x400x300"
                    ),
                );
                None
            }
        }
    }

    fn int(&mut self, col: &str) -> Option<i64> {
        let v = self.get(col).to_string();
        if v.is_empty() {
            return None;
        }
        match v.parse::<i64>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                self.err(col, format!("{v:?} is not a whole number of zero or more"));
                None
            }
        }
    }

    fn parsed<T: std::str::FromStr<Err = String>>(
        &mut self,
        col: &str,
        default: &str,
    ) -> Option<T> {
        let v = self.get(col);
        let v = if v.is_empty() {
            default.to_string()
        } else {
            v.to_string()
        };
        match v.parse() {
            Ok(t) => Some(t),
            Err(e) => {
                self.err(col, e);
                None
            }
        }
    }

    fn gtin(&mut self, col: &str) -> Option<Gtin> {
        let v = self.opt(col)?;
        match Gtin::parse(&v) {
            Ok(g) => Some(g),
            Err(e) => {
                self.err(col, e.to_string());
                None
            }
        }
    }

    /// Records an error unless `currency` is empty or an ISO 4217 code in capitals.
    fn check_currency(&mut self, col: &str, currency: &str) {
        if !currency.is_empty()
            && (currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()))
        {
            self.err(
                col,
                format!("{currency:?} is not a currency code such as EUR or USD"),
            );
        }
    }

    /// A whole number of at least `least` (empty: `default`).
    fn at_least(&mut self, col: &str, least: i64, default: i64) -> i64 {
        match self.int(col) {
            None => default,
            Some(n) if n < least => {
                self.err(col, format!("{n} must be at least {least}"));
                default
            }
            Some(n) => n,
        }
    }

    fn bool(&mut self, col: &str) -> bool {
        match self.get(col).to_ascii_lowercase().as_str() {
            "" | "0" | "no" | "n" | "false" => false,
            "1" | "yes" | "y" | "true" => true,
            other => {
                let other = other.to_string();
                self.err(col, format!("{other:?} is not yes or no"));
                false
            }
        }
    }
}

fn for_rows<T>(table: &mut Table, mut each: impl FnMut(&mut Row<'_>) -> Option<T>) -> Vec<T> {
    let mut out = Vec::new();
    for (line, rec) in &table.rows {
        let before = table.errors.len();
        let mut row = Row {
            line: *line,
            rec,
            columns: &table.columns,
            errors: &mut table.errors,
        };
        if let Some(v) = each(&mut row)
            && table.errors.len() == before
        {
            out.push(v);
        }
        if table.errors.len() >= MAX_ERRORS {
            break;
        }
    }
    out
}

/// Reads `code,name`.
pub fn parse_warehouses(input: impl Read) -> Result<Vec<WarehouseRow>, ImportError> {
    let mut t = Table::read(
        "warehouses",
        input,
        &["code", "name"],
        &["refuse_over_capacity"],
    )?;
    let mut seen = HashMap::new();
    let rows = for_rows(&mut t, |r| {
        let code = r.required("code");
        let name = r.required("name");
        if let Some(first) = seen.insert(code.clone(), r.line) {
            r.err(
                "code",
                format!("warehouse {code:?} already appears on line {first}"),
            );
        }
        let refuse_over_capacity =
            (!r.get("refuse_over_capacity").is_empty()).then(|| r.bool("refuse_over_capacity"));
        Some(WarehouseRow {
            code,
            name,
            refuse_over_capacity,
        })
    });
    t.finish(rows)
}

/// Reads `warehouse,code,type[,barcode,parent,walk_seq,capacity,max_weight_g,max_volume_cm3]`. A parent must appear on an
/// earlier line or already exist; the caller checks the latter.
pub fn parse_locations(input: impl Read) -> Result<Vec<LocationRow>, ImportError> {
    let mut t = Table::read(
        "locations",
        input,
        &["warehouse", "code", "type"],
        &[
            "barcode",
            "parent",
            "walk_seq",
            "capacity",
            "max_weight_g",
            "max_volume_cm3",
        ],
    )?;
    let mut seen_codes: HashMap<(String, String), u64> = HashMap::new();
    let mut seen_barcodes: HashMap<String, u64> = HashMap::new();
    let rows = for_rows(&mut t, |r| {
        let warehouse = r.required("warehouse");
        let code = r.required("code");
        let kind = r.parsed::<LocationKind>("type", "");
        let barcode = r
            .opt("barcode")
            .unwrap_or_else(|| format!("LOC:{warehouse}:{code}"));
        let parent = r.opt("parent");
        if parent.as_deref() == Some(code.as_str()) {
            r.err("parent", "a location cannot be its own parent".into());
        }
        let walk_seq = r.int("walk_seq");
        let capacity = r.int("capacity");
        let max_weight_g = r.int("max_weight_g");
        let max_volume_cm3 = r.int("max_volume_cm3");
        if let Some(first) = seen_codes.insert((warehouse.clone(), code.clone()), r.line) {
            r.err(
                "code",
                format!("{warehouse}/{code} already appears on line {first}"),
            );
        }
        if let Some(first) = seen_barcodes.insert(barcode.clone(), r.line) {
            r.err(
                "barcode",
                format!("{barcode:?} already appears on line {first}"),
            );
        }
        Some(LocationRow {
            line: r.line,
            warehouse,
            code,
            barcode,
            kind: kind?,
            parent,
            walk_seq,
            capacity,
            max_weight_g,
            max_volume_cm3,
        })
    });
    t.finish(rows)
}

/// The longest minimum shelf life an item may ask for (100 years): more is a typing mistake.
pub const MAX_SHELF_LIFE_DAYS: i64 = 36_500;

const ITEM_REQUIRED: &[&str] = &["sku", "description"];
const ITEM_OPTIONAL: &[&str] = &[
    "uom",
    "barcodes",
    "inner_gtin",
    "inner_qty",
    "case_gtin",
    "case_qty",
    "pallet_gtin",
    "pallet_qty",
    "inner_weight_g",
    "case_weight_g",
    "pallet_weight_g",
    "inner_dims_mm",
    "case_dims_mm",
    "pallet_dims_mm",
    "weight_g",
    "length_mm",
    "width_mm",
    "height_mm",
    "tracking",
    "expiry_tracked",
    "reorder_point",
    "min",
    "max",
    "min_shelf_life_days",
];

/// Reads items; see `docs/csv-formats.md` for the columns. Barcodes are `|`-separated; numeric
/// ones of GTIN length must carry a valid check digit and are stored as 14 digits.
pub fn parse_items(input: impl Read) -> Result<Vec<Item>, ImportError> {
    let mut t = Table::read("items", input, ITEM_REQUIRED, ITEM_OPTIONAL)?;
    let mut seen_sku: HashMap<String, u64> = HashMap::new();
    let mut seen_code: HashMap<String, (u64, String)> = HashMap::new();
    let rows = for_rows(&mut t, |r| {
        let sku = r.required("sku");
        let description = r.required("description");
        let uom = r.opt("uom").unwrap_or_else(|| "EA".into());
        let mut barcodes = Vec::new();
        for code in r
            .get("barcodes")
            .split('|')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
        {
            let numeric = code.bytes().all(|b| b.is_ascii_digit());
            if numeric && matches!(code.len(), 8 | 12 | 13 | 14) {
                match Gtin::parse(&code) {
                    Ok(g) => barcodes.push(g.as_str().to_string()),
                    Err(e) => r.err("barcodes", e.to_string()),
                }
            } else {
                barcodes.push(code);
            }
        }
        let mut packs = vec![PackLevel {
            kind: PackKind::Each,
            gtin: None,
            quantity: 1,
            weight_g: None,
            dimensions_mm: None,
        }];
        for (kind, gcol, qcol, wcol, dcol) in [
            (
                PackKind::Inner,
                "inner_gtin",
                "inner_qty",
                "inner_weight_g",
                "inner_dims_mm",
            ),
            (
                PackKind::Case,
                "case_gtin",
                "case_qty",
                "case_weight_g",
                "case_dims_mm",
            ),
            (
                PackKind::Pallet,
                "pallet_gtin",
                "pallet_qty",
                "pallet_weight_g",
                "pallet_dims_mm",
            ),
        ] {
            let gtin = r.gtin(gcol);
            let weight_g = r.int(wcol);
            let dimensions_mm = r.dims(dcol);
            if (weight_g.is_some() || dimensions_mm.is_some()) && r.int(qcol).is_none() {
                r.err(qcol, format!("a pack's weight or size needs its {qcol}"));
            }
            match (gtin, r.int(qcol)) {
                (g, Some(q)) if q >= 1 => packs.push(PackLevel {
                    kind,
                    gtin: g,
                    quantity: q,
                    weight_g,
                    dimensions_mm,
                }),
                (_, Some(q)) => r.err(
                    qcol,
                    format!("{q} base units per pack; it must be at least 1"),
                ),
                (Some(_), None) => r.err(qcol, format!("{gcol} is given, so {qcol} is needed")),
                (None, None) => {}
            }
        }
        let dims = [r.int("length_mm"), r.int("width_mm"), r.int("height_mm")];
        let dimensions_mm = match dims {
            [Some(l), Some(w), Some(h)] => Some([l, w, h]),
            [None, None, None] => None,
            _ => {
                r.err(
                    "length_mm",
                    "give all three of length_mm, width_mm and height_mm, or none".into(),
                );
                None
            }
        };
        let min_shelf_life_days = shelf_life_days(r, "min_shelf_life_days");
        let item = Item {
            id: ItemId::new(),
            sku: sku.clone(),
            description,
            uom,
            barcodes,
            packs,
            weight_g: r.int("weight_g"),
            dimensions_mm,
            tracking: r.parsed::<Tracking>("tracking", "none").unwrap_or_default(),
            expiry_tracked: r.bool("expiry_tracked"),
            reorder_point: r.int("reorder_point"),
            min_qty: r.int("min"),
            max_qty: r.int("max"),
            min_shelf_life_days,
        };
        if let Err(e) = item.validate() {
            r.err("sku", e.to_string());
        }
        if let Some(first) = seen_sku.insert(sku.clone(), r.line) {
            r.err(
                "sku",
                format!("SKU {sku:?} already appears on line {first}"),
            );
        }
        for (code, _) in item.scan_codes() {
            if let Some((first, other)) = seen_code.get(&code) {
                if *other != sku {
                    let msg =
                        format!("barcode {code} is already used by SKU {other:?} on line {first}");
                    r.err("barcodes", msg);
                }
            } else {
                seen_code.insert(code, (r.line, sku.clone()));
            }
        }
        Some(item)
    });
    t.finish(rows)
}

/// A minimum shelf life in days, if given: 0 to [`MAX_SHELF_LIFE_DAYS`].
fn shelf_life_days(r: &mut Row<'_>, col: &str) -> Option<u32> {
    match r.int(col) {
        Some(d) if d <= MAX_SHELF_LIFE_DAYS => u32::try_from(d).ok(),
        Some(d) => {
            r.err(
                col,
                format!("{d} days; give 0 to {MAX_SHELF_LIFE_DAYS}, or leave it empty"),
            );
            None
        }
        None => None,
    }
}

/// A line of expected inbound work or of an outbound order, by codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkRow {
    pub line_no: u64,
    /// Receipt or order number.
    pub document: String,
    pub line: u32,
    pub warehouse: String,
    pub sku: String,
    pub qty: i64,
    /// `expected_date` of a receipt (YYYY-MM-DD) or `customer` of an order.
    pub extra: Option<String>,
    /// An order line's minimum remaining shelf life in days (from the customer's terms); always
    /// `None` for a receipt.
    pub min_shelf_life_days: Option<u32>,
}

fn parse_work(
    what: &'static str,
    doc_col: &'static str,
    extra_col: &'static str,
    input: impl Read,
) -> Result<Vec<WorkRow>, ImportError> {
    // Orders may say how much shelf life their customer needs.
    let shelf_life = doc_col == "order";
    let optional: &[&str] = if shelf_life {
        &[extra_col, "min_shelf_life_days"]
    } else {
        &[extra_col]
    };
    let mut t = Table::read(
        what,
        input,
        &[doc_col, "line", "warehouse", "sku", "qty"],
        optional,
    )?;
    let mut seen: HashMap<(String, u32), u64> = HashMap::new();
    let rows = for_rows(&mut t, |r| {
        let document = r.required(doc_col);
        let line = r.int("line");
        let warehouse = r.required("warehouse");
        let sku = r.required("sku");
        let qty = r.int("qty");
        if qty == Some(0) {
            r.err("qty", "must be at least 1".into());
        }
        let extra = r.opt(extra_col);
        let min_shelf_life_days = if shelf_life {
            shelf_life_days(r, "min_shelf_life_days")
        } else {
            None
        };
        if extra_col == "expected_date"
            && let Some(d) = &extra
            && chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err()
        {
            r.err(extra_col, format!("{d:?} is not a date (YYYY-MM-DD)"));
        }
        let line = match line.map(u32::try_from) {
            Some(Ok(l)) if l >= 1 => l,
            _ => {
                r.err("line", "must be a line number of 1 or more".into());
                0
            }
        };
        if let Some(first) = seen.insert((document.clone(), line), r.line) {
            r.err(
                "line",
                format!("{document} line {line} already appears on line {first}"),
            );
        }
        Some(WorkRow {
            line_no: r.line,
            document,
            line,
            warehouse,
            sku,
            qty: qty.unwrap_or(0),
            extra,
            min_shelf_life_days,
        })
    });
    t.finish(rows)
}

/// Reads expected receipts: `receipt,line,warehouse,sku,qty[,expected_date]`.
pub fn parse_receipts(input: impl Read) -> Result<Vec<WorkRow>, ImportError> {
    parse_work("receipts", "receipt", "expected_date", input)
}

/// Reads outbound orders: `order,line,warehouse,sku,qty[,customer]`.
pub fn parse_orders(input: impl Read) -> Result<Vec<WorkRow>, ImportError> {
    parse_work("orders", "order", "customer", input)
}

/// A unit cost of an item, for stock valuation (server-side only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostRow {
    pub line_no: u64,
    pub sku: String,
    /// Millionths of the currency unit: exact for any price with up to six decimals.
    pub unit_cost_micros: i64,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: String,
}

/// An amount in millionths written as [`parse_money`] reads it, exactly: `1.25`, `3`, `0.000125`
/// (zero or more).
pub fn money_text(micros: i64) -> String {
    let micros = micros.max(0);
    let frac = format!("{:06}", micros % 1_000_000);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        (micros / 1_000_000).to_string()
    } else {
        format!("{}.{frac}", micros / 1_000_000)
    }
}

/// Reads a decimal amount of money ("12", "12.5", "0.000125") as millionths, refusing signs,
/// exponents, more than six decimals and amounts above a billion.
pub fn parse_money(text: &str) -> Result<i64, String> {
    let bad = || format!("{text:?} is not an amount like 12.34 (zero or more, at most 6 decimals)");
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty()
        || whole.len() > 10
        || frac.len() > 6
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (text.contains('.') && frac.is_empty())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    if whole > 1_000_000_000 {
        return Err(bad());
    }
    let frac: i64 = format!("{frac:0<6}").parse().map_err(|_| bad())?;
    Ok(whole * 1_000_000 + frac)
}

/// Reads `sku,unit_cost,currency`: one cost per item (the last import wins).
pub fn parse_costs(input: impl Read) -> Result<Vec<CostRow>, ImportError> {
    let mut t = Table::read("costs", input, &["sku", "unit_cost", "currency"], &[])?;
    let mut seen = HashMap::new();
    let rows = for_rows(&mut t, |r| {
        let sku = r.required("sku");
        let cost = r.required("unit_cost");
        let currency = r.required("currency");
        let micros = match parse_money(&cost) {
            Ok(m) => m,
            Err(e) if !cost.is_empty() => {
                r.err("unit_cost", e);
                0
            }
            Err(_) => 0,
        };
        r.check_currency("currency", &currency);
        if let Some(first) = seen.insert(sku.clone(), r.line) {
            r.err(
                "sku",
                format!("item {sku:?} already appears on line {first}"),
            );
        }
        Some(CostRow {
            line_no: r.line,
            sku,
            unit_cost_micros: micros,
            currency,
        })
    });
    t.finish(rows)
}

#[cfg(test)]
mod tests {
    #[test]
    fn costs_parse_exactly_and_bad_amounts_are_refused_with_their_place() {
        let ok =
            parse_costs("sku,unit_cost,currency\nA,12.5,EUR\nB,0.000125,EUR\nC,3,USD\n".as_bytes())
                .unwrap();
        let got: Vec<_> = ok
            .iter()
            .map(|c| (c.sku.as_str(), c.unit_cost_micros))
            .collect();
        assert_eq!(got, vec![("A", 12_500_000), ("B", 125), ("C", 3_000_000)]);
        for bad in [
            "-1",
            "1e3",
            "1.",
            ".5",
            "1.1234567",
            "12,5",
            "x",
            "99999999999",
        ] {
            assert!(parse_money(bad).is_err(), "{bad} must be refused");
        }
        let e = parse_costs("sku,unit_cost,currency\nA,-2,EUR\nA,2,euro\n".as_bytes()).unwrap_err();
        let cols: Vec<_> = e
            .errors
            .iter()
            .map(|r| (r.line, r.column.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            cols,
            vec![
                (2, "unit_cost".into()),
                (3, "currency".into()),
                (3, "sku".into())
            ]
        );
    }

    #[test]
    fn work_rows_parse_and_refuse_bad_lines() {
        let ok = parse_receipts(
            "receipt,line,warehouse,sku,qty,expected_date\nPO-1,1,WH1,A,10,2026-12-01\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(
            (
                ok[0].document.as_str(),
                ok[0].line,
                ok[0].qty,
                ok[0].extra.as_deref()
            ),
            ("PO-1", 1, 10, Some("2026-12-01"))
        );
        let e = parse_orders(
            "order,line,warehouse,sku,qty\nSO-1,0,WH1,A,0\nSO-1,1,WH1,A,2\nSO-1,1,WH1,B,2\n"
                .as_bytes(),
        )
        .unwrap_err();
        let cols: Vec<_> = e
            .errors
            .iter()
            .map(|r| (r.line, r.column.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            cols,
            vec![
                (2, "qty".to_string()),
                (2, "line".to_string()),
                (4, "line".to_string())
            ]
        );
    }

    #[test]
    fn a_pack_level_takes_its_own_weight_and_size() {
        let items = parse_items(
            "sku,description,case_qty,case_weight_g,case_dims_mm\nA,Widget,12,3250,600x400x300\n"
                .as_bytes(),
        )
        .unwrap();
        let case = items[0]
            .packs
            .iter()
            .find(|p| p.kind == PackKind::Case)
            .unwrap();
        assert_eq!(
            (case.quantity, case.weight_g, case.dimensions_mm),
            (12, Some(3250), Some([600, 400, 300]))
        );
        let e = parse_items(
            "sku,description,case_qty,case_weight_g,case_dims_mm,inner_weight_g\nA,Widget,12,,600x400,\nB,Gadget,,,,50\n"
                .as_bytes(),
        )
        .unwrap_err();
        let cols: Vec<_> = e
            .errors
            .iter()
            .map(|r| (r.line, r.column.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            cols,
            vec![
                (2, "case_dims_mm".to_string()),
                (3, "inner_qty".to_string())
            ]
        );
    }

    use super::*;

    proptest::proptest! {
        /// Money written by `money_text` reads back as the same amount.
        #[test]
        fn money_text_reads_back_exactly(micros in 0i64..1_000_000_000_000_000) {
            proptest::prop_assert_eq!(parse_money(&money_text(micros)), Ok(micros));
        }
    }

    #[test]
    fn money_text_writes_no_trailing_zeros() {
        assert_eq!(money_text(1_250_000), "1.25");
        assert_eq!(money_text(3_000_000), "3");
        assert_eq!(money_text(125), "0.000125");
    }

    #[test]
    fn items_parse_with_pack_levels_and_normalised_gtins() {
        let csv = "sku,description,barcodes,case_gtin,case_qty,tracking,expiry_tracked,min,max\n\
                   A1,Widget,9506000134352|INT-7,19506000134359,12,lot,yes,2,20\n";
        let items = parse_items(csv.as_bytes()).unwrap();
        assert_eq!(items.len(), 1);
        let it = &items[0];
        assert_eq!(it.barcodes, vec!["09506000134352", "INT-7"]);
        assert_eq!(it.pack_quantity(PackKind::Case), Some(12));
        assert_eq!(
            (it.tracking, it.expiry_tracked, it.uom.as_str()),
            (Tracking::Lot, true, "EA")
        );
    }

    #[test]
    fn every_bad_cell_is_reported_with_line_and_column() {
        let csv = "sku,description,barcodes,case_qty,tracking\n\
                   A1,Widget,9506000134353,,\n\
                   A2,,,0,batchy\n\
                   A1,Dup,,,\n";
        let e = parse_items(csv.as_bytes()).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("nothing was imported"), "{text}");
        let at: Vec<_> = e
            .errors
            .iter()
            .map(|r| (r.line, r.column.clone().unwrap_or_default()))
            .collect();
        assert!(at.contains(&(2, "barcodes".into())), "{at:?}");
        assert!(at.contains(&(3, "description".into())), "{at:?}");
        assert!(at.contains(&(3, "case_qty".into())), "{at:?}");
        assert!(at.contains(&(3, "tracking".into())), "{at:?}");
        assert!(at.contains(&(4, "sku".into())), "{at:?}");
    }

    #[test]
    fn unknown_and_missing_columns_are_refused_up_front() {
        let e = parse_items("sku,descr\nA,B\n".as_bytes()).unwrap_err();
        let cols: Vec<_> = e.errors.iter().filter_map(|r| r.column.clone()).collect();
        assert_eq!(cols, vec!["descr", "description"]);
    }

    #[test]
    fn barcodes_shared_between_items_are_refused() {
        let csv = "sku,description,barcodes\nA,a,INT-1\nB,b,INT-1\n";
        let e = parse_items(csv.as_bytes()).unwrap_err();
        assert!(
            e.errors[0].reason.contains("already used by SKU \"A\""),
            "{e}"
        );
    }

    #[test]
    fn locations_default_their_barcode_and_check_duplicates() {
        let csv = "warehouse,code,type,parent,walk_seq\nWH1,A,zone,,\nWH1,A-01,storage,A,10\nWH1,A-01,dock,,\n";
        let e = parse_locations(csv.as_bytes()).unwrap_err();
        assert_eq!(e.errors.len(), 2, "{e}"); // duplicate code and duplicate default barcode
        let ok = parse_locations(
            "warehouse,code,type,parent,walk_seq\nWH1,A,zone,,\nWH1,A-01,pick face,A,10\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(ok[1].barcode, "LOC:WH1:A-01");
        assert_eq!(
            (ok[1].kind, ok[1].walk_seq, ok[1].parent.as_deref()),
            (LocationKind::PickFace, Some(10), Some("A"))
        );
    }

    #[test]
    fn warehouses_need_code_and_name() {
        let e = parse_warehouses("code,name\nWH1,\n".as_bytes()).unwrap_err();
        assert_eq!(
            e.errors[0],
            RowError {
                line: 2,
                column: Some("name".into()),
                reason: "is empty".into()
            }
        );
    }
}
