//! The one command parser. Text platforms feed it directly; Discord's slash commands are
//! generated from `COMMANDS` and rebuilt into the same text, so help never drifts from parsing.
//!
//! Each capability's file holds its entries of the one `COMMANDS` table (`table.rs` orders
//! them), its sub-command types and its parser; this file finds the command's name and hands
//! the rest of the line to that parser.

mod coffee;
mod events;
mod help;
mod help_pages;
mod members;
mod parsed;
mod reminders;
mod shoutouts;
mod spec;
mod syntax;
mod table;

pub use coffee::{COFFEE_MODES, CoffeeCommand, CoffeeSetup, MAX_MENTOR_CAPACITY, MentorCommand};
pub use events::{EventCommand, RsvpAnswer};
pub use help_pages::help_text;
pub use members::{MAX_PROFILE_TEXT, ProfileCommand, Stage, StageReading, WelcomeCommand};
pub use parsed::{Command, Parsed};
pub use reminders::{RemindTarget, RemindersCommand};
pub use shoutouts::{MilestoneKind, ShoutoutCommand};
pub use spec::{CommandSpec, Form, SWITCHES, Topic, Who};
pub use table::{COMMANDS, edit_distance, spec};

use crate::core::error::CommandError;
use syntax::{first_word, split_word};
use table::{canonical, unknown};

/// The longest command line the bot reads; longer input is refused before any parsing.
pub const MAX_COMMAND_CHARS: usize = 2000;

/// Parses one line. With `prefix_optional` (the shell), a line without the prefix is a command
/// only when its first word names one, so ordinary chat stays chat.
pub fn parse(text: &str, prefix: &str, prefix_optional: bool) -> Parsed {
    let text = text.trim();
    let body = match text.strip_prefix(prefix) {
        Some(body) if !prefix.is_empty() => body,
        _ => {
            let first = first_word(text).to_lowercase();
            if (prefix_optional || prefix.is_empty()) && spec(&first).is_some() {
                text
            } else {
                return Parsed::NotCommand;
            }
        }
    };
    let length = body.chars().count();
    if length > MAX_COMMAND_CHARS {
        return Parsed::Invalid(CommandError::TooLong {
            length,
            max: MAX_COMMAND_CHARS,
        });
    }
    // Refused before any parsing: a NUL cannot be stored on PostgreSQL, and escapes or bells
    // would reach other members' screens as typed. Tabs and line breaks are ordinary text.
    if body
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Parsed::Invalid(CommandError::ControlCharacter);
    }
    match parse_body(body.trim_start(), prefix) {
        Ok(command) => Parsed::Command(command),
        Err(error) => Parsed::Invalid(error),
    }
}

/// The name of the command a line tried to give, even when its arguments did not parse: a
/// label for logs and metrics (`!remind me` is a refused `remind`, not an unknown command).
pub fn attempted(text: &str, prefix: &str) -> Option<&'static str> {
    let text = text.trim();
    let body = text.strip_prefix(prefix).unwrap_or(text);
    spec(canonical(&first_word(body.trim_start()).to_lowercase())).map(|spec| spec.name)
}

