//! Sync benchmarks against a real `aisle-server` process, each against a bare SQLite insert of the
//! same rows measured in the same run (see docs/PERFORMANCE.md):
//!
//! 1. push of 10,000 operations from one device, including the server applying them;
//! 2. pull of those 10,000 by another device;
//! 3. 50 devices pushing 2,000 operations each at once; the server's peak memory.
//!
//! Run: `cargo build --release --workspace --bins && cargo bench -p aisle-e2e --bench sync`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use aisle_e2e::{Device, Server};
use std::time::{Duration, Instant};

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// Inserts the same entries as JSON rows into a fresh table with the store's pragmas: the floor
/// for writing these rows durably at all.
fn bare_insert(dir: &std::path::Path, d: &Device) -> Duration {
    let entries = d.store.change_log(Default::default()).unwrap();
    let rows: Vec<(String, String)> = entries
        .iter()
        .map(|e| (e.op_id.to_string(), serde_json::to_string(e).unwrap()))
        .collect();
    let path = dir.join(format!("bare-{}.db", rows.len()));
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

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("(run with `cargo bench -p aisle-e2e --bench sync`)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Server::with_demo(dir.path(), 50);
    let mut a = Device::enrolled(dir.path(), &server, "A", &server.url);
    let mut b = Device::enrolled(dir.path(), &server, "B", &server.url);
    a.receive_units(10_000);
    let bare = bare_insert(dir.path(), &a);

    let t = Instant::now();
    let pushed = a.sync();
    let push = t.elapsed();
    assert_eq!(pushed.pushed, 10_000);
    let t = Instant::now();
    let pulled = b.sync();
    let pull = t.elapsed();
    assert_eq!(pulled.pulled, 10_000);

    println!("## Sync: one device pushes 10,000 operations, another pulls them\n");
    println!("| | time | ratio |\n|---|---|---|");
    println!(
        "| bare SQLite insert of the same 10,000 entries, one transaction (baseline) | {} | 1.00x |",
        secs(bare)
    );
    println!(
        "| push: `aisle sync` of 10,000 entries, server logging, reconciling, applying | {} | {:.1}x |",
        secs(push),
        push.as_secs_f64() / bare.as_secs_f64()
    );
    println!(
        "| pull: `aisle sync` on another device, {} pages, applying to its ledger | {} | {:.1}x |\n",
        pulled.pages,
        secs(pull),
        pull.as_secs_f64() / bare.as_secs_f64()
    );

    // 50 devices x 2,000 operations, all pushing at once.
    let mut devices: Vec<Device> = (0..50)
        .map(|i| Device::enrolled(dir.path(), &server, &format!("D{i:02}"), &server.url))
        .collect();
    for d in &mut devices {
        d.receive_units(2_000);
    }
    let bare50 = bare_insert(dir.path(), &devices[0]) * 50;
    let t = Instant::now();
    let handles: Vec<_> = devices
        .into_iter()
        .map(|mut d| {
            std::thread::spawn(move || {
                d.store
                    .push(aisle_e2e::quick(), &mut |_| {})
                    .map(|r| r.pushed)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let all = t.elapsed();
    let ok = results.iter().filter(|r| matches!(r, Ok(2_000))).count();
    let rss = server.pid().and_then(peak_rss_kib);
    println!("## 50 devices x 2,000 operations pushed at once\n");
    println!("| | value |\n|---|---|");
    println!("| devices whose sync succeeded with all 2,000 pushed | {ok} of 50 |");
    println!(
        "| bare SQLite insert of 50 x 2,000 entries, 50 transactions (baseline) | {} |",
        secs(bare50)
    );
    println!(
        "| wall time until every device had pushed (all 50 at once) | {} ({:.1}x) |",
        secs(all),
        all.as_secs_f64() / bare50.as_secs_f64()
    );
    println!(
        "| server peak resident memory (VmHWM) | {} |",
        rss.map_or("n/a".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0))
    );
    assert_eq!(ok, 50, "every device's push succeeded: {results:?}");
}
