//! Master data: warehouses, locations, items with their barcodes and pack levels, license plates.
//!
//! These are the things a scan can resolve to. Validation lives here so that a CSV import on a
//! device and one on the server reject the same rows for the same reasons.

use crate::ids::{ItemId, LocationId, PlateId, WarehouseId};
use crate::scan::gtin::Gtin;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A site that holds stock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warehouse {
    pub id: WarehouseId,
    pub code: String,
    pub name: String,
    /// A scan that would leave a location over its capacity is refused (not only warned about).
    #[serde(default)]
    pub refuse_over_capacity: bool,
}

/// What a location is for. Structural kinds (zone, aisle, rack) group other locations and never
/// hold stock themselves; the rest are places where stock can physically be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationKind {
    Zone,
    Aisle,
    Rack,
    Receiving,
    Storage,
    PickFace,
    Staging,
    Shipping,
    /// Stock on hold (expired, damaged, returned for inspection): never allocated, picked or
    /// topped up from until a supervisor moves it out.
    Quarantine,
}

impl LocationKind {
    pub const ALL: [LocationKind; 9] = [
        Self::Zone,
        Self::Aisle,
        Self::Rack,
        Self::Receiving,
        Self::Storage,
        Self::PickFace,
        Self::Staging,
        Self::Shipping,
        Self::Quarantine,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Zone => "zone",
            Self::Aisle => "aisle",
            Self::Rack => "rack",
            Self::Receiving => "receiving",
            Self::Storage => "storage",
            Self::PickFace => "pick_face",
            Self::Staging => "staging",
            Self::Shipping => "shipping",
            Self::Quarantine => "quarantine",
        }
    }

    /// Whether stock may be recorded at a location of this kind.
    pub fn holds_stock(self) -> bool {
        !matches!(self, Self::Zone | Self::Aisle | Self::Rack)
    }
}

/// A location's kind inside a message is said in the reader's words ("Kommissionierplatz").
impl crate::said::Says for LocationKind {
    fn said(&self) -> crate::said::Said {
        match self {
            Self::Zone => said!("location_kind.zone", "zone"),
            Self::Aisle => said!("location_kind.aisle", "aisle"),
            Self::Rack => said!("location_kind.rack", "rack"),
            Self::Receiving => said!("location_kind.receiving", "receiving"),
            Self::Storage => said!("location_kind.storage", "storage"),
            Self::PickFace => said!("location_kind.pick_face", "pick face"),
            Self::Staging => said!("location_kind.staging", "staging"),
            Self::Shipping => said!("location_kind.shipping", "shipping"),
            Self::Quarantine => said!("location_kind.quarantine", "quarantine"),
        }
    }
}

impl fmt::Display for LocationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for LocationKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        let alias = match norm.as_str() {
            "dock" | "receiving_dock" => "receiving",
            "bin" => "storage",
            "pick" | "pickface" => "pick_face",
            "hold" | "qa_hold" => "quarantine",
            other => other,
        };
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == alias)
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown location type {s:?} (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// A place in a warehouse: a bin, a dock, a pick face, or a structural node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub id: LocationId,
    pub warehouse_id: WarehouseId,
    /// Human code, unique within the warehouse (e.g. `A-01-03-2`).
    pub code: String,
    /// What is printed on the location label, unique across all warehouses.
    pub barcode: String,
    pub kind: LocationKind,
    pub parent_id: Option<LocationId>,
    /// Position on the picking walk; lower is visited first.
    pub walk_seq: Option<i64>,
    /// Maximum base units the location should hold, when known.
    pub capacity: Option<i64>,
    /// The heaviest load it takes, in grams, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_weight_g: Option<i64>,
    /// The most it holds, in cubic centimetres, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_volume_cm3: Option<i64>,
}

/// How individual units of an item are told apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Tracking {
    #[default]
    None,
    Lot,
    Serial,
}

impl Tracking {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Lot => "lot",
            Self::Serial => "serial",
        }
    }
}

