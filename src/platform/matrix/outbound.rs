//! Core actions performed on Matrix. Every send carries the outbox key as its transaction id,
//! so the homeserver drops a repeat after a crash or retry.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use matrix_sdk::attachment::AttachmentConfig;
use matrix_sdk::ruma::api::client::room::create_room::v3::{Request as CreateRoom, RoomPreset};
use matrix_sdk::ruma::api::error::{ErrorKind, RetryAfter};
use matrix_sdk::ruma::events::reaction::ReactionEventContent;
use matrix_sdk::ruma::events::relation::{Annotation, InReplyTo, Reply};
use matrix_sdk::ruma::events::room::encryption::RoomEncryptionEventContent;
use matrix_sdk::ruma::events::room::member::MembershipState;
use matrix_sdk::ruma::events::room::message::{
    Relation, ReplacementMetadata, RoomMessageEventContent, RoomMessageEventContentWithoutRelation,
};
use matrix_sdk::ruma::events::{InitialStateEvent, Mentions};
use matrix_sdk::ruma::{EventId, OwnedEventId, OwnedTransactionId, OwnedUserId, RoomId, UserId};
use matrix_sdk::{Client, Room};

use super::render::{CHOICE_KEYS, html};
use super::rooms::{self, PLATFORM, Rooms};
use crate::core::io::{Action, Message, UserRef};
use crate::core::store::MemoryStore;
use crate::platform::{Adapter, DeliveryError};

/// How long a send waits for a sync to bring a room Rounds is in but its store does not know
/// yet; a sync waits at most 30 seconds on the server.
const ROOM_SYNC_WAIT: std::time::Duration = std::time::Duration::from_secs(45);

pub struct MatrixAdapter {
    client: Client,
    store: Arc<dyn MemoryStore>,
    rooms: Arc<Rooms>,
}

impl MatrixAdapter {
    pub fn new(client: Client, store: Arc<dyn MemoryStore>, rooms: Arc<Rooms>) -> Self {
        MatrixAdapter {
            client,
            store,
            rooms,
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }
}

pub(super) fn delivery_error(error: matrix_sdk::Error) -> DeliveryError {
    match error.client_api_error_kind() {
        Some(ErrorKind::LimitExceeded(limit)) => {
            let retry_after = match &limit.retry_after {
                Some(RetryAfter::Delay(delay)) => chrono::Duration::from_std(*delay).ok(),
                Some(RetryAfter::DateTime(at)) => at
                    .duration_since(std::time::SystemTime::now())
                    .ok()
                    .and_then(|d| chrono::Duration::from_std(d).ok()),
                None => None,
            };
            DeliveryError::RateLimited {
                retry_after: retry_after.unwrap_or_else(|| chrono::Duration::seconds(5)),
            }
        }
        Some(ErrorKind::Forbidden) | Some(ErrorKind::NotFound) => {
            DeliveryError::Permanent(error.to_string())
        }
        _ => DeliveryError::Transient(error.to_string()),
    }
}

fn store_error(error: crate::core::error::StoreError) -> DeliveryError {
    DeliveryError::Transient(error.to_string())
}

/// The bot's `emoji` reaction on `event`, under the transaction id `key` + `part`: a retry
/// reacts once.
async fn react(
    room: &Room,
    event: OwnedEventId,
    emoji: &str,
    key: &str,
    part: &str,
) -> Result<(), DeliveryError> {
    room.send(ReactionEventContent::new(Annotation::new(
        event,
        emoji.to_string(),
    )))
    .with_transaction_id(txn(key, part))
    .await
    .map_err(delivery_error)?;
    Ok(())
}

fn txn(key: &str, part: &str) -> OwnedTransactionId {
    OwnedTransactionId::from(format!("{key}{part}"))
}

pub(super) fn content(message: &Message) -> RoomMessageEventContent {
    let mut text = message.text.clone();
    if !message.choices.is_empty() {
        let listed: Vec<String> = message
            .choices
            .iter()
            .zip(CHOICE_KEYS)
            .map(|(choice, key)| format!("{key} {}", choice.label))
            .collect();
        text.push_str(&format!("\nReact with {}", listed.join(" · ")));
    }
    let mut content =
        RoomMessageEventContent::notice_html(text.clone(), html(&text, &message.mentions));
    let users: Vec<OwnedUserId> = message
        .mentions
        .iter()
        .filter_map(|m| UserId::parse(&m.id).ok())
        .collect();
    // Intentional mentions name only the members the core named: `@room` typed in a member's
    // words (or anywhere) never pings the room, and Matrix has no setting that would allow it.
    content.mentions = Some(Mentions::with_user_ids(users));
    content
}

impl MatrixAdapter {
    fn room(&self, room: &str) -> Result<Room, DeliveryError> {
        let id = RoomId::parse(room)
            .map_err(|_| DeliveryError::Permanent(format!("{room} is not a Matrix room id")))?;
        self.client
            .get_room(&id)
            .ok_or_else(|| DeliveryError::Permanent(format!("Rounds is not in room {room}")))
    }

