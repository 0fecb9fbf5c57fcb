//! The Discord adapter: Rounds as a native Discord app. Slash commands generated from the core's
//! definitions, buttons for choices, private threads for introductions.
//!
//! With `api_base` set (tests), every REST call goes to that base: serenity's proxy setting only
//! applies with its rate limiter off, and the gateway address then comes from that base's
//! `GET /api/v10/gateway`. In production the rate limiter is on and handles 429s itself;
//! Discord's global limit is kept by `pacing`, for whatever the adapter sends.

pub mod commands;
pub mod direct;
pub mod inbound;
pub mod links;
pub mod modal;
pub mod outbound;
pub mod pacing;
pub mod permissions;
pub mod recurrence;
mod sending;

use std::sync::Arc;

use serenity::Client;
use serenity::all::{ClientBuilder, CreateAllowedMentions, GatewayIntents, HttpBuilder};
use tokio::sync::watch;

use crate::clock::Clock;
use crate::config::{DiscordConfig, DiscordLink, ShardRange};
use crate::runtime::Runtime;
pub use links::PLATFORM;
pub use outbound::DiscordAdapter;

/// Member joins (GUILD_MEMBERS: the welcome for newcomers) and message content are privileged
/// intents: switch on "Server Members Intent" and "Message Content Intent" for the bot in the
/// developer portal, or Discord refuses the connection.
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
        | GatewayIntents::GUILD_MEMBERS
        | GatewayIntents::DIRECT_MESSAGES
}

/// How long a stop waits for serenity to report its shards closed after asking them to close.
const GATEWAY_CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

pub struct DiscordBot {
    client: Client,
    pub adapter: Arc<DiscordAdapter>,
    shards: ShardRange,
    readiness: crate::health::Readiness,
}

impl DiscordBot {
    /// Builds the client (this asks the API for the gateway address) without connecting yet.
    pub async fn connect(
        config: &DiscordConfig,
        links: Vec<DiscordLink>,
        runtime: Arc<Runtime>,
        clock: Clock,
    ) -> anyhow::Result<DiscordBot> {
        let mut http = HttpBuilder::new(&config.token);
        if let Some(base) = &config.api_base {
            let base = base.trim_end_matches('/').trim_end_matches("/api/v10");
            http = http.proxy(base).ratelimiter_disabled(true);
        }
        Self::with_http(http, links, runtime, clock, config.shards).await
    }

    /// As `connect`, with the HTTP client already configured (a test reaching a stand-in over
    /// TLS with serenity's rate limiter on).
    pub async fn with_http(
        http: HttpBuilder,
        links: Vec<DiscordLink>,
        runtime: Arc<Runtime>,
        clock: Clock,
        shards: ShardRange,
    ) -> anyhow::Result<DiscordBot> {
        let http = http.default_allowed_mentions(CreateAllowedMentions::new());
        runtime.readiness().expect(PLATFORM);
        let links = Arc::new(links::Links::new(links));
        let pace = Arc::new(pacing::Pace::per_second(pacing::share(shards)));
        let handler = inbound::Handler {
            runtime: runtime.clone(),
            links: links.clone(),
            clock,
            prefix: runtime.bot().settings().prefix.clone(),
            pace: pace.clone(),
        };
        let mut http = http.build();
        // serenity retries a request refused by the global limit on its own: the pace counts
        // the retry and holds the rest behind it.
        if let Some(limiter) = http.ratelimiter.as_mut() {
            let pace = pace.clone();
            limiter.set_ratelimit_callback(Box::new(move |info| {
                if info.global {
                    pace.refused(info.timeout);
                }
            }));
        }
        let client = ClientBuilder::new_with_http(http, intents())
            .event_handler(handler)
            .await
            .map_err(|e| anyhow::anyhow!("cannot set up the Discord client: {e}"))?;
        let adapter = Arc::new(DiscordAdapter::new(
            client.http.clone(),
            runtime.bot().store().clone(),
            links,
            pace,
        ));
        Ok(DiscordBot {
            client,
            adapter,
            shards,
            readiness: runtime.readiness().clone(),
        })
    }

    /// Connects the configured shards until `shutdown` turns true; answers go out through
    /// `Runtime::drive`. On the stop the gateway connections are closed, so no new event comes
    /// in; sends already queued are the drive loop's to finish.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) -> anyhow::Result<()> {
        let manager = self.client.shard_manager.clone();
        let shards = self.shards;
        let client = &mut self.client;
        let start = async move {
            let result = if shards == ShardRange::ALL {
                client.start().await
            } else {
                // serenity's range end is inclusive.
                client
                    .start_shard_range(shards.first..shards.last, shards.total)
                    .await
            };
            result.map_err(|e| anyhow::anyhow!("the Discord gateway stopped: {e}"))
        };
        tokio::pin!(start);
        let ended = tokio::select! {
            result = &mut start => Some(result),
            _ = shutdown.wait_for(|stop| *stop) => None,
        };
        let result = match ended {
            Some(result) => result,
            None => {
                tracing::info!("closing the Discord gateway");
                manager.shutdown_all().await;
                // serenity lets `start` return once every shard has closed, but not when none
                // had booted yet: then there is nothing left to wait for.
                tokio::time::timeout(GATEWAY_CLOSE_GRACE, start)
                    .await
                    .unwrap_or(Ok(()))
            }
        };
        self.readiness.disconnected(PLATFORM, "stopped");
        result
    }
}
