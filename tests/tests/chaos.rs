//! The chaos test, worked like a warehouse: several tablets (real `aisle` processes on real store
//! files) work **at the same time**, each on its own thread, and sync through a proxy that drops,
//! cuts, duplicates and delays traffic, while:
//!
//! - they receive onto the same few supplier pallets (shared SSCCs), move whole pallets, pick
//!   against order lines they claimed, count and adjust;
//! - a tablet syncs in the background while its operator goes on scanning, and sometimes two
//!   syncs run on one tablet at once;
//! - tablet processes are SIGKILLed while they write and while they sync;
//! - a new tablet enrols in the middle of it all, through the same broken network;
//! - the server is SIGKILLed and restarted at random moments;
//! - a supervisor resolves exceptions on the web API (through the same proxy, so answers are
//!   lost and requests doubled) and demotes the supervisor one tablet works as, mid-shift.
//!
//! After a final clean sync the test judges:
//!
//! - **lost**: every operation a tablet acknowledged (its process exited with success) is in the
//!   server's log, and every tablet's whole change log is there, in order;
//! - **doubled**: no operation twice in the server's log, no exception resolved twice, the
//!   server's `aisle-server audit` and every tablet's ledger audit clean;
//! - **diverged**: every tablet's stock (by location, item, lot, expiry and plate), plates
//!   (code, id and place) and exceptions (with their resolutions) equal the server's;
//! - and no request of the supervisor's got a 5xx.
//!
//! `cargo test -p aisle-e2e --test chaos` runs a few seeds (CI). `AISLE_CHAOS_SEEDS=1000` runs
//! more, `AISLE_CHAOS_SEED=N` replays one; each seed is printed before it runs. Every thread's
//! choices are drawn from the seed; the interleaving of real processes is not, so a replay is
//! close to, not identical with, the original run. The journal printed on a failure (and with
//! `AISLE_CHAOS_JOURNAL=1`) says what happened in which order.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aisle_device::Store;
use aisle_domain::master::LocationKind;
use aisle_e2e::chaos::{ChaosProxy, Tally, Warehouse, aisle, finish, sscc};
use aisle_e2e::{Server, all_stock, bin, device_stock};
use aisle_ledger::db::{Db, DbExt, PgConn};
use aisle_testdb::OwnCluster;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Tablets enrolled before the shift; one more enrols during it.
const DEVICES: usize = 3;
/// Steps each tablet takes.
const STEPS: usize = 12;
/// Share of requests the proxy breaks while chaos is on.
const FAULT_RATE: f64 = 0.3;
/// Supplier pallets (SSCCs) the tablets receive onto.
const SHARED_PLATES: u64 = 3;
/// The supervisor tablet 0 works as, demoted mid-shift.
const CHIEF: &str = "CHIEF";

/// One tablet: its store file, the operator using it, and what it acknowledged.
struct Tablet {
    n: usize,
    db: PathBuf,
    operator: String,
    rng: fastrand::Rng,
    acknowledged: BTreeSet<String>,
    tally: Tally,
}

impl Tablet {
    fn cmd(&self) -> Command {
        aisle(&self.db, &self.operator)
    }

    /// A random piece of warehouse work as `aisle` arguments.
    fn work(&mut self, w: &Warehouse) -> Vec<String> {
        let rng = &mut self.rng;
        let item = w.items[rng.usize(..w.items.len())].clone();
        let bin = w.bins[rng.usize(..w.bins.len())].clone();
        let other = w.bins[rng.usize(..w.bins.len())].clone();
        let plate = w.plates[rng.usize(..w.plates.len())].clone();
        let qty = rng.i64(1..6).to_string();
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();
        match rng.u8(0..9) {
            0 => s(&[
                "receive",
                "--at",
                "LOC:WH1:RCV-01",
                "--item",
                &item,
                "--qty",
                &qty,
            ]),
            // The same supplier pallet, received by whoever gets to it.
            1 | 2 => s(&[
                "receive",
                "--at",
                "LOC:WH1:RCV-01",
                "--item",
                &item,
                "--qty",
                &qty,
                "--plate",
                &plate,
            ]),
            3 => s(&["move", "--what", &plate, "--to", &bin]),
            4 => s(&[
                "move", "--what", &item, "--from", &bin, "--to", &other, "--qty", &qty,
            ]),
            5 => s(&["pick", "--at", &bin, "--item", &item, "--qty", &qty]),
            6 => match self.order_pick(w) {
                Some(args) => args,
                None => s(&["pick", "--at", &bin, "--item", &item, "--qty", &qty]),
            },
            7 => s(&[
                "count",
                "--at",
                &bin,
                "--item",
                &item,
                "--counted",
                &rng.i64(0..40).to_string(),
                "--blind",
            ]),
            _ => s(&[
                "adjust",
                "--at",
                &bin,
                "--item",
                &item,
                &format!("--qty={}", rng.i64(-3..4).max(1)),
                "--reason",
                "found",
            ]),
        }
    }

