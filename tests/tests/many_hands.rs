//! Many hands, one warehouse, against a real `aisle-server` process: devices share a new supplier
//! pallet offline and none of them wedges; a device enrolled later knows the pallet; work the
//! server may not apply is held, taken back by the device that did it, and everyone converges;
//! `aisle-server audit` agrees with the books.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_device::OpContext;
use aisle_device::work::{AdjustRequest, ReceiveRequest};
use aisle_domain::PlateId;
use aisle_e2e::{Device, Server, assert_converged, bin};
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

#[test]
fn devices_sharing_a_new_pallet_offline_converge_on_one_plate() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo(dir.path(), 20);
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

#[test]
fn work_held_by_the_server_is_taken_back_by_the_device_that_did_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo(dir.path(), 20);
    server.admin(&[
        "operator",
        "add",
        "--badge",
        "SUP2",
        "--name",
        "Sue",
        "--pin",
        "1111",
        "--role",
        "supervisor",
    ]);
    let mut a = Device::enrolled(dir.path(), &server, "A", &server.url);
    let mut b = Device::enrolled(dir.path(), &server, "B", &server.url);
    a.receive_units(5);
    a.sync();
    b.sync();
    // SUP2 stops being a supervisor; device A has not heard yet and lets her adjust.
    server.admin(&[
        "operator", "add", "--badge", "SUP2", "--name", "Sue", "--pin", "1111",
    ]);
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
