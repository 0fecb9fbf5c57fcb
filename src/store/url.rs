//! Which database a URL or path names.

use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database location, normalised to a URL sqlx understands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    backend: Backend,
    file: Option<PathBuf>,
}

/// What `DatabaseUrl::parse` accepts, for error messages.
pub const ACCEPTED_DATABASES: &str = "a postgres:// or postgresql:// URL, a sqlite: URL, a file \
     path, or :memory:";

/// The schemes a mistyped one is compared with.
const KNOWN_SCHEMES: [&str; 3] = ["postgres", "postgresql", "sqlite"];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DatabaseUrlError {
    #[error("the database URL is empty; use {ACCEPTED_DATABASES}")]
    Empty,
    #[error("`{scheme}:` is not a database Rounds can use{suggestion}; use {ACCEPTED_DATABASES}")]
    UnknownScheme { scheme: String, suggestion: String },
    #[error("`sqlite:` names no file; use sqlite:path/to/rounds.db or :memory:")]
    NoSqliteFile,
}

/// The scheme of `text` if it starts like a URL (`name:`), else None. One letter before the
/// colon is a Windows drive (`C:\data\rounds.db`), not a scheme.
fn scheme_of(text: &str) -> Option<&str> {
    let (scheme, _) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let starts_like_one = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    let rest_fits = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (starts_like_one && rest_fits && scheme.len() > 1).then_some(scheme)
}

impl DatabaseUrl {
    /// Accepts `postgres://…`, `postgresql://…`, `sqlite:…`, `:memory:` or a plain file path.
    /// Any other scheme is refused: read as a path it would become a file (and directories)
    /// named after a URL, which is never what was meant.
    pub fn parse(text: &str) -> Result<DatabaseUrl, DatabaseUrlError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(DatabaseUrlError::Empty);
        }
        if text == ":memory:" || text == "sqlite::memory:" || text == "sqlite://:memory:" {
            return Ok(DatabaseUrl {
                url: "sqlite::memory:".to_string(),
                backend: Backend::Sqlite,
                file: None,
            });
        }
        let path = match scheme_of(text).map(str::to_ascii_lowercase).as_deref() {
            Some("postgres" | "postgresql") if text.contains("://") => {
                return Ok(DatabaseUrl {
                    url: text.to_string(),
                    backend: Backend::Postgres,
                    file: None,
                });
            }
            Some("sqlite") => {
                let rest = &text["sqlite:".len()..];
                rest.strip_prefix("//").unwrap_or(rest)
            }
            Some(scheme) => return Err(unknown_scheme(scheme)),
            None => text,
        };
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() {
            return Err(DatabaseUrlError::NoSqliteFile);
        }
        Ok(DatabaseUrl {
            url: format!("sqlite://{path}?mode=rwc"),
            backend: Backend::Sqlite,
            file: Some(PathBuf::from(path)),
        })
    }

    /// The default: `rounds.db` in the data directory. A directory whose name looks like a URL
    /// is still a directory, so the path is taken as a path.
    pub fn in_data_dir(data_dir: &Path, file: &str) -> DatabaseUrl {
        let path = data_dir.join(file);
        DatabaseUrl {
            url: format!("sqlite://{}?mode=rwc", path.to_string_lossy()),
            backend: Backend::Sqlite,
            file: Some(path),
        }
    }

    /// The SQLite file, if this is one.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    pub fn as_str(&self) -> &str {
        &self.url
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn is_memory(&self) -> bool {
        self.backend == Backend::Sqlite && self.file.is_none()
    }

    pub fn create_parent_dir(&self) -> std::io::Result<()> {
        if let Some(parent) = self.file.as_deref().and_then(Path::parent)
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)?;
        }
        Ok(())
    }

    /// The URL with any password removed, for messages and logs: the one in the user part and
    /// the `password`/`sslpassword` query parameters libpq also reads.
    pub fn redacted(&self) -> String {
        match (self.backend, self.url.split_once("://")) {
            (Backend::Postgres, Some((scheme, rest))) => {
                let (before_query, query) = match rest.split_once('?') {
                    Some((before, query)) => (before, Some(query)),
                    None => (rest, None),
                };
                // The user part ends at the last `@`, as the `url` crate that sqlx uses reads it,
                // so a password holding an unescaped `@` is removed whole.
                let location = match before_query.rsplit_once('@') {
                    Some((user, host)) => {
                        let user = user.split(':').next().unwrap_or("");
                        format!("{user}@{host}")
                    }
                    None => before_query.to_string(),
                };
                match query {
                    Some(query) => format!("{scheme}://{location}?{}", redacted_query(query)),
                    None => format!("{scheme}://{location}"),
                }
            }
            _ => self.url.clone(),
        }
    }
}

