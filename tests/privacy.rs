//! A member sees what is stored about them and can erase all of it.

mod support;

use std::sync::Arc;

use chrono::Duration;
use rounds::core::store::{Store, member_memory_key};

use support::*;

const SYDNEY: chrono_tz::Tz = chrono_tz::Australia::Sydney;

#[tokio::test]
async fn profile_shows_and_changes_the_members_data() {
    let h = Harness::sqlite(SYDNEY).await;
    let now = at("2026-11-22T14:00:00+11:00");
    let ana = Member::new("ana");
    let shown = h.say(ana.says("!profile"), now).await.remove(0);
    assert!(
        shown.contains("timezone: not set (the society's: Australia/Sydney)"),
        "{shown}"
    );
    for (command, answer) in [
        (
            "!profile timezone europe/london",
            "Your timezone is now Europe/London",
        ),
        ("!profile stage Registrar", "Your stage is now registrar."),
        (
            "!profile specialty emergency medicine",
            "Your specialty is now emergency medicine.",
        ),
        (
            "!profile hospital Westmead",
            "Your hospital is now Westmead.",
        ),
        ("!profile img yes", "international medical graduate"),
    ] {
        let reply = h.say(ana.says(command), now).await.remove(0);
        assert!(
            reply.starts_with(answer) || reply.contains(answer),
            "{command}: {reply}"
        );
    }
    let shown = h.say(ana.says("!profile"), now).await.remove(0);
    for expected in [
        "name: ana",
        "timezone: Europe/London",
        "stage: registrar",
        "specialty: emergency medicine",
        "hospital: Westmead",
        "international medical graduate: yes",
    ] {
        assert!(shown.contains(expected), "{expected} in {shown}");
    }
    // The member's zone is now used for their times.
    let reply = h
        .say(ana.says("!remind me tomorrow 8am to ring the ward"), now)
        .await
        .remove(0);
    assert!(reply.contains("Mon 23 Nov 08:00 GMT"), "{reply}");
}

