//! Operations: the warehouse work a device records, one change-log entry each.
//!
//! Every operation carries everything needed to compute its effect on stock, so
//! [`Operation::effects`] is a pure function of the payload. That is what lets a server and any
//! number of devices apply the same log and reach the same stock: deltas commute, and nothing is
//! recomputed from a view that differs between replicas. A count therefore stores the quantity
//! the device expected beside the quantity counted; a disagreement with the server's figure is a
//! matter for an exception, not for a different delta.

use crate::ids::{
    DeviceId, ItemId, LocationId, OpId, OrderLineId, PlateId, ReceiptLineId, TaskId, WarehouseId,
};
use crate::ledger::{Delta, StockKey};
use crate::master::{Item, PackKind, Tracking};
use crate::said::Said;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Version of the payload format written by this build. Bumped when a payload changes shape;
/// readers keep decoding every older version.
pub const PAYLOAD_VERSION: u32 = 1;

/// A number of packs of one level, as the operator entered it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackCount {
    pub kind: PackKind,
    pub packs: i64,
    /// Base units in one pack when the operation was recorded.
    pub per_pack: i64,
}

/// Goods arrive at a location (normally a receiving dock), optionally onto a new license plate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receive {
    pub key: StockKey,
    pub qty: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack: Option<PackCount>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serials: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_line: Option<ReceiptLineId>,
    /// The plate's scanned code, so that whoever applies this log can create the plate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plate_code: Option<String>,
}

/// Loose stock (or stock taken off a plate) goes from one place to another. Used for putaway and
/// for moves; only the intent differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    pub item: ItemId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<NaiveDate>,
    pub from: LocationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_plate: Option<PlateId>,
    pub to: LocationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_plate: Option<PlateId>,
    pub qty: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serials: Vec<String>,
    /// The server's move task this carries out (a pick-face top-up), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskId>,
}

/// One line of what a plate held when it was moved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlateLine {
    pub item: ItemId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry: Option<NaiveDate>,
    pub qty: i64,
}

/// A whole license plate moves; its contents as the device saw them move with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlateMove {
    pub plate: PlateId,
    pub plate_code: String,
    pub from: LocationId,
    pub to: LocationId,
    pub contents: Vec<PlateLine>,
    /// True when this is the putaway of a received plate.
    #[serde(default)]
    pub putaway: bool,
}

/// Stock leaves a location for an order. A short pick records what was asked for and why less
/// was taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    pub key: StockKey,
    pub qty: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_line: Option<OrderLineId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serials: Vec<String>,
}

/// Short-pick reasons that say the stock is not where the books have it (the words the app
/// offers, and their plain forms): such a pick raises a recount of the bin, and allocation stays
/// away from it until it is counted.
pub const MISSING_STOCK_REASONS: &[&str] = &[
    "not found",
    "location empty",
    "not enough in the location",
    "wrong item in location",
];

impl Pick {
    /// A short pick whose reason says the stock was not there ([`MISSING_STOCK_REASONS`]).
    pub fn reports_missing_stock(&self) -> bool {
        let short = self.requested.is_some_and(|r| self.qty < r);
        let reason = self
            .short_reason
            .as_deref()
            .unwrap_or("")
            .trim()
            .to_lowercase()
            .replace('_', " ");
        short && MISSING_STOCK_REASONS.contains(&reason.as_str())
    }
}

/// A quantity observed at a location. `expected` is the device's on-hand figure at that moment;
/// the ledger moves by the difference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub key: StockKey,
    pub counted: i64,
    pub expected: i64,
    /// The counter was not shown the expected quantity.
    #[serde(default)]
    pub blind: bool,
    /// The server's count task this carries out (a cycle count or a recount), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<TaskId>,
}

/// A correction with a reason code (damage, loss, found stock...).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adjust {
    pub key: StockKey,
    pub qty: i64,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A well-formed scan that matched nothing in local data. Kept so that it reaches a supervisor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownScan {
    pub raw: String,
    /// What the operator was scanning for (`item`, `location`, `plate`, `any`).
    pub expected: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<LocationId>,
}

