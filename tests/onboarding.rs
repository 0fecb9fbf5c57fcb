//! The welcome dialogue end to end through the core and the store, on SQLite and PostgreSQL:
//! the welcome message, its questions answered by choice, typed text and command, the groups
//! joined, the profile it fills, the identifier guard on event titles, preview and skip.

mod support;

use std::sync::Arc;

use chrono::Duration;
use rounds::core::io::Action;
use rounds::core::store::Store;
use rounds::store::{DatabaseUrl, SqlStore};
use support::*;

async fn welcome_story(store: Arc<dyn Store>) {
    let h = Harness::new(store.clone(), community_settings());
    let now = at("2026-11-23T09:00:00+11:00");
    let newbie = Member::new("newbie");
    let chair = Member::new("chair");

    h.say(newbie.joins(), now).await;
    let welcome = dms(&h, "newbie");
    assert_eq!(welcome.len(), 2, "{welcome:?}");
    let first = text_of(&welcome[0]).unwrap();
    assert!(
        first.starts_with("Welcome to Test Society, newbie!"),
        "{first}"
    );
    assert!(first.contains("We run grand rounds every Thursday."));
    assert!(first.contains("Our code of conduct: be kind; no patient details."));
    assert!(
        text_of(&welcome[1])
            .unwrap()
            .starts_with("1/6 · What stage")
    );
    assert!(choice_ids(&welcome[1]).contains(&"onboard:stage:intern".to_string()));

    // A join Rounds only hears of long after (it was offline) is not answered at all.
    let mut late = Member::new("late").joins();
    if let rounds::core::io::Inbound::Join { origin, .. } = &mut late {
        origin.sent_at = Some(now - Duration::days(30));
    }
    assert!(h.say(late, now).await.is_empty());

    // Joining again (after leaving) is not a second welcome.
    assert!(h.say(newbie.joins(), now).await.is_empty());

    // Answers: a choice, typed text in the DM, a command, a skip.
    h.say(newbie.chooses("onboard:stage:intern"), now).await;
    let shown = h.adapter.shown();
    assert!(
        shown
            .iter()
            .any(|(_, a)| matches!(a, Action::JoinGroup { group, .. } if group == "interns")),
        "{shown:?}"
    );
    assert!(
        h.adapter
            .texts()
            .last()
            .unwrap()
            .starts_with("2/6 · What is your specialty")
    );
    // An answer to a question already answered changes nothing.
    let stale = h.say(newbie.chooses("onboard:stage:registrar"), now).await;
    assert!(stale[0].contains("already answered"), "{stale:?}");
    // Chat in a shared room is not an answer; in the DM it is.
    assert!(
        h.say(newbie.says("emergency medicine"), now)
            .await
            .is_empty()
    );
    h.say(newbie.says_privately("Emergency Medicine"), now)
        .await;
    let shown = h.adapter.shown();
    assert!(
        shown
            .iter()
            .any(|(_, a)| matches!(a, Action::JoinGroup { group, .. } if group == "ed")),
        "{shown:?}"
    );
    assert!(
        h.adapter
            .texts()
            .last()
            .unwrap()
            .starts_with("3/6 · Which timezone")
    );
    let bad = h.say(newbie.says_privately("Mars/Olympus_Mons"), now).await;
    assert_eq!(bad.len(), 1, "{bad:?}");
    h.say(newbie.says("!profile timezone Europe/London"), now)
        .await;
    assert!(
        h.adapter
            .texts()
            .last()
            .unwrap()
            .starts_with("4/6 · Which hospital")
    );
    h.say(newbie.chooses("onboard:hospital:skip"), now).await;
    let coffee = h.say(newbie.chooses("onboard:coffee:yes"), now).await;
    assert!(
        coffee[0].contains("has no coffee pairings yet"),
        "{coffee:?}"
    );
    let done = h.say(newbie.chooses("onboard:shoutouts:auto"), now).await;
    assert!(done[0].starts_with("All done"), "{done:?}");

    let profile = store
        .profile(SOCIETY, "@newbie:test")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(profile.stage.as_deref(), Some("intern"));
    assert_eq!(profile.specialty.as_deref(), Some("Emergency Medicine"));
    assert_eq!(
        profile.timezone.map(|zone| zone.name()),
        Some("Europe/London")
    );
    assert_eq!(profile.hospital, None);
    assert_eq!(
        profile.shoutouts.map(|choice| choice.as_str()),
        Some("auto")
    );

    // Event titles and places are public too: the guard stops them for organisers as well.
    let refused = h
        .say(
            chair.says("!event create Case review UR 4459812 | tomorrow 12:30"),
            now,
        )
        .await;
    assert!(refused[1].contains("record number"), "{refused:?}");
    let refused = h
        .say(
            chair.says(
                "!event create Case review | tomorrow 12:30 | at Bed 4, Medicare 2123 45670 1",
            ),
            now,
        )
        .await;
    assert!(refused[1].contains("Medicare"), "{refused:?}");
    assert!(
        store
            .upcoming_events(SOCIETY, now)
            .await
            .unwrap()
            .is_empty()
    );

    // Preview is the committee's; skipping stops the questions.
    let refused = h.say(newbie.says("!welcome preview"), now).await;
    assert!(refused[0].contains("Only the committee"), "{refused:?}");
    let preview = h.say(chair.says("!welcome preview"), now).await;
    assert!(
        preview[0].contains("We run grand rounds every Thursday."),
        "{preview:?}"
    );
    assert!(preview[0].contains("Intern"), "{preview:?}");
    h.say(chair.says("!welcome"), now).await;
    h.say(chair.says("!welcome skip"), now).await;
    assert!(
        h.say(chair.says_privately("cardiology"), now)
            .await
            .is_empty()
    );
    let stale = h.say(chair.chooses("onboard:stage:consultant"), now).await;
    assert!(stale[0].contains("already answered"), "{stale:?}");
}

