//! Personal reminders end to end through the runtime: every time form, listing, cancel, snooze,
//! room reminders, and DST in four zones; follow-ups (`!followup`, the one-tap follow-up after
//! a coffee or an event) and stay-in-touch nudges, on SQLite and PostgreSQL.

mod support;

use std::sync::Arc;

use chrono::{DateTime, Duration, Timelike, Utc};
use chrono_tz::Tz;
use rounds::core::io::Action;
use rounds::core::store::Store;
use rounds::store::{DatabaseUrl, SqlStore};
use support::*;

const SYDNEY: Tz = chrono_tz::Australia::Sydney;

/// Runs the scheduler from `from` to `to`, stopping at each due time; returns (when, text) shown.
async fn run_until(
    h: &Harness,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, Action)> {
    let mut shown = Vec::new();
    let mut now = from;
    while let Some(next) = h.store.next_due_at().await.unwrap() {
        if next > to || next < now {
            break;
        }
        now = next;
        h.adapter.clear();
        h.runtime.tick(now).await.unwrap();
        h.runtime.deliver(h.adapter.as_ref(), now).await.unwrap();
        shown.extend(h.adapter.shown().into_iter().map(|(_, a)| (now, a)));
    }
    shown
}

#[tokio::test]
async fn every_documented_time_form_is_accepted() {
    let h = Harness::sqlite(SYDNEY).await;
    let now = at("2026-11-22T14:00:00+11:00");
    let ana = Member::new("ana");
    let cases = [
        ("in 20 minutes", "Sun 22 Nov 14:20 AEDT"),
        ("in 10 seconds", "Sun 22 Nov 14:00 AEDT"),
        ("in 3 days", "Wed 25 Nov 14:00 AEDT"),
        ("tomorrow 8am", "Mon 23 Nov 08:00 AEDT"),
        ("next Tuesday 09:00", "Tue 24 Nov 09:00 AEDT"),
        ("on 1 December at 14:30", "Tue 1 Dec 14:30 AEDT"),
        ("2026-12-01 14:30", "Tue 1 Dec 14:30 AEDT"),
        ("1/12 14:30", "Tue 1 Dec 14:30 AEDT"),
        ("every Monday 08:00", "Mon 23 Nov 08:00 AEDT"),
        ("every weekday at 7:30", "Mon 23 Nov 07:30 AEDT"),
        ("every 2 weeks on Friday 17:00", "Fri 27 Nov 17:00 AEDT"),
        ("0 8 * * 1", "Mon 23 Nov 08:00 AEDT"),
    ];
    for (when, expected) in cases {
        let reply = h
            .say(
                ana.says_privately(&format!("!remind me {when} to check the example")),
                now,
            )
            .await
            .remove(0);
        assert!(reply.starts_with("Got it (R"), "{when}: {reply}");
        assert!(reply.contains(expected), "{when}: {reply}");
        assert!(reply.contains(": check the example."), "{when}: {reply}");
    }
}

#[tokio::test]
async fn list_cancel_and_snooze() {
    let h = Harness::sqlite(SYDNEY).await;
    let now = at("2026-11-22T14:00:00+11:00");
    let ana = Member::new("ana");
    h.say(
        ana.says("!remind me in 2 hours to email my supervisor"),
        now,
    )
    .await;
    h.say(
        ana.says("!remind here every Monday 08:00 to review the rota"),
        now,
    )
    .await;

    let list = h.say(ana.says("!REMINDERS"), now).await.remove(0);
    assert_eq!(
        list,
        "Your reminders (times in Australia/Sydney):\n\
         R1 · Sun 22 Nov 16:00 AEDT · email my supervisor\n\
         R2 · Mon 23 Nov 08:00 AEDT · every Monday at 08:00 · in !general:test · review the rota\n\
         Cancel with `!reminders cancel <id>`, snooze with `!reminders snooze <id> 1h`."
    );
    // Ids are accepted in any case; snooze pushes back from the due time.
    let snoozed = h
        .say(ana.says("!reminders snooze r1 30m"), now)
        .await
        .remove(0);
    assert_eq!(snoozed, "Snoozed R1 by 30m: now Sun 22 Nov 16:30 AEDT.");
    let cancelled = h.say(ana.says("!reminders cancel r2"), now).await.remove(0);
    assert_eq!(cancelled, "Cancelled R2: review the rota.");
    assert!(
        h.say(ana.says("!reminders cancel R2"), now).await[0]
            .contains("already fired or been cancelled")
    );

    let shown = run_until(&h, now, now + Duration::days(14)).await;
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].0, at("2026-11-22T16:30:00+11:00"));

    // A fired one-off can be snoozed again from now.
    let later = at("2026-11-22T16:31:00+11:00");
    let again = h
        .say(ana.says("!reminders snooze R1 1h"), later)
        .await
        .remove(0);
    assert_eq!(again, "Snoozed R1 by 1h: now Sun 22 Nov 17:31 AEDT.");
}

