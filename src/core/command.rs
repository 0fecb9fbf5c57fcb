//! The one command parser. Text platforms feed it directly; Discord's slash commands are
//! generated from `COMMANDS` and rebuilt into the same text, so help never drifts from parsing.

use super::error::CommandError;
use super::short_id::{IdKind, ShortId};

/// The longest command line the bot reads; longer input is refused before any parsing.
pub const MAX_COMMAND_CHARS: usize = 2000;

/// One form of a command. `usage` is machine-readable: literal words are sub-commands,
/// `<x>` a required value, `[x]` an optional one; `a|b` inside brackets lists the choices.
pub struct Form {
    pub usage: &'static str,
    pub summary: &'static str,
}

pub struct CommandSpec {
    pub name: &'static str,
    pub summary: &'static str,
    pub forms: &'static [Form],
    pub examples: &'static [&'static str],
    /// Only the society's committee may use it (checked in the core, whatever the platform says).
    pub committee_only: bool,
}

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "help",
        summary: "what I can do, or the details of one command",
        forms: &[
            Form {
                usage: "help",
                summary: "list every command",
            },
            Form {
                usage: "help <command>",
                summary: "how to use one command",
            },
        ],
        examples: &["help remind"],
        committee_only: false,
    },
    CommandSpec {
        name: "remind",
        summary: "set a reminder for yourself or this room",
        forms: &[
            Form {
                usage: "remind me <when> <what>",
                summary: "a private reminder, sent to you alone",
            },
            Form {
                usage: "remind here <when> <what>",
                summary: "a reminder posted in this room",
            },
        ],
        examples: &[
            "remind me in 20 minutes to call the registrar",
            "remind me next Tuesday 09:00 to email my supervisor",
            "remind here every Monday 08:00 to review the rota",
            "remind me every weekday at 7:30 to check the handover list",
            "remind me on 1 December at 14:30 to submit the CPD log",
        ],
        committee_only: false,
    },
    CommandSpec {
        name: "reminders",
        summary: "list, cancel or snooze your reminders",
        forms: &[
            Form {
                usage: "reminders",
                summary: "your reminders, in your timezone",
            },
            Form {
                usage: "reminders cancel <id>",
                summary: "cancel one (ids look like R7)",
            },
            Form {
                usage: "reminders snooze <id> <duration>",
                summary: "push one back, e.g. by 10m, 2h or 1 day",
            },
        ],
        examples: &["reminders cancel R7", "reminders snooze R7 1h"],
        committee_only: false,
    },
    CommandSpec {
        name: "profile",
        summary: "see or change what Rounds knows about you",
        forms: &[
            Form {
                usage: "profile",
                summary: "show everything stored about you",
            },
            Form {
                usage: "profile timezone <zone>",
                summary: "your IANA timezone, e.g. Australia/Sydney",
            },
            Form {
                usage: "profile stage <student|intern|resident|registrar|consultant|other>",
                summary: "your career stage",
            },
            Form {
                usage: "profile specialty <text>",
                summary: "your specialty or the one you are aiming for",
            },
            Form {
                usage: "profile hospital <text>",
                summary: "where you work",
            },
            Form {
                usage: "profile img <yes|no>",
                summary: "whether you are an international medical graduate",
            },
            Form {
                usage: "profile shoutouts <ask|auto|never>",
                summary: "colleagues' shout-outs about you: ask you first, post straight away, or never",
            },
        ],
        examples: &[
            "profile timezone Australia/Sydney",
            "profile stage registrar",
            "profile specialty emergency medicine",
        ],
        committee_only: false,
    },
    CommandSpec {
        name: "coffee",
        summary: "weekly coffee pairings: meet someone new",
        forms: &[
            Form {
                usage: "coffee join [group <name>]",
                summary: "join the pairings (the society's, or a group's)",
            },
            Form {
                usage: "coffee leave [group <name>]",
                summary: "stop being paired",
            },
            Form {
                usage: "coffee pause <duration> [group <name>]",
                summary: "no pairings for a while, e.g. 2 weeks",
            },
            Form {
                usage: "coffee skip [group <name>]",
                summary: "sit out the next round only",
            },
            Form {
                usage: "coffee status",
                summary: "your pairings and when the next round is",
            },
            Form {
                usage: "coffee history",
                summary: "who you have been paired with, newest first",
            },
            Form {
                usage: "coffee setup [group <name>] [every <rule>] [size <2|3|4>] [mode <random|cross-specialty|cross-stage|mentor>] [checkin <duration>]",
                summary: "committee: start or change a pairing programme",
            },
            Form {
                usage: "coffee run [group <name>]",
                summary: "committee: run a round now",
            },
            Form {
                usage: "coffee preview [group <name>]",
                summary: "committee: who would be paired now (posts nothing)",
            },
            Form {
                usage: "coffee stats [group <name>]",
                summary: "committee: participants, rounds, meeting rate, repeats",
            },
        ],
        examples: &[
            "coffee join",
            "coffee pause 2 weeks",
            "coffee setup every Monday 09:00 size 2 mode cross-specialty checkin 5 days",
            "coffee setup group surgery every 2 weeks on Thursday 12:30 mode mentor",
        ],
        committee_only: false,
    },
    CommandSpec {
        name: "mentor",
        summary: "mentor pairings of juniors with seniors",
        forms: &[
            Form {
                usage: "mentor",
                summary: "what you have offered or asked for",
            },
            Form {
                usage: "mentor offer [capacity <n>]",
                summary: "offer to mentor, at most n mentees a round (default 1)",
            },
            Form {
                usage: "mentor seek [specialty]",
                summary: "ask for a mentor, optionally in a specialty",
            },
            Form {
                usage: "mentor stop",
                summary: "withdraw your offer or request",
            },
        ],
        examples: &["mentor offer capacity 2", "mentor seek cardiology"],
        committee_only: false,
    },
    CommandSpec {
        name: "event",
        summary: "grand rounds, CPD sessions and socials: create, list, answer",
        forms: &[
            Form {
                usage: "event list",
                summary: "upcoming events, in your timezone",
            },
            Form {
                usage: "event show <id>",
                summary: "one event, with who is going",
            },
            Form {
                usage: "event create <details>",
                summary: "organisers: title | when [| for 1h] [| at place] [| capacity n] [| kind cpd] [| cpd 1.5] [| group name] [| every Thursday 12:30]",
            },
            Form {
                usage: "event edit <id> <changes>",
                summary: "organisers: | title … | when … | for 2h | at … | capacity n | kind … | cpd 1 (add | all to change the rest of a series)",
            },
            Form {
                usage: "event cancel <id>",
                summary: "organisers: cancel it (add `series` to end a series); everyone who answered is told",
            },
            Form {
                usage: "event skip <id> <date>",
                summary: "organisers: one date of a series does not happen",
            },
            Form {
                usage: "event ics <id>",
                summary: "the event (or series) as a calendar file",
            },
            Form {
                usage: "event feed",
                summary: "your link to subscribe to every event in your calendar app",
            },
            Form {
                usage: "event import <url>",
                summary: "organisers: import a calendar feed (ICS) and re-sync it daily; `event import` lists, `event import stop <url>` stops",
            },
            Form {
                usage: "event checkin-code <id>",
                summary: "organisers: a short code for attendance, valid during the event",
            },
            Form {
                usage: "event checkin <id> <code>",
                summary: "record that you attended (for your CPD log)",
            },
            Form {
                usage: "event attendance <id>",
                summary: "organisers: who checked in",
            },
        ],
        examples: &[
            "event list",
            "event create Grand rounds: sepsis update | next Thursday 12:30 | for 1h | at Lecture theatre 2 | capacity 40 | kind grand-rounds | cpd 1",
            "event show E12",
            "event create Grand rounds | Thursday 12:30 | every Thursday 12:30 | at Auditorium",
            "event edit E12 | at Lecture theatre 3",
            "event skip E12 2026-12-24",
        ],
        committee_only: false,
    },
    CommandSpec {
        name: "cpd",
        summary: "your CPD log: events you attended and their hours",
        forms: &[
            Form {
                usage: "cpd",
                summary: "the events you checked in to, with hours",
            },
            Form {
                usage: "cpd export",
                summary: "the same as CSV",
            },
        ],
        examples: &["cpd", "cpd export"],
        committee_only: false,
    },
    CommandSpec {
        name: "rsvp",
        summary: "answer an event: going, maybe or no",
        forms: &[Form {
            usage: "rsvp <id> <going|maybe|no>",
            summary: "your answer (going beyond the capacity joins the waitlist)",
        }],
        examples: &["rsvp E12 going", "rsvp E12 no"],
        committee_only: false,
    },
    CommandSpec {
        name: "shoutout",
        summary: "celebrate a colleague's news (they approve it first)",
        forms: &[
            Form {
                usage: "shoutout <member> <publication|exam|new-post|award|grant|talk|other> <text>",
                summary: "celebrate a colleague; it is posted once they approve",
            },
            Form {
                usage: "shoutout approve <id>",
                summary: "let a shout-out about you be posted (ids look like S3)",
            },
            Form {
                usage: "shoutout decline <id>",
                summary: "keep a shout-out about you from being posted",
            },
            Form {
                usage: "shoutout pending",
                summary: "shout-outs about you waiting for your answer",
            },
        ],
        examples: &[
            "shoutout @ana publication Our sepsis audit is out: doi:10.5694/mja2.51234",
            "shoutout @ben new-post Starting as ED registrar at Westmead in February",
            "shoutout approve S3",
        ],
        committee_only: false,
    },
    CommandSpec {
        name: "milestone",
        summary: "share your own news in the celebrations room",
        forms: &[Form {
            usage: "milestone <publication|exam|new-post|award|grant|talk|other> <text>",
            summary: "posted straight away, and listed in the weekly digest",
        }],
        examples: &[
            "milestone exam Passed the FRACP written exam!",
            "milestone talk Presenting our audit at the ACEM ASM",
        ],
        committee_only: false,
    },
    CommandSpec {
        name: "followup",
        summary: "a private reminder to follow up with someone",
        forms: &[Form {
            usage: "followup <member> <when> [note]",
            summary: "e.g. after meeting them for coffee or at an event",
        }],
        examples: &[
            "followup @ana in 1 week ask about the research project",
            "followup @ben next Monday 09:00",
        ],
        committee_only: false,
    },
    CommandSpec {
        name: "welcome",
        summary: "the welcome for newcomers: answer its questions, or preview it",
        forms: &[
            Form {
                usage: "welcome",
                summary: "answer the welcome questions (again)",
            },
            Form {
                usage: "welcome skip",
                summary: "stop the welcome questions",
            },
            Form {
                usage: "welcome preview",
                summary: "committee: see what a newcomer sees",
            },
        ],
        examples: &["welcome", "welcome preview"],
        committee_only: false,
    },
    CommandSpec {
        name: "committee",
        summary: "the committee's log: missed reminders and failed deliveries",
        forms: &[Form {
            usage: "committee log",
            summary: "the latest entries for this society",
        }],
        examples: &["committee log"],
        committee_only: true,
    },
    CommandSpec {
        name: "forget",
        summary: "erase everything Rounds holds about you",
        forms: &[
            Form {
                usage: "forget me",
                summary: "asks you to confirm, then erases your data",
            },
            Form {
                usage: "forget me confirm",
                summary: "confirm the erasure",
            },
        ],
        examples: &["forget me"],
        committee_only: false,
    },
];

