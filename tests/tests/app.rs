//! The real tablet app (Tauri, WebKitGTK) driven through WebDriver, against a real sync server:
//! enrol (claiming orders while another picker's tablet holds one), sign in, then receive, put
//! away, pick a batch of orders into totes (one line short, with the reason chosen) and count
//! with the server stopped; start it again, sync, and check the server's stock, exceptions and
//! the recount the short pick raised. Screenshots go to `aisle_e2e::screenshots_dir()`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_e2e::app::TabletApp;
use aisle_e2e::{Backend, Server, bars_bmp, bin};
use base64::prelude::{BASE64_STANDARD, Engine as _};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

const ITEMS: usize = 60;

/// The demo's scannable EAN-13 of every SKU (the demo is deterministic for its seed).
fn barcodes() -> HashMap<String, String> {
    let today = chrono::Utc::now().date_naive();
    aisle_domain::demo::generate(1, ITEMS, today)
        .items
        .into_iter()
        .map(|i| {
            let gtin = i.barcodes[0].clone();
            (i.sku, gtin.strip_prefix('0').unwrap_or(&gtin).to_string())
        })
        .collect()
}

/// A lot- and expiry-tracked demo item: its SKU and 14-digit GTIN.
fn lot_item() -> (String, String) {
    let today = chrono::Utc::now().date_naive();
    let item = aisle_domain::demo::generate(1, ITEMS, today)
        .items
        .into_iter()
        .find(|i| i.tracking == aisle_domain::master::Tracking::Lot && i.expiry_tracked)
        .expect("the demo has a lot-tracked item with expiry");
    (item.sku, format!("{:0>14}", item.barcodes[0]))
}

fn key(location: &str, sku: &str) -> String {
    format!("{location}|{sku}|||")
}

fn add(stock: &mut BTreeMap<String, i64>, k: String, qty: i64) {
    *stock.entry(k).or_insert(0) += qty;
}

/// Against a server on SQLite, then on PostgreSQL: one after the other, so that two apps never
/// share the display (the screenshots are the PostgreSQL run's, the same screens).
#[test]
fn a_shift_offline_then_sync_reaches_the_server() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        eprintln!("the app's shift against a server on {backend:?}");
        a_shift(backend);
    }
}

