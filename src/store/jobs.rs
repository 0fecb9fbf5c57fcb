//! Writing a job row inside the caller's transaction, for every capability whose rows come with
//! a job: add it, point it at a new time, or stop it.

use super::rows::{db, ts};
use crate::core::store::{JobKind, NewJob, StoreResult};

/// Stops a job's pending firing because its subject was cancelled or removed; true if one was
/// pending.
pub(super) async fn stop_job<'e>(
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
pub(super) async fn add_job<'e>(
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
pub(super) async fn reschedule_job<'e>(
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
