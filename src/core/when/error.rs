//! The errors a member reads when a time expression fails, and how telling each one is.

/// Errors a member reads: what is wrong, then two examples that work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhenError {
    #[error("No time was given. Try: `in 20 minutes` or `tomorrow 8am`.")]
    Empty,
    #[error("I couldn't read \"{0}\" as a time. Try: `in 20 minutes` or `next Tuesday 09:00`.")]
    Unrecognised(String),
    #[error("That time has already passed. Try: `in 2 hours` or `tomorrow 9am`.")]
    Passed,
    #[error("{0} is not a date. Try: `1 December 14:30` or `28 February 9am`.")]
    NoSuchDate(String),
    #[error("\"{0}\" is not a time of day. Try: `at 17:00` or `tomorrow 5pm`.")]
    BadTime(String),
    #[error("\"{0}\" is not a duration I understand. Try: `in 10 minutes` or `in 1h30m`.")]
    BadDuration(String),
    #[error("A duration must be longer than zero. Try: `in 10 minutes` or `in 2 hours`.")]
    ZeroDuration,
    #[error("That is more than 5 years ahead. Try: `in 2 weeks` or `next Tuesday 09:00`.")]
    TooFar,
    #[error(
        "\"{0}\" is not a repeating time I understand. Try: `every Monday 08:00` or `every weekday at 7:30`."
    )]
    BadRecurrence(String),
    #[error(
        "A repeat interval must be at least 1. Try: `every 2 weeks on Friday 17:00` or `every Monday 08:00`."
    )]
    ZeroInterval,
    #[error("{0}. Try: `0 8 * * 1` or `every Monday at 08:00`.")]
    BadCron(String),
    #[error("\"{0}\" is not a time zone I know. Try: `Australia/Sydney` or `Europe/London`.")]
    UnknownZone(String),
    /// An abbreviation several zones use ("EST", "IST"): the member picks, Rounds never guesses.
    #[error("\"{typed}\" is used in more than one place. Which do you mean: {}?", zone_choices(.choices))]
    AmbiguousZone {
        typed: String,
        /// Each zone with the places that use it.
        choices: &'static [(&'static str, &'static str)],
    },
    /// Words that read two ways ("tomorrow 8", "12/1" in New York): asked back, never guessed.
    #[error("{}", .0.question(""))]
    Ambiguous(Box<Ambiguity>),
    #[error("\"{0}\" is not a length of time I understand. Try: `10 minutes` or `2 weeks`.")]
    BadSpan(String),
    #[error("A length of time must be longer than zero. Try: `10 minutes` or `2 weeks`.")]
    ZeroSpan,
    #[error("That is longer than 5 years. Try: `2 weeks` or `1 year`.")]
    SpanTooLong,
    #[error("The stored rule \"{0}\" is damaged. Try: `every Monday 08:00` or `daily at 9`.")]
    BadRule(String),
}

/// Two things the member's words can mean (08:00 or 20:00, 1 December or 12 January), and their
/// words spelled out unmistakably for each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguity {
    /// The two readings as shown: "08:00" and "20:00", or "12 January" and "1 December".
    pub meanings: [String; 2],
    /// The member's text spelled out each way: "tomorrow 8am to call".
    pub readings: [String; 2],
    /// The ambiguous words as each reading spells them: "8am", "8:30pm", "1 December".
    pub(super) spelled: [String; 2],
    /// Which words were ambiguous (first, count), so the readings can be respelled in the
    /// member's own text.
    pub(super) word: usize,
    pub(super) words: usize,
}

impl Ambiguity {
    /// Words `ws[start..start + len]` read two ways: `meanings` as shown, `spelled` as the
    /// member could type each unmistakably.
    pub(super) fn between(
        ws: &[&str],
        start: usize,
        len: usize,
        meanings: [String; 2],
        spelled: [String; 2],
    ) -> WhenError {
        let end = (start + len).min(ws.len());
        let readings = spelled.clone().map(|said| {
            let mut words: Vec<&str> = ws[..start.min(end)].to_vec();
            words.push(&said);
            words.extend(&ws[end..]);
            words.join(" ")
        });
        WhenError::Ambiguous(Box::new(Ambiguity {
            meanings,
            readings,
            spelled,
            word: start,
            words: len,
        }))
    }

    /// The question to ask back, offering each reading as `command` followed by the member's
    /// words, so the answer is one of two commands to copy.
    pub fn question(&self, command: &str) -> String {
        let [a, b] = &self.meanings;
        let [ra, rb] = &self.readings;
        format!("Did you mean {a} or {b}? Try: `{command}{ra}` or `{command}{rb}`.")
    }
}

fn zone_choices(choices: &[(&str, &str)]) -> String {
    let named: Vec<String> = choices
        .iter()
        .map(|(zone, places)| format!("`{zone}` ({places})"))
        .collect();
    match named.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => named.join(""),
    }
}

impl WhenError {
    /// How much an error tells the member; `split_when` reports the most telling one.
    pub(super) fn rank(&self) -> u8 {
        match self {
            WhenError::Empty => 0,
            WhenError::Unrecognised(_) => 1,
            WhenError::BadDuration(_)
            | WhenError::BadSpan(_)
            | WhenError::BadRecurrence(_)
            | WhenError::BadRule(_) => 2,
            _ => SPECIFIC,
        }
    }
}

/// Errors at this rank name a concrete problem (a date, a time, a past instant).
pub(super) const SPECIFIC: u8 = 3;

/// Member text quoted back in an error: bounded, and free of backticks so the examples stay
/// the only code spans.
pub(super) fn clip(text: &str) -> String {
    let trimmed = text.trim();
    let mut out: String = trimmed
        .chars()
        .take(40)
        .map(|c| if c == '`' || c == '"' { '\'' } else { c })
        .collect();
    if trimmed.chars().count() > 40 {
        out.push('…');
    }
    out
}
