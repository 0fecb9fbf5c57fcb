//! `help`: its table entry and the topic it is asked about. The pages themselves are generated
//! in `help_pages`, since they read every entry of the table, this one included.

use super::spec::{CommandSpec, Form, Who};
use super::syntax::split_word;

pub(super) const HELP: CommandSpec = CommandSpec {
    name: "help",
    summary: "what I can do, by job, or the details of one job or command",
    forms: &[
        Form {
            usage: "help",
            summary: "what I can do, by job, with an example each",
            who: Who::Anyone,
            main: true,
        },
        Form {
            usage: "help <topic>",
            summary: "a job (events, pairings...) or a command; add `more` for the rest",
            who: Who::Anyone,
            main: true,
        },
    ],
    examples: &["help events"],
    topic: None,
};

/// The topic asked about, if any (`events`, `remind`, `coffee more`), without the prefix a
/// member may have typed before a command's name.
pub(super) fn parse_help(rest: &str, prefix: &str) -> Option<String> {
    let (topic, rest) = split_word(rest);
    let topic = topic.trim_start_matches(prefix);
    if topic.is_empty() {
        return None;
    }
    Some(match split_word(rest).0.as_str() {
        "" => topic.to_string(),
        more => format!("{topic} {more}"),
    })
}
