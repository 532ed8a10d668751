//! Many hands, one warehouse, against a real `aisle-server` process: devices share a new supplier
//! pallet offline and none of them wedges; a device enrolled later knows the pallet; work the
//! server may not apply is held, taken back by the device that did it, and everyone converges;
//! `aisle-server audit` agrees with the books.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_device::OpContext;
use aisle_device::work::{AdjustRequest, ReceiveRequest};
use aisle_domain::PlateId;
use aisle_e2e::{Backend, Device, Server, assert_converged, bin};
use std::process::Command;

const ITEM: &str = "5012345000015"; // demo item 1 (HAR-00001), untracked
const SSCC: &str = "340299910000000025";

fn receive_onto_plate(d: &mut Device, qty: i64) {
    let req = ReceiveRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: ITEM.into(),
        qty: Some(qty),
        plate: Some(SSCC.into()),
        ..Default::default()
    };
    d.store.receive(&req, &d.ctx).unwrap();
}

/// `aisle-server audit --json`: whether it exited 0, and what it printed.
fn audit(server: &Server) -> (bool, serde_json::Value) {
    let out = Command::new(bin("aisle-server"))
        .arg("--db")
        .arg(&server.db)
        .args(["audit", "--json"])
        .output()
        .unwrap();
    (
        out.status.success(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

aisle_e2e::on_both!(devices_sharing_a_new_pallet_offline_converge_on_one_plate);
fn devices_sharing_a_new_pallet_offline_converge_on_one_plate(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 20);
    let mut a = Device::enrolled(dir.path(), &server, "A", &server.url);
    let mut b = Device::enrolled(dir.path(), &server, "B", &server.url);
    // Both receive onto the same supplier SSCC before either syncs.
    receive_onto_plate(&mut a, 4);
    receive_onto_plate(&mut b, 6);
    // B's later work must not be stuck behind the shared plate.
    b.receive_units(2);
    a.sync();
    let report = b.sync();
    assert_eq!(report.pending, 0, "B's sync made progress: {report:?}");
    a.sync();
    let plate = PlateId::for_code(SSCC);
    for d in [&a, &b] {
        let p = d.store.plate_by_code(SSCC).unwrap().unwrap();
        assert_eq!(p.id, plate);
    }
    // A device enrolled afterwards knows the plate from its snapshot, and its stock is on it.
    let mut c = Device::enrolled(dir.path(), &server, "C", &server.url);
    let p = c
        .store
        .plate_by_code(SSCC)
        .unwrap()
        .expect("the snapshot carries plates");
    assert_eq!(p.id, plate);
    let on_plate: i64 = aisle_e2e::all_stock(&c.store)
        .iter()
        .filter(|l| l.plate.as_deref() == Some(SSCC))
        .map(|l| l.qty)
        .sum();
    assert_eq!(on_plate, 10);
    // It receives onto the same plate: no second plate, and everyone still agrees.
    receive_onto_plate(&mut c, 1);
    c.sync();
    a.sync();
    b.sync();
    assert_converged(&server, &mut [&mut a, &mut b, &mut c]);
    assert!(
        server
            .exceptions()
            .iter()
            .all(|(k, _)| k != "plate_conflict"),
        "{:?}",
        server.exceptions()
    );
    let (ok, report) = audit(&server);
    assert!(ok, "{report}");
}

aisle_e2e::on_both!(work_held_by_the_server_is_taken_back_by_the_device_that_did_it);
fn work_held_by_the_server_is_taken_back_by_the_device_that_did_it(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 20);
    server.set_operator("SUP2", true);
    let mut a = Device::enrolled(dir.path(), &server, "A", &server.url);
    let mut b = Device::enrolled(dir.path(), &server, "B", &server.url);
    a.receive_units(5);
    a.sync();
    b.sync();
    // SUP2 stops being a supervisor; device A has not heard yet and lets her adjust.
    server.set_operator("SUP2", false);
    std::thread::sleep(std::time::Duration::from_millis(20));
    a.store
        .adjust(
            &AdjustRequest {
                location: "LOC:WH1:RCV-01".into(),
                item: ITEM.into(),
                qty: -2,
                reason: "damaged".into(),
                ..Default::default()
            },
            &OpContext::new("SUP2"),
        )
        .unwrap();
    a.receive_units(1);
    a.sync();
    b.sync();
    // The adjustment is logged but held: no device's stock has it, A's included.
    let held: Vec<_> = server
        .exceptions()
        .into_iter()
        .filter(|(k, _)| k == "unauthorized")
        .collect();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_converged(&server, &mut [&mut a, &mut b]);
    // And A now refuses SUP2's adjustments at the scan.
    let again = a.store.adjust(
        &AdjustRequest {
            location: "LOC:WH1:RCV-01".into(),
            item: ITEM.into(),
            qty: -1,
            reason: "damaged".into(),
            ..Default::default()
        },
        &OpContext::new("SUP2"),
    );
    assert!(again.is_err(), "{again:?}");
    let (ok, report) = audit(&server);
    assert!(ok, "{report}");
    assert_eq!(
        report["warehouses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["warehouse"] == "WH1")
            .unwrap()["held"],
        1
    );
}

aisle_e2e::on_both!(a_badge_disabled_while_tablets_are_offline_loses_no_scan_and_signs_in_nowhere);
fn a_badge_disabled_while_tablets_are_offline_loses_no_scan_and_signs_in_nowhere(backend: Backend) {
    // Whichever tablet syncs first after the disable.
    for b_first in [false, true] {
        eprintln!(
            "after the disable, {} syncs first",
            if b_first { "B" } else { "A" }
        );
        disabled_badge(backend, b_first);
    }
}

fn disabled_badge(backend: Backend, b_first: bool) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 20);
    let mut a = Device::enrolled(dir.path(), &server, "A", &server.url);
    let mut b = Device::enrolled(dir.path(), &server, "B", &server.url);
    // One badge works on both tablets (a picker who moves between them).
    let badge = a.ctx.operator.clone();
    b.ctx = OpContext::new(badge.clone());
    a.receive_units(2);
    b.receive_units(1);
    a.sync();
    b.sync();
    assert!(a.store.sign_in(&badge, "0000").is_ok());
    // A supervisor disables the badge while both tablets are offline; both go on working with it
    // (they cannot know), then sync in either order.
    let sup = aisle_e2e::Supervisor::sign_in(&server);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let r = sup.post(
        &format!("/v1/supervisor/operators/{badge}/disable"),
        serde_json::json!({}),
    );
    assert_eq!(r.status(), 200);
    std::thread::sleep(std::time::Duration::from_millis(20));
    a.receive_units(3);
    b.receive_units(4);
    if b_first {
        b.sync();
        a.sync();
        b.sync();
    } else {
        a.sync();
        b.sync();
        a.sync();
    }
    // No scan is lost: every operation of both tablets is on the server, the ones done after the
    // disable held for a supervisor (one exception each), none applied.
    let ids: Vec<String> = [a.id(), b.id()].into();
    let on_server = server.device_op_ids(&ids);
    let mut mine = a.op_ids();
    mine.extend(b.op_ids());
    mine.sort();
    let mut got = on_server.clone();
    got.sort();
    assert_eq!(got, mine, "every scan reached the server");
    let held: Vec<_> = server
        .exceptions()
        .into_iter()
        .filter(|(k, m)| k == "unauthorized" && m.contains("was disabled"))
        .collect();
    assert_eq!(held.len(), 7, "{held:?}");
    assert_converged(&server, &mut [&mut a, &mut b]);
    // Neither tablet signs the badge in any more, nor records work with it.
    for d in [&a, &b] {
        let refused = d.store.sign_in(&badge, "0000");
        assert!(
            refused
                .as_ref()
                .is_err_and(|e| e.to_string().contains("is disabled")),
            "{refused:?}"
        );
        assert!(!d.store.may_work(&badge).unwrap());
    }
    let refused = a.store.receive(
        &ReceiveRequest {
            location: "LOC:WH1:RCV-01".into(),
            item: ITEM.into(),
            ..Default::default()
        },
        &a.ctx,
    );
    assert!(refused.is_err(), "{refused:?}");
    // Enabled again: both tablets sign it in after their next sync.
    let r = sup.post(
        &format!("/v1/supervisor/operators/{badge}/enable"),
        serde_json::json!({}),
    );
    assert_eq!(r.status(), 200);
    a.sync();
    b.sync();
    for d in [&a, &b] {
        assert!(d.store.sign_in(&badge, "0000").is_ok());
    }
    let (ok, report) = audit(&server);
    assert!(ok, "{report}");
}

