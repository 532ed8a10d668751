//! Work lists the tablet walks through: pick tasks from downloaded order lines in walk-sequence
//! order, what is still to receive, where to put received stock away, what to count, the
//! server's move and count tasks, and the server's exceptions in words a person reads.

use crate::query::StockLine;
use crate::resolve::Resolved;
use crate::{DeviceError, Result, Store};
use aisle_domain::admission::WorkRef;
use aisle_domain::master::{Location, LocationKind, Tracking};
use aisle_domain::said;
use aisle_domain::{ItemId, LocationId, OrderLineId, ReceiptLineId, WarehouseId};
use aisle_domain::{allocation, shelf_life};
use aisle_proto::{Exception, Task, TaskWork};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashSet;

/// One stop on the picking walk: take `qty` of an item (lot) from a location for an order line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PickTask {
    pub order_line: OrderLineId,
    pub order: String,
    pub line: u32,
    pub item_id: ItemId,
    pub sku: String,
    pub description: String,
    pub location: String,
    pub location_barcode: String,
    pub walk_seq: Option<i64>,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
    pub qty: i64,
    /// The tote this order's goods go into on this walk (cluster picking: one tote per order).
    pub tote: u32,
}

/// An order line this device cannot fill from the stock it knows of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shortage {
    pub order_line: OrderLineId,
    pub sku: String,
    pub missing: i64,
}

/// The pick list: tasks in walk order, and what cannot be found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PickList {
    pub tasks: Vec<PickTask>,
    pub shortages: Vec<Shortage>,
}

/// Which kind of assignable work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WorkKind {
    OrderLine,
    Task,
}

/// Who holds which work of one kind, from this device's point of view.
#[derive(Debug, Default)]
struct Assigned {
    /// Work held by this device.
    mine: HashSet<String>,
    /// Work held by other devices.
    others: HashSet<String>,
}

impl Assigned {
    /// Whether this device's lists show `work`: its own, or (while it holds none) unheld work.
    fn allows(&self, work: &WorkRef) -> bool {
        let key = format!("{}:{}", work.kind(), work.id_text());
        if self.mine.is_empty() {
            !self.others.contains(&key)
        } else {
            self.mine.contains(&key)
        }
    }
}

