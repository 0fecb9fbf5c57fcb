//! A member's side of Matrix for tests and benchmarks: a matrix-sdk client on the test
//! Synapse that reports every message it sees and accepts every invitation.
#![allow(dead_code)]

use std::time::Duration;

use matrix_sdk::config::SyncSettings;
use matrix_sdk::deserialized_responses::EncryptionInfo;
use matrix_sdk::ruma::api::client::room::create_room::v3::Request as CreateRoom;
use matrix_sdk::ruma::events::InitialStateEvent;
use matrix_sdk::ruma::events::reaction::{OriginalSyncReactionEvent, ReactionEventContent};
use matrix_sdk::ruma::events::relation::Annotation;
use matrix_sdk::ruma::events::room::encryption::RoomEncryptionEventContent;
use matrix_sdk::ruma::events::room::member::StrippedRoomMemberEvent;
use matrix_sdk::ruma::events::room::message::{
    FileMessageEventContent, MessageType, OriginalSyncRoomMessageEvent, Relation,
    RoomMessageEventContent,
};
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, OwnedUserId, UserId};
use matrix_sdk::{Client, Room};
use tokio::sync::mpsc;

pub const WAIT: Duration = Duration::from_secs(30);

pub struct Synapse {
    pub url: String,
    pub dir: String,
}

impl Synapse {
    pub fn from_env() -> Synapse {
        Synapse {
            url: std::env::var("ROUNDS_TEST_SYNAPSE_URL")
                .expect("run through scripts/test, which starts Synapse"),
            dir: std::env::var("ROUNDS_TEST_SYNAPSE_DIR").expect("ROUNDS_TEST_SYNAPSE_DIR"),
        }
    }

    /// A fresh account, so tests running side by side never share rooms or devices.
    pub fn register(&self, prefix: &str) -> (String, String) {
        static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("{prefix}{}x{n}", std::process::id());
        let password = format!("{name}-pass");
        let status = std::process::Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/scripts/synapse/harness.py"
            ))
            .args(["register", "--dir", &self.dir, &name, &password])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("run the harness");
        assert!(status.success(), "registering {name}");
        (format!("@{name}:localhost"), password)
    }
}

/// A notice (or message) a member's client saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub room: OwnedRoomId,
    pub event_id: OwnedEventId,
    pub sender: OwnedUserId,
    pub body: String,
    pub html: Option<String>,
    pub reply_to: Option<OwnedEventId>,
    pub mentions: Vec<OwnedUserId>,
    pub encrypted: bool,
    /// For an `m.replace` edit: the event it replaces and the replacement's own body (`body`
    /// then holds the "* …" fallback).
    pub replaces: Option<(OwnedEventId, String)>,
    /// For an `m.file`: its content, to download through the media API.
    pub file: Option<FileMessageEventContent>,
}

/// A reaction (an `m.annotation`) a member's client saw.
#[derive(Clone, Debug)]
pub struct SeenReaction {
    pub room: OwnedRoomId,
    pub sender: OwnedUserId,
    /// The event reacted to.
    pub target: OwnedEventId,
    pub key: String,
}

/// Invites the bot to each room, then waits until it has joined them all.
pub async fn invite_bot(rooms: &[&Room], bot: &UserId) {
    for room in rooms {
        room.invite_user_by_id(bot).await.expect("invite the bot");
    }
    for room in rooms {
        wait_joined(room, bot).await;
    }
}

/// `member` joins `room` they were invited to, without waiting for their sync to bring the
/// invite (under a loaded test run it can lag past the wait; a join racing their automatic one
/// is harmless), then waits until the inviter's client sees them in it.
pub async fn join_invited(member: &Member, room: &Room) {
    for attempt in 0..8 {
        match member.client.join_room_by_id(room.room_id()).await {
            Ok(_) => break,
            Err(error) if attempt < 7 => {
                eprintln!(
                    "{} joining {} failed, retrying: {error}",
                    member.user,
                    room.room_id()
                );
                tokio::time::sleep(Duration::from_millis(250 << attempt.min(4))).await;
            }
            Err(error) => panic!("{} cannot join {}: {error}", member.user, room.room_id()),
        }
    }
    wait_joined(room, &member.user).await;
}

