//! The log subscriber: text or JSON lines on stderr, filtered by `RUST_LOG`.
//!
//! Rounds logs one info line per command, delivery and fired job (see `telemetry`); internals
//! stay at debug. Colour codes are written only to a terminal, so log files and journald get
//! plain text.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// The environment variable that picks the format.
pub const FORMAT_VAR: &str = "ROUNDS_LOG_FORMAT";

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{FORMAT_VAR} must be `text` or `json`, not `{0}`")]
pub struct UnknownFormat(String);

impl LogFormat {
    /// Reads the variable's value; unset or empty means text.
    pub fn parse(value: Option<&str>) -> Result<LogFormat, UnknownFormat> {
        match value.map(str::trim) {
            None | Some("") => Ok(LogFormat::Text),
            Some(v) if v.eq_ignore_ascii_case("text") => Ok(LogFormat::Text),
            Some(v) if v.eq_ignore_ascii_case("json") => Ok(LogFormat::Json),
            Some(other) => Err(UnknownFormat(other.to_string())),
        }
    }

    /// The format `ROUNDS_LOG_FORMAT` asks for.
    pub fn from_env() -> Result<LogFormat, UnknownFormat> {
        let value = std::env::var_os(FORMAT_VAR).map(|v| v.to_string_lossy().into_owned());
        LogFormat::parse(value.as_deref())
    }
}

/// Installs the process's subscriber on stderr. `quiet` (the shell, whose terminal is the
/// conversation) logs warnings and errors only unless `RUST_LOG` says otherwise.
pub fn init(format: LogFormat, quiet: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        // Rounds keeps its keys in its own store and uses no server-side key backup, which
        // matrix-sdk would otherwise warn about on every key it shares.
        let base = if quiet { "warn" } else { "info" };
        EnvFilter::new(format!("{base},matrix_sdk_crypto::backups=error"))
    });
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder.json().flatten_event(true).with_ansi(false).init(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_text_unless_json_is_asked_for() {
        assert_eq!(LogFormat::parse(None), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some("")), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some("text")), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some("JSON")), Ok(LogFormat::Json));
        let refused = LogFormat::parse(Some("xml")).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "ROUNDS_LOG_FORMAT must be `text` or `json`, not `xml`"
        );
    }
}
