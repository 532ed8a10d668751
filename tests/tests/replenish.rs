//! Replenishment end to end: picks on a device become the server's demand history; a reorder
//! suggestion becomes a purchase order, which the device downloads as an expected receipt and
//! receives against; the server's on-order quantity follows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_device::work::{PickRequest, ReceiveRequest};
use aisle_e2e::{Backend, Device, Server};
use aisle_server::storage::{ReadModels, Supervision};

const BOLT: &str = "HAR-00001";
const BOLT_EAN: &str = "5012345000015";

fn line_of(server: &Server, sku: &str) -> serde_json::Value {
    let out = server.admin(&["replenish", "--warehouse", "WH1", "--json"]);
    let lines: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    lines.into_iter().find(|l| l["sku"] == sku).unwrap()
}

aisle_e2e::on_both!(a_suggestion_becomes_a_purchase_order_that_devices_receive_against);
fn a_suggestion_becomes_a_purchase_order_that_devices_receive_against(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 40);
    let mut device = Device::enrolled(dir.path(), &server, "T1", &server.url);

    // Picks today are today's demand on the server, on top of the demo's history.
    let storage = aisle_server::sql::SqlStorage::open_db(server.db.to_str().unwrap()).unwrap();
    let today = chrono::Utc::now().date_naive();
    let before = storage.demand_history("WH1", BOLT, 7, today).unwrap();
    assert!(
        before[..6].iter().any(|(_, q)| *q > 0),
        "the demo has history: {before:?}"
    );
    let bin = device
        .store
        .stock_of_item(device.store.find_item(BOLT).unwrap())
        .unwrap()
        .into_iter()
        .find(|l| l.location.starts_with("A-"))
        .unwrap();
    for qty in [2, 3] {
        let req = PickRequest {
            location: format!("LOC:WH1:{}", bin.location),
            item: BOLT_EAN.into(),
            qty: Some(qty),
            ..Default::default()
        };
        device.store.pick(&req, &device.ctx).unwrap();
    }
    device.sync();
    let history = storage.demand_history("WH1", BOLT, 7, today).unwrap();
    assert_eq!(history.len(), 7);
    assert_eq!(
        history.last(),
        Some(&(today, before[6].1 + 5)),
        "{history:?}"
    );
    assert_eq!(history[..6], before[..6], "earlier days are unchanged");
    assert!(storage.demand_history("WH9", BOLT, 7, today).is_err());

    // A policy that asks for more than the warehouse holds: the server suggests an order.
    server.admin(&[
        "policy",
        "--warehouse",
        "WH1",
        "--sku",
        BOLT,
        "--reorder-point",
        "1000",
        "--order-qty",
        "250",
        "--lead-time-days",
        "3",
    ]);
    let line = line_of(&server, BOLT);
    assert_eq!(line["policy_source"], "policy");
    let on_hand = line["position"]["on_hand"].as_i64().unwrap();
    let allocated = line["position"]["allocated"].as_i64().unwrap();
    // The demo's PO-1001 already expects 24 bolts.
    let on_order = line["position"]["on_order"].as_i64().unwrap();
    assert_eq!(on_order, 24);
    let projected = on_hand - allocated + on_order;
    let qty = line["suggestion"]["qty"].as_i64().unwrap();
    assert_eq!(qty, ((1000 - projected) / 250 + 1) * 250, "{line}");
    assert!(
        line["suggestion"]["reason"]
            .as_str()
            .unwrap()
            .contains("reorder point 1000")
    );
    assert!(
        line["forecast"]["levels"]["explanation"]
            .as_str()
            .unwrap()
            .contains("lead time")
    );

    // Turned into a purchase order, it is on order and on the device as an expected receipt.
    let out = server.admin(&["replenish", "--warehouse", "WH1", "--order"]);
    let po = out
        .lines()
        .find_map(|l| l.strip_prefix("purchase order "))
        .and_then(|l| l.split(':').next())
        .unwrap()
        .to_string();
    assert_eq!(
        line_of(&server, BOLT)["position"]["on_order"],
        on_order + qty
    );
    assert!(
        line_of(&server, BOLT)["suggestion"].is_null(),
        "ordered: nothing more to suggest"
    );
    device.sync();
    let expected = device
        .store
        .receiving_work()
        .unwrap()
        .into_iter()
        .find(|l| l.receipt == po && l.sku == BOLT)
        .unwrap_or_else(|| panic!("{po} is on the device"));
    assert_eq!((expected.expected, expected.received), (qty, 0));

    // Receiving part of it reduces what is on order once synced.
    let req = ReceiveRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: BOLT_EAN.into(),
        qty: Some(100),
        receipt_line: Some(expected.receipt_line),
        ..Default::default()
    };
    device.store.receive(&req, &device.ctx).unwrap();
    device.sync();
    assert_eq!(
        line_of(&server, BOLT)["position"]["on_order"],
        on_order + qty - 100
    );
}

aisle_e2e::on_both!(bad_policies_and_orders_are_refused_with_reasons);
fn bad_policies_and_orders_are_refused_with_reasons(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 10);
    let storage = aisle_server::sql::SqlStorage::open_db(server.db.to_str().unwrap()).unwrap();
    let e = storage
        .create_purchase_order("WH1", None, &[(BOLT.into(), 0)], None)
        .unwrap_err();
    assert!(
        e.to_string().contains("quantity 0 must be at least 1"),
        "{e}"
    );
    let e = storage
        .create_purchase_order("WH1", None, &[("NOPE".into(), 5)], None)
        .unwrap_err();
    assert!(e.to_string().contains("no item with SKU \"NOPE\""), "{e}");
    let e = storage
        .replenishment("WH1", chrono::Utc::now().date_naive(), 1.5)
        .unwrap_err();
    assert!(e.to_string().contains("service level 1.5"), "{e}");
    let policy = aisle_domain::replenish::Policy {
        kind: aisle_domain::replenish::PolicyKind::MinMax { min: 10, max: 5 },
        safety_stock: 0,
        lead_time_days: 2,
    };
    let e = storage.set_policy("WH1", BOLT, &policy).unwrap_err();
    assert!(e.to_string().contains("max 5 must be above min 10"), "{e}");
}
