//! An idle bot does no work: a tick or a delivery with nothing due only reads, so it never
//! takes SQLite's write lock; the drive loop learns from the store when work is next due; and a
//! command answered as jobs fall due is sent before they fire.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use sqlx::Connection;

use rounds::clock::Clock;
use rounds::core::Bot;
use rounds::core::io::{Action, Message};
use rounds::core::store::{JobKind, KindFilter, NewJob, OutboxItem, Store};
use rounds::platform::{Adapter, DeliveryError};
use rounds::runtime::Runtime;
use support::{Harness, Member, PLATFORM, SOCIETY};

/// A bounded wait for things that take no time on a quiet machine.
const WAIT: StdDuration = StdDuration::from_secs(30);

/// Polls until `seen` holds, failing after `bound`.
async fn until(bound: StdDuration, what: &str, mut seen: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + bound;
    while !seen() {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn an_idle_minute_of_ticks_and_deliveries_takes_no_write_lock_on_sqlite() {
    let (dir, store, _raw) = support::sqlite_file_with_raw().await;
    let h = Harness::new(store.clone(), support::settings(Tz::UTC));
    let ana = Member::new("ana");
    let t0 = support::utc(2026, 3, 2, 9, 0);
    // Work that is not due yet, and a send already made: the tables are not empty.
    h.say(ana.says("!remind me in 2 hours to call the ward"), t0)
        .await;
    assert!(
        h.runtime.tick(t0).await.is_ok(),
        "the first tick also prunes"
    );

    // Another connection holds the write lock for the whole idle minute, as a long write by
    // another process would: a claim that writes would wait on it and fail.
    let path = dir.path().join("rounds.db");
    let mut holder = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .unwrap();
    for quarter in 1..=240 {
        let now = t0 + Duration::milliseconds(250 * quarter);
        assert_eq!(
            h.runtime.tick(now).await.expect("an idle tick only reads"),
            0
        );
        assert_eq!(
            h.runtime
                .deliver(h.adapter.as_ref(), now)
                .await
                .expect("an idle delivery only reads"),
            0
        );
    }
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    holder.close().await.unwrap();

    // The check says "nothing" only when nothing is due: the reminder still fires on time.
    let texts = h.tick(t0 + Duration::hours(2)).await;
    assert!(
        texts.iter().any(|t| t.contains("call the ward")),
        "the reminder fired: {texts:?}"
    );
}

fn job(due_at: DateTime<Utc>, subject: i64) -> NewJob {
    NewJob {
        kind: JobKind::Reminder,
        subject,
        platform: PLATFORM.to_string(),
        society: SOCIETY.to_string(),
        due_at,
        zone: Tz::UTC,
        rule: None,
    }
}

fn post(key: &str) -> OutboxItem {
    OutboxItem {
        key: key.to_string(),
        platform: PLATFORM.to_string(),
        society: SOCIETY.to_string(),
        member: None,
        action: Action::Post {
            room: "!general:test".to_string(),
            message: Message::text("hello"),
        },
    }
}

/// The times the drive loop sleeps until: a job's due time or the end of its lease, a send's
/// retry time or the end of its lease, each only for the filters given.
async fn next_times_follow_due_times_retries_and_leases(store: Arc<dyn Store>) {
    let t0 = support::utc(2026, 3, 2, 9, 0);
    let all = KindFilter::All;
    assert_eq!(store.next_job_at(all, None).await.unwrap(), None);
    assert_eq!(store.next_send_at(PLATFORM).await.unwrap(), None);

    let due = t0 + Duration::minutes(5);
    assert!(store.add_job(&job(due, 1)).await.unwrap());
    assert!(
        store
            .add_job(&job(due + Duration::hours(1), 2))
            .await
            .unwrap()
    );
    assert_eq!(store.next_job_at(all, None).await.unwrap(), Some(due));
    let here = [PLATFORM.to_string()];
    let elsewhere = ["discord".to_string()];
    assert_eq!(
        store.next_job_at(all, Some(&here)).await.unwrap(),
        Some(due)
    );
    assert_eq!(
        store.next_job_at(all, Some(&elsewhere)).await.unwrap(),
        None
    );
    let fetching = [JobKind::EventImport];
    let only_fetching = KindFilter::Only(&fetching);
    assert_eq!(store.next_job_at(only_fetching, None).await.unwrap(), None);
    let except_fetching = KindFilter::Except(&fetching);
    assert_eq!(
        store.next_job_at(except_fetching, None).await.unwrap(),
        Some(due)
    );

    // Nothing due yet: the claim takes nothing.
    let lease = Duration::seconds(60);
    let none = store.claim_due_jobs(t0, "a", t0 + lease, 10).await.unwrap();
    assert!(none.is_empty());
    let claimed = store
        .claim_due_jobs(due, "a", due + lease, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    // Leased: claimable again a second after the lease, which is before the second job.
    assert_eq!(
        store.next_job_at(all, None).await.unwrap(),
        Some(due + lease + Duration::seconds(1))
    );
    assert!(
        store
            .claim_due_jobs(due + lease, "b", due + lease * 2, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let taken = store
        .claim_due_jobs(due + lease + Duration::seconds(1), "b", due + lease * 3, 10)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1, "the lapsed lease is taken over");

    store.enqueue(&[post("k1")], t0).await.unwrap();
    assert_eq!(store.next_send_at(PLATFORM).await.unwrap(), Some(t0));
    assert_eq!(store.next_send_at("discord").await.unwrap(), None);
    let sends = store
        .claim_outbox(PLATFORM, t0, "a", t0 + lease, 10)
        .await
        .unwrap();
    assert_eq!(sends.len(), 1);
    assert_eq!(
        store.next_send_at(PLATFORM).await.unwrap(),
        Some(t0 + lease + Duration::seconds(1))
    );
    let retry_at = t0 + Duration::minutes(5);
    assert!(
        store
            .mark_retry(sends[0].id, "a", 1, retry_at, "try later")
            .await
            .unwrap()
    );
    assert_eq!(store.next_send_at(PLATFORM).await.unwrap(), Some(retry_at));
    assert!(
        store
            .claim_outbox(PLATFORM, t0 + Duration::minutes(1), "a", t0 + lease * 2, 10)
            .await
            .unwrap()
            .is_empty(),
        "not before its retry time"
    );
    let again = store
        .claim_outbox(PLATFORM, retry_at, "a", retry_at + lease, 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert!(store.mark_sent(again[0].id, "a", retry_at).await.unwrap());
    assert_eq!(store.next_send_at(PLATFORM).await.unwrap(), None);
}

#[tokio::test]
async fn next_times_follow_due_times_retries_and_leases_on_sqlite() {
    next_times_follow_due_times_retries_and_leases(support::sqlite_memory().await).await;
}

#[tokio::test]
async fn next_times_follow_due_times_retries_and_leases_on_postgres() {
    support::on_postgres(next_times_follow_due_times_retries_and_leases).await;
}

/// Notes, for each send, whether it was a command's reply and how many jobs were still waiting
/// to fire when it was attempted.
struct Observing {
    store: Arc<dyn Store>,
    clock: Clock,
    seen: Mutex<Vec<(bool, u64)>>,
}

#[async_trait]
impl Adapter for Observing {
    fn platform(&self) -> &'static str {
        PLATFORM
    }

    async fn perform(&self, _key: &str, action: &Action) -> Result<(), DeliveryError> {
        let waiting = self.store.waiting(self.clock.now()).await.unwrap();
        let reply = matches!(action, Action::Reply { .. });
        self.seen.lock().unwrap().push((reply, waiting.jobs));
        Ok(())
    }
}

#[tokio::test]
async fn a_command_answered_as_jobs_fall_due_is_sent_before_they_fire() {
    let store: Arc<dyn Store> = support::sqlite_memory().await;
    let bot = Arc::new(Bot::new(store.clone(), support::settings(Tz::UTC)));
    let runtime = Arc::new(Runtime::new(bot));
    let setup = support::RecordingAdapter::new();
    let clock = Clock::wall();
    let ana = Member::new("ana");
    const REMINDERS: u64 = 40;
    for n in 0..REMINDERS {
        let now = clock.now();
        let text = format!("!remind me in 1 minute to check bed {n}");
        runtime.receive(&ana.says(&text), now).await.unwrap();
        runtime.deliver(setup.as_ref(), now).await.unwrap();
    }
    clock.advance(Duration::minutes(2));
    // The command is answered at the moment the reminders are due, before the loop runs.
    let queued = runtime
        .receive(&ana.says("!reminders"), clock.now())
        .await
        .unwrap();
    assert!(queued > 0);

    let observing = Arc::new(Observing {
        store: store.clone(),
        clock: clock.clone(),
        seen: Mutex::new(Vec::new()),
    });
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let driving = {
        let (runtime, clock) = (runtime.clone(), clock.clone());
        let adapters: Vec<Arc<dyn Adapter>> = vec![observing.clone()];
        tokio::spawn(async move { runtime.drive(&adapters, &clock, shutdown).await })
    };
    until(WAIT, "everything was sent", || {
        observing.seen.lock().unwrap().len() > REMINDERS as usize
    })
    .await;
    stop.send(true).unwrap();
    driving.await.unwrap();

    let seen = observing.seen.lock().unwrap().clone();
    assert_eq!(
        seen[0],
        (true, REMINDERS),
        "the reply went first, while every reminder still waited to fire: {seen:?}"
    );
    assert!(seen[1..].iter().all(|(reply, _)| !reply));
}

/// A loop asleep until a job's due time wakes when the clock is shifted past it: tests move
/// time forward and expect what fell due to fire.
#[tokio::test]
async fn a_sleeping_loop_wakes_when_the_clock_is_shifted() {
    let store: Arc<dyn Store> = support::sqlite_memory().await;
    let bot = Arc::new(Bot::new(store.clone(), support::settings(Tz::UTC)));
    let runtime = Arc::new(Runtime::new(bot));
    let adapter = support::RecordingAdapter::new();
    let clock = Clock::wall();
    let ana = Member::new("ana");
    runtime
        .receive(
            &ana.says("!remind me in 3 hours to sign the rota"),
            clock.now(),
        )
        .await
        .unwrap();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let driving = {
        let (runtime, clock) = (runtime.clone(), clock.clone());
        let adapters: Vec<Arc<dyn Adapter>> = vec![adapter.clone()];
        tokio::spawn(async move { runtime.drive(&adapters, &clock, shutdown).await })
    };
    let reminded = |adapter: &support::RecordingAdapter| {
        adapter
            .shown()
            .iter()
            .any(|(key, action)| key.starts_with("job:") && matches!(action, Action::Remind { .. }))
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    while adapter.texts().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "the reply was sent");
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    assert!(!reminded(&adapter), "{:?}", adapter.shown());
    clock.advance(Duration::hours(3) + Duration::minutes(1));
    while !reminded(&adapter) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the reminder fired once the clock passed it: {:?}",
            adapter.texts()
        );
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    stop.send(true).unwrap();
    driving.await.unwrap();
}

/// Two processes on one PostgreSQL database: an answer queued by one is sent at once by the
/// other, woken by the first's NOTIFY, although a process that hears the others looks on its
/// own only every 30 s (without hearing them it looked every 3 s).
#[tokio::test]
async fn work_queued_by_another_process_wakes_this_one_on_postgres() {
    use rounds::store::{DatabaseUrl, SqlStore};
    let db = support::PgDatabase::create().await;
    let url = DatabaseUrl::parse(&db.url).unwrap();
    let here = Arc::new(SqlStore::open(&url).await.unwrap());
    let elsewhere = Arc::new(SqlStore::open(&url).await.unwrap());
    let heard = here
        .listen_for_work()
        .expect("PostgreSQL can be listened to");
    let sender = Arc::new(
        Runtime::new(Arc::new(Bot::new(here.clone(), support::settings(Tz::UTC)))).hearing(heard),
    );
    let other = Runtime::new(Arc::new(Bot::new(
        elsewhere.clone(),
        support::settings(Tz::UTC),
    )));
    let adapter = support::RecordingAdapter::new();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let driving = {
        let sender = sender.clone();
        let adapters: Vec<Arc<dyn Adapter>> = vec![adapter.clone()];
        tokio::spawn(async move { sender.drive(&adapters, &Clock::wall(), shutdown).await })
    };
    // Nothing is due: the sender's loops are asleep for their 30 s.
    tokio::time::sleep(StdDuration::from_millis(500)).await;
    let queued = other
        .receive(&Member::new("ana").says("!help"), Utc::now())
        .await
        .unwrap();
    assert!(queued > 0);
    // Well inside the 30 s look: only the notice can have woken it.
    until(
        StdDuration::from_secs(20),
        "the other process's answer was sent",
        || !adapter.attempts().is_empty(),
    )
    .await;
    stop.send(true).unwrap();
    driving.await.unwrap();
    here.close().await;
    elsewhere.close().await;
    db.drop().await;
}
