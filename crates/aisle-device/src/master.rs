//! Master data in the store: warehouses, locations, items (with barcodes and pack levels) and
//! license plates; their lookups and the all-or-nothing CSV imports.

use crate::{DeviceError, Result, Store, parse_id};
use aisle_domain::import::{self, ImportError, RowError};
use aisle_domain::master::{
    Item, LicensePlate, Location, LocationKind, PackKind, PackLevel, Tracking, Warehouse,
};
use aisle_domain::scan::gtin::Gtin;
use aisle_domain::{ItemId, LocationId, PlateId, WarehouseId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use std::io::Read;

/// What an import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
}

const LOCATION_COLUMNS: &str =
    "id, warehouse_id, code, barcode, kind, parent_id, walk_seq, capacity";

/// A location row as stored, before its ids and kind are decoded.
type LocationRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

fn location_from_row(r: &Row<'_>) -> rusqlite::Result<LocationRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn location_decode(row: LocationRow) -> Result<Location> {
    let (id, wh, code, barcode, kind, parent, walk_seq, capacity) = row;
    Ok(Location {
        id: parse_id(&id)?,
        warehouse_id: parse_id(&wh)?,
        code,
        barcode,
        kind: kind.parse().map_err(DeviceError::Decode)?,
        parent_id: parent.as_deref().map(parse_id).transpose()?,
        walk_seq,
        capacity,
    })
}

fn opt_location(
    conn: &Connection,
    where_clause: &str,
    key: &[&dyn rusqlite::ToSql],
) -> Result<Option<Location>> {
    let sql = format!("SELECT {LOCATION_COLUMNS} FROM locations WHERE {where_clause}");
    let row = conn
        .prepare_cached(&sql)?
        .query_row(key, location_from_row)
        .optional()?;
    row.map(location_decode).transpose()
}

impl Store {
    /// Creates or renames a warehouse (matched by code).
    pub fn upsert_warehouse(&mut self, code: &str, name: &str) -> Result<Warehouse> {
        upsert_warehouse(&self.conn, code, name)?;
        self.warehouse_by_code(code)
    }

