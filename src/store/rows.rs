//! What every read and write shares: timestamps stored as Unix seconds, sqlx errors as the
//! core's `StoreError`, and stored text read into the core's types once, where rows are read.

use std::fmt::Display;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::core::error::StoreError;
use crate::core::store::StoreResult;
use crate::core::when::Rule;

pub fn ts(at: DateTime<Utc>) -> i64 {
    at.timestamp()
}

pub fn from_ts(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub fn db(error: sqlx::Error) -> StoreError {
    StoreError::new(error)
}

/// One stored row, named for errors: a value in it that does not parse is
/// `StoreError::Corrupt` naming the table, the row and the column, never a default.
pub struct Stored<'a> {
    pub table: &'static str,
    /// The row's key as shown: its id, or its primary key's columns as `(ams, @ana:test)`.
    pub id: &'a dyn Display,
}

impl Stored<'_> {
    pub fn read<T>(
        &self,
        column: &'static str,
        value: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> StoreResult<T> {
        parse(value).ok_or_else(|| StoreError::Corrupt {
            table: self.table,
            id: self.id.to_string(),
            column,
            value: value.to_string(),
        })
    }

    pub fn zone(&self, column: &'static str, value: &str) -> StoreResult<Tz> {
        self.read(column, value, |text| text.parse().ok())
    }

    pub fn rule(&self, column: &'static str, value: &str) -> StoreResult<Rule> {
        self.read(column, value, |text| Rule::from_text(text).ok())
    }
}

/// A composite primary key as `Stored` shows it, `(1, @ana:test)`; written out only when an
/// error names it.
pub struct Key<'a>(pub &'a [&'a dyn Display]);

impl Display for Key<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("(")?;
        for (n, part) in self.0.iter().enumerate() {
            if n > 0 {
                f.write_str(", ")?;
            }
            part.fmt(f)?;
        }
        f.write_str(")")
    }
}
