//! `remind`, `reminders` and `followup`: their table entries, what they parse to, and their
//! parsers. The time expression itself is left as typed for `core::when`.

use super::spec::{CommandSpec, Form, Topic, Who};
use super::syntax::{incomplete, split_member, split_word, unknown_option};
use crate::core::error::CommandError;
use crate::core::short_id::{IdKind, ShortId};

pub(super) const REMIND: CommandSpec = CommandSpec {
    name: "remind",
    summary: "set a reminder for yourself or this room",
    forms: &[
        Form {
            usage: "remind me <when> <what>",
            summary: "a private reminder, sent to you alone",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "remind here <when> <what>",
            summary: "a reminder posted in this room",
            who: Who::Anyone,
            main: true,
        },
    ],
    examples: &[
        "remind me in 20 minutes to call the registrar",
        "remind me next Tuesday 09:00 to email my supervisor",
        "remind here every Monday 08:00 to review the rota",
        "remind me every weekday at 7:30 to check the handover list",
        "remind me on 1 December at 14:30 to submit the CPD log",
    ],
    topic: Some(Topic::Reminders),
};

pub(super) const REMINDERS: CommandSpec = CommandSpec {
    name: "reminders",
    summary: "list, cancel or snooze your reminders",
    forms: &[
        Form {
            usage: "reminders",
            summary: "your reminders, in your timezone",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "reminders cancel <id>",
            summary: "cancel one (ids look like R7)",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "reminders snooze <id> <duration>",
            summary: "push one back, e.g. by 10m, 2h or 1 day",
            who: Who::Anyone,
            main: false,
        },
    ],
    examples: &["reminders cancel R7", "reminders snooze R7 1h"],
    topic: Some(Topic::Reminders),
};

pub(super) const FOLLOWUP: CommandSpec = CommandSpec {
    name: "followup",
    summary: "a private reminder to follow up with someone",
    forms: &[Form {
        usage: "followup <member> <when> [note]",
        summary: "e.g. after meeting them for coffee or at an event",
        who: Who::Anyone,
        main: true,
    }],
    examples: &[
        "followup @ana in 1 week ask about the research project",
        "followup @ben next Monday 09:00",
    ],
    topic: Some(Topic::Reminders),
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemindTarget {
    Me,
    Here,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemindersCommand {
    List,
    Cancel(ShortId),
    Snooze(ShortId, String),
}

/// Who is reminded, and the rest of the line (when, then what).
pub(super) fn parse_remind(
    rest: &str,
    prefix: &str,
) -> Result<(RemindTarget, String), CommandError> {
    let example = "remind me in 20 minutes to call the registrar";
    let (who, rest) = split_word(rest);
    let target = match who.as_str() {
        "me" => RemindTarget::Me,
        "here" | "us" | "room" => RemindTarget::Here,
        "" => return Err(incomplete(prefix, &REMIND, example)),
        other => return Err(unknown_option(prefix, "remind", other, &["me", "here"])),
    };
    if rest.is_empty() {
        return Err(incomplete(prefix, &REMIND, example));
    }
    Ok((target, rest.to_string()))
}

pub(super) fn parse_reminders(rest: &str, prefix: &str) -> Result<RemindersCommand, CommandError> {
    let (verb, rest) = split_word(rest);
    match verb.as_str() {
        "" | "list" => Ok(RemindersCommand::List),
        "cancel" | "delete" | "remove" => {
            let (id, _) = split_word(rest);
            if id.is_empty() {
                return Err(incomplete(prefix, &REMINDERS, "reminders cancel R7"));
            }
            Ok(RemindersCommand::Cancel(ShortId::parse(
                &id,
                IdKind::Reminder,
            )?))
        }
        "snooze" => {
            let (id, duration) = split_word(rest);
            if id.is_empty() || duration.is_empty() {
                return Err(incomplete(prefix, &REMINDERS, "reminders snooze R7 1h"));
            }
            Ok(RemindersCommand::Snooze(
                ShortId::parse(&id, IdKind::Reminder)?,
                duration.to_string(),
            ))
        }
        other => Err(unknown_option(
            prefix,
            "reminders",
            other,
            &["list", "cancel <id>", "snooze <id> <duration>"],
        )),
    }
}

/// The member as typed (`@ana`, `<@123>`, `@ana:example.org`) and the rest of the line.
pub(super) fn parse_followup(rest: &str, prefix: &str) -> Result<(String, String), CommandError> {
    let (member, rest) = split_member(rest);
    if member.is_empty() || rest.is_empty() {
        return Err(incomplete(
            prefix,
            &FOLLOWUP,
            "followup @ana in 1 week ask about the research project",
        ));
    }
    Ok((member, rest.to_string()))
}
