//! Two syncs of one device at once: pages and snapshots applied out of order never take the
//! device back to an older state (found by the chaos test: a resolved exception reopened for
//! good on a tablet that ran two syncs while a supervisor resolved it).

use crate::tests::fixture;
use aisle_domain::ledger::StockKey;
use aisle_domain::reconcile::ExceptionKind;
use aisle_proto::{Exception, ExceptionStatus, PullResponse, Snapshot, StockChange};
use uuid::Uuid;

fn exception(warehouse: aisle_domain::WarehouseId, id: Uuid, resolved: bool) -> Exception {
    Exception {
        id,
        kind: ExceptionKind::NegativeStock,
        warehouse_id: warehouse,
        device_id: None,
        op_ids: vec![],
        location_id: None,
        key: None,
        message: "BOLT at A-01-1: 3 taken with 1 on hand".into(),
        said: None,
        status: if resolved {
            ExceptionStatus::Resolved
        } else {
            ExceptionStatus::Open
        },
        created_at: chrono::Utc::now(),
        resolution: resolved.then(|| "accepted by SUP1: fine".to_string()),
    }
}

fn page(epoch: Uuid, rev: u64, exceptions: Vec<Exception>) -> PullResponse {
    PullResponse {
        epoch,
        ops: vec![],
        cursor: 0,
        more: false,
        master: Default::default(),
        receipt_lines: vec![],
        order_lines: vec![],
        exceptions,
        other_warehouses: vec![],
        rev,
        tasks: vec![],
        plates: vec![],
        leases: vec![],
        cartons: vec![],
        in_transit: vec![],
        stock: vec![],
        durable_seq: 0,
    }
}

/// A page of the state pull: one stock row of `key` at `seq`, holding this device's log up to
/// `durable`.
fn rows(epoch: Uuid, key: &StockKey, qty: i64, seq: u64, durable: u64) -> PullResponse {
    PullResponse {
        stock: vec![StockChange {
            key: key.clone(),
            qty,
            seq,
            first_op: None,
        }],
        durable_seq: durable,
        cursor: seq,
        ..page(epoch, 0, vec![])
    }
}

/// A device that has synced with a server of a new epoch.
fn synced_fixture() -> (crate::tests::Fixture, Uuid) {
    let f = fixture();
    let epoch = Uuid::now_v7();
    f.store
        .conn()
        .execute("UPDATE sync_state SET epoch = ?1", [epoch.to_string()])
        .unwrap();
    (f, epoch)
}

fn qty_of(f: &crate::tests::Fixture, key: &StockKey) -> i64 {
    crate::query::all_stock(f.store.conn())
        .unwrap()
        .get(key)
        .copied()
        .unwrap_or(0)
}

/// A device with 5 received and not pushed, where the server's row says 7 (another device's
/// work): 12 here. The same page again changes nothing; once the 5 are in the server's books
/// (durable) the server's 20 is 20 here; a page read earlier and applied late puts nothing back;
/// an operation the server held is not added on top of the server's row.
#[test]
fn a_pulled_stock_row_is_the_servers_quantity_plus_this_devices_later_work() {
    let (mut f, epoch) = synced_fixture();
    let first = crate::tests::receive(&mut f, "INT-BOLT", 5);
    let key = crate::query::all_stock(f.store.conn())
        .unwrap()
        .into_keys()
        .next()
        .unwrap();

    f.store.apply_page(&rows(epoch, &key, 7, 10, 0)).unwrap();
    assert_eq!(qty_of(&f, &key), 12);
    f.store.apply_page(&rows(epoch, &key, 7, 10, 0)).unwrap();
    assert_eq!(qty_of(&f, &key), 12, "a page fetched twice counts once");

    f.store.apply_page(&rows(epoch, &key, 20, 11, 1)).unwrap();
    assert_eq!(
        qty_of(&f, &key),
        20,
        "the server's row now holds the 5 (and 8 more)"
    );
    f.store.apply_page(&rows(epoch, &key, 7, 10, 0)).unwrap();
    assert_eq!(qty_of(&f, &key), 20, "an older page applied late");

    // A second receipt of 3, which the server held (the device took the 3 back when the
    // exception came); a page read before that push, applied after, must not add them again.
    crate::tests::receive(&mut f, "INT-BOLT", 3);
    let second = f.store.change_log(Default::default()).unwrap()[1].op_id;
    assert_ne!(second, first.entry.op_id);
    f.store
        .conn()
        .execute(
            "INSERT INTO held_ops (op_id, exception_id, reversed) VALUES (?1, ?2, 1)",
            [second.to_string(), Uuid::now_v7().to_string()],
        )
        .unwrap();
    f.store.apply_page(&rows(epoch, &key, 20, 12, 1)).unwrap();
    assert_eq!(qty_of(&f, &key), 20, "a held operation is not added on top");
    assert!(f.store.audit_stock().unwrap().is_empty());

    // Someone picked the key empty: the row says 0, and the key leaves local stock.
    f.store.apply_page(&rows(epoch, &key, 0, 13, 2)).unwrap();
    assert!(
        !crate::query::all_stock(f.store.conn())
            .unwrap()
            .contains_key(&key),
        "an emptied key is removed"
    );
    assert!(f.store.audit_stock().unwrap().is_empty());
}

