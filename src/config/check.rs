//! What `rounds check-config` tests beyond parsing: that the database answers (and how far its
//! migrations are), that the data directory and the HTTP port can be used, and what is set but
//! probably not meant. Each finding names the setting and the fix.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::{Config, ENV_KEYS};
use crate::store::{Backend, DatabaseUrl, MigrationState, SqlStore};

/// `ROUNDS_*` variables read outside `ENV_KEYS`: by the command line itself.
pub const OTHER_ENV_KEYS: &[(&str, &str)] = &[("ROUNDS_CONFIG", "--config")];

/// Prefixes of variables the test suite and benchmarks read; never warned about.
const TOOLING_ENV_PREFIXES: [&str; 3] = ["ROUNDS_TEST_", "ROUNDS_BENCH_", "ROUNDS_DISCORD_SMOKE_"];

/// What `rounds run` says, and `check-config` warns, when no platform is configured.
pub const NO_PLATFORM_ADVICE: &str = "For Matrix set ROUNDS_MATRIX_HOMESERVER, ROUNDS_MATRIX_USER and ROUNDS_MATRIX_PASSWORD (or ROUNDS_MATRIX_ACCESS_TOKEN).\n\
     For Discord set ROUNDS_DISCORD_TOKEN.\n\
     To try Rounds without an account, run `rounds shell`.";

/// The configured platforms that `built` (the build's `platform::BUILT`) lacks, as the one line
/// `rounds run` and `check-config` give; None when the build runs all that is configured. A
/// build made without a platform must say so, not start without it as if it were not set.
pub fn left_out(config: &Config, built: &[&str]) -> Option<String> {
    // (stored name and cargo feature, name shown, configured, the settings that configure it)
    let platforms = [
        (
            "matrix",
            "Matrix",
            config.matrix.is_some(),
            "ROUNDS_MATRIX_HOMESERVER or [matrix]",
        ),
        (
            "discord",
            "Discord",
            config.discord.is_some(),
            "ROUNDS_DISCORD_TOKEN",
        ),
    ];
    let missing: Vec<_> = platforms
        .iter()
        .filter(|(name, _, set, _)| *set && !built.contains(name))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let names = missing
        .iter()
        .map(|p| p.1)
        .collect::<Vec<_>>()
        .join(" and ");
    let settings = missing.iter().map(|p| p.3).collect::<Vec<_>>().join("; ");
    let features = missing
        .iter()
        .map(|p| format!("`{}`", p.0))
        .collect::<Vec<_>>()
        .join(" and ");
    let (verb, pronoun, feature) = match missing.len() {
        1 => ("is", "it", "feature"),
        _ => ("are", "them", "features"),
    };
    let has: Vec<_> = platforms
        .iter()
        .filter(|(name, ..)| built.contains(name))
        .map(|p| p.1)
        .collect();
    let has = match has.as_slice() {
        [] => "the terminal shell only".to_string(),
        some => format!("{} only", some.join(" and ")),
    };
    Some(format!(
        "{names} {verb} configured ({settings}), but this build of Rounds leaves {pronoun} out (it has {has}): run a build with the cargo {feature} {features} (the default build has both platforms), or remove the {names} settings"
    ))
}

/// The outcome of every check.
#[derive(Debug, Default)]
pub struct Report {
    /// What stops Rounds from running as configured.
    pub errors: Vec<String>,
    /// What runs, but probably not as meant.
    pub warnings: Vec<String>,
    /// What was found, for the summary: `(label, value)`.
    pub facts: Vec<(String, String)>,
}

/// Runs every check on `config`; `env` is the process's `ROUNDS_*` environment.
pub async fn check(config: &Config, env: &HashMap<String, String>) -> Report {
    let mut report = Report {
        warnings: config.warnings.clone(),
        ..Report::default()
    };
    match data_dir(&config.data_dir, &config.origins.data_dir) {
        Ok(fact) => report.facts.push(("data directory".into(), fact)),
        Err(error) => report.errors.push(error),
    }
    database(config, &mut report).await;
    if let Some(http) = &config.http {
        match std::net::TcpListener::bind(http.bind) {
            Ok(listener) => {
                drop(listener);
                report
                    .facts
                    .push(("http".into(), format!("{} (port free)", http.bind)));
            }
            Err(e) => report.errors.push(format!(
                "{}: cannot listen on {}: {}: stop what is using it, or choose a free port",
                config.origins.http_bind,
                http.bind,
                match e.kind() {
                    ErrorKind::AddrInUse => "the port is already in use".to_string(),
                    _ => e.to_string(),
                }
            )),
        }
    }
    report.warnings.extend(unknown_variables(env));
    platforms(config, &mut report);
    report
}

