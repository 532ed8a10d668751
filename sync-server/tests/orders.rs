//! Short picks, as a warehouse lives them: a picker who does not find the stock raises a recount
//! and allocation stays away from the bin until it is counted; a supervisor ships what was picked
//! or backorders the rest. Driven through `router(state)` on a real SQLite file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::both;

use axum::http::StatusCode;
use common::device::{Device, item, location};
use common::{Api, get, with_token};
use serde_json::{Value, json};

/// Sends an order of one line of `sku` through the ERP API.
async fn order(api: &Api, token: &str, no: &str, sku: &str, qty: i64) {
    let (s, v) = api
        .supervise(
            token,
            "/v1/supervisor/orders",
            &json!({ "order": no, "lines": [{ "line": 1, "warehouse": "WH1", "sku": sku, "qty": qty }] }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

async fn get_json(api: &Api, token: &str, uri: &str) -> Value {
    let (s, v) = api.json(with_token(get(uri, None), token)).await;
    assert_eq!(s, StatusCode::OK, "{uri}: {v}");
    v
}

fn line_of(page: &Value, order: &str) -> Value {
    page["order_lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["order"] == order)
        .unwrap_or_else(|| panic!("no line of {order} in {page}"))
        .clone()
}

both!(a_bin_where_the_stock_was_not_found_is_recounted_before_anyone_picks_there_again);
async fn a_bin_where_the_stock_was_not_found_is_recounted_before_anyone_picks_there_again() {
    let api = Api::new();
    let token = api.supervisor_token().await;
    let mut a = Device::enrol(&api).await;
    let (item0, sku0) = item(&a.snap, 0);
    order(&api, &token, "SO-NF", &sku0, 5).await;
    let allocated = |alloc: &Value| -> Vec<String> {
        alloc
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["order"] == "SO-NF")
            .unwrap()["picks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["location"].as_str().unwrap().to_string())
            .collect()
    };
    let before =
        allocated(&get_json(&api, &token, "/v1/supervisor/allocation?warehouse=WH1").await);
    let bin = before
        .first()
        .cloned()
        .expect("the demo has stock to allocate");
    let line = line_of(&a.pull(&api).await, "SO-NF");
    // The picker finds the bin empty.
    let e = a.entry(
        "ALICE",
        json!({ "type": "pick", "key": { "item": item0, "location": location(&a.snap, &bin) },
                "qty": 0, "requested": 5, "short_reason": "location empty", "order_line": line["id"] }),
    );
    a.push_ok(&api, &[e]).await;
    let page = a.pull(&api).await;
    let recount: Vec<&Value> = page["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["blocks_picking"] == true)
        .collect();
    assert_eq!(recount.len(), 1, "{page}");
    assert_eq!(recount[0]["location_id"], location(&a.snap, &bin));
    assert!(
        recount[0]["reason"]
            .as_str()
            .unwrap()
            .contains("location empty")
    );
    let after = allocated(&get_json(&api, &token, "/v1/supervisor/allocation?warehouse=WH1").await);
    assert!(!after.contains(&bin), "allocation avoids {bin}: {after:?}");
    // A second "not found" there raises no second recount.
    let e = a.entry(
        "ALICE",
        json!({ "type": "pick", "key": { "item": item0, "location": location(&a.snap, &bin) },
                "qty": 0, "requested": 5, "short_reason": "not found", "order_line": line["id"] }),
    );
    a.push_ok(&api, &[e]).await;
    let open = get_json(&api, &token, "/v1/supervisor/tasks?warehouse=WH1").await;
    let recounts = open
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["blocks_picking"] == true)
        .count();
    assert_eq!(recounts, 1);
    // Counted (the bin did have stock after all): allocation may use it again.
    let key = json!({ "item": item0, "location": location(&a.snap, &bin) });
    let e = a.entry(
        "BOB",
        json!({ "type": "count", "key": key, "counted": 3, "expected": 3, "blind": true }),
    );
    a.push_ok(&api, &[e]).await;
    let open = get_json(&api, &token, "/v1/supervisor/tasks?warehouse=WH1").await;
    assert!(
        open.as_array()
            .unwrap()
            .iter()
            .all(|t| t["blocks_picking"] != true),
        "{open}"
    );
    let again = allocated(&get_json(&api, &token, "/v1/supervisor/allocation?warehouse=WH1").await);
    assert!(again.contains(&bin), "{again:?}");
}

both!(a_short_order_ships_what_was_picked_and_the_rest_is_backordered_or_cut);
async fn a_short_order_ships_what_was_picked_and_the_rest_is_backordered_or_cut() {
    let api = Api::new();
    let token = api.supervisor_token().await;
    let mut a = Device::enrol(&api).await;
    let (item0, sku0) = item(&a.snap, 0);
    order(&api, &token, "SO-BO", &sku0, 5).await;
    order(&api, &token, "SO-PART", &sku0, 4).await;
    let page = a.pull(&api).await;
    let rcv = location(&a.snap, "RCV-01");
    let receive =
        json!({ "type": "receive", "key": { "item": item0, "location": rcv }, "qty": 20 });
    let short = |line: &Value, qty: i64, requested: i64| {
        json!({ "type": "pick", "key": { "item": item0, "location": rcv }, "qty": qty,
                "requested": requested, "short_reason": "damaged", "order_line": line["id"] })
    };
    let entries = [
        a.entry("ALICE", receive),
        a.entry("ALICE", short(&line_of(&page, "SO-BO"), 3, 5)),
        a.entry("ALICE", short(&line_of(&page, "SO-PART"), 1, 4)),
    ];
    a.push_ok(&api, &entries).await;
    let pack = |order: &str| {
        let uri = format!("/v1/supervisor/orders/{order}/shipment");
        let api = &api;
        let token = &token;
        async move { api.supervise(token, &uri, &json!("packed")).await }
    };
    // Short, it cannot be packed; the refusal names its status as a word of its own, for a
    // supervisor reading another language.
    let (s, refused) = pack("SO-BO").await;
    assert_eq!(s, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["said"]["key"], "orders.pack_when_picked",
        "{refused}"
    );
    assert!(
        refused["said"]["args"]["status"]["key"]
            .as_str()
            .is_some_and(|k| k.starts_with("status.")),
        "{refused}"
    );
    let settle = |order: &str, choice: &str| {
        let uri = format!("/v1/supervisor/orders/{order}/short");
        let body = json!({ "choice": choice });
        let api = &api;
        let token = &token;
        async move { api.supervise(token, &uri, &body).await }
    };
    let (s, out) = settle("SO-BO", "backorder").await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(out["backorder"], "SO-BO-BO1");
    assert_eq!(
        (
            out["order"]["status"].clone(),
            out["order"]["cut"].clone(),
            out["order"]["ordered"].clone()
        ),
        (json!("picked"), json!(2), json!(5))
    );
    let (s, out) = settle("SO-PART", "ship_partial").await;
    assert_eq!(s, StatusCode::OK, "{out}");
    assert_eq!(out["backorder"], Value::Null);
    assert_eq!(out["order"]["cut"], 3);
    // Devices learn it: the original lines ask for what was picked, the backorder is open work.
    let page = a.pull(&api).await;
    assert_eq!(line_of(&page, "SO-BO")["qty"], 3);
    assert_eq!(line_of(&page, "SO-PART")["qty"], 1);
    let bo = line_of(&page, "SO-BO-BO1");
    assert_eq!(
        (bo["qty"].clone(), bo["picked_qty"].clone()),
        (json!(2), json!(0))
    );
    let alloc = get_json(&api, &token, "/v1/supervisor/allocation?warehouse=WH1").await;
    assert!(
        alloc
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["order"] == "SO-BO-BO1"),
        "the backorder is allocated: {alloc}"
    );
    // The short orders pack and ship; a settled or shipped order cannot be settled again.
    for o in ["SO-BO", "SO-PART"] {
        assert_eq!(pack(o).await.0, StatusCode::OK);
        let (s, v) = api
            .supervise(
                &token,
                &format!("/v1/supervisor/orders/{o}/shipment"),
                &json!({ "shipped": { "carrier": "DHL", "tracking": o } }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    assert_eq!(settle("SO-BO", "backorder").await.0, StatusCode::CONFLICT);
    assert_eq!(
        settle("SO-BO-BO1", "ship_partial").await.0,
        StatusCode::CONFLICT,
        "nothing picked short yet"
    );
    assert_eq!(settle("NOPE", "backorder").await.0, StatusCode::NOT_FOUND);
}
