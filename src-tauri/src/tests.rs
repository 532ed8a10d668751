//! The commands against a real SQLite store with the demo company, as the UI calls them.

use super::commands::*;
use aisle_device::Store;
use aisle_device::work::{AdjustRequest, CountRequest, MoveRequest, PickRequest, ReceiveRequest};
use std::time::Duration;

const BOLT: &str = "5012345000015";

fn state() -> (tempfile::TempDir, std::path::PathBuf, AppState) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.db");
    let mut store = Store::open(&path).unwrap();
    store.load_demo(1, 10, "APP-TEST").unwrap();
    (dir, path, AppState::new(store))
}

fn kind(e: &crate::error::CommandError) -> String {
    serde_json::to_value(e).unwrap()["kind"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The first WH1 bin holding the demo bolt, and its quantity there.
fn bolt_bin(st: &AppState) -> (String, i64) {
    let l = lookup(st, BOLT).unwrap();
    let line = l
        .stock
        .iter()
        .find(|s| s.warehouse == "WH1" && s.location.starts_with("A-"))
        .unwrap();
    (format!("LOC:WH1:{}", line.location), line.qty)
}

#[test]
fn status_reports_the_device_and_waiting_work() {
    let (_d, _p, st) = state();
    let s = status(&st).unwrap();
    assert_eq!(
        (s.device.as_deref(), s.warehouse.as_deref(), s.enrolled),
        (Some("APP-TEST"), Some("WH1"), false)
    );
    assert!(s.pending > 0, "demo opening stock waits to sync");
    assert_eq!(s.operator, None);
    assert_eq!(s.sync.online, None, "no attempt yet");
}

#[test]
fn sign_in_checks_the_pin_and_is_shown_in_the_status() {
    let (_d, _p, st) = state();
    let e = sign_in(&st, "ALICE", "9999").unwrap_err();
    assert_eq!(kind(&e), "invalid");
    assert_eq!(
        status(&st).unwrap().operator,
        None,
        "a wrong PIN signs nobody in"
    );
    let op = sign_in(&st, "ALICE", "1234").unwrap();
    assert_eq!(
        (op.name.as_str(), op.role.as_str()),
        ("Alice Smith", "operator")
    );
    assert_eq!(status(&st).unwrap().operator, Some(op));
    sign_out(&st).unwrap();
    assert_eq!(status(&st).unwrap().operator, None);
}

#[test]
fn lookup_resolves_and_errors_serialize_as_kind_and_message() {
    let (_d, _p, st) = state();
    let l = lookup(&st, BOLT).unwrap();
    assert_eq!(
        serde_json::to_value(&l).unwrap()["resolution"]["resolved"],
        "item"
    );
    assert!(!l.stock.is_empty());
    let e = lookup(&st, "]E09506000134353").unwrap_err();
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["kind"], "bad_scan");
    assert!(json["message"].as_str().unwrap().contains("check digit"));
}

#[test]
fn work_needs_someone_signed_in_and_changes_nothing_without() {
    let (_d, _p, st) = state();
    let before = status(&st).unwrap().pending;
    let req = ReceiveRequest {
        location: "LOC:WH1:RCV-01".into(),
        item: BOLT.into(),
        qty: Some(3),
        ..Default::default()
    };
    assert_eq!(kind(&receive(&st, &req).unwrap_err()), "not_signed_in");
    assert_eq!(status(&st).unwrap().pending, before);
    sign_in(&st, "ALICE", "1234").unwrap();
    let rec = receive(&st, &req).unwrap();
    assert_eq!(
        rec.entry.operator, "ALICE",
        "recorded as the signed-in operator"
    );
    assert_eq!(status(&st).unwrap().pending, before + 1);
}

#[test]
fn receive_put_away_pick_and_count_move_the_stock() {
    let (_d, _p, st) = state();
    sign_in(&st, "ALICE", "1234").unwrap();
    let (home, at_home) = bolt_bin(&st);
    receive(
        &st,
        &ReceiveRequest {
            location: "LOC:WH1:RCV-01".into(),
            item: BOLT.into(),
            qty: Some(10),
            ..Default::default()
        },
    )
    .unwrap();
    let s = putaway_suggestion(&st, BOLT).unwrap();
    assert_eq!(
        (s.from.as_ref().map(|l| l.code.as_str()), s.available),
        (Some("RCV-01"), 10),
        "taken from the dock that holds it"
    );
    assert_eq!(
        s.location.map(|l| l.barcode),
        Some(home.clone()),
        "the bolt's home bin"
    );
    move_stock(
        &st,
        &MoveRequest {
            what: BOLT.into(),
            from: Some("LOC:WH1:RCV-01".into()),
            to: home.clone(),
            qty: Some(10),
            putaway: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(bolt_bin(&st).1, at_home + 10);
    pick(
        &st,
        &PickRequest {
            location: home.clone(),
            item: BOLT.into(),
            qty: Some(4),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(bolt_bin(&st).1, at_home + 6);
    let sheet = count_sheet(&st, &home, true).unwrap();
    assert!(sheet.lines.iter().all(|l| l.expected.is_none()), "blind");
    assert!(sheet.lines.iter().any(|l| l.sku.starts_with("HAR-")));
    let open = count_sheet(&st, &home, false).unwrap();
    assert!(open.lines.iter().any(|l| l.expected == Some(at_home + 6)));
    count(
        &st,
        &CountRequest {
            location: home.clone(),
            item: BOLT.into(),
            counted: at_home + 5,
            blind: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(bolt_bin(&st).1, at_home + 5, "the count sets the stock");
    assert_eq!(
        kind(&count_sheet(&st, BOLT, true).unwrap_err()),
        "wrong_kind"
    );
}

#[test]
fn adjustments_are_for_supervisors_only() {
    let (_d, _p, st) = state();
    let (bin, qty) = bolt_bin(&st);
    let req = AdjustRequest {
        location: bin,
        item: BOLT.into(),
        qty: -1,
        reason: "damaged".into(),
        ..Default::default()
    };
    sign_in(&st, "ALICE", "1234").unwrap();
    let e = adjust(&st, &req).unwrap_err();
    assert_eq!(kind(&e), "forbidden");
    assert_eq!(bolt_bin(&st).1, qty, "nothing changed");
    sign_in(&st, "SUP1", "4321").unwrap();
    adjust(&st, &req).unwrap();
    assert_eq!(bolt_bin(&st).1, qty - 1);
}

#[test]
fn enrolment_input_is_checked_before_anything_is_sent() {
    let (_d, _p, st) = state();
    let e = enroll(
        &st,
        &Enrolment {
            payload: Some("aisle-enroll:2?server=x".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(kind(&e), "invalid");
    let e = enroll(&st, &Enrolment::default()).unwrap_err();
    assert!(e.to_string().contains("enrolment code"), "{e}");
}

#[test]
fn labels_render_for_items_and_refuse_unknown_plates() {
    let (_d, _p, st) = state();
    let svg = label(
        &st,
        &LabelRequest {
            item: Some(BOLT.into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("HAR-00001"),
        "{svg}"
    );
    let e = label(
        &st,
        &LabelRequest {
            plate: Some("(00)106141411234567897".into()),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(kind(&e), "not_found");
}

#[test]
fn background_sync_marks_the_device_offline_and_keeps_the_work() {
    let (_d, path, st) = state();
    // Enrolled with a server that is not there: a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut store = Store::open(&path).unwrap();
    store
        .conn()
        .execute(
            "UPDATE sync_state SET server_url = ?1, token = 't', epoch = ?2",
            [
                format!("http://127.0.0.1:{port}"),
                uuid::Uuid::now_v7().to_string(),
            ],
        )
        .unwrap();
    let pending = status(&st).unwrap().pending;
    let enrolled = st.sync.attempt(
        &mut store,
        aisle_device::sync::SyncOptions {
            attempts: 1,
            timeout: Duration::from_secs(2),
            ..Default::default()
        },
    );
    assert!(enrolled);
    let s = status(&st).unwrap();
    assert_eq!(s.sync.online, Some(false));
    assert_eq!(
        s.sync.last_error.as_ref().map(|e| e.kind.as_str()),
        Some("offline")
    );
    assert!(!s.sync.running);
    assert_eq!(s.pending, pending, "nothing was lost or marked synced");
}

#[test]
fn background_sync_waits_for_enrolment() {
    let (_d, path, st) = state();
    let mut store = Store::open(&path).unwrap();
    assert!(
        !st.sync.attempt(&mut store, Default::default()),
        "a stand-alone store has nothing to sync"
    );
    assert_eq!(status(&st).unwrap().sync.online, None);
}

/// The names in a Rust list literal that follows `marker` (`"a", "b"` or `a, b`), up to `end`.
fn listed(source: &str, marker: &str, end: char) -> Vec<String> {
    let start = source.find(marker).unwrap() + marker.len();
    let rest = &source[start..];
    rest[..rest.find(end).unwrap()]
        .split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The window loads only the app's own files, may call only the app's own commands, and its
/// content security policy allows nothing from elsewhere: a review of the shell's attack
/// surface that fails when any of it widens.
#[test]
fn the_app_loads_nothing_remote_and_may_call_only_its_own_commands() {
    let conf: serde_json::Value = serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
    assert_eq!(
        conf["build"]["frontendDist"], "../ui/dist",
        "bundled files, not a URL"
    );
    assert!(
        conf["build"].get("devUrl").is_none(),
        "no dev server in the shipped config"
    );
    for w in conf["app"]["windows"].as_array().unwrap() {
        assert!(
            w.get("url").is_none(),
            "windows load the bundled index: {w}"
        );
    }
    let csp = conf["app"]["security"]["csp"].as_str().unwrap();
    for directive in csp.split(';').map(str::trim).filter(|d| !d.is_empty()) {
        let mut words = directive.split_whitespace();
        let name = words.next().unwrap();
        for source in words {
            let allowed = match name {
                "img-src" => ["'self'", "data:"].contains(&source),
                // The camera's decoder is WebAssembly from the bundle: compiled, never eval.
                "script-src" => ["'self'", "'wasm-unsafe-eval'"].contains(&source),
                // 'self': the decoder's .wasm file, fetched from the bundle.
                "connect-src" => ["'self'", "ipc:", "http://ipc.localhost"].contains(&source),
                // The camera's own stream, never a remote one.
                "media-src" => ["mediastream:", "blob:"].contains(&source),
                _ => ["'self'", "'none'"].contains(&source),
            };
            assert!(allowed, "{name} allows {source}");
        }
    }
    for needed in [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(needed), "the policy says {needed}");
    }
    let html = include_str!("../../ui/index.html");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "index.html loads nothing remote"
    );

    // The commands the shell registers, the ones the build step declares, and the ones the
    // capability grants are the same set: nothing else (no core, file, shell or HTTP API).
    let build = listed(include_str!("../build.rs"), ".commands(&[", ']');
    let handlers = listed(include_str!("lib.rs"), "generate_handler![", ']');
    assert_eq!(
        build, handlers,
        "build.rs declares every registered command"
    );
    let cap: serde_json::Value =
        serde_json::from_str(include_str!("../capabilities/default.json")).unwrap();
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    let granted: Vec<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    let expected: Vec<String> = build
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    assert_eq!(granted, expected);
}
