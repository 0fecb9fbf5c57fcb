//! A member sees what is stored about them and can erase all of it.

mod support;

use chrono::Duration;
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
        done.starts_with("Done. I erased your profile, 3 reminder(s)"),
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
