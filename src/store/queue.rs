//! The queue: claiming and finishing due jobs, and the outbox's leases and outcomes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::jobs::{add_job, read_rule};
use super::members::insert_admin_log;
use super::pool::SqlStore;
use super::rows::{Stored, db, from_ts, ts};
use crate::core::error::StoreError;
use crate::core::io::Action;
use crate::core::store::{
    FiredJob, Job, JobKind, KindFilter, NewJob, OutboxItem, PendingSend, QueueStore, QueueTally,
    StoreResult,
};

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    kind: String,
    subject: i64,
    platform: String,
    society: String,
    due_at: i64,
    zone: String,
    rule: Option<String>,
}

impl JobRow {
    /// None for a kind this build does not know (a newer version wrote it), or for a row whose
    /// zone or rule does not parse (logged with the row named). Either stays leased until the
    /// lease runs out and is left for a process that can read it; the other jobs still fire.
    fn into_job(self) -> Option<Job> {
        let Some(kind) = JobKind::parse(&self.kind) else {
            tracing::warn!(id = self.id, kind = %self.kind, "unknown job kind");
            return None;
        };
        match self.read(kind) {
            Ok(job) => Some(job),
            Err(error) => {
                tracing::error!(%error, "a due job cannot be read; it is left alone");
                None
            }
        }
    }

    fn read(self, kind: JobKind) -> StoreResult<Job> {
        let row = Stored {
            table: "jobs",
            id: &self.id,
        };
        Ok(Job {
            id: self.id,
            kind,
            subject: self.subject,
            platform: self.platform,
            society: self.society,
            due_at: from_ts(self.due_at),
            zone: row.zone("zone", &self.zone)?,
            rule: read_rule(&row, kind, self.rule.as_deref())?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct OutboxRow {
    id: i64,
    key: String,
    platform: String,
    society: String,
    action: String,
    attempts: i64,
    tries_started: i64,
    first_tried_at: Option<i64>,
}

#[async_trait]
impl QueueStore for SqlStore {
    async fn claim_due_jobs_of(
        &self,
        now: DateTime<Utc>,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: i64,
        kinds: KindFilter<'_>,
        platforms: Option<&[String]>,
    ) -> StoreResult<Vec<Job>> {
        let Some(filter) = JobFilter::new(kinds, platforms) else {
            return Ok(Vec::new());
        };
        let mut conn = self.conn().await?;
        // A read first: an idle tick must not take SQLite's write lock (or, on PostgreSQL, run
        // a write statement) only to find nothing due.
        let check = format!(
            "SELECT 1 FROM jobs WHERE {CLAIMABLE_JOB}{} LIMIT 1",
            filter.clause(2)
        );
        let mut probe = sqlx::query(sqlx::AssertSqlSafe(check)).bind(ts(now));
        for value in filter.values() {
            probe = probe.bind(value);
        }
        if probe
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?
            .is_none()
        {
            return Ok(Vec::new());
        }
        // The check's conditions, placeholders and values, then the claim's own from `$5`.
        let sql = format!(
            "UPDATE jobs SET lease_owner = $2, lease_until = $3 WHERE id IN (\
               SELECT id FROM jobs WHERE {CLAIMABLE_JOB}{} ORDER BY due_at, id LIMIT $4{}) \
             RETURNING id, kind, subject, platform, society, due_at, zone, rule",
            filter.clause(5),
            self.skip_locked()
        );
        // Only placeholders were spliced in; the kinds and platforms themselves are bound.
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ts(now))
            .bind(owner)
            .bind(ts(lease_until))
            .bind(limit);
        for value in filter.values() {
            query = query.bind(value);
        }
        let rows: Vec<JobRow> = query.fetch_all(&mut *conn).await.map_err(db)?;
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
        if fired.is_empty() {
            // Nothing to record: opening the transaction would still take SQLite's write lock.
            return Ok(Vec::new());
        }
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
                    if let Action::AdminLog {
                        society,
                        about,
                        text,
                    } = &item.action
                    {
                        insert_admin_log(&mut tx, society, about.as_deref(), text, now).await?;
                    }
                }
            }
            finished.push(moved == 1);
        }
        tx.commit().await.map_err(db)?;
        Ok(finished)
    }

