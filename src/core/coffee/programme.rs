//! What every side of coffee shares about a programme: its defaults and limits, which one a
//! member means, and how it is named in replies.

use chrono::{DateTime, Duration, Utc};

use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::pairing::Mode;
use crate::core::store::{CoffeeMember, Programme};
use crate::core::when::{self};

pub const DEFAULT_RULE: &str = "every Monday 09:00";
pub const DEFAULT_CHECKIN: Duration = Duration::days(5);
/// Unanswered check-ins in a row after which a member is paused.
pub const MISSED_CHECKINS_BEFORE_PAUSE: usize = 3;
pub(super) const LONGEST_PAUSE: Duration = Duration::days(366);
/// "Planned" offers a reminder this far ahead.
pub(super) const PLANNED_REMINDER: Duration = Duration::days(2);
pub(super) const HISTORY_SHOWN: usize = 20;

/// Paused until they come back: far enough never to be reached, small enough for any database.
pub(super) fn indefinitely() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

pub(super) fn group_key(group: Option<&str>) -> String {
    group.map(|g| g.trim().to_lowercase()).unwrap_or_default()
}

/// "the coffee pairings" or "the surgery group's coffee pairings".
pub(super) fn programme_name(programme: &Programme) -> String {
    let kind = if programme.mode == Mode::Mentor {
        "mentor pairings"
    } else {
        "coffee pairings"
    };
    if programme.group.is_empty() {
        format!("the {kind}")
    } else {
        format!("the {} group's {kind}", programme.group)
    }
}

/// " (add `group surgery`)" when the programme is a group's, for commands that must name it.
pub fn group_hint(programme: &Programme) -> String {
    if programme.group.is_empty() {
        String::new()
    } else {
        format!(" (add `group {}`)", programme.group)
    }
}

pub(super) fn group_option(programme: &Programme) -> String {
    if programme.group.is_empty() {
        String::new()
    } else {
        format!(" group {}", programme.group)
    }
}

/// The command(s) that join a programme: mentor programmes are joined by offering or asking.
pub(super) fn join_commands(programme: &Programme, p: &str) -> String {
    if programme.mode == Mode::Mentor {
        format!("`{p}mentor offer` or `{p}mentor seek`")
    } else {
        format!("`{p}coffee join{}`", group_option(programme))
    }
}

/// The programme a member means: the named group's, else the society-wide one, else the only one.
pub(super) async fn find_programme(
    ctx: &Ctx<'_>,
    group: Option<&str>,
) -> Result<Programme, Refusal> {
    let programmes = ctx.store.programmes(&ctx.society.key).await?;
    let p = ctx.prefix();
    if programmes.is_empty() {
        return Err(Refusal::said(no_programme_yet(ctx)));
    }
    let key = group_key(group);
    if let Some(found) = programmes.iter().find(|pr| pr.group == key) {
        return Ok(found.clone());
    }
    if group.is_none() && programmes.len() == 1 {
        return Ok(programmes[0].clone());
    }
    let groups: Vec<String> = programmes
        .iter()
        .filter(|pr| !pr.group.is_empty())
        .map(|pr| format!("`group {}`", pr.group))
        .collect();
    Err(Refusal::said(match group {
        Some(name) => format!(
            "There are no pairings for a group called {}. Groups with pairings: {}.",
            name.chars().take(40).collect::<String>(),
            if groups.is_empty() {
                "none yet".to_string()
            } else {
                groups.join(", ")
            }
        ),
        None => format!(
            "{} runs pairings per group; add which one, e.g. `{p}coffee join {}`. Groups: {}.",
            ctx.society.sentence_name(),
            groups
                .first()
                .map(|g| g.trim_matches('`'))
                .unwrap_or("group <name>"),
            groups.join(", ")
        ),
    }))
}

/// "Demo Society has no coffee pairings yet…", for a member asking before there are any.
pub(super) fn no_programme_yet(ctx: &Ctx<'_>) -> String {
    format!(
        "{} has no coffee pairings yet. The committee can start them with `{}coffee setup`.",
        ctx.society.sentence_name(),
        ctx.prefix()
    )
}

/// The first scheduled round the member takes part in: the programme's next round unless
/// they skip it or are paused past it. Paused until they come back, it is the programme's.
pub(super) fn next_round_for(programme: &Programme, member: &CoffeeMember) -> DateTime<Utc> {
    let mut round = programme.next_round;
    if let Some(until) = member.paused_until.filter(|until| *until > round) {
        if member.auto_paused || until >= indefinitely() {
            return programme.next_round;
        }
        // The first occurrence at or after the pause's end.
        match programme
            .rule
            .next_after(until - Duration::seconds(1), programme.zone)
        {
            Some(first) => round = first,
            None => return programme.next_round,
        }
    }
    // A skip covers one round, so this takes a step or two.
    for _ in 0..4 {
        if member.takes_part_in(round) {
            return round;
        }
        match programme.rule.next_after(round, programme.zone) {
            Some(next) => round = next,
            None => break,
        }
    }
    programme.next_round
}

pub(super) fn parse_checkin(text: &str) -> Result<Duration, Refusal> {
    let span = when::parse_duration(text)?;
    if span < Duration::hours(1) || span > Duration::days(28) {
        return Err(Refusal::said(
            "The check-in must come between 1 hour and 28 days after a round, e.g. `checkin 5 days`.",
        ));
    }
    Ok(span)
}

pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
