//! The free-text profile fields (specialty, hospital) as `!profile` and the welcome dialogue
//! both take them: one line, bounded, and never a patient identifier, since introductions show
//! them to others.

use crate::core::command::MAX_PROFILE_TEXT;
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
