//! Deliveries in parallel, order where it matters: sends to different rooms go side by side,
//! so one slow room holds back no other; sends to one room go one after another, in the order
//! they were queued, even behind a retry and across two senders. On SQLite and PostgreSQL.

mod support;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use rounds::core::io::{Action, Message, UserRef};
use rounds::core::store::{OutboxItem, Store};
use rounds::outbox::{self, Leasing, SEND_LEASE};
use rounds::platform::{Adapter, DeliveryError};
use support::*;

fn post(key: &str, room: &str) -> OutboxItem {
    OutboxItem {
        key: key.to_string(),
        platform: PLATFORM.to_string(),
        society: SOCIETY.to_string(),
        member: None,
        action: Action::Post {
            room: room.to_string(),
            message: Message::text(key),
        },
    }
}

fn t0() -> DateTime<Utc> {
    at("2026-12-07T09:00:00+11:00")
}

/// Holds every send to the room `slow` until the test opens the gate; answers the first try of
/// each key in `limited` with a rate limit; records the order of what was shown.
struct Rooms {
    slow_gate: tokio::sync::Semaphore,
    limited: Mutex<HashSet<String>>,
    shown: Mutex<Vec<String>>,
    in_flight: Mutex<(usize, usize)>,
    width: usize,
}

impl Rooms {
    fn new(width: usize) -> Arc<Rooms> {
        Arc::new(Rooms {
            slow_gate: tokio::sync::Semaphore::new(0),
            limited: Mutex::new(HashSet::new()),
            shown: Mutex::new(Vec::new()),
            in_flight: Mutex::new((0, 0)),
            width,
        })
    }

    fn shown(&self) -> Vec<String> {
        self.shown.lock().unwrap().clone()
    }

    /// The most sends that were ever in flight at once.
    fn most_at_once(&self) -> usize {
        self.in_flight.lock().unwrap().1
    }
}

#[async_trait]
impl Adapter for Rooms {
    fn platform(&self) -> &'static str {
        PLATFORM
    }

    fn parallel_sends(&self) -> usize {
        self.width
    }

    async fn perform(&self, key: &str, action: &Action) -> Result<(), DeliveryError> {
        {
            let mut flight = self.in_flight.lock().unwrap();
            flight.0 += 1;
            flight.1 = flight.1.max(flight.0);
        }
        let room = match action {
            Action::Post { room, .. } => room.clone(),
            _ => String::new(),
        };
        if room == "slow" {
            let _open = self.slow_gate.acquire().await.unwrap();
        } else {
            // Long enough that sends which could overlap do.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        self.in_flight.lock().unwrap().0 -= 1;
        if self.limited.lock().unwrap().remove(key) {
            return Err(DeliveryError::RateLimited {
                retry_after: Duration::minutes(1),
            });
        }
        self.shown.lock().unwrap().push(key.to_string());
        Ok(())
    }
}

