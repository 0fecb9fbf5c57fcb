//! `profile`, `forget`, `welcome` and the committee's `committee log`: their table entries, what
//! they parse to, and their parsers.

use super::spec::{CommandSpec, Form, Topic, Who};
use super::syntax::{incomplete, split_word, unknown_option};
use crate::core::error::CommandError;

pub(super) const PROFILE: CommandSpec = CommandSpec {
    name: "profile",
    summary: "see or change what Rounds knows about you",
    forms: &[
        Form {
            usage: "profile",
            summary: "show everything stored about you",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "profile timezone <zone>",
            summary: "your IANA timezone, e.g. Australia/Sydney",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "profile stage <student|intern|resident|registrar|consultant|other>",
            summary: "your career stage",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "profile specialty <text>",
            summary: "your specialty or the one you are aiming for",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "profile hospital <text>",
            summary: "where you work",
            who: Who::Anyone,
            main: false,
        },
        Form {
            usage: "profile img <yes|no>",
            summary: "whether you are an international medical graduate",
            who: Who::Anyone,
            main: false,
        },
        Form {
            usage: "profile shoutouts <ask|auto|never>",
            summary: "colleagues' shout-outs about you: ask you first, post straight away, or never",
            who: Who::Anyone,
            main: false,
        },
    ],
    examples: &[
        "profile timezone Australia/Sydney",
        "profile stage registrar",
        "profile specialty emergency medicine",
    ],
    topic: Some(Topic::Profile),
};

pub(super) const WELCOME: CommandSpec = CommandSpec {
    name: "welcome",
    summary: "the welcome for newcomers: answer its questions, or preview it",
    forms: &[
        Form {
            usage: "welcome",
            summary: "answer the welcome questions (again)",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "welcome skip",
            summary: "stop the welcome questions",
            who: Who::Anyone,
            main: false,
        },
        Form {
            usage: "welcome preview",
            summary: "see what a newcomer sees",
            who: Who::Committee,
            main: false,
        },
    ],
    examples: &["welcome", "welcome preview"],
    topic: Some(Topic::Profile),
};

pub(super) const COMMITTEE: CommandSpec = CommandSpec {
    name: "committee",
    summary: "the committee's log: missed reminders and failed deliveries",
    forms: &[Form {
        usage: "committee log",
        summary: "the latest entries for this society",
        who: Who::Committee,
        main: true,
    }],
    examples: &["committee log"],
    topic: Some(Topic::Committee),
};

