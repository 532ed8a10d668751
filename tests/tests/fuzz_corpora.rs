//! The fuzzers' corpora and every crash they ever found, replayed on the stable toolchain by
//! `cargo test`: each input runs through the same function its libFuzzer target runs
//! (`aisle_domain::fuzzing`), so a fixed finding stays fixed. Fuzzing itself is `cargo +nightly
//! fuzz run TARGET` in `fuzz/` (docs/SECURITY.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut out = Vec::new();
    for dir in [
        root.join("corpus").join(target),
        root.join("regressions").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            if path.is_file() {
                let data = std::fs::read(&path).unwrap();
                out.push((path, data));
            }
        }
    }
    out
}

fn replay(target: &str, run: fn(&[u8])) {
    let all = inputs(target);
    assert!(
        !all.is_empty(),
        "the {target} corpus is in fuzz/corpus/{target}"
    );
    for (path, data) in &all {
        // A panic names the input that caused it.
        let outcome = std::panic::catch_unwind(|| run(data));
        assert!(outcome.is_ok(), "{} panicked", path.display());
    }
    eprintln!("{target}: {} inputs replayed", all.len());
}

#[test]
fn scan_corpus() {
    replay("scan", aisle_domain::fuzzing::scan);
}

#[test]
fn csv_corpus() {
    replay("csv", aisle_domain::fuzzing::csv);
}

#[test]
fn entries_corpus() {
    replay("entries", aisle_domain::fuzzing::entries);
}
