//! Ties the core, the scheduler and the outbox together for any adapter.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use tracing::Instrument;

use crate::core::error::{STORE_UNAVAILABLE, StoreError};
use crate::core::io::{Action, Inbound};
use crate::core::store::{ANSWER_KEY_PREFIX, OutboxItem, QueueTally};
use crate::core::{Bot, Outcome};
use crate::crash;
use crate::health::Readiness;
use crate::outbox;
use crate::platform::{Adapter, DirectReply};
use crate::scheduler::{self, Lane, Scheduler};
use crate::telemetry;

pub struct Runtime {
    bot: Arc<Bot>,
    scheduler: Scheduler,
    owner: String,
    anonymous: AtomicU64,
    /// Rouses `drive` as soon as an answer is queued; otherwise it sleeps until work is due.
    wake: Wake,
    /// Which platforms are connected, set by the adapters and read by `/readyz`.
    readiness: Readiness,
    /// Bumped when another process sharing the store says it queued work (`hearing`).
    heard: Option<tokio::sync::watch::Receiver<u64>>,
}

impl Runtime {
    /// A runtime that fires every platform's jobs.
    pub fn new(bot: Arc<Bot>) -> Self {
        Runtime::with_scheduler(bot.clone(), |owner| Scheduler::new(bot, owner))
    }

    /// A runtime that fires only the jobs of `platforms`: those of the adapters it runs.
    pub fn serving(bot: Arc<Bot>, platforms: &[&str]) -> Self {
        let platforms = platforms.iter().map(|p| p.to_string()).collect();
        Runtime::with_scheduler(bot.clone(), |owner| {
            Scheduler::new(bot, owner).serving(platforms)
        })
    }

    fn with_scheduler(bot: Arc<Bot>, scheduler: impl FnOnce(String) -> Scheduler) -> Self {
        let owner = scheduler::process_owner_id();
        Runtime {
            scheduler: scheduler(owner.clone()),
            bot,
            owner,
            anonymous: AtomicU64::new(0),
            wake: Wake::default(),
            readiness: Readiness::new(),
            heard: None,
        }
    }

    /// Wakes the loops when `heard` changes: another process sharing the store queued work
    /// (`SqlStore::listen_for_work`). They then sleep as long as a process alone on its store,
    /// looking now and then only in case a notice was lost.
    pub fn hearing(mut self, heard: tokio::sync::watch::Receiver<u64>) -> Self {
        self.heard = Some(heard);
        self
    }

    /// Tells other processes sharing the store that work was queued; a failure only costs
    /// them the wait until their next look, so it is logged and not passed on.
    async fn announce_work(&self) {
        if let Err(error) = self.bot.store().announce_work().await {
            tracing::warn!(%error, "could not tell other processes of queued work");
        }
    }

    pub fn bot(&self) -> &Arc<Bot> {
        &self.bot
    }

    pub fn readiness(&self) -> &Readiness {
        &self.readiness
    }

    /// `receive`, and when the store could not take the event, the member waiting for an
    /// answer is told so through `direct`. The error is logged here, once, with its cause;
    /// callers only learn that nothing was queued.
    pub async fn receive_or_tell(
        &self,
        inbound: &Inbound,
        now: DateTime<Utc>,
        direct: &dyn DirectReply,
    ) -> Result<usize, StoreError> {
        let received = self.receive(inbound, now).await;
        if let Err(error) = &received {
            self.tell_store_failure(inbound, error, direct).await;
        }
        received
    }

    /// Logs a store failure that kept `inbound` from being handled and, if its sender awaits
    /// an answer, sends them [`STORE_UNAVAILABLE`] directly. For adapters whose own first
    /// write (before `receive`) failed, too.
    pub async fn tell_store_failure(
        &self,
        inbound: &Inbound,
        error: &StoreError,
        direct: &dyn DirectReply,
    ) {
        let origin = inbound.origin();
        let told = self.bot.awaits_answer(inbound);
        tracing::error!(
            %error,
            platform = %origin.platform,
            society = %origin.society,
            member_told = told,
            "the store could not take an inbound event"
        );
        if told && let Err(failed) = direct.say(STORE_UNAVAILABLE).await {
            tracing::error!(error = %failed, platform = %origin.platform, "could not tell the member either");
        }
    }

