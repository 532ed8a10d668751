//! Sync benchmarks against real `aisle-server` processes, on SQLite and on PostgreSQL, each against
//! a bare SQLite insert of the same entries measured in the same run (see docs/PERFORMANCE.md):
//!
//! 1. push of 10,000 operations from one device, including the server applying them (in rounds,
//!    `AISLE_BENCH_ROUNDS`, default 3, each with its own baseline), beside its floor (the same log
//!    and ledger rows written with nothing else to do) and, when both backends ran, PostgreSQL's
//!    push against SQLite's of the same round (the backends' rounds take turns);
//! 2. pull of 10,000 operations by another device: on one stock key, and on 10,000 keys (plates:
//!    10,000 stock rows, the state pull's worst case);
//! 3. 50 devices pushing 2,000 operations each at once, then one device's pull and all 50 pulls
//!    at once; the server's peak memory;
//! 4. a new device at a site with 1,000,000 operations of history: enrol and snapshot;
//! 5. (PostgreSQL) 500 devices x 200 operations pushed at once across two server processes.
//!
//! Run: `cargo build --release --workspace --bins && cargo bench -p aisle-e2e --bench sync`.
//! `AISLE_BENCH_BACKENDS=sqlite` (or `postgres`) runs one backend; `AISLE_BENCH_HISTORY=N` sets
//! the history of step 4 (default 1,000,000; 0 leaves it out). Step 4 builds the history on
//! SQLite and moves it to PostgreSQL with `aisle-server migrate`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aisle_domain::PlateId;
use aisle_domain::op::{ChangeLogEntry, Operation};
use aisle_e2e::{Backend, Device, Server};
use aisle_ledger::db::{Db, DbExt, PgConn, Value};
use aisle_server::sql::{LEDGER_COLUMNS, LOG_COLUMNS};
use std::path::Path;
use std::time::{Duration, Instant};

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn ratio(d: Duration, base: Duration) -> String {
    format!("{:.1}x", d.as_secs_f64() / base.as_secs_f64())
}

/// Inserts the same entries (those of `d`'s log after `after`) as JSON rows into a fresh table
/// with the store's pragmas: the floor for writing these rows durably at all.
fn bare_insert(dir: &Path, d: &Device, after: u64) -> Duration {
    let entries = d
        .store
        .change_log(aisle_device::query::LogFilter {
            after,
            ..Default::default()
        })
        .unwrap();
    let rows: Vec<(String, String)> = entries
        .iter()
        .map(|e| (e.op_id.to_string(), serde_json::to_string(e).unwrap()))
        .collect();
    let path = dir.join(format!("bare-{after}-{}.db", rows.len()));
    let _ = std::fs::remove_file(&path);
    let mut conn = rusqlite::Connection::open(&path).unwrap();
    aisle_device::configure(&conn).unwrap();
    conn.execute_batch("CREATE TABLE ops (seq INTEGER PRIMARY KEY, op_id TEXT NOT NULL UNIQUE, entry TEXT NOT NULL)").unwrap();
    let t = Instant::now();
    let tx = conn.transaction().unwrap();
    {
        let mut stmt = tx
            .prepare("INSERT INTO ops (op_id, entry) VALUES (?1, ?2)")
            .unwrap();
        for (id, json) in &rows {
            stmt.execute([id, json]).unwrap();
        }
    }
    tx.commit().unwrap();
    t.elapsed()
}

/// A copy of the SQLite database at `db` as it stands (another process may have it open).
fn snapshot(db: &Path, copy: &Path) {
    let _ = std::fs::remove_file(copy);
    rusqlite::Connection::open(db)
        .unwrap()
        .execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
        .unwrap();
}

/// One table's part of a floor: its `columns`, read from the source by `SELECT {columns} FROM
/// src.{table} {rest}` (`main` is the copy, before anything is written).
struct Rows<'a> {
    table: &'a str,
    columns: &'a str,
    rest: &'a str,
}

