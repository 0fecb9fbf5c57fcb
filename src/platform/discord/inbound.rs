//! Discord gateway events in, core `Inbound` events out. Interactions are acknowledged at once
//! (Discord allows 3 seconds); the answer follows through the outbox by editing that response.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serenity::all::{
    ChannelId, ConnectionStage, Context, CreateInteractionResponse, EventHandler, Guild, GuildId,
    Interaction, InteractionId, Member, Message, Ready, ResumedEvent, RoleId,
    ShardStageUpdateEvent, Timestamp, User, UserId,
};

use super::commands::{self, Invocation};
use super::direct::{DiscordDirect, Waiting};
use super::links::{DEFAULT_SOCIETY, Links, PLATFORM};
use super::modal;
use super::pacing::Pace;
use crate::clock::Clock;
use crate::core::io::{Inbound, Origin, UserRef};
use crate::core::store::member_memory_key;
use crate::runtime::Runtime;

/// How an interaction is answered: a command or form by editing its deferred response, a
/// button by a follow-up.
#[derive(Clone, Copy)]
enum Kind {
    Command,
    Component,
}

/// Custom ids of Rounds' buttons start with this, so other bots' buttons are left alone.
pub const BUTTON_PREFIX: &str = "rounds:";

pub struct Handler {
    pub runtime: Arc<Runtime>,
    pub links: Arc<Links>,
    pub clock: Clock,
    pub prefix: String,
    /// Discord's global limit, which the requests made here (command registration, a member
    /// looked up, an answer sent past the outbox) share with the outbox's sends: a bot joined to
    /// many guilds registers its commands in each at once on connecting.
    pub pace: Arc<Pace>,
}

fn when(ts: Timestamp) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(ts.unix_timestamp(), 0)
}

fn person(user: &User, nick: Option<&str>) -> UserRef {
    UserRef {
        id: user.id.to_string(),
        name: nick
            .map(str::to_string)
            .or_else(|| user.global_name.clone())
            .unwrap_or_else(|| user.name.clone()),
    }
}

/// What Rounds remembers of the society a member last used it in, for their direct messages;
/// a member memory key, so erasing the member deletes it.
fn society_memory(user: UserId) -> String {
    member_memory_key("society", &user.to_string())
}

impl Handler {
    /// The society an event belongs to: its guild's; for a direct message (no guild), the only
    /// linked society, else the one the member last used Rounds in, else the default.
    async fn society(&self, guild: Option<GuildId>, user: UserId) -> String {
        if guild.is_some() {
            return self.links.society_of(guild);
        }
        if let Some(only) = self.links.sole_society() {
            return only;
        }
        match self
            .runtime
            .bot()
            .store()
            .recall(PLATFORM, &society_memory(user))
            .await
        {
            Ok(Some(society)) => society,
            Ok(None) => DEFAULT_SOCIETY.to_string(),
            Err(error) => {
                tracing::warn!(%error, "cannot recall a member's society for a direct message");
                DEFAULT_SOCIETY.to_string()
            }
        }
    }

    /// Notes the society of a member seen in a guild, so their direct messages (welcome
    /// answers, shout-out approvals) reach the same society. Only needed with several.
    async fn note_society(&self, guild: Option<GuildId>, user: UserId) {
        if guild.is_none() || self.links.sole_society().is_some() {
            return;
        }
        let society = self.links.society_of(guild);
        if society == DEFAULT_SOCIETY {
            return;
        }
        if let Err(error) = self
            .runtime
            .bot()
            .store()
            .remember(PLATFORM, &society_memory(user), &society, self.clock.now())
            .await
        {
            tracing::warn!(%error, "cannot remember a member's society");
        }
    }

    async fn origin(
        &self,
        guild: Option<GuildId>,
        user: UserId,
        channel: String,
        message_id: String,
        sent: Timestamp,
        roles: &[RoleId],
    ) -> Origin {
        Origin {
            platform: PLATFORM.to_string(),
            society: self.society(guild, user).await,
            room: channel,
            message_id: Some(message_id),
            is_direct: guild.is_none(),
            sent_at: when(sent),
            roles: roles.iter().map(|r| r.to_string()).collect(),
        }
    }

