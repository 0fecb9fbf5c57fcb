//! Reminders before an event, to everyone going, at the configured offsets.

use super::notices::{zone_in, zones};
use chrono::{DateTime, Duration, Utc};

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
/// on to the next offset.
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
    let next_due = next_reminder(event.starts_at, offsets, job.due_at.max(now));
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
        .filter(|r| r.answer == RsvpState::Going)
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
