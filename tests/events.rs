//! Events through the core, the store and the scheduler, on SQLite and PostgreSQL: create,
//! announce, RSVP, the waitlist and its promotions (also under concurrent drop-outs),
//! reminders at both offsets in each member's zone, cancellation with notices, and erasure.

mod support;

use std::sync::Arc;

use chrono::Duration;
use rounds::core::command::RsvpAnswer;
use rounds::core::io::{Action, UserRef};
use rounds::core::store::{EventStore, RsvpState, Store};
use rounds::store::{DatabaseUrl, SqlStore};
use support::*;

const SYDNEY: chrono_tz::Tz = chrono_tz::Australia::Sydney;

fn reminded(h: &Harness) -> Vec<(String, String)> {
    h.adapter
        .shown()
        .into_iter()
        .filter_map(|(_, a)| match a {
            Action::Remind { user, message } => Some((user.name, message.text)),
            _ => None,
        })
        .collect()
}

async fn story(store: Arc<dyn Store>) {
    let h = Harness::new(store, settings(SYDNEY));
    let now = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let [ana, ben, cai, dee] = ["ana", "ben", "cai", "dee"].map(Member::new);
    h.say(dee.says("!profile timezone Europe/London"), now)
        .await;

    let refused = h
        .say(ana.says("!event create Party | tomorrow 18:00"), now)
        .await;
    assert!(refused[0].contains("Only the organisers"), "{refused:?}");

    h.say(
        chair.says("!event create Journal club | Thursday 07:30 | for 1h30m | at Library | capacity 2 | kind journal-club | cpd 1.5"),
        now,
    )
    .await;
    let shown = h.adapter.shown();
    let Action::Announce { message, .. } = &shown[0].1 else {
        panic!("{shown:?}")
    };
    assert!(
        message.text.starts_with("📅 Journal club (E1)"),
        "{}",
        message.text
    );
    assert!(
        message.text.contains("CPD: 1h 30m · 2 places"),
        "{}",
        message.text
    );
    let ids: Vec<&str> = message.choices.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["event:1:going", "event:1:maybe", "event:1:no"]);

    // Two places: ana and dee go, ben and cai queue in order.
    h.say(ana.chooses("event:1:going"), now).await;
    h.say(dee.says("!rsvp E1 going"), now).await;
    let third = h.say(ben.chooses("event:1:going"), now).await;
    assert!(third[0].contains("number 1 on the waitlist"), "{third:?}");
    let fourth = h
        .say(cai.says("!rsvp e1 yes"), now + Duration::seconds(1))
        .await;
    assert!(fourth[0].contains("number 2 on the waitlist"), "{fourth:?}");
    // Saying going again keeps one's place.
    let again = h.say(ben.says("!rsvp E1 going"), now).await;
    assert!(again[0].contains("number 1 on the waitlist"), "{again:?}");

    // Ana drops out: Ben, first in line, is promoted and told; Cai moves up.
    let later = now + Duration::hours(1);
    h.say(ana.says("!rsvp E1 no"), later).await;
    assert_eq!(
        reminded(&h),
        vec![(
            "ben".to_string(),
            "Good news: a place opened up and you're now going to Journal club (E1), Thu 26 Nov 07:30 AEDT."
                .to_string()
        )]
    );
    let show = h.say(cai.says("!event show E1"), later).await;
    assert!(
        show[0].contains("Going: 2 of 2 · waitlist: 1 · maybe: 0"),
        "{show:?}"
    );
    let list = h.say(dee.says("!event list"), later).await;
    assert!(
        list[0].contains("E1 · Wed 25 Nov 20:30 GMT · Journal club · Library"),
        "{list:?}"
    );

    // Reminders: 24 h and 1 h before, to those going, each in their own zone.
    let day_before = at("2026-11-25T07:30:00+11:00");
    h.tick(day_before).await;
    let mut first = reminded(&h);
    first.sort();
    assert_eq!(
        first,
        vec![
            (
                "ben".to_string(),
                "⏰ In 1d: Journal club (E1), Thu 26 Nov 07:30 AEDT.".to_string()
            ),
            (
                "dee".to_string(),
                "⏰ In 1d: Journal club (E1), Wed 25 Nov 20:30 GMT.".to_string()
            ),
        ]
    );
    h.tick(day_before + Duration::hours(23)).await;
    let second = reminded(&h);
    assert_eq!(second.len(), 2);
    assert!(
        second
            .iter()
            .all(|(_, t)| t.contains("In 1h") && t.ends_with("Where: Library."))
    );

    // Erasure removes the member's answers.
    h.say(cai.says("!forget me"), later).await;
    h.say(cai.says("!forget me confirm"), later).await;
    let show = h.say(ben.says("!event show E1"), later).await;
    assert!(show[0].contains("waitlist: 0"), "{show:?}");

    // Cancelling tells everyone still answering, and announces it.
    let cancel = h.say(chair.says("!event cancel E1"), later).await;
    assert!(
        cancel
            .iter()
            .any(|t| t.starts_with("Cancelled E1; 2 members who answered were told")),
        "{cancel:?}"
    );
    assert!(
        cancel
            .iter()
            .any(|t| t.starts_with("📅 Cancelled: Journal club (E1)"))
    );
    let told: Vec<String> = reminded(&h).into_iter().map(|(n, _)| n).collect();
    assert_eq!(told.len(), 2, "{told:?}");
    let closed = h.say(ben.says("!rsvp E1 going"), later).await;
    assert!(closed[0].contains("has been cancelled"), "{closed:?}");
    assert!(h.tick(day_before + Duration::hours(30)).await.is_empty());
}