    /// Where an interaction came from and who sent it, by their server nickname where they
    /// have one. The guild's society is remembered for the member's later direct messages.
    async fn interaction_source(
        &self,
        guild: Option<GuildId>,
        user: &User,
        member: Option<&Member>,
        channel: ChannelId,
        id: InteractionId,
    ) -> (Origin, UserRef) {
        self.note_society(guild, user.id).await;
        let roles = member.map(|m| m.roles.as_slice()).unwrap_or(&[]);
        let origin = self
            .origin(
                guild,
                user.id,
                channel.to_string(),
                id.to_string(),
                id.created_at(),
                roles,
            )
            .await;
        (origin, person(user, member.and_then(|m| m.nick.as_deref())))
    }

    /// Queues the answer; if the store cannot take the event, the runtime has the member told
    /// through `direct` (and logs why), so there is nothing left to do here either way.
    async fn receive(&self, inbound: Inbound, direct: DiscordDirect) {
        let _ = self
            .runtime
            .receive_or_tell(&inbound, self.clock.now(), &direct)
            .await;
    }

    /// Keeps an interaction's token, so the outbox can answer it later, then receives it. If the
    /// token cannot be kept, neither can the command: the member is told directly.
    async fn receive_interaction(
        &self,
        ctx: &Context,
        id: InteractionId,
        kind: Kind,
        token: &str,
        inbound: Inbound,
    ) {
        let (kind, waiting) = match kind {
            Kind::Command => (
                "command",
                Waiting::Command {
                    token: token.to_string(),
                },
            ),
            Kind::Component => (
                "component",
                Waiting::Component {
                    token: token.to_string(),
                },
            ),
        };
        let direct = DiscordDirect {
            http: ctx.http.clone(),
            pace: self.pace.clone(),
            waiting,
        };
        let kept = self
            .runtime
            .bot()
            .store()
            .remember(
                PLATFORM,
                &format!("interaction:{id}"),
                &format!("{kind}:{token}"),
                self.clock.now(),
            )
            .await;
        match kept {
            Ok(()) => self.receive(inbound, direct).await,
            Err(error) => {
                self.runtime
                    .tell_store_failure(&inbound, &error, &direct)
                    .await
            }
        }
    }
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord");
        self.runtime.readiness().connected(PLATFORM);
    }

    async fn resume(&self, _ctx: Context, _event: ResumedEvent) {
        tracing::info!("Discord gateway session resumed");
        self.runtime.readiness().connected(PLATFORM);
    }

    /// Ready and resume say when the session is usable again; this says when it is lost.
    async fn shard_stage_update(&self, _ctx: Context, event: ShardStageUpdateEvent) {
        tracing::debug!(shard = %event.shard_id, stage = %event.new, "Discord shard stage");
        match event.new {
            ConnectionStage::Connected => {}
            ConnectionStage::Disconnected => self
                .runtime
                .readiness()
                .disconnected(PLATFORM, "gateway disconnected"),
            _ => self
                .runtime
                .readiness()
                .disconnected(PLATFORM, "gateway reconnecting"),
        }
    }

    /// Commands are registered per guild, in one bulk overwrite, each time a guild arrives; the
    /// permissions the guild's features need are checked then too.
    async fn guild_create(&self, ctx: Context, guild: Guild, _is_new: Option<bool>) {
        let bot = ctx.cache.current_user().id;
        super::permissions::check_guild(
            &ctx.http,
            &self.pace,
            &guild,
            bot,
            self.links.of_guild(guild.id),
        )
        .await;
        self.pace.admit().await;
        if let Err(error) = guild
            .id
            .set_commands(&ctx.http, commands::definitions())
            .await
        {
            tracing::error!(%error, guild = %guild.id, "registering slash commands failed");
        }
    }

    /// A member joined a guild: the core welcomes them privately (once). The id makes a
    /// redelivered event a duplicate; bots are not welcomed.
    async fn guild_member_addition(&self, ctx: Context, member: Member) {
        if member.user.bot {
            return;
        }
        let guild = member.guild_id;
        let room = ctx
            .cache
            .guild(guild)
            .and_then(|g| g.system_channel_id)
            .map(|c| c.to_string())
            .unwrap_or_else(|| guild.to_string());
        self.note_society(Some(guild), member.user.id).await;
        let inbound = Inbound::Join {
            origin: Origin {
                platform: PLATFORM.to_string(),
                society: self.links.society_of(Some(guild)),
                room,
                message_id: Some(format!("join:{guild}:{}", member.user.id)),
                is_direct: false,
                sent_at: member.joined_at.and_then(when),
                roles: Vec::new(),
            },
            sender: person(&member.user, member.nick.as_deref()),
        };
        let direct = DiscordDirect {
            http: ctx.http.clone(),
            pace: self.pace.clone(),
            waiting: Waiting::Nobody,
        };
        self.receive(inbound, direct).await;
    }

    async fn message(&self, ctx: Context, message: Message) {
        if message.author.bot {
            return;
        }
        let nick = message.member.as_ref().and_then(|m| m.nick.as_deref());
        let inbound = Inbound::Message {
            origin: self
                .origin(
                    message.guild_id,
                    message.author.id,
                    message.channel_id.to_string(),
                    message.id.to_string(),
                    message.timestamp,
                    message
                        .member
                        .as_ref()
                        .map(|m| m.roles.as_slice())
                        .unwrap_or(&[]),
                )
                .await,
            sender: person(&message.author, nick),
            text: message.content.clone(),
        };
        let direct = DiscordDirect {
            http: ctx.http.clone(),
            pace: self.pace.clone(),
            waiting: Waiting::Message {
                channel: message.channel_id,
                message: message.id,
            },
        };
        self.receive(inbound, direct).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Command(command) => {
                let invocation = Invocation::from_resolved(&command.data.options());
                if commands::opens_form(&command.data.name, &invocation) {
                    // Answered by the form itself; its submission comes back as a modal
                    // interaction.
                    let form = CreateInteractionResponse::Modal(modal::event_create());
                    if let Err(error) = command.create_response(&ctx.http, form).await {
                        tracing::warn!(%error, "could not open a form for a slash command");
                    }
                    return;
                }
                if let Err(error) = command.defer_ephemeral(&ctx.http).await {
                    tracing::warn!(%error, "could not acknowledge a slash command");
                    return;
                }
                let text = format!(
                    "{}{}",
                    self.prefix,
                    commands::to_text(&command.data.name, &invocation)
                );
                let (origin, sender) = self
                    .interaction_source(
                        command.guild_id,
                        &command.user,
                        command.member.as_deref(),
                        command.channel_id,
                        command.id,
                    )
                    .await;
                let inbound = Inbound::Message {
                    origin,
                    sender,
                    text,
                };
                self.receive_interaction(&ctx, command.id, Kind::Command, &command.token, inbound)
                    .await;
            }
            Interaction::Component(click) => {
                let Some(choice) = click.data.custom_id.strip_prefix(BUTTON_PREFIX) else {
                    return;
                };
                let choice = choice.to_string();
                if let Err(error) = click.defer(&ctx.http).await {
                    tracing::warn!(%error, "could not acknowledge a button");
                    return;
                }
                let (origin, sender) = self
                    .interaction_source(
                        click.guild_id,
                        &click.user,
                        click.member.as_ref(),
                        click.channel_id,
                        click.id,
                    )
                    .await;
                let inbound = Inbound::Choice {
                    origin,
                    sender,
                    choice,
                };
                self.receive_interaction(&ctx, click.id, Kind::Component, &click.token, inbound)
                    .await;
            }
            Interaction::Modal(submit) => {
                let values = modal::values(&submit.data.components);
                let Some(text) = modal::to_text(&submit.data.custom_id, &values) else {
                    return;
                };
                if let Err(error) = submit.defer_ephemeral(&ctx.http).await {
                    tracing::warn!(%error, "could not acknowledge a form");
                    return;
                }
                let (origin, sender) = self
                    .interaction_source(
                        submit.guild_id,
                        &submit.user,
                        submit.member.as_ref(),
                        submit.channel_id,
                        submit.id,
                    )
                    .await;
                let inbound = Inbound::Message {
                    origin,
                    sender,
                    text: format!("{}{text}", self.prefix),
                };
                // Answered like a slash command: by editing the deferred response.
                self.receive_interaction(&ctx, submit.id, Kind::Command, &submit.token, inbound)
                    .await;
            }
            _ => {}
        }
    }
}
