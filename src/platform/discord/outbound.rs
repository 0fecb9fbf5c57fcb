//! Core actions performed on Discord. Channel messages carry a nonce derived from the outbox key
//! with `enforce_nonce`, so a retry returns the first message instead of posting a second.
//! Threads and Scheduled Events have no nonce: a retry after a try that may have made one looks
//! for it first (`making`); role grants and reactions are PUTs, the same however often sent.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use serenity::all::{
    ButtonStyle, ChannelId, CreateActionRow, CreateAllowedMentions, CreateAttachment, CreateButton,
    CreateInteractionResponseFollowup, CreateMessage, EditInteractionResponse, EditMessage, Http,
    MessageId, Nonce, ReactionType, Timestamp, UserId,
};
use serenity::builder::Builder;

use super::inbound::BUTTON_PREFIX;
use super::links::{Links, PLATFORM};
use super::sending::delivery_error;
pub use super::sending::nonce;
use crate::core::io::{Action, Message, Stamp, UserRef};
use crate::core::store::{MemoryStore, member_memory_key};
use crate::platform::{Adapter, DeliveryError, PrivateFallback};

mod scheduled;
mod threads;

pub struct DiscordAdapter {
    http: Arc<Http>,
    /// For the few routes serenity 0.12 lacks (scheduled event exceptions).
    web: reqwest::Client,
    store: Arc<dyn MemoryStore>,
    links: Arc<Links>,
}

fn store_error(error: crate::core::error::StoreError) -> DeliveryError {
    DeliveryError::Transient(error.to_string())
}

/// How far Discord's clock may be behind ours when a retry asks whether something it finds was
/// made after the first try began.
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(2);

/// Whether the thing with this id was made (Discord's clock, from the snowflake) after `since`
/// (ours), allowing for skew.
fn made_since(id: Timestamp, since: chrono::DateTime<Utc>) -> bool {
    id.unix_timestamp() >= (since - CLOCK_SKEW).timestamp()
}

fn id_of(text: &str, what: &str) -> Result<u64, DeliveryError> {
    text.parse::<u64>()
        .ok()
        .filter(|id| *id != 0)
        .ok_or_else(|| DeliveryError::Permanent(format!("{text} is not a Discord {what} id")))
}

/// Discord refuses a message whose content is longer.
const MAX_CONTENT_CHARS: usize = 2000;

/// Names of mentioned members become `<@id>` pings; only they may be pinged. A member the core
/// knows by no name but their id (no profile yet) is pinged wherever that id appears. Times
/// become Discord's own (`localised`).
fn content(message: &Message) -> (String, Vec<UserId>) {
    let mut text = message.text.clone();
    let mut users = Vec::new();
    for user in &message.mentions {
        if let Ok(id) = id_of(&user.id, "user") {
            let ping = format!("<@{id}>");
            if user.name == user.id {
                text = replace_bare(&text, &user.id, &ping);
            } else if let Some(at) = text.find(&user.name) {
                text.replace_range(at..at + user.name.len(), &ping);
            }
            users.push(UserId::new(id));
        }
    }
    (localised(text, &message.times), users)
}

/// Each instant the text shows in a zone becomes a Discord timestamp, which every reader sees
/// in their own zone, followed by how far off it is: `<t:…:F>, <t:…:R>`. Where that would
/// pass Discord's limit, the full time alone; where even that would, the zone's text stays.
fn localised(text: String, times: &[Stamp]) -> String {
    let styles: [fn(i64) -> String; 2] = [
        |unix| format!("<t:{unix}:F>, <t:{unix}:R>"),
        |unix| format!("<t:{unix}:F>"),
    ];
    for style in styles {
        let rendered = times
            .iter()
            .filter(|stamp| !stamp.text.is_empty())
            .fold(text.clone(), |text, stamp| {
                text.replace(&stamp.text, &style(stamp.at.timestamp()))
            });
        if rendered.chars().count() <= MAX_CONTENT_CHARS {
            return rendered;
        }
    }
    text
}

/// Replaces each `id` in `text` that is not part of a longer number (or already a ping).
fn replace_bare(text: &str, id: &str, ping: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(id) {
        let before = rest[..at].chars().next_back();
        let after = rest[at + id.len()..].chars().next();
        let inside = before.is_some_and(|c| c.is_ascii_digit() || c == '@')
            || after.is_some_and(|c| c.is_ascii_digit());
        out.push_str(&rest[..at]);
        out.push_str(if inside { id } else { ping });
        rest = &rest[at + id.len()..];
    }
    out.push_str(rest);
    out
}