/// Polls until `seen` holds; a generous bound only turns a hang into a failure.
async fn until(what: &str, mut seen: impl FnMut() -> bool) {
    let waited = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while !seen() {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(waited.is_ok(), "never saw: {what}");
}

async fn a_slow_room_holds_back_no_other(store: Arc<dyn Store>) {
    let rooms = Rooms::new(8);
    let mut items = vec![post("slow:1", "slow")];
    items.extend((0..6).map(|n| post(&format!("room{n}:1"), &format!("room{n}"))));
    store.enqueue(&items, t0()).await.unwrap();

    let sending = {
        let (store, rooms) = (store.clone(), rooms.clone());
        tokio::spawn(async move {
            outbox::deliver(store.as_ref(), rooms.as_ref(), "a", t0())
                .await
                .unwrap()
        })
    };
    // Every other room is served while the slow one is still being sent.
    until("the six other rooms sent beside the slow one", || {
        rooms.shown().len() == 6
    })
    .await;
    assert!(!rooms.shown().contains(&"slow:1".to_string()));
    assert!(
        rooms.most_at_once() > 1,
        "sends to different rooms overlapped"
    );
    rooms.slow_gate.add_permits(1);
    assert_eq!(sending.await.unwrap(), 7);
    assert_eq!(rooms.shown().last().unwrap(), "slow:1");
}

#[tokio::test]
async fn a_slow_room_holds_back_no_other_on_sqlite() {
    a_slow_room_holds_back_no_other(sqlite_memory().await).await;
}

#[tokio::test]
async fn a_slow_room_holds_back_no_other_on_postgres() {
    on_postgres(a_slow_room_holds_back_no_other).await;
}

/// The most sends in flight at once is the adapter's bound, however many rooms are waiting.
async fn sends_in_flight_keep_to_the_platforms_bound(store: Arc<dyn Store>) {
    let rooms = Rooms::new(3);
    let items: Vec<_> = (0..12)
        .map(|n| post(&format!("room{n}:1"), &format!("room{n}")))
        .collect();
    store.enqueue(&items, t0()).await.unwrap();
    let sent = outbox::deliver(store.as_ref(), rooms.as_ref(), "a", t0())
        .await
        .unwrap();
    assert_eq!(sent, 12);
    assert_eq!(rooms.most_at_once(), 3);
}

#[tokio::test]
async fn sends_in_flight_keep_to_the_platforms_bound_on_sqlite() {
    sends_in_flight_keep_to_the_platforms_bound(sqlite_memory().await).await;
}

#[tokio::test]
async fn sends_in_flight_keep_to_the_platforms_bound_on_postgres() {
    on_postgres(sends_in_flight_keep_to_the_platforms_bound).await;
}

/// A send waiting out a rate limit keeps its room's later sends behind it: a member never sees
/// the second notice before the first.
async fn one_room_keeps_its_order_behind_a_retry(store: Arc<dyn Store>) {
    let rooms = Rooms::new(8);
    rooms.limited.lock().unwrap().insert("general:1".into());
    let items = vec![
        post("general:1", "general"),
        post("general:2", "general"),
        post("general:3", "general"),
        post("news:1", "news"),
    ];
    store.enqueue(&items, t0()).await.unwrap();

    outbox::deliver(store.as_ref(), rooms.as_ref(), "a", t0())
        .await
        .unwrap();
    assert_eq!(rooms.shown(), ["news:1"], "the room waits behind its first");

    let later = t0() + Duration::minutes(1);
    outbox::deliver(store.as_ref(), rooms.as_ref(), "a", later)
        .await
        .unwrap();
    assert_eq!(
        rooms.shown(),
        ["news:1", "general:1", "general:2", "general:3"]
    );
}

#[tokio::test]
async fn one_room_keeps_its_order_behind_a_retry_on_sqlite() {
    one_room_keeps_its_order_behind_a_retry(sqlite_memory().await).await;
}

#[tokio::test]
async fn one_room_keeps_its_order_behind_a_retry_on_postgres() {
    on_postgres(one_room_keeps_its_order_behind_a_retry).await;
}

/// Two senders on one database: while one holds a room's first send, the other takes none of
/// that room's later sends (it would post them first), only other rooms'.
async fn a_second_sender_waits_for_the_rooms_first_send(store: Arc<dyn Store>) {
    let items = vec![
        post("general:1", "general"),
        post("general:2", "general"),
        post("news:1", "news"),
    ];
    store.enqueue(&items, t0()).await.unwrap();
    let lease = t0() + SEND_LEASE;
    let a: Vec<String> = store
        .claim_outbox(PLATFORM, t0(), "a", lease, 1)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.key)
        .collect();
    assert_eq!(a, ["general:1"]);
    let b: Vec<String> = store
        .claim_outbox(PLATFORM, t0(), "b", lease, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.key)
        .collect();
    assert_eq!(b, ["news:1"], "general:2 waits while general:1 is sent");

    // `a` sends general:1; only then is general:2 anyone's to take.
    let rooms = Rooms::new(1);
    store
        .release_leases("a")
        .await
        .expect("a hands its lease back");
    let sent = outbox::deliver_until(
        store.as_ref(),
        rooms.as_ref(),
        "a",
        &t0,
        Leasing::default(),
        &|| false,
    )
    .await
    .unwrap();
    assert_eq!(sent, 2);
    assert_eq!(rooms.shown(), ["general:1", "general:2"]);
}

#[tokio::test]
async fn a_second_sender_waits_for_the_rooms_first_send_on_sqlite() {
    a_second_sender_waits_for_the_rooms_first_send(sqlite_memory().await).await;
}

#[tokio::test]
async fn a_second_sender_waits_for_the_rooms_first_send_on_postgres() {
    on_postgres(a_second_sender_waits_for_the_rooms_first_send).await;
}

