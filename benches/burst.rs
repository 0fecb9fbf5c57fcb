//! Issue 19's burst: 10,000 reminders due at the same instant across 100 Discord channels,
//! fired by the scheduler as real reminder jobs and delivered by `Runtime::drive` through the
//! Discord adapter, with serenity's rate limiter on, to the stand-in over TLS, which holds
//! `POST /channels/{id}/messages` to Discord's limits (5 per 5 s per channel, 50 a second in
//! all) and answers more with a 429 as Discord does. It prints the time from the due instant to
//! the last post shown against the ideal (reminders / 50 per second), the 429s per bucket, and
//! the reminders shown twice or never.
//!
//!   cargo bench --bench burst          (or, without a release build: cargo test --bench burst -- --bench)
//!   ROUNDS_BURST_REMINDERS=500 ROUNDS_BURST_ROOMS=20 cargo bench --bench burst   (a quick try)
//! The reminders are stored through the store's API (as `!remind here` stores them, without
//! its limit of ten per room) in a SQLite file, due at a whole minute; the bot's clock is then
//! moved on to a few seconds before it, so no one waits for the minute to come round. Under
//! `cargo test` (no `--bench` argument) it does nothing.

#[allow(dead_code)]
#[path = "support/measure.rs"]
mod measure;
#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DurationRound, Utc};
use tokio::sync::watch;

use rounds::clock::Clock;
use rounds::config::ShardRange;
use rounds::core::Bot;
use rounds::core::io::UserRef;
use rounds::core::store::{Delivery, NewReminder, ReminderStore};
use rounds::platform::discord::DiscordBot;
use rounds::runtime::Runtime;
use rounds::store::{DatabaseUrl, SqlStore};
use support::discord_standin::{
    FixtureGuild, FixtureUser, Overflow, RateLimits, StandIn, World, snowflake_ms,
};

const GUILD: u64 = 1_330_000_000_000_000_000;
const OWNER: u64 = 1_330_000_000_000_000_002;
/// Discord's global limit, which the ideal is reckoned from.
const GLOBAL_PER_SECOND: f64 = 50.0;
/// How far ahead of the due instant the bot's clock is set once every reminder is stored.
const LEAD: chrono::Duration = chrono::Duration::seconds(5);
/// What each reminder's text carries, followed by its number.
const MARK: &str = "burst #";

fn channel(room: u64) -> u64 {
    GUILD + 1000 + room
}

fn main() {
    measure::run(measure());
}

