//! `!event` and `!rsvp`: events announced with going / maybe / can't choices, a capacity with a
//! waitlist that promotes people in order, reminders before the start to those going, and
//! cancellation with notices.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::command::{EventCommand, RsvpAnswer};
use super::error::{Refusal, StoreError};
use super::io::{Action, CalendarEntry, Choice, Message, UserRef};
use super::short_id::{IdKind, ShortId};
use super::store::{Event, Job, Profile, Rsvp, Series};
use super::time_format;
use super::when::{self, Rule};
use super::{
    Bot, Ctx, Fired, Settings, Society, attendance, calendar, event_edit, event_import,
    event_series, zone_of,
};

/// Reminders go out this long before the start, to everyone going, unless configured.
pub const DEFAULT_REMINDERS: [Duration; 2] = [Duration::hours(24), Duration::hours(1)];
pub const KINDS: [&str; 6] = [
    "grand-rounds",
    "cpd",
    "journal-club",
    "social",
    "conference",
    "other",
];
const MAX_TITLE: usize = 200;
const MAX_PLACE: usize = 300;
const MAX_DURATION: Duration = Duration::days(14);
const MAX_CAPACITY: i64 = 100_000;
const DEFAULT_DURATION: Duration = Duration::hours(1);

pub async fn run(ctx: &Ctx<'_>, command: EventCommand) -> Result<Vec<Action>, Refusal> {
    match command {
        EventCommand::List => list(ctx).await,
        EventCommand::Show(id) => show(ctx, id).await,
        EventCommand::Create(fields) => create(ctx, &fields).await,
        EventCommand::Edit(id, fields) => event_edit::edit(ctx, id, &fields).await,
        EventCommand::Cancel(id) => cancel(ctx, id).await,
        EventCommand::CancelSeries(id) => event_series::cancel(ctx, id).await,
        EventCommand::Skip(id, date) => event_series::skip(ctx, id, &date).await,
        EventCommand::Ics(id) => calendar::ics(ctx, id).await,
        EventCommand::Feed { reset } => calendar::feed_link(ctx, reset).await,
        EventCommand::Import(url) => event_import::import(ctx, url).await,
        EventCommand::ImportStop(url) => event_import::stop(ctx, &url).await,
        EventCommand::CheckinCode(id) => attendance::open_code(ctx, id).await,
        EventCommand::Checkin(id, code) => attendance::check_in(ctx, id, &code).await,
        EventCommand::Attendance(id) => attendance::list(ctx, id).await,
    }
}

pub(super) fn organisers_only(ctx: &Ctx<'_>, what: &str) -> Result<(), Refusal> {
    if ctx.is_organiser() {
        Ok(())
    } else {
        Err(Refusal::said(format!(
            "Only the organisers of {} (its committee and named organisers) can {what} events.",
            ctx.society.name
        )))
    }
}

pub(super) fn one_line(text: &str, what: &str, max: usize) -> Result<String, Refusal> {
    let text = text.trim();
    let length = text.chars().count();
    if length == 0 || length > max || text.chars().any(char::is_control) {
        return Err(Refusal::said(format!(
            "The {what} must be one line of 1 to {max} characters."
        )));
    }
    super::identifiers::guard(text, &format!("event {what}"))?;
    Ok(text.to_string())
}

/// Reads `create`'s fields: title, when, then `for`, `at`, `capacity`, `kind`, `cpd`, `group`,
/// `every`. A repeating time (in `when` or `every`) makes a series: the rule is returned too.
fn draft(ctx: &Ctx<'_>, fields: &[String], zone: Tz) -> Result<(Event, Option<Rule>), Refusal> {
    let p = ctx.prefix();
    let title = one_line(&fields[0], "title", MAX_TITLE)?;
    let starts_at = when::parse(&fields[1], ctx.now, zone)?;
    let mut rule = starts_at.rule.clone();
    let mut event = Event {
        id: 0,
        society: ctx.society.key.clone(),
        platform: ctx.origin.platform.clone(),
        room: ctx.origin.room.clone(),
        title,
        starts_at: starts_at.first,
        duration: DEFAULT_DURATION,
        zone: zone.name().to_string(),
        place: None,
        capacity: None,
        kind: "other".to_string(),
        cpd_minutes: None,
        group: String::new(),
        cancelled: false,
        series: None,
        sequence: 0,
        import: None,
        source_uid: None,
    };
    for field in &fields[2..] {
        let (key, value) = split_field(field);
        match key.as_str() {
            "group" => event.group = one_line(value, "group", 40)?.to_lowercase(),
            "every" => {
                let schedule = when::parse(&format!("every {value}"), ctx.now, zone)?;
                let Some(every) = schedule.rule else {
                    return Err(Refusal::said(format!(
                        "`every {value}` does not repeat; try `every Thursday 12:30`."
                    )));
                };
                // The series starts with its first date at or after the given time.
                event.starts_at = every
                    .next_after(event.starts_at - Duration::seconds(1), zone)
                    .unwrap_or(schedule.first);
                rule = Some(every);
            }
            _ => apply_field(&mut event, &key, value).map_err(|refusal| match refusal {
                FieldError::Unknown => Refusal::said(format!(
                    "I don't know the event field `{}`. Fields after the time: `for 1h`, `at <place>`, `capacity 40`, `kind cpd`, `cpd 1.5`, `group <name>`, `every Thursday 12:30`; e.g. `{p}event create Journal club | Friday 07:30 | at Library`.",
                    key.chars().take(30).collect::<String>()
                )),
                FieldError::Bad(refusal) => refusal,
            })?,
        }
    }
    if let Some(rule) = &rule {
        event_series::check_rule(rule, p)?;
    }
    Ok((event, rule))
}