/// The order lines on a device's pick list (tasks and shortages).
fn listed_lines(d: &Device) -> std::collections::BTreeSet<aisle_domain::OrderLineId> {
    let list = d.store.pick_list().unwrap();
    list.tasks
        .iter()
        .map(|t| t.order_line)
        .chain(list.shortages.iter().map(|s| s.order_line))
        .collect()
}

aisle_e2e::on_both!(devices_claim_different_orders_and_work_only_their_own);
fn devices_claim_different_orders_and_work_only_their_own(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 40);
    let mut a = Device::enrolled(dir.path(), &server, "A", &server.url);
    let mut b = Device::enrolled(dir.path(), &server, "B", &server.url);
    let before = listed_lines(&a);
    assert!(!before.is_empty(), "the demo has orders to pick");
    // Each tablet takes one whole order at its sync (as the app does), then goes offline.
    let claim = aisle_device::sync::SyncOptions {
        claim: Some(aisle_proto::ClaimRequest {
            orders: 1,
            tasks: 0,
        }),
        ..aisle_e2e::quick()
    };
    assert!(a.store.sync(claim, &mut |_| {}).unwrap().claimed > 0);
    assert!(b.store.sync(claim, &mut |_| {}).unwrap().claimed > 0);
    a.sync();
    let (la, lb) = (listed_lines(&a), listed_lines(&b));
    assert!(!la.is_empty() && !lb.is_empty());
    assert!(la.is_disjoint(&lb), "{la:?} {lb:?}");
    assert!(la.len() < before.len(), "A no longer sees every line");
    // A picks B's work anyway: refused at the scan, nothing recorded.
    let task = b.store.pick_list().unwrap().tasks[0].clone();
    let barcode = a
        .store
        .item(task.item_id)
        .unwrap()
        .barcodes
        .first()
        .cloned()
        .unwrap();
    let pick = |t: &aisle_device::tasks::PickTask| aisle_device::work::PickRequest {
        location: t.location_barcode.clone(),
        item: barcode.to_string(),
        qty: Some(1),
        requested: Some(1),
        lot: t.lot.clone(),
        expiry: t.expiry,
        order_line: Some(t.order_line),
        ..Default::default()
    };
    let logged = a.op_ids().len();
    let e = a.store.pick(&pick(&task), &a.ctx).unwrap_err();
    assert!(e.to_string().contains("assigned to B"), "{e}");
    assert_eq!(a.op_ids().len(), logged);
    // B picks it; a supervisor moves B's order to A; A's sync renews it and A picks the rest.
    b.store.pick(&pick(&task), &b.ctx).unwrap();
    b.sync();
    server.admin(&[
        "leases",
        "assign",
        "--order-line",
        &task.order_line.to_string(),
        "--device",
        &a.id(),
        "--by",
        "SUP1",
    ]);
    a.store.sync(claim, &mut |_| {}).unwrap();
    assert!(listed_lines(&a).contains(&task.order_line));
    b.store.sync(claim, &mut |_| {}).unwrap();
    assert!(!listed_lines(&b).contains(&task.order_line));
    let list = server.admin(&["leases", "list", "--warehouse", "WH1"]);
    assert!(list.contains("held by A"), "{list}");
    assert_converged(&server, &mut [&mut a, &mut b]);
    assert!(
        server
            .exceptions()
            .iter()
            .all(|(k, _)| k != "work_mismatch" && k != "over_pick"),
        "{:?}",
        server.exceptions()
    );
}

