//! Store tests on real SQLite files: recording, the change log's guarantees, resolution, imports,
//! migrations, and a property test that the ledger, the materialized stock and the change log
//! always agree.

use super::*;
use crate::query::LogFilter;
use crate::work::{AdjustRequest, CountRequest, MoveRequest, PickRequest, ReceiveRequest};
use aisle_domain::ledger::net;
use aisle_domain::op::Operation;
use proptest::prelude::*;
use tempfile::TempDir;

const ITEMS: &str = "sku,description,barcodes,case_gtin,case_qty,tracking,expiry_tracked\n\
    BOLT,Hex bolt,9506000134352|INT-BOLT,19506000134359,12,none,no\n\
    OIL,Olive oil,5012345000015,,,lot,yes\n\
    DRILL,Cordless drill,5012345000022,,,serial,no\n";
const LOCATIONS: &str = "warehouse,code,type,parent,walk_seq\n\
    WH1,RCV-01,receiving,,\nWH1,A,zone,,\nWH1,A-01-1,storage,A,10\nWH1,A-01-2,pick_face,A,20\nWH2,B-01,storage,,\n";

pub(crate) struct Fixture {
    pub _dir: TempDir,
    pub path: std::path::PathBuf,
    pub store: Store,
    pub ctx: OpContext,
}

pub(crate) fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("device.db");
    let mut store = Store::open(&path).unwrap();
    store
        .import_warehouses("code,name\nWH1,Central\nWH2,North\n".as_bytes())
        .unwrap();
    store.import_locations(LOCATIONS.as_bytes()).unwrap();
    store.import_items(ITEMS.as_bytes()).unwrap();
    store.init_device("T1", Some("WH1")).unwrap();
    Fixture {
        _dir: dir,
        path,
        store,
        ctx: OpContext::new("ALICE"),
    }
}

pub(crate) fn receive(f: &mut Fixture, item: &str, qty: i64) -> Recorded {
    let req = ReceiveRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: item.into(),
        qty: Some(qty),
        ..Default::default()
    };
    f.store.receive(&req, &f.ctx).unwrap()
}

fn log_len(store: &Store) -> usize {
    store.change_log(LogFilter::default()).unwrap().len()
}

#[test]
fn device_identity_is_set_once() {
    let mut f = fixture();
    let d = f.store.device().unwrap();
    assert_eq!(
        (d.name.as_str(), d.warehouse_code.as_deref()),
        ("T1", Some("WH1"))
    );
    assert_eq!(d.device_id.0.get_version_num(), 7);
    assert!(matches!(
        f.store.init_device("T2", None),
        Err(DeviceError::AlreadyInitialised { .. })
    ));
    // Reopening the file gives the same identity.
    drop(f.store);
    let again = Store::open(&f.path).unwrap();
    assert_eq!(again.device().unwrap().device_id, d.device_id);
}

#[test]
fn a_push_sends_the_log_as_stored_and_it_reads_as_the_same_entries() {
    let mut f = fixture();
    receive(&mut f, "]C10119506000134359", 2);
    receive(&mut f, "]C10105012345000015\u{1d}10L42\u{1d}17270131", 5);
    let unknown = f.store.receive(
        &ReceiveRequest {
            location: "LOC:WH1:RCV-01".into(),
            item: "4006381333931".into(),
            ..Default::default()
        },
        &f.ctx,
    );
    assert!(
        unknown.is_err(),
        "an unknown barcode is logged, not received"
    );
    let typed = f.store.change_log(LogFilter::default()).unwrap();
    assert_eq!(typed.len(), 3);
    let (read, n) = pushed(&f, (0, 100), 100);
    assert_eq!((read.entries, n), (typed, 3));
    // After a number, up to an end, at most a limit.
    let seqs = |(after, end), limit| {
        let (body, n) = pushed(&f, (after, end), limit);
        assert_eq!(body.entries.len(), n);
        body.entries.iter().map(|e| e.seq).collect::<Vec<_>>()
    };
    assert_eq!(seqs((1, 100), 1), vec![2]);
    assert_eq!(seqs((0, 2), 100), vec![1, 2]);
    assert_eq!(seqs((3, 100), 100), Vec::<u64>::new());
}

/// The push body of `f`'s log after `after` up to `end` (at most `limit`), read as the server
/// reads a push, and how many entries `push_body` said it holds.
fn pushed(f: &Fixture, (after, end): (u64, u64), limit: u64) -> (aisle_proto::PushRequest, usize) {
    let device = aisle_domain::DeviceId::new();
    let epoch = uuid::Uuid::now_v7();
    let (body, n) =
        crate::query::push_body(&f.store.conn, device, epoch, (after, end), limit).unwrap();
    let read: aisle_proto::PushRequest = serde_json::from_slice(&body).unwrap();
    assert_eq!((read.device_id, read.epoch), (device, epoch));
    (read, n)
}

#[test]
fn a_damaged_log_entry_is_sent_as_unreadable_and_the_entries_after_it_as_they_are() {
    let mut f = fixture();
    for _ in 0..3 {
        receive(&mut f, "]C10119506000134359", 1);
    }
    let typed = f.store.change_log(LogFilter::default()).unwrap();
    // The file damaged under entry 2 (the log is append-only: its guard is lifted to do it).
    f.store
        .conn
        .execute_batch(
            "DROP TRIGGER change_log_immutable;
             UPDATE change_log SET payload = '{\"type\":\"receive\",\"qty\":' WHERE seq = 2;",
        )
        .unwrap();
    let (body, _) = pushed(&f, (0, 100), 100);
    let read = body.entries;
    assert_eq!(read.len(), 3);
    assert_eq!((&read[0], &read[2]), (&typed[0], &typed[2]));
    assert_eq!((read[1].op_id, read[1].seq), (typed[1].op_id, typed[1].seq));
    let Operation::Unreadable(u) = &read[1].op else {
        panic!("sent as {:?}", read[1].op)
    };
    assert_eq!(u.raw, "{\"type\":\"receive\",\"qty\":");
    assert!(u.reason.contains("operation does not read"), "{}", u.reason);
    assert!(
        u.reason.contains("LOC:WH1:RCV-01"),
        "the scans go too: {}",
        u.reason
    );
}

