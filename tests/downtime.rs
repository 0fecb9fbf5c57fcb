//! Work due while Rounds was down, one story per job kind: after a gap, every occurrence inside
//! the catch-up window (7 days) is sent, labelled late, or collapsed into one send that says
//! so; every one outside it is reported; nothing disappears. Driven through the core, the
//! store and the scheduler with a simulated clock, on SQLite (and PostgreSQL where cheap).

mod support;

use std::sync::Arc;

use chrono::Duration;
use rounds::core::io::Action;
use rounds::core::store::Store;
use support::*;

const SYDNEY: chrono_tz::Tz = chrono_tz::Australia::Sydney;

fn chair() -> Member {
    Member::new("chair")
}

fn admin_log(shown: &[String]) -> Vec<&String> {
    shown
        .iter()
        .filter(|t| t.starts_with("[admin log]"))
        .collect()
}

async fn reminders_across_a_nine_day_gap(store: Arc<dyn Store>) {
    let h = Harness::new(store, settings(SYDNEY));
    let ana = Member::new("ana");
    let t0 = at("2026-11-30T07:00:00+11:00");
    h.say(
        ana.says("!remind me every Monday 08:00 to review the rota"),
        t0,
    )
    .await;
    h.say(
        ana.says("!remind me tomorrow 8am to renew my registration"),
        t0,
    )
    .await;
    // Down from before the first reminder until Wednesday of the next week but one.
    let back = at("2026-12-09T10:00:00+11:00");
    let shown = h.tick(back).await;

    // The weekly one: Monday 30 Nov is past the window and reported; Monday 7 Dec is inside
    // it and sent late.
    assert!(
        shown.iter().any(|t| t.starts_with(
            "I was offline and missed your reminder R1, due Mon 30 Nov 08:00 AEDT: review the rota."
        )),
        "{shown:?}"
    );
    assert!(
        shown.contains(
            &"⏰ Reminder (late: due Mon 7 Dec 08:00 AEDT; I was offline): review the rota"
                .to_string()
        ),
        "{shown:?}"
    );
    // The one-off: past the window, reported.
    assert!(
        shown.iter().any(|t| t.starts_with(
            "I was offline and missed your reminder R2, due Tue 1 Dec 08:00 AEDT: renew my registration."
        )),
        "{shown:?}"
    );
    let logged = admin_log(&shown);
    assert_eq!(logged.len(), 2, "{shown:?}");
    assert!(logged.iter().any(|t| t.contains("Missed reminder R1")));
    assert!(logged.iter().any(|t| t.contains("Missed reminder R2")));
    assert_eq!(shown.len(), 5, "{shown:?}");
    // And it resumes on the first Monday still ahead.
    assert_eq!(
        h.store.next_due_at().await.unwrap(),
        Some(at("2026-12-14T08:00:00+11:00"))
    );
}

#[tokio::test]
async fn reminders_across_a_nine_day_gap_on_sqlite() {
    reminders_across_a_nine_day_gap(sqlite_memory().await).await;
}

#[tokio::test]
async fn reminders_across_a_nine_day_gap_on_postgres() {
    on_postgres(reminders_across_a_nine_day_gap).await;
}

#[tokio::test]
async fn two_weekly_occurrences_inside_the_window_are_sent_once_saying_so() {
    let mut settings = settings(SYDNEY);
    settings.catch_up = Duration::days(14);
    let h = Harness::new(sqlite_memory().await, settings);
    let ana = Member::new("ana");
    let t0 = at("2026-11-30T07:00:00+11:00");
    h.say(
        ana.says("!remind me every Monday 08:00 to review the rota"),
        t0,
    )
    .await;
    let shown = h.tick(at("2026-12-09T10:00:00+11:00")).await;
    assert_eq!(
        shown,
        vec![
            "⏰ Reminder (late: due Mon 30 Nov 08:00 AEDT to Mon 7 Dec 08:00 AEDT; 2 occurrences while I was offline, sent once): review the rota"
        ]
    );
}

