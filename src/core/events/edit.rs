//! `!event edit <id> | <field> <value> | ...`: change an event's details. The announcement
//! is rewritten, members who answered are told what changed, reminders follow a new time,
//! and places a larger capacity opens go to the waitlist in order.

use chrono::{DateTime, Utc};

use super::access::{find, organisers_only};
use super::draft::{FieldError, apply_field, check_cpd_hours, one_line, split_field};
use super::notices::{self, zone_in, zones};
use super::reminders::first_reminder;
use super::series;
use crate::core::context::{Ctx, Settings, Society};
use crate::core::error::{Refusal, StoreError};
use crate::core::io::{Action, Message, UserRef};
use crate::core::short_id::{IdKind, ShortId};
use crate::core::store::{Event, RsvpState, Store};
use crate::core::time_format;
use crate::core::when;

const MAX_TITLE: usize = 200;

pub async fn edit(ctx: &Ctx<'_>, id: ShortId, fields: &[String]) -> Result<Vec<Action>, Refusal> {
    organisers_only(ctx, "edit")?;
    let before = find(ctx, id).await?;
    let p = ctx.prefix();
    if before.cancelled {
        return Err(Refusal::said(format!(
            "{id} is cancelled; it can't be edited."
        )));
    }
    if before.starts_at + before.duration <= ctx.now {
        return Err(Refusal::said(format!("{id} is over; it can't be edited.")));
    }
    let zone = ctx.member_zone().await?;
    let mut after = before.clone();
    let mut whole_series = false;
    for field in fields {
        let (key, value) = split_field(field);
        match key.as_str() {
            "title" => after.title = one_line(value, "title", MAX_TITLE)?,
            "when" | "time" | "date" => {
                let schedule = when::parse(value, ctx.now, zone)?;
                if schedule.rule.is_some() {
                    return Err(Refusal::said(
                        "An edit moves one date; to change how a series repeats, end it with `event cancel <id> series` and create a new one.",
                    ));
                }
                after.starts_at = schedule.first;
            }
            "all" | "series" => whole_series = true,
            _ => apply_field(&mut after, &key, value).map_err(|error| match error {
                FieldError::Unknown => Refusal::said(format!(
                    "I don't know the event field `{}`. Change any of `title …`, `when …`, `for 2h`, `at …`, `capacity 40`, `kind cpd`, `cpd 1.5`; e.g. `{p}event edit {id} | at Lecture theatre 3`.",
                    key.chars().take(30).collect::<String>()
                )),
                FieldError::Bad(refusal) => refusal,
            })?,
        }
    }
    check_cpd_hours(&after, fields)?;
    if whole_series && before.series.is_none() {
        return Err(Refusal::said(format!(
            "{id} is a single event; leave out `all`."
        )));
    }
    if after == before && !whole_series {
        return Err(Refusal::said(format!(
            "Nothing changed: {id} already has those details."
        )));
    }
    let (first, offsets) = first_reminder(ctx.settings, &after, ctx.now);
    let promoted = ctx
        .store
        .update_event(&after, first, &offsets, ctx.now)
        .await?;
    let mut series_copy = None;
    if whole_series
        && let Some(series_id) = before.series
        && let Some(mut series) = ctx.store.series(series_id).await?
    {
        let t = &mut series.template;
        t.title = after.title.clone();
        t.duration = after.duration;
        t.place = after.place.clone();
        t.capacity = after.capacity;
        t.kind = after.kind.clone();
        t.cpd_minutes = after.cpd_minutes;
        ctx.store.update_series(&series, ctx.now).await?;
        series_copy = Some(series::mirror(ctx.store, &series, ctx.now).await?);
    }
    let changes = what_changed(&before, &after);
    let (mut actions, told) = changed(
        ctx.store,
        ctx.settings,
        ctx.society,
        &before,
        &after,
        &promoted,
        ctx.now,
    )
    .await?;
    actions.extend(series_copy);
    actions.push(ctx.private_reply(format!(
        "Updated {id}{}.{}{}",
        if whole_series {
            " and the later dates of its series"
        } else {
            ""
        },
        if changes.is_empty() {
            String::new()
        } else {
            format!(
                " {} what changed.",
                notices::members_told(told, "who answered")
            )
        },
        if promoted.is_empty() {
            String::new()
        } else {
            format!(" {} moved up from the waitlist.", promoted.len())
        }
    )));
    Ok(actions)
}

/// What follows a stored change to an event: the announcement and calendar copy rewritten,
/// members who answered told about a new time, place or title (each in their own zone),
/// and those `promoted` from the waitlist told they have a place. Returns the actions and
/// how many members were told of the change.
pub(super) async fn changed(
    store: &dyn Store,
    settings: &Settings,
    society: &Society,
    before: &Event,
    after: &Event,
    promoted: &[UserRef],
    now: DateTime<Utc>,
) -> Result<(Vec<Action>, usize), StoreError> {
    let id = ShortId::new(IdKind::Event, after.id);
    let rsvps = store.rsvps(after.id).await?;
    let series = match after.series {
        Some(series) => store.series(series).await?,
        None => None,
    };
    let mut actions = vec![
        notices::refreshed(settings, society, after, &rsvps),
        Action::MirrorEvent {
            society: after.society.clone(),
            topic: notices::topic(after),
            entry: notices::mirror_entry(settings, after, series.as_ref()),
        },
    ];
    let changes = what_changed(before, after);
    let mut told = 0;
    if !changes.is_empty() {
        let zones = zones(store, &after.society).await?;
        for rsvp in rsvps.iter().filter(|r| r.answer != RsvpState::No) {
            let zone = zone_in(&zones, &rsvp.user.id, society.timezone);
            told += 1;
            actions.push(Action::Remind {
                user: rsvp.user.clone(),
                message: Message::text(format!(
                    "Changed: {} ({id}) {}.",
                    after.title,
                    describe_changes(&changes, after, zone, now)
                )),
            });
        }
    }
    actions.extend(notices::promotion_notices(store, society, after, promoted, now).await?);
    Ok((actions, told))
}

/// The changes members who answered need to hear about.
#[derive(PartialEq, Eq)]
enum Change {
    Time,
    Place,
    Title,
}

fn what_changed(before: &Event, after: &Event) -> Vec<Change> {
    let mut changes = Vec::new();
    if before.starts_at != after.starts_at || before.duration != after.duration {
        changes.push(Change::Time);
    }
    if before.place != after.place {
        changes.push(Change::Place);
    }
    if before.title != after.title {
        changes.push(Change::Title);
    }
    changes
}

fn describe_changes(
    changes: &[Change],
    event: &Event,
    zone: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> String {
    let mut parts = Vec::new();
    if changes.contains(&Change::Time) {
        parts.push(format!(
            "is now {} ({})",
            time_format::local(event.starts_at, zone, now),
            time_format::span(event.duration)
        ));
    }
    if changes.contains(&Change::Place) {
        parts.push(match &event.place {
            Some(place) => format!("is now at {place}"),
            None => "has no place set".to_string(),
        });
    }
    if changes.contains(&Change::Title) {
        parts.push("has a new title".to_string());
    }
    parts.join(" and ")
}