#[test]
fn receiving_a_case_gs1_label_records_base_units_lot_and_expiry() {
    let mut f = fixture();
    // A case of BOLT: 2 cases of 12.
    let rec = receive(&mut f, "]C10119506000134359", 2);
    assert_eq!(rec.entry.seq, 1);
    let bolt = f.store.item_by_sku("BOLT").unwrap().unwrap();
    let stock = f.store.stock_of_item(bolt.id).unwrap();
    assert_eq!(stock.len(), 1);
    assert_eq!((stock[0].location.as_str(), stock[0].qty), ("RCV-01", 24));
    // Lot and expiry come off the label of a lot-tracked item.
    let rec = receive(&mut f, "]C10105012345000015\u{1d}10L42\u{1d}17270131", 5);
    let Operation::Receive(r) = &rec.entry.op else {
        panic!("not a receive")
    };
    assert_eq!(r.key.lot.as_deref(), Some("L42"));
    assert_eq!(r.key.expiry, chrono::NaiveDate::from_ymd_opt(2027, 1, 31));
    assert_eq!(
        rec.entry.scans,
        vec![
            "LOC:WH1:RCV-01".to_string(),
            "]C10105012345000015\u{1d}10L42\u{1d}17270131".into()
        ]
    );
    assert_eq!(f.store.audit_stock().unwrap(), Vec::<String>::new());
}

#[test]
fn tracked_items_need_their_lot_expiry_and_serials() {
    let mut f = fixture();
    let req = ReceiveRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: "5012345000015".into(),
        ..Default::default()
    };
    let e = f.store.receive(&req, &f.ctx).unwrap_err();
    assert!(e.to_string().contains("OIL is lot-tracked"), "{e}");
    let req = ReceiveRequest {
        lot: Some("L1".into()),
        ..req
    };
    let e = f.store.receive(&req, &f.ctx).unwrap_err();
    assert!(e.to_string().contains("expiry"), "{e}");
    let drill = ReceiveRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: "5012345000022".into(),
        qty: Some(2),
        serials: vec!["S1".into()],
        ..Default::default()
    };
    let e = f.store.receive(&drill, &f.ctx).unwrap_err();
    assert!(
        e.to_string()
            .contains("1 serial numbers given for a quantity of 2"),
        "{e}"
    );
    assert_eq!(log_len(&f.store), 0, "refused work writes nothing");
    let ok = ReceiveRequest {
        serials: vec!["S1".into(), "S2".into()],
        ..drill
    };
    f.store.receive(&ok, &f.ctx).unwrap();
}

#[test]
fn unknown_barcodes_are_recorded_and_malformed_ones_change_nothing() {
    let mut f = fixture();
    let e = f
        .store
        .receive(
            &ReceiveRequest {
                location: "LOC:WH1:RCV-01".into(),
                item: "4006381333931".into(),
                ..Default::default()
            },
            &f.ctx,
        )
        .unwrap_err();
    assert!(
        matches!(e, DeviceError::UnknownBarcode { seq: 1, .. }),
        "{e}"
    );
    let log = f.store.change_log(LogFilter::default()).unwrap();
    assert!(
        matches!(&log[0].op, Operation::UnknownScan(u) if u.raw == "4006381333931" && u.expected == "item")
    );
    let e = f
        .store
        .receive(
            &ReceiveRequest {
                location: "LOC:WH1:RCV-01".into(),
                item: "]C10109506000134353".into(),
                ..Default::default()
            },
            &f.ctx,
        )
        .unwrap_err();
    assert!(e.to_string().contains("check digit"), "{e}");
    assert_eq!(log_len(&f.store), 1);
}

#[test]
fn change_log_is_gapless_and_rolls_back_with_stock() {
    let mut f = fixture();
    receive(&mut f, "INT-BOLT", 10);
    let before = f
        .store
        .stock_of_item(f.store.item_by_sku("BOLT").unwrap().unwrap().id)
        .unwrap();
    // A move to a location id that does not exist passes every check but fails on the second
    // ledger row's foreign key, after the change-log row and the first ledger row were written.
    let bolt = f.store.item_by_sku("BOLT").unwrap().unwrap();
    let op = Operation::Move(aisle_domain::op::Transfer {
        item: bolt.id,
        lot: None,
        expiry: None,
        from: before[0].location_id,
        from_plate: None,
        to: aisle_domain::LocationId::new(),
        to_plate: None,
        qty: 4,
        serials: vec![],
        task: None,
    });
    // An unknown location is refused before anything is written (the server would hold it).
    let refused = f.store.record(op, &f.ctx);
    assert!(
        matches!(&refused, Err(DeviceError::Invalid(m)) if m.text.contains("not known")),
        "{refused:?}"
    );
    assert_eq!(f.store.stock_of_item(bolt.id).unwrap(), before);
    assert_eq!(log_len(&f.store), 1);
    let rec = receive(&mut f, "INT-BOLT", 1);
    assert_eq!(
        rec.entry.seq, 2,
        "the failed operation did not consume a sequence number"
    );
    assert!(f.store.audit_stock().unwrap().is_empty());
}

/// The audit finds books that disagree: stock changed without a ledger row, and a ledger row
/// written without its stock change.
#[test]
fn the_audit_finds_stock_and_ledger_that_disagree() {
    let mut f = fixture();
    receive(&mut f, "INT-BOLT", 10);
    assert!(f.store.audit_stock().unwrap().is_empty());
    let conn = f.store.conn();
    conn.execute("UPDATE stock SET qty = qty + 1", []).unwrap();
    let found = f.store.audit_stock().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("ledger says 10, stock says 11"),
        "{found:?}"
    );
    conn.execute("UPDATE stock SET qty = qty - 1", []).unwrap();
    conn.execute(
        "INSERT INTO ledger (op_id, item_id, location_id, lot, expiry, plate_id, qty)
         SELECT 'planted', item_id, location_id, lot, expiry, plate_id, 3 FROM stock",
        [],
    )
    .unwrap();
    let found = f.store.audit_stock().unwrap();
    assert!(
        found.len() == 1 && found[0].contains("ledger says 13, stock says 10"),
        "{found:?}"
    );
}

#[test]
fn logged_operations_cannot_be_edited_or_deleted() {
    let mut f = fixture();
    receive(&mut f, "INT-BOLT", 10);
    let conn = f.store.conn();
    let e = conn
        .execute("UPDATE change_log SET operator = 'MALLORY'", [])
        .unwrap_err();
    assert!(e.to_string().contains("immutable"), "{e}");
    assert!(conn.execute("DELETE FROM change_log", []).is_err());
    assert!(conn.execute("DELETE FROM ledger", []).is_err());
    assert!(conn.execute("UPDATE ledger SET qty = 99", []).is_err());
}

