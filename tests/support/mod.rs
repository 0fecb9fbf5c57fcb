//! Shared test helpers: fresh databases (SQLite in memory, a new PostgreSQL database per test),
//! a bot with a fixed society, and an adapter that records what it was asked to send.
#![allow(dead_code)]

pub mod deployment;
pub mod discord_standin;
pub mod matrix_member;
pub mod tcp_proxy;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use sqlx::Connection;

use rounds::core::io::{Action, Inbound, Origin, UserRef};
use rounds::core::store::Store;
use rounds::core::{Bot, Settings, Society, Welcome};
use rounds::platform::{Adapter, DeliveryError};
use rounds::runtime::Runtime;
use rounds::store::{DatabaseUrl, SqlStore};

pub const PLATFORM: &str = "test";
pub const SOCIETY: &str = "ams";

/// The server the test script provides; override with ROUNDS_TEST_POSTGRES.
/// The `rounds` binary, with none of the developer's `ROUNDS_*` variables: each test decides
/// the environment it runs in.
pub fn rounds_command() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_rounds"));
    clear_rounds_env(&mut command);
    command
}

/// Removes every `ROUNDS_*` variable of the test process from what `command` will see (for a
/// command that runs `rounds` under something else, such as an init).
pub fn clear_rounds_env(command: &mut std::process::Command) {
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("ROUNDS_")) {
        command.env_remove(key);
    }
}

pub fn postgres_admin_url() -> String {
    std::env::var("ROUNDS_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A PostgreSQL database that exists for one test and is dropped by `drop`.
pub struct PgDatabase {
    pub url: String,
    name: String,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl PgDatabase {
    pub async fn create() -> PgDatabase {
        let admin = postgres_admin_url();
        let name = format!(
            "rounds_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            Utc::now().timestamp_subsec_micros()
        );
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| {
                panic!("PostgreSQL is needed at {admin} (set ROUNDS_TEST_POSTGRES): {e}")
            });
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        conn.close().await.ok();
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
        PgDatabase {
            url: format!("{base}/{name}"),
            name,
        }
    }

    pub async fn drop(self) {
        if let Ok(mut conn) = sqlx::PgConnection::connect(&postgres_admin_url()).await {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            )))
            .execute(&mut conn)
            .await;
        }
    }
}

/// Runs a story on a fresh PostgreSQL database of its own, then closes and drops it.
pub async fn on_postgres<F, Fut>(story: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let db = PgDatabase::create().await;
    let store = Arc::new(
        SqlStore::open(&DatabaseUrl::parse(&db.url).expect("a database URL"))
            .await
            .unwrap(),
    );
    story(store.clone()).await;
    store.close().await;
    db.drop().await;
}

/// A store on a fresh SQLite file, and a raw connection to the same file for edits the store
/// would refuse. Keep the directory alive as long as the store.
pub async fn sqlite_file_with_raw() -> (tempfile::TempDir, Arc<SqlStore>, RawSql) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rounds.db").to_string_lossy().into_owned();
    let url = DatabaseUrl::parse(&path).expect("a database URL");
    let store = Arc::new(SqlStore::open(&url).await.unwrap());
    (dir, store, RawSql::Sqlite(format!("sqlite://{path}")))
}

/// `sqlite_file_with_raw` on a fresh PostgreSQL database; drop the database when done.
pub async fn postgres_with_raw() -> (PgDatabase, Arc<SqlStore>, RawSql) {
    let db = PgDatabase::create().await;
    let url = DatabaseUrl::parse(&db.url).expect("a database URL");
    let store = Arc::new(SqlStore::open(&url).await.unwrap());
    let raw = RawSql::Postgres(db.url.clone());
    (db, store, raw)
}

/// SQL run on a connection of its own to the store's database, as an operator's hand edit would use.
pub enum RawSql {
    Sqlite(String),
    Postgres(String),
}

impl RawSql {
    pub async fn run(&self, sql: &'static str) {
        match self {
            RawSql::Sqlite(url) => {
                let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
                sqlx::query(sql).execute(&mut conn).await.unwrap();
                conn.close().await.unwrap();
            }
            RawSql::Postgres(url) => {
                let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
                sqlx::query(sql).execute(&mut conn).await.unwrap();
                conn.close().await.unwrap();
            }
        }
    }
}

pub async fn sqlite_memory() -> Arc<SqlStore> {
    Arc::new(
        SqlStore::open(&DatabaseUrl::parse(":memory:").expect("a database URL"))
            .await
            .expect("open sqlite"),
    )
}

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("test time")
        .with_timezone(&Utc)
}

pub fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

