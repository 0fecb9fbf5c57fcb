//! Attendance and CPD: the organiser opens a short check-in code during an event, members check
//! in with it, and `!cpd` lists each member's attended events and hours (or gives them as CSV).

use chrono::{DateTime, Duration, Utc};

use super::access::{find, organisers_only};
use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::io::{Action, Message};
use crate::core::pairing::Rng;
use crate::core::reminders::followups;
use crate::core::short_id::ShortId;
use crate::core::store::Event;
use crate::core::time_format;

/// Check-in is open from this long before the start until this long after the end.
pub const CHECKIN_MARGIN: Duration = Duration::minutes(30);
/// No 0/O or 1/I, so a code read out in a lecture theatre is typed right.
const CODE_LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const CODE_LENGTH: usize = 6;

fn window(event: &Event) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        event.starts_at - CHECKIN_MARGIN,
        event.starts_at + event.duration + CHECKIN_MARGIN,
    )
}

fn new_code(event: &Event, now: DateTime<Utc>) -> String {
    let mut rng = Rng::new(
        (now.timestamp_nanos_opt().unwrap_or_default() as u64) ^ (event.id as u64).rotate_left(32),
    );
    (0..CODE_LENGTH)
        .map(|_| CODE_LETTERS[rng.below(CODE_LETTERS.len())] as char)
        .collect()
}

pub async fn open_code(ctx: &Ctx<'_>, id: ShortId) -> Result<Vec<Action>, Refusal> {
    organisers_only(ctx, "open check-in for")?;
    let event = find(ctx, id).await?;
    let (from, until) = window(&event);
    let zone = ctx.member_zone().await?;
    let code = match ctx.store.checkin_code(event.id).await? {
        Some(code) => code,
        None => {
            let code = new_code(&event, ctx.now);
            ctx.store.set_checkin_code(event.id, &code).await?;
            code
        }
    };
    Ok(vec![ctx.private_reply(format!(
        "Check-in code for {} ({id}): {code}. Members type `{}event checkin {id} {code}` between {} and {}.",
        event.title,
        ctx.prefix(),
        time_format::local(from, zone, ctx.now),
        time_format::local(until, zone, ctx.now)
    ))])
}

pub async fn check_in(ctx: &Ctx<'_>, id: ShortId, code: &str) -> Result<Vec<Action>, Refusal> {
    let event = find(ctx, id).await?;
    let (from, until) = window(&event);
    if event.cancelled || ctx.now < from || ctx.now > until {
        return Err(Refusal::said(format!(
            "Check-in for {id} is open only during the event (from 30 minutes before to 30 minutes after)."
        )));
    }
    match ctx.store.checkin_code(event.id).await? {
        Some(expected) if expected == code => {}
        _ => {
            return Err(Refusal::said(format!(
                "That is not the check-in code for {id}; ask the organiser for it."
            )));
        }
    }
    let new = ctx
        .store
        .record_attendance(event.id, ctx.sender, ctx.now)
        .await?;
    let hours = event
        .cpd_minutes
        .map(|m| format!(" ({} CPD h)", m as f64 / 60.0))
        .unwrap_or_default();
    if new {
        return Ok(vec![ctx.reply_message(
            Message::text(format!(
                "Checked in to {} ({id}){hours}. See your log with `{}cpd`. Met someone worth keeping in touch with?",
                event.title,
                ctx.prefix()
            ))
            .with_choices(vec![followups::offer(&format!("event:{}", event.id))]),
            true,
        )]);
    }
    Ok(vec![ctx.private_reply(format!(
        "You had already checked in to {} ({id}).",
        event.title
    ))])
}

pub async fn list(ctx: &Ctx<'_>, id: ShortId) -> Result<Vec<Action>, Refusal> {
    organisers_only(ctx, "see attendance of")?;
    let event = find(ctx, id).await?;
    let present = ctx.store.attendance(event.id).await?;
    let zone = ctx.member_zone().await?;
    let mut lines = vec![format!(
        "Attendance at {} ({id}): {} checked in.",
        event.title,
        present.len()
    )];
    lines.extend(
        present.iter().map(|(user, at)| {
            format!("{} · {}", user.name, time_format::local(*at, zone, ctx.now))
        }),
    );
    Ok(vec![ctx.private_reply(lines.join("\n"))])
}

/// One CSV field, quoted when it must be (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

pub async fn cpd(ctx: &Ctx<'_>, export: bool) -> Result<Vec<Action>, Refusal> {
    let events = ctx.store.attended(&ctx.society.key, &ctx.sender.id).await?;
    let zone = ctx.member_zone().await?;
    let hours = |e: &Event| e.cpd_minutes.unwrap_or(0) as f64 / 60.0;
    let total: f64 = events.iter().map(hours).sum();
    if export {
        let mut lines = vec!["date,title,kind,hours,place".to_string()];
        lines.extend(events.iter().map(|e| {
            [
                e.starts_at
                    .with_timezone(&zone)
                    .format("%Y-%m-%d")
                    .to_string(),
                csv_field(&e.title),
                e.kind.clone(),
                hours(e).to_string(),
                csv_field(e.place.as_deref().unwrap_or("")),
            ]
            .join(",")
        }));
        return Ok(vec![ctx.private_reply(lines.join("\n"))]);
    }
    if events.is_empty() {
        return Ok(vec![ctx.private_reply(format!(
            "Your CPD log in {} is empty: check in at an event with `{}event checkin <id> <code>`.",
            ctx.society.name,
            ctx.prefix()
        ))]);
    }
    let mut lines = vec![format!("Your CPD log in {}:", ctx.society.name)];
    lines.extend(events.iter().map(|e| {
        format!(
            "{} · {} · {} h",
            time_format::local(e.starts_at, zone, ctx.now),
            e.title,
            hours(e)
        )
    }));
    lines.push(format!(
        "Total: {total} h. As CSV: `{}cpd export`.",
        ctx.prefix()
    ));
    Ok(vec![ctx.private_reply(lines.join("\n"))])
}