    pub fn warehouses(&self) -> Result<Vec<Warehouse>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, code, name FROM warehouses ORDER BY code")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?;
        rows.map(|r| {
            let (id, code, name) = r?;
            Ok(Warehouse {
                id: parse_id(&id)?,
                code,
                name,
            })
        })
        .collect()
    }

    pub fn warehouse_by_code(&self, code: &str) -> Result<Warehouse> {
        self.conn
            .prepare_cached("SELECT id, code, name FROM warehouses WHERE code = ?1")?
            .query_row([code], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?
            .map(|(id, code, name)| {
                Ok::<_, DeviceError>(Warehouse {
                    id: parse_id(&id)?,
                    code,
                    name,
                })
            })
            .transpose()?
            .ok_or(DeviceError::NotFound {
                what: "warehouse",
                key: code.to_string(),
            })
    }

    pub fn warehouse(&self, id: WarehouseId) -> Result<Warehouse> {
        self.conn
            .prepare_cached("SELECT code, name FROM warehouses WHERE id = ?1")?
            .query_row([id.to_string()], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?))
            })
            .optional()?
            .map(|(code, name)| Warehouse { id, code, name })
            .ok_or(DeviceError::NotFound {
                what: "warehouse",
                key: id.to_string(),
            })
    }

    /// Inserts or replaces a location (matched by id).
    pub fn upsert_location(&mut self, loc: &Location) -> Result<()> {
        upsert_location(&self.conn, loc)
    }

    pub fn location(&self, id: LocationId) -> Result<Location> {
        opt_location(&self.conn, "id = ?1", &[&id.to_string()])?.ok_or(DeviceError::NotFound {
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
        if let Some(l) = opt_location(&self.conn, "barcode = ?1", &[&label])? {
            return Ok(Some(l));
        }
        match warehouse {
            Some(wh) => opt_location(
                &self.conn,
                "warehouse_id = ?1 AND code = ?2",
                &[&wh.to_string(), &label],
            ),
            None => Ok(None),
        }
    }

    /// Creates or updates an item, matched by SKU (an existing item keeps its id).
    pub fn upsert_item(&mut self, item: &Item) -> Result<(Item, bool)> {
        let tx = self.conn.transaction()?;
        let out = upsert_item(&tx, item)?;
        tx.commit()?;
        Ok(out)
    }

    pub fn item(&self, id: ItemId) -> Result<Item> {
        load_item(&self.conn, &id.to_string())?.ok_or(DeviceError::NotFound {
            what: "item",
            key: id.to_string(),
        })
    }

    pub fn item_by_sku(&self, sku: &str) -> Result<Option<Item>> {
        let id: Option<String> = self
            .conn
            .prepare_cached("SELECT id FROM items WHERE sku = ?1")?
            .query_row([sku], |r| r.get(0))
            .optional()?;
        match id {
            Some(id) => load_item(&self.conn, &id),
            None => Ok(None),
        }
    }

    /// The item a code identifies and the pack level it stands for (base units per scan).
    pub fn item_by_barcode(&self, code: &str) -> Result<Option<(Item, PackKind, i64)>> {
        let sql = format!(
            "{ITEM_SELECT}, b.pack_kind, b.pack_qty FROM barcodes b JOIN items i ON i.id = b.item_id WHERE b.code = ?1"
        );
        let hit = self
            .conn
            .prepare_cached(&sql)?
            .query_row([code], |r| {
                Ok((
                    item_from_row(r)?,
                    r.get::<_, String>(15)?,
                    r.get::<_, i64>(16)?,
                ))
            })
            .optional()?;
        let Some((item, kind, qty)) = hit else {
            return Ok(None);
        };
        let kind = if kind == "base" {
            PackKind::Each
        } else {
            kind.parse().map_err(DeviceError::Decode)?
        };
        Ok(Some((item?, kind, qty)))
    }

    pub fn item_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM items", [], |r| r.get(0))?)
    }

    pub fn plate_by_code(&self, code: &str) -> Result<Option<LicensePlate>> {
        self.plate_where("code = ?1", code)
    }

    pub fn plate(&self, id: PlateId) -> Result<LicensePlate> {
        self.plate_where("id = ?1", &id.to_string())?
            .ok_or(DeviceError::NotFound {
                what: "license plate",
                key: id.to_string(),
            })
    }

    fn plate_where(&self, clause: &str, key: &str) -> Result<Option<LicensePlate>> {
        Ok(load_plates(&self.conn, clause, &[key])?.into_iter().next())
    }

    /// Imports `code,name` rows. All or nothing.
    pub fn import_warehouses(&mut self, input: impl Read) -> Result<ImportSummary> {
        let tx = self.conn.transaction()?;
        let summary = import_warehouses_into(&tx, input)?;
        tx.commit()?;
        Ok(summary)
    }

    /// Imports locations. Warehouses and parents must exist (parents may be earlier rows). All or
    /// nothing: one bad row and the store is unchanged.
    pub fn import_locations(&mut self, input: impl Read) -> Result<ImportSummary> {
        let tx = self.conn.transaction()?;
        let summary = import_locations_into(&tx, input)?;
        tx.commit()?;
        Ok(summary)
    }

    /// Imports items (matched by SKU). All or nothing.
    pub fn import_items(&mut self, input: impl Read) -> Result<ImportSummary> {
        let tx = self.conn.transaction()?;
        let summary = import_items_into(&tx, input)?;
        tx.commit()?;
        Ok(summary)
    }
}

/// The import bodies, on a caller's transaction (the server imports with them too).
/// Imports `code,name` rows. All or nothing.
pub fn import_warehouses_into(tx: &Connection, input: impl Read) -> Result<ImportSummary> {
    let rows = import::parse_warehouses(input)?;
    let mut summary = ImportSummary {
        created: 0,
        updated: 0,
    };
    for r in rows {
        if upsert_warehouse(tx, &r.code, &r.name)? {
            summary.created += 1;
        } else {
            summary.updated += 1;
        }
    }
    Ok(summary)
}

