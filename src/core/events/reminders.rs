//! Reminders before an event, to everyone going, at the configured offsets.

use super::notices::{zone_in, zones};
use chrono::{DateTime, Duration, Utc};

use crate::core::catch_up;
use crate::core::context::{Bot, Fired, Settings};
use crate::core::error::StoreError;
use crate::core::io::{Action, Message};
use crate::core::short_id::{IdKind, ShortId};
use crate::core::store::{Event, Job, JobRule, RsvpState};
use crate::core::time_format;

/// The first reminder still ahead, and the offsets the job keeps.
pub(super) fn first_reminder(
    settings: &Settings,
    event: &Event,
    now: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, Vec<Duration>) {
    // The job stores whole seconds, so the offsets are kept as it will read them back.
    let offsets: Vec<Duration> = settings
        .event_reminders
        .iter()
        .map(|o| Duration::seconds(o.num_seconds()))
        .collect();
    (next_reminder(event.starts_at, &offsets, now), offsets)
}

/// The next reminder time strictly after `after`.
fn next_reminder(
    starts_at: DateTime<Utc>,
    offsets: &[Duration],
    after: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    offsets
        .iter()
        .map(|offset| starts_at - *offset)
        .filter(|at| *at > after)
        .min()
}

/// A reminder before an event, to everyone going, each in their own zone; the job then moves
/// on to the next offset. After downtime the reminders due meanwhile follow the catch-up rule:
/// those still before the event are sent once, saying how long is really left; for an event
/// that has begun members are not pinged, and the committee log says what was not sent.
pub async fn fire_reminder(bot: &Bot, job: &Job, now: DateTime<Utc>) -> Result<Fired, StoreError> {
    let store = bot.store();
    let Some(event) = store.event(job.subject).await? else {
        return Ok(Fired {
            actions: Vec::new(),
            next_due: None,
        });
    };
    let offsets = match &job.rule {
        Some(JobRule::Before(offsets)) => offsets.as_slice(),
        _ => &[],
    };
    let settings = bot.settings();
    let window = catch_up::Window::of(settings);
    let due = catch_up::occurrences(
        job.due_at,
        |after| next_reminder(event.starts_at, offsets, after),
        now,
        window,
    );
    let next_due = due.next_due;
    if event.cancelled {
        return Ok(Fired {
            actions: Vec::new(),
            next_due: None,
        });
    }
    let society = bot.society(&event.society);
    let id = ShortId::new(IdKind::Event, event.id);
    let going: Vec<_> = store
        .rsvps(event.id)
        .await?
        .into_iter()
        .filter(|r| r.answer == RsvpState::Going)
        .collect();
    // With nobody going there is no one to remind, and nothing was lost.
    if going.is_empty() {
        let next_due = next_due.filter(|_| now < event.starts_at);
        return Ok(Fired {
            actions: Vec::new(),
            next_due,
        });
    }
    let zone = society.timezone;
    if now >= event.starts_at {
        // A reminder for an event that has already begun helps nobody; but reminders that
        // went unsent because Rounds was down are said, not dropped.
        let actions = if due.late.is_empty() && due.missed.is_empty() {
            Vec::new()
        } else {
            let count = due.late.len() + due.missed.len() + due.on_time.len();
            vec![Action::AdminLog {
                society: event.society.clone(),
                about: None,
                text: format!(
                    "{count} reminder{} for {} ({id}), {}, not sent: I was offline from before {} until after it began.",
                    if count == 1 { "" } else { "s" },
                    event.title,
                    time_format::local(event.starts_at, zone, now),
                    time_format::local(job.due_at, zone, now),
                ),
            }]
        };
        return Ok(Fired {
            actions,
            next_due: None,
        });
    }
    let mut actions = Vec::new();
    if let Some(missed) = due.missed_note(zone, now) {
        actions.push(Action::AdminLog {
            society: event.society.clone(),
            about: None,
            text: format!(
                "Missed the reminder{} for {} ({id}), {missed} (I was offline, past the catch-up window); members were not sent {}.",
                if due.missed.len() == 1 { "" } else { "s" },
                event.title,
                if due.missed.len() == 1 { "it" } else { "them" },
            ),
        });
    }
    let Some(latest) = due.latest_to_send() else {
        return Ok(Fired { actions, next_due });
    };
    let zones = zones(store.as_ref(), &event.society).await?;
    // Late, the lead the reminder was for is no longer true: say what is left now.
    let lead = if due.late.is_empty() {
        event.starts_at - latest
    } else {
        Duration::minutes(((event.starts_at - now).num_seconds() + 30) / 60)
    };
    let reminders = going.into_iter().map(|r| {
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
        if let Some(note) = due.late_note(zone, now) {
            text.push_str(&format!(" ({note})"));
        }
        Action::Remind {
            user: r.user,
            message: Message::text(text),
        }
    });
    actions.extend(reminders);
    Ok(Fired { actions, next_due })
}
