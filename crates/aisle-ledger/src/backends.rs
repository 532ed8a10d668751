//! One test body, run on a real SQLite file and a real PostgreSQL database: the ledger's SQL
//! means the same on both.

use crate::db::{Db, DbExt, PgConn};
use crate::effects::{apply, key_columns};
use crate::master::*;
use crate::{args, audit, schema};
use aisle_domain::ledger::StockKey;
use aisle_domain::master::LicensePlate;
use aisle_domain::op::{Operation, Receive};
use aisle_domain::{OpId, PlateId, demo};

/// Runs `body` on a fresh SQLite file and on a fresh PostgreSQL database, each with the ledger's
/// tables; says which backend failed.
fn on_both(body: impl Fn(&dyn Db)) {
    let dir = std::env::temp_dir().join(format!("aisle-ledger-{}", OpId::new()));
    std::fs::create_dir_all(&dir).unwrap();
    let lite = rusqlite::Connection::open(dir.join("l.db")).unwrap();
    crate::configure(&lite).unwrap();
    lite.execute_batch(schema::V1).unwrap();
    lite.execute_batch(schema::V2_SHELF_LIFE).unwrap();
    lite.execute_batch(schema::V3_CAPACITY_POLICY).unwrap();
    lite.execute_batch(schema::V4_LOCATION_LIMITS).unwrap();
    eprintln!("on SQLite");
    body(&lite);
    drop(lite);
    let _ = std::fs::remove_dir_all(&dir);

    let pg = PgConn::connect(&aisle_testdb::fresh_database()).unwrap();
    pg.batch(schema::postgres::V1).unwrap();
    pg.batch(schema::V2_SHELF_LIFE).unwrap();
    pg.batch(schema::V3_CAPACITY_POLICY).unwrap();
    pg.batch(schema::V4_LOCATION_LIMITS).unwrap();
    eprintln!("on PostgreSQL");
    body(&pg);
}

fn stock_of(db: &dyn Db, key: &StockKey) -> Option<i64> {
    let (i, l, lot, e, p) = key_columns(key);
    db.value(
        "SELECT qty FROM stock WHERE item_id = ?1 AND location_id = ?2 AND lot = ?3 AND expiry = ?4 AND plate_id = ?5",
        args![i, l, lot, e, p],
    )
    .unwrap()
}

/// The demo's warehouses and locations, with the demo's ids.
fn add_places(db: &dyn Db, data: &demo::DemoData) {
    for w in &data.warehouses {
        db.exec(
            "INSERT INTO warehouses (id, code, name) VALUES (?1, ?2, ?3)",
            args![w.id, w.code, w.name],
        )
        .unwrap();
    }
    for l in &data.locations {
        upsert_location(db, l).unwrap();
    }
}

/// A demo company of `items` items, its warehouses and locations stored.
fn places(db: &dyn Db, items: usize) -> demo::DemoData {
    let data = demo::generate(
        5,
        items,
        chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
    );
    add_places(db, &data);
    data
}