#[test]
fn plates_move_with_their_contents() {
    let mut f = fixture();
    let req = ReceiveRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: "9506000134352".into(),
        qty: Some(30),
        plate: Some("]C100106141411234567897".into()),
        ..Default::default()
    };
    f.store.receive(&req, &f.ctx).unwrap();
    let plate = f
        .store
        .plate_by_code("106141411234567897")
        .unwrap()
        .unwrap();
    let mv = MoveRequest {
        what: "106141411234567897".into(),
        to: "LOC:WH1:A-01-1".into(),
        putaway: true,
        ..Default::default()
    };
    let rec = f.store.move_stock(&mv, &f.ctx).unwrap();
    assert!(
        matches!(&rec.entry.op, Operation::MovePlate(m) if m.putaway && m.contents.len() == 1 && m.contents[0].qty == 30)
    );
    let on_plate = f.store.stock_on_plate(plate.id).unwrap();
    assert_eq!(
        (on_plate[0].location.as_str(), on_plate[0].qty),
        ("A-01-1", 30)
    );
    assert_eq!(
        f.store.plate(plate.id).unwrap().location_id,
        Some(on_plate[0].location_id)
    );
    // Moving it from the wrong place is refused.
    let wrong = MoveRequest {
        from: Some("LOC:WH1:RCV-01".into()),
        ..mv
    };
    assert!(
        f.store
            .move_stock(&wrong, &f.ctx)
            .unwrap_err()
            .to_string()
            .contains("is at A-01-1")
    );
}

#[test]
fn picks_counts_and_adjustments_use_the_right_stock_key() {
    let mut f = fixture();
    for (lot, exp) in [("L1", "270101"), ("L2", "270601")] {
        let raw = format!("]C10105012345000015\u{1d}10{lot}\u{1d}17{exp}");
        let req = ReceiveRequest {
            location: "LOC:WH1:A-01-2".into(),
            item: raw,
            qty: Some(10),
            ..Default::default()
        };
        f.store.receive(&req, &f.ctx).unwrap();
    }
    // Two lots at the location: a pick without a lot must ask which one.
    let pick = PickRequest {
        location: "LOC:WH1:A-01-2".into(),
        item: "5012345000015".into(),
        qty: Some(3),
        ..Default::default()
    };
    let e = f.store.pick(&pick, &f.ctx).unwrap_err();
    assert!(
        matches!(&e, DeviceError::Ambiguous { options, .. } if options.contains("lot L1") && options.contains("lot L2")),
        "{e}"
    );
    let pick = PickRequest {
        lot: Some("L2".into()),
        requested: Some(4),
        short_reason: Some("damaged".into()),
        ..pick
    };
    f.store.pick(&pick, &f.ctx).unwrap();
    let count = CountRequest {
        location: "LOC:WH1:A-01-2".into(),
        item: "5012345000015".into(),
        counted: 6,
        lot: Some("L2".into()),
        blind: true,
        ..Default::default()
    };
    let rec = f.store.count(&count, &f.ctx).unwrap();
    assert!(
        matches!(&rec.entry.op, Operation::Count(c) if c.expected == 7 && c.counted == 6 && c.blind)
    );
    let adj = AdjustRequest {
        location: "LOC:WH1:A-01-2".into(),
        item: "5012345000015".into(),
        qty: -2,
        lot: Some("L1".into()),
        reason: "damaged".into(),
        ..Default::default()
    };
    f.store.adjust(&adj, &f.ctx).unwrap();
    let oil = f.store.item_by_sku("OIL").unwrap().unwrap();
    let by_lot: Vec<_> = f
        .store
        .stock_of_item(oil.id)
        .unwrap()
        .into_iter()
        .map(|l| (l.lot.unwrap(), l.qty))
        .collect();
    assert_eq!(by_lot, vec![("L1".to_string(), 8), ("L2".to_string(), 6)]);
    assert_eq!(f.store.stock_of_lot("L2", None).unwrap()[0].qty, 6);
}

#[test]
fn over_picking_warns_but_records_because_the_scan_happened() {
    let mut f = fixture();
    let pick = PickRequest {
        location: "LOC:WH1:A-01-1".into(),
        item: "INT-BOLT".into(),
        qty: Some(2),
        ..Default::default()
    };
    let rec = f.store.pick(&pick, &f.ctx).unwrap();
    assert_eq!(rec.warnings.len(), 1);
    assert!(
        rec.warnings[0].text.contains("BOLT at A-01-1 is now -2"),
        "{}",
        rec.warnings[0]
    );
}

#[test]
fn locations_of_another_warehouse_and_structural_nodes_are_refused() {
    let mut f = fixture();
    let req = ReceiveRequest {
        location: "LOC:WH2:B-01".into(),
        item: "INT-BOLT".into(),
        ..Default::default()
    };
    assert!(
        f.store
            .receive(&req, &f.ctx)
            .unwrap_err()
            .to_string()
            .contains("in warehouse WH2; this device works in WH1")
    );
    let req = ReceiveRequest {
        location: "LOC:WH1:A".into(),
        ..req
    };
    assert!(
        f.store
            .receive(&req, &f.ctx)
            .unwrap_err()
            .to_string()
            .contains("zone and cannot hold stock")
    );
    assert_eq!(log_len(&f.store), 0);
}

#[test]
fn imports_are_all_or_nothing() {
    let mut f = fixture();
    let before = f.store.item_count().unwrap();
    let bad = "sku,description,barcodes\nNEW1,New one,INT-NEW1\nNEW2,Steals a code,INT-BOLT\n";
    let e = f.store.import_items(bad.as_bytes()).unwrap_err();
    assert!(
        e.to_string().contains("already belongs to item BOLT"),
        "{e}"
    );
    assert_eq!(f.store.item_count().unwrap(), before);
    let e = f
        .store
        .import_locations("warehouse,code,type,parent\nWH1,X-1,storage,NOPE\n".as_bytes())
        .unwrap_err();
    assert!(e.to_string().contains("parent \"NOPE\""), "{e}");
    // Re-importing updates in place and keeps ids.
    let bolt = f.store.item_by_sku("BOLT").unwrap().unwrap();
    let s = f
        .store
        .import_items("sku,description,barcodes\nBOLT,Hex bolt M8,INT-BOLT\n".as_bytes())
        .unwrap();
    assert_eq!((s.created, s.updated), (0, 1));
    let again = f.store.item_by_sku("BOLT").unwrap().unwrap();
    assert_eq!(
        (again.id, again.description.as_str()),
        (bolt.id, "Hex bolt M8")
    );
}

#[test]
fn scan_patterns_are_configurable_and_validated() {
    let mut f = fixture();
    let bad = aisle_domain::scan::ScanPatterns {
        location: vec!["[".into()],
        plate: vec![],
    };
    assert!(matches!(
        f.store.set_scan_patterns(&bad),
        Err(DeviceError::Pattern(_))
    ));
    let custom = aisle_domain::scan::ScanPatterns {
        location: vec![r"^(?<code>A-\d\d-\d)$".into()],
        plate: vec![r"^T\d{4}$".into()],
    };
    f.store.set_scan_patterns(&custom).unwrap();
    let r = f.store.resolve("A-01-1").unwrap();
    assert!(matches!(r.resolved, Resolved::Location(ref l) if l.code == "A-01-1"));
    assert!(matches!(
        f.store.resolve("T0001").unwrap().resolved,
        Resolved::NewPlate { .. }
    ));
    drop(f.store);
    let reopened = Store::open(&f.path).unwrap();
    assert_eq!(reopened.scan_patterns().unwrap(), custom);
}