/// The floor of writing what `source` gained into `copy` (a snapshot taken before it did): the
/// same rows, read first, then written by plain prepared INSERTs in one transaction, with the
/// stores' pragmas and foreign keys. No server, no JSON, no sync bookkeeping: what the schema
/// itself costs. Each part's rows are written in the order its query gives them. With
/// `checkpoint_beside`, the commit leaves the log's copy into the file to another thread, as the
/// server does (`conns::Checkpointer`); devices and the baseline copy it at the commit.
fn floor(copy: &Path, source: &Path, parts: &[Rows<'_>], checkpoint_beside: bool) -> Duration {
    let mut conn = rusqlite::Connection::open(copy).unwrap();
    aisle_device::configure(&conn).unwrap();
    if checkpoint_beside {
        conn.pragma_update(None, "wal_autocheckpoint", 10_000)
            .unwrap();
    }
    conn.execute("ATTACH ?1 AS src", [source.to_str().unwrap()])
        .unwrap();
    let read: Vec<(String, Vec<Vec<rusqlite::types::Value>>)> = parts
        .iter()
        .map(|p| {
            let width = p.columns.split(',').count();
            let query = format!("SELECT {} FROM src.{} {}", p.columns, p.table, p.rest);
            let mut stmt = conn.prepare(&query).unwrap();
            let rows = stmt
                .query_map([], |r| (0..width).map(|i| r.get(i)).collect())
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let marks = (1..=width).map(|i| format!("?{i}")).collect::<Vec<_>>();
            let insert = format!(
                "INSERT INTO main.{} ({}) VALUES ({})",
                p.table,
                p.columns,
                marks.join(", ")
            );
            (insert, rows)
        })
        .collect();
    conn.execute_batch("DETACH src").unwrap();
    let t = Instant::now();
    let tx = conn.transaction().unwrap();
    for (insert, rows) in &read {
        let mut stmt = tx.prepare(insert).unwrap();
        for row in rows {
            stmt.execute(rusqlite::params_from_iter(row)).unwrap();
        }
    }
    tx.commit().unwrap();
    t.elapsed()
}

/// The floor of `b`'s pull of the plates `c` received and `b` lacks (`copy`: `b`'s store before
/// the pull): the plates, their stock rows and one ledger row a key, each table in its key's order.
fn pull_floor(copy: &Path, c: &Device) -> Duration {
    let new = "(SELECT id FROM src.plates WHERE id NOT IN (SELECT id FROM main.plates))";
    let keys = "item_id, location_id, lot, expiry, plate_id";
    floor(
        copy,
        &c.path,
        &[
            Rows {
                table: "plates",
                columns: "id, code, warehouse_id, location_id",
                rest: &format!("WHERE id IN {new} ORDER BY id"),
            },
            Rows {
                table: "ledger",
                columns: &format!("op_id, {keys}, qty"),
                rest: &format!("WHERE plate_id IN {new} ORDER BY id"),
            },
            Rows {
                table: "stock",
                columns: &format!("{keys}, qty"),
                rest: &format!("WHERE plate_id IN {new} ORDER BY {keys}"),
            },
        ],
        false,
    )
}

/// The floor of a push on an SQLite server (`copy`: its database before the push): the log rows
/// and ledger rows the push added (its one stock row and the bookkeeping beside them left out).
fn push_floor(copy: &Path, server_db: &Path) -> Duration {
    let columns = |table: &str| -> String {
        let conn = rusqlite::Connection::open(copy).unwrap();
        let mut stmt = conn
            .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
            .unwrap();
        let names: Vec<String> = stmt
            .query_map([table], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        names.join(", ")
    };
    let (ops, ledger) = (columns("ops"), columns("ledger"));
    floor(
        copy,
        server_db,
        &[
            Rows {
                table: "ops",
                columns: &ops,
                rest: "WHERE server_seq > (SELECT MAX(server_seq) FROM main.ops) ORDER BY server_seq",
            },
            Rows {
                table: "ledger",
                columns: &ledger,
                rest: "WHERE id > (SELECT COALESCE(MAX(id), 0) FROM main.ledger) ORDER BY id",
            },
        ],
        true,
    )
}

/// Where a PostgreSQL server's log and ledger end: the largest server number and ledger id.
fn postgres_ends(url: &str) -> (i64, i64) {
    let pg = PgConn::connect(url).unwrap();
    pg.one(
        "SELECT (SELECT COALESCE(MAX(server_seq), 0) FROM ops), (SELECT COALESCE(MAX(id), 0) FROM ledger)",
        &[],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

/// The floor of a push on a PostgreSQL server (`url`, just after the push; `ends`: where its log
/// and ledger ended before it, [`postgres_ends`]): the log and ledger rows the push added, read
/// first, then written again by `COPY` (the fastest way PostgreSQL takes rows, and the server's
/// own) into the same tables, under other operation ids and numbers, in a transaction rolled back.
/// No admitting, no stock, no bookkeeping: what these tables cost PostgreSQL to write.
fn push_floor_postgres(url: &str, ends: (i64, i64)) -> Duration {
    const AWAY: i64 = 1_000_000_000_000;
    let pg = PgConn::connect(url).unwrap();
    let read = |sql: &str, width: usize, args: &[Value]| -> Vec<Vec<Value>> {
        pg.rows(sql, args, |r| (0..width).map(|i| r.get(i)).collect())
            .unwrap()
    };
    // Each column as read, from the server's own column lists: ids and numbers moved away.
    let moved = |columns: &[&str]| -> String {
        let each: Vec<String> = columns
            .iter()
            .map(|c| match *c {
                "op_id" => "'floor-' || op_id".to_string(),
                "server_seq" | "device_seq" => format!("{c} + ?1"),
                c => c.to_string(),
            })
            .collect();
        each.join(", ")
    };
    let log = read(
        &format!(
            "SELECT {} FROM ops WHERE server_seq > ?2 ORDER BY server_seq",
            moved(&LOG_COLUMNS)
        ),
        LOG_COLUMNS.len(),
        &[Value::Int(AWAY), Value::Int(ends.0)],
    );
    let ledger = read(
        &format!(
            "SELECT {} FROM ledger WHERE id > ?1 ORDER BY id",
            moved(&LEDGER_COLUMNS)
        ),
        LEDGER_COLUMNS.len(),
        &[Value::Int(ends.1)],
    );
    assert!(!log.is_empty() && !ledger.is_empty());
    pg.batch("BEGIN").unwrap();
    let t = Instant::now();
    pg.insert_rows("ops", &LOG_COLUMNS, log).unwrap();
    pg.insert_rows("ledger", &LEDGER_COLUMNS, ledger).unwrap();
    let took = t.elapsed();
    pg.batch("ROLLBACK").unwrap();
    took
}

/// The end of `d`'s change log.
fn log_end(d: &Device) -> u64 {
    d.store
        .change_log(Default::default())
        .unwrap()
        .last()
        .map_or(0, |e| e.seq)
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
}

fn mib(server: &Server) -> String {
    server
        .pid()
        .and_then(peak_rss_kib)
        .map_or("n/a".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0))
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

/// Pushes until the server has everything, as the app's sync timer would: a push that timed out
/// while others' pushes held the writer is tried again (its first attempt committed or not; a
/// retry is acknowledged as duplicates). The attempts it took.
fn push_until_done(d: &mut Device) -> Result<u32, String> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let pushed = d.store.push(aisle_e2e::quick(), &mut |_| {});
        if pushed.is_ok() && d.store.pending_count().map_err(|e| e.to_string())? == 0 {
            return Ok(attempts);
        }
        if let Err(e) = pushed
            && attempts >= 20
        {
            return Err(e.to_string());
        }
    }
}

/// Retries after a timeout, over all devices.
fn retries(pushed: &[(Device, Result<u32, String>)]) -> u32 {
    pushed
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok().map(|a| a - 1))
        .sum()
}

/// Runs `f` on every device at once, each on its own thread; the wall time until all are done.
fn all_at_once<T: Send + 'static>(
    devices: Vec<Device>,
    f: impl Fn(&mut Device) -> T + Send + Sync + Copy + 'static,
) -> (Vec<(Device, T)>, Duration) {
    timed(|| {
        let handles: Vec<_> = devices
            .into_iter()
            .map(|mut d| {
                std::thread::spawn(move || {
                    let out = f(&mut d);
                    (d, out)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// Rounds of step 1 (`AISLE_BENCH_ROUNDS`, default 3): each round measures its own baseline next to
/// the push and the pull, and the median of the rounds' ratios is reported with their range, so one
/// run's disk hiccup does not decide the figure.
fn rounds() -> usize {
    std::env::var("AISLE_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(3)
}

/// The median and the range of `values`, as text.
fn spread(values: &mut [f64], unit: &str) -> String {
    values.sort_by(f64::total_cmp);
    let median = values[values.len() / 2];
    let (lo, hi) = (values[0], values[values.len() - 1]);
    if unit == "s" {
        format!("{median:.3} s ({lo:.3}–{hi:.3})")
    } else {
        format!("{median:.1}x ({lo:.1}–{hi:.1})")
    }
}

/// One measure over the rounds: its times, and their ratios to what each round compares it with.
#[derive(Default)]
struct Series {
    secs: Vec<f64>,
    ratios: Vec<f64>,
}

impl Series {
    fn add(&mut self, took: Duration, against: Duration) {
        self.secs.push(took.as_secs_f64());
        self.ratios.push(took.as_secs_f64() / against.as_secs_f64());
    }

    /// A table row: what was measured, its median time (range), its median ratio (range).
    fn row(&mut self, what: &str) -> String {
        format!(
            "| {what} | {} | {} |",
            spread(&mut self.secs, "s"),
            spread(&mut self.ratios, "x")
        )
    }

    /// The median time, in seconds.
    fn median(&self) -> f64 {
        let mut secs = self.secs.clone();
        secs.sort_by(f64::total_cmp);
        secs[secs.len() / 2]
    }

    /// The median ratio (range) alone.
    fn ratio(&mut self) -> String {
        spread(&mut self.ratios, "x")
    }
}

/// Step 1 on one backend: its server and devices, kept between rounds, and its measures.
struct OneDevice {
    backend: Backend,
    dir: std::path::PathBuf,
    server: Server,
    a: Device,
    b: Device,
    c: Device,
    m: Measures,
}

/// What step 1 measures on one backend, over its rounds.
#[derive(Default)]
struct Measures {
    bare: Series,
    push: Series,
    push_floor_x: Series,
    push_over: Series,
    /// Each round's floor, in seconds, in round order.
    floors: Vec<f64>,
    pull: Series,
    bare_rows: Series,
    push_rows: Series,
    pull_rows: Series,
    pull_floor_x: Series,
    pull_over: Series,
    pages: u32,
}

impl OneDevice {
    fn start(backend: Backend, dir: &Path) -> Self {
        let server = Server::with_demo_on(backend, dir, 50);
        let a = Device::enrolled(dir, &server, "A", &server.url);
        let b = Device::enrolled(dir, &server, "B", &server.url);
        let c = Device::enrolled(dir, &server, "C", &server.url);
        Self {
            backend,
            dir: dir.to_path_buf(),
            server,
            a,
            b,
            c,
            m: Measures::default(),
        }
    }

    fn round(&mut self, round: usize) {
        let (dir, server) = (self.dir.as_path(), &self.server);
        let sqlite = self.backend == Backend::Sqlite;
        // Everyone up to date first, so each timed sync does only its own step's work.
        for d in [&mut self.a, &mut self.b, &mut self.c] {
            d.sync();
        }
        let start = log_end(&self.a);
        self.a.receive_units(10_000);
        let base = bare_insert(dir, &self.a, start);
        let server_copy = dir.join(format!("server-floor-{round}.db"));
        let url = server.db.to_string_lossy().into_owned();
        let ends = if sqlite {
            snapshot(&server.db, &server_copy);
            (0, 0)
        } else {
            postgres_ends(&url)
        };
        let (pushed, p) = timed(|| self.a.sync());
        assert_eq!(pushed.pushed, 10_000);
        let f = if sqlite {
            push_floor(&server_copy, &server.db)
        } else {
            push_floor_postgres(&url, ends)
        };
        self.m.floors.push(f.as_secs_f64());
        self.m.push_floor_x.add(f, base);
        self.m.push_over.add(p, f);
        let (pulled, q) = timed(|| self.b.sync());
        assert!(pulled.pulled >= 1);
        let start = log_end(&self.c);
        self.c.receive_on_plates_from(round as u64 * 10_000, 10_000);
        let base_rows = bare_insert(dir, &self.c, start);
        let (_, plates_pushed) = timed(|| self.c.sync());
        let device_copy = dir.join(format!("device-floor-{round}.db"));
        snapshot(&self.b.path, &device_copy);
        let (rows, r) = timed(|| self.b.sync());
        assert_eq!(rows.pulled, 10_000);
        self.m.pages = rows.pages;
        let f = pull_floor(&device_copy, &self.c);
        self.m.bare.add(base, base);
        self.m.push.add(p, base);
        self.m.pull.add(q, base);
        self.m.bare_rows.add(base_rows, base_rows);
        self.m.push_rows.add(plates_pushed, base_rows);
        self.m.pull_rows.add(r, base_rows);
        self.m.pull_floor_x.add(f, base_rows);
        self.m.pull_over.add(r, f);
    }

    fn report(mut self) {
        let (backend, n) = (self.backend, self.m.push.secs.len());
        println!(
            "## {backend:?}: one device pushes 10,000 operations, another pulls them ({n} rounds: median (range))\n"
        );
        println!("| | time | ratio |\n|---|---|---|");
        println!(
            "{}",
            self.m
                .bare
                .row("bare SQLite insert of the same 10,000 entries, one transaction (baseline)")
        );
        println!(
            "{}",
            self.m
                .push
                .row("push: `aisle sync` of 10,000 entries, server logging, admitting, applying")
        );
        let how = if backend == Backend::Sqlite {
            "by plain INSERTs into a copy of the server's database"
        } else {
            "again by `COPY` into the server's database, rolled back"
        };
        println!(
            "{}; the push is {} of it |",
            self.m
                .push_floor_x
                .row(&format!(
                    "its log and ledger rows written {how} (the schema's floor)"
                ))
                .trim_end_matches(" |"),
            self.m.push_over.ratio()
        );
        println!(
            "{}",
            self.m
                .pull
                .row("pull of those 10,000 (one stock key) by another device")
        );
        println!(
            "{}",
            self.m.bare_rows.row(
                "bare SQLite insert of 10,000 receipts onto 10,000 new plates (the next rows' baseline)"
            )
        );
        println!(
            "{}",
            self.m
                .push_rows
                .row("push of those 10,000 receipts onto new plates (10,000 stock keys)")
        );
        println!(
            "{}",
            self.m.pull_rows.row(&format!(
                "pull of those 10,000 new plates (10,000 stock rows, {} pages)",
                self.m.pages
            ))
        );
        println!(
            "{}; the pull is {} of it |\n",
            self.m.pull_floor_x
                .row("its plates, stock rows and ledger rows written by plain INSERTs into a copy of the device's store (the schema's floor)")
                .trim_end_matches(" |"),
            self.m.pull_over.ratio()
        );
    }
}

/// Step 1 on each of `backends`, their rounds taking turns (the first backend of a round
/// alternating), so that the machine's drift over the run falls on every backend alike; then,
/// when both ran, the measure: PostgreSQL's push against SQLite's of the same round.
fn one_device(backends: &[Backend]) {
    let dirs: Vec<tempfile::TempDir> = backends
        .iter()
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    let mut runs: Vec<OneDevice> = backends
        .iter()
        .zip(&dirs)
        .map(|(b, d)| OneDevice::start(*b, d.path()))
        .collect();
    for round in 0..rounds() {
        let mut turns: Vec<usize> = (0..runs.len()).collect();
        if round % 2 == 1 {
            turns.reverse();
        }
        for i in turns {
            runs[i].round(round);
        }
    }
    let of = |b: Backend| runs.iter().find(|r| r.backend == b);
    let compared = match (of(Backend::Sqlite), of(Backend::Postgres)) {
        (Some(lite), Some(pg)) => {
            let by_round = |pg: &[f64]| {
                let mut ratios: Vec<f64> = pg
                    .iter()
                    .zip(&lite.m.push.secs)
                    .map(|(pg, lite)| pg / lite)
                    .collect();
                spread(&mut ratios, "x")
            };
            Some(format!(
                "## PostgreSQL against SQLite: the push of 10,000 on one key\n\n\
                 Round by round (the two backends' rounds one after the other): PostgreSQL's push \
                 is {} of SQLite's; PostgreSQL writing its log and ledger rows alone (its floor) is \
                 {} of SQLite's whole push. Medians: PostgreSQL {:.3} s, SQLite {:.3} s ({:.2}x).\n",
                by_round(&pg.m.push.secs),
                by_round(&pg.m.floors),
                pg.m.push.median(),
                lite.m.push.median(),
                pg.m.push.median() / lite.m.push.median()
            ))
        }
        _ => None,
    };
    for run in runs {
        run.report();
    }
    if let Some(text) = compared {
        println!("{text}");
    }
}

fn fifty_devices(backend: Backend, dir: &Path) {
    let server = Server::with_demo_on(backend, dir, 50);
    let mut devices: Vec<Device> = (0..50)
        .map(|i| Device::enrolled(dir, &server, &format!("D{i:02}"), &server.url))
        .collect();
    for d in &mut devices {
        d.receive_units(2_000);
    }
    let bare50 = bare_insert(dir, &devices[0], 0) * 50;
    let (pushed, push_all) = all_at_once(devices, push_until_done);
    let failed: Vec<&String> = pushed
        .iter()
        .filter_map(|(_, r)| r.as_ref().err())
        .collect();
    assert!(
        failed.is_empty(),
        "every device pushed everything: {failed:?}"
    );
    let retried = retries(&pushed);
    let mut devices: Vec<Device> = pushed.into_iter().map(|(d, _)| d).collect();
    let (_, pull_one) = timed(|| devices[0].store.pull(aisle_e2e::quick(), &mut |_| {}));
    let (pulled, pull_all) = all_at_once(devices, |d| {
        d.store.pull(aisle_e2e::quick(), &mut |_| {}).map(|_| ())
    });
    assert!(pulled.iter().all(|(_, r)| r.is_ok()));

    println!("## {backend:?}: 50 devices x 2,000 operations\n");
    println!("| | value |\n|---|---|");
    println!(
        "| bare SQLite insert of 50 x 2,000 entries, 50 transactions (baseline) | {} |",
        secs(bare50)
    );
    println!(
        "| all 50 push at once: wall time until every device had pushed ({retried} retries after a timeout) | {} ({}) |",
        secs(push_all),
        ratio(push_all, bare50)
    );
    println!(
        "| then one device's pull of the other 49 devices' work | {} |",
        secs(pull_one)
    );
    println!(
        "| then all 50 pull at once: wall time | {} |",
        secs(pull_all)
    );
    println!(
        "| server peak resident memory (VmHWM) | {} |\n",
        mib(&server)
    );
}

/// Pushes `n` receipts onto 5,000 plates straight over HTTP as `d` (its log must be empty beyond
/// its first entry, the template), 5,000 per request.
fn push_history(server: &Server, d: &mut Device, n: u64) {
    let plate = |i: u64| aisle_e2e::chaos::sscc(200_000 + i % 5_000);
    d.store
        .receive(
            &aisle_device::work::ReceiveRequest {
                location: "LOC:WH1:RCV-01".into(),
                item: "5012345000015".into(),
                plate: Some(plate(0)),
                qty: Some(1),
                ..Default::default()
            },
            &d.ctx,
        )
        .unwrap();
    d.sync();
    let template = d.store.change_log(Default::default()).unwrap()[0].clone();
    let token = aisle_e2e::device_token(&d.store);
    let epoch = d.store.sync_state().unwrap().epoch.unwrap();
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let mut seq = 2;
    while seq <= n {
        let end = (seq + 5_000).min(n + 1);
        let entries: Vec<ChangeLogEntry> = (seq..end)
            .map(|s| {
                let mut e = template.clone();
                e.op_id = aisle_domain::OpId::new();
                e.seq = s;
                if let Operation::Receive(r) = &mut e.op {
                    let c = plate(s);
                    r.key.plate = Some(PlateId::for_code(&c));
                    r.plate_code = Some(c);
                }
                e
            })
            .collect();
        let resp = http
            .post(format!("{}/v1/push", server.url))
            .header(aisle_proto::PROTOCOL_HEADER, "1")
            .header(aisle_proto::APP_VERSION_HEADER, "bench")
            .bearer_auth(&token)
            .json(&aisle_proto::PushRequest {
                device_id: template.device_id,
                epoch,
                entries,
            })
            .send()
            .unwrap();
        assert!(resp.status().is_success(), "{}", resp.text().unwrap());
        seq = end;
    }
}

/// Enrols a new device and runs its first sync (snapshot, then pull): the time, and the stock
/// rows it then holds. The enrolment code and operator are made beforehand (warehouse IT's part).
fn new_device_ready(server: &Server, dir: &Path, name: &str) -> (Duration, i64) {
    server.set_operator(&format!("OP-{name}"), false);
    let code = server.enrolment_code("WH1", name);
    let mut store = aisle_device::Store::open(dir.join(format!("{name}.db"))).unwrap();
    store.init_device(name, None).unwrap();
    let (report, ready) = timed(|| {
        store
            .enroll(&server.url, &code, aisle_e2e::quick())
            .unwrap();
        store.sync(aisle_e2e::quick(), &mut |_| {}).unwrap()
    });
    assert!(report.snapshot);
    let rows: i64 = store
        .conn()
        .query_row("SELECT COUNT(*) FROM stock", [], |r| r.get(0))
        .unwrap();
    (ready, rows)
}

/// A site with `n` operations of history, pushed to an SQLite server; then the same database
/// moved to PostgreSQL with `aisle-server migrate` (pushing a million operations one by one into
/// PostgreSQL would take most of an hour here, see docs/PERFORMANCE.md).
fn long_history(dir: &Path, n: u64, postgres: bool) {
    let mut server = Server::with_demo_on(Backend::Sqlite, dir, 50);
    let mut h = Device::enrolled(dir, &server, "HIST", &server.url);
    let (_, push) = timed(|| push_history(&server, &mut h, n));
    let (ready, rows) = new_device_ready(&server, dir, "NEW");
    println!("## A new device at a site with {n} operations of history\n");
    println!("| | value |\n|---|---|");
    println!(
        "| Sqlite: pushing the history (5,000 per request; for orientation) | {} |",
        secs(push)
    );
    println!(
        "| Sqlite: enrol + first sync (snapshot of {rows} stock rows, then pull) | {} |",
        secs(ready)
    );
    println!(
        "| Sqlite: server peak resident memory (VmHWM) | {} |",
        mib(&server)
    );
    if postgres {
        server.kill();
        let url = aisle_testdb::fresh_database();
        let (_, moved) = timed(|| server.admin(&["migrate", "--to", &url]));
        let pg = Server::start(std::path::PathBuf::from(&url), &[]);
        let (ready, rows) = new_device_ready(&pg, dir, "NEWPG");
        println!(
            "| Postgres: `aisle-server migrate --to` of that database (COPY) | {} |",
            secs(moved)
        );
        println!(
            "| Postgres: enrol + first sync (snapshot of {rows} stock rows, then pull) | {} |",
            secs(ready)
        );
        println!(
            "| Postgres: server peak resident memory (VmHWM) | {} |",
            mib(&pg)
        );
    }
    println!();
}

fn five_hundred_devices(dir: &Path) {
    let first = Server::with_demo_on(Backend::Postgres, dir, 50);
    let second = Server::start(first.db.clone(), &[]);
    let (devices, enrol) = timed(|| {
        (0..500)
            .map(|i| {
                let server = if i % 2 == 0 { &first } else { &second };
                Device::enrolled(dir, server, &format!("P{i:03}"), &server.url)
            })
            .collect::<Vec<_>>()
    });
    let mut devices = devices;
    for d in &mut devices {
        d.receive_units(200);
    }
    let (pushed, all) = all_at_once(devices, push_until_done);
    let ok = pushed.iter().filter(|(_, r)| r.is_ok()).count();
    let retried = retries(&pushed);
    println!("## PostgreSQL: 500 devices x 200 operations, two server processes\n");
    println!("| | value |\n|---|---|");
    println!(
        "| enrolling 500 devices (for orientation: two admin commands each) | {} |",
        secs(enrol)
    );
    println!("| devices that pushed all 200 | {ok} of 500 ({retried} retries after a timeout) |");
    println!(
        "| wall time until every device had pushed (all 500 at once) | {} |",
        secs(all)
    );
    println!(
        "| peak resident memory: first process, second process | {}, {} |\n",
        mib(&first),
        mib(&second)
    );
    assert_eq!(ok, 500, "every device pushed everything");
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("(run with `cargo bench -p aisle-e2e --bench sync`)");
        return;
    }
    let wanted = std::env::var("AISLE_BENCH_BACKENDS").unwrap_or("sqlite,postgres".into());
    let steps = std::env::var("AISLE_BENCH_STEPS")
        .unwrap_or("one_device,fifty_devices,long_history,five_hundred_devices".into());
    let history: u64 = std::env::var("AISLE_BENCH_HISTORY")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let backends: Vec<Backend> = [("sqlite", Backend::Sqlite), ("postgres", Backend::Postgres)]
        .into_iter()
        .filter(|(name, _)| wanted.contains(name))
        .map(|(_, b)| b)
        .collect();
    if steps.contains("one_device") {
        one_device(&backends);
    }
    if steps.contains("fifty_devices") {
        for backend in &backends {
            let dir = tempfile::tempdir().unwrap();
            fifty_devices(*backend, dir.path());
        }
    }
    if history > 0 && steps.contains("long_history") {
        let dir = tempfile::tempdir().unwrap();
        long_history(dir.path(), history, wanted.contains("postgres"));
    }
    if wanted.contains("postgres") && steps.contains("five_hundred_devices") {
        let dir = tempfile::tempdir().unwrap();
        five_hundred_devices(dir.path());
    }
}
