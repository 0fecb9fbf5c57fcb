//! Head-of-line blocking (issue 19, part 2): how late a slow fetch makes everything else. A
//! loopback server drips a calendar feed (headers at once, the body over 30 s) that a society
//! imports through the real fetcher while `Runtime::drive` runs; a member's reminder falls due
//! 15 s into the import and another member's command arrives 7.5 s into it. Then a DOI lookup
//! whose server drips its answer over 30 s (Rounds gives up after its own 10 s timeout), with
//! a reminder due and another member's command arriving 5 s into it. Each inbound event is
//! handed to `Runtime::receive` in a task of its own, as the Discord adapter's event handler
//! is. Printed: each reminder's lateness (posted − due), each command's reply latency (reply
//! delivered − command received), and the slow job's own duration. Goal: ≤ 1 s.
//!
//!   cargo bench --bench head_of_line
//! On SQLite (a file, as deployed); with ROUNDS_HEAD_OF_LINE_POSTGRES set, also on a fresh
//! PostgreSQL database (from ROUNDS_TEST_POSTGRES). Under the Synapse harness
//! (`python3 scripts/synapse/harness.py run -- cargo bench --bench head_of_line`) the DOI case
//! also runs through `rounds run` on Matrix, whose adapter hands events over in its own way.
//! `ROUNDS_HEAD_OF_LINE_DRIP_SECONDS` changes the 30 s. Under `cargo test` (no `--bench`
//! argument) it does nothing.

#[allow(dead_code)]
#[path = "support/measure.rs"]
mod measure;
#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rounds::core::Bot;
use rounds::core::io::{Action, Inbound};
use rounds::core::store::Store;
use rounds::http::{CrossrefLookup, FetchPolicy, HttpFetcher};
use rounds::platform::{Adapter, DeliveryError};
use rounds::runtime::Runtime;
use rounds::store::{DatabaseUrl, SqlStore};
use support::{Member, PLATFORM, SOCIETY, text_of};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn main() {
    measure::run(measure());
}

async fn measure() {
    let drip = Duration::from_secs(measure::env_number("ROUNDS_HEAD_OF_LINE_DRIP_SECONDS", 30));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("rounds.db").to_string_lossy().into_owned();
    run_on("SQLite (a file)", &path, drip).await;
    if std::env::var_os("ROUNDS_HEAD_OF_LINE_POSTGRES").is_some() {
        let db = support::PgDatabase::create().await;
        run_on("PostgreSQL", &db.url, drip).await;
        db.drop().await;
    }
    if std::env::var_os("ROUNDS_TEST_SYNAPSE_URL").is_some() {
        doi_through_matrix(drip).await;
    }
}

async fn run_on(name: &str, url: &str, drip: Duration) {
    let store: Arc<dyn Store> = Arc::new(
        SqlStore::open(&DatabaseUrl::parse(url).expect("a database URL"))
            .await
            .expect("the store opens"),
    );
    println!(
        "head of line on {name}, servers dripping for {:.0} s:",
        drip.as_secs_f64()
    );
    import_beside_others(store.clone(), drip).await;
    doi_beside_others(store.clone(), drip).await;
}

/// A delivery and when it was made.
struct Delivered {
    at: Instant,
    wall: DateTime<Utc>,
    key: String,
    text: String,
}

/// Takes every send at once and notes when it came, as a platform with no rate limit would.
#[derive(Default)]
struct Stamped {
    delivered: Mutex<Vec<Delivered>>,
}

#[async_trait::async_trait]
impl Adapter for Stamped {
    fn platform(&self) -> &'static str {
        PLATFORM
    }

    async fn perform(&self, key: &str, action: &Action) -> Result<(), DeliveryError> {
        let (at, wall) = (Instant::now(), Utc::now());
        self.delivered.lock().unwrap().push(Delivered {
            at,
            wall,
            key: key.to_string(),
            text: text_of(action).unwrap_or_default(),
        });
        Ok(())
    }
}

