//! What reaches a member whose private messages cannot be delivered (direct messages closed,
//! a direct room refused or left). Adapters only report the failure and what their platform
//! offers instead; the rules live here: a private message is never lost in silence, its words
//! never land in a shared room, and the member is told at most once a day (sooner if they
//! write to Rounds privately again, which shows their direct messages work).

use chrono::{DateTime, Duration, Utc};

use super::error::StoreError;
use super::io::{Action, Message, Origin, UserRef};
use super::store::{MemoryStore, OutboxItem, member_memory_key};

/// Where a private message can go when the member's direct messages are closed: a fact about
/// the platform, which its adapter states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrivateFallback {
    /// A private thread with the member in the society's pairing channel (Discord): the
    /// message itself can still reach them.
    Thread,
    /// Nothing private: the member can only be told, in the room where they last spoke to
    /// Rounds, that their private messages do not reach them (Matrix).
    MentionInRoom,
}

/// This memory is the core's, not an adapter's; kept under member keys, so erasing the member
/// erases it, and pruned after 30 days like any adapter memory.
pub const DELIVERY_PLATFORM: &str = "rounds-delivery";

/// How long a member told that their private messages do not reach them is left in peace.
pub const NOTICE_EVERY: Duration = Duration::days(1);

/// The room where `member` last spoke to Rounds outside their direct messages.
fn last_room_key(member: &str) -> String {
    member_memory_key("spoke", member)
}

/// When `member` was last told that their private messages do not reach them.
fn told_key(member: &str) -> String {
    member_memory_key("told-private-closed", member)
}

/// Notes where a member who spoke to Rounds did so: a shared room becomes where they are told
/// if their private messages stop reaching them; a direct message shows those work again, so
/// the next failure is told at once.
pub async fn heard_from(
    store: &dyn MemoryStore,
    origin: &Origin,
    sender: &UserRef,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if origin.is_direct {
        if store
            .recall(DELIVERY_PLATFORM, &told_key(&sender.id))
            .await?
            .is_some_and(|told| !told.is_empty())
        {
            store
                .remember(DELIVERY_PLATFORM, &told_key(&sender.id), "", now)
                .await?;
        }
        return Ok(());
    }
    // Read before written: most commands come from the room the member used last, and a read
    // costs the command no write (no fsync on SQLite).
    let key = last_room_key(&sender.id);
    if store.recall(DELIVERY_PLATFORM, &key).await?.as_deref() == Some(origin.room.as_str()) {
        return Ok(());
    }
    store
        .remember(DELIVERY_PLATFORM, &key, &origin.room, now)
        .await
}

/// One outbox row the platform could not deliver because the member's direct messages are
/// closed.
pub struct Undelivered<'a> {
    pub key: &'a str,
    pub platform: &'a str,
    pub society: &'a str,
    pub action: &'a Action,
}

/// What goes instead of an undelivered private message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replacement {
    /// Each under a key derived from the undelivered row's, so deciding twice (after a crash)
    /// queues nothing twice.
    pub instead: Vec<OutboxItem>,
    /// The member told why, to be noted once `instead` is queued.
    told: Option<String>,
}

impl Replacement {
    /// Notes that the member was told, so the next failure today does not tell them again.
    /// Called after `instead` is queued: a crash in between decides again, and the derived
    /// keys keep the notice single.
    pub async fn queued(
        &self,
        store: &dyn MemoryStore,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        match &self.told {
            Some(member) => {
                store
                    .remember(DELIVERY_PLATFORM, &told_key(member), &now.to_rfc3339(), now)
                    .await
            }
            None => Ok(()),
        }
    }
}

