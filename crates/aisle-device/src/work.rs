//! Warehouse work as an operator does it: scans and typed quantities in, a committed operation
//! out. Each function resolves the scans, fills in lots and expiry dates from GS1 labels, picks
//! the exact stock key and hands a complete operation to [`Store::record`].
//!
//! Quantities are counted in the pack level that was scanned (a case GTIN scanned with quantity 2
//! is two cases), unless a pack level is named explicitly; the operation stores base units.

use crate::master::ensure_holds_stock;
use crate::record::{OpContext, Recorded};
use crate::resolve::{ItemScan, Resolved};
use crate::{DeviceError, Result, Store};
use aisle_domain::ledger::StockKey;
use aisle_domain::master::{Location, LocationKind, PackKind, Tracking};
use aisle_domain::op::{
    Adjust, Count, CustomerReturn, Disposition, Operation, PackCount, Pick, PlateLine, PlateMove,
    Receive, Transfer,
};
use aisle_domain::{OrderLineId, PlateId, ReceiptLineId, TaskId};
use aisle_domain::{Said, said};
use aisle_proto::TaskWork;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt::Display;
use std::hash::Hash;

/// Receiving goods at a dock (or any location that holds stock).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReceiveRequest {
    pub location: String,
    pub item: String,
    /// Number of the scanned (or named) pack; defaults to the label's count, else 1.
    pub qty: Option<i64>,
    pub pack: Option<PackKind>,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
    pub serials: Vec<String>,
    /// A license plate scan: an existing plate or a new SSCC/plate code.
    pub plate: Option<String>,
    pub receipt_line: Option<ReceiptLineId>,
}

/// Moving stock or a whole plate; `putaway` marks the move that follows receiving.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MoveRequest {
    /// An item or a license plate scan.
    pub what: String,
    /// Where the stock is taken from; needed for items, optional for plates (they know where they are).
    pub from: Option<String>,
    pub to: String,
    pub qty: Option<i64>,
    pub pack: Option<PackKind>,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
    pub serials: Vec<String>,
    pub putaway: bool,
    /// The server's move task this carries out: the move must match it.
    pub task: Option<TaskId>,
}

/// Picking for an order line, possibly short.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PickRequest {
    pub location: String,
    pub item: String,
    /// Quantity taken; defaults to `requested` when that is given, else 1.
    pub qty: Option<i64>,
    pub pack: Option<PackKind>,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
    pub requested: Option<i64>,
    pub short_reason: Option<String>,
    pub order_line: Option<OrderLineId>,
    pub serials: Vec<String>,
}

/// Counting one item at one location.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CountRequest {
    pub location: String,
    pub item: String,
    pub counted: i64,
    pub pack: Option<PackKind>,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
    pub blind: bool,
    /// The server's count task this carries out: the count must match it.
    pub task: Option<TaskId>,
}

/// A correction with a reason code; `qty` is signed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdjustRequest {
    pub location: String,
    pub item: String,
    pub qty: i64,
    pub pack: Option<PackKind>,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
    pub reason: String,
    pub note: Option<String>,
}

/// Goods a customer sent back, received against the order they were shipped on.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReturnRequest {
    /// The order number, as on the order's or a carton's label.
    pub order: String,
    /// Where the goods go: a storage location or pick face (restock), a quarantine location, or
    /// where they were received (scrap).
    pub location: String,
    pub item: String,
    /// Number of the scanned (or named) pack; defaults to the label's count, else 1.
    pub qty: Option<i64>,
    pub pack: Option<PackKind>,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
    pub serials: Vec<String>,
    /// `restock`, `quarantine` or `scrap`.
    pub disposition: String,
    pub reason: Option<String>,
}

