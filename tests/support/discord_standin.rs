//! A stand-in for Discord: REST v10 over HTTP and Gateway v10 over WebSocket on one loopback
//! port, good enough for the real serenity 0.12 client to connect, identify, receive events,
//! answer interactions, post messages and resume.
//!
//! Point serenity at it with
//! `HttpBuilder::new(token).proxy(standin.api_base()).ratelimiter_disabled(true).build()` and
//! `ClientBuilder::new_with_http(http, intents)`; serenity reads the gateway address from
//! `GET /api/v10/gateway`, which answers `ws://127.0.0.1:PORT`.
//!
//! Every fixture it sends is built by a `pub fn` below, so `tests/discord_standin_fixtures.rs`
//! can check that serenity parses each one into its concrete event variant: serenity silently
//! turns an event with a missing field into `Event::Unknown` and drops it.
//!
//! Behaviour kept close to Discord's:
//! - every snowflake is a string and every id is a fresh, time-ordered snowflake;
//! - `POST /channels/{id}/messages` honours `nonce` + `enforce_nonce` (same nonce in the same
//!   channel within five minutes returns the first message and creates nothing; a test may make
//!   that memory shorter with `set_nonce_memory`, and `nonce_posts` counts the POSTs per nonce);
//! - `enforce_rate_limits` holds the bot to Discord's limits: 50 requests a second across
//!   every route but interaction and webhook-token ones, and 5 per 5 s per channel for
//!   `POST /channels/{id}/messages`, either as Discord does, with 429 and its body and
//!   headers (counted per bucket in `too_many_requests`), or as a rate-limiting proxy in front
//!   of Discord does, holding a request until its bucket allows it;
//! - messages the bot creates come back to it as `MESSAGE_CREATE` (when its intents ask for
//!   guild or direct messages), as Discord echoes a bot's own messages;
//! - `MESSAGE_CREATE` content is blanked unless the client identified with `MESSAGE_CONTENT`
//!   (or the bot is mentioned), and `GUILD_MEMBER_ADD` is only sent with `GUILD_MEMBERS`;
//! - an interaction can be answered once: a second callback gets 400 code 40060, an unknown one
//!   404 code 10062; followups must use the application id the READY carried;
//! - REST without `Authorization: Bot ...` gets 401 (except the token-authenticated
//!   interaction and webhook routes); unknown routes get 404 `{"message":"Unknown route","code":0}`;
//! - a resume with the right session id replays the dispatches after the client's `seq`, then
//!   sends RESUMED; a wrong session id gets op 9 (invalid session, not resumable);
//! - multipart/form-data bodies (messages and webhook messages with files) are read as Discord
//!   does: the JSON from `payload_json`, the files from `files[n]` parts, which become attachment
//!   objects on the message; each file is recorded with the request;
//! - guild scheduled events (`/guilds/{id}/scheduled-events`) are created, edited and deleted
//!   with Discord's checks for external events (a location and an end time after the start);
//!   a `recurrence_rule` is checked against Discord's limits and kept, and `POST .../{event}/
//!   exceptions` cancels or moves one of its occurrences (`guild_scheduled_event_exceptions`);
//! - `PUT .../reactions/{emoji}/@me` (emoji percent-encoded) and `PUT /guilds/{g}/members/{u}/
//!   roles/{r}` are idempotent and recorded (`reactions`, `member_roles`); an unknown message,
//!   role or member gets Discord's 404 (10008, 10011, 10007). Neither is echoed over the gateway
//!   (the bot does not ask for reaction events; GUILD_MEMBER_UPDATE is not modelled);
//! - the bot holds its own role (`bot_role_id`); what it and `@everyone` grant
//!   (`set_permissions`, by default what the invite asks for) is enforced: a request they do not
//!   allow gets 403 `{"message": "Missing Permissions", "code": 50013}` (`permission_refusal`
//!   lists what each route needs);
//! - direct messages: a member writes to the bot (`dm_message_create`, MESSAGE_CREATE without
//!   `guild_id`, only with DIRECT_MESSAGES) or clicks a button on a DM (`dm_button_click`: an
//!   interaction with `user` and no `guild_id`/`member`, context 1);
//! - a slash command's user options (type 6) come with `data.resolved.users` and `members`.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

/// How often the client is told to heartbeat (Discord says 41250; shorter so tests see op 1).
pub const HEARTBEAT_INTERVAL_MS: u64 = 5_000;
/// Discord's epoch for snowflakes (2015-01-01T00:00:00Z), in Unix milliseconds.
pub const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
/// How long an enforced nonce is remembered ("the past few minutes").
pub const NONCE_WINDOW: Duration = Duration::from_secs(5 * 60);
/// `attachment_size_limit` sent with interactions (10 MiB, an unboosted guild).
pub const ATTACHMENT_SIZE_LIMIT: u64 = 10 * 1024 * 1024;

// Gateway intents (bits) the stand-in looks at.
pub const INTENT_GUILDS: u64 = 1 << 0;
pub const INTENT_GUILD_MEMBERS: u64 = 1 << 1;
pub const INTENT_GUILD_MESSAGES: u64 = 1 << 9;
pub const INTENT_DIRECT_MESSAGES: u64 = 1 << 12;
pub const INTENT_MESSAGE_CONTENT: u64 = 1 << 15;

/// Permissions of `@everyone` in fixture guilds: Discord's defaults plus thread creation, which is
/// what a bot needs to talk, answer commands and open private threads.
pub const EVERYONE_PERMISSIONS: u64 = (1 << 0) // CREATE_INSTANT_INVITE
    | (1 << 6) // ADD_REACTIONS
    | (1 << 10) // VIEW_CHANNEL
    | (1 << 11) // SEND_MESSAGES
    | (1 << 14) // EMBED_LINKS
    | (1 << 15) // ATTACH_FILES
    | (1 << 16) // READ_MESSAGE_HISTORY
    | (1 << 18) // USE_EXTERNAL_EMOJIS
    | (1 << 20) // CONNECT
    | (1 << 21) // SPEAK
    | (1 << 26) // CHANGE_NICKNAME
    | (1 << 31) // USE_APPLICATION_COMMANDS
    | (1 << 35) // CREATE_PUBLIC_THREADS
    | (1 << 36) // CREATE_PRIVATE_THREADS
    | (1 << 38); // SEND_MESSAGES_IN_THREADS

/// Permissions of the bot's own role (Discord's integration role, named after the bot) unless a
/// test sets others: with `@everyone`'s, what the invite asks for (the stand-in keeps its own
/// list rather than reading Rounds' computation).
pub const BOT_ROLE_PERMISSIONS: u64 = (1 << 28) // MANAGE_ROLES
    | (1 << 34) // MANAGE_THREADS
    | (1 << 44); // CREATE_EVENTS

// Permissions (bits) the stand-in enforces.
pub const PERMISSION_ADMINISTRATOR: u64 = 1 << 3;
pub const PERMISSION_ADD_REACTIONS: u64 = 1 << 6;
pub const PERMISSION_VIEW_CHANNEL: u64 = 1 << 10;
pub const PERMISSION_SEND_MESSAGES: u64 = 1 << 11;
pub const PERMISSION_ATTACH_FILES: u64 = 1 << 15;
pub const PERMISSION_READ_MESSAGE_HISTORY: u64 = 1 << 16;
pub const PERMISSION_MANAGE_ROLES: u64 = 1 << 28;
pub const PERMISSION_MANAGE_EVENTS: u64 = 1 << 33;
pub const PERMISSION_MANAGE_THREADS: u64 = 1 << 34;
pub const PERMISSION_CREATE_PRIVATE_THREADS: u64 = 1 << 36;
pub const PERMISSION_SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;
pub const PERMISSION_CREATE_EVENTS: u64 = 1 << 44;

// ---------------------------------------------------------------------------------------------
// The world the stand-in serves
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct World {
    pub application_id: u64,
    pub bot: FixtureUser,
    pub guilds: Vec<FixtureGuild>,
}

#[derive(Clone, Debug)]
pub struct FixtureGuild {
    pub id: u64,
    pub name: String,
    /// Text channels: (id, name).
    pub channels: Vec<(u64, String)>,
    /// Roles besides `@everyone` (whose id is the guild id): (id, name).
    pub roles: Vec<(u64, String)>,
    /// Members besides the bot (the bot is always a member).
    pub members: Vec<FixtureUser>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixtureUser {
    pub id: u64,
    pub name: String,
}

impl FixtureUser {
    pub fn new(id: u64, name: &str) -> FixtureUser {
        FixtureUser {
            id,
            name: name.to_string(),
        }
    }
}

/// One REST request as the stand-in saw it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// The full path, e.g. `/api/v10/channels/1/messages`.
    pub path: String,
    pub query: Option<String>,
    /// The JSON body (for multipart, the `payload_json` part), if there was one.
    pub body: Option<Value>,
    /// The body as text when it was not JSON (multipart, ...); empty otherwise.
    pub raw_body: String,
    /// The file parts of a multipart body (`files[0]`, ...), in order.
    pub files: Vec<RecordedFile>,
    /// The `Authorization` header, e.g. `Bot test-token`.
    pub authorization: Option<String>,
    /// Headers worth asserting on: authorization, content-type, user-agent,
    /// x-audit-log-reason and any x-ratelimit-* the client sent.
    pub headers: Vec<(String, String)>,
    /// The status the stand-in answered with.
    pub status: u16,
    /// Whether this request was answered 429, by a rule set with `rate_limit_next` or by the
    /// limits of `enforce_rate_limits`.
    pub rate_limited: bool,
}

/// Discord's limits, for `StandIn::enforce_rate_limits`.
#[derive(Clone, Copy, Debug)]
pub struct RateLimits {
    /// Messages per channel per window (Discord: 5 per 5 s).
    pub per_channel: usize,
    pub window: Duration,
    /// Requests per second across every route but interaction and webhook-token ones
    /// (Discord: 50).
    pub global_per_second: usize,
    pub overflow: Overflow,
}

impl RateLimits {
    /// Discord's published limits.
    pub fn discord(overflow: Overflow) -> RateLimits {
        RateLimits {
            per_channel: 5,
            window: Duration::from_secs(5),
            global_per_second: 50,
            overflow,
        }
    }
}

/// What happens to a request over the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Discord's answer: 429 with `retry_after` and the `X-RateLimit-*` headers.
    Refuse,
    /// A rate-limiting proxy's (twilight's http-proxy, the setup serenity's `proxy` with its own
    /// limiter off is meant for): the request waits until its bucket allows it.
    Hold,
}

/// A fixed window per channel, as Discord's buckets reset at a time; with `Overflow::Hold` the
/// window may lie in the future, holding the slots already promised.
struct ChannelBucket {
    start: Instant,
    used: usize,
}

struct Limiter {
    limits: RateLimits,
    channels: HashMap<u64, ChannelBucket>,
    /// When each recent request was let through (or will be), for the global limit.
    global: VecDeque<Instant>,
    /// 429s answered, per bucket name.
    refused: HashMap<String, usize>,
}

