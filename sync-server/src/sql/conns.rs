//! Where the storage's connections come from: an SQLite file (one writer behind a mutex, pooled
//! read-only connections beside it) or a PostgreSQL database (a pool of connections; writers take
//! one advisory lock, so that writes are numbered in commit order as on SQLite, while readers run
//! concurrently). Everything above this module runs the same SQL on either ([`Db`]).

use crate::error::{StorageError, StorageResult};
use aisle_ledger::db::{Db, Dialect, PgConn, Row, Value};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Condvar, Mutex, MutexGuard};

/// Idle connections kept open; more are opened under load and closed when returned.
const IDLE: usize = 8;
/// Connections one server process holds at most: requests beyond wait for one (writes take
/// turns under the write lock anyway), so that several servers stay within PostgreSQL's
/// `max_connections` whatever the load (500 devices syncing at once).
const MOST_OPEN: usize = 32;
/// How long a request waits for a connection before it is answered 503.
const POOL_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The key of the advisory lock every PostgreSQL write transaction holds ("AISLE" in ASCII).
pub(super) const WRITE_LOCK: i64 = 0x41_49_53_4c_45;

/// Pages of write-ahead log after which the SQLite writer copies it back into the database file
/// itself, at a commit: only when the [`Checkpointer`] fell that far behind (about 40 MB).
pub(super) const WAL_PAGES_BEFORE_WRITER_CHECKPOINTS: i64 = 10_000;

/// Copies SQLite's write-ahead log back into the database file on a thread of its own, after
/// writes commit. Left to the writer (SQLite's default, every 1,000 pages), every third or fourth
/// push of 1,000 operations waited at its commit for the copy and its sync: 25 ms instead of 5.
/// A passive checkpoint never blocks the writer or readers, and a commit is durable in the log
/// before it, so nothing here affects what was acknowledged.
#[derive(Debug)]
pub(super) struct Checkpointer {
    wake: SyncSender<()>,
}

impl Checkpointer {
    /// A checkpointer for the database at `path`: its thread ends when this is dropped.
    pub(super) fn start(path: &Path) -> StorageResult<Self> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let (wake, woken) = sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("aisle-checkpoint".into())
            .spawn(move || {
                while woken.recv().is_ok() {
                    let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                        Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
                    });
                    match done {
                        Ok((log, copied)) if log > 0 && copied < log => {
                            // Readers still on older pages: the next wake-up copies the rest.
                            tracing::debug!(log, copied, "checkpoint partly done");
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "checkpointing the database"),
                    }
                }
            })
            .map_err(|e| StorageError::Internal(format!("starting the checkpointer: {e}")))?;
        Ok(Self { wake })
    }

    /// Something was committed: checkpoint soon (once for any number of commits meanwhile).
    fn nudge(&self) {
        match self.wake.try_send(()) {
            Ok(()) | Err(TrySendError::Full(())) => {}
            Err(TrySendError::Disconnected(())) => {
                tracing::warn!("the checkpointer stopped; the writer checkpoints on its own");
            }
        }
    }
}

/// The database behind the storage.
#[derive(Debug)]
pub(super) enum Backend {
    Sqlite {
        /// The one writer: pushes, claims, imports and a supervisor's changes, one at a time.
        writer: Mutex<Connection>,
        /// Idle read-only connections (WAL lets them read while a push writes).
        readers: Mutex<Vec<Connection>>,
        path: PathBuf,
        checkpoints: Checkpointer,
    },
    Postgres(PgPool),
}

/// PostgreSQL connections: at most [`MOST_OPEN`], of which up to [`IDLE`] are kept when idle.
#[derive(Debug)]
pub(super) struct PgPool {
    url: String,
    state: Mutex<PoolState>,
    freed: Condvar,
}

#[derive(Debug)]
struct PoolState {
    idle: Vec<PgConn>,
    /// Connections open, idle or in use.
    open: usize,
}

impl PgPool {
    /// A pool for `url`, starting with a connection already open.
    pub(super) fn new(url: String, first: PgConn) -> Self {
        Self {
            url,
            state: Mutex::new(PoolState {
                idle: vec![first],
                open: 1,
            }),
            freed: Condvar::new(),
        }
    }

    fn get(&self) -> StorageResult<Box<Pooled<'_>>> {
        let deadline = std::time::Instant::now() + POOL_WAIT;
        let mut state = self.state.lock().map_err(|_| poisoned())?;
        loop {
            if let Some(conn) = state.idle.pop() {
                if conn.is_closed() {
                    state.open -= 1;
                    continue;
                }
                return Ok(Box::new(Pooled {
                    conn: Some(conn),
                    pool: self,
                }));
            }
            if state.open < MOST_OPEN {
                state.open += 1;
                drop(state);
                return match PgConn::connect(&self.url) {
                    Ok(conn) => Ok(Box::new(Pooled {
                        conn: Some(conn),
                        pool: self,
                    })),
                    Err(e) => {
                        self.release(None);
                        Err(e.into())
                    }
                };
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(StorageError::Unavailable(format!(
                    "all {MOST_OPEN} database connections stayed busy for {POOL_WAIT:?}"
                )));
            }
            state = self
                .freed
                .wait_timeout(state, left)
                .map_err(|_| poisoned())?
                .0;
        }
    }

    /// A connection given back (kept if healthy and few are idle), or lost.
    fn release(&self, conn: Option<PgConn>) {
        if let Ok(mut state) = self.state.lock() {
            match conn {
                Some(c) if state.idle.len() < IDLE && !c.is_closed() => state.idle.push(c),
                _ => state.open = state.open.saturating_sub(1),
            }
        }
        self.freed.notify_one();
    }
}

