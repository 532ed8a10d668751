//! A believable small company for demos and tests: two warehouses with receiving docks, zones,
//! aisles, racks and bins in walk order, and a few hundred items with valid GTINs and pack levels,
//! some lot-, expiry- or serial-tracked. Deterministic for a given seed.

use crate::ids::{ItemId, LocationId, WarehouseId};
use crate::master::{Item, Location, LocationKind, PackKind, PackLevel, Tracking, Warehouse};
use crate::scan::gtin::{Gtin, mod10};
use chrono::{Datelike, Days, NaiveDate};

/// Stock to put in place when a demo store is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningStock {
    pub item: ItemId,
    pub location: LocationId,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
    pub qty: i64,
}

impl OpeningStock {
    /// The opening balance as an operation: an adjustment with reason `opening-balance`, so demo
    /// stock has a ledger like any other.
    pub fn to_operation(&self) -> crate::op::Operation {
        crate::op::Operation::Adjust(crate::op::Adjust {
            key: crate::ledger::StockKey {
                item: self.item,
                location: self.location,
                lot: self.lot.clone(),
                expiry: self.expiry,
                plate: None,
            },
            qty: self.qty,
            reason: "opening-balance".into(),
            note: Some("demo data".into()),
        })
    }
}

/// Everything a demo store or server starts with.
#[derive(Debug, Clone)]
pub struct DemoData {
    pub warehouses: Vec<Warehouse>,
    pub locations: Vec<Location>,
    pub items: Vec<Item>,
    pub opening: Vec<OpeningStock>,
}

const COMPANY_PREFIX: &str = "5012345";

/// The demo's staff: badge, name, PIN, supervisor. Demo data only: real sites add their own
/// operators (`aisle-server operator add`).
/// The demo's supervisor badge (one of [`DEMO_OPERATORS`]).
pub const DEMO_SUPERVISOR: &str = "SUP1";

pub const DEMO_OPERATORS: &[(&str, &str, &str, bool)] = &[
    ("ALICE", "Alice Smith", "1234", false),
    ("BOB", "Bob Jones", "2345", false),
    ("SUP1", "Sam Carter", "4321", true),
];

const PRODUCTS: &[(&str, &str, Tracking, bool)] = &[
    ("Hex bolt M8x40", "hardware", Tracking::None, false),
    ("Wood screw 4x30", "hardware", Tracking::None, false),
    ("Cable tie 200mm", "hardware", Tracking::None, false),
    ("Hinge stainless 75mm", "hardware", Tracking::None, false),
    ("Paint white 2.5L", "paint", Tracking::Lot, true),
    ("Wood glue 500ml", "paint", Tracking::Lot, true),
    ("Sealant clear 310ml", "paint", Tracking::Lot, true),
    ("Olive oil 1L", "food", Tracking::Lot, true),
    ("Tomato passata 700g", "food", Tracking::Lot, true),
    ("Rice basmati 1kg", "food", Tracking::None, true),
    ("Coffee beans 1kg", "food", Tracking::Lot, true),
    ("LED bulb E27 9W", "electrical", Tracking::None, false),
    ("Extension lead 4-way", "electrical", Tracking::None, false),
    ("Cordless drill 18V", "tools", Tracking::Serial, false),
    ("Angle grinder 115mm", "tools", Tracking::Serial, false),
    ("Safety gloves L", "safety", Tracking::None, false),
    ("Hi-vis vest XL", "safety", Tracking::None, false),
    ("First aid kit", "safety", Tracking::Lot, true),
    ("Printer paper A4", "office", Tracking::None, false),
    ("Packing tape 48mm", "office", Tracking::None, false),
];

const VARIANTS: &[&str] = &[
    "",
    " (red)",
    " (blue)",
    " (pack of 10)",
    " (large)",
    " (small)",
    " (eco)",
    " (pro)",
];

/// Makes a GTIN-14 from an indicator digit and a 12-digit body.
fn gtin14(indicator: u8, body12: &str) -> Option<Gtin> {
    let body = format!("{indicator}{body12}");
    Gtin::parse(&format!("{body}{}", mod10(&body)?)).ok()
}

/// A pick in the demo's past, so that forecasts have a history to work on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastPick {
    /// Index into [`DemoData::opening`]: the stock it was picked from.
    pub opening: usize,
    pub day: NaiveDate,
    pub qty: i64,
}