/// Why a return's goods may not go to `loc` for `disposition`, if they may not.
fn return_place(disposition: Disposition, loc: &Location) -> Option<Said> {
    let ok = match disposition {
        Disposition::Restock => matches!(
            loc.kind,
            LocationKind::Storage | LocationKind::PickFace | LocationKind::Receiving
        ),
        Disposition::Quarantine => loc.kind == LocationKind::Quarantine,
        Disposition::Scrap => true,
    };
    (!ok).then(|| match disposition {
        Disposition::Quarantine => said!(
            "work.not_quarantine_location",
            "{code} is not a quarantine location: quarantined returns go to one (a location of type quarantine)",
            code = loc.code
        ),
        _ => said!(
            "work.return_not_restock_location",
            "{code} is a {kind} location: restocked returns go to storage, a pick face or a dock",
            code = loc.code,
            kind = loc.kind.as_str()
        ),
    })
}

/// A value given both on the label and by hand must agree.
fn agree<T: PartialEq + Display + Clone>(
    what: &str,
    typed: Option<T>,
    scanned: Option<T>,
) -> Result<Option<T>> {
    match (typed, scanned) {
        (Some(t), Some(s)) if t != s => Err(DeviceError::Invalid(said!(
            "work.label_disagrees",
            "{what} {typed} was entered, but the label says {label}",
            what = what,
            typed = t,
            label = s
        ))),
        (Some(t), _) => Ok(Some(t)),
        (None, s) => Ok(s),
    }
}

/// Base units for `count` of the scanned pack, or of `pack` when one is named.
/// The lot and expiry to record: typed values must agree with the label; a label's lot or date is
/// dropped for items that do not track it (many labels carry a batch nobody manages), but typing
/// one for such an item is refused as a likely mistake.
pub(crate) fn lot_and_expiry(
    scan: &ItemScan,
    lot: &Option<String>,
    expiry: Option<NaiveDate>,
) -> Result<(Option<String>, Option<NaiveDate>)> {
    let item = &scan.item;
    let lot = if item.tracking == Tracking::Lot {
        agree("lot", lot.clone(), scan.lot.clone())?
    } else if let Some(l) = lot {
        return Err(DeviceError::Invalid(said!(
            "work.item_not_lot_tracked",
            "item {sku} is not lot-tracked, but lot {lot} was entered",
            sku = item.sku,
            lot = l
        )));
    } else {
        None
    };
    let expiry = if item.expiry_tracked {
        agree("expiry", expiry, scan.expiry)?
    } else if let Some(e) = expiry {
        return Err(DeviceError::Invalid(said!(
            "work.expiry_not_tracked",
            "item {sku} does not track expiry, but {expiry} was entered",
            sku = item.sku,
            expiry = e
        )));
    } else {
        None
    };
    Ok((lot, expiry))
}

pub(crate) fn base_units(
    scan: &ItemScan,
    pack: Option<PackKind>,
    count: i64,
) -> Result<(i64, Option<PackCount>)> {
    let (kind, per_pack) = match pack {
        Some(k) => {
            let q = scan.item.pack_quantity(k).ok_or_else(|| {
                DeviceError::Invalid(said!(
                    "work.item_has_no_pack",
                    "item {sku} has no {pack} pack level",
                    sku = scan.item.sku,
                    pack = k.as_str()
                ))
            })?;
            (k, q)
        }
        None => (scan.pack, scan.per_pack),
    };
    let qty = count.checked_mul(per_pack).ok_or_else(|| {
        DeviceError::Invalid(said!(
            "work.quantity_x_too_large",
            "quantity {count} x {per_pack} is too large",
            count = count,
            per_pack = per_pack
        ))
    })?;
    let pack = (kind != PackKind::Each || per_pack != 1).then_some(PackCount {
        kind,
        packs: count,
        per_pack,
    });
    Ok((qty, pack))
}

fn serials_from(scan: &ItemScan, typed: &[String]) -> Vec<String> {
    if typed.is_empty() {
        scan.serial.iter().cloned().collect()
    } else {
        typed.to_vec()
    }
}

