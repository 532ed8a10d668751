//! The license plates a push places, kept with its books (`books`) and written at the flush.
//!
//! Each entry that names a plate made two round trips: admission asking whether its code is
//! another plate's, and the placing itself. On PostgreSQL a push of 10,000 receipts onto new
//! plates spent about 7 s in them (docs/PERFORMANCE.md, session 20). Here the plates a whole push
//! names are read in a few queries before its first entry ([`PendingPlates::read_ahead`]), the
//! rule of [`aisle_ledger::effects::place_plates`] is applied in memory in entry order, and the
//! plates the push leaves are written many to a statement. Admission reads codes through
//! [`PendingPlates::with_code`], so every entry sees the plates of the entries before it.
//!
//! Nothing else reads plates while a push is open: admission and reconciliation read them only
//! by code, through here.

use super::books::LOOKUPS_PER_QUERY;
use crate::error::StorageResult;
use aisle_domain::master::LicensePlate;
use aisle_domain::op::Operation;
use aisle_domain::{LocationId, PlateId, WarehouseId};
use aisle_ledger::db::{Db, Value, values_list};
use aisle_ledger::master::{load_plates, upsert_plates};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

/// Plates as the push leaves them so far.
#[derive(Debug, Default)]
pub(crate) struct PendingPlates {
    /// Every plate looked up or placed, by id; `None` for an id no plate has.
    by_id: RefCell<HashMap<PlateId, Option<LicensePlate>>>,
    /// Which plate has a code, for every code looked up or placed.
    by_code: RefCell<HashMap<String, Option<PlateId>>>,
    /// Plates the push placed: written at the flush.
    placed: RefCell<BTreeSet<PlateId>>,
}

/// The plates an operation names by id, and the codes it names.
fn named(op: &Operation) -> (Option<PlateId>, Option<&str>) {
    match op {
        Operation::Receive(r) => (r.key.plate, r.plate_code.as_deref()),
        Operation::MovePlate(m) => (Some(m.plate), Some(m.plate_code.as_str())),
        Operation::Putaway(t) | Operation::Move(t) => (t.to_plate, None),
        _ => (None, None),
    }
}