#[test]
fn typed_sku_resolves_to_its_item() {
    let f = fixture();
    let bolt = f.store.item_by_sku("BOLT").unwrap().unwrap();
    // As typed, and in lower case (a hand-typed code); a code on the item still comes first.
    for typed in ["BOLT", "bolt"] {
        match f.store.resolve(typed).unwrap().resolved {
            Resolved::Item(s) => {
                assert_eq!(s.item.id, bolt.id);
                assert_eq!(
                    (s.pack, s.per_pack),
                    (aisle_domain::master::PackKind::Each, 1)
                );
            }
            other => panic!("{typed}: {other:?}"),
        }
    }
    assert!(matches!(
        f.store.resolve("NO-SUCH-SKU").unwrap().resolved,
        Resolved::Unknown
    ));
}

#[test]
fn demo_store_is_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("demo.db")).unwrap();
    let s = store.load_demo(1, 60, "DEMO-1").unwrap();
    assert_eq!((s.warehouses, s.items), (2, 60));
    assert!(s.opening_lines > 30);
    assert!(store.audit_stock().unwrap().is_empty());
    assert_eq!(store.pending_count().unwrap(), s.opening_lines as u64);
    assert!(
        store.load_demo(1, 60, "DEMO-1").is_err(),
        "a second load would double the stock"
    );
}

/// Every earlier schema version, with data in it, migrates to the latest without loss.
#[test]
fn migrates_from_every_earlier_schema_version() {
    for from in 0..schema::LATEST {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            schema::MIGRATIONS.to_version(&mut conn, from).unwrap();
            seed_version(&conn, from);
        }
        let store = Store::open(&path).unwrap();
        let version: i64 = store
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version as usize, schema::LATEST, "from version {from}");
        let ok: String = store
            .conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let fk: i64 = store
            .conn()
            .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(fk, 0);
        if from >= 1 {
            assert_eq!(
                store.warehouse_by_code("OLD").unwrap().name,
                "Seeded at v1",
                "from version {from}"
            );
            assert_eq!(store.device().unwrap().name, "OLD-T1");
            let log = store.change_log(LogFilter::default()).unwrap();
            assert!(matches!(&log[0].op, Operation::UnknownScan(u) if u.raw == "X"));
            assert_eq!(
                store.pending_count().unwrap(),
                1,
                "an unsynced entry stays unsynced"
            );
        }
    }
}

/// Data as a store at `version` would have written it, using only that version's tables.
fn seed_version(conn: &rusqlite::Connection, version: usize) {
    if version >= 1 {
        let wh = aisle_domain::WarehouseId::new().to_string();
        conn.execute(
            "INSERT INTO warehouses (id, code, name) VALUES (?1, 'OLD', 'Seeded at v1')",
            [&wh],
        )
        .unwrap();
        let device = aisle_domain::DeviceId::new().to_string();
        conn.execute(
            "INSERT INTO device (singleton, device_id, name, warehouse_id, created_at) VALUES (1, ?1, 'OLD-T1', ?2, '2026-01-01T00:00:00Z')",
            [&device, &wh],
        )
        .unwrap();
        let op = serde_json::to_string(&Operation::UnknownScan(aisle_domain::op::UnknownScan {
            raw: "X".into(),
            expected: "item".into(),
            location: None,
        }))
        .unwrap();
        conn.execute(
            "INSERT INTO change_log (seq, op_id, device_id, schema_version, op_type, warehouse_id, operator, device_time, scans, payload)
             VALUES (1, ?1, ?2, 1, 'unknown_scan', ?3, 'OLD', '2026-01-01T00:00:00Z', '[\"X\"]', ?4)",
            [aisle_domain::OpId::new().to_string(), device, wh, op],
        )
        .unwrap();
    }
}

#[derive(Debug, Clone)]
enum Step {
    Receive {
        item: usize,
        loc: usize,
        qty: i64,
    },
    Move {
        item: usize,
        from: usize,
        to: usize,
        qty: i64,
    },
    Pick {
        item: usize,
        loc: usize,
        qty: i64,
    },
    Count {
        item: usize,
        loc: usize,
        counted: i64,
    },
    Adjust {
        item: usize,
        loc: usize,
        qty: i64,
    },
}

const STEP_ITEMS: [&str; 2] = ["INT-BOLT", "]C10119506000134359"];
const STEP_LOCS: [&str; 4] = [
    "LOC:WH1:RCV-01",
    "LOC:WH1:A-01-1",
    "LOC:WH1:A-01-2",
    "LOC:WH1:A",
];