/// Ben is going to an event created by the chair on Monday 30 Nov, with the default reminders
/// 24 h and 1 h before it.
async fn event_with_ben_going(h: &Harness, when: &str) {
    let t0 = at("2026-11-30T09:00:00+11:00");
    let said = h
        .say(
            chair().says(&format!("!event create Journal club | {when} | at Library")),
            t0,
        )
        .await;
    assert!(said[0].contains("(E1)"), "{said:?}");
    h.say(Member::new("ben").says("!rsvp E1 going"), t0).await;
}

fn reminders_to(h: &Harness, name: &str) -> Vec<String> {
    dms(h, name).iter().filter_map(text_of).collect()
}

#[tokio::test]
async fn event_reminders_for_an_event_in_the_gap_are_reported_not_sent() {
    let h = Harness::sqlite(SYDNEY).await;
    event_with_ben_going(&h, "Thursday 07:30").await;
    // Down from Tuesday until the Wednesday after the event.
    let shown = h.tick(at("2026-12-09T10:00:00+11:00")).await;
    assert!(
        reminders_to(&h, "ben").is_empty(),
        "no one is reminded of an event that is over: {shown:?}"
    );
    let logged = admin_log(&shown);
    assert_eq!(logged.len(), 1, "{shown:?}");
    assert!(
        logged[0].contains("Journal club (E1)") && logged[0].contains("not sent"),
        "{logged:?}"
    );
    assert_eq!(h.store.next_due_at().await.unwrap(), None);
}

#[tokio::test]
async fn an_event_reminder_late_but_before_the_event_says_the_real_time_left() {
    let h = Harness::sqlite(SYDNEY).await;
    event_with_ben_going(&h, "10 Dec 07:30").await;
    // Down over the 24 h reminder, back before the 1 h one.
    h.tick(at("2026-12-09T12:00:00+11:00")).await;
    assert_eq!(
        reminders_to(&h, "ben"),
        vec![
            "⏰ In 19h 30m: Journal club (E1), Thu 10 Dec 07:30 AEDT. (late: due Wed 9 Dec 07:30 AEDT; I was offline)"
        ]
    );
    h.tick(at("2026-12-10T06:30:00+11:00")).await;
    assert_eq!(
        reminders_to(&h, "ben"),
        vec!["⏰ In 1h: Journal club (E1), Thu 10 Dec 07:30 AEDT. Where: Library."]
    );
}

#[tokio::test]
async fn event_reminders_both_late_before_the_event_are_sent_once() {
    let h = Harness::sqlite(SYDNEY).await;
    event_with_ben_going(&h, "10 Dec 07:30").await;
    // Down over both reminders, back half an hour before the event.
    let shown = h.tick(at("2026-12-10T07:00:00+11:00")).await;
    assert_eq!(
        reminders_to(&h, "ben"),
        vec![
            "⏰ In 30m: Journal club (E1), Thu 10 Dec 07:30 AEDT. Where: Library. (late: due Wed 9 Dec 07:30 AEDT to Thu 10 Dec 06:30 AEDT; 2 occurrences while I was offline, sent once)"
        ],
        "{shown:?}"
    );
    assert_eq!(h.store.next_due_at().await.unwrap(), None);
}

/// A weekly programme (Monday 09:00) with four members, set up on Sunday 29 Nov.
async fn programme_of_four(h: &Harness) {
    let now = at("2026-11-29T14:00:00+11:00");
    h.say(chair().says("!coffee setup every Monday 09:00"), now)
        .await;
    for name in ["ana", "ben", "cai", "dee"] {
        h.say(Member::new(name).says("!coffee join"), now).await;
    }
}

fn introductions(h: &Harness) -> Vec<String> {
    h.adapter
        .shown()
        .into_iter()
        .filter_map(|(_, a)| match &a {
            Action::Introduce { message, .. } => Some(message.text.clone()),
            _ => None,
        })
        .collect()
}