    /// Handles one inbound event and queues the answer, all in one unit of work: the event is
    /// marked seen, the command's writes are made and its answer is queued together, or none of
    /// them is. An event the store has seen before (a platform redelivery, a restart's
    /// catch-up) is ignored, so it is never answered twice; one that was not fully handled was
    /// never marked, so its redelivery is answered.
    pub async fn receive(
        &self,
        inbound: &Inbound,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let origin = inbound.origin();
        let span =
            tracing::info_span!("inbound", platform = %origin.platform, society = %origin.society);
        self.receive_in_span(inbound, now).instrument(span).await
    }

    async fn receive_in_span(
        &self,
        inbound: &Inbound,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let origin = inbound.origin();
        let store = self.bot.store();
        let seen_key = origin
            .message_id
            .as_ref()
            .map(|id| format!("{ANSWER_KEY_PREFIX}{}:{id}", origin.platform));
        let base = seen_key.clone().unwrap_or_else(|| {
            format!(
                "{ANSWER_KEY_PREFIX}{}:{}:{}",
                origin.platform,
                self.owner,
                self.anonymous.fetch_add(1, Ordering::Relaxed)
            )
        });
        // A redelivery costs no lookup and opens no unit.
        if let Some(key) = &seen_key
            && store.seen(key).await?
        {
            tracing::debug!(%key, "already handled");
            return Ok(0);
        }
        // Slow lookups before the unit opens: it holds SQLite's write lock while open.
        let ahead = self.bot.look_up_ahead(inbound).await;
        let unit = store.unit().await?;
        if let Some(key) = &seen_key
            && !unit.first_sight(key, now).await?
        {
            tracing::debug!(%key, "already handled");
            return Ok(0);
        }
        crash::point("inbound:seen");
        let started = std::time::Instant::now();
        let answer = self
            .bot
            .answer_in(unit.as_ref(), inbound, ahead.as_ref(), now)
            .await;
        telemetry::command_answered(origin, &answer, started.elapsed());
        let items = outbox_items(inbound, &base, answer.actions);
        if answer.outcome == Outcome::Failed {
            // The store failed partway: what the command wrote is rolled back, and the apology
            // the core made is queued on its own, with the seen-mark, so it is said once.
            drop(unit);
            let unit = store.unit().await?;
            if let Some(key) = &seen_key {
                unit.first_sight(key, now).await?;
            }
            unit.enqueue(&items, now).await?;
            unit.commit().await?;
        } else {
            unit.enqueue(&items, now).await?;
            crash::point("inbound:queued");
            unit.commit().await?;
        }
        if !items.is_empty() {
            self.wake.notify_one();
            self.announce_work().await;
        }
        Ok(items.len())
    }

    pub async fn tick(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        self.scheduler.tick(now).await
    }

    pub async fn deliver(
        &self,
        adapter: &dyn Adapter,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        outbox::deliver(self.bot.store().as_ref(), adapter, &self.owner, now).await
    }

    /// Runs the scheduler and the senders for every adapter until `shutdown` turns true. Each
    /// runs in a loop of its own that sleeps until its next work is due, as the store says, and
    /// wakes at once when work is queued or the clock is shifted; no beat runs while nothing is
    /// due. One per process. So nothing waits behind anything else: a platform that is slow or
    /// rate limited holds back only its own sends, a burst of sends holds back no job, and jobs
    /// that fetch from other servers hold back only their own import.
    pub async fn drive(
        &self,
        adapters: &[std::sync::Arc<dyn Adapter>],
        clock: &crate::clock::Clock,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        let senders = futures_util::future::join_all(
            adapters
                .iter()
                .map(|adapter| self.drive_sends(adapter.as_ref(), clock, shutdown.clone())),
        );
        tokio::join!(
            self.drive_jobs(clock, shutdown.clone()),
            self.drive_fetching(clock, shutdown),
            senders,
        );
    }

