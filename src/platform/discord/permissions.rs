//! The Discord permissions Rounds uses, each tied to what Rounds does with it. The invite URL
//! (`rounds check-config`) and the start-up check of each guild are both computed from
//! `FEATURES`, so a new call that needs a permission is added here once.

use serenity::all::{ChannelId, Guild, Http, Permissions, RoleId, UserId};

use super::pacing::Pace;
use crate::config::DiscordLink;

/// Discord's error code for a request the bot's permissions do not allow (with HTTP 403).
pub const MISSING_PERMISSIONS: isize = 50013;

/// What a delivery refused for missing permissions says after Discord's message: the committee
/// reads it in its log, and the operator finds the permission in the start-up warning.
pub const MISSING_ADVICE: &str = "Rounds lacks a Discord permission this needs (the warning \
    logged at start-up names which; `rounds check-config` prints an invite URL with all of them)";

/// When a guild needs a feature's permissions: some features only run where the society
/// configured them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needed {
    Always,
    /// Coffee introductions, which open private threads in the pairing channel.
    PairingChannel,
    /// Group roles given to newcomers.
    GroupRoles,
    /// Events mirrored into the guild's Events tab.
    ScheduledEvents,
    /// `@everyone` and role pings in announcements. Not in the invite: a guild should not be
    /// asked to let a bot ping everyone unless its operator turns that on.
    MassMentions,
}

/// One thing Rounds does on Discord and the permissions it takes.
#[derive(Debug)]
pub struct Feature {
    /// What fails without the permissions, as a warning says it.
    pub what: &'static str,
    pub permissions: Permissions,
    pub needed: Needed,
}

/// Everything Rounds calls on Discord. Application commands need the `applications.commands`
/// scope, not a permission (Use Application Commands is the members' permission to run them),
/// and answers to interactions go through the interaction's token, so neither is listed.
pub const FEATURES: &[Feature] = &[
    Feature {
        what: "answers, announcements and reminders in channels",
        permissions: Permissions::VIEW_CHANNEL.union(Permissions::SEND_MESSAGES),
        needed: Needed::Always,
    },
    Feature {
        // Discord refuses a reply (a message reference) and a reaction without it.
        what: "replies to commands and reactions",
        permissions: Permissions::READ_MESSAGE_HISTORY,
        needed: Needed::Always,
    },
    Feature {
        what: "reactions (acknowledgements and celebrations)",
        permissions: Permissions::ADD_REACTIONS,
        needed: Needed::Always,
    },
    Feature {
        what: "calendar files (.ics) attached to messages",
        permissions: Permissions::ATTACH_FILES,
        needed: Needed::Always,
    },
    Feature {
        what: "previews of the links Rounds posts",
        permissions: Permissions::EMBED_LINKS,
        needed: Needed::Always,
    },
    Feature {
        // The threads are not invitable, so adding the members takes Manage Threads.
        what: "coffee introductions in private threads",
        permissions: Permissions::CREATE_PRIVATE_THREADS
            .union(Permissions::SEND_MESSAGES_IN_THREADS)
            .union(Permissions::MANAGE_THREADS),
        needed: Needed::PairingChannel,
    },
    Feature {
        what: "group roles given to newcomers",
        permissions: Permissions::MANAGE_ROLES,
        needed: Needed::GroupRoles,
    },
    Feature {
        // Since 23 February 2026 Manage Events no longer lets a bot create events; Create
        // Events also covers editing and deleting the events it created.
        what: "events mirrored into the Events tab",
        permissions: Permissions::CREATE_EVENTS,
        needed: Needed::ScheduledEvents,
    },
    Feature {
        what: "@everyone and role pings in announcements",
        permissions: Permissions::MENTION_EVERYONE,
        needed: Needed::MassMentions,
    },
];

/// The permissions the invite URL asks for: every feature a society can turn on by
/// configuration alone.
pub fn invite_permissions() -> Permissions {
    FEATURES
        .iter()
        .filter(|f| f.needed != Needed::MassMentions)
        .fold(Permissions::empty(), |all, f| all | f.permissions)
}

