//! Resolving a parsed scan against local data: which item (and pack level), location or license
//! plate it is. A well-formed scan that matches nothing is recorded as an unknown scan, so it
//! reaches a supervisor instead of vanishing.

use crate::record::OpContext;
use crate::{DeviceError, Result, Store};
use aisle_domain::LocationId;
use aisle_domain::master::{Item, LicensePlate, Location, PackKind};
use aisle_domain::op::{Operation, UnknownScan};
use aisle_domain::said;
use aisle_domain::scan::{self, Scan, ScanContent};
use chrono::NaiveDate;
use serde::Serialize;

/// An item scan with everything the label said about the goods.
#[derive(Debug, Clone, Serialize)]
pub struct ItemScan {
    pub item: Item,
    /// The pack level the scanned code stands for.
    pub pack: PackKind,
    /// Base units in one of that pack.
    pub per_pack: i64,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
    pub serial: Option<String>,
    /// A count printed on the label (AI 30 or 37).
    pub count: Option<i64>,
}

/// What a scan is on this device.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "resolved", rename_all = "snake_case")]
pub enum Resolved {
    Item(ItemScan),
    Location(Location),
    Plate(LicensePlate),
    /// A plate code (SSCC or the site's plate pattern) not seen before: a new pallet or tote.
    NewPlate {
        code: String,
    },
    /// Well-formed, but nothing on this device matches it.
    Unknown,
}

impl Resolved {
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Item(i) => format!("item {}", i.item.sku),
            Self::Location(l) => format!("location {}", l.code),
            Self::Plate(p) => format!("license plate {}", p.code),
            Self::NewPlate { code } => format!("a new license plate {code}"),
            Self::Unknown => "unknown".into(),
        }
    }
}

/// A scan and what it resolved to.
#[derive(Debug, Clone, Serialize)]
pub struct Resolution {
    pub scan: Scan,
    #[serde(flatten)]
    pub resolved: Resolved,
}

impl Store {
    /// Parses `raw` with this device's configuration.
    pub fn parse_scan(&self, raw: &str) -> Result<Scan> {
        scan::parse(raw, &self.scan_config).map_err(|source| DeviceError::Scan {
            raw: raw.to_string(),
            source,
        })
    }

    /// Parses and resolves a scan. Fails only when the scan itself is malformed.
    pub fn resolve(&self, raw: &str) -> Result<Resolution> {
        let scan = self.parse_scan(raw)?;
        let warehouse = self.device_opt()?.and_then(|d| d.warehouse_id);
        let resolved = self.resolve_parsed(&scan, warehouse)?;
        Ok(Resolution { scan, resolved })
    }

    fn resolve_parsed(
        &self,
        scan: &Scan,
        warehouse: Option<aisle_domain::WarehouseId>,
    ) -> Result<Resolved> {
        let today = self.scan_config.today;
        if let Some(gtin) = scan.gtin() {
            return Ok(match self.item_by_barcode(gtin.as_str())? {
                Some((item, pack, per_pack)) => Resolved::Item(ItemScan {
                    item,
                    pack,
                    per_pack,
                    lot: scan.lot().map(str::to_string),
                    expiry: scan.expiry(today),
                    serial: scan.serial().map(str::to_string),
                    count: scan.count(),
                }),
                None => Resolved::Unknown,
            });
        }
        if let Some(sscc) = scan.sscc() {
            return Ok(match self.plate_by_code(sscc)? {
                Some(p) => Resolved::Plate(p),
                None => Resolved::NewPlate {
                    code: sscc.to_string(),
                },
            });
        }
        if let Some(gln) = scan.gln() {
            return match self.location_by_label(gln, None)? {
                Some(l) => Ok(Resolved::Location(
                    self.in_warehouse(l, warehouse, &scan.raw)?,
                )),
                None => Ok(Resolved::Unknown),
            };
        }
        match &scan.content {
            ScanContent::Location {
                code,
                warehouse: named,
            } => {
                // A label that names its warehouse resolves there and nowhere else.
                let target = match named {
                    None => warehouse,
                    Some(wh_code) => {
                        let wh = self.warehouse_by_code(wh_code).map_err(|_| {
                            DeviceError::Invalid(said!("resolve.location_label_warehouse_which", "location label {raw:?} is for warehouse {wh_code}, which does not exist; nothing was recorded", raw = scan.raw, wh_code = wh_code))
                        })?;
                        if let Some(own) = warehouse
                            && own != wh.id
                        {
                            return Err(self.other_warehouse(&scan.raw, &wh.code, own));
                        }
                        Some(wh.id)
                    }
                };
                let found = match self.location_by_label(&scan.data, target)? {
                    Some(l) if target.is_none_or(|t| t == l.warehouse_id) => Some(l),
                    _ => match target {
                        Some(_) => self.location_by_label(code, target)?,
                        None => None,
                    },
                };
                match found {
                    Some(l) => Ok(Resolved::Location(
                        self.in_warehouse(l, warehouse, &scan.raw)?,
                    )),
                    None => Ok(Resolved::Unknown),
                }
            }
            ScanContent::LicensePlate { code } => Ok(match self.plate_by_code(code)? {
                Some(p) => Resolved::Plate(p),
                None => Resolved::NewPlate { code: code.clone() },
            }),
            ScanContent::Text { text } => {
                if let Some((item, pack, per_pack)) = self.item_by_barcode(text)? {
                    return Ok(Resolved::Item(ItemScan {
                        item,
                        pack,
                        per_pack,
                        lot: None,
                        expiry: None,
                        serial: None,
                        count: None,
                    }));
                }
                // Typed by hand, an item is as often named by its SKU as by a code on it.
                let upper = text.to_uppercase();
                let by_sku = match self.item_by_sku(text)? {
                    Some(item) => Some(item),
                    None if upper != *text => self.item_by_sku(&upper)?,
                    None => None,
                };
                if let Some(item) = by_sku {
                    return Ok(Resolved::Item(ItemScan {
                        item,
                        pack: PackKind::Each,
                        per_pack: 1,
                        lot: None,
                        expiry: None,
                        serial: None,
                        count: None,
                    }));
                }
                if let Some(l) = self.location_by_label(text, warehouse)? {
                    return Ok(Resolved::Location(l));
                }
                Ok(self
                    .plate_by_code(text)?
                    .map_or(Resolved::Unknown, Resolved::Plate))
            }
            // GS1 data without a key this device knows how to use (e.g. only a batch number).
            ScanContent::Gs1 { .. } | ScanContent::Gtin { .. } => Ok(Resolved::Unknown),
        }
    }