    /// Fires the jobs that do not fetch; what they queue is sent by the senders, roused at once.
    async fn drive_jobs(
        &self,
        clock: &crate::clock::Clock,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut shifts = clock.shifts();
        let mut elsewhere = self.heard.clone();
        // Only the wait is raced against the stop, never the work: a tick that has begun
        // finishes and is recorded.
        let mut sleep = std::time::Duration::ZERO;
        loop {
            let woken = self.wake.main.notified();
            if !next_turn(sleep, woken, &mut shifts, &mut elsewhere, &mut shutdown).await {
                return;
            }
            let queued = || self.wake.sends();
            match self
                .scheduler
                .tick_lane(clock.now(), Lane::Main, &queued)
                .await
            {
                Ok(0) => {}
                Ok(_) => self.announce_work().await,
                Err(error) => tracing::error!(%error, "scheduler tick failed"),
            }
            let next = self.scheduler.next_due(Lane::Main).await;
            sleep = self.sleep_until(next, clock);
        }
    }

    /// Sends what is queued for `adapter`'s platform, as soon as it is queued or its retry is
    /// due. A stop is noticed between sends; those in flight finish and are recorded.
    async fn drive_sends(
        &self,
        adapter: &dyn Adapter,
        clock: &crate::clock::Clock,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut shifts = clock.shifts();
        let mut elsewhere = self.heard.clone();
        let mut queued = self.wake.sends.subscribe();
        let stopping = {
            let shutdown = shutdown.clone();
            move || *shutdown.borrow()
        };
        let store = self.bot.store().as_ref();
        let mut sleep = std::time::Duration::ZERO;
        loop {
            let woken = queued.changed();
            if !next_turn(sleep, woken, &mut shifts, &mut elsewhere, &mut shutdown).await {
                return;
            }
            // Marked seen before the work, so what is queued while it runs wakes the next turn.
            queued.mark_unchanged();
            // The clock, not a fixed `now`: sends can take longer than a lease.
            let sent = outbox::deliver_until(
                store,
                adapter,
                &self.owner,
                &|| clock.now(),
                outbox::Leasing::default(),
                &stopping,
            )
            .await;
            if let Err(error) = sent {
                tracing::error!(%error, platform = adapter.platform(), "delivery failed");
            }
            let next = store.next_send_at(adapter.platform()).await;
            sleep = self.sleep_until(next, clock);
        }
    }

    /// The sleep until `next`, capped so that work queued where this process cannot hear of
    /// it is still found, and floored so that something due yet left unclaimed (say, by a
    /// store that failed midway) is looked at on the old quarter-second beat, not in a spin.
    fn sleep_until(
        &self,
        next: Result<Option<DateTime<Utc>>, StoreError>,
        clock: &crate::clock::Clock,
    ) -> std::time::Duration {
        let cap = if self.bot.store().shared() && self.heard.is_none() {
            SLEEP_SHARED
        } else {
            SLEEP_ALONE
        };
        match next {
            Ok(Some(at)) => clock.until(at).clamp(SLEEP_FLOOR, cap),
            Ok(None) => cap,
            Err(error) => {
                tracing::error!(%error, "could not read when the next work is due");
                SLEEP_AFTER_ERROR
            }
        }
    }

    /// Fires the jobs that fetch; what they queue is sent by the senders, roused at once.
    /// A stop cuts a fetch short: its job is only leased, and `release_leases` hands it back
    /// for the next start to fire again (a feed can take its whole timeout to answer).
    async fn drive_fetching(
        &self,
        clock: &crate::clock::Clock,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut shifts = clock.shifts();
        let mut elsewhere = self.heard.clone();
        let mut sleep = std::time::Duration::ZERO;
        loop {
            let woken = self.wake.fetching.notified();
            if !next_turn(sleep, woken, &mut shifts, &mut elsewhere, &mut shutdown).await {
                return;
            }
            let queued = || self.wake.sends();
            let fired = tokio::select! {
                fired = self.scheduler.tick_lane(clock.now(), Lane::Fetching, &queued) => fired,
                _ = shutdown.wait_for(|stop| *stop) => return,
            };
            match fired {
                Ok(0) => {}
                Ok(_) => self.announce_work().await,
                Err(error) => tracing::error!(%error, "fetching tick failed"),
            }
            let next = self.scheduler.next_due(Lane::Fetching).await;
            sleep = self.sleep_until(next, clock);
        }
    }

    /// Hands back the leases this process holds on unsent rows and unfinished jobs, for a
    /// stop: the next process claims them at once instead of after the lease.
    pub async fn release_leases(&self) -> Result<QueueTally, StoreError> {
        self.bot.store().release_leases(&self.owner).await
    }

