//! Row counts across every table, and pruning what no feature needs any more.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::pool::SqlStore;
use super::rows::{db, from_ts, ts};
use crate::core::store::{Counts, QueueHealth, StoreResult, UpkeepStore};

#[async_trait]
impl UpkeepStore for SqlStore {
    async fn platforms_in_use(&self) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT platform FROM jobs UNION SELECT platform FROM outbox ORDER BY platform",
        )
        .fetch_all(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| row.try_get::<String, _>(0).map_err(db))
            .collect()
    }

    async fn counts(&self) -> StoreResult<Counts> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM profiles), (SELECT COUNT(*) FROM reminders), (SELECT COUNT(*) FROM jobs), \
                    (SELECT COUNT(*) FROM outbox), (SELECT COUNT(*) FROM confirmations), (SELECT COUNT(*) FROM admin_log), \
                    (SELECT COUNT(*) FROM coffee_programmes) + (SELECT COUNT(*) FROM coffee_members) + (SELECT COUNT(*) FROM mentor_roles) + (SELECT COUNT(*) FROM coffee_rounds), \
                    (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM rsvps) + (SELECT COUNT(*) FROM attendance) + (SELECT COUNT(*) FROM event_series) \
                    + (SELECT COUNT(*) FROM event_skips) + (SELECT COUNT(*) FROM event_imports) + (SELECT COUNT(*) FROM calendar_feeds), \
                    (SELECT COUNT(*) FROM shoutouts) + (SELECT COUNT(*) FROM shoutout_digests) + (SELECT COUNT(*) FROM onboarding)",
        )
        .fetch_one(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        let get = |i: usize| -> StoreResult<i64> { row.try_get(i).map_err(db) };
        Ok(Counts {
            profiles: get(0)?,
            reminders: get(1)?,
            jobs: get(2)?,
            outbox: get(3)?,
            confirmations: get(4)?,
            admin_log: get(5)?,
            pairing: get(6)?,
            events: get(7)?,
            community: get(8)?,
        })
    }

    async fn queue_health(&self, now: DateTime<Utc>) -> StoreResult<QueueHealth> {
        // Both answers come from the indexes the senders and the scheduler claim with.
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM outbox WHERE state = 'pending'), \
                    (SELECT MIN(created_at) FROM outbox WHERE state = 'pending'), \
                    (SELECT MIN(due_at) FROM jobs WHERE state = 'pending' AND due_at <= $1 \
                       AND (lease_until IS NULL OR lease_until < $1))",
        )
        .bind(ts(now))
        .fetch_one(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        let pending: i64 = row.try_get(0).map_err(db)?;
        let oldest: Option<i64> = row.try_get(1).map_err(db)?;
        let due: Option<i64> = row.try_get(2).map_err(db)?;
        Ok(QueueHealth {
            outbox_pending: pending,
            oldest_pending_since: oldest.map(from_ts),
            oldest_unclaimed_due: due.map(from_ts),
        })
    }

    async fn prune(&self, before: DateTime<Utc>, now: DateTime<Utc>) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let mut removed = 0;
        for (sql, at) in [
            (
                "DELETE FROM reminders WHERE id IN (SELECT subject FROM jobs WHERE kind = 'reminder' AND state IN ('done', 'cancelled') AND due_at < $1)",
                before,
            ),
            (
                "DELETE FROM jobs WHERE state IN ('done', 'cancelled') AND due_at < $1",
                before,
            ),
            (
                "DELETE FROM outbox WHERE state IN ('sent', 'failed') AND created_at < $1",
                before,
            ),
            ("DELETE FROM inbound_seen WHERE seen_at < $1", before),
            // Members' answers stay as long as the buttons they answered (for good, on
            // Discord); erasing the member removes them.
            (
                "DELETE FROM platform_memory WHERE created_at < $1 AND platform <> 'rounds-answers'",
                before,
            ),
            ("DELETE FROM confirmations WHERE expires_at < $1", now),
            // A declined shout-out, or one never answered, is not kept once its question expired.
            (
                "DELETE FROM shoutouts WHERE status IN ('declined', 'pending') AND created_at < $1",
                before,
            ),
        ] {
            removed += sqlx::query(sql)
                .bind(ts(at))
                .execute(&mut *tx)
                .await
                .map_err(db)?
                .rows_affected();
        }
        tx.commit().await.map_err(db)?;
        Ok(removed)
    }

    async fn probe_write(&self, now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        // Unique even for two probes in the same instant, which would otherwise collide.
        static PROBES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let key = format!(
            "write-probe:{}:{}",
            now.timestamp_nanos_opt().unwrap_or_default(),
            PROBES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        sqlx::query(
            "INSERT INTO platform_memory (platform, key, value, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(PROBE_PLATFORM)
        .bind(&key)
        .bind(probe_value())
        .bind(ts(now))
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        sqlx::query("DELETE FROM platform_memory WHERE platform = $1 AND key = $2")
            .bind(PROBE_PLATFORM)
            .bind(&key)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(())
    }
}

/// No adapter uses this platform name, so the probe's row can never be read as memory.
const PROBE_PLATFORM: &str = "rounds-probe";

/// Larger than a page (SQLite's 4 KiB, PostgreSQL's TOAST threshold) and without repeats, so
/// writing it needs space that a full disk does not have, rather than room left in a page.
fn probe_value() -> String {
    let mut state: u32 = 0x9e37_79b9;
    (0..9000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            char::from(b'a' + (state % 26) as u8)
        })
        .collect()
}
