//! `aisle-server migrate --to postgres://…`: copies a server's SQLite database into an empty
//! PostgreSQL database, so that a site that outgrew one file keeps its history, its devices and
//! its epoch (devices go on syncing as if nothing happened).
//!
//! Both are first brought to the latest schema, which is the same tables and columns on both.
//! Every table is copied with `COPY … FROM STDIN` in one PostgreSQL transaction under the write
//! lock: a failed copy leaves the target empty. Tables are copied in the order of their foreign
//! keys, each emptied first of what a migration seeded (counters) or a trigger wrote; the tables
//! PostgreSQL's triggers fill from others (`changes`, `operator_roles`) go last; identity columns
//! go on after the highest number copied. The copy is then checked: the same number of rows in
//! every table, and the books audit of both databases the same.

use super::conns::{WRITE_LOCK, migrate_postgres};
use super::*;
use aisle_ledger::db::PgConn;
use rusqlite::OpenFlags;
use rusqlite::types::ValueRef;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Tables that PostgreSQL's triggers write when other tables are written.
const FILLED_BY_TRIGGERS: [&str; 2] = ["operator_roles", "changes"];

/// What a copy did: rows per table, in the order copied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopyReport {
    pub tables: Vec<(String, u64)>,
    /// The books audit, the same on both sides.
    pub books: crate::books::BooksAudit,
}

impl SqlStorage {
    /// Copies the SQLite server database at `source` into the empty PostgreSQL database at
    /// `url` (see the module documentation). Refuses a target that already holds a server.
    pub fn copy_to_postgres(source: &Path, url: &str) -> StorageResult<CopyReport> {
        if !source.exists() {
            // `aisle-server migrate` is warehouse IT's, at a terminal: in English.
            return Err(StorageError::Invalid(Said::untranslated(format!(
                "{} does not exist: nothing to copy",
                source.display()
            ))));
        }
        let from = Self::open(source)?;
        let before = from.audit_books()?;
        let sqlite = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let target = PgConn::connect(url)
            .map_err(|e| StorageError::Internal(format!("connecting to PostgreSQL: {e}")))?;
        migrate_postgres(&target)?;
        target.batch("BEGIN")?;
        let copied = copy_tables(&sqlite, &target);
        let tables = match copied {
            Ok(tables) => {
                target.batch("COMMIT")?;
                tables
            }
            Err(e) => {
                let _ = target.batch("ROLLBACK");
                return Err(e);
            }
        };
        drop(target);
        let to = Self::open_postgres(url)?;
        let after = to.audit_books()?;
        if after != before {
            return Err(StorageError::Internal(format!(
                "the copy's books differ from the source's: before {before:?}, after {after:?}"
            )));
        }
        Ok(CopyReport {
            tables,
            books: after,
        })
    }
}

/// Copies every table inside the caller's transaction; the rows per table.
fn copy_tables(sqlite: &Connection, pg: &PgConn) -> StorageResult<Vec<(String, u64)>> {
    pg.exec("SELECT pg_advisory_xact_lock(?1)", args![WRITE_LOCK])?;
    let held: i64 = pg.one(
        "SELECT (SELECT COUNT(*) FROM server_state) + (SELECT COUNT(*) FROM warehouses) + (SELECT COUNT(*) FROM ops)",
        &[],
        |r| r.get(0),
    )?;
    if held > 0 {
        return Err(StorageError::Invalid(Said::untranslated(
            "the PostgreSQL database already holds a server's data: copy into an empty database",
        )));
    }
    let source: BTreeSet<String> = sqlite
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let order = copy_order(pg)?;
    let known: BTreeSet<String> = order.iter().cloned().collect();
    let missing: Vec<&String> = source.difference(&known).collect();
    if !missing.is_empty() {
        return Err(StorageError::Internal(format!(
            "tables {missing:?} are not in the PostgreSQL schema"
        )));
    }
    let mut out = Vec::new();
    for table in order.iter().filter(|t| source.contains(*t)) {
        // What a migration seeded (counters) or a trigger wrote gives way to the source's rows.
        pg.exec(&format!("DELETE FROM \"{table}\""), &[])?;
        let n = copy_table(sqlite, pg, table)?;
        let expected: i64 =
            sqlite.query_row(&format!("SELECT COUNT(*) FROM \"{table}\""), [], |r| {
                r.get(0)
            })?;
        if n != expected as u64 {
            return Err(StorageError::Internal(format!(
                "{table}: {expected} rows in the source, {n} copied"
            )));
        }
        out.push((table.clone(), n));
    }
    continue_identities(pg)?;
    Ok(out)
}

/// One table, every column the source has, in one `COPY`.
fn copy_table(sqlite: &Connection, pg: &PgConn, table: &str) -> StorageResult<u64> {
    let columns: Vec<String> = sqlite
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let list: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
    let mut stmt = sqlite.prepare(&format!("SELECT {} FROM \"{table}\"", list.join(", ")))?;
    let mut rows = stmt.query([])?;
    let n = pg.copy_in(table, &columns, &mut |write| {
        let mut values = Vec::with_capacity(columns.len());
        while let Some(row) = rows.next()? {
            values.clear();
            for (i, column) in columns.iter().enumerate() {
                values.push(match row.get_ref(i)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => Value::Int(n),
                    ValueRef::Real(x) => Value::Real(x),
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(_) => {
                        return Err(aisle_ledger::LedgerError::Invalid(format!(
                            "{table}.{column} holds binary data, which no column of Aisle's has"
                        )));
                    }
                });
            }
            write(&values)?;
        }
        Ok(())
    })?;
    Ok(n)
}

/// The target's tables, referenced tables before the tables that refer to them, with the
/// tables triggers fill last.
fn copy_order(pg: &PgConn) -> StorageResult<Vec<String>> {
    let tables: Vec<String> = pg.rows(
        "SELECT table_name::text FROM information_schema.tables
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'aisle_schema'
         ORDER BY table_name",
        &[],
        |r| r.get(0),
    )?;
    let mut refers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in pg.rows(
        "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
         WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace",
        &[],
        |r| Ok((r.get::<String>(0)?, r.get::<String>(1)?)),
    )? {
        if from != to {
            refers.entry(from).or_default().insert(to);
        }
    }
    let mut order: Vec<String> = Vec::new();
    let mut left: Vec<String> = tables
        .into_iter()
        .filter(|t| !FILLED_BY_TRIGGERS.contains(&t.as_str()))
        .collect();
    while !left.is_empty() {
        let ready: Vec<String> = left
            .iter()
            .filter(|t| {
                refers
                    .get(*t)
                    .is_none_or(|to| to.iter().all(|r| order.contains(r) || !left.contains(r)))
            })
            .cloned()
            .collect();
        if ready.is_empty() {
            return Err(StorageError::Internal(format!(
                "the foreign keys of {left:?} refer to each other in a circle"
            )));
        }
        left.retain(|t| !ready.contains(t));
        order.extend(ready);
    }
    order.extend(FILLED_BY_TRIGGERS.iter().map(|t| (*t).to_string()));
    Ok(order)
}

/// Identity columns (numbered rows) go on after the highest number copied.
fn continue_identities(pg: &PgConn) -> StorageResult<()> {
    let columns: Vec<(String, String)> = pg.rows(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')",
        &[],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    for (table, column) in columns {
        pg.exec(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)"
            ),
            &[],
        )?;
    }
    Ok(())
}
