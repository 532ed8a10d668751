//! Reconciliation: which operations disagree with the books, decided by one implementation for
//! the server (and any device that wants to warn early).
//!
//! Every physical operation is applied: the scan happened. What this module decides is whether a
//! supervisor must look at it. It reads the state *before* the operation is applied through
//! [`StateView`], so the rules are the same whatever stores the state.

use crate::Said;
use crate::capacity::{Limits, Load};
use crate::ids::{ItemId, LocationId, OpId, OrderLineId, ReceiptLineId};
use crate::ledger::StockKey;
use crate::op::{ChangeLogEntry, Operation};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What kind of disagreement between the aisles and the books an exception records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// Stock under a key went below zero.
    NegativeStock,
    /// An order line was picked beyond its quantity (often by two pickers at once).
    OverPick,
    /// A count differed from the expected quantity by more than the threshold.
    CountVariance,
    /// Stock moved at the location between what the counter's device knew and the count.
    CountDuringMovement,
    /// More was received against a receipt line than expected.
    OverReceipt,
    /// A well-formed barcode nobody recognised.
    UnknownBarcode,
    /// A serial number received while the same serial is already in stock.
    DuplicateSerial,
    /// Held, not applied: the operator's badge is unknown, or their role may not do this (an
    /// adjustment by an operator who is not a supervisor) at the operation's time.
    Unauthorized,
    /// Held, not applied: the operation cannot be applied as sent (an item or location the server
    /// does not know, another warehouse's location, a quantity no replica accepts).
    InvalidOperation,
    /// Applied to stock, but not counted against the work it names: the wrong item for an order
    /// line, receipt line or task, a shipped order, a task already done or cancelled.
    WorkMismatch,
    /// A license plate code that is already another plate, or a plate received in two places.
    PlateConflict,
    /// Held, not applied: an entry whose operation id the server has logged already (from
    /// another device, or at another of this device's numbers), or that came with other content
    /// under a sequence number already logged (a tablet restored from an old backup, a copied
    /// database). Kept aside as sent, so the device's sync goes on and nothing counts twice.
    DuplicateEntry,
    /// A customer return of more than its order shipped of the item, or against an order that
    /// is unknown or has not shipped: the goods are in (or scrapped) as recorded; a supervisor
    /// finds out why.
    ReturnMismatch,
    /// A transfer between warehouses closed with less received at its destination than was
    /// shipped from its source: the difference is lost in transit until someone finds it.
    TransferShort,
    /// Packing or shipping that disagrees with the order: more of an item packed than the order
    /// asks for (often by two packers at once), an item the order does not have, a carton of
    /// another order, goods packed into a carton after it shipped, or a carton shipped twice.
    /// The goods are where the operator put them; a supervisor sorts the cartons out.
    PackMismatch,
    /// In a warehouse that refuses overfilling, an operation took a location over its capacity,
    /// weight or volume limit though the tablet that recorded it had room: tablets that had not
    /// seen each other's scans filled it together. Applied as recorded; a supervisor moves the
    /// extra on.
    OverCapacity,
    /// A kind this build does not know (sent by a newer server): shown, never acted on.
    #[serde(other)]
    Other,
}

impl ExceptionKind {
    pub const ALL: [ExceptionKind; 16] = [
        Self::NegativeStock,
        Self::OverPick,
        Self::CountVariance,
        Self::CountDuringMovement,
        Self::OverReceipt,
        Self::UnknownBarcode,
        Self::DuplicateSerial,
        Self::Unauthorized,
        Self::InvalidOperation,
        Self::WorkMismatch,
        Self::PlateConflict,
        Self::DuplicateEntry,
        Self::ReturnMismatch,
        Self::TransferShort,
        Self::PackMismatch,
        Self::OverCapacity,
    ];

