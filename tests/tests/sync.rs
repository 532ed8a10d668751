//! End-to-end sync: a real `aisle-server` on a loopback port, several devices working offline,
//! syncing in varied orders, with the faults the protocol must survive.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_device::work::{AdjustRequest, CountRequest, MoveRequest, PickRequest, ReceiveRequest};
use aisle_device::{DeviceError, Store};
use aisle_e2e::{Backend, Device, Proxy, Server, assert_converged, bin, device_stock, quick};
use std::collections::BTreeSet;
use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::Duration;

const ITEM: &str = "5012345000015"; // demo item 1 (HAR-00001), untracked

/// The first location holding the demo item on this device, and how much is there.
fn first_stock(d: &Device) -> (String, i64) {
    let item = d
        .store
        .item_by_barcode(&format!("0{ITEM}"))
        .unwrap()
        .unwrap()
        .0;
    let lines = d.store.stock_of_item(item.id).unwrap();
    let l = lines
        .iter()
        .find(|l| l.qty > 20)
        .expect("demo stock of HAR-00001");
    (format!("LOC:WH1:{}", l.location), l.qty)
}

aisle_e2e::on_both!(offline_devices_converge_exactly_once_with_conflicts_as_exceptions);
fn offline_devices_converge_exactly_once_with_conflicts_as_exceptions(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 30);
    let orders = dir.path().join("orders.csv");
    std::fs::write(
        &orders,
        "order,line,warehouse,sku,qty,customer\nSO-1,1,WH1,HAR-00001,10,ACME\n",
    )
    .unwrap();
    server.admin(&["import", "orders", orders.to_str().unwrap()]);
    let mut a = Device::enrolled(dir.path(), &server, "A", &server.url);
    let mut b = Device::enrolled(dir.path(), &server, "B", &server.url);
    let mut c = Device::enrolled(dir.path(), &server, "C", &server.url);
    // The demo brings its own orders; this test works on SO-1.
    let line: Vec<_> = a
        .store
        .order_lines()
        .unwrap()
        .into_iter()
        .filter(|l| l.order == "SO-1")
        .collect();
    assert_eq!(line.len(), 1, "pick work reached the device");
    let line = line[0].id;
    let (loc, on_hand) = first_stock(&a);

    // All offline now. Two pickers take the same order line: 7 + 8 > 10 ordered.
    let pick = |qty| PickRequest {
        location: loc.clone(),
        item: ITEM.into(),
        qty: Some(qty),
        order_line: Some(line),
        ..Default::default()
    };
    a.store.pick(&pick(7), &a.ctx).unwrap();
    b.store.pick(&pick(8), &b.ctx).unwrap();
    // A moves 5 away while C counts the location from its stale view.
    a.store
        .move_stock(
            &MoveRequest {
                what: ITEM.into(),
                from: Some(loc.clone()),
                to: "LOC:WH1:STG-01".into(),
                qty: Some(5),
                ..Default::default()
            },
            &a.ctx,
        )
        .unwrap();
    c.store
        .count(
            &CountRequest {
                location: loc.clone(),
                item: ITEM.into(),
                counted: on_hand - 20,
                ..Default::default()
            },
            &c.ctx,
        )
        .unwrap();
    // A supervisor on B writes off more than there is at the staging area (adjustments are a
    // supervisor's); C scans a barcode nobody knows.
    b.store
        .adjust(
            &AdjustRequest {
                location: "LOC:WH1:STG-01".into(),
                item: ITEM.into(),
                qty: -3,
                reason: "damaged".into(),
                ..Default::default()
            },
            &aisle_device::OpContext::new("SUP1"),
        )
        .unwrap();
    let e = c
        .store
        .receive(
            &ReceiveRequest {
                location: "LOC:WH1:RCV-01".into(),
                item: "4006381333931".into(),
                ..Default::default()
            },
            &c.ctx,
        )
        .unwrap_err();
    assert!(matches!(e, DeviceError::UnknownBarcode { .. }));

    // Sync in an awkward order, then everyone once more.
    c.sync();
    b.sync();
    a.sync();
    c.sync();
    b.sync();
    a.sync();
    assert_converged(&server, &mut [&mut a, &mut b, &mut c]);

    let kinds: BTreeSet<String> = server.exceptions().into_iter().map(|(k, _)| k).collect();
    for k in [
        "over_pick",
        "count_during_movement",
        "count_variance",
        "negative_stock",
        "unknown_barcode",
    ] {
        assert!(kinds.contains(k), "missing a {k} exception; got {kinds:?}");
    }
    // Exceptions reach every device of the warehouse.
    let server_open = server.exceptions().len();
    for d in [&a, &b, &c] {
        assert_eq!(d.store.exceptions(true).unwrap().len(), server_open);
    }
    // Other warehouses reach the device as totals, not history.
    let item = a
        .store
        .item_by_barcode(&format!("0{ITEM}"))
        .unwrap()
        .unwrap()
        .0;
    let wh2: i64 = server
        .export("stock")
        .iter()
        .filter(|r| &r[0] == "WH2" && &r[2] == "HAR-00001")
        .map(|r| r[6].parse::<i64>().unwrap())
        .sum();
    assert!(wh2 > 0);
    assert_eq!(
        a.store.other_warehouse_stock(item.id).unwrap(),
        vec![("WH2".to_string(), wh2)]
    );
    // The order line's progress is the sum of both picks.
    let lines = c.store.order_lines().unwrap();
    assert_eq!(lines[0].picked_qty, 15);

    // A supervisor resolves the negative stock with a compensating adjustment; an operator cannot.
    server.admin(&[
        "operator",
        "add",
        "--badge",
        "SUP1",
        "--name",
        "Sam",
        "--pin",
        "4321",
        "--role",
        "supervisor",
    ]);
    server.admin(&[
        "operator", "add", "--badge", "OP1", "--name", "Olli", "--pin", "1234",
    ]);
    let negative = server
        .export("exceptions")
        .into_iter()
        .find(|r| &r[1] == "negative_stock" && r[5].contains("STG-01"))
        .expect("B's write-off at staging arrived before A's move there");
    let id = negative[0].to_string();
    let refused = Command::new(bin("aisle-server"))
        .arg("--db")
        .arg(&server.db)
        .args([
            "exception",
            "resolve",
            &id,
            "--by",
            "OP1",
            "--adjust=3",
            "--reason",
            "found",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a supervisor"));
    let out = server.admin(&[
        "exception",
        "resolve",
        &id,
        "--by",
        "SUP1",
        "--adjust=3",
        "--reason",
        "found",
    ]);
    assert!(out.contains("adjusted by +3"), "{out}");
    for d in [&mut a, &mut b, &mut c] {
        d.sync();
    }
    assert_converged(&server, &mut [&mut a, &mut b, &mut c]);
    let staging = server
        .stock("WH1")
        .into_iter()
        .find(|(k, _)| k.starts_with("STG-01|HAR-00001|"))
        .map(|(_, q)| q);
    assert_eq!(
        staging,
        Some(5 - 3 + 3),
        "moved in 5, wrote off 3, supervisor added back 3"
    );
    assert_eq!(
        a.store.exceptions(true).unwrap().len(),
        server_open - 1,
        "the resolution reached the devices"
    );
}

aisle_e2e::on_both!(a_reply_lost_after_the_server_committed_is_not_applied_twice);
fn a_reply_lost_after_the_server_committed_is_not_applied_twice(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 10);
    let proxy = Proxy::start(server.addr);
    let mut a = Device::enrolled(dir.path(), &server, "A", &proxy.url);
    a.receive_units(20);
    proxy.drop_responses.store(1, Ordering::SeqCst);
    let report = a.sync();
    assert_eq!(
        proxy.drop_responses.load(Ordering::SeqCst),
        0,
        "the proxy did drop a reply"
    );
    assert_eq!(
        (report.pushed, report.duplicates),
        (0, 20),
        "the retry was acknowledged, not applied again"
    );
    assert_eq!(server.device_op_ids(&[a.id()]).len(), 20);
    assert_converged(&server, &mut [&mut a]);
}