aisle_e2e::on_both!(the_command_line_lists_work_by_reference_and_takes_the_references);
fn the_command_line_lists_work_by_reference_and_takes_the_references(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 40);
    let mut a = Device::enrolled(dir.path(), &server, "A", &server.url);
    let claim = aisle_device::sync::SyncOptions {
        claim: Some(aisle_proto::ClaimRequest {
            orders: 1,
            tasks: 0,
        }),
        ..aisle_e2e::quick()
    };
    a.store.sync(claim, &mut |_| {}).unwrap();
    let picks = aisle_e2e::aisle_cli(&a.path, &["picks"]);
    let text = String::from_utf8_lossy(&picks.stdout).to_string();
    assert!(picks.status.success(), "{text}");
    let first = a.store.pick_list().unwrap().tasks[0].clone();
    let reference = format!("{}/{}", first.order, first.line);
    assert!(
        text.contains(&format!("{reference} pick {}", first.qty)),
        "{text}"
    );
    let barcode = a.store.item(first.item_id).unwrap().barcodes[0].clone();
    let qty = first.qty.to_string();
    let done = aisle_e2e::aisle_cli(
        &a.path,
        &[
            "pick",
            "--at",
            &first.location_barcode,
            "--item",
            &barcode,
            "--qty",
            &qty,
            "--pack",
            "each",
            "--requested",
            &qty,
            "--order-line",
            &reference,
        ],
    );
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let unknown = aisle_e2e::aisle_cli(
        &a.path,
        &[
            "pick",
            "--at",
            &first.location_barcode,
            "--item",
            &barcode,
            "--order-line",
            "SO-0000/9",
        ],
    );
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("SO-0000/9"));
    let receipts = aisle_e2e::aisle_cli(&a.path, &["receipts"]);
    let text = String::from_utf8_lossy(&receipts.stdout);
    assert!(
        receipts.status.success() && text.contains(" received"),
        "{text}"
    );
    a.sync();
    let line = a
        .store
        .order_lines()
        .unwrap()
        .into_iter()
        .find(|l| l.id == first.order_line)
        .unwrap();
    assert_eq!(
        line.picked_qty, first.qty,
        "the server counted the pick against {reference}"
    );
}
