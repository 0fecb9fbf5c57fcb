//! `help`: its table entry and the topic it is asked about. The text itself is generated beside
//! the table (`table::help_text`), since it reads every entry.

use super::spec::{CommandSpec, Form};
use super::syntax::split_word;

pub(super) const HELP: CommandSpec = CommandSpec {
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
};

/// The command asked about, if any, without the prefix a member may have typed before it.
pub(super) fn parse_help(rest: &str, prefix: &str) -> Option<String> {
    match split_word(rest).0 {
        t if t.is_empty() => None,
        t => Some(t.trim_start_matches(prefix).to_string()),
    }
}
