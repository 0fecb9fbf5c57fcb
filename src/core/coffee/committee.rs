//! The committee's side of `!coffee`: setting a programme up, running or previewing a round now,
//! and the programme's statistics.

use super::round::{plan, roster};
use std::collections::HashSet;

use super::programme::{
    DEFAULT_CHECKIN, DEFAULT_RULE, capitalise, find_programme, group_key, group_option,
    parse_checkin, programme_name,
};
use super::round::run_round;
use crate::core::command::{CoffeeSetup, edit_distance};
use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::io::Action;
use crate::core::pairing::Mode;
use crate::core::plural;
use crate::core::store::{CheckinAnswer, CoffeeGroup, CoffeeMember, Programme};
use crate::core::time_format;
use crate::core::when;
use chrono::Duration;

/// A `coffee run` this soon after the last round (a double click, a command typed twice) is
/// taken for that round again, which must not introduce anyone twice; a later one is a new
/// round. The manual round's own time stays its key, so it cannot take the place of a
/// scheduled occurrence in the store.
const SAME_ROUND_WITHIN: Duration = Duration::minutes(1);

pub(super) async fn setup(ctx: &Ctx<'_>, setup: CoffeeSetup) -> Result<Vec<Action>, Refusal> {
    ctx.committee_only("coffee setup")?;
    let group = group_key(setup.group.as_deref());
    if group.chars().count() > 40 {
        return Err(Refusal::said("A group name can be at most 40 characters."));
    }
    let programmes = ctx.store.programmes(&ctx.society.key).await?;
    let existing = programmes.iter().find(|p| p.group == group).cloned();
    let p = ctx.prefix();
    match (&existing, setup.new) {
        (Some(_), true) if !group.is_empty() => {
            return Err(Refusal::said(format!(
                "The group `{group}` already has pairings; to change them, type the same without `new`."
            )));
        }
        // The society-wide programme has no name to mistype; a group's must exist or be
        // started with `new`, so a typo asks back instead of starting a second programme.
        (None, false) if !group.is_empty() => {
            let names: Vec<&str> = programmes
                .iter()
                .map(|p| p.group.as_str())
                .filter(|g| !g.is_empty())
                .collect();
            let guess = closest(&group, &names)
                .map(|name| format!(" Did you mean `{name}`?"))
                .unwrap_or_default();
            return Err(Refusal::said(format!(
                "There is no group `{group}`.{guess} To start a new group, type `{p}coffee setup new group {group}`, with any other options."
            )));
        }
        _ => {}
    }
    let zone = ctx.society.timezone;
    let (rule, next_round) = match (&setup.every, &existing) {
        (None, Some(old)) => (old.rule.clone(), old.next_round),
        (every, _) => {
            let text = format!(
                "every {}",
                every.as_deref().unwrap_or(&DEFAULT_RULE["every ".len()..])
            );
            let schedule = when::parse(&text, ctx.now, zone)?;
            let Some(rule) = schedule.rule else {
                return Err(Refusal::said(format!(
                    "Pairings need a repeating time, e.g. `{}coffee setup every Monday 09:00`.",
                    ctx.prefix()
                )));
            };
            (rule, schedule.first)
        }
    };
    let checkin = match &setup.checkin {
        Some(text) => parse_checkin(text)?,
        None => existing
            .as_ref()
            .map(|p| p.checkin)
            .unwrap_or(DEFAULT_CHECKIN),
    };
    let programme = Programme {
        id: existing.as_ref().map(|p| p.id).unwrap_or_default(),
        society: ctx.society.key.clone(),
        group,
        platform: ctx.origin.platform.clone(),
        room: ctx.origin.room.clone(),
        size: setup
            .size
            .or(existing.as_ref().map(|p| p.size))
            .unwrap_or(2),
        mode: setup
            .mode
            .as_deref()
            .and_then(Mode::parse)
            .or(existing.as_ref().map(|p| p.mode))
            .unwrap_or(Mode::Random),
        checkin,
        rule,
        zone,
        next_round,
    };
    let programme = ctx.store.save_programme(&programme, ctx.now).await?;
    if programme.mode == Mode::Mentor {
        // Whoever already offered or asked is in, as `!mentor` promises.
        let members = ctx.store.coffee_members(programme.id).await?;
        for role in ctx.store.mentor_roles(&ctx.society.key).await? {
            if !members.iter().any(|m| m.user.id == role.user.id) {
                ctx.store
                    .save_coffee_member(&CoffeeMember::joining(programme.id, role.user, ctx.now))
                    .await?;
            }
        }
    }
    let described = programme.rule.describe();
    let how = if programme.mode == Mode::Mentor {
        format!(
            "mentors with mentees; mentors offer with `{p}mentor offer`, mentees ask with `{p}mentor seek`"
        )
    } else {
        format!(
            "groups of {}, {} mode; join with `{p}coffee join{}`",
            programme.size,
            programme.mode,
            group_option(&programme)
        )
    };
    let verb = if existing.is_some() {
        "changed"
    } else {
        "started"
    };
    Ok(vec![ctx.reply(format!(
        "☕ {} of {} {verb}: {described}, {how}. First round: {}. I check in {} after each round.",
        capitalise(&programme_name(&programme)),
        ctx.society.name,
        time_format::local(programme.next_round, zone, ctx.now),
        time_format::span(programme.checkin),
    ))])
}