/// Closes `d`'s store and copies its file to `to` (a nightly backup), or copies `from` back over
/// it (a restore), and opens it again.
fn swap_store_file(
    dir: &std::path::Path,
    d: &mut Device,
    from: &std::path::Path,
    to: &std::path::Path,
) {
    let scratch = Store::open(dir.join("scratch.db")).unwrap();
    drop(std::mem::replace(&mut d.store, scratch));
    for suffix in ["", "-wal", "-shm"] {
        let source = std::path::PathBuf::from(format!("{}{suffix}", from.display()));
        let target = std::path::PathBuf::from(format!("{}{suffix}", to.display()));
        let _ = std::fs::remove_file(&target);
        if source.exists() {
            std::fs::copy(&source, &target).unwrap();
        }
    }
    d.store = Store::open(&d.path).unwrap();
}

aisle_e2e::on_both!(a_tablet_restored_from_an_old_backup_loses_no_scan_and_keeps_syncing);
/// A tablet put back to last night's backup numbers its next scans with numbers the server has
/// logged already. They are set aside with a `duplicate_entry` exception (held: the tablet takes
/// their effects back), the tablet numbers its later scans after the server's, its sync never
/// stops, and a supervisor's release applies a set-aside scan once.
fn a_tablet_restored_from_an_old_backup_loses_no_scan_and_keeps_syncing(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 10);
    let mut a = Device::enrolled(dir.path(), &server, "A", &server.url);
    let dock = |stock: &std::collections::BTreeMap<String, i64>| -> i64 {
        stock
            .iter()
            .filter(|(k, _)| k.starts_with("RCV-01|HAR-00001|"))
            .map(|(_, q)| q)
            .sum()
    };
    a.receive_units(2);
    a.sync();
    let backup = dir.path().join("A-backup.db");
    let path = a.path.clone();
    swap_store_file(dir.path(), &mut a, &path, &backup);
    let before = dock(&server.stock("WH1"));
    a.receive_units(2); // #3 and #4
    a.sync();
    assert_eq!(dock(&server.stock("WH1")), before + 2);

    swap_store_file(dir.path(), &mut a, &backup, &path);
    // #3 again, other content: onto a new plate, a key nothing else changes, so only taking
    // the held scan back puts the tablet's stock right.
    a.receive_on_plates(1);
    let report = a
        .store
        .sync(quick(), &mut |_| {})
        .expect("the restored tablet syncs");
    assert_eq!(report.pending, 0);
    assert_eq!(
        dock(&server.stock("WH1")),
        before + 2,
        "the set-aside scan is held"
    );
    let held: Vec<_> = a
        .store
        .exceptions(true)
        .unwrap()
        .into_iter()
        .filter(|x| x.kind == aisle_domain::reconcile::ExceptionKind::DuplicateEntry)
        .collect();
    assert_eq!(held.len(), 1, "{held:?}");
    assert!(held[0].message.contains("#3"), "{}", held[0].message);
    assert_eq!(
        device_stock(&a.store),
        server.stock("WH1"),
        "taken back on the tablet"
    );

    a.receive_units(1); // numbered after the server's #4
    a.sync();
    assert_eq!(
        dock(&server.stock("WH1")),
        before + 3,
        "the next scan reached the server"
    );
    let last = a.store.change_log(Default::default()).unwrap();
    assert_eq!(last.last().map(|e| e.seq), Some(5));
    server.admin(&[
        "exception",
        "resolve",
        &held[0].id.to_string(),
        "--by",
        aisle_domain::demo::DEMO_SUPERVISOR,
        "--release",
        "--note",
        "restored tablet",
    ]);
    a.sync();
    assert_eq!(dock(&server.stock("WH1")), before + 4, "released once");
    assert_eq!(device_stock(&a.store), server.stock("WH1"));
    assert!(a.store.audit_stock().unwrap().is_empty());
}

