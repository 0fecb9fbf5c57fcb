//! Storing a reminder, whoever asks for it (`!remind`, a follow-up, a planned coffee): one
//! place holds the limits, so no path around them exists.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::short_id::{IdKind, ShortId};
use crate::core::store::{Delivery, NewReminder, Reminder};
use crate::core::when::Rule;

/// The longest reminder text kept; longer text is refused rather than cut.
pub const MAX_REMINDER_CHARS: usize = 500;
/// A member with this many active reminders must cancel one before adding another.
pub const MAX_ACTIVE_PER_MEMBER: usize = 100;
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
