//! `shoutout` and `milestone`: their table entries, what they parse to, and their parsers.

use super::spec::{CommandSpec, Form, Topic, Who};
use super::syntax::{incomplete, split_member, split_word, unknown_option};
use crate::core::error::CommandError;
use crate::core::short_id::{IdKind, ShortId};

pub(super) const SHOUTOUT: CommandSpec = CommandSpec {
    name: "shoutout",
    summary: "celebrate a colleague's news (they approve it first)",
    forms: &[
        Form {
            usage: "shoutout <member> <publication|exam|new-post|award|grant|talk|other> <text>",
            summary: "celebrate a colleague; it is posted once they approve",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "shoutout approve <id>",
            summary: "let a shout-out about you be posted (ids look like S3)",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "shoutout decline <id>",
            summary: "keep a shout-out about you from being posted",
            who: Who::Anyone,
            main: false,
        },
        Form {
            usage: "shoutout pending",
            summary: "shout-outs about you waiting for your answer",
            who: Who::Anyone,
            main: false,
        },
    ],
    examples: &[
        "shoutout @ana award Registrar of the year",
        "shoutout @ana publication Our sepsis audit is out: doi:10.5694/mja2.51234",
        "shoutout @ben new-post Starting as ED registrar at Westmead in February",
        "shoutout approve S3",
    ],
    topic: Some(Topic::Shoutouts),
};

pub(super) const MILESTONE: CommandSpec = CommandSpec {
    name: "milestone",
    summary: "share your own news in the celebrations room",
    forms: &[Form {
        usage: "milestone <publication|exam|new-post|award|grant|talk|other> <text>",
        summary: "posted straight away, and listed in the weekly digest",
        who: Who::Anyone,
        main: true,
    }],
    examples: &[
        "milestone exam Passed the FRACP written exam!",
        "milestone talk Presenting our audit at the ACEM ASM",
    ],
    topic: Some(Topic::Shoutouts),
};

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

/// `command` is `SHOUTOUT` or `MILESTONE`: its name and forms go into the errors.
fn parse_kind(
    rest: &str,
    prefix: &str,
    command: &CommandSpec,
) -> Result<(MilestoneKind, String), CommandError> {
    let example = match command.name {
        "milestone" => "milestone exam Passed the FRACP written exam!",
        _ => "shoutout @ana award Best registrar teaching award",
    };
    let (kind, text) = split_word(rest);
    if kind.is_empty() {
        return Err(incomplete(prefix, command, example));
    }
    let kinds: Vec<&str> = MilestoneKind::ALL.iter().map(|k| k.as_str()).collect();
    let kind = MilestoneKind::parse(&kind)
        .ok_or_else(|| unknown_option(prefix, command.name, &kind, &kinds))?;
    if text.is_empty() {
        return Err(incomplete(prefix, command, example));
    }
    Ok((kind, text.to_string()))
}

pub(super) fn parse_shoutout(rest: &str, prefix: &str) -> Result<ShoutoutCommand, CommandError> {
    let (verb, after) = split_word(rest);
    let id = |example: &'static str| -> Result<ShortId, CommandError> {
        let (id, _) = split_word(after);
        if id.is_empty() {
            return Err(incomplete(prefix, &SHOUTOUT, example));
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
                &SHOUTOUT,
                "shoutout @ana award Best registrar teaching award",
            ));
        }
        _ => {
            let (member, rest) = split_member(rest);
            let (kind, text) = parse_kind(rest, prefix, &SHOUTOUT)?;
            ShoutoutCommand::About { member, kind, text }
        }
    };
    Ok(command)
}

pub(super) fn parse_milestone(
    rest: &str,
    prefix: &str,
) -> Result<(MilestoneKind, String), CommandError> {
    parse_kind(rest, prefix, &MILESTONE)
}
