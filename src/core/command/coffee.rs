//! `coffee` and `mentor`: their table entries, what they parse to, and their parsers.

use super::spec::{CommandSpec, Form, Topic, Who};
use super::syntax::{incomplete, keyword_values, not_one_of, split_word, unknown_option};
use crate::core::error::CommandError;

pub(super) const COFFEE: CommandSpec = CommandSpec {
    name: "coffee",
    summary: "weekly coffee pairings: meet someone new",
    forms: &[
        Form {
            usage: "coffee join [group <name>]",
            summary: "join the pairings (the society's, or a group's)",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "coffee leave [group <name>]",
            summary: "stop being paired",
            who: Who::Anyone,
            main: false,
        },
        Form {
            usage: "coffee pause <duration> [group <name>]",
            summary: "no pairings for a while, e.g. 2 weeks",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "coffee skip [group <name>]",
            summary: "sit out the next round only",
            who: Who::Anyone,
            main: false,
        },
        Form {
            usage: "coffee status",
            summary: "your pairings and when the next round is",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "coffee history",
            summary: "who you have been paired with, newest first",
            who: Who::Anyone,
            main: false,
        },
        Form {
            usage: "coffee setup [new] [group <name>] [every <rule>] [size <2|3|4>] [mode <random|cross-specialty|cross-stage|mentor>] [checkin <duration>]",
            summary: "start or change a pairing programme (`new` starts a group's)",
            who: Who::Committee,
            main: true,
        },
        Form {
            usage: "coffee run [group <name>]",
            summary: "run a round now",
            who: Who::Committee,
            main: true,
        },
        Form {
            usage: "coffee preview [group <name>]",
            summary: "who the next round would pair (posts nothing)",
            who: Who::Committee,
            main: false,
        },
        Form {
            usage: "coffee stats [group <name>]",
            summary: "participants, rounds, meeting rate, repeats",
            who: Who::Committee,
            main: false,
        },
    ],
    examples: &[
        "coffee join",
        "coffee pause 2 weeks",
        "coffee setup every Monday 09:00 size 2 mode cross-specialty checkin 5 days",
        "coffee setup new group surgery every 2 weeks on Thursday 12:30 mode mentor",
        "coffee run",
        "coffee preview group surgery",
        "coffee stats",
    ],
    topic: Some(Topic::Pairings),
};

pub(super) const MENTOR: CommandSpec = CommandSpec {
    name: "mentor",
    summary: "mentor pairings of juniors with seniors",
    forms: &[
        Form {
            usage: "mentor",
            summary: "what you have offered or asked for",
            who: Who::Anyone,
            main: false,
        },
        Form {
            usage: "mentor offer [capacity <n>]",
            summary: "offer to mentor, at most n mentees a round (default 1)",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "mentor seek [specialty]",
            summary: "ask for a mentor, optionally in a specialty",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "mentor stop",
            summary: "withdraw your offer or request",
            who: Who::Anyone,
            main: false,
        },
    ],
    examples: &["mentor offer capacity 2", "mentor seek cardiology"],
    topic: Some(Topic::Pairings),
};

