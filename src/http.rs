//! The HTTP side: a small server for calendar feeds and health checks, and the fetcher
//! `!event import` reads feeds with.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
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
pub use crate::core::events::fetch::FETCH_FAILED;
use crate::core::secret_url::redacted;
use crate::health::Readiness;

/// Feeds larger than this are refused rather than read into memory.
pub const MAX_FEED_BYTES: usize = 2 * 1024 * 1024;

/// What `!event import` may fetch, and for how long.
#[derive(Clone, Debug)]
pub struct FetchPolicy {
    /// Hosts fetched although they are (or resolve to) private addresses: the operator's
    /// intranet calendar, or a test's server on 127.0.0.1. Names or IP addresses, as in the URL.
    pub allowed_hosts: Vec<String>,
    /// The whole fetch, connecting to the last byte: a drip-fed feed must not hold the loop
    /// that also sends reminders.
    pub total_timeout: Duration,
}

impl Default for FetchPolicy {
    fn default() -> FetchPolicy {
        FetchPolicy {
            allowed_hosts: Vec::new(),
            total_timeout: Duration::from_secs(15),
        }
    }
}

impl FetchPolicy {
    /// The default policy with the operator's allow-list: the environment's comma-separated
    /// list when set, else the config file's.
    pub fn allowing_listed(
        from_env: Option<String>,
        from_file: Option<Vec<String>>,
    ) -> FetchPolicy {
        let listed = match from_env {
            Some(list) => list.split(',').map(|h| h.trim().to_string()).collect(),
            None => from_file.unwrap_or_default(),
        };
        FetchPolicy {
            allowed_hosts: listed
                .into_iter()
                .filter(|h| !h.trim().is_empty())
                .collect(),
            ..FetchPolicy::default()
        }
    }

    /// The default policy, allowing `hosts` too.
    pub fn allowing(hosts: &[&str]) -> FetchPolicy {
        FetchPolicy {
            allowed_hosts: hosts.iter().map(|h| h.to_string()).collect(),
            ..FetchPolicy::default()
        }
    }
}

/// Fetches import feeds over http(s), with a timeout and a size limit, from public addresses
/// only (or the hosts the operator allows).
pub struct HttpFetcher {
    client: reqwest::Client,
    allowed: Arc<AllowedHosts>,
}

impl HttpFetcher {
    /// Public addresses only, 15 s per fetch.
    pub fn new() -> anyhow::Result<HttpFetcher> {
        HttpFetcher::with_policy(&FetchPolicy::default())
    }

    pub fn with_policy(policy: &FetchPolicy) -> anyhow::Result<HttpFetcher> {
        let allowed = Arc::new(AllowedHosts::new(&policy.allowed_hosts));
        let for_redirects = allowed.clone();
        let client = builder(
            policy.total_timeout,
            Duration::from_secs(10).min(policy.total_timeout),
            "calendar import",
        )
        // Every hop is checked: a public address must not bounce the fetch to a private one.
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                attempt.error("too many redirects")
            } else if let Err(refused) = for_redirects.check_url(attempt.url()) {
                attempt.error(refused)
            } else {
                attempt.follow()
            }
        }))
        // Names are resolved here and private answers dropped, so a name that resolves (or
        // re-resolves, DNS rebinding) to an internal address is refused at connect time.
        .dns_resolver(Arc::new(PublicResolver {
            allowed: allowed.clone(),
        }))
        .build()
        .context("building the HTTP client for calendar imports")?;
        Ok(HttpFetcher { client, allowed })
    }
}

/// The operator's allow-list, in the forms URLs give hosts (lower case, IPv6 without brackets).
#[derive(Debug)]
struct AllowedHosts(Vec<String>);

#[derive(Debug, thiserror::Error)]
#[error("{0} is not a public address and is not in [http] allowed_import_hosts")]
struct NotPublic(String);

impl AllowedHosts {
    fn new(hosts: &[String]) -> AllowedHosts {
        AllowedHosts(hosts.iter().map(|h| host_key(h)).collect())
    }

    fn allows(&self, host: &str) -> bool {
        let host = host_key(host);
        self.0.contains(&host)
    }

    /// Refuses a URL whose host is a non-public IP literal. The URL parser has already turned
    /// `2130706433`, `0x7f000001` and `127.1` into 127.0.0.1; names are checked by the resolver.
    fn check_url(&self, url: &reqwest::Url) -> Result<(), NotPublic> {
        let Some(host) = url.host_str() else {
            return Err(NotPublic("an address without a host".to_string()));
        };
        let Ok(ip) = host_key(host).parse::<IpAddr>() else {
            return Ok(());
        };
        if is_public(ip) || self.allows(host) {
            Ok(())
        } else {
            Err(NotPublic(ip.to_string()))
        }
    }
}

