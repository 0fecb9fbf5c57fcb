//! Sending what the outbox holds, through an adapter, with retries under the same key.
//!
//! A row is marked sent only after the adapter confirms. A crash in between leaves it pending;
//! it is sent again with the same idempotency key, which the platform uses to drop the repeat
//! (Matrix transaction ids, Discord nonces with `enforce_nonce`), but only while the platform
//! still remembers the key (`Adapter::dedup_window`): later, it is reported to the committee
//! instead, and a send whose tries keep dying with the process is quarantined.
//!
//! Sends to different lanes (rooms, members) run side by side, up to the adapter's bound;
//! sends to one lane go in order. A row is claimed only when it is about to be sent, and its
//! lease is renewed (by its owner only) just before it is sent and while it is being sent, so
//! a slow platform never lets another process take a row this one is still sending; an
//! outcome is written only by the lease's holder.

use chrono::{DateTime, Duration, Utc};
use futures_util::future::OptionFuture;
use futures_util::stream::{FuturesUnordered, StreamExt};

use crate::core::delivery::{self, Undelivered};
use crate::core::doubt::{self, Doubt};
use crate::core::error::StoreError;
use crate::core::store::{PendingSend, Store};
use crate::crash;
use crate::platform::{Adapter, DeliveryError};
use crate::telemetry::{self, Delivery};

/// How long a send's lease lasts. It is renewed just before the send and while it is in
/// flight; after a crash the next process (on PostgreSQL) waits it out.
pub const SEND_LEASE: Duration = Duration::seconds(30);
/// A claim of sends, in progress.
type Claim<'a> = std::pin::Pin<
    Box<dyn std::future::Future<Output = Result<Vec<PendingSend>, StoreError>> + Send + 'a>,
>;

/// How often a sender with free slots looks for new sends while others are in flight.
const LOOK_AGAIN: std::time::Duration = std::time::Duration::from_millis(200);
/// Tries before a send is given up and reported.
pub const MAX_ATTEMPTS: i64 = 8;
/// Tries cut off without an outcome before a send is quarantined (see `core::doubt`).
pub use crate::core::doubt::QUARANTINE_AFTER;

pub fn backoff(attempts: i64) -> Duration {
    Duration::seconds(1 << attempts.clamp(0, 9)).min(Duration::minutes(10))
}

/// How a sender holds its rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Leasing {
    pub lease: Duration,
}

impl Default for Leasing {
    fn default() -> Self {
        Leasing { lease: SEND_LEASE }
    }
}

/// Sends everything ready for `adapter`'s platform at `now`. Returns how many were delivered.
pub async fn deliver(
    store: &dyn Store,
    adapter: &dyn Adapter,
    owner: &str,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    deliver_until(store, adapter, owner, &|| now, Leasing::default(), &|| {
        false
    })
    .await
}

