//! Packing and shipping end to end (issue 13), on both backends, with two tablets offline:
//! - each tablet mints its own carton numbers (SSCCs from blocks the server reserved for it);
//! - bad packs are refused at the scan with the reason and record nothing (wrong item, too many,
//!   not a carton label, an unknown order, a carton of another order);
//! - two packers fill one order past what it asks for while offline: whichever syncs second
//!   raises a `pack_mismatch`, in either sync order;
//! - an order picked short ships partially: the rest is a backorder that stays open for picking,
//!   is picked when stock allows, and ships on a second shipment;
//! - supervisors get the shipment, its packing slip (PDF) and each carton's label (SVG, PDF,
//!   ZPL); a configured label printer (a fake one on a socket) receives the ZPL;
//! - a customer return against a carton's SSCC counts against that carton's order.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_device::packing::{CloseRequest, PackRequest, ShipRequest};
use aisle_device::work::{PickRequest, ReturnRequest};
use aisle_e2e::{Backend, Device, Server, Supervisor};
use aisle_ledger::db::{Db, PgConn};
use serde_json::Value;

const BOLT: &str = "HAR-00001";
const BOLT_EAN: &str = "5012345000015";

fn order_status(sup: &Supervisor, order: &str) -> Value {
    sup.json("/v1/supervisor/orders?warehouse=WH1")
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["order"] == order)
        .cloned()
        .unwrap_or_else(|| panic!("no order {order}"))
}

/// Picks `qty` of the order's bolt line (short with a reason when less than asked).
fn pick(d: &mut Device, order: &str, qty: i64) {
    let task = d.tasks_of(order).remove(0);
    let short = qty < task.qty;
    d.store
        .pick(
            &PickRequest {
                location: format!("LOC:WH1:{}", task.location),
                item: BOLT_EAN.into(),
                qty: Some(qty),
                requested: short.then_some(task.qty),
                short_reason: short.then(|| "damaged".to_string()),
                order_line: Some(task.order_line),
                ..Default::default()
            },
            &d.ctx,
        )
        .unwrap();
}

fn pack(order: &str, carton: &str, item: &str, qty: i64) -> PackRequest {
    PackRequest {
        order: order.into(),
        carton: carton.into(),
        item: Some(item.into()),
        qty: Some(qty),
        ..Default::default()
    }
}

fn close(d: &mut Device, carton: &str, weight_g: Option<i64>) {
    d.store
        .close_carton(
            &CloseRequest {
                carton: carton.into(),
                weight_g,
            },
            &d.ctx,
        )
        .unwrap();
}

