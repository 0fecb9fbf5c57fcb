//! The word-level pieces every capability's parser is built from, and the errors they raise.

use super::spec::{CommandSpec, Form};
use crate::core::error::CommandError;

pub(super) fn first_word(text: &str) -> &str {
    text.split_whitespace().next().unwrap_or("")
}

/// Splits off the first word, returning it lowercased and the trimmed rest.
pub(super) fn split_word(text: &str) -> (String, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(at) => (text[..at].to_lowercase(), text[at..].trim()),
        None => (text.to_lowercase(), ""),
    }
}

/// Splits off a member as typed: the first word, kept in its case (ids are case-sensitive).
pub(super) fn split_member(text: &str) -> (String, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(at) => (text[..at].to_string(), text[at..].trim()),
        None => (text.to_string(), ""),
    }
}

/// `command` is the command's own table entry: its forms are the usage shown.
pub(super) fn incomplete(
    prefix: &str,
    command: &CommandSpec,
    example: &'static str,
) -> CommandError {
    // Only the forms of the sub-command the example shows, when it names one: a command with
    // many forms would otherwise answer with a wall of text.
    let verb = example.split_whitespace().nth(1);
    let same_verb: Vec<&Form> = command
        .forms
        .iter()
        .filter(|f| f.usage.split_whitespace().nth(1) == verb)
        .collect();
    let forms = if same_verb.is_empty() || command.forms.len() <= 4 {
        command.forms.iter().collect()
    } else {
        same_verb
    };
    let usage = forms
        .iter()
        .map(|f| format!("`{prefix}{}`", f.usage))
        .collect::<Vec<_>>()
        .join(" or ");
    CommandError::Incomplete {
        prefix: prefix.to_string(),
        command: command.name,
        usage,
        example,
    }
}

pub(super) fn unknown_option(
    prefix: &str,
    command: &'static str,
    given: &str,
    options: &[&str],
) -> CommandError {
    CommandError::UnknownOption {
        prefix: prefix.to_string(),
        command,
        given: given.chars().take(40).collect(),
        options: listed(options),
    }
}

/// Options as a reply lists them: "`a`, `b`, `c`".
fn listed(options: &[&str]) -> String {
    options
        .iter()
        .map(|o| format!("`{o}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A keyword's value that is none of the values it takes.
pub(super) fn not_one_of(what: &'static str, given: &str, options: &[&str]) -> CommandError {
    CommandError::NotOneOf {
        what,
        given: given.chars().take(40).collect(),
        options: listed(options),
    }
}

/// The words before any keyword, then each keyword with its value.
pub(super) type KeywordValues = (String, Vec<(&'static str, String)>);

/// Splits `2 weeks group surgery size 3` into the words before any keyword and each keyword's
/// value (the words up to the next keyword). A keyword given twice is refused.
pub(super) fn keyword_values<'a>(
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
