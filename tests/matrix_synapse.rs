//! Rounds on a real Synapse homeserver, driven by a second matrix-sdk client as a member.
//!
//! `scripts/test` starts Synapse (scripts/synapse/harness.py) and runs these; plain
//! `cargo test` skips them because there is no homeserver to talk to.

mod support;

use support::matrix_member::{Member, Seen, Synapse, invite_bot, join_invited};

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use matrix_sdk::ruma::api::client::room::create_room::v3::Request as CreateRoom;
use matrix_sdk::ruma::events::reaction::ReactionEventContent;
use matrix_sdk::ruma::events::relation::Annotation;
use matrix_sdk::ruma::{EventId, UserId};
use rounds::clock::Clock;
use rounds::config::MatrixConfig;
use rounds::core::Bot;
use rounds::core::io::{Action, Message, UserRef};
use rounds::platform::Adapter;
use rounds::platform::matrix::MatrixBot;
use rounds::runtime::Runtime;
use rounds::store::{DatabaseUrl, SqlStore};
use tokio::sync::watch;

struct RunningBot {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    adapter: Arc<rounds::platform::matrix::MatrixAdapter>,
}

async fn start_bot(
    synapse: &Synapse,
    user: &str,
    password: &str,
    data: &Path,
    clock: Clock,
) -> RunningBot {
    start_linked_bot(
        synapse,
        user,
        password,
        data,
        clock,
        support::settings(chrono_tz::Australia::Sydney),
        Vec::new(),
    )
    .await
}

async fn start_linked_bot(
    synapse: &Synapse,
    user: &str,
    password: &str,
    data: &Path,
    clock: Clock,
    settings: rounds::core::Settings,
    links: Vec<rounds::config::MatrixLink>,
) -> RunningBot {
    // The bot's log (errors, or what RUST_LOG asks for) shows with a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .try_init();
    let store = Arc::new(
        SqlStore::open(
            &DatabaseUrl::parse(&data.join("rounds.db").to_string_lossy()).expect("a database URL"),
        )
        .await
        .unwrap(),
    );
    let bot = Arc::new(Bot::new(store, settings));
    let runtime = Arc::new(Runtime::new(bot));
    let config = MatrixConfig {
        homeserver: synapse.url.clone(),
        user: user.to_string(),
        password: Some(password.to_string()),
        access_token: None,
        recovery_key: None,
    };
    start_configured_bot(&config, runtime, data, clock, links).await
}

async fn start_configured_bot(
    config: &MatrixConfig,
    runtime: Arc<Runtime>,
    data: &Path,
    clock: Clock,
    links: Vec<rounds::config::MatrixLink>,
) -> RunningBot {
    let bot = MatrixBot::connect(config, links, data, runtime.clone(), clock.clone())
        .await
        .unwrap();
    let adapter = bot.adapter.clone();
    let (stop, shutdown) = watch::channel(false);
    let task = support::spawn_with_drive(
        bot.run(shutdown.clone()),
        runtime,
        adapter.clone(),
        clock,
        shutdown,
    );
    RunningBot {
        stop,
        task,
        adapter,
    }
}

impl RunningBot {
    async fn stop(self) {
        self.stop.send(true).unwrap();
        self.task.await.unwrap().unwrap();
    }
}

/// A running bot and a member logged in, each on a fresh account and a fresh data directory.
struct Scene {
    synapse: Synapse,
    bot_user: String,
    bot_pass: String,
    _keep: tempfile::TempDir,
    data: PathBuf,
    clock: Clock,
    bot: RunningBot,
    alice: Member,
}

impl Scene {
    async fn start() -> Scene {
        let synapse = Synapse::from_env();
        let (bot_user, bot_pass) = synapse.register("rounds");
        let (alice_user, alice_pass) = synapse.register("alice");
        let (keep, data) = data_dir();
        let clock = Clock::wall();
        let bot = start_bot(&synapse, &bot_user, &bot_pass, &data, clock.clone()).await;
        let alice = Member::login(&synapse, &alice_user, &alice_pass).await;
        Scene {
            synapse,
            bot_user,
            bot_pass,
            _keep: keep,
            data,
            clock,
            bot,
            alice,
        }
    }
}

fn data_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    (dir, path)
}

