//! Matrix behaviour a single local Synapse cannot show: invitations from another server, and a
//! homeserver that rate-limits. matrix-sdk's own mock homeserver stands in.

mod support;

use std::sync::Arc;

use matrix_sdk::ruma::{event_id, room_id, user_id};
use matrix_sdk::test_utils::mocks::MatrixMockServer;
use matrix_sdk_test::event_factory::EventFactory;
use matrix_sdk_test::{InvitedRoomBuilder, JoinedRoomBuilder};
use rounds::config::MatrixLink;
use rounds::core::io::{Action, Message};
use rounds::platform::matrix::MatrixAdapter;
use rounds::platform::matrix::inbound::answer_pending_invites;
use rounds::platform::matrix::rooms::Rooms;
use rounds::platform::{Adapter, DeliveryError};
use serde_json::Value;

#[tokio::test]
async fn an_invitation_from_another_server_is_declined_politely() {
    let server = MatrixMockServer::new().await;
    let client = server.client_builder().build().await;
    let me = client.user_id().unwrap().to_owned();
    let foreign = room_id!("!foreign:evil.example");
    let partner = room_id!("!partner:partner.org");
    let f = EventFactory::new();
    server
        .mock_sync()
        .ok_and_run(&client, |sync| {
            sync.add_invited_room(
                InvitedRoomBuilder::new(foreign)
                    .add_state_event(f.member(user_id!("@mallory:evil.example")).invited(&me)),
            );
            sync.add_invited_room(
                InvitedRoomBuilder::new(partner)
                    .add_state_event(f.member(user_id!("@ben:partner.org")).invited(&me)),
            );
        })
        .await;
    server.mock_room_leave().ok(foreign).expect(1).mount().await;
    server.mock_room_join(partner).ok().expect(1).mount().await;

    let rooms = Rooms::new(
        vec![MatrixLink {
            society: "ams".into(),
            allowed_servers: vec!["partner.org".into()],
            ..MatrixLink::default()
        }],
        &me,
    );
    answer_pending_invites(&client, &rooms).await;
    server.verify().await;

    let requests = server.received_requests().await.unwrap();
    let leave = requests
        .iter()
        .find(|r| r.url.path().ends_with("/leave"))
        .expect("a leave request");
    assert!(leave.url.path().contains("evil.example"));
    let body: Value = serde_json::from_slice(&leave.body).unwrap();
    assert!(
        body["reason"]
            .as_str()
            .unwrap_or("")
            .contains("only joins rooms of the societies"),
        "declined with a reason: {body}"
    );
}

#[tokio::test]
async fn rate_limits_become_retries_after_the_servers_delay_with_the_same_transaction() {
    let server = MatrixMockServer::new().await;
    let client = server.client_builder().build().await;
    let room = room_id!("!general:localhost");
    server
        .mock_sync()
        .ok_and_run(&client, |sync| {
            sync.add_joined_room(JoinedRoomBuilder::new(room));
        })
        .await;
    server.mock_room_state_encryption().plain().mount().await;
    server
        .mock_room_send()
        .respond_with(
            wiremock::ResponseTemplate::new(429).set_body_json(serde_json::json!({
                "errcode": "M_LIMIT_EXCEEDED",
                "error": "Too many requests",
                "retry_after_ms": 1500
            })),
        )
        .up_to_n_times(1)
        .mount()
        .await;
    server.mock_room_send().ok(event_id!("$sent")).mount().await;

    let store = support::sqlite_memory().await;
    let me = client.user_id().unwrap().to_owned();
    let adapter = MatrixAdapter::new(client, store, Arc::new(Rooms::new(Vec::new(), &me)));
    let post = Action::Post {
        room: room.to_string(),
        message: Message::text("⏰ Reminder: check the rota"),
    };
    match adapter.perform("job:7:1774900800:0", &post).await {
        Err(DeliveryError::RateLimited { retry_after }) => {
            assert_eq!(retry_after, chrono::Duration::milliseconds(1500))
        }
        other => panic!("expected a rate limit, got {other:?}"),
    }
    adapter.perform("job:7:1774900800:0", &post).await.unwrap();

    let sends: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().contains("/send/m.room.message/"))
        .map(|r| r.url.path().rsplit('/').next().unwrap().to_string())
        .collect();
    assert_eq!(sends.len(), 2);
    assert!(
        sends
            .iter()
            .all(|txn| txn == "job:7:1774900800:0" || txn == "job%3A7%3A1774900800%3A0"),
        "both tries carry the outbox key as the transaction id: {sends:?}"
    );
}

