//! Admission: may an operation be applied as it was sent? One implementation for the server,
//! which is the authority over every pushed operation, and for devices, which check the same
//! rules offline so that the operator hears about a problem at the scan.
//!
//! Three outcomes, in order of severity:
//! - **held**: the operation is kept in the log but not applied anywhere (an unknown operator, a
//!   role that may not do it, an item or location the state does not know, another warehouse's
//!   location, a quantity no replica accepts). The device that recorded it takes it back; a
//!   supervisor can apply it later.
//! - **applied without its work**: the stock moved (the scan happened), but the order line,
//!   receipt line or task it names does not count it (the wrong item, a shipped order, a task that
//!   is done or cancelled, stock picked for an order that expired or is too short-dated on the day
//!   of the pick). A `work_mismatch` exception says why.
//! - **applied**, possibly with a `plate_conflict` note.
//!
//! Rules read the state through [`WorkView`], so they are the same whatever stores it.

use crate::Said;
use crate::ids::{
    DeviceId, ItemId, LocationId, OrderLineId, PlateId, ReceiptLineId, TaskId, WarehouseId,
};
use crate::ledger::StockKey;
use crate::op::{ChangeLogEntry, Operation};
use crate::reconcile::{ExceptionDraft, ExceptionKind, ViewResult};
use crate::shelf_life;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// What an operator may do. `Disabled`: a supervisor disabled the badge; work it did from then
/// on is held for a supervisor (work done before stands).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Operator,
    Supervisor,
    Disabled,
}

impl Role {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "operator" => Some(Self::Operator),
            "supervisor" => Some(Self::Supervisor),
            "disabled" => Some(Self::Disabled),
            _ => None,
        }
    }
}

/// An order or receipt line as admission needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkLine {
    /// Words for messages, e.g. `SO-1001/2`.
    pub reference: String,
    pub warehouse: WarehouseId,
    pub item: ItemId,
    /// Why no more work may count against it ([`order_shipped`]), if so.
    pub closed: Option<Said>,
    /// Days of shelf life dated stock picked for it must have left: the larger of the item's and
    /// the order line's minimum ([`crate::shelf_life`]); 0 for a receipt line.
    pub min_shelf_life_days: u32,
}

/// A task as admission needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskTarget {
    pub warehouse: WarehouseId,
    pub item: ItemId,
    /// Where a move task takes stock from; `None` for a count task.
    pub from: Option<LocationId>,
    /// Where a move task puts stock, or where a count task counts.
    pub to: LocationId,
    /// Why no more work may count against it ([`task_status`]: `done`, `cancelled`), if so.
    pub closed: Option<Said>,
}

/// Why an order line takes no more work: its order has shipped.
pub fn order_shipped(order: &str) -> Said {
    said!(
        "admission.order_shipped",
        "order {order} is shipped",
        order = order
    )
}

/// A task's status (`done`, `cancelled`) in words, for why it takes no more work.
pub fn task_status(status: &str) -> Said {
    match status {
        "done" => said!("admission.task_done", "done"),
        "cancelled" => said!("admission.task_cancelled", "cancelled"),
        other => Said::untranslated(other),
    }
}

/// Work that can be assigned to one device at a time (a lease).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkRef {
    OrderLine(OrderLineId),
    Task(TaskId),
}

impl WorkRef {
    /// `order_line` or `task`, as stored.
    pub fn kind(self) -> &'static str {
        match self {
            Self::OrderLine(_) => "order_line",
            Self::Task(_) => "task",
        }
    }

    /// The id as text, as stored.
    pub fn id_text(self) -> String {
        match self {
            Self::OrderLine(id) => id.to_string(),
            Self::Task(id) => id.to_string(),
        }
    }

    /// The assignable work an operation names, if any.
    pub fn of(op: &Operation) -> Option<Self> {
        match op {
            Operation::Pick(p) => p.order_line.map(Self::OrderLine),
            Operation::Putaway(t) | Operation::Move(t) => t.task.map(Self::Task),
            Operation::Count(c) => c.task.map(Self::Task),
            _ => None,
        }
    }
}

/// A device holding a lease on some work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub device: DeviceId,
    /// The device's name, for messages.
    pub name: String,
}

