//! Matrix events in, core `Inbound` events out. No rule lives here: only translation and the
//! invitation policy the configuration states.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use matrix_sdk::event_handler::Ctx;
use matrix_sdk::ruma::api::client::membership::leave_room;
use matrix_sdk::ruma::events::reaction::OriginalSyncReactionEvent;
use matrix_sdk::ruma::events::room::member::{
    MembershipState, OriginalSyncRoomMemberEvent, StrippedRoomMemberEvent,
};
use matrix_sdk::ruma::events::room::message::{
    MessageFormat, MessageType, OriginalSyncRoomMessageEvent,
};
use matrix_sdk::ruma::events::room::redaction::{
    OriginalSyncRoomRedactionEvent, SyncRoomRedactionEvent,
};
use matrix_sdk::ruma::events::space::child::OriginalSyncSpaceChildEvent;
use matrix_sdk::ruma::events::{
    AnySyncMessageLikeEvent, AnySyncStateEvent, AnySyncTimelineEvent, SyncMessageLikeEvent,
    SyncStateEvent,
};
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{MilliSecondsSinceUnixEpoch, OwnedTransactionId, OwnedUserId, UserId};
use matrix_sdk::{Client, Room, RoomState};

use super::late_keys::LateKeys;
use super::outbound::{content, delivery_error};
use super::rooms::{DEFAULT_SOCIETY, PLATFORM, Rooms};
use crate::clock::Clock;
use crate::core::io::{Inbound, Message, Origin, UserRef};
use crate::crash;
use crate::platform::{DeliveryError, DirectReply};
use crate::runtime::Runtime;

/// Answers in the room an event came from, without the outbox. The transaction id comes from
/// the event's id, so a retry for the same event shows one answer.
struct InRoom {
    room: Room,
    txn: OwnedTransactionId,
}

impl InRoom {
    fn new(room: &Room, event_id: &str) -> InRoom {
        InRoom {
            room: room.clone(),
            txn: OwnedTransactionId::from(format!("direct:{event_id}")),
        }
    }
}

#[async_trait::async_trait]
impl DirectReply for InRoom {
    async fn say(&self, text: &str) -> Result<(), DeliveryError> {
        self.room
            .send(content(&Message::text(text)))
            .with_transaction_id(self.txn.clone())
            .await
            .map(|_| ())
            .map_err(delivery_error)
    }
}

/// What every handler needs; cloned into each call by matrix-sdk.
#[derive(Clone)]
pub struct Handlers {
    pub runtime: Arc<Runtime>,
    pub rooms: Arc<Rooms>,
    pub clock: Clock,
    pub own_user: OwnedUserId,
    pub late: LateKeys,
    /// Events handled beside the sync because their answer waits on another server.
    pub aside: Aside,
}

/// Commands whose answer waits on another server (a DOI lookup, up to its timeout), handled in
/// tasks of their own: matrix-sdk waits for every event handler before it syncs again, so on
/// the sync's path one slow lookup would hold back every room. A stop abandons them: such an
/// event is marked seen only with its answer, so the next start's catch-up reads it again.
#[derive(Clone, Default)]
pub struct Aside(Arc<std::sync::Mutex<tokio::task::JoinSet<()>>>);

impl Aside {
    fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        let mut tasks = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while tasks.try_join_next().is_some() {}
        tasks.spawn(task);
    }

    /// Cuts short what is still being handled aside, for a stop.
    pub fn abandon(&self) {
        let mut tasks = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !tasks.is_empty() {
            tracing::info!(
                events = tasks.len(),
                "abandoning commands still waiting on another server; the next start reads them again"
            );
        }
        tasks.abort_all();
    }
}

/// Where an event reached the handlers from. Each way ends in `Handlers::on_timeline`, so a
/// message is read the same whether sync, a restart's catch-up or a late room key brought it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Sync,
    CatchUp,
    LateKey,
}

