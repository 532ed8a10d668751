//! End-to-end tests of the `aisle` binary on real database files: a shift's work, the JSON shapes
//! scripts rely on, bad input that must change nothing, and processes killed mid-write.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::PathBuf;
use tempfile::TempDir;

const WAREHOUSES: &str = "code,name\nWH1,Central DC\nWH2,North Depot\n";
const LOCATIONS: &str = "warehouse,code,type,parent,walk_seq\n\
WH1,RCV-01,receiving,,\nWH1,A,zone,,\nWH1,A-01,aisle,A,\nWH1,A-01-1,pick_face,A-01,10\nWH1,A-01-2,storage,A-01,20\nWH2,B-01,storage,,\n";
const ITEMS: &str = "sku,description,barcodes,case_gtin,case_qty,tracking,expiry_tracked\n\
BOLT,Hex bolt,9506000134352,19506000134359,12,none,no\n\
OIL,Olive oil 1L,5012345000015,,,lot,yes\n";

struct Device {
    _dir: TempDir,
    db: PathBuf,
}

impl Device {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("t1.db");
        Self { _dir: dir, db }
    }

    fn file(&self, name: &str, content: &str) -> PathBuf {
        let p = self.db.parent().unwrap().join(name);
        std::fs::write(&p, content).unwrap();
        p
    }

    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("aisle").unwrap();
        c.env_remove("AISLE_DB")
            .env("AISLE_OPERATOR", "ALICE")
            .arg("--db")
            .arg(&self.db);
        c
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self
            .cmd()
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self
            .cmd()
            .arg("--json")
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&out).unwrap()
    }

    /// Runs a command that must fail; returns its JSON error.
    fn fails(&self, args: &[&str]) -> Value {
        let out = self
            .cmd()
            .arg("--json")
            .args(args)
            .assert()
            .failure()
            .code(1)
            .get_output()
            .clone();
        assert!(out.stdout.is_empty(), "a failed command printed a result");
        serde_json::from_slice(&out.stderr).unwrap()
    }

    fn set_up(&self) {
        let w = self.file("warehouses.csv", WAREHOUSES);
        let l = self.file("locations.csv", LOCATIONS);
        let i = self.file("items.csv", ITEMS);
        self.ok(&["import", "warehouses", w.to_str().unwrap()]);
        self.ok(&["import", "locations", l.to_str().unwrap()]);
        let v = self.json(&["import", "items", i.to_str().unwrap()]);
        assert_eq!(
            (v["created"].as_i64(), v["updated"].as_i64()),
            (Some(2), Some(0))
        );
        self.ok(&["init", "--name", "T1", "--warehouse", "WH1"]);
    }

    fn log(&self) -> Vec<Value> {
        self.json(&["log"])["entries"].as_array().unwrap().clone()
    }

    fn total(&self, item: &str) -> i64 {
        self.json(&["stock", "item", item])["total"]
            .as_i64()
            .unwrap()
    }
}

#[test]
fn help_shows_examples() {
    Command::cargo_bin("aisle")
        .unwrap()
        .arg("--help")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("Examples:")
                .and(predicate::str::contains("aisle receive --at")),
        );
}

#[test]
fn a_shift_of_work_offline() {
    let d = Device::new();
    d.set_up();
    // Receive 2 cases of bolts (24 units) onto a new pallet and a lot of oil from its GS1 label.
    let r = d.json(&[
        "receive",
        "--at",
        "LOC:WH1:RCV-01",
        "--item",
        "]C10119506000134359",
        "--qty",
        "2",
        "--plate",
        "106141411234567897",
    ]);
    assert_eq!(r["entry"]["seq"], 1);
    assert_eq!(r["entry"]["op"]["type"], "receive");
    assert_eq!(r["entry"]["op"]["qty"], 24);
    assert_eq!(r["entry"]["op"]["pack"]["kind"], "case");
    d.ok(&[
        "receive",
        "--at",
        "LOC:WH1:RCV-01",
        "--item",
        "]C10105012345000015<GS>10L7<GS>17270131",
        "--qty",
        "10",
    ]);
    // Put the pallet away as a unit, and move oil to the pick face.
    d.ok(&[
        "putaway",
        "--what",
        "]C100106141411234567897",
        "--to",
        "LOC:WH1:A-01-2",
    ]);
    d.ok(&[
        "move",
        "--what",
        "5012345000015",
        "--from",
        "RCV-01",
        "--to",
        "LOC:WH1:A-01-1",
        "--qty",
        "10",
    ]);
    // A short pick, a blind count that finds one less, and a damaged adjustment.
    let p = d.ok(&[
        "pick",
        "--at",
        "A-01-1",
        "--item",
        "5012345000015",
        "--qty",
        "2",
        "--requested",
        "3",
        "--short-reason",
        "damaged",
    ]);
    assert!(
        p.contains("picked 2 of 3 x OIL lot L7 exp 2027-01-31 at A-01-1 (short: damaged)"),
        "{p}"
    );
    let c = d.json(&[
        "count",
        "--at",
        "A-01-1",
        "--item",
        "5012345000015",
        "--counted",
        "7",
        "--blind",
    ]);
    assert_eq!(
        (
            c["entry"]["op"]["expected"].as_i64(),
            c["entry"]["op"]["counted"].as_i64()
        ),
        (Some(8), Some(7))
    );
    d.ok(&[
        "adjust",
        "--at",
        "A-01-2",
        "--item",
        "9506000134352",
        "--qty=-4",
        "--reason",
        "damaged",
    ]);

    assert_eq!(d.total("OIL"), 7);
    assert_eq!(d.total("9506000134352"), 20);
    let plate = d.json(&["stock", "plate", "106141411234567897"]);
    assert_eq!(plate["lines"][0]["location"], "A-01-2");
    let lot = d.json(&["stock", "lot", "L7"]);
    assert_eq!(lot["total"], 7);
    let loc = d.json(&["stock", "location", "LOC:WH1:A-01-1"]);
    assert_eq!(loc["lines"][0]["sku"], "OIL");

    let log = d.log();
    let seqs: Vec<i64> = log.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=7).collect::<Vec<_>>());
    assert!(log.iter().all(|e| e["operator"] == "ALICE"));
    assert_eq!(d.json(&["log", "--unsynced"])["pending"], 7);
    assert_eq!(d.json(&["audit"])["ok"], true);
    let text = d.ok(&["log"]);
    assert!(
        text.contains("7 entries shown, 7 waiting to sync"),
        "{text}"
    );
}

