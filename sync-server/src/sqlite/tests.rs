//! The backend's own promises that the API tests cannot see, on SQLite and on PostgreSQL.

use super::*;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

/// Runs `body` on a fresh SQLite file and a fresh PostgreSQL database.
fn on_both(body: impl Fn(Arc<SqliteStorage>)) {
    let dir = tempfile::tempdir().unwrap();
    eprintln!("on SQLite");
    body(Arc::new(
        SqliteStorage::open(dir.path().join("s.db")).unwrap(),
    ));
    eprintln!("on PostgreSQL");
    body(Arc::new(
        SqliteStorage::open_postgres(&aisle_testdb::fresh_database()).unwrap(),
    ));
}

fn total(hits: &[crate::inventory::StockHit]) -> i64 {
    hits.iter()
        .flat_map(|h| h.warehouses.iter().map(|(_, q)| q))
        .sum()
}

/// While a write transaction is open (a push in progress), a stock page is answered at once,
/// from the last committed state: it neither waits for the push nor sees half of it.
#[test]
fn pages_are_read_beside_a_push_in_progress() {
    on_both(|storage| {
        storage.load_demo(1, 20).unwrap();
        let before = total(&storage.stock_search("PAI", 100).unwrap());
        assert!(before > 0);

        let tx = storage.write().unwrap();
        tx.exec("UPDATE stock SET qty = qty + 1000", &[]).unwrap();
        let (send, receive) = mpsc::channel();
        let reader = Arc::clone(&storage);
        std::thread::spawn(move || {
            let _ = send.send(reader.stock_search("PAI", 100).map(|h| total(&h)));
        });
        // A page that queued behind the writer would never come while the transaction is open.
        let during = receive
            .recv_timeout(Duration::from_secs(60))
            .expect("the page waited for the writer")
            .unwrap();
        drop(tx);
        assert_eq!(during, before, "the page saw an uncommitted write");
        assert_eq!(
            total(&storage.stock_search("PAI", 100).unwrap()),
            before,
            "rolled back"
        );
    });
}