/// Imports locations. Warehouses and parents must exist (parents may be earlier rows). All or
/// nothing: one bad row and the store is unchanged.
pub fn import_locations_into(tx: &Connection, input: impl Read) -> Result<ImportSummary> {
    let rows = import::parse_locations(input)?;
    let mut summary = ImportSummary {
        created: 0,
        updated: 0,
    };
    let mut errors = Vec::new();
    for r in rows {
        let err = |column: &str, reason: String| RowError {
            line: r.line,
            column: Some(column.into()),
            reason,
        };
        let wh = match tx
            .prepare_cached("SELECT id FROM warehouses WHERE code = ?1")?
            .query_row([&r.warehouse], |row| row.get::<_, String>(0))
            .optional()?
        {
            Some(id) => parse_id::<WarehouseId>(&id)?,
            None => {
                errors.push(err(
                    "warehouse",
                    format!(
                        "warehouse {:?} does not exist; import warehouses first",
                        r.warehouse
                    ),
                ));
                continue;
            }
        };
        let parent = match &r.parent {
            Some(p) => {
                match opt_location(tx, "warehouse_id = ?1 AND code = ?2", &[&wh.to_string(), p])? {
                    Some(l) => Some(l.id),
                    None => {
                        errors.push(err(
                            "parent",
                            format!(
                                "parent {p:?} is not an earlier row or an existing location in {}",
                                r.warehouse
                            ),
                        ));
                        continue;
                    }
                }
            }
            None => None,
        };
        let existing = opt_location(
            tx,
            "warehouse_id = ?1 AND code = ?2",
            &[&wh.to_string(), &r.code],
        )?;
        if let Some(other) = opt_location(tx, "barcode = ?1", &[&r.barcode])?
            && existing.as_ref().is_none_or(|e| e.id != other.id)
        {
            errors.push(err(
                "barcode",
                format!(
                    "barcode {:?} already belongs to location {}",
                    r.barcode, other.code
                ),
            ));
            continue;
        }
        let loc = Location {
            id: existing.as_ref().map_or_else(LocationId::new, |e| e.id),
            warehouse_id: wh,
            code: r.code.clone(),
            barcode: r.barcode.clone(),
            kind: r.kind,
            parent_id: parent,
            walk_seq: r.walk_seq,
            capacity: r.capacity,
        };
        upsert_location(tx, &loc)?;
        if existing.is_some() {
            summary.updated += 1;
        } else {
            summary.created += 1;
        }
    }
    if !errors.is_empty() {
        return Err(ImportError {
            what: "locations",
            errors,
        }
        .into());
    }
    Ok(summary)
}

/// Imports items (matched by SKU). All or nothing.
pub fn import_items_into(tx: &Connection, input: impl Read) -> Result<ImportSummary> {
    let items = import::parse_items(input)?;
    let mut summary = ImportSummary {
        created: 0,
        updated: 0,
    };
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match upsert_item(tx, item) {
            Ok((_, true)) => summary.created += 1,
            Ok((_, false)) => summary.updated += 1,
            Err(DeviceError::Invalid(reason)) => {
                // Rows are numbered from the header line, which is line 1.
                errors.push(RowError {
                    line: i as u64 + 2,
                    column: Some("barcodes".into()),
                    reason,
                });
            }
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        return Err(ImportError {
            what: "items",
            errors,
        }
        .into());
    }
    Ok(summary)
}

/// Returns true when the warehouse was created.
fn upsert_warehouse(conn: &Connection, code: &str, name: &str) -> Result<bool> {
    let code = code.trim();
    if code.is_empty() {
        return Err(DeviceError::Invalid("warehouse code is empty".into()));
    }
    let existing: Option<String> = conn
        .query_row("SELECT id FROM warehouses WHERE code = ?1", [code], |r| {
            r.get(0)
        })
        .optional()?;
    match existing {
        Some(id) => {
            conn.execute(
                "UPDATE warehouses SET name = ?1 WHERE id = ?2",
                params![name, id],
            )?;
            Ok(false)
        }
        None => {
            conn.execute(
                "INSERT INTO warehouses (id, code, name) VALUES (?1, ?2, ?3)",
                params![WarehouseId::new().to_string(), code, name],
            )?;
            Ok(true)
        }
    }
}

pub fn upsert_location(conn: &Connection, loc: &Location) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO locations (id, warehouse_id, code, barcode, kind, parent_id, walk_seq, capacity)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(id) DO UPDATE SET warehouse_id = excluded.warehouse_id, code = excluded.code,
           barcode = excluded.barcode, kind = excluded.kind, parent_id = excluded.parent_id,
           walk_seq = excluded.walk_seq, capacity = excluded.capacity",
    )?
    .execute(params![
        loc.id.to_string(),
        loc.warehouse_id.to_string(),
        loc.code,
        loc.barcode,
        loc.kind.as_str(),
        loc.parent_id.map(|p| p.to_string()),
        loc.walk_seq,
        loc.capacity
    ])?;
    Ok(())
}