impl Store {
    /// Leases of one kind of work as last pulled that have not run out by this device's clock.
    fn assigned(&self, kind: WorkKind) -> Result<Assigned> {
        let own = self.device()?.device_id.to_string();
        let prefix = match kind {
            WorkKind::OrderLine => "order_line:",
            WorkKind::Task => "task:",
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT work, device_id FROM leases WHERE substr(work, 1, length(?1)) = ?1 AND expires_at > ?2",
        )?;
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let rows = stmt.query_map(rusqlite::params![prefix, now], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Assigned::default();
        for row in rows {
            let (work, device) = row?;
            if device == own {
                out.mine.insert(work);
            } else {
                out.others.insert(work);
            }
        }
        Ok(out)
    }

    /// Allocates the open quantity of every downloaded order line (by order, then line) to the
    /// stock this device knows in pick faces and storage bins, with the same rule as the
    /// server's allocation (`aisle_domain::allocation`: FEFO for dated stock, FIFO otherwise,
    /// never expired or too short-dated stock; ties go to pick faces, then walk order), and returns the tasks sorted by walk sequence so
    /// the picker never walks back.
    pub fn pick_list(&self) -> Result<PickList> {
        let mut list = PickList::default();
        let local = self.unsynced_picks()?;
        let mut open_lines = Vec::new();
        // A shipped order is final: its lines take no more picks. Work another device holds is
        // not this device's; once this device holds work, it sees only its own.
        let mine = self.assigned(WorkKind::OrderLine)?;
        for line in self
            .order_lines()?
            .into_iter()
            .filter(|l| !l.shipped && mine.allows(&WorkRef::OrderLine(l.id)))
        {
            let open = line.qty - line.picked_qty - local.get(&line.id).copied().unwrap_or(0);
            if open > 0 {
                open_lines.push((line, open));
            }
        }
        // An order keeps its tote while anything of it is left to pick here, short lines too.
        let open_orders: HashSet<String> =
            open_lines.iter().map(|(l, _)| l.order.clone()).collect();
        if open_lines.is_empty() {
            self.place_in_totes(&mut list.tasks, &open_orders)?;
            return Ok(list);
        }
        let arrived = crate::query::first_arrivals(&self.conn)?;
        // Bins where a picker did not find the item wait for their recount, as on the server.
        let blocked: HashSet<(ItemId, LocationId)> = self
            .tasks(true)?
            .into_iter()
            .filter(|t| t.blocks_picking)
            .filter_map(|t| match t.work {
                TaskWork::Count {
                    item_id,
                    location_id,
                    ..
                } => Some((item_id, location_id)),
                TaskWork::Move { .. } => None,
            })
            .collect();
        // Candidate stock, in tie-break order: pick faces first, then along the walk.
        let mut supply: Vec<(StockLine, Location)> = Vec::new();
        let mut items: Vec<ItemId> = open_lines.iter().map(|(l, _)| l.item_id).collect();
        items.sort_unstable();
        items.dedup();
        for item in items {
            for l in self.stock_of_item(item)? {
                if l.qty > 0
                    && matches!(
                        l.location_kind,
                        LocationKind::PickFace | LocationKind::Storage
                    )
                    && !blocked.contains(&(l.item_id, l.location_id))
                {
                    let loc = self.location(l.location_id)?;
                    supply.push((l, loc));
                }
            }
        }
        supply.sort_by(|(a, la), (b, lb)| {
            (
                a.location_kind != LocationKind::PickFace,
                la.walk_seq.unwrap_or(i64::MAX),
                &la.code,
            )
                .cmp(&(
                    b.location_kind != LocationKind::PickFace,
                    lb.walk_seq.unwrap_or(i64::MAX),
                    &lb.code,
                ))
        });
        // Lines take stock of their own warehouse only: the allocation's "item" is both.
        let what = |wh: WarehouseId, item: ItemId| format!("{wh}/{item}");
        let offers: Vec<allocation::Supply<usize>> = supply
            .iter()
            .enumerate()
            .map(|(i, (l, loc))| allocation::Supply {
                key: i,
                item: what(loc.warehouse_id, l.item_id),
                expiry: l.expiry,
                arrived: arrived
                    .get(&l.key())
                    .copied()
                    .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC),
                qty: l.qty,
            })
            .collect();
        // Expired or too short-dated stock is never offered to an order line (the same rule as
        // the server's allocation and admission: `aisle_domain::shelf_life`).
        let today = chrono::Utc::now().date_naive();
        let mut demands = Vec::with_capacity(open_lines.len());
        for (i, (line, open)) in open_lines.iter().enumerate() {
            let days = shelf_life::required_days(
                self.item(line.item_id)?.min_shelf_life_days,
                line.min_shelf_life_days,
            );
            demands.push(allocation::Demand {
                line: i,
                item: what(line.warehouse_id, line.item_id),
                qty: *open,
                not_before: Some(shelf_life::earliest_expiry(today, days)),
            });
        }
        for a in allocation::allocate(&demands, &offers) {
            let (line, _) = &open_lines[a.line];
            let item = self.item(line.item_id)?;
            for (i, qty) in a.picks {
                let (stock, loc) = &supply[i];
                list.tasks.push(PickTask {
                    order_line: line.id,
                    order: line.order.clone(),
                    line: line.line,
                    item_id: item.id,
                    sku: item.sku.clone(),
                    description: item.description.clone(),
                    location: loc.code.clone(),
                    location_barcode: loc.barcode.clone(),
                    walk_seq: loc.walk_seq,
                    lot: stock.lot.clone(),
                    expiry: stock.expiry,
                    qty,
                    tote: 0,
                });
            }
            if a.short > 0 {
                list.shortages.push(Shortage {
                    order_line: line.id,
                    sku: item.sku.clone(),
                    missing: a.short,
                });
            }
        }
        list.tasks.sort_by(|a, b| {
            (
                a.walk_seq.unwrap_or(i64::MAX),
                &a.location,
                &a.order,
                a.line,
            )
                .cmp(&(
                    b.walk_seq.unwrap_or(i64::MAX),
                    &b.location,
                    &b.order,
                    b.line,
                ))
        });
        self.place_in_totes(&mut list.tasks, &open_orders)?;
        Ok(list)
    }

