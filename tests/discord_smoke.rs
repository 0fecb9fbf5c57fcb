//! Optional smoke test against real Discord. It runs only when a test bot's token and a guild
//! and channel of yours are given (see the README), because CI has no Discord to talk to:
//!   ROUNDS_DISCORD_SMOKE_TOKEN=... ROUNDS_DISCORD_SMOKE_GUILD=... ROUNDS_DISCORD_SMOKE_CHANNEL=... \
//!     cargo test --test discord_smoke

mod support;

use std::sync::Arc;
use std::time::Duration;

use serenity::all::{GuildId, Http};
use tokio::sync::watch;

use rounds::clock::Clock;
use rounds::config::{DiscordConfig, ShardRange};
use rounds::core::Bot;
use rounds::core::io::{Action, Message};
use rounds::platform::Adapter;
use rounds::platform::discord::DiscordBot;
use rounds::runtime::Runtime;

#[tokio::test]
async fn real_discord_registers_commands_and_posts_once() {
    let (Ok(token), Ok(guild), Ok(channel)) = (
        std::env::var("ROUNDS_DISCORD_SMOKE_TOKEN"),
        std::env::var("ROUNDS_DISCORD_SMOKE_GUILD"),
        std::env::var("ROUNDS_DISCORD_SMOKE_CHANNEL"),
    ) else {
        eprintln!(
            "real Discord smoke test not run: ROUNDS_DISCORD_SMOKE_TOKEN, _GUILD and _CHANNEL are not all set"
        );
        return;
    };
    let guild: u64 = guild
        .parse()
        .expect("ROUNDS_DISCORD_SMOKE_GUILD is a guild id");
    let store = support::sqlite_memory().await;
    let runtime = Arc::new(Runtime::new(Arc::new(Bot::new(
        store,
        support::settings(chrono_tz::UTC),
    ))));
    let config = DiscordConfig {
        token: token.clone(),
        api_base: None,
        shards: ShardRange::ALL,
    };
    let bot = DiscordBot::connect(&config, Vec::new(), runtime, Clock::wall())
        .await
        .unwrap();
    let adapter = bot.adapter.clone();
    let (stop, shutdown) = watch::channel(false);
    let task = tokio::spawn(bot.run(shutdown));

    let http = Http::new(&token);
    let mut names = Vec::new();
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if let Ok(commands) = GuildId::new(guild).get_commands(&http).await {
            names = commands.into_iter().map(|c| c.name).collect();
            if names.iter().any(|n| n == "remind") {
                break;
            }
        }
    }
    assert!(
        names.iter().any(|n| n == "remind"),
        "commands registered: {names:?}"
    );

    let post = Action::Post {
        room: channel,
        message: Message::text("Rounds smoke test: this message should appear once."),
    };
    let key = format!("smoke:{}", chrono::Utc::now().timestamp());
    adapter.perform(&key, &post).await.unwrap();
    // The same key again: Discord returns the first message instead of posting another.
    adapter.perform(&key, &post).await.unwrap();
    stop.send(true).unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
}