#[test]
fn master_data_operations_and_the_audit_agree_on_both_backends() {
    on_both(|db| {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let data = demo::generate(11, 30, today);
        let csv: String = std::iter::once("code,name\n".to_string())
            .chain(
                data.warehouses
                    .iter()
                    .map(|w| format!("{},{}\n", w.code, w.name)),
            )
            .collect();
        assert_eq!(
            import_warehouses_into(db, csv.as_bytes()).unwrap().created,
            2
        );
        // Ids as the demo made them, so its stock can be applied as is.
        db.exec("DELETE FROM warehouses", &[]).unwrap();
        add_places(db, &data);
        for i in &data.items {
            let (stored, created) = upsert_item(db, i).unwrap();
            assert!(created);
            assert_eq!(item_by_sku(db, &i.sku).unwrap().as_ref(), Some(&stored));
        }
        // The same item again is an update; another item's barcode is refused.
        let (_, created) = upsert_item(db, &data.items[0]).unwrap();
        assert!(!created);
        let mut thief = data.items[1].clone();
        thief.barcodes = data.items[0].barcodes.clone();
        let e = upsert_item(db, &thief).unwrap_err();
        assert!(e.to_string().contains("already belongs"), "{e}");
        assert_eq!(load_items(db).unwrap().len(), data.items.len());
        let wh = data.warehouses[0].id;
        assert_eq!(
            load_locations(db, wh).unwrap().len(),
            data.locations
                .iter()
                .filter(|l| l.warehouse_id == wh)
                .count()
        );

        for o in &data.opening {
            apply(db, OpId::new(), &o.to_operation()).unwrap();
        }
        assert!(audit::ledger_against_stock(db).unwrap().is_empty());

        // A receipt onto a new plate makes the plate where the stock went; taking more than
        // there is reports the negative line.
        let first = &data.opening[0];
        let code = "340299910000000025";
        let key = StockKey {
            item: first.item,
            location: first.location,
            lot: first.lot.clone(),
            expiry: first.expiry,
            plate: Some(PlateId::for_code(code)),
        };
        let receive = Operation::Receive(Receive {
            key: key.clone(),
            qty: 12,
            pack: None,
            serials: vec![],
            receipt_line: None,
            plate_code: Some(code.into()),
        });
        assert!(apply(db, OpId::new(), &receive).unwrap().is_empty());
        assert_eq!(stock_of(db, &key), Some(12));
        let plates = load_plates(db, "code = ?1", args![code]).unwrap();
        assert_eq!(plates.len(), 1);
        assert_eq!(plates[0].location_id, Some(first.location));
        // Another id with the same code keeps the first plate.
        upsert_plate(
            db,
            &LicensePlate {
                id: PlateId::new(),
                code: code.into(),
                warehouse_id: wh,
                location_id: None,
            },
        )
        .unwrap();
        assert_eq!(load_plates(db, "code = ?1", args![code]).unwrap(), plates);
        // So does a receipt onto another id with that code; the stock still goes where it went.
        let stranger = StockKey {
            plate: Some(PlateId::new()),
            ..key.clone()
        };
        let Operation::Receive(r) = &receive else {
            unreachable!()
        };
        let onto_stranger = Operation::Receive(Receive {
            key: stranger.clone(),
            qty: 1,
            ..r.clone()
        });
        assert!(apply(db, OpId::new(), &onto_stranger).unwrap().is_empty());
        assert_eq!(load_plates(db, "code = ?1", args![code]).unwrap(), plates);
        assert_eq!(stock_of(db, &stranger), Some(1));

        let take = Operation::Adjust(aisle_domain::op::Adjust {
            key: key.clone(),
            qty: -20,
            reason: "damage".into(),
            note: None,
        });
        let negative = apply(db, OpId::new(), &take).unwrap();
        assert_eq!(negative, vec![(key.clone(), -8)]);
        // Back to zero: the stock row goes.
        apply(
            db,
            OpId::new(),
            &Operation::Adjust(aisle_domain::op::Adjust {
                key: key.clone(),
                qty: 8,
                reason: "found".into(),
                note: None,
            }),
        )
        .unwrap();
        assert_eq!(stock_of(db, &key), None);
        assert!(audit::ledger_against_stock(db).unwrap().is_empty());
        // A line of nothing kept after its key was emptied is found too.
        let (item, loc, lot, expiry, plate) = crate::effects::key_columns(&key);
        db.exec(
            "INSERT INTO stock (item_id, location_id, lot, expiry, plate_id, qty) VALUES (?1, ?2, ?3, ?4, ?5, 0)",
            args![item, loc, lot, expiry, plate],
        )
        .unwrap();
        let found = audit::ledger_against_stock(db).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].to_string().contains("line of nothing"),
            "{}",
            found[0]
        );
        db.exec("DELETE FROM stock WHERE qty = 0", &[]).unwrap();
        assert!(audit::ledger_against_stock(db).unwrap().is_empty());

        // The ledger cannot be edited, and stock changed behind its back is found.
        assert!(db.exec("UPDATE ledger SET qty = qty + 1", &[]).is_err());
        assert!(db.exec("DELETE FROM ledger", &[]).is_err());
        db.exec(
            "UPDATE stock SET qty = qty + 5 WHERE item_id = ?1",
            args![first.item],
        )
        .unwrap();
        let found = audit::ledger_against_stock(db).unwrap();
        assert!(!found.is_empty());
        assert!(found.iter().all(|m| m.stock == m.ledger + 5), "{found:?}");
    });
}

/// Plates written many at a time end as they would one at a time ([`upsert_plate`], the
/// reference): new plates made, a known one moved, one whose code is another plate's left out,
/// and a list naming one code twice keeps the first.
#[test]
fn many_plates_are_written_as_one_at_a_time_would_on_both_backends() {
    on_both(|db| {
        let data = places(db, 5);
        let wh = data.warehouses[0].id;
        let here: Vec<_> = data
            .locations
            .iter()
            .filter(|l| l.warehouse_id == wh)
            .map(|l| l.id)
            .collect();
        let plate = |code: &str, id: PlateId, at: usize| LicensePlate {
            id,
            code: code.into(),
            warehouse_id: wh,
            location_id: Some(here[at]),
        };
        let known = plate("C0", PlateId::for_code("C0"), 0);
        let legacy = plate("C9", PlateId::new(), 0);
        upsert_plate(db, &known).unwrap();
        upsert_plate(db, &legacy).unwrap();

        // 250 plates: two statements.
        let mut batch = vec![
            plate("C0", known.id, 1),
            plate("C9", PlateId::for_code("C9"), 1),
        ];
        batch.extend((1..=248).map(|n| {
            let code = format!("N{n}");
            plate(&code, PlateId::for_code(&code), n % here.len())
        }));
        upsert_plates(db, &batch).unwrap();
        let all = load_plates(db, "1 = 1", &[]).unwrap();
        assert_eq!(all.len(), 250, "248 new, the known one, the legacy one");
        let find = |code: &str| all.iter().find(|p| p.code == code).unwrap().clone();
        assert_eq!(find("C0"), plate("C0", known.id, 1), "moved");
        assert_eq!(find("C9"), legacy, "its code is another plate's: left out");
        for p in &batch[2..] {
            assert_eq!(&find(&p.code), p);
        }

        // One code twice in a list: the first keeps it, as one at a time.
        let (first, second) = (
            plate("D1", PlateId::new(), 0),
            plate("D1", PlateId::new(), 1),
        );
        upsert_plates(db, &[first.clone(), second]).unwrap();
        assert_eq!(
            load_plates(db, "code = ?1", args!["D1"]).unwrap(),
            vec![first]
        );
    });
}