pub fn register(client: &Client, handlers: Handlers) {
    client.add_event_handler_context(handlers);
    client.add_event_handler(
        |raw: Raw<AnySyncTimelineEvent>, room: Room, h: Ctx<Handlers>| async move {
            h.on_timeline(room, raw, Via::Sync).await;
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

/// Clients send a mention as a pill: the HTML links the member's matrix.to address and the
/// plain body holds only their display name. The core reads members from the plain text, so
/// each pill's name in `body` becomes the member's id (`@ana:example.org`), in order.
fn pills_to_ids(body: &str, html: &str) -> String {
    let html = match (html.find("<mx-reply>"), html.find("</mx-reply>")) {
        (Some(start), Some(end)) if start < end => {
            format!("{}{}", &html[..start], &html[end + "</mx-reply>".len()..])
        }
        _ => html.to_string(),
    };
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    let mut html = html.as_str();
    while let Some(open) = html.find("<a ") {
        let Some(tag_end) = html[open..].find('>').map(|at| open + at) else {
            break;
        };
        let Some(close) = html[tag_end..].find("</a>").map(|at| tag_end + at) else {
            break;
        };
        let user = href(&html[open..tag_end]).and_then(|link| {
            let target = link.strip_prefix("https://matrix.to/#/")?;
            let target =
                crate::core::doi::percent_decode(target.split('?').next().unwrap_or(target))?;
            UserId::parse(&target).ok()
        });
        let name = unescape(&strip_tags(&html[tag_end + 1..close]));
        html = &html[close + "</a>".len()..];
        let Some(user) = user else { continue };
        if name.is_empty() || name == user.as_str() {
            continue;
        }
        if let Some(at) = rest.find(&name) {
            out.push_str(&rest[..at]);
            out.push_str(user.as_str());
            rest = &rest[at + name.len()..];
        }
    }
    out.push_str(rest);
    out
}

/// The `href` attribute of an opening tag such as `<a href="…">`.
fn href(tag: &str) -> Option<String> {
    let at = tag.find("href=")? + "href=".len();
    let quoted = &tag[at..];
    let quote = quoted.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &quoted[1..];
    let end = value.find(quote)?;
    Some(unescape(&value[..end]))
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
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

    /// Where an event happened. A direct room belongs to no society: what is said there
    /// counts for the society whose rooms the sender shares with Rounds.
    async fn origin(
        &self,
        room: &Room,
        sender: &UserId,
        event_id: String,
        ts: MilliSecondsSinceUnixEpoch,
    ) -> Origin {
        let is_direct = room.is_direct().await.unwrap_or(false);
        let society = match self.rooms.configured_society(room.room_id()) {
            Some(society) => society,
            None if is_direct => self
                .rooms
                .society_of_member(&room.client(), sender)
                .await
                .unwrap_or_else(|| DEFAULT_SOCIETY.to_string()),
            None => DEFAULT_SOCIETY.to_string(),
        };
        Origin {
            platform: PLATFORM.to_string(),
            society,
            room: room.room_id().to_string(),
            message_id: Some(event_id),
            is_direct,
            sent_at: sent_at(ts),
            roles: Vec::new(),
        }
    }

    /// Queues the answer and says how many actions it has; if the store cannot take the event,
    /// the runtime has the member told in `room` (and logs why), so there is nothing left to
    /// do here either way.
    async fn receive(&self, inbound: Inbound, room: &Room, via: Via) -> usize {
        // Sync saved its token before handing this over: from here a crash loses the event
        // unless the next start's catch-up reads it again.
        if via == Via::Sync {
            crash::point("matrix:received");
        }
        if self.runtime.bot().looks_up(&inbound) {
            let (handlers, room) = (self.clone(), room.clone());
            self.aside.spawn(async move {
                handlers.answer(inbound, &room).await;
            });
            return 0;
        }
        self.answer(inbound, room).await
    }

    async fn answer(&self, inbound: Inbound, room: &Room) -> usize {
        let event_id = inbound.origin().message_id.clone().unwrap_or_default();
        let direct = InRoom::new(room, &event_id);
        self.runtime
            .receive_or_tell(&inbound, self.clock.now(), &direct)
            .await
            .unwrap_or(0)
    }

    /// The one way into Rounds for a room's timeline event, however it came; returns how many
    /// actions its answer has (0 for an event that needs none or was handled before).
    pub async fn on_timeline(&self, room: Room, raw: Raw<AnySyncTimelineEvent>, via: Via) -> usize {
        // Where Rounds' own time for a command starts (benches/anchor.rs pairs it with the
        // outbox's `send started`); the id is read only when debug is on for this target.
        tracing::debug!(
            event_id = %raw.get_field::<String>("event_id").ok().flatten().unwrap_or_default(),
            ?via,
            "timeline event reached the handler"
        );
        let event = match raw.deserialize() {
            Ok(event) => event,
            Err(error) => {
                tracing::debug!(%error, ?via, "a timeline event is unreadable; skipped");
                return 0;
            }
        };
        match event {
            AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomMessage(
                SyncMessageLikeEvent::Original(ev),
            )) => self.on_message(ev, room, via).await,
            AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::Reaction(
                SyncMessageLikeEvent::Original(ev),
            )) => self.on_reaction(ev, room, via).await,
            AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomRedaction(
                SyncRoomRedactionEvent::Original(ev),
            )) => self.on_redaction(ev, room, via).await,
            // An encrypted event comes as such only when it could not be decrypted; one a late
            // key failed to open stays where it waits.
            AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomEncrypted(
                SyncMessageLikeEvent::Original(ev),
            )) if via != Via::LateKey => {
                if ev.sender != self.own_user
                    && room.state() == RoomState::Joined
                    && let Some(sent) = sent_at(ev.origin_server_ts)
                {
                    self.late
                        .hold(&ev, sent, Raw::from_json(raw.into_json()), &room)
                        .await;
                }
                0
            }
            AnySyncTimelineEvent::State(AnySyncStateEvent::RoomMember(
                SyncStateEvent::Original(ev),
            )) => self.on_member(ev, room, via).await,
            _ => 0,
        }
    }

    async fn on_message(&self, ev: OriginalSyncRoomMessageEvent, room: Room, via: Via) -> usize {
        if ev.sender == self.own_user || room.state() != RoomState::Joined {
            return 0;
        }
        // Notices are what bots send; answering them would let two bots talk forever.
        let MessageType::Text(text) = &ev.content.msgtype else {
            return 0;
        };
        let body = strip_reply_fallback(&text.body);
        let text = match &text.formatted {
            Some(formatted) if formatted.format == MessageFormat::Html => {
                pills_to_ids(body, &formatted.body)
            }
            _ => body.to_string(),
        };
        let inbound = Inbound::Message {
            origin: self
                .origin(
                    &room,
                    &ev.sender,
                    ev.event_id.to_string(),
                    ev.origin_server_ts,
                )
                .await,
            sender: self.member(&room, &ev.sender).await,
            text,
        };
        self.receive(inbound, &room, via).await
    }

    async fn on_reaction(&self, ev: OriginalSyncReactionEvent, room: Room, via: Via) -> usize {
        if ev.sender == self.own_user {
            return 0;
        }
        let target = &ev.content.relates_to.event_id;
        let key = &ev.content.relates_to.key;
        let store = self.runtime.bot().store();
        let choice = match store
            .recall(PLATFORM, &format!("choice:{target}:{key}"))
            .await
        {
            Ok(Some(choice)) => choice,
            Ok(None) => return 0,
            Err(error) => {
                tracing::error!(%error, "cannot look up a reaction's choice");
                return 0;
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
                .origin(
                    &room,
                    &ev.sender,
                    ev.event_id.to_string(),
                    ev.origin_server_ts,
                )
                .await,
            sender: self.member(&room, &ev.sender).await,
            choice,
        };
        self.receive(inbound, &room, via).await
    }

    async fn on_redaction(
        &self,
        ev: OriginalSyncRoomRedactionEvent,
        room: Room,
        via: Via,
    ) -> usize {
        if ev.sender == self.own_user {
            return 0;
        }
        let Some(target) = ev.content.redacts.as_ref().or(ev.redacts.as_ref()) else {
            return 0;
        };
        let store = self.runtime.bot().store();
        let Ok(Some(choice)) = store.recall(PLATFORM, &format!("reaction:{target}")).await else {
            return 0;
        };
        let inbound = Inbound::Withdraw {
            origin: self
                .origin(
                    &room,
                    &ev.sender,
                    ev.event_id.to_string(),
                    ev.origin_server_ts,
                )
                .await,
            sender: self.member(&room, &ev.sender).await,
            choice,
        };
        self.receive(inbound, &room, via).await
    }

    /// A member joined a society's room or space: the core welcomes them (once). Profile
    /// changes of joined members, Rounds itself, and rooms no society claims are not joins.
    async fn on_member(&self, ev: OriginalSyncRoomMemberEvent, room: Room, via: Via) -> usize {
        if ev.state_key == self.own_user || ev.content.membership != MembershipState::Join {
            return 0;
        }
        if ev
            .prev_content()
            .is_some_and(|prev| prev.membership == MembershipState::Join)
        {
            return 0;
        }
        let Some(society) = self.rooms.configured_society(room.room_id()) else {
            return 0;
        };
        let at = sent_at(ev.origin_server_ts);
        let now = self.clock.now();
        if at.is_some_and(|at| now - at > self.runtime.bot().settings().catch_up) {
            tracing::debug!(room = %room.room_id(), "a join older than the catch-up window is not welcomed");
            return 0;
        }
        // The room's state as Rounds found it when it joined lists every earlier member;
        // those joins are history, not arrivals.
        if let Ok(Some(own)) = room.get_member_no_sync(&self.own_user).await
            && let Some(joined_at) = own.event().timestamp()
            && ev.origin_server_ts.0 <= joined_at
        {
            return 0;
        }
        let name = ev
            .content
            .displayname
            .clone()
            .filter(|name| !name.trim().is_empty())
            .unwrap_or_else(|| ev.state_key.localpart().to_string());
        let inbound = Inbound::Join {
            origin: Origin {
                platform: PLATFORM.to_string(),
                society,
                room: room.room_id().to_string(),
                message_id: Some(ev.event_id.to_string()),
                is_direct: false,
                sent_at: at,
                roles: Vec::new(),
            },
            sender: UserRef {
                id: ev.state_key.to_string(),
                name,
            },
        };
        self.receive(inbound, &room, via).await
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

/// Hands each message whose room key came late to the handler its kind has (from the moment
/// this is called); `None` without an encryption machine.
pub async fn watch_late_keys(
    client: &Client,
    handlers: Handlers,
) -> Option<tokio::task::JoinHandle<()>> {
    let late = handlers.late.clone();
    late.watch(client.clone(), move |room, raw| {
        let handlers = handlers.clone();
        async move {
            handlers.on_timeline(room, raw, Via::LateKey).await;
        }
    })
    .await
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

    #[test]
    fn pills_become_member_ids() {
        assert_eq!(
            pills_to_ids(
                "!shoutout Ana award Best teaching registrar",
                "!shoutout <a href=\"https://matrix.to/#/@ana:localhost\">Ana</a> award Best teaching registrar"
            ),
            "!shoutout @ana:localhost award Best teaching registrar"
        );
        // A reply quote, an encoded address, escaped and formatted names, and a room link.
        assert_eq!(
            pills_to_ids(
                "!followup Ben & Co in 1 week, see #ward and Ben & Co",
                "<mx-reply><a href=\"https://matrix.to/#/!r:x/$e\">In reply to</a></mx-reply>!followup <a href='https://matrix.to/#/%40ben%3Aexample.org?via=x'>Ben &amp; Co</a> in 1 week, see <a href=\"https://matrix.to/#/#ward:x\">#ward</a> and <a href=\"https://matrix.to/#/@ben2:example.org\"><b>Ben</b> &amp; Co</a>"
            ),
            "!followup @ben:example.org in 1 week, see #ward and @ben2:example.org"
        );
        assert_eq!(pills_to_ids("plain", "<b>plain</b>"), "plain");
        assert_eq!(
            pills_to_ids(
                "hi @ana:x",
                "hi <a href=\"https://matrix.to/#/@ana:x\">@ana:x</a>"
            ),
            "hi @ana:x"
        );
    }
}
