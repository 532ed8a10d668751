//! The server is the authority over pushed work (docs/sync-protocol.md, "Admission"): several
//! devices of one warehouse push conflicting or unacceptable work, and the server never answers
//! 5xx, never stops a device's progress, applies exactly what may be applied and raises the
//! exceptions the rules name. Driven through `router(state)` on a real SQLite file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::both;

use aisle_domain::PlateId;
use axum::http::StatusCode;
use common::device::{Device, exceptions, item, location, on_hand, receive};
use common::{Api, get, post};
use serde_json::{Value, json};

both!(two_devices_receiving_onto_one_new_plate_end_with_one_plate);
async fn two_devices_receiving_onto_one_new_plate_end_with_one_plate() {
    let api = Api::new();
    let mut a = Device::enrol(&api).await;
    let mut b = Device::enrol(&api).await;
    let code = "340299910000000025";
    let plate = PlateId::for_code(code);
    // Both received onto the same supplier pallet before either synced.
    let ea = a.entry("ALICE", receive(&a.snap, 4, Some((plate, code))));
    let eb = b.entry("BOB", receive(&b.snap, 6, Some((plate, code))));
    a.push_ok(&api, &[ea]).await;
    b.push_ok(&api, &[eb]).await;
    let key = receive(&a.snap, 1, Some((plate, code)))["key"].clone();
    assert_eq!(on_hand(&api, &a, &key).await, 10);
    assert!(exceptions(&api, "plate_conflict").await.is_empty());
    // A device enrolled afterwards knows the plate from its snapshot.
    let c = Device::enrol(&api).await;
    let plates = c.snap["plates"].as_array().unwrap();
    assert!(
        plates
            .iter()
            .any(|p| p["code"] == code && p["id"] == json!(plate)),
        "{plates:?}"
    );
    // An older app made its own id for the same code: the push is taken (never a 5xx), the stock
    // is kept under that id, the conflict goes to a supervisor, and the device goes on syncing.
    let mut old = Device::enrol(&api).await;
    let e1 = old.entry("BOB", receive(&old.snap, 2, Some((PlateId::new(), code))));
    let e2 = old.entry("BOB", receive(&old.snap, 1, None));
    old.push_ok(&api, &[e1]).await;
    old.push_ok(&api, &[e2]).await;
    let conflicts = exceptions(&api, "plate_conflict").await;
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(on_hand(&api, &a, &key).await, 10);
    // Pulls carry plates that changed.
    let page = a.pull(&api).await;
    assert!(
        page["plates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["code"] == code),
        "{page}"
    );
}

both!(a_plate_made_earlier_in_the_same_push_keeps_its_code);
/// A push's plates are written at its end (`sql::plates`): its later entries must still see
/// them. An older app received onto a new pallet and then, under an id of its own, onto another
/// pallet with the same label, in one push: the first plate keeps the code and the second
/// receipt is a `plate_conflict`, as when the two arrive in separate pushes.
async fn a_plate_made_earlier_in_the_same_push_keeps_its_code() {
    let api = Api::new();
    let mut old = Device::enrol(&api).await;
    let code = "340299910000000049";
    let (first, second) = (PlateId::new(), PlateId::new());
    let e1 = old.entry("BOB", receive(&old.snap, 3, Some((first, code))));
    let e2 = old.entry("BOB", receive(&old.snap, 2, Some((second, code))));
    old.push_ok(&api, &[e1, e2]).await;
    let conflicts = exceptions(&api, "plate_conflict").await;
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let fresh = Device::enrol(&api).await;
    let labelled: Vec<&Value> = fresh.snap["plates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["code"] == code)
        .collect();
    assert_eq!(labelled.len(), 1, "{labelled:?}");
    assert_eq!(labelled[0]["id"], json!(first), "{labelled:?}");
}

both!(work_the_server_may_not_apply_is_held_and_the_device_moves_on);
async fn work_the_server_may_not_apply_is_held_and_the_device_moves_on() {
    let api = Api::new();
    let mut a = Device::enrol(&api).await;
    let b = Device::enrol(&api).await;
    let (item0, _) = item(&a.snap, 0);
    let rcv = location(&a.snap, "RCV-01");
    let key = json!({ "item": item0, "location": rcv });
    let adjust = json!({ "type": "adjust", "key": key, "qty": 5, "reason": "found" });
    let wh2_location = {
        // A location of WH2, which this WH1 device may not record in.
        let (wh2, _) = api.token_in("WH2").await;
        let (_, snap) = api.json(get("/v1/snapshot", Some(&wh2))).await;
        location(&snap, "RCV-01")
    };
    let entries = vec![
        // An operator adjusting: needs a supervisor.
        a.entry("ALICE", adjust.clone()),
        // A badge nobody knows.
        a.entry("MALLORY", receive(&a.snap, 3, None)),
        // Another warehouse's location.
        a.entry(
            "ALICE",
            json!({ "type": "receive", "key": { "item": item0, "location": wh2_location }, "qty": 1 }),
        ),
        // An item nobody knows.
        a.entry(
            "ALICE",
            json!({ "type": "receive", "key": { "item": aisle_domain::ItemId::new(), "location": rcv }, "qty": 1 }),
        ),
        // A quantity no replica accepts.
        a.entry("ALICE", receive(&a.snap, 0, None)),
        // And good work behind all of it.
        a.entry("ALICE", receive(&a.snap, 2, None)),
    ];
    let before = on_hand(&api, &a, &key).await;
    let v = a.push_ok(&api, &entries).await;
    assert_eq!(v["applied"], 6, "every entry is logged: {v}");
    assert_eq!(
        on_hand(&api, &a, &key).await,
        before + 2,
        "only the good receive"
    );
    let unauthorized = exceptions(&api, "unauthorized").await;
    let invalid = exceptions(&api, "invalid_operation").await;
    assert_eq!(
        (unauthorized.len(), invalid.len()),
        (2, 3),
        "{unauthorized:?} {invalid:?}"
    );
    assert!(
        unauthorized
            .iter()
            .any(|x| x["message"].as_str().unwrap().contains("not a supervisor"))
    );
    // Other devices never pull held work.
    let page = b.pull(&api).await;
    let pulled: Vec<&Value> = page["ops"].as_array().unwrap().iter().collect();
    assert_eq!(pulled.len(), 1, "{pulled:?}");
    assert_eq!(pulled[0]["entry"]["seq"], 6);
    // A supervisor vouches for the adjustment: it is applied as a server operation that every
    // device pulls, the originating one included.
    let held = unauthorized
        .iter()
        .find(|x| x["message"].as_str().unwrap().contains("not a supervisor"))
        .unwrap();
    let token = api.supervisor_token().await;
    let (s, done) = api
        .supervise(
            &token,
            &format!(
                "/v1/supervisor/exceptions/{}/resolve",
                held["id"].as_str().unwrap()
            ),
            &json!({ "release": { "note": "checked" } }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(on_hand(&api, &a, &key).await, before + 7);
    let page = a.pull(&api).await;
    assert!(
        page["ops"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["entry"]["op"]["type"] == "adjust" && o["entry"]["operator"] == "SUP1"),
        "{page}"
    );
    // The unknown item cannot be released: it would not apply anywhere.
    let unknown_item = invalid
        .iter()
        .find(|x| x["message"].as_str().unwrap().contains("not known"))
        .unwrap();
    let (s, v) = api
        .supervise(
            &token,
            &format!(
                "/v1/supervisor/exceptions/{}/resolve",
                unknown_item["id"].as_str().unwrap()
            ),
            &json!({ "release": { "note": "try" } }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
}

both!(an_operation_this_server_cannot_read_is_held_in_its_place);
async fn an_operation_this_server_cannot_read_is_held_in_its_place() {
    let api = Api::new();
    let mut a = Device::enrol(&api).await;
    let (item0, _) = item(&a.snap, 0);
    let rcv = location(&a.snap, "RCV-01");
    let key = json!({ "item": item0, "location": rcv });
    let before = on_hand(&api, &a, &key).await;
    // A newer app's operation (a type this server does not know), with good work behind it.
    let carton = json!({ "type": "pack_carton", "carton": "C-1", "order": "SO-1" });
    let entries = vec![
        a.entry("ALICE", carton.clone()),
        a.entry("ALICE", receive(&a.snap, 2, None)),
    ];
    let v = a.push_ok(&api, &entries).await;
    assert_eq!(
        (v["applied"].as_u64(), v["durable_seq"].as_u64()),
        (Some(2), Some(2)),
        "{v}"
    );
    assert_eq!(
        on_hand(&api, &a, &key).await,
        before + 2,
        "the receipt behind it applied"
    );
    let held = exceptions(&api, "invalid_operation").await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert!(
        held[0]["message"].as_str().unwrap().contains("pack_carton"),
        "{held:?}"
    );
    // Sent again (a lost reply): a duplicate, not a conflict.
    let (s, v) = a.push(&api, &entries).await;
    assert_eq!(
        (s, v["duplicates"].as_u64()),
        (StatusCode::OK, Some(2)),
        "{v}"
    );
    // An entry that cannot even be numbered is refused whole, in the API's error shape.
    let mut broken = a.entry("ALICE", carton);
    broken.as_object_mut().unwrap().remove("seq");
    let (s, v) = a.push(&api, &[broken]).await;
    assert_eq!(
        (s, v["kind"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid")),
        "{v}"
    );
    // A supervisor cannot release what the server cannot read.
    let token = api.supervisor_token().await;
    let (s, v) = api
        .supervise(
            &token,
            &format!(
                "/v1/supervisor/exceptions/{}/resolve",
                held[0]["id"].as_str().unwrap()
            ),
            &json!({ "release": { "note": "try" } }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("upgrade the server"),
        "{v}"
    );
}

both!(picks_against_an_order_line_count_only_when_they_fit_it);
async fn picks_against_an_order_line_count_only_when_they_fit_it() {
    let api = Api::new();
    let token = api.supervisor_token().await;
    let mut a = Device::enrol(&api).await;
    let (item0, sku0) = item(&a.snap, 0);
    let (item1, _) = item(&a.snap, 1);
    let (s, v) = api
        .supervise(
            &token,
            "/v1/supervisor/orders",
            &json!({ "order": "SO-77", "lines": [{ "line": 1, "warehouse": "WH1", "sku": sku0, "qty": 5 }] }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let line = a.pull(&api).await["order_lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["order"] == "SO-77")
        .unwrap()["id"]
        .clone();
    let rcv = location(&a.snap, "RCV-01");
    let pick = |item: &Value, qty: i64| json!({ "type": "pick", "key": { "item": item, "location": rcv }, "qty": qty, "order_line": line });
    // Stock to pick from, then a pick of the wrong item against the line.
    let e1 = a.entry(
        "ALICE",
        json!({ "type": "receive", "key": { "item": item1, "location": rcv }, "qty": 9 }),
    );
    let e2 = a.entry("ALICE", receive(&a.snap, 9, None));
    let e3 = a.entry("ALICE", pick(&item1, 3));
    a.push_ok(&api, &[e1, e2, e3]).await;
    let mismatch = exceptions(&api, "work_mismatch").await;
    assert_eq!(mismatch.len(), 1, "{mismatch:?}");
    let key1 = json!({ "item": item1, "location": rcv });
    assert_eq!(on_hand(&api, &a, &key1).await, 6, "the goods left the bin");
    let line_now = |page: &Value| {
        page["order_lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["order"] == "SO-77")
            .unwrap()["picked_qty"]
            .clone()
    };
    assert_eq!(line_now(&a.pull(&api).await), 0, "the line did not move");
    // Exactly the ordered quantity is no over-pick; one more is.
    let e4 = a.entry("ALICE", pick(&item0, 5));
    a.push_ok(&api, &[e4]).await;
    assert!(exceptions(&api, "over_pick").await.is_empty());
    assert_eq!(line_now(&a.pull(&api).await), 5);
    let e5 = a.entry("ALICE", pick(&item0, 1));
    a.push_ok(&api, &[e5]).await;
    assert_eq!(exceptions(&api, "over_pick").await.len(), 1);
}

both!(a_shipped_order_is_final);
async fn a_shipped_order_is_final() {
    let api = Api::new();
    let token = api.supervisor_token().await;
    let mut a = Device::enrol(&api).await;
    let (item0, sku0) = item(&a.snap, 0);
    let order = |qty: i64| json!({ "order": "SO-88", "lines": [{ "line": 1, "warehouse": "WH1", "sku": sku0, "qty": qty }] });
    let (s, _) = api
        .supervise(&token, "/v1/supervisor/orders", &order(2))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let line = a.pull(&api).await["order_lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["order"] == "SO-88")
        .unwrap()["id"]
        .clone();
    let rcv = location(&a.snap, "RCV-01");
    let pick = json!({ "type": "pick", "key": { "item": item0, "location": rcv }, "qty": 2, "order_line": line });
    let e1 = a.entry("ALICE", receive(&a.snap, 4, None));
    let e2 = a.entry("ALICE", pick.clone());
    a.push_ok(&api, &[e1, e2]).await;
    for body in [
        json!("packed"),
        json!({ "shipped": { "carrier": "DHL", "tracking": "T1" } }),
    ] {
        let (s, v) = api
            .supervise(&token, "/v1/supervisor/orders/SO-88/shipment", &body)
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    // The ERP cannot change it any more.
    let (s, v) = api
        .supervise(&token, "/v1/supervisor/orders", &order(3))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("shipped"), "{v}");
    // Devices learn it is shipped, and a late pick against it does not count.
    let page = a.pull(&api).await;
    let l = page["order_lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["order"] == "SO-88")
        .unwrap()
        .clone();
    assert_eq!(
        (l["shipped"].clone(), l["qty"].clone()),
        (json!(true), json!(2))
    );
    let e3 = a.entry("ALICE", pick);
    a.push_ok(&api, &[e3]).await;
    let mismatch = exceptions(&api, "work_mismatch").await;
    assert!(
        mismatch
            .iter()
            .any(|x| x["message"].as_str().unwrap().contains("shipped")),
        "{mismatch:?}"
    );
}

both!(a_task_done_by_two_devices_counts_once);
async fn a_task_done_by_two_devices_counts_once() {
    let api = Api::new();
    let token = api.supervisor_token().await;
    let mut a = Device::enrol(&api).await;
    let mut b = Device::enrol(&api).await;
    let (item0, sku0) = item(&a.snap, 0);
    let rcv = location(&a.snap, "RCV-01");
    let e = a.entry("ALICE", receive(&a.snap, 5, None));
    a.push_ok(&api, &[e]).await;
    let (s, sent) = api
        .json(common::with_token(
            post(
                "/v1/supervisor/tasks/counts",
                &json!({ "warehouse": "WH1", "skus": [sku0] }),
                None,
            ),
            &token,
        ))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sent}");
    let task = sent
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["location_id"] == rcv)
        .unwrap_or_else(|| panic!("no count task at RCV-01: {sent}"))["id"]
        .clone();
    let count = |counted: i64| json!({ "type": "count", "key": { "item": item0, "location": rcv }, "counted": counted, "expected": counted, "blind": true, "task": task });
    let ea = a.entry("ALICE", count(5));
    let eb = b.entry("BOB", count(5));
    a.push_ok(&api, &[ea]).await;
    b.push_ok(&api, &[eb]).await;
    let (_, tasks) = api
        .json(common::with_token(
            get("/v1/supervisor/tasks?all=true&warehouse=WH1", None),
            &token,
        ))
        .await;
    let t = tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == task)
        .unwrap_or_else(|| panic!("{tasks}"));
    assert_eq!(
        (t["status"].clone(), t["done_qty"].clone()),
        (json!("done"), json!(1)),
        "{t}"
    );
    let mismatch = exceptions(&api, "work_mismatch").await;
    assert_eq!(mismatch.len(), 1, "{mismatch:?}");
    assert!(mismatch[0]["message"].as_str().unwrap().contains("is done"));
}

both!(a_repeated_push_is_acknowledged_and_not_applied_again);
async fn a_repeated_push_is_acknowledged_and_not_applied_again() {
    let api = Api::new();
    let mut a = Device::enrol(&api).await;
    let key = receive(&a.snap, 1, None)["key"].clone();
    let before = on_hand(&api, &a, &key).await;
    let e = a.entry("ALICE", receive(&a.snap, 7, None));
    a.push_ok(&api, std::slice::from_ref(&e)).await;
    let again = a.push_ok(&api, &[e]).await;
    assert_eq!(
        (again["applied"].clone(), again["duplicates"].clone()),
        (json!(0), json!(1))
    );
    assert_eq!(on_hand(&api, &a, &key).await, before + 7);
}

both!(protocol_edges_answer_4xx_in_the_error_shape);
async fn protocol_edges_answer_4xx_in_the_error_shape() {
    let api = Api::new();
    let mut a = Device::enrol(&api).await;
    let mut e = a.entry("ALICE", receive(&a.snap, 1, None));
    e["seq"] = json!(0);
    let (s, v) = a.push(&api, &[e]).await;
    assert_eq!(
        (s, v["kind"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid")),
        "{v}"
    );
    let req = axum::http::Request::get("/v1/pull?cursor=0&rev=0")
        .header("authorization", format!("Bearer {}", a.token))
        .body(axum::body::Body::empty())
        .unwrap();
    let (s, v) = api.json(req).await;
    assert_eq!(
        (s, v["kind"].as_str()),
        (StatusCode::BAD_REQUEST, Some("version_mismatch")),
        "{v}"
    );
}

both!(the_books_audit_balances_held_work_and_catches_a_planted_ledger_row);
async fn the_books_audit_balances_held_work_and_catches_a_planted_ledger_row() {
    let api = Api::new();
    let mut a = Device::enrol(&api).await;
    let key = receive(&a.snap, 1, None)["key"].clone();
    let adjust = json!({ "type": "adjust", "key": key, "qty": -1, "reason": "damaged" });
    let entries = [
        a.entry("ALICE", receive(&a.snap, 3, None)),
        a.entry("ALICE", adjust),
    ];
    a.push_ok(&api, &entries).await;
    let audit = api.with_storage(|s| s.audit_books().unwrap());
    assert!(audit.ok, "{audit:?}");
    let wh1 = audit
        .warehouses
        .iter()
        .find(|w| w.warehouse == "WH1")
        .unwrap();
    assert_eq!(wh1.held, 1, "{wh1:?}");
    // A ledger row written without its stock change, under no operation.
    api.raw
        .exec(
            "INSERT INTO ledger (op_id, item_id, location_id, lot, expiry, plate_id, qty)
             SELECT 'planted', item_id, location_id, lot, expiry, plate_id, 2 FROM stock LIMIT 1",
        )
        .unwrap();
    let audit = api.with_storage(|s| s.audit_books().unwrap());
    assert!(!audit.ok);
    let problems: Vec<&String> = audit.warehouses.iter().flat_map(|w| &w.problems).collect();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("planted belong to no logged operation"))
            && problems.iter().any(|p| p.starts_with("stock line")),
        "{problems:?}"
    );
}

both!(work_is_assigned_one_device_at_a_time_and_a_supervisor_can_move_it);
async fn work_is_assigned_one_device_at_a_time_and_a_supervisor_can_move_it() {
    let api = Api::new();
    let token = api.supervisor_token().await;
    let mut a = Device::enrol(&api).await;
    let b = Device::enrol(&api).await;
    let (_, sku0) = item(&a.snap, 0);
    for order in ["SO-A", "SO-B"] {
        let (s, v) = api
            .supervise(
                &token,
                "/v1/supervisor/orders",
                &json!({ "order": order, "lines": [{ "line": 1, "warehouse": "WH1", "sku": sku0, "qty": 2 }] }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let claim = |d: &Device, orders: u32| {
        api.json(post(
            "/v1/claims",
            &json!({ "orders": orders }),
            Some(&d.token),
        ))
    };
    let (s, mine_a) = claim(&a, 1).await;
    assert_eq!(s, StatusCode::OK, "{mine_a}");
    let (_, mine_b) = claim(&b, 1).await;
    let held = |v: &Value| -> Vec<Value> {
        v["leases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["work"]["order_line"].clone())
            .collect()
    };
    let (la, lb) = (held(&mine_a), held(&mine_b));
    assert!(!la.is_empty() && !lb.is_empty(), "{mine_a} {mine_b}");
    assert!(la.iter().all(|l| !lb.contains(l)), "no line given twice");
    // Claiming again renews: nothing new while the device holds its one order.
    let (_, again) = claim(&a, 1).await;
    assert_eq!(held(&again), la);
    // Every device sees who holds what.
    let page = b.pull(&api).await;
    assert_eq!(
        page["leases"].as_array().unwrap().len(),
        la.len() + lb.len(),
        "{page}"
    );
    // B picks A's line anyway (an older app): the stock moves, the line does not count it.
    let rcv = location(&a.snap, "RCV-01");
    let lines = page["order_lines"].as_array().unwrap().clone();
    let item_of =
        |line: &Value| lines.iter().find(|l| &l["id"] == line).unwrap()["item_id"].clone();
    let stock = json!({ "type": "receive", "key": { "item": item_of(&la[0]), "location": rcv }, "qty": 10 });
    let e = a.entry("ALICE", stock);
    a.push_ok(&api, &[e]).await;
    let mut b = b;
    let pick = |line: &Value| json!({ "type": "pick", "key": { "item": item_of(line), "location": rcv }, "qty": 1, "order_line": line });
    let e = b.entry("BOB", pick(&la[0]));
    b.push_ok(&api, &[e]).await;
    let mismatch = exceptions(&api, "work_mismatch").await;
    assert!(
        mismatch.iter().any(|x| x["message"]
            .as_str()
            .unwrap()
            .contains("was assigned to T1")),
        "{mismatch:?}"
    );
    // Its holder's pick counts.
    let e = a.entry("ALICE", pick(&la[0]));
    a.push_ok(&api, &[e]).await;
    let picked = |page: &Value, line: &Value| {
        page["order_lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| &l["id"] == line)
            .unwrap()["picked_qty"]
            .clone()
    };
    assert_eq!(picked(&a.pull(&api).await, &la[0]), 1);
    // A supervisor gives A's line to B; B's picks count from then on.
    let (s, lease) = api
        .supervise(
            &token,
            "/v1/supervisor/leases/assign",
            &json!({ "work": { "order_line": la[0] }, "device_id": b.id }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{lease}");
    assert_eq!(lease["device_id"], json!(b.id));
    let e = b.entry("BOB", pick(&la[0]));
    b.push_ok(&api, &[e]).await;
    assert_eq!(picked(&a.pull(&api).await, &la[0]), 2);
    // Released, the work goes back to the pool.
    let (s, _) = api
        .call(common::with_token(
            post(
                "/v1/supervisor/leases/release",
                &json!({ "work": { "order_line": lb[0] } }),
                None,
            ),
            &token,
        ))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, list) = api
        .json(common::with_token(
            get("/v1/supervisor/leases?warehouse=WH1", None),
            &token,
        ))
        .await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|l| l["work"]["order_line"] != lb[0]),
        "{list}"
    );
}

both!(a_held_wave_waits_and_a_released_one_goes_first);
async fn a_held_wave_waits_and_a_released_one_goes_first() {
    let api = Api::new();
    let token = api.supervisor_token().await;
    let (_, sku0) = {
        let a = Device::enrol(&api).await;
        item(&a.snap, 0)
    };
    for order in ["SO-W1", "SO-W2"] {
        let (s, v) = api
            .supervise(
                &token,
                "/v1/supervisor/orders",
                &json!({ "order": order, "lines": [{ "line": 1, "warehouse": "WH1", "sku": sku0, "qty": 1 }] }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (s, wave) = api
        .supervise(
            &token,
            "/v1/supervisor/waves",
            &json!({ "warehouse": "WH1", "orders": ["SO-W1", "SO-W2"] }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{wave}");
    assert_eq!(
        (wave["wave"].clone(), wave["released"].clone()),
        (json!("W-1"), json!(false))
    );
    // An order can be in one wave only; a wave of nothing or of unknown orders is refused.
    let (s, _) = api
        .supervise(
            &token,
            "/v1/supervisor/waves",
            &json!({ "warehouse": "WH1", "orders": ["SO-W1"] }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = api
        .supervise(
            &token,
            "/v1/supervisor/waves",
            &json!({ "warehouse": "WH1", "orders": ["NOPE"] }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let d = Device::enrol(&api).await;
    let orders_of = |v: &Value, page: &Value| -> Vec<String> {
        let lines = page["order_lines"].as_array().unwrap();
        let mut out: Vec<String> = v["leases"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|l| {
                lines
                    .iter()
                    .find(|x| x["id"] == l["work"]["order_line"])
                    .map(|x| x["order"].as_str().unwrap().to_string())
            })
            .collect();
        out.sort();
        out.dedup();
        out
    };
    // Held: a device taking every order it can gets none of the wave's.
    let (_, held) = api
        .json(post(
            "/v1/claims",
            &json!({ "orders": 100 }),
            Some(&d.token),
        ))
        .await;
    let page = d.pull(&api).await;
    let got = orders_of(&held, &page);
    assert!(!got.iter().any(|o| o.starts_with("SO-W")), "{got:?}");
    // Released: a device taking two orders gets the wave's first, ahead of an order in no wave
    // that comes first by number.
    let (s, v) = api
        .supervise(
            &token,
            "/v1/supervisor/orders",
            &json!({ "order": "SO-0001", "lines": [{ "line": 1, "warehouse": "WH1", "sku": sku0, "qty": 1 }] }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, released) = api
        .supervise(&token, "/v1/supervisor/waves/W-1/release", &json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{released}");
    assert_eq!(released["released_by"], "SUP1");
    let e = Device::enrol(&api).await;
    let (_, mine) = api
        .json(post("/v1/claims", &json!({ "orders": 2 }), Some(&e.token)))
        .await;
    let page = e.pull(&api).await;
    assert_eq!(
        orders_of(&mine, &page),
        vec!["SO-W1".to_string(), "SO-W2".to_string()]
    );
    let (_, more) = api
        .json(post("/v1/claims", &json!({ "orders": 3 }), Some(&e.token)))
        .await;
    assert!(orders_of(&more, &e.pull(&api).await).contains(&"SO-0001".to_string()));
    let (s, _) = api
        .supervise(&token, "/v1/supervisor/waves/W-1/release", &json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

both!(a_quantity_the_size_of_a_barcode_is_held_and_never_overflows_stock);
async fn a_quantity_the_size_of_a_barcode_is_held_and_never_overflows_stock() {
    let api = Api::new();
    let mut a = Device::enrol(&api).await;
    let key = receive(&a.snap, 1, None)["key"].clone();
    let before = on_hand(&api, &a, &key).await;
    let entries = [
        a.entry("ALICE", receive(&a.snap, i64::MAX, None)),
        a.entry("ALICE", receive(&a.snap, i64::MAX, None)),
        a.entry("ALICE", receive(&a.snap, 5_012_345_000_022, None)),
        a.entry("ALICE", receive(&a.snap, 2, None)),
    ];
    a.push_ok(&api, &entries).await;
    assert_eq!(on_hand(&api, &a, &key).await, before + 2);
    let held = exceptions(&api, "invalid_operation").await;
    assert_eq!(held.len(), 3, "{held:?}");
    assert!(api.with_storage(|s| s.audit_books().unwrap().ok));
}

both!(text_with_control_characters_is_held_never_a_server_error);
/// PostgreSQL's text cannot hold U+0000 and SQLite's can: a device that sends it anywhere (lot,
/// plate code, serial, operator, scans, a reason) must not get a 5xx on either, or its sync would
/// stop for good. Such an entry is held with the reason; the device's next work goes on.
async fn text_with_control_characters_is_held_never_a_server_error() {
    let api = Api::new();
    let mut d = Device::enrol(&api).await;
    let nul = "A\u{0}B";
    let mut lot = receive(&d.snap, 1, None);
    lot["key"]["lot"] = json!(nul);
    let plate = receive(&d.snap, 1, Some((PlateId::for_code(nul), nul)));
    let mut serial = receive(&d.snap, 1, None);
    serial["serials"] = json!([nul]);
    let adjust = json!({
        "type": "adjust",
        "key": { "item": item(&d.snap, 0).0, "location": location(&d.snap, "RCV-01") },
        "qty": 1, "reason": nul
    });
    let mut entries = vec![
        d.entry("ALICE", lot),
        d.entry("ALICE", plate),
        d.entry("ALICE", serial),
        d.entry("SUP1", adjust),
        d.entry(nul, receive(&d.snap, 1, None)),
        d.entry(
            nul,
            json!({ "type": "pick", "key": { "item": item(&d.snap, 0).0, "location": location(&d.snap, "RCV-01") }, "qty": 1 }),
        ),
    ];
    let mut scans = d.entry("ALICE", receive(&d.snap, 1, None));
    scans["scans"] = json!([nul]);
    entries.push(scans);
    d.push_ok(&api, &entries).await;
    let held = exceptions(&api, "invalid_operation").await;
    assert!(held.len() >= 5, "{held:?}");
    // The supervisor's pages read them too: the exceptions with their operator (the NUL shown),
    // and the dashboard's picks per operator.
    assert!(
        held.iter().any(|x| x["operator"] == "A\u{fffd}B"),
        "{held:?}"
    );
    let token = api.supervisor_token().await;
    let (s, v) = api
        .json(common::get(
            "/v1/supervisor/dashboard?warehouse=WH1",
            Some(&token),
        ))
        .await;
    assert_eq!(s, axum::http::StatusCode::OK, "{v}");
    // The device goes on.
    let next = d.entry("ALICE", receive(&d.snap, 2, None));
    d.push_ok(&api, &[next]).await;
    let page = d.pull(&api).await;
    assert!(page["stock"].is_array());
}

both!(each_entry_of_a_push_sees_the_stock_the_entries_before_it_left);
/// A push's stock is written once at its end (`sql::books`), yet every entry is judged by the
/// stock the entries before it in the same push left: a pick of more than the push itself
/// received is negative stock, one of exactly as much is not; 300 scans of one key add up, and
/// the key's row reaches a pull once, as it stands.
async fn each_entry_of_a_push_sees_the_stock_the_entries_before_it_left() {
    let api = Api::new();
    let mut d = Device::enrol(&api).await;
    let item = item(&d.snap, 1).0;
    let dock = location(&d.snap, "RCV-01");
    let key = json!({ "item": item, "location": dock, "lot": "PUSH-1" });
    let key_op = |t: &str, qty: i64| json!({ "type": t, "key": key, "qty": qty });
    let before = exceptions(&api, "negative_stock").await.len();
    let mut entries = vec![d.entry("ALICE", key_op("receive", 5))];
    entries.push(d.entry("ALICE", key_op("pick", 5)));
    d.push_ok(&api, &entries).await;
    assert_eq!(exceptions(&api, "negative_stock").await.len(), before);
    let mut entries = vec![d.entry("ALICE", key_op("receive", 5))];
    entries.push(d.entry("ALICE", key_op("pick", 8)));
    d.push_ok(&api, &entries).await;
    let negative = exceptions(&api, "negative_stock").await;
    assert_eq!(negative.len(), before + 1);
    assert_eq!(on_hand(&api, &d, &key).await, -3);
    // Said with its catalog key and values, for a supervisor or tablet in another language.
    let said = &negative[before]["said"];
    assert_eq!(said["key"], "reconcile.negative", "{said}");
    assert_eq!(
        (
            &said["args"]["taken"],
            &said["args"]["before"],
            &said["args"]["after"]
        ),
        (&json!("8"), &json!("5"), &json!("-3")),
        "{said}"
    );
    assert_eq!(said["text"], negative[before]["message"]);

    let many: Vec<Value> = (0..300)
        .map(|_| d.entry("ALICE", key_op("receive", 1)))
        .collect();
    d.push_ok(&api, &many).await;
    assert_eq!(on_hand(&api, &d, &key).await, 297);
    let (s, page) = api
        .json(get(
            "/v1/pull?cursor=0&rev=0&state=true&limit=10000",
            Some(&d.token),
        ))
        .await;
    assert_eq!(s, StatusCode::OK, "{page}");
    let rows: Vec<&Value> = page["stock"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["key"]["lot"] == "PUSH-1")
        .collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["qty"], 297);
    assert_eq!(page["durable_seq"], d.seq);
}

both!(a_push_of_more_entries_than_the_protocol_allows_is_refused_whole);
/// One push carries at most `MAX_PUSH_ENTRIES`: one more is refused with 413 and nothing of it is
/// logged; the same entries sent as the device sends them (the limit, then the rest) all land.
async fn a_push_of_more_entries_than_the_protocol_allows_is_refused_whole() {
    let api = Api::new();
    let mut d = Device::enrol(&api).await;
    let item = item(&d.snap, 1).0;
    let dock = location(&d.snap, "RCV-01");
    let key = json!({ "item": item, "location": dock, "lot": "LIMIT-1" });
    let limit = aisle_proto::MAX_PUSH_ENTRIES;
    let entries: Vec<Value> = (0..=limit)
        .map(|_| d.entry("ALICE", json!({ "type": "receive", "key": key, "qty": 1 })))
        .collect();
    let (s, body) = d.push(&api, &entries).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["kind"], "too_large", "{body}");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains(&format!("at most {limit}"))),
        "{body}"
    );
    assert_eq!(
        on_hand(&api, &d, &key).await,
        0,
        "nothing of it was applied"
    );
    let out = d.push_ok(&api, &entries[..limit]).await;
    assert_eq!(out["applied"], limit, "{out}");
    d.push_ok(&api, &entries[limit..]).await;
    assert_eq!(on_hand(&api, &d, &key).await, limit as i64 + 1);
}
