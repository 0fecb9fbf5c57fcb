//! Adapters: each translates its platform's events into `Inbound` and performs `Action`s.

pub mod discord;
pub mod matrix;
pub mod shell;

use async_trait::async_trait;
use chrono::Duration;

use crate::core::io::Action;

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("rate limited; retry after {retry_after}")]
    RateLimited { retry_after: Duration },
    #[error("temporary failure: {0}")]
    Transient(String),
    #[error("{0}")]
    Permanent(String),
}

#[async_trait]
pub trait Adapter: Send + Sync {
    /// The platform name stored with each outbox row (`shell`, `matrix`, `discord`).
    fn platform(&self) -> &'static str;

    /// Carries out one action. `key` is the idempotency key: performing the same key twice must
    /// show the member one message.
    async fn perform(&self, key: &str, action: &Action) -> Result<(), DeliveryError>;
}
