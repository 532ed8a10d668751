//! The reconciliation rules against a fake state (a unit test's isolation; the real state is
//! exercised end to end in tests/).

use super::*;
use crate::ids::{DeviceId, WarehouseId};
use crate::op::{Count, Pick, Receive, Transfer, UnknownScan};
use chrono::Utc;
use std::collections::HashMap;

#[derive(Default)]
struct Fake {
    stock: HashMap<StockKey, i64>,
    receipts: HashMap<ReceiptLineId, LineProgress>,
    orders: HashMap<OrderLineId, LineProgress>,
    serials: HashMap<String, OpId>,
    counts: Vec<(ItemId, LocationId, u64, OpId)>,
    /// Shipped orders: (order, item) -> what shipped and what came back.
    shipped: HashMap<(String, ItemId), LineProgress>,
    /// Orders' lines: (order, item) -> ordered and packed so far.
    packed: HashMap<(String, ItemId), LineProgress>,
    cartons: HashMap<String, CartonView>,
    /// Locations with limits in a warehouse that refuses overfilling, and what they hold.
    limits: HashMap<LocationId, crate::capacity::Limits>,
    loads: HashMap<LocationId, crate::capacity::Load>,
}

impl StateView for Fake {
    fn on_hand(&self, key: &StockKey) -> ViewResult<i64> {
        Ok(self.stock.get(key).copied().unwrap_or(0))
    }
    fn receipt_line(&self, id: ReceiptLineId) -> ViewResult<Option<LineProgress>> {
        Ok(self.receipts.get(&id).cloned())
    }
    fn order_line(&self, id: OrderLineId) -> ViewResult<Option<LineProgress>> {
        Ok(self.orders.get(&id).cloned())
    }
    fn serial_in_stock(&self, _item: ItemId, serial: &str) -> ViewResult<Option<OpId>> {
        Ok(self.serials.get(serial).copied())
    }
    fn returned(&self, order: &str, item: ItemId) -> ViewResult<Option<LineProgress>> {
        Ok(self.shipped.get(&(order.to_string(), item)).cloned())
    }
    fn unseen_counts(
        &self,
        item: ItemId,
        location: LocationId,
        seen: u64,
    ) -> ViewResult<Vec<OpId>> {
        Ok(self
            .counts
            .iter()
            .filter(|c| c.0 == item && c.1 == location && c.2 > seen)
            .map(|c| c.3)
            .collect())
    }
    fn packed(&self, order: &str, item: ItemId) -> ViewResult<Option<LineProgress>> {
        Ok(self.packed.get(&(order.to_string(), item)).cloned())
    }
    fn carton(&self, sscc: &str) -> ViewResult<Option<CartonView>> {
        Ok(self.cartons.get(sscc).cloned())
    }
    fn location_limits(
        &self,
        location: LocationId,
    ) -> ViewResult<Option<(String, crate::capacity::Limits, bool)>> {
        Ok(self
            .limits
            .get(&location)
            .map(|l| ("BIN".to_string(), *l, true)))
    }
    fn location_load(&self, location: LocationId) -> ViewResult<crate::capacity::Load> {
        Ok(self.loads.get(&location).copied().unwrap_or_default())
    }
    fn unit_of(&self, _item: ItemId) -> ViewResult<(Option<i64>, Option<i64>)> {
        Ok((Some(500), None))
    }
    fn item_sku(&self, _item: ItemId) -> ViewResult<String> {
        Ok("ITEM".into())
    }
    fn describe(&self, _key: &StockKey) -> ViewResult<Said> {
        Ok(crate::reconcile::stock_words("ITEM", "LOC", None))
    }
}

fn entry(op: Operation, seen_cursor: u64) -> ChangeLogEntry {
    ChangeLogEntry {
        op_id: OpId::new(),
        device_id: DeviceId::new(),
        seq: 1,
        schema_version: 1,
        warehouse_id: WarehouseId::new(),
        operator: "T".into(),
        device_time: Utc::now(),
        scans: vec![],
        seen_cursor,
        op,
    }
}

fn key() -> StockKey {
    StockKey {
        item: ItemId::new(),
        location: LocationId::new(),
        lot: None,
        expiry: None,
        plate: None,
    }
}

fn check(e: &ChangeLogEntry, f: &Fake, rules: &Rules) -> Vec<ExceptionDraft> {
    assess(e, f, rules).unwrap()
}