/// Every question takes a typed answer in the DM, and `skip` typed is a skip, never a value.
async fn typed_story(store: Arc<dyn Store>) {
    let h = Harness::new(store.clone(), community_settings());
    let now = at("2026-11-23T09:00:00+11:00");
    let newbie = Member::new("newbie");
    h.say(newbie.joins(), now).await;
    let last = |h: &Harness| h.adapter.texts().last().cloned().unwrap_or_default();

    // A stage with two readings is asked back, and the question stays.
    let asked = h.say(newbie.says_privately("fellow"), now).await;
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        asked[0].contains("registrar") && asked[0].contains("consultant"),
        "{asked:?}"
    );
    // A stage as doctors type it is recorded, and the answer says which.
    let said = h.say(newbie.says_privately("reg"), now).await;
    assert!(
        said.iter().any(|t| t == "Your stage is now registrar."),
        "{said:?}"
    );
    assert!(
        last(&h).starts_with("2/6 · What is your specialty"),
        "{said:?}"
    );
    h.say(newbie.says_privately("skip"), now).await;
    assert!(last(&h).starts_with("3/6 · Which timezone"));
    h.say(newbie.says_privately("Skip"), now).await;
    assert!(last(&h).starts_with("4/6 · Which hospital"));
    h.say(newbie.says_privately("skip"), now).await;
    assert!(last(&h).starts_with("5/6 · Would you like"));
    let coffee = h.say(newbie.says_privately("no"), now).await;
    assert!(coffee.last().unwrap().starts_with("6/6 ·"), "{coffee:?}");
    let done = h.say(newbie.says_privately("never"), now).await;
    assert!(done.last().unwrap().starts_with("All done"), "{done:?}");

    let profile = store
        .profile(SOCIETY, &newbie.user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(profile.stage.as_deref(), Some("registrar"));
    assert_eq!(profile.specialty, None);
    assert_eq!(profile.hospital, None);
    assert_eq!(profile.timezone, None);
    assert_eq!(profile.shoutouts.map(|p| p.as_str()), Some("never"));

    // Again, with `skip` typed at the first question and a stage typed by its own name.
    h.say(newbie.says("!welcome"), now).await;
    h.say(newbie.says_privately("skip"), now).await;
    assert!(last(&h).starts_with("2/6 · What is your specialty"));
    h.say(newbie.says("!welcome"), now).await;
    let said = h.say(newbie.says_privately("consultant"), now).await;
    assert!(
        said.iter().any(|t| t == "Your stage is now consultant."),
        "{said:?}"
    );
    // `!profile stage` reads doctors' titles the same way.
    let said = h.say(newbie.says("!profile stage PGY1"), now).await;
    assert_eq!(said[0], "Your stage is now intern.");
    let said = h.say(newbie.says("!profile stage fellow"), now).await;
    assert!(said[0].contains("registrar or consultant"), "{said:?}");
    let profile = store.profile(SOCIETY, &newbie.user.id).await.unwrap();
    assert_eq!(profile.unwrap().stage.as_deref(), Some("intern"));
}

#[tokio::test]
async fn typed_answers_and_skip_on_sqlite() {
    typed_story(sqlite_memory().await).await;
}

#[tokio::test]
async fn typed_answers_and_skip_on_postgres() {
    on_postgres(typed_story).await;
}

#[tokio::test]
async fn welcome_on_sqlite() {
    welcome_story(sqlite_memory().await).await;
}

#[tokio::test]
async fn welcome_on_postgres() {
    // A fresh database: the story counts on an empty one (no events yet).
    let db = PgDatabase::create().await;
    let store: Arc<dyn Store> = Arc::new(
        SqlStore::open(&DatabaseUrl::parse(&db.url).expect("a database URL"))
            .await
            .unwrap(),
    );
    welcome_story(store).await;
    db.drop().await;
}