/// Writes an item and its codes; returns the stored item and whether it was new.
pub fn upsert_item(conn: &Connection, item: &Item) -> Result<(Item, bool)> {
    item.validate()
        .map_err(|e| DeviceError::Invalid(format!("item {}: {e}", item.sku)))?;
    let existing: Option<String> = conn
        .prepare_cached("SELECT id FROM items WHERE sku = ?1")?
        .query_row([&item.sku], |r| r.get(0))
        .optional()?;
    let created = existing.is_none();
    let id = existing.unwrap_or_else(|| item.id.to_string());
    for (code, _) in item.scan_codes() {
        let owner: Option<String> = conn
            .prepare_cached("SELECT i.sku FROM barcodes b JOIN items i ON i.id = b.item_id WHERE b.code = ?1 AND b.item_id <> ?2")?
            .query_row([&code, &id], |r| r.get(0))
            .optional()?;
        if let Some(sku) = owner {
            return Err(DeviceError::Invalid(format!(
                "barcode {code} of {} already belongs to item {sku}",
                item.sku
            )));
        }
    }
    let dims = item.dimensions_mm;
    let mut codes_json = item.barcodes.clone();
    codes_json.sort();
    let packs_json: Vec<(&str, Option<&str>, i64)> = item
        .packs
        .iter()
        .map(|p| {
            (
                p.kind.as_str(),
                p.gtin.as_ref().map(Gtin::as_str),
                p.quantity,
            )
        })
        .collect();
    conn.prepare_cached(
        "INSERT INTO items (id, sku, description, uom, weight_g, length_mm, width_mm, height_mm, tracking,
                            expiry_tracked, reorder_point, min_qty, max_qty, packs, codes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
         ON CONFLICT(id) DO UPDATE SET description = excluded.description, uom = excluded.uom,
           weight_g = excluded.weight_g, length_mm = excluded.length_mm, width_mm = excluded.width_mm,
           height_mm = excluded.height_mm, tracking = excluded.tracking,
           expiry_tracked = excluded.expiry_tracked, reorder_point = excluded.reorder_point,
           min_qty = excluded.min_qty, max_qty = excluded.max_qty, packs = excluded.packs,
           codes = excluded.codes",
    )?
    .execute(params![
        id,
        item.sku,
        item.description,
        item.uom,
        item.weight_g,
        dims.map(|d| d[0]),
        dims.map(|d| d[1]),
        dims.map(|d| d[2]),
        item.tracking.as_str(),
        item.expiry_tracked,
        item.reorder_point,
        item.min_qty,
        item.max_qty,
        serde_json::to_string(&packs_json)?,
        serde_json::to_string(&codes_json)?,
    ])?;
    conn.prepare_cached("DELETE FROM barcodes WHERE item_id = ?1")?
        .execute([&id])?;
    let mut insert_code = conn.prepare_cached(
        "INSERT INTO barcodes (code, item_id, pack_kind, pack_qty) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for b in &item.barcodes {
        insert_code.execute(params![b, id, "base", 1])?;
    }
    for p in item.packs.iter().filter(|p| p.gtin.is_some()) {
        insert_code.execute(params![
            p.gtin.as_ref().map(Gtin::as_str),
            id,
            p.kind.as_str(),
            p.quantity
        ])?;
    }
    let stored = load_item(conn, &id)?.ok_or(DeviceError::NotFound {
        what: "item",
        key: id,
    })?;
    Ok((stored, created))
}

/// The item columns, pack levels and base barcodes included, so that a scan's lookup is one
/// statement touching two rows (see docs/PERFORMANCE.md).
const ITEM_SELECT: &str = "SELECT i.id, i.sku, i.description, i.uom, i.weight_g, i.length_mm, i.width_mm,
        i.height_mm, i.tracking, i.expiry_tracked, i.reorder_point, i.min_qty, i.max_qty, i.packs, i.codes";

