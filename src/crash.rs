//! Crash points, for the tests that hold Rounds to exactly-once delivery through crashes.
//!
//! `ROUNDS_CRASH_AT=<point>` aborts the process the first time it passes `<point>`, and
//! `ROUNDS_CRASH_AT=<point>:<n>` the `n`th time: no destructor, no flush, no lease given back,
//! as a `kill -9` or a power cut would leave it, but at an exact step rather than a random one.
//! Unset (always, outside tests) it costs one comparison.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

struct Target {
    point: String,
    nth: u64,
}

static TARGET: OnceLock<Option<Target>> = OnceLock::new();
static PASSED: AtomicU64 = AtomicU64::new(0);

fn target() -> Option<&'static Target> {
    TARGET
        .get_or_init(|| {
            let spec = std::env::var("ROUNDS_CRASH_AT").ok()?;
            let (point, nth) = match spec.rsplit_once(':') {
                Some((point, nth)) if nth.parse::<u64>().is_ok() => {
                    (point.to_string(), nth.parse().unwrap_or(1))
                }
                _ => (spec, 1),
            };
            Some(Target { point, nth })
        })
        .as_ref()
}

/// Aborts here if the crash tests asked for it.
pub fn point(name: &str) {
    let Some(target) = target() else {
        return;
    };
    if target.point == name && PASSED.fetch_add(1, Ordering::SeqCst) + 1 == target.nth {
        eprintln!("rounds: crash point {name} reached; aborting as asked by ROUNDS_CRASH_AT");
        std::process::abort();
    }
}