fn a_shift(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::with_demo_on(backend, dir.path(), ITEMS);
    let code = server.enrolment_code("WH1", "TABLET-E2E");
    let codes = barcodes();
    let bolt = "HAR-00001";
    let bolt_ean = codes[bolt].clone();
    let before = server.stock("WH1");
    let home = before
        .keys()
        .find_map(|k| {
            let mut f = k.split('|');
            let loc = f.next()?;
            (f.next() == Some(bolt) && loc.starts_with("A-")).then(|| loc.to_string())
        })
        .expect("the demo bolt has a pick face");

    // A third order (a shop's top-up of the first order's items), so that a batch is left for
    // this tablet when another picker's tablet (the CLI) already holds one order: this tablet
    // must never be sent to pick that one.
    let demo_orders =
        aisle_domain::demo::generate(1, ITEMS, chrono::Utc::now().date_naive()).orders_csv();
    let mut extra = String::from("order,line,warehouse,sku,qty,customer\n");
    for (n, row) in demo_orders.lines().skip(1).take(2).enumerate() {
        let sku = row.split(',').nth(3).unwrap();
        extra.push_str(&format!("SO-7001,{},WH1,{sku},2,Corner Shop\n", n + 1));
    }
    let extra_csv = dir.path().join("orders.csv");
    std::fs::write(&extra_csv, extra).unwrap();
    server.admin(&["import", "orders", extra_csv.to_str().unwrap()]);
    let other = dir.path().join("picker2.db");
    let cli = |args: &[&str]| {
        let out = aisle_e2e::aisle_cli(&other, args);
        assert!(
            out.status.success(),
            "aisle {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    cli(&["init", "--name", "PICKER-2"]);
    let code2 = server.enrolment_code("WH1", "PICKER-2");
    cli(&["enroll", "--server", &server.url, "--code", &code2]);
    cli(&["sync", "--orders", "1"]);
    let picks: serde_json::Value = serde_json::from_slice(&cli(&["picks", "--json"])).unwrap();
    let theirs: BTreeSet<String> = picks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["order"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(theirs.len(), 1, "{picks}");

    let t0 = std::time::Instant::now();
    let step = |what: &str| eprintln!("[{:>6.1}s] {what}", t0.elapsed().as_secs_f64());
    let app = TabletApp::start(
        &bin("aisle-app"),
        &dir.path().join("tablet.db"),
        &aisle_e2e::screenshots_dir(),
    );

    step("A new tablet asks");
    // A new tablet asks to be enrolled; the first sync brings operators, items and work.
    app.wait_text("online", "not enrolled", |t| t == "not enrolled");
    app.screenshot("enrol");
    app.fill("enrol-name", "TABLET-E2E");
    app.fill("enrol-server", &server.url);
    app.fill("enrol-code", &code);
    app.tap("do-enrol");
    app.wait_text("online", "online", |t| t == "online");
    app.find_signin();

    step("Sign in:");
    // Sign in: the badge is scanned, the PIN typed.
    app.scan("ALICE");
    app.type_slowly("pin", "1234", true);
    app.wait_text("operator", "Alice", |t| t.contains("Alice Smith"));
    app.screenshot("home");
    // The first sync claimed whole orders for this tablet, none of the other picker's.
    let held = server.admin(&["leases", "list", "--warehouse", "WH1"]);
    let ours: BTreeSet<String> = held
        .lines()
        .filter(|l| l.contains("held by TABLET-E2E"))
        .filter_map(|l| {
            l.split_whitespace()
                .nth(1)?
                .split('/')
                .next()
                .map(str::to_string)
        })
        .collect();
    assert!(ours.len() >= 2, "a batch of orders: {held}");
    assert!(ours.is_disjoint(&theirs), "{held}");

    step("The server goes away");
    // The server goes away for the rest of the shift.
    server.kill();
    app.wait_text("online", "offline", |t| t == "offline");

    step("Receive 30");
    // Receive 30 bolts against PO-1001 line 1, which expects 24: recorded, with a warning.
    app.tap("tile-receive");
    app.scan("LOC:WH1:RCV-01");
    app.feedback("Receiving at RCV-01");
    // A lot label from a scanner that sends GS as Ctrl+]: the lot ends at it and the expiry is
    // read. Cancel puts the item back, recording nothing.
    let (paint, paint_gtin) = lot_item();
    app.scan_ctrl_gs(&format!("01{paint_gtin}10LOT9\u{1d}17281231"));
    app.wait_text("receive-item", &paint, |t| t.contains(&paint));
    assert_eq!(app.value("lot"), "LOT9");
    assert_eq!(app.value("expiry"), "2028-12-31");
    // With lot and expiry on screen, Receive and Cancel are still there without scrolling.
    app.screenshot("receive-lot");
    assert!(app.in_view("do-receive") && app.in_view("cancel-item"));
    app.tap("cancel-item");
    app.feedback("Cancelled: nothing was received");
    app.scan(&bolt_ean);
    app.wait_text("receive-item", bolt, |t| t.contains(bolt));
    // The quantity has focus at once: the next keys go there.
    app.wait_focus("qty");
    // A scanner's burst split by a busy machine, its first part typed into the focused quantity
    // before the rest arrived: the whole is a scan of the bolt again, and the quantity is empty.
    let seen = app.feedback_serial();
    app.scan_split_into_focus(&bolt_ean, 5);
    let (tone, said) = app.feedback_after(seen);
    assert!(tone == "info" && said.contains(bolt), "{tone}: {said}");
    assert_eq!(app.value("qty"), "");
    // A quantity that looks like a barcode is questioned; "No" records nothing.
    app.type_slowly("qty", "1234567", true);
    app.wait_text("question", "a question", |t| {
        t.contains("looks like a barcode")
    });
    app.screenshot("receive-question");
    app.tap("question-no");
    app.wait_gone("question");
    app.clear("qty");
    app.type_slowly("qty", "30", true);
    let said = app.feedback("Received 30 each of HAR-00001 at RCV-01");
    assert!(
        said.contains("over-receipt: 30 received against 24 expected on PO-1001 line 1"),
        "{said}"
    );
    app.screenshot("receive");
    let mut expect = before.clone();
    add(&mut expect, key("RCV-01", bolt), 30);

    step("Put them away");
    // Put them away: the app suggests the bolt's pick face and refuses another bin.
    app.tap("home-button");
    app.tap("tile-putaway");
    app.scan(&bolt_ean);
    app.wait_text("putaway-suggestion", &home, |t| t == home);
    app.screenshot("putaway");
    app.scan("LOC:WH1:B-01-01-1");
    app.feedback("the putaway location is");
    assert!(
        app.exists("override"),
        "another bin can be chosen on purpose"
    );
    app.scan(&format!("LOC:WH1:{home}"));
    app.feedback(&format!("Put away 30 × {bolt}"));
    add(&mut expect, key("RCV-01", bolt), -30);
    add(&mut expect, key(&home, bolt), 30);

    step("Pick the first");
    // One walk over this tablet's orders, each into its own tote. Pick the first two tasks: the
    // first one short (the bin is empty: chosen from the list), the second in full.
    app.tap("home-button");
    app.tap("tile-pick");
    let walk = app.text("pick-walk");
    let orders: usize = walk
        .split(" · ")
        .nth(1)
        .and_then(|w| w.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{walk}"));
    assert!(orders >= 2, "a batch of orders in one walk: {walk}");
    app.screenshot("pick-batch");
    let mut short_at = None;
    let mut packed = None;
    for n in 0..2 {
        let location = app.text("pick-location");
        let qty: i64 = app.text("pick-qty").parse().unwrap();
        let sku = app.text("pick-sku");
        let order = app.text("pick-order");
        let tote = app.text("pick-tote");
        assert!(
            ours.contains(&order),
            "{order} is this tablet's, not {theirs:?}"
        );
        assert!(tote.parse::<u32>().is_ok_and(|t| t >= 1), "{tote}");
        app.scan(&format!("LOC:WH1:{location}"));
        app.feedback(&format!("At {location}"));
        app.scan(&codes[&sku]);
        app.wait_focus("qty");
        let picked = if n == 0 {
            app.type_slowly("qty", &(qty - 1).to_string(), true);
            app.feedback("choose why");
            app.choose("short-reason", "location empty");
            app.screenshot("pick");
            app.tap("do-pick");
            app.feedback(&format!("Short pick: {} of {qty} × {sku}", qty - 1));
            short_at = Some((location.clone(), sku.clone()));
            qty - 1
        } else {
            app.type_slowly("qty", "", true);
            app.feedback(&format!(
                "Picked {qty} × {sku} for {order}: into tote {tote}"
            ));
            packed = Some((order.clone(), sku.clone()));
            qty
        };
        add(&mut expect, key(&location, &sku), -picked);
    }

    step("A blind count");
    // A blind count of the bolt's bin finds far fewer than the books say.
    app.tap("home-button");
    app.tap("tile-count");
    app.scan(&format!("LOC:WH1:{home}"));
    app.feedback(&format!("Counting {home}"));
    app.scan(&bolt_ean);
    app.wait_focus("qty");
    app.type_slowly("qty", "5", true);
    app.feedback(&format!("Counted 5 × {bolt} at {home}"));
    app.screenshot("count");
    expect.insert(key(&home, bolt), 5);

    step("A customer return");
    // A bolt comes back against SO-5002, which has not shipped: scanning the quarantine location
    // picks quarantine; the server will flag the order (a return_mismatch).
    app.tap("home-button");
    app.tap("tile-returns");
    app.type_slowly("return-order", "SO-5002", false);
    app.scan(&bolt_ean);
    app.wait_text("return-item", bolt, |t| t.contains(bolt));
    app.scan("LOC:WH1:QA-01");
    app.wait_text("return-location", "QA-01", |t| t == "QA-01");
    app.type_slowly("qty", "1", true);
    app.feedback("quarantined at QA-01");
    app.screenshot("returns");
    add(&mut expect, key("QA-01", bolt), 1);

    step("Pack and ship");
    // The order picked in full is packed offline into a new carton (its SSCC minted on the
    // tablet), checked at each scan; closed with its weight; its label printed on a label printer
    // (a fake one on a socket); then shipped.
    let (order, sku) = packed.unwrap();
    let (printer_addr, printed) = aisle_e2e::fake_printer();
    app.tap("home-button");
    app.tap("tile-pack");
    app.type_slowly("pack-order", &order, false);
    app.tap("new-carton");
    let carton = app.wait_text("carton-code", "a new SSCC", |t| t.len() == 18);
    // More than the order asks for: refused at the scan, nothing packed.
    app.type_slowly("pack-qty", "999", false);
    app.scan(&codes[&sku]);
    app.feedback("too many");
    app.tap("pack-all");
    app.feedback(&format!("Packed everything picked into {carton}"));
    app.wait_text("carton-contents", &sku, |t| {
        t.contains(&format!(" × {sku}"))
    });
    app.type_slowly("weight", "2.5", false);
    app.tap("close-carton");
    app.feedback(&format!("Carton {carton} closed, 2.500 kg"));
    app.find_testid("carton-label");
    app.type_slowly("printer", &printer_addr, false);
    app.tap("print-label");
    app.feedback("Label sent to");
    let zpl = printed.join().unwrap();
    assert!(zpl.contains(&format!("^FD>;>800{carton}^FS")), "{zpl}");
    app.screenshot("pack");
    app.tap("mode-ship");
    app.type_slowly("ship-carrier", "DHL", false);
    app.type_slowly("ship-reference", "Route 7", false);
    app.scan(&carton);
    app.feedback("on the shipment");
    app.screenshot("ship");
    app.tap("ship-confirm");
    app.feedback("Shipped 1 carton(s) with DHL");

    step("Everything is on");
    // Everything is on the tablet, waiting.
    app.wait_text("pending", "9 waiting", |t| t == "9 waiting");

    step("The server is back");
    // The server is back: sync, and the server agrees with what was done in the aisle.
    server.restart();
    app.tap("home-button");
    app.tap("tile-sync");
    app.tap("sync-now");
    step("sync tapped");
    app.wait_text("sync-pending", "0 waiting", |t| t == "0");
    step("pending 0");
    app.wait_text("exceptions", "the three exceptions", |t| {
        t.contains("over receipt") && t.contains("count variance") && t.contains("return mismatch")
    });
    step("exceptions shown");
    app.screenshot("sync");
    step("sync screenshot taken");

    step(" after = server.stock");
    let after = server.stock("WH1");
    let nonzero = |m: &BTreeMap<String, i64>| -> BTreeMap<String, i64> {
        m.iter()
            .filter(|(_, q)| **q != 0)
            .map(|(k, q)| (k.clone(), *q))
            .collect()
    };
    assert_eq!(nonzero(&after), nonzero(&expect));
    let kinds: Vec<String> = server.exceptions().into_iter().map(|(k, _)| k).collect();
    assert!(kinds.contains(&"over_receipt".to_string()), "{kinds:?}");
    assert!(kinds.contains(&"count_variance".to_string()), "{kinds:?}");
    assert!(kinds.contains(&"return_mismatch".to_string()), "{kinds:?}");
    // The shipment reached the server with the carton the tablet packed.
    let shipments =
        aisle_e2e::Supervisor::sign_in(&server).json("/v1/supervisor/shipments?warehouse=WH1");
    assert_eq!(shipments[0]["cartons"][0], carton.as_str(), "{shipments}");
    assert_eq!(shipments[0]["orders"][0], order.as_str(), "{shipments}");

    // The short pick said the bin was empty: the server asks for a recount of it.
    let (short_bin, short_sku) = short_at.unwrap();
    let tasks = server.admin(&["tasks", "list", "--warehouse", "WH1"]);
    assert!(
        tasks
            .lines()
            .any(|l| l.contains(&short_sku) && l.contains(&short_bin) && l.contains("open")),
        "a recount of {short_bin}: {tasks}"
    );

    step("A count task from the office");
    // The supervisor asks for a count of the bolt; the tablet gets it with the next sync and
    // walks the counter through it; once synced, the server has it done.
    let sent = server.admin(&["tasks", "counts", "--warehouse", "WH1", "--sku", bolt]);
    assert!(sent.contains("task(s) sent to the devices"), "{sent}");
    app.tap("sync-now");
    app.wait_text("sync-pending", "0 waiting", |t| t == "0");
    app.tap("home-button");
    app.tap("tile-tasks");
    // The sync may still be bringing the new tasks when the screen opens: wait for the bolt's,
    // then walk to it past any task the tablet already had (a recount of the blind count).
    app.wait_text("task-list", "the bolt's count task", |t| t.contains(bolt));
    for _ in 0..10 {
        if app.text("current-task").contains(bolt) {
            break;
        }
        app.tap("skip-task");
    }
    assert!(
        app.text("current-task").contains(bolt),
        "{}",
        app.text("current-task")
    );
    let at = app.text("task-target");
    let books = after.get(&key(&at, bolt)).copied().unwrap_or(0);
    app.scan("LOC:WH1:NOT-THERE");
    app.feedback("scan the location");
    app.scan(&format!("LOC:WH1:{at}"));
    app.feedback(&format!("At {at}"));
    app.scan(&bolt_ean);
    app.type_slowly("qty", &books.to_string(), true);
    app.feedback(&format!("Counted {books} × {bolt} at {at}"));
    app.screenshot("tasks");
    app.tap("home-button");
    app.tap("tile-sync");
    app.tap("sync-now");
    app.wait_text("sync-pending", "0 waiting", |t| t == "0");
    let listed = server.admin(&["tasks", "list", "--warehouse", "WH1", "--all"]);
    assert!(
        listed
            .lines()
            .any(|l| l.contains(" done ") && l.contains(bolt) && l.contains(&at)),
        "{listed}"
    );

    step("Portrait");
    // A label for the bolt, drawn on the tablet, ready to print.
    app.tap("home-button");
    app.tap("tile-labels");
    app.scan(&bolt_ean);
    app.find_testid("label");
    app.screenshot("label");
    if backend == Backend::Sqlite {
        // The camera needs no server: once is enough.
        step("Camera");
        camera(&app, bolt, &bolt_ean, dir.path());
    }

    // Portrait, as a tablet turned on its side.
    app.resize(800, 1280);
    step("resized");
    app.tap("home-button");
    app.screenshot("home-portrait");
    app.tap("tile-pick");
    app.screenshot("pick-portrait");
    // Every screen upright, then (back on its side) the ones the shift did not show.
    every_screen(&app, "en", "-portrait");
    app.resize(1280, 800);
    for (screen, name) in [
        ("move", "Move"),
        ("lookup", "Lookup"),
        ("settings", "Settings"),
    ] {
        app.tap("home-button");
        app.tap(&format!("tile-{screen}"));
        app.wait_text("status", &format!("the {screen} screen"), |t| {
            t.contains(name)
        });
        app.screenshot(screen);
    }
    app.resize(800, 1280);

    step("In German");
    // Alice chooses German in Settings: every screen speaks it from then on, at both sizes,
    // and the choice is kept for her badge on this tablet.
    app.tap("home-button");
    app.tap("tile-settings");
    app.choose("language", "de");
    app.tap("save-language");
    app.feedback("Sprache für dich auf diesem Tablet gespeichert");
    app.tap("home-button");
    app.wait_text("home", "the German tiles", |t| {
        t.contains("Wareneingang") && t.contains("Kommissionieren")
    });
    app.screenshot("home-portrait-de");
    app.tap("tile-pick");
    app.wait_text("status", "the German status bar", |t| {
        t.contains("Abmelden")
    });
    app.screenshot("pick-portrait-de");
    app.resize(1280, 800);
    app.tap("home-button");
    app.screenshot("home-de");
    app.tap("tile-receive");
    app.wait_text("prompt", "the German prompt", |t| t.contains("scannen"));
    app.screenshot("receive-de");
    // The core's refusals speak German too, the reason inside them as well.
    app.scan("]C10109506");
    app.feedback("Scan „]C10109506“ ist ungültig: Der Wert von AI (01) hat 5 Zeichen");
    app.tap("home-button");
    app.tap("tile-sync");
    // The server's exceptions too: it keeps each message's catalog key and values beside its
    // English, and the tablet says them in German.
    let shown = app.wait_text("exceptions", "the exceptions in German", |t| {
        t.contains("gezählt bei") && t.contains("erhalten bei")
    });
    assert!(
        !shown.contains("counted") && !shown.contains("expected"),
        "{shown}"
    );
    app.screenshot("sync-de");
    // Why a task exists, too: the server keeps each task's reason as said (the recount the short
    // pick asked for is still open).
    app.tap("home-button");
    app.tap("tile-tasks");
    let why = app.wait_text("task-reason", "a task's reason in German", |t| {
        ["nachzählen", "Nachzählung", "Inventurzählung", "auffüllen"]
            .iter()
            .any(|w| t.contains(w))
    });
    assert!(
        !["recount", "cycle count", "top up"]
            .iter()
            .any(|w| why.contains(w)),
        "{why}"
    );
    app.screenshot("tasks-de");
    // Every screen in German, both ways up: German words are longer than English ones.
    every_screen(&app, "de", "-de");
    app.resize(800, 1280);
    every_screen(&app, "de", "-portrait-de");
    app.resize(1280, 800);
}

/// Every screen of the home page in turn, in `lang` (the screen's name in the status bar shows
/// it is open), each screenshot named `{screen}{suffix}` and checked as every screenshot is:
/// nothing wider than the window, 48 px targets, axe.
fn every_screen(app: &TabletApp, lang: &str, suffix: &str) {
    let words: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../ui/src/locales/{lang}.json")),
        )
        .unwrap(),
    )
    .unwrap();
    for screen in [
        "receive", "putaway", "pick", "tasks", "move", "count", "pack", "returns", "lookup",
        "labels", "sync", "settings",
    ] {
        let name = words["tiles"][screen]["name"].as_str().unwrap();
        app.tap("home-button");
        app.tap(&format!("tile-{screen}"));
        app.wait_text("status", &format!("the {screen} screen ({lang})"), |t| {
            t.contains(name)
        });
        app.screenshot(&format!("{screen}{suffix}"));
    }
}

/// Scanning with the camera, for a tablet without a wedge scanner. A photo of the bolt's label
/// (the file the tablet's camera picker would give) is read into a lookup of the bolt; a picture
/// without a barcode says so. Then live video: the camera is replaced, below the app, by a video
/// stream of a canvas showing the label (this machine has no camera), and the label held in view
/// for seconds is one scan on the same path as a wedge scan.
fn camera(app: &TabletApp, bolt: &str, bolt_ean: &str, dir: &Path) {
    app.tap("home-button");
    app.tap("tile-lookup");
    app.tap("camera-button");
    let state = app.wait_text("camera-state", "the camera started or refused", |t| {
        !t.contains("Starting")
    });
    // This machine has no camera: the panel says so and offers a photo.
    assert!(
        state.contains("no camera the app can use"),
        "{state}: {}",
        app.text("camera-detail")
    );
    let label = bars_bmp(
        &aisle_labels::ean13(&format!("0{bolt_ean}")).unwrap(),
        3,
        120,
    );
    let photo = dir.join("bolt.bmp");
    std::fs::write(&photo, &label).unwrap();
    let before = app.feedback_serial();
    app.send_file("camera-photo", &photo);
    let (tone, text) = app.feedback_after(before);
    assert!(
        text.contains(bolt),
        "the photo was read as {text:?} ({tone})"
    );
    app.find_testid("result");
    app.screenshot("camera");
    // The panel at the other size too (the layout check runs with every screenshot).
    app.resize(800, 1280);
    app.screenshot("camera-portrait");
    app.resize(1280, 800);

    let blank = dir.join("blank.bmp");
    std::fs::write(&blank, bars_bmp(&[0; 95], 3, 120)).unwrap();
    let before = app.feedback_serial();
    app.send_file("camera-photo", &blank);
    let (tone, text) = app.feedback_after(before);
    assert_eq!(tone, "warn", "{text}");
    assert!(text.contains("No barcode found"), "{text}");

    // Live video from a canvas that shows the label.
    let url = format!("data:image/bmp;base64,{}", BASE64_STANDARD.encode(&label));
    let installed = app.run_script(
        r#"
        const img = new Image();
        img.src = arguments[0];
        const canvas = document.createElement('canvas');
        if (typeof canvas.captureStream !== 'function') return 'no captureStream';
        canvas.width = 640; canvas.height = 360;
        const ctx = canvas.getContext('2d');
        const draw = () => { ctx.fillStyle = '#ddd'; ctx.fillRect(0, 0, 640, 360); if (img.complete) ctx.drawImage(img, 20, 60); };
        window.__cameraTimer = setInterval(draw, 50);
        const stream = canvas.captureStream(20);
        Object.defineProperty(navigator, 'mediaDevices', { value: { getUserMedia: async () => stream }, configurable: true });
        return 'ok';
        "#,
        url.into(),
    );
    assert_eq!(installed, "ok", "WebKitGTK gives canvas streams");
    app.tap("camera-close");
    let before = app.feedback_serial();
    app.tap("camera-button");
    app.wait_text("camera-state", "live scanning", |t| {
        t.contains("Hold a label")
    });
    let (tone, text) = app.feedback_after(before);
    assert!(
        text.contains(bolt),
        "the live camera read {text:?} ({tone})"
    );
    let after_first = app.feedback_serial();
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(
        app.feedback_serial(),
        after_first,
        "a label held in view is one scan"
    );
    app.tap("camera-close");
    app.wait_gone("camera");
}
