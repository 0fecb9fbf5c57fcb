//! Whether each configured platform is connected, as its adapter last saw it: one half of
//! `/readyz` (the store's write probe is the other), and the `rounds_platform_connected` gauge,
//! so the two can never disagree. The shell has no connection to lose and
//! never registers, so it always counts as connected.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Shared by every adapter of one process and the HTTP server; cloning shares the same state.
#[derive(Clone, Debug, Default)]
pub struct Readiness {
    platforms: Arc<Mutex<BTreeMap<&'static str, Connection>>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Connection {
    Up,
    Down(String),
}

impl Readiness {
    pub fn new() -> Readiness {
        Readiness::default()
    }

    fn platforms(&self) -> std::sync::MutexGuard<'_, BTreeMap<&'static str, Connection>> {
        // A panic elsewhere while holding the lock leaves a map that is still valid.
        self.platforms.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A platform the process will connect to: not ready until it says it is connected.
    pub fn expect(&self, platform: &'static str) {
        crate::telemetry::metrics::platform_connected(platform, false);
        self.platforms()
            .entry(platform)
            .or_insert_with(|| Connection::Down("not connected yet".to_string()));
    }

    pub fn connected(&self, platform: &'static str) {
        crate::telemetry::metrics::platform_connected(platform, true);
        self.platforms().insert(platform, Connection::Up);
    }

    /// `why` is read by operators on `/readyz`: short, and never a token or a message body.
    pub fn disconnected(&self, platform: &'static str, why: &str) {
        crate::telemetry::metrics::platform_connected(platform, false);
        self.platforms()
            .insert(platform, Connection::Down(why.to_string()));
    }

    /// One line per platform that is not connected (`discord: not connected yet`), in name
    /// order; empty when all are.
    pub fn failing(&self) -> Vec<String> {
        self.platforms()
            .iter()
            .filter_map(|(platform, state)| match state {
                Connection::Up => None,
                Connection::Down(why) => Some(format!("{platform}: {why}")),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_platform_is_failing_from_expected_until_connected_and_again_once_it_drops() {
        let readiness = Readiness::new();
        assert!(readiness.failing().is_empty(), "nothing expected yet");
        readiness.expect("matrix");
        assert_eq!(readiness.failing(), ["matrix: not connected yet"]);
        readiness.connected("matrix");
        readiness.expect("matrix");
        assert!(
            readiness.failing().is_empty(),
            "expect does not undo a connection"
        );
        readiness.disconnected("matrix", "sync failing");
        assert_eq!(readiness.clone().failing(), ["matrix: sync failing"]);
    }
}