    async fn next_due_at(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let row = sqlx::query("SELECT MIN(due_at) FROM jobs WHERE state = 'pending'")
            .fetch_one(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        let due: Option<i64> = row.try_get(0).map_err(db)?;
        Ok(due.map(from_ts))
    }

    async fn next_job_at(
        &self,
        kinds: KindFilter<'_>,
        platforms: Option<&[String]>,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let Some(filter) = JobFilter::new(kinds, platforms) else {
            return Ok(None);
        };
        // A lease is taken back only once `lease_until < now`: a second after it ends.
        let sql = format!(
            "SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until >= due_at \
             THEN lease_until + 1 ELSE due_at END) FROM jobs WHERE state = 'pending'{}",
            filter.clause(1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for value in filter.values() {
            query = query.bind(value);
        }
        let row = query
            .fetch_one(&mut *self.conn().await?)
            .await
            .map_err(db)?;
        let at: Option<i64> = row.try_get(0).map_err(db)?;
        Ok(at.map(from_ts))
    }

    async fn next_send_at(&self, platform: &str) -> StoreResult<Option<DateTime<Utc>>> {
        // Only a lane's first send can be claimed; a later one waits for it, not for its time.
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until >= next_try_at \
             THEN lease_until + 1 ELSE next_try_at END) FROM outbox \
             WHERE platform = $1 AND state = 'pending' AND {}",
            lane_head("$1")
        )))
        .bind(platform)
        .fetch_one(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        let at: Option<i64> = row.try_get(0).map_err(db)?;
        Ok(at.map(from_ts))
    }

    fn shared(&self) -> bool {
        self.backend() == super::url::Backend::Postgres
    }

