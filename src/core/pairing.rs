//! TEMPORARY stand-in with the agreed API, replaced by the real algorithm (helper task).
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Random,
    CrossSpecialty,
    CrossStage,
    Mentor,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Random => "random",
            Mode::CrossSpecialty => "cross-specialty",
            Mode::CrossStage => "cross-stage",
            Mode::Mentor => "mentor",
        }
    }
    pub fn parse(text: &str) -> Option<Mode> {
        [
            Mode::Random,
            Mode::CrossSpecialty,
            Mode::CrossStage,
            Mode::Mentor,
        ]
        .into_iter()
        .find(|m| m.as_str() == text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MentorRole {
    Neither,
    Mentor { capacity: u32 },
    Mentee { wants_specialty: Option<String> },
}

#[derive(Clone, Debug)]
pub struct Person {
    pub specialty: Option<String>,
    pub stage_rank: Option<u8>,
    pub mentor: MentorRole,
}

#[derive(Default)]
pub struct History {
    pairs: HashMap<(usize, usize), (u32, u32)>,
}

impl History {
    pub fn new() -> Self {
        History::default()
    }
    pub fn record(&mut self, a: usize, b: usize, rounds_ago: u32, times: u32) {
        self.pairs.insert((a.min(b), a.max(b)), (rounds_ago, times));
    }
    pub fn met(&self, a: usize, b: usize) -> Option<(u32, u32)> {
        self.pairs.get(&(a.min(b), a.max(b))).copied()
    }
}

pub struct Request<'a> {
    pub people: &'a [Person],
    pub history: &'a History,
    pub size: usize,
    pub mode: Mode,
    pub seed: u64,
}

pub struct Outcome {
    pub groups: Vec<Vec<usize>>,
    pub unmatched: Vec<usize>,
    pub repeats: usize,
}

pub fn arrange(request: &Request) -> Outcome {
    let n = request.people.len();
    let mut groups: Vec<Vec<usize>> = (0..n / 2).map(|i| vec![2 * i, 2 * i + 1]).collect();
    let mut unmatched = Vec::new();
    if n % 2 == 1 {
        match groups.last_mut() {
            Some(g) => g.push(n - 1),
            None => unmatched.push(n - 1),
        }
    }
    let _ = (request.history, request.size, request.mode, request.seed);
    Outcome {
        groups,
        unmatched,
        repeats: 0,
    }
}
