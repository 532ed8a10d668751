//! The backend's own promises that the API tests cannot see: pages are read beside the writer.

use super::*;
use std::sync::mpsc;
use std::time::Duration;

fn total(hits: &[crate::inventory::StockHit]) -> i64 {
    hits.iter()
        .flat_map(|h| h.warehouses.iter().map(|(_, q)| q))
        .sum()
}

/// While the writer is inside a transaction (a push in progress), a stock page is answered at
/// once, from the last committed state: it neither waits for the push nor sees half of it.
#[test]
fn pages_are_read_beside_a_push_in_progress() {
    let dir = tempfile::tempdir().unwrap();
    let storage = std::sync::Arc::new(SqliteStorage::open(dir.path().join("s.db")).unwrap());
    storage.load_demo(1, 20).unwrap();
    let before = total(&storage.stock_search("PAI", 100).unwrap());
    assert!(before > 0);

    let writer = storage.lock().unwrap();
    writer
        .execute_batch("BEGIN IMMEDIATE; UPDATE stock SET qty = qty + 1000;")
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::sync::Arc::clone(&storage);
    std::thread::spawn(move || {
        let _ = tx.send(reader.stock_search("PAI", 100).map(|h| total(&h)));
    });
    // A page that queued behind the writer would never come while the transaction is open.
    let during = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the page waited for the writer")
        .unwrap();
    writer.execute_batch("ROLLBACK").unwrap();
    drop(writer);
    assert_eq!(during, before, "the page saw an uncommitted write");
}
