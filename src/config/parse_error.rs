//! Reporting a config file that is not valid TOML without quoting a credential it holds.

use std::path::Path;

use anyhow::anyhow;

/// Key names whose values are credentials (`token`, `db_password`, `access_token`, `secret_key`...).
const SECRET_KEY_WORDS: [&str; 4] = ["token", "password", "secret", "key"];

fn is_secret_looking(key: &str) -> bool {
    let key = key.trim().trim_matches('"').to_ascii_lowercase();
    key.split(['_', '-', '.'])
        .any(|word| SECRET_KEY_WORDS.contains(&word))
}

/// The key assigned on a `key = value` line, if the line is one.
fn assigned_key(line: &str) -> Option<&str> {
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty() && !key.starts_with('#') && !key.starts_with('[')).then_some(key)
}

/// TOML's own error quotes the offending line (and serde's message can quote the value), so a
/// file that holds a credential gets only the place and the key: the file may be shared to ask
/// for help, the token must not travel with it.
pub(super) fn parse_error(path: &Path, text: &str, error: &toml::de::Error) -> anyhow::Error {
    let holds_secrets = text.lines().filter_map(assigned_key).any(is_secret_looking);
    if !holds_secrets {
        return anyhow!("{}: {error}", path.display());
    }
    let Some(span) = error.span() else {
        return anyhow!(
            "{}: the file is not valid TOML (details withheld: it holds secrets)",
            path.display()
        );
    };
    let start = span.start.min(text.len());
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    let key = text[line_start..]
        .lines()
        .next()
        .and_then(assigned_key)
        .map(|key| format!(" (key `{key}`)"))
        .unwrap_or_default();
    anyhow!(
        "{}: TOML parse error at line {line}, column {column}{key}; the line is not shown because \
         the file holds secrets (secrets belong in ROUNDS_* environment variables)",
        path.display()
    )
}
