//! `rounds run` stops in order on SIGTERM and SIGINT, as `docker stop` and `systemctl stop` ask:
//! the send in flight finishes, the leases go back to the queue, one line says what is left,
//! and the process exits 0 within five seconds. The next start sends the rest at once, and
//! every message reaches Discord exactly once. The binary runs against the Discord stand-in.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use rounds::core::io::{Action, Message};
use rounds::core::store::{JobKind, NewJob, OutboxItem, Store};
use support::deployment::{Deployment, OneChannel, Running};
use support::discord_standin::*;

const IDS: OneChannel = OneChannel::at(1_310_000_000_000_000_000);
const GUILD: u64 = IDS.guild;
const GENERAL: u64 = IDS.general;
/// The bound the task sets for a stop: from the signal to the exit.
const STOP_BOUND: Duration = Duration::from_secs(5);
/// Generous waits for things that take no time at all on a quiet machine.
const WAIT: Duration = Duration::from_secs(30);

fn world() -> World {
    IDS.world()
}

/// The texts of the messages in #general, as members see them.
fn shown(standin: &StandIn) -> Vec<String> {
    standin
        .channel_messages(GENERAL)
        .iter()
        .filter_map(|m| m["content"].as_str().map(str::to_string))
        .collect()
}

/// How many times each text was posted to #general (a repeat with the same nonce included).
fn posts_of(standin: &StandIn, text: &str) -> usize {
    let path = format!("/channels/{GENERAL}/messages");
    standin
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.route() == path)
        .filter(|r| {
            r.body
                .as_ref()
                .is_some_and(|b| b["content"].as_str() == Some(text))
        })
        .count()
}

async fn wait_for_shown(standin: &StandIn, at_least: usize) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while shown(standin).len() < at_least {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} of {at_least} messages reached the stand-in",
            shown(standin).len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every text shown exactly once, nothing else shown, and none posted twice.
fn assert_each_once(standin: &StandIn, texts: &[String]) {
    let shown = shown(standin);
    for text in texts {
        let times = shown.iter().filter(|s| *s == text).count();
        assert_eq!(times, 1, "{text:?} was shown {times} times");
        assert_eq!(posts_of(standin, text), 1, "{text:?} was posted again");
    }
    assert_eq!(shown.len(), texts.len(), "unexpected messages: {shown:?}");
}

/// Starts `rounds run` busy with `count` queued posts, each answered slowly, and signals it
/// with `signal` once a few have arrived. Returns the texts and the stopped process.
async fn stop_mid_delivery(
    deployment: &Deployment,
    standin: &StandIn,
    count: usize,
    signal: &str,
) -> (Vec<String>, Running) {
    let texts = deployment.queue_notices(GENERAL, count).await;
    standin.delay_responses(
        "POST",
        &format!("/channels/{GENERAL}/messages"),
        Duration::from_millis(150),
    );
    let mut first = deployment.start(standin);
    standin.wait_ready().await;
    wait_for_shown(standin, 3).await;
    first.signal(signal);
    let status = first.exit_within(STOP_BOUND).await;
    assert!(
        status.success(),
        "a stop on {signal} exits 0, not {status}; the log:\n{}",
        first.log().join("\n")
    );
    (texts, first)
}

#[tokio::test]
async fn sigterm_mid_delivery_finishes_the_send_in_flight_and_the_next_start_sends_the_rest() {
    let standin = StandIn::start(world()).await;
    let deployment = Deployment::new(GUILD);
    let (texts, first) = stop_mid_delivery(&deployment, &standin, 40, "TERM").await;

    assert_eq!(first.lines_with("stopping on SIGTERM").len(), 1);
    let (pending, jobs) = first.left_pending();
    let delivered = shown(&standin).len();
    assert!(pending > 0, "the stop came mid-delivery, so some were left");
    assert_eq!(jobs, 0);
    // The send in flight finished and was recorded: what Discord shows and what is left
    // pending add up, so nothing is sent twice or lost.
    assert_eq!(delivered as u64 + pending, texts.len() as u64);
    for text in shown(&standin) {
        assert_eq!(posts_of(&standin, &text), 1, "{text:?} was posted twice");
    }

    // The first process's leases were given back: the next start sends the rest at once, not
    // after the 60 s lease (WAIT is shorter than that).
    let mut second = deployment.start(&standin);
    wait_for_shown(&standin, texts.len()).await;
    second.signal("TERM");
    assert!(second.exit_within(STOP_BOUND).await.success());
    assert_eq!(second.left_pending(), (0, 0));
    assert_each_once(&standin, &texts);
}