#[tokio::test]
async fn forget_me_erases_everything_after_confirmation_and_nothing_else() {
    let h = Harness::sqlite(SYDNEY).await;
    let now = at("2026-11-22T14:00:00+11:00");
    let ana = Member::new("ana");
    let ben = Member::new("ben");
    h.say(ana.says("!profile stage intern"), now).await;
    h.say(ana.says("!remind me in 1 hour to eat"), now).await;
    h.say(
        ana.says("!remind here every Monday 08:00 to review the rota"),
        now,
    )
    .await;
    h.say(ana.says("!remind me tomorrow 8am to missed thing"), now)
        .await;
    h.say(ben.says("!profile stage consultant"), now).await;
    h.say(ben.says("!remind me in 2 hours to teach"), now).await;
    // Shout-outs by and about ana, and her place in the welcome questions.
    h.say(ana.joins(), now).await;
    h.say(ana.says("!milestone award Intern of the year"), now)
        .await;
    h.say(
        ben.says("!shoutout @ana:test talk Spoke at grand rounds"),
        now,
    )
    .await;
    h.say(
        ana.says("!shoutout @ben:test grant Won a research grant"),
        now,
    )
    .await;
    h.say(ben.says("!milestone talk Presented the audit"), now)
        .await;
    assert_eq!(h.store.counts().await.unwrap().community, 6);
    // A missed reminder leaves an admin-log entry about ana.
    h.tick(now + Duration::days(9)).await;
    assert!(h.store.counts().await.unwrap().admin_log >= 1);

    // Without asking first, a confirmation (or someone else's choice) erases nothing.
    let later = now + Duration::days(9);
    assert!(h.say(ana.says("!forget me confirm"), later).await[0].contains("nothing to confirm"));
    h.adapter.clear();
    h.runtime
        .receive(&ana.says("!forget me"), later)
        .await
        .unwrap();
    h.runtime.deliver(h.adapter.as_ref(), later).await.unwrap();
    let question = h.adapter.shown().remove(0).1;
    let choices = match &question {
        rounds::core::io::Action::Reply {
            message, private, ..
        } => {
            assert!(private);
            message.choices.clone()
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(choices.len(), 2);
    assert!(h.say(ben.chooses(&choices[0].id), later).await[0].contains("nothing to confirm"));
    // Confirmations expire.
    assert!(
        h.say(ana.chooses(&choices[0].id), later + Duration::minutes(6))
            .await[0]
            .contains("nothing to confirm")
    );

    h.say(ana.says("!forget me"), later).await;
    let done = h.say(ana.chooses(&choices[0].id), later).await.remove(0);
    assert!(
        done.starts_with("Done. I erased your profile, 3 reminders"),
        "{done}"
    );

    assert_eq!(h.store.profile(SOCIETY, &ana.user.id).await.unwrap(), None);
    assert!(
        h.store
            .active_reminders(SOCIETY, &ana.user.id)
            .await
            .unwrap()
            .is_empty()
    );
    let counts = h.store.counts().await.unwrap();
    assert_eq!(
        counts.admin_log, 1,
        "the log entries about ana are gone; ben's stays"
    );
    assert_eq!(counts.confirmations, 0);
    // Ben's data is untouched, and nothing left in the outbox names ana.
    assert!(
        h.store
            .profile(SOCIETY, &ben.user.id)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(counts.profiles, 1);
    assert_eq!(counts.reminders, 1);
    // Left: ben's own milestone and the digest it is listed in.
    assert_eq!(counts.community, 2);
}

/// What erasure must reach beyond the member's own rows: colleagues' follow-ups that name
/// them, what an adapter remembers about them, and their partners' coffee history.
async fn erasure_reaches_what_others_hold(store: Arc<dyn Store>) {
    let h = Harness::new(store, settings(SYDNEY));
    let now = at("2026-11-22T14:00:00+11:00");
    let monday = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let ana = Member::new("anastasia");
    let ben = Member::new("ben");
    h.say(ana.says("!profile stage intern"), now).await;
    h.say(chair.says("!coffee setup every Monday 09:00"), now)
        .await;
    h.say(ana.says("!coffee join"), now).await;
    h.say(ben.says("!coffee join"), now).await;
    h.tick(monday).await;
    let programme = &h.store.programmes(SOCIETY).await.unwrap()[0];
    let group = h.store.coffee_groups(programme.id).await.unwrap().remove(0);
    assert_eq!(group.members.len(), 2);

    let said = h
        .say(
            ben.says("!followup @anastasia:test in 3 days ask about the audit"),
            monday,
        )
        .await;
    // Set in a shared room: the name and note reach ben privately, not the room.
    assert!(!said[0].contains("anastasia"), "{said:?}");
    assert!(said[1].contains("follow up with anastasia"), "{said:?}");
    let said = h
        .say(
            ben.chooses(&format!("followup:coffee:{}", group.id)),
            monday,
        )
        .await;
    assert!(said[0].contains("follow up with anastasia"), "{said:?}");
    // What a platform remembers about each member (on Discord: the DM channel, the society).
    for (member, value) in [(&ana, "111"), (&ben, "222")] {
        for kind in ["dm", "society"] {
            h.store
                .remember(
                    "discord",
                    &member_memory_key(kind, &member.user.id),
                    value,
                    monday,
                )
                .await
                .unwrap();
        }
    }
    h.store
        .remember("discord", "announce:event:1", "999", monday)
        .await
        .unwrap();

    h.say(ana.says("!forget me"), monday).await;
    let done = h.say(ana.says("!forget me confirm"), monday).await;
    assert!(done[0].starts_with("Done."), "{done:?}");

    // Ben keeps his follow-ups, at the times he chose, without her name.
    let mut texts: Vec<String> = h
        .store
        .active_reminders(SOCIETY, &ben.user.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.text)
        .collect();
    texts.sort();
    assert_eq!(
        texts,
        vec![
            "follow up with a former member: ask about the audit".to_string(),
            "follow up with your coffee group from round 1".to_string(),
        ]
    );
    let fired = h.tick(monday + Duration::days(3)).await;
    assert!(
        fired
            .iter()
            .any(|t| t.contains("follow up with a former member: ask about the audit")),
        "{fired:?}"
    );
    assert!(fired.iter().all(|t| !t.contains("anastasia")), "{fired:?}");

    // Her platform memory is gone; ben's and the rest stay.
    for kind in ["dm", "society"] {
        let key = member_memory_key(kind, &ana.user.id);
        assert_eq!(
            h.store.recall("discord", &key).await.unwrap(),
            None,
            "{key}"
        );
        let key = member_memory_key(kind, &ben.user.id);
        assert_eq!(
            h.store.recall("discord", &key).await.unwrap().as_deref(),
            Some("222"),
            "{key}"
        );
    }
    assert!(
        h.store
            .recall("discord", "announce:event:1")
            .await
            .unwrap()
            .is_some()
    );

    // Ben's coffee history names her as a former member, not a blank.
    let history = h
        .say(ben.says("!coffee history"), monday + Duration::days(3))
        .await;
    assert!(
        history[0].contains("round 1 · with a former member ·"),
        "{history:?}"
    );
    assert!(!history[0].contains("anastasia"), "{history:?}");
}

#[tokio::test]
async fn erasure_reaches_what_others_hold_on_sqlite() {
    erasure_reaches_what_others_hold(sqlite_memory().await).await;
}

#[tokio::test]
async fn erasure_reaches_what_others_hold_on_postgres() {
    on_postgres(erasure_reaches_what_others_hold).await;
}

/// Discord kept a member's DM channel and last society as `dm:<id>` and `society:<id>` before
/// migration 0010, which renames them to the `member:` keys erasure finds: members who used
/// Rounds before the upgrade are erased as fully as new ones.
async fn memory_from_before_the_upgrade(
    store: Arc<dyn Store>,
    raw: &RawSql,
    migration: &'static str,
) {
    raw.run(
        "INSERT INTO platform_memory (platform, key, value, created_at) VALUES \
         ('discord', 'dm:123', '456', 0), ('discord', 'society:123', 'ams', 0), \
         ('matrix', 'dm:123', 'kept', 0)",
    )
    .await;
    let rename = &migration[migration
        .find("UPDATE platform_memory")
        .expect("0010 renames Discord's memory keys")..];
    raw.run(rename).await;
    let recall = |key: String| {
        let store = store.clone();
        async move { store.recall("discord", &key).await.unwrap() }
    };
    assert_eq!(
        recall(member_memory_key("dm", "123")).await.as_deref(),
        Some("456")
    );
    assert_eq!(
        recall(member_memory_key("society", "123")).await.as_deref(),
        Some("ams")
    );
    store.erase_member(SOCIETY, "123").await.unwrap();
    assert_eq!(recall(member_memory_key("dm", "123")).await, None);
    assert_eq!(recall(member_memory_key("society", "123")).await, None);
    // Another platform's keys are not Discord's to rename.
    assert_eq!(
        store.recall("matrix", "dm:123").await.unwrap().as_deref(),
        Some("kept")
    );
}

#[tokio::test]
async fn memory_from_before_the_upgrade_is_erased_on_sqlite() {
    let (_dir, store, raw) = sqlite_file_with_raw().await;
    memory_from_before_the_upgrade(
        store,
        &raw,
        include_str!("../migrations/sqlite/0010_erasure_reaches_others.sql"),
    )
    .await;
}

#[tokio::test]
async fn memory_from_before_the_upgrade_is_erased_on_postgres() {
    let (db, store, raw) = postgres_with_raw().await;
    memory_from_before_the_upgrade(
        store.clone(),
        &raw,
        include_str!("../migrations/postgres/0010_erasure_reaches_others.sql"),
    )
    .await;
    store.close().await;
    db.drop().await;
}
