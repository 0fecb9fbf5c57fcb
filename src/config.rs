//! Configuration: a TOML file (all optional) overlaid by `ROUNDS_<SECTION>_<KEY>` environment
//! variables. Secrets (passwords, tokens) are read from the environment only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use chrono::Duration;
use chrono_tz::Tz;
use toml::Spanned;

use crate::core::coffee::icebreakers;
use crate::core::when;
use crate::core::{Settings, Society};
use crate::store::DatabaseUrl;

pub mod check;
pub mod commands;
mod file;
mod parse_error;
mod references;
use file::{FileConfig, Source};
use parse_error::parse_error;
pub use references::DEFAULT_SOCIETY_KEY;

/// The HTTP server for calendar feeds and health checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpConfig {
    pub bind: std::net::SocketAddr,
    pub public_url: String,
}

/// A society's Discord guild and channels, as configured.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiscordLink {
    pub society: String,
    pub guild: u64,
    pub announcements: Option<u64>,
    pub celebrations: Option<u64>,
    pub pairing: Option<u64>,
    pub admin_channel: Option<u64>,
    pub committee_role: Option<u64>,
    pub allow_mass_mentions: bool,
    pub scheduled_events: bool,
    /// Group name → the role it grants.
    pub group_roles: std::collections::BTreeMap<String, u64>,
}

/// A society's Matrix rooms, as configured.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MatrixLink {
    pub society: String,
    pub space: Option<String>,
    pub rooms: Vec<String>,
    pub admin_room: Option<String>,
    pub announcements: Option<String>,
    pub celebrations: Option<String>,
    /// Group name → the room its members are invited to.
    pub group_rooms: std::collections::BTreeMap<String, String>,
    pub allowed_servers: Vec<String>,
}

#[derive(Clone)]
pub struct MatrixConfig {
    pub homeserver: String,
    pub user: String,
    pub password: Option<String>,
    pub access_token: Option<String>,
    /// Unlocks the account's existing cross-signing keys on a new device (a redeployment).
    pub recovery_key: Option<String>,
}

#[derive(Clone)]
pub struct DiscordConfig {
    pub token: String,
    pub api_base: Option<String>,
    /// This process's shards: `first..=last` of `total`. One process runs all: `0..=0` of 1.
    pub shards: ShardRange,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardRange {
    pub first: u32,
    pub last: u32,
    pub total: u32,
}

impl ShardRange {
    pub const ALL: ShardRange = ShardRange {
        first: 0,
        last: 0,
        total: 1,
    };

    /// `"0-3/8"`: shards 0 to 3 of 8; `"5/8"`: shard 5 of 8.
    pub fn parse(text: &str) -> Option<ShardRange> {
        let (range, total) = text.trim().split_once('/')?;
        let total: u32 = total.trim().parse().ok()?;
        let (first, last) = match range.split_once('-') {
            Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
            None => {
                let one: u32 = range.trim().parse().ok()?;
                (one, one)
            }
        };
        (first <= last && last < total).then_some(ShardRange { first, last, total })
    }
}

/// Secrets never reach a log line, even through `{:?}`.
impl std::fmt::Debug for MatrixConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatrixConfig")
            .field("homeserver", &self.homeserver)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "recovery_key",
                &self.recovery_key.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl std::fmt::Debug for DiscordConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordConfig")
            .field("token", &"<redacted>")
            .field("api_base", &self.api_base)
            .field("shards", &self.shards)
            .finish()
    }
}

/// Where the settings `check-config` tests came from, as error messages name them.
#[derive(Clone, Debug)]
pub struct Origins {
    pub data_dir: String,
    pub database: String,
    pub http_bind: String,
}

impl Default for Origins {
    fn default() -> Self {
        Origins {
            data_dir: "`data_dir` (default: \"data\")".to_string(),
            database:
                "`database.url` (default: rounds.db in data_dir; set it or ROUNDS_DATABASE_URL)"
                    .to_string(),
            http_bind: "`http.bind`".to_string(),
        }
    }
}

