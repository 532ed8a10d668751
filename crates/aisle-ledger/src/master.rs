//! Master data rows (warehouses, locations, items with barcodes and pack levels, license plates):
//! one row mapper per struct, their upserts and loads, and the all-or-nothing CSV imports run on
//! a caller's transaction (the device and the server import with the same code).

use crate::db::{Db, DbExt, Row, ToValue, Value};
use crate::{LedgerError, Result, args};
use aisle_domain::import::{self, ImportError, RowError};
use aisle_domain::master::{
    Item, LicensePlate, Location, LocationKind, PackKind, PackLevel, Tracking, Warehouse,
};
use aisle_domain::scan::gtin::Gtin;
use aisle_domain::{ItemId, LocationId, PlateId, WarehouseId};
use serde::Serialize;
use std::io::Read;

/// What an import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
}

/// The columns [`warehouse_from_row`] reads, in order.
pub const WAREHOUSE_COLUMNS: &str = "id, code, name, refuse_over_capacity";

pub fn warehouse_from_row(r: &Row<'_>) -> Result<Warehouse> {
    Ok(Warehouse {
        id: r.get(0)?,
        code: r.get(1)?,
        name: r.get(2)?,
        refuse_over_capacity: r.get(3)?,
    })
}

/// The columns [`location_from_row`] reads, in order.
pub const LOCATION_COLUMNS: &str = "id, warehouse_id, code, barcode, kind, parent_id, walk_seq, capacity, max_weight_g, max_volume_cm3";

pub fn location_from_row(r: &Row<'_>) -> Result<Location> {
    Ok(Location {
        id: r.get(0)?,
        warehouse_id: r.get(1)?,
        code: r.get(2)?,
        barcode: r.get(3)?,
        kind: kind_from(r, 4)?,
        parent_id: r.get(5)?,
        walk_seq: r.get(6)?,
        capacity: r.get(7)?,
        max_weight_g: r.get(8)?,
        max_volume_cm3: r.get(9)?,
    })
}

/// A location kind stored in column `i`.
pub fn kind_from(r: &Row<'_>, i: usize) -> Result<LocationKind> {
    r.get::<String>(i)?.parse().map_err(LedgerError::Decode)
}

/// The columns [`plate_from_row`] reads, in order.
pub const PLATE_COLUMNS: &str = "id, code, warehouse_id, location_id";

pub fn plate_from_row(r: &Row<'_>) -> Result<LicensePlate> {
    Ok(LicensePlate {
        id: r.get(0)?,
        code: r.get(1)?,
        warehouse_id: r.get(2)?,
        location_id: r.get(3)?,
    })
}

/// The item columns, pack levels and base barcodes included, so that a scan's lookup is one
/// statement touching two rows (see docs/PERFORMANCE.md). Selected from `items i`.
pub const ITEM_SELECT: &str = "SELECT i.id, i.sku, i.description, i.uom, i.weight_g, i.length_mm, i.width_mm,
        i.height_mm, i.tracking, i.expiry_tracked, i.reorder_point, i.min_qty, i.max_qty, i.packs, i.codes,
        i.min_shelf_life_days";

/// The number of columns [`ITEM_SELECT`] reads: columns after them are the caller's.
pub const ITEM_COLUMN_COUNT: usize = 16;

/// A pack level as stored in `items.packs`: `[kind, gtin, quantity]`, or with the pack's weight
/// and dimensions after them (written since the shared ledger's pack weights).
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum StoredPack {
    Measured(String, Option<String>, i64, Option<i64>, Option<[i64; 3]>),
    Plain(String, Option<String>, i64),
}

