//! Text a member types that Rounds will show to others goes through one rule, whatever the
//! command: no patient identifier, no control or text-direction characters, and no shout-out
//! to a whole room. On SQLite and PostgreSQL.

mod support;

use std::sync::Arc;

use rounds::core::io::Action;
use rounds::core::store::Store;
use rounds::store::{DatabaseUrl, SqlStore};
use support::*;

const PATIENT: &str = "MRN 00123456 Mrs Jones DOB 3/4/1951";

async fn story(store: Arc<dyn Store>) {
    let h = Harness::new(store.clone(), community_settings());
    let now = at("2026-11-22T14:00:00+11:00");
    let ana = Member::new("ana");
    let before = store.counts().await.unwrap();

    // Patient details in a room reminder or a mentor request: refused before anything is
    // stored, the reason told to Ana alone, and not echoed in the room.
    for text in [
        format!("!remind here in 1 minute to {PATIENT}"),
        format!("!mentor seek cardiology {PATIENT}"),
    ] {
        let refused = h.say(ana.says(&text), now).await;
        assert_eq!(refused.len(), 2, "{text}: {refused:?}");
        assert!(
            refused[0].contains("sent you the reason in a direct message")
                && !refused[0].contains("00123456"),
            "{text}: {refused:?}"
        );
        assert!(
            refused[1].contains("record number") && refused[1].starts_with("I did not use that"),
            "{text}: {refused:?}"
        );
        let shown = h.adapter.shown();
        let Action::Remind { user, .. } = &shown[1].1 else {
            panic!("{shown:?}")
        };
        assert_eq!(user.id, ana.user.id);
    }
    // The guard names what to fix: the reminder, the specialty.
    let refused = h
        .say(
            ana.says_privately(&format!("!remind here in 1 minute to {PATIENT}")),
            now,
        )
        .await;
    assert!(refused[0].contains("use that reminder"), "{refused:?}");
    let refused = h
        .say(ana.says_privately(&format!("!mentor seek {PATIENT}")), now)
        .await;
    assert!(refused[0].contains("use that specialty"), "{refused:?}");

    // Text-direction overrides and control characters: refused in every shared text.
    for text in [
        "!remind here in 1 minute to pay \u{202E}0001$ to ana",
        "!milestone other Passed \u{2066}the exam\u{2069}",
        "!shoutout @cai award Best \u{202D}registrar",
        "!remind here in 1 minute to ring\u{7} the bell",
        "!mentor seek cardio\u{202E}logy",
    ] {
        let refused = h.say(ana.says(text), now).await;
        assert_eq!(refused.len(), 1, "{text:?}: {refused:?}");
        // A control character is already refused by the parser, in its own words.
        assert!(
            refused[0].contains("control or text-direction characters")
                || refused[0].contains("control character"),
            "{text:?}: {refused:?}"
        );
    }

    // A shout-out names one member; a whole-room ping is not one.
    for target in ["@everyone", "@here", "@room"] {
        let text = format!("!shoutout {target} award Best registrar");
        let refused = h.say(ana.says(&text), now).await;
        assert_eq!(refused.len(), 1, "{text}: {refused:?}");
        assert!(
            refused[0].contains("Name the member with an @mention"),
            "{text}: {refused:?}"
        );
    }
    // The outbox holds the answers; nothing else was stored.
    let after = store.counts().await.unwrap();
    assert_eq!(
        rounds::core::store::Counts { outbox: 0, ..after },
        before,
        "nothing was stored"
    );
    assert!(h.tick(at("2026-11-22T14:05:00+11:00")).await.is_empty());

    // What only its author sees is not held back: a private reminder may carry the MRN they
    // need, and a room reminder without patient details is posted as before.
    let reply = h
        .say(
            ana.says(&format!("!remind me in 1 minute to {PATIENT}")),
            now,
        )
        .await;
    assert!(reply[0].starts_with("Got it (R"), "{reply:?}");
    let reply = h
        .say(
            ana.says("!remind here in 2 minutes to\tbring the slides"),
            now,
        )
        .await;
    assert!(reply[0].starts_with("Got it (R"), "{reply:?}");
    let fired = h.tick(at("2026-11-22T14:02:00+11:00")).await;
    assert_eq!(
        fired,
        vec![
            format!("⏰ Reminder: {PATIENT}"),
            "⏰ Reminder from ana: bring the slides".to_string()
        ]
    );
}

#[tokio::test]
async fn shared_text_is_checked_on_sqlite() {
    story(sqlite_memory().await).await;
}

#[tokio::test]
async fn shared_text_is_checked_on_postgres() {
    let db = PgDatabase::create().await;
    let store: Arc<dyn Store> = Arc::new(
        SqlStore::open(&DatabaseUrl::parse(&db.url).expect("a database URL"))
            .await
            .unwrap(),
    );
    story(store).await;
    db.drop().await;
}