pub fn spec(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| c.name == name)
}

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
pub enum ShoutoutCommand {
    About {
        member: String,
        kind: MilestoneKind,
        text: String,
    },
    Approve(ShortId),
    Decline(ShortId),
    Pending,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WelcomeCommand {
    Start,
    Skip,
    Preview,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MilestoneKind {
    Publication,
    Exam,
    NewPost,
    Award,
    Grant,
    Talk,
    Other,
}

impl MilestoneKind {
    pub const ALL: [MilestoneKind; 7] = [
        MilestoneKind::Publication,
        MilestoneKind::Exam,
        MilestoneKind::NewPost,
        MilestoneKind::Award,
        MilestoneKind::Grant,
        MilestoneKind::Talk,
        MilestoneKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MilestoneKind::Publication => "publication",
            MilestoneKind::Exam => "exam",
            MilestoneKind::NewPost => "new-post",
            MilestoneKind::Award => "award",
            MilestoneKind::Grant => "grant",
            MilestoneKind::Talk => "talk",
            MilestoneKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<MilestoneKind> {
        match text.trim().to_lowercase().as_str() {
            "paper" | "pub" | "publication" | "article" => Some(MilestoneKind::Publication),
            "exam" | "exams" => Some(MilestoneKind::Exam),
            "new-post" | "newpost" | "post" | "job" | "new-job" => Some(MilestoneKind::NewPost),
            "award" | "prize" => Some(MilestoneKind::Award),
            "grant" => Some(MilestoneKind::Grant),
            "talk" | "presentation" | "poster" => Some(MilestoneKind::Talk),
            "other" => Some(MilestoneKind::Other),
            _ => None,
        }
    }
}

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

/// `!coffee setup` options; None means "keep the current value, or the default".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoffeeSetup {
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
pub const COFFEE_MODES: [&str; 4] = ["random", "cross-specialty", "cross-stage", "mentor"];

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
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProfileCommand {
    Show,
    Timezone(String),
    Stage(Stage),
    Specialty(String),
    Hospital(String),
    Img(bool),
    /// `ask`, `auto` or `never`.
    Shoutouts(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Ordinary chat: the bot stays quiet.
    NotCommand,
    Command(Command),
    Invalid(CommandError),
}

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
    match parse_body(body.trim_start(), prefix) {
        Ok(command) => Parsed::Command(command),
        Err(error) => Parsed::Invalid(error),
    }
}

fn first_word(text: &str) -> &str {
    text.split_whitespace().next().unwrap_or("")
}

/// Splits off the first word, returning it lowercased and the trimmed rest.
fn split_word(text: &str) -> (String, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(at) => (text[..at].to_lowercase(), text[at..].trim()),
        None => (text.to_lowercase(), ""),
    }
}

fn parse_body(body: &str, prefix: &str) -> Result<Command, CommandError> {
    let (name, rest) = split_word(body);
    if name.is_empty() {
        return Err(unknown(prefix, ""));
    }
    match name.as_str() {
        "help" | "?" => Ok(Command::Help {
            topic: match split_word(rest).0 {
                t if t.is_empty() => None,
                t => Some(t.trim_start_matches(prefix).to_string()),
            },
        }),
        "remind" => parse_remind(rest, prefix),
        "reminders" => parse_reminders(rest, prefix),
        "profile" => parse_profile(rest, prefix),
        "forget" => parse_forget(rest, prefix),
        "shoutout" | "shout-out" | "shoutouts" => parse_shoutout(rest, prefix),
        "milestone" => {
            let (kind, text) = parse_kind(rest, prefix, "milestone")?;
            Ok(Command::Milestone { kind, text })
        }
        "followup" | "follow-up" => {
            let (member, rest) = split_member(rest);
            if member.is_empty() || rest.is_empty() {
                return Err(incomplete(
                    prefix,
                    "followup",
                    "followup @ana in 1 week ask about the research project",
                ));
            }
            Ok(Command::Followup {
                member,
                rest: rest.to_string(),
            })
        }
        "welcome" => match split_word(rest).0.as_str() {
            "" | "start" | "again" => Ok(Command::Welcome(WelcomeCommand::Start)),
            "skip" | "stop" => Ok(Command::Welcome(WelcomeCommand::Skip)),
            "preview" => Ok(Command::Welcome(WelcomeCommand::Preview)),
            other => Err(unknown_option(
                prefix,
                "welcome",
                other,
                &["skip", "preview"],
            )),
        },
        "coffee" => parse_coffee(rest, prefix),
        "event" | "events" => parse_event(rest, prefix),
        "rsvp" => parse_rsvp(rest, prefix),
        "cpd" => match split_word(rest).0.as_str() {
            "" | "list" => Ok(Command::Cpd { export: false }),
            "export" | "csv" => Ok(Command::Cpd { export: true }),
            other => Err(unknown_option(prefix, "cpd", other, &["export"])),
        },
        "mentor" => parse_mentor(rest, prefix),
        "committee" => match split_word(rest).0.as_str() {
            "log" | "" => Ok(Command::CommitteeLog),
            other => Err(unknown_option(prefix, "committee", other, &["log"])),
        },
        other => Err(unknown(prefix, other)),
    }
}

fn unknown(prefix: &str, given: &str) -> CommandError {
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

fn incomplete(prefix: &str, command: &'static str, example: &'static str) -> CommandError {
    // Only the forms of the sub-command the example shows, when it names one: a command with
    // many forms would otherwise answer with a wall of text.
    let verb = example.split_whitespace().nth(1);
    let usage = spec(command)
        .map(|s| {
            let same_verb: Vec<&Form> = s
                .forms
                .iter()
                .filter(|f| f.usage.split_whitespace().nth(1) == verb)
                .collect();
            let forms = if same_verb.is_empty() || s.forms.len() <= 4 {
                s.forms.iter().collect()
            } else {
                same_verb
            };
            forms
                .iter()
                .map(|f| format!("`{prefix}{}`", f.usage))
                .collect::<Vec<_>>()
                .join(" or ")
        })
        .unwrap_or_default();
    CommandError::Incomplete {
        prefix: prefix.to_string(),
        command,
        usage,
        example,
    }
}

fn unknown_option(
    prefix: &str,
    command: &'static str,
    given: &str,
    options: &[&str],
) -> CommandError {
    CommandError::UnknownOption {
        prefix: prefix.to_string(),
        command,
        given: given.chars().take(40).collect(),
        options: options
            .iter()
            .map(|o| format!("`{o}`"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn parse_remind(rest: &str, prefix: &str) -> Result<Command, CommandError> {
    let example = "remind me in 20 minutes to call the registrar";
    let (who, rest) = split_word(rest);
    let target = match who.as_str() {
        "me" => RemindTarget::Me,
        "here" | "us" | "room" => RemindTarget::Here,
        "" => return Err(incomplete(prefix, "remind", example)),
        other => return Err(unknown_option(prefix, "remind", other, &["me", "here"])),
    };
    if rest.is_empty() {
        return Err(incomplete(prefix, "remind", example));
    }
    Ok(Command::Remind {
        target,
        rest: rest.to_string(),
    })
}

fn parse_reminders(rest: &str, prefix: &str) -> Result<Command, CommandError> {
    let (verb, rest) = split_word(rest);
    match verb.as_str() {
        "" | "list" => Ok(Command::Reminders(RemindersCommand::List)),
        "cancel" | "delete" | "remove" => {
            let (id, _) = split_word(rest);
            if id.is_empty() {
                return Err(incomplete(prefix, "reminders", "reminders cancel R7"));
            }
            Ok(Command::Reminders(RemindersCommand::Cancel(
                ShortId::parse(&id, IdKind::Reminder)?,
            )))
        }
        "snooze" => {
            let (id, duration) = split_word(rest);
            if id.is_empty() || duration.is_empty() {
                return Err(incomplete(prefix, "reminders", "reminders snooze R7 1h"));
            }
            Ok(Command::Reminders(RemindersCommand::Snooze(
                ShortId::parse(&id, IdKind::Reminder)?,
                duration.to_string(),
            )))
        }
        other => Err(unknown_option(
            prefix,
            "reminders",
            other,
            &["list", "cancel <id>", "snooze <id> <duration>"],
        )),
    }
}

/// The longest specialty or hospital name kept; longer text is refused, not truncated.
pub const MAX_PROFILE_TEXT: usize = 80;

fn parse_profile(rest: &str, prefix: &str) -> Result<Command, CommandError> {
    let (field, value) = split_word(rest);
    let need = |example: &'static str| incomplete(prefix, "profile", example);
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
            ProfileCommand::Stage(
                Stage::parse(value)
                    .ok_or_else(|| unknown_option(prefix, "profile", value, &stages))?,
            )
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
    Ok(Command::Profile(command))
}

/// Splits off a member as typed: the first word, kept in its case (ids are case-sensitive).
fn split_member(text: &str) -> (String, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(at) => (text[..at].to_string(), text[at..].trim()),
        None => (text.to_string(), ""),
    }
}

fn parse_kind(
    rest: &str,
    prefix: &str,
    command: &'static str,
) -> Result<(MilestoneKind, String), CommandError> {
    let example = match command {
        "milestone" => "milestone exam Passed the FRACP written exam!",
        _ => "shoutout @ana award Best registrar teaching award",
    };
    let (kind, text) = split_word(rest);
    if kind.is_empty() {
        return Err(incomplete(prefix, command, example));
    }
    let kinds: Vec<&str> = MilestoneKind::ALL.iter().map(|k| k.as_str()).collect();
    let kind = MilestoneKind::parse(&kind)
        .ok_or_else(|| unknown_option(prefix, command, &kind, &kinds))?;
    if text.is_empty() {
        return Err(incomplete(prefix, command, example));
    }
    Ok((kind, text.to_string()))
}

fn parse_shoutout(rest: &str, prefix: &str) -> Result<Command, CommandError> {
    let (verb, after) = split_word(rest);
    let id = |example: &'static str| -> Result<ShortId, CommandError> {
        let (id, _) = split_word(after);
        if id.is_empty() {
            return Err(incomplete(prefix, "shoutout", example));
        }
        ShortId::parse(&id, IdKind::Shoutout)
    };
    let command = match verb.as_str() {
        "approve" | "yes" => ShoutoutCommand::Approve(id("shoutout approve S3")?),
        "decline" | "no" => ShoutoutCommand::Decline(id("shoutout decline S3")?),
        "pending" | "list" => ShoutoutCommand::Pending,
        "" => {
            return Err(incomplete(
                prefix,
                "shoutout",
                "shoutout @ana award Best registrar teaching award",
            ));
        }
        _ => {
            let (member, rest) = split_member(rest);
            let (kind, text) = parse_kind(rest, prefix, "shoutout")?;
            ShoutoutCommand::About { member, kind, text }
        }
    };
    Ok(Command::Shoutout(command))
}

fn parse_forget(rest: &str, prefix: &str) -> Result<Command, CommandError> {
    let (who, rest) = split_word(rest);
    if who != "me" {
        if who.is_empty() {
            return Err(incomplete(prefix, "forget", "forget me"));
        }
        return Err(unknown_option(prefix, "forget", &who, &["me"]));
    }
    let (confirm, _) = split_word(rest);
    match confirm.as_str() {
        "" => Ok(Command::Forget { confirm: false }),
        "confirm" | "yes" => Ok(Command::Forget { confirm: true }),
        other => Err(unknown_option(
            prefix,
            "forget",
            other,
            &["me", "me confirm"],
        )),
    }
}

/// The words before any keyword, then each keyword with its value.
type KeywordValues = (String, Vec<(&'static str, String)>);

/// Splits `2 weeks group surgery size 3` into the words before any keyword and each keyword's
/// value (the words up to the next keyword). A keyword given twice is refused.
fn keyword_values<'a>(
    text: &'a str,
    keywords: &[&'static str],
    prefix: &str,
    command: &'static str,
) -> Result<KeywordValues, CommandError> {
    let mut leading: Vec<&'a str> = Vec::new();
    let mut values: Vec<(&'static str, Vec<&'a str>)> = Vec::new();
    for word in text.split_whitespace() {
        let lower = word.to_lowercase();
        if let Some(keyword) = keywords.iter().find(|k| **k == lower) {
            if values.iter().any(|(k, _)| k == keyword) {
                return Err(CommandError::Repeated {
                    prefix: prefix.to_string(),
                    command,
                    keyword,
                });
            }
            values.push((keyword, Vec::new()));
        } else if let Some((_, words)) = values.last_mut() {
            words.push(word);
        } else {
            leading.push(word);
        }
    }
    Ok((
        leading.join(" "),
        values.into_iter().map(|(k, w)| (k, w.join(" "))).collect(),
    ))
}

fn parse_coffee(rest: &str, prefix: &str) -> Result<Command, CommandError> {
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
            return Err(incomplete(prefix, "coffee", example));
        }
        match keyword {
            "group" => group = Some(value),
            "every" => setup.every = Some(value),
            "size" => {
                setup.size = Some(match value.as_str() {
                    "2" => 2,
                    "3" => 3,
                    "4" => 4,
                    other => return Err(unknown_option(prefix, "coffee", other, &["2", "3", "4"])),
                })
            }
            "mode" => {
                let mode = value.to_lowercase();
                if !COFFEE_MODES.contains(&mode.as_str()) {
                    return Err(unknown_option(prefix, "coffee", &value, &COFFEE_MODES));
                }
                setup.mode = Some(mode);
            }
            _ => setup.checkin = Some(value),
        }
    }
    let no_leading = |command: CoffeeCommand| {
        if leading.is_empty() {
            Ok(Command::Coffee(command))
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
                return Err(incomplete(prefix, "coffee", "coffee pause 2 weeks"));
            }
            Ok(Command::Coffee(CoffeeCommand::Pause {
                duration: leading,
                group,
            }))
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

fn parse_event(rest: &str, prefix: &str) -> Result<Command, CommandError> {
    let (verb, rest) = split_word(rest);
    let id = |example: &'static str| {
        let (id, _) = split_word(rest);
        if id.is_empty() {
            return Err(incomplete(prefix, "event", example));
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
                    "event",
                    "event edit E12 | at Lecture theatre 3 | capacity 50",
                ));
            }
            let (id, _) = split_word(head);
            if id.is_empty() {
                return Err(incomplete(
                    prefix,
                    "event",
                    "event edit E12 | at Lecture theatre 3",
                ));
            }
            EventCommand::Edit(ShortId::parse(&id, IdKind::Event)?, fields)
        }
        "skip" => {
            let id = id("event skip E12 2026-12-24")?;
            let date = split_word(rest).1.trim().to_string();
            if date.is_empty() {
                return Err(incomplete(prefix, "event", "event skip E12 2026-12-24"));
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
                            "event",
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
                return Err(incomplete(prefix, "event", "event checkin E12 K7P2QX"));
            }
            EventCommand::Checkin(id("event checkin E12 K7P2QX")?, code.to_uppercase())
        }
        "create" | "new" => {
            let fields: Vec<String> = rest.split('|').map(|f| f.trim().to_string()).collect();
            if fields.len() < 2 || fields[0].is_empty() || fields[1].is_empty() {
                return Err(incomplete(
                    prefix,
                    "event",
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
    Ok(Command::Event(command))
}

fn parse_rsvp(rest: &str, prefix: &str) -> Result<Command, CommandError> {
    let (id, rest) = split_word(rest);
    let (answer, _) = split_word(rest);
    if id.is_empty() || answer.is_empty() {
        return Err(incomplete(prefix, "rsvp", "rsvp E12 going"));
    }
    let id = ShortId::parse(&id, IdKind::Event)?;
    let answer = RsvpAnswer::parse(&answer)
        .ok_or_else(|| unknown_option(prefix, "rsvp", &answer, &["going", "maybe", "no"]))?;
    Ok(Command::Rsvp { id, answer })
}

fn parse_mentor(rest: &str, prefix: &str) -> Result<Command, CommandError> {
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
    Ok(Command::Mentor(command))
}

fn edit_distance(a: &str, b: &str) -> usize {
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
    fn help_covers_every_command() {
        let help = help_text("!", None).unwrap();
        for command in COMMANDS {
            assert!(help.contains(&format!("`!{}`", command.name)));
            assert!(help_text("!", Some(command.name)).is_ok());
        }
    }
}
