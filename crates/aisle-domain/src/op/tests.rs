//! Ledger rules: conservation for moves, payload round trips and the rules every replica enforces.

use super::*;
use crate::ledger::{net, net_by_item};
use proptest::prelude::*;

fn key(item: ItemId, loc: LocationId) -> StockKey {
    StockKey {
        item,
        location: loc,
        lot: None,
        expiry: None,
        plate: None,
    }
}

fn ids() -> (ItemId, LocationId, LocationId) {
    (ItemId::new(), LocationId::new(), LocationId::new())
}

#[test]
fn receive_pick_adjust_and_count_change_stock_by_their_quantities() {
    let (item, a, _) = ids();
    let recv = Operation::Receive(Receive {
        key: key(item, a),
        qty: 10,
        pack: None,
        serials: vec![],
        receipt_line: None,
        plate_code: None,
    });
    let pick = Operation::Pick(Pick {
        key: key(item, a),
        qty: 3,
        requested: Some(4),
        short_reason: Some("damaged".into()),
        order_line: None,
        serials: vec![],
    });
    let count = Operation::Count(Count {
        key: key(item, a),
        counted: 6,
        expected: 7,
        blind: true,
        task: None,
    });
    let adjust = Operation::Adjust(Adjust {
        key: key(item, a),
        qty: 2,
        reason: "found".into(),
        note: None,
    });
    for op in [&recv, &pick, &count, &adjust] {
        op.check().unwrap();
    }
    let all: Vec<_> = [recv, pick, count, adjust]
        .iter()
        .flat_map(Operation::effects)
        .collect();
    assert_eq!(net(all).get(&key(item, a)), Some(&(10 - 3 - 1 + 2)));
}

#[test]
fn structural_rules_are_enforced() {
    let (item, a, b) = ids();
    let t = Transfer {
        item,
        lot: None,
        expiry: None,
        from: a,
        from_plate: None,
        to: a,
        to_plate: None,
        qty: 1,
        serials: vec![],
        task: None,
    };
    assert_eq!(Operation::Move(t.clone()).check(), Err(OpError::SamePlace));
    let ok = Transfer { to: b, ..t.clone() };
    Operation::Move(ok.clone()).check().unwrap();
    assert!(matches!(
        Operation::Move(Transfer {
            qty: 0,
            ..ok.clone()
        })
        .check(),
        Err(OpError::Quantity { .. })
    ));
    assert_eq!(
        Operation::Move(Transfer {
            qty: 2,
            serials: vec!["S1".into(), "S1".into()],
            ..ok
        })
        .check(),
        Err(OpError::DuplicateSerial("S1".into()))
    );
    let short = Pick {
        key: key(item, a),
        qty: 1,
        requested: Some(3),
        short_reason: None,
        order_line: None,
        serials: vec![],
    };
    assert_eq!(
        Operation::Pick(short.clone()).check(),
        Err(OpError::ShortWithoutReason {
            qty: 1,
            requested: 3
        })
    );
    assert_eq!(
        Operation::Pick(Pick { qty: 4, ..short }).check(),
        Err(OpError::OverPick {
            qty: 4,
            requested: 3
        })
    );
    let adj = Adjust {
        key: key(item, a),
        qty: -1,
        reason: " ".into(),
        note: None,
    };
    assert_eq!(
        Operation::Adjust(adj).check(),
        Err(OpError::AdjustmentWithoutReason)
    );
}

#[test]
fn payloads_round_trip_and_are_tagged_by_type() {
    let (item, a, b) = ids();
    let op = Operation::MovePlate(PlateMove {
        plate: PlateId::new(),
        plate_code: "LP000001".into(),
        from: a,
        to: b,
        contents: vec![PlateLine {
            item,
            lot: Some("L1".into()),
            expiry: NaiveDate::from_ymd_opt(2027, 1, 31),
            qty: 40,
        }],
        putaway: true,
    });
    let json = serde_json::to_value(&op).unwrap();
    assert_eq!(json["type"], "move_plate");
    let back: Operation = serde_json::from_value(json).unwrap();
    assert_eq!(back, op);
    assert_eq!(back.kind().as_str(), "move_plate");
}

