//! What an operator sees of a running Rounds: the Prometheus series at `/metrics`
//! (`metrics.rs`) and the log lines (`logs.rs`).
//!
//! A command, a delivery and a fired job each give one info line and move their series; the
//! functions here do both, so a call site needs one line and the two never disagree.

pub mod logs;
pub mod metrics;

use std::time::Duration;

use crate::core::Answer;
use crate::core::io::Origin;

/// How one attempt at sending an outbox row ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Failed for now; tried again later under the same key.
    Retry,
    /// Given up on, and reported to the committee log.
    Failed,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Sent => "sent",
            Delivery::Retry => "retry",
            Delivery::Failed => "failed",
        }
    }
}

/// One inbound event answered: its kind and outcome as the core labelled them, where it came
/// from, and how long the core took. Nothing the member wrote, nor their name, reaches the log.
pub fn command_answered(origin: &Origin, answer: &Answer, took: Duration) {
    let (kind, outcome) = (answer.kind, answer.outcome.as_str());
    metrics::command_answered(&origin.platform, kind, outcome, took);
    tracing::info!(
        platform = %origin.platform,
        society = %origin.society,
        kind,
        outcome,
        latency_ms = took.as_millis() as u64,
        "command answered"
    );
}

/// One attempt at sending an outbox row. `detail` is the adapter's error for a retry or a
/// failure; it is logged at warn or error, since someone may need to act on it.
pub fn delivery(key: &str, platform: &str, outcome: Delivery, attempt: i64, detail: Option<&str>) {
    metrics::delivery(platform, outcome.as_str());
    let outcome_label = outcome.as_str();
    match outcome {
        Delivery::Sent => {
            tracing::info!(key, platform, outcome = outcome_label, attempt, "delivery")
        }
        Delivery::Retry => tracing::warn!(
            key,
            platform,
            outcome = outcome_label,
            attempt,
            error = detail.unwrap_or_default(),
            "delivery"
        ),
        Delivery::Failed => tracing::error!(
            key,
            platform,
            outcome = outcome_label,
            attempt,
            error = detail.unwrap_or_default(),
            "delivery"
        ),
    }
}

/// One job fired; `lateness` is how long after its due time it fired (zero if early).
pub fn job_fired(kind: &'static str, id: i64, lateness: chrono::Duration) {
    metrics::job_fired(kind);
    tracing::info!(
        kind,
        id,
        lateness_ms = lateness.num_milliseconds().max(0),
        "job fired"
    );
}
