//! Storing a reminder, whoever asks for it (`!remind`, a follow-up, a planned coffee): one
//! place holds the limits, so no path around them exists.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::io::{Action, Message};
use crate::core::short_id::{IdKind, ShortId};
use crate::core::store::{Delivery, NewReminder, Reminder};
use crate::core::time_format;
use crate::core::when::Rule;

/// The longest reminder text kept; longer text is refused rather than cut.
pub const MAX_REMINDER_CHARS: usize = 500;
/// A member with this many active reminders must cancel one before adding another.
pub const MAX_ACTIVE_PER_MEMBER: usize = 100;
/// A repeating room reminder may not come round more often than this: a room is shared.
pub const MIN_ROOM_REPEAT: Duration = Duration::hours(1);
/// Active reminders one room may hold, whoever set them.
pub const MAX_ACTIVE_PER_ROOM: usize = 10;

/// Stores a reminder of the sender's, refusing one past `MAX_ACTIVE_PER_MEMBER`.
pub(super) async fn create(
    ctx: &Ctx<'_>,
    delivery: Delivery,
    text: String,
    due: DateTime<Utc>,
    zone: Tz,
    rule: Option<Rule>,
) -> Result<Reminder, Refusal> {
    let active = ctx
        .store
        .active_reminders(&ctx.society.key, &ctx.sender.id)
        .await?;
    if active.len() >= MAX_ACTIVE_PER_MEMBER {
        return Err(Refusal::said(format!(
            "You already have {} reminders; cancel one with `{}reminders cancel <id>` first.",
            active.len(),
            ctx.prefix()
        )));
    }
    if delivery == Delivery::Here {
        if let Some(rule) = &rule {
            check_room_repeat(ctx, rule, due, zone)?;
        }
        room_has_space(ctx, &ctx.origin.platform, &ctx.origin.room).await?;
    }
    Ok(ctx
        .store
        .create_reminder(&NewReminder {
            platform: ctx.origin.platform.clone(),
            society: ctx.society.key.clone(),
            owner: ctx.sender.clone(),
            delivery,
            room: ctx.origin.room.clone(),
            text,
            created_at: ctx.now,
            due_at: due,
            zone,
            rule,
        })
        .await?)
}

/// Occurrences looked at for the shortest gap: enough to see a burst inside a day or a week
/// ("0,1 9 * * 1") without walking far.
const REPEAT_SAMPLE: usize = 48;

/// Refuses a room reminder that would come round more often than `MIN_ROOM_REPEAT`, judged by
/// the shortest gap among its next occurrences (a cron can fire twice a minute apart once a week).
fn check_room_repeat(
    ctx: &Ctx<'_>,
    rule: &Rule,
    due: DateTime<Utc>,
    zone: Tz,
) -> Result<(), Refusal> {
    let mut shortest: Option<Duration> = None;
    let mut at = due;
    for _ in 0..REPEAT_SAMPLE {
        let Some(next) = rule.next_after(at, zone) else {
            break;
        };
        let gap = next - at;
        shortest = Some(shortest.map_or(gap, |s| s.min(gap)));
        at = next;
    }
    match shortest {
        Some(gap) if gap < MIN_ROOM_REPEAT => {
            let p = ctx.prefix();
            Err(Refusal::said(format!(
                "A room reminder may repeat at most once an hour; this one comes round every {}. Choose a longer interval (e.g. `every Monday 09:00`), or use `{p}remind me` for a private one.",
                time_format::span(gap)
            )))
        }
        _ => Ok(()),
    }
}

/// Refuses another room reminder in a room that already holds `MAX_ACTIVE_PER_ROOM`.
pub(super) async fn room_has_space(
    ctx: &Ctx<'_>,
    platform: &str,
    room: &str,
) -> Result<(), Refusal> {
    let active = ctx
        .store
        .count_active_room_reminders(platform, room)
        .await?;
    if active >= MAX_ACTIVE_PER_ROOM {
        let p = ctx.prefix();
        return Err(Refusal::said(format!(
            "This room already has {active} reminders, the most I keep for one room. Ask whoever set one to cancel it (`{p}reminders cancel <id>`), or use `{p}remind me` for a private one."
        )));
    }
    Ok(())
}

/// A one-off reminder to the sender at `due`, shown in their zone (a follow-up, a planned
/// coffee). Returns its id and that zone for the confirmation.
pub async fn private(
    ctx: &Ctx<'_>,
    due: DateTime<Utc>,
    text: String,
) -> Result<(ShortId, Tz), Refusal> {
    let zone = ctx.member_zone().await?;
    let reminder = create(ctx, Delivery::Me, text, due, zone, None).await?;
    Ok((ShortId::new(IdKind::Reminder, reminder.id), zone))
}

/// What a private reminder's owner is told when it carries the reminder's words: in a direct
/// room, `full` as the reply; in a shared room, `in_room` there and `full` to them privately,
/// so the words never reach the room.
pub(super) fn tell_owner(ctx: &Ctx<'_>, in_room: String, full: String) -> Vec<Action> {
    if ctx.origin.is_direct {
        return vec![ctx.private_reply(full)];
    }
    vec![
        ctx.private_reply(in_room),
        Action::Remind {
            user: ctx.sender.clone(),
            message: Message::text(full),
        },
    ]
}