pub(super) async fn run_now(ctx: &Ctx<'_>, group: Option<&str>) -> Result<Vec<Action>, Refusal> {
    ctx.committee_only("coffee run")?;
    let programme = find_programme(ctx, group).await?;
    let past = ctx.store.coffee_groups(programme.id).await?;
    if let Some(last) = past
        .first()
        .filter(|g| ctx.now - g.ran_at < SAME_ROUND_WITHIN)
    {
        let zone = ctx.member_zone().await?;
        let groups = past.iter().filter(|g| g.round == last.round).count();
        return Err(Refusal::said(format!(
            "The round of {} already ran ({}); nothing was sent again. Next round: {}.",
            time_format::local(last.scheduled_for, zone, ctx.now),
            plural::count(groups, "group", "groups"),
            time_format::local(programme.next_round, zone, ctx.now)
        )));
    }
    let (mut actions, repeats) = run_round(
        ctx.store,
        ctx.settings,
        ctx.society,
        &programme,
        ctx.now,
        ctx.now,
    )
    .await?;
    let introduced = actions
        .iter()
        .filter(|a| matches!(a, Action::Introduce { .. }))
        .count();
    let repeat_note = if repeats > 0 {
        format!(
            " {} met before: no grouping without a repeat was possible.",
            plural::count(repeats, "pair had", "pairs had")
        )
    } else {
        String::new()
    };
    actions.push(ctx.private_reply(format!(
        "Ran a round of {} now: {}.{repeat_note} The schedule is unchanged.",
        programme_name(&programme),
        plural::count(introduced, "introduction", "introductions")
    )));
    Ok(actions)
}

/// The existing name nearest to `given`, when it is close enough to be a typo of it.
fn closest<'a>(given: &str, names: &[&'a str]) -> Option<&'a str> {
    names
        .iter()
        .map(|name| (edit_distance(given, name), *name))
        .filter(|(d, name)| *d <= 2.max(name.chars().count() / 4))
        .min()
        .map(|(_, name)| name)
}