/// An operation this build could not read: sent by a newer app (a newer payload version, or an
/// operation type this build does not know) or garbled on the way. Only the server makes one, so
/// that the entry keeps the device's place in its log: it is held for a supervisor (it fails
/// [`Operation::check`]), never applied and never sent to devices. A server that can read it
/// (after an upgrade) turns `raw` back into the operation when a supervisor releases it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unreadable {
    /// The operation as the device sent it (JSON).
    pub raw: String,
    /// Why this build could not read it.
    pub reason: String,
}

/// What becomes of goods a customer sent back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Back into stock that can be sold, at the location scanned.
    Restock,
    /// Into a quarantine location: held until a supervisor releases it; never allocated.
    Quarantine,
    /// Thrown away on arrival: recorded against the order, never in stock.
    Scrap,
}

impl Disposition {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Restock => "restock",
            Self::Quarantine => "quarantine",
            Self::Scrap => "scrap",
        }
    }
}

impl std::str::FromStr for Disposition {
    type Err = Said;
    fn from_str(s: &str) -> Result<Self, Said> {
        match s.trim().to_ascii_lowercase().as_str() {
            "restock" => Ok(Self::Restock),
            "quarantine" | "hold" => Ok(Self::Quarantine),
            "scrap" => Ok(Self::Scrap),
            other => Err(said!(
                "op.not_a_disposition",
                "{other:?} is not a disposition: restock, quarantine or scrap",
                other = other
            )),
        }
    }
}

/// Goods a customer sent back, received against the order they were shipped on (its number, as
/// on the order's or a carton's label). Restocked and quarantined goods come into stock at `key`;
/// scrapped goods never do (`key.location` is where they were received and scrapped). Whether the
/// order shipped that much is the server's to judge (an exception, never a refusal: the goods are
/// here).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerReturn {
    pub order: String,
    pub key: StockKey,
    pub qty: i64,
    pub disposition: Disposition,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serials: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One operation, tagged by type in its serialized form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Operation {
    Receive(Receive),
    Putaway(Transfer),
    Move(Transfer),
    MovePlate(PlateMove),
    Pick(Pick),
    Count(Count),
    Adjust(Adjust),
    UnknownScan(UnknownScan),
    Unreadable(Unreadable),
    Return(CustomerReturn),
    Pack(Pack),
    CloseCarton(CloseCarton),
    Ship(Ship),
}

/// The operation types, as stored in the change log's `op_type` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    Receive,
    Putaway,
    Move,
    MovePlate,
    Pick,
    Count,
    Adjust,
    UnknownScan,
    Unreadable,
    Return,
    Pack,
    CloseCarton,
    Ship,
}

impl OpKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Receive => "receive",
            Self::Putaway => "putaway",
            Self::Move => "move",
            Self::MovePlate => "move_plate",
            Self::Pick => "pick",
            Self::Count => "count",
            Self::Adjust => "adjust",
            Self::UnknownScan => "unknown_scan",
            Self::Unreadable => "unreadable",
            Self::Return => "return",
            Self::Pack => "pack",
            Self::CloseCarton => "close_carton",
            Self::Ship => "ship",
        }
    }
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An operation's kind inside a message is said in the reader's words ("Entnahme", not "pick").
impl crate::said::Says for OpKind {
    fn said(&self) -> Said {
        match self {
            Self::Receive => said!("op_kind.receive", "receive"),
            Self::Putaway => said!("op_kind.putaway", "putaway"),
            Self::Move => said!("op_kind.move", "move"),
            Self::MovePlate => said!("op_kind.move_plate", "move_plate"),
            Self::Pick => said!("op_kind.pick", "pick"),
            Self::Count => said!("op_kind.count", "count"),
            Self::Adjust => said!("op_kind.adjust", "adjust"),
            Self::UnknownScan => said!("op_kind.unknown_scan", "unknown_scan"),
            Self::Unreadable => said!("op_kind.unreadable", "unreadable"),
            Self::Return => said!("op_kind.return", "return"),
            Self::Pack => said!("op_kind.pack", "pack"),
            Self::CloseCarton => said!("op_kind.close_carton", "close_carton"),
            Self::Ship => said!("op_kind.ship", "ship"),
        }
    }
}

