//! The router driven in-process with `oneshot`: health, metrics, the OpenAPI document against
//! real responses, and error shapes for bad requests.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::both;

use aisle_server::storage::Administration;
use aisle_server::{AppState, OPENAPI, router};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Api, assert_matches_schema, get, post, with_token};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

both!(health_and_metrics);
async fn health_and_metrics() {
    let api = Api::new();
    let (s, v) = api.json(get("/healthz", None)).await;
    assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("ok")));
    let (s, body) = api.call(get("/metrics", None)).await;
    let text = String::from_utf8(body).unwrap();
    assert_eq!(s, StatusCode::OK);
    assert!(
        text.contains("# TYPE aisle_ops_applied_total counter"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("aisle_operations ") && l != "aisle_operations 0"),
        "demo opening stock is counted"
    );
}

both!(the_openapi_document_covers_every_route_and_real_responses);
async fn the_openapi_document_covers_every_route_and_real_responses() {
    let api = Api::new();
    let (s, doc) = api.json(get("/v1/openapi.json", None)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc, serde_json::from_str::<Value>(OPENAPI).unwrap());
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/healthz",
        "/metrics",
        "/v1/openapi.json",
        "/v1/enroll",
        "/v1/push",
        "/v1/pull",
        "/v1/snapshot",
        "/v1/supervisor/session",
        "/v1/supervisor/exceptions",
        "/v1/supervisor/exceptions/{id}/resolve",
        "/v1/supervisor/devices",
        "/v1/supervisor/devices/enrol",
        "/v1/supervisor/devices/{id}/revoke",
        "/v1/supervisor/dashboard",
        "/v1/supervisor/warehouses",
        "/v1/supervisor/operators",
        "/v1/supervisor/operators/{badge}/disable",
        "/v1/supervisor/operators/{badge}/enable",
        "/v1/supervisor/operators/{badge}/language",
        "/v1/supervisor/replenishment",
        "/v1/supervisor/purchase-orders",
        "/v1/supervisor/replenishment/orders",
        "/v1/supervisor/suppliers",
        "/v1/supervisor/supplier-items",
        "/v1/supervisor/returns",
        "/v1/supervisor/transfers",
        "/v1/supervisor/transfers/{transfer}/close",
        "/v1/supervisor/quarantine/release",
        "/v1/supervisor/stock",
        "/v1/supervisor/items/{sku}",
        "/v1/supervisor/counts",
        "/v1/supervisor/allocation",
        "/v1/supervisor/orders",
        "/v1/supervisor/item-warehouses",
        "/v1/supervisor/orders/{order}/shipment",
        "/v1/supervisor/pick-faces",
        "/v1/supervisor/expiring",
        "/v1/supervisor/tasks",
        "/v1/supervisor/tasks/top-ups",
        "/v1/supervisor/tasks/counts",
        "/v1/supervisor/tasks/{id}/cancel",
        "/v1/supervisor/exceptions/{id}/recount",
        "/v1/supervisor/valuation",
        "/v1/supervisor/audit",
        "/v1/supervisor/locations/{code}",
        "/v1/supervisor/lots/{lot}",
        "/v1/supervisor/receipts",
        "/v1/claims",
        "/v1/supervisor/leases",
        "/v1/supervisor/leases/release",
        "/v1/supervisor/leases/assign",
        "/v1/supervisor/orders/{order}/short",
        "/v1/supervisor/waves",
        "/v1/supervisor/waves/{wave}/release",
        "/v1/sscc-blocks",
        "/v1/supervisor/cartons",
        "/v1/supervisor/cartons/{sscc}/label",
        "/v1/supervisor/cartons/{sscc}/print",
        "/v1/supervisor/shipments",
        "/v1/supervisor/shipments/{shipment}/packing-slip",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} undocumented");
    }
    let (token, device) = api.token().await;
    let (s, pull) = api.json(get("/v1/pull?cursor=0&rev=0", Some(&token))).await;
    assert_eq!(s, StatusCode::OK);
    assert_matches_schema(&doc, "PullResponse", &pull);
    assert_matches_schema(&doc, "ServerOp", &pull["ops"][0]);
    assert_matches_schema(&doc, "ChangeLogEntry", &pull["ops"][0]["entry"]);
    assert_matches_schema(&doc, "Item", &pull["master"]["items"][0]);
    assert_matches_schema(&doc, "Location", &pull["master"]["locations"][0]);
    let (s, snap) = api.json(get("/v1/snapshot", Some(&token))).await;
    assert_eq!(s, StatusCode::OK);
    assert_matches_schema(&doc, "Snapshot", &snap);
    let epoch = pull["epoch"].clone();
    let (s, push) = api
        .json(post(
            "/v1/push",
            &serde_json::json!({ "device_id": device, "epoch": epoch, "entries": [] }),
            Some(&token),
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_matches_schema(&doc, "PushResponse", &push);
    let (s, err) = api.json(get("/v1/pull?cursor=0&rev=0", None)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_matches_schema(&doc, "ErrorBody", &err);
}

both!(an_enrolment_whose_answer_was_lost_can_be_asked_again_until_the_token_is_used);
async fn an_enrolment_whose_answer_was_lost_can_be_asked_again_until_the_token_is_used() {
    let api = Api::new();
    let code = api.with_storage(|s| {
        s.create_enrolment("WH1", "T1", chrono::Duration::hours(1))
            .unwrap()
            .code
    });
    let device = aisle_domain::DeviceId::new().to_string();
    let body = serde_json::json!({ "code": code, "device_id": device, "name": "T1", "app_version": "test" });
    // The first answer never reached the tablet; it asks again and gets a new token.
    let (s, first) = api.json(post("/v1/enroll", &body, None)).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    let (s, again) = api.json(post("/v1/enroll", &body, None)).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_ne!(first["token"], again["token"]);
    let lost = first["token"].as_str().unwrap();
    let token = again["token"].as_str().unwrap();
    let (s, _) = api.json(get("/v1/pull?cursor=0&rev=0", Some(lost))).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the lost token is dead");
    // Another device cannot use the code.
    let other = serde_json::json!({ "code": code, "device_id": aisle_domain::DeviceId::new(), "name": "T2", "app_version": "test" });
    let (s, v) = api.json(post("/v1/enroll", &other, None)).await;
    assert_eq!(
        (s, v["kind"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized")),
        "{v}"
    );
    // Once the device has used its token, the code is spent for it too.
    let (s, _) = api.json(get("/v1/pull?cursor=0&rev=0", Some(token))).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = api.json(post("/v1/enroll", &body, None)).await;
    assert_eq!(
        (s, v["kind"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized")),
        "{v}"
    );
    let (s, _) = api.json(get("/v1/pull?cursor=0&rev=0", Some(token))).await;
    assert_eq!(s, StatusCode::OK, "and its token still works");
}

both!(bad_requests_get_precise_errors_in_one_shape);
async fn bad_requests_get_precise_errors_in_one_shape() {
    let api = Api::new();
    let (token, device) = api.token().await;
    // Unknown enrolment code.
    let body = serde_json::json!({ "code": "NOPE", "device_id": aisle_domain::DeviceId::new(), "name": "X", "app_version": "1" });
    let (s, v) = api.json(post("/v1/enroll", &body, None)).await;
    assert_eq!(
        (s, v["kind"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    // Malformed JSON and a missing field say what is wrong.
    let req = Request::post("/v1/push")
        .header("aisle-protocol", "1")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let (s, v) = api.json(req).await;
    assert_eq!(
        (s, v["kind"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );
    let (s, v) = api
        .json(post(
            "/v1/push",
            &serde_json::json!({ "device_id": device }),
            Some(&token),
        ))
        .await;
    assert_eq!(
        (s, v["kind"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );
    assert!(
        v["message"].as_str().unwrap().contains("missing field"),
        "{v}"
    );
    // A body over the limit is refused before it is parsed.
    let huge = vec![b' '; aisle_server::api::MAX_BODY_BYTES + 1];
    let req = Request::post("/v1/push")
        .header("aisle-protocol", "1")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(huge))
        .unwrap();
    let (s, _) = api.call(req).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    // A bad query string.
    let (s, v) = api
        .json(get("/v1/pull?cursor=minus-one&rev=0", Some(&token)))
        .await;
    assert_eq!(
        (s, v["kind"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );
}

both!(a_large_import_reaches_devices_in_one_pull);
async fn a_large_import_reaches_devices_in_one_pull() {
    // More lines than SQLite accepts bound parameters in one statement (32,766).
    let api = Api::new();
    let mut csv = String::from("order,line,warehouse,sku,qty\n");
    for i in 0..33_000 {
        csv.push_str(&format!("BULK-{i},1,WH1,HAR-00001,1\n"));
    }
    assert_eq!(
        api.with_storage(|s| s
            .import(
                aisle_server::storage::ImportKind::Orders,
                &mut csv.as_bytes()
            )
            .unwrap()),
        33_000
    );
    let (token, _) = api.token().await;
    let (s, pull) = api.json(get("/v1/pull?cursor=0&rev=0", Some(&token))).await;
    assert_eq!(s, StatusCode::OK, "{pull}");
    let bulk = pull["order_lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["order"].as_str().unwrap().starts_with("BULK-"))
        .count();
    assert_eq!(bulk, 33_000, "besides the demo's own orders");
    // Nothing changed since: the next pull carries no work again.
    let rev = pull["rev"].as_u64().unwrap();
    let (_, again) = api
        .json(get(&format!("/v1/pull?cursor=0&rev={rev}"), Some(&token)))
        .await;
    assert!(again["order_lines"].as_array().unwrap().is_empty());
}

both!(supervisors_sign_in_resolve_exceptions_and_raise_purchase_orders);
async fn supervisors_sign_in_resolve_exceptions_and_raise_purchase_orders() {
    let api = Api::new();
    let (_, doc) = api.json(get("/v1/openapi.json", None)).await;
    let sign_in = |badge: &str, pin: &str| {
        post(
            "/v1/supervisor/session",
            &serde_json::json!({ "badge": badge, "pin": pin }),
            None,
        )
    };
    // Operators, wrong PINs and unknown badges are refused alike; nothing without a session.
    // The refusal carries its catalog key too, for pages in another language.
    for (badge, pin, says, key) in [
        (
            "ALICE",
            "1234",
            "not a supervisor",
            "signin.not_a_supervisor",
        ),
        (
            "SUP1",
            "0000",
            "wrong badge or PIN",
            "signin.wrong_badge_or_pin",
        ),
        (
            "NOBODY",
            "4321",
            "wrong badge or PIN",
            "signin.wrong_badge_or_pin",
        ),
    ] {
        let (s, v) = api.json(sign_in(badge, pin)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{badge}: {v}");
        assert!(v["message"].as_str().unwrap().contains(says), "{v}");
        assert_eq!(v["said"]["key"], key, "{v}");
        assert_eq!(v["said"]["text"], v["message"], "{v}");
        assert_matches_schema(&doc, "ErrorBody", &v);
    }
    let (s, _) = api.json(get("/v1/supervisor/exceptions", None)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = api
        .json(get("/v1/supervisor/exceptions", Some("forged")))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    let (s, session) = api.json(sign_in("SUP1", "4321")).await;
    assert_eq!(s, StatusCode::OK, "{session}");
    assert_matches_schema(&doc, "SupervisorSession", &session);
    let token = session["token"].as_str().unwrap().to_string();
    let (s, me) = api.json(get("/v1/supervisor/session", Some(&token))).await;
    assert_eq!((s, me["badge"].as_str()), (StatusCode::OK, Some("SUP1")));

    // An exception to resolve: a device's count far from the books.
    let (device_token, device) = api.token().await;
    let (_, pull) = api.json(get("/v1/snapshot", Some(&device_token))).await;
    let row = pull["stock"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["qty"].as_i64().unwrap() > 10 && r["key"].get("lot").is_none())
        .unwrap();
    let op = serde_json::json!({ "type": "count", "key": row["key"], "counted": 0, "expected": row["qty"], "blind": true });
    let (s, v) = api.push_first(&device_token, &device, &pull, op).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, list) = api
        .json(get("/v1/supervisor/exceptions", Some(&token)))
        .await;
    assert_eq!(s, StatusCode::OK);
    let x = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "count_variance")
        .unwrap_or_else(|| panic!("{list}"));
    assert_matches_schema(&doc, "Exception", x);
    let id = x["id"].as_str().unwrap();
    let resolve = |body: Value| {
        with_token(
            post(
                &format!("/v1/supervisor/exceptions/{id}/resolve"),
                &body,
                None,
            ),
            &token,
        )
    };
    let (s, v) = api.json(resolve(serde_json::json!({ "delete": {} }))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (s, v) = api
        .json(resolve(
            serde_json::json!({ "accept": { "note": "recounted: the books are right" } }),
        ))
        .await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("resolved")),
        "{v}"
    );
    assert!(v["resolution"].as_str().unwrap().contains("SUP1"), "{v}");
    let (_, open) = api
        .json(get("/v1/supervisor/exceptions", Some(&token)))
        .await;
    assert!(open.as_array().unwrap().iter().all(|x| x["id"] != id));

    // Devices and replenishment, then a purchase order from a suggestion.
    let (s, devices) = api.json(get("/v1/supervisor/devices", Some(&token))).await;
    assert_eq!(s, StatusCode::OK);
    assert_matches_schema(&doc, "Device", &devices[0]);
    let (s, warehouses) = api
        .json(get("/v1/supervisor/warehouses", Some(&token)))
        .await;
    assert_eq!(s, StatusCode::OK);
    let codes: Vec<&str> = warehouses
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["WH1", "WH2"], "{warehouses}");
    assert_matches_schema(&doc, "WarehouseRef", &warehouses[0]);
    let (s, lines) = api
        .json(get(
            "/v1/supervisor/replenishment?warehouse=WH1&service_level=0.9",
            Some(&token),
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{lines}");
    let line = &lines[0];
    assert_matches_schema(&doc, "ReplenishmentLine", line);
    let (s, v) = api
        .json(get(
            "/v1/supervisor/replenishment?warehouse=WH1&service_level=2",
            Some(&token),
        ))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let po = |lines: Value| {
        with_token(
            post(
                "/v1/supervisor/purchase-orders",
                &serde_json::json!({ "warehouse": "WH1", "lines": lines }),
                None,
            ),
            &token,
        )
    };
    let (s, v) = api
        .json(po(serde_json::json!([{ "sku": line["sku"], "qty": 0 }])))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = api
        .json(po(serde_json::json!([{ "sku": line["sku"], "qty": 12 }])))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_matches_schema(&doc, "PurchaseOrderResponse", &v);
    let (_, after) = api
        .json(get(
            "/v1/supervisor/replenishment?warehouse=WH1",
            Some(&token),
        ))
        .await;
    let same = after
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["sku"] == line["sku"])
        .unwrap();
    assert_eq!(
        same["position"]["on_order"].as_i64().unwrap(),
        line["position"]["on_order"].as_i64().unwrap() + 12
    );

    // Stock search and the item page.
    let (s, hits) = api
        .json(get("/v1/supervisor/stock?q=hex%20bolt", Some(&token)))
        .await;
    assert_eq!(s, StatusCode::OK, "{hits}");
    assert_matches_schema(&doc, "StockHit", &hits[0]);
    assert!(hits.as_array().unwrap().iter().all(|h| {
        h["description"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("hex bolt")
    }));
    let (s, v) = api
        .json(get("/v1/supervisor/stock?q=%20", Some(&token)))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let sku = hits[0]["sku"].as_str().unwrap();
    let (s, item) = api
        .json(get(
            &format!("/v1/supervisor/items/{sku}?warehouse=WH1"),
            Some(&token),
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{item}");
    assert_matches_schema(&doc, "ItemDetail", &item);
    assert_eq!(item["history"].as_array().unwrap().len(), 182);
    assert_eq!(item["forecast"].as_array().unwrap().len(), 28);
    let moves = item["movements"].as_array().unwrap();
    assert!(!moves.is_empty() && moves.len() <= 50, "{moves:?}");
    let seqs: Vec<u64> = moves
        .iter()
        .map(|m| m["server_seq"].as_u64().unwrap())
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let (s, _) = api
        .json(get("/v1/supervisor/items/NOPE?warehouse=WH1", Some(&token)))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The cycle-count plan: the demo's history makes some items A; the item just counted is
    // not due again for a while, and items never counted are due today.
    let (s, plan) = api
        .json(get("/v1/supervisor/counts?warehouse=WH1", Some(&token)))
        .await;
    assert_eq!(s, StatusCode::OK, "{plan}");
    let plan = plan.as_array().unwrap();
    assert_matches_schema(&doc, "CountTask", &plan[0]);
    assert!(plan.iter().any(|t| t["class"] == "A"), "{plan:?}");
    let today = chrono::Utc::now().date_naive().to_string();
    let counted = plan
        .iter()
        .find(|t| t["last_counted"] == today)
        .unwrap_or_else(|| panic!("the counted item: {plan:?}"));
    assert!(
        counted["due_on"].as_str().unwrap() > today.as_str(),
        "{counted}"
    );
    assert!(
        plan.iter()
            .any(|t| t["last_counted"].is_null() && t["due_on"] == today)
    );
    let dues: Vec<&str> = plan.iter().map(|t| t["due_on"].as_str().unwrap()).collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "most overdue first");

    // Expiring stock: within the window only, earliest first.
    let (s, soon) = api
        .json(get(
            "/v1/supervisor/expiring?warehouse=WH1&days=400",
            Some(&token),
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{soon}");
    let soon = soon.as_array().unwrap();
    assert!(!soon.is_empty(), "the demo has dated stock");
    assert_matches_schema(&doc, "Expiring", &soon[0]);
    let left: Vec<i64> = soon
        .iter()
        .map(|x| x["days_left"].as_i64().unwrap())
        .collect();
    assert!(
        left.windows(2).all(|w| w[0] <= w[1]) && left.iter().all(|d| *d <= 400),
        "{left:?}"
    );
    let (_, none) = api
        .json(get(
            "/v1/supervisor/expiring?warehouse=WH1&days=0",
            Some(&token),
        ))
        .await;
    assert!(
        none.as_array().unwrap().is_empty(),
        "nothing has expired: {none}"
    );

    // Open order lines allocated to stock: every unit is either allocated or short, and no more
    // is promised from a location than it holds.
    let (s, alloc) = api
        .json(get("/v1/supervisor/allocation?warehouse=WH1", Some(&token)))
        .await;
    assert_eq!(s, StatusCode::OK, "{alloc}");
    let alloc = alloc.as_array().unwrap();
    assert!(!alloc.is_empty(), "the demo has open orders");
    assert_matches_schema(&doc, "LineAllocation", &alloc[0]);
    let mut promised: std::collections::HashMap<String, i64> = Default::default();
    for a in alloc {
        let picked: i64 = a["picks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["qty"].as_i64().unwrap())
            .sum();
        assert_eq!(
            picked + a["short"].as_i64().unwrap(),
            a["open"].as_i64().unwrap(),
            "{a}"
        );
        for p in a["picks"].as_array().unwrap() {
            *promised
                .entry(format!("{}|{}", p["location"], a["sku"]))
                .or_default() += p["qty"].as_i64().unwrap();
        }
    }
    let (_, item) = api
        .json(get(
            &format!(
                "/v1/supervisor/items/{}?warehouse=WH1",
                alloc[0]["sku"].as_str().unwrap()
            ),
            Some(&token),
        ))
        .await;
    for l in item["stock"].as_array().unwrap() {
        let key = format!("{}|{}", l["location"], alloc[0]["sku"]);
        assert!(promised.get(&key).copied().unwrap_or(0) <= l["qty"].as_i64().unwrap());
    }

    // Signing out ends the session at once.
    let mut out = get("/v1/supervisor/session", Some(&token));
    *out.method_mut() = axum::http::Method::DELETE;
    let (s, _) = api.call(out).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = api.json(get("/v1/supervisor/devices", Some(&token))).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

both!(orders_are_packed_then_shipped_only_when_picked);
async fn orders_are_packed_then_shipped_only_when_picked() {
    let api = Api::new();
    let (_, doc) = api.json(get("/v1/openapi.json", None)).await;
    api.with_storage(|s| {
        s.import(
            aisle_server::storage::ImportKind::Orders,
            &mut "order,line,warehouse,sku,qty,customer\nSO-T,1,WH1,HAR-00001,2,Test Co\n"
                .as_bytes(),
        )
        .unwrap()
    });
    let token = api.supervisor_token().await;
    let ship = |body: Value| {
        with_token(
            post("/v1/supervisor/orders/SO-T/shipment", &body, None),
            &token,
        )
    };
    let (s, v) = api.json(ship(serde_json::json!("packed"))).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("SO-T is open (0 of 2 picked)"),
        "{v}"
    );

    // A device picks the line in full.
    let (device_token, device) = api.token().await;
    let (_, snap) = api.json(get("/v1/snapshot", Some(&device_token))).await;
    let line = snap["order_lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["order"] == "SO-T")
        .unwrap()
        .clone();
    let row = snap["stock"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"]["item"] == line["item_id"] && r["qty"].as_i64().unwrap() >= 2)
        .unwrap()
        .clone();
    let op = serde_json::json!({ "type": "pick", "key": row["key"], "qty": 2, "requested": 2, "order_line": line["id"] });
    let (s, v) = api.push_first(&device_token, &device, &snap, op).await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let (s, list) = api
        .json(get("/v1/supervisor/orders?warehouse=WH1", Some(&token)))
        .await;
    assert_eq!(s, StatusCode::OK);
    let o = list
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["order"] == "SO-T")
        .unwrap();
    assert_matches_schema(&doc, "OrderStatus", o);
    assert_eq!(
        (o["status"].as_str(), o["picked"].as_i64()),
        (Some("picked"), Some(2))
    );
    let (s, v) = api
        .json(ship(
            serde_json::json!({ "shipped": { "carrier": "DHL", "tracking": "JD1" } }),
        ))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "not packed yet: {v}");
    let (s, v) = api.json(ship(serde_json::json!("packed"))).await;
    assert_eq!(
        (s, v["status"].as_str()),
        (StatusCode::OK, Some("packed")),
        "{v}"
    );
    let (s, v) = api
        .json(ship(
            serde_json::json!({ "shipped": { "carrier": "DHL", "tracking": " " } }),
        ))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = api
        .json(ship(
            serde_json::json!({ "shipped": { "carrier": "DHL", "tracking": "JD0001" } }),
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        (
            v["status"].as_str(),
            v["carrier"].as_str(),
            v["tracking"].as_str()
        ),
        (Some("shipped"), Some("DHL"), Some("JD0001"))
    );
    let (s, _) = api.json(ship(serde_json::json!("packed"))).await;
    assert_eq!(s, StatusCode::CONFLICT, "shipped is final");
    let mut no_order = ship(serde_json::json!("packed"));
    *no_order.uri_mut() = "/v1/supervisor/orders/NOPE/shipment".parse().unwrap();
    let (s, _) = api.json(no_order).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

both!(pick_faces_below_a_quarter_are_topped_up_from_storage);
async fn pick_faces_below_a_quarter_are_topped_up_from_storage() {
    let api = Api::with_items(20);
    // A device moves most of a pick face's stock into a storage bin: the face is low, and the
    // storage bin holds what can fill it.
    let (device_token, device) = api.token().await;
    let (_, snap) = api.json(get("/v1/snapshot", Some(&device_token))).await;
    let locations = snap["master"]["locations"].as_array().unwrap();
    let code_of = |id: &Value| {
        locations
            .iter()
            .find(|l| l["id"] == *id)
            .map(|l| l["code"].as_str().unwrap().to_string())
            .unwrap()
    };
    let row = snap["stock"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            code_of(&r["key"]["location"]).starts_with("A-")
                && r["key"].get("lot").is_none()
                && r["key"].get("expiry").is_none()
                && r["qty"].as_i64().unwrap() >= 10
        })
        .unwrap()
        .clone();
    let storage = locations.iter().find(|l| l["code"] == "B-02-03-4").unwrap()["id"].clone();
    let moved = row["qty"].as_i64().unwrap() - 2;
    let op = serde_json::json!({ "type": "move", "item": row["key"]["item"], "from": row["key"]["location"], "to": storage, "qty": moved });
    let (s, v) = api.push_first(&device_token, &device, &snap, op).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let face = code_of(&row["key"]["location"]);
    let (_, doc) = api.json(get("/v1/openapi.json", None)).await;
    let token = api.supervisor_token().await;
    // Pick-face top-ups: only faces under a quarter of capacity, never beyond capacity.
    let (s, tops) = api
        .json(get("/v1/supervisor/pick-faces?warehouse=WH1", Some(&token)))
        .await;
    assert_eq!(s, StatusCode::OK, "{tops}");
    let mut filled: std::collections::HashMap<String, i64> = Default::default();
    for t in tops.as_array().unwrap() {
        assert_matches_schema(&doc, "FaceTopUp", t);
        let (face, cap) = (
            t["face_qty"].as_i64().unwrap(),
            t["capacity"].as_i64().unwrap(),
        );
        assert!(face < cap / 4, "{t}");
        assert!(
            t["to"].as_str().unwrap().starts_with("A-"),
            "to a pick face: {t}"
        );
        assert!(
            t["from"].as_str().unwrap().starts_with("B-"),
            "from storage: {t}"
        );
        let key = format!("{}|{}", t["to"], t["sku"]);
        *filled.entry(key).or_insert(face) += t["qty"].as_i64().unwrap();
        assert!(filled.values().all(|v| *v <= cap), "{t}");
    }
    // The push that left the face low sent its top-up to the devices by itself; the listing
    // does not offer that face again while the task is on its way.
    assert!(
        !tops
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["to"] == face.as_str()),
        "{face} already has a task: {tops}"
    );
    let (s, tasks) = api
        .json(get("/v1/supervisor/tasks?warehouse=WH1", Some(&token)))
        .await;
    assert_eq!(s, StatusCode::OK, "{tasks}");
    let auto: Vec<&Value> = tasks.as_array().unwrap().iter().collect();
    assert_eq!(auto.len(), 1, "one face went low, one task: {tasks}");
    let ours = auto[0];
    assert_matches_schema(&doc, "TaskLine", ours);
    assert_eq!(
        (
            ours["type"].as_str(),
            ours["to_code"].as_str(),
            ours["from_code"].as_str(),
            ours["status"].as_str()
        ),
        (
            Some("move"),
            Some(face.as_str()),
            Some("B-02-03-4"),
            Some("open")
        )
    );
    let capacity = locations
        .iter()
        .find(|l| l["code"] == face.as_str())
        .unwrap()["capacity"]
        .as_i64()
        .unwrap();
    assert_eq!(ours["qty"].as_i64().unwrap(), moved.min(capacity - 2));
    assert!(
        ours["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("holds 2 of {capacity}")),
        "{ours}"
    );

    // Cancelled, the task no longer covers the face: it is listed again, and the supervisor
    // sends it anew.
    let (s, c) = api
        .supervise(
            &token,
            &format!(
                "/v1/supervisor/tasks/{}/cancel",
                ours["id"].as_str().unwrap()
            ),
            &serde_json::json!(null),
        )
        .await;
    assert_eq!(
        (s, c["status"].as_str()),
        (StatusCode::OK, Some("cancelled")),
        "{c}"
    );
    let (_, tops) = api
        .json(get("/v1/supervisor/pick-faces?warehouse=WH1", Some(&token)))
        .await;
    let relisted = tops
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["to"] == face.as_str())
        .unwrap_or_else(|| panic!("{face} is low again: {tops}"))
        .clone();
    assert_eq!(relisted["qty"], ours["qty"]);
    // The supervisor sends the low faces; then nothing is left to list.
    let (s, sent) = api
        .supervise(
            &token,
            "/v1/supervisor/tasks/top-ups",
            &serde_json::json!({ "warehouse": "WH1" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sent}");
    assert_eq!(
        sent.as_array().unwrap().len(),
        tops.as_array().unwrap().len()
    );
    let (_, tops) = api
        .json(get("/v1/supervisor/pick-faces?warehouse=WH1", Some(&token)))
        .await;
    assert_eq!(tops, serde_json::json!([]), "every low face has its task");

    // The device pulls the task, carries out part of it, then the rest: done exactly once.
    let (_, page) = api
        .json(get(
            &format!("/v1/pull?cursor={}&rev={}", snap["cursor"], snap["rev"]),
            Some(&device_token),
        ))
        .await;
    assert_matches_schema(&doc, "PullResponse", &page);
    let pulled = page["tasks"].as_array().unwrap();
    assert_eq!(pulled.len(), 1 + sent.as_array().unwrap().len(), "{page}");
    assert!(
        pulled
            .iter()
            .any(|t| t["id"] == ours["id"] && t["status"] == "cancelled"),
        "the device learns of the cancellation: {page}"
    );
    let ours = sent
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["to"] == ours["to"])
        .unwrap()
        .clone();
    let task = pulled.iter().find(|t| t["id"] == ours["id"]).unwrap();
    assert_matches_schema(&doc, "Task", task);
    let qty = task["qty"].as_i64().unwrap();
    let wh = snap["master"]["warehouses"][0]["id"].clone();
    let entry = |seq: u64, qty: i64| {
        serde_json::json!({
            "op_id": aisle_domain::OpId::new(), "device_id": device, "seq": seq, "schema_version": 1,
            "warehouse_id": wh, "operator": "ALICE", "device_time": chrono::Utc::now(), "scans": [],
            "seen_cursor": page["cursor"],
            "op": { "type": "move", "item": task["item_id"], "from": task["from"], "to": task["to"], "qty": qty, "task": task["id"] }
        })
    };
    let push = |entries: Vec<Value>| {
        post(
            "/v1/push",
            &serde_json::json!({ "device_id": device, "epoch": snap["epoch"], "entries": entries }),
            Some(&device_token),
        )
    };
    let first = entry(2, qty - 1);
    let (s, v) = api.json(push(vec![first.clone()])).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let open_task = |tasks: &Value| {
        tasks
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == ours["id"])
            .cloned()
    };
    let (_, tasks) = api
        .json(get("/v1/supervisor/tasks?warehouse=WH1", Some(&token)))
        .await;
    assert_eq!(
        open_task(&tasks).unwrap()["done_qty"],
        qty - 1,
        "partly done, still open"
    );
    // A retried push of the same entry changes nothing; the last unit finishes the task.
    let (s, v) = api.json(push(vec![first, entry(3, 1)])).await;
    assert_eq!(
        (s, v["duplicates"].as_u64(), v["applied"].as_u64()),
        (StatusCode::OK, Some(1), Some(1)),
        "{v}"
    );
    let (_, tasks) = api
        .json(get("/v1/supervisor/tasks?warehouse=WH1", Some(&token)))
        .await;
    assert!(
        open_task(&tasks).is_none(),
        "done tasks leave the open list"
    );
    let (_, all) = api
        .json(get(
            "/v1/supervisor/tasks?warehouse=WH1&all=true",
            Some(&token),
        ))
        .await;
    let done = open_task(&all).unwrap();
    assert_eq!(
        (done["status"].as_str(), done["done_qty"].as_i64()),
        (Some("done"), Some(qty))
    );
    let (_, page) = api
        .json(get(
            &format!("/v1/pull?cursor={}&rev={}", page["cursor"], page["rev"]),
            Some(&device_token),
        ))
        .await;
    assert!(
        page["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == ours["id"] && t["status"] == "done"),
        "devices learn it is done: {page}"
    );
}

both!(count_tasks_recounts_and_rejected_counts_restore_the_books);
async fn count_tasks_recounts_and_rejected_counts_restore_the_books() {
    let api = Api::with_items(10);
    let (_, doc) = api.json(get("/v1/openapi.json", None)).await;
    let token = api.supervisor_token().await;
    let (device_token, device) = api.token().await;
    let (_, snap) = api.json(get("/v1/snapshot", Some(&device_token))).await;
    let row = snap["stock"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["qty"].as_i64().unwrap() >= 10)
        .unwrap()
        .clone();
    let sku = snap["master"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == row["key"]["item"])
        .unwrap()["sku"]
        .as_str()
        .unwrap()
        .to_string();

    // Count tasks for one item: one per location that holds it, blind, not sent twice.
    let release = |skus: Vec<&str>| {
        with_token(
            post(
                "/v1/supervisor/tasks/counts",
                &serde_json::json!({ "warehouse": "WH1", "skus": skus }),
                None,
            ),
            &token,
        )
    };
    let (s, sent) = api.json(release(vec![&sku])).await;
    assert_eq!(s, StatusCode::CREATED, "{sent}");
    let sent = sent.as_array().unwrap().clone();
    let holding = snap["stock"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["key"]["item"] == row["key"]["item"])
        .map(|r| r["key"]["location"].to_string())
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(sent.len(), holding.len(), "{sent:?}");
    for t in &sent {
        assert_matches_schema(&doc, "Task", t);
        assert_eq!(
            (t["type"].as_str(), t["blind"].as_bool()),
            (Some("count"), Some(true))
        );
        assert!(t["reason"].as_str().unwrap().contains(&sku), "{t}");
    }
    let (_, again) = api.json(release(vec![&sku])).await;
    assert_eq!(
        again,
        serde_json::json!([]),
        "open counts are not sent twice"
    );
    let (s, v) = api.json(release(vec!["NO-SUCH-SKU"])).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");

    // The device counts far below the books, naming the task: the task is done, and the
    // variance waits for the supervisor.
    let task = sent
        .iter()
        .find(|t| t["location_id"] == row["key"]["location"])
        .unwrap();
    let booked = row["qty"].as_i64().unwrap();
    let op = serde_json::json!({ "type": "count", "key": row["key"], "counted": 1, "expected": booked, "blind": true, "task": task["id"] });
    let (s, v) = api.push_first(&device_token, &device, &snap, op).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, all) = api
        .json(get(
            "/v1/supervisor/tasks?warehouse=WH1&all=true",
            Some(&token),
        ))
        .await;
    let counted = all
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == task["id"])
        .unwrap();
    assert_eq!(counted["status"], "done");
    let (_, exceptions) = api
        .json(get("/v1/supervisor/exceptions", Some(&token)))
        .await;
    let x = exceptions
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "count_variance")
        .unwrap()
        .clone();

    // A recount goes to the devices (blind); the exception stays open meanwhile.
    let recount = |id: &Value| {
        with_token(
            post(
                &format!("/v1/supervisor/exceptions/{}/recount", id.as_str().unwrap()),
                &serde_json::json!(null),
                None,
            ),
            &token,
        )
    };
    let (s, re) = api.json(recount(&x["id"])).await;
    assert_eq!(s, StatusCode::CREATED, "{re}");
    assert!(
        re["reason"]
            .as_str()
            .unwrap()
            .starts_with("recount asked by SUP1"),
        "{re}"
    );
    let (s, _) = api.json(recount(&x["id"])).await;
    assert_eq!(s, StatusCode::CONFLICT, "one recount at a time");
    let (s, cancelled) = api
        .supervise(
            &token,
            &format!("/v1/supervisor/tasks/{}/cancel", re["id"].as_str().unwrap()),
            &serde_json::json!(null),
        )
        .await;
    assert_eq!(
        (s, cancelled["status"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );

    // Rejecting the count puts the books back to the figure before it.
    let on_hand = |api: &Api| {
        let key: aisle_domain::StockKey = serde_json::from_value(row["key"].clone()).unwrap();
        let mut out = Vec::new();
        api.with_storage(|s| {
            s.export(aisle_server::storage::ExportKind::Stock, &mut out)
                .unwrap()
        });
        (key, String::from_utf8(out).unwrap())
    };
    let (_, before) = on_hand(&api);
    let resolve = |body: Value| {
        with_token(
            post(
                &format!(
                    "/v1/supervisor/exceptions/{}/resolve",
                    x["id"].as_str().unwrap()
                ),
                &body,
                None,
            ),
            &token,
        )
    };
    let (s, done) = api
        .json(resolve(
            serde_json::json!({ "reject": { "note": "shelf was blocked" } }),
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert!(
        done["resolution"]
            .as_str()
            .unwrap()
            .contains(&format!("back to {booked}")),
        "{done}"
    );
    let (_, after) = on_hand(&api);
    assert_ne!(before, after);
    let (_, page) = api
        .json(get(
            &format!("/v1/pull?cursor={}&rev=0", snap["cursor"]),
            Some(&device_token),
        ))
        .await;
    let adjust = page["ops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["entry"]["op"]["type"] == "adjust")
        .unwrap();
    assert_eq!(
        adjust["entry"]["op"]["qty"].as_i64().unwrap(),
        booked - 1,
        "the count's difference, reversed"
    );
    // Only count variances can be rejected.
    let (_, exceptions) = api
        .json(get("/v1/supervisor/exceptions", Some(&token)))
        .await;
    if let Some(other) = exceptions
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] != "count_variance")
    {
        let req = with_token(
            post(
                &format!(
                    "/v1/supervisor/exceptions/{}/resolve",
                    other["id"].as_str().unwrap()
                ),
                &serde_json::json!({ "reject": { "note": "no" } }),
                None,
            ),
            &token,
        );
        let (s, v) = api.json(req).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    }
}

both!(stock_is_valued_at_unit_cost_and_uncosted_items_are_named);
async fn stock_is_valued_at_unit_cost_and_uncosted_items_are_named() {
    let api = Api::with_items(4);
    let (_, doc) = api.json(get("/v1/openapi.json", None)).await;
    let token = api.supervisor_token().await;
    let mut csv = "sku,unit_cost,currency\n".to_string();
    let (_, v) = api
        .json(get("/v1/supervisor/valuation?warehouse=WH1", Some(&token)))
        .await;
    assert_matches_schema(&doc, "Valuation", &v);
    let items = v["items"].as_array().unwrap().clone();
    assert!(items.len() >= 2, "{v}");
    // Known costs: 2.50 for the first, 0.125 for the second, zero for the rest.
    let (a, b) = (&items[0], &items[1]);
    csv += &format!(
        "{},2.50,EUR\n{},0.125,EUR\n",
        a["sku"].as_str().unwrap(),
        b["sku"].as_str().unwrap()
    );
    api.with_storage(|s| {
        s.import(
            aisle_server::storage::ImportKind::Costs,
            &mut csv.as_bytes(),
        )
    })
    .unwrap();
    let mut zero = "sku,unit_cost,currency\n".to_string();
    for i in &items[2..] {
        zero += &format!("{},0,EUR\n", i["sku"].as_str().unwrap());
    }
    api.with_storage(|s| {
        s.import(
            aisle_server::storage::ImportKind::Costs,
            &mut zero.as_bytes(),
        )
    })
    .unwrap();
    // A new item without a cost, received by a device: its value is unknown, not zero.
    api.with_storage(|s| {
        s.import(
            aisle_server::storage::ImportKind::Items,
            &mut "sku,description,barcodes\nNEW-1,New thing,INT-NEW-1\n".as_bytes(),
        )
    })
    .unwrap();
    let (device_token, device) = api.token().await;
    let (_, snap) = api.json(get("/v1/snapshot", Some(&device_token))).await;
    let new_item = snap["master"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["sku"] == "NEW-1")
        .unwrap()["id"]
        .clone();
    let dock = snap["master"]["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "receiving")
        .unwrap()["id"]
        .clone();
    let op = serde_json::json!({ "type": "receive", "key": { "item": new_item, "location": dock }, "qty": 3 });
    let (s, r) = api.push_first(&device_token, &device, &snap, op).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (_, v) = api
        .json(get("/v1/supervisor/valuation?warehouse=WH1", Some(&token)))
        .await;
    let find = |sku: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["sku"] == *sku)
            .unwrap()
            .clone()
    };
    let (qa, qb) = (
        a["on_hand"].as_i64().unwrap(),
        b["on_hand"].as_i64().unwrap(),
    );
    assert_eq!(
        find(&a["sku"])["value"].as_str().unwrap(),
        aisle_server::inventory::money(i128::from(qa) * 2_500_000)
    );
    assert_eq!(
        find(&b["sku"])["unit_cost"],
        "0.13",
        "shown rounded to cents"
    );
    assert_eq!(
        find(&b["sku"])["value"].as_str().unwrap(),
        aisle_server::inventory::money(i128::from(qb) * 125_000)
    );
    let total = i128::from(qa) * 2_500_000 + i128::from(qb) * 125_000;
    assert_eq!(
        v["totals"],
        serde_json::json!([{ "currency": "EUR", "value": aisle_server::inventory::money(total) }])
    );
    assert_eq!(v["uncosted"], 1, "{v}");
    let new = find(&serde_json::json!("NEW-1"));
    assert_eq!(
        (new["on_hand"].as_i64(), new["value"].as_str()),
        (Some(3), None)
    );
    assert_eq!(
        v["items"].as_array().unwrap().last().unwrap()["sku"],
        "NEW-1",
        "uncosted items come last"
    );
    // A bad cost file changes nothing and says where it is wrong.
    let err = api.with_storage(|s| {
        s.import(
            aisle_server::storage::ImportKind::Costs,
            &mut "sku,unit_cost,currency\nNOPE,1,EUR\n".as_bytes(),
        )
        .unwrap_err()
    });
    assert!(
        err.to_string().contains("line 2") || err.to_string().contains("NOPE"),
        "{err}"
    );
    let (_, same) = api
        .json(get("/v1/supervisor/valuation?warehouse=WH1", Some(&token)))
        .await;
    assert_eq!(same, v);
    assert_eq!(aisle_server::inventory::money(-1_234_567), "-1.23");
    assert_eq!(aisle_server::inventory::money(4_999), "0.00");
    assert_eq!(aisle_server::inventory::money(5_000), "0.01");
}

both!(devices_say_their_version_and_what_waits_on_them);
async fn devices_say_their_version_and_what_waits_on_them() {
    let api = Api::new();
    let token = api.supervisor_token().await;
    let (device_token, _) = api.token().await;
    let mut req = get("/v1/snapshot", Some(&device_token));
    req.headers_mut()
        .insert("aisle-app-version", "0.9.1".parse().unwrap());
    req.headers_mut()
        .insert("aisle-log-end", "17".parse().unwrap());
    let (s, _) = api.json(req).await;
    assert_eq!(s, StatusCode::OK);
    let (_, devices) = api.json(get("/v1/supervisor/devices", Some(&token))).await;
    let d = &devices[0];
    assert_eq!(
        (
            d["app_version"].as_str(),
            d["log_end"].as_u64(),
            d["waiting"].as_u64()
        ),
        (Some("0.9.1"), Some(17), Some(17)),
        "{d}"
    );
    for (name, value) in [
        ("aisle-log-end", "seventeen"),
        ("aisle-app-version", &"x".repeat(65)[..]),
    ] {
        let mut req = get("/v1/snapshot", Some(&device_token));
        req.headers_mut().insert(name, value.parse().unwrap());
        let (s, v) = api.json(req).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{name}: {v}");
        assert!(v["message"].as_str().unwrap().contains(name), "{v}");
    }
    let (_, after) = api.json(get("/v1/supervisor/devices", Some(&token))).await;
    assert_eq!(after[0]["log_end"], 17, "a refused call records nothing");
}

both!(stock_by_location_and_by_lot_with_its_history);
async fn stock_by_location_and_by_lot_with_its_history() {
    let api = Api::with_items(12);
    let (_, doc) = api.json(get("/v1/openapi.json", None)).await;
    let token = api.supervisor_token().await;
    let mut csv = Vec::new();
    api.with_storage(|s| s.export(aisle_server::storage::ExportKind::Stock, &mut csv))
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    // warehouse,location,sku,lot,expiry,plate,qty
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let with_lot = rows
        .iter()
        .find(|r| r[0] == "WH1" && !r[3].is_empty())
        .unwrap();
    let (location, lot) = (with_lot[1], with_lot[3]);

    let (s, loc) = api
        .json(get(
            &format!("/v1/supervisor/locations/{location}?warehouse=WH1"),
            Some(&token),
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{loc}");
    assert_matches_schema(&doc, "LocationDetail", &loc);
    let here: i64 = rows
        .iter()
        .filter(|r| r[0] == "WH1" && r[1] == location)
        .map(|r| r[6].parse::<i64>().unwrap())
        .sum();
    let shown: i64 = loc["stock"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["qty"].as_i64().unwrap())
        .sum();
    assert_eq!(shown, here, "{loc}");
    let moves = loc["movements"].as_array().unwrap();
    assert!(!moves.is_empty(), "the opening stock is a movement here");
    for m in moves {
        assert_matches_schema(&doc, "Movement", m);
        assert_eq!(m["location"], location);
    }
    let (s, _) = api
        .json(get(
            "/v1/supervisor/locations/NOPE-1?warehouse=WH1",
            Some(&token),
        ))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, lots) = api
        .json(get(&format!("/v1/supervisor/lots/{lot}"), Some(&token)))
        .await;
    assert_eq!(s, StatusCode::OK, "{lots}");
    let lines = lots.as_array().unwrap();
    let expected = rows.iter().filter(|r| r[3] == lot).count();
    assert_eq!(lines.len(), expected, "{lots}");
    for l in lines {
        assert_matches_schema(&doc, "LotStock", l);
    }
    let (_, none) = api
        .json(get("/v1/supervisor/lots/NO-SUCH-LOT", Some(&token)))
        .await;
    assert_eq!(none, serde_json::json!([]));

    // The item page's position: on hand, allocated, on order.
    let sku = with_lot[2];
    let (_, item) = api
        .json(get(
            &format!("/v1/supervisor/items/{sku}?warehouse=WH1"),
            Some(&token),
        ))
        .await;
    assert_matches_schema(&doc, "Position", &item["position"]);
    let on_hand: i64 = rows
        .iter()
        .filter(|r| r[0] == "WH1" && r[2] == sku)
        .map(|r| r[6].parse::<i64>().unwrap())
        .sum();
    assert_eq!(item["position"]["on_hand"], on_hand);
}

both!(a_device_with_a_wrong_clock_is_reported_and_its_times_corrected);
async fn a_device_with_a_wrong_clock_is_reported_and_its_times_corrected() {
    let api = Api::with_items(5);
    let token = api.supervisor_token().await;
    let (device_token, device) = api.token().await;
    let (_, snap) = api.json(get("/v1/snapshot", Some(&device_token))).await;
    let row = snap["stock"].as_array().unwrap()[0].clone();
    let sku = snap["master"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == row["key"]["item"])
        .unwrap()["sku"]
        .as_str()
        .unwrap()
        .to_string();
    let today = chrono::Utc::now().date_naive();
    let history = |api: &Api| {
        api.with_storage(|s| {
            s.demand_history("WH1", &sku, 7, today)
                .unwrap()
                .last()
                .copied()
                .unwrap()
        })
    };
    let before = history(&api);
    // The tablet's clock runs three days fast: it says so with its call, and stamps its pick
    // with its own wrong time.
    let fast = chrono::Duration::days(3);
    let entry = serde_json::json!({
        "op_id": aisle_domain::OpId::new(), "device_id": device, "seq": 1, "schema_version": 1,
        "warehouse_id": snap["master"]["warehouses"][0]["id"], "operator": "ALICE",
        "device_time": chrono::Utc::now() + fast, "scans": [], "seen_cursor": snap["cursor"],
        "op": { "type": "pick", "key": row["key"], "qty": 2 }
    });
    let mut req = post(
        "/v1/push",
        &serde_json::json!({ "device_id": device, "epoch": snap["epoch"], "entries": [entry] }),
        Some(&device_token),
    );
    req.headers_mut().insert(
        "aisle-device-time",
        (chrono::Utc::now() + fast).to_rfc3339().parse().unwrap(),
    );
    let (s, v) = api.json(req).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // The pick counts as today's demand, not as a day three days from now.
    let after = history(&api);
    assert_eq!((after.0, after.1), (today, before.1 + 2));
    let (_, devices) = api.json(get("/v1/supervisor/devices", Some(&token))).await;
    let offset = devices[0]["clock_offset_s"].as_i64().unwrap();
    assert!(
        (fast.num_seconds() - 5..=fast.num_seconds() + 1).contains(&offset),
        "{offset}"
    );
    // A time that is not a time is refused.
    let mut bad = get("/v1/snapshot", Some(&device_token));
    bad.headers_mut()
        .insert("aisle-device-time", "yesterday".parse().unwrap());
    let (s, v) = api.json(bad).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}

both!(a_device_that_floods_the_server_is_slowed_down);
async fn a_device_that_floods_the_server_is_slowed_down() {
    let dir = tempfile::tempdir().unwrap();
    let (storage, raw) = common::open_storage(dir.path());
    common::off_runtime(|| storage.load_demo(1, 3).unwrap());
    let api = Api {
        _dir: dir,
        raw,
        state: AppState::with_limits(
            Arc::new(storage),
            aisle_server::api::limits::Limits::new(0.5, 3.0),
        ),
    };
    let (token, _) = api.token().await;
    for _ in 0..3 {
        let (s, _) = api.call(get("/v1/snapshot", Some(&token))).await;
        assert_eq!(s, StatusCode::OK);
    }
    let resp = router(api.state.clone())
        .oneshot(get("/v1/snapshot", Some(&token)))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["kind"], "rate_limited", "{v}");
    let (_, metrics) = api.call(get("/metrics", None)).await;
    assert!(
        String::from_utf8(metrics)
            .unwrap()
            .contains("aisle_requests_rate_limited_total 1"),
    );
    // Another device is not slowed by this one.
    let (other, _) = api.token().await;
    assert_eq!(
        api.call(get("/v1/snapshot", Some(&other))).await.0,
        StatusCode::OK
    );
}

both!(guessing_a_supervisor_pin_locks_the_badge);
async fn guessing_a_supervisor_pin_locks_the_badge() {
    let api = Api::new();
    let sign_in = |pin: &str| {
        post(
            "/v1/supervisor/session",
            &serde_json::json!({ "badge": "SUP1", "pin": pin }),
            None,
        )
    };
    for guess in ["0000", "1111", "2222", "3333", "5555"] {
        let (s, v) = api.json(sign_in(guess)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    }
    // Even the right PIN is refused now, with how long the lock lasts.
    let (s, v) = api.json(sign_in("4321")).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("locked for 15 more minute(s)"),
        "{v}"
    );
}

both!(a_client_that_sends_too_slowly_is_cut_off);
async fn a_client_that_sends_too_slowly_is_cut_off() {
    let mut api = Api::new();
    api.state.request_timeout = std::time::Duration::from_millis(300);
    let (token, device) = api.token().await;
    // A body that starts and never finishes.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(1);
    tx.send(Ok(format!("{{\"device_id\": \"{device}\", ").into_bytes()))
        .await
        .unwrap();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let req = Request::post("/v1/push")
        .header("aisle-protocol", "1")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::from_stream(stream))
        .unwrap();
    let started = std::time::Instant::now();
    let resp = router(api.state.clone()).oneshot(req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::REQUEST_TIMEOUT);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    drop(tx);
}

both!(supervisor_actions_are_audited_and_operators_are_kept_out);
async fn supervisor_actions_are_audited_and_operators_are_kept_out() {
    let api = Api::with_items(5);
    // An operator (not a supervisor) cannot sign in to the supervisor API at all.
    api.with_storage(|s| {
        s.add_operator(&aisle_server::storage::NewOperator {
            badge: "OP7".into(),
            name: "Olive".into(),
            pin: "7777".into(),
            supervisor: false,
        })
        .unwrap()
    });
    let (s, v) = api
        .json(post(
            "/v1/supervisor/session",
            &serde_json::json!({ "badge": "OP7", "pin": "7777" }),
            None,
        ))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    // A device token is not a supervisor session either, and the other way round.
    let (device_token, _) = api.token().await;
    let (s, _) = api
        .json(get("/v1/supervisor/exceptions", Some(&device_token)))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let token = api.supervisor_token().await;
    let (s, _) = api.json(get("/v1/snapshot", Some(&token))).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Changes are audited with who asked and how it ended; reads are not.
    let (s, _) = api
        .supervise(
            &token,
            "/v1/supervisor/tasks/top-ups",
            &serde_json::json!({ "warehouse": "WH1" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = api
        .supervise(
            &token,
            "/v1/supervisor/tasks/counts",
            &serde_json::json!({ "warehouse": "WH9" }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let _ = api
        .json(get("/v1/supervisor/exceptions", Some(&token)))
        .await;
    let (s, log) = api.json(get("/v1/supervisor/audit", Some(&token))).await;
    assert_eq!(s, StatusCode::OK, "{log}");
    let (_, doc) = api.json(get("/v1/openapi.json", None)).await;
    let entries: Vec<(String, String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_matches_schema(&doc, "AuditEntry", e);
            (
                e["badge"].as_str().unwrap().to_string(),
                e["action"].as_str().unwrap().to_string(),
                e["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expect = |badge: &str, action: &str, outcome: &str| {
        (badge.to_string(), action.to_string(), outcome.to_string())
    };
    assert_eq!(
        entries,
        vec![
            expect("SUP1", "POST /v1/supervisor/tasks/counts", "404 Not Found"),
            expect("SUP1", "POST /v1/supervisor/tasks/top-ups", "201 Created"),
            expect("SUP1", "sign in", "200 OK"),
            expect("OP7", "sign in", "refused: wrong badge or PIN"),
        ],
        "newest first, reads left out"
    );
    // The log cannot be edited, even from inside the database.
    assert_eq!(
        api.raw.exec("UPDATE audit SET badge = badge WHERE 1 = 0"),
        Ok(0),
        "the log is there"
    );
    let refused = [
        api.raw.exec("DELETE FROM audit"),
        api.raw.exec("UPDATE audit SET badge = 'X'"),
    ];
    assert!(
        refused
            .iter()
            .all(|r| r.as_ref().is_err_and(|e| e.contains("append-only"))),
        "{refused:?}"
    );
}

both!(an_erp_sends_orders_and_receipts_that_reach_the_devices);
async fn an_erp_sends_orders_and_receipts_that_reach_the_devices() {
    let api = Api::with_items(5);
    let token = api.supervisor_token().await;
    let (device_token, _) = api.token().await;
    let (_, snap) = api.json(get("/v1/snapshot", Some(&device_token))).await;
    let sku = snap["master"]["items"][0]["sku"]
        .as_str()
        .unwrap()
        .to_string();
    let send = |path: &str, body: Value| with_token(post(path, &body, None), &token);
    let order = serde_json::json!({
        "order": "ERP-77", "customer": "Corner Shop", "min_shelf_life_days": 30,
        "lines": [{ "line": 1, "warehouse": "WH1", "sku": sku, "qty": 4 }]
    });
    let (s, v) = api.json(send("/v1/supervisor/orders", order.clone())).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v, serde_json::json!({ "document": "ERP-77", "lines": 1 }));
    let (s, v) = api
        .json(send(
            "/v1/supervisor/receipts",
            serde_json::json!({
                "receipt": "ASN-5", "expected_date": "2026-12-24",
                "lines": [{ "line": 1, "warehouse": "WH1", "sku": sku, "qty": 40 }]
            }),
        ))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // Both reach the device with its next pull.
    let (_, page) = api
        .json(get(
            &format!("/v1/pull?cursor={}&rev={}", snap["cursor"], snap["rev"]),
            Some(&device_token),
        ))
        .await;
    let orders = page["order_lines"].as_array().unwrap();
    assert!(
        orders.iter().any(|l| l["order"] == "ERP-77"
            && l["qty"] == 4
            && l["customer"] == "Corner Shop"
            && l["min_shelf_life_days"] == 30),
        "{page}"
    );
    let receipts = page["receipt_lines"].as_array().unwrap();
    assert!(
        receipts.iter().any(|l| l["receipt"] == "ASN-5"
            && l["expected_qty"] == 40
            && l["expected_date"] == "2026-12-24"),
        "{page}"
    );
    // Sent again with another quantity: the line is updated, not doubled.
    let mut again = order;
    again["lines"][0]["qty"] = serde_json::json!(6);
    let (s, _) = api.json(send("/v1/supervisor/orders", again)).await;
    assert_eq!(s, StatusCode::CREATED);
    let (_, orders) = api
        .json(get("/v1/supervisor/orders?warehouse=WH1", Some(&token)))
        .await;
    let erp = orders
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["order"] == "ERP-77")
        .unwrap();
    assert_eq!(
        (erp["lines"].as_i64(), erp["ordered"].as_i64()),
        (Some(1), Some(6)),
        "{erp}"
    );
    // Bad lines: all refused, each named by its place in the body; nothing imported.
    let (s, v) = api
        .json(send(
            "/v1/supervisor/orders",
            serde_json::json!({
                "order": "ERP-78",
                "lines": [
                    { "line": 1, "warehouse": "WH1", "sku": sku, "qty": 2 },
                    { "line": 2, "warehouse": "WH9", "sku": "NOPE", "qty": 0 }
                ]
            }),
        ))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let m = v["message"].as_str().unwrap();
    assert!(m.contains("lines[1].qty: must be at least 1"), "{m}");
    let (s, v) = api
        .json(send(
            "/v1/supervisor/orders",
            serde_json::json!({
                "order": "ERP-78",
                "lines": [{ "line": 1, "warehouse": "WH9", "sku": "NOPE", "qty": 2 }]
            }),
        ))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let m = v["message"].as_str().unwrap();
    assert!(
        m.contains("lines[0].warehouse") && m.contains("lines[0].sku"),
        "{m}"
    );
    let (_, orders) = api
        .json(get("/v1/supervisor/orders?warehouse=WH1", Some(&token)))
        .await;
    assert!(
        !orders
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["order"] == "ERP-78")
    );
    let (s, _) = api
        .json(send(
            "/v1/supervisor/orders",
            serde_json::json!({ "order": "E", "lines": [] }),
        ))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

both!(a_nul_in_a_query_a_path_or_a_name_is_a_bad_request_on_both_backends);
/// PostgreSQL cannot hold a NUL, SQLite can: the API answers it the same on both, with the 400
/// every operation documents (the API fuzz on PostgreSQL found a 500, then an undocumented 422).
async fn a_nul_in_a_query_a_path_or_a_name_is_a_bad_request_on_both_backends() {
    let api = Api::new();
    let token = api.supervisor_token().await;
    for uri in [
        "/v1/supervisor/pick-faces?warehouse=W%00H1",
        "/v1/supervisor/lots/L%001",
        "/v1/supervisor/stock?q=B%00",
    ] {
        let (s, v) = api.json(with_token(get(uri, None), &token)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{uri}: {v}");
        assert_eq!(v["kind"], "bad_request", "{uri}: {v}");
    }
    let code = api.with_storage(|s| {
        s.create_enrolment("WH1", "T1", chrono::Duration::hours(1))
            .unwrap()
            .code
    });
    let body = serde_json::json!({ "code": code, "device_id": aisle_domain::DeviceId::new(),
        "name": "T\u{0}1", "app_version": "test" });
    let (s, v) = api.json(post("/v1/enroll", &body, None)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}

/// The SKUs on WH1's replenishment page.
async fn replenished(api: &Api, token: &str) -> Vec<String> {
    let (s, lines) = api
        .json(get(
            "/v1/supervisor/replenishment?warehouse=WH1",
            Some(token),
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{lines}");
    lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["sku"].as_str().unwrap().to_string())
        .collect()
}

both!(an_erp_says_which_items_each_warehouse_stocks);
async fn an_erp_says_which_items_each_warehouse_stocks() {
    let api = Api::with_items(6);
    let token = api.supervisor_token().await;
    let before = replenished(&api, &token).await;
    let sku = before[0].clone();
    let send =
        |body: Value| with_token(post("/v1/supervisor/item-warehouses", &body, None), &token);
    // A bad line: nothing imported, the line named by its place in the body.
    let (s, v) = api
        .json(send(serde_json::json!({ "lines": [
            { "warehouse": "WH1", "sku": sku, "stocked": false },
            { "warehouse": "WH9", "sku": sku, "stocked": true }
        ] })))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("lines[1].warehouse"),
        "{v}"
    );
    assert_eq!(replenished(&api, &token).await, before);
    let (s, v) = api.json(send(serde_json::json!({ "lines": [] }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // WH1 no longer stocks the item: replenishment leaves it out; stocked again, it is back.
    let (s, v) = api
        .json(send(serde_json::json!({ "lines": [
            { "warehouse": "WH1", "sku": sku, "stocked": false }
        ] })))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v,
        serde_json::json!({ "document": "item-warehouses", "lines": 1 })
    );
    let after = replenished(&api, &token).await;
    assert!(
        !after.contains(&sku) && after.len() == before.len() - 1,
        "{after:?}"
    );
    let (s, _) = api
        .json(send(serde_json::json!({ "lines": [
            { "warehouse": "WH1", "sku": sku, "stocked": true }
        ] })))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(replenished(&api, &token).await, before);
}

// Issue 13: an ERP sends suppliers, their terms and preferred suppliers as JSON (the CSV
// imports' checks, all lines or none); the reorder suggestions a supervisor ticks become one
// purchase order per supplier, each line checked against its supplier's terms, listed with
// their supplier.
both!(an_erp_sends_suppliers_and_orders_go_out_one_per_supplier);
async fn an_erp_sends_suppliers_and_orders_go_out_one_per_supplier() {
    let api = Api::with_items(6);
    let token = api.supervisor_token().await;
    let skus = replenished(&api, &token).await;
    let (a, b) = (skus[0].clone(), skus[1].clone());
    let send = |path: &str, body: Value| with_token(post(path, &body, None), &token);

    let (s, v) = api
        .json(send(
            "/v1/supervisor/suppliers",
            serde_json::json!({ "lines": [
                { "code": "ACME", "name": "Acme", "lead_time_days": 3 },
                { "code": "SLOW", "name": "Slow Co", "lead_time_days": 400 }
            ] }),
        ))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("lines[1].lead_time_days"),
        "{v}"
    );
    let (s, v) = api
        .json(send(
            "/v1/supervisor/suppliers",
            serde_json::json!({ "lines": [{ "code": "ACME", "name": "Acme", "lead_time_days": 3 }] }),
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = api
        .json(send(
            "/v1/supervisor/supplier-items",
            serde_json::json!({ "lines": [
                { "supplier": "ACME", "sku": a, "price": "2.5", "currency": "EUR", "min_order_qty": 10, "pack_multiple": 5 }
            ] }),
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = api
        .json(send(
            "/v1/supervisor/item-warehouses",
            serde_json::json!({ "lines": [
                { "warehouse": "WH1", "sku": a, "stocked": true, "preferred_supplier": "ACME" }
            ] }),
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, lines) = api
        .json(get(
            "/v1/supervisor/replenishment?warehouse=WH1",
            Some(&token),
        ))
        .await;
    let line = lines
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["sku"] == a.as_str())
        .unwrap();
    let doc: Value = serde_json::from_str(OPENAPI).unwrap();
    assert_matches_schema(&doc, "ReplenishmentLine", line);
    assert_eq!(line["supplier"]["code"], "ACME", "{line}");
    assert_eq!(line["supplier"]["min_order_qty"], 10, "{line}");
    assert_eq!(line["supplier"]["price"], "2.5 EUR", "{line}");
    assert_eq!(line["policy"]["lead_time_days"], 3, "{line}");

    // Off the supplier's terms: refused, nothing raised.
    let reorder = |lines: Value| {
        send(
            "/v1/supervisor/replenishment/orders",
            serde_json::json!({ "warehouse": "WH1", "lines": lines }),
        )
    };
    let (s, v) = api
        .json(reorder(serde_json::json!([{ "sku": a, "qty": 12 }])))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("packs of 5"), "{v}");
    let (s, listed) = api
        .json(get(
            "/v1/supervisor/purchase-orders?warehouse=WH1",
            Some(&token),
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{listed}");
    let before = listed.as_array().unwrap().len();

    let (s, v) = api
        .json(reorder(
            serde_json::json!([{ "sku": a, "qty": 15 }, { "sku": b, "qty": 4 }]),
        ))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_matches_schema(&doc, "ReorderResponse", &v);
    let raised = v["purchase_orders"].as_array().unwrap();
    assert_eq!(raised.len(), 2, "{v}");
    assert_eq!(raised[0]["supplier"], Value::Null, "{v}");
    assert_eq!(raised[1]["supplier"], "ACME", "{v}");
    let expected = (chrono::Utc::now().date_naive() + chrono::Days::new(3)).to_string();
    assert_eq!(raised[1]["expected_date"], expected.as_str(), "{v}");
    let (_, listed) = api
        .json(get(
            "/v1/supervisor/purchase-orders?warehouse=WH1",
            Some(&token),
        ))
        .await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), before + 2);
    let acme = listed.iter().find(|p| p["supplier"] == "ACME").unwrap();
    assert_matches_schema(&doc, "PurchaseOrderSummary", acme);
    assert_eq!(
        (acme["lines"].as_i64(), acme["ordered"].as_i64()),
        (Some(1), Some(15))
    );

    // A purchase order named for a supplier that does not sell the item: refused.
    let (s, v) = api
        .json(send(
            "/v1/supervisor/purchase-orders",
            serde_json::json!({ "warehouse": "WH1", "supplier": "ACME", "lines": [{ "sku": b, "qty": 10 }] }),
        ))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("no terms for this item"),
        "{v}"
    );
    let (s, v) = api
        .json(get(
            "/v1/supervisor/purchase-orders?warehouse=WH9",
            Some(&token),
        ))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
}

// Issue 13: the returns list and the quarantine release answer as documented; a release that
// does not fit (not a quarantine location, nothing held, an unknown place) changes nothing.
both!(returns_are_listed_and_a_bad_release_is_refused);
async fn returns_are_listed_and_a_bad_release_is_refused() {
    let api = Api::with_items(6);
    let token = api.supervisor_token().await;
    let (s, list) = api
        .json(get("/v1/supervisor/returns?warehouse=WH1", Some(&token)))
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list, serde_json::json!([]));
    let (s, v) = api
        .json(get("/v1/supervisor/returns?warehouse=WH9", Some(&token)))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    let release = |body: Value| {
        with_token(
            post("/v1/supervisor/quarantine/release", &body, None),
            &token,
        )
    };
    let sku = replenished(&api, &token).await[0].clone();
    for (body, status, says) in [
        (
            serde_json::json!({ "warehouse": "WH1", "from": "RCV-01", "sku": sku, "to": "A-01-01-1" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "only stock in quarantine is released",
        ),
        (
            serde_json::json!({ "warehouse": "WH1", "from": "QA-01", "sku": sku, "to": "QA-01" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "released stock goes to",
        ),
        (
            serde_json::json!({ "warehouse": "WH1", "from": "QA-01", "sku": sku, "to": "A-01-01-1" }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "cannot be released",
        ),
        (
            serde_json::json!({ "warehouse": "WH1", "from": "QA-99", "sku": sku, "to": "A-01-01-1" }),
            StatusCode::NOT_FOUND,
            "no location",
        ),
    ] {
        let (s, v) = api.json(release(body)).await;
        assert_eq!(s, status, "{v}");
        assert!(v["message"].as_str().unwrap().contains(says), "{v}");
    }
}

both!(supervisors_add_operators_and_reset_pins_from_the_api);
async fn supervisors_add_operators_and_reset_pins_from_the_api() {
    let api = Api::with_items(5);
    let token = api.supervisor_token().await;
    let (_, doc) = api.json(get("/v1/openapi.json", None)).await;
    // A new operator; the answer and the list never carry the PIN.
    let (s, v) = api
        .supervise(
            &token,
            "/v1/supervisor/operators",
            &serde_json::json!({ "badge": "NEW9", "name": "Nia New", "pin": "2468", "role": "operator" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_matches_schema(&doc, "OperatorSummary", &v);
    assert_eq!(v["role"], "operator");
    let (s, list) = api
        .json(get("/v1/supervisor/operators", Some(&token)))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|o| o["badge"] == "NEW9"),
        "{list}"
    );
    let text = list.to_string();
    assert!(
        !text.contains("2468") && !text.contains("argon") && !text.contains("pin"),
        "{text}"
    );
    for o in list.as_array().unwrap() {
        assert_matches_schema(&doc, "OperatorSummary", o);
    }
    // A new PIN and the supervisor role: the old PIN no longer signs in to the pages, the new one does.
    let (s, v) = api
        .supervise(
            &token,
            "/v1/supervisor/operators",
            &serde_json::json!({ "badge": "NEW9", "name": "Nia New", "pin": "97531", "role": "supervisor" }),
        )
        .await;
    assert_eq!(
        (s, v["role"].as_str()),
        (StatusCode::OK, Some("supervisor")),
        "{v}"
    );
    let (s, _) = api
        .json(post(
            "/v1/supervisor/session",
            &serde_json::json!({ "badge": "NEW9", "pin": "2468" }),
            None,
        ))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, v) = api
        .json(post(
            "/v1/supervisor/session",
            &serde_json::json!({ "badge": "NEW9", "pin": "97531" }),
            None,
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Bad input changes nothing: a PIN of letters, an empty badge, a control character.
    for bad in [
        serde_json::json!({ "badge": "BAD1", "name": "B", "pin": "12ab", "role": "operator" }),
        serde_json::json!({ "badge": " ", "name": "B", "pin": "1234", "role": "operator" }),
        serde_json::json!({ "badge": "BAD\u{0}2", "name": "B", "pin": "1234", "role": "operator" }),
    ] {
        let (s, v) = api
            .supervise(&token, "/v1/supervisor/operators", &bad)
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
    }
    let (s, v) = api
        .supervise(
            &token,
            "/v1/supervisor/operators",
            &serde_json::json!({ "badge": "BAD3", "name": "B", "pin": "1234", "role": "boss" }),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let (_, list) = api
        .json(get("/v1/supervisor/operators", Some(&token)))
        .await;
    assert!(
        !list.to_string().contains("BAD"),
        "nothing bad was saved: {list}"
    );
}

both!(supervisors_enrol_and_revoke_tablets_from_the_api);
async fn supervisors_enrol_and_revoke_tablets_from_the_api() {
    let api = Api::with_items(5);
    let token = api.supervisor_token().await;
    let (_, doc) = api.json(get("/v1/openapi.json", None)).await;
    let (s, e) = api
        .supervise(
            &token,
            "/v1/supervisor/devices/enrol",
            &serde_json::json!({ "warehouse": "WH1", "name": "TABLET-09", "server_url": "https://aisle.example.com:8740/" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{e}");
    assert_matches_schema(&doc, "Enrolment", &e);
    // The QR code carries what a tablet's Settings screen reads.
    let payload = aisle_proto::EnrolmentPayload::parse(e["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload.server, "https://aisle.example.com:8740");
    assert_eq!(payload.code, e["code"].as_str().unwrap());
    let qr = e["qr"].as_array().unwrap();
    assert!(qr.len() >= 21 && qr.iter().all(|r| r.as_str().unwrap().len() == qr.len()));
    // A tablet enrols with it and syncs.
    let device = aisle_domain::DeviceId::new();
    let body = serde_json::json!({ "code": payload.code, "device_id": device, "name": "TABLET-09", "app_version": "test" });
    let (s, enrolled) = api.json(post("/v1/enroll", &body, None)).await;
    assert_eq!(s, StatusCode::OK, "{enrolled}");
    let device_token = enrolled["token"].as_str().unwrap();
    let (s, _) = api
        .json(get("/v1/pull?cursor=0&rev=0", Some(device_token)))
        .await;
    assert_eq!(s, StatusCode::OK);
    // Revoked from the pages: its token stops working at once.
    let revoke = format!("/v1/supervisor/devices/{device}/revoke");
    let (s, body) = api
        .call(post(&revoke, &serde_json::json!({}), Some(&token)))
        .await;
    assert_eq!(
        s,
        StatusCode::NO_CONTENT,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let (s, _) = api
        .json(get("/v1/pull?cursor=0&rev=0", Some(device_token)))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (_, devices) = api.json(get("/v1/supervisor/devices", Some(&token))).await;
    let listed = devices
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == device.to_string())
        .unwrap();
    assert_eq!(listed["revoked"], true);
    // Again, or an unknown device: nothing to revoke.
    let (s, v) = api.supervise(&token, &revoke, &serde_json::json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{v}");
    // Bad input creates nothing.
    for (bad, status) in [
        (
            serde_json::json!({ "warehouse": "WH1", "name": " ", "server_url": "https://x" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            serde_json::json!({ "warehouse": "WH1", "name": "T\u{7}", "server_url": "https://x" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            serde_json::json!({ "warehouse": "WH1", "name": "T", "server_url": "https://x&code=EVIL" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            serde_json::json!({ "warehouse": "WH1", "name": "T", "server_url": "aisle.example.com" }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            serde_json::json!({ "warehouse": "WH1", "name": "T", "server_url": "https://x", "valid_hours": 0 }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            serde_json::json!({ "warehouse": "WH1", "name": "T", "server_url": "https://x", "valid_hours": 169 }),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            serde_json::json!({ "warehouse": "NOPE", "name": "T", "server_url": "https://x" }),
            StatusCode::NOT_FOUND,
        ),
        (
            serde_json::json!({ "warehouse": "WH1", "name": "T", "server_url": "https://x", "extra": 1 }),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (s, v) = api
            .supervise(&token, "/v1/supervisor/devices/enrol", &bad)
            .await;
        assert_eq!(s, status, "{bad}: {v}");
        assert_matches_schema(&doc, "ErrorBody", &v);
    }
}

/// The dashboard of WH1, checked against its schema.
async fn dashboard_of(api: &Api, token: &str, doc: &Value) -> Value {
    let (s, v) = api
        .json(get("/v1/supervisor/dashboard?warehouse=WH1", Some(token)))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_matches_schema(doc, "Dashboard", &v);
    v
}

both!(the_dashboard_counts_syncs_exceptions_picks_and_stock_value);
async fn the_dashboard_counts_syncs_exceptions_picks_and_stock_value() {
    let api = Api::with_items(5);
    let token = api.supervisor_token().await;
    let (_, doc) = api.json(get("/v1/openapi.json", None)).await;
    let before = dashboard_of(&api, &token, &doc).await;
    assert_eq!(before["syncs"].as_array().unwrap().len(), 24);
    assert_eq!(before["exceptions"].as_array().unwrap().len(), 14);
    let now_hour = chrono::Utc::now().format("%Y-%m-%dT%H").to_string();
    let last = |v: &Value, series: &str, field: &str| {
        v[series].as_array().unwrap().last().unwrap()[field]
            .as_i64()
            .unwrap()
    };
    // Two operators pick on one tablet; one picks more than the shelf holds (an exception).
    let mut d = common::device::Device::enrol(&api).await;
    let row = d.snap["stock"].as_array().unwrap()[0].clone();
    let held = row["qty"].as_i64().unwrap();
    let entries = [
        d.entry(
            "ALICE",
            serde_json::json!({ "type": "pick", "key": row["key"], "qty": 1 }),
        ),
        d.entry(
            "ALICE",
            serde_json::json!({ "type": "pick", "key": row["key"], "qty": 2 }),
        ),
        d.entry(
            "BOB",
            serde_json::json!({ "type": "pick", "key": row["key"], "qty": held + 50 }),
        ),
    ];
    d.push_ok(&api, &entries).await;
    let after = dashboard_of(&api, &token, &doc).await;
    assert_eq!(
        last(&after, "syncs", "entries"),
        last(&before, "syncs", "entries") + 3,
        "{after}"
    );
    assert_eq!(
        after["syncs"].as_array().unwrap().last().unwrap()["hour"],
        now_hour
    );
    assert!(last(&after, "syncs", "devices") >= 1);
    assert!(
        last(&after, "exceptions", "raised") > last(&before, "exceptions", "raised"),
        "{after}"
    );
    assert!(last(&after, "exceptions", "open") > last(&before, "exceptions", "open"));
    let picks = after["picks"].as_array().unwrap();
    let of = |badge: &str| {
        picks
            .iter()
            .find(|p| p["badge"] == badge && p["hour"] == now_hour)
            .unwrap_or_else(|| panic!("no picks of {badge}: {picks:?}"))
            .clone()
    };
    assert_eq!(
        (of("ALICE")["lines"].as_i64(), of("ALICE")["units"].as_i64()),
        (Some(2), Some(3))
    );
    assert_eq!(of("BOB")["units"].as_i64(), Some(held + 50));
    // The supervisor's exception list says where and who: the over-pick at the row's location,
    // by BOB.
    let (_, list) = api
        .json(get("/v1/supervisor/exceptions", Some(&token)))
        .await;
    let code = d.snap["master"]["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == row["key"]["location"])
        .unwrap()["code"]
        .clone();
    let by_bob: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["operator"] == "BOB")
        .collect();
    assert!(!by_bob.is_empty(), "{list}");
    assert!(by_bob.iter().all(|x| x["location"] == code), "{list}");
    for x in list.as_array().unwrap() {
        assert_matches_schema(&doc, "Exception", x);
    }
    // The device is listed, and stock value covers every warehouse.
    assert!(
        after["devices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == d.id)
    );
    let (_, warehouses) = api
        .json(get("/v1/supervisor/warehouses", Some(&token)))
        .await;
    assert_eq!(
        after["stock_value"].as_array().unwrap().len(),
        warehouses.as_array().unwrap().len()
    );
    let (s, _) = api
        .json(get("/v1/supervisor/dashboard?warehouse=NOPE", Some(&token)))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

both!(supervisors_disable_and_enable_badges_from_the_api);
async fn supervisors_disable_and_enable_badges_from_the_api() {
    let api = Api::with_items(5);
    let token = api.supervisor_token().await;
    let (_, doc) = api.json(get("/v1/openapi.json", None)).await;
    // Another supervisor, signed in on the pages.
    let (s, _) = api
        .supervise(
            &token,
            "/v1/supervisor/operators",
            &serde_json::json!({ "badge": "SUP7", "name": "Sue", "pin": "7777", "role": "supervisor" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let sign_in = serde_json::json!({ "badge": "SUP7", "pin": "7777" });
    let (s, session) = api
        .json(post("/v1/supervisor/session", &sign_in, None))
        .await;
    assert_eq!(s, StatusCode::OK, "{session}");
    let theirs = session["token"].as_str().unwrap().to_string();
    // Disabled: listed as such, their session ends, they cannot sign in, devices get `disabled`.
    let (s, v) = api
        .supervise(
            &token,
            "/v1/supervisor/operators/SUP7/disable",
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_matches_schema(&doc, "OperatorSummary", &v);
    assert!(v["disabled_at"].is_string(), "{v}");
    let (s, _) = api
        .json(get("/v1/supervisor/operators", Some(&theirs)))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "their session ended");
    let (s, v) = api
        .json(post("/v1/supervisor/session", &sign_in, None))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("SUP7 is disabled"),
        "{v}"
    );
    let (device_token, _) = api.token().await;
    let (_, snap) = api.json(get("/v1/snapshot", Some(&device_token))).await;
    let on_devices = snap["master"]["operators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["badge"] == "SUP7")
        .unwrap()
        .clone();
    assert_eq!(on_devices["role"], "disabled");
    // Nobody disables their own badge; an unknown badge is not found.
    let (s, me) = api.json(get("/v1/supervisor/session", Some(&token))).await;
    assert_eq!(s, StatusCode::OK);
    let mine = format!(
        "/v1/supervisor/operators/{}/disable",
        me["badge"].as_str().unwrap()
    );
    let (s, v) = api.supervise(&token, &mine, &serde_json::json!({})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, _) = api
        .supervise(
            &token,
            "/v1/supervisor/operators/NOBODY/disable",
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Enabled again: they sign in.
    let (s, v) = api
        .supervise(
            &token,
            "/v1/supervisor/operators/SUP7/enable",
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["disabled_at"].is_null(), "{v}");
    let (s, _) = api
        .json(post("/v1/supervisor/session", &sign_in, None))
        .await;
    assert_eq!(s, StatusCode::OK);
}

both!(supervisors_set_an_operators_language);
async fn supervisors_set_an_operators_language() {
    let api = Api::with_items(5);
    let token = api.supervisor_token().await;
    let (_, doc) = api.json(get("/v1/openapi.json", None)).await;
    let (s, v) = api
        .supervise(
            &token,
            "/v1/supervisor/operators/ALICE/language",
            &serde_json::json!({ "language": "de" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_matches_schema(&doc, "OperatorSummary", &v);
    assert_eq!(v["language"], "de");
    // Devices get it with the operator.
    let (device_token, _) = api.token().await;
    let (_, snap) = api.json(get("/v1/snapshot", Some(&device_token))).await;
    let alice = snap["master"]["operators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["badge"] == "ALICE")
        .unwrap()
        .clone();
    assert_matches_schema(&doc, "OperatorRecord", &alice);
    assert_eq!(alice["language"], "de");
    // A language the tablets do not speak, or a badge nobody has, changes nothing.
    let (s, _) = api
        .supervise(
            &token,
            "/v1/supervisor/operators/ALICE/language",
            &serde_json::json!({ "language": "xx" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = api
        .supervise(
            &token,
            "/v1/supervisor/operators/NOBODY/language",
            &serde_json::json!({ "language": "es" }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, list) = api
        .json(get("/v1/supervisor/operators", Some(&token)))
        .await;
    let alice = list
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["badge"] == "ALICE")
        .unwrap()
        .clone();
    assert_eq!(alice["language"], "de");
    // Cleared: none set.
    let (s, v) = api
        .supervise(
            &token,
            "/v1/supervisor/operators/ALICE/language",
            &serde_json::json!({ "language": null }),
        )
        .await;
    assert_eq!((s, v["language"].is_null()), (StatusCode::OK, true), "{v}");
}