#[tokio::test]
async fn events_on_sqlite() {
    story(sqlite_memory().await).await;
}

#[tokio::test]
async fn events_on_postgres() {
    on_postgres(story).await;
}

/// Two drop-outs at the same moment, through separate connections to one PostgreSQL database:
/// two people are promoted, each once, and the event is never over its capacity.
#[tokio::test]
async fn simultaneous_drop_outs_promote_two_people_once_each() {
    let db = PgDatabase::create().await;
    let a = Arc::new(
        SqlStore::open(&DatabaseUrl::parse(&db.url).expect("a database URL"))
            .await
            .unwrap(),
    );
    let b = Arc::new(
        SqlStore::open(&DatabaseUrl::parse(&db.url).expect("a database URL"))
            .await
            .unwrap(),
    );
    let now = at("2026-11-23T09:00:00+11:00");
    let h = Harness::new(a.clone(), settings(SYDNEY));
    let chair = Member::new("chair");
    h.say(
        chair.says("!event create Sim session | Thursday 07:30 | capacity 2"),
        now,
    )
    .await;
    for round in 0..10 {
        let event = round + 1;
        if round > 0 {
            h.say(
                chair.says(&format!(
                    "!event create Sim session {event} | Thursday 07:30 | capacity 2"
                )),
                now,
            )
            .await;
        }
        let people: Vec<UserRef> = ["p1", "p2", "w1", "w2", "w3"].map(user).to_vec();
        for (n, person) in people.iter().enumerate() {
            a.rsvp(
                event,
                person,
                RsvpAnswer::Going,
                now + Duration::seconds(n as i64),
            )
            .await
            .unwrap();
        }
        let (x, y) = tokio::join!(
            a.rsvp(
                event,
                &people[0],
                RsvpAnswer::No,
                now + Duration::minutes(1)
            ),
            b.rsvp(
                event,
                &people[1],
                RsvpAnswer::No,
                now + Duration::minutes(1)
            ),
        );
        let mut promoted: Vec<String> = x
            .unwrap()
            .promoted
            .into_iter()
            .chain(y.unwrap().promoted)
            .map(|u| u.name)
            .collect();
        promoted.sort();
        assert_eq!(promoted, ["w1", "w2"], "event {event}");
        let going = a
            .rsvps(event)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.answer == RsvpState::Going)
            .count();
        assert_eq!(going, 2, "event {event}");
    }
    a.close().await;
    b.close().await;
    db.drop().await;
}