/// `key value` of one `|`-separated field, the key lowercased.
pub(super) fn split_field(field: &str) -> (String, &str) {
    match field.split_once(char::is_whitespace) {
        Some((key, value)) => (key.to_lowercase(), value.trim()),
        None => (field.to_lowercase(), ""),
    }
}

pub(super) enum FieldError {
    Unknown,
    Bad(Refusal),
}

impl From<Refusal> for FieldError {
    fn from(refusal: Refusal) -> Self {
        FieldError::Bad(refusal)
    }
}

impl From<when::WhenError> for FieldError {
    fn from(error: when::WhenError) -> Self {
        FieldError::Bad(error.into())
    }
}

/// The fields `create` and `edit` share: `for`, `at`, `capacity`, `kind`, `cpd`.
pub(super) fn apply_field(event: &mut Event, key: &str, value: &str) -> Result<(), FieldError> {
    match key {
            "for" => {
                let span = when::parse_duration(value)?;
                if span > MAX_DURATION {
                    return Err(Refusal::said("An event can last at most 14 days.").into());
                }
                event.duration = span;
            }
            "at" => event.place = Some(one_line(value, "place", MAX_PLACE)?),
            "capacity" => {
                event.capacity = Some(
                    value
                        .parse::<i64>()
                        .ok()
                        .filter(|n| (1..=MAX_CAPACITY).contains(n))
                        .ok_or_else(|| {
                            Refusal::said(format!(
                                "The capacity must be a whole number from 1 to {MAX_CAPACITY}, e.g. `capacity 40`."
                            ))
                        })?,
                )
            }
            "kind" => {
                let kind = value.to_lowercase();
                if !KINDS.contains(&kind.as_str()) {
                    return Err(Refusal::said(format!(
                        "The kind must be one of {}.",
                        KINDS.map(|k| format!("`{k}`")).join(", ")
                    ))
                    .into());
                }
                event.kind = kind;
            }
            "cpd" => {
                let hours: f64 = value
                    .parse()
                    .ok()
                    .filter(|h: &f64| h.is_finite() && *h > 0.0 && *h <= 100.0)
                    .ok_or_else(|| {
                        Refusal::said("CPD hours must be a number above 0 and at most 100, e.g. `cpd 1.5`.")
                    })?;
                event.cpd_minutes = Some((hours * 60.0).round() as i64);
            }
            _ => return Err(FieldError::Unknown),
    }
    Ok(())
}

/// The first reminder still ahead, and the offsets in the form the job keeps them.
pub(super) fn first_reminder(
    settings: &Settings,
    event: &Event,
    now: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, String) {
    let offsets = settings
        .event_reminders
        .iter()
        .map(|o| o.num_seconds().to_string())
        .collect::<Vec<_>>()
        .join(",");
    (next_reminder(event.starts_at, &offsets, now), offsets)
}

/// The next reminder time strictly after `after`.
fn next_reminder(
    starts_at: DateTime<Utc>,
    offsets: &str,
    after: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    offsets
        .split(',')
        .filter_map(|o| o.parse::<i64>().ok())
        .map(|seconds| starts_at - Duration::seconds(seconds))
        .filter(|at| *at > after)
        .min()
}