    /// Sends the message and, if it offers choices, seeds one reaction per choice and
    /// remembers which reaction means which choice.
    async fn send(
        &self,
        room: &Room,
        key: &str,
        message: &Message,
        reply_to: Option<&str>,
    ) -> Result<OwnedEventId, DeliveryError> {
        let mut content = content(message);
        if let Some(event) = reply_to.and_then(|id| EventId::parse(id).ok()) {
            content.relates_to = Some(Relation::Reply(Reply::new(InReplyTo::new(event))));
        }
        let sent = room
            .send(content)
            .with_transaction_id(txn(key, ""))
            .await
            .map_err(delivery_error)?;
        let event_id = sent.response.event_id;
        for (n, (choice, emoji)) in message.choices.iter().zip(CHOICE_KEYS).enumerate() {
            self.store
                .remember(
                    PLATFORM,
                    &format!("choice:{event_id}:{emoji}"),
                    &choice.id,
                    Utc::now(),
                )
                .await
                .map_err(store_error)?;
            react(room, event_id.clone(), emoji, key, &format!(":choice{n}")).await?;
        }
        if let Some(file) = &message.attachment {
            let mime: mime::Mime = file.mime.parse().unwrap_or(mime::APPLICATION_OCTET_STREAM);
            room.send_attachment(
                file.filename.clone(),
                &mime,
                file.content.clone().into_bytes(),
                AttachmentConfig::new().txn_id(txn(key, ":file")),
            )
            .await
            .map_err(delivery_error)?;
        }
        Ok(event_id)
    }

    /// Replaces the text of an announcement sent earlier under `topic` (an `m.replace` edit,
    /// which clients show in place of the original).
    async fn edit(&self, key: &str, topic: &str, message: &Message) -> Result<(), DeliveryError> {
        let Some(sent) = self
            .store
            .recall(PLATFORM, &format!("announce:{topic}"))
            .await
            .map_err(store_error)?
        else {
            tracing::debug!(%topic, "nothing announced under this topic; edit skipped");
            return Ok(());
        };
        let Some((room, event)) = sent.split_once(' ') else {
            return Ok(());
        };
        let room = self.room(room)?;
        let event = EventId::parse(event)
            .map_err(|_| DeliveryError::Permanent(format!("{event} is not an event id")))?;
        let mut replacement = content(message);
        replacement = RoomMessageEventContentWithoutRelation::from(replacement)
            .make_replacement(ReplacementMetadata::new(event, None));
        room.send(replacement)
            .with_transaction_id(txn(key, ""))
            .await
            .map_err(delivery_error)?;
        Ok(())
    }

    /// Invites a member to their group's room. Already there or invited: nothing to do.
    async fn join_group(
        &self,
        society: &str,
        user: &UserRef,
        group: &str,
    ) -> Result<(), DeliveryError> {
        let Some(room) = self.rooms.group_room(society, group) else {
            tracing::debug!(%society, %group, "the group has no Matrix room; nothing to join");
            return Ok(());
        };
        let room = self.room(room)?;
        let user_id = UserId::parse(&user.id)
            .map_err(|_| DeliveryError::Permanent(format!("{} is not a Matrix user", user.id)))?;
        let there = |membership: &MembershipState| {
            matches!(membership, MembershipState::Join | MembershipState::Invite)
        };
        if let Ok(Some(member)) = room.get_member_no_sync(&user_id).await
            && there(member.membership())
        {
            return Ok(());
        }
        match room.invite_user_by_id(&user_id).await {
            Ok(()) => Ok(()),
            Err(error) => {
                // Synapse refuses to invite a member who is already in; the local copy of
                // the room's members may have been behind.
                if let Ok(Some(member)) = room.get_member(&user_id).await
                    && there(member.membership())
                {
                    return Ok(());
                }
                Err(delivery_error(error))
            }
        }
    }

