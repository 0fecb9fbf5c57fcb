//! The help pages, generated from the `COMMANDS` table so they cannot drift from what parses.
//!
//! Every page fits a phone screen: `help` is an index by job with one example each; a job or a
//! command shows its main forms with an example each, and the rest waits behind `more`.

use super::spec::{CommandSpec, Form, Topic, Who};
use super::table::{COMMANDS, canonical, edit_distance, spec};

/// What one page is about: a job, or one command.
#[derive(Clone, Copy)]
enum Subject {
    Topic(Topic),
    Command(&'static CommandSpec),
}

impl Subject {
    fn parse(word: &str) -> Option<Subject> {
        Topic::parse(word)
            .map(Subject::Topic)
            .or_else(|| spec(canonical(word)).map(Subject::Command))
    }

    /// The word that asks for this page.
    fn word(self) -> &'static str {
        match self {
            Subject::Topic(topic) => topic.name(),
            Subject::Command(command) => command.name,
        }
    }

    fn heading(self, prefix: &str) -> String {
        match self {
            Subject::Topic(topic) => format!("{}: {}", topic.title(), topic.summary()),
            Subject::Command(command) => format!("`{prefix}{}`: {}", command.name, command.summary),
        }
    }

    /// Every form the page covers, in table order, and whether it is on the short page. A job
    /// keeps the forms only some may use for `more`; the committee's page is those forms.
    fn entries(self) -> Vec<Entry> {
        let mut entries = Vec::new();
        for command in COMMANDS {
            for form in command.forms {
                let short = match self {
                    Subject::Command(c) if c.name == command.name => form.main,
                    Subject::Command(_) => continue,
                    Subject::Topic(Topic::Committee) if form.who == Who::Anyone => continue,
                    Subject::Topic(Topic::Committee) => form.main,
                    Subject::Topic(topic) if command.topic == Some(topic) => {
                        form.main && form.who == Who::Anyone
                    }
                    Subject::Topic(_) => continue,
                };
                entries.push(Entry {
                    command,
                    form,
                    short,
                });
            }
        }
        entries
    }
}

struct Entry {
    command: &'static CommandSpec,
    form: &'static Form,
    short: bool,
}

impl Entry {
    /// The examples worth showing: one that is the usage itself adds nothing.
    fn examples(&self) -> Vec<&'static str> {
        examples_of(self.command, self.form)
            .into_iter()
            .filter(|e| *e != self.form.usage)
            .collect()
    }

    /// The form, and its first example or all of them.
    fn lines(&self, prefix: &str, all_examples: bool) -> Vec<String> {
        let mut lines = vec![format!(
            "`{prefix}{}`: {}",
            self.form.usage,
            self.form.described()
        )];
        let examples = self.examples();
        let shown = if all_examples { examples.len() } else { 1 };
        for example in examples.into_iter().take(shown) {
            lines.push(format!("  e.g. `{prefix}{example}`"));
        }
        lines
    }
}

fn examples_of(command: &'static CommandSpec, form: &'static Form) -> Vec<&'static str> {
    command
        .examples
        .iter()
        .copied()
        .filter(|e| command.form_of(e).is_some_and(|f| std::ptr::eq(f, form)))
        .collect()
}

/// `!help`, `!help <topic>` and `!help <topic> more`, generated from `COMMANDS`.
pub fn help_text(prefix: &str, asked: Option<&str>) -> String {
    let Some(asked) = asked else {
        return index(prefix);
    };
    let mut words = asked.split_whitespace();
    let word = words.next().unwrap_or("").to_lowercase();
    let more = words.next().is_some_and(|w| w.eq_ignore_ascii_case("more"));
    match Subject::parse(&word) {
        Some(subject) => page(prefix, subject, more),
        None => unknown_topic(prefix, &word),
    }
}

fn index(prefix: &str) -> String {
    let mut lines = vec!["Rounds: reminders and community tools for your society.".to_string()];
    for topic in Topic::ALL {
        if topic == Topic::Committee {
            lines.push(format!(
                "{}: {}: `{prefix}help {}`",
                topic.title(),
                topic.summary(),
                topic.name()
            ));
            continue;
        }
        lines.push(format!("{}: {}", topic.title(), topic.summary()));
        let example = Subject::Topic(topic)
            .entries()
            .iter()
            .filter(|e| e.short)
            .find_map(|e| examples_of(e.command, e.form).first().copied());
        if let Some(example) = example {
            lines.push(format!("  e.g. `{prefix}{example}`"));
        }
    }
    lines.push(format!(
        "`{prefix}help <topic>` for more, e.g. `{prefix}help events` or `{prefix}help remind`."
    ));
    lines.join("\n")
}

