//! `!help` round trips through a real Synapse, and Rounds' resident memory when idle in 20 rooms.
//!
//! Run under the Synapse harness, on a release build:
//!   python3 scripts/synapse/harness.py run -- cargo bench --bench matrix_roundtrip
//! `ROUNDS_BENCH_ROUNDTRIPS` (default 200) and `ROUNDS_BENCH_IDLE_SECS` (default 600) set the sizes.
//! Under `cargo test` (no `--bench` argument) it does nothing.

#[path = "../tests/support/matrix_member.rs"]
mod matrix_member;
#[path = "support/measure.rs"]
mod measure;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use matrix_member::{Member, Synapse};
use measure::{Bot, env_number, percentile, rounds_binary, rss_kib};

fn main() {
    measure::run(bench());
}

async fn bench() {
    let synapse = Synapse::from_env();
    let roundtrips = env_number("ROUNDS_BENCH_ROUNDTRIPS", 200) as usize;
    let idle = Duration::from_secs(env_number("ROUNDS_BENCH_IDLE_SECS", 600));
    let (bot_user, bot_pass) = synapse.register("benchbot");
    let (alice_user, alice_pass) = synapse.register("benchalice");
    let data = tempfile::tempdir().unwrap();

    // The real binary, as deployed: configured by environment variables alone.
    let bot = Bot(Command::new(rounds_binary(env!("CARGO_BIN_EXE_rounds")))
        .arg("run")
        .env("ROUNDS_MATRIX_HOMESERVER", &synapse.url)
        .env("ROUNDS_MATRIX_USER", &bot_user)
        .env("ROUNDS_MATRIX_PASSWORD", &bot_pass)
        .env("ROUNDS_DATA_DIR", data.path())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .spawn()
        .expect("start rounds run"));
    let pid = bot.0.id();

    let mut alice = Member::login(&synapse, &alice_user, &alice_pass).await;
    let mut rooms = Vec::new();
    for n in 0..20 {
        rooms.push(alice.room_with(&bot_user, n % 2 == 1).await);
    }
    let rss_joined = rss_kib(pid);

    let mut times = Vec::with_capacity(roundtrips);
    for n in 0..roundtrips {
        let room = &rooms[0];
        let started = Instant::now();
        let asked = alice.say(room, "!help").await;
        alice
            .expect(&bot_user, |s| s.reply_to.as_ref() == Some(&asked))
            .await;
        times.push(started.elapsed());
        if n == 0 {
            // The first answer warms caches; it is measured but reported apart.
            println!("first !help round trip: {:?}", times[0]);
        }
    }
    let mut sorted = times.clone();
    sorted.sort();
    println!(
        "!help round trip through Synapse, plain room, {roundtrips} sequential: median {:.1} ms, p95 {:.1} ms, min {:.1} ms, max {:.1} ms",
        percentile(&sorted, 50.0).as_secs_f64() * 1e3,
        percentile(&sorted, 95.0).as_secs_f64() * 1e3,
        sorted[0].as_secs_f64() * 1e3,
        sorted[sorted.len() - 1].as_secs_f64() * 1e3
    );

    println!(
        "RSS after joining 20 rooms: {} KiB; idling {} s ...",
        rss_joined.unwrap_or(0),
        idle.as_secs()
    );
    tokio::time::sleep(idle).await;
    println!(
        "idle RSS after {} s in 20 rooms: {} KiB",
        idle.as_secs(),
        rss_kib(pid).unwrap_or(0)
    );
}