async fn attendance_story(store: Arc<dyn Store>) {
    let h = Harness::new(store, settings(SYDNEY));
    let now = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let [ana, ben] = ["ana", "ben"].map(Member::new);
    h.say(
        chair.says("!event create Journal club, \"sepsis\" | Thursday 07:30 | for 1h30m | at Library, level 2 | cpd 1.5"),
        now,
    )
    .await;
    h.say(ana.says("!rsvp E1 going"), now).await;
    h.say(ben.says("!rsvp E1 going"), now).await;
    let during = at("2026-11-26T07:45:00+11:00");
    let early = h.say(ana.says("!event checkin E1 ABCDEF"), now).await;
    assert!(early[0].contains("open only during the event"), "{early:?}");
    let refused = h.say(ana.says("!event checkin-code E1"), during).await;
    assert!(refused[0].contains("Only the organisers"), "{refused:?}");
    let opened = h.say(chair.says("!event checkin-code E1"), during).await;
    let code = opened[0]
        .split("Check-in code for ")
        .nth(1)
        .and_then(|rest| rest.split(": ").nth(1))
        .and_then(|rest| rest.split('.').next())
        .unwrap()
        .to_string();
    assert_eq!(code.len(), 6, "{opened:?}");
    assert!(!code.contains(['0', 'O', '1', 'I']), "{code}");
    // Opening it again gives the same code.
    let again = h.say(chair.says("!event checkin-code E1"), during).await;
    assert!(again[0].contains(&code), "{again:?}");

    let wrong = h.say(ana.says("!event checkin E1 ZZZZZZ"), during).await;
    assert!(wrong[0].contains("not the check-in code"), "{wrong:?}");
    let ok = h
        .say(
            ana.says(&format!("!event checkin E1 {}", code.to_lowercase())),
            during,
        )
        .await;
    assert!(ok[0].starts_with("Checked in to Journal club"), "{ok:?}");
    assert!(ok[0].contains("(CPD: 1h 30m)"), "{ok:?}");
    let twice = h
        .say(ana.says(&format!("!event checkin E1 {code}")), during)
        .await;
    assert!(twice[0].contains("already checked in"), "{twice:?}");
    h.say(ben.says(&format!("!event checkin E1 {code}")), during)
        .await;
    let late = h
        .say(
            ben.says(&format!("!event checkin E1 {code}")),
            during + Duration::hours(2),
        )
        .await;
    assert!(late[0].contains("open only during the event"), "{late:?}");

    let present = h.say(chair.says("!event attendance E1"), during).await;
    assert!(
        present[0].starts_with("Attendance at Journal club"),
        "{present:?}"
    );
    assert!(present[0].contains("2 checked in") && present[0].contains("ana ·"));

    let log = h.say(ana.says("!cpd"), during).await;
    assert!(log[0].contains("Total: 1h 30m"), "{log:?}");
    let csv = h.say(ana.says("!cpd export"), during).await;
    assert_eq!(
        csv[0],
        "date,title,kind,hours,place\n2026-11-26,\"Journal club, \"\"sepsis\"\"\",,1.5,\"Library, level 2\""
    );
    let empty = h.say(chair.says("!cpd"), during).await;
    assert!(empty[0].contains("is empty"), "{empty:?}");
}

#[tokio::test]
async fn attendance_and_cpd_on_sqlite() {
    attendance_story(sqlite_memory().await).await;
}

#[tokio::test]
async fn attendance_and_cpd_on_postgres() {
    on_postgres(attendance_story).await;
}

/// The code an organiser opens for E1 at `during`, read from the reply.
async fn open_code(h: &Harness, chair: &Member, during: chrono::DateTime<chrono::Utc>) -> String {
    let opened = h.say(chair.says("!event checkin-code E1"), during).await;
    opened[0]
        .split("Check-in code for ")
        .nth(1)
        .and_then(|rest| rest.split(": ").nth(1))
        .and_then(|rest| rest.split('.').next())
        .unwrap_or_else(|| panic!("{opened:?}"))
        .to_string()
}