fn kinds(x: &[ExceptionDraft]) -> Vec<ExceptionKind> {
    x.iter().map(|d| d.kind).collect()
}

fn pick(k: &StockKey, qty: i64, line: Option<OrderLineId>) -> Operation {
    Operation::Pick(Pick {
        key: k.clone(),
        qty,
        requested: None,
        short_reason: None,
        order_line: line,
        serials: vec![],
    })
}

#[test]
fn taking_more_than_is_on_hand_is_negative_stock() {
    let k = key();
    let mut f = Fake::default();
    f.stock.insert(k.clone(), 5);
    assert!(check(&entry(pick(&k, 5, None), 0), &f, &Rules::default()).is_empty());
    let x = check(&entry(pick(&k, 6, None), 0), &f, &Rules::default());
    assert_eq!(kinds(&x), vec![ExceptionKind::NegativeStock]);
    assert!(
        x[0].message
            .contains("6 taken with 5 on hand; stock is now -1"),
        "{}",
        x[0].message
    );
}

#[test]
fn an_order_line_picked_beyond_its_quantity_is_an_over_pick_linking_earlier_picks() {
    let k = key();
    let line = OrderLineId::new();
    let earlier = OpId::new();
    let mut f = Fake::default();
    f.stock.insert(k.clone(), 100);
    f.orders.insert(
        line,
        LineProgress {
            target: 10,
            done: 7,
            ops: vec![earlier],
        },
    );
    assert!(check(&entry(pick(&k, 3, Some(line)), 0), &f, &Rules::default()).is_empty());
    let x = check(&entry(pick(&k, 4, Some(line)), 0), &f, &Rules::default());
    assert_eq!(kinds(&x), vec![ExceptionKind::OverPick]);
    assert_eq!(x[0].related, vec![earlier]);
}

#[test]
fn receipts_beyond_expectation_and_serials_already_in_stock() {
    let k = key();
    let line = ReceiptLineId::new();
    let first = OpId::new();
    let mut f = Fake::default();
    f.receipts.insert(
        line,
        LineProgress {
            target: 10,
            done: 10,
            ops: vec![],
        },
    );
    f.serials.insert("S1".into(), first);
    let op = Operation::Receive(Receive {
        key: k,
        qty: 2,
        pack: None,
        serials: vec!["S1".into(), "S2".into()],
        receipt_line: Some(line),
        plate_code: None,
    });
    let x = check(&entry(op, 0), &f, &Rules::default());
    assert_eq!(
        kinds(&x),
        vec![ExceptionKind::OverReceipt, ExceptionKind::DuplicateSerial]
    );
    assert_eq!(x[1].related, vec![first]);
}

#[test]
fn counts_judge_variance_by_threshold_and_concurrency_by_the_books() {
    let k = key();
    let mut f = Fake::default();
    f.stock.insert(k.clone(), 100);
    let count = |counted, expected| {
        Operation::Count(Count {
            key: k.clone(),
            counted,
            expected,
            blind: false,
            task: None,
        })
    };
    // Within 5% and 2 units: nothing. Beyond both: variance.
    assert!(check(&entry(count(96, 100), 0), &f, &Rules::default()).is_empty());
    assert_eq!(
        kinds(&check(&entry(count(94, 100), 0), &f, &Rules::default())),
        vec![ExceptionKind::CountVariance]
    );
    // The device expected 90 but the books say 100: something moved that it had not seen.
    assert_eq!(
        kinds(&check(&entry(count(90, 90), 0), &f, &Rules::default())),
        vec![ExceptionKind::CountDuringMovement]
    );
    // A count to zero is not "negative stock" even though its delta is negative.
    assert_eq!(
        kinds(&check(&entry(count(0, 100), 0), &f, &Rules::default())),
        vec![ExceptionKind::CountVariance]
    );
}

