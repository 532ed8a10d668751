//! The backend's own promises that the API tests cannot see, on SQLite and on PostgreSQL.

use super::*;
use aisle_domain::{ItemId, LocationId};
use aisle_proto::{EnrollRequest, PullQuery};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

/// Runs `body` on a fresh SQLite file and a fresh PostgreSQL database.
pub(super) fn on_both(body: impl Fn(Arc<SqlStorage>)) {
    let dir = tempfile::tempdir().unwrap();
    eprintln!("on SQLite");
    body(Arc::new(SqlStorage::open(dir.path().join("s.db")).unwrap()));
    eprintln!("on PostgreSQL");
    body(Arc::new(
        SqlStorage::open_postgres(&aisle_testdb::fresh_database()).unwrap(),
    ));
}

fn total(hits: &[crate::inventory::StockHit]) -> i64 {
    hits.iter()
        .flat_map(|h| h.warehouses.iter().map(|(_, q)| q))
        .sum()
}

/// While a write transaction is open (a push in progress), a stock page is answered at once,
/// from the last committed state: it neither waits for the push nor sees half of it.
#[test]
fn pages_are_read_beside_a_push_in_progress() {
    on_both(|storage| {
        storage.load_demo(1, 20).unwrap();
        let before = total(&storage.stock_search("PAI", 100).unwrap());
        assert!(before > 0);

        let tx = storage.write().unwrap();
        tx.exec("UPDATE stock SET qty = qty + 1000", &[]).unwrap();
        let (send, receive) = mpsc::channel();
        let reader = Arc::clone(&storage);
        std::thread::spawn(move || {
            let _ = send.send(reader.stock_search("PAI", 100).map(|h| total(&h)));
        });
        // A page that queued behind the writer would never come while the transaction is open.
        let during = receive
            .recv_timeout(Duration::from_secs(60))
            .expect("the page waited for the writer")
            .unwrap();
        drop(tx);
        assert_eq!(during, before, "the page saw an uncommitted write");
        assert_eq!(
            total(&storage.stock_search("PAI", 100).unwrap()),
            before,
            "rolled back"
        );
    });
}

/// A device enrolled in WH1 on `storage`, with a token made up for it.
fn enrolled(storage: &SqlStorage, name: &str) -> DeviceRecord {
    let e = storage
        .create_enrolment("WH1", name, chrono::Duration::hours(1))
        .unwrap();
    let req = EnrollRequest {
        code: e.code,
        device_id: DeviceId::new(),
        name: name.into(),
        app_version: "test".into(),
    };
    storage
        .enroll(&req, &hash_secret(&format!("token of {name}")))
        .unwrap()
}

