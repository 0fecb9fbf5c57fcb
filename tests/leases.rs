//! Leases that match the work: a send is claimed a few rows at a time, its lease is renewed
//! (owner-checked) just before it is performed, its outcome is written only by the lease's
//! holder, and a send whose tries were cut off is sent again only while the platform still
//! drops a repeat of its key. On SQLite and PostgreSQL.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use rounds::core::io::{Action, Message};
use rounds::core::store::{OutboxItem, Store};
use rounds::outbox::{self, Leasing, QUARANTINE_AFTER, SEND_LEASE};
use rounds::platform::{Adapter, DeliveryError};
use support::*;

fn item(n: usize) -> OutboxItem {
    OutboxItem {
        key: format!("lease-test:{n}"),
        platform: PLATFORM.to_string(),
        society: SOCIETY.to_string(),
        member: None,
        action: Action::Post {
            room: "general".to_string(),
            message: Message::text(format!("notice {n}")),
        },
    }
}

fn t0() -> DateTime<Utc> {
    at("2026-03-30T07:00:00+11:00")
}

async fn on_sqlite_file<F, Fut>(story: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (_dir, store, _raw) = sqlite_file_with_raw().await;
    story(store.clone()).await;
    store.close().await;
}

/// A test clock the adapters move forward, so a "slow" platform costs no real time.
#[derive(Clone)]
struct TestClock {
    base: DateTime<Utc>,
    seconds: Arc<AtomicI64>,
}

impl TestClock {
    fn new(base: DateTime<Utc>) -> TestClock {
        TestClock {
            base,
            seconds: Arc::new(AtomicI64::new(0)),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.base + Duration::seconds(self.seconds.load(Ordering::SeqCst))
    }

    fn advance(&self, seconds: i64) {
        self.seconds.fetch_add(seconds, Ordering::SeqCst);
    }
}

/// A platform that takes `per_send` seconds of the test clock for each send, and that records
/// every key it was asked to perform. It does not drop repeats: a repeat is a duplicate.
struct SlowPlatform {
    clock: TestClock,
    per_send: i64,
    performed: Mutex<Vec<String>>,
}

#[async_trait]
impl Adapter for SlowPlatform {
    fn platform(&self) -> &'static str {
        PLATFORM
    }

    async fn perform(&self, key: &str, _action: &Action) -> Result<(), DeliveryError> {
        self.performed.lock().unwrap().push(key.to_string());
        self.clock.advance(self.per_send);
        // Lets the other sender run meanwhile, as a real network wait would.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        Ok(())
    }
}

/// Records keys performed, and says how long it drops a repeated key.
struct WindowPlatform {
    window: Option<Duration>,
    performed: Mutex<Vec<String>>,
}

impl WindowPlatform {
    fn new(window: Option<Duration>) -> WindowPlatform {
        WindowPlatform {
            window,
            performed: Mutex::new(Vec::new()),
        }
    }

    fn performed(&self) -> Vec<String> {
        self.performed.lock().unwrap().clone()
    }
}

#[async_trait]
impl Adapter for WindowPlatform {
    fn platform(&self) -> &'static str {
        PLATFORM
    }

    async fn perform(&self, key: &str, _action: &Action) -> Result<(), DeliveryError> {
        self.performed.lock().unwrap().push(key.to_string());
        Ok(())
    }

    fn dedup_window(&self) -> Option<Duration> {
        self.window
    }
}

// ---------------------------------------------------------------------------------------------
// The store: renewals and outcomes belong to the lease's holder