fn arb_step() -> impl Strategy<Value = Step> {
    let i = 0..STEP_ITEMS.len();
    let l = 0..STEP_LOCS.len();
    prop_oneof![
        (i.clone(), l.clone(), -2i64..20).prop_map(|(item, loc, qty)| Step::Receive {
            item,
            loc,
            qty
        }),
        (i.clone(), l.clone(), l.clone(), -1i64..15).prop_map(|(item, from, to, qty)| Step::Move {
            item,
            from,
            to,
            qty
        }),
        (i.clone(), l.clone(), 0i64..10).prop_map(|(item, loc, qty)| Step::Pick { item, loc, qty }),
        (i.clone(), l.clone(), -1i64..30).prop_map(|(item, loc, counted)| Step::Count {
            item,
            loc,
            counted
        }),
        (i, l, -10i64..10).prop_map(|(item, loc, qty)| Step::Adjust { item, loc, qty }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever mix of valid and invalid work is attempted: the change log is gapless and holds
    /// exactly the successful operations, materialized stock equals the ledger, and replaying the
    /// change log alone reproduces the stock (what sync relies on).
    #[test]
    fn ledger_stock_and_change_log_always_agree(steps in proptest::collection::vec(arb_step(), 1..25)) {
        let mut f = fixture();
        let mut ok = 0usize;
        for s in &steps {
            let res = match s.clone() {
                Step::Receive { item, loc, qty } => f.store.receive(&ReceiveRequest { location: STEP_LOCS[loc].into(), item: STEP_ITEMS[item].into(), qty: Some(qty), ..Default::default() }, &f.ctx),
                Step::Move { item, from, to, qty } => f.store.move_stock(&MoveRequest { what: STEP_ITEMS[item].into(), from: Some(STEP_LOCS[from].into()), to: STEP_LOCS[to].into(), qty: Some(qty), ..Default::default() }, &f.ctx),
                Step::Pick { item, loc, qty } => f.store.pick(&PickRequest { location: STEP_LOCS[loc].into(), item: STEP_ITEMS[item].into(), qty: Some(qty), ..Default::default() }, &f.ctx),
                Step::Count { item, loc, counted } => f.store.count(&CountRequest { location: STEP_LOCS[loc].into(), item: STEP_ITEMS[item].into(), counted, ..Default::default() }, &f.ctx),
                Step::Adjust { item, loc, qty } => f.store.adjust(&AdjustRequest { location: STEP_LOCS[loc].into(), item: STEP_ITEMS[item].into(), qty, reason: "test".into(), ..Default::default() }, &f.ctx),
            };
            if res.is_ok() { ok += 1; }
        }
        let log = f.store.change_log(LogFilter::default()).unwrap();
        prop_assert_eq!(log.len(), ok);
        for (i, e) in log.iter().enumerate() {
            prop_assert_eq!(e.seq, i as u64 + 1);
        }
        prop_assert!(f.store.audit_stock().unwrap().is_empty());
        let replayed = net(log.iter().flat_map(|e| e.op.effects()));
        let bolt = f.store.item_by_sku("BOLT").unwrap().unwrap();
        let stored: std::collections::BTreeMap<_, _> = f.store.stock_of_item(bolt.id).unwrap().into_iter().map(|l| (l.key(), l.qty)).collect();
        prop_assert_eq!(replayed, stored);
    }
}

/// The examples in docs/csv-formats.md import as documented, so the docs cannot drift.
#[test]
fn documented_csv_examples_import() {
    let doc = include_str!("../../../docs/csv-formats.md");
    let blocks: Vec<&str> = doc
        .split("```csv\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert_eq!(blocks.len(), 3, "warehouses, locations and items examples");
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path().join("doc.db")).unwrap();
    assert_eq!(
        store
            .import_warehouses(blocks[0].as_bytes())
            .unwrap()
            .created,
        2
    );
    assert_eq!(
        store
            .import_locations(blocks[1].as_bytes())
            .unwrap()
            .created,
        5
    );
    assert_eq!(store.import_items(blocks[2].as_bytes()).unwrap().created, 2);
    let (oil, pack, per) = store.item_by_barcode("15012345000081").unwrap().unwrap();
    assert_eq!(
        (oil.sku.as_str(), pack, per),
        ("OIL-1L", aisle_domain::master::PackKind::Case, 12)
    );
    assert!(
        store
            .location_by_label("LOC:WH1:A-01-01-1", None)
            .unwrap()
            .is_some()
    );
}

#[test]
fn label_lots_are_dropped_for_untracked_items_but_typed_ones_are_refused() {
    let mut f = fixture();
    let rec = receive(&mut f, "]C10109506000134352\u{1d}10BATCH9", 1);
    let Operation::Receive(r) = &rec.entry.op else {
        panic!("not a receive")
    };
    assert_eq!(r.key.lot, None, "BOLT does not track lots");
    let req = ReceiveRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: "INT-BOLT".into(),
        lot: Some("X".into()),
        ..Default::default()
    };
    let e = f.store.receive(&req, &f.ctx).unwrap_err();
    assert!(e.to_string().contains("not lot-tracked"), "{e}");
    // A typed lot that contradicts the label is refused for a tracked item.
    let req = ReceiveRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: "]C10105012345000015\u{1d}10L1\u{1d}17270101".into(),
        lot: Some("L2".into()),
        ..Default::default()
    };
    let e = f.store.receive(&req, &f.ctx).unwrap_err();
    assert!(
        e.to_string()
            .contains("lot L2 was entered, but the label says L1"),
        "{e}"
    );
}

/// Order lines as a sync would have stored them (tests of work lists need no server).
pub(crate) fn download_order_line(
    f: &Fixture,
    sku: &str,
    qty: i64,
    line: u32,
) -> aisle_domain::OrderLineId {
    download_order_line_of(f, "SO-1", sku, qty, line)
}

/// A line of `order`, as a pull would bring it.
pub(crate) fn download_order_line_of(
    f: &Fixture,
    order: &str,
    sku: &str,
    qty: i64,
    line: u32,
) -> aisle_domain::OrderLineId {
    download_order_line_with(f, order, sku, qty, line, None)
}

/// A line of `order` whose customer needs `min_shelf_life_days` left on dated stock.
pub(crate) fn download_order_line_with(
    f: &Fixture,
    order: &str,
    sku: &str,
    qty: i64,
    line: u32,
    min_shelf_life_days: Option<u32>,
) -> aisle_domain::OrderLineId {
    let item = f.store.item_by_sku(sku).unwrap().unwrap();
    let ol = aisle_proto::OrderLine {
        id: aisle_domain::OrderLineId::new(),
        order: order.into(),
        line,
        warehouse_id: f.store.device().unwrap().warehouse_id.unwrap(),
        item_id: item.id,
        qty,
        picked_qty: 0,
        customer: None,
        shipped: false,
        min_shelf_life_days,
        packed_qty: 0,
        shipped_qty: 0,
    };
    f.store
        .conn()
        .execute(
            "INSERT INTO order_lines (id, line) VALUES (?1, ?2)",
            [ol.id.to_string(), serde_json::to_string(&ol).unwrap()],
        )
        .unwrap();
    ol.id
}

/// An expected receipt line as a sync would have stored it.
fn download_receipt_line(
    f: &Fixture,
    receipt: &str,
    sku: &str,
    expected: i64,
    received: i64,
) -> aisle_domain::ReceiptLineId {
    let item = f.store.item_by_sku(sku).unwrap().unwrap();
    let line = aisle_proto::ReceiptLine {
        id: aisle_domain::ReceiptLineId::new(),
        receipt: receipt.into(),
        line: 1,
        warehouse_id: f.store.device().unwrap().warehouse_id.unwrap(),
        item_id: item.id,
        expected_qty: expected,
        received_qty: received,
        expected_date: None,
    };
    f.store
        .conn()
        .execute(
            "INSERT INTO receipt_lines (id, line) VALUES (?1, ?2)",
            [line.id.to_string(), serde_json::to_string(&line).unwrap()],
        )
        .unwrap();
    line.id
}

/// A GS1 label of OIL with `lot`, expiring `days` from today (negative: already expired).
fn oil_label(lot: &str, days: i64) -> String {
    let exp = chrono::Utc::now().date_naive() + chrono::Duration::days(days);
    format!(
        "]C10105012345000015\u{1d}10{lot}\u{1d}17{}",
        exp.format("%y%m%d")
    )
}

fn receive_oil(f: &mut Fixture, loc: &str, lot: &str, days: i64, qty: i64) {
    f.store
        .receive(
            &ReceiveRequest {
                location: loc.into(),
                item: oil_label(lot, days),
                qty: Some(qty),
                ..Default::default()
            },
            &f.ctx,
        )
        .unwrap();
}

