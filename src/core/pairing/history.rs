//! Who has met whom: what the caller records, and what each round adds.

use std::collections::BTreeMap;

/// Who has met whom: for each unordered pair of indices into `people`, how many rounds ago
/// they last met (1 = the previous round) and how many times in all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    pairs: BTreeMap<(usize, usize), (u32, u32)>,
}

impl History {
    pub fn new() -> Self {
        History::default()
    }

    /// Records (or replaces) what is known of the pair `a`, `b`. A pair of one member is
    /// ignored; `rounds_ago` and `times` count from 1 (0 is taken as 1).
    pub fn record(&mut self, a: usize, b: usize, rounds_ago: u32, times: u32) {
        if a != b {
            self.pairs
                .insert((a.min(b), a.max(b)), (rounds_ago.max(1), times.max(1)));
        }
    }

    /// `(rounds_ago, times)` if `a` and `b` have met.
    pub fn met(&self, a: usize, b: usize) -> Option<(u32, u32)> {
        if a == b {
            return None;
        }
        self.pairs.get(&(a.min(b), a.max(b))).copied()
    }

    /// Forgets every meeting of `member` (say the index now belongs to someone else).
    pub fn forget(&mut self, member: usize) {
        self.pairs.retain(|&(a, b), _| a != member && b != member);
    }

    /// Ends a round: every meeting gets one round older, then every within-group pair of
    /// `groups` is recorded as met 1 round ago (one more time).
    pub fn advance(&mut self, groups: &[Vec<usize>]) {
        for value in self.pairs.values_mut() {
            value.0 = value.0.saturating_add(1);
        }
        for group in groups {
            for (x, &a) in group.iter().enumerate() {
                for &b in &group[x + 1..] {
                    if a != b {
                        let entry = self.pairs.entry((a.min(b), a.max(b))).or_insert((1, 0));
                        *entry = (1, entry.1.saturating_add(1));
                    }
                }
            }
        }
    }

    /// Every recorded pair as `(a, b, rounds_ago, times)` with `a < b`, in order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, u32, u32)> + '_ {
        self.pairs.iter().map(|(&(a, b), &(r, t))| (a, b, r, t))
    }

    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}
