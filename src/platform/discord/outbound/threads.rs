//! Private threads: introductions, and Rounds writing to a member whose direct messages are
//! closed.

use chrono::Utc;
use serenity::all::{ChannelId, ChannelType, CreateThread, UserId};

use super::super::links::PLATFORM;
use super::super::sending::delivery_error;
use super::{DiscordAdapter, id_of, store_error};
use crate::core::io::UserRef;
use crate::platform::DeliveryError;

impl DiscordAdapter {
    /// A private thread in the society's pairing channel with the members added: never a burst
    /// of DMs, which gets bots quarantined. Remembered under the meeting's name (or the outbox
    /// key), so a retry or a later check-in reuses it.
    pub(super) async fn introduction_thread(
        &self,
        key: &str,
        society: &str,
        meeting: Option<&str>,
        members: &[UserRef],
    ) -> Result<ChannelId, DeliveryError> {
        let memory = format!("thread:{}", meeting.unwrap_or(key));
        let thread = match self
            .store
            .recall(PLATFORM, &memory)
            .await
            .map_err(store_error)?
        {
            Some(id) => ChannelId::new(id_of(&id, "thread")?),
            None => {
                let parent = self.links.pairing_channel(society).ok_or_else(|| {
                    DeliveryError::Permanent(format!(
                        "society {society} has no pairing channel configured for introductions"
                    ))
                })?;
                let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
                // A thread with one member is Rounds writing to them privately (their direct
                // messages are closed), not a coffee group.
                let kind = if members.len() == 1 {
                    "Rounds"
                } else {
                    "coffee"
                };
                let name: String = format!("{kind}: {}", names.join(" & "))
                    .chars()
                    .take(100)
                    .collect();
                let thread = parent
                    .create_thread(
                        self.http.as_ref(),
                        CreateThread::new(name)
                            .kind(ChannelType::PrivateThread)
                            .invitable(false),
                    )
                    .await
                    .map_err(delivery_error)?;
                crate::crash::point("discord:thread-created");
                self.store
                    .remember(PLATFORM, &memory, &thread.id.to_string(), Utc::now())
                    .await
                    .map_err(store_error)?;
                thread.id
            }
        };
        for member in members {
            thread
                .add_thread_member(self.http.as_ref(), UserId::new(id_of(&member.id, "user")?))
                .await
                .map_err(delivery_error)?;
        }
        Ok(thread)
    }
}