    async fn announce_work(&self) -> StoreResult<()> {
        let Some(channel) = &self.work_channel else {
            return Ok(());
        };
        // On the pool, never in a unit of work: the others are told once it has committed.
        sqlx::raw_sql(sqlx::AssertSqlSafe(channel.statement()))
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
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
        let mut conn = self.conn().await?;
        // A read first, as for jobs: an idle delivery takes no write lock.
        let ready = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT 1 FROM outbox WHERE {CLAIMABLE_SEND} AND {} LIMIT 1",
            lane_head("$2")
        )))
        .bind(ts(now))
        .bind(platform)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        if ready.is_none() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "UPDATE outbox SET lease_owner = $3, lease_until = $4 WHERE id IN (\
               SELECT id FROM outbox WHERE {CLAIMABLE_SEND} AND {} ORDER BY priority, id LIMIT $5{}) \
             RETURNING id, key, platform, society, action, attempts, tries_started, first_tried_at",
            lane_head("$2"),
            self.skip_locked()
        );
        let rows: Vec<OutboxRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(ts(now))
            .bind(platform)
            .bind(owner)
            .bind(ts(lease_until))
            .bind(limit)
            .fetch_all(&mut *conn)
            .await
            .map_err(db)?;
        // Given back before a row that does not decode is marked, which takes a connection.
        drop(conn);
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
                    tries_started: row.tries_started,
                    first_tried_at: row.first_tried_at.map(from_ts),
                }),
                Err(error) => {
                    tracing::error!(id = row.id, %error, "outbox row does not decode; marking failed");
                    self.mark_failed(row.id, owner, row.attempts, "undecodable action")
                        .await?;
                }
            }
        }
        sends.sort_by_key(|s| s.id);
        Ok(sends)
    }

    async fn start_send(
        &self,
        id: i64,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        // One statement: the row's lock makes a renewal and another process's claim of the
        // same row take turns, and the claim only takes a row whose lease has run out.
        let renewed = sqlx::query(
            "UPDATE outbox SET lease_until = $1, tries_started = tries_started + 1, \
             first_tried_at = COALESCE(first_tried_at, $2) \
             WHERE id = $3 AND lease_owner = $4 AND state = 'pending'",
        )
        .bind(ts(until))
        .bind(ts(now))
        .bind(id)
        .bind(owner)
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .rows_affected();
        Ok(renewed == 1)
    }

    async fn renew_send(&self, id: i64, owner: &str, until: DateTime<Utc>) -> StoreResult<bool> {
        let renewed = sqlx::query(
            "UPDATE outbox SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'pending'",
        )
        .bind(ts(until))
        .bind(id)
        .bind(owner)
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .rows_affected();
        Ok(renewed == 1)
    }

    async fn mark_sent(&self, id: i64, owner: &str, now: DateTime<Utc>) -> StoreResult<bool> {
        // The content is dropped once delivered: only the key is needed to refuse a duplicate.
        let marked = sqlx::query(
            "UPDATE outbox SET state = 'sent', sent_at = $1, action = 'null', lease_owner = NULL, lease_until = NULL, attempts = attempts + 1 \
             WHERE id = $2 AND lease_owner = $3 AND state = 'pending'",
        )
        .bind(ts(now))
        .bind(id)
        .bind(owner)
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .rows_affected();
        Ok(marked == 1)
    }

    async fn mark_retry(
        &self,
        id: i64,
        owner: &str,
        attempts: i64,
        next_try_at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<bool> {
        let marked = sqlx::query(
            "UPDATE outbox SET attempts = $1, next_try_at = $2, last_error = $3, lease_owner = NULL, lease_until = NULL \
             WHERE id = $4 AND lease_owner = $5 AND state = 'pending'",
        )
        .bind(attempts)
        .bind(ts(next_try_at))
        .bind(error)
        .bind(id)
        .bind(owner)
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .rows_affected();
        Ok(marked == 1)
    }

    async fn mark_failed(
        &self,
        id: i64,
        owner: &str,
        attempts: i64,
        error: &str,
    ) -> StoreResult<bool> {
        let marked = sqlx::query(
            "UPDATE outbox SET state = 'failed', attempts = $1, last_error = $2, action = 'null', lease_owner = NULL, lease_until = NULL \
             WHERE id = $3 AND lease_owner = $4 AND state = 'pending'",
        )
        .bind(attempts)
        .bind(error)
        .bind(id)
        .bind(owner)
        .execute(&mut *self.conn().await?)
        .await
        .map_err(db)?
        .rows_affected();
        Ok(marked == 1)
    }

    async fn add_job(&self, job: &NewJob) -> StoreResult<bool> {
        add_job(&mut *self.conn().await?, job).await
    }

    async fn release_leases(&self, owner: &str) -> StoreResult<QueueTally> {
        // Only pending rows: a sent or failed row's lease is already cleared, and a job's state
        // and due time stay as they are, so the next claimer fires the same occurrence (and its
        // outbox keys, already queued or not, repeat nothing).
        self.release_where("lease_owner = $1", owner).await
    }

    async fn release_others_leases(&self, owner: &str) -> StoreResult<QueueTally> {
        self.release_where("lease_owner IS NOT NULL AND lease_owner <> $1", owner)
            .await
    }

    async fn waiting(&self, now: DateTime<Utc>) -> StoreResult<QueueTally> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND next_try_at <= $1), \
                    (SELECT COUNT(*) FROM jobs WHERE state = 'pending' AND due_at <= $1)",
        )
        .bind(ts(now))
        .fetch_one(&mut *self.conn().await?)
        .await
        .map_err(db)?;
        let count = |i: usize| -> StoreResult<u64> {
            let n: i64 = row.try_get(i).map_err(db)?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        Ok(QueueTally {
            sends: count(0)?,
            jobs: count(1)?,
        })
    }
}

/// What makes a pending job claimable at `$1`, the time bound first.
const CLAIMABLE_JOB: &str =
    "state = 'pending' AND due_at <= $1 AND (lease_until IS NULL OR lease_until < $1)";

/// What makes an outbox row claimable at `$1` for the platform `$2`.
const CLAIMABLE_SEND: &str = "platform = $2 AND state = 'pending' AND next_try_at <= $1 \
     AND (lease_until IS NULL OR lease_until < $1)";

