//! Discord side effects through crashes: a crash after Discord made something (a private
//! thread, a Scheduled Event, a role grant) and before Rounds remembered it leaves the outbox
//! row to be retried, and the retry finds what the first try made instead of making a second.
//! The real binary runs against the stand-in and is aborted at exact steps by
//! `ROUNDS_CRASH_AT`, as a `kill -9` there would leave it.

mod support;

use std::time::Duration;

use chrono::Utc;
use rounds::core::io::{Action, Message, MirrorEntry, MirrorSeries, UserRef};
use rounds::core::store::{OutboxItem, QueueStore};
use rounds::core::when::Rule;
use support::deployment::Deployment;
use support::discord_standin::*;

const APP: u64 = 1_330_000_000_000_000_001;
const BOT: u64 = 1_330_000_000_000_000_002;
const GUILD: u64 = 1_330_000_000_000_000_100;
const GENERAL: u64 = 1_330_000_000_000_000_101;
const PAIRING: u64 = 1_330_000_000_000_000_102;
const TRAINEES: u64 = 1_330_000_000_000_000_150;
const ALICE: u64 = 1_330_000_000_000_000_201;
const BOB: u64 = 1_330_000_000_000_000_202;
const WAIT: Duration = Duration::from_secs(30);

fn world() -> World {
    World {
        application_id: APP,
        bot: FixtureUser::new(BOT, "Rounds"),
        guilds: vec![FixtureGuild {
            id: GUILD,
            name: "Medical Society".into(),
            channels: vec![(GENERAL, "general".into()), (PAIRING, "coffee".into())],
            roles: vec![(TRAINEES, "trainees".into())],
            members: vec![
                FixtureUser::new(ALICE, "alice"),
                FixtureUser::new(BOB, "bob"),
            ],
        }],
    }
}

/// A deployment whose society introduces members in #coffee, mirrors events into the
/// guild's Events tab and maps the `trainees` group to a role.
fn deployment() -> Deployment {
    let deployment = Deployment::new(GUILD);
    std::fs::write(
        &deployment.config,
        format!(
            "[[societies]]\nkey = \"{}\"\ngroups = [\"trainees\"]\n[societies.discord]\nguild = {GUILD}\n\
             pairing = {PAIRING}\nscheduled_events = true\n\
             group_roles = {{ trainees = {TRAINEES} }}\n",
            support::SOCIETY
        ),
    )
    .expect("write config");
    deployment
}

fn member(id: u64, name: &str) -> UserRef {
    UserRef {
        id: id.to_string(),
        name: name.to_string(),
    }
}

async fn queue(deployment: &Deployment, key: &str, action: Action) {
    let store = deployment.store().await;
    let item = OutboxItem {
        key: key.to_string(),
        platform: "discord".into(),
        society: support::SOCIETY.into(),
        member: None,
        action,
    };
    store.enqueue(&[item], Utc::now()).await.expect("enqueue");
    store.close().await;
}

/// The states of the deployment's outbox rows.
async fn outbox_states(deployment: &Deployment) -> Vec<String> {
    let pool = sqlx::SqlitePool::connect(&deployment.database)
        .await
        .expect("open the database");
    let states: Vec<(String,)> = sqlx::query_as("SELECT state FROM outbox")
        .fetch_all(&pool)
        .await
        .expect("read the outbox");
    pool.close().await;
    states.into_iter().map(|(state,)| state).collect()
}

/// Runs Rounds until it aborts at `crash_at`, then again until the outbox is empty.
async fn crash_then_retry(standin: &StandIn, deployment: &Deployment, crash_at: &str) {
    let mut first = deployment.start_with(standin, &[("ROUNDS_CRASH_AT", crash_at)]);
    first.crashed_at(crash_at, WAIT).await;
    deployment.expire_leases().await;

    let second = deployment.start(standin);
    let deadline = tokio::time::Instant::now() + WAIT;
    while outbox_states(deployment)
        .await
        .contains(&"pending".to_string())
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the retry did not finish; the log:\n{}",
            second.log().join("\n")
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = second.log().join("\n");
    drop(second);
    let states = outbox_states(deployment).await;
    assert!(
        states.iter().all(|state| state == "sent"),
        "the retry was delivered: {states:?}; the log:\n{log}"
    );
}

fn requests_to(standin: &StandIn, method: &str, route: &str) -> Vec<Recorded> {
    standin
        .requests()
        .into_iter()
        .filter(|r| r.method == method && r.route() == route)
        .collect()
}

/// The threads under #coffee that exist now.
fn pairing_threads(standin: &StandIn) -> Vec<u64> {
    let mut threads: Vec<u64> = standin
        .requests()
        .iter()
        .filter_map(|r| {
            r.route()
                .strip_prefix("/channels/")
                .and_then(|rest| rest.split_once("/thread-members/"))
                .and_then(|(thread, _)| thread.parse().ok())
        })
        .collect();
    threads.sort();
    threads.dedup();
    threads
}

