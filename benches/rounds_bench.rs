//! Benchmarks: a command handled end to end on a SQLite file, and one scheduler tick that
//! claims and fires 10,000 due reminders.
//!
//! `cargo bench --bench rounds_bench` measures; `cargo test --all-targets` runs each once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration as StdDuration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};

use rounds::core::io::{Action, Inbound, Origin, UserRef};
use rounds::core::store::{Delivery, NewReminder, ReminderStore, UpkeepStore};
use rounds::core::when::Rule;
use rounds::core::{Bot, Settings, Society};
use rounds::platform::{Adapter, DeliveryError};
use rounds::runtime::Runtime;
use rounds::store::{DatabaseUrl, SqlStore};

/// Accepts everything instantly, so the figures are Rounds' own cost.
struct NullAdapter;

#[async_trait]
impl Adapter for NullAdapter {
    fn platform(&self) -> &'static str {
        "bench"
    }

    async fn perform(&self, _key: &str, _action: &Action) -> Result<(), DeliveryError> {
        Ok(())
    }
}

fn settings() -> Settings {
    let society = Society {
        key: "bench".into(),
        name: "Bench Society".into(),
        timezone: chrono_tz::Australia::Sydney,
        committee: vec![],
        committee_roles: vec![],
        organisers: vec![],
        organiser_roles: vec![],
        welcome: Default::default(),
        stay_in_touch: None,
    };
    let mut settings = Settings::new(society.clone());
    settings.societies.insert(society.key.clone(), society);
    settings
}

async fn runtime_on_file(dir: &tempfile::TempDir) -> (Arc<SqlStore>, Runtime) {
    let url =
        DatabaseUrl::parse(&dir.path().join("bench.db").to_string_lossy()).expect("a database URL");
    let store = Arc::new(SqlStore::open(&url).await.expect("open"));
    let bot = Arc::new(Bot::new(store.clone(), settings()));
    (store, Runtime::new(bot))
}

fn message(n: u64, text: &str) -> Inbound {
    Inbound::Message {
        origin: Origin {
            platform: "bench".into(),
            society: "bench".into(),
            room: "!general".into(),
            message_id: Some(format!("m{n}")),
            is_direct: false,
            sent_at: None,
            roles: Vec::new(),
        },
        sender: UserRef {
            id: format!("@member{}:bench", n % 50),
            name: "member".into(),
        },
        text: text.into(),
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap()
}

fn command_end_to_end(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (_store, runtime) = rt.block_on(runtime_on_file(&dir));
    let counter = AtomicU64::new(0);
    let mut group = c.benchmark_group("command_end_to_end_sqlite_file");
    // In a shared room a private reminder's confirmation is two sends: its id and time in the
    // room, its words to the member.
    for (name, text, sends) in [
        ("help", "!help", 1),
        (
            "remind_me_in_20_minutes",
            "!remind me in 20 minutes to call the registrar",
            2,
        ),
        (
            "remind_me_every_weekday",
            "!remind me every weekday at 7:30 to check the handover list",
            2,
        ),
    ] {
        group.bench_function(name, |b| {
            b.to_async(&rt).iter(|| async {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                runtime.receive(&message(n, text), now()).await.unwrap();
                let sent = runtime.deliver(&NullAdapter, now()).await.unwrap();
                assert_eq!(sent, sends);
            })
        });
    }
    group.finish();
}

async fn seed_due(store: &SqlStore, count: usize, due: DateTime<Utc>) {
    for n in 0..count {
        store
            .create_reminder(&NewReminder {
                platform: "bench".into(),
                society: "bench".into(),
                owner: UserRef {
                    id: format!("@member{n}:bench"),
                    name: format!("member{n}"),
                },
                delivery: Delivery::Me,
                room: "!general".into(),
                text: "review the rota".into(),
                created_at: due - Duration::hours(1),
                due_at: due,
                zone: chrono_tz::Australia::Sydney,
                rule: if n % 2 == 0 {
                    Some(Rule::from_text("daily at=08:00").expect("a stored rule"))
                } else {
                    None
                },
            })
            .await
            .unwrap();
    }
}

fn tick_claiming_10000(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut group = c.benchmark_group("scheduler");
    group.sample_size(10);
    group.measurement_time(StdDuration::from_secs(20));
    group.bench_function("tick_claiming_10000_due_reminders", |b| {
        b.iter_custom(|iterations| {
            let mut total = StdDuration::ZERO;
            for _ in 0..iterations {
                // A fresh database each time: seeding is not measured, the tick is.
                let dir = tempfile::tempdir().unwrap();
                let (store, runtime) = rt.block_on(runtime_on_file(&dir));
                rt.block_on(seed_due(&store, 10_000, now()));
                let started = Instant::now();
                let fired = rt.block_on(runtime.tick(now())).unwrap();
                total += started.elapsed();
                assert_eq!(fired, 10_000);
                rt.block_on(async {
                    assert_eq!(store.counts().await.unwrap().outbox, 10_000);
                    store.close().await;
                });
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, command_end_to_end, tick_claiming_10000);
criterion_main!(benches);