#[tokio::test]
async fn sigint_stops_the_same_way() {
    let standin = StandIn::start(world()).await;
    let deployment = Deployment::new(GUILD);
    let (texts, first) = stop_mid_delivery(&deployment, &standin, 15, "INT").await;
    assert_eq!(first.lines_with("stopping on SIGINT").len(), 1);
    let (pending, _) = first.left_pending();
    assert_eq!(shown(&standin).len() as u64 + pending, texts.len() as u64);

    let mut second = deployment.start(&standin);
    wait_for_shown(&standin, texts.len()).await;
    second.signal("INT");
    assert!(second.exit_within(STOP_BOUND).await.success());
    assert_each_once(&standin, &texts);
}

#[tokio::test]
async fn a_send_that_outlasts_the_deadline_is_abandoned_and_sent_once_on_the_next_start() {
    let standin = StandIn::start(world()).await;
    let deployment = Deployment::new(GUILD);
    let texts = deployment.queue_notices(GENERAL, 3).await;
    // Discord takes the message at once but answers far too late for the stop.
    standin.delay_responses(
        "POST",
        &format!("/channels/{GENERAL}/messages"),
        Duration::from_secs(30),
    );
    let mut first = deployment.start(&standin);
    standin.wait_ready().await;
    wait_for_shown(&standin, 1).await;
    first.signal("TERM");
    let status = first.exit_within(STOP_BOUND).await;
    assert!(status.success(), "the deadline still exits 0, not {status}");
    assert_eq!(first.lines_with("abandoning").len(), 1, "{:?}", first.log());
    // Nothing was marked sent, so all three wait for the next start.
    assert_eq!(first.left_pending(), (3, 0));

    // The abandoned send may have reached Discord; sent again under the same nonce, it is
    // still shown once.
    standin.delay_responses(
        "POST",
        &format!("/channels/{GENERAL}/messages"),
        Duration::ZERO,
    );
    let mut second = deployment.start(&standin);
    wait_for_shown(&standin, texts.len()).await;
    second.signal("TERM");
    assert!(second.exit_within(STOP_BOUND).await.success());
    let shown = shown(&standin);
    for text in &texts {
        assert_eq!(shown.iter().filter(|s| *s == text).count(), 1, "{text:?}");
    }
    assert_eq!(shown.len(), texts.len());
}

#[tokio::test]
async fn a_second_signal_during_the_stop_exits_at_once_with_failure() {
    let standin = StandIn::start(world()).await;
    let deployment = Deployment::new(GUILD);
    deployment.queue_notices(GENERAL, 3).await;
    standin.delay_responses(
        "POST",
        &format!("/channels/{GENERAL}/messages"),
        Duration::from_secs(30),
    );
    let mut running = deployment.start(&standin);
    standin.wait_ready().await;
    wait_for_shown(&standin, 1).await;
    running.signal("TERM");
    running.wait_for_log("stopping on SIGTERM").await;
    running.signal("INT");
    // Well before the stop's own deadline would end it.
    let status = running.exit_within(Duration::from_secs(2)).await;
    assert_eq!(status.code(), Some(130), "{:?}", running.log());
    assert_eq!(running.lines_with("SIGINT during the stop").len(), 1);
}

