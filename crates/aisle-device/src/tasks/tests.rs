//! Pick lists as several devices share them: only this device's work once it holds some, never a
//! shipped order, and never a bin waiting for a recount after a picker found it empty; several
//! orders in one walk, each in its own tote.

use crate::tests::{Fixture, download_order_line, download_order_line_of, fixture};
use crate::work::MoveRequest;
use aisle_domain::{DeviceId, OrderLineId, TaskId};
use aisle_proto::{Task, TaskStatus, TaskWork};

/// Stock of BOLT in both storage bins: 10 in the pick face A-01-2, 10 in A-01-1.
fn stocked() -> Fixture {
    let mut f = fixture();
    crate::tests::receive(&mut f, "INT-BOLT", 20);
    for (to, qty) in [("LOC:WH1:A-01-2", 10), ("LOC:WH1:A-01-1", 10)] {
        let req = MoveRequest {
            what: "INT-BOLT".into(),
            from: Some("LOC:WH1:RCV-01".into()),
            to: to.into(),
            qty: Some(qty),
            ..Default::default()
        };
        f.store.move_stock(&req, &f.ctx).unwrap();
    }
    f
}

fn listed(f: &Fixture) -> Vec<(OrderLineId, String, i64)> {
    f.store
        .pick_list()
        .unwrap()
        .tasks
        .into_iter()
        .map(|t| (t.order_line, t.location, t.qty))
        .collect()
}

fn lease(f: &Fixture, work: &str, device: DeviceId, name: &str) {
    f.store
        .conn()
        .execute(
            "INSERT INTO leases (work, device_id, device_name, expires_at) VALUES (?1, ?2, ?3, '2999-01-01T00:00:00.000Z')",
            [work, &device.to_string(), name],
        )
        .unwrap();
}

#[test]
fn a_device_that_holds_work_lists_only_its_own() {
    let f = stocked();
    let a = download_order_line(&f, "BOLT", 2, 1);
    let b = download_order_line(&f, "BOLT", 3, 2);
    assert_eq!(listed(&f).len(), 2, "nobody holds anything: all of it");
    lease(&f, &format!("order_line:{b}"), DeviceId::new(), "T2");
    let lines: Vec<OrderLineId> = listed(&f).into_iter().map(|t| t.0).collect();
    assert_eq!(lines, vec![a], "another device's line is not on this list");
    let own = f.store.device().unwrap().device_id;
    let c = download_order_line(&f, "BOLT", 1, 3);
    lease(&f, &format!("order_line:{c}"), own, "T1");
    let lines: Vec<OrderLineId> = listed(&f).into_iter().map(|t| t.0).collect();
    assert_eq!(lines, vec![c], "once it holds work, only its own");
}

