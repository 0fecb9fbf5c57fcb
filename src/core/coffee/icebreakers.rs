//! Icebreaker prompts for introductions: a built-in list (`config/icebreakers.toml`), which a
//! society may replace with its own file.

use serde::Deserialize;

const DEFAULTS: &str = include_str!("../../../config/icebreakers.toml");
/// A prompt is one line in an introduction; longer ones are refused when the file is read.
pub const MAX_PROMPT_CHARS: usize = 300;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    prompts: Vec<String>,
}

/// The prompts in an icebreakers file, or why it cannot be used.
pub fn parse(text: &str) -> Result<Vec<String>, String> {
    let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
    let prompts: Vec<String> = file
        .prompts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if prompts.is_empty() {
        return Err("it lists no prompts; give at least one in `prompts = [...]`".to_string());
    }
    if let Some(long) = prompts
        .iter()
        .find(|p| p.chars().count() > MAX_PROMPT_CHARS)
    {
        return Err(format!(
            "a prompt is longer than {MAX_PROMPT_CHARS} characters: \"{}…\"",
            long.chars().take(40).collect::<String>()
        ));
    }
    if prompts.iter().any(|p| p.contains('\n')) {
        return Err("each prompt must be one line".to_string());
    }
    Ok(prompts)
}

pub fn defaults() -> Vec<String> {
    parse(DEFAULTS).unwrap_or_else(|_| vec!["What made you choose medicine?".to_string()])
}

/// The prompt for one group: spread over the list by the round's seed.
pub fn pick(prompts: &[String], seed: u64, group: usize) -> &str {
    if prompts.is_empty() {
        return "What made you choose medicine?";
    }
    let at = (seed as usize).wrapping_add(group.wrapping_mul(7)) % prompts.len();
    &prompts[at]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_list_reads_and_says_nothing_clinical() {
        let prompts = parse(DEFAULTS).unwrap();
        assert!(prompts.len() >= 10);
        for prompt in &prompts {
            let lower = prompt.to_lowercase();
            for word in ["patient", "case", "diagnos"] {
                assert!(!lower.contains(word), "{prompt}");
            }
        }
    }

    #[test]
    fn a_bad_file_says_why() {
        assert!(parse("prompts = []").unwrap_err().contains("no prompts"));
        assert!(parse("prompt = [\"x\"]").is_err());
        let long = format!("prompts = [\"{}\"]", "x".repeat(400));
        assert!(parse(&long).unwrap_err().contains("longer than"));
    }
}
