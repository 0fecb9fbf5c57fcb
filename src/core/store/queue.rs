//! The queue: scheduled jobs, and the outbox of actions waiting to be sent. The database is
//! the queue, so a crash between firing and sending loses nothing and repeats nothing.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::result::StoreResult;
use crate::core::io::Action;
use crate::core::when::Rule;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    Reminder,
    /// A pairing programme's next round; the subject is the programme.
    CoffeeRound,
    /// The did-you-meet question after a round; the subject is the round.
    CoffeeCheckin,
    /// Reminders before an event, one offset after another; the subject is the event.
    EventReminders,
    /// The next date of a series, made when the current one begins; the subject is the series.
    EventSeries,
    /// A daily re-sync of an imported calendar; the subject is the import.
    EventImport,
    /// The periodic list of posted shout-outs; the subject is the society's digest.
    ShoutoutDigest,
    /// A suggestion to reconnect, months after a coffee meeting; the subject is the group.
    StayInTouch,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Reminder => "reminder",
            JobKind::CoffeeRound => "coffee_round",
            JobKind::CoffeeCheckin => "coffee_checkin",
            JobKind::EventReminders => "event_reminders",
            JobKind::EventSeries => "event_series",
            JobKind::EventImport => "event_import",
            JobKind::ShoutoutDigest => "shoutout_digest",
            JobKind::StayInTouch => "stay_in_touch",
        }
    }

    pub fn parse(text: &str) -> Option<JobKind> {
        match text {
            "reminder" => Some(JobKind::Reminder),
            "coffee_round" => Some(JobKind::CoffeeRound),
            "coffee_checkin" => Some(JobKind::CoffeeCheckin),
            "event_reminders" => Some(JobKind::EventReminders),
            "event_series" => Some(JobKind::EventSeries),
            "event_import" => Some(JobKind::EventImport),
            "shoutout_digest" => Some(JobKind::ShoutoutDigest),
            "stay_in_touch" => Some(JobKind::StayInTouch),
            _ => None,
        }
    }
}

/// Which kinds of due job a claim takes, so slow kinds can be fired apart from the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KindFilter<'a> {
    All,
    Only(&'a [JobKind]),
    Except(&'a [JobKind]),
}

/// How a job moves on after it fires, as its row's `rule` column holds it. A job with none
/// fires once, or its feature works out the next time (a series reads its own rule).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobRule {
    /// To the rule's next occurrence, computed in the job's zone (reminders, rounds, digests).
    Every(Rule),
    /// An event's reminders: how long before the event each one goes, one firing per offset.
    Before(Vec<Duration>),
}

/// A job to add, for features whose job belongs to no other row's transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewJob {
    pub kind: JobKind,
    pub subject: i64,
    pub platform: String,
    pub society: String,
    pub due_at: DateTime<Utc>,
    pub zone: Tz,
    pub rule: Option<JobRule>,
}

/// A scheduled piece of work: the queue is this table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    /// The row the job is about (a reminder's id, later an event's).
    pub subject: i64,
    pub platform: String,
    pub society: String,
    pub due_at: DateTime<Utc>,
    /// The IANA zone the due time was computed in; recurrences are recomputed in it.
    pub zone: Tz,
    pub rule: Option<JobRule>,
}

impl Job {
    /// The rule it repeats by, for a job that repeats by one.
    pub fn repeat(&self) -> Option<&Rule> {
        match &self.rule {
            Some(JobRule::Every(rule)) => Some(rule),
            _ => None,
        }
    }
}

/// An action to send, with the key that makes sending it twice harmless.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxItem {
    pub key: String,
    pub platform: String,
    pub society: String,
    /// The member the action concerns, so erasure can remove what is still queued for them.
    pub member: Option<String>,
    pub action: Action,
}

/// How the keys of a command's answer begin (`in:<platform>:<event id>:<n>`).
pub const ANSWER_KEY_PREFIX: &str = "in:";

impl OutboxItem {
    /// Whether a member is waiting for this send: it is part of the answer to their command.
    /// Such sends go before what jobs queued in other lanes, so a burst of reminders never
    /// keeps a member waiting for a reply; an answer's own actions keep their order, and so
    /// does every lane.
    pub fn answers_a_command(&self) -> bool {
        self.key.starts_with(ANSWER_KEY_PREFIX)
    }
}

/// A job that has fired: what to queue, and when it is due next (None: finished).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FiredJob {
    pub job: Job,
    pub outbox: Vec<OutboxItem>,
    pub next_due: Option<DateTime<Utc>>,
}

/// An outbox row claimed for sending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingSend {
    pub id: i64,
    pub key: String,
    pub platform: String,
    pub society: String,
    pub action: Action,
    /// Tries that ended with an outcome the platform gave (sent, refused, failed).
    pub attempts: i64,
    /// Tries that were recorded as started, before being performed: more started than ended
    /// means a try was cut off (the process died) and may or may not have reached the platform.
    pub tries_started: i64,
    /// When the first try started, if one has.
    pub first_tried_at: Option<DateTime<Utc>>,
}

impl PendingSend {
    /// Tries that started and never recorded an outcome.
    pub fn unfinished_tries(&self) -> i64 {
        (self.tries_started - self.attempts).max(0)
    }
}

/// How many sends and jobs a count covers: what a stopping process gave back, or what waits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueTally {
    pub sends: u64,
    pub jobs: u64,
}