/// The data directory must be writable, or creatable in a writable parent. Missing parents are
/// reported, not made: a typo in the path should not become a directory tree.
fn data_dir(dir: &Path, origin: &str) -> Result<String, String> {
    let shown = dir.display();
    if dir.exists() {
        if !dir.is_dir() {
            return Err(format!(
                "{origin}: {shown} is a file, not a directory: set data_dir (or ROUNDS_DATA_DIR) to a directory"
            ));
        }
        probe(dir).map_err(|e| {
            format!(
                "{origin}: cannot write in {shown} ({e}): make it writable by the user running \
                 Rounds, or set data_dir (or ROUNDS_DATA_DIR) to a directory it can write"
            )
        })?;
        return Ok(format!("{shown} (writable)"));
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        let mut missing = parent.clone();
        while let Some(up) = missing
            .parent()
            .filter(|up| !up.as_os_str().is_empty() && !up.exists())
        {
            missing = up.to_path_buf();
        }
        return Err(format!(
            "{origin}: {shown} does not exist, and neither does {}: create it (mkdir -p {shown}) \
             or set data_dir (or ROUNDS_DATA_DIR) to an existing directory",
            missing.display()
        ));
    }
    probe(&parent).map_err(|e| {
        format!(
            "{origin}: {shown} does not exist and cannot be created in {} ({e}): create it \
             yourself, writable by the user running Rounds",
            parent.display()
        )
    })?;
    Ok(format!(
        "{shown} (does not exist yet; created on first start)"
    ))
}