/// `deliver`, reading the time from `clock` before each claim and each send, and asking
/// `stopping` before each claim and each send, returning once it says yes and the sends in
/// flight have finished. A send in flight always finishes and is recorded (a send cut off
/// halfway might be shown and then repeated).
///
/// Up to `Adapter::parallel_sends` sends are in flight at once. The store offers only the
/// first pending send of each lane (`Action::lane`), so those in flight are to different rooms
/// or members, and a lane's next send is claimed only once the one before it has its outcome:
/// one slow room holds back no other, and no room sees its messages out of order. Only what is
/// about to be sent is claimed: a lease covers a send in flight, never one waiting its turn.
pub async fn deliver_until(
    store: &dyn Store,
    adapter: &dyn Adapter,
    owner: &str,
    clock: &(dyn Fn() -> DateTime<Utc> + Sync),
    leasing: Leasing,
    stopping: &(dyn Fn() -> bool + Sync),
) -> Result<usize, StoreError> {
    let width = adapter.parallel_sends().max(1);
    let mut in_flight = FuturesUnordered::new();
    // The claim runs beside the sends, never instead of them: a send may hold the store's only
    // connection, or SQLite's write lock, halfway through a transaction, and must go on.
    let mut claiming: Option<Claim<'_>> = None;
    let mut delivered = 0;
    let mut failed = None;
    // Whether the last claim found nothing: no point asking again until a send finishes and
    // its lane's next send becomes the first, or a while has passed.
    let mut drained = false;
    loop {
        let free = width.saturating_sub(in_flight.len());
        if claiming.is_none() && free > 0 && !drained && failed.is_none() && !stopping() {
            let now = clock();
            claiming = Some(store.claim_outbox(
                adapter.platform(),
                now,
                owner,
                now + leasing.lease,
                free as i64,
            ));
        }
        if claiming.is_none() && in_flight.is_empty() {
            break;
        }
        // While sends are in flight and slots are free, look again now and then: what is
        // queued meanwhile (a member's answer) must not wait for the slowest send to finish.
        let look_again =
            claiming.is_none() && free > 0 && drained && failed.is_none() && !stopping();
        tokio::select! {
            Some(claimed) = OptionFuture::from(claiming.as_mut()) => {
                claiming = None;
                match claimed {
                    Ok(batch) => {
                        drained = batch.is_empty();
                        for send in batch {
                            in_flight.push(async move {
                                if stopping() {
                                    // Claimed but not begun: its lease is handed back by the
                                    // stop (`QueueStore::release_leases`), or runs out.
                                    return Ok(false);
                                }
                                send_one(store, adapter, owner, clock, leasing, &send).await
                            });
                        }
                    }
                    Err(error) => {
                        failed = Some(error);
                    }
                }
            }
            Some(finished) = in_flight.next() => {
                drained = false;
                match finished {
                    Ok(sent) => delivered += usize::from(sent),
                    Err(error) => {
                        tracing::error!(%error, platform = adapter.platform(), "a send's outcome could not be written");
                        failed.get_or_insert(error);
                    }
                }
            }
            _ = tokio::time::sleep(LOOK_AGAIN), if look_again => drained = false,
            else => break,
        }
    }
    match failed {
        Some(error) => Err(error),
        None => Ok(delivered),
    }
}

/// Sends one claimed row, unless it is no longer this owner's or its cut-off tries forbid it.
/// True if it was delivered.
async fn send_one(
    store: &dyn Store,
    adapter: &dyn Adapter,
    owner: &str,
    clock: &(dyn Fn() -> DateTime<Utc> + Sync),
    leasing: Leasing,
    send: &PendingSend,
) -> Result<bool, StoreError> {
    let (key, platform) = (send.key.as_str(), adapter.platform());
    let now = clock();
    if let Some(doubt) = doubt::in_doubt(send, adapter.dedup_window(), now) {
        report_doubt(store, adapter, owner, send, doubt, now).await?;
        return Ok(false);
    }
    // Renewed, and the try counted as started, before the platform is asked: the claim may be
    // a batch ago, and a try that dies from here on is known to be in doubt.
    if !store
        .start_send(send.id, owner, now, now + leasing.lease)
        .await?
    {
        tracing::info!(key, platform, "another sender holds this row now; skipped");
        return Ok(false);
    }
    crash::point("outbox:started");
    tracing::debug!(key, platform, "send started");
    let result = performing(store, adapter, owner, clock, leasing, send).await;
    crash::point("outbox:performed");
    let now = clock();
    let attempts = send.attempts + 1;
    let recorded = match result {
        Ok(()) => {
            telemetry::delivery(key, platform, Delivery::Sent, attempts, None);
            if store.mark_sent(send.id, owner, now).await? {
                return Ok(true);
            }
            false
        }
        Err(DeliveryError::DirectClosed(reason)) => {
            let reason = format!("direct messages closed: {reason}");
            telemetry::delivery(key, platform, Delivery::Failed, attempts, Some(&reason));
            replace_private(store, adapter, owner, send, attempts, &reason, now).await?
        }
        Err(DeliveryError::Permanent(reason)) => {
            telemetry::delivery(key, platform, Delivery::Failed, attempts, Some(&reason));
            give_up(store, owner, send, attempts, &reason, now).await?
        }
        Err(error) if attempts >= MAX_ATTEMPTS => {
            let reason = error.to_string();
            telemetry::delivery(key, platform, Delivery::Failed, attempts, Some(&reason));
            give_up(store, owner, send, attempts, &reason, now).await?
        }
        Err(error) => {
            let wait = match &error {
                DeliveryError::RateLimited { retry_after } => *retry_after,
                _ => backoff(attempts),
            };
            let reason = error.to_string();
            telemetry::delivery(key, platform, Delivery::Retry, attempts, Some(&reason));
            store
                .mark_retry(send.id, owner, attempts, now + wait, &reason)
                .await?
        }
    };
    if !recorded {
        tracing::warn!(
            key,
            platform,
            "a send's outcome was not recorded: its lease had passed to another sender"
        );
    }
    Ok(false)
}