async fn a_coffee_round_a_day_late_runs(store: Arc<dyn Store>) {
    let h = Harness::new(store, settings(SYDNEY));
    programme_of_four(&h).await;
    // Down from before Monday 30 Nov until Tuesday 8 Dec: the 30 Nov round is past the
    // window, the 7 Dec one a day late.
    let shown = h.tick(at("2026-12-08T10:00:00+11:00")).await;
    assert_eq!(introductions(&h).len(), 2, "the late round runs: {shown:?}");
    assert!(
        shown
            .iter()
            .any(|t| t.starts_with("☕ Round 1 of the coffee pairings")
                && t.contains("(late: due Mon 7 Dec 09:00 AEDT; I was offline)")),
        "{shown:?}"
    );
    let logged = admin_log(&shown);
    assert_eq!(logged.len(), 1, "{shown:?}");
    assert!(
        logged[0].contains("Missed the round of the coffee pairings, due Mon 30 Nov 09:00 AEDT"),
        "{logged:?}"
    );
    // The next round stays on its Monday.
    assert!(
        h.tick(at("2026-12-14T08:59:00+11:00"))
            .await
            .iter()
            .all(|t| !t.starts_with("☕ Round"))
    );
    let shown = h.tick(at("2026-12-14T09:00:00+11:00")).await;
    assert!(
        shown
            .iter()
            .any(|t| t.starts_with("☕ Round 2 of the coffee pairings")),
        "{shown:?}"
    );
}

#[tokio::test]
async fn a_coffee_round_a_day_late_runs_on_sqlite() {
    a_coffee_round_a_day_late_runs(sqlite_memory().await).await;
}

#[tokio::test]
async fn a_coffee_round_a_day_late_runs_on_postgres() {
    on_postgres(a_coffee_round_a_day_late_runs).await;
}

#[tokio::test]
async fn a_late_coffee_checkin_is_labelled_and_a_missed_one_reported() {
    let h = Harness::sqlite(SYDNEY).await;
    programme_of_four(&h).await;
    h.tick(at("2026-11-30T09:00:00+11:00")).await;
    assert_eq!(introductions(&h).len(), 2);
    // The check-in is due five days later, Saturday 5 Dec 09:00; Rounds is back a day late.
    h.tick(at("2026-12-06T09:00:00+11:00")).await;
    let checkins = introductions(&h);
    assert_eq!(checkins.len(), 2);
    assert!(
        checkins
            .iter()
            .all(|t| t.contains("(late: due Sat 5 Dec 09:00 AEDT; I was offline)")),
        "{checkins:?}"
    );

    // The next round runs on time; its check-in (Sat 12 Dec) falls in a nine-day gap.
    h.tick(at("2026-12-07T09:00:00+11:00")).await;
    let shown = h.tick(at("2026-12-21T10:00:00+11:00")).await;
    let logged = admin_log(&shown);
    assert!(
        logged.iter().any(|t| t.contains(
            "Missed the check-in of round 2 of the coffee pairings, due Sat 12 Dec 09:00 AEDT"
        )),
        "{shown:?}"
    );
}

#[tokio::test]
async fn a_stay_in_touch_nudge_past_the_window_is_reported() {
    let h = Harness::new(sqlite_memory().await, community_settings());
    programme_of_four(&h).await;
    h.tick(at("2026-11-30T09:00:00+11:00")).await;
    let group = h
        .adapter
        .shown()
        .into_iter()
        .find_map(|(_, a)| match a {
            Action::Introduce { members, .. } => Some(members),
            _ => None,
        })
        .unwrap();
    h.tick(at("2026-12-05T09:00:00+11:00")).await;
    let answer = h
        .adapter
        .shown()
        .into_iter()
        .find_map(|(_, a)| match a {
            Action::Introduce {
                members, message, ..
            } if members == group => message
                .choices
                .iter()
                .find(|c| c.id.ends_with(":met"))
                .map(|c| c.id.clone()),
            _ => None,
        })
        .unwrap();
    let first = Member::new(&group[0].name);
    h.say(first.chooses(&answer), at("2026-12-05T10:00:00+11:00"))
        .await;
    // The nudge is due 90 days after the round (28 Feb); Rounds is down until mid-March.
    let shown = h.tick(at("2027-03-15T10:00:00+11:00")).await;
    let logged = admin_log(&shown);
    assert!(
        logged
            .iter()
            .any(|t| t.contains("Missed the stay-in-touch nudge to 1 member of a round 1 coffee group, due Sun 28 Feb 09:00 AEDT (I was offline, past the catch-up window)")),
        "{shown:?}"
    );
}

