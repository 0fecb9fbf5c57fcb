//! Reading each room's recent timeline again when Rounds starts, for what a crash cut off.
//!
//! matrix-sdk saves a sync's token before it runs the handlers on that sync's events, so a
//! process killed while a handler runs never gets that event from sync again. The runtime
//! marks an event seen in the same unit of work as its answer, so every event read again here
//! that was handled before is dropped by that mark, and one that was cut off is answered once.

use futures_util::StreamExt;
use matrix_sdk::room::MessagesOptions;
use matrix_sdk::ruma::events::AnySyncTimelineEvent;
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{MilliSecondsSinceUnixEpoch, UInt, UserId};
use matrix_sdk::{Client, Room};
use tokio::sync::watch;

use super::inbound::{Handlers, Via};

/// The most events read back per room: enough for what a crash can cut off (one sync's worth),
/// few enough that a start in many rooms stays quick.
const MOST_EVENTS: u32 = 50;
/// Rooms whose timelines are fetched at once; their events are handled one room at a time.
const ROOMS_AT_ONCE: usize = 4;

/// What one catch-up did, for its log line and the tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaughtUp {
    pub rooms: usize,
    pub replayed: usize,
    pub answered: usize,
}

/// Runs the recent events of every joined room, oldest first, through the handlers sync uses.
/// Stops between events once `shutdown` turns true.
pub async fn catch_up(
    client: &Client,
    handlers: &Handlers,
    shutdown: &watch::Receiver<bool>,
) -> CaughtUp {
    let oldest = handlers.clock.now() - handlers.runtime.bot().settings().catch_up;
    let oldest = MilliSecondsSinceUnixEpoch(
        UInt::try_from(oldest.timestamp_millis().max(0)).unwrap_or_default(),
    );
    let own = handlers.own_user.clone();
    let mut fetches = futures_util::stream::iter(client.joined_rooms())
        .map(|room| {
            let own = own.clone();
            async move {
                let recent = recent(&room, &own, oldest).await;
                (room, recent)
            }
        })
        .buffer_unordered(ROOMS_AT_ONCE);
    let mut done = CaughtUp::default();
    'rooms: while let Some((room, recent)) = fetches.next().await {
        let events = match recent {
            Ok(events) => events,
            Err(error) => {
                tracing::warn!(room = %room.room_id(), %error, "cannot read a room's recent events to catch up; what a crash cut off there stays unanswered");
                continue;
            }
        };
        done.rooms += 1;
        for event in events {
            if *shutdown.borrow() {
                break 'rooms;
            }
            done.replayed += 1;
            if handlers
                .on_timeline(room.clone(), event, Via::CatchUp)
                .await
                > 0
            {
                done.answered += 1;
            }
        }
    }
    tracing::info!(
        rooms = done.rooms,
        replayed = done.replayed,
        answered = done.answered,
        "caught up with the Matrix rooms' recent events"
    );
    done
}

/// The room's last events by others, no older than `oldest`, oldest first. Encrypted ones come
/// decrypted when their keys are here, and still encrypted otherwise (the handlers hold those
/// for their keys, as they do those from sync).
async fn recent(
    room: &Room,
    own: &UserId,
    oldest: MilliSecondsSinceUnixEpoch,
) -> matrix_sdk::Result<Vec<Raw<AnySyncTimelineEvent>>> {
    let mut options = MessagesOptions::backward();
    options.limit = UInt::from(MOST_EVENTS);
    options.filter.not_senders = vec![own.to_owned()];
    let messages = room.messages(options).await?;
    let mut events: Vec<Raw<AnySyncTimelineEvent>> = messages
        .chunk
        .into_iter()
        .filter(|event| event.sender().is_none_or(|sender| sender != own))
        .map(|event| event.into_raw())
        .filter(|raw| {
            raw.get_field::<MilliSecondsSinceUnixEpoch>("origin_server_ts")
                .ok()
                .flatten()
                .is_some_and(|sent| sent >= oldest)
        })
        .collect();
    // The server answers newest first.
    events.reverse();
    Ok(events)
}
