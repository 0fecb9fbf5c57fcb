//! Coffee and mentor pairings end to end through the core, the store and the scheduler:
//! setup, joining, a scheduled round, introductions, check-ins, stats, pausing, skipping,
//! auto-pause after unanswered check-ins, mentor capacities, and erasure. Run on SQLite and
//! on PostgreSQL.

mod support;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use rounds::core::io::{Action, UserRef};
use rounds::core::store::Store;

use support::*;

const SYDNEY: chrono_tz::Tz = chrono_tz::Australia::Sydney;

fn chair() -> Member {
    Member::new("chair")
}

/// The introductions shown since the last clear, as sorted member-name lists.
fn introductions(h: &Harness) -> Vec<(Vec<String>, Action)> {
    h.adapter
        .shown()
        .into_iter()
        .filter_map(|(_, action)| match &action {
            Action::Introduce { members, .. } => {
                let mut names: Vec<String> = members.iter().map(|m| m.name.clone()).collect();
                names.sort();
                Some((names, action))
            }
            _ => None,
        })
        .collect()
}

fn choice_ids(action: &Action) -> Vec<String> {
    match action {
        Action::Introduce { message, .. } | Action::Reply { message, .. } => {
            message.choices.iter().map(|c| c.id.clone()).collect()
        }
        _ => Vec::new(),
    }
}