fn poisoned() -> StorageError {
    StorageError::Internal("a previous request panicked while holding the database".into())
}

impl Backend {
    fn pg(&self) -> StorageResult<Box<Pooled<'_>>> {
        match self {
            Self::Postgres(pool) => pool.get(),
            Self::Sqlite { .. } => Err(StorageError::Internal("not a PostgreSQL backend".into())),
        }
    }

    /// A write transaction: on SQLite the writer with `BEGIN IMMEDIATE`; on PostgreSQL a pooled
    /// connection holding the write lock until it commits or rolls back.
    pub(super) fn write(&self) -> StorageResult<Tx<'_>> {
        let conn = match self {
            Self::Sqlite {
                writer,
                checkpoints,
                ..
            } => {
                let conn = writer.lock().map_err(|_| poisoned())?;
                conn.exec("BEGIN IMMEDIATE", &[])?;
                TxConn::Sqlite(conn, checkpoints)
            }
            Self::Postgres(_) => {
                let conn = self.pg()?;
                conn.batch("BEGIN")?;
                let locked = conn.exec(
                    "SELECT pg_advisory_xact_lock(?1)",
                    aisle_ledger::args![WRITE_LOCK],
                );
                if let Err(e) = locked {
                    let _ = conn.batch("ROLLBACK");
                    return Err(e.into());
                }
                TxConn::Postgres(conn)
            }
        };
        Ok(Tx { conn, open: true })
    }

    /// A read connection: an idle one, or a new one; back to the pool when dropped.
    pub(super) fn read(&self) -> StorageResult<Reader<'_>> {
        match self {
            Self::Sqlite { readers, path, .. } => {
                let idle = readers.lock().map_err(|_| poisoned())?.pop();
                let conn = match idle {
                    Some(c) => c,
                    None => {
                        let c = Connection::open_with_flags(
                            path,
                            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                        )?;
                        c.busy_timeout(std::time::Duration::from_secs(5))?;
                        c.pragma_update(None, "cache_size", -32 * 1024)?;
                        c.set_prepared_statement_cache_capacity(aisle_ledger::STATEMENT_CACHE);
                        c
                    }
                };
                Ok(Reader::Sqlite {
                    conn: Some(conn),
                    pool: readers,
                })
            }
            Self::Postgres(_) => Ok(Reader::Postgres(self.pg()?)),
        }
    }

    /// Runs `f` in one read transaction on a read connection: everything it reads is one
    /// committed state of the database, while writes go on.
    pub(super) fn reading<T>(
        &self,
        f: impl FnOnce(&dyn Db) -> StorageResult<T>,
    ) -> StorageResult<T> {
        let conn = self.read()?;
        match &conn {
            Reader::Sqlite { .. } => {
                let tx = conn.sqlite()?.unchecked_transaction()?;
                let out = f(&tx)?;
                tx.finish()?;
                Ok(out)
            }
            Reader::Postgres(pg) => {
                pg.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
                let out = f(&***pg);
                pg.batch(if out.is_ok() { "COMMIT" } else { "ROLLBACK" })?;
                out
            }
        }
    }
}

/// A pooled PostgreSQL connection; back to the pool when dropped, unless it broke.
pub(super) struct Pooled<'a> {
    conn: Option<PgConn>,
    pool: &'a PgPool,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = PgConn;
    fn deref(&self) -> &PgConn {
        // ok: only `drop` takes the connection out, and nothing derefs after it; no input
        // reaches this.
        self.conn
            .as_ref()
            .unwrap_or_else(|| unreachable!("a pooled connection is used after drop"))
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        self.pool.release(self.conn.take());
    }
}

/// A write transaction ([`Backend::write`]): durable at [`Tx::commit`], rolled back if dropped
/// before (an error on the way out).
pub(super) struct Tx<'a> {
    conn: TxConn<'a>,
    open: bool,
}

enum TxConn<'a> {
    Sqlite(MutexGuard<'a, Connection>, &'a Checkpointer),
    Postgres(Box<Pooled<'a>>),
}

