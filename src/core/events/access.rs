//! Who may touch which event: lookups that stay inside the asking society, and the organisers
//! check.

use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::short_id::ShortId;
use crate::core::store::Event;

pub(super) fn organisers_only(ctx: &Ctx<'_>, what: &str) -> Result<(), Refusal> {
    if ctx.is_organiser() {
        Ok(())
    } else {
        Err(Refusal::said(format!(
            "Only the organisers of {} (its committee and named organisers) can {what} events.",
            ctx.society.name
        )))
    }
}

/// The event if it exists in this society, else a refusal that names the id.
pub(super) async fn find(ctx: &Ctx<'_>, id: ShortId) -> Result<Event, Refusal> {
    match ctx.store.event(id.number).await? {
        Some(event) if event.society == ctx.society.key => Ok(event),
        _ => Err(Refusal::said(format!(
            "There is no event {id}. See upcoming ones with `{}event list`.",
            ctx.prefix()
        ))),
    }
}