/// What replaces `undelivered`. An action that is not a private message to one member has no
/// replacement: its failure is reported like any other.
pub async fn undeliverable(
    store: &dyn MemoryStore,
    undelivered: &Undelivered<'_>,
    fallback: PrivateFallback,
    now: DateTime<Utc>,
) -> Result<Option<Replacement>, StoreError> {
    let Some((user, message)) = private_message(undelivered.action) else {
        return Ok(None);
    };
    let user = UserRef {
        name: if user.name.is_empty() {
            user.id.clone()
        } else {
            user.name.clone()
        },
        id: user.id.clone(),
    };
    let told = store.recall(DELIVERY_PLATFORM, &told_key(&user.id)).await?;
    let tell = told
        .and_then(|at| DateTime::parse_from_rfc3339(&at).ok())
        .is_none_or(|at| now - at.with_timezone(&Utc) >= NOTICE_EVERY);
    let item = |part: &str, action: Action| OutboxItem {
        key: format!("{}:private-closed:{part}", undelivered.key),
        platform: undelivered.platform.to_string(),
        society: undelivered.society.to_string(),
        member: Some(user.id.clone()),
        action,
    };
    let mut items = Vec::new();
    let mut notified = false;
    let logged = match fallback {
        PrivateFallback::Thread => {
            let text = if tell {
                format!(
                    "📭 I couldn't message you privately, so I'm writing here, in a private thread. Open your direct messages to get my messages there again.\n\n{}",
                    message.text
                )
            } else {
                message.text.clone()
            };
            notified = tell;
            items.push(item(
                "thread",
                Action::Introduce {
                    society: undelivered.society.to_string(),
                    members: vec![user.clone()],
                    message: Message {
                        text,
                        ..message.clone()
                    },
                    // One thread per member, reused while their direct messages stay closed.
                    meeting: Some(format!("private-closed:{}", user.id)),
                },
            ));
            tell.then(|| {
                format!(
                    "{} has closed their direct messages: their private messages go to a private thread in the pairing channel.",
                    user.name
                )
            })
        }
        PrivateFallback::MentionInRoom => {
            let room = store
                .recall(DELIVERY_PLATFORM, &last_room_key(&user.id))
                .await?
                .filter(|room| !room.is_empty());
            let told_where = match (&room, tell) {
                (Some(room), true) => {
                    notified = true;
                    items.push(item(
                        "notice",
                        Action::Post {
                            room: room.clone(),
                            message: Message::text(format!(
                                "{}, I couldn't message you privately; open your direct messages or send me a direct message.",
                                user.name
                            ))
                            .with_mentions(vec![user.clone()]),
                        },
                    ));
                    "they were told in the room where they last spoke to Rounds"
                }
                (Some(_), false) => "they were already told today",
                (None, _) => "they have spoken to Rounds in no room where they could be told",
            };
            // The message itself is lost, so the committee hears of each one.
            Some(format!(
                "A private message to {} was not delivered: their direct messages are closed; {told_where}.",
                user.name
            ))
        }
    };
    if let Some(text) = logged {
        items.push(item(
            "log",
            Action::AdminLog {
                society: undelivered.society.to_string(),
                about: Some(user.id.clone()),
                text,
            },
        ));
    }
    Ok(Some(Replacement {
        instead: items,
        told: notified.then(|| user.id.clone()),
    }))
}

