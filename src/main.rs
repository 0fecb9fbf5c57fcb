//! The `rounds` command line: run, shell, migrate, check-config.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use chrono_tz::Tz;
use clap::{Parser, Subcommand};

use rounds::clock::Clock;
use rounds::config::{Config, commands};
use rounds::core::when;
use rounds::http::{CrossrefLookup, HttpFetcher};
use rounds::platform::Adapter;
#[cfg(feature = "discord")]
use rounds::platform::discord::DiscordBot;
#[cfg(feature = "matrix")]
use rounds::platform::matrix::MatrixBot;
use rounds::platform::shell::{self, Shell};
use rounds::stop::{self, DRAIN_DEADLINE, StopSignals, Tasks};
use rounds::store::{DatabaseLock, DatabaseUrl, LockMode, SqlStore};
use rounds::telemetry::logs::{self, LogFormat};
use tokio::time::Instant;

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
        /// Open a database that holds a live deployment's Discord or Matrix data. The shell
        /// still fires and sends only its own; theirs are left for `rounds run`.
        #[arg(long)]
        inspect: bool,
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
    let format = match LogFormat::from_env() {
        Ok(format) => format,
        Err(error) => {
            eprintln!("rounds: {error}");
            return ExitCode::from(2);
        }
    };
    logs::init(format, quiet);
    // Installed before anything is counted, so the first commands are in /metrics too.
    rounds::telemetry::metrics::handle();
    match run(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("rounds: {error:#}");
            ExitCode::from(1)
        }
    }
}

/// The platforms `rounds run` connects to: the ones whose jobs and sends it takes. Called once
/// `left_out` has found every configured platform in this build.
#[cfg_attr(
    not(any(feature = "matrix", feature = "discord")),
    allow(unused_mut, unused_variables)
)]
fn platforms_of(config: &Config) -> Vec<&'static str> {
    let mut platforms = Vec::new();
    #[cfg(feature = "discord")]
    if config.discord.is_some() {
        platforms.push(rounds::platform::discord::PLATFORM);
    }
    #[cfg(feature = "matrix")]
    if config.matrix.is_some() {
        platforms.push(rounds::platform::matrix::PLATFORM);
    }
    platforms
}

