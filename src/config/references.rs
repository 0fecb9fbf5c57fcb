//! Settings that name other settings: a group's role or room names a group, a society's rooms
//! and channels are its own and no other society's. Each problem names the key, its line, and
//! what to change.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;

use super::file::{SocietySection, Source};

/// The society that rooms, guilds and channels no configured society claims belong to.
pub const DEFAULT_SOCIETY_KEY: &str = "default";

#[derive(Debug, Default)]
pub(super) struct Findings {
    /// The configuration cannot run as written.
    pub(super) errors: Vec<String>,
    /// It runs, but probably not as meant.
    pub(super) warnings: Vec<String>,
}

/// Checks every cross-reference among the societies.
pub(super) fn check<'a>(
    societies: &[SocietySection],
    from_file: &dyn Fn(Range<usize>) -> Source<'a>,
) -> Findings {
    let mut findings = Findings::default();
    let at = |span: Range<usize>, key: &str| from_file(span).describe(key);
    // Each claimed guild, channel and room → (society, where it was written), to find the
    // second society claiming the same one.
    let mut guilds: BTreeMap<u64, (String, String)> = BTreeMap::new();
    let mut channels: BTreeMap<u64, (String, String)> = BTreeMap::new();
    let mut rooms: BTreeMap<String, (String, String)> = BTreeMap::new();
    for section in societies {
        let society = section.key.get_ref().trim();
        let errors = &mut findings.errors;
        if society == DEFAULT_SOCIETY_KEY {
            errors.push(format!(
                "{} `{DEFAULT_SOCIETY_KEY}` is reserved for rooms and guilds no society claims: \
                 choose another key",
                at(section.key.span(), "societies.key")
            ));
        }
        let unknown_group = |group: &str, span: Range<usize>, key: &str| {
            (!section.groups.iter().any(|g| g == group)).then(|| {
                format!(
                    "{} names the group `{group}`, which is not in the society's `groups` ({}): \
                     add it to `groups` or correct the name",
                    at(span, key),
                    listed(&section.groups)
                )
            })
        };
        for group in section.group_for.values() {
            errors.extend(unknown_group(
                group.get_ref(),
                group.span(),
                "societies.group_for",
            ));
        }
        if let Some(discord) = &section.discord {
            let ids = [
                (Some(&discord.guild), "societies.discord.guild"),
                (
                    discord.announcements.as_ref(),
                    "societies.discord.announcements",
                ),
                (
                    discord.celebrations.as_ref(),
                    "societies.discord.celebrations",
                ),
                (discord.pairing.as_ref(), "societies.discord.pairing"),
                (
                    discord.admin_channel.as_ref(),
                    "societies.discord.admin_channel",
                ),
                (
                    discord.committee_role.as_ref(),
                    "societies.discord.committee_role",
                ),
                (
                    discord.organiser_role.as_ref(),
                    "societies.discord.organiser_role",
                ),
            ];
            for (id, key) in ids
                .iter()
                .filter_map(|(id, key)| Some((id.as_ref()?, *key)))
            {
                if *id.get_ref() == 0 {
                    errors.push(format!(
                        "{} is 0, which is no Discord id: copy the id (developer mode, right-click → Copy ID)",
                        at(id.span(), key)
                    ));
                }
            }
            claim(
                &mut guilds,
                *discord.guild.get_ref(),
                society,
                at(discord.guild.span(), "societies.discord.guild"),
                "guild",
                errors,
            );
            for (id, key) in ids[1..5]
                .iter()
                .filter_map(|(id, key)| Some((id.as_ref()?, *key)))
            {
                claim(
                    &mut channels,
                    *id.get_ref(),
                    society,
                    at(id.span(), key),
                    "channel",
                    errors,
                );
            }
            for (group, role) in &discord.group_roles {
                let key = "societies.discord.group_roles";
                errors.extend(unknown_group(group, role.span(), key));
                let powerful = [
                    (&discord.committee_role, "committee_role", "the committee"),
                    (&discord.organiser_role, "organiser_role", "organisers"),
                ];
                for (other, name, who) in powerful {
                    if other.as_ref().map(Spanned::get_ref) == Some(role.get_ref()) {
                        errors.push(format!(
                            "{} gives the group `{group}` the society's {name}: the welcome would \
                             make every newcomer in it one of {who}. Use the group's own role",
                            at(role.span(), key)
                        ));
                    }
                }
            }
        }
        if let Some(matrix) = &section.matrix {
            let key_of = |name: &str| format!("societies.matrix.{name}");
            // The rooms the adapter counts as the society's own (and no other's).
            let claimed: Vec<(&Spanned<String>, String)> = matrix
                .rooms
                .iter()
                .map(|room| (room, key_of("rooms")))
                .chain(matrix.space.iter().map(|room| (room, key_of("space"))))
                .chain(
                    matrix
                        .admin_room
                        .iter()
                        .map(|room| (room, key_of("admin_room"))),
                )
                .collect();
            let referenced: Vec<(&Spanned<String>, String)> = matrix
                .announcements
                .iter()
                .map(|room| (room, key_of("announcements")))
                .chain(
                    matrix
                        .celebrations
                        .iter()
                        .map(|room| (room, key_of("celebrations"))),
                )
                .chain(
                    matrix
                        .group_rooms
                        .values()
                        .map(|room| (room, key_of("group_rooms"))),
                )
                .collect();
            for (room, key) in claimed.iter().chain(&referenced) {
                let id = room.get_ref();
                if !is_room_id(id) {
                    errors.push(format!(
                        "{} `{id}` is not a room id like `!AbCdEf:example.org`: Rounds does not \
                         resolve aliases; copy the id from the room's settings (Advanced)",
                        at(room.span(), key)
                    ));
                }
            }
            for (room, key) in &claimed {
                claim(
                    &mut rooms,
                    room.get_ref().clone(),
                    society,
                    at(room.span(), key),
                    "room",
                    errors,
                );
            }
            for (group, room) in &matrix.group_rooms {
                let key = "societies.matrix.group_rooms";
                errors.extend(unknown_group(group, room.span(), key));
                if matrix.admin_room.as_ref().map(Spanned::get_ref) == Some(room.get_ref()) {
                    errors.push(format!(
                        "{} sends the group `{group}` to the admin room: the welcome would invite \
                         every newcomer in it to the committee's room. Give the group its own room",
                        at(room.span(), key)
                    ));
                }
            }
            if matrix.space.is_none() {
                for (room, key) in &referenced {
                    if !claimed.iter().any(|(c, _)| c.get_ref() == room.get_ref()) {
                        findings.warnings.push(format!(
                            "{} `{}` is not among the society's `rooms` and it has no `space`: \
                             commands there count for the default society. Add it to `rooms`",
                            at(room.span(), key),
                            room.get_ref()
                        ));
                    }
                }
            }
        }
    }
    // A room or channel one society only refers to must not be another society's own.
    for section in societies {
        let society = section.key.get_ref().trim();
        if let Some(matrix) = &section.matrix {
            let referenced = matrix
                .announcements
                .iter()
                .map(|room| (room, "societies.matrix.announcements"))
                .chain(
                    matrix
                        .celebrations
                        .iter()
                        .map(|room| (room, "societies.matrix.celebrations")),
                )
                .chain(
                    matrix
                        .group_rooms
                        .values()
                        .map(|room| (room, "societies.matrix.group_rooms")),
                );
            for (room, key) in referenced {
                if let Some((owner, place)) = rooms.get(room.get_ref())
                    && owner != society
                {
                    findings.errors.push(format!(
                        "{} `{}` is society `{owner}`'s room ({place}): give society `{society}` a room of its own",
                        at(room.span(), key),
                        room.get_ref()
                    ));
                }
            }
        }
    }
    findings
}

/// Records that `society` claims `id`; a second society claiming it is an error naming both.
fn claim<K: Ord>(
    claims: &mut BTreeMap<K, (String, String)>,
    id: K,
    society: &str,
    place: String,
    what: &str,
    errors: &mut Vec<String>,
) {
    match claims.get(&id) {
        Some((owner, first)) if owner != society => errors.push(format!(
            "{place}: the same {what} is already society `{owner}`'s ({first}); a {what} belongs \
             to one society only: remove it from one of them"
        )),
        Some(_) => {}
        None => {
            claims.insert(id, (society.to_string(), place));
        }
    }
}

/// A Matrix room id: `!opaque:server`.
fn is_room_id(text: &str) -> bool {
    text.strip_prefix('!')
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(local, server)| !local.is_empty() && !server.is_empty())
}

fn listed(names: &[String]) -> String {
    if names.is_empty() {
        "none yet".to_string()
    } else {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