fn ship(d: &mut Device, cartons: &[&str]) -> Result<(), String> {
    d.store
        .ship(
            &ShipRequest {
                carrier: "DHL".into(),
                reference: Some("Route 7".into()),
                cartons: cartons.iter().map(|c| c.to_string()).collect(),
            },
            &d.ctx,
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
}

aisle_e2e::on_both!(two_packers_partial_shipments_backorders_documents_and_a_printer);
fn two_packers_partial_shipments_backorders_documents_and_a_printer(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    // A fake label printer: accepts connections and keeps what each one sent.
    let (printer_addr, printed) = aisle_e2e::fake_printer();
    let config = dir.path().join("aisle.toml");
    std::fs::write(
        &config,
        format!("gs1_company_prefix = \"0614141\"\n\n[printers]\npack-1 = \"{printer_addr}\"\n"),
    )
    .unwrap();
    let db = match backend {
        Backend::Sqlite => dir.path().join("server.db"),
        Backend::Postgres => std::path::PathBuf::from(aisle_testdb::fresh_database()),
    };
    let demo = Server::with_demo_at(db.clone(), 40);
    drop(demo);
    let server = Server::start(db, &["--config", config.to_str().unwrap()]);
    let orders = dir.path().join("orders.csv");
    std::fs::write(
        &orders,
        format!(
            "order,line,warehouse,sku,qty,customer\nSO-8001,1,WH1,{BOLT},10,ACME\nSO-8002,1,WH1,{BOLT},10,Globex\n"
        ),
    )
    .unwrap();
    server.admin(&["import", "orders", orders.to_str().unwrap()]);
    let mut a = Device::enrolled(dir.path(), &server, "P1", &server.url);
    let mut b = Device::enrolled(dir.path(), &server, "P2", &server.url);
    let sup = Supervisor::sign_in(&server);

    // Each tablet has its own carton numbers, minted offline.
    assert!(a.store.sscc_left().unwrap() >= 200 && b.store.sscc_left().unwrap() >= 200);
    let c1 = a.store.new_carton().unwrap();
    let c2 = b.store.new_carton().unwrap();
    let c1b = a.store.new_carton().unwrap();
    assert!(c1.starts_with("90614141") && c1.len() == 18, "{c1}");
    assert!(aisle_domain::sscc::check(&c2).is_ok());
    assert!(c1 != c2 && c1 != c1b && c2 != c1b);

    // SO-8001 picked in full on A; both tablets see it.
    pick(&mut a, "SO-8001", 10);
    a.sync();
    b.sync();

    // Bad packs: refused with the reason, nothing recorded.
    let other = a
        .store
        .item(a.store.find_item("PAI-00005").unwrap())
        .unwrap();
    let other_gtin = other
        .barcodes
        .iter()
        .find(|b| b.len() == 14)
        .unwrap()
        .clone();
    let pending = a.store.pending_count().unwrap();
    for (req, why) in [
        (pack("SO-8001", &c1, &other_gtin, 1), "wrong item"),
        (pack("SO-8001", &c1, BOLT_EAN, 11), "too many"),
        (pack("SO-8001", "106141411234567898", BOLT_EAN, 1), "SSCC"),
        (
            pack("SO-8001", "LOC:WH1:A-01-01-1", BOLT_EAN, 1),
            "not a carton label",
        ),
        (pack("SO-9999", &c1, BOLT_EAN, 1), "no order"),
        (pack("SO-8001", &c1, BOLT_EAN, 5_012_345_000_022), "too"),
    ] {
        let e = a.store.pack(&req, &a.ctx).unwrap_err().to_string();
        assert!(e.contains(why), "{e} should say {why:?}");
    }
    assert_eq!(a.store.pending_count().unwrap(), pending);

    // Offline, two packers fill SO-8001: 6 on A, 6 on B (each sees 10 picked, 0 packed).
    a.store
        .pack(&pack("SO-8001", &c1, BOLT_EAN, 6), &a.ctx)
        .unwrap();
    b.store
        .pack(&pack("SO-8001", &c2, BOLT_EAN, 6), &b.ctx)
        .unwrap();
    // A's carton is SO-8001's now: SO-8002's goods may not go in.
    let e = a
        .store
        .pack(&pack("SO-8002", &c1, BOLT_EAN, 1), &a.ctx)
        .unwrap_err()
        .to_string();
    assert!(e.contains("holds order SO-8001"), "{e}");
    // Either sync order: the second to arrive takes the order past 10.
    let a_first = backend == Backend::Sqlite;
    if a_first {
        a.sync();
        b.sync();
    } else {
        b.sync();
        a.sync();
    }
    a.sync();
    let mismatches: Vec<String> = server
        .exceptions()
        .into_iter()
        .filter(|(k, _)| k == "pack_mismatch")
        .map(|(_, m)| m)
        .collect();
    assert_eq!(mismatches.len(), 1, "{mismatches:?}");
    let late = if a_first { &c2 } else { &c1 };
    assert!(
        mismatches[0].contains("12 packed in all against 10 ordered on order SO-8001")
            && mismatches[0].contains(late.as_str()),
        "{mismatches:?}"
    );

    // Shipping: only closed cartons, each once, and only cartons this tablet knows.
    let e = ship(&mut a, &[&c1]).unwrap_err();
    assert!(e.contains("still open"), "{e}");
    let e = ship(&mut a, &["106141411234567897"]).unwrap_err();
    assert!(e.contains("not known on this tablet"), "{e}");
    close(&mut a, &c1, Some(12_500));
    close(&mut a, &c2, None);
    let bolt = a.store.item(a.store.find_item(BOLT).unwrap()).unwrap();
    ship(&mut a, &[&c1, &c2]).unwrap();
    let e = ship(&mut a, &[&c1]).unwrap_err();
    assert!(e.contains("shipped already"), "{e}");
    let e = a
        .store
        .pack(&pack("SO-8001", &c1, BOLT_EAN, 1), &a.ctx)
        .unwrap_err()
        .to_string();
    assert!(e.contains("has shipped"), "{e}");
    a.sync();
    let s1 = order_status(&sup, "SO-8001");
    assert_eq!(
        (s1["status"].as_str(), s1["shipped"].as_i64()),
        (Some("shipped"), Some(12)),
        "{s1}"
    );

    // The shipment and its documents.
    let shipments = sup.json("/v1/supervisor/shipments?warehouse=WH1");
    let first = &shipments[0];
    assert_eq!(first["carrier"], "DHL");
    assert_eq!(first["reference"], "Route 7");
    let mut cartons: Vec<String> = first["cartons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    cartons.sort();
    let mut expected = vec![c1.clone(), c2.clone()];
    expected.sort();
    assert_eq!(cartons, expected);
    let computed = bolt.weight_g.unwrap() * 6;
    assert_eq!(first["weight_g"].as_i64(), Some(12_500 + computed));
    let id = first["id"].as_str().unwrap();
    let slip = sup.get(&format!("/v1/supervisor/shipments/{id}/packing-slip"));
    assert_eq!(slip.headers()["content-type"], "application/pdf");
    let slip = String::from_utf8_lossy(&slip.bytes().unwrap()).to_string();
    assert!(slip.starts_with("%PDF-"));
    assert!(slip.contains("(2 cartons, 12 units"), "the totals line");
    for c in [&c1, &c2] {
        assert!(slip.contains(c.as_str()), "carton {c} on the slip");
    }
    assert!(slip.contains("ACME"));
    let zpl = sup
        .get(&format!("/v1/supervisor/cartons/{c1}/label?format=zpl"))
        .text()
        .unwrap();
    assert!(zpl.contains(&format!("^FD>;>800{c1}^FS")), "{zpl}");
    assert!(zpl.contains("WEIGHT 12.500 kg") && zpl.contains("TO ACME"));
    let svg = sup
        .get(&format!("/v1/supervisor/cartons/{c2}/label"))
        .text()
        .unwrap();
    assert!(svg.contains(&format!("(00) {c2}")) && svg.contains("HAR-00001 x 6"));
    let pdf = sup.get(&format!("/v1/supervisor/cartons/{c2}/label?format=pdf"));
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert_eq!(
        sup.get("/v1/supervisor/cartons/106141411234567897/label")
            .status(),
        404
    );
    assert_eq!(
        sup.get(&format!("/v1/supervisor/cartons/{c1}/label?format=png"))
            .status(),
        400
    );
    // Printing: to a configured printer only.
    let r = sup.post(
        &format!("/v1/supervisor/cartons/{c1}/print"),
        serde_json::json!({ "printer": "office" }),
    );
    assert_eq!(r.status(), 422);
    assert!(r.text().unwrap().contains("pack-1"));
    let r = sup.post(
        &format!("/v1/supervisor/cartons/{c1}/print"),
        serde_json::json!({ "printer": "pack-1" }),
    );
    assert_eq!(r.status(), 204);
    assert_eq!(
        printed.join().unwrap(),
        zpl,
        "the printer got the label's ZPL"
    );

    // SO-8002: picked short (6 of 10), packed, shipped: 4 on backorder, still open for picking.
    pick(&mut a, "SO-8002", 6);
    a.store
        .pack(
            &PackRequest {
                order: "SO-8002".into(),
                carton: c1b.clone(),
                all_picked: true,
                ..Default::default()
            },
            &a.ctx,
        )
        .unwrap();
    close(&mut a, &c1b, Some(3_000));
    ship(&mut a, &[&c1b]).unwrap();
    a.sync();
    let s2 = order_status(&sup, "SO-8002");
    assert_eq!(
        (
            s2["status"].as_str(),
            s2["shipped"].as_i64(),
            s2["backorder"].as_i64()
        ),
        (Some("part_shipped"), Some(6), Some(4)),
        "{s2}"
    );
    let open = a.tasks_of("SO-8002");
    assert_eq!(open.iter().map(|t| t.qty).sum::<i64>(), 4, "{open:?}");
    let allocated = sup.json("/v1/supervisor/allocation?warehouse=WH1");
    let line = allocated
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["order"] == "SO-8002")
        .unwrap();
    assert_eq!(line["open"], 4);
    // The backorder is picked, packed and ships on its own shipment.
    pick(&mut a, "SO-8002", 4);
    let c3 = a.store.new_carton().unwrap();
    a.store
        .pack(&pack("SO-8002", &c3, BOLT_EAN, 4), &a.ctx)
        .unwrap();
    close(&mut a, &c3, Some(2_000));
    ship(&mut a, &[&c3]).unwrap();
    a.sync();
    let s2 = order_status(&sup, "SO-8002");
    assert_eq!(
        (s2["status"].as_str(), s2["backorder"].as_i64()),
        (Some("shipped"), Some(0)),
        "{s2}"
    );
    assert_eq!(
        sup.json("/v1/supervisor/shipments?warehouse=WH1")
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // A return against a carton's label counts against its order: 4 of SO-8002's 10.
    b.sync();
    b.store
        .return_goods(
            &ReturnRequest {
                order: c3.clone(),
                location: "LOC:WH1:QA-01".into(),
                item: BOLT_EAN.into(),
                qty: Some(4),
                disposition: "quarantine".into(),
                ..Default::default()
            },
            &b.ctx,
        )
        .unwrap();
    b.sync();
    let returns = sup.json("/v1/supervisor/returns?warehouse=WH1");
    assert_eq!(returns[0]["order"], "SO-8002");
    assert_eq!(returns[0]["mismatch"], false);
    assert!(
        !server
            .exceptions()
            .iter()
            .any(|(k, _)| k == "return_mismatch"),
        "within what shipped"
    );
}

aisle_e2e::on_both!(a_sync_goes_on_when_the_server_has_no_carton_numbers_left);
/// Every serial reference of the prefix handed out (a block for the first tablet, then the rest
/// of the space written into the server's book of blocks): the next tablet gets none. Its sync
/// still pushes and pulls, succeeds, and says why it has no carton numbers (before, every sync
/// of that tablet failed after its work had gone through).
fn a_sync_goes_on_when_the_server_has_no_carton_numbers_left(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("aisle.toml");
    std::fs::write(
        &config,
        "gs1_company_prefix = \"0614141123\"\nsscc_extension = 3\n",
    )
    .unwrap();
    let db = match backend {
        Backend::Sqlite => dir.path().join("server.db"),
        Backend::Postgres => std::path::PathBuf::from(aisle_testdb::fresh_database()),
    };
    drop(Server::with_demo_at(db.clone(), 20));
    let server = Server::start(db.clone(), &["--config", config.to_str().unwrap()]);
    let first = Device::enrolled(dir.path(), &server, "FIRST", &server.url);
    assert_eq!(first.store.sscc_left().unwrap(), 1_000);
    let owner = first.store.device().unwrap().device_id.to_string();
    let conn: Box<dyn Db> = match backend {
        Backend::Sqlite => Box::new(rusqlite::Connection::open(&db).unwrap()),
        Backend::Postgres => Box::new(PgConn::connect(db.to_str().unwrap()).unwrap()),
    };
    // A 10-digit prefix leaves six digits: serials 1,000 to 999,999 are the rest of the space.
    conn.exec(
        "INSERT INTO sscc_blocks (first_serial, count, prefix, extension, device_id, at) VALUES (1000, 999000, '0614141123', 3, ?1, '2026-12-03T00:00:00Z')",
        aisle_ledger::args![owner],
    )
    .unwrap();
    let mut late = Device::enrolled(dir.path(), &server, "LATE", &server.url);
    assert_eq!(late.store.sscc_left().unwrap(), 0);
    late.receive_units(3);
    let report = late.sync();
    assert_eq!((report.pushed, report.pending), (3, 0), "{report:?}");
    assert!(
        report.warnings.iter().any(|w| {
            w.text.contains("no new carton numbers")
                && w.text.contains("every SSCC serial reference")
        }),
        "{report:?}"
    );
    assert!(late.store.new_carton().is_err(), "no numbers, no carton");
}
