//! Expired stock never goes to a customer, end to end against a real server process on both
//! backends: an order for an item with an expired and a fresh lot in the same bin is allocated
//! on the server and on the device's pick walk to the fresh lot only, a scan of the expired lot
//! for the order is refused at the scan (nothing recorded), and the fresh lot's pick completes
//! the line everywhere. Replenishment does not count the expired lot as on hand.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_device::work::{PickRequest, ReceiveRequest};
use aisle_e2e::{Backend, Device, Server};
use serde_json::Value;

const BIN: &str = "LOC:WH1:B-01-01-1";

/// An OIL-like label of the demo's first lot- and expiry-tracked item (`PAI-00005`).
fn label(gtin: &str, lot: &str, days_from_today: i64) -> String {
    let expiry = chrono::Utc::now().date_naive() + chrono::Duration::days(days_from_today);
    format!(
        "]C101{gtin}\u{1d}10{lot}\u{1d}17{}",
        expiry.format("%y%m%d")
    )
}

/// A supervisor page's data (`GET path`), signed in as SUP2.
fn supervisor_get(server: &Server, path: &str) -> Value {
    aisle_e2e::Supervisor::sign_in(server).json(path)
}

/// The server's allocation of the order's lines, as the supervisor pages read it.
fn allocated(server: &Server, order: &str) -> Vec<Value> {
    let lines = supervisor_get(server, "/v1/supervisor/allocation?warehouse=WH1");
    lines
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["order"] == order)
        .cloned()
        .collect()
}

aisle_e2e::on_both!(an_expired_lot_is_never_allocated_and_its_scan_is_refused_for_an_order);

fn an_expired_lot_is_never_allocated_and_its_scan_is_refused_for_an_order(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 40);
    server.set_operator("SUP2", true);
    let mut device = Device::enrolled(dir.path(), &server, "T1", &server.url);
    let paint = device.store.item_by_sku("PAI-00005").unwrap().unwrap();
    let gtin = paint.barcodes[0].clone();
    // Expired yesterday, and fresh for two more days: both earlier than any opening stock, so
    // earliest-expiry-first alone would take the expired lot.
    for (lot, days) in [("L-OLD", -1), ("L-NEW", 2)] {
        let req = ReceiveRequest {
            location: BIN.into(),
            item: label(&gtin, lot, days),
            qty: Some(20),
            ..Default::default()
        };
        device.store.receive(&req, &device.ctx).unwrap();
    }
    let orders = dir.path().join("orders.csv");
    std::fs::write(
        &orders,
        "order,line,warehouse,sku,qty,customer\nSO-9001,1,WH1,PAI-00005,5,ACME\n",
    )
    .unwrap();
    server.admin(&["import", "orders", orders.to_str().unwrap()]);
    device.sync();

    // The server allocates the fresh lot.
    let lines = allocated(&server, "SO-9001");
    assert_eq!(lines.len(), 1, "{lines:?}");
    let picks = lines[0]["picks"].as_array().unwrap();
    assert_eq!(picks[0]["lot"], "L-NEW", "{picks:?}");
    assert!(
        picks.iter().all(|p| p["lot"] != "L-OLD"),
        "the expired lot is allocated: {picks:?}"
    );

    // Replenishment counts only stock that can go out: the expired lot is not on hand.
    let all: i64 = server
        .export("stock")
        .iter()
        .filter(|r| &r[0] == "WH1" && &r[2] == "PAI-00005")
        .map(|r| r[6].parse::<i64>().unwrap())
        .sum();
    let item = supervisor_get(&server, "/v1/supervisor/items/PAI-00005?warehouse=WH1");
    assert_eq!(
        item["position"]["on_hand"],
        all - 20,
        "{}",
        item["position"]
    );

    // So does the device's pick walk.
    let walk: Vec<_> = device
        .store
        .pick_list()
        .unwrap()
        .tasks
        .into_iter()
        .filter(|t| t.order == "SO-9001")
        .collect();
    assert_eq!(walk.len(), 1, "{walk:?}");
    assert_eq!((walk[0].lot.as_deref(), walk[0].qty), (Some("L-NEW"), 5));

    // The expired lot scanned for the order: refused at the scan, nothing recorded.
    let pending = device.store.pending_count().unwrap();
    let pick = |lot: &str, days: i64| PickRequest {
        location: BIN.into(),
        item: label(&gtin, lot, days),
        qty: Some(5),
        order_line: Some(walk[0].order_line),
        ..Default::default()
    };
    let refused = device
        .store
        .pick(&pick("L-OLD", -1), &device.ctx)
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("expired on") && refused.contains("SO-9001/1"),
        "{refused}"
    );
    assert_eq!(device.store.pending_count().unwrap(), pending);

    // The fresh lot completes the line, on the server too.
    device.store.pick(&pick("L-NEW", 2), &device.ctx).unwrap();
    device.sync();
    assert!(
        allocated(&server, "SO-9001").is_empty(),
        "the line is picked"
    );
    assert!(
        server.exceptions().is_empty(),
        "no exception: {:?}",
        server.exceptions()
    );
}
