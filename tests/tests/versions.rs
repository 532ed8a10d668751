//! Versions that do not match, end to end: an app older or newer than the server is refused
//! with a message that says which side to update, and nothing is lost: the device keeps every
//! entry the server could not take, and pushes it once the versions agree.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_device::Store;
use aisle_device::work::ReceiveRequest;
use aisle_e2e::{Device, Server, quick};

#[test]
fn mismatched_versions_fail_clearly_and_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo(dir.path(), 5);
    let mut device = Device::enrolled(dir.path(), &server, "T1", &server.url);
    let req = ReceiveRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: "5012345000015".into(),
        ..Default::default()
    };
    device.store.receive(&req, &device.ctx).unwrap();
    let entries =
        serde_json::to_value(device.store.change_log(Default::default()).unwrap()).unwrap();
    let state = device.store.sync_state().unwrap();
    let (token, epoch) = (aisle_e2e::device_token(&device.store), state.epoch.unwrap());
    let http = reqwest::blocking::Client::new();
    let push = |protocol: &str, entries: &serde_json::Value| {
        let resp = http
            .post(format!("{}/v1/push", server.url))
            .bearer_auth(&token)
            .header("aisle-protocol", protocol)
            .json(&serde_json::json!({ "device_id": device.id(), "epoch": epoch, "entries": entries }))
            .send()
            .unwrap();
        (
            resp.status().as_u16(),
            resp.json::<serde_json::Value>().unwrap(),
        )
    };
    // An older app, then a newer one: refused before anything is read, each told what to update.
    let (s, v) = push("0", &entries);
    assert_eq!((s, v["kind"].as_str()), (400, Some("version_mismatch")));
    assert!(
        v["message"].as_str().unwrap().contains("update the app"),
        "{v}"
    );
    let (s, v) = push("2", &entries);
    assert_eq!((s, v["kind"].as_str()), (400, Some("version_mismatch")));
    assert!(
        v["message"].as_str().unwrap().contains("update the server"),
        "{v}"
    );
    assert!(
        server.device_op_ids(&[device.id()]).is_empty(),
        "nothing was applied"
    );

    // An entry written by a newer app (payload version 2): the server refuses it, saying why,
    // and the device keeps it.
    let conn = device.store.conn();
    conn.execute(
        "INSERT INTO change_log (seq, op_id, device_id, schema_version, op_type, warehouse_id, operator, device_time, scans, payload, seen_cursor)
         SELECT seq + 1, ?1, device_id, 2, op_type, warehouse_id, operator, device_time, scans, payload, seen_cursor FROM change_log WHERE seq = 1",
        [aisle_domain::OpId::new().to_string()],
    )
    .unwrap();
    let e = device.store.sync(quick(), &mut |_| {}).unwrap_err();
    assert!(
        e.to_string().contains("newer than this server understands"),
        "{e}"
    );
    assert!(e.to_string().contains("upgrade the server"), "{e}");
    // A push is one transaction: the batch waits whole on the device until the server is
    // upgraded, and nothing of it is half applied.
    let reopened = Store::open(&device.path).unwrap();
    assert_eq!(reopened.sync_state().unwrap().pushed_seq, 0);
    assert_eq!(
        reopened.pending_count().unwrap(),
        2,
        "both entries are kept"
    );
    assert!(server.device_op_ids(&[device.id()]).is_empty());
}