    /// True when an exception of this kind means its first operation was logged but not applied
    /// (held for a supervisor): every replica leaves it out of stock, and the device that
    /// recorded it takes its effects back.
    pub fn holds_operation(self) -> bool {
        matches!(
            self,
            Self::Unauthorized | Self::InvalidOperation | Self::DuplicateEntry
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NegativeStock => "negative_stock",
            Self::OverPick => "over_pick",
            Self::CountVariance => "count_variance",
            Self::CountDuringMovement => "count_during_movement",
            Self::OverReceipt => "over_receipt",
            Self::UnknownBarcode => "unknown_barcode",
            Self::DuplicateSerial => "duplicate_serial",
            Self::Unauthorized => "unauthorized",
            Self::InvalidOperation => "invalid_operation",
            Self::WorkMismatch => "work_mismatch",
            Self::PlateConflict => "plate_conflict",
            Self::DuplicateEntry => "duplicate_entry",
            Self::ReturnMismatch => "return_mismatch",
            Self::TransferShort => "transfer_short",
            Self::PackMismatch => "pack_mismatch",
            Self::OverCapacity => "over_capacity",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Progress of a receipt or order line before the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProgress {
    /// Quantity expected (receipt) or ordered (order).
    pub target: i64,
    /// Quantity received or picked so far.
    pub done: i64,
    /// Operations that did it so far.
    pub ops: Vec<OpId>,
}

/// A location's code, its limits, and whether its warehouse refuses a scan over them.
pub type LimitsAt = (String, Limits, bool);

/// A carton as the books know it before the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartonView {
    /// The order it was first packed for.
    pub order: String,
    /// The shipment (its operation) that took it, and when that was recorded on its device.
    pub shipped: Option<(OpId, DateTime<Utc>)>,
}

/// A state view could not be read (a storage failure). Never turned into a value: a rule that
/// cannot read the state fails, and so does the transaction it runs in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("reading the state: {0}")]
pub struct ViewError(pub String);

pub type ViewResult<T> = Result<T, ViewError>;

/// The state the rules read, before the operation is applied.
pub trait StateView {
    fn on_hand(&self, key: &StockKey) -> ViewResult<i64>;
    fn receipt_line(&self, id: ReceiptLineId) -> ViewResult<Option<LineProgress>>;
    fn order_line(&self, id: OrderLineId) -> ViewResult<Option<LineProgress>>;
    /// The operation that put this serial into stock, if it is in stock now.
    fn serial_in_stock(&self, item: ItemId, serial: &str) -> ViewResult<Option<OpId>>;
    /// What order `order` shipped of `item` (`target`) and what came back so far (`done`, by
    /// `ops`); `None` when the order is unknown or has not shipped.
    fn returned(&self, order: &str, item: ItemId) -> ViewResult<Option<LineProgress>>;
    /// What order `order` asks for of `item` over all its lines (`target`) and what was packed
    /// so far (`done`, by `ops`); `None` when the order has no line of the item.
    fn packed(&self, order: &str, item: ItemId) -> ViewResult<Option<LineProgress>>;
    /// The carton with this SSCC, if anything was packed into it or shipped with it.
    fn carton(&self, sscc: &str) -> ViewResult<Option<CartonView>>;
    /// Counts of `item` at `location` by other devices, logged after `seen_cursor`: counts the
    /// device recording a movement could not have known about.
    fn unseen_counts(
        &self,
        item: ItemId,
        location: LocationId,
        seen_cursor: u64,
    ) -> ViewResult<Vec<OpId>>;
    /// A location's code, limits, and whether its warehouse refuses a scan over them; `None` when
    /// the location is unknown.
    fn location_limits(&self, location: LocationId) -> ViewResult<Option<LimitsAt>>;
    /// What a location holds before the operation.
    fn location_load(&self, location: LocationId) -> ViewResult<Load>;
    /// One unit of an item: its weight in grams and volume in cm³, when known.
    fn unit_of(&self, item: ItemId) -> ViewResult<(Option<i64>, Option<i64>)>;
    /// The item's SKU (its id when unknown), for messages.
    fn item_sku(&self, item: ItemId) -> ViewResult<String>;
    /// Human words for a key (SKU, location code, lot), for messages: [`stock_words`].
    fn describe(&self, key: &StockKey) -> ViewResult<Said>;
}

/// A stock key in words (`HAR-00001 lot L7 at A-01-1`), from its item's SKU and location's code.
pub fn stock_words(sku: &str, location: &str, lot: Option<&str>) -> Said {
    match lot {
        Some(lot) => said!(
            "stock.lot_at",
            "{sku} lot {lot} at {location}",
            sku = sku,
            lot = lot,
            location = location
        ),
        None => said!(
            "stock.at",
            "{sku} at {location}",
            sku = sku,
            location = location
        ),
    }
}

/// Thresholds a site can tune.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    /// A count difference is an exception only when larger than this many base units...
    pub count_variance_units: i64,
    /// ...and larger than this fraction of the expected quantity.
    pub count_variance_ratio: f64,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            count_variance_units: 2,
            count_variance_ratio: 0.05,
        }
    }
}