/// The validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub origins: Origins,
    /// What runs but probably not as meant; `check-config` prints these.
    pub warnings: Vec<String>,
    pub data_dir: PathBuf,
    pub database: DatabaseUrl,
    /// The zone of rooms that belong to no configured society.
    pub timezone: Tz,
    /// Whether a timezone was set at all (the shell has its own default otherwise).
    pub timezone_set: bool,
    pub command_prefix: String,
    pub catch_up: Duration,
    pub late_after: Duration,
    pub icebreakers: Vec<String>,
    /// How long before an event its reminders go out.
    pub event_reminders: Vec<Duration>,
    pub http: Option<HttpConfig>,
    pub import_fetch: crate::http::FetchPolicy,
    /// As `when::Rule` text; None: no digest.
    pub shoutout_digest: Option<String>,
    /// Where DOIs are looked up (the Crossref REST API).
    pub doi_api_base: String,
    pub societies: Vec<Society>,
    pub matrix: Option<MatrixConfig>,
    pub matrix_links: Vec<MatrixLink>,
    pub discord_links: Vec<DiscordLink>,
    pub discord: Option<DiscordConfig>,
}

/// The environment variables read, and where each one goes. Kept in one list so the example
/// config and the README can name them all.
pub const ENV_KEYS: &[(&str, &str)] = &[
    ("ROUNDS_DATA_DIR", "data_dir"),
    ("ROUNDS_TIMEZONE", "timezone"),
    ("ROUNDS_COMMAND_PREFIX", "command_prefix"),
    ("ROUNDS_DATABASE_URL", "database.url"),
    ("ROUNDS_SCHEDULER_CATCH_UP", "scheduler.catch_up"),
    ("ROUNDS_SCHEDULER_LATE_AFTER", "scheduler.late_after"),
    ("ROUNDS_COFFEE_ICEBREAKERS", "coffee.icebreakers"),
    ("ROUNDS_EVENTS_REMINDERS", "events.reminders"),
    ("ROUNDS_HTTP_BIND", "http.bind"),
    ("ROUNDS_HTTP_PUBLIC_URL", "http.public_url"),
    (
        "ROUNDS_HTTP_ALLOWED_IMPORT_HOSTS",
        "http.allowed_import_hosts",
    ),
    ("ROUNDS_SHOUTOUTS_DIGEST", "shoutouts.digest"),
    ("ROUNDS_DOI_API_BASE", "shoutouts.doi_api_base"),
    ("ROUNDS_MATRIX_HOMESERVER", "matrix.homeserver"),
    ("ROUNDS_MATRIX_USER", "matrix.user"),
    ("ROUNDS_MATRIX_PASSWORD", "matrix.password (secret)"),
    ("ROUNDS_MATRIX_ACCESS_TOKEN", "matrix.access_token (secret)"),
    (
        "ROUNDS_MATRIX_RECOVERY_KEY",
        "the Matrix account's recovery key (secret, environment only)",
    ),
    ("ROUNDS_DISCORD_TOKEN", "discord.token (secret)"),
    ("ROUNDS_DISCORD_API_BASE", "discord.api_base"),
    ("ROUNDS_DISCORD_SHARDS", "discord.shards"),
    (
        "ROUNDS_LOG_FORMAT",
        "log format: text or json (environment only)",
    ),
];