    /// The first line of this tablet's pick list (work it claimed), picked in full.
    fn order_pick(&mut self, w: &Warehouse) -> Option<Vec<String>> {
        let out = self.cmd().args(["picks", "--json"]).output().ok()?;
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        let t = list["tasks"].as_array()?.first()?;
        let mut args = vec![
            "pick".to_string(),
            "--at".into(),
            t["location_barcode"].as_str()?.into(),
            "--item".into(),
            w.barcodes.get(t["sku"].as_str()?)?.clone(),
            "--qty".into(),
            t["qty"].as_i64()?.to_string(),
            "--order-line".into(),
            format!("{}/{}", t["order"].as_str()?, t["line"]),
        ];
        if let Some(lot) = t["lot"].as_str() {
            args.extend(["--lot".into(), lot.into()]);
        }
        if let Some(e) = t["expiry"].as_str() {
            args.extend(["--expiry".into(), e.into()]);
        }
        Some(args)
    }

    /// Does one piece of work, sometimes killed while it writes.
    fn scan(&mut self, w: &Warehouse) {
        let args = self.work(w);
        self.tally.ops_tried += 1;
        let child = self
            .cmd()
            .args(&args)
            .arg("--json")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let killed_after = (self.rng.f64() < 0.12).then(|| self.rng.u64(0..15));
        if let Some(ms) = killed_after {
            std::thread::sleep(Duration::from_millis(ms));
            let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL);
            self.tally.device_kills_in_writes += 1;
        }
        let out = child.wait_with_output().unwrap();
        let outcome = if out.status.success() {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout)
                .unwrap_or_else(|e| panic!("{}: acknowledged output: {e}", w.context()));
            let op = v["entry"]["op_id"].as_str().unwrap().to_string();
            self.acknowledged.insert(op.clone());
            self.tally.ops_acknowledged += 1;
            if args.iter().any(|a| a == "--order-line") {
                self.tally.order_picks += 1;
            }
            format!("ok {op}")
        } else if killed_after.is_some() {
            "killed".to_string()
        } else {
            self.tally.ops_refused += 1;
            format!(
                "refused: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .next()
                    .unwrap_or_default()
            )
        };
        w.note(format!(
            "d{} {} {}{}",
            self.n,
            args.join(" "),
            outcome,
            killed_after.map_or(String::new(), |ms| format!(" (SIGKILL after {ms} ms)"))
        ));
    }

    /// Starts a sync through the faulty proxy, claiming work now and then.
    fn start_sync(&mut self) -> Child {
        self.tally.syncs += 1;
        let mut c = self.cmd();
        c.args(["sync", "--attempts", "2"]);
        if self.rng.bool() {
            c.args(["--orders", "1", "--tasks", "1"]);
        }
        c.stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    fn shift(&mut self, w: &Warehouse) {
        for _ in 0..STEPS {
            match self.rng.u8(0..12) {
                0..=5 => self.scan(w),
                6..=7 => {
                    let child = self.start_sync();
                    let killed = (self.rng.f64() < 0.25).then(|| self.rng.u64(0..250));
                    w.note(format!(
                        "d{} sync{}",
                        self.n,
                        killed.map_or(String::new(), |ms| format!(" (SIGKILL after {ms} ms)"))
                    ));
                    if let Some(ms) = killed {
                        std::thread::sleep(Duration::from_millis(ms));
                        let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL);
                        self.tally.device_kills_in_syncs += 1;
                    }
                    let _ = finish(child, Duration::from_secs(90));
                }
                // A background sync while the operator goes on scanning.
                8..=9 => {
                    self.tally.background_syncs += 1;
                    w.note(format!("d{} background sync starts", self.n));
                    let child = self.start_sync();
                    for _ in 0..self.rng.usize(1..=3) {
                        self.scan(w);
                    }
                    let _ = finish(child, Duration::from_secs(90));
                    w.note(format!("d{} background sync ended", self.n));
                }
                // Two syncs on one tablet at once (the app's timer and a tap on "Sync now").
                10 => {
                    self.tally.double_syncs += 1;
                    w.note(format!("d{} two syncs at once", self.n));
                    let a = self.start_sync();
                    let b = self.start_sync();
                    let _ = finish(a, Duration::from_secs(90));
                    let _ = finish(b, Duration::from_secs(90));
                }
                _ => std::thread::sleep(Duration::from_millis(self.rng.u64(20..200))),
            }
        }
    }
}

