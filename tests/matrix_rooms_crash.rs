//! An introduction's room through a crash: the real `rounds run` binary on a real Synapse is
//! aborted (`ROUNDS_CRASH_AT`) right after the homeserver made the room and before Rounds
//! wrote down which room it was. The restart's retry of the same outbox row must find that room
//! again, not make a second one and invite everyone twice.
//!
//! `scripts/test` starts Synapse (scripts/synapse/harness.py) and runs these; plain
//! `cargo test` skips them because there is no homeserver to talk to.

mod support;

use std::process::Stdio;
use std::time::Duration;

use chrono::Utc;
use matrix_sdk::Client;
use matrix_sdk::ruma::api::client::membership::get_member_events;
use matrix_sdk::ruma::api::client::membership::joined_rooms;
use matrix_sdk::ruma::events::room::member::MembershipState;
use std::sync::Arc;

use rounds::clock::Clock;
use rounds::config::MatrixConfig;
use rounds::core::Bot;
use rounds::core::io::{Action, Message, UserRef};
use rounds::core::store::{MemoryStore, OutboxItem, QueueStore};
use rounds::platform::Adapter;
use rounds::platform::matrix::MatrixBot;
use rounds::runtime::Runtime;
use rounds::store::{DatabaseUrl, SqlStore};
use sqlx::Connection;
use support::deployment::Running;
use support::matrix_member::{Member, Synapse, WAIT};
use tokio::sync::watch;

const CRASH_AT: &str = "matrix:room-created";
const INTRO: &str = "Meet alice and bob: what got you into medicine?";

/// A Matrix-only deployment of the `rounds` binary: its data directory and SQLite database.
struct Deployment {
    dir: tempfile::TempDir,
    database: String,
    homeserver: String,
    user: String,
    password: String,
}

impl Deployment {
    fn new(synapse: &Synapse, user: &str, password: &str) -> Deployment {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = format!("sqlite://{}", dir.path().join("rounds.db").display());
        Deployment {
            dir,
            database,
            homeserver: synapse.url.clone(),
            user: user.to_string(),
            password: password.to_string(),
        }
    }

    /// `rounds run` signed in to Matrix as the bot, with `env` added (a crash point, say).
    fn start(&self, env: &[(&str, &str)]) -> Running {
        let mut command = support::rounds_command();
        command
            .arg("run")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .env("RUST_LOG", "info")
            .env("ROUNDS_DATA_DIR", self.dir.path())
            .env("ROUNDS_DATABASE_URL", &self.database)
            .env("ROUNDS_MATRIX_HOMESERVER", &self.homeserver)
            .env("ROUNDS_MATRIX_USER", &self.user)
            .env("ROUNDS_MATRIX_PASSWORD", &self.password)
            .envs(env.iter().copied());
        Running::spawn(command)
    }

    async fn store(&self) -> SqlStore {
        SqlStore::open(&DatabaseUrl::parse(&self.database).expect("a database URL"))
            .await
            .expect("open the deployment's database")
    }

    /// Queues an introduction of `members` on Matrix, as a coffee round would.
    async fn queue_introduction(&self, members: Vec<UserRef>) {
        let store = self.store().await;
        let item = OutboxItem {
            key: "test:intro:1".into(),
            platform: "matrix".into(),
            society: support::SOCIETY.into(),
            member: None,
            action: Action::Introduce {
                society: support::SOCIETY.into(),
                members,
                message: Message::text(INTRO),
                meeting: None,
            },
        };
        store.enqueue(&[item], Utc::now()).await.expect("enqueue");
        store.close().await;
    }

    /// What a minute's wait would do: the lease the aborted process held on its send runs out,
    /// so the next process may claim the row at once.
    async fn let_leases_run_out(&self) {
        support::deployment::expire_leases(&self.database).await;
    }
}

/// The rooms `user` is in, asked of the homeserver from a device of their own.
async fn joined_rooms_of(synapse: &Synapse, user: &str, password: &str) -> (Client, Vec<String>) {
    let client = Client::builder()
        .homeserver_url(&synapse.url)
        .build()
        .await
        .unwrap();
    client
        .matrix_auth()
        .login_username(user, password)
        .send()
        .await
        .unwrap();
    let rooms = client
        .send(joined_rooms::v3::Request::new())
        .await
        .unwrap()
        .joined_rooms
        .into_iter()
        .map(|id| id.to_string())
        .collect();
    (client, rooms)
}