fn arb_transfer() -> impl Strategy<Value = Operation> {
    (
        1i64..1000,
        any::<bool>(),
        proptest::option::of("[A-Z]{1,3}"),
        any::<bool>(),
    )
        .prop_map(|(qty, plate, lot, putaway)| {
            let (item, a, b) = ids();
            let t = Transfer {
                item,
                lot,
                expiry: None,
                from: a,
                from_plate: plate.then(PlateId::new),
                to: b,
                to_plate: None,
                qty,
                serials: vec![],
                task: None,
            };
            if putaway {
                Operation::Putaway(t)
            } else {
                Operation::Move(t)
            }
        })
}

fn arb_plate_move() -> impl Strategy<Value = Operation> {
    proptest::collection::vec((1i64..500, proptest::option::of("[A-Z0-9]{1,4}")), 0..6).prop_map(
        |lines| {
            let (_, a, b) = ids();
            Operation::MovePlate(PlateMove {
                plate: PlateId::new(),
                plate_code: "LP1".into(),
                from: a,
                to: b,
                contents: lines
                    .into_iter()
                    .map(|(qty, lot)| PlateLine {
                        item: ItemId::new(),
                        lot,
                        expiry: None,
                        qty,
                    })
                    .collect(),
                putaway: false,
            })
        },
    )
}

proptest! {
    /// Moves, putaways and plate moves never create or destroy stock of any item.
    #[test]
    fn moves_conserve_quantity(op in prop_oneof![arb_transfer(), arb_plate_move()]) {
        op.check().unwrap();
        let effects = op.effects();
        prop_assert!(net_by_item(&effects).is_empty(), "{:?}", effects);
    }

    /// Replaying a set of operations in any order gives the same on-hand figures.
    #[test]
    fn effects_commute(ops in proptest::collection::vec(prop_oneof![arb_transfer(), arb_plate_move()], 1..12), seed in any::<u64>()) {
        let forward: Vec<Delta> = ops.iter().flat_map(Operation::effects).collect();
        let mut shuffled = ops.clone();
        fastrand::Rng::with_seed(seed).shuffle(&mut shuffled);
        let other: Vec<Delta> = shuffled.iter().flat_map(Operation::effects).collect();
        prop_assert_eq!(net(forward), net(other));
    }

    /// A count always brings the counted key to exactly the counted quantity from the expected one.
    #[test]
    fn count_moves_expected_to_counted(expected in -50i64..500, counted in 0i64..500) {
        let (item, a, _) = ids();
        let op = Operation::Count(Count { key: key(item, a), counted, expected, blind: false, task: None });
        let total: i64 = expected + op.effects().iter().map(|d| d.qty).sum::<i64>();
        prop_assert_eq!(total, counted);
    }
}

#[test]
fn a_short_pick_says_when_the_stock_was_not_there() {
    let pick = |qty, requested: Option<i64>, reason: Option<&str>| Pick {
        key: StockKey {
            item: ItemId::new(),
            location: LocationId::new(),
            lot: None,
            expiry: None,
            plate: None,
        },
        qty,
        requested,
        short_reason: reason.map(String::from),
        order_line: None,
        serials: vec![],
    };
    assert!(pick(0, Some(3), Some("Location empty")).reports_missing_stock());
    assert!(pick(1, Some(3), Some("not_found")).reports_missing_stock());
    assert!(!pick(1, Some(3), Some("damaged")).reports_missing_stock());
    assert!(
        !pick(3, Some(3), Some("not found")).reports_missing_stock(),
        "not short"
    );
    assert!(!pick(3, None, None).reports_missing_stock());
}

#[test]
fn a_quantity_the_size_of_a_barcode_is_refused() {
    let key = StockKey {
        item: ItemId::new(),
        location: LocationId::new(),
        lot: None,
        expiry: None,
        plate: None,
    };
    let receive = |qty| {
        Operation::Receive(Receive {
            key: key.clone(),
            qty,
            pack: None,
            serials: vec![],
            receipt_line: None,
            plate_code: None,
        })
    };
    assert!(receive(MAX_QTY).check().is_ok());
    let e = receive(5_012_345_000_022).check().unwrap_err();
    assert!(e.to_string().contains("a barcode is not a quantity"), "{e}");
    let adjust = Operation::Adjust(Adjust {
        key: key.clone(),
        qty: i64::MIN,
        reason: "x".into(),
        note: None,
    });
    assert!(
        adjust.check().is_err(),
        "no overflow on the most negative number either"
    );
}