#[test]
fn a_movement_that_had_not_seen_a_count_of_its_stock_flags_the_count() {
    let k = key();
    let other = LocationId::new();
    let count_op = OpId::new();
    let mut f = Fake::default();
    f.stock.insert(k.clone(), 50);
    f.counts.push((k.item, k.location, 40, count_op));
    let mv = Operation::Move(Transfer {
        item: k.item,
        lot: None,
        expiry: None,
        from: k.location,
        from_plate: None,
        to: other,
        to_plate: None,
        qty: 5,
        serials: vec![],
        task: None,
    });
    let x = check(&entry(mv.clone(), 39), &f, &Rules::default());
    assert_eq!(kinds(&x), vec![ExceptionKind::CountDuringMovement]);
    assert_eq!(x[0].related, vec![count_op]);
    // A device that had pulled the count moved in full knowledge of it.
    assert!(check(&entry(mv, 40), &f, &Rules::default()).is_empty());
}

#[test]
fn unknown_barcodes_always_reach_a_supervisor() {
    let op = Operation::UnknownScan(UnknownScan {
        raw: "XYZ".into(),
        expected: "item".into(),
        location: None,
    });
    let x = check(&entry(op, 0), &Fake::default(), &Rules::default());
    assert_eq!(kinds(&x), vec![ExceptionKind::UnknownBarcode]);
    assert!(x[0].message.contains("\"XYZ\""));
}

/// A return is judged against what its order shipped of the item: up to that is fine, beyond it
/// (two devices taking back the same goods) or against an order that did not ship is a
/// `return_mismatch` linking the earlier returns; scrapped goods never touch stock.
#[test]
fn returns_beyond_what_shipped_or_of_unknown_orders_are_mismatches() {
    use crate::op::{CustomerReturn, Disposition};
    let k = key();
    let earlier = OpId::new();
    let ret = |order: &str, qty: i64, disposition| {
        Operation::Return(CustomerReturn {
            order: order.into(),
            key: k.clone(),
            qty,
            disposition,
            serials: vec![],
            reason: None,
        })
    };
    let mut f = Fake::default();
    f.shipped.insert(
        ("SO-1".into(), k.item),
        LineProgress {
            target: 4,
            done: 1,
            ops: vec![earlier],
        },
    );
    let ok = check(
        &entry(ret("SO-1", 3, Disposition::Restock), 0),
        &f,
        &Rules::default(),
    );
    assert!(ok.is_empty(), "{ok:?}");
    let x = check(
        &entry(ret("SO-1", 4, Disposition::Quarantine), 0),
        &f,
        &Rules::default(),
    );
    assert_eq!(kinds(&x), vec![ExceptionKind::ReturnMismatch]);
    assert_eq!(x[0].related, vec![earlier]);
    assert!(
        x[0].message
            .contains("5 returned in all against 4 shipped on order SO-1"),
        "{}",
        x[0].message
    );
    let x = check(
        &entry(ret("SO-9", 1, Disposition::Scrap), 0),
        &f,
        &Rules::default(),
    );
    assert_eq!(kinds(&x), vec![ExceptionKind::ReturnMismatch]);
    assert!(
        x[0].message.contains("unknown or has not shipped"),
        "{}",
        x[0].message
    );
    assert!(ret("SO-1", 2, Disposition::Scrap).effects().is_empty());
    assert_eq!(ret("SO-1", 2, Disposition::Restock).effects().len(), 1);
    assert!(
        ret(" ", 2, Disposition::Restock).check().is_err(),
        "a return names its order"
    );
    assert!(ret("SO-1", 0, Disposition::Restock).check().is_err());
}

const CARTON: &str = "106141411234567897";

fn pack(order: &str, lines: &[(ItemId, i64)]) -> Operation {
    Operation::Pack(crate::op::Pack {
        order: order.into(),
        carton: CARTON.into(),
        lines: lines
            .iter()
            .map(|(item, qty)| crate::op::PackLine {
                order_line: None,
                item: *item,
                lot: None,
                qty: *qty,
            })
            .collect(),
        tote: None,
    })
}

#[test]
fn packing_beyond_the_order_or_off_it_is_a_pack_mismatch() {
    let item = ItemId::new();
    let other = ItemId::new();
    let earlier = OpId::new();
    let mut f = Fake::default();
    f.packed.insert(
        ("SO-1".into(), item),
        LineProgress {
            target: 10,
            done: 6,
            ops: vec![earlier],
        },
    );
    let rules = Rules::default();
    // 6 + 4 is the order: fine. 6 + 3 + 2 (two lines of one item in one tote) is not.
    assert!(check(&entry(pack("SO-1", &[(item, 4)]), 0), &f, &rules).is_empty());
    let over = check(&entry(pack("SO-1", &[(item, 3), (item, 2)]), 0), &f, &rules);
    assert_eq!(over.len(), 1);
    assert_eq!(over[0].kind, ExceptionKind::PackMismatch);
    assert_eq!(over[0].related, vec![earlier]);
    assert!(
        over[0].message.contains("11 packed in all against 10"),
        "{}",
        over[0].message
    );
    let off = check(&entry(pack("SO-1", &[(other, 1)]), 0), &f, &rules);
    assert!(
        off[0].message.contains("has no line of it"),
        "{}",
        off[0].message
    );
}