/// An exception to record, before it has an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionDraft {
    pub kind: ExceptionKind,
    pub key: Option<StockKey>,
    pub location: Option<LocationId>,
    /// Earlier operations involved (the assessed operation itself is implied).
    pub related: Vec<OpId>,
    pub message: Said,
}

/// Decides the exceptions an operation raises against the state before it.
pub fn assess(
    entry: &ChangeLogEntry,
    view: &dyn StateView,
    rules: &Rules,
) -> ViewResult<Vec<ExceptionDraft>> {
    let mut out = Vec::new();
    // Negative stock from any decrement. A key appearing twice in one operation is summed first.
    let mut net: Vec<(StockKey, i64)> = Vec::new();
    for d in entry.op.effects() {
        match net.iter_mut().find(|(k, _)| *k == d.key) {
            Some((_, q)) => *q += d.qty,
            None => net.push((d.key, d.qty)),
        }
    }
    let count_key = match &entry.op {
        Operation::Count(c) => Some(&c.key),
        _ => None,
    };
    // A count sets a quantity; it is judged by the count rules below, not as a decrement. Stock
    // is read only for a decrement, the only change it judges: every receipt read its key, a
    // round trip each on PostgreSQL for new keys (docs/PERFORMANCE.md, session 20).
    for (key, qty) in net.iter().filter(|(k, q)| *q < 0 && count_key != Some(k)) {
        let before = view.on_hand(key)?;
        if before + qty < 0 {
            out.push(ExceptionDraft {
                kind: ExceptionKind::NegativeStock,
                key: Some(key.clone()),
                location: Some(key.location),
                related: vec![],
                message: said!(
                    "reconcile.negative",
                    "{stock}: {taken} taken with {before} on hand; stock is now {after}",
                    stock = view.describe(key)?,
                    taken = -qty,
                    before = before,
                    after = before + qty
                ),
            });
        }
    }
    // A movement the device recorded without having seen a count of the same stock: the count and
    // the movement were concurrent, so the count's figure cannot be trusted as it stands.
    if count_key.is_none() {
        let mut seen_places = Vec::new();
        for (key, _) in &net {
            if seen_places.contains(&(key.item, key.location)) {
                continue;
            }
            seen_places.push((key.item, key.location));
            let counts = view.unseen_counts(key.item, key.location, entry.seen_cursor)?;
            if !counts.is_empty() {
                out.push(ExceptionDraft {
                    kind: ExceptionKind::CountDuringMovement,
                    key: Some(key.clone()),
                    location: Some(key.location),
                    related: counts,
                    message: said!("reconcile.moved_during_count", "{stock}: stock moved ({kind}) by a device that had not seen a count of it; check the count", stock = view.describe(key)?, kind = entry.op.kind()),
                });
            }
        }
    }
    match &entry.op {
        Operation::Pick(p) => {
            let line = p.order_line.map(|id| view.order_line(id)).transpose()?;
            if let Some(line) = line.flatten()
                && line.done + p.qty > line.target
            {
                out.push(ExceptionDraft {
                    kind: ExceptionKind::OverPick,
                    key: Some(p.key.clone()),
                    location: Some(p.key.location),
                    related: line.ops.clone(),
                    message: said!(
                        "reconcile.over_picked",
                        "order line for {stock} picked {done} in all against {target} ordered",
                        stock = view.describe(&p.key)?,
                        done = line.done + p.qty,
                        target = line.target
                    ),
                });
            }
        }
        Operation::Receive(r) => {
            let line = r.receipt_line.map(|id| view.receipt_line(id)).transpose()?;
            if let Some(line) = line.flatten()
                && line.done + r.qty > line.target
            {
                out.push(ExceptionDraft {
                    kind: ExceptionKind::OverReceipt,
                    key: Some(r.key.clone()),
                    location: Some(r.key.location),
                    related: line.ops.clone(),
                    message: said!(
                        "reconcile.over_received",
                        "{stock} received {done} in all against {target} expected",
                        stock = view.describe(&r.key)?,
                        done = line.done + r.qty,
                        target = line.target
                    ),
                });
            }
            for s in &r.serials {
                if let Some(first) = view.serial_in_stock(r.key.item, s)? {
                    out.push(ExceptionDraft {
                        kind: ExceptionKind::DuplicateSerial,
                        key: Some(r.key.clone()),
                        location: Some(r.key.location),
                        related: vec![first],
                        message: said!(
                            "reconcile.serial_in_stock",
                            "serial {serial} of {stock} is already in stock",
                            stock = view.describe(&r.key)?,
                            serial = s
                        ),
                    });
                }
            }
        }
        Operation::Count(c) => {
            let server = view.on_hand(&c.key)?;
            if server != c.expected {
                out.push(ExceptionDraft {
                    kind: ExceptionKind::CountDuringMovement,
                    key: Some(c.key.clone()),
                    location: Some(c.key.location),
                    related: vec![],
                    message: said!("reconcile.count_stale", "{stock}: counted {counted} while the device expected {expected}, but the books had {server} (stock moved during the count)", stock = view.describe(&c.key)?, counted = c.counted, expected = c.expected, server = server),
                });
            }
            let diff = (c.counted - c.expected).abs();
            let ratio_limit = (c.expected.abs() as f64 * rules.count_variance_ratio).floor() as i64;
            if diff > rules.count_variance_units && diff > ratio_limit {
                out.push(ExceptionDraft {
                    kind: ExceptionKind::CountVariance,
                    key: Some(c.key.clone()),
                    location: Some(c.key.location),
                    related: vec![],
                    message: said!(
                        "reconcile.count_variance",
                        "{stock}: counted {counted} against {expected} expected ({difference})",
                        stock = view.describe(&c.key)?,
                        counted = c.counted,
                        expected = c.expected,
                        difference = format!("{:+}", c.counted - c.expected)
                    ),
                });
            }
        }
        Operation::Return(r) => {
            let line = view.returned(&r.order, r.key.item)?;
            let message = match &line {
                None => Some(said!(
                    "reconcile.return_unshipped",
                    "{stock}: {qty} returned against order {order}, which is unknown or has not shipped",
                    stock = view.describe(&r.key)?,
                    qty = r.qty,
                    order = r.order
                )),
                Some(l) if l.done + r.qty > l.target => Some(said!(
                    "reconcile.over_returned",
                    "{stock}: {done} returned in all against {target} shipped on order {order}",
                    stock = view.describe(&r.key)?,
                    done = l.done + r.qty,
                    target = l.target,
                    order = r.order
                )),
                Some(_) => None,
            };
            if let Some(message) = message {
                out.push(ExceptionDraft {
                    kind: ExceptionKind::ReturnMismatch,
                    key: Some(r.key.clone()),
                    location: Some(r.key.location),
                    related: line.map(|l| l.ops).unwrap_or_default(),
                    message,
                });
            }
        }
        Operation::Pack(p) => out.extend(packing(entry, p, view)?),
        Operation::Ship(s) => {
            for c in &s.cartons {
                if let Some(CartonView {
                    shipped: Some((first, _)),
                    ..
                }) = view.carton(c)?
                {
                    out.push(ExceptionDraft {
                        kind: ExceptionKind::PackMismatch,
                        key: None,
                        location: None,
                        related: vec![first],
                        message: said!("reconcile.carton_shipped_second_time", "carton {carton} is shipped a second time (carrier {carrier}); it left on an earlier shipment", carrier = s.carrier.trim(), carton = c),
                    });
                }
            }
        }
        Operation::UnknownScan(u) => out.push(ExceptionDraft {
            kind: ExceptionKind::UnknownBarcode,
            key: None,
            location: u.location,
            related: vec![],
            message: said!(
                "reconcile.unknown_barcode_scanned_where",
                "unknown barcode {raw:?} scanned where {expected} was expected",
                raw = u.raw,
                expected = u.expected
            ),
        }),
        _ => {}
    }
    out.extend(over_capacity(entry, view)?);
    Ok(out)
}

