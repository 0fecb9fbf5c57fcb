//! `!event import <url>`: a hospital's calendar feed (ICS) becomes Rounds events, announced
//! with RSVP like any other, and re-synced daily: new entries are added, changed ones edited,
//! removed or cancelled ones cancelled with notices. The feed's UIDs keep a re-sync from
//! duplicating anything.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use super::access::organisers_only;
use super::edit;
use super::notices;
use super::reminders::first_reminder;
use crate::core::context::{Bot, Ctx, Fired};
use crate::core::error::{Refusal, StoreError};
use crate::core::ics::{self, ImportedEvent};
use crate::core::identifiers;
use crate::core::io::{Action, Message};
use crate::core::plural;
use crate::core::secret_url::redacted;
use crate::core::store::{Event, EventImport, Job};
use crate::core::time_format;

/// Entries this far ahead are imported; later ones arrive with a later daily sync.
pub const HORIZON: Duration = Duration::days(60);
const RESYNC: Duration = Duration::days(1);
/// A feed with more entries in the horizon than this is cut short (and the committee told).
const MAX_ENTRIES: usize = 300;
const MAX_URL: usize = 500;

fn normalise(url: &str) -> Result<String, Refusal> {
    let url = url.trim();
    // Calendar apps hand out webcal:// links for the same https resource.
    let url = match url.strip_prefix("webcal://") {
        Some(rest) => format!("https://{rest}"),
        None => url.to_string(),
    };
    let lower = url.to_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://"))
        || url.len() > MAX_URL
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
        || url
            .split_once("://")
            .is_none_or(|(_, rest)| rest.is_empty())
    {
        return Err(Refusal::said(
            "That is not a calendar link: give an http(s) or webcal address of an .ics feed, e.g. `event import https://hospital.example.org/grand-rounds.ics`.",
        ));
    }
    Ok(url)
}

/// `!event import [url]`: starts importing a feed, or lists the imports.
pub async fn import(ctx: &Ctx<'_>, url: Option<String>) -> Result<Vec<Action>, Refusal> {
    organisers_only(ctx, "import")?;
    let p = ctx.prefix();
    let Some(url) = url else {
        let imports = ctx.store.imports(&ctx.society.key).await?;
        if imports.is_empty() {
            return Ok(vec![ctx.private_reply(format!(
                "{} imports no calendars. Add one with `{p}event import <url>`.",
                ctx.society.sentence_name()
            ))]);
        }
        let zone = ctx.member_zone().await?;
        let mut lines = vec![format!("Calendars {} imports:", ctx.society.name)];
        for import in imports {
            let state = match (&import.synced_at, &import.last_error) {
                (_, Some(error)) => format!("last try failed: {error}"),
                (Some(at), None) => format!("synced {}", time_format::local(*at, zone, ctx.now)),
                (None, None) => "not synced yet".to_string(),
            };
            lines.push(format!("{} · {state}", redacted(&import.url)));
        }
        lines.push(format!("Stop one with `{p}event import stop <url>`."));
        return Ok(vec![ctx.private_reply(lines.join("\n"))]);
    };
    let url = normalise(&url)?;
    let (import, created) = ctx
        .store
        .save_import(
            &EventImport {
                id: 0,
                society: ctx.society.key.clone(),
                platform: ctx.origin.platform.clone(),
                room: ctx.origin.room.clone(),
                url: url.clone(),
                synced_at: None,
                last_error: None,
            },
            ctx.now,
        )
        .await?;
    if !created {
        return Err(Refusal::said(format!(
            "{} already imports {}; it re-syncs daily{}.",
            ctx.society.sentence_name(),
            redacted(&import.url),
            import
                .last_error
                .map(|e| format!(" (last try failed: {e})"))
                .unwrap_or_default()
        )));
    }
    let shown = redacted(&url);
    Ok(vec![ctx.private_reply(format!(
        "Importing {shown}: events in the next {} days are added and announced here shortly, and it re-syncs daily. Stop with `{p}event import stop {shown}`.",
        HORIZON.num_days()
    ))])
}