aisle_e2e::on_both!(a_damaged_entry_in_a_tablets_log_is_held_and_its_sync_goes_on);
/// A tablet whose store file was damaged under one log entry (its operation no longer JSON)
/// still syncs: that entry reaches the server as unreadable, held with an exception for a
/// supervisor; the entries around it are applied, and the tablet's later scans sync as before.
fn a_damaged_entry_in_a_tablets_log_is_held_and_its_sync_goes_on(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 10);
    let mut a = Device::enrolled(dir.path(), &server, "A", &server.url);
    let dock = || -> i64 {
        server
            .stock("WH1")
            .iter()
            .filter(|(k, _)| k.starts_with("RCV-01|HAR-00001|"))
            .map(|(_, q)| q)
            .sum()
    };
    let before = dock();
    a.receive_units(3);
    // The damage, through a connection of its own (the log's guard lifted to do it).
    rusqlite::Connection::open(&a.path)
        .unwrap()
        .execute_batch(
            "DROP TRIGGER change_log_immutable;
             UPDATE change_log SET payload = '{\"type\":\"rec' WHERE seq = 2;",
        )
        .unwrap();
    let report = a.sync();
    assert_eq!((report.pushed, report.pending), (3, 0), "{report:?}");
    assert_eq!(server.device_op_ids(&[a.id()]).len(), 3, "all three logged");
    let held: Vec<_> = server
        .exceptions()
        .into_iter()
        .filter(|(_, m)| m.contains("log holds entry 2 damaged"))
        .collect();
    assert_eq!(held.len(), 1, "{:?}", server.exceptions());
    assert_eq!(held[0].0, "invalid_operation", "{held:?}");
    a.receive_units(1);
    let report = a.sync();
    assert_eq!((report.pushed, report.pending), (1, 0), "{report:?}");
    assert_eq!(
        dock(),
        before + 3,
        "the three readable receipts, not the damaged one"
    );
    // The tablet took the held receipt's unit back when its exception arrived: it agrees.
    assert_converged(&server, &mut [&mut a]);
}