/// A pick of OIL for `line` from A-01-1, scanned from the lot's label.
fn pick_oil(
    f: &mut Fixture,
    line: aisle_domain::OrderLineId,
    lot: &str,
    days: i64,
) -> Result<Recorded> {
    f.store.pick(
        &PickRequest {
            location: "LOC:WH1:A-01-1".into(),
            item: oil_label(lot, days),
            qty: Some(1),
            order_line: Some(line),
            ..Default::default()
        },
        &f.ctx,
    )
}

#[test]
fn expired_and_short_dated_stock_is_never_on_the_pick_walk_and_is_refused_at_the_scan() {
    let mut f = fixture();
    receive_oil(&mut f, "LOC:WH1:A-01-1", "L-GONE", -1, 10);
    receive_oil(&mut f, "LOC:WH1:A-01-1", "L-SHORT", 5, 10);
    receive_oil(&mut f, "LOC:WH1:A-01-1", "L-TODAY", 0, 3);
    receive_oil(&mut f, "LOC:WH1:A-01-1", "L-FRESH", 60, 10);
    let line = download_order_line(&f, "OIL", 15, 1);
    let walk = |f: &Fixture| -> Vec<(Option<String>, i64)> {
        let list = f.store.pick_list().unwrap();
        list.tasks.into_iter().map(|t| (t.lot, t.qty)).collect()
    };
    // Expired stock is skipped; the expiry date itself is still good.
    assert_eq!(
        walk(&f),
        vec![
            (Some("L-TODAY".into()), 3),
            (Some("L-SHORT".into()), 10),
            (Some("L-FRESH".into()), 2),
        ]
    );
    let before = log_len(&f.store);
    let err = pick_oil(&mut f, line, "L-GONE", -1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("expired on"), "{err}");
    assert_eq!(log_len(&f.store), before, "a refused scan records nothing");
    // The item asks for 10 days left: the short lot drops out of the walk and of the scan.
    f.store
        .conn()
        .execute(
            "UPDATE items SET min_shelf_life_days = 10 WHERE sku = 'OIL'",
            [],
        )
        .unwrap();
    assert_eq!(
        walk(&f),
        vec![(Some("L-FRESH".into()), 10)],
        "short-dated stock is kept back, the rest is short"
    );
    let err = pick_oil(&mut f, line, "L-SHORT", 5)
        .unwrap_err()
        .to_string();
    assert!(err.contains("at least 10 must be left"), "{err}");
    pick_oil(&mut f, line, "L-FRESH", 60).unwrap();
    // A customer's terms on the order line count too: the larger minimum wins.
    f.store
        .conn()
        .execute(
            "UPDATE items SET min_shelf_life_days = NULL WHERE sku = 'OIL'",
            [],
        )
        .unwrap();
    let strict = download_order_line_with(&f, "SO-2", "OIL", 5, 1, Some(90));
    let err = pick_oil(&mut f, strict, "L-FRESH", 60)
        .unwrap_err()
        .to_string();
    assert!(err.contains("at least 90 must be left"), "{err}");
    // Stock picked without an order (a clear-out) is not an order's business.
    f.store
        .pick(
            &PickRequest {
                location: "LOC:WH1:A-01-1".into(),
                item: oil_label("L-GONE", -1),
                qty: Some(10),
                ..Default::default()
            },
            &f.ctx,
        )
        .unwrap();
}

#[test]
fn pick_list_allocates_earliest_expiry_first_and_walks_forward() {
    let mut f = fixture();
    // The later lot sits on the pick face further along the walk; the earlier one in reserve.
    for (loc, lot, days, qty) in [
        ("LOC:WH1:A-01-2", "L-LATE", 180, 20),
        ("LOC:WH1:A-01-1", "L-EARLY", 30, 10),
    ] {
        let raw = oil_label(lot, days);
        f.store
            .receive(
                &ReceiveRequest {
                    location: loc.into(),
                    item: raw,
                    qty: Some(qty),
                    ..Default::default()
                },
                &f.ctx,
            )
            .unwrap();
    }
    receive(&mut f, "INT-BOLT", 30);
    let oil = download_order_line(&f, "OIL", 12, 1);
    let bolt = download_order_line(&f, "BOLT", 100, 2);
    let list = f.store.pick_list().unwrap();
    let tasks: Vec<_> = list
        .tasks
        .iter()
        .map(|t| (t.location.as_str(), t.sku.as_str(), t.lot.as_deref(), t.qty))
        .collect();
    // Receiving-dock stock is not pickable; the early lot is taken whole, the rest from the late one.
    assert_eq!(
        tasks,
        vec![
            ("A-01-1", "OIL", Some("L-EARLY"), 10),
            ("A-01-2", "OIL", Some("L-LATE"), 2)
        ]
    );
    assert!(list.tasks.iter().all(|t| t.order_line == oil));
    assert_eq!(list.shortages.len(), 1);
    assert_eq!(
        (list.shortages[0].order_line, list.shortages[0].missing),
        (bolt, 100)
    );
}