/// A new tablet: `aisle init` and `aisle enroll` through the faulty proxy, tried again (as IT
/// would) until it is in.
fn enrol(w: &Warehouse, tablet: &mut Tablet) {
    let name = format!("CHAOS-{}", tablet.n);
    let out = tablet
        .cmd()
        .args(["init", "--name", &name])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = w.admin(&["device", "enroll", "--warehouse", "WH1", "--name", &name]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let code = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("enrolment code: ").map(str::to_string))
        .unwrap();
    for attempt in 0..20 {
        let out = tablet
            .cmd()
            .args(["enroll", "--server", &w.proxy.url, "--code", &code])
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stderr).trim().to_string();
        w.note(format!(
            "d{} enrols (attempt {}): {}",
            tablet.n,
            attempt + 1,
            if out.status.success() { "in" } else { &said }
        ));
        if out.status.success() {
            return;
        }
        tablet.tally.enrolment_retries += 1;
        assert!(
            !said.contains("already used"),
            "d{} could not enrol after a lost answer: {said}\n{}",
            tablet.n,
            w.context()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("d{} never enrolled\n{}", tablet.n, w.context());
}

/// Kills and restarts a server process at random moments until the shift is over; on
/// PostgreSQL, the first or second kill (and then two times in five) crashes the database itself
/// instead and starts it again.
fn server_killer(w: &Warehouse, mut rng: fastrand::Rng, database_first: bool) -> Tally {
    let mut t = Tally::default();
    while !w.shift_over.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(rng.u64(300..1500)));
        if w.shift_over.load(Ordering::SeqCst) {
            break;
        }
        let pause = Duration::from_millis(rng.u64(20..400));
        // Odd seeds crash the database first, even seeds a server process, then the other (a
        // short shift on a fast machine has room for few kills, and a run of two seeds must see
        // both); after that, two kills in five crash the database.
        let crash_database = match (t.database_kills, t.server_kills) {
            (0, 0) => database_first,
            (0, _) => true,
            (_, 0) => false,
            _ => rng.f64() < 0.4,
        };
        if let Some(pg) = w.postgres.as_ref().filter(|_| crash_database) {
            w.note(format!(
                "PostgreSQL crashed (immediate stop), down for {pause:?}"
            ));
            pg.crash()
                .unwrap_or_else(|e| panic!("crashing PostgreSQL: {e}\n{}", w.context()));
            std::thread::sleep(pause);
            pg.up()
                .unwrap_or_else(|e| panic!("starting PostgreSQL again: {e}\n{}", w.context()));
            t.database_kills += 1;
            continue;
        }
        let i = rng.usize(..w.servers.len());
        w.note(format!("server {i} SIGKILL, down for {pause:?}"));
        let mut server = w.servers[i].lock().unwrap();
        server.kill();
        std::thread::sleep(pause);
        server.restart();
        t.server_kills += 1;
    }
    t
}

/// A 503 while the test itself has PostgreSQL down: the server saying so, as it must.
fn outage(w: &Warehouse, status: reqwest::StatusCode) -> bool {
    w.postgres.is_some() && status == reqwest::StatusCode::SERVICE_UNAVAILABLE
}

