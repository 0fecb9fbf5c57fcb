//! What the pairing knows of one member: specialty, stage and mentor role.

/// A member's part in mentor mode (ignored in the other modes).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum MentorRole {
    #[default]
    Neither,
    /// Offers to meet up to `capacity` mentees a round.
    Mentor { capacity: u32 },
    /// Looks for a mentor, optionally one of a given specialty.
    Mentee { wants_specialty: Option<String> },
}

/// What the algorithm knows of a member. Specialties compare ignoring case and surrounding
/// space; a stage rank is larger for more senior members.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Person {
    pub specialty: Option<String>,
    pub stage_rank: Option<u8>,
    pub mentor: MentorRole,
}
