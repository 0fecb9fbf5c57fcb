//! `event`, `cpd` and `rsvp`: their table entries, what they parse to, and their parsers. An
//! event's `|`-separated fields are kept as typed for `core::events` to check.

use super::spec::{CommandSpec, Form, Topic, Who};
use super::syntax::{incomplete, split_word, unknown_option};
use crate::core::error::CommandError;
use crate::core::short_id::{IdKind, ShortId};

pub(super) const EVENT: CommandSpec = CommandSpec {
    name: "event",
    summary: "grand rounds, CPD sessions and socials: create, list, answer",
    forms: &[
        Form {
            usage: "event list",
            summary: "upcoming events, in your timezone",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "event show <id>",
            summary: "one event, with its counts; organisers also see who is going, waiting and maybe",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "event create <details>",
            summary: "title | when [| for 1h] [| at place] [| capacity n] [| kind cpd] [| cpd 1.5] [| group name] [| every Thursday 12:30]",
            who: Who::Organisers,
            main: true,
        },
        Form {
            usage: "event edit <id> <changes>",
            summary: "| title … | when … | for 2h | at … | capacity n | kind … | cpd 1 (more hours than its length: `cpd 3 override`; add | all to change the rest of a series)",
            who: Who::Organisers,
            main: true,
        },
        Form {
            usage: "event cancel <id>",
            summary: "cancel it (add `series` to end a series); everyone who answered is told",
            who: Who::Organisers,
            main: false,
        },
        Form {
            usage: "event skip <id> <date>",
            summary: "one date of a series does not happen",
            who: Who::Organisers,
            main: false,
        },
        Form {
            usage: "event ics <id>",
            summary: "the event (or series) as a calendar file",
            who: Who::Anyone,
            main: false,
        },
        Form {
            usage: "event feed",
            summary: "your link to subscribe to every event in your calendar app",
            who: Who::Anyone,
            main: false,
        },
        Form {
            usage: "event import <url>",
            summary: "import a calendar feed (ICS) and re-sync it daily; `event import` lists, `event import stop <url>` stops",
            who: Who::Organisers,
            main: false,
        },
        Form {
            usage: "event checkin-code <id>",
            summary: "a short code for attendance, valid during the event",
            who: Who::Organisers,
            main: true,
        },
        Form {
            usage: "event checkin <id> <code>",
            summary: "record that you attended, if going; organisers may give a @member instead of the code",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "event attendance <id>",
            summary: "who checked in",
            who: Who::Organisers,
            main: false,
        },
    ],
    examples: &[
        "event list",
        "event create Grand rounds | Thursday 12:30 | every Thursday 12:30 | at Auditorium",
        "event create Grand rounds: sepsis update | next Thursday 12:30 | for 1h | at Lecture theatre 2 | capacity 40 | kind grand-rounds | cpd 1",
        "event show E12",
        "event edit E12 | at Lecture theatre 3",
        "event skip E12 2026-12-24",
        "event checkin E12 K7P2QX",
        "event checkin-code E12",
        "event attendance E12",
        "event cancel E12",
        "event import https://example.org/grand-rounds.ics",
    ],
    topic: Some(Topic::Events),
};

pub(super) const CPD: CommandSpec = CommandSpec {
    name: "cpd",
    summary: "your CPD log: events you attended and their hours",
    forms: &[
        Form {
            usage: "cpd",
            summary: "the events you checked in to, with hours",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "cpd export",
            summary: "the same as CSV",
            who: Who::Anyone,
            main: false,
        },
    ],
    examples: &["cpd", "cpd export"],
    topic: Some(Topic::Events),
};