/// A shell on a live deployment's database would act on it at a simulated time: it is opened
/// only when asked, and even then fires and sends only the shell's own jobs.
async fn refuse_live_data(store: &SqlStore, inspect: bool) -> anyhow::Result<()> {
    use rounds::core::store::UpkeepStore;
    let live: Vec<String> = store
        .platforms_in_use()
        .await?
        .into_iter()
        .filter(|platform| platform != shell::PLATFORM)
        .collect();
    if live.is_empty() {
        return Ok(());
    }
    let names = live.join(" and ");
    if inspect {
        eprintln!(
            "# This database holds {names} data. The shell leaves its jobs and sends alone: they are for `rounds run`."
        );
        return Ok(());
    }
    anyhow::bail!(
        "this database holds {names} data (jobs or messages of a running deployment); the shell would act on it at a simulated time. Use a database of its own (the default, or --db :memory:), or add --inspect to open it anyway: the shell then fires and sends only its own jobs, never {names}'s."
    )
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::from_process(cli.config.as_deref())?;
    match cli.command {
        Command::Shell {
            db,
            timezone,
            inspect,
        } => {
            let database = match db {
                Some(db) => commands::db_flag(&db)?,
                None => DatabaseUrl::in_data_dir(&config.data_dir, "shell.db"),
            };
            let zone = match timezone {
                Some(zone) => {
                    when::parse_zone(&zone).map_err(|e| anyhow::anyhow!("--timezone: {e}"))?
                }
                None if config.timezone_set => config.timezone,
                None => SHELL_DEFAULT_ZONE,
            };
            // Shared: shells may share a file, but not with a run (see `DatabaseLock`).
            let _lock = DatabaseLock::take(&database, LockMode::Shared)?;
            let store = SqlStore::open(&database).await?;
            refuse_live_data(&store, inspect).await?;
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
                    "# Calendar feeds, /healthz, /readyz and /metrics at {}",
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
        Command::Migrate { db } => commands::migrate(&config, db.as_deref()).await,
        Command::CheckConfig => Ok(commands::check_config(&config).await),
        Command::Run => run_bot(config).await,
    }
}

/// `rounds run`: every configured platform, the HTTP feeds and the one drive loop, until a
/// signal (or an adapter ending) starts the ordered stop in `rounds::stop`.
async fn run_bot(config: Config) -> anyhow::Result<ExitCode> {
    if let Some(error) = rounds::config::check::left_out(&config, rounds::platform::BUILT) {
        eprintln!("rounds: {error}");
        return Ok(ExitCode::from(2));
    }
    if platforms(&config).is_none() {
        eprintln!(
            "rounds: no platform is configured, so there is nothing to run.\n{}",
            rounds::config::check::NO_PLATFORM_ADVICE
        );
        return Ok(ExitCode::from(2));
    }
    // What check-config would warn about (an unknown ROUNDS_* variable, a room of a platform
    // that is not configured) is worth one line each at start, where an operator looks.
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    // Caught from here on, so a stop asked for while connecting is still an ordered one.
    let signals = StopSignals::install().context("cannot listen for SIGTERM and SIGINT")?;
    let (stop, mut shutdown) = tokio::sync::watch::channel(false);
    let stop = Arc::new(stop);
    tokio::spawn(signals.watch(stop.clone()));

    // Held until the process ends: on a SQLite file, no other Rounds runs beside this one.
    let lock = DatabaseLock::take(&config.database, LockMode::Exclusive)?;
    let sql = Arc::new(SqlStore::open(&config.database).await?);
    let store: Arc<dyn rounds::core::store::Store> = sql.clone();
    let bot = Arc::new(
        rounds::core::Bot::new(store, config.settings())
            .with_fetcher(Arc::new(HttpFetcher::with_policy(&config.import_fetch)?))
            .with_doi_lookup(Arc::new(CrossrefLookup::new(&config.doi_api_base)?)),
    );
    let mut runtime = rounds::runtime::Runtime::serving(bot.clone(), &platforms_of(&config));
    // On PostgreSQL, other processes' work wakes this one at once (LISTEN/NOTIFY).
    if let Some(heard) = sql.listen_for_work() {
        runtime = runtime.hearing(heard);
    }
    let runtime = Arc::new(runtime);
    if lock.is_some() {
        // Alone on the file: the leases in it are a dead process's, so its work goes now.
        let released = runtime.release_dead_leases().await?;
        if released.sends + released.jobs > 0 {
            tracing::info!(
                sends = released.sends,
                jobs = released.jobs,
                "handed back the leases a stopped process left"
            );
        }
    }
    let mut tasks = Tasks::default();
    let started = start_tasks(&config, &bot, &runtime, &mut tasks, &mut shutdown).await;
    let failure = match started {
        Err(error) => Some(error),
        Ok(()) => {
            tokio::select! {
                _ = shutdown.wait_for(|stop| *stop) => None,
                ended = tasks.next_end() => match ended {
                    Some((name, Err(error))) => Some(error.context(format!("{name} stopped"))),
                    Some((name, Ok(()))) => {
                        tracing::info!("stopping: {name} ended");
                        None
                    }
                    None => None,
                },
            }
        }
    };
    // The order matters: inbound stops and the send in flight finishes, then the leases go
    // back, then the store closes.
    stop.send_replace(true);
    let abandoned = tasks.drain(Instant::now() + DRAIN_DEADLINE).await;
    if !abandoned.is_empty() {
        tracing::warn!(
            "the stop deadline passed with {} still running; abandoning it",
            abandoned.join(", ")
        );
    }
    stop::release_and_report(&runtime, &abandoned).await;
    drop(runtime);
    drop(bot);
    stop::close_store(sql.close()).await;
    match failure {
        Some(error) => Err(error),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// Connects each configured platform and spawns it, the HTTP feeds and the drive loop. A stop
/// asked for while a platform is still connecting ends the wait for it.
async fn start_tasks(
    config: &Config,
    bot: &Arc<rounds::core::Bot>,
    runtime: &Arc<rounds::runtime::Runtime>,
    tasks: &mut Tasks,
    shutdown: &mut tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    if let Some(http) = &config.http {
        let listener = tokio::net::TcpListener::bind(http.bind)
            .await
            .with_context(|| format!("[http] bind: cannot listen on {}", http.bind))?;
        tasks.spawn(
            "the HTTP server",
            rounds::http::serve_with_readiness(
                listener,
                bot.clone(),
                Clock::wall(),
                runtime.readiness().clone(),
                shutdown.clone(),
            ),
        );
    }
    #[cfg_attr(not(any(feature = "matrix", feature = "discord")), allow(unused_mut))]
    let mut adapters: Vec<Arc<dyn Adapter>> = Vec::new();
    #[cfg(feature = "matrix")]
    if let Some(matrix) = &config.matrix {
        let connect = MatrixBot::connect(
            matrix,
            config.matrix_links.clone(),
            &config.data_dir,
            runtime.clone(),
            Clock::wall(),
        );
        let Some(bot) = until_stopped(shutdown, connect).await? else {
            return Ok(());
        };
        adapters.push(bot.adapter.clone());
        tasks.spawn("Matrix", bot.run(shutdown.clone()));
    }
    #[cfg(feature = "discord")]
    if let Some(discord) = &config.discord {
        let connect = DiscordBot::connect(
            discord,
            config.discord_links.clone(),
            runtime.clone(),
            Clock::wall(),
        );
        let Some(bot) = until_stopped(shutdown, connect).await? else {
            return Ok(());
        };
        adapters.push(bot.adapter.clone());
        tasks.spawn("Discord", bot.run(shutdown.clone()));
    }
    // One loop fires due jobs and sends through every adapter.
    let runtime = runtime.clone();
    let drive_shutdown = shutdown.clone();
    tasks.spawn("the send loop", async move {
        runtime
            .drive(&adapters, &Clock::wall(), drive_shutdown)
            .await;
        Ok(())
    });
    Ok(())
}

/// `work`, unless the stop starts first (None).
#[cfg(any(feature = "matrix", feature = "discord"))]
async fn until_stopped<T>(
    shutdown: &mut tokio::sync::watch::Receiver<bool>,
    work: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<Option<T>> {
    tokio::select! {
        done = work => done.map(Some),
        _ = shutdown.wait_for(|stop| *stop) => Ok(None),
    }
}

fn platforms(config: &Config) -> Option<String> {
    config.platforms()
}