impl FromStr for Tracking {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "none" => Ok(Self::None),
            "lot" | "batch" => Ok(Self::Lot),
            "serial" => Ok(Self::Serial),
            _ => Err(format!(
                "unknown tracking {s:?} (expected none, lot or serial)"
            )),
        }
    }
}

/// A packaging level of an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackKind {
    Each,
    Inner,
    Case,
    Pallet,
}

impl PackKind {
    pub const ALL: [PackKind; 4] = [Self::Each, Self::Inner, Self::Case, Self::Pallet];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Each => "each",
            Self::Inner => "inner",
            Self::Case => "case",
            Self::Pallet => "pallet",
        }
    }
}

impl FromStr for PackKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!("unknown pack level {s:?} (expected each, inner, case or pallet)")
            })
    }
}

/// One packaging level: how many base units it holds and the GTIN printed on it, if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackLevel {
    pub kind: PackKind,
    pub gtin: Option<Gtin>,
    /// Base units in one of this pack (always 1 for `each`).
    pub quantity: i64,
    /// One pack's gross weight in grams (its packaging included), when known; the item's
    /// `weight_g` is the base unit's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_g: Option<i64>,
    /// One pack's outer length, width and height in millimetres, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions_mm: Option<[i64; 3]>,
}

/// A stock-keeping unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: ItemId,
    pub sku: String,
    pub description: String,
    /// Unit of measure of one base unit (e.g. `EA`, `KG`).
    pub uom: String,
    /// Barcodes of the base unit: GTINs (stored as 14 digits) or internal codes.
    pub barcodes: Vec<String>,
    pub packs: Vec<PackLevel>,
    pub weight_g: Option<i64>,
    /// Length, width, height in millimetres.
    pub dimensions_mm: Option<[i64; 3]>,
    pub tracking: Tracking,
    pub expiry_tracked: bool,
    pub reorder_point: Option<i64>,
    pub min_qty: Option<i64>,
    pub max_qty: Option<i64>,
    /// Days of shelf life that must be left for dated stock to be allocated or picked against an
    /// order ([`crate::shelf_life`]); `None`: only expired stock is kept back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_shelf_life_days: Option<u32>,
}

