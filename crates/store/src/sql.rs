//! The one seam between the store's logic and its two databases.
//!
//! Everything the store does ([`crate::api`]) is written once against the
//! [`Db`] trait, with SQL in the common subset of SQLite and PostgreSQL
//! (`?1`-style placeholders, `RETURNING`, `ON CONFLICT`, `COALESCE`). Each
//! backend implements [`Db`] for its connection or transaction: SQLite here
//! ([`Lite`]), PostgreSQL in `pg.rs` (which rewrites `?n` to `$n`). What
//! differs per dialect is only SQL text: the schema (`schema.rs`, `pg.rs`),
//! row locks ([`Db::FOR_UPDATE`]), and the bulk card insert.

use crate::error::{Result, StoreError, classify, is_unique_violation};
use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, ValueRef};

/// A statement parameter. Every variant is optional so that a NULL keeps its
/// column type (PostgreSQL checks parameter types).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Param<'a> {
    /// An integer (`INTEGER` / `BIGINT`).
    Int(Option<i64>),
    /// Text.
    Text(Option<&'a str>),
    /// Bytes (`BLOB` / `BYTEA`).
    Blob(Option<&'a [u8]>),
}

impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Param::Int(Some(v))
    }
}

impl From<Option<i64>> for Param<'_> {
    fn from(v: Option<i64>) -> Self {
        Param::Int(v)
    }
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Param::Text(Some(v))
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(v: &'a String) -> Self {
        Param::Text(Some(v))
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Param::Text(v)
    }
}

impl<'a> From<&'a Option<String>> for Param<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Param::Text(v.as_deref())
    }
}

impl<'a> From<Option<&'a [u8]>> for Param<'a> {
    fn from(v: Option<&'a [u8]>) -> Self {
        Param::Blob(v)
    }
}

impl<'a> From<&'a [u8]> for Param<'a> {
    fn from(v: &'a [u8]) -> Self {
        Param::Blob(Some(v))
    }
}

/// `[p1, p2, ...]` as a slice of [`Param`]s.
macro_rules! params {
    ($($p:expr),* $(,)?) => {
        &[$($crate::sql::Param::from($p)),*][..]
    };
}
pub(crate) use params;

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Param::Int(Some(v)) => ValueRef::Integer(v),
            Param::Text(Some(s)) => ValueRef::Text(s.as_bytes()),
            Param::Blob(Some(b)) => ValueRef::Blob(b),
            Param::Int(None) | Param::Text(None) | Param::Blob(None) => ValueRef::Null,
        }))
    }
}

/// A column value read back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum Value {
    /// NULL.
    #[default]
    Null,
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

/// One result row; the getters take the value out and say which column of
/// which database was not what the schema promises.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) values: Vec<Value>,
    pub(crate) path: std::sync::Arc<str>,
}

impl Row {
    fn take(&mut self, i: usize) -> Value {
        self.values
            .get_mut(i)
            .map(std::mem::take)
            .unwrap_or_default()
    }

    fn bad(&self, i: usize, want: &str) -> StoreError {
        StoreError::Corrupt {
            path: self.path.to_string(),
            what: format!("column {i}: expected {want}"),
        }
    }

    /// An integer column.
    pub(crate) fn int(&mut self, i: usize) -> Result<i64> {
        match self.take(i) {
            Value::Int(v) => Ok(v),
            _ => Err(self.bad(i, "an integer")),
        }
    }

    /// A non-negative integer column.
    pub(crate) fn count(&mut self, i: usize) -> Result<u64> {
        let v = self.int(i)?;
        u64::try_from(v).map_err(|_| self.bad(i, "a non-negative integer"))
    }

