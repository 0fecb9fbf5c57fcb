//! Attendance and CPD: the organiser opens a short check-in code during an event, members check
//! in with it, and `!cpd` lists each member's attended events and hours (or gives them as CSV).

use chrono::{DateTime, Duration, Utc};

use super::access::{find, organisers_only};
use super::notices::kind_label;
use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::io::{Action, Message};
use crate::core::mention;
use crate::core::reminders::followups;
use crate::core::short_id::{IdKind, ShortId};
use crate::core::store::{Event, RsvpState};
use crate::core::time_format;

/// Check-in is open from this long before the start until this long after the end.
pub const CHECKIN_MARGIN: Duration = Duration::minutes(30);
/// No 0/O or 1/I, so a code read out in a lecture theatre is typed right.
const CODE_LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const CODE_LENGTH: usize = 6;
/// Wrong codes a member may type for one event before only an organiser can check them in.
pub const MAX_CHECKIN_TRIES: u32 = 5;

fn window(event: &Event) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        event.starts_at - CHECKIN_MARGIN,
        event.starts_at + event.duration + CHECKIN_MARGIN,
    )
}

/// A code from the OS random source: one derived from the time and the event id could be
/// worked out by anyone who knows roughly when it was opened.
fn new_code() -> Result<String, Refusal> {
    let mut bytes = [0u8; CODE_LENGTH];
    getrandom::fill(&mut bytes).map_err(|_| {
        Refusal::said("I couldn't make a check-in code just now; please try again.")
    })?;
    // 32 letters divide 256, so every letter is equally likely.
    Ok(bytes
        .iter()
        .map(|b| CODE_LETTERS[usize::from(*b) % CODE_LETTERS.len()] as char)
        .collect())
}

pub async fn open_code(ctx: &Ctx<'_>, id: ShortId) -> Result<Vec<Action>, Refusal> {
    organisers_only(ctx, "open check-in for")?;
    let event = find(ctx, id).await?;
    let (from, until) = window(&event);
    let zone = ctx.member_zone().await?;
    let code = match ctx.store.checkin_code(event.id).await? {
        Some(code) => code,
        None => {
            let code = new_code()?;
            ctx.store.set_checkin_code(event.id, &code).await?;
            code
        }
    };
    // The organiser is showing the code to the room: members who ran out of tries (a typo too
    // many) get them back, which is how "ask an organiser" is answered.
    ctx.store.clear_checkin_failures(event.id).await?;
    Ok(vec![ctx.private_reply(format!(
        "Check-in code for {} ({id}): {code}. Members type `{}event checkin {id} {code}` between {} and {}.",
        event.title,
        ctx.prefix(),
        time_format::local(from, zone, ctx.now),
        time_format::local(until, zone, ctx.now)
    ))])
}

