//! Series of events (`every Thursday 12:30`): each date is an event of its own with its own
//! RSVPs, made and announced when the date before it begins. `!event skip` drops one date;
//! `!event cancel <id> series` ends the series.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::access::{find, organisers_only};
use super::notices;
use super::reminders::first_reminder;
use crate::core::catch_up;
use crate::core::context::{Bot, Ctx, Fired};
use crate::core::error::{Refusal, StoreError};
use crate::core::io::{Action, MirrorEntry};
use crate::core::short_id::ShortId;
use crate::core::store::{Event, Job, Series};
use crate::core::time_format;
use crate::core::when::{self, Rule};

/// How far a search for the next date may look past skipped dates.
const MAX_SKIPS_IN_A_ROW: usize = 400;

/// Series repeat on days or weeks or months; a cron rule can't become a calendar's RRULE.
pub(super) fn check_rule(rule: &Rule, prefix: &str) -> Result<(), Refusal> {
    match rule {
        Rule::Cron(_) => Err(Refusal::said(format!(
            "A series repeats by day, week or month, e.g. `every Thursday 12:30`, `every 2 weeks on Friday 07:30` or `every month on the 1st 18:00`; `{prefix}remind` takes cron rules."
        ))),
        _ => Ok(()),
    }
}

/// The series' next date after `after` that is not skipped.
pub(super) fn next_date(
    series: &Series,
    after: DateTime<Utc>,
    skipped: &[DateTime<Utc>],
) -> Option<DateTime<Utc>> {
    let zone = series.template.zone;
    let mut after = after;
    for _ in 0..MAX_SKIPS_IN_A_ROW {
        let next = series.rule.next_after(after, zone)?;
        if !skipped.contains(&next) {
            return Some(next);
        }
        after = next;
    }
    None
}

/// The whole series' copy in a platform calendar that repeats an entry: the series as its
/// template describes it, from its next date, with the later dates it leaves out. A series
/// that is ended or has no date ahead removes it. Sent whenever a date is announced, skipped
/// or cancelled, or the series changes, so the copy follows the series.
pub(super) async fn mirror(
    store: &dyn crate::core::store::Store,
    series: &Series,
    now: DateTime<Utc>,
) -> Result<Action, StoreError> {
    let skipped = store.skipped_dates(series.id).await?;
    // A series that starts later has no date before its first.
    let after = now.max(series.first_at - Duration::seconds(1));
    let next = if series.cancelled {
        None
    } else {
        next_date(series, after, &skipped)
    };
    let template = &series.template;
    let entry = next.map(|starts_at| MirrorEntry {
        title: template.title.clone(),
        starts_at,
        ends_at: starts_at + template.duration,
        place: template.place.clone(),
        description: notices::series_description(template),
        series: Some(notices::mirror_series(
            series,
            skipped.into_iter().filter(|at| *at > now).collect(),
        )),
    });
    Ok(Action::MirrorEvent {
        society: template.society.clone(),
        topic: notices::series_topic(series.id),
        entry,
    })
}

/// The series' date on a local calendar day, if it has one that day.
fn date_on(series: &Series, day: NaiveDate) -> Option<DateTime<Utc>> {
    let zone = series.template.zone;
    let midnight = when::resolve_local(day, chrono::NaiveTime::MIN, zone)?;
    series
        .rule
        .next_after(midnight - Duration::seconds(1), zone)
        .filter(|at| at.with_timezone(&zone).date_naive() == day)
        .filter(|at| *at >= series.first_at)
}

/// Makes (or finds, if a first firing got that far) the series' next date and announces it;
/// fires again when that date begins. After downtime the dates that began meanwhile follow the
/// catch-up rule: each is a date nobody was told of, and an event already under way is no
/// news to announce, so the committee log lists them and the next date still ahead is made.
pub async fn fire(bot: &Bot, job: &Job, now: DateTime<Utc>) -> Result<Fired, StoreError> {
    let store = bot.store();
    let finished = Fired {
        actions: Vec::new(),
        next_due: None,
    };
    let Some(series) = store.series(job.subject).await? else {
        return Ok(finished);
    };
    if series.cancelled {
        return Ok(finished);
    }
    let skipped = store.skipped_dates(series.id).await?;
    let settings = bot.settings();
    let window = catch_up::Window::of(settings);
    let due = catch_up::occurrences(
        job.due_at,
        |after| next_date(&series, after, &skipped),
        now,
        window,
    );
    let mut actions = Vec::new();
    // The job's own due time is the date that began, made and announced before; any later
    // date already begun was never made.
    let begun: Vec<DateTime<Utc>> = due
        .missed
        .iter()
        .chain(&due.late)
        .chain(&due.on_time)
        .skip(1)
        .copied()
        .collect();
    let zone = series.template.zone;
    if !begun.is_empty() {
        let dates = match begun.as_slice() {
            [first, _, _, .., last] => format!(
                "{} dates from {} to {}",
                begun.len(),
                time_format::local(*first, zone, now),
                time_format::local(*last, zone, now)
            ),
            _ => begun
                .iter()
                .map(|at| time_format::local(*at, zone, now))
                .collect::<Vec<_>>()
                .join(", "),
        };
        actions.push(Action::AdminLog {
            society: series.template.society.clone(),
            about: None,
            text: format!(
                "{} of the series {} began while I was offline and {} never announced: {dates}.",
                if begun.len() == 1 { "A date" } else { "Dates" },
                series.template.title,
                if begun.len() == 1 { "was" } else { "were" },
            ),
        });
    }
    let Some(starts_at) = due.next_due else {
        return Ok(Fired {
            actions,
            next_due: None,
        });
    };
    let event = match store.occurrence(series.id, starts_at).await? {
        Some(event) => event,
        None => {
            let draft = Event {
                starts_at,
                series: Some(series.id),
                ..series.template.clone()
            };
            // The job's due time stands in for "now": a late firing still gets reminders
            // that are ahead of the date (sent late, by the same catch-up rule).
            let (first, offsets) = first_reminder(settings, &draft, job.due_at);
            store
                .create_event(&draft, first, &offsets, job.due_at)
                .await?
        }
    };
    let society = bot.society(&event.society);
    actions.extend(notices::announce(
        settings,
        society,
        &event,
        &[],
        Some(&series),
    ));
    actions.push(mirror(store.as_ref(), &series, now).await?);
    Ok(Fired {
        actions,
        next_due: Some(starts_at),
    })
}