    /// Gives every order on the walk a tote: the one it already has, else the lowest free number.
    /// Orders with nothing left to pick here (not in `open`) give theirs back; an order whose
    /// remaining lines are short keeps its tote, with what was already picked in it.
    fn place_in_totes(&self, tasks: &mut [PickTask], open: &HashSet<String>) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        let mut orders: Vec<String> = Vec::new();
        for t in tasks.iter() {
            if !orders.contains(&t.order) {
                orders.push(t.order.clone());
            }
        }
        let mut totes: std::collections::BTreeMap<String, u32> = tx
            .prepare_cached("SELECT order_code, tote FROM totes")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let gone: Vec<String> = totes
            .keys()
            .filter(|o| !orders.contains(o) && !open.contains(*o))
            .cloned()
            .collect();
        for o in gone {
            tx.prepare_cached("DELETE FROM totes WHERE order_code = ?1")?
                .execute([&o])?;
            totes.remove(&o);
        }
        for o in &orders {
            if totes.contains_key(o) {
                continue;
            }
            let taken: HashSet<u32> = totes.values().copied().collect();
            let free = (1..).find(|n| !taken.contains(n)).unwrap_or(1);
            tx.prepare_cached("INSERT INTO totes (order_code, tote) VALUES (?1, ?2)")?
                .execute(rusqlite::params![o, free])?;
            totes.insert(o.clone(), free);
        }
        tx.commit()?;
        for t in tasks.iter_mut() {
            t.tote = totes.get(&t.order).copied().unwrap_or_default();
        }
        Ok(())
    }

    /// Where to put an item away: the pick face or storage bin that already holds it (its home,
    /// pick faces first) while it has room left (`aisle_domain::capacity`), else the first empty
    /// storage bin in walk order. `None` when every bin is occupied.
    pub fn suggest_putaway(&self, item: ItemId) -> Result<Option<Location>> {
        let device = self.device()?;
        let Some(wh) = device.warehouse_id else {
            return Ok(None);
        };
        let homes: Vec<StockLine> = self
            .stock_of_item(item)?
            .into_iter()
            .filter(|l| {
                l.qty > 0
                    && matches!(
                        l.location_kind,
                        LocationKind::PickFace | LocationKind::Storage
                    )
            })
            .collect();
        let (unit_g, unit_cm3) = aisle_domain::capacity::unit_of(&self.item(item)?);
        let mut home_locations = Vec::new();
        for l in &homes {
            let loc = self.location(l.location_id)?;
            let load = crate::record::location_load(&self.conn, loc.id)?;
            let limits = aisle_domain::capacity::Limits::of(&loc);
            let full = aisle_domain::capacity::room_for(limits, load, unit_g, unit_cm3) == Some(0);
            if loc.warehouse_id == wh && !full {
                home_locations.push(loc);
            }
        }
        home_locations.sort_by_key(|l| {
            (
                l.kind != LocationKind::PickFace,
                l.walk_seq.unwrap_or(i64::MAX),
            )
        });
        if let Some(home) = home_locations.first() {
            return Ok(Some(home.clone()));
        }
        let empty = crate::master::load_locations(&self.conn, wh)?
            .into_iter()
            .filter(|l| l.kind == LocationKind::Storage)
            .map(|l| Ok((self.stock_at(l.id)?.is_empty(), l)))
            .collect::<Result<Vec<_>>>()?;
        let mut empty: Vec<Location> = empty
            .into_iter()
            .filter(|(e, _)| *e)
            .map(|(_, l)| l)
            .collect();
        empty.sort_by_key(|l| (l.walk_seq.unwrap_or(i64::MAX), l.code.clone()));
        Ok(empty.into_iter().next())
    }
}

/// One line to count at a location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountLine {
    pub item_id: ItemId,
    pub sku: String,
    pub description: String,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
    pub plate: Option<String>,
    /// What the books say, or `None` on a blind count (the counter must not be led by it).
    pub expected: Option<i64>,
}

