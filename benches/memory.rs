//! Resident memory of an idle `rounds run` with both platforms configured (issue 19's memory
//! figures): Matrix logged in to the test Synapse and in a few rooms, Discord connected to the
//! stand-in, nothing due. VmRSS and RssAnon (the heap and stacks, what the process itself
//! allocated; the rest is mostly the binary's code pages, shared and reclaimable) from
//! /proc/<pid>/status once connected, and after `ROUNDS_BENCH_IDLE_SECS` (60) of idling.
//!
//!   python3 scripts/synapse/harness.py run -- cargo bench --bench memory
//! `ROUNDS_BENCH_BIN` measures another build (a release binary, say); `ROUNDS_BENCH_ROOMS`
//! (default 4, every other one encrypted) sets how many Matrix rooms the bot is in. Variables
//! such as `MALLOC_ARENA_MAX` or `TOKIO_WORKER_THREADS` set for this process reach the bot.
//! `ROUNDS_BENCH_PLATFORMS=matrix` or `discord` measures a one-platform build with its platform
//! alone.
//! Under `cargo test` (no `--bench` argument) it does nothing.

#[allow(dead_code)]
#[path = "support/measure.rs"]
mod measure;
#[path = "../tests/support/mod.rs"]
mod support;

use std::time::Duration;

use measure::{env_number, rounds_binary, status_kib};
use support::deployment::{Deployment, OneChannel, Running};
use support::discord_standin::StandIn;
use support::matrix_member::{Member, Synapse};

const IDS: OneChannel = OneChannel::at(1_320_000_000_000_000_000);

fn main() {
    measure::run(bench());
}

async fn bench() {
    let idle = Duration::from_secs(env_number("ROUNDS_BENCH_IDLE_SECS", 60));
    let rooms = env_number("ROUNDS_BENCH_ROOMS", 4);
    let binary = rounds_binary(env!("CARGO_BIN_EXE_rounds"));

    // `both` (the default), `matrix` or `discord`: a one-platform build refuses a config that
    // sets up the platform it leaves out, so it is measured with its own platform alone.
    let platforms = std::env::var("ROUNDS_BENCH_PLATFORMS").unwrap_or_else(|_| "both".into());
    let (matrix, discord) = match platforms.as_str() {
        "both" => (true, true),
        "matrix" => (true, false),
        "discord" => (false, true),
        other => panic!("ROUNDS_BENCH_PLATFORMS is both, matrix or discord, not {other:?}"),
    };

    let synapse = Synapse::from_env();
    let (bot_user, bot_pass) = synapse.register("membot");
    let (alice_user, alice_pass) = synapse.register("memalice");
    let standin = StandIn::start(IDS.world()).await;
    let deployment = Deployment::new(IDS.guild);
    let mut command = deployment.command(std::path::Path::new(&binary), &["run"], &standin);
    if matrix {
        command
            .env("ROUNDS_MATRIX_HOMESERVER", &synapse.url)
            .env("ROUNDS_MATRIX_USER", &bot_user)
            .env("ROUNDS_MATRIX_PASSWORD", &bot_pass);
    }
    if !discord {
        let config = deployment.dir.path().join("matrix-only.toml");
        std::fs::write(
            &config,
            format!("[[societies]]\nkey = \"{}\"\n", support::SOCIETY),
        )
        .expect("write the config");
        command
            .env("ROUNDS_CONFIG", &config)
            .env_remove("ROUNDS_DISCORD_TOKEN")
            .env_remove("ROUNDS_DISCORD_API_BASE");
    }
    let mut running = Running::spawn(command);
    let pid: u32 = running.pid().parse().expect("a pid");
    // Matrix connects first (logging in, setting up cross-signing), then Discord.
    if discord {
        tokio::select! {
            _ = standin.wait_ready() => {}
            status = running.exit_within(Duration::from_secs(120)) => {
                panic!("rounds run ended ({status}) before Discord connected:\n{}", running.log().join("\n"))
            }
        }
    } else {
        let connected = running.wait_for_log("connected to Matrix");
        if tokio::time::timeout(Duration::from_secs(120), connected)
            .await
            .is_err()
        {
            panic!("Matrix never connected:\n{}", running.log().join("\n"));
        }
    }

    let alice = Member::login(&synapse, &alice_user, &alice_pass).await;
    if matrix {
        for n in 0..rooms {
            alice.room_with(&bot_user, n % 2 == 1).await;
        }
    }
    let report = |when: &str| {
        let kib = |field| status_kib(pid, field).unwrap_or(0) as f64 / 1024.0;
        println!(
            "{when}: RSS {:.1} MiB, anonymous {:.1} MiB, file-backed {:.1} MiB, threads {}",
            kib("VmRSS"),
            kib("RssAnon"),
            kib("RssFile"),
            status_kib(pid, "Threads").unwrap_or(0)
        );
    };
    report(&format!(
        "connected ({platforms}; in {} Matrix rooms)",
        if matrix { rooms } else { 0 }
    ));
    tokio::time::sleep(idle).await;
    report(&format!("after {} s idle", idle.as_secs()));
    println!("({binary})");
    // matrix-sdk logs a homeserver's expected 404s at ERROR; Rounds' own errors count.
    let errors: Vec<String> = running
        .lines_with(" ERROR ")
        .into_iter()
        .filter(|line| line.contains("rounds::"))
        .collect();
    assert!(
        errors.is_empty(),
        "Rounds logged errors while measured:\n{}",
        errors.join("\n")
    );
}