/// Waits until `user` has joined `room`, as seen by this member's client.
pub async fn wait_joined(room: &Room, user: &UserId) {
    tokio::time::timeout(WAIT, async {
        loop {
            if let Ok(Some(member)) = room.get_member(user).await
                && member.membership()
                    == &matrix_sdk::ruma::events::room::member::MembershipState::Join
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{user} joins {}", room.room_id()));
}

/// A member: a matrix-sdk client syncing in the background, reporting what it sees and
/// accepting every invitation.
pub struct Member {
    pub client: Client,
    pub seen: mpsc::UnboundedReceiver<Seen>,
    pub reactions: mpsc::UnboundedReceiver<SeenReaction>,
    pub user: OwnedUserId,
}

impl Member {
    pub async fn login(synapse: &Synapse, user: &str, password: &str) -> Member {
        let client = Client::builder()
            .homeserver_url(&synapse.url)
            .build()
            .await
            .unwrap();
        Member::login_client(client, user, password).await
    }

    /// Logs `client` (built with whatever settings the test needs) in as `user`.
    pub async fn login_client(client: Client, user: &str, password: &str) -> Member {
        client
            .matrix_auth()
            .login_username(user, password)
            .send()
            .await
            .unwrap();
        // A client set to cross-sign itself does so in this task; it must be done before the
        // member's first message leaves.
        client
            .encryption()
            .wait_for_e2ee_initialization_tasks()
            .await;
        client.sync_once(SyncSettings::default()).await.unwrap();
        let (tx, seen) = mpsc::unbounded_channel();
        client.add_event_handler(
            move |ev: OriginalSyncRoomMessageEvent, room: Room, enc: Option<EncryptionInfo>| {
                let tx = tx.clone();
                async move {
                    let mut file = None;
                    let (body, html) = match &ev.content.msgtype {
                        MessageType::Notice(n) => {
                            (n.body.clone(), n.formatted.as_ref().map(|f| f.body.clone()))
                        }
                        MessageType::Text(t) => {
                            (t.body.clone(), t.formatted.as_ref().map(|f| f.body.clone()))
                        }
                        MessageType::File(f) => {
                            file = Some(f.clone());
                            (f.body.clone(), None)
                        }
                        _ => return,
                    };
                    let (reply_to, replaces) = match &ev.content.relates_to {
                        Some(Relation::Reply(reply)) => {
                            (Some(reply.in_reply_to.event_id.clone()), None)
                        }
                        Some(Relation::Replacement(replacement)) => (
                            None,
                            Some((
                                replacement.event_id.clone(),
                                replacement.new_content.msgtype.body().to_string(),
                            )),
                        ),
                        _ => (None, None),
                    };
                    let _ = tx.send(Seen {
                        room: room.room_id().to_owned(),
                        event_id: ev.event_id.clone(),
                        sender: ev.sender.clone(),
                        body,
                        html,
                        reply_to,
                        mentions: ev
                            .content
                            .mentions
                            .as_ref()
                            .map(|m| m.user_ids.iter().cloned().collect())
                            .unwrap_or_default(),
                        encrypted: enc.is_some(),
                        replaces,
                        file,
                    });
                }
            },
        );
        let (reacted, reactions) = mpsc::unbounded_channel();
        client.add_event_handler(move |ev: OriginalSyncReactionEvent, room: Room| {
            let reacted = reacted.clone();
            async move {
                let _ = reacted.send(SeenReaction {
                    room: room.room_id().to_owned(),
                    sender: ev.sender.clone(),
                    target: ev.content.relates_to.event_id.clone(),
                    key: ev.content.relates_to.key.clone(),
                });
            }
        });
        client.add_event_handler(
            |ev: StrippedRoomMemberEvent, room: Room, client: Client| async move {
                if Some(ev.state_key.as_ref()) == client.user_id() {
                    tokio::spawn(async move {
                        // Synapse sometimes refuses a join that follows an invite closely.
                        let mut wait = Duration::from_millis(200);
                        for _ in 0..8 {
                            match room.join().await {
                                Ok(()) => return,
                                Err(error) => eprintln!(
                                    "{:?} joining {} failed, retrying: {error}",
                                    client.user_id(),
                                    room.room_id()
                                ),
                            }
                            tokio::time::sleep(wait).await;
                            wait = (wait * 2).min(Duration::from_secs(5));
                        }
                    });
                }
            },
        );
        let syncing = client.clone();
        tokio::spawn(async move {
            loop {
                if syncing
                    .sync_once(SyncSettings::default().timeout(Duration::from_secs(5)))
                    .await
                    .is_err()
                {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        });
        let user = client.user_id().unwrap().to_owned();
        Member {
            client,
            seen,
            reactions,
            user,
        }
    }

    pub async fn room_with(&self, bot: &str, encrypted: bool) -> Room {
        let mut request = CreateRoom::new();
        request.invite = vec![UserId::parse(bot).unwrap()];
        if encrypted {
            request.initial_state = vec![
                InitialStateEvent::with_empty_state_key(
                    RoomEncryptionEventContent::with_recommended_defaults(),
                )
                .to_raw_any(),
            ];
        }
        let room = self.client.create_room(request).await.unwrap();
        wait_joined(&room, &UserId::parse(bot).unwrap()).await;
        room
    }

    pub async fn say(&self, room: &Room, text: &str) -> OwnedEventId {
        room.send(RoomMessageEventContent::text_plain(text))
            .await
            .unwrap()
            .response
            .event_id
    }

    /// Sends `text` in `room` and waits for `bot`'s reply to it.
    pub async fn ask(&mut self, room: &Room, text: &str, bot: &str) -> Seen {
        let asked = self.say(room, text).await;
        self.expect(bot, |s| s.reply_to.as_ref() == Some(&asked))
            .await
    }

    /// Reacts to `event` (in whichever of this member's rooms it is) with `key`.
    pub async fn react(&self, room: &matrix_sdk::ruma::RoomId, event: &OwnedEventId, key: &str) {
        let room = self
            .client
            .get_room(room)
            .expect("the member is in the room");
        room.send(ReactionEventContent::new(Annotation::new(
            event.clone(),
            key.to_string(),
        )))
        .await
        .unwrap();
    }

    /// The next reaction from `from` matching `pred`, skipping others.
    pub async fn expect_reaction(
        &mut self,
        from: &str,
        pred: impl Fn(&SeenReaction) -> bool,
    ) -> SeenReaction {
        let from = UserId::parse(from).unwrap();
        tokio::time::timeout(WAIT, async {
            loop {
                let seen = self.reactions.recv().await.expect("member client stopped");
                if seen.sender == from && pred(&seen) {
                    return seen;
                }
            }
        })
        .await
        .expect("the expected reaction arrives")
    }

    /// The next message from `from` matching `pred`, skipping others.
    pub async fn expect(&mut self, from: &str, pred: impl Fn(&Seen) -> bool) -> Seen {
        let from = UserId::parse(from).unwrap();
        tokio::time::timeout(WAIT, async {
            loop {
                let seen = self.seen.recv().await.expect("member client stopped");
                if seen.sender == from && pred(&seen) {
                    return seen;
                }
            }
        })
        .await
        .expect("the expected message arrives")
    }

    /// One message from `from` for each predicate, in whatever order they arrive; returned in
    /// the predicates' order. Messages matching none are skipped.
    pub async fn expect_all(&mut self, from: &str, preds: &[&dyn Fn(&Seen) -> bool]) -> Vec<Seen> {
        let from = UserId::parse(from).unwrap();
        let mut found: Vec<Option<Seen>> = vec![None; preds.len()];
        let outcome = tokio::time::timeout(WAIT, async {
            while found.iter().any(Option::is_none) {
                let seen = self.seen.recv().await.expect("member client stopped");
                if seen.sender != from {
                    continue;
                }
                if let Some(n) = (0..preds.len()).find(|&n| found[n].is_none() && preds[n](&seen)) {
                    found[n] = Some(seen);
                }
            }
        })
        .await;
        if outcome.is_err() {
            let missing: Vec<usize> = (0..preds.len()).filter(|&n| found[n].is_none()).collect();
            panic!("expected messages {missing:?} (by position) never arrived");
        }
        found.into_iter().map(Option::unwrap).collect()
    }

    /// Everything from `from` seen within `span`.
    pub async fn collect(&mut self, from: &str, span: Duration) -> Vec<Seen> {
        let from = UserId::parse(from).unwrap();
        let mut all = Vec::new();
        let _ = tokio::time::timeout(span, async {
            while let Some(seen) = self.seen.recv().await {
                if seen.sender == from {
                    all.push(seen);
                }
            }
        })
        .await;
        all
    }
}

/// A member as current Element is (MSC4153): their own device cross-signed, room keys shared
/// only with devices their owner has cross-signed, and messages decrypted only from those.
pub async fn login_like_element(synapse: &Synapse, user: &str, password: &str) -> Member {
    let client = Client::builder()
        .homeserver_url(&synapse.url)
        .with_encryption_settings(matrix_sdk::encryption::EncryptionSettings {
            auto_enable_cross_signing: true,
            ..Default::default()
        })
        .with_room_key_recipient_strategy(sdk_setting(
            serde_json::json!("IdentityBasedStrategy"),
            "IdentityBasedStrategy",
        ))
        .with_decryption_settings(sdk_setting(
            serde_json::json!({ "sender_device_trust_requirement": "CrossSigned" }),
            "CrossSigned",
        ))
        .build()
        .await
        .unwrap();
    let member = Member::login_client(client, user, password).await;
    let own = member
        .client
        .encryption()
        .get_own_device()
        .await
        .unwrap()
        .expect("the member's own device");
    assert!(
        own.is_cross_signed_by_owner(),
        "the member's device cross-signed itself"
    );
    member
}

/// The master key `member` sees for `user`, fetched afresh from the homeserver.
pub async fn master_key(member: &Member, user: &str) -> Option<String> {
    let identity = member
        .client
        .encryption()
        .request_user_identity(&UserId::parse(user).unwrap())
        .await
        .unwrap()?;
    identity
        .master_key()
        .get_first_key()
        .map(|key| key.to_base64())
}

/// Whether `member` sees `user`'s device `device` as signed by its owner's self-signing key,
/// after asking the homeserver for that user's current keys.
pub async fn cross_signed_by_owner(member: &Member, user: &str, device: &str) -> bool {
    let user = UserId::parse(user).unwrap();
    member
        .client
        .encryption()
        .request_user_identity(&user)
        .await
        .unwrap();
    member
        .client
        .encryption()
        .get_device(&user, device.into())
        .await
        .unwrap()
        .unwrap_or_else(|| {
            panic!(
                "{member_user} knows {user}'s device {device}",
                member_user = member.user
            )
        })
        .is_cross_signed_by_owner()
}

/// A crypto setting matrix-sdk 0.18 takes but does not re-export (`CollectStrategy`,
/// `DecryptionSettings`), named through its serde form; `shows` guards against a form the
/// SDK reads as something else.
fn sdk_setting<T: serde::de::DeserializeOwned + std::fmt::Debug>(
    form: serde_json::Value,
    shows: &str,
) -> T {
    let setting: T = serde_json::from_value(form).unwrap();
    assert!(format!("{setting:?}").contains(shows), "{setting:?}");
    setting
}

/// An HTTP proxy in front of Synapse that a test can look through: it keeps each `/sync`
/// request's address, authorization and response, and can hold back the to-device messages
/// sent to one user (a room key, say) until the test releases them.
pub struct Tap {
    pub url: String,
    state: std::sync::Arc<TapState>,
}

/// One `/sync` as the proxy carried it.
#[derive(Clone, Debug)]
pub struct TappedSync {
    pub uri: String,
    pub authorization: String,
    pub body: String,
}

struct TapState {
    upstream: String,
    own_url: std::sync::OnceLock<String>,
    http: reqwest::Client,
    withhold_for: std::sync::Mutex<Option<String>>,
    /// (authorization, event type, the messages for the withheld user by device).
    held: std::sync::Mutex<Vec<(String, String, serde_json::Value)>>,
    syncs: std::sync::Mutex<Vec<TappedSync>>,
}

impl Tap {
    pub async fn start(synapse: &Synapse) -> Tap {
        let state = std::sync::Arc::new(TapState {
            upstream: synapse.url.clone(),
            own_url: std::sync::OnceLock::new(),
            http: reqwest::Client::new(),
            withhold_for: std::sync::Mutex::new(None),
            held: std::sync::Mutex::new(Vec::new()),
            syncs: std::sync::Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let _ = state.own_url.set(url.clone());
        let app = axum::Router::new()
            .fallback(tap_forward)
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Tap { url, state }
    }

    /// The same homeserver, reached through this proxy.
    pub fn synapse(&self, synapse: &Synapse) -> Synapse {
        Synapse {
            url: self.url.clone(),
            dir: synapse.dir.clone(),
        }
    }

    /// From now on, to-device messages for `user` are kept back (the rest go through).
    pub fn withhold_to_device_for(&self, user: &UserId) {
        *self.state.withhold_for.lock().unwrap() = Some(user.to_string());
    }

    /// How many to-device sends for the withheld user are being kept back.
    pub fn held(&self) -> usize {
        self.state.held.lock().unwrap().len()
    }

    /// Stops withholding and delivers what was kept back, as the sender's client would have.
    pub async fn release(&self) {
        let user = self
            .state
            .withhold_for
            .lock()
            .unwrap()
            .take()
            .expect("withholding");
        let held = std::mem::take(&mut *self.state.held.lock().unwrap());
        for (n, (authorization, event_type, messages)) in held.into_iter().enumerate() {
            let body = serde_json::json!({ "messages": { user.clone(): messages } });
            let response = self
                .state
                .http
                .put(format!(
                    "{}/_matrix/client/v3/sendToDevice/{event_type}/released-{}-{n}",
                    self.state.upstream,
                    std::process::id()
                ))
                .header("authorization", authorization)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .unwrap();
            assert!(
                response.status().is_success(),
                "releasing: {}",
                response.status()
            );
        }
    }

    /// Every `/sync` answered so far.
    pub fn syncs(&self) -> Vec<TappedSync> {
        self.state.syncs.lock().unwrap().clone()
    }
}

async fn tap_forward(
    axum::extract::State(state): axum::extract::State<std::sync::Arc<TapState>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    let (parts, body) = request.into_parts();
    let mut body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default()
        .to_vec();
    let uri = parts
        .uri
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let authorization = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let withheld = state.withhold_for.lock().unwrap().clone();
    if let (Some(user), Some(rest)) = (
        withheld,
        uri.strip_prefix("/_matrix/client/v3/sendToDevice/"),
    ) && parts.method == axum::http::Method::PUT
        && let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&body)
        && let Some(messages) = json.get_mut("messages").and_then(|m| m.as_object_mut())
        && let Some(for_user) = messages.remove(&user)
    {
        let event_type = rest.split('/').next().unwrap_or_default().to_string();
        state
            .held
            .lock()
            .unwrap()
            .push((authorization.clone(), event_type, for_user));
        body = json.to_string().into_bytes();
    }
    let mut forward = state
        .http
        .request(parts.method.clone(), format!("{}{uri}", state.upstream))
        .body(body);
    for name in ["authorization", "content-type"] {
        if let Some(value) = parts.headers.get(name) {
            forward = forward.header(name, value.clone());
        }
    }
    let response = match forward.send().await {
        Ok(response) => response,
        Err(error) => {
            return axum::response::Response::builder()
                .status(502)
                .body(axum::body::Body::from(error.to_string()))
                .unwrap();
        }
    };
    let status = response.status();
    let content_type = response.headers().get("content-type").cloned();
    let mut bytes = response.bytes().await.unwrap_or_default();
    // A login's `well_known` names the server's own address, which the client would switch to.
    if uri.starts_with("/_matrix/client/v3/login") {
        let body = String::from_utf8_lossy(&bytes).replace(
            state.upstream.trim_end_matches('/'),
            state.own_url.get().map(String::as_str).unwrap_or_default(),
        );
        bytes = body.into_bytes().into();
    }
    if uri.starts_with("/_matrix/client/v3/sync") {
        state.syncs.lock().unwrap().push(TappedSync {
            uri: uri.clone(),
            authorization,
            body: String::from_utf8_lossy(&bytes).to_string(),
        });
    }
    let mut answer = axum::response::Response::builder().status(status);
    if let Some(content_type) = content_type {
        answer = answer.header("content-type", content_type);
    }
    answer.body(axum::body::Body::from(bytes)).unwrap()
}