async fn measure() {
    let reminders = measure::env_number("ROUNDS_BURST_REMINDERS", 10_000);
    let rooms = measure::env_number("ROUNDS_BURST_ROOMS", 100).max(1);
    let owner = FixtureUser::new(OWNER, "alice");
    let world = World {
        application_id: 1_330_000_000_000_000_001,
        bot: FixtureUser::new(1_330_000_000_000_000_003, "Rounds"),
        guilds: vec![FixtureGuild {
            id: GUILD,
            name: "Medical Society".into(),
            channels: (0..rooms)
                .map(|room| (channel(room), format!("room-{room}")))
                .collect(),
            roles: vec![],
            members: vec![owner.clone()],
        }],
    };
    let standin = StandIn::start(world).await;
    standin.enforce_rate_limits(RateLimits::discord(Overflow::Refuse));
    let front = standin.serve_tls().await;

    let data = tempfile::tempdir().expect("a data directory");
    let url = DatabaseUrl::parse(&data.path().join("rounds.db").to_string_lossy())
        .expect("a database path");
    let store = Arc::new(SqlStore::open(&url).await.expect("open the store"));
    let due = (Utc::now() + chrono::Duration::minutes(2))
        .duration_trunc(chrono::Duration::minutes(1))
        .expect("a whole minute");
    let storing = Instant::now();
    for n in 0..reminders {
        store
            .create_reminder(&NewReminder {
                platform: "discord".into(),
                society: support::SOCIETY.into(),
                owner: UserRef {
                    id: OWNER.to_string(),
                    name: "alice".into(),
                },
                delivery: Delivery::Here,
                room: channel(n % rooms).to_string(),
                text: format!("{MARK}{n}"),
                created_at: Utc::now(),
                due_at: due,
                zone: chrono_tz::UTC,
                rule: None,
            })
            .await
            .expect("store a reminder");
    }
    println!(
        "stored {reminders} reminders across {rooms} channels in {:.1} s, all due at {}",
        storing.elapsed().as_secs_f64(),
        due.format("%H:%M:%S")
    );

    let clock = Clock::wall();
    let shift = (due - LEAD) - Utc::now();
    if shift > chrono::Duration::zero() {
        clock.advance(shift);
    }
    // The instant, on the wall, at which the bot's clock reads `due`.
    let due_wall = due - shift.max(chrono::Duration::zero());

    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(
            reqwest::Certificate::from_der(&front.certificate_der).expect("the certificate"),
        )
        .resolve("discord.com", front.addr)
        .build()
        .expect("an HTTP client");
    let http = serenity::all::HttpBuilder::new("bench-token").client(client);
    let bot = Arc::new(Bot::new(
        store.clone(),
        support::settings(chrono_tz::Australia::Sydney),
    ));
    let runtime = Arc::new(Runtime::new(bot));
    let connected = DiscordBot::with_http(
        http,
        Vec::new(),
        runtime.clone(),
        clock.clone(),
        ShardRange::ALL,
    )
    .await
    .expect("the Discord client");
    let adapter = connected.adapter.clone();
    let (stop, shutdown) = watch::channel(false);
    let task = support::spawn_with_drive(
        connected.run(shutdown.clone()),
        runtime.clone(),
        adapter,
        clock.clone(),
        shutdown,
    );
    standin.wait_ready().await;

    // Done when nothing is left to fire or send, however far ahead a retry may be.
    let ideal = reminders as f64 / GLOBAL_PER_SECOND;
    let give_up = Duration::from_secs_f64(ideal * 4.0 + 120.0);
    let watching = Instant::now();
    let mut finished = false;
    while watching.elapsed() < give_up {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if clock.now() <= due {
            continue;
        }
        let left = runtime
            .waiting(clock.now() + chrono::Duration::days(1))
            .await
            .expect("read the queue");
        if left.sends == 0 && left.jobs == 0 {
            finished = true;
            break;
        }
    }
    stop.send(true).expect("stop the bot");
    let _ = tokio::time::timeout(Duration::from_secs(20), task).await;

    report(&standin, reminders, rooms, due_wall, ideal, finished);
}

