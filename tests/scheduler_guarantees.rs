//! The database is the queue: a crash, a restart, downtime or a second process never loses a
//! reminder and never shows one twice.

mod support;

use std::sync::Arc;

use chrono::Duration;
use rounds::core::Bot;
use rounds::core::store::Store;
use rounds::outbox::MAX_ATTEMPTS;
use rounds::runtime::Runtime;
use rounds::scheduler::Scheduler;
use rounds::store::{DatabaseUrl, SqlStore};
use support::*;

const SYDNEY: chrono_tz::Tz = chrono_tz::Australia::Sydney;

#[tokio::test]
async fn crash_between_send_and_mark_never_shows_twice() {
    let h = Harness::sqlite(SYDNEY).await;
    let ana = Member::new("ana");
    let t0 = at("2026-03-30T07:00:00+11:00");
    h.say(
        ana.says("!remind me in 2 minutes to call the registrar"),
        t0,
    )
    .await;
    let due = t0 + Duration::minutes(2);
    h.runtime.tick(due).await.unwrap();

    // A process claims the queued reminder, hands it to the platform, and dies before marking it.
    let claimed = h
        .store
        .claim_outbox(PLATFORM, due, "crashed", due + Duration::seconds(60), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    h.adapter.clear();
    use rounds::platform::Adapter;
    h.adapter
        .perform(&claimed[0].key, &claimed[0].action)
        .await
        .unwrap();

    // While its lease lasts nobody resends it; after a restart it is resent with the same key.
    let restarted = Runtime::new(h.runtime.bot().clone());
    assert_eq!(
        restarted
            .deliver(h.adapter.as_ref(), due + Duration::seconds(30))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        restarted
            .deliver(h.adapter.as_ref(), due + Duration::seconds(61))
            .await
            .unwrap(),
        1
    );
    let attempts = h.adapter.attempts();
    assert_eq!(
        attempts.len(),
        2,
        "sent twice: once before the crash, once after"
    );
    assert_eq!(attempts[0], attempts[1], "with the same idempotency key");
    let shown = h.adapter.texts();
    assert_eq!(shown, vec!["⏰ Reminder: call the registrar".to_string()]);
    // And it is now marked, so later passes send nothing.
    assert_eq!(
        restarted
            .deliver(h.adapter.as_ref(), due + Duration::hours(1))
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn crash_between_claim_and_finish_fires_the_occurrence_once() {
    let h = Harness::sqlite(SYDNEY).await;
    let ana = Member::new("ana");
    let t0 = at("2026-03-30T07:00:00+11:00");
    h.say(
        ana.says_privately("!remind me every Monday 08:00 to review the rota"),
        t0,
    )
    .await;
    let due = at("2026-03-30T08:00:00+11:00");

    // A scheduler claims the job and computes its actions, then stalls past its lease.
    let slow = Scheduler::new(h.runtime.bot().clone(), "slow");
    let jobs = h
        .store
        .claim_due_jobs(due, "slow", due + Duration::seconds(60), 10)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    let bot: &Bot = h.runtime.bot();
    let fired = bot.fire(&jobs[0], due).await.unwrap();

    // Within the lease nobody else fires it; after it, another process does.
    assert!(h.tick(due + Duration::seconds(30)).await.is_empty());
    let later = due + Duration::seconds(90);
    assert_eq!(h.tick(later).await, vec!["⏰ Reminder: review the rota"]);

    // The stalled one wakes and tries to finish: refused, nothing queued twice.
    let items: Vec<_> = fired
        .actions
        .into_iter()
        .map(|action| rounds::core::store::OutboxItem {
            key: format!("job:{}:{}:0", jobs[0].id, jobs[0].due_at.timestamp()),
            platform: PLATFORM.into(),
            society: SOCIETY.into(),
            member: None,
            action,
        })
        .collect();
    assert!(
        !h.store
            .finish_job(&jobs[0], slow.owner(), &items, fired.next_due, later)
            .await
            .unwrap()
    );
    h.store.enqueue(&items, later).await.unwrap();
    assert!(h.tick(later + Duration::minutes(5)).await.is_empty());
    assert_eq!(
        h.store.counts().await.unwrap().outbox,
        2,
        "the command's reply and one reminder"
    );
}

#[tokio::test]
async fn failed_sends_are_retried_with_backoff_then_reported() {
    let h = Harness::sqlite(SYDNEY).await;
    let ana = Member::new("ana");
    let t0 = at("2026-03-30T07:00:00+11:00");
    h.say(ana.says("!remind me in 1 minute to check bloods"), t0)
        .await;
    let due = t0 + Duration::minutes(1);
    h.runtime.tick(due).await.unwrap();
    h.adapter.clear();

    // Two failures, then success: same key each time, shown once.
    h.adapter.fail_next(2);
    let mut now = due;
    for _ in 0..3 {
        h.runtime.deliver(h.adapter.as_ref(), now).await.unwrap();
        now += Duration::minutes(1);
    }
    let attempts = h.adapter.attempts();
    assert_eq!(attempts.len(), 3);
    assert!(attempts.iter().all(|k| k == &attempts[0]));
    assert_eq!(h.adapter.texts(), vec!["⏰ Reminder: check bloods"]);

    // A send that never succeeds is given up after MAX_ATTEMPTS and logged for the committee.
    h.say(
        ana.says("!remind me in 1 minute to sign the discharge"),
        now,
    )
    .await;
    let due = now + Duration::minutes(1);
    h.runtime.tick(due).await.unwrap();
    h.adapter.clear();
    h.adapter.fail_next(usize::MAX);
    let mut now = due;
    for _ in 0..(MAX_ATTEMPTS + 2) {
        h.runtime.deliver(h.adapter.as_ref(), now).await.unwrap();
        now += Duration::minutes(15);
    }
    assert_eq!(h.adapter.attempts().len() as i64, MAX_ATTEMPTS);
    assert!(h.adapter.texts().is_empty());
    assert_eq!(h.store.counts().await.unwrap().admin_log, 1);
}

#[tokio::test]
async fn downtime_within_catch_up_is_sent_late_and_labelled() {
    let h = Harness::sqlite(SYDNEY).await;
    let ana = Member::new("ana");
    let t0 = at("2026-03-30T07:00:00+11:00");
    h.say(
        ana.says("!remind me tomorrow 8am to renew my registration"),
        t0,
    )
    .await;
    // Rounds was down from before 08:00 until 11:30 the next day.
    let back = at("2026-03-31T11:30:00+11:00");
    let shown = h.tick(back).await;
    assert_eq!(
        shown,
        vec!["⏰ Reminder (late: due Tue 31 Mar 08:00 AEDT; I was offline): renew my registration"]
    );
    // On time (within the late threshold) there is no label.
    h.say(ana.says("!remind me in 5 minutes to page ICU"), back)
        .await;
    let shown = h.tick(back + Duration::minutes(6)).await;
    assert_eq!(shown, vec!["⏰ Reminder: page ICU"]);
}

#[tokio::test]
async fn downtime_past_catch_up_is_reported_not_sent() {
    let h = Harness::sqlite(SYDNEY).await;
    let ana = Member::new("ana");
    let t0 = at("2026-03-30T07:00:00+11:00");
    h.say(
        ana.says("!remind here tomorrow 8am to book the journal club room"),
        t0,
    )
    .await;
    let back = at("2026-04-10T09:00:00+10:00");
    h.adapter.clear();
    h.runtime.tick(back).await.unwrap();
    h.runtime.deliver(h.adapter.as_ref(), back).await.unwrap();
    let shown = h.adapter.shown();
    assert_eq!(shown.len(), 2, "{shown:?}");
    match &shown[0].1 {
        rounds::core::io::Action::Remind { user, message } => {
            assert_eq!(user.id, ana.user.id);
            assert!(
                message.text.starts_with(
                    "I was offline and missed your reminder R1, due Tue 31 Mar 08:00 AEDT"
                ),
                "{}",
                message.text
            );
            assert!(message.text.contains("It was not posted in !general:test"));
        }
        other => panic!("expected a private notice, got {other:?}"),
    }
    assert!(
        matches!(&shown[1].1, rounds::core::io::Action::AdminLog { text, .. } if text.contains("Missed reminder R1"))
    );
    assert_eq!(h.store.counts().await.unwrap().admin_log, 1);
    assert!(
        !h.adapter
            .shown()
            .iter()
            .any(|(_, a)| matches!(a, rounds::core::io::Action::Post { .. })),
        "a stale reminder is never posted in the room"
    );
}

#[tokio::test]
async fn recurring_reminder_after_downtime_fires_once_then_resumes() {
    let h = Harness::sqlite(SYDNEY).await;
    let ana = Member::new("ana");
    let t0 = at("2026-03-30T07:00:00+11:00");
    h.say(
        ana.says("!remind me every day at 7:30 to check the handover list"),
        t0,
    )
    .await;
    // Down for three days: one late reminder, not four, saying how many it stands for.
    let back = at("2026-04-02T12:00:00+11:00");
    let shown = h.tick(back).await;
    assert_eq!(
        shown,
        vec![
            "⏰ Reminder (late: due Mon 30 Mar 07:30 AEDT to Thu 2 Apr 07:30 AEDT; 4 occurrences while I was offline, sent once): check the handover list"
        ]
    );
    assert_eq!(
        h.store.next_due_at().await.unwrap(),
        Some(at("2026-04-03T07:30:00+11:00"))
    );
}

/// Two processes, each with its own connections, share one PostgreSQL: every job fires once.
#[tokio::test]
async fn two_schedulers_on_one_postgres_fire_each_job_once() {
    let db = PgDatabase::create().await;
    let url = DatabaseUrl::parse(&db.url).expect("a database URL");
    let first: Arc<dyn Store> = Arc::new(SqlStore::open(&url).await.unwrap());
    let second: Arc<dyn Store> = Arc::new(SqlStore::open(&url).await.unwrap());
    let a = Harness::new(first.clone(), settings(SYDNEY));
    let b = Harness::new(second.clone(), settings(SYDNEY));

    let t0 = at("2026-03-30T07:00:00+11:00");
    let jobs = 400;
    for n in 0..jobs {
        let member = Member::new(&format!("m{n}"));
        a.runtime
            .receive(
                &member.says_privately(&format!(
                    "!remind me in {} seconds to do task {n}",
                    60 + n % 7
                )),
                t0,
            )
            .await
            .unwrap();
    }
    let due = t0 + Duration::minutes(5);
    let (fired_a, fired_b) = tokio::join!(
        async {
            let mut total = 0;
            for _ in 0..5 {
                total += a.runtime.tick(due).await.unwrap();
            }
            total
        },
        async {
            let mut total = 0;
            for _ in 0..5 {
                total += b.runtime.tick(due).await.unwrap();
            }
            total
        }
    );
    assert_eq!(fired_a + fired_b, jobs, "a: {fired_a}, b: {fired_b}");

    // Both deliver concurrently too: each reminder reaches the platform exactly once.
    let (sent_a, sent_b) = tokio::join!(
        a.runtime.deliver(a.adapter.as_ref(), due),
        b.runtime.deliver(b.adapter.as_ref(), due)
    );
    let (sent_a, sent_b) = (sent_a.unwrap(), sent_b.unwrap());
    assert_eq!(sent_a + sent_b, 2 * jobs, "replies and reminders");
    let mut keys: Vec<String> = a.adapter.attempts();
    keys.extend(b.adapter.attempts());
    let total = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), total, "no key was sent by both processes");
    assert_eq!(first.next_due_at().await.unwrap(), None);

    drop((a, b, first, second));
    db.drop().await;
}
