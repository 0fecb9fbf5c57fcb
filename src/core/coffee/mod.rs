//! `!coffee`: pairing programmes, members joining and pausing, rounds, introductions and the
//! did-you-meet check-in. The grouping itself is `pairing::arrange`; this module feeds it the
//! roster and history from the store and turns its groups into introductions.

mod checkin;
mod committee;
mod membership;
mod round;

pub use checkin::{choice, fire_checkin};
use committee::{preview, run_now, setup, stats};
use membership::{history, join, leave, pause, skip, status};
pub use round::{fire_round, run_round};

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::command::{CoffeeCommand, CoffeeSetup, Stage};
use super::error::{Refusal, StoreError};
use super::io::{Action, Choice, Message, UserRef};
use super::pairing::{self, History, Mode, Person};
use super::store::{
    CoffeeGroup, CoffeeMember, Job, MentorOffer, NewRound, Profile, Programme, Store,
};
use super::time_format;
use super::when::{self, Rule};
use super::{Bot, Ctx, Fired, Settings, Society, icebreakers};

pub const DEFAULT_RULE: &str = "every Monday 09:00";
pub const DEFAULT_CHECKIN: Duration = Duration::days(5);
/// Unanswered check-ins in a row after which a member is paused.
pub const MISSED_CHECKINS_BEFORE_PAUSE: usize = 3;
const LONGEST_PAUSE: Duration = Duration::days(366);
/// "Planned" offers a reminder this far ahead.
const PLANNED_REMINDER: Duration = Duration::days(2);
const HISTORY_SHOWN: usize = 20;

/// Paused until they come back: far enough never to be reached, small enough for any database.
fn indefinitely() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

pub async fn run(ctx: &Ctx<'_>, command: CoffeeCommand) -> Result<Vec<Action>, Refusal> {
    match command {
        CoffeeCommand::Setup(options) => setup(ctx, options).await,
        CoffeeCommand::Run { group } => run_now(ctx, group.as_deref()).await,
        CoffeeCommand::Preview { group } => preview(ctx, group.as_deref()).await,
        CoffeeCommand::Stats { group } => stats(ctx, group.as_deref()).await,
        CoffeeCommand::Join { group } => join(ctx, group.as_deref()).await,
        CoffeeCommand::Leave { group } => leave(ctx, group.as_deref()).await,
        CoffeeCommand::Pause { duration, group } => pause(ctx, &duration, group.as_deref()).await,
        CoffeeCommand::Skip { group } => skip(ctx, group.as_deref()).await,
        CoffeeCommand::Status => status(ctx).await,
        CoffeeCommand::History => history(ctx).await,
    }
}

fn group_key(group: Option<&str>) -> String {
    group.map(|g| g.trim().to_lowercase()).unwrap_or_default()
}

/// "the coffee pairings" or "the surgery group's coffee pairings".
fn programme_name(programme: &Programme) -> String {
    let kind = if programme.mode == Mode::Mentor.as_str() {
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

fn group_option(programme: &Programme) -> String {
    if programme.group.is_empty() {
        String::new()
    } else {
        format!(" group {}", programme.group)
    }
}

/// The programme a member means: the named group's, else the society-wide one, else the only one.
async fn find_programme(ctx: &Ctx<'_>, group: Option<&str>) -> Result<Programme, Refusal> {
    let programmes = ctx.store.programmes(&ctx.society.key).await?;
    let p = ctx.prefix();
    if programmes.is_empty() {
        return Err(Refusal::said(format!(
            "{} has no coffee pairings yet. The committee can start them with `{p}coffee setup`.",
            ctx.society.name
        )));
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
            groups.join(", ")
        ),
        None => format!(
            "{} runs pairings per group; add which one, e.g. `{p}coffee join {}`. Groups: {}.",
            ctx.society.name,
            groups
                .first()
                .map(|g| g.trim_matches('`'))
                .unwrap_or("group <name>"),
            groups.join(", ")
        ),
    }))
}

fn parse_checkin(text: &str) -> Result<Duration, Refusal> {
    let span = when::parse_duration(text)?;
    if span < Duration::hours(1) || span > Duration::days(28) {
        return Err(Refusal::said(
            "The check-in must come between 1 hour and 28 days after a round, e.g. `checkin 5 days`.",
        ));
    }
    Ok(span)
}

pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
