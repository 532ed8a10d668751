//! Several server processes on one PostgreSQL database: devices push through either while a
//! device pulls through the other, and the pulling device sees every operation exactly once. A
//! pull's cursor must never pass an operation that a concurrent push had numbered but not yet
//! committed (docs/sync-protocol.md); without the write lock that serializes pushes, it does.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unused_macros,
    unused_imports
)]

mod common;

use aisle_server::AppState;
use aisle_server::sql::SqlStorage;
use aisle_server::storage::Administration;
use common::device::{Device, item, location};
use common::{Api, RawDb, get, off_runtime};
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A server process of its own on the database at `url`.
fn server(url: &str, demo: bool) -> Api {
    let storage = off_runtime(|| {
        let s = SqlStorage::open_postgres(url).unwrap();
        if demo {
            s.load_demo(1, 5).unwrap();
        }
        s
    });
    Api {
        _dir: tempfile::tempdir().unwrap(),
        state: AppState::new(Arc::new(storage)),
        raw: RawDb::Url(url.to_string()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_device_pulling_from_one_server_misses_nothing_pushed_through_another() {
    let url = off_runtime(aisle_testdb::fresh_database);
    let a = Arc::new(server(&url, true));
    let b = Arc::new(server(&url, false));
    let reader = Device::enrol(&b).await;
    let start: u64 = reader.snap["cursor"].as_u64().unwrap();

    const DEVICES: usize = 4;
    const PUSHES: usize = 60;
    let done = Arc::new(AtomicBool::new(false));
    let mut pushers = Vec::new();
    for d in 0..DEVICES {
        let mut device = Device::enrol(if d % 2 == 0 { &a } else { &b }).await;
        let (a, b) = (Arc::clone(&a), Arc::clone(&b));
        pushers.push(tokio::spawn(async move {
            let mut pushed = Vec::new();
            for n in 0..PUSHES {
                // Each device its own item: no row two pushes both wait for, so nothing but the
                // write lock keeps their commits in the order of their numbers.
                let op = serde_json::json!({
                    "type": "receive",
                    "key": { "item": item(&device.snap, d).0, "location": location(&device.snap, "RCV-01") },
                    "qty": 1
                });
                let entry = device.entry("ALICE", op);
                pushed.push(entry["op_id"].as_str().unwrap().to_string());
                let via = if (n + d) % 2 == 0 { &a } else { &b };
                device.push_ok(via, &[entry]).await;
            }
            pushed
        }));
    }

    // The reader pulls through the other server all along, page by page, as a tablet does.
    let puller = {
        let (done, b, token) = (Arc::clone(&done), Arc::clone(&b), reader.token.clone());
        tokio::spawn(async move {
            let mut cursor = start;
            let mut seen = Vec::new();
            loop {
                let finished = done.load(Ordering::SeqCst);
                let (status, page): (_, Value) = b
                    .json(get(
                        &format!("/v1/pull?cursor={cursor}&rev=0&limit=50"),
                        Some(&token),
                    ))
                    .await;
                assert!(status.is_success(), "{page}");
                for op in page["ops"].as_array().unwrap() {
                    seen.push(op["entry"]["op_id"].as_str().unwrap().to_string());
                }
                cursor = page["cursor"].as_u64().unwrap();
                if finished && !page["more"].as_bool().unwrap() {
                    return seen;
                }
            }
        })
    };
    let mut pushed = HashSet::new();
    for p in pushers {
        pushed.extend(p.await.unwrap());
    }
    done.store(true, Ordering::SeqCst);
    let seen = puller.await.unwrap();

    let unique: BTreeSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "an operation was pulled twice");
    let missed: Vec<&String> = pushed.iter().filter(|op| !unique.contains(op)).collect();
    assert!(
        missed.is_empty(),
        "the pulling device never received {} of {} operations pushed meanwhile: its cursor passed them before they committed",
        missed.len(),
        pushed.len()
    );
    assert_eq!(unique.len(), DEVICES * PUSHES);
}