#[test]
fn pick_list_takes_undated_stock_first_in_first_out_like_the_server() {
    let mut f = fixture();
    // Older bolts in the storage bin, newer ones on the pick face.
    for loc in ["LOC:WH1:A-01-1", "LOC:WH1:A-01-2"] {
        f.store
            .receive(
                &ReceiveRequest {
                    location: loc.into(),
                    item: "INT-BOLT".into(),
                    qty: Some(10),
                    ..Default::default()
                },
                &f.ctx,
            )
            .unwrap();
        // Arrival times come from the operations' time-ordered ids (millisecond precision).
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    download_order_line(&f, "BOLT", 12, 1);
    let tasks: Vec<_> = f
        .store
        .pick_list()
        .unwrap()
        .tasks
        .into_iter()
        .map(|t| (t.location, t.qty))
        .collect();
    assert_eq!(
        tasks,
        vec![("A-01-1".to_string(), 10), ("A-01-2".to_string(), 2)],
        "the oldest stock goes first, even from reserve"
    );
}

#[test]
fn putaway_goes_home_or_to_the_first_empty_bin() {
    let mut f = fixture();
    let bolt = f.store.item_by_sku("BOLT").unwrap().unwrap();
    assert_eq!(
        f.store.suggest_putaway(bolt.id).unwrap().unwrap().code,
        "A-01-1",
        "no home yet: first empty storage bin"
    );
    let req = ReceiveRequest {
        location: "LOC:WH1:A-01-2".into(),
        item: "INT-BOLT".into(),
        qty: Some(5),
        ..Default::default()
    };
    f.store.receive(&req, &f.ctx).unwrap();
    assert_eq!(
        f.store.suggest_putaway(bolt.id).unwrap().unwrap().code,
        "A-01-2",
        "its pick face is its home"
    );
}

#[test]
fn a_scan_that_overfills_a_location_warns_and_putaway_passes_a_full_home_by() {
    let mut f = fixture();
    f.store
        .conn()
        .execute(
            "UPDATE locations SET capacity = 200 WHERE code = 'A-01-2'",
            [],
        )
        .unwrap();
    let bolt = f.store.item_by_sku("BOLT").unwrap().unwrap();
    let into_face = |qty| ReceiveRequest {
        location: "LOC:WH1:A-01-2".into(),
        item: "INT-BOLT".into(),
        qty: Some(qty),
        ..Default::default()
    };
    let rec = f.store.receive(&into_face(150), &f.ctx).unwrap();
    assert!(rec.warnings.is_empty(), "{:?}", rec.warnings);
    assert_eq!(
        f.store.suggest_putaway(bolt.id).unwrap().unwrap().code,
        "A-01-2"
    );
    // 50 more fill it exactly; one case of 12 more is over: recorded, with a warning.
    let rec = f.store.receive(&into_face(50), &f.ctx).unwrap();
    assert!(rec.warnings.is_empty(), "{:?}", rec.warnings);
    let over = ReceiveRequest {
        pack: Some(aisle_domain::PackKind::Case),
        ..into_face(1)
    };
    let rec = f.store.receive(&over, &f.ctx).unwrap();
    assert_eq!(
        rec.warnings,
        ["A-01-2 now holds 212 units, over its capacity of 200; recorded, move the extra on"]
    );
    assert_eq!(
        f.store.suggest_putaway(bolt.id).unwrap().unwrap().code,
        "A-01-1",
        "a full home is passed by: the first empty storage bin"
    );
    // A warehouse that refuses overfilling: the same scan is refused with the reason, nothing
    // recorded; a scan that fits is still taken.
    f.store
        .conn()
        .execute("UPDATE warehouses SET refuse_over_capacity = 1", [])
        .unwrap();
    let pending = f.store.pending_count().unwrap();
    let e = f.store.receive(&over, &f.ctx).unwrap_err().to_string();
    assert!(
        e.contains("224 units, over its capacity of 200") && e.contains("refuses"),
        "{e}"
    );
    assert_eq!(f.store.pending_count().unwrap(), pending);
    let elsewhere = ReceiveRequest {
        location: "LOC:WH1:A-01-1".into(),
        ..over
    };
    f.store.receive(&elsewhere, &f.ctx).unwrap();
}

#[test]
fn weight_and_volume_limits_warn_refuse_and_steer_putaway() {
    let mut f = fixture();
    // A bolt weighs 250 g and takes 100 x 50 x 41 mm (205 cm³). The face takes 10 kg and 5 litres.
    f.store
        .conn()
        .execute_batch(
            "UPDATE items SET weight_g = 250, length_mm = 100, width_mm = 50, height_mm = 41 WHERE sku = 'BOLT';
             UPDATE locations SET max_weight_g = 10000, max_volume_cm3 = 5000 WHERE code = 'A-01-2';",
        )
        .unwrap();
    let bolt = f.store.item_by_sku("BOLT").unwrap().unwrap();
    let into_face = |qty| ReceiveRequest {
        location: "LOC:WH1:A-01-2".into(),
        item: "INT-BOLT".into(),
        qty: Some(qty),
        ..Default::default()
    };
    // 24 bolts: 6 kg, 4,920 cm³; room for no more by volume (one more is 5,125).
    let rec = f.store.receive(&into_face(24), &f.ctx).unwrap();
    assert!(rec.warnings.is_empty(), "{:?}", rec.warnings);
    assert_eq!(
        f.store.suggest_putaway(bolt.id).unwrap().unwrap().code,
        "A-01-1",
        "no room for one more bolt by volume: the first empty storage bin"
    );
    let rec = f.store.receive(&into_face(1), &f.ctx).unwrap();
    assert_eq!(
        rec.warnings,
        ["A-01-2 now holds 5125 cm³, over its volume of 5000 cm³; recorded, move the extra on"]
    );
    // 16 more: 41 bolts, 10.25 kg, over by weight too.
    let rec = f.store.receive(&into_face(16), &f.ctx).unwrap();
    assert!(
        rec.warnings.iter().any(|w| w
            .text
            .contains("10.250 kg, over its weight limit of 10.000 kg")),
        "{:?}",
        rec.warnings
    );
    f.store
        .conn()
        .execute("UPDATE warehouses SET refuse_over_capacity = 1", [])
        .unwrap();
    let pending = f.store.pending_count().unwrap();
    let e = f
        .store
        .receive(&into_face(1), &f.ctx)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("over its weight limit") && e.contains("refuses"),
        "{e}"
    );
    assert_eq!(f.store.pending_count().unwrap(), pending);
}

#[test]
fn receiving_beyond_the_expected_quantity_warns_but_records() {
    let mut f = fixture();
    let line = download_receipt_line(&f, "PO-9", "BOLT", 10, 2);
    let req = |qty| ReceiveRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: "INT-BOLT".into(),
        qty: Some(qty),
        receipt_line: Some(line),
        ..Default::default()
    };
    assert!(
        f.store
            .receive(&req(8), &f.ctx)
            .unwrap()
            .warnings
            .is_empty(),
        "2 + 8 = 10 is exactly what was expected"
    );
    let rec = f.store.receive(&req(1), &f.ctx).unwrap();
    assert_eq!(
        rec.warnings,
        vec![
            "over-receipt: 11 received against 10 expected on PO-9 line 1; a supervisor will review it"
        ]
    );
    assert_eq!(log_len(&f.store), 2, "recorded all the same");
}

#[test]
fn receiving_work_counts_this_devices_unsynced_receipts() {
    let mut f = fixture();
    let line = download_receipt_line(&f, "PO-7", "BOLT", 10, 3);
    let work = f.store.receiving_work().unwrap();
    assert_eq!(
        work.iter()
            .map(|w| (w.sku.as_str(), w.expected, w.received))
            .collect::<Vec<_>>(),
        vec![("BOLT", 10, 3)]
    );
    let req = |qty| ReceiveRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: "INT-BOLT".into(),
        qty: Some(qty),
        receipt_line: Some(line),
        ..Default::default()
    };
    f.store.receive(&req(4), &f.ctx).unwrap();
    assert_eq!(f.store.receiving_work().unwrap()[0].received, 7);
    f.store.receive(&req(3), &f.ctx).unwrap();
    assert!(
        f.store.receiving_work().unwrap().is_empty(),
        "a fully received line leaves the list"
    );
}

