//! Encrypted messages whose room key arrives after them. Sync hands such a message over still
//! encrypted; it waits here until its key comes (another to-device message, often seconds or
//! minutes later) and then goes through the same handlers as any message, so the runtime's
//! deduplication by event id answers it once. Waiting is in memory: a restart forgets it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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

use super::inbound::{Handlers, sent_at};
use crate::telemetry::metrics;

/// More waiting messages than this means something is wrong with keys in general; the oldest
/// are given up rather than let memory grow.
const MOST_WAITING: usize = 10_000;

struct Held {
    event_id: OwnedEventId,
    sent: DateTime<Utc>,
    raw: Raw<OriginalSyncRoomEncryptedEvent>,
}

/// Messages waiting for a key, by the room and the Megolm session that would open them.
#[derive(Clone, Default)]
pub struct LateKeys {
    waiting: Arc<Mutex<HashMap<(OwnedRoomId, String), Vec<Held>>>>,
}

impl LateKeys {
    /// Keeps a message sync could not decrypt, until its key comes or the catch-up window
    /// closes on it.
    pub fn hold(
        &self,
        ev: &OriginalSyncRoomEncryptedEvent,
        raw: Raw<OriginalSyncRoomEncryptedEvent>,
        room: &Room,
        now: DateTime<Utc>,
        catch_up: chrono::Duration,
    ) {
        let EncryptedEventScheme::MegolmV1AesSha2(megolm) = &ev.content.scheme else {
            return;
        };
        let Some(sent) = sent_at(ev.origin_server_ts) else {
            return;
        };
        if now - sent > catch_up {
            return;
        }
        tracing::info!(room = %room.room_id(), event = %ev.event_id, sender = %ev.sender, "an encrypted message waits for its room key");
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        forget_expired(&mut waiting, now, catch_up);
        if waiting.values().map(Vec::len).sum::<usize>() >= MOST_WAITING
            && let Some(oldest) = waiting
                .iter()
                .filter_map(|(key, held)| held.iter().map(|h| h.sent).min().map(|at| (key, at)))
                .min_by_key(|(_, at)| *at)
                .map(|(key, _)| key.clone())
        {
            let given_up = waiting.remove(&oldest).map_or(0, |held| held.len());
            tracing::warn!(
                given_up,
                "too many encrypted messages wait for keys; the oldest are given up"
            );
            for _ in 0..given_up {
                metrics::late_decryption("given_up");
            }
        }
        waiting
            .entry((room.room_id().to_owned(), megolm.session_id.clone()))
            .or_default()
            .push(Held {
                event_id: ev.event_id.clone(),
                sent,
                raw,
            });
    }

    /// The messages a batch of new keys may open; every message when updates were missed.
    fn take(
        &self,
        keys: Option<Vec<(OwnedRoomId, String)>>,
    ) -> Vec<(OwnedRoomId, String, Vec<Held>)> {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        match keys {
            Some(keys) => keys
                .into_iter()
                .filter_map(|at| waiting.remove(&at).map(|held| (at.0, at.1, held)))
                .collect(),
            None => waiting
                .drain()
                .map(|((room, session), held)| (room, session, held))
                .collect(),
        }
    }

    fn put_back(&self, room: OwnedRoomId, session: String, held: Vec<Held>) {
        if held.is_empty() {
            return;
        }
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        waiting.entry((room, session)).or_default().extend(held);
    }
}

fn forget_expired(
    waiting: &mut HashMap<(OwnedRoomId, String), Vec<Held>>,
    now: DateTime<Utc>,
    catch_up: chrono::Duration,
) {
    waiting.retain(|_, held| {
        held.retain(|h| {
            let keep = now - h.sent <= catch_up;
            if !keep {
                tracing::info!(event = %h.event_id, "an encrypted message's key never came within the catch-up window");
                metrics::late_decryption("expired");
            }
            keep
        });
        !held.is_empty()
    });
}

/// Retries the waiting messages each time room keys arrive, until the client stops.
pub async fn watch(client: Client, handlers: Handlers) {
    let Some(keys) = client.encryption().room_keys_received_stream().await else {
        tracing::warn!("no encryption machine; messages sent before their keys stay unread");
        return;
    };
    let mut keys = std::pin::pin!(keys);
    while let Some(update) = keys.next().await {
        let batch = match update {
            Ok(keys) => handlers.late.take(Some(
                keys.into_iter()
                    .map(|key| (key.room_id, key.session_id))
                    .collect(),
            )),
            Err(missed) => {
                tracing::warn!(%missed, "room key updates were missed; retrying every waiting message");
                handlers.late.take(None)
            }
        };
        for (room_id, session, held) in batch {
            let Some(room) = client.get_room(&room_id) else {
                continue;
            };
            let mut still = Vec::new();
            for h in held {
                if !release(&handlers, &room, &h).await {
                    still.push(h);
                }
            }
            handlers.late.put_back(room_id, session, still);
        }
    }
}

/// Decrypts one waiting message and hands it to the handlers; false if it still cannot be read.
async fn release(handlers: &Handlers, room: &Room, held: &Held) -> bool {
    let now = handlers.clock.now();
    if now - held.sent > handlers.runtime.bot().settings().catch_up {
        tracing::info!(event = %held.event_id, "an encrypted message's key came after the catch-up window; not acted on");
        metrics::late_decryption("expired");
        return true;
    }
    let decrypted = match room.decrypt_event(&held.raw, None).await {
        Ok(event) if event.encryption_info().is_some() => event,
        Ok(_) => return false,
        Err(error) => {
            tracing::warn!(%error, event = %held.event_id, "retrying a decryption failed");
            return false;
        }
    };
    let waited = (now - held.sent).num_milliseconds();
    tracing::info!(room = %room.room_id(), event = %held.event_id, waited_ms = waited, "an encrypted message is read now that its room key has come");
    metrics::late_decryption("decrypted");
    match decrypted.raw().deserialize() {
        Ok(AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomMessage(
            SyncMessageLikeEvent::Original(ev),
        ))) => handlers.on_message(ev, room.clone()).await,
        Ok(AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::Reaction(
            SyncMessageLikeEvent::Original(ev),
        ))) => handlers.on_reaction(ev, room.clone()).await,
        Ok(_) => {}
        Err(error) => {
            tracing::warn!(%error, event = %held.event_id, "a late-decrypted event is unreadable");
        }
    }
    true
}