async fn a_stale_owner_changes_nothing(store: Arc<dyn Store>) {
    let t0 = t0();
    store.enqueue(&[item(1)], t0).await.unwrap();
    let a = store
        .claim_outbox(PLATFORM, t0, "a", t0 + SEND_LEASE, 10)
        .await
        .unwrap();
    assert_eq!(a.len(), 1);
    // A's lease runs out while it is still busy; B claims the row.
    let later = t0 + SEND_LEASE + Duration::seconds(1);
    let b = store
        .claim_outbox(PLATFORM, later, "b", later + SEND_LEASE, 10)
        .await
        .unwrap();
    assert_eq!(b.len(), 1);
    let id = a[0].id;

    assert!(
        !store
            .start_send(id, "a", later, later + SEND_LEASE)
            .await
            .unwrap(),
        "a renewal by the owner whose lease passed to another must be refused"
    );
    assert!(!store.renew_send(id, "a", later + SEND_LEASE).await.unwrap());
    assert!(!store.mark_sent(id, "a", later).await.unwrap());
    assert!(
        !store
            .mark_retry(id, "a", 1, later + Duration::minutes(5), "timeout")
            .await
            .unwrap()
    );
    assert!(!store.mark_failed(id, "a", 1, "refused").await.unwrap());

    // B still holds it, untouched by A: it renews, sends and marks it.
    assert!(
        store
            .start_send(id, "b", later, later + SEND_LEASE)
            .await
            .unwrap()
    );
    assert!(store.mark_sent(id, "b", later).await.unwrap());
    let much_later = later + Duration::hours(1);
    assert_eq!(store.waiting(much_later).await.unwrap().sends, 0);
    assert!(
        store
            .claim_outbox(PLATFORM, much_later, "c", much_later + SEND_LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_stale_owner_changes_nothing_on_sqlite() {
    on_sqlite_file(a_stale_owner_changes_nothing).await;
}

#[tokio::test]
async fn a_stale_owner_changes_nothing_on_postgres() {
    on_postgres(a_stale_owner_changes_nothing).await;
}

async fn a_renewal_extends_the_lease_and_counts_a_started_try(store: Arc<dyn Store>) {
    let t0 = t0();
    store.enqueue(&[item(1)], t0).await.unwrap();
    let a = store
        .claim_outbox(PLATFORM, t0, "a", t0 + SEND_LEASE, 10)
        .await
        .unwrap();
    assert_eq!((a[0].tries_started, a[0].first_tried_at), (0, None));
    let started = t0 + Duration::seconds(20);
    assert!(
        store
            .start_send(a[0].id, "a", started, started + SEND_LEASE)
            .await
            .unwrap()
    );
    // Past the claim's lease but within the renewal's, nobody else may take it.
    let between = t0 + SEND_LEASE + Duration::seconds(5);
    assert!(
        store
            .claim_outbox(PLATFORM, between, "b", between + SEND_LEASE, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // A died mid-send: once the renewed lease runs out, B gets it, and sees a try in doubt.
    let after = started + SEND_LEASE + Duration::seconds(1);
    let b = store
        .claim_outbox(PLATFORM, after, "b", after + SEND_LEASE, 10)
        .await
        .unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].tries_started, 1);
    assert_eq!(b[0].attempts, 0);
    assert_eq!(b[0].first_tried_at, Some(started));
    assert_eq!(b[0].unfinished_tries(), 1);
}

#[tokio::test]
async fn a_renewal_extends_the_lease_and_counts_a_started_try_on_sqlite() {
    on_sqlite_file(a_renewal_extends_the_lease_and_counts_a_started_try).await;
}

#[tokio::test]
async fn a_renewal_extends_the_lease_and_counts_a_started_try_on_postgres() {
    on_postgres(a_renewal_extends_the_lease_and_counts_a_started_try).await;
}

// ---------------------------------------------------------------------------------------------
// The outbox: two senders, a platform slower than the lease

/// One process's send loop, as `Runtime::drive` runs it: a delivery each beat, until nothing
/// is left to send. Says how many sends it recorded.
async fn send_loop(
    store: &dyn Store,
    platform: &SlowPlatform,
    owner: &str,
    leasing: Leasing,
) -> usize {
    let now = || platform.clock.now();
    let mut delivered = 0;
    for _beat in 0..10_000 {
        delivered += outbox::deliver_until(store, platform, owner, &now, leasing, &|| false)
            .await
            .unwrap();
        let all = platform.clock.now() + Duration::hours(1);
        if store.waiting(all).await.unwrap().sends == 0 {
            return delivered;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    panic!("{owner} never saw the outbox empty");
}

/// Two senders on one database, each send taking 10 s of a 30 s lease, sixteen rows: a batch
/// takes far longer than its lease, and still every row is performed exactly once.
async fn two_senders_never_both_send_a_row(store: Arc<dyn Store>) {
    let clock = TestClock::new(t0());
    let rows: Vec<OutboxItem> = (0..16).map(item).collect();
    store.enqueue(&rows, clock.now()).await.unwrap();
    let platform = SlowPlatform {
        clock: clock.clone(),
        per_send: 10,
        performed: Mutex::new(Vec::new()),
    };
    let leasing = Leasing {
        lease: Duration::seconds(30),
    };
    let (a, b) = tokio::join!(
        send_loop(store.as_ref(), &platform, "a", leasing),
        send_loop(store.as_ref(), &platform, "b", leasing),
    );
    let performed = platform.performed.lock().unwrap().clone();
    let mut times: HashMap<&str, usize> = HashMap::new();
    for key in &performed {
        *times.entry(key.as_str()).or_default() += 1;
    }
    let twice: Vec<_> = times.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "rows sent more than once: {twice:?}");
    assert_eq!(times.len(), 16, "every row is sent: {performed:?}");
    assert_eq!(a + b, 16, "each send is recorded once, by its sender");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_senders_never_both_send_a_row_on_sqlite() {
    on_sqlite_file(two_senders_never_both_send_a_row).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_senders_never_both_send_a_row_on_postgres() {
    on_postgres(two_senders_never_both_send_a_row).await;
}

/// A platform that takes real time over each send, as a rate limit waited out does, and
/// records every key it performs into a list shared with other senders' platforms.
struct StallingPlatform {
    stall: std::time::Duration,
    performed: Arc<Mutex<Vec<String>>>,
}

#[async_trait]
impl Adapter for StallingPlatform {
    fn platform(&self) -> &'static str {
        PLATFORM
    }

    async fn perform(&self, key: &str, _action: &Action) -> Result<(), DeliveryError> {
        self.performed.lock().unwrap().push(key.to_string());
        tokio::time::sleep(self.stall).await;
        Ok(())
    }
}

/// One send outlasts its lease (2 s of lease, 3.5 s of sending): the sender keeps renewing
/// it while the platform works, so the other sender, polling all along, never takes it.
async fn a_send_longer_than_its_lease_keeps_it(store: Arc<dyn Store>) {
    store.enqueue(&[item(1)], Utc::now()).await.unwrap();
    let performed = Arc::new(Mutex::new(Vec::new()));
    let slow = StallingPlatform {
        stall: std::time::Duration::from_millis(3500),
        performed: performed.clone(),
    };
    let quick = StallingPlatform {
        stall: std::time::Duration::ZERO,
        performed: performed.clone(),
    };
    let leasing = Leasing {
        lease: Duration::seconds(2),
    };
    let wall = || Utc::now();
    let done = std::sync::atomic::AtomicBool::new(false);
    let first = async {
        let sent = outbox::deliver_until(store.as_ref(), &slow, "a", &wall, leasing, &|| false)
            .await
            .unwrap();
        done.store(true, Ordering::SeqCst);
        sent
    };
    let other = async {
        // From the moment the first sender is at work.
        while performed.lock().unwrap().is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let mut sent = 0;
        while !done.load(Ordering::SeqCst) {
            sent += outbox::deliver_until(store.as_ref(), &quick, "b", &wall, leasing, &|| false)
                .await
                .unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        sent
    };
    let (a, b) = tokio::join!(first, other);
    assert_eq!(
        *performed.lock().unwrap(),
        vec!["lease-test:1".to_string()],
        "sent once, by the first sender"
    );
    assert_eq!((a, b), (1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_longer_than_its_lease_keeps_it_on_sqlite() {
    on_sqlite_file(a_send_longer_than_its_lease_keeps_it).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_longer_than_its_lease_keeps_it_on_postgres() {
    on_postgres(a_send_longer_than_its_lease_keeps_it).await;
}

// ---------------------------------------------------------------------------------------------
// Tries cut off by a crash

/// A process claims the row, records its try as started, and dies before any outcome.
async fn a_try_dies(store: &dyn Store, owner: &str, at: DateTime<Utc>) {
    let claimed = store
        .claim_outbox(PLATFORM, at, owner, at + SEND_LEASE, 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1, "{owner} claims the row at {at}");
    assert!(
        store
            .start_send(claimed[0].id, owner, at, at + SEND_LEASE)
            .await
            .unwrap()
    );
}

async fn committee_log(store: &dyn Store) -> Vec<String> {
    store
        .admin_log_entries(SOCIETY, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, text)| text)
        .collect()
}

async fn a_cut_off_try_within_the_window_is_sent_again(store: Arc<dyn Store>) {
    let t0 = t0();
    store.enqueue(&[item(1)], t0).await.unwrap();
    a_try_dies(store.as_ref(), "dead", t0).await;
    let platform = WindowPlatform::new(Some(Duration::minutes(2)));
    // The dead lease runs out; the platform still drops a repeat of the key, so it is resent.
    let restart = t0 + SEND_LEASE + Duration::seconds(1);
    let sent = outbox::deliver(store.as_ref(), &platform, "next", restart)
        .await
        .unwrap();
    assert_eq!(sent, 1);
    assert_eq!(platform.performed(), vec!["lease-test:1".to_string()]);
    assert!(committee_log(store.as_ref()).await.is_empty());
}

#[tokio::test]
async fn a_cut_off_try_within_the_window_is_sent_again_on_sqlite() {
    on_sqlite_file(a_cut_off_try_within_the_window_is_sent_again).await;
}

#[tokio::test]
async fn a_cut_off_try_within_the_window_is_sent_again_on_postgres() {
    on_postgres(a_cut_off_try_within_the_window_is_sent_again).await;
}

async fn a_cut_off_try_past_the_window_is_reported_not_resent(store: Arc<dyn Store>) {
    let t0 = t0();
    store.enqueue(&[item(1)], t0).await.unwrap();
    a_try_dies(store.as_ref(), "dead", t0).await;
    let platform = WindowPlatform::new(Some(Duration::minutes(2)));
    let restart = t0 + Duration::minutes(5);
    let sent = outbox::deliver(store.as_ref(), &platform, "next", restart)
        .await
        .unwrap();
    assert_eq!(sent, 0);
    assert!(
        platform.performed().is_empty(),
        "a repeat the platform no longer recognises could show the message twice"
    );
    let log = committee_log(store.as_ref()).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(log[0].contains("A post in general"), "{}", log[0]);
    assert!(log[0].contains("notice 1"), "{}", log[0]);
    assert!(
        log[0].contains("first tried 2026-03-29 20:00 UTC"),
        "{}",
        log[0]
    );
    assert!(
        log[0].contains("may or may not have been shown"),
        "{}",
        log[0]
    );
    // It is closed: no later sender tries it either.
    let later = restart + Duration::hours(1);
    assert_eq!(store.waiting(later).await.unwrap().sends, 0);
    outbox::deliver(store.as_ref(), &platform, "later", later)
        .await
        .unwrap();
    assert!(platform.performed().is_empty());
}

#[tokio::test]
async fn a_cut_off_try_past_the_window_is_reported_not_resent_on_sqlite() {
    on_sqlite_file(a_cut_off_try_past_the_window_is_reported_not_resent).await;
}

#[tokio::test]
async fn a_cut_off_try_past_the_window_is_reported_not_resent_on_postgres() {
    on_postgres(a_cut_off_try_past_the_window_is_reported_not_resent).await;
}

async fn a_send_that_keeps_killing_its_sender_is_quarantined(store: Arc<dyn Store>) {
    let t0 = t0();
    store.enqueue(&[item(1)], t0).await.unwrap();
    // No window: the platform drops repeats forever, so only the crashes stop it.
    let mut at = t0;
    for n in 0..QUARANTINE_AFTER {
        a_try_dies(store.as_ref(), &format!("dead-{n}"), at).await;
        at = at + SEND_LEASE + Duration::seconds(1);
    }
    let platform = WindowPlatform::new(None);
    let sent = outbox::deliver(store.as_ref(), &platform, "next", at)
        .await
        .unwrap();
    assert_eq!(sent, 0);
    assert!(platform.performed().is_empty());
    let log = committee_log(store.as_ref()).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(log[0].contains("quarantined"), "{}", log[0]);
    assert!(log[0].contains("notice 1"), "{}", log[0]);
    let later = at + Duration::hours(1);
    assert_eq!(store.waiting(later).await.unwrap().sends, 0);
}

#[tokio::test]
async fn a_send_that_keeps_killing_its_sender_is_quarantined_on_sqlite() {
    on_sqlite_file(a_send_that_keeps_killing_its_sender_is_quarantined).await;
}

#[tokio::test]
async fn a_send_that_keeps_killing_its_sender_is_quarantined_on_postgres() {
    on_postgres(a_send_that_keeps_killing_its_sender_is_quarantined).await;
}

// ---------------------------------------------------------------------------------------------
// `rounds run` on a SQLite file: one at a time, and a restart after a kill takes over at once

mod process {
    use std::time::Duration;

    use super::support::deployment::{Deployment, OneChannel};
    use super::support::discord_standin::*;

    const IDS: OneChannel = OneChannel::at(1_320_000_000_000_000_000);
    const GUILD: u64 = IDS.guild;
    const GENERAL: u64 = IDS.general;
    /// Generous waits for things that take no time at all on a quiet machine.
    const WAIT: Duration = Duration::from_secs(30);

    fn world() -> World {
        IDS.world()
    }

    fn shown(standin: &StandIn) -> Vec<String> {
        standin
            .channel_messages(GENERAL)
            .iter()
            .filter_map(|m| m["content"].as_str().map(str::to_string))
            .collect()
    }

    async fn wait_for_shown(standin: &StandIn, at_least: usize) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while shown(standin).len() < at_least {
            assert!(
                tokio::time::Instant::now() < deadline,
                "only {} of {at_least} messages reached the stand-in",
                shown(standin).len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn a_second_run_on_the_same_sqlite_file_is_refused() {
        let standin = StandIn::start(world()).await;
        let deployment = Deployment::new(GUILD);
        let mut first = deployment.start(&standin);
        standin.wait_ready().await;
        let mut second = deployment.start(&standin);
        let status = second.exit_within(WAIT).await;
        assert!(!status.success(), "a second run must not start");
        let expected = format!(
            "another Rounds is running on this database (pid {})",
            first.pid()
        );
        assert_eq!(
            second.lines_with(&expected).len(),
            1,
            "the refusal names the first; the log:\n{}",
            second.log().join("\n")
        );
        // The first is untouched by the attempt.
        assert!(first.child.try_wait().unwrap().is_none());
        first.signal("TERM");
        assert!(first.exit_within(WAIT).await.success());
    }

    #[tokio::test]
    async fn after_a_kill_the_next_run_hands_back_the_dead_leases_and_sends_each_once() {
        let standin = StandIn::start(world()).await;
        let deployment = Deployment::new(GUILD);
        let texts = deployment.queue_notices(GENERAL, 12).await;
        standin.delay_responses(
            "POST",
            &format!("/channels/{GENERAL}/messages"),
            Duration::from_millis(150),
        );
        let mut first = deployment.start(&standin);
        standin.wait_ready().await;
        wait_for_shown(&standin, 3).await;
        // No stop, no lease given back: the dead process's leases stay in the file.
        first.signal("KILL");
        first.exit_within(WAIT).await;

        let mut second = deployment.start(&standin);
        second
            .wait_for_log("handed back the leases a stopped process left")
            .await;
        wait_for_shown(&standin, texts.len()).await;
        second.signal("TERM");
        assert!(second.exit_within(WAIT).await.success());
        let shown = shown(&standin);
        for text in &texts {
            let times = shown.iter().filter(|s| *s == text).count();
            assert_eq!(times, 1, "{text:?} was shown {times} times");
        }
    }

    /// A send that kills its sender each time, after Discord took it: the restarts resend it
    /// under its nonce (absorbed), and after three cut-off tries it is quarantined and reported,
    /// not posted again every restart forever.
    #[tokio::test]
    async fn a_send_that_kills_its_sender_every_time_is_quarantined_and_shown_once() {
        let standin = StandIn::start(world()).await;
        let deployment = Deployment::new(GUILD);
        let texts = deployment.queue_notices(GENERAL, 1).await;
        for n in 1..=3 {
            let mut run =
                deployment.start_with(&standin, &[("ROUNDS_CRASH_AT", "outbox:performed")]);
            let status = run.exit_within(WAIT).await;
            assert!(
                !status.success(),
                "run {n} dies at the crash point; the log:\n{}",
                run.log().join("\n")
            );
        }
        let mut last = deployment.start(&standin);
        let store = deployment.store().await;
        let deadline = tokio::time::Instant::now() + WAIT;
        let entry = loop {
            use rounds::core::store::MemberStore;
            let log = store.admin_log_entries(super::SOCIETY, 10).await.unwrap();
            if let Some((_, text)) = log.into_iter().find(|(_, t)| t.contains("quarantined")) {
                break text;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no quarantine reported; the log:\n{}",
                last.log().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        store.close().await;
        assert!(entry.contains(&texts[0]), "{entry}");
        last.signal("TERM");
        assert!(last.exit_within(WAIT).await.success());
        let shown = shown(&standin);
        assert_eq!(shown, texts, "shown once, whatever the restarts");
    }
}