/// A short page: the main forms with an example each. `more`: the other forms, with all their
/// examples, and the main forms' further examples.
fn page(prefix: &str, subject: Subject, more: bool) -> String {
    let entries = subject.entries();
    let (main, rest): (Vec<&Entry>, Vec<&Entry>) = entries.iter().partition(|e| e.short);
    let further: Vec<&'static str> = main
        .iter()
        .flat_map(|e| e.examples().into_iter().skip(1))
        .collect();
    let word = subject.word();
    let mut lines = vec![subject.heading(prefix)];
    if more && !(rest.is_empty() && further.is_empty()) {
        lines[0].push_str(" (more)");
        lines.extend(rest.iter().flat_map(|e| e.lines(prefix, true)));
        if !further.is_empty() {
            lines.push("More examples:".to_string());
            lines.extend(further.iter().map(|e| format!("  `{prefix}{e}`")));
        }
        lines.push(format!("The main ones: `{prefix}help {word}`."));
        return lines.join("\n");
    }
    lines.extend(main.iter().flat_map(|e| e.lines(prefix, false)));
    let whose = |who: Who| rest.iter().any(|e| e.form.who == who);
    let among = match subject {
        // On the committee's own page, every form is theirs.
        Subject::Topic(Topic::Committee) => "",
        _ => match (whose(Who::Committee), whose(Who::Organisers)) {
            (true, true) => ", the committee's and organisers' among them",
            (true, false) => ", the committee's among them",
            (false, true) => ", organisers' among them",
            (false, false) => "",
        },
    };
    let what = match rest.len() {
        0 => "more examples".to_string(),
        1 => format!("1 more form{among}"),
        n => format!("{n} more forms{among}"),
    };
    if !(rest.is_empty() && further.is_empty()) {
        lines.push(format!("More: `{prefix}help {word} more` ({what})"));
    }
    lines.join("\n")
}

