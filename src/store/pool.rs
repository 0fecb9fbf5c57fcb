//! `SqlStore` itself: the pool, which backend it speaks, its migrations and transactions.
//! Each capability's file implements its part of the store on it.

use std::time::Duration as StdDuration;

use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, install_default_drivers};

use super::rows::db;
use super::url::{Backend, DatabaseUrl};
use crate::core::store::StoreResult;

/// How long a PostgreSQL query waits for a connection, counting reconnection attempts.
const POSTGRES_ACQUIRE_TIMEOUT: StdDuration = StdDuration::from_secs(1);

pub struct SqlStore {
    pub(super) pool: AnyPool,
    backend: Backend,
}

impl SqlStore {
    /// Connects, creating the SQLite file (and its directory) if needed, and applies migrations.
    pub async fn open(url: &DatabaseUrl) -> anyhow::Result<SqlStore> {
        Ok(SqlStore::open_reporting(url).await?.0)
    }

    /// Connects without migrating.
    pub(super) async fn connect(url: &DatabaseUrl) -> anyhow::Result<SqlStore> {
        install_default_drivers();
        // SQLite only waits here for one of its own connections, busy with another write.
        let mut options = AnyPoolOptions::new().acquire_timeout(StdDuration::from_secs(10));
        if url.is_memory() {
            // Each connection to `:memory:` is its own database: keep exactly one, forever.
            options = options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        } else if url.backend() == Backend::Sqlite {
            url.create_parent_dir()?;
            // With WAL, NORMAL keeps the file consistent after a crash and saves an fsync per
            // commit; a power cut may lose the last commits, which the outbox keys make safe
            // to redo.
            options = options
                .max_connections(4)
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        sqlx::query("PRAGMA synchronous = NORMAL")
                            .execute(conn)
                            .await?;
                        Ok(())
                    })
                })
                // When a COMMIT fails for a full disk, SQLite rolls the transaction back itself
                // and sqlx's ROLLBACK then fails, so sqlx still counts a transaction open and
                // that connection refuses every later BEGIN, long after the disk has room
                // again: it is closed instead of being handed out.
                .before_acquire(|conn, _meta| {
                    Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) })
                });
        } else {
            // A server that cannot be reached makes sqlx retry the connection until this
            // deadline: a second keeps a member's command, and readiness, from hanging on it.
            options = options
                .max_connections(8)
                .acquire_timeout(POSTGRES_ACQUIRE_TIMEOUT);
        }
        let pool = options
            .connect(url.as_str())
            .await
            .map_err(|e| anyhow::anyhow!("cannot open the database at {}: {e}", url.redacted()))?;
        let store = SqlStore {
            pool,
            backend: url.backend(),
        };
        if store.backend == Backend::Sqlite && !url.is_memory() {
            // WAL lets the scheduler read while a command writes; it persists in the file.
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&store.pool)
                .await?;
        }
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A transaction, for reading then writing. On SQLite it takes the write lock at the
    /// start (`BEGIN IMMEDIATE`): a deferred transaction that read first is refused at once
    /// (SQLITE_BUSY_SNAPSHOT) if another connection wrote meanwhile, and the busy timeout does
    /// not help with that; waiting for the lock up front does.
    pub(super) async fn begin(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
        .map_err(db)
    }

    /// Picks the claim query: PostgreSQL skips rows another process has locked.
    pub(super) fn claim_sql(&self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        match self.backend {
            Backend::Sqlite => sqlite,
            Backend::Postgres => postgres,
        }
    }
}