pub(super) const FORGET: CommandSpec = CommandSpec {
    name: "forget",
    summary: "erase everything Rounds holds about you",
    forms: &[
        Form {
            usage: "forget me",
            summary: "asks you to confirm, then erases your data",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "forget me confirm",
            summary: "confirm the erasure",
            who: Who::Anyone,
            main: false,
        },
    ],
    examples: &["forget me"],
    topic: Some(Topic::Profile),
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Student,
    Intern,
    Resident,
    Registrar,
    Consultant,
    Other,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Student,
        Stage::Intern,
        Stage::Resident,
        Stage::Registrar,
        Stage::Consultant,
        Stage::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Student => "student",
            Stage::Intern => "intern",
            Stage::Resident => "resident",
            Stage::Registrar => "registrar",
            Stage::Consultant => "consultant",
            Stage::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Stage> {
        let text = text.trim().to_lowercase();
        Stage::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// How a stage typed by a doctor in Australia, the UK or the US reads: `reg`, `SHO`,
    /// `PGY2`, `FY1`, `RMO`, `attending`... A title with two plausible readings is asked
    /// back, never guessed. None: not a stage Rounds knows.
    pub fn read(text: &str) -> Option<StageReading> {
        use Stage::*;
        use StageReading::{Either, Is};
        let words: Vec<String> = text
            .to_lowercase()
            .replace(['-', '_', '.'], " ")
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let text = words.join(" ");
        if let Some(stage) = Stage::parse(&text) {
            return Some(Is(stage));
        }
        // Numbered grades (`PGY 2`, `ST3`, `FY1`, `MS4`): the letters, then the year.
        let joined = words.concat();
        let letters = joined.trim_end_matches(|c: char| c.is_ascii_digit());
        if let Ok(year) = joined[letters.len()..].parse::<u32>() {
            let reading = match (letters, year) {
                // Australia and the US: PGY1 is the intern year, PGY2 a resident's; from PGY3
                // an Australian is often a registrar while an American is still a resident.
                ("pgy", 1) => Is(Intern),
                ("pgy", 2) => Is(Resident),
                ("pgy", 3..=9) => Either(Resident, Registrar),
                // The UK's foundation years, core training and specialty training.
                ("f" | "fy", 1) => Is(Intern),
                ("f" | "fy", 2) => Is(Resident),
                ("ct", 1..=3) => Is(Resident),
                ("st", 1..=2) => Either(Resident, Registrar),
                ("st", 3..=8) => Is(Registrar),
                ("ms", 1..=6) => Is(Student),
                _ => return None,
            };
            return Some(reading);
        }
        let reading = match text.as_str() {
            "med student" | "medical student" | "medstudent" | "med school" => Is(Student),
            "house officer" | "junior doctor" | "jmo" | "junior medical officer" => {
                Either(Intern, Resident)
            }
            "sho"
            | "senior house officer"
            | "rmo"
            | "resident medical officer"
            | "hmo"
            | "hospital medical officer"
            | "srmo"
            | "senior resident medical officer"
            | "junior resident"
            | "core trainee" => Is(Resident),
            "reg"
            | "spr"
            | "specialist registrar"
            | "str"
            | "specialty registrar"
            | "senior registrar"
            | "advanced trainee"
            | "basic physician trainee"
            | "bpt" => Is(Registrar),
            // A US fellow trains after residency; an Australian fellow holds the college's
            // fellowship, so is a specialist.
            "fellow" | "clinical fellow" => Either(Registrar, Consultant),
            "attending"
            | "attending physician"
            | "specialist"
            | "staff specialist"
            | "vmo"
            | "visiting medical officer" => Is(Consultant),
            // Australia's career medical officers work outside training programmes.
            "cmo" | "career medical officer" => Is(Other),
            _ => return None,
        };
        Some(reading)
    }
}

/// What a typed stage means (see [`Stage::read`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StageReading {
    Is(Stage),
    /// Two plausible readings: the member is asked which.
    Either(Stage, Stage),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProfileCommand {
    Show,
    Timezone(String),
    /// The reading and the words the member typed, for asking back.
    Stage(StageReading, String),
    Specialty(String),
    Hospital(String),
    Img(bool),
    /// `ask`, `auto` or `never`.
    Shoutouts(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WelcomeCommand {
    Start,
    Skip,
    Preview,
}

/// The longest specialty or hospital name kept; longer text is refused, not truncated.
pub const MAX_PROFILE_TEXT: usize = 80;

pub(super) fn parse_profile(rest: &str, prefix: &str) -> Result<ProfileCommand, CommandError> {
    let (field, value) = split_word(rest);
    let need = |example: &'static str| incomplete(prefix, &PROFILE, example);
    let command = match field.as_str() {
        "" | "show" => ProfileCommand::Show,
        "timezone" | "tz" | "zone" => {
            if value.is_empty() {
                return Err(need("profile timezone Australia/Sydney"));
            }
            ProfileCommand::Timezone(value.to_string())
        }
        "stage" => {
            if value.is_empty() {
                return Err(need("profile stage registrar"));
            }
            let stages: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
            let reading = Stage::read(value)
                .ok_or_else(|| unknown_option(prefix, "profile", value, &stages))?;
            ProfileCommand::Stage(reading, value.trim().to_string())
        }
        "specialty" | "speciality" => {
            if value.is_empty() {
                return Err(need("profile specialty emergency medicine"));
            }
            ProfileCommand::Specialty(value.to_string())
        }
        "hospital" => {
            if value.is_empty() {
                return Err(need("profile hospital Royal North Shore"));
            }
            ProfileCommand::Hospital(value.to_string())
        }
        "shoutouts" | "shoutout" | "shout-outs" => match value.to_lowercase().as_str() {
            v @ ("ask" | "auto" | "never") => ProfileCommand::Shoutouts(v.to_string()),
            "" => return Err(need("profile shoutouts auto")),
            other => {
                return Err(unknown_option(
                    prefix,
                    "profile",
                    other,
                    &["ask", "auto", "never"],
                ));
            }
        },
        "img" => match value.to_lowercase().as_str() {
            "yes" | "y" | "true" => ProfileCommand::Img(true),
            "no" | "n" | "false" => ProfileCommand::Img(false),
            "" => return Err(need("profile img yes")),
            other => return Err(unknown_option(prefix, "profile", other, &["yes", "no"])),
        },
        other => {
            return Err(unknown_option(
                prefix,
                "profile",
                other,
                &[
                    "timezone",
                    "stage",
                    "specialty",
                    "hospital",
                    "img",
                    "shoutouts",
                ],
            ));
        }
    };
    Ok(command)
}

/// Whether the erasure is confirmed.
pub(super) fn parse_forget(rest: &str, prefix: &str) -> Result<bool, CommandError> {
    let (who, rest) = split_word(rest);
    if who != "me" {
        if who.is_empty() {
            return Err(incomplete(prefix, &FORGET, "forget me"));
        }
        return Err(unknown_option(prefix, "forget", &who, &["me"]));
    }
    let (confirm, _) = split_word(rest);
    match confirm.as_str() {
        "" => Ok(false),
        "confirm" | "yes" => Ok(true),
        other => Err(unknown_option(
            prefix,
            "forget",
            other,
            &["me", "me confirm"],
        )),
    }
}

pub(super) fn parse_welcome(rest: &str, prefix: &str) -> Result<WelcomeCommand, CommandError> {
    match split_word(rest).0.as_str() {
        "" | "start" | "again" => Ok(WelcomeCommand::Start),
        "skip" | "stop" => Ok(WelcomeCommand::Skip),
        "preview" => Ok(WelcomeCommand::Preview),
        other => Err(unknown_option(
            prefix,
            "welcome",
            other,
            &["skip", "preview"],
        )),
    }
}

/// `log` is the committee's only sub-command, and the default.
pub(super) fn parse_committee(rest: &str, prefix: &str) -> Result<(), CommandError> {
    match split_word(rest).0.as_str() {
        "log" | "" => Ok(()),
        other => Err(unknown_option(prefix, "committee", other, &["log"])),
    }
}

#[cfg(test)]
mod tests {
    use super::StageReading::{Either, Is};
    use super::*;

    /// What doctors in Australia, the UK and the US type, and what Rounds records (or asks).
    #[test]
    fn stages_read_as_doctors_type_them() {
        use Stage::*;
        let table = [
            ("registrar", Some(Is(Registrar))),
            ("Consultant", Some(Is(Consultant))),
            ("reg", Some(Is(Registrar))),
            ("SHO", Some(Is(Resident))),
            ("PGY1", Some(Is(Intern))),
            ("PGY2", Some(Is(Resident))),
            ("pgy 3", Some(Either(Resident, Registrar))),
            ("PGY-7", Some(Either(Resident, Registrar))),
            ("F1", Some(Is(Intern))),
            ("F2", Some(Is(Resident))),
            ("FY1", Some(Is(Intern))),
            ("resident medical officer", Some(Is(Resident))),
            ("RMO", Some(Is(Resident))),
            ("fellow", Some(Either(Registrar, Consultant))),
            ("intern", Some(Is(Intern))),
            ("HMO", Some(Is(Resident))),
            ("SRMO", Some(Is(Resident))),
            ("CMO", Some(Is(Other))),
            ("ST3", Some(Is(Registrar))),
            ("ST1", Some(Either(Resident, Registrar))),
            ("CT2", Some(Is(Resident))),
            ("SpR", Some(Is(Registrar))),
            ("attending", Some(Is(Consultant))),
            ("resident", Some(Is(Resident))),
            ("med student", Some(Is(Student))),
            ("Medical  Student", Some(Is(Student))),
            ("junior doctor", Some(Either(Intern, Resident))),
            ("wizard", None),
            ("PGY", None),
            ("ST9", None),
            ("", None),
        ];
        for (typed, reading) in table {
            assert_eq!(Stage::read(typed), reading, "{typed}");
        }
    }
}
