//! `!event` and `!rsvp`: events announced with going / maybe / can't choices, a capacity with a
//! waitlist that promotes people in order, reminders before the start to those going, and
//! cancellation with notices.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::command::{EventCommand, RsvpAnswer};
use super::error::{Refusal, StoreError};
use super::io::{Action, Choice, Message};
use super::short_id::{IdKind, ShortId};
use super::store::{Event, Job, Profile};
use super::time_format;
use super::when;
use super::{Bot, Ctx, Fired, attendance, zone_of};

/// Reminders go out this long before the start, to everyone going.
pub const REMINDER_OFFSETS: [Duration; 2] = [Duration::hours(24), Duration::hours(1)];
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
        EventCommand::Cancel(id) => cancel(ctx, id).await,
        EventCommand::CheckinCode(id) => attendance::open_code(ctx, id).await,
        EventCommand::Checkin(id, code) => attendance::check_in(ctx, id, &code).await,
        EventCommand::Attendance(id) => attendance::list(ctx, id).await,
    }
}

pub(super) fn organisers_only(ctx: &Ctx<'_>, what: &str) -> Result<(), Refusal> {
    if ctx.is_committee() {
        Ok(())
    } else {
        Err(Refusal::said(format!(
            "Only the organisers of {} (its committee) can {what} events.",
            ctx.society.name
        )))
    }
}

fn one_line(text: &str, what: &str, max: usize) -> Result<String, Refusal> {
    let text = text.trim();
    let length = text.chars().count();
    if length == 0 || length > max || text.chars().any(char::is_control) {
        return Err(Refusal::said(format!(
            "The {what} must be one line of 1 to {max} characters."
        )));
    }
    Ok(text.to_string())
}

/// Reads `create`'s fields: title, when, then `for`, `at`, `capacity`, `kind`, `cpd`, `group`.
fn draft(ctx: &Ctx<'_>, fields: &[String], zone: Tz) -> Result<Event, Refusal> {
    let p = ctx.prefix();
    let title = one_line(&fields[0], "title", MAX_TITLE)?;
    let starts_at = when::parse(&fields[1], ctx.now, zone)?;
    if starts_at.rule.is_some() {
        return Err(Refusal::said(
            "Repeating events (series) are not built yet; create one event per date for now.",
        ));
    }
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
    };
    for field in &fields[2..] {
        let (key, value) = match field.split_once(char::is_whitespace) {
            Some((key, value)) => (key.to_lowercase(), value.trim()),
            None => (field.to_lowercase(), ""),
        };
        match key.as_str() {
            "for" => {
                let span = when::parse_duration(value)?;
                if span > MAX_DURATION {
                    return Err(Refusal::said("An event can last at most 14 days."));
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
                    )));
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
            "group" => event.group = one_line(value, "group", 40)?.to_lowercase(),
            "every" => {
                return Err(Refusal::said(
                    "Repeating events (series) are not built yet; create one event per date for now.",
                ));
            }
            _ => {
                return Err(Refusal::said(format!(
                    "I don't know the event field `{}`. Fields after the time: `for 1h`, `at <place>`, `capacity 40`, `kind cpd`, `cpd 1.5`, `group <name>`; e.g. `{p}event create Journal club | Friday 07:30 | at Library`.",
                    key.chars().take(30).collect::<String>()
                )));
            }
        }
    }
    Ok(event)
}

/// The first reminder still ahead, and the offsets in the form the job keeps them.
fn first_reminder(event: &Event, now: DateTime<Utc>) -> (Option<DateTime<Utc>>, String) {
    let offsets = REMINDER_OFFSETS
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
    let draft = draft(ctx, fields, zone)?;
    let (first, offsets) = first_reminder(&draft, ctx.now);
    let event = ctx
        .store
        .create_event(&draft, first, &offsets, ctx.now)
        .await?;
    let id = ShortId::new(IdKind::Event, event.id);
    let p = ctx.prefix();
    let society_zone = ctx.society.timezone;
    let mut lines = vec![format!("📅 {} ({id})", event.title)];
    lines.extend(describe(&event, society_zone, ctx.now));
    lines.push(format!("Answer below, or with `{p}rsvp {id} going`."));
    Ok(vec![
        Action::Announce {
            society: ctx.society.key.clone(),
            fallback_room: ctx.origin.room.clone(),
            message: Message::text(lines.join("\n")).with_choices(rsvp_choices(event.id)),
        },
        ctx.private_reply(format!(
            "Created {id}: {}, {}. It is announced with going / maybe / can't choices; cancel with `{p}event cancel {id}`.",
            event.title,
            time_format::local(event.starts_at, zone, ctx.now)
        )),
    ])
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
    let going = count(&rsvps, "going");
    lines.push(format!(
        "Going: {going}{} · waitlist: {} · maybe: {}",
        event
            .capacity
            .map(|c| format!(" of {c}"))
            .unwrap_or_default(),
        count(&rsvps, "waitlist"),
        count(&rsvps, "maybe")
    ));
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
    let rsvps = ctx.store.rsvps(event.id).await?;
    let zones = zones(ctx.store, &event.society).await?;
    let society_zone = ctx.society.timezone;
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
                    zone_in(&zones, &r.user.id, society_zone),
                    ctx.now
                )
            )),
        })
        .collect();
    actions.push(Action::Announce {
        society: event.society.clone(),
        fallback_room: event.room.clone(),
        message: Message::text(format!(
            "📅 Cancelled: {} ({id}), {}.",
            event.title,
            time_format::local(event.starts_at, society_zone, ctx.now)
        )),
    });
    actions.push(ctx.private_reply(format!(
        "Cancelled {id}; {} member(s) who answered were told.",
        rsvps.iter().filter(|r| r.answer != "no").count()
    )));
    Ok(actions)
}

/// Every member's own zone, for showing times to each of them.
async fn zones(
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

fn zone_in(zones: &HashMap<String, Tz>, user: &str, fallback: Tz) -> Tz {
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
    // Usually nobody is promoted: look up only the zones of those who are.
    for user in &outcome.promoted {
        let zone = zone_of(ctx.store, ctx.society, &user.id).await?;
        actions.push(Action::Remind {
            user: user.clone(),
            message: Message::text(format!(
                "Good news: a place opened up and you're now going to {} ({id}), {}.",
                event.title,
                time_format::local(event.starts_at, zone, ctx.now)
            )),
        });
    }
    Ok(actions)
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
            if lead <= Duration::hours(2)
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
