//! Admission rules against a fake state (a unit test's isolation; the server and device views
//! are exercised in their own crates and end to end in tests/).

use super::*;
use crate::ids::{DeviceId, OpId};
use crate::op::{Adjust, Pick, Receive, Transfer, UnknownScan};
use crate::reconcile::ViewResult;
use std::collections::HashMap;

struct Fake {
    wh: WarehouseId,
    roles: HashMap<String, Role>,
    items: HashMap<ItemId, String>,
    locations: HashMap<LocationId, (WarehouseId, String)>,
    plates: HashMap<String, PlateId>,
    orders: HashMap<OrderLineId, WorkLine>,
    tasks: HashMap<TaskId, TaskTarget>,
    leases: HashMap<WorkRef, Holder>,
}

impl WorkView for Fake {
    fn lease_holders(&self, work: WorkRef, _at: DateTime<Utc>) -> ViewResult<Vec<Holder>> {
        Ok(self.leases.get(&work).cloned().into_iter().collect())
    }
    fn operator_role(&self, badge: &str, _at: DateTime<Utc>) -> ViewResult<Option<Role>> {
        Ok(self.roles.get(badge).copied())
    }
    fn item_sku(&self, item: ItemId) -> ViewResult<Option<String>> {
        Ok(self.items.get(&item).cloned())
    }
    fn location(&self, id: LocationId) -> ViewResult<Option<(WarehouseId, String)>> {
        Ok(self.locations.get(&id).cloned())
    }
    fn plate_with_code(&self, code: &str) -> ViewResult<Option<PlateId>> {
        Ok(self.plates.get(code).copied())
    }
    fn order_line(&self, id: OrderLineId) -> ViewResult<Option<WorkLine>> {
        Ok(self.orders.get(&id).cloned())
    }
    fn receipt_line(&self, _id: ReceiptLineId) -> ViewResult<Option<WorkLine>> {
        Ok(None)
    }
    fn task(&self, id: TaskId) -> ViewResult<Option<TaskTarget>> {
        Ok(self.tasks.get(&id).cloned())
    }
}

struct World {
    view: Fake,
    bolt: ItemId,
    oil: ItemId,
    bin: LocationId,
    face: LocationId,
    other_wh_bin: LocationId,
}

fn world() -> World {
    let wh = WarehouseId::new();
    let (bolt, oil) = (ItemId::new(), ItemId::new());
    let (bin, face, other_wh_bin) = (LocationId::new(), LocationId::new(), LocationId::new());
    let view = Fake {
        wh,
        roles: HashMap::from([
            ("ALICE".to_string(), Role::Operator),
            ("SUP1".to_string(), Role::Supervisor),
            ("GONE".to_string(), Role::Disabled),
        ]),
        items: HashMap::from([(bolt, "BOLT".into()), (oil, "OIL".into())]),
        locations: HashMap::from([
            (bin, (wh, "B-01".into())),
            (face, (wh, "A-01".into())),
            (other_wh_bin, (WarehouseId::new(), "B-01".into())),
        ]),
        plates: HashMap::new(),
        orders: HashMap::new(),
        tasks: HashMap::new(),
        leases: HashMap::new(),
    };
    World {
        view,
        bolt,
        oil,
        bin,
        face,
        other_wh_bin,
    }
}

fn entry(w: &World, operator: &str, op: Operation) -> ChangeLogEntry {
    ChangeLogEntry {
        op_id: OpId::new(),
        device_id: DeviceId::new(),
        seq: 1,
        schema_version: 1,
        warehouse_id: w.view.wh,
        operator: operator.into(),
        device_time: Utc::now(),
        scans: vec![],
        seen_cursor: 0,
        op,
    }
}

fn key(item: ItemId, location: LocationId) -> StockKey {
    StockKey {
        item,
        location,
        lot: None,
        expiry: None,
        plate: None,
    }
}

fn admit_as(w: &World, operator: &str, op: Operation) -> Admission {
    let e = entry(w, operator, op);
    admit(&e, w.view.wh, e.device_time, &w.view).unwrap()
}

