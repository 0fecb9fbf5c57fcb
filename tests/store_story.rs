//! One story through every `Store` method, told on SQLite and on PostgreSQL.

mod support;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rounds::core::io::{Action, Message};
use rounds::core::store::{Delivery, MemoryStore, NewReminder, OutboxItem, Profile, Store};
use rounds::core::when::Rule;
use rounds::store::{DatabaseUrl, SqlStore};
use support::*;

/// A private reminder from `owner` in the general room; callers change what their case needs.
fn reminder(
    owner: &str,
    text: &str,
    created_at: DateTime<Utc>,
    due_at: DateTime<Utc>,
) -> NewReminder {
    NewReminder {
        platform: PLATFORM.into(),
        society: SOCIETY.into(),
        owner: user(owner),
        delivery: Delivery::Me,
        room: "!general:test".into(),
        text: text.into(),
        created_at,
        due_at,
        zone: chrono_tz::Australia::Sydney,
        rule: None,
    }
}

async fn story(store: &dyn Store) {
    let t0 = utc(2026, 3, 30, 7, 0);

    // Inbound deduplication.
    assert!(store.first_sight("in:test:1", t0).await.unwrap());
    assert!(!store.first_sight("in:test:1", t0).await.unwrap());

    // Profiles: absent, saved, updated.
    assert_eq!(store.profile(SOCIETY, "@ana:test").await.unwrap(), None);
    let mut profile = Profile {
        society: SOCIETY.into(),
        user_id: "@ana:test".into(),
        name: "ana".into(),
        timezone: Some(chrono_tz::Australia::Sydney),
        stage: Some("registrar".into()),
        specialty: None,
        hospital: Some("Westmead".into()),
        img: Some(true),
        shoutouts: None,
    };
    store.save_profile(&profile, t0).await.unwrap();
    profile.specialty = Some("emergency medicine".into());
    profile.img = Some(false);
    store.save_profile(&profile, t0).await.unwrap();
    assert_eq!(
        store.profile(SOCIETY, "@ana:test").await.unwrap(),
        Some(profile.clone())
    );

    // A one-off and a recurring reminder, each with its job.
    let one_off = store
        .create_reminder(&reminder(
            "ana",
            "call the registrar",
            t0,
            t0 + Duration::minutes(2),
        ))
        .await
        .unwrap();
    let weekly = store
        .create_reminder(&NewReminder {
            delivery: Delivery::Here,
            rule: Some(
                Rule::from_text("weekly every=1 days=mon at=08:00 anchor=2026-03-30")
                    .expect("a stored rule"),
            ),
            ..reminder("ana", "review the rota", t0, t0 + Duration::hours(1))
        })
        .await
        .unwrap();
    assert!(weekly.id > one_off.id);
    assert_eq!(
        store.reminder(one_off.id).await.unwrap(),
        Some(one_off.clone())
    );
    let active = store.active_reminders(SOCIETY, "@ana:test").await.unwrap();
    assert_eq!(
        active.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![one_off.id, weekly.id]
    );
    assert_eq!(store.next_due_at().await.unwrap(), Some(one_off.due_at));

    // Nothing is due before its time; at its time it is claimed once.
    assert!(
        store
            .claim_due_jobs(t0, "a", t0 + Duration::minutes(1), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let t1 = t0 + Duration::minutes(2);
    let jobs = store
        .claim_due_jobs(t1, "a", t1 + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    let job = &jobs[0];
    assert_eq!((job.subject, job.due_at), (one_off.id, one_off.due_at));
    assert!(
        store
            .claim_due_jobs(t1, "b", t1 + Duration::minutes(1), 10)
            .await
            .unwrap()
            .is_empty(),
        "a leased job is not claimed by another owner"
    );

    // Finishing queues the actions atomically; a stranger cannot finish it.
    let item = OutboxItem {
        key: format!("job:{}:{}:0", job.id, job.due_at.timestamp()),
        platform: PLATFORM.into(),
        society: SOCIETY.into(),
        member: Some("@ana:test".into()),
        action: Action::Remind {
            user: user("ana"),
            message: Message::text("⏰ Reminder: call the registrar"),
        },
    };
    assert!(
        !store
            .finish_job(job, "b", std::slice::from_ref(&item), None, t1)
            .await
            .unwrap()
    );
    assert_eq!(store.counts().await.unwrap().outbox, 0);
    assert!(
        store
            .finish_job(job, "a", std::slice::from_ref(&item), None, t1)
            .await
            .unwrap()
    );
    assert!(!store.reminder(one_off.id).await.unwrap().unwrap().active);
    assert!(
        store
            .claim_due_jobs(
                t1 + Duration::minutes(5),
                "a",
                t1 + Duration::minutes(6),
                10
            )
            .await
            .unwrap()
            .is_empty()
    );

    // The outbox: claimed per platform, a key queued twice is kept once, sent rows lose content.
    store
        .enqueue(std::slice::from_ref(&item), t1)
        .await
        .unwrap();
    assert_eq!(store.counts().await.unwrap().outbox, 1);
    assert!(
        store
            .claim_outbox("other", t1, "a", t1 + Duration::minutes(1), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let sends = store
        .claim_outbox(PLATFORM, t1, "a", t1 + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0].key, item.key);
    assert_eq!(sends[0].action, item.action);
    assert!(
        store
            .claim_outbox(PLATFORM, t1, "b", t1 + Duration::minutes(1), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .mark_retry(sends[0].id, "a", 1, t1 + Duration::seconds(30), "timeout")
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_outbox(
                PLATFORM,
                t1 + Duration::seconds(10),
                "a",
                t1 + Duration::minutes(1),
                10
            )
            .await
            .unwrap()
            .is_empty(),
        "a retry waits for its backoff"
    );
    let sends = store
        .claim_outbox(
            PLATFORM,
            t1 + Duration::seconds(30),
            "a",
            t1 + Duration::minutes(2),
            10,
        )
        .await
        .unwrap();
    assert_eq!(sends[0].attempts, 1);
    assert!(store.mark_sent(sends[0].id, "a", t1).await.unwrap());
    store
        .enqueue(std::slice::from_ref(&item), t1)
        .await
        .unwrap();
    assert!(
        store
            .claim_outbox(
                PLATFORM,
                t1 + Duration::hours(1),
                "a",
                t1 + Duration::hours(2),
                10
            )
            .await
            .unwrap()
            .is_empty(),
        "a sent key is never queued again"
    );

    // A recurring job moves on instead of finishing.
    let t2 = weekly.due_at;
    let jobs = store
        .claim_due_jobs(t2, "a", t2 + Duration::minutes(1), 10)
        .await
        .unwrap();
    let next = t2 + Duration::days(7);
    assert!(
        store
            .finish_job(&jobs[0], "a", &[], Some(next), t2)
            .await
            .unwrap()
    );
    let moved = store.reminder(weekly.id).await.unwrap().unwrap();
    assert!(moved.active);
    assert_eq!(moved.due_at, next);

    // Cancel, and snooze (reschedule) which revives a finished one-off but not a cancelled one.
    assert!(store.cancel_reminder(weekly.id).await.unwrap());
    assert!(!store.cancel_reminder(weekly.id).await.unwrap());
    assert!(!store.reschedule_reminder(weekly.id, next).await.unwrap());
    assert!(
        store
            .reschedule_reminder(one_off.id, t2 + Duration::hours(1))
            .await
            .unwrap()
    );
    assert!(store.reminder(one_off.id).await.unwrap().unwrap().active);

    // Confirmations expire and are single-use.
    store
        .ask_confirmation(SOCIETY, "@ana:test", "forget", t0 + Duration::minutes(5))
        .await
        .unwrap();
    assert!(
        !store
            .take_confirmation(SOCIETY, "@ana:test", "forget", t0 + Duration::minutes(6))
            .await
            .unwrap()
    );
    store
        .ask_confirmation(SOCIETY, "@ana:test", "forget", t0 + Duration::minutes(5))
        .await
        .unwrap();
    assert!(
        store
            .take_confirmation(SOCIETY, "@ana:test", "forget", t0)
            .await
            .unwrap()
    );
    assert!(
        !store
            .take_confirmation(SOCIETY, "@ana:test", "forget", t0)
            .await
            .unwrap()
    );

    // Erasure removes the member's rows and nobody else's.
    store
        .save_profile(
            &Profile {
                society: SOCIETY.into(),
                user_id: "@ben:test".into(),
                name: "ben".into(),
                ..Profile::default()
            },
            t0,
        )
        .await
        .unwrap();
    store
        .admin_log(SOCIETY, Some("@ana:test"), "something about ana", t0)
        .await
        .unwrap();
    let erased = store.erase_member(SOCIETY, "@ana:test").await.unwrap();
    assert!(erased.profile);
    assert_eq!(erased.reminders, 2);
    let counts = store.counts().await.unwrap();
    assert_eq!(
        (
            counts.profiles,
            counts.reminders,
            counts.jobs,
            counts.outbox,
            counts.admin_log
        ),
        (1, 0, 0, 0, 0)
    );
    assert!(store.profile(SOCIETY, "@ben:test").await.unwrap().is_some());
    assert_eq!(store.next_due_at().await.unwrap(), None);

    // Pruning drops finished reminders and delivered rows once they are old, keeps live ones.
    let live = store
        .create_reminder(&reminder(
            "ben",
            "still to come",
            t0,
            t0 + Duration::days(60),
        ))
        .await
        .unwrap();
    let finished = store
        .create_reminder(&reminder(
            "ben",
            "already fired",
            t0,
            t0 + Duration::minutes(1),
        ))
        .await
        .unwrap();
    let t3 = t0 + Duration::minutes(1);
    let jobs = store
        .claim_due_jobs(t3, "a", t3 + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert!(
        store
            .finish_job(&jobs[0], "a", std::slice::from_ref(&item), None, t3)
            .await
            .unwrap()
    );
    assert!(
        store.prune(t0, t3).await.unwrap() == 0,
        "nothing is old yet"
    );
    let month = t3 + Duration::days(31);
    assert!(
        store
            .prune(month - Duration::days(30), month)
            .await
            .unwrap()
            >= 3
    );
    assert!(store.reminder(finished.id).await.unwrap().is_none());
    assert!(store.reminder(live.id).await.unwrap().unwrap().active);
    assert!(
        store.first_sight("in:test:1", month).await.unwrap(),
        "old seen keys are forgotten"
    );
}

#[tokio::test]
async fn store_story_on_sqlite() {
    let store = sqlite_memory().await;
    story(store.as_ref()).await;
}

#[tokio::test]
async fn store_story_on_postgres() {
    let db = PgDatabase::create().await;
    let store = SqlStore::open(&DatabaseUrl::parse(&db.url).expect("a database URL"))
        .await
        .unwrap();
    story(&store).await;
    store.close().await;
    db.drop().await;
}

#[tokio::test]
async fn sqlite_file_is_created_and_migrated_on_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/data/rounds.db");
    let url = DatabaseUrl::parse(&path.to_string_lossy()).expect("a database URL");
    let t0 = utc(2026, 1, 1, 0, 0);
    {
        let store = SqlStore::open(&url).await.unwrap();
        assert!(store.first_sight("k", t0).await.unwrap());
        store.close().await;
    }
    assert!(path.exists());
    // Reopening applies no migration twice and keeps the data.
    let store = Arc::new(SqlStore::open(&url).await.unwrap());
    assert!(!store.first_sight("k", t0).await.unwrap());
    store.migrate().await.unwrap();
    store.close().await;
}