/// The limiter's answer for one request.
enum Admission {
    /// Go at `at` (now, or later for a held request); the headers describe the bucket.
    Go {
        at: Instant,
        headers: Vec<(&'static str, String)>,
    },
    Refused(Reply),
}

fn bucket_name(channel: u64) -> String {
    format!("standin-channel-{channel:x}")
}

fn unix_secs_at(at: Instant) -> f64 {
    let now = Instant::now();
    let unix = now_ms() as f64 / 1000.0;
    if at >= now {
        unix + (at - now).as_secs_f64()
    } else {
        unix - (now - at).as_secs_f64()
    }
}

impl Limiter {
    /// Admits a request, to the global limit and, with `channel`, to that channel's bucket.
    fn admit(&mut self, channel: Option<u64>) -> Admission {
        let now = Instant::now();
        let second = Duration::from_secs(1);
        let RateLimits {
            per_channel,
            window,
            global_per_second,
            overflow,
        } = self.limits;
        while self.global.front().is_some_and(|t| *t + second <= now) {
            self.global.pop_front();
        }
        let global_free = if self.global.len() >= global_per_second {
            self.global[self.global.len() - global_per_second] + second
        } else {
            now
        };
        if overflow == Overflow::Refuse && global_free > now {
            let retry_after = (global_free - now).as_secs_f64();
            *self.refused.entry("global".into()).or_insert(0) += 1;
            return Admission::Refused(too_many(
                retry_after,
                true,
                vec![
                    ("x-ratelimit-global", "true".into()),
                    ("x-ratelimit-scope", "global".into()),
                ],
            ));
        }
        let Some(channel) = channel else {
            let at = global_free.max(now);
            let position = self.global.partition_point(|t| *t <= at);
            self.global.insert(position, at);
            return Admission::Go {
                at,
                headers: Vec::new(),
            };
        };
        let bucket = self.channels.entry(channel).or_insert(ChannelBucket {
            start: now,
            used: 0,
        });
        if bucket.start + window <= now {
            *bucket = ChannelBucket {
                start: now,
                used: 0,
            };
        }
        if overflow == Overflow::Refuse {
            if bucket.used >= per_channel {
                let reset = bucket.start + window;
                let retry_after = (reset - now).as_secs_f64();
                *self.refused.entry(bucket_name(channel)).or_insert(0) += 1;
                return Admission::Refused(too_many(
                    retry_after,
                    false,
                    vec![
                        ("x-ratelimit-bucket", bucket_name(channel)),
                        ("x-ratelimit-limit", per_channel.to_string()),
                        ("x-ratelimit-remaining", "0".into()),
                        ("x-ratelimit-reset", format!("{:.3}", unix_secs_at(reset))),
                        ("x-ratelimit-reset-after", format!("{retry_after:.3}")),
                        ("x-ratelimit-scope", "user".into()),
                    ],
                ));
            }
        } else if bucket.used >= per_channel {
            // Held: the next window, which starts when this one ends.
            *bucket = ChannelBucket {
                start: bucket.start + window,
                used: 0,
            };
        }
        let at = bucket.start.max(now).max(global_free);
        bucket.used += 1;
        let reset = bucket.start + window;
        let reset_after = reset.saturating_duration_since(at).as_secs_f64();
        let headers = vec![
            ("x-ratelimit-bucket", bucket_name(channel)),
            ("x-ratelimit-limit", per_channel.to_string()),
            (
                "x-ratelimit-remaining",
                (per_channel - bucket.used).to_string(),
            ),
            ("x-ratelimit-reset", format!("{:.3}", unix_secs_at(reset))),
            ("x-ratelimit-reset-after", format!("{reset_after:.3}")),
        ];
        let position = self.global.partition_point(|t| *t <= at);
        self.global.insert(position, at);
        Admission::Go { at, headers }
    }
}

/// Discord's 429: the JSON body with `retry_after` in float seconds, and `Retry-After` (whole
/// seconds, rounded up) besides the bucket's headers.
fn too_many(retry_after: f64, global: bool, mut headers: Vec<(&'static str, String)>) -> Reply {
    headers.push(("retry-after", format!("{}", retry_after.ceil() as u64)));
    Reply {
        status: StatusCode::TOO_MANY_REQUESTS,
        body: Some(json!({
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": global,
        })),
        headers,
        rate_limited: true,
    }
}

/// What a request counts against: every route Discord's global limit covers, and for
/// `POST /channels/{id}/messages` its channel's bucket too (`Some(channel)`). Interaction
/// and webhook-token routes count against neither, as on Discord.
fn limited_route(method: &Method, path: &str) -> Option<Option<u64>> {
    let rest = path.strip_prefix("/api/v10")?;
    let parts = rest.trim_start_matches('/').split('/').collect::<Vec<_>>();
    match (method.as_str(), parts.as_slice()) {
        (_, ["interactions", ..] | ["webhooks", ..]) => None,
        ("POST", ["channels", c, "messages"]) => Some(c.parse().ok()),
        _ => Some(None),
    }
}

impl Recorded {
    /// The path without the `/api/v10` prefix, e.g. `/channels/1/messages`.
    pub fn route(&self) -> &str {
        self.path.strip_prefix("/api/v10").unwrap_or(&self.path)
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One file part of a multipart/form-data request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedFile {
    /// The form field, e.g. `files[0]`.
    pub field: String,
    pub filename: String,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl RecordedFile {
    /// The placeholder attachment id of a `files[n]` part.
    fn index(&self) -> Option<u64> {
        self.field
            .strip_prefix("files[")
            .and_then(|rest| rest.strip_suffix(']'))
            .and_then(|n| n.parse().ok())
    }
}

// ---------------------------------------------------------------------------------------------
// The stand-in
// ---------------------------------------------------------------------------------------------

pub struct StandIn {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

struct Shared {
    world: World,
    base: String,
    state: Mutex<StateInner>,
    changed: watch::Sender<u64>,
}

#[derive(Clone)]
struct InteractionInfo {
    id: u64,
    guild_id: Option<u64>,
    channel_id: u64,
    /// 2 command, 3 component, 5 modal submit.
    kind: u8,
    /// For a component, the message it is on.
    message_id: Option<u64>,
    acknowledged: bool,
    original: Option<u64>,
    user: FixtureUser,
}

struct ChannelInfo {
    json: Value,
    guild_id: Option<u64>,
}

struct StateInner {
    last_snowflake: u64,
    requests: Vec<Recorded>,
    saw_get_gateway: bool,
    frames: Vec<Value>,
    // gateway session
    conn: Option<(u64, mpsc::UnboundedSender<WsMessage>)>,
    next_conn: u64,
    session_id: Option<String>,
    seq: u64,
    sent: Vec<(u64, Value)>,
    intents: u64,
    identified: u64,
    /// `identified` when `wait_ready` last returned.
    ready_seen: u64,
    resumed: u64,
    shard: [u64; 2],
    // REST data
    members: HashMap<u64, Vec<FixtureUser>>, // guild -> members (without the bot)
    channels: HashMap<u64, ChannelInfo>,
    messages: HashMap<u64, Value>,
    nonces: HashMap<(u64, String), (Instant, u64)>,
    /// How long a nonce is remembered (`NONCE_WINDOW` unless a test set another).
    nonce_memory: Duration,
    /// Discord's limits on posting messages, when a test asked for them.
    limiter: Option<Limiter>,
    interactions: HashMap<String, InteractionInfo>,
    commands: HashMap<Option<u64>, Vec<Value>>, // guild (None = global) -> commands
    dm_channels: HashMap<u64, u64>,             // user -> channel
    thread_members: HashMap<u64, Vec<u64>>,
    rate_limits: Vec<(String, String, f64)>,
    /// (method, path prefix, delay): responses held back after the request took effect.
    delays: Vec<(String, String, Duration)>,
    scheduled_events: HashMap<u64, Value>,
    /// (channel, message, emoji, user) for each reaction added.
    reactions: Vec<(u64, u64, String, u64)>,
    /// (guild, user) -> roles granted through the REST API.
    member_roles: HashMap<(u64, u64), Vec<u64>>,
    /// What `@everyone` and the bot's role grant in every fixture guild.
    permissions: GuildPermissions,
    /// Members who closed their direct messages (`close_direct_messages`).
    dms_closed: Vec<u64>,
}

impl StateInner {
    fn snowflake(&mut self) -> u64 {
        let now = now_ms().saturating_sub(DISCORD_EPOCH_MS);
        let candidate = now << 22;
        self.last_snowflake = candidate.max(self.last_snowflake + 1);
        self.last_snowflake
    }

    fn connected(&self) -> bool {
        self.conn.is_some()
    }

    /// Send op 0 with the next seq to the connected client (kept for replay on resume).
    fn dispatch(&mut self, event: &str, data: Value) -> u64 {
        self.seq += 1;
        let frame = dispatch_frame(event, self.seq, data);
        self.sent.push((self.seq, frame.clone()));
        if let Some((_, tx)) = &self.conn {
            let _ = tx.send(WsMessage::Text(frame.to_string().into()));
        }
        self.seq
    }

    fn user(&self, world: &World, id: u64) -> FixtureUser {
        if id == world.bot.id {
            return world.bot.clone();
        }
        self.members
            .values()
            .flatten()
            .find(|u| u.id == id)
            .cloned()
            .unwrap_or_else(|| FixtureUser {
                id,
                name: format!("user{id}"),
            })
    }
}

impl Shared {
    fn bump(&self) {
        self.changed.send_modify(|v| *v += 1);
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, StateInner> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl StandIn {
    /// REST v10 over HTTP and Gateway v10 over WebSocket, both on one 127.0.0.1:0 port.
    pub async fn start(world: World) -> StandIn {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind stand-in");
        let addr = listener.local_addr().expect("stand-in address");
        let mut channels = HashMap::new();
        let mut members = HashMap::new();
        for g in &world.guilds {
            for (position, (id, name)) in g.channels.iter().enumerate() {
                channels.insert(
                    *id,
                    ChannelInfo {
                        json: text_channel_json(g.id, *id, name, position as u64),
                        guild_id: Some(g.id),
                    },
                );
            }
            members.insert(g.id, g.members.clone());
        }
        let state = StateInner {
            last_snowflake: 0,
            requests: Vec::new(),
            saw_get_gateway: false,
            frames: Vec::new(),
            conn: None,
            next_conn: 0,
            session_id: None,
            seq: 0,
            sent: Vec::new(),
            intents: 0,
            identified: 0,
            ready_seen: 0,
            resumed: 0,
            shard: [0, 1],
            members,
            channels,
            messages: HashMap::new(),
            nonces: HashMap::new(),
            nonce_memory: NONCE_WINDOW,
            limiter: None,
            interactions: HashMap::new(),
            commands: HashMap::new(),
            dm_channels: HashMap::new(),
            thread_members: HashMap::new(),
            rate_limits: Vec::new(),
            delays: Vec::new(),
            scheduled_events: HashMap::new(),
            reactions: Vec::new(),
            member_roles: HashMap::new(),
            permissions: GuildPermissions::default(),
            dms_closed: Vec::new(),
        };
        let shared = Arc::new(Shared {
            world,
            base: format!("http://{addr}"),
            state: Mutex::new(state),
            changed: watch::channel(0).0,
        });
        let app = Router::new()
            .route("/", get(gateway_upgrade))
            .fallback(rest)
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        StandIn {
            shared,
            addr,
            server,
        }
    }

    /// The same REST API over TLS, posing as `discord.com` with a self-signed certificate, for a
    /// client whose own rate limiter is on (serenity's limiter ignores the proxy and always
    /// talks to https://discord.com; the test's HTTP client resolves that name to this port).
    pub async fn serve_tls(&self) -> TlsFront {
        let certified = rcgen::generate_simple_self_signed(vec!["discord.com".to_string()])
            .expect("self-signed certificate");
        let certificate_der = certified.cert.der().to_vec();
        let key = rustls::pki_types::PrivateKeyDer::Pkcs8(
            rustls::pki_types::PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()),
        );
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![rustls::pki_types::CertificateDer::from(
                    certificate_der.clone(),
                )],
                key,
            )
            .expect("TLS server config");
        // The stand-in speaks HTTP/1.1 only.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind TLS front");
        let addr = tcp.local_addr().expect("TLS front address");
        let listener = TlsListener {
            tcp,
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        };
        let app = Router::new()
            .route("/", get(gateway_upgrade))
            .fallback(rest)
            .with_state(self.shared.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TlsFront {
            addr,
            certificate_der,
        }
    }

    /// What to pass to `HttpBuilder::proxy`, e.g. `http://127.0.0.1:PORT`.
    pub fn api_base(&self) -> String {
        self.shared.base.clone()
    }

    /// The gateway address `GET /gateway` answers.
    pub fn gateway_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    pub fn world(&self) -> &World {
        &self.shared.world
    }

    /// Every REST request so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    pub fn saw_get_gateway(&self) -> bool {
        self.shared.lock().saw_get_gateway
    }

    /// Every frame a client sent over the gateway (identify op 2, heartbeat op 1, resume op 6 ...).
    pub fn gateway_frames(&self) -> Vec<Value> {
        self.shared.lock().frames.clone()
    }

    /// Every dispatch (op 0) the stand-in sent in the current session, with its seq.
    pub fn dispatched(&self) -> Vec<Value> {
        self.shared
            .lock()
            .sent
            .iter()
            .map(|(_, f)| f.clone())
            .collect()
    }

    /// The session id given in the last READY.
    pub fn session_id(&self) -> Option<String> {
        self.shared.lock().session_id.clone()
    }

    /// A message the stand-in holds (sent by members through `message_create`, or by the bot).
    pub fn message(&self, id: u64) -> Option<Value> {
        self.shared.lock().messages.get(&id).cloned()
    }

    /// Messages in a channel, oldest first.
    pub fn channel_messages(&self, channel: u64) -> Vec<Value> {
        let st = self.shared.lock();
        let mut out: Vec<Value> = st
            .messages
            .values()
            .filter(|m| m["channel_id"] == Value::String(channel.to_string()))
            .cloned()
            .collect();
        out.sort_by_key(|m| id_of(&m["id"]));
        out
    }

    /// The members added to a thread with `PUT /channels/{thread}/thread-members/{user}`.
    pub fn thread_members(&self, thread: u64) -> Vec<u64> {
        self.shared
            .lock()
            .thread_members
            .get(&thread)
            .cloned()
            .unwrap_or_default()
    }

    /// From now on `user` has closed their direct messages: the bot can still open the DM
    /// channel, but every message posted in it is refused as Discord refuses it (403, code
    /// 50007 "Cannot send messages to this user").
    pub fn close_direct_messages(&self, user: u64) {
        self.shared.lock().dms_closed.push(user);
    }

    /// The DM channel the bot opened with `user` (`POST /users/@me/channels`), if any.
    pub fn dm_channel(&self, user: u64) -> Option<u64> {
        self.shared.lock().dm_channels.get(&user).copied()
    }

    /// The emoji the bot reacted to `message` with, in order.
    pub fn reactions(&self, message: u64) -> Vec<String> {
        let st = self.shared.lock();
        st.reactions
            .iter()
            .filter(|(_, m, _, user)| *m == message && *user == self.shared.world.bot.id)
            .map(|(_, _, emoji, _)| emoji.clone())
            .collect()
    }

    /// The roles granted to `user` in `guild` through `PUT .../members/{u}/roles/{r}`.
    pub fn member_roles(&self, guild: u64, user: u64) -> Vec<u64> {
        self.shared
            .lock()
            .member_roles
            .get(&(guild, user))
            .cloned()
            .unwrap_or_default()
    }

    /// The guild scheduled events that exist now (created and not deleted), oldest first.
    pub fn scheduled_events(&self) -> Vec<Value> {
        let st = self.shared.lock();
        let mut out: Vec<Value> = st.scheduled_events.values().cloned().collect();
        out.sort_by_key(|e| id_of(&e["id"]));
        out
    }

    /// Until a client has identified since the last `wait_ready` returned, and been sent READY
    /// and a GUILD_CREATE per guild. So after a restart it waits for the new process: the dead
    /// one's connection may not be noticed closed yet, and an event dispatched to it is lost
    /// (a replay lost that way failed `exactly_once` now and then on a busy machine).
    pub async fn wait_ready(&self) {
        let seen = self.shared.lock().ready_seen;
        let ok = self
            .wait_until(Duration::from_secs(30), |st| {
                st.identified > seen && st.connected()
            })
            .await;
        assert!(
            ok,
            "no client identified with the Discord stand-in within 30 s"
        );
        let mut st = self.shared.lock();
        st.ready_seen = st.identified;
    }

    /// Send op 0 `event` with the next seq to the connected client.
    pub async fn dispatch(&self, event: &str, data: Value) {
        self.shared.lock().dispatch(event, data);
    }

    /// A member writes in a guild channel: MESSAGE_CREATE. Returns the message id.
    pub async fn message_create(
        &self,
        guild: u64,
        channel: u64,
        author: &FixtureUser,
        content: &str,
    ) -> u64 {
        let bot = self.shared.world.bot.clone();
        let mut st = self.shared.lock();
        let id = st.snowflake();
        let message = message_json(id, channel, author, content, None);
        st.messages.insert(id, message.clone());
        let intents = st.intents;
        if intents & INTENT_GUILD_MESSAGES != 0 {
            let mentioned = content.contains(&format!("<@{}>", bot.id));
            let content_visible = intents & INTENT_MESSAGE_CONTENT != 0 || mentioned;
            let mut data = message_create_payload(guild, &message, author);
            if !content_visible {
                data["content"] = json!("");
            }
            st.dispatch("MESSAGE_CREATE", data);
        }
        id
    }

    /// INTERACTION_CREATE type 2 (slash command). `options` is the `data.options` array, e.g.
    /// `json!([{"name":"topic","type":3,"value":"ECG"}])`. Returns (interaction id, token).
    pub async fn slash_command(
        &self,
        guild: u64,
        channel: u64,
        user: &FixtureUser,
        name: &str,
        options: Value,
    ) -> (u64, String) {
        let world = &self.shared.world;
        let mut st = self.shared.lock();
        let id = st.snowflake();
        let token = interaction_token(id);
        let command_id = st
            .commands
            .iter()
            .filter(|(g, _)| **g == Some(guild) || g.is_none())
            .flat_map(|(_, cmds)| cmds.iter())
            .find(|c| c["name"] == json!(name))
            .map(|c| id_of(&c["id"]))
            .unwrap_or_else(|| st.snowflake());
        let channel_json = st.channels.get(&channel).map(|c| c.json.clone());
        let data = command_interaction_payload(
            world.application_id,
            id,
            &token,
            guild,
            channel,
            channel_json.as_ref(),
            user,
            command_id,
            name,
            options.clone(),
        );
        let mut data = data;
        if let Some(resolved) = resolved_users(&st, world, guild, &options) {
            data["data"]["resolved"] = resolved;
        }
        st.interactions.insert(
            token.clone(),
            InteractionInfo {
                id,
                guild_id: Some(guild),
                channel_id: channel,
                kind: 2,
                message_id: None,
                acknowledged: false,
                original: None,
                user: user.clone(),
            },
        );
        st.dispatch("INTERACTION_CREATE", data);
        (id, token)
    }

    /// INTERACTION_CREATE type 3 (a button on `message_id`). Returns (interaction id, token).
    pub async fn button_click(
        &self,
        guild: u64,
        channel: u64,
        user: &FixtureUser,
        message_id: u64,
        custom_id: &str,
    ) -> (u64, String) {
        self.click(Some(guild), Some(channel), user, message_id, custom_id)
    }

    /// INTERACTION_CREATE type 3 for a button on a message in `user`'s direct messages with the
    /// bot: no guild, `user` instead of `member`. Returns (interaction id, token).
    pub async fn dm_button_click(
        &self,
        user: &FixtureUser,
        message_id: u64,
        custom_id: &str,
    ) -> (u64, String) {
        self.click(None, None, user, message_id, custom_id)
    }

    /// A button click in a guild channel, or (no guild) in the user's DM channel.
    fn click(
        &self,
        guild: Option<u64>,
        channel: Option<u64>,
        user: &FixtureUser,
        message_id: u64,
        custom_id: &str,
    ) -> (u64, String) {
        let world = &self.shared.world;
        let mut st = self.shared.lock();
        let channel = match channel {
            Some(channel) => channel,
            None => open_dm(&mut st, user),
        };
        let id = st.snowflake();
        let token = interaction_token(id);
        let message = st.messages.get(&message_id).cloned().unwrap_or_else(|| {
            // A message the stand-in never saw: a plain bot message with that button.
            let mut m = message_json(message_id, channel, &world.bot, "", None);
            m["author"]["bot"] = json!(true);
            m["components"] = json!([{"type": 1, "components": [
                {"type": 2, "style": 1, "label": custom_id, "custom_id": custom_id}
            ]}]);
            m
        });
        let channel_json = st.channels.get(&channel).map(|c| c.json.clone());
        let data = match guild {
            Some(guild) => component_interaction_payload(
                world.application_id,
                id,
                &token,
                guild,
                channel,
                channel_json.as_ref(),
                user,
                &message,
                custom_id,
            ),
            None => dm_component_interaction_payload(
                world.application_id,
                id,
                &token,
                channel,
                channel_json.as_ref(),
                user,
                &message,
                custom_id,
            ),
        };
        st.interactions.insert(
            token.clone(),
            InteractionInfo {
                id,
                guild_id: guild,
                channel_id: channel,
                kind: 3,
                message_id: Some(message_id),
                acknowledged: false,
                original: None,
                user: user.clone(),
            },
        );
        st.dispatch("INTERACTION_CREATE", data);
        (id, token)
    }

    /// INTERACTION_CREATE type 5 (a member submits a modal the bot opened): `values` are the
    /// text inputs as (custom id, value), one per action row. Returns (interaction id, token).
    pub async fn modal_submit(
        &self,
        guild: u64,
        channel: u64,
        user: &FixtureUser,
        custom_id: &str,
        values: &[(&str, &str)],
    ) -> (u64, String) {
        let world = &self.shared.world;
        let mut st = self.shared.lock();
        let id = st.snowflake();
        let token = interaction_token(id);
        let channel_json = st.channels.get(&channel).map(|c| c.json.clone());
        let data = modal_interaction_payload(
            world.application_id,
            id,
            &token,
            guild,
            channel,
            channel_json.as_ref(),
            user,
            custom_id,
            values,
        );
        st.interactions.insert(
            token.clone(),
            InteractionInfo {
                id,
                guild_id: Some(guild),
                channel_id: channel,
                kind: 5,
                message_id: None,
                acknowledged: false,
                original: None,
                user: user.clone(),
            },
        );
        st.dispatch("INTERACTION_CREATE", data);
        (id, token)
    }

    /// A member writes to the bot in their direct messages: MESSAGE_CREATE without `guild_id`
    /// (sent only with DIRECT_MESSAGES; DM content is never blanked). Returns the message id.
    pub async fn dm_message_create(&self, user: &FixtureUser, content: &str) -> u64 {
        let mut st = self.shared.lock();
        let channel = open_dm(&mut st, user);
        let id = st.snowflake();
        let message = message_json(id, channel, user, content, None);
        st.messages.insert(id, message.clone());
        if st.intents & INTENT_DIRECT_MESSAGES != 0 {
            st.dispatch("MESSAGE_CREATE", message);
        }
        id
    }

    /// GUILD_MEMBER_ADD (sent only if the client asked for GUILD_MEMBERS, as Discord does); the
    /// user becomes a member for later interactions either way.
    pub async fn member_join(&self, guild: u64, user: &FixtureUser) {
        let mut st = self.shared.lock();
        let list = st.members.entry(guild).or_default();
        if !list.iter().any(|u| u.id == user.id) {
            list.push(user.clone());
        }
        if st.intents & INTENT_GUILD_MEMBERS != 0 {
            st.dispatch("GUILD_MEMBER_ADD", member_add_payload(guild, user));
        }
    }

    /// Send op 7 Reconnect; the client must come back with Resume (op 6) and get RESUMED.
    /// Waits (up to 30 s) for that and panics if it does not happen.
    pub async fn reconnect(&self) {
        let before = {
            let st = self.shared.lock();
            if let Some((_, tx)) = &st.conn {
                let _ = tx.send(WsMessage::Text(
                    json!({"op": 7, "d": null, "s": null, "t": null})
                        .to_string()
                        .into(),
                ));
            }
            st.resumed
        };
        let ok = self
            .wait_until(Duration::from_secs(30), |st| st.resumed > before)
            .await;
        assert!(
            ok,
            "the client did not resume within 30 s after op 7 Reconnect"
        );
    }

    /// Close the socket as Discord does on a server-side problem (close code 4000, resumable).
    /// Waits (up to 30 s) for the client to resume.
    pub async fn drop_connection(&self) {
        let before = {
            let st = self.shared.lock();
            if let Some((_, tx)) = &st.conn {
                let _ = tx.send(WsMessage::Close(Some(CloseFrame {
                    code: 4000,
                    reason: "Unknown error".into(),
                })));
            }
            st.resumed
        };
        let ok = self
            .wait_until(Duration::from_secs(30), |st| st.resumed > before)
            .await;
        assert!(
            ok,
            "the client did not resume within 30 s after the socket was closed"
        );
    }

    /// How long an enforced nonce is remembered from now on (Discord: "the past few minutes").
    pub fn set_nonce_memory(&self, memory: Duration) {
        self.shared.lock().nonce_memory = memory;
    }

    /// How many `POST /channels/{channel}/messages` carried each nonce, refused ones included:
    /// more than one is a re-send, whether or not the nonce absorbed it.
    pub fn nonce_posts(&self, channel: u64) -> HashMap<String, usize> {
        let path = format!("/channels/{channel}/messages");
        let mut posts = HashMap::new();
        for request in self.shared.lock().requests.iter() {
            if request.method != "POST" || request.route() != path {
                continue;
            }
            let nonce = match request.body.as_ref().map(|b| &b["nonce"]) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => continue,
            };
            *posts.entry(nonce).or_insert(0) += 1;
        }
        posts
    }

    /// From now on requests are held to `limits`.
    pub fn enforce_rate_limits(&self, limits: RateLimits) {
        self.shared.lock().limiter = Some(Limiter {
            limits,
            channels: HashMap::new(),
            global: VecDeque::new(),
            refused: HashMap::new(),
        });
    }

    /// The 429s the rate limiter answered, per bucket (`X-RateLimit-Bucket`; `global` for the
    /// global limit). A client that honours Discord's headers gets at most one per bucket.
    pub fn too_many_requests(&self) -> HashMap<String, usize> {
        self.shared
            .lock()
            .limiter
            .as_ref()
            .map(|l| l.refused.clone())
            .unwrap_or_default()
    }

    /// The next request with `method` whose path starts with `path_prefix` (with or without the
    /// `/api/v10` prefix) gets 429 with Discord's body and headers.
    pub fn rate_limit_next(&self, method: &str, path_prefix: &str, retry_after_secs: f64) {
        self.shared.lock().rate_limits.push((
            method.to_ascii_uppercase(),
            path_prefix.to_string(),
            retry_after_secs,
        ));
    }

    /// From now on, every request with `method` whose path starts with `path_prefix` (with or
    /// without the `/api/v10` prefix) takes effect at once, as Discord would, but its response
    /// is held back `delay`: a slow network, so a test can catch the client mid-request. A new
    /// delay for the same method and prefix replaces the old one (`Duration::ZERO`: none).
    pub fn delay_responses(&self, method: &str, path_prefix: &str, delay: Duration) {
        let method = method.to_ascii_uppercase();
        let mut st = self.shared.lock();
        st.delays
            .retain(|(m, prefix, _)| !(*m == method && prefix == path_prefix));
        st.delays.push((method, path_prefix.to_string(), delay));
    }

    /// The first recorded request (past or future) that matches, or None after `timeout`.
    pub async fn wait_for_request(
        &self,
        pred: impl Fn(&Recorded) -> bool,
        timeout: Duration,
    ) -> Option<Recorded> {
        let mut found = None;
        self.wait_until(timeout, |st| {
            found = st.requests.iter().find(|r| pred(r)).cloned();
            found.is_some()
        })
        .await;
        found
    }

    /// Like `wait_for_request` but for a gateway frame the client sent.
    pub async fn wait_for_frame(
        &self,
        pred: impl Fn(&Value) -> bool,
        timeout: Duration,
    ) -> Option<Value> {
        let mut found = None;
        self.wait_until(timeout, |st| {
            found = st.frames.iter().find(|f| pred(f)).cloned();
            found.is_some()
        })
        .await;
        found
    }

    async fn wait_until(
        &self,
        timeout: Duration,
        mut cond: impl FnMut(&StateInner) -> bool,
    ) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut rx = self.shared.changed.subscribe();
        loop {
            if cond(&self.shared.lock()) {
                return true;
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => {}
                _ => return cond(&self.shared.lock()),
            }
        }
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.server.abort();
    }
}

// ---------------------------------------------------------------------------------------------
// Gateway
// ---------------------------------------------------------------------------------------------

async fn gateway_upgrade(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| gateway_connection(shared, socket))
}

async fn gateway_connection(shared: Arc<Shared>, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel::<WsMessage>();
    let conn_id = {
        let mut st = shared.lock();
        st.next_conn += 1;
        st.next_conn
    };
    let hello = hello_frame(HEARTBEAT_INTERVAL_MS);
    if socket
        .send(WsMessage::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(msg) => {
                    let closing = matches!(msg, WsMessage::Close(_));
                    if socket.send(msg).await.is_err() || closing {
                        break;
                    }
                }
                None => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Text(text))) => handle_client_frame(&shared, conn_id, &tx, text.as_str()),
                Some(Ok(WsMessage::Binary(_) | WsMessage::Ping(_) | WsMessage::Pong(_))) => {}
                Some(Ok(WsMessage::Close(_)) | Err(_)) | None => break,
            },
        }
    }
    let mut st = shared.lock();
    if matches!(&st.conn, Some((id, _)) if *id == conn_id) {
        st.conn = None;
    }
    drop(st);
    shared.bump();
}