#[test]
fn an_older_page_applied_late_never_reopens_a_resolved_exception() {
    let (mut f, epoch) = synced_fixture();
    let wh = f.store.device().unwrap().warehouse_id.unwrap();
    let id = Uuid::now_v7();
    // The second sync's page (the exception resolved, revision 7) lands first; the first sync's
    // page, fetched earlier (the exception still open, revision 5), lands after it.
    f.store
        .apply_page(&page(epoch, 7, vec![exception(wh, id, true)]))
        .unwrap();
    f.store
        .apply_page(&page(epoch, 5, vec![exception(wh, id, false)]))
        .unwrap();
    let xs = f.store.exceptions(false).unwrap();
    assert_eq!(xs.len(), 1);
    assert_eq!(xs[0].status, ExceptionStatus::Resolved, "{xs:?}");
    assert_eq!(f.store.sync_state().unwrap().rev, 7);
    // A page of the same revision carries the same state and is applied as usual.
    f.store
        .apply_page(&page(epoch, 7, vec![exception(wh, id, true)]))
        .unwrap();
    assert_eq!(f.store.exceptions(true).unwrap().len(), 0);
}

#[test]
fn a_snapshot_that_arrives_after_another_sync_bootstrapped_the_device_is_left_alone() {
    let mut f = fixture();
    crate::tests::receive(&mut f, "INT-BOLT", 5);
    let before = crate::query::all_stock(f.store.conn()).unwrap();
    let epoch = Uuid::now_v7();
    f.store
        .conn()
        .execute(
            "UPDATE sync_state SET epoch = ?1, bootstrapped = 1, rev = 9, pull_cursor = 40",
            [epoch.to_string()],
        )
        .unwrap();
    let wh = f.store.device().unwrap().warehouse_id.unwrap();
    let old = Snapshot {
        epoch,
        cursor: 10,
        rev: 3,
        master: Default::default(),
        stock: vec![],
        receipt_lines: vec![],
        order_lines: vec![],
        exceptions: vec![exception(wh, Uuid::now_v7(), false)],
        other_warehouses: vec![],
        tasks: vec![],
        plates: vec![],
        leases: vec![],
        cartons: vec![],
        in_transit: vec![],
    };
    assert!(!f.store.apply_snapshot(&old).unwrap());
    let state = f.store.sync_state().unwrap();
    assert_eq!((state.rev, state.pull_cursor), (9, 40));
    assert!(f.store.exceptions(false).unwrap().is_empty());
    assert_eq!(crate::query::all_stock(f.store.conn()).unwrap(), before);
    assert!(f.store.audit_stock().unwrap().is_empty());
}

#[test]
fn an_enrolled_device_records_nothing_before_its_first_sync_brought_the_warehouse() {
    let mut f = fixture();
    f.store
        .conn()
        .execute(
            "UPDATE sync_state SET token = 'T', server_url = 'http://127.0.0.1:1', bootstrapped = 0",
            [],
        )
        .unwrap();
    let req = crate::work::ReceiveRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: "NOT-A-CODE".into(),
        qty: Some(1),
        ..Default::default()
    };
    let refused = f.store.receive(&req, &f.ctx).unwrap_err();
    assert!(
        refused.to_string().contains("sync first"),
        "{refused}: not an unknown scan for a supervisor"
    );
    assert_eq!(f.store.pending_count().unwrap(), 0, "nothing recorded");
    f.store
        .conn()
        .execute("UPDATE sync_state SET bootstrapped = 1", [])
        .unwrap();
    crate::tests::receive(&mut f, "INT-BOLT", 2);
    assert_eq!(f.store.pending_count().unwrap(), 1);
}