async fn help_and_reminder(encrypted: bool) {
    let Scene {
        bot_user,
        clock,
        bot,
        mut alice,
        _keep,
        ..
    } = Scene::start().await;
    let room = alice.room_with(&bot_user, encrypted).await;

    let help = alice.say(&room, "!help").await;
    let reply = alice
        .expect(&bot_user, |s| s.reply_to.as_ref() == Some(&help))
        .await;
    assert!(
        reply.body.contains("Reminders: for you or the room"),
        "{}",
        reply.body
    );
    assert!(
        reply
            .html
            .as_deref()
            .unwrap_or("")
            .contains("<code>!event list</code>")
    );
    assert_eq!(
        reply.encrypted, encrypted,
        "the answer is encrypted exactly when the room is"
    );

    alice
        .say(&room, "!remind here in 1 minute to start the handover")
        .await;
    let got = alice
        .expect(&bot_user, |s| s.body.starts_with("Got it"))
        .await;
    assert!(got.body.contains(": start the handover."), "{}", got.body);
    clock.advance(chrono::Duration::minutes(2));
    let reminder = alice.expect(&bot_user, |s| s.body.contains("⏰")).await;
    assert_eq!(reminder.room, room.room_id());
    assert!(
        reminder.body.ends_with(": start the handover"),
        "{}",
        reminder.body
    );
    assert!(
        reminder.mentions.contains(&alice.user),
        "the owner is mentioned with a pill"
    );
    assert!(
        reminder
            .html
            .unwrap_or_default()
            .contains("https://matrix.to/#/")
    );
    bot.stop().await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn help_and_a_reminder_in_a_plain_room() {
    help_and_reminder(false).await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn help_and_a_reminder_in_an_encrypted_room() {
    help_and_reminder(true).await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_reaction_is_a_choice() {
    let Scene {
        bot_user,
        bot,
        mut alice,
        _keep,
        ..
    } = Scene::start().await;
    let room = alice.room_with(&bot_user, false).await;

    alice.say(&room, "!forget me").await;
    let question = alice
        .expect(&bot_user, |s| s.body.contains("React with"))
        .await;
    assert!(
        question
            .body
            .contains("1️⃣ Yes, erase everything · 2️⃣ No, keep my data"),
        "{}",
        question.body
    );
    room.send(ReactionEventContent::new(Annotation::new(
        question.event_id.clone(),
        "2️⃣".to_string(),
    )))
    .await
    .unwrap();
    let answer = alice.expect(&bot_user, |s| s.body.contains("erased")).await;
    assert_eq!(answer.body, "Nothing was erased.");
    bot.stop().await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn an_introduction_is_a_new_encrypted_direct_room() {
    let synapse = Synapse::from_env();
    let (bot_user, bot_pass) = synapse.register("rounds");
    let (alice_user, alice_pass) = synapse.register("alice");
    let (bob_user, bob_pass) = synapse.register("bob");
    let (_keep, data) = data_dir();
    let bot = start_bot(&synapse, &bot_user, &bot_pass, &data, Clock::wall()).await;
    let mut alice = Member::login(&synapse, &alice_user, &alice_pass).await;
    let mut bob = Member::login(&synapse, &bob_user, &bob_pass).await;

    let members = vec![
        UserRef {
            id: alice_user.clone(),
            name: "alice".into(),
        },
        UserRef {
            id: bob_user.clone(),
            name: "bob".into(),
        },
    ];
    let intro = Action::Introduce {
        society: support::SOCIETY.into(),
        members: members.clone(),
        message: Message::text("Meet alice and bob: what got you into medicine?"),
        meeting: None,
    };
    bot.adapter.perform("test-intro-1", &intro).await.unwrap();
    // A retry with the same key posts into the same room, not a second one.
    bot.adapter.perform("test-intro-1", &intro).await.unwrap();

    let seen_a = alice
        .expect(&bot_user, |s| s.body.starts_with("Meet alice"))
        .await;
    let seen_b = bob
        .expect(&bot_user, |s| s.body.starts_with("Meet alice"))
        .await;
    assert_eq!(seen_a.room, seen_b.room);
    assert!(seen_a.encrypted && seen_b.encrypted);
    let room = alice.client.get_room(&seen_a.room).unwrap();
    assert!(room.is_direct().await.unwrap());
    assert_eq!(
        alice.collect(&bot_user, Duration::from_secs(2)).await.len(),
        0,
        "shown once"
    );
    bot.stop().await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_restart_answers_no_old_command_misses_none_and_keeps_decrypting() {
    let Scene {
        synapse,
        bot_user,
        bot_pass,
        _keep,
        data,
        clock,
        bot,
        mut alice,
    } = Scene::start().await;
    let room = alice.room_with(&bot_user, true).await;

    let before = alice.say(&room, "!help").await;
    alice
        .expect(&bot_user, |s| s.reply_to.as_ref() == Some(&before))
        .await;
    bot.stop().await;

    // Sent while Rounds is down.
    let during = alice.say(&room, "!reminders").await;
    clock.advance(chrono::Duration::minutes(10));
    let bot = start_bot(&synapse, &bot_user, &bot_pass, &data, clock.clone()).await;
    let late = alice
        .expect(&bot_user, |s| s.reply_to.as_ref() == Some(&during))
        .await;
    assert!(
        late.body.starts_with("(Late answer: you sent this"),
        "{}",
        late.body
    );
    assert!(late.encrypted);

    let after = alice.say(&room, "!help").await;
    alice
        .expect(&bot_user, |s| s.reply_to.as_ref() == Some(&after))
        .await;
    let extra = alice.collect(&bot_user, Duration::from_secs(3)).await;
    assert!(
        extra.iter().all(|s| s.reply_to.as_ref() != Some(&before)),
        "the command from before the restart is not answered again"
    );
    bot.stop().await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_second_process_on_the_same_store_fails_fast() {
    let synapse = Synapse::from_env();
    let (bot_user, bot_pass) = synapse.register("rounds");
    let (_keep, data) = data_dir();
    let bot = start_bot(&synapse, &bot_user, &bot_pass, &data, Clock::wall()).await;
    let store = Arc::new(
        SqlStore::open(&DatabaseUrl::parse(":memory:").expect("a database URL"))
            .await
            .unwrap(),
    );
    let runtime = Arc::new(Runtime::new(Arc::new(Bot::new(
        store,
        support::settings(chrono_tz::UTC),
    ))));
    let config = MatrixConfig {
        homeserver: synapse.url.clone(),
        user: bot_user.clone(),
        password: Some(bot_pass.clone()),
        access_token: None,
        recovery_key: None,
    };
    let second = MatrixBot::connect(&config, Vec::new(), &data, runtime, Clock::wall()).await;
    let error = second
        .err()
        .expect("the second process is refused")
        .to_string();
    assert!(error.contains("another Rounds process"), "{error}");
    bot.stop().await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn every_command_answers_and_a_private_reminder_arrives_in_a_direct_room() {
    let Scene {
        bot_user,
        clock,
        bot,
        mut alice,
        _keep,
        ..
    } = Scene::start().await;
    let room = alice.room_with(&bot_user, false).await;

    for (command, answer) in [
        ("!help remind", "`!remind me <when> <what>`"),
        (
            "!profile timezone Europe/London",
            "Your timezone is now Europe/London",
        ),
        ("!profile stage registrar", "Your stage is now registrar."),
        (
            "!profile specialty emergency medicine",
            "Your specialty is now emergency medicine.",
        ),
        (
            "!profile hospital Royal London",
            "Your hospital is now Royal London.",
        ),
        ("!profile img no", "not an international medical graduate"),
        ("!profile", "stage: registrar"),
        ("!remind me in 1 minute to ring the ward", "Got it (R1)"),
        ("!reminders", "R1 · "),
        ("!reminders snooze r1 1m", "Snoozed R1 by 1m"),
        ("!reminders cancel R9", "You have no reminder R9"),
        ("!remind me 31 February to x", "31 February is not a date"),
        ("!frobnicate", "I don't know the command `!frobnicate`"),
        ("!forget me", "React with"),
    ] {
        let reply = alice.ask(&room, command, &bot_user).await;
        assert!(reply.body.contains(answer), "{command}: {}", reply.body);
    }
    clock.advance(chrono::Duration::minutes(3));
    let reminder = alice.expect(&bot_user, |s| s.body.starts_with("⏰")).await;
    assert_eq!(reminder.body, "⏰ Reminder: ring the ward");
    assert_ne!(
        reminder.room,
        room.room_id(),
        "a private reminder goes to a direct room"
    );
    let direct = alice.client.get_room(&reminder.room).unwrap();
    assert!(direct.is_direct().await.unwrap());
    assert!(reminder.encrypted, "direct rooms are encrypted");
    bot.stop().await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_spaces_child_rooms_belong_to_its_society() {
    use matrix_sdk::ruma::events::space::child::SpaceChildEventContent;
    let synapse = Synapse::from_env();
    let (bot_user, bot_pass) = synapse.register("rounds");
    let (alice_user, alice_pass) = synapse.register("alice");
    let (_keep, data) = data_dir();
    let mut alice = Member::login(&synapse, &alice_user, &alice_pass).await;

    // The society's space, with one child room, made before Rounds is linked to it.
    let mut request = CreateRoom::new();
    let mut creation = matrix_sdk::ruma::api::client::room::create_room::v3::CreationContent::new();
    creation.room_type = Some(matrix_sdk::ruma::room::RoomType::Space);
    request.creation_content = Some(matrix_sdk::ruma::serde::Raw::new(&creation).unwrap());
    request.name = Some("Society of Junior Doctors".into());
    let space = alice.client.create_room(request).await.unwrap();
    let child = alice.client.create_room(CreateRoom::new()).await.unwrap();
    space
        .send_state_event_for_key(
            child.room_id(),
            SpaceChildEventContent::new(vec!["localhost".try_into().unwrap()]),
        )
        .await
        .unwrap();
    let other = alice.client.create_room(CreateRoom::new()).await.unwrap();

    let settings = support::settings_beside_default(support::society(chrono_tz::Australia::Sydney));
    let links = vec![rounds::config::MatrixLink {
        society: support::SOCIETY.into(),
        space: Some(space.room_id().to_string()),
        ..Default::default()
    }];
    let bot = start_linked_bot(
        &synapse,
        &bot_user,
        &bot_pass,
        &data,
        Clock::wall(),
        settings,
        links,
    )
    .await;
    let bot_id = UserId::parse(&bot_user).unwrap();
    invite_bot(&[&space, &child, &other], &bot_id).await;

    let reply = alice.ask(&child, "!profile", &bot_user).await;
    assert!(
        reply
            .body
            .starts_with("What Rounds holds about you in Test Society:"),
        "{}",
        reply.body
    );
    assert!(
        reply.body.contains("(the society's: Australia/Sydney)"),
        "{}",
        reply.body
    );
    let reply = alice.ask(&other, "!profile", &bot_user).await;
    assert!(
        reply
            .body
            .starts_with("What Rounds holds about you in Default Community:"),
        "{}",
        reply.body
    );
    bot.stop().await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn coffee_setup_join_round_introduction_and_checkin() {
    let CommitteeScene {
        bot_user,
        bot,
        clock,
        mut alice,
        mut bob,
        _keep,
    } = CommitteeScene::start().await;
    let alice_room = alice.room_with(&bot_user, false).await;
    let bob_room = bob.room_with(&bot_user, false).await;

    // The first round is a minute or two away: member events carry their real send time, so
    // the test clock may only move on a little before they would count as late.
    let soon = (chrono::Utc::now() + chrono::Duration::minutes(2))
        .with_timezone(&chrono_tz::Australia::Sydney)
        .format("%H:%M");
    let setup = alice
        .ask(
            &alice_room,
            &format!("!coffee setup every day at {soon} checkin 1 hour"),
            &bot_user,
        )
        .await;
    assert!(
        setup
            .body
            .contains("coffee pairings of Test Society started"),
        "{}",
        setup.body
    );
    for (member, room) in [(&mut alice, &alice_room), (&mut bob, &bob_room)] {
        let joined = member.ask(room, "!coffee join", &bot_user).await;
        assert!(joined.body.starts_with("You are in"), "{}", joined.body);
    }

    // The round fires, and each of them is introduced in one new encrypted direct room.
    clock.advance(chrono::Duration::minutes(3));
    // The summary in the old room may be seen before the introduction in the new one.
    let seen = alice
        .expect_all(
            &bot_user,
            &[&|s| s.body.starts_with("☕ The coffee"), &|s| {
                s.body.starts_with("☕ Round 1")
            }],
        )
        .await;
    let [intro_a, summary] = <[Seen; 2]>::try_from(seen).unwrap();
    let intro_b = bob
        .expect(&bot_user, |s| s.body.starts_with("☕ The coffee"))
        .await;
    assert_eq!(intro_a.room, intro_b.room);
    assert_ne!(intro_a.room, alice_room.room_id());
    assert!(intro_a.encrypted);
    assert!(intro_a.body.contains("Icebreaker: "), "{}", intro_a.body);
    assert!(intro_a.mentions.contains(&bob.user), "both are mentioned");
    assert_eq!(summary.room, alice_room.room_id());

    // An hour later the check-in arrives in the same room; a reaction answers it.
    clock.advance(chrono::Duration::minutes(61));
    let checkin = alice
        .expect(&bot_user, |s| s.body.contains("Did you manage to meet"))
        .await;
    assert_eq!(checkin.room, intro_a.room);
    assert!(checkin.body.contains("1️⃣ We met"), "{}", checkin.body);
    let room = alice.client.get_room(&checkin.room).unwrap();
    room.send(ReactionEventContent::new(Annotation::new(
        checkin.event_id.clone(),
        "1️⃣".to_string(),
    )))
    .await
    .unwrap();
    // (Labelled late: the reaction's send time is real, the bot's clock has moved on an hour.)
    let answer = alice.expect(&bot_user, |s| s.body.contains("Lovely")).await;
    assert!(
        answer.body.contains("noted that you met"),
        "{}",
        answer.body
    );

    let stats = alice.ask(&alice_room, "!coffee stats", &bot_user).await;
    assert!(stats.body.contains("meeting rate: 100%"), "{}", stats.body);
    bot.stop().await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn an_event_is_announced_answered_by_reactions_and_reminded() {
    let CommitteeScene {
        bot_user,
        bot,
        clock,
        mut alice,
        mut bob,
        _keep,
    } = CommitteeScene::start().await;
    let room = room_of_three(&alice, &bob, &bot_user).await;

    // With no announcements room configured, the event is announced where it was created.
    alice
        .say(
            &room,
            "!event create Grand rounds | in 3 days | at Theatre 2 | capacity 1",
        )
        .await;
    let announcement = bob
        .expect(&bot_user, |s| s.body.starts_with("📅 Grand rounds (E1)"))
        .await;
    assert!(
        announcement
            .body
            .contains("1️⃣ Going · 2️⃣ Maybe · 3️⃣ Can't go"),
        "{}",
        announcement.body
    );
    let react = |who: &Member, emoji: &str| {
        let room = who.client.get_room(room.room_id()).unwrap();
        let content = ReactionEventContent::new(Annotation::new(
            announcement.event_id.clone(),
            emoji.to_string(),
        ));
        async move { room.send(content).await.unwrap() }
    };
    react(&alice, "1️⃣").await;
    alice
        .expect(&bot_user, |s| {
            s.body.starts_with("You're going to Grand rounds")
        })
        .await;
    // Everyone in the room sees the announcement edited in place with the live counts.
    let counted = bob
        .expect(&bot_user, |s| {
            edits(s, &announcement.event_id, "Going: 1 of 1 · waitlist: 0")
        })
        .await;
    assert!(
        counted.body.starts_with("* 📅 Grand rounds (E1)"),
        "{}",
        counted.body
    );
    let (_, counted) = counted.replaces.unwrap();
    assert!(counted.starts_with("📅 Grand rounds (E1)"), "{counted}");
    assert!(counted.contains("Where: Theatre 2"), "{counted}");
    assert!(counted.contains("1️⃣ Going · 2️⃣ Maybe"), "{counted}");
    react(&bob, "1️⃣").await;
    bob.expect_all(
        &bot_user,
        &[&|s| s.body.contains("number 1 on the waitlist"), &|s| {
            edits(s, &announcement.event_id, "Going: 1 of 1 · waitlist: 1")
        }],
    )
    .await;
    alice.say(&room, "!rsvp E1 no").await;
    let promoted = bob
        .expect(&bot_user, |s| {
            s.body.starts_with("Good news: a place opened up")
        })
        .await;
    assert_ne!(promoted.room, room.room_id(), "told in a direct room");

    // The day before, Bob (going) is reminded; Alice (not going) is not.
    clock.advance(chrono::Duration::days(2) + chrono::Duration::minutes(1));
    let reminder = bob
        .expect(&bot_user, |s| s.body.starts_with("⏰ In 1d: Grand rounds"))
        .await;
    assert_eq!(reminder.room, promoted.room);
    assert!(
        alice
            .collect(&bot_user, Duration::from_secs(2))
            .await
            .iter()
            .all(|s| !s.body.starts_with("⏰")),
        "only those going are reminded"
    );

    // An hour before, the second reminder says where.
    clock.advance(chrono::Duration::hours(23));
    let last = bob
        .expect(&bot_user, |s| {
            s.body.starts_with("⏰ In 1h: Grand rounds (E1)")
        })
        .await;
    assert_eq!(last.room, promoted.room);
    assert!(last.body.contains("Where: Theatre 2."), "{}", last.body);
    bot.stop().await;
}

/// Whether `seen` is an `m.replace` edit of `original` whose new text contains `text`.
fn edits(seen: &Seen, original: &EventId, text: &str) -> bool {
    matches!(&seen.replaces, Some((id, body)) if id == original && body.contains(text))
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_cancelled_event_tells_everyone_who_answered_and_marks_its_announcement() {
    let CommitteeScene {
        bot_user,
        bot,
        mut alice,
        mut bob,
        _keep,
        ..
    } = CommitteeScene::start().await;
    let room = room_of_three(&alice, &bob, &bot_user).await;

    alice
        .say(&room, "!event create Journal club | in 3 days | at Library")
        .await;
    let announcement = bob
        .expect(&bot_user, |s| s.body.starts_with("📅 Journal club (E1)"))
        .await;
    let bobs_room = bob.client.get_room(room.room_id()).unwrap();
    bobs_room
        .send(ReactionEventContent::new(Annotation::new(
            announcement.event_id.clone(),
            "1️⃣".to_string(),
        )))
        .await
        .unwrap();
    bob.expect(&bot_user, |s| {
        s.body.starts_with("You're going to Journal club")
    })
    .await;
    alice.ask(&room, "!rsvp E1 maybe", &bot_user).await;

    let asked = alice.say(&room, "!event cancel E1").await;
    let seen = alice
        .expect_all(
            &bot_user,
            &[
                &|s| s.reply_to.as_ref() == Some(&asked),
                &|s| {
                    s.body
                        .starts_with("Cancelled: Journal club (E1), which was on")
                },
                &|s| edits(s, &announcement.event_id, "📅 Cancelled: Journal club (E1)"),
            ],
        )
        .await;
    let [reply, told_alice, edit] = <[Seen; 3]>::try_from(seen).unwrap();
    assert!(
        reply
            .body
            .contains("Cancelled E1; 2 members who answered were told"),
        "{}",
        reply.body
    );
    let (_, marked) = edit.replaces.unwrap();
    assert!(
        !marked.contains("Going:") && !marked.contains("React with"),
        "a cancelled announcement offers no answers: {marked}"
    );
    assert!(marked.contains("Where: Library"), "{marked}");
    let told_bob = bob
        .expect(&bot_user, |s| {
            s.body
                .starts_with("Cancelled: Journal club (E1), which was on")
        })
        .await;
    for (member, told) in [(&alice, &told_alice), (&bob, &told_bob)] {
        assert_ne!(told.room, room.room_id(), "told in a direct room");
        let direct = member.client.get_room(&told.room).unwrap();
        assert!(direct.is_direct().await.unwrap());
        assert!(
            told.body.ends_with("Sorry for the change of plans."),
            "{}",
            told.body
        );
    }
    bot.stop().await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn an_event_as_an_ics_file_then_a_check_in_code_and_a_cpd_export() {
    let CommitteeScene {
        bot_user,
        bot,
        clock,
        mut alice,
        mut bob,
        _keep,
    } = CommitteeScene::start().await;
    let room = room_of_three(&alice, &bob, &bot_user).await;

    alice
        .say(
            &room,
            "!event create Sepsis update | in 2 hours | for 1h30m | at Lecture theatre 2 | cpd 1.5",
        )
        .await;
    bob.expect(&bot_user, |s| s.body.starts_with("📅 Sepsis update (E1)"))
        .await;
    // Check-in is for members going.
    bob.ask(&room, "!rsvp E1 going", &bot_user).await;

    // The event as a calendar file, sent after the text and downloaded like any attachment.
    let asked = bob.say(&room, "!event ics E1").await;
    let seen = bob
        .expect_all(
            &bot_user,
            &[&|s| s.reply_to.as_ref() == Some(&asked), &|s| {
                s.file.is_some()
            }],
        )
        .await;
    let [reply, file] = <[Seen; 2]>::try_from(seen).unwrap();
    assert!(
        reply.body.contains("Sepsis update (E1) as a calendar file"),
        "{}",
        reply.body
    );
    assert_eq!(file.room, room.room_id());
    let content = file.file.unwrap();
    assert_eq!(content.body, "E1.ics");
    assert_eq!(content.filename(), "E1.ics");
    assert_eq!(
        content.info.as_ref().and_then(|i| i.mimetype.as_deref()),
        Some("text/calendar")
    );
    let bytes = bob
        .client
        .media()
        .get_file(&content, false)
        .await
        .unwrap()
        .expect("the file has a source");
    let ics = String::from_utf8(bytes).unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR"), "{ics}");
    assert!(ics.contains("SUMMARY:Sepsis update"), "{ics}");
    assert!(ics.contains("LOCATION:Lecture theatre 2"), "{ics}");
    assert!(ics.trim_end().ends_with("END:VCALENDAR"), "{ics}");

    // A code opened early is refused until check-in opens half an hour before the start.
    let code = |body: &str| -> String {
        let after = body
            .split("Check-in code for Sepsis update (E1): ")
            .nth(1)
            .unwrap_or_else(|| panic!("no code in {body}"));
        after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect()
    };
    let early_code = code(
        &alice
            .ask(&room, "!event checkin-code E1", &bot_user)
            .await
            .body,
    );
    assert_eq!(early_code.len(), 6, "{early_code}");
    let early = bob
        .ask(&room, &format!("!event checkin E1 {early_code}"), &bot_user)
        .await;
    assert!(
        early
            .body
            .contains("Check-in for E1 is open only during the event"),
        "{}",
        early.body
    );

    // During the event: the same code, and Bob checks in with it.
    clock.advance(chrono::Duration::hours(2) + chrono::Duration::minutes(5));
    let during = code(
        &alice
            .ask(&room, "!event checkin-code E1", &bot_user)
            .await
            .body,
    );
    assert_eq!(during, early_code, "one code per event");
    let checked = bob
        .ask(&room, &format!("!event checkin E1 {during}"), &bot_user)
        .await;
    assert!(
        checked
            .body
            .contains("Checked in to Sepsis update (E1) (CPD: 1h 30m)"),
        "{}",
        checked.body
    );

    let export = bob.ask(&room, "!cpd export", &bot_user).await;
    let csv: Vec<&str> = export
        .body
        .lines()
        .skip_while(|l| !l.starts_with("date,"))
        .collect();
    assert_eq!(
        csv.first().copied(),
        Some("date,title,kind,hours,place"),
        "{}",
        export.body
    );
    assert_eq!(csv.len(), 2, "one attended event: {}", export.body);
    assert!(csv[1].contains(",Sepsis update,"), "{}", csv[1]);
    assert!(csv[1].ends_with(",1.5,Lecture theatre 2"), "{}", csv[1]);
    bot.stop().await;
}

/// Alice (on the committee), Bob and a bot whose clock the test moves, each on a fresh account.
struct CommitteeScene {
    bot_user: String,
    bot: RunningBot,
    clock: Clock,
    alice: Member,
    bob: Member,
    _keep: tempfile::TempDir,
}

/// A plain room Alice makes with Rounds and Bob in it, once Bob has joined.
async fn room_of_three(alice: &Member, bob: &Member, bot_user: &str) -> matrix_sdk::Room {
    let room = alice.room_with(bot_user, false).await;
    room.invite_user_by_id(&bob.user).await.unwrap();
    join_invited(bob, &room).await;
    room
}

impl CommitteeScene {
    async fn start() -> CommitteeScene {
        let synapse = Synapse::from_env();
        let (bot_user, bot_pass) = synapse.register("rounds");
        let (alice_user, alice_pass) = synapse.register("alice");
        let (bob_user, bob_pass) = synapse.register("bob");
        let (keep, data) = data_dir();
        let mut settings = support::settings(chrono_tz::Australia::Sydney);
        settings.default_society.committee = vec![alice_user.clone()];
        for society in settings.societies.values_mut() {
            society.committee = vec![alice_user.clone()];
        }
        let clock = Clock::wall();
        let bot = start_linked_bot(
            &synapse,
            &bot_user,
            &bot_pass,
            &data,
            clock.clone(),
            settings,
            Vec::new(),
        )
        .await;
        let alice = Member::login(&synapse, &alice_user, &alice_pass).await;
        let bob = Member::login(&synapse, &bob_user, &bob_pass).await;
        CommitteeScene {
            bot_user,
            bot,
            clock,
            alice,
            bob,
            _keep: keep,
        }
    }
}

/// A society on Matrix: Alice (on its committee) made its room, its celebrations room and its
/// interns' room before Rounds was linked to them, and Rounds has joined all three. The
/// default society is another one, so what members say in direct rooms must be traced back
/// to the society they share with Rounds.
struct SocietyScene {
    synapse: Synapse,
    bot_user: String,
    bot: RunningBot,
    alice: Member,
    general: matrix_sdk::Room,
    celebrations: matrix_sdk::Room,
    interns: matrix_sdk::Room,
    _keep: tempfile::TempDir,
}

const WELCOME_TEXT: &str = "We are junior doctors helping each other through the rotations.";

impl SocietyScene {
    async fn start() -> SocietyScene {
        let synapse = Synapse::from_env();
        let (bot_user, bot_pass) = synapse.register("rounds");
        let (alice_user, alice_pass) = synapse.register("alice");
        let (keep, data) = data_dir();
        let alice = Member::login(&synapse, &alice_user, &alice_pass).await;
        let mut rooms = Vec::new();
        for name in ["General", "Celebrations", "Interns"] {
            let mut request = CreateRoom::new();
            request.name = Some(name.into());
            rooms.push(alice.client.create_room(request).await.unwrap());
        }
        let [general, celebrations, interns] = <[matrix_sdk::Room; 3]>::try_from(rooms).unwrap();

        let mut society = support::society(chrono_tz::Australia::Sydney);
        society.committee = vec![alice_user.clone()];
        society.welcome = rounds::core::Welcome {
            text: Some(WELCOME_TEXT.into()),
            code_of_conduct: Some("be kind; no patient details, ever.".into()),
            groups: vec![("intern".into(), "interns".into())],
        };
        let settings = support::settings_beside_default(society);
        let links = vec![rounds::config::MatrixLink {
            society: support::SOCIETY.into(),
            rooms: vec![general.room_id().to_string()],
            celebrations: Some(celebrations.room_id().to_string()),
            group_rooms: [("interns".to_string(), interns.room_id().to_string())].into(),
            ..Default::default()
        }];
        let bot = start_linked_bot(
            &synapse,
            &bot_user,
            &bot_pass,
            &data,
            Clock::wall(),
            settings,
            links,
        )
        .await;
        let bot_id = UserId::parse(&bot_user).unwrap();
        invite_bot(&[&general, &celebrations, &interns], &bot_id).await;
        SocietyScene {
            synapse,
            bot_user,
            bot,
            alice,
            general,
            celebrations,
            interns,
            _keep: keep,
        }
    }

    /// A new account, logged in, that Alice brings into the society's room.
    async fn newcomer(&self, prefix: &str) -> Member {
        let (user, password) = self.synapse.register(prefix);
        let member = Member::login(&self.synapse, &user, &password).await;
        self.general.invite_user_by_id(&member.user).await.unwrap();
        join_invited(&member, &self.general).await;
        member
    }
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_newcomer_is_welcomed_privately_and_their_answers_invite_them_to_their_group() {
    let scene = SocietyScene::start().await;
    let bot_user = scene.bot_user.clone();
    let mut carol = scene.newcomer("carol").await;
    let carol_name = carol.user.localpart().to_string();

    let seen = carol
        .expect_all(
            &bot_user,
            &[&|s| s.body.starts_with("Welcome to Test Society"), &|s| {
                s.body.contains("1/6 · What stage of training are you at?")
            }],
        )
        .await;
    let [welcome, stage] = <[Seen; 2]>::try_from(seen).unwrap();
    assert!(
        welcome
            .body
            .starts_with(&format!("Welcome to Test Society, {carol_name}!")),
        "{}",
        welcome.body
    );
    assert!(welcome.body.contains(WELCOME_TEXT), "{}", welcome.body);
    assert!(
        welcome
            .body
            .contains("Our code of conduct: be kind; no patient details, ever."),
        "{}",
        welcome.body
    );
    assert_ne!(welcome.room, scene.general.room_id(), "welcomed privately");
    assert_eq!(stage.room, welcome.room);
    let direct = carol.client.get_room(&welcome.room).unwrap();
    assert!(direct.is_direct().await.unwrap());
    assert!(
        stage.body.contains("1️⃣ Student · 2️⃣ Intern · 3️⃣ Resident"),
        "{}",
        stage.body
    );
    // The keycaps are there to tap: Rounds seeded them on the question.
    carol
        .expect_reaction(&bot_user, |r| r.target == stage.event_id && r.key == "2️⃣")
        .await;

    carol.react(&stage.room, &stage.event_id, "2️⃣").await;
    let specialty = carol
        .expect(&bot_user, |s| {
            s.body.contains("2/6 · What is your specialty")
        })
        .await;
    assert_eq!(specialty.room, welcome.room);
    // An intern is invited to the interns' room (the join fails unless Rounds invited them).
    join_invited(&carol, &scene.interns).await;

    // A typed answer in the direct room answers the specialty question.
    carol.say(&direct, "emergency medicine").await;
    let timezone = carol
        .expect(&bot_user, |s| s.body.contains("3/6 · Which timezone"))
        .await;
    assert_eq!(timezone.room, welcome.room);
    let profile = carol.ask(&direct, "!profile", &bot_user).await;
    assert!(
        profile
            .body
            .starts_with("What Rounds holds about you in Test Society:"),
        "{}",
        profile.body
    );
    assert!(profile.body.contains("stage: intern"), "{}", profile.body);
    assert!(
        profile.body.contains("specialty: emergency medicine"),
        "{}",
        profile.body
    );

    // Leaving and coming back is not a second welcome.
    carol
        .client
        .get_room(scene.general.room_id())
        .unwrap()
        .leave()
        .await
        .unwrap();
    scene.general.invite_user_by_id(&carol.user).await.unwrap();
    join_invited(&carol, &scene.general).await;
    let later = carol.collect(&bot_user, Duration::from_secs(3)).await;
    assert!(
        later.iter().all(|s| !s.body.starts_with("Welcome to")),
        "welcomed once: {later:?}"
    );
    scene.bot.stop().await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_shoutout_is_celebrated_only_after_its_subject_says_yes() {
    use matrix_sdk::ruma::events::room::message::RoomMessageEventContent;
    let scene = SocietyScene::start().await;
    let mut bob = scene.newcomer("bob").await;
    let SocietyScene {
        bot_user,
        bot,
        mut alice,
        general,
        celebrations,
        _keep,
        ..
    } = scene;
    let bob_name = bob.user.localpart().to_string();

    // As Element sends a mention: a pill in the HTML, only the name in the plain body.
    let asked = general
        .send(RoomMessageEventContent::text_html(
            format!("!shoutout {bob_name} award Best teaching registrar"),
            format!(
                "!shoutout <a href=\"https://matrix.to/#/{}\">{bob_name}</a> award Best teaching registrar",
                bob.user
            ),
        ))
        .await
        .unwrap()
        .response
        .event_id;
    let thanks = alice
        .expect(&bot_user, |s| s.reply_to.as_ref() == Some(&asked))
        .await;
    assert!(
        thanks
            .body
            .starts_with(&format!("Thanks! I've asked {bob_name} first (S1)")),
        "{}",
        thanks.body
    );
    let question = bob
        .expect(&bot_user, |s| s.body.contains("would like to celebrate"))
        .await;
    assert_ne!(question.room, general.room_id(), "asked privately");
    assert!(
        question.body.contains("Award: Best teaching registrar"),
        "{}",
        question.body
    );
    assert!(
        question.body.contains("1️⃣ Post it · 2️⃣ Don't post"),
        "{}",
        question.body
    );
    let early = alice.collect(&bot_user, Duration::from_secs(2)).await;
    assert!(
        early.iter().all(|s| s.room != celebrations.room_id()),
        "nothing is celebrated before Bob says yes: {early:?}"
    );

    bob.react(&question.room, &question.event_id, "1️⃣").await;
    let seen = alice
        .expect_all(
            &bot_user,
            &[&|s| s.room == celebrations.room_id(), &|s| {
                s.body.contains("said yes: your shout-out S1")
            }],
        )
        .await;
    let [post, told] = <[Seen; 2]>::try_from(seen).unwrap();
    assert!(
        post.body
            .starts_with(&format!("🎉 Award · {bob_name}\nBest teaching registrar")),
        "{}",
        post.body
    );
    assert!(post.mentions.contains(&bob.user), "Bob is mentioned");
    assert!(
        post.html
            .as_deref()
            .unwrap_or("")
            .contains(&format!("https://matrix.to/#/{}", bob.user)),
        "with a pill: {:?}",
        post.html
    );
    alice
        .expect_reaction(&bot_user, |r| r.target == post.event_id && r.key == "🎉")
        .await;
    assert_ne!(told.room, general.room_id(), "the author is told privately");
    assert!(told.body.starts_with(&bob_name), "{}", told.body);
    let answered = bob
        .expect(&bot_user, |s| s.body.starts_with("Posted S1"))
        .await;
    assert_eq!(answered.room, question.room);

    let again = alice.collect(&bot_user, Duration::from_secs(2)).await;
    assert!(
        again.iter().all(|s| s.room != celebrations.room_id()),
        "celebrated once: {again:?}"
    );
    bot.stop().await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_milestone_with_a_record_number_is_refused_with_the_reason_in_a_direct_room() {
    let SocietyScene {
        bot_user,
        bot,
        mut alice,
        general,
        celebrations,
        _keep,
        ..
    } = SocietyScene::start().await;
    let asked = alice
        .say(&general, "!milestone other Patient MRN 1234567 recovered")
        .await;
    // Matrix has no ephemeral replies: the room hears only that a reason was sent, and the
    // reason arrives in a direct room.
    let seen = alice
        .expect_all(
            &bot_user,
            &[&|s| s.reply_to.as_ref() == Some(&asked), &|s| {
                s.body.contains("record number")
            }],
        )
        .await;
    let [refused, reason] = <[Seen; 2]>::try_from(seen).unwrap();
    assert_eq!(refused.room, general.room_id());
    assert!(
        refused
            .body
            .contains("sent you the reason in a direct message"),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("record number"), "{}", refused.body);
    assert_ne!(reason.room, general.room_id(), "the reason is private");
    let everything = alice.collect(&bot_user, Duration::from_secs(3)).await;
    assert!(
        everything.iter().all(|s| s.room != general.room_id()),
        "one answer in the shared room: {everything:?}"
    );
    assert!(
        everything.iter().all(|s| s.room != celebrations.room_id()),
        "nothing is celebrated: {everything:?}"
    );
    // Alice was in the society's room before Rounds: she is a member, not a newcomer.
    assert!(
        everything.iter().all(|s| !s.body.starts_with("Welcome to")),
        "{everything:?}"
    );
    bot.stop().await;
}

/// The device the bot logged in as, from the session it saved in `data`.
fn bot_device(data: &Path) -> String {
    let saved = std::fs::read(data.join("matrix/session.json")).expect("the saved session");
    let session: matrix_sdk::authentication::matrix::MatrixSession =
        serde_json::from_slice(&saved).unwrap();
    session.meta.device_id.to_string()
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn the_bots_device_is_signed_by_its_accounts_self_signing_key() {
    let Scene {
        bot_user,
        data,
        bot,
        alice,
        _keep,
        ..
    } = Scene::start().await;
    assert!(
        support::matrix_member::cross_signed_by_owner(&alice, &bot_user, &bot_device(&data)).await,
        "the bot cross-signed its own device on its first start"
    );
    bot.stop().await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_member_who_shares_keys_only_with_cross_signed_devices_is_answered_in_an_encrypted_room()
{
    let synapse = Synapse::from_env();
    let (bot_user, bot_pass) = synapse.register("rounds");
    let (alice_user, alice_pass) = synapse.register("alice");
    let (_keep, data) = data_dir();
    let bot = start_bot(&synapse, &bot_user, &bot_pass, &data, Clock::wall()).await;
    let mut alice =
        support::matrix_member::login_like_element(&synapse, &alice_user, &alice_pass).await;
    let room = alice.room_with(&bot_user, true).await;

    let reply = alice.ask(&room, "!help", &bot_user).await;
    assert!(
        reply.body.contains("Reminders: for you or the room"),
        "{}",
        reply.body
    );
    assert!(reply.encrypted, "the answer is encrypted like the room");
    bot.stop().await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_redeployment_with_the_saved_recovery_key_keeps_the_bots_identity() {
    let Scene {
        synapse,
        bot_user,
        bot_pass,
        data,
        bot,
        alice,
        _keep,
        ..
    } = Scene::start().await;
    let first_master = support::matrix_member::master_key(&alice, &bot_user)
        .await
        .expect("the bot published a cross-signing identity");
    let key_file = data.join("matrix/recovery-key");
    let recovery_key = std::fs::read_to_string(&key_file).expect("the saved recovery key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "only the bot's user reads the recovery key"
        );
    }
    bot.stop().await;

    // A plain restart on the same data keeps the device and the identity.
    let clock = Clock::wall();
    let bot = start_bot(&synapse, &bot_user, &bot_pass, &data, clock.clone()).await;
    assert_eq!(
        support::matrix_member::master_key(&alice, &bot_user)
            .await
            .as_deref(),
        Some(first_master.as_str())
    );
    bot.stop().await;

    // A new data directory (a new device) with the key: the same identity signs the new device.
    let config = |recovery_key: Option<String>| MatrixConfig {
        homeserver: synapse.url.clone(),
        user: bot_user.clone(),
        password: Some(bot_pass.clone()),
        access_token: None,
        recovery_key,
    };
    let runtime = |data: PathBuf| async move {
        let store = Arc::new(
            SqlStore::open(&DatabaseUrl::parse(&data.join("rounds.db").to_string_lossy()).unwrap())
                .await
                .unwrap(),
        );
        Arc::new(Runtime::new(Arc::new(Bot::new(
            store,
            support::settings(chrono_tz::UTC),
        ))))
    };
    let (_keep_again, moved) = data_dir();
    let bot = start_configured_bot(
        &config(Some(recovery_key.trim().to_string())),
        runtime(moved.clone()).await,
        &moved,
        clock.clone(),
        Vec::new(),
    )
    .await;
    assert_eq!(
        support::matrix_member::master_key(&alice, &bot_user)
            .await
            .as_deref(),
        Some(first_master.as_str()),
        "no new cross-signing keys"
    );
    assert!(
        support::matrix_member::cross_signed_by_owner(&alice, &bot_user, &bot_device(&moved)).await,
        "the redeployed device is signed with the recovered keys"
    );
    assert!(
        !moved.join("matrix/recovery-key").exists(),
        "a recovered key is not written out again"
    );
    bot.stop().await;

    // Without the key, or with a wrong one, the bot still starts, uncross-signed, and leaves
    // the identity alone.
    for recovery_key in [None, Some("EsTc not the key".to_string())] {
        let (_keep_bare, bare) = data_dir();
        let bot = start_configured_bot(
            &config(recovery_key),
            runtime(bare.clone()).await,
            &bare,
            clock.clone(),
            Vec::new(),
        )
        .await;
        assert!(
            !support::matrix_member::cross_signed_by_owner(&alice, &bot_user, &bot_device(&bare))
                .await
        );
        assert!(!bare.join("matrix/recovery-key").exists());
        assert_eq!(
            support::matrix_member::master_key(&alice, &bot_user)
                .await
                .as_deref(),
            Some(first_master.as_str())
        );
        bot.stop().await;
    }
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_bot_given_only_an_access_token_cross_signs_its_device() {
    let synapse = Synapse::from_env();
    let (bot_user, bot_pass) = synapse.register("rounds");
    let (alice_user, alice_pass) = synapse.register("alice");
    // The operator's token: a login made elsewhere, whose device the bot then uses.
    let elsewhere = matrix_sdk::Client::builder()
        .homeserver_url(&synapse.url)
        .build()
        .await
        .unwrap();
    elsewhere
        .matrix_auth()
        .login_username(&bot_user, &bot_pass)
        .send()
        .await
        .unwrap();
    let token = elsewhere.access_token().expect("a token");
    drop(elsewhere);
    let (_keep, data) = data_dir();
    let config = MatrixConfig {
        homeserver: synapse.url.clone(),
        user: bot_user.clone(),
        password: None,
        access_token: Some(token),
        recovery_key: None,
    };
    let store = Arc::new(
        SqlStore::open(&DatabaseUrl::parse(&data.join("rounds.db").to_string_lossy()).unwrap())
            .await
            .unwrap(),
    );
    let runtime = Arc::new(Runtime::new(Arc::new(Bot::new(
        store,
        support::settings(chrono_tz::UTC),
    ))));
    let bot = start_configured_bot(&config, runtime, &data, Clock::wall(), Vec::new()).await;
    let alice = Member::login(&synapse, &alice_user, &alice_pass).await;
    assert!(
        support::matrix_member::cross_signed_by_owner(&alice, &bot_user, &bot_device(&data)).await,
        "the homeserver takes an account's first cross-signing keys without a password"
    );
    assert!(data.join("matrix/recovery-key").exists());
    bot.stop().await;
}

/// A bot and Alice, each behind its own tap (`support::matrix_member::Tap`), in an encrypted
/// room where Alice's client already shares keys with the bot's device.
struct TappedScene {
    synapse: Synapse,
    bot_user: String,
    bot_pass: String,
    data: PathBuf,
    clock: Clock,
    bot: RunningBot,
    alice: Member,
    alice_tap: support::matrix_member::Tap,
    bot_tap: support::matrix_member::Tap,
    room: matrix_sdk::Room,
    _keep: tempfile::TempDir,
}

impl TappedScene {
    async fn start(encrypted: bool) -> TappedScene {
        let synapse = Synapse::from_env();
        let (bot_user, bot_pass) = synapse.register("rounds");
        let (alice_user, alice_pass) = synapse.register("alice");
        let (keep, data) = data_dir();
        let clock = Clock::wall();
        let bot_tap = support::matrix_member::Tap::start(&synapse).await;
        let bot = start_bot(
            &bot_tap.synapse(&synapse),
            &bot_user,
            &bot_pass,
            &data,
            clock.clone(),
        )
        .await;
        let alice_tap = support::matrix_member::Tap::start(&synapse).await;
        let mut alice = Member::login(&alice_tap.synapse(&synapse), &alice_user, &alice_pass).await;
        let room = alice.room_with(&bot_user, encrypted).await;
        let first = alice.say(&room, "!help").await;
        alice
            .expect(&bot_user, |s| s.reply_to.as_ref() == Some(&first))
            .await;
        TappedScene {
            synapse,
            bot_user,
            bot_pass,
            data,
            clock,
            bot,
            alice,
            alice_tap,
            bot_tap,
            room,
            _keep: keep,
        }
    }

    /// Alice says `text` under a new room key whose copy for the bot is held back.
    async fn say_with_key_withheld(&self, text: &str) -> matrix_sdk::ruma::OwnedEventId {
        self.room.discard_room_key().await.unwrap();
        self.alice_tap
            .withhold_to_device_for(&UserId::parse(&self.bot_user).unwrap());
        let asked = self.alice.say(&self.room, text).await;
        assert_eq!(
            self.alice_tap.held(),
            1,
            "the new room key was sent, and held"
        );
        asked
    }
}

fn late_decryptions() -> String {
    rounds::telemetry::metrics::handle()
        .render()
        .lines()
        .filter(|line| line.starts_with("rounds_late_decryptions_total"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_message_whose_room_key_comes_later_is_answered_once_when_it_comes() {
    let _ = rounds::telemetry::metrics::handle();
    let mut scene = TappedScene::start(true).await;
    let bot_user = scene.bot_user.clone();
    let asked = scene.say_with_key_withheld("!reminders").await;
    let unread = scene.alice.collect(&bot_user, Duration::from_secs(3)).await;
    assert!(
        unread.iter().all(|s| s.reply_to.as_ref() != Some(&asked)),
        "without its key the message cannot be read, so it is not answered yet"
    );

    scene.alice_tap.release().await;
    let answer = scene
        .alice
        .expect(&bot_user, |s| s.reply_to.as_ref() == Some(&asked))
        .await;
    assert!(answer.encrypted);
    assert!(!answer.body.contains("offline"), "{}", answer.body);
    let again = scene.alice.collect(&bot_user, Duration::from_secs(3)).await;
    assert!(
        again.iter().all(|s| s.reply_to.as_ref() != Some(&asked)),
        "answered once"
    );
    assert!(
        late_decryptions().contains("outcome=\"decrypted\""),
        "{}",
        late_decryptions()
    );

    // Later messages under the same key need no waiting.
    let after = scene.alice.say(&scene.room, "!help").await;
    scene
        .alice
        .expect(&bot_user, |s| s.reply_to.as_ref() == Some(&after))
        .await;
    scene.bot.stop().await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_room_key_that_comes_after_the_catch_up_window_is_not_acted_on() {
    let mut scene = TappedScene::start(true).await;
    let bot_user = scene.bot_user.clone();
    let asked = scene
        .say_with_key_withheld("!remind here in 1 minute to restock")
        .await;
    // The bot has seen the message it cannot read before the window closes on it.
    let _ = scene.alice.collect(&bot_user, Duration::from_secs(2)).await;
    scene.clock.advance(chrono::Duration::days(8));
    scene.alice_tap.release().await;

    let after = scene.alice.say(&scene.room, "!help").await;
    let seen = scene
        .alice
        .expect_all(
            &bot_user,
            &[&|s: &Seen| s.reply_to.as_ref() == Some(&after)],
        )
        .await;
    assert_eq!(seen.len(), 1);
    let rest = scene.alice.collect(&bot_user, Duration::from_secs(3)).await;
    assert!(
        rest.iter().all(|s| s.reply_to.as_ref() != Some(&asked)),
        "a week-old command read only now is neither done nor apologised for: {rest:?}"
    );
    scene.bot.stop().await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn typing_and_read_receipts_do_not_wake_the_bots_sync() {
    use matrix_sdk::ruma::api::client::receipt::create_receipt::v3::ReceiptType;
    use matrix_sdk::ruma::events::receipt::ReceiptThread;

    let mut scene = TappedScene::start(false).await;
    let bot_user = scene.bot_user.clone();
    let asked = scene.alice.say(&scene.room, "!help").await;
    let answer = scene
        .alice
        .expect(&bot_user, |s| s.reply_to.as_ref() == Some(&asked))
        .await;
    // Let the sync that carried the answer's echo come back, so the bot is waiting.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let quiet = scene.bot_tap.syncs().len();

    scene.room.typing_notice(true).await.unwrap();
    scene
        .room
        .send_single_receipt(
            ReceiptType::Read,
            ReceiptThread::Unthreaded,
            answer.event_id,
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let syncs = scene.bot_tap.syncs();
    assert_eq!(
        syncs.len(),
        quiet,
        "typing and a read receipt woke the bot: {:?}",
        &syncs[quiet..]
    );

    let after = scene.alice.say(&scene.room, "!help").await;
    scene
        .alice
        .expect(&bot_user, |s| s.reply_to.as_ref() == Some(&after))
        .await;
    let syncs = scene.bot_tap.syncs();
    for sync in &syncs {
        assert!(!sync.body.contains("m.typing"), "{}", sync.body);
        assert!(!sync.body.contains("m.receipt"), "{}", sync.body);
        assert!(
            sync.uri.contains("set_presence=offline"),
            "the bot syncs as offline: {}",
            sync.uri
        );
    }

    // The filter the bot uploaded, as the server keeps it.
    let last = syncs.last().unwrap();
    let filter_id = last
        .uri
        .split(['?', '&'])
        .find_map(|pair| pair.strip_prefix("filter="))
        .expect("the sync names a filter");
    let filter = reqwest::Client::new()
        .get(format!(
            "{}/_matrix/client/v3/user/{bot_user}/filter/{filter_id}",
            scene.bot_tap.url
        ))
        .header("authorization", &last.authorization)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let filter: serde_json::Value = serde_json::from_str(&filter).unwrap();
    assert_eq!(
        filter["presence"]["types"],
        serde_json::json!([]),
        "{filter}"
    );
    assert_eq!(
        filter["room"]["ephemeral"]["types"],
        serde_json::json!([]),
        "{filter}"
    );
    assert_eq!(
        filter["room"]["account_data"]["types"],
        serde_json::json!([]),
        "{filter}"
    );
    assert_eq!(
        filter["account_data"]["types"],
        serde_json::json!(["m.direct"]),
        "{filter}"
    );
    scene.bot.stop().await;
}

#[tokio::test]
#[ignore = "needs a Synapse homeserver: run scripts/test"]
async fn a_message_waiting_for_its_room_key_is_still_answered_after_a_restart() {
    let mut scene = TappedScene::start(true).await;
    let bot_user = scene.bot_user.clone();
    let asked = scene.say_with_key_withheld("!reminders").await;
    // Long enough for the bot to have seen the message it cannot read.
    let _ = scene.alice.collect(&bot_user, Duration::from_secs(3)).await;
    scene.bot.stop().await;
    scene.bot = start_bot(
        &scene.bot_tap.synapse(&scene.synapse),
        &bot_user,
        &scene.bot_pass,
        &scene.data,
        scene.clock.clone(),
    )
    .await;

    scene.alice_tap.release().await;
    let answer = scene
        .alice
        .expect(&bot_user, |s| s.reply_to.as_ref() == Some(&asked))
        .await;
    assert!(answer.encrypted);
    let again = scene.alice.collect(&bot_user, Duration::from_secs(3)).await;
    assert!(
        again.iter().all(|s| s.reply_to.as_ref() != Some(&asked)),
        "answered once"
    );
    scene.bot.stop().await;
}