#[test]
fn pick_list_leaves_out_what_this_device_already_picked() {
    let mut f = fixture();
    f.store
        .receive(
            &ReceiveRequest {
                location: "LOC:WH1:A-01-1".into(),
                item: "INT-BOLT".into(),
                qty: Some(50),
                ..Default::default()
            },
            &f.ctx,
        )
        .unwrap();
    let line = download_order_line(&f, "BOLT", 8, 1);
    assert_eq!(f.store.pick_list().unwrap().tasks[0].qty, 8);
    let pick = |qty| PickRequest {
        location: "LOC:WH1:A-01-1".into(),
        item: "INT-BOLT".into(),
        qty: Some(qty),
        requested: Some(qty),
        order_line: Some(line),
        ..Default::default()
    };
    f.store.pick(&pick(5), &f.ctx).unwrap();
    let list = f.store.pick_list().unwrap();
    assert_eq!(
        list.tasks.iter().map(|t| t.qty).collect::<Vec<_>>(),
        vec![3],
        "the next task is only the rest of the line"
    );
    f.store.pick(&pick(3), &f.ctx).unwrap();
    let list = f.store.pick_list().unwrap();
    assert!(list.tasks.is_empty() && list.shortages.is_empty());
}

/// The fixture with an operator list (ALICE an operator, SUP1 a supervisor), as every enrolled
/// device has.
pub(crate) fn staffed() -> Fixture {
    let f = fixture();
    for (badge, role) in [("ALICE", "operator"), ("SUP1", "supervisor")] {
        f.store
            .conn()
            .execute(
                "INSERT INTO operators (badge, name, role, pin_hash) VALUES (?1, ?1, ?2, 'x')",
                [badge, role],
            )
            .unwrap();
    }
    f
}

#[test]
fn only_supervisors_pass_the_supervisor_check() {
    let f = staffed();
    assert!(f.store.require_supervisor("SUP1").is_ok());
    let e = f.store.require_supervisor("ALICE").unwrap_err();
    assert_eq!(e.kind(), "forbidden");
    assert!(e.to_string().contains("ALICE is not a supervisor"), "{e}");
    assert_eq!(
        f.store.require_supervisor("NOBODY").unwrap_err().kind(),
        "not_found"
    );
}

#[test]
fn work_requests_come_from_json_and_refuse_unknown_fields() {
    let req: ReceiveRequest = serde_json::from_str(
        r#"{"location":"LOC:WH1:RCV-01","item":"INT-BOLT","qty":2,"pack":"case","expiry":"2027-01-31"}"#,
    )
    .unwrap();
    assert_eq!(
        (req.qty, req.pack, req.expiry.map(|d| d.to_string())),
        (
            Some(2),
            Some(aisle_domain::master::PackKind::Case),
            Some("2027-01-31".into())
        )
    );
    let e = serde_json::from_str::<PickRequest>(r#"{"location":"X","item":"Y","quantity":2}"#)
        .unwrap_err();
    assert!(e.to_string().contains("unknown field `quantity`"), "{e}");
}

/// A full disk during a scan: a clear error, and no part of the operation is kept, wherever in
/// the transaction the space runs out (the log entry, a ledger row or a stock row).
#[test]
fn a_full_disk_refuses_the_scan_whole_and_says_so() {
    let mut f = fixture();
    let bolt = f.store.item_by_sku("BOLT").unwrap().unwrap();
    let locations = ["LOC:WH1:RCV-01", "LOC:WH1:A-01-1", "LOC:WH1:A-01-2"];
    let mut refusals = 0;
    for round in 0usize..40 {
        // SQLite's own size limit stands in for the disk: a page or two more than in use.
        let pages: i64 = f
            .store
            .conn()
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        f.store
            .conn()
            .execute_batch(&format!(
                "PRAGMA max_page_count = {};",
                pages + (round % 3) as i64
            ))
            .unwrap();
        for n in 0..500 {
            let req = ReceiveRequest {
                location: locations[(round + n) % locations.len()].into(),
                item: "INT-BOLT".into(),
                qty: Some(1 + (n % 5) as i64),
                lot: None,
                ..Default::default()
            };
            match f.store.receive(&req, &f.ctx) {
                Ok(_) => {}
                Err(e) => {
                    assert_eq!(e.kind(), "storage_full", "{e}");
                    assert!(e.to_string().contains("nothing changed"), "{e}");
                    refusals += 1;
                    break;
                }
            }
        }
        // Whatever was refused left nothing behind: stock is exactly the logged work.
        let logged: i64 = f
            .store
            .change_log(LogFilter::default())
            .unwrap()
            .iter()
            .flat_map(|e| e.op.effects())
            .map(|d| d.qty)
            .sum();
        let on_hand: i64 = f
            .store
            .stock_of_item(bolt.id)
            .unwrap()
            .iter()
            .map(|l| l.qty)
            .sum();
        assert_eq!(on_hand, logged, "round {round}");
        assert!(f.store.audit_stock().unwrap().is_empty(), "round {round}");
        f.store
            .conn()
            .execute_batch("PRAGMA max_page_count = 1073741823;")
            .unwrap();
    }
    assert!(
        refusals >= 30,
        "the limit was reached in most rounds: {refusals}"
    );
    // With space again, scanning goes on with the next number.
    let log = log_len(&f.store);
    let next = receive(&mut f, "INT-BOLT", 1);
    assert_eq!(next.entry.seq, log as u64 + 1, "no gap, no lost number");
}

#[test]
fn plain_http_is_only_for_this_machine_unless_allowed() {
    use crate::sync::check_server_url;
    for ok in [
        "https://aisle.example:8740",
        "https://10.1.2.3",
        "http://127.0.0.1:8740",
        "http://localhost:8740/",
        "http://[::1]:8740",
    ] {
        assert!(check_server_url(ok, false).is_ok(), "{ok}");
    }
    let e = check_server_url("http://10.1.2.3:8740", false).unwrap_err();
    assert!(
        e.to_string().contains("unencrypted") && e.to_string().contains("10.1.2.3"),
        "{e}"
    );
    assert!(
        check_server_url("http://10.1.2.3:8740", true).is_ok(),
        "when allowed"
    );
    assert!(check_server_url("ftp://x", true).is_err());
    assert!(
        check_server_url("aisle.example", false)
            .unwrap_err()
            .to_string()
            .contains("not a server address")
    );
}

#[test]
fn a_barcode_typed_as_a_quantity_is_refused() {
    let mut f = fixture();
    let req = ReceiveRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: "INT-BOLT".into(),
        qty: Some(5_012_345_000_022),
        ..Default::default()
    };
    let e = f.store.receive(&req, &f.ctx).unwrap_err();
    assert!(e.to_string().contains("not a quantity"), "{e}");
    assert_eq!(log_len(&f.store), 0);
}
