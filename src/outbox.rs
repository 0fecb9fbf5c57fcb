//! Sending what the outbox holds, through an adapter, with retries under the same key.
//!
//! A row is marked sent only after the adapter confirms. A crash in between leaves it pending;
//! it is sent again with the same idempotency key, which the platform uses to drop the repeat
//! (Matrix transaction ids, Discord nonces with `enforce_nonce`).

use chrono::{DateTime, Duration, Utc};

use crate::core::delivery::{self, Undelivered};
use crate::core::error::StoreError;
use crate::core::store::{PendingSend, Store};
use crate::platform::{Adapter, DeliveryError};
use crate::telemetry::{self, Delivery};

/// How long a claimed outbox row stays reserved for its sender.
pub const SEND_LEASE: Duration = Duration::seconds(60);
/// Tries before a send is given up and reported.
pub const MAX_ATTEMPTS: i64 = 8;

pub fn backoff(attempts: i64) -> Duration {
    Duration::seconds(1 << attempts.clamp(0, 9)).min(Duration::minutes(10))
}

/// Sends everything ready for `adapter`'s platform. Returns how many were delivered.
pub async fn deliver(
    store: &dyn Store,
    adapter: &dyn Adapter,
    owner: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    deliver_until(store, adapter, owner, now, &|| false).await
}

/// `deliver`, asking `stopping` before each send and returning early once it says yes. The send
/// in flight always finishes and is recorded (a send cut off halfway might be shown and then
/// repeated). Rows of the batch left unsent keep this owner's lease until
/// `QueueStore::release_leases` hands them back.
pub async fn deliver_until(
    store: &dyn Store,
    adapter: &dyn Adapter,
    owner: &str,
    now: DateTime<Utc>,
    stopping: &(dyn Fn() -> bool + Sync),
) -> Result<usize, StoreError> {
    let mut delivered = 0;
    loop {
        if stopping() {
            return Ok(delivered);
        }
        let batch = store
            .claim_outbox(adapter.platform(), now, owner, now + SEND_LEASE, 100)
            .await?;
        if batch.is_empty() {
            return Ok(delivered);
        }
        for send in batch {
            if stopping() {
                return Ok(delivered);
            }
            let attempts = send.attempts + 1;
            let (key, platform) = (send.key.as_str(), adapter.platform());
            match adapter.perform(key, &send.action).await {
                Ok(()) => {
                    crate::crash::point("outbox:performed");
                    store.mark_sent(send.id, now).await?;
                    telemetry::delivery(key, platform, Delivery::Sent, attempts, None);
                    delivered += 1;
                }
                Err(DeliveryError::DirectClosed(reason)) => {
                    let reason = format!("direct messages closed: {reason}");
                    telemetry::delivery(key, platform, Delivery::Failed, attempts, Some(&reason));
                    replace_private(store, adapter, &send, attempts, &reason, now).await?;
                }
                Err(DeliveryError::Permanent(reason)) => {
                    telemetry::delivery(key, platform, Delivery::Failed, attempts, Some(&reason));
                    give_up(store, &send.society, send.id, attempts, &reason, now).await?;
                }
                Err(error) if attempts >= MAX_ATTEMPTS => {
                    let reason = error.to_string();
                    telemetry::delivery(key, platform, Delivery::Failed, attempts, Some(&reason));
                    give_up(store, &send.society, send.id, attempts, &reason, now).await?;
                }
                Err(error) => {
                    let wait = match &error {
                        DeliveryError::RateLimited { retry_after } => *retry_after,
                        _ => backoff(attempts),
                    };
                    let reason = error.to_string();
                    telemetry::delivery(key, platform, Delivery::Retry, attempts, Some(&reason));
                    store
                        .mark_retry(send.id, attempts, now + wait, &reason)
                        .await?;
                }
            }
        }
    }
}

/// A private message the member's closed direct messages refused: the core says what goes
/// instead, and it is queued like any action. What has no replacement is reported.
async fn replace_private(
    store: &dyn Store,
    adapter: &dyn Adapter,
    send: &PendingSend,
    attempts: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let undelivered = Undelivered {
        key: &send.key,
        platform: adapter.platform(),
        society: &send.society,
        action: &send.action,
    };
    match delivery::undeliverable(store, &undelivered, adapter.private_fallback(), now).await? {
        Some(replacement) => {
            // Queued before the row is closed: a crash in between decides again, and the
            // derived keys keep the replacements single.
            store.enqueue(&replacement.instead, now).await?;
            replacement.queued(store, now).await?;
            store.mark_failed(send.id, attempts, reason).await
        }
        None => give_up(store, &send.society, send.id, attempts, reason, now).await,
    }
}

async fn give_up(
    store: &dyn Store,
    society: &str,
    id: i64,
    attempts: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    store.mark_failed(id, attempts, reason).await?;
    store
        .admin_log(
            society,
            None,
            &format!("A message could not be delivered after {attempts} tries: {reason}"),
            now,
        )
        .await
}
