//! Private threads: introductions, and Rounds writing to a member whose direct messages are
//! closed.

use chrono::Utc;
use serenity::all::{Channel, ChannelId, ChannelType, CreateThread, UserId};

use super::super::links::PLATFORM;
use super::super::sending::delivery_error;
use super::{DiscordAdapter, id_of, made_since, store_error};
use crate::core::io::UserRef;
use crate::platform::DeliveryError;

impl DiscordAdapter {
    /// A private thread in the society's pairing channel with the members added: never a burst
    /// of DMs, which gets bots quarantined. Remembered under the meeting's name (or the outbox
    /// key), so a retry or a later check-in reuses it; a retry after a crash that left it
    /// unremembered finds it among the guild's active threads.
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
                let made = match self.making(&memory).await? {
                    Some(began) => self.thread_made_since(parent, &name, began).await?,
                    None => None,
                };
                let thread = match made {
                    Some(thread) => thread,
                    None => {
                        let thread = parent
                            .create_thread(
                                self.rest().await,
                                CreateThread::new(name)
                                    .kind(ChannelType::PrivateThread)
                                    .invitable(false),
                            )
                            .await
                            .map_err(delivery_error)?;
                        crate::crash::point("discord:thread-created");
                        thread.id
                    }
                };
                self.store
                    .remember(PLATFORM, &memory, &thread.to_string(), Utc::now())
                    .await
                    .map_err(store_error)?;
                thread
            }
        };
        for member in members {
            thread
                .add_thread_member(self.rest().await, UserId::new(id_of(&member.id, "user")?))
                .await
                .map_err(delivery_error)?;
        }
        Ok(thread)
    }

    /// The thread an earlier try began at `began` made under `parent` named `name`, if it is
    /// still active: Discord keeps no idempotency key for threads, so it is known by its parent,
    /// its owner (the bot), its exact name and its being made since. The oldest such thread is
    /// the first try's.
    async fn thread_made_since(
        &self,
        parent: ChannelId,
        name: &str,
        began: chrono::DateTime<Utc>,
    ) -> Result<Option<ChannelId>, DeliveryError> {
        let Channel::Guild(channel) = parent
            .to_channel(self.rest().await)
            .await
            .map_err(delivery_error)?
        else {
            return Ok(None);
        };
        let me = self.me().await?;
        let active = channel
            .guild_id
            .get_active_threads(self.rest().await)
            .await
            .map_err(delivery_error)?;
        let found = active
            .threads
            .into_iter()
            .filter(|thread| {
                thread.parent_id == Some(parent)
                    && thread.owner_id == Some(me)
                    && thread.name == name
                    && made_since(thread.id.created_at(), began)
            })
            .map(|thread| thread.id)
            .min();
        if let Some(thread) = found {
            tracing::info!(%thread, "found the thread an interrupted try made; reusing it");
        }
        Ok(found)
    }
}
