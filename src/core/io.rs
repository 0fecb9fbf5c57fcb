//! What flows into the core (`Inbound`) and out of it (`Action`).
//!
//! These types are platform-neutral: a room id is whatever string the adapter uses to find
//! the room again (a Matrix room id, a Discord channel id, `#general` in the shell).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A member as an adapter identifies them: a stable platform id and a display name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserRef {
    pub id: String,
    pub name: String,
}

/// Where an inbound event happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// Which adapter the event came through (`shell`, `matrix`, `discord`); actions go back the same way.
    pub platform: String,
    /// The society's key in the configuration.
    pub society: String,
    pub room: String,
    /// The platform's id for the message, when it has one; replies thread onto it and it
    /// deduplicates an event delivered twice.
    pub message_id: Option<String>,
    pub is_direct: bool,
    /// When the member sent it, if the platform says. An event that reaches Rounds late
    /// (it was offline) is answered with a late label, or not acted on past the catch-up window.
    #[serde(default)]
    pub sent_at: Option<DateTime<Utc>>,
    /// The sender's platform roles (Discord role ids), for the core's committee check.
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Inbound {
    /// A text message (a slash command arrives here too, already rendered as text).
    Message {
        origin: Origin,
        sender: UserRef,
        text: String,
    },
    /// A member picked one of the choices the bot offered (button, reaction, numbered reply).
    Choice {
        origin: Origin,
        sender: UserRef,
        choice: String,
    },
    /// A member took a choice back (removed their reaction).
    Withdraw {
        origin: Origin,
        sender: UserRef,
        choice: String,
    },
    /// A member joined the society (a Discord guild, a Matrix space or society room, `/join`
    /// in the shell). `origin.room` is where they joined.
    Join { origin: Origin, sender: UserRef },
}

impl Inbound {
    pub fn origin(&self) -> &Origin {
        match self {
            Inbound::Message { origin, .. }
            | Inbound::Choice { origin, .. }
            | Inbound::Withdraw { origin, .. }
            | Inbound::Join { origin, .. } => origin,
        }
    }

    pub fn sender(&self) -> &UserRef {
        match self {
            Inbound::Message { sender, .. }
            | Inbound::Choice { sender, .. }
            | Inbound::Withdraw { sender, .. }
            | Inbound::Join { sender, .. } => sender,
        }
    }
}

/// One option a member can pick: a button on Discord, a reaction on Matrix, a number in the shell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// Opaque to adapters; comes back verbatim in `Inbound::Choice`.
    pub id: String,
    pub label: String,
}

/// The question a choice answers. Each member answers an offer once (a second tap, or a
/// reaction beside a button, changes nothing) unless the offer is changeable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    /// The same for every choice of one question: `coffee:12` for `coffee:12:met` and
    /// `coffee:12:no`.
    pub key: String,
    /// An RSVP: members change their answer as plans change.
    pub changeable: bool,
}

impl Choice {
    /// The offer a choice id belongs to. Ids are read here, in one place, so no feature can
    /// make a choice that escapes the once rule: an id of an unknown shape is an offer of its
    /// own, answered once.
    pub fn offer_of(id: &str) -> Offer {
        let parts: Vec<&str> = id.split(':').collect();
        let (key, changeable) = match parts.as_slice() {
            ["event", ..] => (id.to_string(), true),
            // `shoutout:approve:7` and `shoutout:decline:7` answer the one question about S7.
            ["shoutout", _verb, shoutout] => (format!("shoutout:{shoutout}"), false),
            // After "planned", the offered reminder is a question of its own.
            ["coffee", _, "remind"] => (id.to_string(), false),
            ["coffee", _, _] | ["onboard", _, _] | ["forget", _] => {
                (parts[..parts.len() - 1].join(":"), false)
            }
            // A single-choice offer (the one-tap follow-up) or an unknown one.
            _ => (id.to_string(), false),
        };
        Offer { key, changeable }
    }
}