fn kinds(a: &Admission) -> Vec<ExceptionKind> {
    a.exceptions.iter().map(|x| x.kind).collect()
}

fn pick(w: &World, item: ItemId, line: Option<OrderLineId>) -> Operation {
    Operation::Pick(Pick {
        key: key(item, w.bin),
        qty: 2,
        requested: None,
        short_reason: None,
        order_line: line,
        serials: vec![],
    })
}

fn adjust(w: &World) -> Operation {
    Operation::Adjust(Adjust {
        key: key(w.bolt, w.bin),
        qty: -1,
        reason: "damaged".into(),
        note: None,
    })
}

#[test]
fn clean_work_is_applied_with_its_work() {
    let w = world();
    let a = admit_as(&w, "ALICE", pick(&w, w.bolt, None));
    assert!(a.is_clean(), "{a:?}");
}

#[test]
fn an_unknown_badge_is_held() {
    let w = world();
    let a = admit_as(&w, "MALLORY", pick(&w, w.bolt, None));
    assert_eq!(a.verdict, Verdict::Hold);
    assert_eq!(kinds(&a), [ExceptionKind::Unauthorized]);
    assert!(a.reason().is_some_and(|r| r.contains("MALLORY")));
}

#[test]
fn work_by_a_disabled_badge_is_held() {
    let w = world();
    let a = admit_as(&w, "GONE", pick(&w, w.bolt, None));
    assert_eq!(a.verdict, Verdict::Hold);
    assert_eq!(kinds(&a), [ExceptionKind::Unauthorized]);
    assert!(a.reason().is_some_and(|r| r.contains("GONE was disabled")));
}

#[test]
fn adjustments_need_a_supervisor() {
    let w = world();
    let a = admit_as(&w, "ALICE", adjust(&w));
    assert_eq!(a.verdict, Verdict::Hold);
    assert_eq!(kinds(&a), [ExceptionKind::Unauthorized]);
    assert!(admit_as(&w, "SUP1", adjust(&w)).is_clean());
}

#[test]
fn unknown_scans_need_no_known_operator() {
    let w = world();
    let op = Operation::UnknownScan(UnknownScan {
        raw: "X".into(),
        expected: "item".into(),
        location: None,
    });
    assert!(admit_as(&w, "NOBODY", op).is_clean());
}

#[test]
fn unknown_master_data_and_other_warehouses_are_held() {
    let w = world();
    let a = admit_as(&w, "ALICE", pick(&w, ItemId::new(), None));
    assert_eq!(
        (a.verdict, kinds(&a)),
        (Verdict::Hold, vec![ExceptionKind::InvalidOperation])
    );
    let mv = Operation::Move(Transfer {
        item: w.bolt,
        lot: None,
        expiry: None,
        from: w.bin,
        from_plate: None,
        to: w.other_wh_bin,
        to_plate: None,
        qty: 1,
        serials: vec![],
        task: None,
    });
    let a = admit_as(&w, "ALICE", mv);
    assert_eq!(a.verdict, Verdict::Hold);
    assert!(a.reason().is_some_and(|r| r.contains("another warehouse")));
    let mut e = entry(&w, "ALICE", pick(&w, w.bolt, None));
    e.warehouse_id = WarehouseId::new();
    let a = admit(&e, w.view.wh, e.device_time, &w.view).unwrap();
    assert_eq!(a.verdict, Verdict::Hold);
}

#[test]
fn invalid_operations_are_held_not_refused() {
    let w = world();
    let op = Operation::Pick(Pick {
        qty: -3,
        ..match pick(&w, w.bolt, None) {
            Operation::Pick(p) => p,
            _ => unreachable!(),
        }
    });
    let a = admit_as(&w, "ALICE", op);
    assert_eq!(
        (a.verdict, kinds(&a)),
        (Verdict::Hold, vec![ExceptionKind::InvalidOperation])
    );
}