fn unknown_topic(prefix: &str, word: &str) -> String {
    let word: String = word.chars().take(40).collect();
    let names = Topic::ALL
        .iter()
        .map(|t| t.name())
        .chain(COMMANDS.iter().map(|c| c.name));
    let suggestion = names
        .map(|name| (edit_distance(&word, name), name))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, name)| format!(" Did you mean `{prefix}help {name}`?"))
        .unwrap_or_default();
    let topics = Topic::ALL
        .iter()
        .map(|t| t.name())
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "I have no help on `{word}`.{suggestion} Topics: {topics}; a command's name works too, e.g. `{prefix}help remind`."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::command::{Command, Parsed, parse};

    fn lines(text: &str) -> Vec<&str> {
        text.lines().collect()
    }

    /// Every page `help` can show: the index, each topic and command, short and `more`.
    fn every_page() -> Vec<(String, String)> {
        let mut pages = vec![("help".to_string(), help_text("!", None))];
        let words = Topic::ALL
            .iter()
            .map(|t| t.name())
            .chain(COMMANDS.iter().map(|c| c.name));
        for word in words {
            for asked in [word.to_string(), format!("{word} more")] {
                pages.push((asked.clone(), help_text("!", Some(&asked))));
            }
        }
        pages
    }

    /// The commands a page shows: its code spans that start with the prefix.
    fn code(text: &str) -> Vec<&str> {
        text.split('`')
            .skip(1)
            .step_by(2)
            .filter(|c| c.starts_with('!'))
            .collect()
    }

    #[test]
    fn the_index_fits_a_phone_with_an_example_for_each_job() {
        let help = help_text("!", None);
        let lines = lines(&help);
        assert!(lines.len() <= 15, "{help}");
        for line in &lines {
            assert!(line.chars().count() <= 64, "{line}");
        }
        for topic in Topic::ALL {
            let line = lines
                .iter()
                .position(|l| l.starts_with(&format!("{}:", topic.title())))
                .unwrap_or_else(|| panic!("{topic:?} in {help}"));
            let example = match topic {
                Topic::Committee => lines[line],
                _ => lines[line + 1],
            };
            assert!(example.contains("`!"), "{topic:?}: {example}");
        }
        assert!(
            lines
                .last()
                .unwrap()
                .starts_with("`!help <topic>` for more")
        );
    }

    #[test]
    fn each_topic_and_command_page_fits_a_phone() {
        for (asked, page) in every_page() {
            if asked.ends_with(" more") {
                continue;
            }
            assert!(
                lines(&page).len() <= 15,
                "!{asked}: {} lines\n{page}",
                lines(&page).len()
            );
        }
    }

    #[test]
    fn a_short_page_points_to_more_when_there_is_more() {
        let events = help_text("!", Some("events"));
        assert!(events.contains("`!event list`"), "{events}");
        assert!(events.contains("`!rsvp <id> <going|maybe|no>`"), "{events}");
        assert!(!events.contains("event import"), "{events}");
        assert!(
            events.ends_with("More: `!help events more` (10 more forms, organisers' among them)"),
            "{events}"
        );
        let more = help_text("!", Some("events more"));
        assert!(
            more.contains("`!event import <url>`: organisers: "),
            "{more}"
        );
        assert!(!more.contains("`!event list`"), "{more}");
        // Further examples of a main form wait behind `more` too.
        let remind = help_text("!", Some("remind"));
        assert!(
            remind.ends_with("More: `!help remind more` (more examples)"),
            "{remind}"
        );
        let more = help_text("!", Some("remind more"));
        assert!(
            more.contains("More examples:\n  `!remind me next Tuesday"),
            "{more}"
        );
        // Asked for more of a page that has none, the page itself.
        assert_eq!(
            help_text("!", Some("help more")),
            help_text("!", Some("help"))
        );
    }

    #[test]
    fn a_job_page_leaves_the_committees_forms_for_more_and_marks_them() {
        for topic in Topic::ALL.into_iter().filter(|t| *t != Topic::Committee) {
            let short = help_text("!", Some(topic.name()));
            assert!(!short.contains("committee: "), "{short}");
            assert!(!short.contains("organisers: "), "{short}");
        }
        let coffee = help_text("!", Some("coffee"));
        assert!(coffee.contains("`!coffee run [group <name>]`: committee: run a round now"));
        let committee = help_text("!", Some("committee"));
        assert!(
            committee.contains("`!committee log`: committee: "),
            "{committee}"
        );
        assert!(committee.contains("`!event create <details>`: organisers: "));
        assert!(!committee.contains("`!coffee join"), "{committee}");
    }

    #[test]
    fn every_form_and_example_is_on_some_page() {
        let pages = every_page();
        // Help's own forms are on the index, which is its page.
        for command in COMMANDS.iter().filter(|c| c.name != "help") {
            let topic = command.topic.expect(command.name);
            let short = help_text("!", Some(topic.name()));
            let more = help_text("!", Some(&format!("{} more", topic.name())));
            for form in command.forms {
                let shown = format!("`!{}`", form.usage);
                assert!(
                    short.contains(&shown) || more.contains(&shown),
                    "{} under {topic:?}",
                    form.usage
                );
            }
            for example in command.examples {
                let shown = format!("`!{example}`");
                assert!(
                    pages.iter().any(|(_, page)| page.contains(&shown)),
                    "{example}"
                );
                assert!(command.form_of(example).is_some(), "{example}");
            }
        }
        let help = help_text("!", Some("help"));
        assert!(help.contains("`!help <topic>`"), "{help}");
    }

    #[test]
    fn every_example_in_help_parses() {
        for (asked, page) in every_page() {
            for code in code(&page) {
                // A usage, or a page's heading naming its command.
                let heading = COMMANDS.iter().any(|c| code == format!("!{}", c.name));
                if code.contains('<') || code.contains('[') || heading {
                    continue;
                }
                assert!(
                    matches!(parse(code, "!", false), Parsed::Command(_)),
                    "`{code}` on !help {asked}"
                );
            }
        }
    }

    #[test]
    fn a_topic_is_a_job_or_a_command_in_any_case_or_alias() {
        assert!(help_text("!", Some("Events")).starts_with("Events: "));
        assert!(help_text("!", Some("event")).starts_with("`!event`: "));
        assert!(help_text("!", Some("shout-outs")).starts_with("Shout-outs: "));
        assert!(help_text("!", Some("follow-up")).starts_with("`!followup`: "));
        let topic = |line: &str| match parse(line, "!", false) {
            Parsed::Command(Command::Help { topic }) => topic,
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(
            topic("!help coffee MORE please").as_deref(),
            Some("coffee more")
        );
        assert_eq!(topic("!help !remind").as_deref(), Some("remind"));
        assert_eq!(topic("!help"), None);
    }

    #[test]
    fn an_unknown_topic_lists_the_topics() {
        let answer = help_text("!", Some("frobnicate"));
        assert!(
            answer.starts_with("I have no help on `frobnicate`."),
            "{answer}"
        );
        for topic in Topic::ALL {
            assert!(answer.contains(topic.name()), "{answer}");
        }
        assert!(lines(&answer).len() == 1);
        let near = help_text("!", Some("pairngs"));
        assert!(near.contains("Did you mean `!help pairings`?"), "{near}");
    }

    #[test]
    fn an_example_belongs_to_the_form_it_shows() {
        let usage =
            |command: &str, example: &str| spec(command).unwrap().form_of(example).map(|f| f.usage);
        assert_eq!(
            usage("mentor", "mentor offer capacity 2"),
            Some("mentor offer [capacity <n>]")
        );
        assert_eq!(usage("help", "help remind"), Some("help <topic>"));
        assert_eq!(usage("forget", "forget me"), Some("forget me"));
        assert_eq!(
            usage("shoutout", "shoutout approve S3"),
            Some("shoutout approve <id>")
        );
    }
}