/// The state admission reads.
pub trait WorkView {
    /// The devices whose lease on `work` covered the time `at` (usually none or one). Work that
    /// nobody held may be done by anyone; work that others held is not counted for this device.
    fn lease_holders(&self, work: WorkRef, at: DateTime<Utc>) -> ViewResult<Vec<Holder>>;
    /// The operator's role at `at`, or `None` for a badge that is not an operator.
    fn operator_role(&self, badge: &str, at: DateTime<Utc>) -> ViewResult<Option<Role>>;
    /// The SKU of an item, if the item is known.
    fn item_sku(&self, item: ItemId) -> ViewResult<Option<String>>;
    /// The warehouse and code of a location, if known.
    fn location(&self, id: LocationId) -> ViewResult<Option<(WarehouseId, String)>>;
    /// The plate that has this code, if any.
    fn plate_with_code(&self, code: &str) -> ViewResult<Option<PlateId>>;
    fn order_line(&self, id: OrderLineId) -> ViewResult<Option<WorkLine>>;
    fn receipt_line(&self, id: ReceiptLineId) -> ViewResult<Option<WorkLine>>;
    fn task(&self, id: TaskId) -> ViewResult<Option<TaskTarget>>;
}

/// What happens to the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Apply its stock effects; count it against the work it names only when `work` is true.
    Apply { work: bool },
    /// Log it, apply nothing: a supervisor decides.
    Hold,
}

/// The verdict and the exceptions that explain it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    pub verdict: Verdict,
    pub exceptions: Vec<ExceptionDraft>,
}

impl Admission {
    /// Nothing to say: apply it and count its work.
    pub fn is_clean(&self) -> bool {
        self.verdict == Verdict::Apply { work: true } && self.exceptions.is_empty()
    }

    /// The first reason, for an operator refused at the scan.
    pub fn reason(&self) -> Option<&Said> {
        self.exceptions.first().map(|x| &x.message)
    }

    fn hold(kind: ExceptionKind, at: Option<LocationId>, message: Said) -> Self {
        Self {
            verdict: Verdict::Hold,
            exceptions: vec![ExceptionDraft {
                kind,
                key: None,
                location: at,
                related: vec![],
                message,
            }],
        }
    }
}

/// Items and locations an operation refers to.
fn references(op: &Operation) -> (Vec<ItemId>, Vec<LocationId>) {
    match op {
        Operation::Receive(r) => (vec![r.key.item], vec![r.key.location]),
        Operation::Putaway(t) | Operation::Move(t) => (vec![t.item], vec![t.from, t.to]),
        Operation::MovePlate(m) => (
            m.contents.iter().map(|l| l.item).collect(),
            vec![m.from, m.to],
        ),
        Operation::Pick(p) => (vec![p.key.item], vec![p.key.location]),
        Operation::Count(c) => (vec![c.key.item], vec![c.key.location]),
        Operation::Adjust(a) => (vec![a.key.item], vec![a.key.location]),
        Operation::Return(r) => (vec![r.key.item], vec![r.key.location]),
        Operation::UnknownScan(u) => (vec![], u.location.into_iter().collect()),
        Operation::Pack(p) => (p.lines.iter().map(|l| l.item).collect(), vec![]),
        Operation::Unreadable(_) | Operation::CloseCarton(_) | Operation::Ship(_) => {
            (vec![], vec![])
        }
    }
}

/// The plate an operation creates or names with its code.
fn named_plate(op: &Operation) -> Option<(PlateId, &str)> {
    match op {
        Operation::Receive(r) => r.key.plate.zip(r.plate_code.as_deref()),
        Operation::MovePlate(m) => Some((m.plate, m.plate_code.as_str())),
        _ => None,
    }
}

