//! `SqlStore` itself: the pool, which backend it speaks, its migrations and transactions.
//! Each capability's file implements its part of the store on it.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::listen::WorkChannel;
use super::rows::db;
use super::url::{Backend, DatabaseUrl};
use crate::core::error::StoreError;
use crate::core::store::{StoreResult, Unit, UnitStore};

/// How long a PostgreSQL query waits for a connection, counting reconnection attempts.
const POSTGRES_ACQUIRE_TIMEOUT: StdDuration = StdDuration::from_secs(1);

pub struct SqlStore {
    pub(super) pool: AnyPool,
    backend: Backend,
    /// Where statements run: the pool, or one open transaction every method shares (a unit of
    /// work, see [`SqlStore::unit`]).
    source: Source,
    /// On PostgreSQL, how this store tells other processes of work and hears of theirs.
    pub(super) work_channel: Option<Arc<WorkChannel>>,
}

enum Source {
    Pool,
    Unit(Arc<Mutex<UnitConn>>),
}

/// A unit of work's transaction. A method that wants a transaction of its own inside the unit
/// gets a savepoint; one dropped without commit is rolled back to before the next statement.
pub(super) struct UnitConn {
    tx: Option<sqlx::Transaction<'static, Any>>,
    savepoints: u64,
    undo: Vec<String>,
}

impl UnitConn {
    fn conn(&mut self) -> Result<&mut AnyConnection, sqlx::Error> {
        match self.tx.as_mut() {
            Some(tx) => Ok(&mut **tx),
            None => Err(sqlx::Error::PoolClosed),
        }
    }

    /// Rolls back the savepoints of methods that failed, before anything else runs.
    async fn settle(&mut self) -> Result<(), sqlx::Error> {
        while let Some(name) = self.undo.pop() {
            let conn = self.conn()?;
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "ROLLBACK TO SAVEPOINT {name}; RELEASE SAVEPOINT {name}"
            )))
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
}

/// A connection to run one statement on: from the pool, or the unit of work's.
pub(super) enum Conn {
    Pooled(PoolConnection<Any>),
    Unit(OwnedMutexGuard<UnitConn>),
}

impl Deref for Conn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            Conn::Pooled(conn) => conn,
            Conn::Unit(unit) => unit
                .tx
                .as_deref()
                .expect("a settled unit has its transaction"),
        }
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Conn::Pooled(conn) => conn,
            Conn::Unit(unit) => unit
                .tx
                .as_deref_mut()
                .expect("a settled unit has its transaction"),
        }
    }
}

/// A method's transaction: its own, or a savepoint inside the unit of work.
pub(super) enum Tx {
    Own(sqlx::Transaction<'static, Any>),
    Nested(Savepoint),
}

pub(super) struct Savepoint {
    unit: Option<OwnedMutexGuard<UnitConn>>,
    name: String,
}

impl Drop for Savepoint {
    fn drop(&mut self) {
        if let Some(unit) = self.unit.as_mut() {
            unit.undo.push(std::mem::take(&mut self.name));
        }
    }
}

impl Tx {
    pub(super) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Own(tx) => tx.commit().await,
            Tx::Nested(mut savepoint) => {
                let mut unit = savepoint.unit.take().expect("a savepoint commits once");
                let released = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "RELEASE SAVEPOINT {}",
                    savepoint.name
                )))
                .execute(unit.conn()?)
                .await;
                if released.is_err() {
                    unit.undo.push(std::mem::take(&mut savepoint.name));
                }
                released.map(|_| ())
            }
        }
    }
}

impl Tx {
    pub(super) async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Own(tx) => tx.rollback().await,
            Tx::Nested(mut savepoint) => {
                let mut unit = savepoint.unit.take().expect("a savepoint ends once");
                unit.undo.push(std::mem::take(&mut savepoint.name));
                unit.settle().await
            }
        }
    }
}