#[tokio::test]
async fn an_introduction_cut_off_after_its_thread_was_made_reuses_that_thread() {
    let standin = StandIn::start(world()).await;
    let deployment = deployment();
    let intro = "Meet each other: alice & bob, this week's coffee pair.";
    queue(
        &deployment,
        "test:introduce:1",
        Action::Introduce {
            society: support::SOCIETY.into(),
            members: vec![member(ALICE, "alice"), member(BOB, "bob")],
            message: Message::text(intro),
            meeting: Some("coffee:1:1".into()),
        },
    )
    .await;

    crash_then_retry(&standin, &deployment, "discord:thread-created").await;

    let made = requests_to(&standin, "POST", &format!("/channels/{PAIRING}/threads"));
    assert_eq!(made.len(), 1, "one thread made, not one per try");
    let threads = pairing_threads(&standin);
    assert_eq!(threads.len(), 1, "members added to one thread: {threads:?}");
    let mut added = standin.thread_members(threads[0]);
    added.sort();
    assert_eq!(added, vec![BOT, ALICE, BOB], "both members, and the bot");
    let posted: Vec<String> = standin
        .channel_messages(threads[0])
        .iter()
        .filter_map(|m| m["content"].as_str().map(str::to_string))
        .collect();
    assert_eq!(posted, vec![intro.to_string()], "introduced once");
}

#[tokio::test]
async fn a_mirrored_event_cut_off_after_discord_made_it_is_one_scheduled_event() {
    let standin = StandIn::start(world()).await;
    let deployment = deployment();
    let starts_at = (Utc::now() + chrono::Duration::days(3))
        .with_timezone(&Utc)
        .date_naive()
        .and_hms_opt(18, 0, 0)
        .unwrap()
        .and_utc();
    queue(
        &deployment,
        "test:mirror:1",
        Action::MirrorEvent {
            society: support::SOCIETY.into(),
            topic: "event:1".into(),
            entry: Some(MirrorEntry {
                title: "Grand rounds".into(),
                starts_at,
                ends_at: starts_at + chrono::Duration::hours(2),
                place: Some("Theatre 2".into()),
                description: "Cases from the week.".into(),
                series: None,
            }),
        },
    )
    .await;

    crash_then_retry(&standin, &deployment, "discord:scheduled-created").await;

    let events = standin.scheduled_events();
    assert_eq!(
        events.len(),
        1,
        "one scheduled event, not one per try: {events:?}"
    );
    assert_eq!(events[0]["name"], "Grand rounds");
    assert_eq!(
        requests_to(
            &standin,
            "POST",
            &format!("/guilds/{GUILD}/scheduled-events")
        )
        .len(),
        1,
        "created once"
    );
}

#[tokio::test]
async fn a_mirrored_series_cut_off_after_discord_made_it_is_one_recurring_event() {
    let standin = StandIn::start(world()).await;
    let deployment = deployment();
    let starts_at = (Utc::now() + chrono::Duration::days(1))
        .date_naive()
        .and_hms_opt(18, 0, 0)
        .unwrap()
        .and_utc();
    let daily = Rule::Daily {
        at: chrono::NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
    };
    queue(
        &deployment,
        "test:mirror:series",
        Action::MirrorEvent {
            society: support::SOCIETY.into(),
            topic: "series:1".into(),
            entry: Some(MirrorEntry {
                title: "Morning report".into(),
                starts_at,
                ends_at: starts_at + chrono::Duration::hours(1),
                place: Some("Seminar room".into()),
                description: "Every evening.".into(),
                series: Some(MirrorSeries {
                    topic: "series:1".into(),
                    rule: daily.to_text(),
                    zone: "UTC".into(),
                    skipped: Vec::new(),
                }),
            }),
        },
    )
    .await;

    crash_then_retry(&standin, &deployment, "discord:scheduled-created").await;

    let events = standin.scheduled_events();
    assert_eq!(
        events.len(),
        1,
        "one recurring event, not one per try: {events:?}"
    );
    assert!(
        events[0]["recurrence_rule"].is_object(),
        "it recurs: {events:?}"
    );
}

#[tokio::test]
async fn a_role_grant_cut_off_after_discord_granted_it_is_granted_once() {
    let standin = StandIn::start(world()).await;
    let deployment = deployment();
    queue(
        &deployment,
        "test:join:1",
        Action::JoinGroup {
            society: support::SOCIETY.into(),
            user: member(ALICE, "alice"),
            group: "trainees".into(),
        },
    )
    .await;

    crash_then_retry(&standin, &deployment, "discord:role-granted").await;

    let route = format!("/guilds/{GUILD}/members/{ALICE}/roles/{TRAINEES}");
    let grants: Vec<Recorded> = requests_to(&standin, "PUT", &route);
    assert_eq!(grants.len(), 2, "granted, crashed, granted again on retry");
    assert_eq!(
        standin.member_roles(GUILD, ALICE),
        vec![TRAINEES],
        "the retry's PUT changed nothing: the member holds the role once"
    );
}