/// Jobs that fire when due, and actions queued until a platform has sent them.
#[async_trait]
pub trait QueueStore: Send + Sync {
    /// Atomically leases up to `limit` due jobs to `owner` until `lease_until`. A job leased by
    /// another live owner is never returned, so two schedulers never fire the same job.
    async fn claim_due_jobs(
        &self,
        now: DateTime<Utc>,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<Job>> {
        self.claim_due_jobs_of(now, owner, lease_until, limit, KindFilter::All, None)
            .await
    }
    /// `claim_due_jobs` for only the kinds `kinds` lets through, and only jobs of `platforms`
    /// (every platform's with None): a process fires only what its adapters can deliver.
    async fn claim_due_jobs_of(
        &self,
        now: DateTime<Utc>,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: i64,
        kinds: KindFilter<'_>,
        platforms: Option<&[String]>,
    ) -> StoreResult<Vec<Job>>;
    /// In one transaction, for each fired job: queue its actions, write its committee-log entries
    /// (its `Action::AdminLog`s) and move it on to its next
    /// due time (or finish it). A job whose lease `owner` no longer holds is skipped with
    /// nothing written for it; the result says, per job, whether it was finished.
    async fn finish_jobs(
        &self,
        fired: &[FiredJob],
        owner: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<bool>>;

    /// `finish_jobs` for one job.
    async fn finish_job(
        &self,
        job: &Job,
        owner: &str,
        outbox: &[OutboxItem],
        next_due: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let fired = FiredJob {
            job: job.clone(),
            outbox: outbox.to_vec(),
            next_due,
        };
        Ok(self
            .finish_jobs(std::slice::from_ref(&fired), owner, now)
            .await?
            .first()
            .copied()
            .unwrap_or(false))
    }
    /// The earliest pending job's due time.
    async fn next_due_at(&self) -> StoreResult<Option<DateTime<Utc>>>;
    /// When the first job `claim_due_jobs_of` with these filters could take becomes claimable:
    /// its due time, or just after its lease runs out if that is later. Reads only, so a loop
    /// can learn how long to sleep without taking a write lock.
    async fn next_job_at(
        &self,
        kinds: KindFilter<'_>,
        platforms: Option<&[String]>,
    ) -> StoreResult<Option<DateTime<Utc>>>;
    /// When the first pending send of `platform` becomes claimable: when its retry is due, or
    /// just after its lease runs out if that is later. Reads only.
    async fn next_send_at(&self, platform: &str) -> StoreResult<Option<DateTime<Utc>>>;
    /// Whether other processes may queue work here without this one hearing of it (a shared
    /// PostgreSQL database): a loop asleep until its next due time must look again now and then.
    fn shared(&self) -> bool;
    /// Tells the other processes sharing this store that work was queued, so that those
    /// asleep look now (PostgreSQL's NOTIFY). Nothing where no other process can share it.
    async fn announce_work(&self) -> StoreResult<()> {
        Ok(())
    }

    /// Queues actions; an item whose key is already queued is ignored.
    async fn enqueue(&self, items: &[OutboxItem], now: DateTime<Utc>) -> StoreResult<()>;
    /// Leases outbox rows for one platform that are ready to be sent.
    async fn claim_outbox(
        &self,
        platform: &str,
        now: DateTime<Utc>,
        owner: &str,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<PendingSend>>;
    /// Extends `owner`'s lease on a pending row to `until` and records a try as started at
    /// `now`, just before it is performed. False, with nothing written, when the row is no
    /// longer `owner`'s (its lease ran out and another process claimed it, or it was released
    /// or finished): the caller must not perform it.
    async fn start_send(
        &self,
        id: i64,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Extends `owner`'s lease on a pending row to `until`, for a try still under way. False,
    /// with nothing written, when the row is no longer `owner`'s.
    async fn renew_send(&self, id: i64, owner: &str, until: DateTime<Utc>) -> StoreResult<bool>;
    /// The outcomes of a try, each written only while `owner` still holds the row's lease;
    /// false, with nothing written, when it does not.
    async fn mark_sent(&self, id: i64, owner: &str, now: DateTime<Utc>) -> StoreResult<bool>;
    async fn mark_retry(
        &self,
        id: i64,
        owner: &str,
        attempts: i64,
        next_try_at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<bool>;
    async fn mark_failed(
        &self,
        id: i64,
        owner: &str,
        attempts: i64,
        error: &str,
    ) -> StoreResult<bool>;

    /// Adds a job unless one of that kind and subject exists; true if it was added.
    async fn add_job(&self, job: &NewJob) -> StoreResult<bool>;

    /// Gives up every lease `owner` holds on pending outbox rows and jobs, so that another
    /// process, or this one's next start, claims them at once instead of after the lease runs
    /// out. A stopping process calls it once it has finished its last send. Says how many.
    async fn release_leases(&self, owner: &str) -> StoreResult<QueueTally>;

    /// Gives up every lease held by an owner other than `owner`, for a process that knows it is
    /// the only one on the database (a SQLite file it holds the lock of): whoever held them is
    /// dead, and waiting out their leases would only delay what they left.
    async fn release_others_leases(&self, owner: &str) -> StoreResult<QueueTally>;

    /// What waits at `now`: pending sends ready to go and pending jobs due.
    async fn waiting(&self, now: DateTime<Utc>) -> StoreResult<QueueTally>;
}
