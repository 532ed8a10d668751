//! Transfers between warehouses end to end (issue 13), on both backends: a transfer is picked by
//! a device of the source warehouse and shipped there; its goods are in transit (in the totals
//! across warehouses, in neither warehouse's stock); a device of the destination downloads it as
//! expected goods and receives against it, one line short and one over; the over-receipt is an
//! exception at once, the shortage when the transfer is closed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_device::packing::{CloseRequest, PackRequest, ShipRequest};
use aisle_device::work::{PickRequest, ReceiveRequest};
use aisle_e2e::{Backend, Device, Server};
use aisle_server::inventory::Shipment;
use aisle_server::storage::{ReadModels, Supervision};

const BOLT: &str = "HAR-00001";
const OTHER: &str = "HAR-00002";

aisle_e2e::on_both!(a_transfer_is_picked_at_one_warehouse_in_transit_and_received_at_the_other);
fn a_transfer_is_picked_at_one_warehouse_in_transit_and_received_at_the_other(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 40);
    let storage = aisle_server::sql::SqlStorage::open_db(server.db.to_str().unwrap()).unwrap();
    let mut src = Device::enrolled(dir.path(), &server, "S1", &server.url);
    let mut dst = Device::enrolled_in(dir.path(), &server, "D2", &server.url, "WH2");

    // Bad transfers: refused, nothing created.
    let lines = |qty: i64| vec![(BOLT.to_string(), qty), (OTHER.to_string(), 5)];
    for (from, to, qty, why) in [
        ("WH1", "WH1", 10, "to itself"),
        ("WH1", "WH9", 10, "WH9"),
        ("WH1", "WH2", 0, "at least 1"),
    ] {
        let e = storage
            .create_transfer(from, to, &lines(qty), "SUP1")
            .unwrap_err();
        assert!(e.to_string().contains(why), "{e}");
    }
    assert!(storage.transfers("WH1").unwrap().is_empty());

    let before = (
        server.held("WH1", None, BOLT),
        server.held("WH2", None, BOLT),
    );
    let tr = storage
        .create_transfer("WH1", "WH2", &lines(10), "SUP1")
        .unwrap();
    assert_eq!(tr, "TR-000001");

    // The source's device picks it like an order; the destination's never sees it to pick.
    src.sync();
    dst.sync();
    assert!(
        dst.store
            .pick_list()
            .unwrap()
            .tasks
            .iter()
            .all(|t| t.order != tr),
        "WH2 does not pick WH1's transfer"
    );
    let tasks = src.tasks_of(&tr);
    assert_eq!(tasks.len(), 2, "{tasks:?}");
    for t in &tasks {
        let item = src.store.item_by_sku(&t.sku).unwrap().unwrap();
        let req = PickRequest {
            location: t.location_barcode.clone(),
            item: item.barcodes[0].clone(),
            qty: Some(t.qty),
            order_line: Some(t.order_line),
            ..Default::default()
        };
        src.store.pick(&req, &src.ctx).unwrap();
    }
    src.sync();
    storage
        .confirm_shipment(&tr, &Shipment::Packed, "SUP1")
        .unwrap();
    storage
        .confirm_shipment(
            &tr,
            &Shipment::Shipped {
                carrier: "own truck".into(),
                tracking: "TRUCK-7".into(),
            },
            "SUP1",
        )
        .unwrap();

    // In transit: out of WH1, not yet in WH2, in the totals across warehouses.
    assert_eq!(server.held("WH1", None, BOLT), before.0 - 10);
    assert_eq!(server.held("WH2", None, BOLT), before.1);
    let hit = storage
        .stock_search(BOLT, 5)
        .unwrap()
        .into_iter()
        .find(|h| h.sku == BOLT)
        .unwrap();
    assert_eq!(hit.in_transit, vec![("WH2".to_string(), 10)]);
    let listed = storage.transfers("WH2").unwrap();
    assert_eq!(
        (
            listed[0].status.as_str(),
            listed[0].shipped,
            listed[0].received
        ),
        ("in_transit", 15, 0)
    );

    // The destination's device downloads it as expected goods; the source's does not.
    dst.sync();
    src.sync();
    assert!(
        src.store
            .receiving_work()
            .unwrap()
            .iter()
            .all(|l| l.receipt != tr)
    );
    let expected: Vec<_> = dst
        .store
        .receiving_work()
        .unwrap()
        .into_iter()
        .filter(|l| l.receipt == tr)
        .collect();
    assert_eq!(expected.len(), 2, "{expected:?}");
    // 8 of 10 bolts arrive, and 6 of the other item's 5: over at once.
    for (sku, qty) in [(BOLT, 8), (OTHER, 6)] {
        let line = expected.iter().find(|l| l.sku == sku).unwrap();
        let item = dst.store.item_by_sku(sku).unwrap().unwrap();
        let req = ReceiveRequest {
            location: "LOC:WH2:RCV-01".into(),
            item: item.barcodes[0].clone(),
            qty: Some(qty),
            receipt_line: Some(line.receipt_line),
            ..Default::default()
        };
        dst.store.receive(&req, &dst.ctx).unwrap();
    }
    dst.sync();
    assert_eq!(server.held("WH2", None, BOLT), before.1 + 8);
    let hit = storage
        .stock_search(BOLT, 5)
        .unwrap()
        .into_iter()
        .find(|h| h.sku == BOLT)
        .unwrap();
    assert_eq!(
        hit.in_transit,
        vec![("WH2".to_string(), 2)],
        "2 still on the way"
    );
    let kinds = |server: &Server| -> Vec<String> {
        server.exceptions().into_iter().map(|(k, _)| k).collect()
    };
    assert!(kinds(&server).contains(&"over_receipt".to_string()));
    assert!(!kinds(&server).contains(&"transfer_short".to_string()));

    // Closed at the destination: the missing two are an exception, no longer in transit.
    let closed = storage.close_transfer(&tr, "SUP2").unwrap();
    assert_eq!(closed.short.len(), 1, "{closed:?}");
    assert_eq!(
        (
            closed.short[0].sku.as_str(),
            closed.short[0].shipped,
            closed.short[0].received
        ),
        (BOLT, 10, 8)
    );
    assert!(closed.exception.is_some());
    let shorts: Vec<String> = server
        .exceptions()
        .into_iter()
        .filter(|(k, _)| k == "transfer_short")
        .map(|(_, m)| m)
        .collect();
    assert_eq!(shorts.len(), 1, "{shorts:?}");
    assert!(shorts[0].contains("HAR-00001 8/10"), "{shorts:?}");
    let hit = storage.stock_search(BOLT, 5).unwrap();
    assert!(hit.iter().all(|h| h.in_transit.is_empty()), "{hit:?}");
    let e = storage.close_transfer(&tr, "SUP2").unwrap_err();
    assert!(e.to_string().contains("is closed"), "{e}");
    // The destination's devices see the exception too.
    dst.sync();
    assert!(
        dst.store
            .exceptions(true)
            .unwrap()
            .iter()
            .any(|x| x.kind.as_str() == "transfer_short")
    );
}