/// `!event checkin <id> <code>`, or with a `@member` instead of the code, an organiser checking
/// that member in.
pub async fn check_in(ctx: &Ctx<'_>, id: ShortId, code: &str) -> Result<Vec<Action>, Refusal> {
    let event = find(ctx, id).await?;
    let (from, until) = window(&event);
    if event.cancelled || ctx.now < from || ctx.now > until {
        return Err(Refusal::said(format!(
            "Check-in for {id} is open only during the event (from 30 minutes before to 30 minutes after)."
        )));
    }
    if mention::id_of(code).is_some() {
        return check_in_member(ctx, &event, code).await;
    }
    let rsvps = ctx.store.rsvps(event.id).await?;
    let p = ctx.prefix();
    // Checked before the code, so a member who may not check in spends none of their tries.
    match rsvps.iter().find(|r| r.user.id == ctx.sender.id) {
        Some(mine) if mine.answer == RsvpState::Going => {}
        Some(mine) if mine.answer == RsvpState::Waitlist => {
            return Err(Refusal::said(format!(
                "Check-in for {id} is for members going, and you're on the waitlist. If you are there, ask an organiser to check you in (`{p}event checkin {id} @you`)."
            )));
        }
        _ => {
            return Err(Refusal::said(format!(
                "Check-in for {id} is for members going: answer with `{p}rsvp {id} going` first, or ask an organiser to check you in."
            )));
        }
    }
    let refused_after_tries = || {
        Refusal::said(format!(
            "Too many wrong codes for {id}; ask an organiser to show the code again, which gives you new tries."
        ))
    };
    if ctx.store.checkin_failures(event.id, &ctx.sender.id).await? >= MAX_CHECKIN_TRIES {
        return Err(refused_after_tries());
    }
    match ctx.store.checkin_code(event.id).await? {
        Some(expected) if expected == code => {}
        _ => {
            let failures = ctx
                .store
                .record_checkin_failure(event.id, &ctx.sender.id)
                .await?;
            let left = MAX_CHECKIN_TRIES.saturating_sub(failures);
            return Err(Refusal::said(format!(
                "That is not the check-in code for {id}; ask the organiser for it. {left} {} left.",
                if left == 1 { "try" } else { "tries" }
            )));
        }
    }
    let new = ctx
        .store
        .record_attendance(event.id, ctx.sender, ctx.now)
        .await?;
    let hours = cpd_hours(&event);
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

/// " (CPD: 1h 30m)", or nothing for an event without CPD hours.
fn cpd_hours(event: &Event) -> String {
    event
        .cpd_minutes
        .map(|m| format!(" (CPD: {})", time_format::span(Duration::minutes(m))))
        .unwrap_or_default()
}

/// An organiser's override: the named member is checked in whatever their answer, and no code
/// is needed (the organiser sees them there).
async fn check_in_member(
    ctx: &Ctx<'_>,
    event: &Event,
    member: &str,
) -> Result<Vec<Action>, Refusal> {
    organisers_only(ctx, "check members in to")?;
    let id = ShortId::new(IdKind::Event, event.id);
    let example = format!("{}event checkin {id} @ana", ctx.prefix());
    let mut member = mention::resolve(ctx, member, &example).await?;
    // The name they answered under, if they did, is the one organisers know them by here.
    if let Some(answered) = ctx
        .store
        .rsvps(event.id)
        .await?
        .into_iter()
        .find(|r| r.user.id == member.id)
    {
        member.name = answered.user.name;
    }
    let said = if ctx
        .store
        .record_attendance(event.id, &member, ctx.now)
        .await?
    {
        format!(
            "Checked {} in to {} ({id}){}.",
            member.name,
            event.title,
            cpd_hours(event)
        )
    } else {
        format!(
            "{} had already checked in to {} ({id}).",
            member.name, event.title
        )
    };
    Ok(vec![ctx.private_reply(said)])
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

/// One CSV field, quoted when it must be (RFC 4180). A cell a spreadsheet would run as a
/// formula (`=HYPERLINK(…)` in an event title) is prefixed with `'`, so it shows as text.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

pub async fn cpd(ctx: &Ctx<'_>, export: bool) -> Result<Vec<Action>, Refusal> {
    let events = ctx.store.attended(&ctx.society.key, &ctx.sender.id).await?;
    let zone = ctx.member_zone().await?;
    let hours = |e: &Event| e.cpd_minutes.unwrap_or(0) as f64 / 60.0;
    let total: i64 = events.iter().map(|e| e.cpd_minutes.unwrap_or(0)).sum();
    if export && events.is_empty() {
        return Ok(vec![ctx.private_reply(format!(
            "Your CPD log in {} is empty, so there is nothing to export yet: check in at an event with `{}event checkin <id> <code>`.",
            ctx.society.name,
            ctx.prefix()
        ))]);
    }
    if export {
        let mut lines = vec!["date,title,kind,hours,place".to_string()];
        lines.extend(events.iter().map(|e| {
            [
                e.starts_at
                    .with_timezone(&zone)
                    .format("%Y-%m-%d")
                    .to_string(),
                csv_field(&e.title),
                csv_field(kind_label(&e.kind).unwrap_or("")),
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
            "{} · {} · {}",
            time_format::local(e.starts_at, zone, ctx.now),
            e.title,
            time_format::span(Duration::minutes(e.cpd_minutes.unwrap_or(0)))
        )
    }));
    lines.push(format!(
        "Total: {}. As CSV: `{}cpd export`.",
        time_format::span(Duration::minutes(total)),
        ctx.prefix()
    ));
    Ok(vec![ctx.private_reply(lines.join("\n"))])
}