/// What the bot says. `text` is plain text with `backticks` for commands; adapters may render it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// Members the text names and who should be notified (pills on Matrix, `<@id>` on Discord).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<UserRef>,
    /// A file sent with the text (an .ics calendar, a CSV export).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<Attachment>,
    /// Whether `@everyone`, `@here`, `@room` and role mentions in the text may ping. Only an
    /// organiser's or the committee's own announcement sets it; text that carries a member's
    /// words never does, so a member cannot borrow the bot to ping the whole society. The
    /// adapter pings only if this and the society's configuration both allow it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mass_mentions: bool,
    /// Instants the text names in the society's or the member's zone. A platform that shows
    /// each reader their own time (Discord) puts it in place of the zone text; the others keep
    /// the text. Rows queued before it was kept have none and read as plain text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub times: Vec<Stamp>,
}

/// An instant as a message's text shows it (`Thu 10 Dec 12:30 AEDT`), noted by
/// `time_format::stamping`, with the instant itself for platforms that localise it per reader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub text: String,
    pub at: DateTime<Utc>,
}

impl std::fmt::Display for Stamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A small text file: adapters upload it (Matrix, Discord) or print it (the shell).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub filename: String,
    /// A MIME type such as `text/calendar`.
    pub mime: String,
    pub content: String,
}

impl Message {
    pub fn text(text: impl Into<String>) -> Self {
        Message {
            text: text.into(),
            ..Message::default()
        }
    }

    pub fn with_choices(mut self, choices: Vec<Choice>) -> Self {
        self.choices = choices;
        self
    }

    pub fn with_mentions(mut self, mentions: Vec<UserRef>) -> Self {
        self.mentions = mentions;
        self
    }

    /// Names the instants the text shows (see `Message::times`).
    pub fn with_times(mut self, times: impl IntoIterator<Item = Stamp>) -> Self {
        self.times.extend(times);
        self
    }

    /// Marks an organiser's or the committee's announcement, whose mass mentions may ping.
    pub fn allowing_mass_mentions(mut self) -> Self {
        self.mass_mentions = true;
        self
    }

    pub fn with_attachment(
        mut self,
        filename: impl Into<String>,
        mime: impl Into<String>,
        content: impl Into<String>,
    ) -> Self {
        self.attachment = Some(Attachment {
            filename: filename.into(),
            mime: mime.into(),
            content: content.into(),
        });
        self
    }
}

/// An event as a platform's own calendar shows it (Discord's Scheduled Events).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorEntry {
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: Option<String>,
    pub description: String,
    /// The series this entry belongs to. A platform whose calendar repeats one entry
    /// (Discord's recurring Scheduled Events) keeps the whole series under the series' topic
    /// when it can express the rule, and then leaves each date's own entry out; otherwise each
    /// date is an entry of its own. None in rows queued before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<MirrorSeries>,
}

/// How a mirrored series repeats, for a platform calendar that repeats an entry itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorSeries {
    /// The series' own topic (`series:3`): the whole series' entry is mirrored under it.
    pub topic: String,
    /// The rule as `core::when::Rule::to_text`, computed in `zone`.
    pub rule: String,
    /// The IANA zone the rule's wall-clock times are in.
    pub zone: String,
    /// Dates still ahead that the series leaves out (skipped or cancelled): exceptions to the
    /// rule. Only the series' own entry lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<DateTime<Utc>>,
}

