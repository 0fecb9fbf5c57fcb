//! The one `COMMANDS` table, in the order help lists commands and Discord registers them, and
//! what reads all of it: lookup by name, the "did you mean" suggestion and the help text.
//! Each entry is defined beside its capability's parser; this file only orders them.

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

/// `!help` and `!help <command>`, generated from `COMMANDS`.
pub fn help_text(prefix: &str, topic: Option<&str>) -> Result<String, CommandError> {
    match topic {
        None => {
            let mut lines =
                vec!["Rounds: reminders and community tools for your society.".to_string()];
            for command in COMMANDS {
                lines.push(format!("`{prefix}{}`: {}", command.name, command.summary));
            }
            lines.push(format!(
                "Type `{prefix}help <command>` for details, e.g. `{prefix}help remind`."
            ));
            Ok(lines.join("\n"))
        }
        Some(topic) => {
            let topic = topic.to_lowercase();
            let command = spec(&topic).ok_or_else(|| unknown(prefix, &topic))?;
            let mut lines = vec![format!("`{prefix}{}`: {}", command.name, command.summary)];
            for form in command.forms {
                lines.push(format!("  `{prefix}{}`: {}", form.usage, form.summary));
            }
            if !command.examples.is_empty() {
                lines.push("Examples:".to_string());
                for example in command.examples {
                    lines.push(format!("  `{prefix}{example}`"));
                }
            }
            if command.committee_only {
                lines.push("Only the society's committee can use this.".to_string());
            }
            Ok(lines.join("\n"))
        }
    }
}