impl Stamped {
    /// When the first delivery that satisfies `wanted` came, waiting for it (a bound of several
    /// drips only turns a hang into a panic).
    async fn first_such(
        &self,
        what: &str,
        wanted: impl Fn(&Delivered) -> bool,
    ) -> (Instant, DateTime<Utc>) {
        let give_up = Instant::now() + Duration::from_secs(300);
        loop {
            if let Some(d) = self.delivered.lock().unwrap().iter().find(|d| wanted(d)) {
                return (d.at, d.wall);
            }
            assert!(Instant::now() < give_up, "never delivered: {what}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The first delivery whose text satisfies `wanted`.
    async fn first(&self, what: &str, wanted: impl Fn(&str) -> bool) -> (Instant, DateTime<Utc>) {
        self.first_such(what, |d| wanted(&d.text)).await
    }

    /// The delivery of the answer to `inbound` (its outbox keys start with the event's id).
    async fn answer_to(&self, inbound: &Inbound) -> Instant {
        let id = inbound.origin().message_id.clone().expect("a message id");
        let prefix = format!("in:{PLATFORM}:{id}:");
        let what = format!("the answer to {id}");
        self.first_such(&what, |d| d.key.starts_with(&prefix))
            .await
            .0
    }
}

/// A loopback HTTP server that answers every request with `body`: the status line and headers
/// at once, then the body in equal pieces spread over `drip`. Each request's arrival is sent
/// on the returned channel.
async fn dripping_server(
    body: String,
    content_type: &'static str,
    drip: Duration,
) -> (String, tokio::sync::mpsc::UnboundedReceiver<Instant>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (arrived, arrivals) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let arrived = arrived.clone();
            let body = body.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request).await;
                let _ = arrived.send(Instant::now());
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let pieces: Vec<&[u8]> = body.as_bytes().chunks(body.len().div_ceil(30)).collect();
                for piece in &pieces {
                    tokio::time::sleep(drip / pieces.len() as u32).await;
                    if stream.write_all(piece).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (base, arrivals)
}

/// Runs `Runtime::drive` for `bot` with the stamping adapter until the returned sender says
/// stop.
fn driving(
    bot: Arc<Bot>,
) -> (
    Arc<Runtime>,
    Arc<Stamped>,
    tokio::sync::watch::Sender<bool>,
    tokio::task::JoinHandle<()>,
) {
    let runtime = Arc::new(Runtime::new(bot));
    let adapter = Arc::new(Stamped::default());
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let task = {
        let runtime = runtime.clone();
        let adapters: Vec<Arc<dyn Adapter>> = vec![adapter.clone()];
        tokio::spawn(async move {
            let clock = rounds::clock::Clock::wall();
            runtime.drive(&adapters, &clock, shutdown).await
        })
    };
    (runtime, adapter, stop, task)
}

/// Hands `inbound` to the runtime in a task of its own, as an adapter's event handler does;
/// returns when it was handed over.
fn arrives(runtime: &Arc<Runtime>, inbound: &Inbound) -> Instant {
    let (runtime, inbound) = (runtime.clone(), inbound.clone());
    let at = Instant::now();
    tokio::spawn(async move {
        runtime
            .receive(&inbound, Utc::now())
            .await
            .expect("the store takes the event")
    });
    at
}

/// When the reminder `member` set falls due, from the store.
async fn due_of(store: &Arc<dyn Store>, member: &Member) -> DateTime<Utc> {
    let give_up = Instant::now() + Duration::from_secs(30);
    loop {
        let active = store
            .active_reminders(SOCIETY, &member.user.id)
            .await
            .unwrap();
        if let Some(reminder) = active.first() {
            return reminder.due_at;
        }
        assert!(Instant::now() < give_up, "the reminder was never saved");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn late(posted: DateTime<Utc>, due: DateTime<Utc>) -> String {
    let ms = (posted - due).num_milliseconds();
    format!("{:.3} s", ms as f64 / 1000.0)
}

async fn import_beside_others(store: Arc<dyn Store>, drip: Duration) {
    let starts = (Utc::now() + chrono::Duration::days(3)).format("%Y%m%dT%H%M%SZ");
    let events: String = (1..=5)
        .map(|n| {
            format!(
                "BEGIN:VEVENT\r\nUID:grand-rounds-{n}@hol\r\nDTSTAMP:20261201T000000Z\r\n\
                 DTSTART:{starts}\r\nSUMMARY:Grand rounds {n}\r\nEND:VEVENT\r\n"
            )
        })
        .collect();
    let feed =
        format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hol//EN\r\n{events}END:VCALENDAR\r\n");
    let (base, mut requests) = dripping_server(feed, "text/calendar", drip).await;
    // The feed's own timeout is lengthened past the drip so the import runs its whole course;
    // with the default (15 s) it gives up halfway, which would hide the slow job.
    let fetcher = HttpFetcher::with_policy(&FetchPolicy {
        allowed_hosts: vec!["127.0.0.1".to_string()],
        total_timeout: drip + Duration::from_secs(30),
    })
    .expect("a fetcher");
    let bot = Arc::new(
        Bot::new(store.clone(), support::community_settings()).with_fetcher(Arc::new(fetcher)),
    );
    let (runtime, adapter, stop, task) = driving(bot);
    let [chair, ana, ben] = ["chair", "ana", "ben"].map(Member::new);

    let import = chair.says(&format!("!event import {base}/feed.ics"));
    arrives(&runtime, &import);
    let started = requests.recv().await.expect("the feed is requested");
    // Due halfway through the drip: 15 s into the import.
    let reminder_in = (drip / 2).as_secs().max(1);
    arrives(
        &runtime,
        &ana.says(&format!(
            "!remind me in {reminder_in} seconds to call the registrar"
        )),
    );
    let due = due_of(&store, &ana).await;
    tokio::time::sleep_until((started + drip / 4).into()).await;
    let command = ben.says("!remind me tomorrow at 9am to book the seminar room");
    let asked = arrives(&runtime, &command);
    let replied = adapter.answer_to(&command).await;
    let (_, posted) = adapter
        .first("the reminder", |t| t == "⏰ Reminder: call the registrar")
        .await;
    let (reported, _) = adapter
        .first("the import's report", |t| {
            t.starts_with("Imported ") || t.starts_with("Could not import")
        })
        .await;
    let imported = adapter
        .delivered
        .lock()
        .unwrap()
        .iter()
        .any(|d| d.text.starts_with("Imported "));
    println!(
        "  calendar import (feed dripped over {}): {} after {} (feed requested → report sent)",
        seconds(drip),
        if imported { "imported" } else { "failed" },
        seconds(reported - started)
    );
    println!(
        "    reminder due {reminder_in} s into the import: posted {} late",
        late(posted, due)
    );
    println!(
        "    command {} into the import: reply {} after the command",
        seconds(drip / 4),
        seconds(replied - asked)
    );
    stop.send(true).unwrap();
    task.await.unwrap();
}

async fn doi_beside_others(store: Arc<dyn Store>, drip: Duration) {
    let crossref = r#"{"status":"ok","message":{"title":["Sepsis recognition in junior doctors"],"container-title":["Medical Journal of Australia"],"issued":{"date-parts":[[2026,11,1]]}}}"#;
    let (base, mut requests) =
        dripping_server(crossref.to_string(), "application/json", drip).await;
    let lookup = CrossrefLookup::new(&base).expect("a DOI lookup");
    let bot = Arc::new(
        Bot::new(store.clone(), support::community_settings()).with_doi_lookup(Arc::new(lookup)),
    );
    let (runtime, adapter, stop, task) = driving(bot);
    let [cai, dev, eve] = ["cai", "dev", "eve"].map(Member::new);

    let shoutout =
        cai.says("!milestone publication Our audit is out: https://doi.org/10.5694/mja2.51234");
    let shouted = arrives(&runtime, &shoutout);
    let started = requests.recv().await.expect("the DOI is requested");
    arrives(
        &runtime,
        &dev.says("!remind me in 5 seconds to page the registrar"),
    );
    let due = due_of(&store, &dev).await;
    tokio::time::sleep_until((started + Duration::from_secs(5)).into()).await;
    let command = eve.says("!remind me tomorrow at 9am to return the journal");
    let asked = arrives(&runtime, &command);
    let replied = adapter.answer_to(&command).await;
    let (_, posted) = adapter
        .first("the reminder", |t| t == "⏰ Reminder: page the registrar")
        .await;
    let answered = adapter.answer_to(&shoutout).await;
    println!(
        "  DOI lookup (answer dripped over {}): shout-out answered {} after it was sent (DOI requested {} after)",
        seconds(drip),
        seconds(answered - shouted),
        seconds(started - shouted)
    );
    println!(
        "    reminder due 5 s into the lookup: posted {} late",
        late(posted, due)
    );
    println!(
        "    another member's command 5 s into the lookup: reply {} after the command",
        seconds(replied - asked)
    );
    stop.send(true).unwrap();
    task.await.unwrap();
}

/// The DOI case end to end through `rounds run` on Matrix (run under the Synapse harness): the
/// lookup is made where the Matrix adapter receives the event, so this shows whether its
/// wait holds back another member's command in another room.
async fn doi_through_matrix(drip: Duration) {
    use support::matrix_member::{Member as MatrixMember, Synapse};
    let synapse = Synapse::from_env();
    let (bot_user, bot_pass) = synapse.register("holbot");
    let (ana_user, ana_pass) = synapse.register("holana");
    let (ben_user, ben_pass) = synapse.register("holben");
    let crossref = r#"{"status":"ok","message":{"title":["Sepsis recognition in junior doctors"],"container-title":["Medical Journal of Australia"],"issued":{"date-parts":[[2026,11,1]]}}}"#;
    let (base, mut requests) =
        dripping_server(crossref.to_string(), "application/json", drip).await;
    let data = tempfile::tempdir().unwrap();
    let _bot = Running(
        support::rounds_command()
            .arg("run")
            .env("ROUNDS_MATRIX_HOMESERVER", &synapse.url)
            .env("ROUNDS_MATRIX_USER", &bot_user)
            .env("ROUNDS_MATRIX_PASSWORD", &bot_pass)
            .env("ROUNDS_DATA_DIR", data.path())
            .env("ROUNDS_DOI_API_BASE", &base)
            .env("RUST_LOG", "error")
            .stdin(std::process::Stdio::null())
            .spawn()
            .expect("start rounds run"),
    );
    let ana = MatrixMember::login(&synapse, &ana_user, &ana_pass).await;
    let mut ben = MatrixMember::login(&synapse, &ben_user, &ben_pass).await;
    let ana_room = ana.room_with(&bot_user, false).await;
    let ben_room = ben.room_with(&bot_user, false).await;
    // Unhindered, for comparison (the first answer also warms caches).
    let mut quiet = Vec::new();
    for _ in 0..5 {
        let asked = Instant::now();
        ben.ask(&ben_room, "!help", &bot_user).await;
        quiet.push(asked.elapsed());
    }
    ana.say(
        &ana_room,
        "!milestone publication Our audit is out: https://doi.org/10.5694/mja2.51234",
    )
    .await;
    let started = requests.recv().await.expect("the DOI is requested");
    tokio::time::sleep_until((started + Duration::from_secs(1)).into()).await;
    let asked = Instant::now();
    ben.ask(&ben_room, "!help", &bot_user).await;
    let held = asked.elapsed();
    println!(
        "DOI lookup through rounds run on Matrix (Synapse), answer dripped over {}:",
        seconds(drip)
    );
    println!(
        "  !help from another member in another room 1 s into the lookup: reply {} after it was sent (unhindered: {})",
        seconds(held),
        quiet
            .iter()
            .map(|d| format!("{:.0} ms", d.as_secs_f64() * 1e3))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

/// `rounds run`, killed when dropped.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