fn user(id: &str, name: &str) -> UserRef {
    UserRef {
        id: id.to_string(),
        name: name.to_string(),
    }
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_crash_after_the_introduction_room_was_made_reuses_that_room_on_retry() {
    let synapse = Synapse::from_env();
    let (bot_user, bot_pass) = synapse.register("rounds");
    let (alice_user, alice_pass) = synapse.register("alice");
    let (bob_user, bob_pass) = synapse.register("bob");
    let mut alice = Member::login(&synapse, &alice_user, &alice_pass).await;
    let mut bob = Member::login(&synapse, &bob_user, &bob_pass).await;

    let deployment = Deployment::new(&synapse, &bot_user, &bot_pass);
    deployment
        .queue_introduction(vec![user(&alice_user, "alice"), user(&bob_user, "bob")])
        .await;

    // The first process makes the room and is cut off before it writes the room down.
    let mut first = deployment.start(&[("ROUNDS_CRASH_AT", CRASH_AT)]);
    first.crashed_at(CRASH_AT, Duration::from_secs(120)).await;
    let (_, before) = joined_rooms_of(&synapse, &bot_user, &bot_pass).await;
    assert_eq!(before.len(), 1, "the first try made the room: {before:?}");

    // The restart retries the same row.
    deployment.let_leases_run_out().await;
    let mut second = deployment.start(&[]);
    let seen_a = alice.expect(&bot_user, |s| s.body == INTRO).await;
    let seen_b = bob.expect(&bot_user, |s| s.body == INTRO).await;
    assert_eq!(seen_a.room, seen_b.room);
    assert!(seen_a.encrypted, "the introduction is encrypted");
    assert_eq!(
        second
            .lines_with("found the introduction room an earlier attempt made")
            .len(),
        1,
        "the retry looked for the room and found it; the log:\n{}",
        second.log().join("\n")
    );

    // One room, the one the first try made, with both members invited to it.
    let (client, after) = joined_rooms_of(&synapse, &bot_user, &bot_pass).await;
    assert_eq!(
        after, before,
        "the retry reused the room the first try made instead of making another"
    );
    assert_eq!(seen_a.room.as_str(), after[0]);
    let members = client
        .send(get_member_events::v3::Request::new(seen_a.room.clone()))
        .await
        .unwrap()
        .chunk;
    for member in [&alice_user, &bob_user] {
        let event = members
            .iter()
            .filter_map(|raw| raw.deserialize().ok())
            .find(|event| event.state_key().as_str() == member.as_str())
            .unwrap_or_else(|| panic!("{member} was invited to the room"));
        assert!(
            matches!(
                event.membership(),
                MembershipState::Invite | MembershipState::Join
            ),
            "{member}: {:?}",
            event.membership()
        );
    }
    // Posted once: a second copy would follow the first at once.
    assert_eq!(
        alice.collect(&bot_user, Duration::from_secs(2)).await.len(),
        0,
        "shown once"
    );

    second.signal("TERM");
    assert!(second.exit_within(WAIT).await.success());
}

/// The same retry within one process, once the room has come with a sync: it is found in the
/// bot's own store, not asked of the homeserver.
#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_retry_after_a_lost_answer_finds_the_room_in_the_bots_synced_store() {
    let synapse = Synapse::from_env();
    let (bot_user, bot_pass) = synapse.register("rounds");
    let (alice_user, alice_pass) = synapse.register("alice");
    let (bob_user, _) = synapse.register("bob");
    let mut alice = Member::login(&synapse, &alice_user, &alice_pass).await;
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("rounds.db").display());
    let store = Arc::new(
        SqlStore::open(&DatabaseUrl::parse(&database).unwrap())
            .await
            .unwrap(),
    );
    let runtime = Arc::new(Runtime::new(Arc::new(Bot::new(
        store.clone(),
        support::settings(chrono_tz::Australia::Sydney),
    ))));
    let config = MatrixConfig {
        homeserver: synapse.url.clone(),
        user: bot_user.clone(),
        password: Some(bot_pass.clone()),
        access_token: None,
        recovery_key: None,
    };
    let bot = MatrixBot::connect(
        &config,
        Vec::new(),
        dir.path(),
        runtime.clone(),
        Clock::wall(),
    )
    .await
    .unwrap();
    let adapter = bot.adapter.clone();
    let (stop, shutdown) = watch::channel(false);
    let task = support::spawn_with_drive(
        bot.run(shutdown.clone()),
        runtime,
        adapter.clone(),
        Clock::wall(),
        shutdown,
    );

    let intro = Action::Introduce {
        society: support::SOCIETY.into(),
        members: vec![user(&alice_user, "alice"), user(&bob_user, "bob")],
        message: Message::text(INTRO),
        meeting: None,
    };
    adapter.perform("test-intro-2", &intro).await.unwrap();
    let seen = alice.expect(&bot_user, |s| s.body == INTRO).await;
    // The bot's own sync has brought the room, its state included, into its store.
    tokio::time::timeout(WAIT, async {
        while !adapter
            .client()
            .get_room(&seen.room)
            .is_some_and(|room| room.is_state_fully_synced())
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("the bot's sync brings the room");

    // As if the answer to the creation had been lost: the room was never written down.
    let mut conn = sqlx::SqliteConnection::connect(&database).await.unwrap();
    sqlx::query("DELETE FROM platform_memory WHERE key = 'intro-room:test-intro-2'")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
    adapter.perform("test-intro-2", &intro).await.unwrap();

    let (_, rooms) = joined_rooms_of(&synapse, &bot_user, &bot_pass).await;
    assert_eq!(rooms, vec![seen.room.to_string()], "no second room");
    assert_eq!(
        store
            .recall("matrix", "intro-room:test-intro-2")
            .await
            .unwrap()
            .as_deref(),
        Some(seen.room.as_str()),
        "the room found is written down again"
    );
    stop.send(true).unwrap();
    task.await.unwrap().unwrap();
}
