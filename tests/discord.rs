//! Rounds on Discord, end to end: the real serenity client against the wire-level stand-in
//! (REST v10 and Gateway v10 on 127.0.0.1).

mod support;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::watch;

use rounds::clock::Clock;
use rounds::config::{DiscordConfig, DiscordLink, ShardRange};
use rounds::core::Bot;
use rounds::core::command::COMMANDS;
use rounds::core::io::{Action, Message, UserRef};
use rounds::platform::Adapter;
use rounds::platform::discord::DiscordBot;
use rounds::runtime::Runtime;
use support::discord_standin::*;

const APP: u64 = 1_300_000_000_000_000_001;
const GUILD: u64 = 1_300_000_000_000_000_100;
const GENERAL: u64 = 1_300_000_000_000_000_101;
const PAIRING: u64 = 1_300_000_000_000_000_102;
const NEWS: u64 = 1_300_000_000_000_000_103;
const WAIT: Duration = Duration::from_secs(20);

fn alice() -> FixtureUser {
    FixtureUser::new(1_300_000_000_000_000_201, "alice")
}

fn bob() -> FixtureUser {
    FixtureUser::new(1_300_000_000_000_000_202, "bob")
}

fn world() -> World {
    World {
        application_id: APP,
        bot: FixtureUser::new(1_300_000_000_000_000_002, "Rounds"),
        guilds: vec![FixtureGuild {
            id: GUILD,
            name: "Medical Society".into(),
            channels: vec![
                (GENERAL, "general".into()),
                (PAIRING, "coffee".into()),
                (NEWS, "announcements".into()),
            ],
            roles: vec![],
            members: vec![alice(), bob()],
        }],
    }
}

/// A recorded request's JSON body (null when it had none).
fn body(request: &Recorded) -> Value {
    request.body.clone().unwrap_or(Value::Null)
}

struct Running {
    standin: StandIn,
    adapter: Arc<rounds::platform::discord::DiscordAdapter>,
    clock: Clock,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

async fn runtime(settings: rounds::core::Settings) -> Arc<Runtime> {
    let store = support::sqlite_memory().await;
    let bot = Bot::new(store, settings);
    Arc::new(Runtime::new(Arc::new(bot)))
}

async fn start() -> Running {
    start_with(support::settings(chrono_tz::Australia::Sydney)).await
}

async fn start_with_alice_on_the_committee() -> Running {
    let mut settings = support::settings(chrono_tz::Australia::Sydney);
    for society in settings.societies.values_mut() {
        society.committee = vec![alice().id.to_string()];
    }
    start_with(settings).await
}

async fn start_with(settings: rounds::core::Settings) -> Running {
    let standin = StandIn::start(world()).await;
    let runtime = runtime(settings).await;
    let clock = Clock::wall();
    let config = DiscordConfig {
        token: "test-token".into(),
        api_base: Some(standin.api_base()),
        shards: ShardRange::ALL,
    };
    let links = vec![DiscordLink {
        society: support::SOCIETY.into(),
        guild: GUILD,
        pairing: Some(PAIRING),
        announcements: Some(NEWS),
        ..DiscordLink::default()
    }];
    let bot = DiscordBot::connect(&config, links, runtime.clone(), clock.clone())
        .await
        .unwrap();
    run(standin, bot, runtime, clock).await
}

/// Runs a connected bot with the drive loop, as `rounds run` does, once its gateway address is
/// known to have come from the stand-in (never from real Discord), and waits for READY.
async fn run(standin: StandIn, bot: DiscordBot, runtime: Arc<Runtime>, clock: Clock) -> Running {
    assert!(
        standin.saw_get_gateway(),
        "no GET /gateway reached the stand-in"
    );
    let adapter = bot.adapter.clone();
    let (stop, shutdown) = watch::channel(false);
    let task = support::spawn_with_drive(
        bot.run(shutdown.clone()),
        runtime,
        adapter.clone(),
        clock.clone(),
        shutdown,
    );
    standin.wait_ready().await;
    Running {
        standin,
        adapter,
        clock,
        stop,
        task,
    }
}

impl Running {
    async fn request(&self, pred: impl Fn(&Recorded) -> bool) -> Recorded {
        self.standin
            .wait_for_request(pred, WAIT)
            .await
            .expect("the expected request reaches the stand-in")
    }

    async fn stop(self) {
        self.stop.send(true).unwrap();
        let _ = tokio::time::timeout(WAIT, self.task).await;
    }

