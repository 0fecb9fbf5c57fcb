//! The whole store, and units of work over it: several of the store's methods committed
//! together or not at all, so that an inbound command's seen-mark, the feature's writes and the
//! queued answer land as one.

use async_trait::async_trait;

use super::calendar::CalendarStore;
use super::coffee::CoffeeStore;
use super::events::EventStore;
use super::members::MemberStore;
use super::memory::MemoryStore;
use super::queue::QueueStore;
use super::reminders::ReminderStore;
use super::result::StoreResult;
use super::shoutouts::ShoutoutStore;
use super::upkeep::UpkeepStore;

/// Everything the core asks of persistence. Implemented for whatever implements every part.
pub trait Store:
    QueueStore
    + MemoryStore
    + MemberStore
    + ReminderStore
    + EventStore
    + CalendarStore
    + CoffeeStore
    + ShoutoutStore
    + UpkeepStore
    + UnitStore
{
}

impl<T> Store for T where
    T: QueueStore
        + MemoryStore
        + MemberStore
        + ReminderStore
        + EventStore
        + CalendarStore
        + CoffeeStore
        + ShoutoutStore
        + UpkeepStore
        + UnitStore
        + ?Sized
{
}

/// A store that can open a unit of work.
#[async_trait]
pub trait UnitStore: Send + Sync {
    /// A store whose every method runs in one transaction until [`Unit::commit`]; dropped
    /// without a commit, nothing it wrote stays. While it is open it holds the database's write
    /// lock on SQLite: keep slow work (fetches, lookups) outside it.
    async fn unit(&self) -> StoreResult<Box<dyn Unit>>;
}

/// An open unit of work.
#[async_trait]
pub trait Unit: Store {
    async fn commit(self: Box<Self>) -> StoreResult<()>;
}