/// An operation that breaks a rule no replica could accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpError {
    Quantity { rule: QuantityRule, qty: i64 },
    SerialCount { count: usize, qty: i64 },
    DuplicateSerial(String),
    SamePlace,
    ShortWithoutReason { qty: i64, requested: i64 },
    OverPick { qty: i64, requested: i64 },
    AdjustmentWithoutReason,
    TrackingMissing { sku: String, what: &'static str },
    SerialsNotTracked { sku: String },
    ControlCharacter { field: &'static str, text: String },
    Other(Said),
}

/// The English words, from [`OpError::said`] (one text for the CLI, logs and the catalogs' English).
impl std::fmt::Display for OpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.said().text)
    }
}

impl std::error::Error for OpError {}

/// Which rule a quantity broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityRule {
    AtLeastOne,
    /// Over [`MAX_QTY`]: a barcode typed or scanned into a quantity.
    AtMostMax,
    ZeroOrMore,
    AtLeastOneUnrequested,
    NonZero,
    /// A carton's weight, 0 to 2 tonnes.
    CartonWeight,
}

impl QuantityRule {
    /// The rule's catalog key and English words.
    fn said(self) -> Said {
        match self {
            Self::AtLeastOne => said!("rule.at_least_one", "at least 1"),
            Self::AtMostMax => said!(
                "rule.at_most_max",
                "at most 1,000,000,000 base units (a barcode is not a quantity)"
            ),
            Self::ZeroOrMore => said!("rule.zero_or_more", "zero or more"),
            Self::AtLeastOneUnrequested => said!(
                "rule.at_least_one_unrequested",
                "at least 1 when no quantity was requested"
            ),
            Self::NonZero => said!("rule.non_zero", "non-zero"),
            Self::CartonWeight => said!(
                "rule.carton_weight",
                "a weight of 0 to 2,000,000 g (2 tonnes)"
            ),
        }
    }
}

impl fmt::Display for QuantityRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.said().text)
    }
}

impl OpError {
    /// The message for a person, with its catalog key (see [`crate::said`]).
    pub fn said(&self) -> Said {
        match self {
            Self::Quantity { rule, qty } => {
                let rule = rule.said();
                said!(
                    "op.quantity",
                    "quantity must be {rule}, not {qty}",
                    rule = rule.text.clone(),
                    qty = *qty
                )
                .nest("rule", rule)
            }
            Self::SerialCount { count, qty } => said!(
                "op.serial_count",
                "{count} serial numbers given for a quantity of {qty}; one serial per unit is needed",
                count = *count,
                qty = *qty
            ),
            Self::DuplicateSerial(serial) => {
                said!(
                    "op.duplicate_serial",
                    "serial number {serial:?} is given twice",
                    serial = serial.clone()
                )
            }
            Self::SamePlace => said!("op.same_place", "source and destination are the same place"),
            Self::ShortWithoutReason { qty, requested } => said!(
                "op.short_without_reason",
                "picked {qty} of {requested} requested: a short pick needs a reason",
                qty = *qty,
                requested = *requested
            ),
            Self::OverPick { qty, requested } => said!(
                "op.over_pick",
                "picked {qty} but only {requested} were requested",
                qty = *qty,
                requested = *requested
            ),
            Self::AdjustmentWithoutReason => {
                said!(
                    "op.adjustment_without_reason",
                    "a reason is needed for an adjustment"
                )
            }
            Self::TrackingMissing { sku, what } => match *what {
                "lot" => said!(
                    "op.lot_missing",
                    "item {sku} is lot-tracked: scan or enter its lot",
                    sku = sku.clone()
                ),
                "expiry" => said!(
                    "op.expiry_missing",
                    "item {sku} is expiry-tracked: scan or enter its expiry",
                    sku = sku.clone()
                ),
                _ => said!(
                    "op.serial_missing",
                    "item {sku} is serial-tracked: scan or enter its serial",
                    sku = sku.clone()
                ),
            },
            Self::SerialsNotTracked { sku } => said!(
                "op.serials_not_tracked",
                "item {sku} is not serial-tracked, but serial numbers were given",
                sku = sku.clone()
            ),
            Self::ControlCharacter { field, text } => said!(
                "op.control_character",
                "{field} {text:?} holds a control character, which no label or keyboard produces",
                field = *field,
                text = text.clone()
            ),
            Self::Other(said) => said.clone(),
        }
    }
}

