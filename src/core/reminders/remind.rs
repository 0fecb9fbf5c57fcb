//! Personal and room reminders: `!remind`, `!reminders`, and firing them when due.

use super::create::{MAX_REMINDER_CHARS, create, room_has_space, tell_owner};
use chrono::{DateTime, Utc};

use crate::core::catch_up;
use crate::core::command::{RemindTarget, RemindersCommand};
use crate::core::context::{Bot, Ctx, Fired};
use crate::core::error::{Refusal, StoreError};
use crate::core::io::{Action, Message, UserRef};
use crate::core::short_id::{IdKind, ShortId};
use crate::core::store::{Delivery, Job, Reminder};
use crate::core::time_format;
use crate::core::when;

pub async fn remind(
    ctx: &Ctx<'_>,
    target: RemindTarget,
    rest: &str,
) -> Result<Vec<Action>, Refusal> {
    let zone = ctx.member_zone().await?;
    let p = ctx.prefix();
    let command = match target {
        RemindTarget::Me => format!("{p}remind me "),
        RemindTarget::Here => format!("{p}remind here "),
    };
    // A private reminder's words stay out of a shared room, in its confirmation and in any
    // question about it alike (`tell_owner`).
    let (schedule, what) = match read_when(ctx, rest, zone, &command, target == RemindTarget::Me)? {
        Read::Found(schedule, what) => (schedule, what),
        Read::Asked(question) => return Ok(question),
    };
    let what = what.trim();
    if what.is_empty() {
        return Err(Refusal::said(format!(
            "What should I remind you about? Put it after the time, e.g. `{p}remind me in 20 minutes to call the registrar` or `{p}remind me tomorrow 8am to renew my registration`."
        )));
    }
    let length = what.chars().count();
    if length > MAX_REMINDER_CHARS {
        return Err(Refusal::said(format!(
            "That reminder is {length} characters long; I keep at most {MAX_REMINDER_CHARS}. Shorten it and try again."
        )));
    }
    let delivery = match target {
        RemindTarget::Me => Delivery::Me,
        RemindTarget::Here => Delivery::Here,
    };
    let reminder = create(
        ctx,
        delivery,
        what.to_string(),
        schedule.first,
        zone,
        schedule.rule.clone(),
    )
    .await?;
    let id = ShortId::new(IdKind::Reminder, reminder.id);
    let when_text = time_format::local(schedule.first, zone, ctx.now);
    let repeat = schedule
        .rule
        .as_ref()
        .map(|r| format!(", then {}", r.describe()))
        .unwrap_or_default();
    let place = match delivery {
        Delivery::Me => "I'll remind you",
        Delivery::Here => "I'll post here",
    };
    let confirmation = format!(
        "Got it ({id}): {place} on {when_text}{repeat}: {what}. Cancel with `{p}reminders cancel {id}`."
    );
    if delivery == Delivery::Me {
        return Ok(tell_owner(
            ctx,
            format!(
                "Got it ({id}): {place} on {when_text}{repeat}. I've sent you the details privately."
            ),
            confirmation,
        ));
    }
    Ok(vec![ctx.private_reply(confirmation)])
}

/// What `<when> <text>` came to: the schedule and the text, or the question asked back.
pub(super) enum Read {
    Found(when::Schedule, String),
    Asked(Vec<Action>),
}

/// Reads `<when> <text>`. A time with two readings is asked back; when the text is private,
/// the room hears only the question and the two commands to copy (which carry the words) go to
/// the member privately.
pub(super) fn read_when(
    ctx: &Ctx<'_>,
    rest: &str,
    zone: chrono_tz::Tz,
    command: &str,
    private: bool,
) -> Result<Read, Refusal> {
    match when::split_when(rest, ctx.now, zone) {
        Ok((schedule, text)) => Ok(Read::Found(schedule, text)),
        Err(when::WhenError::Ambiguous(a)) if private => {
            let [x, y] = &a.meanings;
            Ok(Read::Asked(tell_owner(
                ctx,
                format!(
                    "Did you mean {x} or {y}? I've sent you the two ways to write it privately."
                ),
                a.question(command),
            )))
        }
        Err(e) => Err(ask_back(e, command)),
    }
}

/// A time that reads two ways is asked back as the two whole commands to copy, `command`
/// followed by the member's words with the hour spelled out each way.
pub(super) fn ask_back(error: when::WhenError, command: &str) -> Refusal {
    match error {
        when::WhenError::Ambiguous(a) => Refusal::said(a.question(command)),
        other => other.into(),
    }
}

pub async fn manage(ctx: &Ctx<'_>, command: RemindersCommand) -> Result<Vec<Action>, Refusal> {
    match command {
        RemindersCommand::List => list(ctx).await,
        RemindersCommand::Cancel(id) => cancel(ctx, id).await,
        RemindersCommand::Snooze(id, duration) => snooze(ctx, id, &duration).await,
    }
}