/// `!coffee setup` options; None means "keep the current value, or the default".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoffeeSetup {
    /// `new`: the group is to be started; without it, a group must already exist, so a typo
    /// in its name cannot start another programme.
    pub new: bool,
    pub group: Option<String>,
    pub every: Option<String>,
    pub size: Option<i64>,
    pub mode: Option<String>,
    pub checkin: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoffeeCommand {
    Setup(CoffeeSetup),
    Run {
        group: Option<String>,
    },
    Preview {
        group: Option<String>,
    },
    Stats {
        group: Option<String>,
    },
    Join {
        group: Option<String>,
    },
    Leave {
        group: Option<String>,
    },
    Pause {
        duration: String,
        group: Option<String>,
    },
    Skip {
        group: Option<String>,
    },
    Status,
    History,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MentorCommand {
    Show,
    Offer { capacity: i64 },
    Seek { specialty: Option<String> },
    Stop,
}

/// The most mentees one mentor may take in a round.
pub const MAX_MENTOR_CAPACITY: i64 = 10;
/// Members per group a programme may ask for.
pub const MIN_GROUP_SIZE: i64 = 2;
pub const MAX_GROUP_SIZE: i64 = 4;
pub const COFFEE_MODES: [&str; 4] = ["random", "cross-specialty", "cross-stage", "mentor"];

pub(super) fn parse_coffee(rest: &str, prefix: &str) -> Result<CoffeeCommand, CommandError> {
    let (verb, rest) = split_word(rest);
    let example = "coffee join";
    let keywords: &[&'static str] = if verb == "setup" {
        &["group", "every", "size", "mode", "checkin"]
    } else {
        &["group"]
    };
    let (leading, values) = keyword_values(rest, keywords, prefix, "coffee")?;
    let mut group = None;
    let mut setup = CoffeeSetup::default();
    for (keyword, value) in values {
        if value.is_empty() {
            return Err(incomplete(prefix, &COFFEE, example));
        }
        match keyword {
            "group" => group = Some(value),
            "every" => setup.every = Some(value),
            "size" => {
                setup.size = Some(
                    value
                        .parse::<i64>()
                        .ok()
                        .filter(|n| (MIN_GROUP_SIZE..=MAX_GROUP_SIZE).contains(n))
                        .ok_or_else(|| CommandError::OutOfRange {
                            what: "group size",
                            given: value.chars().take(20).collect(),
                            min: MIN_GROUP_SIZE,
                            max: MAX_GROUP_SIZE,
                        })?,
                )
            }
            "mode" => {
                let mode = value.to_lowercase();
                if !COFFEE_MODES.contains(&mode.as_str()) {
                    return Err(not_one_of("mode", &value, &COFFEE_MODES));
                }
                setup.mode = Some(mode);
            }
            _ => setup.checkin = Some(value),
        }
    }
    let no_leading = |command: CoffeeCommand| {
        if leading.is_empty() {
            Ok(command)
        } else {
            Err(unknown_option(
                prefix,
                "coffee",
                &leading,
                &["group <name>"],
            ))
        }
    };
    match verb.as_str() {
        "setup" if leading.eq_ignore_ascii_case("new") => {
            setup.new = true;
            setup.group = group;
            Ok(CoffeeCommand::Setup(setup))
        }
        "setup" => {
            setup.group = group;
            no_leading(CoffeeCommand::Setup(setup))
        }
        "run" => no_leading(CoffeeCommand::Run { group }),
        "preview" => no_leading(CoffeeCommand::Preview { group }),
        "stats" => no_leading(CoffeeCommand::Stats { group }),
        "join" => no_leading(CoffeeCommand::Join { group }),
        "leave" => no_leading(CoffeeCommand::Leave { group }),
        "skip" => no_leading(CoffeeCommand::Skip { group }),
        "pause" => {
            if leading.is_empty() {
                return Err(incomplete(prefix, &COFFEE, "coffee pause 2 weeks"));
            }
            Ok(CoffeeCommand::Pause {
                duration: leading,
                group,
            })
        }
        "status" | "" => no_leading(CoffeeCommand::Status),
        "history" => no_leading(CoffeeCommand::History),
        other => Err(unknown_option(
            prefix,
            "coffee",
            other,
            &[
                "join", "leave", "pause", "skip", "status", "history", "setup", "run", "preview",
                "stats",
            ],
        )),
    }
}

pub(super) fn parse_mentor(rest: &str, prefix: &str) -> Result<MentorCommand, CommandError> {
    let (verb, rest) = split_word(rest);
    let command = match verb.as_str() {
        "" | "show" | "status" => MentorCommand::Show,
        "offer" => {
            let (leading, values) = keyword_values(rest, &["capacity"], prefix, "mentor")?;
            let capacity = match values.first() {
                None if leading.is_empty() => 1,
                Some((_, value)) if leading.is_empty() => value
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=MAX_MENTOR_CAPACITY).contains(n))
                    .ok_or_else(|| CommandError::OutOfRange {
                        what: "capacity",
                        given: value.chars().take(20).collect(),
                        min: 1,
                        max: MAX_MENTOR_CAPACITY,
                    })?,
                _ => {
                    return Err(unknown_option(
                        prefix,
                        "mentor",
                        &leading,
                        &["capacity <n>"],
                    ));
                }
            };
            MentorCommand::Offer { capacity }
        }
        "seek" => MentorCommand::Seek {
            specialty: (!rest.is_empty()).then(|| rest.to_string()),
        },
        "stop" | "withdraw" => MentorCommand::Stop,
        other => {
            return Err(unknown_option(
                prefix,
                "mentor",
                other,
                &["offer", "seek", "stop"],
            ));
        }
    };
    Ok(command)
}
