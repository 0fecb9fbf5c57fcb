//! Short ids members type back: a letter for the kind and a number (`R7`, `E12`, `S3`).

use std::fmt;

use super::error::CommandError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdKind {
    Reminder,
    Event,
    Shoutout,
}

impl IdKind {
    pub fn letter(self) -> char {
        match self {
            IdKind::Reminder => 'R',
            IdKind::Event => 'E',
            IdKind::Shoutout => 'S',
        }
    }

    /// With its article, for sentences: "an event".
    pub fn a_noun(self) -> &'static str {
        match self {
            IdKind::Reminder => "a reminder",
            IdKind::Event => "an event",
            IdKind::Shoutout => "a shout-out",
        }
    }

    pub fn noun(self) -> &'static str {
        match self {
            IdKind::Reminder => "reminder",
            IdKind::Event => "event",
            IdKind::Shoutout => "shout-out",
        }
    }

    fn from_letter(c: char) -> Option<IdKind> {
        match c.to_ascii_uppercase() {
            'R' => Some(IdKind::Reminder),
            'E' => Some(IdKind::Event),
            'S' => Some(IdKind::Shoutout),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ShortId {
    pub kind: IdKind,
    pub number: i64,
}

impl ShortId {
    pub fn new(kind: IdKind, number: i64) -> Self {
        ShortId { kind, number }
    }

    /// Parses an id that must be of `expected` kind, in any letter case.
    pub fn parse(text: &str, expected: IdKind) -> Result<ShortId, CommandError> {
        let text = text.trim();
        let bad = || CommandError::BadId {
            given: text.chars().take(20).collect(),
            a_kind: expected.a_noun(),
            kind: expected.noun(),
            example: format!("{}7", expected.letter()),
        };
        let mut chars = text.chars();
        let kind = chars.next().and_then(IdKind::from_letter).ok_or_else(bad)?;
        let digits = chars.as_str();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() > 12 {
            return Err(bad());
        }
        let number: i64 = digits.parse().map_err(|_| bad())?;
        if kind != expected {
            return Err(CommandError::WrongIdKind {
                given: text.to_uppercase(),
                is: kind.a_noun(),
                want_a: expected.a_noun(),
                want: expected.noun(),
                example: format!("{}7", expected.letter()),
            });
        }
        Ok(ShortId { kind, number })
    }
}

impl fmt::Display for ShortId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.kind.letter(), self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_any_case_and_rejects_other_kinds() {
        assert_eq!(
            ShortId::parse("r7", IdKind::Reminder).unwrap().to_string(),
            "R7"
        );
        assert_eq!(ShortId::parse("R12", IdKind::Reminder).unwrap().number, 12);
        assert!(matches!(
            ShortId::parse("e3", IdKind::Reminder),
            Err(CommandError::WrongIdKind { .. })
        ));
        for bad in ["", "R", "7", "Rx", "R-1", "R99999999999999999", "Z3"] {
            assert!(ShortId::parse(bad, IdKind::Reminder).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_malformed_id_is_named_with_the_right_article() {
        for (kind, want) in [
            (IdKind::Reminder, "is not a reminder id"),
            (IdKind::Event, "is not an event id"),
            (IdKind::Shoutout, "is not a shout-out id"),
        ] {
            let shown = ShortId::parse("x7", kind).unwrap_err().to_string();
            assert!(shown.contains(want), "{shown}");
        }
    }
}
