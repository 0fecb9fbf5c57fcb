//! The `rounds` binary itself: the shell driven through a pipe, as a script would, and the
//! command line's answers when something is missing or wrong.

mod support;

use std::io::Write;
use std::process::{Output, Stdio};

fn rounds(args: &[&str], envs: &[(&str, &str)], stdin: &str) -> Output {
    let mut command = support::rounds_command();
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in envs {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("start rounds");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("rounds output")
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn shell_reminder_in_two_minutes_arrives_after_advance() {
    let output = rounds(
        &["shell", "--db", ":memory:"],
        &[],
        "/clock 2026-11-23T09:00:00+11:00\n!remind me in 2 minutes to call the registrar\n/advance 3m\n",
    );
    assert!(output.status.success());
    assert_eq!(
        stdout_lines(&output),
        vec![
            "[2026-11-23 09:00] #general rounds: Got it (R1): I'll remind you on Mon 23 Nov 09:02 AEDT. I've sent you the details privately.",
            "[2026-11-23 09:00] @you (dm) rounds: Got it (R1): I'll remind you on Mon 23 Nov 09:02 AEDT: call the registrar. Cancel with `!reminders cancel R1`.",
            "[2026-11-23 09:02] @you (dm) rounds: ⏰ Reminder: call the registrar",
        ]
    );
}

#[test]
fn shell_weekly_reminder_keeps_local_time_across_dst() {
    let output = rounds(
        &["shell", "--db", ":memory:"],
        &[],
        "/clock 2026-03-30T07:00:00+11:00\n!profile timezone Australia/Sydney\n!remind me every Monday 08:00 to review the rota\n/advance 8d\n",
    );
    let reminders: Vec<String> = stdout_lines(&output)
        .into_iter()
        .filter(|l| l.contains("⏰"))
        .collect();
    assert_eq!(
        reminders,
        vec![
            "[2026-03-30 08:00] @you (dm) rounds: ⏰ Reminder: review the rota",
            "[2026-04-06 08:00] @you (dm) rounds: ⏰ Reminder: review the rota",
        ]
    );
}

#[test]
fn shell_members_rooms_choices_and_notes() {
    let output = rounds(
        &["shell", "--db", ":memory:", "--timezone", "Europe/London"],
        &[],
        "/clock 2026-06-01T09:00:00Z\n\
         /as registrar1\n\
         /room announcements\n\
         remind here in 1 hour to start grand rounds\n\
         hello everyone\n\
         /as intern1\n\
         forget me\n\
         2\n\
         /bogus\n\
         /advance 2h\n\
         /quit\n\
         help\n",
    );
    assert!(output.status.success());
    let lines = stdout_lines(&output);
    assert!(
        lines[0]
            .starts_with("[2026-06-01 10:00] #announcements rounds: Got it (R1): I'll post here"),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l == "[2026-06-01 10:00] #announcements rounds: Reply with a number: 1) Yes, erase everything  2) No, keep my data"), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l == "[2026-06-01 10:00] #announcements rounds: Nothing was erased."),
        "{lines:?}"
    );
    assert_eq!(
        lines.last().unwrap(),
        "[2026-06-01 11:00] #announcements rounds: ⏰ Reminder from registrar1: start grand rounds"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("Rounds: reminders and community tools")),
        "nothing after /quit"
    );
    let notes = String::from_utf8_lossy(&output.stderr);
    assert!(notes.contains("# now speaking as @registrar1"), "{notes}");
    assert!(notes.contains("# unknown shell command /bogus"), "{notes}");
    assert!(notes.contains("not a command"), "{notes}");
    for line in &lines {
        assert!(
            line.starts_with("[2026-06-01 ") && line.contains(" rounds: "),
            "every stdout line has the stable format: {line}"
        );
    }
}

#[test]
fn shell_file_database_survives_a_restart_and_reports_downtime() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_string_lossy().to_string();
    let first = rounds(
        &["shell"],
        &[("ROUNDS_DATA_DIR", &data)],
        "/clock 2026-11-23T09:00:00+11:00\n!remind me tomorrow 8am to renew my registration\n",
    );
    assert!(first.status.success());
    assert!(
        dir.path().join("shell.db").exists(),
        "created on first start"
    );
    // Back a day late: delivered with a late label.
    let second = rounds(
        &["shell"],
        &[("ROUNDS_DATA_DIR", &data)],
        "/clock 2026-11-25T10:00:00+11:00\nreminders\n",
    );
    let lines = stdout_lines(&second);
    assert_eq!(
        lines[0],
        "[2026-11-25 10:00] @you (dm) rounds: ⏰ Reminder (late: due Tue 24 Nov 08:00 AEDT; I was offline): renew my registration"
    );
    assert!(lines[1].ends_with(
        "You have no reminders. Set one with `!remind me in 20 minutes to call the registrar`."
    ));
}