/// Where demo stock is received in WH1: the warehouse, its dock, and two items.
pub(super) fn dock_and_items(storage: &SqlStorage) -> (WarehouseId, LocationId, Vec<ItemId>) {
    let conn = storage.read().unwrap();
    let (wh, dock) = conn
        .one(
            "SELECT w.id, l.id FROM warehouses w JOIN locations l ON l.warehouse_id = w.id
             WHERE w.code = 'WH1' AND l.code = 'RCV-01'",
            &[],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let items = conn
        .rows("SELECT id FROM items ORDER BY sku LIMIT 2", &[], |r| {
            r.get(0)
        })
        .unwrap();
    (wh, dock, items)
}

/// A device's entry #`seq`: one unit of `item` received at `dock`.
fn receipt(
    device: &DeviceRecord,
    seq: u64,
    wh: WarehouseId,
    dock: LocationId,
    item: ItemId,
    seen_cursor: u64,
) -> ChangeLogEntry {
    ChangeLogEntry {
        op_id: OpId::new(),
        device_id: device.id,
        seq,
        schema_version: PAYLOAD_VERSION,
        warehouse_id: wh,
        operator: "ALICE".into(),
        device_time: Utc::now(),
        scans: vec![],
        seen_cursor,
        op: Operation::Receive(aisle_domain::op::Receive {
            key: StockKey::loose(item, dock),
            qty: 1,
            pack: None,
            serials: vec![],
            receipt_line: None,
            plate_code: None,
        }),
    }
}

/// An entry is logged in the words the device sent it (its text kept, not encoded again) when the
/// push says that text reads back as the entry; otherwise encoded. Either way the same push again
/// is all duplicates: the log reads back as the entries.
#[test]
fn an_entry_is_logged_as_sent_and_reads_back_the_same() {
    on_both(|storage| {
        storage.load_demo(1, 5).unwrap();
        let (wh, dock, items) = dock_and_items(&storage);
        let device = enrolled(&storage, "D1");
        let entries = vec![
            receipt(&device, 1, wh, dock, items[0], 0),
            receipt(&device, 2, wh, dock, items[1], 0),
        ];
        // The device's own spelling: its fields in another order than this build writes them.
        let mut fields: Vec<(String, serde_json::Value)> =
            match serde_json::to_value(&entries[0]).unwrap() {
                serde_json::Value::Object(map) => map.into_iter().collect(),
                other => panic!("{other}"),
            };
        fields.reverse();
        let sent = format!(
            "{{{}}}",
            fields
                .iter()
                .map(|(k, v)| format!("{}: {v}", serde_json::Value::from(k.as_str())))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert_ne!(sent, serde_json::to_string(&entries[0]).unwrap());
        let out = storage
            .push_as_sent(&device, &entries, &[Some(sent.as_str()), None])
            .unwrap();
        assert_eq!((out.applied, out.duplicates), (2, 0));
        let logged: Vec<String> = storage
            .read()
            .unwrap()
            .rows(
                "SELECT entry FROM ops WHERE device_id = ?1 ORDER BY device_seq",
                args![device.id.to_string()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(logged[0], sent, "kept as sent");
        assert_eq!(logged[1], serde_json::to_string(&entries[1]).unwrap());
        let again = storage.push(&device, &entries).unwrap();
        assert_eq!((again.applied, again.duplicates), (0, 2));
    });
}

/// Entries that cannot be logged under their identity never stop a device's sync: an operation
/// id logged before (by another device, or earlier in the same push) and other content under a
/// number already logged are set aside with a `duplicate_entry` exception that holds them. The
/// push goes through, nothing counts twice, the same push sent again is all duplicates, and a
/// supervisor may release a set-aside entry, unless it is a copy of one applied.
#[test]
fn entries_that_cannot_be_logged_under_their_identity_are_set_aside_and_sync_goes_on() {
    on_both(|storage| {
        storage.load_demo(1, 5).unwrap();
        let (wh, dock, items) = dock_and_items(&storage);
        let (one, two) = (enrolled(&storage, "D1"), enrolled(&storage, "D2"));
        let logged = receipt(&one, 1, wh, dock, items[0], 0);
        storage.push(&one, std::slice::from_ref(&logged)).unwrap();
        let on_hand = || -> i64 {
            storage
                .read()
                .unwrap()
                .one(
                    "SELECT CAST(COALESCE(SUM(qty), 0) AS BIGINT) FROM stock",
                    &[],
                    |r| r.get(0),
                )
                .unwrap()
        };
        let set_aside = || -> Vec<Exception> {
            storage
                .exceptions(false)
                .unwrap()
                .into_iter()
                .filter(|x| x.kind == ExceptionKind::DuplicateEntry)
                .collect()
        };
        let before = on_hand();

        // D2's #2 carries D1's operation, as sent (a copied database); #4 reuses #3's id.
        let copy = ChangeLogEntry {
            device_id: two.id,
            seq: 2,
            ..logged.clone()
        };
        let third = receipt(&two, 3, wh, dock, items[1], 0);
        let mut fourth = receipt(&two, 4, wh, dock, items[1], 0);
        fourth.op_id = third.op_id;
        let first = receipt(&two, 1, wh, dock, items[1], 0);
        let push = vec![first.clone(), copy.clone(), third, fourth.clone()];
        let out = storage.push(&two, &push).unwrap();
        assert_eq!((out.durable_seq, out.applied, out.duplicates), (4, 4, 0));
        assert_eq!(on_hand(), before + 2, "only #1 and #3 change stock");
        let held = set_aside();
        assert_eq!(held.len(), 2, "{held:?}");
        assert_eq!(held[0].op_ids.first(), Some(&logged.op_id));
        assert!(
            held[0].message.contains(&one.id.to_string()),
            "{}",
            held[0].message
        );
        assert_eq!(held[1].op_ids.first(), Some(&fourth.op_id));
        assert!(held.iter().all(|x| x.device_id == Some(two.id)));
        // Kept as said too: the held wording around why, and the device that logged it first.
        let said = held[0].said.as_ref().unwrap();
        assert_eq!(
            (said.key.as_ref(), &said.text),
            ("stray.held", &held[0].message)
        );
        let Some(aisle_domain::said::Arg::Said(why)) = said.args.get("why") else {
            panic!("why is a message of its own: {said:?}");
        };
        assert_eq!(why.key, "stray.reused_by_device");
        assert_eq!(why.arg("other"), Some(one.id.to_string().as_str()));

        // The reply was lost: the same push again is all duplicates.
        let again = storage.push(&two, &push).unwrap();
        assert_eq!(
            (again.durable_seq, again.applied, again.duplicates),
            (4, 0, 4)
        );
        assert_eq!((on_hand(), set_aside().len()), (before + 2, 2));

        // Restored from an old backup: #1 again with other content, then a new #5.
        let restored = receipt(&two, 1, wh, dock, items[0], 0);
        let fifth = receipt(&two, 5, wh, dock, items[0], 0);
        let out = storage
            .push(&two, &[restored.clone(), fifth.clone()])
            .unwrap();
        assert_eq!((out.durable_seq, out.applied, out.duplicates), (5, 1, 0));
        assert_eq!(on_hand(), before + 3);
        let held = set_aside();
        assert_eq!(held.len(), 3);
        assert_eq!(held[2].op_ids.first(), Some(&restored.op_id));
        assert!(
            held[2].message.contains(&first.op_id.to_string()),
            "{}",
            held[2].message
        );
        let again = storage.push(&two, &[restored, fifth]).unwrap();
        assert_eq!((again.applied, again.duplicates), (0, 2));

        // A copy of an applied operation is never released; other content may be.
        let supervisor = aisle_domain::demo::DEMO_SUPERVISOR;
        let release = Resolution::Release {
            note: "checked".into(),
        };
        match storage.resolve_exception(held[0].id, supervisor, &release) {
            Err(StorageError::Invalid(m)) => assert!(m.contains("twice"), "{m}"),
            other => panic!("a copy was released: {other:?}"),
        }
        assert_eq!(on_hand(), before + 3);
        storage
            .resolve_exception(held[2].id, supervisor, &release)
            .unwrap();
        assert_eq!(on_hand(), before + 4, "released: applied once");
        assert!(storage.audit_books().unwrap().ok);
    });
}

/// Everything a device pulls from `cursor` on, page after page, and the cursor: the operations'
/// ids, or (`state`) the items of the stock rows it received.
fn pull_all(
    storage: &SqlStorage,
    device: &DeviceRecord,
    mut cursor: u64,
    state: bool,
) -> (Vec<String>, u64) {
    let mut ids = Vec::new();
    loop {
        let page = storage
            .pull(
                device,
                &PullQuery {
                    cursor,
                    rev: 0,
                    limit: None,
                    state,
                },
            )
            .unwrap();
        for op in &page.ops {
            let entry: serde_json::Value = serde_json::from_str(op.entry.get()).unwrap();
            ids.push(entry["op_id"].as_str().unwrap().to_string());
        }
        ids.extend(page.stock.iter().map(|row| row.key.item.to_string()));
        cursor = page.cursor;
        if !page.more {
            return (ids, cursor);
        }
    }
}

/// Two servers on one PostgreSQL database. A push on server A has numbered its operation but not
/// committed; a push on server B goes on meanwhile, and a device pulls from B. The device must
/// still receive A's operation once it commits: B's push waits for A's (the write lock), so the
/// numbers commit in order and the device's cursor never passes a number still to come.
#[test]
fn a_pull_never_passes_a_push_still_in_progress_on_another_server() {
    let url = aisle_testdb::fresh_database();
    let a = SqlStorage::open_postgres(&url).unwrap();
    a.load_demo(1, 5).unwrap();
    let b = Arc::new(SqlStorage::open_postgres(&url).unwrap());
    let (slow, fast, reader) = (enrolled(&a, "A1"), enrolled(&b, "B1"), enrolled(&b, "R1"));
    let (_, cursor) = pull_all(&b, &reader, 0, false);
    let (_, rows_cursor) = pull_all(&b, &reader, 0, true);
    // Two items: no stock row that both pushes would wait for.
    let (wh, dock, items) = dock_and_items(&b);
    let entry = |device: &DeviceRecord, item: ItemId| receipt(device, 1, wh, dock, item, cursor);
    let (first, second) = (entry(&slow, items[0]), entry(&fast, items[1]));
    let item_of = |e: &ChangeLogEntry| match &e.op {
        Operation::Receive(r) => r.key.item.to_string(),
        _ => String::new(),
    };

    // Server A, mid-push: its operation is logged and numbered, not yet committed.
    let tx = a.write().unwrap();
    let books = super::books::PendingBooks::default();
    a.apply_entry(&tx, &books, (&first).into(), Utc::now(), Some(wh))
        .unwrap();
    books.flush(&tx).unwrap();
    // Server B takes a push meanwhile, and the reader pulls from B.
    let (send, done) = mpsc::channel();
    let pusher = Arc::clone(&b);
    let pushed = second.clone();
    let push = std::thread::spawn(move || {
        let out = pusher.push(&fast, &[pushed]);
        let _ = send.send(());
        out
    });
    let _ = done.recv_timeout(Duration::from_secs(3));
    let (early, cursor) = pull_all(&b, &reader, cursor, false);
    let (early_rows, rows_cursor) = pull_all(&b, &reader, rows_cursor, true);
    tx.commit().unwrap();
    push.join().unwrap().unwrap();
    let (late, _) = pull_all(&b, &reader, cursor, false);
    let (late_rows, _) = pull_all(&b, &reader, rows_cursor, true);

    // Operations (older apps) arrive exactly once; stock rows (the state pull) at least once.
    let got: Vec<String> = early.into_iter().chain(late).collect();
    let rows: Vec<String> = early_rows.into_iter().chain(late_rows).collect();
    for (what, e) in [("the slow push", &first), ("the fast push", &second)] {
        assert_eq!(
            got.iter().filter(|id| **id == e.op_id.to_string()).count(),
            1,
            "{what}'s operation reached the reader {} times: {got:?}",
            got.iter().filter(|id| **id == e.op_id.to_string()).count()
        );
        assert!(
            rows.contains(&item_of(e)),
            "{what}'s stock row never reached the reader: {rows:?}"
        );
    }
}

/// The SQLite writer leaves copying its write-ahead log back into the database file to the
/// checkpointer (it would do so itself only past 10,000 pages): after commits, the file itself
/// grows by what they wrote, soon, without anything else touching the database.
#[test]
fn the_checkpointer_copies_commits_into_the_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let storage = SqlStorage::open(&path).unwrap();
    let size = || std::fs::metadata(&path).unwrap().len();
    let before = size();
    storage.load_demo(1, 5).unwrap();
    let (wh, dock, items) = dock_and_items(&storage);
    let device = enrolled(&storage, "D1");
    let entries: Vec<ChangeLogEntry> = (1..=2_000)
        .map(|seq| receipt(&device, seq, wh, dock, items[0], 0))
        .collect();
    storage.push(&device, &entries).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while size() < before + 1_000_000 {
        assert!(
            std::time::Instant::now() < deadline,
            "the database file is still {} bytes (was {before}): nothing was checkpointed",
            size()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A pull of a device whose contact is noted already is answered while a push holds the writer:
/// it neither waits for it nor writes. (Every request used to note the device's contact in a
/// write transaction first, so pulls queued behind pushes.)
#[test]
fn a_pull_is_answered_while_a_push_holds_the_writer() {
    on_both(|storage| {
        storage.load_demo(1, 5).unwrap();
        let device = enrolled(&storage, "D1");
        let app = crate::api::router(crate::api::AppState::new(storage.clone()));
        let pull = move || {
            let app = app.clone();
            let request = axum::http::Request::get("/v1/pull?cursor=0&rev=0&state=true")
                .header(
                    aisle_proto::PROTOCOL_HEADER,
                    aisle_proto::PROTOCOL_VERSION.to_string(),
                )
                .header(aisle_proto::APP_VERSION_HEADER, "test")
                .header(aisle_proto::LOG_END_HEADER, "0")
                .header(aisle_proto::DEVICE_TIME_HEADER, Utc::now().to_rfc3339())
                .header("authorization", "Bearer token of D1")
                .body(axum::body::Body::empty())
                .unwrap();
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(tower::ServiceExt::oneshot(app, request))
                .unwrap()
                .status()
        };
        assert_eq!(
            pull(),
            axum::http::StatusCode::OK,
            "the first call notes the contact"
        );
        let seen = storage.devices().unwrap();
        assert!(
            seen.iter()
                .any(|d| d.id == device.id && d.last_seen_at.is_some())
        );

        let push = storage.write().unwrap();
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = send.send(pull());
        });
        let answer = receive
            .recv_timeout(Duration::from_secs(20))
            .expect("the pull waited for the push");
        drop(push);
        assert_eq!(answer, axum::http::StatusCode::OK);
    });
}

/// An item of its own, with stock that moves only by `moves`: each `(days ago, hour, op)`.
fn history_of(
    storage: &SqlStorage,
    device: &DeviceRecord,
    sku: &str,
    moves: &[(i64, u32, i64)],
) -> Vec<ChangeLogEntry> {
    let csv = format!("sku,description\n{sku},Forecast test item\n");
    storage
        .import(crate::storage::ImportKind::Items, &mut csv.as_bytes())
        .unwrap();
    let (wh, dock, _) = dock_and_items(storage);
    let item: ItemId = storage
        .read()
        .unwrap()
        .one("SELECT id FROM items WHERE sku = ?1", args![sku], |r| {
            r.get(0)
        })
        .unwrap();
    let today = Utc::now().date_naive();
    moves
        .iter()
        .map(|&(ago, hour, qty)| {
            let mut e = receipt(device, 0, wh, dock, item, 0);
            e.device_time = (today - chrono::Duration::days(ago))
                .and_hms_opt(hour, 0, 0)
                .unwrap()
                .and_utc();
            if qty < 0 {
                e.op = Operation::Pick(aisle_domain::op::Pick {
                    key: StockKey::loose(item, dock),
                    qty: -qty,
                    requested: None,
                    short_reason: None,
                    order_line: None,
                    serials: vec![],
                });
            } else if let Operation::Receive(r) = &mut e.op {
                r.qty = qty;
            }
            e
        })
        .collect()
}

/// Issue 15: a history starts at the item's first movement in the warehouse, and days that began
/// with no stock and saw no pick are censored, not zero demand. A 20-day-old item selling about
/// 15.6 a day is forecast at its own rate (SES on those days alone: `forecast::tests` checks SES
/// against a computation by hand), and an item that was out of
/// stock for four weeks at 10 a day is forecast at 10, not lower.
#[test]
fn new_and_stocked_out_items_are_forecast_from_the_days_that_could_be_seen() {
    on_both(|storage| {
        storage.load_demo(1, 5).unwrap();
        let device = enrolled(&storage, "T1");
        let today = Utc::now().date_naive();
        // New: 1,000 received 20 days ago, picked every day since.
        let sold: Vec<i64> = (0..20).map(|d| [15, 16, 14, 17, 16][d % 5]).collect();
        let mut moves = vec![(20, 8, 1000)];
        moves.extend(
            sold.iter()
                .enumerate()
                .map(|(d, q)| (19 - d as i64, 12, -q)),
        );
        let mut entries = history_of(&storage, &device, "NEW-1", &moves);
        // Stocked out: 400 received 100 days ago, 10 a day until it ran out 60 days ago, none
        // for four weeks, 400 more 30 days ago and 10 a day since.
        let mut moves = vec![(100, 8, 400)];
        moves.extend((60..=99).rev().map(|ago| (ago, 12, -10)));
        moves.push((30, 8, 400));
        moves.extend((0..=30).rev().map(|ago| (ago, 12, -10)));
        entries.extend(history_of(&storage, &device, "GAP-1", &moves));
        for (i, e) in entries.iter_mut().enumerate() {
            e.seq = i as u64 + 1;
        }
        storage.push(&device, &entries).unwrap();

        let series = storage.demand_series("WH1", "NEW-1", 182, today).unwrap();
        let mut expected = vec![None];
        expected.extend(sold.iter().map(|&q| Some(q as f64)));
        assert_eq!(
            series, expected,
            "from the receipt on; the receipt day had no stock to pick"
        );
        let gap = storage.demand_series("WH1", "GAP-1", 182, today).unwrap();
        assert_eq!(gap.len(), 101);
        assert_eq!(
            gap.iter().filter(|d| d.is_none()).count(),
            1 + 29,
            "{gap:?}"
        );
        assert!(gap.iter().flatten().all(|&q| q == 10.0), "{gap:?}");

        for (sku, rate) in [
            (
                "NEW-1",
                aisle_domain::forecast::fit(
                    aisle_domain::forecast::Method::Ses,
                    &sold.iter().map(|&q| q as f64).collect::<Vec<_>>(),
                    1,
                )
                .forecast[0],
            ),
            ("GAP-1", 10.0),
        ] {
            let policy = Policy {
                kind: aisle_domain::replenish::PolicyKind::ReorderPoint {
                    reorder_point: 1,
                    order_qty: 1,
                },
                safety_stock: 0,
                lead_time_days: 7,
            };
            storage.set_policy("WH1", sku, &policy).unwrap();
            let line = storage
                .replenishment("WH1", today, 0.95)
                .unwrap()
                .into_iter()
                .find(|l| l.sku == sku)
                .unwrap();
            let per_day = line.forecast.levels.lead_time_demand / 7.0;
            assert!(
                (per_day - rate).abs() < 1e-6,
                "{sku}: {per_day} a day, expected {rate}: {}",
                line.forecast.reason
            );
        }
    });
}

/// Issue 13: replenishment suggests only what a warehouse stocks. The demo's second warehouse holds
/// every other item, and the item master's reorder fields apply everywhere; its replenishment
/// lists only items it holds, until an item-warehouse import says otherwise (all rows or none).
#[test]
fn replenishment_lists_only_what_a_warehouse_stocks() {
    on_both(|storage| {
        storage.load_demo(1, 12).unwrap();
        let today = Utc::now().date_naive();
        let skus = |wh: &str| -> Vec<String> {
            storage
                .replenishment(wh, today, 0.95)
                .unwrap()
                .into_iter()
                .map(|l| l.sku)
                .collect()
        };
        let mut stock = Vec::new();
        storage
            .export(crate::storage::ExportKind::Stock, &mut stock)
            .unwrap();
        let held: std::collections::BTreeSet<String> = String::from_utf8(stock)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|f| f[0] == "WH2")
            .map(|f| f[2].to_string())
            .collect();
        let wh1 = skus("WH1");
        let wh2 = skus("WH2");
        assert!(
            !wh2.is_empty() && wh2.len() < wh1.len(),
            "{wh2:?} / {wh1:?}"
        );
        assert!(
            wh2.iter().all(|s| held.contains(s)),
            "{wh2:?} not all in {held:?}"
        );
        let other = wh1.iter().find(|s| !held.contains(*s)).unwrap().clone();
        let dropped = wh2[0].clone();
        let import = |csv: String| {
            storage.import(
                crate::storage::ImportKind::ItemWarehouses,
                &mut csv.as_bytes(),
            )
        };
        // A bad row: nothing is imported.
        let bad = import(format!(
            "warehouse,sku,stocked\nWH2,{other},yes\nWH9,{dropped},no\n"
        ));
        assert!(bad.unwrap_err().to_string().contains("WH9"));
        assert_eq!(skus("WH2"), wh2);
        import(format!(
            "warehouse,sku,stocked\nWH2,{other},yes\nWH2,{dropped},no\n"
        ))
        .unwrap();
        let now = skus("WH2");
        assert!(now.contains(&other) && !now.contains(&dropped), "{now:?}");
        assert_eq!(now.len(), wh2.len());
    });
}

/// Issue 13: suppliers. A preferred supplier's lead time replaces the policy's; a suggestion is
/// rounded up to the supplier's minimum order and pack multiple; an item with no levels of its
/// own reorders at the forecast's reorder point; suggestions become one purchase order per
/// supplier, each expected after its lead time, all or none; the CSVs export what they import.
#[test]
fn suppliers_set_lead_times_terms_and_one_purchase_order_each() {
    use crate::storage::{ExportKind as E, ImportKind as K};
    on_both(|storage| {
        storage.load_demo(1, 12).unwrap();
        let today = Utc::now().date_naive();
        let import = |kind, csv: &str| storage.import(kind, &mut csv.as_bytes());
        let export = |kind| {
            let mut out = Vec::new();
            storage.export(kind, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        let mut skus: Vec<String> = storage
            .replenishment("WH1", today, 0.95)
            .unwrap()
            .into_iter()
            .map(|l| l.sku)
            .collect();
        skus.sort();
        let (a, b, c, d) = (&skus[0], &skus[1], &skus[2], &skus[3]);

        import(
            K::Suppliers,
            "code,name,lead_time_days\nACME,Acme,4\nBOLTCO,Bolt Co,10\n",
        )
        .unwrap();
        // An unknown supplier: nothing imported.
        let e = import(
            K::SupplierItems,
            &format!("supplier,sku,min_order_qty\nACME,{a},5\nNOPE,{b},1\n"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("\"NOPE\" does not exist"), "{e}");
        assert_eq!(export(E::SupplierItems).lines().count(), 1);
        import(
            K::SupplierItems,
            &format!(
                "supplier,sku,price,currency,min_order_qty,pack_multiple,lead_time_days\n\
                 ACME,{a},0.12,EUR,100,25,\nBOLTCO,{b},1.5,EUR,1,12,2\nACME,{c},,,,,\n"
            ),
        )
        .unwrap();
        import(
            K::ItemWarehouses,
            &format!(
                "warehouse,sku,stocked,preferred_supplier,reorder_point,order_qty,min,max\n\
                 WH1,{a},yes,ACME,100000,240,,\nWH1,{b},yes,BOLTCO,,,,\nWH1,{c},yes,ACME,,,,\n"
            ),
        )
        .unwrap();
        // No levels of its own for c: the forecast decides.
        let tx = storage.write().unwrap();
        tx.exec(
            "UPDATE items SET reorder_point = NULL, min_qty = NULL, max_qty = NULL WHERE sku = ?1",
            args![c],
        )
        .unwrap();
        tx.commit().unwrap();

        let lines = storage.replenishment("WH1", today, 0.95).unwrap();
        let line = |sku: &str| lines.iter().find(|l| l.sku == sku).unwrap().clone();
        let la = line(a);
        assert_eq!(la.policy_source, "policy");
        assert_eq!(la.policy.lead_time_days, 4, "ACME's lead time");
        assert_eq!(la.supplier.as_ref().unwrap().code, "ACME");
        assert_eq!(
            la.supplier.as_ref().unwrap().price.as_deref(),
            Some("0.12 EUR")
        );
        let projected = la.position.projected();
        let lots = ((100_000 - projected) / 240 + 1) * 240;
        let fitted = (lots.max(100) + 24) / 25 * 25;
        let s = la.suggestion.unwrap();
        assert_eq!(s.qty, fitted, "{}", s.reason);
        if fitted != lots {
            assert!(
                s.reason
                    .contains("for ACME (minimum order 100, packs of 25)"),
                "{}",
                s.reason
            );
        }
        let lb = line(b);
        assert_eq!(
            (lb.policy_source, lb.policy.lead_time_days),
            ("item", 2),
            "BOLTCO's lead time for b"
        );
        let lc = line(c);
        assert_eq!(lc.policy_source, "forecast");
        assert_eq!(lc.policy.lead_time_days, 4);
        assert_eq!(
            lc.policy.kind,
            aisle_domain::replenish::PolicyKind::ReorderPoint {
                reorder_point: lc.forecast.levels.reorder_point,
                order_qty: (lc.forecast.levels.lead_time_demand.ceil() as i64).max(1),
            }
        );

        // One purchase order per supplier, all or none.
        let before = storage.purchase_orders("WH1").unwrap().len();
        let e = storage
            .raise_purchase_orders("WH1", &[(b.clone(), 24), (a.clone(), 110)])
            .unwrap_err();
        assert!(e.to_string().contains("packs of 25"), "{e}");
        let e = storage
            .raise_purchase_orders("WH1", &[(a.clone(), 50)])
            .unwrap_err();
        assert!(e.to_string().contains("minimum order of 100"), "{e}");
        let e = storage
            .create_purchase_order("WH1", Some("BOLTCO"), &[(a.clone(), 100)], None)
            .unwrap_err();
        assert!(e.to_string().contains("no terms for this item"), "{e}");
        assert_eq!(storage.purchase_orders("WH1").unwrap().len(), before);
        let raised = storage
            .raise_purchase_orders(
                "WH1",
                &[
                    (a.clone(), 125),
                    (b.clone(), 24),
                    (c.clone(), 7),
                    (d.clone(), 5),
                ],
            )
            .unwrap();
        let by: Vec<(Option<&str>, usize, Option<NaiveDate>)> = raised
            .iter()
            .map(|r| (r.supplier.as_deref(), r.lines, r.expected_date))
            .collect();
        assert_eq!(
            by,
            [
                (None, 1, None),
                (Some("ACME"), 2, Some(today + chrono::Days::new(4))),
                (Some("BOLTCO"), 1, Some(today + chrono::Days::new(2))),
            ]
        );
        let listed = storage.purchase_orders("WH1").unwrap();
        assert_eq!(listed.len(), before + 3);
        let acme = listed
            .iter()
            .find(|p| p.supplier.as_deref() == Some("ACME"))
            .unwrap();
        assert_eq!((acme.lines, acme.ordered, acme.received), (2, 132, 0));
        assert_eq!(
            line(a).position.on_order + 125,
            storage
                .replenishment("WH1", today, 0.95)
                .unwrap()
                .iter()
                .find(|l| &l.sku == a)
                .unwrap()
                .position
                .on_order
        );

        // Exports import back to the same rows.
        for (e, k) in [
            (E::Suppliers, K::Suppliers),
            (E::SupplierItems, K::SupplierItems),
            (E::ItemWarehouses, K::ItemWarehouses),
        ] {
            let first = export(e);
            import(k, &first).unwrap();
            assert_eq!(export(e), first);
        }
        let items = export(E::SupplierItems);
        assert!(
            items.contains(&format!("ACME,{a},0.12,EUR,100,25,\n")),
            "{items}"
        );
        assert!(
            items.contains(&format!("BOLTCO,{b},1.5,EUR,1,12,2\n")),
            "{items}"
        );
        let iw = export(E::ItemWarehouses);
        assert!(
            iw.contains(&format!("WH1,{a},yes,ACME,100000,240,,\n")),
            "{iw}"
        );
        assert!(iw.contains(&format!("WH1,{c},yes,ACME,,,,\n")), "{iw}");
    });
}