fn totes(f: &Fixture) -> Vec<(String, u32)> {
    let mut v: Vec<(String, u32)> = f
        .store
        .pick_list()
        .unwrap()
        .tasks
        .into_iter()
        .map(|t| (t.order, t.tote))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Picks every task of `order` on the walk in full.
fn pick_order(f: &mut Fixture, order: &str) {
    let tasks: Vec<_> = f
        .store
        .pick_list()
        .unwrap()
        .tasks
        .into_iter()
        .filter(|t| t.order == order)
        .collect();
    assert!(!tasks.is_empty(), "{order} is on the walk");
    for t in tasks {
        let item = f.store.item(t.item_id).unwrap().barcodes[0].clone();
        let req = crate::work::PickRequest {
            location: format!("LOC:WH1:{}", t.location),
            item,
            qty: Some(t.qty),
            order_line: Some(t.order_line),
            ..Default::default()
        };
        f.store.pick(&req, &f.ctx).unwrap();
    }
}

#[test]
fn an_order_whose_last_line_is_short_keeps_its_tote() {
    let mut f = stocked();
    download_order_line_of(&f, "SO-E", "BOLT", 1, 1);
    // Nothing of the drill is in stock on this device: that line is short.
    download_order_line_of(&f, "SO-E", "DRILL", 1, 2);
    assert_eq!(totes(&f), vec![("SO-E".to_string(), 1)]);
    pick_order(&mut f, "SO-E");
    assert_eq!(totes(&f), vec![], "nothing of SO-E left to walk to");
    download_order_line_of(&f, "SO-F", "BOLT", 1, 1);
    assert_eq!(
        totes(&f),
        vec![("SO-F".to_string(), 2)],
        "tote 1 still holds SO-E's bolt, waiting for its drill"
    );
}

#[test]
fn each_order_on_a_walk_keeps_its_own_tote_until_it_is_picked() {
    let mut f = stocked();
    download_order_line_of(&f, "SO-A", "BOLT", 2, 1);
    download_order_line_of(&f, "SO-B", "BOLT", 3, 1);
    download_order_line_of(&f, "SO-B", "BOLT", 1, 2);
    assert_eq!(
        totes(&f),
        vec![("SO-A".to_string(), 1), ("SO-B".to_string(), 2)],
        "one tote per order, lines of one order together"
    );
    // SO-A is picked: its tote is free; SO-B keeps tote 2 and a new order takes tote 1.
    pick_order(&mut f, "SO-A");
    assert_eq!(totes(&f), vec![("SO-B".to_string(), 2)]);
    download_order_line_of(&f, "SO-C", "BOLT", 1, 1);
    assert_eq!(
        totes(&f),
        vec![("SO-B".to_string(), 2), ("SO-C".to_string(), 1)],
        "a tote in use is never renumbered"
    );
}

#[test]
fn a_bin_waiting_for_its_recount_is_not_picked_from() {
    let f = stocked();
    download_order_line(&f, "BOLT", 4, 1);
    let first = listed(&f);
    assert_eq!(first.len(), 1);
    let (_, bin, _) = first[0].clone();
    let bolt = f.store.item_by_sku("BOLT").unwrap().unwrap();
    let loc = f
        .store
        .location_by_label(&bin, f.store.device().unwrap().warehouse_id)
        .unwrap()
        .unwrap();
    let task = Task {
        id: TaskId::new(),
        warehouse_id: loc.warehouse_id,
        work: TaskWork::Count {
            item_id: bolt.id,
            location_id: loc.id,
            blind: true,
        },
        reason: "recount".into(),
        reason_said: None,
        status: TaskStatus::Open,
        done_qty: 0,
        created_at: chrono::Utc::now(),
        blocks_picking: true,
    };
    f.store
        .conn()
        .execute(
            "INSERT INTO tasks (id, status, body) VALUES (?1, 'open', ?2)",
            [task.id.to_string(), serde_json::to_string(&task).unwrap()],
        )
        .unwrap();
    let now = listed(&f);
    assert_eq!(now.len(), 1, "{now:?}");
    assert_ne!(now[0].1, bin, "the pick goes to the other bin");
}

#[test]
fn a_top_up_task_moves_exactly_its_lot_and_expiry() {
    let mut f = fixture();
    let oil = f.store.item_by_sku("OIL").unwrap().unwrap();
    let wh = f.store.device().unwrap().warehouse_id;
    let at = |code: &str| f.store.location_by_label(code, wh).unwrap().unwrap();
    let (from, to) = (at("A-01-1"), at("A-01-2"));
    let expiry = chrono::NaiveDate::from_ymd_opt(2030, 1, 31);
    let task = Task {
        id: TaskId::new(),
        warehouse_id: from.warehouse_id,
        work: TaskWork::Move {
            item_id: oil.id,
            from: from.id,
            to: to.id,
            lot: Some("L9".into()),
            expiry,
            qty: 2,
        },
        reason: "top up".into(),
        reason_said: None,
        status: TaskStatus::Open,
        done_qty: 0,
        created_at: chrono::Utc::now(),
        blocks_picking: false,
    };
    f.store
        .conn()
        .execute(
            "INSERT INTO tasks (id, status, body) VALUES (?1, 'open', ?2)",
            [task.id.to_string(), serde_json::to_string(&task).unwrap()],
        )
        .unwrap();
    // The device knows no stock at the source (its view is stale); the scan has no lot.
    let req = MoveRequest {
        what: "5012345000015".into(),
        from: Some("LOC:WH1:A-01-1".into()),
        to: "LOC:WH1:A-01-2".into(),
        qty: Some(2),
        task: Some(task.id),
        ..Default::default()
    };
    let rec = f.store.move_stock(&req, &f.ctx).unwrap();
    match rec.entry.op {
        aisle_domain::op::Operation::Move(t) => {
            assert_eq!((t.lot.as_deref(), t.expiry), (Some("L9"), expiry));
        }
        other => panic!("not a move: {other:?}"),
    }
}