#[test]
fn bad_input_gets_a_precise_error_and_changes_nothing() {
    let d = Device::new();
    d.set_up();
    let e = d.fails(&["receive", "--at", "RCV-01", "--item", "]C10109506000134353"]);
    assert_eq!(e["error"]["kind"], "bad_scan");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("check digit 3, but 2 is correct")
    );
    let e = d.fails(&["receive", "--at", "RCV-01", "--item", "5012345000015"]);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("OIL is lot-tracked"),
        "{e}"
    );
    let e = d.fails(&[
        "pick",
        "--at",
        "RCV-01",
        "--item",
        "9506000134352",
        "--qty",
        "1",
        "--requested",
        "3",
    ]);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("short pick needs a reason"),
        "{e}"
    );
    assert!(d.log().is_empty());

    // A bad CSV names every bad line and column and imports nothing.
    let bad = d.file(
        "bad.csv",
        "sku,description,barcodes,case_qty\nNEW,New,9506000134353,\n,Nameless,,0\n",
    );
    let e = d.fails(&["import", "items", bad.to_str().unwrap()]);
    let msg = e["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("line 2, column barcodes")
            && msg.contains("line 3, column sku")
            && msg.contains("line 3, column case_qty"),
        "{msg}"
    );
    assert_eq!(
        d.json(&["scan", "lookup", "NEW"])["resolution"]["resolved"],
        "unknown"
    );

    // No operator: refused in words, exit 1, nothing written.
    let out = d
        .cmd()
        .env_remove("AISLE_OPERATOR")
        .args(["receive", "--at", "RCV-01", "--item", "9506000134352"])
        .assert()
        .failure()
        .code(1)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("no operator"));
    // A missing file, and a usage error from clap (exit 2).
    d.cmd()
        .args(["import", "items", "/nonexistent.csv"])
        .assert()
        .failure()
        .code(1)
        .stderr(predicate::str::contains("cannot read /nonexistent.csv"));
    d.cmd()
        .args(["receive", "--item", "x"])
        .assert()
        .failure()
        .code(2);
    assert!(d.log().is_empty());
}

#[test]
fn unknown_barcodes_are_recorded_not_dropped() {
    let d = Device::new();
    d.set_up();
    let e = d.fails(&["receive", "--at", "RCV-01", "--item", "4006381333931"]);
    assert_eq!(e["error"]["kind"], "unknown_barcode");
    let log = d.log();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["op"]["type"], "unknown_scan");
    assert_eq!(log[0]["op"]["raw"], "4006381333931");
}

#[test]
fn scan_parse_shows_the_decoded_elements() {
    let d = Device::new();
    let v = d.json(&["scan", "parse", "(01)09506000134352(17)270100(10)ABC"]);
    assert_eq!(v["kind"], "gs1");
    let ais: Vec<&str> = v["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ai"].as_str().unwrap())
        .collect();
    assert_eq!(ais, vec!["01", "17", "10"]);
    let text = d.ok(&["scan", "parse", "\u{feff}9506000134352\r\n"]);
    assert!(text.contains("GTIN 09506000134352 (Ean13)"), "{text}");
    let e = d.fails(&["scan", "parse", "]E09506000134353"]);
    assert_eq!(e["error"]["kind"], "bad_scan");
}

#[test]
fn demo_store_supports_lookups_everywhere() {
    let d = Device::new();
    let s = d.json(&["demo", "--items", "40"]);
    assert_eq!(s["items"], 40);
    assert_eq!(d.json(&["device", "show"])["warehouse_code"], "WH1");
    let stock = d.json(&["stock", "item", "HAR-00001"]);
    assert!(stock["total"].as_i64().unwrap() > 0);
    assert_eq!(d.json(&["audit"])["ok"], true);
}