impl Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            Tx::Own(tx) => tx,
            Tx::Nested(savepoint) => savepoint
                .unit
                .as_ref()
                .and_then(|unit| unit.tx.as_deref())
                .expect("an open savepoint has its transaction"),
        }
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Tx::Own(tx) => tx,
            Tx::Nested(savepoint) => savepoint
                .unit
                .as_mut()
                .and_then(|unit| unit.tx.as_deref_mut())
                .expect("an open savepoint has its transaction"),
        }
    }
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
            source: Source::Pool,
            work_channel: (url.backend() == Backend::Postgres)
                .then(|| Arc::new(WorkChannel::new(url.as_str()))),
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
    ///
    /// Inside a unit of work it is a savepoint of the unit's transaction instead.
    pub(super) async fn begin(&self) -> StoreResult<Tx> {
        match &self.source {
            Source::Pool => self.begin_own().await.map(Tx::Own),
            Source::Unit(unit) => {
                let mut unit = unit.clone().lock_owned().await;
                unit.settle().await.map_err(db)?;
                unit.savepoints += 1;
                let name = format!("rounds_{}", unit.savepoints);
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("SAVEPOINT {name}")))
                    .execute(unit.conn().map_err(db)?)
                    .await
                    .map_err(db)?;
                Ok(Tx::Nested(Savepoint {
                    unit: Some(unit),
                    name,
                }))
            }
        }
    }

    async fn begin_own(&self) -> StoreResult<sqlx::Transaction<'static, Any>> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
        .map_err(db)
    }

    /// A connection for one statement: the pool's, or inside a unit of work the unit's.
    pub(super) async fn conn(&self) -> StoreResult<Conn> {
        match &self.source {
            Source::Pool => self.pool.acquire().await.map(Conn::Pooled).map_err(db),
            Source::Unit(unit) => {
                let mut unit = unit.clone().lock_owned().await;
                unit.settle().await.map_err(db)?;
                unit.conn().map_err(db)?;
                Ok(Conn::Unit(unit))
            }
        }
    }

    /// A unit of work: a store whose every method runs in one transaction, committed by
    /// [`SqlStore::commit_unit`] and rolled back if dropped first. Units do not nest.
    pub(super) async fn open_unit(&self) -> StoreResult<SqlStore> {
        if let Source::Unit(_) = self.source {
            return Err(StoreError::new("a unit of work is already open"));
        }
        let unit = Arc::new(Mutex::new(UnitConn {
            tx: Some(self.begin_own().await?),
            savepoints: 0,
            undo: Vec::new(),
        }));
        Ok(SqlStore {
            pool: self.pool.clone(),
            backend: self.backend,
            source: Source::Unit(unit),
            work_channel: self.work_channel.clone(),
        })
    }

    /// Commits a unit opened by [`SqlStore::open_unit`].
    pub(super) async fn commit_unit(self) -> StoreResult<()> {
        let Source::Unit(unit) = self.source else {
            return Err(StoreError::new("not a unit of work"));
        };
        let Ok(unit) = Arc::try_unwrap(unit) else {
            return Err(StoreError::new("a unit of work is still in use"));
        };
        let mut unit = unit.into_inner();
        unit.settle().await.map_err(db)?;
        match unit.tx.take() {
            Some(tx) => tx.commit().await.map_err(db),
            None => Ok(()),
        }
    }

    /// The end of a claim's subquery: PostgreSQL skips rows another process has locked (SQLite
    /// has one writer at a time and no row locks).
    pub(super) fn skip_locked(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// Picks the claim query: PostgreSQL skips rows another process has locked.
    pub(super) fn claim_sql(&self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        match self.backend {
            Backend::Sqlite => sqlite,
            Backend::Postgres => postgres,
        }
    }
}

#[async_trait::async_trait]
impl UnitStore for SqlStore {
    async fn unit(&self) -> StoreResult<Box<dyn Unit>> {
        Ok(Box::new(self.open_unit().await?))
    }
}

#[async_trait::async_trait]
impl Unit for SqlStore {
    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.commit_unit().await
    }
}

#[cfg(test)]
mod tests;
