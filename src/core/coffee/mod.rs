//! `!coffee` and `!mentor`: pairing programmes, members joining and pausing, rounds,
//! introductions and the did-you-meet check-in. The grouping itself is `pairing::arrange`; this
//! folder feeds it the roster and history from the store and turns its groups into
//! introductions.
//!
//! This file only dispatches. The leaves are split by who acts: `membership` (a member),
//! `committee` (the committee), `round` (the scheduler), `checkin` (a member after a round),
//! `mentor` (mentors and mentees); `programme` and `icebreakers` hold what they share.

mod checkin;
mod committee;
pub mod icebreakers;
mod membership;
pub mod mentor;
pub mod programme;
mod round;

pub use checkin::{choice, fire_checkin};
use committee::{preview, run_now, setup, stats};
use membership::{history, join, leave, pause, skip, status};
pub use programme::{
    DEFAULT_CHECKIN, DEFAULT_RULE, MISSED_CHECKINS_BEFORE_PAUSE, capitalise, group_hint,
};
pub use round::{fire_round, run_round};

use crate::core::command::CoffeeCommand;
use crate::core::context::Ctx;
use crate::core::error::Refusal;
use crate::core::io::Action;

pub async fn run(ctx: &Ctx<'_>, command: CoffeeCommand) -> Result<Vec<Action>, Refusal> {
    match command {
        CoffeeCommand::Setup(options) => setup(ctx, options).await,
        CoffeeCommand::Run { group } => run_now(ctx, group.as_deref()).await,
        CoffeeCommand::Preview { group } => preview(ctx, group.as_deref()).await,
        CoffeeCommand::Stats { group } => stats(ctx, group.as_deref()).await,
        CoffeeCommand::Join { group } => join(ctx, group.as_deref()).await,
        CoffeeCommand::Leave { group } => leave(ctx, group.as_deref()).await,
        CoffeeCommand::Pause { duration, group } => pause(ctx, &duration, group.as_deref()).await,
        CoffeeCommand::Skip { group } => skip(ctx, group.as_deref()).await,
        CoffeeCommand::Status => status(ctx).await,
        CoffeeCommand::History => history(ctx).await,
    }
}
