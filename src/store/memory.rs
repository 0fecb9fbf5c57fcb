//! Platform memory and seen inbound events.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::pool::SqlStore;
use super::rows::{db, ts};
use crate::core::store::{
    ANSWERS_PLATFORM, MEMBER_MEMORY_PREFIX, MemoryStore, StoreResult, answer_memory_key,
    member_of_memory_key,
};

#[async_trait]
impl MemoryStore for SqlStore {
    async fn first_sight(&self, key: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO inbound_seen (key, seen_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(ts(now))
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn seen(&self, key: &str) -> StoreResult<bool> {
        let row = sqlx::query("SELECT 1 FROM inbound_seen WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(row.is_some())
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
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn recall(&self, platform: &str, key: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT value FROM platform_memory WHERE platform = $1 AND key = $2")
            .bind(platform)
            .bind(key)
            .fetch_optional(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        row.map(|r| r.try_get::<String, _>(0))
            .transpose()
            .map_err(db)
    }

    async fn record_answer(
        &self,
        society: &str,
        member: &str,
        offer: &str,
        choice: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<String>> {
        let key = answer_memory_key(society, member, offer);
        let done = sqlx::query(
            "INSERT INTO platform_memory (platform, key, value, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (platform, key) DO NOTHING",
        )
        .bind(ANSWERS_PLATFORM)
        .bind(&key)
        .bind(choice)
        .bind(ts(now))
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        if done.rows_affected() == 1 {
            return Ok(None);
        }
        // Reopened between the two statements: the member may answer, but this tap is not
        // recorded; taking it as the earlier answer refuses it, which is the safe side.
        Ok(Some(
            self.recall(ANSWERS_PLATFORM, &key)
                .await?
                .unwrap_or_default(),
        ))
    }

    async fn reopen_offer(&self, society: &str, member: &str, offer: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM platform_memory WHERE platform = $1 AND key = $2")
            .bind(ANSWERS_PLATFORM)
            .bind(answer_memory_key(society, member, offer))
            .execute(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        Ok(())
    }
}

/// Deletes what any adapter remembers about the member under
/// [`member_memory_key`](crate::core::store::member_memory_key)s. Platform
/// memory is not per society: a DM channel or a last-used society is the member's, wherever
/// they asked to be forgotten, and an adapter finds either again when the member returns.
pub(super) async fn erase_member_memory(
    tx: &mut sqlx::AnyConnection,
    member_id: &str,
) -> StoreResult<u64> {
    let escaped: String = member_id
        .chars()
        .flat_map(|c| match c {
            '\\' | '%' | '_' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    let rows =
        sqlx::query("SELECT platform, key FROM platform_memory WHERE key LIKE $1 ESCAPE '\\'")
            .bind(format!("{MEMBER_MEMORY_PREFIX}%:{escaped}"))
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
    let mut erased = 0;
    for row in rows {
        let platform: String = row.try_get(0).map_err(db)?;
        let key: String = row.try_get(1).map_err(db)?;
        // LIKE's `%` could span a colon; the exact member is read back from the key.
        if member_of_memory_key(&key) != Some(member_id) {
            continue;
        }
        erased += sqlx::query("DELETE FROM platform_memory WHERE platform = $1 AND key = $2")
            .bind(platform)
            .bind(key)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
    }
    Ok(erased)
}