pub fn society(zone: Tz) -> Society {
    Society {
        key: SOCIETY.to_string(),
        name: "Test Society".to_string(),
        timezone: zone,
        committee: vec!["@chair:test".to_string()],
        committee_roles: vec!["900".to_string()],
        organisers: vec![],
        organiser_roles: vec![],
        welcome: Default::default(),
        stay_in_touch: None,
    }
}

pub fn settings(zone: Tz) -> Settings {
    let society = society(zone);
    let mut settings = Settings::new(society.clone());
    settings.societies.insert(society.key.clone(), society);
    settings
}

/// Settings in which `society` is one configured society and rooms linked to none fall to a
/// separate default (UTC, no committee), as in a deployment with a config file.
pub fn settings_beside_default(society: Society) -> Settings {
    let mut settings = Settings::new(Society {
        key: "default".into(),
        name: "Default Community".into(),
        timezone: chrono_tz::UTC,
        committee: vec![],
        committee_roles: vec![],
        organisers: vec![],
        organiser_roles: vec![],
        welcome: Default::default(),
        stay_in_touch: None,
    });
    settings.societies.insert(society.key.clone(), society);
    settings
}

/// Settings with a welcome dialogue (two groups to join) and stay-in-touch nudges after 90 days,
/// for the welcome, shout-out and follow-up stories.
pub fn community_settings() -> Settings {
    let mut society = society(chrono_tz::Australia::Sydney);
    society.welcome = Welcome {
        text: Some("We run grand rounds every Thursday.".into()),
        code_of_conduct: Some("be kind; no patient details.".into()),
        groups: vec![
            ("intern".into(), "interns".into()),
            ("emergency medicine".into(), "ed".into()),
        ],
    };
    society.stay_in_touch = Some(Duration::days(90));
    let mut settings = Settings::new(society.clone());
    settings.societies.insert(society.key.clone(), society);
    settings
}

pub fn user(name: &str) -> UserRef {
    UserRef {
        id: format!("@{name}:test"),
        name: name.to_string(),
    }
}

/// Builds inbound messages with unique ids, as a platform would.
pub struct Member {
    pub user: UserRef,
    pub room: String,
    counter: AtomicU32,
}

impl Member {
    pub fn new(name: &str) -> Member {
        Member {
            user: user(name),
            room: "!general:test".to_string(),
            counter: AtomicU32::new(0),
        }
    }

    pub fn says(&self, text: &str) -> Inbound {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        Inbound::Message {
            origin: Origin {
                platform: PLATFORM.to_string(),
                society: SOCIETY.to_string(),
                room: self.room.clone(),
                message_id: Some(format!("{}-{n}", self.user.name)),
                is_direct: false,
                sent_at: None,
                roles: Vec::new(),
            },
            sender: self.user.clone(),
            text: text.to_string(),
        }
    }

    /// A message in the member's direct room with Rounds.
    pub fn says_privately(&self, text: &str) -> Inbound {
        match self.says(text) {
            Inbound::Message {
                mut origin,
                sender,
                text,
            } => {
                origin.is_direct = true;
                origin.room = format!("!dm-{}:test", self.user.name);
                Inbound::Message {
                    origin,
                    sender,
                    text,
                }
            }
            other => other,
        }
    }

    /// The member joins the society.
    pub fn joins(&self) -> Inbound {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        Inbound::Join {
            origin: Origin {
                platform: PLATFORM.to_string(),
                society: SOCIETY.to_string(),
                room: self.room.clone(),
                message_id: Some(format!("{}-join-{n}", self.user.name)),
                is_direct: false,
                sent_at: None,
                roles: Vec::new(),
            },
            sender: self.user.clone(),
        }
    }

    pub fn chooses(&self, choice: &str) -> Inbound {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        Inbound::Choice {
            origin: Origin {
                platform: PLATFORM.to_string(),
                society: SOCIETY.to_string(),
                room: self.room.clone(),
                message_id: Some(format!("{}-choice-{n}", self.user.name)),
                is_direct: false,
                sent_at: None,
                roles: Vec::new(),
            },
            sender: self.user.clone(),
            choice: choice.to_string(),
        }
    }
}

/// Records every action it is asked to perform and, like Matrix and Discord, shows a key once.
#[derive(Default)]
pub struct RecordingAdapter {
    state: Mutex<Recorded>,
}

#[derive(Default)]
struct Recorded {
    attempts: Vec<String>,
    shown: Vec<(String, Action)>,
    keys: HashSet<String>,
    fail_next: usize,
}

impl RecordingAdapter {
    pub fn new() -> Arc<RecordingAdapter> {
        Arc::new(RecordingAdapter::default())
    }