/// Performs `send`, renewing its lease while the platform takes its time (a rate limit waited
/// out, a direct room made first), so that no other sender takes a row still being sent.
async fn performing(
    store: &dyn Store,
    adapter: &dyn Adapter,
    owner: &str,
    clock: &(dyn Fn() -> DateTime<Utc> + Sync),
    leasing: Leasing,
    send: &PendingSend,
) -> Result<(), DeliveryError> {
    let every = (leasing.lease / 3)
        .to_std()
        .unwrap_or(std::time::Duration::from_secs(1))
        .max(std::time::Duration::from_millis(100));
    let heartbeat = async {
        loop {
            tokio::time::sleep(every).await;
            match store
                .renew_send(send.id, owner, clock() + leasing.lease)
                .await
            {
                Ok(true) => {}
                // Lost (the lease ran out under a stalled process) or not renewable now: the
                // send goes on; its outcome is written only if the row is still ours.
                Ok(false) => tracing::warn!(key = %send.key, "a send in progress lost its lease"),
                Err(error) => {
                    tracing::warn!(%error, key = %send.key, "a send's lease could not be renewed")
                }
            }
        }
    };
    tokio::select! {
        result = adapter.perform(&send.key, &send.action) => result,
        never = heartbeat => never,
    }
}

/// Closes a send whose cut-off tries forbid another, and tells the committee plainly.
async fn report_doubt(
    store: &dyn Store,
    adapter: &dyn Adapter,
    owner: &str,
    send: &PendingSend,
    doubt: Doubt,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (key, platform) = (send.key.as_str(), adapter.platform());
    let (reason, text) = doubt::report(send, doubt);
    telemetry::delivery(key, platform, Delivery::Failed, send.attempts, Some(reason));
    if !store
        .mark_failed(send.id, owner, send.attempts, reason)
        .await?
    {
        tracing::warn!(key, platform, reason, "another sender holds this row now");
        return Ok(());
    }
    let member = send.action.concerned_member();
    store
        .admin_log(&send.society, member.as_deref(), &text, now)
        .await
}

/// A private message the member's closed direct messages refused: the core says what goes
/// instead, and it is queued like any action. What has no replacement is reported.
async fn replace_private(
    store: &dyn Store,
    adapter: &dyn Adapter,
    owner: &str,
    send: &PendingSend,
    attempts: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
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
            store.mark_failed(send.id, owner, attempts, reason).await
        }
        None => give_up(store, owner, send, attempts, reason, now).await,
    }
}

/// Closes a send that will not be tried again and tells the committee, unless the row has
/// passed to another sender (false): its outcome is theirs to report.
async fn give_up(
    store: &dyn Store,
    owner: &str,
    send: &PendingSend,
    attempts: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    if !store.mark_failed(send.id, owner, attempts, reason).await? {
        return Ok(false);
    }
    store
        .admin_log(
            &send.society,
            None,
            &format!("A message could not be delivered after {attempts} tries: {reason}"),
            now,
        )
        .await?;
    Ok(true)
}