#[tokio::test]
async fn under_tini_sigterm_reaches_rounds_and_the_stop_is_the_same() {
    let tini = ["/usr/bin/tini", "/sbin/tini", "/usr/local/bin/tini"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.exists());
    let Some(tini) = tini else {
        eprintln!(
            "SKIPPED: tini is not installed (apt-get install -y tini); the Docker image runs Rounds under it"
        );
        return;
    };
    let standin = StandIn::start(world()).await;
    let deployment = Deployment::new(GUILD);
    let texts = deployment.queue_notices(GENERAL, 15).await;
    standin.delay_responses(
        "POST",
        &format!("/channels/{GENERAL}/messages"),
        Duration::from_millis(150),
    );
    let binary = env!("CARGO_BIN_EXE_rounds");
    let mut under_tini = Running::spawn(deployment.command(tini, &["--", binary, "run"], &standin));
    standin.wait_ready().await;
    wait_for_shown(&standin, 3).await;
    // The signal goes to tini, PID 1 in the container, which passes it on.
    under_tini.signal("TERM");
    let status = under_tini.exit_within(STOP_BOUND).await;
    assert!(status.success(), "tini exits with Rounds' 0, not {status}");
    assert_eq!(under_tini.lines_with("stopping on SIGTERM").len(), 1);
    let (pending, _) = under_tini.left_pending();
    assert_eq!(shown(&standin).len() as u64 + pending, texts.len() as u64);
}

/// The store part of the stop, on both backends: what one owner releases another claims at once.
async fn released_leases_are_claimable_at_once(store: Arc<dyn Store>) {
    let now = Utc::now();
    let lease = now + chrono::Duration::seconds(60);
    let items: Vec<OutboxItem> = (0..3)
        .map(|n| OutboxItem {
            key: format!("release:{n}"),
            platform: "discord".into(),
            society: support::SOCIETY.into(),
            member: None,
            // Three rooms: sends to one room are claimed one at a time, in order.
            action: Action::Post {
                room: format!("{GENERAL}{n}"),
                message: Message {
                    text: format!("release {n}"),
                    ..Message::default()
                },
            },
        })
        .collect();
    store.enqueue(&items, now).await.unwrap();
    for subject in [1, 2] {
        let job = NewJob {
            kind: JobKind::Reminder,
            subject,
            platform: "discord".into(),
            society: support::SOCIETY.into(),
            due_at: now - chrono::Duration::seconds(1),
            zone: chrono_tz::UTC,
            rule: None,
        };
        assert!(store.add_job(&job).await.unwrap());
    }

    // The stopping process holds two sends and both jobs; a third send is leased by a live
    // neighbour whose lease must stay its own.
    let stopping = store
        .claim_outbox("discord", now, "stopping", lease, 2)
        .await
        .unwrap();
    assert_eq!(stopping.len(), 2);
    let neighbour = store
        .claim_outbox("discord", now, "neighbour", lease, 10)
        .await
        .unwrap();
    assert_eq!(neighbour.len(), 1);
    let jobs = store
        .claim_due_jobs(now, "stopping", lease, 10)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 2);
    // One of the two sends went out before the stop; its row is no longer leased.
    assert!(
        store
            .mark_sent(stopping[0].id, "stopping", now)
            .await
            .unwrap()
    );

    let before = store.waiting(now).await.unwrap();
    assert_eq!((before.sends, before.jobs), (2, 2));
    assert!(
        store
            .claim_outbox("discord", now, "next", lease, 10)
            .await
            .unwrap()
            .is_empty(),
        "leased rows are not claimable before the release"
    );

    let released = store.release_leases("stopping").await.unwrap();
    assert_eq!((released.sends, released.jobs), (1, 2));

    // Claimable at the same instant by another owner: the lease no longer stands in the way.
    let next = store
        .claim_outbox("discord", now, "next", lease, 10)
        .await
        .unwrap();
    assert_eq!(
        next.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![stopping[1].id]
    );
    let next_jobs = store.claim_due_jobs(now, "next", lease, 10).await.unwrap();
    assert_eq!(
        next_jobs.iter().map(|j| j.id).collect::<Vec<_>>(),
        jobs.iter().map(|j| j.id).collect::<Vec<_>>()
    );
    // A second release by the stopped owner has nothing left to give back.
    let again = store.release_leases("stopping").await.unwrap();
    assert_eq!((again.sends, again.jobs), (0, 0));
    // Nothing was sent or fired by the release itself.
    let after = store.waiting(now).await.unwrap();
    assert_eq!((after.sends, after.jobs), (2, 2));
}

#[tokio::test]
async fn released_leases_are_claimable_at_once_on_sqlite() {
    released_leases_are_claimable_at_once(support::sqlite_memory().await).await;
}

#[tokio::test]
async fn released_leases_are_claimable_at_once_on_postgres() {
    support::on_postgres(released_leases_are_claimable_at_once).await;
}