/// A supervisor at the web API: resolves open exceptions (accept, adjust, or release a held
/// operation) through the faulty proxy while the server comes and goes, and demotes CHIEF once.
fn supervisor(w: &Warehouse, mut rng: fastrand::Rng) -> Tally {
    let mut t = Tally::default();
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut token: Option<String> = None;
    let mut demoted = false;
    while !w.shift_over.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(rng.u64(200..900)));
        if !demoted && rng.f64() < 0.2 {
            let out = w.admin(&[
                "operator", "add", "--badge", CHIEF, "--name", CHIEF, "--pin", "0000",
            ]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            w.note(format!("{CHIEF} demoted to operator on the server"));
            demoted = true;
        }
        let open: Vec<(String, String)> =
            csv::Reader::from_reader(w.admin(&["export", "exceptions"]).stdout.as_slice())
                .records()
                .map(Result::unwrap)
                .filter(|r| &r[2] == "open")
                .map(|r| (r[0].to_string(), r[1].to_string()))
                .collect();
        let Some((id, kind)) = (!open.is_empty()).then(|| open[rng.usize(..open.len())].clone())
        else {
            continue;
        };
        let body = match kind.as_str() {
            "unauthorized" | "invalid_operation" => {
                serde_json::json!({ "release": { "note": "chaos: release" } })
            }
            _ if rng.bool() => serde_json::json!({ "adjust": { "qty": 1, "reason": "found" } }),
            _ => serde_json::json!({ "accept": { "note": "chaos: fine" } }),
        };
        // Sign in (again, after a lost answer), then resolve; a lost answer is asked again.
        for _ in 0..3 {
            if token.is_none() {
                let signed = http
                    .post(format!("{}/v1/supervisor/session", w.proxy.url))
                    .header("aisle-protocol", "1")
                    .json(&serde_json::json!({ "badge": "SUP1", "pin": "4321" }))
                    .send()
                    .and_then(|r| {
                        assert!(
                            !r.status().is_server_error() || outage(w, r.status()),
                            "sign in: {}",
                            r.status()
                        );
                        r.json::<serde_json::Value>()
                    });
                token = signed
                    .ok()
                    .and_then(|v| v["token"].as_str().map(str::to_string));
                continue;
            }
            let sent = http
                .post(format!(
                    "{}/v1/supervisor/exceptions/{id}/resolve",
                    w.proxy.url
                ))
                .header("aisle-protocol", "1")
                .bearer_auth(token.as_deref().unwrap_or_default())
                .json(&body)
                .send();
            let Ok(reply) = sent else { continue };
            let status = reply.status();
            if outage(w, status) {
                continue;
            }
            let text = reply.text().unwrap_or_default();
            assert!(
                !status.is_server_error(),
                "resolving {id} ({kind}) got {status}: {text}\n{}",
                w.context()
            );
            w.note(format!(
                "supervisor resolves {kind} {id} with {body}: {status}"
            ));
            if status.is_success() {
                t.resolutions += 1;
            } else {
                t.resolutions_refused += 1;
            }
            if status == reqwest::StatusCode::UNAUTHORIZED {
                token = None;
                continue;
            }
            break;
        }
    }
    t
}

/// The warehouse's server side: one process on an SQLite file, or two processes on one
/// PostgreSQL database of a cluster of the test's own (which the server killer may crash).
fn servers(dir: &std::path::Path, postgres: bool) -> (Vec<Server>, Option<OwnCluster>) {
    if !postgres {
        return (vec![Server::with_demo(dir, 12)], None);
    }
    let cluster = OwnCluster::start().unwrap_or_else(|e| panic!("no PostgreSQL: {e}"));
    let db = PathBuf::from(cluster.fresh_database().unwrap());
    let first = Server::with_demo_at(db.clone(), 12);
    let second = Server::start(db, &[]);
    (vec![first, second], Some(cluster))
}