pub fn item_from_row(r: &Row<'_>) -> Result<Item> {
    let raw_packs: Vec<StoredPack> = serde_json::from_str(&r.get::<String>(13)?)?;
    let mut packs = raw_packs
        .into_iter()
        .map(|p| {
            let (kind, gtin, quantity, weight_g, dimensions_mm) = match p {
                StoredPack::Measured(k, g, q, w, d) => (k, g, q, w, d),
                StoredPack::Plain(k, g, q) => (k, g, q, None, None),
            };
            Ok(PackLevel {
                kind: kind.parse().map_err(LedgerError::Decode)?,
                gtin: gtin
                    .map(|g| Gtin::parse(&g))
                    .transpose()
                    .map_err(|e| LedgerError::Decode(e.to_string()))?,
                quantity,
                weight_g,
                dimensions_mm,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    packs.sort_by_key(|p| p.kind);
    let dims = (
        r.get::<Option<i64>>(5)?,
        r.get::<Option<i64>>(6)?,
        r.get::<Option<i64>>(7)?,
    );
    Ok(Item {
        id: r.get(0)?,
        sku: r.get(1)?,
        description: r.get(2)?,
        uom: r.get(3)?,
        barcodes: serde_json::from_str(&r.get::<String>(14)?)?,
        packs,
        weight_g: r.get(4)?,
        dimensions_mm: match dims {
            (Some(l), Some(w), Some(h)) => Some([l, w, h]),
            _ => None,
        },
        tracking: r
            .get::<String>(8)?
            .parse::<Tracking>()
            .map_err(LedgerError::Decode)?,
        expiry_tracked: r.get(9)?,
        reorder_point: r.get(10)?,
        min_qty: r.get(11)?,
        max_qty: r.get(12)?,
        min_shelf_life_days: r
            .get::<Option<i64>>(15)?
            .map(|d| {
                u32::try_from(d)
                    .map_err(|_| LedgerError::Decode(format!("minimum shelf life {d} days")))
            })
            .transpose()?,
    })
}

/// The item a code identifies and the pack level it stands for (base units per scan).
pub fn item_by_barcode(conn: &dyn Db, code: &str) -> Result<Option<(Item, PackKind, i64)>> {
    let sql = format!(
        "{ITEM_SELECT}, b.pack_kind, b.pack_qty FROM barcodes b JOIN items i ON i.id = b.item_id WHERE b.code = ?1"
    );
    let n = ITEM_COLUMN_COUNT;
    conn.first(&sql, args![code], |r| {
        let kind: String = r.get(n)?;
        let kind = if kind == "base" {
            PackKind::Each
        } else {
            kind.parse().map_err(LedgerError::Decode)?
        };
        Ok((item_from_row(r)?, kind, r.get(n + 1)?))
    })
}

/// A location matching an SQL condition on `locations`.
pub fn location_where(
    conn: &dyn Db,
    where_clause: &str,
    key: &[Value],
) -> Result<Option<Location>> {
    let sql = format!("SELECT {LOCATION_COLUMNS} FROM locations WHERE {where_clause}");
    conn.first(&sql, key, location_from_row)
}

/// A location by id.
pub fn load_location(conn: &dyn Db, id: LocationId) -> Result<Option<Location>> {
    location_where(conn, "id = ?1", args![id])
}

/// Every location of a warehouse, parents before children (insertion order of their ids).
pub fn load_locations(conn: &dyn Db, warehouse: WarehouseId) -> Result<Vec<Location>> {
    let sql =
        format!("SELECT {LOCATION_COLUMNS} FROM locations WHERE warehouse_id = ?1 ORDER BY id");
    conn.rows(&sql, args![warehouse], location_from_row)
}

/// Every warehouse, by code.
pub fn load_warehouses(conn: &dyn Db) -> Result<Vec<Warehouse>> {
    let sql = format!("SELECT {WAREHOUSE_COLUMNS} FROM warehouses ORDER BY code");
    conn.rows(&sql, &[], warehouse_from_row)
}

/// A warehouse by its code.
pub fn warehouse_by_code(conn: &dyn Db, code: &str) -> Result<Option<Warehouse>> {
    let sql = format!("SELECT {WAREHOUSE_COLUMNS} FROM warehouses WHERE code = ?1");
    conn.first(&sql, args![code], warehouse_from_row)
}

/// License plates matching an SQL condition on `plates`.
pub fn load_plates(conn: &dyn Db, clause: &str, args: &[Value]) -> Result<Vec<LicensePlate>> {
    let sql = format!("SELECT {PLATE_COLUMNS} FROM plates WHERE {clause} ORDER BY id");
    conn.rows(&sql, args, plate_from_row)
}

/// Creates or moves a plate. A code that is already another plate's keeps that plate: two ids for
/// one label can only come from an older app (ids are made from codes now), and the server
/// raises a `plate_conflict` for it.
pub fn upsert_plate(conn: &dyn Db, plate: &LicensePlate) -> Result<()> {
    place_plate_row(
        conn,
        plate.id,
        &plate.code,
        &plate.warehouse_id.to_string(),
        plate.location_id,
    )
}

/// Plates written per statement by [`upsert_plates`].
const PLATES_PER_STATEMENT: usize = 200;

/// Many plates as [`upsert_plate`] writes them one at a time, in a few statements: a pull after
/// a big receipt brings thousands (one at a time, two statements each, they were a fifth of
/// applying such a page). A list that names a plate or a code twice is written one at a time,
/// so that the first of two plates with one code keeps it, as it always did.
pub fn upsert_plates(conn: &dyn Db, plates: &[LicensePlate]) -> Result<()> {
    let mut ids = std::collections::HashSet::with_capacity(plates.len());
    let mut codes = std::collections::HashSet::with_capacity(plates.len());
    if !plates
        .iter()
        .all(|p| ids.insert(p.id) && codes.insert(p.code.as_str()))
    {
        return plates.iter().try_for_each(|p| upsert_plate(conn, p));
    }
    // In id order: each statement then fills the id index's pages one after another instead of
    // touching a random page per plate (ids are hashes of codes). About a tenth of a pull of
    // 10,000 new plates (docs/PERFORMANCE.md, session 19). Ids and codes are distinct here, so
    // the order changes nothing written.
    let mut plates: Vec<&LicensePlate> = plates.iter().collect();
    plates.sort_unstable_by_key(|p| p.id);
    for chunk in plates.chunks(PLATES_PER_STATEMENT) {
        let values: Vec<Value> = chunk
            .iter()
            .flat_map(|p| {
                [
                    p.id.to_value(),
                    p.code.to_value(),
                    p.warehouse_id.to_value(),
                    p.location_id.to_value(),
                ]
            })
            .collect();
        // A plate whose code is already another plate's is left out, as in `place_plate_row`.
        conn.exec(
            &format!(
                "INSERT INTO plates (id, code, warehouse_id, location_id)
                 SELECT v.column1, v.column2, v.column3, v.column4 FROM (VALUES {}) AS v
                 WHERE NOT EXISTS (SELECT 1 FROM plates p WHERE p.code = v.column2 AND p.id <> v.column1)
                 ON CONFLICT (id) DO UPDATE SET warehouse_id = excluded.warehouse_id, location_id = excluded.location_id",
                crate::db::values_list(chunk.len(), 4)
            ),
            &values,
        )?;
    }
    Ok(())
}

/// The one write of a plate's row (see [`upsert_plate`]): nothing when its code is another
/// plate's, else created or moved.
pub(crate) fn place_plate_row(
    conn: &dyn Db,
    id: PlateId,
    code: &str,
    warehouse: &str,
    location: Option<LocationId>,
) -> Result<()> {
    let taken: Option<String> = conn.value(
        "SELECT id FROM plates WHERE code = ?1 AND id <> ?2",
        args![code, id],
    )?;
    if taken.is_none() {
        conn.exec(
            "INSERT INTO plates (id, code, warehouse_id, location_id) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET warehouse_id = excluded.warehouse_id, location_id = excluded.location_id",
            args![id, code, warehouse, location],
        )?;
    }
    Ok(())
}

/// An item by id.
pub fn load_item(conn: &dyn Db, id: ItemId) -> Result<Option<Item>> {
    let sql = format!("{ITEM_SELECT} FROM items i WHERE i.id = ?1");
    conn.first(&sql, args![id], item_from_row)
}

/// An item by SKU.
pub fn item_by_sku(conn: &dyn Db, sku: &str) -> Result<Option<Item>> {
    let sql = format!("{ITEM_SELECT} FROM items i WHERE i.sku = ?1");
    conn.first(&sql, args![sku], item_from_row)
}

/// Every item, by SKU.
pub fn load_items(conn: &dyn Db) -> Result<Vec<Item>> {
    let sql = format!("{ITEM_SELECT} FROM items i ORDER BY i.sku");
    conn.rows(&sql, &[], item_from_row)
}

/// Creates or renames a warehouse (matched by code), and sets whether it refuses a scan that
/// overfills a location when `refuse_over_capacity` is given (a new one refuses none). Returns
/// true when it was created.
pub fn upsert_warehouse(
    conn: &dyn Db,
    code: &str,
    name: &str,
    refuse_over_capacity: Option<bool>,
) -> Result<bool> {
    let code = code.trim();
    if code.is_empty() {
        return Err(LedgerError::Invalid("warehouse code is empty".into()));
    }
    let existing: Option<WarehouseId> =
        conn.value("SELECT id FROM warehouses WHERE code = ?1", args![code])?;
    match existing {
        Some(id) => {
            conn.exec(
                "UPDATE warehouses SET name = ?1, refuse_over_capacity = COALESCE(?3, refuse_over_capacity) WHERE id = ?2",
                args![name, id, refuse_over_capacity.map(i64::from)],
            )?;
            Ok(false)
        }
        None => {
            conn.exec(
                "INSERT INTO warehouses (id, code, name, refuse_over_capacity) VALUES (?1, ?2, ?3, ?4)",
                args![
                    WarehouseId::new(),
                    code,
                    name,
                    i64::from(refuse_over_capacity.unwrap_or(false))
                ],
            )?;
            Ok(true)
        }
    }
}

/// Inserts or replaces a location (matched by id).
pub fn upsert_location(conn: &dyn Db, loc: &Location) -> Result<()> {
    conn.exec(
        "INSERT INTO locations (id, warehouse_id, code, barcode, kind, parent_id, walk_seq, capacity, max_weight_g, max_volume_cm3)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(id) DO UPDATE SET warehouse_id = excluded.warehouse_id, code = excluded.code,
           barcode = excluded.barcode, kind = excluded.kind, parent_id = excluded.parent_id,
           walk_seq = excluded.walk_seq, capacity = excluded.capacity,
           max_weight_g = excluded.max_weight_g, max_volume_cm3 = excluded.max_volume_cm3",
        args![
        loc.id,
        loc.warehouse_id,
        loc.code,
        loc.barcode,
        loc.kind.as_str(),
        loc.parent_id,
        loc.walk_seq,
        loc.capacity,
        loc.max_weight_g,
        loc.max_volume_cm3
        ],
    )?;
    Ok(())
}

/// Writes an item and its codes (matched by SKU: an existing item keeps its id); returns the
/// stored item and whether it was new.
pub fn upsert_item(conn: &dyn Db, item: &Item) -> Result<(Item, bool)> {
    item.validate()
        .map_err(|e| LedgerError::Invalid(format!("item {}: {e}", item.sku)))?;
    let existing: Option<ItemId> =
        conn.value("SELECT id FROM items WHERE sku = ?1", args![item.sku])?;
    let created = existing.is_none();
    let id = existing.unwrap_or(item.id);
    for (code, _) in item.scan_codes() {
        let owner: Option<String> = conn.value(
            "SELECT i.sku FROM barcodes b JOIN items i ON i.id = b.item_id WHERE b.code = ?1 AND b.item_id <> ?2",
            args![code, id],
        )?;
        if let Some(sku) = owner {
            return Err(LedgerError::Invalid(format!(
                "barcode {code} of {} already belongs to item {sku}",
                item.sku
            )));
        }
    }
    let dims = item.dimensions_mm;
    let mut codes_json = item.barcodes.clone();
    codes_json.sort();
    // `[kind, gtin, quantity]`, with the pack's weight and dimensions after them when known.
    let packs_json: Vec<serde_json::Value> = item
        .packs
        .iter()
        .map(|p| {
            let (kind, gtin) = (p.kind.as_str(), p.gtin.as_ref().map(Gtin::as_str));
            if p.weight_g.is_none() && p.dimensions_mm.is_none() {
                serde_json::json!([kind, gtin, p.quantity])
            } else {
                serde_json::json!([kind, gtin, p.quantity, p.weight_g, p.dimensions_mm])
            }
        })
        .collect();
    conn.exec(
        "INSERT INTO items (id, sku, description, uom, weight_g, length_mm, width_mm, height_mm, tracking,
                            expiry_tracked, reorder_point, min_qty, max_qty, packs, codes, min_shelf_life_days)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT(id) DO UPDATE SET description = excluded.description, uom = excluded.uom,
           weight_g = excluded.weight_g, length_mm = excluded.length_mm, width_mm = excluded.width_mm,
           height_mm = excluded.height_mm, tracking = excluded.tracking,
           expiry_tracked = excluded.expiry_tracked, reorder_point = excluded.reorder_point,
           min_qty = excluded.min_qty, max_qty = excluded.max_qty, packs = excluded.packs,
           codes = excluded.codes, min_shelf_life_days = excluded.min_shelf_life_days",
        args![
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
        item.min_shelf_life_days.map(i64::from),
        ],
    )?;
    conn.exec("DELETE FROM barcodes WHERE item_id = ?1", args![id])?;
    let insert_code =
        "INSERT INTO barcodes (code, item_id, pack_kind, pack_qty) VALUES (?1, ?2, ?3, ?4)";
    for b in &item.barcodes {
        conn.exec(insert_code, args![b, id, "base", 1])?;
    }
    for p in item.packs.iter().filter(|p| p.gtin.is_some()) {
        conn.exec(
            insert_code,
            args![
                p.gtin.as_ref().map(Gtin::as_str),
                id,
                p.kind.as_str(),
                p.quantity
            ],
        )?;
    }
    let stored = load_item(conn, id)?.ok_or(LedgerError::NotFound {
        what: "item",
        key: id.to_string(),
    })?;
    Ok((stored, created))
}

/// Imports `code,name` rows. All or nothing (on the caller's transaction).
pub fn import_warehouses_into(tx: &dyn Db, input: impl Read) -> Result<ImportSummary> {
    let rows = import::parse_warehouses(input)?;
    let mut summary = ImportSummary {
        created: 0,
        updated: 0,
    };
    for r in rows {
        if upsert_warehouse(tx, &r.code, &r.name, r.refuse_over_capacity)? {
            summary.created += 1;
        } else {
            summary.updated += 1;
        }
    }
    Ok(summary)
}

/// Imports locations. Warehouses and parents must exist (parents may be earlier rows). All or
/// nothing: one bad row and the caller rolls back.
pub fn import_locations_into(tx: &dyn Db, input: impl Read) -> Result<ImportSummary> {
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
        let wh: Option<WarehouseId> = tx.value(
            "SELECT id FROM warehouses WHERE code = ?1",
            args![r.warehouse],
        )?;
        let Some(wh) = wh else {
            errors.push(err(
                "warehouse",
                format!(
                    "warehouse {:?} does not exist; import warehouses first",
                    r.warehouse
                ),
            ));
            continue;
        };
        let in_warehouse = "warehouse_id = ?1 AND code = ?2";
        let parent = match &r.parent {
            Some(p) => match location_where(tx, in_warehouse, args![wh, p])? {
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
            },
            None => None,
        };
        let existing = location_where(tx, in_warehouse, args![wh, r.code])?;
        if let Some(other) = location_where(tx, "barcode = ?1", args![r.barcode])?
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
            max_weight_g: r.max_weight_g,
            max_volume_cm3: r.max_volume_cm3,
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

/// Imports items (matched by SKU). All or nothing (on the caller's transaction).
pub fn import_items_into(tx: &dyn Db, input: impl Read) -> Result<ImportSummary> {
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
            Err(LedgerError::Invalid(reason)) => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use aisle_domain::master::LicensePlate;
    use aisle_domain::{PlateId, demo};

    fn ledger_db() -> rusqlite::Connection {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::schema::V1).unwrap();
        conn.execute_batch(crate::schema::V2_SHELF_LIFE).unwrap();
        conn.execute_batch(crate::schema::V3_CAPACITY_POLICY)
            .unwrap();
        conn.execute_batch(crate::schema::V4_LOCATION_LIMITS)
            .unwrap();
        conn
    }

    /// Every struct comes back from its row as it went in: items with packs, barcodes and
    /// dimensions, locations with parents, warehouses and plates.
    #[test]
    fn rows_round_trip() {
        let conn = ledger_db();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let mut data = demo::generate(7, 40, today);
        // Every column of a location is mapped, the limits too.
        data.locations[0].max_weight_g = Some(12_000);
        data.locations[0].max_volume_cm3 = Some(80_000);
        // And a pack level's own weight and size.
        if let Some(case) = data.items[0].packs.iter_mut().find(|p| p.quantity > 1) {
            case.weight_g = Some(4_250);
            case.dimensions_mm = Some([600, 400, 300]);
        }
        for w in &data.warehouses {
            conn.exec(
                "INSERT INTO warehouses (id, code, name) VALUES (?1, ?2, ?3)",
                args![w.id, w.code, w.name],
            )
            .unwrap();
        }
        for l in &data.locations {
            upsert_location(&conn, l).unwrap();
        }
        for i in &data.items {
            let (stored, created) = upsert_item(&conn, i).unwrap();
            assert!(created);
            let mut want = i.clone();
            want.barcodes.sort();
            want.packs.sort_by_key(|p| p.kind);
            assert_eq!(stored, want);
        }
        assert_eq!(load_warehouses(&conn).unwrap().len(), 2);
        let wh = data.warehouses[0].id;
        let mut want: Vec<_> = data
            .locations
            .iter()
            .filter(|l| l.warehouse_id == wh)
            .cloned()
            .collect();
        want.sort_by_key(|l| l.id);
        assert_eq!(load_locations(&conn, wh).unwrap(), want);
        assert_eq!(load_items(&conn).unwrap().len(), data.items.len());
        let some = &data.items[3];
        let code = some.barcodes.first().unwrap();
        let (found, kind, qty) = item_by_barcode(&conn, code).unwrap().unwrap();
        assert_eq!(
            (found.sku.as_str(), kind, qty),
            (some.sku.as_str(), PackKind::Each, 1)
        );
        let plate = LicensePlate {
            id: PlateId::for_code("340299910000000025"),
            code: "340299910000000025".into(),
            warehouse_id: wh,
            location_id: Some(want[0].id),
        };
        upsert_plate(&conn, &plate).unwrap();
        assert_eq!(
            load_plates(&conn, "code = ?1", args![plate.code]).unwrap(),
            vec![plate]
        );
    }

    /// A stored id that is not a UUID is a storage error naming it, never a panic or a made-up
    /// value.
    #[test]
    fn an_undecodable_row_is_an_error() {
        let conn = ledger_db();
        conn.execute(
            "INSERT INTO warehouses (id, code, name) VALUES ('not-a-uuid', 'WH9', 'Bad')",
            [],
        )
        .unwrap();
        let e = load_warehouses(&conn).unwrap_err().to_string();
        assert!(e.contains("not-a-uuid"), "{e}");
        conn.execute(
            "UPDATE warehouses SET id = '0190e0b2-7c1a-7000-8000-000000000001'",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO locations (id, warehouse_id, code, barcode, kind) VALUES
             ('0190e0b2-7c1a-7000-8000-000000000002', '0190e0b2-7c1a-7000-8000-000000000001', 'A', 'LOC:A', 'cupboard')",
            [],
        )
        .unwrap();
        let e = load_locations(
            &conn,
            "0190e0b2-7c1a-7000-8000-000000000001".parse().unwrap(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("cupboard"), "{e}");
    }
}
