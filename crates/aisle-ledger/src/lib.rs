//! What a device and the server share about the stock ledger, so both read and write the same
//! tables with the same code: the tables' SQL ([`schema`]), applying an operation's effects to the
//! ledger, the materialized stock and plates ([`effects`]), the books audit ([`audit`]), master
//! data rows with one mapper per struct ([`master`]), the master-data answers the admission rules
//! need ([`view`]) and operator PIN hashes ([`pin`]).
//!
//! The device crate builds its store and sync client on this; the server's SQLite backend builds
//! on it too; neither depends on the other.

#![forbid(unsafe_code)]

pub mod audit;
pub mod db;
pub mod effects;
pub mod error;
pub mod master;
pub mod pin;
pub mod schema;
pub mod view;

pub use error::{LedgerError, Result};

use rusqlite::Connection;
use std::time::Duration;

/// Prepared statements kept per connection.
pub const STATEMENT_CACHE: usize = 256;

/// Applies the durability and integrity settings every connection to a ledger database uses
/// (device stores, the server's SQLite file, the benchmarks' baselines).
pub fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // WAL: readers never block the scan path, and a commit is one sequential append.
    conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
    // FULL: the WAL is synced at every commit, so a scan acknowledged on screen survives a power
    // cut or a pulled battery, not only an application crash (which NORMAL would cover).
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // Reads through a memory map and a larger page cache keep a barcode lookup among a million
    // items to a few page touches without system calls.
    conn.pragma_update(None, "mmap_size", 1024 * 1024 * 1024)?;
    conn.pragma_update(None, "cache_size", -32 * 1024)?;
    // Statement journals (a multi-row insert or an upsert that may have to undo itself) in
    // memory, not in a temporary file: they were a tenth of a push's time on the server.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Room for every statement the scan path and a sync run: with rusqlite's default of 16, a
    // receipt on the device prepared most of its statements again (a quarter of its time).
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

#[cfg(test)]
#[cfg(feature = "postgres")]
mod backends;