/// Locations the operation fills past a limit, in warehouses that refuse that: each tablet
/// refuses such a scan, so one that reaches the server means tablets filled the location
/// together. Only the operation that takes it over is named (a location already over raises
/// nothing more).
fn over_capacity(entry: &ChangeLogEntry, view: &dyn StateView) -> ViewResult<Vec<ExceptionDraft>> {
    let effects = entry.op.effects();
    let mut locations: Vec<LocationId> = Vec::new();
    for d in &effects {
        if !locations.contains(&d.key.location) {
            locations.push(d.key.location);
        }
    }
    let mut out = Vec::new();
    for location in locations {
        let here: Vec<&crate::ledger::Delta> = effects
            .iter()
            .filter(|d| d.key.location == location)
            .collect();
        let units: i64 = here.iter().map(|d| d.qty).sum();
        if units <= 0 {
            continue;
        }
        // Read first: most locations have no limit, or their warehouse does not refuse.
        let Some((code, limits, refuses)) = view.location_limits(location)? else {
            continue;
        };
        if !refuses || limits.is_none() {
            continue;
        }
        let mut add = Load::default();
        for d in here {
            let (g, v) = view.unit_of(d.key.item)?;
            add.add(d.qty, g, v);
        }
        let before = view.location_load(location)?;
        let after = before.plus(add);
        let over = crate::capacity::over_limits(&code, limits, after);
        if !over.is_empty() && crate::capacity::over_limits(&code, limits, before).is_empty() {
            out.push(ExceptionDraft {
                kind: ExceptionKind::OverCapacity,
                key: None,
                location: Some(location),
                related: vec![],
                message: said!("reconcile.overfilled_together", "{over}: this warehouse refuses overfilling, and tablets that had not seen each other's scans filled it together", over = crate::capacity::joined(&over)),
            });
        }
    }
    Ok(out)
}

