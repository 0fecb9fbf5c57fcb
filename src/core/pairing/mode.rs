//! How a programme wants its members mixed, and its name in commands and settings.

/// How a programme wants its members mixed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// No preference beyond avoiding repeats.
    #[default]
    Random,
    /// Prefer pairs whose (known) specialties differ.
    CrossSpecialty,
    /// Prefer pairs whose (known) stages differ.
    CrossStage,
    /// Mentors with mentees only.
    Mentor,
}

impl Mode {
    pub const ALL: [Mode; 4] = [
        Mode::Random,
        Mode::CrossSpecialty,
        Mode::CrossStage,
        Mode::Mentor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Random => "random",
            Mode::CrossSpecialty => "cross-specialty",
            Mode::CrossStage => "cross-stage",
            Mode::Mentor => "mentor",
        }
    }

    /// The inverse of [`Mode::as_str`]; ignores case and surrounding space.
    pub fn parse(text: &str) -> Option<Mode> {
        let text = text.trim();
        Mode::ALL
            .into_iter()
            .find(|mode| mode.as_str().eq_ignore_ascii_case(text))
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_round_trip() {
        for mode in Mode::ALL {
            assert_eq!(Mode::parse(mode.as_str()), Some(mode));
            assert_eq!(
                Mode::parse(&format!(" {} ", mode.as_str().to_uppercase())),
                Some(mode)
            );
        }
        assert_eq!(Mode::parse("crossspecialty"), None);
    }
}
