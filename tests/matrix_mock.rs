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
