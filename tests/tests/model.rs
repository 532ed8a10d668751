//! A reference model of a warehouse, checked against the real thing: a real `aisle-server`
//! process and real device stores (one of them behind a proxy that loses replies after the server
//! committed), with random histories of several devices working offline and syncing in random
//! order. The model is written for this test and shares no code with the implementation: stock
//! as a map from (location, plate) to units of one item, who is a supervisor and since when, which
//! device has heard of it, and the exceptions the rules promise (negative stock, held work).
//!
//! After everything has synced, the server's stock of the item, every device's and the model's
//! are equal, and the exceptions equal the model's. Seeds are printed and replay:
//! `AISLE_MODEL_SEED=N` runs one seed, `AISLE_MODEL_SEEDS=N` sets how many (CI runs the default).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_device::OpContext;
use aisle_device::work::{AdjustRequest, MoveRequest, PickRequest, ReceiveRequest};
use aisle_e2e::{Device, Proxy, Server};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

const ITEM: &str = "5012345000015"; // demo item 1 (HAR-00001), untracked
const SKU: &str = "HAR-00001";
const PLATE: &str = "340299910000000025";
/// Places the model works with: loose stock only, except the plate at RCV-02.
const BINS: [&str; 3] = ["RCV-01", "A-01-01-1", "B-01-01-1"];

/// Where units are: a location code, and the plate's code when on one.
type Place = (String, Option<String>);

/// The model's warehouse.
#[derive(Debug, Default)]
struct Model {
    stock: BTreeMap<Place, i64>,
    /// Exceptions by kind, as the rules promise them.
    exceptions: BTreeMap<String, usize>,
    /// Per device, what it recorded and has not synced: (badge, changes to stock, a supervisor's
    /// adjustment by a badge that may have been demoted).
    pending: Vec<Vec<Work>>,
    /// Whether SUP2 has been demoted, and which devices have synced since.
    demoted: bool,
    heard: Vec<bool>,
}

#[derive(Debug, Clone)]
struct Work {
    changes: Vec<(Place, i64)>,
    /// Recorded by SUP2 after the demotion: the server holds it.
    held: bool,
}

fn loose(loc: &str) -> Place {
    (loc.to_string(), None)
}

impl Model {
    /// The server applies a device's pending work in order, as its sync pushes it.
    fn sync(&mut self, d: usize) {
        for w in std::mem::take(&mut self.pending[d]) {
            if w.held {
                *self.exceptions.entry("unauthorized".into()).or_default() += 1;
                continue;
            }
            for (place, delta) in &w.changes {
                let now = self.stock.entry(place.clone()).or_default();
                if *delta < 0 && *now + delta < 0 {
                    *self.exceptions.entry("negative_stock".into()).or_default() += 1;
                }
                *now += delta;
            }
        }
        if self.demoted {
            self.heard[d] = true;
        }
    }
}

/// The server's stock of the item in WH1, as the model keys it.
fn server_stock(server: &Server) -> BTreeMap<Place, i64> {
    let mut out = BTreeMap::new();
    for (key, qty) in server.stock("WH1") {
        let parts: Vec<&str> = key.split('|').collect();
        if parts[1] != SKU {
            continue;
        }
        let plate = Some(parts[4].to_string()).filter(|p| !p.is_empty());
        *out.entry((parts[0].to_string(), plate)).or_default() += qty;
    }
    out.retain(|_, q| *q != 0);
    out
}

fn device_stock(d: &Device) -> BTreeMap<Place, i64> {
    let mut out = BTreeMap::new();
    for l in aisle_e2e::all_stock(&d.store) {
        if l.sku == SKU && l.warehouse == "WH1" {
            *out.entry((l.location.clone(), l.plate.clone()))
                .or_default() += l.qty;
        }
    }
    out.retain(|_, q| *q != 0);
    out
}

fn server_exceptions(server: &Server) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (kind, _) in server.exceptions() {
        *out.entry(kind).or_default() += 1;
    }
    out
}