/// Codes printed on labels hold no control character; other text holds no NUL (PostgreSQL's
/// text cannot keep it); an unknown scan keeps its GS separators as scanned.
#[test]
fn control_characters_are_refused_where_no_label_or_keyboard_puts_them() {
    let (item, a, _) = ids();
    let receive = |lot: &str, plate_code: Option<&str>| {
        Operation::Receive(Receive {
            key: StockKey {
                lot: Some(lot.into()),
                ..key(item, a)
            },
            qty: 1,
            pack: None,
            serials: vec![],
            receipt_line: None,
            plate_code: plate_code.map(String::from),
        })
    };
    assert!(receive("L1", Some("340299910000000025")).check().is_ok());
    for (lot, plate) in [
        ("L\u{1d}1", None),
        ("L\u{0}1", None),
        ("L1", Some("34\u{0}")),
    ] {
        assert!(
            matches!(
                receive(lot, plate).check(),
                Err(OpError::ControlCharacter { .. })
            ),
            "{lot:?} {plate:?}"
        );
    }
    let adjust = |reason: &str| {
        Operation::Adjust(Adjust {
            key: key(item, a),
            qty: 1,
            reason: reason.into(),
            note: None,
        })
    };
    assert!(adjust("damaged\tbox").check().is_ok());
    assert!(adjust("damaged\u{0}").check().is_err());
    let scan = |raw: &str| {
        Operation::UnknownScan(UnknownScan {
            raw: raw.into(),
            expected: "item".into(),
            location: None,
        })
    };
    assert!(
        scan("]C1010950600013435210L1\u{1d}17270101")
            .check()
            .is_ok()
    );
    let refused = scan("X\u{0}").check().unwrap_err();
    assert!(refused.to_string().contains("\\0"), "{refused}");
}

#[test]
fn outbound_operations_are_checked() {
    use super::{CloseCarton, Pack, PackLine, Ship};
    let line = |qty| PackLine {
        order_line: None,
        item: ItemId::new(),
        lot: None,
        qty,
    };
    let pack = |carton: &str, lines: Vec<PackLine>| {
        Operation::Pack(Pack {
            order: "SO-1".into(),
            carton: carton.into(),
            lines,
            tote: None,
        })
    };
    let good = "106141411234567897";
    assert!(pack(good, vec![line(3)]).check().is_ok());
    assert!(pack("106141411234567898", vec![line(3)]).check().is_err());
    assert!(pack(good, vec![]).check().is_err());
    assert!(pack(good, vec![line(0)]).check().is_err());
    // A barcode in the quantity field is refused like any other operation's.
    assert!(pack(good, vec![line(5_012_345_000_022)]).check().is_err());
    let close = |g| {
        Operation::CloseCarton(CloseCarton {
            order: "SO-1".into(),
            carton: good.into(),
            weight_g: g,
            weighed: true,
        })
    };
    assert!(close(12_500).check().is_ok());
    assert!(close(-1).check().is_err());
    assert!(close(2_000_001).check().is_err());
    let ship = |carrier: &str, cartons: Vec<&str>| {
        Operation::Ship(Ship {
            carrier: carrier.into(),
            reference: Some("Route 7".into()),
            cartons: cartons.into_iter().map(String::from).collect(),
        })
    };
    assert!(ship("DHL", vec![good]).check().is_ok());
    assert!(ship(" ", vec![good]).check().is_err());
    assert!(ship("DHL", vec![]).check().is_err());
    assert!(ship("DHL", vec![good, good]).check().is_err());
    assert!(ship("DHL", vec!["12345"]).check().is_err());
    assert_eq!(super::weight_text(12_345), "12.345 kg");
    assert_eq!(super::weight_text(850), "850 g");
}
