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
use crate::core::store::{FiredJob, Job, JobKind, KindFilter, OutboxItem};
use crate::crash;
use crate::telemetry;
use tracing::Instrument;

/// Finished reminders stay this long (so a fired one can still be snoozed), then are deleted.
pub const KEEP_FINISHED: Duration = Duration::days(30);
const PRUNE_EVERY: Duration = Duration::hours(1);

/// How long a claimed job stays reserved for its claimer.
pub const JOB_LEASE: Duration = Duration::seconds(60);
const CLAIM_BATCH: i64 = 500;

/// Jobs that wait on other servers (a calendar feed can drip for its whole timeout).
const FETCHING: &[JobKind] = &[JobKind::EventImport];

/// A share of the jobs, so `Runtime::drive` can fire the slow ones apart from those that must
/// go on time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    /// Every job that reads other servers.
    Fetching,
    /// Every other job.
    Main,
}

impl Lane {
    /// The lane's name in the scheduler ticks series.
    fn label(self) -> &'static str {
        match self {
            Lane::Fetching => "fetching",
            Lane::Main => "main",
        }
    }

    fn kinds(self) -> KindFilter<'static> {
        match self {
            Lane::Fetching => KindFilter::Only(FETCHING),
            Lane::Main => KindFilter::Except(FETCHING),
        }
    }
}

pub struct Scheduler {
    bot: Arc<Bot>,
    owner: String,
    /// The platforms whose jobs this process fires (None: all). The shell fires only its own,
    /// so a shell opened on a live database never fires Discord's or Matrix's jobs at a
    /// simulated time.
    platforms: Option<Vec<String>>,
    last_prune: std::sync::Mutex<Option<DateTime<Utc>>>,
}

impl Scheduler {
    pub fn new(bot: Arc<Bot>, owner: impl Into<String>) -> Self {
        Scheduler {
            bot,
            owner: owner.into(),
            platforms: None,
            last_prune: std::sync::Mutex::new(None),
        }
    }

    /// Fires only the jobs of `platforms`.
    pub fn serving(mut self, platforms: Vec<String>) -> Self {
        self.platforms = Some(platforms);
        self
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Fires every job due at `now`, oldest first. Returns how many fired.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.tick_kinds(now, KindFilter::All, "all", &|| {}).await
    }

    /// `tick` for the jobs of one lane, calling `queued` each time a batch of firings has been
    /// recorded, so a burst's first sends go out while its later batches are still firing
    /// (10,000 reminders due at once used to wait about 6 s for the whole tick).
    pub async fn tick_lane(
        &self,
        now: DateTime<Utc>,
        lane: Lane,
        queued: &(dyn Fn() + Sync),
    ) -> Result<usize, StoreError> {
        self.tick_kinds(now, lane.kinds(), lane.label(), queued)
            .await
    }

    /// When the first job of `lane` this scheduler may fire becomes claimable, read without
    /// a claim, so the drive loop sleeps until then.
    pub async fn next_due(&self, lane: Lane) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.bot
            .store()
            .next_job_at(lane.kinds(), self.platforms.as_deref())
            .await
    }

    async fn tick_kinds(
        &self,
        now: DateTime<Utc>,
        kinds: KindFilter<'_>,
        lane: &'static str,
        queued: &(dyn Fn() + Sync),
    ) -> Result<usize, StoreError> {
        telemetry::metrics::scheduler_tick(lane);
        self.prune_now_and_then(now).await?;
        let store = self.bot.store();
        let mut fired = 0;
        loop {
            let jobs = store
                .claim_due_jobs_of(
                    now,
                    &self.owner,
                    now + JOB_LEASE,
                    CLAIM_BATCH,
                    kinds,
                    self.platforms.as_deref(),
                )
                .await?;
            let claimed = jobs.len();
            let mut batch = Vec::with_capacity(claimed);
            for job in jobs {
                let (id, kind, lateness) = (job.id, job.kind.as_str(), now - job.due_at);
                let span = tracing::info_span!("job", id, kind);
                match self.fire(job, now).instrument(span).await {
                    Ok(done) => {
                        telemetry::job_fired(kind, id, lateness);
                        batch.push(done)
                    }
                    Err(error) => {
                        tracing::error!(%error, "firing failed; it will be retried when the lease ends")
                    }
                }
            }
            if !batch.is_empty() {
                crash::point("scheduler:fired");
            }
            let results = store.finish_jobs(&batch, &self.owner, now).await?;
            let lost = results.iter().filter(|finished| !**finished).count();
            if lost > 0 {
                tracing::warn!(
                    lost,
                    "lost leases before finishing; other processes have those jobs"
                );
            }
            fired += results.len() - lost;
            if results.len() > lost {
                queued();
            }
            if (claimed as i64) < CLAIM_BATCH {
                return Ok(fired);
            }
        }
    }

    async fn prune_now_and_then(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        {
            let mut last = self.last_prune.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|at| now - at < PRUNE_EVERY && now >= at) {
                return Ok(());
            }
            *last = Some(now);
        }
        let removed = self.bot.store().prune(now - KEEP_FINISHED, now).await?;
        if removed > 0 {
            tracing::info!(removed, "pruned rows no feature needs any more");
        }
        Ok(())
    }

    /// Asks the core what a due job means. Its committee-log entries are written when the
    /// firing is recorded (`finish_jobs`), in the same transaction.
    async fn fire(&self, job: Job, now: DateTime<Utc>) -> Result<FiredJob, StoreError> {
        let result = self.bot.fire(&job, now).await?;
        let outbox = result
            .actions
            .into_iter()
            .enumerate()
            .map(|(n, action)| OutboxItem {
                key: format!("job:{}:{}:{n}", job.id, job.due_at.timestamp()),
                platform: job.platform.clone(),
                society: job.society.clone(),
                member: action.concerned_member(),
                action,
            })
            .collect();
        Ok(FiredJob {
            job,
            outbox,
            next_due: result.next_due,
        })
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