/// Decides whether `entry`, recorded by a device of `warehouse` at `at` (the server's corrected
/// time for the device's clock), may be applied as sent.
pub fn admit(
    entry: &ChangeLogEntry,
    warehouse: WarehouseId,
    when: DateTime<Utc>,
    view: &dyn WorkView,
) -> ViewResult<Admission> {
    let op = &entry.op;
    let at = op.location();
    if entry.operator.chars().any(char::is_control) {
        return Ok(Admission::hold(
            ExceptionKind::InvalidOperation,
            None,
            said!(
                "admission.badge_control_character",
                "{kind} by operator {operator:?}: a badge holds no control character",
                kind = op.kind(),
                operator = entry.operator
            ),
        ));
    }
    if let Err(e) = op.check() {
        return Ok(Admission::hold(
            ExceptionKind::InvalidOperation,
            None,
            said!(
                "admission.invalid",
                "{kind}: {reason}",
                kind = op.kind(),
                reason = e.said().text
            )
            .nest("reason", e.said()),
        ));
    }
    if entry.warehouse_id != warehouse {
        return Ok(Admission::hold(
            ExceptionKind::InvalidOperation,
            None,
            said!(
                "admission.other_warehouse",
                "{kind} recorded for another warehouse than the device's",
                kind = op.kind()
            ),
        ));
    }
    let (items, locations) = references(op);
    for item in items {
        if view.item_sku(item)?.is_none() {
            return Ok(Admission::hold(
                ExceptionKind::InvalidOperation,
                None,
                said!(
                    "admission.unknown_item",
                    "{kind} names item {item}, which is not known",
                    kind = op.kind(),
                    item = item
                ),
            ));
        }
    }
    for loc in locations {
        match view.location(loc)? {
            None => {
                return Ok(Admission::hold(
                    ExceptionKind::InvalidOperation,
                    None,
                    said!(
                        "admission.unknown_location",
                        "{kind} names location {loc}, which is not known",
                        kind = op.kind(),
                        loc = loc
                    ),
                ));
            }
            Some((wh, code)) if wh != warehouse => {
                return Ok(Admission::hold(
                    ExceptionKind::InvalidOperation,
                    None,
                    said!(
                        "admission.location_of_other_warehouse",
                        "{kind} names location {code} of another warehouse; nothing was recorded there",
                        kind = op.kind(),
                        code = code
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    // An unknown scan is a report, not stock work: anyone may make it.
    if !matches!(op, Operation::UnknownScan(_)) {
        let operator = entry.operator.trim();
        match view.operator_role(operator, when)? {
            None => {
                return Ok(Admission::hold(
                    ExceptionKind::Unauthorized,
                    at,
                    said!(
                        "admission.badge_not_known_operator",
                        "badge {operator:?} is not a known operator",
                        operator = operator
                    ),
                ));
            }
            Some(Role::Disabled) => {
                return Ok(Admission::hold(
                    ExceptionKind::Unauthorized,
                    at,
                    said!(
                        "admission.badge_was_disabled_before",
                        "badge {operator} was disabled before this work; it waits for a supervisor to release it",
                        operator = operator
                    ),
                ));
            }
            Some(Role::Operator) if matches!(op, Operation::Adjust(_)) => {
                return Ok(Admission::hold(
                    ExceptionKind::Unauthorized,
                    at,
                    said!(
                        "admission.not_supervisor_an_adjustment",
                        "{operator} is not a supervisor; an adjustment needs a supervisor to sign in",
                        operator = operator
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    let mut out = Admission {
        verdict: Verdict::Apply { work: true },
        exceptions: vec![],
    };
    if let Some((plate, code)) = named_plate(op)
        && let Some(other) = view.plate_with_code(code)?
        && other != plate
    {
        out.exceptions.push(ExceptionDraft {
            kind: ExceptionKind::PlateConflict,
            key: None,
            location: at,
            related: vec![],
            message: said!("admission.license_plate_already_exists", "license plate {code} already exists under another identity; the stock is kept under this operation's plate, which has no label of its own", code = code),
        });
    }
    let lost_lease = match WorkRef::of(op) {
        Some(work) => {
            let holders = view.lease_holders(work, when)?;
            if !holders.is_empty() && !holders.iter().any(|h| h.device == entry.device_id) {
                let names: Vec<&str> = holders.iter().map(|h| h.name.as_str()).collect();
                Some(match work {
                    WorkRef::OrderLine(_) => said!(
                        "admission.order_line_assigned_elsewhere",
                        "this order line was assigned to {holders} when the work was done",
                        holders = names.join(", ")
                    ),
                    WorkRef::Task(_) => said!(
                        "admission.task_assigned_elsewhere",
                        "this task was assigned to {holders} when the work was done",
                        holders = names.join(", ")
                    ),
                })
            } else {
                None
            }
        }
        None => None,
    };
    if let Some(why) = work_mismatch(op, warehouse, when.date_naive(), view)?.or(lost_lease) {
        out.verdict = Verdict::Apply { work: false };
        out.exceptions.push(ExceptionDraft {
            kind: ExceptionKind::WorkMismatch,
            key: stock_key(op),
            location: at,
            related: vec![],
            message: why,
        });
    }
    Ok(out)
}

fn stock_key(op: &Operation) -> Option<StockKey> {
    match op {
        Operation::Receive(r) => Some(r.key.clone()),
        Operation::Pick(p) => Some(p.key.clone()),
        Operation::Count(c) => Some(c.key.clone()),
        _ => None,
    }
}

/// Why the work an operation names cannot count it, if so.
fn work_mismatch(
    op: &Operation,
    warehouse: WarehouseId,
    today: NaiveDate,
    view: &dyn WorkView,
) -> ViewResult<Option<Said>> {
    let sku = |item| -> ViewResult<String> {
        Ok(view.item_sku(item)?.unwrap_or_else(|| item.to_string()))
    };
    // `what` names the line's kind, made only when there is something to say (this runs for
    // every entry a push or a scan checks).
    let line_check = |line: Option<WorkLine>, what: fn() -> Said, item: ItemId| -> ViewResult<_> {
        if line
            .as_ref()
            .is_some_and(|l| l.warehouse == warehouse && l.item == item && l.closed.is_none())
        {
            return Ok(None);
        }
        let what = what();
        let words = what.text.clone();
        Ok(match line {
            None => Some(said!(
                "admission.line_not_known",
                "the {what} line it names is not known",
                what = words
            )),
            Some(l) if l.warehouse != warehouse => Some(said!(
                "admission.line_of_other_warehouse",
                "{what} line {reference} belongs to another warehouse",
                what = words,
                reference = l.reference
            )),
            Some(l) if l.item != item => {
                let want = sku(l.item)?;
                Some(said!(
                    "admission.not_item_of_line",
                    "{sku} is not the item of {what} line {reference} ({want})",
                    sku = sku(item)?,
                    what = words,
                    reference = l.reference,
                    want = want
                ))
            }
            Some(WorkLine {
                closed: Some(why),
                reference,
                ..
            }) => Some(said!(
                "admission.line_closed",
                "{what} line {reference} takes no more work: {why}",
                what = words,
                reference = reference,
                why = why
            )),
            Some(_) => None,
        }
        .map(|m| m.nest("what", what)))
    };
    match op {
        Operation::Pick(p) => match p.order_line {
            Some(id) => {
                let line = view.order_line(id)?;
                let days = line.as_ref().map_or(0, |l| l.min_shelf_life_days);
                let reference = line.as_ref().map(|l| l.reference.clone());
                Ok(
                    line_check(line, || said!("admission.word_order", "order"), p.key.item)?
                        .or_else(|| {
                            let why = shelf_life::unsellable(p.key.expiry, today, days)?;
                            Some(said!(
                                "admission.unsellable",
                                "{why}: it may not be picked for order line {line}",
                                line = reference.unwrap_or_default(),
                                why = why
                            ))
                        }),
                )
            }
            None => Ok(None),
        },
        Operation::Receive(r) => match r.receipt_line {
            Some(id) => line_check(
                view.receipt_line(id)?,
                || said!("admission.word_receipt", "receipt"),
                r.key.item,
            ),
            None => Ok(None),
        },
        Operation::Putaway(t) | Operation::Move(t) => match t.task {
            Some(id) => task_check(view, warehouse, id, t.item, Some(t.from), t.to, &sku),
            None => Ok(None),
        },
        Operation::Count(c) => match c.task {
            Some(id) => task_check(view, warehouse, id, c.key.item, None, c.key.location, &sku),
            None => Ok(None),
        },
        _ => Ok(None),
    }
}

fn task_check(
    view: &dyn WorkView,
    warehouse: WarehouseId,
    id: TaskId,
    item: ItemId,
    from: Option<LocationId>,
    to: LocationId,
    sku: &dyn Fn(ItemId) -> ViewResult<String>,
) -> ViewResult<Option<Said>> {
    let Some(task) = view.task(id)? else {
        return Ok(Some(said!(
            "admission.task_not_known",
            "task {id} is not known",
            id = id
        )));
    };
    let code = |l: LocationId| -> ViewResult<String> {
        Ok(view.location(l)?.map_or_else(|| l.to_string(), |(_, c)| c))
    };
    // Made only for the two messages that name the task's kind.
    let what = || {
        if task.from.is_some() {
            said!("admission.word_move", "move")
        } else {
            said!("admission.word_count", "count")
        }
    };
    Ok(if let Some(why) = &task.closed {
        let what = what();
        Some(
            said!(
                "admission.task_closed",
                "{what} task {id} is {why}; work on it no longer counts",
                what = what.text.clone(),
                id = id,
                why = why
            )
            .nest("what", what),
        )
    } else if task.warehouse != warehouse {
        Some(said!(
            "admission.task_belongs_another_warehouse",
            "task {id} belongs to another warehouse",
            id = id
        ))
    } else if task.from.is_some() != from.is_some() {
        let what = what();
        Some(
            said!(
                "admission.task_other_kind",
                "task {id} is a {what} task; record it with a {what}",
                id = id,
                what = what.text.clone()
            )
            .nest("what", what),
        )
    } else if task.item != item {
        Some(said!(
            "admission.task_other_item",
            "task {id} is for {want}, not {got}",
            want = sku(task.item)?,
            got = sku(item)?,
            id = id
        ))
    } else if let (Some(want), Some(got)) = (task.from, from)
        && want != got
    {
        Some(said!(
            "admission.task_other_source",
            "task {id} takes the stock from {want}, not from {got}",
            got = code(got)?,
            want = code(want)?,
            id = id
        ))
    } else if task.to != to {
        Some(if from.is_some() {
            said!(
                "admission.task_other_target",
                "task {id} goes to {want}, not {got}",
                want = code(task.to)?,
                got = code(to)?,
                id = id
            )
        } else {
            said!(
                "admission.task_other_count_place",
                "task {id} counts at {want}, not {got}",
                want = code(task.to)?,
                got = code(to)?,
                id = id
            )
        })
    } else {
        None
    })
}

#[cfg(test)]
mod tests;