impl PendingPlates {
    /// Reads every plate `ops` name, by id or by code, in a few queries.
    pub fn read_ahead<'a>(
        &self,
        tx: &dyn Db,
        ops: impl IntoIterator<Item = &'a Operation>,
    ) -> StorageResult<()> {
        let (mut ids, mut codes) = (BTreeSet::new(), BTreeSet::new());
        // An operation that fails its own checks is held and places nothing; its texts may be
        // ones the database refuses (PostgreSQL's text holds no NUL).
        for op in ops.into_iter().filter(|op| op.check().is_ok()) {
            let (id, code) = named(op);
            ids.extend(id);
            codes.extend(code);
        }
        let ids: Vec<PlateId> = ids
            .into_iter()
            .filter(|id| !self.by_id.borrow().contains_key(id))
            .collect();
        self.look_up(tx, "id", &ids, |id| self.absent_id(id))?;
        let codes: Vec<&str> = codes
            .into_iter()
            .filter(|c| !self.by_code.borrow().contains_key(*c))
            .collect();
        self.look_up(tx, "code", &codes, |c| self.absent_code(c))
    }

    /// Reads the plates whose `column` is one of `keys`, a few queries for many, and knows them;
    /// then `looked_up` marks each key as read (one no plate has stays absent). Marked only after
    /// a read that succeeded.
    fn look_up<K: ToString>(
        &self,
        tx: &dyn Db,
        column: &str,
        keys: &[K],
        looked_up: impl Fn(&K),
    ) -> StorageResult<()> {
        for chunk in keys.chunks(LOOKUPS_PER_QUERY) {
            let values: Vec<Value> = chunk.iter().map(|k| Value::Text(k.to_string())).collect();
            let marks = values_list(1, values.len());
            let found = load_plates(tx, &format!("{column} IN {marks}"), &values)?;
            found.into_iter().for_each(|p| self.know(p));
            chunk.iter().for_each(&looked_up);
        }
        Ok(())
    }

    fn absent_id(&self, id: &PlateId) {
        self.by_id.borrow_mut().entry(*id).or_insert(None);
    }

    fn absent_code(&self, code: &str) {
        self.by_code
            .borrow_mut()
            .entry(code.to_string())
            .or_insert(None);
    }

    fn know(&self, p: LicensePlate) {
        self.by_code.borrow_mut().insert(p.code.clone(), Some(p.id));
        self.by_id.borrow_mut().insert(p.id, Some(p));
    }

    /// The plate that has `code`, as this push leaves plates so far.
    pub fn with_code(&self, tx: &dyn Db, code: &str) -> StorageResult<Option<PlateId>> {
        if let Some(known) = self.by_code.borrow().get(code) {
            return Ok(*known);
        }
        self.look_up(tx, "code", &[code], |c| self.absent_code(c))?;
        Ok(self.by_code.borrow().get(code).copied().flatten())
    }

    fn plate(&self, tx: &dyn Db, id: PlateId) -> StorageResult<Option<LicensePlate>> {
        if let Some(known) = self.by_id.borrow().get(&id) {
            return Ok(known.clone());
        }
        self.look_up(tx, "id", &[id], |id| self.absent_id(id))?;
        Ok(self.by_id.borrow().get(&id).cloned().flatten())
    }

    /// Where `op` leaves the plates it names, as [`aisle_ledger::effects::place_plates`] would
    /// write it. `warehouse_of` says a location's warehouse (none for an unknown location).
    pub fn place(
        &self,
        tx: &dyn Db,
        op: &Operation,
        warehouse_of: impl Fn(LocationId) -> StorageResult<Option<WarehouseId>>,
    ) -> StorageResult<()> {
        match op {
            Operation::Receive(r) => {
                if let (Some(plate), Some(code)) = (r.key.plate, &r.plate_code) {
                    self.put(tx, plate, code, r.key.location, warehouse_of)?;
                }
            }
            Operation::MovePlate(m) => self.put(tx, m.plate, &m.plate_code, m.to, warehouse_of)?,
            Operation::Putaway(t) | Operation::Move(t) => {
                // The plate stock was moved onto goes with it, if there is such a plate.
                if let Some(mut plate) =
                    t.to_plate.map(|p| self.plate(tx, p)).transpose()?.flatten()
                {
                    plate.location_id = Some(t.to);
                    self.placed.borrow_mut().insert(plate.id);
                    self.by_id.borrow_mut().insert(plate.id, Some(plate));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Leaves `plate` (`code`) at `location`: nothing when the location is unknown or the code is
    /// another plate's (that plate keeps it); else the plate is created or moved, keeping the
    /// code it has.
    fn put(
        &self,
        tx: &dyn Db,
        id: PlateId,
        code: &str,
        location: LocationId,
        warehouse_of: impl Fn(LocationId) -> StorageResult<Option<WarehouseId>>,
    ) -> StorageResult<()> {
        let Some(warehouse) = warehouse_of(location)? else {
            return Ok(());
        };
        if self.with_code(tx, code)?.is_some_and(|other| other != id) {
            return Ok(());
        }
        let plate = match self.plate(tx, id)? {
            Some(p) => LicensePlate {
                warehouse_id: warehouse,
                location_id: Some(location),
                ..p
            },
            None => LicensePlate {
                id,
                code: code.to_string(),
                warehouse_id: warehouse,
                location_id: Some(location),
            },
        };
        self.placed.borrow_mut().insert(id);
        self.know(plate);
        Ok(())
    }

    /// Writes the plates the push placed, and forgets everything.
    pub fn flush(&self, tx: &dyn Db) -> StorageResult<()> {
        let placed = std::mem::take(&mut *self.placed.borrow_mut());
        let mut by_id = std::mem::take(&mut *self.by_id.borrow_mut());
        self.by_code.borrow_mut().clear();
        let plates: Vec<LicensePlate> = placed
            .into_iter()
            .filter_map(|id| by_id.remove(&id).flatten())
            .collect();
        // Ids and codes are distinct here (a code is only ever given to a plate that has none),
        // so the list is written many to a statement, under the same rule.
        upsert_plates(tx, &plates)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{dock_and_items, on_both};
    use super::*;
    use crate::storage::Administration;
    use aisle_domain::ledger::StockKey;
    use aisle_domain::op::{PlateMove, Receive, Transfer};
    use aisle_ledger::db::DbExt;
    use aisle_ledger::effects::place_plates;
    use aisle_ledger::master::upsert_plate;
    use aisle_ledger::view::SharedMaster;

    /// What a way of placing plates leaves: which plate each code names after every operation,
    /// and the plates at the end.
    type Outcome = (Vec<Vec<Option<PlateId>>>, Vec<LicensePlate>);

    /// A push places plates in memory and writes them at its flush. What it leaves, and what
    /// admission reads by code after each entry, must be what placing each entry's plates with a
    /// statement of its own leaves and reads (`effects::place_plates`, as devices do). Random
    /// operations over three plates, three codes and four locations (one unknown), some plates
    /// in the table before; seeds 1 to 40, the failing one named.
    #[test]
    fn a_push_places_plates_as_one_statement_each_would() {
        on_both(|storage| {
            storage.load_demo(1, 5).unwrap();
            let (warehouse, dock, items) = dock_and_items(&storage);
            let mut places: Vec<LocationId> = storage
                .read()
                .unwrap()
                .rows(
                    "SELECT id FROM locations WHERE warehouse_id = ?1 ORDER BY code LIMIT 2",
                    &[Value::Text(warehouse.to_string())],
                    |r| r.get(0),
                )
                .unwrap();
            places.push(dock);
            for seed in 1..=40u64 {
                let mut rng = fastrand::Rng::with_seed(seed);
                let ids = [PlateId::new(), PlateId::new(), PlateId::new()];
                let codes = ["P-1", "P-2", "P-3"].map(String::from);
                let unknown = LocationId::new();
                let known = |rng: &mut fastrand::Rng| places[rng.usize(..places.len())];
                let anywhere = |rng: &mut fastrand::Rng| {
                    if rng.u8(..4) == 0 {
                        unknown
                    } else {
                        known(rng)
                    }
                };
                let before: Vec<LicensePlate> = (0..rng.usize(..3))
                    .map(|i| LicensePlate {
                        id: ids[rng.usize(..3)],
                        code: codes[i].clone(),
                        warehouse_id: warehouse,
                        location_id: Some(known(&mut rng)),
                    })
                    .collect();
                let ops: Vec<Operation> = (0..12)
                    .map(|_| {
                        let (plate, code) = (ids[rng.usize(..3)], codes[rng.usize(..3)].clone());
                        match rng.u8(..4) {
                            0 | 1 => Operation::Receive(Receive {
                                key: StockKey {
                                    plate: Some(plate),
                                    ..StockKey::loose(items[0], anywhere(&mut rng))
                                },
                                qty: 1,
                                pack: None,
                                serials: vec![],
                                receipt_line: None,
                                plate_code: rng.bool().then_some(code),
                            }),
                            2 => Operation::MovePlate(PlateMove {
                                plate,
                                plate_code: code,
                                from: dock,
                                to: anywhere(&mut rng),
                                contents: vec![],
                                putaway: false,
                            }),
                            _ => Operation::Move(Transfer {
                                item: items[0],
                                lot: None,
                                expiry: None,
                                from: dock,
                                from_plate: None,
                                to: known(&mut rng),
                                to_plate: Some(plate),
                                qty: 1,
                                serials: vec![],
                                task: None,
                            }),
                        }
                    })
                    .collect();
                let ahead = rng.bool();

                let end = |tx: &dyn Db| load_plates(tx, "1 = 1", &[]).unwrap();
                let one_at_a_time: Outcome = {
                    let tx = storage.write().unwrap();
                    before.iter().for_each(|p| upsert_plate(&tx, p).unwrap());
                    let seen = ops
                        .iter()
                        .map(|op| {
                            place_plates(&tx, op).unwrap();
                            let view = SharedMaster(&tx);
                            codes
                                .iter()
                                .map(|c| view.plate_with_code(c).unwrap())
                                .collect()
                        })
                        .collect();
                    (seen, end(&tx))
                };
                let gathered: Outcome = {
                    let tx = storage.write().unwrap();
                    before.iter().for_each(|p| upsert_plate(&tx, p).unwrap());
                    let plates = PendingPlates::default();
                    if ahead {
                        plates.read_ahead(&tx, &ops).unwrap();
                    }
                    let warehouse_of =
                        |loc: LocationId| Ok(Some(warehouse).filter(|_| loc != unknown));
                    let seen = ops
                        .iter()
                        .map(|op| {
                            plates.place(&tx, op, warehouse_of).unwrap();
                            codes
                                .iter()
                                .map(|c| plates.with_code(&tx, c).unwrap())
                                .collect()
                        })
                        .collect();
                    plates.flush(&tx).unwrap();
                    (seen, end(&tx))
                };
                assert_eq!(
                    gathered, one_at_a_time,
                    "seed {seed} (read ahead: {ahead}): plates before {before:?}, operations {ops:?}"
                );
            }
        });
    }
}
