//! One way to run SQL on either database the ledger lives in: a device's or the server's SQLite
//! file, or the server's PostgreSQL (feature `postgres`). Code that both backends share (applying
//! an operation, master data, the books audit, and the server's engine) is written once against
//! [`Db`], in SQL both dialects accept, with `?1`-style placeholders.
//!
//! Written here rather than taken from a library: the crates that span SQLite and PostgreSQL
//! (sqlx, diesel) are async or an ORM, and would replace rusqlite on the device's scan path; this
//! is a thin layer over the two drivers the project already trusts (rusqlite, rust-postgres), with
//! values typed the way the schema stores them: integers, reals and text only (ids, dates and
//! times as text, flags as 0/1), so that one SQL text works on both.

use crate::{LedgerError, Result};
use aisle_domain::{
    DeviceId, ItemId, LocationId, OpId, OrderLineId, PlateId, ReceiptLineId, TaskId, WarehouseId,
};
use chrono::NaiveDate;

/// Which SQL dialect a [`Db`] speaks, for the few statements that must differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// SQL for the text at `path` (object keys) inside the JSON text in `column`.
    pub fn json_text(self, column: &str, path: &[&str]) -> String {
        match self {
            Self::Sqlite => format!("json_extract({column}, '$.{}')", path.join(".")),
            Self::Postgres => format!("({column}::jsonb #>> '{{{}}}')", path.join(",")),
        }
    }

    /// SQL for the first element, as text, of the JSON array in `column`.
    pub fn json_first(self, column: &str) -> String {
        match self {
            Self::Sqlite => format!("json_extract({column}, '$[0]')"),
            Self::Postgres => format!("({column}::jsonb ->> 0)"),
        }
    }

    /// SQL for the integer at `path` inside the JSON text in `column`.
    pub fn json_int(self, column: &str, path: &[&str]) -> String {
        format!("CAST({} AS BIGINT)", self.json_text(column, path))
    }

    /// SQL aggregating the text `expr` of a group, in order, joined by `sep` (a literal).
    pub fn joined(self, expr: &str, sep: &str) -> String {
        match self {
            Self::Sqlite => format!("group_concat({expr}, '{sep}')"),
            Self::Postgres => format!("string_agg({expr}, '{sep}' ORDER BY {expr})"),
        }
    }
}

/// A value bound to a statement or read from a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

/// Anything bound as an argument: `args![a, b]` calls this on each.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

/// Anything read from a column.
pub trait FromValue: Sized {
    fn from_value(v: Value) -> std::result::Result<Self, String>;
}

/// Arguments for a statement: `args![id, qty, lot]`.
#[macro_export]
macro_rules! args {
    () => { &[] as &[$crate::db::Value] };
    ($($a:expr),+ $(,)?) => { &[$($crate::db::ToValue::to_value(&$a)),+] as &[$crate::db::Value] };
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}
impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}
impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}
impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}
impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}
impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Real(*self)
    }
}
impl ToValue for NaiveDate {
    fn to_value(&self) -> Value {
        Value::Text(self.to_string())
    }
}
macro_rules! int_values {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Int(*self as i64)
            }
        }
        impl FromValue for $t {
            fn from_value(v: Value) -> std::result::Result<Self, String> {
                match v {
                    Value::Int(n) => <$t>::try_from(n).map_err(|_| format!("{n} is out of range")),
                    other => Err(format!("expected an integer, found {other:?}")),
                }
            }
        }
    )*};
}
int_values!(i64, i32, u32, u64, usize);

/// Ids are stored as their hyphenated text.
macro_rules! id_values {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Text(self.to_string())
            }
        }
        impl FromValue for $t {
            fn from_value(v: Value) -> std::result::Result<Self, String> {
                let text = String::from_value(v)?;
                text.parse().map_err(|_| format!("stored id {text:?} is not a UUID"))
            }
        }
    )*};
}
id_values!(
    DeviceId,
    ItemId,
    LocationId,
    OpId,
    OrderLineId,
    PlateId,
    ReceiptLineId,
    TaskId,
    WarehouseId
);

