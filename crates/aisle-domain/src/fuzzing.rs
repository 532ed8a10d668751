//! What the fuzz targets in `fuzz/` run, here so that `cargo test` replays their corpora on the
//! stable toolchain (`tests/tests/fuzz_corpora.rs`) and a finding stays fixed. Each function
//! takes arbitrary bytes and must return, whatever they are: an error is a fine answer, a panic
//! (including an arithmetic overflow in a debug build) is a bug.

use crate::import;
use crate::op::ChangeLogEntry;
use crate::scan::{self, ScanConfig, ScanPatterns};

/// A scan as a keyboard-wedge scanner would type it.
pub fn scan(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(today) = chrono::NaiveDate::from_ymd_opt(2026, 12, 1) else {
        return;
    };
    if let Ok(config) = ScanConfig::new(&ScanPatterns::default(), today) {
        let _ = scan::parse(text, &config);
    }
}

/// A CSV file given to every import.
pub fn csv(data: &[u8]) {
    let _ = import::parse_warehouses(data);
    let _ = import::parse_locations(data);
    let _ = import::parse_items(data);
    let _ = import::parse_receipts(data);
    let _ = import::parse_orders(data);
    let _ = import::parse_costs(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = import::parse_money(text);
    }
}

/// Change-log entries as a device sends them: decoded, checked as the server checks them, and,
/// when valid, turned into ledger deltas.
pub fn entries(data: &[u8]) {
    if let Ok(entries) = serde_json::from_slice::<Vec<ChangeLogEntry>>(data) {
        for e in entries {
            if e.op.check().is_ok() {
                let _ = e.op.effects();
            }
        }
    }
}