impl Config {
    /// Loads `file` if given, then applies the environment in `env`.
    pub fn load(file: Option<&Path>, env: &HashMap<String, String>) -> anyhow::Result<Config> {
        let (text, parsed) = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the config file {}", path.display()))?;
                let parsed: FileConfig =
                    toml::from_str(&text).map_err(|e| parse_error(path, &text, &e))?;
                (text, parsed)
            }
            None => (String::new(), FileConfig::default()),
        };
        let path = file.unwrap_or(Path::new("<none>"));
        let from_file = |span: std::ops::Range<usize>| Source::File {
            path,
            text: &text,
            span,
        };
        let pick =
            |var: &'static str, value: &Option<Spanned<String>>| -> Option<(String, Source<'_>)> {
                if let Some(v) = env.get(var).filter(|v| !v.is_empty()) {
                    return Some((v.clone(), Source::Env(var)));
                }
                value
                    .as_ref()
                    .map(|s| (s.get_ref().clone(), from_file(s.span())))
            };

        refuse_file_secret(
            &parsed.matrix.as_ref().and_then(|m| m.password.clone()),
            "matrix.password",
            "ROUNDS_MATRIX_PASSWORD",
            &from_file,
        )?;
        refuse_file_secret(
            &parsed.matrix.as_ref().and_then(|m| m.access_token.clone()),
            "matrix.access_token",
            "ROUNDS_MATRIX_ACCESS_TOKEN",
            &from_file,
        )?;
        refuse_file_secret(
            &parsed.discord.as_ref().and_then(|d| d.token.clone()),
            "discord.token",
            "ROUNDS_DISCORD_TOKEN",
            &from_file,
        )?;

        let data_dir = PathBuf::from(
            pick("ROUNDS_DATA_DIR", &parsed.data_dir)
                .map(|(v, _)| v)
                .unwrap_or_else(|| "data".to_string()),
        );
        let mut origins = Origins::default();
        let mut early_warnings = Vec::new();
        if let Some((_, source)) = pick("ROUNDS_DATA_DIR", &parsed.data_dir) {
            origins.data_dir = source.describe("data_dir");
        }
        let database = match pick("ROUNDS_DATABASE_URL", &parsed.database.url) {
            Some((url, source)) => {
                origins.database = source.describe("database.url");
                DatabaseUrl::parse(&url).map_err(|e| anyhow!("{}: {e}", origins.database))?
            }
            None => DatabaseUrl::in_data_dir(&data_dir, "rounds.db"),
        };
        let (timezone, timezone_set) = match pick("ROUNDS_TIMEZONE", &parsed.timezone) {
            Some((zone, source)) => (zone_at(&zone, &source, "timezone")?, true),
            None => (Tz::UTC, false),
        };
        let command_prefix = match pick("ROUNDS_COMMAND_PREFIX", &parsed.command_prefix) {
            Some((prefix, source)) => {
                if prefix.is_empty()
                    || prefix.chars().count() > 3
                    || prefix.chars().any(char::is_whitespace)
                {
                    bail!(
                        "{} must be 1 to 3 characters without spaces, like `!`",
                        source.describe("command_prefix")
                    );
                }
                prefix
            }
            None => "!".to_string(),
        };
        let catch_up = duration_at(
            pick("ROUNDS_SCHEDULER_CATCH_UP", &parsed.scheduler.catch_up),
            "scheduler.catch_up",
            Duration::days(7),
        )?;
        let late_after = duration_at(
            pick("ROUNDS_SCHEDULER_LATE_AFTER", &parsed.scheduler.late_after),
            "scheduler.late_after",
            Duration::minutes(2),
        )?;
        if late_after >= catch_up {
            early_warnings.push(format!(
                "`scheduler.late_after` ({}) is not shorter than `scheduler.catch_up` ({}): a job \
                 that late is not sent at all, so none is ever labelled late. Make late_after the shorter",
                crate::core::time_format::span(late_after),
                crate::core::time_format::span(catch_up)
            ));
        }
        let icebreakers = match pick("ROUNDS_COFFEE_ICEBREAKERS", &parsed.coffee.icebreakers) {
            Some((file, source)) => {
                let described = source.describe("coffee.icebreakers");
                let text = std::fs::read_to_string(&file)
                    .with_context(|| format!("{described}: cannot read {file}"))?;
                icebreakers::parse(&text).map_err(|e| anyhow!("{described}: {file}: {e}"))?
            }
            None => icebreakers::defaults(),
        };

        let event_reminders = match pick("ROUNDS_EVENTS_REMINDERS", &parsed.events.reminders) {
            Some((text, source)) => {
                let described = source.describe("events.reminders");
                let mut offsets = Vec::new();
                for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let offset = when::parse_duration(part).map_err(|e| {
                        anyhow!("{described}: `{part}` is not a duration like 24h or 90m ({e})")
                    })?;
                    if offset > Duration::days(60) {
                        bail!("{described}: `{part}` is more than 60 days before the event");
                    }
                    offsets.push(offset);
                }
                if offsets.len() > 5 {
                    bail!("{described}: at most 5 reminders, e.g. \"24h,1h\"");
                }
                offsets
            }
            None => crate::core::context::DEFAULT_EVENT_REMINDERS.to_vec(),
        };
        let http = match pick("ROUNDS_HTTP_BIND", &parsed.http.bind) {
            Some((bind, source)) => {
                origins.http_bind = source.describe("http.bind");
                let bind: std::net::SocketAddr = bind.parse().map_err(|_| {
                    anyhow!(
                        "{} must be an address and port like \"127.0.0.1:8080\"",
                        source.describe("http.bind")
                    )
                })?;
                let public_url = pick("ROUNDS_HTTP_PUBLIC_URL", &parsed.http.public_url)
                    .map(|(url, _)| url.trim_end_matches('/').to_string())
                    .unwrap_or_else(|| format!("http://{bind}"));
                Some(HttpConfig { bind, public_url })
            }
            None => {
                if let Some((_, source)) = pick("ROUNDS_HTTP_PUBLIC_URL", &parsed.http.public_url) {
                    early_warnings.push(format!(
                        "{} is set but `http.bind` is not, so no server runs: set http.bind (or ROUNDS_HTTP_BIND) too",
                        source.describe("http.public_url")
                    ));
                }
                None
            }
        };
        let import_fetch = crate::http::FetchPolicy::allowing_listed(
            set(env, "ROUNDS_HTTP_ALLOWED_IMPORT_HOSTS"),
            parsed.http.allowed_import_hosts.clone(),
        );

        let shoutout_digest = match pick("ROUNDS_SHOUTOUTS_DIGEST", &parsed.shoutouts.digest) {
            Some((text, _)) if text.trim().eq_ignore_ascii_case("off") => None,
            Some((text, source)) => {
                let described = source.describe("shoutouts.digest");
                let rule = when::parse(&text, chrono::Utc::now(), timezone)
                    .ok()
                    .and_then(|schedule| schedule.rule)
                    .ok_or_else(|| {
                        anyhow!("{described}: `{text}` is not a repeating schedule like \"every Friday 16:00\"")
                    })?;
                Some(rule.to_text())
            }
            None => Some(crate::core::context::DEFAULT_SHOUTOUT_DIGEST.to_string()),
        };
        let doi_api_base = pick("ROUNDS_DOI_API_BASE", &parsed.shoutouts.doi_api_base)
            .map(|(url, _)| url.trim_end_matches('/').to_string())
            .unwrap_or_else(|| "https://api.crossref.org".to_string());

        let references = references::check(&parsed.societies, &from_file);
        if !references.errors.is_empty() {
            bail!("{}", references.errors.join("\n"));
        }
        let mut warnings = early_warnings;
        warnings.extend(references.warnings);
        let mut societies = Vec::new();
        let mut matrix_links = Vec::new();
        let mut discord_links = Vec::new();
        for section in &parsed.societies {
            let key = section.key.get_ref().trim().to_string();
            if key.is_empty() || societies.iter().any(|s: &Society| s.key == key) {
                bail!(
                    "{} must be a non-empty key used by one society only",
                    from_file(section.key.span()).describe("societies.key")
                );
            }
            let zone = match &section.timezone {
                Some(zone) => zone_at(
                    zone.get_ref(),
                    &from_file(zone.span()),
                    "societies.timezone",
                )?,
                None => timezone,
            };
            if let Some(d) = &section.discord {
                let id = |value: &Option<Spanned<u64>>| value.as_ref().map(|v| *v.get_ref());
                discord_links.push(DiscordLink {
                    society: key.clone(),
                    guild: *d.guild.get_ref(),
                    announcements: id(&d.announcements),
                    celebrations: id(&d.celebrations),
                    pairing: id(&d.pairing),
                    admin_channel: id(&d.admin_channel),
                    committee_role: id(&d.committee_role),
                    allow_mass_mentions: d.allow_mass_mentions,
                    scheduled_events: d.scheduled_events,
                    group_roles: d
                        .group_roles
                        .iter()
                        .map(|(group, role)| (group.clone(), *role.get_ref()))
                        .collect(),
                });
            }
            if let Some(m) = &section.matrix {
                let room =
                    |value: &Option<Spanned<String>>| value.as_ref().map(|v| v.get_ref().clone());
                matrix_links.push(MatrixLink {
                    society: key.clone(),
                    space: room(&m.space),
                    rooms: m.rooms.iter().map(|r| r.get_ref().clone()).collect(),
                    admin_room: room(&m.admin_room),
                    announcements: room(&m.announcements),
                    celebrations: room(&m.celebrations),
                    group_rooms: m
                        .group_rooms
                        .iter()
                        .map(|(group, room)| (group.clone(), room.get_ref().clone()))
                        .collect(),
                    allowed_servers: m.allowed_servers.clone(),
                });
            }
            let mut groups = Vec::new();
            for (answer, group) in &section.group_for {
                groups.push((answer.trim().to_lowercase(), group.get_ref().clone()));
            }
            let stay_in_touch = match &section.stay_in_touch {
                Some(text) => Some(
                    when::parse_setting_span(text.get_ref())
                        .ok()
                        .filter(|d| *d >= Duration::days(7) && *d <= Duration::days(3 * 366))
                        .ok_or_else(|| {
                            anyhow!(
                                "{} must be a span between 1 week and 3 years, like \"3 months\" (a month counts as 30 days)",
                                from_file(text.span()).describe("societies.stay_in_touch")
                            )
                        })?,
                ),
                None => None,
            };
            societies.push(Society {
                welcome: crate::core::Welcome {
                    text: section.welcome.clone(),
                    code_of_conduct: section.code_of_conduct.clone(),
                    groups,
                },
                stay_in_touch,
                name: section.name.clone().unwrap_or_else(|| key.clone()),
                key,
                timezone: zone,
                committee: section.committee.clone(),
                committee_roles: section
                    .discord
                    .as_ref()
                    .and_then(|d| d.committee_role.as_ref())
                    .map(|role| vec![role.to_string()])
                    .unwrap_or_default(),
                organisers: section.organisers.clone(),
                organiser_roles: section
                    .discord
                    .as_ref()
                    .and_then(|d| d.organiser_role.as_ref())
                    .map(|role| vec![role.to_string()])
                    .unwrap_or_default(),
            });
        }

        let matrix_file = parsed.matrix.unwrap_or_default();
        let matrix_homeserver = set(env, "ROUNDS_MATRIX_HOMESERVER").or(matrix_file.homeserver);
        let matrix_user = set(env, "ROUNDS_MATRIX_USER").or(matrix_file.user);
        let matrix = match (
            matrix_homeserver.filter(|v| !v.is_empty()),
            matrix_user.filter(|v| !v.is_empty()),
        ) {
            (Some(homeserver), Some(user)) => Some(MatrixConfig {
                homeserver,
                user,
                password: set(env, "ROUNDS_MATRIX_PASSWORD"),
                access_token: set(env, "ROUNDS_MATRIX_ACCESS_TOKEN"),
                recovery_key: set(env, "ROUNDS_MATRIX_RECOVERY_KEY"),
            }),
            (None, None) => None,
            _ => bail!(
                "Matrix needs both a homeserver and a user: set ROUNDS_MATRIX_HOMESERVER and ROUNDS_MATRIX_USER (or [matrix] homeserver and user)"
            ),
        };
        if let Some(m) = &matrix
            && m.password.is_none()
            && m.access_token.is_none()
        {
            bail!(
                "Matrix is configured for {} but has no secret: set ROUNDS_MATRIX_PASSWORD or ROUNDS_MATRIX_ACCESS_TOKEN",
                m.user
            );
        }
        let discord_file = parsed.discord.unwrap_or_default();
        let shards = match pick("ROUNDS_DISCORD_SHARDS", &discord_file.shards) {
            Some((text, source)) => ShardRange::parse(&text).ok_or_else(|| {
                anyhow!(
                    "{} must look like \"0-3/8\" (shards 0 to 3 of 8) or \"5/8\"",
                    source.describe("discord.shards")
                )
            })?,
            None => ShardRange::ALL,
        };
        let discord = set(env, "ROUNDS_DISCORD_TOKEN").map(|token| DiscordConfig {
            token,
            api_base: set(env, "ROUNDS_DISCORD_API_BASE").or(discord_file.api_base.clone()),
            shards,
        });

        Ok(Config {
            origins,
            warnings,
            data_dir,
            database,
            timezone,
            timezone_set,
            command_prefix,
            catch_up,
            late_after,
            icebreakers,
            event_reminders,
            http,
            import_fetch,
            shoutout_digest,
            doi_api_base,
            societies,
            matrix,
            matrix_links,
            discord_links,
            discord,
        })
    }

    /// Loads from the process environment.
    pub fn from_process(file: Option<&Path>) -> anyhow::Result<Config> {
        let env: HashMap<String, String> = std::env::vars()
            .filter(|(k, _)| k.starts_with("ROUNDS_"))
            .collect();
        Config::load(file, &env)
    }

    /// The configured platforms, as "Matrix and Discord"; None when there are none.
    pub fn platforms(&self) -> Option<String> {
        let mut names = Vec::new();
        if self.matrix.is_some() {
            names.push("Matrix");
        }
        if self.discord.is_some() {
            names.push("Discord");
        }
        (!names.is_empty()).then(|| names.join(" and "))
    }

    /// The core's settings for a running bot.
    pub fn settings(&self) -> Settings {
        let default = Society {
            key: DEFAULT_SOCIETY_KEY.to_string(),
            name: "this community".to_string(),
            timezone: self.timezone,
            committee: Vec::new(),
            committee_roles: Vec::new(),
            organisers: Vec::new(),
            organiser_roles: Vec::new(),
            welcome: Default::default(),
            stay_in_touch: None,
        };
        let mut settings = Settings::new(default);
        settings.prefix = self.command_prefix.clone();
        settings.catch_up = self.catch_up;
        settings.late_after = self.late_after;
        settings.icebreakers = self.icebreakers.clone();
        settings.event_reminders = self.event_reminders.clone();
        settings.feed_base = self.http.as_ref().map(|h| h.public_url.clone());
        settings.shoutout_digest = self.shoutout_digest.clone();
        for society in &self.societies {
            settings
                .societies
                .insert(society.key.clone(), society.clone());
        }
        settings
    }
}

/// An environment variable's value; an empty one counts as unset.
fn set(env: &HashMap<String, String>, var: &str) -> Option<String> {
    env.get(var).filter(|v| !v.is_empty()).cloned()
}

fn refuse_file_secret<'a>(
    value: &Option<Spanned<String>>,
    key: &str,
    var: &str,
    from_file: &dyn Fn(std::ops::Range<usize>) -> Source<'a>,
) -> anyhow::Result<()> {
    if let Some(secret) = value {
        bail!(
            "{} is a secret and is read from the environment only: remove it from the file and set {var}",
            from_file(secret.span()).describe(key)
        );
    }
    Ok(())
}

fn zone_at(text: &str, source: &Source<'_>, key: &str) -> anyhow::Result<Tz> {
    when::parse_zone(text).map_err(|e| anyhow!("{} is not a timezone: {e}", source.describe(key)))
}

fn duration_at(
    value: Option<(String, Source<'_>)>,
    key: &str,
    default: Duration,
) -> anyhow::Result<Duration> {
    match value {
        Some((text, source)) => when::parse_duration(&text)
            .map_err(|e| anyhow!("{} is not a duration: {e}", source.describe(key))),
        None => Ok(default),
    }
}

#[cfg(test)]
mod tests;