#[test]
fn a_carton_of_another_order_or_packed_after_it_shipped_is_a_pack_mismatch() {
    let item = ItemId::new();
    let ship = OpId::new();
    let mut f = Fake::default();
    f.packed.insert(
        ("SO-2".into(), item),
        LineProgress {
            target: 10,
            done: 0,
            ops: vec![],
        },
    );
    let rules = Rules::default();
    let before = entry(pack("SO-2", &[(item, 1)]), 0);
    f.cartons.insert(
        CARTON.into(),
        CartonView {
            order: "SO-1".into(),
            shipped: Some((ship, before.device_time + chrono::Duration::minutes(5))),
        },
    );
    // Packed before the shipment (an earlier scan that synced late): only the order is wrong.
    let x = check(&before, &f, &rules);
    assert_eq!(x.len(), 1, "{x:?}");
    assert!(
        x[0].message.contains("holds order SO-1"),
        "{}",
        x[0].message
    );
    let mut after = entry(pack("SO-2", &[(item, 1)]), 0);
    after.device_time = before.device_time + chrono::Duration::minutes(6);
    let x = check(&after, &f, &rules);
    assert_eq!(x.len(), 2, "{x:?}");
    assert_eq!(x[1].related, vec![ship]);
    assert!(
        x[1].message.contains("after it shipped"),
        "{}",
        x[1].message
    );
}

#[test]
fn a_carton_shipped_twice_is_a_pack_mismatch() {
    let first = OpId::new();
    let mut f = Fake::default();
    let ship = Operation::Ship(crate::op::Ship {
        carrier: "DHL".into(),
        reference: None,
        cartons: vec![CARTON.into()],
    });
    let rules = Rules::default();
    // A carton nobody has packed yet (the packer's tablet syncs later) ships without a word.
    assert!(check(&entry(ship.clone(), 0), &f, &rules).is_empty());
    f.cartons.insert(
        CARTON.into(),
        CartonView {
            order: "SO-1".into(),
            shipped: Some((first, Utc::now())),
        },
    );
    let x = check(&entry(ship, 0), &f, &rules);
    assert_eq!(x.len(), 1);
    assert_eq!(x[0].related, vec![first]);
}

#[test]
fn filling_a_location_past_its_limits_in_a_refusing_warehouse_is_over_capacity() {
    let k = key();
    let mut f = Fake::default();
    f.limits.insert(
        k.location,
        crate::capacity::Limits {
            units: Some(10),
            grams: Some(4_000),
            cm3: None,
        },
    );
    f.loads.insert(
        k.location,
        crate::capacity::Load {
            units: 6,
            grams: 3_000,
            cm3: 0,
        },
    );
    let rules = Rules::default();
    let receive = |qty| {
        Operation::Receive(Receive {
            key: k.clone(),
            qty,
            pack: None,
            serials: vec![],
            receipt_line: None,
            plate_code: None,
        })
    };
    // 2 more (500 g each): 8 units, 4 kg: within both.
    assert!(check(&entry(receive(2), 0), &f, &rules).is_empty());
    // 3 more: 3.5 kg over the weight limit.
    let x = check(&entry(receive(3), 0), &f, &rules);
    assert_eq!(x.len(), 1, "{x:?}");
    assert_eq!(x[0].kind, ExceptionKind::OverCapacity);
    assert!(
        x[0].message.contains("over its weight limit"),
        "{}",
        x[0].message
    );
    // Already over: nothing more is raised for the next scan.
    f.loads.insert(
        k.location,
        crate::capacity::Load {
            units: 11,
            grams: 5_500,
            cm3: 0,
        },
    );
    assert!(check(&entry(receive(1), 0), &f, &rules).is_empty());
}