fn handle_client_frame(
    shared: &Shared,
    conn_id: u64,
    tx: &mpsc::UnboundedSender<WsMessage>,
    text: &str,
) {
    let world = &shared.world;
    let frame: Value = serde_json::from_str(text).unwrap_or_else(|_| json!({"unparsed": text}));
    let mut st = shared.lock();
    st.frames.push(frame.clone());
    let send = |v: Value| {
        let _ = tx.send(WsMessage::Text(v.to_string().into()));
    };
    match frame["op"].as_u64() {
        Some(1) => send(json!({"op": 11, "d": null, "s": null, "t": null})),
        Some(2) => {
            let d = &frame["d"];
            st.intents = d["intents"].as_u64().unwrap_or(0);
            if let Some([a, b]) = d["shard"].as_array().map(|s| s.as_slice()) {
                st.shard = [a.as_u64().unwrap_or(0), b.as_u64().unwrap_or(1)];
            }
            let session_id = format!(
                "{:032x}",
                st.snowflake().wrapping_mul(0x9E37_79B9_7F4A_7C15)
            );
            st.session_id = Some(session_id.clone());
            st.seq = 0;
            st.sent.clear();
            st.conn = Some((conn_id, tx.clone()));
            let ready = ready_payload(
                world,
                &session_id,
                &format!("ws://{}", shared.base.trim_start_matches("http://")),
                st.shard,
            );
            st.dispatch("READY", ready);
            for g in &world.guilds {
                let members = st.members.get(&g.id).cloned().unwrap_or_default();
                let mut guild = g.clone();
                guild.members = members;
                let payload = guild_create_payload_with(world, &guild, st.permissions);
                st.dispatch("GUILD_CREATE", payload);
            }
            st.identified += 1;
        }
        Some(6) => {
            let d = &frame["d"];
            let theirs = d["session_id"].as_str().map(str::to_string);
            if theirs.is_some() && theirs == st.session_id {
                let after = d["seq"].as_u64().unwrap_or(0);
                st.conn = Some((conn_id, tx.clone()));
                let missed: Vec<Value> = st
                    .sent
                    .iter()
                    .filter(|(s, _)| *s > after)
                    .map(|(_, f)| f.clone())
                    .collect();
                for f in missed {
                    send(f);
                }
                st.dispatch("RESUMED", resumed_payload());
                st.resumed += 1;
            } else {
                send(json!({"op": 9, "d": false, "s": null, "t": null}));
            }
        }
        _ => {}
    }
    drop(st);
    shared.bump();
}