fn check_serials(serials: &[String], qty: i64) -> Result<(), OpError> {
    if serials.is_empty() {
        return Ok(());
    }
    if serials.len() as i64 != qty {
        return Err(OpError::SerialCount {
            count: serials.len(),
            qty,
        });
    }
    for (i, s) in serials.iter().enumerate() {
        if serials[..i].contains(s) {
            return Err(OpError::DuplicateSerial(s.clone()));
        }
    }
    Ok(())
}

/// The largest quantity, in base units, one operation may carry: far above any real movement,
/// far below where sums of quantities could overflow. A number this large is a barcode typed or
/// scanned into a quantity field, never stock.
pub const MAX_QTY: i64 = 1_000_000_000;

fn positive(qty: i64) -> Result<(), OpError> {
    if qty > 0 {
        Ok(())
    } else {
        Err(OpError::Quantity {
            rule: QuantityRule::AtLeastOne,
            qty,
        })
    }
}

impl Operation {
    pub fn kind(&self) -> OpKind {
        match self {
            Self::Receive(_) => OpKind::Receive,
            Self::Putaway(_) => OpKind::Putaway,
            Self::Move(_) => OpKind::Move,
            Self::MovePlate(_) => OpKind::MovePlate,
            Self::Pick(_) => OpKind::Pick,
            Self::Count(_) => OpKind::Count,
            Self::Adjust(_) => OpKind::Adjust,
            Self::UnknownScan(_) => OpKind::UnknownScan,
            Self::Unreadable(_) => OpKind::Unreadable,
            Self::Return(_) => OpKind::Return,
            Self::Pack(_) => OpKind::Pack,
            Self::CloseCarton(_) => OpKind::CloseCarton,
            Self::Ship(_) => OpKind::Ship,
        }
    }

    /// Every quantity the operation carries, in base units.
    fn quantities(&self) -> Vec<i64> {
        match self {
            Self::Receive(r) => vec![r.qty],
            Self::Putaway(t) | Self::Move(t) => vec![t.qty],
            Self::MovePlate(m) => m.contents.iter().map(|l| l.qty).collect(),
            Self::Pick(p) => vec![p.qty, p.requested.unwrap_or(0)],
            Self::Count(c) => vec![c.counted, c.expected],
            Self::Adjust(a) => vec![a.qty],
            Self::Return(r) => vec![r.qty],
            Self::Pack(p) => p.quantities(),
            Self::UnknownScan(_) | Self::Unreadable(_) | Self::CloseCarton(_) | Self::Ship(_) => {
                vec![]
            }
        }
    }