fn buttons(message: &Message) -> Vec<CreateActionRow> {
    if message.choices.is_empty() {
        return Vec::new();
    }
    message
        .choices
        .chunks(5)
        .map(|row| {
            CreateActionRow::Buttons(
                row.iter()
                    .map(|choice| {
                        CreateButton::new(format!("{BUTTON_PREFIX}{}", choice.id))
                            .label(choice.label.chars().take(80).collect::<String>())
                            .style(ButtonStyle::Primary)
                    })
                    .collect(),
            )
        })
        .collect()
}

fn attachment(message: &Message) -> Option<CreateAttachment> {
    message
        .attachment
        .as_ref()
        .map(|file| CreateAttachment::bytes(file.content.as_bytes(), file.filename.clone()))
}

impl DiscordAdapter {
    pub fn new(http: Arc<Http>, store: Arc<dyn MemoryStore>, links: Arc<Links>) -> Self {
        DiscordAdapter {
            http,
            web: reqwest::Client::new(),
            store,
            links,
        }
    }

    /// Members named in the message always ping; `@everyone`, `@here` and roles only in an
    /// organiser's or the committee's announcement (the core's say) where the society allows
    /// them (the operator's say).
    fn allowed(
        &self,
        channel: ChannelId,
        message: &Message,
        users: Vec<UserId>,
    ) -> CreateAllowedMentions {
        let allowed = CreateAllowedMentions::new().users(users);
        if message.mass_mentions && self.links.mass_mentions_allowed(channel) {
            allowed.everyone(true).all_roles(true)
        } else {
            allowed
        }
    }

    /// Before Discord is asked to make something that has no nonce (a thread, a Scheduled
    /// Event), the time is kept under `{memory}:making`. A crash after Discord made it and
    /// before its id was remembered leaves that mark: the retry is then told when the first try
    /// began, to look for what it made; without the mark nothing was asked yet (the usual case,
    /// which costs no lookup).
    async fn making(&self, memory: &str) -> Result<Option<chrono::DateTime<Utc>>, DeliveryError> {
        let mark = format!("{memory}:making");
        let began = self
            .store
            .recall(PLATFORM, &mark)
            .await
            .map_err(store_error)?
            .and_then(|at| chrono::DateTime::parse_from_rfc3339(&at).ok())
            .map(|at| at.with_timezone(&Utc));
        if began.is_none() {
            let now = Utc::now();
            self.store
                .remember(PLATFORM, &mark, &now.to_rfc3339(), now)
                .await
                .map_err(store_error)?;
        }
        Ok(began)
    }

    /// The bot's own user id: what it made is what it owns (threads) or created (events).
    async fn me(&self) -> Result<UserId, DeliveryError> {
        Ok(self
            .http
            .get_current_user()
            .await
            .map_err(delivery_error)?
            .id)
    }

    async fn send(
        &self,
        channel: ChannelId,
        key: &str,
        message: &Message,
        reply_to: Option<MessageId>,
    ) -> Result<MessageId, DeliveryError> {
        let (text, users) = content(message);
        let mut create = CreateMessage::new()
            .content(text)
            .allowed_mentions(self.allowed(channel, message, users))
            .components(buttons(message))
            .nonce(Nonce::String(nonce(key)))
            .enforce_nonce(true);
        if let Some(reply_to) = reply_to {
            create = create.reference_message((channel, reply_to));
        }
        if let Some(file) = attachment(message) {
            create = create.add_file(file);
        }
        // `&Http`, not the cache: the cache's permission pre-check can refuse without asking.
        let sent = channel
            .send_message(self.http.as_ref(), create)
            .await
            .map_err(delivery_error)?;
        Ok(sent.id)
    }

    /// Rewrites an announcement sent earlier under `topic`, keeping its buttons.
    async fn edit(&self, topic: &str, message: &Message) -> Result<(), DeliveryError> {
        let Some(sent) = self
            .store
            .recall(PLATFORM, &format!("announce:{topic}"))
            .await
            .map_err(store_error)?
        else {
            tracing::debug!(%topic, "nothing announced under this topic; edit skipped");
            return Ok(());
        };
        let Some((channel, id)) = sent.split_once(' ') else {
            return Ok(());
        };
        let channel = ChannelId::new(id_of(channel, "channel")?);
        let (text, users) = content(message);
        channel
            .edit_message(
                self.http.as_ref(),
                MessageId::new(id_of(id, "message")?),
                EditMessage::new()
                    .content(text)
                    .allowed_mentions(self.allowed(channel, message, users))
                    .components(buttons(message)),
            )
            .await
            .map_err(delivery_error)?;
        Ok(())
    }

