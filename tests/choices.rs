//! Choices through the core and the store, on SQLite and PostgreSQL: every offer is answered
//! once per member (a second tap or reaction changes nothing and says so), whichever feature
//! made it, while an RSVP stays changeable.

mod support;

use std::sync::Arc;

use chrono::Duration;
use rounds::core::store::Store;
use support::*;

const ALREADY: &str = "You already answered that; nothing was changed.";

async fn once_story(store: Arc<dyn Store>) {
    let h = Harness::new(store.clone(), community_settings());
    let now = at("2026-11-23T09:00:00+11:00");
    let [chair, ana, ben] = ["chair", "ana", "ben"].map(Member::new);

    // A coffee round and its check-in.
    h.say(
        chair.says("!coffee setup every Monday 09:00 checkin 2 days"),
        now,
    )
    .await;
    h.say(ana.says("!coffee join"), now).await;
    h.say(ben.says("!coffee join"), now).await;
    let monday = at("2026-11-30T09:00:00+11:00");
    h.tick(monday).await;
    let checkin = monday + Duration::days(2);
    h.tick(checkin).await;
    let group = store
        .coffee_groups(store.programmes(SOCIETY).await.unwrap()[0].id)
        .await
        .unwrap()[0]
        .id;

    // The check-in is answered once: "met", then "not this time", keeps "met".
    let met = h
        .say(ana.chooses(&format!("coffee:{group}:met")), checkin)
        .await;
    assert!(met[0].starts_with("Lovely"), "{met:?}");
    let followup = choice_ids(&h.adapter.shown()[0].1);
    let again = h
        .say(ana.chooses(&format!("coffee:{group}:no")), checkin)
        .await;
    assert_eq!(again, [ALREADY]);

    // The one-tap follow-up: a second tap makes no second reminder.
    let before = store.active_reminders(SOCIETY, &ana.user.id).await.unwrap();
    let said = h.say(ana.chooses(&followup[0]), checkin).await;
    assert!(said[0].contains("follow up with ben"), "{said:?}");
    let again = h.say(ana.chooses(&followup[0]), checkin).await;
    assert_eq!(again, [ALREADY]);
    let after = store.active_reminders(SOCIETY, &ana.user.id).await.unwrap();
    assert_eq!(after.len(), before.len() + 1, "{after:?}");

    // Another member's answers are their own: ben says "planned", then takes the reminder once.
    let planned = h
        .say(ben.chooses(&format!("coffee:{group}:planned")), checkin)
        .await;
    assert!(
        planned[0].starts_with("Noted: you have planned"),
        "{planned:?}"
    );
    let remind = choice_ids(&h.adapter.shown()[0].1);
    let said = h.say(ben.chooses(&remind[0]), checkin).await;
    assert!(said[0].starts_with("I'll remind you on"), "{said:?}");
    assert_eq!(h.say(ben.chooses(&remind[0]), checkin).await, [ALREADY]);
    assert_eq!(
        store
            .active_reminders(SOCIETY, &ben.user.id)
            .await
            .unwrap()
            .len(),
        1
    );

    // A choice refused by its feature is not used up: an outsider's tap changes nothing, and
    // the same tap is still refused for the same reason, not as "already answered".
    let cai = Member::new("cai");
    for _ in 0..2 {
        let refused = h.say(cai.chooses(&followup[0]), checkin).await;
        assert!(refused[0].contains("not yours"), "{refused:?}");
    }

    // An RSVP can be changed as often as the member likes.
    h.say(
        chair.says("!event create Grand rounds | 2026-12-10 12:30 | for 1h"),
        now,
    )
    .await;
    for answer in ["going", "maybe", "going"] {
        let said = h.say(ana.chooses(&format!("event:1:{answer}")), now).await;
        assert!(!said.iter().any(|t| t == ALREADY), "{answer}: {said:?}");
    }
    let rsvps = store.rsvps(1).await.unwrap();
    assert_eq!(rsvps.len(), 1, "{rsvps:?}");

    // A button stays on Discord for good; the answer outlives the monthly pruning.
    let later = checkin + Duration::days(60);
    store
        .prune(later - Duration::days(30), later)
        .await
        .unwrap();
    assert_eq!(h.say(ana.chooses(&followup[0]), later).await, [ALREADY]);
}

async fn consent_and_erasure_story(store: Arc<dyn Store>) {
    let h = Harness::new(store.clone(), community_settings());
    let now = at("2026-11-23T09:00:00+11:00");
    let [ana, ben] = ["ana", "ben"].map(Member::new);

    // Shout-out consent: "post it", then "don't post", keeps the first answer.
    h.say(
        ana.says("!shoutout @ben:test award Best teaching registrar 2026"),
        now,
    )
    .await;
    let ids = choice_ids(&dms(&h, "ben")[0]);
    h.say(ben.chooses(&ids[0]), now).await;
    assert_eq!(h.say(ben.chooses(&ids[1]), now).await, [ALREADY]);

    // The erasure question: "keep my data" is one answer; asking again asks anew.
    h.say(ana.says("!forget me"), now).await;
    let ids = choice_ids(&h.adapter.shown()[0].1);
    assert_eq!(
        h.say(ana.chooses(&ids[1]), now).await,
        ["Nothing was erased."]
    );
    assert_eq!(h.say(ana.chooses(&ids[0]), now).await, [ALREADY]);
    h.say(ana.says("!forget me"), now).await;
    let done = h.say(ana.chooses(&ids[0]), now).await;
    assert!(done[0].starts_with("Done. I erased"), "{done:?}");

    // Welcome answers: one per question, and `welcome` asks them all again.
    let newbie = Member::new("newbie");
    h.say(newbie.joins(), now).await;
    h.say(newbie.chooses("onboard:stage:intern"), now).await;
    assert_eq!(
        h.say(newbie.chooses("onboard:stage:registrar"), now).await,
        [ALREADY]
    );
    h.say(newbie.says("!welcome"), now).await;
    let said = h.say(newbie.chooses("onboard:stage:registrar"), now).await;
    assert!(said[0].starts_with("2/6"), "{said:?}");
}

#[tokio::test]
async fn every_choice_is_answered_once_on_sqlite() {
    once_story(sqlite_memory().await).await;
    consent_and_erasure_story(sqlite_memory().await).await;
}

#[tokio::test]
async fn every_choice_is_answered_once_on_postgres() {
    on_postgres(once_story).await;
    on_postgres(consent_and_erasure_story).await;
}
