//! Storage faults on a device, end to end: a store file damaged on disk is detected, a
//! recovery keeps every change-log entry it can read (pushed or not), and the recovered store
//! syncs to the same stock as the server with nothing lost or doubled.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_device::Store;
use aisle_e2e::aisle_cli as aisle;
use aisle_e2e::{Backend, Server, device_stock};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::process::Output;

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Overwrites the first page of a table's b-tree with garbage, as a failing disk would.
fn damage(db: &Path, table: &str) {
    let (root, page): (i64, i64) = {
        let c = rusqlite::Connection::open(db).unwrap();
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        let root = c
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        let page = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        (root, page)
    };
    let mut f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
    f.seek(SeekFrom::Start(((root - 1) * page) as u64)).unwrap();
    f.write_all(&vec![0xA5; page as usize]).unwrap();
    f.sync_all().unwrap();
}

aisle_e2e::on_both!(a_damaged_store_is_detected_and_its_work_recovered);
fn a_damaged_store_is_detected_and_its_work_recovered(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 10);
    let db = dir.path().join("t1.db");
    ok(aisle(&db, &["init", "--name", "T1"]));
    let code = server.enrolment_code("WH1", "T1");
    ok(aisle(
        &db,
        &["enroll", "--server", &server.url, "--code", &code],
    ));
    ok(aisle(&db, &["sync"]));
    let receive = [
        "receive",
        "--at",
        "LOC:WH1:RCV-01",
        "--item",
        "5012345000015",
        "--qty",
        "3",
    ];
    // Two scans reach the server; three more are only on the tablet when its disk fails.
    for _ in 0..2 {
        ok(aisle(&db, &receive));
    }
    ok(aisle(&db, &["sync"]));
    for _ in 0..3 {
        ok(aisle(&db, &receive));
    }
    let before: Vec<String> = Store::open(&db)
        .unwrap()
        .change_log(Default::default())
        .unwrap()
        .iter()
        .map(|e| e.op_id.to_string())
        .collect();
    assert_eq!(before.len(), 5);
    assert!(ok(aisle(&db, &["check"])).contains("no damage found"));

    damage(&db, "stock");
    let check = aisle(&db, &["check", "--json"]);
    assert!(!check.status.success(), "a damaged store fails the check");
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(report["ok"], false, "{report}");
    assert!(!report["problems"].as_array().unwrap().is_empty());
    // Reading stock from it is refused with a message that says what to do.
    let read = aisle(&db, &["stock", "item", "5012345000015"]);
    assert!(!read.status.success());
    let said = String::from_utf8_lossy(&read.stderr);
    assert!(
        said.contains("damaged") && said.contains("aisle recover"),
        "{said}"
    );

    // Recovery keeps all five entries and the enrolment; a sync sends the three unpushed ones.
    let fresh = dir.path().join("t1-recovered.db");
    let saved: serde_json::Value = serde_json::from_slice(
        &aisle(
            &db,
            &["--json", "recover", "--into", fresh.to_str().unwrap()],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(
        (
            saved["entries"].as_u64(),
            saved["pushed"].as_u64(),
            saved["enrolled"].as_bool()
        ),
        (Some(5), Some(2), Some(true)),
        "{saved}"
    );
    let refused = aisle(&db, &["recover", "--into", fresh.to_str().unwrap()]);
    assert!(!refused.status.success(), "never over an existing file");
    ok(aisle(&fresh, &["sync"]));
    let store = Store::open(&fresh).unwrap();
    let after: Vec<String> = store
        .change_log(Default::default())
        .unwrap()
        .iter()
        .map(|e| e.op_id.to_string())
        .collect();
    assert_eq!(after, before, "the same log, in order");
    assert_eq!(store.pending_count().unwrap(), 0);
    let device = store.device().unwrap().device_id.to_string();
    assert_eq!(
        server.device_op_ids(&[device]),
        before,
        "on the server exactly once"
    );
    let nonzero = |m: std::collections::BTreeMap<String, i64>| {
        m.into_iter()
            .filter(|(_, q)| *q != 0)
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    assert_eq!(nonzero(device_stock(&store)), nonzero(server.stock("WH1")));
    assert!(store.audit_stock().unwrap().is_empty());
}