impl DemoData {
    /// Sixteen weeks of picks before `today` from the first warehouse's opening stock of the
    /// first `items` items: even items sell on weekdays with a weekly rhythm, odd ones now and
    /// then (intermittent demand). Deterministic. Add each line's total to its opening stock to
    /// keep today's stock as generated.
    pub fn past_picks(&self, today: NaiveDate, items: usize) -> Vec<PastPick> {
        let mut rng = fastrand::Rng::with_seed(42);
        let Some(wh1) = self.warehouses.first() else {
            return vec![];
        };
        let mut out = Vec::new();
        let mut seen = Vec::new();
        for (i, o) in self.opening.iter().enumerate() {
            let in_wh1 = self
                .locations
                .iter()
                .any(|l| l.id == o.location && l.warehouse_id == wh1.id);
            if !in_wh1 || seen.contains(&o.item) {
                continue;
            }
            let Some(n) = self.items.iter().position(|it| it.id == o.item) else {
                continue;
            };
            if n >= items {
                continue;
            }
            seen.push(o.item);
            let base = 1 + (n % 5) as i64;
            for back in (1..=112u64).rev() {
                let day = today - Days::new(back);
                let weekday = day.weekday().num_days_from_monday();
                let qty = if n % 2 == 0 {
                    // Busy early in the week, quiet at weekends.
                    let rhythm = [3, 2, 2, 2, 1, 0, 0][weekday as usize];
                    (base * rhythm + rng.i64(0..=base)) * i64::from(rhythm > 0)
                } else if rng.u8(0..100) < 22 {
                    rng.i64(1..=base * 3)
                } else {
                    0
                };
                if qty > 0 {
                    out.push(PastPick {
                        opening: i,
                        day,
                        qty,
                    });
                }
            }
        }
        out
    }

    /// Expected receipts for the first warehouse, in the `receipts` CSV format: two purchase
    /// orders of untracked and lot-tracked items, so a receiver has work on a fresh demo.
    pub fn receipts_csv(&self) -> String {
        let mut csv = String::from("receipt,line,warehouse,sku,qty,expected_date\n");
        let untracked = self.items.iter().filter(|i| i.tracking == Tracking::None);
        let lots = self.items.iter().filter(|i| i.tracking == Tracking::Lot);
        for (doc, items) in [
            ("PO-1001", untracked.take(3).collect::<Vec<_>>()),
            ("PO-1002", lots.take(2).collect()),
        ] {
            for (n, item) in items.iter().enumerate() {
                csv.push_str(&format!(
                    "{doc},{},WH1,{},{},\n",
                    n + 1,
                    item.sku,
                    24 * (n + 1)
                ));
            }
        }
        csv
    }

    /// Outbound orders for the first warehouse, in the `orders` CSV format: each line asks for
    /// part of an untracked item's opening stock there, so every line can be picked in full.
    pub fn orders_csv(&self) -> String {
        let mut csv = String::from("order,line,warehouse,sku,qty,customer\n");
        let Some(wh1) = self.warehouses.first() else {
            return csv;
        };
        let in_wh1 = |o: &&OpeningStock| {
            self.locations
                .iter()
                .any(|l| l.id == o.location && l.warehouse_id == wh1.id)
        };
        let lines: Vec<(&Item, i64)> = self
            .opening
            .iter()
            .filter(in_wh1)
            .filter_map(|o| {
                let item = self.items.iter().find(|i| i.id == o.item)?;
                (item.tracking == Tracking::None && !item.expiry_tracked && o.qty >= 4)
                    .then_some((item, (o.qty / 4).min(12)))
            })
            .take(6)
            .collect();
        for (n, (item, qty)) in lines.iter().enumerate() {
            let (order, customer) = if n < 3 {
                ("SO-5001", "Hardware Hub")
            } else {
                ("SO-5002", "BuildRight Ltd")
            };
            csv.push_str(&format!(
                "{order},{},WH1,{},{qty},{customer}\n",
                n % 3 + 1,
                item.sku
            ));
        }
        csv
    }
}