    /// A nullable integer column.
    pub(crate) fn opt_int(&mut self, i: usize) -> Result<Option<i64>> {
        match self.take(i) {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(v)),
            _ => Err(self.bad(i, "an integer or NULL")),
        }
    }

    /// A text column.
    pub(crate) fn text(&mut self, i: usize) -> Result<String> {
        match self.take(i) {
            Value::Text(v) => Ok(v),
            _ => Err(self.bad(i, "text")),
        }
    }

    /// A nullable text column.
    pub(crate) fn opt_text(&mut self, i: usize) -> Result<Option<String>> {
        match self.take(i) {
            Value::Null => Ok(None),
            Value::Text(v) => Ok(Some(v)),
            _ => Err(self.bad(i, "text or NULL")),
        }
    }

    /// A bytes column.
    pub(crate) fn blob(&mut self, i: usize) -> Result<Vec<u8>> {
        match self.take(i) {
            Value::Blob(v) => Ok(v),
            _ => Err(self.bad(i, "bytes")),
        }
    }

    /// A bytes column that may be NULL.
    pub(crate) fn opt_blob(&mut self, i: usize) -> Result<Option<Vec<u8>>> {
        match self.take(i) {
            Value::Null => Ok(None),
            Value::Blob(v) => Ok(Some(v)),
            _ => Err(self.bad(i, "bytes or NULL")),
        }
    }
}

/// A connection or transaction of one backend.
pub(crate) trait Db {
    /// Appended to a `SELECT` that must lock the rows it reads until the
    /// transaction ends: `" FOR UPDATE"` on PostgreSQL; empty on SQLite,
    /// where every writing transaction holds the database's write lock from
    /// its start (`BEGIN IMMEDIATE`).
    const FOR_UPDATE: &'static str;

    /// The database, for error messages (never with credentials).
    fn path(&self) -> &str;

    /// Run a statement; the number of rows changed.
    fn exec(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64>;

    /// Run a statement; `None` when it broke a UNIQUE or PRIMARY KEY
    /// constraint (the caller turns that into a precise error).
    fn exec_unique(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Option<u64>>;

    /// Run a query; every row.
    fn query(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>>;

    /// Run a query; the first row, if any.
    fn query_opt(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Run a query that returns exactly one row.
    fn query_one(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Row> {
        self.query_opt(sql, params)?
            .ok_or_else(|| StoreError::Corrupt {
                path: self.path().to_owned(),
                what: "a query that returns one row returned none".into(),
            })
    }
}

/// SQLite: a connection, or a transaction (which dereferences to one).
pub(crate) struct Lite<'a> {
    pub(crate) conn: &'a Connection,
    pub(crate) path: &'a std::sync::Arc<str>,
}

impl Db for Lite<'_> {
    const FOR_UPDATE: &'static str = "";

    fn path(&self) -> &str {
        self.path
    }

    fn exec(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut s| s.execute(rusqlite::params_from_iter(params)))
            .map(|n| n as u64)
            .map_err(|e| classify(self.path, e))
    }

    fn exec_unique(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Option<u64>> {
        match self
            .conn
            .prepare_cached(sql)
            .and_then(|mut s| s.execute(rusqlite::params_from_iter(params)))
        {
            Ok(n) => Ok(Some(n as u64)),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(classify(self.path, e)),
        }
    }

    fn query(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>> {
        let err = |e| classify(self.path, e);
        let mut stmt = self.conn.prepare_cached(sql).map_err(err)?;
        let columns = stmt.column_count();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params))
            .map_err(err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(err)? {
            let mut values = Vec::with_capacity(columns);
            for i in 0..columns {
                values.push(match r.get_ref(i).map_err(err)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Text(t) => match std::str::from_utf8(t) {
                        Ok(t) => Value::Text(t.to_owned()),
                        Err(_) => {
                            return Err(StoreError::Corrupt {
                                path: self.path.to_string(),
                                what: format!("column {i}: text that is not UTF-8"),
                            });
                        }
                    },
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                    ValueRef::Real(_) => {
                        return Err(StoreError::Corrupt {
                            path: self.path.to_string(),
                            what: format!("column {i}: a floating-point value"),
                        });
                    }
                });
            }
            out.push(Row {
                values,
                path: self.path.clone(),
            });
        }
        Ok(out)
    }
}
