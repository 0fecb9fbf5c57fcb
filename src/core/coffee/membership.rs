//! A member's side of `!coffee`: joining, leaving, pausing, skipping, status and history.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::programme::{
    HISTORY_SHOWN, LONGEST_PAUSE, capitalise, find_programme, group_option, join_commands,
    next_round_for, no_programme_yet, programme_name,
};
use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::io::Action;
use crate::core::pairing::Mode;
use crate::core::store::{CheckinAnswer, CoffeeMember, Programme};
use crate::core::time_format;
use crate::core::when::{self};

pub(super) async fn join(ctx: &Ctx<'_>, group: Option<&str>) -> Result<Vec<Action>, Refusal> {
    let programme = find_programme(ctx, group).await?;
    let p = ctx.prefix();
    if programme.mode == Mode::Mentor {
        let role = ctx
            .store
            .mentor_role(&ctx.society.key, &ctx.sender.id)
            .await?;
        if role.is_none() {
            return Err(Refusal::said(format!(
                "{} pairs mentors with mentees: offer with `{p}mentor offer` or ask with `{p}mentor seek [specialty]`, and you are in.",
                capitalise(&programme_name(&programme))
            )));
        }
    }
    let existing = own_row(ctx, &programme).await?;
    let zone = ctx.member_zone().await?;
    let next = time_format::local(programme.next_round, zone, ctx.now);
    let text = match &existing {
        Some(m) if m.paused_until.is_none_or(|u| u <= ctx.now) && m.skip_until.is_none() => {
            return Ok(vec![ctx.private_reply(format!(
                "You are already in {}. Next round: {next}.",
                programme_name(&programme)
            ))]);
        }
        Some(_) => format!(
            "Welcome back to {}. Next round: {next}.",
            programme_name(&programme)
        ),
        None => format!(
            "You are in {} of {}. Next round: {next}; I'll introduce you privately. Your introduction shows your stage, specialty and hospital if you share them with `{p}profile`.",
            programme_name(&programme),
            ctx.society.name
        ),
    };
    ctx.store
        .save_coffee_member(&CoffeeMember::joining(
            programme.id,
            ctx.sender.clone(),
            ctx.now,
        ))
        .await?;
    Ok(vec![ctx.private_reply(text)])
}

/// The sender's membership row, if they have one.
async fn own_row(ctx: &Ctx<'_>, programme: &Programme) -> Result<Option<CoffeeMember>, Refusal> {
    Ok(ctx
        .store
        .coffee_member(programme.id, &ctx.sender.id)
        .await?)
}

/// The sender's membership of the programme, or a refusal saying how to join.
async fn membership(ctx: &Ctx<'_>, programme: &Programme) -> Result<CoffeeMember, Refusal> {
    own_row(ctx, programme).await?.ok_or_else(|| {
        Refusal::said(format!(
            "You are not in {}; join with `{}coffee join{}`.",
            programme_name(programme),
            ctx.prefix(),
            group_option(programme)
        ))
    })
}

pub(super) async fn leave(ctx: &Ctx<'_>, group: Option<&str>) -> Result<Vec<Action>, Refusal> {
    let programme = find_programme(ctx, group).await?;
    membership(ctx, &programme).await?;
    ctx.store
        .remove_coffee_member(programme.id, &ctx.sender.id)
        .await?;
    Ok(vec![ctx.private_reply(format!(
        "You have left {}; you won't be paired again. Your past pairings are kept only to avoid repeats if you return; `{}forget me` erases them.",
        programme_name(&programme),
        ctx.prefix()
    ))])
}

pub(super) async fn pause(
    ctx: &Ctx<'_>,
    duration: &str,
    group: Option<&str>,
) -> Result<Vec<Action>, Refusal> {
    let span = when::parse_duration(duration)?;
    if span > LONGEST_PAUSE {
        return Err(Refusal::said(format!(
            "The longest pause is a year. To stop altogether, use `{}coffee leave`.",
            ctx.prefix()
        )));
    }
    let programme = find_programme(ctx, group).await?;
    let mut member = membership(ctx, &programme).await?;
    let until = ctx.now + span;
    member.paused_until = Some(until);
    member.auto_paused = false;
    ctx.store.save_coffee_member(&member).await?;
    let zone = ctx.member_zone().await?;
    Ok(vec![ctx.private_reply(format!(
        "Paused: no pairings until {}. Come back sooner with `{}coffee join{}`.",
        time_format::local(until, zone, ctx.now),
        ctx.prefix(),
        group_option(&programme)
    ))])
}

