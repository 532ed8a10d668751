//! Work the server sends to devices, end to end against a real server process: a pick that
//! leaves a pick face low becomes a top-up move task on every device of the warehouse, a device
//! carries it out (refused when it does something else), and the server and the other devices
//! learn it is done; count tasks from the cycle-count plan close when counted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_device::work::{CountRequest, MoveRequest, PickRequest};
use aisle_device::{DeviceError, Store};
use aisle_e2e::{Backend, Device, RESERVE, Server, bin, face_with_reserve};

fn pending(store: &Store) -> u64 {
    store.pending_count().unwrap()
}

aisle_e2e::on_both!(a_low_pick_face_becomes_a_move_task_that_a_device_carries_out);
fn a_low_pick_face_becomes_a_move_task_that_a_device_carries_out(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 40);
    let mut picker = Device::enrolled(dir.path(), &server, "T1", &server.url);
    let mut other = Device::enrolled(dir.path(), &server, "T2", &server.url);
    assert!(picker.store.task_list().unwrap().is_empty());

    // Picking all but one unit leaves the face below a quarter of its capacity.
    let (face, barcode) = face_with_reserve(&mut picker);
    let at = format!("LOC:WH1:{}", face.location);
    let req = PickRequest {
        location: at.clone(),
        item: barcode.clone(),
        qty: Some(face.qty - 1),
        pack: Some(aisle_domain::PackKind::Each),
        ..Default::default()
    };
    picker.store.pick(&req, &picker.ctx).unwrap();
    picker.sync();
    let tasks = picker.store.task_list().unwrap();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let task = tasks[0].clone();
    assert_eq!(
        (task.sku.as_str(), task.target.code.as_str()),
        (face.sku.as_str(), face.location.as_str())
    );
    let source = task.source.clone().unwrap();
    assert_eq!(source.code, RESERVE, "from reserve: {task:?}");
    assert!(
        task.task.reason.contains("holds 1 of"),
        "{}",
        task.task.reason
    );
    other.sync();
    assert_eq!(
        other.store.task_list().unwrap(),
        tasks,
        "every device gets it"
    );

    // Work that names the task but does something else is refused and changes nothing.
    let before = pending(&picker.store);
    let wrong = MoveRequest {
        what: barcode.clone(),
        from: Some(format!("LOC:WH1:{}", source.code)),
        to: "LOC:WH1:RCV-01".into(),
        qty: Some(1),
        pack: Some(aisle_domain::PackKind::Each),
        task: Some(task.task.id),
        ..Default::default()
    };
    let e = picker.store.move_stock(&wrong, &picker.ctx).unwrap_err();
    assert!(
        matches!(&e, DeviceError::Invalid(m) if m.text.contains(&format!("goes to {}", face.location))),
        "{e}"
    );
    let count_instead = CountRequest {
        location: at.clone(),
        item: barcode.clone(),
        counted: 1,
        task: Some(task.task.id),
        ..Default::default()
    };
    let e = picker.store.count(&count_instead, &picker.ctx).unwrap_err();
    assert!(e.to_string().contains("is a move task"), "{e}");
    assert_eq!(pending(&picker.store), before, "nothing recorded");

    // Done in two trips: the list shows what is left, then nothing.
    let trip = |qty: i64| MoveRequest {
        to: at.clone(),
        qty: Some(qty),
        ..wrong.clone()
    };
    picker
        .store
        .move_stock(&trip(task.remaining - 1), &picker.ctx)
        .unwrap();
    assert_eq!(picker.store.task_list().unwrap()[0].remaining, 1);
    picker.store.move_stock(&trip(1), &picker.ctx).unwrap();
    assert!(picker.store.task_list().unwrap().is_empty());
    other.sync();
    assert_eq!(
        other.store.task_list().unwrap().len(),
        1,
        "not done until the work reaches the server"
    );
    picker.sync();
    other.sync();
    assert!(other.store.task_list().unwrap().is_empty());
    let listed = server.admin(&["tasks", "list", "--warehouse", "WH1", "--all"]);
    let line = listed
        .lines()
        .find(|l| l.starts_with(&task.task.id.to_string()))
        .unwrap();
    assert!(line.contains(" done "), "{listed}");
    // Once it is done, work naming it is refused on the device that knows it.
    let e = other.store.move_stock(&trip(1), &other.ctx).unwrap_err();
    assert!(e.to_string().contains("is done"), "{e}");
    // The face is full again, so the listing has nothing for it.
    let tops = server.admin(&["tasks", "top-ups", "--warehouse", "WH1"]);
    assert!(!tops.contains(&face.location), "{tops}");
}

