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

/// Rounds with alice on the committee and events mirrored into the Events tab, after alice's
/// `/event create` with `details` (E1): the bot, and the scheduled event Rounds created for it.
async fn mirrored_event(details: &str) -> (Running, Recorded) {
    let mut settings = support::settings(chrono_tz::Australia::Sydney);
    for society in settings.societies.values_mut() {
        society.committee = vec![alice().id.to_string()];
    }
    let bot = start_linked(settings, |link| link.scheduled_events = true).await;
    let said = slash(
        &bot,
        &alice(),
        "event",
        "create",
        json!([opt("details", details)]),
    )
    .await;
    assert!(said.starts_with("Created E1"), "{said}");
    let path = format!("/guilds/{GUILD}/scheduled-events");
    let create = bot
        .request(|r| r.method == "POST" && r.route() == path)
        .await;
    assert_eq!(create.status, 200, "{:?}", create.body);
    (bot, create)
}

async fn start_with(settings: rounds::core::Settings) -> Running {
    start_linked(settings, |_| {}).await
}

/// As `start_with`, with the society's Discord link changed first (e.g. `scheduled_events`).
async fn start_linked(
    settings: rounds::core::Settings,
    change: impl FnOnce(&mut DiscordLink),
) -> Running {
    start_in(world(), settings, change).await
}

/// As `start_linked`, in a world of its own (more channels, roles).
async fn start_in(
    world: World,
    settings: rounds::core::Settings,
    change: impl FnOnce(&mut DiscordLink),
) -> Running {
    connect_to(StandIn::start(world).await, settings, change).await
}