fn host_key(host: &str) -> String {
    host.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

struct PublicResolver {
    allowed: Arc<AllowedHosts>,
}

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        let allowed = self.allowed.allows(&host);
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allowed || is_public(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(Box::new(NotPublic(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether `ip` is on the public internet: not loopback, private, link-local, unique-local,
/// unspecified, multicast, broadcast, CGNAT, benchmarking, documentation or reserved, nor an
/// IPv6 form (mapped, compatible, NAT64, 6to4) of such an IPv4 address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded =
                Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            match s {
                // ::/96 (unspecified, loopback, IPv4-compatible): never a public host.
                [0, 0, 0, 0, 0, 0, _, _] => false,
                // NAT64 well-known prefix: the embedded IPv4 address decides.
                [0x64, 0xff9b, 0, 0, 0, 0, _, _] => is_public_v4(embedded),
                // 6to4: the IPv4 address in bits 16..48 decides.
                [0x2002, a, b, ..] => is_public_v4(Ipv4Addr::new(
                    (a >> 8) as u8,
                    a as u8,
                    (b >> 8) as u8,
                    b as u8,
                )),
                // Teredo, ORCHID, documentation (2001:db8::/32, 3fff::/20).
                [0x2001, 0, ..] | [0x2001, 0x10..=0x2f, ..] | [0x2001, 0xdb8, ..] => false,
                [first, ..] if first & 0xfff0 == 0x3ff0 => false,
                // Unique-local fc00::/7, link-local fe80::/10, site-local fec0::/10, multicast.
                [first, ..] if first & 0xfe00 == 0xfc00 => false,
                [first, ..] if first & 0xffc0 == 0xfe80 || first & 0xffc0 == 0xfec0 => false,
                [first, ..] if first & 0xff00 == 0xff00 => false,
                // Only global unicast (2000::/3) is routed on the internet.
                [first, ..] => first & 0xe000 == 0x2000,
            }
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b))
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && (c == 0 || c == 2))
        || (a == 192 && b == 88 && c == 99)
        || (a == 192 && b == 168)
        || (a == 198 && (b == 18 || b == 19))
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224)
}

/// A client that names Rounds and what it is fetching for in its user agent.
fn builder(timeout: Duration, connect_timeout: Duration, purpose: &str) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(connect_timeout)
        .user_agent(format!("Rounds/{} ({purpose})", env!("CARGO_PKG_VERSION")))
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
        let fetched = self.fetch_counted(url).await;
        let outcome = match &fetched {
            Ok(_) => "fetched",
            Err(Failure::Refused) => "refused",
            Err(Failure::Failed) => "failed",
        };
        crate::telemetry::metrics::import_fetched(outcome);
        fetched.map_err(|_| FETCH_FAILED.to_string())
    }
}

/// Why a fetch gave nothing, for the imports series: the members see one answer for both.
enum Failure {
    /// Not a URL, or an address that is not public.
    Refused,
    /// The server or the network failed.
    Failed,
}

