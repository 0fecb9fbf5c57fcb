//! Bad input gets one short, clear answer and changes nothing.

mod support;

use rounds::core::command::MAX_COMMAND_CHARS;
use rounds::core::io::Action;
use rounds::core::store::Counts;
use support::*;

const SYDNEY: chrono_tz::Tz = chrono_tz::Australia::Sydney;

/// Each input, and a phrase its answer must contain (the reason, in the member's words).
fn cases() -> Vec<(String, &'static str)> {
    let long_what = "x".repeat(600);
    let long_line = "y".repeat(MAX_COMMAND_CHARS + 10);
    let long_specialty = "z".repeat(120);
    vec![
        (
            "!frobnicate".into(),
            "I don't know the command `!frobnicate`",
        ),
        ("!remnd me in 2m to x".into(), "Did you mean `!remind`"),
        ("!".into(), "I don't know the command"),
        ("!remind".into(), "needs more"),
        ("!remind me".into(), "needs more"),
        (
            "!remind you in 5 minutes to x".into(),
            "is not something `!remind` can do",
        ),
        ("!remind me to call the registrar".into(), "Try:"),
        ("!remind me in 0 minutes to x".into(), "Try:"),
        ("!remind me in -5 minutes to x".into(), "Try:"),
        ("!remind me in 99999999 years to x".into(), "Try:"),
        (
            "!remind me on 31 February at 9am to x".into(),
            "31 February",
        ),
        ("!remind me 2026-02-30 10:00 to x".into(), "Try:"),
        ("!remind me tomorrow 25:00 to x".into(), "Try:"),
        ("!remind me tomorrow 13pm to x".into(), "Try:"),
        ("!remind me yesterday 9am to x".into(), "Try:"),
        ("!remind me 2020-01-01 09:00 to x".into(), "Try:"),
        ("!remind me every Funday at 9 to x".into(), "Try:"),
        ("!remind me every 0 weeks on Monday 9am to x".into(), "Try:"),
        ("!remind me 61 * * * * to x".into(), "Try:"),
        (
            "!remind me in 5 minutes".into(),
            "What should I remind you about?",
        ),
        (
            format!("!remind me in 5 minutes to {long_what}"),
            "at most 500",
        ),
        (format!("!{long_line}"), "too long"),
        ("!reminders cancel".into(), "needs more"),
        ("!reminders cancel 7".into(), "is not a reminder id"),
        ("!rsvp X7 going".into(), "is not an event id"),
        ("!remind here * * * * * * * hello".into(), "5 fields"),
        ("!remind me 0 8 * * 1 2026 to x".into(), "5 fields"),
        (
            "!remind me in 5 minutes to a\0b".into(),
            "control character",
        ),
        (
            "!reminders cancel E3".into(),
            "is the id of an event, not of a reminder",
        ),
        ("!reminders cancel R999".into(), "You have no reminder R999"),
        ("!reminders cancel R1".into(), "You have no reminder R1"),
        ("!reminders snooze R1".into(), "needs more"),
        ("!reminders snooze R1 soon".into(), "Try:"),
        (
            "!reminders snooze R999 10m".into(),
            "You have no reminder R999",
        ),
        (
            "!reminders frob".into(),
            "is not something `!reminders` can do",
        ),
        ("!profile timezone Mars/Olympus".into(), "Mars/Olympus"),
        ("!profile timezone".into(), "needs more"),
        ("!profile stage wizard".into(), "`registrar`"),
        ("!profile img maybe".into(), "`yes`, `no`"),
        ("!profile specialty".into(), "needs more"),
        (format!("!profile specialty {long_specialty}"), "at most 80"),
        (
            "!profile colour blue".into(),
            "is not something `!profile` can do",
        ),
        ("!forget".into(), "needs more"),
        ("!forget you".into(), "is not something `!forget` can do"),
        ("!forget me confirm".into(), "nothing to confirm"),
        (
            "!help frobnicate".into(),
            "I have no help on `frobnicate`. Topics: events, pairings,",
        ),
        (
            "!committee log".into(),
            "Only the committee of Test Society can use `!committee`",
        ),
        (
            "!committee purge".into(),
            "is not something `!committee` can do",
        ),
        (
            "!coffee setup every Monday 09:00".into(),
            "Only the committee of Test Society can use `!coffee setup`",
        ),
        (
            "!coffee run".into(),
            "Only the committee of Test Society can use `!coffee run`",
        ),
        (
            "!coffee stats".into(),
            "Only the committee of Test Society can use `!coffee stats`",
        ),
        ("!coffee join".into(), "has no coffee pairings yet"),
        ("!coffee dance".into(), "is not something `!coffee` can do"),
        (
            "!coffee setup size 5".into(),
            "The group size must be a whole number from 2 to 4, not `5`.",
        ),
        (
            "!coffee setup mode speed-dating".into(),
            "The mode must be one of `random`,",
        ),
        (
            "!coffee setup group a group b".into(),
            "takes `group` only once",
        ),
        ("!coffee pause".into(), "needs more"),
        ("!coffee pause forever".into(), "Try:"),
        ("!mentor offer capacity 99".into(), "from 1 to 10"),
        ("!mentor offer capacity lots".into(), "from 1 to 10"),
        ("!mentor juggle".into(), "is not something `!mentor` can do"),
        ("!mentor stop".into(), "nothing to stop"),
        (
            format!("!mentor seek {long_specialty}"),
            "at most 80 characters",
        ),
        (
            "!event create Party | tomorrow 18:00".into(),
            "Only the organisers of Test Society",
        ),
        ("!event create Party".into(), "needs more"),
        ("!event show E99".into(), "There is no event E99"),
        ("!event show R1".into(), "not of an event"),
        ("!event cancel".into(), "needs more"),
        ("!event dance".into(), "is not something `!event` can do"),
        ("!event edit E1".into(), "needs more"),
        (
            "!event edit E1 | at Room 3".into(),
            "Only the organisers of Test Society",
        ),
        ("!event skip E1".into(), "needs more"),
        (
            "!event skip E1 2026-12-03".into(),
            "Only the organisers of Test Society",
        ),
        ("!event ics E99".into(), "There is no event E99"),
        (
            "!event feed".into(),
            "Calendar feeds are not switched on here",
        ),
        (
            "!event feed sideways".into(),
            "is not something `!event feed` can do",
        ),
        (
            "!event import https://example.org/a.ics".into(),
            "Only the organisers of Test Society",
        ),
        (
            "!event cancel E1 tomorrow".into(),
            "is not something `!event cancel` can do",
        ),
        ("!rsvp E1".into(), "needs more"),
        ("!rsvp E1 perhaps".into(), "is not something `!rsvp` can do"),
        ("!rsvp E99 going".into(), "There is no event E99"),
        ("!shoutout".into(), "needs more"),
        (
            "!shoutout ben award Best teacher".into(),
            "Name the member with an @mention",
        ),
        (
            "!shoutout @ben:test trophy Best teacher".into(),
            "is not something `!shoutout` can do",
        ),
        ("!shoutout @ben:test award".into(), "needs more"),
        ("!shoutout approve".into(), "needs more"),
        (
            "!shoutout approve S99".into(),
            "There is no shout-out S99 about you",
        ),
        ("!shoutout approve E1".into(), "not of a shout-out"),
        (format!("!milestone award {long_what}"), "at most 500"),
        ("!milestone".into(), "needs more"),
        ("!milestone exam".into(), "needs more"),
        (
            "!milestone other Bed 4 pt Jane Citizen DOB 1/2/1950".into(),
            "date of birth",
        ),
        (
            "!milestone other Patient SSN 123-45-6789 discharged".into(),
            "Social Security",
        ),
        ("!followup @ben:test".into(), "needs more"),
        ("!followup @ben:test whenever".into(), "Try:"),
        (
            "!welcome dance".into(),
            "is not something `!welcome` can do",
        ),
        ("!welcome preview".into(), "Only the committee"),
        (
            "!profile shoutouts maybe".into(),
            "is not something `!profile` can do",
        ),
        ("!profile hospital MRN 1234567 ward".into(), "record number"),
        (
            "!event create Review of 943 476 5919 | tomorrow 12:30".into(),
            "Only the organisers",
        ),
    ]
}

