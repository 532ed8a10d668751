//! Master data in the store: warehouses, locations, items (with barcodes and pack levels) and
//! license plates; their lookups and the all-or-nothing CSV imports. The rows and their SQL are
//! the shared ledger's ([`aisle_ledger::master`]); this is the device's face on them.

use crate::{DeviceError, Result, Store};
use aisle_domain::master::{Item, LicensePlate, Location, LocationKind, PackKind, Warehouse};
use aisle_domain::said;
use aisle_domain::{ItemId, LocationId, PlateId, WarehouseId};
use aisle_ledger::args;
use aisle_ledger::master::{self as rows, ImportSummary as Summary};
use rusqlite::Connection;
use std::io::Read;

pub use aisle_ledger::master::{
    ImportSummary, import_items_into, import_locations_into, import_warehouses_into,
    load_locations, upsert_item, upsert_location, upsert_plates,
};

impl Store {
    /// Creates or renames a warehouse (matched by code).
    pub fn upsert_warehouse(&mut self, code: &str, name: &str) -> Result<Warehouse> {
        rows::upsert_warehouse(&self.conn, code, name, None)?;
        self.warehouse_by_code(code)
    }

    pub fn warehouses(&self) -> Result<Vec<Warehouse>> {
        Ok(rows::load_warehouses(&self.conn)?)
    }

    pub fn warehouse_by_code(&self, code: &str) -> Result<Warehouse> {
        rows::warehouse_by_code(&self.conn, code)?.ok_or(DeviceError::NotFound {
            what: "warehouse",
            key: code.to_string(),
        })
    }

    pub fn warehouse(&self, id: WarehouseId) -> Result<Warehouse> {
        rows::load_warehouses(&self.conn)?
            .into_iter()
            .find(|w| w.id == id)
            .ok_or(DeviceError::NotFound {
                what: "warehouse",
                key: id.to_string(),
            })
    }

    /// Inserts or replaces a location (matched by id).
    pub fn upsert_location(&mut self, loc: &Location) -> Result<()> {
        Ok(rows::upsert_location(&self.conn, loc)?)
    }

    pub fn location(&self, id: LocationId) -> Result<Location> {
        rows::load_location(&self.conn, id)?.ok_or(DeviceError::NotFound {
            what: "location",
            key: id.to_string(),
        })
    }

    /// A location by its label barcode, or by its code in `warehouse`.
    pub fn location_by_label(
        &self,
        label: &str,
        warehouse: Option<WarehouseId>,
    ) -> Result<Option<Location>> {
        if let Some(l) = rows::location_where(&self.conn, "barcode = ?1", args![label])? {
            return Ok(Some(l));
        }
        match warehouse {
            Some(wh) => Ok(rows::location_where(
                &self.conn,
                "warehouse_id = ?1 AND code = ?2",
                args![wh, label],
            )?),
            None => Ok(None),
        }
    }

    /// Creates or updates an item, matched by SKU (an existing item keeps its id).
    pub fn upsert_item(&mut self, item: &Item) -> Result<(Item, bool)> {
        let tx = self.conn.transaction()?;
        let out = rows::upsert_item(&tx, item)?;
        tx.commit()?;
        Ok(out)
    }

    pub fn item(&self, id: ItemId) -> Result<Item> {
        rows::load_item(&self.conn, id)?.ok_or(DeviceError::NotFound {
            what: "item",
            key: id.to_string(),
        })
    }

    pub fn item_by_sku(&self, sku: &str) -> Result<Option<Item>> {
        Ok(rows::item_by_sku(&self.conn, sku)?)
    }

    /// The item a code identifies and the pack level it stands for (base units per scan).
    pub fn item_by_barcode(&self, code: &str) -> Result<Option<(Item, PackKind, i64)>> {
        Ok(rows::item_by_barcode(&self.conn, code)?)
    }

    pub fn item_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM items", [], |r| r.get(0))?)
    }

    pub fn plate_by_code(&self, code: &str) -> Result<Option<LicensePlate>> {
        Ok(rows::load_plates(&self.conn, "code = ?1", args![code])?
            .into_iter()
            .next())
    }

    pub fn plate(&self, id: PlateId) -> Result<LicensePlate> {
        rows::load_plates(&self.conn, "id = ?1", args![id])?
            .into_iter()
            .next()
            .ok_or(DeviceError::NotFound {
                what: "license plate",
                key: id.to_string(),
            })
    }

    /// Imports `code,name` rows. All or nothing.
    pub fn import_warehouses(&mut self, input: impl Read) -> Result<Summary> {
        self.import(|tx| rows::import_warehouses_into(tx, input))
    }

    /// Imports locations. Warehouses and parents must exist (parents may be earlier rows). All or
    /// nothing: one bad row and the store is unchanged.
    pub fn import_locations(&mut self, input: impl Read) -> Result<Summary> {
        self.import(|tx| rows::import_locations_into(tx, input))
    }

    /// Imports items (matched by SKU). All or nothing.
    pub fn import_items(&mut self, input: impl Read) -> Result<Summary> {
        self.import(|tx| rows::import_items_into(tx, input))
    }

    fn import(
        &mut self,
        body: impl FnOnce(&Connection) -> aisle_ledger::Result<Summary>,
    ) -> Result<Summary> {
        let tx = self.conn.transaction()?;
        let summary = body(&tx)?;
        tx.commit()?;
        Ok(summary)
    }
}

/// Checks that a location can hold stock (bins, docks, faces), for operations.
pub(crate) fn ensure_holds_stock(loc: &Location) -> Result<()> {
    if loc.kind.holds_stock() {
        Ok(())
    } else {
        Err(DeviceError::Invalid(said!(
            "master.location_cannot_hold_stock",
            "location {code} is a {kind} and cannot hold stock; scan a bin, dock or pick face",
            code = loc.code,
            kind = loc.kind
        )))
    }
}

/// A location kind from stored text, for query modules.
pub(crate) fn kind_of(s: &str) -> Result<LocationKind> {
    s.parse().map_err(DeviceError::Decode)
}
