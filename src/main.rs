//! The `rounds` command line: run, shell, migrate, check-config.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono_tz::Tz;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use rounds::clock::Clock;
use rounds::config::Config;
use rounds::core::when;
use rounds::http::{CrossrefLookup, HttpFetcher};
use rounds::platform::Adapter;
use rounds::platform::discord::DiscordBot;
use rounds::platform::matrix::MatrixBot;
use rounds::platform::shell::{self, Shell};
use rounds::store::{DatabaseUrl, SqlStore};

/// Rounds: events, coffee pairings, shout-outs and reminders for medical societies.
#[derive(Parser)]
#[command(name = "rounds", version)]
struct Cli {
    /// TOML config file (also ROUNDS_CONFIG). Every setting can come from ROUNDS_* variables instead.
    #[arg(long, global = true, env = "ROUNDS_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the bot on the configured platforms.
    Run,
    /// Try Rounds in the terminal: one simulated society, no account needed.
    Shell {
        /// Database URL or path; `:memory:` keeps nothing. Default: shell.db in the data directory.
        #[arg(long)]
        db: Option<String>,
        /// The society's timezone (default: ROUNDS_TIMEZONE, else Australia/Sydney).
        #[arg(long)]
        timezone: Option<String>,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate {
        /// Database URL or path (default: the configured one).
        #[arg(long)]
        db: Option<String>,
    },
    /// Check the configuration and say what would run.
    CheckConfig,
}

/// The shell's society zone when none is configured: Rounds' first users are in Australia.
const SHELL_DEFAULT_ZONE: Tz = chrono_tz::Australia::Sydney;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let quiet = matches!(cli.command, Command::Shell { .. });
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| {
            // Rounds keeps its keys in its own store and uses no server-side key
            // backup, which matrix-sdk would otherwise warn about on every key it shares.
            let base = if quiet { "warn" } else { "info" };
            EnvFilter::new(format!("{base},matrix_sdk_crypto::backups=error"))
        }))
        .init();
    match run(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("rounds: {error:#}");
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::from_process(cli.config.as_deref())?;
    match cli.command {
        Command::Shell { db, timezone } => {
            let database = match db {
                Some(db) => DatabaseUrl::parse(&db),
                None => DatabaseUrl::in_data_dir(&config.data_dir, "shell.db"),
            };
            let zone = match timezone {
                Some(zone) => {
                    when::parse_zone(&zone).map_err(|e| anyhow::anyhow!("--timezone: {e}"))?
                }
                None if config.timezone_set => config.timezone,
                None => SHELL_DEFAULT_ZONE,
            };
            let store = SqlStore::open(&database).await?;
            eprintln!(
                "# Rounds shell: Demo Society ({}), you are @{} in {}. Type `help`, or /help for shell commands.",
                zone.name(),
                shell::FIRST_MEMBER,
                shell::ROOMS[0]
            );
            let mut settings = shell::settings(zone, &config.command_prefix);
            settings.event_reminders = config.event_reminders.clone();
            settings.feed_base = config.http.as_ref().map(|h| h.public_url.clone());
            settings.shoutout_digest = config.shoutout_digest.clone();
            let bot = Arc::new(
                rounds::core::Bot::new(Arc::new(store), settings)
                    .with_fetcher(Arc::new(HttpFetcher::with_policy(&config.import_fetch)?))
                    .with_doi_lookup(Arc::new(CrossrefLookup::new(&config.doi_api_base)?)),
            );
            let (_stop_http, http_shutdown) = tokio::sync::watch::channel(false);
            if let Some(http) = &config.http {
                let listener = tokio::net::TcpListener::bind(http.bind)
                    .await
                    .with_context(|| format!("[http] bind: cannot listen on {}", http.bind))?;
                eprintln!(
                    "# Calendar feeds, /healthz and /readyz at {}",
                    http.public_url
                );
                tokio::spawn(rounds::http::serve(
                    listener,
                    bot.clone(),
                    Clock::wall(),
                    http_shutdown,
                ));
            }
            let shell = Shell::with_bot(bot);
            let input = tokio::io::BufReader::new(tokio::io::stdin());
            shell::run(shell, input, tokio::io::stdout(), tokio::io::stderr()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { db } => {
            let database = db
                .map(|d| DatabaseUrl::parse(&d))
                .unwrap_or(config.database.clone());
            let store = SqlStore::open(&database)
                .await
                .with_context(|| format!("migrating {}", database.redacted()))?;
            store.close().await;
            println!("database {} is up to date", database.redacted());
            Ok(ExitCode::SUCCESS)
        }
        Command::CheckConfig => {
            println!("configuration is valid");
            println!("  data directory: {}", config.data_dir.display());
            println!("  database: {}", config.database.redacted());
            println!("  default timezone: {}", config.timezone.name());
            println!("  command prefix: {}", config.command_prefix);
            println!("  societies: {}", config.societies.len());
            println!(
                "  platforms: {}",
                platforms(&config).unwrap_or_else(|| "none".to_string())
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Run => {
            if platforms(&config).is_none() {
                eprintln!(
                    "rounds: no platform is configured, so there is nothing to run.\n\
                     For Matrix set ROUNDS_MATRIX_HOMESERVER, ROUNDS_MATRIX_USER and ROUNDS_MATRIX_PASSWORD (or ROUNDS_MATRIX_ACCESS_TOKEN).\n\
                     For Discord set ROUNDS_DISCORD_TOKEN.\n\
                     To try Rounds without an account, run `rounds shell`."
                );
                return Ok(ExitCode::from(2));
            }
            let store: Arc<dyn rounds::core::store::Store> =
                Arc::new(SqlStore::open(&config.database).await?);
            let bot = Arc::new(
                rounds::core::Bot::new(store, config.settings())
                    .with_fetcher(Arc::new(HttpFetcher::with_policy(&config.import_fetch)?))
                    .with_doi_lookup(Arc::new(CrossrefLookup::new(&config.doi_api_base)?)),
            );
            let runtime = Arc::new(rounds::runtime::Runtime::new(bot.clone()));
            let (stop, shutdown) = tokio::sync::watch::channel(false);
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    tracing::info!("stopping");
                    let _ = stop.send(true);
                }
            });
            let mut running = tokio::task::JoinSet::new();
            if let Some(http) = &config.http {
                let listener = tokio::net::TcpListener::bind(http.bind)
                    .await
                    .with_context(|| format!("[http] bind: cannot listen on {}", http.bind))?;
                running.spawn(rounds::http::serve_with_readiness(
                    listener,
                    bot.clone(),
                    Clock::wall(),
                    runtime.readiness().clone(),
                    shutdown.clone(),
                ));
            }
            let mut adapters: Vec<Arc<dyn Adapter>> = Vec::new();
            if let Some(matrix) = &config.matrix {
                let bot = MatrixBot::connect(
                    matrix,
                    config.matrix_links.clone(),
                    &config.data_dir,
                    runtime.clone(),
                    Clock::wall(),
                )
                .await?;
                adapters.push(bot.adapter.clone());
                running.spawn(bot.run(shutdown.clone()));
            }
            if let Some(discord) = &config.discord {
                let bot = DiscordBot::connect(
                    discord,
                    config.discord_links.clone(),
                    runtime.clone(),
                    Clock::wall(),
                )
                .await?;
                adapters.push(bot.adapter.clone());
                running.spawn(bot.run(shutdown.clone()));
            }
            // One loop fires due jobs and sends through every adapter.
            let drive_shutdown = shutdown.clone();
            running.spawn(async move {
                runtime
                    .drive(&adapters, &Clock::wall(), drive_shutdown)
                    .await;
                Ok(())
            });
            // The first adapter to stop (an error, or Ctrl-C) stops the process.
            let first = running.join_next().await;
            running.abort_all();
            match first {
                Some(Ok(Err(error))) => Err(error),
                Some(Err(error)) => Err(error.into()),
                _ => Ok(ExitCode::SUCCESS),
            }
        }
    }
}

fn platforms(config: &Config) -> Option<String> {
    let mut names = Vec::new();
    if config.matrix.is_some() {
        names.push("Matrix");
    }
    if config.discord.is_some() {
        names.push("Discord");
    }
    (!names.is_empty()).then(|| names.join(" and "))
}
