//! The `Store` on sqlx: SQLite by default, PostgreSQL when the URL says `postgres://`.
//!
//! One implementation serves both through sqlx's `Any` driver: the SQL is shared except where
//! PostgreSQL needs `FOR UPDATE SKIP LOCKED` so that several processes can claim work at once.

mod calendar;
mod coffee;
mod community;
mod events;
mod rows;
mod url;

use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Row};

use crate::core::error::StoreError;
use crate::core::io::Action;
use crate::core::store::{
    CoffeeGroup, CoffeeMember, Counts, Digest, Erasure, Event, EventImport, FiredJob, Job, JobKind,
    MentorRole, NewJob, NewReminder, NewRound, OutboxItem, PendingSend, Profile, Programme,
    Reminder, Rsvp, RsvpOutcome, Series, Shoutout, Store, StoreResult,
};
use rows::{JobRow, OutboxRow, ProfileRow, ReminderRow, from_ts, ts};
pub use url::{Backend, DatabaseUrl};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

/// Stops a job's pending firing because its subject was cancelled or removed; true if one was
/// pending.
async fn stop_job<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    kind: JobKind,
    subject: i64,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE jobs SET state = 'cancelled', lease_owner = NULL, lease_until = NULL WHERE kind = $1 AND subject = $2 AND state = 'pending'",
    )
    .bind(kind.as_str())
    .bind(subject)
    .execute(executor)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

/// Adds a job unless one of its kind and subject exists; true if it was added.
async fn add_job<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    job: &NewJob,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO jobs (kind, subject, platform, society, due_at, zone, rule) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (kind, subject) DO NOTHING",
    )
    .bind(job.kind.as_str())
    .bind(job.subject)
    .bind(&job.platform)
    .bind(&job.society)
    .bind(ts(job.due_at))
    .bind(&job.zone)
    .bind(&job.rule)
    .execute(executor)
    .await
    .map_err(db)?;
    Ok(done.rows_affected() == 1)
}

/// Points its subject's job at a new time and rule, pending again whatever state it was in (a
/// programme or an event moved), or adds it.
async fn reschedule_job<'e>(
    executor: impl sqlx::Executor<'e, Database = sqlx::Any>,
    job: &NewJob,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO jobs (kind, subject, platform, society, due_at, zone, rule) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (kind, subject) DO UPDATE SET platform = $3, due_at = $5, zone = $6, rule = $7, state = 'pending', lease_owner = NULL, lease_until = NULL",
    )
    .bind(job.kind.as_str())
    .bind(job.subject)
    .bind(&job.platform)
    .bind(&job.society)
    .bind(ts(job.due_at))
    .bind(&job.zone)
    .bind(&job.rule)
    .execute(executor)
    .await
    .map_err(db)?;
    Ok(())
}

fn db(error: sqlx::Error) -> StoreError {
    StoreError::new(error)
}

/// The columns a `Profile` is read from.
macro_rules! profile_select {
    () => {
        "SELECT society, user_id, name, timezone, stage, specialty, hospital, img, shoutouts FROM profiles"
    };
}

/// A reminder with its job's schedule. A macro, not a const, so `concat!` can build `&'static str`
/// queries from it (sqlx takes no other query text without an assertion).
macro_rules! reminder_select {
    () => {
        "SELECT r.id, r.platform, r.society, r.owner_id, r.owner_name, r.delivery, r.room, r.text, r.created_at, j.due_at, j.zone, j.rule, j.state \
         FROM reminders r JOIN jobs j ON j.kind = 'reminder' AND j.subject = r.id"
    };
}

const REMINDER_BY_ID: &str = concat!(reminder_select!(), " WHERE r.id = $1");
const ACTIVE_REMINDERS: &str = concat!(
    reminder_select!(),
    " WHERE r.society = $1 AND r.owner_id = $2 AND j.state = 'pending' ORDER BY j.due_at, r.id"
);