fn report(
    standin: &StandIn,
    reminders: u64,
    rooms: u64,
    due_wall: chrono::DateTime<Utc>,
    ideal: f64,
    finished: bool,
) {
    // Each reminder shown, by its number: how often, and when the stand-in made the post.
    let mut shown: HashMap<u64, usize> = HashMap::new();
    let mut nonces: HashMap<String, usize> = HashMap::new();
    let mut posted_ms: Vec<u64> = Vec::new();
    for room in 0..rooms {
        for message in standin.channel_messages(channel(room)) {
            let Some(number) = message["content"]
                .as_str()
                .and_then(|text| text.split(MARK).nth(1))
                .and_then(|rest| {
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse::<u64>().ok()
                })
            else {
                continue;
            };
            *shown.entry(number).or_insert(0) += 1;
            if let Some(nonce) = message["nonce"].as_str() {
                *nonces.entry(nonce.to_string()).or_insert(0) += 1;
            }
            let id: u64 = message["id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .unwrap_or(0);
            posted_ms.push(snowflake_ms(id));
        }
    }
    posted_ms.sort_unstable();
    let lost = (0..reminders).filter(|n| !shown.contains_key(n)).count();
    let duplicates: usize = shown.values().map(|&times| times - 1).sum();
    let nonce_duplicates: usize = nonces.values().map(|&times| times - 1).sum();
    let due_ms = due_wall.timestamp_millis() as u64;
    let first = posted_ms
        .first()
        .map(|&ms| ms as f64 / 1e3 - due_ms as f64 / 1e3);
    let last = posted_ms
        .last()
        .map(|&ms| ms as f64 / 1e3 - due_ms as f64 / 1e3);
    // The most posts the stand-in made in any one second.
    let busiest = (0..posted_ms.len())
        .map(|i| {
            posted_ms[i..]
                .iter()
                .take_while(|&&ms| ms < posted_ms[i] + 1000)
                .count()
        })
        .max()
        .unwrap_or(0);
    let refused: BTreeMap<String, usize> = standin.too_many_requests().into_iter().collect();
    let global = refused.get("global").copied().unwrap_or(0);
    let buckets: Vec<usize> = refused
        .iter()
        .filter(|(bucket, _)| bucket.as_str() != "global")
        .map(|(_, &n)| n)
        .collect();
    let beyond_first: usize = buckets.iter().map(|&n| n.saturating_sub(1)).sum();
    let posts = standin
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.route().ends_with("/messages"))
        .count();

    println!(
        "burst: {reminders} reminders across {rooms} Discord channels, serenity's rate limiter on, the stand-in refusing past 5 per 5 s per channel and 50 per s"
    );
    if !finished {
        println!("  NOT FINISHED: the queue still held work when the bench gave up");
    }
    match (first, last) {
        (Some(first), Some(last)) => {
            println!("  first post {first:.2} s after the due instant, last post {last:.2} s");
            println!(
                "  completion {last:.1} s; ideal {ideal:.1} s ({reminders} / 50 per s); ideal / completion = {:.1}% of the limit; {:.1} posts/s from the due instant, {:.1} posts/s from the first post",
                ideal / last * 100.0,
                posted_ms.len() as f64 / last,
                posted_ms.len().saturating_sub(1) as f64 / (last - first).max(1e-3)
            );
            // Each channel's own limit (5 per 5 s, a window from its first post) alone would
            // let its posts go in this time; past the global ideal, it is the bound.
            let per_room = reminders.div_ceil(rooms);
            let channels_alone = (per_room.div_ceil(5).saturating_sub(1) * 5) as f64;
            if channels_alone > ideal {
                println!(
                    "  (the channels' own limit, {per_room} posts each at 5 per 5 s, allows no less than {channels_alone:.0} s: that is the ideal here)"
                );
            }
        }
        _ => println!("  no post shown"),
    }
    println!("  most posts in any one second, by their snowflakes' milliseconds: {busiest}");
    // Posts a second in each 20 s from the due instant: a steady pace, or a slow start or end.
    let mut slices: BTreeMap<u64, usize> = BTreeMap::new();
    for &ms in &posted_ms {
        *slices
            .entry(ms.saturating_sub(due_ms) / 20_000)
            .or_insert(0) += 1;
    }
    let rates: Vec<String> = slices
        .values()
        .map(|&n| format!("{:.1}", n as f64 / 20.0))
        .collect();
    println!("  posts a second in each 20 s: {}", rates.join(" "));
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        let load: Vec<&str> = load.split_whitespace().take(3).collect();
        println!(
            "  load average at the end (1, 5, 15 min), on {} cores: {}",
            std::thread::available_parallelism().map_or(0, usize::from),
            load.join(" ")
        );
    }
    println!(
        "  message POSTs sent: {posts} (shown {}); 429s: {} global, {} in {} of {rooms} channel buckets (at most {} in one), {beyond_first} beyond the first per bucket",
        posted_ms.len(),
        global,
        buckets.iter().sum::<usize>(),
        buckets.len(),
        buckets.iter().max().copied().unwrap_or(0)
    );
    println!(
        "  duplicates: {duplicates} (same reminder shown twice), {nonce_duplicates} (same nonce shown twice); lost: {lost}"
    );
}