fn item_from_row(r: &Row<'_>) -> rusqlite::Result<Result<Item>> {
    let id: String = r.get(0)?;
    let tracking: String = r.get(8)?;
    let packs_json: String = r.get(13)?;
    let codes_json: String = r.get(14)?;
    let dims = (
        r.get::<_, Option<i64>>(5)?,
        r.get::<_, Option<i64>>(6)?,
        r.get::<_, Option<i64>>(7)?,
    );
    let (sku, description, uom): (String, String, String) = (r.get(1)?, r.get(2)?, r.get(3)?);
    let (weight_g, expiry_tracked) = (r.get(4)?, r.get(9)?);
    let (reorder_point, min_qty, max_qty) = (r.get(10)?, r.get(11)?, r.get(12)?);
    Ok((|| {
        let raw_packs: Vec<(String, Option<String>, i64)> = serde_json::from_str(&packs_json)?;
        let mut packs = raw_packs
            .into_iter()
            .map(|(kind, gtin, quantity)| {
                Ok(PackLevel {
                    kind: kind.parse().map_err(DeviceError::Decode)?,
                    gtin: gtin
                        .map(|g| Gtin::parse(&g))
                        .transpose()
                        .map_err(|e| DeviceError::Decode(e.to_string()))?,
                    quantity,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        packs.sort_by_key(|p| p.kind);
        Ok(Item {
            id: parse_id(&id)?,
            sku,
            description,
            uom,
            barcodes: serde_json::from_str(&codes_json)?,
            packs,
            weight_g,
            dimensions_mm: match dims {
                (Some(l), Some(w), Some(h)) => Some([l, w, h]),
                _ => None,
            },
            tracking: tracking.parse::<Tracking>().map_err(DeviceError::Decode)?,
            expiry_tracked,
            reorder_point,
            min_qty,
            max_qty,
        })
    })())
}

pub fn load_item(conn: &Connection, id: &str) -> Result<Option<Item>> {
    let sql = format!("{ITEM_SELECT} FROM items i WHERE i.id = ?1");
    conn.prepare_cached(&sql)?
        .query_row([id], item_from_row)
        .optional()?
        .transpose()
}

/// Checks that a location can hold stock (bins, docks, faces), for operations.
pub(crate) fn ensure_holds_stock(loc: &Location) -> Result<()> {
    if loc.kind.holds_stock() {
        Ok(())
    } else {
        Err(DeviceError::Invalid(format!(
            "location {} is a {} and cannot hold stock; scan a bin, dock or pick face",
            loc.code, loc.kind
        )))
    }
}

/// A location kind from stored text, for query modules.
pub(crate) fn kind_of(s: &str) -> Result<LocationKind> {
    s.parse().map_err(DeviceError::Decode)
}

/// Every warehouse (server and device share this query).
pub fn load_warehouses(conn: &Connection) -> Result<Vec<Warehouse>> {
    let mut stmt = conn.prepare_cached("SELECT id, code, name FROM warehouses ORDER BY code")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?;
    rows.map(|r| {
        let (id, code, name) = r?;
        Ok(Warehouse {
            id: parse_id(&id)?,
            code,
            name,
        })
    })
    .collect()
}

/// A location by id.
pub fn load_location(conn: &Connection, id: &str) -> Result<Option<Location>> {
    opt_location(conn, "id = ?1", &[&id])
}

/// Every location of a warehouse, parents before children (insertion order of their ids).
pub fn load_locations(conn: &Connection, warehouse: WarehouseId) -> Result<Vec<Location>> {
    let sql =
        format!("SELECT {LOCATION_COLUMNS} FROM locations WHERE warehouse_id = ?1 ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([warehouse.to_string()], location_from_row)?;
    rows.map(|r| location_decode(r?)).collect()
}

/// License plates matching an SQL condition on `plates`.
pub fn load_plates(conn: &Connection, clause: &str, args: &[&str]) -> Result<Vec<LicensePlate>> {
    let sql = format!(
        "SELECT id, code, warehouse_id, location_id FROM plates WHERE {clause} ORDER BY id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    rows.map(|row| {
        let (id, code, wh, loc) = row?;
        Ok(LicensePlate {
            id: parse_id(&id)?,
            code,
            warehouse_id: parse_id(&wh)?,
            location_id: loc.as_deref().map(parse_id).transpose()?,
        })
    })
    .collect()
}

/// Creates or moves a plate. A code that is already another plate's keeps that plate: two ids for
/// one label can only come from an older app (ids are made from codes now), and the server
/// raises a `plate_conflict` for it.
pub fn upsert_plate(conn: &Connection, plate: &LicensePlate) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO plates (id, code, warehouse_id, location_id) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET warehouse_id = excluded.warehouse_id, location_id = excluded.location_id
         ON CONFLICT DO NOTHING",
    )?
    .execute(params![
        plate.id.to_string(),
        plate.code,
        plate.warehouse_id.to_string(),
        plate.location_id.map(|l| l.to_string())
    ])?;
    Ok(())
}

/// Every item.
pub fn load_items(conn: &Connection) -> Result<Vec<Item>> {
    let sql = format!("{ITEM_SELECT} FROM items i ORDER BY i.sku");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], item_from_row)?;
    rows.map(|r| r?).collect()
}
