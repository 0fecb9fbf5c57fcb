//! `help` through the shell, as a member reads it: the index and every page fit a phone screen,
//! lead on to the rest, and an unknown topic is answered with the topics.

mod support;

use rounds::core::command::{COMMANDS, Who};
use std::io::Write;
use std::process::Stdio;

/// The lines of the answer to one `help` line, without the shell's time and room.
fn answer(line: &str) -> Vec<String> {
    let mut child = support::rounds_command()
        .args(["shell", "--db", ":memory:"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start rounds");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{line}\n/quit\n").as_bytes())
        .expect("write stdin");
    let output = child.wait_with_output().expect("rounds output");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| match l.split_once(" rounds: ") {
            Some((_, text)) => text.to_string(),
            None => panic!("not an answer line: {l}"),
        })
        .collect()
}

#[test]
fn the_index_is_one_screen_with_an_example_for_each_job() {
    let index = answer("help");
    assert!(index.len() <= 15, "{index:#?}");
    for job in ["Events", "Pairings", "Shout-outs", "Reminders", "Profile"] {
        let at = index
            .iter()
            .position(|l| l.starts_with(&format!("{job}: ")))
            .unwrap_or_else(|| panic!("{job}: {index:#?}"));
        assert!(index[at + 1].starts_with("  e.g. `!"), "{index:#?}");
    }
    assert!(
        index
            .iter()
            .any(|l| l.starts_with("Committee: ") && l.ends_with("`!help committee`")),
        "{index:#?}"
    );
    assert_eq!(
        index.last().unwrap(),
        "`!help <topic>` for more, e.g. `!help events` or `!help remind`."
    );
}

#[test]
fn every_topic_is_one_screen_and_the_rest_is_behind_more() {
    for topic in [
        "events",
        "pairings",
        "shoutouts",
        "reminders",
        "profile",
        "committee",
        "event",
        "coffee",
        "remind",
        "rsvp",
    ] {
        let page = answer(&format!("help {topic}"));
        assert!(page.len() <= 15, "help {topic}: {page:#?}");
        assert!(
            page.iter().any(|l| l.starts_with("  e.g. `!")),
            "help {topic}: {page:#?}"
        );
        assert!(
            page.last()
                .unwrap()
                .starts_with(&format!("More: `!help {topic} more`")),
            "help {topic}: {page:#?}"
        );
    }
    let events = answer("help events");
    assert_eq!(events[0], "Events: grand rounds, CPD sessions and socials");
    assert!(
        !events.iter().any(|l| l.contains("organisers: ")),
        "{events:#?}"
    );
    let more = answer("help events more");
    assert!(
        more.iter()
            .any(|l| l.starts_with("`!event create <details>`: organisers: ")),
        "{more:#?}"
    );
    assert_eq!(more.last().unwrap(), "The main ones: `!help events`.");
}

#[test]
fn an_unknown_topic_is_answered_with_the_topics() {
    let answer = answer("help frobnicate");
    assert_eq!(
        answer,
        vec![
            "I have no help on `frobnicate`. Topics: events, pairings, shoutouts, reminders, \
             profile, committee; a command's name works too, e.g. `!help remind`."
        ]
    );
}

/// Help marks the forms only the committee or organisers may use; the core's checks decide. A
/// member who is neither is refused exactly the examples of the marked forms, and every marked
/// form has one, so a mark cannot drift from the check.
#[tokio::test]
async fn the_forms_help_marks_are_the_ones_a_member_is_refused() {
    let now = support::at("2026-11-22T14:00:00+11:00");
    let ana = support::Member::new("ana");
    for command in COMMANDS {
        for form in command.forms.iter().filter(|f| f.who != Who::Anyone) {
            assert!(
                command
                    .examples
                    .iter()
                    .any(|e| command.form_of(e).is_some_and(|f| std::ptr::eq(f, form))),
                "an example of {}",
                form.usage
            );
        }
        for example in command.examples {
            let form = command.form_of(example).expect(example);
            let h = support::Harness::sqlite(chrono_tz::Australia::Sydney).await;
            let replies = h.say(ana.says(&format!("!{example}")), now).await;
            let refused = replies.iter().any(|r| {
                r.starts_with("Only the committee") || r.starts_with("Only the organisers")
            });
            assert_eq!(
                refused,
                form.who != Who::Anyone,
                "!{example} ({:?}): {replies:?}",
                form.who
            );
        }
    }
}
