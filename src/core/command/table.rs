//! The one `COMMANDS` table, in the order help lists commands and Discord registers them, and
//! what reads all of it: lookup by name, aliases and the "did you mean" suggestion
//! (`help_pages.rs` builds the help pages from it). Each entry is defined beside its
//! capability's parser; this file only orders them.

use super::spec::CommandSpec;
use super::{coffee, events, help, members, reminders, shoutouts};
use crate::core::error::CommandError;

pub const COMMANDS: &[CommandSpec] = &[
    help::HELP,
    reminders::REMIND,
    reminders::REMINDERS,
    members::PROFILE,
    coffee::COFFEE,
    coffee::MENTOR,
    events::EVENT,
    events::CPD,
    events::RSVP,
    shoutouts::SHOUTOUT,
    shoutouts::MILESTONE,
    reminders::FOLLOWUP,
    members::WELCOME,
    members::COMMITTEE,
    members::FORGET,
];

/// The table's name for a command word, aliases included (`shout-out`, `events`, `?`).
pub(super) fn canonical(word: &str) -> &str {
    match word {
        "?" => "help",
        "shout-out" | "shoutouts" => "shoutout",
        "follow-up" => "followup",
        "events" => "event",
        other => other,
    }
}

pub fn spec(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// An unknown command, with the nearest name in the table when one is close.
pub(super) fn unknown(prefix: &str, given: &str) -> CommandError {
    let given: String = given.chars().take(40).collect();
    let suggestion = COMMANDS
        .iter()
        .map(|c| (edit_distance(&given, c.name), c.name))
        .filter(|(d, _)| *d <= 2 && !given.is_empty())
        .min()
        .map(|(_, name)| format!(" Did you mean `{prefix}{name}`?"))
        .unwrap_or_default();
    CommandError::Unknown {
        prefix: prefix.to_string(),
        given,
        suggestion,
    }
}

/// Single-character edits (insert, delete, replace) from `a` to `b`: how near a typo is.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(row[j + 1])
            };
            previous = current;
        }
    }
    row[b.len()]
}