#[test]
fn a_pick_of_another_item_does_not_count_against_the_line() {
    let mut w = world();
    let line = OrderLineId::new();
    w.view.orders.insert(
        line,
        WorkLine {
            reference: "SO-1/1".into(),
            warehouse: w.view.wh,
            item: w.bolt,
            closed: None,
            min_shelf_life_days: 0,
        },
    );
    assert!(admit_as(&w, "ALICE", pick(&w, w.bolt, Some(line))).is_clean());
    let a = admit_as(&w, "ALICE", pick(&w, w.oil, Some(line)));
    assert_eq!(a.verdict, Verdict::Apply { work: false });
    assert_eq!(kinds(&a), [ExceptionKind::WorkMismatch]);
    assert!(
        a.reason()
            .is_some_and(|r| r.contains("OIL") && r.contains("BOLT"))
    );
    // A shipped order takes no more picks.
    if let Some(l) = w.view.orders.get_mut(&line) {
        l.closed = Some(order_shipped("SO-1"));
    }
    let a = admit_as(&w, "ALICE", pick(&w, w.bolt, Some(line)));
    assert_eq!(a.verdict, Verdict::Apply { work: false });
    assert!(a.reason().is_some_and(|r| r.contains("shipped")));
    // A line nobody knows.
    let a = admit_as(&w, "ALICE", pick(&w, w.bolt, Some(OrderLineId::new())));
    assert_eq!(a.verdict, Verdict::Apply { work: false });
}

#[test]
fn work_on_a_closed_task_is_applied_but_not_counted() {
    let mut w = world();
    let task = TaskId::new();
    w.view.tasks.insert(
        task,
        TaskTarget {
            warehouse: w.view.wh,
            item: w.bolt,
            from: Some(w.bin),
            to: w.face,
            closed: None,
        },
    );
    let mv = |from, to| {
        Operation::Move(Transfer {
            item: w.bolt,
            lot: None,
            expiry: None,
            from,
            from_plate: None,
            to,
            to_plate: None,
            qty: 5,
            serials: vec![],
            task: Some(task),
        })
    };
    assert!(admit_as(&w, "ALICE", mv(w.bin, w.face)).is_clean());
    let a = admit_as(&w, "ALICE", mv(w.face, w.bin));
    assert_eq!(a.verdict, Verdict::Apply { work: false });
    if let Some(t) = w.view.tasks.get_mut(&task) {
        t.closed = Some(task_status("done"));
    }
    let a = admit_as(&w, "ALICE", mv(w.bin, w.face));
    assert_eq!(a.verdict, Verdict::Apply { work: false });
    assert!(a.reason().is_some_and(|r| r.contains("is done")));
    // The status is a word of its own, said in the reader's language.
    let why = a.reason().and_then(|r| r.args.get("why"));
    assert!(
        matches!(why, Some(crate::said::Arg::Said(s)) if s.key == "admission.task_done"),
        "{why:?}"
    );
}

#[test]
fn a_plate_code_under_another_identity_is_a_conflict() {
    let mut w = world();
    let code = "340299910000000025";
    w.view.plates.insert(code.into(), PlateId::new());
    let receive = |plate| {
        Operation::Receive(Receive {
            key: StockKey {
                plate: Some(plate),
                ..key(w.bolt, w.bin)
            },
            qty: 4,
            pack: None,
            serials: vec![],
            receipt_line: None,
            plate_code: Some(code.into()),
        })
    };
    let a = admit_as(&w, "ALICE", receive(PlateId::for_code(code)));
    assert_eq!(a.verdict, Verdict::Apply { work: true });
    assert_eq!(kinds(&a), [ExceptionKind::PlateConflict]);
    w.view.plates.insert(code.into(), PlateId::for_code(code));
    assert!(admit_as(&w, "ALICE", receive(PlateId::for_code(code))).is_clean());
}

#[test]
fn without_work_drops_only_the_work_reference() {
    let w = world();
    let line = OrderLineId::new();
    let op = pick(&w, w.bolt, Some(line));
    let bare = op.without_work();
    assert_eq!(bare, pick(&w, w.bolt, None));
    assert_eq!(bare.effects(), op.effects());
}

