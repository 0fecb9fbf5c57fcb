//! Platform memory: what an adapter keeps to translate later events back, and which inbound
//! events were already seen.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::result::StoreResult;

/// What adapters remember between events; an adapter needs nothing else from the store.
#[async_trait]
pub trait MemoryStore: Send + Sync {
    /// Records an inbound event key; false if it was seen before (a redelivery to ignore).
    async fn first_sight(&self, key: &str, now: DateTime<Utc>) -> StoreResult<bool>;

    /// Adapter memory: what a platform needs to translate later events back (which reaction
    /// on which message means which choice, which room an introduction created). Pruned
    /// with everything else after 30 days.
    async fn remember(
        &self,
        platform: &str,
        key: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()>;
    async fn recall(&self, platform: &str, key: &str) -> StoreResult<Option<String>>;
}