/// An intent. Each adapter decides how to carry it out on its platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// A new message in a room.
    Post { room: String, message: Message },
    /// An answer to an inbound message, in the same room. `private` answers are ephemeral
    /// where the platform has them (Discord) because they concern the asker alone.
    Reply {
        room: String,
        to: Option<String>,
        private: bool,
        message: Message,
        /// The member who is answered: the choices in `message` are theirs to make, even in a
        /// shared room (the shell gives them their numbers). None in rows queued before it was kept.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        asker: Option<String>,
    },
    /// A post in the society's announcements room (events), or in `fallback_room` where the
    /// platform has none configured.
    Announce {
        society: String,
        fallback_room: String,
        message: Message,
        /// A stable name (`event:12`) under which the adapter remembers the post, so an
        /// `Edit` with the same topic can change it later.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        topic: Option<String>,
    },
    /// Replace the text of the announcement posted under `topic` (live RSVP counts, an edited
    /// event). Nothing happens if that announcement was never delivered.
    Edit {
        society: String,
        topic: String,
        message: Message,
    },
    /// Mirror an event into the platform's own calendar where it has one (Discord's Scheduled
    /// Events) and the society enabled it; `entry: None` removes the mirror. Other platforms
    /// ignore it. Stored under its first name, `calendar`, so queued rows stay readable.
    #[serde(rename = "calendar")]
    MirrorEvent {
        society: String,
        topic: String,
        entry: Option<MirrorEntry>,
    },
    /// A post in the society's celebrations room (or `fallback_room` where the platform has
    /// none configured), which the bot then reacts to with `emoji` when one is given.
    Celebrate {
        society: String,
        fallback_room: String,
        message: Message,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        emoji: Option<String>,
    },
    /// Put a member in one of the society's groups: the group's role on Discord, an invitation
    /// to its room on Matrix. Groups with no platform mapping are left alone.
    JoinGroup {
        society: String,
        user: UserRef,
        group: String,
    },
    /// A private message to one member.
    Remind { user: UserRef, message: Message },
    /// Bring members together privately (a thread on Discord, a direct room on Matrix).
    Introduce {
        /// Whose introduction it is: Discord makes the thread in that society's pairing channel.
        society: String,
        members: Vec<UserRef>,
        message: Message,
        /// A stable name for the meeting (a coffee group): later messages with the same name go
        /// to the room or thread the first one made. None: a new one per message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        meeting: Option<String>,
    },
    /// React to a message with an emoji.
    React {
        room: String,
        message_id: String,
        emoji: String,
    },
    /// Something the society's committee must know (a missed job, a failed delivery).
    /// `about` names the member concerned, so their erasure removes the entry too.
    AdminLog {
        society: String,
        about: Option<String>,
        text: String,
    },
}

impl Action {
    /// The message the action carries, if it carries one.
    pub fn message_mut(&mut self) -> Option<&mut Message> {
        match self {
            Action::Post { message, .. }
            | Action::Reply { message, .. }
            | Action::Announce { message, .. }
            | Action::Edit { message, .. }
            | Action::Celebrate { message, .. }
            | Action::Remind { message, .. }
            | Action::Introduce { message, .. } => Some(message),
            Action::MirrorEvent { .. }
            | Action::JoinGroup { .. }
            | Action::React { .. }
            | Action::AdminLog { .. } => None,
        }
    }

    /// Where the action lands, as a name: sends that share a lane are delivered one after
    /// another in the order they were queued (a member must never see a room's second notice
    /// before its first, nor an edit before its announcement); different lanes go side by side.
    /// An announcement and its edits share the society's announcements lane, since the room is
    /// the platform's to choose; a member's private messages and group joins share theirs.
    pub fn lane(&self) -> String {
        match self {
            Action::Post { room, .. } | Action::Reply { room, .. } | Action::React { room, .. } => {
                format!("room:{room}")
            }
            Action::Announce { society, .. } | Action::Edit { society, .. } => {
                format!("announcements:{society}")
            }
            Action::MirrorEvent { society, .. } => format!("calendar:{society}"),
            Action::Celebrate { society, .. } => format!("celebrations:{society}"),
            Action::Remind { user, .. } | Action::JoinGroup { user, .. } => {
                format!("member:{}", user.id)
            }
            Action::Introduce {
                society,
                members,
                meeting,
                ..
            } => match meeting {
                Some(meeting) => format!("meeting:{society}:{meeting}"),
                None => {
                    let mut ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
                    ids.sort_unstable();
                    format!("introduction:{society}:{}", ids.join(","))
                }
            },
            Action::AdminLog { society, .. } => format!("committee:{society}"),
        }
    }