    /// Every key `perform` was called with, repeats included.
    pub fn attempts(&self) -> Vec<String> {
        self.state.lock().unwrap().attempts.clone()
    }

    /// What members would see: one entry per distinct key.
    pub fn shown(&self) -> Vec<(String, Action)> {
        self.state.lock().unwrap().shown.clone()
    }

    pub fn texts(&self) -> Vec<String> {
        self.shown()
            .into_iter()
            .filter_map(|(_, a)| text_of(&a))
            .collect()
    }

    pub fn fail_next(&self, n: usize) {
        self.state.lock().unwrap().fail_next = n;
    }

    pub fn clear(&self) {
        let mut state = self.state.lock().unwrap();
        state.shown.clear();
        state.attempts.clear();
    }
}

pub fn text_of(action: &Action) -> Option<String> {
    match action {
        Action::Post { message, .. }
        | Action::Reply { message, .. }
        | Action::Remind { message, .. }
        | Action::Announce { message, .. }
        | Action::Celebrate { message, .. }
        | Action::Introduce { message, .. }
        | Action::Edit { message, .. } => Some(message.text.clone()),
        Action::JoinGroup { user, group, .. } => Some(format!("[group] {} joins {group}", user.id)),
        Action::AdminLog { text, .. } => Some(format!("[admin log] {text}")),
        Action::React { .. } | Action::MirrorEvent { .. } => None,
    }
}

/// The direct messages shown to the member named `to`.
pub fn dms(h: &Harness, to: &str) -> Vec<Action> {
    h.adapter
        .shown()
        .into_iter()
        .filter_map(|(_, a)| match &a {
            Action::Remind { user, .. } if user.name == to => Some(a),
            _ => None,
        })
        .collect()
}

/// The ids of the choices a reply or direct message offers.
pub fn choice_ids(action: &Action) -> Vec<String> {
    match action {
        Action::Remind { message, .. } | Action::Reply { message, .. } => {
            message.choices.iter().map(|c| c.id.clone()).collect()
        }
        _ => Vec::new(),
    }
}

#[async_trait]
impl Adapter for RecordingAdapter {
    fn platform(&self) -> &'static str {
        PLATFORM
    }

    async fn perform(&self, key: &str, action: &Action) -> Result<(), DeliveryError> {
        let mut state = self.state.lock().unwrap();
        state.attempts.push(key.to_string());
        if state.fail_next > 0 {
            state.fail_next -= 1;
            return Err(DeliveryError::Transient("simulated outage".to_string()));
        }
        if state.keys.insert(key.to_string()) {
            state.shown.push((key.to_string(), action.clone()));
        }
        Ok(())
    }
}

/// A bot on a given store, with a runtime and a recording adapter.
pub struct Harness {
    pub store: Arc<dyn Store>,
    pub runtime: Runtime,
    pub adapter: Arc<RecordingAdapter>,
}

impl Harness {
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Harness {
        Harness::with_bot(Arc::new(Bot::new(store, settings)))
    }

    /// A harness around a bot made elsewhere (with a fetcher, say).
    pub fn with_bot(bot: Arc<Bot>) -> Harness {
        Harness {
            store: bot.store().clone(),
            runtime: Runtime::new(bot),
            adapter: RecordingAdapter::new(),
        }
    }

    pub async fn sqlite(zone: Tz) -> Harness {
        let store: Arc<dyn Store> = sqlite_memory().await;
        Harness::new(store, settings(zone))
    }

    /// Handles the message and sends the answer; returns the texts shown for it.
    pub async fn say(&self, inbound: Inbound, now: DateTime<Utc>) -> Vec<String> {
        self.adapter.clear();
        self.runtime.receive(&inbound, now).await.expect("receive");
        self.runtime
            .deliver(self.adapter.as_ref(), now)
            .await
            .expect("deliver");
        self.adapter.texts()
    }

    /// Runs the scheduler at `now` and sends; returns the texts shown.
    pub async fn tick(&self, now: DateTime<Utc>) -> Vec<String> {
        self.adapter.clear();
        self.runtime.tick(now).await.expect("tick");
        self.runtime
            .deliver(self.adapter.as_ref(), now)
            .await
            .expect("deliver");
        self.adapter.texts()
    }
}

/// Runs an adapter's connection and the process's drive loop side by side, as `rounds run` does.
pub fn spawn_with_drive(
    run: impl std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
    runtime: Arc<Runtime>,
    adapter: Arc<dyn Adapter>,
    clock: rounds::clock::Clock,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<anyhow::Result<()>> {
    tokio::spawn(async move {
        let adapters = vec![adapter];
        let (result, ()) = tokio::join!(run, runtime.drive(&adapters, &clock, shutdown));
        result
    })
}