fn unknown_scheme(scheme: &str) -> DatabaseUrlError {
    let suggestion = KNOWN_SCHEMES
        .iter()
        .map(|known| (strsim::levenshtein(scheme, known), *known))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, known)| match known {
            "sqlite" => " (did you mean sqlite:?)".to_string(),
            _ => format!(" (did you mean {known}://?)"),
        })
        .unwrap_or_default();
    DatabaseUrlError::UnknownScheme {
        scheme: scheme.to_string(),
        suggestion,
    }
}

/// Query parameters whose value is a credential (libpq's names; `passfile` is only a path).
const SECRET_PARAMETERS: [&str; 2] = ["password", "sslpassword"];

fn redacted_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if SECRET_PARAMETERS.contains(&name.to_ascii_lowercase().as_str()) => {
                format!("{name}=***")
            }
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_each_form() {
        assert_eq!(
            DatabaseUrl::parse("postgres://u:secret@h/db")
                .unwrap()
                .backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://u:secret@h/db")
                .unwrap()
                .redacted(),
            "postgres://u@h/db"
        );
        assert!(DatabaseUrl::parse(":memory:").unwrap().is_memory());
        assert_eq!(
            DatabaseUrl::parse("data/rounds.db").unwrap().as_str(),
            "sqlite://data/rounds.db?mode=rwc"
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:x.db").unwrap().as_str(),
            "sqlite://x.db?mode=rwc"
        );
    }

    #[test]
    fn unknown_schemes_are_refused_not_taken_for_paths() {
        for (text, hint) in [
            ("mysql://u@h/db", ""),
            ("postgress://u@h/db", "did you mean postgres://?"),
            ("postgres:u@h/db", "did you mean postgres://?"),
            ("sqlit:x.db", "did you mean sqlite:?"),
            ("https://example.org/db", ""),
        ] {
            let error = DatabaseUrl::parse(text).unwrap_err().to_string();
            assert!(
                error.contains("postgres://") && error.contains(":memory:"),
                "{error}"
            );
            assert!(error.contains(hint), "{text}: {error}");
        }
        assert_eq!(DatabaseUrl::parse("  "), Err(DatabaseUrlError::Empty));
        assert_eq!(
            DatabaseUrl::parse("sqlite:"),
            Err(DatabaseUrlError::NoSqliteFile)
        );
        assert_eq!(
            DatabaseUrl::parse(r"C:\rounds\rounds.db").unwrap().file(),
            Some(Path::new(r"C:\rounds\rounds.db"))
        );
        assert_eq!(
            DatabaseUrl::parse("SQLITE://x.db").unwrap().as_str(),
            "sqlite://x.db?mode=rwc"
        );
    }

    #[test]
    fn redaction_removes_a_password_holding_an_at_sign() {
        let url = DatabaseUrl::parse("postgres://u:p@ss@host/db").unwrap();
        assert_eq!(url.redacted(), "postgres://u@host/db");
        let url = DatabaseUrl::parse("postgresql://u:a@b@c@host:5432/db?sslmode=require").unwrap();
        assert_eq!(
            url.redacted(),
            "postgresql://u@host:5432/db?sslmode=require"
        );
    }

    #[test]
    fn redaction_removes_password_query_parameters() {
        let url = DatabaseUrl::parse("postgres://host/db?password=hunter2").unwrap();
        assert_eq!(url.redacted(), "postgres://host/db?password=***");
        let url = DatabaseUrl::parse(
            "postgres://u@host/db?sslmode=verify-full&PassWord=hunter2&sslpassword=k3y&passfile=/run/pgpass",
        )
        .unwrap();
        let redacted = url.redacted();
        assert!(
            !redacted.contains("hunter2") && !redacted.contains("k3y"),
            "{redacted}"
        );
        assert_eq!(
            redacted,
            "postgres://u@host/db?sslmode=verify-full&PassWord=***&sslpassword=***&passfile=/run/pgpass"
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://u@host/db")
                .unwrap()
                .redacted(),
            "postgres://u@host/db"
        );
    }
}