/// The member and words of a private message: a reminder, or a private answer to a member who
/// joined (which the platform sends to their direct messages).
fn private_message(action: &Action) -> Option<(&UserRef, &Message)> {
    match action {
        Action::Remind { user, message } => Some((user, message)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use async_trait::async_trait;

    use super::*;
    use crate::core::store::StoreResult;

    fn ana() -> UserRef {
        UserRef {
            id: "@ana:example.org".into(),
            name: "ana".into(),
        }
    }

    fn reminder() -> Action {
        Action::Remind {
            user: ana(),
            message: Message::text("⏰ Reminder: see Dr Li about the biopsy"),
        }
    }

    fn origin(room: &str, is_direct: bool) -> Origin {
        Origin {
            platform: "matrix".into(),
            society: "soc".into(),
            room: room.into(),
            message_id: None,
            is_direct,
            sent_at: None,
            roles: Vec::new(),
        }
    }

    /// Memory alone is what these rules use, so a map stands in for the store.
    #[derive(Default)]
    struct Memory(Mutex<HashMap<(String, String), String>>);

    #[async_trait]
    impl MemoryStore for Memory {
        async fn first_sight(&self, _: &str, _: DateTime<Utc>) -> StoreResult<bool> {
            Ok(true)
        }
        async fn seen(&self, _: &str) -> StoreResult<bool> {
            Ok(false)
        }
        async fn remember(
            &self,
            platform: &str,
            key: &str,
            value: &str,
            _: DateTime<Utc>,
        ) -> StoreResult<()> {
            let mut memory = self.0.lock().unwrap();
            memory.insert((platform.into(), key.into()), value.into());
            Ok(())
        }
        async fn recall(&self, platform: &str, key: &str) -> StoreResult<Option<String>> {
            let memory = self.0.lock().unwrap();
            Ok(memory.get(&(platform.into(), key.into())).cloned())
        }
        async fn record_answer(
            &self,
            _: &str,
            _: &str,
            _: &str,
            _: &str,
            _: DateTime<Utc>,
        ) -> StoreResult<Option<String>> {
            Ok(None)
        }
        async fn reopen_offer(&self, _: &str, _: &str, _: &str) -> StoreResult<()> {
            Ok(())
        }
    }

    async fn store() -> Memory {
        Memory::default()
    }

    async fn replace(
        store: &Memory,
        key: &str,
        fallback: PrivateFallback,
        now: DateTime<Utc>,
    ) -> Vec<Action> {
        let action = reminder();
        let undelivered = Undelivered {
            key,
            platform: "matrix",
            society: "soc",
            action: &action,
        };
        let replacement = undeliverable(store, &undelivered, fallback, now)
            .await
            .unwrap()
            .expect("a reminder has a replacement");
        replacement.queued(store, now).await.unwrap();
        replacement
            .instead
            .into_iter()
            .map(|item| {
                assert!(item.key.starts_with(key), "{}", item.key);
                item.action
            })
            .collect()
    }

    fn at(hour: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 12, 7, hour, 0, 0).unwrap()
    }

    #[tokio::test]
    async fn a_member_is_told_once_a_day_in_their_last_room_without_the_private_text() {
        let store = store().await;
        heard_from(&store, &origin("!lobby", false), &ana(), at(8))
            .await
            .unwrap();
        let first = replace(&store, "a", PrivateFallback::MentionInRoom, at(9)).await;
        let [
            Action::Post { room, message },
            Action::AdminLog { text, about, .. },
        ] = &first[..]
        else {
            panic!("a notice and a log line: {first:?}");
        };
        assert_eq!(room, "!lobby");
        assert_eq!(
            message.text,
            "ana, I couldn't message you privately; open your direct messages or send me a direct message."
        );
        assert_eq!(message.mentions, vec![ana()]);
        assert!(!text.contains("biopsy"), "{text}");
        assert_eq!(about.as_deref(), Some("@ana:example.org"));

        let second = replace(&store, "b", PrivateFallback::MentionInRoom, at(12)).await;
        assert!(
            matches!(&second[..], [Action::AdminLog { text, .. }] if text.contains("already told today")),
            "{second:?}"
        );
        let next_day = replace(
            &store,
            "c",
            PrivateFallback::MentionInRoom,
            at(9) + NOTICE_EVERY,
        )
        .await;
        assert!(matches!(next_day[0], Action::Post { .. }), "{next_day:?}");
    }

    #[tokio::test]
    async fn a_direct_message_from_the_member_lets_the_next_failure_be_told_at_once() {
        let store = store().await;
        heard_from(&store, &origin("!lobby", false), &ana(), at(8))
            .await
            .unwrap();
        replace(&store, "a", PrivateFallback::MentionInRoom, at(9)).await;
        heard_from(&store, &origin("!dm", true), &ana(), at(10))
            .await
            .unwrap();
        let again = replace(&store, "b", PrivateFallback::MentionInRoom, at(11)).await;
        assert!(
            matches!(&again[..], [Action::Post { room, .. }, _] if room == "!lobby"),
            "{again:?}"
        );
    }

    #[tokio::test]
    async fn a_member_never_seen_in_a_room_is_not_lost_in_silence() {
        let store = store().await;
        let actions = replace(&store, "a", PrivateFallback::MentionInRoom, at(9)).await;
        assert!(
            matches!(&actions[..], [Action::AdminLog { text, .. }] if text.contains("no room")),
            "{actions:?}"
        );
        // Once they speak in a room, they are told at the next failure.
        heard_from(&store, &origin("!lobby", false), &ana(), at(10))
            .await
            .unwrap();
        let actions = replace(&store, "b", PrivateFallback::MentionInRoom, at(11)).await;
        assert!(matches!(actions[0], Action::Post { .. }), "{actions:?}");
    }

    #[tokio::test]
    async fn with_a_private_thread_every_message_arrives_and_the_notice_comes_once_a_day() {
        let store = store().await;
        let first = replace(&store, "a", PrivateFallback::Thread, at(9)).await;
        let [
            Action::Introduce {
                members,
                message,
                meeting,
                ..
            },
            Action::AdminLog { .. },
        ] = &first[..]
        else {
            panic!("a thread and a log line: {first:?}");
        };
        assert_eq!(members, &vec![ana()]);
        assert!(
            message
                .text
                .starts_with("📭 I couldn't message you privately")
        );
        assert!(message.text.ends_with("see Dr Li about the biopsy"));
        let second = replace(&store, "b", PrivateFallback::Thread, at(12)).await;
        let [
            Action::Introduce {
                message: again,
                meeting: same,
                ..
            },
        ] = &second[..]
        else {
            panic!("the message alone: {second:?}");
        };
        assert_eq!(again.text, "⏰ Reminder: see Dr Li about the biopsy");
        assert_eq!(meeting, same, "the same thread");
    }

    /// A crash after the replacements were queued but before the row was closed decides again:
    /// the same keys come back, so the queue keeps one notice.
    #[tokio::test]
    async fn deciding_again_before_the_notice_is_noted_gives_the_same_keys() {
        let store = store().await;
        heard_from(&store, &origin("!lobby", false), &ana(), at(8))
            .await
            .unwrap();
        let action = reminder();
        let undelivered = Undelivered {
            key: "job:1:0",
            platform: "matrix",
            society: "soc",
            action: &action,
        };
        let decide = || async {
            undeliverable(&store, &undelivered, PrivateFallback::MentionInRoom, at(9))
                .await
                .unwrap()
                .unwrap()
        };
        let first = decide().await;
        let again = decide().await;
        assert_eq!(first.instead, again.instead);
        assert_eq!(first.instead.len(), 2, "{:?}", first.instead);
    }
}
