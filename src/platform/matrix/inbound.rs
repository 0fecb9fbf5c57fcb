//! Matrix events in, core `Inbound` events out. No rule lives here: only translation and the
//! invitation policy the configuration states.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use matrix_sdk::event_handler::Ctx;
use matrix_sdk::ruma::api::client::membership::leave_room;
use matrix_sdk::ruma::events::reaction::OriginalSyncReactionEvent;
use matrix_sdk::ruma::events::room::member::{MembershipState, StrippedRoomMemberEvent};
use matrix_sdk::ruma::events::room::message::{MessageType, OriginalSyncRoomMessageEvent};
use matrix_sdk::ruma::events::room::redaction::OriginalSyncRoomRedactionEvent;
use matrix_sdk::ruma::events::space::child::OriginalSyncSpaceChildEvent;
use matrix_sdk::ruma::{MilliSecondsSinceUnixEpoch, OwnedUserId, UserId};
use matrix_sdk::{Client, Room, RoomState};

use super::PLATFORM;
use super::rooms::Rooms;
use crate::clock::Clock;
use crate::core::io::{Inbound, Origin, UserRef};
use crate::runtime::Runtime;

/// What every handler needs; cloned into each call by matrix-sdk.
#[derive(Clone)]
pub struct Handlers {
    pub runtime: Arc<Runtime>,
    pub rooms: Arc<Rooms>,
    pub clock: Clock,
    pub own_user: OwnedUserId,
}

pub fn register(client: &Client, handlers: Handlers) {
    client.add_event_handler_context(handlers);
    client.add_event_handler(
        |ev: OriginalSyncRoomMessageEvent, room: Room, h: Ctx<Handlers>| async move {
            h.on_message(ev, room).await
        },
    );
    client.add_event_handler(
        |ev: OriginalSyncReactionEvent, room: Room, h: Ctx<Handlers>| async move {
            h.on_reaction(ev, room).await
        },
    );
    client.add_event_handler(
        |ev: OriginalSyncRoomRedactionEvent, room: Room, h: Ctx<Handlers>| async move {
            h.on_redaction(ev, room).await
        },
    );
    client.add_event_handler(
        |ev: StrippedRoomMemberEvent, room: Room, h: Ctx<Handlers>| async move {
            h.on_invite(ev, room).await
        },
    );
    client.add_event_handler(
        |ev: OriginalSyncSpaceChildEvent, room: Room, h: Ctx<Handlers>| async move {
            h.rooms
                .space_child(room.room_id(), &ev.state_key, !ev.content.via.is_empty());
        },
    );
}

fn sent_at(ts: MilliSecondsSinceUnixEpoch) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(i64::from(ts.0))
}

/// Drops a quoted reply fallback ("> <@x> …" lines) that some clients still prepend.
fn strip_reply_fallback(body: &str) -> &str {
    if !body.starts_with("> ") {
        return body;
    }
    match body.find("\n\n") {
        Some(at) => &body[at + 2..],
        None => body,
    }
}

impl Handlers {
    async fn member(&self, room: &Room, user: &UserId) -> UserRef {
        let name = match room.get_member_no_sync(user).await {
            Ok(Some(member)) => member
                .display_name()
                .map(str::to_string)
                .unwrap_or_else(|| user.localpart().to_string()),
            _ => user.localpart().to_string(),
        };
        UserRef {
            id: user.to_string(),
            name,
        }
    }

    async fn origin(
        &self,
        room: &Room,
        event_id: String,
        ts: MilliSecondsSinceUnixEpoch,
    ) -> Origin {
        Origin {
            platform: PLATFORM.to_string(),
            society: self.rooms.society_of(room.room_id()),
            room: room.room_id().to_string(),
            message_id: Some(event_id),
            is_direct: room.is_direct().await.unwrap_or(false),
            sent_at: sent_at(ts),
            roles: Vec::new(),
        }
    }

    async fn receive(&self, inbound: Inbound) {
        if let Err(error) = self.runtime.receive(&inbound, self.clock.now()).await {
            tracing::error!(%error, "could not handle a Matrix event");
        }
    }