fn acknowledged_seq(stdout: &[u8]) -> Option<i64> {
    let text = String::from_utf8_lossy(stdout);
    let rest = text.strip_prefix("OK #")?;
    rest.split_whitespace().next()?.parse().ok()
}

/// Processes killed at random moments while recording: every operation that was acknowledged is
/// in the log, the log stays gapless, and stock still equals the ledger.
#[test]
fn killed_processes_never_lose_an_acknowledged_operation() {
    let d = Device::new();
    d.set_up();
    let bin = assert_cmd::cargo::cargo_bin("aisle");
    // Calibrate: one uninterrupted run, so kills land before, during and after the commit on any
    // machine speed.
    let started = std::time::Instant::now();
    d.ok(&["receive", "--at", "RCV-01", "--item", "9506000134352"]);
    let full_run = started.elapsed().as_micros() as u64;
    let mut acknowledged = vec![1];
    let seed = fastrand::u64(..);
    eprintln!("kill schedule seed {seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    for _ in 0..40 {
        let mut child = std::process::Command::new(&bin)
            .args([
                "--db",
                d.db.to_str().unwrap(),
                "--operator",
                "BOB",
                "receive",
                "--at",
                "RCV-01",
                "--item",
                "9506000134352",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_micros(rng.u64(0..2 * full_run)));
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        if let Some(seq) = acknowledged_seq(&out.stdout) {
            acknowledged.push(seq);
        }
    }
    let log = d.log();
    eprintln!(
        "{} acknowledged, {} logged, of 41 attempts",
        acknowledged.len(),
        log.len()
    );
    assert!(
        log.len() < 41 && acknowledged.len() > 1,
        "the schedule must kill some writes and let some finish"
    );
    let seqs: Vec<i64> = log.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=log.len() as i64).collect::<Vec<_>>(),
        "gapless after kills"
    );
    for seq in &acknowledged {
        assert!(seqs.contains(seq), "acknowledged operation #{seq} was lost");
    }
    assert_eq!(
        d.total("BOLT"),
        log.len() as i64,
        "one unit per logged receive"
    );
    assert_eq!(d.json(&["audit"])["ok"], true);
}

/// A shell line split into words: single and double quotes group, `# ...` ends the line.
fn words(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quote, mut any) = (vec![], String::new(), None, false);
    for ch in line.chars() {
        match (quote, ch) {
            (None, '#') if !any => break,
            (None, '\'' | '"') => {
                quote = Some(ch);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, c) if c.is_whitespace() => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (_, c) => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// Runs example lines as a person would paste them, on a fresh demo store: `export` and
/// `NAME=value` prefixes set the environment; `aisle ...` must succeed. Returns how many ran.
fn run_examples(lines: &[&str], source: &str) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let mut env: Vec<(String, String)> = vec![];
    let mut ran = 0;
    for line in lines {
        let mut w = words(line);
        if w.first().is_some_and(|x| x == "export") {
            for kv in &w[1..] {
                if let Some((k, v)) = kv.split_once('=') {
                    env.push((k.into(), v.into()));
                }
            }
            continue;
        }
        let mut local = env.clone();
        while w
            .first()
            .is_some_and(|x| x.contains('=') && !x.starts_with('-'))
        {
            let kv = w.remove(0);
            let (k, v) = kv.split_once('=').unwrap();
            local.push((k.into(), v.into()));
        }
        if w.first().map(String::as_str) != Some("aisle") {
            continue;
        }
        let mut c = Command::cargo_bin("aisle").unwrap();
        c.current_dir(dir.path())
            .env_remove("AISLE_DB")
            .env_remove("AISLE_OPERATOR");
        for (k, v) in &local {
            c.env(k, v);
        }
        let out = c.args(&w[1..]).output().unwrap();
        assert!(
            out.status.success(),
            "{source}: `{line}` failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
    }
    ran
}

#[test]
fn the_help_examples_work_as_printed() {
    let help = Command::cargo_bin("aisle")
        .unwrap()
        .arg("--help")
        .output()
        .unwrap()
        .stdout;
    let help = String::from_utf8(help).unwrap();
    let lines: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Examples:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect();
    // Each example on a line of its own (a wrapped one cannot be pasted).
    for l in &lines {
        let l = l.trim_start();
        assert!(
            l.starts_with("aisle ") || l.starts_with("export "),
            "a wrapped example: {l:?}"
        );
    }
    assert!(run_examples(&lines, "aisle --help") >= 8, "{help}");
}

#[test]
fn the_readme_shift_works_as_printed() {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"),
    )
    .unwrap();
    let lines: Vec<&str> = readme
        .lines()
        .skip_while(|l| !l.starts_with("## A shift on the command line"))
        .skip_while(|l| !l.starts_with("```sh"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .collect();
    assert!(run_examples(&lines, "README.md") >= 12, "{readme}");
}
