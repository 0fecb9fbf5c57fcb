//! Which society a room belongs to, whose invitations Rounds accepts, and which room Rounds
//! made for what.

use std::collections::HashMap;
use std::sync::RwLock;

use matrix_sdk::deserialized_responses::{RawAnySyncOrStrippedState, SyncOrStrippedState};
use matrix_sdk::ruma::api::client::membership::joined_rooms;
use matrix_sdk::ruma::api::client::state::get_state_events;
use matrix_sdk::ruma::api::error::ErrorKind;
use matrix_sdk::ruma::events::room::member::MembershipState;
use matrix_sdk::ruma::events::space::child::SpaceChildEventContent;
use matrix_sdk::ruma::events::{AnyInitialStateEvent, StateEventType, SyncStateEvent};
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{OwnedRoomId, RoomId, UserId};
use matrix_sdk::{Client, Room};
use serde::Deserialize;

use crate::config::MatrixLink;

/// How the core names this platform (origins, memory keys, idempotency keys).
pub const PLATFORM: &str = "matrix";

/// The key of the society for rooms no configuration claims.
pub const DEFAULT_SOCIETY: &str = "default";

pub struct Rooms {
    links: Vec<MatrixLink>,
    own_server: String,
    /// room id → society key, from configured rooms and the children of configured spaces.
    by_room: RwLock<HashMap<String, String>>,
}

impl Rooms {
    pub fn new(links: Vec<MatrixLink>, own_user: &UserId) -> Rooms {
        let mut by_room = HashMap::new();
        for link in &links {
            for room in link
                .rooms
                .iter()
                .chain(link.space.iter())
                .chain(link.admin_room.iter())
            {
                by_room.insert(room.clone(), link.society.clone());
            }
        }
        Rooms {
            links,
            own_server: own_user.server_name().to_string(),
            by_room: RwLock::new(by_room),
        }
    }

    pub fn society_of(&self, room: &RoomId) -> String {
        self.configured_society(room)
            .unwrap_or_else(|| DEFAULT_SOCIETY.to_string())
    }

    /// The society a configured room (or a child of a configured space) belongs to; None for
    /// rooms no configuration claims, such as direct rooms.
    pub fn configured_society(&self, room: &RoomId) -> Option<String> {
        self.by_room
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(room.as_str())
            .cloned()
    }

    fn link(&self, society: &str) -> Option<&MatrixLink> {
        self.links.iter().find(|l| l.society == society)
    }

    pub fn announcements_room(&self, society: &str) -> Option<&str> {
        self.link(society).and_then(|l| l.announcements.as_deref())
    }

    pub fn celebrations_room(&self, society: &str) -> Option<&str> {
        self.link(society).and_then(|l| l.celebrations.as_deref())
    }

    /// The room a society's group invites its members to.
    pub fn group_room(&self, society: &str, group: &str) -> Option<&str> {
        self.link(society)
            .and_then(|l| l.group_rooms.get(group))
            .map(String::as_str)
    }