/// What the next scheduled round would make with today's members: the same plan, for the
/// same round time and so the same seed, as the round itself will run.
pub(super) async fn preview(ctx: &Ctx<'_>, group: Option<&str>) -> Result<Vec<Action>, Refusal> {
    ctx.committee_only("coffee preview")?;
    let programme = find_programme(ctx, group).await?;
    let roster = roster(ctx.store, &programme).await?;
    let plan = plan(&programme, &roster, programme.next_round, ctx.now);
    let zone = ctx.member_zone().await?;
    let mut lines = vec![format!(
        "If the round of {} on {} ran with today's members (nothing is posted):",
        programme_name(&programme),
        time_format::local(programme.next_round, zone, ctx.now)
    )];
    if plan.groups.is_empty() {
        lines.push("no groups: fewer than two members can be paired.".to_string());
    }
    for group in &plan.groups {
        let names: Vec<&str> = group.iter().map(|u| u.name.as_str()).collect();
        lines.push(format!("• {}", names.join(" + ")));
    }
    if !plan.alone.is_empty() {
        let names: Vec<&str> = plan.alone.iter().map(|u| u.name.as_str()).collect();
        lines.push(format!("No partner: {}", names.join(", ")));
    }
    if !plan.paused.is_empty() {
        let names: Vec<&str> = plan.paused.iter().map(|u| u.name.as_str()).collect();
        lines.push(format!(
            "Would be paused for unanswered check-ins: {}",
            names.join(", ")
        ));
    }
    if plan.repeats > 0 {
        lines.push(format!(
            "{} meet again: no grouping without a repeat exists.",
            plural::count(plan.repeats, "pair would", "pairs would")
        ));
    }
    Ok(vec![ctx.private_reply(lines.join("\n"))])
}

pub(super) async fn stats(ctx: &Ctx<'_>, group: Option<&str>) -> Result<Vec<Action>, Refusal> {
    ctx.committee_only("coffee stats")?;
    let programme = find_programme(ctx, group).await?;
    let members = ctx.store.coffee_members(programme.id).await?;
    let past = ctx.store.coffee_groups(programme.id).await?;
    let active = members
        .iter()
        .filter(|m| m.paused_until.is_none_or(|u| u <= ctx.now))
        .count();
    let rounds: HashSet<i64> = past.iter().map(|g| g.round).collect();
    let asked: Vec<&CoffeeGroup> = past.iter().filter(|g| g.checkin_at <= ctx.now).collect();
    let answered = asked
        .iter()
        .filter(|g| g.members.iter().any(|m| m.answer.is_some()))
        .count();
    let met = asked
        .iter()
        .filter(|g| {
            g.members
                .iter()
                .any(|m| m.answer == Some(CheckinAnswer::Met))
        })
        .count();
    let planned = asked
        .iter()
        .filter(|g| {
            g.members
                .iter()
                .any(|m| m.answer == Some(CheckinAnswer::Planned))
                && !g
                    .members
                    .iter()
                    .any(|m| m.answer == Some(CheckinAnswer::Met))
        })
        .count();
    // Oldest round first, so a pair counts as a repeat from its second meeting on.
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut repeats = 0;
    for group in past.iter().rev() {
        for (n, a) in group.members.iter().enumerate() {
            for b in &group.members[n + 1..] {
                let pair = if a.user.id < b.user.id {
                    (a.user.id.clone(), b.user.id.clone())
                } else {
                    (b.user.id.clone(), a.user.id.clone())
                };
                if !seen.insert(pair) {
                    repeats += 1;
                }
            }
        }
    }
    let percent = |part: usize, whole: usize| format!("{}%", part * 100 / whole.max(1));
    let zone = ctx.member_zone().await?;
    let lines = [
        format!(
            "{} of {}:",
            capitalise(&programme_name(&programme)),
            ctx.society.name
        ),
        format!(
            "participants: {} ({active} active, {} paused)",
            members.len(),
            members.len() - active
        ),
        format!(
            "rounds: {} ({})",
            rounds.len(),
            plural::count(past.len(), "group", "groups")
        ),
        if asked.is_empty() {
            "meeting rate: no check-ins asked yet".to_string()
        } else {
            format!(
                "meeting rate: {} of groups asked met ({met} of {}), {planned} more planned; {} answered",
                percent(met, asked.len()),
                asked.len(),
                percent(answered, asked.len())
            )
        },
        format!("repeats so far: {repeats}"),
        format!(
            "next round: {}",
            time_format::local(programme.next_round, zone, ctx.now)
        ),
    ];
    Ok(vec![ctx.private_reply(lines.join("\n"))])
}