async fn list(ctx: &Ctx<'_>) -> Result<Vec<Action>, Refusal> {
    let zone = ctx.member_zone().await?;
    let reminders = ctx
        .store
        .active_reminders(&ctx.society.key, &ctx.sender.id)
        .await?;
    let p = ctx.prefix();
    if reminders.is_empty() {
        return Ok(vec![ctx.private_reply(format!(
            "You have no reminders. Set one with `{p}remind me in 20 minutes to call the registrar`."
        ))]);
    }
    let mut lines = vec![format!("Your reminders (times in {}):", zone.name())];
    for reminder in &reminders {
        let id = ShortId::new(IdKind::Reminder, reminder.id);
        let mut line = format!(
            "{id} · {}",
            time_format::local(reminder.due_at, zone, ctx.now)
        );
        if let Some(rule) = &reminder.rule {
            line.push_str(&format!(" · {}", rule.describe()));
        }
        if reminder.delivery == Delivery::Here {
            line.push_str(&format!(" · in {}", reminder.room));
        }
        line.push_str(&format!(" · {}", reminder.text));
        lines.push(line);
    }
    lines.push(format!(
        "Cancel with `{p}reminders cancel <id>`, snooze with `{p}reminders snooze <id> 1h`."
    ));
    Ok(vec![ctx.private_reply(lines.join("\n"))])
}

/// The member's own reminder, or a refusal that does not reveal whether someone else's exists.
async fn own(ctx: &Ctx<'_>, id: ShortId) -> Result<Reminder, Refusal> {
    match ctx.store.reminder(id.number).await? {
        Some(r) if r.owner.id == ctx.sender.id && r.society == ctx.society.key => Ok(r),
        _ => Err(Refusal::said(format!(
            "You have no reminder {id}. See yours with `{}reminders`.",
            ctx.prefix()
        ))),
    }
}

pub(super) async fn cancel(ctx: &Ctx<'_>, id: ShortId) -> Result<Vec<Action>, Refusal> {
    let reminder = own(ctx, id).await?;
    if !reminder.active || !ctx.store.cancel_reminder(reminder.id).await? {
        return Err(Refusal::said(format!(
            "Reminder {id} has already fired or been cancelled; there is nothing to cancel."
        )));
    }
    Ok(vec![ctx.private_reply(format!(
        "Cancelled {id}: {}.",
        reminder.text
    ))])
}

async fn snooze(ctx: &Ctx<'_>, id: ShortId, duration: &str) -> Result<Vec<Action>, Refusal> {
    let by = when::parse_duration(duration)?;
    let reminder = own(ctx, id).await?;
    // A fired room reminder brought back takes a place in its room again.
    if !reminder.active && reminder.delivery == Delivery::Here {
        room_has_space(ctx, &reminder.platform, &reminder.room).await?;
    }
    // A pending reminder is pushed back from when it was due; a fired one comes back from now.
    let base = if reminder.active {
        reminder.due_at.max(ctx.now)
    } else {
        ctx.now
    };
    let due = base
        .checked_add_signed(by)
        .filter(|due| *due - ctx.now <= chrono::Duration::days(5 * 366))
        .ok_or_else(|| {
            Refusal::said("That snooze is too long; the furthest I look ahead is 5 years.")
        })?;
    ctx.store.reschedule_reminder(reminder.id, due).await?;
    let zone = ctx.member_zone().await?;
    Ok(vec![ctx.private_reply(format!(
        "Snoozed {id} by {}: now {}.",
        time_format::span(by),
        time_format::local(due, zone, ctx.now)
    ))])
}

/// Fires a due reminder: every occurrence due since it was last fired, by the catch-up rule.
/// Those inside the window are delivered once (labelled late after downtime); those older are
/// not sent stale but told to the owner and the committee.
pub async fn fire(bot: &Bot, job: &Job, now: DateTime<Utc>) -> Result<Fired, StoreError> {
    let Some(reminder) = bot.store().reminder(job.subject).await? else {
        return Ok(Fired {
            actions: Vec::new(),
            next_due: None,
        });
    };
    let settings = bot.settings();
    let zone = job.zone;
    let window = catch_up::Window::of(settings);
    let due = catch_up::of_rule(job.due_at, job.repeat(), zone, now, window);
    let id = ShortId::new(IdKind::Reminder, reminder.id);
    let owner = reminder.owner.clone();

    let mut actions = Vec::new();
    if let (Some(missed), Some(first)) = (due.missed_note(zone, now), due.missed.first()) {
        let where_to = match reminder.delivery {
            Delivery::Me => String::new(),
            Delivery::Here => format!(" It was not posted in {}.", reminder.room),
        };
        let it_is = if due.missed.len() == 1 {
            "It is"
        } else {
            "They are"
        };
        actions.push(Action::Remind {
            user: owner.clone(),
            message: Message::text(format!(
                "I was offline and missed your reminder {id}, {missed}: {}. {it_is} more than {} late, so I have not sent it now.{where_to}",
                reminder.text,
                time_format::span(settings.catch_up)
            )),
        });
        actions.push(Action::AdminLog {
            society: job.society.clone(),
            about: Some(owner.id.clone()),
            text: format!(
                "Missed reminder {id} of {} ({missed}, {} late, past the catch-up window); its owner was told.",
                owner.name,
                time_format::span(now - *first)
            ),
        });
    }
    if !due.to_send().is_empty() {
        let late = due
            .late_note(zone, now)
            .map(|note| format!(" ({note})"))
            .unwrap_or_default();
        actions.push(delivery_action(&reminder, &owner, &late));
    }
    Ok(Fired {
        actions,
        next_due: due.next_due,
    })
}

fn delivery_action(reminder: &Reminder, owner: &UserRef, late: &str) -> Action {
    match reminder.delivery {
        Delivery::Me => Action::Remind {
            user: owner.clone(),
            message: Message::text(format!("⏰ Reminder{late}: {}", reminder.text)),
        },
        Delivery::Here => Action::Post {
            room: reminder.room.clone(),
            message: Message::text(format!(
                "⏰ Reminder from {}{late}: {}",
                owner.name, reminder.text
            ))
            .with_mentions(vec![owner.clone()]),
        },
    }
}
