//! What the platform benchmarks share: sizes from the environment, a child process's resident
//! memory, percentiles, and a guard that stops the bot however the benchmark ends.

use std::future::Future;
use std::process::Child;
use std::time::Duration;

/// Runs `bench` on tokio's multi-threaded runtime when cargo runs this as a benchmark
/// (`cargo bench`, or `cargo test --bench X -- --bench`); under a plain `cargo test` it does
/// nothing, so the suite does not pay for a measurement.
pub fn run(bench: impl Future<Output = ()>) {
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(bench);
}

pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `rounds` binary to measure: `ROUNDS_BENCH_BIN` when set (to compare two builds, e.g.
/// before and after a release-profile change, with one harness), else the one cargo built.
pub fn rounds_binary(built: &str) -> String {
    std::env::var("ROUNDS_BENCH_BIN").unwrap_or_else(|_| built.to_string())
}

pub fn rss_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS")
}

/// A number field of /proc/<pid>/status: `VmRSS`, `RssAnon` (in KiB), `Threads`...
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.split(':').next() == Some(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// The bot under measurement; killed when dropped.
pub struct Bot(pub Child);

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
