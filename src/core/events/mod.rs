//! Events: `!event` and `!rsvp`. Events are announced with going / maybe / can't choices, have a
//! capacity with a waitlist that promotes people in order, remind those going before the start,
//! repeat as series, come in from other calendars, go out as calendar files and a feed, and take
//! attendance for CPD.
//!
//! This file only dispatches. Who may act (`access`), the fields (`draft`) and what members see
//! (`notices`) are shared by the leaves that act: `lifecycle`, `rsvp`, `edit`, `series`,
//! `import`, `attendance`, `calendar`, `reminders`.

pub mod access;
pub mod attendance;
pub mod calendar;
pub mod draft;
pub mod edit;
pub mod fetch;
pub mod import;
pub mod lifecycle;
pub mod notices;
pub mod reminders;
pub mod rsvp;
pub mod series;

use crate::core::command::EventCommand;
use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::io::Action;

pub use draft::KINDS;
pub use fetch::Fetcher;

pub async fn run(ctx: &Ctx<'_>, command: EventCommand) -> Result<Vec<Action>, Refusal> {
    match command {
        EventCommand::List => lifecycle::list(ctx).await,
        EventCommand::Show(id) => lifecycle::show(ctx, id).await,
        EventCommand::Create(fields) => lifecycle::create(ctx, &fields).await,
        EventCommand::Edit(id, fields) => edit::edit(ctx, id, &fields).await,
        EventCommand::Cancel(id) => lifecycle::cancel(ctx, id).await,
        EventCommand::CancelSeries(id) => series::cancel(ctx, id).await,
        EventCommand::Skip(id, date) => series::skip(ctx, id, &date).await,
        EventCommand::Ics(id) => calendar::ics(ctx, id).await,
        EventCommand::Feed { reset } => calendar::feed_link(ctx, reset).await,
        EventCommand::Import(url) => import::import(ctx, url).await,
        EventCommand::ImportStop(url) => import::stop(ctx, &url).await,
        EventCommand::CheckinCode(id) => attendance::open_code(ctx, id).await,
        EventCommand::Checkin(id, code) => attendance::check_in(ctx, id, &code).await,
        EventCommand::Attendance(id) => attendance::list(ctx, id).await,
    }
}

/// An announcement's choice (`event:<id>:<answer>`).
pub async fn choice(ctx: &Ctx<'_>, rest: &str) -> Result<Vec<Action>, Refusal> {
    rsvp::choice(ctx, rest).await
}
