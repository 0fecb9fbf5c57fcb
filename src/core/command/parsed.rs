//! What a line parses to: `Command`, one variant per command, built from each capability's own
//! sub-command types, and `Parsed`, which also tells chat and mistakes apart.

use super::coffee::{CoffeeCommand, MentorCommand};
use super::events::{EventCommand, RsvpAnswer};
use super::members::{ProfileCommand, WelcomeCommand};
use super::reminders::{RemindTarget, RemindersCommand};
use super::shoutouts::{MilestoneKind, ShoutoutCommand};
use crate::core::error::CommandError;
use crate::core::short_id::ShortId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Help {
        topic: Option<String>,
    },
    Remind {
        target: RemindTarget,
        rest: String,
    },
    Reminders(RemindersCommand),
    Profile(ProfileCommand),
    Forget {
        confirm: bool,
    },
    CommitteeLog,
    Coffee(CoffeeCommand),
    Mentor(MentorCommand),
    Event(EventCommand),
    Rsvp {
        id: ShortId,
        answer: RsvpAnswer,
    },
    Cpd {
        export: bool,
    },
    Shoutout(ShoutoutCommand),
    Milestone {
        kind: MilestoneKind,
        text: String,
    },
    /// `member` as typed (`@ana`, `<@123>`, `@ana:example.org`); the core resolves it.
    Followup {
        member: String,
        rest: String,
    },
    Welcome(WelcomeCommand),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Ordinary chat: the bot stays quiet.
    NotCommand,
    Command(Command),
    Invalid(CommandError),
}
