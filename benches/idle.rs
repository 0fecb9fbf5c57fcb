//! CPU time and system calls of an idle `rounds run` connected to the Discord stand-in (issue
//! 19's idle figures): utime + stime from /proc over `ROUNDS_IDLE_SECONDS` (60 by default),
//! then `strace -c -f` over 10 s if strace is installed. `ROUNDS_IDLE_BINARY` measures another
//! build; with `ROUNDS_IDLE_POSTGRES` set it runs on a fresh PostgreSQL database (from
//! ROUNDS_TEST_POSTGRES) and counts its transactions.
//!
//!   cargo bench --bench idle        (or scripts/measure_idle.sh)
//! Under `cargo test` (no `--bench` argument) it does nothing.

#[path = "../tests/support/mod.rs"]
mod support;

use sqlx::Connection;

fn main() {
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(measure());
}

async fn measure() {
    use support::discord_standin::{FixtureGuild, FixtureUser, StandIn, World};
    const GUILD: u64 = 1_320_000_000_000_000_100;
    let world = World {
        application_id: 1_320_000_000_000_000_001,
        bot: FixtureUser::new(1_320_000_000_000_000_002, "Rounds"),
        guilds: vec![FixtureGuild {
            id: GUILD,
            name: "Medical Society".into(),
            channels: vec![(1_320_000_000_000_000_101, "general".into())],
            roles: vec![],
            members: vec![FixtureUser::new(1_320_000_000_000_000_201, "alice")],
        }],
    };
    let seconds: u64 = std::env::var("ROUNDS_IDLE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let binary = std::env::var("ROUNDS_IDLE_BINARY")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_rounds").to_string());
    let standin = StandIn::start(world).await;
    // With ROUNDS_IDLE_POSTGRES set, on a fresh PostgreSQL database, whose transactions are
    // counted too (every statement outside a transaction is one).
    let postgres = match std::env::var("ROUNDS_IDLE_POSTGRES") {
        Ok(_) => Some(support::PgDatabase::create().await),
        Err(_) => None,
    };
    let deployment = match &postgres {
        Some(db) => support::deployment::Deployment::on_database(GUILD, &db.url),
        None => support::deployment::Deployment::new(GUILD),
    };
    let transactions = async || -> Option<i64> {
        let db = postgres.as_ref()?;
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        let row: (i64,) = sqlx::query_as(
            "SELECT (xact_commit + xact_rollback)::bigint FROM pg_stat_database \
             WHERE datname = current_database()",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        Some(row.0)
    };
    let command = deployment.command(std::path::Path::new(&binary), &["run"], &standin);
    let running = support::deployment::Running::spawn(command);
    standin.wait_ready().await;
    // Start-up work (migrations, the first tick and prune) is not idle time.
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    let pid = running.pid();
    let ticks_per_second: f64 = String::from_utf8(
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .parse()
    .unwrap();
    let cpu_ms = || {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        // utime and stime: fields 14 and 15 of proc(5), 12 and 13 after the command name.
        let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
        ticks * 1000.0 / ticks_per_second
    };
    let before = cpu_ms();
    let xacts_before = transactions().await;
    tokio::time::sleep(std::time::Duration::from_secs(seconds)).await;
    let used = cpu_ms() - before;
    if let (Some(start), Some(end)) = (xacts_before, transactions().await) {
        // Our own two look-ups count too; PostgreSQL flushes its counters about once a second.
        println!(
            "PostgreSQL transactions: {} over {seconds} s = {:.2} per second",
            end - start,
            (end - start) as f64 / seconds as f64
        );
    }
    println!(
        "idle CPU: {used:.0} ms over {seconds} s = {:.0} ms per idle minute ({binary})",
        used * 60.0 / seconds as f64
    );
    let strace = std::process::Command::new("timeout")
        .args(["-s", "INT", "10", "strace", "-c", "-f", "-p", &pid])
        .output();
    match strace {
        Ok(out) if !out.stderr.is_empty() => {
            let summary = String::from_utf8_lossy(&out.stderr);
            let total = summary
                .lines()
                .find(|line| line.trim_end().ends_with("total"))
                .unwrap_or("no total line");
            println!("strace -c -f over 10 s:\n{summary}");
            println!("syscalls in 10 s (calls column of the total): {total}");
        }
        _ => println!("strace is not available; no syscall count"),
    }
    drop(running);
    if let Some(db) = postgres {
        db.drop().await;
    }
}