/// The rules of a pack: the carton's order, a carton that already left, and the order's
/// quantities (this operation's lines of one item added up first).
fn packing(
    entry: &ChangeLogEntry,
    p: &crate::op::Pack,
    view: &dyn StateView,
) -> ViewResult<Vec<ExceptionDraft>> {
    let mut out = Vec::new();
    let mut draft = |related: Vec<OpId>, message: Said| {
        out.push(ExceptionDraft {
            kind: ExceptionKind::PackMismatch,
            key: None,
            location: None,
            related,
            message,
        })
    };
    if let Some(c) = view.carton(&p.carton)? {
        if c.order != p.order {
            draft(
                vec![],
                said!(
                    "reconcile.carton_mixed",
                    "carton {carton} holds order {held}, and goods of order {order} were packed into it",
                    carton = p.carton,
                    held = c.order,
                    order = p.order
                ),
            );
        }
        // Recorded after the shipment was (by the devices' clocks): in any sync order, a pack
        // that happened before the carton left is not one.
        if let Some((ship, at)) = c.shipped
            && entry.device_time > at
        {
            draft(
                vec![ship],
                said!(
                    "reconcile.goods_order_were_packed",
                    "goods of order {order} were packed into carton {carton} after it shipped",
                    order = p.order,
                    carton = p.carton
                ),
            );
        }
    }
    let mut items: Vec<(ItemId, i64)> = Vec::new();
    for l in &p.lines {
        match items.iter_mut().find(|(i, _)| *i == l.item) {
            Some((_, q)) => *q += l.qty,
            None => items.push((l.item, l.qty)),
        }
    }
    for (item, qty) in items {
        let sku = view.item_sku(item)?;
        match view.packed(&p.order, item)? {
            None => draft(
                vec![],
                said!(
                    "reconcile.packed_into_carton_order",
                    "{sku}: {qty} packed into carton {carton} for order {order}, which has no line of it",
                    carton = p.carton,
                    order = p.order,
                    sku = sku,
                    qty = qty
                ),
            ),
            Some(l) if l.done + qty > l.target => draft(
                l.ops,
                said!(
                    "reconcile.over_packed",
                    "{sku}: {done} packed in all against {target} ordered on order {order} (carton {carton})",
                    done = l.done + qty,
                    target = l.target,
                    order = p.order,
                    carton = p.carton,
                    sku = sku
                ),
            ),
            Some(_) => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
