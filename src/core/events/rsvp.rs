//! `!rsvp <id> <answer>` and the announcement's going / maybe / can't choices, and a member's
//! answers given up when they erase their data.

use chrono::{DateTime, Utc};

use super::access::find;
use super::notices::{promotion_notices, refreshed};

use crate::core::command::RsvpAnswer;
use crate::core::context::{Ctx, Settings, Society};
use crate::core::error::{Refusal, StoreError};
use crate::core::io::{Action, UserRef};
use crate::core::short_id::{IdKind, ShortId};
use crate::core::store::{Event, RsvpOutcome, RsvpState, Store};
use crate::core::time_format;

/// `!rsvp <id> <answer>` and the announcement's choices (`event:<id>:<answer>`).
pub async fn rsvp(ctx: &Ctx<'_>, id: ShortId, answer: RsvpAnswer) -> Result<Vec<Action>, Refusal> {
    let event = find(ctx, id).await?;
    if event.cancelled {
        return Err(Refusal::said(format!("{id} has been cancelled.")));
    }
    if event.starts_at + event.duration <= ctx.now {
        return Err(Refusal::said(format!("{id} is over; answers are closed.")));
    }
    let (outcome, follow_up) = record(
        ctx.store,
        ctx.settings,
        ctx.society,
        &event,
        ctx.sender,
        answer,
        ctx.now,
    )
    .await?;
    let zone = ctx.member_zone().await?;
    let when = time_format::local(event.starts_at, zone, ctx.now);
    let said = match (outcome.answer, outcome.waitlist_place) {
        (RsvpState::Going, _) => format!("You're going to {} ({id}), {when}.", event.title),
        (RsvpState::Waitlist, Some(place)) => format!(
            "{} ({id}) is full: you're number {place} on the waitlist. I'll tell you if a place opens up.",
            event.title
        ),
        (RsvpState::Maybe, _) => format!("Noted: maybe for {} ({id}).", event.title),
        _ => format!("Noted: you can't go to {} ({id}).", event.title),
    };
    let mut actions = vec![ctx.private_reply(said)];
    actions.extend(follow_up);
    Ok(actions)
}

/// Stores one answer and returns what everyone else sees of it: the announcement with the new
/// counts, and a notice to each member a given-up place moved up from the waitlist. Every
/// answer goes through here, so a place is passed on the same way however it was given up.
async fn record(
    store: &dyn Store,
    settings: &Settings,
    society: &Society,
    event: &Event,
    user: &UserRef,
    answer: RsvpAnswer,
    now: DateTime<Utc>,
) -> Result<(RsvpOutcome, Vec<Action>), StoreError> {
    let outcome = store.rsvp(event.id, user, answer, now).await?;
    let rsvps = store.rsvps(event.id).await?;
    let mut actions = vec![refreshed(settings, society, event, &rsvps)];
    actions.extend(promotion_notices(store, society, event, &outcome.promoted, now).await?);
    Ok((outcome, actions))
}

/// The sender's answers to every event still ahead, given up as if they had said `no` to each
/// (before their data is erased): their places go to the waitlist and the announcements show it.
pub async fn give_up_all(ctx: &Ctx<'_>) -> Result<Vec<Action>, StoreError> {
    let mut actions = Vec::new();
    for event in ctx
        .store
        .answered_events(&ctx.society.key, &ctx.sender.id)
        .await?
    {
        // An event that is over or cancelled has no place left to pass on.
        if event.cancelled || event.starts_at + event.duration <= ctx.now {
            continue;
        }
        let (_, follow_up) = record(
            ctx.store,
            ctx.settings,
            ctx.society,
            &event,
            ctx.sender,
            RsvpAnswer::No,
            ctx.now,
        )
        .await?;
        actions.extend(follow_up);
    }
    Ok(actions)
}

pub async fn choice(ctx: &Ctx<'_>, rest: &str) -> Result<Vec<Action>, Refusal> {
    let expired = || Refusal::said("That choice has expired; nothing was changed.");
    let (id, answer) = rest.split_once(':').ok_or_else(expired)?;
    let id: i64 = id.parse().map_err(|_| expired())?;
    let answer = RsvpAnswer::parse(answer).ok_or_else(expired)?;
    rsvp(ctx, ShortId::new(IdKind::Event, id), answer).await
}