// ---------------------------------------------------------------------------------------------
// REST
// ---------------------------------------------------------------------------------------------

struct Reply {
    status: StatusCode,
    body: Option<Value>,
    headers: Vec<(&'static str, String)>,
    rate_limited: bool,
}

fn ok(v: Value) -> Reply {
    Reply {
        status: StatusCode::OK,
        body: Some(v),
        headers: vec![],
        rate_limited: false,
    }
}
fn created(v: Value) -> Reply {
    Reply {
        status: StatusCode::CREATED,
        body: Some(v),
        headers: vec![],
        rate_limited: false,
    }
}
fn no_content() -> Reply {
    Reply {
        status: StatusCode::NO_CONTENT,
        body: None,
        headers: vec![],
        rate_limited: false,
    }
}
fn error(status: u16, code: u64, message: &str) -> Reply {
    Reply {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        body: Some(json!({"message": message, "code": code})),
        headers: vec![],
        rate_limited: false,
    }
}

async fn rest(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().map(str::to_string);
    let (json_body, raw_body, files) = parse_body(&headers, &body);
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let kept: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| {
            let k = k.as_str();
            matches!(
                k,
                "authorization" | "content-type" | "user-agent" | "x-audit-log-reason"
            ) || k.starts_with("x-ratelimit")
        })
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();

    let admission = limited_route(&method, &path).and_then(|channel| {
        let mut st = shared.lock();
        st.limiter.as_mut().map(|limiter| limiter.admit(channel))
    });
    let (refused, limit_headers) = match admission {
        None => (None, vec![]),
        Some(Admission::Refused(reply)) => (Some(reply), vec![]),
        Some(Admission::Go { at, headers }) => {
            tokio::time::sleep_until(at.into()).await;
            (None, headers)
        }
    };
    let mut reply = match refused {
        Some(reply) => reply,
        None => {
            let mut st = shared.lock();
            route(
                &shared,
                &mut st,
                &method,
                &path,
                json_body.as_ref(),
                &files,
                authorization.as_deref(),
            )
        }
    };
    reply.headers.extend(limit_headers);
    {
        let mut st = shared.lock();
        st.requests.push(Recorded {
            method: method.as_str().to_string(),
            path: path.clone(),
            query,
            body: json_body,
            raw_body,
            files,
            authorization,
            headers: kept,
            status: reply.status.as_u16(),
            rate_limited: reply.rate_limited,
        });
    }
    shared.bump();
    let delay = {
        let st = shared.lock();
        let bare = path.strip_prefix("/api/v10").unwrap_or(&path);
        st.delays
            .iter()
            .find(|(m, prefix, _)| {
                m == method.as_str()
                    && (path.starts_with(prefix.as_str()) || bare.starts_with(prefix.as_str()))
            })
            .map(|(_, _, delay)| *delay)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }

    let mut response = match &reply.body {
        Some(v) => (
            reply.status,
            [("content-type", "application/json")],
            v.to_string(),
        )
            .into_response(),
        None => reply.status.into_response(),
    };
    let h = response.headers_mut();
    if !reply.rate_limited {
        // What Discord sends on every answer; serenity's limiter reads them when it is enabled.
        let reset = now_ms() as f64 / 1000.0 + 1.0;
        for (k, v) in [
            ("x-ratelimit-bucket", "standin0bucket".to_string()),
            ("x-ratelimit-limit", "5".to_string()),
            ("x-ratelimit-remaining", "4".to_string()),
            ("x-ratelimit-reset", format!("{reset:.3}")),
            ("x-ratelimit-reset-after", "1.000".to_string()),
        ] {
            h.insert(k, HeaderValue::from_str(&v).expect("header"));
        }
    }
    for (k, v) in reply.headers {
        h.insert(k, HeaderValue::from_str(&v).expect("header"));
    }
    response
}

/// The JSON body (for multipart, the `payload_json` part), the body as text when it was not
/// JSON, and the file parts of a multipart body.
fn parse_body(headers: &HeaderMap, body: &Bytes) -> (Option<Value>, String, Vec<RecordedFile>) {
    if body.is_empty() {
        return (None, String::new(), Vec::new());
    }
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return (Some(v), String::new(), Vec::new());
    }
    let text = String::from_utf8_lossy(body).to_string();
    let boundary = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.starts_with("multipart/"))
        .and_then(|v| {
            v.split(';')
                .filter_map(|p| p.trim().strip_prefix("boundary="))
                .next()
                .map(|b| b.trim_matches('"').to_string())
        });
    let Some(boundary) = boundary else {
        return (None, text, Vec::new());
    };
    let mut json = None;
    let mut files = Vec::new();
    for part in multipart_parts(body, &boundary) {
        match part.filename {
            Some(filename) => files.push(RecordedFile {
                field: part.name,
                filename,
                content_type: part.content_type,
                bytes: part.bytes,
            }),
            None if part.name == "payload_json" => {
                json = serde_json::from_slice(&part.bytes).ok();
            }
            None => {}
        }
    }
    (json, text, files)
}

struct FormPart {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    bytes: Vec<u8>,
}

fn find_bytes(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from > haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|at| at + from)
}

/// The value of `key="..."` in a Content-Disposition header.
fn disposition_param(header: &str, key: &str) -> Option<String> {
    header.split(';').find_map(|p| {
        p.trim()
            .strip_prefix(key)
            .and_then(|rest| rest.strip_prefix('='))
            .map(|v| v.trim_matches('"').to_string())
    })
}

/// The parts of a multipart/form-data body (RFC 7578): headers, then a blank line, then bytes.
fn multipart_parts(body: &[u8], boundary: &str) -> Vec<FormPart> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let Some(mut at) = find_bytes(body, &delimiter, 0) else {
        return parts;
    };
    loop {
        let start = at + delimiter.len();
        if body[start..].starts_with(b"--") {
            break;
        }
        let Some(next) = find_bytes(body, &[b"\r\n".as_slice(), &delimiter].concat(), start) else {
            break;
        };
        let chunk = body[start..next]
            .strip_prefix(b"\r\n".as_slice())
            .unwrap_or(&body[start..next]);
        if let Some(split) = find_bytes(chunk, b"\r\n\r\n", 0) {
            let head = String::from_utf8_lossy(&chunk[..split]).to_string();
            let mut name = String::new();
            let mut filename = None;
            let mut content_type = None;
            for line in head.split("\r\n") {
                let Some((key, value)) = line.split_once(':') else {
                    continue;
                };
                match key.trim().to_ascii_lowercase().as_str() {
                    "content-disposition" => {
                        name = disposition_param(value, "name").unwrap_or_default();
                        filename = disposition_param(value, "filename");
                    }
                    "content-type" => content_type = Some(value.trim().to_string()),
                    _ => {}
                }
            }
            parts.push(FormPart {
                name,
                filename,
                content_type,
                bytes: chunk[split + 4..].to_vec(),
            });
        }
        at = next + 2;
    }
    parts
}

fn route(
    shared: &Shared,
    st: &mut StateInner,
    method: &Method,
    path: &str,
    body: Option<&Value>,
    files: &[RecordedFile],
    authorization: Option<&str>,
) -> Reply {
    let world = &shared.world;
    let Some(rest) = path.strip_prefix("/api/v10") else {
        return error(404, 0, "Unknown route");
    };

    // One-shot 429s.
    if let Some(i) = st.rate_limits.iter().position(|(m, prefix, _)| {
        m == method.as_str()
            && (path.starts_with(prefix.as_str()) || rest.starts_with(prefix.as_str()))
    }) {
        let (_, _, retry_after) = st.rate_limits.remove(i);
        let reset = now_ms() as f64 / 1000.0 + retry_after;
        return Reply {
            status: StatusCode::TOO_MANY_REQUESTS,
            body: Some(
                json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": false}),
            ),
            headers: vec![
                ("retry-after", format!("{}", retry_after.ceil() as u64)),
                ("x-ratelimit-bucket", "standin0bucket".to_string()),
                ("x-ratelimit-limit", "5".to_string()),
                ("x-ratelimit-remaining", "0".to_string()),
                ("x-ratelimit-reset", format!("{reset:.3}")),
                ("x-ratelimit-reset-after", format!("{retry_after:.3}")),
                ("x-ratelimit-scope", "user".to_string()),
            ],
            rate_limited: true,
        };
    }

    let segs: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let token_routes = matches!(segs.as_slice(), ["interactions", ..] | ["webhooks", ..]);
    let bot_auth = authorization.is_some_and(|a| a.starts_with("Bot ") && a.len() > 4);
    if !token_routes && !bot_auth {
        return error(401, 0, "401: Unauthorized");
    }
    if let Some(refused) = permission_refusal(st, world, method.as_str(), &segs, body, files) {
        return refused;
    }
    let m = method.as_str();
    let app = world.application_id.to_string();

    match (m, segs.as_slice()) {
        ("GET", ["gateway"]) => {
            st.saw_get_gateway = true;
            ok(json!({"url": gateway_url_of(shared)}))
        }
        ("GET", ["gateway", "bot"]) => {
            st.saw_get_gateway = true;
            ok(json!({
                "url": gateway_url_of(shared),
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
            }))
        }
        ("GET", ["users", "@me"]) => ok(current_user_json(&world.bot)),
        ("GET", ["oauth2", "applications", "@me"]) => ok(application_json(world)),
        ("GET", ["applications", "@me"]) => ok(application_json(world)),
        ("PUT", ["applications", a, "guilds", g, "commands"]) if *a == app => {
            let guild = parse_id(g);
            put_commands(st, world, guild, body)
        }
        ("PUT", ["applications", a, "commands"]) if *a == app => {
            put_commands(st, world, None, body)
        }
        ("GET", ["applications", a, "guilds", g, "commands"]) if *a == app => ok(Value::Array(
            st.commands.get(&parse_id(g)).cloned().unwrap_or_default(),
        )),
        ("GET", ["applications", a, "commands"]) if *a == app => ok(Value::Array(
            st.commands.get(&None).cloned().unwrap_or_default(),
        )),
        ("POST", ["channels", c, "messages"]) => {
            let Some(channel) = parse_id(c) else {
                return error(404, 10003, "Unknown Channel");
            };
            if let Some(refused) = refused_direct_message(st, channel) {
                return refused;
            }
            post_message(
                st,
                world,
                channel,
                body.cloned().unwrap_or(json!({})),
                files,
            )
        }
        ("GET", ["channels", c, "messages", mid]) => {
            match parse_id(mid).and_then(|id| st.messages.get(&id)) {
                Some(msg) if msg["channel_id"] == json!(c) => ok(rest_view(msg)),
                _ => error(404, 10008, "Unknown Message"),
            }
        }
        ("PATCH", ["channels", c, "messages", mid]) => {
            let Some(id) = parse_id(mid) else {
                return error(404, 10008, "Unknown Message");
            };
            let attachment_ids: Vec<u64> = files.iter().map(|_| st.snowflake()).collect();
            match st.messages.get_mut(&id) {
                Some(msg) if msg["channel_id"] == json!(c) => {
                    apply_edit(msg, body);
                    edit_attachments(msg, body, files, &attachment_ids);
                    ok(rest_view(msg))
                }
                _ => error(404, 10008, "Unknown Message"),
            }
        }
        ("POST", ["interactions", id, token, "callback"]) => {
            interaction_callback(st, world, id, token, body)
        }
        ("GET", ["webhooks", a, token, "messages", "@original"]) if *a == app => {
            match st.interactions.get(*token).and_then(|i| i.original) {
                Some(mid) => ok(rest_view(&st.messages[&mid])),
                None => error(404, 10008, "Unknown Message"),
            }
        }
        ("PATCH", ["webhooks", a, token, "messages", "@original"]) if *a == app => {
            let Some(info) = st.interactions.get(*token).cloned() else {
                return error(404, 10015, "Unknown Webhook");
            };
            let target = info.original.or(if info.kind == 3 {
                info.message_id
            } else {
                None
            });
            let attachment_ids: Vec<u64> = files.iter().map(|_| st.snowflake()).collect();
            match target.and_then(|mid| st.messages.get_mut(&mid)) {
                Some(msg) => {
                    apply_edit(msg, body);
                    edit_attachments(msg, body, files, &attachment_ids);
                    ok(rest_view(msg))
                }
                None => error(404, 10008, "Unknown Message"),
            }
        }
        ("POST", ["webhooks", a, token]) if *a == app => {
            let Some(info) = st.interactions.get(*token).cloned() else {
                return error(404, 10015, "Unknown Webhook");
            };
            if !info.acknowledged {
                return error(404, 10015, "Unknown Webhook");
            }
            let id = st.snowflake();
            let mut msg = interaction_message(world, &info, id, body);
            let attachment_ids: Vec<u64> = files.iter().map(|_| st.snowflake()).collect();
            msg["attachments"] = Value::Array(new_attachments(files, &attachment_ids));
            st.messages.insert(id, msg.clone());
            echo_message(st, info.channel_id, &msg, world);
            ok(rest_view(&msg))
        }
        ("PATCH", ["webhooks", a, token, "messages", mid]) if *a == app => {
            if !st.interactions.contains_key(*token) {
                return error(404, 10015, "Unknown Webhook");
            }
            let attachment_ids: Vec<u64> = files.iter().map(|_| st.snowflake()).collect();
            match parse_id(mid).and_then(|id| st.messages.get_mut(&id)) {
                Some(msg) => {
                    apply_edit(msg, body);
                    edit_attachments(msg, body, files, &attachment_ids);
                    ok(rest_view(msg))
                }
                None => error(404, 10008, "Unknown Message"),
            }
        }
        ("POST", ["guilds", g, "scheduled-events"]) => {
            let Some(guild) = parse_id(g).filter(|g| world.guilds.iter().any(|x| x.id == *g))
            else {
                return error(404, 10004, "Unknown Guild");
            };
            let body = body.cloned().unwrap_or(json!({}));
            if let Err(why) = check_scheduled_event(&body) {
                return invalid_form(&why);
            }
            let id = st.snowflake();
            let event = scheduled_event_json(id, guild, &world.bot, &body);
            st.scheduled_events.insert(id, event.clone());
            ok(event)
        }
        ("GET", ["guilds", g, "scheduled-events", e]) => {
            match parse_id(e).and_then(|id| st.scheduled_events.get(&id)) {
                Some(event) if event["guild_id"] == json!(g) => ok(event.clone()),
                _ => error(404, 10070, "Unknown Guild Scheduled Event"),
            }
        }
        ("PATCH", ["guilds", g, "scheduled-events", e]) => {
            let Some(event) = parse_id(e)
                .and_then(|id| st.scheduled_events.get(&id))
                .filter(|event| event["guild_id"] == json!(g))
                .cloned()
            else {
                return error(404, 10070, "Unknown Guild Scheduled Event");
            };
            let mut merged = event.clone();
            for (key, value) in body.and_then(Value::as_object).into_iter().flatten() {
                merged[key.as_str()] = value.clone();
            }
            if let Err(why) = check_scheduled_event(&merged) {
                return invalid_form(&why);
            }
            let id = id_of(&event["id"]);
            let guild = id_of(&event["guild_id"]);
            let updated = scheduled_event_json(id, guild, &world.bot, &merged);
            st.scheduled_events.insert(id, updated.clone());
            ok(updated)
        }
        ("POST", ["guilds", g, "scheduled-events", e, "exceptions"]) => {
            let found = parse_id(e).filter(|id| {
                st.scheduled_events
                    .get(id)
                    .is_some_and(|event| event["guild_id"] == json!(g))
            });
            let Some(event) = found.and_then(|id| st.scheduled_events.get_mut(&id)) else {
                return error(404, 10070, "Unknown Guild Scheduled Event");
            };
            match add_scheduled_event_exception(event, body.unwrap_or(&Value::Null)) {
                Ok(exception) => ok(exception),
                Err(why) => invalid_form(&why),
            }
        }
        ("DELETE", ["guilds", g, "scheduled-events", e]) => {
            match parse_id(e).filter(|id| {
                st.scheduled_events
                    .get(id)
                    .is_some_and(|event| event["guild_id"] == json!(g))
            }) {
                Some(id) => {
                    st.scheduled_events.remove(&id);
                    no_content()
                }
                None => error(404, 10070, "Unknown Guild Scheduled Event"),
            }
        }
        ("POST", ["channels", c, "threads"]) => {
            let Some(parent) = parse_id(c) else {
                return error(404, 10003, "Unknown Channel");
            };
            let Some(guild_id) = st.channels.get(&parent).and_then(|ch| ch.guild_id) else {
                return error(404, 10003, "Unknown Channel");
            };
            let body = body.cloned().unwrap_or(json!({}));
            let Some(name) = body["name"].as_str().filter(|n| !n.is_empty()) else {
                return error(400, 50035, "Invalid Form Body");
            };
            let id = st.snowflake();
            let kind = body["type"].as_u64().unwrap_or(12);
            let thread = thread_channel_json(
                guild_id,
                parent,
                id,
                name,
                kind,
                world.bot.id,
                body["auto_archive_duration"].as_u64().unwrap_or(4320),
                body["invitable"].as_bool().unwrap_or(true),
            );
            st.channels.insert(
                id,
                ChannelInfo {
                    json: thread.clone(),
                    guild_id: Some(guild_id),
                },
            );
            st.thread_members.insert(id, vec![world.bot.id]);
            if st.intents & INTENT_GUILDS != 0 {
                st.dispatch(
                    "THREAD_CREATE",
                    thread_create_payload(&thread, world.bot.id),
                );
            }
            created(thread)
        }
        ("PUT", ["channels", t, "thread-members", u]) => {
            let (Some(thread), Some(user)) = (parse_id(t), parse_id(u)) else {
                return error(404, 10003, "Unknown Channel");
            };
            let is_thread = st
                .channels
                .get(&thread)
                .is_some_and(|c| matches!(c.json["type"].as_u64(), Some(10..=12)));
            if !is_thread {
                return error(404, 10003, "Unknown Channel");
            }
            let list = st.thread_members.entry(thread).or_default();
            if !list.contains(&user) {
                list.push(user);
            }
            no_content()
        }
        ("PUT", ["channels", c, "messages", mid, "reactions", emoji, "@me"]) => {
            let (Some(channel), Some(message)) = (parse_id(c), parse_id(mid)) else {
                return error(404, 10008, "Unknown Message");
            };
            if !st
                .messages
                .get(&message)
                .is_some_and(|m| m["channel_id"] == json!(c))
            {
                return error(404, 10008, "Unknown Message");
            }
            let emoji = percent_decode(emoji);
            if emoji.is_empty() {
                return error(400, 10014, "Unknown Emoji");
            }
            let entry = (channel, message, emoji, world.bot.id);
            if !st.reactions.contains(&entry) {
                st.reactions.push(entry);
            }
            no_content()
        }
        ("PUT", ["guilds", g, "members", u, "roles", r]) => {
            let Some(guild) = parse_id(g).and_then(|g| world.guilds.iter().find(|x| x.id == g))
            else {
                return error(404, 10004, "Unknown Guild");
            };
            let Some(role) = parse_id(r).filter(|r| guild.roles.iter().any(|(id, _)| id == r))
            else {
                return error(404, 10011, "Unknown Role");
            };
            let Some(user) = parse_id(u).filter(|u| {
                st.members
                    .get(&guild.id)
                    .is_some_and(|list| list.iter().any(|m| m.id == *u))
            }) else {
                return error(404, 10007, "Unknown Member");
            };
            let roles = st.member_roles.entry((guild.id, user)).or_default();
            if !roles.contains(&role) {
                roles.push(role);
            }
            no_content()
        }
        ("POST", ["users", "@me", "channels"]) => {
            let Some(recipient) = body.and_then(|b| id_opt(&b["recipient_id"])) else {
                return error(400, 50035, "Invalid Form Body");
            };
            let existing = st.dm_channels.get(&recipient).copied();
            let id = match existing {
                Some(id) => id,
                None => {
                    let id = st.snowflake();
                    let user = st.user(world, recipient);
                    st.channels.insert(
                        id,
                        ChannelInfo {
                            json: dm_channel_json(id, &user),
                            guild_id: None,
                        },
                    );
                    st.dm_channels.insert(recipient, id);
                    id
                }
            };
            ok(st.channels[&id].json.clone())
        }
        ("GET", ["channels", c]) => match parse_id(c).and_then(|id| st.channels.get(&id)) {
            Some(ch) => ok(ch.json.clone()),
            None => error(404, 10003, "Unknown Channel"),
        },
        ("GET", ["guilds", g, "threads", "active"]) => active_threads(st, world, g),
        ("GET", ["guilds", g, "scheduled-events"]) => guild_scheduled_events(st, g),
        _ => error(404, 0, "Unknown route"),
    }
}

