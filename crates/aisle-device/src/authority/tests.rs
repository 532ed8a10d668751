//! The server's rules at the scan: a device with an operator list, downloaded lines and tasks
//! refuses what the server would hold or detach from its work, and records nothing.

use crate::DeviceError;
use crate::record::OpContext;
use crate::tests::{Fixture, download_order_line, receive, staffed};
use crate::work::{AdjustRequest, MoveRequest, PickRequest, ReceiveRequest};
use aisle_domain::PlateId;

fn log_len(f: &Fixture) -> usize {
    f.store.change_log(Default::default()).unwrap().len()
}

fn adjust(f: &mut Fixture, badge: &str) -> crate::Result<crate::record::Recorded> {
    let req = AdjustRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: "INT-BOLT".into(),
        qty: -1,
        reason: "damaged".into(),
        ..Default::default()
    };
    f.store.adjust(&req, &OpContext::new(badge))
}

#[test]
fn adjustments_need_a_supervisor_and_badges_must_be_known() {
    let mut f = staffed();
    receive(&mut f, "INT-BOLT", 5);
    let before = log_len(&f);
    let e = adjust(&mut f, "ALICE").unwrap_err();
    assert!(
        matches!(&e, DeviceError::Forbidden(m) if m.text.contains("not a supervisor")),
        "{e:?}"
    );
    let e = adjust(&mut f, "MALLORY").unwrap_err();
    assert!(
        matches!(&e, DeviceError::Forbidden(m) if m.text.contains("MALLORY")),
        "{e:?}"
    );
    assert_eq!(log_len(&f), before, "nothing recorded");
    adjust(&mut f, "SUP1").unwrap();
}

#[test]
fn a_pick_of_another_item_against_a_line_is_refused() {
    let mut f = staffed();
    receive(&mut f, "INT-BOLT", 5);
    receive(&mut f, "]C10105012345000015\u{1d}10L1\u{1d}17301231", 5);
    let line = download_order_line(&f, "BOLT", 3, 1);
    let pick = |item: &str| PickRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: item.into(),
        qty: Some(1),
        order_line: Some(line),
        ..Default::default()
    };
    let before = log_len(&f);
    let e = f
        .store
        .pick(&pick("]C10105012345000015\u{1d}10L1\u{1d}17301231"), &f.ctx)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("OIL is not the item of order line SO-1/1 (BOLT)"),
        "{e}"
    );
    assert_eq!(log_len(&f), before);
    f.store.pick(&pick("INT-BOLT"), &f.ctx).unwrap();
}

#[test]
fn labels_resolve_only_in_the_warehouse_they_name() {
    let mut f = staffed();
    receive(&mut f, "INT-BOLT", 5);
    let before = log_len(&f);
    for (label, says) in [
        ("LOC:ZZZ:A-01-2", "warehouse ZZZ, which does not exist"),
        (
            "LOC:WH2:A-01-2",
            "is in warehouse WH2; this device works in WH1",
        ),
        (
            "LOC:WH2:B-01",
            "is in warehouse WH2; this device works in WH1",
        ),
    ] {
        let req = MoveRequest {
            what: "INT-BOLT".into(),
            from: Some("LOC:WH1:RCV-01".into()),
            to: label.into(),
            qty: Some(1),
            ..Default::default()
        };
        let e = f.store.move_stock(&req, &f.ctx).unwrap_err();
        assert!(e.to_string().contains(says), "{label}: {e}");
    }
    assert_eq!(
        log_len(&f),
        before,
        "nothing recorded, not even an unknown scan"
    );
}

#[test]
fn a_new_plate_gets_the_id_of_its_code() {
    let mut f = staffed();
    let code = "340299910000000025";
    let req = ReceiveRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: "INT-BOLT".into(),
        qty: Some(2),
        plate: Some(code.into()),
        ..Default::default()
    };
    f.store.receive(&req, &f.ctx).unwrap();
    assert_eq!(
        f.store.plate_by_code(code).unwrap().unwrap().id,
        PlateId::for_code(code)
    );
    // A second receipt onto it (this device now knows the plate) lands on the same plate.
    f.store.receive(&req, &f.ctx).unwrap();
    let plate = f.store.plate(PlateId::for_code(code)).unwrap();
    assert_eq!(plate.code, code);
}