impl Store {
    /// What to count at a location, item by item and lot by lot. A blind sheet hides the
    /// quantities; the count operation still records the expected figure for reconciliation.
    pub fn count_sheet(
        &self,
        location: aisle_domain::LocationId,
        blind: bool,
    ) -> Result<Vec<CountLine>> {
        Ok(self
            .stock_at(location)?
            .into_iter()
            .map(|l| CountLine {
                item_id: l.item_id,
                sku: l.sku,
                description: l.description,
                lot: l.lot,
                expiry: l.expiry,
                plate: l.plate,
                expected: (!blind).then_some(l.qty),
            })
            .collect())
    }
}

/// An expected receipt line still to receive, as a receiver sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpectedLine {
    pub receipt_line: ReceiptLineId,
    pub receipt: String,
    pub line: u32,
    pub item_id: ItemId,
    pub sku: String,
    pub description: String,
    pub tracking: Tracking,
    pub expiry_tracked: bool,
    pub expected: i64,
    /// Received so far: the server's figure at the last sync plus this device's since.
    pub received: i64,
    pub expected_date: Option<NaiveDate>,
}

/// An exception with the codes a person reads instead of ids.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExceptionView {
    #[serde(flatten)]
    pub exception: Exception,
    pub sku: Option<String>,
    pub location: Option<String>,
}

impl Store {
    /// Receipt lines with something still to receive, by receipt and line.
    pub fn receiving_work(&self) -> Result<Vec<ExpectedLine>> {
        let local = self.unsynced_receipts()?;
        let mut out = Vec::new();
        for l in self.receipt_lines()? {
            let received = l.received_qty + local.get(&l.id).copied().unwrap_or(0);
            if received >= l.expected_qty {
                continue;
            }
            let item = self.item(l.item_id)?;
            out.push(ExpectedLine {
                receipt_line: l.id,
                receipt: l.receipt,
                line: l.line,
                item_id: item.id,
                sku: item.sku,
                description: item.description,
                tracking: item.tracking,
                expiry_tracked: item.expiry_tracked,
                expected: l.expected_qty,
                received,
                expected_date: l.expected_date,
            });
        }
        Ok(out)
    }

    /// The exceptions pulled from the server, newest first, with item and location codes.
    pub fn exception_views(&self, open_only: bool) -> Result<Vec<ExceptionView>> {
        let mut out = Vec::new();
        for e in self.exceptions(open_only)? {
            let sku = match &e.key {
                Some(k) => self.item(k.item).ok().map(|i| i.sku),
                None => None,
            };
            let location = match e.location_id.or(e.key.as_ref().map(|k| k.location)) {
                Some(l) => self.location(l).ok().map(|l| l.code),
                None => None,
            };
            out.push(ExceptionView {
                exception: e,
                sku,
                location,
            });
        }
        out.sort_by_key(|v| std::cmp::Reverse(v.exception.created_at));
        Ok(out)
    }
}

/// What was scanned for putaway and where it should go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PutawaySuggestion {
    /// The item's SKU or the plate's code, for the screen.
    pub what: String,
    /// `None` when every storage bin is occupied: the operator chooses.
    pub location: Option<Location>,
    /// Where it is taken from: the plate's location, or the receiving location holding most of
    /// the item; `None` when no receiving location holds it (the operator scans where it is).
    pub from: Option<Location>,
    /// Units of the item at `from` (0 for a plate, which moves whole).
    pub available: i64,
    pub plate: bool,
}

/// A location to count, with what the books hold there (hidden on a blind count).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountSheet {
    pub location: Location,
    pub lines: Vec<CountLine>,
}