/// Connects Rounds to a running stand-in, its society linked to the fixture guild with `change`
/// made to the link, and runs it.
async fn connect_to(
    standin: StandIn,
    settings: rounds::core::Settings,
    change: impl FnOnce(&mut DiscordLink),
) -> Running {
    let runtime = runtime(settings).await;
    let clock = Clock::wall();
    let config = DiscordConfig {
        token: "test-token".into(),
        api_base: Some(standin.api_base()),
        shards: ShardRange::ALL,
    };
    let mut link = DiscordLink {
        society: support::SOCIETY.into(),
        guild: GUILD,
        pairing: Some(PAIRING),
        announcements: Some(NEWS),
        ..DiscordLink::default()
    };
    change(&mut link);
    let links = vec![link];
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
            .contains("`!help <topic>` for more")
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

/// With mass mentions allowed in #announcements, a member's words still never ping everyone:
/// neither their room reminder, nor its acknowledgement, nor their milestone. An organiser's
/// event announcement in the same channel does.
#[tokio::test]
async fn only_an_organisers_announcement_may_ping_everyone() {
    let mut settings = support::settings(chrono_tz::Australia::Sydney);
    for society in settings.societies.values_mut() {
        society.committee = vec![alice().id.to_string()];
    }
    let bot = start_linked(settings, |link| {
        link.allow_mass_mentions = true;
        link.celebrations = Some(NEWS);
    })
    .await;
    let post_in_news = |needle: &'static str| {
        move |r: &Recorded| {
            r.method == "POST"
                && r.route() == format!("/channels/{NEWS}/messages")
                && body(r)["content"]
                    .as_str()
                    .is_some_and(|c| c.contains(needle))
        }
    };

    bot.standin
        .message_create(
            GUILD,
            NEWS,
            &bob(),
            "!remind here in 1 minute to bring coffee @everyone",
        )
        .await;
    let got_it = bot.request(post_in_news("Got it (R1)")).await;
    assert_eq!(body(&got_it)["allowed_mentions"]["parse"], json!([]));
    bot.clock.advance(chrono::Duration::minutes(2));
    let reminder = bot.request(post_in_news("⏰ Reminder from")).await;
    assert_eq!(
        body(&reminder)["allowed_mentions"]["parse"],
        json!([]),
        "a member's reminder: no @everyone, no roles"
    );
    assert_eq!(
        body(&reminder)["allowed_mentions"]["users"],
        json!([bob().id.to_string()])
    );

    bot.standin
        .message_create(
            GUILD,
            NEWS,
            &bob(),
            "!milestone other @everyone I matched into cardiology",
        )
        .await;
    let milestone = bot.request(post_in_news("I matched into cardiology")).await;
    assert_eq!(body(&milestone)["allowed_mentions"]["parse"], json!([]));

    let said = slash(
        &bot,
        &alice(),
        "event",
        "create",
        json!([opt("details", "Grand rounds @everyone | in 25 hours")]),
    )
    .await;
    // The clock was moved on for the reminder, so the answer may carry a late label.
    assert!(said.contains("Created E1"), "{said}");
    let announcement = bot.request(post_in_news("📅 Grand rounds")).await;
    let parse = &body(&announcement)["allowed_mentions"]["parse"];
    assert!(
        parse.as_array().unwrap().contains(&json!("everyone")),
        "{parse}"
    );
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

/// Rounds on `world`, with serenity's own rate limiter on (it is off towards a proxy, so the
/// stand-in is reached over TLS as discord.com), and the stand-in holding it to Discord's limits
/// with 429s as Discord answers.
async fn start_held_to_discords_limits(world: World) -> Running {
    let standin = StandIn::start(world).await;
    standin.enforce_rate_limits(RateLimits::discord(Overflow::Refuse));
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
    run(standin, connected, runtime, Clock::wall()).await
}

/// A bot in many guilds is sent each guild as it connects and registers its commands in each
/// (and looks up its own member where the guild left it out), all at once: those requests take
/// their turns in the same pace as the outbox's sends, so the stand-in, holding the bot to
/// Discord's global limit as Discord does, refuses none of them.
#[tokio::test]
async fn connecting_to_many_guilds_keeps_to_the_global_limit() {
    const GUILDS: u64 = 120;
    let mut world = world();
    world.guilds = (0..GUILDS)
        .map(|n| FixtureGuild {
            id: GUILD + 10_000 + n,
            name: format!("Society {n}"),
            channels: vec![(GENERAL + 10_000 + n, "general".into())],
            roles: vec![],
            members: vec![alice()],
        })
        .collect();
    let bot = start_held_to_discords_limits(world).await;

    let registered = |standin: &StandIn| {
        standin
            .requests()
            .iter()
            .filter(|r| {
                r.method == "PUT"
                    && r.status < 300
                    && r.route().contains("/guilds/")
                    && r.route().ends_with("/commands")
            })
            .map(|r| r.route().to_string())
            .collect::<std::collections::HashSet<_>>()
            .len() as u64
    };
    tokio::time::timeout(Duration::from_secs(120), async {
        while registered(&bot.standin) < GUILDS {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("commands registered in every guild");
    let refused = bot.standin.too_many_requests();
    assert_eq!(
        refused.get("global"),
        None,
        "requests beyond Discord's global limit: {refused:?}"
    );
    bot.stop().await;
}

/// The stand-in's rate limiter answers as Discord does (429, `retry_after`, `X-RateLimit-*`),
/// and serenity's own limiter, reading those headers, holds a burst to the channel's 5 per 5 s
/// without being refused more than once per bucket; every post is shown once.
#[tokio::test]
async fn with_serenitys_rate_limiter_on_a_burst_keeps_to_discords_limits() {
    let bot = start_held_to_discords_limits(world()).await;

    let texts: Vec<String> = (0..8).map(|n| format!("burst {n}")).collect();
    for (n, text) in texts.iter().enumerate() {
        let post = Action::Post {
            room: GENERAL.to_string(),
            message: Message {
                text: text.clone(),
                ..Message::default()
            },
        };
        bot.adapter
            .perform(&format!("test:burst:{n}"), &post)
            .await
            .expect("posted");
    }
    let shown: Vec<String> = bot
        .standin
        .channel_messages(GENERAL)
        .iter()
        .filter_map(|m| m["content"].as_str().map(str::to_string))
        .collect();
    assert_eq!(shown, texts);
    let refused = bot.standin.too_many_requests();
    assert!(
        refused.values().all(|&n| n <= 1),
        "a 429 beyond the first in a bucket: {refused:?}"
    );

    // A client that ignores the headers is refused the sixth post in five seconds, as Discord
    // refuses it, and the refusal is counted against the channel's bucket.
    let web = reqwest::Client::new();
    let mut statuses = Vec::new();
    let mut last = None;
    for n in 0..6 {
        let response = web
            .post(format!(
                "{}/api/v10/channels/{NEWS}/messages",
                bot.standin.api_base()
            ))
            .header("authorization", "Bot test-token")
            .header("content-type", "application/json")
            .body(json!({"content": format!("raw {n}")}).to_string())
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
        last = Some(response);
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429]);
    let refusal = last.unwrap();
    let header = |name: &str| {
        refusal
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    assert_eq!(header("x-ratelimit-remaining").as_deref(), Some("0"));
    assert_eq!(header("x-ratelimit-limit").as_deref(), Some("5"));
    assert!(header("retry-after").is_some() && header("x-ratelimit-reset-after").is_some());
    let bucket = header("x-ratelimit-bucket").expect("a bucket");
    let answer: Value = serde_json::from_str(&refusal.text().await.unwrap()).unwrap();
    assert_eq!(answer["global"], json!(false));
    assert!(
        answer["retry_after"]
            .as_f64()
            .is_some_and(|s| s > 0.0 && s <= 5.0)
    );
    assert_eq!(bot.standin.too_many_requests().get(&bucket), Some(&1));
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
    // Every time a reply shows is a Discord timestamp, whichever feature wrote it: the first
    // round here, in a reply whose feature never named its times itself.
    let content = answer["content"].as_str().unwrap();
    assert!(
        content.contains("First round: <t:")
            && !content.contains("AEDT")
            && !content.contains("AEST"),
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
    // The check-in time is Discord's own, shown to each member in their zone.
    let marker = "I'll ask how it went on <t:";
    let at = text.find(marker).unwrap_or_else(|| panic!("{text}")) + marker.len();
    let unix: i64 = text[at..].split(':').next().unwrap().parse().unwrap();
    assert!(
        text.contains(&format!("<t:{unix}:F>, <t:{unix}:R>")) && unix > bot.clock.now().timestamp(),
        "{text}"
    );
    let summary = bot
        .request(|r| r.method == "POST" && r.route() == format!("/channels/{GENERAL}/messages"))
        .await;
    assert!(
        body(&summary)["content"]
            .as_str()
            .unwrap()
            .starts_with("☕ Round 1 of the coffee pairings: 2 members in 1 group;")
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
    // The one-tap follow-up comes as a button on that private answer.
    let offer = buttons_of(&body(&followup));
    assert_eq!(offer.len(), 1, "{offer:?}");
    assert!(
        offer[0].0.starts_with("rounds:followup:coffee:"),
        "{offer:?}"
    );
    let (_, click) = bot
        .standin
        .button_click(GUILD, thread, &bob(), message_id, &offer[0].0)
        .await;
    let answer = bot
        .request(|r| r.method == "POST" && r.route() == format!("/webhooks/{APP}/{click}"))
        .await;
    let said = body(&answer)["content"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        said.contains("to follow up with alice from your coffee"),
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

/// `/event <sub> <options>` (or any command with a sub-command) by `user` in #general; the text
/// of the deferred answer.
async fn slash(bot: &Running, user: &FixtureUser, name: &str, sub: &str, options: Value) -> String {
    let options = json!([{"type": 1, "name": sub, "options": options}]);
    let (_, token) = bot
        .standin
        .slash_command(GUILD, GENERAL, user, name, options)
        .await;
    let answer = bot.answer(&token).await;
    answer["content"].as_str().unwrap_or_default().to_string()
}

/// A string option of a slash command.
fn opt(name: &str, value: &str) -> Value {
    json!({"type": 3, "name": name, "value": value})
}

/// The event announcement posted in #announcements, and its message id.
async fn announcement_of(bot: &Running, title: &str) -> (Value, u64) {
    let post = bot
        .request(|r| {
            r.method == "POST"
                && r.route() == format!("/channels/{NEWS}/messages")
                && body(r)["content"]
                    .as_str()
                    .is_some_and(|c| c.starts_with(&format!("📅 {title}")))
        })
        .await;
    let id = loop {
        if let Some(m) = bot
            .standin
            .channel_messages(NEWS)
            .into_iter()
            .find(|m| m["content"] == body(&post)["content"])
        {
            break m["id"].as_str().unwrap().parse().unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    (body(&post), id)
}

/// What the bot said in answer to a button press (its follow-up).
async fn followup(bot: &Running, click: &str) -> String {
    let path = format!("/webhooks/{APP}/{click}");
    let said = bot
        .request(|r| r.method == "POST" && r.route() == path)
        .await;
    body(&said)["content"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The direct messages the bot has sent `user`, once there are at least `count`.
async fn dms(bot: &Running, user: &FixtureUser, count: usize) -> Vec<String> {
    tokio::time::timeout(WAIT, async {
        loop {
            if let Some(channel) = bot.standin.dm_channel(user.id) {
                let said: Vec<String> = bot
                    .standin
                    .channel_messages(channel)
                    .iter()
                    .map(|m| m["content"].as_str().unwrap_or_default().to_string())
                    .collect();
                if said.len() >= count {
                    return said;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{count} direct message(s) reach {}", user.name))
}

/// The PATCH of an announcement whose new content contains `needle`.
async fn announcement_edit(bot: &Running, message: u64, needle: &str) -> Value {
    let path = format!("/channels/{NEWS}/messages/{message}");
    body(
        &bot.request(|r| {
            r.method == "PATCH"
                && r.route() == path
                && body(r)["content"]
                    .as_str()
                    .is_some_and(|c| c.contains(needle))
        })
        .await,
    )
}

#[tokio::test]
async fn an_event_on_discord_counts_answers_reminds_twice_and_records_attendance() {
    let bot = start_with_alice_on_the_committee().await;
    let said = slash(
        &bot,
        &alice(),
        "event",
        "create",
        json!([opt(
            "details",
            "Grand rounds | in 25 hours | for 1h30m | at Theatre 2 | capacity 2 | kind cpd | cpd 1.5"
        )]),
    )
    .await;
    assert!(said.starts_with("Created E1: Grand rounds"), "{said}");

    // Announced in #announcements, with the three answers as buttons and the counts.
    let (post, announcement) = announcement_of(&bot, "Grand rounds (E1)").await;
    let content = post["content"].as_str().unwrap();
    assert!(content.contains("Where: Theatre 2"), "{content}");
    assert!(
        content.contains("Going: 0 of 2 · waitlist: 0 · maybe: 0"),
        "{content}"
    );
    let buttons = &post["components"][0]["components"];
    assert_eq!(buttons[0]["custom_id"], "rounds:event:1:going");
    assert_eq!(buttons[1]["custom_id"], "rounds:event:1:maybe");
    assert_eq!(buttons[2]["custom_id"], "rounds:event:1:no");

    // Bob presses Going: he is told, and the announcement is edited in place with the counts.
    let (_, click) = bot
        .standin
        .button_click(GUILD, NEWS, &bob(), announcement, "rounds:event:1:going")
        .await;
    let told = followup(&bot, &click).await;
    assert!(
        told.starts_with("You're going to Grand rounds (E1)"),
        "{told}"
    );
    let edit = announcement_edit(&bot, announcement, "Going: 1 of 2").await;
    assert!(
        edit["content"]
            .as_str()
            .unwrap()
            .contains("Going: 1 of 2 · waitlist: 0 · maybe: 0"),
        "{edit}"
    );
    assert_eq!(
        edit["components"][0]["components"][0]["custom_id"], "rounds:event:1:going",
        "the buttons stay"
    );
    let shown = bot.standin.message(announcement).unwrap();
    assert!(
        shown["content"].as_str().unwrap().contains("Going: 1 of 2"),
        "the message in the channel changed: {shown}"
    );
    assert!(
        !shown["edited_timestamp"].is_null(),
        "marked edited: {shown}"
    );
    let announcements = bot
        .standin
        .channel_messages(NEWS)
        .into_iter()
        .filter(|m| m["content"].as_str().unwrap().starts_with("📅"))
        .count();
    assert_eq!(announcements, 1, "edited, not reposted");

    // A day before: a direct message to Bob (going), none to Alice (no answer).
    bot.clock.advance(chrono::Duration::minutes(61));
    let to_bob = dms(&bot, &bob(), 1).await;
    assert!(
        to_bob[0].starts_with("⏰ In 1d: Grand rounds (E1)"),
        "{to_bob:?}"
    );
    assert!(!to_bob[0].contains("Where:"), "{to_bob:?}");

    // An hour before: the second reminder, with the place.
    bot.clock.advance(chrono::Duration::hours(23));
    let to_bob = dms(&bot, &bob(), 2).await;
    assert!(
        to_bob[1].starts_with("⏰ In 1h: Grand rounds (E1)"),
        "{to_bob:?}"
    );
    assert!(to_bob[1].contains("Where: Theatre 2."), "{to_bob:?}");
    assert_eq!(
        bot.standin.dm_channel(alice().id),
        None,
        "nothing was sent to Alice, who did not answer"
    );

    // During the event (check-in opens 30 minutes before): the organiser opens a code ...
    bot.clock.advance(chrono::Duration::minutes(45));
    let said = slash(
        &bot,
        &alice(),
        "event",
        "checkin-code",
        json!([opt("id", "E1")]),
    )
    .await;
    let marker = "Check-in code for Grand rounds (E1): ";
    let at = said.find(marker).unwrap_or_else(|| panic!("{said}")) + marker.len();
    let code: String = said[at..].chars().take(6).collect();
    assert!(
        code.chars().all(|c| c.is_ascii_alphanumeric()),
        "{code:?} in {said}"
    );

    // ... Bob checks in with it, and his CPD export lists the event.
    let said = slash(
        &bot,
        &bob(),
        "event",
        "checkin",
        json!([opt("id", "E1"), opt("code", &code)]),
    )
    .await;
    assert!(
        said.contains("Checked in to Grand rounds (E1) (CPD: 1h 30m)"),
        "{said}"
    );
    let csv = slash(&bot, &bob(), "cpd", "export", json!([])).await;
    assert!(csv.contains("date,title,kind,hours,place"), "{csv}");
    assert!(
        csv.contains(",Grand rounds,CPD session,1.5,Theatre 2"),
        "{csv}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn cancelling_an_event_tells_those_who_answered_and_marks_the_announcement() {
    let bot = start_with_alice_on_the_committee().await;
    let said = slash(
        &bot,
        &alice(),
        "event",
        "create",
        json!([opt("details", "Journal club | in 3 days | at Library")]),
    )
    .await;
    assert!(said.starts_with("Created E1: Journal club"), "{said}");
    let (_, announcement) = announcement_of(&bot, "Journal club (E1)").await;
    let (_, click) = bot
        .standin
        .button_click(GUILD, NEWS, &alice(), announcement, "rounds:event:1:going")
        .await;
    followup(&bot, &click).await;
    let (_, click) = bot
        .standin
        .button_click(GUILD, NEWS, &bob(), announcement, "rounds:event:1:maybe")
        .await;
    assert!(followup(&bot, &click).await.starts_with("Noted: maybe"));
    announcement_edit(&bot, announcement, "Going: 1 · waitlist: 0 · maybe: 1").await;

    let said = slash(&bot, &alice(), "event", "cancel", json!([opt("id", "E1")])).await;
    assert!(
        said.starts_with("Cancelled E1; 2 members who answered were told."),
        "{said}"
    );
    for member in [alice(), bob()] {
        let told = dms(&bot, &member, 1).await;
        assert!(
            told[0].starts_with("Cancelled: Journal club (E1), which was on "),
            "{}: {told:?}",
            member.name
        );
    }
    // The announcement now says so, without buttons; a notice follows in the channel.
    let edit = announcement_edit(&bot, announcement, "Cancelled").await;
    assert!(
        edit["content"]
            .as_str()
            .unwrap()
            .starts_with("📅 Cancelled: Journal club (E1)"),
        "{edit}"
    );
    assert_eq!(edit["components"], json!([]), "no buttons left: {edit}");
    let shown = bot.standin.message(announcement).unwrap();
    assert!(
        shown["content"]
            .as_str()
            .unwrap()
            .starts_with("📅 Cancelled: Journal club (E1)"),
        "{shown}"
    );
    let notice = bot
        .request(|r| {
            r.method == "POST"
                && r.route() == format!("/channels/{NEWS}/messages")
                && body(r)["content"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("📅 Cancelled: Journal club (E1), "))
        })
        .await;
    assert_eq!(body(&notice)["components"], json!([]));
    bot.stop().await;
}

#[tokio::test]
async fn an_event_calendar_file_is_attached_to_the_answer_and_to_a_channel_reply() {
    let bot = start_with_alice_on_the_committee().await;
    let said = slash(
        &bot,
        &alice(),
        "event",
        "create",
        json!([opt("details", "Grand rounds | in 3 days | at Theatre 2")]),
    )
    .await;
    assert!(said.starts_with("Created E1"), "{said}");

    // As a slash command: the deferred answer is edited with the file (multipart).
    let (_, token) = bot
        .standin
        .slash_command(
            GUILD,
            GENERAL,
            &bob(),
            "event",
            json!([{"type": 1, "name": "ics", "options": [opt("id", "E1")]}]),
        )
        .await;
    let path = format!("/webhooks/{APP}/{token}/messages/@original");
    let edit = bot
        .request(|r| r.method == "PATCH" && r.route() == path)
        .await;
    assert!(
        edit.header("content-type")
            .is_some_and(|t| t.starts_with("multipart/form-data")),
        "{:?}",
        edit.headers
    );
    assert!(
        body(&edit)["content"]
            .as_str()
            .unwrap()
            .starts_with("Grand rounds (E1) as a calendar file"),
        "{}",
        body(&edit)
    );
    assert_eq!(edit.files.len(), 1, "{:?}", edit.files);
    let file = &edit.files[0];
    assert_eq!(file.filename, "E1.ics");
    assert_eq!(file.field, "files[0]");
    assert_eq!(file.content_type.as_deref(), Some("text/calendar"));
    let ics = String::from_utf8(file.bytes.clone()).unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR"), "{ics}");
    assert!(ics.contains("SUMMARY:Grand rounds"), "{ics}");
    assert!(ics.contains("LOCATION:Theatre 2"), "{ics}");
    assert!(ics.trim_end().ends_with("END:VCALENDAR"), "{ics}");
    assert_eq!(body(&edit)["attachments"][0]["filename"], "E1.ics");
    // The answer the member sees carries the file.
    let original = bot
        .standin
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.route().ends_with(&format!("/{token}/callback")))
        .expect("deferred");
    assert_eq!(original.status, 204);
    let answered = bot
        .standin
        .channel_messages(GENERAL)
        .into_iter()
        .find(|m| {
            m["content"]
                .as_str()
                .unwrap()
                .starts_with("Grand rounds (E1)")
        })
        .expect("the edited answer");
    assert_eq!(answered["attachments"][0]["filename"], "E1.ics");
    assert_eq!(answered["attachments"][0]["size"], file.bytes.len());

    // As a typed command: a reply in the channel with the file.
    bot.standin
        .message_create(GUILD, GENERAL, &bob(), "!event ics E1")
        .await;
    let reply = bot
        .request(|r| {
            r.method == "POST"
                && r.route() == format!("/channels/{GENERAL}/messages")
                && !r.files.is_empty()
        })
        .await;
    assert!(reply.status < 300, "{}", reply.status);
    assert_eq!(reply.files[0].filename, "E1.ics");
    // DTSTAMP says when each file was made, so two files made a second apart differ only there.
    let unstamped = |bytes: &[u8]| {
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .split("\r\n")
            .filter(|line| !line.starts_with("DTSTAMP:") && !line.starts_with("LAST-MODIFIED:"))
            .collect::<Vec<_>>()
            .join("\r\n")
    };
    assert_eq!(
        unstamped(&reply.files[0].bytes),
        unstamped(&file.bytes),
        "the same calendar"
    );
    assert!(body(&reply)["message_reference"]["message_id"].is_string());
    let posted = bot
        .standin
        .channel_messages(GENERAL)
        .into_iter()
        .find(|m| m["attachments"].as_array().is_some_and(|a| !a.is_empty()) && m["type"] == 19)
        .expect("the reply with its file");
    assert_eq!(posted["attachments"][0]["filename"], "E1.ics");
    bot.stop().await;
}

#[tokio::test]
async fn with_scheduled_events_on_an_event_is_mirrored_edited_and_removed() {
    let (bot, create) = mirrored_event("Grand rounds | in 3 days | for 2h | at Theatre 2").await;
    let sent = body(&create);
    assert_eq!(sent["entity_type"], 3, "external");
    assert_eq!(sent["name"], "Grand rounds");
    assert_eq!(sent["privacy_level"], 2);
    assert_eq!(sent["entity_metadata"]["location"], "Theatre 2");
    let start =
        chrono::DateTime::parse_from_rfc3339(sent["scheduled_start_time"].as_str().unwrap())
            .unwrap();
    let end =
        chrono::DateTime::parse_from_rfc3339(sent["scheduled_end_time"].as_str().unwrap()).unwrap();
    assert_eq!(end - start, chrono::Duration::hours(2));
    let ahead = start.with_timezone(&chrono::Utc) - bot.clock.now();
    assert!(
        ahead > chrono::Duration::days(3) - chrono::Duration::minutes(5)
            && ahead <= chrono::Duration::days(3),
        "starts in 3 days: {ahead}"
    );
    let events = bot.standin.scheduled_events();
    assert_eq!(events.len(), 1);
    let id = events[0]["id"].as_str().unwrap().to_string();

    // An edit of the place PATCHes the same scheduled event.
    let said = slash(
        &bot,
        &alice(),
        "event",
        "edit",
        json!([opt("id", "E1"), opt("changes", "at Room 5")]),
    )
    .await;
    assert!(!said.contains("I don't know"), "{said}");
    let path = format!("/guilds/{GUILD}/scheduled-events/{id}");
    let patch = bot
        .request(|r| r.method == "PATCH" && r.route() == path)
        .await;
    assert_eq!(patch.status, 200, "{:?}", patch.body);
    assert_eq!(body(&patch)["entity_metadata"]["location"], "Room 5");
    assert_eq!(
        bot.standin.scheduled_events()[0]["entity_metadata"]["location"],
        "Room 5"
    );
    assert_eq!(bot.standin.scheduled_events().len(), 1, "edited, not added");

    // Cancelling deletes it.
    let said = slash(&bot, &alice(), "event", "cancel", json!([opt("id", "E1")])).await;
    assert!(said.starts_with("Cancelled E1"), "{said}");
    let delete = bot
        .request(|r| r.method == "DELETE" && r.route() == path)
        .await;
    assert_eq!(delete.status, 204);
    assert!(bot.standin.scheduled_events().is_empty());
    let posts = bot
        .standin
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.route() == format!("/guilds/{GUILD}/scheduled-events"))
        .count();
    assert_eq!(posts, 1, "one scheduled event was ever created");
    bot.stop().await;
}

#[tokio::test]
async fn without_scheduled_events_nothing_is_mirrored() {
    let bot = start_with_alice_on_the_committee().await;
    slash(
        &bot,
        &alice(),
        "event",
        "create",
        json!([opt("details", "Grand rounds | in 3 days | at Theatre 2")]),
    )
    .await;
    announcement_of(&bot, "Grand rounds (E1)").await;
    // The calendar action comes right after the announcement in the same batch.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !bot.standin
            .requests()
            .iter()
            .any(|r| r.route().contains("scheduled-events")),
        "the society did not turn scheduled events on"
    );
    bot.stop().await;
}

#[tokio::test]
async fn event_create_without_details_opens_a_form_whose_submission_creates_the_event() {
    let bot = start_with_alice_on_the_committee().await;
    // Registered with `details` optional for `create` only.
    let put = bot
        .request(|r| {
            r.method == "PUT" && r.route() == format!("/applications/{APP}/guilds/{GUILD}/commands")
        })
        .await;
    let commands = body(&put);
    let event = commands
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "event")
        .unwrap();
    let sub = |name: &str| {
        event["options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(sub("create")["options"][0]["name"], "details");
    assert_eq!(sub("create")["options"][0]["required"], false);
    assert_eq!(sub("edit")["options"][0]["required"], true, "only create");

    let (_, token) = bot
        .standin
        .slash_command(
            GUILD,
            GENERAL,
            &alice(),
            "event",
            json!([{"type": 1, "name": "create", "options": []}]),
        )
        .await;
    let callback = bot
        .request(|r| r.method == "POST" && r.route().ends_with(&format!("/{token}/callback")))
        .await;
    assert_eq!(callback.status, 204, "{:?}", callback.body);
    let form = body(&callback);
    assert_eq!(form["type"], 9, "a modal");
    assert_eq!(form["data"]["custom_id"], "rounds:event-create");
    let inputs: Vec<&str> = form["data"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["components"][0]["custom_id"].as_str().unwrap())
        .collect();
    assert_eq!(inputs, ["title", "when", "where", "more"]);
    assert_eq!(
        form["data"]["components"][0]["components"][0]["required"],
        true
    );
    assert_eq!(
        form["data"]["components"][2]["components"][0]["required"],
        false
    );

    let (_, submit) = bot
        .standin
        .modal_submit(
            GUILD,
            GENERAL,
            &alice(),
            "rounds:event-create",
            &[
                ("title", "Grand rounds"),
                ("when", "in 3 days"),
                ("where", "Theatre 2"),
                ("more", "for 2h\ncapacity 40\nkind cpd | cpd 1.5"),
            ],
        )
        .await;
    let ack = bot
        .request(|r| r.method == "POST" && r.route().ends_with(&format!("/{submit}/callback")))
        .await;
    assert_eq!(body(&ack)["type"], 5, "deferred");
    assert_eq!(body(&ack)["data"]["flags"], 64, "ephemeral");
    let answer = bot.answer(&submit).await;
    assert!(
        answer["content"]
            .as_str()
            .unwrap()
            .starts_with("Created E1: Grand rounds"),
        "{answer}"
    );
    let (post, _) = announcement_of(&bot, "Grand rounds (E1)").await;
    let content = post["content"].as_str().unwrap();
    assert!(content.contains("Where: Theatre 2"), "{content}");
    assert!(
        content.contains("CPD session · CPD: 1h 30m · 40 places"),
        "{content}"
    );
    // The slash command itself was answered by the form only, never edited.
    assert!(
        !bot.standin.requests().iter().any(|r| r.method == "PATCH"
            && r.route() == format!("/webhooks/{APP}/{token}/messages/@original")),
        "the command that opened the form has no other answer"
    );
    bot.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Shout-outs, onboarding and the identifier guard (issue 7)
// ---------------------------------------------------------------------------------------------

const CHEERS: u64 = 1_300_000_000_000_000_104;
const INTERNS: u64 = 1_300_000_000_000_000_110;

fn carol() -> FixtureUser {
    FixtureUser::new(1_300_000_000_000_000_203, "carol")
}

/// The usual world with a celebrations channel and an interns role.
fn society_world() -> World {
    let mut world = world();
    world.guilds[0]
        .channels
        .push((CHEERS, "celebrations".into()));
    world.guilds[0].roles.push((INTERNS, "Interns".into()));
    world
}

/// The test society with a welcome: its text, code of conduct and the groups answers put
/// members in.
fn welcoming_settings() -> rounds::core::Settings {
    let mut settings = support::settings(chrono_tz::Australia::Sydney);
    let welcome = rounds::core::Welcome {
        text: Some("We are junior doctors helping each other through training.".into()),
        code_of_conduct: Some("https://society.example/conduct".into()),
        groups: vec![
            ("intern".into(), "interns".into()),
            ("emergency medicine".into(), "emergency".into()),
        ],
    };
    for society in settings.societies.values_mut() {
        society.welcome = welcome.clone();
    }
    settings
}

/// The messages the bot has sent `user` in their direct messages (not theirs), once there are
/// at least `count`.
async fn bot_dms(bot: &Running, user: &FixtureUser, count: usize) -> Vec<Value> {
    tokio::time::timeout(WAIT, async {
        loop {
            if let Some(channel) = bot.standin.dm_channel(user.id) {
                let said: Vec<Value> = bot
                    .standin
                    .channel_messages(channel)
                    .into_iter()
                    .filter(|m| m["author"]["bot"] == json!(true))
                    .collect();
                if said.len() >= count {
                    return said;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{count} direct message(s) from the bot reach {}", user.name))
}

fn text(message: &Value) -> &str {
    message["content"].as_str().unwrap_or_default()
}

/// The custom ids of a message's buttons, with their labels.
fn buttons_of(message: &Value) -> Vec<(String, String)> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .map(|b| {
            (
                b["custom_id"].as_str().unwrap_or_default().to_string(),
                b["label"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn id_of_message(message: &Value) -> u64 {
    message["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_newcomer_is_welcomed_privately_answers_by_button_and_text_and_gets_the_role() {
    let bot = start_in(society_world(), welcoming_settings(), |link| {
        link.group_roles.insert("interns".into(), INTERNS);
    })
    .await;
    bot.standin.member_join(GUILD, &carol()).await;

    // A welcome and the first question, privately, with the society's own words.
    let said = bot_dms(&bot, &carol(), 2).await;
    let welcome = said
        .iter()
        .find(|m| text(m).starts_with("Welcome to Test Society, carol!"))
        .expect("a welcome");
    assert!(text(welcome).contains("junior doctors helping each other"));
    assert!(text(welcome).contains("Our code of conduct: https://society.example/conduct"));
    let stage = said
        .iter()
        .find(|m| text(m).starts_with("1/6 · What stage of training"))
        .expect("the stage question");
    let buttons = buttons_of(stage);
    assert!(
        buttons.contains(&("rounds:onboard:stage:intern".into(), "Intern".into())),
        "{buttons:?}"
    );
    assert!(buttons.contains(&("rounds:onboard:stage:skip".into(), "Skip".into())));
    assert!(bot.posts_to(GENERAL).is_empty(), "nothing public");

    // "Intern": the interns role, then the next question.
    let (_, click) = bot
        .standin
        .dm_button_click(
            &carol(),
            id_of_message(stage),
            "rounds:onboard:stage:intern",
        )
        .await;
    let ack = bot
        .request(|r| r.method == "POST" && r.route().ends_with(&format!("/{click}/callback")))
        .await;
    assert_eq!(body(&ack)["type"], 6, "acknowledged at once");
    let grant = bot
        .request(|r| {
            r.method == "PUT"
                && r.route() == format!("/guilds/{GUILD}/members/{}/roles/{INTERNS}", carol().id)
        })
        .await;
    assert_eq!(grant.status, 204);
    assert!(grant.header("x-audit-log-reason").is_some());
    assert_eq!(bot.standin.member_roles(GUILD, carol().id), vec![INTERNS]);
    let said = bot_dms(&bot, &carol(), 3).await;
    assert!(
        text(&said[2]).starts_with("2/6 · What is your specialty"),
        "{said:?}"
    );

    // A plain direct message answers a typed question; a group with no role is left alone.
    bot.standin
        .dm_message_create(&carol(), "Emergency medicine")
        .await;
    let said = bot_dms(&bot, &carol(), 4).await;
    assert!(
        text(&said[3]).starts_with("3/6 · Which timezone"),
        "{said:?}"
    );
    assert_eq!(bot.standin.member_roles(GUILD, carol().id), vec![INTERNS]);

    // Joining again (a redelivered event, or leaving and coming back) is not welcomed twice.
    bot.standin.member_join(GUILD, &carol()).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let said = bot_dms(&bot, &carol(), 4).await;
    assert_eq!(said.len(), 4, "{said:?}");
    assert_eq!(
        said.iter()
            .filter(|m| text(m).starts_with("Welcome to"))
            .count(),
        1
    );
    bot.stop().await;
}

#[tokio::test]
async fn a_shout_out_is_posted_with_a_reaction_only_after_its_subject_approves() {
    let bot = start_in(
        society_world(),
        support::settings(chrono_tz::Australia::Sydney),
        |link| link.celebrations = Some(CHEERS),
    )
    .await;
    // `/shoutout about member:@bob value:award text:...`: bob picked with the user option.
    let options = json!([{"type": 1, "name": "about", "options": [
        {"type": 6, "name": "member", "value": bob().id.to_string()},
        opt("value", "award"),
        opt("text", "Best registrar teaching award at Westmead"),
    ]}]);
    let (_, token) = bot
        .standin
        .slash_command(GUILD, GENERAL, &alice(), "shoutout", options)
        .await;
    let answer = bot.answer(&token).await;
    assert!(text(&answer).starts_with("Thanks! I've asked"), "{answer}");

    // Bob is asked privately, with buttons; nothing is celebrated yet.
    let asked = bot_dms(&bot, &bob(), 1).await;
    let question = &asked[0];
    assert!(text(question).contains("alice would like to celebrate your news"));
    assert!(text(question).contains("Best registrar teaching award at Westmead"));
    let buttons = buttons_of(question);
    assert_eq!(
        buttons.iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>(),
        vec!["Post it", "Don't post"]
    );
    assert!(buttons[0].0.starts_with("rounds:shoutout:approve:"));
    assert!(bot.posts_to(CHEERS).is_empty());
    assert!(bot.posts_to(GENERAL).is_empty());

    // "Post it": the celebration mentions bob, and the bot reacts to it.
    let (_, click) = bot
        .standin
        .dm_button_click(&bob(), id_of_message(question), &buttons[0].0)
        .await;
    assert!(followup(&bot, &click).await.starts_with("Posted S"));
    let post = bot
        .request(|r| r.method == "POST" && r.route() == format!("/channels/{CHEERS}/messages"))
        .await;
    let post = body(&post);
    let content = text(&post);
    assert!(content.starts_with("🎉 Award · "), "{content}");
    assert!(content.contains(&format!("<@{}>", bob().id)), "{content}");
    assert!(content.contains("Best registrar teaching award at Westmead"));
    assert_eq!(
        post["allowed_mentions"]["users"],
        json!([bob().id.to_string()])
    );
    let celebration = bot
        .standin
        .channel_messages(CHEERS)
        .into_iter()
        .find(|m| m["author"]["bot"] == json!(true))
        .expect("the celebration is in the channel");
    let celebration = id_of_message(&celebration);
    bot.request(|r| {
        r.method == "PUT"
            && r.route().starts_with(&format!(
                "/channels/{CHEERS}/messages/{celebration}/reactions/"
            ))
    })
    .await;
    assert_eq!(bot.standin.reactions(celebration), vec!["🎉".to_string()]);

    // Alice hears that bob said yes.
    let told = bot_dms(&bot, &alice(), 1).await;
    assert!(text(&told[0]).contains("said yes"), "{told:?}");
    assert_eq!(bot.posts_to(CHEERS).len(), 1, "posted once");
    bot.stop().await;
}

#[tokio::test]
async fn a_milestone_with_an_nhs_number_is_refused_with_the_reason_by_dm_and_posted_nowhere() {
    let bot = start_in(
        society_world(),
        support::settings(chrono_tz::Australia::Sydney),
        |link| link.celebrations = Some(CHEERS),
    )
    .await;
    let options = json!([
        opt("value", "award"),
        opt(
            "text",
            "Our case report is out, thanks to patient 943 476 5919"
        ),
    ]);
    let (_, token) = bot
        .standin
        .slash_command(GUILD, GENERAL, &alice(), "milestone", options)
        .await;
    let ack = bot
        .request(|r| {
            r.method == "POST"
                && r.route().starts_with("/interactions/")
                && r.route().ends_with("/callback")
        })
        .await;
    assert_eq!(body(&ack)["data"]["flags"], 64, "ephemeral");
    let answer = bot.answer(&token).await;
    assert!(
        text(&answer).contains("sent you the reason in a direct message"),
        "{answer}"
    );
    assert!(!text(&answer).contains("NHS"), "{answer}");
    let reason = bot_dms(&bot, &alice(), 1).await;
    assert!(text(&reason[0]).contains("NHS number"), "{reason:?}");
    // That is all there is: nothing in any channel.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for channel in [GENERAL, NEWS, CHEERS] {
        assert!(bot.posts_to(channel).is_empty(), "posted in {channel}");
    }
    bot.stop().await;
}

#[tokio::test]
async fn a_follow_up_about_a_member_picked_in_the_slash_command_is_a_private_reminder() {
    let bot = start().await;
    let options = json!([
        {"type": 6, "name": "member", "value": bob().id.to_string()},
        opt("when", "in 1 minute"),
        opt("note", "ask about the audit"),
    ]);
    let (_, token) = bot
        .standin
        .slash_command(GUILD, GENERAL, &alice(), "followup", options)
        .await;
    let answer = bot.answer(&token).await;
    assert!(text(&answer).starts_with("Got it (R1)"), "{answer}");
    // Asked in a channel: the note is confirmed by direct message, not in the answer.
    assert!(!text(&answer).contains("ask about the audit"), "{answer}");

    bot.clock.advance(chrono::Duration::minutes(2));
    let told = bot_dms(&bot, &alice(), 2).await;
    assert!(text(&told[0]).starts_with("Got it (R1)"), "{told:?}");
    assert!(text(&told[0]).contains("ask about the audit"), "{told:?}");
    assert!(text(&told[1]).contains("follow up with"), "{told:?}");
    assert!(text(&told[1]).contains("ask about the audit"), "{told:?}");
    assert!(bot.posts_to(GENERAL).is_empty(), "private");
    bot.stop().await;
}

#[tokio::test]
async fn a_celebration_retried_after_its_reaction_failed_is_posted_once_and_reacted_to() {
    let bot = start_in(
        society_world(),
        support::settings(chrono_tz::Australia::Sydney),
        |link| {
            link.celebrations = Some(CHEERS);
            link.group_roles.insert("interns".into(), INTERNS);
        },
    )
    .await;
    let celebrate = Action::Celebrate {
        society: support::SOCIETY.into(),
        fallback_room: GENERAL.to_string(),
        message: Message::text("🎉 Award · alice\nTeaching award").with_mentions(vec![UserRef {
            id: alice().id.to_string(),
            name: "alice".into(),
        }]),
        emoji: Some("🎉".into()),
    };
    bot.standin
        .rate_limit_next("PUT", &format!("/channels/{CHEERS}/messages/"), 1.0);
    let first = bot.adapter.perform("out:1", &celebrate).await;
    assert!(first.is_err(), "the reaction was rate limited");
    bot.adapter
        .perform("out:1", &celebrate)
        .await
        .expect("the retry reacts");
    let posted: Vec<Value> = bot
        .standin
        .channel_messages(CHEERS)
        .into_iter()
        .filter(|m| m["author"]["bot"] == json!(true))
        .collect();
    assert_eq!(posted.len(), 1, "{posted:?}");
    assert_eq!(
        text(&posted[0]),
        format!("🎉 Award · <@{}>\nTeaching award", alice().id)
    );
    assert_eq!(
        bot.posts_to(CHEERS).len(),
        1,
        "the retry did not post again"
    );
    assert_eq!(
        bot.standin.reactions(id_of_message(&posted[0])),
        vec!["🎉".to_string()]
    );

    // A group the society mapped to a role grants it; one it did not is left alone.
    let join = |group: &str| Action::JoinGroup {
        society: support::SOCIETY.into(),
        user: UserRef {
            id: bob().id.to_string(),
            name: "bob".into(),
        },
        group: group.into(),
    };
    bot.adapter
        .perform("out:2", &join("emergency"))
        .await
        .expect("no role, nothing to do");
    bot.adapter
        .perform("out:3", &join("interns"))
        .await
        .expect("role granted");
    assert_eq!(bot.standin.member_roles(GUILD, bob().id), vec![INTERNS]);
    let grants = bot
        .standin
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.route().starts_with("/guilds/"))
        .count();
    assert_eq!(grants, 1);
    bot.stop().await;
}

/// A guild no fixture world holds, linked to a second society, so Rounds has to remember which
/// society a member last used it in (with one link it never needs to).
const ELSEWHERE: u64 = 1_300_000_000_000_000_900;

#[tokio::test]
async fn forgetting_a_member_on_discord_erases_their_dm_channel_and_last_society() {
    use rounds::core::store::{MemoryStore, member_memory_key};

    let standin = StandIn::start(world()).await;
    let store = support::sqlite_memory().await;
    let mut settings = support::settings(chrono_tz::Australia::Sydney);
    let mut other = support::society(chrono_tz::Australia::Sydney);
    other.key = "elsewhere".into();
    other.name = "Elsewhere Society".into();
    settings.societies.insert(other.key.clone(), other);
    let runtime = Arc::new(Runtime::new(Arc::new(Bot::new(store.clone(), settings))));
    let clock = Clock::wall();
    let config = DiscordConfig {
        token: "test-token".into(),
        api_base: Some(standin.api_base()),
        shards: ShardRange::ALL,
    };
    let links = vec![
        DiscordLink {
            society: support::SOCIETY.into(),
            guild: GUILD,
            pairing: Some(PAIRING),
            announcements: Some(NEWS),
            ..DiscordLink::default()
        },
        DiscordLink {
            society: "elsewhere".into(),
            guild: ELSEWHERE,
            ..DiscordLink::default()
        },
    ];
    let bot = DiscordBot::connect(&config, links, runtime.clone(), clock.clone())
        .await
        .unwrap();
    let bot = run(standin, bot, runtime, clock).await;

    let member = alice().id.to_string();
    let dm_key = member_memory_key("dm", &member);
    let society_key = member_memory_key("society", &member);
    let recall = |key: String| {
        let store = store.clone();
        async move { store.recall("discord", &key).await.unwrap() }
    };

    // A reminder by direct message opens Alice's DM channel; asking for it in the guild notes
    // her society.
    let options = json!([{"type": 1, "name": "me", "options": [
        {"type": 3, "name": "when", "value": "in 1 minute"},
        {"type": 3, "name": "what", "value": "to take the bloods"}
    ]}]);
    let (_, token) = bot
        .standin
        .slash_command(GUILD, GENERAL, &alice(), "remind", options)
        .await;
    let answer = bot.answer(&token).await;
    assert!(text(&answer).starts_with("Got it (R1)"), "{answer}");
    bot.clock.advance(chrono::Duration::minutes(2));
    // The confirmation with the words, then the reminder itself.
    let told = bot_dms(&bot, &alice(), 2).await;
    assert!(text(&told[1]).contains("take the bloods"), "{told:?}");
    let dm_channel = bot.standin.dm_channel(alice().id).expect("a DM channel");
    assert_eq!(recall(dm_key.clone()).await, Some(dm_channel.to_string()));
    assert_eq!(
        recall(society_key.clone()).await,
        Some(support::SOCIETY.to_string())
    );

    // She asks to be forgotten and confirms with the button.
    let options = json!([{"type": 1, "name": "me", "options": []}]);
    let (_, token) = bot
        .standin
        .slash_command(GUILD, GENERAL, &alice(), "forget", options)
        .await;
    let question = bot.answer(&token).await;
    assert_eq!(
        question["components"][0]["components"][0]["custom_id"],
        "rounds:forget:yes"
    );
    let (_, click) = bot
        .standin
        .button_click(
            GUILD,
            GENERAL,
            &alice(),
            // The deferred answer's own id is Discord's to give; the click only needs one.
            1_300_000_000_000_009_999,
            "rounds:forget:yes",
        )
        .await;
    let done = bot
        .request(|r| r.method == "POST" && r.route() == format!("/webhooks/{APP}/{click}"))
        .await;
    assert!(
        // The clock was moved on for the reminder, so the answer may carry a late label.
        text(&body(&done)).contains("Done. I erased"),
        "{:?}",
        body(&done)
    );

    assert_eq!(recall(dm_key).await, None, "the DM channel is forgotten");
    assert_eq!(
        recall(society_key).await,
        None,
        "the last society is forgotten"
    );
    bot.stop().await;
}

/// A wall time three weeks ahead in Sydney as a member types it ("28 December 2026 12:30"),
/// and its UNIX seconds: the tests run on the wall clock.
fn three_weeks_ahead(bot: &Running) -> (String, i64) {
    use chrono::TimeZone;
    let day = (bot.clock.now() + chrono::Duration::days(21))
        .with_timezone(&chrono_tz::Australia::Sydney)
        .date_naive();
    let at = chrono_tz::Australia::Sydney
        .from_local_datetime(&day.and_hms_opt(12, 30, 0).unwrap())
        .single()
        .unwrap();
    (day.format("%-d %B %Y 12:30").to_string(), at.timestamp())
}

/// Discord shows each reader an event's start in their own zone, in the announcement as posted
/// and as edited with new counts.
#[tokio::test]
async fn an_event_announcement_shows_its_start_in_each_readers_zone() {
    let bot = start_with_alice_on_the_committee().await;
    let (when, unix) = three_weeks_ahead(&bot);
    let said = slash(
        &bot,
        &alice(),
        "event",
        "create",
        json!([opt(
            "details",
            &format!("Grand rounds | {when} | at Theatre 2")
        )]),
    )
    .await;
    assert!(said.starts_with("Created E1: Grand rounds"), "{said}");
    let (post, announcement) = announcement_of(&bot, "Grand rounds (E1)").await;
    let stamp = format!("When: <t:{unix}:F>, <t:{unix}:R> (1h)");
    let content = post["content"].as_str().unwrap();
    assert!(content.contains(&stamp), "{content}");
    assert!(!content.contains("AEDT"), "{content}");

    let (_, click) = bot
        .standin
        .button_click(GUILD, NEWS, &bob(), announcement, "rounds:event:1:going")
        .await;
    followup(&bot, &click).await;
    let edit = announcement_edit(&bot, announcement, "Going: 1").await;
    let content = edit["content"].as_str().unwrap();
    assert!(
        content.contains(&stamp),
        "the edit shows it alike: {content}"
    );
    bot.stop().await;
}

/// A reminder's confirmation on Discord, in the room and privately, shows when it is due in
/// each reader's zone.
#[tokio::test]
async fn a_reminder_confirmation_shows_its_time_in_each_readers_zone() {
    let bot = start().await;
    let (when, unix) = three_weeks_ahead(&bot);
    let options = json!([{"type": 1, "name": "me", "options": [
        {"type": 3, "name": "when", "value": when},
        {"type": 3, "name": "what", "value": "to call the registrar"}
    ]}]);
    let (_, token) = bot
        .standin
        .slash_command(GUILD, GENERAL, &alice(), "remind", options)
        .await;
    let answer = bot.answer(&token).await;
    assert_eq!(
        answer["content"],
        format!(
            "Got it (R1): I'll remind you on <t:{unix}:F>, <t:{unix}:R>. I've sent you the details privately."
        )
    );
    let told = dms(&bot, &alice(), 1).await;
    assert!(
        told[0].starts_with(&format!(
            "Got it (R1): I'll remind you on <t:{unix}:F>, <t:{unix}:R>: call the registrar."
        )),
        "{told:?}"
    );
    bot.stop().await;
}

/// The organiser's confirmation, the list of events and an event's details show its start in
/// each reader's zone too.
#[tokio::test]
async fn an_events_confirmation_list_and_details_show_its_start_in_each_readers_zone() {
    let bot = start_with_alice_on_the_committee().await;
    let (when, unix) = three_weeks_ahead(&bot);
    let stamp = format!("<t:{unix}:F>, <t:{unix}:R>");
    let said = slash(
        &bot,
        &alice(),
        "event",
        "create",
        json!([opt("details", &format!("Journal club | {when}"))]),
    )
    .await;
    assert!(
        said.starts_with(&format!("Created E1: Journal club, {stamp}.")),
        "{said}"
    );
    let listed = slash(&bot, &bob(), "event", "list", json!([])).await;
    assert!(
        listed.contains(&format!("E1 · {stamp} · Journal club")),
        "{listed}"
    );
    let shown = slash(&bot, &bob(), "event", "show", json!([opt("id", "E1")])).await;
    assert!(shown.contains(&format!("When: {stamp} (1h)")), "{shown}");
    bot.stop().await;
}

// ---------------------------------------------------------------------------------------------
// Permissions (issue 17): the stand-in refuses what the bot's roles do not allow, and Rounds
// warns at start-up about what a guild's features need and the bot lacks
// ---------------------------------------------------------------------------------------------

/// As `start_in`, with `@everyone` and the bot's role granting `permissions`.
async fn start_permitted(
    world: World,
    permissions: GuildPermissions,
    settings: rounds::core::Settings,
    change: impl FnOnce(&mut DiscordLink),
) -> Running {
    let standin = StandIn::start(world).await;
    standin.set_permissions(permissions);
    connect_to(standin, settings, change).await
}

fn committee_settings() -> rounds::core::Settings {
    let mut settings = support::settings(chrono_tz::Australia::Sydney);
    for society in settings.societies.values_mut() {
        society.committee = vec![alice().id.to_string()];
    }
    settings
}

/// The bot's messages in `channel` once one contains `needle`.
async fn bot_said(bot: &Running, channel: u64, needle: &str) -> String {
    tokio::time::timeout(WAIT, async {
        loop {
            let found = bot
                .standin
                .channel_messages(channel)
                .into_iter()
                .find_map(|m| {
                    let text = m["content"].as_str()?.to_string();
                    (m["author"]["bot"] == json!(true) && text.contains(needle)).then_some(text)
                });
            if let Some(text) = found {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the bot says {needle:?} in {channel}"))
}

#[tokio::test]
async fn a_calendar_file_without_attach_files_is_refused_and_the_committee_log_says_so() {
    let permissions = GuildPermissions {
        everyone: EVERYONE_PERMISSIONS & !PERMISSION_ATTACH_FILES,
        bot_role: BOT_ROLE_PERMISSIONS,
    };
    let bot = start_permitted(world(), permissions, committee_settings(), |_| {}).await;
    let said = slash(
        &bot,
        &alice(),
        "event",
        "create",
        json!([opt("details", "Grand rounds | in 3 days | at Theatre 2")]),
    )
    .await;
    assert!(said.starts_with("Created E1"), "{said}");
    bot.standin
        .message_create(GUILD, GENERAL, &bob(), "!event ics E1")
        .await;
    let refused = bot
        .request(|r| {
            r.method == "POST"
                && r.route() == format!("/channels/{GENERAL}/messages")
                && !r.files.is_empty()
        })
        .await;
    assert_eq!(refused.status, 403);
    bot.standin
        .message_create(GUILD, GENERAL, &alice(), "!committee log")
        .await;
    let log = bot_said(&bot, GENERAL, "could not be delivered").await;
    assert!(log.contains("Missing Permissions"), "{log}");
    assert!(
        log.contains("Rounds lacks a Discord permission"),
        "the fix is named: {log}"
    );
    let attached = bot
        .standin
        .channel_messages(GENERAL)
        .into_iter()
        .filter(|m| m["attachments"].as_array().is_some_and(|a| !a.is_empty()))
        .count();
    assert_eq!(attached, 0, "no file reached the channel");
    bot.stop().await;
}

#[tokio::test]
async fn manage_events_alone_no_longer_creates_a_scheduled_event() {
    let permissions = GuildPermissions {
        everyone: EVERYONE_PERMISSIONS,
        bot_role: PERMISSION_MANAGE_ROLES | PERMISSION_MANAGE_THREADS | PERMISSION_MANAGE_EVENTS,
    };
    let bot = start_permitted(world(), permissions, committee_settings(), |link| {
        link.scheduled_events = true
    })
    .await;
    slash(
        &bot,
        &alice(),
        "event",
        "create",
        json!([opt("details", "Grand rounds | in 3 days | at Theatre 2")]),
    )
    .await;
    let path = format!("/guilds/{GUILD}/scheduled-events");
    let create = bot
        .request(|r| r.method == "POST" && r.route() == path)
        .await;
    assert_eq!(create.status, 403, "{:?}", create.body);
    assert!(bot.standin.scheduled_events().is_empty());
    bot.stop().await;
}

/// Every warning Rounds logs in this test binary.
fn warnings() -> Arc<std::sync::Mutex<Vec<u8>>> {
    #[derive(Clone)]
    struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    static LOG: std::sync::OnceLock<Arc<std::sync::Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let log = Arc::new(std::sync::Mutex::new(Vec::new()));
        let writer = Captured(log.clone());
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        log
    })
    .clone()
}

fn logged_lines(log: &std::sync::Mutex<Vec<u8>>, needle: &str) -> Vec<String> {
    String::from_utf8_lossy(&log.lock().unwrap())
        .lines()
        .filter(|line| line.contains(needle))
        .map(str::to_string)
        .collect()
}

/// Starts a bot in a guild named `name` and waits until its GUILD_CREATE was handled (the
/// commands are registered after the check).
async fn started_in_guild_named(
    name: &str,
    permissions: GuildPermissions,
    change: impl FnOnce(&mut DiscordLink),
) -> Running {
    let mut world = world();
    world.guilds[0].name = name.into();
    let bot = start_permitted(world, permissions, committee_settings(), change).await;
    bot.request(|r| {
        r.method == "PUT" && r.route() == format!("/applications/{APP}/guilds/{GUILD}/commands")
    })
    .await;
    bot
}

#[tokio::test]
async fn at_start_up_a_guild_missing_permissions_gets_one_warning_naming_them() {
    let log = warnings();
    let lacking = GuildPermissions {
        everyone: EVERYONE_PERMISSIONS & !PERMISSION_ATTACH_FILES,
        bot_role: 0,
    };
    let bot = started_in_guild_named("Underpermitted Society", lacking, |link| {
        link.scheduled_events = true
    })
    .await;
    bot.stop().await;
    let lines = logged_lines(&log, "Underpermitted Society");
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert!(line.contains("WARN"), "{line}");
    for named in [
        "Attach Files",
        "Manage Threads",
        "Create Events",
        "calendar files (.ics)",
        "coffee introductions in private threads",
        "events mirrored into the Events tab",
    ] {
        assert!(line.contains(named), "{named} in {line}");
    }
    // Group roles are not configured here, so Manage Roles is not asked for.
    assert!(!line.contains("Manage Roles"), "{line}");

    // The invite's permissions (here @everyone's and the bot's role together) draw no warning,
    // and neither does Administrator.
    let granted = GuildPermissions::default();
    let bot = started_in_guild_named("Fully Granted Society", granted, |link| {
        link.scheduled_events = true
    })
    .await;
    bot.stop().await;
    let admin = GuildPermissions {
        everyone: 0,
        bot_role: PERMISSION_ADMINISTRATOR,
    };
    let bot = started_in_guild_named("Administered Society", admin, |link| {
        link.allow_mass_mentions = true
    })
    .await;
    bot.stop().await;
    assert!(logged_lines(&log, "Fully Granted Society").is_empty());
    assert!(logged_lines(&log, "Administered Society").is_empty());
}

const COMMITTEE: u64 = 1_300_000_000_000_000_104;

/// The posts the bot made in `channel` so far, as their text.
fn said_in(bot: &Running, channel: u64) -> Vec<String> {
    bot.posts_to(channel)
        .iter()
        .filter(|r| r.status < 300)
        .map(|r| body(r)["content"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Waits until `channel` holds a post of the bot's containing `needle`, and returns it.
async fn post_containing(bot: &Running, channel: u64, needle: &str) -> String {
    tokio::time::timeout(WAIT, async {
        loop {
            if let Some(found) = said_in(bot, channel)
                .into_iter()
                .find(|t| t.contains(needle))
            {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("a post containing {needle:?} in {channel}"))
}

async fn remind_alice_privately(bot: &Running, what: &str) {
    let options = json!([{"type": 1, "name": "me", "options": [
        {"type": 3, "name": "when", "value": "in 1 minute"},
        {"type": 3, "name": "what", "value": what}
    ]}]);
    let (_, token) = bot
        .standin
        .slash_command(GUILD, GENERAL, &alice(), "remind", options)
        .await;
    let answer = bot.answer(&token).await;
    assert!(text(&answer).contains("Got it"), "{answer}");
    bot.clock.advance(chrono::Duration::minutes(2));
}

/// Issue 17: a member with closed direct messages (Discord's 403, code 50007) gets their
/// reminder in a private thread in the pairing channel, told once a day why it is there; the
/// committee log has a line; the reminder's words are posted nowhere shared.
#[tokio::test]
async fn a_reminder_to_a_member_with_closed_dms_reaches_them_in_a_private_thread() {
    let mut world = world();
    world.guilds[0]
        .channels
        .push((COMMITTEE, "committee".into()));
    let bot = start_in(
        world,
        support::settings(chrono_tz::Australia::Sydney),
        |link| link.admin_channel = Some(COMMITTEE),
    )
    .await;
    bot.standin.close_direct_messages(alice().id);

    remind_alice_privately(&bot, "to take the bloods").await;
    let refused = bot
        .request(|r| r.method == "POST" && r.status == 403 && r.route().ends_with("/messages"))
        .await;
    assert_eq!(
        Some(refused.route().to_string()),
        bot.standin
            .dm_channel(alice().id)
            .map(|dm| format!("/channels/{dm}/messages"))
    );
    let thread = tokio::time::timeout(WAIT, async {
        loop {
            if let Some(thread) = introduction_thread(&bot.standin) {
                return thread;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("a private thread");
    let created = bot
        .request(|r| r.method == "POST" && r.route() == format!("/channels/{PAIRING}/threads"))
        .await;
    assert_eq!(
        body(&created)["name"],
        "Rounds: alice",
        "not a coffee pairing"
    );
    assert_eq!(body(&created)["type"], 12, "a private thread");
    let members = bot.standin.thread_members(thread);
    assert!(members.contains(&alice().id), "{members:?}");
    assert!(!members.contains(&bob().id), "{members:?}");
    let first = post_containing(&bot, thread, "take the bloods").await;
    assert!(
        first.starts_with("📭 I couldn't message you privately"),
        "{first}"
    );
    let logged = post_containing(&bot, COMMITTEE, "closed their direct messages").await;
    assert_eq!(
        logged,
        "[admin log] alice has closed their direct messages: their private messages go to a private thread in the pairing channel."
    );

    // The same day: the next reminder goes to the same thread, without the notice or a log line.
    remind_alice_privately(&bot, "to sign the rota").await;
    let second = post_containing(&bot, thread, "sign the rota").await;
    assert!(!second.contains("📭"), "told once a day: {second}");
    assert_eq!(introduction_thread(&bot.standin), Some(thread));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        said_in(&bot, COMMITTEE).len(),
        1,
        "{:?}",
        said_in(&bot, COMMITTEE)
    );
    for channel in [GENERAL, PAIRING, NEWS, COMMITTEE] {
        for post in said_in(&bot, channel) {
            assert!(
                !post.contains("bloods") && !post.contains("rota"),
                "private words in a shared channel: {post}"
            );
        }
    }
    bot.stop().await;
}

/// The scheduled events POSTed to the guild so far.
fn scheduled_event_posts(bot: &Running) -> Vec<Recorded> {
    let path = format!("/guilds/{GUILD}/scheduled-events");
    bot.standin
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.route() == path)
        .collect()
}

#[tokio::test]
async fn a_weekly_series_is_one_recurring_scheduled_event_with_its_skipped_dates_as_exceptions() {
    let (bot, create) =
        mirrored_event("Journal club | every Thursday 12:30 | for 1h | at Library").await;
    let sent = body(&create);
    assert_eq!(sent["name"], "Journal club");
    assert_eq!(sent["entity_metadata"]["location"], "Library");
    let start =
        chrono::DateTime::parse_from_rfc3339(sent["scheduled_start_time"].as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono::Utc);
    let local = start.with_timezone(&chrono_tz::Australia::Sydney);
    assert_eq!(local.format("%a %H:%M").to_string(), "Thu 12:30");
    // 12:30 on a Thursday in Sydney is 01:30 on Thursday in UTC: Discord steps the rule in UTC.
    let rule = &sent["recurrence_rule"];
    assert_eq!(rule["frequency"], 2, "weekly: {rule}");
    assert_eq!(rule["interval"], 1, "{rule}");
    assert_eq!(rule["by_weekday"], json!([3]), "Thursday: {rule}");
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(rule["start"].as_str().unwrap()).unwrap(),
        start
    );
    let events = bot.standin.scheduled_events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["recurrence_rule"]["by_weekday"], json!([3]));
    let id = events[0]["id"].as_str().unwrap().to_string();

    // Skipping the second date cancels that occurrence of the same event.
    let second = local + chrono::Duration::days(7);
    let said = slash(
        &bot,
        &alice(),
        "event",
        "skip",
        json!([
            opt("id", "E1"),
            opt("date", &second.format("%Y-%m-%d").to_string())
        ]),
    )
    .await;
    assert!(said.starts_with("Skipped"), "{said}");
    let exceptions = format!("/guilds/{GUILD}/scheduled-events/{id}/exceptions");
    let exception = bot
        .request(|r| r.method == "POST" && r.route() == exceptions)
        .await;
    assert_eq!(exception.status, 200, "{:?}", exception.body);
    let sent = body(&exception);
    assert_eq!(sent["is_canceled"], true);
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(
            sent["original_scheduled_start_time"].as_str().unwrap()
        )
        .unwrap(),
        start + chrono::Duration::days(7)
    );
    let stored = &bot.standin.scheduled_events()[0]["guild_scheduled_event_exceptions"];
    assert_eq!(stored.as_array().unwrap().len(), 1, "{stored}");

    // When the first date begins the third is announced; the recurring event stays the one.
    let patch = format!("/guilds/{GUILD}/scheduled-events/{id}");
    let patches = |bot: &Running| {
        bot.standin
            .requests()
            .into_iter()
            .filter(|r| r.method == "PATCH" && r.route() == patch)
            .count()
    };
    let patched = patches(&bot);
    bot.clock
        .advance(start - bot.clock.now() + chrono::Duration::minutes(1));
    let news = format!("/channels/{NEWS}/messages");
    let announced = bot
        .request(|r| {
            r.method == "POST"
                && r.route() == news
                && body(r)["content"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("📅 Journal club (E2)"))
        })
        .await;
    let third = start + chrono::Duration::days(14);
    // Discord shows each reader the start in their own zone.
    let when = format!("<t:{}:F>", third.timestamp());
    assert!(
        body(&announced)["content"]
            .as_str()
            .unwrap()
            .contains(&when),
        "the third date, since the second is skipped: {:?}",
        announced.body
    );
    // The series' copy follows the announcement: an edit of the same event.
    let deadline = tokio::time::Instant::now() + WAIT;
    while patches(&bot) == patched && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(patches(&bot) > patched, "the series' event is edited");
    assert_eq!(scheduled_event_posts(&bot).len(), 1, "no event per date");
    let posted_exceptions = bot
        .standin
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.route() == exceptions)
        .count();
    assert_eq!(posted_exceptions, 1, "the skipped date is sent once");

    // Cancelling the announced third date cancels that occurrence, not the recurring event.
    let said = slash(&bot, &alice(), "event", "cancel", json!([opt("id", "E2")])).await;
    assert!(said.contains("Cancelled E2"), "{said}");
    let cancelled = bot
        .request(|r| {
            r.method == "POST"
                && r.route() == exceptions
                && chrono::DateTime::parse_from_rfc3339(
                    body(r)["original_scheduled_start_time"]
                        .as_str()
                        .unwrap_or(""),
                )
                .is_ok_and(|t| t == third)
        })
        .await;
    assert_eq!(cancelled.status, 200, "{:?}", cancelled.body);
    let events = bot.standin.scheduled_events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0]["guild_scheduled_event_exceptions"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Ending the series removes it.
    let said = slash(
        &bot,
        &alice(),
        "event",
        "cancel",
        json!([opt("id", "E1 series")]),
    )
    .await;
    assert!(said.contains("Ended the series of Journal club"), "{said}");
    let delete = bot
        .request(|r| r.method == "DELETE" && r.route() == patch)
        .await;
    assert_eq!(delete.status, 204);
    assert!(bot.standin.scheduled_events().is_empty());
    bot.stop().await;
}

#[tokio::test]
async fn a_series_on_two_weekdays_stays_one_scheduled_event_per_date() {
    let (bot, create) =
        mirrored_event("Ward round | every Monday and Thursday 08:00 | for 1h | at Ward 3").await;
    let path = format!("/guilds/{GUILD}/scheduled-events");
    let sent = body(&create);
    assert!(sent["recurrence_rule"].is_null(), "{sent}");
    let start =
        chrono::DateTime::parse_from_rfc3339(sent["scheduled_start_time"].as_str().unwrap())
            .unwrap()
            .with_timezone(&chrono::Utc);

    // When the first date begins the next is announced, and mirrored as an event of its own.
    bot.clock
        .advance(start - bot.clock.now() + chrono::Duration::minutes(1));
    let second = bot
        .standin
        .wait_for_request(
            |r| {
                r.method == "POST"
                    && r.route() == path
                    && body(r)["scheduled_start_time"] != sent["scheduled_start_time"]
            },
            WAIT,
        )
        .await
        .expect("the second date is mirrored");
    assert_eq!(second.status, 200, "{:?}", second.body);
    assert!(body(&second)["recurrence_rule"].is_null());
    let events = bot.standin.scheduled_events();
    assert_eq!(events.len(), 2, "one per date: {events:?}");
    assert_eq!(scheduled_event_posts(&bot).len(), 2);
    bot.stop().await;
}

/// POSTs a scheduled event with `rule` straight to the stand-in, as an app would.
async fn post_recurring(standin: &StandIn, start: &str, rule: Value) -> reqwest::Response {
    let event = json!({
        "name": "Journal club",
        "privacy_level": 2,
        "entity_type": 3,
        "entity_metadata": {"location": "Library"},
        "scheduled_start_time": start,
        "scheduled_end_time": "2099-01-01T02:30:00Z",
        "recurrence_rule": rule,
    });
    reqwest::Client::new()
        .post(format!(
            "{}/api/v10/guilds/{GUILD}/scheduled-events",
            standin.api_base()
        ))
        .header("Authorization", "Bot test-token")
        .header("Content-Type", "application/json")
        .body(event.to_string())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_stand_in_refuses_the_recurrence_rules_discord_refuses() {
    let standin = StandIn::start(world()).await;
    // Thursday 1 January 2099, 01:30 UTC.
    let start = "2099-01-01T01:30:00Z";
    let rule = |extra: Value| {
        let mut rule = json!({"start": start, "frequency": 2, "interval": 1, "by_weekday": [3]});
        for (key, value) in extra.as_object().unwrap() {
            rule[key.as_str()] = value.clone();
        }
        rule
    };
    let refused = [
        rule(json!({"by_weekday": [0, 3]})),
        rule(json!({"interval": 3})),
        rule(json!({"count": 4})),
        rule(json!({"end": "2099-06-01T01:30:00Z"})),
        rule(json!({"frequency": 1, "by_weekday": null, "by_month_day": [1]})),
        rule(json!({"frequency": 3, "by_weekday": [0, 3]})),
        rule(
            json!({"frequency": 1, "by_weekday": null, "by_n_weekday": [{"n": 2, "day": 1}, {"n": 4, "day": 1}]}),
        ),
    ];
    for bad in refused {
        let answer = post_recurring(&standin, start, bad.clone()).await;
        assert_eq!(answer.status().as_u16(), 400, "{bad}");
    }
    let accepted = [
        rule(json!({})),
        rule(json!({"interval": 2})),
        rule(json!({"frequency": 3, "by_weekday": [0, 1, 2, 3, 4]})),
        rule(json!({"frequency": 1, "by_weekday": null, "by_n_weekday": [{"n": 1, "day": 3}]})),
    ];
    for good in accepted {
        let answer = post_recurring(&standin, start, good.clone()).await;
        assert_eq!(answer.status().as_u16(), 200, "{good}");
    }

    // An exception names one of the rule's occurrences.
    let event = standin.scheduled_events()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let except = |original: &str| {
        let url = format!(
            "{}/api/v10/guilds/{GUILD}/scheduled-events/{event}/exceptions",
            standin.api_base()
        );
        let body = json!({"original_scheduled_start_time": original, "is_canceled": true});
        async move {
            reqwest::Client::new()
                .post(url)
                .header("Authorization", "Bot test-token")
                .header("Content-Type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(except("2099-01-02T01:30:00Z").await, 400, "a Friday");
    assert_eq!(except("2099-01-08T02:30:00Z").await, 400, "another time");
    assert_eq!(
        except("2099-01-08T01:30:00Z").await,
        200,
        "the next Thursday"
    );
    let exceptions = &standin.scheduled_events()[0]["guild_scheduled_event_exceptions"];
    assert_eq!(exceptions.as_array().unwrap().len(), 1, "{exceptions}");
}

#[tokio::test]
async fn a_date_of_a_recurring_series_moved_by_an_edit_reschedules_its_occurrence() {
    let (bot, create) =
        mirrored_event("Journal club | every Thursday 12:30 | for 1h | at Library").await;
    let start = support::at(body(&create)["scheduled_start_time"].as_str().unwrap());
    let id = bot.standin.scheduled_events()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // The first date moves an hour later: that occurrence is rescheduled, the rule stays.
    let day = start
        .with_timezone(&chrono_tz::Australia::Sydney)
        .format("%Y-%m-%d")
        .to_string();
    let said = slash(
        &bot,
        &alice(),
        "event",
        "edit",
        json!([
            opt("id", "E1"),
            opt("changes", &format!("| when {day} 13:30"))
        ]),
    )
    .await;
    assert!(said.starts_with("Updated E1"), "{said}");
    let exceptions = format!("/guilds/{GUILD}/scheduled-events/{id}/exceptions");
    let moved = bot
        .request(|r| r.method == "POST" && r.route() == exceptions)
        .await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    let sent = body(&moved);
    let time = |field: &str| support::at(sent[field].as_str().unwrap());
    assert_eq!(time("original_scheduled_start_time"), start);
    assert_eq!(
        time("scheduled_start_time"),
        start + chrono::Duration::hours(1)
    );
    assert_eq!(
        time("scheduled_end_time"),
        start + chrono::Duration::hours(2)
    );
    assert_eq!(sent["is_canceled"], false);
    let events = bot.standin.scheduled_events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["recurrence_rule"]["by_weekday"], json!([3]));
    assert_eq!(scheduled_event_posts(&bot).len(), 1);
    bot.stop().await;
}