impl Store {
    /// A location in this device's warehouse that can hold stock.
    fn work_location(&mut self, raw: &str, ctx: &OpContext) -> Result<Location> {
        let loc = self.expect_location(raw, ctx)?;
        ensure_holds_stock(&loc)?;
        let device = self.device()?;
        if device.warehouse_id.is_some_and(|w| w != loc.warehouse_id) {
            let other = self.warehouse(loc.warehouse_id)?;
            return Err(DeviceError::Invalid(said!(
                "work.location_belongs_warehouse_but",
                "location {code} belongs to warehouse {theirs}, but this device works in {mine}",
                code = loc.code,
                theirs = other.code,
                mine = device.warehouse_code.clone().unwrap_or_default()
            )));
        }
        Ok(loc)
    }

    /// Chooses the stock key an operation takes from: the one line at the location matching the
    /// given lot/expiry, loose stock before stock on plates, or a new key when there is none.
    fn take_key(
        &self,
        scan: &ItemScan,
        loc: &Location,
        lot: Option<String>,
        expiry: Option<NaiveDate>,
    ) -> Result<StockKey> {
        let lines: Vec<_> = self
            .stock_of_item_at(scan.item.id, loc.id)?
            .into_iter()
            .filter(|l| l.qty > 0)
            .filter(|l| lot.is_none() || l.lot == lot)
            .filter(|l| expiry.is_none() || l.expiry == expiry)
            .collect();
        let loose: Vec<_> = lines.iter().filter(|l| l.plate_id.is_none()).collect();
        let candidates: Vec<_> = if loose.is_empty() {
            lines.iter().collect()
        } else {
            loose
        };
        match candidates.as_slice() {
            [one] => Ok(one.key()),
            [] => Ok(StockKey {
                item: scan.item.id,
                location: loc.id,
                lot,
                expiry,
                plate: None,
            }),
            many => Err(DeviceError::Ambiguous {
                what: format!("{} at {}", scan.item.sku, loc.code),
                options: many
                    .iter()
                    .map(|l| {
                        let mut s = String::new();
                        if let Some(lot) = &l.lot {
                            s.push_str(&format!("lot {lot} "));
                        }
                        if let Some(e) = l.expiry {
                            s.push_str(&format!("exp {e} "));
                        }
                        if let Some(p) = &l.plate {
                            s.push_str(&format!("plate {p} "));
                        }
                        format!("{s}({} on hand)", l.qty)
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    fn record_checked(
        &mut self,
        op: Operation,
        scan: &ItemScan,
        ctx: OpContext,
    ) -> Result<Recorded> {
        op.check()?;
        op.check_tracking(&scan.item)?;
        self.record(op, &ctx)
    }

    pub fn receive(&mut self, req: &ReceiveRequest, ctx: &OpContext) -> Result<Recorded> {
        let loc = self.work_location(&req.location, ctx)?;
        let scan = self.expect_item(&req.item, Some(loc.id), ctx)?;
        let (qty, pack) = base_units(&scan, req.pack, req.qty.or(scan.count).unwrap_or(1))?;
        let (lot, expiry) = lot_and_expiry(&scan, &req.lot, req.expiry)?;
        let mut scans = vec![req.location.clone(), req.item.clone()];
        let (plate, plate_code) = match &req.plate {
            None => (None, None),
            Some(raw) => {
                scans.push(raw.clone());
                match self.resolve(raw)?.resolved {
                    Resolved::NewPlate { code } => (Some(PlateId::for_code(&code)), Some(code)),
                    Resolved::Plate(p) if p.location_id.is_none_or(|l| l == loc.id) => {
                        (Some(p.id), Some(p.code))
                    }
                    Resolved::Plate(p) => {
                        return Err(DeviceError::Invalid(said!(
                            "work.license_plate_at_another",
                            "license plate {code} is at another location; move it here first or use a new plate",
                            code = p.code
                        )));
                    }
                    _ => {
                        return Err(DeviceError::WrongKind {
                            expected: "a license plate (SSCC or plate label)",
                            found: "not a plate".into(),
                            raw: raw.clone(),
                        });
                    }
                }
            }
        };
        let op = Operation::Receive(Receive {
            key: StockKey {
                item: scan.item.id,
                location: loc.id,
                lot,
                expiry,
                plate,
            },
            qty,
            pack,
            serials: serials_from(&scan, &req.serials),
            receipt_line: req.receipt_line,
            plate_code,
        });
        let mut recorded = self.record_checked(op, &scan, ctx.clone().with_scans(scans))?;
        if let Some(line) = req.receipt_line
            && let Some(w) = self.over_receipt_warning(line)?
        {
            recorded.warnings.push(w);
        }
        Ok(recorded)
    }

    /// Quantities this device has recorded since its last acknowledged push, summed per key that
    /// `pick` finds in an operation: work the server's figures do not include yet.
    pub(crate) fn unsynced_by<K: Eq + Hash>(
        &self,
        pick: impl Fn(&Operation) -> Option<(K, i64)>,
    ) -> Result<HashMap<K, i64>> {
        let pushed = self.sync_state()?.pushed_seq;
        let mut sums = HashMap::new();
        for e in self.change_log(crate::query::LogFilter {
            unsynced: false,
            after: pushed,
            limit: None,
        })? {
            if let Some((k, q)) = pick(&e.op) {
                *sums.entry(k).or_insert(0) += q;
            }
        }
        Ok(sums)
    }

    /// Received per receipt line on this device and not yet pushed.
    pub(crate) fn unsynced_receipts(&self) -> Result<HashMap<ReceiptLineId, i64>> {
        self.unsynced_by(|op| match op {
            Operation::Receive(r) => r.receipt_line.map(|l| (l, r.qty)),
            _ => None,
        })
    }

    /// Work on server tasks on this device not yet pushed: units moved, or counts recorded.
    pub(crate) fn unsynced_task_work(&self) -> Result<HashMap<TaskId, i64>> {
        self.unsynced_by(|op| match op {
            Operation::Move(t) | Operation::Putaway(t) => t.task.map(|id| (id, t.qty)),
            Operation::Count(c) => c.task.map(|id| (id, 1)),
            _ => None,
        })
    }

    /// Picked per order line on this device and not yet pushed.
    pub(crate) fn unsynced_picks(&self) -> Result<HashMap<OrderLineId, i64>> {
        self.unsynced_by(|op| match op {
            Operation::Pick(p) => p.order_line.map(|l| (l, p.qty)),
            _ => None,
        })
    }

    /// Warns when a receipt line has now received more than expected: what the server reported
    /// at the last sync plus this device's receipts against the line since then. Recorded all the
    /// same (the goods are here); the server raises the exception.
    fn over_receipt_warning(&self, line: ReceiptLineId) -> Result<Option<Said>> {
        let Some(l) = self.receipt_lines()?.into_iter().find(|l| l.id == line) else {
            return Ok(None);
        };
        let local = self.unsynced_receipts()?.get(&line).copied().unwrap_or(0);
        let total = l.received_qty + local;
        Ok((total > l.expected_qty).then(|| {
            said!(
                "work.over_receipt",
                "over-receipt: {total} received against {expected} expected on {receipt} line {line}; a supervisor will review it",
                total = total,
                expected = l.expected_qty,
                receipt = l.receipt,
                line = l.line.to_string()
            )
        }))
    }

    /// Moves stock of an item, or a whole license plate, to another location.
    pub fn move_stock(&mut self, req: &MoveRequest, ctx: &OpContext) -> Result<Recorded> {
        let to = self.work_location(&req.to, ctx)?;
        let resolution = self.resolve(&req.what)?;
        match resolution.resolved {
            Resolved::Plate(plate) => {
                if let Some(task) = req.task {
                    return Err(DeviceError::Invalid(said!(
                        "work.task_moves_loose_stock",
                        "task {task} moves loose stock of one item; scan the item, not plate {code}",
                        code = plate.code,
                        task = task
                    )));
                }
                let from_id = plate.location_id.ok_or_else(|| {
                    DeviceError::Invalid(said!(
                        "work.license_plate_has_no",
                        "license plate {code} has no known location",
                        code = plate.code
                    ))
                })?;
                let mut scans = vec![req.what.clone()];
                if let Some(raw) = &req.from {
                    let from = self.work_location(raw, ctx)?;
                    scans.push(raw.clone());
                    if from.id != from_id {
                        let at = self.location(from_id)?;
                        return Err(DeviceError::Invalid(said!(
                            "work.license_plate_at_not",
                            "license plate {code} is at {at}, not at {from}",
                            code = plate.code,
                            at = at.code,
                            from = from.code
                        )));
                    }
                }
                scans.push(req.to.clone());
                let contents = self
                    .stock_on_plate(plate.id)?
                    .into_iter()
                    .filter(|l| l.location_id == from_id && l.qty > 0)
                    .map(|l| PlateLine {
                        item: l.item_id,
                        lot: l.lot,
                        expiry: l.expiry,
                        qty: l.qty,
                    })
                    .collect();
                let op = Operation::MovePlate(PlateMove {
                    plate: plate.id,
                    plate_code: plate.code,
                    from: from_id,
                    to: to.id,
                    contents,
                    putaway: req.putaway,
                });
                self.record(op, &ctx.clone().with_scans(scans))
            }
            Resolved::Item(scan) => {
                let from_raw = req.from.as_deref().ok_or_else(|| {
                    DeviceError::Invalid(said!(
                        "work.scan_location_stock_taken",
                        "scan the location the stock is taken from"
                    ))
                })?;
                let from = self.work_location(from_raw, ctx)?;
                let (qty, _) = base_units(&scan, req.pack, req.qty.or(scan.count).unwrap_or(1))?;
                let (mut lot, mut expiry) = lot_and_expiry(&scan, &req.lot, req.expiry)?;
                // A top-up task names the exact stock to move: its lot and that lot's expiry.
                let task_work = match req.task {
                    Some(id) => self
                        .tasks(false)?
                        .into_iter()
                        .find(|t| t.id == id)
                        .map(|t| t.work),
                    None => None,
                };
                if let Some(TaskWork::Move {
                    lot: task_lot,
                    expiry: task_expiry,
                    ..
                }) = task_work
                    && (lot.is_none() || lot == task_lot)
                {
                    lot = lot.or(task_lot);
                    expiry = expiry.or(task_expiry);
                }
                let key = self.take_key(&scan, &from, lot, expiry)?;
                let t = Transfer {
                    item: scan.item.id,
                    lot: key.lot,
                    expiry: key.expiry,
                    from: from.id,
                    from_plate: key.plate,
                    to: to.id,
                    to_plate: None,
                    qty,
                    serials: serials_from(&scan, &req.serials),
                    task: req.task,
                };
                let op = if req.putaway {
                    Operation::Putaway(t)
                } else {
                    Operation::Move(t)
                };
                let scans = [from_raw.to_string(), req.what.clone(), req.to.clone()];
                self.record_checked(op, &scan, ctx.clone().with_scans(scans))
            }
            Resolved::Unknown => {
                Err(self.record_unknown(&req.what, "item or license plate", None, ctx)?)
            }
            Resolved::NewPlate { code } => Err(DeviceError::NotFound {
                what: "license plate",
                key: code,
            }),
            Resolved::Location(l) => Err(DeviceError::WrongKind {
                expected: "an item or a license plate",
                found: format!("location {}", l.code),
                raw: req.what.clone(),
            }),
        }
    }

    pub fn pick(&mut self, req: &PickRequest, ctx: &OpContext) -> Result<Recorded> {
        let loc = self.work_location(&req.location, ctx)?;
        let scan = self.expect_item(&req.item, Some(loc.id), ctx)?;
        let count = req.qty.or(scan.count).or(req.requested).unwrap_or(1);
        let (qty, _) = base_units(&scan, req.pack, count)?;
        let (lot, expiry) = lot_and_expiry(&scan, &req.lot, req.expiry)?;
        let key = self.take_key(&scan, &loc, lot, expiry)?;
        let op = Operation::Pick(Pick {
            key,
            qty,
            requested: req.requested,
            short_reason: req.short_reason.clone(),
            order_line: req.order_line,
            serials: serials_from(&scan, &req.serials),
        });
        self.record_checked(
            op,
            &scan,
            ctx.clone()
                .with_scans([req.location.clone(), req.item.clone()]),
        )
    }

    pub fn count(&mut self, req: &CountRequest, ctx: &OpContext) -> Result<Recorded> {
        let loc = self.work_location(&req.location, ctx)?;
        let scan = self.expect_item(&req.item, Some(loc.id), ctx)?;
        let (counted, _) = base_units(&scan, req.pack, req.counted)?;
        let (lot, expiry) = lot_and_expiry(&scan, &req.lot, req.expiry)?;
        let key = self.take_key(&scan, &loc, lot, expiry)?;
        let expected = self.on_hand(&key)?;
        let op = Operation::Count(Count {
            key,
            counted,
            expected,
            blind: req.blind,
            task: req.task,
        });
        self.record_checked(
            op,
            &scan,
            ctx.clone()
                .with_scans([req.location.clone(), req.item.clone()]),
        )
    }

    /// Receives a customer return: restocked or quarantined goods come into stock at the
    /// location scanned; scrapped goods are recorded and never do. Whether the order shipped that
    /// much is the server's to judge (an exception for a supervisor).
    pub fn return_goods(&mut self, req: &ReturnRequest, ctx: &OpContext) -> Result<Recorded> {
        let disposition: Disposition = req.disposition.parse().map_err(DeviceError::Invalid)?;
        let typed = req.order.trim();
        if typed.is_empty() {
            return Err(DeviceError::Invalid(said!(
                "work.scan_return_order",
                "scan or type the order the goods were shipped on"
            )));
        }
        // A carton's label names its order.
        let carton_order = self.order_of_carton(typed)?;
        let order = carton_order.as_deref().unwrap_or(typed);
        let loc = self.work_location(&req.location, ctx)?;
        if let Some(why) = return_place(disposition, &loc) {
            return Err(DeviceError::Invalid(why));
        }
        let scan = self.expect_item(&req.item, Some(loc.id), ctx)?;
        let (qty, _) = base_units(&scan, req.pack, req.qty.or(scan.count).unwrap_or(1))?;
        let (lot, expiry) = lot_and_expiry(&scan, &req.lot, req.expiry)?;
        let op = Operation::Return(CustomerReturn {
            order: order.to_string(),
            key: StockKey {
                item: scan.item.id,
                location: loc.id,
                lot,
                expiry,
                plate: None,
            },
            qty,
            disposition,
            serials: serials_from(&scan, &req.serials),
            reason: req
                .reason
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string),
        });
        self.record_checked(
            op,
            &scan,
            ctx.clone()
                .with_scans([req.order.clone(), req.location.clone(), req.item.clone()]),
        )
    }

    pub fn adjust(&mut self, req: &AdjustRequest, ctx: &OpContext) -> Result<Recorded> {
        let loc = self.work_location(&req.location, ctx)?;
        let scan = self.expect_item(&req.item, Some(loc.id), ctx)?;
        let (qty, _) = base_units(&scan, req.pack, req.qty)?;
        let (lot, expiry) = lot_and_expiry(&scan, &req.lot, req.expiry)?;
        let key = self.take_key(&scan, &loc, lot, expiry)?;
        let op = Operation::Adjust(Adjust {
            key,
            qty,
            reason: req.reason.trim().to_string(),
            note: req.note.clone(),
        });
        self.record_checked(
            op,
            &scan,
            ctx.clone()
                .with_scans([req.location.clone(), req.item.clone()]),
        )
    }
}