/// Check-in codes cannot be guessed: they come from the OS random source (the same event at the
/// same instant in another store gets another code), a member has a few wrong tries per event and
/// is then told to ask an organiser, and the count survives in the store. The CPD export
/// neutralises cells a spreadsheet would run as formulas.
async fn checkin_guard_story(store: Arc<dyn Store>, other: Arc<dyn Store>) {
    let h = Harness::new(store, settings(SYDNEY));
    let h2 = Harness::new(other, settings(SYDNEY));
    let now = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let [ana, ben] = ["ana", "ben"].map(Member::new);
    let create = "!event create =HYPERLINK(\"http://evil\";\"x\") | Thursday 07:30 | for 1h | at @Library | cpd 1";
    for h in [&h, &h2] {
        let made = h.say(chair.says(create), now).await;
        assert!(made[0].contains("E1"), "{made:?}");
        h.say(ana.says("!rsvp E1 going"), now).await;
        h.say(ben.says("!rsvp E1 going"), now).await;
    }
    let during = at("2026-11-26T07:45:00+11:00");
    let code = open_code(&h, &chair, during).await;
    let other_code = open_code(&h2, &chair, during).await;
    assert_ne!(code, other_code, "codes are not derived from time and id");

    use rounds::core::events::attendance::MAX_CHECKIN_TRIES;
    for n in 1..=MAX_CHECKIN_TRIES {
        let wrong = h.say(ana.says("!event checkin E1 ZZZZZZ"), during).await;
        assert!(wrong[0].contains("not the check-in code"), "{n}: {wrong:?}");
    }
    // Now even the right code is refused for ana, and the reason says what to do.
    let locked = h
        .say(ana.says(&format!("!event checkin E1 {code}")), during)
        .await;
    assert!(locked[0].contains("ask an organiser"), "{locked:?}");
    assert!(!locked[0].starts_with("Checked in"), "{locked:?}");
    let present = h.say(chair.says("!event attendance E1"), during).await;
    assert!(present[0].contains("0 checked in"), "{present:?}");
    // Ben's tries are his own.
    let ok = h
        .say(ben.says(&format!("!event checkin E1 {code}")), during)
        .await;
    assert!(ok[0].starts_with("Checked in to"), "{ok:?}");
    // An organiser showing the code again gives ana her tries back.
    assert_eq!(open_code(&h, &chair, during).await, code);
    let again = h
        .say(ana.says(&format!("!event checkin E1 {code}")), during)
        .await;
    assert!(again[0].starts_with("Checked in to"), "{again:?}");

    let csv = h.say(ben.says("!cpd export"), during).await;
    assert_eq!(
        csv[0],
        "date,title,kind,hours,place\n2026-11-26,\"'=HYPERLINK(\"\"http://evil\"\";\"\"x\"\")\",,1,'@Library"
    );
}

#[tokio::test]
async fn checkin_guard_on_sqlite() {
    checkin_guard_story(sqlite_memory().await, sqlite_memory().await).await;
}

#[tokio::test]
async fn checkin_guard_on_postgres() {
    let db = PgDatabase::create().await;
    let other = PgDatabase::create().await;
    let store = Arc::new(
        SqlStore::open(&DatabaseUrl::parse(&db.url).expect("a database URL"))
            .await
            .unwrap(),
    );
    let other_store = Arc::new(
        SqlStore::open(&DatabaseUrl::parse(&other.url).expect("a database URL"))
            .await
            .unwrap(),
    );
    checkin_guard_story(store.clone(), other_store.clone()).await;
    store.close().await;
    other_store.close().await;
    db.drop().await;
    other.drop().await;
}