/// `!event skip <id> <date>`: that date of the event's series does not happen. If it was
/// already announced it is cancelled, with notices.
pub async fn skip(ctx: &Ctx<'_>, id: ShortId, date: &str) -> Result<Vec<Action>, Refusal> {
    organisers_only(ctx, "skip dates of")?;
    let event = find(ctx, id).await?;
    let p = ctx.prefix();
    let Some(series_id) = event.series else {
        return Err(Refusal::said(format!(
            "{id} is a single event, not a series; cancel it with `{p}event cancel {id}`."
        )));
    };
    let Some(series) = ctx.store.series(series_id).await? else {
        return Err(Refusal::said(format!("{id}'s series no longer exists.")));
    };
    let zone = series.template.zone;
    let day = when::parse(date, ctx.now, zone)?
        .first
        .with_timezone(&zone)
        .date_naive();
    let Some(starts_at) = date_on(&series, day) else {
        return Err(Refusal::said(format!(
            "{id}'s series has no date on {}; it repeats {}.",
            day.format("%a %-d %b %Y"),
            series.rule.describe()
        )));
    };
    if starts_at <= ctx.now {
        return Err(Refusal::said(format!(
            "{} has already begun; only later dates can be skipped.",
            time_format::local(starts_at, zone, ctx.now)
        )));
    }
    if !ctx.store.skip_date(series.id, starts_at, ctx.now).await? {
        return Err(Refusal::said(format!(
            "{} is already skipped.",
            time_format::local(starts_at, zone, ctx.now)
        )));
    }
    let mut actions = Vec::new();
    let mut told = 0;
    if let Some(announced) = ctx.store.occurrence(series.id, starts_at).await?
        && ctx.store.cancel_event(announced.id, ctx.now).await?
    {
        let (cancelled, count) =
            notices::cancellation(ctx.store, ctx.settings, ctx.society, &announced, ctx.now)
                .await?;
        actions.extend(cancelled);
        told = count;
    }
    actions.push(mirror(ctx.store, &series, ctx.now).await?);
    let member_zone = ctx.member_zone().await?;
    actions.push(ctx.private_reply(format!(
        "Skipped {} of {}{}.",
        time_format::local(starts_at, member_zone, ctx.now),
        series.template.title,
        if told > 0 {
            format!("; {}", notices::members_told(told, "who had answered"))
        } else {
            String::new()
        }
    )));
    Ok(actions)
}

/// `!event cancel <id> series`: no more dates; dates already announced and not begun are
/// cancelled with notices.
pub async fn cancel(ctx: &Ctx<'_>, id: ShortId) -> Result<Vec<Action>, Refusal> {
    organisers_only(ctx, "cancel")?;
    let event = find(ctx, id).await?;
    let p = ctx.prefix();
    let Some(series_id) = event.series else {
        return Err(Refusal::said(format!(
            "{id} is a single event, not a series; cancel it with `{p}event cancel {id}`."
        )));
    };
    if !ctx.store.cancel_series(series_id, ctx.now).await? {
        return Err(Refusal::said(format!("{id}'s series is already ended.")));
    }
    let mut actions = Vec::new();
    let mut told = 0;
    for upcoming in ctx.store.upcoming_events(&ctx.society.key, ctx.now).await? {
        if upcoming.series == Some(series_id)
            && upcoming.starts_at > ctx.now
            && ctx.store.cancel_event(upcoming.id, ctx.now).await?
        {
            let (cancelled, count) =
                notices::cancellation(ctx.store, ctx.settings, ctx.society, &upcoming, ctx.now)
                    .await?;
            actions.extend(cancelled);
            told += count;
        }
    }
    actions.push(Action::MirrorEvent {
        society: event.society.clone(),
        topic: notices::series_topic(series_id),
        entry: None,
    });
    actions.push(ctx.private_reply(format!(
        "Ended the series of {}: no more dates will be announced; {}.",
        event.title,
        notices::members_told(told, "who had answered upcoming dates")
    )));
    Ok(actions)
}

/// The RRULE for a calendar feed (RFC 5545), or None for rules it can't express.
pub fn rrule(rule: &Rule) -> Option<String> {
    use chrono::Weekday;
    match rule {
        Rule::Daily { .. } => Some("FREQ=DAILY".to_string()),
        Rule::Weekly {
            days, every_weeks, ..
        } => {
            let codes: Vec<&str> = days
                .iter()
                .map(|d| match d {
                    Weekday::Mon => "MO",
                    Weekday::Tue => "TU",
                    Weekday::Wed => "WE",
                    Weekday::Thu => "TH",
                    Weekday::Fri => "FR",
                    Weekday::Sat => "SA",
                    Weekday::Sun => "SU",
                })
                .collect();
            Some(format!(
                "FREQ=WEEKLY;INTERVAL={every_weeks};BYDAY={};WKST=MO",
                codes.join(",")
            ))
        }
        Rule::Monthly { day, .. } => Some(format!("FREQ=MONTHLY;BYMONTHDAY={day}")),
        Rule::Cron(_) => None,
    }
}