    /// The member's direct room with Rounds, created (encrypted) on first use.
    async fn direct_room(&self, user: &UserRef) -> Result<Room, DeliveryError> {
        let user_id = UserId::parse(&user.id)
            .map_err(|_| DeliveryError::Permanent(format!("{} is not a Matrix user", user.id)))?;
        if let Some(room) = self.client.get_dm_room(&user_id) {
            // A member who refused the invitation or left has closed this way to them; a
            // fresh invitation after each refusal would be spam.
            let left = room
                .get_member_no_sync(&user_id)
                .await
                .ok()
                .flatten()
                .is_some_and(|member| {
                    matches!(
                        member.membership(),
                        MembershipState::Leave | MembershipState::Ban
                    )
                });
            if left {
                return Err(DeliveryError::DirectClosed(format!(
                    "{} refused or left their direct room with Rounds",
                    user.id
                )));
            }
            return Ok(room);
        }
        self.client
            .create_dm(&user_id)
            .await
            .map_err(delivery_error)
    }

    /// An introduction room: direct, encrypted, the members invited. Remembered under the
    /// meeting's name (or the outbox key) so a retry or a later check-in posts into the same
    /// room instead of making another.
    ///
    /// The room is made carrying that name (`rooms::ORIGIN`), and the attempt is written down
    /// first: a retry after an attempt whose room was never written down (a crash, a lost
    /// answer) looks for the room the attempt made before making one, so no one is invited
    /// twice. Only such a retry looks, so the usual introduction costs no search.
    async fn introduction_room(
        &self,
        key: &str,
        meeting: Option<&str>,
        members: &[UserRef],
    ) -> Result<Room, DeliveryError> {
        let memory = format!("intro-room:{}", meeting.unwrap_or(key));
        if let Some(id) = self
            .store
            .recall(PLATFORM, &memory)
            .await
            .map_err(store_error)?
            && let Ok(room) = self.room(&id)
        {
            return Ok(room);
        }
        let invite: Vec<OwnedUserId> = members
            .iter()
            .filter_map(|m| UserId::parse(&m.id).ok())
            .collect();
        let attempt = format!("{memory}:asked");
        if self
            .store
            .recall(PLATFORM, &attempt)
            .await
            .map_err(store_error)?
            .is_some()
            && let Some(id) = rooms::made_for(&self.client, &memory)
                .await
                .map_err(delivery_error)?
        {
            tracing::info!(room = %id, "found the introduction room an earlier attempt made");
            let room = self.synced_room(&id).await?;
            // The attempt may have stopped before the room was listed as direct.
            if let Err(error) = self.client.account().mark_as_dm(&id, &invite).await {
                tracing::warn!(%error, room = %id, "cannot list the introduction room as direct");
            }
            self.store
                .remember(PLATFORM, &memory, id.as_str(), Utc::now())
                .await
                .map_err(store_error)?;
            return Ok(room);
        }
        self.store
            .remember(PLATFORM, &attempt, key, Utc::now())
            .await
            .map_err(store_error)?;
        let mut request = CreateRoom::new();
        request.invite = invite;
        request.is_direct = true;
        request.preset = Some(RoomPreset::TrustedPrivateChat);
        let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
        request.name = Some(format!("Rounds: {}", names.join(" & ")));
        request.initial_state = vec![
            InitialStateEvent::with_empty_state_key(
                RoomEncryptionEventContent::with_recommended_defaults(),
            )
            .to_raw_any(),
            rooms::origin_state(&memory)
                .map_err(|error| DeliveryError::Permanent(error.to_string()))?,
        ];
        let room = self
            .client
            .create_room(request)
            .await
            .map_err(delivery_error)?;
        crate::crash::point("matrix:room-created");
        self.store
            .remember(PLATFORM, &memory, room.room_id().as_str(), Utc::now())
            .await
            .map_err(store_error)?;
        Ok(room)
    }

