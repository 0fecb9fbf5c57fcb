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

impl Command {
    /// The command's name in the `COMMANDS` table (`remind`, `event`, `coffee`...), whatever alias
    /// was typed: a label for logs and metrics that never carries what the member wrote.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Help { .. } => "help",
            Command::Remind { .. } => "remind",
            Command::Reminders(_) => "reminders",
            Command::Profile(_) => "profile",
            Command::Forget { .. } => "forget",
            Command::CommitteeLog => "committee",
            Command::Coffee(_) => "coffee",
            Command::Mentor(_) => "mentor",
            Command::Event(_) => "event",
            Command::Rsvp { .. } => "rsvp",
            Command::Cpd { .. } => "cpd",
            Command::Shoutout(_) => "shoutout",
            Command::Milestone { .. } => "milestone",
            Command::Followup { .. } => "followup",
            Command::Welcome(_) => "welcome",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Ordinary chat: the bot stays quiet.
    NotCommand,
    Command(Command),
    Invalid(CommandError),
}

impl Command {
    /// The texts in this command that Rounds will show to someone other than its author, each
    /// with the name its author knows it by; `Bot::handle` checks them (`core::shared_text`)
    /// before the command runs. No catch-all arm: a new command must say what it shares.
    pub fn shared_texts(&self) -> Vec<(&str, &'static str)> {
        match self {
            // A room reminder is posted in the room, and echoed where the room may see it.
            Command::Remind {
                target: RemindTarget::Here,
                rest,
            } => vec![(rest.as_str(), "reminder")],
            // Delivered to the author alone.
            Command::Remind {
                target: RemindTarget::Me,
                ..
            } => Vec::new(),
            Command::Profile(ProfileCommand::Specialty(text)) => vec![(text.as_str(), "specialty")],
            Command::Profile(ProfileCommand::Hospital(text)) => vec![(text.as_str(), "hospital")],
            // Settings and choices from fixed lists, or the member's own view.
            Command::Profile(
                ProfileCommand::Show
                | ProfileCommand::Timezone(_)
                | ProfileCommand::Stage(..)
                | ProfileCommand::Img(_)
                | ProfileCommand::Shoutouts(_),
            ) => Vec::new(),
            // Shown to mentors in introductions.
            Command::Mentor(MentorCommand::Seek {
                specialty: Some(text),
            }) => vec![(text.as_str(), "specialty")],
            Command::Mentor(
                MentorCommand::Seek { specialty: None }
                | MentorCommand::Show
                | MentorCommand::Offer { .. }
                | MentorCommand::Stop,
            ) => Vec::new(),
            Command::Event(EventCommand::Create(fields)) => fields
                .iter()
                .enumerate()
                .map(|(n, field)| event_field(field, n == 0))
                .collect(),
            Command::Event(EventCommand::Edit(_, fields)) => fields
                .iter()
                .map(|field| event_field(field, false))
                .collect(),
            // The address is shown in the room; what it brings is checked as it is imported.
            Command::Event(EventCommand::Import(Some(url))) => vec![(url.as_str(), "address")],
            // Ids, dates and codes Rounds reads but does not repeat to others.
            Command::Event(
                EventCommand::List
                | EventCommand::Show(_)
                | EventCommand::Cancel(_)
                | EventCommand::CancelSeries(_)
                | EventCommand::Skip(..)
                | EventCommand::Ics(_)
                | EventCommand::Feed { .. }
                | EventCommand::Import(None)
                | EventCommand::ImportStop(_)
                | EventCommand::CheckinCode(_)
                | EventCommand::Checkin(..)
                | EventCommand::Attendance(_),
            ) => Vec::new(),
            Command::Shoutout(ShoutoutCommand::About { text, .. })
            | Command::Milestone { text, .. } => {
                vec![(text.as_str(), "shout-out")]
            }
            Command::Shoutout(
                ShoutoutCommand::Approve(_)
                | ShoutoutCommand::Decline(_)
                | ShoutoutCommand::Pending,
            ) => Vec::new(),
            // A group name is shown in the pairing announcements.
            Command::Coffee(CoffeeCommand::Setup(setup)) => setup
                .group
                .iter()
                .map(|group| (group.as_str(), "group name"))
                .collect(),
            // A group named here must already exist; durations are read, not shown.
            Command::Coffee(
                CoffeeCommand::Run { .. }
                | CoffeeCommand::Preview { .. }
                | CoffeeCommand::Stats { .. }
                | CoffeeCommand::Join { .. }
                | CoffeeCommand::Leave { .. }
                | CoffeeCommand::Pause { .. }
                | CoffeeCommand::Skip { .. }
                | CoffeeCommand::Status
                | CoffeeCommand::History,
            ) => Vec::new(),
            // A follow-up reminds its author alone.
            Command::Followup { .. } => Vec::new(),
            Command::Help { .. }
            | Command::Reminders(_)
            | Command::Forget { .. }
            | Command::CommitteeLog
            | Command::Rsvp { .. }
            | Command::Cpd { .. }
            | Command::Welcome(_) => Vec::new(),
        }
    }
}

/// An event field with the name the event's own check gives it, so either check words a
/// refusal the same way.
fn event_field(field: &str, is_title: bool) -> (&str, &'static str) {
    let key = field
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_lowercase();
    let what = match key.as_str() {
        _ if is_title => "event title",
        "title" => "event title",
        "at" => "event place",
        "group" => "event group",
        _ => "event details",
    };
    (field, what)
}