async fn story(store: Arc<dyn Store>) {
    let h = Harness::new(store, settings(SYDNEY));
    let boss = chair();
    // Sunday afternoon; the first round is Monday 09:00 Sydney time.
    let now = at("2026-11-22T14:00:00+11:00");
    let monday = at("2026-11-23T09:00:00+11:00");

    let said = h
        .say(boss.says("!coffee setup every Monday 09:00"), now)
        .await;
    assert!(
        said[0].contains("every Monday at 09:00") && said[0].contains("Mon 23 Nov 09:00 AEDT"),
        "{said:?}"
    );

    let names = ["ana", "ben", "cai", "dee", "eli"];
    let members: Vec<Member> = names.iter().map(|n| Member::new(n)).collect();
    for member in &members {
        let said = h.say(member.says("!coffee join"), now).await;
        assert!(
            said[0].starts_with("You are in the coffee pairings"),
            "{said:?}"
        );
    }
    let again = h.say(members[0].says("!coffee join"), now).await;
    assert!(again[0].starts_with("You are already in"), "{again:?}");
    h.say(members[0].says("!profile stage registrar"), now)
        .await;
    h.say(
        members[0].says("!profile specialty emergency medicine"),
        now,
    )
    .await;

    // Nothing happens before the round is due.
    assert!(h.tick(monday - Duration::minutes(1)).await.is_empty());

    // The round: five members, so two groups, one of them of three; everyone exactly once.
    let shown = h.tick(monday).await;
    let intros = introductions(&h);
    assert_eq!(intros.len(), 2, "{shown:?}");
    let mut everyone: Vec<String> = intros.iter().flat_map(|(n, _)| n.clone()).collect();
    everyone.sort();
    assert_eq!(everyone, names);
    let mut sizes: Vec<usize> = intros.iter().map(|(n, _)| n.len()).collect();
    sizes.sort();
    assert_eq!(sizes, vec![2, 3]);
    let ana_intro = intros
        .iter()
        .find(|(n, _)| n.contains(&"ana".to_string()))
        .map(|(_, a)| text_of(a).unwrap())
        .unwrap();
    assert!(
        ana_intro.contains("• ana (registrar · emergency medicine)"),
        "{ana_intro}"
    );
    assert!(ana_intro.contains("Icebreaker: "), "{ana_intro}");
    assert!(
        shown
            .iter()
            .any(|t| t.starts_with("☕ Round 1 of the coffee pairings: 5 members in 2 groups")),
        "{shown:?}"
    );
    // Firing again at the same time sends nothing new.
    assert!(h.tick(monday).await.is_empty());

    // History shows the partners.
    let history = h.say(members[0].says("!coffee history"), monday).await;
    assert!(
        history[0].contains("round 1 · with") && history[0].contains("no answer"),
        "{history:?}"
    );

    // The check-in, five days later, in each group's own meeting, with three choices.
    let checkin_at = monday + Duration::days(5);
    h.tick(checkin_at).await;
    let checkins = introductions(&h);
    assert_eq!(checkins.len(), 2);
    for ((names, intro), (check_names, check)) in intros.iter().zip(&checkins) {
        assert_eq!(names, check_names);
        let meeting = |a: &Action| match a {
            Action::Introduce { meeting, .. } => meeting.clone(),
            _ => None,
        };
        assert!(meeting(intro).is_some());
        assert_eq!(meeting(intro), meeting(check), "same room or thread");
    }
    let (ana_group, ana_checkin) = checkins
        .iter()
        .find(|(n, _)| n.contains(&"ana".to_string()))
        .unwrap();
    let ids = choice_ids(ana_checkin);
    assert_eq!(ids.len(), 3);
    assert!(ids[0].ends_with(":met") && ids[1].ends_with(":planned") && ids[2].ends_with(":no"));

    // Only the group's own members may answer.
    let outsider = members
        .iter()
        .find(|m| !ana_group.contains(&m.user.name))
        .unwrap();
    let refused = h.say(outsider.chooses(&ids[0]), checkin_at).await;
    assert!(refused[0].contains("not yours to make"), "{refused:?}");

    let met = h.say(members[0].chooses(&ids[0]), checkin_at).await;
    assert!(met[0].starts_with("Lovely: noted that you met"), "{met:?}");
    let partner = members
        .iter()
        .find(|m| m.user.name != "ana" && ana_group.contains(&m.user.name))
        .unwrap();
    h.say(partner.chooses(&ids[1]), checkin_at).await;
    let offer = h.adapter.shown();
    let remind_choice = choice_ids(&offer[0].1);
    assert_eq!(remind_choice.len(), 1, "planned offers a reminder");
    let reminded = h.say(partner.chooses(&remind_choice[0]), checkin_at).await;
    assert!(
        reminded[0].starts_with("I'll remind you on"),
        "{reminded:?}"
    );
    assert_eq!(
        h.store
            .active_reminders(SOCIETY, &partner.user.id)
            .await
            .unwrap()
            .len(),
        1
    );

    let stats = h.say(boss.says("!coffee stats"), checkin_at).await;
    let stats = &stats[0];
    assert!(
        stats.contains("participants: 5 (5 active, 0 paused)"),
        "{stats}"
    );
    assert!(stats.contains("rounds: 1 (2 groups)"), "{stats}");
    assert!(
        stats.contains("meeting rate: 50% of groups asked met (1 of 2)"),
        "{stats}"
    );
    assert!(stats.contains("repeats so far: 0"), "{stats}");

    // Eli skips the next round; Dee pauses for three weeks.
    let skip = h.say(members[4].says("!coffee skip"), checkin_at).await;
    assert!(
        skip[0].contains("sit out the round on Mon 30 Nov"),
        "{skip:?}"
    );
    h.say(members[3].says("!coffee pause 3 weeks"), checkin_at)
        .await;
    let status = h.say(members[3].says("!coffee status"), checkin_at).await;
    assert!(status[0].contains("paused until"), "{status:?}");
    let preview = h.say(boss.says("!coffee preview"), checkin_at).await;
    assert!(preview[0].contains("nothing is posted"), "{preview:?}");
    assert!(
        !preview[0].contains("dee") && !preview[0].contains("eli"),
        "{preview:?}"
    );

    let round2 = monday + Duration::days(7);
    h.tick(round2).await;
    let intros2 = introductions(&h);
    let grouped: HashSet<String> = intros2.iter().flat_map(|(n, _)| n.clone()).collect();
    assert_eq!(
        grouped,
        ["ana", "ben", "cai"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );

    // Ana answers every check-in; Ben and Cai never do. After three check-ins they left
    // unanswered while a partner answered, they are paused and told.
    // Dee and Eli leave, so the three of them are always one group.
    h.say(members[3].says("!coffee leave"), round2).await;
    h.say(members[4].says("!coffee leave"), round2).await;
    let mut paused_notice = Vec::new();
    let mut day = round2;
    for _ in 0..4 {
        h.tick(day + Duration::days(5)).await;
        for (names, checkin) in introductions(&h) {
            if names.contains(&"ana".to_string()) {
                h.say(
                    members[0].chooses(&choice_ids(&checkin)[0]),
                    day + Duration::days(5),
                )
                .await;
            }
        }
        day += Duration::days(7);
        h.tick(day).await;
        paused_notice.extend(h.adapter.shown().into_iter().filter_map(|(_, a)| match a {
            Action::Remind { user, message } if message.text.contains("paused") => Some(user.name),
            _ => None,
        }));
    }
    paused_notice.sort();
    assert_eq!(paused_notice, vec!["ben", "cai"]);
    let status = h.say(members[1].says("!coffee status"), day).await;
    assert!(
        status[0].contains("paused after 3 unanswered check-ins"),
        "{status:?}"
    );
    let back = h.say(members[1].says("!coffee join"), day).await;
    assert!(back[0].starts_with("Welcome back"), "{back:?}");

    // Leaving stops pairing; forgetting removes the member's pairing rows.
    let left = h.say(members[2].says("!coffee leave"), day).await;
    assert!(left[0].starts_with("You have left"), "{left:?}");
    let not_in = h.say(members[2].says("!coffee pause 1 week"), day).await;
    assert!(not_in[0].contains("You are not in"), "{not_in:?}");
    let before = h.store.counts().await.unwrap().pairing;
    h.say(members[0].says("!forget me"), day).await;
    let erased = h.say(members[0].says("!forget me confirm"), day).await;
    assert!(erased[0].contains("other record"), "{erased:?}");
    assert!(h.store.counts().await.unwrap().pairing < before);
    let history = h.say(members[0].says("!coffee history"), day).await;
    assert!(history[0].contains("not been paired"), "{history:?}");
}

#[tokio::test]
async fn a_weekly_programme_on_sqlite() {
    story(sqlite_memory().await).await;
}

#[tokio::test]
async fn a_weekly_programme_on_postgres() {
    on_postgres(story).await;
}

fn introduced_pairs(h: &Harness) -> Vec<(String, String)> {
    introductions(h)
        .into_iter()
        .flat_map(|(names, _)| {
            let mut pairs = Vec::new();
            for (i, a) in names.iter().enumerate() {
                for b in &names[i + 1..] {
                    pairs.push((a.clone(), b.clone()));
                }
            }
            pairs
        })
        .collect()
}

#[tokio::test]
async fn eight_members_meet_seven_different_people_in_seven_weeks() {
    let h = Harness::sqlite(SYDNEY).await;
    let boss = chair();
    let now = at("2026-11-22T14:00:00+11:00");
    h.say(
        boss.says("!coffee setup every Monday 09:00 checkin 2 days"),
        now,
    )
    .await;
    let members: Vec<Member> = (1..=8).map(|n| Member::new(&format!("m{n}"))).collect();
    for member in &members {
        h.say(member.says("!coffee join"), now).await;
    }
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut monday = at("2026-11-23T09:00:00+11:00");
    for round in 1..=7 {
        h.tick(monday).await;
        let pairs = introduced_pairs(&h);
        assert_eq!(pairs.len(), 4, "round {round}");
        for pair in pairs {
            assert!(seen.insert(pair.clone()), "round {round} repeats {pair:?}");
        }
        // Everyone answers, so nobody is paused.
        h.tick(monday + Duration::days(2)).await;
        for (_, checkin) in introductions(&h) {
            let met = choice_ids(&checkin)[0].clone();
            if let Action::Introduce {
                members: in_group, ..
            } = &checkin
            {
                for user in in_group {
                    let member = members.iter().find(|m| m.user.id == user.id).unwrap();
                    h.say(member.chooses(&met), monday + Duration::days(2))
                        .await;
                }
            }
        }
        monday += Duration::days(7);
    }
    assert_eq!(seen.len(), 28, "all 28 pairs of 8 people met once");
    let stats = h.say(boss.says("!coffee stats"), monday).await;
    assert!(stats[0].contains("repeats so far: 0"), "{stats:?}");
    assert!(stats[0].contains("meeting rate: 100%"), "{stats:?}");
}

#[tokio::test]
async fn mentor_pairings_respect_capacity_and_seniority() {
    let h = Harness::sqlite(SYDNEY).await;
    let boss = chair();
    let now = at("2026-11-22T14:00:00+11:00");
    let consultant = Member::new("consultant");
    let registrar = Member::new("registrar");
    let interns: Vec<Member> = (1..=4)
        .map(|n| Member::new(&format!("intern{n}")))
        .collect();

    // Offers made before the programme exists are taken into it.
    h.say(consultant.says("!profile stage consultant"), now)
        .await;
    h.say(consultant.says("!profile specialty cardiology"), now)
        .await;
    let offered = h
        .say(consultant.says("!mentor offer capacity 2"), now)
        .await;
    assert!(offered[0].contains("up to 2 mentees"), "{offered:?}");
    assert!(
        offered[0].contains("has not started mentor pairings"),
        "{offered:?}"
    );
    let said = h
        .say(
            boss.says("!coffee setup new group mentoring every Monday 09:00 mode mentor"),
            now,
        )
        .await;
    assert!(said[0].contains("mentor pairings"), "{said:?}");
    h.say(registrar.says("!profile stage registrar"), now).await;
    h.say(registrar.says("!mentor offer"), now).await;
    for intern in &interns {
        h.say(intern.says("!profile stage intern"), now).await;
        let sought = h.say(intern.says("!mentor seek cardiology"), now).await;
        assert!(
            sought[0].contains("You'll be paired in the next round"),
            "{sought:?}"
        );
    }
    let join = h
        .say(
            Member::new("bystander").says("!coffee join group mentoring"),
            now,
        )
        .await;
    assert!(join[0].contains("!mentor offer"), "{join:?}");

    h.tick(at("2026-11-23T09:00:00+11:00")).await;
    let intros = introductions(&h);
    // Three places (2 + 1) for four interns: three pairs, one intern told there is no mentor.
    assert_eq!(intros.len(), 3, "{intros:?}");
    let consultant_pairs = intros
        .iter()
        .filter(|(n, _)| n.contains(&"consultant".to_string()))
        .count();
    let registrar_pairs = intros
        .iter()
        .filter(|(n, _)| n.contains(&"registrar".to_string()))
        .count();
    assert_eq!((consultant_pairs, registrar_pairs), (2, 1));
    for (names, action) in &intros {
        assert_eq!(names.len(), 2);
        assert!(names.iter().any(|n| n.starts_with("intern")), "{names:?}");
        let text = text_of(action).unwrap();
        assert!(text.contains("(mentor"), "{text}");
        assert!(text.contains("mentee, interested in cardiology"), "{text}");
    }
    let alone: Vec<String> = h
        .adapter
        .shown()
        .into_iter()
        .filter_map(|(_, a)| match a {
            Action::Remind { user, message } if message.text.contains("no mentor had room") => {
                Some(user.name)
            }
            _ => None,
        })
        .collect();
    assert_eq!(alone.len(), 1);

    let stopped = h.say(interns[0].says("!mentor stop"), now).await;
    assert!(
        stopped[0].contains("out of the mentor pairings"),
        "{stopped:?}"
    );
}

#[tokio::test]
async fn a_round_fired_twice_is_recorded_once() {
    let h = Harness::sqlite(SYDNEY).await;
    let boss = chair();
    let now = at("2026-11-22T14:00:00+11:00");
    h.say(boss.says("!coffee setup every Monday 09:00"), now)
        .await;
    for name in ["ana", "ben", "cai", "dee"] {
        h.say(Member::new(name).says("!coffee join"), now).await;
    }
    let store = h.store.clone();
    let programme = store.programmes(SOCIETY).await.unwrap().remove(0);
    let due: DateTime<Utc> = programme.next_round;
    let bot = h.runtime.bot();
    let job = rounds::core::store::Job {
        id: 1,
        kind: rounds::core::store::JobKind::CoffeeRound,
        subject: programme.id,
        platform: PLATFORM.to_string(),
        society: SOCIETY.to_string(),
        due_at: due,
        zone: programme.zone,
        rule: Some(rounds::core::store::JobRule::Every(programme.rule.clone())),
    };
    // As after a crash between firing and finishing: the same occurrence fires twice.
    let first = bot.fire(&job, due).await.unwrap();
    let second = bot.fire(&job, due + Duration::seconds(70)).await.unwrap();
    let groups = |fired: &rounds::core::Fired| -> Vec<Vec<UserRef>> {
        fired
            .actions
            .iter()
            .filter_map(|a| match a {
                Action::Introduce { members, .. } => Some(members.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(groups(&first), groups(&second));
    assert_eq!(groups(&first).len(), 2);
    assert_eq!(store.coffee_groups(programme.id).await.unwrap().len(), 2);
    assert_eq!(first.next_due, Some(due + Duration::days(7)));
}

#[tokio::test]
async fn group_programmes_are_named_when_there_are_several() {
    let h = Harness::sqlite(SYDNEY).await;
    let boss = chair();
    let now = at("2026-11-22T14:00:00+11:00");
    let ana = Member::new("ana");
    h.say(
        boss.says("!coffee setup new group surgery every Thursday 12:30 size 3"),
        now,
    )
    .await;
    // One programme: a bare join finds it.
    let joined = h.say(ana.says("!coffee join"), now).await;
    assert!(
        joined[0].contains("the surgery group's coffee pairings"),
        "{joined:?}"
    );
    h.say(
        boss.says("!coffee setup new group medicine every Friday 12:30"),
        now,
    )
    .await;
    let ambiguous = h.say(ana.says("!coffee leave"), now).await;
    assert!(ambiguous[0].contains("add which one"), "{ambiguous:?}");
    let unknown = h.say(ana.says("!coffee join group paeds"), now).await;
    assert!(
        unknown[0].contains("no pairings for a group called paeds"),
        "{unknown:?}"
    );
    let left = h.say(ana.says("!coffee leave group surgery"), now).await;
    assert!(left[0].starts_with("You have left"), "{left:?}");
    // Changing a programme keeps what was not named.
    let changed = h
        .say(boss.says("!coffee setup group surgery checkin 3 days"), now)
        .await;
    assert!(
        changed[0].contains("changed")
            && changed[0].contains("groups of 3")
            && changed[0].contains("Thursday"),
        "{changed:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The committee's defects (issue 16): each reproduced first on a fresh database.
// ---------------------------------------------------------------------------------------------

/// A programme with members `names` joined, on SQLite, Sunday afternoon before the first
/// Monday 09:00 round.
async fn programme_with(
    setup: &str,
    names: &[&str],
) -> (Harness, Member, DateTime<Utc>, Vec<Member>) {
    let h = Harness::sqlite(SYDNEY).await;
    let boss = chair();
    let now = at("2026-11-22T14:00:00+11:00");
    let said = h.say(boss.says(setup), now).await;
    assert!(said[0].starts_with("☕"), "{said:?}");
    let members: Vec<Member> = names.iter().map(|n| Member::new(n)).collect();
    for member in &members {
        let said = h.say(member.says("!coffee join"), now).await;
        assert!(said[0].starts_with("You are in"), "{said:?}");
    }
    (h, boss, now, members)
}

fn sorted_groups(mut groups: Vec<Vec<String>>) -> Vec<Vec<String>> {
    for group in &mut groups {
        group.sort();
    }
    groups.sort();
    groups
}

#[tokio::test]
async fn size_four_with_seven_members_makes_a_four_and_a_three() {
    let names = ["ana", "ben", "cai", "dee", "eli", "fay", "gus"];
    let (h, _, _, _) = programme_with("!coffee setup every Monday 09:00 size 4", &names).await;
    h.tick(at("2026-11-23T09:00:00+11:00")).await;
    let mut sizes: Vec<usize> = introductions(&h).iter().map(|(n, _)| n.len()).collect();
    sizes.sort();
    assert_eq!(sizes, vec![3, 4]);
}

#[tokio::test]
async fn preview_shows_the_groups_the_next_round_makes() {
    let names = [
        "ana", "ben", "cai", "dee", "eli", "fay", "gus", "hal", "ivy", "jon",
    ];
    let (h, boss, now, _) = programme_with("!coffee setup every Monday 09:00 size 3", &names).await;
    let first_monday = at("2026-11-23T09:00:00+11:00");
    // Four weeks, so the rounds have a history to weigh and the seed to break ties.
    for week in 0..4 {
        let sunday = now + Duration::weeks(week);
        let monday = first_monday + Duration::weeks(week);
        // Last round's check-ins go out first, so only this round's introductions follow.
        h.tick(sunday).await;
        let preview = h.say(boss.says("!coffee preview"), sunday).await;
        assert!(preview[0].contains("nothing is posted"), "{preview:?}");
        let previewed: Vec<Vec<String>> = preview[0]
            .lines()
            .filter_map(|l| l.strip_prefix("• "))
            .map(|l| l.split(" + ").map(str::to_string).collect())
            .collect();
        assert_eq!(previewed.len(), 3, "{preview:?}");
        h.tick(monday).await;
        let ran: Vec<Vec<String>> = introductions(&h).into_iter().map(|(n, _)| n).collect();
        assert_eq!(
            sorted_groups(previewed),
            sorted_groups(ran),
            "week {}",
            week + 1
        );
    }
    let preview = h.say(boss.says("!coffee preview"), now).await;
    assert!(
        preview[0].starts_with(
            "If the round of the coffee pairings on Mon 21 Dec 09:00 AEDT ran with today's members"
        ),
        "{preview:?}"
    );
}

#[tokio::test]
async fn a_second_run_of_the_same_round_is_refused_and_sends_nothing() {
    let (h, boss, now, _) = programme_with("!coffee setup", &["ana", "ben", "cai", "dee"]).await;
    let first = h.say(boss.says("!coffee run"), now).await;
    assert_eq!(introductions(&h).len(), 2, "{first:?}");
    assert!(
        first
            .iter()
            .any(|t| t.starts_with("Ran a round of the coffee pairings now: 2 introductions.")),
        "{first:?}"
    );
    let second = h
        .say(boss.says("!coffee run"), now + Duration::seconds(20))
        .await;
    assert!(introductions(&h).is_empty(), "{second:?}");
    assert_eq!(second.len(), 1, "{second:?}");
    assert_eq!(
        second[0],
        "The round of Sun 22 Nov 14:00 AEDT already ran (2 groups); nothing was sent again. Next round: Mon 23 Nov 09:00 AEDT."
    );
    let stats = h.say(boss.says("!coffee stats"), now).await;
    assert!(stats[0].contains("rounds: 1 (2 groups)"), "{stats:?}");
    assert!(stats[0].contains("repeats so far: 0"), "{stats:?}");
}

#[tokio::test]
async fn a_run_just_after_the_scheduled_round_is_that_round() {
    let (h, boss, _, _) = programme_with(
        "!coffee setup every Monday 09:00",
        &["ana", "ben", "cai", "dee"],
    )
    .await;
    let monday = at("2026-11-23T09:00:00+11:00");
    h.tick(monday).await;
    let again = h
        .say(boss.says("!coffee run"), monday + Duration::seconds(30))
        .await;
    assert_eq!(
        again,
        vec![
            "The round of Mon 23 Nov 09:00 AEDT already ran (2 groups); nothing was sent again. Next round: Mon 30 Nov 09:00 AEDT."
        ]
    );
}

#[tokio::test]
async fn a_run_in_a_later_minute_is_a_new_round_whose_repeats_stats_agree_with() {
    let (h, boss, now, _) = programme_with("!coffee setup", &["ana", "ben", "cai"]).await;
    let first = h.say(boss.says("!coffee run"), now).await;
    assert!(
        first.iter().any(|t| t
            == "Ran a round of the coffee pairings now: 1 introduction. The schedule is unchanged."),
        "{first:?}"
    );
    assert!(
        first
            .iter()
            .any(|t| t.contains("3 members in 1 group; introductions are out")),
        "{first:?}"
    );
    let later = now + Duration::minutes(2);
    let second = h.say(boss.says("!coffee run"), later).await;
    assert!(
        second
            .iter()
            .any(|t| t
                .contains("3 pairs had met before: no grouping without a repeat was possible.")),
        "{second:?}"
    );
    let stats = h.say(boss.says("!coffee stats"), later).await;
    assert!(stats[0].contains("rounds: 2 (2 groups)"), "{stats:?}");
    assert!(stats[0].contains("repeats so far: 3"), "{stats:?}");
}

#[tokio::test]
async fn setup_of_an_unknown_group_asks_back_and_changes_nothing() {
    let h = Harness::sqlite(SYDNEY).await;
    let boss = chair();
    let now = at("2026-11-22T14:00:00+11:00");
    let started = h
        .say(
            boss.says("!coffee setup new group mentoring mode mentor"),
            now,
        )
        .await;
    assert!(started[0].contains("started"), "{started:?}");
    let typo = h
        .say(
            boss.says("!coffee setup group mentorng every Monday 09:00"),
            now,
        )
        .await;
    assert_eq!(
        typo[0],
        "There is no group `mentorng`. Did you mean `mentoring`? To start a new group, type `!coffee setup new group mentorng`, with any other options."
    );
    assert_eq!(h.store.programmes(SOCIETY).await.unwrap().len(), 1);
    let again = h
        .say(boss.says("!coffee setup new group mentoring"), now)
        .await;
    assert!(again[0].contains("already has pairings"), "{again:?}");
    let made = h
        .say(
            boss.says("!coffee setup new group mentorng every Monday 09:00"),
            now,
        )
        .await;
    assert!(
        made[0].contains("mentorng group's coffee pairings"),
        "{made:?}"
    );
    assert_eq!(h.store.programmes(SOCIETY).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_bad_size_or_mode_says_which_option_is_wrong() {
    let h = Harness::sqlite(SYDNEY).await;
    let boss = chair();
    let now = at("2026-11-22T14:00:00+11:00");
    let size = h.say(boss.says("!coffee setup size 5"), now).await;
    assert_eq!(
        size[0],
        "The group size must be a whole number from 2 to 4, not `5`."
    );
    let mode = h.say(boss.says("!coffee setup mode fancy"), now).await;
    assert_eq!(
        mode[0],
        "The mode must be one of `random`, `cross-specialty`, `cross-stage`, `mentor`, not `fancy`."
    );
}

#[tokio::test]
async fn coffee_replies_count_in_words_that_agree() {
    let (h, boss, now, members) = programme_with("!coffee setup", &["ana", "ben"]).await;
    // No check-in asked yet: say so instead of "n/a".
    h.say(boss.says("!coffee run"), now).await;
    let stats = h.say(boss.says("!coffee stats"), now).await;
    assert!(
        stats[0].contains("meeting rate: no check-ins asked yet"),
        "{stats:?}"
    );
    assert!(stats[0].contains("rounds: 1 (1 group)"), "{stats:?}");
    // A group that does not exist, where no group has pairings.
    let ana = &members[0];
    let unknown = h.say(ana.says("!coffee join group paeds"), now).await;
    assert_eq!(
        unknown[0],
        "There are no pairings for a group called paeds. Groups with pairings: none yet."
    );
    // Skipping the next round: the next round is the one after it.
    h.say(ana.says("!coffee skip"), now).await;
    let status = h.say(ana.says("!coffee status"), now).await;
    assert!(
        status[0].contains(
            "skipping the round on Mon 23 Nov 09:00 AEDT; next round Mon 30 Nov 09:00 AEDT"
        ),
        "{status:?}"
    );
}

#[tokio::test]
async fn a_community_without_a_name_starts_its_sentences_with_a_capital() {
    let mut society = support::society(SYDNEY);
    society.name = "this community".to_string();
    let mut settings = rounds::core::context::Settings::new(society.clone());
    settings.societies.insert(society.key.clone(), society);
    let h = Harness::new(sqlite_memory().await, settings);
    let now = at("2026-11-22T14:00:00+11:00");
    let ana = Member::new("ana");
    let said = h.say(ana.says("!coffee join"), now).await;
    assert_eq!(
        said[0],
        "This community has no coffee pairings yet. The committee can start them with `!coffee setup`."
    );
    let status = h.say(ana.says("!coffee status"), now).await;
    assert!(status[0].starts_with("This community has no"), "{status:?}");
    // Every feature that starts a sentence with the society's name does it the same way.
    let imports = h.say(chair().says("!event import"), now).await;
    assert!(
        imports[0].starts_with("This community imports no calendars"),
        "{imports:?}"
    );
}

#[tokio::test]
async fn mentor_replies_name_the_mentor_commands_and_let_registrars_mentor() {
    let h = Harness::sqlite(SYDNEY).await;
    let boss = chair();
    let now = at("2026-11-22T14:00:00+11:00");
    h.say(
        boss.says("!coffee setup new group mentoring every Monday 09:00 mode mentor"),
        now,
    )
    .await;
    let reg = Member::new("reg");
    h.say(reg.says("!profile stage registrar"), now).await;
    let offered = h.say(reg.says("!mentor offer"), now).await;
    assert!(
        offered[0].starts_with("Thank you: you offer to mentor up to 1 mentee a round. As a registrar, you'll be paired with mentees at an earlier stage (students, interns and residents) and with those who haven't shared theirs."),
        "{offered:?}"
    );
    assert!(!offered[0].contains("consultant"), "{offered:?}");
    let shown = h.say(reg.says("!mentor"), now).await;
    assert!(
        shown[0].starts_with("You offer to mentor up to 1 mentee a round."),
        "{shown:?}"
    );
    let two = h.say(reg.says("!mentor offer capacity 2"), now).await;
    assert!(two[0].contains("up to 2 mentees a round"), "{two:?}");
    let unstaged = Member::new("unstaged");
    let offered = h.say(unstaged.says("!mentor offer"), now).await;
    assert!(
        offered[0].contains("Share your stage with `!profile stage <stage>`"),
        "{offered:?}"
    );
    let status = h
        .say(Member::new("nobody").says("!coffee status"), now)
        .await;
    assert!(
        status[0].contains(
            "The mentoring group's mentor pairings: not joined (`!mentor offer` or `!mentor seek`)"
        ),
        "{status:?}"
    );
    let stu = Member::new("stu");
    h.say(stu.says("!profile stage student"), now).await;
    h.say(stu.says("!mentor seek"), now).await;
    h.tick(at("2026-11-23T09:00:00+11:00")).await;
    let posts: Vec<String> = h
        .adapter
        .shown()
        .into_iter()
        .filter_map(|(_, a)| match &a {
            Action::Post { .. } => text_of(&a),
            _ => None,
        })
        .collect();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert!(
        posts[0].contains("Join with `!mentor offer` or `!mentor seek`.")
            && !posts[0].contains("coffee join"),
        "{posts:?}"
    );
}
