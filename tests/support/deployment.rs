//! A deployment of the real `rounds` binary against the Discord stand-in: its data directory,
//! SQLite database and config, and the running process with its log, for the tests that stop,
//! kill and restart it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use rounds::core::io::{Action, Message};
use rounds::core::store::{OutboxItem, QueueStore};
use rounds::store::{DatabaseUrl, SqlStore};

use super::discord_standin::{FixtureGuild, FixtureUser, StandIn, World};

/// Generous waits for things that take no time at all on a quiet machine.
const WAIT: Duration = Duration::from_secs(30);

/// A deployment's files: the data directory, its SQLite database and a config linking the
/// society to the stand-in's guild.
pub struct Deployment {
    pub dir: tempfile::TempDir,
    pub database: String,
    pub config: PathBuf,
    guild: u64,
}

impl Deployment {
    /// A deployment whose society is the stand-in's guild `guild`.
    pub fn new(guild: u64) -> Deployment {
        Deployment::with_database(guild, None)
    }

    /// `new`, with the database at `database` (a PostgreSQL URL another deployment shares, say)
    /// instead of a SQLite file in its own data directory.
    pub fn on_database(guild: u64, database: &str) -> Deployment {
        Deployment::with_database(guild, Some(database))
    }

    fn with_database(guild: u64, database: Option<&str>) -> Deployment {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = match database {
            Some(url) => url.to_string(),
            None => format!("sqlite://{}", dir.path().join("rounds.db").display()),
        };
        let config = dir.path().join("rounds.toml");
        std::fs::write(
            &config,
            format!(
                "[[societies]]\nkey = \"{}\"\n[societies.discord]\nguild = {}\n",
                super::SOCIETY,
                guild
            ),
        )
        .expect("write config");
        Deployment {
            dir,
            database,
            config,
            guild,
        }
    }

    /// Queues `count` posts to #general, as a burst of due reminders would; returns their texts.
    pub async fn queue_notices(&self, channel: u64, count: usize) -> Vec<String> {
        let store = SqlStore::open(&DatabaseUrl::parse(&self.database).expect("a database URL"))
            .await
            .expect("open the deployment's database");
        let texts: Vec<String> = (0..count).map(|n| format!("notice {n:03}")).collect();
        let items: Vec<OutboxItem> = texts
            .iter()
            .enumerate()
            .map(|(n, text)| OutboxItem {
                key: format!("test:notice:{n}"),
                platform: "discord".into(),
                society: super::SOCIETY.into(),
                member: None,
                action: Action::Post {
                    room: channel.to_string(),
                    message: Message {
                        text: text.clone(),
                        ..Message::default()
                    },
                },
            })
            .collect();
        store.enqueue(&items, Utc::now()).await.expect("enqueue");
        store.close().await;
        texts
    }

    pub fn command(&self, program: &Path, args: &[&str], standin: &StandIn) -> Command {
        let mut command = Command::new(program);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        super::clear_rounds_env(&mut command);
        command
            .env("RUST_LOG", "info")
            .env("ROUNDS_CONFIG", &self.config)
            .env("ROUNDS_DATA_DIR", self.dir.path())
            .env("ROUNDS_DATABASE_URL", &self.database)
            .env("ROUNDS_DISCORD_TOKEN", "test-token")
            .env("ROUNDS_DISCORD_API_BASE", standin.api_base());
        command
    }

    /// `rounds run`, its log collected as it comes.
    pub fn start(&self, standin: &StandIn) -> Running {
        self.start_with(standin, &[])
    }

    /// `start`, with more environment: a crash point (`ROUNDS_CRASH_AT`), say.
    pub fn start_with(&self, standin: &StandIn, env: &[(&str, &str)]) -> Running {
        let binary = Path::new(env!("CARGO_BIN_EXE_rounds"));
        let mut command = self.command(binary, &["run"], standin);
        command.envs(env.iter().copied());
        Running::spawn(command)
    }

    /// The deployment's database, opened (and migrated) from the test.
    pub async fn store(&self) -> SqlStore {
        SqlStore::open(&DatabaseUrl::parse(&self.database).expect("a database URL"))
            .await
            .expect("open the deployment's database")
    }
}