    /// The society of a direct room's member: a direct room belongs to no society, so what is
    /// said there counts for the first configured society (in configuration order) one of
    /// whose rooms the member has joined. None if they share none with Rounds.
    pub async fn society_of_member(&self, client: &Client, user: &UserId) -> Option<String> {
        let by_room: Vec<(String, String)> = self
            .by_room
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(room, society)| (room.clone(), society.clone()))
            .collect();
        for link in &self.links {
            for (room, _) in by_room.iter().filter(|(_, s)| *s == link.society) {
                let Some(room) = RoomId::parse(room).ok().and_then(|id| client.get_room(&id))
                else {
                    continue;
                };
                if let Ok(Some(member)) = room.get_member_no_sync(user).await
                    && *member.membership() == MembershipState::Join
                {
                    return Some(link.society.clone());
                }
            }
        }
        None
    }

    pub fn admin_room(&self, society: &str) -> Option<&str> {
        self.link(society).and_then(|l| l.admin_room.as_deref())
    }

    /// Users on Rounds' own homeserver, or on a server a society lists, may invite it.
    pub fn may_invite(&self, inviter: &UserId) -> bool {
        let server = inviter.server_name().as_str();
        server == self.own_server
            || self
                .links
                .iter()
                .any(|l| l.allowed_servers.iter().any(|s| s == server))
    }

    /// A configured space listed a child room (or stopped listing it: empty `via`).
    pub fn space_child(&self, space: &RoomId, child: &RoomId, listed: bool) {
        let Some(link) = self
            .links
            .iter()
            .find(|l| l.space.as_deref() == Some(space.as_str()))
        else {
            return;
        };
        let mut by_room = self.by_room.write().unwrap_or_else(|e| e.into_inner());
        if listed {
            by_room.insert(child.to_string(), link.society.clone());
        } else if by_room.get(child.as_str()) == Some(&link.society) {
            by_room.remove(child.as_str());
        }
    }

    /// Reads each configured space's children from the local store: a society's space is
    /// where its groups' rooms are listed.
    pub async fn refresh_spaces(&self, client: &Client) {
        for link in &self.links {
            let Some(space_id) = link.space.as_deref().and_then(|s| RoomId::parse(s).ok()) else {
                continue;
            };
            let Some(space) = client.get_room(&space_id) else {
                continue;
            };
            let events = match space
                .get_state_events_static::<SpaceChildEventContent>()
                .await
            {
                Ok(events) => events,
                Err(error) => {
                    tracing::warn!(%error, space = %space_id, "cannot read the space's rooms");
                    continue;
                }
            };
            let mut children = Vec::new();
            for raw in events {
                match raw.deserialize() {
                    Ok(SyncOrStrippedState::Sync(SyncStateEvent::Original(ev)))
                        if !ev.content.via.is_empty() =>
                    {
                        children.push(ev.state_key.to_string())
                    }
                    Ok(SyncOrStrippedState::Stripped(ev))
                        if ev.content.via.as_ref().is_some_and(|via| !via.is_empty()) =>
                    {
                        children.push(ev.state_key.to_string())
                    }
                    _ => {}
                }
            }
            let mut by_room = self.by_room.write().unwrap_or_else(|e| e.into_inner());
            for child in children {
                by_room.insert(child, link.society.clone());
            }
        }
    }
}

/// The state event a room Rounds makes carries, naming what it was made for. A state event, so
/// that the homeserver and Rounds' own store keep it with the room. State is not encrypted: it
/// holds the meeting's name (at most the Matrix id of a member of the room), never their words.
pub const ORIGIN: &str = "org.rounds.origin";

#[derive(Deserialize)]
struct Origin {
    #[serde(rename = "type")]
    kind: String,
    state_key: String,
    sender: String,
    content: OriginContent,
}

#[derive(Deserialize)]
struct OriginContent {
    key: String,
}

/// The initial state that marks a room as made for `key`.
pub fn origin_state(key: &str) -> serde_json::Result<Raw<AnyInitialStateEvent>> {
    let event = serde_json::json!({ "type": ORIGIN, "state_key": "", "content": { "key": key } });
    serde_json::value::to_raw_value(&event).map(Raw::from_json)
}

/// Whether `event` (a whole state event, as JSON) marks its room as made by `maker` for `key`.
/// Anyone may put such an event into a room of their own and invite Rounds, so the sender
/// must be Rounds itself.
fn marks(event: &str, maker: &UserId, key: &str) -> bool {
    serde_json::from_str::<Origin>(event).is_ok_and(|origin| {
        origin.kind == ORIGIN
            && origin.state_key.is_empty()
            && origin.sender == maker.as_str()
            && origin.content.key == key
    })
}