impl SqlStore {
    /// Connects, creating the SQLite file (and its directory) if needed, and applies migrations.
    pub async fn open(url: &DatabaseUrl) -> anyhow::Result<SqlStore> {
        install_default_drivers();
        let mut options = AnyPoolOptions::new();
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
            options = options.max_connections(4).after_connect(|conn, _meta| {
                Box::pin(async move {
                    sqlx::query("PRAGMA synchronous = NORMAL")
                        .execute(conn)
                        .await?;
                    Ok(())
                })
            });
        } else {
            options = options.max_connections(8);
        }
        let pool = options
            .acquire_timeout(StdDuration::from_secs(10))
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
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| anyhow::anyhow!("migrating the database failed: {e}"))?;
        Ok(())
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
    async fn begin(&self) -> StoreResult<sqlx::Transaction<'static, sqlx::Any>> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
        .map_err(db)
    }

    /// Picks the claim query: PostgreSQL skips rows another process has locked.
    fn claim_sql(&self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        match self.backend {
            Backend::Sqlite => sqlite,
            Backend::Postgres => postgres,
        }
    }
}

fn to_json(action: &Action) -> StoreResult<String> {
    serde_json::to_string(action).map_err(StoreError::new)
}

#[async_trait]
impl Store for SqlStore {
    async fn first_sight(&self, key: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO inbound_seen (key, seen_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(ts(now))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn profile(&self, society: &str, user_id: &str) -> StoreResult<Option<Profile>> {
        let row: Option<ProfileRow> = sqlx::query_as(concat!(
            profile_select!(),
            " WHERE society = $1 AND user_id = $2"
        ))
        .bind(society)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(row.map(Profile::from))
    }

    async fn save_profile(&self, p: &Profile, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO profiles (society, user_id, name, timezone, stage, specialty, hospital, img, updated_at, shoutouts) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (society, user_id) DO UPDATE SET name = $3, timezone = $4, stage = $5, specialty = $6, hospital = $7, img = $8, updated_at = $9, shoutouts = $10",
        )
        .bind(&p.society)
        .bind(&p.user_id)
        .bind(&p.name)
        .bind(&p.timezone)
        .bind(&p.stage)
        .bind(&p.specialty)
        .bind(&p.hospital)
        .bind(p.img.map(i64::from))
        .bind(ts(now))
        .bind(&p.shoutouts)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn create_reminder(&self, r: &NewReminder) -> StoreResult<Reminder> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO reminders (platform, society, owner_id, owner_name, delivery, room, text, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(&r.platform)
        .bind(&r.society)
        .bind(&r.owner.id)
        .bind(&r.owner.name)
        .bind(r.delivery.as_str())
        .bind(&r.room)
        .bind(&r.text)
        .bind(ts(r.created_at))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?
        .try_get(0)
        .map_err(db)?;
        add_job(
            &mut *tx,
            &NewJob {
                kind: JobKind::Reminder,
                subject: id,
                platform: r.platform.clone(),
                society: r.society.clone(),
                due_at: r.due_at,
                zone: r.zone.clone(),
                rule: r.rule.clone(),
            },
        )
        .await?;
        tx.commit().await.map_err(db)?;
        Ok(Reminder {
            id,
            platform: r.platform.clone(),
            society: r.society.clone(),
            owner: r.owner.clone(),
            delivery: r.delivery,
            room: r.room.clone(),
            text: r.text.clone(),
            created_at: r.created_at,
            due_at: r.due_at,
            zone: r.zone.clone(),
            rule: r.rule.clone(),
            active: true,
        })
    }

    async fn reminder(&self, id: i64) -> StoreResult<Option<Reminder>> {
        let row: Option<ReminderRow> = sqlx::query_as(REMINDER_BY_ID)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        Ok(row.map(Reminder::from))
    }

    async fn active_reminders(&self, society: &str, user_id: &str) -> StoreResult<Vec<Reminder>> {
        let rows: Vec<ReminderRow> = sqlx::query_as(ACTIVE_REMINDERS)
            .bind(society)
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        Ok(rows.into_iter().map(Reminder::from).collect())
    }

    async fn cancel_reminder(&self, id: i64) -> StoreResult<bool> {
        stop_job(&self.pool, JobKind::Reminder, id).await
    }

    async fn reschedule_reminder(&self, id: i64, due_at: DateTime<Utc>) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET state = 'pending', due_at = $1, lease_owner = NULL, lease_until = NULL WHERE kind = 'reminder' AND subject = $2 AND state <> 'cancelled'",
        )
        .bind(ts(due_at))
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }

    async fn ask_confirmation(
        &self,
        society: &str,
        user_id: &str,
        what: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO confirmations (society, user_id, what, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (society, user_id, what) DO UPDATE SET expires_at = $4",
        )
        .bind(society)
        .bind(user_id)
        .bind(what)
        .bind(ts(expires_at))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn take_confirmation(
        &self,
        society: &str,
        user_id: &str,
        what: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let row = sqlx::query(
            "DELETE FROM confirmations WHERE society = $1 AND user_id = $2 AND what = $3 RETURNING expires_at",
        )
        .bind(society)
        .bind(user_id)
        .bind(what)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        match row {
            Some(row) => {
                let expires: i64 = row.try_get(0).map_err(db)?;
                Ok(expires >= ts(now))
            }
            None => Ok(false),
        }
    }

    async fn erase_member(&self, society: &str, user_id: &str) -> StoreResult<Erasure> {
        let mut tx = self.begin().await?;
        let mut other = 0;
        other += sqlx::query(
            "DELETE FROM jobs WHERE kind = 'reminder' AND subject IN (SELECT id FROM reminders WHERE society = $1 AND owner_id = $2)",
        )
        .bind(society)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        let reminders = sqlx::query("DELETE FROM reminders WHERE society = $1 AND owner_id = $2")
            .bind(society)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        let profile = sqlx::query("DELETE FROM profiles WHERE society = $1 AND user_id = $2")
            .bind(society)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected()
            > 0;
        let own = [
            "DELETE FROM outbox WHERE society = $1 AND member = $2",
            "DELETE FROM confirmations WHERE society = $1 AND user_id = $2",
            "DELETE FROM admin_log WHERE society = $1 AND member = $2",
        ];
        for sql in own
            .iter()
            .chain(coffee::ERASE_MEMBER)
            .chain(events::ERASE_MEMBER)
            .chain(community::ERASE_MEMBER)
        {
            other += sqlx::query(*sql)
                .bind(society)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?
                .rows_affected();
        }
        tx.commit().await.map_err(db)?;
        Ok(Erasure {
            profile,
            reminders,
            other_rows: other,
        })
    }

    async fn claim_due_jobs(
        &self,
        now: DateTime<Utc>,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<Job>> {
        let sql = self.claim_sql(
            "UPDATE jobs SET lease_owner = $1, lease_until = $2 WHERE id IN (\
               SELECT id FROM jobs WHERE state = 'pending' AND due_at <= $3 AND (lease_until IS NULL OR lease_until < $3) \
               ORDER BY due_at, id LIMIT $4) \
             RETURNING id, kind, subject, platform, society, due_at, zone, rule",
            "UPDATE jobs SET lease_owner = $1, lease_until = $2 WHERE id IN (\
               SELECT id FROM jobs WHERE state = 'pending' AND due_at <= $3 AND (lease_until IS NULL OR lease_until < $3) \
               ORDER BY due_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) \
             RETURNING id, kind, subject, platform, society, due_at, zone, rule",
        );
        let rows: Vec<JobRow> = sqlx::query_as(sql)
            .bind(owner)
            .bind(ts(lease_until))
            .bind(ts(now))
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        let mut jobs: Vec<Job> = rows.into_iter().filter_map(JobRow::into_job).collect();
        jobs.sort_by_key(|j| (j.due_at, j.id));
        Ok(jobs)
    }

    async fn finish_jobs(
        &self,
        fired: &[FiredJob],
        owner: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<bool>> {
        // One transaction for the whole batch: a commit per job made a 10,000-job tick take
        // seconds. Each job is still checked against its own lease.
        let mut tx = self.begin().await?;
        let mut finished = Vec::with_capacity(fired.len());
        for FiredJob {
            job,
            outbox,
            next_due,
        } in fired
        {
            let (state, due) = match next_due {
                Some(next) => ("pending", ts(*next)),
                None => ("done", ts(job.due_at)),
            };
            let moved = sqlx::query(
                "UPDATE jobs SET state = $1, due_at = $2, lease_owner = NULL, lease_until = NULL, fired_count = fired_count + 1 \
                 WHERE id = $3 AND lease_owner = $4 AND due_at = $5 AND state = 'pending'",
            )
            .bind(state)
            .bind(due)
            .bind(job.id)
            .bind(owner)
            .bind(ts(job.due_at))
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
            if moved == 1 {
                for item in outbox {
                    insert_outbox(&mut tx, item, now).await?;
                }
            }
            finished.push(moved == 1);
        }
        tx.commit().await.map_err(db)?;
        Ok(finished)
    }

    async fn next_due_at(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let row = sqlx::query("SELECT MIN(due_at) FROM jobs WHERE state = 'pending'")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        let due: Option<i64> = row.try_get(0).map_err(db)?;
        Ok(due.map(from_ts))
    }

    async fn enqueue(&self, items: &[OutboxItem], now: DateTime<Utc>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        for item in items {
            insert_outbox(&mut tx, item, now).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn claim_outbox(
        &self,
        platform: &str,
        now: DateTime<Utc>,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<PendingSend>> {
        let sql = self.claim_sql(
            "UPDATE outbox SET lease_owner = $1, lease_until = $2 WHERE id IN (\
               SELECT id FROM outbox WHERE platform = $3 AND state = 'pending' AND next_try_at <= $4 \
               AND (lease_until IS NULL OR lease_until < $4) ORDER BY id LIMIT $5) \
             RETURNING id, key, platform, society, action, attempts",
            "UPDATE outbox SET lease_owner = $1, lease_until = $2 WHERE id IN (\
               SELECT id FROM outbox WHERE platform = $3 AND state = 'pending' AND next_try_at <= $4 \
               AND (lease_until IS NULL OR lease_until < $4) ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED) \
             RETURNING id, key, platform, society, action, attempts",
        );
        let rows: Vec<OutboxRow> = sqlx::query_as(sql)
            .bind(owner)
            .bind(ts(lease_until))
            .bind(platform)
            .bind(ts(now))
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        let mut sends = Vec::with_capacity(rows.len());
        for row in rows {
            match serde_json::from_str::<Action>(&row.action) {
                Ok(action) => sends.push(PendingSend {
                    id: row.id,
                    key: row.key,
                    platform: row.platform,
                    society: row.society,
                    action,
                    attempts: row.attempts,
                }),
                Err(error) => {
                    tracing::error!(id = row.id, %error, "outbox row does not decode; marking failed");
                    self.mark_failed(row.id, row.attempts, "undecodable action")
                        .await?;
                }
            }
        }
        sends.sort_by_key(|s| s.id);
        Ok(sends)
    }

    async fn mark_sent(&self, id: i64, now: DateTime<Utc>) -> StoreResult<()> {
        // The content is dropped once delivered: only the key is needed to refuse a duplicate.
        sqlx::query(
            "UPDATE outbox SET state = 'sent', sent_at = $1, action = 'null', lease_owner = NULL, lease_until = NULL, attempts = attempts + 1 WHERE id = $2",
        )
        .bind(ts(now))
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn mark_retry(
        &self,
        id: i64,
        attempts: i64,
        next_try_at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET attempts = $1, next_try_at = $2, last_error = $3, lease_owner = NULL, lease_until = NULL WHERE id = $4",
        )
        .bind(attempts)
        .bind(ts(next_try_at))
        .bind(error)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn mark_failed(&self, id: i64, attempts: i64, error: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET state = 'failed', attempts = $1, last_error = $2, action = 'null', lease_owner = NULL, lease_until = NULL WHERE id = $3",
        )
        .bind(attempts)
        .bind(error)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn admin_log(
        &self,
        society: &str,
        member: Option<&str>,
        text: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO admin_log (society, member, text, at) VALUES ($1, $2, $3, $4)")
            .bind(society)
            .bind(member)
            .bind(text)
            .bind(ts(now))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
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
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn recall(&self, platform: &str, key: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT value FROM platform_memory WHERE platform = $1 AND key = $2")
            .bind(platform)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.map(|r| r.try_get::<String, _>(0))
            .transpose()
            .map_err(db)
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
            ("DELETE FROM platform_memory WHERE created_at < $1", before),
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

    async fn admin_log_entries(
        &self,
        society: &str,
        limit: i64,
    ) -> StoreResult<Vec<(DateTime<Utc>, String)>> {
        let rows = sqlx::query(
            "SELECT at, text FROM admin_log WHERE society = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(society)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(|row| {
                Ok((
                    from_ts(row.try_get(0).map_err(db)?),
                    row.try_get(1).map_err(db)?,
                ))
            })
            .collect()
    }

    async fn save_programme(
        &self,
        programme: &Programme,
        now: DateTime<Utc>,
    ) -> StoreResult<Programme> {
        self.save_programme_rows(programme, now).await
    }

    async fn create_event(
        &self,
        event: &Event,
        first_reminder: Option<DateTime<Utc>>,
        reminder_offsets: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Event> {
        self.create_event_rows(event, first_reminder, reminder_offsets, now)
            .await
    }

    async fn event(&self, id: i64) -> StoreResult<Option<Event>> {
        self.event_row(id).await
    }

    async fn upcoming_events(&self, society: &str, now: DateTime<Utc>) -> StoreResult<Vec<Event>> {
        self.upcoming_event_rows(society, now).await
    }

    async fn cancel_event(&self, id: i64) -> StoreResult<bool> {
        self.cancel_event_rows(id).await
    }

    async fn rsvp(
        &self,
        event: i64,
        user: &crate::core::io::UserRef,
        answer: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<RsvpOutcome> {
        self.rsvp_rows(event, user, answer, now).await
    }

    async fn rsvps(&self, event: i64) -> StoreResult<Vec<Rsvp>> {
        self.rsvp_list(event).await
    }

    async fn set_checkin_code(&self, event: i64, code: &str) -> StoreResult<()> {
        self.set_code(event, code).await
    }

    async fn checkin_code(&self, event: i64) -> StoreResult<Option<String>> {
        self.code(event).await
    }

    async fn record_attendance(
        &self,
        event: i64,
        user: &crate::core::io::UserRef,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.attend(event, user, now).await
    }

    async fn attendance(
        &self,
        event: i64,
    ) -> StoreResult<Vec<(crate::core::io::UserRef, DateTime<Utc>)>> {
        self.attendance_rows(event).await
    }

    async fn attended(&self, society: &str, user_id: &str) -> StoreResult<Vec<Event>> {
        self.attended_rows(society, user_id).await
    }

    async fn update_event(
        &self,
        event: &Event,
        first_reminder: Option<DateTime<Utc>>,
        reminder_offsets: &str,
    ) -> StoreResult<Vec<crate::core::io::UserRef>> {
        self.update_event_rows(event, first_reminder, reminder_offsets)
            .await
    }

    async fn create_series(
        &self,
        series: &Series,
        first: &Event,
        first_reminder: Option<DateTime<Utc>>,
        reminder_offsets: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<(Series, Event)> {
        self.create_series_rows(series, first, first_reminder, reminder_offsets, now)
            .await
    }

    async fn series(&self, id: i64) -> StoreResult<Option<Series>> {
        self.series_row(id).await
    }

    async fn society_series(&self, society: &str) -> StoreResult<Vec<Series>> {
        self.society_series_rows(society).await
    }

    async fn update_series(&self, series: &Series) -> StoreResult<()> {
        self.update_series_row(series).await
    }

    async fn cancel_series(&self, id: i64) -> StoreResult<bool> {
        self.cancel_series_row(id).await
    }

    async fn skip_date(&self, series: i64, starts_at: DateTime<Utc>) -> StoreResult<bool> {
        self.skip_row(series, starts_at).await
    }

    async fn skipped_dates(&self, series: i64) -> StoreResult<Vec<DateTime<Utc>>> {
        self.skip_rows(series).await
    }

    async fn occurrence(
        &self,
        series: i64,
        starts_at: DateTime<Utc>,
    ) -> StoreResult<Option<Event>> {
        self.occurrence_row(series, starts_at).await
    }

    async fn feed_events(&self, society: &str, since: DateTime<Utc>) -> StoreResult<Vec<Event>> {
        self.feed_event_rows(society, since).await
    }

    async fn feed_token(
        &self,
        society: &str,
        candidate: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<String> {
        self.feed_token_row(society, candidate, now).await
    }

    async fn reset_feed_token(
        &self,
        society: &str,
        token: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.reset_feed_token_row(society, token, now).await
    }

    async fn stored_feed_token(&self, society: &str) -> StoreResult<Option<String>> {
        self.stored_feed_token_row(society).await
    }

    async fn save_import(
        &self,
        import: &EventImport,
        now: DateTime<Utc>,
    ) -> StoreResult<(EventImport, bool)> {
        self.save_import_row(import, now).await
    }

    async fn import(&self, id: i64) -> StoreResult<Option<EventImport>> {
        self.import_row(id).await
    }

    async fn imports(&self, society: &str) -> StoreResult<Vec<EventImport>> {
        self.import_rows(society).await
    }

    async fn remove_import(&self, id: i64) -> StoreResult<()> {
        self.remove_import_row(id).await
    }

    async fn mark_import(
        &self,
        id: i64,
        synced_at: DateTime<Utc>,
        error: Option<&str>,
    ) -> StoreResult<()> {
        self.mark_import_row(id, synced_at, error).await
    }

    async fn event_by_source(&self, society: &str, uid: &str) -> StoreResult<Option<Event>> {
        self.event_by_source_row(society, uid).await
    }

    async fn imported_events(&self, import: i64, after: DateTime<Utc>) -> StoreResult<Vec<Event>> {
        self.imported_event_rows(import, after).await
    }

    async fn add_job(&self, job: &NewJob) -> StoreResult<bool> {
        self.add_job_row(job).await
    }

    async fn create_shoutout(&self, shoutout: &Shoutout) -> StoreResult<Shoutout> {
        self.create_shoutout_row(shoutout).await
    }

    async fn shoutout(&self, id: i64) -> StoreResult<Option<Shoutout>> {
        self.shoutout_row(id).await
    }

    async fn decide_shoutout(
        &self,
        id: i64,
        status: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.decide_shoutout_row(id, status, now).await
    }

    async fn posted_shoutouts(
        &self,
        society: &str,
        platform: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<Vec<Shoutout>> {
        self.posted_shoutout_rows(society, platform, since, until)
            .await
    }

    async fn pending_shoutouts(&self, society: &str, subject: &str) -> StoreResult<Vec<Shoutout>> {
        self.pending_shoutout_rows(society, subject).await
    }

    async fn ensure_digest(&self, digest: &Digest, job: &NewJob) -> StoreResult<Digest> {
        self.ensure_digest_row(digest, job).await
    }

    async fn digest(&self, id: i64) -> StoreResult<Option<Digest>> {
        self.digest_row(id).await
    }

    async fn start_onboarding(
        &self,
        society: &str,
        user_id: &str,
        platform: &str,
        step: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.start_onboarding_row(society, user_id, platform, step, now)
            .await
    }

    async fn onboarding_step(
        &self,
        society: &str,
        user_id: &str,
    ) -> StoreResult<Option<Option<String>>> {
        self.onboarding_step_row(society, user_id).await
    }

    async fn set_onboarding_step(
        &self,
        society: &str,
        user_id: &str,
        platform: &str,
        step: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.set_onboarding_step_row(society, user_id, platform, step, now)
            .await
    }

    async fn profiles(&self, society: &str) -> StoreResult<Vec<Profile>> {
        let rows: Vec<ProfileRow> =
            sqlx::query_as(concat!(profile_select!(), " WHERE society = $1"))
                .bind(society)
                .fetch_all(&self.pool)
                .await
                .map_err(db)?;
        Ok(rows.into_iter().map(Profile::from).collect())
    }

    async fn programme(&self, id: i64) -> StoreResult<Option<Programme>> {
        self.programme_row(id).await
    }

    async fn programmes(&self, society: &str) -> StoreResult<Vec<Programme>> {
        self.programme_rows(society).await
    }

    async fn save_coffee_member(&self, member: &CoffeeMember) -> StoreResult<()> {
        self.save_member_row(member).await
    }

    async fn remove_coffee_member(&self, programme: i64, user_id: &str) -> StoreResult<bool> {
        self.remove_member_row(programme, user_id).await
    }

    async fn coffee_members(&self, programme: i64) -> StoreResult<Vec<CoffeeMember>> {
        self.member_rows(programme).await
    }

    async fn coffee_member(
        &self,
        programme: i64,
        user_id: &str,
    ) -> StoreResult<Option<CoffeeMember>> {
        self.member_row(programme, user_id).await
    }

    async fn mentor_role(&self, society: &str, user_id: &str) -> StoreResult<Option<MentorRole>> {
        self.mentor_row(society, user_id).await
    }

    async fn save_mentor_role(&self, role: &MentorRole, now: DateTime<Utc>) -> StoreResult<()> {
        self.save_mentor_row(role, now).await
    }

    async fn remove_mentor_role(&self, society: &str, user_id: &str) -> StoreResult<bool> {
        self.remove_mentor_row(society, user_id).await
    }

    async fn mentor_roles(&self, society: &str) -> StoreResult<Vec<MentorRole>> {
        self.mentor_rows(society).await
    }

    async fn record_round(&self, round: &NewRound) -> StoreResult<Vec<CoffeeGroup>> {
        self.record_round_rows(round).await
    }

    async fn coffee_groups(&self, programme: i64) -> StoreResult<Vec<CoffeeGroup>> {
        self.programme_group_rows(programme).await
    }

    async fn coffee_round_groups(&self, round: i64) -> StoreResult<Vec<CoffeeGroup>> {
        self.round_group_rows(round).await
    }

    async fn coffee_group(&self, id: i64) -> StoreResult<Option<CoffeeGroup>> {
        self.group_row(id).await
    }

    async fn answer_checkin(
        &self,
        group: i64,
        user_id: &str,
        answer: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        self.answer_row(group, user_id, answer, now).await
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
        .fetch_one(&self.pool)
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
}

async fn insert_outbox(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    item: &OutboxItem,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO outbox (key, platform, society, member, action, next_try_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (key) DO NOTHING",
    )
    .bind(&item.key)
    .bind(&item.platform)
    .bind(&item.society)
    .bind(&item.member)
    .bind(to_json(&item.action)?)
    .bind(ts(now))
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}