    /// Codes printed on labels (lots, plate codes, serial numbers) hold no control character;
    /// other text (reasons, notes, an unknown scan as scanned, which may hold GS separators)
    /// holds no NUL, which no store keeps alike (PostgreSQL's text refuses it).
    fn check_text(&self) -> Result<(), OpError> {
        fn lot(k: &StockKey) -> Option<(&'static str, &str)> {
            k.lot.as_deref().map(|l| ("lot", l))
        }
        let mut codes: Vec<(&'static str, &str)> = Vec::new();
        let mut texts: Vec<(&'static str, &str)> = Vec::new();
        match self {
            Self::Receive(r) => {
                codes.extend(lot(&r.key));
                codes.extend(r.plate_code.as_deref().map(|c| ("plate code", c)));
                codes.extend(r.serials.iter().map(|s| ("serial", s.as_str())));
            }
            Self::Putaway(t) | Self::Move(t) => {
                codes.extend(t.lot.as_deref().map(|l| ("lot", l)));
                codes.extend(t.serials.iter().map(|s| ("serial", s.as_str())));
            }
            Self::MovePlate(m) => {
                codes.push(("plate code", &m.plate_code));
                codes.extend(
                    m.contents
                        .iter()
                        .filter_map(|l| l.lot.as_deref())
                        .map(|l| ("lot", l)),
                );
            }
            Self::Pick(p) => {
                codes.extend(lot(&p.key));
                codes.extend(p.serials.iter().map(|s| ("serial", s.as_str())));
                texts.extend(p.short_reason.as_deref().map(|r| ("short reason", r)));
            }
            Self::Count(c) => codes.extend(lot(&c.key)),
            Self::Adjust(a) => {
                codes.extend(lot(&a.key));
                texts.push(("reason", &a.reason));
                texts.extend(a.note.as_deref().map(|n| ("note", n)));
            }
            Self::UnknownScan(u) => {
                texts.push(("scan", &u.raw));
                texts.push(("expected", &u.expected));
            }
            Self::Return(r) => {
                codes.extend(lot(&r.key));
                codes.push(("order", &r.order));
                codes.extend(r.serials.iter().map(|s| ("serial", s.as_str())));
                texts.extend(r.reason.as_deref().map(|x| ("reason", x)));
            }
            Self::Pack(p) => {
                codes.push(("order", &p.order));
                codes.push(("carton", &p.carton));
                codes.extend(
                    p.lines
                        .iter()
                        .filter_map(|l| l.lot.as_deref())
                        .map(|l| ("lot", l)),
                );
            }
            Self::CloseCarton(c) => {
                codes.push(("order", &c.order));
                codes.push(("carton", &c.carton));
            }
            Self::Ship(s) => {
                codes.extend(s.cartons.iter().map(|c| ("carton", c.as_str())));
                texts.push(("carrier", &s.carrier));
                texts.extend(s.reference.as_deref().map(|r| ("reference", r)));
            }
            Self::Unreadable(_) => {}
        }
        let bad = codes
            .into_iter()
            .find(|(_, t)| t.chars().any(char::is_control))
            .or_else(|| texts.into_iter().find(|(_, t)| t.contains('\0')));
        match bad {
            Some((field, text)) => Err(OpError::ControlCharacter {
                field,
                text: text.to_string(),
            }),
            None => Ok(()),
        }
    }

    /// Rules that hold for any operation, whatever the stock.
    pub fn check(&self) -> Result<(), OpError> {
        self.check_text()?;
        if let Some(qty) = self
            .quantities()
            .into_iter()
            .find(|q| q.unsigned_abs() > MAX_QTY.unsigned_abs())
        {
            return Err(OpError::Quantity {
                rule: QuantityRule::AtMostMax,
                qty,
            });
        }
        match self {
            Self::Receive(r) => {
                positive(r.qty)?;
                check_serials(&r.serials, r.qty)
            }
            Self::Putaway(t) | Self::Move(t) => {
                positive(t.qty)?;
                if t.from == t.to && t.from_plate == t.to_plate {
                    return Err(OpError::SamePlace);
                }
                check_serials(&t.serials, t.qty)
            }
            Self::MovePlate(m) => {
                if m.from == m.to {
                    return Err(OpError::SamePlace);
                }
                m.contents.iter().try_for_each(|l| positive(l.qty))
            }
            Self::Pick(p) => {
                if p.qty < 0 {
                    return Err(OpError::Quantity {
                        rule: QuantityRule::ZeroOrMore,
                        qty: p.qty,
                    });
                }
                match p.requested {
                    Some(req) if p.qty > req => {
                        return Err(OpError::OverPick {
                            qty: p.qty,
                            requested: req,
                        });
                    }
                    Some(req)
                        if p.qty < req
                            && p.short_reason
                                .as_deref()
                                .is_none_or(|r| r.trim().is_empty()) =>
                    {
                        return Err(OpError::ShortWithoutReason {
                            qty: p.qty,
                            requested: req,
                        });
                    }
                    None if p.qty == 0 => {
                        return Err(OpError::Quantity {
                            rule: QuantityRule::AtLeastOneUnrequested,
                            qty: 0,
                        });
                    }
                    _ => {}
                }
                check_serials(&p.serials, p.qty)
            }
            Self::Count(c) => {
                if c.counted < 0 {
                    return Err(OpError::Quantity {
                        rule: QuantityRule::ZeroOrMore,
                        qty: c.counted,
                    });
                }
                Ok(())
            }
            Self::Adjust(a) => {
                if a.qty == 0 {
                    return Err(OpError::Quantity {
                        rule: QuantityRule::NonZero,
                        qty: 0,
                    });
                }
                if a.reason.trim().is_empty() {
                    return Err(OpError::AdjustmentWithoutReason);
                }
                Ok(())
            }
            Self::Return(r) => {
                positive(r.qty)?;
                if r.order.trim().is_empty() {
                    return Err(OpError::Other(said!(
                        "op.return_without_order",
                        "a return names the order its goods were shipped on"
                    )));
                }
                check_serials(&r.serials, r.qty)
            }
            Self::Pack(p) => p.check(),
            Self::CloseCarton(c) => c.check(),
            Self::Ship(s) => s.check(),
            Self::UnknownScan(_) => Ok(()),
            Self::Unreadable(u) => Err(OpError::Other(said!(
                "op.unreadable",
                "this server cannot read the operation ({reason}); if a newer app sent it, upgrade the server, then release it; if the tablet's log was damaged, accept it and record the work again",
                reason = u.reason.clone()
            ))),
        }
    }

    /// Rules that depend on the item: lots, expiry dates and serial numbers where it is tracked.
    /// Only operations that put stock somewhere new need the full set; stock that is already
    /// recorded carries its lot and expiry in its key.
    pub fn check_tracking(&self, item: &Item) -> Result<(), OpError> {
        let missing = |what| OpError::TrackingMissing {
            sku: item.sku.clone(),
            what,
        };
        let (lot, expiry, serials, qty, needs_expiry) = match self {
            Self::Receive(r) => (&r.key.lot, &r.key.expiry, &r.serials, r.qty, true),
            Self::Pick(p) => (&p.key.lot, &p.key.expiry, &p.serials, p.qty, false),
            Self::Putaway(t) | Self::Move(t) => (&t.lot, &t.expiry, &t.serials, t.qty, false),
            Self::Count(c) => (&c.key.lot, &c.key.expiry, &Vec::new(), 0, false),
            Self::Adjust(a) => (&a.key.lot, &a.key.expiry, &Vec::new(), 0, false),
            Self::Return(r) => (
                &r.key.lot,
                &r.key.expiry,
                &r.serials,
                r.qty,
                r.disposition != Disposition::Scrap,
            ),
            Self::MovePlate(_)
            | Self::UnknownScan(_)
            | Self::Unreadable(_)
            | Self::Pack(_)
            | Self::CloseCarton(_)
            | Self::Ship(_) => return Ok(()),
        };
        if item.tracking == Tracking::Lot && lot.is_none() {
            return Err(missing("lot"));
        }
        if needs_expiry && item.expiry_tracked && expiry.is_none() {
            return Err(missing("expiry"));
        }
        match item.tracking {
            Tracking::Serial
                if qty > 0
                    && serials.is_empty()
                    && !matches!(self, Self::Count(_) | Self::Adjust(_)) =>
            {
                Err(missing("serial"))
            }
            Tracking::None | Tracking::Lot if !serials.is_empty() => {
                Err(OpError::SerialsNotTracked {
                    sku: item.sku.clone(),
                })
            }
            _ => Ok(()),
        }
    }

    /// What this operation does to stock. Pure: the same payload gives the same deltas anywhere.
    pub fn effects(&self) -> Vec<Delta> {
        match self {
            Self::Receive(r) => vec![Delta {
                key: r.key.clone(),
                qty: r.qty,
            }],
            Self::Putaway(t) | Self::Move(t) => {
                let from = StockKey {
                    item: t.item,
                    location: t.from,
                    lot: t.lot.clone(),
                    expiry: t.expiry,
                    plate: t.from_plate,
                };
                let to = from.relocated(t.to, t.to_plate);
                vec![
                    Delta {
                        key: from,
                        qty: -t.qty,
                    },
                    Delta {
                        key: to,
                        qty: t.qty,
                    },
                ]
            }
            Self::MovePlate(m) => m
                .contents
                .iter()
                .flat_map(|l| {
                    let from = StockKey {
                        item: l.item,
                        location: m.from,
                        lot: l.lot.clone(),
                        expiry: l.expiry,
                        plate: Some(m.plate),
                    };
                    let to = from.relocated(m.to, Some(m.plate));
                    [
                        Delta {
                            key: from,
                            qty: -l.qty,
                        },
                        Delta {
                            key: to,
                            qty: l.qty,
                        },
                    ]
                })
                .collect(),
            Self::Pick(p) if p.qty > 0 => vec![Delta {
                key: p.key.clone(),
                qty: -p.qty,
            }],
            Self::Pick(_) => vec![],
            Self::Count(c) if c.counted != c.expected => {
                vec![Delta {
                    key: c.key.clone(),
                    qty: c.counted - c.expected,
                }]
            }
            Self::Count(_) => vec![],
            Self::Adjust(a) => vec![Delta {
                key: a.key.clone(),
                qty: a.qty,
            }],
            Self::Return(r) if r.disposition == Disposition::Scrap => vec![],
            Self::Return(r) => vec![Delta {
                key: r.key.clone(),
                qty: r.qty,
            }],
            // Picking took the goods out of stock; packing and shipping say where they went.
            Self::UnknownScan(_)
            | Self::Unreadable(_)
            | Self::Pack(_)
            | Self::CloseCarton(_)
            | Self::Ship(_) => vec![],
        }
    }

    /// The same physical work without the order line, receipt line or task it names: what is
    /// applied when that work may not count it ([`crate::admission`]).
    pub fn without_work(&self) -> Self {
        let mut op = self.clone();
        match &mut op {
            Self::Receive(r) => r.receipt_line = None,
            Self::Putaway(t) | Self::Move(t) => t.task = None,
            Self::Pick(p) => p.order_line = None,
            Self::Count(c) => c.task = None,
            Self::MovePlate(_)
            | Self::Adjust(_)
            | Self::UnknownScan(_)
            | Self::Unreadable(_)
            | Self::Return(_)
            | Self::Pack(_)
            | Self::CloseCarton(_)
            | Self::Ship(_) => {}
        }
        op
    }

    /// The location an operation happened at (for display and for exceptions).
    pub fn location(&self) -> Option<LocationId> {
        match self {
            Self::Receive(r) => Some(r.key.location),
            Self::Putaway(t) | Self::Move(t) => Some(t.to),
            Self::MovePlate(m) => Some(m.to),
            Self::Pick(p) => Some(p.key.location),
            Self::Count(c) => Some(c.key.location),
            Self::Adjust(a) => Some(a.key.location),
            Self::Return(r) => Some(r.key.location),
            Self::UnknownScan(u) => u.location,
            Self::Unreadable(_) | Self::Pack(_) | Self::CloseCarton(_) | Self::Ship(_) => None,
        }
    }
}

/// One entry of a device's change log: an operation with who, when, where and the raw scans.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeLogEntry {
    pub op_id: OpId,
    pub device_id: DeviceId,
    /// Gapless per device, starting at 1.
    pub seq: u64,
    pub schema_version: u32,
    pub warehouse_id: WarehouseId,
    /// Badge code of the signed-in operator.
    pub operator: String,
    /// The device's clock when the operation was recorded. For display only: ordering uses `seq`.
    pub device_time: DateTime<Utc>,
    /// The raw scans behind the operation, exactly as the scanner sent them.
    pub scans: Vec<String>,
    /// The last server sequence number this device had pulled when it recorded the operation:
    /// what it could have known of other devices' work. Lets the server tell concurrent work
    /// (a move the counter had not seen) from work that happened in sequence.
    #[serde(default)]
    pub seen_cursor: u64,
    pub op: Operation,
}

mod outbound;
pub use outbound::{
    CloseCarton, MAX_CARTON_GRAMS, MAX_PACK_LINES, MAX_SHIPMENT_CARTONS, Pack, PackLine, Ship,
    weight_text,
};
mod read;
pub use read::{read_entry, read_entry_as_sent, read_entry_text, reread};

#[cfg(test)]
mod tests;