#[tokio::test]
async fn room_reminders_post_in_the_room_and_mention_the_owner() {
    let h = Harness::sqlite(SYDNEY).await;
    let now = at("2026-11-22T14:00:00+11:00");
    let ana = Member::new("ana");
    h.say(
        ana.says("!remind here in 5 minutes to start the teaching session"),
        now,
    )
    .await;
    let shown = run_until(&h, now, now + Duration::hours(1)).await;
    match &shown[..] {
        [(_, Action::Post { room, message })] => {
            assert_eq!(room, "!general:test");
            assert_eq!(
                message.text,
                "⏰ Reminder from ana: start the teaching session"
            );
            assert_eq!(message.mentions, vec![ana.user.clone()]);
        }
        other => panic!("{other:?}"),
    }
}

/// A weekly 08:00 reminder stays at 08:00 local across both DST changes in four zones, and a
/// daily 02:30 is moved forward on the night the clocks skip it.
#[tokio::test]
async fn dst_in_four_zones() {
    let zones = [
        // zone, start (local), the spring-forward date, a skipped time and where it moves
        (
            "Australia/Sydney",
            "2026-03-01T12:00:00+11:00",
            "2026-10-04",
            "2:30",
            "03:30",
            "02:30",
        ),
        (
            "Europe/London",
            "2026-03-01T12:00:00+00:00",
            "2026-03-29",
            "1:30",
            "02:30",
            "01:30",
        ),
        (
            "America/New_York",
            "2026-03-01T12:00:00-05:00",
            "2026-03-08",
            "2:30",
            "03:30",
            "02:30",
        ),
        (
            "Pacific/Auckland",
            "2026-03-01T12:00:00+13:00",
            "2026-09-27",
            "2:30",
            "03:30",
            "02:30",
        ),
    ];
    for (zone_name, start, gap_day, skipped, moved, usual) in zones {
        let zone: Tz = zone_name.parse().unwrap();
        let h = Harness::sqlite(Tz::UTC).await;
        let ana = Member::new("ana");
        let start = at(start);
        // The member's own zone is used, not the society's (UTC here).
        h.say(ana.says(&format!("!profile timezone {zone_name}")), start)
            .await;
        h.say(
            ana.says("!remind me every Monday 08:00 to review the rota"),
            start,
        )
        .await;
        let shown = run_until(&h, start, start + Duration::days(300)).await;
        assert!(
            shown.len() >= 40,
            "{zone_name}: {} weekly firings",
            shown.len()
        );
        let offsets: std::collections::BTreeSet<String> = shown
            .iter()
            .map(|(when, _)| when.with_timezone(&zone).format("%z").to_string())
            .collect();
        assert_eq!(
            offsets.len(),
            2,
            "{zone_name}: crossed both changes: {offsets:?}"
        );
        for (when, _) in &shown {
            let local = when.with_timezone(&zone);
            assert_eq!(
                (local.format("%a").to_string(), local.hour(), local.minute()),
                ("Mon".to_string(), 8, 0),
                "{zone_name}: fired at {local}"
            );
        }

        // The skipped time does not exist on the spring-forward night: it fires an hour later.
        let h = Harness::sqlite(zone).await;
        h.say(
            ana.says(&format!(
                "!remind me every day at {skipped} to check the overnight bloods"
            )),
            start,
        )
        .await;
        let shown = run_until(&h, start, start + Duration::days(240)).await;
        let local_times: Vec<String> = shown
            .iter()
            .map(|(when, _)| {
                when.with_timezone(&zone)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .collect();
        assert!(
            local_times.contains(&format!("{gap_day} {moved}")),
            "{zone_name}: {:?}",
            local_times
                .iter()
                .filter(|t| t.starts_with(&gap_day[..7]))
                .collect::<Vec<_>>()
        );
        assert!(
            local_times
                .iter()
                .filter(|t| !t.starts_with(gap_day))
                .all(|t| t.ends_with(usual)),
            "{zone_name}"
        );
    }
}

async fn followup_story(store: Arc<dyn Store>) {
    let h = Harness::new(store.clone(), community_settings());
    let now = at("2026-11-23T09:00:00+11:00");
    let [chair, ana, ben] = ["chair", "ana", "ben"].map(Member::new);

    // Set in a shared room, the room hears the id and time; the note goes to ana privately.
    let said = h
        .say(
            ana.says("!followup @ben:test in 3 days ask about the audit"),
            now,
        )
        .await;
    assert_eq!(
        said,
        [
            "Got it (R1): I'll remind you on Thu 26 Nov 09:00 AEDT. I've sent you the details privately.",
            "Got it (R1): I'll remind you on Thu 26 Nov 09:00 AEDT to follow up with ben: ask about the audit. Cancel with `!reminders cancel R1`.",
        ]
    );
    assert_eq!(dms(&h, "ana").len(), 1);
    let asked = h
        .say(
            ana.says("!followup @ben:test tomorrow 8 ask about the audit"),
            now,
        )
        .await;
    assert_eq!(
        asked,
        [
            "Did you mean 08:00 or 20:00? I've sent you the two ways to write it privately.",
            "Did you mean 08:00 or 20:00? Try: `!followup @ben:test tomorrow 8am ask about the audit` or `!followup @ben:test tomorrow 8pm ask about the audit`.",
        ]
    );
    let fired = h.tick(now + Duration::days(3)).await;
    assert_eq!(
        fired,
        ["⏰ Reminder: follow up with ben: ask about the audit"]
    );
    let refused = h.say(ana.says("!followup ben tomorrow"), now).await;
    assert!(refused[0].contains("@mention"), "{refused:?}");
    // The example is a follow-up, not another command's.
    assert!(
        refused[0].contains("`!followup @ana in 1 week ask about the research project`"),
        "{refused:?}"
    );
    assert!(!refused[0].contains("shoutout"), "{refused:?}");
    let refused = h
        .say(ana.says("!followup @ben:test every Monday 9am"), now)
        .await;
    assert!(refused[0].contains("happens once"), "{refused:?}");

    // After a coffee meeting: one follow-up choice, and the stay-in-touch nudge months later.
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
    h.say(ana.chooses(&format!("coffee:{group}:met")), checkin)
        .await;
    let offered = h.adapter.shown();
    let ids = choice_ids(&offered[0].1);
    assert_eq!(ids, [format!("followup:coffee:{group}")]);
    let said = h.say(ana.chooses(&ids[0]), checkin).await;
    assert!(
        said[0].contains("follow up with ben from your coffee (round 1)"),
        "{said:?}"
    );
    // ben's choice is not ana's.
    let refused = h.say(Member::new("cai").chooses(&ids[0]), checkin).await;
    assert!(refused[0].contains("not yours"), "{refused:?}");

    let nudged = h.tick(monday + Duration::days(90)).await;
    assert!(
        nudged
            .iter()
            .any(|t| t.contains("since you met ben over coffee")),
        "{nudged:?}"
    );
    assert!(
        !nudged.iter().any(|t| t.contains("since you met ana")),
        "ben did not say they met: {nudged:?}"
    );

    // After an event: checking in offers the follow-up.
    h.say(
        chair.says("!event create Grand rounds | 2026-12-10 12:30 | for 1h"),
        now,
    )
    .await;
    // Check-in is for members going.
    h.say(ana.says("!rsvp E1 going"), now).await;
    let during = at("2026-12-10T12:45:00+11:00");
    let code = h.say(chair.says("!event checkin-code E1"), during).await;
    let code = code[0]
        .split('`')
        .find(|w| w.starts_with("!event checkin E1 "))
        .map(|w| w.trim_start_matches("!event checkin E1 ").to_string())
        .unwrap_or_else(|| panic!("{code:?}"));
    h.say(ana.says(&format!("!event checkin E1 {code}")), during)
        .await;
    let ids = choice_ids(&h.adapter.shown()[0].1);
    assert_eq!(ids, ["followup:event:1"]);
    let said = h.say(ana.chooses("followup:event:1"), during).await;
    assert!(
        said[0].contains("follow up with the people you met at Grand rounds"),
        "{said:?}"
    );
    let refused = h.say(ben.chooses("followup:event:1"), during).await;
    assert!(
        refused[0].contains("not yours"),
        "ben did not attend: {refused:?}"
    );
}

#[tokio::test]
async fn followups_on_sqlite() {
    followup_story(sqlite_memory().await).await;
}

#[tokio::test]
async fn followups_on_postgres() {
    // A fresh database: the story counts on its own ids (E1).
    let db = PgDatabase::create().await;
    let store: Arc<dyn Store> = Arc::new(
        SqlStore::open(&DatabaseUrl::parse(&db.url).expect("a database URL"))
            .await
            .unwrap(),
    );
    followup_story(store).await;
    db.drop().await;
}

/// Room reminders cannot flood a room: a repeating one may not repeat more often than hourly,
/// a room holds at most `MAX_ACTIVE_PER_ROOM` active ones whoever set them, and a malformed
/// cron is refused rather than read as every minute. Private reminders keep their own rules.
async fn room_flood_story(store: Arc<dyn Store>) {
    use rounds::core::reminders::{MAX_ACTIVE_PER_ROOM, MIN_ROOM_REPEAT};
    let h = Harness::new(store.clone(), settings(SYDNEY));
    let now = at("2026-11-22T14:00:00+11:00");
    let [ana, ben] = ["ana", "ben"].map(Member::new);
    assert_eq!(MIN_ROOM_REPEAT, Duration::hours(1));

    let count = |h: &Harness| {
        let store = h.store.clone();
        async move { store.counts().await.unwrap().reminders }
    };
    for flood in [
        "!remind here * * * * * ward round",
        "!remind here */30 * * * * ward round",
        "!remind here 0,1 9 * * 1 ward round",
    ] {
        let before = count(&h).await;
        let refused = h.say(ana.says(flood), now).await;
        assert!(
            refused[0].contains("at most once an hour"),
            "{flood}: {refused:?}"
        );
        assert!(refused[0].contains("remind me"), "{flood}: {refused:?}");
        assert_eq!(count(&h).await, before, "{flood}");
    }
    let refused = h
        .say(ana.says("!remind here * * * * * * * hello"), now)
        .await;
    assert!(refused[0].contains("5 fields"), "{refused:?}");
    assert_eq!(count(&h).await, 0);

    // Private reminders may still repeat every minute.
    let mine = h.say(ana.says("!remind me * * * * * stretch"), now).await;
    assert!(mine[0].starts_with("Got it (R"), "{mine:?}");
    // Hourly in the room is allowed, and so are one-offs, up to the room's cap (any author).
    let hourly = h.say(ana.says("!remind here 0 * * * * huddle"), now).await;
    assert!(hourly[0].starts_with("Got it (R"), "{hourly:?}");
    for n in 1..MAX_ACTIVE_PER_ROOM {
        let who = if n % 2 == 0 { &ana } else { &ben };
        let ok = h
            .say(
                who.says(&format!("!remind here in {n} hours to item {n}")),
                now,
            )
            .await;
        assert!(ok[0].starts_with("Got it (R"), "{n}: {ok:?}");
    }
    let before = count(&h).await;
    let full = h
        .say(ben.says("!remind here in 5 hours to one too many"), now)
        .await;
    assert!(
        full[0].contains(&format!("already has {MAX_ACTIVE_PER_ROOM} reminders")),
        "{full:?}"
    );
    assert!(full[0].contains("reminders cancel"), "{full:?}");
    assert_eq!(count(&h).await, before);
    // A private reminder is not counted against the room.
    let mine = h.say(ben.says("!remind me in 5 hours to file"), now).await;
    assert!(mine[0].starts_with("Got it (R"), "{mine:?}");
    // Cancelling one makes room again.
    let cancelled = h.say(ana.says("!reminders cancel R2"), now).await;
    assert!(cancelled[0].starts_with("Cancelled R2"), "{cancelled:?}");
    let ok = h
        .say(ben.says("!remind here in 5 hours to fits now"), now)
        .await;
    assert!(ok[0].starts_with("Got it (R"), "{ok:?}");
    // A fired room reminder snoozed back counts against the cap too.
    let later = now + Duration::minutes(90);
    let shown = run_until(&h, now, later).await;
    assert!(!shown.is_empty());
    let ok = h
        .say(ana.says("!remind here in 5 hours to fills it again"), later)
        .await;
    assert!(ok[0].starts_with("Got it (R"), "{ok:?}");
    let first_one_off = "R3";
    let snoozed = h
        .say(
            ben.says(&format!("!reminders snooze {first_one_off} 1h")),
            later,
        )
        .await;
    assert!(
        snoozed[0].contains(&format!("already has {MAX_ACTIVE_PER_ROOM} reminders")),
        "{snoozed:?}"
    );
}

#[tokio::test]
async fn room_floods_are_refused_on_sqlite() {
    room_flood_story(sqlite_memory().await).await;
}

#[tokio::test]
async fn room_floods_are_refused_on_postgres() {
    let db = PgDatabase::create().await;
    let store: Arc<dyn Store> = Arc::new(
        SqlStore::open(&DatabaseUrl::parse(&db.url).expect("a database URL"))
            .await
            .unwrap(),
    );
    room_flood_story(store).await;
    db.drop().await;
}

/// Phrases doctors type: a part of the day is read to its documented hour and the confirmation
/// says it; a bare hour beside a day is asked back with both commands to copy, and nothing is
/// stored until the member picks one.
#[tokio::test]
async fn a_bare_hour_is_asked_back_and_parts_of_the_day_are_stated() {
    let h = Harness::sqlite(SYDNEY).await;
    let now = at("2026-11-22T14:00:00+11:00");
    let ana = Member::new("ana");
    let asked = h
        .say(
            ana.says_privately("!remind me tomorrow 8 to call the registrar"),
            now,
        )
        .await;
    assert_eq!(
        asked,
        [
            "Did you mean 08:00 or 20:00? Try: `!remind me tomorrow 8am to call the registrar` or `!remind me tomorrow 8pm to call the registrar`."
        ]
    );
    assert!(
        h.store
            .active_reminders(SOCIETY, &ana.user.id)
            .await
            .unwrap()
            .is_empty()
    );
    for (phrase, stated) in [
        ("tomorrow 8pm", "Mon 23 Nov 20:00 AEDT"),
        ("tomorrow morning", "Mon 23 Nov 08:00 AEDT"),
        ("this evening", "Sun 22 Nov 18:00 AEDT"),
        ("end of the day", "Sun 22 Nov 17:00 AEDT"),
        ("in a fortnight", "Sun 6 Dec 14:00 AEDT"),
        ("in half an hour", "Sun 22 Nov 14:30 AEDT"),
        ("Monday week", "Mon 30 Nov 09:00 AEDT"),
        ("next week", "Mon 23 Nov 09:00 AEDT"),
    ] {
        let said = h
            .say(
                ana.says_privately(&format!("!remind me {phrase} to call the registrar")),
                now,
            )
            .await;
        assert_eq!(said.len(), 1, "{phrase}: {said:?}");
        assert!(
            said[0].contains(&format!("I'll remind you on {stated}: call the registrar.")),
            "{phrase}: {said:?}"
        );
    }
    let repeating = h
        .say(
            ana.says_privately("!remind me every fortnight on Friday 5pm to do timesheets"),
            now,
        )
        .await;
    assert!(
        repeating[0].contains(
            "Fri 27 Nov 17:00 AEDT, then every 2 weeks on Friday at 17:00: do timesheets."
        ),
        "{repeating:?}"
    );
}

/// A private reminder set in a shared room: the room hears only its id and time; the words go
/// to the member privately. In a direct room, and for `!remind here`, nothing changes.
#[tokio::test]
async fn a_private_reminder_set_in_a_room_keeps_its_words_out_of_the_room() {
    let h = Harness::sqlite(SYDNEY).await;
    let now = at("2026-11-23T09:00:00+11:00");
    let ana = Member::new("ana");
    h.say(
        ana.says("!remind me in 2 minutes to call the registrar"),
        now,
    )
    .await;
    let shown: Vec<Action> = h.adapter.shown().into_iter().map(|(_, a)| a).collect();
    match &shown[..] {
        [
            Action::Reply {
                room,
                private: _,
                message: in_room,
                ..
            },
            Action::Remind { user, message },
        ] => {
            assert_eq!(room, "!general:test");
            assert_eq!(
                in_room.text,
                "Got it (R1): I'll remind you on Mon 23 Nov 09:02 AEDT. I've sent you the details privately."
            );
            assert_eq!(user, &ana.user);
            assert_eq!(
                message.text,
                "Got it (R1): I'll remind you on Mon 23 Nov 09:02 AEDT: call the registrar. Cancel with `!reminders cancel R1`."
            );
        }
        other => panic!("{other:?}"),
    }

    // Asked back in the room, the two commands to copy carry the words: they go privately too.
    h.say(ana.says("!remind me tomorrow 8 to call the registrar"), now)
        .await;
    let shown: Vec<Action> = h.adapter.shown().into_iter().map(|(_, a)| a).collect();
    match &shown[..] {
        [
            Action::Reply {
                message: in_room, ..
            },
            Action::Remind { user, message },
        ] => {
            assert_eq!(
                in_room.text,
                "Did you mean 08:00 or 20:00? I've sent you the two ways to write it privately."
            );
            assert_eq!(user, &ana.user);
            assert_eq!(
                message.text,
                "Did you mean 08:00 or 20:00? Try: `!remind me tomorrow 8am to call the registrar` or `!remind me tomorrow 8pm to call the registrar`."
            );
        }
        other => panic!("{other:?}"),
    }

    let direct = h
        .say(ana.says_privately("!remind me in 5 minutes to eat"), now)
        .await;
    assert_eq!(
        direct,
        [
            "Got it (R2): I'll remind you on Mon 23 Nov 09:05 AEDT: eat. Cancel with `!reminders cancel R2`."
        ]
    );
    let here = h
        .say(
            ana.says("!remind here in 5 minutes to start the session"),
            now,
        )
        .await;
    assert_eq!(
        here,
        [
            "Got it (R3): I'll post here on Mon 23 Nov 09:05 AEDT: start the session. Cancel with `!reminders cancel R3`."
        ]
    );
}

/// The same in the shell: `#general` shows the id and time, the words arrive as a direct message.
#[test]
fn shell_keeps_a_private_reminders_words_out_of_general() {
    use std::io::Write;
    let mut child = support::rounds_command()
        .args(["shell", "--db", ":memory:"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start rounds");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(
            b"/clock 2026-11-23T09:00:00+11:00\n!remind me in 2 minutes to call the registrar\n",
        )
        .expect("write");
    let output = child.wait_with_output().expect("output");
    let lines: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.starts_with('['))
        .map(str::to_string)
        .collect();
    assert_eq!(
        lines,
        [
            "[2026-11-23 09:00] #general rounds: Got it (R1): I'll remind you on Mon 23 Nov 09:02 AEDT. I've sent you the details privately.",
            "[2026-11-23 09:00] @you (dm) rounds: Got it (R1): I'll remind you on Mon 23 Nov 09:02 AEDT: call the registrar. Cancel with `!reminders cancel R1`.",
        ]
    );
}