    /// Answers a slash command (edit of the deferred response) or a button (a follow-up).
    async fn answer_interaction(
        &self,
        memory: &str,
        message: &Message,
    ) -> Result<(), DeliveryError> {
        let (kind, token) = memory.split_once(':').unwrap_or(("command", memory));
        let (text, users) = content(message);
        let allowed = CreateAllowedMentions::new().users(users);
        let result = if kind == "command" {
            let mut edit = EditInteractionResponse::new()
                .content(text)
                .components(buttons(message))
                .allowed_mentions(allowed);
            if let Some(file) = attachment(message) {
                edit = edit.new_attachment(file);
            }
            edit.execute(self.http.as_ref(), token).await
        } else {
            let mut followup = CreateInteractionResponseFollowup::new()
                .content(text)
                .components(buttons(message))
                .allowed_mentions(allowed)
                .ephemeral(true);
            if let Some(file) = attachment(message) {
                followup = followup.add_file(file);
            }
            followup.execute(self.http.as_ref(), (None, token)).await
        };
        result.map(|_| ()).map_err(delivery_error)
    }

    /// The member's DM channel; a reminder goes there only when the member asked for one.
    async fn direct_channel(&self, user: &UserRef) -> Result<ChannelId, DeliveryError> {
        // A member memory key, so erasing the member deletes it.
        let memory = member_memory_key("dm", &user.id);
        if let Some(id) = self
            .store
            .recall(PLATFORM, &memory)
            .await
            .map_err(store_error)?
            && let Ok(id) = id_of(&id, "channel")
        {
            return Ok(ChannelId::new(id));
        }
        let channel = UserId::new(id_of(&user.id, "user")?)
            .create_dm_channel(self.http.as_ref())
            .await
            .map_err(delivery_error)?;
        self.store
            .remember(PLATFORM, &memory, &channel.id.to_string(), Utc::now())
            .await
            .map_err(store_error)?;
        Ok(channel.id)
    }

    /// Posts in the society's celebrations channel (or the fallback) and reacts to the post.
    /// The post is remembered under the outbox key, so a retry after a failed reaction reacts
    /// to the same post, even past the nonce's few minutes; reacting twice is harmless.
    async fn celebrate(
        &self,
        key: &str,
        society: &str,
        fallback_room: &str,
        message: &Message,
        emoji: Option<&str>,
    ) -> Result<(), DeliveryError> {
        let memory = format!("celebrate:{key}");
        let remembered = self
            .store
            .recall(PLATFORM, &memory)
            .await
            .map_err(store_error)?
            .and_then(|sent| {
                let (channel, id) = sent.split_once(' ')?;
                Some((
                    ChannelId::new(id_of(channel, "channel").ok()?),
                    MessageId::new(id_of(id, "message").ok()?),
                ))
            });
        let (channel, sent) = match remembered {
            Some(posted) => posted,
            None => {
                let channel = match self.links.celebrations_channel(society) {
                    Some(channel) => channel,
                    None => ChannelId::new(id_of(fallback_room, "channel")?),
                };
                let sent = self.send(channel, key, message, None).await?;
                self.store
                    .remember(PLATFORM, &memory, &format!("{channel} {sent}"), Utc::now())
                    .await
                    .map_err(store_error)?;
                (channel, sent)
            }
        };
        if let Some(emoji) = emoji {
            self.http
                .create_reaction(channel, sent, &ReactionType::Unicode(emoji.to_string()))
                .await
                .map_err(delivery_error)?;
        }
        Ok(())
    }

    /// Gives a member the role the society mapped to a group; a group without one is left alone.
    async fn join_group(
        &self,
        society: &str,
        user: &UserRef,
        group: &str,
    ) -> Result<(), DeliveryError> {
        let Some((guild, role)) = self.links.group_role(society, group) else {
            tracing::debug!(%society, %group, "no Discord role for this group; nothing to grant");
            return Ok(());
        };
        let member = UserId::new(id_of(&user.id, "user")?);
        // A PUT: granting a role the member holds already changes nothing, so a retry after a
        // crash here (before the outbox row was marked sent) grants nothing twice.
        self.http
            .add_member_role(
                guild,
                member,
                role,
                Some(&format!("Rounds welcome: joins the {group} group")),
            )
            .await
            .map_err(delivery_error)?;
        crate::crash::point("discord:role-granted");
        Ok(())
    }
}