impl HttpFetcher {
    async fn fetch_counted(&self, url: &str) -> Result<String, Failure> {
        let shown = redacted(url);
        let fail = |failure: Failure, detail: String| {
            tracing::warn!(url = %shown, %detail, "calendar fetch failed");
            failure
        };
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| fail(Failure::Refused, format!("not a URL: {e}")))?;
        self.allowed
            .check_url(&parsed)
            .map_err(|e| fail(Failure::Refused, e.to_string()))?;
        let response = self
            .client
            .get(parsed)
            .send()
            .await
            .map_err(|e| fail(Failure::Failed, describe(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(fail(
                Failure::Failed,
                format!("the server answered {status}"),
            ));
        }
        match read_capped(response, MAX_FEED_BYTES).await {
            Ok(body) => Ok(String::from_utf8_lossy(&body).into_owned()),
            Err(ReadError::TooLarge) => Err(fail(
                Failure::Failed,
                "the feed is larger than 2 MB".to_string(),
            )),
            Err(ReadError::BrokeOff(e)) => Err(fail(
                Failure::Failed,
                format!("the download broke off: {}", describe(&e)),
            )),
        }
    }
}

/// reqwest's error kind and causes, for the log; not its URL, which may hold a secret.
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_redirect() {
        "redirect refused"
    } else {
        "network error"
    }
    .to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Looks DOIs up in the Crossref REST API (or whatever speaks it at `base`).
pub struct CrossrefLookup {
    client: reqwest::Client,
    base: String,
}

impl CrossrefLookup {
    pub fn new(base: &str) -> anyhow::Result<CrossrefLookup> {
        let client = builder(
            Duration::from_secs(10),
            Duration::from_secs(5),
            "DOI lookup",
        )
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .context("building the HTTP client for DOI lookups")?;
        Ok(CrossrefLookup {
            client,
            base: base.to_string(),
        })
    }
}

#[async_trait]
impl DoiLookup for CrossrefLookup {
    async fn lookup(&self, doi: &Doi) -> Result<Publication, LookupError> {
        let found = self.lookup_uncounted(doi).await;
        crate::telemetry::metrics::doi_looked_up(match &found {
            Ok(_) => "found",
            Err(LookupError::NotFound) => "not_found",
            Err(LookupError::Unreachable) => "unreachable",
            Err(LookupError::Unreadable) => "unreadable",
        });
        found
    }
}

impl CrossrefLookup {
    async fn lookup_uncounted(&self, doi: &Doi) -> Result<Publication, LookupError> {
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

#[derive(Clone)]
struct Served {
    bot: Arc<Bot>,
    clock: Clock,
    readiness: Readiness,
}

/// `clock` dates the feed (what counts as past); the shell and tests may shift it. No platform
/// is expected to be connected: the shell's case.
pub fn router(bot: Arc<Bot>, clock: Clock) -> Router {
    router_with_readiness(bot, clock, Readiness::new())
}

/// `router`, with `/readyz` also requiring each platform `readiness` expects to be connected.
pub fn router_with_readiness(bot: Arc<Bot>, clock: Clock, readiness: Readiness) -> Router {
    let metrics = crate::telemetry::metrics::routes(bot.clone(), clock.clone());
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/calendar/{society}/{file}", get(feed))
        .with_state(Served {
            bot,
            clock,
            readiness,
        })
        .merge(metrics)
}

/// What one client may hold of the server. Without these, half-sent requests held sockets
/// open forever and a thousand of them ran the process out of file descriptors.
#[derive(Clone, Debug)]
pub struct ServeLimits {
    /// How long a request's head may take to arrive; also how long a kept-alive connection may
    /// sit idle, since hyper starts this clock whenever it waits for the next request.
    pub header_timeout: Duration,
    /// The longest any one connection is kept, whatever it is doing (slow bodies, slow reads).
    pub connection_lifetime: Duration,
    /// Connections served at once; further ones wait in the listen queue until one ends.
    pub max_connections: usize,
    /// Feed requests (`/calendar/…`) one address may make per minute before it is answered 429.
    pub feed_requests_per_minute: u32,
}

impl Default for ServeLimits {
    fn default() -> ServeLimits {
        ServeLimits {
            header_timeout: Duration::from_secs(10),
            connection_lifetime: Duration::from_secs(120),
            max_connections: 256,
            feed_requests_per_minute: 60,
        }
    }
}

/// Serves until `shutdown` turns true (or its sender is dropped), with the default limits.
pub async fn serve(
    listener: tokio::net::TcpListener,
    bot: Arc<Bot>,
    clock: Clock,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    serve_with(listener, bot, clock, ServeLimits::default(), shutdown).await
}

pub async fn serve_with(
    listener: tokio::net::TcpListener,
    bot: Arc<Bot>,
    clock: Clock,
    limits: ServeLimits,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let routes = router(bot, clock);
    serve_routes(listener, routes, limits, shutdown).await
}

/// `serve`, for `rounds run`: `/readyz` also requires the platforms `readiness` expects.
pub async fn serve_with_readiness(
    listener: tokio::net::TcpListener,
    bot: Arc<Bot>,
    clock: Clock,
    readiness: Readiness,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let routes = router_with_readiness(bot, clock, readiness);
    serve_routes(listener, routes, ServeLimits::default(), shutdown).await
}

async fn serve_routes(
    listener: tokio::net::TcpListener,
    routes: Router,
    limits: ServeLimits,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let address = listener.local_addr()?;
    tracing::info!(%address, "serving calendar feeds, /healthz, /readyz and /metrics");
    let routes = hyper_util::service::TowerToHyperService::new(routes);
    let feed_limiter = Arc::new(FeedLimiter::new(limits.feed_requests_per_minute));
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    loop {
        // A slot first, then accept: connections over the cap stay in the kernel's queue
        // instead of taking a file descriptor each.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.context("the connection slots closed")?,
            _ = stopped(&mut shutdown) => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, most likely: wait for some to be freed.
                    tracing::warn!(%error, "HTTP server: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = stopped(&mut shutdown) => break,
        };
        let routes = routes.clone();
        let feed_limiter = feed_limiter.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<_>| {
            let limited = request.uri().path().starts_with("/calendar/")
                && !feed_limiter.allows(peer.ip(), std::time::Instant::now());
            let routed = (!limited).then(|| hyper::service::Service::call(&routes, request));
            async move {
                match routed {
                    Some(routed) => routed.await,
                    None => Ok((
                        StatusCode::TOO_MANY_REQUESTS,
                        [(header::RETRY_AFTER, "60")],
                        "too many requests; try again in a minute\n",
                    )
                        .into_response()),
                }
            }
        });
        let connection = http1.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let lifetime = limits.connection_lifetime;
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(error) = result {
                        tracing::debug!(%peer, %error, "HTTP connection ended");
                    }
                }
                _ = tokio::time::sleep(lifetime) => {
                    tracing::debug!(%peer, "HTTP connection closed: open too long");
                }
                _ = stopped(&mut shutdown) => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(5), connection).await;
                }
            }
        });
    }
    tracing::info!(%address, "HTTP server stopped");
    Ok(())
}

