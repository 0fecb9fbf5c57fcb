//! Which society a room belongs to, and whose invitations Rounds accepts.

use std::collections::HashMap;
use std::sync::RwLock;

use matrix_sdk::Client;
use matrix_sdk::deserialized_responses::SyncOrStrippedState;
use matrix_sdk::ruma::events::SyncStateEvent;
use matrix_sdk::ruma::events::room::member::MembershipState;
use matrix_sdk::ruma::events::space::child::SpaceChildEventContent;
use matrix_sdk::ruma::{RoomId, UserId};

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
}