/// Why an item record cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemError {
    #[error("SKU is empty")]
    EmptySku,
    #[error("pack level {kind} has quantity {quantity}; it must be at least 1")]
    PackQuantity { kind: &'static str, quantity: i64 },
    #[error("pack level `each` must hold exactly 1 base unit, not {0}")]
    EachNotOne(i64),
    #[error("pack level {0} is listed twice")]
    DuplicatePack(&'static str),
    #[error("barcode {0:?} is listed twice for this item")]
    DuplicateBarcode(String),
    #[error("min ({min}) is greater than max ({max})")]
    MinAboveMax { min: i64, max: i64 },
    #[error("{field} is negative ({value})")]
    Negative { field: &'static str, value: i64 },
}

impl Item {
    /// Checks the rules every item must satisfy, whoever created it.
    pub fn validate(&self) -> Result<(), ItemError> {
        if self.sku.trim().is_empty() {
            return Err(ItemError::EmptySku);
        }
        let mut seen_packs = Vec::new();
        for p in &self.packs {
            if p.quantity < 1 {
                return Err(ItemError::PackQuantity {
                    kind: p.kind.as_str(),
                    quantity: p.quantity,
                });
            }
            if p.kind == PackKind::Each && p.quantity != 1 {
                return Err(ItemError::EachNotOne(p.quantity));
            }
            if seen_packs.contains(&p.kind) {
                return Err(ItemError::DuplicatePack(p.kind.as_str()));
            }
            seen_packs.push(p.kind);
        }
        let mut codes: Vec<&str> = self.barcodes.iter().map(String::as_str).collect();
        codes.extend(
            self.packs
                .iter()
                .filter_map(|p| p.gtin.as_ref().map(Gtin::as_str)),
        );
        for (i, c) in codes.iter().enumerate() {
            if codes[..i].contains(c) {
                return Err(ItemError::DuplicateBarcode((*c).to_string()));
            }
        }
        for (field, value) in [
            ("weight_g", self.weight_g),
            ("reorder_point", self.reorder_point),
            ("min", self.min_qty),
            ("max", self.max_qty),
        ] {
            if let Some(v) = value.filter(|v| *v < 0) {
                return Err(ItemError::Negative { field, value: v });
            }
        }
        if let (Some(min), Some(max)) = (self.min_qty, self.max_qty)
            && min > max
        {
            return Err(ItemError::MinAboveMax { min, max });
        }
        Ok(())
    }

    /// Every code that identifies this item, with the base units one scan of it stands for.
    pub fn scan_codes(&self) -> Vec<(String, i64)> {
        let mut out: Vec<(String, i64)> = self.barcodes.iter().map(|b| (b.clone(), 1)).collect();
        for p in &self.packs {
            if let Some(g) = &p.gtin {
                out.push((g.as_str().to_string(), p.quantity));
            }
        }
        out
    }

    /// Base units in one pack of `kind`, if the item has that level.
    pub fn pack_quantity(&self, kind: PackKind) -> Option<i64> {
        if kind == PackKind::Each {
            return Some(1);
        }
        self.packs
            .iter()
            .find(|p| p.kind == kind)
            .map(|p| p.quantity)
    }
}

/// A pallet or tote id. Stock on a plate moves with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicensePlate {
    pub id: PlateId,
    /// The scanned code: an SSCC (18 digits) or an internal plate code.
    pub code: String,
    pub warehouse_id: WarehouseId,
    pub location_id: Option<LocationId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item() -> Item {
        Item {
            id: ItemId::new(),
            sku: "SKU-1".into(),
            description: "Widget".into(),
            uom: "EA".into(),
            barcodes: vec!["09506000134352".into()],
            packs: vec![
                PackLevel {
                    kind: PackKind::Each,
                    gtin: None,
                    quantity: 1,
                    weight_g: None,
                    dimensions_mm: None,
                },
                PackLevel {
                    kind: PackKind::Case,
                    gtin: Some(Gtin::parse("19506000134359").unwrap()),
                    quantity: 12,
                    weight_g: None,
                    dimensions_mm: None,
                },
            ],
            weight_g: Some(250),
            dimensions_mm: None,
            tracking: Tracking::None,
            expiry_tracked: false,
            reorder_point: Some(10),
            min_qty: Some(5),
            max_qty: Some(50),
            min_shelf_life_days: None,
        }
    }

    #[test]
    fn valid_item_passes_and_lists_scan_codes_with_pack_quantities() {
        let it = item();
        it.validate().unwrap();
        assert_eq!(
            it.scan_codes(),
            vec![
                ("09506000134352".to_string(), 1),
                ("19506000134359".to_string(), 12)
            ]
        );
        assert_eq!(it.pack_quantity(PackKind::Case), Some(12));
        assert_eq!(it.pack_quantity(PackKind::Pallet), None);
    }

    #[test]
    fn invalid_items_are_refused_with_the_reason() {
        let mut it = item();
        it.min_qty = Some(60);
        assert_eq!(
            it.validate(),
            Err(ItemError::MinAboveMax { min: 60, max: 50 })
        );
        let mut it = item();
        it.packs[1].quantity = 0;
        assert!(matches!(it.validate(), Err(ItemError::PackQuantity { .. })));
        let mut it = item();
        it.barcodes.push("19506000134359".into());
        assert_eq!(
            it.validate(),
            Err(ItemError::DuplicateBarcode("19506000134359".into()))
        );
        let mut it = item();
        it.sku = "  ".into();
        assert_eq!(it.validate(), Err(ItemError::EmptySku));
    }

    #[test]
    fn location_kinds_parse_with_aliases() {
        assert_eq!(
            "Pick Face".parse::<LocationKind>(),
            Ok(LocationKind::PickFace)
        );
        assert_eq!("dock".parse::<LocationKind>(), Ok(LocationKind::Receiving));
        assert!(
            "attic"
                .parse::<LocationKind>()
                .unwrap_err()
                .contains("expected one of")
        );
        assert!(!LocationKind::Aisle.holds_stock());
        assert!(LocationKind::Storage.holds_stock());
    }
}