impl FromValue for Value {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        Ok(v)
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}
impl FromValue for String {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}
impl FromValue for bool {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Int(n) => Ok(n != 0),
            other => Err(format!("expected a 0/1 flag, found {other:?}")),
        }
    }
}
impl FromValue for f64 {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        match v {
            Value::Real(x) => Ok(x),
            Value::Int(n) => Ok(n as f64),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}
impl FromValue for NaiveDate {
    fn from_value(v: Value) -> std::result::Result<Self, String> {
        let text = String::from_value(v)?;
        text.parse().map_err(|_| format!("stored date {text:?}"))
    }
}

/// One row of a result, from either driver.
#[derive(Debug)]
pub struct Row<'a>(RowRef<'a>);

#[derive(Debug)]
enum RowRef<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    #[cfg(feature = "postgres")]
    Postgres(&'a postgres::Row),
}

impl Row<'_> {
    /// Column `i` as `T`; a value that does not decode is an error naming the column.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T> {
        T::from_value(self.value(i)?).map_err(|e| LedgerError::Decode(format!("column {i}: {e}")))
    }

    fn value(&self, i: usize) -> Result<Value> {
        match &self.0 {
            RowRef::Sqlite(r) => Ok(match r.get_ref(i)? {
                rusqlite::types::ValueRef::Null => Value::Null,
                rusqlite::types::ValueRef::Integer(n) => Value::Int(n),
                rusqlite::types::ValueRef::Real(x) => Value::Real(x),
                rusqlite::types::ValueRef::Text(t) => Value::Text(
                    std::str::from_utf8(t)
                        .map_err(|e| LedgerError::Decode(format!("column {i}: {e}")))?
                        .to_string(),
                ),
                rusqlite::types::ValueRef::Blob(_) => {
                    return Err(LedgerError::Decode(format!("column {i} is a blob")));
                }
            }),
            #[cfg(feature = "postgres")]
            RowRef::Postgres(r) => pg::value(r, i),
        }
    }
}