#[test]
fn unknown_exception_kinds_from_a_newer_server_decode() {
    let k: ExceptionKind = serde_json::from_str("\"something_new\"").unwrap();
    assert_eq!(k, ExceptionKind::Other);
    assert!(!k.holds_operation());
    for k in ExceptionKind::ALL {
        let text = serde_json::to_string(&k).unwrap();
        assert_eq!(serde_json::from_str::<ExceptionKind>(&text).unwrap(), k);
        assert_eq!(ExceptionKind::parse(k.as_str()), Some(k));
    }
}

#[test]
fn work_assigned_to_another_device_does_not_count() {
    let mut w = world();
    let line = OrderLineId::new();
    w.view.orders.insert(
        line,
        WorkLine {
            reference: "SO-1/1".into(),
            warehouse: w.view.wh,
            item: w.bolt,
            closed: None,
            min_shelf_life_days: 0,
        },
    );
    let e = entry(&w, "ALICE", pick(&w, w.bolt, Some(line)));
    // Nobody holds it: anyone may do it.
    assert!(
        admit(&e, w.view.wh, e.device_time, &w.view)
            .unwrap()
            .is_clean()
    );
    // This device holds it.
    w.view.leases.insert(
        WorkRef::OrderLine(line),
        Holder {
            device: e.device_id,
            name: "T1".into(),
        },
    );
    assert!(
        admit(&e, w.view.wh, e.device_time, &w.view)
            .unwrap()
            .is_clean()
    );
    // Another device held it when the pick was made: applied, not counted.
    w.view.leases.insert(
        WorkRef::OrderLine(line),
        Holder {
            device: DeviceId::new(),
            name: "T2".into(),
        },
    );
    let a = admit(&e, w.view.wh, e.device_time, &w.view).unwrap();
    assert_eq!(a.verdict, Verdict::Apply { work: false });
    assert!(
        a.reason().is_some_and(|r| r.contains("assigned to T2")),
        "{a:?}"
    );
}

/// The server's side of the shelf-life rule: a pick for an order line of stock that expired (or
/// had too few days left) on the day of the pick moves the stock but does not count against the
/// line, whatever the device that recorded it knew.
#[test]
fn a_pick_of_expired_or_short_dated_stock_does_not_count_against_the_order() {
    let mut w = world();
    let line = OrderLineId::new();
    w.view.orders.insert(
        line,
        WorkLine {
            reference: "SO-1/1".into(),
            warehouse: w.view.wh,
            item: w.bolt,
            closed: None,
            min_shelf_life_days: 30,
        },
    );
    let picked_at = Utc::now();
    let today = picked_at.date_naive();
    let dated = |days: i64| {
        let mut op = pick(&w, w.bolt, Some(line));
        if let Operation::Pick(p) = &mut op {
            p.key.expiry = Some(today + chrono::Duration::days(days));
        }
        op
    };
    let a = admit_as(&w, "ALICE", dated(-1));
    assert_eq!(a.verdict, Verdict::Apply { work: false });
    assert_eq!(kinds(&a), [ExceptionKind::WorkMismatch]);
    assert!(
        a.reason().unwrap().contains("expired on"),
        "{:?}",
        a.reason()
    );
    let a = admit_as(&w, "ALICE", dated(29));
    assert_eq!(a.verdict, Verdict::Apply { work: false });
    assert!(a.reason().unwrap().contains("at least 30 must be left"));
    assert!(admit_as(&w, "ALICE", dated(30)).is_clean());
    // Undated stock and picks without an order are not the rule's business.
    assert!(admit_as(&w, "ALICE", pick(&w, w.bolt, Some(line))).is_clean());
    let mut loose = dated(-5);
    if let Operation::Pick(p) = &mut loose {
        p.order_line = None;
    }
    assert!(admit_as(&w, "ALICE", loose).is_clean());
}