pub(super) const RSVP: CommandSpec = CommandSpec {
    name: "rsvp",
    summary: "answer an event: going, maybe or no",
    forms: &[Form {
        usage: "rsvp <id> <going|maybe|no>",
        summary: "your answer (going beyond the capacity joins the waitlist)",
        who: Who::Anyone,
        main: true,
    }],
    examples: &["rsvp E12 going", "rsvp E12 no"],
    topic: Some(Topic::Events),
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventCommand {
    List,
    Show(ShortId),
    /// The `|`-separated fields after `create`, trimmed; checked by `core::events`.
    Create(Vec<String>),
    /// The `|`-separated changes after the id.
    Edit(ShortId, Vec<String>),
    Cancel(ShortId),
    /// Ends the series the event belongs to.
    CancelSeries(ShortId),
    /// A date (as typed) of the event's series that does not happen.
    Skip(ShortId, String),
    Ics(ShortId),
    Feed {
        reset: bool,
    },
    /// `None`: list the society's imports.
    Import(Option<String>),
    ImportStop(String),
    CheckinCode(ShortId),
    Checkin(ShortId, String),
    Attendance(ShortId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsvpAnswer {
    Going,
    Maybe,
    No,
}

impl RsvpAnswer {
    pub fn as_str(self) -> &'static str {
        match self {
            RsvpAnswer::Going => "going",
            RsvpAnswer::Maybe => "maybe",
            RsvpAnswer::No => "no",
        }
    }

    pub fn parse(text: &str) -> Option<RsvpAnswer> {
        match text.trim().to_lowercase().as_str() {
            "going" | "yes" | "y" => Some(RsvpAnswer::Going),
            "maybe" => Some(RsvpAnswer::Maybe),
            "no" | "n" | "cant" | "can't" | "not-going" => Some(RsvpAnswer::No),
            _ => None,
        }
    }
}

pub(super) fn parse_event(rest: &str, prefix: &str) -> Result<EventCommand, CommandError> {
    let (verb, rest) = split_word(rest);
    let id = |example: &'static str| {
        let (id, _) = split_word(rest);
        if id.is_empty() {
            return Err(incomplete(prefix, &EVENT, example));
        }
        ShortId::parse(&id, IdKind::Event)
    };
    let command = match verb.as_str() {
        "" | "list" => EventCommand::List,
        "show" => EventCommand::Show(id("event show E12")?),
        "cancel" => {
            let id = id("event cancel E12")?;
            match split_word(split_word(rest).1).0.as_str() {
                "" => EventCommand::Cancel(id),
                "series" | "all" => EventCommand::CancelSeries(id),
                other => {
                    return Err(unknown_option(prefix, "event cancel", other, &["series"]));
                }
            }
        }
        "edit" | "change" => {
            let (head, changes) = rest.split_once('|').unwrap_or((rest, ""));
            let fields: Vec<String> = changes
                .split('|')
                .map(|f| f.trim().to_string())
                .filter(|f| !f.is_empty())
                .collect();
            if fields.is_empty() {
                return Err(incomplete(
                    prefix,
                    &EVENT,
                    "event edit E12 | at Lecture theatre 3 | capacity 50",
                ));
            }
            let (id, _) = split_word(head);
            if id.is_empty() {
                return Err(incomplete(
                    prefix,
                    &EVENT,
                    "event edit E12 | at Lecture theatre 3",
                ));
            }
            EventCommand::Edit(ShortId::parse(&id, IdKind::Event)?, fields)
        }
        "skip" => {
            let id = id("event skip E12 2026-12-24")?;
            let date = split_word(rest).1.trim().to_string();
            if date.is_empty() {
                return Err(incomplete(prefix, &EVENT, "event skip E12 2026-12-24"));
            }
            EventCommand::Skip(id, date)
        }
        "ics" | "ical" | "calendar" => EventCommand::Ics(id("event ics E12")?),
        "feed" | "subscribe" => match split_word(rest).0.as_str() {
            "" => EventCommand::Feed { reset: false },
            "reset" => EventCommand::Feed { reset: true },
            other => return Err(unknown_option(prefix, "event feed", other, &["reset"])),
        },
        "import" => {
            let (first, after) = split_word(rest);
            match first.as_str() {
                "" | "list" => EventCommand::Import(None),
                "stop" | "remove" => {
                    let url = after.trim();
                    if url.is_empty() {
                        return Err(incomplete(
                            prefix,
                            &EVENT,
                            "event import stop https://example.org/grand-rounds.ics",
                        ));
                    }
                    EventCommand::ImportStop(url.to_string())
                }
                _ => EventCommand::Import(Some(rest.trim().to_string())),
            }
        }
        "checkin-code" | "code" => EventCommand::CheckinCode(id("event checkin-code E12")?),
        "attendance" => EventCommand::Attendance(id("event attendance E12")?),
        "checkin" | "check-in" => {
            let (code, _) = split_word(split_word(rest).1);
            if code.is_empty() {
                return Err(incomplete(prefix, &EVENT, "event checkin E12 K7P2QX"));
            }
            // A member named instead of a code is an organiser checking them in; a mention
            // keeps its case, since a Matrix id is case-sensitive.
            let code = if code.starts_with('@') || code.starts_with("<@") {
                code
            } else {
                code.to_uppercase()
            };
            EventCommand::Checkin(id("event checkin E12 K7P2QX")?, code)
        }
        "create" | "new" => {
            let fields: Vec<String> = rest.split('|').map(|f| f.trim().to_string()).collect();
            if fields.len() < 2 || fields[0].is_empty() || fields[1].is_empty() {
                return Err(incomplete(
                    prefix,
                    &EVENT,
                    "event create Grand rounds | next Thursday 12:30 | for 1h",
                ));
            }
            EventCommand::Create(fields)
        }
        other => {
            return Err(unknown_option(
                prefix,
                "event",
                other,
                &[
                    "list",
                    "show <id>",
                    "create <details>",
                    "edit <id> | <changes>",
                    "cancel <id>",
                    "skip <id> <date>",
                    "ics <id>",
                    "feed",
                    "import <url>",
                    "checkin-code <id>",
                    "checkin <id> <code>",
                    "attendance <id>",
                ],
            ));
        }
    };
    Ok(command)
}

pub(super) fn parse_rsvp(rest: &str, prefix: &str) -> Result<(ShortId, RsvpAnswer), CommandError> {
    let (id, rest) = split_word(rest);
    let (answer, _) = split_word(rest);
    if id.is_empty() || answer.is_empty() {
        return Err(incomplete(prefix, &RSVP, "rsvp E12 going"));
    }
    let id = ShortId::parse(&id, IdKind::Event)?;
    let answer = RsvpAnswer::parse(&answer)
        .ok_or_else(|| unknown_option(prefix, "rsvp", &answer, &["going", "maybe", "no"]))?;
    Ok((id, answer))
}

/// Whether the log is wanted as CSV.
pub(super) fn parse_cpd(rest: &str, prefix: &str) -> Result<bool, CommandError> {
    match split_word(rest).0.as_str() {
        "" | "list" => Ok(false),
        "export" | "csv" => Ok(true),
        other => Err(unknown_option(prefix, "cpd", other, &["export"])),
    }
}
