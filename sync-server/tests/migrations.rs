//! Every earlier version of the server's database, with a warehouse's data in it, migrates to the
//! latest and goes on serving it: the device's token still opens it, its next entries are
//! admitted (its supervisor's adjustment too, by the role history the migration wrote), its order
//! line takes picks, the books audit clean (as migrated and after), and a snapshot carries the old
//! exception.
//!
//! The data is written as a server of version 2 (the first with the server's own tables) wrote
//! it, as rows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_domain::op::ChangeLogEntry;
use aisle_domain::{DeviceId, OpId};
use aisle_server::schema::MIGRATIONS;
use aisle_server::sql::{SqlStorage, hash_secret};
use aisle_server::storage::{Administration, ExportKind, SyncEngine};
use rusqlite::{Connection, params};
use serde_json::json;

const TOKEN: &str = "OLD-TOKEN-0123456789ABCDEFGHJKLMN";
/// The first version with the server's own tables (device DDL, then the server's).
const FIRST: usize = 2;

/// What an old server had: ids to look for after the migration.
struct Old {
    device: DeviceId,
    warehouse: String,
    item: String,
    dock: String,
    order_line: String,
    exception: String,
}

fn seed(conn: &Connection) -> Old {
    let tx = conn.unchecked_transaction().unwrap();
    // The warehouse as version 2 wrote it (today's import writes columns added since).
    tx.execute(
        "INSERT INTO warehouses (id, code, name) VALUES (?1, 'WH1', 'Central')",
        [aisle_domain::WarehouseId::new().to_string()],
    )
    .unwrap();
    // Locations as version 2 wrote them (today's import writes columns added since).
    for (code, kind, walk) in [
        ("RCV-01", "receiving", None),
        ("A-01-1", "storage", Some(10)),
    ] {
        tx.execute(
            "INSERT INTO locations (id, warehouse_id, code, barcode, kind, walk_seq)
             SELECT ?1, id, ?2, 'LOC:WH1:' || ?2, ?3, ?4 FROM warehouses WHERE code = 'WH1'",
            params![
                aisle_domain::LocationId::new().to_string(),
                code,
                kind,
                walk
            ],
        )
        .unwrap();
    }
    // Items as version 2 wrote them (today's import writes columns added since).
    tx.execute(
        "INSERT INTO items (id, sku, description, uom, tracking, expiry_tracked, packs, codes)
         VALUES (?1, 'BOLT', 'Hex bolt', 'EA', 'none', 0, '[[\"each\",null,1]]', '[\"09506000134352\"]')",
        [aisle_domain::ItemId::new().to_string()],
    )
    .unwrap();
    tx.execute(
        "INSERT INTO barcodes (code, item_id, pack_kind, pack_qty) SELECT '09506000134352', id, 'each', 1 FROM items WHERE sku = 'BOLT'",
        [],
    )
    .unwrap();
    let one = |sql: &str| -> String { tx.query_row(sql, [], |r| r.get(0)).unwrap() };
    let warehouse = one("SELECT id FROM warehouses WHERE code = 'WH1'");
    let item = one("SELECT id FROM items WHERE sku = 'BOLT'");
    let dock = one("SELECT id FROM locations WHERE code = 'RCV-01'");
    let device = DeviceId::new();
    let now = chrono::Utc::now();
    tx.execute(
        "INSERT INTO server_state (singleton, epoch, server_device_id) VALUES (1, ?1, ?2)",
        params![
            uuid::Uuid::now_v7().to_string(),
            DeviceId::new().to_string()
        ],
    )
    .unwrap();
    tx.execute(
        "INSERT INTO operators (badge, name, pin_hash, role, created_at) VALUES ('SUP9', 'Old Boss', ?1, 'supervisor', ?2)",
        params![aisle_ledger::pin::hash_pin("4321").unwrap(), now.to_rfc3339()],
    )
    .unwrap();
    tx.execute(
        "INSERT INTO devices (id, name, warehouse_id, token_hash, enrolled_at, app_version, durable_seq) VALUES (?1, 'OLD-T1', ?2, ?3, ?4, '0.1.0', 1)",
        params![device.to_string(), warehouse, hash_secret(TOKEN), now.to_rfc3339()],
    )
    .unwrap();
    // The device's first entry: 10 bolts received at the dock, logged and in the books.
    let receive: ChangeLogEntry = serde_json::from_value(json!({
        "op_id": OpId::new(), "device_id": device, "seq": 1, "schema_version": 1,
        "warehouse_id": warehouse, "operator": "SUP9", "device_time": now, "scans": [],
        "op": { "type": "receive", "key": { "item": item, "location": dock }, "qty": 10 }
    }))
    .unwrap();
    tx.execute(
        "INSERT INTO ops (op_id, device_id, device_seq, warehouse_id, op_type, received_at, entry) VALUES (?1, ?2, 1, ?3, 'receive', ?4, ?5)",
        params![
            receive.op_id.to_string(),
            device.to_string(),
            warehouse,
            now.to_rfc3339(),
            serde_json::to_string(&receive).unwrap()
        ],
    )
    .unwrap();
    tx.execute(
        "INSERT INTO ledger (op_id, item_id, location_id, qty) VALUES (?1, ?2, ?3, 10)",
        params![receive.op_id.to_string(), item, dock],
    )
    .unwrap();
    tx.execute(
        "INSERT INTO stock (item_id, location_id, lot, expiry, plate_id, qty) VALUES (?1, ?2, '', '', '', 10)",
        params![item, dock],
    )
    .unwrap();
    // Whether the schema being seeded has something (a query counting it).
    let has = |sql: &str| -> bool { tx.query_row(sql, [], |r| r.get(0)).unwrap() };
    // A server of version 11 on wrote each changed key beside its stock, for pulls.
    if has("SELECT COUNT(*) > 0 FROM sqlite_master WHERE name = 'stock_changes'") {
        tx.execute(
            "INSERT INTO stock_changes (warehouse_id, item_id, location_id, lot, expiry, plate_id, seq, first_op) VALUES (?1, ?2, ?3, '', '', '', 1, ?4)",
            params![warehouse, item, dock, receive.op_id.to_string()],
        )
        .unwrap();
    }
    let order_line = aisle_domain::OrderLineId::new().to_string();
    tx.execute(
        "INSERT INTO order_lines (id, order_no, line, warehouse_id, item_id, qty, customer) VALUES (?1, 'SO-OLD', 1, ?2, ?3, 5, 'Old Customer')",
        params![order_line, warehouse, item],
    )
    .unwrap();
    // A server of version 10 on wrote what a line was ordered as beside it.
    if has("SELECT COUNT(*) > 0 FROM pragma_table_info('order_lines') WHERE name = 'ordered_qty'") {
        tx.execute("UPDATE order_lines SET ordered_qty = qty", [])
            .unwrap();
    }
    let exception = uuid::Uuid::now_v7().to_string();
    tx.execute(
        "INSERT INTO exceptions (id, kind, warehouse_id, device_id, op_ids, message, status, created_at) VALUES (?1, 'unknown_barcode', ?2, ?3, '[]', 'unknown barcode \"X\" scanned where an item was expected', 'open', ?4)",
        params![exception, warehouse, device.to_string(), now.to_rfc3339()],
    )
    .unwrap();
    tx.commit().unwrap();
    Old {
        device,
        warehouse,
        item,
        dock,
        order_line,
        exception,
    }
}