fn setup(seed: u64, postgres: bool) -> (Warehouse, Vec<Tablet>) {
    let dir = tempfile::tempdir().unwrap().keep();
    let (servers, cluster) = servers(&dir, postgres);
    servers[0].set_operator(CHIEF, true);
    let proxy = ChaosProxy::start_many(servers.iter().map(|s| s.addr).collect(), seed, FAULT_RATE);
    proxy.faults_on.store(false, Ordering::SeqCst);
    let db = servers[0].db.clone();
    let mut w = Warehouse {
        seed,
        dir: dir.clone(),
        db,
        servers: servers.into_iter().map(Mutex::new).collect(),
        postgres: cluster,
        proxy,
        items: Vec::new(),
        barcodes: BTreeMap::new(),
        bins: Vec::new(),
        plates: (1..=SHARED_PLATES).map(sscc).collect(),
        start: Instant::now(),
        journal: Mutex::new(Vec::new()),
        shift_over: AtomicBool::new(false),
    };
    let mut tablets = Vec::new();
    for n in 0..=DEVICES {
        let operator = if n == 0 { CHIEF } else { "SUP1" };
        let mut t = Tablet {
            n,
            db: dir.join(format!("d{n}.db")),
            operator: operator.to_string(),
            rng: fastrand::Rng::with_seed(seed.wrapping_mul(1_000).wrapping_add(n as u64)),
            acknowledged: BTreeSet::new(),
            tally: Tally::default(),
        };
        // The last tablet enrols during the shift.
        if n < DEVICES {
            enrol(&w, &mut t);
            let out = t.cmd().arg("sync").output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        tablets.push(t);
    }
    // Plain items (no lot, serial or expiry) and the bins that hold them.
    let store = Store::open(&tablets[0].db).unwrap();
    let mut bins = BTreeSet::new();
    for l in all_stock(&store) {
        let item = store.item(l.item_id).unwrap();
        if l.warehouse == "WH1"
            && item.tracking == aisle_domain::Tracking::None
            && !item.expiry_tracked
            && matches!(
                l.location_kind,
                LocationKind::PickFace | LocationKind::Storage
            )
        {
            if !w.items.contains(&item.barcodes[0]) && w.items.len() < 4 {
                w.items.push(item.barcodes[0].clone());
            }
            bins.insert(format!("LOC:WH1:{}", l.location));
        }
    }
    w.bins = bins.into_iter().collect();
    // Each-level barcodes: a pick list's quantity is in units.
    let mut stmt = store
        .conn()
        .prepare("SELECT i.sku, MIN(b.code) FROM items i JOIN barcodes b ON b.item_id = i.id WHERE b.pack_kind = 'base' GROUP BY i.sku")
        .unwrap();
    w.barcodes = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    drop(stmt);
    assert!(
        w.items.len() >= 2 && w.bins.len() >= 2,
        "demo data for chaos"
    );
    w.proxy.faults_on.store(true, Ordering::SeqCst);
    w.note("shift starts".into());
    (w, tablets)
}

/// Every tablet syncs until it succeeds, three rounds over, with the network and server healthy:
/// everyone has pushed (and heard of every hold) before anyone's last pull.
fn clean_end(w: &Warehouse, tablets: &[Tablet]) {
    w.proxy.faults_on.store(false, Ordering::SeqCst);
    for _round in 0..3 {
        for t in tablets {
            let ok = (0..5).any(|_| {
                let out = t.cmd().arg("sync").output().unwrap();
                if !out.status.success() {
                    eprintln!(
                        "seed {}: a clean sync of d{} failed: {}",
                        w.seed,
                        t.n,
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
                out.status.success()
            });
            assert!(ok, "d{}: clean sync never succeeded\n{}", t.n, w.context());
        }
    }
}

/// Plates as `code → (id, location id)`, on a tablet or the server, whatever its database.
fn plates(conn: &dyn Db) -> BTreeMap<String, (String, Option<String>)> {
    conn.rows("SELECT code, id, location_id FROM plates", &[], |r| {
        Ok((r.get(0)?, (r.get(1)?, r.get(2)?)))
    })
    .unwrap()
    .into_iter()
    .collect()
}

/// A connection to the server's database, SQLite or PostgreSQL.
fn server_db(w: &Warehouse) -> Box<dyn Db> {
    let db = w.db.to_str().unwrap();
    if db.starts_with("postgres://") {
        Box::new(PgConn::connect(db).unwrap())
    } else {
        Box::new(rusqlite::Connection::open(db).unwrap())
    }
}

fn judge(w: &Warehouse, tablets: &[Tablet], t: &mut Tally) {
    let context = w.context();
    let stores: Vec<Store> = tablets
        .iter()
        .map(|t| Store::open(&t.db).unwrap())
        .collect();
    let ids: Vec<String> = stores
        .iter()
        .map(|s| s.device().unwrap().device_id.to_string())
        .collect();
    let server = w.servers[0].lock().unwrap();

    // Lost: the server's log per tablet is that tablet's change log, in order, and holds every
    // operation it acknowledged.
    let server_ops = server.export("operations");
    for (n, store) in stores.iter().enumerate() {
        let log: Vec<String> = store
            .change_log(Default::default())
            .unwrap()
            .iter()
            .map(|e| e.op_id.to_string())
            .collect();
        let on_server: Vec<String> = server_ops
            .iter()
            .filter(|r| r[2] == *ids[n])
            .map(|r| r[1].to_string())
            .collect();
        assert_eq!(on_server, log, "d{n}'s log on the server; {context}");
        assert_eq!(
            store.pending_count().unwrap(),
            0,
            "d{n} pushed all; {context}"
        );
        let logged: BTreeSet<&String> = log.iter().collect();
        for op in &tablets[n].acknowledged {
            assert!(
                logged.contains(op),
                "acknowledged {op} of d{n} was lost; {context}"
            );
        }
        t.ops_checked += log.len() as u64;
    }

    // Doubled: no operation twice, no exception resolved twice, books that add up.
    let unique: BTreeSet<&str> = server_ops.iter().map(|r| &r[1]).collect();
    assert_eq!(
        unique.len(),
        server_ops.len(),
        "an operation twice; {context}"
    );
    let mut resolving: BTreeMap<String, usize> = BTreeMap::new();
    for r in &server_ops {
        if let Some(i) = r[9].find("resolves exception ") {
            let id: String = r[9][i + 19..].chars().take(36).collect();
            *resolving.entry(id).or_default() += 1;
        }
    }
    assert!(
        resolving.values().all(|n| *n == 1),
        "an exception resolved twice: {resolving:?}; {context}"
    );
    let audit = Command::new(bin("aisle-server"))
        .arg("--db")
        .arg(&w.db)
        .arg("audit")
        .output()
        .unwrap();
    assert!(
        audit.status.success(),
        "aisle-server audit: {}{}; {context}",
        String::from_utf8_lossy(&audit.stdout),
        String::from_utf8_lossy(&audit.stderr)
    );

    // Diverged: stock, plates and exceptions are the server's on every tablet.
    let nonzero = |m: BTreeMap<String, i64>| -> BTreeMap<String, i64> {
        m.into_iter().filter(|(_, q)| *q != 0).collect()
    };
    let server_stock = nonzero(server.stock("WH1"));
    let server_db = server_db(w);
    let server_plates = plates(&*server_db);
    t.plates = server_plates.len() as u64;
    let exceptions: BTreeSet<(String, String, String)> = server
        .export("exceptions")
        .iter()
        .map(|r| (r[0].to_string(), r[2].to_string(), r[8].to_string()))
        .collect();
    t.exceptions = exceptions.len() as u64;
    t.held = server_db
        .one("SELECT COUNT(*) FROM ops WHERE status = 'held'", &[], |r| {
            r.get::<i64>(0)
        })
        .unwrap() as u64;
    for (n, store) in stores.iter().enumerate() {
        assert_eq!(
            nonzero(device_stock(store)),
            server_stock,
            "d{n}'s stock; {context}"
        );
        assert_eq!(
            plates(store.conn()),
            server_plates,
            "d{n}'s plates; {context}"
        );
        let seen: BTreeSet<(String, String, String)> = store
            .exceptions(false)
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x.id.to_string(),
                    serde_json::to_value(x.status)
                        .unwrap()
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    x.resolution.clone().unwrap_or_default(),
                )
            })
            .collect();
        // A tablet knows every open exception, and what it knows of any other is the server's
        // word (a snapshot carries open exceptions only: a tablet enrolled later never saw the
        // ones resolved before).
        let open = |s: &BTreeSet<(String, String, String)>| -> BTreeSet<String> {
            s.iter()
                .filter(|x| x.1 == "open")
                .map(|x| x.0.clone())
                .collect()
        };
        assert_eq!(
            open(&seen),
            open(&exceptions),
            "d{n}'s open exceptions; {context}"
        );
        let unknown: Vec<_> = seen.difference(&exceptions).collect();
        assert!(
            unknown.is_empty(),
            "d{n}'s exceptions differ from the server's: {unknown:?}; {context}"
        );
        assert!(
            store.audit_stock().unwrap().is_empty(),
            "d{n}'s ledger; {context}"
        );
    }
}

