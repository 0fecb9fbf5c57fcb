//! CPU time and system calls of an idle `rounds run` connected to the Discord stand-in (issue
//! 19's idle figures): utime + stime from /proc over `ROUNDS_IDLE_SECONDS` (60 by default),
//! then `strace -c -f` over 10 s if strace is installed. Under the Synapse harness
//! (`python3 scripts/synapse/harness.py run -- cargo bench --bench idle`) Matrix is configured
//! too. `ROUNDS_BENCH_BIN` measures another build; with `ROUNDS_IDLE_POSTGRES` set it runs on a fresh PostgreSQL database (from
//! ROUNDS_TEST_POSTGRES) and counts its transactions.
//!
//!   cargo bench --bench idle        (or scripts/measure_idle.sh)
//! Under `cargo test` (no `--bench` argument) it does nothing.

#[allow(dead_code)]
#[path = "support/measure.rs"]
mod measure;
#[path = "../tests/support/mod.rs"]
mod support;

use sqlx::Connection;

fn main() {
    measure::run(measure());
}

async fn measure() {
    use support::deployment::OneChannel;
    use support::discord_standin::StandIn;
    const IDS: OneChannel = OneChannel::at(1_320_000_000_000_000_000);
    let world = IDS.world();
    let seconds = measure::env_number("ROUNDS_IDLE_SECONDS", 60);
    let binary = measure::rounds_binary(env!("CARGO_BIN_EXE_rounds"));
    let standin = StandIn::start(world).await;
    // With ROUNDS_IDLE_POSTGRES set, on a fresh PostgreSQL database, whose transactions are
    // counted too (every statement outside a transaction is one).
    let postgres = match std::env::var("ROUNDS_IDLE_POSTGRES") {
        Ok(_) => Some(support::PgDatabase::create().await),
        Err(_) => None,
    };
    let deployment = match &postgres {
        Some(db) => support::deployment::Deployment::on_database(IDS.guild, &db.url),
        None => support::deployment::Deployment::new(IDS.guild),
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
    let mut command = deployment.command(std::path::Path::new(&binary), &["run"], &standin);
    // Under the Synapse harness, Matrix is configured too, as the figure asks.
    let matrix = std::env::var("ROUNDS_TEST_SYNAPSE_URL").is_ok();
    if matrix {
        let synapse = support::matrix_member::Synapse::from_env();
        let (user, password) = synapse.register("idlebot");
        command
            .env("ROUNDS_MATRIX_HOMESERVER", &synapse.url)
            .env("ROUNDS_MATRIX_USER", &user)
            .env("ROUNDS_MATRIX_PASSWORD", &password);
    }
    let mut running = support::deployment::Running::spawn(command);
    // Matrix connects first (logging in, setting up cross-signing), then Discord.
    tokio::select! {
        _ = standin.wait_ready() => {}
        status = running.exit_within(std::time::Duration::from_secs(120)) => {
            panic!("rounds run ended ({status}) before Discord connected:\n{}", running.log().join("\n"))
        }
    }
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
    let platforms = if matrix {
        "Discord and Matrix"
    } else {
        "Discord only"
    };
    println!(
        "idle CPU ({platforms}): {used:.0} ms over {seconds} s = {:.0} ms per idle minute ({binary})",
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