/// The OAuth2 URL that adds the bot to a guild with `invite_permissions`; without a client id,
/// a placeholder the operator fills in.
pub fn invite_url(client_id: Option<u64>) -> String {
    let client = client_id.map_or_else(|| "<application id>".to_string(), |id| id.to_string());
    format!(
        "https://discord.com/oauth2/authorize?client_id={client}&scope=bot+applications.commands&permissions={}",
        invite_permissions().bits()
    )
}

/// The bot's user id, which is its application (client) id, from the token: a bot token's first
/// part is that id in base64. None for a token of another shape.
pub fn client_id_from_token(token: &str) -> Option<u64> {
    let first = token.trim().split('.').next()?;
    let mut bits: u32 = 0;
    let mut held = 0;
    let mut bytes = Vec::new();
    for c in first.bytes().filter(|c| *c != b'=') {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        held += 6;
        if held >= 8 {
            held -= 8;
            bytes.push((bits >> held) as u8);
            bits &= (1 << held) - 1;
        }
    }
    let id: u64 = std::str::from_utf8(&bytes).ok()?.parse().ok()?;
    (id != 0).then_some(id)
}

/// Whether a guild linked as `link` (None: not claimed by any society) needs `needed`.
fn applies(needed: Needed, link: Option<&DiscordLink>) -> bool {
    match needed {
        Needed::Always => true,
        Needed::PairingChannel => link.is_some_and(|l| l.pairing.is_some()),
        Needed::GroupRoles => link.is_some_and(|l| !l.group_roles.is_empty()),
        Needed::ScheduledEvents => link.is_some_and(|l| l.scheduled_events),
        Needed::MassMentions => link.is_some_and(|l| l.allow_mass_mentions),
    }
}

/// The guild-wide permissions of a member: `@everyone`'s and their roles' together; the owner
/// and Administrator have all. Channel overwrites can still take some away in one channel.
pub fn base_permissions(
    everyone: Permissions,
    roles: impl IntoIterator<Item = Permissions>,
    owner: bool,
) -> Permissions {
    let granted = roles.into_iter().fold(everyone, |all, role| all | role);
    if owner || granted.contains(Permissions::ADMINISTRATOR) {
        Permissions::all()
    } else {
        granted
    }
}

/// The features a guild needs and `granted` does not cover, with the permissions they lack.
pub fn missing(
    granted: Permissions,
    link: Option<&DiscordLink>,
) -> Vec<(&'static Feature, Permissions)> {
    FEATURES
        .iter()
        .filter(|f| applies(f.needed, link))
        .filter_map(|f| {
            let lacking = f.permissions - granted;
            (!lacking.is_empty()).then_some((f, lacking))
        })
        .collect()
}

/// What the bot holds in one channel Rounds posts in, after the channel's overwrites.
#[derive(Debug)]
pub struct InChannel {
    /// `#name`, as a warning shows it.
    pub name: String,
    pub granted: Permissions,
    /// The pairing channel, where introductions open threads.
    pub pairing: bool,
}

/// Whether a feature's permissions matter in a channel (the others are server-wide).
fn used_in_channel(feature: &Feature, channel: &InChannel) -> bool {
    match feature.needed {
        Needed::Always => true,
        Needed::PairingChannel => channel.pairing,
        Needed::GroupRoles | Needed::ScheduledEvents | Needed::MassMentions => false,
    }
}