fn gateway_url_of(shared: &Shared) -> String {
    format!("ws://{}", shared.base.trim_start_matches("http://"))
}

fn put_commands(
    st: &mut StateInner,
    world: &World,
    guild: Option<u64>,
    body: Option<&Value>,
) -> Reply {
    let Some(list) = body.and_then(Value::as_array) else {
        return error(400, 50035, "Invalid Form Body");
    };
    let previous = st.commands.get(&guild).cloned().unwrap_or_default();
    let mut out = Vec::new();
    for cmd in list {
        // Overwriting keeps the id of a command with the same name, as Discord does.
        let id = previous
            .iter()
            .find(|p| p["name"] == cmd["name"])
            .map(|p| id_of(&p["id"]))
            .unwrap_or_else(|| st.snowflake());
        let version = st.snowflake();
        out.push(command_json(world.application_id, guild, id, version, cmd));
    }
    st.commands.insert(guild, out.clone());
    ok(Value::Array(out))
}

fn post_message(
    st: &mut StateInner,
    world: &World,
    channel: u64,
    body: Value,
    files: &[RecordedFile],
) -> Reply {
    if !st.channels.contains_key(&channel) {
        return error(404, 10003, "Unknown Channel");
    }
    let content = body["content"].as_str().unwrap_or("");
    let has_payload = !content.is_empty()
        || body["embeds"].as_array().is_some_and(|e| !e.is_empty())
        || body["components"].as_array().is_some_and(|c| !c.is_empty())
        || body["sticker_ids"]
            .as_array()
            .is_some_and(|s| !s.is_empty())
        || body["poll"].is_object()
        || !files.is_empty();
    if !has_payload {
        return error(400, 50006, "Cannot send an empty message");
    }
    if content.chars().count() > 2000 {
        return error(400, 50035, "Invalid Form Body");
    }
    let nonce = match &body["nonce"] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if let (Some(n), true) = (&nonce, body["enforce_nonce"].as_bool().unwrap_or(false)) {
        let key = (channel, n.clone());
        if let Some((at, id)) = st.nonces.get(&key)
            && at.elapsed() < st.nonce_memory
            && let Some(first) = st.messages.get(id)
        {
            return ok(rest_view(first));
        }
    }
    let id = st.snowflake();
    let mut msg = message_json(
        id,
        channel,
        &world.bot,
        content,
        Some(&body["nonce"]).filter(|n| !n.is_null()),
    );
    msg["author"]["bot"] = json!(true);
    for field in ["embeds", "components", "tts", "flags", "poll"] {
        if !body[field].is_null() {
            msg[field] = body[field].clone();
        }
    }
    if msg["flags"].is_null() {
        msg["flags"] = json!(0);
    }
    let attachment_ids: Vec<u64> = files.iter().map(|_| st.snowflake()).collect();
    msg["attachments"] = Value::Array(new_attachments(files, &attachment_ids));
    if let Some(reference) = body.get("message_reference").filter(|r| !r.is_null()) {
        msg["type"] = json!(19);
        msg["message_reference"] = json!({
            "type": 0,
            "channel_id": channel.to_string(),
            "message_id": reference["message_id"],
            "guild_id": st.channels.get(&channel).and_then(|c| c.guild_id).map(|g| g.to_string()),
        });
        if let Some(r) = id_opt(&reference["message_id"]).and_then(|r| st.messages.get(&r)) {
            msg["referenced_message"] = rest_view(r);
        }
    }
    normalise_components(&mut msg);
    st.messages.insert(id, msg.clone());
    if let Some(n) = nonce
        && body["enforce_nonce"].as_bool().unwrap_or(false)
    {
        st.nonces.insert((channel, n), (Instant::now(), id));
    }
    echo_message(st, channel, &msg, world);
    ok(rest_view(&msg))
}

/// Discord echoes the bot's own messages over the gateway.
fn echo_message(st: &mut StateInner, channel: u64, msg: &Value, world: &World) {
    match st.channels.get(&channel).and_then(|c| c.guild_id) {
        Some(guild) if st.intents & INTENT_GUILD_MESSAGES != 0 => {
            let data = message_create_payload(guild, msg, &world.bot);
            st.dispatch("MESSAGE_CREATE", data);
        }
        None if st.intents & INTENT_DIRECT_MESSAGES != 0 => {
            st.dispatch("MESSAGE_CREATE", msg.clone());
        }
        _ => {}
    }
}

fn interaction_callback(
    st: &mut StateInner,
    world: &World,
    id: &str,
    token: &str,
    body: Option<&Value>,
) -> Reply {
    let Some(info) = st.interactions.get(token).cloned() else {
        return error(404, 10062, "Unknown interaction");
    };
    if info.id.to_string() != id {
        return error(404, 10062, "Unknown interaction");
    }
    if info.acknowledged {
        return error(400, 40060, "Interaction has already been acknowledged.");
    }
    let body = body.cloned().unwrap_or(json!({}));
    let kind = body["type"].as_u64().unwrap_or(0);
    let mut info = info;
    match kind {
        // PONG is for HTTP interactions only.
        4 | 5 => {
            let mid = st.snowflake();
            let mut data = body["data"].clone();
            if data.is_null() {
                data = json!({});
            }
            if kind == 5 {
                // Deferred: "Bot is thinking..." until @original is edited.
                let flags = data["flags"].as_u64().unwrap_or(0) | (1 << 7);
                data = json!({"flags": flags});
            }
            let msg = interaction_message(world, &info, mid, Some(&data));
            st.messages.insert(mid, msg.clone());
            info.original = Some(mid);
            if kind == 4 {
                echo_message(st, info.channel_id, &msg, world);
            }
        }
        6 => {}
        7 => {
            if info.kind != 3 {
                return error(
                    400,
                    40043,
                    "Interaction callback type not valid for this interaction",
                );
            }
            if let Some(msg) = info.message_id.and_then(|m| st.messages.get_mut(&m)) {
                apply_edit(msg, Some(&body["data"]));
                edit_attachments(msg, Some(&body["data"]), &[], &[]);
            }
        }
        9 => {
            // A modal answers a command or a component, never another modal.
            if info.kind == 5 {
                return error(
                    400,
                    40043,
                    "Interaction callback type not valid for this interaction",
                );
            }
            if let Err(why) = check_modal(&body["data"]) {
                return invalid_form(&why);
            }
        }
        8 | 10 | 12 => {}
        _ => return error(400, 50035, "Invalid Form Body"),
    }
    info.acknowledged = true;
    st.interactions.insert(token.to_string(), info);
    no_content()
}

fn interaction_message(
    world: &World,
    info: &InteractionInfo,
    id: u64,
    body: Option<&Value>,
) -> Value {
    let body = body.cloned().unwrap_or(json!({}));
    let mut msg = message_json(
        id,
        info.channel_id,
        &world.bot,
        body["content"].as_str().unwrap_or(""),
        None,
    );
    msg["author"]["bot"] = json!(true);
    msg["webhook_id"] = json!(world.application_id.to_string());
    msg["application_id"] = json!(world.application_id.to_string());
    msg["type"] = json!(if info.kind == 2 { 20 } else { 0 });
    for field in ["embeds", "components", "flags", "tts"] {
        if !body[field].is_null() {
            msg[field] = body[field].clone();
        }
    }
    if msg["flags"].is_null() {
        msg["flags"] = json!(0);
    }
    msg["interaction_metadata"] = json!({
        "id": info.id.to_string(),
        "type": info.kind,
        "user": user_json(&info.user, false),
        "authorizing_integration_owners": {"0": info.guild_id.map(|g| g.to_string())},
    });
    // Discord names the message a component was on; serenity refuses a component's metadata
    // without it, and the send that got it would be tried again.
    if info.kind == 3
        && let Some(on) = info.message_id
    {
        msg["interaction_metadata"]["interacted_message_id"] = json!(on.to_string());
    }
    normalise_components(&mut msg);
    msg
}