#[test]
fn run_without_a_platform_says_what_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let output = rounds(
        &["run"],
        &[("ROUNDS_DATA_DIR", &dir.path().to_string_lossy())],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("ROUNDS_MATRIX_HOMESERVER")
            && said.contains("ROUNDS_DISCORD_TOKEN")
            && said.contains("rounds shell"),
        "{said}"
    );
}

#[test]
fn config_errors_name_the_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rounds.toml");
    std::fs::write(
        &path,
        "command_prefix = \"!\"\n\n[[societies]]\nkey = \"ams\"\ntimezone = \"Mars/Olympus\"\n",
    )
    .unwrap();
    let output = rounds(
        &["check-config", "--config", &path.to_string_lossy()],
        &[],
        "",
    );
    assert_eq!(output.status.code(), Some(1));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("societies.timezone") && said.contains("line 5"),
        "{said}"
    );

    let output = rounds(
        &["check-config"],
        &[("ROUNDS_TIMEZONE", "Nowhere/Special")],
        "",
    );
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("ROUNDS_TIMEZONE"), "{said}");

    // The welcome's groups must be the society's, and the nudge a sensible span.
    for (society, expected) in [
        (
            "groups = [\"interns\"]\n[societies.group_for]\nintern = \"residents\"\n",
            "societies.group_for",
        ),
        ("stay_in_touch = \"2 minutes\"\n", "societies.stay_in_touch"),
    ] {
        std::fs::write(&path, format!("[[societies]]\nkey = \"ams\"\n{society}")).unwrap();
        let output = rounds(
            &["check-config", "--config", &path.to_string_lossy()],
            &[],
            "",
        );
        assert_eq!(output.status.code(), Some(1));
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(said.contains(expected) && said.contains("line "), "{said}");
    }
    let output = rounds(
        &["check-config"],
        &[("ROUNDS_SHOUTOUTS_DIGEST", "whenever")],
        "",
    );
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("ROUNDS_SHOUTOUTS_DIGEST"), "{said}");
}

#[test]
fn config_parse_errors_do_not_echo_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rounds.toml");
    // An unterminated string and a wrongly typed value: both make TOML quote the line.
    for (text, line) in [
        (
            "command_prefix = \"!\"\n[discord]\ntoken = \"abcSECRETtoken123\n",
            "line 3",
        ),
        (
            "[matrix]\nhomeserver = \"https://m.example\"\npassword = 9876543210123\n",
            "line 3",
        ),
    ] {
        std::fs::write(&path, text).unwrap();
        let output = rounds(
            &["check-config", "--config", &path.to_string_lossy()],
            &[],
            "",
        );
        assert_eq!(output.status.code(), Some(1));
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(
            !said.contains("abcSECRET") && !said.contains("9876543210123"),
            "{said}"
        );
        assert!(said.contains(line) && said.contains("column "), "{said}");
    }
}

#[test]
fn example_config_is_valid() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/config/rounds.example.toml");
    let output = rounds(&["check-config", "--config", example], &[], "");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn migrate_creates_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m.db");
    let output = rounds(&["migrate", "--db", &db.to_string_lossy()], &[], "");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(db.exists());
}