/// The room Rounds is in that it made for `key`, if any: a creation whose answer was lost (a
/// crash, a dropped connection) still made its room, and a retry should use that one.
///
/// The homeserver says which rooms Rounds is in. A room the local store has synced is read
/// there; one it has not (made since the last sync, which after a restart may not have run
/// yet) is asked of the homeserver.
pub async fn made_for(client: &Client, key: &str) -> matrix_sdk::Result<Option<OwnedRoomId>> {
    let Some(own) = client.user_id().map(|id| id.to_owned()) else {
        return Ok(None);
    };
    let joined = client
        .send(joined_rooms::v3::Request::new())
        .await?
        .joined_rooms;
    for id in joined {
        // The local store answers for a synced room that holds the mark; one that does not may
        // have been stored before its state arrived (a crash right after the room was made,
        // with a sync under way), so the homeserver has the last word.
        let synced = client
            .get_room(&id)
            .filter(|room| room.is_state_fully_synced());
        let found = match synced {
            Some(room) if marked_in_store(&room, &own, key).await? => true,
            _ => marked_on_server(client, &id, &own, key).await?,
        };
        if found {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

async fn marked_in_store(room: &Room, maker: &UserId, key: &str) -> matrix_sdk::Result<bool> {
    let Some(raw) = room
        .get_state_event(StateEventType::from(ORIGIN), "")
        .await?
    else {
        return Ok(false);
    };
    let json = match &raw {
        RawAnySyncOrStrippedState::Sync(raw) => raw.json().get(),
        RawAnySyncOrStrippedState::Stripped(raw) => raw.json().get(),
    };
    Ok(marks(json, maker, key))
}

async fn marked_on_server(
    client: &Client,
    room: &RoomId,
    maker: &UserId,
    key: &str,
) -> matrix_sdk::Result<bool> {
    match client
        .send(get_state_events::v3::Request::new(room.to_owned()))
        .await
    {
        Ok(state) => Ok(state
            .room_state
            .iter()
            .any(|raw| marks(raw.json().get(), maker, key))),
        // A room whose state Rounds may not read is not one it made.
        Err(error)
            if matches!(
                error.client_api_error_kind(),
                Some(ErrorKind::Forbidden | ErrorKind::NotFound)
            ) =>
        {
            Ok(false)
        }
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use matrix_sdk::ruma::{room_id, user_id};

    #[test]
    fn invites_and_societies() {
        let rooms = Rooms::new(
            vec![MatrixLink {
                society: "ams".into(),
                space: None,
                rooms: vec!["!general:hospital.org".into()],
                admin_room: Some("!committee:hospital.org".into()),
                announcements: Some("!news:hospital.org".into()),
                celebrations: Some("!party:hospital.org".into()),
                group_rooms: [("interns".to_string(), "!interns:hospital.org".to_string())].into(),
                allowed_servers: vec!["partner.org".into()],
            }],
            user_id!("@rounds:hospital.org"),
        );
        assert_eq!(rooms.announcements_room("ams"), Some("!news:hospital.org"));
        assert_eq!(rooms.announcements_room("other"), None);
        assert!(rooms.may_invite(user_id!("@ana:hospital.org")));
        assert!(rooms.may_invite(user_id!("@ben:partner.org")));
        assert!(!rooms.may_invite(user_id!("@mallory:elsewhere.example")));
        assert_eq!(rooms.society_of(room_id!("!general:hospital.org")), "ams");
        assert_eq!(
            rooms.society_of(room_id!("!other:hospital.org")),
            DEFAULT_SOCIETY
        );
        assert_eq!(rooms.admin_room("ams"), Some("!committee:hospital.org"));
        assert_eq!(rooms.celebrations_room("ams"), Some("!party:hospital.org"));
        assert_eq!(rooms.celebrations_room("other"), None);
        assert_eq!(
            rooms.group_room("ams", "interns"),
            Some("!interns:hospital.org")
        );
        assert_eq!(rooms.group_room("ams", "surgeons"), None);
        assert_eq!(
            rooms.configured_society(room_id!("!general:hospital.org")),
            Some("ams".to_string())
        );
        assert_eq!(
            rooms.configured_society(room_id!("!other:hospital.org")),
            None
        );
    }

    #[test]
    fn a_room_is_marked_made_for_a_key_only_by_rounds_itself() {
        let initial = origin_state("intro-room:coffee-group:7").unwrap();
        let mut event: serde_json::Value = serde_json::from_str(initial.json().get()).unwrap();
        event["sender"] = "@rounds:hospital.org".into();
        let by = |sender: &str| {
            let mut event = event.clone();
            event["sender"] = sender.into();
            event.to_string()
        };
        let rounds = user_id!("@rounds:hospital.org");
        assert!(marks(
            &by("@rounds:hospital.org"),
            rounds,
            "intro-room:coffee-group:7"
        ));
        assert!(!marks(
            &by("@rounds:hospital.org"),
            rounds,
            "intro-room:coffee-group:8"
        ));
        assert!(!marks(
            &by("@mallory:hospital.org"),
            rounds,
            "intro-room:coffee-group:7"
        ));
        let mut other = event.clone();
        other["type"] = "m.room.topic".into();
        assert!(!marks(
            &other.to_string(),
            rounds,
            "intro-room:coffee-group:7"
        ));
    }
}
