//! Command → reply latency through the Discord stand-in, and Rounds' resident memory with 50
//! guilds. The bot is the real `rounds run` binary, configured by environment variables alone.
//!
//!   cargo bench --bench discord_roundtrip
//! `ROUNDS_BENCH_ROUNDTRIPS` (default 500) and `ROUNDS_BENCH_IDLE_SECS` (default 60) set the sizes;
//! `ROUNDS_BENCH_BIN` measures another build of `rounds` (the README's release-profile figures).
//! Under `cargo test` (no `--bench` argument) it does nothing.

#[path = "../tests/support/discord_standin.rs"]
mod discord_standin;
#[path = "support/measure.rs"]
mod measure;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use discord_standin::{FixtureGuild, FixtureUser, StandIn, World};
use measure::{Bot, env_number, percentile, rounds_binary, rss_kib};

const GUILDS: u64 = 50;

fn guild(n: u64) -> FixtureGuild {
    let id = 1_400_000_000_000_000_000 + n * 1000;
    FixtureGuild {
        id,
        name: format!("Society {n}"),
        channels: vec![(id + 1, "general".into())],
        roles: vec![],
        members: (0..20)
            .map(|m| FixtureUser::new(id + 100 + m, &format!("member{m}")))
            .collect(),
    }
}

fn main() {
    measure::run(bench());
}

async fn bench() {
    let roundtrips = env_number("ROUNDS_BENCH_ROUNDTRIPS", 500) as usize;
    let idle = Duration::from_secs(env_number("ROUNDS_BENCH_IDLE_SECS", 60));
    let world = World {
        application_id: 1_300_000_000_000_000_001,
        bot: FixtureUser::new(1_300_000_000_000_000_002, "Rounds"),
        guilds: (0..GUILDS).map(guild).collect(),
    };
    let first = world.guilds[0].id;
    let channel = first + 1;
    let member = world.guilds[0].members[0].clone();
    let standin = StandIn::start(world).await;
    let data = tempfile::tempdir().unwrap();
    let bot = Bot(Command::new(rounds_binary(env!("CARGO_BIN_EXE_rounds")))
        .arg("run")
        .env("ROUNDS_DISCORD_TOKEN", "bench-token")
        .env("ROUNDS_DISCORD_API_BASE", standin.api_base())
        .env("ROUNDS_DATA_DIR", data.path())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .spawn()
        .expect("start rounds run"));
    let pid = bot.0.id();
    standin.wait_ready().await;
    // Wait until every guild's commands are registered.
    let started = Instant::now();
    while standin
        .requests()
        .iter()
        .filter(|r| r.method == "PUT" && r.route().ends_with("/commands"))
        .count()
        < GUILDS as usize
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "commands not registered"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let path = format!("/channels/{channel}/messages");
    let posts = |standin: &StandIn| {
        standin
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.route() == path)
            .count()
    };
    let mut times = Vec::with_capacity(roundtrips);
    for _ in 0..roundtrips {
        let before = posts(&standin);
        let asked = Instant::now();
        standin
            .message_create(first, channel, &member, "!help")
            .await;
        while posts(&standin) == before {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        times.push(asked.elapsed());
    }
    let mut sorted = times.clone();
    sorted.sort();
    println!(
        "!help → reply through the Discord stand-in, {roundtrips} sequential: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&sorted, 50.0).as_secs_f64() * 1e3,
        percentile(&sorted, 99.0).as_secs_f64() * 1e3,
        sorted[sorted.len() - 1].as_secs_f64() * 1e3
    );
    println!(
        "RSS with {GUILDS} guilds after the round trips: {} KiB; idling {} s ...",
        rss_kib(pid).unwrap_or(0),
        idle.as_secs()
    );
    tokio::time::sleep(idle).await;
    println!(
        "idle RSS with {GUILDS} guilds after {} s: {} KiB",
        idle.as_secs(),
        rss_kib(pid).unwrap_or(0)
    );
}