/// Erasing a member who was going gives their place up exactly as `!rsvp … no` does: the first
/// on the waitlist is promoted and told, and the announcement shows the new counts.
async fn erasure_gives_up_the_place_story(store: Arc<dyn Store>) {
    let h = Harness::new(store, settings(SYDNEY));
    let now = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let [ana, ben] = ["ana", "ben"].map(Member::new);
    h.say(
        chair.says("!event create Sim session | Thursday 07:30 | capacity 1"),
        now,
    )
    .await;
    h.say(ana.says("!rsvp E1 going"), now).await;
    h.say(ben.says("!rsvp E1 going"), now + Duration::seconds(1))
        .await;
    h.say(ana.says("!forget me"), now).await;
    let erased = h.say(ana.says("!forget me confirm"), now).await;
    assert!(
        erased.iter().any(|t| t.starts_with("Done. I erased")),
        "{erased:?}"
    );
    assert_eq!(
        reminded(&h),
        vec![(
            "ben".to_string(),
            "Good news: a place opened up and you're now going to Sim session (E1), Thu 26 Nov 07:30 AEDT."
                .to_string()
        )]
    );
    let edited: Vec<String> = h
        .adapter
        .shown()
        .into_iter()
        .filter_map(|(_, a)| match a {
            Action::Edit { message, .. } => Some(message.text),
            _ => None,
        })
        .collect();
    assert!(
        edited.len() == 1 && edited[0].contains("Going: 1 of 1 · waitlist: 0"),
        "{edited:?}"
    );
    let show = h.say(ben.says("!event show E1"), now).await;
    assert!(show[0].contains("Going: 1 of 1 · waitlist: 0"), "{show:?}");
    assert!(show[0].contains("Your answer: going"), "{show:?}");
    let rsvps = h.store.rsvps(1).await.unwrap();
    assert!(rsvps.iter().all(|r| r.user.name != "ana"), "{rsvps:?}");
}

#[tokio::test]
async fn erasure_gives_up_the_place_on_sqlite() {
    erasure_gives_up_the_place_story(sqlite_memory().await).await;
}

#[tokio::test]
async fn erasure_gives_up_the_place_on_postgres() {
    on_postgres(erasure_gives_up_the_place_story).await;
}

/// `!event show` gives organisers (and the committee) who is going, who waits (in order) and
/// who said maybe, by display name; other members see the counts only.
#[tokio::test]
async fn organisers_see_who_is_going() {
    let h = Harness::sqlite(SYDNEY).await;
    let now = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let [ana, ben, cai, dee, eve] = ["ana", "ben", "cai", "dee", "eve"].map(Member::new);
    h.say(
        chair.says("!event create Sim session | Thursday 07:30 | capacity 2"),
        now,
    )
    .await;
    for (n, member) in [&ana, &dee, &cai, &ben].into_iter().enumerate() {
        h.say(
            member.says("!rsvp E1 going"),
            now + Duration::seconds(n as i64),
        )
        .await;
    }
    h.say(eve.says("!rsvp E1 maybe"), now).await;
    let shown = h.say(chair.says("!event show E1"), now).await;
    assert!(
        shown[0].contains("Going: 2 of 2 · waitlist: 2 · maybe: 1"),
        "{shown:?}"
    );
    assert!(shown[0].contains("\nGoing: ana, dee\n"), "{shown:?}");
    assert!(
        shown[0].contains("\nWaitlist, in order: cai, ben\n"),
        "{shown:?}"
    );
    assert!(shown[0].contains("\nMaybe: eve"), "{shown:?}");
    assert!(!shown[0].contains("@ana:test"), "names only: {shown:?}");
    let member_view = h.say(ana.says("!event show E1"), now).await;
    assert!(
        member_view[0].contains("Going: 2 of 2 · waitlist: 2 · maybe: 1"),
        "{member_view:?}"
    );
    assert!(
        !member_view[0].contains("dee") && !member_view[0].contains("Waitlist,"),
        "{member_view:?}"
    );
}

