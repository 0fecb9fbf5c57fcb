//! The HTTP side: a small server for calendar feeds and health checks, and the fetcher
//! `!event import` reads feeds with.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::clock::Clock;
use crate::core::Bot;
use crate::core::doi::DoiLookup;
use crate::core::doi::{Doi, LookupError, Publication, parse_crossref};
use crate::core::events::Fetcher;
use crate::core::events::calendar;

/// Feeds larger than this are refused rather than read into memory.
pub const MAX_FEED_BYTES: usize = 2 * 1024 * 1024;

/// Fetches import feeds over http(s), with a timeout and a size limit.
pub struct HttpFetcher {
    client: reqwest::Client,
}

impl HttpFetcher {
    pub fn new() -> anyhow::Result<HttpFetcher> {
        let client = client(
            Duration::from_secs(30),
            Duration::from_secs(10),
            5,
            "calendar import",
        )?;
        Ok(HttpFetcher { client })
    }
}

/// A client that names Rounds and what it is fetching for in its user agent.
fn client(
    timeout: Duration,
    connect_timeout: Duration,
    redirects: usize,
    purpose: &str,
) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        .redirect(reqwest::redirect::Policy::limited(redirects))
        .user_agent(format!("Rounds/{} ({purpose})", env!("CARGO_PKG_VERSION")))
        .build()
        .with_context(|| format!("building the HTTP client for {purpose}s"))
}

enum ReadError {
    TooLarge,
    BrokeOff(reqwest::Error),
}

/// The body, read in chunks so that one larger than `max` is refused before it is all in
/// memory.
async fn read_capped(mut response: reqwest::Response, max: usize) -> Result<Vec<u8>, ReadError> {
    if response.content_length().is_some_and(|n| n as usize > max) {
        return Err(ReadError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ReadError::BrokeOff)? {
        body.extend_from_slice(&chunk);
        if body.len() > max {
            return Err(ReadError::TooLarge);
        }
    }
    Ok(body)
}

#[async_trait]
impl Fetcher for HttpFetcher {
    async fn fetch(&self, url: &str) -> Result<String, String> {
        let response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| format!("the server could not be reached ({})", short(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the server answered {status}"));
        }
        match read_capped(response, MAX_FEED_BYTES).await {
            Ok(body) => Ok(String::from_utf8_lossy(&body).into_owned()),
            Err(ReadError::TooLarge) => Err("the feed is larger than 2 MB".to_string()),
            Err(ReadError::BrokeOff(e)) => Err(format!("the download broke off ({})", short(&e))),
        }
    }
}

/// Looks DOIs up in the Crossref REST API (or whatever speaks it at `base`).
pub struct CrossrefLookup {
    client: reqwest::Client,
    base: String,
}

impl CrossrefLookup {
    pub fn new(base: &str) -> anyhow::Result<CrossrefLookup> {
        let client = client(
            Duration::from_secs(10),
            Duration::from_secs(5),
            3,
            "DOI lookup",
        )?;
        Ok(CrossrefLookup {
            client,
            base: base.to_string(),
        })
    }
}

#[async_trait]
impl DoiLookup for CrossrefLookup {
    async fn lookup(&self, doi: &Doi) -> Result<Publication, LookupError> {
        let response = self
            .client
            .get(doi.api_url(&self.base))
            .send()
            .await
            .map_err(|_| LookupError::Unreachable)?;
        match response.status() {
            status if status == reqwest::StatusCode::NOT_FOUND => Err(LookupError::NotFound),
            status if !status.is_success() => Err(LookupError::Unreachable),
            _ => match read_capped(response, MAX_FEED_BYTES).await {
                Ok(body) => parse_crossref(&String::from_utf8_lossy(&body)),
                Err(ReadError::TooLarge) => Err(LookupError::Unreadable),
                Err(ReadError::BrokeOff(_)) => Err(LookupError::Unreachable),
            },
        }
    }
}

/// reqwest's errors embed the whole URL; the member already knows it.
fn short(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_redirect() {
        "too many redirects"
    } else {
        "network error"
    }
}

#[derive(Clone)]
struct Served {
    bot: Arc<Bot>,
    clock: Clock,
}

/// `clock` dates the feed (what counts as past); the shell and tests may shift it.
pub fn router(bot: Arc<Bot>, clock: Clock) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/calendar/{society}/{file}", get(feed))
        .with_state(Served { bot, clock })
}

/// Serves until `shutdown` turns true.
pub async fn serve(
    listener: tokio::net::TcpListener,
    bot: Arc<Bot>,
    clock: Clock,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let address = listener.local_addr()?;
    tracing::info!(%address, "serving calendar feeds and /healthz");
    axum::serve(listener, router(bot, clock))
        .with_graceful_shutdown(async move {
            while shutdown.changed().await.is_ok() {
                if *shutdown.borrow() {
                    break;
                }
            }
        })
        .await
        .context("the HTTP server stopped")
}

/// 200 when the database answers, 503 otherwise: a load balancer or orchestrator can act on it.
async fn healthz(State(served): State<Served>) -> Response {
    match served.bot.store().stored_feed_token("").await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(error) => {
            tracing::error!(%error, "health check: the database did not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

async fn feed(
    State(Served { bot, clock }): State<Served>,
    Path((society, file)): Path<(String, String)>,
) -> Response {
    // One answer for every wrong society, token or file name: nothing to probe.
    let not_found = || (StatusCode::NOT_FOUND, "no such calendar\n").into_response();
    let Some(token) = file.strip_suffix(".ics") else {
        return not_found();
    };
    let Some(society) = bot.settings().societies.get(&society).or_else(|| {
        (bot.settings().default_society.key == society).then_some(&bot.settings().default_society)
    }) else {
        return not_found();
    };
    let store = bot.store().as_ref();
    match calendar::feed_allowed(store, &society.key, token).await {
        Ok(true) => {}
        Ok(false) => return not_found(),
        Err(error) => {
            tracing::error!(%error, "calendar feed: store failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    match calendar::feed(store, bot.settings(), society, clock.now()).await {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            body,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "calendar feed: store failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