/// A running process and the lines of its log so far.
pub struct Running {
    pub child: Child,
    log: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    pub fn spawn(mut command: Command) -> Running {
        let mut child = command.spawn().expect("start the process");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let lines = log.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
        Running {
            child,
            log,
            reader: Some(reader),
        }
    }

    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.pid()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Waits for the exit, at most `bound`; the log is complete once this returns.
    pub async fn exit_within(&mut self, bound: Duration) -> ExitStatus {
        let deadline = tokio::time::Instant::now() + bound;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the process") {
                if let Some(reader) = self.reader.take() {
                    reader.join().expect("log reader");
                }
                return status;
            }
            if tokio::time::Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "the process did not exit within {bound:?} of the signal; its log:\n{}",
                    self.log().join("\n")
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    pub fn lines_with(&self, text: &str) -> Vec<String> {
        self.log()
            .into_iter()
            .filter(|line| line.contains(text))
            .collect()
    }

    pub async fn wait_for_log(&self, text: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.lines_with(text).is_empty() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no log line with {text:?}; the log:\n{}",
                self.log().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The count in the stop's last line, "left pending: N sends and M jobs due now".
    pub fn left_pending(&self) -> (u64, u64) {
        let lines = self.lines_with("left pending: ");
        assert_eq!(
            lines.len(),
            1,
            "one line says what was left pending; the log:\n{}",
            self.log().join("\n")
        );
        let rest = lines[0].split("left pending: ").nth(1).unwrap();
        let words: Vec<&str> = rest.split_whitespace().collect();
        assert_eq!(
            (words[1], words[2], words[4], words[5], words[6]),
            ("sends", "and", "jobs", "due", "now"),
            "unexpected wording: {}",
            lines[0]
        );
        (words[0].parse().unwrap(), words[3].parse().unwrap())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.reader.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Running {
    /// Waits for the abort a crash point (`ROUNDS_CRASH_AT`) causes, and checks it came there.
    pub async fn crashed_at(&mut self, point: &str, within: Duration) -> ExitStatus {
        let status = self.exit_within(within).await;
        let log = self.log().join("\n");
        assert!(
            !status.success(),
            "the process was to abort at {point}; the log:\n{log}"
        );
        assert_eq!(
            self.lines_with(&format!("crash point {point} reached"))
                .len(),
            1,
            "the crash came at {point}; the log:\n{log}"
        );
        status
    }
}

impl Deployment {
    /// What a killed process leaves once its leases have run out (30 s to a minute in real
    /// time): ended at once, so a restart takes its work without waiting.
    pub async fn expire_leases(&self) {
        expire_leases(&self.database).await;
    }
}

/// [`Deployment::expire_leases`] for any SQLite database.
pub async fn expire_leases(database: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(database)
        .await
        .expect("open the database");
    for table in ["jobs", "outbox"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {table} SET lease_owner = NULL, lease_until = NULL WHERE state = 'pending'"
        )))
        .execute(&mut conn)
        .await
        .expect("expire the leases");
    }
    conn.close().await.expect("close");
}

/// The ids of a guild with one channel, #general, and one member, alice: from `base`, the
/// application is +1, the bot +2, the guild +100, #general +101 and alice +201.
pub struct OneChannel {
    pub app: u64,
    pub bot: u64,
    pub guild: u64,
    pub general: u64,
    pub alice: u64,
}

impl OneChannel {
    pub const fn at(base: u64) -> OneChannel {
        OneChannel {
            app: base + 1,
            bot: base + 2,
            guild: base + 100,
            general: base + 101,
            alice: base + 201,
        }
    }

    pub fn world(&self) -> World {
        World {
            application_id: self.app,
            bot: FixtureUser::new(self.bot, "Rounds"),
            guilds: vec![FixtureGuild {
                id: self.guild,
                name: "Medical Society".into(),
                channels: vec![(self.general, "general".into())],
                roles: vec![],
                members: vec![FixtureUser::new(self.alice, "alice")],
            }],
        }
    }
}
