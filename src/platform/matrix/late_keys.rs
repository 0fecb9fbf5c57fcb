//! Encrypted messages whose room key arrives after them. Sync hands such a message over still
//! encrypted; it waits here until its key comes (another to-device message, often seconds or
//! minutes later) and then goes through the same handlers as any message, so the runtime's
//! deduplication by event id answers it once. The waiting list is kept in the store's
//! platform memory too: the sync token has moved past these messages, so after a restart
//! nothing else would bring them back.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt;
use matrix_sdk::ruma::events::AnySyncTimelineEvent;
use matrix_sdk::ruma::events::room::encrypted::{
    EncryptedEventScheme, OriginalSyncRoomEncryptedEvent,
};
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId};
use matrix_sdk::{Client, Room};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::rooms::PLATFORM;
use crate::clock::Clock;
use crate::core::store::MemoryStore;
use crate::telemetry::metrics;

/// More waiting messages than this means something is wrong with keys in general; the oldest
/// are given up rather than let the saved list grow (each is rewritten on every change).
const MOST_WAITING: usize = 500;
/// Where the waiting list is saved in platform memory.
const SAVED_AS: &str = "late-keys:waiting";

#[derive(Serialize, Deserialize)]
struct Held {
    room: OwnedRoomId,
    /// The Megolm session whose key would open it.
    session: String,
    event_id: OwnedEventId,
    sent: DateTime<Utc>,
    raw: Raw<OriginalSyncRoomEncryptedEvent>,
}

/// Messages waiting for a key. One lock over the list and its saved copy, so two changes
/// never save out of order.
#[derive(Clone)]
pub struct LateKeys {
    waiting: Arc<Mutex<Vec<Held>>>,
    store: Arc<dyn MemoryStore>,
    clock: Clock,
    /// Past this age a message is not acted on, as everywhere else.
    catch_up: Duration,
}

impl LateKeys {
    pub fn new(store: Arc<dyn MemoryStore>, clock: Clock, catch_up: Duration) -> LateKeys {
        LateKeys {
            waiting: Arc::default(),
            store,
            clock,
            catch_up,
        }
    }

