//! The scheduler: claims due jobs from the store, asks the core what they mean, and queues the
//! resulting actions in the same transaction that moves the job on.
//!
//! Each job occurrence yields outbox keys `job:<id>:<due>:<n>`. If a process dies after
//! claiming a job but before finishing it, the lease runs out, another tick fires the same
//! occurrence again, and the same keys are refused by the outbox: nothing is queued twice.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::core::Bot;
use crate::core::error::StoreError;
use crate::core::io::Action;
use crate::core::store::{Job, OutboxItem};

/// How long a claimed job stays reserved for its claimer.
pub const JOB_LEASE: Duration = Duration::seconds(60);
const CLAIM_BATCH: i64 = 500;

pub struct Scheduler {
    bot: Arc<Bot>,
    owner: String,
}

impl Scheduler {
    pub fn new(bot: Arc<Bot>, owner: impl Into<String>) -> Self {
        Scheduler {
            bot,
            owner: owner.into(),
        }
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Fires every job due at `now`, oldest first. Returns how many fired.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let store = self.bot.store();
        let mut fired = 0;
        loop {
            let jobs = store
                .claim_due_jobs(now, &self.owner, now + JOB_LEASE, CLAIM_BATCH)
                .await?;
            let claimed = jobs.len();
            for job in jobs {
                let span = tracing::info_span!("job", id = job.id, kind = job.kind.as_str());
                let _entered = span.enter();
                match self.fire(&job, now).await {
                    Ok(true) => fired += 1,
                    Ok(false) => {
                        tracing::warn!("lost the lease before finishing; another process has it")
                    }
                    Err(error) => {
                        tracing::error!(%error, "firing failed; it will be retried when the lease ends")
                    }
                }
            }
            if (claimed as i64) < CLAIM_BATCH {
                return Ok(fired);
            }
        }
    }

    async fn fire(&self, job: &Job, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let store = self.bot.store();
        let result = self.bot.fire(job, now).await?;
        for action in &result.actions {
            if let Action::AdminLog {
                society,
                about,
                text,
            } = action
            {
                store
                    .admin_log(society, about.as_deref(), text, now)
                    .await?;
            }
        }
        let items: Vec<OutboxItem> = result
            .actions
            .into_iter()
            .enumerate()
            .map(|(n, action)| OutboxItem {
                key: format!("job:{}:{}:{n}", job.id, job.due_at.timestamp()),
                platform: job.platform.clone(),
                society: job.society.clone(),
                member: concerned_member(&action),
                action,
            })
            .collect();
        store
            .finish_job(job, &self.owner, &items, result.next_due, now)
            .await
    }
}

/// The member an action is about, so erasing that member also drops what is queued for them.
pub fn concerned_member(action: &Action) -> Option<String> {
    match action {
        Action::Remind { user, .. } => Some(user.id.clone()),
        Action::AdminLog { about, .. } => about.clone(),
        Action::Post { message, .. } | Action::Reply { message, .. } => {
            message.mentions.first().map(|m| m.id.clone())
        }
        _ => None,
    }
}

/// An id for this process's leases: distinct across processes and restarts.
pub fn process_owner_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("rounds-{}-{nanos:x}", std::process::id())
}