fn parse_body(body: &str, prefix: &str) -> Result<Command, CommandError> {
    let (name, rest) = split_word(body);
    if name.is_empty() {
        return Err(unknown(prefix, ""));
    }
    match canonical(&name) {
        "help" => Ok(Command::Help {
            topic: help::parse_help(rest, prefix),
        }),
        "remind" => reminders::parse_remind(rest, prefix)
            .map(|(target, rest)| Command::Remind { target, rest }),
        "reminders" => reminders::parse_reminders(rest, prefix).map(Command::Reminders),
        "profile" => members::parse_profile(rest, prefix).map(Command::Profile),
        "forget" => members::parse_forget(rest, prefix).map(|confirm| Command::Forget { confirm }),
        "shoutout" => shoutouts::parse_shoutout(rest, prefix).map(Command::Shoutout),
        "milestone" => shoutouts::parse_milestone(rest, prefix)
            .map(|(kind, text)| Command::Milestone { kind, text }),
        "followup" => reminders::parse_followup(rest, prefix)
            .map(|(member, rest)| Command::Followup { member, rest }),
        "welcome" => members::parse_welcome(rest, prefix).map(Command::Welcome),
        "coffee" => coffee::parse_coffee(rest, prefix).map(Command::Coffee),
        "event" => events::parse_event(rest, prefix).map(Command::Event),
        "rsvp" => events::parse_rsvp(rest, prefix).map(|(id, answer)| Command::Rsvp { id, answer }),
        "cpd" => events::parse_cpd(rest, prefix).map(|export| Command::Cpd { export }),
        "mentor" => coffee::parse_mentor(rest, prefix).map(Command::Mentor),
        "committee" => members::parse_committee(rest, prefix).map(|()| Command::CommitteeLog),
        other => Err(unknown(prefix, other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_is_required_unless_optional() {
        assert_eq!(parse("hello there", "!", false), Parsed::NotCommand);
        assert_eq!(parse("help", "!", false), Parsed::NotCommand);
        assert!(matches!(parse("help", "!", true), Parsed::Command(_)));
        assert_eq!(parse("hello there", "!", true), Parsed::NotCommand);
        assert!(matches!(parse("!HELP", "!", false), Parsed::Command(_)));
    }

    #[test]
    fn every_documented_form_parses() {
        for command in COMMANDS {
            for example in command.examples {
                assert!(
                    matches!(
                        parse(&format!("!{example}"), "!", false),
                        Parsed::Command(_)
                    ),
                    "{example}"
                );
            }
        }
    }

    #[test]
    fn unknown_command_suggests_a_near_one() {
        match parse("!remnd me in 2m x", "!", false) {
            Parsed::Invalid(e) => assert!(e.to_string().contains("`!remind`"), "{e}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_command_is_named_as_in_the_table_whatever_alias_was_typed() {
        for command in COMMANDS {
            for example in command.examples {
                match parse(&format!("!{example}"), "!", false) {
                    Parsed::Command(parsed) => assert_eq!(parsed.name(), command.name, "{example}"),
                    other => panic!("{example}: {other:?}"),
                }
            }
        }
        for (alias, name) in [
            ("shout-out", "shoutout"),
            ("events", "event"),
            ("?", "help"),
        ] {
            match parse(&format!("!{alias}"), "!", false) {
                Parsed::Command(parsed) => assert_eq!(parsed.name(), name),
                Parsed::Invalid(_) => {}
                other => panic!("{alias}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_malformed_command_is_still_named_and_an_unknown_one_is_not() {
        assert_eq!(attempted("!remind me", "!"), Some("remind"));
        assert_eq!(attempted("  !Shout-out", "!"), Some("shoutout"));
        assert_eq!(attempted("events nonsense", "!"), Some("event"));
        assert_eq!(attempted("!remnd me tomorrow", "!"), None);
        assert_eq!(attempted("!", "!"), None);
    }

    #[test]
    fn control_characters_are_refused_before_parsing() {
        for line in [
            "!remind me in 5 minutes to a\0b",
            "!profile set bio x\u{1b}[2J",
            "!event create A\u{7}B | tomorrow 9am",
            "!remind me in 5 minutes to x\u{85}y",
        ] {
            match parse(line, "!", false) {
                Parsed::Invalid(e @ CommandError::ControlCharacter) => {
                    assert!(e.to_string().contains("control character"), "{e}")
                }
                other => panic!("{line:?}: {other:?}"),
            }
        }
        // Tabs and line breaks are ordinary text.
        assert!(matches!(
            parse("!remind me in 5 minutes to a\tb\r\nc", "!", false),
            Parsed::Command(_)
        ));
        // Chat is still ignored, whatever it holds.
        assert_eq!(parse("hello\0", "!", false), Parsed::NotCommand);
    }
}
