//! Writing a job row inside the caller's transaction, for every capability whose rows come with
//! a job: add it, point it at a new time, or stop it.

use chrono::Duration;

use super::rows::{Stored, db, ts};
use crate::core::store::{JobKind, JobRule, NewJob, StoreResult};

/// A job's `rule` column: a rule's text, or an event's reminder offsets in seconds separated
/// by commas.
pub(super) fn rule_text(rule: &JobRule) -> String {
    match rule {
        JobRule::Every(rule) => rule.to_text(),
        JobRule::Before(offsets) => offsets
            .iter()
            .map(|offset| offset.num_seconds().to_string())
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// The inverse of [`rule_text`] for a job of `kind`; `row` names the job for errors.
pub(super) fn read_rule(
    row: &Stored<'_>,
    kind: JobKind,
    text: Option<&str>,
) -> StoreResult<Option<JobRule>> {
    let Some(text) = text else {
        return Ok(None);
    };
    let rule = match kind {
        JobKind::EventReminders => JobRule::Before(row.read("rule", text, offsets)?),
        _ => JobRule::Every(row.rule("rule", text)?),
    };
    Ok(Some(rule))
}

fn offsets(text: &str) -> Option<Vec<Duration>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(',')
        .map(|seconds| Duration::try_seconds(seconds.parse().ok()?))
        .collect()
}

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
    .bind(job.zone.name())
    .bind(job.rule.as_ref().map(rule_text))
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
    .bind(job.zone.name())
    .bind(job.rule.as_ref().map(rule_text))
    .execute(executor)
    .await
    .map_err(db)?;
    Ok(())
}
