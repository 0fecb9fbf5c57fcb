//! What every read and write shares: timestamps stored as Unix seconds, and sqlx errors as the
//! core's `StoreError`.

use chrono::{DateTime, Utc};

use crate::core::error::StoreError;

pub fn ts(at: DateTime<Utc>) -> i64 {
    at.timestamp()
}

pub fn from_ts(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub fn db(error: sqlx::Error) -> StoreError {
    StoreError::new(error)
}
