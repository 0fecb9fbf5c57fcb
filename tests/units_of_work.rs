//! Units of work and claims by platform, on SQLite and PostgreSQL: what a unit writes lands
//! only with its commit, and a scheduler takes only the jobs of the platforms it serves.

mod support;

use std::sync::Arc;

use chrono::Duration;
use rounds::core::store::{JobKind, KindFilter, NewJob, Store};
use support::*;

async fn units_commit_all_or_nothing(store: Arc<dyn Store>) {
    let now = at("2026-03-30T07:00:00+11:00");
    // Dropped without a commit: nothing it wrote stays.
    let unit = store.unit().await.unwrap();
    assert!(unit.first_sight("in:test:1", now).await.unwrap());
    unit.remember("test", "k1", "v1", now).await.unwrap();
    drop(unit);
    assert!(!store.seen("in:test:1").await.unwrap());
    assert_eq!(store.recall("test", "k1").await.unwrap(), None);

    // Committed: everything it wrote stays, and reads inside it saw its own writes.
    let unit = store.unit().await.unwrap();
    assert!(unit.first_sight("in:test:2", now).await.unwrap());
    assert!(!unit.first_sight("in:test:2", now).await.unwrap());
    unit.remember("test", "k2", "v2", now).await.unwrap();
    assert_eq!(
        unit.recall("test", "k2").await.unwrap().as_deref(),
        Some("v2")
    );
    unit.commit().await.unwrap();
    assert!(store.seen("in:test:2").await.unwrap());
    assert_eq!(
        store.recall("test", "k2").await.unwrap().as_deref(),
        Some("v2")
    );

    // Units do not nest.
    let unit = store.unit().await.unwrap();
    assert!(unit.unit().await.is_err());
    drop(unit);
}

#[tokio::test]
async fn units_commit_all_or_nothing_on_sqlite() {
    units_commit_all_or_nothing(sqlite_memory().await).await;
}

#[tokio::test]
async fn units_commit_all_or_nothing_on_postgres() {
    on_postgres(units_commit_all_or_nothing).await;
}

async fn claims_take_only_the_platforms_served(store: Arc<dyn Store>) {
    let now = at("2026-03-30T07:00:00+11:00");
    for (subject, platform, kind) in [
        (1, "discord", JobKind::Reminder),
        (2, "matrix", JobKind::Reminder),
        (3, "shell", JobKind::Reminder),
        (4, "shell", JobKind::EventImport),
    ] {
        let job = NewJob {
            kind,
            subject,
            platform: platform.into(),
            society: SOCIETY.into(),
            due_at: now - Duration::minutes(1),
            zone: chrono_tz::UTC,
            rule: None,
        };
        assert!(store.add_job(&job).await.unwrap());
    }
    let lease = now + Duration::minutes(1);
    let shell = vec!["shell".to_string()];
    let claimed = store
        .claim_due_jobs_of(
            now,
            "shell-process",
            lease,
            10,
            KindFilter::Except(&[JobKind::EventImport]),
            Some(&shell),
        )
        .await
        .unwrap();
    assert_eq!(
        claimed.iter().map(|j| j.subject).collect::<Vec<_>>(),
        vec![3]
    );
    let none: Vec<String> = Vec::new();
    assert!(
        store
            .claim_due_jobs_of(now, "idle", lease, 10, KindFilter::All, Some(&none))
            .await
            .unwrap()
            .is_empty()
    );
    let live = vec!["discord".to_string(), "matrix".to_string()];
    let claimed = store
        .claim_due_jobs_of(now, "live", lease, 10, KindFilter::All, Some(&live))
        .await
        .unwrap();
    assert_eq!(
        claimed.iter().map(|j| j.subject).collect::<Vec<_>>(),
        vec![1, 2]
    );
}

#[tokio::test]
async fn claims_take_only_the_platforms_served_on_sqlite() {
    claims_take_only_the_platforms_served(sqlite_memory().await).await;
}

#[tokio::test]
async fn claims_take_only_the_platforms_served_on_postgres() {
    on_postgres(claims_take_only_the_platforms_served).await;
}
