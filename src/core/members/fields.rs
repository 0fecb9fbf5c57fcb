//! The free-text profile fields (specialty, hospital) as `!profile` and the welcome dialogue
//! both take them: one line, bounded, and never a patient identifier, since introductions show
//! them to others.

use crate::core::command::{MAX_PROFILE_TEXT, Stage, StageReading};
use crate::core::error::Refusal;

/// The member's text for `field`, trimmed, or a refusal that says what to change.
pub fn clean_text(text: &str, field: &str) -> Result<String, Refusal> {
    let text = text.trim();
    let length = text.chars().count();
    if length > MAX_PROFILE_TEXT {
        return Err(Refusal::said(format!(
            "That {field} is {length} characters long; I keep at most {MAX_PROFILE_TEXT}."
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(Refusal::said(format!(
            "Your {field} must be one line of text."
        )));
    }
    // Introductions show it to the member's pairings.
    crate::core::shared_text::check(text, field)?;
    Ok(text.to_string())
}

/// The stage a member typed, or the question back when it has two readings: `answer` shows how
/// to give one (a command, or the word alone in the welcome dialogue).
pub fn stage(
    reading: StageReading,
    typed: &str,
    answer: impl Fn(Stage) -> String,
) -> Result<Stage, Refusal> {
    match reading {
        StageReading::Is(stage) => Ok(stage),
        StageReading::Either(one, other) => Err(Refusal::said(format!(
            "`{}` can mean {} or {}, depending on where you train; which are you? Answer with {} or {}.",
            typed.trim().chars().take(40).collect::<String>(),
            one.as_str(),
            other.as_str(),
            answer(one),
            answer(other)
        ))),
    }
}