/// `!event import stop <url>`: no more syncs; events already imported stay.
pub async fn stop(ctx: &Ctx<'_>, url: &str) -> Result<Vec<Action>, Refusal> {
    organisers_only(ctx, "import")?;
    let url = normalise(url)?;
    let imports = ctx.store.imports(&ctx.society.key).await?;
    // The list shows addresses redacted, so the redacted form names a feed too when it is the
    // only one that looks so.
    let mut alike = imports
        .iter()
        .filter(|i| redacted(&i.url) == redacted(&url));
    let found = match imports.iter().find(|i| i.url == url) {
        Some(exact) => Some(exact),
        None => alike.next().filter(|_| alike.next().is_none()),
    };
    let shown = redacted(&url);
    let Some(import) = found else {
        return Err(Refusal::said(format!(
            "{} does not import {shown}; see the list with `{}event import`.",
            ctx.society.sentence_name(),
            ctx.prefix()
        )));
    };
    ctx.store.remove_import(import.id).await?;
    Ok(vec![ctx.private_reply(format!(
        "Stopped importing {shown}. Events already imported stay; cancel any with `{}event cancel <id>`.",
        ctx.prefix()
    ))])
}

/// One sync: fetch, parse, reconcile. Runs daily; a failure is reported once and retried.
pub async fn fire(bot: &Bot, job: &Job, now: DateTime<Utc>) -> Result<Fired, StoreError> {
    let store = bot.store();
    let Some(import) = store.import(job.subject).await? else {
        return Ok(Fired {
            actions: Vec::new(),
            next_due: None,
        });
    };
    let next_due = Some(now + RESYNC);
    let fetched = match bot.fetcher() {
        Some(fetcher) => fetcher.fetch(&import.url).await,
        None => Err("this Rounds has no way to fetch URLs".to_string()),
    };
    let parsed =
        fetched.and_then(|text| ics::parse(&text, now, HORIZON).map_err(|e| e.to_string()));
    let items = match parsed {
        Ok(items) => items,
        Err(reason) => {
            let actions = failed(bot, &import, &reason, now).await?;
            return Ok(Fired { actions, next_due });
        }
    };
    let actions = sync(bot, &import, items, now).await?;
    Ok(Fired { actions, next_due })
}

