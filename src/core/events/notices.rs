//! What members see of an event: its announcement with live counts and choices, its platform
//! calendar copy, and the notices of cancellation and promotion from the waitlist.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::core::context::{Settings, Society, zone_of};
use crate::core::error::StoreError;
use crate::core::io::{Action, Choice, Message, MirrorEntry, MirrorSeries, UserRef};
use crate::core::short_id::{IdKind, ShortId};
use crate::core::store::{Event, Profile, Rsvp, RsvpState, Series};
use crate::core::time_format;

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
pub(super) fn describe(event: &Event, zone: Tz, now: DateTime<Utc>) -> Vec<String> {
    let mut lines = vec![format!(
        "When: {} ({})",
        time_format::local(event.starts_at, zone, now),
        time_format::span(event.duration)
    )];
    if let Some(place) = &event.place {
        lines.push(format!("Where: {place}"));
    }
    let mut facts: Vec<String> = kind_label(&event.kind)
        .map(str::to_string)
        .into_iter()
        .collect();
    if let Some(minutes) = event.cpd_minutes {
        facts.push(format!(
            "CPD: {}",
            time_format::span(Duration::minutes(minutes))
        ));
    }
    if let Some(capacity) = event.capacity {
        facts.push(counted(capacity, "place", "places"));
    }
    if !facts.is_empty() {
        lines.push(facts.join(" · "));
    }
    lines
}

/// An event's kind as members read it; `other`, the default, is no kind at all.
pub fn kind_label(kind: &str) -> Option<&'static str> {
    match kind {
        "grand-rounds" => Some("Grand rounds"),
        "cpd" => Some("CPD session"),
        "journal-club" => Some("Journal club"),
        "social" => Some("Social"),
        "conference" => Some("Conference"),
        _ => None,
    }
}

/// "1 place", "40 places".
pub(super) fn counted(n: impl Into<i64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

/// How many members who had answered were told: "1 member who answered was told".
pub(super) fn members_told(n: usize, who: &str) -> String {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    format!(
        "{} {who} {}",
        counted(n, "member", "members"),
        if n == 1 { "was told" } else { "were told" }
    )
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
        return may_ping(Message::text(lines.join("\n")), event);
    }
    lines.push(counts_line(event, rsvps));
    lines.push(format!("Answer below, or with `{p}rsvp {id} going`."));
    may_ping(
        Message::text(lines.join("\n")).with_choices(rsvp_choices(event.id)),
        event,
    )
}

/// Organisers' own events may ping the society where the platform allows it; an imported
/// entry carries a feed's words, not an organiser's, so it never does.
fn may_ping(message: Message, event: &Event) -> Message {
    if event.import.is_none() {
        message.allowing_mass_mentions()
    } else {
        message
    }
}

pub(super) fn counts_line(event: &Event, rsvps: &[Rsvp]) -> String {
    format!(
        "Going: {}{} · waitlist: {} · maybe: {}",
        count(rsvps, RsvpState::Going),
        event
            .capacity
            .map(|c| format!(" of {c}"))
            .unwrap_or_default(),
        count(rsvps, RsvpState::Waitlist),
        count(rsvps, RsvpState::Maybe)
    )
}

/// The platform calendar's copy of the event (Discord's Events tab); a date of a series says
/// so, so a platform that repeats the series' own entry can leave the date out.
pub(super) fn mirror_entry(
    settings: &Settings,
    event: &Event,
    series: Option<&Series>,
) -> Option<MirrorEntry> {
    (!event.cancelled).then(|| MirrorEntry {
        title: event.title.clone(),
        starts_at: event.starts_at,
        ends_at: event.starts_at + event.duration,
        place: event.place.clone(),
        description: description(event, settings),
        series: series.map(|s| mirror_series(s, Vec::new())),
    })
}

pub(super) fn series_topic(series: i64) -> String {
    format!("series:{series}")
}

pub(super) fn mirror_series(series: &Series, skipped: Vec<DateTime<Utc>>) -> MirrorSeries {
    MirrorSeries {
        topic: series_topic(series.id),
        rule: series.rule.to_text(),
        zone: series.template.zone.name().to_string(),
        skipped,
    }
}

/// A new event's announcement, and its copy in the platform's calendar.
pub(super) fn announce(
    settings: &Settings,
    society: &Society,
    event: &Event,
    rsvps: &[Rsvp],
    series: Option<&Series>,
) -> Vec<Action> {
    vec![
        Action::Announce {
            society: event.society.clone(),
            fallback_room: event.room.clone(),
            message: announcement(settings, society, event, rsvps),
            topic: Some(topic(event)),
        },
        Action::MirrorEvent {
            society: event.society.clone(),
            topic: topic(event),
            entry: mirror_entry(settings, event, series),
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

pub(super) fn count(rsvps: &[Rsvp], answer: RsvpState) -> usize {
    rsvps.iter().filter(|r| r.answer == answer).count()
}

/// What follows a cancellation (already stored): a notice to everyone who answered (each in
/// their own zone), the announcement marked cancelled, a cancellation post, the calendar
/// copy removed. Returns the actions and how many members were told.
pub(super) async fn cancellation(
    store: &dyn crate::core::store::Store,
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
        .filter(|r| r.answer != RsvpState::No)
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
        message: may_ping(
            Message::text(format!(
                "📅 Cancelled: {} ({id}), {}.",
                event.title,
                time_format::local(event.starts_at, society.timezone, now)
            )),
            event,
        ),
        topic: None,
    });
    actions.push(Action::MirrorEvent {
        society: event.society.clone(),
        topic: topic(event),
        entry: None,
    });
    Ok((actions, told))
}

/// Every member's own zone, for showing times to each of them.
pub(super) async fn zones(
    store: &dyn crate::core::store::Store,
    society: &str,
) -> Result<HashMap<String, Tz>, StoreError> {
    Ok(store
        .profiles(society)
        .await?
        .into_iter()
        .filter_map(|p: Profile| Some((p.user_id, p.timezone?)))
        .collect())
}

pub(super) fn zone_in(zones: &HashMap<String, Tz>, user: &str, fallback: Tz) -> Tz {
    zones.get(user).copied().unwrap_or(fallback)
}

/// Tells each member moved up from the waitlist that they have a place, in their own zone.
pub(super) async fn promotion_notices(
    store: &dyn crate::core::store::Store,
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

/// What an event is, for calendars: kind, CPD hours, and how to answer.
pub(super) fn description(event: &Event, settings: &Settings) -> String {
    let id = ShortId::new(IdKind::Event, event.id);
    let answer = format!("Answer with {}rsvp {id} going", settings.prefix);
    described(event, answer)
}

/// `description` for a whole series. Its template is no event of its own (it has no id a
/// member could answer), so it points to each date's announcement, which carries the id.
pub(super) fn series_description(template: &Event) -> String {
    described(template, "Answer on each date's announcement".to_string())
}

fn described(event: &Event, answer: String) -> String {
    let mut parts: Vec<String> = kind_label(&event.kind)
        .map(str::to_string)
        .into_iter()
        .collect();
    if let Some(minutes) = event.cpd_minutes {
        parts.push(format!(
            "CPD {}",
            time_format::span(Duration::minutes(minutes))
        ));
    }
    parts.push(answer);
    parts.join(" · ")
}