    /// The deferred answer to an interaction: the edit of its original response.
    async fn answer(&self, token: &str) -> Value {
        let path = format!("/webhooks/{APP}/{token}/messages/@original");
        body(
            &self
                .request(|r| r.method == "PATCH" && r.route() == path)
                .await,
        )
    }

    fn posts_to(&self, channel: u64) -> Vec<Recorded> {
        let path = format!("/channels/{channel}/messages");
        self.standin
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.route() == path)
            .collect()
    }
}

#[tokio::test]
async fn slash_commands_are_registered_from_the_core_definitions() {
    let bot = start().await;
    let put = bot
        .request(|r| {
            r.method == "PUT" && r.route() == format!("/applications/{APP}/guilds/{GUILD}/commands")
        })
        .await;
    let commands = body(&put);
    let names: Vec<&str> = commands
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, COMMANDS.iter().map(|c| c.name).collect::<Vec<_>>());
    bot.stop().await;
}

#[tokio::test]
async fn help_is_answered_privately_within_the_deadline() {
    let bot = start().await;
    let (_, token) = bot
        .standin
        .slash_command(GUILD, GENERAL, &alice(), "help", json!([]))
        .await;
    let callback = bot
        .request(|r| r.method == "POST" && r.route().ends_with(&format!("/{token}/callback")))
        .await;
    assert_eq!(body(&callback)["type"], 5, "deferred at once");
    assert_eq!(body(&callback)["data"]["flags"], 64, "ephemeral");
    let answer = bot.answer(&token).await;
    assert!(
        answer["content"]
            .as_str()
            .unwrap()
            .contains("`!remind`: set a reminder")
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_reminder_is_set_and_delivered_without_mass_pings() {
    let bot = start().await;
    let options = json!([{"type": 1, "name": "here", "options": [
        {"type": 3, "name": "when", "value": "in 1 minute"},
        {"type": 3, "name": "what", "value": "to bring coffee for @everyone"}
    ]}]);
    let (_, token) = bot
        .standin
        .slash_command(GUILD, GENERAL, &alice(), "remind", options)
        .await;
    let answer = bot.answer(&token).await;
    assert!(
        answer["content"]
            .as_str()
            .unwrap()
            .starts_with("Got it (R1)"),
        "{answer}"
    );

    bot.clock.advance(chrono::Duration::minutes(2));
    let post = bot
        .request(|r| r.method == "POST" && r.route() == format!("/channels/{GENERAL}/messages"))
        .await;
    assert_eq!(
        body(&post)["content"],
        format!(
            "⏰ Reminder from <@{}>: bring coffee for @everyone",
            alice().id
        )
    );
    assert_eq!(
        body(&post)["allowed_mentions"]["parse"],
        json!([]),
        "no @everyone, no roles"
    );
    assert_eq!(
        body(&post)["allowed_mentions"]["users"],
        json!([alice().id.to_string()])
    );
    assert!(body(&post)["nonce"].as_str().unwrap().len() <= 25);
    assert_eq!(body(&post)["enforce_nonce"], true);
    bot.stop().await;
}

/// Discord lets any member see a guild command; the committee check happens in the core.
#[tokio::test]
async fn committee_commands_are_checked_in_the_core() {
    let bot = start().await;
    let options = json!([{"type": 1, "name": "log", "options": []}]);
    let (_, token) = bot
        .standin
        .slash_command(GUILD, GENERAL, &alice(), "committee", options)
        .await;
    let answer = bot.answer(&token).await;
    assert_eq!(
        answer["content"],
        "Only the committee of Test Society can use `!committee`."
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_button_is_a_choice() {
    let bot = start().await;
    let options = json!([{"type": 1, "name": "me", "options": []}]);
    let (_, token) = bot
        .standin
        .slash_command(GUILD, GENERAL, &alice(), "forget", options)
        .await;
    let question = bot.answer(&token).await;
    let buttons = &question["components"][0]["components"];
    assert_eq!(buttons[0]["custom_id"], "rounds:forget:yes");
    assert_eq!(buttons[1]["custom_id"], "rounds:forget:no");

    let (_, click) = bot
        .standin
        .button_click(
            GUILD,
            GENERAL,
            &alice(),
            1_300_000_000_000_009_999,
            "rounds:forget:no",
        )
        .await;
    let ack = bot
        .request(|r| r.method == "POST" && r.route().ends_with(&format!("/{click}/callback")))
        .await;
    assert_eq!(body(&ack)["type"], 6, "acknowledged at once");
    let followup = bot
        .request(|r| r.method == "POST" && r.route() == format!("/webhooks/{APP}/{click}"))
        .await;
    assert_eq!(body(&followup)["content"], "Nothing was erased.");
    bot.stop().await;
}

#[tokio::test]
async fn an_introduction_is_a_private_thread_with_both_members() {
    let bot = start().await;
    let members = vec![
        UserRef {
            id: alice().id.to_string(),
            name: "alice".into(),
        },
        UserRef {
            id: bob().id.to_string(),
            name: "bob".into(),
        },
    ];
    let intro = Action::Introduce {
        society: support::SOCIETY.into(),
        members,
        message: Message::text("Meet alice and bob: what got you into medicine?"),
        meeting: None,
    };
    bot.adapter
        .perform("job:1:1774900800:0", &intro)
        .await
        .unwrap();
    // A retry after a crash reuses the thread and the nonce.
    bot.adapter
        .perform("job:1:1774900800:0", &intro)
        .await
        .unwrap();

    let threads: Vec<Recorded> = bot
        .standin
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.route() == format!("/channels/{PAIRING}/threads"))
        .collect();
    assert_eq!(threads.len(), 1, "one thread");
    assert_eq!(body(&threads[0])["type"], 12, "a private thread");
    let thread: u64 = bot
        .standin
        .requests()
        .iter()
        .find_map(|r| {
            r.route()
                .strip_prefix("/channels/")
                .and_then(|rest| rest.split_once("/thread-members/"))
                .and_then(|(thread, _)| thread.parse().ok())
        })
        .expect("members added");
    let mut added = bot.standin.thread_members(thread);
    added.sort();
    assert!(
        added.contains(&alice().id) && added.contains(&bob().id),
        "{added:?}"
    );
    let messages = bot.standin.channel_messages(thread);
    assert_eq!(
        messages.len(),
        1,
        "the retry posted nothing twice: {messages:?}"
    );
    assert_eq!(
        messages[0]["content"],
        "Meet alice and bob: what got you into medicine?"
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_gateway_reconnect_resumes_and_posts_nothing_twice() {
    let bot = start().await;
    bot.standin
        .message_create(GUILD, GENERAL, &alice(), "!reminders")
        .await;
    bot.request(|r| r.method == "POST" && r.route() == format!("/channels/{GENERAL}/messages"))
        .await;
    bot.standin.reconnect().await;
    let frames = bot.standin.gateway_frames();
    assert_eq!(
        frames.iter().filter(|f| f["op"] == 2).count(),
        1,
        "identified once"
    );
    assert!(frames.iter().any(|f| f["op"] == 6), "resumed");

    bot.standin
        .message_create(GUILD, GENERAL, &alice(), "!help reminders")
        .await;
    tokio::time::timeout(WAIT, async {
        while bot.posts_to(GENERAL).len() < 2 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("the command after the resume is answered");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let posts = bot.posts_to(GENERAL);
    assert_eq!(posts.len(), 2, "each command answered once: {posts:?}");
    assert!(
        body(&posts[0])["message_reference"]["message_id"].is_string(),
        "a reply to the command"
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_rate_limited_send_is_retried_once_with_the_same_nonce() {
    let bot = start().await;
    bot.standin.rate_limit_next(
        "POST",
        &format!("/api/v10/channels/{GENERAL}/messages"),
        1.0,
    );
    bot.standin
        .message_create(GUILD, GENERAL, &alice(), "!reminders")
        .await;
    bot.request(|r| r.method == "POST" && r.route() == format!("/channels/{GENERAL}/messages"))
        .await;
    // The outbox waits before retrying; move the bot's clock past the wait.
    bot.clock.advance(chrono::Duration::seconds(3));
    tokio::time::timeout(WAIT, async {
        while bot.posts_to(GENERAL).len() < 2 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("retried");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let posts = bot.posts_to(GENERAL);
    assert_eq!(posts.len(), 2, "one 429, one retry: {posts:?}");
    assert_eq!(posts[0].status, 429);
    assert_eq!(body(&posts[0])["nonce"], body(&posts[1])["nonce"]);
    let from_bot = bot
        .standin
        .channel_messages(GENERAL)
        .into_iter()
        .filter(|m| m["author"]["bot"] == true)
        .count();
    assert_eq!(from_bot, 1, "one answer in the channel");
    bot.stop().await;
}

/// The production path: serenity's own rate limiter on, talking to "discord.com" (the stand-in's
/// TLS front, trusted and resolved by the test's HTTP client). A 429 is waited out for its
/// `retry_after` and retried once inside serenity, and the member sees one answer.
#[tokio::test]
async fn with_serenitys_rate_limiter_on_a_429_is_retried_once_after_retry_after() {
    let standin = StandIn::start(world()).await;
    let front = standin.serve_tls().await;
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_der(&front.certificate_der).unwrap())
        .resolve("discord.com", front.addr)
        .build()
        .unwrap();
    let http = serenity::all::HttpBuilder::new("test-token").client(client);
    let runtime = runtime(support::settings(chrono_tz::Australia::Sydney)).await;
    let connected = DiscordBot::with_http(
        http,
        Vec::new(),
        runtime.clone(),
        Clock::wall(),
        ShardRange::ALL,
    )
    .await
    .unwrap();
    let bot = run(standin, connected, runtime, Clock::wall()).await;

    bot.standin.rate_limit_next(
        "POST",
        &format!("/api/v10/channels/{GENERAL}/messages"),
        1.0,
    );
    bot.standin
        .message_create(GUILD, GENERAL, &alice(), "!reminders")
        .await;
    let waiting = std::time::Instant::now();
    tokio::time::timeout(WAIT, async {
        while bot.posts_to(GENERAL).len() < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("retried");
    let waited = waiting.elapsed();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let posts = bot.posts_to(GENERAL);
    assert_eq!(posts.len(), 2, "one 429, one retry: {posts:?}");
    assert_eq!(posts[0].status, 429);
    assert!(posts[1].status < 300, "{}", posts[1].status);
    assert!(
        waited >= Duration::from_millis(900),
        "waited {waited:?} for retry_after 1 s"
    );
    assert_eq!(body(&posts[0])["nonce"], body(&posts[1])["nonce"]);
    bot.stop().await;
}

/// The thread the bot created for an introduction: the one it added members to.
fn introduction_thread(standin: &StandIn) -> Option<u64> {
    standin.requests().iter().find_map(|r| {
        r.route()
            .strip_prefix("/channels/")
            .and_then(|rest| rest.split_once("/thread-members/"))
            .and_then(|(thread, _)| thread.parse().ok())
    })
}

#[tokio::test]
async fn coffee_setup_join_round_introduction_and_checkin() {
    let bot = start_with_alice_on_the_committee().await;
    // The first round is a minute or two away: member events carry their real send time, so
    // the test clock may only move on a little before they would count as late.
    let soon = (chrono::Utc::now() + chrono::Duration::minutes(2))
        .with_timezone(&chrono_tz::Australia::Sydney)
        .format("day at %H:%M")
        .to_string();
    let setup = json!([{"type": 1, "name": "setup", "options": [
        {"type": 3, "name": "every", "value": soon},
        {"type": 3, "name": "checkin", "value": "1 hour"}
    ]}]);
    let (_, token) = bot
        .standin
        .slash_command(GUILD, GENERAL, &alice(), "coffee", setup)
        .await;
    let answer = bot.answer(&token).await;
    assert!(
        answer["content"]
            .as_str()
            .unwrap()
            .contains("coffee pairings of Test Society started"),
        "{answer}"
    );
    for member in [alice(), bob()] {
        let join = json!([{"type": 1, "name": "join", "options": []}]);
        let (_, token) = bot
            .standin
            .slash_command(GUILD, GENERAL, &member, "coffee", join)
            .await;
        let answer = bot.answer(&token).await;
        assert!(
            answer["content"]
                .as_str()
                .unwrap()
                .starts_with("You are in"),
            "{answer}"
        );
    }

    // The round fires as a private thread in the pairing channel.
    bot.clock.advance(chrono::Duration::minutes(3));
    bot.request(|r| r.method == "POST" && r.route() == format!("/channels/{PAIRING}/threads"))
        .await;
    let thread = loop {
        if let Some(thread) = introduction_thread(&bot.standin)
            && !bot.standin.channel_messages(thread).is_empty()
        {
            break thread;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let added = bot.standin.thread_members(thread);
    assert!(
        added.contains(&alice().id) && added.contains(&bob().id),
        "{added:?}"
    );
    let intro = bot.standin.channel_messages(thread)[0].clone();
    let text = intro["content"].as_str().unwrap();
    assert!(
        text.starts_with("☕ The coffee pairings of Test Society, round 1"),
        "{text}"
    );
    assert!(text.contains("Icebreaker: "), "{text}");
    let summary = bot
        .request(|r| r.method == "POST" && r.route() == format!("/channels/{GENERAL}/messages"))
        .await;
    assert!(
        body(&summary)["content"]
            .as_str()
            .unwrap()
            .starts_with("☕ Round 1 of the coffee pairings: 2 members in 1 groups")
    );

    // An hour later the check-in is posted in the same thread, with buttons.
    bot.clock.advance(chrono::Duration::minutes(61));
    let path = format!("/channels/{thread}/messages");
    bot.request(|r| {
        r.method == "POST"
            && r.route() == path
            && body(r)["content"]
                .as_str()
                .is_some_and(|c| c.contains("Did you manage to meet"))
    })
    .await;
    let checkin = bot
        .standin
        .channel_messages(thread)
        .into_iter()
        .find(|m| m["content"].as_str().unwrap().contains("Did you manage"))
        .unwrap();
    let buttons = &checkin["components"][0]["components"];
    let met = buttons[0]["custom_id"].as_str().unwrap().to_string();
    assert!(
        met.starts_with("rounds:coffee:") && met.ends_with(":met"),
        "{met}"
    );
    assert_eq!(buttons[2]["label"], "Not this time");

    let message_id: u64 = checkin["id"].as_str().unwrap().parse().unwrap();
    let (_, click) = bot
        .standin
        .button_click(GUILD, thread, &bob(), message_id, &met)
        .await;
    let followup = bot
        .request(|r| r.method == "POST" && r.route() == format!("/webhooks/{APP}/{click}"))
        .await;
    // (Labelled late: the click's send time is real, the bot's clock has moved on an hour.)
    let said = body(&followup)["content"].as_str().unwrap().to_string();
    assert!(
        said.ends_with("Lovely: noted that you met alice. Thanks for telling me."),
        "{said}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn an_event_is_announced_answered_by_buttons_and_waitlisted() {
    let bot = start_with_alice_on_the_committee().await;
    let create = json!([{"type": 1, "name": "create", "options": [
        {"type": 3, "name": "details", "value": "Grand rounds | in 3 days | at Theatre 2 | capacity 1"}
    ]}]);
    let (_, token) = bot
        .standin
        .slash_command(GUILD, GENERAL, &alice(), "event", create)
        .await;
    let answer = bot.answer(&token).await;
    assert!(
        answer["content"]
            .as_str()
            .unwrap()
            .starts_with("Created E1"),
        "{answer}"
    );
    let post = bot
        .request(|r| r.method == "POST" && r.route() == format!("/channels/{NEWS}/messages"))
        .await;
    let content = body(&post)["content"].as_str().unwrap().to_string();
    assert!(content.starts_with("📅 Grand rounds (E1)"), "{content}");
    let buttons = &body(&post)["components"][0]["components"];
    assert_eq!(buttons[0]["custom_id"], "rounds:event:1:going");
    assert_eq!(buttons[2]["label"], "Can't go");
    let announcement: u64 = bot.standin.channel_messages(NEWS)[0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    // Alice takes the one place; Bob is waitlisted, then promoted when Alice drops out.
    let said = |click: String| {
        let bot = &bot;
        async move {
            let followup = bot
                .request(|r| r.method == "POST" && r.route() == format!("/webhooks/{APP}/{click}"))
                .await;
            body(&followup)["content"].as_str().unwrap().to_string()
        }
    };
    let (_, click) = bot
        .standin
        .button_click(GUILD, NEWS, &alice(), announcement, "rounds:event:1:going")
        .await;
    assert!(
        said(click)
            .await
            .starts_with("You're going to Grand rounds")
    );
    let (_, click) = bot
        .standin
        .button_click(GUILD, NEWS, &bob(), announcement, "rounds:event:1:going")
        .await;
    assert!(said(click).await.contains("number 1 on the waitlist"));
    let (_, click) = bot
        .standin
        .button_click(GUILD, NEWS, &alice(), announcement, "rounds:event:1:no")
        .await;
    assert!(said(click).await.starts_with("Noted: you can't go"));
    // Bob is told privately, in a direct message.
    let dm = bot
        .request(|r| {
            r.method == "POST"
                && r.route().starts_with("/channels/")
                && body(r)["content"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("Good news: a place opened up"))
        })
        .await;
    assert!(!dm.route().contains(&NEWS.to_string()));
    bot.stop().await;
}