/// The device's next entry, as JSON.
fn entry(old: &Old, seq: u64, op: serde_json::Value) -> ChangeLogEntry {
    serde_json::from_value(json!({
        "op_id": OpId::new(), "device_id": old.device, "seq": seq, "schema_version": 1,
        "warehouse_id": old.warehouse, "operator": "SUP9", "device_time": chrono::Utc::now(),
        "scans": [], "op": op
    }))
    .unwrap()
}

#[test]
fn every_earlier_version_with_data_migrates_and_goes_on_serving() {
    let latest = aisle_server::schema::LATEST;
    assert!(latest > FIRST, "there are versions to migrate from");
    for from in FIRST..latest {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let old = {
            let mut conn = Connection::open(&path).unwrap();
            MIGRATIONS.to_version(&mut conn, from).unwrap();
            seed(&conn)
        };
        let storage = SqlStorage::open(&path).unwrap();
        let conn = Connection::open(&path).unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version as usize, latest, "from version {from}");
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "from version {from}");
        // The books as migrated, before anything new touches them (what pulls send included).
        let books = storage.audit_books().unwrap();
        assert!(books.ok, "from version {from}, as migrated: {books:?}");

        // The old token still opens the server; the device goes on from its next number.
        let device = storage
            .device_by_token(&hash_secret(TOKEN))
            .unwrap()
            .unwrap_or_else(|| panic!("from version {from}: the device's token"));
        assert_eq!(device.durable_seq, 1, "from version {from}");
        let pick = entry(
            &old,
            2,
            json!({ "type": "pick", "key": { "item": old.item, "location": old.dock }, "qty": 3,
                    "order_line": old.order_line }),
        );
        let adjust = entry(
            &old,
            3,
            json!({ "type": "adjust", "key": { "item": old.item, "location": old.dock }, "qty": -1,
                    "reason": "damaged" }),
        );
        let outcome = storage.push(&device, &[pick, adjust]).unwrap();
        assert_eq!(outcome.durable_seq, 3, "from version {from}");
        let held: i64 = conn
            .query_row("SELECT COUNT(*) FROM ops WHERE status = 'held'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(
            held, 0,
            "from version {from}: the old supervisor's adjustment is admitted"
        );
        let (picked, ordered): (i64, i64) = conn
            .query_row(
                "SELECT picked_qty, ordered_qty FROM order_lines WHERE id = ?1",
                [&old.order_line],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            (picked, ordered),
            (3, 5),
            "from version {from}: the order line"
        );

        // The books: 10 received, 3 picked, 1 written off.
        let mut stock = Vec::new();
        storage.export(ExportKind::Stock, &mut stock).unwrap();
        let stock = String::from_utf8(stock).unwrap();
        assert!(
            stock
                .lines()
                .any(|l| l.contains("RCV-01") && l.contains("BOLT") && l.ends_with(",6")),
            "from version {from}: {stock}"
        );
        let books = storage.audit_books().unwrap();
        assert!(books.ok, "from version {from}: {books:?}");

        // A snapshot carries the old open exception and the stock.
        let snap = storage.snapshot(&device).unwrap();
        assert!(
            snap.exceptions
                .iter()
                .any(|x| x.id.to_string() == old.exception),
            "from version {from}"
        );
        assert_eq!(
            snap.stock.iter().map(|r| r.qty).sum::<i64>(),
            6,
            "from version {from}"
        );
        // A device that had pulled nothing gets the migrated books as stock rows too.
        let page = storage
            .pull(
                &device,
                &aisle_proto::PullQuery {
                    cursor: 0,
                    rev: 0,
                    limit: None,
                    state: true,
                },
            )
            .unwrap();
        assert_eq!(
            page.stock.iter().map(|r| r.qty).sum::<i64>(),
            6,
            "from version {from}: {:?}",
            page.stock
        );
        assert_eq!(page.durable_seq, 3, "from version {from}");
        // The ledger stays append-only (on SQLite 0021 rebuilt it without foreign keys).
        for sql in ["UPDATE ledger SET qty = qty + 1", "DELETE FROM ledger"] {
            assert!(
                conn.execute(sql, []).is_err(),
                "from version {from}: {sql} was allowed"
            );
        }
    }
}