/// A celebration whose reaction failed is retried whole: the post goes again under the same
/// transaction id (the homeserver answers with the event it already has) and the reaction
/// lands on that event, under its own fixed transaction id.
#[tokio::test]
async fn a_retried_celebration_reuses_its_transaction_ids_for_the_post_and_the_reaction() {
    use matrix_sdk::ruma::events::MessageLikeEventType;
    let server = MatrixMockServer::new().await;
    let client = server.client_builder().build().await;
    let asked = room_id!("!general:localhost");
    let party = room_id!("!party:localhost");
    server
        .mock_sync()
        .ok_and_run(&client, |sync| {
            sync.add_joined_room(JoinedRoomBuilder::new(asked));
            sync.add_joined_room(JoinedRoomBuilder::new(party));
        })
        .await;
    server.mock_room_state_encryption().plain().mount().await;
    server
        .mock_room_send()
        .for_type(MessageLikeEventType::RoomMessage)
        .ok(event_id!("$post"))
        .mount()
        .await;
    server
        .mock_room_send()
        .for_type(MessageLikeEventType::Reaction)
        .respond_with(
            wiremock::ResponseTemplate::new(500)
                .set_body_json(serde_json::json!({"errcode": "M_UNKNOWN", "error": "try later"})),
        )
        .up_to_n_times(1)
        .mount()
        .await;
    server
        .mock_room_send()
        .for_type(MessageLikeEventType::Reaction)
        .ok(event_id!("$tada"))
        .mount()
        .await;

    let store = support::sqlite_memory().await;
    let me = client.user_id().unwrap().to_owned();
    let rooms = Rooms::new(
        vec![MatrixLink {
            society: "ams".into(),
            celebrations: Some(party.to_string()),
            ..MatrixLink::default()
        }],
        &me,
    );
    let adapter = MatrixAdapter::new(client, store, Arc::new(rooms));
    let celebrate = Action::Celebrate {
        society: "ams".into(),
        fallback_room: asked.to_string(),
        message: Message::text("🎉 Award · ana\nBest teaching registrar"),
        emoji: Some("🎉".into()),
    };
    let key = "in:matrix:$abc:0";
    match adapter.perform(key, &celebrate).await {
        Err(DeliveryError::Transient(_)) => {}
        other => panic!("expected a transient failure, got {other:?}"),
    }
    adapter.perform(key, &celebrate).await.unwrap();

    let requests = server.received_requests().await.unwrap();
    let sends: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path().contains("/send/"))
        .collect();
    let decoded = |r: &&wiremock::Request| {
        let path = r.url.path().to_string();
        let txn = path.rsplit('/').next().unwrap().replace("%3A", ":");
        (path, txn.replace("%24", "$"))
    };
    let posts: Vec<_> = sends
        .iter()
        .filter(|r| r.url.path().contains("/send/m.room.message/"))
        .map(decoded)
        .collect();
    let reactions: Vec<_> = sends
        .iter()
        .filter(|r| r.url.path().contains("/send/m.reaction/"))
        .collect();
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert!(
        posts
            .iter()
            .all(|(path, txn)| path.contains("party") && txn == key),
        "the post goes to the celebrations room, both times as {key}: {posts:?}"
    );
    assert_eq!(reactions.len(), 2);
    for reaction in &reactions {
        assert_eq!(decoded(reaction).1, format!("{key}:react"));
        let body: Value = serde_json::from_slice(&reaction.body).unwrap();
        assert_eq!(body["m.relates_to"]["event_id"], "$post");
        assert_eq!(body["m.relates_to"]["key"], "🎉");
    }
}

/// Joining a group invites the member to its room, unless they are there already; a group
/// with no room is left alone.
#[tokio::test]
async fn joining_a_group_invites_to_its_room_once() {
    use rounds::core::io::UserRef;
    let server = MatrixMockServer::new().await;
    let client = server.client_builder().build().await;
    let interns = room_id!("!interns:localhost");
    let f = EventFactory::new();
    let ana = user_id!("@ana:localhost");
    let ben = user_id!("@ben:localhost");
    server
        .mock_sync()
        .ok_and_run(&client, |sync| {
            sync.add_joined_room(
                JoinedRoomBuilder::new(interns).add_state_event(
                    f.member(ben)
                        .membership(matrix_sdk::ruma::events::room::member::MembershipState::Join),
                ),
            );
        })
        .await;
    server.mock_invite_user_by_id().ok().expect(1).mount().await;
    let store = support::sqlite_memory().await;
    let me = client.user_id().unwrap().to_owned();
    let rooms = Rooms::new(
        vec![MatrixLink {
            society: "ams".into(),
            group_rooms: [("interns".to_string(), interns.to_string())].into(),
            ..MatrixLink::default()
        }],
        &me,
    );
    let adapter = MatrixAdapter::new(client, store, Arc::new(rooms));
    let join = |user: &str, group: &str| Action::JoinGroup {
        society: "ams".into(),
        user: UserRef {
            id: user.to_string(),
            name: "x".into(),
        },
        group: group.into(),
    };
    adapter
        .perform("k1", &join(ana.as_str(), "interns"))
        .await
        .unwrap();
    adapter
        .perform("k2", &join(ben.as_str(), "interns"))
        .await
        .unwrap();
    adapter
        .perform("k3", &join(ana.as_str(), "surgeons"))
        .await
        .unwrap();
    server.verify().await;
    let invites: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().ends_with("/invite"))
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(invites.len(), 1);
    assert_eq!(invites[0]["user_id"], ana.as_str());
}

