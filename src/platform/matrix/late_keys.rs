//! Encrypted messages whose room key arrives after them. Sync hands such a message over still
//! encrypted; it waits here until its key comes (another to-device message, often seconds or
//! minutes later) and then goes through the same handlers as any message, so the runtime's
//! deduplication by event id answers it once. The waiting list is kept in the store's
//! platform memory too: the sync token has moved past these messages, so after a restart
//! nothing else would bring them back.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use matrix_sdk::ruma::events::room::encrypted::{
    EncryptedEventScheme, OriginalSyncRoomEncryptedEvent,
};
use matrix_sdk::ruma::events::{
    AnySyncMessageLikeEvent, AnySyncTimelineEvent, SyncMessageLikeEvent,
};
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId};
use matrix_sdk::{Client, Room};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::inbound::{Handlers, sent_at};
use super::rooms::PLATFORM;
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
#[derive(Clone, Default)]
pub struct LateKeys {
    waiting: Arc<Mutex<Vec<Held>>>,
}

impl LateKeys {
    /// Takes back what an earlier run saved, before any sync.
    pub async fn load(&self, handlers: &Handlers) {
        let store = handlers.runtime.bot().store();
        let saved = match store.recall(PLATFORM, SAVED_AS).await {
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
        forget_expired(&mut waiting, handlers);
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
        handlers: &Handlers,
        ev: &OriginalSyncRoomEncryptedEvent,
        raw: Raw<OriginalSyncRoomEncryptedEvent>,
        room: &Room,
    ) {
        let EncryptedEventScheme::MegolmV1AesSha2(megolm) = &ev.content.scheme else {
            return;
        };
        let Some(sent) = sent_at(ev.origin_server_ts) else {
            return;
        };
        if handlers.clock.now() - sent > handlers.runtime.bot().settings().catch_up {
            return;
        }
        tracing::info!(room = %room.room_id(), event = %ev.event_id, sender = %ev.sender, "an encrypted message waits for its room key");
        let mut waiting = self.waiting.lock().await;
        forget_expired(&mut waiting, handlers);
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
        save(&waiting, handlers).await;
    }
}

fn forget_expired(waiting: &mut Vec<Held>, handlers: &Handlers) {
    let now = handlers.clock.now();
    let catch_up = handlers.runtime.bot().settings().catch_up;
    waiting.retain(|held| {
        let keep = now - held.sent <= catch_up;
        if !keep {
            tracing::info!(event = %held.event_id, "an encrypted message's key did not come within the catch-up window; not acted on");
            metrics::late_decryption("expired");
        }
        keep
    });
}

async fn save(waiting: &[Held], handlers: &Handlers) {
    let saved = match serde_json::to_string(waiting) {
        Ok(saved) => saved,
        Err(error) => {
            tracing::warn!(%error, "cannot write down the encrypted messages that wait for keys");
            return;
        }
    };
    if let Err(error) = handlers
        .runtime
        .bot()
        .store()
        .remember(PLATFORM, SAVED_AS, &saved, handlers.clock.now())
        .await
    {
        tracing::warn!(%error, "cannot save the encrypted messages that wait for keys; a restart forgets them");
    }
}

/// Listens for room keys from now on and retries the waiting messages each time some arrive,
/// in a task of its own; `None` without an encryption machine.
pub async fn watch(client: Client, handlers: Handlers) -> Option<tokio::task::JoinHandle<()>> {
    let keys = client.encryption().room_keys_received_stream().await?;
    Some(tokio::spawn(async move {
        let mut keys = std::pin::pin!(keys);
        // A key saved before a stop may not have been tried yet.
        retry(&client, &handlers, None).await;
        while let Some(update) = keys.next().await {
            match update {
                Ok(keys) => {
                    let sessions = keys
                        .into_iter()
                        .map(|key| (key.room_id, key.session_id))
                        .collect();
                    retry(&client, &handlers, Some(sessions)).await;
                }
                Err(missed) => {
                    tracing::warn!(%missed, "room key updates were missed; retrying every waiting message");
                    retry(&client, &handlers, None).await;
                }
            }
        }
    }))
}

/// Retries the messages of the given sessions (all of them for `None`).
async fn retry(
    client: &Client,
    handlers: &Handlers,
    sessions: Option<HashSet<(OwnedRoomId, String)>>,
) {
    let mut waiting = handlers.late.waiting.lock().await;
    if waiting.is_empty() {
        return;
    }
    forget_expired(&mut waiting, handlers);
    let before = waiting.len();
    let mut still = Vec::with_capacity(waiting.len());
    for held in waiting.drain(..) {
        let opens = sessions
            .as_ref()
            .is_none_or(|s| s.contains(&(held.room.clone(), held.session.clone())));
        if !opens || !release(client, handlers, &held).await {
            still.push(held);
        }
    }
    *waiting = still;
    if waiting.len() != before {
        save(&waiting, handlers).await;
    }
}

/// Decrypts one waiting message and hands it to the handlers; false if it still cannot be read.
async fn release(client: &Client, handlers: &Handlers, held: &Held) -> bool {
    let Some(room) = client.get_room(&held.room) else {
        return false;
    };
    let decrypted = match room.decrypt_event(&held.raw, None).await {
        Ok(event) if event.encryption_info().is_some() => event,
        Ok(_) => return false,
        Err(error) => {
            tracing::warn!(%error, event = %held.event_id, "retrying a decryption failed");
            return false;
        }
    };
    let waited = (handlers.clock.now() - held.sent).num_milliseconds();
    tracing::info!(room = %held.room, event = %held.event_id, waited_ms = waited, "an encrypted message is read now that its room key has come");
    metrics::late_decryption("decrypted");
    match decrypted.raw().deserialize() {
        Ok(AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomMessage(
            SyncMessageLikeEvent::Original(ev),
        ))) => handlers.on_message(ev, room).await,
        Ok(AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::Reaction(
            SyncMessageLikeEvent::Original(ev),
        ))) => handlers.on_reaction(ev, room).await,
        Ok(_) => {}
        Err(error) => {
            tracing::warn!(%error, event = %held.event_id, "a late-decrypted event is unreadable");
        }
    }
    true
}