pub(super) async fn skip(ctx: &Ctx<'_>, group: Option<&str>) -> Result<Vec<Action>, Refusal> {
    let programme = find_programme(ctx, group).await?;
    let mut member = membership(ctx, &programme).await?;
    member.skip_until = Some(programme.next_round);
    ctx.store.save_coffee_member(&member).await?;
    let zone = ctx.member_zone().await?;
    let back = next_round_for(&programme, &member);
    Ok(vec![ctx.private_reply(if back > programme.next_round {
        format!(
            "You'll sit out the round on {}; you're back in the one on {}.",
            time_format::local(programme.next_round, zone, ctx.now),
            time_format::local(back, zone, ctx.now)
        )
    } else {
        format!(
            "You'll sit out the round on {}; you're back in the one after.",
            time_format::local(programme.next_round, zone, ctx.now)
        )
    })])
}

/// A member's state in words: "active", "paused until …", "skipping the round on …".
fn state_text(member: &CoffeeMember, zone: Tz, now: DateTime<Utc>) -> String {
    match member.paused_until {
        Some(_) if member.auto_paused => "paused after 3 unanswered check-ins".to_string(),
        Some(until) if until > now => {
            format!("paused until {}", time_format::local(until, zone, now))
        }
        _ => match member.skip_until {
            Some(skip) if skip >= now => {
                format!(
                    "skipping the round on {}",
                    time_format::local(skip, zone, now)
                )
            }
            _ => "active".to_string(),
        },
    }
}

pub(super) async fn status(ctx: &Ctx<'_>) -> Result<Vec<Action>, Refusal> {
    let programmes = ctx.store.programmes(&ctx.society.key).await?;
    let p = ctx.prefix();
    if programmes.is_empty() {
        return Ok(vec![ctx.private_reply(no_programme_yet(ctx))]);
    }
    let zone = ctx.member_zone().await?;
    let mut lines = vec![format!("Your pairings in {}:", ctx.society.name)];
    for programme in &programmes {
        let member = own_row(ctx, programme).await?;
        let next = time_format::local(programme.next_round, zone, ctx.now);
        lines.push(match member {
            Some(m) => format!(
                "{}: {}; next round {}",
                capitalise(&programme_name(programme)),
                state_text(&m, zone, ctx.now),
                time_format::local(next_round_for(programme, &m), zone, ctx.now)
            ),
            None => format!(
                "{}: not joined ({}); next round {next}",
                capitalise(&programme_name(programme)),
                join_commands(programme, p)
            ),
        });
    }
    lines.push(format!(
        "Pause with `{p}coffee pause 2 weeks`, skip one round with `{p}coffee skip`, see past partners with `{p}coffee history`."
    ));
    Ok(vec![ctx.private_reply(lines.join("\n"))])
}

fn answer_text(answer: Option<CheckinAnswer>) -> &'static str {
    match answer {
        Some(CheckinAnswer::Met) => "met",
        Some(CheckinAnswer::Planned) => "planned",
        Some(CheckinAnswer::No) => "did not meet",
        None => "no answer",
    }
}

pub(super) async fn history(ctx: &Ctx<'_>) -> Result<Vec<Action>, Refusal> {
    let programmes = ctx.store.programmes(&ctx.society.key).await?;
    let zone = ctx.member_zone().await?;
    let mut lines = Vec::new();
    for programme in &programmes {
        for group in ctx.store.coffee_groups(programme.id).await? {
            let Some(me) = group.members.iter().find(|m| m.user.id == ctx.sender.id) else {
                continue;
            };
            lines.push((
                group.ran_at,
                format!(
                    "{} · round {} · with {} · {}",
                    time_format::local(group.ran_at, zone, ctx.now),
                    group.number,
                    group.others_of(&ctx.sender.id),
                    answer_text(me.answer)
                ),
            ));
        }
    }
    if lines.is_empty() {
        return Ok(vec![ctx.private_reply(format!(
            "You have not been paired yet. Join with `{}coffee join`.",
            ctx.prefix()
        ))]);
    }
    lines.sort_by_key(|line| std::cmp::Reverse(line.0));
    let total = lines.len();
    let mut text = vec!["Your past partners, newest first:".to_string()];
    text.extend(lines.into_iter().take(HISTORY_SHOWN).map(|(_, l)| l));
    if total > HISTORY_SHOWN {
        text.push(format!("…and {} earlier.", total - HISTORY_SHOWN));
    }
    Ok(vec![ctx.private_reply(text.join("\n"))])
}