impl Store {
    /// The putaway suggestion for a scanned item, or for a plate by the first item it holds.
    pub fn suggest_putaway_for(&self, raw: &str) -> Result<PutawaySuggestion> {
        let (what, item, from, available, plate) = match self.resolve(raw)?.resolved {
            Resolved::Item(i) => {
                let wh = self.device()?.warehouse_id;
                let mut docks: Vec<(LocationId, i64)> = Vec::new();
                for l in self.stock_of_item(i.item.id)? {
                    if l.location_kind != LocationKind::Receiving || l.qty <= 0 {
                        continue;
                    }
                    match docks.iter_mut().find(|(id, _)| *id == l.location_id) {
                        Some((_, q)) => *q += l.qty,
                        None => docks.push((l.location_id, l.qty)),
                    }
                }
                let mut best = None;
                for (id, qty) in docks {
                    let loc = self.location(id)?;
                    if Some(loc.warehouse_id) == wh && best.as_ref().is_none_or(|(_, q)| qty > *q) {
                        best = Some((loc, qty));
                    }
                }
                let (from, available) = best.map_or((None, 0), |(l, q)| (Some(l), q));
                (i.item.sku.clone(), i.item.id, from, available, false)
            }
            Resolved::Plate(p) => {
                let first = self.stock_on_plate(p.id)?.into_iter().find(|l| l.qty > 0);
                let Some(line) = first else {
                    return Err(DeviceError::Invalid(said!(
                        "tasks.license_plate_empty_nothing",
                        "license plate {code} is empty; nothing to put away",
                        code = p.code
                    )));
                };
                let from = p.location_id.map(|l| self.location(l)).transpose()?;
                (p.code, line.item_id, from, 0, true)
            }
            other => {
                return Err(DeviceError::WrongKind {
                    expected: "an item or a license plate",
                    found: other.describe(),
                    raw: raw.to_string(),
                });
            }
        };
        Ok(PutawaySuggestion {
            what,
            location: self.suggest_putaway(item)?,
            from,
            available,
            plate,
        })
    }

    /// The count sheet of a scanned location.
    pub fn count_sheet_at(&self, raw: &str, blind: bool) -> Result<CountSheet> {
        match self.resolve(raw)?.resolved {
            Resolved::Location(location) => Ok(CountSheet {
                lines: self.count_sheet(location.id, blind)?,
                location,
            }),
            other => Err(DeviceError::WrongKind {
                expected: "a location",
                found: other.describe(),
                raw: raw.to_string(),
            }),
        }
    }
}

/// A place as the operator sees and scans it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Place {
    pub code: String,
    pub barcode: String,
}

impl From<Location> for Place {
    fn from(l: Location) -> Self {
        Self {
            code: l.code,
            barcode: l.barcode,
        }
    }
}

/// A server task as the operator walks it: what, from where, to where, how much is left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskView {
    #[serde(flatten)]
    pub task: Task,
    pub sku: String,
    pub description: String,
    /// Moves: where the stock is taken from.
    pub source: Option<Place>,
    /// Moves: where it goes. Counts: where to count.
    pub target: Place,
    /// Units still to move (moves), or 1 until the count is recorded (counts): the server's
    /// figure at the last sync less this device's work since.
    pub remaining: i64,
    walk_seq: Option<i64>,
}

impl TaskView {
    /// The item the task is about.
    pub fn item_id(&self) -> ItemId {
        match &self.task.work {
            TaskWork::Move { item_id, .. } | TaskWork::Count { item_id, .. } => *item_id,
        }
    }
}

impl Store {
    /// Open tasks with something left to do, in walk order (by where each one starts).
    pub fn task_list(&self) -> Result<Vec<TaskView>> {
        let local = self.unsynced_task_work()?;
        let mine = self.assigned(WorkKind::Task)?;
        let mut out = Vec::new();
        for task in self
            .tasks(true)?
            .into_iter()
            .filter(|t| mine.allows(&WorkRef::Task(t.id)))
        {
            let done = task.done_qty + local.get(&task.id).copied().unwrap_or(0);
            let (item, from, to, remaining) = match &task.work {
                TaskWork::Move {
                    item_id,
                    from,
                    to,
                    qty,
                    ..
                } => (*item_id, Some(self.location(*from)?), *to, qty - done),
                TaskWork::Count {
                    item_id,
                    location_id,
                    ..
                } => (*item_id, None, *location_id, 1 - done.min(1)),
            };
            if remaining <= 0 {
                continue;
            }
            let item = self.item(item)?;
            let to = self.location(to)?;
            out.push(TaskView {
                walk_seq: from.as_ref().unwrap_or(&to).walk_seq,
                sku: item.sku,
                description: item.description,
                source: from.map(Place::from),
                target: to.into(),
                remaining,
                task,
            });
        }
        out.sort_by(|a, b| {
            (a.walk_seq.unwrap_or(i64::MAX), &a.target.code, a.task.id).cmp(&(
                b.walk_seq.unwrap_or(i64::MAX),
                &b.target.code,
                b.task.id,
            ))
        });
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