fn celebrations(shown: &[String]) -> Vec<&String> {
    shown.iter().filter(|t| t.starts_with("🗓")).collect()
}

#[tokio::test]
async fn a_late_digest_is_labelled() {
    let h = Harness::new(sqlite_memory().await, community_settings());
    h.say(
        Member::new("ana").says("!milestone award Best teaching registrar 2026"),
        at("2026-11-23T09:00:00+11:00"),
    )
    .await;
    // The digest was due Friday 27 Nov 16:00; Rounds is back on Sunday.
    let shown = h.tick(at("2026-11-29T10:00:00+11:00")).await;
    let digest = celebrations(&shown);
    assert_eq!(digest.len(), 1, "{shown:?}");
    assert!(
        digest[0].starts_with(
            "🗓 Milestones in Test Society over the past 7d (late: due Fri 27 Nov 16:00 AEDT; I was offline):"
        ),
        "{digest:?}"
    );
    assert!(digest[0].contains("Best teaching registrar 2026"));
}

#[tokio::test]
async fn a_digest_past_the_window_is_reported_and_a_late_one_still_sent() {
    let h = Harness::new(sqlite_memory().await, community_settings());
    let ana = Member::new("ana");
    h.say(
        ana.says("!milestone award Best teaching registrar 2026"),
        at("2026-11-23T09:00:00+11:00"),
    )
    .await;
    assert_eq!(
        celebrations(&h.tick(at("2026-11-27T16:00:00+11:00")).await).len(),
        1
    );
    h.say(
        ana.says("!milestone post ED registrar at Westmead"),
        at("2026-11-30T09:00:00+11:00"),
    )
    .await;
    h.say(
        ana.says("!milestone exam Passed the FRACP written exam"),
        at("2026-12-09T09:00:00+11:00"),
    )
    .await;
    // Down from Friday 4 Dec until Sunday 13 Dec: the 4 Dec digest is past the window, the
    // 11 Dec one is two days late.
    let shown = h.tick(at("2026-12-13T10:00:00+11:00")).await;
    let logged = admin_log(&shown);
    assert!(
        logged.iter().any(|t| t.contains(
            "Missed the shout-out digest, due Fri 4 Dec 16:00 AEDT (I was offline, past the catch-up window); 1 shout-out was not listed."
        )),
        "{shown:?}"
    );
    let digest = celebrations(&shown);
    assert_eq!(digest.len(), 1, "{shown:?}");
    assert!(
        digest[0].contains("Passed the FRACP written exam"),
        "{digest:?}"
    );
    assert!(!digest[0].contains("Westmead"), "{digest:?}");
}

#[tokio::test]
async fn series_dates_that_passed_in_the_gap_are_reported_not_announced() {
    let h = Harness::sqlite(SYDNEY).await;
    h.say(
        chair().says(
            "!event create Grand rounds | Thursday 12:30 | every Thursday 12:30 | at Auditorium",
        ),
        at("2026-11-30T09:00:00+11:00"),
    )
    .await;
    // Down from before the first date (Thu 3 Dec) until Saturday 12 Dec: Thu 10 Dec began
    // while Rounds was down.
    let back = at("2026-12-12T10:00:00+11:00");
    let mut shown = h.tick(back).await;
    shown.extend(h.tick(back + Duration::minutes(1)).await);
    let announced: Vec<&String> = shown.iter().filter(|t| t.starts_with("📅")).collect();
    assert_eq!(announced.len(), 1, "{shown:?}");
    assert!(announced[0].contains("Thu 17 Dec 12:30"), "{announced:?}");
    let logged = admin_log(&shown);
    assert_eq!(logged.len(), 1, "{shown:?}");
    assert!(
        logged[0].contains("Grand rounds") && logged[0].contains("Thu 10 Dec 12:30 AEDT"),
        "{logged:?}"
    );
}
