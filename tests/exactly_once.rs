//! Exactly once through crashes: a command cut off by a crash at any step is either fully
//! handled or not seen at all, so a redelivery (a gateway replay, a restart's catch-up) answers
//! it once. The real binary runs against the Discord stand-in and is aborted at exact steps by
//! `ROUNDS_CRASH_AT`, as a `kill -9` there would leave it.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::deployment::{Deployment, OneChannel};
use support::discord_standin::*;

const IDS: OneChannel = OneChannel::at(1_320_000_000_000_000_000);
const GUILD: u64 = IDS.guild;
const GENERAL: u64 = IDS.general;
const ALICE: u64 = IDS.alice;
const WAIT: Duration = Duration::from_secs(30);

fn world() -> World {
    IDS.world()
}

fn alice() -> FixtureUser {
    FixtureUser::new(ALICE, "alice")
}

/// What the bot posted in #general.
fn bot_posts(standin: &StandIn) -> Vec<String> {
    standin
        .channel_messages(GENERAL)
        .iter()
        .filter(|m| m["author"]["id"].as_str() != Some(&ALICE.to_string()))
        .filter_map(|m| m["content"].as_str().map(str::to_string))
        .collect()
}

async fn wait_for_posts(standin: &StandIn, count: usize) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let posts = bot_posts(standin);
        if posts.len() >= count {
            return posts;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "expected {count} posts by the bot, saw {posts:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The MESSAGE_CREATE the stand-in sent for message `id`, to replay it as a RESUME would.
fn dispatch_of(standin: &StandIn, id: u64) -> Value {
    standin
        .dispatched()
        .into_iter()
        .rev()
        .find(|frame| {
            frame["t"] == "MESSAGE_CREATE" && frame["d"]["id"].as_str() == Some(&*id.to_string())
        })
        .map(|frame| frame["d"].clone())
        .expect("the stand-in dispatched the message")
}

/// Sends `text` as alice to a process that aborts at `crash_at`, restarts Rounds, replays the
/// message as Discord would after a crash, and returns what the bot then posted.
async fn crash_then_replay(
    standin: &StandIn,
    deployment: &Deployment,
    crash_at: &str,
    text: &str,
) -> Vec<String> {
    let mut first = deployment.start_with(standin, &[("ROUNDS_CRASH_AT", crash_at)]);
    standin.wait_ready().await;
    let id = standin.message_create(GUILD, GENERAL, &alice(), text).await;
    let replay = dispatch_of(standin, id);
    first.crashed_at(crash_at, WAIT).await;
    assert!(
        bot_posts(standin).is_empty(),
        "nothing was answered before the crash"
    );

    let second = deployment.start(standin);
    standin.wait_ready().await;
    standin.dispatch("MESSAGE_CREATE", replay).await;
    wait_for_posts(standin, 1).await;
    // A second answer would follow at once; give it the time it would take.
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(second);
    bot_posts(standin)
}

async fn alices_reminders(deployment: &Deployment) -> usize {
    use rounds::core::store::ReminderStore;
    let store = deployment.store().await;
    let reminders = store
        .active_reminders(support::SOCIETY, &ALICE.to_string())
        .await
        .expect("read reminders");
    store.close().await;
    reminders.len()
}

const REMIND: &str = "!remind me in 2 hours to check the bloods";

#[tokio::test]
async fn a_command_cut_off_after_it_was_marked_seen_is_answered_when_replayed() {
    let standin = StandIn::start(world()).await;
    let deployment = Deployment::new(GUILD);
    let posts = crash_then_replay(&standin, &deployment, "inbound:seen", REMIND).await;
    assert_eq!(posts.len(), 1, "one answer: {posts:?}");
    assert!(posts[0].contains("remind you"), "{posts:?}");
    assert_eq!(alices_reminders(&deployment).await, 1);
}

#[tokio::test]
async fn a_command_cut_off_before_its_answer_committed_leaves_nothing_and_is_done_once_on_replay() {
    let standin = StandIn::start(world()).await;
    let deployment = Deployment::new(GUILD);
    let posts = crash_then_replay(&standin, &deployment, "inbound:queued", REMIND).await;
    assert_eq!(posts.len(), 1, "one answer: {posts:?}");
    // The reminder made before the crash was rolled back with the answer: the replay made the
    // only one, and the member was told of it.
    assert_eq!(alices_reminders(&deployment).await, 1);
}

/// A job that fired but whose firing was never recorded fires again: its committee-log entry
/// must be written with the firing, in the job's transaction, not before it.
#[tokio::test]
async fn a_job_cut_off_before_it_was_recorded_logs_to_the_committee_once() {
    use rounds::core::io::UserRef;
    use rounds::core::store::{Delivery, MemberStore, NewReminder, ReminderStore};
    let standin = StandIn::start(world()).await;
    let deployment = Deployment::new(GUILD);
    let now = chrono::Utc::now();
    let store = deployment.store().await;
    // Due ten days ago: past the week's catch-up window, so firing it reports it to the committee.
    store
        .create_reminder(&NewReminder {
            platform: "discord".into(),
            society: support::SOCIETY.into(),
            owner: UserRef {
                id: ALICE.to_string(),
                name: "alice".into(),
            },
            delivery: Delivery::Me,
            room: GENERAL.to_string(),
            text: "renew the ALS certificate".into(),
            created_at: now - chrono::Duration::days(11),
            due_at: now - chrono::Duration::days(10),
            zone: chrono_tz::UTC,
            rule: None,
        })
        .await
        .expect("a reminder");
    store.close().await;

    let mut first = deployment.start_with(&standin, &[("ROUNDS_CRASH_AT", "scheduler:fired")]);
    first.crashed_at("scheduler:fired", WAIT).await;
    // The dead process's lease runs out (a minute, in real time).
    let store = deployment.store().await;
    deployment.expire_leases().await;

    let second = deployment.start(&standin);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let log = store
            .admin_log_entries(support::SOCIETY, 50)
            .await
            .expect("committee log");
        let done = !second.lines_with("fired").is_empty() && !log.is_empty();
        if done || tokio::time::Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let second_log = second.log();
    drop(second);
    let missed: Vec<String> = store
        .admin_log_entries(support::SOCIETY, 50)
        .await
        .expect("committee log")
        .into_iter()
        .map(|(_, text)| text)
        .filter(|text| text.contains("Missed reminder"))
        .collect();
    assert_eq!(
        missed.len(),
        1,
        "one committee-log entry: {missed:?}; the log after the restart:\n{}",
        second_log.join("\n")
    );
}
