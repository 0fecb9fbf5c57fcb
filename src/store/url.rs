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

impl DatabaseUrl {
    /// Accepts `postgres://…`, `postgresql://…`, `sqlite:…`, `:memory:` or a plain file path.
    pub fn parse(text: &str) -> DatabaseUrl {
        let text = text.trim();
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return DatabaseUrl {
                url: text.to_string(),
                backend: Backend::Postgres,
                file: None,
            };
        }
        if text == ":memory:" || text == "sqlite::memory:" || text == "sqlite://:memory:" {
            return DatabaseUrl {
                url: "sqlite::memory:".to_string(),
                backend: Backend::Sqlite,
                file: None,
            };
        }
        let path = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
            .unwrap_or(text);
        let path = path.split('?').next().unwrap_or(path);
        DatabaseUrl {
            url: format!("sqlite://{path}?mode=rwc"),
            backend: Backend::Sqlite,
            file: Some(PathBuf::from(path)),
        }
    }

    /// The default: `rounds.db` in the data directory.
    pub fn in_data_dir(data_dir: &Path, file: &str) -> DatabaseUrl {
        DatabaseUrl::parse(&data_dir.join(file).to_string_lossy())
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
            DatabaseUrl::parse("postgres://u:secret@h/db").backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://u:secret@h/db").redacted(),
            "postgres://u@h/db"
        );
        assert!(DatabaseUrl::parse(":memory:").is_memory());
        assert_eq!(
            DatabaseUrl::parse("data/rounds.db").as_str(),
            "sqlite://data/rounds.db?mode=rwc"
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:x.db").as_str(),
            "sqlite://x.db?mode=rwc"
        );
    }

    #[test]
    fn redaction_removes_a_password_holding_an_at_sign() {
        let url = DatabaseUrl::parse("postgres://u:p@ss@host/db");
        assert_eq!(url.redacted(), "postgres://u@host/db");
        let url = DatabaseUrl::parse("postgresql://u:a@b@c@host:5432/db?sslmode=require");
        assert_eq!(
            url.redacted(),
            "postgresql://u@host:5432/db?sslmode=require"
        );
    }

    #[test]
    fn redaction_removes_password_query_parameters() {
        let url = DatabaseUrl::parse("postgres://host/db?password=hunter2");
        assert_eq!(url.redacted(), "postgres://host/db?password=***");
        let url = DatabaseUrl::parse(
            "postgres://u@host/db?sslmode=verify-full&PassWord=hunter2&sslpassword=k3y&passfile=/run/pgpass",
        );
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
            DatabaseUrl::parse("postgres://u@host/db").redacted(),
            "postgres://u@host/db"
        );
    }
}
