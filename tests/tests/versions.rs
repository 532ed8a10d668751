//! Versions that do not match, end to end: an app older or newer than the server is refused
//! with a message that says which side to update, and nothing is lost. An entry of a newer
//! payload version is held in its place in the device's log (never applied, shown to a
//! supervisor) so that the device's sync goes on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_device::Store;
use aisle_device::work::ReceiveRequest;
use aisle_e2e::{Backend, Device, Server};

aisle_e2e::on_both!(mismatched_versions_fail_clearly_and_lose_nothing);
fn mismatched_versions_fail_clearly_and_lose_nothing(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 5);
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
    // Each refusal carries its catalog key and values, for the tablet's language.
    let (s, v) = push("0", &entries);
    assert_eq!((s, v["kind"].as_str()), (400, Some("version_mismatch")));
    assert!(
        v["message"].as_str().unwrap().contains("update the app"),
        "{v}"
    );
    assert_eq!(v["said"]["key"], "sync.protocol_older", "{v}");
    assert_eq!(v["said"]["args"]["app"], "0", "{v}");
    assert_eq!(v["said"]["text"], v["message"], "{v}");
    let (s, v) = push("2", &entries);
    assert_eq!((s, v["kind"].as_str()), (400, Some("version_mismatch")));
    assert!(
        v["message"].as_str().unwrap().contains("update the server"),
        "{v}"
    );
    assert_eq!(v["said"]["key"], "sync.protocol_newer", "{v}");
    assert!(
        server.device_op_ids(&[device.id()]).is_empty(),
        "nothing was applied"
    );

    // An entry written by a newer app (payload version 2): the server cannot read it, so it is
    // held in its place in the device's log for a supervisor (never applied), and the device's
    // sync goes on: the device takes the entry's effects back and equals the server.
    // (A newer app records it as usual; here the receipt is recorded, then stamped version 2.)
    device.store.receive(&req, &device.ctx).unwrap();
    device
        .store
        .conn()
        .execute_batch(
            "DROP TRIGGER change_log_immutable;
             UPDATE change_log SET schema_version = 2 WHERE seq = 2;
             CREATE TRIGGER change_log_immutable BEFORE UPDATE ON change_log
             BEGIN SELECT RAISE(ABORT, 'change log entries are immutable'); END;",
        )
        .unwrap();
    device.sync();
    device.sync();
    assert_eq!(device.store.pending_count().unwrap(), 0, "nothing waits");
    assert_eq!(server.device_op_ids(&[device.id()]).len(), 2);
    let held: Vec<String> = server
        .export("exceptions")
        .iter()
        .filter(|r| &r[1] == "invalid_operation" && r[5].contains("newer than this server reads"))
        .map(|r| r[0].to_string())
        .collect();
    assert_eq!(held.len(), 1, "{:?}", server.exceptions());
    assert_eq!(aisle_e2e::device_stock(&device.store), server.stock("WH1"));
    // The device's later work goes through as usual.
    device.store.receive(&req, &device.ctx).unwrap();
    device.sync();
    assert_eq!(server.device_op_ids(&[device.id()]).len(), 3);
    assert_eq!(aisle_e2e::device_stock(&device.store), server.stock("WH1"));
    // Released before the server can read it: refused, saying to upgrade the server.
    server.set_operator("SUP9", true);
    let out = std::process::Command::new(aisle_e2e::bin("aisle-server"))
        .arg("--db")
        .arg(&server.db)
        .args([
            "exception",
            "resolve",
            &held[0],
            "--by",
            "SUP9",
            "--release",
        ])
        .args(["--note", "try it"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("upgrade the server"), "{said}");
    let _ = Store::open(&device.path).unwrap();
}