fn run(seed: u64) {
    eprintln!("model seed {seed} (replay with AISLE_MODEL_SEED={seed})");
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo(dir.path(), 8);
    server.set_operator("SUP2", true);
    let proxy = Proxy::start(server.addr);
    let n = 3;
    let mut devices: Vec<Device> = (0..n)
        .map(|i| {
            let url = if i == 0 { &proxy.url } else { &server.url };
            Device::enrolled(dir.path(), &server, &format!("D{i}"), url)
        })
        .collect();
    let mut model = Model {
        stock: server_stock(&server),
        pending: vec![Vec::new(); n],
        heard: vec![false; n],
        ..Model::default()
    };
    let steps = 25 + rng.usize(..25);
    for step in 0..steps {
        let d = rng.usize(..n);
        let dev = &mut devices[d];
        let q = rng.i64(1..7);
        match rng.u8(..10) {
            0 | 1 => {
                let at = BINS[rng.usize(..BINS.len())];
                let req = ReceiveRequest {
                    location: format!("LOC:WH1:{at}"),
                    item: ITEM.into(),
                    qty: Some(q),
                    ..Default::default()
                };
                dev.store.receive(&req, &dev.ctx).unwrap();
                model.pending[d].push(Work {
                    changes: vec![(loose(at), q)],
                    held: false,
                });
            }
            2 => {
                // Onto the shared supplier pallet, which every device may meet offline.
                let req = ReceiveRequest {
                    location: "LOC:WH1:RCV-02".into(),
                    item: ITEM.into(),
                    qty: Some(q),
                    plate: Some(PLATE.into()),
                    ..Default::default()
                };
                dev.store.receive(&req, &dev.ctx).unwrap();
                model.pending[d].push(Work {
                    changes: vec![(("RCV-02".into(), Some(PLATE.into())), q)],
                    held: false,
                });
            }
            3 | 4 => {
                let from = BINS[rng.usize(..BINS.len())];
                let to = loop {
                    let to = BINS[rng.usize(..BINS.len())];
                    if to != from {
                        break to;
                    }
                };
                let req = MoveRequest {
                    what: ITEM.into(),
                    from: Some(format!("LOC:WH1:{from}")),
                    to: format!("LOC:WH1:{to}"),
                    qty: Some(q),
                    ..Default::default()
                };
                dev.store.move_stock(&req, &dev.ctx).unwrap();
                model.pending[d].push(Work {
                    changes: vec![(loose(from), -q), (loose(to), q)],
                    held: false,
                });
            }
            5 => {
                let at = BINS[rng.usize(..BINS.len())];
                let req = PickRequest {
                    location: format!("LOC:WH1:{at}"),
                    item: ITEM.into(),
                    qty: Some(q),
                    ..Default::default()
                };
                dev.store.pick(&req, &dev.ctx).unwrap();
                model.pending[d].push(Work {
                    changes: vec![(loose(at), -q)],
                    held: false,
                });
            }
            6 => {
                // An adjustment: by the operator (refused at the scan), by SUP1, or by SUP2, who
                // may have been demoted without this device having heard.
                let at = BINS[rng.usize(..BINS.len())];
                let badge = ["OP", "SUP1", "SUP2"][rng.usize(..3)];
                let qty = if rng.bool() { q } else { -q };
                let req = AdjustRequest {
                    location: format!("LOC:WH1:{at}"),
                    item: ITEM.into(),
                    qty,
                    reason: "found".into(),
                    ..Default::default()
                };
                let ctx = if badge == "OP" {
                    dev.ctx.clone()
                } else {
                    OpContext::new(badge)
                };
                let done = dev.store.adjust(&req, &ctx);
                let knows_operator = badge == "OP" || (badge == "SUP2" && model.heard[d]);
                assert_eq!(
                    done.is_err(),
                    knows_operator,
                    "seed {seed} step {step}: {badge} adjusting on D{d}: {done:?}"
                );
                if done.is_ok() {
                    model.pending[d].push(Work {
                        changes: vec![(loose(at), qty)],
                        held: badge == "SUP2" && model.demoted,
                    });
                }
            }
            7 if !model.demoted => {
                server.set_operator("SUP2", false);
                model.demoted = true;
                // Work recorded from now on is judged by the new role (times have milliseconds).
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            _ => {
                if d == 0 && rng.bool() {
                    // The reply to this sync is lost after the server committed it.
                    proxy.drop_responses.store(1, Ordering::SeqCst);
                }
                dev.sync();
                model.sync(d);
            }
        }
    }
    // Everyone syncs (in a random order), then everyone again to hear of the others' work.
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    for &d in &order {
        devices[d].sync();
        model.sync(d);
    }
    for d in &mut devices {
        d.sync();
    }
    model.stock.retain(|_, q| *q != 0);
    let server = (server_stock(&server), server_exceptions(&server), server);
    assert_eq!(server.0, model.stock, "seed {seed}: the server's stock");
    for (i, d) in devices.iter().enumerate() {
        assert_eq!(
            device_stock(d),
            model.stock,
            "seed {seed}: device D{i}'s stock"
        );
        assert!(
            d.store.audit_stock().unwrap().is_empty(),
            "seed {seed}: D{i} audits"
        );
    }
    assert_eq!(server.1, model.exceptions, "seed {seed}: the exceptions");
    let out = std::process::Command::new(aisle_e2e::bin("aisle-server"))
        .arg("--db")
        .arg(&server.2.db)
        .args(["audit"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "seed {seed}: aisle-server audit: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn random_offline_histories_of_several_devices_match_the_model() {
    if let Some(seed) = std::env::var("AISLE_MODEL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        run(seed);
        return;
    }
    let seeds: u64 = std::env::var("AISLE_MODEL_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    for seed in 1..=seeds {
        run(seed);
    }
}