impl Tx<'_> {
    fn db(&self) -> &dyn Db {
        match &self.conn {
            TxConn::Sqlite(c, _) => &**c,
            TxConn::Postgres(c) => &***c,
        }
    }

    fn finish(&self, sql: &str) -> aisle_ledger::Result<()> {
        match &self.conn {
            TxConn::Sqlite(c, _) => c.exec(sql, &[]).map(|_| ()),
            TxConn::Postgres(c) => c.batch(sql),
        }
    }

    pub(super) fn commit(mut self) -> StorageResult<()> {
        self.finish("COMMIT")?;
        self.open = false;
        if let TxConn::Sqlite(_, checkpoints) = &self.conn {
            checkpoints.nudge();
        }
        Ok(())
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open
            && let Err(e) = self.finish("ROLLBACK")
        {
            tracing::error!(error = %e, "rolling back a write transaction");
        }
    }
}

impl Db for Tx<'_> {
    fn dialect(&self) -> Dialect {
        self.db().dialect()
    }
    fn exec(&self, sql: &str, args: &[Value]) -> aisle_ledger::Result<usize> {
        self.db().exec(sql, args)
    }
    fn each(
        &self,
        sql: &str,
        args: &[Value],
        f: &mut dyn FnMut(&Row<'_>) -> aisle_ledger::Result<()>,
    ) -> aisle_ledger::Result<()> {
        self.db().each(sql, args, f)
    }
    fn insert_rows(
        &self,
        table: &str,
        columns: &[&str],
        rows: Vec<Vec<Value>>,
    ) -> aisle_ledger::Result<u64> {
        self.db().insert_rows(table, columns, rows)
    }
}

/// A read connection ([`Backend::read`]).
pub(super) enum Reader<'a> {
    Sqlite {
        conn: Option<Connection>,
        pool: &'a Mutex<Vec<Connection>>,
    },
    Postgres(Box<Pooled<'a>>),
}

impl Reader<'_> {
    fn sqlite(&self) -> StorageResult<&Connection> {
        match self {
            Self::Sqlite { conn: Some(c), .. } => Ok(c),
            _ => Err(StorageError::Internal(
                "not an SQLite read connection".into(),
            )),
        }
    }

    fn db(&self) -> aisle_ledger::Result<&dyn Db> {
        match self {
            Self::Sqlite { conn: Some(c), .. } => Ok(c),
            Self::Postgres(c) => Ok(&***c),
            Self::Sqlite { conn: None, .. } => Err(aisle_ledger::LedgerError::Invalid(
                "a read connection is used after drop".into(),
            )),
        }
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Self::Sqlite { conn, pool } = self
            && let (Some(conn), Ok(mut idle)) = (conn.take(), pool.lock())
            && idle.len() < IDLE
        {
            idle.push(conn);
        }
    }
}

impl Db for Reader<'_> {
    fn dialect(&self) -> Dialect {
        match self {
            Self::Sqlite { .. } => Dialect::Sqlite,
            Self::Postgres(_) => Dialect::Postgres,
        }
    }
    fn exec(&self, sql: &str, args: &[Value]) -> aisle_ledger::Result<usize> {
        self.db()?.exec(sql, args)
    }
    fn each(
        &self,
        sql: &str,
        args: &[Value],
        f: &mut dyn FnMut(&Row<'_>) -> aisle_ledger::Result<()>,
    ) -> aisle_ledger::Result<()> {
        self.db()?.each(sql, args, f)
    }
}

/// Brings a PostgreSQL database to the latest schema (`schema::postgres`), under the write lock
/// and in one transaction: two servers starting at once migrate it once, and a failed migration
/// leaves it as it was.
pub(super) fn migrate_postgres(conn: &PgConn) -> StorageResult<()> {
    conn.batch("BEGIN")?;
    let run = (|| -> StorageResult<()> {
        conn.exec(
            "SELECT pg_advisory_xact_lock(?1)",
            aisle_ledger::args![WRITE_LOCK],
        )?;
        conn.batch(
            "CREATE TABLE IF NOT EXISTS aisle_schema (
                 singleton BIGINT PRIMARY KEY CHECK (singleton = 1),
                 version   BIGINT NOT NULL)",
        )?;
        let at: i64 =
            aisle_ledger::db::DbExt::value(conn, "SELECT version FROM aisle_schema", &[])?
                .unwrap_or(0);
        let all = crate::schema::postgres::MIGRATIONS;
        let at = usize::try_from(at).unwrap_or(usize::MAX);
        if at > all.len() {
            return Err(StorageError::Internal(format!(
                "the database is at schema version {at}, newer than this server's {}: upgrade the server",
                all.len()
            )));
        }
        for sql in &all[at..] {
            conn.batch(sql)?;
        }
        conn.exec(
            "INSERT INTO aisle_schema (singleton, version) VALUES (1, ?1)
             ON CONFLICT (singleton) DO UPDATE SET version = excluded.version",
            aisle_ledger::args![all.len() as i64],
        )?;
        Ok(())
    })();
    match run {
        Ok(()) => Ok(conn.batch("COMMIT")?),
        Err(e) => {
            let _ = conn.batch("ROLLBACK");
            Err(e)
        }
    }
}