aisle_e2e::on_both!(a_transfer_shipped_in_cartons_is_expected_carton_by_carton);
/// The source's tablet packs a transfer into two cartons and ships them one at a time: each
/// carton's contents become expected at the destination as it leaves, and the transfer is in
/// transit from the first.
fn a_transfer_shipped_in_cartons_is_expected_carton_by_carton(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 40);
    let storage = aisle_server::sql::SqlStorage::open_db(server.db.to_str().unwrap()).unwrap();
    let mut src = Device::enrolled(dir.path(), &server, "S1", &server.url);
    let mut dst = Device::enrolled_in(dir.path(), &server, "D2", &server.url, "WH2");
    let tr = storage
        .create_transfer("WH1", "WH2", &[(BOLT.to_string(), 6)], "SUP1")
        .unwrap();
    src.sync();
    let task = src.tasks_of(&tr).remove(0);
    let bolt = src.store.item_by_sku(BOLT).unwrap().unwrap();
    let pick = PickRequest {
        location: task.location_barcode.clone(),
        item: bolt.barcodes[0].clone(),
        qty: Some(6),
        order_line: Some(task.order_line),
        ..Default::default()
    };
    src.store.pick(&pick, &src.ctx).unwrap();
    let expected_at_wh2 = |dst: &mut Device| -> i64 {
        dst.sync();
        dst.store
            .receiving_work()
            .unwrap()
            .iter()
            .filter(|l| l.receipt == tr)
            .map(|l| l.expected)
            .sum()
    };
    let mut cartons = Vec::new();
    for qty in [4, 2] {
        let carton = src.store.new_carton().unwrap();
        let pack = PackRequest {
            order: tr.clone(),
            carton: carton.clone(),
            item: Some(bolt.barcodes[0].clone()),
            qty: Some(qty),
            ..Default::default()
        };
        src.store.pack(&pack, &src.ctx).unwrap();
        let close = CloseRequest {
            carton: carton.clone(),
            weight_g: Some(500),
        };
        src.store.close_carton(&close, &src.ctx).unwrap();
        cartons.push(carton);
    }
    src.sync();
    assert_eq!(expected_at_wh2(&mut dst), 0, "nothing has left yet");
    assert_eq!(storage.transfers("WH1").unwrap()[0].status, "open");
    for (carton, expected) in cartons.iter().zip([4, 6]) {
        let ship = ShipRequest {
            carrier: "own truck".into(),
            reference: None,
            cartons: vec![carton.clone()],
        };
        src.store.ship(&ship, &src.ctx).unwrap();
        src.sync();
        assert_eq!(expected_at_wh2(&mut dst), expected);
        let listed = storage.transfers("WH2").unwrap();
        assert_eq!(
            (listed[0].status.as_str(), listed[0].shipped),
            ("in_transit", expected)
        );
    }
    let hit = storage
        .stock_search(BOLT, 5)
        .unwrap()
        .into_iter()
        .find(|h| h.sku == BOLT)
        .unwrap();
    assert_eq!(hit.in_transit, vec![("WH2".to_string(), 6)]);
    // The tablets of both warehouses see it on its way.
    src.sync();
    for d in [&src, &dst] {
        assert_eq!(
            d.store.in_transit_stock(bolt.id).unwrap(),
            vec![("WH2".to_string(), 6)]
        );
    }
}
