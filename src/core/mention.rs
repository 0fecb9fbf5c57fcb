//! A member named in a command (`@ana`, `<@123>`, `@ana:example.org`), resolved to a `UserRef`.
//!
//! Platforms spell members differently, but each spelling is plain text in the command, so the
//! parsing lives here once: Discord's `<@id>` and `<@!id>`, a Matrix id (`@user:server`), and
//! the shell's `@name`.

use super::context::Ctx;
use super::error::Refusal;
use super::io::UserRef;

const MASS_MENTIONS: [&str; 4] = ["everyone", "here", "room", "channel"];

/// The platform id a typed mention stands for, or None if the text is not a mention.
pub fn id_of(text: &str) -> Option<String> {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix("<@").and_then(|t| t.strip_suffix('>')) {
        let inner = inner.trim_start_matches('!');
        return (!inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit()))
            .then(|| inner.to_string());
    }
    let rest = text.strip_prefix('@')?;
    // Whole-room pings on Discord and Matrix: never one member, whatever a shell name may be.
    if MASS_MENTIONS.contains(&rest.to_lowercase().as_str()) {
        return None;
    }
    if rest.is_empty() || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    if rest.contains(':') {
        // A Matrix id keeps its sigil: that is how Matrix spells the member.
        Some(text.to_string())
    } else if rest
        .chars()
        .all(|c| c.is_alphanumeric() || "-_.".contains(c))
    {
        Some(rest.to_lowercase())
    } else {
        None
    }
}

/// The member a command names, with the name Rounds knows them by: their profile's, else a
/// readable form of the id (a Matrix localpart, the shell name; a Discord id is rendered as a
/// ping by the adapter). `example` is the asking command's own, shown when `text` is no mention.
pub async fn resolve(ctx: &Ctx<'_>, text: &str, example: &str) -> Result<UserRef, Refusal> {
    let id = id_of(text).ok_or_else(|| {
        Refusal::said(format!(
            "Name the member with an @mention, e.g. `{example}`; `{}` is not one.",
            text.chars().take(40).collect::<String>()
        ))
    })?;
    let name = match ctx.store.profile(&ctx.society.key, &id).await? {
        Some(profile) if !profile.name.is_empty() => profile.name,
        _ => readable(&id),
    };
    Ok(UserRef { id, name })
}

fn readable(id: &str) -> String {
    if id.chars().all(|c| c.is_ascii_digit()) {
        // A Discord id: written as a mention, Discord shows the member's name.
        return format!("<@{id}>");
    }
    match id.strip_prefix('@').and_then(|rest| rest.split_once(':')) {
        Some((local, _)) => local.to_string(),
        None => id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_platform_spelling_gives_its_id() {
        assert_eq!(id_of("<@123456>").as_deref(), Some("123456"));
        assert_eq!(id_of("<@!123456>").as_deref(), Some("123456"));
        assert_eq!(
            id_of("@ana:example.org").as_deref(),
            Some("@ana:example.org")
        );
        assert_eq!(id_of("@Intern1").as_deref(), Some("intern1"));
        assert_eq!(id_of("ana"), None);
        assert_eq!(id_of("<@abc>"), None);
        assert_eq!(id_of("@"), None);
        assert_eq!(id_of("@a/b"), None);
        assert_eq!(id_of("@everyone"), None);
        assert_eq!(id_of("@Here"), None);
        assert_eq!(id_of("@room"), None);
        assert_eq!(readable("@ana:example.org"), "ana");
        assert_eq!(readable("123456"), "<@123456>");
    }
}