/// Returns once `shutdown` is true or can no longer change.
async fn stopped(shutdown: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Feed requests per address in the current minute. A calendar app polls a feed every few
/// minutes to hours; a burst well past that is a scraper or a loop.
struct FeedLimiter {
    per_minute: u32,
    windows: std::sync::Mutex<std::collections::HashMap<IpAddr, (std::time::Instant, u32)>>,
}

/// Addresses remembered before expired windows are swept.
const LIMITER_SWEEP_AT: usize = 10_000;

impl FeedLimiter {
    fn new(per_minute: u32) -> FeedLimiter {
        FeedLimiter {
            per_minute,
            windows: Default::default(),
        }
    }

    fn allows(&self, address: IpAddr, now: std::time::Instant) -> bool {
        const MINUTE: Duration = Duration::from_secs(60);
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= LIMITER_SWEEP_AT {
            windows.retain(|_, (start, _)| now.duration_since(*start) < MINUTE);
        }
        let (start, count) = windows.entry(address).or_insert((now, 0));
        if now.duration_since(*start) >= MINUTE {
            *start = now;
            *count = 0;
        }
        *count += 1;
        *count <= self.per_minute
    }
}

/// Liveness: the process answers HTTP. It touches nothing else, so an orchestrator restarts
/// Rounds only when Rounds itself is stuck, never because its database is.
async fn healthz() -> Response {
    (StatusCode::OK, "ok\n").into_response()
}

/// Readiness: 200 only when the store takes a write and every expected platform is connected;
/// otherwise 503 with one line per failing part. Answers within a second whatever the store
/// does, so a probe's own timeout never decides.
async fn readyz(State(served): State<Served>) -> Response {
    let mut failing = Vec::new();
    let probe = served.bot.store().probe_write(served.clock.now());
    match tokio::time::timeout(STORE_PROBE_TIMEOUT, probe).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness: the store refused a write");
            failing.push("store: cannot write".to_string());
        }
        Err(_) => {
            tracing::warn!(timeout = ?STORE_PROBE_TIMEOUT, "readiness: the store did not answer");
            failing.push(format!(
                "store: no answer within {} ms",
                STORE_PROBE_TIMEOUT.as_millis()
            ));
        }
    }
    failing.extend(served.readiness.failing());
    if failing.is_empty() {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        let mut body = failing.join("\n");
        body.push('\n');
        (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
    }
}

/// Leaves room within `/readyz`'s one second for the rest of the answer.
const STORE_PROBE_TIMEOUT: Duration = Duration::from_millis(800);

async fn feed(
    State(Served { bot, clock, .. }): State<Served>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_global_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "127.255.0.9",
            "0.0.0.0",
            "10.2.3.4",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "192.0.2.7",
            "198.51.100.7",
            "203.0.113.7",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "fd12:3456::1",
            "fc00::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "2001::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2606:4700:4700::1111",
            "2a00:1450:4009:81f::200e",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn a_feed_address_is_limited_per_minute_and_forgiven_after_it() {
        let limiter = FeedLimiter::new(2);
        let start = std::time::Instant::now();
        let one: IpAddr = "203.0.113.1".parse().unwrap();
        let other: IpAddr = "203.0.113.2".parse().unwrap();
        assert!(limiter.allows(one, start));
        assert!(limiter.allows(one, start));
        assert!(!limiter.allows(one, start));
        assert!(limiter.allows(other, start));
        assert!(limiter.allows(one, start + Duration::from_secs(61)));
    }
}