/// Check-in is for members going: one still on the waitlist, or who never answered, is refused
/// with what to do, and an organiser can check a member in by name whatever their answer.
#[tokio::test]
async fn checkin_is_for_those_going() {
    let h = Harness::sqlite(SYDNEY).await;
    let now = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let [ana, ben, cai] = ["ana", "ben", "cai"].map(Member::new);
    h.say(
        chair.says("!event create Sim session | Thursday 07:30 | for 1h | capacity 1 | cpd 1"),
        now,
    )
    .await;
    h.say(ana.says("!rsvp E1 going"), now).await;
    h.say(ben.says("!rsvp E1 going"), now + Duration::seconds(1))
        .await;
    let during = at("2026-11-26T07:45:00+11:00");
    let code = open_code(&h, &chair, during).await;
    let waiting = h
        .say(ben.says(&format!("!event checkin E1 {code}")), during)
        .await;
    assert!(
        waiting[0].contains("you're on the waitlist") && waiting[0].contains("an organiser"),
        "{waiting:?}"
    );
    let unanswered = h
        .say(cai.says(&format!("!event checkin E1 {code}")), during)
        .await;
    assert!(unanswered[0].contains("!rsvp E1 going"), "{unanswered:?}");
    let ok = h
        .say(ana.says(&format!("!event checkin E1 {code}")), during)
        .await;
    assert!(ok[0].starts_with("Checked in to Sim session"), "{ok:?}");
    let not_theirs = h.say(ana.says("!event checkin E1 @cai:test"), during).await;
    assert!(
        not_theirs[0].contains("Only the organisers"),
        "{not_theirs:?}"
    );
    let by_organiser = h
        .say(chair.says("!event checkin E1 @ben:test"), during)
        .await;
    assert!(
        by_organiser[0].starts_with("Checked ben in to Sim session (E1)"),
        "{by_organiser:?}"
    );
    let present = h.say(chair.says("!event attendance E1"), during).await;
    assert!(present[0].contains("2 checked in"), "{present:?}");
    let log = h.say(ben.says("!cpd"), during).await;
    assert!(log[0].contains("Total: 1h"), "{log:?}");
}

/// CPD hours are at most the event's length unless the organiser says `override`; the rule
/// holds for `create` and `edit` alike, whichever order the fields come in.
#[tokio::test]
async fn cpd_hours_are_at_most_the_length_unless_overridden() {
    let h = Harness::sqlite(SYDNEY).await;
    let now = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let refused = h
        .say(
            chair.says("!event create Sim session | Thursday 07:30 | for 1h | cpd 100"),
            now,
        )
        .await;
    assert!(
        refused[0].contains("at most the event's length (1h)")
            && refused[0].contains("cpd 100 override"),
        "{refused:?}"
    );
    assert!(h.store.event(1).await.unwrap().is_none());
    let made = h
        .say(
            chair.says("!event create Sim session | Thursday 07:30 | cpd 2 override | for 1h"),
            now,
        )
        .await;
    assert!(made.iter().any(|t| t.contains("CPD: 2h")), "{made:?}");
    let edit = h.say(chair.says("!event edit E1 | cpd 3"), now).await;
    assert!(edit[0].contains("at most the event's length"), "{edit:?}");
    let edit = h
        .say(chair.says("!event edit E1 | cpd 3 | for 3h"), now)
        .await;
    assert!(edit.iter().any(|t| t.starts_with("Updated E1")), "{edit:?}");
    assert_eq!(
        h.store.event(1).await.unwrap().unwrap().cpd_minutes,
        Some(180)
    );
}

/// What members read: a kind as words (none for an event without one), counts in the singular
/// when there is one, and an empty CPD export that says so instead of a bare header.
#[tokio::test]
async fn event_wording_reads_naturally() {
    let h = Harness::sqlite(SYDNEY).await;
    let now = at("2026-11-23T09:00:00+11:00");
    let chair = Member::new("chair");
    let ana = Member::new("ana");
    let made = h
        .say(
            chair.says("!event create Sepsis update | Thursday 12:30 | capacity 1 | kind grand-rounds | cpd 1"),
            now,
        )
        .await;
    assert!(
        made[0].contains("\nGrand rounds · CPD: 1h · 1 place\n"),
        "{made:?}"
    );
    let plain = h
        .say(chair.says("!event create Drinks | Friday 18:00"), now)
        .await;
    assert!(
        !plain[0].contains("other") && !plain[0].contains("\n\n"),
        "{plain:?}"
    );
    let shown = h.say(ana.says("!event show E2"), now).await;
    assert!(!shown[0].contains("other"), "{shown:?}");
    h.say(ana.says("!rsvp E1 going"), now).await;
    let cancelled = h.say(chair.says("!event cancel E1"), now).await;
    assert!(
        cancelled
            .iter()
            .any(|t| t == "Cancelled E1; 1 member who answered was told."),
        "{cancelled:?}"
    );
    let export = h.say(ana.says("!cpd export"), now).await;
    assert!(
        export[0].contains("nothing to export yet") && !export[0].contains("date,title"),
        "{export:?}"
    );
}
