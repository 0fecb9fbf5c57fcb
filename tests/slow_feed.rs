//! A slow calendar feed holds back only its own import: reminders and every other delivery go
//! out while the fetch is still waiting.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Duration;
use rounds::core::Bot;
use rounds::core::store::Store;
use rounds::platform::Adapter;
use rounds::runtime::Runtime;
use support::*;

const SYDNEY: chrono_tz::Tz = chrono_tz::Australia::Sydney;

/// A feed that answers only when the test opens the gate.
struct GatedFeed {
    body: String,
    started: AtomicBool,
    answered: AtomicBool,
    gate: tokio::sync::Semaphore,
}

#[async_trait::async_trait]
impl rounds::core::events::fetch::Fetcher for GatedFeed {
    async fn fetch(&self, _url: &str) -> Result<String, String> {
        self.started.store(true, Ordering::SeqCst);
        let _open = self.gate.acquire().await.map_err(|e| e.to_string())?;
        self.answered.store(true, Ordering::SeqCst);
        Ok(self.body.clone())
    }
}

/// Polls until `seen` holds; a generous bound only turns a hang into a failure.
async fn until(what: &str, mut seen: impl FnMut() -> bool) {
    let waited = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while !seen() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "never saw: {what}");
}

async fn a_slow_feed_holds_back_no_reminder(store: Arc<dyn Store>) {
    let clock = rounds::clock::Clock::wall();
    let now = clock.now();
    let starts = (now + Duration::days(3)).format("%Y%m%dT%H%M%SZ");
    let feed = Arc::new(GatedFeed {
        body: format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:slow@feed\r\n\
             DTSTAMP:20261120T000000Z\r\nDTSTART:{starts}\r\nSUMMARY:Journal club\r\n\
             END:VEVENT\r\nEND:VCALENDAR\r\n"
        ),
        started: AtomicBool::new(false),
        answered: AtomicBool::new(false),
        gate: tokio::sync::Semaphore::new(0),
    });
    let bot = Arc::new(Bot::new(store, settings(SYDNEY)).with_fetcher(feed.clone()));
    let h = Harness::with_bot(bot.clone());
    let chair = Member::new("chair");
    let ana = Member::new("ana");
    h.say(
        chair.says("!event import https://slow.example/feed.ics"),
        now,
    )
    .await;
    h.say(
        ana.says("!remind me in 1 minute to call the registrar"),
        now,
    )
    .await;
    // Both the import's sync and the reminder are due.
    clock.advance(Duration::minutes(2));

    let runtime = Arc::new(Runtime::new(bot));
    let adapter = RecordingAdapter::new();
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let driving = {
        let (runtime, clock) = (runtime.clone(), clock.clone());
        let adapters: Vec<Arc<dyn Adapter>> = vec![adapter.clone()];
        tokio::spawn(async move { runtime.drive(&adapters, &clock, shutdown).await })
    };

    until("the feed being fetched", || {
        feed.started.load(Ordering::SeqCst)
    })
    .await;
    until("the reminder sent while the feed is slow", || {
        adapter
            .texts()
            .contains(&"⏰ Reminder: call the registrar".to_string())
    })
    .await;
    assert!(
        !feed.answered.load(Ordering::SeqCst),
        "the feed was still waiting when the reminder went"
    );

    feed.gate.add_permits(1);
    until("the import's report", || {
        adapter.texts().iter().any(|t| t.starts_with("Imported "))
    })
    .await;
    stop.send(true).unwrap();
    driving.await.unwrap();
}

#[tokio::test]
async fn a_slow_feed_holds_back_no_reminder_on_sqlite() {
    a_slow_feed_holds_back_no_reminder(sqlite_memory().await).await;
}

#[tokio::test]
async fn a_slow_feed_holds_back_no_reminder_on_postgres() {
    on_postgres(a_slow_feed_holds_back_no_reminder).await;
}