fn apply_edit(msg: &mut Value, body: Option<&Value>) {
    let Some(body) = body else { return };
    // `attachments` is applied by `edit_attachments`, which knows the uploaded files.
    for field in ["content", "embeds", "components", "flags"] {
        if let Some(v) = body.get(field).filter(|v| !v.is_null()) {
            msg[field] = v.clone();
        }
    }
    if body.get("content").is_some() || body.get("embeds").is_some() {
        msg["edited_timestamp"] = json!(iso_ms(now_ms()));
    }
    // A deferred "thinking" message loses the loading flag once edited.
    if let Some(f) = msg["flags"].as_u64() {
        msg["flags"] = json!(f & !(1 << 7));
    }
    normalise_components(msg);
}

/// Discord numbers components (`id`) and fills defaults serenity expects.
fn normalise_components(msg: &mut Value) {
    let Some(rows) = msg["components"].as_array_mut() else {
        msg["components"] = json!([]);
        return;
    };
    let mut n = 1;
    for row in rows {
        row["id"] = json!(n);
        n += 1;
        if let Some(items) = row["components"].as_array_mut() {
            for item in items {
                item["id"] = json!(n);
                n += 1;
            }
        }
    }
}

/// The REST answer for a message: Discord leaves out `guild_id` and `member`.
fn rest_view(msg: &Value) -> Value {
    let mut m = msg.clone();
    if let Some(o) = m.as_object_mut() {
        o.remove("guild_id");
        o.remove("member");
    }
    m
}

/// Attachment objects for uploaded files, with the ids Discord gives them.
fn new_attachments(files: &[RecordedFile], ids: &[u64]) -> Vec<Value> {
    files
        .iter()
        .zip(ids)
        .map(|(file, id)| attachment_json(*id, file))
        .collect()
}

/// After an edit, the message keeps the attachments the body lists by id and gains its new
/// files; without an `attachments` list, new files are added to the ones it had.
fn edit_attachments(msg: &mut Value, body: Option<&Value>, files: &[RecordedFile], ids: &[u64]) {
    let before: Vec<Value> = msg["attachments"].as_array().cloned().unwrap_or_default();
    let listed = body
        .and_then(|b| b.get("attachments"))
        .and_then(Value::as_array);
    let mut after = Vec::new();
    match listed {
        Some(listed) => {
            for entry in listed {
                let id = id_opt(&entry["id"]);
                if let Some(kept) = before.iter().find(|a| id_opt(&a["id"]) == id) {
                    after.push(kept.clone());
                } else if let Some((file, new_id)) =
                    files.iter().zip(ids).find(|(file, _)| file.index() == id)
                {
                    after.push(attachment_json(*new_id, file));
                }
            }
        }
        None => {
            after = before;
            after.extend(new_attachments(files, ids));
        }
    }
    msg["attachments"] = Value::Array(after);
}

fn invalid_form(why: &str) -> Reply {
    Reply {
        status: StatusCode::BAD_REQUEST,
        body: Some(
            json!({"message": "Invalid Form Body", "code": 50035, "errors": {"_errors": [{"code": "BASE_TYPE_INVALID", "message": why}]}}),
        ),
        headers: vec![],
        rate_limited: false,
    }
}

/// Discord's checks on a modal: a custom id, a title of at most 45 characters, and 1 to 5
/// action rows each holding one text input with a custom id, a label of at most 45 characters
/// and a style.
fn check_modal(data: &Value) -> Result<(), String> {
    let custom_id = data["custom_id"].as_str().unwrap_or("");
    if custom_id.is_empty() || custom_id.chars().count() > 100 {
        return Err("custom_id must be 1 to 100 characters".into());
    }
    let title = data["title"].as_str().unwrap_or("");
    if title.is_empty() || title.chars().count() > 45 {
        return Err("title must be 1 to 45 characters".into());
    }
    let rows = data["components"].as_array().cloned().unwrap_or_default();
    if rows.is_empty() || rows.len() > 5 {
        return Err("a modal needs 1 to 5 action rows".into());
    }
    for row in &rows {
        let inputs = row["components"].as_array().cloned().unwrap_or_default();
        if row["type"] != 1 || inputs.len() != 1 || inputs[0]["type"] != 4 {
            return Err("each action row holds exactly one text input".into());
        }
        let input = &inputs[0];
        let label = input["label"].as_str().unwrap_or("");
        if input["custom_id"].as_str().is_none_or(str::is_empty)
            || label.is_empty()
            || label.chars().count() > 45
            || !matches!(input["style"].as_u64(), Some(1 | 2))
            || input["placeholder"]
                .as_str()
                .is_some_and(|p| p.chars().count() > 100)
            || input["max_length"].as_u64().is_some_and(|m| m > 4000)
        {
            return Err("a text input needs a custom_id, a label of at most 45 characters, a style, and a placeholder of at most 100".into());
        }
    }
    Ok(())
}

fn rfc3339_ms(v: &Value) -> Option<i64> {
    v.as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp_millis())
}