    /// Hands back every lease another owner holds, for a process that knows it is alone on its
    /// database (it holds the SQLite file's lock, `store::DatabaseLock`): their holders are
    /// dead, and what they left goes at once instead of after their leases.
    pub async fn release_dead_leases(&self) -> Result<QueueTally, StoreError> {
        self.bot.store().release_others_leases(&self.owner).await
    }

    /// Sends and jobs waiting at `now`, for the line a stop logs.
    pub async fn waiting(&self, now: DateTime<Utc>) -> Result<QueueTally, StoreError> {
        self.bot.store().waiting(now).await
    }
}

/// An answer's actions as outbox rows, keyed `<base>:<n>` so that queuing them twice is harmless.
fn outbox_items(inbound: &Inbound, base: &str, actions: Vec<Action>) -> Vec<OutboxItem> {
    let origin = inbound.origin();
    actions
        .into_iter()
        .enumerate()
        .map(|(n, action)| OutboxItem {
            key: format!("{base}:{n}"),
            platform: origin.platform.clone(),
            society: origin.society.clone(),
            member: match &action {
                Action::Reply { .. } => Some(inbound.sender().id.clone()),
                other => other.concerned_member(),
            },
            action,
        })
        .collect()
}

/// The longest sleep when this process alone queues work in its store (SQLite), or hears of
/// the work other processes queue (PostgreSQL's NOTIFY): a safety net, since that work wakes it.
const SLEEP_ALONE: std::time::Duration = std::time::Duration::from_secs(30);
/// The longest sleep when other processes share the store (PostgreSQL) and may queue jobs or
/// answers this one must send, and this one is not `hearing` them: how late their work may be
/// noticed. Hearing them, it sleeps as long as a process alone.
const SLEEP_SHARED: std::time::Duration = std::time::Duration::from_secs(3);
/// The shortest sleep, for work due now that was not taken: the old beat, never a spin.
const SLEEP_FLOOR: std::time::Duration = std::time::Duration::from_millis(250);
const SLEEP_AFTER_ERROR: std::time::Duration = std::time::Duration::from_secs(1);

/// Waits for a drive loop's next turn: until `sleep` has passed, `woken` is done, the clock is
/// shifted or another process says it queued work. Only the wait is raced against the stop,
/// never the work. False once the stop has begun.
async fn next_turn(
    sleep: std::time::Duration,
    woken: impl std::future::Future,
    shifts: &mut tokio::sync::watch::Receiver<()>,
    elsewhere: &mut Option<tokio::sync::watch::Receiver<u64>>,
    shutdown: &mut tokio::sync::watch::Receiver<bool>,
) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(sleep) => {}
        _ = woken => {}
        _ = shifts.changed() => {}
        _ = heard(elsewhere) => {}
        changed = shutdown.changed() => {
            if changed.is_err() {
                return false;
            }
        }
    }
    !*shutdown.borrow()
}

/// Until `heard` changes; forever if there is nothing to hear, or nobody left to say it.
async fn heard(heard: &mut Option<tokio::sync::watch::Receiver<u64>>) {
    if let Some(receiver) = heard
        && receiver.changed().await.is_ok()
    {
        return;
    }
    *heard = None;
    std::future::pending::<()>().await
}

/// Rouses the drive loops when work is queued: the senders send it, and a command may have
/// added a job, which the job loops must now wait for.
struct Wake {
    main: tokio::sync::Notify,
    fetching: tokio::sync::Notify,
    /// A count bumped whenever sends are queued: each platform's sender sees every bump, even
    /// one made while it was busy sending.
    sends: tokio::sync::watch::Sender<u64>,
}

impl Default for Wake {
    fn default() -> Self {
        Wake {
            main: tokio::sync::Notify::new(),
            fetching: tokio::sync::Notify::new(),
            sends: tokio::sync::watch::Sender::new(0),
        }
    }
}

impl Wake {
    fn notify_one(&self) {
        self.main.notify_one();
        self.fetching.notify_one();
        self.sends();
    }

    fn sends(&self) {
        self.sends
            .send_modify(|queued| *queued = queued.wrapping_add(1));
    }
}