#[test]
fn shell_eight_members_see_six_weekly_rounds_without_a_repeat() {
    let mut script = String::from(
        "/clock 2026-11-22T14:00:00+11:00\n/as admin\ncoffee setup every Monday 09:00\n",
    );
    for n in 1..=8 {
        script.push_str(&format!("/as intern{n}\ncoffee join\n"));
    }
    script.push_str("/advance 42d\n");
    let output = rounds(&["shell", "--db", ":memory:"], &[], &script);
    assert!(output.status.success());
    let lines = stdout_lines(&output);

    // Each introduction is printed in a room named after its members, sorted.
    let mut rounds_seen: Vec<(String, Vec<Vec<String>>)> = Vec::new();
    for line in &lines {
        let Some(rest) = line.split("] #coffee:").nth(1) else {
            continue;
        };
        if !rest.contains(" rounds: ☕ ") {
            continue;
        }
        let stamp = line[1..17].to_string();
        let members: Vec<String> = rest
            .split(' ')
            .next()
            .unwrap()
            .split('+')
            .map(str::to_string)
            .collect();
        let mut sorted = members.clone();
        sorted.sort();
        assert_eq!(members, sorted, "room names are sorted: {line}");
        match rounds_seen.last_mut() {
            Some((at, groups)) if *at == stamp => groups.push(members),
            _ => rounds_seen.push((stamp, vec![members])),
        }
    }
    let stamps: Vec<&str> = rounds_seen.iter().map(|(at, _)| at.as_str()).collect();
    assert_eq!(
        stamps,
        [
            "2026-11-23 09:00",
            "2026-11-30 09:00",
            "2026-12-07 09:00",
            "2026-12-14 09:00",
            "2026-12-21 09:00",
            "2026-12-28 09:00"
        ],
        "six weekly rounds at 09:00 local time"
    );
    let mut pairs = std::collections::HashSet::new();
    for (at, groups) in &rounds_seen {
        assert_eq!(groups.len(), 4, "four pairs at {at}");
        let mut everyone: Vec<&String> = groups.iter().flatten().collect();
        everyone.sort();
        everyone.dedup();
        assert_eq!(everyone.len(), 8, "everyone once at {at}");
        for group in groups {
            assert_eq!(group.len(), 2);
            assert!(
                pairs.insert((group[0].clone(), group[1].clone())),
                "{group:?} met again at {at}"
            );
        }
    }
    assert_eq!(pairs.len(), 24);
    // The check-ins were asked in the same rooms.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("] #coffee:") && l.contains("Reply with a number: 1) We met"))
    );
}

#[test]
fn shell_event_waitlist_promotion_and_reminders() {
    let script = "\
/clock 2026-11-23T09:00:00+11:00
/as admin
event create Grand rounds: sepsis | Thursday 12:30 | for 1h | at Lecture theatre 2 | capacity 2
/room announcements
/as ana
1
/as ben
1
/as cai
1
/as ana
rsvp E1 no
/advance 4d
";
    let output = rounds(&["shell", "--db", ":memory:"], &[], script);
    assert!(output.status.success());
    let lines = stdout_lines(&output);
    let has = |text: &str| lines.iter().any(|l| l == text);
    assert!(
        has("[2026-11-23 09:00] #announcements rounds: 📅 Grand rounds: sepsis (E1)"),
        "{lines:#?}"
    );
    assert!(has(
        "[2026-11-23 09:00] #announcements rounds: Grand rounds: sepsis (E1) is full: you're number 1 on the waitlist. I'll tell you if a place opens up."
    ));
    assert!(has(
        "[2026-11-23 09:00] @cai (dm) rounds: Good news: a place opened up and you're now going to Grand rounds: sepsis (E1), Thu 26 Nov 12:30 AEDT."
    ));
    // The reminders go to those going (ben and cai, not ana) at 24 h and 1 h before, local time.
    for who in ["ben", "cai"] {
        assert!(has(&format!(
            "[2026-11-25 12:30] @{who} (dm) rounds: ⏰ In 1d: Grand rounds: sepsis (E1), Thu 26 Nov 12:30 AEDT."
        )));
        assert!(has(&format!(
            "[2026-11-26 11:30] @{who} (dm) rounds: ⏰ In 1h: Grand rounds: sepsis (E1), Thu 26 Nov 12:30 AEDT. Where: Lecture theatre 2."
        )));
    }
    assert!(
        !lines.iter().any(|l| l.contains("@ana (dm) rounds: ⏰")),
        "{lines:#?}"
    );
}

#[test]
fn shell_series_with_a_skipped_date_live_counts_and_a_calendar_file() {
    let script = "\
/clock 2026-11-23T09:00:00+11:00
/as admin
event create Grand rounds | Thursday 12:30 | every Thursday 12:30 | at Auditorium
event skip E1 2026-12-03
/room announcements
/as ana
1
event ics E1
/advance 4d
";
    let output = rounds(&["shell", "--db", ":memory:"], &[], script);
    assert!(output.status.success());
    let lines = stdout_lines(&output);
    let has = |text: &str| lines.iter().any(|l| l == text);
    assert!(
        has("[2026-11-23 09:00] #announcements rounds: 📅 Grand rounds (E1)"),
        "{lines:#?}"
    );
    // Ana's answer rewrites the announcement; the shell prints the line that changed.
    assert!(
        has("[2026-11-23 09:00] #announcements rounds: (edited) Going: 1 · waitlist: 0 · maybe: 0"),
        "{lines:#?}"
    );
    assert!(has(
        "[2026-11-23 09:00] #announcements rounds: 📎 E1.ics (text/calendar):"
    ));
    for line in [
        "BEGIN:VCALENDAR",
        "RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=TH;WKST=MO",
        "EXDATE;TZID=Australia/Sydney:20261203T123000",
        "SUMMARY:Grand rounds",
    ] {
        assert!(
            has(&format!("[2026-11-23 09:00] #announcements rounds: {line}")),
            "{line}: {lines:#?}"
        );
    }
    // When E1 begins, the next date (10 Dec: 3 Dec is skipped) is announced.
    assert!(
        has("[2026-11-26 12:30] #announcements rounds: 📅 Grand rounds (E2)"),
        "{lines:#?}"
    );
    assert!(has(
        "[2026-11-26 12:30] #announcements rounds: When: Thu 10 Dec 12:30 AEDT (1h)"
    ));
}