fn durable(c: &Counts) -> (i64, i64, i64, i64, i64, i64, i64, i64) {
    (
        c.community,
        c.profiles,
        c.reminders,
        c.jobs,
        c.confirmations,
        c.admin_log,
        c.pairing,
        c.events,
    )
}

#[tokio::test]
async fn every_bad_input_gets_a_clear_answer_and_changes_nothing() {
    let h = Harness::sqlite(SYDNEY).await;
    let now = at("2026-11-22T14:00:00+11:00");
    // Someone else's reminder R1 exists: cancelling or snoozing it must not reveal or touch it.
    let other = Member::new("ben");
    h.say(other.says("!remind me in 3 days to submit the audit"), now)
        .await;
    let ana = Member::new("ana");

    let cases = cases();
    assert!(cases.len() >= 25);
    for (input, expected) in cases {
        let before = h.store.counts().await.unwrap();
        let replies = h.say(ana.says(&input), now).await;
        let after = h.store.counts().await.unwrap();
        let shown: String = input.chars().take(60).collect();
        // Patient details are refused in the room without saying why; the reason is the one
        // other message, and it goes to the member alone.
        let reply = match replies.as_slice() {
            [reply] => reply,
            [neutral, reason] => {
                assert!(
                    neutral.contains("sent you the reason in a direct message"),
                    "{shown:?}: {neutral}"
                );
                assert!(
                    matches!(h.adapter.shown()[1].1, Action::Remind { .. }),
                    "{shown:?}: the reason is private"
                );
                reason
            }
            _ => panic!("one answer for {shown:?}: {replies:?}"),
        };
        assert!(
            reply.contains(expected),
            "{shown:?} answered {reply:?}, expected {expected:?}"
        );
        assert!(
            !reply.contains("went wrong on my side"),
            "{shown:?}: {reply}"
        );
        assert!(
            reply.chars().count() < 400,
            "short answer for {shown:?}: {reply}"
        );
        assert_eq!(
            durable(&before),
            durable(&after),
            "{shown:?} changed the store"
        );
    }
    // Ben's reminder is intact.
    assert_eq!(
        h.store
            .active_reminders(SOCIETY, &other.user.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn bad_times_offer_two_working_examples() {
    let h = Harness::sqlite(SYDNEY).await;
    let now = at("2026-11-22T14:00:00+11:00");
    let ana = Member::new("ana");
    for input in [
        "!remind me blorp to x",
        "!remind me every Funday to x",
        "!remind me in 0 minutes to x",
    ] {
        let reply = h.say(ana.says(input), now).await.remove(0);
        let examples: Vec<&str> = reply.split('`').skip(1).step_by(2).collect();
        assert!(examples.len() >= 2, "{input}: {reply}");
        // The examples really work.
        for example in examples.iter().take(2) {
            let answer = h
                .say(
                    ana.says(&format!("!remind me {example} to check the example")),
                    now,
                )
                .await
                .remove(0);
            assert!(
                answer.starts_with("Got it"),
                "example `{example}` from {input:?} failed: {answer}"
            );
        }
    }
}

#[tokio::test]
async fn ordinary_chat_is_ignored() {
    let h = Harness::sqlite(SYDNEY).await;
    let now = at("2026-11-22T14:00:00+11:00");
    let ana = Member::new("ana");
    for text in [
        "hello everyone",
        "remind me to buy milk",
        "anyone for coffee?",
        "",
    ] {
        assert!(h.say(ana.says(text), now).await.is_empty(), "{text}");
    }
    assert_eq!(h.store.counts().await.unwrap().outbox, 0);
}

#[tokio::test]
async fn a_redelivered_message_is_answered_once() {
    let h = Harness::sqlite(SYDNEY).await;
    let now = at("2026-11-22T14:00:00+11:00");
    let ana = Member::new("ana");
    let message = ana.says_privately("!remind me in 1 hour to eat lunch");
    assert_eq!(h.say(message.clone(), now).await.len(), 1);
    assert!(h.say(message, now).await.is_empty());
    assert_eq!(h.store.counts().await.unwrap().reminders, 1);
}

/// NUL and other control characters are bad input on both backends (PostgreSQL cannot store a
/// NUL, so it once surfaced as "Something went wrong"): one short answer, nothing changed.
async fn control_characters_story(h: Harness) {
    let now = at("2026-11-22T14:00:00+11:00");
    let ana = Member::new("ana");
    for input in [
        "!remind me in 5 minutes to a\0b",
        "!remind here in 5 minutes to \u{1b}[2Jcleared",
        "!profile bio x\0y",
        "!event create A\0B | tomorrow 9am",
        "!shoutout @ben:test thanks\u{7f}",
    ] {
        let before = h.store.counts().await.unwrap();
        let replies = h.say(ana.says(input), now).await;
        assert_eq!(replies.len(), 1, "{input:?}: {replies:?}");
        assert!(
            replies[0].contains("control character"),
            "{input:?}: {replies:?}"
        );
        let after = h.store.counts().await.unwrap();
        assert_eq!(durable(&before), durable(&after), "{input:?}");
    }
}

#[tokio::test]
async fn control_characters_are_refused_on_sqlite() {
    control_characters_story(Harness::sqlite(SYDNEY).await).await;
}

#[tokio::test]
async fn control_characters_are_refused_on_postgres() {
    let db = PgDatabase::create().await;
    let store = std::sync::Arc::new(
        rounds::store::SqlStore::open(
            &rounds::store::DatabaseUrl::parse(&db.url).expect("a database URL"),
        )
        .await
        .unwrap(),
    );
    control_characters_story(Harness::new(store.clone(), settings(SYDNEY))).await;
    store.close().await;
    db.drop().await;
}