/// One line naming the permissions a guild lacks (server-wide, or taken away in a channel Rounds
/// posts in) and what fails without them, or None.
pub fn warning(
    guild: &str,
    granted: Permissions,
    channels: &[InChannel],
    link: Option<&DiscordLink>,
) -> Option<String> {
    let server_wide = missing(granted, link);
    let mut lacking = Vec::new();
    let mut failing: Vec<&'static Feature> = server_wide.iter().map(|(f, _)| *f).collect();
    if !server_wide.is_empty() {
        let all = server_wide
            .iter()
            .fold(Permissions::empty(), |all, (_, p)| all | *p);
        lacking.push(names(all).join(", "));
    }
    for channel in channels {
        // What the server grants and the channel takes away; the rest is named above.
        let taken = FEATURES
            .iter()
            .filter(|f| applies(f.needed, link) && used_in_channel(f, channel))
            .filter_map(|f| {
                let taken = (f.permissions & granted) - channel.granted;
                (!taken.is_empty()).then_some((f, taken))
            })
            .collect::<Vec<_>>();
        if taken.is_empty() {
            continue;
        }
        let all = taken
            .iter()
            .fold(Permissions::empty(), |all, (_, p)| all | *p);
        lacking.push(format!("{} in {}", names(all).join(", "), channel.name));
        failing.extend(taken.iter().map(|(f, _)| *f));
    }
    if lacking.is_empty() {
        return None;
    }
    // In `FEATURES` order, each once.
    let what: Vec<&str> = FEATURES
        .iter()
        .filter(|f| failing.iter().any(|g| std::ptr::eq(*g, *f)))
        .map(|f| f.what)
        .collect();
    let channel_too = if lacking.len() > usize::from(!server_wide.is_empty()) {
        " (and in the channel's permissions)"
    } else {
        ""
    };
    Some(format!(
        "Discord guild {guild}: Rounds lacks {}, so these fail: {}. Grant them to Rounds' role in \
         Server Settings > Roles{channel_too}, or invite it again with the URL `rounds \
         check-config` prints",
        lacking.join("; "),
        what.join("; ")
    ))
}

/// The names Discord's role settings show, but the short name for Mention Everyone, whose
/// long one ("Mention @everyone, @here, and All Roles") would break a list on its commas.
fn names(permissions: Permissions) -> Vec<&'static str> {
    let mut names = (permissions - Permissions::MENTION_EVERYONE).get_permission_names();
    if permissions.contains(Permissions::MENTION_EVERYONE) {
        names.push("Mention Everyone");
    }
    names
}