/// A one-route stand-in for the Crossref API on 127.0.0.1: answers every request with `body`.
fn crossref_standin(body: &'static str) -> String {
    use std::io::{BufRead, BufReader};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
                line.clear();
            }
            let mut stream = &stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    base
}

#[test]
fn shell_welcome_consent_guard_and_doi() {
    let base = crossref_standin(
        r#"{"status":"ok","message":{"title":["Sepsis recognition by interns"],"container-title":["Medical Journal of Australia"],"issued":{"date-parts":[[2026,5,4]]}}}"#,
    );
    let script = "\
/clock 2026-11-23T09:00:00+11:00
/join intern1
2
/room dm
emergency medicine
1
2
2
1
/as admin
/room general
shoutout @intern1 award Best intern of the year
/as intern1
1
milestone other Thanks for the help with patient 943 476 5919
milestone publication Our first paper! doi:10.5694/mja2.51234
";
    let output = rounds(
        &["shell", "--db", ":memory:"],
        &[("ROUNDS_DOI_API_BASE", &base)],
        script,
    );
    assert!(output.status.success());
    let lines = stdout_lines(&output);
    let at = |text: &str| {
        lines
            .iter()
            .position(|l| l == text)
            .unwrap_or_else(|| panic!("missing {text:?} in {lines:#?}"))
    };
    // The welcome and the dialogue, privately.
    at("[2026-11-23 09:00] @intern1 (dm) rounds: Welcome to Demo Society, intern1! 👋");
    at("[2026-11-23 09:00] @intern1 (dm) rounds: 1/6 · What stage of training are you at?");
    at("[2026-11-23 09:00] @intern1 (dm) rounds: (adds you to the group interns)");
    at("[2026-11-23 09:00] @intern1 (dm) rounds: (adds you to the group emergency)");
    at(
        "[2026-11-23 09:00] @intern1 (dm) rounds: All done, thank you! `!help` shows what I can do; `!profile` shows what you shared.",
    );
    // The shout-out waits for intern1, then goes to #celebrations with a reaction.
    let asked = at(
        "[2026-11-23 09:00] @intern1 (dm) rounds: admin would like to celebrate your news in Demo Society's celebrations room (S1):",
    );
    let posted = at("[2026-11-23 09:00] #celebrations rounds: 🎉 Award · intern1");
    assert!(asked < posted);
    assert!(
        !lines[..asked].iter().any(|l| l.contains("#celebrations")),
        "{lines:#?}"
    );
    at("[2026-11-23 09:00] #celebrations rounds: Best intern of the year");
    assert_eq!(
        lines[posted + 3],
        "[2026-11-23 09:00] #celebrations rounds: (reacts 🎉)"
    );
    // A valid NHS number is refused; the reason goes to intern1 alone, and nothing is posted.
    at(
        "[2026-11-23 09:00] #general rounds: I did not post that, and nothing was changed. I've sent you the reason in a direct message.",
    );
    at(
        "[2026-11-23 09:00] @intern1 (dm) rounds: I did not use that shout-out because it contains what looks like an NHS number; remove it, or write it without the number. Patient details never go in anything Rounds shows others; nothing was posted or changed.",
    );
    assert!(!lines.iter().any(|l| l.contains("943 476 5919")));
    // The DOI's title, from the stand-in.
    at(
        "[2026-11-23 09:00] #celebrations rounds: 📄 “Sepsis recognition by interns”, Medical Journal of Australia (2026) https://doi.org/10.5694/mja2.51234",
    );
}

