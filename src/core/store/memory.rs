//! Platform memory: what an adapter keeps to translate later events back, and which inbound
//! events were already seen.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::result::StoreResult;

/// The key an adapter remembers something about one member under: `member:<kind>:<member id>`,
/// `kind` without a colon (`dm`, `society`). Erasing a member deletes every key of this shape
/// that ends in their id, so an adapter that keys member data this way needs no erasure code of
/// its own, and the core needs to know nothing of the platform.
pub fn member_memory_key(kind: &str, member_id: &str) -> String {
    debug_assert!(!kind.contains(':'), "a member memory kind has no colon");
    format!("{MEMBER_MEMORY_PREFIX}{kind}:{member_id}")
}

pub const MEMBER_MEMORY_PREFIX: &str = "member:";

/// The member a [`member_memory_key`] is about, if `key` is one.
pub fn member_of_memory_key(key: &str) -> Option<&str> {
    let (_, member) = key.strip_prefix(MEMBER_MEMORY_PREFIX)?.split_once(':')?;
    Some(member)
}

/// What adapters remember between events; an adapter needs nothing else from the store.
#[async_trait]
pub trait MemoryStore: Send + Sync {
    /// Records an inbound event key; false if it was seen before (a redelivery to ignore).
    async fn first_sight(&self, key: &str, now: DateTime<Utc>) -> StoreResult<bool>;

    /// Whether an inbound event key was recorded, without recording it: a redelivery is
    /// recognised before any work (or write transaction) starts for it.
    async fn seen(&self, key: &str) -> StoreResult<bool>;

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

    /// Records that `member` answered `offer` in `society` with `choice`, unless they already
    /// had: then nothing changes and their earlier choice comes back. Atomic, so two taps
    /// racing each other cannot both be the first.
    async fn record_answer(
        &self,
        society: &str,
        member: &str,
        offer: &str,
        choice: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<String>>;

    /// Opens `offer` to `member` again: it was asked anew, or their answer could not be acted on.
    async fn reopen_offer(&self, society: &str, member: &str, offer: &str) -> StoreResult<()>;
}

/// Where a member's answer to an offer is kept: a [`member_memory_key`], so erasing the member
/// erases their answers too.
pub fn answer_memory_key(society: &str, member: &str, offer: &str) -> String {
    member_memory_key(
        &format!("answered/{society}/{offer}").replace(':', "/"),
        member,
    )
}

/// Answers are the core's memory, not an adapter's: no adapter uses this platform name, and
/// pruning passes over it (`src/store/upkeep.rs` names it too).
pub const ANSWERS_PLATFORM: &str = "rounds-answers";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_memory_key_names_its_member_exactly() {
        for member in ["123456789012345678", "@ana:matrix.example.org", "@a_b%c:x"] {
            let key = member_memory_key("dm", member);
            assert_eq!(member_of_memory_key(&key), Some(member));
        }
        assert_eq!(member_of_memory_key("announce:event:1"), None);
        assert_eq!(member_of_memory_key("dm:123"), None);
    }
}