    /// Whether someone is waiting for this send right now, the answer to their command: it
    /// goes before the queued notices of other lanes, so a burst of reminders never keeps a
    /// member waiting for a reply. Within a lane, order still rules.
    pub fn awaited(&self) -> bool {
        matches!(self, Action::Reply { .. })
    }

    /// The member an action is about, so erasing that member also drops what is queued for them.
    pub fn concerned_member(&self) -> Option<String> {
        match self {
            Action::Remind { user, .. } | Action::JoinGroup { user, .. } => Some(user.id.clone()),
            Action::AdminLog { about, .. } => about.clone(),
            Action::Post { message, .. }
            | Action::Reply { message, .. }
            | Action::Celebrate { message, .. } => message.mentions.first().map(|m| m.id.clone()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every choice of one question shares its offer; only an RSVP can be answered again.
    #[test]
    fn choices_of_one_question_share_an_offer() {
        let table = [
            ("coffee:12:met", "coffee:12", false),
            ("coffee:12:no", "coffee:12", false),
            ("coffee:12:remind", "coffee:12:remind", false),
            ("followup:coffee:12", "followup:coffee:12", false),
            ("followup:event:3", "followup:event:3", false),
            ("shoutout:approve:7", "shoutout:7", false),
            ("shoutout:decline:7", "shoutout:7", false),
            ("forget:yes", "forget", false),
            ("onboard:stage:intern", "onboard:stage", false),
            ("onboard:stage:skip", "onboard:stage", false),
            ("event:4:going", "event:4:going", true),
            ("something:new", "something:new", false),
        ];
        for (id, key, changeable) in table {
            assert_eq!(
                Choice::offer_of(id),
                Offer {
                    key: key.to_string(),
                    changeable
                },
                "{id}"
            );
        }
    }

    /// A message queued before it named its times still reads; one that names them keeps them.
    #[test]
    fn a_message_reads_with_or_without_its_times() {
        let old = r#"{"kind":"post","room":"r","message":{"text":"At Thu 10 Dec 12:30 AEDT"}}"#;
        let Action::Post { message, .. } = serde_json::from_str::<Action>(old).unwrap() else {
            panic!("a post");
        };
        assert_eq!(message, Message::text("At Thu 10 Dec 12:30 AEDT"));
        let stamped = Action::Post {
            room: "r".into(),
            message: Message::text("At Thu 10 Dec 12:30 AEDT").with_times([Stamp {
                text: "Thu 10 Dec 12:30 AEDT".into(),
                at: DateTime::from_timestamp(1_765_330_200, 0).unwrap(),
            }]),
        };
        let json = serde_json::to_string(&stamped).unwrap();
        assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), stamped);
    }

    /// The outbox keeps actions as JSON: a renamed variant must still read rows queued under
    /// its old name.
    #[test]
    fn a_mirrored_event_is_stored_under_its_first_name() {
        let action = Action::MirrorEvent {
            society: "ams".to_string(),
            topic: "event:1".to_string(),
            entry: None,
        };
        let json = serde_json::to_string(&action).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"calendar","society":"ams","topic":"event:1","entry":null}"#
        );
        assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), action);
    }

    /// A mirror queued before entries named their series still reads: as a date of no series.
    #[test]
    fn a_mirror_queued_before_series_were_named_reads_as_a_single_date() {
        let json = r#"{"kind":"calendar","society":"ams","topic":"event:1","entry":{"title":"Grand rounds","starts_at":"2026-12-10T01:30:00Z","ends_at":"2026-12-10T02:30:00Z","place":null,"description":"Answer with !rsvp E1 going"}}"#;
        let Action::MirrorEvent {
            entry: Some(entry), ..
        } = serde_json::from_str::<Action>(json).unwrap()
        else {
            panic!("a calendar action");
        };
        assert_eq!(entry.series, None);
        let again = serde_json::to_string(&Action::MirrorEvent {
            society: "ams".into(),
            topic: "event:1".into(),
            entry: Some(entry),
        })
        .unwrap();
        assert_eq!(again, json, "and is written back the same");
    }
}
