//! Customer returns end to end (issue 13), on both backends: an order is picked and shipped; two
//! devices, offline, each take back goods of it, one to restock and one to quarantine, and a
//! third return is scrapped; whichever syncs last takes the total past what shipped and raises a
//! `return_mismatch`; a return against an order that never shipped does too. Stock follows each
//! disposition on the server and on the devices. A supervisor releases the quarantined goods.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_device::work::{PickRequest, ReturnRequest};
use aisle_e2e::{Backend, Device, Server};
use aisle_server::inventory::{Release, Shipment};
use aisle_server::storage::{ReadModels, Supervision};

const BOLT: &str = "HAR-00001";
const BOLT_EAN: &str = "5012345000015";
const SHELF: &str = "A-01-01-1";

/// What a device holds of the bolt at `code`.
fn held(d: &Device, code: &str) -> i64 {
    d.held(BOLT, code)
}

/// What the server holds of the bolt at `code` in WH1.
fn on_server(server: &Server, code: &str) -> i64 {
    server.held("WH1", Some(code), BOLT)
}

fn back(order: &str, to: &str, qty: i64, disposition: &str) -> ReturnRequest {
    ReturnRequest {
        order: order.into(),
        location: format!("LOC:WH1:{to}"),
        item: BOLT_EAN.into(),
        qty: Some(qty),
        disposition: disposition.into(),
        ..Default::default()
    }
}

