//! One round to arrange, and the arrangement it gets.

use super::history::History;
use super::mode::Mode;
use super::person::Person;

/// One round to arrange. `people` are the eligible members; indices everywhere are positions
/// in it.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub people: &'a [Person],
    pub history: &'a History,
    /// Members per group: 2, 3 or 4 (clamped into that range). Ignored in mentor mode.
    pub size: usize,
    pub mode: Mode,
    pub seed: u64,
}

/// The round: groups (members ascending, groups ordered by first member), members left
/// without a partner this round, and how many within-group pairs had met before.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub groups: Vec<Vec<usize>>,
    pub unmatched: Vec<usize>,
    pub repeats: usize,
}