aisle_e2e::on_both!(server_killed_mid_push_loses_and_doubles_nothing);
fn server_killed_mid_push_loses_and_doubles_nothing(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::with_demo_on(backend, dir.path(), 10);
    let mut a = Device::enrolled(dir.path(), &server, "A", &server.url);
    a.receive_units(2500);
    let path = a.path.clone();
    let syncing = std::thread::spawn(move || {
        let mut store = Store::open(&path).unwrap();
        store
            .sync(
                aisle_device::sync::SyncOptions {
                    attempts: 1,
                    ..quick()
                },
                &mut |_| {},
            )
            .map(|_| ())
    });
    std::thread::sleep(Duration::from_millis(fastrand::u64(20..400)));
    server.kill();
    let first = syncing.join().unwrap();
    let after_kill = a.store.sync_state().unwrap().pushed_seq;
    eprintln!("first sync: {first:?}; acknowledged up to #{after_kill} when the server died");
    server.restart();
    a.sync();
    assert_eq!(server.device_op_ids(&[a.id()]).len(), 2500);
    assert_converged(&server, &mut [&mut a]);
}

aisle_e2e::on_both!(device_killed_mid_pull_resumes_without_losing_or_doubling);
fn device_killed_mid_pull_resumes_without_losing_or_doubling(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 10);
    // B is an `aisle` CLI process, bootstrapped before A's work exists.
    let b_db = dir.path().join("b.db");
    let aisle = |args: &[&str]| {
        Command::new(bin("aisle"))
            .arg("--db")
            .arg(&b_db)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(aisle(&["init", "--name", "B"]).status.success());
    let code = server.enrolment_code("WH1", "B");
    assert!(
        aisle(&["enroll", "--server", &server.url, "--code", &code])
            .status
            .success()
    );
    assert!(aisle(&["sync"]).status.success());

    // 3,000 plates: 3,000 stock rows, 30 pages of 100 for B.
    let mut a = Device::enrolled(dir.path(), &server, "A", &server.url);
    a.receive_on_plates(3000);
    a.sync();

    let mut kills = 0;
    for _ in 0..3 {
        let mut child = Command::new(bin("aisle"))
            .arg("--db")
            .arg(&b_db)
            .args(["sync", "--pull-limit", "100"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(fastrand::u64(30..300)));
        if child.try_wait().unwrap().is_none() {
            kills += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    eprintln!("{kills} of 3 pulls were killed mid-way");
    let out = aisle(&["sync"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let b = Store::open(&b_db).unwrap();
    let plates: i64 = b
        .conn()
        .query_row("SELECT COUNT(*) FROM stock WHERE plate_id <> ''", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(plates, 3000, "every plate of A on B, once");
    assert_eq!(device_stock(&b), server.stock("WH1"));
    assert!(b.audit_stock().unwrap().is_empty());
}

fn token(store: &Store) -> String {
    aisle_e2e::device_token(store)
}

aisle_e2e::on_both!(only_enrolled_devices_get_in_and_only_as_themselves);
fn only_enrolled_devices_get_in_and_only_as_themselves(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::with_demo_on(backend, dir.path(), 5);
    let url = server.url.clone();
    let mut a = Device::enrolled(dir.path(), &server, "A", &server.url);
    let b = Device::enrolled(dir.path(), &server, "B", &server.url);
    let http = reqwest::blocking::Client::new();
    let pull = |tok: Option<&str>, proto: Option<&str>| {
        let mut r = http.get(format!("{url}/v1/pull?cursor=0&rev=0"));
        if let Some(t) = tok {
            r = r.bearer_auth(t);
        }
        if let Some(p) = proto {
            r = r.header("aisle-protocol", p);
        }
        let resp = r.send().unwrap();
        let status = resp.status().as_u16();
        let body: serde_json::Value = resp.json().unwrap();
        (status, body)
    };
    assert_eq!(pull(None, Some("1")).0, 401);
    assert_eq!(pull(Some("not-a-token"), Some("1")).0, 401);
    // A missing protocol header is a version this server does not speak (docs/sync-protocol.md).
    let (status, body) = pull(Some(&token(&a.store)), None);
    assert_eq!(
        (status, body["kind"].as_str()),
        (400, Some("version_mismatch"))
    );
    let (status, body) = pull(Some(&token(&a.store)), Some("0"));
    assert_eq!(
        (status, body["kind"].as_str()),
        (400, Some("version_mismatch"))
    );
    assert!(body["message"].as_str().unwrap().contains("update the app"));
    assert_eq!(pull(Some(&token(&a.store)), Some("1")).0, 200);

    // A token cannot push another device's operations.
    a.store
        .receive(
            &ReceiveRequest {
                location: "LOC:WH1:RCV-01".into(),
                item: ITEM.into(),
                ..Default::default()
            },
            &a.ctx,
        )
        .unwrap();
    let entries = a.store.change_log(Default::default()).unwrap();
    let epoch = a.store.sync_state().unwrap().epoch.unwrap();
    let push = |tok: &str, device: &str, entries: &serde_json::Value| {
        let resp = http
            .post(format!("{url}/v1/push"))
            .bearer_auth(tok)
            .header("aisle-protocol", "1")
            .json(&serde_json::json!({ "device_id": device, "epoch": epoch, "entries": entries }))
            .send()
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json::<serde_json::Value>().unwrap())
    };
    let entries_json = serde_json::to_value(&entries).unwrap();
    assert_eq!(push(&token(&b.store), &a.id(), &entries_json).0, 403);
    assert_eq!(
        push(&token(&b.store), &b.id(), &entries_json).0,
        403,
        "entries carry A's device id"
    );

    // A gap is refused with the expected sequence.
    let mut gap = entries_json.clone();
    gap[0]["seq"] = serde_json::json!(5);
    let (status, body) = push(&token(&a.store), &a.id(), &gap);
    assert_eq!(
        (status, body["kind"].as_str(), body["expected_seq"].as_u64()),
        (409, Some("sequence_gap"), Some(1))
    );
    assert_eq!(push(&token(&a.store), &a.id(), &entries_json).0, 200);
    // Other content under a logged number is set aside (held, with an exception): never a
    // refusal that would stop the device's sync for good.
    let mut forged = entries_json.clone();
    forged[0]["op_id"] = serde_json::json!(aisle_domain::OpId::new().to_string());
    let (status, body) = push(&token(&a.store), &a.id(), &forged);
    assert_eq!(
        (status, body["durable_seq"].as_u64()),
        (200, Some(1)),
        "{body}"
    );
    assert_eq!(
        push(&token(&a.store), &a.id(), &entries_json).1["duplicates"],
        1
    );
    assert_eq!(push(&token(&a.store), &a.id(), &forged).1["duplicates"], 1);

    // Operators reach devices with their PIN hashes; sign-in then works with the server gone.
    server.admin(&[
        "operator", "add", "--badge", "B-77", "--name", "Bea", "--pin", "2468",
    ]);
    a.sync();
    server.kill();
    let bea = a.store.sign_in("B-77", "2468").unwrap();
    assert_eq!((bea.name.as_str(), bea.role.as_str()), ("Bea", "operator"));
    assert!(
        bea.pin_hash.starts_with("$argon2"),
        "only a hash reaches the device"
    );
    assert!(
        a.store
            .sign_in("B-77", "1357")
            .unwrap_err()
            .to_string()
            .contains("wrong PIN")
    );
    let unknown = a.store.sign_in("NOBODY", "2468").unwrap_err().to_string();
    assert!(
        unknown.contains("badge NOBODY is not known on this tablet"),
        "{unknown}"
    );
    server.restart();

    // Revocation takes effect at once.
    server.admin(&["device", "revoke", &a.id()]);
    let (status, body) = pull(Some(&token(&a.store)), Some("1"));
    assert_eq!(status, 401);
    assert!(body["message"].as_str().unwrap().contains("revoked"));
    let e = a.sync_err();
    assert!(
        matches!(e, DeviceError::Sync { ref kind, .. } if kind == "unauthorized"),
        "{e}"
    );
}

trait SyncErr {
    fn sync_err(&mut self) -> DeviceError;
}

impl SyncErr for Device {
    fn sync_err(&mut self) -> DeviceError {
        self.store.sync(quick(), &mut |_| {}).unwrap_err()
    }
}

aisle_e2e::on_both!(scanning_goes_on_while_a_sync_runs);
fn scanning_goes_on_while_a_sync_runs(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 10);
    let mut a = Device::enrolled(dir.path(), &server, "A", &server.url);
    // The scanner keeps recording on its own connection while sync runs on another, like the app,
    // until five syncs have completed.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let path = a.path.clone();
    let stop_scanning = stop.clone();
    let ctx = a.ctx.clone();
    let scanner = std::thread::spawn(move || {
        let mut store = Store::open(&path).unwrap();
        let req = ReceiveRequest {
            location: "LOC:WH1:RCV-01".into(),
            item: ITEM.into(),
            ..Default::default()
        };
        let mut scans = 0;
        while !stop_scanning.load(Ordering::SeqCst) || scans == 0 {
            store.receive(&req, &ctx).unwrap();
            scans += 1;
            // Still hundreds of scans a second, far beyond any person; but SQLite's write lock
            // is not fair, and a writer that never pauses can starve the sync's connection past
            // its busy timeout on a loaded machine (seen in CI), which no real scanner does.
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        scans
    });
    for _ in 0..5 {
        a.sync();
    }
    stop.store(true, Ordering::SeqCst);
    let scans = scanner.join().unwrap();
    a.sync();
    eprintln!("{scans} scans recorded during 5 syncs");
    assert_eq!(server.device_op_ids(&[a.id()]).len(), scans);
    assert_converged(&server, &mut [&mut a]);
}

aisle_e2e::on_both!(receipts_beyond_expectation_and_repeated_serials_become_exceptions);
fn receipts_beyond_expectation_and_repeated_serials_become_exceptions(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 20);
    let receipts = dir.path().join("receipts.csv");
    std::fs::write(
        &receipts,
        "receipt,line,warehouse,sku,qty,expected_date\nPO-7,1,WH1,HAR-00002,10,2026-12-01\n",
    )
    .unwrap();
    server.admin(&["import", "receipts", receipts.to_str().unwrap()]);
    let mut a = Device::enrolled(dir.path(), &server, "A", &server.url);
    let mut b = Device::enrolled(dir.path(), &server, "B", &server.url);
    // The demo brings its own expected receipts; this test works on PO-7.
    let line: Vec<_> = a
        .store
        .receipt_lines()
        .unwrap()
        .into_iter()
        .filter(|l| l.receipt == "PO-7")
        .collect();
    assert_eq!(
        (line.len(), line[0].expected_qty),
        (1, 10),
        "inbound work reached the device"
    );
    let line = line[0].id;
    let receive = |qty, item: &str, serials: Vec<String>, receipt_line| ReceiveRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: item.into(),
        qty: Some(qty),
        receipt_line,
        serials,
        ..Default::default()
    };
    // Two receivers unload the same delivery: 8 + 5 against 10 expected.
    a.store
        .receive(&receive(8, "5012345000022", vec![], Some(line)), &a.ctx)
        .unwrap();
    b.store
        .receive(&receive(5, "5012345000022", vec![], Some(line)), &b.ctx)
        .unwrap();
    // The same serial-numbered drill is received twice, typed once and from the label once.
    a.store
        .receive(
            &receive(1, "5012345000145", vec!["SN-1".into()], None),
            &a.ctx,
        )
        .unwrap();
    b.store
        .receive(
            &receive(1, "]C10105012345000145\u{1d}21SN-1", vec![], None),
            &b.ctx,
        )
        .unwrap();
    a.sync();
    b.sync();
    a.sync();
    assert_converged(&server, &mut [&mut a, &mut b]);
    let kinds: Vec<String> = server.exceptions().into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "over_receipt").count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "duplicate_serial").count(),
        1,
        "{kinds:?}"
    );
    let po7 = a.store.receipt_lines().unwrap();
    let po7 = po7.iter().find(|l| l.id == line).unwrap();
    assert_eq!(po7.received_qty, 13);
}
