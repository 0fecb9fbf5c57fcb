//! Upkeep of the whole database: row counts and pruning what no feature needs any more.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::result::StoreResult;

/// Row counts, for "nothing was stored" checks and `!profile`'s summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub profiles: i64,
    pub reminders: i64,
    pub jobs: i64,
    pub outbox: i64,
    pub confirmations: i64,
    pub admin_log: i64,
    /// Pairing programmes, their members, mentor offers and rounds together.
    pub pairing: i64,
    /// Events and RSVPs together.
    pub events: i64,
    /// Shout-outs, digests and welcome dialogues together.
    pub community: i64,
}

/// How far behind the queues are, for the operator's gauges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueHealth {
    /// Outbox rows waiting to be sent (including those waiting for a retry).
    pub outbox_pending: i64,
    /// When the oldest of them was queued.
    pub oldest_pending_since: Option<DateTime<Utc>>,
    /// The due time of the oldest job that is due and not claimed by any process.
    pub oldest_unclaimed_due: Option<DateTime<Utc>>,
}

/// Questions about every table at once, rather than one capability's.
#[async_trait]
pub trait UpkeepStore: Send + Sync {
    async fn counts(&self) -> StoreResult<Counts>;

    /// The outbox's depth and age and the oldest due job nobody has claimed, as of `now`.
    async fn queue_health(&self, now: DateTime<Utc>) -> StoreResult<QueueHealth>;

    /// Deletes what no feature needs any more: finished reminders and their jobs, delivered
    /// or abandoned outbox rows and seen-event keys older than `before`, expired questions.
    /// Returns how many rows went.
    async fn prune(&self, before: DateTime<Utc>, now: DateTime<Utc>) -> StoreResult<u64>;

    /// Fails unless the store can take a write now: writes a row large enough to need fresh
    /// space, deletes it, and commits, so a full disk or a lost connection shows here as it
    /// would on a member's command. Leaves nothing behind.
    async fn probe_write(&self, now: DateTime<Utc>) -> StoreResult<()>;

    /// The platforms that have jobs or sends in the store, alphabetically: a shell asked to
    /// open a live deployment's database learns that it holds Discord or Matrix data.
    async fn platforms_in_use(&self) -> StoreResult<Vec<String>>;
}