/// Logs one warning if the bot lacks, in `guild`, a permission a feature the guild uses needs.
/// A large guild's GUILD_CREATE may leave the bot's own member out; then it is fetched.
pub async fn check_guild(
    http: &Http,
    pace: &Pace,
    guild: &Guild,
    bot: UserId,
    link: Option<&DiscordLink>,
) {
    let member = match guild.members.get(&bot) {
        Some(member) => member.clone(),
        None => match async {
            pace.admit().await;
            guild.id.member(http, bot).await
        }
        .await
        {
            Ok(member) => member,
            Err(error) => {
                tracing::debug!(%error, guild = %guild.id, "cannot fetch the bot's member; permissions not checked");
                return;
            }
        },
    };
    let everyone = guild
        .roles
        .get(&RoleId::new(guild.id.get()))
        .map(|r| r.permissions)
        .unwrap_or_else(Permissions::empty);
    let roles = member
        .roles
        .iter()
        .filter_map(|id| guild.roles.get(id))
        .map(|r| r.permissions);
    let granted = base_permissions(everyone, roles, guild.owner_id == bot);
    let configured = link.into_iter().flat_map(|l| {
        [l.announcements, l.celebrations, l.admin_channel]
            .into_iter()
            .flatten()
            .map(|id| (id, false))
            .chain(l.pairing.map(|id| (id, true)))
    });
    let channels: Vec<InChannel> = configured
        .filter_map(|(id, pairing)| {
            let channel = guild.channels.get(&ChannelId::new(id))?;
            Some(InChannel {
                name: format!("#{}", channel.name),
                granted: guild.user_permissions_in(channel, &member),
                pairing,
            })
        })
        .collect();
    let name = format!("{} ({})", guild.name, guild.id);
    if let Some(line) = warning(&name, granted, &channels, link) {
        tracing::warn!(guild = %guild.id, "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_invite_asks_for_exactly_what_rounds_uses() {
        let expected = Permissions::VIEW_CHANNEL
            | Permissions::SEND_MESSAGES
            | Permissions::READ_MESSAGE_HISTORY
            | Permissions::ADD_REACTIONS
            | Permissions::ATTACH_FILES
            | Permissions::EMBED_LINKS
            | Permissions::CREATE_PRIVATE_THREADS
            | Permissions::SEND_MESSAGES_IN_THREADS
            | Permissions::MANAGE_THREADS
            | Permissions::MANAGE_ROLES
            | Permissions::CREATE_EVENTS;
        assert_eq!(invite_permissions(), expected);
        let bits: Vec<u32> = (0..64)
            .filter(|bit| invite_permissions().bits() >> bit & 1 == 1)
            .collect();
        assert_eq!(bits, [6, 10, 11, 14, 15, 16, 28, 34, 36, 38, 44]);
        assert_eq!(invite_permissions().bits(), 17_953_231_850_560);
    }

    #[test]
    fn the_client_id_is_read_from_a_bot_token() {
        // "MTMwMDAwMDAwMDAwMDAwMDAwMg" is base64 of "1300000000000000002".
        assert_eq!(
            client_id_from_token("MTMwMDAwMDAwMDAwMDAwMDAwMg.GabcDe.secretpart"),
            Some(1_300_000_000_000_000_002)
        );
        assert_eq!(client_id_from_token("test-token"), None);
        assert!(
            invite_url(Some(42))
                .contains("client_id=42&scope=bot+applications.commands&permissions=")
        );
    }

    #[test]
    fn administrator_grants_everything_and_roles_add_up() {
        let granted = base_permissions(
            Permissions::VIEW_CHANNEL,
            [Permissions::SEND_MESSAGES],
            false,
        );
        assert_eq!(
            granted,
            Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES
        );
        let admin = base_permissions(Permissions::empty(), [Permissions::ADMINISTRATOR], false);
        assert!(missing(admin, Some(&everything_on())).is_empty());
    }

    fn everything_on() -> DiscordLink {
        DiscordLink {
            pairing: Some(1),
            scheduled_events: true,
            allow_mass_mentions: true,
            group_roles: [("interns".to_string(), 2)].into(),
            ..DiscordLink::default()
        }
    }

    #[test]
    fn a_guild_is_only_warned_about_what_it_uses() {
        let granted = Permissions::VIEW_CHANNEL
            | Permissions::SEND_MESSAGES
            | Permissions::READ_MESSAGE_HISTORY
            | Permissions::ADD_REACTIONS
            | Permissions::EMBED_LINKS;
        let line = warning("Medical Society (1)", granted, &[], None).unwrap();
        assert!(line.contains("lacks Attach Files, so"), "{line}");
        assert!(line.contains("calendar files (.ics)"), "{line}");
        assert!(!line.contains("Create Events"), "{line}");
        assert!(!line.contains("channel's permissions"), "{line}");
        let line = warning("Medical Society (1)", granted, &[], Some(&everything_on())).unwrap();
        for name in [
            "Create Events",
            "Manage Roles",
            "Manage Threads",
            "Mention Everyone",
        ] {
            assert!(line.contains(name), "{name} in {line}");
        }
        assert_eq!(warning("x", invite_permissions(), &[], None), None);
    }

    #[test]
    fn a_channel_that_takes_a_permission_away_is_named() {
        let news = InChannel {
            name: "#announcements".into(),
            granted: invite_permissions() - Permissions::SEND_MESSAGES - Permissions::ATTACH_FILES,
            pairing: false,
        };
        let coffee = InChannel {
            name: "#coffee".into(),
            granted: invite_permissions() - Permissions::CREATE_PRIVATE_THREADS,
            pairing: true,
        };
        let granted = invite_permissions() - Permissions::ATTACH_FILES;
        let link = everything_on();
        let line = warning("M (1)", granted, &[news, coffee], Some(&link)).unwrap();
        assert!(
            line.contains(
                "lacks Attach Files, Mention Everyone; Send Messages in #announcements; \
                 Create Private Threads in #coffee, so these fail: answers, announcements and \
                 reminders in channels; calendar files (.ics) attached to messages; coffee \
                 introductions in private threads; @everyone and role pings in announcements."
            ),
            "{line}"
        );
        assert!(
            line.contains("Roles (and in the channel's permissions), or"),
            "{line}"
        );
        let fine = InChannel {
            name: "#general".into(),
            granted: Permissions::all(),
            pairing: true,
        };
        assert_eq!(warning("M (1)", invite_permissions(), &[fine], None), None);
    }
}