/// The condition that a send is the first pending one of its lane (`Action::lane`), with the
/// platform bound at `platform`: only it may be claimed, so a lane's sends go in order even
/// across processes, and a lane whose first send is in flight or waiting out a retry offers
/// nothing. The others wait in the store, unleased, not in a sender's batch.
fn lane_head(platform: &str) -> String {
    format!(
        "id IN (SELECT MIN(id) FROM outbox WHERE platform = {platform} AND state = 'pending' \
         GROUP BY lane)"
    )
}

/// Which kinds and platforms a claim or a look-ahead covers, as SQL conditions whose values
/// are bound, never spliced.
struct JobFilter<'a> {
    kinds: &'a [JobKind],
    among: &'static str,
    platforms: &'a [String],
}

impl<'a> JobFilter<'a> {
    /// None when nothing can match (no kinds, or no platforms).
    fn new(kinds: KindFilter<'a>, platforms: Option<&'a [String]>) -> Option<JobFilter<'a>> {
        let (kinds, among) = match kinds {
            KindFilter::All => (&[][..], "NOT IN"),
            KindFilter::Only([]) => return None,
            KindFilter::Only(listed) => (listed, "IN"),
            KindFilter::Except(listed) => (listed, "NOT IN"),
        };
        if platforms.is_some_and(|platforms| platforms.is_empty()) {
            return None;
        }
        Some(JobFilter {
            kinds,
            among,
            platforms: platforms.unwrap_or_default(),
        })
    }

    /// The conditions, each starting with ` AND`, with placeholders numbered from `$first`.
    fn clause(&self, first: usize) -> String {
        let places = |from: usize, n: usize| -> String {
            (0..n)
                .map(|i| format!("${}", from + i))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut clause = String::new();
        if !self.kinds.is_empty() {
            let among = self.among;
            clause.push_str(&format!(
                " AND kind {among} ({})",
                places(first, self.kinds.len())
            ));
        }
        if !self.platforms.is_empty() {
            clause.push_str(&format!(
                " AND platform IN ({})",
                places(first + self.kinds.len(), self.platforms.len())
            ));
        }
        clause
    }

    /// The values of the clause's placeholders, in order.
    fn values(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let kinds = self.kinds.iter().map(|kind| kind.as_str());
        kinds.chain(self.platforms.iter().map(String::as_str))
    }
}

fn to_json(action: &Action) -> StoreResult<String> {
    serde_json::to_string(action).map_err(StoreError::new)
}

async fn insert_outbox(
    tx: &mut sqlx::AnyConnection,
    item: &OutboxItem,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO outbox \
         (key, platform, society, member, action, next_try_at, created_at, lane, priority) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) ON CONFLICT (key) DO NOTHING",
    )
    .bind(&item.key)
    .bind(&item.platform)
    .bind(&item.society)
    .bind(&item.member)
    .bind(to_json(&item.action)?)
    .bind(ts(now))
    .bind(item.action.lane())
    .bind(if item.answers_a_command() { 0_i32 } else { 1 })
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    Ok(())
}

impl SqlStore {
    /// On PostgreSQL, a count bumped whenever another process sharing the database says it
    /// queued work (`QueueStore::announce_work`), for `Runtime::hearing`. `None` on SQLite.
    pub fn listen_for_work(&self) -> Option<tokio::sync::watch::Receiver<u64>> {
        self.work_channel.as_ref().map(|channel| channel.listen())
    }

    /// Hands back the leases on pending sends and jobs whose owner meets `held` (about `$1`,
    /// `owner`), in one transaction.
    async fn release_where(&self, held: &'static str, owner: &str) -> StoreResult<QueueTally> {
        let mut tx = self.begin().await?;
        let mut released = [0; 2];
        for (n, table) in ["outbox", "jobs"].into_iter().enumerate() {
            released[n] = sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE {table} SET lease_owner = NULL, lease_until = NULL \
                 WHERE {held} AND state = 'pending'"
            )))
            .bind(owner)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        }
        tx.commit().await.map_err(db)?;
        let [sends, jobs] = released;
        Ok(QueueTally { sends, jobs })
    }
}