    /// A location found by its label, refused when it belongs to another warehouse than the
    /// device's: nothing may be recorded in a warehouse this device does not work in.
    fn in_warehouse(
        &self,
        l: Location,
        own: Option<aisle_domain::WarehouseId>,
        raw: &str,
    ) -> Result<Location> {
        match own {
            Some(own) if own != l.warehouse_id => {
                let code = self.warehouse(l.warehouse_id)?.code;
                Err(self.other_warehouse(raw, &code, own))
            }
            _ => Ok(l),
        }
    }

    fn other_warehouse(
        &self,
        raw: &str,
        theirs: &str,
        own: aisle_domain::WarehouseId,
    ) -> DeviceError {
        let mine = self
            .warehouse(own)
            .map_or_else(|_| own.to_string(), |w| w.code);
        DeviceError::Invalid(said!(
            "resolve.location_label_warehouse_device",
            "location label {raw:?} is in warehouse {theirs}; this device works in {mine}, so nothing was recorded",
            raw = raw,
            theirs = theirs,
            mine = mine
        ))
    }

    /// Records a well-formed scan that matched nothing, and returns the error to show.
    pub fn record_unknown(
        &mut self,
        raw: &str,
        expected: &str,
        at: Option<LocationId>,
        ctx: &OpContext,
    ) -> Result<DeviceError> {
        let op = Operation::UnknownScan(UnknownScan {
            raw: raw.to_string(),
            expected: expected.to_string(),
            location: at,
        });
        let ctx = ctx.clone().with_scans([raw.to_string()]);
        let rec = self.record(op, &ctx)?;
        Ok(DeviceError::UnknownBarcode {
            raw: raw.to_string(),
            seq: rec.entry.seq,
        })
    }

    /// Resolves a scan that must be an item; an unknown code is recorded before the error returns.
    pub fn expect_item(
        &mut self,
        raw: &str,
        at: Option<LocationId>,
        ctx: &OpContext,
    ) -> Result<ItemScan> {
        match self.resolve(raw)?.resolved {
            Resolved::Item(i) => Ok(i),
            Resolved::Unknown => Err(self.record_unknown(raw, "item", at, ctx)?),
            other => Err(DeviceError::WrongKind {
                expected: "an item",
                found: other.describe(),
                raw: raw.to_string(),
            }),
        }
    }

    /// Resolves a scan that must be a location.
    pub fn expect_location(&mut self, raw: &str, ctx: &OpContext) -> Result<Location> {
        match self.resolve(raw)?.resolved {
            Resolved::Location(l) => Ok(l),
            Resolved::Unknown => Err(self.record_unknown(raw, "location", None, ctx)?),
            other => Err(DeviceError::WrongKind {
                expected: "a location",
                found: other.describe(),
                raw: raw.to_string(),
            }),
        }
    }
}