aisle_e2e::on_both!(count_tasks_reach_the_devices_and_close_when_counted);
fn count_tasks_reach_the_devices_and_close_when_counted(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 20);
    let mut device = Device::enrolled(dir.path(), &server, "T1", &server.url);
    let (face, barcode) = face_with_reserve(&mut device);
    device.sync();
    let out = server.admin(&["tasks", "counts", "--warehouse", "WH1", "--sku", &face.sku]);
    assert!(out.contains("task(s) sent to the devices"), "{out}");
    device.sync();
    let listed = std::process::Command::new(bin("aisle"))
        .args(["--db", device.path.to_str().unwrap(), "tasks", "--json"])
        .output()
        .unwrap();
    assert!(listed.status.success(), "{listed:?}");
    let json: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let tasks = json["tasks"].as_array().unwrap();
    assert!(
        tasks
            .iter()
            .all(|t| t["type"] == "count" && t["sku"] == face.sku.as_str() && t["blind"] == true),
        "{json}"
    );
    let mine = tasks
        .iter()
        .find(|t| t["target"]["code"] == face.location.as_str())
        .unwrap();
    let id: aisle_domain::TaskId = mine["id"].as_str().unwrap().parse().unwrap();
    // Why, kept as said for the tablet's language: the key and values beside the English.
    let said = &mine["reason_said"];
    assert!(
        said["key"]
            .as_str()
            .is_some_and(|k| k.starts_with("tasks.cycle_count")),
        "{mine}"
    );
    assert_eq!(said["args"]["sku"], face.sku.as_str(), "{mine}");
    assert_eq!(said["text"], mine["reason"], "{mine}");

    // At the wrong location: refused. At the right one: counted, and done once synced.
    let elsewhere = aisle_e2e::all_stock(&device.store)
        .into_iter()
        .find(|l| l.item_id == face.item_id && l.location != face.location)
        .unwrap();
    let wrong = CountRequest {
        location: format!("LOC:WH1:{}", elsewhere.location),
        item: barcode.clone(),
        counted: elsewhere.qty,
        blind: true,
        task: Some(id),
        ..Default::default()
    };
    let e = device.store.count(&wrong, &device.ctx).unwrap_err();
    assert!(
        e.to_string()
            .contains(&format!("counts at {}", face.location)),
        "{e}"
    );
    let right = CountRequest {
        location: format!("LOC:WH1:{}", face.location),
        counted: face.qty,
        ..wrong
    };
    device.store.count(&right, &device.ctx).unwrap();
    device.sync();
    let after = device.store.task_list().unwrap();
    assert!(after.iter().all(|t| t.task.id != id), "{after:?}");
    let all = server.admin(&["tasks", "list", "--warehouse", "WH1", "--all"]);
    let line = all
        .lines()
        .find(|l| l.starts_with(&id.to_string()))
        .unwrap();
    assert!(line.contains(" done "), "{all}");
    // Asking again sends a count only where none is waiting: the location just counted.
    let again = server.admin(&["tasks", "counts", "--warehouse", "WH1", "--sku", &face.sku]);
    assert!(again.contains("\n1 task(s)"), "{again}");

    // Another item's bin (no count waits there) counted far over: a variance. A supervisor
    // doubts it and asks for a blind recount, whose reason holds the variance's own message,
    // said in turn.
    let line = aisle_e2e::all_stock(&device.store)
        .into_iter()
        .find(|l| l.item_id != face.item_id && l.lot.is_none() && l.plate.is_none() && l.qty > 0)
        .unwrap();
    let over = CountRequest {
        location: format!("LOC:WH1:{}", line.location),
        item: device.store.item(line.item_id).unwrap().barcodes[0].clone(),
        counted: line.qty + 40,
        blind: true,
        ..Default::default()
    };
    device.store.count(&over, &device.ctx).unwrap();
    device.sync();
    let sup = aisle_e2e::Supervisor::sign_in(&server);
    let open = sup.json("/v1/supervisor/exceptions");
    let variance = open
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "count_variance")
        .unwrap_or_else(|| panic!("a variance: {open}"));
    let x = variance["id"].as_str().unwrap();
    let asked = sup.post(
        &format!("/v1/supervisor/exceptions/{x}/recount"),
        serde_json::json!({}),
    );
    assert_eq!(asked.status(), 201);
    let task: serde_json::Value = asked.json().unwrap();
    let why = &task["reason_said"];
    assert_eq!(why["key"], "tasks.recount_asked", "{task}");
    assert_eq!(why["args"]["by"], "SUP2", "{task}");
    assert_eq!(why["args"]["why"], variance["said"], "{task}");
    assert!(
        task["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("recount asked by SUP2: ")
                && r.ends_with(variance["message"].as_str().unwrap())),
        "{task}"
    );
    assert_eq!(task["blind"], true, "{task}");
    // Asked twice: one recount waits already; the refusal carries its key.
    let twice = sup.post(
        &format!("/v1/supervisor/exceptions/{x}/recount"),
        serde_json::json!({}),
    );
    assert_eq!(twice.status(), 409);
    let body: serde_json::Value = twice.json().unwrap();
    assert_eq!(
        body["said"]["key"], "tasks.count_item_location_already",
        "{body}"
    );
    // Once resolved, no recount: the refusal names the exception.
    server.admin(&["exception", "resolve", x, "--by", "SUP2", "--accept"]);
    let late = sup.post(
        &format!("/v1/supervisor/exceptions/{x}/recount"),
        serde_json::json!({}),
    );
    assert_eq!(late.status(), 409);
    let body: serde_json::Value = late.json().unwrap();
    assert_eq!(body["said"]["key"], "resolve.recount_resolved", "{body}");
    assert_eq!(body["said"]["args"]["id"], x, "{body}");
}