/// A number answers the newest choice offered to the member who types it: another member's
/// offer in the same room is not theirs, and a choice they already answered steps aside for
/// the one still waiting.
#[test]
fn shell_numbers_answer_the_members_own_choices() {
    let output = rounds(
        &["shell", "--db", ":memory:"],
        &[],
        "/clock 2026-11-23T09:00:00+11:00\n\
         /as admin\n\
         coffee setup every Monday 09:00 checkin 2 days\n\
         /as a\n\
         coffee join\n\
         /as c\n\
         coffee join\n\
         /advance 10d\n\
         /as a\n\
         1\n\
         /as c\n\
         2\n\
         /join newbie\n\
         /as ana\n\
         shoutout @newbie award Best intern\n\
         /as newbie\n\
         1\n\
         2\n\
         /as ana\n\
         forget me\n\
         /room dm\n\
         1\n",
    );
    assert!(output.status.success());
    let said = stdout_lines(&output);
    let after = |marker: &str| -> Vec<String> {
        let at = said
            .iter()
            .position(|l| l.contains(marker))
            .unwrap_or_else(|| panic!("{marker}: {said:#?}"));
        said[at + 1..].to_vec()
    };
    // a met c and is offered the follow-up in #general; c's `2` is still c's check-in answer.
    let offered = after("Lovely: noted that you met c.");
    assert_eq!(
        offered[0],
        "[2026-12-03 09:00] #general rounds: Reply with a number: 1) Remind me to follow up in a week"
    );
    assert_eq!(
        offered[1],
        "[2026-12-03 09:00] #general rounds: Noted: you have planned to meet a. Shall I remind you in 2d?",
        "{said:#?}"
    );
    // newbie answers the shout-out, then the welcome question that was waiting.
    let posted = after("Posted S1 in the celebrations room.");
    assert!(
        posted
            .iter()
            .any(|l| l.ends_with("@newbie (dm) rounds: (adds you to the group interns)")),
        "{said:#?}"
    );
    assert!(
        posted
            .iter()
            .any(|l| l.contains("2/6 · What is your specialty")),
        "{said:#?}"
    );
    // An answer's choices stay in the room it was given in: a `1` elsewhere erases nothing.
    assert!(
        !said.iter().any(|l| l.contains("Done. I erased")),
        "{said:#?}"
    );
}

/// A shell pointed at a live deployment's database would fire its Discord jobs at a simulated
/// time, through the terminal: it refuses the database unless asked to inspect it, and then
/// fires and sends only its own.
#[test]
fn shell_never_fires_another_platforms_jobs() {
    use chrono::TimeZone;
    use rounds::core::io::UserRef;
    use rounds::core::store::{Delivery, NewReminder, QueueStore, ReminderStore};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let db = path.to_string_lossy().to_string();
    let due = chrono::Utc
        .with_ymd_and_hms(2026, 11, 23, 10, 0, 0)
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let open = || async {
        rounds::store::SqlStore::open(&rounds::store::DatabaseUrl::parse(&db).unwrap())
            .await
            .unwrap()
    };
    runtime.block_on(async {
        let store = open().await;
        store
            .create_reminder(&NewReminder {
                platform: "discord".into(),
                society: support::SOCIETY.into(),
                owner: UserRef {
                    id: "1001".into(),
                    name: "alice".into(),
                },
                delivery: Delivery::Me,
                room: "2002".into(),
                text: "call the ward".into(),
                created_at: due - chrono::Duration::hours(1),
                due_at: due,
                zone: chrono_tz::UTC,
                rule: None,
            })
            .await
            .unwrap();
        store.close().await;
    });
    let script = "/clock 2026-11-23T09:00:00Z\n/advance 1d\n";

    let refused = rounds(&["shell", "--db", &db], &[], script);
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "refused: {said}");
    assert!(
        said.contains("discord data") && said.contains("--inspect"),
        "{said}"
    );

    let inspected = rounds(&["shell", "--db", &db, "--inspect"], &[], script);
    let said = String::from_utf8_lossy(&inspected.stderr);
    assert!(inspected.status.success(), "{said}");
    assert!(said.contains("leaves its jobs and sends alone"), "{said}");
    let stdout = String::from_utf8_lossy(&inspected.stdout);
    assert!(!stdout.contains("call the ward"), "{stdout}");
    runtime.block_on(async {
        let store = open().await;
        assert_eq!(
            store.next_due_at().await.unwrap(),
            Some(due),
            "still pending"
        );
        let waiting = store
            .waiting(due + chrono::Duration::days(2))
            .await
            .unwrap();
        assert_eq!(
            (waiting.sends, waiting.jobs),
            (0, 1),
            "nothing fired or queued"
        );
        store.close().await;
    });
}