/// Generates the demo company. `item_count` items, two warehouses.
pub fn generate(seed: u64, item_count: usize, today: NaiveDate) -> DemoData {
    let mut rng = fastrand::Rng::with_seed(seed);
    let warehouses = vec![
        Warehouse {
            id: WarehouseId::new(),
            code: "WH1".into(),
            name: "Central DC".into(),
            refuse_over_capacity: false,
        },
        Warehouse {
            id: WarehouseId::new(),
            code: "WH2".into(),
            name: "North Depot".into(),
            refuse_over_capacity: false,
        },
    ];
    let mut locations = Vec::new();
    for (wi, wh) in warehouses.iter().enumerate() {
        let aisles = if wi == 0 { 4 } else { 2 };
        let mut walk = 0;
        let mut add =
            |code: String, kind, parent: Option<LocationId>, walk_seq: Option<i64>, capacity| {
                let loc = Location {
                    id: LocationId::new(),
                    warehouse_id: wh.id,
                    barcode: format!("LOC:{}:{code}", wh.code),
                    code,
                    kind,
                    parent_id: parent,
                    walk_seq,
                    capacity,
                    max_weight_g: None,
                    max_volume_cm3: None,
                };
                let id = loc.id;
                locations.push(loc);
                id
            };
        add("RCV-01".into(), LocationKind::Receiving, None, None, None);
        add("RCV-02".into(), LocationKind::Receiving, None, None, None);
        add("STG-01".into(), LocationKind::Staging, None, None, None);
        add("SHP-01".into(), LocationKind::Shipping, None, None, None);
        add("QA-01".into(), LocationKind::Quarantine, None, None, None);
        for (zone, bin_kind) in [("A", LocationKind::PickFace), ("B", LocationKind::Storage)] {
            let z = add(zone.into(), LocationKind::Zone, None, None, None);
            for a in 1..=aisles {
                let aisle = add(
                    format!("{zone}-{a:02}"),
                    LocationKind::Aisle,
                    Some(z),
                    None,
                    None,
                );
                // Serpentine walk: odd aisles walked up, even aisles walked back down.
                let racks: Vec<i32> = if a % 2 == 1 {
                    (1..=5).collect()
                } else {
                    (1..=5).rev().collect()
                };
                for r in racks {
                    let rack = add(
                        format!("{zone}-{a:02}-{r:02}"),
                        LocationKind::Rack,
                        Some(aisle),
                        None,
                        None,
                    );
                    for b in 1..=4 {
                        walk += 10;
                        let cap = if bin_kind == LocationKind::Storage {
                            2000
                        } else {
                            200
                        };
                        add(
                            format!("{zone}-{a:02}-{r:02}-{b}"),
                            bin_kind,
                            Some(rack),
                            Some(walk),
                            Some(cap),
                        );
                    }
                }
            }
        }
    }

    let mut items = Vec::with_capacity(item_count);
    for n in 0..item_count {
        let (name, family, tracking, expiry) = PRODUCTS[n % PRODUCTS.len()];
        let variant = VARIANTS[(n / PRODUCTS.len()) % VARIANTS.len()];
        let body12 = format!("{COMPANY_PREFIX}{:05}", n + 1);
        let each = gtin14(0, &body12);
        let inner_qty = [6, 10, 12][rng.usize(0..3)];
        let case_qty = inner_qty * [2, 4, 6][rng.usize(0..3)];
        let mut packs = vec![PackLevel {
            kind: PackKind::Each,
            gtin: None,
            quantity: 1,
            weight_g: None,
            dimensions_mm: None,
        }];
        if n % 3 != 0 {
            packs.push(PackLevel {
                kind: PackKind::Inner,
                gtin: gtin14(2, &body12),
                quantity: inner_qty,
                weight_g: None,
                dimensions_mm: None,
            });
        }
        packs.push(PackLevel {
            kind: PackKind::Case,
            gtin: gtin14(1, &body12),
            quantity: case_qty,
            weight_g: None,
            dimensions_mm: None,
        });
        packs.push(PackLevel {
            kind: PackKind::Pallet,
            gtin: gtin14(3, &body12),
            quantity: case_qty * 40,
            weight_g: None,
            dimensions_mm: None,
        });
        let reorder = rng.i64(10..60);
        items.push(Item {
            id: ItemId::new(),
            sku: format!("{}-{:05}", family[..3].to_ascii_uppercase(), n + 1),
            description: format!("{name}{variant}"),
            uom: "EA".into(),
            barcodes: each.into_iter().map(|g| g.as_str().to_string()).collect(),
            packs,
            weight_g: Some(rng.i64(20..5000)),
            dimensions_mm: Some([rng.i64(20..400), rng.i64(20..300), rng.i64(10..300)]),
            tracking,
            expiry_tracked: expiry,
            reorder_point: Some(reorder),
            min_qty: Some(reorder / 2),
            max_qty: Some(reorder * 5),
            min_shelf_life_days: None,
        });
    }

    // Opening stock: each item in one or two bins of the first warehouse and sometimes the second.
    let mut opening = Vec::new();
    for (n, item) in items.iter().enumerate() {
        for wh in &warehouses {
            if wh.code == "WH2" && n % 2 == 1 {
                continue;
            }
            let bins: Vec<&Location> = locations
                .iter()
                .filter(|l| {
                    l.warehouse_id == wh.id
                        && matches!(l.kind, LocationKind::PickFace | LocationKind::Storage)
                })
                .collect();
            if bins.is_empty() {
                continue;
            }
            let places = 1 + usize::from(n % 4 == 0);
            for p in 0..places {
                let bin = bins[(n * 7 + p * 13) % bins.len()];
                let lot =
                    (item.tracking == Tracking::Lot).then(|| format!("L{:04}{}", n, ['A', 'B'][p]));
                let expiry = item
                    .expiry_tracked
                    .then(|| today + Days::new(rng.u64(10..400)));
                let qty = if item.tracking == Tracking::Serial {
                    0
                } else {
                    rng.i64(5..150)
                };
                if qty > 0 {
                    opening.push(OpeningStock {
                        item: item.id,
                        location: bin.id,
                        lot,
                        expiry,
                        qty,
                    });
                }
            }
        }
    }
    DemoData {
        warehouses,
        locations,
        items,
        opening,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_picks_have_a_weekly_rhythm_and_intermittent_items() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let d = generate(1, 40, today);
        let picks = d.past_picks(today, 20);
        assert_eq!(picks, d.past_picks(today, 20), "deterministic");
        assert!(picks.iter().all(|p| p.day < today && p.qty > 0));
        let item = |p: &PastPick| {
            d.items
                .iter()
                .position(|i| i.id == d.opening[p.opening].item)
                .unwrap()
        };
        assert!(picks.iter().all(|p| item(p) < 20));
        // Even items never sell at weekends; odd ones sometimes do.
        let weekend = |p: &&PastPick| p.day.weekday().num_days_from_monday() >= 5;
        assert!(picks.iter().filter(weekend).all(|p| item(p) % 2 == 1));
        assert!(picks.iter().filter(weekend).count() > 0);
    }

    #[test]
    fn demo_work_parses_and_names_demo_items() {
        let d = generate(1, 300, NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        let receipts = crate::import::parse_receipts(d.receipts_csv().as_bytes()).unwrap();
        let orders = crate::import::parse_orders(d.orders_csv().as_bytes()).unwrap();
        assert_eq!((receipts.len(), orders.len()), (5, 6));
        for row in receipts.iter().chain(&orders) {
            assert!(
                d.items.iter().any(|i| i.sku == row.sku),
                "{} is a demo item",
                row.sku
            );
        }
    }

    #[test]
    fn demo_company_is_valid_and_believable() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let d = generate(7, 300, today);
        assert_eq!(d.warehouses.len(), 2);
        assert_eq!(d.items.len(), 300);
        for it in &d.items {
            it.validate().unwrap();
            assert!(!it.barcodes.is_empty());
            assert!(
                it.packs
                    .iter()
                    .filter_map(|p| p.gtin.as_ref())
                    .all(|g| Gtin::parse(g.as_str()).is_ok())
            );
        }
        let mut codes: Vec<String> = d
            .items
            .iter()
            .flat_map(|i| i.scan_codes())
            .map(|(c, _)| c)
            .collect();
        let n = codes.len();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), n, "every barcode is unique");
        assert!(
            d.items
                .iter()
                .any(|i| i.tracking == Tracking::Lot && i.expiry_tracked)
        );
        assert!(d.items.iter().any(|i| i.tracking == Tracking::Serial));
        let bins_with_walk = d.locations.iter().filter(|l| l.walk_seq.is_some()).count();
        assert!(bins_with_walk > 100);
        // Lot-tracked opening stock always has its lot, expiry-tracked always its date.
        for o in &d.opening {
            let it = d.items.iter().find(|i| i.id == o.item).unwrap();
            assert_eq!(o.lot.is_some(), it.tracking == Tracking::Lot);
            assert_eq!(o.expiry.is_some(), it.expiry_tracked);
        }
        // Same seed, same company (ids aside).
        let again = generate(7, 300, today);
        let skus = |d: &DemoData| {
            d.items
                .iter()
                .map(|i| (i.sku.clone(), i.weight_g))
                .collect::<Vec<_>>()
        };
        assert_eq!(skus(&d), skus(&again));
    }
}