fn rsvp_choices(id: i64) -> Vec<Choice> {
    [("going", "Going"), ("maybe", "Maybe"), ("no", "Can't go")]
        .into_iter()
        .map(|(answer, label)| Choice {
            id: format!("event:{id}:{answer}"),
            label: label.to_string(),
        })
        .collect()
}

/// The lines every view of an event shares: when (in the reader's zone), how long, where.
fn describe(event: &Event, zone: Tz, now: DateTime<Utc>) -> Vec<String> {
    let mut lines = vec![format!(
        "When: {} ({})",
        time_format::local(event.starts_at, zone, now),
        time_format::span(event.duration)
    )];
    if let Some(place) = &event.place {
        lines.push(format!("Where: {place}"));
    }
    let mut facts = vec![event.kind.replace('-', " ")];
    if let Some(minutes) = event.cpd_minutes {
        facts.push(format!("CPD: {} h", minutes as f64 / 60.0));
    }
    if let Some(capacity) = event.capacity {
        facts.push(format!("{capacity} places"));
    }
    lines.push(facts.join(" · "));
    lines
}

async fn create(ctx: &Ctx<'_>, fields: &[String]) -> Result<Vec<Action>, Refusal> {
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
                rule: rule.to_text(),
                first_at: draft.starts_at,
                template: draft.clone(),
                cancelled: false,
            };
            ctx.store
                .create_series(&series, &draft, first, &offsets, ctx.now)
                .await?
                .1
        }
    };
    let id = ShortId::new(IdKind::Event, event.id);
    let p = ctx.prefix();
    let mut actions = announce(ctx.settings, ctx.society, &event, &[]);
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

/// The topic an event's announcement is remembered under, for edits.
pub(super) fn topic(event: &Event) -> String {
    format!("event:{}", event.id)
}

/// The announcement's text: what, when (in the society's zone), where, and the current counts.
pub(super) fn announcement(
    settings: &Settings,
    society: &Society,
    event: &Event,
    rsvps: &[Rsvp],
) -> Message {
    let id = ShortId::new(IdKind::Event, event.id);
    let p = &settings.prefix;
    // Shown without the year: an announcement goes out ahead of its event.
    let now = event.starts_at;
    let mut lines = vec![if event.cancelled {
        format!("📅 Cancelled: {} ({id})", event.title)
    } else {
        format!("📅 {} ({id})", event.title)
    }];
    lines.extend(describe(event, society.timezone, now));
    if event.cancelled {
        return Message::text(lines.join("\n"));
    }
    lines.push(counts_line(event, rsvps));
    lines.push(format!("Answer below, or with `{p}rsvp {id} going`."));
    Message::text(lines.join("\n")).with_choices(rsvp_choices(event.id))
}

fn counts_line(event: &Event, rsvps: &[Rsvp]) -> String {
    format!(
        "Going: {}{} · waitlist: {} · maybe: {}",
        count(rsvps, "going"),
        event
            .capacity
            .map(|c| format!(" of {c}"))
            .unwrap_or_default(),
        count(rsvps, "waitlist"),
        count(rsvps, "maybe")
    )
}

/// The platform calendar's copy of the event (Discord's Events tab).
pub(super) fn calendar_entry(settings: &Settings, event: &Event) -> Option<CalendarEntry> {
    (!event.cancelled).then(|| CalendarEntry {
        title: event.title.clone(),
        starts_at: event.starts_at,
        ends_at: event.starts_at + event.duration,
        place: event.place.clone(),
        description: calendar::description(event, settings),
    })
}

/// A new event's announcement, and its copy in the platform's calendar.
pub(super) fn announce(
    settings: &Settings,
    society: &Society,
    event: &Event,
    rsvps: &[Rsvp],
) -> Vec<Action> {
    vec![
        Action::Announce {
            society: event.society.clone(),
            fallback_room: event.room.clone(),
            message: announcement(settings, society, event, rsvps),
            topic: Some(topic(event)),
        },
        Action::Calendar {
            society: event.society.clone(),
            topic: topic(event),
            entry: calendar_entry(settings, event),
        },
    ]
}

/// The announcement rewritten with the event as it is now (counts, details, cancellation).
pub(super) fn refreshed(
    settings: &Settings,
    society: &Society,
    event: &Event,
    rsvps: &[Rsvp],
) -> Action {
    Action::Edit {
        society: event.society.clone(),
        topic: topic(event),
        message: announcement(settings, society, event, rsvps),
    }
}

