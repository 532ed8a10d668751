//! Damaged store files: finding the damage (`PRAGMA integrity_check`) and saving what can be
//! saved into a new store. The change log is what matters (every acknowledged scan is in it), so
//! recovery reads it entry by entry, keeping every readable one, and copies the device's identity,
//! enrolment and settings. Master data and stock are not trusted from a damaged file: an enrolled
//! device takes a fresh snapshot on its next sync (stock = the server's + its own unpushed work);
//! a stand-alone one gets its master data copied where readable and its stock replayed from the
//! log.

use crate::{DeviceError, Result, Store};
use aisle_domain::said;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;
use std::path::Path;

/// What `PRAGMA integrity_check` says is wrong with a store file; empty when it is sound.
pub fn check(path: &Path) -> Result<Vec<String>> {
    if !path.exists() {
        return Err(DeviceError::NotFound {
            what: "store file",
            key: path.display().to_string(),
        });
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| DeviceError::Damaged(e.to_string()))?;
    // Damage bad enough stops the check itself; that is its finding.
    let rows: rusqlite::Result<Vec<String>> = conn
        .prepare("PRAGMA integrity_check")
        .and_then(|mut stmt| stmt.query_map([], |r| r.get(0))?.collect());
    Ok(match rows {
        Ok(rows) => rows.into_iter().filter(|r| r != "ok").collect(),
        Err(e) => vec![e.to_string()],
    })
}

/// What a recovery saved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Recovery {
    /// Change-log entries copied into the new store.
    pub entries: u64,
    /// Sequence numbers that could not be read (their scans are lost unless the server has them).
    pub unreadable: Vec<u64>,
    /// Entries already acknowledged by the server before the damage (safe there in any case).
    pub pushed: u64,
    pub enrolled: bool,
    /// Master-data tables that could not be copied (stand-alone stores only).
    pub tables_lost: Vec<String>,
}

const LOG_COLUMNS: &str = "seq, op_id, device_id, schema_version, op_type, warehouse_id, operator, device_time, scans, payload, seen_cursor";

/// Copies what can be read from the damaged store at `from` into a new store at `into` (which
/// must not exist yet).
pub fn recover(from: &Path, into: &Path) -> Result<Recovery> {
    if into.exists() {
        return Err(DeviceError::Invalid(said!(
            "recover.target_exists",
            "{into} already exists; recover into a new file",
            into = into.display()
        )));
    }
    let old = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| DeviceError::Damaged(e.to_string()))?;
    let mut store = Store::open(into)?;
    let mut report = Recovery::default();
    let identity: Option<(String, String, Option<String>, String)> = old
        .query_row(
            "SELECT device_id, name, warehouse_id, created_at FROM device",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(|e| DeviceError::Damaged(format!("the device's identity cannot be read: {e}")))?;
    let Some((device_id, name, warehouse_id, created_at)) = identity else {
        return Err(DeviceError::NotInitialised);
    };
    /// Server address, token, epoch and pushed sequence, as the damaged file has them.
    type SyncRow = (Option<String>, Option<String>, Option<String>, i64);
    let sync: Option<SyncRow> = old
        .query_row(
            "SELECT server_url, token, epoch, pushed_seq FROM sync_state",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(|e| DeviceError::Damaged(format!("the sync state cannot be read: {e}")))?;
    let (server_url, token, epoch, pushed) = sync.unwrap_or((None, None, None, 0));
    report.enrolled = token.is_some();
    report.pushed = pushed as u64;

    let tx = store.conn.transaction()?;
    tx.pragma_update(None, "defer_foreign_keys", "ON")?;
    // The identity refers to its warehouse; a snapshot refreshes the row's details.
    if copy_table(&old, &tx, "warehouses").is_err() {
        report.tables_lost.push("warehouses".into());
        if let Some(wh) = &warehouse_id {
            tx.execute(
                "INSERT OR IGNORE INTO warehouses (id, code, name) VALUES (?1, ?1, 'recovered')",
                [wh],
            )?;
        }
    }
    if !report.enrolled {
        for table in ["locations", "items", "barcodes", "plates", "operators"] {
            if copy_table(&old, &tx, table).is_err() {
                report.tables_lost.push(table.to_string());
            }
        }
    }
    tx.execute(
        "INSERT INTO device (singleton, device_id, name, warehouse_id, created_at) VALUES (1, ?1, ?2, ?3, ?4)",
        params![device_id, name, warehouse_id, created_at],
    )?;
    let _ = copy_table(&old, &tx, "settings");
    // A fresh snapshot on the next sync: cursors from the damaged file are not trusted.
    tx.execute(
        "UPDATE sync_state SET server_url = ?1, token = ?2, epoch = ?3, pushed_seq = ?4, pull_cursor = 0, rev = 0, bootstrapped = 0",
        params![server_url, token, epoch, pushed],
    )?;
    let last: i64 = old
        .query_row("SELECT COALESCE(MAX(seq), 0) FROM change_log", [], |r| {
            r.get(0)
        })
        .unwrap_or(0);
    for seq in 1..=last {
        let row = old.query_row(
            &format!("SELECT {LOG_COLUMNS} FROM change_log WHERE seq = ?1"),
            [seq],
            |r| {
                (0..11)
                    .map(|i| r.get::<_, rusqlite::types::Value>(i))
                    .collect::<rusqlite::Result<Vec<_>>>()
            },
        );
        match row {
            Ok(values) => {
                tx.execute(
                    &format!(
                        "INSERT INTO change_log ({LOG_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                    ),
                    rusqlite::params_from_iter(values),
                )?;
                report.entries += 1;
            }
            Err(_) => report.unreadable.push(seq as u64),
        }
    }
    tx.commit()?;
    if !report.enrolled {
        // Stand-alone: the log is the only source of stock.
        let entries = store.change_log(crate::query::LogFilter::default())?;
        let tx = store.conn.transaction()?;
        for e in &entries {
            crate::record::apply(&tx, e.op_id, &e.op)?;
        }
        tx.commit()?;
    }
    store.reload_identity()?;
    Ok(report)
}

/// Copies a table's rows as they are; fails if any page of it cannot be read.
fn copy_table(old: &Connection, new: &Connection, table: &str) -> rusqlite::Result<()> {
    let mut stmt = old.prepare(&format!("SELECT * FROM {table}"))?;
    let n = stmt.column_count();
    let rows: Vec<Vec<rusqlite::types::Value>> = stmt
        .query_map([], |r| (0..n).map(|i| r.get(i)).collect())?
        .collect::<rusqlite::Result<_>>()?;
    let marks = (1..=n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut insert = new.prepare(&format!("INSERT OR REPLACE INTO {table} VALUES ({marks})"))?;
    for row in rows {
        insert.execute(rusqlite::params_from_iter(row))?;
    }
    Ok(())
}
