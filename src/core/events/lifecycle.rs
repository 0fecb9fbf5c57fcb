//! `!event create`, `list`, `show` and `cancel`.

use super::access::{find, organisers_only};
use super::draft::draft;
use super::notices::{announce, cancellation, counts_line, describe, members_told};
use super::reminders::first_reminder;
use super::series;

use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::io::Action;
use crate::core::short_id::{IdKind, ShortId};
use crate::core::store::{Rsvp, RsvpState, Series};
use crate::core::time_format;

pub(super) async fn create(ctx: &Ctx<'_>, fields: &[String]) -> Result<Vec<Action>, Refusal> {
    organisers_only(ctx, "create")?;
    let zone = ctx.member_zone().await?;
    let (draft, rule) = draft(ctx, fields, zone)?;
    let (first, offsets) = first_reminder(ctx.settings, &draft, ctx.now);
    let event = match &rule {
        None => {
            ctx.store
                .create_event(&draft, first, &offsets, ctx.now)
                .await?
        }
        Some(rule) => {
            let series = Series {
                id: 0,
                rule: rule.clone(),
                first_at: draft.starts_at,
                template: draft.clone(),
                cancelled: false,
                sequence: 0,
                modified_at: ctx.now,
                ended_at: None,
            };
            ctx.store
                .create_series(&series, &draft, first, &offsets, ctx.now)
                .await?
                .1
        }
    };
    let id = ShortId::new(IdKind::Event, event.id);
    let p = ctx.prefix();
    let series = match event.series {
        Some(id) => ctx.store.series(id).await?,
        None => None,
    };
    let mut actions = announce(ctx.settings, ctx.society, &event, &[], series.as_ref());
    if let Some(series) = &series {
        actions.push(series::mirror(ctx.store, series, ctx.now).await?);
    }
    let repeats = rule
        .map(|r| format!(" It repeats {}; each date is announced when the one before begins, and `{p}event skip {id} <date>` drops one.", r.describe()))
        .unwrap_or_default();
    actions.push(ctx.private_reply(format!(
        "Created {id}: {}, {}. It is announced with going / maybe / can't choices; change it with `{p}event edit {id} | at …`, cancel with `{p}event cancel {id}`.{repeats}",
        event.title,
        time_format::local(event.starts_at, zone, ctx.now)
    )));
    Ok(actions)
}

pub(super) async fn list(ctx: &Ctx<'_>) -> Result<Vec<Action>, Refusal> {
    let events = ctx.store.upcoming_events(&ctx.society.key, ctx.now).await?;
    let p = ctx.prefix();
    if events.is_empty() {
        return Ok(vec![ctx.private_reply(format!(
            "No upcoming events in {}.",
            ctx.society.name
        ))]);
    }
    let zone = ctx.member_zone().await?;
    let mut lines = vec![format!(
        "Upcoming in {} (times in {}):",
        ctx.society.name,
        zone.name()
    )];
    for event in events.iter().take(20) {
        let mut line = format!(
            "{} · {} · {}",
            ShortId::new(IdKind::Event, event.id),
            time_format::local(event.starts_at, zone, ctx.now),
            event.title
        );
        if let Some(place) = &event.place {
            line.push_str(&format!(" · {place}"));
        }
        lines.push(line);
    }
    lines.push(format!(
        "Details with `{p}event show <id>`; answer with `{p}rsvp <id> going`."
    ));
    Ok(vec![ctx.private_reply(lines.join("\n"))])
}

pub(super) async fn show(ctx: &Ctx<'_>, id: ShortId) -> Result<Vec<Action>, Refusal> {
    let event = find(ctx, id).await?;
    let zone = ctx.member_zone().await?;
    let rsvps = ctx.store.rsvps(event.id).await?;
    let mut lines = vec![format!(
        "{} ({id}){}",
        event.title,
        if event.cancelled { ": cancelled" } else { "" }
    )];
    lines.extend(describe(&event, zone, ctx.now));
    lines.push(counts_line(&event, &rsvps));
    if ctx.is_organiser() {
        lines.extend(who_answered(&rsvps));
    }
    if event.series.is_some() {
        lines
            .push("Part of a series; the next date is announced when this one begins.".to_string());
    }
    if let Some(mine) = rsvps.iter().find(|r| r.user.id == ctx.sender.id) {
        lines.push(format!("Your answer: {}", mine.answer.as_str()));
    }
    Ok(vec![ctx.private_reply(lines.join("\n"))])
}

/// For organisers: who is going, who waits (in the order places go to them) and who said maybe,
/// by display name; a list nobody is on is left out.
fn who_answered(rsvps: &[Rsvp]) -> Vec<String> {
    // `rsvps` come in answer order, which is the waitlist's order.
    let names = |state: RsvpState| -> Vec<&str> {
        rsvps
            .iter()
            .filter(|r| r.answer == state)
            .map(|r| r.user.name.as_str())
            .collect()
    };
    [
        ("Going", RsvpState::Going),
        ("Waitlist, in order", RsvpState::Waitlist),
        ("Maybe", RsvpState::Maybe),
    ]
    .into_iter()
    .filter_map(|(label, state)| {
        let names = names(state);
        (!names.is_empty()).then(|| format!("{label}: {}", names.join(", ")))
    })
    .collect()
}

pub(super) async fn cancel(ctx: &Ctx<'_>, id: ShortId) -> Result<Vec<Action>, Refusal> {
    organisers_only(ctx, "cancel")?;
    let event = find(ctx, id).await?;
    if !ctx.store.cancel_event(event.id, ctx.now).await? {
        return Err(Refusal::said(format!("{id} is already cancelled.")));
    }
    if let Some(series) = event.series {
        // Calendars then leave the date out of the series too.
        ctx.store
            .skip_date(series, event.starts_at, ctx.now)
            .await?;
    }
    let (mut actions, told) =
        cancellation(ctx.store, ctx.settings, ctx.society, &event, ctx.now).await?;
    if let Some(id) = event.series
        && let Some(series) = ctx.store.series(id).await?
    {
        actions.push(series::mirror(ctx.store, &series, ctx.now).await?);
    }
    let p = ctx.prefix();
    let series = if event.series.is_some() {
        format!(" The series goes on; `{p}event cancel {id} series` ends it.")
    } else {
        String::new()
    };
    actions.push(ctx.private_reply(format!(
        "Cancelled {id}; {}.{series}",
        members_told(told, "who answered")
    )));
    Ok(actions)
}
