//! Calendars: `!event ics` (one event or series as a file), `!event feed` (a secret link to the
//! society's feed, which the HTTP server serves), and the feed itself.

use chrono::{DateTime, Duration, Utc};

use super::access::{find, organisers_only};
use super::notices::{description, series_description};
use super::series;
use crate::core::context::{Ctx, Settings, Society};
use crate::core::error::{Refusal, StoreError};
use crate::core::ics::{self, CalendarEvent};
use crate::core::io::{Action, Message};
use crate::core::short_id::ShortId;
use crate::core::store::{Event, Series, Store};

pub const MIME: &str = "text/calendar";
/// A feed keeps past events this long, so last week's grand rounds stay in members' calendars.
const FEED_HISTORY: Duration = Duration::days(90);

fn uid(event: &Event) -> String {
    format!("event-{}-{}@rounds", event.id, event.society)
}

fn series_uid(series: &Series) -> String {
    format!("series-{}-{}@rounds", series.id, series.template.society)
}

fn one(event: &Event, settings: &Settings, stamp: DateTime<Utc>) -> CalendarEvent {
    CalendarEvent {
        uid: event
            .source_uid
            .as_ref()
            .map(|source| format!("imported-{}-{source}", event.society))
            .unwrap_or_else(|| uid(event)),
        title: event.title.clone(),
        starts_at: event.starts_at,
        duration: event.duration,
        zone: event.zone,
        place: event.place.clone(),
        description: Some(description(event, settings)),
        rrule: None,
        exdates: Vec::new(),
        cancelled: event.cancelled,
        sequence: event.sequence,
        stamp,
        modified: event.modified_at,
    }
}

/// A series as one VEVENT with its RRULE; skipped and cancelled dates are EXDATEs. An ended
/// series keeps the dates it held: its RRULE stops when it ended, and only a series that never
/// met is cancelled as a whole.
async fn series_entry(
    store: &dyn Store,
    settings: &Settings,
    series: &Series,
    stamp: DateTime<Utc>,
) -> Result<CalendarEvent, StoreError> {
    // Cancelled dates are recorded as skipped too, so these are every date that won't happen.
    let exdates = store.skipped_dates(series.id).await?;
    let first = Event {
        starts_at: series.first_at,
        ..series.template.clone()
    };
    let mut rrule = series::rrule(&series.rule);
    let mut cancelled = series.cancelled;
    if series.cancelled
        && let Some(ended) = series.ended_at.filter(|ended| *ended >= series.first_at)
    {
        // UNTIL is inclusive and, with a DTSTART in a zone, written in UTC (RFC 5545 3.3.10).
        rrule = rrule.map(|rule| format!("{rule};UNTIL={}", ended.format("%Y%m%dT%H%M%SZ")));
        cancelled = false;
    }
    Ok(CalendarEvent {
        uid: series_uid(series),
        rrule,
        exdates,
        cancelled,
        description: Some(series_description(&series.template)),
        sequence: series.sequence,
        modified: series.modified_at,
        ..one(&first, settings, stamp)
    })
}

/// `!event ics <id>`: the event, or the whole series it belongs to, as an .ics file.
pub async fn ics(ctx: &Ctx<'_>, id: ShortId) -> Result<Vec<Action>, Refusal> {
    let event = find(ctx, id).await?;
    let entry = match event.series {
        Some(series_id) => match ctx.store.series(series_id).await? {
            Some(series) => series_entry(ctx.store, ctx.settings, &series, ctx.now).await?,
            None => one(&event, ctx.settings, ctx.now),
        },
        None => one(&event, ctx.settings, ctx.now),
    };
    let text = ics::calendar(&ctx.society.name, &[entry]);
    let what = if event.series.is_some() {
        "the whole series"
    } else {
        "this event"
    };
    Ok(vec![
        ctx.reply_message(
            Message::text(format!(
                "{} ({id}) as a calendar file ({what}); open it to add it to your calendar.",
                event.title
            ))
            .with_attachment(format!("{id}.ics"), MIME, text),
            true,
        ),
    ])
}

/// The society's whole feed: one-off events from the last 90 days on, and every series.
pub async fn feed(
    store: &dyn Store,
    settings: &Settings,
    society: &Society,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let mut entries = Vec::new();
    for event in store.feed_events(&society.key, now - FEED_HISTORY).await? {
        entries.push(one(&event, settings, now));
    }
    for series in store.society_series(&society.key).await? {
        entries.push(series_entry(store, settings, &series, now).await?);
    }
    Ok(ics::calendar(&society.name, &entries))
}

/// 24 random bytes as hex: the feed URL is the only thing guarding it.
fn new_token() -> Result<String, Refusal> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes)
        .map_err(|_| Refusal::said("I couldn't make a secure link just now; please try again."))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// `!event feed`: the society's feed link, privately. `reset` (organisers) makes a new one and
/// the old link stops working.
pub async fn feed_link(ctx: &Ctx<'_>, reset: bool) -> Result<Vec<Action>, Refusal> {
    let Some(base) = &ctx.settings.feed_base else {
        return Err(Refusal::said(
            "Calendar feeds are not switched on here (the operator sets `[http] bind`). `event ics <id>` gives one event as a file meanwhile.",
        ));
    };
    let token = if reset {
        organisers_only(ctx, "reset the feed of")?;
        let token = new_token()?;
        ctx.store
            .reset_feed_token(&ctx.society.key, &token, ctx.now)
            .await?;
        token
    } else {
        ctx.store
            .feed_token(&ctx.society.key, &new_token()?, ctx.now)
            .await?
    };
    let url = format!("{base}/calendar/{}/{token}.ics", ctx.society.key);
    Ok(vec![ctx.private_reply(format!(
        "Subscribe to every {} event in your calendar app (Add calendar → From URL): {url}\nKeep the link to members{}.",
        ctx.society.name,
        if reset {
            "; the old link no longer works"
        } else {
            "; an organiser can replace it with `event feed reset`"
        }
    ))])
}

/// Whether `token` opens `society`'s feed. Compared in constant time.
pub async fn feed_allowed(
    store: &dyn Store,
    society: &str,
    token: &str,
) -> Result<bool, StoreError> {
    let Some(stored) = store.stored_feed_token(society).await? else {
        return Ok(false);
    };
    if stored.len() != token.len() {
        return Ok(false);
    }
    Ok(stored
        .bytes()
        .zip(token.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0)
}