/// A connection (or transaction) that runs SQL written for both dialects.
pub trait Db {
    fn dialect(&self) -> Dialect;
    /// Runs a statement; returns the rows it changed.
    fn exec(&self, sql: &str, args: &[Value]) -> Result<usize>;
    /// Runs a query and hands each row to `f`.
    fn each(
        &self,
        sql: &str,
        args: &[Value],
        f: &mut dyn FnMut(&Row<'_>) -> Result<()>,
    ) -> Result<()>;

    /// Appends `rows` (values of `columns`, in order) to `table`: many rows to a statement, or
    /// on PostgreSQL one `COPY` (one round trip). A conflict with a unique key is an error, as
    /// for a plain `INSERT`. Returns the rows written. The rows are taken, so that their values
    /// are bound without another copy (a push's log rows carry each entry's text).
    fn insert_rows(&self, table: &str, columns: &[&str], rows: Vec<Vec<Value>>) -> Result<u64> {
        insert_many(self, table, columns, rows)
    }
}

/// Rows per `INSERT` statement of [`insert_many`].
const ROWS_PER_INSERT: usize = 100;

/// A `VALUES` list of `rows` tuples of `width` numbered parameters (`(?1, ?2), (?3, ?4)`).
pub fn values_list(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| {
            let first = r * width;
            let marks: Vec<String> = (first + 1..=first + width)
                .map(|i| format!("?{i}"))
                .collect();
            format!("({})", marks.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// [`Db::insert_rows`] as multi-row `INSERT` statements, for every backend.
pub fn insert_many<D: Db + ?Sized>(
    db: &D,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Value>>,
) -> Result<u64> {
    if let Some(bad) = rows.iter().find(|r| r.len() != columns.len()) {
        return Err(LedgerError::Invalid(format!(
            "a row of {} values for the {} columns of {table}",
            bad.len(),
            columns.len()
        )));
    }
    // Every full statement has the same text (prepared once, from the statement cache); only
    // the last may be shorter.
    let sql = |n: usize| {
        format!(
            "INSERT INTO {table} ({}) VALUES {}",
            columns.join(", "),
            values_list(n, columns.len())
        )
    };
    let full_rows = ROWS_PER_INSERT.min(rows.len());
    let full = sql(full_rows);
    let mut written = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut values = Vec::with_capacity(ROWS_PER_INSERT * columns.len());
        let mut n = 0;
        for row in rows.by_ref().take(ROWS_PER_INSERT) {
            values.extend(row);
            n += 1;
        }
        let short;
        let text = if n == full_rows {
            &full
        } else {
            short = sql(n);
            &short
        };
        written += db.exec(text, &values)? as u64;
    }
    Ok(written)
}

/// Conveniences over [`Db`] for every backend.
pub trait DbExt: Db {
    /// Every row, mapped.
    fn rows<T>(
        &self,
        sql: &str,
        args: &[Value],
        mut map: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.each(sql, args, &mut |r| {
            out.push(map(r)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row, mapped, if there is one.
    fn first<T>(
        &self,
        sql: &str,
        args: &[Value],
        mut map: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut out = None;
        self.each(sql, args, &mut |r| {
            if out.is_none() {
                out = Some(map(r)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row, mapped; a query that returns none (an aggregate always returns one) is an
    /// error.
    fn one<T>(
        &self,
        sql: &str,
        args: &[Value],
        map: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        self.first(sql, args, map)?
            .ok_or_else(|| LedgerError::Decode("the query returned no row".into()))
    }

    /// Column 0 of the first row, if there is one.
    fn value<T: FromValue>(&self, sql: &str, args: &[Value]) -> Result<Option<T>> {
        self.first(sql, args, |r| r.get(0))
    }
}

impl<D: Db + ?Sized> DbExt for D {}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(n) => ValueRef::Integer(*n),
            Value::Real(x) => ValueRef::Real(*x),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
        }))
    }
}

impl Db for rusqlite::Connection {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn exec(&self, sql: &str, args: &[Value]) -> Result<usize> {
        Ok(self
            .prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(args))?)
    }

    fn each(
        &self,
        sql: &str,
        args: &[Value],
        f: &mut dyn FnMut(&Row<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.prepare_cached(sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        while let Some(r) = rows.next()? {
            f(&Row(RowRef::Sqlite(r)))?;
        }
        Ok(())
    }
}

/// Types that are a connection by dereferencing to one: each answers as that connection.
macro_rules! db_by_deref {
    ($([$($generics:tt)*] $ty:ty),* $(,)?) => {$(
        impl<$($generics)*> Db for $ty {
            fn dialect(&self) -> Dialect {
                (**self).dialect()
            }
            fn exec(&self, sql: &str, args: &[Value]) -> Result<usize> {
                (**self).exec(sql, args)
            }
            fn each(
                &self,
                sql: &str,
                args: &[Value],
                f: &mut dyn FnMut(&Row<'_>) -> Result<()>,
            ) -> Result<()> {
                (**self).each(sql, args, f)
            }
            fn insert_rows(&self, table: &str, columns: &[&str], rows: Vec<Vec<Value>>) -> Result<u64> {
                (**self).insert_rows(table, columns, rows)
            }
        }
    )*};
}

db_by_deref!(
    // A transaction is its connection.
    ['t] rusqlite::Transaction<'t>,
    // The connection behind a lock (the server's writer).
    ['g] std::sync::MutexGuard<'g, rusqlite::Connection>,
    // A reference to a connection is one too (`&tx` where `tx: &dyn Db`).
    ['r, T: Db + ?Sized] &'r T,
);

#[cfg(feature = "postgres")]
pub use pg::{PgConn, RowWriter};

#[cfg(feature = "postgres")]
mod pg {
    //! The PostgreSQL side: `?N` placeholders become `$N`, statements are prepared once per
    //! connection, and values are converted to the parameter types PostgreSQL inferred.

    use super::{Db, Dialect, Row, RowRef, Value};
    use crate::{LedgerError, Result};
    use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
    use std::cell::RefCell;
    use std::collections::HashMap;

    /// From how many rows [`Db::insert_rows`] copies rather than inserts.
    const COPY_FROM_ROWS: usize = 20;

    /// Bytes of rows handed at once to a `COPY` ([`PgConn::copy_in`]).
    const COPY_CHUNK: usize = 256 * 1024;

    /// Writes one row of a [`PgConn::copy_in`].
    pub type RowWriter<'a> = dyn FnMut(&[Value]) -> Result<()> + 'a;

    /// A PostgreSQL connection with its prepared statements.
    pub struct PgConn {
        /// Always `Some` until dropped (see `Drop`).
        client: RefCell<Option<postgres::Client>>,
        statements: RefCell<HashMap<String, postgres::Statement>>,
    }

    /// The synchronous client owns a small runtime, which may not be dropped on a thread that is
    /// running async code (a test's body, a server shutting down): it is then dropped on a thread
    /// of its own.
    impl Drop for PgConn {
        fn drop(&mut self) {
            if let Some(client) = self.client.get_mut().take()
                && tokio::runtime::Handle::try_current().is_ok()
            {
                std::thread::spawn(move || drop(client));
            }
        }
    }

    impl std::fmt::Debug for PgConn {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("PgConn").finish_non_exhaustive()
        }
    }

    impl PgConn {
        pub fn new(client: postgres::Client) -> Self {
            Self {
                client: RefCell::new(Some(client)),
                statements: RefCell::new(HashMap::new()),
            }
        }

        /// Connects to `url` (`postgres://user@host:port/db`), without TLS: the database is on
        /// the server's own network (see docs/deployment.md).
        pub fn connect(url: &str) -> Result<Self> {
            Ok(Self::new(postgres::Client::connect(url, postgres::NoTls)?))
        }

        /// Runs SQL text as is (several statements, no arguments): migrations, `BEGIN`, `COMMIT`.
        pub fn batch(&self, sql: &str) -> Result<()> {
            Ok(self.client()?.batch_execute(sql)?)
        }

        /// Whether the connection is broken (the server restarted or the network dropped).
        pub fn is_closed(&self) -> bool {
            self.client
                .borrow()
                .as_ref()
                .is_none_or(postgres::Client::is_closed)
        }

        /// Loads rows into `table` with `COPY … FROM STDIN` (text format): one round trip for any
        /// number of rows, for copying a whole database in. `feed` is handed a function that
        /// writes one row of `columns`. Returns the rows written.
        pub fn copy_in(
            &self,
            table: &str,
            columns: &[String],
            feed: &mut dyn FnMut(&mut RowWriter<'_>) -> Result<()>,
        ) -> Result<u64> {
            use std::io::Write;
            let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
            let sql = format!("COPY \"{table}\" ({}) FROM STDIN", quoted.join(", "));
            let mut client = self.client()?;
            let mut writer = client.copy_in(&sql)?;
            let failed =
                |e: std::io::Error| LedgerError::Invalid(format!("copying into {table}: {e}"));
            // Rows are handed to the client COPY_CHUNK bytes at a time: it sends what it holds
            // at each write past 4 KiB, each send a trip through its runtime, and a push's
            // 5 MB of log rows went as 1,300 of them.
            let mut chunk = String::with_capacity(COPY_CHUNK + 4096);
            feed(&mut |row| {
                for (i, v) in row.iter().enumerate() {
                    if i > 0 {
                        chunk.push('\t');
                    }
                    copy_text(v, &mut chunk);
                }
                chunk.push('\n');
                if chunk.len() >= COPY_CHUNK {
                    writer.write_all(chunk.as_bytes()).map_err(failed)?;
                    chunk.clear();
                }
                Ok(())
            })?;
            writer.write_all(chunk.as_bytes()).map_err(failed)?;
            Ok(writer.finish()?)
        }

        fn client(&self) -> Result<std::cell::RefMut<'_, postgres::Client>> {
            std::cell::RefMut::filter_map(self.client.borrow_mut(), Option::as_mut)
                .map_err(|_| LedgerError::Invalid("the connection is closed".into()))
        }

        fn statement(&self, sql: &str) -> Result<postgres::Statement> {
            if let Some(s) = self.statements.borrow().get(sql) {
                return Ok(s.clone());
            }
            let prepared = self.client()?.prepare(&dollars(sql))?;
            self.statements
                .borrow_mut()
                .insert(sql.to_string(), prepared.clone());
            Ok(prepared)
        }
    }

    /// A value in `COPY`'s text format: `\\N` for NULL, backslash escapes for the separators.
    fn copy_text(v: &Value, out: &mut String) {
        match v {
            Value::Null => out.push_str("\\N"),
            Value::Int(n) => out.push_str(&n.to_string()),
            Value::Real(x) if x.is_nan() => out.push_str("NaN"),
            Value::Real(x) if x.is_infinite() => {
                out.push_str(if *x > 0.0 { "Infinity" } else { "-Infinity" })
            }
            Value::Real(x) => out.push_str(&x.to_string()),
            Value::Text(t) => {
                for c in t.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' => out.push_str("\\t"),
                        c => out.push(c),
                    }
                }
            }
        }
    }

    /// `?1` placeholders as PostgreSQL's `$1`, outside quoted text.
    pub(super) fn dollars(sql: &str) -> String {
        let mut out = String::with_capacity(sql.len());
        let mut quoted = false;
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\'' => {
                    quoted = !quoted;
                    out.push(c);
                }
                '?' if !quoted && chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
                _ => out.push(c),
            }
        }
        out
    }

    fn params(args: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
        args.iter().map(|a| a as &(dyn ToSql + Sync)).collect()
    }

    impl Db for PgConn {
        fn dialect(&self) -> Dialect {
            Dialect::Postgres
        }

        fn exec(&self, sql: &str, args: &[Value]) -> Result<usize> {
            let stmt = self.statement(sql)?;
            let n = self.client()?.execute(&stmt, &params(args))?;
            Ok(n as usize)
        }

        fn each(
            &self,
            sql: &str,
            args: &[Value],
            f: &mut dyn FnMut(&Row<'_>) -> Result<()>,
        ) -> Result<()> {
            let stmt = self.statement(sql)?;
            let rows = self.client()?.query(&stmt, &params(args))?;
            for r in &rows {
                f(&Row(RowRef::Postgres(r)))?;
            }
            Ok(())
        }

        fn insert_rows(&self, table: &str, columns: &[&str], rows: Vec<Vec<Value>>) -> Result<u64> {
            if rows.len() < COPY_FROM_ROWS {
                return super::insert_many(self, table, columns, rows);
            }
            let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
            self.copy_in(table, &columns, &mut |write| {
                rows.iter().try_for_each(|row| write(row))
            })
        }
    }

    /// A column as a [`Value`], by the type PostgreSQL reports for it.
    pub(super) fn value(r: &postgres::Row, i: usize) -> Result<Value> {
        let ty = r
            .columns()
            .get(i)
            .map(|c| c.type_().clone())
            .ok_or_else(|| LedgerError::Decode(format!("no column {i}")))?;
        let v = match ty {
            Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Value::Int),
            Type::INT4 => r
                .try_get::<_, Option<i32>>(i)?
                .map(|n| Value::Int(n.into())),
            Type::INT2 => r
                .try_get::<_, Option<i16>>(i)?
                .map(|n| Value::Int(n.into())),
            Type::BOOL => r
                .try_get::<_, Option<bool>>(i)?
                .map(|b| Value::Int(b.into())),
            Type::FLOAT8 => r.try_get::<_, Option<f64>>(i)?.map(Value::Real),
            Type::FLOAT4 => r
                .try_get::<_, Option<f32>>(i)?
                .map(|x| Value::Real(x.into())),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                r.try_get::<_, Option<String>>(i)?.map(Value::Text)
            }
            other => {
                return Err(LedgerError::Decode(format!(
                    "column {i} has type {other}; cast it to BIGINT, DOUBLE PRECISION or TEXT"
                )));
            }
        };
        Ok(v.unwrap_or(Value::Null))
    }

    impl ToSql for Value {
        fn to_sql(
            &self,
            ty: &Type,
            out: &mut bytes::BytesMut,
        ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
            match (self, ty) {
                (Value::Null, _) => Ok(IsNull::Yes),
                (Value::Int(n), &Type::INT8) => n.to_sql(ty, out),
                (Value::Int(n), &Type::INT4) => i32::try_from(*n)?.to_sql(ty, out),
                (Value::Int(n), &Type::INT2) => i16::try_from(*n)?.to_sql(ty, out),
                (Value::Int(n), &Type::BOOL) => (*n != 0).to_sql(ty, out),
                (Value::Int(n), &Type::FLOAT8) => (*n as f64).to_sql(ty, out),
                (Value::Int(n), &Type::TEXT | &Type::VARCHAR) => n.to_string().to_sql(ty, out),
                (Value::Real(x), &Type::FLOAT8) => x.to_sql(ty, out),
                (Value::Real(x), &Type::FLOAT4) => (*x as f32).to_sql(ty, out),
                (Value::Text(s), &Type::TEXT | &Type::VARCHAR | &Type::BPCHAR | &Type::NAME) => {
                    s.as_str().to_sql(ty, out)
                }
                (v, ty) => Err(format!("cannot bind {v:?} as {ty}").into()),
            }
        }

        fn accepts(_: &Type) -> bool {
            true
        }

        to_sql_checked!();
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn placeholders_become_dollars_outside_quotes() {
            assert_eq!(
                super::dollars("SELECT '?1', x FROM t WHERE a = ?1 AND b = ?12 OR c LIKE '%?%'"),
                "SELECT '?1', x FROM t WHERE a = $1 AND b = $12 OR c LIKE '%?%'"
            );
        }
    }
}
