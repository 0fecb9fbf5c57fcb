//! The one rule for text a member typed that Rounds will show to someone else (a room reminder,
//! a shout-out, an event's title, a profile field in an introduction): no control or
//! text-direction characters, and no patient identifier.
//!
//! `Bot::handle` applies it to every command before the command runs, to the texts
//! `Command::shared_texts` names; that match has no catch-all arm, so a new command does not
//! compile until its author says which of its texts others will see. Features that take such
//! text outside a command (the welcome dialogue's answers) call [`check`] themselves.

use super::error::Refusal;
use super::identifiers;

/// Characters that reorder or hide what a reader sees: bidi embeddings, overrides, isolates
/// and marks. A reminder whose text runs right to left from the middle can make a post say
/// something other than what its author's name is shown beside.
fn reorders_text(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Control characters other than line breaks and tabs, which a longer post may fairly hold.
fn is_forbidden_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// Refuses `text` if Rounds should not show it to others. `what` names it for its author
/// ("reminder", "shout-out", "event title"). A patient identifier is a `Refusal::Withheld`, so
/// its reason goes to the author alone.
pub fn check(text: &str, what: &str) -> Result<(), Refusal> {
    if text
        .chars()
        .any(|c| reorders_text(c) || is_forbidden_control(c))
    {
        return Err(Refusal::said(format!(
            "Your {what} holds control or text-direction characters, which can change what others see. Please retype it as plain text; nothing was changed."
        )));
    }
    identifiers::guard(text, what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direction_and_control_characters_are_refused_but_line_breaks_and_emoji_are_not() {
        assert!(check("Well done \u{202E}reversed", "shout-out").is_err());
        assert!(check("a\u{2066}b", "reminder").is_err());
        assert!(check("bell\u{7}", "reminder").is_err());
        assert!(check("two\nlines\tand 👩‍⚕️", "shout-out").is_ok());
    }

    #[test]
    fn a_patient_identifier_is_withheld() {
        assert!(matches!(
            check("MRN 00123456 Mrs Jones", "reminder"),
            Err(Refusal::Withheld(_))
        ));
    }
}
