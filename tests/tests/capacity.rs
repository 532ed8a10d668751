//! A warehouse's capacity policy end to end (issue 13), on both backends: warehouse IT sets
//! `refuse_over_capacity` in the warehouses CSV; the setting reaches the tablets with the next
//! sync, and a scan that would overfill a location is then refused there, with nothing recorded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_device::work::ReceiveRequest;
use aisle_e2e::{Backend, Device, Server};

aisle_e2e::on_both!(a_warehouse_that_refuses_overfilling_has_its_tablets_refuse_the_scan);
fn a_warehouse_that_refuses_overfilling_has_its_tablets_refuse_the_scan(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 20);
    let mut device = Device::enrolled(dir.path(), &server, "C1", &server.url);
    let (code, capacity): (String, i64) = device
        .store
        .conn()
        .query_row(
            "SELECT l.code, l.capacity FROM locations l JOIN warehouses w ON w.id = l.warehouse_id
             WHERE w.code = 'WH1' AND l.capacity IS NOT NULL ORDER BY l.code LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let overfill = ReceiveRequest {
        location: format!("LOC:WH1:{code}"),
        item: "5012345000015".into(),
        qty: Some(capacity + 1),
        ..Default::default()
    };
    // By default the scan is recorded with a warning.
    let rec = device.store.receive(&overfill, &device.ctx).unwrap();
    assert!(
        rec.warnings
            .iter()
            .any(|w| w.text.contains("over its capacity")),
        "{:?}",
        rec.warnings
    );
    device.sync();

    // Warehouse IT turns refusal on (the name stays as it was given).
    let csv = dir.path().join("warehouses.csv");
    std::fs::write(&csv, "code,name,refuse_over_capacity\nWH1,Central DC,yes\n").unwrap();
    server.admin(&["import", "warehouses", csv.to_str().unwrap()]);
    device.sync();
    let pending = device.store.pending_count().unwrap();
    let e = device
        .store
        .receive(&overfill, &device.ctx)
        .unwrap_err()
        .to_string();
    assert!(e.contains("refuses a scan that overfills"), "{e}");
    assert_eq!(
        device.store.pending_count().unwrap(),
        pending,
        "nothing recorded"
    );

    // A warehouses import without the column leaves the setting as it is.
    std::fs::write(&csv, "code,name\nWH1,Central DC\n").unwrap();
    server.admin(&["import", "warehouses", csv.to_str().unwrap()]);
    device.sync();
    assert!(device.store.receive(&overfill, &device.ctx).is_err());

    // A new bin with a weight limit of 1 kg, from the locations CSV: the tablet refuses bolts
    // past it, and takes what fits.
    let csv = dir.path().join("locations.csv");
    std::fs::write(
        &csv,
        "warehouse,code,type,max_weight_g,max_volume_cm3\nWH1,HEAVY-01,storage,1000,\n",
    )
    .unwrap();
    server.admin(&["import", "locations", csv.to_str().unwrap()]);
    device.sync();
    let bin = device
        .store
        .location_by_label("LOC:WH1:HEAVY-01", None)
        .unwrap()
        .unwrap();
    assert_eq!((bin.max_weight_g, bin.max_volume_cm3), (Some(1000), None));
    let bolt = device.store.item_by_sku("HAR-00001").unwrap().unwrap();
    let each = bolt.weight_g.unwrap();
    let fits = 1000 / each;
    let into_bin = |qty| ReceiveRequest {
        location: "LOC:WH1:HEAVY-01".into(),
        item: "5012345000015".into(),
        qty: Some(qty),
        ..Default::default()
    };
    let e = device
        .store
        .receive(&into_bin(fits + 1), &device.ctx)
        .unwrap_err()
        .to_string();
    assert!(e.contains("over its weight limit of 1.000 kg"), "{e}");
    if fits > 0 {
        device.store.receive(&into_bin(fits), &device.ctx).unwrap();
    }
}

aisle_e2e::on_both!(two_tablets_that_fill_a_location_together_raise_over_capacity);
/// Each tablet refuses what would overfill a location as far as it knows; two tablets offline can
/// still fill it together. The server names the operation that took it over (`over_capacity`),
/// in either sync order, and applies it as recorded.
fn two_tablets_that_fill_a_location_together_raise_over_capacity(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 20);
    let csv = dir.path().join("warehouses.csv");
    std::fs::write(&csv, "code,name,refuse_over_capacity\nWH1,Central DC,yes\n").unwrap();
    server.admin(&["import", "warehouses", csv.to_str().unwrap()]);
    let locations = dir.path().join("locations.csv");
    std::fs::write(
        &locations,
        "warehouse,code,type,capacity\nWH1,TIGHT-01,storage,10\n",
    )
    .unwrap();
    server.admin(&["import", "locations", locations.to_str().unwrap()]);
    let mut a = Device::enrolled(dir.path(), &server, "C1", &server.url);
    let mut b = Device::enrolled(dir.path(), &server, "C2", &server.url);
    let into = |qty| ReceiveRequest {
        location: "LOC:WH1:TIGHT-01".into(),
        item: "5012345000015".into(),
        qty: Some(qty),
        ..Default::default()
    };
    // Each tablet has room for 6 of 10 as far as it knows; offline, both take 6.
    a.store.receive(&into(6), &a.ctx).unwrap();
    b.store.receive(&into(6), &b.ctx).unwrap();
    assert!(
        a.store.receive(&into(5), &a.ctx).is_err(),
        "what overfills it on one tablet is refused there"
    );
    let a_first = backend == Backend::Sqlite;
    if a_first {
        a.sync();
        b.sync();
    } else {
        b.sync();
        a.sync();
    }
    let over: Vec<String> = server
        .exceptions()
        .into_iter()
        .filter(|(k, _)| k == "over_capacity")
        .map(|(_, m)| m)
        .collect();
    assert_eq!(over.len(), 1, "{over:?}");
    assert!(
        over[0].contains("TIGHT-01 now holds 12 units, over its capacity of 10"),
        "{over:?}"
    );
    assert_eq!(
        server.held("WH1", Some("TIGHT-01"), "HAR-00001"),
        12,
        "applied as recorded"
    );
}