/// Discord's checks on a scheduled event: a 1–100 character name, a start time in the future,
/// and for an external one (type 3) a location and an end time after the start.
fn check_scheduled_event(body: &Value) -> Result<(), String> {
    let name = body["name"].as_str().unwrap_or("");
    if name.is_empty() || name.chars().count() > 100 {
        return Err("name must be 1 to 100 characters".into());
    }
    if body["privacy_level"].as_u64() != Some(2) {
        return Err("privacy_level must be 2 (guild only)".into());
    }
    let Some(start) = rfc3339_ms(&body["scheduled_start_time"]) else {
        return Err("scheduled_start_time must be an ISO8601 timestamp".into());
    };
    if start < now_ms() as i64 {
        return Err("Cannot schedule event in the past.".into());
    }
    if body["description"]
        .as_str()
        .is_some_and(|d| d.chars().count() > 1000)
    {
        return Err("description must be at most 1000 characters".into());
    }
    check_recurrence_rule(&body["recurrence_rule"])?;
    if body["entity_type"].as_u64() == Some(3) {
        let location = body["entity_metadata"]["location"].as_str().unwrap_or("");
        if location.is_empty() || location.chars().count() > 100 {
            return Err(
                "entity_metadata.location is required for external events (1 to 100 characters)"
                    .into(),
            );
        }
        match rfc3339_ms(&body["scheduled_end_time"]) {
            Some(end) if end > start => {}
            _ => {
                return Err(
                    "scheduled_end_time is required for external events and must follow the start"
                        .into(),
                );
            }
        }
        if !body["channel_id"].is_null() {
            return Err("channel_id must be null for external events".into());
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Fixtures (pub so tests/discord_standin_fixtures.rs checks the very JSON sent)
// ---------------------------------------------------------------------------------------------

/// op 0 frame.
pub fn dispatch_frame(event: &str, seq: u64, data: Value) -> Value {
    json!({"op": 0, "s": seq, "t": event, "d": data})
}

/// op 10 Hello.
pub fn hello_frame(heartbeat_interval_ms: u64) -> Value {
    json!({"op": 10, "s": null, "t": null, "d": {"heartbeat_interval": heartbeat_interval_ms, "_trace": ["[\"gateway-standin\",{\"micros\":0.0}]"]}})
}

pub fn user_json(u: &FixtureUser, bot: bool) -> Value {
    let mut v = json!({
        "id": u.id.to_string(),
        "username": u.name,
        "discriminator": "0",
        "global_name": if bot { Value::Null } else { json!(u.name) },
        "avatar": null,
        "public_flags": 0,
        "flags": 0,
        "banner": null,
        "accent_color": null,
        "avatar_decoration_data": null,
        "collectibles": null,
        "primary_guild": null,
        "clan": null,
    });
    if bot {
        v["bot"] = json!(true);
    }
    v
}

/// `GET /users/@me` for the bot and READY's `user`.
pub fn current_user_json(bot: &FixtureUser) -> Value {
    let mut v = user_json(bot, true);
    v["verified"] = json!(true);
    v["mfa_enabled"] = json!(false);
    v["email"] = Value::Null;
    v["locale"] = json!("en-US");
    v["premium_type"] = json!(0);
    v["bio"] = json!("");
    v
}

pub fn application_json(world: &World) -> Value {
    json!({
        "id": world.application_id.to_string(),
        "name": world.bot.name,
        "icon": null,
        "description": "",
        "summary": "",
        "type": null,
        "hook": true,
        "bot_public": false,
        "bot_require_code_grant": false,
        "verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
        "owner": user_json(&FixtureUser::new(world.bot.id.wrapping_add(1), "owner"), false),
        "team": null,
        "flags": 0,
        "redirect_uris": [],
        "interactions_endpoint_url": null,
        "role_connections_verification_url": null,
        "tags": [],
        "approximate_guild_count": world.guilds.len(),
        "bot": user_json(&world.bot, true),
    })
}

/// READY `d`: user, unavailable guilds, session, resume url, application.
pub fn ready_payload(
    world: &World,
    session_id: &str,
    resume_gateway_url: &str,
    shard: [u64; 2],
) -> Value {
    json!({
        "v": 10,
        "user": current_user_json(&world.bot),
        "user_settings": {},
        "guilds": world.guilds.iter().map(|g| json!({"id": g.id.to_string(), "unavailable": true})).collect::<Vec<_>>(),
        "guild_join_requests": [],
        "relationships": [],
        "private_channels": [],
        "presences": [],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_gateway_url,
        "shard": shard,
        "application": {"id": world.application_id.to_string(), "flags": 0},
        "geo_ordered_rtc_regions": ["rotterdam", "frankfurt"],
        "auth": {},
        "_trace": ["[\"gateway-standin\",{\"micros\":0.0}]"],
    })
}

pub fn role_json(id: u64, name: &str, position: u64, permissions: u64, managed: bool) -> Value {
    json!({
        "id": id.to_string(),
        "name": name,
        "description": null,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": position,
        "permissions": permissions.to_string(),
        "managed": managed,
        "mentionable": false,
        "flags": 0,
    })
}

pub fn member_json(u: &FixtureUser, bot: bool, joined_ms: u64) -> Value {
    json!({
        "user": user_json(u, bot),
        "nick": null,
        "avatar": null,
        "banner": null,
        "roles": [],
        "joined_at": iso_ms(joined_ms),
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
        "unusual_dm_activity_until": null,
        "avatar_decoration_data": null,
    })
}

pub fn text_channel_json(guild: u64, id: u64, name: &str, position: u64) -> Value {
    json!({
        "id": id.to_string(),
        "type": 0,
        "guild_id": guild.to_string(),
        "name": name,
        "position": position,
        "parent_id": null,
        "topic": null,
        "nsfw": false,
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "permission_overwrites": [],
        "flags": 0,
        "icon_emoji": null,
        "theme_color": null,
    })
}

#[allow(clippy::too_many_arguments)]
pub fn thread_channel_json(
    guild: u64,
    parent: u64,
    id: u64,
    name: &str,
    kind: u64,
    owner: u64,
    auto_archive_minutes: u64,
    invitable: bool,
) -> Value {
    let now = iso_ms(snowflake_ms(id));
    let mut v = json!({
        "id": id.to_string(),
        "type": kind,
        "guild_id": guild.to_string(),
        "parent_id": parent.to_string(),
        "owner_id": owner.to_string(),
        "name": name,
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "flags": 0,
        "thread_metadata": {
            "archived": false,
            "auto_archive_duration": auto_archive_minutes,
            "archive_timestamp": now,
            "locked": false,
            "create_timestamp": now,
        },
        "member": {
            "id": id.to_string(),
            "user_id": owner.to_string(),
            "join_timestamp": now,
            "flags": 1,
            "muted": false,
            "mute_config": null,
        },
    });
    if kind == 12 {
        v["thread_metadata"]["invitable"] = json!(invitable);
    }
    v
}

/// THREAD_CREATE `d` for a thread the bot just created.
pub fn thread_create_payload(thread: &Value, _bot: u64) -> Value {
    let mut v = thread.clone();
    v["newly_created"] = json!(true);
    v
}

pub fn dm_channel_json(id: u64, user: &FixtureUser) -> Value {
    json!({
        "id": id.to_string(),
        "type": 1,
        "last_message_id": null,
        "flags": 0,
        "recipients": [user_json(user, false)],
    })
}

/// GUILD_CREATE `d`: a full guild with its text channels, `@everyone` plus the fixture roles and
/// the bot plus the fixture members.
pub fn guild_create_payload(world: &World, g: &FixtureGuild) -> Value {
    let joined = snowflake_ms(g.id).max(DISCORD_EPOCH_MS);
    let mut roles = vec![role_json(g.id, "@everyone", 0, EVERYONE_PERMISSIONS, false)];
    for (i, (id, name)) in g.roles.iter().enumerate() {
        roles.push(role_json(*id, name, i as u64 + 1, 0, false));
    }
    let mut members = vec![member_json(&world.bot, true, joined)];
    for m in &g.members {
        members.push(member_json(m, false, joined));
    }
    let channels: Vec<Value> = g
        .channels
        .iter()
        .enumerate()
        .map(|(i, (id, name))| text_channel_json(g.id, *id, name, i as u64))
        .collect();
    let owner = g.members.first().map(|m| m.id).unwrap_or(world.bot.id);
    let guild = json!({
        "id": g.id.to_string(),
        "name": g.name,
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "banner": null,
        "description": null,
        "owner_id": owner.to_string(),
        "region": "deprecated",
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "roles": roles,
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": g.channels.first().map(|(id, _)| id.to_string()),
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "public_updates_channel_id": null,
        "safety_alerts_channel_id": null,
        "max_presences": null,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "vanity_url_code": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "nsfw_level": 0,
        "nsfw": false,
        "premium_progress_bar_enabled": false,
    });
    // Split in two: one json! this size exceeds the default macro recursion limit.
    let extra = json!({
        "hub_type": null,
        "incidents_data": null,
        "latest_onboarding_question_id": null,
        "home_header": null,
        "inventory_settings": null,
        "version": 0,
        "lazy": true,
        "large": false,
        "unavailable": false,
        "joined_at": iso_ms(joined),
        "member_count": members.len(),
        "members": members,
        "channels": channels,
        "threads": [],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "embedded_activities": [],
        "activity_instances": [],
        "application_command_counts": {},
    });
    let mut guild = guild;
    if let (Some(g), Value::Object(e)) = (guild.as_object_mut(), extra) {
        g.extend(e);
    }
    guild
}

/// A message as Discord's REST API returns it (no `guild_id`/`member`).
pub fn message_json(
    id: u64,
    channel: u64,
    author: &FixtureUser,
    content: &str,
    nonce: Option<&Value>,
) -> Value {
    let mut v = json!({
        "id": id.to_string(),
        "channel_id": channel.to_string(),
        "type": 0,
        "content": content,
        "author": user_json(author, false),
        "attachments": [],
        "embeds": [],
        "mentions": [],
        "mention_roles": [],
        "pinned": false,
        "mention_everyone": false,
        "tts": false,
        "timestamp": iso_ms(snowflake_ms(id)),
        "edited_timestamp": null,
        "flags": 0,
        "components": [],
    });
    if let Some(n) = nonce {
        v["nonce"] = n.clone();
    }
    v
}

/// MESSAGE_CREATE `d` in a guild: the message plus `guild_id` and the author's partial `member`.
pub fn message_create_payload(guild: u64, message: &Value, author: &FixtureUser) -> Value {
    let mut v = message.clone();
    v["guild_id"] = json!(guild.to_string());
    let joined = snowflake_ms(guild).max(DISCORD_EPOCH_MS);
    v["member"] = json!({
        "roles": [],
        "premium_since": null,
        "pending": false,
        "nick": null,
        "mute": false,
        "joined_at": iso_ms(joined),
        "flags": 0,
        "deaf": false,
        "communication_disabled_until": null,
        "banner": null,
        "avatar": null,
    });
    let _ = author;
    v
}

/// The channel object inside an interaction (with the bot's permissions there).
pub fn interaction_channel_json(guild: u64, channel: u64, known: Option<&Value>) -> Value {
    let mut v = known
        .cloned()
        .unwrap_or_else(|| text_channel_json(guild, channel, "channel", 0));
    v["permissions"] = json!(EVERYONE_PERMISSIONS.to_string());
    v
}

// Mirrors the fields every Discord interaction payload carries.
#[allow(clippy::too_many_arguments)]
fn interaction_common(
    application_id: u64,
    id: u64,
    token: &str,
    kind: u8,
    guild: u64,
    channel: u64,
    channel_json: Option<&Value>,
    user: &FixtureUser,
) -> Value {
    let joined = snowflake_ms(guild).max(DISCORD_EPOCH_MS);
    let mut member = member_json(user, false, joined);
    member["permissions"] = json!(EVERYONE_PERMISSIONS.to_string());
    json!({
        "id": id.to_string(),
        "application_id": application_id.to_string(),
        "type": kind,
        "token": token,
        "version": 1,
        "guild_id": guild.to_string(),
        "guild": {"id": guild.to_string(), "locale": "en-US", "features": []},
        "channel_id": channel.to_string(),
        "channel": interaction_channel_json(guild, channel, channel_json),
        "member": member,
        "app_permissions": EVERYONE_PERMISSIONS.to_string(),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": {"0": guild.to_string()},
        "context": 0,
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    })
}

/// INTERACTION_CREATE `d` for a slash command (type 2, data.type 1).
#[allow(clippy::too_many_arguments)]
pub fn command_interaction_payload(
    application_id: u64,
    id: u64,
    token: &str,
    guild: u64,
    channel: u64,
    channel_json: Option<&Value>,
    user: &FixtureUser,
    command_id: u64,
    name: &str,
    options: Value,
) -> Value {
    let mut v = interaction_common(
        application_id,
        id,
        token,
        2,
        guild,
        channel,
        channel_json,
        user,
    );
    let mut data = json!({
        "id": command_id.to_string(),
        "name": name,
        "type": 1,
        "guild_id": guild.to_string(),
    });
    match options {
        Value::Array(a) if !a.is_empty() => data["options"] = Value::Array(a),
        Value::Null | Value::Array(_) => {}
        other => data["options"] = other,
    }
    v["data"] = data;
    v
}

/// INTERACTION_CREATE `d` for a button (type 3, component_type 2) on `message`.
#[allow(clippy::too_many_arguments)]
pub fn component_interaction_payload(
    application_id: u64,
    id: u64,
    token: &str,
    guild: u64,
    channel: u64,
    channel_json: Option<&Value>,
    user: &FixtureUser,
    message: &Value,
    custom_id: &str,
) -> Value {
    let mut v = interaction_common(
        application_id,
        id,
        token,
        3,
        guild,
        channel,
        channel_json,
        user,
    );
    v["data"] = json!({"custom_id": custom_id, "component_type": 2});
    v["message"] = rest_view(message);
    v
}

/// INTERACTION_CREATE `d` for a submitted modal (type 5): one text input per action row.
#[allow(clippy::too_many_arguments)]
pub fn modal_interaction_payload(
    application_id: u64,
    id: u64,
    token: &str,
    guild: u64,
    channel: u64,
    channel_json: Option<&Value>,
    user: &FixtureUser,
    custom_id: &str,
    values: &[(&str, &str)],
) -> Value {
    let mut v = interaction_common(
        application_id,
        id,
        token,
        5,
        guild,
        channel,
        channel_json,
        user,
    );
    let rows: Vec<Value> = values
        .iter()
        .enumerate()
        .map(|(i, (input, value))| {
            json!({"type": 1, "id": 2 * i + 1, "components": [
                {"type": 4, "id": 2 * i + 2, "custom_id": input, "value": value}
            ]})
        })
        .collect();
    v["data"] = json!({"custom_id": custom_id, "components": rows});
    v
}

/// INTERACTION_CREATE `d` for a button (type 3) on `message` in a DM with the bot: the
/// invoking `user` at top level, no `guild_id`, `guild` or `member`; context 1 (BOT_DM).
#[allow(clippy::too_many_arguments)]
pub fn dm_component_interaction_payload(
    application_id: u64,
    id: u64,
    token: &str,
    channel: u64,
    channel_json: Option<&Value>,
    user: &FixtureUser,
    message: &Value,
    custom_id: &str,
) -> Value {
    let mut channel_json = channel_json
        .cloned()
        .unwrap_or_else(|| dm_channel_json(channel, user));
    channel_json["permissions"] = json!(EVERYONE_PERMISSIONS.to_string());
    json!({
        "id": id.to_string(),
        "application_id": application_id.to_string(),
        "type": 3,
        "token": token,
        "version": 1,
        "channel_id": channel.to_string(),
        "channel": channel_json,
        "user": user_json(user, false),
        "app_permissions": EVERYONE_PERMISSIONS.to_string(),
        "locale": "en-US",
        "entitlements": [],
        "entitlement_sku_ids": [],
        // A guild-installed app used in its bot's DMs: the guild install, with id "0".
        "authorizing_integration_owners": {"0": "0"},
        "context": 1,
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        "data": {"custom_id": custom_id, "component_type": 2},
        "message": rest_view(message),
    })
}

/// `data.resolved` for a slash command's user options (type 6, at any depth), or None without
/// any: the users, and the members of `guild` among them.
fn resolved_users(st: &StateInner, world: &World, guild: u64, options: &Value) -> Option<Value> {
    fn walk(options: &Value, out: &mut Vec<u64>) {
        for option in options.as_array().into_iter().flatten() {
            if option["type"] == json!(6)
                && let Some(id) = id_opt(&option["value"])
            {
                out.push(id);
            }
            walk(&option["options"], out);
        }
    }
    let mut ids = Vec::new();
    walk(options, &mut ids);
    if ids.is_empty() {
        return None;
    }
    let users: Vec<(FixtureUser, bool)> = ids
        .into_iter()
        .map(|id| {
            let member = id == world.bot.id
                || st
                    .members
                    .get(&guild)
                    .is_some_and(|list| list.iter().any(|m| m.id == id));
            (st.user(world, id), member)
        })
        .collect();
    Some(resolved_users_json(guild, &users))
}

/// `data.resolved` naming `users` (each with whether they are a member of `guild`): the user
/// objects, and for members their partial member objects (without `user`), as Discord sends.
pub fn resolved_users_json(guild: u64, users: &[(FixtureUser, bool)]) -> Value {
    let joined = snowflake_ms(guild).max(DISCORD_EPOCH_MS);
    let mut by_id = serde_json::Map::new();
    let mut members = serde_json::Map::new();
    for (user, member) in users {
        by_id.insert(user.id.to_string(), user_json(user, false));
        if *member {
            let mut partial = member_json(user, false, joined);
            if let Some(m) = partial.as_object_mut() {
                m.remove("user");
            }
            partial["permissions"] = json!(EVERYONE_PERMISSIONS.to_string());
            members.insert(user.id.to_string(), partial);
        }
    }
    json!({"users": by_id, "members": members})
}

/// Discord's answer to a message in the DM channel of a member who closed their direct messages.
fn refused_direct_message(st: &StateInner, channel: u64) -> Option<Reply> {
    st.dm_channels
        .iter()
        .any(|(user, dm)| *dm == channel && st.dms_closed.contains(user))
        .then(|| error(403, 50007, "Cannot send messages to this user"))
}

/// `user`'s DM channel with the bot, opened as `POST /users/@me/channels` would.
fn open_dm(st: &mut StateInner, user: &FixtureUser) -> u64 {
    if let Some(id) = st.dm_channels.get(&user.id) {
        return *id;
    }
    let id = st.snowflake();
    st.channels.insert(
        id,
        ChannelInfo {
            json: dm_channel_json(id, user),
            guild_id: None,
        },
    );
    st.dm_channels.insert(user.id, id);
    id
}

/// Decodes a percent-encoded path segment (an emoji in a reaction route).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = segment.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// GUILD_MEMBER_ADD `d`.
pub fn member_add_payload(guild: u64, user: &FixtureUser) -> Value {
    let mut v = member_json(user, false, now_ms());
    v["guild_id"] = json!(guild.to_string());
    v
}

/// RESUMED `d`.
pub fn resumed_payload() -> Value {
    json!({"_trace": ["[\"gateway-standin\",{\"micros\":0.0}]"]})
}

/// A slash command as `PUT .../commands` returns it.
pub fn command_json(
    application_id: u64,
    guild: Option<u64>,
    id: u64,
    version: u64,
    cmd: &Value,
) -> Value {
    let mut v = json!({
        "id": id.to_string(),
        "application_id": application_id.to_string(),
        "version": version.to_string(),
        "type": cmd["type"].as_u64().unwrap_or(1),
        "name": cmd["name"],
        "description": cmd["description"].as_str().unwrap_or(""),
        "default_member_permissions": cmd["default_member_permissions"].clone(),
        "dm_permission": cmd["dm_permission"].as_bool().unwrap_or(true),
        "nsfw": cmd["nsfw"].as_bool().unwrap_or(false),
        "integration_types": cmd.get("integration_types").cloned().unwrap_or(json!([0])),
        "contexts": cmd.get("contexts").cloned().unwrap_or(Value::Null),
    });
    if let Some(g) = guild {
        v["guild_id"] = json!(g.to_string());
    }
    if let Some(options) = cmd.get("options").filter(|o| o.is_array()) {
        v["options"] = options.clone();
    }
    for key in ["name_localizations", "description_localizations"] {
        if let Some(x) = cmd.get(key) {
            v[key] = x.clone();
        }
    }
    v
}

/// An attachment object for an uploaded file.
pub fn attachment_json(id: u64, file: &RecordedFile) -> Value {
    let url = format!(
        "https://cdn.discordapp.com/attachments/0/{id}/{}",
        file.filename
    );
    json!({
        "id": id.to_string(),
        "filename": file.filename,
        "size": file.bytes.len(),
        "url": url,
        "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
        "content_type": file.content_type,
    })
}

/// A guild scheduled event as the REST API returns it, from the fields a client sent.
pub fn scheduled_event_json(id: u64, guild: u64, creator: &FixtureUser, body: &Value) -> Value {
    json!({
        "id": id.to_string(),
        "guild_id": guild.to_string(),
        "channel_id": body["channel_id"].clone(),
        "creator_id": creator.id.to_string(),
        "creator": user_json(creator, true),
        "name": body["name"].clone(),
        "description": body["description"].clone(),
        "scheduled_start_time": body["scheduled_start_time"].clone(),
        "scheduled_end_time": body["scheduled_end_time"].clone(),
        "privacy_level": 2,
        "status": body["status"].as_u64().unwrap_or(1),
        "entity_type": body["entity_type"].clone(),
        "entity_id": null,
        "entity_metadata": if body["entity_metadata"].is_object() { body["entity_metadata"].clone() } else { Value::Null },
        "image": null,
        "recurrence_rule": recurrence_rule_json(&body["recurrence_rule"]),
        "guild_scheduled_event_exceptions": body["guild_scheduled_event_exceptions"]
            .as_array()
            .cloned()
            .unwrap_or_default(),
    })
}

/// A recurrence rule as Discord returns it: every field present, the unset ones null.
fn recurrence_rule_json(rule: &Value) -> Value {
    if !rule.is_object() {
        return Value::Null;
    }
    let mut out = json!({
        "start": null, "end": null, "frequency": null, "interval": 1, "by_weekday": null,
        "by_n_weekday": null, "by_month": null, "by_month_day": null, "by_year_day": null,
        "count": null,
    });
    for (key, value) in rule.as_object().into_iter().flatten() {
        out[key.as_str()] = value.clone();
    }
    out
}

/// Discord's limits on a recurrence rule ("System limitations" in its scheduled event docs):
/// `count`, `end` and `by_year_day` can't be set by an app; `by_weekday`, `by_n_weekday` and
/// `by_month` + `by_month_day` exclude each other; `by_weekday` is for daily rules (one of six
/// fixed sets) and weekly ones (one day); `by_n_weekday` for monthly (one entry); `by_month`
/// with `by_month_day` for yearly (one date); an interval other than 1 only as 2 on weekly.
fn check_recurrence_rule(rule: &Value) -> Result<(), String> {
    if rule.is_null() {
        return Ok(());
    }
    if !rule.is_object() {
        return Err("recurrence_rule must be an object".into());
    }
    if rfc3339_ms(&rule["start"]).is_none() {
        return Err("recurrence_rule.start must be an ISO8601 timestamp".into());
    }
    for field in ["count", "end", "by_year_day"] {
        if !rule[field].is_null() {
            return Err(format!("recurrence_rule.{field} cannot be set"));
        }
    }
    let frequency = match rule["frequency"].as_u64() {
        Some(f @ 0..=3) => f,
        _ => return Err("recurrence_rule.frequency must be 0 to 3".into()),
    };
    let interval = rule["interval"].as_u64().unwrap_or(1);
    match (frequency, interval) {
        (_, 1) | (2, 2) => {}
        _ => return Err("recurrence_rule.interval may only be 2 on a weekly rule".into()),
    }
    let numbers =
        |field: &str, range: std::ops::RangeInclusive<u64>| -> Result<Option<Vec<u64>>, String> {
            if rule[field].is_null() {
                return Ok(None);
            }
            rule[field]
                .as_array()
                .and_then(|a| {
                    a.iter()
                        .map(|v| v.as_u64().filter(|n| range.contains(n)))
                        .collect()
                })
                .map(Some)
                .ok_or_else(|| format!("recurrence_rule.{field} has a value out of range"))
        };
    let by_weekday = numbers("by_weekday", 0..=6)?;
    let by_month = numbers("by_month", 1..=12)?;
    let by_month_day = numbers("by_month_day", 1..=31)?;
    let by_n_weekday = match &rule["by_n_weekday"] {
        Value::Null => None,
        Value::Array(items) => {
            if !items.iter().all(|i| {
                i["n"].as_u64().is_some_and(|n| (1..=5).contains(&n))
                    && i["day"].as_u64().is_some_and(|d| d <= 6)
            }) {
                return Err("recurrence_rule.by_n_weekday needs n 1 to 5 and a day 0 to 6".into());
            }
            Some(items.len())
        }
        _ => return Err("recurrence_rule.by_n_weekday must be an array".into()),
    };
    let groups = [
        by_weekday.is_some(),
        by_n_weekday.is_some(),
        by_month.is_some() || by_month_day.is_some(),
    ];
    if groups.iter().filter(|set| **set).count() > 1 {
        return Err(
            "by_weekday, by_n_weekday and by_month with by_month_day exclude each other".into(),
        );
    }
    if let Some(mut days) = by_weekday {
        days.sort_unstable();
        let daily_sets: [&[u64]; 6] = [
            &[0, 1, 2, 3, 4],
            &[1, 2, 3, 4, 5],
            &[0, 1, 2, 3, 6],
            &[4, 5],
            &[5, 6],
            &[0, 6],
        ];
        match frequency {
            3 if daily_sets.contains(&days.as_slice()) => {}
            3 => {
                return Err(
                    "a daily recurrence_rule.by_weekday must be one of the known sets".into(),
                );
            }
            2 if days.len() == 1 => {}
            2 => return Err("a weekly recurrence_rule.by_weekday holds one day".into()),
            _ => return Err("recurrence_rule.by_weekday is for daily and weekly rules".into()),
        }
    }
    if let Some(len) = by_n_weekday
        && (frequency != 1 || len != 1)
    {
        return Err("recurrence_rule.by_n_weekday is one entry on a monthly rule".into());
    }
    if (by_month.is_some() || by_month_day.is_some())
        && (frequency != 0
            || by_month.map(|m| m.len()) != Some(1)
            || by_month_day.map(|d| d.len()) != Some(1))
    {
        return Err(
            "recurrence_rule.by_month and by_month_day are one date on a yearly rule".into(),
        );
    }
    Ok(())
}

/// Whether `at` (Unix ms) is an occurrence of a daily or weekly rule, stepped in UTC from its
/// start as Discord does (weeks start on Monday); monthly and yearly rules only need the time.
fn recurs_at(rule: &Value, at: i64) -> bool {
    let Some(start) = rfc3339_ms(&rule["start"]) else {
        return false;
    };
    let day = 86_400_000;
    if at < start || (at - start).rem_euclid(day) != 0 {
        return false;
    }
    let days = (at - start) / day;
    let weekday = |ms: i64| (ms.div_euclid(day) + 3).rem_euclid(7); // 1970-01-01 was a Thursday
    let on_day = |d: i64| {
        rule["by_weekday"]
            .as_array()
            .is_none_or(|days| days.iter().any(|x| x.as_i64() == Some(d)))
    };
    match rule["frequency"].as_u64() {
        Some(3) => on_day(weekday(at)),
        Some(2) => {
            let monday = |ms: i64| ms.div_euclid(day) - weekday(ms);
            let weeks = (monday(at) - monday(start)) / 7;
            let interval = rule["interval"].as_i64().unwrap_or(1).max(1);
            let same_day = if rule["by_weekday"].is_null() {
                days % 7 == 0
            } else {
                on_day(weekday(at))
            };
            same_day && weeks % interval == 0
        }
        _ => true,
    }
}

/// `POST .../scheduled-events/{id}/exceptions`: one occurrence of a recurring event cancelled
/// or moved. The occurrence must be one of the rule's; its exception id is a snowflake of its
/// original start, so a second exception for it replaces the first.
fn add_scheduled_event_exception(event: &mut Value, body: &Value) -> Result<Value, String> {
    if event["recurrence_rule"].is_null() {
        return Err("the scheduled event does not recur".into());
    }
    let Some(original) = rfc3339_ms(&body["original_scheduled_start_time"]) else {
        return Err("original_scheduled_start_time must be an ISO8601 timestamp".into());
    };
    if !recurs_at(&event["recurrence_rule"], original) {
        return Err("original_scheduled_start_time is not an occurrence of the event".into());
    }
    let moved = |field: &str| -> Result<Value, String> {
        match &body[field] {
            Value::Null => Ok(Value::Null),
            v if rfc3339_ms(v).is_some() => Ok(v.clone()),
            _ => Err(format!("{field} must be an ISO8601 timestamp")),
        }
    };
    let id = ((original as u64).saturating_sub(DISCORD_EPOCH_MS)) << 22;
    let exception = json!({
        "event_id": event["id"].clone(),
        "event_exception_id": id.to_string(),
        "scheduled_start_time": moved("scheduled_start_time")?,
        "scheduled_end_time": moved("scheduled_end_time")?,
        "is_canceled": body["is_canceled"].as_bool().unwrap_or(false),
    });
    let list = event["guild_scheduled_event_exceptions"]
        .as_array_mut()
        .ok_or("the scheduled event has no exceptions list")?;
    list.retain(|e| e["event_exception_id"] != exception["event_exception_id"]);
    list.push(exception.clone());
    Ok(exception)
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

fn interaction_token(id: u64) -> String {
    // Discord's are ~200 url-safe characters; length and alphabet are what matter here.
    let mut s = format!("aW50ZXJhY3Rpb246{id}");
    let mut x = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    while s.len() < 160 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let c =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[(x % 64) as usize];
        s.push(c as char);
    }
    s
}

fn parse_id(s: &str) -> Option<u64> {
    s.parse().ok()
}

fn id_opt(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn id_of(v: &Value) -> u64 {
    id_opt(v).unwrap_or(0)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Unix milliseconds of a snowflake (the epoch itself for small fixture ids).
pub fn snowflake_ms(id: u64) -> u64 {
    (id >> 22) + DISCORD_EPOCH_MS
}

/// RFC 3339 with microseconds and `+00:00`, as Discord writes timestamps.
pub fn iso_ms(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60,
        (unix_ms % 1000) * 1000
    )
}

/// Where the TLS front listens, and the certificate a client must trust to reach it.
pub struct TlsFront {
    pub addr: std::net::SocketAddr,
    pub certificate_der: Vec<u8>,
}

struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(stream).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

// ---------------------------------------------------------------------------------------------
// Permissions: what the bot's roles grant, and Discord's 403 for what they do not
// ---------------------------------------------------------------------------------------------

/// What `@everyone` and the bot's role grant, the same in every fixture guild. Channels carry no
/// overwrites, so these are the bot's permissions in every channel.
#[derive(Clone, Copy, Debug)]
pub struct GuildPermissions {
    pub everyone: u64,
    pub bot_role: u64,
}

impl Default for GuildPermissions {
    fn default() -> Self {
        GuildPermissions {
            everyone: EVERYONE_PERMISSIONS,
            bot_role: BOT_ROLE_PERMISSIONS,
        }
    }
}

impl GuildPermissions {
    fn granted(&self) -> u64 {
        let all = self.everyone | self.bot_role;
        if all & PERMISSION_ADMINISTRATOR != 0 {
            u64::MAX
        } else {
            all
        }
    }
}

/// The id of the bot's own role in a guild (not a fixture role id).
pub fn bot_role_id(world: &World) -> u64 {
    world.bot.id + 7
}

impl StandIn {
    /// Sets what `@everyone` and the bot's role grant; call it before the bot connects, since
    /// GUILD_CREATE carries the roles.
    pub fn set_permissions(&self, permissions: GuildPermissions) {
        self.shared.lock().permissions = permissions;
    }
}

/// GUILD_CREATE `d` with the bot holding its own role, and `@everyone` and that role granting
/// `permissions`.
pub fn guild_create_payload_with(
    world: &World,
    g: &FixtureGuild,
    permissions: GuildPermissions,
) -> Value {
    let mut payload = guild_create_payload(world, g);
    let role = bot_role_id(world);
    if let Some(roles) = payload["roles"].as_array_mut() {
        roles[0]["permissions"] = json!(permissions.everyone.to_string());
        let position = roles.len() as u64;
        let mut own = role_json(role, &world.bot.name, position, permissions.bot_role, true);
        own["tags"] = json!({"bot_id": world.bot.id.to_string()});
        roles.push(own);
    }
    if let Some(members) = payload["members"].as_array_mut() {
        members[0]["roles"] = json!([role.to_string()]);
    }
    payload
}

fn missing_permissions() -> Reply {
    error(403, 50013, "Missing Permissions")
}

/// Discord's 403 (50013 Missing Permissions) for a request the bot's permissions do not allow:
/// a message needs View Channel and Send Messages (Send Messages in Threads in a thread), Attach
/// Files with a file and Read Message History as a reply; a reaction Add Reactions and Read
/// Message History; a private thread Create Private Threads; adding a member to a thread that is
/// not invitable Manage Threads; a role Manage Roles; a scheduled event Create Events (Manage
/// Events no longer creates), and editing or deleting one Manage Events, or Create Events for
/// the bot's own. Direct-message channels need none.
fn permission_refusal(
    st: &StateInner,
    world: &World,
    method: &str,
    segs: &[&str],
    body: Option<&Value>,
    files: &[RecordedFile],
) -> Option<Reply> {
    let granted = st.permissions.granted();
    let channel = |id: &str| parse_id(id).and_then(|id| st.channels.get(&id));
    let in_guild = |id: &str| channel(id).is_some_and(|c| c.guild_id.is_some());
    let is_thread =
        |id: &str| channel(id).is_some_and(|c| matches!(c.json["type"].as_u64(), Some(10..=12)));
    let needed: u64 = match (method, segs) {
        ("POST", ["channels", c, "messages"]) if in_guild(c) => {
            let mut needed = PERMISSION_VIEW_CHANNEL;
            needed |= if is_thread(c) {
                PERMISSION_SEND_MESSAGES_IN_THREADS
            } else {
                PERMISSION_SEND_MESSAGES
            };
            if !files.is_empty() {
                needed |= PERMISSION_ATTACH_FILES;
            }
            if body.is_some_and(|b| !b["message_reference"].is_null()) {
                needed |= PERMISSION_READ_MESSAGE_HISTORY;
            }
            needed
        }
        ("PATCH", ["channels", c, "messages", _]) if in_guild(c) && !files.is_empty() => {
            PERMISSION_ATTACH_FILES
        }
        ("PUT", ["channels", c, "messages", _, "reactions", _, "@me"]) if in_guild(c) => {
            PERMISSION_VIEW_CHANNEL | PERMISSION_ADD_REACTIONS | PERMISSION_READ_MESSAGE_HISTORY
        }
        ("POST", ["channels", c, "threads"]) if in_guild(c) => {
            let private = body.and_then(|b| b["type"].as_u64()).unwrap_or(12) == 12;
            if private {
                PERMISSION_VIEW_CHANNEL | PERMISSION_CREATE_PRIVATE_THREADS
            } else {
                0
            }
        }
        ("PUT", ["channels", t, "thread-members", _]) if in_guild(t) => {
            let invitable = channel(t)
                .map(|c| {
                    c.json["thread_metadata"]["invitable"]
                        .as_bool()
                        .unwrap_or(true)
                })
                .unwrap_or(true);
            PERMISSION_SEND_MESSAGES_IN_THREADS
                | if invitable {
                    0
                } else {
                    PERMISSION_MANAGE_THREADS
                }
        }
        ("PUT" | "DELETE", ["guilds", _, "members", _, "roles", _]) => PERMISSION_MANAGE_ROLES,
        ("POST", ["guilds", _, "scheduled-events"]) => PERMISSION_CREATE_EVENTS,
        ("PATCH" | "DELETE", ["guilds", _, "scheduled-events", e]) => {
            let own = parse_id(e)
                .and_then(|id| st.scheduled_events.get(&id))
                .is_some_and(|event| event["creator_id"] == json!(world.bot.id.to_string()));
            if own && granted & PERMISSION_CREATE_EVENTS != 0 {
                0
            } else {
                PERMISSION_MANAGE_EVENTS
            }
        }
        _ => 0,
    };
    (granted & needed != needed).then(missing_permissions)
}

/// `GET /guilds/{id}/threads/active`: the guild's threads that are not archived, newest first,
/// with a thread member object for each one the bot has joined.
fn active_threads(st: &StateInner, world: &World, g: &str) -> Reply {
    let Some(guild) = parse_id(g).filter(|g| world.guilds.iter().any(|x| x.id == *g)) else {
        return error(404, 10004, "Unknown Guild");
    };
    let mut threads: Vec<&Value> = st
        .channels
        .values()
        .filter(|c| c.guild_id == Some(guild))
        .map(|c| &c.json)
        .filter(|c| matches!(c["type"].as_u64(), Some(10..=12)))
        .filter(|c| c["thread_metadata"]["archived"] != json!(true))
        .collect();
    threads.sort_by_key(|c| std::cmp::Reverse(id_of(&c["id"])));
    let members: Vec<Value> = threads
        .iter()
        .filter(|c| {
            st.thread_members
                .get(&id_of(&c["id"]))
                .is_some_and(|list| list.contains(&world.bot.id))
        })
        .map(|c| {
            json!({
                "id": c["id"].clone(),
                "user_id": world.bot.id.to_string(),
                "join_timestamp": c["thread_metadata"]["create_timestamp"].clone(),
                "flags": 1,
            })
        })
        .collect();
    ok(json!({ "threads": threads, "members": members, "has_more": false }))
}

/// `GET /guilds/{id}/scheduled-events`: the guild's scheduled events, oldest first.
fn guild_scheduled_events(st: &StateInner, g: &str) -> Reply {
    let mut events: Vec<Value> = st
        .scheduled_events
        .values()
        .filter(|event| event["guild_id"] == json!(g))
        .cloned()
        .collect();
    events.sort_by_key(|event| id_of(&event["id"]));
    ok(Value::Array(events))
}
