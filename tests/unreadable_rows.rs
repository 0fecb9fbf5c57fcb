//! A stored value the core cannot read (a zone, rule, mode or answer changed by hand, or
//! written by a bug) makes reading its row an error that names the table, the row, the column
//! and the value, on SQLite and on PostgreSQL; it never quietly becomes a default.

mod support;

use std::fmt::Debug;
use std::sync::Arc;

use chrono::Duration;
use rounds::core::store::Store;
use support::*;

const SYDNEY: chrono_tz::Tz = chrono_tz::Australia::Sydney;

/// The read failed, and its error says every one of `named`.
fn unreadable<T: Debug, E: std::fmt::Display + Debug>(read: Result<T, E>, named: &[&str]) {
    let error = read
        .expect_err("an unreadable stored value is an error")
        .to_string();
    for part in named {
        assert!(error.contains(part), "{error:?} does not name {part:?}");
    }
}

async fn story(store: Arc<dyn Store>, raw: &RawSql) {
    let h = Harness::new(store.clone(), settings(SYDNEY));
    let now = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let [ana, ben] = ["ana", "ben"].map(Member::new);
    h.say(
        chair.says("!event create Journal club | Thursday 07:30"),
        now,
    )
    .await;
    h.say(
        chair.says("!event create Grand rounds | every Friday 12:30"),
        now,
    )
    .await;
    h.say(ana.says("!rsvp E1 going"), now).await;
    h.say(ana.says("!profile timezone Europe/London"), now)
        .await;
    h.say(ana.says("!profile shoutouts auto"), now).await;
    h.say(
        ana.says("!remind me in 2 hours to email my supervisor"),
        now,
    )
    .await;
    h.say(ben.says("!remind me in 2 hours to call the ward"), now)
        .await;
    h.say(ana.says("!milestone exam Passed the written"), now)
        .await;
    h.say(chair.says("!coffee setup every Monday 09:00"), now)
        .await;
    h.say(ana.says("!coffee join"), now).await;
    h.say(ben.says("!coffee join"), now).await;
    h.say(chair.says("!coffee run"), now).await;
    h.say(ana.chooses("coffee:1:met"), now).await;
    h.say(ben.says("!mentor offer"), now).await;

    // Everything reads while the stored values are the ones Rounds wrote.
    let ana_id = "@ana:test";
    assert!(store.event(1).await.unwrap().is_some());
    assert!(store.series(1).await.unwrap().is_some());
    assert_eq!(store.rsvps(1).await.unwrap().len(), 1);
    assert!(store.profile(SOCIETY, ana_id).await.unwrap().is_some());
    assert!(store.reminder(1).await.unwrap().is_some());
    assert!(store.shoutout(1).await.unwrap().is_some());
    assert!(store.programme(1).await.unwrap().is_some());
    assert!(store.coffee_group(1).await.unwrap().is_some());
    assert!(
        store
            .mentor_role(SOCIETY, "@ben:test")
            .await
            .unwrap()
            .is_some()
    );

    raw.run("UPDATE events SET zone = 'Mars/Base' WHERE id = 1")
        .await;
    unreadable(
        store.event(1).await,
        &["events", " 1 ", "zone", "`Mars/Base`"],
    );
    unreadable(
        store.upcoming_events(SOCIETY, now).await,
        &["events", " 1 ", "zone", "`Mars/Base`"],
    );
    raw.run("UPDATE events SET zone = 'Australia/Sydney' WHERE id = 1")
        .await;

    raw.run("UPDATE event_series SET zone = 'Mars/Base' WHERE id = 1")
        .await;
    unreadable(
        store.series(1).await,
        &["event_series", " 1 ", "zone", "`Mars/Base`"],
    );
    raw.run(
        "UPDATE event_series SET zone = 'Australia/Sydney', rule = 'every full moon' WHERE id = 1",
    )
    .await;
    unreadable(
        store.series(1).await,
        &["event_series", " 1 ", "rule", "`every full moon`"],
    );

    raw.run("UPDATE rsvps SET answer = 'perhaps' WHERE event = 1")
        .await;
    unreadable(
        store.rsvps(1).await,
        &["rsvps", ana_id, "answer", "`perhaps`"],
    );
    raw.run("UPDATE rsvps SET answer = 'going' WHERE event = 1")
        .await;

    raw.run("UPDATE profiles SET timezone = 'Mars/Base' WHERE user_id = '@ana:test'")
        .await;
    unreadable(
        store.profile(SOCIETY, ana_id).await,
        &["profiles", ana_id, "timezone", "`Mars/Base`"],
    );
    unreadable(
        store.profiles(SOCIETY).await,
        &["profiles", ana_id, "timezone", "`Mars/Base`"],
    );
    raw.run("UPDATE profiles SET timezone = 'Europe/London', shoutouts = 'sometimes' WHERE user_id = '@ana:test'")
        .await;
    unreadable(
        store.profile(SOCIETY, ana_id).await,
        &["profiles", ana_id, "shoutouts", "`sometimes`"],
    );
    raw.run("UPDATE profiles SET shoutouts = 'auto' WHERE user_id = '@ana:test'")
        .await;

    raw.run("UPDATE reminders SET delivery = 'pigeon' WHERE id = 1")
        .await;
    unreadable(
        store.reminder(1).await,
        &["reminders", " 1 ", "delivery", "`pigeon`"],
    );
    raw.run("UPDATE reminders SET delivery = 'me' WHERE id = 1")
        .await;
    raw.run("UPDATE jobs SET rule = 'whenever' WHERE kind = 'reminder' AND subject = 1")
        .await;
    unreadable(store.reminder(1).await, &["jobs", "rule", "`whenever`"]);
    unreadable(
        store.active_reminders(SOCIETY, ana_id).await,
        &["jobs", "rule", "`whenever`"],
    );
    raw.run(
        "UPDATE jobs SET rule = NULL, zone = 'Mars/Base' WHERE kind = 'reminder' AND subject = 1",
    )
    .await;
    unreadable(store.reminder(1).await, &["jobs", "zone", "`Mars/Base`"]);
    // The scheduler leaves the unreadable job alone and still fires the others.
    let fired = h.tick(now + Duration::hours(2)).await;
    assert!(
        fired.iter().any(|t| t.contains("call the ward")),
        "{fired:?}"
    );
    assert!(
        !fired.iter().any(|t| t.contains("email my supervisor")),
        "{fired:?}"
    );

    raw.run("UPDATE shoutouts SET status = 'lost' WHERE id = 1")
        .await;
    unreadable(
        store.shoutout(1).await,
        &["shoutouts", " 1 ", "status", "`lost`"],
    );
    raw.run("UPDATE shoutouts SET status = 'posted', kind = 'haiku' WHERE id = 1")
        .await;
    unreadable(
        store.shoutout(1).await,
        &["shoutouts", " 1 ", "kind", "`haiku`"],
    );

    raw.run("UPDATE coffee_programmes SET mode = 'speed-dating' WHERE id = 1")
        .await;
    unreadable(
        store.programme(1).await,
        &["coffee_programmes", " 1 ", "mode", "`speed-dating`"],
    );
    unreadable(
        store.programmes(SOCIETY).await,
        &["coffee_programmes", " 1 ", "mode", "`speed-dating`"],
    );
    raw.run("UPDATE coffee_programmes SET mode = 'random' WHERE id = 1")
        .await;
    raw.run("UPDATE jobs SET zone = 'Mars/Base' WHERE kind = 'coffee_round'")
        .await;
    unreadable(store.programme(1).await, &["jobs", "zone", "`Mars/Base`"]);
    raw.run("UPDATE jobs SET zone = 'Australia/Sydney', rule = 'fortnightly-ish' WHERE kind = 'coffee_round'")
        .await;
    unreadable(
        store.programme(1).await,
        &["jobs", "rule", "`fortnightly-ish`"],
    );

    raw.run(
        "UPDATE coffee_group_members SET answer = 'maybe' WHERE grp = 1 AND user_id = '@ana:test'",
    )
    .await;
    unreadable(
        store.coffee_group(1).await,
        &["coffee_group_members", ana_id, "answer", "`maybe`"],
    );

    raw.run("UPDATE mentor_roles SET role = 'guru' WHERE user_id = '@ben:test'")
        .await;
    unreadable(
        store.mentor_role(SOCIETY, "@ben:test").await,
        &["mentor_roles", "@ben:test", "role", "`guru`"],
    );
}

#[tokio::test]
async fn unreadable_values_name_their_row_on_sqlite() {
    let (_dir, store, raw) = sqlite_file_with_raw().await;
    story(store, &raw).await;
}

#[tokio::test]
async fn unreadable_values_name_their_row_on_postgres() {
    let (db, store, raw) = postgres_with_raw().await;
    story(store.clone(), &raw).await;
    store.close().await;
    db.drop().await;
}
