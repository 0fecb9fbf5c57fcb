//! The `Store` on sqlx: SQLite by default, PostgreSQL when the URL says `postgres://`.
//!
//! One implementation serves both through sqlx's `Any` driver: the SQL is shared except where
//! PostgreSQL needs `FOR UPDATE SKIP LOCKED` so that several processes can claim work at once.
//! Each capability's part of the store is implemented in the file of the same name as the
//! core's part (`core/store/events.rs`, `store/events.rs`).

mod calendar;
mod coffee;
mod events;
mod jobs;
mod listen;
mod lock;
mod members;
mod memory;
mod migrations;
mod pool;
mod queue;
mod reminders;
mod rows;
mod shoutouts;
mod upkeep;
mod url;

pub use lock::{DatabaseLock, LockMode};
pub use migrations::{MigrationName, MigrationState};
pub use pool::SqlStore;
pub use url::{ACCEPTED_DATABASES, Backend, DatabaseUrl, DatabaseUrlError};