aisle_e2e::on_both!(returns_restock_quarantine_or_scrap_and_more_than_shipped_is_an_exception);
fn returns_restock_quarantine_or_scrap_and_more_than_shipped_is_an_exception(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 40);
    let storage = aisle_server::sql::SqlStorage::open_db(server.db.to_str().unwrap()).unwrap();
    let mut a = Device::enrolled(dir.path(), &server, "R1", &server.url);
    let mut b = Device::enrolled(dir.path(), &server, "R2", &server.url);

    // SO-7001: 4 bolts, picked and shipped.
    let orders = dir.path().join("orders.csv");
    std::fs::write(
        &orders,
        format!("order,line,warehouse,sku,qty,customer\nSO-7001,1,WH1,{BOLT},4,ACME\n"),
    )
    .unwrap();
    server.admin(&["import", "orders", orders.to_str().unwrap()]);
    a.sync();
    let task = a.tasks_of("SO-7001").remove(0);
    let pick = PickRequest {
        location: format!("LOC:WH1:{}", task.location),
        item: BOLT_EAN.into(),
        qty: Some(4),
        order_line: Some(task.order_line),
        ..Default::default()
    };
    a.store.pick(&pick, &a.ctx).unwrap();
    a.sync();
    storage
        .confirm_shipment("SO-7001", &Shipment::Packed, "SUP1")
        .unwrap();
    storage
        .confirm_shipment(
            "SO-7001",
            &Shipment::Shipped {
                carrier: "DHL".into(),
                tracking: "JJD01".into(),
            },
            "SUP1",
        )
        .unwrap();
    for d in [&mut a, &mut b] {
        d.sync();
    }
    let (shelf_a, hold_a, dock_a) = (held(&a, SHELF), held(&a, "QA-01"), held(&a, "RCV-01"));
    let (shelf_server, dock_server) = (on_server(&server, SHELF), on_server(&server, "RCV-01"));

    // Bad returns: a clear refusal, nothing recorded.
    let pending = a.store.pending_count().unwrap();
    for (req, why) in [
        (
            back("SO-7001", "QA-01", 1, "restock"),
            "restocked returns go to",
        ),
        (
            back("SO-7001", SHELF, 1, "quarantine"),
            "not a quarantine location",
        ),
        (back("SO-7001", SHELF, 1, "keep"), "not a disposition"),
        (back("  ", SHELF, 1, "restock"), "scan or type the order"),
        (back("SO-7001", SHELF, 0, "restock"), "at least 1"),
    ] {
        let e = a.store.return_goods(&req, &a.ctx).unwrap_err().to_string();
        assert!(e.contains(why), "{e} should say {why:?}");
    }
    assert_eq!(a.store.pending_count().unwrap(), pending);

    // Offline, both devices take back goods of the same order: 2 + 3 + 1 scrapped = 6 of 4.
    a.store
        .return_goods(&back("SO-7001", SHELF, 2, "restock"), &a.ctx)
        .unwrap();
    a.store
        .return_goods(&back("SO-7001", "RCV-01", 1, "scrap"), &a.ctx)
        .unwrap();
    b.store
        .return_goods(&back("SO-7001", "QA-01", 3, "quarantine"), &b.ctx)
        .unwrap();
    // And one against an order that never shipped.
    b.store
        .return_goods(&back("SO-0000", "QA-01", 1, "quarantine"), &b.ctx)
        .unwrap();
    assert_eq!(
        held(&a, SHELF),
        shelf_a + 2,
        "restocked at once on the device"
    );
    assert_eq!(
        held(&b, "QA-01"),
        hold_a + 4,
        "quarantined at once on the device"
    );
    // Either sync order: each return that takes the total past what shipped is an exception.
    // A first (2 and 1 scrapped: 3 of 4), then B (3 more): B's return. B first (3 of 4), then A:
    // both of A's.
    let a_first = backend == Backend::Sqlite;
    let (first, second) = if a_first {
        (&mut a, &mut b)
    } else {
        (&mut b, &mut a)
    };
    first.sync();
    second.sync();
    for d in [&mut a, &mut b] {
        d.sync();
    }

    let texts: Vec<String> = server
        .exceptions()
        .into_iter()
        .filter(|(kind, _)| kind == "return_mismatch")
        .map(|(_, message)| message)
        .collect();
    let over = if a_first { 1 } else { 2 };
    assert_eq!(texts.len(), 1 + over, "{texts:?}");
    assert!(
        texts
            .iter()
            .any(|t| t.contains("SO-0000, which is unknown or has not shipped")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("in all against 4 shipped on order SO-7001")),
        "{texts:?}"
    );

    // Stock: restocked on the shelf, quarantined in QA-01, scrapped nowhere; the same everywhere.
    assert_eq!(on_server(&server, SHELF), shelf_server + 2);
    assert_eq!(on_server(&server, "QA-01"), 4);
    assert_eq!(
        on_server(&server, "RCV-01"),
        dock_server,
        "scrapped goods are not stock"
    );
    for d in [&a, &b] {
        assert_eq!(held(d, SHELF), shelf_a + 2);
        assert_eq!(held(d, "QA-01"), hold_a + 4);
        assert_eq!(held(d, "RCV-01"), dock_a);
    }
    let returns = storage.returns("WH1", 100).unwrap();
    assert_eq!(returns.len(), 4, "{returns:?}");
    let mut flagged: Vec<(&str, i64)> = returns
        .iter()
        .filter(|r| r.mismatch)
        .map(|r| (r.order.as_str(), r.qty))
        .collect();
    let mut expected = vec![("SO-0000", 1)];
    if a_first {
        expected.push(("SO-7001", 3));
    } else {
        expected.extend([("SO-7001", 1), ("SO-7001", 2)]);
    }
    flagged.sort();
    expected.sort();
    assert_eq!(flagged, expected, "{returns:?}");
    assert_eq!(
        returns
            .iter()
            .filter(|r| r.disposition == "scrap")
            .map(|r| r.qty)
            .sum::<i64>(),
        1
    );

    // A supervisor releases three of the quarantined bolts back to the shelf; devices follow.
    let today = chrono::Utc::now().date_naive();
    let release = |qty: Option<i64>, to: &str| Release {
        warehouse: "WH1".into(),
        from: "QA-01".into(),
        sku: BOLT.into(),
        lot: None,
        qty,
        to: to.into(),
    };
    let e = storage
        .release_quarantine(&release(Some(9), SHELF), today, "SUP1")
        .unwrap_err();
    assert!(e.to_string().contains("holds 4"), "{e}");
    let e = storage
        .release_quarantine(&release(Some(1), "QA-01"), today, "SUP1")
        .unwrap_err();
    assert!(e.to_string().contains("released stock goes to"), "{e}");
    assert_eq!(
        storage
            .release_quarantine(&release(Some(3), SHELF), today, "SUP1")
            .unwrap(),
        1
    );
    a.sync();
    assert_eq!(on_server(&server, "QA-01"), 1);
    assert_eq!(held(&a, "QA-01"), hold_a + 1);
    assert_eq!(held(&a, SHELF), shelf_a + 5);
}
