//! What the table says about a command: its name, forms and examples, and the job it belongs to.
//! The parser's error messages, the help text and Discord's slash-command registration all read
//! these.

/// Words a usage shows as `[word]` that are typed on their own, as a switch, rather than naming
/// an optional value as `[note]` does: `coffee setup [new] ...`.
pub const SWITCHES: &[&str] = &["new"];

/// One form of a command. `usage` is machine-readable: literal words are sub-commands,
/// `<x>` a required value, `[x]` an optional one (or a switch, if in `SWITCHES`); `a|b` inside
/// brackets lists the choices.
pub struct Form {
    pub usage: &'static str,
    pub summary: &'static str,
    /// Who may use it; help marks the others' forms (checked in the core, whatever the
    /// platform says).
    pub who: Who,
    /// One of the most-used forms, on the short help page with its first example; the others
    /// wait behind `help <topic> more`, so a page fits a phone screen.
    pub main: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Anyone,
    /// The society's committee and an event's named organisers.
    Organisers,
    Committee,
}

impl Form {
    /// The summary a member reads: the forms only some may use say so first.
    pub fn described(&self) -> String {
        match self.who {
            Who::Anyone => self.summary.to_string(),
            Who::Organisers => format!("organisers: {}", self.summary),
            Who::Committee => format!("committee: {}", self.summary),
        }
    }
}

pub struct CommandSpec {
    pub name: &'static str,
    pub summary: &'static str,
    pub forms: &'static [Form],
    pub examples: &'static [&'static str],
    /// The job help lists it under; `None` for `help` itself, whose page is the index.
    pub topic: Option<Topic>,
}

impl CommandSpec {
    /// The form an example shows: the one whose literal words it starts with, the most of them,
    /// and, between equals, the one that takes values when the example gives some.
    pub fn form_of(&self, example: &str) -> Option<&Form> {
        let words: Vec<String> = example.split_whitespace().map(str::to_lowercase).collect();
        self.forms
            .iter()
            .filter_map(|form| {
                // The words of the usage before its first value: `coffee pause` in
                // `coffee pause <duration>`.
                let literals: Vec<&str> = form
                    .usage
                    .split_whitespace()
                    .take_while(|w| !w.starts_with('<') && !w.starts_with('['))
                    .collect();
                let matches = literals.len() <= words.len()
                    && literals.iter().zip(&words).all(|(l, w)| l == w);
                let takes_values = form.usage.split_whitespace().count() > literals.len();
                matches.then_some((
                    (
                        literals.len(),
                        takes_values == (words.len() > literals.len()),
                    ),
                    form,
                ))
            })
            // The first of equals: `max_by_key` would keep the last.
            .rev()
            .max_by_key(|(key, _)| *key)
            .map(|(_, form)| form)
    }
}

/// The jobs help is grouped by: a member looks for "pairings", not for the `mentor` command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    Events,
    Pairings,
    Shoutouts,
    Reminders,
    Profile,
    /// Also every form the committee or organisers alone may use, whatever its command.
    Committee,
}

impl Topic {
    /// In the order the index lists them.
    pub const ALL: [Topic; 6] = [
        Topic::Events,
        Topic::Pairings,
        Topic::Shoutouts,
        Topic::Reminders,
        Topic::Profile,
        Topic::Committee,
    ];

    /// The word typed after `help`.
    pub fn name(self) -> &'static str {
        match self {
            Topic::Events => "events",
            Topic::Pairings => "pairings",
            Topic::Shoutouts => "shoutouts",
            Topic::Reminders => "reminders",
            Topic::Profile => "profile",
            Topic::Committee => "committee",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Topic::Events => "Events",
            Topic::Pairings => "Pairings",
            Topic::Shoutouts => "Shout-outs",
            Topic::Reminders => "Reminders",
            Topic::Profile => "Profile",
            Topic::Committee => "Committee",
        }
    }

    pub fn summary(self) -> &'static str {
        match self {
            Topic::Events => "grand rounds, CPD sessions and socials",
            Topic::Pairings => "weekly coffee and mentoring",
            Topic::Shoutouts => "celebrate colleagues' news and your own",
            Topic::Reminders => "for you or the room, once or repeating",
            Topic::Profile => "what Rounds knows about you, and erasing it",
            Topic::Committee => "pairings, event tools, the log",
        }
    }

    /// The topic a word names: its name, its title as typed, or a near spelling members use.
    pub fn parse(word: &str) -> Option<Topic> {
        let word = word.to_lowercase();
        Topic::ALL
            .into_iter()
            .find(|t| t.name() == word || t.title().to_lowercase() == word)
            .or(match word.as_str() {
                "pairing" | "mentoring" => Some(Topic::Pairings),
                _ => None,
            })
    }
}