    /// The room `id` once the local store has it: a room made just before a restart comes
    /// with the restart's first sync, which runs beside the sends.
    async fn synced_room(&self, id: &RoomId) -> Result<Room, DeliveryError> {
        if let Some(room) = self.client.get_room(id) {
            return Ok(room);
        }
        tokio::time::timeout(ROOM_SYNC_WAIT, self.client.await_room_remote_echo(id))
            .await
            .map_err(|_| {
                DeliveryError::Transient(format!("room {id} has not come with a sync yet"))
            })
    }
}

#[async_trait]
impl Adapter for MatrixAdapter {
    fn platform(&self) -> &'static str {
        PLATFORM
    }

    /// A homeserver limits a bot's messages per user, not per room (Synapse's `rc_message`),
    /// so a few rooms at once suffice for one slow room (a room being made, a key being
    /// shared) not to hold back the rest.
    fn parallel_sends(&self) -> usize {
        8
    }

    async fn perform(&self, key: &str, action: &Action) -> Result<(), DeliveryError> {
        match action {
            Action::Post { room, message } => {
                let room = self.room(room)?;
                self.send(&room, key, message, None).await.map(drop)
            }
            Action::Reply {
                room, to, message, ..
            } => {
                let room = self.room(room)?;
                self.send(&room, key, message, to.as_deref())
                    .await
                    .map(drop)
            }
            Action::Announce {
                society,
                fallback_room,
                message,
                topic,
            } => {
                let room = self.room(
                    self.rooms
                        .announcements_room(society)
                        .unwrap_or(fallback_room),
                )?;
                let event = self.send(&room, key, message, None).await?;
                if let Some(topic) = topic {
                    self.store
                        .remember(
                            PLATFORM,
                            &format!("announce:{topic}"),
                            &format!("{} {event}", room.room_id()),
                            Utc::now(),
                        )
                        .await
                        .map_err(store_error)?;
                }
                Ok(())
            }
            Action::Edit { topic, message, .. } => self.edit(key, topic, message).await,
            // Matrix has no shared calendar; members subscribe to the society's feed instead.
            Action::MirrorEvent { .. } => Ok(()),
            Action::Remind { user, message } => {
                let room = self.direct_room(user).await?;
                self.send(&room, key, message, None).await.map(drop)
            }
            Action::Introduce {
                members,
                message,
                meeting,
                ..
            } => {
                let room = self
                    .introduction_room(key, meeting.as_deref(), members)
                    .await?;
                self.send(&room, key, message, None).await.map(drop)
            }
            Action::React {
                room,
                message_id,
                emoji,
            } => {
                let room = self.room(room)?;
                let event = EventId::parse(message_id).map_err(|_| {
                    DeliveryError::Permanent(format!("{message_id} is not an event id"))
                })?;
                react(&room, event, emoji, key, "").await
            }
            Action::Celebrate {
                society,
                fallback_room,
                message,
                emoji,
            } => {
                let room = self.room(
                    self.rooms
                        .celebrations_room(society)
                        .unwrap_or(fallback_room),
                )?;
                // A retry resends with the same transaction id, so the homeserver answers
                // with the event it already has and the reaction lands on it (once).
                let event = self.send(&room, key, message, None).await?;
                if let Some(emoji) = emoji {
                    react(&room, event, emoji, key, ":react").await?;
                }
                Ok(())
            }
            Action::JoinGroup {
                society,
                user,
                group,
            } => self.join_group(society, user, group).await,
            Action::AdminLog { society, text, .. } => match self.rooms.admin_room(society) {
                Some(room) => {
                    let room = self.room(room)?;
                    let message = Message::text(format!("[admin log] {text}"));
                    self.send(&room, key, &message, None).await.map(drop)
                }
                None => {
                    tracing::warn!(%society, "committee log (no admin room configured): {text}");
                    Ok(())
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::io::UserRef;

    #[test]
    fn at_room_never_pings_even_in_an_announcement() {
        let message = Message::text("@room ⏰ Reminder from ana: bring coffee")
            .with_mentions(vec![UserRef {
                id: "@ana:example.org".into(),
                name: "ana".into(),
            }])
            .allowing_mass_mentions();
        let mentions = content(&message).mentions.unwrap();
        assert!(!mentions.room);
        assert_eq!(mentions.user_ids.len(), 1);
    }
}