#[async_trait]
impl Adapter for DiscordAdapter {
    fn platform(&self) -> &'static str {
        PLATFORM
    }

    /// Discord drops a repeated `enforce_nonce` only within "the past few minutes"; past a
    /// minute and a half a send that may have been shown is reported, not posted again.
    fn dedup_window(&self) -> Option<chrono::Duration> {
        Some(chrono::Duration::seconds(90))
    }

    /// Enough sends in flight to keep to Discord's global 50 requests a second while each
    /// channel waits out its own bucket (5 messages per 5 s): about one a second per channel.
    fn parallel_sends(&self) -> usize {
        64
    }

    /// A private thread in the pairing channel, as for introductions.
    fn private_fallback(&self) -> PrivateFallback {
        PrivateFallback::Thread
    }

    async fn perform(&self, key: &str, action: &Action) -> Result<(), DeliveryError> {
        match action {
            Action::Post { room, message } => {
                let channel = ChannelId::new(id_of(room, "channel")?);
                self.send(channel, key, message, None).await.map(drop)
            }
            Action::Reply {
                room,
                to,
                private,
                message,
                ..
            } => {
                // A private answer to a member joining (there is no message to reply to).
                if *private
                    && let Some(user) = to
                        .as_deref()
                        .and_then(|to| to.strip_prefix("join:"))
                        .and_then(|rest| rest.split_once(':'))
                        .map(|(_, user)| user)
                {
                    let user = UserRef {
                        id: user.to_string(),
                        name: String::new(),
                    };
                    let channel = self.direct_channel(&user).await?;
                    return self.send(channel, key, message, None).await.map(drop);
                }
                if let Some(to) = to
                    && let Some(memory) = self
                        .store
                        .recall(PLATFORM, &format!("interaction:{to}"))
                        .await
                        .map_err(store_error)?
                {
                    return self.answer_interaction(&memory, message).await;
                }
                let channel = ChannelId::new(id_of(room, "channel")?);
                let reply_to = to
                    .as_deref()
                    .and_then(|id| id.parse::<u64>().ok())
                    .filter(|id| *id != 0)
                    .map(MessageId::new);
                self.send(channel, key, message, reply_to).await.map(drop)
            }
            Action::Announce {
                society,
                fallback_room,
                message,
                topic,
            } => {
                let channel = match self.links.announcements_channel(society) {
                    Some(channel) => channel,
                    None => ChannelId::new(id_of(fallback_room, "channel")?),
                };
                let sent = self.send(channel, key, message, None).await?;
                if let Some(topic) = topic {
                    self.store
                        .remember(
                            PLATFORM,
                            &format!("announce:{topic}"),
                            &format!("{channel} {sent}"),
                            Utc::now(),
                        )
                        .await
                        .map_err(store_error)?;
                }
                Ok(())
            }
            Action::Edit { topic, message, .. } => self.edit(topic, message).await,
            Action::MirrorEvent {
                society,
                topic,
                entry,
            } => self.mirror(society, topic, entry.as_ref()).await,
            Action::Remind { user, message } => {
                let channel = self.direct_channel(user).await?;
                self.send(channel, key, message, None).await.map(drop)
            }
            Action::Introduce {
                society,
                members,
                message,
                meeting,
            } => {
                let thread = self
                    .introduction_thread(key, society, meeting.as_deref(), members)
                    .await?;
                self.send(thread, key, message, None).await.map(drop)
            }
            Action::React {
                room,
                message_id,
                emoji,
            } => self
                .http
                .create_reaction(
                    ChannelId::new(id_of(room, "channel")?),
                    MessageId::new(id_of(message_id, "message")?),
                    &ReactionType::Unicode(emoji.clone()),
                )
                .await
                .map_err(delivery_error),
            Action::Celebrate {
                society,
                fallback_room,
                message,
                emoji,
            } => {
                self.celebrate(key, society, fallback_room, message, emoji.as_deref())
                    .await
            }
            Action::JoinGroup {
                society,
                user,
                group,
            } => self.join_group(society, user, group).await,
            Action::AdminLog { society, text, .. } => match self.links.admin_channel(society) {
                Some(channel) => {
                    let message = Message::text(format!("[admin log] {text}"));
                    self.send(channel, key, &message, None).await.map(drop)
                }
                None => {
                    tracing::warn!(%society, "committee log (no admin channel configured): {text}");
                    Ok(())
                }
            },
        }
    }
}

#[cfg(test)]
mod tests;
