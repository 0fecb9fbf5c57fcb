//! Adapters: each translates its platform's events into `Inbound` and performs `Action`s.

#[cfg(feature = "discord")]
pub mod discord;
#[cfg(feature = "matrix")]
pub mod matrix;
pub mod shell;

/// The platforms this build can run (cargo features `matrix` and `discord`), by the names the
/// outbox stores. `rounds run` and `check-config` refuse a config that names one left out.
/// Spelt out rather than read from each adapter's `PLATFORM`: the adapters import this module,
/// and it must not import them back.
pub const BUILT: &[&str] = &[
    #[cfg(feature = "matrix")]
    "matrix",
    #[cfg(feature = "discord")]
    "discord",
];

use async_trait::async_trait;
use chrono::Duration;

pub use crate::core::delivery::PrivateFallback;
use crate::core::io::Action;

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("rate limited; retry after {retry_after}")]
    RateLimited { retry_after: Duration },
    #[error("temporary failure: {0}")]
    Transient(String),
    #[error("{0}")]
    Permanent(String),
    /// The member cannot be reached privately (Discord: they closed their direct messages;
    /// Matrix: they refused or left the direct room). Retrying never helps; the core decides
    /// what reaches them instead.
    #[error("direct messages closed: {0}")]
    DirectClosed(String),
}

#[async_trait]
pub trait Adapter: Send + Sync {
    /// The platform name stored with each outbox row (`shell`, `matrix`, `discord`).
    fn platform(&self) -> &'static str;

    /// Carries out one action. `key` is the idempotency key: performing the same key twice must
    /// show the member one message.
    async fn perform(&self, key: &str, action: &Action) -> Result<(), DeliveryError>;

    /// What the platform offers a member whose direct messages are closed, a fact about the
    /// platform; what is sent there, and how often, is the core's rule.
    fn private_fallback(&self) -> PrivateFallback {
        PrivateFallback::MentionInRoom
    }

    /// How many sends may be in flight at once, each to a different lane (room, member):
    /// sends to one lane always go one after another. One by default, which keeps a single
    /// output, the terminal's, in the order things were queued.
    fn parallel_sends(&self) -> usize {
        1
    }

    /// How long after a first try the platform still drops a repeat of the same key. A send
    /// cut off mid-try (the process died) is tried again only within it: later, a repeat
    /// could show the message twice, so it is reported instead. None: the key is remembered
    /// for as long as it matters (Matrix transaction ids, per device), or the platform cannot
    /// show a message twice (the terminal).
    fn dedup_window(&self) -> Option<Duration> {
        None
    }
}

/// Answers the member who sent one inbound event, straight away and without the outbox: for
/// when the store (where the outbox lives) cannot take the event. Each adapter builds one per
/// event from what it has at hand (the channel, the interaction's token, the room); the runtime
/// decides whether it is used and with which words.
#[async_trait]
pub trait DirectReply: Send + Sync {
    async fn say(&self, text: &str) -> Result<(), DeliveryError>;
}
