//! The supervisor web pages in headless Chromium against a real server: sign in, resolve an
//! exception raised by a device's count, turn a reorder suggestion into a purchase order that
//! the device then downloads, see a top-up task a pick raised, send a count to the device and
//! reject its result. Screenshots go to `aisle_e2e::screenshots_dir()`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_device::work::{CountRequest, ReceiveRequest, ReturnRequest};
use aisle_e2e::app::Browser;
use aisle_e2e::{Backend, Device, Server, quick};

/// On SQLite, then on PostgreSQL: one after the other, so that two browsers never share the
/// machine (the screenshots are the PostgreSQL run's, the same pages).
#[test]
fn a_supervisor_resolves_an_exception_and_orders_what_is_short() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        eprintln!("the supervisor's pages on {backend:?}");
        supervisor_day(backend);
    }
}

fn supervisor_day(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo_on(backend, dir.path(), 40);
    server.set_operator("SUP2", true);
    let mut device = Device::enrolled(dir.path(), &server, "T1", &server.url);

    // A blind count that finds nothing where the books say there is stock: an exception.
    let item = device.store.find_item("HAR-00001").unwrap();
    let bin = device
        .store
        .stock_of_item(item)
        .unwrap()
        .into_iter()
        .find(|l| l.location.starts_with("A-"))
        .unwrap();
    let req = CountRequest {
        location: format!("LOC:WH1:{}", bin.location),
        item: "5012345000015".into(),
        counted: 0,
        blind: true,
        ..Default::default()
    };
    device.store.count(&req, &device.ctx).unwrap();
    // SO-5002 picked in full, following the device's own pick list.
    let tasks = device.tasks_of("SO-5002");
    assert!(!tasks.is_empty());
    for t in &tasks {
        let item = device.store.item(t.item_id).unwrap();
        let pick = aisle_device::work::PickRequest {
            location: t.location_barcode.clone(),
            item: item.barcodes[0].clone(),
            qty: Some(t.qty),
            pack: Some(aisle_domain::master::PackKind::Each),
            requested: Some(t.qty),
            order_line: Some(t.order_line),
            ..Default::default()
        };
        device.store.pick(&pick, &device.ctx).unwrap();
    }
    // SO-5001's first line picked one short (damaged goods): the supervisor will decide.
    let first = device
        .store
        .pick_list()
        .unwrap()
        .tasks
        .into_iter()
        .find(|t| t.order == "SO-5001" && t.line == 1 && t.qty > 1)
        .expect("SO-5001/1 on the pick list");
    let item = device.store.item(first.item_id).unwrap();
    let short = aisle_device::work::PickRequest {
        location: first.location_barcode.clone(),
        item: item.barcodes[0].clone(),
        qty: Some(first.qty - 1),
        pack: Some(aisle_domain::master::PackKind::Each),
        requested: Some(first.qty),
        short_reason: Some("damaged".into()),
        order_line: Some(first.order_line),
        ..Default::default()
    };
    device.store.pick(&short, &device.ctx).unwrap();
    // A pick that leaves a pick face low: its top-up goes to the devices by itself.
    let (face, face_barcode) = aisle_e2e::face_with_reserve(&mut device);
    let pick = aisle_device::work::PickRequest {
        location: format!("LOC:WH1:{}", face.location),
        item: face_barcode,
        qty: Some(face.qty - 1),
        pack: Some(aisle_domain::master::PackKind::Each),
        ..Default::default()
    };
    device.store.pick(&pick, &device.ctx).unwrap();
    // The tablet syncs as the app does, holding two orders.
    let claim = aisle_device::sync::SyncOptions {
        claim: Some(aisle_proto::ClaimRequest {
            orders: 2,
            tasks: 0,
        }),
        ..aisle_e2e::quick()
    };
    // SUP2 stops being a supervisor; the tablet has not heard and lets her adjust: the server
    // holds that adjustment for a supervisor.
    server.set_operator("SUP2", false);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let adjust = aisle_device::work::AdjustRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: "5012345000015".into(),
        qty: 5,
        reason: "found".into(),
        ..Default::default()
    };
    device
        .store
        .adjust(&adjust, &aisle_device::OpContext::new("SUP2"))
        .unwrap();
    device.store.sync(claim, &mut |_| {}).unwrap();
    // An item that is short by its policy.
    server.admin(&[
        "policy",
        "--warehouse",
        "WH1",
        "--sku",
        "HAR-00002",
        "--reorder-point",
        "1000",
        "--order-qty",
        "100",
    ]);
    // Its preferred supplier sells it in packs of 300 and delivers in five days.
    let sheet = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        server.admin(&[
            "import",
            name.trim_end_matches(".csv"),
            path.to_str().unwrap(),
        ]);
    };
    sheet(
        "suppliers.csv",
        "code,name,lead_time_days\nACME,Acme Tools,5\n",
    );
    sheet(
        "supplier-items.csv",
        "supplier,sku,price,currency,min_order_qty,pack_multiple\nACME,HAR-00002,0.75,EUR,1,300\n",
    );
    sheet(
        "item-warehouses.csv",
        "warehouse,sku,stocked,preferred_supplier\nWH1,HAR-00002,yes,ACME\n",
    );

    let web = Browser::chromium(&dir.path().join("chromium"), &aisle_e2e::screenshots_dir());
    web.goto(&format!("{}/", server.url));

    // Only a supervisor with the right PIN gets in.
    web.fill("badge", "SUP1");
    web.fill("pin", "9999");
    web.tap("signin");
    web.wait_text("message", "a refusal", |t| t.contains("wrong badge or PIN"));
    web.fill("pin", "4321");
    web.tap("signin");
    web.wait_text("message", "signed in", |t| {
        t.contains("Signed in: Sam Carter")
    });

    // The exception queue shows the count; accept the books after a recount.
    let row = web.wait_text("exception", "the count variance", |t| {
        t.contains("count variance") && t.contains("counted 0")
    });
    assert!(row.contains(&bin.location), "{row}");
    // Filtered by kind, the queue shows the held adjustment alone; the filter is in the address.
    web.choose("filter-kind", "unauthorized");
    web.wait_text("exceptions-shown", "one of the two", |t| {
        t.starts_with("1 shown of 2 open (WH1)")
    });
    assert!(web.text("exception").contains("SUP2"));
    web.choose("filter-kind", "");
    web.wait_text("exceptions-shown", "both again", |t| {
        t.starts_with("2 shown of 2 open (WH1)")
    });
    // The warehouse selector: WH2 has none of them.
    web.choose("warehouse", "WH2");
    web.wait_text("exceptions-shown", "WH2's queue", |t| {
        t.starts_with("0 shown of 2 open (WH2)")
    });
    web.choose("warehouse", "WH1");
    web.wait_text("exceptions-shown", "WH1's queue", |t| {
        t.starts_with("2 shown of 2 open (WH1)")
    });
    // Grouped by operator: the counter's variance and the held adjustment apart; filtered to the
    // counted bin, the variance alone.
    web.choose("group-by", "operator");
    web.wait_text("group-OP-T1", "the counter's group", |t| {
        t.contains("OP-T1 · 1")
    });
    web.wait_text("group-SUP2", "the adjuster's group", |t| {
        t.contains("SUP2 · 1")
    });
    web.choose("filter-location", &bin.location);
    web.wait_text("exceptions-shown", "the bin's exception", |t| {
        t.starts_with("1 shown of 2 open (WH1)")
    });
    assert!(web.text("exception").contains("count variance"));
    web.screenshot("web-exceptions-grouped");
    web.choose("filter-location", "");
    web.choose("group-by", "kind");
    web.wait_text("exceptions-shown", "both again", |t| {
        t.starts_with("2 shown of 2 open (WH1)")
    });
    web.screenshot("web-exceptions");
    web.tap("accept");
    web.wait_text("message", "resolved", |t| t.starts_with("Resolved:"));
    // The held adjustment: the supervisor vouches for it, and it is applied.
    let held = web.wait_text("exception", "the held adjustment", |t| {
        t.contains("unauthorized") && t.contains("SUP2 is not a supervisor")
    });
    assert!(held.contains("Release"), "{held}");
    let before: i64 = server
        .stock("WH1")
        .iter()
        .filter(|(k, _)| k.starts_with("RCV-01|HAR-00001|"))
        .map(|(_, q)| q)
        .sum();
    web.tap("release-held");
    web.wait_text("message", "released", |t| {
        t.contains("SUP2 is not a supervisor")
    });
    let after: i64 = server
        .stock("WH1")
        .iter()
        .filter(|(k, _)| k.starts_with("RCV-01|HAR-00001|"))
        .map(|(_, q)| q)
        .sum();
    assert_eq!(after, before + 5, "the released adjustment is applied");
    web.wait_text("no-exceptions", "an empty queue", |t| {
        t.contains("Nothing waits")
    });
    let exported = server.export("exceptions");
    let x = exported.iter().find(|r| &r[1] == "count_variance").unwrap();
    assert_eq!(&x[2], "resolved", "{x:?}");
    assert!(x[8].contains("SUP1"), "who decided is recorded: {x:?}");

    // Reorder: HAR-00002 is suggested; raising the order makes a purchase order.
    web.tap("nav-replenishment");
    let line = web.wait_text("suggestion-HAR-00002", "HAR-00002", |t| {
        t.contains("HAR-00002")
    });
    assert!(line.contains("reorder point 1,000"), "{line}");
    assert!(
        line.contains("smallest error") || line.contains("too few"),
        "{line}"
    );
    assert!(
        line.contains("ACME (5 days, packs of 300, 0.75 EUR)"),
        "{line}"
    );
    let moves = web.wait_text("move-tasks", "the top-up task", |t| t.contains(&face.sku));
    assert!(
        moves.contains(&format!("{} → {}", aisle_e2e::RESERVE, face.location)),
        "{moves}"
    );
    web.screenshot("web-reorder");
    web.tap("raise-po");
    let said = web.wait_text("message", "a purchase order", |t| {
        t.contains("Purchase order PO-")
    });
    // One order per supplier: HAR-00002's is ACME's, expected in five days.
    let expected = (chrono::Utc::now().date_naive() + chrono::Days::new(5)).to_string();
    let acme = said
        .split("; ")
        .find(|o| o.contains("from ACME"))
        .unwrap_or_else(|| panic!("no order from ACME: {said}"));
    assert!(acme.contains(&format!("expected {expected}")), "{said}");
    let po = acme
        .split_whitespace()
        .find(|w| w.starts_with("PO-"))
        .unwrap()
        .to_string();
    let listed = web.wait_text("purchase-orders", "the order in the list", |t| {
        t.contains(&po)
    });
    assert!(
        listed
            .lines()
            .any(|l| l.contains(&po) && l.contains("ACME") && l.contains(&expected)),
        "{listed}"
    );

    // A lot that expired yesterday, received at the dock: never allocated, listed as expired.
    let paint = device.store.item_by_sku("PAI-00005").unwrap().unwrap();
    let yesterday = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    let label = format!(
        "]C101{}\u{1d}10L-OLD\u{1d}17{}",
        paint.barcodes[0],
        yesterday.format("%y%m%d")
    );
    let dock = ReceiveRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: label,
        qty: Some(4),
        ..Default::default()
    };
    device.store.receive(&dock, &device.ctx).unwrap();

    // The device downloads it as expected goods.
    device.sync();
    let work = device.store.receiving_work().unwrap();
    assert!(
        work.iter()
            .any(|l| l.receipt == po && l.sku == "HAR-00002" && l.expected % 300 == 0),
        "{po} reached the device: {work:?}"
    );

    // Expired stock goes to quarantine in one action; the device's stock follows.
    web.tap("nav-stock");
    let listed = web.wait_text("expiring", "the expired lot", |t| t.contains("L-OLD"));
    assert!(
        listed.contains("(expired)") && listed.contains("RCV-01"),
        "{listed}"
    );
    web.tap("quarantine-expired");
    web.wait_text("message", "the quarantine", |t| {
        t.contains("1 expired stock line(s) moved to quarantine")
    });
    let listed = web.wait_text("expiring", "the lot in quarantine", |t| {
        t.contains("QA-01 (quarantine)")
    });
    assert!(!listed.contains("RCV-01"), "{listed}");
    device.sync();
    let held: Vec<_> = device
        .store
        .stock_of_item(paint.id)
        .unwrap()
        .into_iter()
        .filter(|l| l.lot.as_deref() == Some("L-OLD"))
        .map(|l| (l.location, l.qty))
        .collect();
    assert_eq!(held, vec![("QA-01".to_string(), 4)]);

    // Stock search, then the item page with its demand chart.
    web.tap("nav-stock");
    web.find_testid("expiring");
    let value = web.wait_text("valuation-total", "the stock value", |t| {
        t.contains("EUR at unit cost")
    });
    assert!(value.contains("stocked item(s)"), "{value}");
    web.fill("stock-q", "HAR-00001");
    web.tap("stock-search");
    let hit = web.wait_text("hit-HAR-00001", "the bolt", |t| t.contains("Hex bolt"));
    assert!(hit.contains("WH1:"), "{hit}");
    web.tap("item-link-HAR-00001");
    web.wait_text("item-title", "the item page", |t| {
        t.starts_with("HAR-00001")
    });
    web.find_testid("demand-chart");
    let why = web.wait_text("forecast-reason", "the forecast's reason", |t| {
        t.contains("MASE")
    });
    assert!(why.contains("95% interval"), "{why}");
    // The device's count is the latest movement, with who did it, on which device, by which scans.
    let moves = web.wait_text("movements", "the count", |t| t.contains("count"));
    assert!(
        moves.contains("OP-T1") && moves.contains("T1") && moves.contains("5012345000015"),
        "{moves}"
    );
    let position = web.text("item-position");
    assert!(
        position.contains("allocated to open orders") && position.contains("on order"),
        "{position}"
    );
    web.screenshot("web-item");

    // The bin of the count: what it holds, and what happened there.
    web.tap(&format!("location-link-{}", bin.location));
    web.wait_text("location-title", "the location page", |t| {
        t.starts_with(&bin.location)
    });
    let here = web.wait_text("movements", "the count at the bin", |t| t.contains("count"));
    assert!(
        here.contains("HAR-00001") && here.contains("OP-T1"),
        "{here}"
    );

    // A lot number finds that lot wherever it is.
    let lot = server
        .export("stock")
        .into_iter()
        .find(|r| &r[0] == "WH1" && !r[3].is_empty())
        .unwrap();
    web.tap("nav-stock");
    web.find_testid("expiring");
    web.fill("stock-q", &lot[3]);
    web.tap("stock-search");
    let lots = web.wait_text("lot-stock", "the lot's stock", |t| t.contains(&lot[1]));
    assert!(lots.contains(&lot[2]), "{lots}");

    // Orders: the picked one is confirmed packed, then shipped; open ones show their stock.
    web.tap("nav-orders");
    web.wait_text("orderstate-SO-5002", "a picked order", |t| {
        t.contains("picked")
    });
    web.tap("pack-SO-5002");
    web.wait_text("message", "packed", |t| {
        t.contains("Order SO-5002 is packed")
    });
    web.fill("carrier-SO-5002", "DHL");
    web.fill("tracking-SO-5002", "JD014600003");
    web.tap("ship-SO-5002");
    web.wait_text("message", "shipped", |t| {
        t.contains("Order SO-5002 is shipped")
    });
    let shipped = web.wait_text("orderstate-SO-5002", "the tracking number", |t| {
        t.contains("JD014600003")
    });
    assert!(shipped.contains("shipped"), "{shipped}");
    // SO-5001 was picked short and its lines are the tablet's: back-order the rest.
    let held = web.wait_text("leases", "the tablet's work", |t| t.contains("SO-5001/1"));
    assert!(held.contains("T1"), "{held}");
    web.tap("backorder-SO-5001");
    web.wait_text("message", "the backorder", |t| {
        t.contains("the rest is backorder SO-5001-BO1")
    });
    // (Wait for the refreshed row: the old one says "Ship what was picked" on its button.)
    let settled = web.wait_text("orderstate-SO-5001", "the settled order", |t| {
        t.contains("cut)")
    });
    assert!(
        settled.contains("25 cut") || settled.contains(" cut)"),
        "{settled}"
    );
    assert!(
        settled.contains("Confirm packed"),
        "now it can be packed: {settled}"
    );
    let order = web.wait_text("order-SO-5001-BO1-1", "the backorder's first line", |t| {
        t.contains("SO-5001-BO1/1")
    });
    assert!(order.contains(" from "), "allocated to a location: {order}");
    // The backorder goes into a wave, held; released, the tablet takes it first at its sync,
    // and the supervisor gives one of its lines to the other tablet.
    let mut other = Device::enrolled(dir.path(), &server, "T2", &server.url);
    web.tap("wave-pick-SO-5001-BO1");
    web.tap("make-wave");
    web.wait_text("message", "the wave", |t| {
        t.contains("W-1 holds SO-5001-BO1")
    });
    web.wait_text("wave-W-1", "the held wave", |t| t.contains("held"));
    web.tap("release-W-1");
    web.wait_text("message", "the release", |t| t.contains("W-1 is released"));
    device.store.sync(claim, &mut |_| {}).unwrap();
    web.tap("nav-replenishment");
    web.tap("nav-orders");
    let held = web.wait_text("leases", "the backorder's lease", |t| {
        t.contains("SO-5001-BO1/1")
    });
    assert!(held.contains("T1"), "{held}");
    web.screenshot("web-orders");
    web.tap("give-SO-5001-BO1/1");
    web.wait_text("message", "the reassignment", |t| {
        t.contains("SO-5001-BO1/1 now belongs to T2")
    });
    other.sync();
    let mine: Vec<String> = other
        .store
        .pick_list()
        .unwrap()
        .tasks
        .iter()
        .map(|t| format!("{}/{}", t.order, t.line))
        .collect();
    assert!(mine.contains(&"SO-5001-BO1/1".to_string()), "{mine:?}");

    // The cycle-count plan: the bolt was counted today, so it is not due again yet.
    web.tap("nav-counts");
    let bolt = web.wait_text("count-HAR-00001", "the bolt's plan", |t| {
        t.contains("HAR-00001")
    });
    let today = chrono::Utc::now().date_naive().to_string();
    assert!(bolt.contains(&today) && !bolt.contains("due ("), "{bolt}");
    web.wait_text("counts-summary", "the plan's summary", |t| {
        t.contains("every 30 days")
    });
    web.find_testid("no-approvals");
    // Count tasks for an item go to the device; its count comes back far off, and the
    // supervisor rejects it: the books return to what they were.
    web.tap(&format!("count-now-{}", face.sku));
    web.wait_text("message", "count tasks sent", |t| {
        t.contains("count task(s) sent to the devices")
    });
    web.wait_text("count-tasks", "the count task", |t| t.contains(&face.sku));
    device.sync();
    let task = device
        .store
        .task_list()
        .unwrap()
        .into_iter()
        .find(|t| t.sku == face.sku && t.target.code == aisle_e2e::RESERVE)
        .unwrap();
    let before = server.stock("WH1");
    let req = CountRequest {
        location: task.target.barcode.clone(),
        item: device.store.item(task.item_id()).unwrap().barcodes[0].clone(),
        counted: 0,
        blind: true,
        task: Some(task.task.id),
        ..Default::default()
    };
    device.store.count(&req, &device.ctx).unwrap();
    device.sync();
    // The queue has it, and so does the Counts page.
    web.tap("nav-exceptions");
    web.wait_text("exception", "the count variance", |t| {
        t.contains("counted 0")
    });
    web.tap("nav-counts");
    let approval = web.wait_text("approval", "the count awaiting approval", |t| {
        t.contains("counted 0")
    });
    assert!(approval.contains(&task.target.code), "{approval}");
    web.screenshot("web-counts");
    web.tap("reject");
    web.wait_text("message", "rejected", |t| t.starts_with("Rejected"));
    web.find_testid("no-approvals");
    assert_eq!(
        server.stock("WH1"),
        before,
        "the books are as before the count"
    );

    // A customer return against an order that never shipped, quarantined on the device: listed
    // on the Stock page as a mismatch; once inspected, released to a shelf, and the device follows.
    let bolts_at = |d: &Device, code: &str| d.held("HAR-00001", code);
    let shelf = bolts_at(&device, "A-01-01-1");
    let back = ReturnRequest {
        order: "SO-4242".into(),
        location: "LOC:WH1:QA-01".into(),
        item: "5012345000015".into(),
        qty: Some(2),
        disposition: "quarantine".into(),
        reason: Some("box crushed".into()),
        ..Default::default()
    };
    device.store.return_goods(&back, &device.ctx).unwrap();
    device.sync();
    web.tap("nav-replenishment");
    web.tap("nav-stock");
    let listed = web.wait_text("returns", "the return", |t| t.contains("SO-4242"));
    assert!(
        listed.contains("quarantine at QA-01") && listed.contains("more than the order shipped"),
        "{listed}"
    );
    web.screenshot("web-returns");
    web.fill("release-to", "A-01-01-1");
    web.tap("release");
    web.wait_text("message", "the release", |t| {
        t.contains("released from QA-01 to A-01-01-1")
    });
    device.sync();
    assert_eq!(bolts_at(&device, "QA-01"), 0);
    assert_eq!(bolts_at(&device, "A-01-01-1"), shelf + 2);

    // A transfer to WH2 from the Orders page: the tablet picks it, the page ships it, the stock
    // search shows it in transit, and WH2's page closes it short (nothing was received there).
    web.tap("nav-orders");
    web.fill("transfer-to", "WH2");
    web.fill("transfer-sku", "HAR-00003");
    web.fill("transfer-qty", "3");
    web.tap("transfer-create");
    let said = web.wait_text("message", "the transfer", |t| t.contains("Transfer TR-"));
    let tr = said
        .split_whitespace()
        .find(|w| w.starts_with("TR-"))
        .unwrap()
        .to_string();
    web.wait_text(&format!("transfer-{tr}"), "the open transfer", |t| {
        t.contains("WH1 → WH2") && t.contains("open")
    });
    // The tablet takes more work, as its sync timer does.
    let more = aisle_device::sync::SyncOptions {
        claim: Some(aisle_proto::ClaimRequest {
            orders: 10,
            tasks: 0,
        }),
        ..aisle_e2e::quick()
    };
    device.store.sync(more, &mut |_| {}).unwrap();
    let tasks = device.tasks_of(&tr);
    assert_eq!(tasks.len(), 1, "the tablet picks the transfer");
    let item = device.store.item(tasks[0].item_id).unwrap();
    let pick = aisle_device::work::PickRequest {
        location: tasks[0].location_barcode.clone(),
        item: item.barcodes[0].clone(),
        qty: Some(tasks[0].qty),
        order_line: Some(tasks[0].order_line),
        ..Default::default()
    };
    device.store.pick(&pick, &device.ctx).unwrap();
    device.sync();
    web.tap("nav-stock");
    web.tap("nav-orders");
    web.tap(&format!("pack-{tr}"));
    web.wait_text("message", "packed", |t| {
        t.contains(&format!("Order {tr} is packed"))
    });
    web.fill(&format!("carrier-{tr}"), "own truck");
    web.fill(&format!("tracking-{tr}"), "TRUCK-7");
    web.tap(&format!("ship-{tr}"));
    web.wait_text("message", "shipped", |t| {
        t.contains(&format!("Order {tr} is shipped"))
    });
    web.tap("nav-stock");
    web.fill("stock-q", "HAR-00003");
    web.tap("stock-search");
    web.wait_text("hit-HAR-00003", "the goods in transit", |t| {
        t.contains("in transit to WH2: 3")
    });
    web.goto(&format!("{}/#/orders?warehouse=WH2", server.url));
    web.tap(&format!("close-{tr}"));
    web.wait_text("message", "the short close", |t| {
        t.contains("closed short (HAR-00003 0 of 3)")
    });
    web.screenshot("web-transfers");

    // The tablet packs an order into a carton and ships it: the Orders page lists the shipment,
    // shows the carton's label, and refuses a printer the server does not know.
    let orders = dir.path().join("ship.csv");
    std::fs::write(
        &orders,
        "order,line,warehouse,sku,qty,customer\nSO-6001,1,WH1,HAR-00001,2,ACME\n",
    )
    .unwrap();
    server.admin(&["import", "orders", orders.to_str().unwrap()]);
    device.store.sync(more, &mut |_| {}).unwrap();
    let task = device.tasks_of("SO-6001").remove(0);
    let item = device.store.item(task.item_id).unwrap();
    let pick = aisle_device::work::PickRequest {
        location: task.location_barcode.clone(),
        item: item.barcodes[0].clone(),
        qty: Some(task.qty),
        order_line: Some(task.order_line),
        ..Default::default()
    };
    device.store.pick(&pick, &device.ctx).unwrap();
    let carton = device.store.new_carton().unwrap();
    let pack = aisle_device::packing::PackRequest {
        order: "SO-6001".into(),
        carton: carton.clone(),
        all_picked: true,
        ..Default::default()
    };
    device.store.pack(&pack, &device.ctx).unwrap();
    let close = aisle_device::packing::CloseRequest {
        carton: carton.clone(),
        weight_g: Some(1_200),
    };
    device.store.close_carton(&close, &device.ctx).unwrap();
    let ship = aisle_device::packing::ShipRequest {
        carrier: "DHL".into(),
        reference: Some("Route 7".into()),
        cartons: vec![carton.clone()],
    };
    device.store.ship(&ship, &device.ctx).unwrap();
    device.sync();
    web.goto(&format!("{}/#/orders?warehouse=WH1", server.url));
    web.wait_text("shipments", "the shipment", |t| {
        t.contains("DHL (Route 7)") && t.contains("SO-6001") && t.contains("1.200 kg")
    });
    web.wait_text("orderstate-SO-6001", "shipped in cartons", |t| {
        t.contains("shipped") && t.contains("in cartons (see Shipments)") && !t.contains("null")
    });
    web.tap(&format!("carton-{carton}"));
    web.find_testid("print-label");
    web.fill("printer-name", "office");
    web.tap("print-label");
    web.wait_text("message", "the unknown printer", |t| {
        t.contains("no printer \"office\" is configured")
    });
    web.screenshot("web-shipments");

    // Devices page, and signing out ends the session.
    web.tap("nav-devices");
    let device_row = web.wait_text("device", "the tablet", |t| t.contains("T1"));
    assert!(device_row.contains("WH1"), "{device_row}");
    assert_eq!(web.text("waiting"), "0", "everything recorded was synced");

    // Whatever is still open anywhere is accepted in one go.
    web.goto(&format!("{}/#/exceptions?all=1", server.url));
    let shown = web.wait_text("exceptions-shown", "the open exceptions", |t| {
        t.contains("(all warehouses)")
    });
    let open: usize = shown
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{shown}"));
    assert!(open >= 1, "something is still open here: {shown}");
    web.tap("pick-all");
    web.tap("accept-picked");
    web.wait_text("message", "the bulk acceptance", |t| {
        t == format!("{open} accepted")
    });
    web.wait_text("no-exceptions", "an empty queue", |t| {
        t.contains("Nothing waits")
    });
    let exported = server.export("exceptions");
    assert!(exported.iter().all(|r| &r[2] == "resolved"), "{exported:?}");
    web.tap("nav-devices");
    web.wait_text("device", "the tablet", |t| t.contains("T1"));

    // Operators from the pages: a new picker, then a new PIN for her. The tablet signs her in
    // after its next sync, with the new PIN only.
    web.tap("nav-operators");
    web.fill("new-operator-badge", "NEW5");
    web.fill("new-operator-name", "Nora New");
    web.fill("new-operator-pin", "1357");
    web.tap("add-operator");
    web.wait_text("message", "the new operator", |t| {
        t.contains("NEW5 (Nora New) added")
    });
    web.wait_text("operator-NEW5", "her row", |t| t.contains("Nora New"));
    web.fill("pin-NEW5", "86420");
    web.tap("save-NEW5");
    web.wait_text("message", "the new PIN", |t| t.contains("NEW5 changed"));
    web.screenshot("web-operators");
    device.sync();
    assert!(device.store.sign_in("NEW5", "1357").is_err());
    assert_eq!(
        device.store.sign_in("NEW5", "86420").unwrap().name,
        "Nora New"
    );
    // Her supervisor sets German for her: the tablet has it after its sync (the app speaks it
    // after her sign-in unless she chose another there).
    web.choose("language-NEW5", "de");
    web.wait_text("message", "her language", |t| {
        t.contains("Language for NEW5 saved")
    });
    device.sync();
    assert_eq!(
        device
            .store
            .sign_in("NEW5", "86420")
            .unwrap()
            .language
            .as_deref(),
        Some("de")
    );
    // She leaves: disabled from the page, the tablet refuses her badge after its next sync.
    web.tap("disable-NEW5");
    web.wait_text("message", "the disabled badge", |t| {
        t.contains("NEW5 disabled")
    });
    web.wait_text("operator-NEW5", "her row", |t| t.contains("disabled since"));
    device.sync();
    let refused = device.store.sign_in("NEW5", "86420");
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.to_string().contains("is disabled")),
        "{refused:?}"
    );
    web.tap("nav-devices");
    web.wait_text("device", "the tablet", |t| t.contains("T1"));

    // The dashboard: the day's picks by operator (T1's picker picked SO-5002), exceptions per
    // day, the tablets behind, stock value in every warehouse.
    web.tap("nav-dashboard");
    web.wait_text("panel-picks", "T1's picker in the legend", |t| {
        t.contains("OP-T1")
    });
    web.wait_text("panel-behind", "T1 among the tablets", |t| t.contains("T1"));
    web.wait_text("panel-exceptions", "the exceptions chart", |t| {
        t.contains("Exceptions per day")
    });
    web.wait_text("panel-value", "a value for WH1", |t| t.contains("WH1"));
    for chart in [
        "chart-syncs",
        "chart-exceptions",
        "chart-picks",
        "chart-value",
    ] {
        web.find_testid(chart);
    }
    web.screenshot("web-dashboard");

    // A new tablet enrolled from the Devices page: its QR code and code are shown, the tablet
    // enrols with the code and syncs; revoked from the same page, it can no longer sync.
    web.tap("nav-devices");
    web.fill("enrol-name", "T9");
    web.tap("enrol");
    let code = web.wait_text("enrol-code", "the enrolment code", |t| t.len() >= 8);
    web.find_testid("enrol-qr");
    web.screenshot("web-enrol");
    // The QR code on the page, read by an independent decoder, is the enrolment with that code.
    let qr = web.run_script(
        "return document.querySelector('[data-testid=\"enrol-qr\"]').outerHTML;",
        serde_json::Value::Null,
    );
    let qr_file = dir.path().join("enrol-qr.svg");
    std::fs::write(&qr_file, qr.as_str().unwrap()).unwrap();
    let read = aisle_e2e::read_labels(std::slice::from_ref(&qr_file));
    let text = read[qr_file.to_str().unwrap()][0]["text"]
        .as_str()
        .unwrap_or_default();
    let payload = aisle_proto::EnrolmentPayload::parse(text).unwrap();
    assert_eq!(
        (payload.server.as_str(), payload.code.as_str()),
        (server.url.as_str(), code.as_str())
    );
    let mut t9 = Device::enrolled_with_code(dir.path(), "T9", &server.url, &code, "OP-T1");
    web.tap("nav-exceptions");
    web.tap("nav-devices");
    web.wait_text("revoke-T9", "T9's revoke button", |t| t == "Revoke");
    web.tap("revoke-T9");
    web.accept_dialog();
    web.wait_text("message", "the revocation", |t| t.contains("T9 is revoked"));
    // A revoked tablet cannot sync, and is told why in its operator's words.
    let refused = t9.store.sync(quick(), &mut |_| {}).unwrap_err();
    let said = refused.said();
    assert_eq!(said.key, "device.sync_refused", "{refused}");
    let Some(aisle_domain::said::Arg::Said(why)) = said.args.get("message") else {
        panic!("the server's refusal is a message of its own: {said:?}")
    };
    assert_eq!(why.key, "sync.device_revoked", "{refused}");

    // The supervisor switches to German: the header and the pages speak it, numbers are written
    // the German way, and the choice is kept for their badge in this browser.
    web.choose("language", "de");
    web.wait_text("nav-exceptions", "the German navigation", |t| {
        t == "Ausnahmen"
    });
    web.wait_text("device", "the German device row", |t| t.contains("aktiv"));
    web.screenshot("web-devices-de");
    web.goto(&format!("{}/#/dashboard", server.url));
    web.wait_text("panel-picks", "the German dashboard", |t| {
        t.contains("Entnahmen pro Stunde")
    });
    web.screenshot("web-dashboard-de");
    web.goto(&format!("{}/#/orders?warehouse=WH1", server.url));
    web.wait_text("shipments", "the shipment in German", |t| {
        t.contains("1,200 kg")
    });
    web.wait_text("orderstate-SO-6001", "versandt", |t| t.contains("versandt"));
    web.screenshot("web-orders-de");
    web.goto(&format!("{}/#/counts?warehouse=WH1", server.url));
    web.wait_text("counts-summary", "the plan in German", |t| {
        t.contains("A-Artikel")
    });
    // Tasks the server makes say why in German: it keeps each reason's catalog key and values.
    web.tap(&format!("count-now-{}", face.sku));
    let counting = web.wait_text("count-tasks", "the count task in German", |t| {
        t.contains("Inventurzählung von")
    });
    assert!(!counting.contains("cycle count of"), "{counting}");
    // So does the forecast's choice of method (the reorder page's reasons are said the same
    // way; it lists only what is to be ordered, and nothing is by now).
    web.goto(&format!(
        "{}/#/item?sku=HAR-00001&warehouse=WH1",
        server.url
    ));
    let why = web.wait_text("forecast-reason", "the forecast's reason in German", |t| {
        t.contains("Tage")
    });
    assert!(!why.contains(" days"), "{why}");
    web.goto(&format!("{}/#/counts?warehouse=WH1", server.url));
    web.find_testid("counts-summary");
    // The bin counted again, far over: the server says the new variance in German too, from the
    // catalog key and values it keeps with the exception (the English is kept beside them), the
    // count written the German way.
    let again = CountRequest {
        location: format!("LOC:WH1:{}", bin.location),
        item: "5012345000015".into(),
        counted: 1500,
        blind: true,
        ..Default::default()
    };
    device.store.count(&again, &device.ctx).unwrap();
    device.sync();
    web.goto(&format!("{}/#/exceptions", server.url));
    let row = web.wait_text("exception", "the variance in German", |t| {
        t.contains("1.500 gezählt bei") && t.contains("erwartet")
    });
    assert!(!row.contains("counted"), "{row}");

    // Every page in German on a tablet held upright (800x1280), then on its side (1280x800):
    // nothing scrolls sideways, every control is a 48 px touch target, axe finds nothing serious
    // (`TabletApp::screenshot` checks each).
    let pages = [
        ("dashboard", "chart-picks"),
        ("exceptions", "exceptions-shown"),
        ("stock", "stock-search"),
        ("item?sku=HAR-00001&warehouse=WH1", "item-stock"),
        ("orders?warehouse=WH1", "shipments"),
        ("replenishment", "move-tasks"),
        ("counts?warehouse=WH1", "counts-summary"),
        ("devices", "device"),
        ("operators", "operators"),
    ];
    for (size, suffix) in [((800, 1280), "-portrait-de"), ((1280, 800), "-de")] {
        web.resize(size.0, size.1);
        for (page, ready) in pages {
            web.goto(&format!("{}/#/{page}", server.url));
            web.find_testid(ready);
            let name = page.split(['?', '&']).next().unwrap_or(page);
            web.screenshot(&format!("web-{name}{suffix}"));
        }
    }
    // Two supervisors on one exception: another resolves it from the command line while this
    // page still shows it; accepting it here is refused, in German.
    web.goto(&format!("{}/#/exceptions", server.url));
    web.find_testid("exception");
    let open: Vec<String> = server
        .export("exceptions")
        .into_iter()
        .filter(|r| &r[2] == "open")
        .map(|r| r[0].to_string())
        .collect();
    assert_eq!(open.len(), 1, "{open:?}");
    server.admin(&["exception", "resolve", &open[0], "--by", "SUP1", "--accept"]);
    web.tap("accept");
    web.wait_text("message", "the refusal in German", |t| {
        t.contains("ist schon gelöst") && t.contains("SUP1")
    });
    web.tap("signout");
    web.find_testid("signin");
    web.wait_text("signin", "English again after signing out", |t| {
        t == "Sign in"
    });
}
