//! Units of work: several of the store's methods committed together or not at all, so that an
//! inbound command's seen-mark, the feature's writes and the queued answer land as one.

use async_trait::async_trait;

use super::Store;
use super::result::StoreResult;

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
