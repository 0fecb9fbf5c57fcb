//! Which society a guild is, and the channels it configured.

use serenity::all::{ChannelId, GuildId, RoleId};

use crate::config::DiscordLink;

/// How the core names this platform (origins, memory keys, idempotency keys).
pub const PLATFORM: &str = "discord";

/// The key of the society for guilds no configuration claims.
pub const DEFAULT_SOCIETY: &str = "default";

pub struct Links {
    links: Vec<DiscordLink>,
}

impl Links {
    pub fn new(links: Vec<DiscordLink>) -> Links {
        Links { links }
    }

    pub fn society_of(&self, guild: Option<GuildId>) -> String {
        guild
            .and_then(|g| self.links.iter().find(|l| l.guild == g.get()))
            .map(|l| l.society.clone())
            .unwrap_or_else(|| DEFAULT_SOCIETY.to_string())
    }

    /// The society of a direct message, which carries no guild: the only linked society when
    /// there is one; otherwise None, and the caller asks what it remembered of the member.
    pub fn sole_society(&self) -> Option<String> {
        match self.links.as_slice() {
            [only] => Some(only.society.clone()),
            _ => None,
        }
    }

    /// The configuration of a guild, if a society claims it.
    pub fn of_guild(&self, guild: GuildId) -> Option<&DiscordLink> {
        self.links.iter().find(|l| l.guild == guild.get())
    }

    fn link(&self, society: &str) -> Option<&DiscordLink> {
        self.links.iter().find(|l| l.society == society)
    }

    pub fn announcements_channel(&self, society: &str) -> Option<ChannelId> {
        self.link(society)
            .and_then(|l| l.announcements)
            .map(ChannelId::new)
    }

    pub fn celebrations_channel(&self, society: &str) -> Option<ChannelId> {
        self.link(society)
            .and_then(|l| l.celebrations)
            .filter(|c| *c != 0)
            .map(ChannelId::new)
    }

    /// The guild and role that stand for one of the society's groups, if it mapped one.
    pub fn group_role(&self, society: &str, group: &str) -> Option<(GuildId, RoleId)> {
        let link = self.link(society).filter(|l| l.guild != 0)?;
        let role = link.group_roles.get(group).copied().filter(|r| *r != 0)?;
        Some((GuildId::new(link.guild), RoleId::new(role)))
    }

    pub fn pairing_channel(&self, society: &str) -> Option<ChannelId> {
        self.link(society)
            .and_then(|l| l.pairing)
            .map(ChannelId::new)
    }

    /// The guild to mirror events into, if the society turned `scheduled_events` on.
    pub fn scheduled_events_guild(&self, society: &str) -> Option<GuildId> {
        self.link(society)
            .filter(|l| l.scheduled_events)
            .map(|l| GuildId::new(l.guild))
    }

    pub fn admin_channel(&self, society: &str) -> Option<ChannelId> {
        self.link(society)
            .and_then(|l| l.admin_channel)
            .map(ChannelId::new)
    }

    /// Mass mentions (@everyone, @here, roles) only in a society's own announcement or
    /// celebration channel, and only if that society allows them.
    pub fn mass_mentions_allowed(&self, channel: ChannelId) -> bool {
        self.links.iter().any(|l| {
            l.allow_mass_mentions
                && (l.announcements == Some(channel.get()) || l.celebrations == Some(channel.get()))
        })
    }
}