async fn failed(
    bot: &Bot,
    import: &EventImport,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Action>, StoreError> {
    tracing::warn!(url = %redacted(&import.url), reason, "calendar import failed");
    bot.store()
        .mark_import(import.id, now, Some(reason))
        .await?;
    // Told once when it starts failing, not every day it goes on failing.
    if import.last_error.is_some() {
        return Ok(Vec::new());
    }
    let text = format!(
        "Could not import {}: {reason}. I'll try again tomorrow.",
        redacted(&import.url)
    );
    let mut actions = vec![Action::AdminLog {
        society: import.society.clone(),
        about: None,
        text: text.clone(),
    }];
    if import.synced_at.is_none() {
        actions.push(Action::Post {
            room: import.room.clone(),
            message: Message::text(text),
        });
    }
    Ok(actions)
}

fn draft(bot: &Bot, import: &EventImport, item: &ImportedEvent, now: DateTime<Utc>) -> Event {
    let society = bot.society(&import.society);
    Event {
        id: 0,
        society: import.society.clone(),
        platform: import.platform.clone(),
        room: import.room.clone(),
        title: item.title.clone(),
        starts_at: item.starts_at,
        duration: item
            .duration
            .clamp(Duration::minutes(1), Duration::days(14)),
        zone: item.zone.unwrap_or(society.timezone),
        place: item.place.clone(),
        capacity: None,
        kind: "other".to_string(),
        cpd_minutes: None,
        group: String::new(),
        cancelled: false,
        series: None,
        sequence: 0,
        modified_at: now,
        import: Some(import.id),
        source_uid: Some(item.uid.clone()),
    }
}

async fn sync(
    bot: &Bot,
    import: &EventImport,
    items: Vec<ImportedEvent>,
    now: DateTime<Utc>,
) -> Result<Vec<Action>, StoreError> {
    let store = bot.store();
    let society = bot.society(&import.society);
    let mut actions = Vec::new();
    let (mut added, mut changed, mut cancelled) = (0, 0, 0);
    let mut seen = HashSet::new();
    let truncated = items.len() > MAX_ENTRIES;
    for item in items.into_iter().take(MAX_ENTRIES) {
        seen.insert(item.uid.clone());
        // A feed is not typed by a member who could be told: an entry that looks like it names
        // a patient is left out, and the committee is told which one (by time, not by text).
        if let Some(found) = [Some(&item.title), item.place.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|text| identifiers::check(text))
        {
            actions.push(Action::AdminLog {
                society: import.society.clone(),
                about: None,
                text: format!(
                    "An event from {} starting {} was not imported because {found}.",
                    redacted(&import.url),
                    time_format::local(item.starts_at, society.timezone, now)
                ),
            });
            continue;
        }
        let fresh = draft(bot, import, &item, now);
        match store.event_by_source(import.id, &item.uid).await? {
            None if item.cancelled => {}
            None => {
                let (first, offsets) = first_reminder(bot.settings(), &fresh, now);
                let event = store.create_event(&fresh, first, &offsets, now).await?;
                actions.extend(notices::announce(
                    bot.settings(),
                    society,
                    &event,
                    &[],
                    None,
                ));
                added += 1;
            }
            Some(existing) if existing.cancelled => {}
            Some(existing) if item.cancelled => {
                if store.cancel_event(existing.id, now).await? {
                    let (notices, _) = notices::cancellation(
                        store.as_ref(),
                        bot.settings(),
                        society,
                        &existing,
                        now,
                    )
                    .await?;
                    actions.extend(notices);
                    cancelled += 1;
                }
            }
            Some(existing) => {
                let updated = Event {
                    title: fresh.title,
                    starts_at: fresh.starts_at,
                    duration: fresh.duration,
                    place: fresh.place,
                    ..existing.clone()
                };
                if updated != existing {
                    let (first, offsets) = first_reminder(bot.settings(), &updated, now);
                    let promoted = store.update_event(&updated, first, &offsets, now).await?;
                    let (notices, _) = edit::changed(
                        store.as_ref(),
                        bot.settings(),
                        society,
                        &existing,
                        &updated,
                        &promoted,
                        now,
                    )
                    .await?;
                    actions.extend(notices);
                    changed += 1;
                }
            }
        }
    }
    // Gone from the feed: the hospital dropped it.
    if !truncated {
        for gone in store.imported_events(import.id, now).await? {
            let listed = gone
                .source_uid
                .as_ref()
                .is_some_and(|uid| seen.contains(uid));
            if !listed && store.cancel_event(gone.id, now).await? {
                let (notices, _) =
                    notices::cancellation(store.as_ref(), bot.settings(), society, &gone, now)
                        .await?;
                actions.extend(notices);
                cancelled += 1;
            }
        }
    }
    store.mark_import(import.id, now, None).await?;
    if truncated {
        actions.push(Action::AdminLog {
            society: import.society.clone(),
            about: None,
            text: format!(
                "{} lists more than {MAX_ENTRIES} events in the next {} days; only the first {MAX_ENTRIES} were imported.",
                redacted(&import.url),
                HORIZON.num_days()
            ),
        });
    }
    if import.synced_at.is_none() || import.last_error.is_some() {
        actions.push(Action::Post {
            room: import.room.clone(),
            message: Message::text(format!(
                "Imported {} from {} (the next {} days); it re-syncs daily.",
                plural::count(added, "event", "events"),
                redacted(&import.url),
                HORIZON.num_days()
            )),
        });
    } else if added + changed + cancelled > 0 {
        tracing::info!(url = %redacted(&import.url), added, changed, cancelled, "calendar re-synced");
    }
    Ok(actions)
}