/// The event if it exists in this society, else a refusal that names the id.
pub(super) async fn find(ctx: &Ctx<'_>, id: ShortId) -> Result<Event, Refusal> {
    match ctx.store.event(id.number).await? {
        Some(event) if event.society == ctx.society.key => Ok(event),
        _ => Err(Refusal::said(format!(
            "There is no event {id}. See upcoming ones with `{}event list`.",
            ctx.prefix()
        ))),
    }
}

async fn list(ctx: &Ctx<'_>) -> Result<Vec<Action>, Refusal> {
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

fn count(rsvps: &[super::store::Rsvp], answer: &str) -> usize {
    rsvps.iter().filter(|r| r.answer == answer).count()
}

async fn show(ctx: &Ctx<'_>, id: ShortId) -> Result<Vec<Action>, Refusal> {
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
    if event.series.is_some() {
        lines
            .push("Part of a series; the next date is announced when this one begins.".to_string());
    }
    if let Some(mine) = rsvps.iter().find(|r| r.user.id == ctx.sender.id) {
        lines.push(format!("Your answer: {}", mine.answer));
    }
    Ok(vec![ctx.private_reply(lines.join("\n"))])
}

async fn cancel(ctx: &Ctx<'_>, id: ShortId) -> Result<Vec<Action>, Refusal> {
    organisers_only(ctx, "cancel")?;
    let event = find(ctx, id).await?;
    if !ctx.store.cancel_event(event.id).await? {
        return Err(Refusal::said(format!("{id} is already cancelled.")));
    }
    if let Some(series) = event.series {
        // Calendars then leave the date out of the series too.
        ctx.store.skip_date(series, event.starts_at).await?;
    }
    let (mut actions, told) =
        cancellation(ctx.store, ctx.settings, ctx.society, &event, ctx.now).await?;
    let p = ctx.prefix();
    let series = if event.series.is_some() {
        format!(" The series goes on; `{p}event cancel {id} series` ends it.")
    } else {
        String::new()
    };
    actions.push(ctx.private_reply(format!(
        "Cancelled {id}; {told} member(s) who answered were told.{series}"
    )));
    Ok(actions)
}

/// What follows a cancellation (already stored): a notice to everyone who answered (each in
/// their own zone), the announcement marked cancelled, a cancellation post, the calendar
/// copy removed. Returns the actions and how many members were told.
pub(super) async fn cancellation(
    store: &dyn super::store::Store,
    settings: &Settings,
    society: &Society,
    event: &Event,
    now: DateTime<Utc>,
) -> Result<(Vec<Action>, usize), StoreError> {
    let id = ShortId::new(IdKind::Event, event.id);
    let rsvps = store.rsvps(event.id).await?;
    let zones = zones(store, &event.society).await?;
    let mut actions: Vec<Action> = rsvps
        .iter()
        .filter(|r| r.answer != "no")
        .map(|r| Action::Remind {
            user: r.user.clone(),
            message: Message::text(format!(
                "Cancelled: {} ({id}), which was on {}. Sorry for the change of plans.",
                event.title,
                time_format::local(
                    event.starts_at,
                    zone_in(&zones, &r.user.id, society.timezone),
                    now
                )
            )),
        })
        .collect();
    let told = actions.len();
    let cancelled = Event {
        cancelled: true,
        ..event.clone()
    };
    actions.push(refreshed(settings, society, &cancelled, &rsvps));
    actions.push(Action::Announce {
        society: event.society.clone(),
        fallback_room: event.room.clone(),
        message: Message::text(format!(
            "📅 Cancelled: {} ({id}), {}.",
            event.title,
            time_format::local(event.starts_at, society.timezone, now)
        )),
        topic: None,
    });
    actions.push(Action::Calendar {
        society: event.society.clone(),
        topic: topic(event),
        entry: None,
    });
    Ok((actions, told))
}

/// Every member's own zone, for showing times to each of them.
pub(super) async fn zones(
    store: &dyn super::store::Store,
    society: &str,
) -> Result<HashMap<String, Tz>, StoreError> {
    Ok(store
        .profiles(society)
        .await?
        .into_iter()
        .filter_map(|p: Profile| Some((p.user_id, p.timezone?.parse::<Tz>().ok()?)))
        .collect())
}

pub(super) fn zone_in(zones: &HashMap<String, Tz>, user: &str, fallback: Tz) -> Tz {
    zones.get(user).copied().unwrap_or(fallback)
}

/// `!rsvp <id> <answer>` and the announcement's choices (`event:<id>:<answer>`).
pub async fn rsvp(ctx: &Ctx<'_>, id: ShortId, answer: RsvpAnswer) -> Result<Vec<Action>, Refusal> {
    let event = find(ctx, id).await?;
    if event.cancelled {
        return Err(Refusal::said(format!("{id} has been cancelled.")));
    }
    if event.starts_at + event.duration <= ctx.now {
        return Err(Refusal::said(format!("{id} is over; answers are closed.")));
    }
    let outcome = ctx
        .store
        .rsvp(event.id, ctx.sender, answer.as_str(), ctx.now)
        .await?;
    let zone = ctx.member_zone().await?;
    let when = time_format::local(event.starts_at, zone, ctx.now);
    let said = match (outcome.answer.as_str(), outcome.waitlist_place) {
        ("going", _) => format!("You're going to {} ({id}), {when}.", event.title),
        ("waitlist", Some(place)) => format!(
            "{} ({id}) is full: you're number {place} on the waitlist. I'll tell you if a place opens up.",
            event.title
        ),
        ("maybe", _) => format!("Noted: maybe for {} ({id}).", event.title),
        _ => format!("Noted: you can't go to {} ({id}).", event.title),
    };
    let mut actions = vec![ctx.private_reply(said)];
    let rsvps = ctx.store.rsvps(event.id).await?;
    actions.push(refreshed(ctx.settings, ctx.society, &event, &rsvps));
    actions.extend(
        promotion_notices(ctx.store, ctx.society, &event, &outcome.promoted, ctx.now).await?,
    );
    Ok(actions)
}

/// Tells each member moved up from the waitlist that they have a place, in their own zone.
pub(super) async fn promotion_notices(
    store: &dyn super::store::Store,
    society: &Society,
    event: &Event,
    promoted: &[UserRef],
    now: DateTime<Utc>,
) -> Result<Vec<Action>, StoreError> {
    let id = ShortId::new(IdKind::Event, event.id);
    let mut notices = Vec::with_capacity(promoted.len());
    // Usually nobody is promoted: look up only the zones of those who are.
    for user in promoted {
        let zone = zone_of(store, society, &user.id).await?;
        notices.push(Action::Remind {
            user: user.clone(),
            message: Message::text(format!(
                "Good news: a place opened up and you're now going to {} ({id}), {}.",
                event.title,
                time_format::local(event.starts_at, zone, now)
            )),
        });
    }
    Ok(notices)
}

pub async fn choice(ctx: &Ctx<'_>, rest: &str) -> Result<Vec<Action>, Refusal> {
    let expired = || Refusal::said("That choice has expired; nothing was changed.");
    let (id, answer) = rest.split_once(':').ok_or_else(expired)?;
    let id: i64 = id.parse().map_err(|_| expired())?;
    let answer = RsvpAnswer::parse(answer).ok_or_else(expired)?;
    rsvp(ctx, ShortId::new(IdKind::Event, id), answer).await
}

/// A reminder before an event, to everyone going, each in their own zone; the job then moves
/// on to the next offset.
pub async fn fire_reminder(bot: &Bot, job: &Job, now: DateTime<Utc>) -> Result<Fired, StoreError> {
    let store = bot.store();
    let Some(event) = store.event(job.subject).await? else {
        return Ok(Fired {
            actions: Vec::new(),
            next_due: None,
        });
    };
    let offsets = job.rule.clone().unwrap_or_default();
    let next_due = next_reminder(event.starts_at, &offsets, job.due_at.max(now));
    // A reminder for an event that has already begun helps nobody.
    if event.cancelled || now >= event.starts_at {
        return Ok(Fired {
            actions: Vec::new(),
            next_due: None,
        });
    }
    let society = bot.society(&event.society);
    let zones = zones(store.as_ref(), &event.society).await?;
    let id = ShortId::new(IdKind::Event, event.id);
    let lead = event.starts_at - job.due_at;
    let actions = store
        .rsvps(event.id)
        .await?
        .into_iter()
        .filter(|r| r.answer == "going")
        .map(|r| {
            let zone = zone_in(&zones, &r.user.id, society.timezone);
            let when = time_format::local(event.starts_at, zone, now);
            let mut text = format!(
                "⏰ In {}: {} ({id}), {when}.",
                time_format::span(lead),
                event.title
            );
            if (lead <= Duration::hours(2) || next_due.is_none())
                && let Some(place) = &event.place
            {
                text.push_str(&format!(" Where: {place}."));
            }
            Action::Remind {
                user: r.user,
                message: Message::text(text),
            }
        })
        .collect();
    Ok(Fired { actions, next_due })
}