fn one_seed(seed: u64, postgres: bool) -> Tally {
    eprintln!("chaos seed {seed} (replay with AISLE_CHAOS_SEED={seed})");
    let (w, mut tablets) = setup(seed, postgres);
    let w = Arc::new(w);
    let late = tablets.pop().unwrap();
    let mut crew = Vec::new();
    for mut t in tablets.into_iter().chain(std::iter::once(late)) {
        let w = w.clone();
        crew.push(std::thread::spawn(move || {
            if t.n == DEVICES {
                std::thread::sleep(Duration::from_millis(t.rng.u64(200..2000)));
                enrol(&w, &mut t);
                t.tally.late_enrolments += 1;
            }
            t.shift(&w);
            t
        }));
    }
    let killer = {
        let w = w.clone();
        std::thread::spawn(move || {
            server_killer(&w, fastrand::Rng::with_seed(seed ^ 0x5eed), seed % 2 == 1)
        })
    };
    let boss = {
        let w = w.clone();
        std::thread::spawn(move || supervisor(&w, fastrand::Rng::with_seed(seed ^ 0xb055)))
    };
    let tablets: Vec<Tablet> = crew
        .into_iter()
        .map(|h| {
            h.join()
                .unwrap_or_else(|_| panic!("a tablet thread failed; seed {seed}"))
        })
        .collect();
    w.shift_over.store(true, Ordering::SeqCst);
    let mut t = Tally::default();
    t.add(
        &killer
            .join()
            .unwrap_or_else(|_| panic!("server killer failed; seed {seed}")),
    );
    t.add(
        &boss
            .join()
            .unwrap_or_else(|_| panic!("supervisor failed; seed {seed}")),
    );
    for tab in &tablets {
        t.add(&tab.tally);
    }
    w.note("shift over: clean syncs".into());
    clean_end(&w, &tablets);
    t.faults = w.proxy.counts.injected();
    t.requests = w.proxy.counts.requests.load(Ordering::Relaxed);
    judge(&w, &tablets, &mut t);
    if std::env::var_os("AISLE_CHAOS_JOURNAL").is_some() {
        eprintln!("{}", w.context());
    }
    let _ = std::fs::remove_dir_all(&w.dir);
    eprintln!("seed {seed}: {t:?}; faults {:?}", w.proxy.counts.snapshot());
    t
}