/// What shares a lane: one room's posts, replies and reactions; a society's announcements and
/// their edits; one member's private messages and group joins. Different rooms, members and
/// societies do not.
#[test]
fn lanes_follow_where_a_send_lands() {
    let msg = Message::text("hi");
    let alice = UserRef {
        id: "u1".into(),
        name: "alice".into(),
    };
    let bob = UserRef {
        id: "u2".into(),
        name: "bob".into(),
    };
    let post = Action::Post {
        room: "general".into(),
        message: msg.clone(),
    };
    let reply = Action::Reply {
        room: "general".into(),
        to: None,
        private: false,
        message: msg.clone(),
        asker: None,
    };
    let react = Action::React {
        room: "general".into(),
        message_id: "m1".into(),
        emoji: "👍".into(),
    };
    let elsewhere = Action::Post {
        room: "news".into(),
        message: msg.clone(),
    };
    assert_eq!(post.lane(), reply.lane());
    assert_eq!(post.lane(), react.lane());
    assert_ne!(post.lane(), elsewhere.lane());

    let announce = Action::Announce {
        society: "ams".into(),
        fallback_room: "general".into(),
        message: msg.clone(),
        topic: Some("event:1".into()),
    };
    let edit = Action::Edit {
        society: "ams".into(),
        topic: "event:1".into(),
        message: msg.clone(),
    };
    let other_society = Action::Announce {
        society: "rmo".into(),
        fallback_room: "general".into(),
        message: msg.clone(),
        topic: None,
    };
    assert_eq!(announce.lane(), edit.lane());
    assert_ne!(announce.lane(), other_society.lane());

    let remind = |user: &UserRef| Action::Remind {
        user: user.clone(),
        message: msg.clone(),
    };
    let join = Action::JoinGroup {
        society: "ams".into(),
        user: alice.clone(),
        group: "surgery".into(),
    };
    assert_eq!(remind(&alice).lane(), join.lane());
    assert_ne!(remind(&alice).lane(), remind(&bob).lane());
}

/// Records how many due jobs were still unfired when the first send started.
struct FirstSend {
    store: Arc<dyn Store>,
    unfired_then: tokio::sync::OnceCell<u64>,
}

#[async_trait]
impl Adapter for FirstSend {
    fn platform(&self) -> &'static str {
        PLATFORM
    }

    fn parallel_sends(&self) -> usize {
        8
    }

    async fn perform(&self, _key: &str, _action: &Action) -> Result<(), DeliveryError> {
        self.unfired_then
            .get_or_init(|| async {
                let waiting = self.store.waiting(Utc::now()).await.unwrap();
                waiting.jobs
            })
            .await;
        Ok(())
    }
}

/// A burst of due jobs is sent as it is fired: the first send starts while the scheduler is
/// still firing the burst's later batches, not once the whole tick is over (10,000 reminders
/// due at once held every post back about 6 s).
async fn a_burst_is_sent_while_it_is_still_being_fired(store: Arc<dyn Store>) {
    use rounds::core::store::{Delivery, NewReminder};
    const BURST: usize = 1_500;
    let due = Utc::now() - Duration::minutes(1);
    for n in 0..BURST {
        store
            .create_reminder(&NewReminder {
                platform: PLATFORM.into(),
                society: SOCIETY.into(),
                owner: user("alice"),
                delivery: Delivery::Here,
                room: format!("room{}", n % 50),
                text: format!("burst #{n}"),
                created_at: due,
                due_at: due,
                zone: chrono_tz::UTC,
                rule: None,
            })
            .await
            .unwrap();
    }
    let bot = Arc::new(rounds::core::Bot::new(
        store.clone(),
        settings(chrono_tz::UTC),
    ));
    let runtime = Arc::new(rounds::runtime::Runtime::new(bot));
    let adapter = Arc::new(FirstSend {
        store: store.clone(),
        unfired_then: tokio::sync::OnceCell::new(),
    });
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let driving = {
        let (runtime, adapter) = (runtime.clone(), adapter.clone());
        tokio::spawn(async move {
            let adapters: Vec<Arc<dyn Adapter>> = vec![adapter];
            runtime
                .drive(&adapters, &rounds::clock::Clock::wall(), shutdown)
                .await
        })
    };
    until("the burst's first send", || {
        adapter.unfired_then.get().is_some()
    })
    .await;
    stop.send(true).unwrap();
    driving.await.unwrap();
    let unfired = *adapter.unfired_then.get().unwrap();
    assert!(
        unfired > 0,
        "the first send waited until all {BURST} jobs had fired"
    );
}

#[tokio::test]
async fn a_burst_is_sent_while_it_is_still_being_fired_on_sqlite() {
    a_burst_is_sent_while_it_is_still_being_fired(sqlite_memory().await).await;
}

#[tokio::test]
async fn a_burst_is_sent_while_it_is_still_being_fired_on_postgres() {
    on_postgres(a_burst_is_sent_while_it_is_still_being_fired).await;
}