/// Issue 17 on Matrix: a member who refused or left their direct room with Rounds is told, once
/// a day, in the room where they last spoke to Rounds (without the reminder's words), and the
/// committee log has a line for each message that did not reach them.
#[tokio::test]
async fn a_member_who_left_their_direct_room_is_told_once_in_the_room_where_they_spoke() {
    use rounds::core::io::UserRef;
    use rounds::core::store::{OutboxItem, QueueStore};

    let server = MatrixMockServer::new().await;
    let client = server.client_builder().build().await;
    let me = client.user_id().unwrap().to_owned();
    let dm = room_id!("!dm:test");
    let lobby = room_id!("!lobby:test");
    let committee = room_id!("!committee:test");
    let ana = user_id!("@ana:test");
    let f = EventFactory::new();
    server
        .mock_sync()
        .ok_and_run(&client, |sync| {
            sync.add_joined_room(
                JoinedRoomBuilder::new(dm)
                    .add_state_event(f.member(&me))
                    .add_state_event(f.member(ana).leave()),
            );
            sync.add_joined_room(JoinedRoomBuilder::new(lobby));
            sync.add_joined_room(JoinedRoomBuilder::new(committee));
            sync.add_global_account_data(f.direct().add_user(ana.to_owned().into(), dm));
        })
        .await;
    server.mock_room_state_encryption().plain().mount().await;
    server.mock_room_send().ok(event_id!("$sent")).mount().await;

    let store = support::sqlite_memory().await;
    let now = support::at("2026-12-07T09:00:00Z");
    // Ana last spoke to Rounds in the lobby.
    let bot = rounds::core::Bot::new(store.clone(), support::settings(chrono_tz::UTC));
    let mut member = support::Member::new("ana");
    member.room = lobby.to_string();
    let help = format!("{}help", bot.settings().prefix);
    assert!(!bot.handle(&member.says(&help), now).await.is_empty());

    let rooms = Rooms::new(
        vec![MatrixLink {
            society: support::SOCIETY.into(),
            admin_room: Some(committee.to_string()),
            ..MatrixLink::default()
        }],
        &me,
    );
    let adapter = MatrixAdapter::new(client, store.clone(), Arc::new(rooms));
    let remind = |key: &str, what: &str| OutboxItem {
        key: key.into(),
        platform: adapter.platform().into(),
        society: support::SOCIETY.into(),
        member: Some(ana.to_string()),
        action: Action::Remind {
            user: UserRef {
                id: ana.to_string(),
                name: "ana".into(),
            },
            message: Message::text(format!("⏰ Reminder: {what}")),
        },
    };
    let sent = |room: &str| {
        let server = &server;
        let room = room.to_string();
        async move {
            server
                .received_requests()
                .await
                .unwrap()
                .iter()
                .filter(|r| {
                    r.url.path().contains("/send/m.room.message/")
                        && r.url.path().contains(room.trim_start_matches('!'))
                })
                .map(|r| {
                    let body: Value = serde_json::from_slice(&r.body).unwrap();
                    body["body"].as_str().unwrap_or_default().to_string()
                })
                .collect::<Vec<String>>()
        }
    };

    store
        .enqueue(&[remind("job:1:0", "see Dr Li about the biopsy")], now)
        .await
        .unwrap();
    rounds::outbox::deliver(store.as_ref(), &adapter, "test", now)
        .await
        .unwrap();
    assert_eq!(
        sent(lobby.as_str()).await,
        vec![
            "ana, I couldn't message you privately; open your direct messages or send me a direct message."
        ]
    );
    assert!(
        sent(dm.as_str()).await.is_empty(),
        "nothing into a room she left"
    );
    assert_eq!(
        sent(committee.as_str()).await,
        vec![
            "[admin log] A private message to ana was not delivered: their direct messages are closed; they were told in the room where they last spoke to Rounds."
        ]
    );

    // Later the same day: no second notice, but the committee hears of the lost message.
    store
        .enqueue(&[remind("job:2:0", "sign the rota")], now)
        .await
        .unwrap();
    let later = now + chrono::Duration::hours(3);
    rounds::outbox::deliver(store.as_ref(), &adapter, "test", later)
        .await
        .unwrap();
    assert_eq!(sent(lobby.as_str()).await.len(), 1, "told once a day");
    let logged = sent(committee.as_str()).await;
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert!(
        logged[1].ends_with("they were already told today."),
        "{logged:?}"
    );
    for text in sent(lobby.as_str()).await.iter().chain(&logged) {
        assert!(
            !text.contains("biopsy") && !text.contains("rota"),
            "private words in a shared room: {text}"
        );
    }
}