    async fn on_message(&self, ev: OriginalSyncRoomMessageEvent, room: Room) {
        if ev.sender == self.own_user || room.state() != RoomState::Joined {
            return;
        }
        // Notices are what bots send; answering them would let two bots talk forever.
        let MessageType::Text(text) = &ev.content.msgtype else {
            return;
        };
        let inbound = Inbound::Message {
            origin: self
                .origin(&room, ev.event_id.to_string(), ev.origin_server_ts)
                .await,
            sender: self.member(&room, &ev.sender).await,
            text: strip_reply_fallback(&text.body).to_string(),
        };
        self.receive(inbound).await;
    }

    async fn on_reaction(&self, ev: OriginalSyncReactionEvent, room: Room) {
        if ev.sender == self.own_user {
            return;
        }
        let target = &ev.content.relates_to.event_id;
        let key = &ev.content.relates_to.key;
        let store = self.runtime.bot().store();
        let choice = match store
            .recall(PLATFORM, &format!("choice:{target}:{key}"))
            .await
        {
            Ok(Some(choice)) => choice,
            Ok(None) => return,
            Err(error) => {
                tracing::error!(%error, "cannot look up a reaction's choice");
                return;
            }
        };
        // Remembered so that redacting this reaction withdraws the choice.
        if let Err(error) = store
            .remember(
                PLATFORM,
                &format!("reaction:{}", ev.event_id),
                &choice,
                self.clock.now(),
            )
            .await
        {
            tracing::error!(%error, "cannot remember a reaction");
        }
        let inbound = Inbound::Choice {
            origin: self
                .origin(&room, ev.event_id.to_string(), ev.origin_server_ts)
                .await,
            sender: self.member(&room, &ev.sender).await,
            choice,
        };
        self.receive(inbound).await;
    }

    async fn on_redaction(&self, ev: OriginalSyncRoomRedactionEvent, room: Room) {
        if ev.sender == self.own_user {
            return;
        }
        let Some(target) = ev.content.redacts.as_ref().or(ev.redacts.as_ref()) else {
            return;
        };
        let store = self.runtime.bot().store();
        let Ok(Some(choice)) = store.recall(PLATFORM, &format!("reaction:{target}")).await else {
            return;
        };
        let inbound = Inbound::Withdraw {
            origin: self
                .origin(&room, ev.event_id.to_string(), ev.origin_server_ts)
                .await,
            sender: self.member(&room, &ev.sender).await,
            choice,
        };
        self.receive(inbound).await;
    }

    async fn on_invite(&self, ev: StrippedRoomMemberEvent, room: Room) {
        if ev.state_key != self.own_user || ev.content.membership != MembershipState::Invite {
            return;
        }
        let rooms = self.rooms.clone();
        // Joining waits on the homeserver; the sync loop must not.
        tokio::spawn(async move { answer_invite(&rooms, room, &ev.sender).await });
    }
}

/// Accepts or politely declines one invitation.
pub async fn answer_invite(rooms: &Rooms, room: Room, inviter: &UserId) {
    if room.state() != RoomState::Invited {
        return;
    }
    if !rooms.may_invite(inviter) {
        tracing::info!(room = %room.room_id(), %inviter, "declining an invitation from another server");
        let mut request = leave_room::v3::Request::new(room.room_id().to_owned());
        request.reason = Some(
            "Rounds only joins rooms of the societies it serves; ask your society's committee to add your server."
                .to_string(),
        );
        if let Err(error) = room.client().send(request).await {
            tracing::warn!(%error, "declining the invitation failed");
        }
        return;
    }
    // Synapse sometimes refuses a join that follows an invite too closely; try a few times.
    let mut wait = std::time::Duration::from_millis(200);
    for _ in 0..6 {
        match room.join().await {
            Ok(()) => {
                tracing::info!(room = %room.room_id(), "joined on invitation");
                return;
            }
            Err(error) => {
                tracing::warn!(%error, "joining failed; retrying");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
        }
    }
}

/// Invitations that arrived while Rounds was down or before its first sync.
pub async fn answer_pending_invites(client: &Client, rooms: &Rooms) {
    for room in client.invited_rooms() {
        match room.invite_details().await {
            Ok(invite) => answer_invite(rooms, room, &invite.inviter_id).await,
            Err(error) => tracing::warn!(%error, "cannot read an invitation"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_fallback_is_dropped() {
        assert_eq!(
            strip_reply_fallback("> <@a:b> hi\n> there\n\n!help"),
            "!help"
        );
        assert_eq!(strip_reply_fallback("!help"), "!help");
    }
}
