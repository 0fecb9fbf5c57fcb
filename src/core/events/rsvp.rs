//! `!rsvp <id> <answer>` and the announcement's going / maybe / can't choices.

use super::access::find;
use super::notices::{promotion_notices, refreshed};

use crate::core::command::RsvpAnswer;
use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::io::Action;
use crate::core::short_id::{IdKind, ShortId};
use crate::core::store::RsvpState;
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
    let outcome = ctx
        .store
        .rsvp(event.id, ctx.sender, answer, ctx.now)
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
    let rsvps = ctx.store.rsvps(event.id).await?;
    actions.push(refreshed(ctx.settings, ctx.society, &event, &rsvps));
    actions.extend(
        promotion_notices(ctx.store, ctx.society, &event, &outcome.promoted, ctx.now).await?,
    );
    Ok(actions)
}

pub async fn choice(ctx: &Ctx<'_>, rest: &str) -> Result<Vec<Action>, Refusal> {
    let expired = || Refusal::said("That choice has expired; nothing was changed.");
    let (id, answer) = rest.split_once(':').ok_or_else(expired)?;
    let id: i64 = id.parse().map_err(|_| expired())?;
    let answer = RsvpAnswer::parse(answer).ok_or_else(expired)?;
    rsvp(ctx, ShortId::new(IdKind::Event, id), answer).await
}