/// Creates and removes a file in `dir`.
fn probe(dir: &Path) -> std::io::Result<()> {
    let path = dir.join(format!(".rounds-check-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    std::fs::remove_file(&path)
}

async fn database(config: &Config, report: &mut Report) {
    let url = &config.database;
    let origin = &config.origins.database;
    let shown = url.redacted();
    if let Some(file) = url.file() {
        let directory = file.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(directory) = directory
            && !directory.is_dir()
            && directory != config.data_dir
        {
            report.errors.push(format!(
                "{origin}: the directory {} of the database file does not exist: create it, or \
                 correct database.url (or ROUNDS_DATABASE_URL)",
                directory.display()
            ));
            return;
        }
        if file.exists()
            && let Err(e) = std::fs::OpenOptions::new().write(true).open(file)
        {
            report.errors.push(format!(
                "{origin}: the database file {} cannot be written ({e}): make it writable by the \
                 user running Rounds",
                file.display()
            ));
        }
    }
    let state = match SqlStore::migration_state(url).await {
        Ok(state) => state,
        Err(e) => {
            let fix = match url.backend() {
                Backend::Postgres => {
                    "check the server is running and the host, port, user, password and \
                     database name in database.url (or ROUNDS_DATABASE_URL)"
                }
                Backend::Sqlite => {
                    "check the file is a Rounds SQLite database that can be read, or correct \
                     database.url (or ROUNDS_DATABASE_URL)"
                }
            };
            report.errors.push(format!("{origin}: {e:#}: {fix}"));
            return;
        }
    };
    report.facts.push(("database".into(), shown));
    report
        .facts
        .push(("migrations".into(), migration_summary(url, &state)));
    let names = |versions: &[i64]| {
        versions
            .iter()
            .map(|v| format!("{v:04}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for changed in &state.changed {
        report.errors.push(format!(
            "{origin}: migration {changed} differs from the one applied to this database: run \
             the Rounds release that made the database, or restore it from a backup"
        ));
    }
    if !state.failed.is_empty() {
        report.errors.push(format!(
            "{origin}: migration {} started and never finished: restore the database from a \
             backup (or complete the migration by hand and mark it successful in _sqlx_migrations)",
            names(&state.failed)
        ));
    }
    if !state.unknown.is_empty() {
        report.errors.push(format!(
            "{origin}: the database has migrations this build does not know ({}): it was \
             upgraded by a newer Rounds; run that version or newer",
            names(&state.unknown)
        ));
    }
}

fn migration_summary(url: &DatabaseUrl, state: &MigrationState) -> String {
    let pending: Vec<String> = state.pending.iter().map(ToString::to_string).collect();
    if url.is_memory() {
        return format!(
            "in memory: nothing is kept, and the {} migrations are applied at each start",
            pending.len()
        );
    }
    if !state.exists {
        return format!(
            "not created yet; {} pending, applied by `rounds migrate` or the first start",
            pending.len()
        );
    }
    if pending.is_empty() {
        return format!("{} applied, none pending (up to date)", state.applied.len());
    }
    format!(
        "{} applied, {} pending ({}), applied by `rounds migrate` or the next start",
        state.applied.len(),
        pending.len(),
        pending.join(", ")
    )
}

/// `ROUNDS_*` variables Rounds does not read: most often a typo, which silently leaves the
/// setting at its default.
fn unknown_variables(env: &HashMap<String, String>) -> Vec<String> {
    let known: Vec<&str> = ENV_KEYS
        .iter()
        .chain(OTHER_ENV_KEYS)
        .map(|(var, _)| *var)
        .collect();
    let mut unknown: Vec<&String> = env
        .keys()
        .filter(|var| var.starts_with("ROUNDS_"))
        .filter(|var| !known.contains(&var.as_str()))
        .filter(|var| !TOOLING_ENV_PREFIXES.iter().any(|p| var.starts_with(p)))
        .collect();
    unknown.sort();
    unknown
        .into_iter()
        .map(|var| {
            let nearest = known
                .iter()
                .map(|k| (strsim::levenshtein(var, k), *k))
                .filter(|(distance, _)| *distance <= 2)
                .min();
            match nearest {
                Some((_, name)) => format!(
                    "{var} is not a variable Rounds reads: did you mean {name}? Rename it, or its setting keeps its default"
                ),
                None => format!(
                    "{var} is not a variable Rounds reads (the README's Configuration section lists them): remove or rename it"
                ),
            }
        })
        .collect()
}

fn platforms(config: &Config, report: &mut Report) {
    if let Some(error) = left_out(config, crate::platform::BUILT) {
        report.errors.push(error);
    }
    let names = config.platforms();
    report.facts.push((
        "platforms".into(),
        names.clone().unwrap_or_else(|| "none".to_string()),
    ));
    if names.is_none() {
        report.warnings.push(format!(
            "no platform is configured, so `rounds run` has nothing to run.\n{NO_PLATFORM_ADVICE}"
        ));
    }
    #[cfg(feature = "discord")]
    if let Some(discord) = &config.discord {
        discord_invite(discord, report);
    }
    if config.matrix.is_none()
        && let Some(link) = config.matrix_links.first()
    {
        report.warnings.push(format!(
            "society `{}` has [societies.matrix] rooms, but Matrix is not configured: set \
             ROUNDS_MATRIX_HOMESERVER, ROUNDS_MATRIX_USER and a secret to use them",
            link.society
        ));
    }
    if config.discord.is_none()
        && let Some(link) = config.discord_links.first()
    {
        report.warnings.push(format!(
            "society `{}` has a [societies.discord] guild, but Discord is not configured: set \
             ROUNDS_DISCORD_TOKEN to use it",
            link.society
        ));
    }
}

/// The URL that adds the bot to a guild with the permissions Rounds uses. The client id is read
/// from the token without asking Discord (a bot token starts with the bot's id, which is its
/// application id), so checking needs no network.
#[cfg(feature = "discord")]
fn discord_invite(discord: &super::DiscordConfig, report: &mut Report) {
    use crate::platform::discord::permissions;
    let id = permissions::client_id_from_token(&discord.token);
    let url = permissions::invite_url(id);
    let url = match id {
        Some(_) => url,
        None => format!(
            "{url} (the token does not show the bot's id: put the Application ID from the \
             app's General Information page in the Discord Developer Portal in place of \
             <application id>)"
        ),
    };
    report.facts.push(("discord invite".into(), url));
    let granted = permissions::invite_permissions();
    report.facts.push((
        "discord permissions".into(),
        format!(
            "{} ({})",
            granted.get_permission_names().join(", "),
            granted.bits()
        ),
    ));
}
