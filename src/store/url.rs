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

    /// The URL with any password removed, for messages and logs.
    pub fn redacted(&self) -> String {
        match (self.backend, self.url.split_once("://")) {
            (Backend::Postgres, Some((scheme, rest))) => match rest.split_once('@') {
                Some((user, host)) => {
                    let user = user.split(':').next().unwrap_or("");
                    format!("{scheme}://{user}@{host}")
                }
                None => self.url.clone(),
            },
            _ => self.url.clone(),
        }
    }
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
}
