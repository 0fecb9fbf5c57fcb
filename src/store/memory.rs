//! Platform memory and seen inbound events.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::pool::SqlStore;
use super::rows::{db, ts};
use crate::core::store::{MemoryStore, StoreResult};

#[async_trait]
impl MemoryStore for SqlStore {
    async fn first_sight(&self, key: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO inbound_seen (key, seen_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(ts(now))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn remember(
        &self,
        platform: &str,
        key: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO platform_memory (platform, key, value, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (platform, key) DO UPDATE SET value = $3, created_at = $4",
        )
        .bind(platform)
        .bind(key)
        .bind(value)
        .bind(ts(now))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn recall(&self, platform: &str, key: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT value FROM platform_memory WHERE platform = $1 AND key = $2")
            .bind(platform)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| r.try_get::<String, _>(0))
            .transpose()
            .map_err(db)
    }
}