/// The seeds to run: `AISLE_CHAOS_SEED` alone, or the first `AISLE_CHAOS_SEEDS` (`quick` by
/// default).
fn seeds(quick: u64) -> Vec<u64> {
    match std::env::var("AISLE_CHAOS_SEED") {
        Ok(s) => vec![s.parse().expect("AISLE_CHAOS_SEED is a number")],
        Err(_) => {
            let n: u64 = std::env::var("AISLE_CHAOS_SEEDS")
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(quick);
            (1..=n).collect()
        }
    }
}

fn run(postgres: bool, quick: u64) -> Tally {
    let seeds = seeds(quick);
    let mut total = Tally::default();
    for seed in &seeds {
        total.add(&one_seed(*seed, postgres));
    }
    eprintln!("chaos: {} seed(s): {total:?}", seeds.len());
    // A single seed may, by chance, see no server kill (seed 93 of the long run): the check that
    // the chaos happened is over a run of several.
    assert!(
        seeds.len() == 1
            || (total.faults > 0 && total.server_kills > 0 && total.late_enrolments > 0),
        "chaos happened: {total:?}"
    );
    total
}

#[test]
fn nothing_is_lost_doubled_or_diverged_whatever_breaks() {
    run(false, 3);
}

/// The same with two server processes on one PostgreSQL database behind the proxy (which sends
/// each request to either), the processes killed and PostgreSQL itself crashed and restarted.
#[test]
fn nothing_is_lost_doubled_or_diverged_with_two_servers_on_postgresql() {
    let total = run(true, 2);
    assert!(
        seeds(2).len() == 1 || total.database_kills > 0,
        "PostgreSQL was crashed: {total:?}"
    );
}
