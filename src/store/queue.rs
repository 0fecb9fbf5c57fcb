//! The queue: claiming and finishing due jobs, and the outbox's leases and outcomes.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Row;

use super::jobs::{add_job, read_rule};
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
    ) -> StoreResult<Vec<Job>> {
        let (listed, among) = match kinds {
            KindFilter::All => (&[][..], "NOT IN"),
            KindFilter::Only([]) => return Ok(Vec::new()),
            KindFilter::Only(listed) => (listed, "IN"),
            KindFilter::Except(listed) => (listed, "NOT IN"),
        };
        let kind_clause = if listed.is_empty() {
            String::new()
        } else {
            let places: Vec<String> = (0..listed.len()).map(|n| format!("${}", n + 5)).collect();
            format!(" AND kind {among} ({})", places.join(", "))
        };
        let sql = self
            .claim_sql(
                "UPDATE jobs SET lease_owner = $1, lease_until = $2 WHERE id IN (\
                   SELECT id FROM jobs WHERE state = 'pending' AND due_at <= $3 AND (lease_until IS NULL OR lease_until < $3){kinds} \
                   ORDER BY due_at, id LIMIT $4) \
                 RETURNING id, kind, subject, platform, society, due_at, zone, rule",
                "UPDATE jobs SET lease_owner = $1, lease_until = $2 WHERE id IN (\
                   SELECT id FROM jobs WHERE state = 'pending' AND due_at <= $3 AND (lease_until IS NULL OR lease_until < $3){kinds} \
                   ORDER BY due_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) \
                 RETURNING id, kind, subject, platform, society, due_at, zone, rule",
            )
            .replace("{kinds}", &kind_clause);
        // Only placeholders were spliced in; the kinds themselves are bound.
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(owner)
            .bind(ts(lease_until))
            .bind(ts(now))
            .bind(limit);
        for kind in listed {
            query = query.bind(kind.as_str());
        }
        let rows: Vec<JobRow> = query
            .fetch_all(&mut *self.conn().await?)
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
            .fetch_one(&mut *self.conn().await?)
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
             RETURNING id, key, platform, society, action, attempts, tries_started, first_tried_at",
            "UPDATE outbox SET lease_owner = $1, lease_until = $2 WHERE id IN (\
               SELECT id FROM outbox WHERE platform = $3 AND state = 'pending' AND next_try_at <= $4 \
               AND (lease_until IS NULL OR lease_until < $4) ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED) \
             RETURNING id, key, platform, society, action, attempts, tries_started, first_tried_at",
        );
        let rows: Vec<OutboxRow> = sqlx::query_as(sql)
            .bind(owner)
            .bind(ts(lease_until))
            .bind(platform)
            .bind(ts(now))
            .bind(limit)
            .fetch_all(&mut *self.conn().await?)
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
        let mut tx = self.begin().await?;
        let sends = sqlx::query(
            "UPDATE outbox SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1 AND state = 'pending'",
        )
        .bind(owner)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        let jobs = sqlx::query(
            "UPDATE jobs SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1 AND state = 'pending'",
        )
        .bind(owner)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        tx.commit().await.map_err(db)?;
        Ok(QueueTally { sends, jobs })
    }

    async fn release_others_leases(&self, owner: &str) -> StoreResult<QueueTally> {
        let mut tx = self.begin().await?;
        let sends = sqlx::query(
            "UPDATE outbox SET lease_owner = NULL, lease_until = NULL \
             WHERE lease_owner IS NOT NULL AND lease_owner <> $1 AND state = 'pending'",
        )
        .bind(owner)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        let jobs = sqlx::query(
            "UPDATE jobs SET lease_owner = NULL, lease_until = NULL \
             WHERE lease_owner IS NOT NULL AND lease_owner <> $1 AND state = 'pending'",
        )
        .bind(owner)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        tx.commit().await.map_err(db)?;
        Ok(QueueTally { sends, jobs })
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

fn to_json(action: &Action) -> StoreResult<String> {
    serde_json::to_string(action).map_err(StoreError::new)
}

async fn insert_outbox(
    tx: &mut sqlx::AnyConnection,
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
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    Ok(())
}