    /// Takes back what an earlier run saved, before any sync.
    pub async fn load(&self) {
        let saved = match self.store.recall(PLATFORM, SAVED_AS).await {
            Ok(Some(saved)) => saved,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, "cannot read the encrypted messages that wait for keys");
                return;
            }
        };
        let held: Vec<Held> = match serde_json::from_str(&saved) {
            Ok(held) => held,
            Err(error) => {
                tracing::warn!(%error, "the saved encrypted messages that wait for keys are unreadable; dropped");
                Vec::new()
            }
        };
        let mut waiting = self.waiting.lock().await;
        *waiting = held;
        self.forget_expired(&mut waiting);
        if !waiting.is_empty() {
            tracing::info!(
                waiting = waiting.len(),
                "encrypted messages still wait for their room keys"
            );
        }
    }

    /// Keeps a message sync could not decrypt, until its key comes or the catch-up window
    /// closes on it.
    pub async fn hold(
        &self,
        ev: &OriginalSyncRoomEncryptedEvent,
        sent: DateTime<Utc>,
        raw: Raw<OriginalSyncRoomEncryptedEvent>,
        room: &Room,
    ) {
        let EncryptedEventScheme::MegolmV1AesSha2(megolm) = &ev.content.scheme else {
            return;
        };
        if self.clock.now() - sent > self.catch_up {
            return;
        }
        let mut waiting = self.waiting.lock().await;
        // A restart's catch-up reads again what sync brought, waiting ones included.
        if waiting.iter().any(|held| held.event_id == ev.event_id) {
            return;
        }
        tracing::info!(room = %room.room_id(), event = %ev.event_id, sender = %ev.sender, "an encrypted message waits for its room key");
        self.forget_expired(&mut waiting);
        if waiting.len() >= MOST_WAITING {
            tracing::warn!("too many encrypted messages wait for keys; the oldest is given up");
            metrics::late_decryption("given_up");
            waiting.sort_by_key(|held| held.sent);
            waiting.remove(0);
        }
        waiting.push(Held {
            room: room.room_id().to_owned(),
            session: megolm.session_id.clone(),
            event_id: ev.event_id.clone(),
            sent,
            raw,
        });
        self.save(&waiting).await;
    }

    fn forget_expired(&self, waiting: &mut Vec<Held>) {
        let now = self.clock.now();
        waiting.retain(|held| {
            let keep = now - held.sent <= self.catch_up;
            if !keep {
                tracing::info!(event = %held.event_id, "an encrypted message's key did not come within the catch-up window; not acted on");
                metrics::late_decryption("expired");
            }
            keep
        });
    }

    async fn save(&self, waiting: &[Held]) {
        let saved = match serde_json::to_string(waiting) {
            Ok(saved) => saved,
            Err(error) => {
                tracing::warn!(%error, "cannot write down the encrypted messages that wait for keys");
                return;
            }
        };
        if let Err(error) = self
            .store
            .remember(PLATFORM, SAVED_AS, &saved, self.clock.now())
            .await
        {
            tracing::warn!(%error, "cannot save the encrypted messages that wait for keys; a restart forgets them");
        }
    }

    /// Listens for room keys from now on and, in a task of its own, hands each waiting message
    /// a new key opens to `handle`; `None` without an encryption machine.
    pub async fn watch<F, Fut>(
        self,
        client: Client,
        handle: F,
    ) -> Option<tokio::task::JoinHandle<()>>
    where
        F: Fn(Room, Raw<AnySyncTimelineEvent>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send,
    {
        let keys = client.encryption().room_keys_received_stream().await?;
        Some(tokio::spawn(async move {
            let mut keys = std::pin::pin!(keys);
            // A key saved before a stop may not have been tried yet.
            self.retry(&client, None, &handle).await;
            while let Some(update) = keys.next().await {
                match update {
                    Ok(keys) => {
                        let sessions = keys
                            .into_iter()
                            .map(|key| (key.room_id, key.session_id))
                            .collect();
                        self.retry(&client, Some(sessions), &handle).await;
                    }
                    Err(missed) => {
                        tracing::warn!(%missed, "room key updates were missed; retrying every waiting message");
                        self.retry(&client, None, &handle).await;
                    }
                }
            }
        }))
    }

    /// Retries the messages of the given sessions (all of them for `None`).
    async fn retry<F, Fut>(
        &self,
        client: &Client,
        sessions: Option<HashSet<(OwnedRoomId, String)>>,
        handle: &F,
    ) where
        F: Fn(Room, Raw<AnySyncTimelineEvent>) -> Fut,
        Fut: Future<Output = ()>,
    {
        let mut waiting = self.waiting.lock().await;
        if waiting.is_empty() {
            return;
        }
        self.forget_expired(&mut waiting);
        let before = waiting.len();
        let mut still = Vec::with_capacity(waiting.len());
        for held in waiting.drain(..) {
            let opens = sessions
                .as_ref()
                .is_none_or(|s| s.contains(&(held.room.clone(), held.session.clone())));
            match opens.then(|| client.get_room(&held.room)).flatten() {
                Some(room) => match self.open(&room, &held).await {
                    Some(event) => handle(room, event).await,
                    None => still.push(held),
                },
                None => still.push(held),
            }
        }
        *waiting = still;
        if waiting.len() != before {
            self.save(&waiting).await;
        }
    }

    /// The decrypted event, if its key is here now.
    async fn open(&self, room: &Room, held: &Held) -> Option<Raw<AnySyncTimelineEvent>> {
        let decrypted = match room.decrypt_event(&held.raw, None).await {
            Ok(event) if event.encryption_info().is_some() => event,
            Ok(_) => return None,
            Err(error) => {
                tracing::warn!(%error, event = %held.event_id, "retrying a decryption failed");
                return None;
            }
        };
        let waited = (self.clock.now() - held.sent).num_milliseconds();
        tracing::info!(room = %held.room, event = %held.event_id, waited_ms = waited, "an encrypted message is read now that its room key has come");
        metrics::late_decryption("decrypted");
        Some(decrypted.raw().clone())
    }
}
