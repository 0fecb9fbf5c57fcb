//! Issue 15: when the store fails, the member is told directly (not through the outbox, which
//! is in the store), the event is not left marked seen, and `/readyz` says so within a second
//! while `/healthz` stays 200. PostgreSQL is cut with a proxy; SQLite's disk really fills (a
//! tiny tmpfs); an outbox that refuses rows is a trigger.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

use rounds::clock::Clock;
use rounds::config::{DiscordConfig, DiscordLink, ShardRange};
use rounds::core::Bot;
use rounds::core::error::STORE_UNAVAILABLE;
use rounds::core::store::Store;
use rounds::platform::discord::DiscordBot;
use rounds::platform::shell::Shell;
use rounds::platform::{DeliveryError, DirectReply};
use rounds::runtime::Runtime;
use rounds::store::{DatabaseUrl, SqlStore};
use support::discord_standin::*;
use support::tcp_proxy::{TcpProxy, target_of};
use support::*;

const APP: u64 = 1_500_000_000_000_000_001;
const GUILD: u64 = 1_500_000_000_000_000_100;
const GENERAL: u64 = 1_500_000_000_000_000_101;
/// For waiting on things that do happen; never a bound on how fast.
const WAIT: Duration = Duration::from_secs(20);
/// `/healthz` and `/readyz` must answer within one second whatever the store does; the rest is
/// for a loaded test machine to carry the request and the answer.
const READY_BOUND: Duration = Duration::from_millis(1500);

fn alice() -> FixtureUser {
    FixtureUser::new(1_500_000_000_000_000_201, "alice")
}

fn world() -> World {
    World {
        application_id: APP,
        bot: FixtureUser::new(1_500_000_000_000_000_002, "Rounds"),
        guilds: vec![FixtureGuild {
            id: GUILD,
            name: "Medical Society".into(),
            channels: vec![(GENERAL, "general".into())],
            roles: vec![],
            members: vec![alice()],
        }],
    }
}

/// Sends `GET path` and returns the status code and body, or panics if the answer does not
/// come within `READY_BOUND`.
async fn get(address: &str, path: &str) -> (u16, String) {
    let asked = async {
        let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
        stream
            .write_all(
                format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
            )
            .await
            .unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    };
    let answer = tokio::time::timeout(READY_BOUND, asked)
        .await
        .unwrap_or_else(|_| panic!("{path} did not answer within one second"));
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("an HTTP status line");
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Asks `path` until it answers `status`; each answer still within the bound.
async fn until_status(address: &str, path: &str, status: u16) -> String {
    let mut last = String::new();
    let reached = tokio::time::timeout(WAIT, async {
        loop {
            let (code, body) = get(address, path).await;
            if code == status {
                return body;
            }
            last = body;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    reached.unwrap_or_else(|_| panic!("{path} never answered {status}; last: {last}"))
}

async fn serve_http(runtime: &Runtime) -> (String, watch::Sender<bool>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let (stop, shutdown) = watch::channel(false);
    tokio::spawn(rounds::http::serve_with_readiness(
        listener,
        runtime.bot().clone(),
        Clock::wall(),
        runtime.readiness().clone(),
        shutdown,
    ));
    (address, stop)
}

/// The bot on Discord (serenity against the stand-in) with the drive loop, as `rounds run`.
struct OnDiscord {
    standin: StandIn,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

async fn on_discord(runtime: Arc<Runtime>) -> OnDiscord {
    let standin = StandIn::start(world()).await;
    let config = DiscordConfig {
        token: "test-token".into(),
        api_base: Some(standin.api_base()),
        shards: ShardRange::ALL,
    };
    let link = DiscordLink {
        society: SOCIETY.into(),
        guild: GUILD,
        ..DiscordLink::default()
    };
    let clock = Clock::wall();
    let bot = DiscordBot::connect(&config, vec![link], runtime.clone(), clock.clone())
        .await
        .unwrap();
    assert!(
        standin.saw_get_gateway(),
        "the gateway came from the stand-in"
    );
    let adapter = bot.adapter.clone();
    let (stop, shutdown) = watch::channel(false);
    let task = spawn_with_drive(bot.run(shutdown.clone()), runtime, adapter, clock, shutdown);
    standin.wait_ready().await;
    OnDiscord {
        standin,
        stop,
        task,
    }
}

impl OnDiscord {
    /// Bodies of the bot's posts in `channel`, oldest first.
    fn posts_in(&self, channel: u64) -> Vec<Value> {
        let path = format!("/channels/{channel}/messages");
        self.standin
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.route() == path)
            .map(|r| r.body.unwrap_or(Value::Null))
            .collect()
    }

    async fn post_where(&self, channel: u64, found: impl Fn(&Value) -> bool) -> Value {
        tokio::time::timeout(WAIT, async {
            loop {
                if let Some(post) = self.posts_in(channel).into_iter().find(|p| found(p)) {
                    return post;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no such post; posts: {:?}", self.posts_in(channel)))
    }

    async fn stop(self) {
        self.stop.send(true).unwrap();
        let _ = tokio::time::timeout(WAIT, self.task).await;
    }
}

#[tokio::test]
async fn with_postgres_cut_the_member_is_told_readyz_fails_fast_and_the_redelivery_is_answered() {
    let db = PgDatabase::create().await;
    let proxy = TcpProxy::start(target_of(&db.url)).await;
    let store = Arc::new(
        SqlStore::open(&DatabaseUrl::parse(&proxy.url_through(&db.url)).expect("a database URL"))
            .await
            .unwrap(),
    );
    let bot = Bot::new(store.clone(), settings(chrono_tz::Australia::Sydney));
    let runtime = Arc::new(Runtime::new(Arc::new(bot)));
    let (http, _stop_http) = serve_http(&runtime).await;
    let discord = on_discord(runtime.clone()).await;
    until_status(&http, "/readyz", 200).await;

    proxy.cut();
    let (status, body) = get(&http, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.starts_with("store: "), "{body}");
    assert_eq!(get(&http, "/healthz").await, (200, "ok\n".to_string()));

    // A message command: answered in its channel, as a reply to it.
    let asked = discord
        .standin
        .message_create(GUILD, GENERAL, &alice(), "!reminders")
        .await;
    let told = discord
        .post_where(GENERAL, |p| p["content"] == STORE_UNAVAILABLE)
        .await;
    assert_eq!(
        told["message_reference"]["message_id"].as_str(),
        Some(asked.to_string().as_str()),
        "{told}"
    );
    // A slash command: its deferred response is edited.
    let (_, token) = discord
        .standin
        .slash_command(GUILD, GENERAL, &alice(), "help", json!([]))
        .await;
    let edit = discord
        .standin
        .wait_for_request(
            |r| {
                r.method == "PATCH"
                    && r.route() == format!("/webhooks/{APP}/{token}/messages/@original")
            },
            WAIT,
        )
        .await
        .expect("the slash command is answered");
    assert_eq!(edit.body.unwrap()["content"], STORE_UNAVAILABLE);

    proxy.restore();
    until_status(&http, "/readyz", 200).await;
    // Discord delivers the same message again (a reconnect's replay): now it is answered.
    let message = discord
        .standin
        .message(asked)
        .expect("the stand-in kept it");
    discord
        .standin
        .dispatch(
            "MESSAGE_CREATE",
            message_create_payload(GUILD, &message, &alice()),
        )
        .await;
    let answer = discord
        .post_where(GENERAL, |p| {
            p["content"]
                .as_str()
                .is_some_and(|c| c.starts_with("You have no reminders"))
        })
        .await;
    assert_eq!(
        answer["message_reference"]["message_id"].as_str(),
        Some(asked.to_string().as_str()),
        "answered as a reply to the same message: {answer}"
    );
    assert_eq!(
        discord
            .posts_in(GENERAL)
            .iter()
            .filter(|p| p["content"] == STORE_UNAVAILABLE)
            .count(),
        1,
        "the member was told once"
    );

    discord.stop().await;
    store.close().await;
    db.drop().await;
}

/// What a direct reply was asked to say.
#[derive(Default)]
struct Told(Mutex<Vec<String>>);

#[async_trait]
impl DirectReply for Told {
    async fn say(&self, text: &str) -> Result<(), DeliveryError> {
        self.0.lock().unwrap().push(text.to_string());
        Ok(())
    }
}

impl Told {
    fn texts(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// The outbox refuses every row (as a full disk would refuse the write that needs a page)
/// while the seen-events table still takes one: the member is told, the event is not left
/// marked seen, and once the outbox takes rows again the same event is answered.
async fn an_event_the_outbox_refused_is_answered_when_redelivered(
    store: Arc<dyn Store>,
    refuse: impl AsyncFn(),
    accept: impl AsyncFn(),
) {
    let runtime = Runtime::new(Arc::new(Bot::new(
        store,
        settings(chrono_tz::Australia::Sydney),
    )));
    let ana = Member::new("ana");
    let now = at("2026-03-30T09:00:00+11:00");
    let command = ana.says("!reminders");
    refuse().await;
    let told = Told::default();
    let failed = runtime.receive_or_tell(&command, now, &told).await;
    assert!(failed.is_err(), "{failed:?}");
    assert_eq!(told.texts(), [STORE_UNAVAILABLE]);
    // A join is not a question: nobody is told, though it failed too.
    let quiet = Told::default();
    let _ = runtime.receive_or_tell(&ana.joins(), now, &quiet).await;
    assert!(quiet.texts().is_empty(), "{:?}", quiet.texts());

    accept().await;
    let again = Told::default();
    let answered = runtime.receive_or_tell(&command, now, &again).await;
    assert_eq!(
        answered.unwrap(),
        1,
        "the redelivery is answered, not skipped"
    );
    assert!(again.texts().is_empty());
    // And it is now marked seen: a further redelivery is ignored.
    assert_eq!(runtime.receive(&command, now).await.unwrap(), 0);
}

#[tokio::test]
async fn an_event_the_outbox_refused_is_not_marked_seen_on_sqlite() {
    let (_dir, store, raw) = sqlite_file_with_raw().await;
    an_event_the_outbox_refused_is_answered_when_redelivered(
        store,
        async || {
            raw.run(
                "CREATE TRIGGER outbox_full BEFORE INSERT ON outbox \
                 BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
            )
            .await
        },
        async || raw.run("DROP TRIGGER outbox_full").await,
    )
    .await;
}

#[tokio::test]
async fn an_event_the_outbox_refused_is_not_marked_seen_on_postgres() {
    let (db, store, raw) = postgres_with_raw().await;
    an_event_the_outbox_refused_is_answered_when_redelivered(
        store.clone(),
        async || {
            raw.run(
                "CREATE FUNCTION outbox_full() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$",
            )
            .await;
            raw.run(
                "CREATE TRIGGER outbox_full BEFORE INSERT ON outbox \
                 FOR EACH ROW EXECUTE FUNCTION outbox_full()",
            )
            .await;
        },
        async || raw.run("DROP TRIGGER outbox_full ON outbox").await,
    )
    .await;
    store.close().await;
    db.drop().await;
}

/// A tmpfs of its own, unmounted when dropped.
struct TinyDisk {
    dir: tempfile::TempDir,
}

impl TinyDisk {
    fn mount(size: &str) -> TinyDisk {
        let dir = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(
            mounted.success(),
            "this test mounts a small tmpfs to fill a real disk, which needs root (or \
             CAP_SYS_ADMIN)"
        );
        TinyDisk { dir }
    }

    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Writes a filler file until the disk refuses another byte.
    fn fill(&self) {
        use std::io::Write;
        let mut filler = std::fs::File::create(self.path().join("filler")).unwrap();
        for chunk in [64 * 1024, 4096, 1] {
            while filler.write_all(&vec![7u8; chunk]).is_ok() {}
        }
        let _ = filler.sync_all();
    }

    fn free(&self) {
        std::fs::remove_file(self.path().join("filler")).unwrap();
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test]
async fn with_the_sqlite_disk_full_readyz_fails_and_the_shell_member_is_told() {
    let disk = TinyDisk::mount("16m");
    let path = disk.path().join("rounds.db");
    let store = Arc::new(
        SqlStore::open(&DatabaseUrl::parse(&path.to_string_lossy()).expect("a database URL"))
            .await
            .unwrap(),
    );
    let bot = Arc::new(Bot::new(
        store.clone(),
        rounds::platform::shell::settings(chrono_tz::Australia::Sydney, "!"),
    ));
    let runtime = Runtime::new(bot.clone());
    let (http, _stop_http) = serve_http(&runtime).await;
    let mut shell = Shell::with_bot(bot);
    assert_eq!(get(&http, "/readyz").await, (200, "ready\n".to_string()));

    disk.fill();
    let (status, body) = get(&http, "/readyz").await;
    assert_eq!((status, body.as_str()), (503, "store: cannot write\n"));
    assert_eq!(get(&http, "/healthz").await, (200, "ok\n".to_string()));
    let step = shell
        .line("!remind me in 1 hour to call the ward")
        .await
        .unwrap();
    assert_eq!(step.said.len(), 1, "{step:?}");
    assert!(
        step.said[0].ends_with(&format!("#general rounds: {STORE_UNAVAILABLE}")),
        "{step:?}"
    );

    disk.free();
    until_status(&http, "/readyz", 200).await;
    let step = shell
        .line("!remind me in 1 hour to call the ward")
        .await
        .unwrap();
    assert!(
        step.said.iter().any(|l| l.contains("Got it (R1)")),
        "the retry is answered, and the failed attempt left no reminder: {step:?}"
    );
    store.close().await;
}
